/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suggest.c: audit records to override rules (a table of records to the
 * exact rule text), the diff, and the write checked by the real
 * /sbin/apparmor_parser against a profile in a temporary directory that
 * includes the temporary override by its absolute path.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"

#include "aa-oci/err.h"
#include "aa-oci/suggest.h"
#include "aa-oci/util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PARSER "/sbin/apparmor_parser"
#define MAX_EV 24
#define MAX_LINES 24

/* ---- suggest_rules: records -> rules ---- */

struct rules_case {
	const char *name;
	struct aa_oci_suggest_event ev[MAX_EV]; /* up to one with no op */
	const char *rules[MAX_LINES];
	const char *refused[MAX_LINES];
};

#define OPEN(path, mask)                                                       \
	{                                                                      \
		.operation = "open", .name = (path), .requested_mask = (mask)  \
	}

static const struct rules_case rules_cases[] = {
    {"rules: file permissions merged per path",
     {
	 OPEN("/var/log/app/app.log", "r"),
	 OPEN("/var/log/app/app.log", "wc"),
	 {.operation = "exec", .name = "/usr/bin/curl", .requested_mask = "x"},
	 {.operation = "file_mmap",
	  .name = "/usr/bin/curl",
	  .requested_mask = "m"},
	 OPEN("/usr/bin/curl", "r"),
	 OPEN("/run/app.lock", "wk"),
	 OPEN("/var/log/audit.trail", "a"),
	 OPEN("/var/log/mixed", "a"),
	 {.operation = "unlink",
	  .name = "/var/log/mixed",
	  .requested_mask = "d"},
	 {.operation = "link",
	  .name = "/srv/data/link",
	  .name2 = "/srv/data/target",
	  .requested_mask = "l"},
	 /* no requested_mask: the denied one */
	 {.operation = "open", .name = "/etc/hosts", .denied_mask = "r"},
	 /* the old owner/other form */
	 {.operation = "open", .name = "/etc/passwd", .requested_mask = "r::r"},
     },
     {
	 "  /etc/hosts r,",
	 "  /etc/passwd r,",
	 "  /run/app.lock wk,",
	 "  /srv/data/link l,",
	 "  /usr/bin/curl mrix,",
	 "  /var/log/app/app.log rw,",
	 "  /var/log/audit.trail a,",
	 "  /var/log/mixed w,",
     },
     {NULL}},

    {"rules: per-run parts of paths globbed",
     {
	 OPEN("/proc/1234/status", "r"),
	 OPEN("/proc/1/fd/", "r"),
	 OPEN("/run/containers/123e4567-e89b-12d3-a456-426614174000/"
	      "config.json",
	      "r"),
	 OPEN(
	     "/var/lib/docker/containers/"
	     "3f2a9c1b7e04d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0/"
	     "hostname",
	     "r"),
	 OPEN("/tmp/tmp.aB3dE9xY2q", "wc"),
	 OPEN("/etc/app/app.conf.Xy12Zq.tmp", "wc"),
	 OPEN("/tmp/tmpk3j9x8qz", "rw"),
	 OPEN("/var/spool/app/core.12345", "r"),
	 OPEN("/var/tmp/x.aBcDeF", "w"),
	 OPEN("/srv/cache/sha256-0a1b2c3d4e5f6a7b.json", "r"),
	 /* words, versions and short numbers stay */
	 OPEN("/etc/app/file.Backup", "r"),
	 OPEN("/var/spool/app/job.1234", "r"),
	 OPEN("/usr/lib/python3.11/os.py", "r"),
	 OPEN("/opt/deadbeef/run", "r"),
	 OPEN("/usr/lib/x86_64-linux-gnu/libc.so.6", "mr"),
     },
     {
	 "  /etc/app/app.conf.*.tmp w,",
	 "  /etc/app/file.Backup r,",
	 "  /opt/deadbeef/run r,",
	 "  /proc/[0-9]*/fd/ r,",
	 "  /proc/[0-9]*/status r,",
	 "  /run/containers/*/config.json r,",
	 "  /srv/cache/sha256-*.json r,",
	 "  /tmp/tmp* rw,",
	 "  /tmp/tmp.* w,",
	 "  /usr/lib/python3.11/os.py r,",
	 "  /usr/lib/x86_64-linux-gnu/libc.so.6 mr,",
	 "  /var/lib/docker/containers/*/hostname r,",
	 "  /var/spool/app/core.[0-9]* r,",
	 "  /var/spool/app/job.1234 r,",
	 "  /var/tmp/x.* w,",
     },
     {NULL}},

    {"rules: records of one glob merge, siblings collapse",
     {
	 OPEN("/proc/1234/status", "r"),
	 OPEN("/proc/99/status", "r"),
	 OPEN("/var/log/app/app-20240101.log", "wc"),
	 OPEN("/var/log/app/app-20240102.log", "a"),
	 OPEN("/run/app/worker-1.sock", "rw"),
	 OPEN("/run/app/worker-2.sock", "r"),
	 OPEN("/run/app/worker-3.pid", "r"),
	 /* one of a kind: no collapse */
	 OPEN("/srv/a/x1", "r"),
	 OPEN("/srv/b/x2", "r"),
	 /* siblings only in a file's own directory */
	 OPEN("/sys/devices/system/cpu/cpu1/online", "r"),
	 OPEN("/sys/devices/system/cpu/cpu2/online", "r"),
	 /* random parts anywhere in a name */
	 OPEN("/dev/shm/sem.q1W2e3R4-x", "rw"),
	 OPEN("/dev/shm/sem.Zz9Yy8Xx-x", "rw"),
     },
     {
	 "  /dev/shm/sem.*-x rw,",
	 "  /proc/[0-9]*/status r,",
	 "  /run/app/worker-3.pid r,",
	 "  /run/app/worker-[0-9]*.sock rw,",
	 "  /srv/a/x1 r,",
	 "  /srv/b/x2 r,",
	 "  /sys/devices/system/cpu/cpu1/online r,",
	 "  /sys/devices/system/cpu/cpu2/online r,",
	 "  /var/log/app/app-[0-9]*.log w,",
     },
     {NULL}},

    {"rules: capability, network, signal, ptrace, unix, mount",
     {
	 {.operation = "capable", .capname = "sys_admin"},
	 {.operation = "capable", .capname = "sys_admin"},
	 {.operation = "capable", .capname = "chown"},
	 {.operation = "create",
	  .family = "inet",
	  .sock_type = "stream",
	  .protocol = "6"},
	 {.operation = "connect",
	  .family = "inet",
	  .sock_type = "stream",
	  .protocol = "6"},
	 {.operation = "create", .family = "inet6", .protocol = "17"},
	 {.operation = "create",
	  .family = "netlink",
	  .sock_type = "raw",
	  .protocol = "0"},
	 {.operation = "create", .family = "packet", .protocol = "768"},
	 {.operation = "signal",
	  .requested_mask = "send",
	  .signal = "term",
	  .peer = "unconfined"},
	 {.operation = "signal",
	  .requested_mask = "send",
	  .signal = "kill",
	  .peer = "unconfined"},
	 {.operation = "signal",
	  .requested_mask = "receive",
	  .signal = "hup",
	  .peer = "unconfined"},
	 {.operation = "signal",
	  .requested_mask = "send",
	  .signal = "usr1",
	  .peer = "docker-default"},
	 {.operation = "ptrace",
	  .requested_mask = "trace",
	  .peer = "unconfined"},
	 {.operation = "ptrace",
	  .requested_mask = "read",
	  .peer = "unconfined"},
	 {.operation = "connect",
	  .family = "unix",
	  .sock_type = "stream",
	  .requested_mask = "send receive connect",
	  .peer_addr = "@/tmp/.X11-unix/X0"},
	 {.operation = "create",
	  .family = "unix",
	  .sock_type = "dgram",
	  .requested_mask = "create",
	  .peer_addr = "none"},
	 {.operation = "mount",
	  .name = "/proc/",
	  .name2 = "proc",
	  .fstype = "proc"},
	 {.operation = "mount",
	  .name = "/tmp/",
	  .name2 = "tmpfs",
	  .fstype = "tmpfs",
	  .flags = "rw, nosuid, nodev"},
	 {.operation = "mount",
	  .name = "/mnt/data/",
	  .name2 = "/srv/data/",
	  .flags = "rw, bind"},
	 {.operation = "remount",
	  .name = "/mnt/data/",
	  .flags = "ro, remount, bind"},
	 {.operation = "umount", .name = "/mnt/"},
     },
     {
	 "  capability chown,",
	 "  capability sys_admin,",
	 "  network inet stream,",
	 "  network inet6 udp,",
	 "  network netlink raw,",
	 "  network packet,",
	 "  signal (receive) set=(hup) peer=unconfined,",
	 "  signal (send) set=(usr1) peer=docker-default,",
	 "  signal (send) set=(kill, term) peer=unconfined,",
	 "  ptrace (read, trace) peer=unconfined,",
	 "  unix (create) type=dgram,",
	 "  unix (connect, receive, send) type=stream "
	 "peer=(addr=\"@/tmp/.X11-unix/X0\"),",
	 "  mount fstype=proc -> /proc/,",
	 "  mount options=(rw, bind) /srv/data/ -> /mnt/data/,",
	 "  mount options=(rw, nosuid, nodev) fstype=tmpfs -> /tmp/,",
	 "  remount options=(ro, remount, bind) /mnt/data/,",
	 "  umount /mnt/,",
     },
     {NULL}},

    {"rules: names quoted and escaped",
     {
	 OPEN("/srv/my files/a,b", "r"),
	 OPEN("/srv/star*name", "r"),
	 OPEN("/srv/@{HOME}", "r"),
	 OPEN("/srv/q\"uote", "r"),
	 OPEN("/srv/caf\xc3\xa9", "r"),
	 {.operation = "signal",
	  .requested_mask = "send",
	  .signal = "term",
	  .peer = "my profile"},
	 {.operation = "sendmsg",
	  .family = "unix",
	  .sock_type = "dgram",
	  .requested_mask = "send",
	  .peer_addr = "@a*b"},
     },
     {
	 "  signal (send) set=(term) peer=\"my profile\",",
	 "  unix (send) type=dgram peer=(addr=\"@a\\*b\"),",
	 "  \"/srv/@\\{HOME\\}\" r,",
	 "  \"/srv/caf\xc3\xa9\" r,",
	 "  \"/srv/my files/a,b\" r,",
	 "  \"/srv/q\\\"uote\" r,",
	 "  \"/srv/star\\*name\" r,",
     },
     {NULL}},

    {"rules: what an override must never grant is refused",
     {
	 {.operation = "capable", .capname = "mac_admin"},
	 {.operation = "capable", .capname = "mac_override"},
	 {.operation = "capable", .capname = "sys_module"},
	 OPEN("/proc/sysrq-trigger", "w"),
	 OPEN("/proc/sysrq-trigger", "r"),
	 OPEN("/proc/kcore", "r"),
	 OPEN("/sys/kernel/security/apparmor/.load", "w"),
	 OPEN("/sys/kernel/security/apparmor/profiles", "r"),
	 /* a glob that would cover the refused: the literal path */
	 OPEN("/proc/deadbeef12", "w"),
	 OPEN("/sys/kernel/0a1b2c3d4e/x", "w"),
	 /* siblings that would collapse into a glob covering the refused */
	 OPEN("/sys/kernel/q1W2e3R4", "r"),
	 OPEN("/sys/kernel/q1W2e3R4", "w"),
	 OPEN("/sys/kernel/Zz9Yy8Xq", "r"),
	 {.operation = "change_profile", .name = "unconfined"},
	 {.operation = "change_onexec", .name = "unconfined"},
	 {.operation = "mount",
	  .name = "/sys/kernel/security/",
	  .fstype = "securityfs"},
	 {.operation = "mount", .name = "/mnt/dbg/", .fstype = "debugfs"},
	 {.operation = "umount", .name = "/proc/kcore"},
	 {.operation = "remount", .name = "/proc/sys/", .flags = "rw"},
	 {.operation = "mount",
	  .name = "/mnt/k",
	  .name2 = "/proc/kcore",
	  .flags = "bind"},
     },
     {
	 "  /proc/deadbeef12 w,",
	 "  /proc/sysrq-trigger r,",
	 "  /sys/kernel/0a1b2c3d4e/x w,",
	 "  /sys/kernel/Zz9Yy8Xq r,",
	 "  /sys/kernel/q1W2e3R4 rw,",
	 "  /sys/kernel/security/apparmor/profiles r,",
     },
     {
	 "/proc/kcore r: never suggested: it is the host kernel's memory",
	 "/proc/sysrq-trigger w: never suggested: writing it can crash or "
	 "reboot the host",
	 "/sys/kernel/security/apparmor/.load w: never suggested: it is the "
	 "host's security policy interface (securityfs)",
	 "capability mac_admin: never suggested: it lets the container "
	 "change AppArmor policy",
	 "capability mac_override: never suggested: it lets the container "
	 "bypass AppArmor",
	 "capability sys_module: never suggested: it lets the container "
	 "load kernel modules",
	 "change_onexec unconfined: never suggested: a local override must "
	 "not let the container change its own confinement",
	 "change_profile unconfined: never suggested: a local override must "
	 "not let the container change its own confinement",
	 "mount /proc/kcore -> /mnt/k: never suggested: it is the host "
	 "kernel's memory",
	 "mount fstype=debugfs -> /mnt/dbg/: never suggested: it exposes "
	 "the host kernel's internals",
	 "mount fstype=securityfs -> /sys/kernel/security/: never suggested: "
	 "it is the host's security policy interface",
	 "remount /proc/sys/: never suggested: the runtime masks or "
	 "write-protects host paths there, a mount change unmasks them",
	 "umount /proc/kcore: never suggested: the runtime masks or "
	 "write-protects host paths there, a mount change unmasks them",
     }},

    {"rules: records that cannot be understood are reported",
     {
	 OPEN("relative/path", "r"),
	 OPEN("/etc/../etc/shadow", "r"),
	 OPEN("/etc//shadow", "r"),
	 OPEN("/tmp/evil\nname", "w"),
	 OPEN("/etc/x", ""),
	 {.operation = "frobnicate"},
	 {.operation = "pivotroot", .name = "/new/"},
	 {.operation = "capable", .capname = "SYS ADMIN"},
	 {.operation = "create", .family = "inet", .sock_type = "str eam"},
	 {.operation = "signal", .requested_mask = "send", .signal = "te,rm"},
	 {.operation = "signal", .requested_mask = "poke", .signal = "term"},
	 {.operation = "ptrace", .requested_mask = "peek"},
	 {.operation = "ptrace", .requested_mask = "read", .peer = "bad\tpeer"},
	 {.operation = "connect", .family = "unix", .requested_mask = "x"},
	 {.operation = "mount",
	  .name = "/mnt/",
	  .fstype = "ext4",
	  .flags = "rw, no(suid"},
	 {.operation = "mount", .name = "mnt", .fstype = "ext4"},
     },
     {NULL},
     {
	 "capability SYS ADMIN: malformed capability name",
	 "mount /mnt/ flags=rw, no(suid fstype=ext4: malformed mount record",
	 "mount mnt: no absolute, canonical mount point",
	 "network inet str eam: malformed network record",
	 "open /etc/../etc/shadow: not an absolute, canonical path",
	 "open /etc//shadow: not an absolute, canonical path",
	 "open /etc/x: no file permission in the record",
	 "open /tmp/evil?name: not an absolute, canonical path",
	 "open relative/path: not an absolute, canonical path",
	 "operation frobnicate: not understood: no rule is suggested for it",
	 "pivotroot /new/: not suggested: write a pivot_root rule by hand",
	 "ptrace peek: no permission in the record",
	 "ptrace peer=bad?peer: malformed peer",
	 "signal poke: no permission in the record",
	 "signal te,rm: malformed signal name",
	 "unix x: no unix socket permission in the record",
     }},
};

