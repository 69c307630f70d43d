/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci-exec's plan (options, bundle, seccomp) and the first steps of
 * applying it. Setting the label needs a real AppArmor kernel: tests/vm.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/exec.h"

struct env {
	char *top, *fs, *bundle, *profiles, *config;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char *parser = fx_repo_path("tests/data/parsers/kernel-sim");
	char *run;

	e->top = fx_tmpdir();
	e->fs = fx_apparmorfs("loaded (enforce)\n");
	e->bundle = fx_path(e->top, "bundle");
	e->profiles = fx_path(e->top, "profiles");
	e->config = fx_path(e->top, "config.json");
	run = fx_path(e->top, "run");
	mkdir(e->bundle, 0755);
	mkdir(e->profiles, 0755);
	fx_write(e->profiles, "web", "profile web {\n  file,\n}\n");
	fx_write(e->top, "config.json",
		 "{\"profile_dirs\": [\"%s\"], \"parser\": \"%s\", "
		 "\"run_dir\": \"%s\", \"cache_dir\": \"\", "
		 "\"profile_namespace\": \"\"}",
		 e->profiles, parser, run);
	free(parser);
	free(run);
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
	free(e->profiles);
	free(e->config);
	free(e);
	return 0;
}

static struct aa_oci_exec_opts opts(struct env *e)
{
	return (struct aa_oci_exec_opts){
	    .apparmorfs = e->fs,
	    .config_path = e->config,
	    .config_required = true,
	};
}

struct plan_case {
	const char *what;
	const char *profile, *mode, *seccomp_file;
	bool use_bundle, seccomp_default, nnp;
	const char *spec; /* the bundle's config.json */
	int ret;
	const char *want_profile;
	bool want_nnp, want_filter;
	const char *msg;
};

static const struct plan_case plan_cases[] = {
    {"profile by name", "web", NULL, NULL, false, false, false, NULL, 0, "web",
     false, false, NULL},
    {"localhost/ form", "localhost/web", NULL, NULL, false, false, false, NULL,
     0, "web", false, false, NULL},
    {"runtime/default", "runtime/default", NULL, NULL, false, false, false,
     NULL, 0, "docker-default", false, false, NULL},
    {"bad name", "../web", NULL, NULL, false, false, false, NULL, -EINVAL, NULL,
     false, false, "must start with"},
    {"bad mode", "web", "audit", NULL, false, false, false, NULL, -EINVAL, NULL,
     false, false, "use enforce or complain"},
    {"both seccomp options", "web", NULL, "/x", false, true, false, NULL,
     -EINVAL, NULL, false, false, "exclude each other"},
    {"both profile and bundle", "web", NULL, NULL, true, false, false,
     "{\"process\": {}}", -EINVAL, NULL, false, false, "exclude each other"},
    {"seccomp default", "web", NULL, NULL, false, true, true, NULL, 0, "web",
     true, true, NULL},
    {"seccomp file missing", "web", NULL, "/nonexistent.json", false, false,
     false, NULL, -ENOENT, NULL, false, false, "--seccomp /nonexistent.json"},
    {"seccomp file without a filter", "web", NULL,
     "tests/data/oci/runc-spec.json", false, false, false, NULL, -EINVAL, NULL,
     false, false, "no seccomp settings"},
    {"bundle: profile, nnp, seccomp", NULL, NULL, NULL, true, false, false,
     "{\"process\": {\"apparmorProfile\": \"web\", \"noNewPrivileges\": true},"
     " \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\","
     " \"syscalls\": [{\"names\": [\"mount\"], \"action\": "
     "\"SCMP_ACT_ERRNO\"}]}}}",
     0, "web", true, true, NULL},
    {"bundle: annotation", NULL, NULL, NULL, true, false, false,
     "{\"annotations\": {\"aa-oci.profile\": \"localhost/web\"}, \"process\": "
     "{}}",
     0, "web", false, false, NULL},
    {"bundle: nothing asked", NULL, NULL, NULL, true, false, false,
     "{\"process\": {}}", 0, NULL, false, false, NULL},
    {"bundle: unconfined by annotation", NULL, NULL, NULL, true, false, false,
     "{\"annotations\": {\"aa-oci.profile\": \"unconfined\"}, \"process\": {}}",
     -EPERM, NULL, false, false, "does not allow"},
    {"bundle: bad seccomp", NULL, NULL, NULL, true, false, false,
     "{\"process\": {}, \"linux\": {\"seccomp\": {\"defaultAction\": "
     "\"SCMP_ACT_NOTIFY\"}}}",
     -EINVAL, NULL, false, false, "config.json: "},
    {"bundle missing config.json", NULL, NULL, NULL, true, false, false, NULL,
     -ENOENT, NULL, false, false, "config.json"},
};

