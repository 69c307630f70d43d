/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON front door (see json.h): one streaming yajl pass with the
 * parser's strict defaults, checks on each event, and the event passed on
 * to the reader that wants it.
 *
 * Repeated keys are found without a table per object: the keys of the
 * objects still open are copied, in order, into one growing arena; each
 * open object remembers where its keys start. When an object closes, its
 * keys (the tail of the arena) are compared, sorted when there are many,
 * and popped. Cost: one copy of each key, O(n log n) per object.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aa-oci/json.h"

/* A key in the arena, and where the text had it (for messages). */
struct span {
	size_t off, len;
	size_t at;
};

/* An open object: where its keys start. */
struct frame {
	size_t first_key;
	size_t arena_len;
};

struct door {
	const char *what;
	const char *buf; /* the text, for the position in a message */
	size_t len;
	yajl_handle h;
	bool finishing; /* in yajl_complete_parse: at the end of the text */
	struct aa_oci_err *err;
	const yajl_callbacks *cb;
	void *ctx;
	int r;	       /* our own refusal, or -ENOMEM */
	bool canceled; /* the consumer stopped the parse */
	bool seen_root;
	size_t depth; /* open objects and arrays */
	char *arena;  /* the keys of the open objects */
	size_t arena_len, arena_cap;
	struct span *keys;
	size_t n_keys, keys_cap;
	struct frame *frames; /* open objects (not arrays) */
	size_t n_frames, frames_cap;
};

/* Small objects are compared pair by pair: cheaper than sorting. */
#define PAIRWISE_MAX 8

/*
 * Where @off (bytes into @buf) is, as people count: line and column from 1,
 * the column in bytes. yajl reports how far it read, which is just past the
 * token at fault.
 */
static void position(const char *buf, size_t off, unsigned *ret_line,
		     unsigned *ret_col)
{
	size_t line_start = 0;
	unsigned line = 1;

	for (size_t i = 0; i < off; i++)
		if (buf[i] == '\n') {
			line++;
			line_start = i + 1;
		}
	*ret_line = line;
	*ret_col = (unsigned)(off - line_start + 1);
}

/* A refusal of ours: the message, then where in the text, as every JSON
 * error of aa-oci ends: " (line L, column C)". Returns 0 (stop the parse). */
__attribute__((format(printf, 3, 4))) static int
refuse_at(struct door *d, size_t off, const char *fmt, ...)
{
	char msg[AA_OCI_ERR_MAX];
	unsigned line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	position(d->buf, off, &line, &col);
	d->r = err_set(d->err, -EBADMSG, "%s (line %u, column %u)", msg, line,
		       col);
	return 0;
}

/* Refused at the token yajl just read (yajl_complete_parse reads a blank
 * of its own: what it hands over last ends where the text does). */
#define refuse(d, ...)                                                         \
	refuse_at((d),                                                         \
		  (d)->finishing ? (d)->len : yajl_get_bytes_consumed((d)->h), \
		  __VA_ARGS__)

static int no_memory(struct door *d)
{
	d->r = -ENOMEM;
	return 0;
}

/* Grow *@p to hold @need items of @size; doubling, so amortized O(1). */
static bool grow(void **p, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t n = *cap ? *cap : first;
	void *np;

	if (need <= *cap && *p) /* allocated even for 0 bytes: no NULL+0 */
		return true;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return false;
		n *= 2;
	}
	np = realloc(*p, n * size);
	if (!np)
		return false;
	*p = np;
	*cap = n;
	return true;
}

/*
 * The first event must open the root object. A consumer sees another first
 * event before it is refused here, so it may refuse it in its own words.
 */
static int root(struct door *d, bool is_map)
{
	if (d->seen_root)
		return 1;
	d->seen_root = true;
	if (!is_map)
		return refuse(d, "%s is not a JSON object", d->what);
	return 1;
}

static int no_nul(struct door *d, const unsigned char *s, size_t len)
{
	/* yajl decodes \u0000 to a NUL byte, which would cut a C string
	 * short of what runc reads. Raw NULs never get this far: yajl
	 * refuses control characters inside strings. */
	if (memchr(s, '\0', len))
		return refuse(d, "%s contains an escaped NUL (\\u0000)",
			      d->what);
	return 1;
}

