/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The binary policy cache: compiled policy kept under cache_dir, in the
 * directory libapparmor's policy cache API keeps for the kernel's features,
 * each entry named by a content key. The key covers everything that decides
 * the binary: the source and every file it includes or pins as its abi, the
 * parser (its path, identity and configuration), the mode, and the kernel's
 * features. A stale binary can therefore never be found under a key.
 *
 * Under cache_dir: .lock, a features directory per set of kernel features
 * (<features-id>.<n>/, made by libapparmor, holding its .features and the
 * entries), nothing else; hook/cache.c lists every file. Opening the cache
 * and clearing it take an exclusive flock on .lock, so any number of
 * processes may open, read and write the cache at once; reading and writing
 * entries take no lock.
 */
#pragma once

#include <stddef.h>
#include <sys/apparmor.h>
#include <time.h>

#include "aa-oci/err.h"
#include "aa-oci/mode.h"

#define AA_OCI_CACHE_KEY_LEN 64

struct aa_oci_cache;

/* What the key depends on besides the source. */
struct aa_oci_cache_inputs {
	const char *parser;	 /* absolute path of apparmor_parser */
	const char *parser_conf; /* its config file, NULL for none */
	const char *include_dir; /* where <...> includes are found */
	aa_features *features;
	enum aa_oci_mode mode;
	const char *ns; /* the policy namespace (apparmor_parser -n); NULL */
	const char *memo_dir; /* where keys are memoized by stat, or NULL */
};

/*
 * cache_key - the key for compiling @src_path (whose text is @src_text when
 * not NULL, e.g. a generated profile; else the file is read).
 * Returns: 0, -ENOTSUP when an include cannot be followed (a variable in
 * its path, a missing file, too many files): such a profile is compiled
 * every time, never cached; or -errno.
 */
int cache_key(const struct aa_oci_cache_inputs *in, const char *src_path,
	      const char *src_text, char ret_key[AA_OCI_CACHE_KEY_LEN + 1],
	      struct aa_oci_err *err);

/*
 * cache_includes - every file and directory @src_path pulls in (include,
 * include if exists, abi; followed recursively, as the key follows them),
 * absent optional ones included, in a new NULL-terminated list: what a
 * watcher must follow to know the profile changed.
 * Returns: 0, -ENOTSUP (an include it cannot follow), or -errno.
 */
int cache_includes(const char *include_dir, const char *src_path,
		   char ***ret_files, struct aa_oci_err *err);

/*
 * cache_open - the cache for @features under @cache_dir (created 0700 when
 * missing), its features directory found or created under the lock on
 * @cache_dir/.lock, which is released before returning.
 * Returns: 0 or -errno with a line in @err (the caller warns and compiles
 * without a cache).
 */
int cache_open(const char *cache_dir, aa_features *features,
	       struct aa_oci_cache **ret, struct aa_oci_err *err);
void cache_close(struct aa_oci_cache *c);

/*
 * cache_get - the binary stored under @key, checked against the checksum
 * stored with it. Returns: 0, -ENOENT no entry, -EBADMSG a corrupt or
 * truncated entry (the caller recompiles and overwrites it), or -errno.
 */
int cache_get(struct aa_oci_cache *c, const char *key, char **ret_buf,
	      size_t *ret_len);

/*
 * cache_put - store @len bytes of binary policy under @key: a temporary
 * file, fsync, rename, so readers see a whole entry or none.
 * Returns: 0 or -errno.
 */
int cache_put(struct aa_oci_cache *c, const char *key, const void *buf,
	      size_t len);

/* cache_remove - drop the entry under @key, if any. Returns: 0 or -errno. */
int cache_remove(struct aa_oci_cache *c, const char *key);

struct aa_oci_cache_entry {
	char dir[64]; /* the features directory, e.g. 6b0d76a2.0 */
	char key[AA_OCI_CACHE_KEY_LEN + 1];
	size_t size; /* bytes of binary policy */
	time_t mtime;
	int valid; /* the checksum holds */
};

/*
 * cache_list - every entry under @cache_dir, in a new array.
 * Returns: 0 (an absent cache is empty) or -errno.
 */
int cache_list(const char *cache_dir, struct aa_oci_cache_entry **ret,
	       size_t *ret_n);

/*
 * cache_entry_read - the binary policy of @e (from cache_list), checked as
 * cache_get checks it, in a new buffer; for `aa-oci cache list`, which
 * reads what an entry declares without opening the cache for the kernel's
 * features. Returns: 0, -EBADMSG a damaged entry, or -errno.
 */
int cache_entry_read(const char *cache_dir, const struct aa_oci_cache_entry *e,
		     char **ret_buf, size_t *ret_len);

/*
 * cache_clear - remove every entry and features directory under
 * @cache_dir, leaving the directory itself and its .lock; holds the lock,
 * so an opener at the same time finds either the old directory or none.
 * A cache opened before the clear stores nothing more (cache_put fails
 * with -ENOENT) until it is opened again.
 * @ret_removed: how many features directories were removed (may be NULL).
 * Returns: 0 or -errno.
 */
int cache_clear(const char *cache_dir, size_t *ret_removed);
