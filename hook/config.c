/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "aa-oci/config.h"
#include "aa-oci/oci.h"
#include "aa-oci/resolve.h"
#include "aa-oci/util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(yajl_val, yajl_tree_free)
#define _cleanup_yajl_ _cleanup_(yajl_tree_freep)

static int config_string(yajl_val v, const char *key, bool absolute, char **ret,
			 struct aa_oci_err *err)
{
	if (!YAJL_IS_STRING(v))
		return err_set(err, -EINVAL, "\"%s\" must be a string", key);
	if (strlen(v->u.string) > 4096)
		return err_set(err, -EINVAL, "\"%s\" is too long", key);
	if (absolute && v->u.string[0] != '/')
		return err_set(
		    err, -EINVAL,
		    "\"%s\" must be an absolute path, not \"%.256s\"", key,
		    v->u.string);
	free(*ret);
	*ret = strdup(v->u.string);
	return *ret ? 0 : -ENOMEM;
}

/* An array of at most @max strings (absolute paths when @absolute). */
static int config_strv(yajl_val v, const char *key, bool absolute, size_t max,
		       char ***ret, struct aa_oci_err *err)
{
	char **dirs;
	size_t n;

	if (!YAJL_IS_ARRAY(v))
		return err_set(err, -EINVAL, "\"%s\" must be an array of %s",
			       key, absolute ? "paths" : "strings");
	n = v->u.array.len;
	if (n > max)
		return err_set(err, -EINVAL, "\"%s\" has more than %zu entries",
			       key, max);
	dirs = calloc(n + 1, sizeof(char *));
	if (!dirs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int r = config_string(v->u.array.values[i], key, absolute,
				      &dirs[i], err);
		if (r < 0) {
			strv_free(dirs);
			return r;
		}
	}
	strv_free(*ret);
	*ret = dirs;
	return 0;
}

static int config_bool(yajl_val v, const char *key, bool *ret,
		       struct aa_oci_err *err)
{
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return err_set(err, -EINVAL, "\"%s\" must be true or false",
			       key);
	*ret = YAJL_IS_TRUE(v);
	return 0;
}

/* Globs of profile names: the characters of a name plus * ? [ ] and !,
 * so a pattern cannot name a path, a namespace or a stacked label. */
static int config_allowed(yajl_val v, struct aa_oci_config *cfg,
			  struct aa_oci_err *err)
{
	int r = config_strv(v, "allowed_profiles", false, AA_OCI_ALLOWED_MAX,
			    &cfg->allowed_profiles, err);

