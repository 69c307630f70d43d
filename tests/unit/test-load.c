/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * load.c: finding sources, compiling with the real apparmor_parser (and
 * test doubles for its failures), loading against a fake securityfs root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/compile.h"
#include "aa-oci/config.h"
#include "aa-oci/load.h"
#include "aa-oci/rundir.h"
#include "aa-oci/util.h"

#define PARSER "/sbin/apparmor_parser"

static const char good_profile[] = "profile %s flags=(attach_disconnected) {\n"
				   "  file,\n"
				   "  deny /etc/shadow r,\n"
				   "}\n";

struct env {
	char *fs;  /* fake apparmorfs */
	char *d1;  /* profile dir 1 */
	char *d2;  /* profile dir 2 */
	char *run; /* run_dir */
	struct aa_oci_config cfg;
	struct aa_oci_kernel *k;
};

static void set_parser(struct env *e, const char *rel)
{
	free(e->cfg.parser);
	e->cfg.parser = rel[0] == '/' ? strdup(rel) : fx_repo_path(rel);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char *tmp = fx_tmpdir();

	e->fs = fx_apparmorfs("already (enforce)\nsoft (complain)\n");
	e->d1 = fx_path(tmp, "d1");
	e->d2 = fx_path(tmp, "d2");
	e->run = fx_path(tmp, "run");
	mkdir(e->d1, 0755);
	mkdir(e->d2, 0755);
	free(tmp);
	assert_int_equal(config_init(&e->cfg), 0);
	strv_free(e->cfg.profile_dirs);
	e->cfg.profile_dirs = calloc(4, sizeof(char *));
	e->cfg.profile_dirs[0] = strdup(e->d1);
	e->cfg.profile_dirs[1] = strdup("/nonexistent/aa-oci-dir");
	e->cfg.profile_dirs[2] = strdup(e->d2);
	assert_int_equal(config_set_run_dir(&e->cfg, e->run), 0);
	free(e->cfg.cache_dir); /* the cache has its own tests */
	e->cfg.cache_dir = NULL;
	set_parser(e, "tests/data/parsers/kernel-sim");
	assert_int_equal(kernel_open(e->fs, &e->k, NULL), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char *top = strdup(e->d1);

	kernel_close(e->k);
	config_free(&e->cfg);
	*strrchr(top, '/') = '\0';
	fx_rm_rf(top);
	fx_rm_rf(e->fs);
	free(top);
	free(e->fs);
	free(e->d1);
	free(e->d2);
	free(e->run);
	free(e);
	return 0;
}

static size_t parser_runs(struct env *e)
{
	size_t n = 0;
	char *s = fx_read(e->fs, "parser-runs", NULL);

	for (char *p = s; p && *p; p++)
		n += *p == '\n';
	free(s);
	return n;
}

static size_t replace_size(struct env *e)
{
	size_t len = 0;
	char *s = fx_read(e->fs, ".replace", &len);

	free(s);
	return len;
}

/* --- load_find_source --- */

static void test_find_named_file_wins(void **state)
{
	struct env *e = *state;
	char *path = NULL;

	/* d1 declares it in another file, d2 has a file named after it. */
	fx_write(e->d1, "other", good_profile, "web");
	fx_write(e->d2, "web", good_profile, "web");
	assert_int_equal(load_find_source(&e->cfg, "web", &path, NULL), 0);
	assert_true(strstr(path, "/d2/web") != NULL);
	free(path);
}

struct decl_case {
	const char *text;
	bool found;
};

static const struct decl_case decl_cases[] = {
    {"profile web {\n}\n", true},
    {"profile web flags=(complain) {\n}\n", true},
    {"  \tprofile   web{\n}\n", true},
    {"profile \"web\" {\n}\n", true},
    {"#include <tunables/global>\nprofile web /usr/bin/web {\n}\n", true},
    {"# profile web {\n", false},
    {"profile webx {\n}\n", false},
    {"profile we {\n}\n", false},
    {"profile \"web {\n", false},
    {"profileweb {\n}\n", false},
    {"/usr/bin/web {\n}\n", false},
    {"", false},
};

static void test_find_declaration_table(void **state)
{
	struct env *e = *state;

	for (size_t i = 0; i < sizeof(decl_cases) / sizeof(*decl_cases); i++) {
		char *path = NULL;
		int r;

		fx_write(e->d2, "some-file", "%s", decl_cases[i].text);
		r = load_find_source(&e->cfg, "web", &path, NULL);
		if (decl_cases[i].found != (r == 0))
			fail_msg("case %zu: %s: got %d", i, decl_cases[i].text,
				 r);
		free(path);
	}
}

static void test_find_skips_backups_and_dirs(void **state)
{
	struct env *e = *state;
	struct aa_oci_err err = {0};
	char *path = NULL, *sub = fx_path(e->d1, "web");

	fx_write(e->d1, "web~", good_profile, "web");
	fx_write(e->d1, ".web.swp", good_profile, "web");
	fx_write(e->d1, "x.dpkg-old", good_profile, "web");
	mkdir(sub, 0755); /* a directory named after it is not a source */
	assert_int_equal(load_find_source(&e->cfg, "web", &path, &err),
			 -ENOENT);
	assert_null(path);
	assert_non_null(strstr(err.text, "not found in"));
	assert_non_null(strstr(err.text, e->d1));
	assert_non_null(strstr(err.text, e->d2));
	assert_non_null(strstr(err.text, "\"web\""));
	free(sub);
}

/* --- load_compile --- */

static void test_compile_real_parser(void **state)
{
	struct env *e = *state;
	char *src = fx_path(e->d1, "web"), *out = fx_path(e->d1, "web.bin");
	size_t len = 0;
	char *bin;

	set_parser(e, PARSER);
	fx_write(e->d1, "web", good_profile, "web");
	assert_int_equal(compile_run(&e->cfg, e->fs, src, AA_OCI_MODE_ENFORCE,
				     NULL, out, NULL),
			 0);
	bin = fx_read(e->d1, "web.bin", &len);
	assert_true(len > 100);
	assert_memory_equal(bin, "\x04\x08\x00version", 10);
	free(bin);
	free(src);
	free(out);
}

static void test_compile_syntax_error(void **state)
{
	struct env *e = *state;
	char *src = fx_path(e->d1, "web"), *out = fx_path(e->d1, "web.bin");
	struct aa_oci_err err = {0};

	set_parser(e, PARSER);
	fx_write(e->d1, "web", "profile web {\n  this is not a rule,\n}\n");
	assert_int_equal(compile_run(&e->cfg, e->fs, src, AA_OCI_MODE_ENFORCE,
				     NULL, out, &err),
			 -EBADMSG);
	assert_non_null(strstr(err.text, "failed on"));
	assert_non_null(strstr(err.text, src));
	/* The parser's own words are in the message, on one line. */
	assert_non_null(strstr(err.text, "AppArmor parser error"));
	assert_null(strchr(err.text, '\n'));
	free(src);
	free(out);
}

static void test_compile_failures(void **state)
{
	struct env *e = *state;
	struct aa_oci_err err = {0};

	set_parser(e, "tests/data/parsers/fail");
	assert_int_equal(compile_run(&e->cfg, e->fs, "/x", AA_OCI_MODE_ENFORCE,
				     NULL, "/tmp/never", &err),
			 -EBADMSG);
	assert_non_null(
	    strstr(err.text, "(exit 1): AppArmor parser error for"));
	assert_non_null(strstr(err.text, "syntax error second line"));

	set_parser(e, "/nonexistent/apparmor_parser");
	assert_int_equal(compile_run(&e->cfg, e->fs, "/x", AA_OCI_MODE_ENFORCE,
				     NULL, "/tmp/never", &err),
			 -ENOENT);
	assert_non_null(
	    strstr(err.text, "not found; install the apparmor package"));

	set_parser(e, "tests/data/parsers/slow");
	e->cfg.parser_timeout_ms = 200;
	assert_int_equal(compile_run(&e->cfg, e->fs, "/x", AA_OCI_MODE_ENFORCE,
				     NULL, "/tmp/never", &err),
			 -ETIMEDOUT);
	assert_non_null(strstr(err.text, "did not finish within 200 ms"));
	assert_non_null(strstr(err.text, "parser_timeout_ms"));
}

/* --- load_ensure --- */

static void test_ensure_already_loaded(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};

	/* Loaded in enforce mode: nothing compiled, whatever mode is asked. */
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "already",
				     AA_OCI_MODE_ENFORCE, &res, NULL),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_ALREADY);
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "already",
				     AA_OCI_MODE_COMPLAIN, &res, NULL),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_ALREADY);
	assert_int_equal(res.mode, AA_OCI_MODE_ENFORCE);
	/* Loaded in complain mode and complain asked: kept. */
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "soft",
				     AA_OCI_MODE_COMPLAIN, &res, NULL),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_ALREADY);
	assert_int_equal(parser_runs(e), 0);
	assert_int_equal(replace_size(e), 0);
	/* No lock, no run directory: the fast path touches nothing. */
	assert_int_equal(access(e->run, F_OK), -1);
}

