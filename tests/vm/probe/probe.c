/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe: try, one by one, the operations a container profile decides, and
 * print one line per operation, "NAME<TAB>RESULT", RESULT being "ok" or the
 * errno's name. The same binary runs under each profile to compare (Docker's
 * docker-default, LXC's, aa-oci's generated ones, unconfined); the outputs
 * are compared line by line, so every run tries the same operations in the
 * same order and a line depends only on what the kernel allowed.
 *
 *   probe [--host-pid PID] [--other-pid PID] [--workdir DIR]
 *   probe --list          the names and what each one does; runs nothing
 *
 * Built static (libc and kernel uapi headers only) so that it runs on a
 * busybox root filesystem:
 *   cc -static -O2 -Wall -Wextra -o probe tests/vm/probe/probe.c
 *
 * Harmless by construction: kernel files are opened for writing and closed
 * without a byte written (AppArmor decides at open); anything that changes
 * state (mounts, hostname, uid, namespaces, attr writes) happens in a forked
 * child, mounts in a mount namespace of the child's own; superblock remounts
 * are made to fail after AppArmor's decision (see c_remount_sb); nothing is
 * rebooted, loaded or written to a device. Every child has an alarm() and is
 * waited for with a deadline, so a run cannot hang.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/bpf.h>
#include <linux/netlink.h>

/* Results that are not an errno; positive so that they never clash. */
enum {
	R_SKIPPED = 1,	    /* the pid it needs was not given */
	R_SETUP_FAILED = 2, /* its own preparation failed; the op never ran */
	R_TIMEOUT = 3,	    /* the child did not answer in time */
	R_CHILD_DIED = 4,   /* the child died before answering */
};

/* Whose pid a signal, ptrace or /proc/PID op aims at. */
enum target { T_SELF, T_CHILD, T_HOST, T_OTHER, T_INIT };

/* What a mount op's child mounts before the tested call. */
enum prep { P_NONE, P_TMPFS_SRC, P_TMPFS_TARGET };

#define CHILD_ALARM_S 5
#define CHILD_WAIT_MS 10000
#define SLEEPER_ALARM_S 30
#define STOP_WAIT_MS 2000

/* Not in glibc's headers; values from the kernel's uapi. */
#define PROBE_PF_KEY_V2 2
#define PROBE_BTPROTO_HCI 1
#define PROBE_CAN_RAW 1
#define PROBE_CAP_SYS_BOOT 22
#define PROBE_SYSLOG_ACTION_CLOSE 0

struct op {
	const char *name;
	const char *what;
	/* Runs in the probe itself, or, when child is set, in a forked child
	 * whose result comes back through a pipe. */
	int (*run)(const struct op *op);
	int (*child)(const struct op *op);
	/* A leading '@' stands for WORKDIR. */
	const char *path;
	const char *path2;
	const char *fstype;
	const char *data;
	unsigned long flags;
	int a, b, c;
};

static struct {
	const char *workdir;
	pid_t host_pid;
	pid_t other_pid;
} opt = {.workdir = "/out/probe"};

/* What process_vm_readv reads back from a forked copy of ourselves. */
static volatile unsigned long marker = 0x6161206f63692eUL;
/* Names the abstract AF_UNIX address, in the probe and its children. */
static pid_t probe_pid;

#define E(e)                                                                   \
	{                                                                      \
		e, #e                                                          \
	}
static const struct {
	int num;
	const char *name;
} errno_names[] = {
    E(EPERM),	      E(ENOENT),       E(ESRCH),	   E(EINTR),
    E(EIO),	      E(ENXIO),	       E(E2BIG),	   E(ENOEXEC),
    E(EBADF),	      E(ECHILD),       E(EAGAIN),	   E(ENOMEM),
    E(EACCES),	      E(EFAULT),       E(ENOTBLK),	   E(EBUSY),
    E(EEXIST),	      E(EXDEV),	       E(ENODEV),	   E(ENOTDIR),
    E(EISDIR),	      E(EINVAL),       E(ENFILE),	   E(EMFILE),
    E(ENOTTY),	      E(ETXTBSY),      E(EFBIG),	   E(ENOSPC),
    E(ESPIPE),	      E(EROFS),	       E(EMLINK),	   E(EPIPE),
    E(ERANGE),	      E(EDEADLK),      E(ENAMETOOLONG),	   E(ENOSYS),
    E(ENOTEMPTY),     E(ELOOP),	       E(ENOMSG),	   E(ENODATA),
    E(ENOLINK),	      E(EPROTO),       E(EOVERFLOW),	   E(EBADMSG),
    E(EUSERS),	      E(ENOTSOCK),     E(EDESTADDRREQ),	   E(EMSGSIZE),
    E(EPROTOTYPE),    E(ENOPROTOOPT),  E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT),
    E(EOPNOTSUPP),    E(EPFNOSUPPORT), E(EAFNOSUPPORT),	   E(EADDRINUSE),
    E(EADDRNOTAVAIL), E(ENETDOWN),     E(ENETUNREACH),	   E(ECONNABORTED),
    E(ECONNRESET),    E(ENOBUFS),      E(EISCONN),	   E(ENOTCONN),
    E(ETIMEDOUT),     E(ECONNREFUSED), E(EHOSTUNREACH),	   E(EALREADY),
    E(EINPROGRESS),   E(ESTALE),       E(EDQUOT),	   E(ENOMEDIUM),
    E(ECANCELED),     E(ENOKEY),       E(EKEYREJECTED),
};

#undef E

static const char *result_name(int r, char *buf, size_t size)
{
	switch (r) {
	case 0:
		return "ok";
	case R_SKIPPED:
		return "skipped";
	case R_SETUP_FAILED:
		return "setup-failed";
	case R_TIMEOUT:
		return "timeout";
	case R_CHILD_DIED:
		return "child-died";
	}
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]);
	     i++)
		if (errno_names[i].num == -r)
			return errno_names[i].name;
	snprintf(buf, size, "E%d", -r);
	return buf;
}

