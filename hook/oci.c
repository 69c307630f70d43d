/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON in: the OCI state and a bundle's config.json, and the checks every
 * JSON reader of aa-oci shares (config.c reads its own file with them).
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
#include "aa-oci/oci.h"
#include "aa-oci/util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(yajl_val, yajl_tree_free)
#define _cleanup_yajl_ _cleanup_(yajl_tree_freep)

/*
 * Go's encoding/json, which runc uses, matches an object key to a struct
 * field without regard to case, and with the two non-ASCII letters that
 * fold to ASCII ones: U+017F (long s) and U+212A (Kelvin sign). Keys that
 * name the fields we read are compared the same way, so we read what runc
 * reads. Annotations are a Go map: their keys are compared exactly.
 */
static char *fold_key(const char *k)
{
	size_t len = strlen(k);
	char *f = malloc(len + 1), *o = f;

	if (!f)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)k; *p;) {
		if (p[0] == 0xc5 && p[1] == 0xbf) {
			*o++ = 's';
			p += 2;
		} else if (p[0] == 0xe2 && p[1] == 0x84 && p[2] == 0xaa) {
			*o++ = 'k';
			p += 3;
		} else {
			*o++ = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
			p++;
		}
	}
	*o = '\0';
	return f;
}

/* Exact lookup, for maps (annotations) and for our own config file. */
static yajl_val obj_get(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (streq(obj->u.object.keys[i], key))
			return obj->u.object.values[i];
	return NULL;
}

struct key {
	char *folded;
	const char *key;
};

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct key *)a)->folded,
		      ((const struct key *)b)->folded);
}

/* Objects that name a key twice: see oci_spec_parse. */
int oci_json_unique_keys(yajl_val obj, const char *what, bool fold,
			 struct aa_oci_err *err)
{
	_cleanup_free_ struct key *keys = NULL;
	size_t n = obj->u.object.len;
	int r = 0;

	if (n < 2)
		return 0;
	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		keys[i].key = obj->u.object.keys[i];
		keys[i].folded = fold ? fold_key(keys[i].key)
				      : strdup(keys[i].key);
		if (!keys[i].folded) {
			r = -ENOMEM;
			goto out;
		}
	}
	qsort(keys, n, sizeof(*keys), cmp_key);
	for (size_t i = 1; i < n && r == 0; i++)
		if (streq(keys[i - 1].folded, keys[i].folded))
			r = err_set(err, -EBADMSG,
				    "%s names the key \"%.64s\" twice%s", what,
				    keys[i].key,
				    streq(keys[i - 1].key, keys[i].key)
					    ? ""
					    : " (runc reads keys without regard to case)");
out:
	for (size_t i = 0; i < n; i++)
		free(keys[i].folded);
	return r;
}

/* Deeper than Go's decoder accepts is malformed; it also keeps yajl's
 * recursive tree free from running out of stack. */
#define JSON_DEPTH_MAX 10000

int oci_json_precheck(const char *buf, const char *what,
		      struct aa_oci_err *err)
{
	bool in_string = false;
	int depth = 0;

	for (const char *p = buf; *p; p++) {
		if (in_string) {
			if (*p == '\\') {
				/* yajl turns \u0000 into a NUL that would cut
				 * a key or value short of what runc reads. */
				if (p[1] == 'u' && p[2] == '0' && p[3] == '0' &&
				    p[4] == '0' && p[5] == '0')
					return err_set(err, -EBADMSG,
						       "%s contains an escaped NUL (\\u0000)",
						       what);
				if (p[1])
					p++;
			} else if (*p == '"') {
				in_string = false;
			}
		} else if (*p == '"') {
			in_string = true;
		} else if (*p == '{' || *p == '[') {
			if (++depth > JSON_DEPTH_MAX)
				return err_set(err, -EBADMSG,
					       "%s nests deeper than %d levels",
					       what, JSON_DEPTH_MAX);
		} else if (*p == '}' || *p == ']') {
			depth--;
		}
	}
	return 0;
}

int oci_json_tree(const char *buf, const char *what, yajl_val *ret,
		  struct aa_oci_err *err)
{
	char ebuf[256] = "";
	yajl_val v;
	int r;