static size_t n_events(const struct rules_case *c)
{
	size_t n = 0;

	while (n < MAX_EV && (c->ev[n].operation || c->ev[n].name ||
			      c->ev[n].capname || c->ev[n].family))
		n++;
	return n;
}

static void dump(const char *what, char **v)
{
	print_message("# %s:\n", what);
	for (size_t i = 0; v && v[i]; i++)
		print_message("#   [%s]\n", v[i]);
}

static void assert_lines(const char *name, const char *what, char **got,
			 const char *const *want)
{
	size_t i;

	assert_non_null(got);
	for (i = 0; got[i] && want[i]; i++)
		if (!streq(got[i], want[i]))
			break;
	if (got[i] || want[i]) {
		dump(what, got);
		fail_msg("%s: %s line %zu: got [%s], want [%s]", name, what, i,
			 got[i] ? got[i] : "(end)",
			 want[i] ? want[i] : "(end)");
	}
}

static void test_rules_case(void **state)
{
	const struct rules_case *c = *state;
	char **rules = NULL, **refused = NULL;

	assert_int_equal(suggest_rules(c->ev, n_events(c), &rules, &refused),
			 0);
	assert_lines(c->name, "rules", rules, c->rules);
	assert_lines(c->name, "refused", refused, c->refused);
	strv_free(rules);
	strv_free(refused);
}

