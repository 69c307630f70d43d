/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kernel.c against a fake securityfs root. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/kernel.h"
#include "aa-oci/rundir.h"
#include "aa-oci/util.h"

static const char profiles_text[] =
    "docker-default (enforce)\n"
    "foo (complain)\n"
    "foo-bar (enforce)\n"
    "bar (kill)\n"
    "parent//child (enforce)\n"
    "with space (x) (enforce)\n"
    "last (complain)"; /* no newline at the end */

struct mode_case {
	const char *name;
	int ret;
	enum aa_oci_mode mode;
};

static const struct mode_case mode_cases[] = {
    {"docker-default", 0, AA_OCI_MODE_ENFORCE},
    {"foo", 0, AA_OCI_MODE_COMPLAIN},
    {"foo-bar", 0, AA_OCI_MODE_ENFORCE},
    {"bar", 0, AA_OCI_MODE_OTHER},
    {"last", 0, AA_OCI_MODE_COMPLAIN},
    {"fo", -ENOENT, 0},	    /* prefix of a name */
    {"foo-ba", -ENOENT, 0}, /* prefix of a longer name */
    {"docker", -ENOENT, 0},
    {"child", -ENOENT, 0}, /* a child is parent//child */
    {"parent", -ENOENT, 0},
    {"parent//child", 0, AA_OCI_MODE_ENFORCE},
    {"with", -ENOENT, 0},
    {"enforce", -ENOENT, 0},
};

static void test_profile_mode_table(void **state)
{
	char *fs = fx_apparmorfs(profiles_text);
	struct aa_oci_kernel *k = NULL;

	assert_int_equal(kernel_open(fs, &k, NULL), 0);
	for (size_t i = 0; i < sizeof(mode_cases) / sizeof(*mode_cases); i++) {
		const struct mode_case *c = &mode_cases[i];
		enum aa_oci_mode m = 99;
		int r = kernel_profile_state(k, NULL, c->name, &m);

		if (r != c->ret || (r == 0 && m != c->mode))
			fail_msg("case %zu \"%s\": got %d/%d, want %d/%d", i,
				 c->name, r, m, c->ret, c->mode);
	}
	kernel_close(k);
	fx_rm_rf(fs);
	free(fs);
}

static void test_empty_and_missing_list(void **state)
{
	char *fs = fx_apparmorfs("");
	struct aa_oci_kernel *k = NULL;
	enum aa_oci_mode m;
	char *p;

	assert_int_equal(kernel_open(fs, &k, NULL), 0);
	assert_int_equal(kernel_profile_state(k, NULL, "docker-default", &m),
			 -ENOENT);
	p = fx_path(fs, "profiles");
	unlink(p);
	free(p);
	/* A missing list must never read as "not loaded". */
	assert_int_equal(kernel_profile_state(k, NULL, "docker-default", &m),
			 -ENODEV);
	kernel_close(k);
	fx_rm_rf(fs);
	free(fs);
}

static void test_open_missing(void **state)
{
	struct aa_oci_kernel *k = NULL;
	struct aa_oci_err err = {0};

	assert_int_equal(kernel_open("/nonexistent/apparmor", &k, &err),
			 -ENOENT);
	assert_null(k);
	assert_non_null(
	    strstr(err.text, "/nonexistent/apparmor does not exist"));
	assert_non_null(strstr(err.text, "AppArmor is not enabled"));
}