/* A mode that is neither enforce nor complain (kill, unconfined, prompt):
 * loaded, kept as it is, on every start; the result says why. */
static void test_ensure_other_mode_is_loaded(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};

	fx_write(e->fs, "profiles", "%s", "killer (kill)\nopen (unconfined)\n");
	fx_write(e->d1, "killer", good_profile, "killer");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK,
					     "killer", AA_OCI_MODE_ENFORCE,
					     &res, NULL),
				 0);
		assert_int_equal(res.action, AA_OCI_LOAD_ALREADY);
		assert_int_equal(res.mode, AA_OCI_MODE_OTHER);
		assert_non_null(
		    strstr(res.note, "neither enforce nor complain"));
	}
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "open",
				     AA_OCI_MODE_COMPLAIN, &res, NULL),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_ALREADY);
	assert_int_equal(parser_runs(e), 0);
	assert_int_equal(replace_size(e), 0);
}

static void test_ensure_loads_file(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	char *src = fx_path(e->d2, "web");

	fx_write(e->d2, "web", good_profile, "web");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
				     AA_OCI_MODE_ENFORCE, &res, NULL),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_FILE);
	assert_int_equal(res.mode, AA_OCI_MODE_ENFORCE);
	assert_string_equal(res.source, src);
	assert_int_equal(parser_runs(e), 1);
	assert_true(replace_size(e) > 100);
	/* Temporary files are gone; the lock and the records remain. */
	{
		char *cmd;
		FILE *p;
		char line[256];
		size_t n = 0;

		assert_true(asprintf(&cmd, "ls -A '%s'", e->run) > 0);
		p = popen(cmd, "r");
		while (fgets(line, sizeof(line), p)) {
			n++;
			if (strcmp(line, "load.lock\n") &&
			    strcmp(line, "kdir\n") && strcmp(line, "loaded\n"))
				fail_msg("left in run_dir: %s", line);
		}
		pclose(p);
		assert_int_equal(n, 3);
		free(cmd);
	}
	/* The record: who, which mode, from where. */
	{
		struct aa_oci_loaded rec = {0};

		assert_int_equal(rundir_loaded_get(e->cfg.rundir, "web", &rec),
				 0);
		assert_int_equal(rec.by, AA_OCI_BY_HOOK);
		assert_int_equal(rec.mode, AA_OCI_MODE_ENFORCE);
		assert_string_equal(rec.source, src);
		assert_true(rec.time > 0);
		rundir_loaded_free(&rec);
	}
	load_result_free(&res);
	free(src);
}

static void test_ensure_complain_then_enforce(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	char *argv_log;

	fx_write(e->d1, "web", good_profile, "web");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
				     AA_OCI_MODE_COMPLAIN, &res, NULL),
			 0);
	assert_int_equal(res.mode, AA_OCI_MODE_COMPLAIN);
	load_result_free(&res);
	/* Enforce asked while loaded in complain: reloaded, never kept weak. */
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
				     AA_OCI_MODE_ENFORCE, &res, NULL),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_FILE);
	assert_int_equal(parser_runs(e), 2);
	argv_log = fx_read(e->fs, "profiles", NULL);
	assert_non_null(strstr(argv_log, "web (complain)\nweb (enforce)\n"));
	free(argv_log);
	load_result_free(&res);
}

static void test_ensure_generates_builtin(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};

	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK,
				     "docker-default", AA_OCI_MODE_ENFORCE,
				     &res, NULL),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_GENERATED);
	assert_null(res.source);
	assert_int_equal(parser_runs(e), 1);
	assert_true(replace_size(e) > 1000);
	load_result_free(&res);

	/* A file of the same name in a profile dir wins over generating. */
	fx_write(e->d1, "lxc-container-default", good_profile,
		 "lxc-container-default");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK,
				     "lxc-container-default",
				     AA_OCI_MODE_ENFORCE, &res, NULL),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_FILE);
	load_result_free(&res);
}

static void test_ensure_not_found(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};

	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK,
				     "payment-api", AA_OCI_MODE_ENFORCE, &res,
				     &err),
			 -ENOENT);
	assert_non_null(strstr(err.text, "not found in"));
	assert_int_equal(parser_runs(e), 0);
	assert_int_equal(replace_size(e), 0);
}

