/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "cleanup.h"
#include "aa-oci/json.h"
#include "aa-oci/oci.h"
#include "aa-oci/rewrite.h"
#include "aa-oci/util.h"

/*
 * The one JSON rewriter: the document is streamed through the front door
 * (json_parse) and copied token by token into yajl_gen, and the members
 * named by the spec are replaced, or added as the last members of their
 * objects. Keys are matched as each document's reader matches them (a Go
 * struct field folds case: spec->fold, which refuses an alias instead of
 * letting us copy it beside a member we add); the front door refuses a key
 * twice, comments or excess depth in the same pass.
 */
struct ctx {
	yajl_gen g;
	struct rewrite_spec *spec;
	struct aa_oci_err *err;
	int r;	   /* why the copy stopped, when it did */
	int depth; /* open maps and arrays around the next token */
	/* The sets whose path leads through each open level (bit i: set i);
	 * arrays and unrelated objects hold 0. */
	unsigned mask[JSON_DEPTH_MAX + 1];
	unsigned pending;   /* the sets the next value's object leads to */
	int leaf;	    /* the set whose value comes next, -1 none */
	int skip;	    /* levels of a replaced value still being skipped */
	const char *last_k; /* the last matched intermediate key, messages */
	unsigned entered[REWRITE_SETS_MAX]; /* bit d: its object at depth d */
};

/* The front door's depth limit is the rewriter's: yajl_gen refuses the
 * YAJL_MAX_DEPTH'th level, which the door never lets through. */
_Static_assert(JSON_DEPTH_MAX < YAJL_MAX_DEPTH,
	       "yajl_gen must write every depth the reader accepts");
_Static_assert(REWRITE_SETS_MAX <= 8 * sizeof(unsigned), "a bit per set");

/* Record the error and stop the parse (yajl callbacks return 0). */
#define fail(c, code, ...) ((c)->r = err_set((c)->err, code, __VA_ARGS__), 0)

/* A generator step; its failure stops the parse with a reason. */
static int gen(struct ctx *c, yajl_gen_status st)
{
	if (st == yajl_gen_status_ok)
		return 1;
	/* Not reached for text the front door took: the depth is within
	 * yajl_gen's (above) and strings are valid UTF-8. */
	return fail(c, -EBADMSG, "%s: cannot be written back (yajl_gen %d)",
		    c->spec->what, (int)st);
}

static int gen_str(struct ctx *c, const char *s)
{
	return gen(c,
		   yajl_gen_string(c->g, (const unsigned char *)s, strlen(s)));
}

/* The members still missing under the object at @depth that closes, each
 * set in @mask whose path goes on from there: written at its end, the
 * missing objects on the way created when the spec allows it. */
static int emit_missing(struct ctx *c, unsigned mask, int depth)
{
	struct rewrite_spec *s = c->spec;

	for (size_t i = 0; i < s->n_sets; i++) {
		struct rewrite_set *t = &s->sets[i];
		unsigned group = 0;
		const char *k;

		if (!(mask & (1u << i)) || t->done)
			continue;
		k = t->path[depth - 1].name;
		if ((int)t->n == depth) {
			t->done = true;
			if (!gen_str(c, k) || !gen_str(c, t->value))
				return 0;
			continue;
		}
		if (!s->create)
			return fail(c, -EBADMSG, "%s has no \"%s\" object",
				    s->what, k);
		/* The sets that share this missing object go in it. */
		for (size_t j = i; j < s->n_sets; j++)
			if ((mask & (1u << j)) && !s->sets[j].done &&
			    (int)s->sets[j].n > depth &&
			    streq(s->sets[j].path[depth - 1].name, k))
				group |= 1u << j;
		if (!gen_str(c, k) || !gen(c, yajl_gen_map_open(c->g)) ||
		    !emit_missing(c, group, depth + 1) ||
		    !gen(c, yajl_gen_map_close(c->g)))
			return 0;
	}
	return 1;
}

