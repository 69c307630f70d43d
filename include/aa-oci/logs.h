/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `aa-oci logs`: the kernel's AppArmor records (audit.h parses them), each
 * with the container it came from, filtered, one line each for people or
 * one JSON object per line (JSON lines) for machines.
 *
 * Where the records are read:
 *   --follow   /dev/kmsg, from its end, until SIGINT or SIGTERM
 *   otherwise  the first of these that holds an AppArmor record:
 *              journalctl -k -o json --no-pager (this boot's kernel
 *              messages), /var/log/audit/audit.log (auditd takes the
 *              records from the kernel while it runs, and then the
 *              journal and kern.log have none), /var/log/kern.log,
 *              /var/log/messages (busybox syslogd), the kernel's ring
 *              buffer (/dev/kmsg read to its end). When none holds one,
 *              the first that could be read is named.
 * A file that exists but cannot be read is an error, not a reason to
 * read another one: the records may be in it.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "aa-oci/audit.h"
#include "aa-oci/config.h"
#include "aa-oci/err.h"

enum aa_oci_logs_kind {
	AA_OCI_LOGS_JOURNALCTL,	  /* run path -k -o json --no-pager */
	AA_OCI_LOGS_JOURNAL_FILE, /* journalctl -o json's lines, saved */
	AA_OCI_LOGS_FILE,	  /* audit.log, kern.log, messages, dmesg */
	AA_OCI_LOGS_KMSG,	  /* /dev/kmsg, read to its end */
};

struct aa_oci_logs_source {
	enum aa_oci_logs_kind kind;
	const char *path;
};

/* What logs_run read, for a caller or a test (all optional). */
struct aa_oci_logs_stats {
	const char
	    *source;	  /* the source used, as printed ("journal", a path) */
	size_t lines;	  /* lines read from it */
	size_t records;	  /* AppArmor records among them */
	size_t malformed; /* records that did not parse, lines too long */
	size_t shown;	  /* records printed */
};

struct aa_oci_logs_opts {
	bool follow;
	bool json;
	const char *container; /* an id, or the start of one */
	const char *pod;       /* NAMESPACE/NAME */
	const char *profile;   /* the profile, its children and copies; a
				* plain NAME in root or aa-oci's namespace */
	time_t since;	       /* records at or after; 0: all */
	/* Where to read; NULL: the list above. */
	const struct aa_oci_logs_source *sources;
	size_t n_sources;
	const char *kmsg; /* --follow reads it; NULL: /dev/kmsg */
	long timeout_ms;  /* journalctl's time limit; 0: 120 s */
	/* A process's cgroup (audit_attribute); NULL: audit_pid_cgroup on
	 * /proc, which skips a pid started after the record. */
	int (*cgroup_of)(pid_t pid, char **ret, void *ud);
	void *cgroup_ud;
	struct aa_oci_logs_stats *stats; /* filled when not NULL */
	/* When set, each record that passes the filters goes here instead
	 * of being printed (aa-oci suggest); a negative return stops. */
	int (*each)(const struct aa_oci_audit_event *e,
		    const struct aa_oci_attribution *a, void *ud);
	void *each_ud;
};

/*
 * logs_parse_since - the value of --since: a UNIX time in seconds
 * ("1796058466"), or a time before @now: "-30s", "-10m", "-2h", "-1d".
 * Returns: 0, -EINVAL not one of those, -ERANGE.
 */
int logs_parse_since(const char *s, time_t now, time_t *ret);

/*
 * logs_run - read the records, attribute each to a container among
 * run_dir's records (cfg->rundir; ended containers' records included),
 * filter, and print to @out: for people, a first line "source: SOURCE",
 * then one line a record,
 *
 *   TIME  CONTAINER  POD  PROFILE  KIND  OPERATION  OBJECT  requested=R
 * denied=D info="I"
 *
 * (TIME in UTC with milliseconds; CONTAINER the first 12 characters of
 * the id, "ambiguous: A, B", or "-"; POD "NAMESPACE/NAME" or "-"; KIND
 * DENIED, ALLOWED or AUDIT; OBJECT the path ("NAME -> TARGET" with a
 * target), "capability NAME", "network FAMILY TYPE", "signal SIG
 * peer=P", "ptrace peer=P", "mount FSTYPE SRC -> TARGET FLAGS"; absent
 * parts "-" or left out; bytes that are not printable UTF-8 as \xNN); with
 * o->json one JSON object a record, every field, the source, and the
 * attribution ("label", "cgroup", "profile-time", "ambiguous" with
 * "candidates", "none"). STATUS, HINT and ERROR records are not shown: they
 * tell of policy changes, not of what a container did.
 * A container filter matches an ambiguous record when one candidate does.
 * With o->follow, runs until SIGINT or SIGTERM (blocked meanwhile, and
 * taken through a signalfd), then returns 0.
 * Returns: 0 or -errno with a line in @err (-ENOENT: no source found;
 * -EIO: writing to @out failed).
 */
int logs_run(const struct aa_oci_logs_opts *o, const struct aa_oci_config *cfg,
	     FILE *out, struct aa_oci_err *err);
