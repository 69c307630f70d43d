/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libseccomp filters for aa-oci-exec, from a parsed OCI seccomp object or
 * from the built-in default. The only file that includes <seccomp.h>.
 *
 * Building and loading are separate steps: main() builds early, while it
 * can still report errors cleanly, and loads last, just before exec, after
 * the AppArmor exec label and no_new_privs are set.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <seccomp.h>

#include "cleanup.h"
#include "aa-oci/seccomp.h"
#include "aa-oci/util.h"

/* libseccomp takes at most this many conditions in one rule. */
#define ARGS_PER_RULE 6

/* How long building a filter may take (see struct watchdog). Docker's
 * profile, 400 names, takes about 10 ms; tens under ASan or on a busy
 * machine. */
#define BUILD_DEADLINE_MS 2000
/* The kernel's limit on one filter (BPF_MAXINSNS). */
#define FILTER_INSNS_MAX 4096

/* Where a build is: the rule and name being added, for a message. */
struct progress {
	size_t rule, name;
	bool generating; /* past the rules, generating BPF */
};

struct builder {
	scmp_filter_ctx ctx;
	uint32_t default_action;
	const char **skipped; /* borrowed names; copied into the report */
	size_t n_skipped, cap_skipped;
	const char **skipped_arches; /* the same for architectures */
	size_t n_skipped_arches;
	size_t n_added, n_as_default;
	volatile struct progress *progress; /* shared with the watchdog */
};

static void builder_done(struct builder *b)
{
	if (b->ctx)
		seccomp_release(b->ctx);
	free(b->skipped);
	free(b->skipped_arches);
	*b = (struct builder){0};
}

static uint32_t action_of(enum aa_oci_seccomp_action a, unsigned errno_ret)
{
	switch (a) {
	case AA_OCI_SECCOMP_KILL:
	case AA_OCI_SECCOMP_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case AA_OCI_SECCOMP_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case AA_OCI_SECCOMP_TRAP:
		return SCMP_ACT_TRAP;
	case AA_OCI_SECCOMP_ERRNO:
		return SCMP_ACT_ERRNO(errno_ret);
	case AA_OCI_SECCOMP_TRACE:
		return SCMP_ACT_TRACE(errno_ret);
	case AA_OCI_SECCOMP_ALLOW:
		return SCMP_ACT_ALLOW;
	case AA_OCI_SECCOMP_LOG:
		return SCMP_ACT_LOG;
	}
	/* not reached for values oci_seccomp_parse produces; fail closed */
	return SCMP_ACT_KILL_PROCESS;
}

static enum scmp_compare op_of(enum aa_oci_seccomp_op op)
{
	switch (op) {
	case AA_OCI_SECCOMP_NE:
		return SCMP_CMP_NE;
	case AA_OCI_SECCOMP_LT:
		return SCMP_CMP_LT;
	case AA_OCI_SECCOMP_LE:
		return SCMP_CMP_LE;
	case AA_OCI_SECCOMP_EQ:
		return SCMP_CMP_EQ;
	case AA_OCI_SECCOMP_GE:
		return SCMP_CMP_GE;
	case AA_OCI_SECCOMP_GT:
		return SCMP_CMP_GT;
	case AA_OCI_SECCOMP_MASKED_EQ:
		return SCMP_CMP_MASKED_EQ;
	}
	return _SCMP_CMP_MIN; /* libseccomp refuses it: fails the build */
}

/*
 * A filter that never sets no_new_privs behind main()'s back (that is
 * --no-new-privs' job, and it changes what AppArmor lets exec do), and
 * that reports the kernel's own errno rather than libseccomp's -ECANCELED.
 */
static int builder_init(struct builder *b, uint32_t default_action,
			struct aa_oci_err *err)
{
	int r;

