/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync.c (aa-oci sync) and what it adds to load.c and kernel.c, against a
 * fake securityfs root. The parser is tests/data/parsers/kernel-sim: the
 * real apparmor_parser, then the profile appended to <fs>/profiles as the
 * kernel would list it. The fake's .remove only receives the bytes (it
 * never takes a line out of profiles), so unloads are asserted on those.
 *
 * Watch mode runs sync_watch in a thread stopped through a pipe; every
 * wait for its effects is bounded (WAIT_MS), never a timing assertion.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/config.h"
#include "aa-oci/kernel.h"
#include "aa-oci/compile.h"
#include "aa-oci/index.h"
#include "aa-oci/load.h"
#include "aa-oci/sync.h"
#include "aa-oci/util.h"

#define WAIT_MS 20000

static const char good[] = "profile %s {\n  file,\n  deny /etc/shadow r,\n}\n";
static const char bad[] = "profile %s {\n  this is not a rule,\n}\n";

/* An event, copied out of the callback. */
struct ev {
	enum aa_oci_sync_kind kind;
	char *path;
	char *name;
	char *names; /* LOADED: "a b c" */
	bool again;
	int code;
	char *text;
};

struct env {
	char *top;
	char *fs;  /* fake apparmorfs */
	char *dir; /* the profile directory */
	char *run; /* run_dir */
	struct aa_oci_config cfg;
	struct aa_oci_kernel *k;
	struct aa_oci_sync *s;
	pthread_mutex_t mu;
	struct ev evs[4096];
	size_t nev;
	/* watch thread */
	pthread_t th;
	int stop[2];
	int watch_ret;
	bool watching;
};

static void on_event(const struct aa_oci_sync_event *e, void *data)
{
	struct env *env = data;
	struct ev *v;
	char buf[4096] = "";

	pthread_mutex_lock(&env->mu);
	if (env->nev < sizeof(env->evs) / sizeof(*env->evs)) {
		v = &env->evs[env->nev++];
		v->kind = e->kind;
		v->path = e->path ? strdup(e->path) : NULL;
		v->name = e->name ? strdup(e->name) : NULL;
		for (char *const *n = e->names; n && *n; n++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
				 "%s%s", buf[0] ? " " : "", *n);
		v->names = strdup(buf);
		v->again = e->again;
		v->code = e->code;
		v->text = e->text ? strdup(e->text) : NULL;
	}
	pthread_mutex_unlock(&env->mu);
}

static void clear_events(struct env *e)
{
	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < e->nev; i++) {
		free(e->evs[i].path);
		free(e->evs[i].name);
		free(e->evs[i].names);
		free(e->evs[i].text);
	}
	e->nev = 0;
	pthread_mutex_unlock(&e->mu);
}

/* How many events of @kind name @file (a basename) or profile @name. */
static size_t count(struct env *e, enum aa_oci_sync_kind kind, const char *file,
		    const char *name)
{
	size_t n = 0;

	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < e->nev; i++) {
		struct ev *v = &e->evs[i];
		const char *base = v->path ? strrchr(v->path, '/') : NULL;

		if (v->kind != kind)
			continue;
		if (file && (!base || strcmp(base + 1, file) != 0))
			continue;
		if (name && (!v->name || strcmp(v->name, name) != 0))
			continue;
		n++;
	}
	pthread_mutex_unlock(&e->mu);
	return n;
}

/* The first event of @kind for @file; a copy of its text or names. */
static char *event_text(struct env *e, enum aa_oci_sync_kind kind,
			const char *file, bool names)
{
	char *r = NULL;

	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < e->nev && !r; i++) {
		struct ev *v = &e->evs[i];
		const char *base = v->path ? strrchr(v->path, '/') : NULL;

		if (v->kind == kind && base && strcmp(base + 1, file) == 0)
			r = strdup(names ? v->names : (v->text ? v->text : ""));
	}
	pthread_mutex_unlock(&e->mu);
	return r;
}

/* The last event, which must be a pass's summary: its text. */
static char *last_pass(struct env *e)
{
	char *r = NULL;

	pthread_mutex_lock(&e->mu);
	if (e->nev && e->evs[e->nev - 1].kind == AA_OCI_SYNC_PASS)
		r = strdup(e->evs[e->nev - 1].text);
	pthread_mutex_unlock(&e->mu);
	return r ? r : strdup("(the last event is not a pass)");
}

/* The summary @want ends the last pass (the last event). */
#define ASSERT_PASS(e, want)                                                   \
	do {                                                                   \
		char *got_ = last_pass(e);                                     \
		if (strcmp(got_, want) != 0)                                   \
			fail_msg("pass summary \"%s\", want \"%s\"", got_,     \
				 want);                                        \
		free(got_);                                                    \
	} while (0)

/* How many passes ended with the summary @want. */
static size_t passes(struct env *e, const char *want)
{
	size_t n = 0;

	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < e->nev; i++)
		n += e->evs[i].kind == AA_OCI_SYNC_PASS &&
		     strcmp(e->evs[i].text, want) == 0;
	pthread_mutex_unlock(&e->mu);
	return n;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->top = fx_tmpdir();
	e->fs = fx_apparmorfs("pre (enforce)\n");
	fx_write(e->fs, ".remove", "%s", "");
	e->dir = fx_path(e->top, "profiles");
	e->run = fx_path(e->top, "run");
	mkdir(e->dir, 0755);
	pthread_mutex_init(&e->mu, NULL);
	assert_int_equal(config_init(&e->cfg), 0);
	assert_int_equal(config_set_run_dir(&e->cfg, e->run), 0);
	free(e->cfg.cache_dir);
	e->cfg.cache_dir = NULL;
	free(e->cfg.parser);
	e->cfg.parser = fx_repo_path("tests/data/parsers/kernel-sim");
	assert_int_equal(kernel_open(e->fs, &e->k, NULL), 0);
	e->stop[0] = e->stop[1] = -1;
	*state = e;
	return 0;
}

static void stop_watch(struct env *e);

static int teardown(void **state)
{
	struct env *e = *state;

	stop_watch(e);
	sync_free(e->s);
	kernel_close(e->k);
	config_free(&e->cfg);
	clear_events(e);
	pthread_mutex_destroy(&e->mu);
	fx_rm_rf(e->top);
	fx_rm_rf(e->fs);
	free(e->top);
	free(e->fs);
	free(e->dir);
	free(e->run);
	free(e);
	return 0;
}

static struct aa_oci_sync *new_sync(struct env *e, const char *dir)
{
	struct aa_oci_sync_opts o = {
	    .mode = AA_OCI_MODE_ENFORCE,
	    .report = on_event,
	    .userdata = e,
	};
	char *dirs[] = {(char *)(dir ? dir : e->dir), NULL};
	struct aa_oci_err err = {0};
	struct aa_oci_sync *s = NULL;
	int r = sync_new(e->k, &e->cfg, dirs, &o, &s, &err);

	if (r < 0)
		fail_msg("sync_new: %d %s", r, err.text);
	return s;
}

static size_t lines(const char *dir, const char *file)
{
	char *s = fx_read(dir, file, NULL);
	size_t n = 0;

	for (char *p = s; p && *p; p++)
		n += *p == '\n';
	free(s);
	return n;
}

/* Does the fake kernel list @name? */
static bool listed(struct env *e, const char *name)
{
	enum aa_oci_mode m;

	return kernel_profile_state(e->k, NULL, name, &m) == 0;
}

