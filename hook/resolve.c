/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "aa-oci/resolve.h"
#include "aa-oci/util.h"

/* Annotations that carry the Kubernetes container name, per engine. */
static const char *const k8s_name_keys[] = {
    "io.kubernetes.cri-o.ContainerName",
    "io.kubernetes.cri.container-name",
    "io.kubernetes.container.name",
};

static bool name_first(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static bool name_rest(unsigned char c)
{
	return name_first(c) || c == '.' || c == '+' || c == '-';
}

/* The shape both names share: 1 to @max bytes, [A-Za-z0-9_] then
 * [A-Za-z0-9_.-] and, when @plus, '+'. @what names it in messages. */
static int name_shape(const char *what, const char *s, size_t max, bool plus,
		      int too_long, struct aa_oci_err *err)
{
	size_t len = strnlen(s, max + 1);

	if (len == 0)
		return err_set(err, -EINVAL, "%s is empty", what);
	if (len > max)
		return err_set(err, too_long, "%s is longer than %zu bytes",
			       what, max);
	if (!name_first((unsigned char)s[0]))
		return err_set(err, -EINVAL,
			       "%s \"%.64s\" must start with a letter, digit "
			       "or '_'",
			       what, s);
	for (size_t i = 1; i < len; i++)
		if (!name_rest((unsigned char)s[i]) || (!plus && s[i] == '+'))
			return err_set(
			    err, -EINVAL,
			    "%s has a character that is not allowed (byte "
			    "0x%02x at %zu); use letters, digits, '_', '.', "
			    "%s'-'",
			    what, (unsigned char)s[i], i, plus ? "'+', " : "");
	return 0;
}

int profile_name_validate(const char *name, struct aa_oci_err *err)
{
	if (streq(name, "unconfined"))
		return err_set(
		    err, -EINVAL,
		    "\"unconfined\" is the kernel's label for no profile, not "
		    "a profile name; ask for unconfined itself");
	if (name[0] == ':')
		return err_set(err, -EINVAL,
			       "profile name \"%.64s\" names a policy "
			       "namespace, which only aa-oci chooses (its "
			       "profile_namespace); ask for the profile's name",
			       name);
	return name_shape("profile name", name, AA_OCI_PROFILE_NAME_MAX, true,
			  -E2BIG, err);
}

int profile_namespace_validate(const char *ns, struct aa_oci_err *err)
{
	return name_shape("namespace name", ns, AA_OCI_NAMESPACE_NAME_MAX,
			  false, -EINVAL, err);
}

bool profile_label_split(const char *label, const char **ret_ns,
			 size_t *ret_ns_len, const char **ret_base)
{
	const char *end = label[0] == ':' ? strchr(label + 1, ':') : NULL;
	bool ns = end && end > label + 1 && end[1];

	if (ret_ns)
		*ret_ns = ns ? label + 1 : NULL;
	if (ret_ns_len)
		*ret_ns_len = ns ? (size_t)(end - label - 1) : 0;
	if (ret_base)
		*ret_base = ns ? end + 1 : label;
	return ns;
}

const char *profile_label_base(const char *label)
{
	const char *base;

	profile_label_split(label, NULL, NULL, &base);
	return base;
}

int profile_label_make(const char *ns, const char *name, char **ret)
{
	int n = ns && ns[0] ? asprintf(ret, ":%s:%s", ns, name)
			    : asprintf(ret, "%s", name);

	return n < 0 ? -ENOMEM : 0;
}

const char *profile_label_in(const char *label, const char *ns)
{
	const char *lns, *base;
	size_t n;

	if (!label)
		return NULL;
	if (!profile_label_split(label, &lns, &n, &base))
		return ns && ns[0] ? NULL : label;
	if (!ns || strlen(ns) != n || strncmp(lns, ns, n) != 0)
		return NULL;
	return base;
}

int profile_label_validate(const char *label, const char *ns,
			   struct aa_oci_err *err)
{
	const char *base = ns && ns[0] ? profile_label_in(label, ns) : NULL;

	return profile_name_validate(base ? base : label, err);
}

/*
 * @value with the configured namespace's prefix ":NS:" taken off (into
 * *@ret_in_namespace). Any other ':' stays, for profile_name_validate to
 * refuse: a tenant names a profile, never a namespace.
 */
static const char *strip_namespace(const char *value,
				   const struct aa_oci_config *cfg,
				   bool *ret_in_namespace)
{
	const char *ns = cfg->profile_namespace;
	const char *base = ns && ns[0] ? profile_label_in(value, ns) : NULL;

	*ret_in_namespace = base != NULL;
	return base ? base : value;
}

int resolve_value(const char *value, const struct aa_oci_config *cfg,
		  char **ret_name, bool *ret_unconfined, bool *ret_in_namespace,
		  struct aa_oci_err *err)
{
	const char *name;
	bool in_ns;
	int r;

	if (streq(value, "unconfined")) {
		*ret_name = NULL;
		*ret_unconfined = true;
		*ret_in_namespace = false;
		return 0;
	}
	value = strip_namespace(value, cfg, &in_ns);
	name = value;
	if (streq(value, "runtime/default")) {
		name = cfg->runtime_default;
		if (!name || !name[0])
			return err_set(
			    err, -EINVAL,
			    "runtime/default asked for, but runtime_default is "
			    "empty in the config file");
	} else if (strncmp(value, "localhost/", 10) == 0)
		name = value + 10;
	r = profile_name_validate(name, err);
	if (r < 0)
		return r;
	*ret_name = strdup(name);
	if (!*ret_name)
		return -ENOMEM;
	*ret_unconfined = false;
	*ret_in_namespace = in_ns;
	return 0;
}

/*
 * Look @key up in the state and in config.json. Runtimes copy config.json's
 * annotations into the state, so two different values mean someone edited
 * one of them: refuse rather than guess which one the runtime will use.
 */
static int annotation(const struct aa_oci_state *state,
		      const struct aa_oci_spec *spec, const char *key,
		      const char **ret, struct aa_oci_err *err)
{
	const char *a =
	    state ? oci_annotation_get(&state->annotations, key) : NULL;
	const char *b = oci_annotation_get(&spec->annotations, key);

	if (a && b && !streq(a, b))
		return err_set(err, -EINVAL,
			       "annotation %.128s is \"%.64s\" in the state "
			       "but \"%.64s\" in config.json",
			       key, a, b);
	*ret = a ? a : b;
	if (*ret && strlen(*ret) > AA_OCI_ANNOTATION_VALUE_MAX)
		return err_set(err, -E2BIG,
			       "annotation %.128s is longer than %d bytes", key,
			       AA_OCI_ANNOTATION_VALUE_MAX);
	return 0;
}

/* Kubernetes' per-container key, when the container's name is known. */
static int k8s_key(const struct aa_oci_state *state,
		   const struct aa_oci_spec *spec, char **ret,
		   struct aa_oci_err *err)
{
	for (size_t i = 0; i < sizeof(k8s_name_keys) / sizeof(*k8s_name_keys);
	     i++) {
		const char *cname;
		int r = annotation(state, spec, k8s_name_keys[i], &cname, err);

		if (r < 0)
			return r;
		if (!cname || !cname[0])
			continue;
		if (strlen(cname) > AA_OCI_ANNOTATION_KEY_MAX)
			return err_set(err, -E2BIG,
				       "annotation %s is longer than %d bytes",
				       k8s_name_keys[i],
				       AA_OCI_ANNOTATION_KEY_MAX);
		if (asprintf(ret, "%s%s", AA_OCI_ANN_K8S_PREFIX, cname) < 0)
			return -ENOMEM;
		return 0;
	}
	*ret = NULL;
	return 0;
}

const char *mode_name(enum aa_oci_mode m)
{
	switch (m) {
	case AA_OCI_MODE_ENFORCE:
		return "enforce";
	case AA_OCI_MODE_COMPLAIN:
		return "complain";
	case AA_OCI_MODE_OTHER:
		break;
	}
	return "other";
}

const char *resolve_source_name(enum aa_oci_source s)
{
	switch (s) {
	case AA_OCI_SOURCE_ANNOTATION:
		return "annotation " AA_OCI_ANN_PROFILE;
	case AA_OCI_SOURCE_KUBERNETES:
		return "Kubernetes annotation";
	case AA_OCI_SOURCE_PODMAN:
		return "annotation " AA_OCI_ANN_PODMAN;
	case AA_OCI_SOURCE_SPEC:
		return "process.apparmorProfile";
	case AA_OCI_SOURCE_DEFAULT:
		return "default_profile in the config file";
	case AA_OCI_SOURCE_COMMAND:
		return "the command line";
	case AA_OCI_SOURCE_LXC:
		return "lxc.apparmor.profile";
	case AA_OCI_SOURCE_NONE:
		break;
	}
	return "nothing";
}

void resolve_request_free(struct aa_oci_request *req)
{
	free(req->origin);
	free(req->profile);
	*req = (struct aa_oci_request){0};
}

int resolve_request(const struct aa_oci_state *state,
		    const struct aa_oci_spec *spec,
		    const struct aa_oci_config *cfg, struct aa_oci_request *ret,
		    struct aa_oci_err *err)
{
	_cleanup_free_ char *kkey = NULL;
	struct aa_oci_request req = {0};
	const char *value = NULL, *mode = NULL;
	int r;

	r = annotation(state, spec, AA_OCI_ANN_MODE, &mode, err);
	if (r < 0)
		return r;
	req.mode_asked = mode != NULL;
	if (mode && streq(mode, "complain"))
		req.mode = AA_OCI_MODE_COMPLAIN;
	else if (mode && !streq(mode, "enforce"))
		return err_set(err, -EINVAL,
			       "annotation " AA_OCI_ANN_MODE
			       " is \"%.64s\"; use \"enforce\" or \"complain\"",
			       mode);

	r = annotation(state, spec, AA_OCI_ANN_PROFILE, &value, err);
	if (r < 0)
		return r;
	if (value) {
		req.source = AA_OCI_SOURCE_ANNOTATION;
		req.origin = strdup(AA_OCI_ANN_PROFILE);
	}
	if (!value) {
		r = k8s_key(state, spec, &kkey, err);
		if (r < 0)
			return r;
		if (kkey) {
			r = annotation(state, spec, kkey, &value, err);
			if (r < 0)
				return r;
		}
		if (value) {
			req.source = AA_OCI_SOURCE_KUBERNETES;
			req.origin = TAKE_PTR(kkey);
		}
	}
	if (!value) {
		r = annotation(state, spec, AA_OCI_ANN_PODMAN, &value, err);
		if (r < 0)
			return r;
		if (value) {
			req.source = AA_OCI_SOURCE_PODMAN;
			req.origin = strdup(AA_OCI_ANN_PODMAN);
		}
	}
	if (!value && spec->apparmor_profile) {
		/* The runtime writes this value as it is, so no prefixes:
		 * only "unconfined" is special, as it is to the kernel. */
		req.source = AA_OCI_SOURCE_SPEC;
		req.origin = strdup("process.apparmorProfile");
		if (!req.origin)
			return -ENOMEM;
		if (streq(spec->apparmor_profile, "unconfined")) {
			req.unconfined = true;
		} else {
			const char *name = strip_namespace(
			    spec->apparmor_profile, cfg, &req.in_namespace);

			r = profile_name_validate(name, err);
			if (r < 0)
				goto fail;
			req.profile = strdup(name);
			if (!req.profile) {
				r = -ENOMEM;
				goto fail;
			}
		}
		*ret = req;
		return 0;
	}
	if (!value && cfg->default_profile && cfg->default_profile[0]) {
		req.source = AA_OCI_SOURCE_DEFAULT;
		req.origin = strdup("default_profile");
		value = cfg->default_profile;
	}
	if (!value) {
		*ret = req; /* nothing asked for */
		return 0;
	}
	if (!req.origin) {
		r = -ENOMEM;
		goto fail;
	}
	r = resolve_value(value, cfg, &req.profile, &req.unconfined,
			  &req.in_namespace, err);
	if (r < 0)
		goto fail;
	*ret = req;
	return 0;
fail:
	resolve_request_free(&req);
	return r;
}

bool resolve_engine_default(const char *name)
{
	return streq(name, "docker-default") ||
	       strncmp(name, "containers-default-", 19) == 0 ||
	       strncmp(name, "crio-default", 12) == 0 ||
	       streq(name, "cri-containerd.apparmor.d");
}

/* Annotations that name the pod, per engine (CRI-O and dockershim, then
 * containerd's CRI plugin); the container's are k8s_name_keys. */
static const char *const k8s_ns_keys[] = {
    "io.kubernetes.pod.namespace",
    "io.kubernetes.cri.sandbox-namespace",
    NULL,
};
static const char *const k8s_pod_keys[] = {
    "io.kubernetes.pod.name",
    "io.kubernetes.cri.sandbox-name",
    NULL,
};

static char *first_annotation(const struct aa_oci_state *state,
			      const struct aa_oci_spec *spec,
			      const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n && keys[i]; i++) {
		const char *v =
		    state ? oci_annotation_get(&state->annotations, keys[i])
			  : NULL;

		if (!v && spec)
			v = oci_annotation_get(&spec->annotations, keys[i]);
		if (v && v[0] && strlen(v) <= 253)
			return strdup(v);
	}
	return NULL;
}

void resolve_k8s_names(const struct aa_oci_state *state,
		       const struct aa_oci_spec *spec, char **ret_namespace,
		       char **ret_pod, char **ret_container)
{
	*ret_namespace = first_annotation(state, spec, k8s_ns_keys, 2);
	*ret_pod = first_annotation(state, spec, k8s_pod_keys, 2);
	*ret_container =
	    first_annotation(state, spec, k8s_name_keys,
			     sizeof(k8s_name_keys) / sizeof(*k8s_name_keys));
}
