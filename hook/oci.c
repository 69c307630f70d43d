/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON in: the OCI state and a bundle's config.json, read through the
 * front door (json.c) like every JSON input, and the key matching that
 * makes us read config.json as runc does (the rewriter uses it too).
 * What leaves this file is plain owned C data.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "aa-oci/json.h"
#include "aa-oci/oci.h"
#include "aa-oci/util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(yajl_val, yajl_tree_free)
#define _cleanup_yajl_ _cleanup_(yajl_tree_freep)

static char ascii_lower(unsigned char c)
{
	return (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
}

/*
 * Go's encoding/json, which runc uses, matches an object key to a struct
 * field without regard to case, and with the two non-ASCII letters that
 * fold to ASCII ones: U+017F (long s) and U+212A (Kelvin sign). Keys that
 * name the fields we read are compared the same way, so we read what runc
 * reads. Annotations are a Go map: their keys are compared exactly.
 *
 * fold_one - the folded form of the character at @p (@n bytes left), and
 * how many bytes it took in *@used.
 */
static char fold_one(const unsigned char *p, size_t n, size_t *used)
{
	if (n >= 2 && p[0] == 0xc5 && p[1] == 0xbf) {
		*used = 2;
		return 's';
	}
	if (n >= 3 && p[0] == 0xe2 && p[1] == 0x84 && p[2] == 0xaa) {
		*used = 3;
		return 'k';
	}
	*used = 1;
	return ascii_lower(*p);
}

bool oci_key_is(const char *key, size_t len, const char *field)
{
	const unsigned char *p = (const unsigned char *)key;
	size_t used;

	for (; len; field++, p += used, len -= used)
		if (!*field || fold_one(p, len, &used) !=
				   ascii_lower((unsigned char)*field))
			return false;
	return !*field;
}

int oci_key_field(const char *key, size_t len, const char *field,
		  const char *what, struct aa_oci_err *err)
{
	if (!oci_key_is(key, len, field))
		return 0;
	if (len == strlen(field) && !memcmp(key, field, len))
		return 1;
	return err_set(err, -EBADMSG,
		       "%s has the key \"%.*s\", which runc reads as \"%s\" "
		       "and crun ignores; write \"%s\"",
		       what, (int)(len < 64 ? len : 64), key, field, field);
}

/*
 * A key as Go's decoder sees it, and as written, in one allocation:
 * "folded\0key\0".
 */
struct key {
	char *folded;
	const char *key;
};

static int key_fill(struct key *k, const char *key, size_t len)
{
	char *f = malloc(2 * len + 2), *o = f;
	size_t used;

	if (!f)
		return -ENOMEM;
	for (const unsigned char *p = (const unsigned char *)key,
				 *end = p + len;
	     p < end; p += used)
		*o++ = fold_one(p, (size_t)(end - p), &used);
	*o++ = '\0';
	memcpy(o, key, len);
	o[len] = '\0';
	k->folded = f;
	k->key = o;
	return 0;
}

/* By folded form, then as written: the message names the same key
 * whatever order qsort leaves equal ones in. */
static int cmp_key(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c = strcmp(x->folded, y->folded);

	return c ? c : strcmp(x->key, y->key);
}

/* Two of the @n keys at @k that are one key to runc: refuse. Sorts @k. */
static int check_folded(struct key *k, size_t n, const char *what,
			struct aa_oci_err *err)
{
	if (n < 2)
		return 0;
	qsort(k, n, sizeof(*k), cmp_key);
	for (size_t i = 1; i < n; i++)
		if (streq(k[i - 1].folded, k[i].folded))
			return err_set(
			    err, -EBADMSG, "%s names the key \"%.64s\" twice%s",
			    what, k[i].key,
			    streq(k[i - 1].key, k[i].key)
				? ""
				: " (runc reads keys without regard to case)");
	return 0;
}

static void keys_free(struct key *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(k[i].folded);
	free(k);
}

/* Exact lookup, for maps (annotations). */
static yajl_val obj_get(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (streq(obj->u.object.keys[i], key))
			return obj->u.object.values[i];
	return NULL;
}

int oci_json_tree(const char *buf, const char *what, yajl_val *ret,
		  struct aa_oci_err *err)
{
	return json_tree(buf, what, ret, err);
}

/* Copy an optional string member; absent and null leave *ret NULL. */
static int get_string(yajl_val obj, const char *key, const char *what,
		      size_t max, char **ret, struct aa_oci_err *err)
{
	yajl_val v = obj_get(obj, key);

	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_STRING(v))
		return err_set(err, -EBADMSG, "%s: \"%s\" is not a string",
			       what, key);
	if (strlen(v->u.string) > max)
		return err_set(err, -E2BIG,
			       "%s: \"%s\" is longer than %zu bytes", what, key,
			       max);
	free(*ret);
	*ret = strdup(v->u.string);
	return *ret ? 0 : -ENOMEM;
}