/* The bytes the fake's .remove holds, then emptied for the next check. */
static char *take_remove(struct env *e, size_t *len)
{
	char *s = fx_read(e->fs, ".remove", len);

	fx_write(e->fs, ".remove", "%s", "");
	return s;
}

/* Does the fake's .remove start with @n bytes of @bytes? */
static bool remove_holds(struct env *e, const char *bytes, size_t n)
{
	size_t len = 0;
	char *s = fx_read(e->fs, ".remove", &len);
	bool r = s && len >= n && memcmp(s, bytes, n) == 0;

	free(s);
	return r;
}

/* Is "NAME\tDIR/FILE" a line of the record? */
static bool recorded(struct env *e, const char *name, const char *file)
{
	char *s = fx_read(e->run, RUNDIR_SYNC_STATE, NULL), *want;
	bool r;

	if (!s)
		return false;
	assert_true(asprintf(&want, "\n%s\t%s/%s\n", name, e->dir, file) > 0);
	r = strstr(s, want) != NULL;
	free(want);
	free(s);
	return r;
}

static void rm_file(struct env *e, const char *name)
{
	char *p = fx_path(e->dir, name);

	assert_int_equal(unlink(p), 0);
	free(p);
}

/* Replace a file the way editors and kubectl do: write aside, rename. */
static void write_rename(struct env *e, const char *name, const char *fmt,
			 const char *arg)
{
	char *tmp = fx_path(e->dir, ".tmp-write"), *dst = fx_path(e->dir, name);

	fx_write(e->dir, ".tmp-write", fmt, arg);
	assert_int_equal(rename(tmp, dst), 0);
	free(tmp);
	free(dst);
}

/* --- load_policy_names --- */

