/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/spawn.h"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Where the child's output goes: stderr captured (stdout to /dev/null),
 * both captured, or stdout streamed to a callback (stderr to /dev/null). */
enum spawn_out { OUT_STDERR, OUT_BOTH, OUT_STREAM };

struct sink {
	enum spawn_out how;
	char *buf; /* OUT_STDERR, OUT_BOTH */
	size_t size;
	size_t used;
	int (*each)(const char *buf, size_t n, void *ud); /* OUT_STREAM */
	void *ud;
	int stopped; /* the callback's error */
};

/* One read() into the sink; true at EOF, on an error, or when the
 * callback stopped the stream. */
static bool sink_read(int fd, struct sink *k)
{
	char tmp[16384];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0)
		return errno != EINTR;
	if (n == 0)
		return true;
	if (k->how == OUT_STREAM) {
		int r = k->each(tmp, (size_t)n, k->ud);

		if (r < 0) {
			k->stopped = r;
			return true;
		}
		return false;
	}
	if ((size_t)n > k->size - 1 - k->used)
		n = (ssize_t)(k->size - 1 - k->used);
	memcpy(k->buf + k->used, tmp, (size_t)n);
	k->used += (size_t)n;
	return false;
}

static int spawn(const char *const argv[], long timeout_ms, int nice,
		 struct sink *k, struct aa_oci_spawn_result *ret)
{
	static const char *const envp[] = {
	    "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	    "LC_ALL=C",
	    NULL,
	};
	_cleanup_close_ int rfd = -1, wfd = -1, pidfd = -1;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	long deadline;
	pid_t pid;
	int pipefd[2], status, r, old_nice;
	bool reniced;

	*ret = (struct aa_oci_spawn_result){0};
	if (argv[0][0] != '/')
		return -EINVAL;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	rfd = pipefd[0];
	wfd = pipefd[1];

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (k->how == OUT_STDERR)
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY,
						 0);
	else
		posix_spawn_file_actions_adddup2(&fa, wfd, 1);
	if (k->how == OUT_STREAM)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
						 0);
	else
		posix_spawn_file_actions_adddup2(&fa, wfd, 2);
	/* The child starts with no blocked and no ignored signals, whatever
	 * the runtime that started us left behind, so SIGKILL and SIGPIPE act.
	 */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
					    POSIX_SPAWN_SETSIGDEF);
	/* posix_spawn has no attribute for the priority, and setting the
	 * child's after the fact races with its own children: the child
	 * inherits ours, set for the moment of the spawn. A preference, not
	 * a check (raising it needs CAP_SYS_NICE). */
	errno = 0;
	old_nice = getpriority(PRIO_PROCESS, 0);
	reniced = errno == 0 && old_nice != nice &&
		  setpriority(PRIO_PROCESS, 0, nice) == 0;
	/* posix_spawn does not write to argv or envp; its prototype predates
	 * const. */
	r = posix_spawn(&pid, argv[0], &fa, &attr, (char *const *)argv,
			(char *const *)envp);
	if (reniced)
		(void)setpriority(PRIO_PROCESS, 0, old_nice);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0)
		return -r;
	closep(&wfd);
	wfd = -1;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	deadline = now_ms() + timeout_ms;
	/* Collect stderr until the child exits or time is up. A grandchild
	 * may hold the pipe open, so exit, not EOF, ends the wait. */
	for (bool eof = false;;) {
		struct pollfd p[2] = {
		    {.fd = eof ? -1 : rfd, .events = POLLIN},
		    {.fd = pidfd, .events = POLLIN},
		};
		long left = deadline - now_ms();

		if (waitpid(pid, &status, WNOHANG) == pid) {
			pid = 0;
			break;
		}
		if (left <= 0 || k->stopped) {
			kill(pid, SIGKILL);
			ret->timed_out = !k->stopped;
			break;
		}
		/* Without a pidfd (kernels before 5.3) poll in 10 ms steps. */
		if (pidfd < 0 && left > 10)
			left = 10;
		if (poll(p, 2, (int)left) < 0 && errno != EINTR) {
			kill(pid, SIGKILL);
			break;
		}
		if (!eof && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			eof = sink_read(rfd, k);
	}
	/* Whatever it wrote before exiting is still in the pipe. */
	if (!k->stopped && fcntl(rfd, F_SETFL, O_NONBLOCK) == 0)
		while (!sink_read(rfd, k))
			;
	if (k->buf)
		k->buf[k->used] = '\0';
	if (pid > 0 && waitpid(pid, &status, 0) != pid)
		return -ECHILD;
	if (WIFEXITED(status))
		ret->status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status)) {
		ret->status = 128 + WTERMSIG(status);
		ret->signal = WTERMSIG(status);
	}
	return k->stopped;
}

int spawn_run(const char *const argv[], long timeout_ms, int nice,
	      struct aa_oci_spawn_result *ret)
{
	struct sink k = {
	    .how = OUT_STDERR, .buf = ret->errout, .size = sizeof(ret->errout)};

	return spawn(argv, timeout_ms, nice, &k, ret);
}

int spawn_output(const char *const argv[], long timeout_ms, char *out,
		 size_t out_size, struct aa_oci_spawn_result *ret)
{
	struct sink k = {.how = OUT_BOTH, .buf = out, .size = out_size};

	return spawn(argv, timeout_ms, getpriority(PRIO_PROCESS, 0), &k, ret);
}

int spawn_stream(const char *const argv[], long timeout_ms,
		 int (*each)(const char *buf, size_t n, void *ud), void *ud,
		 struct aa_oci_spawn_result *ret)
{
	struct sink k = {.how = OUT_STREAM, .each = each, .ud = ud};

	return spawn(argv, timeout_ms, getpriority(PRIO_PROCESS, 0), &k, ret);
}
