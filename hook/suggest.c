/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci suggest: audit records -> rules for /etc/apparmor.d/local/NAME.
 *
 * The choices, so that the output can be predicted and reviewed:
 *
 * File permissions: the requested_mask (else denied_mask) letters of every
 * record on one path, merged: r -> r; w, c, d -> w; a -> a only when no w
 * (w covers appending, and the parser refuses "wa"); m -> m; l -> l;
 * k -> k; x -> ix. ix keeps a program the container runs in the
 * container's own profile: px/cx need a profile that may not exist, ux
 * would leave it unconfined. Written in aa-logprof's order: m r w a l k ix.
 *
 * Globbing, per path component, for the parts of a path that change from
 * run to run:
 * - a component of digits only -> [0-9]* (the pid in /proc/1234/status),
 *   spelled with a literal /proc, not @{PROC}: the override may be
 *   included where that variable is not defined;
 * - inside a component, a UUID, or a run of 8 or more hex digits with at
 *   least one digit in it (container ids, hashes) -> *;
 * - inside a component, a run of 5 or more digits (pids, timestamps) ->
 *   [0-9]*;
 * - a mktemp-style random part, 6 or more letters and digits that mix (a
 *   digit and a letter, or two upper and two lower case letters), at the
 *   end after a "." or before a final ".tmp" -> * (tmp.aB3dE9xY2q ->
 *   tmp.*, app.conf.Xy12Zq.tmp -> app.conf.*.tmp), and "tmp" followed by
 *   one -> tmp* (Python's tempfile);
 * - files of one directory that still differ only in digits, or in random
 *   parts anywhere in their name, collapse into one rule (worker-1.sock,
 *   worker-2.sock -> worker-[0-9]*.sock).
 * A glob that would cover a path refused below stays the literal path.
 * Mount points and sources are never globbed: a "*" there could cover
 * /proc or /sys. Glob characters in a name are escaped (\*), and a rule
 * with anything beyond [A-Za-z0-9/._+@-] in a name is quoted.
 *
 * Refused, whatever the log says: change_profile/change_onexec/change_hat,
 * capability mac_admin, mac_override and sys_module, writes to
 * /proc/sysrq-trigger and /sys/kernel/security and below, any access to
 * /proc/kcore, mounts of securityfs, debugfs and tracefs, and mount,
 * remount or umount on anything below /proc/ or /sys/ (where the runtime
 * masks or write-protects host paths: an umount would unmask them).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/audit.h"
#include "aa-oci/config.h"
#include "aa-oci/spawn.h"
#include "aa-oci/suggest.h"
#include "aa-oci/util.h"

/* A growing string; running out of memory is remembered, checked once. */
struct buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		char *ns;

		while (cap < b->len + n + 1)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_putc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

static __attribute__((format(printf, 2, 3))) void
buf_printf(struct buf *b, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	buf_add(b, s, (size_t)n);
	free(s);
}

static void buf_free(struct buf *b)
{
	free(b->s);
	*b = (struct buf){0};
}

/* The text, now the caller's ("" when empty); NULL when out of memory. */
static char *buf_take(struct buf *b)
{
	char *s = b->s;

	if (b->oom) {
		free(s);
		s = NULL;
	} else if (!s) {
		s = strdup("");
	}
	*b = (struct buf){0};
	return s;
}

/* A growing NULL-terminated string list. */
struct list {
	char **v;
	size_t n, cap;
};

/* Append @s, which the list now owns; NULL @s means it could not be made. */
static int list_push(struct list *l, char *s)
{
	if (!s)
		return -ENOMEM;
	if (l->n + 2 > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv) {
			free(s);
			return -ENOMEM;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
	return 0;
}

static void list_clear(struct list *l)
{
	strv_free(l->v);
	*l = (struct list){0};
}

static char **list_take(struct list *l)
{
	char **v = l->v ? l->v : calloc(1, sizeof(char *));

	*l = (struct list){0};
	return v;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Kinds of rule, in the order they are written. */
enum kind {
	K_CAPABILITY,
	K_NETWORK,
	K_SIGNAL,
	K_PTRACE,
	K_UNIX,
	K_MOUNT,
	K_FILE
};

/* File permissions, in the order they are written. */
enum { P_M = 1, P_R = 2, P_W = 4, P_A = 8, P_L = 16, P_K = 32, P_X = 64 };
#define P_WRITE (P_W | P_A | P_L)
#define P_ANY (P_M | P_R | P_W | P_A | P_L | P_K | P_X)

/*
 * What one record asks for. Records of one rule share kind, key and key2;
 * they merge their @sub (signal, ptrace or unix permission names) and
 * @perms (file permissions).
 */
struct item {
	enum kind kind;
	char *key;   /* file: the glob; other kinds: see render() */
	char *key2;  /* signal: the peer clause; "" otherwise */
	char *sub;   /* one signal, ptrace or unix permission; "" otherwise */
	char *loose; /* file: the glob its siblings collapse into */
	unsigned perms;
};

struct items {
	struct item *v;
	size_t n, cap;
};

static void item_free(struct item *x)
{
	free(x->key);
	free(x->key2);
	free(x->sub);
	free(x->loose);
}

static void items_clear(struct items *it)
{
	for (size_t i = 0; i < it->n; i++)
		item_free(&it->v[i]);
	free(it->v);
	*it = (struct items){0};
}

static int add_item(struct items *it, enum kind kind, const char *key,
		    const char *key2, const char *sub, const char *loose,
		    unsigned perms)
{
	struct item x = {kind,
			 strdup(key),
			 strdup(key2),
			 strdup(sub),
			 strdup(loose ? loose : key),
			 perms};

	if (!x.key || !x.key2 || !x.sub || !x.loose) {
		item_free(&x);
		return -ENOMEM;
	}
	if (it->n == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 32;
		struct item *nv = realloc(it->v, cap * sizeof(*nv));

		if (!nv) {
			item_free(&x);
			return -ENOMEM;
		}
		it->v = nv;
		it->cap = cap;
	}
	it->v[it->n++] = x;
	return 0;
}

static bool same_rule(const struct item *x, const struct item *y)
{
	return x->kind == y->kind && streq(x->key, y->key) &&
	       streq(x->key2, y->key2);
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int r;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if ((r = strcmp(x->key, y->key)) != 0)
		return r;
	if ((r = strcmp(x->key2, y->key2)) != 0)
		return r;
	return strcmp(x->sub, y->sub);
}

/* Sort, and merge items that are the same but for their file perms. */
static void items_merge(struct items *it)
{
	size_t j = 0;

	if (it->n > 1)
		qsort(it->v, it->n, sizeof(*it->v), item_cmp);
	for (size_t i = 0; i < it->n; i++) {
		if (j > 0 && item_cmp(&it->v[j - 1], &it->v[i]) == 0) {
			it->v[j - 1].perms |= it->v[i].perms;
			item_free(&it->v[i]);
			continue;
		}
		it->v[j++] = it->v[i];
	}
	it->n = j;
}

/* ASCII classes, whatever the locale. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_alnum(char c)
{
	return is_digit(c) || is_lower(c) || is_upper(c);
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* An audit field: absent when NULL or "". */
static const char *field(const char *s)
{
	return s && *s ? s : NULL;
}

/* No control characters, and no longer than a path may be. */
static bool printable(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || ++n > PATH_MAX)
			return false;
	return true;
}

/* A keyword from the kernel: lower case letters, digits and @extra. */
static bool is_word(const char *s, const char *extra)
{
	size_t n = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++)
		if ((!is_lower(*s) && !is_digit(*s) && !strchr(extra, *s)) ||
		    ++n > 64)
			return false;
	return true;
}

/* Absolute, printable, with no empty, "." or ".." component. */
static bool canonical_path(const char *p)
{
	if (!p || p[0] != '/' || !printable(p))
		return false;
	for (const char *c = p + 1; *c;) {
		const char *e = strchrnul(c, '/');
		size_t n = (size_t)(e - c);

		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c = *e ? e + 1 : e;
	}
	return true;
}

/* One character of a name, escaped when AppArmor would read it as a glob. */
static void put_literal(struct buf *b, char c)
{
	if (strchr("*?[]{}^\\\"", c))
		buf_putc(b, '\\');
	buf_putc(b, c);
}

static char *literal(const char *s)
{
	struct buf b = {0};

	for (; *s; s++)
		put_literal(&b, *s);
	return buf_take(&b);
}

/* A name (glob or literal) as rule text: quoted unless plainly safe. */
static void put_name(struct buf *b, const char *s, bool force_quote)
{
	bool quote = force_quote || !*s;

	for (const char *p = s; *p && !quote; p++)
		if (!is_alnum(*p) && !strchr("/._+@-*[]", *p))
			quote = true;
	if (quote)
		buf_putc(b, '"');
	buf_puts(b, s);
	if (quote)
		buf_putc(b, '"');
}

/* 8-4-4-4-12 hex digits, not followed by a letter or digit. */
static bool uuid_at(const char *s, size_t n)
{
	static const char pat[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (n < sizeof(pat) - 1)
		return false;
	for (size_t i = 0; i < sizeof(pat) - 1; i++)
		if (pat[i] == '-' ? s[i] != '-' : !is_hex(s[i]))
			return false;
	return n == sizeof(pat) - 1 || !is_alnum(s[sizeof(pat) - 1]);
}

/* mktemp-style: 6 or more letters and digits that mix. */
static bool random_part(const char *s, size_t n)
{
	size_t digit = 0, lower = 0, upper = 0;

	for (size_t i = 0; i < n; i++) {
		digit += is_digit(s[i]);
		lower += is_lower(s[i]);
		upper += is_upper(s[i]);
	}
	return n >= 6 &&
	       ((digit && (lower || upper)) || (upper >= 2 && lower >= 2));
}

/* One run of letters and digits, c[i..j), of the component c[0..len). */
static void glob_token(struct buf *b, const char *c, size_t len, size_t i,
		       size_t j, bool loose)
{
	const char *t = c + i;
	size_t n = j - i, digit = 0, hex = 0;
	bool mktemp_end =
	    i > 0 && c[i - 1] == '.' &&
	    (j == len || (len - j == 4 && memcmp(c + j, ".tmp", 4) == 0));

	for (size_t k = 0; k < n; k++) {
		digit += is_digit(t[k]);
		hex += is_hex(t[k]);
	}
	if (digit == n && (n >= 5 || loose)) {
		buf_puts(b, "[0-9]*");
	} else if (hex == n && n >= 8 && digit) {
		buf_putc(b, '*');
	} else if (random_part(t, n) && mktemp_end) {
		buf_putc(b, '*');
	} else if (n >= 9 && memcmp(t, "tmp", 3) == 0 &&
		   random_part(t + 3, n - 3)) {
		buf_puts(b, "tmp*");
	} else if (random_part(t, n) && loose) {
		buf_putc(b, '*');
	} else if (loose && digit) {
		for (size_t k = 0; k < n; k++) {
			if (!is_digit(t[k]))
				buf_putc(b, t[k]);
			else if (k == 0 || !is_digit(t[k - 1]))
				buf_puts(b, "[0-9]*");
		}
	} else {
		buf_add(b, t, n);
	}
}

static void glob_component(struct buf *b, const char *c, size_t len, bool loose)
{
	size_t i, j, digit = 0;

	for (i = 0; i < len; i++)
		digit += is_digit(c[i]);
	if (len > 0 && digit == len) {
		buf_puts(b, "[0-9]*");
		return;
	}
	for (i = 0; i < len; i = j) {
		if (!is_alnum(c[i])) {
			put_literal(b, c[i]);
			j = i + 1;
		} else if (uuid_at(c + i, len - i)) {
			buf_putc(b, '*');
			j = i + 36;
		} else {
			for (j = i; j < len && is_alnum(c[j]); j++)
				;
			glob_token(b, c, len, i, j, loose);
		}
	}
}

/* The glob for canonical @path; @loose: also what siblings may differ in. */
static char *glob_path(const char *path, bool loose)
{
	struct buf b = {0};

	buf_putc(&b, '/');
	for (const char *c = path + 1; *c;) {
		const char *e = strchrnul(c, '/');
		bool last = !*e || !e[1];

		glob_component(&b, c, (size_t)(e - c), loose && last);
		if (*e)
			buf_putc(&b, '/');
		c = *e ? e + 1 : e;
	}
	return buf_take(&b);
}

#define NEVER "never suggested: "

/* What a local override must never grant, whatever a log says. */
static const struct {
	const char *path;
	bool subtree;	/* and everything below it */
	unsigned perms; /* the permissions that are refused */
	const char *why;
} never_paths[] = {
    {"/proc/sysrq-trigger", false, P_WRITE,
     NEVER "writing it can crash or reboot the host"},
    {"/proc/kcore", false, P_ANY, NEVER "it is the host kernel's memory"},
    {"/sys/kernel/security", true, P_WRITE,
     NEVER "it is the host's security policy interface (securityfs)"},
};

/* Why a rule for @glob with @perms must not be written; NULL when fine. */
static const char *never_path(const char *glob, unsigned perms)
{
	for (size_t i = 0; i < sizeof(never_paths) / sizeof(*never_paths);
	     i++) {
		const char *p = never_paths[i].path, *g = glob;
		size_t slashes = 0;
		char *prefix;
		int m;

		if (!(perms & never_paths[i].perms))
			continue;
		if (!never_paths[i].subtree) {
			if (fnmatch(glob, p, FNM_PATHNAME) == 0)
				return never_paths[i].why;
			continue;
		}
		/* The glob's first components, as many as the path has. */
		for (const char *q = p; *q; q++)
			slashes += *q == '/';
		for (size_t seen = 0; *g; g++)
			if (*g == '/' && ++seen > slashes)
				break;
		prefix = strndup(glob, (size_t)(g - glob));
		if (!prefix) /* fail closed */
			return "not suggested: out of memory";
		m = fnmatch(prefix, p, FNM_PATHNAME);
		free(prefix);
		if (m == 0)
			return never_paths[i].why;
	}
	return NULL;
}

static unsigned file_perms(const char *mask)
{
	unsigned p = 0;

	for (; mask && *mask; mask++) {
		switch (*mask) {
		case 'r':
			p |= P_R;
			break;
		case 'w':
		case 'c':
		case 'd':
			p |= P_W;
			break;
		case 'a':
			p |= P_A;
			break;
		case 'x':
			p |= P_X;
			break;
		case 'm':
			p |= P_M;
			break;
		case 'l':
			p |= P_L;
			break;
		case 'k':
			p |= P_K;
			break;
		default:
			break; /* "::" of the old owner/other form, unknowns */
		}
	}
	return p;
}

static void put_perms(struct buf *b, unsigned p)
{
	if (p & P_M)
		buf_putc(b, 'm');
	if (p & P_R)
		buf_putc(b, 'r');
	if (p & P_W)
		buf_putc(b, 'w');
	else if (p & P_A)
		buf_putc(b, 'a');
	if (p & P_L)
		buf_putc(b, 'l');
	if (p & P_K)
		buf_putc(b, 'k');
	if (p & P_X)
		buf_puts(b, "ix");
}

/* Record "WHAT: why" in @refused; WHAT shown with '?' for control bytes. */
static __attribute__((format(printf, 3, 4))) int
refuse(struct list *refused, const char *why, const char *fmt, ...)
{
	_cleanup_free_ char *what = NULL;
	struct buf b = {0};
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n < 0) {
		what = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; what[i] && i < 300; i++)
		buf_putc(&b, ((unsigned char)what[i] < 0x20 || what[i] == 0x7f)
				 ? '?'
				 : what[i]);
	if (n > 300)
		buf_puts(&b, "...");
	buf_printf(&b, ": %s", why);
	return list_push(refused, buf_take(&b));
}

static const char *shown(const char *s)
{
	return s ? s : "(none)";
}

/* The mask words of a record, as a list of the ones in @known. */
static int mask_words(const struct aa_oci_suggest_event *e,
		      const char *const *known, struct list *ret)
{
	const char *mask = field(e->requested_mask);

	if (!mask)
		mask = field(e->denied_mask);
	for (const char *p = mask; p && *p;) {
		size_t n = strcspn(p, " ,");

		for (size_t k = 0; n && known[k]; k++)
			if (strlen(known[k]) == n &&
			    memcmp(known[k], p, n) == 0 &&
			    list_push(ret, strdup(known[k])) < 0)
				return -ENOMEM;
		p += n;
		p += strspn(p, " ,");
	}
	return 0;
}

static int on_file(const struct aa_oci_suggest_event *e, const char *op,
		   struct items *it, struct list *refused)
{
	const char *mask = field(e->requested_mask);
	_cleanup_free_ char *lit = NULL, *strict = NULL, *loose = NULL;
	_cleanup_(buf_free) struct buf ps = {0};
	const char *why;
	unsigned perms;

	if (!mask)
		mask = field(e->denied_mask);
	perms = file_perms(mask);
	if (!canonical_path(e->name))
		return refuse(refused, "not an absolute, canonical path",
			      "%s %s", op, shown(e->name));
	if (!perms)
		return refuse(refused, "no file permission in the record",
			      "%s %s", op, e->name);
	lit = literal(e->name);
	strict = glob_path(e->name, false);
	loose = glob_path(e->name, true);
	put_perms(&ps, perms);
	if (!lit || !strict || !loose || ps.oom)
		return -ENOMEM;
	why = never_path(lit, perms);
	if (why)
		return refuse(refused, why, "%s %s", e->name, ps.s);
	if (never_path(strict, perms)) {
		free(strict);
		strict = strdup(lit);
	}
	if (strict && never_path(loose, perms)) {
		free(loose);
		loose = strdup(strict);
	}
	if (!strict || !loose)
		return -ENOMEM;
	return add_item(it, K_FILE, strict, "", "", loose, perms);
}

static const struct {
	const char *name, *why;
} never_caps[] = {
    {"mac_admin", NEVER "it lets the container change AppArmor policy"},
    {"mac_override", NEVER "it lets the container bypass AppArmor"},
    {"sys_module", NEVER "it lets the container load kernel modules"},
};

static int on_capability(const struct aa_oci_suggest_event *e, struct items *it,
			 struct list *refused)
{
	const char *cap = field(e->capname);

	if (!is_word(cap, "_"))
		return refuse(refused, "malformed capability name",
			      "capability %s", shown(cap));
	for (size_t i = 0; i < sizeof(never_caps) / sizeof(*never_caps); i++)
		if (streq(cap, never_caps[i].name))
			return refuse(refused, never_caps[i].why,
				      "capability %s", cap);
	return add_item(it, K_CAPABILITY, cap, "", "", NULL, 0);
}

static int on_unix(const struct aa_oci_suggest_event *e, struct items *it,
		   struct list *refused)
{
	static const char *const known[] = {
	    "accept", "bind",	  "connect", "create", "getattr",
	    "getopt", "listen",	  "receive", "send",   "setattr",
	    "setopt", "shutdown", NULL,
	};
	const char *type = field(e->sock_type), *addr = field(e->peer_addr);
	_cleanup_(list_clear) struct list perms = {0};
	_cleanup_(buf_free) struct buf key = {0};
	_cleanup_free_ char *lit = NULL;

	if (addr && streq(addr, "none"))
		addr = NULL;
	if ((type && !is_word(type, "_")) || (addr && !printable(addr)))
		return refuse(refused, "malformed unix socket record",
			      "unix type=%s addr=%s", shown(type), shown(addr));
	if (mask_words(e, known, &perms) < 0)
		return -ENOMEM;
	if (perms.n == 0)
		return refuse(refused,
			      "no unix socket permission in the record",
			      "unix %s", shown(field(e->requested_mask)));
	if (type)
		buf_printf(&key, " type=%s", type);
	if (addr) {
		lit = literal(addr);
		if (!lit)
			return -ENOMEM;
		buf_puts(&key, " peer=(addr=");
		put_name(&key, lit, true);
		buf_putc(&key, ')');
	}
	if (key.oom)
		return -ENOMEM;
	for (size_t i = 0; i < perms.n; i++)
		if (add_item(it, K_UNIX, key.s ? key.s : "", "", perms.v[i],
			     NULL, 0) < 0)
			return -ENOMEM;
	return 0;
}

static const char *protocol_name(const char *p)
{
	if (!p)
		return NULL;
	if (streq(p, "6") || streq(p, "tcp"))
		return "tcp";
	if (streq(p, "17") || streq(p, "udp"))
		return "udp";
	if (streq(p, "1") || streq(p, "icmp"))
		return "icmp";
	return NULL;
}

static int on_network(const struct aa_oci_suggest_event *e, struct items *it,
		      struct list *refused)
{
	const char *family = field(e->family), *type = field(e->sock_type);
	const char *proto = protocol_name(field(e->protocol));
	_cleanup_free_ char *key = NULL;

	if (!is_word(family, "_") || (type && !is_word(type, "_")))
		return refuse(refused, "malformed network record",
			      "network %s %s", shown(family), shown(type));
	if (streq(family, "unix"))
		return on_unix(e, it, refused);
	if (type)
		proto = type;
	if (asprintf(&key, "%s%s%s", family, proto ? " " : "",
		     proto ? proto : "") < 0) {
		key = NULL;
		return -ENOMEM;
	}
	return add_item(it, K_NETWORK, key, "", "", NULL, 0);
}

/* " peer=LABEL", or "" for a record without a peer. */
static char *peer_clause(const char *peer)
{
	_cleanup_free_ char *lit = NULL;
	struct buf b = {0};

	if (!peer)
		return strdup("");
	lit = literal(peer);
	if (!lit)
		return NULL;
	buf_puts(&b, " peer=");
	put_name(&b, lit, false);
	return buf_take(&b);
}

static int on_signal_or_ptrace(const struct aa_oci_suggest_event *e,
			       bool signal, struct items *it,
			       struct list *refused)
{
	static const char *const dirs[] = {"receive", "send", NULL};
	static const char *const ptrace[] = {"read", "readby", "trace",
					     "tracedby", NULL};
	const char *sig = field(e->signal), *peer = field(e->peer);
	_cleanup_(list_clear) struct list perms = {0};
	_cleanup_free_ char *clause = NULL;

	if (signal && !is_word(sig, "+_"))
		return refuse(refused, "malformed signal name", "signal %s",
			      shown(sig));
	if (peer && !printable(peer))
		return refuse(refused, "malformed peer", "%s peer=%s",
			      signal ? "signal" : "ptrace", peer);
	if (mask_words(e, signal ? dirs : ptrace, &perms) < 0)
		return -ENOMEM;
	if (perms.n == 0)
		return refuse(refused, "no permission in the record", "%s %s",
			      signal ? "signal" : "ptrace",
			      shown(field(e->requested_mask)));
	clause = peer_clause(peer);
	if (!clause)
		return -ENOMEM;
	for (size_t i = 0; i < perms.n; i++) {
		int r = signal ? add_item(it, K_SIGNAL, perms.v[i], clause, sig,
					  NULL, 0)
			       : add_item(it, K_PTRACE, clause, "", perms.v[i],
					  NULL, 0);

		if (r < 0)
			return r;
	}
	return 0;
}

static const struct {
	const char *fstype, *why;
} never_fs[] = {
    {"securityfs", NEVER "it is the host's security policy interface"},
    {"debugfs", NEVER "it exposes the host kernel's internals"},
    {"tracefs", NEVER "it exposes the host kernel's tracing"},
};

/* Mount options: "rw, nosuid" from the record's flags, or NULL. */
static int mount_options(const char *flags, char **ret)
{
	struct buf b = {0};

	*ret = NULL;
	for (const char *p = flags; p && *p;) {
		size_t n = strcspn(p, " ,");
		_cleanup_free_ char *w = strndup(p, n);

		if (!w) {
			buf_free(&b);
			return -ENOMEM;
		}
		if (n && !is_word(w, "_")) {
			buf_free(&b);
			return -EINVAL;
		}
		if (n)
			buf_printf(&b, "%s%s", b.len ? ", " : "", w);
		p += n;
		p += strspn(p, " ,");
	}
	if (b.len == 0)
		return 0;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

static int on_mount(const struct aa_oci_suggest_event *e, const char *op,
		    struct items *it, struct list *refused)
{
	const char *target = e->name, *fstype = field(e->fstype);
	const char *src = field(e->name2), *why;
	_cleanup_free_ char *opts = NULL, *lt = NULL, *ls = NULL;
	_cleanup_(buf_free) struct buf key = {0};
	int r;

	if (!canonical_path(target))
		return refuse(refused, "no absolute, canonical mount point",
			      "%s %s", op, shown(target));
	if (src && src[0] != '/')
		src = NULL; /* "proc", "tmpfs", "none": no path to name */
	r = mount_options(field(e->flags), &opts);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || (fstype && !is_word(fstype, "._-")) ||
	    (src && !canonical_path(src)))
		return refuse(refused, "malformed mount record",
			      "%s %s flags=%s fstype=%s", op, target,
			      shown(field(e->flags)), shown(fstype));
	for (size_t i = 0; fstype && i < sizeof(never_fs) / sizeof(*never_fs);
	     i++)
		if (streq(fstype, never_fs[i].fstype))
			return refuse(refused, never_fs[i].why,
				      "%s fstype=%s -> %s", op, fstype, target);
	if ((strncmp(target, "/proc/", 6) == 0 && target[6]) ||
	    (strncmp(target, "/sys/", 5) == 0 && target[5]))
		return refuse(refused,
			      NEVER "the runtime masks or write-protects "
				    "host paths there, a mount change "
				    "unmasks them",
			      "%s %s", op, target);
	lt = literal(target);
	ls = src ? literal(src) : NULL;
	if (!lt || (src && !ls))
		return -ENOMEM;
	if (ls && (why = never_path(ls, P_ANY)) != NULL)
		return refuse(refused, why, "%s %s -> %s", op, src, target);
	buf_puts(&key, op);
	if (opts && !streq(op, "umount"))
		buf_printf(&key, " options=(%s)", opts);
	if (streq(op, "mount")) {
		if (fstype)
			buf_printf(&key, " fstype=%s", fstype);
		if (ls) {
			buf_putc(&key, ' ');
			put_name(&key, ls, false);
		}
		buf_puts(&key, " ->");
	}
	buf_putc(&key, ' ');
	put_name(&key, lt, false);
	if (key.oom)
		return -ENOMEM;
	return add_item(it, K_MOUNT, key.s, "", "", NULL, 0);
}

static int suggest_one(const struct aa_oci_suggest_event *e, struct items *it,
		       struct list *refused)
{
	const char *op = field(e->operation);

	if (op && !printable(op))
		return refuse(refused, "malformed operation", "%s", op);
	if (op && (streq(op, "change_profile") || streq(op, "change_onexec") ||
		   streq(op, "change_hat")))
		return refuse(refused,
			      NEVER "a local override must not let the "
				    "container change its own confinement",
			      "%s %s", op, shown(field(e->name)));
	if ((op && streq(op, "capable")) || field(e->capname))
		return on_capability(e, it, refused);
	if (op && streq(op, "signal"))
		return on_signal_or_ptrace(e, true, it, refused);
	if (op && streq(op, "ptrace"))
		return on_signal_or_ptrace(e, false, it, refused);
	if (op &&
	    (streq(op, "mount") || streq(op, "remount") || streq(op, "umount")))
		return on_mount(e, op, it, refused);
	if (field(e->family))
		return on_network(e, it, refused);
	if (op && streq(op, "pivotroot"))
		return refuse(refused,
			      "not suggested: write a pivot_root rule by hand",
			      "%s %s", op, shown(field(e->name)));
	if (field(e->name))
		return on_file(e, op ? op : "file", it, refused);
	return refuse(refused, "not understood: no rule is suggested for it",
		      "operation %s", shown(op));
}

static int loose_cmp(const void *a, const void *b)
{
	const struct item *x = *(struct item *const *)a;
	const struct item *y = *(struct item *const *)b;

	return strcmp(x->loose, y->loose);
}

/* Sibling files that differ only in their varying parts: one rule. */
static int collapse_siblings(struct items *it)
{
	_cleanup_free_ struct item **f = calloc(it->n + 1, sizeof(*f));
	size_t nf = 0;

	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < it->n; i++)
		if (it->v[i].kind == K_FILE)
			f[nf++] = &it->v[i];
	if (nf > 1)
		qsort(f, nf, sizeof(*f), loose_cmp);
	for (size_t i = 0, j; i < nf; i = j) {
		unsigned perms = 0;

		for (j = i; j < nf && streq(f[j]->loose, f[i]->loose); j++)
			perms |= f[j]->perms;
		/* Merged items have distinct keys: two or more differ. */
		if (j - i < 2 || never_path(f[i]->loose, perms))
			continue;
		for (size_t k = i; k < j; k++) {
			char *s = strdup(f[k]->loose);

			if (!s)
				return -ENOMEM;
			free(f[k]->key);
			f[k]->key = s;
		}
	}
	items_merge(it);
	return 0;
}

