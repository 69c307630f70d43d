/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * audit.c: the kernel's AppArmor records in every form a log gives them,
 * parsed by libapparmor; cgroup paths of the engines; which container an
 * event came from.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <aalogparse/aalogparse.h>

#include "fixture.h"
#include "aa-oci/audit.h"
#include "aa-oci/policy.h"
#include "aa-oci/util.h"

/* --- Records --- */

/* What a record should give; NULL for a key it does not have. Numbers
 * as text so that 0 and "absent" differ ("-1" in the event is NULL). */
struct want {
	time_t time;
	long nsec;
	unsigned long serial;
	enum aa_oci_audit_kind kind;
	const char *operation, *profile, *namespace;
	pid_t pid;
	const char *comm, *name, *name2, *requested_mask, *denied_mask;
	const char *capability, *capname, *family, *sock_type, *protocol;
	const char *signal, *peer, *fstype, *srcname, *flags, *info;
	int error;
};

struct record_case {
	const char *what;
	const char *stamp; /* inside audit(...) */
	const char *keys;  /* what the kernel writes after "audit(...): " */
	struct want w;
};

/*
 * Kernel 6.1 (Debian's linux-image-amd64, the test guests' kernel): the
 * records as it writes them, with the double space before capname.
 */
static const struct record_case records[] = {
    {"file open",
     "1796058466.104:4",
     "apparmor=\"DENIED\" operation=\"open\" profile=\"aa-oci-test\" "
     "name=\"/out/denied\" pid=612 comm=\"sh\" requested_mask=\"wc\" "
     "denied_mask=\"wc\" fsuid=0 ouid=0",
     {.time = 1796058466,
      .nsec = 104000000,
      .serial = 4,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "open",
      .profile = "aa-oci-test",
      .pid = 612,
      .comm = "sh",
      .name = "/out/denied",
      .requested_mask = "wc",
      .denied_mask = "wc"}},
    {"file mknod",
     "1796058466.201:5",
     "apparmor=\"DENIED\" operation=\"mknod\" profile=\"aa-oci-test\" "
     "name=\"/out/fifo\" pid=615 comm=\"mkfifo\" requested_mask=\"c\" "
     "denied_mask=\"c\" fsuid=0 ouid=0",
     {.time = 1796058466,
      .nsec = 201000000,
      .serial = 5,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "mknod",
      .profile = "aa-oci-test",
      .pid = 615,
      .comm = "mkfifo",
      .name = "/out/fifo",
      .requested_mask = "c",
      .denied_mask = "c"}},
    {"file exec",
     "1796058466.302:6",
     "apparmor=\"DENIED\" operation=\"exec\" profile=\"aa-oci-test\" "
     "name=\"/usr/bin/id\" pid=616 comm=\"sh\" requested_mask=\"x\" "
     "denied_mask=\"x\" fsuid=0 ouid=0",
     {.time = 1796058466,
      .nsec = 302000000,
      .serial = 6,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "exec",
      .profile = "aa-oci-test",
      .pid = 616,
      .comm = "sh",
      .name = "/usr/bin/id",
      .requested_mask = "x",
      .denied_mask = "x"}},
    {"exec with a target",
     "1796058466.303:7",
     "apparmor=\"DENIED\" operation=\"exec\" info=\"no new privs\" "
     "error=-1 profile=\"aa-oci-test\" name=\"/usr/bin/id\" pid=617 "
     "comm=\"sh\" requested_mask=\"x\" denied_mask=\"x\" fsuid=0 ouid=0 "
     "target=\"other\"",
     {.time = 1796058466,
      .nsec = 303000000,
      .serial = 7,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "exec",
      .profile = "aa-oci-test",
      .pid = 617,
      .comm = "sh",
      .name = "/usr/bin/id",
      .name2 = "other",
      .requested_mask = "x",
      .denied_mask = "x",
      .info = "no new privs",
      .error = -1}},
    {"hex-encoded name and comm",
     "1796058466.404:8",
     "apparmor=\"DENIED\" operation=\"open\" profile=\"aa-oci-test\" "
     "name=2F6F75742F6120622063 pid=618 comm=6D7920636D64 "
     "requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0",
     {.time = 1796058466,
      .nsec = 404000000,
      .serial = 8,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "open",
      .profile = "aa-oci-test",
      .pid = 618,
      .comm = "my cmd",
      .name = "/out/a b c",
      .requested_mask = "r",
      .denied_mask = "r"}},
    {"capability",
     "1796058467.000:9",
     "apparmor=\"DENIED\" operation=\"capable\" profile=\"docker-default\" "
     "pid=1234 comm=\"mount\" capability=21  capname=\"sys_admin\"",
     {.time = 1796058467,
      .serial = 9,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "capable",
      .profile = "docker-default",
      .pid = 1234,
      .comm = "mount",
      .capability = "21",
      .capname = "sys_admin"}},
    {"network create",
     "1796058467.010:10",
     "apparmor=\"DENIED\" operation=\"create\" profile=\"p\" pid=9 "
     "comm=\"x\" family=\"alg\" sock_type=\"seqpacket\" protocol=0 "
     "requested_mask=\"create\" denied_mask=\"create\"",
     {.time = 1796058467,
      .nsec = 10000000,
      .serial = 10,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "create",
      .profile = "p",
      .pid = 9,
      .comm = "x",
      .requested_mask = "create",
      .denied_mask = "create",
      .family = "alg",
      .sock_type = "seqpacket",
      .protocol = "0"}},
    {"signal with a peer",
     "1796058467.020:11",
     "apparmor=\"DENIED\" operation=\"signal\" "
     "profile=\"lxc-container-default\" pid=5 comm=\"kill\" "
     "requested_mask=\"send\" denied_mask=\"send\" signal=cont "
     "peer=\"unconfined\"",
     {.time = 1796058467,
      .nsec = 20000000,
      .serial = 11,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "signal",
      .profile = "lxc-container-default",
      .pid = 5,
      .comm = "kill",
      .requested_mask = "send",
      .denied_mask = "send",
      .signal = "cont",
      .peer = "unconfined"}},
    {"ptrace with a peer",
     "1796058467.030:12",
     "apparmor=\"DENIED\" operation=\"ptrace\" profile=\"docker-default\" "
     "pid=7 comm=\"strace\" requested_mask=\"trace\" "
     "denied_mask=\"trace\" peer=\"unconfined\"",
     {.time = 1796058467,
      .nsec = 30000000,
      .serial = 12,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "ptrace",
      .profile = "docker-default",
      .pid = 7,
      .comm = "strace",
      .requested_mask = "trace",
      .denied_mask = "trace",
      .peer = "unconfined"}},
    {"mount",
     "1796058467.040:13",
     "apparmor=\"DENIED\" operation=\"mount\" info=\"failed flags match\" "
     "error=-13 profile=\"docker-default\" name=\"/proc/\" pid=8 "
     "comm=\"mount\" fstype=\"proc\" srcname=\"proc\" flags=\"rw\"",
     {.time = 1796058467,
      .nsec = 40000000,
      .serial = 13,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "mount",
      .profile = "docker-default",
      .pid = 8,
      .comm = "mount",
      .name = "/proc/",
      .fstype = "proc",
      .srcname = "proc",
      .flags = "rw",
      .info = "failed flags match",
      .error = -13}},
    {"umount",
     "1796058467.050:14",
     "apparmor=\"DENIED\" operation=\"umount\" profile=\"docker-default\" "
     "name=\"/sys/fs/cgroup/\" pid=8 comm=\"umount\"",
     {.time = 1796058467,
      .nsec = 50000000,
      .serial = 14,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "umount",
      .profile = "docker-default",
      .pid = 8,
      .comm = "umount",
      .name = "/sys/fs/cgroup/"}},
    {"change_onexec to a label not loaded",
     "1796058467.060:15",
     "apparmor=\"DENIED\" operation=\"change_onexec\" "
     "info=\"label not found\" error=-2 profile=\"unconfined\" "
     "name=\"aa-oci-test\" pid=3 comm=\"runc:[2:INIT]\"",
     {.time = 1796058467,
      .nsec = 60000000,
      .serial = 15,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "change_onexec",
      .profile = "unconfined",
      .pid = 3,
      .comm = "runc:[2:INIT]",
      .name = "aa-oci-test",
      .info = "label not found",
      .error = -2}},
    {"profile_load",
     "1796058467.070:16",
     "apparmor=\"STATUS\" operation=\"profile_load\" "
     "profile=\"unconfined\" name=\"aa-oci-test\" pid=600 "
     "comm=\"apparmor_parser\"",
     {.time = 1796058467,
      .nsec = 70000000,
      .serial = 16,
      .kind = AA_OCI_AUDIT_STATUS,
      .operation = "profile_load",
      .profile = "unconfined",
      .pid = 600,
      .comm = "apparmor_parser",
      .name = "aa-oci-test"}},
    {"a policy namespace",
     "1796058467.080:17",
     "apparmor=\"DENIED\" operation=\"open\" namespace=\"root//aa-oci\" "
     "profile=\"payment-api\" name=\"/etc/shadow\" pid=11 comm=\"cat\" "
     "requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0",
     {.time = 1796058467,
      .nsec = 80000000,
      .serial = 17,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "open",
      .profile = "payment-api",
      .namespace = "aa-oci",
      .pid = 11,
      .comm = "cat",
      .name = "/etc/shadow",
      .requested_mask = "r",
      .denied_mask = "r"}},
    {"complain mode, a per-container copy",
     "1796058467.090:18",
     "apparmor=\"ALLOWED\" operation=\"open\" "
     "profile=\"aa-oci-test--aa-oci-t6-complain\" name=\"/out/denied\" "
     "pid=640 comm=\"sh\" requested_mask=\"wc\" denied_mask=\"wc\" "
     "fsuid=0 ouid=0",
     {.time = 1796058467,
      .nsec = 90000000,
      .serial = 18,
      .kind = AA_OCI_AUDIT_ALLOWED,
      .operation = "open",
      .profile = "aa-oci-test--aa-oci-t6-complain",
      .pid = 640,
      .comm = "sh",
      .name = "/out/denied",
      .requested_mask = "wc",
      .denied_mask = "wc"}},
};