/*
 * Before any value: 1 copy it, 0 stop, -1 it is a set's old value: the
 * new one was written, skip the original. @kind is the old value's kind,
 * @s its text when a string.
 */
static int value(struct ctx *c, enum rewrite_old kind, bool opens,
		 const unsigned char *s, size_t len)
{
	struct rewrite_set *t;

	if (c->skip) {
		if (opens)
			c->skip++;
		return -1;
	}
	if (c->depth == 0 && kind != REWRITE_OBJECT) {
		/* before the front door refuses it, in the spec's words */
		if (!c->spec->create)
			return fail(c, -EBADMSG, "%s has no \"%s\" object",
				    c->spec->what,
				    c->spec->sets[0].path[0].name);
		return 1;
	}
	if (c->pending && kind != REWRITE_OBJECT) {
		c->pending = 0;
		if (!c->spec->create)
			return fail(c, -EBADMSG, "%s has no \"%s\" object",
				    c->spec->what, c->last_k);
		return fail(c, -EBADMSG, "%s: \"%s\" is not an object",
			    c->spec->what, c->last_k);
	}
	if (c->leaf < 0)
		return 1;
	t = &c->spec->sets[c->leaf];
	c->leaf = -1;
	t->old_kind = kind;
	if (kind == REWRITE_STRING) {
		free(t->old);
		t->old = strndup((const char *)s, len);
		if (!t->old) {
			c->r = -ENOMEM;
			return 0;
		}
	}
	t->done = true;
	if (opens)
		c->skip = 1;
	return gen_str(c, t->value) ? -1 : 0;
}

#define VALUE(c, kind, opens, s, len)                                          \
	do {                                                                   \
		int v_ = value(c, kind, opens, s, len);                        \
		if (v_ <= 0)                                                   \
			return v_ == 0 ? 0 : 1;                                \
	} while (0)

static int on_null(void *p)
{
	struct ctx *c = p;

	VALUE(c, REWRITE_NULL, false, NULL, 0);
	return gen(c, yajl_gen_null(c->g));
}

static int on_bool(void *p, int b)
{
	struct ctx *c = p;

	VALUE(c, REWRITE_BOOL, false, NULL, 0);
	return gen(c, yajl_gen_bool(c->g, b));
}

static int on_number(void *p, const char *s, size_t len)
{
	struct ctx *c = p;

	VALUE(c, REWRITE_NUMBER, false, NULL, 0);
	return gen(c, yajl_gen_number(c->g, s, len));
}

static int on_string(void *p, const unsigned char *s, size_t len)
{
	struct ctx *c = p;

	VALUE(c, REWRITE_STRING, false, s, len);
	return gen(c, yajl_gen_string(c->g, s, len));
}

static int on_map_open(void *p)
{
	struct ctx *c = p;
	unsigned mask =
	    c->depth == 0 ? (1u << c->spec->n_sets) - 1 : c->pending;

	VALUE(c, REWRITE_OBJECT, true, NULL, 0);
	c->pending = 0;
	c->depth++;
	for (size_t i = 0; i < c->spec->n_sets; i++) {
		if (!(mask & (1u << i)) || c->depth < 2)
			continue;
		/* Refused here, before the front door would find the key
		 * twice when the parent closes. */
		if (c->entered[i] & (1u << c->depth))
			return fail(c, -EBADMSG,
				    "%s has more than one \"%s\" object",
				    c->spec->what, c->last_k);
		c->entered[i] |= 1u << c->depth;
	}
	c->mask[c->depth] = mask;
	return gen(c, yajl_gen_map_open(c->g));
}

/* "WHAT" for a key at the root, "WHAT's KEY" for one under KEY. */
static const char *holder(struct ctx *c, const struct rewrite_set *t, char *buf,
			  size_t size)
{
	if (c->depth < 2)
		return c->spec->what;
	snprintf(buf, size, "%s's %s", c->spec->what,
		 t->path[c->depth - 2].name);
	return buf;
}

