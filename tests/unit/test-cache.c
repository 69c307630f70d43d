/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy cache: what its keys depend on, and the entries' integrity. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <dirent.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/cache.h"
#include "aa-oci/compile.h"
#include "aa-oci/config.h"
#include "aa-oci/rundir.h"
#include "aa-oci/sha256.h"
#include "aa-oci/status.h"

struct env {
	char *top, *inc, *src, *memo;
	aa_features *features;
	struct aa_oci_cache_inputs in;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char *feat = fx_repo_path("tests/data/features");
	char *d;

	e->top = fx_tmpdir();
	e->inc = fx_path(e->top, "apparmor.d");
	mkdir(e->inc, 0755);
	d = fx_path(e->inc, "abstractions");
	mkdir(d, 0755);
	free(d);
	d = fx_path(e->inc, "local");
	mkdir(d, 0755);
	free(d);
	d = fx_path(e->inc, "abi");
	mkdir(d, 0755);
	free(d);
	fx_write(e->inc, "abstractions/base",
		 "/etc/ld.so.cache r,\n#include <abstractions/nested>\n");
	fx_write(e->inc, "abstractions/nested", "/usr/lib/** mr,\n");
	fx_write(e->inc, "abi/3.0", "abi-features\n");
	fx_write(e->inc, "web",
		 "abi <abi/3.0>,\n"
		 "profile web {\n"
		 "  #include <abstractions/base>\n"
		 "  include if exists <local/web>\n"
		 "  file,\n"
		 "}\n");
	e->src = fx_path(e->inc, "web");
	assert_int_equal(aa_features_new(&e->features, AT_FDCWD, feat), 0);
	free(feat);
	e->memo = fx_path(e->top, "memo");
	/* Every key test runs with the memo: each change must defeat it. */
	e->in = (struct aa_oci_cache_inputs){
	    .parser = "/sbin/apparmor_parser",
	    .parser_conf = NULL,
	    .include_dir = e->inc,
	    .features = e->features,
	    .mode = AA_OCI_MODE_ENFORCE,
	    .memo_dir = e->memo,
	};
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	aa_features_unref(e->features);
	fx_rm_rf(e->top);
	free(e->top);
	free(e->inc);
	free(e->src);
	free(e->memo);
	free(e);
	return 0;
}

static void key(struct env *e, char out[65])
{
	struct aa_oci_err err = {0};

	if (cache_key(&e->in, e->src, NULL, out, &err) != 0)
		fail_msg("cache_key: %s", err.text);
}

static void test_sha256_vectors(void **state)
{
	/* A digest stays one string, as published. */
	/* clang-format off */
	static const struct {
		const char *in;
		const char *hex;
	} v[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	/* clang-format on */
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct sha256 s;
		uint8_t d[32];
		char hex[65];

		sha256_init(&s);
		/* Byte by byte: the block boundary code is exercised. */
		for (const char *p = v[i].in; *p; p++)
			sha256_update(&s, p, 1);
		sha256_final(&s, d);
		sha256_hex(d, hex);
		assert_string_equal(hex, v[i].hex);
	}
}

static void test_key_stable(void **state)
{
	struct env *e = *state;
	char a[65], b[65];

	key(e, a);
	key(e, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 64);
}

/* Each change below must give a new key; undoing it, the old one. */
static void expect_change(struct env *e, const char *rel, const char *text)
{
	char before[65], after[65], back[65];
	char *old = fx_read(e->inc, rel, NULL);

	key(e, before);
	fx_write(e->inc, rel, "%s", text);
	key(e, after);
	if (strcmp(before, after) == 0)
		fail_msg("changing %s left the key as it was", rel);
	if (old) {
		fx_write(e->inc, rel, "%s", old);
		key(e, back);
		assert_string_equal(before, back);
	}
	free(old);
}

static void test_key_profile_file(void **state)
{
	expect_change(
	    *state, "web",
	    "abi <abi/3.0>,\nprofile web {\n  #include <abstractions/base>\n"
	    "  include if exists <local/web>\n  file,\n  deny /x w,\n}\n");
}

static void test_key_abstraction(void **state)
{
	expect_change(*state, "abstractions/base", "/etc/ld.so.cache r,\n");
}

static void test_key_nested_abstraction(void **state)
{
	expect_change(*state, "abstractions/nested", "/usr/lib/** r,\n");
}

static void test_key_abi_file(void **state)
{
	expect_change(*state, "abi/3.0", "other\n");
}