static void test_ensure_file_lacks_profile(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};

	/* A file named "web" that declares another profile: compiled, and
	 * refused before anything reaches the kernel. */
	fx_write(e->d1, "web", good_profile, "notweb");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
				     AA_OCI_MODE_ENFORCE, &res, &err),
			 -EPERM);
	assert_non_null(strstr(err.text, "declares \"notweb\", not \"web\""));
	assert_int_equal(replace_size(e), 0);
}

/* The check, on what the real parser compiled: a container's request loads
 * exactly the profile it named and that profile's own children. */
static const struct {
	const char *what, *file, *ask, *text;
	int ret;
	const char *says;
} check_cases[] = {
    {"one profile", "web", "web", "profile web {\n  file,\n}\n", 0, NULL},
    {"a profile and its children", "web", "web",
     "profile web {\n  file,\n  profile child {\n    file,\n  }\n  ^hat {\n    "
     "file,\n  }\n}\n",
     0, NULL},
    {"two top-level profiles", "web", "web",
     "profile web {\n  file,\n}\nprofile other {\n  file,\n}\n", -EPERM,
     "\"other\", \"web\", not only \"web\" and its children"},
    {"another name", "web", "web", "profile notweb {\n  file,\n}\n", -EPERM,
     "declares \"notweb\", not \"web\""},
    {"a host-style path name", "usr.sbin.victimd", "usr.sbin.victimd",
     "profile /usr/sbin/victimd {\n  file,\n}\n", -EPERM,
     "declares \"/usr/sbin/victimd\", not \"usr.sbin.victimd\""},
    {"a path name and the asked one", "usr.sbin.victimd", "usr.sbin.victimd",
     "profile usr.sbin.victimd {\n  file,\n}\n/usr/sbin/victimd {\n  "
     "file,\n}\n",
     -EPERM, "not only"},
};

static void test_ensure_checks_compiled_names(void **state)
{
	struct env *e = *state;

	for (size_t i = 0; i < sizeof(check_cases) / sizeof(*check_cases);
	     i++) {
		struct aa_oci_load_result res = {0};
		struct aa_oci_err err = {0};
		int r;

		fx_write(e->fs, ".replace", "%s", "");
		fx_write(e->d1, check_cases[i].file, "%s", check_cases[i].text);
		r = load_ensure(e->k, &e->cfg, AA_OCI_BY_RUNTIME,
				check_cases[i].ask, AA_OCI_MODE_COMPLAIN, &res,
				&err);
		if (r != check_cases[i].ret)
			fail_msg("%s: returned %d, want %d (%s)",
				 check_cases[i].what, r, check_cases[i].ret,
				 err.text);
		if (check_cases[i].says &&
		    !strstr(err.text, check_cases[i].says))
			fail_msg("%s: message \"%s\" lacks \"%s\"",
				 check_cases[i].what, err.text,
				 check_cases[i].says);
		/* A refusal writes nothing to the kernel, in any mode. */
		if (r < 0 && replace_size(e) != 0)
			fail_msg("%s: refused, but .replace was written",
				 check_cases[i].what);
		if (r == 0 && replace_size(e) == 0)
			fail_msg("%s: loaded, but nothing reached .replace",
				 check_cases[i].what);
		load_result_free(&res);
		{
			char *f = fx_path(e->d1, check_cases[i].file);

			unlink(f);
			free(f);
		}
		/* Unloaded again, as the kernel would show it. */
		fx_write(e->fs, "profiles", "%s", "");
		{
			char *pol = fx_path(e->fs, "policy");

			fx_rm_rf(pol);
			free(pol);
		}
	}
}

/* aa-oci reload / enforce / complain: only what aa-oci loaded, unless
 * forced; through the same plan, check and commit. */
static void test_load_again(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};
	enum aa_oci_mode complain = AA_OCI_MODE_COMPLAIN;
	char *list;

	fx_write(e->d1, "web", good_profile, "web");
	/* "already" is in the kernel, not aa-oci's: refused, then forced. */
	fx_write(e->d1, "already", good_profile, "already");
	assert_int_equal(
	    load_again(e->k, &e->cfg, "already", &complain, false, &res, &err),
	    -EPERM);
	assert_non_null(strstr(err.text, "add --force"));
	assert_int_equal(parser_runs(e), 0);
	assert_int_equal(
	    load_again(e->k, &e->cfg, "already", &complain, true, &res, &err),
	    0);
	load_result_free(&res);
	/* aa-oci's own (loaded by a start): complain, then reload keeps it. */
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
				     AA_OCI_MODE_ENFORCE, &res, NULL),
			 0);
	load_result_free(&res);
	assert_int_equal(
	    load_again(e->k, &e->cfg, "web", &complain, false, &res, &err), 0);
	assert_int_equal(res.mode, AA_OCI_MODE_COMPLAIN);
	load_result_free(&res);
	assert_int_equal(
	    load_again(e->k, &e->cfg, "web", NULL, false, &res, &err), 0);
	assert_int_equal(res.mode, AA_OCI_MODE_COMPLAIN);
	load_result_free(&res);
	list = fx_read(e->fs, "profiles", NULL);
	assert_non_null(strstr(list, "already (complain)\nweb (enforce)\nweb "
				     "(complain)\nweb (complain)\n"));
	free(list);
}

/* unload_unused: a profile loaded for containers goes when no recorded
 * container uses it; one loaded by anything else never. */
static void test_unload_unused(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_container c = {
	    .id = (char *)"c1", .profile = (char *)"web", .since = 1};
	struct aa_oci_loaded rec = {0};
	char *removed;

	fx_write(e->d1, "web", good_profile, "web");
	fx_write(e->fs, ".remove", "%s", "");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
				     AA_OCI_MODE_ENFORCE, &res, NULL),
			 0);
	load_result_free(&res);
	assert_int_equal(rundir_container_put(e->cfg.rundir, &c), 0);
	assert_int_equal(load_unload_unused(e->k, &e->cfg, "web", NULL), 0);
	removed = fx_read(e->fs, ".remove", NULL);
	assert_string_equal(removed, "");
	free(removed);
	rundir_container_drop(e->cfg.rundir, "c1");
	assert_int_equal(load_unload_unused(e->k, &e->cfg, "web", NULL), 1);
	removed = fx_read(e->fs, ".remove", NULL);
	assert_string_equal(removed, "web");
	free(removed);
	assert_int_equal(rundir_loaded_get(e->cfg.rundir, "web", &rec),
			 -ENOENT);
	/* "already": in the kernel, no record of aa-oci's: kept. */
	fx_write(e->fs, ".remove", "%s", "");
	assert_int_equal(load_unload_unused(e->k, &e->cfg, "already", NULL), 0);
	/* Loaded by sync: the agent owns it, kept. */
	rec = (struct aa_oci_loaded){.by = AA_OCI_BY_SYNC,
				     .mode = AA_OCI_MODE_ENFORCE};
	assert_int_equal(rundir_loaded_put(e->cfg.rundir, "already", &rec), 0);
	assert_int_equal(load_unload_unused(e->k, &e->cfg, "already", NULL), 0);
	removed = fx_read(e->fs, ".remove", NULL);
	assert_string_equal(removed, "");
	free(removed);
}