	for (char **g = cfg->allowed_profiles; r == 0 && g && *g; g++) {
		size_t bad = strspn(*g, "abcdefghijklmnopqrstuvwxyz"
					"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"0123456789_.+-*?[]!");

		if (!(*g)[0] || (*g)[bad])
			r = err_set(err, -EINVAL,
				    "\"allowed_profiles\" entry \"%.64s\" is "
				    "not a glob of profile names "
				    "(letters, digits, _ . + - and * ? [ ] !)",
				    *g);
	}
	return r;
}

/* Every key config_parse takes, for the "did you mean" of a typo. */
static const char *const known_keys[] = {
    "profile_dirs",
    "allowed_profiles",
    "default_profile",
    "runtime_default",
    "parser",
    "run_dir",
    "cache_dir",
    "runtime",
    "allow_unconfined",
    "allow_complain",
    "unload_unused",
    "parser_timeout_ms",
    "parser_nice",
    "profile_namespace",
    NULL,
};

/* Case and '-' for '_' are not typos worth a step. */
static char fold(char c)
{
	return c == '-' ? '_' : (char)tolower((unsigned char)c);
}

/*
 * Edit distance of @a and @b (at most 64 bytes each), counting an
 * insertion, a deletion, a change and a swap of two neighbours as one
 * step (optimal string alignment). Longer: SIZE_MAX.
 */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[65][65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = fold(a[i - 1]) != fold(b[j - 1]);
			size_t best = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 &&
			    fold(a[i - 1]) == fold(b[j - 2]) &&
			    fold(a[i - 2]) == fold(b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

/* The one known key close to @key (2 steps, 1 for keys of up to 6
 * letters), or NULL when none is or two are equally close. */
static const char *nearest_key(const char *key)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	bool tie = false;

	for (const char *const *k = known_keys; *k; k++) {
		size_t d = distance(key, *k);

		if (d > (strlen(*k) <= 6 ? 1u : 2u) || d > best_d)
			continue;
		tie = d == best_d;
		best = *k;
		best_d = d;
	}
	return tie ? NULL : best;
}

static int unknown_key(const char *k, struct aa_oci_err *err)
{
	const char *near = nearest_key(k);

	if (near)
		return err_set(err, -EINVAL,
			       "unknown key \"%.64s\": did you mean \"%s\"?", k,
			       near);
	return err_set(err, -EINVAL,
		       "unknown key \"%.64s\"; the keys are in aa-oci-hook(8)",
		       k);
}

int config_parse(const char *buf, struct aa_oci_config *cfg,
		 struct aa_oci_err *err)
{
	_cleanup_yajl_ yajl_val root = NULL;
	int r;

	/* The front door refuses repeated keys, comments, NULs, depth. */
	r = oci_json_tree(buf, "config file", &root, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < root->u.object.len; i++) {
		const char *k = root->u.object.keys[i];
		yajl_val v = root->u.object.values[i];

		if (streq(k, "profile_dirs"))
			r = config_strv(v, k, true, 64, &cfg->profile_dirs,
					err);
		else if (streq(k, "allowed_profiles"))
			r = config_allowed(v, cfg, err);
		else if (streq(k, "default_profile"))
			r = config_string(v, k, false, &cfg->default_profile,
					  err);
		else if (streq(k, "runtime_default"))
			r = config_string(v, k, false, &cfg->runtime_default,
					  err);
		else if (streq(k, "parser"))
			r = config_string(v, k, true, &cfg->parser, err);
		else if (streq(k, "run_dir")) {
			_cleanup_free_ char *dir = NULL;

			r = config_string(v, k, true, &dir, err);
			if (r == 0)
				r = config_set_run_dir(cfg, dir);
		} else if (streq(k, "cache_dir") && YAJL_IS_STRING(v) &&
			   !v->u.string[0]) {
			free(cfg->cache_dir); /* "": no cache */
			cfg->cache_dir = NULL;
		} else if (streq(k, "cache_dir"))
			r = config_string(v, k, true, &cfg->cache_dir, err);
		else if (streq(k, "runtime"))
			r = config_string(v, k, true, &cfg->runtime, err);
		else if (streq(k, "profile_namespace")) {
			/* checked before it replaces the value in @cfg */
			_cleanup_free_ char *ns = NULL;

			r = config_string(v, k, false, &ns, err);
			if (r == 0 && ns[0] &&
			    profile_namespace_validate(ns, err) < 0) {
				char why[AA_OCI_ERR_MAX];

				snprintf(why, sizeof(why), "%s",
					 err ? err->text : "");
				r = err_set(
				    err, -EINVAL,
				    "\"profile_namespace\": %s (or \"\" "
				    "for the root namespace)",
				    why);
			}
			if (r == 0) {
				free(cfg->profile_namespace);
				cfg->profile_namespace = TAKE_PTR(ns);
			}
		} else if (streq(k, "allow_unconfined"))
			r = config_bool(v, k, &cfg->allow_unconfined, err);
		else if (streq(k, "allow_complain"))
			r = config_bool(v, k, &cfg->allow_complain, err);
		else if (streq(k, "unload_unused"))
			r = config_bool(v, k, &cfg->unload_unused, err);
		else if (streq(k, "parser_timeout_ms")) {
			if (!YAJL_IS_INTEGER(v) || v->u.number.i < 1 ||
			    v->u.number.i > 600000)
				r = err_set(err, -EINVAL,
					    "\"parser_timeout_ms\" must be a "
					    "whole number from 1 to 600000");
			else
				cfg->parser_timeout_ms = (long)v->u.number.i;
		} else if (streq(k, "parser_nice")) {
			if (!YAJL_IS_INTEGER(v) || v->u.number.i < -20 ||
			    v->u.number.i > 19)
				r = err_set(err, -EINVAL,
					    "\"parser_nice\" must be a whole "
					    "number from -20 to 19");
			else
				cfg->parser_nice = (int)v->u.number.i;
		} else
			r = unknown_key(k, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int config_init(struct aa_oci_config *cfg)
{
	static const char *const dirs[] = {
	    "/etc/apparmor.d/containers",
	    "/etc/apparmor.d",
	    AA_OCI_DATADIR "/profiles",
	};
	const size_t n = sizeof(dirs) / sizeof(dirs[0]);

	*cfg = (struct aa_oci_config){0};
	cfg->profile_dirs = calloc(n + 1, sizeof(char *));
	if (!cfg->profile_dirs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(cfg->profile_dirs[i] = strdup(dirs[i])))
			goto oom;
	cfg->runtime_default = strdup("docker-default");
	cfg->profile_namespace = strdup(AA_OCI_PROFILE_NAMESPACE);
	cfg->parser = strdup(AA_OCI_PARSER);
	cfg->cache_dir = strdup(AA_OCI_CACHE_DIR);
	cfg->parser_timeout_ms = AA_OCI_PARSER_TIMEOUT_MS;
	cfg->parser_nice = AA_OCI_PARSER_NICE;
	if (!cfg->runtime_default || !cfg->profile_namespace || !cfg->parser ||
	    !cfg->cache_dir || config_set_run_dir(cfg, AA_OCI_RUN_DIR) < 0)
		goto oom;
	return 0;
oom:
	config_free(cfg);
	return -ENOMEM;
}

int config_set_run_dir(struct aa_oci_config *cfg, const char *path)
{
	struct aa_oci_rundir *rd;
	char *p = strdup(path);

	if (!p || rundir_new(path, &rd) < 0) {
		free(p);
		return -ENOMEM;
	}
	free(cfg->run_dir);
	rundir_free(cfg->rundir);
	cfg->run_dir = p;
	cfg->rundir = rd;
	return 0;
}

void config_free(struct aa_oci_config *cfg)
{
	strv_free(cfg->profile_dirs);
	free(cfg->default_profile);
	free(cfg->runtime_default);
	free(cfg->profile_namespace);
	free(cfg->parser);
	free(cfg->run_dir);
	free(cfg->cache_dir);
	free(cfg->runtime);
	strv_free(cfg->allowed_profiles);
	rundir_free(cfg->rundir);
	*cfg = (struct aa_oci_config){0};
}

int config_load(const char *path, bool required, struct aa_oci_config *cfg,
		struct aa_oci_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = config_init(cfg);
	if (r < 0)
		return err_set(err, r, "out of memory");
	r = read_file_at(AT_FDCWD, path, false, AA_OCI_SETTINGS_MAX, &buf,
			 &len);
	if (r == -ENOENT && !required)
		return 0;
	if (r < 0) {
		config_free(cfg);
		return err_set(err, r, "config file %s: %s", path,
			       r == -EINVAL ? "not a regular file"
					    : strerror(-r));
	}
	if (strlen(buf) != len) {
		config_free(cfg);
		return err_set(err, -EBADMSG,
			       "config file %s contains a NUL byte", path);
	}
	r = config_parse(buf, cfg, err);
	if (r < 0) {
		/* Prefix the file so the line says where to look. */
		char detail[AA_OCI_ERR_MAX];

		snprintf(detail, sizeof(detail), "%s", err ? err->text : "");
		config_free(cfg);
		return err_set(err, r, "config file %s: %s", path, detail);
	}
	return 0;
}
