/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/compile.h"
#include "aa-oci/config.h"
#include "aa-oci/generate.h"
#include "aa-oci/index.h"
#include "aa-oci/load.h"
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
		_cleanup_free_ char *index = NULL;
		int r;

		if (asprintf(&index, "%s/index", cfg->run_dir) < 0)
			return -ENOMEM;
		if (mkdir(cfg->run_dir, 0700) < 0 && errno != EEXIST) {
			free(index);
			index = NULL; /* no place to keep it: scan each time */
		}
		r = index_lookup(cfg->profile_dirs, index, name, ret_path, NULL,
				 err);
		if (r != -ENOENT)
			return r;
	}
	join_dirs(cfg, dirs, sizeof(dirs));
	return err_set(err, -ENOENT,
		       "not found in %s: no file named \"%s\" and no file declaring \"profile %s\"; add one there or fix the name",
		       dirs, name, name);
}

/* Open (creating) the run directory and its load.lock. */
static int lock_open(const char *run_dir, int *ret_fd, struct aa_oci_err *err)
{
	_cleanup_close_ int fd = -1;
	int lfd;

	if (mkdir(run_dir, 0700) < 0 && errno != EEXIST)
		return err_set(err, -errno, "cannot create %s: %s", run_dir,
			       strerror(errno));
	fd = openat(AT_FDCWD, run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, -errno, "cannot open %s: %s", run_dir,
			       strerror(errno));
	lfd = openat(fd, "load.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		     0600);
	if (lfd < 0)
		return err_set(err, -errno, "cannot open %s/load.lock: %s",
			       run_dir, strerror(errno));
	*ret_fd = lfd;
	return 0;
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
static int lock_take(const char *run_dir, int *ret_fd, struct aa_oci_err *err)
{
	_cleanup_close_ int lfd = -1;
	int r;

	r = lock_open(run_dir, &lfd, err);
	if (r == 0)
		r = lock_wait(lfd, LOCK_EX, run_dir, err);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(lfd);
	return 0;
}

/*
 * Is @name loaded, and how? The kernel's list is rendered whole on every
 * read, so its cost grows with the profiles loaded. The profile's own
 * directory under policy/profiles answers in a few small reads; finding it
 * takes a readdir, so its name is remembered in <run_dir>/kdir/NAME and
 * checked on use (the directory must still hold that profile).
 */
static int hint_paths(const struct aa_oci_config *cfg, const char *name,
		      char **ret_kdir, char **ret_hint)
{
	if (asprintf(ret_kdir, "%s/kdir", cfg->run_dir) < 0)
		return -ENOMEM;
	if (asprintf(ret_hint, "%s/%s", *ret_kdir, name) < 0) {
		free(*ret_kdir);
		return -ENOMEM;
	}
	return 0;
}

/* Find @name's directory and remember it; without a place to keep that,
 * only speed is lost. */
static void remember_dir(struct aa_oci_kernel *k,
			 const struct aa_oci_config *cfg, const char *name)
{
	_cleanup_free_ char *kdir = NULL, *hint = NULL, *dir = NULL;

	if (hint_paths(cfg, name, &kdir, &hint) < 0)
		return;
	if (kernel_profile_find_dir(k, name, &dir) == 0 &&
	    (mkdir(cfg->run_dir, 0700) == 0 || errno == EEXIST) &&
	    (mkdir(kdir, 0700) == 0 || errno == EEXIST))
		(void)write_file_atomic_at(AT_FDCWD, hint, dir, strlen(dir),
					   0600);
}

static int lookup_mode(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		       const char *name, enum aa_oci_mode *ret)
{
	_cleanup_free_ char *hint = NULL, *dir = NULL, *kdir = NULL;
	int r;

	r = hint_paths(cfg, name, &kdir, &hint);
	if (r < 0)
		return r;
	if (read_file_at(AT_FDCWD, hint, true, 256, &dir, NULL) == 0 &&
	    kernel_profile_dir_mode(k, dir, name, ret) == 0)
		return 0;
	/* Not loaded is answered by one lookup; loaded needs the mode, from
	 * the list this once. */
	if (kernel_profile_exists(k, name) == -ENOENT)
		return -ENOENT;
	r = kernel_profile_mode(k, name, ret);
	if (r == 0)
		remember_dir(k, cfg, name);
	return r;
}

/* Is what the kernel has good enough for what is asked? */
static bool mode_ok(enum aa_oci_mode have, enum aa_oci_mode want)
{
	if (have == AA_OCI_MODE_ENFORCE)
		return true; /* never weaken a loaded profile */
	return have == want;
}

int load_generate_text(struct aa_oci_kernel *k, const char *memo_dir,
		       enum aa_oci_template t, const char *name,
		       char **ret_text, struct aa_oci_err *err)
{
	aa_features *features;
	const char *abi = NULL;
	int r;

	r = kernel_features(k, memo_dir, &features);
	if (r < 0)
		return err_set(err, r,
			       "cannot read the kernel's features in %s/features: %s",
			       kernel_apparmorfs(k), strerror(-r));
	if (faccessat(AT_FDCWD, AA_OCI_PARSER_INCLUDE_DIR "/" GENERATED_ABI, R_OK,
		      0) == 0)
		abi = GENERATED_ABI;
	r = generate_profile(t, name, features, abi, ret_text);
	if (r < 0)
		return err_set(err, r, "cannot generate %s: %s",
			       generate_template_name(t), strerror(-r));
	return 0;
}

/* Load @c; a cache entry the kernel refuses is dropped and recompiled. */
static int load_compiled(struct aa_oci_kernel *k,
			 const struct aa_oci_config *cfg, const char *src,
			 const char *text, enum aa_oci_mode mode,
			 struct aa_oci_compiled *c, struct aa_oci_err *err)
{
	int r = kernel_replace_policy_buffer(k, c->buf, c->len);

	if (r < 0 && c->from_cache) {
		compile_forget(k, cfg, src, text, mode);
		compiled_free(c);
		r = compile_policy(k, cfg, src, text, mode, c, err);
		if (r < 0)
			return r;
		r = kernel_replace_policy_buffer(k, c->buf, c->len);
	}
	if (r < 0)
		return err_set(err, r,
			       "the kernel refused the policy compiled from %s: %s",
			       src, strerror(-r));
	return 0;
}

static int load_locked(struct aa_oci_kernel *k,
		       const struct aa_oci_config *cfg, const char *name,
		       enum aa_oci_mode mode, struct aa_oci_load_result *ret,
		       struct aa_oci_err *err)
{
	_cleanup_free_ char *src = NULL, *text = NULL;
	struct aa_oci_compiled c = {0};
	enum aa_oci_template t;
	enum aa_oci_mode have;
	const char *what;
	int r;

	r = load_find_source(cfg, name, &src, err);
	if (r == -ENOENT && generate_template_from_name(name, &t) == 0) {
		err_clear(err);
		r = load_generate_text(k, cfg->run_dir, t, name, &text, err);
		if (r < 0)
			return r;
		ret->action = AA_OCI_LOAD_GENERATED;
	} else if (r < 0) {
		return r;
	} else {
		ret->action = AA_OCI_LOAD_FILE;
	}
	what = text ? generate_template_name(t) : src;

	r = compile_policy(k, cfg, what, text, mode, &c, err);
	if (r < 0)
		return r;
	memcpy(ret->warning, c.warning, sizeof(ret->warning));
	r = load_compiled(k, cfg, what, text, mode, &c, err);
	ret->from_cache = c.from_cache;
	compiled_free(&c);
	if (r < 0)
		return r;
	r = kernel_profile_mode(k, name, &have);
	if (r < 0)
		return err_set(err, -ENOENT,
			       "%s was loaded but the kernel does not list \"%s\"; the file must declare \"profile %s\"",
			       what, name, name);
	ret->mode = have;
	/* The next start finds it without reading the whole list. */
	remember_dir(k, cfg, name);
	if (!text)
		ret->source = TAKE_PTR(src);
	return 0;
}

int load_ensure(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		const char *name, enum aa_oci_mode mode,
		struct aa_oci_load_result *ret, struct aa_oci_err *err)
{
	_cleanup_close_ int lock = -1;
	struct aa_oci_load_result res = {0};
	enum aa_oci_mode have;
	int r;

	r = lookup_mode(k, cfg, name, &have);
	if (r == 0 && mode_ok(have, mode)) {
		res.action = AA_OCI_LOAD_ALREADY;
		res.mode = have;
		*ret = res;
		return 0;
	}
	if (r == -ENODEV)
		return err_set(err, r,
			       "%s has no profiles file: it is not AppArmor's securityfs (check --apparmorfs)",
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
	r = lock_open(cfg->run_dir, &lock, err);
	if (r < 0)
		return r;
	r = lock_wait(lock, LOCK_EX | LOCK_NB, cfg->run_dir, err);
	if (r == -EWOULDBLOCK) {
		r = lock_wait(lock, LOCK_SH, cfg->run_dir, err);
		if (r < 0)
			return r;
		r = lookup_mode(k, cfg, name, &have);
		if (r == 0 && mode_ok(have, mode)) {
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
	r = lookup_mode(k, cfg, name, &have);
	if (r == 0 && mode_ok(have, mode)) {
		res.action = AA_OCI_LOAD_ALREADY;
		res.mode = have;
		*ret = res;
		return 0;
	}
	r = load_locked(k, cfg, name, mode, &res, err);
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

int load_policy_names(const void *buf, size_t len, char ***ret_names)
{
	const unsigned char *p = buf, *end = p + len;
	const unsigned char *name = NULL; /* the last AA_NAME, if just read */
	size_t name_len = 0, n = 0;
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
			if (!memmem(val, vlen - 1, "//", 2)) {
				for (size_t i = 0; i + 1 < vlen; i++)
					if (val[i] < 0x20 || val[i] == 0x7f) {
						r = -EINVAL;
						goto out;
					}
				r = strv_add(&names, &n, (const char *)val,
					     vlen - 1);
				if (r < 0)
					goto out;
				r = -EBADMSG;
			}
		}
		if (code == AA_STRUCT && depth == 1 && name &&
		    name_len == sizeof("profile") &&
		    memcmp(name, "profile", name_len) == 0)
			want_profile = true;
		if (code == AA_STRING && depth == 0 && name &&
		    name_len == sizeof("namespace") &&
		    memcmp(name, "namespace", name_len) == 0) {
			r = -EOPNOTSUPP;
			goto out;
		}
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

static int load_file_locked(struct aa_oci_kernel *k,
			    const struct aa_oci_config *cfg, const char *path,
			    enum aa_oci_mode mode, char ***ret_names,
			    char ***ret_fresh, struct aa_oci_err *err)
{
	struct aa_oci_compiled c = {0};
	char **names = NULL, **fresh = NULL, **before = NULL;
	size_t nfresh = 0;
	enum aa_oci_mode have;
	int r;

	/* What the kernel has before (under the lock, so no aa-oci load runs
	 * meanwhile) tells which of the profiles this load brings in. */
	r = kernel_profile_list(k, &before);
	if (r < 0)
		return err_set(err, r, "cannot read %s/profiles: %s",
			       kernel_apparmorfs(k), strerror(-r));
	r = compile_policy(k, cfg, path, NULL, mode, &c, err);
	if (r < 0)
		goto fail;
	r = load_policy_names(c.buf, c.len, &names);
	if (r == -ENOENT)
		err_set(err, r, "%s defines no profile", path);
	else if (r == -EOPNOTSUPP)
		err_set(err, r,
			"%s loads into a policy namespace, which aa-oci does not manage; load it with apparmor_parser",
			path);
	else if (r == -EINVAL)
		err_set(err, r,
			"%s defines a profile whose name has a control character",
			path);
	else if (r < 0)
		err_set(err, r,
			"cannot read the profile names in the policy %s compiled from %s",
			cfg->parser, path);
	if (r < 0)
		goto fail;

	for (char **n = names; *n; n++) {
		bool had = false;

		for (char **b = before; *b && !had; b++)
			had = streq(*b, *n);
		if (!had && (r = strv_add(&fresh, &nfresh, *n, strlen(*n))) < 0)
			goto fail;
	}
	if (!fresh && !(fresh = calloc(1, sizeof(char *)))) {
		r = -ENOMEM;
		goto fail;
	}
	r = load_compiled(k, cfg, path, NULL, mode, &c, err);
	if (r < 0)
		goto fail;
	for (char **n = names; *n; n++) {
		if (kernel_profile_mode(k, *n, &have) < 0) {
			r = err_set(err, -ENOENT,
				    "%s was loaded but the kernel does not list \"%s\"",
				    path, *n);
			goto fail;
		}
	}
	strv_free(before);
	compiled_free(&c);
	*ret_names = names;
	if (ret_fresh)
		*ret_fresh = fresh;
	else
		strv_free(fresh);
	return 0;
fail:
	compiled_free(&c);
	strv_free(before);
	strv_free(names);
	strv_free(fresh);
	return r;
}

int load_file(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
	      const char *path, enum aa_oci_mode mode, char ***ret_names,
	      char ***ret_fresh, struct aa_oci_err *err)
{
	_cleanup_close_ int lock = -1;
	int r;

	r = lock_take(cfg->run_dir, &lock, err);
	if (r < 0)
		return r;
	return load_file_locked(k, cfg, path, mode, ret_names, ret_fresh, err);
}

int load_unload(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		const char *name, struct aa_oci_err *err)
{
	_cleanup_close_ int lock = -1;
	int r;

	r = lock_take(cfg->run_dir, &lock, err);
	if (r < 0)
		return r;
	r = kernel_remove_profile(k, name);
	if (r == -ENOENT)
		return err_set(err, r, "\"%s\" is not loaded", name);
	if (r < 0)
		return err_set(err, r, "the kernel refused to unload \"%s\": %s",
			       name, strerror(-r));
	return 0;
}