/* ---- helpers ----------------------------------------------------------- */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* @path with a leading '@' replaced by WORKDIR; NULL stays NULL. */
static const char *resolve(const char *path, char *buf, size_t size)
{
	int n;

	if (!path || path[0] != '@')
		return path;
	n = snprintf(buf, size, "%s%s", opt.workdir, path + 1);
	if (n < 0 || (size_t)n >= size)
		return NULL;
	return buf;
}

/* @data with every '@' replaced by WORKDIR (overlay's option string). */
static const char *expand(const char *data, char *buf, size_t size)
{
	size_t used = 0, wl = strlen(opt.workdir);

	if (!data)
		return NULL;
	for (const char *p = data; *p; p++) {
		const char *s = *p == '@' ? opt.workdir : p;
		size_t len = *p == '@' ? wl : 1;

		if (used + len >= size)
			return NULL;
		memcpy(buf + used, s, len);
		used += len;
	}
	buf[used] = '\0';
	return buf;
}

/* Waits for @pid, killing it once @ms have passed. Returns its status, or
 * -1 when it could not be waited for. */
static int reap(pid_t pid, long ms)
{
	long deadline = now_ms() + ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG | __WALL);

		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_ms() >= deadline)
			break;
		sleep_ms(2);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, __WALL) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

/* What a child does first: its own deadline, and signals as the kernel
 * defines them whatever the runtime left us. */