static void annotations_free(struct aa_oci_annotations *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->keys[i]);
		free(a->values[i]);
	}
	free(a->keys);
	free(a->values);
	*a = (struct aa_oci_annotations){0};
}

static int parse_annotations(yajl_val obj, const char *what,
			     struct aa_oci_annotations *ret,
			     struct aa_oci_err *err)
{
	yajl_val v = obj_get(obj, "annotations");
	size_t n;

	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return err_set(err, -EBADMSG,
			       "%s: \"annotations\" is not an object", what);
	n = v->u.object.len;
	if (n == 0)
		return 0;
	ret->keys = calloc(n, sizeof(char *));
	ret->values = calloc(n, sizeof(char *));
	if (!ret->keys || !ret->values)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *k = v->u.object.keys[i];
		yajl_val val = v->u.object.values[i];

		if (!YAJL_IS_STRING(val))
			return err_set(
			    err, -EBADMSG,
			    "%s: annotation \"%.64s\" is not a string", what,
			    k);
		/* Oversized entries are kept out rather than refused: only
		 * the keys aa-oci reads matter, and those are checked when
		 * read (see oci_annotation_get's callers). */
		ret->keys[ret->n] = strdup(k);
		ret->values[ret->n] = strdup(val->u.string);
		if (!ret->keys[ret->n] || !ret->values[ret->n]) {
			ret->n++;
			return -ENOMEM;
		}
		ret->n++;
	}
	return 0;
}

const char *oci_annotation_get(const struct aa_oci_annotations *a,
			       const char *key)
{
	for (size_t i = 0; i < a->n; i++)
		if (streq(a->keys[i], key))
			return a->values[i];
	return NULL;
}

void oci_state_free(struct aa_oci_state *s)
{
	free(s->id);
	free(s->status);
	free(s->bundle);
	annotations_free(&s->annotations);
	*s = (struct aa_oci_state){0};
}

int oci_state_parse(const char *buf, struct aa_oci_state *ret,
		    struct aa_oci_err *err)
{
	_cleanup_yajl_ yajl_val root = NULL;
	struct aa_oci_state s = {0};
	const char *what = "container state";
	yajl_val pid;
	int r;

	r = oci_json_tree(buf, what, &root, err);
	if (r < 0)
		return r;
	if ((r = get_string(root, "id", what, 1024, &s.id, err)) < 0 ||
	    (r = get_string(root, "status", what, 64, &s.status, err)) < 0 ||
	    (r = get_string(root, "bundlePath", what, 4096, &s.bundle, err)) <
		0 ||
	    (r = get_string(root, "bundle", what, 4096, &s.bundle, err)) < 0 ||
	    (r = parse_annotations(root, what, &s.annotations, err)) < 0)
		goto fail;
	pid = obj_get(root, "pid");
	if (pid && YAJL_IS_INTEGER(pid) && pid->u.number.i > 0 &&
	    pid->u.number.i <= INT32_MAX)
		s.pid = (pid_t)pid->u.number.i;
	if (!s.bundle || !s.bundle[0]) {
		r = err_set(err, -EINVAL,
			    "%s has no \"bundle\": is this run as an OCI hook?",
			    what);
		goto fail;
	}
	if (s.bundle[0] != '/') {
		r = err_set(err, -EINVAL,
			    "%s: bundle \"%.256s\" is not an absolute path",
			    what, s.bundle);
		goto fail;
	}
	if (!s.id)
		s.id = strdup("");
	if (!s.id) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	oci_state_free(&s);
	return r;
}

