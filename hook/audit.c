/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's AppArmor audit records, parsed with libapparmor, and the
 * container each came from (see audit.h). Reads nothing but /proc, in
 * audit_pid_cgroup.
 */
#include <aalogparse/aalogparse.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/audit.h"
#include "aa-oci/policy.h"
#include "aa-oci/resolve.h"
#include "aa-oci/oci.h"
#include "aa-oci/util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(yajl_val, yajl_tree_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(aa_log_record *, free_record)

static const char *const kind_names[] = {
    [AA_OCI_AUDIT_DENIED] = "DENIED", [AA_OCI_AUDIT_ALLOWED] = "ALLOWED",
    [AA_OCI_AUDIT_AUDIT] = "AUDIT",   [AA_OCI_AUDIT_STATUS] = "STATUS",
    [AA_OCI_AUDIT_HINT] = "HINT",     [AA_OCI_AUDIT_ERROR] = "ERROR",
};

const char *audit_kind_name(enum aa_oci_audit_kind kind)
{
	if ((size_t)kind >= sizeof(kind_names) / sizeof(*kind_names))
		return "?";
	return kind_names[kind];
}

void audit_event_free(struct aa_oci_audit_event *e)
{
	char **s[] = {&e->operation,	  &e->profile,	   &e->namespace,
		      &e->comm,		  &e->name,	   &e->name2,
		      &e->requested_mask, &e->denied_mask, &e->capname,
		      &e->family,	  &e->sock_type,   &e->signal,
		      &e->peer,		  &e->fstype,	   &e->srcname,
		      &e->flags,	  &e->info};

	for (size_t i = 0; i < sizeof(s) / sizeof(*s); i++)
		free(*s[i]);
	*e = (struct aa_oci_audit_event){0};
}

/* --- A record's keys, as the kernel writes them --- */

/* The forms of a value: "quoted", HEX (audit_log_untrustedstring's form
 * of a string with a space, a quote or a control byte), digits, -digits,
 * and the bare word of signal=. */
enum {
	V_QUOTED = 1,
	V_HEX = 2,
	V_DIGITS = 4,
	V_NEG = 8,
	V_WORD = 16,
};

/*
 * The keys libapparmor 3.0's grammar knows, with the value forms it takes
 * for each (any other key, or form, makes it refuse the whole record).
 * Measured against the library: a key it has in its grammar but refuses
 * in the form the kernel writes (target= in hex) is decoded here instead.
 */
static const struct lib_key {
	const char *key;
	unsigned forms;
} lib_keys[] = {
    {"apparmor", V_QUOTED},
    {"operation", V_QUOTED},
    {"info", V_QUOTED},
    {"peer_info", V_QUOTED},
    {"peer", V_QUOTED},
    {"name", V_QUOTED | V_HEX},
    {"name2", V_QUOTED | V_HEX},
    {"namespace", V_QUOTED | V_HEX},
    {"profile", V_QUOTED | V_HEX},
    {"peer_profile", V_QUOTED | V_HEX},
    {"label", V_QUOTED | V_HEX},
    {"comm", V_QUOTED | V_HEX},
    {"exe", V_QUOTED | V_HEX},
    {"mask", V_QUOTED},
    {"denied_mask", V_QUOTED},
    {"requested_mask", V_QUOTED},
    {"attribute", V_QUOTED},
    {"family", V_QUOTED},
    {"sock_type", V_QUOTED},
    {"protocol", V_QUOTED | V_DIGITS},
    {"capability", V_DIGITS},
    {"capname", V_QUOTED},
    {"target", V_QUOTED},
    {"fstype", V_QUOTED},
    {"flags", V_QUOTED},
    {"srcname", V_QUOTED},
    {"signal", V_DIGITS | V_WORD},
    {"error", V_DIGITS | V_NEG},
    {"pid", V_DIGITS},
    {"peer_pid", V_DIGITS},
    {"task", V_DIGITS},
    {"parent", V_DIGITS},
    {"magic_token", V_DIGITS},
    {"fsuid", V_DIGITS},
    {"ouid", V_DIGITS},
    {"offset", V_DIGITS},
    {"bus", V_QUOTED},
    {"path", V_QUOTED},
    {"interface", V_QUOTED},
    {"member", V_QUOTED},
};

/* Keys newer kernels write under another name than the library knows. */
static const char *const key_aliases[][2] = {
    {"requested", "requested_mask"},
    {"denied", "denied_mask"},
};

#define PAIRS_MAX 64

struct pair {
	const char *key, *val;
	size_t klen, vlen;
	unsigned form;
	bool to_lib; /* handed to the library */
};

static bool key_is(const struct pair *p, const char *key)
{
	return strlen(key) == p->klen && memcmp(p->key, key, p->klen) == 0;
}

static bool all_of(const char *s, size_t n, const char *set)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr(set, s[i]))
			return false;
	return true;
}

