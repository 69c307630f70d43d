/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON documents aa-oci reads: the OCI state a runtime passes to a hook
 * on stdin, a bundle's config.json, and /etc/aa-oci/config.json. Each is
 * parsed into plain owned structs; the JSON library stays inside oci.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
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
	char *apparmor_profile; /* process.apparmorProfile; "" is NULL */
	bool no_new_privs;	/* process.noNewPrivileges */
	struct aa_oci_annotations annotations;
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
 * oci_spec_parse - parse the parts of config.json aa-oci needs, in one
 * pass through the JSON front door (json.h). No object may repeat a key:
 * runtimes written in Go take the last duplicate, so reading the first would
 * let a bundle show us one profile and the runtime another. The root and
 * process are also checked as runc reads keys (oci_key_is): an alias of a
 * field we read, or two keys that are one to runc, are refused.
 * Returns: 0, -EBADMSG, -E2BIG, -ENOMEM.
 */
int oci_spec_parse(const char *buf, struct aa_oci_spec *ret,
		   struct aa_oci_err *err);
void oci_spec_free(struct aa_oci_spec *s);

/* <bundle>/config.json as read once: decide and rewrite from these bytes. */
struct aa_oci_bundle_config {
	int dirfd; /* the bundle directory */
	char *buf; /* the text, NUL-terminated, no NUL inside */
	size_t len;
	struct stat st; /* of the file read */
	bool link;	/* config.json is a symbolic link (read through it) */
};

/*
 * oci_bundle_config_read - read <bundle>/config.json once, opened relative
 * to the bundle directory (kept open in @ret): a regular file of at most
 * AA_OCI_SPEC_MAX bytes with no NUL byte. A symbolic link is followed, as
 * runc follows it, and said so in ret->link.
 * Returns: 0 or -errno (detail in @err).
 */
int oci_bundle_config_read(const char *bundle, struct aa_oci_bundle_config *ret,
			   struct aa_oci_err *err);
void oci_bundle_config_free(struct aa_oci_bundle_config *c);

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
 * oci_json_tree - yajl's tree of @buf (NUL-terminated), a JSON object,
 * after the front door's checks (json.h: strict JSON, depth, NULs, no key
 * twice in any object), messages naming @what. The same as json_tree.
 * Returns: 0 (*ret to be freed with yajl_tree_free), -EBADMSG (detail in
 * @err), -ENOMEM.
 */
int oci_json_tree(const char *buf, const char *what, yajl_val *ret,
		  struct aa_oci_err *err);

/*
 * oci_key_is - does the object key @key (@len bytes) name the struct field
 * @field (ASCII) as runc's Go decoder matches keys: ASCII letters without
 * regard to case, U+017F as 's', U+212A as 'k'? The one matcher of
 * config.json's field names, for its reader and its rewriter alike.
 */
bool oci_key_is(const char *key, size_t len, const char *field);

/*
 * oci_key_field - oci_key_is, refusing an alias: a key runc reads as
 * @field that is not spelled @field ("ApparmorProfile"), which crun would
 * ignore; the message names @what, the object holding the key.
 * Returns: 1 the key is @field, 0 another key, -EBADMSG an alias.
 */
int oci_key_field(const char *key, size_t len, const char *field,
		  const char *what, struct aa_oci_err *err);

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

/*
 * A JSON writer for what aa-oci prints for machines: open and close
 * objects and arrays, members (a NULL @key inside an array; a NULL string
 * value is null). Text that is not UTF-8 makes the document fail.
 */
struct oci_json_writer;
int oci_json_writer_new(struct oci_json_writer **ret);
void oci_json_writer_free(struct oci_json_writer *w);
void oci_json_open(struct oci_json_writer *w, bool array);
void oci_json_close(struct oci_json_writer *w, bool array);
void oci_json_key(struct oci_json_writer *w, const char *key);
void oci_json_string(struct oci_json_writer *w, const char *key,
		     const char *value);
void oci_json_int(struct oci_json_writer *w, const char *key, long long v);
void oci_json_bool(struct oci_json_writer *w, const char *key, bool v);
/* oci_json_writer_text - the document. Returns: 0, -EINVAL, -ENOMEM. */
int oci_json_writer_text(struct oci_json_writer *w, char **ret);
