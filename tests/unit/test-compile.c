/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * compile_policy: the parser behind the binary policy cache. The parser is
 * the real one behind a double that counts its runs, so a hit is seen as
 * "no parser ran".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/cache.h"
#include "aa-oci/compile.h"
#include "aa-oci/rundir.h"
#include "aa-oci/config.h"
#include "aa-oci/load.h"
#include "aa-oci/util.h"

struct env {
	char *top, *fs, *dir, *src;
	struct aa_oci_config cfg;
	struct aa_oci_kernel *k;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->top = fx_tmpdir();
	e->fs = fx_apparmorfs("");
	e->dir = fx_path(e->top, "profiles");
	mkdir(e->dir, 0755);
	fx_write(e->dir, "web", "profile web {\n  file,\n}\n");
	e->src = fx_path(e->dir, "web");
	assert_int_equal(config_init(&e->cfg), 0);
	free(e->cfg.parser);
	e->cfg.parser = fx_repo_path("tests/data/parsers/kernel-sim");
	{
		char *rd_ = fx_path(e->top, "run");

		assert_int_equal(config_set_run_dir(&e->cfg, rd_), 0);
		free(rd_);
	}
	free(e->cfg.cache_dir);
	e->cfg.cache_dir = fx_path(e->top, "cache");
	strv_free(e->cfg.profile_dirs);
	e->cfg.profile_dirs = calloc(2, sizeof(char *));
	e->cfg.profile_dirs[0] = strdup(e->dir);
	assert_int_equal(kernel_open(e->fs, &e->k, NULL), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	kernel_close(e->k);
	config_free(&e->cfg);
	fx_rm_rf(e->top);
	fx_rm_rf(e->fs);
	free(e->top);
	free(e->fs);
	free(e->dir);
	free(e->src);
	free(e);
	return 0;
}

static size_t runs(struct env *e)
{
	size_t n = 0;
	char *s = fx_read(e->fs, "parser-runs", NULL);

	for (char *p = s; p && *p; p++)
		n += *p == '\n';
	free(s);
	return n;
}

/* Compile e->src into policy namespace @ns (NULL: the root one). */
static void compile_in(struct env *e, const char *ns, enum aa_oci_mode mode,
		       bool want_hit, size_t want_runs,
		       struct aa_oci_compiled *c)
{
	struct aa_oci_err err = {0};

