/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "aa-oci/config.h"
#include "aa-oci/util.h"

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
	r = oci_config_parse(buf, cfg, err);
	if (r < 0) {
		/* Prefix the file so the line says where to look. */
		char detail[AA_OCI_ERR_MAX];

		snprintf(detail, sizeof(detail), "%s", err ? err->text : "");
		config_free(cfg);
		return err_set(err, r, "config file %s: %s", path, detail);
	}
	return 0;
}