static void test_key_local_override(void **state)
{
	struct env *e = *state;
	char before[65], after[65], after2[65];
	char *p = fx_path(e->inc, "local/web");

	/* Absent, then created, then edited: three keys. */
	key(e, before);
	fx_write(e->inc, "local/web", "/data/** rw,\n");
	key(e, after);
	fx_write(e->inc, "local/web", "/data/** r,\n");
	key(e, after2);
	assert_string_not_equal(before, after);
	assert_string_not_equal(after, after2);
	unlink(p);
	free(p);
}

static void test_key_mode_and_features(void **state)
{
	struct env *e = *state;
	char a[65], b[65], c[65];
	aa_features *other = NULL;

	key(e, a);
	e->in.mode = AA_OCI_MODE_COMPLAIN;
	key(e, b);
	assert_string_not_equal(a, b);
	e->in.mode = AA_OCI_MODE_ENFORCE;
	assert_int_equal(aa_features_new_from_string(&other, "file {\n}\n", 9),
			 0);
	e->in.features = other;
	key(e, c);
	assert_string_not_equal(a, c);
	e->in.features = e->features;
	aa_features_unref(other);
}

static void test_key_generated_text(void **state)
{
	struct env *e = *state;
	char a[65], b[65];

	assert_int_equal(
	    cache_key(&e->in, "docker-default", "profile a {}\n", a, NULL), 0);
	assert_int_equal(
	    cache_key(&e->in, "docker-default", "profile b {}\n", b, NULL), 0);
	assert_string_not_equal(a, b);
}

/* A namespaced profile is another binary (its header names the namespace):
 * another key, one per namespace; with none, the key is the root one. */
static void test_key_namespace(void **state)
{
	struct env *e = *state;
	char root[65], root2[65], ns[65], ns2[65], other[65], plain[65];

	key(e, root);
	e->in.ns = "aa-oci";
	key(e, ns);
	key(e, ns2);
	e->in.ns = "tenants";
	key(e, other);
	e->in.ns = NULL;
	key(e, root2);
	assert_string_not_equal(root, ns);
	assert_string_equal(ns, ns2);
	assert_string_not_equal(ns, other);
	assert_string_not_equal(root, other);
	assert_string_equal(root, root2);
	/* The memo answers each by its own entry: without it, the same. */
	e->in.memo_dir = NULL;
	e->in.ns = "aa-oci";
	key(e, plain);
	assert_string_equal(plain, ns);
	e->in.ns = NULL;
	key(e, plain);
	assert_string_equal(plain, root);
	/* A generated text, the same. */
	assert_int_equal(
	    cache_key(&e->in, "docker-default", "profile a {}\n", root, NULL),
	    0);
	e->in.ns = "aa-oci";
	assert_int_equal(
	    cache_key(&e->in, "docker-default", "profile a {}\n", ns, NULL), 0);
	assert_string_not_equal(root, ns);
	e->in.ns = NULL;
}

static void test_key_directory_include(void **state)
{
	struct env *e = *state;
	char a[65], b[65];
	char *d = fx_path(e->inc, "abstractions/web.d");

	mkdir(d, 0755);
	fx_write(e->inc, "web",
		 "profile web {\n  include <abstractions/web.d>\n}\n");
	key(e, a);
	fx_write(e->inc, "abstractions/web.d/extra", "/srv/** r,\n");
	key(e, b);
	assert_string_not_equal(a, b);
	free(d);
}

static void test_key_uncacheable(void **state)
{
	struct env *e = *state;
	struct aa_oci_err err = {0};
	char k[65];

	fx_write(e->inc, "web", "profile web {\n  include <@{HOME}/x>\n}\n");
	assert_int_equal(cache_key(&e->in, e->src, NULL, k, &err), -ENOTSUP);
	assert_non_null(strstr(err.text, "variable"));
	fx_write(e->inc, "web",
		 "profile web {\n  #include <abstractions/missing>\n}\n");
	assert_int_equal(cache_key(&e->in, e->src, NULL, k, &err), -ENOTSUP);
	/* A cycle ends. */
	fx_write(e->inc, "abstractions/base",
		 "#include <abstractions/nested>\n");
	fx_write(e->inc, "abstractions/nested",
		 "#include <abstractions/base>\n");
	fx_write(e->inc, "web",
		 "profile web {\n  #include <abstractions/base>\n}\n");
	assert_int_equal(cache_key(&e->in, e->src, NULL, k, &err), 0);
}