static void child_start(unsigned seconds)
{
	signal(SIGALRM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	alarm(seconds);
}

/* A forked copy of the probe, same profile, that waits to be signalled,
 * traced or read. It dies with its parent, and after SLEEPER_ALARM_S. */
static pid_t spawn_sleeper(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	child_start(SLEEPER_ALARM_S);
	for (;;)
		pause();
}

static void end_sleeper(pid_t pid)
{
	kill(pid, SIGKILL);
	reap(pid, CHILD_WAIT_MS);
}

/* Reads the int a child sends; R_TIMEOUT, R_CHILD_DIED when none comes. */
static int read_result(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	long deadline = now_ms() + CHILD_WAIT_MS;
	int r, value;
	ssize_t n;

	for (;;) {
		long left = deadline - now_ms();

		if (left <= 0)
			return R_TIMEOUT;
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			return R_CHILD_DIED;
	}
	do
		n = read(fd, &value, sizeof(value));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(value) ? value : R_CHILD_DIED;
}

/* Runs op->child(op) in a forked child and returns what it returned. */
static int run_in_child(const struct op *op)
{
	int p[2], r, st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "probe: %s: pipe: %s\n", op->name,
			strerror(errno));
		return R_SETUP_FAILED;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "probe: %s: fork: %s\n", op->name,
			strerror(errno));
		close(p[0]);
		close(p[1]);
		return R_SETUP_FAILED;
	}
	if (pid == 0) {
		close(p[0]);
		child_start(CHILD_ALARM_S);
		r = op->child(op);
		if (write(p[1], &r, sizeof(r)) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	r = read_result(p[0]);
	close(p[0]);
	st = reap(pid, r == R_TIMEOUT ? 0 : CHILD_WAIT_MS);
	/* Its own alarm() ended it: a timeout, not a crash. */
	if (r == R_CHILD_DIED && st >= 0 && WIFSIGNALED(st) &&
	    WTERMSIG(st) == SIGALRM)
		r = R_TIMEOUT;
	return r;
}

static int target_pid(enum target t, pid_t *ret)
{
	switch (t) {
	case T_SELF:
		*ret = getpid();
		return 0;
	case T_INIT:
		*ret = 1;
		return 0;
	case T_HOST:
		*ret = opt.host_pid;
		return opt.host_pid > 0 ? 0 : R_SKIPPED;
	case T_OTHER:
		*ret = opt.other_pid;
		return opt.other_pid > 0 ? 0 : R_SKIPPED;
	case T_CHILD:
		*ret = spawn_sleeper();
		return *ret > 0 ? 0 : R_SETUP_FAILED;
	}
	return R_SETUP_FAILED;
}

static int close_result(int fd)
{
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* ---- files ------------------------------------------------------------- */

/* Opens op->path with op->flags and closes it: nothing is read or written.
 * O_NONBLOCK so that no device or fifo can hold the open. */
static int op_open(const struct op *op)
{
	char buf[PATH_MAX];
	const char *path = resolve(op->path, buf, sizeof(buf));

	if (!path)
		return R_SETUP_FAILED;
	return close_result(
	    open(path, (int)op->flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
}

/* Creates op->path (fresh: removed first) and removes it again. */
static int op_create(const struct op *op)
{
	char buf[PATH_MAX];
	const char *path = resolve(op->path, buf, sizeof(buf));
	int r;

	if (!path)
		return R_SETUP_FAILED;
	unlink(path);
	r = close_result(
	    open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
	if (r == 0)
		unlink(path);
	return r;
}

/* Opens /proc/PID/<op->path> of op->a's process; reads it when op->b. */
static int op_proc_pid(const struct op *op)
{
	char path[64], data[4096];
	pid_t pid;
	int fd, r;

	r = target_pid((enum target)op->a, &pid);
	if (r)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, op->path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -errno : 0;
	if (fd >= 0 && op->b && read(fd, data, sizeof(data)) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	if (op->a == T_CHILD)
		end_sleeper(pid);
	return r;
}

/* ---- mounts (each in a child, in a mount namespace of its own) --------- */

static int c_mount(const struct op *op)
{
	char tb[PATH_MAX], sb[PATH_MAX], db[PATH_MAX];
	const char *target = resolve(op->path, tb, sizeof(tb));
	const char *source =
	    op->path2 ? resolve(op->path2, sb, sizeof(sb)) : op->fstype;
	const char *data = expand(op->data, db, sizeof(db));

	if (!target || (op->path2 && !source) || (op->data && !data))
		return R_SETUP_FAILED;
	if (unshare(CLONE_NEWNS) < 0)
		return R_SETUP_FAILED;
	if (op->c == P_TMPFS_SRC &&
	    mount("tmpfs", source, "tmpfs", 0, NULL) < 0)
		return R_SETUP_FAILED;
	if (mount(source, target, op->fstype, op->flags, data) < 0)
		return -errno;
	return 0;
}

/*
 * A remount without MS_BIND changes the superblock, which every mount of
 * that filesystem shares, the host's too. So the call is made from a new
 * user namespace: path_mount() asks the LSM (AppArmor) first and only then
 * may_mount(), which needs CAP_SYS_ADMIN over the mount namespace's owner,
 * now out of reach. Allowed by AppArmor reads EPERM, refused reads EACCES,
 * and nothing is ever remounted. (A kernel that checks may_mount() first
 * would show EPERM under every profile: still harmless.)
 */
static int c_remount_sb(const struct op *op)
{
	if (unshare(CLONE_NEWNS) < 0 || unshare(CLONE_NEWUSER) < 0)
		return R_SETUP_FAILED;
	if (mount(NULL, op->path, NULL, op->flags, NULL) < 0)
		return -errno;
	return 0;
}

static int c_umount(const struct op *op)
{
	char tb[PATH_MAX];
	const char *target = resolve(op->path, tb, sizeof(tb));

	if (!target || unshare(CLONE_NEWNS) < 0)
		return R_SETUP_FAILED;
	if (op->c == P_TMPFS_TARGET &&
	    mount("tmpfs", target, "tmpfs", 0, NULL) < 0)
		return R_SETUP_FAILED;
	if (umount2(target, (int)op->flags) < 0)
		return -errno;
	return 0;
}

static int c_pivot_root(const struct op *op)
{
	char nb[PATH_MAX], ob[PATH_MAX];
	const char *newroot = resolve(op->path, nb, sizeof(nb));
	int n;

	if (!newroot || unshare(CLONE_NEWNS) < 0)
		return R_SETUP_FAILED;
	n = snprintf(ob, sizeof(ob), "%s/put_old", newroot);
	if (n < 0 || (size_t)n >= sizeof(ob))
		return R_SETUP_FAILED;
	if (mount("tmpfs", newroot, "tmpfs", 0, NULL) < 0 ||
	    mkdir(ob, 0700) < 0)
		return R_SETUP_FAILED;
	if (syscall(SYS_pivot_root, newroot, ob) < 0)
		return -errno;
	return 0;
}

/* ---- sockets ----------------------------------------------------------- */

static int op_socket(const struct op *op)
{
	return close_result(socket(op->a, op->b | SOCK_CLOEXEC, op->c));
}

static int op_socketpair(const struct op *op)
{
	int sv[2];

	if (socketpair(op->a, op->b | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* The probe's own abstract AF_UNIX address (sun_path[0] == '\0'). */
static socklen_t abstract_addr(struct sockaddr_un *sun)
{
	int n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1,
		     "aa-oci-probe.%d", (int)probe_pid);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   (size_t)n);
}

/* A server in a child: binds and listens, says whether that worked, then
 * waits for one connection (or its alarm, or its parent's SIGKILL). */
static pid_t spawn_server(int *ret_fd)
{
	int p[2], r, s;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		struct sockaddr_un sun;
		socklen_t len = abstract_addr(&sun);

		close(p[0]);
		child_start(CHILD_ALARM_S);
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		r = s < 0 ? R_SETUP_FAILED : 0;
		if (!r && bind(s, (struct sockaddr *)&sun, len) < 0)
			r = -errno;
		if (!r && listen(s, 1) < 0)
			r = -errno;
		if (write(p[1], &r, sizeof(r)) < 0 || r)
			_exit(1);
		close(accept(s, NULL, NULL));
		_exit(0);
	}
	close(p[1]);
	*ret_fd = p[0];
	return pid;
}

static int op_unix_bind(const struct op *op)
{
	int fd, r;
	pid_t pid = spawn_server(&fd);

	(void)op;
	if (pid < 0)
		return R_SETUP_FAILED;
	r = read_result(fd);
	close(fd);
	end_sleeper(pid);
	return r;
}

static int op_unix_connect(const struct op *op)
{
	struct sockaddr_un sun;
	socklen_t len = abstract_addr(&sun);
	int fd, r, s;
	pid_t pid = spawn_server(&fd);

	(void)op;
	if (pid < 0)
		return R_SETUP_FAILED;
	r = read_result(fd);
	close(fd);
	s = r ? -1 : socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		r = R_SETUP_FAILED;
	else
		r = connect(s, (struct sockaddr *)&sun, len) < 0 ? -errno : 0;
	if (s >= 0)
		close(s);
	end_sleeper(pid);
	return r;
}

/* SO_MARK needs net_admin (or, since 5.17, net_raw). */
static int op_so_mark(const struct op *op)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mark = 1, r;

	(void)op;
	if (s < 0)
		return R_SETUP_FAILED;
	r = setsockopt(s, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0 ? -errno
									: 0;
	close(s);
	return r;
}

/* A port below ip_unprivileged_port_start needs net_bind_service. */
static int op_bind_low_port(const struct op *op)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(1),
				  .sin_addr.s_addr = htonl(INADDR_ANY)};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	(void)op;
	if (s < 0)
		return R_SETUP_FAILED;
	r = bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 ? -errno : 0;
	close(s);
	return r;
}

/* ---- signals and ptrace ------------------------------------------------ */

/* Only there so that SIGUSR1 to ourselves does not end the run. */
static void on_usr1(int sig)
{
	(void)sig;
}

static int op_signal(const struct op *op)
{
	pid_t pid;
	int r = target_pid((enum target)op->a, &pid);

	if (r)
		return r;
	r = kill(pid, op->b) < 0 ? -errno : 0;
	if (op->a == T_CHILD)
		end_sleeper(pid);
	return r;
}

/* Waits until @pid reports a ptrace stop, at most STOP_WAIT_MS. */
static bool wait_stop(pid_t pid)
{
	long deadline = now_ms() + STOP_WAIT_MS;
	int st;

	while (now_ms() < deadline) {
		pid_t r = waitpid(pid, &st, WNOHANG | __WALL);

		if (r == pid)
			return WIFSTOPPED(st);
		if (r < 0 && errno != EINTR)
			return false;
		sleep_ms(2);
	}
	return false;
}

/*
 * Attach as a tracer, in a child. PTRACE_SEIZE asks the kernel (and
 * AppArmor: "ptrace trace") exactly what PTRACE_ATTACH asks, but sends no
 * SIGSTOP, so a target is never left stopped: if anything goes wrong the
 * child dies and the kernel detaches. The child's own target is its child,
 * so Yama's descendant rule holds as it would for a debugger.
 */
static int c_ptrace_attach(const struct op *op)
{
	pid_t pid;
	int r = target_pid((enum target)op->a, &pid);

	if (r)
		return r;
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0) {
		r = -errno;
	} else if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) == 0 &&
		   wait_stop(pid)) {
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	}
	if (op->a == T_CHILD)
		end_sleeper(pid);
	return r;
}

static int op_vm_readv(const struct op *op)
{
	unsigned long value = 0;
	struct iovec local = {.iov_base = &value, .iov_len = sizeof(value)};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)&marker,
			       .iov_len = sizeof(marker)};
	pid_t pid;
	ssize_t n;
	int r = target_pid((enum target)op->a, &pid);

	if (r)
		return r;
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		r = -errno;
	else if (n != (ssize_t)sizeof(value) || value != marker)
		r = -EIO;
	end_sleeper(pid);
	return r;
}

