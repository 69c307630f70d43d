/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * driver: run commands many times, interleaved, and report their wall time
 * and peak resident memory. The benchmark's measuring tool (tests/bench);
 * small enough to live in the test VM's initramfs, where hyperfine is not.
 *
 *   driver [-n RUNS] [-w WARMUP] [-k AT_ONCE] [-E ERRFILE] [-v] COMMAND...
 *
 * each COMMAND is   [-i STDIN] [-p PREP] -c NAME ARGV
 *
 * ARGV and PREP are command lines split at spaces (no quoting, no shell).
 * Every round runs each COMMAND once, the order reversed every other round
 * (A B, B A, A B, ...) so that drift hits all of them alike. PREP, when
 * given, runs before each run of its COMMAND and is not timed. AT_ONCE
 * copies of the command start together (default 1): they are forked first
 * and held on a pipe, the clock starts, the pipe is closed, and the run
 * ends when the last one has exited. Fork is outside the timing; exec,
 * dynamic linking, the program and exit are inside.
 *
 * Output, one line per COMMAND:
 *   NAME runs=N fails=F median_us=.. mean_us=.. min_us=.. max_us=..
 * maxrss_kb=.. maxrss_kb is the largest ru_maxrss wait4 reported over all runs
 * (it covers the process and the children it waited for). A run fails when a
 * copy exits other than 0; the first failure's status is reported on stderr
 * and the driver exits 1. A PREP that fails stops the driver (exit 2).
 * -v adds, for each timed run, "# NAME ends_ms T1,T2,..": when each copy
 * ended, in milliseconds after the start, in order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 8
#define MAX_ARGS 64
#define MAX_AT_ONCE 1024

struct cmd {
	const char *name;
	const char *stdin_path;
	char *argv[MAX_ARGS];
	char *prep[MAX_ARGS];
	double *samples; /* microseconds */
	long maxrss_kb;
	int fails;
};

static const char *errfile = "/dev/null";
static int verbose;

static void die(const char *msg)
{
	fprintf(stderr, "driver: %s\n", msg);
	exit(2);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Split @s at spaces into @v (NULL-terminated); @s is modified. */
static void split(char *s, char **v)
{
	int n = 0;

	for (char *t = strtok(s, " "); t; t = strtok(NULL, " ")) {
		if (n + 1 >= MAX_ARGS)
			die("too many arguments");
		v[n++] = t;
	}
	if (n == 0)
		die("empty command");
	v[n] = NULL;
}

/* In a child: stdin from @in, stdout to /dev/null, stderr to errfile. */
static void child_stdio(const char *in)
{
	int fd = open(in ? in : "/dev/null", O_RDONLY);
	int out = open("/dev/null", O_WRONLY);
	int err = open(errfile, O_WRONLY | O_CREAT | O_APPEND, 0644);

	if (fd < 0 || out < 0 || err < 0) {
		perror("driver: child stdio");
		_exit(126);
	}
	dup2(fd, 0);
	dup2(out, 1);
	dup2(err, 2);
	if (fd > 2)
		close(fd);
	if (out > 2)
		close(out);
	if (err > 2)
		close(err);
}

static void run_prep(struct cmd *c)
{
	pid_t pid;
	int st;

	if (!c->prep[0])
		return;
	pid = fork();
	if (pid < 0)
		die("fork failed");
	if (pid == 0) {
		child_stdio(NULL);
		execvp(c->prep[0], c->prep);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr,
			"driver: %s: prep command %s failed (status 0x%x)\n",
			c->name, c->prep[0], st);
		exit(2);
	}
}