	r = oci_json_precheck(buf, what, err);
	if (r < 0)
		return r;
	v = yajl_tree_parse(buf, ebuf, sizeof(ebuf));
	if (!v) {
		/* yajl's message spans lines and points at the byte; keep
		 * the first line, which says what is wrong. */
		ebuf[strcspn(ebuf, "\n")] = '\0';
		return err_set(err, -EBADMSG, "%s is not valid JSON: %s", what,
			       ebuf[0] ? ebuf : "parse error");
	}
	if (!YAJL_IS_OBJECT(v)) {
		yajl_tree_free(v);
		return err_set(err, -EBADMSG, "%s is not a JSON object", what);
	}
	*ret = v;
	return 0;
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
			       "%s: \"%s\" is longer than %zu bytes", what,
			       key, max);
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
	int r;

	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return err_set(err, -EBADMSG,
			       "%s: \"annotations\" is not an object", what);
	r = oci_json_unique_keys(v, "annotations", false, err);
	if (r < 0)
		return r;
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
			return err_set(err, -EBADMSG,
				       "%s: annotation \"%.64s\" is not a string",
				       what, k);
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
	r = oci_json_unique_keys(root, what, false, err);
	if (r < 0)
		return r;
	if ((r = get_string(root, "id", what, 1024, &s.id, err)) < 0 ||
	    (r = get_string(root, "status", what, 64, &s.status, err)) < 0 ||
	    (r = get_string(root, "bundlePath", what, 4096, &s.bundle, err)) < 0 ||
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
 * does not need (mounts, env, seccomp). It is streamed through yajl's
 * callbacks, keeping only process.apparmorProfile, process.noNewPrivileges
 * and the annotations; no tree is built. The checks are those of the tree
 * readers: nesting depth, NULs, duplicate and alias keys (as runc's Go
 * decoder sees keys), types and sizes.
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
	int depth;             /* open maps and arrays */
	enum spec_where where; /* the object the next key belongs to */
	const char *field;     /* the member whose value comes next, or NULL */
	char *annotation_key;  /* the annotation whose value comes next */
	bool seen_root;
	struct key *keys[2];   /* keys of the root and of process */
	size_t n_keys[2];
};

/* Record the error and stop the parse (yajl callbacks return 0). */
#define spec_fail(c, code, ...) ((c)->r = err_set((c)->err, code, __VA_ARGS__), 0)

/* Remember a key of the root or of process (repeats are looked for at the
 * end, sorted); refuse an alias of a field we read. */
static int spec_key(struct spec_ctx *c, int which, const char *key,
		    const char *what, const char *const *fields)
{
	_cleanup_free_ char *f = fold_key(key);
	struct key *nk;

	if (!f) {
		c->r = -ENOMEM;
		return 0;
	}
	for (const char *const *fl = fields; *fl; fl++) {
		_cleanup_free_ char *ff = fold_key(*fl);

		if (ff && streq(ff, f) && !streq(key, *fl)) {
			c->r = err_set(c->err, -EBADMSG,
				       "%s has the key \"%.64s\", which runc reads as \"%s\" and crun ignores; write \"%s\"",
				       what, key, *fl, *fl);
			return 0;
		}
	}
	nk = realloc(c->keys[which], (c->n_keys[which] + 1) * sizeof(*nk));
	if (!nk) {
		c->r = -ENOMEM;
		return 0;
	}
	c->keys[which] = nk;
	nk[c->n_keys[which]].key = strdup(key);
	if (!nk[c->n_keys[which]].key) {
		c->r = -ENOMEM;
		return 0;
	}
	nk[c->n_keys[which]++].folded = TAKE_PTR(f);
	return 1;
}

/* Two keys of one object that are one key to the reader: refuse. */
static int check_sorted(struct key *k, size_t n, const char *what,
			bool folded, struct aa_oci_err *err)
{
	qsort(k, n, sizeof(*k), cmp_key);
	for (size_t i = 1; i < n; i++)
		if (streq(k[i - 1].folded, k[i].folded))
			return err_set(err, -EBADMSG,
				       "%s names the key \"%.64s\" twice%s", what,
				       k[i].key,
				       folded && !streq(k[i - 1].key, k[i].key)
					       ? " (runc reads keys without regard to case)"
					       : "");
	return 0;
}

