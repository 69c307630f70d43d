/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "aa-oci/config.h"
#include "aa-oci/util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(yajl_val, yajl_tree_free)
#define _cleanup_yajl_ _cleanup_(yajl_tree_freep)

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

int config_parse(const char *buf, struct aa_oci_config *cfg,
		 struct aa_oci_err *err)
{
	_cleanup_yajl_ yajl_val root = NULL;
	int r;

	r = oci_json_tree(buf, "config file", &root, err);
	if (r < 0)
		return r;
	r = oci_json_unique_keys(root, "config file", false, err);
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
		} else if (streq(k, "parser_nice")) {
			if (!YAJL_IS_INTEGER(v) || v->u.number.i < -20 ||
			    v->u.number.i > 19)
				r = err_set(err, -EINVAL,
					    "\"parser_nice\" must be a whole number from -20 to 19");
			else
				cfg->parser_nice = (int)v->u.number.i;
		} else
			r = err_set(err, -EINVAL, "unknown key \"%.64s\"", k);
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
	cfg->parser = strdup(AA_OCI_PARSER);
	cfg->run_dir = strdup(AA_OCI_RUN_DIR);
	cfg->cache_dir = strdup(AA_OCI_CACHE_DIR);
	cfg->parser_timeout_ms = AA_OCI_PARSER_TIMEOUT_MS;
	cfg->parser_nice = AA_OCI_PARSER_NICE;
	if (!cfg->runtime_default || !cfg->parser || !cfg->run_dir ||
	    !cfg->cache_dir)
		goto oom;
	return 0;
oom:
	config_free(cfg);
	return -ENOMEM;
}

void config_free(struct aa_oci_config *cfg)
{
	strv_free(cfg->profile_dirs);
	free(cfg->default_profile);
	free(cfg->runtime_default);
	free(cfg->parser);
	free(cfg->run_dir);
	free(cfg->cache_dir);
	free(cfg->runtime);
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
	r = read_file_at(AT_FDCWD, path, false, AA_OCI_SETTINGS_MAX, &buf, &len);
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
		return err_set(err, -EBADMSG, "config file %s contains a NUL byte",
			       path);
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