/*
 * Records of kernels after 6.1 (class=, requested=/denied=, a target=
 * in hex) and of auditd's files (node=, enrichment after \x1d), which
 * libapparmor 3.0 refuses whole: parsed here all the same.
 */
static const struct record_case newer[] = {
    {"class= (6.2+)",
     "1796058468.000:20",
     "apparmor=\"DENIED\" operation=\"open\" class=\"file\" "
     "profile=\"aa-oci-test\" name=\"/out/denied\" pid=612 comm=\"sh\" "
     "requested_mask=\"wc\" denied_mask=\"wc\" fsuid=0 ouid=0",
     {.time = 1796058468,
      .serial = 20,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "open",
      .profile = "aa-oci-test",
      .pid = 612,
      .comm = "sh",
      .name = "/out/denied",
      .requested_mask = "wc",
      .denied_mask = "wc"}},
    {"userns_create: requested=, denied=, target=",
     "1796058468.000:21",
     "apparmor=\"DENIED\" operation=\"userns_create\" "
     "class=\"namespace\" info=\"Userns create restricted - failed to "
     "find unprivileged_userns profile\" error=-13 profile=\"unconfined\" "
     "pid=812 comm=\"unshare\" requested=\"userns_create\" "
     "denied=\"userns_create\" target=\"unprivileged_userns\"",
     {.time = 1796058468,
      .serial = 21,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "userns_create",
      .profile = "unconfined",
      .pid = 812,
      .comm = "unshare",
      .name2 = "unprivileged_userns",
      .requested_mask = "userns_create",
      .denied_mask = "userns_create",
      .info = "Userns create restricted - failed to find "
	      "unprivileged_userns profile",
      .error = -13}},
    {"a target in hex, a quoted signal",
     "1796058468.000:22",
     "apparmor=\"DENIED\" operation=\"signal\" class=\"signal\" "
     "profile=\"p\" pid=5 comm=\"kill\" requested_mask=\"send\" "
     "denied_mask=\"send\" signal=\"term\" peer=\"q\" target=2F612062",
     {.time = 1796058468,
      .serial = 22,
      .kind = AA_OCI_AUDIT_DENIED,
      .operation = "signal",
      .profile = "p",
      .pid = 5,
      .comm = "kill",
      .name2 = "/a b",
      .requested_mask = "send",
      .denied_mask = "send",
      .signal = "term",
      .peer = "q"}},
    {"a stamp without a fraction, a label with its namespace",
     "1796058468:23",
     "apparmor=\"AUDIT\" operation=\"open\" profile=\":aa-oci://web\" "
     "name=\"/etc/hostname\" pid=13 comm=\"cat\" requested_mask=\"r\" "
     "fsuid=0 ouid=0",
     {.time = 1796058468,
      .serial = 23,
      .kind = AA_OCI_AUDIT_AUDIT,
      .operation = "open",
      .profile = "web",
      .namespace = "aa-oci",
      .pid = 13,
      .comm = "cat",
      .name = "/etc/hostname",
      .requested_mask = "r"}},
};