static void test_plan_table(void **state)
{
	/* a build that hangs fails the binary (SIGALRM) instead */
	alarm(120);
	for (size_t i = 0; i < sizeof(plan_cases) / sizeof(*plan_cases); i++) {
		const struct plan_case *c = &plan_cases[i];
		struct aa_oci_exec_plan p = {0};
		struct aa_oci_err err = {0};
		struct aa_oci_exec_opts o;
		struct env *e;
		int r;

		setup((void **)&e);
		o = opts(e);
		o.profile = c->profile;
		o.mode = c->mode;
		o.seccomp_file = c->seccomp_file;
		o.seccomp_default = c->seccomp_default;
		o.no_new_privs = c->nnp;
		if (c->use_bundle) {
			o.bundle = e->bundle;
			if (c->spec)
				fx_write(e->bundle, "config.json", "%s",
					 c->spec);
		}
		r = exec_plan(&o, &p, &err);
		if (r != c->ret)
			fail_msg("case \"%s\": %d, want %d (%s)", c->what, r,
				 c->ret, err.text);
		if (r == 0) {
			if (c->want_profile
				? !p.profile ||
				      strcmp(p.profile, c->want_profile)
				: p.profile != NULL)
				fail_msg("case \"%s\": profile %s", c->what,
					 p.profile ? p.profile : "-");
			if (p.no_new_privs != c->want_nnp ||
			    (p.filter != NULL) != c->want_filter)
				fail_msg("case \"%s\": nnp %d filter %d",
					 c->what, p.no_new_privs,
					 p.filter != NULL);
			exec_plan_free(&p);
		} else if (c->msg && !strstr(err.text, c->msg)) {
			fail_msg("case \"%s\": \"%s\" lacks \"%s\"", c->what,
				 err.text, c->msg);
		}
		teardown((void **)&e);
	}
	alarm(0);
}

/* issue 12: libseccomp 2.5.4 spins on these two rules; the build's
 * watchdog names the bundle's file and the rule, and kills the process
 * that would run the command (in a child here), instead of hanging. */
static void plan_child(void *arg)
{
	struct aa_oci_exec_plan plan = {0};
	struct aa_oci_err err = {0};

	(void)exec_plan(arg, &plan, &err);
}

static void test_plan_seccomp_spins(void **state)
{
	struct env *e = *state;
	struct aa_oci_exec_opts o = opts(e);
	char out[1024];
	int status;

	fx_write(
	    e->bundle, "config.json", "%s",
	    "{\"process\": {}, \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"write\"], "
	    "\"action\": \"SCMP_ACT_TRAP\", \"args\": [{\"index\": 0, "
	    "\"value\": 0, "
	    "\"op\": \"SCMP_CMP_NE\"}, {\"index\": 2, \"value\": 3, \"op\": "
	    "\"SCMP_CMP_EQ\"}]}, {\"names\": [\"write\"], \"action\": "
	    "\"SCMP_ACT_TRAP\", \"args\": [{\"index\": 0, \"value\": 0, "
	    "\"op\": "
	    "\"SCMP_CMP_NE\"}, {\"index\": 2, \"value\": 18446744073709551615, "
	    "\"op\": \"SCMP_CMP_EQ\"}]}]}}}");
	o.bundle = e->bundle;
	status = fx_child_stderr(plan_child, &o, out, sizeof(out));
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	if (!strstr(out, "/config.json: seccomp: libseccomp did not finish "
			 "within 2000 ms at syscalls[1] (\"write\")"))
		fail_msg("stderr: %s", out);
}

