/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From profile source to compiled policy: apparmor_parser, behind the
 * binary policy cache (cache.h). A cache hit starts no parser.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "aa-oci/config.h"
#include "aa-oci/err.h"
#include "aa-oci/kernel.h"
#include "aa-oci/mode.h"
#include "aa-oci/oci.h"

/* Where the parser finds <...> includes, and its own settings. */
#define AA_OCI_PARSER_INCLUDE_DIR "/etc/apparmor.d"
#define AA_OCI_PARSER_CONF "/etc/apparmor/parser.conf"

/* Compiled policy is far bigger than its source: room for the largest. */
#define AA_OCI_POLICY_BINARY_MAX (256u << 20)

struct aa_oci_compiled {
	char *buf; /* the binary policy */
	size_t len;
	bool from_cache; /* no parser ran */
	bool stored;	 /* compiled and written to the cache */
	char key[65];	 /* its cache key, "" when the cache was not used */
	char warning[AA_OCI_ERR_MAX]; /* the cache could not be used: why */
};

/*
 * compile_run - compile @src with the configured apparmor_parser into the
 * file @out, for the kernel features under @apparmorfs, forcing complain
 * mode when asked, into policy namespace @ns (NULL: none; the parser's
 * --namespace, which names it in the policy's header). No shell; the parser is
 * killed after parser_timeout_ms. Returns: 0, or -errno with the parser's own
 * message in @err.
 */
int compile_run(const struct aa_oci_config *cfg, const char *apparmorfs,
		const char *src, enum aa_oci_mode mode, const char *ns,
		const char *out, struct aa_oci_err *err);

/*
 * compile_policy - the binary policy for @src_path (or for @src_text, a
 * generated profile that @src_path names in messages), from the cache when
 * it holds an entry for exactly these inputs, else from the parser, storing
 * the result. A cache that cannot be used (read-only, full, corrupt entry)
 * costs a compile and fills @ret->warning; it never fails the call.
 * Returns: 0 or -errno with one line in @err.
 */
int compile_policy(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		   const char *src_path, const char *src_text,
		   enum aa_oci_mode mode, const char *ns,
		   struct aa_oci_compiled *ret, struct aa_oci_err *err);

/*
 * compile_forget - drop the cache entry the last compile_policy() of these
 * inputs used (the kernel refused it); best effort.
 */
void compile_forget(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		    const char *src_path, const char *src_text,
		    enum aa_oci_mode mode, const char *ns);

/*
 * compile_parser_version - the configured parser's version (@v: major,
 * minor, micro), from `PARSER --version`, asked once per parser file (its
 * path and stat) and remembered in run_dir.
 * Returns: 0, -EBADMSG no version in its answer, -EIO it failed, -errno.
 */
int compile_parser_version(const struct aa_oci_config *cfg, unsigned v[3]);

/*
 * compile_parser_propagation_ok - does a parser of version @v compile mount
 * propagation rules (`mount options=(rw, make-slave) -> PATH,`) as what
 * they say? Older parsers made them allow every mount.
 */
bool compile_parser_propagation_ok(const unsigned v[3]);

void compiled_free(struct aa_oci_compiled *c);
