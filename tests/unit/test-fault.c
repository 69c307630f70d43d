/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fault injection: each test breaks one thing aa-oci depends on (the
 * parser, the lock holder, run_dir and cache_dir, the kernel interface,
 * config.json under the wrapper, the files aa-oci wrote) and asserts that
 * nothing was lost and nothing was left half-done or unconfined: the load
 * either succeeds whole or fails with one line and nothing reaches the
 * kernel, no temporary file and no damaged entry is left, and the next
 * start with the fault gone succeeds.
 *
 * Fake parsers are small shell scripts written here; the kernel is the fake
 * securityfs of fixture.h. Faults that need a mount (a full or read-only
 * tmpfs) run in a private mount namespace made by the group setup, so no
 * mount outlives the process whatever happens; they are skipped, with the
 * reason, where mounting is not allowed.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/cache.h"
#include "aa-oci/compile.h"
#include "aa-oci/config.h"
#include "aa-oci/hook.h"
#include "aa-oci/index.h"
#include "aa-oci/kernel.h"
#include "aa-oci/load.h"
#include "aa-oci/oci.h"
#include "aa-oci/rewrite.h"
#include "aa-oci/rundir.h"
#include "aa-oci/runtime.h"
#include "aa-oci/sync.h"
#include "aa-oci/sync-record.h"
#include "aa-oci/util.h"

#define REAL_PARSER "/sbin/apparmor_parser"
#define ID "3f2a9c1b7e04aa55bb"

static const char web_profile[] = "profile web {\n  file,\n"
				  "  deny /etc/shadow r,\n}\n";

/* Mounting needs root and a private mount namespace (group setup). */
static bool can_mount, base_on_tmpfs;
static const char *no_mount_why = "not root";

struct env {
	char *top;
	char *fs;      /* fake apparmorfs */
	char *dir;     /* the profile directory */
	char *run;     /* run_dir */
	char *cache;   /* cache_dir */
	char *bin;     /* fake parsers */
	char *bundle;  /* a bundle (hook, runtime) */
	char *confile; /* a config file for the hook binary */
	struct aa_oci_config cfg;
	struct aa_oci_kernel *k;
	char *mounts[4];
	size_t nmounts;
};

static int group_setup(void **state)
{
	if (fx_group_setup(state) < 0)
		return -1;
	if (geteuid() != 0)
		return 0;
	/* Every mount made here dies with this process. */
	if (unshare(CLONE_NEWNS) < 0) {
		no_mount_why = "no private mount namespace (unshare)";
		return 0;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		no_mount_why = "cannot make / private (mount)";
		return 0;
	}
	can_mount = true;
	/* The tests' files on a tmpfs, as run_dir is: every length of every
	 * entry is written through fsync, which a busy disk makes slow. */
	base_on_tmpfs =
	    mount("tmpfs", fx_base_dir, "tmpfs", 0, "size=64m,mode=0700") == 0;
	return 0;
}

static int group_teardown(void **state)
{
	if (base_on_tmpfs)
		umount2(fx_base_dir, MNT_DETACH);
	return fx_group_teardown(state);
}

static void set_parser(struct env *e, const char *path)
{
	free(e->cfg.parser);
	e->cfg.parser = strdup(path);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char *sim = fx_repo_path("tests/data/parsers/kernel-sim");

	e->top = fx_base_mkdtemp();
	e->fs = fx_apparmorfs("already (enforce)\n");
	e->dir = fx_path(e->top, "profiles");
	e->run = fx_path(e->top, "run");
	e->cache = fx_path(e->top, "cache");
	e->bin = fx_path(e->top, "bin");
	e->bundle = fx_path(e->top, "bundle");
	e->confile = fx_path(e->top, "aa-oci.json");
	mkdir(e->dir, 0755);
	mkdir(e->bin, 0755);
	mkdir(e->bundle, 0755);
	fx_write(e->dir, "web", "%s", web_profile);
	assert_int_equal(config_init(&e->cfg), 0);
	/* The faults are the root namespace's; test-load has the other. */
	free(e->cfg.profile_namespace);
	e->cfg.profile_namespace = strdup("");
	strv_free(e->cfg.profile_dirs);
	e->cfg.profile_dirs = calloc(2, sizeof(char *));
	e->cfg.profile_dirs[0] = strdup(e->dir);
	assert_int_equal(config_set_run_dir(&e->cfg, e->run), 0);
	free(e->cfg.cache_dir);
	e->cfg.cache_dir = strdup(e->cache);
	set_parser(e, sim);
	e->cfg.parser_timeout_ms = 5000;
	assert_int_equal(kernel_open(e->fs, &e->k, NULL), 0);
	free(sim);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	while (e->nmounts > 0) {
		char *m = e->mounts[--e->nmounts];

		umount2(m, MNT_DETACH);
		free(m);
	}
	kernel_close(e->k);
	config_free(&e->cfg);
	fx_rm_rf(e->top);
	fx_rm_rf(e->fs);
	free(e->top);
	free(e->fs);
	free(e->dir);
	free(e->run);
	free(e->cache);
	free(e->bin);
	free(e->bundle);
	free(e->confile);
	free(e);
	return 0;
}

/* A fake parser named @name: a shell script with @body after a prelude
 * that finds the output file ($out) and the source ($src). */
static char *fake_parser(struct env *e, const char *name, const char *fmt, ...)
{
	char *path = fx_path(e->bin, name), *body;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	assert_true(vasprintf(&body, fmt, ap) > 0);
	va_end(ap);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"#!/bin/sh\n"
		"ulimit -c 0\n"
		"out= prev=\n"
		"for a in \"$@\"; do\n"
		"\t[ \"$prev\" = -o ] && out=$a\n"
		"\tprev=$a src=$a\n"
		"done\n"
		"%s\n",
		body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
	free(body);
	return path;
}

static size_t file_size(const char *dir, const char *name)
{
	char *p = fx_path(dir, name);
	struct stat st;
	size_t n = stat(p, &st) == 0 ? (size_t)st.st_size : 0;

	free(p);
	return n;
}

static size_t replace_size(struct env *e)
{
	return file_size(e->fs, ".replace");
}

/* Fail on any temporary file (bin.*, src.*, *.tmp) under @dir. */
static void no_temporaries(const char *dir)
{
	char *cmd, line[512];
	FILE *p;

	assert_true(asprintf(&cmd,
			     "find '%s' \\( -name 'bin.*' -o -name 'src.*' -o "
			     "-name '*.tmp' \\) 2>/dev/null",
			     dir) > 0);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		fail_msg("temporary file left: %s", line);
	pclose(p);
	free(cmd);
}

/* The cache's entries: how many, each whole (a torn one fails). */
static size_t cache_entries(struct env *e)
{
	struct aa_oci_cache_entry *v = NULL;
	size_t n = 0;

	assert_int_equal(cache_list(e->cache, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (!v[i].valid)
			fail_msg("damaged cache entry %s/%s", v[i].dir,
				 v[i].key);
	free(v);
	return n;
}

static int ensure(struct env *e, struct aa_oci_load_result *res,
		  struct aa_oci_err *err)
{
	*res = (struct aa_oci_load_result){0};
	err_clear(err);
	return load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "web",
			   AA_OCI_MODE_ENFORCE, res, err);
}

/* The fault is gone: the next start loads it, whole. */
static void next_start_succeeds(struct env *e)
{
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};
	char *sim = fx_repo_path("tests/data/parsers/kernel-sim");

	set_parser(e, sim);
	if (ensure(e, &res, &err) != 0)
		fail_msg("the next start failed: %s", err.text);
	assert_int_equal(res.action, AA_OCI_LOAD_FILE);
	assert_true(replace_size(e) > 100);
	no_temporaries(e->run);
	no_temporaries(e->cache);
	assert_int_equal(cache_entries(e), 1);
	load_result_free(&res);
	free(sim);
}