/* The lines the kernel's records become: HEAD STAMP "): " KEYS TAIL. */
static const struct form {
	const char *head, *tail;
} forms[] = {
    /* kern.log (rsyslog, traditional format) */
    {"Nov 30 17:07:46 host kernel: [   23.512345] audit: type=1400 audit(", ""},
    /* a dmesg stamp of fewer digits */
    {"Nov 30 17:07:46 host kernel: [  23.5] audit: type=1400 audit(", ""},
    /* rsyslog's high-precision format */
    {"2026-11-30T17:07:46.104512+00:00 host kernel: [   23.512345] audit: "
     "type=1400 audit(",
     ""},
    /* busybox syslogd's /var/log/messages */
    {"Nov 30 17:07:46 host kern.notice kernel: audit: type=1400 audit(", ""},
    /* dmesg */
    {"[   23.512345] audit: type=1400 audit(", ""},
    /* dmesg -t, and the text of a journal or kmsg entry */
    {"audit: type=1400 audit(", ""},
    /* a /dev/kmsg record */
    {"5,813,23512345,-;audit: type=1400 audit(", "\n"},
    /* audit.log */
    {"type=AVC msg=audit(", ""},
    /* syslog with a full host name; with a tag at the start */
    {"Nov 30 17:07:46 mail.example.com kernel: [   23.512345] audit: "
     "type=1400 audit(",
     ""},
    {"kernel: audit: type=1400 audit(", ""},
    /* dmesg -T */
    {"[Mon Nov 30 17:07:46 2026] audit: type=1400 audit(", ""},
    /* audit.log of an older kernel's type */
    {"type=APPARMOR_DENIED msg=audit(", ""},
    /* audit.log with name_format, and enriched */
    {"node=host type=AVC msg=audit(", "\x1d"
				      "FSUID=\"root\" OUID=\"root\""},
};

static char *form_line(const struct form *f, const char *stamp,
		       const char *keys)
{
	char *line;

	assert_true(
	    asprintf(&line, "%s%s): %s%s", f->head, stamp, keys, f->tail) > 0);
	return line;
}

static void check_num(const char *want, int have)
{
	char buf[16];

	if (!want) {
		assert_int_equal(have, -1);
		return;
	}
	snprintf(buf, sizeof(buf), "%d", have);
	assert_string_equal(buf, want);
}

#define CHECK_STR(f)                                                           \
	do {                                                                   \
		if (w->f)                                                      \
			assert_string_equal(e->f, w->f);                       \
		else                                                           \
			assert_null(e->f);                                     \
	} while (0)

static void check_event(const struct aa_oci_audit_event *e,
			const struct want *w)
{
	assert_int_equal(e->time, w->time);
	assert_int_equal(e->nsec, w->nsec);
	assert_int_equal(e->serial, w->serial);
	assert_int_equal(e->kind, w->kind);
	assert_int_equal(e->pid, w->pid);
	assert_int_equal(e->error, w->error);
	check_num(w->capability, e->capability);
	check_num(w->protocol, e->protocol);
	CHECK_STR(operation);
	CHECK_STR(profile);
	CHECK_STR(namespace);
	CHECK_STR(comm);
	CHECK_STR(name);
	CHECK_STR(name2);
	CHECK_STR(requested_mask);
	CHECK_STR(denied_mask);
	CHECK_STR(capname);
	CHECK_STR(family);
	CHECK_STR(sock_type);
	CHECK_STR(signal);
	CHECK_STR(peer);
	CHECK_STR(fstype);
	CHECK_STR(srcname);
	CHECK_STR(flags);
	CHECK_STR(info);
}

/* A journal entry as `journalctl -k -o json` writes it. */
static char *journal_entry(const char *message)
{
	char *out = malloc(strlen(message) * 2 + 512), *o = out;

	assert_non_null(out);
	o += sprintf(
	    o, "{\"__CURSOR\":\"s=6c0f1c1d;i=32d;b=1e2d3c4b;m=166c"
	       "e29;t=6460fb8d2c4c0;x=9a1b\",\"__REALTIME_TIMESTAMP\":"
	       "\"1796058466104512\",\"__MONOTONIC_TIMESTAMP\":"
	       "\"23512345\",\"_BOOT_ID\":\"1e2d3c4b5a69788796a5b4c3d2e1f0"
	       "a9\",\"PRIORITY\":\"5\",\"_TRANSPORT\":\"kernel\","
	       "\"SYSLOG_FACILITY\":\"0\",\"SYSLOG_IDENTIFIER\":"
	       "\"kernel\",\"MESSAGE\":\"");
	for (const char *m = message; *m; m++) {
		if (*m == '"' || *m == '\\')
			*o++ = '\\';
		*o++ = *m;
	}
	strcpy(o, "\"}");
	return out;
}

static void run_records(const struct record_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct record_case *c = &cases[i];
		struct aa_oci_audit_event e;
		char *msg, *json;

		for (size_t f = 0; f < sizeof(forms) / sizeof(*forms); f++) {
			char *line = form_line(&forms[f], c->stamp, c->keys);

			print_message("%s, form %zu\n", c->what, f);
			assert_int_equal(audit_parse_line(line, &e), 0);
			check_event(&e, &c->w);
			audit_event_free(&e);
			free(line);
		}
		assert_true(asprintf(&msg, "audit: type=1400 audit(%s): %s",
				     c->stamp, c->keys) > 0);
		json = journal_entry(msg);
		print_message("%s, journal\n", c->what);
		assert_int_equal(audit_parse_journal_json(json, &e), 0);
		check_event(&e, &c->w);
		audit_event_free(&e);
		free(json);
		free(msg);
	}
}

static void test_records(void **state)
{
	(void)state;
	run_records(records, sizeof(records) / sizeof(*records));
}

static void test_records_newer(void **state)
{
	(void)state;
	run_records(newer, sizeof(newer) / sizeof(*newer));
}

/*
 * What libapparmor 3.0.8's own parser makes of the forms, given the line
 * as it is: why audit.c rewrites every line before handing it over. When
 * a newer library takes more, this table says so.
 */
static void test_library_forms(void **state)
{
	static const char *const keys =
	    "apparmor=\"DENIED\" operation=\"open\" profile=\"aa-oci-test\" "
	    "name=\"/out/denied\" pid=612 comm=\"sh\" requested_mask=\"wc\" "
	    "denied_mask=\"wc\" fsuid=0 ouid=0";
	static const struct {
		struct form form;
		aa_record_event_type event;
	} cases[] = {
	    {{"Nov 30 17:07:46 host kernel: [   23.512345] audit: type=1400 "
	      "audit(",
	      ""},
	     AA_RECORD_DENIED},
	    {{"Nov 30 17:07:46 host kernel: [  23.5] audit: type=1400 audit(",
	      ""},
	     AA_RECORD_INVALID},
	    {{"Nov 30 17:07:46 host kern.notice kernel: audit: type=1400 "
	      "audit(",
	      ""},
	     AA_RECORD_INVALID},
	    {{"[   23.512345] audit: type=1400 audit(", ""}, AA_RECORD_DENIED},
	    {{"audit: type=1400 audit(", ""}, AA_RECORD_INVALID},
	    {{"5,813,23512345,-;audit: type=1400 audit(", ""},
	     AA_RECORD_INVALID},
	    {{"type=AVC msg=audit(", ""}, AA_RECORD_DENIED},
	    {{"type=1400 msg=audit(", ""}, AA_RECORD_INVALID},
	    {{"node=host type=AVC msg=audit(", ""}, AA_RECORD_INVALID},
	    {{"type=AVC msg=audit(", " class=\"file\""}, AA_RECORD_INVALID},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *line =
		    form_line(&cases[i].form, "1796058466.104:4", keys);
		aa_log_record *rec = parse_record(line);

		assert_non_null(rec);
		print_message("%s\n", line);
		assert_int_equal(rec->event, cases[i].event);
		free_record(rec);
		free(line);
	}
	/* A stamp without its fraction. */
	{
		char *line = form_line(&cases[6].form, "1796058466:4", keys);
		aa_log_record *rec = parse_record(line);

		assert_int_equal(rec->event, AA_RECORD_INVALID);
		free_record(rec);
		free(line);
	}
}