static void test_ensure_disabled_loads_nothing(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};
	char *dis = fx_path(e->d1, "disable"), *link = fx_path(dis, "web");

	fx_write(e->d1, "web", good_profile, "web");
	assert_int_equal(mkdir(dis, 0755), 0);
	assert_int_equal(symlink("../web", link), 0);
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
				     AA_OCI_MODE_ENFORCE, &res, &err),
			 -EPERM);
	assert_non_null(strstr(err.text, "is disabled"));
	/* Refused before the parser ran (it would compile nothing for a
	 * disabled file, and that nothing would be cached). */
	assert_int_equal(parser_runs(e), 0);
	assert_int_equal(replace_size(e), 0);
	free(dis);
	free(link);
}

static void test_ensure_parse_error_loads_nothing(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};

	fx_write(e->d1, "web", "profile web {\n  bogus rule here,\n}\n");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
				     AA_OCI_MODE_ENFORCE, &res, &err),
			 -EBADMSG);
	assert_int_equal(replace_size(e), 0);
	assert_non_null(strstr(err.text, "AppArmor parser error"));
}

static void test_ensure_run_dir_unusable(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};

	fx_write(e->d1, "web", good_profile, "web");
	assert_int_equal(
	    config_set_run_dir(&e->cfg, "/proc/aa-oci-cannot-exist"), 0);
	assert_true(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
				AA_OCI_MODE_ENFORCE, &res, &err) < 0);
	assert_non_null(
	    strstr(err.text, "cannot create /proc/aa-oci-cannot-exist"));
	assert_int_equal(replace_size(e), 0);
}

static void test_ensure_concurrent_single_compile(void **state)
{
	struct env *e = *state;
	pid_t pids[4];

	/* The parser double sleeps, so all four starts overlap. */
	fx_write(e->fs, "parser-sleep", "0.3");
	fx_write(e->d1, "web", good_profile, "web");
	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct aa_oci_kernel *k = NULL;
			struct aa_oci_load_result res = {0};

			if (kernel_open(e->fs, &k, NULL) < 0)
				_exit(3);
			_exit(load_ensure(k, &e->cfg, AA_OCI_BY_HOOK, "web",
					  AA_OCI_MODE_ENFORCE, &res, NULL) == 0
				  ? 0
				  : 1);
		}
	}
	for (int i = 0; i < 4; i++) {
		int st;

		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	assert_int_equal(parser_runs(e), 1);
}

/*
 * A start that finds the lock held waits (with a shared lock) and looks
 * again when it is released: loaded by the holder, it is done without a
 * compile; not loaded (the holder failed), it takes the lock and loads.
 */
static void wait_for_holder(struct env *e, bool holder_loads)
{
	struct aa_oci_load_result res = {0};
	char *lockpath = fx_path(e->run, "load.lock");
	int lfd, st, pipefd[2];
	char action;
	pid_t pid;

	fx_write(e->d1, "web", good_profile, "web");
	mkdir(e->run, 0700);
	lfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(lfd >= 0);
	assert_int_equal(flock(lfd, LOCK_EX), 0);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		struct aa_oci_kernel *k = NULL;
		char a;

		close(pipefd[0]);
		if (kernel_open(e->fs, &k, NULL) < 0 ||
		    load_ensure(k, &e->cfg, AA_OCI_BY_HOOK, "web",
				AA_OCI_MODE_ENFORCE, &res, NULL) < 0)
			_exit(1);
		a = (char)('0' + res.action);
		_exit(write(pipefd[1], &a, 1) == 1 ? 0 : 2);
	}
	close(pipefd[1]);
	usleep(200000); /* the child reaches the lock and waits */
	if (holder_loads)
		fx_write(e->fs, "profiles",
			 "already (enforce)\nweb (enforce)\n");
	assert_int_equal(flock(lfd, LOCK_UN), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(read(pipefd[0], &action, 1), 1);
	if (holder_loads) {
		assert_int_equal(action, '0' + AA_OCI_LOAD_ALREADY);
		assert_int_equal(parser_runs(e), 0);
	} else {
		assert_int_equal(action, '0' + AA_OCI_LOAD_FILE);
		assert_int_equal(parser_runs(e), 1);
	}
	close(pipefd[0]);
	close(lfd);
	free(lockpath);
}

static void test_ensure_waiter_finds_it_loaded(void **state)
{
	wait_for_holder(*state, true);
}

static void test_ensure_waiter_loads_after_failed_holder(void **state)
{
	wait_for_holder(*state, false);
}

/* The parser runs at parser_nice (tests/data/parsers/nice reports its
 * priority by failing with it as the message). */
static void test_compile_parser_nice(void **state)
{
	struct env *e = *state;
	struct aa_oci_err err = {0};
	int ours;

	errno = 0;
	ours = getpriority(PRIO_PROCESS, 0);
	assert_int_equal(errno, 0);
	set_parser(e, "tests/data/parsers/nice");
	e->cfg.parser_nice = 7;
	assert_int_equal(compile_run(&e->cfg, e->fs, "/x", AA_OCI_MODE_ENFORCE,
				     NULL, "/tmp/never", &err),
			 -EBADMSG);
	assert_non_null(strstr(err.text, "(exit 1): nice 7 "));
	e->cfg.parser_nice = 3;
	assert_int_equal(compile_run(&e->cfg, e->fs, "/x", AA_OCI_MODE_ENFORCE,
				     NULL, "/tmp/never", &err),
			 -EBADMSG);
	assert_non_null(strstr(err.text, "(exit 1): nice 3 "));
	/* and ours is as it was */
	errno = 0;
	assert_int_equal(getpriority(PRIO_PROCESS, 0), ours);
}

