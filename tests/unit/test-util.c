/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.c: bounded reads, atomic writes, short ids, error text. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"

#include "aa-oci/err.h"
#include "aa-oci/util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

struct tmp {
	char *dir;
	int dfd;
};

static void tmp_make(struct tmp *t)
{
	t->dir = fx_base_mkdtemp();
	t->dfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(t->dfd >= 0);
}

static void tmp_drop(struct tmp *t)
{
	close(t->dfd);
	nftw(t->dir, fx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(t->dir);
}

/* Bytes that differ at every offset, so a dropped or repeated chunk shows. */
static char *pattern(size_t n)
{
	char *b = malloc(n ? n : 1);

	assert_non_null(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (char)('A' + (i * 7 + i / 251) % 26);
	return b;
}

static void write_at(int dfd, const char *path, const void *buf, size_t len)
{
	int fd =
	    openat(dfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = buf;

	assert_true(fd >= 0);
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
	assert_int_equal(close(fd), 0);
}

/* Names in the directory, other than . and .. */
static size_t dir_entries(int dfd, char names[][256], size_t max)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;
	size_t n = 0;

	assert_true(fd >= 0);
	d = fdopendir(fd);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			if (n < max)
				snprintf(names[n], 256, "%s", e->d_name);
			n++;
		}
	closedir(d);
	return n;
}

static void on_alarm(int sig)
{
}

/* A 2 s alarm around a call that must not block: blocking turns -EINTR. */
static void alarm_arm(struct sigaction *old)
{
	struct sigaction sa = {.sa_handler = on_alarm};

	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, old), 0);
	alarm(2);
}

static void alarm_disarm(const struct sigaction *old)
{
	alarm(0);
	sigaction(SIGALRM, old, NULL);
}

/* ---- read_fd_limited ---- */

struct read_case {
	const char *name;
	size_t size; /* bytes in the file */
	size_t limit;
	int rc;
};

/* clang-format off */
static const struct read_case read_cases[] = {
	{ "read/empty", 0, 100, 0 },
	{ "read/empty-limit-0", 0, 0, 0 },
	{ "read/one-byte-limit-0", 1, 0, -E2BIG },
	{ "read/small", 10, 100, 0 },
	{ "read/exactly-limit", 100, 100, 0 },
	{ "read/limit-plus-1", 101, 100, -E2BIG },
	{ "read/far-over-limit", 100000, 100, -E2BIG },
	/* around the first buffer (16 KiB) and its growth */
	{ "read/16383", 16383, 1 << 20, 0 },
	{ "read/16384", 16384, 1 << 20, 0 },
	{ "read/16385", 16385, 1 << 20, 0 },
	{ "read/100000", 100000, 1 << 20, 0 },
	{ "read/exactly-1MiB", 1 << 20, 1 << 20, 0 },
	{ "read/1MiB-plus-1", (1 << 20) + 1, 1 << 20, -E2BIG },
	{ "read/exactly-16383-limit", 16383, 16383, 0 },
	{ "read/16384-limit-16383", 16384, 16383, -E2BIG },
	{ "read/exactly-16384-limit", 16384, 16384, 0 },
	{ "read/16385-limit-16384", 16385, 16384, -E2BIG },
	{ "read/40000-limit-32768", 40000, 32768, -E2BIG },
	{ "read/exactly-32768-limit", 32768, 32768, 0 },
};
/* clang-format on */