static unsigned value_form(const char *v, size_t n, bool quoted)
{
	unsigned f = 0;

	if (quoted)
		return V_QUOTED;
	if (all_of(v, n, "0123456789"))
		f |= V_DIGITS;
	if (n > 1 && v[0] == '-' && all_of(v + 1, n - 1, "0123456789"))
		f |= V_NEG;
	if (n % 2 == 0 && all_of(v, n, "0123456789ABCDEF"))
		f |= V_HEX;
	if (all_of(v, n,
		   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789_+-"))
		f |= V_WORD;
	return f;
}

/*
 * Split the key list at @p (up to @end) into @pairs. The kernel quotes a
 * value only when it holds no quote, so a quoted value ends at the next
 * quote. Returns: the number of pairs, or -EBADMSG.
 */
static int split_pairs(const char *p, const char *end, struct pair *pairs)
{
	int n = 0;

	for (;;) {
		struct pair *k = &pairs[n];

		while (p < end && *p == ' ')
			p++;
		if (p == end)
			return n;
		if (n == PAIRS_MAX)
			return -EBADMSG;
		k->key = p;
		k->to_lib = false;
		while (p < end && (islower((unsigned char)*p) ||
				   isdigit((unsigned char)*p) || *p == '_'))
			p++;
		k->klen = (size_t)(p - k->key);
		if (k->klen == 0 || p == end || *p != '=')
			return -EBADMSG;
		p++;
		if (p < end && *p == '"') {
			const char *q =
			    memchr(p + 1, '"', (size_t)(end - p - 1));

			if (!q || (q + 1 < end && q[1] != ' '))
				return -EBADMSG;
			k->val = p + 1;
			k->vlen = (size_t)(q - p - 1);
			k->form = value_form(k->val, k->vlen, true);
			p = q + 1;
		} else {
			k->val = p;
			while (p < end && *p != ' ')
				p++;
			k->vlen = (size_t)(p - k->val);
			k->form = value_form(k->val, k->vlen, false);
		}
		/* Which value would count is anyone's guess: none does. */
		for (int i = 0; i < n; i++)
			if (pairs[i].klen == k->klen &&
			    memcmp(pairs[i].key, k->key, k->klen) == 0)
				return -EBADMSG;
		n++;
	}
}

static int hexval(char c)
{
	return c <= '9' ? c - '0' : c - 'A' + 10;
}

/* A value as a string: a quoted one as it is, hex decoded. */
static int pair_string(const struct pair *p, char **ret)
{
	char *s;

	/* Unquoted, a string is hex; signal= alone is a bare word or number. */
	if (p->form & V_QUOTED || !(p->form & V_HEX) || key_is(p, "signal")) {
		s = strndup(p->val, p->vlen);
	} else {
		s = malloc(p->vlen / 2 + 1);
		if (s) {
			for (size_t i = 0; i < p->vlen / 2; i++)
				s[i] = (char)(hexval(p->val[2 * i]) << 4 |
					      hexval(p->val[2 * i + 1]));
			s[p->vlen / 2] = '\0';
			/* A NUL inside would cut the name short unseen. */
			if (strlen(s) != p->vlen / 2) {
				free(s);
				return -EBADMSG;
			}
		}
	}
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

static const struct pair *find_pair(const struct pair *pairs, int n,
				    const char *key)
{
	for (int i = 0; i < n; i++)
		if (key_is(&pairs[i], key))
			return &pairs[i];
	return NULL;
}

static int pair_int(const struct pair *pairs, int n, const char *key, int none)
{
	const struct pair *p = find_pair(pairs, n, key);
	char buf[16];

	if (!p || !(p->form & (V_DIGITS | V_NEG)) || p->vlen >= sizeof(buf))
		return none;
	memcpy(buf, p->val, p->vlen);
	buf[p->vlen] = '\0';
	return (int)strtol(buf, NULL, 10);
}

/* Does the key list at @p have the key @key (at a key's start)? */
static bool has_key(const char *p, const char *end, const char *key)
{
	size_t k = strlen(key);

	for (const char *s = p; s + k < end; s++) {
		s = memmem(s, (size_t)(end - s), key, k);
		if (!s || s + k >= end)
			return false;
		if ((s == p || s[-1] == ' ') && s[k] == '=')
			return true;
	}
	return false;
}

/* --- The stamp: audit(SECONDS[.FRACTION]:SERIAL): --- */

struct stamp {
	const char *sec, *frac, *serial;
	size_t nsec_digits, nfrac, nserial;
};

static size_t digits(const char *p, const char *end)
{
	size_t n = 0;

	while (p + n < end && isdigit((unsigned char)p[n]))
		n++;
	return n;
}

/* The first "audit(" followed by a digit, or NULL. */
static const char *locate_stamp(const char *line, const char *end)
{
	for (const char *p = line;; p += 6) {
		p = memmem(p, (size_t)(end - p), "audit(", 6);
		if (!p || (p + 6 < end && isdigit((unsigned char)p[6])))
			return p;
	}
}

/* Read the stamp at @at; *@ret_rest is the key list after it.
 * Returns: 0 or -EBADMSG. */
static int read_stamp(const char *at, const char *end, struct stamp *st,
		      const char **ret_rest)
{
	const char *p = at + 6;

	st->sec = p;
	st->nsec_digits = digits(p, end);
	p += st->nsec_digits;
	st->frac = NULL;
	st->nfrac = 0;
	if (p < end && *p == '.') {
		st->frac = ++p;
		st->nfrac = digits(p, end);
		p += st->nfrac;
		if (st->nfrac == 0)
			return -EBADMSG;
	}
	if (st->nsec_digits > 12 || st->nfrac > 9 || p == end || *p != ':')
		return -EBADMSG;
	st->serial = ++p;
	st->nserial = digits(p, end);
	p += st->nserial;
	if (st->nserial == 0 || st->nserial > 19 || end - p < 2 ||
	    p[0] != ')' || p[1] != ':')
		return -EBADMSG;
	*ret_rest = p + 2;
	return 0;
}

static bool one_of(const char *s, size_t n, const char *const *set)
{
	for (; *set; set++)
		if (strlen(*set) == n && memcmp(s, *set, n) == 0)
			return true;
	return false;
}

/* busybox syslogd's "FACILITY.PRIORITY" before the tag, or NULL. */
static bool facility_priority(const char *t, size_t n, bool *ret_kern)
{
	static const char *const fac[] = {
	    "kern",   "user",	"mail",	  "daemon", "auth",	"syslog",
	    "lpr",    "news",	"uucp",	  "cron",   "authpriv", "ftp",
	    "local0", "local1", "local2", "local3", "local4",	"local5",
	    "local6", "local7", NULL};
	static const char *const prio[] = {"emerg", "alert", "crit",
					   "err",   "warn",  "notice",
					   "info",  "debug", NULL};
	const char *dot = memchr(t, '.', n);

	if (!dot || !one_of(t, (size_t)(dot - t), fac) ||
	    !one_of(dot + 1, n - (size_t)(dot - t) - 1, prio))
		return false;
	*ret_kern = dot - t == 4 && memcmp(t, "kern", 4) == 0;
	return true;
}

/*
 * Is the text before the stamp at @at the kernel's framing of a record,
 * rather than a program's line that quotes one (logger, a container's
 * /dev/log, a user-space audit message)? Any of:
 *   [node=NAME ]type=AVC|APPARMOR_*|NUMBER msg=audit(       auditd
 *   audit: type=NUMBER audit(                               kernel text
 * the kernel text after nothing, a dmesg stamp "[...] ", a kmsg prefix
 * of the kernel's facility ("PRI,SEQ,USEC,FLAGS;", PRI < 8), or a
 * syslog line's "kernel: " tag (busybox's "kern.PRIO kernel: ").
 */
static bool kernel_framing(const char *line, const char *at)
{
	const char *p = at, *pre;
	size_t n;
	bool kern;

	if (at - line >= 4 && memcmp(at - 4, "msg=", 4) == 0) {
		const char *t = line, *sp;

		if (strncmp(t, "node=", 5) == 0) {
			t = memchr(t, ' ', (size_t)(at - t));
			if (!t)
				return false;
			t++;
		}
		if (at - t < 10 || strncmp(t, "type=", 5) != 0)
			return false;
		t += 5;
		sp = at - 5; /* the space before "msg=" */
		n = (size_t)(sp - t);
		if (*sp != ' ' || memchr(t, ' ', n))
			return false;
		return (n == 3 && memcmp(t, "AVC", 3) == 0) ||
		       (n > 9 && memcmp(t, "APPARMOR_", 9) == 0) ||
		       all_of(t, n, "0123456789");
	}
	if (p == line || p[-1] != ' ')
		return false;
	p--;
	while (p > line && isdigit((unsigned char)p[-1]))
		p--;
	if (p == at - 1 || p - line < 12 || memcmp(p - 12, "audit: type=", 12))
		return false;
	pre = p - 12;
	/* a dmesg stamp: "[   23.512345] " */
	if (pre - line >= 2 && pre[-1] == ' ' && pre[-2] == ']') {
		const char *open = memrchr(line, '[', (size_t)(pre - line));

		if (!open)
			return false;
		pre = open;
	}
	n = (size_t)(pre - line);
	if (n == 0)
		return true;
	if (line[n - 1] == ';') {
		char *e;
		long pri = strtol(line, &e, 10);

		return e != line && *e == ',' && pri >= 0 && pri < 8 &&
		       memchr(line, ';', n) == pre - 1;
	}
	if (n < 8 || memcmp(pre - 8, "kernel: ", 8) != 0)
		return false;
	if (n > 8 && pre[-9] == ' ') {
		const char *tok_end = pre - 9, *tok = tok_end;

		while (tok > line && tok[-1] != ' ')
			tok--;
		if (facility_priority(tok, (size_t)(tok_end - tok), &kern))
			return kern;
	}
	return n == 8 || pre[-9] == ' ';
}

/* --- The event, from the library's record and the line --- */

static int dup_or_null(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static const struct {
	aa_record_event_type lib;
	enum aa_oci_audit_kind kind;
} lib_events[] = {
    {AA_RECORD_DENIED, AA_OCI_AUDIT_DENIED},
    {AA_RECORD_ALLOWED, AA_OCI_AUDIT_ALLOWED},
    {AA_RECORD_AUDIT, AA_OCI_AUDIT_AUDIT},
    {AA_RECORD_STATUS, AA_OCI_AUDIT_STATUS},
    {AA_RECORD_HINT, AA_OCI_AUDIT_HINT},
    {AA_RECORD_ERROR, AA_OCI_AUDIT_ERROR},
};

/* namespace="root//aa-oci" -> "aa-oci"; "root" is no namespace. */
static int namespace_of(const char *ns, char **ret)
{
	*ret = NULL;
	if (!ns || !ns[0] || streq(ns, "root"))
		return 0;
	if (strncmp(ns, "root//", 6) == 0)
		ns += 6;
	return dup_or_null(ns, ret);
}

/* A label ":ns:name" or ":ns://name" carries its namespace inline. */
static int split_inline_namespace(struct aa_oci_audit_event *e)
{
	const char *p = e->profile, *colon;
	char *ns, *name;

	if (!p || p[0] != ':' || e->namespace)
		return 0;
	colon = strchr(p + 1, ':');
	if (!colon || colon == p + 1)
		return 0;
	ns = strndup(p + 1, (size_t)(colon - p - 1));
	colon++;
	if (strncmp(colon, "//", 2) == 0)
		colon += 2;
	name = strdup(colon);
	if (!ns || !name) {
		free(ns);
		free(name);
		return -ENOMEM;
	}
	free(e->profile);
	e->profile = name;
	e->namespace = ns;
	return 0;
}

/* Where a key the library was not given lands, decoded here. */
static char **own_field(struct aa_oci_audit_event *e, const struct pair *p)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
#define F(k, m) {k, offsetof(struct aa_oci_audit_event, m)}
	    F("operation", operation),
	    F("profile", profile),
	    F("comm", comm),
	    F("name", name),
	    F("name2", name2),
	    F("target", name2),
	    F("requested_mask", requested_mask),
	    F("requested", requested_mask),
	    F("denied_mask", denied_mask),
	    F("denied", denied_mask),
	    F("capname", capname),
	    F("family", family),
	    F("sock_type", sock_type),
	    F("signal", signal),
	    F("peer", peer),
	    F("fstype", fstype),
	    F("srcname", srcname),
	    F("flags", flags),
	    F("info", info),
#undef F
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
		if (key_is(p, fields[i].key))
			return (char **)((char *)e + fields[i].off);
	return NULL;
}

static int event_from(const aa_log_record *rec, const struct pair *pairs, int n,
		      const struct stamp *st, struct aa_oci_audit_event *ret)
{
	struct aa_oci_audit_event e = {.capability = -1, .protocol = -1};
	bool cap = find_pair(pairs, n, "capname") != NULL;
	size_t k;
	int r;

	for (k = 0; k < sizeof(lib_events) / sizeof(*lib_events); k++)
		if (lib_events[k].lib == rec->event)
			break;
	if (k == sizeof(lib_events) / sizeof(*lib_events))
		return -EBADMSG;
	e.kind = lib_events[k].kind;
	e.time = (time_t)strtoll(st->sec, NULL, 10);
	for (size_t i = 0; i < 9; i++)
		e.nsec = e.nsec * 10 + (i < st->nfrac ? st->frac[i] - '0' : 0);
	e.serial = strtoul(st->serial, NULL, 10);
	e.pid = (pid_t)rec->pid;
	/* The library puts capname= in name (a capability record has no
	 * name=); error= loses its sign there, protocol= becomes a name from
	 * the IP protocol table whatever the family, and capability= is
	 * dropped: those three are read from the line. */
	if ((r = dup_or_null(rec->operation, &e.operation)) < 0 ||
	    (r = dup_or_null(rec->profile, &e.profile)) < 0 ||
	    (r = namespace_of(rec->namespace, &e.namespace)) < 0 ||
	    (r = dup_or_null(rec->comm, &e.comm)) < 0 ||
	    (r = dup_or_null(cap ? NULL : rec->name, &e.name)) < 0 ||
	    (r = dup_or_null(cap ? rec->name : NULL, &e.capname)) < 0 ||
	    (r = dup_or_null(rec->name2, &e.name2)) < 0 ||
	    (r = dup_or_null(rec->requested_mask, &e.requested_mask)) < 0 ||
	    (r = dup_or_null(rec->denied_mask, &e.denied_mask)) < 0 ||
	    (r = dup_or_null(rec->net_family, &e.family)) < 0 ||
	    (r = dup_or_null(rec->net_sock_type, &e.sock_type)) < 0 ||
	    (r = dup_or_null(rec->signal, &e.signal)) < 0 ||
	    (r = dup_or_null(rec->peer, &e.peer)) < 0 ||
	    (r = dup_or_null(rec->fs_type, &e.fstype)) < 0 ||
	    (r = dup_or_null(rec->src_name, &e.srcname)) < 0 ||
	    (r = dup_or_null(rec->flags, &e.flags)) < 0 ||
	    (r = dup_or_null(rec->info, &e.info)) < 0)
		goto fail;
	e.capability = pair_int(pairs, n, "capability", -1);
	e.protocol = pair_int(pairs, n, "protocol", -1);
	e.error = pair_int(pairs, n, "error", 0);
	for (int i = 0; i < n; i++) {
		char **f;

		if (pairs[i].to_lib || !(f = own_field(&e, &pairs[i])) || *f)
			continue;
		if ((r = pair_string(&pairs[i], f)) < 0)
			goto fail;
	}
	if ((r = split_inline_namespace(&e)) < 0)
		goto fail;
	*ret = e;
	return 0;
fail:
	audit_event_free(&e);
	return r;
}

/*
 * Keys the library stores in one field (capname= in name, target= in
 * name2, label= in profile, mask= in denied_mask): the kernel never writes
 * both of a pair, and given both, the library keeps one, leaks the other
 * (LeakSanitizer, found by tests/fuzz) and which one counts is anyone's
 * guess. Such a record is refused, as a key written twice is.
 * Returns: false when @key's field was already given (bits in *@seen).
 */
static bool one_field(const char *key, unsigned *seen)
{
	static const char *const same[][2] = {
	    {"capname", "name"},
	    {"target", "name2"},
	    {"label", "profile"},
	    {"mask", "denied_mask"},
	};

	for (unsigned i = 0; i < sizeof(same) / sizeof(*same); i++)
		if (streq(key, same[i][0]) || streq(key, same[i][1])) {
			if (*seen & (1u << i))
				return false;
			*seen |= 1u << i;
		}
	return true;
}

/*
 * " KEY=VALUE" at @out, the value quoted as it was. The kernel writes a
 * quoted value as it is (a backslash is no escape there), while the
 * library's scanner reads a backslash in quotes as an escape: name="/a\b"
 * would read as "/ab", and name="/a\" would swallow the next key. So
 * each backslash is doubled, which the library reads back as one.
 * Returns: the bytes written (at most 2 * vlen + strlen(key) + 4).
 */
static size_t put_value(char *out, const char *key, const struct pair *p)
{
	char *o = out + sprintf(out, " %s=", key);

	if (!(p->form & V_QUOTED)) {
		memcpy(o, p->val, p->vlen);
		o += p->vlen;
		*o = '\0';
		return (size_t)(o - out);
	}
	*o++ = '"';
	for (size_t i = 0; i < p->vlen; i++) {
		if (p->val[i] == '\\')
			*o++ = '\\';
		*o++ = p->val[i];
	}
	*o++ = '"';
	*o = '\0';
	return (size_t)(o - out);
}

int audit_parse_line(const char *line, struct aa_oci_audit_event *ret)
{
	struct pair pairs[PAIRS_MAX];
	_cleanup_(free_recordp) aa_log_record *rec = NULL;
	_cleanup_free_ char *canon = NULL;
	size_t len = strnlen(line, AUDIT_LINE_MAX + 1), used;
	const char *end, *rest, *at;
	struct stamp st;
	unsigned fields = 0;
	int n, r;

	if (len > AUDIT_LINE_MAX)
		return -E2BIG;
	/* auditd's enrichment follows a \x1d; a line ends at its newline. */
	end = line + strcspn(line, "\n\r\x1d");
	at = locate_stamp(line, end);
	if (!at || !kernel_framing(line, at) || !has_key(at, end, "apparmor"))
		return -ENOENT;
	r = read_stamp(at, end, &st, &rest);
	if (r < 0)
		return r;
	n = split_pairs(rest, end, pairs);
	if (n < 0)
		return n;

	/* The audit.log form, the one every version of the library takes.
	 * Room for every byte of a value twice (see put_value). */
	canon = malloc(96 + 2 * (size_t)(end - rest) + 16 * PAIRS_MAX);
	if (!canon)
		return -ENOMEM;
	used = (size_t)sprintf(
	    canon, "type=AVC msg=audit(%.*s.%.*s:%.*s):", (int)st.nsec_digits,
	    st.sec, (int)(st.frac ? st.nfrac : 3), st.frac ? st.frac : "000",
	    (int)st.nserial, st.serial);
	for (int i = 0; i < n; i++) {
		struct pair *p = &pairs[i];
		const char *key = NULL;

		for (size_t a = 0; a < 2; a++)
			if (key_is(p, key_aliases[a][0]) &&
			    !find_pair(pairs, n, key_aliases[a][1]))
				key = key_aliases[a][1];
		for (size_t k = 0;
		     !key && k < sizeof(lib_keys) / sizeof(*lib_keys); k++)
			if (key_is(p, lib_keys[k].key) &&
			    (p->form & lib_keys[k].forms))
				key = lib_keys[k].key;
		if (!key)
			continue;
		if (!one_field(key, &fields))
			return -EBADMSG;
		p->to_lib = true;
		used += put_value(canon + used, key, p);
	}
	rec = parse_record(canon);
	if (!rec)
		return -ENOMEM;
	if (rec->event == AA_RECORD_INVALID)
		return -EBADMSG;
	return event_from(rec, pairs, n, &st, ret);
}

int audit_parse_journal_json(const char *json_line,
			     struct aa_oci_audit_event *ret)
{
	_cleanup_(yajl_tree_freep) yajl_val root = NULL;
	_cleanup_free_ char *bytes = NULL;
	yajl_val msg = NULL;
	int r;

	if (strnlen(json_line, AUDIT_JSON_MAX + 1) > AUDIT_JSON_MAX)
		return -E2BIG;
	r = oci_json_tree(json_line, "journal entry", &root, NULL);
	if (r < 0)
		return r;
	for (size_t i = 0; i < root->u.object.len; i++) {
		const char *k = root->u.object.keys[i];
		yajl_val v = root->u.object.values[i];

		if (streq(k, "MESSAGE"))
			msg = v;
		/* What a program logged is not the kernel's record, whatever
		 * its text says (a process may write to /dev/kmsg too). */
		else if ((streq(k, "_TRANSPORT") &&
			  !(YAJL_IS_STRING(v) &&
			    streq(v->u.string, "kernel"))) ||
			 (streq(k, "SYSLOG_FACILITY") &&
			  !(YAJL_IS_STRING(v) && streq(v->u.string, "0"))))
			return -ENOENT;
	}
	if (!msg || YAJL_IS_NULL(msg))
		return -ENOENT;
	if (YAJL_IS_STRING(msg))
		return audit_parse_line(msg->u.string, ret);
	if (!YAJL_IS_ARRAY(msg))
		return -EBADMSG;
	/* journald writes a message that is not valid UTF-8 (or holds
	 * control bytes) as an array of its bytes. */
	if (msg->u.array.len > AUDIT_LINE_MAX)
		return -E2BIG;
	bytes = malloc(msg->u.array.len + 1);
	if (!bytes)
		return -ENOMEM;
	for (size_t i = 0; i < msg->u.array.len; i++) {
		yajl_val b = msg->u.array.values[i];

		if (!YAJL_IS_INTEGER(b) || b->u.number.i < 1 ||
		    b->u.number.i > 255)
			return -EBADMSG;
		bytes[i] = (char)b->u.number.i;
	}
	bytes[msg->u.array.len] = '\0';
	return audit_parse_line(bytes, ret);
}

/* --- Which container --- */

static bool is_hex64(const char *s, size_t n)
{
	return n == 64 && all_of(s, n, "0123456789abcdef");
}

/* "<prefix><64hex><suffix>" exactly: the id, or NULL. */
static const char *hex_between(const char *c, size_t n, const char *prefix,
			       const char *suffix)
{
	size_t p = strlen(prefix), s = strlen(suffix);

	if (n != p + 64 + s || strncmp(c, prefix, p) != 0 ||
	    memcmp(c + p + 64, suffix, s) != 0 || !is_hex64(c + p, 64))
		return NULL;
	return c + p;
}

static bool systemd_unit(const char *c, size_t n)
{
	static const char *const suffixes[] = {".slice", ".scope",  ".service",
					       ".mount", ".socket", ".swap"};

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		size_t s = strlen(suffixes[i]);

		if (n >= s && memcmp(c + n - s, suffixes[i], s) == 0)
			return true;
	}
	return false;
}

/* Hand out the id; returns @shape_only (1) or 0, or -ENOMEM. */
static int give(const char *id, size_t n, const char *engine, int shape_only,
		char **ret_id, const char **ret_engine)
{
	char *s = strndup(id, n);

	if (!s)
		return -ENOMEM;
	*ret_id = s;
	*ret_engine = engine;
	return shape_only;
}

int audit_cgroup_container_id(const char *cgroup_path, char **ret_id,
			      const char **ret_engine)
{
	static const struct {
		const char *prefix, *suffix, *engine;
	} units[] = {
	    {"docker-", ".scope", "docker"},
	    {"cri-containerd-", ".scope", "containerd"},
	    {"crio-", ".scope", "cri-o"},
	    {"crio-", "", "cri-o"},
	    {"libpod-", ".scope", "podman"},
	    {"libpod-", "", "podman"},
	};
	const char *path = cgroup_path, *comps[64];
	size_t lens[64], n = 0;

	/* A systemd cgroupsPath, "slice:prefix:name", as runtimes take it. */
	if (!strchr(path, '/')) {
		const char *c1 = strchr(path, ':'), *c2;

		if (!c1 || !(c2 = strchr(c1 + 1, ':')) || strchr(c2 + 1, ':') ||
		    !policy_container_id(c2 + 1, strlen(c2 + 1)))
			return -ENOENT;
		for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++) {
			size_t p = strlen(units[i].prefix) - 1; /* no '-' */

			if ((size_t)(c2 - c1 - 1) == p &&
			    strncmp(c1 + 1, units[i].prefix, p) == 0)
				return give(c2 + 1, strlen(c2 + 1),
					    units[i].engine, 0, ret_id,
					    ret_engine);
		}
		return give(c2 + 1, strlen(c2 + 1), "runc", 0, ret_id,
			    ret_engine);
	}

	for (const char *p = path; *p;) {
		size_t l;

		while (*p == '/')
			p++;
		l = strcspn(p, "/");
		if (l == 0)
			break;
		if (n == sizeof(comps) / sizeof(*comps))
			return -ENOENT;
		comps[n] = p;
		lens[n++] = l;
		p += l;
	}

	for (size_t i = n; i-- > 0;) {
		const char *c = comps[i], *id;
		size_t l = lens[i];

		for (size_t u = 0; u < sizeof(units) / sizeof(*units); u++)
			if ((id = hex_between(c, l, units[u].prefix,
					      units[u].suffix)))
				return give(id, 64, units[u].engine, 0, ret_id,
					    ret_engine);
		if (l > 5 && strncmp(c, "runc-", 5) == 0 && l > 11 &&
		    memcmp(c + l - 6, ".scope", 6) == 0 &&
		    policy_container_id(c + 5, l - 11))
			return give(c + 5, l - 11, "runc", 0, ret_id,
				    ret_engine);
		if (l > 12 && strncmp(c, "lxc.payload.", 12) == 0)
			return give(c + 12, l - 12, "lxc", 0, ret_id,
				    ret_engine);
		if (is_hex64(c, l)) {
			const char *engine = "runc";

			if (i > 0 && lens[i - 1] == 6 &&
			    strncmp(comps[i - 1], "docker", 6) == 0)
				engine = "docker";
			else if (strncmp(comps[0], "kubepods", 8) == 0 || i > 0)
				engine = "containerd";
			return give(c, l, engine, 0, ret_id, ret_engine);
		}
	}

	/* Only the shape of runc's "/<id>" or ctr's "/<namespace>/<id>". */
	if (n == 0 || n > 2)
		return -ENOENT;
	for (size_t i = 0; i < n; i++)
		if (systemd_unit(comps[i], lens[i]) ||
		    !policy_container_id(comps[i], lens[i]))
			return -ENOENT;
	return give(comps[n - 1], lens[n - 1], n == 1 ? "runc" : "containerd",
		    1, ret_id, ret_engine);
}

/* The start of process @pid, in seconds since the epoch, or -errno. */
static long long started_at(const char *root, pid_t pid)
{
	char path[64];
	_cleanup_free_ char *stat = NULL, *sys = NULL;
	unsigned long long ticks;
	long long btime = -1;
	const char *p;
	long hz = sysconf(_SC_CLK_TCK);
	int fd, r;

	snprintf(path, sizeof(path), "%d/stat", (int)pid);
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read_file_at(fd, path, true, 4096, &stat, NULL);
	if (r == 0)
		r = read_file_at(fd, "stat", true, 1 << 20, &sys, NULL);
	close(fd);
	if (r < 0)
		return r;
	/* Field 22, counted after the command's closing parenthesis (the
	 * command may hold spaces and parentheses itself). */
	p = strrchr(stat, ')');
	if (!p)
		return -EBADMSG;
	p++;
	/* p + 1 only while p is not the final NUL: a stat that ends at
	 * the ')' made strchr read past it (ASan, found by tests/fuzz). */
	for (int field = 3; field < 22 && p && *p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &ticks) != 1)
		return -EBADMSG;
	for (p = sys; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, "btime ", 6) == 0)
			btime = strtoll(p + 6, NULL, 10);
	if (btime < 0 || hz <= 0)
		return -EBADMSG;
	return btime + (long long)(ticks / (unsigned long long)hz);
}