static bool has(char **v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

static void test_policy_names_real_parser(void **state)
{
	struct env *e = *state;
	char *src = fx_path(e->top, "multi"),
	     *out = fx_path(e->top, "multi.bin");
	char **names = NULL, *bin;
	size_t len = 0;

	free(e->cfg.parser);
	e->cfg.parser = strdup("/sbin/apparmor_parser");
	fx_write(
	    e->top, "multi",
	    "profile foo {\n  file,\n  profile child {\n  }\n  ^hat {\n  }\n}\n"
	    "/usr/bin/bar {\n}\n"
	    "profile \"with space\" {\n}\n"
	    "profile foo2 /usr/bin/foo2 flags=(complain) {\n}\n");
	assert_int_equal(compile_run(&e->cfg, e->fs, src, AA_OCI_MODE_ENFORCE,
				     NULL, out, NULL),
			 0);
	bin = fx_read(e->top, "multi.bin", &len);
	assert_int_equal(load_policy_names(bin, len, &names), 0);
	/* Children and hats go with foo. */
	assert_true(has(names, "/usr/bin/bar"));
	assert_true(has(names, "foo"));
	assert_true(has(names, "foo2"));
	assert_true(has(names, "with space"));
	assert_non_null(names[3]);
	assert_null(names[4]);
	strv_free(names);
	free(bin);

	/* A policy namespace: not ours to manage. */
	fx_write(e->top, "multi", "profile :ns1:quux {\n}\n");
	assert_int_equal(compile_run(&e->cfg, e->fs, src, AA_OCI_MODE_ENFORCE,
				     NULL, out, NULL),
			 0);
	bin = fx_read(e->top, "multi.bin", &len);
	names = NULL;
	assert_int_equal(load_policy_names(bin, len, &names), 0);
	assert_string_equal(names[0], ":ns1:quux");
	assert_null(names[1]);
	strv_free(names);
	names = NULL;
	/* Cut anywhere inside, it is malformed or names fewer profiles. */
	for (size_t cut = 1; cut < len; cut += 97) {
		int r = load_policy_names(bin, cut, &names);

		if (r != -EBADMSG)
			fail_msg("cut at %zu of %zu: %d", cut, len, r);
	}
	free(bin);
	free(src);
	free(out);
}

#define S(x) x, sizeof(x) - 1
/* NAME "profile", STRUCT, then a STRING of @n bytes. */
#define PROFILE(n) "\x04\x08\x00profile\x00\x07\x05" n "\x00"

struct names_case {
	const char *bin;
	size_t len;
	int ret;
	const char *first; /* names[0] when ret == 0 */
	const char *second;
};

static const struct names_case names_cases[] = {
    {S(""), -ENOENT, NULL, NULL},
    {S(PROFILE("\x02") "x\x00\x08"), 0, "x", NULL},
    /* version header, then two profiles, the second a child */
    {S("\x04\x08\x00version\x00\x02\x07\x20\x20\x00" PROFILE(
	 "\x02") "a\x00"
		 "\x08" PROFILE("\x05") "a//b\x00\x08"),
     0, "a", NULL},
    /* only a child: nothing top-level */
    {S(PROFILE("\x05") "a//b\x00\x08"), -ENOENT, NULL, NULL},
    /* the same name twice is one name */
    {S(PROFILE("\x02") "x\x00\x08" PROFILE("\x02") "x\x00\x08" PROFILE(
	 "\x02") "y\x00\x08"),
     0, "x", "y"},
    /* skipped elements of every size, a blob, an array, a list */
    {S(PROFILE(
	 "\x02") "x\x00"
		 "\x00\x01\x01\x02\x00\x02\x01\x02\x03\x04\x03\x01\x02\x03\x04"
		 "\x05\x06\x07\x08"
		 "\x06\x03\x00\x00\x00"
		 "abc"
		 "\x0b\x02\x00\x02\x01\x00\x00\x00\x02\x02\x00\x00\x00\x0c"
		 "\x09\x07\x08\x0a"
		 "\x08"),
     0, "x", NULL},
    /* a control byte in a name */
    {S(PROFILE("\x03") "a\n\x00\x08"), -EINVAL, NULL, NULL},
    /* a namespace: the profile by its label */
    {S("\x04\x0a\x00namespace\x00\x05\x03\x00ns\x00" PROFILE(
	 "\x02") "x\x00\x08"),
     0, ":ns:x", NULL},
    /* the next header without one: back in the root namespace */
    {S("\x04\x0a\x00namespace\x00\x05\x03\x00ns\x00" PROFILE(
	 "\x02") "x\x00\x08"
		 "\x04\x08\x00version\x00\x02\x05\x00\x00\x00" PROFILE(
		     "\x02") "y\x00\x08"),
     0, ":ns:x", "y"},
    /* a namespace name that would nest another, or is empty */
    {S("\x04\x0a\x00namespace\x00\x05\x04\x00n:s\x00" PROFILE(
	 "\x02") "x\x00\x08"),
     -EBADMSG, NULL, NULL},
    {S("\x04\x0a\x00namespace\x00\x05\x01\x00\x00" PROFILE("\x02") "x\x00\x08"),
     -EBADMSG, NULL, NULL},
    {S("\x04\x0a\x00namespace\x00\x05\x03\x00n\x01\x00" PROFILE(
	 "\x02") "x\x00\x08"),
     -EINVAL, NULL, NULL},
    /* malformed */
    {S("\x04\x08\x00vers"), -EBADMSG, NULL, NULL},	/* cut name */
    {S("\x0d"), -EBADMSG, NULL, NULL},			/* bad code */
    {S("\x08"), -EBADMSG, NULL, NULL},			/* end at top */
    {S(PROFILE("\x02") "x\x00"), -EBADMSG, NULL, NULL}, /* never ended */
    {S("\x04\x08\x00profile\x00\x07\x02\x01\x00\x00\x00\x08"), -EBADMSG, NULL,
     NULL}, /* not a string */
    {S("\x04\x08\x00profile\x00\x07\x05\x02\x00xy\x08"), -EBADMSG, NULL,
     NULL}, /* no NUL */
    {S("\x04\x08\x00profile\x00\x07\x05\x03\x00x\x00y\x08"), -EBADMSG, NULL,
     NULL}, /* NUL inside */
    {S("\x04\x08\x00profile\x00\x07\x05\x01\x00\x00\x08"), -EBADMSG, NULL,
     NULL}, /* empty */
    {S(PROFILE("\x02") "x\x00\x06\xff\xff\x00\x00"
		       "ab\x08"),
     -EBADMSG, NULL, NULL}, /* blob too long */
    {S(PROFILE("\x02") "x\x00\x08\x04\x01\x00"), -EBADMSG, NULL, NULL},
    /* a name with no value after it */
    {S(PROFILE("\x02") "x\x00\x08\x04\x02\x00n\x00"), -EBADMSG, NULL, NULL},
};

static void test_policy_names_table(void **state)
{
	for (size_t i = 0; i < sizeof(names_cases) / sizeof(*names_cases);
	     i++) {
		const struct names_case *c = &names_cases[i];
		char **names = NULL;
		int r = load_policy_names(c->bin, c->len, &names);

		if (r != c->ret)
			fail_msg("case %zu: got %d, want %d", i, r, c->ret);
		if (r < 0) {
			assert_null(names);
			continue;
		}
		if (strcmp(names[0], c->first) != 0 ||
		    (c->second ? !names[1] || strcmp(names[1], c->second) != 0
			       : names[1] != NULL))
			fail_msg("case %zu: names %s, %s", i, names[0],
				 names[1] ? names[1] : "(none)");
		strv_free(names);
	}
}

static void test_policy_names_depth_limit(void **state)
{
	static const char head[] = PROFILE("\x02") "x";
	char buf[200];
	char **names = NULL;
	size_t n = sizeof(head); /* its NUL ends the name */

	memcpy(buf, head, n);
	for (int i = 0; i < 70; i++)
		buf[n++] = 0x07;
	assert_int_equal(load_policy_names(buf, n, &names), -EBADMSG);
	assert_null(names);
}

/* --- index_skip_entry --- */

static void test_skip_entry_table(void **state)
{
	static const struct {
		const char *name;
		bool skip;
	} cases[] = {
	    {"web", false},	    {"payment-api", false},
	    {"web.profile", false}, {"usr.bin.foo", false},
	    {".web.swp", true},	    {".#web", true},
	    {"..data", true},	    {"..2024_01_01_00_00_00.1", true},
	    {"web~", true},	    {"#web#", true},
	    {"4913", true},	    {"web.swp", true},
	    {"web.tmp", true},	    {"web.bak", true},
	    {"web.orig", true},	    {"web.rej", true},
	    {"web.dpkg-old", true}, {"web.dpkg-new", true},
	    {"web.rpmnew", true},   {"web.rpmsave", true},
	    {"web.pacnew", true},   {"web.pacsave", true},
	    {"README", true},	    {"", true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		if (index_skip_entry(cases[i].name) != cases[i].skip)
			fail_msg("\"%s\": want %s", cases[i].name,
				 cases[i].skip ? "skipped" : "kept");
}

/* --- load_file and kernel_remove_profile --- */

static void test_load_file_names_and_fresh(void **state)
{
	struct env *e = *state;
	char *path = fx_path(e->dir, "web");
	char **names = NULL, **fresh = NULL;
	struct aa_oci_err err = {0};

	fx_write(e->dir, "web", good, "web");
	assert_int_equal(load_file(e->k, &e->cfg, "/nonexistent/web",
				   AA_OCI_MODE_ENFORCE, NULL, &names, &fresh,
				   &err),
			 -EBADMSG);
	assert_non_null(strstr(err.text, "failed on /nonexistent/web"));
	assert_null(names);
	assert_int_equal(load_file(e->k, &e->cfg, path, AA_OCI_MODE_ENFORCE,
				   NULL, &names, &fresh, &err),
			 0);
	assert_string_equal(names[0], "web");
	assert_null(names[1]);
	assert_string_equal(fresh[0], "web");
	assert_null(fresh[1]);
	assert_true(listed(e, "web"));
	strv_free(names);
	strv_free(fresh);
	/* Loaded again: the kernel had it, so this load did not bring it. */
	assert_int_equal(load_file(e->k, &e->cfg, path, AA_OCI_MODE_ENFORCE,
				   NULL, &names, &fresh, &err),
			 0);
	assert_string_equal(names[0], "web");
	assert_null(fresh[0]);
	strv_free(names);
	strv_free(fresh);
	/* Only the lock and the records are left in run_dir: the compiled
	 * policy is removed. */
	{
		DIR *d = opendir(e->run);
		struct dirent *de;

		assert_non_null(d);
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") &&
			    strcmp(de->d_name, "..") &&
			    strcmp(de->d_name, "load.lock") &&
			    strcmp(de->d_name, "kdir") &&
			    strcmp(de->d_name, "loaded"))
				fail_msg("left in run_dir: %s", de->d_name);
		closedir(d);
	}
	free(path);
}

static void test_load_file_not_listed(void **state)
{
	struct env *e = *state;
	char *path = fx_path(e->dir, "two");
	char **names = NULL;
	struct aa_oci_err err = {0};

	/* kernel-sim lists only the first profile of a file, as a kernel
	 * that dropped one would: the second must be found missing. */
	fx_write(e->dir, "two", "profile aaa {\n}\nprofile zzz {\n}\n");
	assert_int_equal(load_file(e->k, &e->cfg, path, AA_OCI_MODE_ENFORCE,
				   NULL, &names, NULL, &err),
			 -ENOENT);
	assert_null(names);
	assert_non_null(strstr(
	    err.text, "was loaded but the kernel does not list \"zzz\""));
	free(path);
}

static void test_remove_profile_bytes(void **state)
{
	struct env *e = *state;
	size_t len = 0;
	char *s;

	assert_int_equal(kernel_remove_profile(e->k, "pre"), 0);
	s = take_remove(e, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(s, "pre\0", 4);
	free(s);
	/* No .remove (an interface without it): the error comes back. */
	{
		char *p = fx_path(e->fs, ".remove");

		unlink(p);
		free(p);
	}
	assert_int_equal(kernel_remove_profile(e->k, "pre"), -ENOENT);
}

static void test_profile_list(void **state)
{
	struct env *e = *state;
	char **names = NULL;

	fx_write(e->fs, "profiles", "%s",
		 "a (enforce)\nb//c (complain)\nwith space (x) (enforce)\n"
		 "garbage\nlast (kill)");
	assert_int_equal(kernel_profile_list(e->k, &names), 0);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "b//c");
	assert_string_equal(names[2], "with space (x)");
	assert_string_equal(names[3], "last");
	assert_null(names[4]);
	strv_free(names);
	{
		char *p = fx_path(e->fs, "profiles");

		unlink(p);
		free(p);
	}
	assert_int_equal(kernel_profile_list(e->k, &names), -ENODEV);
}

/* --- sync into profile_namespace (--namespaced) --- */

/* sync_new with @root (may be NULL) and @ns_dirs; *@ret only on success. */
static int new_sync_ns(struct env *e, const char *root, const char *nsdir,
		       struct aa_oci_sync **ret, struct aa_oci_err *err)
{
	char *dirs[] = {(char *)root, NULL};
	char *ns_dirs[] = {(char *)nsdir, NULL};
	struct aa_oci_sync_opts o = {
	    .mode = AA_OCI_MODE_ENFORCE,
	    .ns_dirs = nsdir ? ns_dirs : NULL,
	    .report = on_event,
	    .userdata = e,
	};

	return sync_new(e->k, &e->cfg, root ? dirs : NULL, &o, ret, err);
}

/* Is "NAME\tPATH" a line of the record? */
static bool recorded_at(struct env *e, const char *name, const char *path)
{
	char *s = fx_read(e->run, RUNDIR_SYNC_STATE, NULL), *want;
	bool r;

	if (!s)
		return false;
	assert_true(asprintf(&want, "\n%s\t%s\n", name, path) > 0);
	r = strstr(s, want) != NULL;
	free(want);
	free(s);
	return r;
}

/* A directory given with --namespaced goes into profile_namespace, the
 * others into the root namespace: names, records and unloads are labels. */
static void test_scan_namespaced_dir(void **state)
{
	struct env *e = *state;
	char *nsdir = fx_path(e->top, "ns"), *beta = fx_path(nsdir, "beta");
	char *pre = fx_path(nsdir, "pre"), *s, *n;
	struct aa_oci_err err = {0};
	size_t len = 0;

	assert_int_equal(mkdir(nsdir, 0755), 0);
	/* ":aa-oci:pre" was loaded before, by someone else */
	fx_write(e->fs, "profiles", "%s",
		 "pre (enforce)\n:aa-oci:pre (enforce)\n");
	fx_write(e->dir, "alpha", good, "alpha");
	fx_write(nsdir, "beta", good, "beta");
	fx_write(nsdir, "pre", good, "pre");
	if (new_sync_ns(e, e->dir, nsdir, &e->s, &err) != 0)
		fail_msg("sync_new: %s", err.text);
	assert_int_equal(sync_scan(e->s), 0);
	assert_true(listed(e, "alpha"));
	assert_true(listed(e, ":aa-oci:beta"));
	assert_false(listed(e, "beta"));
	assert_false(listed(e, ":aa-oci:alpha"));
	n = event_text(e, AA_OCI_SYNC_LOADED, "beta", true);
	assert_string_equal(n, ":aa-oci:beta");
	free(n);
	n = event_text(e, AA_OCI_SYNC_LOADED, "alpha", true);
	assert_string_equal(n, "alpha");
	free(n);
	ASSERT_PASS(e, "pass: 3 loaded, 0 unchanged, 0 unloaded, 0 failed");
	/* The parser was told the namespace for the namespaced dir only. */
	s = fx_read(e->fs, "parser-runs", NULL);
	assert_int_equal(lines(e->fs, "parser-runs"), 3);
	assert_non_null(strstr(s, "run\n"));
	assert_non_null(strstr(s, "run --namespace aa-oci\n"));
	free(s);
	/* Recorded by label; the profile that was there before is not
	 * sync's, in the namespace as in the root one. */
	assert_true(recorded_at(e, ":aa-oci:beta", beta));
	assert_false(recorded_at(e, ":aa-oci:pre", pre));
	assert_false(recorded_at(e, "beta", beta));
	assert_true(recorded(e, "alpha", "alpha"));
	/* Nothing changed: nothing compiled. */
	assert_int_equal(sync_scan(e->s), 0);
	assert_int_equal(lines(e->fs, "parser-runs"), 3);
	ASSERT_PASS(e, "pass: 0 loaded, 3 unchanged, 0 unloaded, 0 failed");
	/* Removed: unloaded by label, only what sync brought. */
	assert_int_equal(unlink(beta), 0);
	assert_int_equal(unlink(pre), 0);
	free(take_remove(e, NULL));
	assert_int_equal(sync_scan(e->s), 0);
	s = take_remove(e, &len);
	assert_int_equal(len, 13);
	assert_memory_equal(s, ":aa-oci:beta\0", 13);
	free(s);
	assert_int_equal(count(e, AA_OCI_SYNC_UNLOADED, "beta", ":aa-oci:beta"),
			 1);
	assert_int_equal(count(e, AA_OCI_SYNC_KEPT, NULL, ":aa-oci:pre"), 1);
	assert_false(recorded_at(e, ":aa-oci:beta", beta));
	ASSERT_PASS(e, "pass: 0 loaded, 1 unchanged, 1 unloaded, 0 failed");
	free(nsdir);
	free(beta);
	free(pre);
}

/* A file in the root namespace's directory that names a namespace of its
 * own: reported, nothing loaded. */
static void test_scan_root_dir_file_in_namespace(void **state)
{
	struct env *e = *state;
	char *t, *want, *path = fx_path(e->dir, "x");

	fx_write(e->dir, "x", "%s", "profile :other:x {\n  file,\n}\n");
	fx_write(e->dir, "alpha", good, "alpha");
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 1);
	assert_true(listed(e, "alpha"));
	/* (the parser double lists what it compiled: the record tells) */
	assert_false(recorded(e, ":other:x", "x"));
	assert_int_equal(count(e, AA_OCI_SYNC_FAILED, "x", NULL), 1);
	assert_int_equal(count(e, AA_OCI_SYNC_LOADED, "x", NULL), 0);
	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < e->nev; i++)
		if (e->evs[i].kind == AA_OCI_SYNC_FAILED)
			assert_int_equal(e->evs[i].code, -EOPNOTSUPP);
	pthread_mutex_unlock(&e->mu);
	t = event_text(e, AA_OCI_SYNC_FAILED, "x", false);
	assert_true(
	    asprintf(&want,
		     "%s declares \":other:x\", in a policy namespace of its "
		     "own; aa-oci sync loads a directory into the root "
		     "namespace: move the file or name the profile without one",
		     path) > 0);
	assert_string_equal(t, want);
	free(t);
	free(want);
	free(path);
	ASSERT_PASS(e, "pass: 1 loaded, 0 unchanged, 0 unloaded, 1 failed");
}