static int on_map_key(void *p, const unsigned char *k, size_t len)
{
	struct ctx *c = p;
	const char *key = (const char *)k;
	unsigned mask = c->mask[c->depth];
	char hbuf[256];

	if (c->skip)
		return 1;
	c->pending = 0;
	c->leaf = -1;
	for (size_t i = 0; i < c->spec->n_sets; i++) {
		struct rewrite_set *t = &c->spec->sets[i];
		const struct rewrite_key *pk;
		int r;

		if (!(mask & (1u << i)) || (size_t)c->depth > t->n)
			continue;
		pk = &t->path[c->depth - 1];
		if (pk->fold)
			r = c->spec->fold(key, len, pk->name,
					  holder(c, t, hbuf, sizeof(hbuf)),
					  c->err);
		else
			r = len == strlen(pk->name) &&
			    !memcmp(key, pk->name, len);
		if (r < 0) {
			c->r = r;
			return 0;
		}
		if (!r)
			continue;
		if ((size_t)c->depth == t->n) {
			/* A second one is the front door's: a key twice. */
			c->leaf = (int)i;
		} else {
			c->pending |= 1u << i;
			c->last_k = pk->name;
		}
	}
	return gen(c, yajl_gen_string(c->g, k, len));
}

static int on_map_close(void *p)
{
	struct ctx *c = p;

	if (c->skip) {
		c->skip--;
		return 1;
	}
	if (!emit_missing(c, c->mask[c->depth], c->depth))
		return 0;
	c->depth--;
	return gen(c, yajl_gen_map_close(c->g));
}

static int on_array_open(void *p)
{
	struct ctx *c = p;

	VALUE(c, REWRITE_ARRAY, true, NULL, 0);
	c->depth++;
	c->mask[c->depth] = 0;
	return gen(c, yajl_gen_array_open(c->g));
}

static int on_array_close(void *p)
{
	struct ctx *c = p;

	if (c->skip) {
		c->skip--;
		return 1;
	}
	c->depth--;
	return gen(c, yajl_gen_array_close(c->g));
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_bool,
    .yajl_number = on_number, /* raw text: digits are kept as written */
    .yajl_string = on_string,
    .yajl_start_map = on_map_open,
    .yajl_map_key = on_map_key,
    .yajl_end_map = on_map_close,
    .yajl_start_array = on_array_open,
    .yajl_end_array = on_array_close,
};

int rewrite_json(const char *in, size_t len, struct rewrite_spec *spec,
		 char **ret_out, size_t *ret_len, struct aa_oci_err *err)
{
	struct ctx c = {.spec = spec, .err = err, .leaf = -1};
	const unsigned char *buf;
	size_t blen;
	char *out;
	int r;

	if (spec->n_sets == 0 || spec->n_sets > REWRITE_SETS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < spec->n_sets; i++) {
		if (spec->sets[i].n == 0 || spec->sets[i].n > REWRITE_PATH_MAX)
			return -EINVAL;
		spec->sets[i].done = false;
		spec->sets[i].old_kind = REWRITE_ABSENT;
		spec->sets[i].old = NULL;
	}
	c.g = yajl_gen_alloc(NULL);
	if (!c.g)
		return -ENOMEM;
	yajl_gen_config(c.g, yajl_gen_beautify, 1);
	yajl_gen_config(c.g, yajl_gen_indent_string,
			spec->indent ? spec->indent : "\t");
	yajl_gen_config(c.g, yajl_gen_validate_utf8, 1);
	r = json_parse(in, len, spec->what, &callbacks, &c, err);
	if (r == -ECANCELED) /* every callback that stops says why */
		r = c.r < 0 ? c.r : -EBADMSG;
	if (r < 0)
		goto out;
	yajl_gen_get_buf(c.g, &buf, &blen);
	out = malloc(blen + 2);
	if (!out) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(out, buf, blen);
	/* A final newline, as `runc spec` writes it. */
	if (blen == 0 || out[blen - 1] != '\n')
		out[blen++] = '\n';
	out[blen] = '\0';
	*ret_out = out;
	*ret_len = blen;
out:
	if (r < 0)
		rewrite_spec_clear(spec);
	yajl_gen_free(c.g);
	return r;
}

