/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `aa-oci logs` (see logs.h): reads a source of the kernel's AppArmor
 * records, attributes, filters and prints them. What it reads:
 *   journalctl -k -o json --no-pager   run without a shell, time-limited
 *   /var/log/audit/audit.log, /var/log/kern.log, /var/log/messages
 *   /dev/kmsg                          to its end, or from its end on
 *   /proc/PID/stat, /proc/PID/cgroup   through audit_pid_cgroup
 *   run_dir/containers.journal         through rundir_container_list
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/audit.h"
#include "aa-oci/policy.h"
#include "aa-oci/logs.h"
#include "aa-oci/spawn.h"
#include "aa-oci/oci.h"
#include "aa-oci/rundir.h"
#include "aa-oci/util.h"

#define LOGS_LINE_MAX AUDIT_JSON_MAX
#define LOGS_READ_SIZE 65536
#define LOGS_TIMEOUT_MS 120000
/* While following, the records of containers are read again at most
 * this often, so that one started meanwhile is known. */
#define LOGS_RELIST_MS 250

static const struct aa_oci_logs_source default_sources[] = {
    {AA_OCI_LOGS_JOURNALCTL, "/usr/bin/journalctl"},
    {AA_OCI_LOGS_FILE, "/var/log/audit/audit.log"},
    {AA_OCI_LOGS_FILE, "/var/log/kern.log"},
    {AA_OCI_LOGS_FILE, "/var/log/messages"},
    {AA_OCI_LOGS_KMSG, "/dev/kmsg"},
};