static void test_rules_empty(void **state)
{
	struct aa_oci_suggest_event none = {0};
	char **rules = NULL, **refused = NULL;

	(void)state;
	assert_int_equal(suggest_rules(NULL, 0, &rules, &refused), 0);
	assert_null(rules[0]);
	assert_null(refused[0]);
	strv_free(rules);
	strv_free(refused);

	/* A record with nothing in it; refused may be left out. */
	assert_int_equal(suggest_rules(&none, 1, &rules, &refused), 0);
	assert_null(rules[0]);
	assert_string_equal(refused[0], "operation (none): not understood: "
					"no rule is suggested for it");
	assert_null(refused[1]);
	strv_free(rules);
	strv_free(refused);
	assert_int_equal(suggest_rules(&none, 1, &rules, NULL), 0);
	assert_null(rules[0]);
	strv_free(rules);

	assert_int_equal(suggest_rules(NULL, 1, &rules, NULL), -EINVAL);
	assert_int_equal(suggest_rules(&none, 1, NULL, NULL), -EINVAL);
}

/* Many records, one rule: the merge is not quadratic in its output. */
static void test_rules_many_records(void **state)
{
	enum { N = 5000 };
	struct aa_oci_suggest_event *ev = calloc(N, sizeof(*ev));
	char(*paths)[32] = calloc(N, sizeof(*paths));
	char **rules = NULL, **refused = NULL;

	(void)state;
	assert_non_null(ev);
	assert_non_null(paths);
	for (size_t i = 0; i < N; i++) {
		snprintf(paths[i], sizeof(paths[i]), "/proc/%zu/stat", i + 1);
		ev[i] = (struct aa_oci_suggest_event){
		    .operation = "open",
		    .name = paths[i],
		    .requested_mask = i % 2 ? "r" : "k",
		};
	}
	assert_int_equal(suggest_rules(ev, N, &rules, &refused), 0);
	assert_string_equal(rules[0], "  /proc/[0-9]*/stat rk,");
	assert_null(rules[1]);
	assert_null(refused[0]);
	strv_free(rules);
	strv_free(refused);
	free(ev);
	free(paths);
}