/* The place a name goes: aa-oci's namespace from the root one; plain where
 * the caller is itself confined in a namespace (.ns_level above 0), as the
 * kernel resolves that caller's names inside its own. */
static void test_plan_namespace_level(void **state)
{
	static const struct {
		const char *level; /* NULL: no .ns_level file */
		const char *want;
	} cases[] = {
	    {NULL, ":aa-oci:web"}, {"0\n", ":aa-oci:web"},    {"1\n", "web"},
	    {"2\n", "web"},	   {"junk\n", ":aa-oci:web"},
	};
	struct env *e = *state;
	char *parser = fx_repo_path("tests/data/parsers/kernel-sim");
	char *run = fx_path(e->top, "run");
	char *config = fx_path(e->top, "ns.json");
	char *level = fx_path(e->fs, ".ns_level");

	fx_write(e->top, "ns.json",
		 "{\"profile_dirs\": [\"%s\"], \"parser\": \"%s\", "
		 "\"run_dir\": \"%s\", \"cache_dir\": \"\"}",
		 e->profiles, parser, run);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct aa_oci_exec_opts o = opts(e);
		struct aa_oci_exec_plan p = {0};
		struct aa_oci_err err = {0};

		unlink(level);
		if (cases[i].level)
			fx_write(e->fs, ".ns_level", "%s", cases[i].level);
		o.config_path = config;
		o.profile = "web";
		assert_int_equal(exec_plan(&o, &p, &err), 0);
		print_message(
		    ".ns_level %.*s -> %s\n",
		    cases[i].level ? (int)strcspn(cases[i].level, "\n") : 4,
		    cases[i].level ? cases[i].level : "none", p.profile);
		assert_string_equal(p.profile, cases[i].want);
		exec_plan_free(&p);
	}
	free(level);
	free(config);
	free(parser);
	free(run);
}

static void test_apply_loads_before_label(void **state)
{
	struct env *e = *state;
	struct aa_oci_exec_opts o = opts(e);
	struct aa_oci_exec_plan p = {0};
	struct aa_oci_err err = {0};
	size_t len = 0;
	char *b;

	o.profile = "web";
	assert_int_equal(exec_plan(&o, &p, &err), 0);
	/* This kernel has no AppArmor: the label step fails, after the
	 * profile was loaded; the caller must not exec. */
	assert_true(exec_apply(&o, &p, &err) < 0);
	assert_non_null(strstr(err.text, "AppArmor label"));
	b = fx_read(e->fs, ".replace", &len);
	assert_true(len > 0);
	free(b);
	exec_plan_free(&p);
}

static void test_apply_no_load(void **state)
{
	struct env *e = *state;
	struct aa_oci_exec_opts o = opts(e);
	struct aa_oci_exec_plan p = {0};
	struct aa_oci_err err = {0};
	size_t len = 0;
	char *b;

	o.profile = "web";
	o.no_load = true;
	assert_int_equal(exec_plan(&o, &p, &err), 0);
	assert_true(exec_apply(&o, &p, &err) < 0);
	b = fx_read(e->fs, ".replace", &len);
	assert_int_equal(len, 0);
	free(b);
	exec_plan_free(&p);
}