/* One timed run of @k copies of @c; returns microseconds. */
static double run_once(struct cmd *c, int k, int record)
{
	static pid_t pids[MAX_AT_ONCE];
	static double ends[MAX_AT_ONCE];
	int gate[2], failed = 0;
	double t0, t1;

	run_prep(c);
	if (pipe2(gate, O_CLOEXEC) < 0)
		die("pipe failed");
	for (int j = 0; j < k; j++) {
		pids[j] = fork();
		if (pids[j] < 0)
			die("fork failed");
		if (pids[j] == 0) {
			char b;

			close(gate[1]);
			child_stdio(c->stdin_path);
			while (read(gate[0], &b, 1) < 0 && errno == EINTR)
				;
			execvp(c->argv[0], c->argv);
			_exit(127);
		}
	}
	close(gate[0]);
	t0 = now_us();
	close(gate[1]);
	for (int j = 0; j < k; j++) {
		struct rusage ru;
		int st;
		pid_t pid;

		while ((pid = wait4(-1, &st, 0, &ru)) < 0)
			if (errno != EINTR)
				die("wait4 failed");
		ends[j] = now_us() - t0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			if (record && !c->fails && !failed)
				fprintf(stderr,
					"driver: %s: %s exited with status "
					"0x%x (its stderr: %s)\n",
					c->name, c->argv[0], st, errfile);
			failed = 1;
		}
		if (record && ru.ru_maxrss > c->maxrss_kb)
			c->maxrss_kb = ru.ru_maxrss;
	}
	t1 = now_us();
	if (record && failed)
		c->fails++;
	if (verbose && record) {
		printf("# %s ends_ms", c->name);
		for (int j = 0; j < k; j++)
			printf("%s%.0f", j ? "," : " ", ends[j] / 1000);
		printf("\n");
	}
	return t1 - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0 || v > 1000000)
		die("bad number");
	return (int)v;
}

int main(int argc, char **argv)
{
	struct cmd cmds[MAX_CMDS] = {0};
	int ncmd = 0, runs = 10, warmup = 1, k = 1, anyfail = 0;
	const char *pending_in = NULL;
	char *pending_prep = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-v")) {
			verbose = 1;
			continue;
		}
		if (i + 1 >= argc)
			die("an option lacks its value");
		if (!strcmp(a, "-n"))
			runs = number(argv[++i]);
		else if (!strcmp(a, "-w"))
			warmup = number(argv[++i]);
		else if (!strcmp(a, "-k"))
			k = number(argv[++i]);
		else if (!strcmp(a, "-E"))
			errfile = argv[++i];
		else if (!strcmp(a, "-i"))
			pending_in = argv[++i];
		else if (!strcmp(a, "-p"))
			pending_prep = argv[++i];
		else if (!strcmp(a, "-c") && i + 2 < argc) {
			struct cmd *c;

			if (ncmd == MAX_CMDS)
				die("too many commands");
			c = &cmds[ncmd++];
			c->name = argv[++i];
			split(argv[++i], c->argv);
			c->stdin_path = pending_in;
			if (pending_prep)
				split(pending_prep, c->prep);
			pending_in = NULL;
			pending_prep = NULL;
		} else
			die("usage: driver [-n RUNS] [-w WARMUP] [-k AT_ONCE] "
			    "[-E ERRFILE] [-v] {[-i STDIN] [-p PREP] -c NAME "
			    "ARGV}...");
	}
	if (!ncmd || runs < 1 || k < 1 || k > MAX_AT_ONCE)
		die("nothing to run, or a bad -n/-k");
	for (int c = 0; c < ncmd; c++)
		if (!(cmds[c].samples = calloc((size_t)runs, sizeof(double))))
			die("out of memory");

	for (int r = 0; r < warmup + runs; r++) {
		int rec = r >= warmup;

		for (int j = 0; j < ncmd; j++) {
			int c = r % 2 ? ncmd - 1 - j : j;
			double t = run_once(&cmds[c], k, rec);

			if (rec)
				cmds[c].samples[r - warmup] = t;
		}
	}

	for (int c = 0; c < ncmd; c++) {
		struct cmd *m = &cmds[c];
		double sum = 0, med;

		qsort(m->samples, (size_t)runs, sizeof(double), cmp_double);
		for (int i = 0; i < runs; i++)
			sum += m->samples[i];
		med =
		    runs % 2
			? m->samples[runs / 2]
			: (m->samples[runs / 2 - 1] + m->samples[runs / 2]) / 2;
		printf("%s runs=%d fails=%d median_us=%.0f mean_us=%.0f "
		       "min_us=%.0f max_us=%.0f maxrss_kb=%ld\n",
		       m->name, runs, m->fails, med, sum / runs, m->samples[0],
		       m->samples[runs - 1], m->maxrss_kb);
		anyfail |= m->fails > 0;
	}
	return anyfail;
}
