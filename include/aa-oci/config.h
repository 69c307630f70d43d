/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aa-oci's settings: built-in defaults, overridden by /etc/aa-oci/config.json.
 */
#pragma once

#include <stdbool.h>

#include "aa-oci/err.h"
#include "aa-oci/rundir.h"

#include "paths.h" /* AA_OCI_DATADIR, AA_OCI_SYSCONFDIR: made by the Makefile */

#define AA_OCI_CONFIG_FILE AA_OCI_SYSCONFDIR "/aa-oci/config.json"
#define AA_OCI_APPARMORFS "/sys/kernel/security/apparmor"
#define AA_OCI_PARSER "/sbin/apparmor_parser"
#define AA_OCI_RUN_DIR "/run/aa-oci"
#define AA_OCI_CACHE_DIR "/var/cache/aa-oci"
#define AA_OCI_PARSER_TIMEOUT_MS 10000
#define AA_OCI_PARSER_NICE (-10)
#define AA_OCI_PROFILE_NAMESPACE "aa-oci"

/* Globs in allowed_profiles at most. */
#define AA_OCI_ALLOWED_MAX 256

/* The settings in /etc/aa-oci/config.json; config.c owns the defaults. */
struct aa_oci_config {
	char **profile_dirs; /* NULL-terminated, absolute */
	char *default_profile;
	char *runtime_default;
	bool allow_unconfined; /* may a container ask for unconfined */
	bool allow_complain;   /* may a container ask for complain mode */
	bool unload_unused; /* unload a profile loaded for containers when the
			     * last container using it ends */
	char **allowed_profiles; /* globs a container's name must match;
				  * NULL: any name there is a source for */
	char *parser;
	long parser_timeout_ms;
	int parser_nice;
	char *run_dir;
	char *cache_dir; /* NULL: no binary policy cache */
	char *runtime;
	char *profile_namespace;      /* the policy namespace the wrappers load
				       * containers' profiles into; "": root */
	struct aa_oci_rundir *rundir; /* run_dir's owner (rundir.c) */
};

/*
 * config_parse - apply the keys present in @buf over @cfg (which holds the
 * defaults). Unknown keys are an error, so a typo cannot silently turn a
 * setting off.
 * Returns: 0, -EBADMSG malformed, -EINVAL a bad value, -ENOMEM.
 */
int config_parse(const char *buf, struct aa_oci_config *cfg,
		 struct aa_oci_err *err);

/* config_init - fill @cfg with the built-in defaults. Returns: 0 or -ENOMEM. */
int config_init(struct aa_oci_config *cfg);

/*
 * config_load - defaults, then the settings in @path. A missing file is
 * fine when @required is false (the default path); a file named on the
 * command line must exist.
 * Returns: 0 or -errno, with one line in @err naming the file.
 */
int config_load(const char *path, bool required, struct aa_oci_config *cfg,
		struct aa_oci_err *err);

/*
 * config_set_run_dir - use @path as run_dir (and a new handle on it).
 * Returns: 0 or -ENOMEM.
 */
int config_set_run_dir(struct aa_oci_config *cfg, const char *path);

void config_free(struct aa_oci_config *cfg);