/* ---- the real parser ---- */

static bool parser_checked, parser_present;

/* Skips (saying why, once) when there is no parser to test with. */
static void require_parser(void)
{
	if (!parser_checked) {
		parser_checked = true;
		parser_present = access(PARSER, X_OK) == 0;
		if (!parser_present)
			print_message("# " PARSER " not installed "
				      "(package apparmor): writes not "
				      "checked\n");
	}
	if (!parser_present)
		skip();
}

/* A profile in a fresh directory that includes DIR/local/sgtest. */
struct env {
	char *dir, *local_dir, *local, *profile;
};

static void env_make(struct env *e)
{
	e->dir = fx_base_mkdtemp();
	e->local_dir = fx_path(e->dir, "local");
	e->local = fx_path(e->local_dir, "sgtest");
	e->profile = fx_path(e->dir, "sgtest");
	fx_write(e->dir, "sgtest",
		 "profile sgtest {\n  include if exists \"%s\"\n}\n", e->local);
}

static void env_drop(struct env *e)
{
	chmod(e->local_dir, 0755);
	fx_rm_rf(e->dir);
	free(e->dir);
	free(e->local_dir);
	free(e->local);
	free(e->profile);
}

static char *slurp(const char *path)
{
	char *s = fx_read("", path, NULL); /* "" + "/" + absolute path */

	return s;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

/* Every rule of every table case compiles with the real parser. */
static void test_rules_compile(void **state)
{
	struct aa_oci_err err = {0};
	struct env e;
	size_t want = 0, added = 0;
	char **all =
	    calloc(ARRAY_SIZE(rules_cases) * MAX_LINES + 1, sizeof(char *));

	(void)state;
	require_parser();
	env_make(&e);
	for (size_t i = 0; i < ARRAY_SIZE(rules_cases); i++)
		for (size_t j = 0; rules_cases[i].rules[j]; j++)
			all[want++] = (char *)rules_cases[i].rules[j];
	if (suggest_write(e.local, all, PARSER, e.profile, &added, &err) != 0)
		fail_msg("%s", err.text);
	/* Two cases share the rule for /proc/NNN/status. */
	assert_int_equal(added, want - 1);
	free(all);
	env_drop(&e);
}

/* ---- suggest_diff ---- */

struct diff_case {
	const char *name;
	const char *existing; /* NULL: no file */
	const char *rules[8];
	const char *want; /* @P@ stands for the file's path */
};

static const struct diff_case diff_cases[] = {
    {"diff: a new file",
     NULL,
     {"  capability sys_admin,", "  /etc/hosts r,"},
     "--- /dev/null\n+++ @P@\n@@ -0,0 +1,2 @@\n"
     "+  capability sys_admin,\n+  /etc/hosts r,\n"},
    {"diff: rules already there are left out, whitespace aside",
     "# Site-specific additions\n  capability sys_admin,\n"
     "\t/etc/hosts r,   \n",
     {"  capability sys_admin,", "/etc/hosts r,", "  network inet stream,"},
     "--- @P@\n+++ @P@\n@@ -3,0 +4 @@\n+  network inet stream,\n"},
    {"diff: nothing new is an empty diff",
     "  capability sys_admin,\n",
     {"  capability sys_admin,", " capability sys_admin, "},
     ""},
    {"diff: a rule given twice is added once",
     "",
     {"  capability chown,", "capability chown,", "  ", ""},
     "--- @P@\n+++ @P@\n@@ -0,0 +1 @@\n+  capability chown,\n"},
    {"diff: a file without a final newline",
     "  capability chown,",
     {"  capability sys_admin,"},
     "--- @P@\n+++ @P@\n@@ -1,0 +2 @@\n+  capability sys_admin,\n"},
};

/* @tmpl with every @P@ replaced by @path. */
static char *expand(const char *tmpl, const char *path)
{
	size_t cap = strlen(tmpl) * 2 + 4 * strlen(path) + 1, j = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	for (const char *p = tmpl; *p;) {
		if (strncmp(p, "@P@", 3) == 0) {
			j += (size_t)sprintf(s + j, "%s", path);
			p += 3;
		} else {
			s[j++] = *p++;
		}
	}
	s[j] = '\0';
	return s;
}

static void test_diff_case(void **state)
{
	const struct diff_case *c = *state;
	struct aa_oci_err err = {0};
	char *dir = fx_base_mkdtemp(), *path = fx_path(dir, "web");
	char *want = expand(c->want, path), *diff = NULL;

	if (c->existing)
		fx_write(dir, "web", "%s", c->existing);
	if (suggest_diff(path, (char *const *)c->rules, &diff, &err) != 0)
		fail_msg("%s: %s", c->name, err.text);
	assert_string_equal(diff, want);
	/* Nothing written. */
	if (!c->existing)
		assert_int_equal(access(path, F_OK), -1);
	free(diff);
	free(want);
	free(path);
	fx_rm_rf(dir);
	free(dir);
}

static void test_diff_errors(void **state)
{
	struct aa_oci_err err = {0};
	char *dir = fx_base_mkdtemp(), *path = fx_path(dir, "web");
	char *link = fx_path(dir, "link"), *msg = NULL, *diff = NULL;
	const char *bad[] = {"  capability chown,\n  capability kill,", NULL};
	const char *ok[] = {"  capability chown,", NULL};

	(void)state;
	assert_int_equal(suggest_diff(path, (char *const *)bad, &diff, &err),
			 -EINVAL);
	assert_true(asprintf(&msg, "a rule for %s spans lines", path) > 0);
	assert_string_equal(err.text, msg);
	free(msg);

	fx_write(dir, "web", "%s", "");
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(suggest_diff(link, (char *const *)ok, &diff, &err),
			 -ELOOP);
	assert_true(asprintf(&msg,
			     "%s is a symbolic link; edit the file it points "
			     "to, or replace the link by a file",
			     link) > 0);
	assert_string_equal(err.text, msg);
	assert_null(diff);
	free(msg);

	assert_int_equal(suggest_diff(dir, (char *const *)ok, &diff, &err),
			 -EINVAL);
	assert_int_equal(suggest_diff(NULL, (char *const *)ok, &diff, &err),
			 -EINVAL);
	free(link);
	free(path);
	fx_rm_rf(dir);
	free(dir);
}

/* ---- suggest_write ---- */

static void test_write_new_file_and_dir(void **state)
{
	const char *rules[] = {"  capability sys_admin,",
			       "  /var/log/app/*.log rw,", NULL};
	struct aa_oci_err err = {0};
	struct env e;
	size_t added = 99;
	mode_t old;
	char *text;

	(void)state;
	require_parser();
	env_make(&e);
	/* The modes are set, not left to a umask. */
	old = umask(077);
	if (suggest_write(e.local, (char *const *)rules, PARSER, e.profile,
			  &added, &err) != 0) {
		umask(old);
		fail_msg("%s", err.text);
	}
	umask(old);
	assert_int_equal(added, 2);
	assert_int_equal(mode_of(e.local_dir), 0755);
	assert_int_equal(mode_of(e.local), 0644);
	text = slurp(e.local);
	assert_string_equal(
	    text, "  capability sys_admin,\n  /var/log/app/*.log rw,\n");
	free(text);
	env_drop(&e);
}

static void test_write_appends_new_rules_only(void **state)
{
	const char *rules[] = {"  capability sys_admin,",
			       "  network inet stream,",
			       "  network inet stream,", NULL};
	struct aa_oci_err err = {0};
	struct stat st;
	struct env e;
	size_t added = 99;
	char *text;

	(void)state;
	require_parser();
	env_make(&e);
	assert_int_equal(mkdir(e.local_dir, 0755), 0);
	fx_write(e.local_dir, "sgtest", "%s",
		 "# local\n  capability sys_admin,");
	assert_int_equal(chmod(e.local, 0640), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(e.local, 1234, 1235), 0);
	if (suggest_write(e.local, (char *const *)rules, PARSER, e.profile,
			  &added, &err) != 0)
		fail_msg("%s", err.text);
	assert_int_equal(added, 1);
	text = slurp(e.local);
	assert_string_equal(
	    text, "# local\n  capability sys_admin,\n  network inet stream,\n");
	free(text);
	assert_int_equal(lstat(e.local, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	if (geteuid() == 0) {
		assert_int_equal(st.st_uid, 1234);
		assert_int_equal(st.st_gid, 1235);
	}

	/* Again: nothing new, nothing touched, no parser run needed. */
	{
		struct stat st2;

		added = 99;
		assert_int_equal(suggest_write(e.local, (char *const *)rules,
					       "/nonexistent/parser", e.profile,
					       &added, &err),
				 0);
		assert_int_equal(added, 0);
		assert_int_equal(lstat(e.local, &st2), 0);
		assert_int_equal(st2.st_ino, st.st_ino);
	}
	env_drop(&e);
}

static void test_write_read_only_file(void **state)
{
	const char *rules[] = {"  capability sys_admin,", NULL};
	struct aa_oci_err err = {0};
	struct env e;
	size_t added = 99;
	char *text, *msg = NULL;

	(void)state;
	env_make(&e);
	assert_int_equal(mkdir(e.local_dir, 0755), 0);
	fx_write(e.local_dir, "sgtest", "%s", "  capability chown,\n");
	assert_int_equal(chmod(e.local, 0444), 0);
	assert_int_equal(suggest_write(e.local, (char *const *)rules, PARSER,
				       e.profile, &added, &err),
			 -EACCES);
	assert_int_equal(added, 99);
	assert_true(asprintf(&msg,
			     "%s is read-only (mode 0444); make it writable "
			     "or add the rules by hand",
			     e.local) > 0);
	assert_string_equal(err.text, msg);
	text = slurp(e.local);
	assert_string_equal(text, "  capability chown,\n");
	assert_int_equal(mode_of(e.local), 0444);
	free(text);
	free(msg);
	env_drop(&e);
}

static void test_write_read_only_dir(void **state)
{
	const char *rules[] = {"  capability sys_admin,", NULL};
	struct aa_oci_err err = {0};
	struct env e;
	char *msg = NULL;

	(void)state;
	env_make(&e);
	assert_int_equal(mkdir(e.local_dir, 0555), 0);
	assert_int_equal(chmod(e.local_dir, 0555), 0);
	assert_int_equal(suggest_write(e.local, (char *const *)rules, PARSER,
				       e.profile, NULL, &err),
			 -EACCES);
	assert_true(asprintf(&msg,
			     "%s is read-only (mode 0555); make it writable "
			     "or add the rules by hand",
			     e.local_dir) > 0);
	assert_string_equal(err.text, msg);
	assert_int_equal(access(e.local, F_OK), -1);
	free(msg);
	env_drop(&e);
}

static void test_write_parser_refuses(void **state)
{
	/* The parser refuses 'w' with 'a' on one rule. */
	const char *rules[] = {"  capability kill,", "  /tmp/x wa,", NULL};
	struct aa_oci_err err = {0};
	struct env e;
	size_t added = 99;
	char *text, *head = NULL, *tail = NULL;

	(void)state;
	require_parser();
	env_make(&e);
	assert_int_equal(mkdir(e.local_dir, 0755), 0);
	fx_write(e.local_dir, "sgtest", "%s", "  capability chown,\n");
	assert_int_equal(chmod(e.local, 0600), 0);
	assert_int_equal(suggest_write(e.local, (char *const *)rules, PARSER,
				       e.profile, &added, &err),
			 -EBADMSG);
	assert_int_equal(added, 99);
	assert_true(asprintf(&head,
			     PARSER " refuses %s with the new rules (exit 1): "
				    "AppArmor parser error for %s in profile "
				    "%s at line 3: ",
			     e.profile, e.profile, e.local) > 0);
	assert_true(asprintf(&tail, "; %s was left as it was", e.local) > 0);
	if (strncmp(err.text, head, strlen(head)) != 0 ||
	    !strstr(err.text, "'a' and 'w'") ||
	    strcmp(err.text + strlen(err.text) - strlen(tail), tail) != 0)
		fail_msg("unexpected message: %s", err.text);
	text = slurp(e.local);
	assert_string_equal(text, "  capability chown,\n");
	assert_int_equal(mode_of(e.local), 0600);
	free(text);
	free(head);
	free(tail);
	env_drop(&e);
}

static void test_write_parser_refuses_new_file(void **state)
{
	const char *rules[] = {"  /tmp/x wa,", NULL};
	struct aa_oci_err err = {0};
	struct env e;

	(void)state;
	require_parser();
	env_make(&e);
	assert_int_equal(suggest_write(e.local, (char *const *)rules, PARSER,
				       e.profile, NULL, &err),
			 -EBADMSG);
	/* Neither the file nor the directory this call made is left. */
	assert_int_equal(access(e.local, F_OK), -1);
	assert_int_equal(access(e.local_dir, F_OK), -1);
	env_drop(&e);
}

static void test_write_no_parser(void **state)
{
	const char *rules[] = {"  capability kill,", NULL};
	struct aa_oci_err err = {0};
	struct env e;
	char *text, *msg = NULL;

	(void)state;
	env_make(&e);
	assert_int_equal(mkdir(e.local_dir, 0755), 0);
	fx_write(e.local_dir, "sgtest", "%s", "  capability chown,\n");
	assert_int_equal(suggest_write(e.local, (char *const *)rules,
				       "/nonexistent/apparmor_parser",
				       e.profile, NULL, &err),
			 -ENOENT);
	assert_true(asprintf(&msg,
			     "apparmor parser /nonexistent/apparmor_parser "
			     "not found (install the apparmor package); %s "
			     "was left as it was",
			     e.local) > 0);
	assert_string_equal(err.text, msg);
	text = slurp(e.local);
	assert_string_equal(text, "  capability chown,\n");
	free(text);
	free(msg);
	env_drop(&e);
}

static void test_write_bad_arguments(void **state)
{
	const char *rules[] = {"  capability kill,", NULL};
	const char *two_lines[] = {"  capability kill,\n  capability chown,",
				   NULL};
	struct aa_oci_err err = {0};
	struct env e;
	char *link, *msg = NULL;

	(void)state;
	env_make(&e);
	assert_int_equal(suggest_write(e.local, (char *const *)rules,
				       "apparmor_parser", e.profile, NULL,
				       &err),
			 -EINVAL);
	assert_string_equal(err.text, "the apparmor parser must be an absolute "
				      "path, not \"apparmor_parser\"");
	assert_int_equal(suggest_write(e.local, (char *const *)two_lines,
				       PARSER, e.profile, NULL, &err),
			 -EINVAL);
	/* The directory it made for nothing is gone again. */
	assert_int_equal(access(e.local_dir, F_OK), -1);
	assert_int_equal(suggest_write(NULL, (char *const *)rules, PARSER,
				       e.profile, NULL, &err),
			 -EINVAL);

	/* A symbolic link is not replaced by a file. */
	assert_int_equal(mkdir(e.local_dir, 0755), 0);
	link = fx_path(e.dir, "elsewhere");
	fx_write(e.dir, "elsewhere", "%s", "");
	assert_int_equal(symlink(link, e.local), 0);
	assert_int_equal(suggest_write(e.local, (char *const *)rules, PARSER,
				       e.profile, NULL, &err),
			 -ELOOP);
	assert_true(asprintf(&msg,
			     "%s is a symbolic link; edit the file it points "
			     "to, or replace the link by a file",
			     e.local) > 0);
	assert_string_equal(err.text, msg);
	free(msg);
	free(link);
	env_drop(&e);
}

/* ---- the include of the override ---- */

struct include_case {
	const char *name;
	const char *text;
	bool want;
};

static const struct include_case include_cases[] = {
    {"include: include <local/web>",
     "profile web {\n  include <local/web>\n}\n", true},
    {"include: #include <local/web>",
     "profile web {\n  #include <local/web>\n}\n", true},
    {"include: include if exists <local/web>",
     "profile web {\n  include if exists <local/web>\n}\n", true},
    {"include: #include if exists, tabs, comment after",
     "profile web {\n\t#include\tif  exists\t<local/web>  # site\n}\n", true},
    {"include: CRLF line ends",
     "profile web {\r\n  include <local/web>\r\n}\r\n", true},
    {"include: \"# include\" is a comment",
     "profile web {\n  # include <local/web>\n}\n", false},
    {"include: another profile's override",
     "profile web {\n  include <local/web2>\n  include <local/we>\n}\n", false},
    {"include: only abstractions",
     "profile web {\n  include <abstractions/base>\n}\n", false},
    {"include: a quoted path is not the override",
     "profile web {\n  include \"local/web\"\n}\n", false},
    {"include: words run together",
     "profile web {\n  includeif exists <local/web>\n"
     "  include ifexists <local/web>\n  include <local/web>x\n}\n",
     false},
    {"include: nothing", "", false},
};

static void test_include_case(void **state)
{
	const struct include_case *c = *state;

	if (suggest_profile_includes_local(c->text, "web") != c->want)
		fail_msg("%s: got %d", c->name, !c->want);
}

static void test_include_fixtures(void **state)
{
	char *with = fx_read("tests/data/suggest", "usr.sbin.nginx", NULL);
	char *without = fx_read("tests/data/suggest", "no-local", NULL);

	(void)state;
	assert_non_null(with);
	assert_non_null(without);
	assert_true(suggest_profile_includes_local(with, "usr.sbin.nginx"));
	assert_false(suggest_profile_includes_local(with, "nginx"));
	assert_false(suggest_profile_includes_local(without, "no-local"));
	assert_false(suggest_profile_includes_local(NULL, "web"));
	assert_false(suggest_profile_includes_local(with, ""));
	free(with);
	free(without);
}

static void test_include_line(void **state)
{
	char *line = NULL;

	(void)state;
	assert_int_equal(suggest_include_line("usr.sbin.nginx", &line), 0);
	assert_string_equal(line, "  include if exists <local/usr.sbin.nginx>");
	free(line);
	assert_int_equal(suggest_include_line("a/b", &line), -EINVAL);
	assert_int_equal(suggest_include_line("a>b", &line), -EINVAL);
	assert_int_equal(suggest_include_line("..", &line), -EINVAL);
	assert_int_equal(suggest_include_line("", &line), -EINVAL);
	assert_int_equal(suggest_include_line("a\nb", &line), -EINVAL);
	assert_int_equal(suggest_include_line(NULL, &line), -EINVAL);
}

/* ---- main ---- */

static const struct CMUnitTest fixed[] = {
    cmocka_unit_test(test_rules_empty),
    cmocka_unit_test(test_rules_many_records),
    cmocka_unit_test(test_rules_compile),
    cmocka_unit_test(test_diff_errors),
    cmocka_unit_test(test_write_new_file_and_dir),
    cmocka_unit_test(test_write_appends_new_rules_only),
    cmocka_unit_test(test_write_read_only_file),
    cmocka_unit_test(test_write_read_only_dir),
    cmocka_unit_test(test_write_parser_refuses),
    cmocka_unit_test(test_write_parser_refuses_new_file),
    cmocka_unit_test(test_write_no_parser),
    cmocka_unit_test(test_write_bad_arguments),
    cmocka_unit_test(test_include_fixtures),
    cmocka_unit_test(test_include_line),
};

static struct CMUnitTest tests[ARRAY_SIZE(rules_cases) +
			       ARRAY_SIZE(diff_cases) +
			       ARRAY_SIZE(include_cases) + ARRAY_SIZE(fixed)];

#define ADD_ROWS(table, fn)                                                    \
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)                         \
		tests[n++] = (struct CMUnitTest)                               \
		{                                                              \
			.name = (table)[i].name, .test_func = (fn),            \
			.initial_state = (void *)&(table)[i]                   \
		}

int main(void)
{
	size_t n = 0;

	ADD_ROWS(rules_cases, test_rules_case);
	ADD_ROWS(diff_cases, test_diff_case);
	ADD_ROWS(include_cases, test_include_case);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests_name("suggest", tests, fx_group_setup,
					   fx_group_teardown);
}