struct ctx {
	const struct aa_oci_logs_opts *o;
	const struct aa_oci_config *cfg;
	FILE *out;
	struct aa_oci_err *err;
	struct aa_oci_container *recs;
	size_t n_recs;
	long listed_ms; /* when recs were read (CLOCK_MONOTONIC) */
	enum aa_oci_logs_kind kind;
	const char *source;
	bool header;
	struct aa_oci_logs_stats st;
	char *line; /* LOGS_LINE_MAX + 1 bytes */
	size_t len;
	bool skipping; /* the rest of a line over LOGS_LINE_MAX */
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int logs_parse_since(const char *s, time_t now, time_t *ret)
{
	static const struct {
		char unit;
		long long secs;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	const char *p = s[0] == '-' ? s + 1 : s;
	size_t n = strspn(p, "0123456789");
	long long v;
	char *end;

	if (n == 0 || n > 12)
		return -EINVAL;
	errno = 0;
	v = strtoll(p, &end, 10);
	if (errno)
		return -ERANGE;
	if (s[0] != '-') {
		if (*end)
			return -EINVAL;
		*ret = (time_t)v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
		if (end[0] == units[i].unit && end[1] == '\0') {
			if (v > (long long)now / units[i].secs)
				return -ERANGE;
			*ret = now - (time_t)(v * units[i].secs);
			return 0;
		}
	return -EINVAL;
}

/* --- Printing --- */

/* The length of the UTF-8 sequence at @s (@n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * A copy of @s fit to print: a byte that is not part of valid UTF-8 (and,
 * with @controls, a control byte: a name could otherwise move the cursor
 * of the terminal reading us, or start a line of its own) as \xNN.
 */
static char *printable(const char *s, bool controls)
{
	size_t n = strlen(s);
	char *out = malloc(4 * n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		const unsigned char *u = (const unsigned char *)s + i;
		size_t len = utf8_len(u, n - i);

		if (len == 0 ||
		    (len == 1 && controls && (u[0] < 0x20 || u[0] == 0x7f))) {
			o += sprintf(o, "\\x%02x", u[0]);
			i++;
			continue;
		}
		memcpy(o, u, len);
		o += len;
		i += len;
	}
	*o = '\0';
	return out;
}

static void put(FILE *f, const char *s)
{
	_cleanup_free_ char *p = NULL;

	if (!s || !s[0]) {
		fputc('-', f);
		return;
	}
	p = printable(s, true);
	fputs(p ? p : "?", f);
}

static void when(const struct aa_oci_audit_event *e, char *buf, size_t size)
{
	struct tm tm;
	size_t n;

	if (!gmtime_r(&e->time, &tm) ||
	    !(n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm))) {
		snprintf(buf, size, "-");
		return;
	}
	snprintf(buf + n, size - n, ".%03ldZ", e->nsec / 1000000);
}

static bool op_is(const struct aa_oci_audit_event *e, const char *op)
{
	return e->operation && streq(e->operation, op);
}

static void put_object(FILE *f, const struct aa_oci_audit_event *e)
{
	if (e->capname || e->capability >= 0) {
		fputs("capability ", f);
		if (e->capname)
			put(f, e->capname);
		else
			fprintf(f, "%d", e->capability);
	} else if (e->family) {
		fputs("network ", f);
		put(f, e->family);
		fputc(' ', f);
		put(f, e->sock_type);
	} else if (op_is(e, "signal")) {
		fputs("signal ", f);
		put(f, e->signal);
		fputs(" peer=", f);
		put(f, e->peer);
	} else if (op_is(e, "ptrace")) {
		fputs("ptrace peer=", f);
		put(f, e->peer);
	} else if (op_is(e, "mount")) {
		fputs("mount ", f);
		put(f, e->fstype);
		fputc(' ', f);
		put(f, e->srcname);
		fputs(" -> ", f);
		put(f, e->name);
		if (e->flags) {
			fputc(' ', f);
			put(f, e->flags);
		}
	} else if (e->name) {
		put(f, e->name);
		if (e->name2) {
			fputs(" -> ", f);
			put(f, e->name2);
		}
	} else if (e->peer) {
		fputs("peer=", f);
		put(f, e->peer);
	} else {
		fputc('-', f);
	}
}

static void put_label(FILE *f, const struct aa_oci_audit_event *e)
{
	if (e->namespace) {
		fputc(':', f);
		put(f, e->namespace);
		fputc(':', f);
	}
	put(f, e->profile);
}

static void print_line(FILE *f, const struct aa_oci_audit_event *e,
		       const struct aa_oci_attribution *a)
{
	const struct aa_oci_container *rec = a->rec;
	char t[48], sid[13];
	const char *sep = "  ";

	when(e, t, sizeof(t));
	fprintf(f, "%s  ", t);
	if (a->ambiguous) {
		fputs("ambiguous: ", f);
		for (size_t i = 0; i < a->n_candidates; i++) {
			short_id(a->candidates[i]->id, sid);
			fprintf(f, "%s%s", i ? ", " : "", sid);
		}
	} else if (a->id) {
		short_id(a->id, sid);
		fputs(sid, f);
	} else {
		fputc('-', f);
	}
	fputs("  ", f);
	if (rec && rec->k8s_pod) {
		if (rec->k8s_namespace) {
			put(f, rec->k8s_namespace);
			fputc('/', f);
		}
		put(f, rec->k8s_pod);
	} else {
		fputc('-', f);
	}
	fputs("  ", f);
	put_label(f, e);
	fprintf(f, "  %s  ", audit_kind_name(e->kind));
	put(f, e->operation);
	fputs("  ", f);
	put_object(f, e);
	if (e->requested_mask) {
		fprintf(f, "%srequested=", sep);
		put(f, e->requested_mask);
		sep = " ";
	}
	if (e->denied_mask) {
		fprintf(f, "%sdenied=", sep);
		put(f, e->denied_mask);
		sep = " ";
	}
	if (e->info) {
		fprintf(f, "%sinfo=\"", sep);
		put(f, e->info);
		fputc('"', f);
	}
	fputc('\n', f);
}

/* A member whose text may not be UTF-8 (a path is any bytes). */
static int jstr(struct oci_json_writer *w, const char *key, const char *v)
{
	_cleanup_free_ char *p = NULL;

	if (v && !(p = printable(v, false)))
		return -ENOMEM;
	oci_json_string(w, key, p);
	return 0;
}

static void jint(struct oci_json_writer *w, const char *key, long long v,
		 bool present)
{
	if (present)
		oci_json_int(w, key, v);
	else
		oci_json_string(w, key, NULL);
}

static int print_json(FILE *f, const char *source,
		      const struct aa_oci_audit_event *e,
		      const struct aa_oci_attribution *a)
{
	const struct aa_oci_container *rec = a->rec;
	struct oci_json_writer *w = NULL;
	_cleanup_free_ char *text = NULL, *pod = NULL;
	char t[48];
	int r;

	when(e, t, sizeof(t));
	if (rec && rec->k8s_pod &&
	    asprintf(&pod, "%s%s%s",
		     rec->k8s_namespace ? rec->k8s_namespace : "",
		     rec->k8s_namespace ? "/" : "", rec->k8s_pod) < 0)
		return -ENOMEM;
	r = oci_json_writer_new(&w);
	if (r < 0)
		return r;
	oci_json_open(w, false);
	if ((r = jstr(w, "source", source)) < 0)
		goto out;
	oci_json_string(w, "time", t);
	oci_json_int(w, "epoch", (long long)e->time);
	oci_json_int(w, "serial", (long long)e->serial);
	oci_json_string(w, "apparmor", audit_kind_name(e->kind));
	{
		const struct {
			const char *key, *v;
		} before[] = {{"operation", e->operation},
			      {"profile", e->profile},
			      {"namespace", e->namespace}},
		  after[] = {{"comm", e->comm},
			     {"name", e->name},
			     {"name2", e->name2},
			     {"requested_mask", e->requested_mask},
			     {"denied_mask", e->denied_mask}};

		for (size_t i = 0; i < 3; i++)
			if ((r = jstr(w, before[i].key, before[i].v)) < 0)
				goto out;
		oci_json_int(w, "pid", e->pid);
		for (size_t i = 0; i < 5; i++)
			if ((r = jstr(w, after[i].key, after[i].v)) < 0)
				goto out;
	}
	jint(w, "capability", e->capability, e->capability >= 0);
	if ((r = jstr(w, "capname", e->capname)) < 0 ||
	    (r = jstr(w, "family", e->family)) < 0 ||
	    (r = jstr(w, "sock_type", e->sock_type)) < 0)
		goto out;
	jint(w, "protocol", e->protocol, e->protocol >= 0);
	if ((r = jstr(w, "signal", e->signal)) < 0 ||
	    (r = jstr(w, "peer", e->peer)) < 0 ||
	    (r = jstr(w, "fstype", e->fstype)) < 0 ||
	    (r = jstr(w, "srcname", e->srcname)) < 0 ||
	    (r = jstr(w, "flags", e->flags)) < 0 ||
	    (r = jstr(w, "info", e->info)) < 0)
		goto out;
	jint(w, "error", e->error, e->error != 0);
	if ((r = jstr(w, "container", a->id)) < 0 ||
	    (r = jstr(w, "pod", pod)) < 0)
		goto out;
	oci_json_string(w, "attribution", audit_how_name(a));
	oci_json_string(w, "engine", a->engine);
	oci_json_key(w, "candidates");
	oci_json_open(w, true);
	for (size_t i = 0; i < a->n_candidates; i++)
		if ((r = jstr(w, NULL, a->candidates[i]->id)) < 0)
			goto out;
	oci_json_close(w, true);
	oci_json_close(w, false);
	r = oci_json_writer_text(w, &text);
	if (r == 0)
		fprintf(f, "%s\n", text);
out:
	oci_json_writer_free(w);
	return r;
}

/* --- Filters --- */

/* The label a record's access was asked under, for --profile: the one
 * asked for when unconfined failed to change to it. */
static const char *asked_label(const struct aa_oci_audit_event *e)
{
	if (e->profile && streq(e->profile, "unconfined") && e->name &&
	    (op_is(e, "change_onexec") || op_is(e, "change_profile")))
		return e->name;
	return e->profile;
}

/* @want a label ":ns:name", or a plain name: the profile in the root
 * namespace or in aa-oci's own (@own, "" for none), where the wrappers put
 * it; not one of the same name in another namespace. */
static bool profile_matches(const struct aa_oci_audit_event *e,
			    const char *want, const char *own)
{
	const char *p = asked_label(e);
	size_t n, base;

	if (!p)
		return false;
	if (want[0] == ':') { /* ":ns:name", ":ns://name" */
		size_t k = e->namespace ? strlen(e->namespace) : 0;

		if (!e->namespace || strncmp(want + 1, e->namespace, k) != 0 ||
		    want[k + 1] != ':')
			return false;
		want += k + 2;
		if (strncmp(want, "//", 2) == 0)
			want += 2;
	} else if (e->namespace && (!own || !streq(e->namespace, own))) {
		return false;
	}
	n = strlen(want);
	if (strncmp(p, want, n) != 0)
		return false;
	if (p[n] == '\0' || (p[n] == '/' && p[n + 1] == '/' && p[n + 2] != '&'))
		return true;
	/* A per-container copy of the profile. */
	return policy_copy_parse(p, &base, NULL) && base == n;
}

/* @want an id or its start; @id maybe only the first 12 characters. */
static bool id_matches(const char *id, const char *want)
{
	size_t li = strlen(id), lw = strlen(want);

	if (strncmp(id, want, lw) == 0)
		return true;
	return li >= 12 && lw > li && strncmp(want, id, li) == 0;
}

static bool pod_matches(const struct aa_oci_container *rec, const char *want)
{
	size_t k;

	if (!rec || !rec->k8s_namespace || !rec->k8s_pod)
		return false;
	k = strlen(rec->k8s_namespace);
	return strncmp(want, rec->k8s_namespace, k) == 0 && want[k] == '/' &&
	       streq(want + k + 1, rec->k8s_pod);
}

static bool container_filters(const struct aa_oci_logs_opts *o,
			      const struct aa_oci_attribution *a)
{
	bool c = !o->container, p = !o->pod;

	if (a->ambiguous) {
		for (size_t i = 0; i < a->n_candidates; i++) {
			c = c || id_matches(a->candidates[i]->id, o->container);
			p = p || pod_matches(a->candidates[i], o->pod);
		}
		return c && p;
	}
	c = c || (a->id && id_matches(a->id, o->container));
	p = p || pod_matches(a->rec, o->pod);
	return c && p;
}

/* --- Reading --- */

static int list_containers(struct ctx *c)
{
	int r;

	rundir_container_list_free(c->recs, c->n_recs);
	c->recs = NULL;
	c->n_recs = 0;
	r = rundir_container_list(c->cfg->rundir, false, &c->recs, &c->n_recs);
	if (r < 0)
		return err_set(c->err, r,
			       "reading the records of containers in %s: %s",
			       rundir_path(c->cfg->rundir), strerror(-r));
	c->listed_ms = now_ms();
	return 0;
}

static void print_header(struct ctx *c)
{
	if (c->header)
		return;
	c->header = true;
	if (!c->o->json)
		fprintf(c->out, "source: %s\n", c->source);
}

static int show(struct ctx *c, const struct aa_oci_audit_event *e)
{
	const struct aa_oci_logs_opts *o = c->o;
	struct aa_oci_attribution a;
	struct aa_oci_audit_proc proc = {.started_by = e->time};
	int r;

	if (e->kind != AA_OCI_AUDIT_DENIED && e->kind != AA_OCI_AUDIT_ALLOWED &&
	    e->kind != AA_OCI_AUDIT_AUDIT)
		return 0;
	if (e->time < o->since ||
	    (o->profile &&
	     !profile_matches(e, o->profile, c->cfg->profile_namespace)))
		return 0;
	if (o->follow && now_ms() - c->listed_ms >= LOGS_RELIST_MS &&
	    (r = list_containers(c)) < 0)
		return r;
	r = audit_attribute(e, c->recs, c->n_recs,
			    o->cgroup_of ? o->cgroup_of : audit_pid_cgroup,
			    o->cgroup_of ? o->cgroup_ud : &proc, &a);
	if (r < 0)
		return err_set(c->err, r, "attributing a record: %s",
			       strerror(-r));
	if (container_filters(o, &a) && o->each) {
		r = o->each(e, &a, o->each_ud);
		if (r == 0)
			c->st.shown++;
	} else if (container_filters(o, &a)) {
		print_header(c);
		if (o->json)
			r = print_json(c->out, c->source, e, &a);
		else
			print_line(c->out, e, &a);
		if (r < 0)
			r = err_set(c->err, r, "a record as JSON: %s",
				    strerror(-r));
		else
			c->st.shown++;
		if (r == 0 && o->follow)
			fflush(c->out);
		if (r == 0 && ferror(c->out))
			r = err_set(c->err, -EIO, "writing the records: %s",
				    strerror(errno));
	}
	audit_attribution_free(&a);
	return r;
}

static int on_line(struct ctx *c, const char *line)
{
	struct aa_oci_audit_event e;
	bool journal = c->kind == AA_OCI_LOGS_JOURNALCTL ||
		       c->kind == AA_OCI_LOGS_JOURNAL_FILE;
	int r;

	c->st.lines++;
	/* Most lines are someone else's: spare them the parsers. A journal
	 * MESSAGE that is not UTF-8 comes as an array of bytes. */
	if (!strstr(line, "apparmor=") &&
	    !(journal && strstr(line, "\"MESSAGE\":[")))
		return 0;
	r = journal ? audit_parse_journal_json(line, &e)
		    : audit_parse_line(line, &e);
	if (r == -ENOENT)
		return 0;
	if (r == -EBADMSG || r == -E2BIG) {
		c->st.malformed++;
		return 0;
	}
	if (r < 0)
		return err_set(c->err, r, "%s: %s", c->source, strerror(-r));
	c->st.records++;
	r = show(c, &e);
	audit_event_free(&e);
	return r;
}

/* Cut @n bytes at @buf into lines for on_line. */
static int feed(struct ctx *c, const char *buf, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t k = nl ? (size_t)(nl - buf) : n;
		int r = 0;

		if (!c->skipping && c->len + k > LOGS_LINE_MAX) {
			c->skipping = true;
			c->st.lines++;
			c->st.malformed++;
		}
		if (!c->skipping) {
			memcpy(c->line + c->len, buf, k);
			c->len += k;
		}
		if (!nl)
			return 0;
		if (!c->skipping) {
			c->line[c->len] = '\0';
			r = on_line(c, c->line);
		}
		c->len = 0;
		c->skipping = false;
		if (r < 0)
			return r;
		buf = nl + 1;
		n -= k + 1;
	}
	return 0;
}

/* A last line without its newline. */
static int feed_end(struct ctx *c)
{
	int r = 0;

	if (!c->skipping && c->len > 0) {
		c->line[c->len] = '\0';
		r = on_line(c, c->line);
	}
	c->len = 0;
	c->skipping = false;
	return r;
}

static int read_file(struct ctx *c, const struct aa_oci_logs_source *s)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = malloc(LOGS_READ_SIZE);

