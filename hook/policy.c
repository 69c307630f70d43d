/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/policy.h"
#include "aa-oci/util.h"

#define LXC_PROFILE_DEFAULT "lxc-container-default"
#define LXC_PROFILE_DEFAULT_CGNS "lxc-container-default-cgns"

void policy_decision_free(struct aa_oci_decision *d)
{
	free(d->origin);
	free(d->profile);
	free(d->copy);
	*d = (struct aa_oci_decision){0};
}

#define COPY_MARK "--aa-oci-"

bool policy_container_id(const char *id, size_t n)
{
	if (n == 0 || n > 1024 || id[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '_' &&
		    id[i] != '.' && id[i] != '+' && id[i] != '-')
			return false;
	return true;
}

int policy_copy_name(const char *profile, const char *id, char **ret)
{
	_cleanup_free_ char *name = NULL;

	if (!id || !policy_container_id(id, strlen(id)))
		return -EINVAL;
	if (asprintf(&name, "%s" COPY_MARK "%.12s", profile, id) < 0)
		return -ENOMEM;
	if (profile_name_validate(name, NULL) < 0)
		return -EINVAL;
	*ret = TAKE_PTR(name);
	return 0;
}

bool policy_copy_parse(const char *label, size_t *ret_base_len, char *ret_id)
{
	size_t len = 0, idlen, m = sizeof(COPY_MARK) - 1;
	const char *mark = NULL, *id;

	/* Up to a child ("//"); the last mark in it: the id comes after.
	 * A plain loop: this runs on every start whose profile comes from
	 * process.apparmorProfile. */
	while (label[len] && !(label[len] == '/' && label[len + 1] == '/'))
		len++;
	for (size_t i = 0; i + m <= len; i++)
		if (label[i] == '-' && strncmp(label + i, COPY_MARK, m) == 0)
			mark = label + i;
	if (!mark || mark == label)
		return false;
	id = mark + m;
	idlen = (size_t)(label + len - id);
	if (idlen > 12 || !policy_container_id(id, idlen))
		return false;
	if (ret_base_len)
		*ret_base_len = (size_t)(mark - label);
	if (ret_id) {
		memcpy(ret_id, id, idlen);
		ret_id[idlen] = '\0';
	}
	return true;
}

bool policy_copy_base(const char *name, const char *id, char **ret_base)
{
	char id12[13];
	size_t base;

	if (!id || !id[0] || strstr(name, "//") ||
	    !policy_copy_parse(name, &base, id12) ||
	    strncmp(id12, id, 12) != 0 || strlen(id12) != strnlen(id, 12))
		return false;
	if (ret_base && !(*ret_base = strndup(name, base)))
		return false;
	return true;
}

/* Is @have the label of @name in namespace @ns (NULL: root)? */
static bool label_is(const char *have, const char *ns, const char *name)
{
	const char *base = profile_label_in(have, ns);

	return base && streq(base, name);
}

/* A hook cannot change the label the runtime applies: what is asked
 * outside process.apparmorProfile must be what it holds (in namespace
 * @ns, where that label points). */
static int hook_applies(struct aa_oci_decision *d,
			const struct aa_oci_spec *spec, const char *id,
			const char *ns, struct aa_oci_err *err)
{
	const char *have = spec->apparmor_profile;
	_cleanup_free_ char *want = NULL;

	/* Complain for this container alone runs under its private copy,
	 * which only the label the runtime applies can name. */
	if (d->profile && d->mode_asked && d->mode == AA_OCI_MODE_COMPLAIN &&
	    !d->copy) {
		_cleanup_free_ char *copy = NULL;

		if (have && policy_copy_name(d->profile, id, &copy) == 0 &&
		    label_is(have, ns, copy)) {
			d->copy = TAKE_PTR(copy);
			return 0;
		}
		return err_set(
		    err, -EPERM,
		    "annotation " AA_OCI_ANN_MODE
		    " asks for complain mode, which is per container: run it "
		    "through aa-oci-runtime, which loads a private copy of "
		    "\"%s\" and applies it (a hook cannot change the label)",
		    d->profile);
	}
	if (d->source == AA_OCI_SOURCE_NONE || d->source == AA_OCI_SOURCE_SPEC)
		return 0;
	if (d->unconfined) {
		if (have && !streq(have, "unconfined"))
			return err_set(err, -EPERM,
				       "%s asks for unconfined but "
				       "process.apparmorProfile is \"%.64s\"; "
				       "make them agree",
				       d->origin, have);
		return 0;
	}
	if (label_is(have, ns, d->profile))
		return 0;
	if (profile_label_make(ns, d->profile, &want) < 0)
		return -ENOMEM;
	if (have)
		return err_set(
		    err, -EPERM,
		    "%s asks for it but process.apparmorProfile is \"%.64s\", "
		    "which the runtime would apply instead; "
		    "set process.apparmorProfile to \"%s\" or run the "
		    "container through aa-oci-runtime",
		    d->origin, have, want);
	return err_set(err, -EPERM,
		       "%s asks for it but process.apparmorProfile is empty, "
		       "so the runtime would not apply it; "
		       "set process.apparmorProfile to \"%s\" or run the "
		       "container through aa-oci-runtime",
		       d->origin, want);
}

/* A wrapper writes the asked label into process.apparmorProfile, over an
 * engine's default but never over another explicit profile; a name the
 * engine wrote there that the wrapper loads into its namespace is written
 * with the namespace. */
static int runtime_writes(struct aa_oci_decision *d,
			  const struct aa_oci_spec *spec,
			  struct aa_oci_err *err)
{
	const char *have = spec->apparmor_profile;
	const char *want = d->unconfined ? "unconfined"
			   : d->copy	 ? d->copy
					 : d->profile;

	d->write = NULL;
	switch (d->source) {
	case AA_OCI_SOURCE_NONE:
	case AA_OCI_SOURCE_COMMAND:
	case AA_OCI_SOURCE_LXC:
		return 0;
	case AA_OCI_SOURCE_SPEC:
		if (!want || (have && streq(have, want)))
			return 0;
		break;
	case AA_OCI_SOURCE_DEFAULT:
		/* Only reached when process.apparmorProfile is empty. */
		break;
	case AA_OCI_SOURCE_ANNOTATION:
	case AA_OCI_SOURCE_KUBERNETES:
	case AA_OCI_SOURCE_PODMAN:
		if (have && streq(have, want))
			return 0;
		if (have && !resolve_engine_default(have))
			return err_set(
			    err, -EPERM,
			    "%s asks for \"%s\" but process.apparmorProfile is "
			    "\"%.64s\", which someone chose explicitly; "
			    "remove one of the two",
			    d->origin, want, have);
		break;
	}
	d->write = want;
	return 0;
}

/*
 * The namespace a decision's profile lives in (NULL: the root namespace).
 * A hook and LXC cannot change the label, so theirs is where the label
 * they were given points. A wrapper (runtime, exec) loads what a container
 * asks for into profile_namespace, except a name asked for without the
 * namespace that the root namespace has (an engine's default, a profile
 * loaded by hand or by `aa-oci sync`): the container runs under it where
 * it is, as the runtime alone would; so does an engine's default that
 * process.apparmorProfile names. A per-container copy is always
 * aa-oci's own, in the namespace.
 */
static const char *placement(const struct aa_oci_ask *ask,
			     const struct aa_oci_config *cfg,
			     const struct aa_oci_decision *d, bool in_ns)
{
	const char *ns = cfg->profile_namespace;

	if (!ns || !ns[0] || !d->profile)
		return NULL;
	if (in_ns)
		return ns;
	if (ask->fe != AA_OCI_BY_RUNTIME && ask->fe != AA_OCI_BY_EXEC)
		return NULL;
	if (d->copy)
		return ns;
	if (d->source == AA_OCI_SOURCE_SPEC &&
	    resolve_engine_default(d->profile))
		return NULL;
	if (ask->root_has && ask->root_has(ask->ctx, d->profile))
		return NULL;
	return ns;
}

/* @d's profile and copy, names so far, as labels in namespace @ns. */
static int make_labels(struct aa_oci_decision *d, const char *ns)
{
	char *l;

	if (!ns)
		return 0;
	if (d->profile) {
		if (profile_label_make(ns, d->profile, &l) < 0)
			return -ENOMEM;
		free(d->profile);
		d->profile = l;
	}
	if (d->copy) {
		if (profile_label_make(ns, d->copy, &l) < 0)
			return -ENOMEM;
		free(d->copy);
		d->copy = l;
	}
	return 0;
}

/* The engines' own defaults, and runtime/default: never held back by
 * allowed_profiles, which is about what tenants name. */
static bool always_allowed(const char *name, const struct aa_oci_config *cfg)
{
	return resolve_engine_default(name) ||
	       (cfg->runtime_default && streq(name, cfg->runtime_default)) ||
	       streq(name, LXC_PROFILE_DEFAULT) ||
	       streq(name, LXC_PROFILE_DEFAULT_CGNS);
}

static int gates(const struct aa_oci_decision *d,
		 const struct aa_oci_config *cfg, struct aa_oci_err *err)
{
	/* process.apparmorProfile is the engine's own choice: the runtime
	 * applies it with or without us, so unconfined there is not ours
	 * to refuse. Anything else asked by a container or a caller is. */
	if (d->unconfined && d->source != AA_OCI_SOURCE_SPEC &&
	    !cfg->allow_unconfined)
		return err_set(
		    err, -EPERM,
		    "%s asks for unconfined, which the config file does not "
		    "allow (set \"allow_unconfined\": true to permit it)",
		    d->origin);
	if (d->mode_asked && d->mode == AA_OCI_MODE_COMPLAIN &&
	    !cfg->allow_complain)
		return err_set(
		    err, -EPERM,
		    "%s asks for complain mode, which the config file does not "
		    "allow (set \"allow_complain\": true to permit it)",
		    d->source == AA_OCI_SOURCE_COMMAND
			? "--mode"
			: "annotation " AA_OCI_ANN_MODE);
	if (d->profile && cfg->allowed_profiles &&
	    !always_allowed(d->profile, cfg)) {
		for (char **g = cfg->allowed_profiles; *g; g++)
			if (fnmatch(*g, d->profile, 0) == 0)
				return 0;
		return err_set(err, -EPERM,
			       "%s asks for \"%s\", which no pattern in "
			       "\"allowed_profiles\" matches; add it there or "
			       "ask for another profile",
			       d->origin, d->profile);
	}
	return 0;
}

/* LXC: what lxc.apparmor.profile says (see lxc.c for LXC's own rules). */
static int decide_lxc(const struct aa_oci_ask *ask, struct aa_oci_decision *d,
		      struct aa_oci_err *err)
{
	static const struct {
		const char *value;
		const char *why;
	} own[] = {
	    {"generated", "lxc.apparmor.profile is \"generated\": LXC "
			  "generates and loads its own profile"},
	    {"unchanged", "lxc.apparmor.profile is \"unchanged\": LXC leaves "
			  "the AppArmor label as it is"},
	    {"unconfined", "lxc.apparmor.profile is \"unconfined\": the "
			   "container runs unconfined"},
	};
	const char *name = ask->value;
	int r;

	d->source = AA_OCI_SOURCE_LXC;
	if (name) {
		for (size_t i = 0; i < sizeof(own) / sizeof(*own); i++)
			if (streq(name, own[i].value)) {
				d->skipped = own[i].why;
				return 0;
			}
		r = profile_name_validate(name, err);
		if (r < 0) {
			char detail[AA_OCI_ERR_MAX];

			snprintf(detail, sizeof(detail), "%s",
				 err ? err->text : "");
			return err_set(
			    err, r, "%s%s", detail,
			    strstr(name, "//") || name[0] == ':'
				? "; aa-oci loads single profiles, not stacked "
				  "(a//&b) or namespaced (:ns:a) labels"
				: "");
		}
	} else {
		/* LXC's apparmor_prepare(): the -cgns variant when the
		 * kernel has cgroup namespaces. */
		d->defaulted = true;
		name = ask->lxc_cgns ? LXC_PROFILE_DEFAULT_CGNS
				     : LXC_PROFILE_DEFAULT;
	}
	d->origin = strdup("lxc.apparmor.profile");
	d->profile = strdup(name);
	return d->origin && d->profile ? 0 : -ENOMEM;
}

/* aa-oci-exec --profile VALUE [--mode MODE]. */
static int decide_command(const struct aa_oci_ask *ask,
			  const struct aa_oci_config *cfg,
			  struct aa_oci_decision *d, bool *ret_in_ns,
			  struct aa_oci_err *err)
{
	d->source = AA_OCI_SOURCE_COMMAND;
	d->origin = strdup("--profile");
	if (!d->origin)
		return -ENOMEM;
	return resolve_value(ask->value, cfg, &d->profile, &d->unconfined,
			     ret_in_ns, err);
}

int policy_decide(const struct aa_oci_ask *ask, const struct aa_oci_config *cfg,
		  struct aa_oci_decision *ret, struct aa_oci_err *err)
{
	struct aa_oci_decision d = {0};
	const char *ns = NULL;
	bool in_ns = false;
	int r;

	if (ask->fe == AA_OCI_BY_LXC) {
		r = decide_lxc(ask, &d, err);
	} else if (ask->value) {
		r = decide_command(ask, cfg, &d, &in_ns, err);
	} else if (ask->spec) {
		struct aa_oci_request req = {0};

		r = resolve_request(ask->state, ask->spec, cfg, &req, err);
		d.source = req.source;
		d.origin = TAKE_PTR(req.origin);
		d.profile = TAKE_PTR(req.profile);
		d.unconfined = req.unconfined;
		d.mode = req.mode;
		d.mode_asked = req.mode_asked;
		in_ns = req.in_namespace;
		resolve_request_free(&req);
	} else {
		r = 0; /* nothing given: nothing asked */
	}
	/* A hook's label is process.apparmorProfile, whatever else asked;
	 * asked in the namespace, that label must be there too. */
	if (r == 0 && ask->fe == AA_OCI_BY_HOOK) {
		const char *have = ask->spec->apparmor_profile;
		const char *cns = cfg->profile_namespace;
		bool asked = in_ns;

		in_ns = cns && cns[0] && profile_label_in(have, cns);
		if (asked && !in_ns)
			r = err_set(
			    err, -EPERM,
			    "%s asks for \":%s:%s\" but "
			    "process.apparmorProfile is \"%.64s\", which "
			    "the runtime would apply instead; make them "
			    "agree or run the container through "
			    "aa-oci-runtime",
			    d.origin, cfg->profile_namespace, d.profile,
			    have ? have : "");
	}
	if (r == 0 && ask->mode) {
		if (streq(ask->mode, "enforce"))
			d.mode = AA_OCI_MODE_ENFORCE;
		else if (streq(ask->mode, "complain"))
			d.mode = AA_OCI_MODE_COMPLAIN;
		else
			r = err_set(
			    err, -EINVAL,
			    "--mode is \"%.64s\"; use enforce or complain",
			    ask->mode);
		d.mode_asked = true;
		if (d.source == AA_OCI_SOURCE_NONE)
			d.source = AA_OCI_SOURCE_COMMAND;
	}
	/* process.apparmorProfile naming this container's private copy:
	 * the profile is its base, in complain mode (the copy's mode). */
	if (r == 0 && d.source == AA_OCI_SOURCE_SPEC && d.profile) {
		char *base = NULL;

		if (policy_copy_base(d.profile, ask->id, &base)) {
			d.copy = d.profile;
			d.profile = base;
			d.mode = AA_OCI_MODE_COMPLAIN;
			d.mode_asked = true;
		}
	}
	if (r == 0 && !d.skipped)
		r = gates(&d, cfg, err);
	if (r == 0 && ask->fe == AA_OCI_BY_HOOK)
		r = hook_applies(&d, ask->spec, ask->id,
				 in_ns ? cfg->profile_namespace : NULL, err);
	if (r == 0 && ask->fe == AA_OCI_BY_RUNTIME && d.profile &&
	    d.mode_asked && d.mode == AA_OCI_MODE_COMPLAIN && !d.copy) {
		r = policy_copy_name(d.profile, ask->id, &d.copy);
		if (r == -EINVAL)
			r = err_set(err, r,
				    "complain mode is per container, and this "
				    "create names no container id (or one that "
				    "makes no profile name); give the id");
	}
	if (r == 0) {
		ns = placement(ask, cfg, &d, in_ns);
		r = make_labels(&d, ns);
	}
	if (r == 0 && ask->fe == AA_OCI_BY_RUNTIME)
		r = runtime_writes(&d, ask->spec, err);
	if (r < 0) {
		/* A refusal still names what was asked, for the caller's
		 * message: the profile is kept, nothing else. */
		char *asked = TAKE_PTR(d.profile);

		policy_decision_free(&d);
		ret->profile = asked;
		return r;
	}
	*ret = d;
	return 0;
}

bool policy_reload(enum aa_oci_mode have, enum aa_oci_mode want,
		   const struct aa_oci_loaded *rec, const char **ret_note)
{
	const char *note = NULL;
	bool reload = false;

	if (have == want)
		;
	else if (have == AA_OCI_MODE_OTHER)
		note = "is loaded in a mode that is neither enforce nor "
		       "complain, set outside aa-oci; kept as it is";
	else if (have == AA_OCI_MODE_ENFORCE)
		note = "is loaded in enforce mode; kept (a loaded profile is "
		       "never weakened)";
	else if (rec && rec->mode == AA_OCI_MODE_COMPLAIN)
		reload = true; /* aa-oci's own complain load: made strict */
	else
		note = "is in complain mode, set outside aa-oci (aa-complain "
		       "or apparmor_parser -C); kept, so the container runs in "
		       "complain mode";
	if (ret_note)
		*ret_note = note;
	return reload;
}

bool policy_disabled(const char *path, char **ret_link)
{
	_cleanup_free_ char *link = NULL;
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (!slash || !slash[1])
		return false;
	if (asprintf(&link, "%.*s/disable/%s", (int)(slash - path), path,
		     slash + 1) < 0)
		return false;
	if (fstatat(AT_FDCWD, link, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (ret_link)
		*ret_link = TAKE_PTR(link);
	return true;
}

/* "a", "b", ... of @v, bounded, for a message. */
static void list_names(char *const *v, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (; *v; v++) {
		int n = snprintf(buf + used, size - used, "%s\"%.128s\"",
				 used ? ", " : "", *v);

		if (n < 0 || (size_t)n >= size - used) {
			snprintf(buf + used, size - used, ", ...");
			break;
		}
		used += (size_t)n;
	}
}

int policy_source(const char *path, struct aa_oci_err *err)
{
	_cleanup_free_ char *link = NULL;

	if (policy_disabled(path, &link))
		return err_set(
		    err, -EPERM,
		    "%s is disabled (%s exists); aa-oci does not load disabled "
		    "profiles: remove that link to allow it",
		    path, link);
	return 0;
}

int policy_check(const struct aa_oci_plan_view *p,
		 const struct aa_oci_config *cfg, struct aa_oci_err *err)
{
	char names[512];
	bool named = false, other = false;

	(void)cfg;
	if (!p->name) {
		/* sync: the administrator's files, all of their names, in the
		 * namespace it loads into. */
		for (char *const *n = p->declared; *n; n++) {
			bool in = profile_label_split(*n, NULL, NULL, NULL);

			if (!profile_label_in(*n, p->ns))
				return err_set(
				    err, -EOPNOTSUPP,
				    "%s declares \"%.128s\", %s; aa-oci sync "
				    "loads a directory into %s%s%s: move the "
				    "file or name the profile without one",
				    p->what, *n,
				    in ? "in a policy namespace of its own"
				       : "outside the namespace",
				    p->ns ? "namespace \""
					  : "the root namespace",
				    p->ns ? p->ns : "", p->ns ? "\"" : "");
		}
		return 0;
	}
	for (char *const *n = p->declared; *n; n++) {
		size_t len = strlen(p->name);

		if (streq(*n, p->name))
			named = true;
		else if (strncmp(*n, p->name, len) != 0 || n[0][len] != '/' ||
			 n[0][len + 1] != '/')
			other = true; /* not its own child or hat */
	}
	list_names(p->declared, names, sizeof(names));
	if (!named)
		return err_set(
		    err, -EPERM,
		    "%s declares %s, not \"%s\"; a container may load only the "
		    "profile it names: ask for the name the file declares",
		    p->what, names, p->name);
	if (other)
		return err_set(err, -EPERM,
			       "%s declares %s, not only \"%s\" and its "
			       "children; a container may load only the "
			       "profile it names: split the file",
			       p->what, names, p->name);
	return 0;
}