/* The consumer's answer; 0 stops the parse with its own error. */
static int passed(struct door *d, int r)
{
	if (!r)
		d->canceled = true;
	return r;
}

#define FORWARD(d, name, ...)                                                  \
	((d)->cb && (d)->cb->name ? passed((d), (d)->cb->name(__VA_ARGS__)) : 1)

static int on_null(void *p)
{
	struct door *d = p;

	return FORWARD(d, yajl_null, d->ctx) && root(d, false);
}

static int on_boolean(void *p, int b)
{
	struct door *d = p;

	return FORWARD(d, yajl_boolean, d->ctx, b) && root(d, false);
}

static int on_number(void *p, const char *s, size_t len)
{
	struct door *d = p;

	return FORWARD(d, yajl_number, d->ctx, s, len) && root(d, false);
}

static int on_string(void *p, const unsigned char *s, size_t len)
{
	struct door *d = p;

	return no_nul(d, s, len) && FORWARD(d, yajl_string, d->ctx, s, len) &&
	       root(d, false);
}

static int open_level(struct door *d, bool is_map)
{
	if (is_map)
		root(d, true);
	if (d->depth >= JSON_DEPTH_MAX)
		return refuse(d, "%s nests deeper than %d levels", d->what,
			      JSON_DEPTH_MAX);
	d->depth++;
	if (!is_map)
		return 1;
	if (!grow((void **)&d->frames, &d->frames_cap, d->n_frames + 1,
		  sizeof(*d->frames), 16))
		return no_memory(d);
	d->frames[d->n_frames++] = (struct frame){
	    .first_key = d->n_keys,
	    .arena_len = d->arena_len,
	};
	return 1;
}

static int on_start_map(void *p)
{
	struct door *d = p;

	return open_level(d, true) && FORWARD(d, yajl_start_map, d->ctx);
}

static int on_start_array(void *p)
{
	struct door *d = p;

	return open_level(d, false) && FORWARD(d, yajl_start_array, d->ctx) &&
	       root(d, false);
}

static int on_map_key(void *p, const unsigned char *k, size_t len)
{
	struct door *d = p;

	if (!no_nul(d, k, len))
		return 0;
	if (!grow((void **)&d->keys, &d->keys_cap, d->n_keys + 1,
		  sizeof(*d->keys), 64) ||
	    len > SIZE_MAX - d->arena_len ||
	    !grow((void **)&d->arena, &d->arena_cap, d->arena_len + len, 1,
		  1024))
		return no_memory(d);
	memcpy(d->arena + d->arena_len, k, len);
	d->keys[d->n_keys++] =
	    (struct span){d->arena_len, len, yajl_get_bytes_consumed(d->h)};
	d->arena_len += len;
	return FORWARD(d, yajl_map_key, d->ctx, k, len);
}

static bool span_eq(const char *arena, const struct span *a,
		    const struct span *b)
{
	return a->len == b->len &&
	       !memcmp(arena + a->off, arena + b->off, a->len);
}

static int span_cmp(const void *a, const void *b, void *arena)
{
	const struct span *x = a, *y = b;
	int c =
	    memcmp((const char *)arena + x->off, (const char *)arena + y->off,
		   x->len < y->len ? x->len : y->len);

	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/* A key for a message: its first 64 bytes, control characters as '?'
 * (a message is one line). */
static const char *key_text(char out[65], const char *k, size_t len)
{
	size_t n = len < 64 ? len : 64;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];

		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[n] = '\0';
	return out;
}

/* The keys of the object that closes: one of them twice? */
static const struct span *repeated(struct door *d, size_t first)
{
	size_t n = d->n_keys - first;
	struct span *k;

	/* An object without keys: d->keys may still be NULL, and NULL + 0
	 * is undefined in C (UBSan: "applying zero offset to null pointer"). */
	if (n < 2)
		return NULL;
	k = d->keys + first;
	if (n <= PAIRWISE_MAX) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (span_eq(d->arena, &k[i], &k[j]))
					return &k[i];
		return NULL;
	}
	/* They are popped next: sorting them in place loses nothing. */
	qsort_r(k, n, sizeof(*k), span_cmp, d->arena);
	for (size_t i = 1; i < n; i++)
		if (span_eq(d->arena, &k[i - 1], &k[i]))
			return &k[i];
	return NULL;
}