/* ---- capabilities and the rest (children unless stateless) ------------ */

static int c_sethostname(const struct op *op)
{
	static const char name[] = "aa-oci-probe";

	(void)op;
	if (unshare(CLONE_NEWUTS) < 0)
		return R_SETUP_FAILED;
	return sethostname(name, sizeof(name) - 1) < 0 ? -errno : 0;
}

static int c_setuid(const struct op *op)
{
	(void)op;
	return setuid(1) < 0 ? -errno : 0;
}

static int c_setgid(const struct op *op)
{
	(void)op;
	return setgid(1) < 0 ? -errno : 0;
}

static int c_unshare(const struct op *op)
{
	return unshare(op->a) < 0 ? -errno : 0;
}

static int c_chroot(const struct op *op)
{
	char buf[PATH_MAX];
	const char *path = resolve(op->path, buf, sizeof(buf));

	if (!path)
		return R_SETUP_FAILED;
	return chroot(path) < 0 ? -errno : 0;
}

static int c_setpcap(const struct op *op)
{
	(void)op;
	return prctl(PR_CAPBSET_DROP, PROBE_CAP_SYS_BOOT, 0, 0, 0) < 0 ? -errno
								       : 0;
}

/* One step below the current nice value; below RLIMIT_NICE needs sys_nice. */
static int c_nice(const struct op *op)
{
	int prio;

	(void)op;
	errno = 0;
	prio = getpriority(PRIO_PROCESS, 0);
	if (errno || prio <= -20)
		return R_SETUP_FAILED;
	return setpriority(PRIO_PROCESS, 0, prio - 1) < 0 ? -errno : 0;
}

/* Writes op->data to op->path (an attr file of the child's own). */
static int c_attr_write(const struct op *op)
{
	size_t len = strlen(op->data);
	int fd = open(op->path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, op->data, len);
	close(fd);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int c_exec(const struct op *op)
{
	char arg0[] = "true";
	char *const argv[] = {arg0, NULL};
	char *const envp[] = {NULL};

	execve(op->path, argv, envp);
	return -errno;
}

/* A child that execs op->path: ok when that exits 0. Not run_in_child,
 * since success means no answer on the pipe (close-on-exec). */
static int op_exec(const struct op *op)
{
	int p[2], r, st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return R_SETUP_FAILED;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return R_SETUP_FAILED;
	}
	if (pid == 0) {
		close(p[0]);
		child_start(CHILD_ALARM_S);
		r = c_exec(op);
		if (write(p[1], &r, sizeof(r)) < 0)
			_exit(126);
		_exit(127);
	}
	close(p[1]);
	r = read_result(p[0]);
	close(p[0]);
	st = reap(pid, r == R_TIMEOUT ? 0 : CHILD_WAIT_MS);
	if (r != R_CHILD_DIED)
		return r;
	return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0
								: R_CHILD_DIED;
}

/* mknod of /dev/null's numbers in WORKDIR, removed again. */
static int op_mknod(const struct op *op)
{
	char buf[PATH_MAX];
	const char *path = resolve(op->path, buf, sizeof(buf));

	if (!path)
		return R_SETUP_FAILED;
	unlink(path);
	if (mknod(path, S_IFCHR | 0600, makedev(1, 3)) < 0)
		return -errno;
	unlink(path);
	return 0;
}

static int op_chown(const struct op *op)
{
	char buf[PATH_MAX];
	const char *path = resolve(op->path, buf, sizeof(buf));
	int fd, r;

	if (!path)
		return R_SETUP_FAILED;
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return R_SETUP_FAILED;
	close(fd);
	r = chown(path, 1, 1) < 0 ? -errno : 0;
	unlink(path);
	return r;
}

/* A file of mode 0000 opened for writing: the owner (root) gets through
 * only with dac_override. */
static int op_dac_override(const struct op *op)
{
	char buf[PATH_MAX];
	const char *path = resolve(op->path, buf, sizeof(buf));
	int fd, r;

	if (!path)
		return R_SETUP_FAILED;
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return R_SETUP_FAILED;
	close(fd);
	r = close_result(open(path, O_WRONLY | O_CLOEXEC));
	unlink(path);
	return r;
}

/* sys_module is checked before the name is looked up, and no module has
 * this name: nothing can be unloaded. */
static int op_delete_module(const struct op *op)
{
	(void)op;
	return syscall(SYS_delete_module, "aa_oci_probe_none", O_NONBLOCK) < 0
		   ? -errno
		   : 0;
}

/* SYSLOG_ACTION_CLOSE does nothing, but only with syslog (unlike SIZE_BUFFER
 * and READ_ALL, which dmesg_restrict=0 leaves open to all). */
static int op_syslog(const struct op *op)
{
	(void)op;
	return klogctl(PROBE_SYSLOG_ACTION_CLOSE, NULL, 0) < 0 ? -errno : 0;
}

static int op_bpf_map(const struct op *op)
{
	union bpf_attr attr;
	long fd;

	(void)op;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	return close_result((int)fd);
}

/* ---- the operations ---------------------------------------------------- */