	if (!buf)
		return -ENOMEM;
	fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0)
		return err_set(c->err, -errno, "%s: %s", s->path,
			       strerror(errno));
	c->source = s->path;
	for (;;) {
		ssize_t n = read(fd, buf, LOGS_READ_SIZE);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(c->err, -errno, "%s: %s", s->path,
				       strerror(errno));
		if (n == 0)
			return feed_end(c);
		r = feed(c, buf, (size_t)n);
		if (r < 0)
			return r;
	}
}

/* Read what is in @fd now, until it would block; 1 at its end. */
static int drain(struct ctx *c, int fd, const char *path, char *buf)
{
	for (;;) {
		ssize_t n = read(fd, buf, LOGS_READ_SIZE);
		int r;

		if (n < 0) {
			/* EPIPE: records were overwritten before we read them.
			 */
			if (errno == EINTR || errno == EPIPE)
				continue;
			if (errno == EAGAIN)
				return 0;
			return err_set(c->err, -errno, "%s: %s", path,
				       strerror(errno));
		}
		if (n == 0)
			return 1;
		r = feed(c, buf, (size_t)n);
		if (r < 0)
			return r;
	}
}

/*
 * /dev/kmsg: each read() is one record, "PRI,SEQ,USEC,FLAGS;TEXT\n" and
 * continuation lines (" KEY=VALUE"), which audit_parse_line passes over.
 * Without @sigfd, to its end; with it, from its end until a signal.
 */
