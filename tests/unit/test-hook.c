/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hook_run end to end, short of the kernel: state on an fd, a bundle with
 * config.json, a config file, a fake securityfs root and the real parser
 * behind a test double that lists what it compiled.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/hook.h"
#include "aa-oci/rundir.h"

struct env {
	char *top, *fs, *bundle, *dir, *run, *config, *statefile;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char *parser = fx_repo_path("tests/data/parsers/kernel-sim");

	e->top = fx_tmpdir();
	e->fs = fx_apparmorfs("loaded (enforce)\n");
	e->bundle = fx_path(e->top, "bundle");
	e->dir = fx_path(e->top, "profiles");
	e->run = fx_path(e->top, "run");
	e->config = fx_path(e->top, "config.json");
	e->statefile = fx_path(e->top, "state.json");
	mkdir(e->bundle, 0755);
	mkdir(e->dir, 0755);
	fx_write(
	    e->top, "config.json",
	    "{\"profile_dirs\": [\"%s\"], \"parser\": \"%s\", \"run_dir\": "
	    "\"%s\", \"cache_dir\": \"\", \"allow_complain\": true}",
	    e->dir, parser, e->run);
	fx_write(e->dir, "web", "profile web {\n  file,\n}\n");
	free(parser);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fx_rm_rf(e->top);
	fx_rm_rf(e->fs);
	free(e->top);
	free(e->fs);
	free(e->bundle);
	free(e->dir);
	free(e->run);
	free(e->config);
	free(e->statefile);
	free(e);
	return 0;
}

/* Write the state with @extra JSON members and the bundle's config.json. */
static void bundle(struct env *e, const char *extra, const char *spec)
{
	fx_write(e->top, "state.json",
		 "{\"ociVersion\": \"1.0.2\", \"id\": \"3f2a9c1b7e04aa55bb\", "
		 "\"status\": \"creating\", \"pid\": 42, \"bundle\": \"%s\"%s}",
		 e->bundle, extra);
	if (spec)
		fx_write(e->bundle, "config.json", "%s", spec);
}

static int run(struct env *e, const char *stage, struct aa_oci_hook_report *rep,
	       struct aa_oci_err *err)
{
	struct aa_oci_hook_opts o = {
	    .apparmorfs = e->fs,
	    .config_path = e->config,
	    .config_required = true,
	    .stage = stage,
	};
	int fd = open(e->statefile, O_RDONLY | O_CLOEXEC);
	int r;

	assert_true(fd >= 0);
	err->code = 0;
	err->text[0] = '\0';
	r = hook_run(&o, fd, rep, err);
	close(fd);
	return r;
}

struct hook_case {
	const char *what;
	const char *stage;
	const char *state_extra; /* JSON members added to the state */
	const char *spec;	 /* config.json; NULL: none written */
	int ret;
	const char *profile; /* report.profile, NULL for none */
	bool loaded;
	const char *msg; /* a piece the error line must hold */
};

#define SPEC_P(p) "{\"process\": {\"apparmorProfile\": \"" p "\"}}"