#define OPEN_W(n, p)                                                           \
	{                                                                      \
		.name = n, .what = "open " p " write-only (nothing written)",  \
		.run = op_open, .path = p, .flags = O_WRONLY                   \
	}
#define OPEN_R(n, p)                                                           \
	{                                                                      \
		.name = n, .what = "open " p " read-only (nothing read)",      \
		.run = op_open, .path = p, .flags = O_RDONLY                   \
	}
#define OPEN_D(n, p)                                                           \
	{                                                                      \
		.name = n, .what = "open directory " p, .run = op_open,        \
		.path = p, .flags = O_RDONLY | O_DIRECTORY                     \
	}
#define MOUNT(n, w, src, dst, type, fl, d, prep)                               \
	{                                                                      \
		.name = n, .what = w, .child = c_mount, .path = dst,           \
		.path2 = src, .fstype = type, .flags = fl, .data = d,          \
		.c = prep                                                      \
	}
#define NEWFS(n, type, dst, d)                                                 \
	MOUNT(n, "mount " type " at " dst, NULL, dst, type, 0, d, P_NONE)
#define PROP(n, dst, fl, w)                                                    \
	MOUNT(n, "mount --make-" w " " dst, NULL, dst, NULL, fl, NULL, P_NONE)
#define SOCK(n, fam, type, proto, w)                                           \
	{                                                                      \
		.name = n, .what = "socket(" w ")", .run = op_socket,          \
		.a = fam, .b = type, .c = proto                                \
	}
#define SIG(n, t, sig, w)                                                      \
	{                                                                      \
		.name = n, .what = w, .run = op_signal, .a = t, .b = sig       \
	}
#define PROCPID(n, t, file, rd, w)                                             \
	{                                                                      \
		.name = n, .what = w, .run = op_proc_pid, .path = file,        \
		.a = t, .b = rd                                                \
	}
#define RUN(n, fn, p, w)                                                       \
	{                                                                      \
		.name = n, .what = w, .run = fn, .path = p                     \
	}
#define RUNA(n, fn, arg, w)                                                    \
	{                                                                      \
		.name = n, .what = w, .run = fn, .a = arg                      \
	}
#define KID(n, fn, p, arg, w)                                                  \
	{                                                                      \
		.name = n, .what = w, .child = fn, .path = p, .a = arg         \
	}
#define ATTR(n, p, d)                                                          \
	{                                                                      \
		.name = n, .what = "write \"" d "\" to " p ", in a child",     \
		.child = c_attr_write, .path = p, .data = d                    \
	}