static void test_ensure_remembers_profile_dir(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	char *hint, *kdir = fx_path(e->run, "kdir");

	/* First look: the list, then the directory is found and kept. */
	fx_profdir(e->fs, "already.5", "already", "enforce");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "already",
				     AA_OCI_MODE_ENFORCE, &res, NULL),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_ALREADY);
	hint = fx_read(kdir, "already", NULL);
	assert_string_equal(hint, "already.5");
	free(hint);
	/* Then the list is not read at all: emptied, it changes nothing. */
	fx_write(e->fs, "profiles", "%s", "");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "already",
				     AA_OCI_MODE_ENFORCE, &res, NULL),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_ALREADY);
	assert_int_equal(parser_runs(e), 0);
	/* The directory says complain now, and aa-oci did not load it so:
	 * someone else's mode, kept, and the result says why. */
	fx_profdir(e->fs, "already.5", "already", "complain");
	fx_write(e->d1, "already", "profile already {\n  file,\n}\n");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "already",
				     AA_OCI_MODE_ENFORCE, &res, NULL),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_ALREADY);
	assert_int_equal(res.mode, AA_OCI_MODE_COMPLAIN);
	assert_non_null(strstr(res.note, "set outside aa-oci"));
	assert_int_equal(parser_runs(e), 0);
	/* aa-oci's own complain load (its record says so): made strict. */
	{
		struct aa_oci_loaded rec = {.by = AA_OCI_BY_RUNTIME,
					    .mode = AA_OCI_MODE_COMPLAIN};

		assert_int_equal(
		    rundir_loaded_put(e->cfg.rundir, "already", &rec), 0);
	}
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "already",
				     AA_OCI_MODE_ENFORCE, &res, NULL),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_FILE);
	assert_int_equal(parser_runs(e), 1);
	load_result_free(&res);
	/* A stale hint (the directory now holds another profile) is not
	 * believed: the list decides. */
	fx_write(e->fs, "profiles", "%s", "");
	fx_profdir(e->fs, "already.5", "someone-else", "enforce");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "already",
				     AA_OCI_MODE_ENFORCE, &res, NULL),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_FILE);
	assert_int_equal(parser_runs(e), 2);
	load_result_free(&res);
	free(kdir);
}

/* --- profile_namespace: labels ":NS:NAME" --- */

/* What the parser double was run with, one line a run. */
static char *parser_log(struct env *e)
{
	char *s = fx_read(e->fs, "parser-runs", NULL);

	return s ? s : strdup("");
}

/* The top-level names of what the last write to .replace loaded. */
static void assert_replaced(struct env *e, const char *want)
{
	size_t len = 0;
	char *rep = fx_read(e->fs, ".replace", &len), **names = NULL;

	assert_non_null(rep);
	assert_int_equal(load_policy_names(rep, len, &names), 0);
	if (strcmp(names[0], want) != 0 || names[1])
		fail_msg(".replace loads \"%s\"%s, want \"%s\"", names[0],
			 names[1] ? " and more" : "", want);
	strv_free(names);
	free(rep);
}

static void assert_record(struct env *e, const char *label,
			  enum aa_oci_loader by, enum aa_oci_mode mode)
{
	struct aa_oci_loaded rec = {0};

	if (rundir_loaded_get(e->cfg.rundir, label, &rec) != 0)
		fail_msg("no record of \"%s\"", label);
	assert_int_equal(rec.by, by);
	assert_int_equal(rec.mode, mode);
	rundir_loaded_free(&rec);
}

static void assert_no_record(struct env *e, const char *label)
{
	struct aa_oci_loaded rec = {0};

	if (rundir_loaded_get(e->cfg.rundir, label, &rec) != -ENOENT)
		fail_msg("a record of \"%s\"", label);
}

/* ":aa-oci:web": the source of "web", compiled into the namespace (the
 * real parser, given --namespace), listed and recorded by its label;
 * the next start finds it loaded and compiles nothing. */
static void test_ensure_in_namespace(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};
	char *src = fx_path(e->d2, "web"), *s, *dir = NULL;
	enum aa_oci_mode m;

	fx_write(e->d2, "web", good_profile, "web");
	if (load_ensure(e->k, &e->cfg, AA_OCI_BY_RUNTIME, ":aa-oci:web",
			AA_OCI_MODE_ENFORCE, &res, &err) != 0)
		fail_msg("load_ensure: %s", err.text);
	assert_int_equal(res.action, AA_OCI_LOAD_FILE);
	assert_int_equal(res.mode, AA_OCI_MODE_ENFORCE);
	assert_string_equal(res.source, src);
	assert_null(res.note);
	load_result_free(&res);
	s = parser_log(e);
	assert_string_equal(s, "run --namespace aa-oci\n");
	free(s);
	/* What reached the kernel names the namespace in its header. */
	assert_replaced(e, ":aa-oci:web");
	s = fx_read(e->fs, "profiles", NULL);
	assert_string_equal(
	    s, "already (enforce)\nsoft (complain)\n:aa-oci:web (enforce)\n");
	free(s);
	/* Read back from the namespace's own directory, and remembered. */
	assert_int_equal(rundir_kdir_get(e->cfg.rundir, ":aa-oci:web", &dir),
			 0);
	assert_string_equal(dir, "web.0");
	free(dir);
	/* Recorded under the label; nothing under the bare name. */
	assert_record(e, ":aa-oci:web", AA_OCI_BY_RUNTIME, AA_OCI_MODE_ENFORCE);
	{
		struct aa_oci_loaded rec = {0};

		assert_int_equal(
		    rundir_loaded_get(e->cfg.rundir, ":aa-oci:web", &rec), 0);
		assert_string_equal(rec.source, src);
		rundir_loaded_free(&rec);
	}
	assert_no_record(e, "web");
	assert_int_equal(kernel_profile_state(e->k, NULL, "web", &m), -ENOENT);
	/* Loaded: ALREADY, no parser run, nothing written. */
	fx_write(e->fs, ".replace", "%s", "");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_RUNTIME,
					     ":aa-oci:web", AA_OCI_MODE_ENFORCE,
					     &res, &err),
				 0);
		assert_int_equal(res.action, AA_OCI_LOAD_ALREADY);
		assert_int_equal(res.mode, AA_OCI_MODE_ENFORCE);
	}
	assert_int_equal(parser_runs(e), 1);
	assert_int_equal(replace_size(e), 0);
	/* Complain asked while aa-oci's own load is enforce: kept strict. */
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_RUNTIME,
				     ":aa-oci:web", AA_OCI_MODE_COMPLAIN, &res,
				     &err),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_ALREADY);
	assert_int_equal(parser_runs(e), 1);
	free(src);
}

/* A built-in default, generated into the namespace. */
static void test_ensure_generates_in_namespace(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};
	char *s;

	if (load_ensure(e->k, &e->cfg, AA_OCI_BY_EXEC, ":aa-oci:docker-default",
			AA_OCI_MODE_ENFORCE, &res, &err) != 0)
		fail_msg("load_ensure: %s", err.text);
	assert_int_equal(res.action, AA_OCI_LOAD_GENERATED);
	assert_null(res.source);
	assert_replaced(e, ":aa-oci:docker-default");
	s = parser_log(e);
	assert_string_equal(s, "run --namespace aa-oci\n");
	free(s);
	assert_record(e, ":aa-oci:docker-default", AA_OCI_BY_EXEC,
		      AA_OCI_MODE_ENFORCE);
	assert_no_record(e, "docker-default");
	load_result_free(&res);
}