static const struct hook_case cases[] = {
    {"profile in a file, not loaded", "createRuntime", "", SPEC_P("web"), 0,
     "web", true, NULL},
    {"prestart stage", "prestart", "", SPEC_P("web"), 0, "web", true, NULL},
    {"createContainer stage", "createContainer", "", SPEC_P("web"), 0, "web",
     true, NULL},
    {"already loaded", "createRuntime", "", SPEC_P("loaded"), 0, "loaded",
     false, NULL},
    {"built-in default generated", "createRuntime", "",
     SPEC_P("docker-default"), 0, "docker-default", true, NULL},
    {"nothing asked", "createRuntime", "", "{\"process\": {}}", 0, NULL, false,
     NULL},
    {"unconfined in the spec", "createRuntime", "", SPEC_P("unconfined"), 0,
     NULL, false, NULL},
    {"annotation agrees with the spec", "createRuntime", "",
     "{\"annotations\": {\"aa-oci.profile\": \"localhost/web\"},"
     " \"process\": {\"apparmorProfile\": \"web\"}}",
     0, "web", true, NULL},
    {"annotation in the state agrees", "createRuntime",
     ", \"annotations\": {\"aa-oci.profile\": \"web\"}", SPEC_P("web"), 0,
     "web", true, NULL},
    {"poststop reads nothing else", "poststop", "", NULL, 0, NULL, false, NULL},
    {"unknown stage", "poststart", "", SPEC_P("web"), -EINVAL, NULL, false,
     "unknown hook stage \"poststart\""},
    {"unknown profile", "createRuntime", "", SPEC_P("payment-api"), -ENOENT,
     "payment-api", false, "not found in"},
    {"annotation, empty spec", "createRuntime", "",
     "{\"annotations\": {\"aa-oci.profile\": \"web\"}, \"process\": {}}",
     -EPERM, "web", false, "process.apparmorProfile is empty"},
    {"annotation, other spec", "createRuntime", "",
     "{\"annotations\": {\"aa-oci.profile\": \"web\"},"
     " \"process\": {\"apparmorProfile\": \"docker-default\"}}",
     -EPERM, "web", false, "aa-oci-runtime"},
    {"unconfined by annotation refused", "createRuntime", "",
     "{\"annotations\": {\"aa-oci.profile\": \"unconfined\"}}", -EPERM, NULL,
     false, "allow_unconfined"},
    {"traversal in the spec", "createRuntime", "", SPEC_P("../../etc/passwd"),
     -EINVAL, NULL, false, "must start with a letter"},
    {"injection in the spec", "createRuntime", "",
     SPEC_P("web { capability, } profile x"), -EINVAL, NULL, false,
     "not allowed"},
    {"bad mode", "createRuntime", "",
     "{\"annotations\": {\"aa-oci.mode\": \"audit\"},"
     " \"process\": {\"apparmorProfile\": \"web\"}}",
     -EINVAL, NULL, false, "use \"enforce\" or \"complain\""},
    {"config.json missing", "createRuntime", "", NULL, -ENOENT, NULL, false,
     "config.json: No such file"},
    {"config.json malformed", "createRuntime", "", "{\"process\": ", -EBADMSG,
     NULL, false, "config.json is not valid JSON"},
    {"state malformed", "createRuntime", ", }", SPEC_P("web"), -EBADMSG, NULL,
     false, "container state is not valid JSON"},
};

static void test_table(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct hook_case *c = &cases[i];
		struct aa_oci_hook_report rep;
		struct aa_oci_err err;
		struct env *e;
		int r;

		setup((void **)&e);
		bundle(e, c->state_extra, c->spec);
		r = run(e, c->stage, &rep, &err);
		if (r != c->ret)
			fail_msg("case \"%s\": returned %d, want %d (%s)",
				 c->what, r, c->ret, err.text);
		if (c->profile ? !rep.profile || strcmp(rep.profile, c->profile)
			       : rep.profile != NULL)
			fail_msg("case \"%s\": profile %s, want %s", c->what,
				 rep.profile ? rep.profile : "(none)",
				 c->profile ? c->profile : "(none)");
		if (rep.loaded != c->loaded)
			fail_msg("case \"%s\": loaded %d", c->what, rep.loaded);
		if (c->msg && !strstr(err.text, c->msg))
			fail_msg("case \"%s\": message \"%s\" lacks \"%s\"",
				 c->what, err.text, c->msg);
		if (r == 0 && strcmp(rep.id, "3f2a9c1b7e04") != 0)
			fail_msg("case \"%s\": id \"%s\"", c->what, rep.id);
		/* A load happened exactly when the report says so. */
		{
			size_t len = 0;
			char *b = fx_read(e->fs, ".replace", &len);

			if ((len > 0) != c->loaded)
				fail_msg("case \"%s\": %zu bytes in .replace",
					 c->what, len);
			free(b);
		}
		hook_report_free(&rep);
		teardown((void **)&e);
	}
}