static const struct op ops[] = {
    /* /proc: kernel knobs opened for writing, never written */
    OPEN_W("proc.w.sysrq-trigger", "/proc/sysrq-trigger"),
    OPEN_W("proc.w.sys.kernel.hostname", "/proc/sys/kernel/hostname"),
    OPEN_W("proc.w.sys.kernel.domainname", "/proc/sys/kernel/domainname"),
    OPEN_W("proc.w.sys.kernel.shmmax", "/proc/sys/kernel/shmmax"),
    OPEN_W("proc.w.sys.kernel.sem", "/proc/sys/kernel/sem"),
    OPEN_W("proc.w.sys.kernel.msgmax", "/proc/sys/kernel/msgmax"),
    OPEN_W("proc.w.sys.kernel.core_pattern", "/proc/sys/kernel/core_pattern"),
    OPEN_W("proc.w.sys.kernel.modprobe", "/proc/sys/kernel/modprobe"),
    OPEN_W("proc.w.sys.vm.drop_caches", "/proc/sys/vm/drop_caches"),
    OPEN_W("proc.w.sys.fs.file-max", "/proc/sys/fs/file-max"),
    OPEN_W("proc.w.sys.fs.binfmt_misc.register",
	   "/proc/sys/fs/binfmt_misc/register"),
    OPEN_W("proc.w.sys.net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward"),
    OPEN_W("proc.w.sys.net.core.somaxconn", "/proc/sys/net/core/somaxconn"),
    OPEN_W("proc.w.self.oom_score_adj", "/proc/self/oom_score_adj"),
    OPEN_W("proc.w.self.attr.current", "/proc/self/attr/current"),
    OPEN_W("proc.w.keys", "/proc/keys"),
    OPEN_W("proc.w.timer_list", "/proc/timer_list"),
    /* /proc: reads */
    OPEN_R("proc.r.kcore", "/proc/kcore"),
    OPEN_R("proc.r.sysrq-trigger", "/proc/sysrq-trigger"),
    OPEN_D("proc.r.acpi", "/proc/acpi"),
    OPEN_D("proc.r.bus.pci", "/proc/bus/pci"),
    OPEN_R("proc.r.self.attr.current", "/proc/self/attr/current"),
    OPEN_R("proc.r.self.mountinfo", "/proc/self/mountinfo"),
    OPEN_R("proc.r.1.environ", "/proc/1/environ"),
    OPEN_R("proc.r.kmsg", "/proc/kmsg"),
    OPEN_R("proc.r.keys", "/proc/keys"),
    OPEN_R("proc.r.timer_list", "/proc/timer_list"),

    /* /sys */
    OPEN_W("sys.w.fs.cgroup.cgroup.procs", "/sys/fs/cgroup/cgroup.procs"),
    OPEN_W("sys.w.class.net.lo.mtu", "/sys/class/net/lo/mtu"),
    OPEN_W("sys.w.devices.virtual.net.lo.mtu",
	   "/sys/devices/virtual/net/lo/mtu"),
    OPEN_W("sys.w.kernel.mm.transparent_hugepage.enabled",
	   "/sys/kernel/mm/transparent_hugepage/enabled"),
    OPEN_W("sys.w.power.state", "/sys/power/state"),
    OPEN_W("sys.w.kernel.uevent_helper", "/sys/kernel/uevent_helper"),
    OPEN_W("sys.w.module.apparmor.parameters.enabled",
	   "/sys/module/apparmor/parameters/enabled"),
    OPEN_D("sys.r.firmware", "/sys/firmware"),
    OPEN_D("sys.r.kernel.debug", "/sys/kernel/debug"),
    OPEN_D("sys.r.kernel.security", "/sys/kernel/security"),
    OPEN_R("sys.r.kernel.security.apparmor.profiles",
	   "/sys/kernel/security/apparmor/profiles"),
    OPEN_D("sys.r.devices.virtual.powercap", "/sys/devices/virtual/powercap"),
    OPEN_R("sys.r.module.apparmor.parameters.enabled",
	   "/sys/module/apparmor/parameters/enabled"),
    OPEN_D("sys.r.fs.cgroup", "/sys/fs/cgroup"),

    /* mounts: each in a child with a mount namespace of its own */
    NEWFS("mount.proc.elsewhere", "proc", "@/p", NULL),
    NEWFS("mount.proc.proc", "proc", "/proc", NULL),
    NEWFS("mount.sysfs.elsewhere", "sysfs", "@/s", NULL),
    NEWFS("mount.sysfs.sys", "sysfs", "/sys", NULL),
    NEWFS("mount.tmpfs", "tmpfs", "@/t", NULL),
    NEWFS("mount.mqueue", "mqueue", "@/mq", NULL),
    NEWFS("mount.cgroup2", "cgroup2", "@/cg2", NULL),
    NEWFS("mount.cgroup1", "cgroup", "@/cg1", "none,name=aa_oci_probe"),
    NEWFS("mount.overlay", "overlay", "@/ovl/merged",
	  "lowerdir=@/ovl/lower,upperdir=@/ovl/upper,workdir=@/ovl/work"),
    NEWFS("mount.devpts.newinstance", "devpts", "@/pts",
	  "newinstance,ptmxmode=0666,mode=0620"),
    NEWFS("mount.binfmt_misc.elsewhere", "binfmt_misc", "@/binfmt", NULL),
    NEWFS("mount.binfmt_misc.proc", "binfmt_misc", "/proc/sys/fs/binfmt_misc",
	  NULL),
    NEWFS("mount.securityfs", "securityfs", "@/secfs", NULL),
    NEWFS("mount.debugfs", "debugfs", "@/dbgfs", NULL),
    MOUNT("mount.bind", "mount --bind WORKDIR/bind-src WORKDIR/bind-dst",
	  "@/bind-src", "@/bind-dst", NULL, MS_BIND, NULL, P_NONE),
    MOUNT("mount.rbind", "mount --rbind WORKDIR/bind-src WORKDIR/bind-dst",
	  "@/bind-src", "@/bind-dst", NULL, MS_BIND | MS_REC, NULL, P_NONE),
    MOUNT("mount.bind.proc", "mount --bind /proc WORKDIR/proc-bind", "/proc",
	  "@/proc-bind", NULL, MS_BIND, NULL, P_NONE),
    MOUNT("mount.move",
	  "mount --move WORKDIR/move-src WORKDIR/move-dst (a tmpfs "
	  "mounted first)",
	  "@/move-src", "@/move-dst", NULL, MS_MOVE, NULL, P_TMPFS_SRC),
    {.name = "mount.remount.root-ro",
     .what = "mount -o remount,ro / (from a new user namespace: see "
	     "README)",
     .child = c_remount_sb,
     .path = "/",
     .flags = MS_REMOUNT | MS_RDONLY},
    MOUNT("mount.remount.root-ro-bind", "mount -o remount,bind,ro /", NULL, "/",
	  NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL, P_NONE),
    {.name = "mount.remount.sys-rw",
     .what = "mount -o remount,rw /sys (from a new user namespace: see "
	     "README)",
     .child = c_remount_sb,
     .path = "/sys",
     .flags = MS_REMOUNT},
    PROP("mount.prop.root.private", "/", MS_PRIVATE, "private"),
    PROP("mount.prop.root.rprivate", "/", MS_PRIVATE | MS_REC, "rprivate"),
    PROP("mount.prop.root.slave", "/", MS_SLAVE, "slave"),
    PROP("mount.prop.root.rslave", "/", MS_SLAVE | MS_REC, "rslave"),
    PROP("mount.prop.root.shared", "/", MS_SHARED, "shared"),
    PROP("mount.prop.root.unbindable", "/", MS_UNBINDABLE, "unbindable"),
    PROP("mount.prop.workdir.private", "@", MS_PRIVATE, "private"),
    PROP("mount.prop.workdir.rprivate", "@", MS_PRIVATE | MS_REC, "rprivate"),
    PROP("mount.prop.workdir.slave", "@", MS_SLAVE, "slave"),
    PROP("mount.prop.workdir.rslave", "@", MS_SLAVE | MS_REC, "rslave"),
    PROP("mount.prop.workdir.shared", "@", MS_SHARED, "shared"),
    PROP("mount.prop.workdir.unbindable", "@", MS_UNBINDABLE, "unbindable"),
    KID("mount.pivot_root", c_pivot_root, "@/newroot", 0,
	"pivot_root WORKDIR/newroot WORKDIR/newroot/put_old (a "
	"tmpfs mounted first)"),
    {.name = "umount.tmpfs",
     .what = "umount WORKDIR/umount (a tmpfs mounted first)",
     .child = c_umount,
     .path = "@/umount",
     .c = P_TMPFS_TARGET},
    {.name = "umount.proc",
     .what = "umount -l /proc",
     .child = c_umount,
     .path = "/proc",
     .flags = MNT_DETACH},

    /* sockets */
    SOCK("sock.inet.stream", AF_INET, SOCK_STREAM, 0, "AF_INET, STREAM"),
    SOCK("sock.inet.dgram", AF_INET, SOCK_DGRAM, 0, "AF_INET, DGRAM"),
    SOCK("sock.inet.raw", AF_INET, SOCK_RAW, IPPROTO_ICMP,
	 "AF_INET, RAW, IPPROTO_ICMP"),
    SOCK("sock.inet6.stream", AF_INET6, SOCK_STREAM, 0, "AF_INET6, STREAM"),
    SOCK("sock.inet6.dgram", AF_INET6, SOCK_DGRAM, 0, "AF_INET6, DGRAM"),
    SOCK("sock.unix.stream", AF_UNIX, SOCK_STREAM, 0, "AF_UNIX, STREAM"),
    SOCK("sock.unix.dgram", AF_UNIX, SOCK_DGRAM, 0, "AF_UNIX, DGRAM"),
    SOCK("sock.netlink.route", AF_NETLINK, SOCK_RAW, NETLINK_ROUTE,
	 "AF_NETLINK, RAW, NETLINK_ROUTE"),
    SOCK("sock.netlink.audit", AF_NETLINK, SOCK_RAW, NETLINK_AUDIT,
	 "AF_NETLINK, RAW, NETLINK_AUDIT"),
    SOCK("sock.packet", AF_PACKET, SOCK_RAW, 0, "AF_PACKET, RAW, 0"),
    SOCK("sock.alg", AF_ALG, SOCK_SEQPACKET, 0, "AF_ALG, SEQPACKET"),
    SOCK("sock.key", AF_KEY, SOCK_RAW, PROBE_PF_KEY_V2,
	 "AF_KEY, RAW, PF_KEY_V2"),
    SOCK("sock.vsock", AF_VSOCK, SOCK_STREAM, 0, "AF_VSOCK, STREAM"),
    SOCK("sock.bluetooth", AF_BLUETOOTH, SOCK_RAW, PROBE_BTPROTO_HCI,
	 "AF_BLUETOOTH, RAW, BTPROTO_HCI"),
    SOCK("sock.can", AF_CAN, SOCK_RAW, PROBE_CAN_RAW, "AF_CAN, RAW, CAN_RAW"),
    SOCK("sock.appletalk", AF_APPLETALK, SOCK_DGRAM, 0, "AF_APPLETALK, DGRAM"),
    {.name = "sock.unix.socketpair",
     .what = "socketpair(AF_UNIX, STREAM)",
     .run = op_socketpair,
     .a = AF_UNIX,
     .b = SOCK_STREAM},
    RUN("sock.unix.abstract.bind", op_unix_bind, NULL,
	"bind + listen on an abstract AF_UNIX address, in a child"),
    RUN("sock.unix.abstract.connect", op_unix_connect, NULL,
	"connect to that address (a child binds it first)"),

    /* signals */
    SIG("signal.self.kill0", T_SELF, 0, "kill(self, 0)"),
    SIG("signal.self.usr1", T_SELF, SIGUSR1,
	"kill(self, SIGUSR1), a handler installed"),
    SIG("signal.child.kill0", T_CHILD, 0, "kill(forked child, 0)"),
    SIG("signal.child.term", T_CHILD, SIGTERM, "kill(forked child, SIGTERM)"),
    SIG("signal.host.kill0", T_HOST, 0, "kill(HOST_PID, 0)"),
    SIG("signal.host.cont", T_HOST, SIGCONT, "kill(HOST_PID, SIGCONT)"),
    SIG("signal.other.kill0", T_OTHER, 0, "kill(OTHER_PID, 0)"),
    SIG("signal.other.cont", T_OTHER, SIGCONT, "kill(OTHER_PID, SIGCONT)"),
    SIG("signal.init.kill0", T_INIT, 0, "kill(1, 0)"),

    /* ptrace and what needs ptrace read access */
    KID("ptrace.child.attach", c_ptrace_attach, NULL, T_CHILD,
	"PTRACE_SEIZE + INTERRUPT + DETACH a forked child"),
    PROCPID("ptrace.child.environ", T_CHILD, "environ", 0,
	    "open /proc/CHILD/environ"),
    PROCPID("ptrace.child.mem", T_CHILD, "mem", 0,
	    "open /proc/CHILD/mem read-only"),
    RUNA("ptrace.child.vm-readv", op_vm_readv, T_CHILD,
	 "process_vm_readv from a forked child"),
    KID("ptrace.host.attach", c_ptrace_attach, NULL, T_HOST,
	"PTRACE_SEIZE + INTERRUPT + DETACH HOST_PID"),
    PROCPID("ptrace.host.environ", T_HOST, "environ", 0,
	    "open /proc/HOST_PID/environ"),
    PROCPID("ptrace.host.stat", T_HOST, "stat", 1, "read /proc/HOST_PID/stat"),
    KID("ptrace.other.attach", c_ptrace_attach, NULL, T_OTHER,
	"PTRACE_SEIZE + INTERRUPT + DETACH OTHER_PID"),
    PROCPID("ptrace.other.environ", T_OTHER, "environ", 0,
	    "open /proc/OTHER_PID/environ"),
    PROCPID("ptrace.other.stat", T_OTHER, "stat", 1,
	    "read /proc/OTHER_PID/stat"),

    /* capabilities */
    KID("cap.sethostname", c_sethostname, NULL, 0,
	"sethostname after unshare(CLONE_NEWUTS), in a child"),
    RUN("cap.mknod", op_mknod, "@/mknod",
	"mknod c 1 3 in WORKDIR (removed again)"),
    RUN("cap.chown", op_chown, "@/chown", "chown 1:1 a new file in WORKDIR"),
    RUN("cap.dac-override", op_dac_override, "@/mode0",
	"open for writing a new mode-0000 file in WORKDIR"),
    KID("cap.setuid", c_setuid, NULL, 0, "setuid(1), in a child"),
    KID("cap.setgid", c_setgid, NULL, 0, "setgid(1), in a child"),
    KID("cap.setpcap", c_setpcap, NULL, 0,
	"drop CAP_SYS_BOOT from the bounding set, in a child"),
    KID("cap.sys-nice", c_nice, NULL, 0,
	"lower the nice value by 1, in a child"),
    RUN("cap.sys-module", op_delete_module, NULL,
	"delete_module of a name no module has"),
    RUN("cap.syslog", op_syslog, NULL,
	"syslog(SYSLOG_ACTION_CLOSE), a no-op that needs syslog"),
    RUN("cap.bpf", op_bpf_map, NULL,
	"bpf(BPF_MAP_CREATE) of a 1-entry array, closed"),
    RUN("cap.so-mark", op_so_mark, NULL, "setsockopt(SO_MARK) on a UDP socket"),
    RUN("cap.net-bind-service", op_bind_low_port, NULL,
	"bind TCP port 1 on INADDR_ANY"),
    KID("cap.unshare.user", c_unshare, NULL, CLONE_NEWUSER,
	"unshare(CLONE_NEWUSER), in a child"),
    KID("cap.unshare.net", c_unshare, NULL, CLONE_NEWNET,
	"unshare(CLONE_NEWNET), in a child"),
    KID("cap.unshare.ipc", c_unshare, NULL, CLONE_NEWIPC,
	"unshare(CLONE_NEWIPC), in a child"),
    KID("cap.unshare.cgroup", c_unshare, NULL, CLONE_NEWCGROUP,
	"unshare(CLONE_NEWCGROUP), in a child"),
    KID("cap.chroot", c_chroot, "@", 0, "chroot(WORKDIR), in a child"),

    /* AppArmor's own interface */
    ATTR("aa.changeprofile", "/proc/self/attr/current",
	 "changeprofile unconfined"),
    ATTR("aa.exec", "/proc/self/attr/exec", "exec unconfined"),
    ATTR("aa.apparmor.exec", "/proc/self/attr/apparmor/exec",
	 "exec unconfined"),
    OPEN_R("aa.apparmor.current.r", "/proc/self/attr/apparmor/current"),
    OPEN_W("aa.load.w", "/sys/kernel/security/apparmor/.load"),
    OPEN_W("aa.replace.w", "/sys/kernel/security/apparmor/.replace"),
    OPEN_W("aa.remove.w", "/sys/kernel/security/apparmor/.remove"),

    /* the rest */
    OPEN_R("dev.kmsg.r", "/dev/kmsg"),
    OPEN_W("dev.null.w", "/dev/null"),
    RUN("file.create", op_create, "@/created",
	"create a file in WORKDIR (removed again)"),
    RUN("exec.bin-true", op_exec, "/bin/true",
	"execve /bin/true in a child; ok when it exits 0"),
};