/* "web" and ":aa-oci:web" are two profiles: loading one never makes the
 * other loaded, each has its own record, unloading one keeps the other. */
static void test_namespace_and_root_coexist(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};
	enum aa_oci_mode m;
	size_t len = 0;
	char *s;

	fx_write(e->d1, "web", good_profile, "web");
	fx_write(e->fs, ".remove", "%s", "");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
				     AA_OCI_MODE_ENFORCE, &res, &err),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_FILE);
	load_result_free(&res);
	assert_replaced(e, "web");
	assert_int_equal(
	    kernel_profile_state(e->k, e->cfg.rundir, ":aa-oci:web", &m),
	    -ENOENT);
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_RUNTIME,
				     ":aa-oci:web", AA_OCI_MODE_COMPLAIN, &res,
				     &err),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_FILE);
	assert_int_equal(res.mode, AA_OCI_MODE_COMPLAIN);
	load_result_free(&res);
	assert_replaced(e, ":aa-oci:web");
	s = parser_log(e);
	assert_string_equal(s, "run\nrun --namespace aa-oci\n");
	free(s);
	s = fx_read(e->fs, "profiles", NULL);
	assert_non_null(strstr(s, "\nweb (enforce)\n:aa-oci:web (complain)\n"));
	free(s);
	/* Each in its own mode, from its own directory. */
	assert_int_equal(kernel_profile_state(e->k, e->cfg.rundir, "web", &m),
			 0);
	assert_int_equal(m, AA_OCI_MODE_ENFORCE);
	assert_int_equal(
	    kernel_profile_state(e->k, e->cfg.rundir, ":aa-oci:web", &m), 0);
	assert_int_equal(m, AA_OCI_MODE_COMPLAIN);
	assert_record(e, "web", AA_OCI_BY_HOOK, AA_OCI_MODE_ENFORCE);
	assert_record(e, ":aa-oci:web", AA_OCI_BY_RUNTIME,
		      AA_OCI_MODE_COMPLAIN);
	/* Both loaded: nothing compiled for either. */
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
				     AA_OCI_MODE_ENFORCE, &res, &err),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_ALREADY);
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_RUNTIME,
				     ":aa-oci:web", AA_OCI_MODE_COMPLAIN, &res,
				     &err),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_ALREADY);
	assert_int_equal(parser_runs(e), 2);
	/* Unloading the root one writes its name, keeps the other's record. */
	assert_int_equal(load_unload(e->k, &e->cfg, "web", &err), 0);
	s = fx_read(e->fs, ".remove", &len);
	assert_int_equal(len, 4);
	assert_memory_equal(s, "web\0", 4);
	free(s);
	assert_no_record(e, "web");
	assert_record(e, ":aa-oci:web", AA_OCI_BY_RUNTIME,
		      AA_OCI_MODE_COMPLAIN);
}

/* A per-container copy of a profile, in the namespace. */
static void test_copy_in_namespace(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};
	enum aa_oci_mode m;
	char *s, *src = fx_path(e->d1, "web");

	fx_write(e->d1, "web", good_profile, "web");
	if (load_copy(e->k, &e->cfg, AA_OCI_BY_RUNTIME, ":aa-oci:web",
		      ":aa-oci:web--aa-oci-c1", &res, &err) != 0)
		fail_msg("load_copy: %s", err.text);
	assert_int_equal(res.action, AA_OCI_LOAD_FILE);
	assert_int_equal(res.mode, AA_OCI_MODE_COMPLAIN);
	assert_string_equal(res.source, src);
	load_result_free(&res);
	assert_replaced(e, ":aa-oci:web--aa-oci-c1");
	s = parser_log(e);
	assert_string_equal(s, "run --namespace aa-oci\n");
	free(s);
	s = fx_read(e->fs, "profiles", NULL);
	assert_non_null(strstr(s, "\n:aa-oci:web--aa-oci-c1 (complain)\n"));
	free(s);
	assert_record(e, ":aa-oci:web--aa-oci-c1", AA_OCI_BY_RUNTIME,
		      AA_OCI_MODE_COMPLAIN);
	assert_no_record(e, "web--aa-oci-c1");
	/* The base is not loaded by its copy, in either namespace. */
	assert_int_equal(kernel_profile_state(e->k, NULL, ":aa-oci:web", &m),
			 -ENOENT);
	assert_int_equal(kernel_profile_state(e->k, NULL, "web", &m), -ENOENT);
	/* There: ALREADY, nothing compiled. */
	assert_int_equal(load_copy(e->k, &e->cfg, AA_OCI_BY_RUNTIME,
				   ":aa-oci:web", ":aa-oci:web--aa-oci-c1",
				   &res, &err),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_ALREADY);
	assert_int_equal(parser_runs(e), 1);
	/* A copy of a built-in default. */
	if (load_copy(e->k, &e->cfg, AA_OCI_BY_RUNTIME,
		      ":aa-oci:docker-default",
		      ":aa-oci:docker-default--aa-oci-c2", &res, &err) != 0)
		fail_msg("load_copy: %s", err.text);
	assert_int_equal(res.action, AA_OCI_LOAD_GENERATED);
	assert_replaced(e, ":aa-oci:docker-default--aa-oci-c2");
	load_result_free(&res);
	free(src);
}

/* `aa-oci unload --all`: one write of ":NS:" (with the NUL libapparmor
 * ends a name with), and only the namespace's records go. */