static void test_key_memo(void **state)
{
	struct env *e = *state;
	char a[65], b[65], *cmd;
	const char *bogus =
	    "0000000000000000000000000000000000000000000000000000000000000000";

	key(e, a);
	/* The memo is what answers while nothing changed: replace the key it
	 * holds, and that is what comes back. */
	assert_true(asprintf(&cmd, "sed -i 's/^K .*/K %s/' '%s'/*", bogus,
			     e->memo) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	key(e, b);
	assert_string_equal(b, bogus);
	/* Touch an included file: the memo no longer holds, the real key is
	 * computed again (not the planted one). */
	fx_write(e->inc, "abstractions/nested", "/usr/lib/** mr,\n");
	key(e, b);
	assert_string_equal(b, a);
	/* Without a memo directory the same key comes from the bytes. */
	e->in.memo_dir = NULL;
	key(e, b);
	assert_string_equal(b, a);
}

static void test_entries(void **state)
{
	struct env *e = *state;
	char *dir = fx_path(e->top, "cache");
	struct aa_oci_cache *c = NULL;
	char k[65], *buf = NULL, *path;
	size_t len;
	const char payload[] = "\x04\x08\x00version\x00binary policy";

	key(e, k);
	assert_int_equal(cache_open(dir, e->features, &c, NULL), 0);
	assert_int_equal(cache_get(c, k, &buf, &len), -ENOENT);
	assert_int_equal(cache_put(c, k, payload, sizeof(payload)), 0);
	assert_int_equal(cache_get(c, k, &buf, &len), 0);
	assert_int_equal(len, sizeof(payload));
	assert_memory_equal(buf, payload, len);
	free(buf);
	assert_int_equal(cache_get(c, "../../etc/passwd", &buf, &len), -EINVAL);

	/* Find the entry's file to damage it. */
	{
		struct aa_oci_cache_entry *v;
		size_t n;
		char *sub;
		FILE *f;

		assert_int_equal(cache_list(dir, &v, &n), 0);
		assert_int_equal(n, 1);
		assert_true(v[0].valid);
		assert_string_equal(v[0].key, k);
		assert_int_equal(v[0].size, sizeof(payload));
		sub = fx_path(dir, v[0].dir);
		path = fx_path(sub, k);
		free(v);

		/* Copied under another key's name: not that key's policy. */
		{
			char k2[65], *path2, *cmd;

			memcpy(k2, k, sizeof(k2));
			k2[63] = k2[63] == '0' ? '1' : '0';
			path2 = fx_path(sub, k2);
			assert_true(
			    asprintf(&cmd, "cp '%s' '%s'", path, path2) > 0);
			assert_int_equal(system(cmd), 0);
			assert_int_equal(cache_get(c, k2, &buf, &len),
					 -EBADMSG);
			assert_int_equal(unlink(path2), 0);
			free(path2);
			free(cmd);
		}
		/* One flipped byte of the payload. */
		f = fopen(path, "r+");
		fseek(f, -3, SEEK_END);
		fputc('X', f);
		fclose(f);
		assert_int_equal(cache_get(c, k, &buf, &len), -EBADMSG);
		assert_int_equal(cache_list(dir, &v, &n), 0);
		assert_false(v[0].valid);
		free(v);
		/* Truncated. */
		assert_int_equal(truncate(path, 20), 0);
		assert_int_equal(cache_get(c, k, &buf, &len), -EBADMSG);
		/* Rewritten whole, it is good again. */
		assert_int_equal(cache_put(c, k, payload, sizeof(payload)), 0);
		assert_int_equal(cache_get(c, k, &buf, &len), 0);
		free(buf);
		free(path);
		free(sub);
	}
	{
		size_t removed = 0;
		struct aa_oci_cache_entry *v;
		size_t n;

		assert_int_equal(cache_clear(dir, &removed), 0);
		assert_int_equal(removed, 1);
		assert_int_equal(cache_list(dir, &v, &n), 0);
		assert_int_equal(n, 0);
		free(v);
	}
	cache_close(c);
	free(dir);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* cache_close gives back every descriptor cache_open took: a sync agent
 * opens the cache for each compile (found by tests/fuzz: one leaked). */
static void test_open_close_fds(void **state)
{
	struct env *e = *state;
	char *dir = fx_path(e->top, "cache");
	struct aa_oci_cache *c = NULL;
	int before;

	assert_int_equal(cache_open(dir, e->features, &c, NULL), 0);
	cache_close(c);
	before = open_fds();
	for (int i = 0; i < 10; i++) {
		assert_int_equal(cache_open(dir, e->features, &c, NULL), 0);
		cache_close(c);
	}
	assert_int_equal(open_fds(), before);
	free(dir);
}

static void test_unusable_dir(void **state)
{
	struct env *e = *state;
	struct aa_oci_cache *c = NULL;
	struct aa_oci_err err = {0};
	char *file = fx_path(e->top, "not-a-dir");

	assert_true(cache_open("/proc/aa-oci-cache", e->features, &c, &err) <
		    0);
	assert_null(c);
	assert_non_null(strstr(err.text, "/proc/aa-oci-cache"));
	fx_write(e->top, "not-a-dir", "x");
	assert_true(cache_open(file, e->features, &c, &err) < 0);
	free(file);
}

static void test_concurrent_writers(void **state)
{
	struct env *e = *state;
	char *dir = fx_path(e->top, "cache");
	struct aa_oci_cache_entry *v;
	char k[65], *cmd;
	size_t n;
	pid_t pids[8];

	key(e, k);
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct aa_oci_cache *c = NULL;
			static char big[1 << 20];

			memset(big, 'a' + i % 2, sizeof(big));
			if (cache_open(dir, e->features, &c, NULL) < 0)
				_exit(1);
			for (int j = 0; j < 5; j++)
				if (cache_put(c, k, big, sizeof(big)) < 0)
					_exit(2);
			_exit(0);
		}
	}
	for (int i = 0; i < 8; i++) {
		int st;

		waitpid(pids[i], &st, 0);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(cache_list(dir, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_true(v[0].valid);
	free(v);
	/* No temporary file left behind. */
	assert_true(
	    asprintf(&cmd,
		     "test $(find '%s' -type f -name '*.tmp' | wc -l) = 0",
		     dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

/*
 * Many processes open one empty cache directory at the same moment. Each
 * child blocks reading a pipe until the parent closes it, then opens the
 * cache and stores and reads back an entry of its own. Afterwards there is
 * exactly one features directory, holding every entry, each valid. Without
 * the lock in cache_open, libapparmor sometimes makes a second features
 * directory, or one opener empties the directory under another (whose
 * cache_put then fails with ENOENT). A race shows in some rounds only:
 * every round is run, and the test fails with how many went wrong.
 */
#define OPENERS 16
#define ROUNDS 200
#define CLEAR_ROUNDS 50

/* What a child failed at, and its errno (1 to 49, 49 for any other), in
 * its exit status: step * 50 + errno, at most 249. */
enum { STEP_OPEN, STEP_PUT, STEP_GET, STEP_PAYLOAD, STEP_CLEAR };

static const char *const step_name[] = {
    [STEP_OPEN] = "cache_open",	  [STEP_PUT] = "cache_put",
    [STEP_GET] = "cache_get",	  [STEP_PAYLOAD] = "cache_get (other bytes)",
    [STEP_CLEAR] = "cache_clear",
};

static void child_fail(int step, int r)
{
	_exit(step * 50 + (-r > 0 && -r < 49 ? -r : 49));
}

struct children {
	struct env *e;
	const char *dir;
	char (*keys)[65];
	int n_openers;
	bool clearer; /* one more child clears the cache meanwhile */
};

static void payload_of(int i, char out[64])
{
	snprintf(out, 64, "binary policy of opener %d", i);
}

static void opener_child(const struct children *ch, int i)
{
	struct aa_oci_cache *c = NULL;
	char want[64], *buf = NULL;
	size_t len;
	int r;

	payload_of(i, want);
	r = cache_open(ch->dir, ch->e->features, &c, NULL);
	if (r < 0)
		child_fail(STEP_OPEN, r);
	/* A clear after the open removes the directory this cache uses:
	 * then, and only then, it finds no directory to store to. */
	r = cache_put(c, ch->keys[i], want, strlen(want));
	if (r == -ENOENT && ch->clearer)
		_exit(0);
	if (r < 0)
		child_fail(STEP_PUT, r);
	r = cache_get(c, ch->keys[i], &buf, &len);
	if (r == -ENOENT && ch->clearer)
		_exit(0);
	if (r < 0)
		child_fail(STEP_GET, r);
	if (len != strlen(want) || memcmp(buf, want, len) != 0)
		child_fail(STEP_PAYLOAD, -EBADMSG);
	_exit(0);
}

static void clearer_child(const struct children *ch)
{
	for (int i = 0; i < 3; i++) {
		int r = cache_clear(ch->dir, NULL);

		if (r < 0)
			child_fail(STEP_CLEAR, r);
	}
	_exit(0);
}

/*
 * Start every child at once: each blocks reading a pipe until the parent
 * closes it. Returns: NULL when all exited 0, else what went wrong first.
 */
static char *run_children(const struct children *ch)
{
	int n = ch->n_openers + (ch->clearer ? 1 : 0);
	pid_t pids[OPENERS + 1];
	char *why = NULL;
	int start[2];

	assert_true(n <= OPENERS + 1);
	assert_int_equal(pipe2(start, O_CLOEXEC), 0);
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			int e = errno;

			/* Release and reap those already waiting. */
			close(start[0]);
			close(start[1]);
			while (i-- > 0)
				waitpid(pids[i], NULL, 0);
			fail_msg("fork: %s", strerror(e));
		}
		if (pids[i] == 0) {
			char b;

			close(start[1]);
			while (read(start[0], &b, 1) < 0 && errno == EINTR)
				;
			if (i < ch->n_openers)
				opener_child(ch, i);
			clearer_child(ch);
		}
	}
	close(start[0]);
	close(start[1]); /* all start together */
	for (int i = 0; i < n; i++) {
		int st, code;

		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		if (why)
			continue;
		code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (code == 0)
			continue;
		if (code / 50 <= STEP_CLEAR)
			assert_true(asprintf(&why, "child %d: %s: %s", i,
					     step_name[code / 50],
					     code % 50 < 49
						 ? strerror(code % 50)
						 : "failed") > 0);
		else
			assert_true(
			    asprintf(&why, "child %d: status %#x", i, st) > 0);
	}
	return why;
}

static bool has_features(int dfd, const char *name)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/.features", name);
	return fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode) && st.st_size > 0;
}

/*
 * What must hold afterwards: at most @max_dirs features directories (at
 * least one when @want_entries > 0), each with its .features, and nothing
 * else but .lock; @want_entries valid entries (any number when negative).
 * Returns: NULL, or what does not hold.
 */
static char *check_dir(const char *dir, int max_dirs, int want_entries)
{
	struct aa_oci_cache_entry *v = NULL;
	char *why = NULL;
	int n_dirs = 0;
	struct dirent *de;
	size_t n;
	DIR *d;

	d = opendir(dir);
	assert_non_null(d);
	while (!why && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".lock") == 0)
			continue;
		n_dirs++;
		if (de->d_name[0] == '.')
			assert_true(
			    asprintf(&why, "unexpected %s", de->d_name) > 0);
		else if (!has_features(dirfd(d), de->d_name))
			assert_true(asprintf(&why, "%s has no .features",
					     de->d_name) > 0);
	}
	closedir(d);
	if (!why && (n_dirs > max_dirs || (want_entries > 0 && n_dirs < 1)))
		assert_true(asprintf(&why, "%d features directories", n_dirs) >
			    0);
	if (why)
		return why;
	assert_int_equal(cache_list(dir, &v, &n), 0);
	if (want_entries >= 0 && n != (size_t)want_entries)
		assert_true(asprintf(&why, "%zu entries listed, not %d", n,
				     want_entries) > 0);
	for (size_t i = 0; !why && i < n; i++)
		if (!v[i].valid)
			assert_true(asprintf(&why, "entry %s is damaged",
					     v[i].key) > 0);
	free(v);
	return why;
}

