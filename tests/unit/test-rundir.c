/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rundir.c: the records of loads and of containers, their names, and what
 * a torn, foreign or stale record does.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/rundir.h"
#include "aa-oci/util.h"

struct env {
	char *dir;
	struct aa_oci_rundir *rd;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->dir = fx_tmpdir();
	assert_int_equal(rundir_new(e->dir, &e->rd), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	rundir_free(e->rd);
	fx_rm_rf(e->dir);
	free(e->dir);
	free(e);
	return 0;
}

static void test_loaded_records(void **state)
{
	struct env *e = *state;
	struct aa_oci_loaded rec = {.by = AA_OCI_BY_SYNC,
				    .mode = AA_OCI_MODE_COMPLAIN,
				    .source = (char *)"/etc/apparmor.d/x",
				    .time = 42};
	struct aa_oci_loaded got = {0};
	char **names = NULL;

	memset(rec.key, 'a', 64);
	assert_int_equal(rundir_loaded_get(e->rd, "web", &got), -ENOENT);
	assert_int_equal(rundir_loaded_put(e->rd, "web", &rec), 0);
	/* A name with '/' is one entry too, and listed as it is. */
	assert_int_equal(rundir_loaded_put(e->rd, "/usr/sbin/victimd", &rec),
			 0);
	assert_int_equal(rundir_loaded_get(e->rd, "/usr/sbin/victimd", &got),
			 0);
	assert_int_equal(got.by, AA_OCI_BY_SYNC);
	assert_int_equal(got.mode, AA_OCI_MODE_COMPLAIN);
	assert_int_equal(got.time, 42);
	assert_string_equal(got.source, "/etc/apparmor.d/x");
	assert_int_equal(strlen(got.key), 64);
	rundir_loaded_free(&got);
	assert_int_equal(rundir_loaded_list(e->rd, &names), 0);
	assert_string_equal(names[0], "/usr/sbin/victimd");
	assert_string_equal(names[1], "web");
	assert_null(names[2]);
	strv_free(names);
	/* A record that does not parse is none: the safe side. */
	{
		char *d = fx_path(e->dir, "loaded");

		fx_write(d, "web", "by hook\nmode kill\n");
		free(d);
	}
	assert_int_equal(rundir_loaded_get(e->rd, "web", &got), -ENOENT);
	rundir_loaded_drop(e->rd, "web");
	assert_int_equal(rundir_loaded_get(e->rd, "web", &got), -ENOENT);
}

static void test_container_records(void **state)
{
	struct env *e = *state;
	struct aa_oci_container c = {
	    .id = (char *)"3f2a9c1b7e04aa",
	    .by = AA_OCI_BY_RUNTIME,
	    .profile = (char *)"payment-api",
	    .mode = AA_OCI_MODE_COMPLAIN,
	    .pid = getpid(),
	    .since = 100,
	    .bundle = (char *)"/run/b",
	    .k8s_namespace = (char *)"shop",
	    .k8s_pod = (char *)"pay-0",
	};
	struct aa_oci_container *v = NULL;
	size_t n = 0;

	assert_int_equal(rundir_container_list(e->rd, true, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(rundir_container_put(e->rd, &c), 0);
	c.id = (char *)"older";
	c.since = 50;
	c.profile = NULL;
	c.k8s_namespace = c.k8s_pod = NULL;
	assert_int_equal(rundir_container_put(e->rd, &c), 0);
	assert_int_equal(rundir_container_list(e->rd, true, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].id, "older"); /* oldest first */
	assert_null(v[0].profile);
	assert_null(v[0].k8s_namespace);
	assert_string_equal(v[1].id, "3f2a9c1b7e04aa");
	assert_int_equal(v[1].by, AA_OCI_BY_RUNTIME);
	assert_string_equal(v[1].profile, "payment-api");
	assert_int_equal(v[1].mode, AA_OCI_MODE_COMPLAIN);
	assert_int_equal(v[1].pid, getpid());
	assert_string_equal(v[1].bundle, "/run/b");
	assert_string_equal(v[1].k8s_namespace, "shop");
	assert_string_equal(v[1].k8s_pod, "pay-0");
	assert_null(v[1].k8s_container);
	rundir_container_list_free(v, n);
	rundir_container_drop(e->rd, "older");
	assert_int_equal(rundir_container_list(e->rd, true, &v, &n), 0);
	assert_int_equal(n, 1);
	rundir_container_list_free(v, n);
}

static void test_container_refusals(void **state)
{
	struct env *e = *state;
	struct aa_oci_container c = {.id = (char *)"ok", .since = 1};
	static const char *const bad_ids[] = {"",	 "../x", "a/b",
					      ".hidden", "a b",	 "a\nb"};

	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(*bad_ids); i++) {
		c.id = (char *)bad_ids[i];
		assert_int_equal(rundir_container_put(e->rd, &c), -EINVAL);
	}
	/* A value that would add a line to the record. */
	c.id = (char *)"ok";
	c.k8s_pod = (char *)"pay\nprofile unconfined";
	assert_int_equal(rundir_container_put(e->rd, &c), -EINVAL);
}

/* Append raw text to the journal, as a writer killed mid-line leaves it. */
static void journal_raw(struct env *e, const char *text)
{
	char *path = fx_path(e->dir, "containers.journal");
	FILE *f = fopen(path, "a");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static void test_container_prune_and_torn(void **state)
{
	struct env *e = *state;
	struct aa_oci_container c = {.id = (char *)"gone", .since = 1};
	struct aa_oci_container *v = NULL;
	char *text;
	size_t n = 0;
	pid_t child = fork();

	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	/* A record of a process that is gone: pruned when listed. */
	c.pid = child;
	assert_int_equal(rundir_container_put(e->rd, &c), 0);
	/* A writer killed mid-line: the torn line is skipped and the next
	 * one stays whole; so are lines with a bad id or field count. */
	journal_raw(e, "\n+\ttorn\thook\tweb\tenforce\t1");
	journal_raw(e, "\n+\t../x\thook\t-\tenforce\t0\t1\t-\t-\t-\t-\t-"
		       "\t-\t.\n");
	journal_raw(e, "\n-\tgone\n");
	c.id = (char *)"alive";
	c.pid = getpid();
	assert_int_equal(rundir_container_put(e->rd, &c), 0);
	assert_int_equal(rundir_container_get(e->rd, "torn", &c), -ENOENT);
	/* Without pruning the gone one stays listed. */
	assert_int_equal(rundir_container_list(e->rd, false, &v, &n), 0);
	assert_int_equal(n, 2);
	rundir_container_list_free(v, n);
	assert_int_equal(rundir_container_list(e->rd, true, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, "alive");
	rundir_container_list_free(v, n);
	/* Gone from the journal, not only skipped: it was compacted. */
	text = fx_read(e->dir, "containers.journal", NULL);
	assert_null(strstr(text, "torn"));
	assert_null(strstr(text, "gone"));
	assert_non_null(strstr(text, "\talive\t"));
	free(text);
}

/* Stops compact the journal; a later put of an id replaces its record. */
static void test_container_journal_compacts(void **state)
{
	struct env *e = *state;
	struct aa_oci_container c = {.profile = (char *)"web", .since = 1};
	struct aa_oci_container got = {0}, *v = NULL;
	char id[32], *path = fx_path(e->dir, "containers.journal");
	struct stat st;
	size_t n = 0;

	for (int i = 0; i < 2000; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		c.id = id;
		assert_int_equal(rundir_container_put(e->rd, &c), 0);
		if (i % 2 == 0)
			rundir_container_drop(e->rd, id);
	}
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size < 2 * 64 * 1024);
	assert_int_equal(rundir_container_list(e->rd, false, &v, &n), 0);
	assert_int_equal(n, 1000);
	rundir_container_list_free(v, n);
	c.id = (char *)"c1";
	c.mode = AA_OCI_MODE_COMPLAIN;
	assert_int_equal(rundir_container_put(e->rd, &c), 0);
	assert_int_equal(rundir_container_get(e->rd, "c1", &got), 0);
	assert_int_equal(got.mode, AA_OCI_MODE_COMPLAIN);
	rundir_container_free(&got);
	assert_int_equal(rundir_container_get(e->rd, "c0", &got), -ENOENT);
	free(path);
}

#define ROUNDS 80

/* Writers racing compactions lose no record: 4 processes each put 80
 * records while another puts and drops its own and lists, compacting the
 * journal whenever that halves it. (With compaction on every list, this
 * lost records in 2 of 3 runs without the writers' shared lock; with
 * compaction only when it halves the journal the window is rarer, so it
 * is a check of the lock's effect, not a proof of its need.) */
static void test_container_journal_race(void **state)
{
	struct env *e = *state;
	struct aa_oci_container *v = NULL;
	pid_t pids[5];
	size_t n = 0;
	int st;

	for (int w = 0; w < 5; w++) {
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] > 0)
			continue;
		char bundle[301];

		memset(bundle, 'b', 300);
		bundle[0] = '/';
		bundle[300] = '\0';
		for (int i = 0; i < ROUNDS; i++) {
			char id[32];
			struct aa_oci_container c = {
			    .id = id, .since = 1, .bundle = bundle};
			struct aa_oci_container *l = NULL;
			size_t ln = 0;

			snprintf(id, sizeof(id), "w%d-%d", w, i);
			if (w < 4) {
				if (rundir_container_put(e->rd, &c) < 0)
					_exit(1);
				continue;
			}
			/* the fifth writes and drops its own (so that most
			 * of the journal is ended records and compacting
			 * halves it), and lists */
			for (int k = 0; k < 4; k++) {
				snprintf(id, sizeof(id), "w%d-%d-%d", w, i, k);
				if (rundir_container_put(e->rd, &c) < 0)
					_exit(1);
				rundir_container_drop(e->rd, id);
			}
			if (rundir_container_list(e->rd, true, &l, &ln) < 0)
				_exit(1);
			rundir_container_list_free(l, ln);
		}
		_exit(0);
	}
	for (int w = 0; w < 5; w++) {
		assert_int_equal(waitpid(pids[w], &st, 0), pids[w]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(rundir_container_list(e->rd, true, &v, &n), 0);
	assert_int_equal(n, 4 * ROUNDS);
	rundir_container_list_free(v, n);
}

static void test_container_unwritable(void **state)
{
	struct aa_oci_rundir *rd = NULL;
	struct aa_oci_container c = {.id = (char *)"x", .since = 1};
	struct aa_oci_container *v = NULL;
	size_t n = 0;

	(void)state;
	/* A run_dir that cannot be made: the write fails, nothing else. */
	assert_int_equal(rundir_new("/proc/aa-oci-cannot-exist", &rd), 0);
	assert_true(rundir_container_put(rd, &c) < 0);
	assert_int_equal(rundir_container_list(rd, true, &v, &n), 0);
	assert_int_equal(n, 0);
	rundir_free(rd);
}

/* A full run_dir: the write fails, nothing half-written is left, the
 * record that was there stays. */
static void test_container_full(void **state)
{
	struct env *e = *state;
	struct aa_oci_container c = {
	    .id = (char *)"full", .since = 1, .profile = (char *)"web"};
	struct aa_oci_container *v = NULL;
	struct rlimit old, tiny = {.rlim_cur = 32, .rlim_max = RLIM_INFINITY};
	size_t n = 0;
	char *cmd;

	assert_int_equal(rundir_container_put(e->rd, &c), 0);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	tiny.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &tiny), 0);
	c.profile = (char *)"other";
	assert_int_equal(rundir_container_put(e->rd, &c), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rundir_container_list(e->rd, false, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].profile, "web");
	rundir_container_list_free(v, n);
	/* nothing else in run_dir: no temporary file */
	assert_true(asprintf(&cmd,
			     "test \"$(ls -A '%s')\" = containers.journal",
			     e->dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_loaded_records),
	    T(test_container_records),
	    T(test_container_refusals),
	    T(test_container_prune_and_torn),
	    T(test_container_full),
	    T(test_container_journal_compacts),
	    T(test_container_journal_race),
	    cmocka_unit_test(test_container_unwritable),
	};

	return cmocka_run_group_tests_name("rundir", tests, NULL, NULL);
}