/* Where the library's values differ from the kernel's. */
static void test_library_values(void **state)
{
	char cap[] =
	    "type=AVC msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
	    "operation=\"capable\" profile=\"docker-default\" pid=1234 "
	    "comm=\"mount\" capability=21  capname=\"sys_admin\"";
	char net[] =
	    "type=AVC msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
	    "operation=\"create\" profile=\"p\" pid=9 comm=\"x\" "
	    "family=\"alg\" sock_type=\"seqpacket\" protocol=0 "
	    "requested_mask=\"create\" denied_mask=\"create\"";
	char mnt[] =
	    "type=AVC msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
	    "operation=\"mount\" info=\"failed flags match\" error=-13 "
	    "profile=\"docker-default\" name=\"/proc/\" pid=8 "
	    "comm=\"mount\" fstype=\"proc\" srcname=\"proc\" "
	    "flags=\"rw\"";
	aa_log_record *rec;

	(void)state;
	/* capname= lands in name; capability= is dropped. */
	rec = parse_record(cap);
	assert_int_equal(rec->event, AA_RECORD_DENIED);
	assert_string_equal(rec->name, "sys_admin");
	free_record(rec);
	/* protocol 0 of an AF_ALG socket becomes the IP protocol "ip". */
	rec = parse_record(net);
	assert_int_equal(rec->event, AA_RECORD_DENIED);
	assert_string_equal(rec->net_protocol, "ip");
	free_record(rec);
	/* error=-13 loses its sign. */
	rec = parse_record(mnt);
	assert_int_equal(rec->event, AA_RECORD_DENIED);
	assert_int_equal(rec->error_code, 13);
	assert_string_equal(rec->name, "/proc/");
	free_record(rec);
}

/*
 * The kernel writes a quoted value as it is: a backslash in a path is no
 * escape. The library reads one as an escape ("/etc/sha\\dow" would be
 * "/etc/shadow", a trailing one swallows the next key and leaks); the
 * value must come through as the kernel wrote it (found by tests/fuzz).
 */
static void test_backslash(void **state)
{
	static const char *const names[] = {"/etc/sha\\dow", "/a\\", "/b\\\\",
					    "\\\\x"};
	struct aa_oci_audit_event e;
	char line[512];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		snprintf(line, sizeof(line),
			 "type=AVC msg=audit(1796058466.104:4): "
			 "apparmor=\"DENIED\" operation=\"open\" "
			 "profile=\"p\" name=\"%s\" pid=612 comm=\"sh\" "
			 "requested_mask=\"r\" denied_mask=\"r\"",
			 names[i]);
		assert_int_equal(audit_parse_line(line, &e), 0);
		assert_string_equal(e.name, names[i]);
		assert_string_equal(e.comm, "sh");
		assert_int_equal(e.pid, 612);
		audit_event_free(&e);
	}
}

static void test_malformed(void **state)
{
	static const struct {
		const char *line;
		int r;
	} cases[] = {
	    {"", -ENOENT},
	    /* two keys the library keeps in one field (found by
	     * tests/fuzz: the library leaked one of them) */
	    {"type=AVC msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
	     "operation=\"capable\" name=\"x\" capname=\"chown\" pid=1",
	     -EBADMSG},
	    {"type=AVC msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
	     "operation=\"exec\" name2=\"x\" target=\"y\" pid=1",
	     -EBADMSG},
	    {"type=AVC msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
	     "operation=\"open\" profile=\"p\" label=\"q\" pid=1",
	     -EBADMSG},
	    {"type=AVC msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
	     "operation=\"open\" denied=\"r\" mask=\"w\" pid=1",
	     -EBADMSG},
	    {"Nov 30 17:07:40 host kernel: [   17.000000] e1000: eth0 NIC "
	     "Link is Up 1000 Mbps Full Duplex",
	     -ENOENT},
	    /* auditd's other records */
	    {"type=SYSCALL msg=audit(1796058466.104:4): arch=c000003e "
	     "syscall=257 success=no exit=-13 pid=612 comm=\"sh\"",
	     -ENOENT},
	    {"type=PROCTITLE msg=audit(1796058466.104:4): "
	     "proctitle=7368002D63",
	     -ENOENT},
	    /* a user-space AVC (dbus): not the kernel's */
	    {"type=USER_AVC msg=audit(1796058466.104:5): pid=1 uid=0 "
	     "auid=4294967295 ses=4294967295 msg='apparmor=\"DENIED\" "
	     "operation=\"dbus_method_call\" bus=\"system\" "
	     "path=\"/org/freedesktop/DBus\" "
	     "interface=\"org.freedesktop.DBus\" "
	     "member=\"Hello\" mask=\"send\" name=\"org.freedesktop.DBus\" "
	     "pid=612 label=\"p\" peer_label=\"unconfined\" "
	     "exe=\"/usr/bin/dbus-daemon\" sauid=100 hostname=? addr=? "
	     "terminal=?'",
	     -ENOENT},
	    /* SELinux */
	    {"type=AVC msg=audit(1796058466.104:6): avc:  denied  { read } "
	     "for  pid=612 comm=\"cat\" name=\"shadow\"",
	     -ENOENT},
	    /* the key's name inside a value is not the key */
	    {"type=AVC msg=audit(1796058466.104:7): info=\"apparmor=x\"",
	     -ENOENT},
	    {"apparmor=\"DENIED\" operation=\"open\" profile=\"p\"", -ENOENT},
	    {"audit(abc): apparmor=\"DENIED\"", -ENOENT},
	    /* a program's lines that quote a record */
	    {"Nov 30 17:07:46 host myapp[812]: audit: type=1400 "
	     "audit(1796058466.104:4): apparmor=\"DENIED\" "
	     "operation=\"open\" profile=\"p\" pid=1",
	     -ENOENT},
	    {"Nov 30 17:07:46 host mykernel: audit: type=1400 "
	     "audit(1796058466.104:4): apparmor=\"DENIED\" "
	     "operation=\"open\" profile=\"p\" pid=1",
	     -ENOENT},
	    {"Nov 30 17:07:46 host user.notice kernel: audit: type=1400 "
	     "audit(1796058466.104:4): apparmor=\"DENIED\" "
	     "operation=\"open\" profile=\"p\" pid=1",
	     -ENOENT},
	    {"Nov 30 17:07:46 host myapp: audit(1796058466.104:4): "
	     "apparmor=\"DENIED\" operation=\"open\" profile=\"p\" pid=1",
	     -ENOENT},
	    {"13,900,23512345,-;audit: type=1400 audit(1796058466.104:4): "
	     "apparmor=\"DENIED\" operation=\"open\" profile=\"p\" pid=1",
	     -ENOENT},
	    {"type=USER_TRUSTED msg=audit(1796058466.104:4): pid=1 uid=0 "
	     "auid=0 ses=1 msg='x apparmor=\"DENIED\" operation=\"open\" "
	     "profile=\"p\" pid=1'",
	     -ENOENT},
	    {"logger: type=AVC msg=audit(1796058466.104:4): "
	     "apparmor=\"DENIED\" operation=\"open\" profile=\"p\" pid=1",
	     -ENOENT},
	    {"type=AVC x msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
	     "operation=\"open\" profile=\"p\" pid=1",
	     -ENOENT},
	    /* broken stamps */
	    {"type=AVC msg=audit(1796058466.104:4) apparmor=\"DENIED\" "
	     "operation=\"open\" profile=\"p\" pid=1",
	     -EBADMSG},
	    {"type=AVC msg=audit(1796058466x104:4): apparmor=\"DENIED\"",
	     -EBADMSG},
	    {"type=AVC msg=audit(1796058466.:4): apparmor=\"DENIED\"",
	     -EBADMSG},
	    {"type=AVC msg=audit(1796058466.104:): apparmor=\"DENIED\"",
	     -EBADMSG},
	    {"type=AVC msg=audit(17960584661234567.104:4): apparmor=\"DENIED\"",
	     -EBADMSG},
	    /* broken key lists */
	    {"type=AVC msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
	     "operation=\"open\" profile=\"aa-oci-test\" name=\"/tr",
	     -EBADMSG},
	    {"type=AVC msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
	     "operation=\"open\" profile=\"p\"x pid=1",
	     -EBADMSG},
	    {"type=AVC msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
	     "operation=\"open\" stray profile=\"p\" pid=1",
	     -EBADMSG},
	    {"type=AVC msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
	     "operation=\"open\" profile=\"p\" profile=\"q\" pid=1",
	     -EBADMSG},
	    /* the library refuses */
	    {"type=AVC msg=audit(1796058466.104:4): apparmor=\"BOGUS\" "
	     "operation=\"open\" profile=\"p\" pid=1",
	     -EBADMSG},
	    {"type=AVC msg=audit(1796058466.104:4): apparmor=DENIED "
	     "operation=\"open\" profile=\"p\" pid=1",
	     -EBADMSG},
	    /* hex with a NUL in it, decoded here */
	    {"type=AVC msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
	     "operation=\"exec\" profile=\"p\" pid=1 target=2F0061",
	     -EBADMSG},
	};
	struct aa_oci_audit_event e;
	char *big;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		print_message("%s\n", cases[i].line);
		assert_int_equal(audit_parse_line(cases[i].line, &e),
				 cases[i].r);
	}
	big = malloc(AUDIT_LINE_MAX + 2);
	memset(big, 'a', AUDIT_LINE_MAX + 1);
	big[AUDIT_LINE_MAX + 1] = '\0';
	assert_int_equal(audit_parse_line(big, &e), -E2BIG);
	free(big);
}