/* A new opener reads back the entries of openers 0 to @n - 1 (storing
 * them first when @store). Returns: NULL or why not. */
static char *check_reopen(struct env *e, const char *dir, char keys[][65],
			  int n, bool store)
{
	struct aa_oci_cache *c = NULL;
	char *why = NULL;
	int r;

	r = cache_open(dir, e->features, &c, NULL);
	if (r < 0) {
		assert_true(asprintf(&why, "reopening: %s", strerror(-r)) > 0);
		return why;
	}
	for (int i = 0; !why && i < n; i++) {
		char want[64], *buf = NULL;
		size_t len;

		payload_of(i, want);
		if (store &&
		    (r = cache_put(c, keys[i], want, strlen(want))) < 0) {
			assert_true(asprintf(&why, "storing again: %s",
					     strerror(-r)) > 0);
			break;
		}
		r = cache_get(c, keys[i], &buf, &len);
		if (r < 0)
			assert_true(asprintf(&why, "entry of opener %d: %s", i,
					     strerror(-r)) > 0);
		else if (len != strlen(want) || memcmp(buf, want, len) != 0)
			assert_true(asprintf(&why,
					     "entry of opener %d: other bytes",
					     i) > 0);
		free(buf);
	}
	cache_close(c);
	return why;
}