static int read_kmsg(struct ctx *c, const char *path, int sigfd)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = malloc(LOGS_READ_SIZE);
	int r;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT && sigfd < 0)
		return -ENOENT;
	if (fd < 0)
		return err_set(c->err, -errno, "%s: %s", path, strerror(errno));
	c->source = path;
	if (sigfd >= 0) {
		/* A kmsg that cannot seek (a pipe, in tests): from where it is.
		 */
		(void)lseek(fd, 0, SEEK_END);
		print_header(c);
		fflush(c->out);
	}
	for (;;) {
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
				      {.fd = sigfd, .events = POLLIN}};

		r = drain(c, fd, path, buf);
		if (r < 0)
			return r;
		if (r == 1 || sigfd < 0)
			return feed_end(c);
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return err_set(c->err, -errno, "%s: %s", path,
				       strerror(errno));
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			/* Take the signal, so that it does not act when
			 * unblocked; what arrived before it is still shown. */
			(void)!read(sigfd, &si, sizeof(si));
			r = drain(c, fd, path, buf);
			return r < 0 ? r : feed_end(c);
		}
	}
}

static int journal_chunk(const char *buf, size_t n, void *ud)
{
	return feed(ud, buf, n);
}

/*
 * journalctl's JSON lines, streamed (spawn_stream). A journalctl that
 * cannot run, or writes nothing (no journal, or none we may read), is no
 * source: -ENODATA, and the next one is tried.
 */
