/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine of `aa-oci suggest`: AppArmor audit records of a container
 * turned into rules for its profile's local override
 * (/etc/apparmor.d/local/NAME), shown as a diff, appended on request.
 *
 * The input is a plain event struct, the fields of one parsed audit
 * record, so this module does not depend on the audit parser; the caller
 * converts. A record a container can provoke is untrusted input: every
 * field is checked before it becomes rule text, and what a local override
 * must never grant from a log is refused (reported, not suggested).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "aa-oci/err.h"

struct aa_oci_audit_event;

/* The line a profile needs for its local override to count. */
#define AA_OCI_SUGGEST_INCLUDE_FMT "  include if exists <local/%s>"

/* One AppArmor audit record (DENIED or ALLOWED); NULL or "" when absent. */
struct aa_oci_suggest_event {
	const char *operation; /* "open", "exec", "capable", "signal", ... */
	const char *name;      /* path, or mount target */
	const char *name2;     /* link/rename target; mount source (srcname) */
	const char *requested_mask; /* "r", "wc", "x", "send", "trace", ... */
	const char *denied_mask;    /* used when requested_mask is absent */
	const char *capname;	    /* "sys_admin" */
	const char *family, *sock_type, *protocol; /* network */
	const char *signal, *peer;		   /* signal/ptrace */
	const char *fstype, *flags;		   /* mount */
	const char *peer_addr; /* unix: the peer's address ("@name"), or NULL */
};

/*
 * suggest_rules - the override rules that would have allowed @n events
 * @ev: one line each, indented two spaces and ending in ",", deduplicated,
 * grouped by kind in the order capability, network, signal, ptrace, unix,
 * mount (mount, remount, umount), file, and sorted within a kind. File
 * rules merge the permissions of every record on one path and glob the
 * per-run parts of paths (see suggest.c for the exact rules).
 * @ret_refused (may be NULL) gets one line per record that is not turned
 * into a rule, "WHAT: why": what a local override must never grant
 * (changing profiles, mac_admin, writes to /proc/sysrq-trigger, ...) and
 * records that cannot be understood. Both are NULL-terminated; strv_free.
 * Returns: 0, -EINVAL (no @ret_rules, or no @ev for @n > 0) or -ENOMEM.
 */
int suggest_rules(const struct aa_oci_suggest_event *ev, size_t n,
		  char ***ret_rules, char ***ret_refused);

/*
 * suggest_diff - what appending @rules (NULL-terminated) to the override
 * @local_path would change, as a zero-context unified diff: "--- PATH"
 * ("--- /dev/null" when the file does not exist), "+++ PATH", one "@@"
 * line, and a "+" line per rule not already in the file (lines compared
 * with surrounding whitespace trimmed). "" when nothing is new.
 * Returns: 0, or -errno with one line in @err (-ELOOP: a symbolic link,
 * -E2BIG: over AA_OCI_PROFILE_FILE_MAX, -EINVAL: a rule with a newline).
 */
int suggest_diff(const char *local_path, char *const *rules, char **ret_diff,
		 struct aa_oci_err *err);

/*
 * suggest_write - append the @rules not already in @local_path to it, then
 * check the result: `@parser --skip-kernel-load --skip-cache --quiet -o
 * /dev/null @profile_path` (the profile that includes the override; @parser
 * an absolute path, no shell, AA_OCI_PARSER_TIMEOUT_MS). If the parser
 * cannot run or refuses, the old file (or no file, and no local/ directory
 * when this call made it) is put back. Each write is a temporary file in
 * the same directory, fsync, rename: mode 0644 for a new file, the old
 * one's mode and owner otherwise; the directory is created 0755 when
 * missing (one level). A file or directory without any write permission
 * bit is refused even for root: someone made it read-only on purpose.
 * The check means something only when @profile_path includes the
 * override: see suggest_profile_includes_local().
 * @ret_added (may be NULL) gets the number of lines appended; 0 touches
 * nothing and runs no parser.
 * Returns: 0, or -errno with one line in @err naming the file: -EACCES or
 * -EROFS read-only, -EBADMSG the parser refused (its first error line),
 * -ETIMEDOUT, -ENOENT no parser, -ELOOP a symbolic link, -EINVAL bad args.
 */
int suggest_write(const char *local_path, char *const *rules,
		  const char *parser, const char *profile_path,
		  size_t *ret_added, struct aa_oci_err *err);

/*
 * suggest_profile_includes_local - does @profile_text include its local
 * override <local/@name>: a line `include <local/NAME>`, `#include ...` or
 * `include if exists ...` (a comment after it is fine; `# include` with a
 * space is a comment, as for the parser).
 */
bool suggest_profile_includes_local(const char *profile_text, const char *name);

/*
 * suggest_include_line - the line to add to a profile that does not
 * include its override: "  include if exists <local/NAME>".
 * Returns: 0, -EINVAL for a @name that is not one file name, or -ENOMEM.
 */
int suggest_include_line(const char *name, char **ret_line);

/*
 * suggest_event_from_audit - the fields of audit record @e that rules are
 * made of, into @s (pointing into @e; a protocol number written into
 * @proto). The one mapping aa-oci suggest and its fuzz harness use.
 */
void suggest_event_from_audit(const struct aa_oci_audit_event *e,
			      struct aa_oci_suggest_event *s, char proto[16]);