static void opener_keys(struct env *e, char keys[OPENERS][65])
{
	for (int i = 0; i < OPENERS; i++) {
		char text[64];

		snprintf(text, sizeof(text), "profile opener%d {}\n", i);
		assert_int_equal(
		    cache_key(&e->in, "opener", text, keys[i], NULL), 0);
	}
}

/* Run @n_rounds rounds, each in a fresh empty directory; fail with how many
 * went wrong and the first thing that did. */
static void rounds(struct env *e, int n_rounds,
		   char *(*round)(struct env *, const char *, char[][65]))
{
	char keys[OPENERS][65], *first = NULL;
	int bad = 0;

	opener_keys(e, keys);
	for (int i = 0; i < n_rounds; i++) {
		char name[32], *dir, *why;

		snprintf(name, sizeof(name), "round-%d", i);
		dir = fx_path(e->top, name);
		assert_int_equal(mkdir(dir, 0700), 0);
		why = round(e, dir, keys);
		if (why) {
			if (!first)
				assert_true(asprintf(&first, "round %d: %s", i,
						     why) > 0);
			bad++;
			free(why);
		}
		fx_rm_rf(dir);
		free(dir);
	}
	if (bad)
		fail_msg("%d of %d rounds went wrong; first, %s", bad, n_rounds,
			 first);
	free(first);
}

