/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON in: the OCI state, a bundle's config.json, aa-oci's own config file.
 * yajl's tree is walked once and freed at once; what leaves this file is
 * plain owned C data.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
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

/*
 * Refuse a key that only Go's folding makes one of @fields ("ApparmorProfile"
 * for "apparmorProfile"): runc would read it, crun (exact keys) would not,
 * so the two runtimes would confine the container differently.
 */
static int check_aliases(yajl_val obj, const char *const *fields,
			 const char *what, struct aa_oci_err *err)
{
	for (size_t i = 0; i < obj->u.object.len; i++) {
		const char *k = obj->u.object.keys[i];
		_cleanup_free_ char *fk = fold_key(k);

		if (!fk)
			return -ENOMEM;
		for (const char *const *f = fields; *f; f++) {
			_cleanup_free_ char *ff = fold_key(*f);

			if (!ff)
				return -ENOMEM;
			if (streq(fk, ff) && !streq(k, *f))
				return err_set(err, -EBADMSG,
					       "%s has the key \"%.64s\", which runc reads as \"%s\" and crun ignores; write \"%s\"",
					       what, k, *f, *f);
		}
	}
	return 0;
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

/*
 * Refuse objects that name a key twice (see oci_spec_parse); with @fold,
 * twice as Go sees keys, so "apparmorProfile" and "ApparmorProfile" are
 * one key named twice.
 */
static int check_unique_keys(yajl_val obj, const char *what, bool fold,
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

static int parse_tree(const char *buf, const char *what, yajl_val *ret,
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
	r = check_unique_keys(v, "annotations", false, err);
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

	r = parse_tree(buf, what, &root, err);
	if (r < 0)
		return r;
	r = check_unique_keys(root, what, false, err);
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

int oci_spec_parse(const char *buf, struct aa_oci_spec *ret,
		   struct aa_oci_err *err)
{
	_cleanup_yajl_ yajl_val root = NULL;
	struct aa_oci_spec s = {0};
	const char *what = "config.json";
	yajl_val proc;
	int r;

	r = parse_tree(buf, what, &root, err);
	if (r < 0)
		return r;
	static const char *const root_fields[] = {"process", "annotations", NULL};
	static const char *const proc_fields[] = {"apparmorProfile",
						  "noNewPrivileges", NULL};

	r = check_unique_keys(root, what, true, err);
	if (r == 0)
		r = check_aliases(root, root_fields, what, err);
	if (r < 0)
		return r;
	proc = obj_get(root, "process");
	if (proc && !YAJL_IS_NULL(proc)) {
		yajl_val nnp;

		if (!YAJL_IS_OBJECT(proc))
			return err_set(err, -EBADMSG,
				       "%s: \"process\" is not an object", what);
		r = check_unique_keys(proc, "config.json's process", true, err);
		if (r == 0)
			r = check_aliases(proc, proc_fields,
					  "config.json's process", err);
		if (r < 0)
			return r;
		r = get_string(proc, "apparmorProfile", what,
			       AA_OCI_ANNOTATION_VALUE_MAX, &s.apparmor_profile,
			       err);
		if (r < 0)
			goto fail;
		if (s.apparmor_profile && !s.apparmor_profile[0]) {
			free(s.apparmor_profile);
			s.apparmor_profile = NULL;
		}
		nnp = obj_get(proc, "noNewPrivileges");
		s.no_new_privs = nnp && YAJL_IS_TRUE(nnp);
	}
	r = parse_annotations(root, what, &s.annotations, err);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	oci_spec_free(&s);
	return r;
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

/* --- /etc/aa-oci/config.json --- */

static int config_string(yajl_val v, const char *key, bool absolute,
			 char **ret, struct aa_oci_err *err)
{
	if (!YAJL_IS_STRING(v))
		return err_set(err, -EINVAL, "\"%s\" must be a string", key);
	if (strlen(v->u.string) > 4096)
		return err_set(err, -EINVAL, "\"%s\" is too long", key);
	if (absolute && v->u.string[0] != '/')
		return err_set(err, -EINVAL,
			       "\"%s\" must be an absolute path, not \"%.256s\"",
			       key, v->u.string);
	free(*ret);
	*ret = strdup(v->u.string);
	return *ret ? 0 : -ENOMEM;
}

static int config_dirs(yajl_val v, char ***ret, struct aa_oci_err *err)
{
	char **dirs;
	size_t n;

	if (!YAJL_IS_ARRAY(v))
		return err_set(err, -EINVAL,
			       "\"profile_dirs\" must be an array of paths");
	n = v->u.array.len;
	if (n > 64)
		return err_set(err, -EINVAL,
			       "\"profile_dirs\" has more than 64 entries");
	dirs = calloc(n + 1, sizeof(char *));
	if (!dirs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int r = config_string(v->u.array.values[i], "profile_dirs",
				      true, &dirs[i], err);
		if (r < 0) {
			strv_free(dirs);
			return r;
		}
	}
	strv_free(*ret);
	*ret = dirs;
	return 0;
}

int oci_config_parse(const char *buf, struct aa_oci_config *cfg,
		     struct aa_oci_err *err)
{
	_cleanup_yajl_ yajl_val root = NULL;
	int r;

	r = parse_tree(buf, "config file", &root, err);
	if (r < 0)
		return r;
	r = check_unique_keys(root, "config file", false, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < root->u.object.len; i++) {
		const char *k = root->u.object.keys[i];
		yajl_val v = root->u.object.values[i];

		if (streq(k, "profile_dirs"))
			r = config_dirs(v, &cfg->profile_dirs, err);
		else if (streq(k, "default_profile"))
			r = config_string(v, k, false, &cfg->default_profile, err);
		else if (streq(k, "runtime_default"))
			r = config_string(v, k, false, &cfg->runtime_default, err);
		else if (streq(k, "parser"))
			r = config_string(v, k, true, &cfg->parser, err);
		else if (streq(k, "run_dir"))
			r = config_string(v, k, true, &cfg->run_dir, err);
		else if (streq(k, "cache_dir") && YAJL_IS_STRING(v) &&
			 !v->u.string[0]) {
			free(cfg->cache_dir); /* "": no cache */
			cfg->cache_dir = NULL;
		} else if (streq(k, "cache_dir"))
			r = config_string(v, k, true, &cfg->cache_dir, err);
		else if (streq(k, "runtime"))
			r = config_string(v, k, true, &cfg->runtime, err);
		else if (streq(k, "allow_unconfined")) {
			if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
				r = err_set(err, -EINVAL,
					    "\"allow_unconfined\" must be true or false");
			else
				cfg->allow_unconfined = YAJL_IS_TRUE(v);
		} else if (streq(k, "parser_timeout_ms")) {
			if (!YAJL_IS_INTEGER(v) || v->u.number.i < 1 ||
			    v->u.number.i > 600000)
				r = err_set(err, -EINVAL,
					    "\"parser_timeout_ms\" must be a whole number from 1 to 600000");
			else
				cfg->parser_timeout_ms = (long)v->u.number.i;
		} else
			r = err_set(err, -EINVAL, "unknown key \"%.64s\"", k);
		if (r < 0)
			return r;
	}
	return 0;
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