/* One directory, one namespace: named both ways, refused. The same path
 * however it is spelled (a trailing '/'); either order. */
static void test_namespaced_dir_both_ways(void **state)
{
	struct env *e = *state;
	struct aa_oci_sync *s = (struct aa_oci_sync *)0x1;
	struct aa_oci_err err = {0};
	char *slash, *want;

	assert_true(asprintf(&slash, "%s/", e->dir) > 0);
	assert_int_equal(new_sync_ns(e, e->dir, slash, &s, &err), -EINVAL);
	assert_ptr_equal(s, (struct aa_oci_sync *)0x1);
	assert_int_equal(err.code, -EINVAL);
	assert_true(asprintf(&want,
			     "%s is named both with and without --namespaced; "
			     "its profiles go into one namespace",
			     slash) > 0);
	assert_string_equal(err.text, want);
	free(want);
	assert_int_equal(new_sync_ns(e, slash, e->dir, &s, &err), -EINVAL);
	assert_true(asprintf(&want,
			     "%s is named both with and without --namespaced; "
			     "its profiles go into one namespace",
			     e->dir) > 0);
	assert_string_equal(err.text, want);
	assert_ptr_equal(s, (struct aa_oci_sync *)0x1);
	free(want);
	/* Named twice the same way: one directory, as before. */
	{
		char *dirs[] = {e->dir, slash, NULL};
		char *ns_dirs[] = {e->top, e->top, NULL};
		struct aa_oci_sync_opts o = {.mode = AA_OCI_MODE_ENFORCE,
					     .ns_dirs = ns_dirs};

		assert_int_equal(sync_new(e->k, &e->cfg, dirs, &o, &e->s, &err),
				 0);
	}
	free(slash);
}