static void test_complain_mode(void **state)
{
	struct env *e = *state;
	struct aa_oci_hook_report rep;
	struct aa_oci_err err;
	char *profiles;

	/* Complain mode is per container: the shared profile is refused,
	 * with the way to get it. */
	bundle(e, "",
	       "{\"annotations\": {\"aa-oci.mode\": \"complain\"},"
	       " \"process\": {\"apparmorProfile\": \"web\"}}");
	assert_int_equal(run(e, "createRuntime", &rep, &err), -EPERM);
	assert_non_null(strstr(err.text, "run it through aa-oci-runtime"));
	hook_report_free(&rep);
	/* process.apparmorProfile naming this container's private copy: the
	 * copy is loaded in complain mode, the shared profile not at all. */
	bundle(e, "",
	       "{\"annotations\": {\"aa-oci.mode\": \"complain\"},"
	       " \"process\": {\"apparmorProfile\": "
	       "\"web--aa-oci-3f2a9c1b7e04\"}}");
	assert_int_equal(run(e, "createRuntime", &rep, &err), 0);
	assert_true(rep.loaded);
	assert_int_equal(rep.load.mode, AA_OCI_MODE_COMPLAIN);
	profiles = fx_read(e->fs, "profiles", NULL);
	assert_non_null(
	    strstr(profiles, "web--aa-oci-3f2a9c1b7e04 (complain)"));
	assert_null(strstr(profiles, "web ("));
	free(profiles);
	hook_report_free(&rep);
	/* poststop: the copy goes with its container. */
	fx_write(e->fs, ".remove", "%s", "");
	assert_int_equal(run(e, "poststop", &rep, &err), 0);
	hook_report_free(&rep);
	profiles = fx_read(e->fs, ".remove", NULL);
	assert_string_equal(profiles, "web--aa-oci-3f2a9c1b7e04");
	free(profiles);
}

static void test_no_apparmor(void **state)
{
	struct env *e = *state;
	struct aa_oci_hook_report rep;
	struct aa_oci_err err;

	fx_rm_rf(e->fs);
	/* Nothing asked: the kernel is never opened. */
	bundle(e, "", "{\"process\": {}}");
	assert_int_equal(run(e, "createRuntime", &rep, &err), 0);
	hook_report_free(&rep);
	/* A profile asked on a kernel without AppArmor: refused. */
	bundle(e, "", SPEC_P("web"));
	assert_int_equal(run(e, "createRuntime", &rep, &err), -ENOENT);
	assert_non_null(strstr(err.text, "AppArmor is not enabled"));
	assert_string_equal(rep.profile, "web");
	hook_report_free(&rep);
	mkdir(e->fs, 0700); /* for teardown */
}

static void test_config_errors(void **state)
{
	struct env *e = *state;
	struct aa_oci_hook_report rep;
	struct aa_oci_err err;

	bundle(e, "", SPEC_P("web"));
	unlink(e->config);
	assert_int_equal(run(e, "createRuntime", &rep, &err), -ENOENT);
	assert_non_null(strstr(err.text, "config file"));
	assert_non_null(strstr(err.text, e->config));
	hook_report_free(&rep);
	fx_write(e->top, "config.json", "{\"profile_dir\": []}");
	assert_int_equal(run(e, "createRuntime", &rep, &err), -EINVAL);
	assert_non_null(strstr(err.text, "unknown key \"profile_dir\""));
	hook_report_free(&rep);
}

static void test_state_limits(void **state)
{
	struct env *e = *state;
	struct aa_oci_hook_report rep;
	struct aa_oci_err err;
	FILE *f = fopen(e->statefile, "w");

	/* 1 MiB and one byte of state: refused before parsing. */
	fprintf(f, "{\"bundle\": \"%s\", \"x\": \"", e->bundle);
	for (int i = 0; i < (1 << 20); i++)
		fputc('a', f);
	fputs("\"}", f);
	fclose(f);
	assert_int_equal(run(e, "createRuntime", &rep, &err), -E2BIG);
	assert_non_null(strstr(err.text, "larger than 1024 KiB"));
	hook_report_free(&rep);

	fx_write(e->top, "state.json", "{\"id\": \"abc\"}");
	assert_int_equal(run(e, "createRuntime", &rep, &err), -EINVAL);
	assert_non_null(strstr(err.text, "no \"bundle\""));
	hook_report_free(&rep);
}

/*
 * Issue 12: these states went through, the first killing the hook with
 * SIGSEGV and no message (yajl_tree_free recursing 500000 levels), the
 * second with the bundle cut at the NUL and exit 0: a comment hid a quote
 * from the old scan for depth and \u0000. Comments are not JSON.
 */