static void test_unload_namespace(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_loaded other = {.by = AA_OCI_BY_SYNC,
				      .mode = AA_OCI_MODE_ENFORCE};
	struct aa_oci_err err = {0};
	size_t n = 99, len = 0;
	char *s;

	fx_write(e->d1, "web", good_profile, "web");
	fx_write(e->d1, "db", good_profile, "db");
	fx_write(e->fs, ".remove", "%s", "");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
				     AA_OCI_MODE_ENFORCE, &res, &err),
			 0);
	load_result_free(&res);
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_RUNTIME,
				     ":aa-oci:web", AA_OCI_MODE_ENFORCE, &res,
				     &err),
			 0);
	load_result_free(&res);
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_EXEC,
				     ":aa-oci:db", AA_OCI_MODE_ENFORCE, &res,
				     &err),
			 0);
	load_result_free(&res);
	/* Records of other namespaces, one whose name starts the same. */
	assert_int_equal(
	    rundir_loaded_put(e->cfg.rundir, ":aa-ocix:web", &other), 0);
	assert_int_equal(rundir_loaded_put(e->cfg.rundir, ":other:db", &other),
			 0);
	assert_int_equal(load_unload_namespace(e->k, &e->cfg, &n, &err), 0);
	assert_int_equal(n, 2);
	s = fx_read(e->fs, ".remove", &len);
	assert_int_equal(len, 9);
	assert_memory_equal(s, ":aa-oci:\0", 9);
	free(s);
	assert_no_record(e, ":aa-oci:web");
	assert_no_record(e, ":aa-oci:db");
	assert_record(e, "web", AA_OCI_BY_HOOK, AA_OCI_MODE_ENFORCE);
	assert_record(e, ":aa-ocix:web", AA_OCI_BY_SYNC, AA_OCI_MODE_ENFORCE);
	assert_record(e, ":other:db", AA_OCI_BY_SYNC, AA_OCI_MODE_ENFORCE);
	/* Again, no record left in it: still one write, none dropped. */
	fx_write(e->fs, ".remove", "%s", "");
	n = 99;
	assert_int_equal(load_unload_namespace(e->k, &e->cfg, &n, &err), 0);
	assert_int_equal(n, 0);
	s = fx_read(e->fs, ".remove", &len);
	assert_int_equal(len, 9);
	free(s);
	assert_int_equal(parser_runs(e), 3);
}

/* With profile_namespace "" there is no namespace of aa-oci's to unload:
 * refused before anything is written or dropped. */
static void test_unload_namespace_none_set(void **state)
{
	struct env *e = *state;
	struct aa_oci_loaded rec = {.by = AA_OCI_BY_HOOK,
				    .mode = AA_OCI_MODE_ENFORCE};
	struct aa_oci_err err = {0};
	size_t n = 99, len = 99;
	char *s;

	fx_write(e->fs, ".remove", "%s", "");
	assert_int_equal(rundir_loaded_put(e->cfg.rundir, ":aa-oci:web", &rec),
			 0);
	for (int i = 0; i < 2; i++) {
		free(e->cfg.profile_namespace);
		e->cfg.profile_namespace = i ? NULL : strdup("");
		assert_int_equal(load_unload_namespace(e->k, &e->cfg, &n, &err),
				 -EINVAL);
		assert_int_equal(err.code, -EINVAL);
		assert_string_equal(
		    err.text, "profile_namespace is empty in the config file, "
			      "so aa-oci has no namespace to unload; name the "
			      "profiles instead");
		assert_int_equal(n, 99);
	}
	s = fx_read(e->fs, ".remove", &len);
	assert_int_equal(len, 0);
	free(s);
	assert_record(e, ":aa-oci:web", AA_OCI_BY_HOOK, AA_OCI_MODE_ENFORCE);
}

/* sync's load into a namespace: the names come back as labels, and which
 * of them this load brought is judged by label. */
static void test_load_file_into_namespace(void **state)
{
	struct env *e = *state;
	char *path = fx_path(e->d1, "web"), *s;
	char **names = NULL, **fresh = NULL;
	struct aa_oci_err err = {0};

	fx_write(e->d1, "web", good_profile, "web");
	if (load_file(e->k, &e->cfg, path, AA_OCI_MODE_ENFORCE, "aa-oci",
		      &names, &fresh, &err) != 0)
		fail_msg("load_file: %s", err.text);
	assert_string_equal(names[0], ":aa-oci:web");
	assert_null(names[1]);
	assert_string_equal(fresh[0], ":aa-oci:web");
	assert_null(fresh[1]);
	strv_free(names);
	strv_free(fresh);
	assert_replaced(e, ":aa-oci:web");
	assert_record(e, ":aa-oci:web", AA_OCI_BY_SYNC, AA_OCI_MODE_ENFORCE);
	assert_no_record(e, "web");
	/* Again: the kernel had it, this load did not bring it. */
	assert_int_equal(load_file(e->k, &e->cfg, path, AA_OCI_MODE_ENFORCE,
				   "aa-oci", &names, &fresh, &err),
			 0);
	assert_string_equal(names[0], ":aa-oci:web");
	assert_null(fresh[0]);
	strv_free(names);
	strv_free(fresh);
	/* Into the root namespace: another profile, brought by this load. */
	assert_int_equal(load_file(e->k, &e->cfg, path, AA_OCI_MODE_ENFORCE,
				   NULL, &names, &fresh, &err),
			 0);
	assert_string_equal(names[0], "web");
	assert_string_equal(fresh[0], "web");
	assert_null(fresh[1]);
	strv_free(names);
	strv_free(fresh);
	assert_replaced(e, "web");
	s = parser_log(e);
	assert_string_equal(
	    s, "run --namespace aa-oci\nrun --namespace aa-oci\nrun\n");
	free(s);
	free(path);
}

/* A file that names a namespace of its own, synced into the root one:
 * refused before anything reaches the kernel. */
static void test_load_file_other_namespace_into_root(void **state)
{
	struct env *e = *state;
	char *path = fx_path(e->d1, "x"), *want;
	char **names = NULL;
	struct aa_oci_err err = {0};

	fx_write(e->d1, "x", "profile :other:x {\n  file,\n}\n");
	assert_int_equal(load_file(e->k, &e->cfg, path, AA_OCI_MODE_ENFORCE,
				   NULL, &names, NULL, &err),
			 -EOPNOTSUPP);
	assert_null(names);
	assert_int_equal(err.code, -EOPNOTSUPP);
	assert_true(
	    asprintf(&want,
		     "%s declares \":other:x\", in a policy namespace of its "
		     "own; aa-oci sync loads a directory into the root "
		     "namespace: move the file or name the profile without one",
		     path) > 0);
	assert_string_equal(err.text, want);
	assert_int_equal(replace_size(e), 0);
	assert_no_record(e, ":other:x");
	free(want);
	/* aa-oci's own namespace named in the file, synced into the root
	 * one: the same. */
	fx_write(e->d1, "x", "profile :aa-oci:x {\n  file,\n}\n");
	assert_int_equal(load_file(e->k, &e->cfg, path, AA_OCI_MODE_ENFORCE,
				   NULL, &names, NULL, &err),
			 -EOPNOTSUPP);
	assert_true(
	    asprintf(&want,
		     "%s declares \":aa-oci:x\", in a policy namespace of its "
		     "own; aa-oci sync loads a directory into the root "
		     "namespace: move the file or name the profile without one",
		     path) > 0);
	assert_string_equal(err.text, want);
	assert_int_equal(replace_size(e), 0);
	free(want);
	free(path);
}