static void test_read_case(void **state)
{
	const struct read_case *c = *state;
	char *want = pattern(c->size);
	char *buf = (char *)0x1;
	size_t len = 12345;
	struct tmp t;
	int fd, r;

	tmp_make(&t);
	write_at(t.dfd, "f", want, c->size);
	fd = openat(t.dfd, "f", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	r = read_fd_limited(fd, c->limit, &buf, &len);
	close(fd);
	if (r != c->rc)
		fail_msg("%s: returned %d (%s), want %d", c->name, r,
			 strerror(-r), c->rc);
	if (r < 0) {
		/* untouched on failure */
		assert_ptr_equal(buf, (char *)0x1);
		assert_int_equal(len, 12345);
	} else {
		if (len != c->size)
			fail_msg("%s: read %zu bytes of %zu", c->name, len,
				 c->size);
		assert_memory_equal(buf, want, c->size);
		assert_int_equal(buf[len], '\0');
		free(buf);
	}
	free(want);
	tmp_drop(&t);
}

/* A pipe delivers in pieces; the reader must keep going to EOF. */
static void test_read_pipe(void **state)
{
	char *want = pattern(60000);
	char *buf = NULL;
	size_t len = 0;
	int p[2];

	assert_int_equal(pipe(p), 0);
	/* 60000 bytes fit in the default 64 KiB pipe buffer */
	for (size_t off = 0; off < 60000; off += 1000)
		assert_int_equal(write(p[1], want + off, 1000), 1000);
	close(p[1]);
	assert_int_equal(read_fd_limited(p[0], 1 << 20, &buf, &len), 0);
	close(p[0]);
	assert_int_equal(len, 60000);
	assert_memory_equal(buf, want, 60000);
	free(buf);
	free(want);
}

static void test_read_null_len_and_bad_fd(void **state)
{
	char *buf = NULL;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "abc", 3), 3);
	close(p[1]);
	assert_int_equal(read_fd_limited(p[0], 10, &buf, NULL), 0);
	close(p[0]);
	assert_string_equal(buf, "abc");
	free(buf);

	buf = (char *)0x1;
	assert_int_equal(read_fd_limited(-1, 10, &buf, NULL), -EBADF);
	assert_ptr_equal(buf, (char *)0x1);
}

/* ---- read_file_at ---- */

static void test_read_file_at_regular(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	struct tmp t;

	tmp_make(&t);
	write_at(t.dfd, "f", "hello\n", 6);
	assert_int_equal(read_file_at(t.dfd, "f", true, 100, &buf, &len), 0);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "hello\n");
	free(buf);
	/* limit is checked on the size before reading, and exactly is fine */
	assert_int_equal(read_file_at(t.dfd, "f", false, 6, &buf, &len), 0);
	free(buf);
	buf = (char *)0x1;
	assert_int_equal(read_file_at(t.dfd, "f", false, 5, &buf, &len),
			 -E2BIG);
	assert_ptr_equal(buf, (char *)0x1);
	/* relative to the directory fd, not the working directory */
	assert_int_equal(read_file_at(t.dfd, "./f", false, 100, &buf, &len), 0);
	free(buf);
	tmp_drop(&t);
}

struct file_case {
	const char *name;
	enum {
		F_MISSING,
		F_FIFO,
		F_DIR,
		F_SYMLINK,
		F_DANGLING,
		F_DEVZERO,
		F_SPARSE
	} kind;
	bool nofollow;
	int rc;
};

/* clang-format off */
static const struct file_case file_cases[] = {
	{ "file/missing", F_MISSING, false, -ENOENT },
	{ "file/fifo", F_FIFO, false, -EINVAL },
	{ "file/fifo-nofollow", F_FIFO, true, -EINVAL },
	{ "file/directory", F_DIR, false, -EINVAL },
	{ "file/symlink-nofollow", F_SYMLINK, true, -ELOOP },
	{ "file/symlink-followed", F_SYMLINK, false, 0 },
	{ "file/dangling-symlink", F_DANGLING, false, -ENOENT },
	{ "file/dangling-symlink-nofollow", F_DANGLING, true, -ELOOP },
	{ "file/dev-zero", F_DEVZERO, false, -EINVAL },
	{ "file/sparse-over-limit", F_SPARSE, false, -E2BIG },
};
/* clang-format on */

static void test_file_case(void **state)
{
	const struct file_case *c = *state;
	struct sigaction old;
	char *buf = (char *)0x1;
	size_t len = 0;
	struct tmp t;
	int fd, r;

	tmp_make(&t);
	write_at(t.dfd, "target", "content", 7);
	switch (c->kind) {
	case F_MISSING:
		break;
	case F_FIFO:
		assert_int_equal(mkfifoat(t.dfd, "x", 0644), 0);
		break;
	case F_DIR:
		assert_int_equal(mkdirat(t.dfd, "x", 0755), 0);
		break;
	case F_SYMLINK:
		assert_int_equal(symlinkat("target", t.dfd, "x"), 0);
		break;
	case F_DANGLING:
		assert_int_equal(symlinkat("nowhere", t.dfd, "x"), 0);
		break;
	case F_DEVZERO:
		assert_int_equal(symlinkat("/dev/zero", t.dfd, "x"), 0);
		break;
	case F_SPARSE:
		fd = openat(t.dfd, "x", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)1 << 30), 0);
		close(fd);
		break;
	}
	alarm_arm(&old);
	r = read_file_at(t.dfd, "x", c->nofollow, 1 << 20, &buf, &len);
	alarm_disarm(&old);
	if (r != c->rc)
		fail_msg("%s: returned %d (%s), want %d (%s)", c->name, r,
			 strerror(-r), c->rc, strerror(-c->rc));
	if (r == 0) {
		assert_int_equal(len, 7);
		assert_string_equal(buf, "content");
		free(buf);
	} else {
		assert_ptr_equal(buf, (char *)0x1);
	}
	tmp_drop(&t);
}