/* --namespaced needs a namespace: with profile_namespace "" (or none)
 * refused, saying which directory; directories without it are fine. */
static void test_namespaced_dir_without_namespace(void **state)
{
	struct env *e = *state;
	struct aa_oci_sync *s = (struct aa_oci_sync *)0x1;
	struct aa_oci_err err = {0};
	char *nsdir = fx_path(e->top, "ns"), *want;

	assert_int_equal(mkdir(nsdir, 0755), 0);
	assert_true(asprintf(&want,
			     "--namespaced %s: profile_namespace is empty in "
			     "the config file; set it, or sync the directory "
			     "into the root namespace",
			     nsdir) > 0);
	for (int i = 0; i < 2; i++) {
		free(e->cfg.profile_namespace);
		e->cfg.profile_namespace = i ? NULL : strdup("");
		assert_int_equal(new_sync_ns(e, e->dir, nsdir, &s, &err),
				 -EINVAL);
		assert_int_equal(err.code, -EINVAL);
		assert_string_equal(err.text, want);
		assert_ptr_equal(s, (struct aa_oci_sync *)0x1);
		/* nor alone */
		assert_int_equal(new_sync_ns(e, NULL, nsdir, &s, &err),
				 -EINVAL);
		assert_string_equal(err.text, want);
	}
	/* Nothing was locked: an agent can start. */
	free(e->cfg.profile_namespace);
	e->cfg.profile_namespace = strdup("");
	e->s = new_sync(e, NULL);
	assert_non_null(e->s);
	free(want);
	free(nsdir);
}

/* Only --namespaced directories: everything goes into the namespace. */
static void test_scan_only_namespaced(void **state)
{
	struct env *e = *state;
	struct aa_oci_err err = {0};
	char *n;

	free(e->cfg.profile_namespace);
	e->cfg.profile_namespace = strdup("tenants");
	fx_write(e->dir, "alpha", good, "alpha");
	if (new_sync_ns(e, NULL, e->dir, &e->s, &err) != 0)
		fail_msg("sync_new: %s", err.text);
	assert_int_equal(sync_scan(e->s), 0);
	assert_true(listed(e, ":tenants:alpha"));
	assert_false(listed(e, "alpha"));
	n = event_text(e, AA_OCI_SYNC_LOADED, "alpha", true);
	assert_string_equal(n, ":tenants:alpha");
	free(n);
	assert_true(recorded(e, ":tenants:alpha", "alpha"));
	ASSERT_PASS(e, "pass: 1 loaded, 0 unchanged, 0 unloaded, 0 failed");
}

/* --- sync_scan --- */

static void test_scan_loads_all_skips_others(void **state)
{
	struct env *e = *state;
	char *sub = fx_path(e->dir, "subdir");

	fx_write(e->dir, "alpha", good, "alpha");
	fx_write(e->dir, "beta", good, "beta");
	fx_write(e->dir, "gamma.profile", good, "gamma");
	fx_write(e->dir, ".alpha.swp", bad, "x");
	fx_write(e->dir, "alpha~", bad, "x");
	fx_write(e->dir, "alpha.dpkg-old", bad, "x");
	fx_write(e->dir, "README", "%s", "not a profile");
	mkdir(sub, 0755);
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 0);
	assert_true(listed(e, "alpha"));
	assert_true(listed(e, "beta"));
	assert_true(listed(e, "gamma"));
	assert_int_equal(lines(e->fs, "parser-runs"), 3);
	assert_int_equal(count(e, AA_OCI_SYNC_LOADED, NULL, NULL), 3);
	assert_int_equal(count(e, AA_OCI_SYNC_FAILED, NULL, NULL), 0);
	{
		char *n =
		    event_text(e, AA_OCI_SYNC_LOADED, "gamma.profile", true);

		assert_string_equal(n, "gamma");
		free(n);
	}
	ASSERT_PASS(e, "pass: 3 loaded, 0 unchanged, 0 unloaded, 0 failed");
	/* Nothing changed: a second pass compiles nothing. */
	assert_int_equal(sync_scan(e->s), 0);
	assert_int_equal(lines(e->fs, "parser-runs"), 3);
	ASSERT_PASS(e, "pass: 0 loaded, 3 unchanged, 0 unloaded, 0 failed");
	free(sub);
}

static void test_scan_bad_file_reported_rest_loaded(void **state)
{
	struct env *e = *state;
	char *t;

	fx_write(e->dir, "alpha", good, "alpha");
	fx_write(e->dir, "broken", bad, "broken");
	fx_write(e->dir, "omega", good, "omega");
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 1);
	assert_true(listed(e, "alpha"));
	assert_true(listed(e, "omega"));
	assert_false(listed(e, "broken"));
	assert_int_equal(count(e, AA_OCI_SYNC_FAILED, "broken", NULL), 1);
	t = event_text(e, AA_OCI_SYNC_FAILED, "broken", false);
	/* One line, the parser's own message in it. */
	assert_non_null(strstr(t, "AppArmor parser error"));
	assert_null(strchr(t, '\n'));
	free(t);
	ASSERT_PASS(e, "pass: 2 loaded, 0 unchanged, 0 unloaded, 1 failed");
	/* Not compiled again until it changes: still failed, not unchanged. */
	assert_int_equal(sync_scan(e->s), 0);
	assert_int_equal(lines(e->fs, "parser-runs"), 3);
	ASSERT_PASS(e, "pass: 0 loaded, 2 unchanged, 0 unloaded, 1 failed");
	fx_write(e->dir, "broken", good, "broken");
	assert_int_equal(sync_scan(e->s), 0);
	assert_true(listed(e, "broken"));
	ASSERT_PASS(e, "pass: 1 loaded, 2 unchanged, 0 unloaded, 0 failed");
}

static void test_scan_limits_and_odd_files(void **state)
{
	struct env *e = *state;
	char *big = fx_path(e->dir, "big"), *fifo = fx_path(e->dir, "fifo");
	char *link = fx_path(e->dir, "dangling");
	FILE *f;

	f = fopen(big, "w");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), AA_OCI_PROFILE_FILE_MAX + 1), 0);
	fclose(f);
	assert_int_equal(mkfifo(fifo, 0600), 0); /* never opened: no hang */
	assert_int_equal(symlink("/nonexistent/x", link), 0);
	fx_write(e->dir, "empty", "%s", "# only a comment\n");
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 2);
	assert_int_equal(count(e, AA_OCI_SYNC_FAILED, "big", NULL), 1);
	{
		char *t = event_text(e, AA_OCI_SYNC_FAILED, "big", false);

		assert_non_null(strstr(t, "larger than 4 MiB"));
		free(t);
		t = event_text(e, AA_OCI_SYNC_FAILED, "empty", false);
		assert_non_null(strstr(t, "defines no profile"));
		free(t);
	}
	/* Only "empty" reached the parser. */
	assert_int_equal(lines(e->fs, "parser-runs"), 1);
	ASSERT_PASS(e, "pass: 0 loaded, 0 unchanged, 0 unloaded, 2 failed");
	free(big);
	free(fifo);
	free(link);
}

static void test_scan_missing_dir(void **state)
{
	struct env *e = *state;
	char *missing = fx_path(e->top, "nope");

	e->s = new_sync(e, missing);
	assert_int_equal(sync_scan(e->s), 1);
	assert_int_equal(count(e, AA_OCI_SYNC_ERROR, "nope", NULL), 1);
	ASSERT_PASS(e, "pass: 0 loaded, 0 unchanged, 0 unloaded, 1 failed");
	free(missing);
}