void oci_spec_free(struct aa_oci_spec *s)
{
	free(s->apparmor_profile);
	annotations_free(&s->annotations);
	*s = (struct aa_oci_spec){0};
}

/*
 * config.json is read on every container start and is mostly what aa-oci
 * does not need (mounts, env, seccomp). It is streamed through the front
 * door (json_parse: nesting depth, NULs, exact repeats in any object) in
 * one pass, keeping only process.apparmorProfile, process.noNewPrivileges
 * and the annotations; no tree is built. Here: keys of the root and of
 * process matched as runc's Go decoder matches them (an alias of a field
 * we read is refused, two keys one to runc are refused), types and sizes.
 */
enum spec_where {
	IN_OTHER,
	IN_ROOT,
	IN_PROCESS,
	IN_ANNOTATIONS,
};

struct spec_ctx {
	struct aa_oci_spec s;
	struct aa_oci_err *err;
	int r;
	int depth;	       /* open maps and arrays */
	enum spec_where where; /* the object the next key belongs to */
	const char *field;     /* the member whose value comes next, or NULL */
	char *annotation_key;  /* the annotation whose value comes next */
	struct key *keys[2];   /* keys of the root and of process */
	size_t n_keys[2], cap_keys[2];
};

#define SPEC_WHAT "config.json"
#define PROCESS_WHAT "config.json's process"

/* Record the error and stop the parse (yajl callbacks return 0). */
#define spec_fail(c, code, ...)                                                \
	((c)->r = err_set((c)->err, code, __VA_ARGS__), 0)

static int spec_nomem(struct spec_ctx *c)
{
	c->r = -ENOMEM;
	return 0;
}

/*
 * A key of the root (@which 0) or of process (1): refuse an alias of one of
 * @fields, remember it for the folded repeat check at the end, and set
 * c->field to the field it names exactly, or NULL.
 */
static int spec_key(struct spec_ctx *c, int which, const char *key, size_t len,
		    const char *what, const char *const *fields)
{
	c->field = NULL;
	for (const char *const *f = fields; *f; f++) {
		int r = oci_key_field(key, len, *f, what, c->err);

		if (r < 0) {
			c->r = r;
			return 0;
		}
		if (r > 0)
			c->field = *f;
	}
	if (c->n_keys[which] == c->cap_keys[which]) {
		size_t n = c->cap_keys[which] ? 2 * c->cap_keys[which] : 16;
		struct key *nk = realloc(c->keys[which], n * sizeof(*nk));

		if (!nk)
			return spec_nomem(c);
		c->keys[which] = nk;
		c->cap_keys[which] = n;
	}
	if (key_fill(&c->keys[which][c->n_keys[which]], key, len) < 0)
		return spec_nomem(c);
	c->n_keys[which]++;
	return 1;
}

/* A scalar or an opening bracket where a root member's value goes. */
static int spec_root_value(struct spec_ctx *c, bool is_map, bool is_null)
{
	const char *f = c->field;

	c->field = NULL;
	if (!f)
		return 1;
	if (!is_map && !is_null)
		return spec_fail(c, -EBADMSG,
				 SPEC_WHAT ": \"%s\" is not an object", f);
	if (is_map)
		c->where = streq(f, "process") ? IN_PROCESS : IN_ANNOTATIONS;
	return 1;
}

enum scalar { S_NULL, S_FALSE, S_TRUE, S_NUMBER, S_STRING };