#define N_OPS (sizeof(ops) / sizeof(ops[0]))

/* ---- main ------------------------------------------------------------- */

/* The directories the mount ops use, made before any op runs. */
static const char *const work_dirs[] = {
    "p",	"s",	     "t",	  "mq",	      "cg2",	    "cg1",
    "ovl",	"ovl/lower", "ovl/upper", "ovl/work", "ovl/merged", "pts",
    "binfmt",	"secfs",     "dbgfs",	  "bind-src", "bind-dst",   "proc-bind",
    "move-src", "move-dst",  "umount",	  "newroot",
};

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * A mount made in a child's new mount namespace reaches other namespaces
 * when it lands on a shared mount. Containers get slave or private mounts
 * (runc makes the root rslave), the host's own namespace (systemd) shared:
 * refuse to run there rather than leave mounts behind.
 */
static int check_no_shared_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int r = 0;

	if (!f) {
		r = -errno;
		fprintf(stderr, "probe: /proc/self/mountinfo: %s\n",
			strerror(errno));
		return r;
	}
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");
		char *shared = strstr(line, " shared:");
		char mnt_point[1024] = "";

		if (!sep || !shared || shared > sep)
			continue;
		sscanf(line, "%*s %*s %*s %*s %1023s", mnt_point);
		fprintf(stderr,
			"probe: %s is a shared mount; mounts made by the "
			"probe would propagate out of its namespace. Run it "
			"in a container (runc makes / rslave) or under "
			"unshare -m (private)\n",
			mnt_point);
		r = -EBUSY;
		break;
	}
	fclose(f);
	return r;
}

