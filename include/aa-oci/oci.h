/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON documents aa-oci reads: the OCI state a runtime passes to a hook
 * on stdin, a bundle's config.json, and /etc/aa-oci/config.json. Each is
 * parsed into plain owned structs; the JSON library stays inside oci.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <yajl/yajl_tree.h>

#include "aa-oci/err.h"

/* Limits on single values, checked before use. */
#define AA_OCI_ANNOTATION_KEY_MAX 256
#define AA_OCI_ANNOTATION_VALUE_MAX 4096

struct aa_oci_annotations {
	char **keys;
	char **values;
	size_t n;
};

struct aa_oci_state {
	char *id;
	char *status;
	char *bundle; /* "bundle", or the legacy "bundlePath" */
	pid_t pid;    /* 0 when absent */
	struct aa_oci_annotations annotations;
};

struct aa_oci_spec {
	char *apparmor_profile; /* process.apparmorProfile; NULL when absent or "" */
	bool no_new_privs;      /* process.noNewPrivileges */
	struct aa_oci_annotations annotations;
};

/* The settings in /etc/aa-oci/config.json; config.c owns defaults. */
struct aa_oci_config {
	char **profile_dirs; /* NULL-terminated, absolute */
	char *default_profile;
	char *runtime_default;
	bool allow_unconfined;
	char *parser;
	long parser_timeout_ms;
	int parser_nice;
	char *run_dir;
	char *cache_dir; /* NULL: no binary policy cache */
	char *runtime;
};

/*
 * oci_state_parse - parse the OCI state JSON in @buf (NUL-terminated).
 * Returns: 0, -EBADMSG malformed or wrong types (detail in @err),
 *          -EINVAL no bundle, -E2BIG a value over its limit, -ENOMEM.
 */
int oci_state_parse(const char *buf, struct aa_oci_state *ret,
		    struct aa_oci_err *err);
void oci_state_free(struct aa_oci_state *s);

/*
 * oci_spec_parse - parse the parts of config.json aa-oci needs.
 * Objects it reads (the root, process, annotations) must not repeat a key:
 * runtimes written in Go take the last duplicate, so reading the first would
 * let a bundle show us one profile and the runtime another.
 * Returns: 0, -EBADMSG, -E2BIG, -ENOMEM.
 */
int oci_spec_parse(const char *buf, struct aa_oci_spec *ret,
		   struct aa_oci_err *err);
void oci_spec_free(struct aa_oci_spec *s);

/*
 * oci_bundle_read_config - the text of <bundle>/config.json, opened
 * relative to the bundle directory: a regular file of at most
 * AA_OCI_SPEC_MAX bytes with no NUL byte.
 * Returns: 0 or -errno (detail in @err).
 */
int oci_bundle_read_config(const char *bundle, char **ret_buf,
			   struct aa_oci_err *err);

/*
 * oci_spec_read_bundle - read and parse <bundle>/config.json, opened
 * relative to the bundle directory, at most AA_OCI_SPEC_MAX bytes.
 * Returns: 0 or -errno (detail in @err).
 */
int oci_spec_read_bundle(const char *bundle, struct aa_oci_spec *ret,
			 struct aa_oci_err *err);


/*
 * oci_json_precheck - refuse JSON text no parser of ours should walk:
 * nesting deeper than 10,000 levels (Go's own limit; yajl's tree would
 * recurse off the stack), and escaped NULs (\u0000), which yajl turns into
 * a NUL that cuts a key or value short of what runc reads.
 * Returns: 0 or -EBADMSG (detail in @err, naming @what).
 */
int oci_json_precheck(const char *buf, const char *what,
		      struct aa_oci_err *err);

/*
 * oci_json_tree - oci_json_precheck, then yajl's tree of @buf, which must
 * be a JSON object. Returns: 0 (*ret to be freed with yajl_tree_free) or
 * -EBADMSG (detail in @err, naming @what).
 */
int oci_json_tree(const char *buf, const char *what, yajl_val *ret,
		  struct aa_oci_err *err);

/*
 * oci_json_unique_keys - refuse an object that names a key twice; with
 * @fold, twice as Go's decoder sees keys (without regard to case), so
 * "apparmorProfile" and "ApparmorProfile" are one key named twice.
 * Returns: 0, -EBADMSG (detail in @err), -ENOMEM.
 */
int oci_json_unique_keys(yajl_val obj, const char *what, bool fold,
			 struct aa_oci_err *err);

/*
 * oci_log_line - one line of a runtime's JSON log, as containerd's shim and
 * CRI-O read it from --log when --log-format json:
 * {"level":LEVEL,"msg":MSG,"time":TIME}\n, in a new string.
 * Returns: 0 or -ENOMEM.
 */
int oci_log_line(const char *level, const char *msg, const char *time,
		 char **ret);

/* oci_annotation_get - the value of @key, or NULL. */
const char *oci_annotation_get(const struct aa_oci_annotations *a,
			       const char *key);
