/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small TOML reader for what aa-oci configure edits in an engine's own
 * file (containerd's config.toml): it walks the statements (table headers
 * and key = value lines) and hands each to a callback with its full key
 * path and its byte range, so that an edit touches those bytes and leaves
 * every other byte (comments, layout) as it was. Values are skipped with
 * their syntax checked (strings of the four kinds, arrays over several
 * lines, inline tables), not converted; toml_string_array reads the one
 * kind of value the caller needs. Not a TOML validator: a key defined
 * twice is not found, for one. The caller bounds the size of the text.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "aa-oci/err.h"

#define TOML_PATH_MAX 16 /* keys in one dotted key or header */
#define TOML_NEST_MAX 32 /* arrays and inline tables inside each other */

enum toml_kind {
	TOML_TABLE,	  /* [a.b] */
	TOML_ARRAY_TABLE, /* [[a.b]] */
	TOML_KEY,	  /* a.b = value, under the current table */
};

struct toml_stmt {
	enum toml_kind kind;
	const char *const
	    *path; /* the full path: the table's, then the key's */
	size_t n;
	unsigned line;	 /* from 1 */
	size_t start;	 /* the statement's first byte */
	size_t line_end; /* just past its last line's newline (or the end) */
	/* TOML_KEY: the value's bytes, and whether they span lines */
	size_t value_start, value_end;
	bool multiline;
};

/*
 * toml_scan - call @fn(@stmt, @ud) for each statement of the @len bytes at
 * @buf, in order; @fn returns 0 to go on, or -errno to stop (returned).
 * A syntax error stops the scan: -EBADMSG, "@what is not valid TOML:
 * REASON (line L, column C)" in @err.
 * Returns: 0, -EBADMSG, -E2BIG a path or nesting over its limit (also with
 *          the position), -ENOMEM, or @fn's -errno.
 */
int toml_scan(const char *buf, size_t len, const char *what,
	      int (*fn)(const struct toml_stmt *stmt, void *ud), void *ud,
	      struct aa_oci_err *err);

/*
 * toml_string_array - the value at @buf[@start, @end) as an array of
 * one-line strings (basic without escapes other than \" and \\, or
 * literal), all on one line.
 * Returns: 0 (*@ret a NULL-terminated vector, strv_free), -EINVAL a value
 *          of another shape, -ENOMEM.
 */
int toml_string_array(const char *buf, size_t start, size_t end, char ***ret);