static int parse_pid(const char *s, pid_t *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > INT_MAX)
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

/* Prints @s with each '@' spelled WORKDIR. */
static void print_workdir(const char *s)
{
	for (; *s; s++)
		if (*s == '@')
			fputs("WORKDIR", stdout);
		else
			putchar(*s);
}

/* --list: "NAME<TAB>what it does", in the order a run prints them. */
static void print_list(void)
{
	for (size_t i = 0; i < N_OPS; i++) {
		printf("%s\t", ops[i].name);
		print_workdir(ops[i].what);
		if (ops[i].child == c_mount && ops[i].data) {
			fputs(" -o ", stdout);
			print_workdir(ops[i].data);
		}
		putchar('\n');
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: probe [--host-pid PID] [--other-pid PID] "
		   "[--workdir DIR]\n"
		   "       probe --list\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"host-pid", required_argument, NULL, 'H'},
	    {"other-pid", required_argument, NULL, 'O'},
	    {"workdir", required_argument, NULL, 'w'},
	    {"list", no_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct sigaction sa = {.sa_handler = on_usr1};
	bool list = false;
	sigset_t none;
	long start;
	int c, r;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'H':
		case 'O':
			if (parse_pid(optarg, c == 'H' ? &opt.host_pid
						       : &opt.other_pid) < 0) {
				fprintf(stderr, "probe: bad pid \"%s\"\n",
					optarg);
				return 2;
			}
			break;
		case 'w':
			opt.workdir = optarg;
			break;
		case 'l':
			list = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (list) {
		print_list();
		return 0;
	}
	if (opt.workdir[0] != '/' || strlen(opt.workdir) > PATH_MAX / 4) {
		fprintf(stderr,
			"probe: --workdir must be an absolute path "
			"(at most %d bytes)\n",
			PATH_MAX / 4);
		return 2;
	}

	if (check_no_shared_mounts() < 0)
		return 1;
	r = mkdir_p(opt.workdir);
	if (r < 0) {
		fprintf(stderr, "probe: %s: %s; give a writable --workdir\n",
			opt.workdir, strerror(-r));
		return 1;
	}
	for (size_t i = 0; i < sizeof(work_dirs) / sizeof(work_dirs[0]); i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", opt.workdir,
			 work_dirs[i]);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fprintf(stderr, "probe: %s: %s\n", path,
				strerror(errno));
	}

	/* Whatever the runtime left blocked or ignored, start clean. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);

	probe_pid = getpid();
	start = now_ms();
	for (size_t i = 0; i < N_OPS; i++) {
		char buf[16];

		r = ops[i].child ? run_in_child(&ops[i]) : ops[i].run(&ops[i]);
		printf("%s\t%s\n", ops[i].name,
		       result_name(r, buf, sizeof(buf)));
		fflush(stdout);
	}
	fprintf(stderr, "probe: %zu operations in %ld ms\n", N_OPS,
		now_ms() - start);
	return 0;
}
