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
 * member of "process").
 * Returns: 0, -EBADMSG malformed JSON or no "process" object, -ENOMEM.
 */
int rewrite_profile(const char *in, size_t len, const char *profile,
		    char **ret_out, size_t *ret_len, struct aa_oci_err *err);

/*
 * rewrite_bundle_profile - the same on <@bundle>/config.json, in place and
 * atomically: a temporary file in the bundle directory, with the original's
 * mode and owner, fsync'd, renamed over it. On failure the file is as it
 * was and no temporary file is left.
 * Returns: 0 or -errno with a line in @err.
 */
int rewrite_bundle_profile(const char *bundle, const char *profile,
			   struct aa_oci_err *err);
