/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's AppArmor audit records: one line of a log parsed with
 * libapparmor's log parser (aalogparse) into an owned struct, and which
 * container it came from, among the records of containers aa-oci let
 * through (rundir.h). Pure logic but for audit_pid_cgroup, which reads
 * /proc; logs.c reads the sources and prints.
 *
 * The forms a record's line takes, every one carrying the kernel's stamp
 * audit(SECONDS.MS:SERIAL):
 *
 *   kern.log, syslog   Nov 30 12:00:00 host kernel: [   23.512345] audit:
 *                      type=1400 audit(...): apparmor="DENIED" ...
 *   dmesg, /dev/kmsg   [   23.512345] audit: type=1400 audit(...): ...,
 *                      or the same without the [stamp]; a kmsg record's
 *                      "PRI,SEQ,USEC,FLAGS;" prefix is passed over
 *   audit.log          type=AVC msg=audit(...): apparmor="DENIED" ...
 *                      (a "node=" prefix and auditd's enrichment after
 *                      \x1d are passed over)
 *   journal            the MESSAGE of a `journalctl -k -o json` entry,
 *                      which is the bare kmsg text (audit_parse_journal_json)
 *
 * Only the kernel's framing counts: a line that a program wrote (logger, a
 * container's /dev/log, a user-space audit message, a journal entry whose
 * _TRANSPORT is not "kernel" or SYSLOG_FACILITY not 0) is not a record,
 * whatever its text says: a syslog line's tag must be "kernel:" (busybox:
 * "kern.PRIO kernel:"), a kmsg record's facility 0, an audit.log record's
 * type AVC, APPARMOR_* or a number.
 *
 * libapparmor 3.0's parser takes only some of these (not the bare form
 * journald and /dev/kmsg give, not a one-digit dmesg stamp, not "node="),
 * and refuses a whole record for one key it does not know (the "class="
 * newer kernels add). So every line is rewritten into the audit.log form
 * with only the keys, in the value forms, that parser knows, before it
 * is parsed; a value it would refuse in the form the kernel wrote it
 * (a hex-encoded target=, a quoted signal=) is decoded here instead.
 * Numbers whose sign or value the library drops or rewrites (error=,
 * capability=, protocol=) are read from the line.
 *
 * Per-container labels: another module loads a container's private copy
 * of a profile (complain mode for that container alone) under the name
 *
 *   PROFILE--aa-oci-ID12
 *
 * ID12 being the first 12 characters of the container's id (the whole id
 * when it is shorter), characters of runc's id alphabet [A-Za-z0-9_.+-].
 * An event under such a label names its container without any guessing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "aa-oci/rundir.h"

/* Longer than any record the kernel writes (8970 bytes at most). */
#define AUDIT_LINE_MAX 16384
/* A journal entry in JSON: a record's MESSAGE, escaped, and the rest. */
#define AUDIT_JSON_MAX 65536

/* The mark between a profile's name and the id in a per-container copy. */

/* What the record says happened: its apparmor="..." value. */
enum aa_oci_audit_kind {
	AA_OCI_AUDIT_DENIED,
	AA_OCI_AUDIT_ALLOWED, /* complain mode: would have been denied */
	AA_OCI_AUDIT_AUDIT,   /* allowed, and logged by an `audit` rule */
	AA_OCI_AUDIT_STATUS,  /* policy changes: profile_load, ... */
	AA_OCI_AUDIT_HINT,
	AA_OCI_AUDIT_ERROR,
};

/* audit_kind_name - "DENIED", "ALLOWED", "AUDIT", "STATUS", "HINT", "ERROR". */
const char *audit_kind_name(enum aa_oci_audit_kind kind);

/*
 * One record. Strings are owned (NULL when the record has no such key);
 * numbers absent from the record are -1 (0 for pid and error).
 */
struct aa_oci_audit_event {
	time_t time;	      /* audit(SECONDS...): seconds since the epoch */
	long nsec;	      /* its fraction (the kernel writes ms), or 0 */
	unsigned long serial; /* audit(...:SERIAL) */
	enum aa_oci_audit_kind kind;
	char *operation;
	char *profile;	 /* the label, without its policy namespace */
	char *namespace; /* namespace="root//aa-oci" -> "aa-oci"; NULL: root */
	pid_t pid;
	char *comm;
	char *name;  /* name=: a path, a mount point, the label asked for by
		      * change_onexec / change_profile */
	char *name2; /* target=: link and exec targets */
	char *requested_mask, *denied_mask;
	int capability; /* capability=, -1 none */
	char *capname;	/* capname= */
	char *family, *sock_type;
	int protocol; /* protocol=, the kernel's number; -1 none */
	char *signal, *peer;
	char *fstype, *srcname, *flags; /* mount */
	char *info;
	int error; /* error=, the kernel's -errno; 0 none */
};

void audit_event_free(struct aa_oci_audit_event *e);

/*
 * audit_parse_line - parse one line of a log (any form above; a trailing
 * newline is allowed) with libapparmor's parser.
 * Returns: 0 (free @ret with audit_event_free), -ENOENT the line is not
 * an AppArmor record of the kernel (another subsystem's, a user-space
 * AVC, plain text), -EBADMSG it is one but malformed or refused by the
 * parser, -E2BIG longer than AUDIT_LINE_MAX, -ENOMEM.
 */
int audit_parse_line(const char *line, struct aa_oci_audit_event *ret);

