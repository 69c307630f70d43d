/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one JSON rewriter: a profile name into a bundle's config.json
 * (aa-oci-runtime), a runtime into Docker's daemon.json (aa-oci configure).
 * The document is streamed token by token, so every other field stays as
 * it was: unknown fields, key order, and each number's own digits (a
 * seccomp argument of 18446744073709551615 is copied as text, never
 * converted). Only the layout changes: yajl_gen's, beautified.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "aa-oci/err.h"

#define REWRITE_SETS_MAX 8 /* members set in one pass */
#define REWRITE_PATH_MAX 8 /* keys from the root to one member */

/* One key on the way to a member. @fold: a Go struct field, matched with
 * the spec's fold matcher (case folded, an alias refused); otherwise the
 * exact bytes (a key of a Go map). */
struct rewrite_key {
	const char *name;
	bool fold;
};

/* What the document held where a member was set. */
enum rewrite_old {
	REWRITE_ABSENT,
	REWRITE_STRING,
	REWRITE_NULL,
	REWRITE_BOOL,
	REWRITE_NUMBER,
	REWRITE_OBJECT,
	REWRITE_ARRAY,
};

/* A string member to set: @path (@n keys) from the root; out: @old_kind
 * and, for a string, its text @old (freed by rewrite_spec_clear). */
struct rewrite_set {
	const struct rewrite_key *path;
	size_t n;
	const char *value;
	enum rewrite_old old_kind;
	char *old;
	bool done; /* internal */
};

struct rewrite_spec {
	const char *what; /* the document's name in messages */
	/* Matches a folding key (oci_key_field's contract): 1 the field, 0
	 * another key, -errno an alias refused with a line in @err naming
	 * @holder, the object holding the key. */
	int (*fold)(const char *key, size_t len, const char *field,
		    const char *holder, struct aa_oci_err *err);
	/* Objects missing on a member's path are created; otherwise
	 * refused: "WHAT has no \"KEY\" object". */
	bool create;
	const char *indent; /* NULL: a tab */
	struct rewrite_set *sets;
	size_t n_sets;
};

/*
 * rewrite_json - copy the JSON object in @in (@len bytes) with each member
 * of @spec set to its string: the old value (of any type) replaced, or the
 * member added as the last of its object. The text passes the JSON front
 * door (json.h) in the same pass. An object on a member's path met twice,
 * or a value on the way that is not an object, is refused.
 * Returns: 0 (*@ret_out, NUL-terminated, ends in a newline), -EBADMSG
 *          (detail in @err), -EINVAL a bad spec, -ENOMEM.
 */
int rewrite_json(const char *in, size_t len, struct rewrite_spec *spec,
		 char **ret_out, size_t *ret_len, struct aa_oci_err *err);

/* rewrite_spec_clear - free the old strings rewrite_json recorded. */
void rewrite_spec_clear(struct rewrite_spec *spec);

/*
 * rewrite_profile - copy the JSON in @in (@len bytes) with
 * process.apparmorProfile set to @profile (replaced, or added as the last
 * member of "process"). The text passes the JSON front door (json.h) in
 * the same pass, and "process" and "apparmorProfile" are matched as
 * oci_spec_parse matches them (oci_key_field): an alias runc would read
 * ("Process", "ApparmorProfile") is refused, never left beside a member
 * we add; so is an apparmorProfile that is neither a string nor null.
 * What the reader (oci_spec_parse) accepts is written back: both nest at
 * most JSON_DEPTH_MAX levels, and refuse deeper text with one message.
 * Returns: 0, -EBADMSG malformed JSON (nested too deep included), an
 *          alias or no "process" object, -ENOMEM.
 */
int rewrite_profile(const char *in, size_t len, const char *profile,
		    char **ret_out, size_t *ret_len, struct aa_oci_err *err);

/*
 * rewrite_bundle_config - the same on <@bundle>/config.json as @c read it
 * (oci_bundle_config_read: the bytes that were decided on), in place and
 * atomically: a temporary file in the bundle directory, with the
 * original's mode and owner, fsync'd, renamed over it. A config.json that
 * is a symbolic link, or that changed since it was read, is refused. On
 * failure the file is as it was and no temporary file is left.
 * Returns: 0 or -errno with a line in @err (-ELOOP a link, -EAGAIN
 * changed since read).
 */
struct aa_oci_bundle_config;
int rewrite_bundle_config(const char *bundle,
			  const struct aa_oci_bundle_config *c,
			  const char *profile, struct aa_oci_err *err);