static int read_journalctl(struct ctx *c, const char *path)
{
	const char *const argv[] = {path,   "-k",	  "-o",
				    "json", "--no-pager", NULL};
	long timeout =
	    c->o->timeout_ms > 0 ? c->o->timeout_ms : LOGS_TIMEOUT_MS;
	struct aa_oci_spawn_result res;
	int r;

	c->source = "journal";
	r = spawn_stream(argv, timeout, journal_chunk, c, &res);
	if (r == -ENOENT || r == -EACCES || r == -ENOEXEC)
		return -ENODATA;
	if (r < 0)
		return r;
	if (res.timed_out)
		return err_set(c->err, -ETIMEDOUT,
			       "%s -k -o json: no end after %ld ms", path,
			       timeout);
	r = feed_end(c);
	if (r < 0)
		return r;
	return c->st.lines > 0 ? 0 : -ENODATA;
}

static int read_source(struct ctx *c, const struct aa_oci_logs_source *s)
{
	c->kind = s->kind;
	switch (s->kind) {
	case AA_OCI_LOGS_JOURNALCTL:
		return read_journalctl(c, s->path);
	case AA_OCI_LOGS_JOURNAL_FILE:
	case AA_OCI_LOGS_FILE:
		return read_file(c, s);
	case AA_OCI_LOGS_KMSG:
		return read_kmsg(c, s->path, -1);
	}
	return -EINVAL;
}