static char *openers_round(struct env *e, const char *dir, char keys[][65])
{
	struct children ch = {e, dir, keys, OPENERS, false};
	char *why = run_children(&ch);

	if (!why)
		why = check_dir(dir, 1, OPENERS);
	if (!why)
		why = check_reopen(e, dir, keys, OPENERS, false);
	return why;
}

static void test_concurrent_openers(void **state)
{
	rounds(*state, ROUNDS, openers_round);
}

/*
 * cache_clear while openers come, on a cache that already holds an entry:
 * an opener always opens (it finds the old features directory or makes a
 * new one, never one half made or half removed); only a cache opened
 * before a clear may find its directory gone (ENOENT). Afterwards at most
 * one features directory, with its .features, only valid entries, and
 * the cache works.
 */
static char *clear_round(struct env *e, const char *dir, char keys[][65])
{
	struct children ch = {e, dir, keys, OPENERS / 2, true};
	char *why = check_reopen(e, dir, keys, 1, true);

	if (!why)
		why = run_children(&ch);
	if (!why)
		why = check_dir(dir, 1, -1);
	if (!why)
		why = check_reopen(e, dir, keys, OPENERS / 2, true);
	return why;
}

static void test_clear_while_opening(void **state)
{
	rounds(*state, CLEAR_ROUNDS, clear_round);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* The line of `aa-oci cache list` for key @k in @out, without its time. */
static char *list_line(const char *out, const char *k)
{
	const char *p = strstr(out, k), *eol, *tail;

	if (!p || !(eol = strchr(p, '\n')))
		return strdup("(no line)");
	/* after "KEY  SIZE bytes  YYYY-MM-DD HH:MM  " */
	tail = strstr(p, " bytes  ");
	if (!tail || tail > eol || (size_t)(eol - tail) < 26)
		return strdup("(no time)");
	tail += 8 + 16 + 2;
	return strndup(tail, (size_t)(eol - tail));
}

/* aa-oci cache list: each entry's profiles (read from its binary) and the
 * file they came from, when what is loaded now came from that binary. */
static void test_list_names_and_source(void **state)
{
	struct env *e = *state;
	struct aa_oci_config cfg;
	struct aa_oci_err err = {0};
	struct aa_oci_cache *c = NULL;
	struct aa_oci_loaded rec = {
	    .by = AA_OCI_BY_SYNC, .mode = AA_OCI_MODE_ENFORCE, .time = 1};
	char *fs = fx_apparmorfs(""), *run = fx_path(e->top, "run");
	char *src = fx_path(e->top, "two"), *bin = fx_path(e->top, "two.bin");
	char *cache = fx_path(e->top, "cache"), *policy, *out = NULL, *line;
	char k1[65], k2[65], k3[65];
	size_t len = 0, olen = 0;
	FILE *f;

	memset(k1, 'a', 64);
	memset(k2, 'b', 64);
	memset(k3, 'c', 64);
	k1[64] = k2[64] = k3[64] = '\0';
	assert_int_equal(config_init(&cfg), 0);
	free(cfg.parser);
	cfg.parser = strdup("/sbin/apparmor_parser");
	free(cfg.cache_dir);
	cfg.cache_dir = strdup(cache);
	assert_int_equal(config_set_run_dir(&cfg, run), 0);
	fx_write(
	    e->top, "two",
	    "profile web {\n  file,\n}\nprofile web-helper {\n  file,\n}\n");
	if (compile_run(&cfg, fs, src, AA_OCI_MODE_ENFORCE, NULL, bin, &err) !=
	    0)
		fail_msg("compile: %s", err.text);
	policy = fx_read(e->top, "two.bin", &len);
	assert_int_equal(cache_open(cache, e->features, &c, NULL), 0);
	assert_int_equal(cache_put(c, k1, policy, len), 0);
	assert_int_equal(cache_put(c, k2, policy, len), 0);
	assert_int_equal(cache_put(c, k3, "not a policy", 12), 0);
	/* What is loaded now as web-helper came from k1's binary. */
	memcpy(rec.key, k1, sizeof(rec.key));
	rec.source = src;
	assert_int_equal(rundir_loaded_put(cfg.rundir, "web-helper", &rec), 0);

	f = open_memstream(&out, &olen);
	assert_int_equal(status_cache_print(&cfg, f), 0);
	fclose(f);
	line = list_line(out, k1);
	{
		char *want;

		assert_true(asprintf(&want, "web, web-helper  from %s", src) >
			    0);
		if (strcmp(line, want) != 0)
			fail_msg("k1: \"%s\", want \"%s\"", line, want);
		free(want);
	}
	free(line);
	line = list_line(out, k2);
	assert_string_equal(line, "web, web-helper  (not what is loaded now)");
	free(line);
	line = list_line(out, k3);
	assert_string_equal(line, "(its profiles cannot be read)");
	free(line);
	assert_non_null(strstr(out, "3 entries, "));
	free(out);

	/* Loaded now from another binary: k1 is no longer it; damaged. */
	memcpy(rec.key, k2, sizeof(rec.key));
	assert_int_equal(rundir_loaded_put(cfg.rundir, "web-helper", &rec), 0);
	{
		struct aa_oci_cache_entry *v;
		size_t n;
		char *sub, *path;

		assert_int_equal(cache_list(cache, &v, &n), 0);
		assert_true(n > 0);
		sub = fx_path(cache, v[0].dir);
		path = fx_path(sub, k3);
		assert_int_equal(truncate(path, 10), 0);
		free(path);
		free(sub);
		free(v);
	}
	f = open_memstream(&out, &olen);
	assert_int_equal(status_cache_print(&cfg, f), 0);
	fclose(f);
	line = list_line(out, k1);
	assert_string_equal(line, "web, web-helper  (not what is loaded now)");
	free(line);
	line = list_line(out, k2);
	assert_non_null(strstr(line, "  from "));
	free(line);
	line = list_line(out, k3);
	assert_string_equal(line, "DAMAGED (recompiled on next use)");
	free(line);
	free(out);

	cache_close(c);
	config_free(&cfg);
	fx_rm_rf(fs);
	free(fs);
	free(run);
	free(src);
	free(bin);
	free(cache);
	free(policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha256_vectors),
	    T(test_key_stable),
	    T(test_key_profile_file),
	    T(test_key_abstraction),
	    T(test_key_nested_abstraction),
	    T(test_key_abi_file),
	    T(test_key_local_override),
	    T(test_key_mode_and_features),
	    T(test_key_generated_text),
	    T(test_key_namespace),
	    T(test_key_directory_include),
	    T(test_key_uncacheable),
	    T(test_key_memo),
	    T(test_entries),
	    T(test_list_names_and_source),
	    T(test_open_close_fds),
	    T(test_unusable_dir),
	    T(test_concurrent_writers),
	    T(test_concurrent_openers),
	    T(test_clear_while_opening),
	};

	return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