/* ---- write_file_atomic_at ---- */

static void check_written(struct tmp *t, const char *path, const void *want,
			  size_t want_len, unsigned mode)
{
	char names[8][256];
	struct stat st;
	char *buf = NULL;
	size_t len = 0, n;

	assert_int_equal(fstatat(t->dfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, mode);
	assert_int_equal(read_file_at(t->dfd, path, true, 1 << 20, &buf, &len),
			 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(buf, want, want_len);
	free(buf);
	/* no temporary file left next to it */
	n = dir_entries(t->dfd, names, ARRAY_SIZE(names));
	if (n != 1)
		fail_msg("%zu entries in the directory, want 1 (%s, %s)", n,
			 names[0], n > 1 ? names[1] : "");
	assert_string_equal(names[0], path);
}

static void test_write_atomic(void **state)
{
	char *big = pattern(300000);
	mode_t old_umask = umask(022);
	struct tmp t;

	tmp_make(&t);
	assert_int_equal(write_file_atomic_at(t.dfd, "out", "first\n", 6, 0644),
			 0);
	check_written(&t, "out", "first\n", 6, 0644);
	/* replaces, whatever was there, with the new mode */
	assert_int_equal(write_file_atomic_at(t.dfd, "out", "second", 6, 0600),
			 0);
	check_written(&t, "out", "second", 6, 0600);
	assert_int_equal(write_file_atomic_at(t.dfd, "out", big, 300000, 0640),
			 0);
	check_written(&t, "out", big, 300000, 0640);
	assert_int_equal(write_file_atomic_at(t.dfd, "out", "", 0, 0444), 0);
	check_written(&t, "out", "", 0, 0444);
	/* a symlink at the path is replaced, not followed */
	assert_int_equal(unlinkat(t.dfd, "out", 0), 0);
	assert_int_equal(symlinkat("/nonexistent/elsewhere", t.dfd, "out"), 0);
	assert_int_equal(write_file_atomic_at(t.dfd, "out", "x", 1, 0644), 0);
	check_written(&t, "out", "x", 1, 0644);
	tmp_drop(&t);
	umask(old_umask);
	free(big);
}

/* On failure the path is untouched and nothing is left behind. */
static void test_write_atomic_fails_cleanly(void **state)
{
	struct tmp t;
	char names[8][256];
	size_t n;

	tmp_make(&t);
	/* rename over a non-empty directory fails */
	assert_int_equal(mkdirat(t.dfd, "out", 0755), 0);
	write_at(t.dfd, "out/keep", "k", 1);
	assert_int_equal(write_file_atomic_at(t.dfd, "out", "new", 3, 0644),
			 -EISDIR);
	n = dir_entries(t.dfd, names, ARRAY_SIZE(names));
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "out");
	assert_int_equal(faccessat(t.dfd, "out/keep", F_OK, 0), 0);
	/* the directory does not exist */
	assert_int_equal(
	    write_file_atomic_at(t.dfd, "no/such/dir/f", "x", 1, 0644),
	    -ENOENT);
	/* bad directory fd */
	assert_int_equal(write_file_atomic_at(-1, "f", "x", 1, 0644), -EBADF);
	tmp_drop(&t);
}

/* ---- short_id ---- */

struct id_case {
	const char *name;
	const char *id;
	const char *want;
};

/* clang-format off */
static const struct id_case id_cases[] = {
	{ "id/sha256", "3f2a9c1b7e04d5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0", "3f2a9c1b7e04" },
	{ "id/exactly-12", "0123456789ab", "0123456789ab" },
	{ "id/13", "0123456789abc", "0123456789ab" },
	{ "id/short", "web", "web" },
	{ "id/one", "x", "x" },
	{ "id/empty", "", "" },
	{ "id/null", NULL, "" },
	{ "id/newline", "ab\ncd", "ab?cd" },
	{ "id/escape", "\x1b[31mred", "?[31mred" },
	{ "id/control-and-del", "a\x01" "b\x7f" "c\td", "a?b?c?d" },
	{ "id/high-bytes", "\xff\xfe" "abc", "??abc" },
	{ "id/utf8", "caf\xc3\xa9", "caf??" },
	{ "id/control-after-12", "0123456789ab\n", "0123456789ab" },
	{ "id/space-kept", "a b", "a b" },
};
/* clang-format on */

static void test_id_case(void **state)
{
	const struct id_case *c = *state;
	char out[14];

	memset(out, 'Z', sizeof(out));
	short_id(c->id, out);
	assert_string_equal(out, c->want);
	/* never writes past the 13 bytes it is given */
	assert_int_equal(out[13], 'Z');
}

/* ---- err_set, err_clear ---- */

static void test_err_set(void **state)
{
	struct aa_oci_err err = {0};
	char long_arg[3000];

	assert_int_equal(err_set(&err, -ENOENT,
				 "profile \"%s\": not found in %s", "web",
				 "/etc/apparmor.d"),
			 -ENOENT);
	assert_int_equal(err.code, -ENOENT);
	assert_string_equal(err.text,
			    "profile \"web\": not found in /etc/apparmor.d");

	/* newlines fold: one message is one log line */
	assert_int_equal(
	    err_set(&err, -EBADMSG, "line one\nline two\r\nthree%s", "\n"),
	    -EBADMSG);
	assert_int_equal(err.code, -EBADMSG);
	assert_string_equal(err.text, "line one line two  three ");

	/* a later error replaces the earlier one */
	assert_int_equal(err_set(&err, -EPERM, "x"), -EPERM);
	assert_int_equal(err.code, -EPERM);
	assert_string_equal(err.text, "x");

	/* a NULL err only passes the code through */
	assert_int_equal(err_set(NULL, -EINVAL, "ignored %d", 1), -EINVAL);
	assert_int_equal(err_set(NULL, 0, "ok"), 0);

	/* long messages are cut, still terminated */
	memset(long_arg, 'q', sizeof(long_arg) - 1);
	long_arg[sizeof(long_arg) - 1] = '\0';
	assert_int_equal(err_set(&err, -E2BIG, "start %s", long_arg), -E2BIG);
	assert_int_equal(strlen(err.text), AA_OCI_ERR_MAX - 1);
	assert_memory_equal(err.text, "start qqq", 9);

	err_clear(&err);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.text, "");
	err_clear(NULL);
}

