/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared test fixtures: temporary directories, small files, and a fake
 * securityfs root ("apparmorfs") holding profiles, .replace and the real
 * 6.1 kernel's features tree from tests/data/features.
 */
#pragma once

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline char *fx_tmpdir(void)
{
	char *d = strdup("/tmp/aa-oci-test.XXXXXX");

	if (!d || !mkdtemp(d))
		abort();
	return d;
}

static inline char *fx_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

static inline void fx_write(const char *dir, const char *name,
			    const char *fmt, ...)
{
	char *p = fx_path(dir, name);
	FILE *f = fopen(p, "w");
	va_list ap;

	if (!f)
		abort();
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	free(p);
}

/* Read a whole small file; NULL when missing. *len gets its size. */
static inline char *fx_read(const char *dir, const char *name, size_t *len)
{
	char *p = fx_path(dir, name);
	FILE *f = fopen(p, "r");
	char *buf = NULL;
	size_t n = 0;

	free(p);
	if (!f)
		return NULL;
	buf = malloc(1 << 22);
	n = fread(buf, 1, (1 << 22) - 1, f);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

static inline void fx_rm_rf(const char *dir)
{
	char *cmd;

	if (asprintf(&cmd, "rm -rf '%s'", dir) < 0)
		abort();
	if (system(cmd) != 0)
		abort();
	free(cmd);
}

/* The repo root: tests run from there (tests/unit/run cds to it). */
static inline char *fx_repo_path(const char *rel)
{
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		abort();
	return fx_path(cwd, rel);
}

/* A fake apparmorfs: profiles (given text), an empty .replace, features. */
static inline char *fx_apparmorfs(const char *profiles)
{
	char *d = fx_tmpdir();
	char *feat = fx_repo_path("tests/data/features");
	char *link = fx_path(d, "features");

	fx_write(d, "profiles", "%s", profiles);
	fx_write(d, ".replace", "%s", "");
	if (symlink(feat, link) < 0)
		abort();
	free(feat);
	free(link);
	return d;
}
