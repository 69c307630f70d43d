/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/err.h"
#include "aa-oci/util.h"

int err_set(struct aa_oci_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	/* One line: a message is logged as it is, so fold anything else. */
	for (char *p = err->text; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return code;
}

void err_clear(struct aa_oci_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->text[0] = '\0';
}

int read_fd_limited(int fd, size_t limit, char **ret_buf, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (cap - len <= 1) {
			size_t ncap = cap ? cap * 2 : 16384;
			char *nbuf;

			/* Room for limit + 1 bytes tells "exactly limit" from
			 * "more". */
			if (ncap > limit + 2)
				ncap = limit + 2;
			if (ncap <= cap)
				return -E2BIG;
			nbuf = realloc(buf, ncap);
			if (!nbuf)
				return -ENOMEM;
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > limit)
			return -E2BIG;
	}
	buf[len] = '\0';
	*ret_buf = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

/*
 * A regular file whose size fstat gave: one read of size + 1 bytes, which
 * comes back short at the end of the file (the hook reads its settings,
 * config.json and run_dir's entries on every start: no second read for the
 * end). A file that grew since is read to its end the general way.
 */
static int read_sized(int fd, size_t size, size_t limit, char **ret_buf,
		      size_t *ret_len)
{
	_cleanup_free_ char *buf = malloc(size + 2);
	size_t len = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + len, size + 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len += (size_t)n;
		if (n == 0 || len == size)
			break;
		if (len > size) {
			if (lseek(fd, 0, SEEK_SET) < 0)
				return -errno;
			return read_fd_limited(fd, limit, ret_buf, ret_len);
		}
	}
	buf[len] = '\0';
	*ret_buf = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int read_file_at(int dirfd, const char *path, bool nofollow, size_t limit,
		 char **ret_buf, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

	if (nofollow)
		flags |= O_NOFOLLOW;
	fd = openat(dirfd, path, flags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((size_t)st.st_size > limit)
		return -E2BIG;
	return read_fd_sized(fd, (size_t)st.st_size, limit, ret_buf, ret_len);
}

int read_fd_sized(int fd, size_t size, size_t limit, char **ret_buf,
		  size_t *ret_len)
{
	/* Files whose size says nothing (procfs, securityfs show 0) are
	 * read until the end. */
	if (size > 0 && size <= limit)
		return read_sized(fd, size, limit, ret_buf, ret_len);
	return read_fd_limited(fd, limit, ret_buf, ret_len);
}

static int write_atomic(int dirfd, const char *path, const void *buf,
			size_t len, mode_t mode, const struct stat *like,
			bool durable)
{
	char tmp[PATH_MAX];
	_cleanup_close_ int fd = -1;
	const char *p = buf;
	int r;

	const char *slash = strrchr(path, '/');
	size_t dir = slash ? (size_t)(slash + 1 - path) : 0;
	int w;

	/* PATH.aa-oci-PID.tmp beside it; for a name too long to take the
	 * suffix (NAME_MAX), .aa-oci-PID.tmp in its directory. */
	if (strlen(path + dir) + 32 <= NAME_MAX)
		w = snprintf(tmp, sizeof(tmp), "%s.aa-oci-%ld.tmp", path,
			     (long)getpid());
	else
		w = snprintf(tmp, sizeof(tmp), "%.*s.aa-oci-%ld.tmp", (int)dir,
			     path, (long)getpid());
	if (w < 0 || (size_t)w >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	/* The owner first: fchown clears set-id bits, fchmod sets the mode. */
	if (like && (fchown(fd, like->st_uid, like->st_gid) < 0 ||
		     fchmod(fd, like->st_mode & 07777) < 0)) {
		r = -errno;
		goto fail;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if ((durable && fsync(fd) < 0) ||
	    renameat(dirfd, tmp, dirfd, path) < 0) {
		r = -errno;
		goto fail;
	}
	return 0;
fail:
	unlinkat(dirfd, tmp, 0);
	return r;
}

int write_file_atomic_at(int dirfd, const char *path, const void *buf,
			 size_t len, unsigned mode)
{
	return write_atomic(dirfd, path, buf, len, (mode_t)mode, NULL, true);
}

int write_file_replace_at(int dirfd, const char *path, const void *buf,
			  size_t len, unsigned mode)
{
	return write_atomic(dirfd, path, buf, len, (mode_t)mode, NULL, false);
}

int write_file_atomic_like_at(int dirfd, const char *path, const void *buf,
			      size_t len, const struct stat *like)
{
	return write_atomic(dirfd, path, buf, len, 0600, like, true);
}

void short_id(const char *id, char ret[static 13])
{
	size_t i;

	for (i = 0; id && id[i] && i < 12; i++)
		ret[i] = (id[i] >= 0x20 && id[i] < 0x7f) ? id[i] : '?';
	ret[i] = '\0';
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}
