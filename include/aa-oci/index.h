/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which file declares a profile: an index of `profile NAME` declarations in
 * the profile directories, kept in a file and rebuilt only when a
 * directory or one of its files changed (checked with stat, not by reading
 * the files), so a start does not parse every profile on the node.
 */
#pragma once

#include <stdbool.h>

#include "aa-oci/err.h"

/*
 * index_declared - call @fn for each name the text declares with the
 * `profile` keyword (bare or "quoted"). Comments are skipped.
 * Returns: 0, or the first non-zero value @fn returned.
 */
int index_declared(const char *text,
		   int (*fn)(const char *name, size_t len, void *data),
		   void *data);

/*
 * index_lookup - the file in @dirs (NULL-terminated, searched in order)
 * that declares `profile @name`, from the index in @index_path (relative to
 * @index_dirfd; NULL: none) when it is still true of the directories, else from
 * a fresh scan, which is then saved there (atomically; failing to save only
 * costs speed).
 * @ret_rebuilt, if not NULL, says whether the directories were scanned.
 * Returns: 0, -ENOENT none declares it, or -errno.
 */
int index_lookup(char *const *dirs, int index_dirfd, const char *index_path,
		 const char *name, char **ret_path, bool *ret_rebuilt,
		 struct aa_oci_err *err);

/*
 * index_skip_entry - is @name, an entry of a profile directory, never a
 * profile source: dotfiles (editors' swap and lock files, Kubernetes'
 * ..data), editor and package-manager leftovers, README.
 */
bool index_skip_entry(const char *name);