int audit_pid_cgroup(pid_t pid, char **ret, void *ud)
{
	const struct aa_oci_audit_proc *proc = ud;
	const char *root = proc && proc->root ? proc->root : "/proc";
	_cleanup_free_ char *buf = NULL;
	char path[64];
	const char *v2 = NULL, *v1 = NULL;
	size_t v2len = 0, v1len = 0;
	bool any_v1 = false;
	int fd, r;

	if (pid <= 0)
		return -ENOENT;
	if (proc && proc->started_by > 0) {
		long long t = started_at(root, pid);

		if (t < 0)
			return t == -ENOENT ? -ENOENT : (int)t;
		/* btime is whole seconds: allow for its rounding. */
		if (t > (long long)proc->started_by + 1)
			return -ESRCH;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(path, sizeof(path), "%d/cgroup", (int)pid);
	r = read_file_at(fd, path, true, 64 << 10, &buf, NULL);
	close(fd);
	if (r < 0)
		return r;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n'), *c1, *c2;

		if (nl)
			*nl = '\0';
		c1 = strchr(line, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2) {
			if (strncmp(line, "0::", 3) == 0) {
				v2 = c2 + 1;
				v2len = strlen(v2);
			} else {
				any_v1 = true;
				if (!v1 && c2[1] && !streq(c2 + 1, "/")) {
					v1 = c2 + 1;
					v1len = strlen(v1);
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	/* A hybrid host leaves processes at v2's root; v1 then holds them. */
	if (v2 && v2len && !(any_v1 && streq(v2, "/") && v1))
		*ret = strndup(v2, v2len);
	else if (v1)
		*ret = strndup(v1, v1len);
	else
		return -ENOENT;
	return *ret ? 0 : -ENOMEM;
}

const char *audit_how_name(const struct aa_oci_attribution *a)
{
	if (a->ambiguous)
		return "ambiguous";
	switch (a->how) {
	case AA_OCI_ATTR_LABEL:
		return "label";
	case AA_OCI_ATTR_CGROUP:
		return "cgroup";
	case AA_OCI_ATTR_PROFILE_TIME:
		return "profile-time";
	case AA_OCI_ATTR_NONE:
		break;
	}
	return "none";
}

void audit_attribution_free(struct aa_oci_attribution *a)
{
	free(a->id);
	free(a->candidates);
	*a = (struct aa_oci_attribution){0};
}

/* Equal, or one a prefix of the other of at least 12 characters. */
static bool ids_match(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), m = la < lb ? la : lb;

	if (la == lb)
		return streq(a, b);
	return m >= 12 && strncmp(a, b, m) == 0;
}

/* Is @rec's profile the event's label @label (in namespace @ns)? */
static bool profile_is(const char *rec, const char *label, const char *ns)
{
	size_t n;

	if (!rec)
		return false;
	if (ns) {
		size_t k = strlen(ns);

		/* ":ns:name" or ":ns://name" */
		if (rec[0] != ':' || strncmp(rec + 1, ns, k) != 0 ||
		    rec[k + 1] != ':')
			return false;
		rec += k + 2;
		if (strncmp(rec, "//", 2) == 0)
			rec += 2;
	}
	n = strlen(rec);
	if (strncmp(label, rec, n) != 0)
		return false;
	/* The profile itself, or a child (hat, null profile) of it; a stack
	 * "rec//&other" is not rec alone. */
	return label[n] == '\0' ||
	       (label[n] == '/' && label[n + 1] == '/' && label[n + 2] != '&');
}

static int answer(struct aa_oci_attribution *ret,
		  enum aa_oci_attribution_how how,
		  const struct aa_oci_container *rec, const char *id,
		  const char *engine)
{
	*ret = (struct aa_oci_attribution){
	    .how = how, .rec = rec, .engine = engine};
	ret->id = strdup(rec ? rec->id : id);
	return ret->id ? 0 : -ENOMEM;
}

static int by_cgroup(const struct aa_oci_audit_event *e,
		     const struct aa_oci_container *recs, size_t n,
		     int (*cgroup_of)(pid_t, char **, void *), void *ud,
		     const struct aa_oci_container **ret_rec, char **ret_id,
		     const char **ret_engine)
{
	_cleanup_free_ char *path = NULL, *id = NULL;
	const struct aa_oci_container *exact = NULL, *prefix = NULL;
	size_t n_prefix = 0;
	const char *engine;
	int shape;

	*ret_rec = NULL;
	*ret_id = NULL;
	if (!cgroup_of || e->pid <= 0 || cgroup_of(e->pid, &path, ud) < 0)
		return 0;
	shape = audit_cgroup_container_id(path, &id, &engine);
	if (shape == -ENOMEM)
		return -ENOMEM;
	if (shape < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (streq(recs[i].id, id))
			exact = &recs[i];
		else if (ids_match(recs[i].id, id)) {
			prefix = &recs[i];
			n_prefix++;
		}
	}
	*ret_engine = engine;
	if (exact || n_prefix == 1) {
		*ret_rec = exact ? exact : prefix;
		return 0;
	}
	/* A container of an engine's own pattern that aa-oci has no record
	 * of is still that container; a mere shape is not. */
	if (shape == 0 && n_prefix == 0)
		*ret_id = TAKE_PTR(id);
	return 0;
}

int audit_attribute(const struct aa_oci_audit_event *e,
		    const struct aa_oci_container *recs, size_t n,
		    int (*cgroup_of)(pid_t pid, char **ret, void *ud), void *ud,
		    struct aa_oci_attribution *ret)
{
	const struct aa_oci_container *one = NULL, **cands;
	_cleanup_free_ char *cg_id = NULL;
	const char *label = e->profile, *engine = NULL;
	size_t hits = 0;
	char id12[13];
	/* A copy lives where the wrapper loaded it: the root namespace, or
	 * aa-oci's, where its records are (":NS:NAME--aa-oci-ID"); a copy's
	 * name in any other namespace is not ours. */
	bool copy = label && policy_copy_parse(label, NULL, id12);
	int r;

	*ret = (struct aa_oci_attribution){0};
	if (copy && e->namespace) {
		bool ours = false;

		for (size_t i = 0; i < n && !ours; i++)
			ours = profile_label_in(recs[i].profile,
						e->namespace) != NULL;
		copy = ours;
	}

	/* (a) A per-container copy names its container. */
	if (copy) {
		size_t base = strcspn(label, "/"); /* without a child */

		for (size_t i = 0; i < n; i++) {
			const char *p =
			    profile_label_in(recs[i].profile, e->namespace);

			if (p && strlen(p) == base &&
			    strncmp(p, label, base) == 0) {
				one = &recs[i];
				hits++;
			}
		}
		if (hits != 1) {
			one = NULL;
			hits = 0;
			for (size_t i = 0; i < n; i++)
				if (strlen(id12) == 12
					? strncmp(recs[i].id, id12, 12) == 0
					: streq(recs[i].id, id12)) {
					one = &recs[i];
					hits++;
				}
		}
		if (hits == 1)
			return answer(ret, AA_OCI_ATTR_LABEL, one, NULL, NULL);
	}

	/* (b) The cgroup of its process, while that lives. */
	r = by_cgroup(e, recs, n, cgroup_of, ud, &one, &cg_id, &engine);
	if (r < 0)
		return r;
	if (one || cg_id)
		return answer(ret, AA_OCI_ATTR_CGROUP, one, cg_id, engine);
	if (copy)
		return answer(ret, AA_OCI_ATTR_LABEL, NULL, id12, NULL);

	/* (c) The records of its profile that had started by then. */
	if (label && streq(label, "unconfined") && e->name && e->operation &&
	    (streq(e->operation, "change_onexec") ||
	     streq(e->operation, "change_profile")))
		label = e->name;
	if (!label || streq(label, "unconfined"))
		return 0;
	cands = calloc(n ? n : 1, sizeof(*cands));
	if (!cands)
		return -ENOMEM;
	hits = 0;
	for (size_t i = 0; i < n; i++)
		if (recs[i].since <= e->time &&
		    profile_is(recs[i].profile, label, e->namespace))
			cands[hits++] = &recs[i];
	if (hits == 0) {
		free(cands);
		return 0;
	}
	if (hits == 1) {
		one = cands[0];
		free(cands);
		return answer(ret, AA_OCI_ATTR_PROFILE_TIME, one, NULL, NULL);
	}
	*ret = (struct aa_oci_attribution){.how = AA_OCI_ATTR_PROFILE_TIME,
					   .ambiguous = true,
					   .candidates = cands,
					   .n_candidates = hits};
	return 0;
}