static void test_apply_unloadable(void **state)
{
	struct env *e = *state;
	struct aa_oci_exec_opts o = opts(e);
	struct aa_oci_exec_plan p = {0};
	struct aa_oci_err err = {0};

	o.profile = "payment-api";
	assert_int_equal(exec_plan(&o, &p, &err), 0);
	assert_int_equal(exec_apply(&o, &p, &err), -ENOENT);
	assert_non_null(strstr(err.text, "not found in"));
	exec_plan_free(&p);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* --- the command line of the binary --- */

/* BUILD/tests/test-exec -> BUILD/aa-oci-exec; NULL if not built. */
static char *exec_binary(void)
{
	char exe[PATH_MAX], *p;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	for (int up = 0; up < 2; up++) {
		if (!(p = strrchr(exe, '/')))
			return NULL;
		*p = '\0';
	}
	p = fx_path(exe, "aa-oci-exec");
	if (access(p, X_OK) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* Run aa-oci-exec with @args after --apparmorfs and --config; its stderr
 * in *ret_err. Returns: the exit status. */
static int run_exec(struct env *e, const char *bin, const char *const *args,
		    char **ret_err)
{
	const char *argv[16] = {"aa-oci-exec", "--apparmorfs", e->fs,
				"--config", e->config};
	char *errf = fx_path(e->top, "exec.err");
	int n = 5, st;
	pid_t pid;

	while (*args)
		argv[n++] = *args++;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd =
		    open(errf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(125);
		execv(bin, (char *const *)argv);
		_exit(125);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	*ret_err = fx_read(e->top, "exec.err", NULL);
	free(errf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* -p is --profile, as in aa-exec: the same profile, the same one line. */
static void test_short_profile_option(void **state)
{
	static const char *const forms[][5] = {
	    {"--profile", "nosuch", "--", "true"},
	    {"--profile=nosuch", "--", "true"},
	    {"-p", "nosuch", "--", "true"},
	    {"-pnosuch", "--", "true"},
	};
	static const struct {
		const char *args[4];
		const char *line;
	} bad[] = {
	    {{"-p"}, "aa-oci-exec: -p needs a value; see aa-oci-exec --help\n"},
	    {{"--bundle"},
	     "aa-oci-exec: --bundle needs a value; see aa-oci-exec --help\n"},
	    {{"-x", "--", "true"},
	     "aa-oci-exec: unknown option -x; see aa-oci-exec --help\n"},
	    {{"--frob=1", "--", "true"},
	     "aa-oci-exec: unknown option --frob; see aa-oci-exec --help\n"},
	    {{"--no-load=1", "--", "true"},
	     "aa-oci-exec: --no-load takes no value; see aa-oci-exec --help\n"},
	};
	struct env *e = *state;
	char *bin = exec_binary(), *first = NULL, *text;

	if (!bin) {
		/* Built alone (make build/tests/test-exec): no binary. */
		skip();
	}
	for (size_t i = 0; i < sizeof(forms) / sizeof(*forms); i++) {
		assert_int_equal(run_exec(e, bin, forms[i], &text), 126);
		if (!strstr(text, "aa-oci-exec: profile \"nosuch\": ") ||
		    strchr(text, '\n') != text + strlen(text) - 1)
			fail_msg("%s: not one line on profile \"nosuch\": %s",
				 forms[i][0], text);
		if (!first)
			first = text;
		else if (strcmp(first, text) != 0)
			fail_msg("%s said \"%s\", --profile \"%s\"",
				 forms[i][0], text, first);
		else
			free(text);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(run_exec(e, bin, bad[i].args, &text), 126);
		assert_string_equal(text, bad[i].line);
		free(text);
	}
	free(first);
	free(bin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plan_table),
	    T(test_plan_seccomp_spins),
	    T(test_plan_namespace_level),
	    T(test_apply_loads_before_label),
	    T(test_apply_no_load),
	    T(test_apply_unloadable),
	    T(test_short_profile_option),
	};

	return cmocka_run_group_tests_name("exec", tests, NULL, NULL);
}