static void test_record_holds_only_what_sync_brought(void **state)
{
	struct env *e = *state;
	char *s;

	fx_write(e->dir, "mine", good, "mine");
	fx_write(e->dir, "pre", good, "pre"); /* "pre" was loaded before */
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 0);
	assert_true(recorded(e, "mine", "mine"));
	assert_false(recorded(e, "pre", "pre"));
	s = fx_read(e->run, RUNDIR_SYNC_STATE, NULL);
	assert_int_equal(strncmp(s, "# aa-oci sync:", 14), 0);
	assert_int_equal(lines(e->run, RUNDIR_SYNC_STATE), 2);
	free(s);
	/* The record is replaced atomically: no temporary left behind. */
	{
		char *cmd;
		FILE *p;
		char line[256];

		assert_true(asprintf(&cmd, "ls -A '%s'", e->run) > 0);
		p = popen(cmd, "r");
		while (fgets(line, sizeof(line), p))
			if (strcmp(line, "load.lock\n") != 0 &&
			    strcmp(line, "sync.lock\n") != 0 &&
			    strcmp(line, "kdir\n") != 0 &&
			    strcmp(line, "loaded\n") != 0 &&
			    strcmp(line, "sync.state\n") != 0)
				fail_msg("left in run_dir: %s", line);
		pclose(p);
		free(cmd);
	}
}

static void test_removal_unloads_only_recorded(void **state)
{
	struct env *e = *state;
	size_t len;
	char *s;

	fx_write(e->dir, "mine", good, "mine");
	fx_write(e->dir, "pre", good, "pre");
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 0);
	rm_file(e, "mine");
	rm_file(e, "pre");
	free(take_remove(e, NULL));
	assert_int_equal(sync_scan(e->s), 0);
	s = take_remove(e, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(s, "mine\0", 5);
	free(s);
	assert_int_equal(count(e, AA_OCI_SYNC_UNLOADED, "mine", "mine"), 1);
	assert_int_equal(count(e, AA_OCI_SYNC_KEPT, NULL, "pre"), 1);
	assert_int_equal(count(e, AA_OCI_SYNC_UNLOADED, NULL, "pre"), 0);
	assert_false(recorded(e, "mine", "mine"));
	ASSERT_PASS(e, "pass: 0 loaded, 0 unchanged, 1 unloaded, 0 failed");
	/* Once unloaded, never again. */
	assert_int_equal(sync_scan(e->s), 0);
	s = take_remove(e, &len);
	assert_int_equal(len, 0);
	free(s);
}

static void test_restarted_agent_remembers(void **state)
{
	struct env *e = *state;
	size_t len;
	char *s;

	fx_write(e->dir, "mine", good, "mine");
	fx_write(e->dir, "keep", good, "keep");
	fx_write(e->dir, "pre", good, "pre");
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 0);
	sync_free(e->s);
	/* While it is down: one file removed, one broken. */
	rm_file(e, "mine");
	rm_file(e, "pre");
	fx_write(e->dir, "keep", bad, "keep");
	free(take_remove(e, NULL));
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 1);
	s = take_remove(e, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(s, "mine\0", 5);
	free(s);
	/* A broken file keeps what it had; what it had stays ours. */
	assert_int_equal(count(e, AA_OCI_SYNC_FAILED, "keep", NULL), 1);
	assert_true(recorded(e, "keep", "keep"));
	/* Removed now: "keep" is unloaded, being ours. */
	rm_file(e, "keep");
	assert_int_equal(sync_scan(e->s), 0);
	s = take_remove(e, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(s, "keep\0", 5);
	free(s);
}

static void test_unreadable_dir_is_not_empty(void **state)
{
	struct env *e = *state;
	char *aside = fx_path(e->top, "aside");
	size_t len;
	char *s;

	fx_write(e->dir, "mine", good, "mine");
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 0);
	sync_free(e->s);
	/* The directory cannot be opened (a link to itself: ELOOP). */
	assert_int_equal(rename(e->dir, aside), 0);
	assert_int_equal(symlink("profiles", e->dir), 0);
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 1);
	assert_int_equal(count(e, AA_OCI_SYNC_ERROR, "profiles", NULL), 1);
	s = take_remove(e, &len);
	assert_int_equal(len, 0);
	free(s);
	assert_true(recorded(e, "mine", "mine"));
	/* Gone for real: then its profiles go. */
	assert_int_equal(unlink(e->dir), 0);
	assert_int_equal(sync_scan(e->s), 1);
	assert_true(remove_holds(e, "mine\0", 5));
	free(aside);
}

static void test_record_of_other_dirs_untouched(void **state)
{
	struct env *e = *state;
	char *other = fx_path(e->top, "other");
	size_t len;
	char *s;

	fx_write(e->dir, "mine", good, "mine");
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 0);
	sync_free(e->s);
	/* An agent for another directory leaves that record alone. */
	mkdir(other, 0755);
	e->s = new_sync(e, other);
	assert_int_equal(sync_scan(e->s), 0);
	s = take_remove(e, &len);
	assert_int_equal(len, 0);
	free(s);
	assert_true(recorded(e, "mine", "mine"));
	free(other);
}

static void test_changed_file_reloaded(void **state)
{
	struct env *e = *state;
	size_t len;
	char *s;

	fx_write(e->dir, "web", good, "web");
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 0);
	fx_write(e->dir, "web",
		 "profile web {\n  file,\n  deny /etc/passwd w,\n}\n");
	assert_int_equal(sync_scan(e->s), 0);
	assert_int_equal(lines(e->fs, "parser-runs"), 2);
	assert_int_equal(count(e, AA_OCI_SYNC_LOADED, "web", NULL), 2);
	{
		bool again = false;

		/* the event before the pass's summary */
		pthread_mutex_lock(&e->mu);
		assert_true(e->nev >= 2);
		assert_int_equal(e->evs[e->nev - 2].kind, AA_OCI_SYNC_LOADED);
		again = e->evs[e->nev - 2].again;
		pthread_mutex_unlock(&e->mu);
		assert_true(again);
	}
	/* The profile renamed inside the file: the old one goes. */
	free(take_remove(e, NULL));
	fx_write(e->dir, "web", good, "web2");
	assert_int_equal(sync_scan(e->s), 0);
	assert_true(listed(e, "web2"));
	s = take_remove(e, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(s, "web\0", 4);
	free(s);
	assert_true(recorded(e, "web2", "web"));
	assert_false(recorded(e, "web", "web"));
	/* A broken edit: the kernel keeps the last good one, nothing goes. */
	fx_write(e->dir, "web", bad, "web2");
	assert_int_equal(sync_scan(e->s), 1);
	s = take_remove(e, &len);
	assert_int_equal(len, 0);
	free(s);
	assert_true(recorded(e, "web2", "web"));
}

static void test_profile_in_two_files(void **state)
{
	struct env *e = *state;
	size_t len;
	char *s;

	fx_write(e->dir, "a", good, "shared");
	fx_write(e->dir, "b", good, "shared");
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 0);
	free(take_remove(e, NULL));
	rm_file(e, "a");
	assert_int_equal(sync_scan(e->s), 0);
	s = take_remove(e, &len);
	assert_int_equal(len, 0); /* b still defines it */
	free(s);
	rm_file(e, "b");
	assert_int_equal(sync_scan(e->s), 0);
	s = take_remove(e, &len);
	assert_int_equal(len, 7);
	assert_memory_equal(s, "shared\0", 7);
	free(s);
}

