/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the libFuzzer harnesses (one C file per parser, each
 * linked with the library objects the binaries use). Everything here is
 * static: each harness is its own program.
 *
 * Inputs that stand for several files use one layout, "files":
 *
 *   CONTENT-OF-THE-FIRST-FILE
 *   %%% NAME
 *   CONTENT
 *   %%% NAME/OTHER
 *   ...
 *
 * The first file is the one the parser is pointed at; each later one is
 * written under the harness's scratch directory as NAME (1 to 4 path
 * components of [A-Za-z0-9._-], never "." or ".."; anything else skips
 * the file). "@D@" anywhere in a content stands for the scratch
 * directory, so an absolute include can name a file of the input.
 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_SEP "\n%%% "
#define FZ_FILES_MAX 64

/* A fatal harness error (not a finding in aa-oci): stop loudly. */
static inline void fz_die(const char *what)
{
	fprintf(stderr, "fuzz harness: %s: %s\n", what, strerror(errno));
	abort();
}

static inline int fz_rm_one(const char *path, const struct stat *st, int type,
			    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Remove @dir's contents (and @dir itself when @self). */
static inline void fz_rmtree(const char *dir, bool self)
{
	nftw(dir, fz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (!self && mkdir(dir, 0700) < 0 && errno != EEXIST)
		fz_die(dir);
}

static char *fz_root;

static inline void fz_cleanup(void)
{
	if (fz_root)
		fz_rmtree(fz_root, true);
}

/* The harness's scratch directory, made once per process, removed at exit.
 */
static inline const char *fz_tmpdir(void)
{
	if (!fz_root) {
		const char *t = getenv("TMPDIR");
		char tmpl[4096];

		snprintf(tmpl, sizeof(tmpl), "%s/aa-oci-fuzz-XXXXXX",
			 t && *t ? t : "/tmp");
		fz_root = strdup(tmpl);
		if (!fz_root || !mkdtemp(fz_root))
			fz_die("mkdtemp");
		atexit(fz_cleanup);
	}
	return fz_root;
}

/* @dir/@sub made (0700) and returned in a static buffer of its own. */
static inline const char *fz_subdir(const char *sub, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", fz_tmpdir(), sub);
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		fz_die(buf);
	return buf;
}

/* How many descriptors are open: the same after a run as before it, or
 * one leaked (LeakSanitizer does not see those). */
static inline int fz_fd_mark(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		fz_die("/proc/self/fd");
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static inline void fz_fd_check(int mark, const char *what)
{
	if (fz_fd_mark() != mark) {
		fprintf(stderr, "fuzz harness: %s leaked a file descriptor\n",
			what);
		abort();
	}
}

/* The @size bytes at @data as a NUL-terminated string (NULs kept). */
static inline char *fz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		fz_die("malloc");
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Write @len bytes to @path (created 0600, truncated). */
static inline void fz_write(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		fz_die(path);
	if (len && write(fd, buf, len) != (ssize_t)len)
		fz_die(path);
	close(fd);
}

/* @s (@len bytes) with every @tok replaced by @rep; a new string. */
static inline char *fz_replace(const char *s, size_t len, const char *tok,
			       const char *rep, size_t *ret_len)
{
	size_t tlen = strlen(tok), rlen = strlen(rep), n = 0, cap = len + 1;
	char *out;

	for (const char *p = s;
	     (p = memmem(p, len - (size_t)(p - s), tok, tlen)); p += tlen)
		cap += rlen;
	out = malloc(cap);
	if (!out)
		fz_die("malloc");
	for (size_t i = 0; i < len;) {
		if (i + tlen <= len && memcmp(s + i, tok, tlen) == 0) {
			memcpy(out + n, rep, rlen);
			n += rlen;
			i += tlen;
		} else {
			out[n++] = s[i++];
		}
	}
	out[n] = '\0';
	if (ret_len)
		*ret_len = n;
	return out;
}

/* @s with every "@D@" replaced by @dir; a new string. */
static inline char *fz_subst(const char *s, size_t len, const char *dir,
			     size_t *ret_len)
{
	return fz_replace(s, len, "@D@", dir, ret_len);
}

/* Is @name (@len bytes) a path of 1 to 4 safe components? */
static inline bool fz_name_ok(const char *name, size_t len)
{
	size_t comp = 0, parts = 0;

	if (len == 0 || len > 200 || name[0] == '/' || name[len - 1] == '/')
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? name[i] : '/';

		if (c == '/') {
			if (comp == 0 || (comp == 1 && name[i - 1] == '.') ||
			    (comp == 2 && name[i - 1] == '.' &&
			     name[i - 2] == '.') ||
			    ++parts > 4)
				return false;
			comp = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '.' || c == '_' ||
			   c == '-') {
			comp++;
		} else {
			return false;
		}
	}
	return true;
}

/* mkdir -p of @path's parents, below @dir (which exists). */
static inline void fz_parents(char *path, size_t dir_len)
{
	for (char *p = path + dir_len + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST &&
		    errno != ENOTDIR)
			fz_die(path);
		*p = '/';
	}
}

/*
 * Split @data in the "files" layout above into @dir (emptied first): the
 * first file goes to @dir/@first, the others to their names. A name that
 * clashes with a directory already made is skipped.
 * Returns: the number of files written.
 */
static inline size_t fz_files(const uint8_t *data, size_t size, const char *dir,
			      const char *first)
{
	const char *s = (const char *)data, *end = s + size;
	size_t dlen = strlen(dir), n = 0;
	char path[4096];

	fz_rmtree(dir, false);
	for (const char *p = s; p <= end && n < FZ_FILES_MAX; n++) {
		const char *sep =
		    memmem(p, (size_t)(end - p), FZ_SEP, strlen(FZ_SEP));
		const char *cend = sep ? sep : end, *name = first, *body = p;
		size_t nlen = strlen(first), blen;
		char *text;
		int fd;

		if (n > 0) {
			const char *nl = memchr(p, '\n', (size_t)(cend - p));

			name = p;
			nlen = (size_t)((nl ? nl : cend) - p);
			body = nl ? nl + 1 : cend;
		}
		if (fz_name_ok(name, nlen) &&
		    (size_t)snprintf(path, sizeof(path), "%s/%.*s", dir,
				     (int)nlen, name) < sizeof(path)) {
			fz_parents(path, dlen);
			text =
			    fz_subst(body, (size_t)(cend - body), dir, &blen);
			fd = open(path,
				  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
				      O_NOFOLLOW,
				  0600);
			if (fd >= 0) {
				if (blen && write(fd, text, blen) < 0)
					fz_die(path);
				close(fd);
			}
			free(text);
		}
		if (!sep)
			break;
		p = sep + strlen(FZ_SEP);
	}
	return n;
}