	if (compile_policy(e->k, &e->cfg, e->src, NULL, mode, ns, c, &err) != 0)
		fail_msg("compile_policy: %s", err.text);
	if (c->from_cache != want_hit)
		fail_msg("from_cache %d, want %d", c->from_cache, want_hit);
	if (runs(e) != want_runs)
		fail_msg("%zu parser runs, want %zu", runs(e), want_runs);
	assert_true(c->len > 100);
}

static void compile(struct env *e, enum aa_oci_mode mode, bool want_hit,
		    size_t want_runs, struct aa_oci_compiled *c)
{
	compile_in(e, NULL, mode, want_hit, want_runs, c);
}

/* The one top-level name the compiled policy @c declares. */
static void assert_declares(const struct aa_oci_compiled *c, const char *want)
{
	char **names = NULL;

	assert_int_equal(load_policy_names(c->buf, c->len, &names), 0);
	assert_string_equal(names[0], want);
	assert_null(names[1]);
	strv_free(names);
}

/* A source compiled into a namespace is another binary, with an entry of
 * its own: never served for the root namespace, nor the other way. */
static void test_namespace_own_entry(void **state)
{
	struct env *e = *state;
	struct aa_oci_compiled c = {0};

	compile_in(e, NULL, AA_OCI_MODE_ENFORCE, false, 1, &c);
	assert_declares(&c, "web");
	compiled_free(&c);
	compile_in(e, "aa-oci", AA_OCI_MODE_ENFORCE, false, 2, &c);
	assert_true(c.stored);
	assert_declares(&c, ":aa-oci:web");
	compiled_free(&c);
	compile_in(e, "aa-oci", AA_OCI_MODE_ENFORCE, true, 2, &c);
	assert_declares(&c, ":aa-oci:web");
	compiled_free(&c);
	compile_in(e, NULL, AA_OCI_MODE_ENFORCE, true, 2, &c);
	assert_declares(&c, "web");
	compiled_free(&c);
	/* Another namespace, another entry. */
	compile_in(e, "tenants", AA_OCI_MODE_ENFORCE, false, 3, &c);
	assert_declares(&c, ":tenants:web");
	compiled_free(&c);
	/* Forgetting the namespaced entry leaves the root one. */
	compile_forget(e->k, &e->cfg, e->src, NULL, AA_OCI_MODE_ENFORCE,
		       "aa-oci");
	compile_in(e, NULL, AA_OCI_MODE_ENFORCE, true, 3, &c);
	compiled_free(&c);
	compile_in(e, "aa-oci", AA_OCI_MODE_ENFORCE, false, 4, &c);
	assert_declares(&c, ":aa-oci:web");
	compiled_free(&c);
}

static void test_miss_then_hit(void **state)
{
	struct env *e = *state;
	struct aa_oci_compiled a = {0}, b = {0};

	compile(e, AA_OCI_MODE_ENFORCE, false, 1, &a);
	assert_true(a.stored);
	assert_string_equal(a.warning, "");
	compile(e, AA_OCI_MODE_ENFORCE, true, 1, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.buf, b.buf, a.len);
	compiled_free(&a);
	compiled_free(&b);
}

static void test_changes_miss(void **state)
{
	struct env *e = *state;
	struct aa_oci_compiled c = {0};

	compile(e, AA_OCI_MODE_ENFORCE, false, 1, &c);
	compiled_free(&c);
	/* Another mode is another binary. */
	compile(e, AA_OCI_MODE_COMPLAIN, false, 2, &c);
	compiled_free(&c);
	compile(e, AA_OCI_MODE_COMPLAIN, true, 2, &c);
	compiled_free(&c);
	/* An edited source is never served the old binary. */
	fx_write(e->dir, "web", "profile web {\n  file,\n  deny /x w,\n}\n");
	compile(e, AA_OCI_MODE_ENFORCE, false, 3, &c);
	compiled_free(&c);
	compile(e, AA_OCI_MODE_ENFORCE, true, 3, &c);
	compiled_free(&c);
}

static void test_corrupt_entry(void **state)
{
	struct env *e = *state;
	struct aa_oci_compiled c = {0};
	struct aa_oci_cache_entry *v;
	size_t n;
	char *sub, *path;

	compile(e, AA_OCI_MODE_ENFORCE, false, 1, &c);
	compiled_free(&c);
	assert_int_equal(cache_list(e->cfg.cache_dir, &v, &n), 0);
	assert_int_equal(n, 1);
	sub = fx_path(e->cfg.cache_dir, v[0].dir);
	path = fx_path(sub, v[0].key);
	assert_int_equal(truncate(path, 60), 0);
	/* Recompiled, never loaded, never fatal; and a good entry again. */
	compile(e, AA_OCI_MODE_ENFORCE, false, 2, &c);
	assert_non_null(strstr(c.warning, "was damaged; recompiled"));
	compiled_free(&c);
	compile(e, AA_OCI_MODE_ENFORCE, true, 2, &c);
	compiled_free(&c);
	free(v);
	free(sub);
	free(path);
}

static void test_unusable_cache(void **state)
{
	struct env *e = *state;
	struct aa_oci_compiled c = {0};

	free(e->cfg.cache_dir);
	e->cfg.cache_dir = strdup("/proc/aa-oci-cache");
	compile(e, AA_OCI_MODE_ENFORCE, false, 1, &c);
	assert_non_null(strstr(c.warning, "policy cache not used"));
	assert_false(c.stored);
	compiled_free(&c);
	compile(e, AA_OCI_MODE_ENFORCE, false, 2, &c);
	compiled_free(&c);
	/* Turned off: compiled each time, nothing to warn about. */
	free(e->cfg.cache_dir);
	e->cfg.cache_dir = NULL;
	compile(e, AA_OCI_MODE_ENFORCE, false, 3, &c);
	assert_string_equal(c.warning, "");
	compiled_free(&c);
}

static void test_uncacheable_source(void **state)
{
	struct env *e = *state;
	struct aa_oci_compiled c = {0};
	char *d = fx_path(e->top, "inc");

	/* An include the key cannot follow: compiled every time. */
	fx_write(e->dir, "web",
		 "include if exists <@{x}/y>\nprofile web {\n  file,\n}\n");
	compile(e, AA_OCI_MODE_ENFORCE, false, 1, &c);
	assert_false(c.stored);
	compiled_free(&c);
	compile(e, AA_OCI_MODE_ENFORCE, false, 2, &c);
	compiled_free(&c);
	free(d);
}

static void test_generated_text(void **state)
{
	struct env *e = *state;
	struct aa_oci_compiled c = {0};
	struct aa_oci_err err = {0};
	const char *text = "profile gen {\n  file,\n}\n";

	assert_int_equal(compile_policy(e->k, &e->cfg, "gen", text,
					AA_OCI_MODE_ENFORCE, NULL, &c, &err),
			 0);
	assert_false(c.from_cache);
	compiled_free(&c);
	assert_int_equal(compile_policy(e->k, &e->cfg, "gen", text,
					AA_OCI_MODE_ENFORCE, NULL, &c, &err),
			 0);
	assert_true(c.from_cache);
	compiled_free(&c);
	/* A parse error names the profile, not a temporary file. */
	assert_int_equal(compile_policy(e->k, &e->cfg, "docker-default",
					"profile gen { bogus }\n",
					AA_OCI_MODE_ENFORCE, NULL, &c, &err),
			 -EBADMSG);
	assert_non_null(strstr(err.text, "failed on docker-default"));
	assert_null(strstr(err.text, "/src."));
}

static void test_load_with_unusable_cache(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};