/* --- 1. the parser fails in every way a process can --- */

struct parser_case {
	const char *what;
	const char *body;
	int ret;
	const char *says; /* in the error line */
};

static const struct parser_case parser_cases[] = {
    {"killed mid-compile (SIGKILL)",
     "printf 'partial output' >\"$out\"\nkill -KILL $$", -EBADMSG,
     "was killed by signal 9"},
    {"crashing (SIGSEGV)", "printf '\\004\\010' >\"$out\"\nkill -SEGV $$",
     -EBADMSG, "was killed by signal 11"},
    {"hung past parser_timeout_ms",
     "printf 'partial output' >\"$out\"\nexec sleep 30", -ETIMEDOUT,
     "did not finish within 300 ms"},
    {"exit 0, random bytes", "cat \"${0%/*}/random.bin\" >\"$out\"", -EBADMSG,
     "cannot read the profile names in the policy"},
    {"exit 0, empty output", ": >\"$out\"", -ENOENT, "defines no profile"},
    {"exit 0, no output file", "rm -f \"$out\"", -ENOENT,
     "cannot read the policy compiled from"},
    {"exit 0, output truncated to 1 byte",
     REAL_PARSER " \"$@\" && truncate -s 1 \"$out\"", -EBADMSG,
     "cannot read the profile names in the policy"},
    {"exit 0, output truncated to 16 bytes",
     REAL_PARSER " \"$@\" && truncate -s 16 \"$out\"", -ENOENT,
     "defines no profile"},
    {"exit 0, output truncated to half",
     REAL_PARSER
     " \"$@\" && truncate -s $(($(stat -c %s \"$out\") / 2)) \"$out\"",
     -EBADMSG, "cannot read the profile names in the policy"},
    {"exit 0, output without its last byte",
     REAL_PARSER " \"$@\" && truncate -s -1 \"$out\"", -EBADMSG,
     "cannot read the profile names in the policy"},
};

/* Deterministic noise for the parser that "succeeds" with garbage. */
static void write_random(struct env *e)
{
	char *p = fx_path(e->bin, "random.bin");
	FILE *f = fopen(p, "w");
	uint32_t x = 0x12345678;

	assert_non_null(f);
	for (int i = 0; i < 4096; i++) {
		x = x * 1103515245u + 12345u;
		fputc((int)(x >> 16) & 0xff, f);
	}
	fclose(f);
	free(p);
}

static void test_parser_faults(void **state)
{
	struct env *e = *state;
	char *before = fx_read(e->fs, "profiles", NULL);

	write_random(e);
	e->cfg.parser_timeout_ms = 300;
	for (size_t i = 0; i < sizeof(parser_cases) / sizeof(*parser_cases);
	     i++) {
		const struct parser_case *c = &parser_cases[i];
		struct aa_oci_load_result res = {0};
		struct aa_oci_err err = {0};
		char *p = fake_parser(e, "parser", "%s", c->body), *now;
		int r;

		set_parser(e, p);
		/* Twice: a second start must not find anything the first
		 * left (a cache entry, a record). */
		for (int round = 0; round < 2; round++) {
			r = ensure(e, &res, &err);
			if (r != c->ret || !strstr(err.text, c->says))
				fail_msg("%s: returned %d (%s), want %d with "
					 "\"%s\"",
					 c->what, r, err.text, c->ret, c->says);
			assert_null(strchr(err.text, '\n'));
			assert_non_null(strstr(err.text, e->dir));
			load_result_free(&res);
		}
		if (replace_size(e) != 0)
			fail_msg("%s: .replace was written", c->what);
		now = fx_read(e->fs, "profiles", NULL);
		assert_string_equal(now, before);
		free(now);
		if (cache_entries(e) != 0)
			fail_msg("%s: a cache entry was kept", c->what);
		{
			struct aa_oci_loaded rec = {0};

			assert_int_equal(
			    rundir_loaded_get(e->cfg.rundir, "web", &rec),
			    -ENOENT);
		}
		no_temporaries(e->run);
		no_temporaries(e->cache);
		free(p);
	}
	e->cfg.parser_timeout_ms = 5000;
	next_start_succeeds(e);
	free(before);
}

/* A cache entry that holds no readable policy (one an earlier version
 * stored from a parser that exited 0 with nothing) is dropped and the
 * source compiled again, not refused on every start. */