	*b = (struct builder){.default_action = default_action,
			      .progress = b->progress};
	b->ctx = seccomp_init(default_action);
	if (!b->ctx)
		return err_set(err, -EINVAL,
			       "seccomp: libseccomp refused the default action "
			       "0x%08x (kernel or libseccomp too old for it?)",
			       default_action);
	r = seccomp_attr_set(b->ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r == 0)
		r = seccomp_attr_set(b->ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (r < 0)
		return err_set(err, r, "seccomp: cannot set up the filter: %s",
			       strerror(-r));
	return 0;
}

static int skip_name(struct builder *b, const char *name)
{
	if (b->n_skipped == b->cap_skipped) {
		size_t cap = b->cap_skipped ? 2 * b->cap_skipped : 16;
		const char **p = realloc(b->skipped, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		b->skipped = p;
		b->cap_skipped = cap;
	}
	b->skipped[b->n_skipped++] = name;
	return 0;
}

/* One libseccomp rule: @name with @action when all of @cmp hold. */
static int add_rule(struct builder *b, const char *name, uint32_t action,
		    const struct scmp_arg_cmp *cmp, unsigned n_cmp,
		    struct aa_oci_err *err)
{
	int nr, r;

	/* libseccomp refuses these, and they change nothing */
	if (action == b->default_action) {
		b->n_as_default++;
		return 0;
	}
	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return skip_name(b, name);
	/* Not _exact: libseccomp translates the number for each architecture
	 * in the filter and leaves out those lacking the syscall. */
	r = seccomp_rule_add_array(b->ctx, action, nr, n_cmp, cmp);
	if (r < 0)
		return err_set(
		    err, r,
		    "seccomp: syscall \"%s\": libseccomp refused the rule: %s",
		    name, strerror(-r));
	b->n_added++;
	return 0;
}

static bool index_repeats(const struct aa_oci_seccomp_rule *rule)
{
	unsigned seen = 0;

	for (size_t i = 0; i < rule->n_args; i++) {
		unsigned bit = 1u << rule->args[i].index;

		if (seen & bit)
			return true;
		seen |= bit;
	}
	return false;
}

static int add_oci_rule(struct builder *b,
			const struct aa_oci_seccomp_rule *rule, size_t at,
			struct aa_oci_err *err)
{
	struct scmp_arg_cmp cmp[AA_OCI_SECCOMP_ARGS_MAX];
	uint32_t action = action_of(rule->action, rule->errno_ret);
	bool split;
	int r;

	for (size_t i = 0; i < rule->n_args; i++) {
		const struct aa_oci_seccomp_arg *a = &rule->args[i];

		if (a->index >= ARGS_PER_RULE)
			return err_set(
			    err, -EINVAL,
			    "seccomp: syscalls[%zu].args[%zu].index: %u is not "
			    "0 to 5",
			    at, i, a->index);
		cmp[i] = (struct scmp_arg_cmp){.arg = a->index,
					       .op = op_of(a->op),
					       .datum_a = a->value,
					       .datum_b = a->value_two};
	}
	/* Two conditions on one argument cannot both go in one libseccomp
	 * rule; runc then makes one rule of each, matching any of them.
	 * Profiles written for runc expect that. */
	split = index_repeats(rule);
	for (size_t j = 0; j < rule->n_names; j++) {
		if (b->progress) {
			b->progress->rule = at;
			b->progress->name = j;
		}
		if (!split) {
			r = add_rule(b, rule->names[j], action, cmp,
				     (unsigned)rule->n_args, err);
			if (r < 0)
				return r;
			continue;
		}
		for (size_t i = 0; i < rule->n_args; i++) {
			r = add_rule(b, rule->names[j], action, &cmp[i], 1,
				     err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int add_arch(struct builder *b, uint32_t arch, const char *name,
		    struct aa_oci_err *err)
{
	int r = seccomp_arch_add(b->ctx, arch);

	if (r < 0 && r != -EEXIST)
		return err_set(err, r,
			       "seccomp: cannot add architecture %s: %s", name,
			       strerror(-r));
	return 0;
}

static int set_flag(struct builder *b, enum scmp_filter_attr attr,
		    const char *flag, struct aa_oci_err *err)
{
	int r = seccomp_attr_set(b->ctx, attr, 1);

	if (r < 0)
		return err_set(err, r,
			       "seccomp: %s: not supported by this kernel or "
			       "libseccomp: %s",
			       flag, strerror(-r));
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Sorted, unique copies of @names; *ret_v stays NULL when @n is 0. */
static int strv_unique(const char **names, size_t n, char ***ret_v,
		       size_t *ret_n)
{
	char **v;
	size_t m = 0;

	*ret_v = NULL;
	*ret_n = 0;
	if (n == 0)
		return 0;
	qsort(names, n, sizeof(*names), cmp_str);
	v = calloc(n + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (m > 0 && streq(v[m - 1], names[i]))
			continue;
		v[m] = strdup(names[i]);
		if (!v[m]) {
			strv_free(v);
			return -ENOMEM;
		}
		m++;
	}
	*ret_v = v;
	*ret_n = m;
	return 0;
}

void seccomp_filter_report_free(struct aa_oci_seccomp_report *r)
{
	strv_free(r->skipped_names);
	strv_free(r->skipped_arches);
	*r = (struct aa_oci_seccomp_report){0};
}

/* Hands the filter and the report out; on failure nothing changes. */
static int builder_finish(struct builder *b, const char **skipped_arches,
			  size_t n_skipped_arches, scmp_filter_ctx *ret_ctx,
			  struct aa_oci_seccomp_report *ret_report)
{
	struct aa_oci_seccomp_report rep = {
	    .n_added = b->n_added,
	    .n_as_default = b->n_as_default,
	};
	int r;

	if (ret_report) {
		r = strv_unique(b->skipped, b->n_skipped, &rep.skipped_names,
				&rep.n_skipped_names);
		if (r == 0)
			r = strv_unique(skipped_arches, n_skipped_arches,
					&rep.skipped_arches,
					&rep.n_skipped_arches);
		if (r < 0) {
			seccomp_filter_report_free(&rep);
			return r;
		}
		*ret_report = rep;
	}
	*ret_ctx = TAKE_PTR(b->ctx);
	return 0;
}

/* The filter of @s into @b (set up here); nothing else. */
static int build(const struct aa_oci_seccomp *s, struct builder *b,
		 struct aa_oci_err *err)
{
	int r;

	r = builder_init(b, action_of(s->default_action, s->default_errno_ret),
			 err);
	if (r < 0)
		return r;

	/* Architectures first: a rule covers those present when it is added. */
	if (s->n_arches) {
		b->skipped_arches =
		    calloc(s->n_arches, sizeof(*b->skipped_arches));
		if (!b->skipped_arches)
			return -ENOMEM;
	}
	for (size_t i = 0; i < s->n_arches; i++) {
		uint32_t arch = seccomp_arch_resolve_name(s->arches[i]);

		/* Left out, so its syscalls meet the bad-architecture action
		 * (kill): failing closed, and reported. */
		if (arch == 0) {
			b->skipped_arches[b->n_skipped_arches++] = s->arches[i];
			continue;
		}
		r = add_arch(b, arch, s->arches[i], err);
		if (r < 0)
			return r;
	}

	if (s->flags & AA_OCI_SECCOMP_FLAG_TSYNC) {
		r = set_flag(b, SCMP_FLTATR_CTL_TSYNC,
			     "SECCOMP_FILTER_FLAG_TSYNC", err);
		if (r < 0)
			return r;
	}
	if (s->flags & AA_OCI_SECCOMP_FLAG_LOG) {
		r = set_flag(b, SCMP_FLTATR_CTL_LOG, "SECCOMP_FILTER_FLAG_LOG",
			     err);
		if (r < 0)
			return r;
	}
	if (s->flags & AA_OCI_SECCOMP_FLAG_SPEC_ALLOW) {
		r = set_flag(b, SCMP_FLTATR_CTL_SSB,
			     "SECCOMP_FILTER_FLAG_SPEC_ALLOW", err);
		if (r < 0)
			return r;
	}
	/* A binary search over syscall numbers pays off on long profiles
	 * (Docker's has ~400 names); libseccomp 2.5 mishandles it on empty
	 * ones, so only there, as runc does. */
	if (s->n_rules > 32) {
		r = seccomp_attr_set(b->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
		if (r < 0)
			return err_set(
			    err, r,
			    "seccomp: cannot enable the binary tree: %s",
			    strerror(-r));
	}

	for (size_t i = 0; i < s->n_rules; i++) {
		r = add_oci_rule(b, &s->rules[i], i, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* How many BPF instructions @ctx is, as the kernel gets it. */
static int count_insns(scmp_filter_ctx ctx, size_t *ret, struct aa_oci_err *err)
{
	off_t size;
	int fd, r;

	fd = memfd_create("aa-oci-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return err_set(err, -errno, "seccomp: memfd_create: %s",
			       strerror(errno));
	r = seccomp_export_bpf(ctx, fd);
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	if (r < 0)
		return err_set(
		    err, r,
		    "seccomp: libseccomp cannot generate the filter: "
		    "%s",
		    strerror(-r));
	if (size < 0)
		return -EIO;
	*ret = (size_t)size / 8; /* sizeof(struct sock_filter) */
	return 0;
}

/*
 * libseccomp 2.5.4 can spin for minutes in seccomp_rule_add_array on a few
 * hundred bytes of rules (two `write` rules each comparing one argument NE
 * 0 and another EQ 0xffffffffffffffff: tests/fuzz/regress/seccomp/), and
 * neither the number of rules nor their size predicts it. So the build runs
 * under a watchdog: a child cloned before it, sharing the caller's memory
 * (so it reads the build's progress), that the build's end releases (the
 * pipe's last writer closes). Past the deadline the watchdog writes one
 * line naming the rule and kills its parent: a filter that cannot be built
 * in time is never installed, and the command never runs (fails closed).
 * The build itself runs once, in the caller (a filter built in a child
 * and again in the caller doubled aa-oci-exec's time with Docker's
 * profile, 13.6 to 25.6 ms; with the watchdog it is 13.6).
 */
struct watchdog_arg;

struct watchdog {
	pid_t pid;
	int fd;				  /* the write end: closed when done */
	void *mem;			  /* the child's stack, progress, arg */
	volatile struct progress *shared; /* read by the child */
	struct watchdog_arg *arg;
};

/* In the watchdog, past the deadline: the line, then the parent killed. */
static _Noreturn void watchdog_fire(const struct aa_oci_seccomp *s,
				    volatile struct progress *p,
				    const char *source)
{
	char line[AA_OCI_ERR_MAX + 128];
	const char *name = NULL;
	size_t rule = p->rule, at = p->name;
	int n;

	if (s && !p->generating && rule < s->n_rules) {
		const struct aa_oci_seccomp_rule *r = &s->rules[rule];

		name = r->names[at < r->n_names ? at : 0];
	}
	if (name)
		n = snprintf(line, sizeof(line),
			     "%s: %s%sseccomp: libseccomp did not finish "
			     "within %d ms at syscalls[%zu] (\"%.64s\"); "
			     "libseccomp 2.5 can spin on argument comparisons "
			     "of one syscall (NE with 64-bit values): simplify "
			     "or merge the rules for \"%.64s\"\n",
			     program_invocation_short_name,
			     source ? source : "", source ? ": " : "",
			     BUILD_DEADLINE_MS, rule, name, name);
	else
		n = snprintf(line, sizeof(line),
			     "%s: %s%sseccomp: libseccomp did not finish "
			     "within %d ms while generating the filter; "
			     "shorten or simplify its rules\n",
			     program_invocation_short_name,
			     source ? source : "", source ? ": " : "",
			     BUILD_DEADLINE_MS);
	if (n > 0)
		(void)!write(STDERR_FILENO, line,
			     (size_t)n < sizeof(line) ? (size_t)n
						      : sizeof(line) - 1);
	kill(getppid(), SIGKILL);
	_exit(0);
}

/* What the watchdog runs on, in the caller's memory (CLONE_VM). */
struct watchdog_arg {
	const struct aa_oci_seccomp *s;
	volatile struct progress *progress;
	int fd, wfd; /* the pipe's read end; its write end, closed here */
	pid_t parent;
};

/* The watchdog: the caller's memory, its own descriptor table and stack;
 * touches nothing the caller uses (no errno from a poll that ends at the
 * build's end, no allocation) until it fires. */
static int watchdog_main(void *data)
{
	struct watchdog_arg *a = data;
	struct pollfd pf = {.fd = a->fd, .events = POLLIN};
	int n;

	close(a->wfd); /* in its own copy of the descriptor table */
	do
		n = poll(&pf, 1, BUILD_DEADLINE_MS);
	while (n < 0 && errno == EINTR);
	/* Timed out, and the parent is still the process that built (had
	 * it died, the pipe would have closed; never kill another). */
	if (n == 0 && getppid() == a->parent)
		watchdog_fire(a->s, a->progress, a->s ? a->s->source : NULL);
	_exit(0); /* the build ended (or its process did) */
}

#define WATCHDOG_STACK (64 << 10)
#define WATCHDOG_MEM                                                           \
	(WATCHDOG_STACK + sizeof(struct progress) + sizeof(struct watchdog_arg))

/* @s: the settings being built, or NULL while the filter is generated
 * and loaded. A clone sharing the caller's memory, not a fork: copying
 * the caller's page tables cost more than the rest (0.5 ms a fork). */
static int watchdog_start(const struct aa_oci_seccomp *s, struct watchdog *w,
			  struct aa_oci_err *err)
{
	int p[2], r;

	w->mem = mmap(NULL, WATCHDOG_MEM, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->mem == MAP_FAILED)
		return -ENOMEM;
	w->shared = (struct progress *)((char *)w->mem + WATCHDOG_STACK);
	w->shared->rule = SIZE_MAX;
	w->arg = (struct watchdog_arg *)((char *)w->mem + WATCHDOG_STACK +
					 sizeof(struct progress));
	if (pipe2(p, O_CLOEXEC) < 0) {
		r = -errno;
		munmap(w->mem, WATCHDOG_MEM);
		return err_set(err, r, "seccomp: pipe: %s", strerror(-r));
	}
	*w->arg = (struct watchdog_arg){.s = s,
					.progress = w->shared,
					.fd = p[0],
					.wfd = p[1],
					.parent = getpid()};
	w->pid = clone(watchdog_main, (char *)w->mem + WATCHDOG_STACK,
		       CLONE_VM | SIGCHLD, w->arg);
	if (w->pid < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		munmap(w->mem, WATCHDOG_MEM);
		return err_set(err, r,
			       "seccomp: cannot start the build's watchdog: "
			       "%s",
			       strerror(-r));
	}
	close(p[0]);
	w->fd = p[1];
	return 0;
}

/* The build ended: release the watchdog and reap it. */
static void watchdog_stop(struct watchdog *w)
{
	close(w->fd);
	while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
		;
	munmap(w->mem, WATCHDOG_MEM);
}

int seccomp_filter_build(const struct aa_oci_seccomp *s,
			 scmp_filter_ctx *ret_ctx,
			 struct aa_oci_seccomp_report *ret_report,
			 struct aa_oci_err *err)
{
	_cleanup_(builder_done) struct builder b = {0};
	struct watchdog w = {.pid = -1, .fd = -1};
	int r;

	if (!s || !s->present)
		return err_set(err, -EINVAL,
			       "seccomp: no seccomp settings to build");
	r = watchdog_start(s, &w, err);
	if (r < 0)
		return r;
	b.progress = w.shared;
	r = build(s, &b, err);
	watchdog_stop(&w);
	b.progress = NULL;
	if (r < 0)
		return r;
	return builder_finish(&b, b.skipped_arches, b.n_skipped_arches, ret_ctx,
			      ret_report);
}

/* ---- the built-in default ---- */

/*
 * What --seccomp-default refuses with EPERM. Everything else is allowed:
 * this is a backstop under the AppArmor profile, not a sandbox of its own.
 * The list follows what Docker's default profile keeps from a container
 * that has no capabilities beyond Docker's default set, grouped by why.
 * Names a given architecture lacks are left out for it by libseccomp.
 */
static const char *const default_refused[] = {
    /* Changing the running kernel. */
    "init_module",
    "finit_module",
    "delete_module",
    "create_module",
    "query_module",
    "get_kernel_syms",
    "kexec_load",
    "kexec_file_load",

    /* Whole-machine state: power, swap, clocks, names, accounting. */
    "reboot",
    "swapon",
    "swapoff",
    "settimeofday",
    "stime",
    "clock_settime",
    "clock_settime64",
    "sethostname",
    "setdomainname",
    "acct",
    "syslog",
    "vhangup",

    /* Mounts, the new mount API, quotas. */
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "quotactl",
    "quotactl_fd",
    "nfsservctl",

    /* Entering or making namespaces (clone's flags are below). */
    "unshare",
    "setns",

    /* Kernel interfaces that need a capability in a container and have
     * a long record of privilege escalation bugs. */
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "keyctl",
    "add_key",
    "request_key",
    "fanotify_init",
    "lookup_dcookie",
    "open_by_handle_at",

    /* Reaching into other processes beyond ptrace's own checks. */
    "kcmp",
    "pidfd_getfd",
    "process_madvise",

    /* Memory placement across NUMA nodes, which Docker ties to
     * CAP_SYS_NICE. */
    "mbind",
    "set_mempolicy",
    "get_mempolicy",
    "set_mempolicy_home_node",
    "migrate_pages",
    "move_pages",

    /* Raw I/O ports and obsolete interfaces nothing current needs. */
    "iopl",
    "ioperm",
    "uselib",
    "ustat",
    "sysfs",
    "_sysctl",
    "vm86",
    "vm86old",
};

/* clone(2) flags that make a namespace; any one set refuses the call. */
static const uint64_t clone_namespace_flags[] = {
    CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,	 CLONE_NEWUSER,
    CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
};

/*
 * The 32-bit architectures the native kernel may also run, so that their
 * programs are filtered rather than killed outright.
 */
static int add_compat_arches(struct builder *b, struct aa_oci_err *err)
{
	uint32_t native = seccomp_arch_native();
	int r = 0;

	if (native == SCMP_ARCH_X86_64) {
		r = add_arch(b, SCMP_ARCH_X86, "x86", err);
		if (r == 0)
			r = add_arch(b, SCMP_ARCH_X32, "x32", err);
	} else if (native == SCMP_ARCH_AARCH64) {
		r = add_arch(b, SCMP_ARCH_ARM, "arm", err);
	}
	return r;
}

int seccomp_filter_build_default(scmp_filter_ctx *ret_ctx,
				 struct aa_oci_seccomp_report *ret_report,
				 struct aa_oci_err *err)
{
	_cleanup_(builder_done) struct builder b = {0};
	const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	unsigned flags_arg;
	uint32_t native;
	int r;

	r = builder_init(&b, SCMP_ACT_ALLOW, err);
	if (r < 0)
		return r;
	r = add_compat_arches(&b, err);
	if (r < 0)
		return r;

	for (size_t i = 0;
	     i < sizeof(default_refused) / sizeof(*default_refused); i++) {
		r = add_rule(&b, default_refused[i], eperm, NULL, 0, err);
		if (r < 0)
			return r;
	}

	/* clone's flags are in a register, so the filter can see them: the
	 * first argument, or the second on s390, where the stack comes first.
	 * One rule per flag, each matching when its bit is set. */
	native = seccomp_arch_native();
	flags_arg =
	    (native == SCMP_ARCH_S390 || native == SCMP_ARCH_S390X) ? 1 : 0;
	for (size_t i = 0;
	     i < sizeof(clone_namespace_flags) / sizeof(*clone_namespace_flags);
	     i++) {
		struct scmp_arg_cmp c = {
		    .arg = flags_arg,
		    .op = SCMP_CMP_MASKED_EQ,
		    .datum_a = clone_namespace_flags[i],
		    .datum_b = clone_namespace_flags[i],
		};

		r = add_rule(&b, "clone", eperm, &c, 1, err);
		if (r < 0)
			return r;
	}
	/* clone3's flags are in memory the filter cannot read. ENOSYS makes
	 * libc fall back to clone, whose flags it can. */
	r = add_rule(&b, "clone3", SCMP_ACT_ERRNO(ENOSYS), NULL, 0, err);
	if (r < 0)
		return r;
	return builder_finish(&b, NULL, 0, ret_ctx, ret_report);
}

/* ---- loading ---- */

int seccomp_filter_load(scmp_filter_ctx ctx, struct aa_oci_err *err)
{
	struct watchdog w = {.pid = -1, .fd = -1};
	size_t insns = 0;
	int r;

	if (!ctx)
		return err_set(err, -EINVAL, "seccomp: no filter to load");
	/* libseccomp generates the BPF here: under the watchdog too. */
	r = watchdog_start(NULL, &w, err);
	if (r < 0)
		return r;
	w.shared->generating = true;
	r = seccomp_load(ctx);
	watchdog_stop(&w);
	/* The kernel's EINVAL for a filter past BPF_MAXINSNS, said so. */
	if (r == -EINVAL && count_insns(ctx, &insns, NULL) == 0 &&
	    insns > FILTER_INSNS_MAX)
		return err_set(err, -E2BIG,
			       "seccomp: the filter is %zu BPF instructions, "
			       "more than the kernel's %d: use fewer rules or "
			       "argument conditions",
			       insns, FILTER_INSNS_MAX);
	if (r == -EACCES)
		return err_set(err, r,
			       "seccomp: the kernel takes a filter only from a "
			       "process with no_new_privs set or "
			       "CAP_SYS_ADMIN; add --no-new-privs");
	if (r < 0)
		return err_set(err, r,
			       "seccomp: the kernel refused the filter: %s",
			       strerror(-r));
	return 0;
}

void seccomp_filter_free(scmp_filter_ctx ctx)
{
	if (ctx)
		seccomp_release(ctx);
}