/*
 * A file that names another namespace, synced into aa-oci's: it must be
 * refused (-EOPNOTSUPP) as it is when synced into the root namespace.
 * (apparmor_parser's --namespace wins over the namespace a declaration
 * names: the compiled header says "aa-oci", and load.c puts the source's
 * own namespace back before the check.)
 */
static void test_load_file_other_namespace_into_namespace(void **state)
{
	struct env *e = *state;
	char *path = fx_path(e->d1, "x"), *want;
	char **names = NULL;
	struct aa_oci_err err = {0};
	int r;

	fx_write(e->d1, "x", "profile :other:x {\n  file,\n}\n");
	r = load_file(e->k, &e->cfg, path, AA_OCI_MODE_ENFORCE, "aa-oci",
		      &names, NULL, &err);
	assert_int_equal(r, -EOPNOTSUPP);
	assert_null(names);
	assert_true(
	    asprintf(&want,
		     "%s declares \":other:x\", in a policy namespace of its "
		     "own; aa-oci sync loads a directory into namespace "
		     "\"aa-oci\": move the file or name the profile without "
		     "one",
		     path) > 0);
	assert_string_equal(err.text, want);
	assert_int_equal(replace_size(e), 0);
	free(want);
	free(path);
}

/*
 * The source found for "web" declares `profile :other:web`: a container's
 * load takes exactly the profile it asked for, so it is refused, in the
 * root namespace and in aa-oci's alike.
 */
static void test_ensure_source_names_other_namespace(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};
	int r;

	fx_write(e->d1, "web", "profile :other:web {\n  file,\n}\n");
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_RUNTIME, "web",
				     AA_OCI_MODE_ENFORCE, &res, &err),
			 -EPERM);
	assert_non_null(
	    strstr(err.text, "declares \":other:web\", not \"web\""));
	assert_int_equal(replace_size(e), 0);
	err = (struct aa_oci_err){0};
	r = load_ensure(e->k, &e->cfg, AA_OCI_BY_RUNTIME, ":aa-oci:web",
			AA_OCI_MODE_ENFORCE, &res, &err);
	assert_int_equal(r, -EPERM);
	assert_non_null(
	    strstr(err.text, "declares \":other:web\", not \":aa-oci:web\""));
	assert_int_equal(replace_size(e), 0);
}

/*
 * Long names in the namespace. A record's file name is the label with ':'
 * written as "%3A", at most 255 bytes: ":aa-oci:" and a name of 243 bytes
 * is the longest aa-oci can record as its own. That one loads and is
 * recorded (a later enforce request makes aa-oci's own complain load
 * strict); one byte more is refused before anything is compiled, rather
 * than loaded and then read as someone else's.
 */
static void test_ensure_in_namespace_long_name(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};
	char name[245], *label;

	memset(name, 'a', 244);
	name[244] = '\0';
	assert_true(asprintf(&label, ":aa-oci:%s", name) > 0);
	fx_write(e->d1, name, good_profile, name);
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_RUNTIME, label,
				     AA_OCI_MODE_COMPLAIN, &res, &err),
			 -ENAMETOOLONG);
	assert_non_null(strstr(err.text, "(252 bytes) is too long for aa-oci "
					 "to record as its own"));
	assert_int_equal(replace_size(e), 0);
	assert_int_equal(parser_runs(e), 0);
	free(label);

	name[243] = '\0';
	assert_true(asprintf(&label, ":aa-oci:%s", name) > 0);
	fx_write(e->d1, name, good_profile, name);
	if (load_ensure(e->k, &e->cfg, AA_OCI_BY_RUNTIME, label,
			AA_OCI_MODE_COMPLAIN, &res, &err) != 0)
		fail_msg("load_ensure: %s", err.text);
	assert_int_equal(res.action, AA_OCI_LOAD_FILE);
	load_result_free(&res);
	assert_replaced(e, label);
	assert_record(e, label, AA_OCI_BY_RUNTIME, AA_OCI_MODE_COMPLAIN);
	assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_RUNTIME, label,
				     AA_OCI_MODE_ENFORCE, &res, &err),
			 0);
	assert_int_equal(res.action, AA_OCI_LOAD_FILE);
	assert_int_equal(res.mode, AA_OCI_MODE_ENFORCE);
	load_result_free(&res);
	free(label);
}

/* The file names aa-oci's namespace itself, synced into it: loaded. */
static void test_load_file_own_namespace_into_namespace(void **state)
{
	struct env *e = *state;
	char *path = fx_path(e->d1, "x");
	char **names = NULL;
	struct aa_oci_err err = {0};

	fx_write(e->d1, "x", "profile :aa-oci:x {\n  file,\n}\n");
	if (load_file(e->k, &e->cfg, path, AA_OCI_MODE_ENFORCE, "aa-oci",
		      &names, NULL, &err) != 0)
		fail_msg("load_file: %s", err.text);
	assert_string_equal(names[0], ":aa-oci:x");
	assert_null(names[1]);
	strv_free(names);
	assert_replaced(e, ":aa-oci:x");
	free(path);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_find_named_file_wins),
	    T(test_find_declaration_table),
	    T(test_find_skips_backups_and_dirs),
	    T(test_compile_real_parser),
	    T(test_compile_syntax_error),
	    T(test_compile_failures),
	    T(test_ensure_already_loaded),
	    T(test_ensure_loads_file),
	    T(test_ensure_complain_then_enforce),
	    T(test_ensure_generates_builtin),
	    T(test_ensure_not_found),
	    T(test_ensure_file_lacks_profile),
	    T(test_ensure_checks_compiled_names),
	    T(test_ensure_other_mode_is_loaded),
	    T(test_load_again),
	    T(test_unload_unused),
	    T(test_ensure_disabled_loads_nothing),
	    T(test_ensure_parse_error_loads_nothing),
	    T(test_ensure_run_dir_unusable),
	    T(test_ensure_waiter_finds_it_loaded),
	    T(test_ensure_waiter_loads_after_failed_holder),
	    T(test_compile_parser_nice),
	    T(test_ensure_concurrent_single_compile),
	    T(test_ensure_remembers_profile_dir),
	    T(test_ensure_in_namespace),
	    T(test_ensure_generates_in_namespace),
	    T(test_namespace_and_root_coexist),
	    T(test_copy_in_namespace),
	    T(test_unload_namespace),
	    T(test_unload_namespace_none_set),
	    T(test_load_file_into_namespace),
	    T(test_load_file_other_namespace_into_root),
	    T(test_load_file_other_namespace_into_namespace),
	    T(test_load_file_own_namespace_into_namespace),
	    T(test_ensure_source_names_other_namespace),
	    T(test_ensure_in_namespace_long_name),
	};

	return cmocka_run_group_tests_name("load", tests, NULL, NULL);
}