	/* A read-only cache still starts containers, with a warning. */
	free(e->cfg.cache_dir);
	e->cfg.cache_dir = strdup("/proc/aa-oci-cache");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
				     AA_OCI_MODE_ENFORCE, &res, &err),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_FILE);
	assert_non_null(strstr(res.warning, "policy cache not used"));
	load_result_free(&res);
}

/* The parser's version: asked once per parser file, kept in run_dir. */
static void test_parser_version(void **state)
{
	struct env *e = *state;
	unsigned v[3];
	char *script = fx_path(e->top, "parser"), *memo;

	/* A parser double that says its version and counts the asking. */
	fx_write(e->top, "parser",
		 "#!/bin/sh\necho x >>%s/asked\necho 'AppArmor parser version "
		 "3.0.9'\n"
		 "echo 'Copyright (C) 1999-2008 Novell Inc.'\n",
		 e->top);
	assert_int_equal(chmod(script, 0755), 0);
	free(e->cfg.parser);
	e->cfg.parser = strdup(script);
	assert_int_equal(compile_parser_version(&e->cfg, v), 0);
	assert_int_equal(v[0], 3);
	assert_int_equal(v[1], 0);
	assert_int_equal(v[2], 9);
	assert_int_equal(compile_parser_version(&e->cfg, v), 0);
	memo = fx_read(e->top, "asked", NULL);
	assert_string_equal(memo, "x\n"); /* asked once */
	free(memo);
	memo = fx_read(rundir_path(e->cfg.rundir), "parser", NULL);
	assert_non_null(strstr(memo, "\nparser version 3.0.9\n"));
	free(memo);
	/* A new parser file (an upgrade) is asked again. */
	fx_write(e->top, "parser",
		 "#!/bin/sh\necho x >>%s/asked\necho 'AppArmor parser version "
		 "3.0.10'\n",
		 e->top);
	assert_int_equal(compile_parser_version(&e->cfg, v), 0);
	assert_int_equal(v[2], 10);
	/* One that says no version. */
	fx_write(e->top, "parser", "#!/bin/sh\necho hello\n");
	assert_int_equal(compile_parser_version(&e->cfg, v), -EBADMSG);
	free(script);
}

static void test_parser_propagation_table(void **state)
{
	static const struct {
		unsigned v[3];
		bool ok;
	} cases[] = {
	    {{2, 13, 6}, false}, {{3, 0, 8}, false}, {{3, 0, 9}, false},
	    {{3, 0, 10}, true},	 {{3, 0, 13}, true}, {{3, 1, 3}, false},
	    {{3, 1, 4}, true},	 {{3, 1, 7}, true},  {{3, 2, 0}, true},
	    {{4, 0, 1}, true},	 {{4, 1, 0}, true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		if (compile_parser_propagation_ok(cases[i].v) != cases[i].ok)
			fail_msg("%u.%u.%u: want %d", cases[i].v[0],
				 cases[i].v[1], cases[i].v[2], cases[i].ok);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_miss_then_hit),
	    T(test_changes_miss),
	    T(test_namespace_own_entry),
	    T(test_corrupt_entry),
	    T(test_unusable_cache),
	    T(test_uncacheable_source),
	    T(test_generated_text),
	    T(test_load_with_unusable_cache),
	    T(test_parser_version),
	    cmocka_unit_test(test_parser_propagation_table),
	};

	return cmocka_run_group_tests_name("compile", tests, NULL, NULL);
}