static int spec_annotation(struct spec_ctx *c, const char *str, size_t len)
{
	struct aa_oci_annotations *a = &c->s.annotations;
	char **nk, **nv;

	nk = realloc(a->keys, (a->n + 1) * sizeof(*nk));
	if (nk)
		a->keys = nk;
	nv = realloc(a->values, (a->n + 1) * sizeof(*nv));
	if (nv)
		a->values = nv;
	if (!nk || !nv || !(a->values[a->n] = strndup(str, len)))
		return spec_nomem(c);
	a->keys[a->n++] = TAKE_PTR(c->annotation_key);
	return 1;
}

static int spec_scalar(struct spec_ctx *c, enum scalar type, const char *str,
		       size_t len)
{
	if (c->depth == 1)
		return spec_root_value(c, false, type == S_NULL);
	if (c->depth != 2)
		return 1;
	if (c->where == IN_PROCESS && c->field) {
		const char *f = c->field;

		c->field = NULL;
		if (streq(f, "noNewPrivileges")) {
			c->s.no_new_privs = type == S_TRUE;
		} else if (type == S_STRING) {
			if (len > AA_OCI_ANNOTATION_VALUE_MAX)
				return spec_fail(
				    c, -E2BIG,
				    SPEC_WHAT
				    ": \"%s\" is longer than 4096 bytes",
				    f);
			free(c->s.apparmor_profile);
			c->s.apparmor_profile = len ? strndup(str, len) : NULL;
			if (len && !c->s.apparmor_profile)
				return spec_nomem(c);
		} else if (type != S_NULL) {
			return spec_fail(c, -EBADMSG,
					 SPEC_WHAT ": \"%s\" is not a string",
					 f);
		}
	} else if (c->where == IN_ANNOTATIONS && c->annotation_key) {
		if (type != S_STRING)
			return spec_fail(
			    c, -EBADMSG,
			    SPEC_WHAT ": annotation \"%.64s\" is not a string",
			    c->annotation_key);
		return spec_annotation(c, str, len);
	}
	return 1;
}

static int spec_null(void *p)
{
	return spec_scalar(p, S_NULL, NULL, 0);
}

static int spec_bool(void *p, int b)
{
	return spec_scalar(p, b ? S_TRUE : S_FALSE, NULL, 0);
}

static int spec_number(void *p, const char *s, size_t len)
{
	return spec_scalar(p, S_NUMBER, s, len);
}

static int spec_string(void *p, const unsigned char *s, size_t len)
{
	return spec_scalar(p, S_STRING, (const char *)s, len);
}

static int spec_open(struct spec_ctx *c, bool map)
{
	if (c->depth == 1 && !spec_root_value(c, map, false))
		return 0;
	/* A map or array where process or annotation fields want scalars. */
	if (c->depth == 2 && c->where == IN_PROCESS && c->field) {
		if (streq(c->field, "apparmorProfile"))
			return spec_fail(c, -EBADMSG,
					 SPEC_WHAT ": \"%s\" is not a string",
					 c->field);
		c->field = NULL;
	}
	if (c->depth == 2 && c->where == IN_ANNOTATIONS && c->annotation_key)
		return spec_fail(c, -EBADMSG,
				 SPEC_WHAT
				 ": annotation \"%.64s\" is not a string",
				 c->annotation_key);
	/* The front door saw to it that the root is an object. */
	if (++c->depth == 1)
		c->where = IN_ROOT;
	else if (c->depth == 2 && c->where == IN_ROOT)
		c->where = IN_OTHER; /* a root member we do not read */
	return 1;
}

static int spec_map_open(void *p)
{
	return spec_open(p, true);
}

static int spec_array_open(void *p)
{
	return spec_open(p, false);
}

static int spec_close(void *p)
{
	struct spec_ctx *c = p;

	if (--c->depth == 1)
		c->where = IN_ROOT;
	return 1;
}

