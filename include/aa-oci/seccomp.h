/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seccomp for aa-oci-exec: the OCI `linux.seccomp` object parsed into plain
 * structs (oci-seccomp.c), and libseccomp filters built from them or from
 * aa-oci's built-in default (seccomp.c, the only file that uses libseccomp).
 *
 * The order main() follows: parse (or pick the default), build, then, after
 * the AppArmor exec label is set and PR_SET_NO_NEW_PRIVS when wanted, load,
 * then exec. Building never loads; loading never sets no_new_privs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aa-oci/err.h"

/*
 * libseccomp's filter handle. <seccomp.h> declares the same typedef; C11
 * accepts the repeat, and leaving that header out of this one keeps
 * libseccomp's API inside seccomp.c.
 */
typedef void *scmp_filter_ctx;

/* Limits on a seccomp object, checked while parsing (-E2BIG over them). */
#define AA_OCI_SECCOMP_RULES_MAX 4096	 /* syscalls[] entries */
#define AA_OCI_SECCOMP_NAMES_MAX 1024	 /* names[] in one entry */
#define AA_OCI_SECCOMP_NAMES_TOTAL 16384 /* names[] over all entries */
#define AA_OCI_SECCOMP_NAME_LEN 64	 /* bytes in one syscall name */
#define AA_OCI_SECCOMP_ARGS_MAX 64	 /* args[] in one entry */
#define AA_OCI_SECCOMP_ARCHES_MAX 32	 /* architectures[] */
/* errnoRet, defaultErrnoRet: the kernel's MAX_ERRNO is 4095, but
 * libseccomp takes only values below it. */
#define AA_OCI_SECCOMP_ERRNO_MAX 4094

enum aa_oci_seccomp_action {
	AA_OCI_SECCOMP_KILL, /* SCMP_ACT_KILL: same as KILL_THREAD */
	AA_OCI_SECCOMP_KILL_THREAD,
	AA_OCI_SECCOMP_KILL_PROCESS,
	AA_OCI_SECCOMP_TRAP,
	AA_OCI_SECCOMP_ERRNO, /* uses errno_ret */
	AA_OCI_SECCOMP_TRACE, /* uses errno_ret (the tracer sees it) */
	AA_OCI_SECCOMP_ALLOW,
	AA_OCI_SECCOMP_LOG,
};

enum aa_oci_seccomp_op {
	AA_OCI_SECCOMP_NE,
	AA_OCI_SECCOMP_LT,
	AA_OCI_SECCOMP_LE,
	AA_OCI_SECCOMP_EQ,
	AA_OCI_SECCOMP_GE,
	AA_OCI_SECCOMP_GT,
	AA_OCI_SECCOMP_MASKED_EQ, /* (arg & value) == value_two */
};

/* seccomp(2) flags that may be asked for (the `flags` array). */
#define AA_OCI_SECCOMP_FLAG_TSYNC (1u << 0)
#define AA_OCI_SECCOMP_FLAG_LOG (1u << 1)
#define AA_OCI_SECCOMP_FLAG_SPEC_ALLOW (1u << 2)

struct aa_oci_seccomp_arg {
	unsigned index; /* 0..5 */
	uint64_t value;
	uint64_t value_two; /* 0 when absent */
	enum aa_oci_seccomp_op op;
};

struct aa_oci_seccomp_rule {
	char **names; /* n_names >= 1 syscall names, [A-Za-z0-9_]+ */
	size_t n_names;
	enum aa_oci_seccomp_action action;
	unsigned errno_ret; /* ERRNO/TRACE only: errnoRet, EPERM when absent */
	struct aa_oci_seccomp_arg *args;
	size_t n_args;
};

struct aa_oci_seccomp {
	bool present; /* false: config.json has no linux.seccomp */
	enum aa_oci_seccomp_action default_action;
	unsigned default_errno_ret; /* defaultErrnoRet, EPERM when absent */
	/* libseccomp's architecture names ("x86_64", "x32", "aarch64"), from
	 * the SCMP_ARCH_* constants; the native one is added regardless. */
	char **arches;
	size_t n_arches;
	unsigned flags; /* AA_OCI_SECCOMP_FLAG_* */
	struct aa_oci_seccomp_rule *rules;
	size_t n_rules;
	/* Where it came from, for the build watchdog's line (set by the
	 * caller, not by oci_seccomp_parse; NULL: not named). */
	const char *source;
};

/*
 * What building left out, so main() can warn once (as runc does) instead of
 * failing on a profile written for a newer kernel or another machine.
 */