/*
 * audit_parse_journal_json - the same for one line of `journalctl -o json`:
 * its MESSAGE (a string, or journald's array of bytes), read through the
 * JSON front door (json.h).
 * Returns: as audit_parse_line; -ENOENT also for an entry without a
 * MESSAGE, -EBADMSG for a line that is not a JSON object (or repeats a
 * key), -E2BIG over AUDIT_JSON_MAX.
 */
int audit_parse_journal_json(const char *json_line,
			     struct aa_oci_audit_event *ret);

/*
 * audit_cgroup_container_id - the container a cgroup path (as in
 * /proc/PID/cgroup) belongs to, with the engine that made it:
 *   docker      /system.slice/docker-<64hex>.scope, /docker/<64hex>
 *   containerd  /kubepods.slice/.../cri-containerd-<64hex>.scope,
 *               /kubepods/.../<64hex>; ctr: /<namespace>/<id>
 *   cri-o       .../crio-<64hex>.scope, /kubepods/.../crio-<64hex>
 *   podman      .../libpod-<64hex>.scope, /libpod_parent/libpod-<64hex>
 *   runc        /system.slice/runc-<id>.scope ("system.slice:runc:<id>"),
 *               /<id> (cgroupfs, no cgroupsPath)
 *   lxc         /lxc.payload.<name>
 * The deepest component that names a container counts (a container's own
 * sub-cgroups, "libpod-<id>.scope/container", are passed over). A
 * systemd cgroupsPath ("slice:prefix:name") is also taken. *@ret_engine
 * is a static string.
 * Returns: 0 the path names a container by its engine's pattern; 1 the
 * path only has the shape of one (runc's "/<id>", ctr's "/<ns>/<id>"):
 * believe it only when a record has that id; -ENOENT none; -ENOMEM.
 */
int audit_cgroup_container_id(const char *cgroup_path, char **ret_id,
			      const char **ret_engine);

/* Where audit_pid_cgroup looks (its @ud); NULL is the real /proc, no check. */
struct aa_oci_audit_proc {
	const char *root; /* "/proc" when NULL */
	/*
	 * When > 0, the time of the event: a process that started later has
	 * the event's pid by reuse, and is not asked (-ESRCH).
	 */
	time_t started_by;
};

/*
 * audit_pid_cgroup - the cgroup of process @pid, from ROOT/PID/cgroup:
 * cgroup v2's "0::PATH", else (no v2 line, or a hybrid host whose v2
 * path is "/") the first v1 line with a path other than "/". The default
 * cgroup_of of audit_attribute; @ud a struct aa_oci_audit_proc or NULL.
 * Returns: 0 (*@ret to free), -ENOENT no such process or no path,
 * -ESRCH the pid is another process now, -E2BIG, -errno.
 */
int audit_pid_cgroup(pid_t pid, char **ret, void *ud);

/* How an event was tied to a container. */
enum aa_oci_attribution_how {
	AA_OCI_ATTR_NONE,
	AA_OCI_ATTR_LABEL,	  /* its label is a per-container copy */
	AA_OCI_ATTR_CGROUP,	  /* its process's cgroup names the container */
	AA_OCI_ATTR_PROFILE_TIME, /* the one record with that profile then */
};

struct aa_oci_attribution {
	enum aa_oci_attribution_how how;
	/*
	 * The container's id, or NULL (none, ambiguous). Known without a
	 * record when a cgroup or a label names a container aa-oci has no
	 * record of (then only the label's 12 characters may be known).
	 */
	char *id;
	const struct aa_oci_container *rec; /* into the records; or NULL */
	const char *engine;		    /* cgroup: its engine, else NULL */
	/*
	 * Profile and time: several records fit; each is a candidate (into
	 * the records), how is AA_OCI_ATTR_PROFILE_TIME and id NULL.
	 */
	bool ambiguous;
	const struct aa_oci_container **candidates;
	size_t n_candidates;
};

/* audit_how_name - "label", "cgroup", "profile-time", "none"; "ambiguous". */
const char *audit_how_name(const struct aa_oci_attribution *a);

void audit_attribution_free(struct aa_oci_attribution *a);

/*
 * audit_attribute - which of the @n records @recs event @e came from, in
 * this order:
 *  (a) its label is a per-container copy carried by exactly one record,
 *      or whose ID12 begins exactly one record's id;
 *  (b) its pid's cgroup, through @cgroup_of(pid, &path, @ud) (NULL: none;
 *      audit_pid_cgroup reads /proc), names a container
 *      (audit_cgroup_container_id) whose id matches one record: equal, or
 *      one a prefix of the other of at least 12 characters;
 *  (c) the records whose profile is the event's (the label, or a child
 *      "PROFILE//x" of it; change_onexec and change_profile from
 *      unconfined count the label asked for) and whose since is at or
 *      before the event: one is the answer, several are ambiguous.
 * A profile in a policy namespace other than root matches a record's
 * profile only when the record names it so (":ns:profile").
 * When (b) names a container by its engine's pattern but no record has
 * it, the answer is that id without a record, before (c) is tried; when
 * (a)'s label matches no record, the answer is its ID12 if (b) and (c)
 * find nothing.
 * The result points into @recs, which must outlive it.
 * Returns: 0 (free @ret with audit_attribution_free) or -ENOMEM.
 */
int audit_attribute(const struct aa_oci_audit_event *e,
		    const struct aa_oci_container *recs, size_t n,
		    int (*cgroup_of)(pid_t pid, char **ret, void *ud), void *ud,
		    struct aa_oci_attribution *ret);