static int spec_map_key(void *p, const unsigned char *k, size_t len)
{
	static const char *const root_fields[] = {"process", "annotations",
						  NULL};
	static const char *const proc_fields[] = {"apparmorProfile",
						  "noNewPrivileges", NULL};
	struct spec_ctx *c = p;
	const char *key = (const char *)k;

	if (c->depth == 1)
		return spec_key(c, 0, key, len, SPEC_WHAT, root_fields);
	if (c->depth != 2 || c->where == IN_OTHER)
		return 1; /* nothing we read */
	if (c->where == IN_PROCESS)
		return spec_key(c, 1, key, len, PROCESS_WHAT, proc_fields);
	/* Annotations: a Go map, exact keys (the front door refuses
	 * repeats). */
	free(c->annotation_key);
	c->annotation_key = strndup(key, len);
	return c->annotation_key ? 1 : spec_nomem(c);
}

static const yajl_callbacks spec_callbacks = {
    .yajl_null = spec_null,
    .yajl_boolean = spec_bool,
    .yajl_number = spec_number,
    .yajl_string = spec_string,
    .yajl_start_map = spec_map_open,
    .yajl_map_key = spec_map_key,
    .yajl_end_map = spec_close,
    .yajl_start_array = spec_array_open,
    .yajl_end_array = spec_close,
};

int oci_spec_parse(const char *buf, struct aa_oci_spec *ret,
		   struct aa_oci_err *err)
{
	struct spec_ctx c = {.err = err};
	int r;

	r = json_parse(buf, strlen(buf), SPEC_WHAT, &spec_callbacks, &c, err);
	if (r == -ECANCELED)
		r = c.r;
	if (r == 0)
		r = check_folded(c.keys[0], c.n_keys[0], SPEC_WHAT, err);
	if (r == 0)
		r = check_folded(c.keys[1], c.n_keys[1], PROCESS_WHAT, err);
	keys_free(c.keys[0], c.n_keys[0]);
	keys_free(c.keys[1], c.n_keys[1]);
	free(c.annotation_key);
	if (r < 0) {
		oci_spec_free(&c.s);
		return r;
	}
	*ret = c.s;
	return 0;
}

void oci_bundle_config_free(struct aa_oci_bundle_config *c)
{
	if (c->dirfd >= 0)
		close(c->dirfd);
	free(c->buf);
	*c = (struct aa_oci_bundle_config){.dirfd = -1};
}

int oci_bundle_config_read(const char *bundle, struct aa_oci_bundle_config *ret,
			   struct aa_oci_err *err)
{
	struct aa_oci_bundle_config c = {.dirfd = -1};
	_cleanup_close_ int fd = -1;
	int r;

	c.dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.dirfd < 0)
		return err_set(err, -errno, "bundle \"%.256s\": %s", bundle,
			       strerror(errno));
	/* Followed like runc follows it; whether it was a link is kept for
	 * a rewrite, which never writes through one. O_NONBLOCK: a FIFO
	 * planted there cannot block the open. */
	fd = openat(c.dirfd, "config.json",
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP) {
		c.link = true;
		fd = openat(c.dirfd, "config.json",
			    O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	}
	if (fd < 0) {
		r = err_set(err, -errno, "%.256s/config.json: %s", bundle,
			    strerror(errno));
		goto fail;
	}
	if (fstat(fd, &c.st) < 0) {
		r = -errno;
		goto fail;
	}
	if (!S_ISREG(c.st.st_mode)) {
		r = err_set(err, -EINVAL,
			    "%.256s/config.json is not a regular file", bundle);
		goto fail;
	}
	r = read_fd_sized(fd, (size_t)c.st.st_size, AA_OCI_SPEC_MAX, &c.buf,
			  &c.len);
	if (r == -E2BIG)
		r = err_set(err, r, "%.256s/config.json is larger than %u MiB",
			    bundle, AA_OCI_SPEC_MAX >> 20);
	else if (r < 0)
		r = err_set(err, r, "%.256s/config.json: %s", bundle,
			    strerror(-r));
	else if (strlen(c.buf) != c.len)
		r = err_set(err, -EBADMSG,
			    "%.256s/config.json contains a NUL byte", bundle);
	if (r < 0)
		goto fail;
	*ret = c;
	return 0;
fail:
	oci_bundle_config_free(&c);
	return r;
}

