/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared test fixtures: temporary directories, small files, and a fake
 * securityfs root ("apparmorfs") holding profiles, .replace and the real
 * 6.1 kernel's features tree from tests/data/features.
 */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * A JSON error's message is @want, then where in the text: " (line L,
 * column C)", the suffix every error of json_parse carries (test-json
 * checks the positions themselves; the other tests check the words).
 */
static inline int fx_json_msg_eq(const char *got, const char *want)
{
	size_t n = strlen(want);
	unsigned line, col;
	int end = -1;

	if (strncmp(got, want, n) != 0)
		return 0;
	if (!got[n])
		return 1;
	return sscanf(got + n, " (line %u, column %u)%n", &line, &col, &end) ==
		   2 &&
	       end > 0 && !got[n + (size_t)end];
}

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

static inline void fx_write(const char *dir, const char *name, const char *fmt,
			    ...)
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

static inline int fx_rm_one(const char *path, const struct stat *st, int flag,
			    struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* rm -rf @dir, without a shell. */
static inline void fx_rm_rf(const char *dir)
{
	nftw(dir, fx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
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

/* A profile's directory in fake apparmorfs @fs: policy/profiles/@dir with
 * its "name" and "mode" files, as the kernel shows a loaded profile. */
static inline void fx_profdir(const char *fs, const char *dir, const char *name,
			      const char *mode)
{
	char *p, *cmd;

	if (asprintf(&p, "%s/policy/profiles/%s", fs, dir) < 0 ||
	    asprintf(&cmd, "mkdir -p '%s'", p) < 0 || system(cmd) != 0)
		abort();
	fx_write(p, "name", "%s\n", name);
	fx_write(p, "mode", "%s\n", mode);
	free(p);
	free(cmd);
}

/*
 * Run @fn(@arg) in a child whose stderr is read into @out (NUL-terminated,
 * at most @size - 1 bytes), for code that ends its process (the seccomp
 * build's watchdog kills it). A child still running after 60 s gets
 * SIGALRM. Returns: the child's wait status.
 */
static inline int fx_child_stderr(void (*fn)(void *), void *arg, char *out,
				  size_t size)
{
	size_t len = 0;
	ssize_t n;
	int p[2], status;
	pid_t pid;

	if (pipe(p) < 0 || (pid = fork()) < 0)
		abort();
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		alarm(60);
		fn(arg);
		_exit(0);
	}
	close(p[1]);
	while (len + 1 < size &&
	       (n = read(p[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid)
		abort();
	return status;
}

/*
 * A directory per test binary and run, for tests that make many files:
 * made by the group setup, removed by the group teardown, so a failing test
 * (which skips its own cleanup) leaves nothing behind.
 */
static char *fx_base_dir __attribute__((unused));

static inline int fx_group_setup(void **state)
{
	(void)state;
	if (asprintf(&fx_base_dir, "/tmp/aa-oci-%s.XXXXXX",
		     program_invocation_short_name) < 0 ||
	    !mkdtemp(fx_base_dir))
		return -1;
	return 0;
}

static inline int fx_group_teardown(void **state)
{
	(void)state;
	nftw(fx_base_dir, fx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx_base_dir);
	return 0;
}

/* A new directory under the group's directory. */
static inline char *fx_base_mkdtemp(void)
{
	char *d = NULL;

	if (asprintf(&d, "%s/t.XXXXXX", fx_base_dir) < 0 || !mkdtemp(d))
		abort();
	return d;
}