static void test_journal_json(void **state)
{
	static const struct {
		const char *json;
		int r;
	} cases[] = {
	    {"{\"MESSAGE\":\"e1000: eth0 NIC Link is Up\"}", -ENOENT},
	    {"{\"_TRANSPORT\":\"kernel\"}", -ENOENT},
	    {"{\"MESSAGE\":null}", -ENOENT},
	    {"{\"MESSAGE\":12}", -EBADMSG},
	    {"{\"MESSAGE\":[97,0,98]}", -EBADMSG},
	    {"{\"MESSAGE\":[97,256]}", -EBADMSG},
	    {"{\"MESSAGE\":[\"a\"]}", -EBADMSG},
	    {"not json", -EBADMSG},
	    {"[\"MESSAGE\"]", -EBADMSG},
	    {"{\"MESSAGE\":\"a\",\"MESSAGE\":\"b\"}", -EBADMSG},
	    {"{\"MESSAGE\":\"a\"} /* comment */", -EBADMSG},
	    /* not the kernel's: a program's message, a process's write
	     * to /dev/kmsg (facility user) */
	    {"{\"_TRANSPORT\":\"syslog\",\"MESSAGE\":\"audit: type=1400 "
	     "audit(1796058466.104:4): apparmor=\\\"DENIED\\\" "
	     "operation=\\\"open\\\" profile=\\\"p\\\" pid=1\"}",
	     -ENOENT},
	    {"{\"_TRANSPORT\":\"kernel\",\"SYSLOG_FACILITY\":\"1\","
	     "\"MESSAGE\":\"audit: type=1400 audit(1796058466.104:4): "
	     "apparmor=\\\"DENIED\\\" operation=\\\"open\\\" "
	     "profile=\\\"p\\\" pid=1\"}",
	     -ENOENT},
	    {"{\"MESSAGE\":\"audit: type=1400 audit(1796058466.104:4): "
	     "apparmor=\\\"DENIED\\\" operation=\\\"open\\\" profile=\\\"p\\\" "
	     "name=\\\"/x\\\" pid=1 comm=\\\"sh\\\"\"}",
	     0},
	};
	/* journald's form of a MESSAGE that is not printable UTF-8: bytes. */
	static const char msg[] =
	    "audit: type=1400 audit(1796058466.104:4): apparmor=\"DENIED\" "
	    "operation=\"open\" profile=\"p\" name=\"/x\" pid=1 comm=\"sh\"";
	struct aa_oci_audit_event e;
	char *json, *o, *big;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		print_message("%s\n", cases[i].json);
		assert_int_equal(audit_parse_journal_json(cases[i].json, &e),
				 cases[i].r);
		if (cases[i].r == 0) {
			assert_string_equal(e.name, "/x");
			audit_event_free(&e);
		}
	}
	json = malloc(sizeof(msg) * 4 + 64);
	o = json + sprintf(json, "{\"_TRANSPORT\":\"kernel\",\"MESSAGE\":[");
	for (size_t i = 0; msg[i]; i++)
		o += sprintf(o, "%s%d", i ? "," : "", msg[i]);
	strcpy(o, "]}");
	assert_int_equal(audit_parse_journal_json(json, &e), 0);
	assert_string_equal(e.profile, "p");
	assert_string_equal(e.comm, "sh");
	audit_event_free(&e);
	free(json);
	big = malloc(AUDIT_JSON_MAX + 2);
	memset(big, ' ', AUDIT_JSON_MAX + 1);
	big[0] = '{';
	big[AUDIT_JSON_MAX] = '}';
	big[AUDIT_JSON_MAX + 1] = '\0';
	assert_int_equal(audit_parse_journal_json(big, &e), -E2BIG);
	free(big);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(audit_kind_name(AA_OCI_AUDIT_DENIED), "DENIED");
	assert_string_equal(audit_kind_name(AA_OCI_AUDIT_ALLOWED), "ALLOWED");
	assert_string_equal(audit_kind_name(AA_OCI_AUDIT_AUDIT), "AUDIT");
	assert_string_equal(audit_kind_name(AA_OCI_AUDIT_STATUS), "STATUS");
	assert_string_equal(audit_kind_name(AA_OCI_AUDIT_HINT), "HINT");
	assert_string_equal(audit_kind_name(AA_OCI_AUDIT_ERROR), "ERROR");
	assert_string_equal(audit_kind_name((enum aa_oci_audit_kind)99), "?");
}