static void test_unload_failure_kept_and_retried(void **state)
{
	struct env *e = *state;
	char *rm = fx_path(e->fs, ".remove");
	size_t len;
	char *s;

	fx_write(e->dir, "mine", good, "mine");
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 0);
	/* A .remove the kernel refuses (here: one that cannot be written). */
	unlink(rm);
	mkdir(rm, 0755);
	rm_file(e, "mine");
	assert_int_equal(sync_scan(e->s), 1);
	assert_int_equal(count(e, AA_OCI_SYNC_ERROR, "mine", "mine"), 1);
	assert_int_equal(count(e, AA_OCI_SYNC_UNLOADED, NULL, NULL), 0);
	assert_true(recorded(e, "mine", "mine"));
	/* Kept in the record, so the next pass tries again. */
	rmdir(rm);
	fx_write(e->fs, ".remove", "%s", "");
	assert_int_equal(sync_scan(e->s), 0);
	s = take_remove(e, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(s, "mine\0", 5);
	free(s);
	assert_false(recorded(e, "mine", "mine"));
	free(rm);
}

static void test_one_agent_per_run_dir(void **state)
{
	struct env *e = *state;
	struct aa_oci_sync_opts o = {.mode = AA_OCI_MODE_ENFORCE};
	char *dirs[] = {e->dir, NULL};
	struct aa_oci_sync *s2 = NULL;
	struct aa_oci_err err = {0};

	e->s = new_sync(e, NULL);
	assert_int_equal(sync_new(e->k, &e->cfg, dirs, &o, &s2, &err), -EBUSY);
	assert_null(s2);
	assert_non_null(strstr(err.text, "another aa-oci sync is running"));
	sync_free(e->s);
	e->s = NULL;
	assert_int_equal(sync_new(e->k, &e->cfg, dirs, &o, &s2, &err), 0);
	sync_free(s2);
	dirs[0] = NULL;
	assert_int_equal(sync_new(e->k, &e->cfg, dirs, &o, &s2, &err), -EINVAL);
}

static void test_record_garbage_ignored(void **state)
{
	struct env *e = *state;
	size_t len;
	char *s, *rec;

	mkdir(e->run, 0700);
	/* Lines that do not parse are dropped: never a reason to unload. */
	assert_true(asprintf(&rec,
			     "# comment\n"
			     "no-tab-here\n"
			     "\t%s/x\n"
			     "rel\trelative/path\n"
			     "ghost\t%s/ghost\n"
			     "ghost\t%s/ghost2\n",
			     e->dir, e->dir, e->dir) > 0);
	fx_write(e->run, RUNDIR_SYNC_STATE, "%s", rec);
	free(rec);
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 0);
	/* "ghost" is ours and no file has it: unloaded once. */
	s = take_remove(e, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(s, "ghost\0", 6);
	free(s);
	assert_int_equal(lines(e->run, RUNDIR_SYNC_STATE), 1);
}

/* --- sync_watch --- */

static void *watch_main(void *data)
{
	struct env *e = data;

	e->watch_ret = sync_watch(e->s, e->stop[0], NULL);
	return NULL;
}

static void start_watch(struct env *e, const char *dir)
{
	e->s = new_sync(e, dir);
	assert_int_equal(pipe2(e->stop, O_CLOEXEC), 0);
	e->watch_ret = 1;
	assert_int_equal(pthread_create(&e->th, NULL, watch_main, e), 0);
	e->watching = true;
}

static void stop_watch(struct env *e)
{
	if (!e->watching)
		return;
	e->watching = false;
	assert_int_equal(write(e->stop[1], "x", 1), 1);
	pthread_join(e->th, NULL);
	close(e->stop[0]);
	close(e->stop[1]);
	assert_int_equal(e->watch_ret, 0);
}