/* ---- strv_free ---- */

static void test_strv_free(void **state)
{
	char **v = calloc(3, sizeof(char *));

	assert_non_null(v);
	v[0] = strdup("a");
	v[1] = strdup("b");
	strv_free(v); /* valgrind checks nothing leaks */
	strv_free(NULL);
}

/* ---- main ---- */

static const struct CMUnitTest fixed[] = {
    cmocka_unit_test(test_read_pipe),
    cmocka_unit_test(test_read_null_len_and_bad_fd),
    cmocka_unit_test(test_read_file_at_regular),
    cmocka_unit_test(test_write_atomic),
    cmocka_unit_test(test_write_atomic_fails_cleanly),
    cmocka_unit_test(test_err_set),
    cmocka_unit_test(test_strv_free),
};

static struct CMUnitTest tests[ARRAY_SIZE(read_cases) + ARRAY_SIZE(file_cases) +
			       ARRAY_SIZE(id_cases) + ARRAY_SIZE(fixed)];

#define ADD_ROWS(table, fn)                                                    \
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)                         \
		tests[n++] = (struct CMUnitTest)                               \
		{                                                              \
			.name = (table)[i].name, .test_func = (fn),            \
			.initial_state = (void *)&(table)[i]                   \
		}

int main(void)
{
	size_t n = 0;

	ADD_ROWS(read_cases, test_read_case);
	ADD_ROWS(file_cases, test_file_case);
	ADD_ROWS(id_cases, test_id_case);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests_name("util", tests, fx_group_setup,
					   fx_group_teardown);
}