static void test_state_comment_blinds_checks(void **state)
{
	static const char head[] =
	    "{/*\"*/\"id\":\"x\",\"bundle\":\"/b\",\"x\":";
	static const char comment[] =
	    "container state is not valid JSON: lexical error: probable "
	    "comment found in input text, comments are not enabled.";
	struct env *e = *state;
	struct aa_oci_hook_report rep;
	struct aa_oci_err err;
	size_t n = 500000;
	FILE *f = fopen(e->statefile, "w");

	assert_non_null(f);
	fputs(head, f);
	for (size_t i = 0; i < n; i++)
		fputc('[', f);
	for (size_t i = 0; i < n; i++)
		fputc(']', f);
	fputc('}', f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(run(e, "createRuntime", &rep, &err), -EBADMSG);
	assert_true(fx_json_msg_eq(err.text, comment));
	hook_report_free(&rep);

	fx_write(e->top, "state.json", "%s",
		 "{/*\"*/\"bundle\":\"/a\\u0000b\"}");
	assert_int_equal(run(e, "createRuntime", &rep, &err), -EBADMSG);
	assert_true(fx_json_msg_eq(err.text, comment));
	hook_report_free(&rep);
	/* without the comment: the NUL itself */
	fx_write(e->top, "state.json", "%s", "{\"bundle\":\"/a\\u0000b\"}");
	assert_int_equal(run(e, "createRuntime", &rep, &err), -EBADMSG);
	assert_string_equal(err.text, "container state contains an escaped NUL "
				      "(\\u0000) (line 1, column 22)");
	hook_report_free(&rep);
}

static void test_legacy_bundle_path(void **state)
{
	struct env *e = *state;
	struct aa_oci_hook_report rep;
	struct aa_oci_err err;

	fx_write(e->bundle, "config.json", SPEC_P("web"));
	fx_write(e->top, "state.json",
		 "{\"ociVersion\": \"1.0.0\", \"id\": \"legacy\", "
		 "\"bundlePath\": \"%s\"}",
		 e->bundle);
	assert_int_equal(run(e, "prestart", &rep, &err), 0);
	assert_string_equal(rep.id, "legacy");
	assert_true(rep.loaded);
	hook_report_free(&rep);
}

/* Each container let through is recorded in run_dir (profile, mode, pid,
 * Kubernetes names), and its record goes at poststop. */
static void test_records(void **state)
{
	struct env *e = *state;
	struct aa_oci_hook_report rep;
	struct aa_oci_err err;
	struct aa_oci_rundir *rd = NULL;
	struct aa_oci_container *v = NULL;
	size_t n = 0;

	bundle(
	    e,
	    ", \"annotations\": {\"io.kubernetes.cri.sandbox-namespace\": "
	    "\"shop\"}",
	    "{\"annotations\": {\"io.kubernetes.cri.sandbox-name\": \"pay-0\", "
	    "\"io.kubernetes.cri.container-name\": \"api\"}, "
	    "\"process\": {\"apparmorProfile\": \"web\"}}");
	assert_int_equal(run(e, "createRuntime", &rep, &err), 0);
	hook_report_free(&rep);
	assert_int_equal(rundir_new(e->run, &rd), 0);
	assert_int_equal(rundir_container_list(rd, false, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, "3f2a9c1b7e04aa55bb");
	assert_int_equal(v[0].by, AA_OCI_BY_HOOK);
	assert_string_equal(v[0].profile, "web");
	assert_int_equal(v[0].mode, AA_OCI_MODE_ENFORCE);
	assert_int_equal(v[0].pid, 42);
	assert_string_equal(v[0].bundle, e->bundle);
	assert_string_equal(v[0].k8s_namespace, "shop");
	assert_string_equal(v[0].k8s_pod, "pay-0");
	assert_string_equal(v[0].k8s_container, "api");
	rundir_container_list_free(v, n);
	/* A refused container is not recorded. */
	assert_int_equal(run(e, "poststop", &rep, &err), 0);
	hook_report_free(&rep);
	assert_int_equal(rundir_container_list(rd, false, &v, &n), 0);
	assert_int_equal(n, 0);
	bundle(e, "",
	       "{\"annotations\": {\"aa-oci.profile\": \"web\"}, \"process\": "
	       "{}}");
	assert_true(run(e, "createRuntime", &rep, &err) < 0);
	hook_report_free(&rep);
	assert_int_equal(rundir_container_list(rd, false, &v, &n), 0);
	assert_int_equal(n, 0);
	rundir_free(rd);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table), T(test_complain_mode),
	    T(test_no_apparmor),	  T(test_config_errors),
	    T(test_state_limits),	  T(test_state_comment_blinds_checks),
	    T(test_legacy_bundle_path),	  T(test_records),
	};

	return cmocka_run_group_tests_name("hook", tests, NULL, NULL);
}