static long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Poll @cond until it holds; fail after WAIT_MS. */
#define WAIT_FOR(cond)                                                         \
	do {                                                                   \
		long _end = ms_now() + WAIT_MS;                                \
		while (!(cond)) {                                              \
			if (ms_now() > _end)                                   \
				fail_msg("not within %d ms: %s", WAIT_MS,      \
					 #cond);                               \
			usleep(20000);                                         \
		}                                                              \
	} while (0)

static void test_watch_create_modify_delete(void **state)
{
	struct env *e = *state;

	fx_write(e->dir, "alpha", good, "alpha");
	start_watch(e, NULL);
	WAIT_FOR(count(e, AA_OCI_SYNC_LOADED, "alpha", NULL) == 1);
	/* Every pass ends with its summary, the first and those of events. */
	WAIT_FOR(passes(e, "pass: 1 loaded, 0 unchanged, 0 unloaded, "
			   "0 failed") == 1);

	/* A new file is loaded. */
	fx_write(e->dir, "beta", good, "beta");
	WAIT_FOR(count(e, AA_OCI_SYNC_LOADED, "beta", NULL) == 1);
	assert_true(listed(e, "beta"));
	WAIT_FOR(passes(e, "pass: 1 loaded, 1 unchanged, 0 unloaded, "
			   "0 failed") == 1);

	/* A changed file (written in place) is reloaded. */
	fx_write(e->dir, "alpha",
		 "profile alpha {\n  file,\n  deny /tmp/x w,\n}\n");
	WAIT_FOR(count(e, AA_OCI_SYNC_LOADED, "alpha", NULL) == 2);

	/* Replaced by rename: reloaded, never unloaded on the way. */
	write_rename(e, "alpha", good, "alpha");
	WAIT_FOR(count(e, AA_OCI_SYNC_LOADED, "alpha", NULL) == 3);
	assert_int_equal(count(e, AA_OCI_SYNC_UNLOADED, NULL, NULL), 0);

	/* A broken file is reported; the agent goes on. */
	fx_write(e->dir, "broken", bad, "broken");
	WAIT_FOR(count(e, AA_OCI_SYNC_FAILED, "broken", NULL) == 1);

	/* A deleted file's profile is unloaded: it was ours. */
	rm_file(e, "beta");
	WAIT_FOR(remove_holds(e, "beta\0", 5));
	WAIT_FOR(count(e, AA_OCI_SYNC_UNLOADED, "beta", "beta") == 1);
	/* The record is written after the unload's event, before the pass's
	 * summary: looked at once the summary is there. */
	WAIT_FOR(passes(e, "pass: 0 loaded, 1 unchanged, 1 unloaded, "
			   "1 failed") == 1);
	assert_false(recorded(e, "beta", "beta"));
	assert_true(recorded(e, "alpha", "alpha"));

	/* One not ours is left loaded. */
	fx_write(e->dir, "pre", good, "pre");
	WAIT_FOR(count(e, AA_OCI_SYNC_LOADED, "pre", NULL) == 1);
	rm_file(e, "pre");
	WAIT_FOR(count(e, AA_OCI_SYNC_KEPT, NULL, "pre") == 1);
	assert_int_equal(count(e, AA_OCI_SYNC_UNLOADED, NULL, "pre"), 0);
	stop_watch(e);
}

/* A profile's includes are part of it: editing its local override (in a
 * directory sync was not given) reloads it, in a pass and under --watch;
 * an override that appears later too. */
static void test_includes_followed(void **state)
{
	struct env *e = *state;
	char *local = fx_path(e->top, "local");
	char *over = fx_path(local, "alpha");

	fx_write(e->dir, "alpha",
		 "profile alpha {\n  file,\n  include if exists \"%s\"\n}\n",
		 over);
	e->s = new_sync(e, NULL);
	assert_int_equal(sync_scan(e->s), 0);
	assert_int_equal(lines(e->fs, "parser-runs"), 1);
	assert_int_equal(sync_scan(e->s), 0);
	assert_int_equal(lines(e->fs, "parser-runs"), 1);
	/* The override appears: the profile changed. */
	mkdir(local, 0755);
	fx_write(local, "alpha", "deny /tmp/secret r,\n");
	assert_int_equal(sync_scan(e->s), 0);
	assert_int_equal(lines(e->fs, "parser-runs"), 2);
	assert_int_equal(sync_scan(e->s), 0);
	assert_int_equal(lines(e->fs, "parser-runs"), 2);
	sync_free(e->s);
	e->s = NULL;

	/* Under --watch: an edit of the override alone reloads it. */
	{
		size_t before = count(e, AA_OCI_SYNC_LOADED, "alpha", NULL);

		start_watch(e, NULL);
		WAIT_FOR(count(e, AA_OCI_SYNC_LOADED, "alpha", NULL) ==
			 before + 1);
		usleep(20000); /* a new mtime */
		fx_write(local, "alpha", "deny /tmp/secret rw,\n");
		WAIT_FOR(count(e, AA_OCI_SYNC_LOADED, "alpha", NULL) ==
			 before + 2);
	}
	stop_watch(e);
	free(local);
	free(over);
}

static void test_watch_rapid_edits_end_in_final_state(void **state)
{
	struct env *e = *state;
	char name[32], *last;

	fx_write(e->dir, "hot", good, "p0");
	start_watch(e, NULL);
	WAIT_FOR(count(e, AA_OCI_SYNC_LOADED, "hot", NULL) == 1);
	/* 100 edits, half in place, half by rename, each naming the
	 * profile anew, so what is loaded last tells which content won. */
	for (int i = 1; i <= 100; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		if (i % 2)
			fx_write(e->dir, "hot", good, name);
		else
			write_rename(e, "hot", good, name);
	}
	WAIT_FOR(recorded(e, "p100", "hot") &&
		 lines(e->run, RUNDIR_SYNC_STATE) == 2);
	/* The last compile was of the last content. */
	last = fx_read(e->fs, "profiles", NULL);
	assert_non_null(strstr(last, "p100 (enforce)\n"));
	assert_string_equal(strstr(last, "p100 (enforce)\n"),
			    "p100 (enforce)\n");
	free(last);
	/* Far fewer compiles than edits: bursts are handled once. */
	assert_true(lines(e->fs, "parser-runs") < 100);
	assert_true(listed(e, "p100"));
	stop_watch(e);
}

static void test_watch_configmap_update(void **state)
{
	struct env *e = *state;
	char *v1 = fx_path(e->dir, "..2024_01_01_00_00_00.1");
	char *v2 = fx_path(e->dir, "..2024_01_01_00_00_00.2");
	char *data = fx_path(e->dir, "..data");
	char *tmp = fx_path(e->dir, "..data_tmp");
	char *link = fx_path(e->dir, "web");

	/* A ConfigMap volume: web -> ..data/web, ..data -> ..<timestamp>. */
	mkdir(v1, 0755);
	fx_write(v1, "web", good, "web-v1");
	assert_int_equal(symlink("..2024_01_01_00_00_00.1", data), 0);
	assert_int_equal(symlink("..data/web", link), 0);
	start_watch(e, NULL);
	WAIT_FOR(count(e, AA_OCI_SYNC_LOADED, "web", NULL) == 1);
	assert_true(listed(e, "web-v1"));

	/* kubelet's update: a new directory, ..data swapped by rename. */
	mkdir(v2, 0755);
	fx_write(v2, "web", good, "web-v2");
	assert_int_equal(symlink("..2024_01_01_00_00_00.2", tmp), 0);
	assert_int_equal(rename(tmp, data), 0);
	fx_rm_rf(v1);
	WAIT_FOR(recorded(e, "web-v2", "web"));
	WAIT_FOR(remove_holds(e, "web-v1\0", 7));
	stop_watch(e);
	free(v1);
	free(v2);
	free(data);
	free(tmp);
	free(link);
}

static void test_watch_dir_appears_and_goes(void **state)
{
	struct env *e = *state;
	char *later = fx_path(e->top, "later");

	start_watch(e, later);
	WAIT_FOR(count(e, AA_OCI_SYNC_ERROR, "later", NULL) == 1);
	mkdir(later, 0755);
	fx_write(later, "late", good, "late");
	WAIT_FOR(count(e, AA_OCI_SYNC_LOADED, "late", NULL) == 1);
	/* The whole directory removed: its profiles go, being ours. */
	fx_rm_rf(later);
	WAIT_FOR(remove_holds(e, "late\0", 5));
	stop_watch(e);
	free(later);
}

static void test_watch_stops_at_once(void **state)
{
	struct env *e = *state;

	start_watch(e, NULL);
	stop_watch(e); /* joins: a hang here fails the run */
	assert_int_equal(e->watch_ret, 0);
}

/* run_dir removed under the agent: its sync.lock and sync.state went
 * with it, so it ends (to be restarted) instead of going on unseen. */
static void test_watch_ends_when_run_dir_removed(void **state)
{
	struct env *e = *state;

	fx_write(e->dir, "alpha", good, "alpha");
	start_watch(e, NULL);
	/* The pass over (its record written after the load's event): the
	 * removal does not race the agent writing into run_dir. */
	WAIT_FOR(passes(e, "pass: 1 loaded, 0 unchanged, 0 unloaded, "
			   "0 failed") == 1);
	fx_rm_rf(e->run);
	fx_write(e->dir, "beta", good, "beta");
	WAIT_FOR(e->watch_ret != 1);
	assert_int_equal(e->watch_ret, -ESTALE);
	assert_int_equal(count(e, AA_OCI_SYNC_LOADED, "beta", NULL), 0);
	e->watching = false;
	pthread_join(e->th, NULL);
	close(e->stop[0]);
	close(e->stop[1]);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_policy_names_real_parser),
	    T(test_policy_names_table),
	    T(test_policy_names_depth_limit),
	    T(test_skip_entry_table),
	    T(test_load_file_names_and_fresh),
	    T(test_load_file_not_listed),
	    T(test_remove_profile_bytes),
	    T(test_profile_list),
	    T(test_scan_loads_all_skips_others),
	    T(test_scan_bad_file_reported_rest_loaded),
	    T(test_scan_limits_and_odd_files),
	    T(test_scan_missing_dir),
	    T(test_record_holds_only_what_sync_brought),
	    T(test_removal_unloads_only_recorded),
	    T(test_restarted_agent_remembers),
	    T(test_unreadable_dir_is_not_empty),
	    T(test_record_of_other_dirs_untouched),
	    T(test_changed_file_reloaded),
	    T(test_profile_in_two_files),
	    T(test_unload_failure_kept_and_retried),
	    T(test_one_agent_per_run_dir),
	    T(test_record_garbage_ignored),
	    T(test_scan_namespaced_dir),
	    T(test_scan_root_dir_file_in_namespace),
	    T(test_namespaced_dir_both_ways),
	    T(test_namespaced_dir_without_namespace),
	    T(test_scan_only_namespaced),
	    T(test_watch_create_modify_delete),
	    T(test_includes_followed),
	    T(test_watch_rapid_edits_end_in_final_state),
	    T(test_watch_configmap_update),
	    T(test_watch_dir_appears_and_goes),
	    T(test_watch_stops_at_once),
	    T(test_watch_ends_when_run_dir_removed),
	};

	return cmocka_run_group_tests_name("sync", tests, NULL, NULL);
}