static int render(const struct items *it, struct list *out)
{
	for (size_t i = 0, j; i < it->n; i = j) {
		const struct item *x = &it->v[i];
		_cleanup_(buf_free) struct buf subs = {0};
		struct buf line = {0};
		unsigned perms = 0;

		for (j = i; j < it->n && same_rule(x, &it->v[j]); j++) {
			if (*it->v[j].sub)
				buf_printf(&subs, "%s%s", subs.len ? ", " : "",
					   it->v[j].sub);
			perms |= it->v[j].perms;
		}
		if (subs.oom)
			return -ENOMEM;
		switch (x->kind) {
		case K_CAPABILITY:
			buf_printf(&line, "  capability %s,", x->key);
			break;
		case K_NETWORK:
			buf_printf(&line, "  network %s,", x->key);
			break;
		case K_SIGNAL:
			buf_printf(&line, "  signal (%s) set=(%s)%s,", x->key,
				   subs.s ? subs.s : "", x->key2);
			break;
		case K_PTRACE:
			buf_printf(&line, "  ptrace (%s)%s,",
				   subs.s ? subs.s : "", x->key);
			break;
		case K_UNIX:
			buf_printf(&line, "  unix (%s)%s,",
				   subs.s ? subs.s : "", x->key);
			break;
		case K_MOUNT:
			buf_printf(&line, "  %s,", x->key);
			break;
		case K_FILE:
			buf_puts(&line, "  ");
			put_name(&line, x->key, false);
			buf_putc(&line, ' ');
			put_perms(&line, perms);
			buf_putc(&line, ',');
			break;
		}
		if (list_push(out, buf_take(&line)) < 0)
			return -ENOMEM;
	}
	return 0;
}

