/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by every module: bounded reads, strings. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define streq(a, b) (strcmp((a), (b)) == 0)

/* Size limits for everything a container or a tenant controls. */
#define AA_OCI_STATE_MAX (1u << 20)	   /* OCI state on stdin: 1 MiB */
#define AA_OCI_SPEC_MAX (16u << 20)	   /* config.json: 16 MiB */
#define AA_OCI_SETTINGS_MAX (1u << 20)	   /* /etc/aa-oci/config.json */
#define AA_OCI_PROFILE_FILE_MAX (4u << 20) /* one profile source file */

/*
 * read_fd_limited - read @fd to EOF into a NUL-terminated buffer.
 * Returns: 0, -E2BIG when more than @limit bytes arrive, or -errno.
 */
int read_fd_limited(int fd, size_t limit, char **ret_buf, size_t *ret_len);

/*
 * read_fd_sized - read_fd_limited for a regular file of @size bytes (from
 * fstat): one read when the size holds; the general loop when it is 0
 * (procfs, securityfs) or the file grew.
 * Returns: as read_fd_limited.
 */
int read_fd_sized(int fd, size_t size, size_t limit, char **ret_buf,
		  size_t *ret_len);

/*
 * read_file_at - open @path relative to @dirfd (O_CLOEXEC, O_NOFOLLOW
 * when @nofollow) and read it whole. Only regular files are read, so a
 * FIFO or device planted in a bundle cannot block or feed us forever.
 * Returns: 0, -E2BIG over @limit, -EINVAL not a regular file, or -errno.
 */
int read_file_at(int dirfd, const char *path, bool nofollow, size_t limit,
		 char **ret_buf, size_t *ret_len);

/*
 * write_file_atomic_at - replace @path under @dirfd with @len bytes of
 * @buf: temporary file in the same directory, fsync, rename.
 * Returns: 0 or -errno; on failure @path is untouched.
 */
int write_file_atomic_at(int dirfd, const char *path, const void *buf,
			 size_t len, unsigned mode);

/*
 * write_file_replace_at - the same without the fsync: readers see the old
 * file or the whole new one, but after a crash the new one may be empty.
 * For run_dir entries (a tmpfs, gone at the next boot) written on a
 * container's start, whose readers refuse an incomplete file.
 * Returns: 0 or -errno.
 */
int write_file_replace_at(int dirfd, const char *path, const void *buf,
			  size_t len, unsigned mode);

/*
 * write_file_atomic_like_at - write_file_atomic_at, with the mode and owner
 * of @like (the file being replaced).
 * Returns: 0 or -errno.
 */
struct stat;
int write_file_atomic_like_at(int dirfd, const char *path, const void *buf,
			      size_t len, const struct stat *like);

/* short_id - the first 12 characters of a container id, as engines show. */
void short_id(const char *id, char ret[static 13]);

/* strv_free - free a NULL-terminated array of strings and the array. */
void strv_free(char **v);