static int follow(struct ctx *c)
{
	const char *path = c->o->kmsg ? c->o->kmsg : "/dev/kmsg";
	sigset_t set, old;
	int sigfd, r;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
		return -errno;
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		r = err_set(c->err, -errno, "signalfd: %s", strerror(errno));
	} else {
		c->kind = AA_OCI_LOGS_KMSG;
		r = read_kmsg(c, path, sigfd);
		close(sigfd);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

int logs_run(const struct aa_oci_logs_opts *o, const struct aa_oci_config *cfg,
	     FILE *out, struct aa_oci_err *err)
{
	const struct aa_oci_logs_source *src =
	    o->sources ? o->sources : default_sources;
	size_t n_src = o->sources
			   ? o->n_sources
			   : sizeof(default_sources) / sizeof(*default_sources);
	struct ctx c = {.o = o, .cfg = cfg, .out = out, .err = err};
	struct aa_oci_logs_stats first = {0};
	int r;

	c.line = malloc(LOGS_LINE_MAX + 1);
	if (!c.line)
		return -ENOMEM;
	r = list_containers(&c);
	if (r < 0)
		goto out;
	if (o->follow) {
		r = follow(&c);
		goto out;
	}
	/*
	 * A source that is there but holds no AppArmor record does not end
	 * the search: with auditd running, the journal and kern.log have the
	 * kernel's other messages and audit.log the records. When none has
	 * any, the first that could be read is named.
	 */
	r = -ENOENT;
	for (size_t i = 0; i < n_src; i++) {
		c.st = (struct aa_oci_logs_stats){0};
		r = read_source(&c, &src[i]);
		if (r == -ENOENT || r == -ENODATA)
			continue;
		if (r < 0 || c.st.records > 0)
			break;
		if (!first.source) {
			first = c.st;
			first.source = c.source;
		}
	}
	if ((r == -ENOENT || r == -ENODATA || (r == 0 && c.st.records == 0)) &&
	    first.source) {
		c.st = first;
		c.source = first.source;
		r = 0;
	}
	if (r == -ENOENT || r == -ENODATA) {
		char tried[512] = "";

		for (size_t i = 0; i < n_src; i++)
			snprintf(tried + strlen(tried),
				 sizeof(tried) - strlen(tried), "%s%s",
				 i ? ", " : "", src[i].path);
		c.source = NULL;
		r = err_set(err, -ENOENT,
			    "no log of the kernel's AppArmor records was found "
			    "(tried %s)",
			    tried);
	}
	if (r == 0)
		print_header(&c); /* no record was shown */
	if (r == 0 && fflush(out) != 0)
		r = err_set(err, -EIO, "writing the records: %s",
			    strerror(errno));
out:
	c.st.source = c.source;
	if (o->stats)
		*o->stats = c.st;
	rundir_container_list_free(c.recs, c.n_recs);
	free(c.line);
	return r;
}