int suggest_rules(const struct aa_oci_suggest_event *ev, size_t n,
		  char ***ret_rules, char ***ret_refused)
{
	_cleanup_(items_clear) struct items it = {0};
	_cleanup_(list_clear) struct list rules = {0}, refused = {0};
	size_t j = 0;
	int r;

	if (!ret_rules || (n && !ev))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		r = suggest_one(&ev[i], &it, &refused);
		if (r < 0)
			return r;
	}
	items_merge(&it);
	r = collapse_siblings(&it);
	if (r == 0)
		r = render(&it, &rules);
	if (r < 0)
		return r;
	if (refused.n > 1)
		qsort(refused.v, refused.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < refused.n; i++) {
		if (j > 0 && streq(refused.v[j - 1], refused.v[i]))
			free(refused.v[i]);
		else
			refused.v[j++] = refused.v[i];
	}
	if (refused.v)
		refused.v[j] = NULL;
	refused.n = j;

	*ret_rules = list_take(&rules);
	if (!*ret_rules)
		return -ENOMEM;
	if (ret_refused) {
		*ret_refused = list_take(&refused);
		if (!*ret_refused) {
			strv_free(*ret_rules);
			*ret_rules = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

/* @s[0..*n) without surrounding white space. */
static void trim(const char **s, size_t *n)
{
	while (*n && strchr(" \t\r\f\v", **s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && strchr(" \t\r\f\v", (*s)[*n - 1]))
		(*n)--;
}

static bool has_line(const char *text, const char *s, size_t n)
{
	for (const char *l = text; *l;) {
		const char *e = strchrnul(l, '\n');
		size_t ln = (size_t)(e - l);

		trim(&l, &ln);
		if (ln == n && memcmp(l, s, n) == 0)
			return true;
		l = *e ? e + 1 : e;
	}
	return false;
}

/* The @rules not yet in @text, each once, in order (pointers into @rules). */
static int pending(const char *text, char *const *rules, const char ***ret,
		   size_t *ret_n)
{
	_cleanup_free_ const char **v = NULL;
	size_t n = 0, k = 0;

	while (rules[n])
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *s = rules[i];
		size_t len = strlen(s);
		bool seen = false;

		if (strchr(s, '\n'))
			return -EINVAL;
		trim(&s, &len);
		if (!len || has_line(text, s, len))
			continue;
		for (size_t q = 0; q < k && !seen; q++) {
			const char *t = v[q];
			size_t tl = strlen(t);

			trim(&t, &tl);
			seen = tl == len && memcmp(t, s, len) == 0;
		}
		if (!seen)
			v[k++] = rules[i];
	}
	*ret = TAKE_PTR(v);
	*ret_n = k;
	return 0;
}

/* The override's text ("" when it does not exist) and its status. */
static int read_local(int dirfd, const char *path, const char *name,
		      char **ret_text, size_t *ret_len, struct stat *ret_st,
		      bool *ret_exists, struct aa_oci_err *err)
{
	int r;

	if (fstatat(dirfd, path, ret_st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = -errno;
		if (r != -ENOENT)
			return err_set(err, r, "cannot read %s: %s", name,
				       strerror(-r));
		*ret_text = strdup("");
		*ret_len = 0;
		*ret_exists = false;
		return *ret_text ? 0 : -ENOMEM;
	}
	if (S_ISLNK(ret_st->st_mode))
		return err_set(err, -ELOOP,
			       "%s is a symbolic link; edit the file it points "
			       "to, or replace the link by a file",
			       name);
	if (!S_ISREG(ret_st->st_mode))
		return err_set(err, -EINVAL, "%s is not a regular file", name);
	r = read_file_at(dirfd, path, true, AA_OCI_PROFILE_FILE_MAX, ret_text,
			 ret_len);
	if (r == -E2BIG)
		return err_set(err, r, "%s is larger than %u bytes", name,
			       AA_OCI_PROFILE_FILE_MAX);
	if (r < 0)
		return err_set(err, r, "cannot read %s: %s", name,
			       strerror(-r));
	*ret_exists = true;
	return 0;
}

static size_t count_lines(const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n + (len && text[len - 1] != '\n');
}

int suggest_diff(const char *local_path, char *const *rules, char **ret_diff,
		 struct aa_oci_err *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ const char **add = NULL;
	_cleanup_(buf_free) struct buf b = {0};
	size_t len, k, lines;
	struct stat st;
	bool exists;
	int r;

	if (!local_path || !*local_path || !rules || !ret_diff)
		return err_set(err, -EINVAL, "suggest_diff: missing argument");
	r = read_local(AT_FDCWD, local_path, local_path, &text, &len, &st,
		       &exists, err);
	if (r < 0)
		return r;
	r = pending(text, rules, &add, &k);
	if (r == -EINVAL)
		return err_set(err, r, "a rule for %s spans lines", local_path);
	if (r < 0)
		return r;
	if (k == 0) {
		*ret_diff = strdup("");
		return *ret_diff ? 0 : -ENOMEM;
	}
	lines = count_lines(text, len);
	buf_printf(&b, "--- %s\n+++ %s\n@@ -%zu,0 +%zu",
		   exists ? local_path : "/dev/null", local_path, lines,
		   lines + 1);
	if (k > 1)
		buf_printf(&b, ",%zu", k);
	buf_puts(&b, " @@\n");
	for (size_t i = 0; i < k; i++)
		buf_printf(&b, "+%s\n", add[i]);
	*ret_diff = buf_take(&b);
	return *ret_diff ? 0 : -ENOMEM;
}

/* A file or directory without write bits was made read-only on purpose:
 * refused even for root, who could write it anyway. */
static int check_writable(int dirfd, const char *path, const struct stat *st,
			  const char *name, struct aa_oci_err *err)
{
	int r;

	if ((st->st_mode & 0222) == 0)
		return err_set(err, -EACCES,
			       "%s is read-only (mode %04o); make it writable "
			       "or add the rules by hand",
			       name, (unsigned)(st->st_mode & 07777));
	if (faccessat(dirfd, path, W_OK, AT_EACCESS) < 0) {
		r = -errno;
		return err_set(err, r, "cannot write %s: %s", name,
			       strerror(-r));
	}
	return 0;
}

static bool mentions_error(const char *s, size_t n)
{
	for (size_t i = 0; i + 5 <= n; i++)
		if (strncasecmp(s + i, "error", 5) == 0)
			return true;
	return false;
}

/* The parser's first line that reports an error, else its first line. */
static void parser_line(const char *out, char *buf, size_t size)
{
	const char *pick = NULL;
	size_t n = 0, j = 0;

	for (const char *l = out; *l && !pick;) {
		const char *e = strchrnul(l, '\n');
		size_t ln = (size_t)(e - l);

		trim(&l, &ln);
		if (mentions_error(l, ln)) {
			pick = l;
			n = ln;
		}
		l = *e ? e + 1 : e;
	}
	if (!pick) {
		pick = out;
		n = strcspn(out, "\n");
		trim(&pick, &n);
	}
	for (size_t i = 0; i < n && j + 1 < size; i++)
		buf[j++] = ((unsigned char)pick[i] < 0x20 || pick[i] == 0x7f)
			       ? '?'
			       : pick[i];
	buf[j] = '\0';
}

static int parser_check(const char *parser, const char *profile_path,
			struct aa_oci_err *err)
{
	const char *argv[] = {
	    parser, "--skip-kernel-load", "--skip-cache", "--quiet",
	    "-o",   "/dev/null",	  profile_path,	  NULL};
	struct aa_oci_spawn_result res;
	char line[600];
	int prio, r;

	errno = 0;
	prio = getpriority(PRIO_PROCESS, 0);
	if (errno)
		prio = 0;
	r = spawn_run(argv, AA_OCI_PARSER_TIMEOUT_MS, prio, &res);
	if (r == -ENOENT)
		return err_set(err, r,
			       "apparmor parser %s not found (install the "
			       "apparmor package)",
			       parser);
	if (r < 0)
		return err_set(err, r, "cannot run %s: %s", parser,
			       strerror(-r));
	if (res.timed_out)
		return err_set(err, -ETIMEDOUT,
			       "%s did not finish within %d ms on %s", parser,
			       AA_OCI_PARSER_TIMEOUT_MS, profile_path);
	if (res.status != 0) {
		parser_line(res.errout, line, sizeof(line));
		return err_set(err, -EBADMSG,
			       "%s refuses %s with the new rules (exit %d): %s",
			       parser, profile_path, res.status,
			       line[0] ? line : "no message");
	}
	return 0;
}

int suggest_write(const char *local_path, char *const *rules,
		  const char *parser, const char *profile_path,
		  size_t *ret_added, struct aa_oci_err *err)
{
	_cleanup_free_ char *dir = NULL, *text = NULL;
	_cleanup_free_ const char **add = NULL;
	_cleanup_(buf_free) struct buf content = {0};
	_cleanup_close_ int dfd = -1;
	struct stat st, dst,
	    fresh = {.st_uid = (uid_t)-1,
		     .st_gid = (gid_t)-1,
		     .st_mode = S_IFREG | 0644};
	struct aa_oci_err perr = {0};
	const char *slash, *base;
	bool exists, made_dir = false;
	size_t len, k;
	int r, q;

	if (!local_path || !rules || !parser || !profile_path)
		return err_set(err, -EINVAL, "suggest_write: missing argument");
	if (parser[0] != '/')
		return err_set(
		    err, -EINVAL,
		    "the apparmor parser must be an absolute path, not \"%s\"",
		    parser);
	slash = strrchr(local_path, '/');
	base = slash ? slash + 1 : local_path;
	dir = !slash ? strdup(".")
	      : slash == local_path
		  ? strdup("/")
		  : strndup(local_path, (size_t)(slash - local_path));
	if (!dir)
		return -ENOMEM;
	if (!*base || streq(base, ".") || streq(base, ".."))
		return err_set(err, -EINVAL, "%s does not name a file",
			       local_path);

	if (stat(dir, &dst) < 0) {
		r = -errno;
		if (r != -ENOENT)
			return err_set(err, r, "cannot use %s: %s", dir,
				       strerror(-r));
		if (mkdir(dir, 0755) < 0) {
			r = -errno;
			return err_set(err, r, "cannot create %s: %s", dir,
				       strerror(-r));
		}
		made_dir = true;
		/* 0755 whatever the umask: the parser reads it as root. */
		if (chmod(dir, 0755) < 0 || stat(dir, &dst) < 0) {
			r = -errno;
			rmdir(dir);
			return err_set(err, r, "cannot create %s: %s", dir,
				       strerror(-r));
		}
	}
	if (!S_ISDIR(dst.st_mode))
		return err_set(err, -ENOTDIR, "%s is not a directory", dir);
	r = check_writable(AT_FDCWD, dir, &dst, dir, err);
	if (r < 0)
		goto undo_dir;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		err_set(err, r, "cannot open %s: %s", dir, strerror(-r));
		goto undo_dir;
	}
	r = read_local(dfd, base, local_path, &text, &len, &st, &exists, err);
	if (r == 0 && exists)
		r = check_writable(dfd, base, &st, local_path, err);
	if (r < 0)
		goto undo_dir;
	r = pending(text, rules, &add, &k);
	if (r < 0) {
		if (r == -EINVAL)
			err_set(err, r, "a rule for %s spans lines",
				local_path);
		goto undo_dir;
	}
	if (k == 0) {
		r = 0;
		goto undo_dir;
	}

	buf_add(&content, text, len);
	if (len && text[len - 1] != '\n')
		buf_putc(&content, '\n');
	for (size_t i = 0; i < k; i++)
		buf_printf(&content, "%s\n", add[i]);
	if (content.oom) {
		r = -ENOMEM;
		goto undo_dir;
	}
	r = write_file_atomic_like_at(dfd, base, content.s, content.len,
				      exists ? &st : &fresh);
	if (r < 0) {
		err_set(err, r, "cannot write %s: %s", local_path,
			strerror(-r));
		goto undo_dir;
	}
	(void)fsync(dfd);

	r = parser_check(parser, profile_path, &perr);
	if (r < 0) {
		/* Put back what was there, so a profile load keeps working. */
		if (exists)
			q = write_file_atomic_like_at(dfd, base, text, len,
						      &st);
		else
			q = unlinkat(dfd, base, 0) < 0 ? -errno : 0;
		(void)fsync(dfd);
		if (q < 0)
			err_set(
			    err, r,
			    "%s; restoring %s failed too (%s): fix it by hand",
			    perr.text, local_path, strerror(-q));
		else
			err_set(err, r, "%s; %s was left as it was", perr.text,
				local_path);
		if (q < 0)
			return r;
		goto undo_dir;
	}
	if (ret_added)
		*ret_added = k;
	return 0;

undo_dir:
	if (made_dir)
		rmdir(dir);
	if (r == 0 && ret_added)
		*ret_added = 0;
	return r;
}

static void skip_blank(const char **p, const char *e)
{
	while (*p < e && (**p == ' ' || **p == '\t'))
		(*p)++;
}

/* @w at *p, then (when @space) at least one blank: skipped, else false
 * and *p unchanged. */
static bool skip_word(const char **p, const char *e, const char *w, bool space)
{
	const char *q = *p;
	size_t n = strlen(w);

	if ((size_t)(e - q) < n || memcmp(q, w, n) != 0)
		return false;
	q += n;
	if (space) {
		if (q >= e || (*q != ' ' && *q != '\t'))
			return false;
		skip_blank(&q, e);
	}
	*p = q;
	return true;
}

bool suggest_profile_includes_local(const char *profile_text, const char *name)
{
	size_t nl;

	if (!profile_text || !name || !*name)
		return false;
	nl = strlen(name);
	for (const char *l = profile_text; *l;) {
		const char *e = strchrnul(l, '\n'), *p = l;

		l = *e ? e + 1 : e;
		skip_blank(&p, e);
		if (p < e && *p == '#')
			p++; /* "#include"; "# include" is a comment */
		if (!skip_word(&p, e, "include", true))
			continue;
		if (skip_word(&p, e, "if", true) &&
		    !skip_word(&p, e, "exists", true))
			continue;
		if (!skip_word(&p, e, "<local/", false) ||
		    (size_t)(e - p) < nl + 1 || memcmp(p, name, nl) != 0 ||
		    p[nl] != '>')
			continue;
		p += nl + 1;
		while (p < e && strchr(" \t\r", *p))
			p++;
		if (p == e || *p == '#')
			return true;
	}
	return false;
}

int suggest_include_line(const char *name, char **ret_line)
{
	if (!name || !*name || streq(name, ".") || streq(name, "..") ||
	    !printable(name) || strpbrk(name, "/<>\" \t"))
		return -EINVAL;
	if (asprintf(ret_line, AA_OCI_SUGGEST_INCLUDE_FMT, name) < 0) {
		*ret_line = NULL;
		return -ENOMEM;
	}
	return 0;
}

void suggest_event_from_audit(const struct aa_oci_audit_event *e,
			      struct aa_oci_suggest_event *s, char proto[16])
{
	*s = (struct aa_oci_suggest_event){
	    .operation = e->operation,
	    .name = e->name,
	    /* mount: the source; link, exec: the target */
	    .name2 = e->srcname ? e->srcname : e->name2,
	    .requested_mask = e->requested_mask,
	    .denied_mask = e->denied_mask,
	    .capname = e->capname,
	    .family = e->family,
	    .sock_type = e->sock_type,
	    .signal = e->signal,
	    .peer = e->peer,
	    .fstype = e->fstype,
	    .flags = e->flags,
	};
	if (e->protocol >= 0) {
		snprintf(proto, 16, "%d", e->protocol);
		s->protocol = proto;
	}
}