/* --- Per-container labels --- */

static void test_label_copy(void **state)
{
	static const struct {
		const char *label;
		bool copy;
		size_t base;
		const char *id;
	} cases[] = {
	    {"payment-api--aa-oci-3f2a9c1b7e04", true, 11, "3f2a9c1b7e04"},
	    {"aa-oci-test--aa-oci-t6-complain", true, 11, "t6-complain"},
	    {"web--aa-oci-c1", true, 3, "c1"},
	    {"web--aa-oci-c1//null-/usr/bin/x", true, 3, "c1"},
	    {"a--aa-oci-b--aa-oci-0123456789ab", true, 11, "0123456789ab"},
	    {"payment-api", false, 0, NULL},
	    {"payment-api--aa-oci-", false, 0, NULL},
	    {"--aa-oci-3f2a9c1b7e04", false, 0, NULL},
	    {"web--aa-oci-3f2a9c1b7e04f", false, 0, NULL},
	    {"web--aa-oci-c/1", false, 0, NULL},
	    {"web--aa-oci-c 1", false, 0, NULL},
	    {"web//&x--aa-oci-c1", false, 0, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t base = 0;
		char id[13] = "";

		print_message("%s\n", cases[i].label);
		assert_int_equal(policy_copy_parse(cases[i].label, &base, id),
				 cases[i].copy);
		if (!cases[i].copy)
			continue;
		assert_int_equal(base, cases[i].base);
		assert_string_equal(id, cases[i].id);
	}
	assert_true(policy_copy_parse("web--aa-oci-c1", NULL, NULL));
}

/* --- cgroups --- */

#define HEX_A "559aead08264d5795d3909718cdd05abd49572e84fe55590eef31a88a08fdffd"
#define HEX_B "df7e70e5021544f4834bbee64a9e3789febc4be81470df629cad6ddb03320a5c"
#define HEX_X "4b68ab3847feda7d6c62c1fbcbeebfa35eab7351ed5e78f4ddadea5df64b8015"
#define POD "pod5f0c8a1e-7b1d-4d1e-9a3c-2b7f0e6d9c11"
#define PODS "pod5f0c8a1e_7b1d_4d1e_9a3c_2b7f0e6d9c11"

static void test_cgroup_ids(void **state)
{
	static const struct {
		const char *path;
		int r;
		const char *id, *engine;
	} cases[] = {
	    /* Docker: systemd driver (v2 and v1), cgroupfs, rootless,
	     * Docker in Docker (the inner one) */
	    {"/system.slice/docker-" HEX_A ".scope", 0, HEX_A, "docker"},
	    {"/docker/" HEX_A, 0, HEX_A, "docker"},
	    {"/user.slice/user-1000.slice/user@1000.service/user.slice/"
	     "docker-" HEX_A ".scope",
	     0, HEX_A, "docker"},
	    {"/docker/" HEX_A "/docker/" HEX_B, 0, HEX_B, "docker"},
	    /* containerd, CRI: systemd driver, cgroupfs (v2 and v1) */
	    {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-" PODS
	     ".slice/cri-containerd-" HEX_B ".scope",
	     0, HEX_B, "containerd"},
	    {"/kubepods/burstable/" POD "/" HEX_B, 0, HEX_B, "containerd"},
	    {"/kubepods/" POD "/" HEX_B, 0, HEX_B, "containerd"},
	    /* containerd, ctr: /<namespace>/<id> */
	    {"/default/mycontainer", 1, "mycontainer", "containerd"},
	    {"/k8s.io/" HEX_B, 0, HEX_B, "containerd"},
	    /* CRI-O: systemd driver, cgroupfs; its conmon is no container */
	    {"/kubepods.slice/kubepods-besteffort.slice/"
	     "kubepods-besteffort-" PODS ".slice/crio-" HEX_A ".scope",
	     0, HEX_A, "cri-o"},
	    {"/kubepods/besteffort/" POD "/crio-" HEX_A, 0, HEX_A, "cri-o"},
	    {"/kubepods.slice/kubepods-besteffort.slice/"
	     "kubepods-besteffort-" PODS ".slice/crio-conmon-" HEX_A ".scope",
	     -ENOENT, NULL, NULL},
	    /* Podman: systemd (v2, with crun's sub-cgroup), rootless,
	     * cgroupfs (v1); its conmon */
	    {"/machine.slice/libpod-" HEX_X ".scope", 0, HEX_X, "podman"},
	    {"/machine.slice/libpod-" HEX_X ".scope/container", 0, HEX_X,
	     "podman"},
	    {"/user.slice/user-1000.slice/user@1000.service/user.slice/"
	     "libpod-" HEX_X ".scope",
	     0, HEX_X, "podman"},
	    {"/libpod_parent/libpod-" HEX_X, 0, HEX_X, "podman"},
	    {"/machine.slice/libpod-conmon-" HEX_X ".scope", -ENOENT, NULL,
	     NULL},
	    /* runc by itself: systemd cgroupsPath, cgroupfs default */
	    {"/system.slice/runc-mycontainer.scope", 0, "mycontainer", "runc"},
	    {"system.slice:runc:mycontainer", 0, "mycontainer", "runc"},
	    {"system.slice:docker:" HEX_A, 0, HEX_A, "docker"},
	    {"/mycontainer", 1, "mycontainer", "runc"},
	    {"/" HEX_A, 0, HEX_A, "runc"},
	    /* LXC */
	    {"/lxc.payload.c1", 0, "c1", "lxc"},
	    {"/lxc.payload.c1/init.scope", 0, "c1", "lxc"},
	    /* the host's own */
	    {"/", -ENOENT, NULL, NULL},
	    {"/init.scope", -ENOENT, NULL, NULL},
	    {"/system.slice/containerd.service", -ENOENT, NULL, NULL},
	    {"/user.slice/user-1000.slice/session-2.scope", -ENOENT, NULL,
	     NULL},
	    {"/system.slice/docker-abc.scope", -ENOENT, NULL, NULL},
	    {"/a/b/c", -ENOENT, NULL, NULL},
	    {"", -ENOENT, NULL, NULL},
	    {"a:b", -ENOENT, NULL, NULL},
	    {"a:b:c:d", -ENOENT, NULL, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *engine = NULL;
		char *id = NULL;

		print_message("%s\n", cases[i].path);
		assert_int_equal(
		    audit_cgroup_container_id(cases[i].path, &id, &engine),
		    cases[i].r);
		if (cases[i].r < 0) {
			assert_null(id);
			continue;
		}
		assert_string_equal(id, cases[i].id);
		assert_string_equal(engine, cases[i].engine);
		free(id);
	}
}

/* A fake /proc: tests/data/audit/proc (btime 1796058000, 100 Hz). */
static void test_pid_cgroup(void **state)
{
	static const struct {
		pid_t pid;
		time_t started_by;
		int r;
		const char *path;
	} cases[] = {
	    /* v2 */
	    {100, 0, 0, "/system.slice/docker-" HEX_A ".scope"},
	    /* hybrid: v2 at its root, the container in v1 */
	    {101, 0, 0, "/docker/" HEX_B},
	    /* v1 alone */
	    {102, 0, 0, "/kubepods/besteffort/" POD "/crio-" HEX_A},
	    /* hybrid, v2 in use */
	    {103, 0, 0, "/machine.slice/libpod-" HEX_X ".scope"},
	    /* at the root of v2; v1 with nothing but roots; no process */
	    {104, 0, 0, "/"},
	    {106, 0, -ENOENT, NULL},
	    {105, 0, -ENOENT, NULL},
	    {0, 0, -ENOENT, NULL},
	    /* 100 started at 1796058005 (tick 500): an event before that
	     * was another process's */
	    {100, 1796058005, 0, "/system.slice/docker-" HEX_A ".scope"},
	    {100, 1796058004, 0, "/system.slice/docker-" HEX_A ".scope"},
	    {100, 1796058003, -ESRCH, NULL},
	    /* a comm with ") " in it */
	    {101, 1796058100, 0, "/docker/" HEX_B},
	    {101, 1796058098, -ESRCH, NULL},
	};
	char *root = fx_repo_path("tests/data/audit/proc");
	char *path = NULL;

	(void)state;
	/* The check counts ticks of the clock this test runs with. */
	if (sysconf(_SC_CLK_TCK) != 100) {
		print_message("skipped: the fixture's start times are in ticks "
			      "of 1/100 s, this system counts %ld a second\n",
			      sysconf(_SC_CLK_TCK));
		free(root);
		skip();
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct aa_oci_audit_proc proc = {
		    .root = root, .started_by = cases[i].started_by};

		print_message("pid %d, started by %lld\n", (int)cases[i].pid,
			      (long long)cases[i].started_by);
		assert_int_equal(audit_pid_cgroup(cases[i].pid, &path, &proc),
				 cases[i].r);
		if (cases[i].r == 0) {
			assert_string_equal(path, cases[i].path);
			free(path);
		}
	}
	free(root);
	/* Our own, in the real /proc: a path, whatever it is here. */
	assert_int_equal(audit_pid_cgroup(getpid(), &path, NULL), 0);
	assert_true(path[0] == '/');
	free(path);
	{
		struct aa_oci_audit_proc now = {.started_by = time(NULL)};

		assert_int_equal(audit_pid_cgroup(getpid(), &path, &now), 0);
		free(path);
	}
}

/* --- Attribution --- */

/* The containers aa-oci let through. */
static const struct aa_oci_container recs[] = {
    {.id = (char *)HEX_A,
     .profile = (char *)"payment-api",
     .since = 1000,
     .k8s_namespace = (char *)"shop",
     .k8s_pod = (char *)"payment-7d9f"},
    {.id = (char *)HEX_B, .profile = (char *)"payment-api", .since = 2000},
    {.id = (char *)"c1", .profile = (char *)"web", .since = 1000},
    {.id = (char *)"d4e5f6a7b8c9d0e1f2a3",
     .profile = (char *)"payment-api--aa-oci-d4e5f6a7b8c9",
     .since = 1500},
    {.id = (char *)"0123456789abcdef", .profile = (char *)"db", .since = 10},
    {.id = (char *)"ns1",
     .profile = (char *)":aa-oci:payment-api",
     .since = 10},
    {.id = (char *)"e5f6a7b8c9d0e1f2",
     .profile = (char *)":aa-oci:web--aa-oci-e5f6a7b8c9d0",
     .since = 1500},
};

/* A fake cgroup_of: pid -> cgroup path (ud: the table). */
struct fake_cgroup {
	pid_t pid;
	const char *path;
};

static const struct fake_cgroup cgroups[] = {
    {4242, "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-" PODS
	   ".slice/cri-containerd-" HEX_B ".scope"},
    {4343, "/system.slice/docker-" HEX_X ".scope"},
    {4444, "/default/0123456789abcdef0123"},
    {4545, "/kubepods/besteffort/" POD "/" HEX_A "/"},
    {4646, "/init.scope"},
    {4747, "/default/nothing"},
    {0, NULL},
};

static int fake_cgroup_of(pid_t pid, char **ret, void *ud)
{
	const struct fake_cgroup *t = ud;

	for (; t->path; t++)
		if (t->pid == pid) {
			*ret = strdup(t->path);
			return *ret ? 0 : -ENOMEM;
		}
	return -ENOENT;
}

static void test_attribution(void **state)
{
	static const struct {
		const char *what;
		const char *profile, *namespace, *operation, *name;
		pid_t pid;
		time_t time;
		enum aa_oci_attribution_how how;
		const char *id; /* or "ambiguous: i, j" of recs[] */
		int rec;	/* index in recs[], -1 none */
		const char *engine;
	} cases[] = {
	    {"a copy one record carries", "payment-api--aa-oci-d4e5f6a7b8c9",
	     NULL, "open", NULL, 0, 3000, AA_OCI_ATTR_LABEL,
	     "d4e5f6a7b8c9d0e1f2a3", 3, NULL},
	    {"a copy whose id one record has", "web--aa-oci-c1", NULL, "open",
	     NULL, 0, 3000, AA_OCI_ATTR_LABEL, "c1", 2, NULL},
	    {"a copy's child", "web--aa-oci-c1//null-/bin/x", NULL, "open",
	     NULL, 0, 3000, AA_OCI_ATTR_LABEL, "c1", 2, NULL},
	    {"a copy over the cgroup", "web--aa-oci-c1", NULL, "open", NULL,
	     4343, 3000, AA_OCI_ATTR_LABEL, "c1", 2, NULL},
	    {"a copy of no record's", "x--aa-oci-0a1b2c3d4e5f", NULL, "open",
	     NULL, 0, 3000, AA_OCI_ATTR_LABEL, "0a1b2c3d4e5f", -1, NULL},
	    {"a copy of no record's, a live cgroup", "x--aa-oci-0a1b2c3d4e5f",
	     NULL, "open", NULL, 4343, 3000, AA_OCI_ATTR_CGROUP, HEX_X, -1,
	     "docker"},
	    {"a copy in a namespace is not ours", "web--aa-oci-c1", "other",
	     "open", NULL, 0, 3000, AA_OCI_ATTR_NONE, NULL, -1, NULL},
	    {"a copy in aa-oci's namespace", "web--aa-oci-e5f6a7b8c9d0",
	     "aa-oci", "open", NULL, 0, 3000, AA_OCI_ATTR_LABEL,
	     "e5f6a7b8c9d0e1f2", 6, NULL},
	    {"a copy in aa-oci's namespace, its record gone", "web--aa-oci-c1",
	     "aa-oci", "open", NULL, 0, 3000, AA_OCI_ATTR_LABEL, "c1", 2, NULL},
	    {"the namespaced copy's name in the root one",
	     "web--aa-oci-e5f6a7b8c9d0", NULL, "open", NULL, 0, 3000,
	     AA_OCI_ATTR_LABEL, "e5f6a7b8c9d0e1f2", 6, NULL},
	    {"the cgroup over profile and time", "payment-api", NULL, "open",
	     NULL, 4242, 3000, AA_OCI_ATTR_CGROUP, HEX_B, 1, "containerd"},
	    {"the cgroup, an id with a record's id as its start", "db", NULL,
	     "open", NULL, 4444, 3000, AA_OCI_ATTR_CGROUP, "0123456789abcdef",
	     4, "containerd"},
	    {"the cgroup, a trailing slash", "other", NULL, "open", NULL, 4545,
	     3000, AA_OCI_ATTR_CGROUP, HEX_A, 0, "containerd"},
	    {"the cgroup of a container without a record", "payment-api", NULL,
	     "open", NULL, 4343, 3000, AA_OCI_ATTR_CGROUP, HEX_X, -1, "docker"},
	    {"a host cgroup: profile and time", "web", NULL, "open", NULL, 4646,
	     3000, AA_OCI_ATTR_PROFILE_TIME, "c1", 2, NULL},
	    {"a shape without a record: profile and time", "web", NULL, "open",
	     NULL, 4747, 3000, AA_OCI_ATTR_PROFILE_TIME, "c1", 2, NULL},
	    {"no cgroup (gone): profile and time", "web", NULL, "open", NULL,
	     999, 3000, AA_OCI_ATTR_PROFILE_TIME, "c1", 2, NULL},
	    {"profile and time, one started by then", "payment-api", NULL,
	     "open", NULL, 0, 1500, AA_OCI_ATTR_PROFILE_TIME, HEX_A, 0, NULL},
	    {"profile and time, at the second it started", "payment-api", NULL,
	     "open", NULL, 0, 1000, AA_OCI_ATTR_PROFILE_TIME, HEX_A, 0, NULL},
	    {"profile and time, ambiguous", "payment-api", NULL, "open", NULL,
	     0, 2500, AA_OCI_ATTR_PROFILE_TIME, "ambiguous: 0, 1", -1, NULL},
	    {"a child of the profile", "web//null-/usr/bin/x", NULL, "exec",
	     NULL, 0, 3000, AA_OCI_ATTR_PROFILE_TIME, "c1", 2, NULL},
	    {"a stack is not the profile", "web//&other", NULL, "open", NULL, 0,
	     3000, AA_OCI_ATTR_NONE, NULL, -1, NULL},
	    {"a longer name is not the profile", "webserver", NULL, "open",
	     NULL, 0, 3000, AA_OCI_ATTR_NONE, NULL, -1, NULL},
	    {"before any started", "web", NULL, "open", NULL, 0, 999,
	     AA_OCI_ATTR_NONE, NULL, -1, NULL},
	    {"a namespace: only the record naming it", "payment-api", "aa-oci",
	     "open", NULL, 0, 3000, AA_OCI_ATTR_PROFILE_TIME, "ns1", 5, NULL},
	    {"another namespace", "payment-api", "other", "open", NULL, 0, 3000,
	     AA_OCI_ATTR_NONE, NULL, -1, NULL},
	    {"change_onexec to a label not loaded", "unconfined", NULL,
	     "change_onexec", "web", 0, 3000, AA_OCI_ATTR_PROFILE_TIME, "c1", 2,
	     NULL},
	    {"unconfined", "unconfined", NULL, "open", "/x", 0, 3000,
	     AA_OCI_ATTR_NONE, NULL, -1, NULL},
	    {"no profile", NULL, NULL, "open", "/x", 0, 3000, AA_OCI_ATTR_NONE,
	     NULL, -1, NULL},
	    {"no record has it", "docker-default", NULL, "capable", NULL, 0,
	     3000, AA_OCI_ATTR_NONE, NULL, -1, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct aa_oci_audit_event e = {
		    .time = cases[i].time,
		    .profile = (char *)cases[i].profile,
		    .namespace = (char *)cases[i].namespace,
		    .operation = (char *)cases[i].operation,
		    .name = (char *)cases[i].name,
		    .pid = cases[i].pid,
		};
		struct aa_oci_attribution a;

		print_message("%s\n", cases[i].what);
		assert_int_equal(
		    audit_attribute(&e, recs, sizeof(recs) / sizeof(*recs),
				    fake_cgroup_of, (void *)cgroups, &a),
		    0);
		assert_int_equal(a.how, cases[i].how);
		if (cases[i].engine)
			assert_string_equal(a.engine, cases[i].engine);
		else
			assert_null(a.engine);
		if (cases[i].rec >= 0)
			assert_ptr_equal(a.rec, &recs[cases[i].rec]);
		else
			assert_null(a.rec);
		if (cases[i].id && strncmp(cases[i].id, "ambiguous", 9) == 0) {
			assert_true(a.ambiguous);
			assert_null(a.id);
			assert_string_equal(audit_how_name(&a), "ambiguous");
			assert_int_equal(a.n_candidates, 2);
			assert_ptr_equal(a.candidates[0], &recs[0]);
			assert_ptr_equal(a.candidates[1], &recs[1]);
		} else if (cases[i].id) {
			assert_false(a.ambiguous);
			assert_string_equal(a.id, cases[i].id);
			assert_int_equal(a.n_candidates, 0);
		} else {
			assert_false(a.ambiguous);
			assert_null(a.id);
			assert_string_equal(audit_how_name(&a), "none");
		}
		audit_attribution_free(&a);
	}
}

static void test_attribution_no_records(void **state)
{
	struct aa_oci_audit_event e = {.time = 3000,
				       .profile = (char *)"web",
				       .operation = (char *)"open",
				       .pid = 4343};
	struct aa_oci_attribution a;

	(void)state;
	/* Without a cgroup_of, nothing but labels and records count. */
	assert_int_equal(audit_attribute(&e, NULL, 0, NULL, NULL, &a), 0);
	assert_int_equal(a.how, AA_OCI_ATTR_NONE);
	audit_attribution_free(&a);
	assert_int_equal(
	    audit_attribute(&e, NULL, 0, fake_cgroup_of, (void *)cgroups, &a),
	    0);
	assert_int_equal(a.how, AA_OCI_ATTR_CGROUP);
	assert_string_equal(a.id, HEX_X);
	assert_string_equal(audit_how_name(&a), "cgroup");
	audit_attribution_free(&a);
	e.profile = (char *)"web--aa-oci-c1";
	assert_int_equal(audit_attribute(&e, NULL, 0, NULL, NULL, &a), 0);
	assert_int_equal(a.how, AA_OCI_ATTR_LABEL);
	assert_string_equal(a.id, "c1");
	assert_string_equal(audit_how_name(&a), "label");
	audit_attribution_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_records),
	    cmocka_unit_test(test_records_newer),
	    cmocka_unit_test(test_library_forms),
	    cmocka_unit_test(test_library_values),
	    cmocka_unit_test(test_backslash),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_journal_json),
	    cmocka_unit_test(test_kind_names),
	    cmocka_unit_test(test_label_copy),
	    cmocka_unit_test(test_cgroup_ids),
	    cmocka_unit_test(test_pid_cgroup),
	    cmocka_unit_test(test_attribution),
	    cmocka_unit_test(test_attribution_no_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