void rewrite_spec_clear(struct rewrite_spec *spec)
{
	for (size_t i = 0; spec && i < spec->n_sets; i++) {
		free(spec->sets[i].old);
		spec->sets[i].old = NULL;
	}
}

int rewrite_profile(const char *in, size_t len, const char *profile,
		    char **ret_out, size_t *ret_len, struct aa_oci_err *err)
{
	/* Which member is process.apparmorProfile is decided as the reader
	 * (oci_spec_parse) decides it: oci_key_field. */
	static const struct rewrite_key path[] = {
	    {"process", true},
	    {"apparmorProfile", true},
	};
	struct rewrite_set set = {.path = path, .n = 2, .value = profile};
	struct rewrite_spec spec = {
	    .what = "config.json",
	    .fold = oci_key_field,
	    .sets = &set,
	    .n_sets = 1,
	};
	_cleanup_free_ char *out = NULL;
	size_t outlen;
	int r;

	r = rewrite_json(in, len, &spec, &out, &outlen, err);
	if (r < 0)
		return r;
	rewrite_spec_clear(&spec);
	/* As the reader: a string or null, nothing else. */
	if (set.old_kind == REWRITE_OBJECT || set.old_kind == REWRITE_ARRAY ||
	    set.old_kind == REWRITE_NUMBER || set.old_kind == REWRITE_BOOL)
		return err_set(err, -EBADMSG,
			       "config.json: \"apparmorProfile\" is not a "
			       "string");
	*ret_out = TAKE_PTR(out);
	*ret_len = outlen;
	return 0;
}

/* Does config.json still hold the bytes @c read? */
static bool same_bytes(const struct aa_oci_bundle_config *c)
{
	_cleanup_close_ int fd =
	    openat(c->dirfd, "config.json",
		   O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t len;

	return fd >= 0 &&
	       read_fd_sized(fd, c->len, AA_OCI_SPEC_MAX, &buf, &len) == 0 &&
	       len == c->len && memcmp(buf, c->buf, len) == 0;
}

int rewrite_bundle_config(const char *bundle,
			  const struct aa_oci_bundle_config *c,
			  const char *profile, struct aa_oci_err *err)
{
	_cleanup_free_ char *out = NULL;
	struct stat now;
	size_t outlen;
	int r;

	if (c->link)
		return err_set(
		    err, -ELOOP,
		    "%.256s/config.json is a symbolic link; aa-oci-runtime "
		    "does not write through links: make it a regular file",
		    bundle);
	r = rewrite_profile(c->buf, c->len, profile, &out, &outlen, err);
	if (r < 0)
		return r;
	/* What is replaced must be what was read and decided on: the same
	 * file (ctime too: an edit in place that put the mtime back, as
	 * cp -p and touch -r do), holding the same bytes (a timestamp has
	 * a granularity; the load between the read and now may take
	 * seconds). */
	if (fstatat(c->dirfd, "config.json", &now, AT_SYMLINK_NOFOLLOW) < 0 ||
	    now.st_dev != c->st.st_dev || now.st_ino != c->st.st_ino ||
	    now.st_size != c->st.st_size ||
	    now.st_mtim.tv_sec != c->st.st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != c->st.st_mtim.tv_nsec ||
	    now.st_ctim.tv_sec != c->st.st_ctim.tv_sec ||
	    now.st_ctim.tv_nsec != c->st.st_ctim.tv_nsec || !same_bytes(c))
		return err_set(
		    err, -EAGAIN,
		    "%.256s/config.json changed while aa-oci-runtime read it; "
		    "start the container again",
		    bundle);
	r = write_file_atomic_like_at(c->dirfd, "config.json", out, outlen,
				      &c->st);
	if (r < 0)
		return err_set(err, r, "cannot replace %.256s/config.json: %s",
			       bundle, strerror(-r));
	return 0;
}