static void test_cache_entry_without_policy(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_err err = {0};
	struct aa_oci_cache_entry *v = NULL;
	struct aa_oci_cache *c = NULL;
	aa_features *f = NULL;
	size_t n = 0;

	/* A good start stores the entry; overwrite it with a well-formed
	 * entry of an empty policy. */
	assert_int_equal(ensure(e, &res, &err), 0);
	load_result_free(&res);
	assert_int_equal(cache_list(e->cache, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(kernel_features(e->k, NULL, &f), 0);
	assert_int_equal(cache_open(e->cache, f, &c, NULL), 0);
	assert_int_equal(cache_put(c, v[0].key, "", 0), 0);
	cache_close(c);
	fx_write(e->fs, ".replace", "%s", "");
	fx_write(e->fs, "profiles", "%s", "");
	{
		char *pol = fx_path(e->fs, "policy");

		fx_rm_rf(pol);
		free(pol);
	}
	if (ensure(e, &res, &err) != 0)
		fail_msg("start with an empty cached policy: %s", err.text);
	assert_false(res.from_cache);
	assert_true(replace_size(e) > 100);
	load_result_free(&res);
	assert_int_equal(cache_entries(e), 1);
	free(v);
}

/* Through the hook binary: the refusal is one line on stderr. */
static char *hook_binary(void)
{
	char exe[PATH_MAX], *p;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	/* BUILD/tests/test-fault -> BUILD/aa-oci-hook */
	if (!(p = strrchr(exe, '/')))
		return NULL;
	*p = '\0';
	if (!(p = strrchr(exe, '/')))
		return NULL;
	*p = '\0';
	p = fx_path(exe, "aa-oci-hook");
	if (access(p, X_OK) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* Run the hook binary on a container asking for "web"; its stderr. */
static int run_hook(struct env *e, char **ret_err)
{
	char *hook = hook_binary(), *cmd, *errf = fx_path(e->top, "hook.err");
	int st;

	fx_write(e->top, "aa-oci.json",
		 "{\"profile_dirs\": [\"%s\"], \"parser\": \"%s\", "
		 "\"parser_timeout_ms\": %ld, \"run_dir\": \"%s\", "
		 "\"cache_dir\": \"%s\"}",
		 e->dir, e->cfg.parser, e->cfg.parser_timeout_ms, e->run,
		 e->cache);
	fx_write(e->bundle, "config.json",
		 "{\"process\": {\"apparmorProfile\": \"web\"}}");
	fx_write(e->top, "state.json",
		 "{\"ociVersion\": \"1.0.2\", \"id\": \"" ID
		 "\", \"status\": \"creating\", \"pid\": 42, "
		 "\"bundle\": \"%s\"}",
		 e->bundle);
	assert_true(asprintf(&cmd,
			     "'%s' --apparmorfs '%s' --config '%s' "
			     "createRuntime <'%s/state.json' 2>'%s'",
			     hook, e->fs, e->confile, e->top, errf) > 0);
	st = system(cmd);
	*ret_err = fx_read(e->top, "hook.err", NULL);
	free(cmd);
	free(hook);
	free(errf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static void test_parser_faults_hook_line(void **state)
{
	struct env *e = *state;
	char *hook = hook_binary();

	if (!hook) {
		/* Built alone (make build/tests/test-fault): no binaries. */
		skip();
	}
	free(hook);
	write_random(e);
	e->cfg.parser_timeout_ms = 300;
	for (size_t i = 0; i < sizeof(parser_cases) / sizeof(*parser_cases);
	     i++) {
		const struct parser_case *c = &parser_cases[i];
		char *p = fake_parser(e, "parser", "%s", c->body), *text;
		struct aa_oci_container rec = {0};

		set_parser(e, p);
		assert_int_equal(run_hook(e, &text), 1);
		if (lines(text) != 1 || !strstr(text, "profile \"web\"") ||
		    !strstr(text, c->says))
			fail_msg("%s: stderr is not one line naming the "
				 "profile and the fault: %s",
				 c->what, text);
		assert_int_equal(replace_size(e), 0);
		/* Refused: no record of a container that never started. */
		assert_int_equal(rundir_container_get(e->cfg.rundir, ID, &rec),
				 -ENOENT);
		free(text);
		free(p);
	}
	no_temporaries(e->run);
	no_temporaries(e->cache);
	assert_int_equal(cache_entries(e), 0);
}

/* Every prefix of a real compiled policy is refused by the reader of its
 * names: a parser that stops short is never loaded. */
static void test_truncated_policy_never_read(void **state)
{
	struct env *e = *state;
	char *src = fx_path(e->dir, "web"), *out = fx_path(e->top, "web.bin");
	char *buf;
	size_t len = 0;

	set_parser(e, REAL_PARSER);
	assert_int_equal(compile_run(&e->cfg, e->fs, src, AA_OCI_MODE_ENFORCE,
				     NULL, out, NULL),
			 0);
	buf = fx_read(e->top, "web.bin", &len);
	assert_true(len > 100);
	for (size_t l = 0; l < len; l++) {
		char **names = NULL;
		int r = load_policy_declared(buf, l, &names);

		if (r == 0)
			fail_msg("a policy cut to %zu of %zu bytes reads as "
				 "declaring \"%s\"",
				 l, len, names[0]);
	}
	free(buf);
	free(src);
	free(out);
}

/* --- 2. the hook killed while it holds load.lock --- */

static void test_killed_holding_lock(void **state)
{
	struct env *e = *state;
	char *sleepy, *pidfile = fx_path(e->top, "parser.pid");
	int lfd, pipefd[2], st;
	pid_t pid, parser_pid = 0;
	char c;

	/* The parser says it started, then waits to be killed. */
	sleepy =
	    fake_parser(e, "parser", "echo $$ >'%s'\nexec sleep 30", pidfile);
	set_parser(e, sleepy);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		struct aa_oci_kernel *k = NULL;
		struct aa_oci_load_result res = {0};

		close(pipefd[0]);
		if (kernel_open(e->fs, &k, NULL) < 0)
			_exit(3);
		(void)load_ensure(k, &e->cfg, AA_OCI_BY_HOOK, "web",
				  AA_OCI_MODE_ENFORCE, &res, NULL);
		_exit(4); /* never: killed while the parser runs */
	}
	close(pipefd[1]);
	/* Wait (bounded) for the parser: the hook holds the lock then. */
	for (int i = 0; i < 500 && access(pidfile, F_OK) < 0; i++)
		usleep(10000);
	assert_int_equal(access(pidfile, F_OK), 0);
	usleep(20000);
	{
		char *lock = fx_path(e->run, "load.lock");

		lfd = open(lock, O_RDWR | O_CLOEXEC);
		assert_true(lfd >= 0);
		free(lock);
	}
	/* Held: a second taker would wait. */
	assert_int_equal(flock(lfd, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	/* The orphaned parser is still running: the kernel released the
	 * lock with the hook anyway. */
	{
		char *s = fx_read(e->top, "parser.pid", NULL);

		parser_pid = (pid_t)atoi(s);
		free(s);
		assert_true(parser_pid > 0);
		assert_int_equal(kill(parser_pid, 0), 0);
	}
	assert_int_equal(flock(lfd, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(flock(lfd, LOCK_UN), 0);
	close(lfd);
	kill(parser_pid, SIGKILL);
	assert_int_equal(read(pipefd[0], &c, 1), 0);
	close(pipefd[0]);
	/* Nothing half-done: nothing loaded, recorded or cached. */
	assert_int_equal(replace_size(e), 0);
	assert_int_equal(cache_entries(e), 0);
	{
		struct aa_oci_loaded rec = {0};

		assert_int_equal(rundir_loaded_get(e->cfg.rundir, "web", &rec),
				 -ENOENT);
	}
	/* The killed start's output file is documented as left (rundir.c:
	 * "harmless and goes with the boot"); the next start proceeds and
	 * leaves none of its own. */
	{
		char *cmd;

		assert_true(asprintf(&cmd, "rm -f '%s'/bin.*", e->run) > 0);
		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	next_start_succeeds(e);
	free(sleepy);
	free(pidfile);
}

/* --- 4. the kernel interface refuses the write --- */

/* Drop the capabilities that let root past file modes (in a child). */
static int drop_dac_override(void)
{
	struct __user_cap_header_struct h = {.version =
						 _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	d[0].effective &= ~((1u << CAP_DAC_OVERRIDE) |
			    (1u << CAP_DAC_READ_SEARCH) | (1u << CAP_FOWNER));
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

struct kernel_case {
	const char *what;
	int err;
	bool nocap;
};

/* The sealed memfd behind .replace (EPERM), closed after its case. */
static int sealed_fd = -1;

/* Make .replace refuse with @c->err. Returns false if it cannot here. */
static bool break_replace(struct env *e, const struct kernel_case *c)
{
	char *rep = fx_path(e->fs, ".replace");
	bool ok = true;

	unlink(rep);
	switch (c->err) {
	case EISDIR:
		assert_int_equal(mkdir(rep, 0755), 0);
		break;
	case ENOSPC:
		assert_int_equal(symlink("/dev/full", rep), 0);
		break;
	case ENOENT:
		break;
	case EACCES:
		fx_write(e->fs, ".replace", "%s", "");
		assert_int_equal(chmod(rep, 0), 0);
		break;
	case EPERM: {
		/* A sealed memfd refuses every write with EPERM; .replace
		 * reaches it through this process's /proc/PID/fd link. */
		char link[64];
		int fd = memfd_create("aa-oci-sealed", MFD_ALLOW_SEALING);

		assert_true(fd >= 0);
		assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), 0);
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)getpid(),
			 fd);
		assert_int_equal(symlink(link, rep), 0);
		sealed_fd = fd;
		break;
	}
	case EROFS: {
		char *ro = fx_path(e->top, "ro"), *f = fx_path(ro, "x");

		if (!can_mount) {
			ok = false;
		} else {
			mkdir(ro, 0755);
			assert_int_equal(
			    mount("tmpfs", ro, "tmpfs", 0, "size=64k"), 0);
			e->mounts[e->nmounts++] = strdup(ro);
			fx_write(ro, "x", "%s", "");
			assert_int_equal(
			    mount(NULL, ro, NULL, MS_REMOUNT | MS_RDONLY, NULL),
			    0);
			assert_int_equal(symlink(f, rep), 0);
		}
		free(ro);
		free(f);
		break;
	}
	default:
		ok = false;
	}
	free(rep);
	return ok;
}

static const struct kernel_case kernel_cases[] = {
    {".replace is a directory", EISDIR, false},
    {".replace is /dev/full", ENOSPC, false},
    {".replace is missing", ENOENT, false},
    {".replace on a read-only mount", EROFS, false},
    {".replace mode 0 and no CAP_DAC_OVERRIDE", EACCES, true},
    {".replace a sealed memfd", EPERM, false},
};

/* hook_run in a child (which may drop capabilities first); its return,
 * report and error come back through a pipe. */
struct hook_out {
	int r;
	char profile[64];
	char text[AA_OCI_ERR_MAX];
};

static void hook_in_child(struct env *e, bool nocap, struct hook_out *out)
{
	int pipefd[2], st;
	pid_t pid;

	fx_write(e->top, "aa-oci.json",
		 "{\"profile_dirs\": [\"%s\"], \"parser\": \"%s\", "
		 "\"run_dir\": \"%s\", \"cache_dir\": \"%s\"}",
		 e->dir, e->cfg.parser, e->run, e->cache);
	fx_write(e->bundle, "config.json",
		 "{\"process\": {\"apparmorProfile\": \"web\"}}");
	fx_write(e->top, "state.json",
		 "{\"ociVersion\": \"1.0.2\", \"id\": \"" ID
		 "\", \"status\": \"creating\", \"pid\": 42, "
		 "\"bundle\": \"%s\"}",
		 e->bundle);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		struct aa_oci_hook_opts o = {.apparmorfs = e->fs,
					     .config_path = e->confile,
					     .config_required = true,
					     .stage = "createRuntime"};
		struct aa_oci_hook_report rep;
		struct aa_oci_err err = {0};
		struct hook_out h = {0};
		char *sp = fx_path(e->top, "state.json");
		int fd = open(sp, O_RDONLY | O_CLOEXEC);

		if (nocap && drop_dac_override() < 0)
			_exit(3);
		h.r = hook_run(&o, fd, &rep, &err);
		snprintf(h.profile, sizeof(h.profile), "%s",
			 rep.profile ? rep.profile : "");
		memcpy(h.text, err.text, sizeof(h.text));
		_exit(write(pipefd[1], &h, sizeof(h)) == sizeof(h) ? 0 : 2);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], out, sizeof(*out)), sizeof(*out));
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_kernel_refuses(void **state)
{
	struct env *e = *state;
	char *rep = fx_path(e->fs, ".replace");
	char *sim = fx_repo_path("tests/data/parsers/kernel-sim");

	for (size_t i = 0; i < sizeof(kernel_cases) / sizeof(*kernel_cases);
	     i++) {
		const struct kernel_case *c = &kernel_cases[i];
		struct aa_oci_container crec = {0};
		struct aa_oci_loaded lrec = {0};
		struct hook_out h;

		if (!break_replace(e, c)) {
			printf("# %s: skipped, %s\n", c->what, no_mount_why);
			continue;
		}
		/* Twice: compiled, then from the cache (whose entry the
		 * refusal must not cost). The real parser: the kernel-sim
		 * double would list the profile as if the write had been
		 * taken. */
		set_parser(e, REAL_PARSER);
		for (int round = 0; round < 2; round++) {
			hook_in_child(e, c->nocap, &h);
			if (h.r != -c->err ||
			    !strstr(h.text, "the kernel refused the policy") ||
			    !strstr(h.text, strerror(c->err)))
				fail_msg("%s: returned %d (%s), want %d",
					 c->what, h.r, h.text, -c->err);
			/* main() prints: ID: profile "web": TEXT */
			assert_string_equal(h.profile, "web");
			assert_null(strchr(h.text, '\n'));
			/* Refused: no container record, nothing recorded
			 * as loaded, the compiled policy kept whole. */
			assert_int_equal(
			    rundir_container_get(e->cfg.rundir, ID, &crec),
			    -ENOENT);
			assert_int_equal(
			    rundir_loaded_get(e->cfg.rundir, "web", &lrec),
			    -ENOENT);
			assert_true(cache_entries(e) <= 1);
			no_temporaries(e->run);
			no_temporaries(e->cache);
		}
		/* The kernel is back: the next start loads it. */
		if (sealed_fd >= 0) {
			close(sealed_fd);
			sealed_fd = -1;
		}
		while (e->nmounts > 0) {
			char *m = e->mounts[--e->nmounts];

			unlink(rep);
			assert_int_equal(umount2(m, MNT_DETACH), 0);
			free(m);
		}
		if (unlink(rep) < 0)
			rmdir(rep);
		fx_write(e->fs, ".replace", "%s", "");
		fx_write(e->fs, "profiles", "%s", "");
		{
			char *pol = fx_path(e->fs, "policy");

			fx_rm_rf(pol);
			free(pol);
		}
		set_parser(e, sim);
		hook_in_child(e, false, &h);
		if (h.r != 0)
			fail_msg("%s: the next start failed: %s", c->what,
				 h.text);
		assert_true(replace_size(e) > 100);
		/* One entry per parser (the key covers it), each whole. */
		assert_int_equal(cache_entries(e), 2);
		/* Forget it for the next case. */
		fx_rm_rf(e->run);
		fx_rm_rf(e->cache);
		fx_write(e->fs, "profiles", "%s", "");
		{
			char *pol = fx_path(e->fs, "policy");

			fx_rm_rf(pol);
			free(pol);
		}
	}
	free(rep);
	free(sim);
}

/* --- 6. power loss: every file aa-oci writes, cut at every length --- */

/* @dir/@name holds exactly the first @len bytes of @buf. */
static void put_bytes(const char *dir, const char *name, const char *buf,
		      size_t len)
{
	char *p = fx_path(dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	free(p);
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && streq(a, b));
}

static void test_torn_loaded_record(void **state)
{
	struct env *e = *state;
	struct aa_oci_loaded rec = {.by = AA_OCI_BY_RUNTIME,
				    .mode = AA_OCI_MODE_COMPLAIN,
				    .source = (char *)"/etc/apparmor.d/web",
				    .time = 1700000000};
	char *dir = fx_path(e->run, "loaded"), *full;
	size_t len = 0;

	memset(rec.key, 'a', 64);
	rec.key[64] = '\0';
	assert_int_equal(rundir_loaded_put(e->cfg.rundir, "web", &rec), 0);
	full = fx_read(dir, "web", &len);
	assert_true(len > 40);
	for (size_t l = 0; l < len; l++) {
		struct aa_oci_loaded got = {0};
		int r;

		put_bytes(dir, "web", full, l);
		r = rundir_loaded_get(e->cfg.rundir, "web", &got);
		if (r == 0 &&
		    (got.by != rec.by || got.mode != rec.mode ||
		     got.time != rec.time || strcmp(got.key, rec.key) != 0 ||
		     !same_str(got.source, rec.source)))
			fail_msg("loaded/web cut to %zu of %zu bytes read as "
				 "valid: %s",
				 l, len, got.source ? got.source : "-");
		rundir_loaded_free(&got);
	}
	free(full);
	free(dir);
}

static bool same_container(const struct aa_oci_container *a,
			   const struct aa_oci_container *b)
{
	return a->by == b->by && a->mode == b->mode && a->pid == b->pid &&
	       a->since == b->since && same_str(a->id, b->id) &&
	       same_str(a->profile, b->profile) &&
	       same_str(a->bundle, b->bundle) &&
	       same_str(a->k8s_namespace, b->k8s_namespace) &&
	       same_str(a->k8s_pod, b->k8s_pod) &&
	       same_str(a->k8s_container, b->k8s_container);
}

/* The container journal (rundir.c): a record, then the same id's second
 * record; cut at every length, a read finds none, the first or the
 * second, each whole, never a cut one. */
static void test_torn_container_record(void **state)
{
	struct env *e = *state;
	struct aa_oci_container c = {.id = (char *)ID,
				     .by = AA_OCI_BY_HOOK,
				     .profile = (char *)"web",
				     .mode = AA_OCI_MODE_ENFORCE,
				     .pid = 4242,
				     .since = 1700000000,
				     .bundle = (char *)"/run/bundles/x",
				     .k8s_namespace = (char *)"default",
				     .k8s_pod = (char *)"pod-1",
				     .k8s_container = (char *)"app"},
				c2 = c;
	char *full;
	size_t len = 0;
	int seen[3] = {0};

	c2.mode = AA_OCI_MODE_COMPLAIN;
	c2.profile = (char *)"web--aa-oci-x";
	assert_int_equal(rundir_container_put(e->cfg.rundir, &c), 0);
	assert_int_equal(rundir_container_put(e->cfg.rundir, &c2), 0);
	full = fx_read(e->run, "containers.journal", &len);
	assert_true(len > 80);
	for (size_t l = 0; l <= len; l++) {
		struct aa_oci_container got = {0};
		int r;

		put_bytes(e->run, "containers.journal", full, l);
		r = rundir_container_get(e->cfg.rundir, ID, &got);
		if (r == -ENOENT)
			seen[0]++;
		else if (r == 0 && same_container(&got, &c))
			seen[1]++;
		else if (r == 0 && same_container(&got, &c2))
			seen[2]++;
		else
			fail_msg("containers.journal cut to %zu of %zu bytes: "
				 "%d, a record neither whole one",
				 l, len, r);
		rundir_container_free(&got);
	}
	/* each outcome at some length: the cuts reached every line */
	assert_true(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
	free(full);
}

/* kdir/NAME is a hint: cut, it points nowhere or at another profile's
 * directory, and the kernel's answer is found again. */
static void test_torn_kdir_hint(void **state)
{
	struct env *e = *state;
	char *dir = fx_path(e->run, "kdir"), *full, *hint = NULL;
	enum aa_oci_mode mode;
	size_t len = 0;

	fx_profdir(e->fs, "web.1", "webx", "complain");
	fx_profdir(e->fs, "web.12", "web", "enforce");
	fx_write(e->fs, "profiles", "%s", "webx (complain)\nweb (enforce)\n");
	assert_int_equal(
	    kernel_profile_state(e->k, e->cfg.rundir, "web", &mode), 0);
	full = fx_read(dir, "web", &len);
	assert_string_equal(full, "web.12");
	for (size_t l = 0; l < len; l++) {
		put_bytes(dir, "web", full, l);
		mode = AA_OCI_MODE_OTHER;
		if (kernel_profile_state(e->k, e->cfg.rundir, "web", &mode) !=
			0 ||
		    mode != AA_OCI_MODE_ENFORCE)
			fail_msg("kdir/web cut to %zu bytes: wrong answer", l);
		/* ... and the hint is whole again. */
		assert_int_equal(rundir_kdir_get(e->cfg.rundir, "web", &hint),
				 0);
		assert_string_equal(hint, "web.12");
		free(hint);
	}
	free(full);
	free(dir);
}

/* keys/: the memo of a source's cache key. */
static void test_torn_key_memo(void **state)
{
	struct env *e = *state;
	char *keys = fx_path(e->run, "keys"), *src = fx_path(e->dir, "web");
	char key[AA_OCI_CACHE_KEY_LEN + 1], again[AA_OCI_CACHE_KEY_LEN + 1];
	char name[300] = "", *full, *now;
	struct aa_oci_cache_inputs in = {
	    .parser = REAL_PARSER,
	    .parser_conf = AA_OCI_PARSER_CONF,
	    .include_dir = AA_OCI_PARSER_INCLUDE_DIR,
	    .mode = AA_OCI_MODE_ENFORCE,
	    .memo_dir = keys,
	};
	struct dirent *de;
	size_t len = 0;
	DIR *d;

	fx_write(e->dir, "web",
		 "include if exists <local/aa-oci-fault-absent>\n%s",
		 web_profile);
	assert_int_equal(mkdir(e->run, 0700), 0);
	assert_int_equal(kernel_features(e->k, NULL, &in.features), 0);
	assert_int_equal(cache_key(&in, src, NULL, key, NULL), 0);
	d = opendir(keys);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			snprintf(name, sizeof(name), "%s", de->d_name);
	closedir(d);
	assert_true(name[0]);
	full = fx_read(keys, name, &len);
	assert_true(len > 100);
	for (size_t l = 0; l < len; l++) {
		put_bytes(keys, name, full, l);
		assert_int_equal(cache_key(&in, src, NULL, again, NULL), 0);
		if (strcmp(again, key) != 0)
			fail_msg("keys/%s cut to %zu of %zu bytes gave another "
				 "key",
				 name, l, len);
		/* Recomputed and kept whole again. */
		now = fx_read(keys, name, NULL);
		assert_string_equal(now, full);
		free(now);
	}
	free(full);
	free(keys);
	free(src);
}

/* parser: the parser's identity and version. */
static void test_torn_parser_memo(void **state)
{
	struct env *e = *state;
	char *p = fake_parser(e, "parser",
			      "echo 'AppArmor parser version 3.0.13'"),
	     *full;
	unsigned v[3];
	size_t len = 0;

	set_parser(e, p);
	assert_int_equal(compile_parser_version(&e->cfg, v), 0);
	full = fx_read(e->run, "parser", &len);
	assert_non_null(strstr(full, "version 3.0.13\n"));
	for (size_t l = 0; l < len; l++) {
		put_bytes(e->run, "parser", full, l);
		v[0] = v[1] = v[2] = 0;
		assert_int_equal(compile_parser_version(&e->cfg, v), 0);
		if (v[0] != 3 || v[1] != 0 || v[2] != 13)
			fail_msg("parser cut to %zu of %zu bytes read as "
				 "version %u.%u.%u",
				 l, len, v[0], v[1], v[2]);
	}
	free(full);
	free(p);
}

/* index: which file declares which profile. */
static void test_torn_index(void **state)
{
	struct env *e = *state;
	static const char *const names[] = {"alpha", "beta", "gamma", "web"};
	static const char *const files[] = {"a", "b", "b", "web"};
	char *full;
	size_t len = 0;
	int dfd;

	fx_write(e->dir, "a", "profile alpha {\n}\n");
	fx_write(e->dir, "b", "profile beta {\n}\nprofile gamma {\n}\n");
	dfd = rundir_fd(e->cfg.rundir, true, NULL);
	assert_true(dfd >= 0);
	for (size_t i = 0; i < 4; i++) {
		char *path = NULL;

		assert_int_equal(index_lookup(e->cfg.profile_dirs, dfd, "index",
					      names[i], &path, NULL, NULL),
				 0);
		free(path);
	}
	full = fx_read(e->run, "index", &len);
	assert_true(len > 100);
	for (size_t l = 0; l < len; l++)
		for (size_t i = 0; i < 4; i++) {
			char *path = NULL, *want = fx_path(e->dir, files[i]);
			int r;

			put_bytes(e->run, "index", full, l);
			r = index_lookup(e->cfg.profile_dirs, dfd, "index",
					 names[i], &path, NULL, NULL);
			if (r != 0 || strcmp(path, want) != 0)
				fail_msg("index cut to %zu of %zu bytes: "
					 "\"%s\" %s",
					 l, len, names[i],
					 r ? strerror(-r) : path);
			free(path);
			free(want);
		}
	free(full);
}

/* sync.state: the profiles the agent loaded and may unload. A cut line
 * must never read as an entry (a wrong file would have the agent unload a
 * profile whose file is still there); a lost whole line is the safe side
 * (that profile is never unloaded by the agent). */
static void test_torn_sync_state(void **state)
{
	struct env *e = *state;
	struct sync_record rec = {0};
	char *full;
	size_t len = 0;
	int dfd = rundir_fd(e->cfg.rundir, true, NULL);

	assert_true(dfd >= 0);
	assert_int_equal(record_set(&rec, "alpha", "/etc/aa/profiles/a"), 0);
	assert_int_equal(record_set(&rec, "beta", "/etc/aa/profiles/b"), 0);
	assert_int_equal(record_set(&rec, "web", "/etc/aa/profiles/web"), 0);
	assert_int_equal(record_write(&rec, dfd), 0);
	full = fx_read(e->run, "sync.state", &len);
	for (size_t l = 0; l < len; l++) {
		struct sync_record got = {0};
		int r;

		put_bytes(e->run, "sync.state", full, l);
		r = record_read(&got, dfd);
		for (size_t i = 0; r == 0 && i < got.n; i++) {
			struct sync_owned *o = record_find(&rec, got.v[i].name);

			if (!o || !streq(o->path, got.v[i].path))
				fail_msg("sync.state cut to %zu of %zu bytes "
					 "reads \"%s\" from %s",
					 l, len, got.v[i].name, got.v[i].path);
		}
		record_free(&got);
	}
	record_free(&rec);
	free(full);
}

/* Cache entries: every cut is refused by the reader, and a start that
 * meets one loads a fresh compile, never the torn bytes. */
static void test_torn_cache_entry(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	struct aa_oci_cache_entry *v = NULL;
	struct aa_oci_cache *c = NULL;
	aa_features *f = NULL;
	char *sub, *full, *good;
	size_t n = 0, len = 0, glen = 0;

	/* The real parser: kernel-sim would list what it compiled. */
	set_parser(e, REAL_PARSER);
	{
		struct aa_oci_compiled cc = {0};
		char *src = fx_path(e->dir, "web");

		assert_int_equal(compile_policy(e->k, &e->cfg, src, NULL,
						AA_OCI_MODE_ENFORCE, NULL, &cc,
						NULL),
				 0);
		assert_true(cc.stored);
		good = malloc(cc.len);
		memcpy(good, cc.buf, cc.len);
		glen = cc.len;
		compiled_free(&cc);
		free(src);
	}
	assert_int_equal(cache_list(e->cache, &v, &n), 0);
	assert_int_equal(n, 1);
	sub = fx_path(e->cache, v[0].dir);
	full = fx_read(sub, v[0].key, &len);
	assert_int_equal(kernel_features(e->k, NULL, &f), 0);
	assert_int_equal(cache_open(e->cache, f, &c, NULL), 0);
	for (size_t l = 0; l < len; l++) {
		char *buf = NULL;
		size_t blen = 0;
		int r;

		put_bytes(sub, v[0].key, full, l);
		r = cache_get(c, v[0].key, &buf, &blen);
		if (r != -EBADMSG)
			fail_msg("cache entry cut to %zu of %zu bytes: %d", l,
				 len, r);
		free(buf);
	}
	cache_close(c);
	/* Through a load, at a few lengths: what reaches .replace is the
	 * whole policy, and the entry is whole again. */
	{
		const size_t cuts[] = {0, 1, 8, 95, 96, 97, len / 2, len - 1};

		for (size_t i = 0; i < sizeof(cuts) / sizeof(*cuts); i++) {
			struct aa_oci_err err = {0};
			char *rep;
			size_t rlen = 0;

			put_bytes(sub, v[0].key, full, cuts[i]);
			fx_write(e->fs, ".replace", "%s", "");
			fx_write(e->fs, "profiles", "%s", "");
			/* Not listed after the write (no kernel here): the
			 * load fails after the commit, which is enough. */
			(void)ensure(e, &res, &err);
			load_result_free(&res);
			rep = fx_read(e->fs, ".replace", &rlen);
			if (rlen != glen || memcmp(rep, good, glen) != 0)
				fail_msg("entry cut to %zu: .replace got %zu "
					 "bytes, not the %zu compiled",
					 cuts[i], rlen, glen);
			free(rep);
			rep = fx_read(sub, v[0].key, &rlen);
			assert_int_equal(rlen, len);
			assert_memory_equal(rep, full, len);
			free(rep);
		}
	}
	free(v);
	free(sub);
	free(full);
	free(good);
}

/* --- 3. run_dir and cache_dir full, read-only, or removed --- */

#define SKIP_UNLESS_MOUNT()                                                    \
	do {                                                                   \
		if (!can_mount) {                                              \
			printf("# skipped: needs a tmpfs mount: %s\n",         \
			       no_mount_why);                                  \
			skip();                                                \
		}                                                              \
	} while (0)

static void mount_tmpfs(struct env *e, const char *path, const char *opts)
{
	mkdir(path, 0700);
	if (mount("tmpfs", path, "tmpfs", 0, opts) < 0)
		fail_msg("mount tmpfs %s: %s", path, strerror(errno));
	e->mounts[e->nmounts++] = strdup(path);
}

static void remount(const char *path, bool ro)
{
	assert_int_equal(
	    mount(NULL, path, NULL, MS_REMOUNT | (ro ? MS_RDONLY : 0), NULL),
	    0);
}

/* Use up the blocks of the filesystem under @dir with one file. */
static void fill_blocks(const char *dir)
{
	char *p = fx_path(dir, "fill"), buf[4096] = {0};
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	while (write(fd, buf, sizeof(buf)) > 0)
		;
	assert_int_equal(errno, ENOSPC);
	/* The last partial page too. */
	while (write(fd, buf, 1) > 0)
		;
	close(fd);
	free(p);
}

static void unfill(const char *dir)
{
	char *p = fx_path(dir, "fill");

	unlink(p);
	free(p);
}

/* What the kernel-sim double listed is forgotten: the kernel is empty. */
static void forget_kernel(struct env *e)
{
	char *pol = fx_path(e->fs, "policy");

	fx_write(e->fs, ".replace", "%s", "");
	fx_write(e->fs, "profiles", "%s", "");
	fx_rm_rf(pol);
	free(pol);
}

/* Every entry in run_dir that has a reader reads back, or is absent. */
static void run_dir_whole(struct env *e)
{
	struct aa_oci_loaded rec = {0};
	char *hint = NULL;
	int r = rundir_loaded_get(e->cfg.rundir, "web", &rec);

	assert_true(r == 0 || r == -ENOENT);
	if (r == 0)
		assert_int_equal(rec.mode, AA_OCI_MODE_ENFORCE);
	rundir_loaded_free(&rec);
	r = rundir_kdir_get(e->cfg.rundir, "web", &hint);
	assert_true(r == 0 || r == -ENOENT);
	free(hint);
	no_temporaries(e->run);
}

/* The start either loads it whole or fails naming @dir, and leaves
 * nothing torn; the kernel got all of the policy or none of it. */
static int start_or_fail_closed(struct env *e, const char *dir,
				struct aa_oci_load_result *res)
{
	struct aa_oci_err err = {0};
	int r = ensure(e, res, &err);

	if (r == 0) {
		assert_true(replace_size(e) > 100);
	} else {
		if (!strstr(err.text, dir))
			fail_msg("failed without naming %s: %s", dir, err.text);
		assert_null(strchr(err.text, '\n'));
		assert_int_equal(replace_size(e), 0);
	}
	printf("# %s: %s%s\n", dir, r == 0 ? "loaded" : err.text,
	       r == 0 && res->warning[0] ? " (with a warning)" : "");
	run_dir_whole(e);
	no_temporaries(e->cache);
	(void)cache_entries(e); /* each whole */
	return r;
}

/* Compile "web" through the cache (a hit is never listed by the
 * kernel-sim double, so a whole load cannot show it): was it a hit? */
static bool from_cache(struct env *e, enum aa_oci_mode mode)
{
	struct aa_oci_compiled c = {0};
	struct aa_oci_err err = {0};
	char *src = fx_path(e->dir, "web");
	bool hit;

	if (compile_policy(e->k, &e->cfg, src, NULL, mode, NULL, &c, &err) != 0)
		fail_msg("compile_policy: %s", err.text);
	hit = c.from_cache;
	compiled_free(&c);
	free(src);
	return hit;
}

static void test_run_dir_full(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};

	SKIP_UNLESS_MOUNT();
	/* Blocks: the parser cannot write its output. */
	mount_tmpfs(e, e->run, "size=64k,mode=0700");
	fill_blocks(e->run);
	(void)start_or_fail_closed(e, e->run, &res);
	load_result_free(&res);
	unfill(e->run);
	forget_kernel(e);
	next_start_succeeds(e);
	/* A generated profile's text cannot be written either. */
	forget_kernel(e);
	fill_blocks(e->run);
	{
		struct aa_oci_err err = {0};
		int r =
		    load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK, "docker-default",
				AA_OCI_MODE_ENFORCE, &res, &err);

		if (r == 0)
			assert_true(replace_size(e) > 100);
		else if (!strstr(err.text, e->run))
			fail_msg("failed without naming %s: %s", e->run,
				 err.text);
		load_result_free(&res);
	}
	no_temporaries(e->run);
	unfill(e->run);
}

static void test_run_dir_no_inodes(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};
	int n = 0;

	SKIP_UNLESS_MOUNT();
	mount_tmpfs(e, e->run, "size=1m,nr_inodes=16,mode=0700");
	for (;; n++) {
		char name[32];
		int fd;

		snprintf(name, sizeof(name), "fill%d", n);
		fd = openat(rundir_fd(e->cfg.rundir, true, NULL), name,
			    O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			break;
		close(fd);
	}
	assert_int_equal(errno, ENOSPC);
	(void)start_or_fail_closed(e, e->run, &res);
	load_result_free(&res);
	for (int i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "fill%d", i);
		unlinkat(rundir_fd(e->cfg.rundir, true, NULL), name, 0);
	}
	forget_kernel(e);
	next_start_succeeds(e);
}

static void test_cache_dir_full(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};

	SKIP_UNLESS_MOUNT();
	/* Full before the first use: no features directory can be made. */
	mount_tmpfs(e, e->cache, "size=16k,mode=0700");
	fill_blocks(e->cache);
	assert_int_equal(start_or_fail_closed(e, e->cache, &res), 0);
	assert_non_null(strstr(res.warning, "cache"));
	load_result_free(&res);
	unfill(e->cache);
	forget_kernel(e);
	next_start_succeeds(e);
	/* Full with a features directory in place: the entry cannot be
	 * stored (another mode, another key). */
	forget_kernel(e);
	fill_blocks(e->cache);
	{
		struct aa_oci_err err = {0};

		assert_int_equal(load_ensure(e->k, &e->cfg, AA_OCI_BY_HOOK,
					     "web", AA_OCI_MODE_COMPLAIN, &res,
					     &err),
				 0);
		assert_non_null(strstr(res.warning, "cannot write to policy "
						    "cache"));
		load_result_free(&res);
	}
	no_temporaries(e->cache);
	assert_int_equal(cache_entries(e), 1);
	unfill(e->cache);
	/* With room again: stored, then served. */
	assert_false(from_cache(e, AA_OCI_MODE_COMPLAIN));
	assert_true(from_cache(e, AA_OCI_MODE_COMPLAIN));
	assert_int_equal(cache_entries(e), 2);
}

static void test_read_only_dirs(void **state)
{
	struct env *e = *state;
	struct aa_oci_load_result res = {0};

	SKIP_UNLESS_MOUNT();
	mount_tmpfs(e, e->run, "size=1m,mode=0700");
	mount_tmpfs(e, e->cache, "size=1m,mode=0700");
	next_start_succeeds(e);
	/* A read-only cache: loaded without it, with a warning. */
	forget_kernel(e);
	remount(e->cache, true);
	assert_int_equal(start_or_fail_closed(e, e->cache, &res), 0);
	assert_non_null(strstr(res.warning, "policy cache not used"));
	assert_false(res.from_cache);
	load_result_free(&res);
	/* A read-only run_dir. */
	forget_kernel(e);
	remount(e->run, true);
	(void)start_or_fail_closed(e, e->run, &res);
	load_result_free(&res);
	/* Writable again: served from the cache the first start filled. */
	remount(e->run, false);
	remount(e->cache, false);
	assert_true(from_cache(e, AA_OCI_MODE_ENFORCE));
	assert_int_equal(cache_entries(e), 1);
}

/* The sync agent keeps running while run_dir and cache_dir are removed
 * under it (a cleanup script, an admin's rm -rf). */
struct agent_log {
	int loaded, failed, errors;
	char text[AA_OCI_ERR_MAX];
};

static void on_agent_event(const struct aa_oci_sync_event *ev, void *data)
{
	struct agent_log *l = data;

	if (ev->kind == AA_OCI_SYNC_LOADED)
		l->loaded++;
	if (ev->kind == AA_OCI_SYNC_FAILED)
		l->failed++;
	if (ev->kind == AA_OCI_SYNC_ERROR)
		l->errors++;
	/* the text of the last failure, not of the pass's summary */
	if (ev->text && ev->kind != AA_OCI_SYNC_PASS)
		snprintf(l->text, sizeof(l->text), "%s", ev->text);
}

static void test_removed_under_agent(void **state)
{
	struct env *e = *state;
	struct agent_log log = {0};
	struct aa_oci_sync_opts o = {.mode = AA_OCI_MODE_ENFORCE,
				     .report = on_agent_event,
				     .userdata = &log};
	struct aa_oci_sync *s = NULL;
	struct aa_oci_err err = {0};

	assert_int_equal(
	    sync_new(e->k, &e->cfg, e->cfg.profile_dirs, &o, &s, &err), 0);
	assert_int_equal(sync_scan(s), 0);
	assert_int_equal(log.loaded, 1);
	assert_true(replace_size(e) > 100);
	/* cache_dir alone: made again by the next load, entries whole. */
	fx_rm_rf(e->cache);
	fx_write(e->fs, ".replace", "%s", "");
	fx_write(e->dir, "first", "profile first {\n  file,\n}\n");
	log = (struct agent_log){0};
	assert_int_equal(sync_scan(s), 0);
	assert_int_equal(log.loaded, 1);
	assert_true(replace_size(e) > 100);
	assert_int_equal(cache_entries(e), 1);
	no_temporaries(e->top);
	/* run_dir too. */
	fx_rm_rf(e->run);
	fx_rm_rf(e->cache);
	fx_write(e->fs, ".replace", "%s", "");
	fx_write(e->dir, "extra", "profile extra {\n  file,\n}\n");
	log = (struct agent_log){0};
	(void)sync_scan(s);
	printf("# agent after run_dir and cache_dir were removed: %d loaded, "
	       "%d failed, %d errors: %s\n",
	       log.loaded, log.failed, log.errors, log.text);
	/* Loaded, or refused naming run_dir; nothing torn either way. */
	if (log.loaded == 1) {
		assert_true(replace_size(e) > 100);
	} else {
		assert_int_equal(log.failed, 1);
		assert_non_null(strstr(log.text, e->run));
		assert_int_equal(replace_size(e), 0);
	}
	no_temporaries(e->top);
	if (access(e->cache, F_OK) == 0)
		(void)cache_entries(e);
	sync_free(s);
	/* A start (its own handle on run_dir) proceeds meanwhile. */
	{
		struct aa_oci_config cfg = e->cfg;
		struct aa_oci_load_result res = {0};

		cfg.rundir = NULL;
		assert_int_equal(rundir_new(e->run, &cfg.rundir), 0);
		fx_write(e->dir, "other", "profile other {\n  file,\n}\n");
		if (load_ensure(e->k, &cfg, AA_OCI_BY_HOOK, "other",
				AA_OCI_MODE_ENFORCE, &res, &err) != 0)
			fail_msg("a start after the removal: %s", err.text);
		load_result_free(&res);
		rundir_free(cfg.rundir);
	}
	no_temporaries(e->top);
	assert_int_equal(cache_entries(e), 1);
}

/* What a start killed in the middle of writing leaves (the temporary files
 * of write_file_atomic_at and of a compile) is never read as an entry, and
 * the next start writes its own whole. */
static void test_leftover_temporaries(void **state)
{
	struct env *e = *state;
	struct aa_oci_loaded rec = {0};
	struct aa_oci_cache_entry *v = NULL;
	char *loaded = fx_path(e->run, "loaded"), *sub, *junk;
	size_t n = 0;

	/* A first start makes the cache's features directory and a key. */
	set_parser(e, REAL_PARSER);
	assert_true(from_cache(e, AA_OCI_MODE_ENFORCE) == false);
	assert_int_equal(cache_list(e->cache, &v, &n), 0);
	assert_int_equal(n, 1);
	sub = fx_path(e->cache, v[0].dir);
	/* A dead writer's halves: a cut entry under the key's temporary
	 * name, a record's, a compile's output; the entry itself gone. */
	assert_true(asprintf(&junk, "%s.aa-oci-999999.tmp", v[0].key) > 0);
	fx_write(sub, junk, "%s", "AAOCIC02 cut");
	{
		char *entry = fx_path(sub, v[0].key);

		unlink(entry);
		free(entry);
	}
	mkdir(loaded, 0700);
	fx_write(loaded, "web.aa-oci-999999.tmp", "%s", "by hook\nmode enf");
	fx_write(e->run, "bin.AbCdEf", "%s", "\004\010 partial policy");
	{
		struct aa_oci_load_result res = {0};
		struct aa_oci_err err = {0};
		char *sim = fx_repo_path("tests/data/parsers/kernel-sim");

		set_parser(e, sim);
		if (ensure(e, &res, &err) != 0)
			fail_msg("start after a killed writer: %s", err.text);
		assert_true(replace_size(e) > 100);
		load_result_free(&res);
		free(sim);
	}
	/* They stay (run_dir's go with the boot; the cache's are a known
	 * leak, see the report) but are never read. */
	assert_int_equal(file_size(e->run, "bin.AbCdEf"), 17);
	assert_int_equal(file_size(sub, junk), 12);
	assert_int_equal(rundir_loaded_get(e->cfg.rundir, "web", &rec), 0);
	assert_int_equal(rec.mode, AA_OCI_MODE_ENFORCE);
	rundir_loaded_free(&rec);
	free(v);
	v = NULL;
	assert_int_equal(cache_list(e->cache, &v, &n), 0);
	/* kernel-sim's entry, whole; the stale halves are not entries. */
	for (size_t i = 0; i < n; i++)
		assert_true(v[i].valid);
	free(v);
	free(junk);
	free(sub);
	free(loaded);
}

/* --- 5. config.json replaced between the wrapper's read and rewrite ---
 * test-runtime.c (test_rewrite_bundle_file) replaces it between
 * oci_bundle_config_read and rewrite_bundle_config; here it changes
 * during the whole of runtime_prepare's load, from the parser, in each way
 * an engine or an admin could change it. */

#define SPEC_OLD                                                               \
	"{\"annotations\": {\"aa-oci.profile\": \"localhost/web\"}, "          \
	"\"process\": {\"args\": [\"sh\"]}}"
/* The same size: only the bytes tell it from the old one. */
#define SPEC_SAME_SIZE                                                         \
	"{\"annotations\": {\"aa-oci.profile\": \"localhost/web\"}, "          \
	"\"process\": {\"args\": [\"ls\"]}}"
#define SPEC_LONGER                                                            \
	"{\"annotations\": {\"aa-oci.profile\": \"localhost/web\"}, "          \
	"\"process\": {\"args\": [\"sh\", \"-c\", \"true\"]}}"

static const struct {
	const char *what;
	const char *script; /* $b: the bundle, $n: the new text's file */
	const char *now;    /* config.json after; NULL: none */
} swap_cases[] = {
    {"replaced by a rename",
     "cp \"$n\" \"$b/new.json\" && "
     "mv \"$b/new.json\" \"$b/config.json\"",
     SPEC_LONGER},
    {"rewritten in place, longer", "cat \"$n\" >\"$b/config.json\"",
     SPEC_LONGER},
    {"rewritten in place, same size, mtime put back",
     "touch -r \"$b/config.json\" \"$n.stamp\" && "
     "cat \"$n\" >\"$b/config.json\" && "
     "touch -r \"$n.stamp\" \"$b/config.json\"",
     SPEC_SAME_SIZE},
    {"removed", "rm \"$b/config.json\"", NULL},
};

static void test_config_changed_during_load(void **state)
{
	struct env *e = *state;
	char *sim = fx_repo_path("tests/data/parsers/kernel-sim");

	free(e->cfg.cache_dir);
	e->cfg.cache_dir = NULL; /* every start runs the parser */
	for (size_t i = 0; i < sizeof(swap_cases) / sizeof(*swap_cases); i++) {
		struct aa_oci_runtime_args a = {.id = ID};
		struct aa_oci_runtime_report rep = {0};
		struct aa_oci_container crec = {0};
		struct aa_oci_err err = {0};
		const char *text =
		    swap_cases[i].now ? swap_cases[i].now : SPEC_SAME_SIZE;
		char *p, *got, *cmd;
		int r;

		fx_write(e->bin, "new.json", "%s", text);
		p = fake_parser(
		    e, "parser",
		    "'%s' \"$@\" || exit $?\nb='%s' n='%s/new.json'\n"
		    "%s",
		    sim, e->bundle, e->bin, swap_cases[i].script);
		set_parser(e, p);
		forget_kernel(e);
		fx_write(e->bundle, "config.json", "%s", SPEC_OLD);
		r = runtime_prepare(e->fs, &e->cfg, e->bundle, &a,
				    "/usr/bin/runc", &rep, &err);
		if (r != -EAGAIN ||
		    !strstr(err.text, "changed while aa-oci-runtime read it"))
			fail_msg("%s: returned %d (%s)", swap_cases[i].what, r,
				 err.text);
		assert_false(rep.written);
		/* The newer file is kept as it is (or stays gone). */
		got = fx_read(e->bundle, "config.json", NULL);
		if (!same_str(got, swap_cases[i].now))
			fail_msg("%s: config.json is now %s",
				 swap_cases[i].what, got ? got : "(none)");
		free(got);
		/* Nothing else in the bundle, and no record of a container
		 * that does not start. */
		assert_true(
		    asprintf(&cmd, "test \"$(ls -A '%s')\" = \"%s\"", e->bundle,
			     swap_cases[i].now ? "config.json" : "") > 0);
		assert_int_equal(system(cmd), 0);
		free(cmd);
		assert_int_equal(rundir_container_get(e->cfg.rundir, ID, &crec),
				 -ENOENT);
		runtime_report_free(&rep);
		free(p);
	}
	/* Started again, with nothing changing it: written. */
	{
		struct aa_oci_runtime_args a = {.id = ID};
		struct aa_oci_runtime_report rep = {0};
		struct aa_oci_err err = {0};
		char *got;

		set_parser(e, sim);
		forget_kernel(e);
		fx_write(e->bundle, "config.json", "%s", SPEC_OLD);
		if (runtime_prepare(e->fs, &e->cfg, e->bundle, &a,
				    "/usr/bin/runc", &rep, &err) != 0)
			fail_msg("started again: %s", err.text);
		assert_true(rep.written);
		got = fx_read(e->bundle, "config.json", NULL);
		assert_non_null(strstr(got, "\"apparmorProfile\": \"web\""));
		free(got);
		runtime_report_free(&rep);
	}
	free(sim);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_parser_faults),
	    T(test_parser_faults_hook_line),
	    T(test_cache_entry_without_policy),
	    T(test_truncated_policy_never_read),
	    T(test_killed_holding_lock),
	    T(test_kernel_refuses),
	    T(test_run_dir_full),
	    T(test_run_dir_no_inodes),
	    T(test_cache_dir_full),
	    T(test_read_only_dirs),
	    T(test_removed_under_agent),
	    T(test_leftover_temporaries),
	    T(test_config_changed_during_load),
	    T(test_torn_loaded_record),
	    T(test_torn_container_record),
	    T(test_torn_kdir_hint),
	    T(test_torn_key_memo),
	    T(test_torn_parser_memo),
	    T(test_torn_index),
	    T(test_torn_sync_state),
	    T(test_torn_cache_entry),
	};

	return cmocka_run_group_tests_name("fault", tests, group_setup,
					   group_teardown);
}