static void test_large_list(void **state)
{
	/* 10,000 loaded profiles: the one asked for is the last line. */
	char *fs = fx_apparmorfs("");
	char *p = fx_path(fs, "profiles");
	FILE *f = fopen(p, "w");
	struct aa_oci_kernel *k = NULL;
	enum aa_oci_mode m;

	for (int i = 0; i < 10000; i++)
		fprintf(f, "tenant-profile-%05d (enforce)\n", i);
	fprintf(f, "needle (complain)\n");
	fclose(f);
	assert_int_equal(kernel_open(fs, &k, NULL), 0);
	assert_int_equal(kernel_profile_state(k, NULL, "needle", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_COMPLAIN);
	assert_int_equal(
	    kernel_profile_state(k, NULL, "tenant-profile-09999", &m), 0);
	assert_int_equal(kernel_profile_state(k, NULL, "tenant-profile-1", &m),
			 -ENOENT);
	kernel_close(k);
	fx_rm_rf(fs);
	free(fs);
	free(p);
}

static void test_features(void **state)
{
	char *fs = fx_apparmorfs("");
	struct aa_oci_kernel *k = NULL;
	aa_features *f = NULL, *f2 = NULL;

	assert_int_equal(kernel_open(fs, &k, NULL), 0);
	assert_int_equal(kernel_features(k, NULL, &f), 0);
	assert_non_null(f);
	assert_true(aa_features_supports(f, "file"));
	assert_true(aa_features_supports(f, "domain/stack"));
	/* Read once per handle. */
	assert_int_equal(kernel_features(k, NULL, &f2), 0);
	assert_ptr_equal(f, f2);
	kernel_close(k);
	fx_rm_rf(fs);
	free(fs);
}

static void test_replace_writes_bytes(void **state)
{
	static const char blob[] = "\x04\x08\x00version\x00\x02\x08\x00\x00\x00"
				   "fake compiled policy";
	char *fs = fx_apparmorfs("");
	char *dir = fx_tmpdir();
	char *src = fx_path(dir, "policy.bin");
	struct aa_oci_kernel *k = NULL;
	size_t len = 0;
	char *got;
	FILE *f = fopen(src, "w");

	fwrite(blob, 1, sizeof(blob) - 1, f);
	fclose(f);
	assert_int_equal(kernel_open(fs, &k, NULL), 0);
	assert_int_equal(kernel_replace_policy(k, AT_FDCWD, src), 0);
	got = fx_read(fs, ".replace", &len);
	assert_int_equal(len, sizeof(blob) - 1);
	assert_memory_equal(got, blob, len);
	free(got);

	/* No .replace: the error comes back, nothing is created. */
	{
		char *rp = fx_path(fs, ".replace");

		unlink(rp);
		assert_int_equal(kernel_replace_policy(k, AT_FDCWD, src),
				 -ENOENT);
		assert_int_equal(access(rp, F_OK), -1);
		free(rp);
	}
	/* Missing policy file. */
	assert_int_equal(kernel_replace_policy(k, AT_FDCWD, "/nonexistent.bin"),
			 -ENOENT);
	kernel_close(k);
	fx_rm_rf(fs);
	fx_rm_rf(dir);
	free(fs);
	free(dir);
	free(src);
}

static void test_replace_without_features(void **state)
{
	char *fs = fx_apparmorfs("");
	char *feat = fx_path(fs, "features");
	struct aa_oci_kernel *k = NULL;

	unlink(feat);
	assert_int_equal(kernel_open(fs, &k, NULL), 0);
	assert_int_equal(kernel_replace_policy(k, AT_FDCWD, "/etc/hostname"),
			 -ENOENT);
	kernel_close(k);
	fx_rm_rf(fs);
	free(fs);
	free(feat);
}

static void mkprofdir(const char *fs, const char *dir, const char *name,
		      const char *mode)
{
	char *p, *q;

	assert_true(asprintf(&p, "%s/policy/profiles/%s", fs, dir) > 0);
	assert_true(asprintf(&q, "mkdir -p '%s'", p) > 0);
	assert_int_equal(system(q), 0);
	free(q);
	fx_write(p, "name", "%s\n", name);
	fx_write(p, "mode", "%s\n", mode);
	free(p);
}

static void test_profile_dirs(void **state)
{
	char *fs = fx_apparmorfs("");
	struct aa_oci_kernel *k = NULL;
	enum aa_oci_mode m = 99;
	struct aa_oci_rundir *rd = NULL;
	char *dir = NULL;

	mkprofdir(fs, "web.12", "web", "complain");
	mkprofdir(fs, "webx.3", "webx", "enforce");
	mkprofdir(fs, "ab.4", "a+b", "enforce");  /* '+' is dropped */
	mkprofdir(fs, "web.x", "web", "enforce"); /* not NAME.N */
	mkprofdir(fs, "lxc-container-default-cgns.9",
		  "lxc-container-default-cgns", "enforce");
	assert_int_equal(kernel_open(fs, &k, NULL), 0);

	assert_int_equal(rundir_new(fs, &rd), 0);
	/* Found by reading policy/profiles, then remembered in kdir/. */
	assert_int_equal(kernel_profile_state(k, rd, "web", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_COMPLAIN);
	assert_int_equal(rundir_kdir_get(rd, "web", &dir), 0);
	assert_string_equal(dir, "web.12");
	free(dir);
	assert_int_equal(kernel_profile_state(k, rd, "a+b", &m), 0);
	assert_int_equal(rundir_kdir_get(rd, "a+b", &dir), 0);
	assert_string_equal(dir, "ab.4");
	free(dir);
	assert_int_equal(
	    kernel_profile_state(k, rd, "lxc-container-default-cgns", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_ENFORCE);
	/* Prefixes of a directory's name are other profiles. */
	assert_int_equal(kernel_profile_state(k, rd, "we", &m), -ENOENT);
	assert_int_equal(kernel_profile_state(k, rd, "ab", &m), -ENOENT);
	/* A remembered directory that holds another profile, or none, or
	 * that points outside: only a hint, the right one is found. */
	rundir_kdir_put(rd, "web", "webx.3");
	assert_int_equal(kernel_profile_state(k, rd, "web", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_COMPLAIN);
	assert_int_equal(rundir_kdir_get(rd, "web", &dir), 0);
	assert_string_equal(dir, "web.12");
	free(dir);
	rundir_kdir_put(rd, "web", "../../etc");
	assert_int_equal(kernel_profile_state(k, rd, "web", &m), 0);
	rundir_kdir_put(rd, "webx", "web.99");
	assert_int_equal(kernel_profile_state(k, rd, "webx", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_ENFORCE);
	/* The directory's mode is the kernel's word, not the list's. */
	mkprofdir(fs, "web.12", "web", "kill");
	assert_int_equal(kernel_profile_state(k, rd, "web", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_OTHER);
	rundir_free(rd);
	kernel_close(k);
	fx_rm_rf(fs);
	free(fs);
}

static void test_profile_exists(void **state)
{
	char *fs = fx_apparmorfs("");
	char *access = fx_path(fs, ".access");
	struct aa_oci_kernel *k = NULL;
	enum aa_oci_mode m;
	size_t len = 0;
	char *q;

	assert_int_equal(kernel_open(fs, &k, NULL), 0);
	/* No query file: the list answers. */
	assert_int_equal(kernel_profile_state(k, NULL, "web", &m), -ENOENT);
	/* A file that takes the query: the bytes are the kernel's format
	 * (a real kernel answers ENOENT for a profile it does not have). */
	fx_write(fs, ".access", "%s", "");
	assert_int_equal(kernel_profile_state(k, NULL, "web", &m), -ENOENT);
	q = fx_read(fs, ".access", &len);
	assert_int_equal(len, 11);
	assert_memory_equal(q, "label\0web\0\2", 11);
	free(q);
	/* A name too long for one query is looked up in the list. */
	{
		char big[600];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		fx_write(fs, "profiles", "%s (enforce)\n", big);
		assert_int_equal(kernel_profile_state(k, NULL, big, &m), 0);
	}
	kernel_close(k);
	fx_rm_rf(fs);
	free(fs);
	free(access);
}

/* A profile of policy namespace @ns as the kernel shows it: its directory
 * under policy/namespaces/@ns/profiles, holding its name within the
 * namespace and its mode. */
static void mknsprofdir(const char *fs, const char *ns, const char *dir,
			const char *name, const char *mode)
{
	char *p, *q;

	assert_true(asprintf(&p, "%s/policy/namespaces/%s/profiles/%s", fs, ns,
			     dir) > 0);
	assert_true(asprintf(&q, "mkdir -p '%s'", p) > 0);
	assert_int_equal(system(q), 0);
	free(q);
	fx_write(p, "name", "%s\n", name);
	fx_write(p, "mode", "%s\n", mode);
	free(p);
}

/* ":NS:NAME" is looked for in its namespace's directories, never in the
 * root namespace's, and the directory found is remembered. The list is
 * empty: every answer here comes from a directory. */
static void test_namespace_profile_dirs(void **state)
{
	char *fs = fx_apparmorfs("");
	char *run = fx_tmpdir();
	struct aa_oci_kernel *k = NULL;
	struct aa_oci_rundir *rd = NULL;
	enum aa_oci_mode m = 99;
	char *dir = NULL;

	mkprofdir(fs, "web.1", "web", "enforce");
	mkprofdir(fs, "webx.9", "webx", "complain");
	mknsprofdir(fs, "aa-oci", "web.3", "web", "complain");
	mknsprofdir(fs, "aa-oci", "webx.4", "webx", "enforce");
	mknsprofdir(fs, "aa-oci", "we.5", "we", "enforce");
	assert_int_equal(kernel_open(fs, &k, NULL), 0);
	assert_int_equal(rundir_new(run, &rd), 0);

	/* Found by reading the namespace's profiles, then remembered. */
	assert_int_equal(kernel_profile_state(k, rd, ":aa-oci:web", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_COMPLAIN);
	assert_int_equal(rundir_kdir_get(rd, ":aa-oci:web", &dir), 0);
	assert_string_equal(dir, "web.3");
	free(dir);
	/* The root namespace's "web" is another profile, remembered apart. */
	assert_int_equal(kernel_profile_state(k, rd, "web", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_ENFORCE);
	assert_int_equal(rundir_kdir_get(rd, "web", &dir), 0);
	assert_string_equal(dir, "web.1");
	free(dir);
	assert_int_equal(kernel_profile_state(k, rd, ":aa-oci:webx", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_ENFORCE);
	assert_int_equal(kernel_profile_state(k, rd, "webx", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_COMPLAIN);
	/* A name of the root namespace only, or of another namespace. */
	assert_int_equal(kernel_profile_state(k, rd, "we", &m), -ENOENT);
	assert_int_equal(kernel_profile_state(k, rd, ":aa-oci:we", &m), 0);
	assert_int_equal(kernel_profile_state(k, rd, ":tenants:web", &m),
			 -ENOENT);
	assert_int_equal(kernel_profile_state(k, rd, ":aa-oci:nope", &m),
			 -ENOENT);
	assert_int_equal(kernel_profile_state(k, rd, ":aa-oci:w", &m), -ENOENT);

	/* The remembered directory answers first: one the kernel would not
	 * make (its name is no "web.N") shows it was read, not found again. */
	mknsprofdir(fs, "aa-oci", "other.7", "web", "kill");
	rundir_kdir_put(rd, ":aa-oci:web", "other.7");
	assert_int_equal(kernel_profile_state(k, rd, ":aa-oci:web", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_OTHER);
	/* A remembered directory of the root namespace's is looked for in the
	 * namespace's: there it holds another profile, so it is only a stale
	 * hint, and the right one is found again. */
	rundir_kdir_put(rd, ":aa-oci:webx", "webx.9");
	assert_int_equal(kernel_profile_state(k, rd, ":aa-oci:webx", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_ENFORCE);
	assert_int_equal(rundir_kdir_get(rd, ":aa-oci:webx", &dir), 0);
	assert_string_equal(dir, "webx.4");
	free(dir);
	/* A hint holding another profile of the namespace: not believed. */
	rundir_kdir_put(rd, ":aa-oci:web", "webx.4");
	assert_int_equal(kernel_profile_state(k, rd, ":aa-oci:web", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_COMPLAIN);
	assert_int_equal(rundir_kdir_get(rd, ":aa-oci:web", &dir), 0);
	assert_string_equal(dir, "web.3");
	free(dir);
	/* Nor one that points out of the namespace's directory. */
	rundir_kdir_put(rd, ":aa-oci:web", "../../profiles/web.1");
	assert_int_equal(kernel_profile_state(k, rd, ":aa-oci:web", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_COMPLAIN);
	/* The mode is the directory's, read each time. */
	mknsprofdir(fs, "aa-oci", "web.3", "web", "enforce");
	assert_int_equal(kernel_profile_state(k, rd, ":aa-oci:web", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_ENFORCE);
	/* The same answers with nothing remembered. */
	assert_int_equal(kernel_profile_state(k, NULL, ":aa-oci:web", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_ENFORCE);
	assert_int_equal(kernel_profile_state(k, NULL, ":aa-oci:nope", &m),
			 -ENOENT);
	rundir_free(rd);
	kernel_close(k);
	fx_rm_rf(fs);
	fx_rm_rf(run);
	free(fs);
	free(run);
}

/* A namespace the kernel does not have (no directory for it): the
 * profile is not loaded, even where the root namespace has one of the
 * name; so with the namespace there but no profiles in it. */
static void test_namespace_dir_missing(void **state)
{
	char *fs = fx_apparmorfs("");
	struct aa_oci_kernel *k = NULL;
	enum aa_oci_mode m = 99;
	char *d, *cmd;

	mkprofdir(fs, "web.1", "web", "enforce");
	assert_int_equal(kernel_open(fs, &k, NULL), 0);
	assert_int_equal(kernel_profile_state(k, NULL, ":aa-oci:web", &m),
			 -ENOENT);
	assert_true(asprintf(&d, "%s/policy/namespaces/aa-oci", fs) > 0);
	assert_true(asprintf(&cmd, "mkdir -p '%s'", d) > 0);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(kernel_profile_state(k, NULL, ":aa-oci:web", &m),
			 -ENOENT);
	free(cmd);
	assert_true(asprintf(&cmd, "mkdir -p '%s/profiles'", d) > 0);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(kernel_profile_state(k, NULL, ":aa-oci:web", &m),
			 -ENOENT);
	assert_int_equal(m, 99);
	/* the root one is still there */
	assert_int_equal(kernel_profile_state(k, NULL, "web", &m), 0);
	free(cmd);
	free(d);
	kernel_close(k);
	fx_rm_rf(fs);
	free(fs);
}

/* No policy/ directory at all (an older kernel, a stand-in): the list,
 * whose lines name a namespaced profile by its label. */
static const char ns_profiles_text[] = "web (enforce)\n"
				       ":aa-oci:web (complain)\n"
				       ":aa-oci:web-x (enforce)\n"
				       ":aa-oci:db//hat (enforce)\n"
				       ":other:web (kill)\n"
				       ":aa-oci:last (complain)";

static const struct mode_case ns_mode_cases[] = {
    {":aa-oci:web", 0, AA_OCI_MODE_COMPLAIN},
    {"web", 0, AA_OCI_MODE_ENFORCE},
    {":aa-oci:web-x", 0, AA_OCI_MODE_ENFORCE},
    {":other:web", 0, AA_OCI_MODE_OTHER},
    {":aa-oci:last", 0, AA_OCI_MODE_COMPLAIN},
    {":aa-oci:db//hat", 0, AA_OCI_MODE_ENFORCE},
    {":aa-oci:db", -ENOENT, 0},
    {":aa-oci:we", -ENOENT, 0},	  /* prefix of a name */
    {":aa-oci:web-", -ENOENT, 0}, /* prefix of a longer name */
    {":tenants:web", -ENOENT, 0}, /* another namespace */
    {":aa-oci:", -ENOENT, 0},	  /* the namespace is no profile */
    {":aa-oci", -ENOENT, 0},	  /* nor a prefix of it */
    {"web-x", -ENOENT, 0},	  /* namespaced only */
    {":aa-oci:web-x (enforce)", -ENOENT, 0},
};

static void test_namespace_profiles_list(void **state)
{
	char *fs = fx_apparmorfs(ns_profiles_text);
	struct aa_oci_kernel *k = NULL;
	char **names = NULL;

	assert_int_equal(kernel_open(fs, &k, NULL), 0);
	for (size_t i = 0; i < sizeof(ns_mode_cases) / sizeof(*ns_mode_cases);
	     i++) {
		const struct mode_case *c = &ns_mode_cases[i];
		enum aa_oci_mode m = 99;
		int r = kernel_profile_state(k, NULL, c->name, &m);

		if (r != c->ret || (r == 0 && m != c->mode))
			fail_msg("case %zu \"%s\": got %d/%d, want %d/%d", i,
				 c->name, r, m, c->ret, c->mode);
	}
	/* The whole list: labels as the kernel wrote them. */
	assert_int_equal(kernel_profile_list(k, &names), 0);
	assert_string_equal(names[0], "web");
	assert_string_equal(names[1], ":aa-oci:web");
	assert_string_equal(names[2], ":aa-oci:web-x");
	assert_string_equal(names[3], ":aa-oci:db//hat");
	assert_string_equal(names[4], ":other:web");
	assert_string_equal(names[5], ":aa-oci:last");
	assert_null(names[6]);
	strv_free(names);
	kernel_close(k);
	fx_rm_rf(fs);
	free(fs);
}

/* The query a namespaced label makes is the label itself. */
static void test_namespace_query_bytes(void **state)
{
	char *fs = fx_apparmorfs(":aa-oci:web (enforce)\n");
	struct aa_oci_kernel *k = NULL;
	enum aa_oci_mode m = 99;
	size_t len = 0;
	char *q;

	fx_write(fs, ".access", "%s", "");
	assert_int_equal(kernel_open(fs, &k, NULL), 0);
	assert_int_equal(kernel_profile_state(k, NULL, ":aa-oci:web", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_ENFORCE);
	q = fx_read(fs, ".access", &len);
	assert_int_equal(len, 19);
	assert_memory_equal(q, "label\0:aa-oci:web\0\2", 19);
	free(q);
	kernel_close(k);
	fx_rm_rf(fs);
	free(fs);
}

/* policy_decide's root_has: a handle opened on the first question. */
static void test_lazy_has(void **state)
{
	char *fs = fx_apparmorfs("web (enforce)\n:aa-oci:db (enforce)\n");
	struct aa_oci_kernel_lazy lk = {.apparmorfs = fs};
	struct aa_oci_kernel_lazy none = {.apparmorfs = "/nonexistent/aa"};

	assert_null(lk.k);
	assert_true(kernel_lazy_has(&lk, "web"));
	assert_non_null(lk.k);
	assert_true(kernel_lazy_has(&lk, ":aa-oci:db"));
	assert_false(kernel_lazy_has(&lk, "db"));
	assert_false(kernel_lazy_has(&lk, ":aa-oci:web"));
	/* A kernel that cannot be opened has nothing loaded. */
	assert_false(kernel_lazy_has(&none, "web"));
	assert_null(none.k);
	kernel_close(lk.k);
	fx_rm_rf(fs);
	free(fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_profile_mode_table),
	    cmocka_unit_test(test_empty_and_missing_list),
	    cmocka_unit_test(test_open_missing),
	    cmocka_unit_test(test_large_list),
	    cmocka_unit_test(test_features),
	    cmocka_unit_test(test_replace_writes_bytes),
	    cmocka_unit_test(test_replace_without_features),
	    cmocka_unit_test(test_profile_dirs),
	    cmocka_unit_test(test_profile_exists),
	    cmocka_unit_test(test_namespace_profile_dirs),
	    cmocka_unit_test(test_namespace_dir_missing),
	    cmocka_unit_test(test_namespace_profiles_list),
	    cmocka_unit_test(test_namespace_query_bytes),
	    cmocka_unit_test(test_lazy_has),
	};

	return cmocka_run_group_tests_name("kernel", tests, NULL, NULL);
}
