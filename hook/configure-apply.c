/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci configure, the writing half (configure.h): a plan shown as a
 * unified diff, or applied file by file (atomically each, all or none).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/configure.h"
#include "aa-oci/util.h"

static char *cat(const char *a, const char *b)
{
	char *s;

	return asprintf(&s, "%s%s", a, b) < 0 ? NULL : s;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* --- diff --- */

/* The lines of @s: their starts, @n of them (a last line without its
 * newline counts). */
static size_t *lines(const char *s, size_t len, size_t *n)
{
	size_t *v = malloc((len + 2) * sizeof(*v)), k = 0;

	if (!v)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (i == 0 || s[i - 1] == '\n')
			v[k++] = i;
	v[k] = len;
	*n = k;
	return v;
}

static void put_lines(FILE *f, char mark, const char *s, const size_t *ls,
		      size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		size_t a = ls[i], b = ls[i + 1];

		fputc(mark, f);
		fwrite(s + a, 1, b - a, f);
		if (b == a || s[b - 1] != '\n')
			fputs("\n\\ No newline at end of file\n", f);
	}
}

static bool line_eq(const char *a, const size_t *la, size_t i, const char *b,
		    const size_t *lb, size_t j)
{
	size_t n = la[i + 1] - la[i];

	return n == lb[j + 1] - lb[j] && !memcmp(a + la[i], b + lb[j], n);
}

/* One hunk: the lines before the first difference and after the last are
 * the same; three of them each side are shown. */
static int diff_file(FILE *f, const struct aa_oci_configure_file *x)
{
	const char *a = x->old ? x->old : "", *b = x->new ? x->new : "";
	size_t na, nb, pre = 0, suf = 0, ctx0, ctx1;
	_cleanup_free_ size_t *la = lines(a, x->old_len, &na);
	_cleanup_free_ size_t *lb = lines(b, x->new_len, &nb);

	if (!la || !lb)
		return -ENOMEM;
	while (pre < na && pre < nb && line_eq(a, la, pre, b, lb, pre))
		pre++;
	while (suf < na - pre && suf < nb - pre &&
	       line_eq(a, la, na - 1 - suf, b, lb, nb - 1 - suf))
		suf++;
	ctx0 = pre < 3 ? pre : 3;
	ctx1 = suf < 3 ? suf : 3;
	fprintf(f, "--- %s\n+++ %s\n", x->old ? x->path : "/dev/null",
		x->new ? x->path : "/dev/null");
	{
		size_t a0 = pre - ctx0, alen = na - pre - suf + ctx0 + ctx1;
		size_t b0 = pre - ctx0, blen = nb - pre - suf + ctx0 + ctx1;

		fprintf(f, "@@ -%zu,%zu +%zu,%zu @@\n", alen ? a0 + 1 : a0,
			alen, blen ? b0 + 1 : b0, blen);
	}
	put_lines(f, ' ', a, la, pre - ctx0, pre);
	put_lines(f, '-', a, la, pre, na - suf);
	put_lines(f, '+', b, lb, pre, nb - suf);
	put_lines(f, ' ', a, la, na - suf, na - suf + ctx1);
	return 0;
}

int configure_diff(const struct aa_oci_configure_plan *p, char **ret_text)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r = 0;

	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < p->n && r == 0; i++)
		r = diff_file(f, &p->files[i]);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(text);
		return r;
	}
	*ret_text = text;
	return 0;
}

/* --- apply --- */

static int write_cause(struct aa_oci_err *err, int r, const char *path)
{
	return err_set(err, r, "cannot write %s: %s%s", path, strerror(-r),
		       r == -EACCES || r == -EPERM ? " (run it as root)"
		       : r == -EROFS ? " (a read-only file system)"
				     : "");
}

/* @path's directory (made when @made is not NULL and it is missing: then
 * *@made is true), and its last name. */
static int open_dir(const char *path, bool *made, const char **ret_name)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = NULL;
	int fd;

	if (!slash) {
		*ret_name = path;
		return open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	dir =
	    slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	*ret_name = slash + 1;
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && made) {
		if (mkdir(dir, 0755) < 0)
			return -errno;
		*made = true;
		fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

/* Write @buf as @path (@like's mode and owner, or 0644, its directory
 * made when missing: *@made), or remove it (@buf NULL). */
static int put(const char *path, const char *buf, size_t len,
	       const struct stat *like, bool *made)
{
	_cleanup_close_ int dfd = -1;
	const char *name;

	dfd = open_dir(path, buf && !like ? made : NULL, &name);
	if (dfd < 0)
		return dfd;
	if (!buf)
		return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno
								     : 0;
	if (like)
		return write_file_atomic_like_at(dfd, name, buf, len, like);
	return write_file_atomic_at(dfd, name, buf, len, 0644);
}

int configure_apply(const struct aa_oci_configure_plan *p,
		    struct aa_oci_err *err)
{
	bool made_backup[CONFIGURE_FILES_MAX] = {0};
	bool made_dir[CONFIGURE_FILES_MAX] = {0};
	size_t done = 0;
	int r = 0;

	for (; done < p->n; done++) {
		const struct aa_oci_configure_file *f = &p->files[done];
		_cleanup_free_ char *bpath =
		    cat(f->path, CONFIGURE_BACKUP_SUFFIX);

		if (!bpath) {
			r = -ENOMEM;
			break;
		}
		if (f->backup && !exists(bpath)) {
			r = put(bpath, f->old, f->old_len, &f->st, NULL);
			if (r < 0) {
				write_cause(err, r, bpath);
				break;
			}
			made_backup[done] = true;
		}
		r = put(f->path, f->new, f->new_len,
			f->old && f->new ? &f->st : NULL, &made_dir[done]);
		if (r < 0) {
			if (f->new)
				write_cause(err, r, f->path);
			else
				err_set(err, r, "cannot remove %s: %s", f->path,
					strerror(-r));
			break;
		}
	}
	if (r < 0) {
		/* put back what this call changed, newest first */
		for (size_t i = done + 1; i-- > 0;) {
			const struct aa_oci_configure_file *f = &p->files[i];
			_cleanup_free_ char *bpath =
			    cat(f->path, CONFIGURE_BACKUP_SUFFIX);

			if (i < done)
				(void)put(f->path, f->old, f->old_len,
					  f->old ? &f->st : NULL, NULL);
			if (made_backup[i] && bpath)
				(void)put(bpath, NULL, 0, NULL, NULL);
			if (made_dir[i]) {
				const char *slash = strrchr(f->path, '/');
				_cleanup_free_ char *d =
				    strndup(f->path, (size_t)(slash - f->path));

				if (d)
					(void)rmdir(d);
			}
		}
		return r;
	}
	/* the copies put back are not needed any more */
	for (size_t i = 0; i < p->n; i++)
		if (p->files[i].action == CONFIGURE_RESTORE) {
			_cleanup_free_ char *bpath =
			    cat(p->files[i].path, CONFIGURE_BACKUP_SUFFIX);

			if (bpath)
				(void)put(bpath, NULL, 0, NULL, NULL);
		}
	return 0;
}