/* A value arrives: the document's root, or the value of a root member. */
static int spec_value_start(struct spec_ctx *c, bool is_map, bool is_null)
{
	if (!c->seen_root) {
		c->seen_root = true;
		if (!is_map)
			return spec_fail(c, -EBADMSG, "%s is not a JSON object",
					 "config.json");
		return 1;
	}
	if (c->where == IN_ROOT && c->field) {
		const char *f = c->field;

		c->field = NULL;
		if (!is_map && !is_null)
			return spec_fail(c, -EBADMSG,
					 "config.json: \"%s\" is not an object", f);
		if (is_map)
			c->where = streq(f, "process") ? IN_PROCESS : IN_ANNOTATIONS;
		return 1;
	}
	return 1;
}

static int spec_on_scalar(struct spec_ctx *c, int type, const char *str,
			  size_t len)
{
	/* type: 0 null, 1 bool false, 2 bool true, 3 number, 4 string */
	if (type == 4 && memchr(str, '\0', len))
		return spec_fail(c, -EBADMSG,
				 "%s contains an escaped NUL (\\u0000)",
				 "config.json");
	if (!spec_value_start(c, false, type == 0))
		return 0;
	if (c->where == IN_PROCESS && c->depth == 2 && c->field) {
		const char *f = c->field;

		c->field = NULL;
		if (streq(f, "noNewPrivileges")) {
			c->s.no_new_privs = type == 2;
		} else if (type == 4) {
			if (len > AA_OCI_ANNOTATION_VALUE_MAX)
				return spec_fail(c, -E2BIG,
						 "config.json: \"%s\" is longer than 4096 bytes",
						 f);
			free(c->s.apparmor_profile);
			c->s.apparmor_profile = len ? strndup(str, len) : NULL;
			if (len && !c->s.apparmor_profile) {
				c->r = -ENOMEM;
				return 0;
			}
		} else if (type != 0) {
			return spec_fail(c, -EBADMSG,
					 "config.json: \"%s\" is not a string", f);
		}
	} else if (c->where == IN_ANNOTATIONS && c->depth == 2 &&
		   c->annotation_key) {
		struct aa_oci_annotations *a = &c->s.annotations;
		char **nk, **nv;

		if (type != 4) {
			c->r = err_set(c->err, -EBADMSG,
				       "config.json: annotation \"%.64s\" is not a string",
				       c->annotation_key);
			return 0;
		}
		nk = realloc(a->keys, (a->n + 1) * sizeof(*nk));
		if (nk)
			a->keys = nk;
		nv = realloc(a->values, (a->n + 1) * sizeof(*nv));
		if (nv)
			a->values = nv;
		if (!nk || !nv || !(a->values[a->n] = strndup(str, len))) {
			c->r = -ENOMEM;
			return 0;
		}
		a->keys[a->n++] = TAKE_PTR(c->annotation_key);
	}
	return 1;
}

static int spec_null(void *p)
{
	return spec_on_scalar(p, 0, NULL, 0);
}

static int spec_bool(void *p, int b)
{
	return spec_on_scalar(p, b ? 2 : 1, NULL, 0);
}

static int spec_number(void *p, const char *s, size_t len)
{
	return spec_on_scalar(p, 3, s, len);
}

static int spec_string(void *p, const unsigned char *s, size_t len)
{
	return spec_on_scalar(p, 4, (const char *)s, len);
}

static int spec_open(struct spec_ctx *c, bool map)
{
	enum spec_where outer = c->where;

	if (!spec_value_start(c, map, false))
		return 0;
	/* A map or array where process or annotation fields want scalars. */
	if (outer == IN_PROCESS && c->depth == 2 && c->field) {
		if (streq(c->field, "apparmorProfile"))
			return spec_fail(c, -EBADMSG,
					 "config.json: \"%s\" is not a string",
					 c->field);
		c->field = NULL;
	}
	if (outer == IN_ANNOTATIONS && c->depth == 2 && c->annotation_key) {
		c->r = err_set(c->err, -EBADMSG,
			       "config.json: annotation \"%.64s\" is not a string",
			       c->annotation_key);
		return 0;
	}
	if (++c->depth > JSON_DEPTH_MAX)
		return spec_fail(c, -EBADMSG, "%s nests deeper than 10000 levels",
				 "config.json");
	if (c->depth == 1)
		c->where = IN_ROOT;
	else if (c->depth > 2 || (c->where != IN_PROCESS &&
				  c->where != IN_ANNOTATIONS))
		c->where = c->depth == 2 && c->where == IN_ROOT ? IN_OTHER
								 : c->where;
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

	c->depth--;
	if (c->depth == 1)
		c->where = IN_ROOT;
	return 1;
}