static int on_end_map(void *p)
{
	struct door *d = p;
	struct frame *f = &d->frames[--d->n_frames];
	const struct span *dup = repeated(d, f->first_key);

	if (dup) {
		char k[65];

		return refuse_at(d, dup->at, "%s names the key \"%s\" twice",
				 d->what,
				 key_text(k, d->arena + dup->off, dup->len));
	}
	d->n_keys = f->first_key;
	d->arena_len = f->arena_len;
	d->depth--;
	return FORWARD(d, yajl_end_map, d->ctx);
}

static int on_end_array(void *p)
{
	struct door *d = p;

	d->depth--;
	return FORWARD(d, yajl_end_array, d->ctx);
}

static const yajl_callbacks door_callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number, /* text: no integer overflow errors */
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_map_key,
    .yajl_end_map = on_end_map,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end_array,
};

int json_parse(const char *buf, size_t len, const char *what,
	       const yajl_callbacks *consumer, void *ctx,
	       struct aa_oci_err *err)
{
	struct door d = {.what = what,
			 .buf = buf,
			 .len = len,
			 .err = err,
			 .cb = consumer,
			 .ctx = ctx};
	yajl_handle h;
	yajl_status st;
	size_t at;

	h = yajl_alloc(&door_callbacks, NULL, &d);
	if (!h)
		return -ENOMEM;
	d.h = h;
	/* yajl's defaults for a stream, stated: no comments (JSON has none,
	 * and a reader that skips them reads another document than one that
	 * does not), UTF-8 checked, one document, nothing after it. */
	yajl_config(h, yajl_allow_comments, 0);
	yajl_config(h, yajl_dont_validate_strings, 0);
	yajl_config(h, yajl_allow_trailing_garbage, 0);
	yajl_config(h, yajl_allow_multiple_values, 0);
	yajl_config(h, yajl_allow_partial_values, 0);
	st = yajl_parse(h, (const unsigned char *)buf, len);
	at = yajl_get_bytes_consumed(h);
	if (st == yajl_status_ok) {
		d.finishing = true;
		st = yajl_complete_parse(h);
		at = len;
	}
	if (d.r == 0 && !d.canceled && (st != yajl_status_ok || !d.seen_root)) {
		unsigned char *m =
		    st != yajl_status_ok ? yajl_get_error(h, 0, NULL, 0) : NULL;

		/* yajl's message ends in a newline: keep the line. */
		if (m)
			m[strcspn((char *)m, "\n")] = '\0';
		refuse_at(&d, at, "%s is not valid JSON: %s", what,
			  m && m[0] ? (const char *)m : "no document");
		if (m)
			yajl_free_error(h, m);
	}
	if (d.r == 0 && d.canceled)
		d.r = -ECANCELED;
	yajl_free(h);
	free(d.arena);
	free(d.keys);
	free(d.frames);
	return d.r;
}

int json_tree(const char *buf, const char *what, yajl_val *ret,
	      struct aa_oci_err *err)
{
	char ebuf[128];
	yajl_val v;
	int r;

	r = json_parse(buf, strlen(buf), what, NULL, NULL, err);
	if (r < 0)
		return r;
	/* Safe now: the depth is bounded, and yajl_tree_parse's comments
	 * cannot hide anything, the text having none. */
	v = yajl_tree_parse(buf, ebuf, sizeof(ebuf));
	if (!v) /* the text passed the same parser: memory ran out */
		return -ENOMEM;
	if (!YAJL_IS_OBJECT(v)) { /* not reached: json_parse saw an object */
		yajl_tree_free(v);
		return err_set(err, -EBADMSG, "%s is not a JSON object", what);
	}
	*ret = v;
	return 0;
}