int oci_bundle_read_config(const char *bundle, char **ret_buf,
			   struct aa_oci_err *err)
{
	struct aa_oci_bundle_config c;
	int r = oci_bundle_config_read(bundle, &c, err);

	if (r < 0)
		return r;
	*ret_buf = TAKE_PTR(c.buf);
	oci_bundle_config_free(&c);
	return 0;
}

int oci_spec_read_bundle(const char *bundle, struct aa_oci_spec *ret,
			 struct aa_oci_err *err)
{
	_cleanup_free_ char *buf = NULL;
	int r;

	r = oci_bundle_read_config(bundle, &buf, err);
	if (r < 0)
		return r;
	return oci_spec_parse(buf, ret, err);
}

int oci_log_line(const char *level, const char *msg, const char *time,
		 char **ret)
{
	const char *kv[] = {"level", level, "msg", msg, "time", time};
	const unsigned char *buf;
	size_t len;
	yajl_gen g = yajl_gen_alloc(NULL);
	int r = -ENOMEM;

	if (!g)
		return -ENOMEM;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok)
		goto out;
	for (size_t i = 0; i < 6; i++)
		if (yajl_gen_string(g, (const unsigned char *)kv[i],
				    strlen(kv[i])) != yajl_gen_status_ok)
			goto out;
	if (yajl_gen_map_close(g) != yajl_gen_status_ok ||
	    yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
		goto out;
	*ret = malloc(len + 2);
	if (*ret) {
		memcpy(*ret, buf, len);
		(*ret)[len] = '\n';
		(*ret)[len + 1] = '\0';
		r = 0;
	}
out:
	yajl_gen_free(g);
	return r;
}

/* --- JSON out: what aa-oci prints for machines (aa-oci status --json) --- */

struct oci_json_writer {
	yajl_gen g;
	bool failed;
};

int oci_json_writer_new(struct oci_json_writer **ret)
{
	struct oci_json_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->g = yajl_gen_alloc(NULL);
	if (!w->g) {
		free(w);
		return -ENOMEM;
	}
	yajl_gen_config(w->g, yajl_gen_validate_utf8, 1);
	*ret = w;
	return 0;
}

void oci_json_writer_free(struct oci_json_writer *w)
{
	if (!w)
		return;
	yajl_gen_free(w->g);
	free(w);
}

static void wcheck(struct oci_json_writer *w, yajl_gen_status st)
{
	if (st != yajl_gen_status_ok)
		w->failed = true;
}

void oci_json_open(struct oci_json_writer *w, bool array)
{
	wcheck(w, array ? yajl_gen_array_open(w->g) : yajl_gen_map_open(w->g));
}

void oci_json_close(struct oci_json_writer *w, bool array)
{
	wcheck(w,
	       array ? yajl_gen_array_close(w->g) : yajl_gen_map_close(w->g));
}

void oci_json_key(struct oci_json_writer *w, const char *key)
{
	wcheck(w,
	       yajl_gen_string(w->g, (const unsigned char *)key, strlen(key)));
}

void oci_json_string(struct oci_json_writer *w, const char *key,
		     const char *value)
{
	if (key)
		oci_json_key(w, key);
	if (!value)
		wcheck(w, yajl_gen_null(w->g));
	else
		wcheck(w, yajl_gen_string(w->g, (const unsigned char *)value,
					  strlen(value)));
}

void oci_json_int(struct oci_json_writer *w, const char *key, long long v)
{
	if (key)
		oci_json_key(w, key);
	wcheck(w, yajl_gen_integer(w->g, v));
}

void oci_json_bool(struct oci_json_writer *w, const char *key, bool v)
{
	if (key)
		oci_json_key(w, key);
	wcheck(w, yajl_gen_bool(w->g, v));
}

int oci_json_writer_text(struct oci_json_writer *w, char **ret)
{
	const unsigned char *buf;
	size_t len;

	if (w->failed ||
	    yajl_gen_get_buf(w->g, &buf, &len) != yajl_gen_status_ok)
		return -EINVAL;
	*ret = strndup((const char *)buf, len);
	return *ret ? 0 : -ENOMEM;
}
