/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing a profile name into a bundle's config.json (aa-oci-runtime).
 * The document is streamed token by token, so every other field stays as
 * it was: unknown fields, key order, and each number's own digits (a
 * seccomp argument of 18446744073709551615 is copied as text, never
 * converted).
 */
#pragma once

#include <stddef.h>

#include "aa-oci/err.h"

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
