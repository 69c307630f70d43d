/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/compile.h"
#include "aa-oci/config.h"
#include "aa-oci/generate.h"
#include "aa-oci/index.h"
#include "aa-oci/load.h"
#include "aa-oci/policy.h"
#include "aa-oci/resolve.h"
#include "aa-oci/rundir.h"
#include "aa-oci/util.h"

/* The abi pinned in generated profiles, when the parser has it. */
#define GENERATED_ABI "abi/3.0"

void load_result_free(struct aa_oci_load_result *r)
{
	free(r->source);
	r->source = NULL;
}

static void join_dirs(const struct aa_oci_config *cfg, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (char **d = cfg->profile_dirs; d && *d; d++) {
		int n = snprintf(buf + used, size - used, "%s%s",
				 used ? ", " : "", *d);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

static int path_join(const char *dir, const char *name, char **ret)
{
	return asprintf(ret, "%s/%s", dir, name) < 0 ? -ENOMEM : 0;
}

int load_find_source(const struct aa_oci_config *cfg, const char *name,
		     char **ret_path, struct aa_oci_err *err)
{
	char dirs[512];

	/* First pass: a file named after the profile, in directory order. */
	for (char **d = cfg->profile_dirs; d && *d; d++) {
		_cleanup_close_ int dfd = -1;
		struct stat st;

		dfd = open(*d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		if (fstatat(dfd, name, &st, 0) == 0 && S_ISREG(st.st_mode))
			return path_join(*d, name, ret_path);
	}
	/* Second pass: a file whose declaration names it, from the index of
	 * declarations, which is only rebuilt when a directory changed. */
	{
		/* No place to keep the index: scan each time. */
		int dfd = rundir_fd(cfg->rundir, true, NULL);
		int r = index_lookup(cfg->profile_dirs, dfd,
				     dfd >= 0 ? RUNDIR_INDEX : NULL, name,
				     ret_path, NULL, err);

		if (r != -ENOENT)
			return r;
	}
	join_dirs(cfg, dirs, sizeof(dirs));
	return err_set(
	    err, -ENOENT,
	    "not found in %s: no file named \"%s\" and no file declaring "
	    "\"profile %s\"; add one there or fix the name",
	    dirs, name, name);
}

/* Open (creating) the run directory and its load.lock. */
static int lock_open(const struct aa_oci_config *cfg, int *ret_fd,
		     struct aa_oci_err *err)
{
	return rundir_lock_open(cfg->rundir, RUNDIR_LOAD_LOCK, ret_fd, err);
}

/* flock @lfd with @op (LOCK_EX or LOCK_SH, which replaces a lock it holds;
 * with LOCK_NB, -EWOULDBLOCK when another holds it). */
static int lock_wait(int lfd, int op, const char *run_dir,
		     struct aa_oci_err *err)
{
	while (flock(lfd, op) < 0) {
		int r = -errno;

		if (r == -EINTR)
			continue;
		if (r == -EWOULDBLOCK)
			return r;
		return err_set(err, r, "cannot lock %s/load.lock: %s", run_dir,
			       strerror(-r));
	}
	return 0;
}

/* lock_open, then wait for the exclusive lock. */
static int lock_take(const struct aa_oci_config *cfg, int *ret_fd,
		     struct aa_oci_err *err)
{
	_cleanup_close_ int lfd = -1;
	int r;

	r = lock_open(cfg, &lfd, err);
	if (r == 0)
		r = lock_wait(lfd, LOCK_EX, cfg->run_dir, err);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(lfd);
	return 0;
}

/*
 * Is what the kernel has what @want asks for? The kernel's answer comes
 * from kernel_profile_state; whether to load again is policy's
 * (policy_reload), which needs aa-oci's record only when a profile in
 * complain mode meets a request for enforce.
 */
static bool keep_loaded(const struct aa_oci_config *cfg, const char *name,
			enum aa_oci_mode have, enum aa_oci_mode want,
			const char **ret_note)
{
	struct aa_oci_loaded rec = {0};
	bool keep, have_rec;

	*ret_note = NULL;
	if (have == want)
		return true;
	have_rec = have == AA_OCI_MODE_COMPLAIN &&
		   rundir_loaded_get(cfg->rundir, name, &rec) == 0;
	keep = !policy_reload(have, want, have_rec ? &rec : NULL, ret_note);
	rundir_loaded_free(&rec);
	return keep;
}

int load_generate_text(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		       enum aa_oci_template t, const char *name, bool explain,
		       char **ret_text, struct aa_oci_err *err)
{
	struct aa_oci_generate_opts o = {.explain = explain};
	unsigned version[3];
	int r;

	r = kernel_features(k, cfg->rundir, &o.features);
	if (r < 0)
		return err_set(
		    err, r,
		    "cannot read the kernel's features in %s/features: %s",
		    kernel_apparmorfs(k), strerror(-r));
	if (faccessat(AT_FDCWD, AA_OCI_PARSER_INCLUDE_DIR "/" GENERATED_ABI,
		      R_OK, 0) == 0)
		o.abi = GENERATED_ABI;
	/* As the engines do: abstractions/base (and the tunables it needs)
	 * where the host has them. */
	o.base =
	    faccessat(AT_FDCWD, AA_OCI_PARSER_INCLUDE_DIR "/abstractions/base",
		      R_OK, 0) == 0 &&
	    faccessat(AT_FDCWD, AA_OCI_PARSER_INCLUDE_DIR "/tunables/global",
		      R_OK, 0) == 0;
	/* Rules this parser would compile into more than they say are left
	 * out; a parser that cannot say its version gets none of them. */
	o.propagation = compile_parser_version(cfg, version) == 0 &&
			compile_parser_propagation_ok(version);
	r = generate_profile(t, name, &o, ret_text);
	if (r < 0)
		return err_set(err, r, "cannot generate %s: %s",
			       generate_template_name(t), strerror(-r));
	return 0;
}

/*
 * A load is plan, check, commit. The plan finds the source (or generates
 * it), compiles it or takes it from the cache, and reads the names the
 * compiled policy declares; the check (policy_check) decides on those
 * bytes; only then does one write reach the kernel, and what was loaded is
 * recorded in run_dir.
 */
struct plan {
	enum aa_oci_loader by;
	const char *name; /* asked for, a label; NULL for a file (sync) */
	const char *ns;	  /* the policy namespace it goes into; NULL: root */
	char nsbuf[AA_OCI_NAMESPACE_NAME_MAX + 1];
	enum aa_oci_mode mode;
	char *source;	  /* the file; NULL when generated */
	char *text;	  /* the generated text */
	const char *what; /* the source in messages */
	struct aa_oci_compiled c;
	char **declared; /* every profile in c, children included */
};

/* The plan's namespace, from the label it loads (@label) or the one
 * asked (@ns); NULL in the root namespace. A label aa-oci could not
 * record as its own is refused (it would read as another loader's). */
static int plan_namespace(struct plan *p, const char *label, const char *ns,
			  struct aa_oci_err *err)
{
	size_t n = 0;

	if (label && !rundir_loaded_fits(label))
		return err_set(
		    err, -ENAMETOOLONG,
		    "\"%.64s...\" (%zu bytes) is too long for aa-oci "
		    "to record as its own in run_dir; a profile in "
		    "a namespace needs a name shorter by the "
		    "namespace's length and 6; use a shorter name",
		    label, strlen(label));

	if (label && profile_label_split(label, &ns, &n, NULL))
		;
	else if (ns && ns[0])
		n = strlen(ns);
	else
		return 0;
	if (n >= sizeof(p->nsbuf))
		return err_set(err, -EINVAL, "namespace \"%.100s\" is too long",
			       ns);
	memcpy(p->nsbuf, ns, n);
	p->nsbuf[n] = '\0';
	p->ns = p->nsbuf;
	return 0;
}

static void plan_free(struct plan *p)
{
	free(p->source);
	free(p->text);
	compiled_free(&p->c);
	strv_free(p->declared);
	p->source = p->text = NULL;
	p->declared = NULL;
}

/* A source's declarations that name a namespace of their own. */
struct own_ns {
	const char *ns; /* the plan's */
	char **declared;
	int r;
};

static int own_ns_one(const char *name, size_t len, void *data)
{
	struct own_ns *o = data;
	_cleanup_free_ char *label = strndup(name, len);
	const char *base;
	size_t blen;

	if (!label)
		return o->r = -ENOMEM;
	if (!profile_label_split(label, NULL, NULL, &base) ||
	    profile_label_in(label, o->ns))
		return 0;
	blen = strlen(base);
	/* The compiled ":NS:BASE" (or a child of it) came from this one. */
	for (char **d = o->declared; *d; d++) {
		const char *db = profile_label_in(*d, o->ns);

		if (db && strncmp(db, base, blen) == 0 &&
		    (!db[blen] || strncmp(db + blen, "//", 2) == 0)) {
			char *nd;

			if (asprintf(&nd, "%s%s", label, db + blen) < 0)
				return o->r = -ENOMEM;
			free(*d);
			*d = nd;
		}
	}
	return 0;
}

/*
 * Compiled into a namespace, the policy names that namespace even where
 * the source named another (`profile :other:x`: the parser's --namespace
 * wins). What the check sees must be what the source asked for, so those
 * names are put back as the source wrote them.
 */
static int plan_own_namespaces(struct plan *p, struct aa_oci_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct own_ns o = {.ns = p->ns, .declared = p->declared};
	int r;

	if (!p->ns)
		return 0;
	if (!p->text) {
		r = read_file_at(AT_FDCWD, p->source, false,
				 AA_OCI_PROFILE_FILE_MAX, &text, NULL);
		if (r < 0)
			return err_set(err, r, "cannot read %s: %s", p->source,
				       strerror(-r));
	}
	(void)index_declared(p->text ? p->text : text, own_ns_one, &o);
	return o.r;
}

/* Compile (or take from the cache) and read what it declares. */
static int plan_compile(struct aa_oci_kernel *k,
			const struct aa_oci_config *cfg, struct plan *p,
			struct aa_oci_err *err)
{
	int r;

	compiled_free(&p->c);
	strv_free(p->declared);
	p->declared = NULL;
	r = compile_policy(k, cfg, p->what, p->text, p->mode, p->ns, &p->c,
			   err);
	if (r < 0)
		return r;
	r = load_policy_declared(p->c.buf, p->c.len, &p->declared);
	if (r < 0 && p->c.from_cache) {
		/* An entry that holds no readable policy (kept before
		 * compile_policy checked what it stores): dropped, and the
		 * source compiled again rather than refused on every start. */
		compile_forget(k, cfg, p->what, p->text, p->mode, p->ns);
		compiled_free(&p->c);
		r = compile_policy(k, cfg, p->what, p->text, p->mode, p->ns,
				   &p->c, err);
		if (r < 0)
			return r;
		if (!p->c.warning[0])
			snprintf(p->c.warning, sizeof(p->c.warning),
				 "policy cache entry for %.300s held no "
				 "readable policy; recompiled",
				 p->what);
		r = load_policy_declared(p->c.buf, p->c.len, &p->declared);
	}
	if (r == -ENOENT)
		return err_set(err, r, "%s defines no profile", p->what);
	if (r == -EINVAL)
		return err_set(
		    err, r,
		    "%s defines a profile whose name has a control character",
		    p->what);
	if (r < 0)
		return err_set(err, r,
			       "cannot read the profile names in the policy %s "
			       "compiled from %s",
			       cfg->parser, p->what);
	return plan_own_namespaces(p, err);
}

static int plan_check(const struct aa_oci_config *cfg, const struct plan *p,
		      struct aa_oci_err *err)
{
	struct aa_oci_plan_view v = {
	    .by = p->by,
	    .name = p->name,
	    .ns = p->ns,
	    .source = p->source,
	    .what = p->what,
	    .declared = p->declared,
	};

	return policy_check(&v, cfg, err);
}

/* One write. A cache entry the kernel refuses is dropped, and the policy
 * compiled afresh goes through the check again before its write. */
static int commit(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		  struct plan *p, struct aa_oci_err *err)
{
	int r = kernel_replace_policy_buffer(k, p->c.buf, p->c.len);

	if (r < 0 && p->c.from_cache) {
		compile_forget(k, cfg, p->what, p->text, p->mode, p->ns);
		r = plan_compile(k, cfg, p, err);
		if (r == 0)
			r = plan_check(cfg, p, err);
		if (r < 0)
			return r;
		r = kernel_replace_policy_buffer(k, p->c.buf, p->c.len);
	}
	if (r < 0)
		return err_set(
		    err, r,
		    "the kernel refused the policy compiled from %s: %s",
		    p->what, strerror(-r));
	return 0;
}

/* After the write: each top-level profile is there (read from its own
 * directory, which is remembered), and recorded as aa-oci's. */
static int record(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		  const struct plan *p, enum aa_oci_mode *ret_mode,
		  struct aa_oci_err *err)
{
	for (char **n = p->declared; *n; n++) {
		struct aa_oci_loaded rec = {
		    .by = p->by,
		    .source = p->source ? p->source : (char *)p->what,
		    .time = time(NULL),
		};
		enum aa_oci_mode have;

		if (strstr(*n, "//"))
			continue; /* children go with their parent */
		if (kernel_profile_state(k, cfg->rundir, *n, &have) < 0)
			return err_set(
			    err, -ENOENT,
			    "%s was loaded but the kernel does not list \"%s\"",
			    p->what, *n);
		if (p->name && streq(*n, p->name))
			*ret_mode = have;
		rec.mode = have;
		memcpy(rec.key, p->c.key, sizeof(rec.key));
		/* Lost, it only makes a later start treat it as not ours. */
		(void)rundir_loaded_put(cfg->rundir, *n, &rec);
	}
	return 0;
}

static int load_locked(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		       enum aa_oci_loader by, const char *name,
		       enum aa_oci_mode mode, struct aa_oci_load_result *ret,
		       struct aa_oci_err *err)
{
	struct plan p = {.by = by, .name = name, .mode = mode};
	const char *base = profile_label_base(name);
	enum aa_oci_template t;
	int r;

	r = plan_namespace(&p, name, NULL, err);
	if (r < 0)
		return r;
	r = load_find_source(cfg, base, &p.source, err);
	if (r == -ENOENT && generate_template_from_name(base, &t) == 0) {
		err_clear(err);
		r = load_generate_text(k, cfg, t, base, false, &p.text, err);
		if (r < 0)
			return r;
		ret->action = AA_OCI_LOAD_GENERATED;
		p.what = generate_template_name(t);
	} else if (r < 0) {
		return r;
	} else {
		ret->action = AA_OCI_LOAD_FILE;
		p.what = p.source;
		r = policy_source(p.source, err);
	}
	if (r == 0)
		r = plan_compile(k, cfg, &p, err);
	if (r == 0)
		r = plan_check(cfg, &p, err);
	if (r == 0) {
		memcpy(ret->warning, p.c.warning, sizeof(ret->warning));
		r = commit(k, cfg, &p, err);
	}
	ret->from_cache = p.c.from_cache;
	if (r == 0)
		r = record(k, cfg, &p, &ret->mode, err);
	if (r == 0)
		ret->source = TAKE_PTR(p.source);
	plan_free(&p);
	return r;
}

/* The first `profile BASE` declaration of a text (index.c's reading). */
struct decl {
	const char *name;
	const char *at;
};

static int find_decl(const char *name, size_t len, void *data)
{
	struct decl *d = data;

	if (len != strlen(d->name) || memcmp(name, d->name, len) != 0)
		return 0;
	d->at = name;
	return 1;
}

/* @src's text with its declaration of @base renamed @copy. */
static int copy_text(const char *src, const char *base, const char *copy,
		     char **ret, struct aa_oci_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct decl d = {.name = base};
	size_t len, head;
	int r;

	r = read_file_at(AT_FDCWD, src, false, AA_OCI_PROFILE_FILE_MAX, &text,
			 &len);
	if (r < 0)
		return err_set(err, r, "cannot read %s: %s", src, strerror(-r));
	if (index_declared(text, find_decl, &d) <= 0 || !d.at)
		return err_set(err, -ENOENT,
			       "%s does not declare \"profile %s\", so no "
			       "per-container copy can be made of it",
			       src, base);
	head = (size_t)(d.at - text);
	if (asprintf(ret, "%.*s%s%s", (int)head, text, copy,
		     d.at + strlen(base)) < 0)
		return -ENOMEM;
	return 0;
}

static int load_copy_locked(struct aa_oci_kernel *k,
			    const struct aa_oci_config *cfg,
			    enum aa_oci_loader by, const char *base,
			    const char *copy, struct aa_oci_load_result *ret,
			    struct aa_oci_err *err)
{
	struct plan p = {.by = by, .name = copy, .mode = AA_OCI_MODE_COMPLAIN};
	_cleanup_free_ char *src = NULL;
	const char *cbase = profile_label_base(copy);
	enum aa_oci_template t;
	int r;

	/* Both are labels: the sources know them by their names. */
	base = profile_label_base(base);
	r = plan_namespace(&p, copy, NULL, err);
	if (r < 0)
		return r;
	r = load_find_source(cfg, base, &src, err);
	if (r == -ENOENT && generate_template_from_name(base, &t) == 0) {
		err_clear(err);
		r = load_generate_text(k, cfg, t, cbase, false, &p.text, err);
		ret->action = AA_OCI_LOAD_GENERATED;
		p.what = generate_template_name(t);
	} else if (r == 0) {
		r = policy_source(src, err);
		if (r == 0)
			r = copy_text(src, base, cbase, &p.text, err);
		ret->action = AA_OCI_LOAD_FILE;
		p.what = src;
	}
	if (r == 0)
		r = plan_compile(k, cfg, &p, err);
	if (r == 0)
		r = plan_check(cfg, &p, err);
	if (r == 0)
		r = commit(k, cfg, &p, err);
	ret->from_cache = p.c.from_cache;
	if (r == 0)
		r = record(k, cfg, &p, &ret->mode, err);
	if (r == 0 && src)
		ret->source = TAKE_PTR(src);
	plan_free(&p);
	return r;
}

int load_copy(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
	      enum aa_oci_loader by, const char *base, const char *copy,
	      struct aa_oci_load_result *ret, struct aa_oci_err *err)
{
	_cleanup_close_ int lock = -1;
	struct aa_oci_load_result res = {0};
	enum aa_oci_mode have;
	int r;

	/* A copy belongs to one container: there when loaded, whatever
	 * mode it is in now. */
	r = kernel_profile_state(k, cfg->rundir, copy, &have);
	if (r == 0) {
		*ret = (struct aa_oci_load_result){
		    .action = AA_OCI_LOAD_ALREADY, .mode = have};
		return 0;
	}
	r = lock_take(cfg, &lock, err);
	if (r < 0)
		return r;
	r = load_copy_locked(k, cfg, by, base, copy, &res, err);
	if (r < 0) {
		load_result_free(&res);
		return r;
	}
	*ret = res;
	return 0;
}

int load_again(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
	       const char *name, const enum aa_oci_mode *mode, bool force,
	       struct aa_oci_load_result *ret, struct aa_oci_err *err)
{
	_cleanup_close_ int lock = -1;
	struct aa_oci_load_result res = {0};
	struct aa_oci_loaded rec = {0};
	enum aa_oci_mode have, want;
	bool ours;
	int r;

	r = lock_take(cfg, &lock, err);
	if (r < 0)
		return r;
	r = kernel_profile_state(k, cfg->rundir, name, &have);
	if (r < 0 && r != -ENOENT)
		return err_set(err, r, "cannot read %s/profiles: %s",
			       kernel_apparmorfs(k), strerror(-r));
	ours = rundir_loaded_get(cfg->rundir, name, &rec) == 0 &&
	       (r == -ENOENT || rec.mode == have);
	rundir_loaded_free(&rec);
	if (!ours && !force)
		return err_set(
		    err, -EPERM,
		    r == -ENOENT
			? "\"%s\" is not loaded, and aa-oci did not load it; "
			  "add --force to load it"
			: "\"%s\" was not loaded by aa-oci (or its mode was "
			  "changed since); add --force to replace it",
		    name);
	want = mode					? *mode
	       : r == 0 && have == AA_OCI_MODE_COMPLAIN ? AA_OCI_MODE_COMPLAIN
							: AA_OCI_MODE_ENFORCE;
	r = load_locked(k, cfg, AA_OCI_BY_CLI, name, want, &res, err);
	if (r < 0) {
		load_result_free(&res);
		return r;
	}
	*ret = res;
	return 0;
}

int load_ensure(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		enum aa_oci_loader by, const char *name, enum aa_oci_mode mode,
		struct aa_oci_load_result *ret, struct aa_oci_err *err)
{
	_cleanup_close_ int lock = -1;
	struct aa_oci_load_result res = {0};
	enum aa_oci_mode have;
	int r;

	/* With unload_unused, a profile may be unloaded between this look
	 * and the runtime's use of it: look under a shared lock, which the
	 * unloader's exclusive one waits for (it then sees this start's
	 * record). Without it nothing unloads, and the look takes no lock. */
	if (cfg->unload_unused) {
		r = lock_open(cfg, &lock, err);
		if (r == 0)
			r = lock_wait(lock, LOCK_SH, cfg->run_dir, err);
		if (r < 0)
			return r;
	}
	r = kernel_profile_state(k, cfg->rundir, name, &have);
	if (r == 0 && keep_loaded(cfg, name, have, mode, &res.note)) {
		res.action = AA_OCI_LOAD_ALREADY;
		res.mode = have;
		*ret = res;
		return 0;
	}
	if (r == -ENODEV)
		return err_set(err, r,
			       "%s has no profiles file: it is not AppArmor's "
			       "securityfs (check --apparmorfs)",
			       kernel_apparmorfs(k));
	if (r < 0 && r != -ENOENT)
		return err_set(err, r, "cannot read %s/profiles: %s",
			       kernel_apparmorfs(k), strerror(-r));

	/*
	 * One load at a time, under the exclusive lock. A start that finds
	 * the lock held waits with a shared one instead: when the load it
	 * waits for is done, every waiter looks at once rather than one
	 * after another through the exclusive lock (64 starts at once: 63
	 * handovers saved). Not loaded after all (that load failed): take
	 * the exclusive lock and try.
	 */
	if (lock < 0) {
		r = lock_open(cfg, &lock, err);
		if (r < 0)
			return r;
	}
	r = lock_wait(lock, LOCK_EX | LOCK_NB, cfg->run_dir, err);
	if (r == -EWOULDBLOCK) {
		r = lock_wait(lock, LOCK_SH, cfg->run_dir, err);
		if (r < 0)
			return r;
		r = kernel_profile_state(k, cfg->rundir, name, &have);
		if (r == 0 && keep_loaded(cfg, name, have, mode, &res.note)) {
			res.action = AA_OCI_LOAD_ALREADY;
			res.mode = have;
			*ret = res;
			return 0;
		}
		r = lock_wait(lock, LOCK_EX, cfg->run_dir, err);
	}
	if (r < 0)
		return r;
	/* Another start may have loaded it while we waited. */
	r = kernel_profile_state(k, cfg->rundir, name, &have);
	if (r == 0 && keep_loaded(cfg, name, have, mode, &res.note)) {
		res.action = AA_OCI_LOAD_ALREADY;
		res.mode = have;
		*ret = res;
		return 0;
	}
	res.note = NULL;
	r = load_locked(k, cfg, by, name, mode, &res, err);
	if (r < 0) {
		load_result_free(&res);
		return r;
	}
	*ret = res;
	return 0;
}

/*
 * The compiled policy is a stream of typed elements (the kernel's
 * policy_unpack.c): a code byte, then a payload whose size the code gives.
 * Every element is walked, so a name is only taken where the kernel takes
 * it: the string right after a top-level `"profile" STRUCT`.
 */
enum {
	AA_U8,
	AA_U16,
	AA_U32,
	AA_U64,
	AA_NAME,
	AA_STRING,
	AA_BLOB,
	AA_STRUCT,
	AA_STRUCTEND,
	AA_LIST,
	AA_LISTEND,
	AA_ARRAY,
	AA_ARRAYEND,
};

#define POLICY_DEPTH_MAX 64

static uint32_t le(const unsigned char *p, size_t n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static int strv_add(char ***v, size_t *n, const char *s, size_t len)
{
	char **nv;

	for (size_t i = 0; i < *n; i++)
		if (strlen((*v)[i]) == len && memcmp((*v)[i], s, len) == 0)
			return 0;
	nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strndup(s, len);
	if (!nv[*n])
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

static int policy_names(const void *buf, size_t len, bool children,
			char ***ret_names)
{
	const unsigned char *p = buf, *end = p + len;
	const unsigned char *name = NULL; /* the last AA_NAME, if just read */
	const unsigned char *ns = NULL;	  /* the header's namespace, if any */
	size_t name_len = 0, n = 0, ns_len = 0;
	bool want_profile = false;
	char **names = NULL;
	int depth = 0, r = -EBADMSG;

	while (p < end) {
		unsigned code = *p++;
		const unsigned char *val = NULL;
		size_t vlen = 0;

		switch (code) {
		case AA_U8:
		case AA_U16:
		case AA_U32:
		case AA_U64:
			vlen = (size_t)1 << code;
			break;
		case AA_NAME:
		case AA_STRING:
			if (end - p < 2)
				goto out;
			vlen = le(p, 2);
			p += 2;
			break;
		case AA_ARRAY: /* a count, then typed elements, then ARRAYEND */
			if (end - p < 2 || ++depth > POLICY_DEPTH_MAX)
				goto out;
			p += 2;
			break;
		case AA_BLOB:
			if (end - p < 4)
				goto out;
			vlen = le(p, 4);
			p += 4;
			break;
		case AA_STRUCT:
		case AA_LIST:
			if (++depth > POLICY_DEPTH_MAX)
				goto out;
			break;
		case AA_STRUCTEND:
		case AA_LISTEND:
		case AA_ARRAYEND:
			if (--depth < 0)
				goto out;
			break;
		default:
			goto out;
		}
		if ((size_t)(end - p) < vlen)
			goto out;
		val = p;
		p += vlen;

		if (want_profile) {
			/* The profile's own name: a NUL-terminated string. */
			want_profile = false;
			if (code != AA_STRING || vlen < 2 || val[vlen - 1] ||
			    memchr(val, '\0', vlen - 1))
				goto out;
			if (children || !memmem(val, vlen - 1, "//", 2)) {
				_cleanup_free_ char *label = NULL;

				for (size_t i = 0; i + 1 < vlen; i++)
					if (val[i] < 0x20 || val[i] == 0x7f) {
						r = -EINVAL;
						goto out;
					}
				/* In a namespace: its label ":NS:NAME". */
				if (ns && asprintf(&label, ":%.*s:%s",
						   (int)ns_len, ns, val) < 0) {
					r = -ENOMEM;
					goto out;
				}
				r = label
					? strv_add(&names, &n, label,
						   strlen(label))
					: strv_add(&names, &n,
						   (const char *)val, vlen - 1);
				if (r < 0)
					goto out;
				r = -EBADMSG;
			}
		}
		if (code == AA_STRUCT && depth == 1 && name &&
		    name_len == sizeof("profile") &&
		    memcmp(name, "profile", name_len) == 0)
			want_profile = true;
		/* Each profile's header may name a namespace: a plain name
		 * (no control byte, no ':' that would nest another). */
		if (code == AA_STRING && depth == 0 && name &&
		    name_len == sizeof("namespace") &&
		    memcmp(name, "namespace", name_len) == 0) {
			if (vlen < 2 || val[vlen - 1] ||
			    memchr(val, '\0', vlen - 1) ||
			    memchr(val, ':', vlen - 1))
				goto out;
			for (size_t i = 0; i + 1 < vlen; i++)
				if (val[i] < 0x20 || val[i] == 0x7f) {
					r = -EINVAL;
					goto out;
				}
			ns = val;
			ns_len = vlen - 1;
		}
		if (code == AA_U32 && depth == 0 && name &&
		    name_len == sizeof("version") &&
		    memcmp(name, "version", name_len) == 0)
			ns = NULL; /* the next profile's header */
		if (code == AA_NAME) {
			name = val;
			name_len = vlen;
		} else {
			name = NULL;
		}
	}
	if (depth != 0 || want_profile || name)
		goto out;
	if (!names) {
		r = -ENOENT;
		goto out;
	}
	*ret_names = TAKE_PTR(names);
	return 0;
out:
	strv_free(names);
	return r;
}

int load_policy_names(const void *buf, size_t len, char ***ret_names)
{
	return policy_names(buf, len, false, ret_names);
}

int load_policy_declared(const void *buf, size_t len, char ***ret_names)
{
	return policy_names(buf, len, true, ret_names);
}

static int load_file_locked(struct aa_oci_kernel *k,
			    const struct aa_oci_config *cfg, const char *path,
			    enum aa_oci_mode mode, const char *ns,
			    char ***ret_names, char ***ret_fresh,
			    struct aa_oci_err *err)
{
	struct plan p = {.by = AA_OCI_BY_SYNC, .mode = mode, .what = path};
	char **names = NULL, **fresh = NULL, **before = NULL;
	enum aa_oci_mode have;
	size_t nfresh = 0, nnames = 0;
	int r;

	/* What the kernel has before (under the lock, so no aa-oci load runs
	 * meanwhile) tells which of the profiles this load brings in. */
	r = plan_namespace(&p, NULL, ns, err);
	if (r < 0)
		return r;
	r = kernel_profile_list(k, &before);
	if (r < 0)
		return err_set(err, r, "cannot read %s/profiles: %s",
			       kernel_apparmorfs(k), strerror(-r));
	p.source = strdup(path);
	if (!p.source) {
		r = -ENOMEM;
		goto out;
	}
	r = policy_source(p.source, err);
	if (r == 0)
		r = plan_compile(k, cfg, &p, err);
	if (r == 0)
		r = plan_check(cfg, &p, err);
	if (r < 0)
		goto out;
	for (char **n = p.declared; *n; n++) {
		bool had = false;

		if (strstr(*n, "//"))
			continue;
		if ((r = strv_add(&names, &nnames, *n, strlen(*n))) < 0)
			goto out;
		for (char **b = before; *b && !had; b++)
			had = streq(*b, *n);
		if (!had && (r = strv_add(&fresh, &nfresh, *n, strlen(*n))) < 0)
			goto out;
	}
	if (!fresh && !(fresh = calloc(1, sizeof(char *)))) {
		r = -ENOMEM;
		goto out;
	}
	r = commit(k, cfg, &p, err);
	if (r == 0)
		r = record(k, cfg, &p, &have, err);
	if (r < 0)
		goto out;
	*ret_names = TAKE_PTR(names);
	if (ret_fresh)
		*ret_fresh = TAKE_PTR(fresh);
out:
	plan_free(&p);
	strv_free(before);
	strv_free(names);
	strv_free(fresh);
	return r;
}

int load_file(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
	      const char *path, enum aa_oci_mode mode, const char *ns,
	      char ***ret_names, char ***ret_fresh, struct aa_oci_err *err)
{
	_cleanup_close_ int lock = -1;
	int r;

	r = lock_take(cfg, &lock, err);
	if (r < 0)
		return r;
	return load_file_locked(k, cfg, path, mode, ns, ret_names, ret_fresh,
				err);
}

int load_unload_unused(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		       const char *name, struct aa_oci_err *err)
{
	_cleanup_close_ int lock = -1;
	struct aa_oci_loaded rec = {0};
	struct aa_oci_container *v = NULL;
	enum aa_oci_mode have;
	size_t n = 0;
	bool used = false, ours;
	int r;

	/* Under the exclusive lock, after the records: a start writes its
	 * record, then looks at the kernel under the shared lock
	 * (load_ensure), so either it is listed here and the profile stays,
	 * or it looks after this and finds the profile gone and loads it. */
	r = lock_take(cfg, &lock, err);
	if (r < 0)
		return r;
	if (rundir_loaded_get(cfg->rundir, name, &rec) < 0)
		return 0; /* not aa-oci's: never unloaded */
	ours = (rec.by == AA_OCI_BY_HOOK || rec.by == AA_OCI_BY_RUNTIME ||
		rec.by == AA_OCI_BY_EXEC || rec.by == AA_OCI_BY_LXC) &&
	       kernel_profile_state(k, cfg->rundir, name, &have) == 0 &&
	       have == rec.mode;
	rundir_loaded_free(&rec);
	if (!ours)
		return 0; /* loaded by sync, by hand, or changed since */
	r = rundir_container_list(cfg->rundir, true, &v, &n);
	if (r < 0)
		return err_set(err, r, "cannot read %s/%s: %s", cfg->run_dir,
			       RUNDIR_CONTAINERS, strerror(-r));
	for (size_t i = 0; i < n && !used; i++)
		used = v[i].profile && streq(v[i].profile, name);
	rundir_container_list_free(v, n);
	if (used)
		return 0;
	r = kernel_remove_profile(k, name);
	if (r < 0 && r != -ENOENT)
		return err_set(err, r,
			       "the kernel refused to unload \"%s\": %s", name,
			       strerror(-r));
	rundir_loaded_drop(cfg->rundir, name);
	return 1;
}

int load_unload(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		const char *name, struct aa_oci_err *err)
{
	_cleanup_close_ int lock = -1;
	int r;

	r = lock_take(cfg, &lock, err);
	if (r < 0)
		return r;
	r = kernel_remove_profile(k, name);
	if (r == 0 || r == -ENOENT)
		rundir_loaded_drop(cfg->rundir, name);
	if (r == -ENOENT)
		return err_set(err, r, "\"%s\" is not loaded", name);
	if (r < 0)
		return err_set(err, r,
			       "the kernel refused to unload \"%s\": %s", name,
			       strerror(-r));
	return 0;
}

int load_unload_namespace(struct aa_oci_kernel *k,
			  const struct aa_oci_config *cfg, size_t *ret_n,
			  struct aa_oci_err *err)
{
	_cleanup_close_ int lock = -1;
	_cleanup_free_ char *all = NULL;
	const char *ns = cfg->profile_namespace;
	char **names = NULL;
	size_t n = 0;
	int r;

	if (!ns || !ns[0])
		return err_set(err, -EINVAL,
			       "profile_namespace is empty in the config file, "
			       "so aa-oci has no namespace to unload; name the "
			       "profiles instead");
	if (profile_label_make(ns, "", &all) < 0)
		return -ENOMEM;
	r = lock_take(cfg, &lock, err);
	if (r < 0)
		return r;
	/* ":NS:" to .remove: the namespace and every profile in it. */
	r = kernel_remove_profile(k, all);
	if (r < 0 && r != -ENOENT)
		return err_set(err, r,
			       "the kernel refused to unload namespace \"%s\": "
			       "%s",
			       ns, strerror(-r));
	if (rundir_loaded_list(cfg->rundir, &names) == 0)
		for (char **l = names; l && *l; l++)
			if (strncmp(*l, all, strlen(all)) == 0) {
				rundir_loaded_drop(cfg->rundir, *l);
				n++;
			}
	strv_free(names);
	*ret_n = n;
	return 0;
}
