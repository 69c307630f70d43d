/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Error detail carried from a module up to the main() that reports it.
 *
 * Modules never print. A function that fails may also fill a struct
 * aa_oci_err with one line saying what it tried, so the caller can log
 * a message that names the thing and the fix. The errno is what counts
 * for logic; the text is for people.
 */
#pragma once

#include <stddef.h>

#define AA_OCI_ERR_MAX 1024

struct aa_oci_err {
	int code;		   /* -errno, 0 when unset */
	char text[AA_OCI_ERR_MAX]; /* one line, no trailing newline */
};

/*
 * err_set - record @code and a printf-style message in @err (may be NULL).
 * Returns: @code, so a caller can write `return err_set(err, -ENOENT, ...)`.
 */
int err_set(struct aa_oci_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* err_clear - reset @err to "no error". */
void err_clear(struct aa_oci_err *err);