static int spec_map_key(void *p, const unsigned char *k, size_t len)
{
	static const char *const root_fields[] = {"process", "annotations", NULL};
	static const char *const proc_fields[] = {"apparmorProfile",
						  "noNewPrivileges", NULL};
	struct spec_ctx *c = p;
	_cleanup_free_ char *key = NULL;

	if (memchr(k, '\0', len))
		return spec_fail(c, -EBADMSG,
				 "%s contains an escaped NUL (\\u0000)",
				 "config.json");
	if (c->depth > 2 || (c->depth == 2 && c->where == IN_OTHER))
		return 1; /* nothing we read */
	key = strndup((const char *)k, len);
	if (!key) {
		c->r = -ENOMEM;
		return 0;
	}
	if (c->depth == 1) {
		if (!spec_key(c, 0, key, "config.json", root_fields))
			return 0;
		c->field = NULL;
		if (streq(key, "process"))
			c->field = "process";
		else if (streq(key, "annotations"))
			c->field = "annotations";
		return 1;
	}
	if (c->where == IN_PROCESS) {
		if (!spec_key(c, 1, key, "config.json's process", proc_fields))
			return 0;
		c->field = streq(key, "apparmorProfile")   ? "apparmorProfile"
			   : streq(key, "noNewPrivileges") ? "noNewPrivileges"
							   : NULL;
		return 1;
	}
	/* Annotations: a Go map, exact keys, checked at the end. */
	free(c->annotation_key);
	c->annotation_key = TAKE_PTR(key);
	return 1;
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
	yajl_handle h;
	yajl_status st;

	h = yajl_alloc(&spec_callbacks, NULL, &c);
	if (!h)
		return -ENOMEM;
	st = yajl_parse(h, (const unsigned char *)buf, strlen(buf));
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st != yajl_status_ok && c.r == 0) {
		unsigned char *m = yajl_get_error(h, 0, NULL, 0);

		c.r = err_set(err, -EBADMSG, "config.json is not valid JSON: %s",
			      m ? (const char *)m : "parse error");
		if (m)
			yajl_free_error(h, m);
	}
	if (c.r == 0 && !c.seen_root)
		c.r = err_set(err, -EBADMSG, "config.json is not valid JSON: %s",
			      "empty");
	yajl_free(h);
	if (c.r == 0)
		c.r = check_sorted(c.keys[0], c.n_keys[0], "config.json", true,
				   err);
	if (c.r == 0)
		c.r = check_sorted(c.keys[1], c.n_keys[1],
				   "config.json's process", true, err);
	if (c.r == 0 && c.s.annotations.n > 1) {
		struct key *a = calloc(c.s.annotations.n, sizeof(*a));

		if (!a) {
			c.r = -ENOMEM;
		} else {
			for (size_t i = 0; i < c.s.annotations.n; i++)
				a[i] = (struct key){
					.folded = c.s.annotations.keys[i],
					.key = c.s.annotations.keys[i]};
			c.r = check_sorted(a, c.s.annotations.n, "annotations",
					   false, err);
			free(a);
		}
	}
	for (int w = 0; w < 2; w++) {
		for (size_t i = 0; i < c.n_keys[w]; i++) {
			free(c.keys[w][i].folded);
			free((char *)c.keys[w][i].key);
		}
		free(c.keys[w]);
	}
	free(c.annotation_key);
	if (c.r < 0) {
		oci_spec_free(&c.s);
		return c.r;
	}
	*ret = c.s;
	return 0;
}

int oci_bundle_read_config(const char *bundle, char **ret_buf,
			   struct aa_oci_err *err)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, -errno, "bundle \"%.256s\": %s", bundle,
			       strerror(errno));
	r = read_file_at(dfd, "config.json", false, AA_OCI_SPEC_MAX, &buf,
			 &len);
	if (r == -E2BIG)
		return err_set(err, r,
			       "%.256s/config.json is larger than %u MiB",
			       bundle, AA_OCI_SPEC_MAX >> 20);
	if (r == -EINVAL)
		return err_set(err, r,
			       "%.256s/config.json is not a regular file",
			       bundle);
	if (r < 0)
		return err_set(err, r, "%.256s/config.json: %s", bundle,
			       strerror(-r));
	if (strlen(buf) != len)
		return err_set(err, -EBADMSG,
			       "%.256s/config.json contains a NUL byte", bundle);
	*ret_buf = TAKE_PTR(buf);
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