struct aa_oci_seccomp_report {
	char **skipped_names; /* syscall names libseccomp does not know; sorted,
				 unique */
	size_t n_skipped_names;
	char **skipped_arches; /* architectures this libseccomp does not know */
	size_t n_skipped_arches;
	size_t n_added;	     /* libseccomp rules added */
	size_t n_as_default; /* rules left out because their action is the
				default's */
};

/*
 * oci_seccomp_parse - parse seccomp settings from @buf (NUL-terminated,
 * at most AA_OCI_SPEC_MAX bytes). @buf is either a whole OCI config.json,
 * whose `linux.seccomp` is used (absent or null: ret->present = false), or
 * a bare seccomp object as given to --seccomp (recognised by any seccomp
 * key, such as "defaultAction", at its top level).
 *
 * Numbers are read from their JSON text, so uint64 values up to
 * 18446744073709551615 are exact. The text passes the JSON front door
 * first (json.h: strict JSON, 127 levels, no \u0000, no object naming a
 * key twice), refused in its words, naming "seccomp settings". What this
 * wrapper cannot honour is refused, never ignored: SCMP_ACT_NOTIFY,
 * listenerPath, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, unknown keys, and
 * Docker's profile format (archMap, includes, excludes).
 *
 * Returns: 0, -EBADMSG malformed JSON or a wrong type, -EINVAL a bad value
 *          or a missing field, -E2BIG over a limit, -ENOMEM. On failure
 *          past the front door @err names the field by its JSON path, e.g.
 *          `linux.seccomp.syscalls[3].args[0].op`; *@ret is untouched.
 */
int oci_seccomp_parse(const char *buf, struct aa_oci_seccomp *ret,
		      struct aa_oci_err *err);

/* oci_seccomp_free - free what oci_seccomp_parse filled in; resets @s. */
void oci_seccomp_free(struct aa_oci_seccomp *s);

/*
 * seccomp_filter_build - build a libseccomp filter from @s (which must be
 * present). Each name of each rule becomes one libseccomp rule. A name
 * libseccomp does not know is left out and listed in the report; so is an
 * architecture it does not know. A rule whose action equals the default
 * action is left out and counted (the kernel would do the same thing).
 * Conditions naming one argument twice become one rule each, as runc does.
 * The filter never sets no_new_privs on load: main() decides that.
 *
 * libseccomp can spin for minutes on a few rules, so the build (down to
 * the BPF, whose length must be within the kernel's 4096 instructions)
 * runs under a watchdog process: past 2 s it writes one line to stderr
 * naming @s->source and the rule being added, and KILLS THE CALLING
 * PROCESS (SIGKILL): for aa-oci-exec, which then never runs its command.
 *
 * @ret_report may be NULL; free it with seccomp_filter_report_free().
 * Returns: 0, -EINVAL @s not present or a value libseccomp refuses,
 *          -E2BIG the filter is longer than the kernel takes, -ENOMEM, or
 *          libseccomp's -errno (detail in @err). On failure nothing is
 *          allocated and *@ret_ctx, *@ret_report are untouched.
 */
int seccomp_filter_build(const struct aa_oci_seccomp *s,
			 scmp_filter_ctx *ret_ctx,
			 struct aa_oci_seccomp_report *ret_report,
			 struct aa_oci_err *err);

/*
 * seccomp_filter_build_default - the filter for --seccomp-default: allow
 * everything except what Docker's default profile refuses to a container
 * without extra capabilities (module loading, kexec, mounts, namespaces,
 * clock setting, keyrings, bpf, perf, io_uring, ...: see seccomp.c). Those
 * fail with EPERM; clone3 fails with ENOSYS so libc falls back to clone,
 * whose namespace flags the filter can see. Covers the native architecture
 * and, on x86_64 and aarch64, the 32-bit ones the kernel may also run.
 *
 * @ret_report may be NULL. Returns: 0, -ENOMEM, or libseccomp's -errno.
 */
int seccomp_filter_build_default(scmp_filter_ctx *ret_ctx,
				 struct aa_oci_seccomp_report *ret_report,
				 struct aa_oci_err *err);

/*
 * seccomp_filter_load - install @ctx on the calling thread (all threads
 * with SECCOMP_FILTER_FLAG_TSYNC). The kernel accepts it only after
 * prctl(PR_SET_NO_NEW_PRIVS) or with CAP_SYS_ADMIN.
 * Returns: 0, -EACCES neither holds, or -errno (detail in @err).
 */
int seccomp_filter_load(scmp_filter_ctx ctx, struct aa_oci_err *err);

/* seccomp_filter_free - release a filter; NULL is fine. */
void seccomp_filter_free(scmp_filter_ctx ctx);

/* seccomp_filter_report_free - free a report's lists; resets @r. */
void seccomp_filter_report_free(struct aa_oci_seccomp_report *r);
