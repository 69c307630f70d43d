/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy cache. What it keeps under cache_dir (created 0700):
 *
 *   .lock                 empty; cache_open holds an exclusive flock on it
 *                         while libapparmor finds or creates the features
 *                         directory, cache_clear while it removes them.
 *                         Readers and writers of entries never take it.
 *   <features-id>.<n>/    libapparmor's directory for one set of kernel
 *                         features (<n> tells apart features whose ids
 *                         collide), 0700
 *     .features           the features it was made for, written by
 *                         libapparmor when it creates the directory
 *     <key>               one entry (64 lowercase hex digits), see below
 *     <key>.aa-oci-<pid>.tmp
 *                         an entry being written, renamed over <key>
 *
 * Why the lock: libapparmor's aa_policy_cache_new is not safe against
 * itself. One opener writes .features in place (truncate, then write) while
 * another reads it, finds a mismatch and makes <features-id>.1; or finds no
 * .features yet and empties the directory, deleting entries and temporary
 * files another process is writing (its rename then fails with ENOENT).
 * Under the lock the first opener creates the directory and its whole
 * .features; later openers only read it, and empty nothing. An entry is
 * whole or absent by itself (temporary file, fsync, rename), so it needs
 * no lock.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/cache.h"
#include "aa-oci/sha256.h"
#include "aa-oci/util.h"

/*
 * An entry: magic, payload length (8 bytes, little endian), checksum (8),
 * the entry's own key (64 hex digits), then the compiled policy. The
 * checksum covers the key and the payload: a torn, truncated or damaged
 * file, or one copied under another key's name, is never loaded.
 */
#define ENTRY_MAGIC "AAOCIC02"
#define HEADER_SIZE (8 + 8 + 8 + AA_OCI_CACHE_KEY_LEN)
#define ENTRY_MAX (64u << 20)
#define INCLUDE_FILES_MAX 1024
#define INCLUDE_DEPTH_MAX 32
#define LOCK_FILE ".lock"
#define CLEAR_TRIES 100

struct aa_oci_cache {
	aa_policy_cache *pc;
	int dirfd; /* ours: aa_policy_cache_dirfd returns a dup */
};

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* --- the key --- */

struct walk {
	struct sha256 h;
	FILE *memo; /* what was read, by its stat (see memo_check) */
	const char *include_dir;
	char **seen;
	size_t n_seen;
	struct aa_oci_err *err;
};

/* One line of the memo: a file or directory as stat saw it before it was
 * read, or a path that was absent. */
static void memo_add(struct walk *w, char tag, const char *path,
		     const struct stat *st)
{
	if (!w->memo || strchr(path, '\n'))
		return;
	if (st)
		fprintf(w->memo, "%c %lu %lu %lld %lld.%09ld %lld.%09ld %s\n",
			tag, (unsigned long)st->st_dev,
			(unsigned long)st->st_ino, (long long)st->st_size,
			(long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
			(long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec,
			path);
	else
		fprintf(w->memo, "A %s\n", path);
}

static void hash_str(struct sha256 *h, const char *tag, const char *s)
{
	sha256_update(h, tag, strlen(tag) + 1);
	sha256_update(h, s, strlen(s) + 1);
}

static void hash_blob(struct sha256 *h, const char *tag, const char *path,
		      const char *buf, size_t len)
{
	char n[32];

	hash_str(h, tag, path);
	snprintf(n, sizeof(n), "%zu", len);
	hash_str(h, "len", n);
	sha256_update(h, buf, len);
}

static int walk_file(struct walk *w, const char *path, const char *text,
		     size_t len, int depth);

static bool seen(struct walk *w, const char *path)
{
	for (size_t i = 0; i < w->n_seen; i++)
		if (streq(w->seen[i], path))
			return true;
	return false;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory include: its files, sorted, as the parser reads them all. */
static int walk_dir(struct walk *w, const char *path, int depth)
{
	_cleanup_(closedirp) DIR *d = opendir(path);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	int r = 0;

	if (!d)
		return -errno;
	{
		struct stat dst;

		if (fstat(dirfd(d), &dst) == 0)
			memo_add(w, 'D', path, &dst);
	}
	hash_str(&w->h, "dir", path);
	while ((de = readdir(d))) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn || !(nn[n] = strdup(de->d_name))) {
			names = nn ? nn : names;
			r = -ENOMEM;
			goto out;
		}
		names = nn;
		n++;
		if (n > INCLUDE_FILES_MAX) {
			r = -ENOTSUP;
			goto out;
		}
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *p = NULL, *text = NULL;
		struct stat st;
		size_t len;

		if (asprintf(&p, "%s/%s", path, names[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		memo_add(w, 'S', p, &st);
		r = read_file_at(AT_FDCWD, p, false, AA_OCI_PROFILE_FILE_MAX,
				 &text, &len);
		if (r == 0)
			r = walk_file(w, p, text, len, depth + 1);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

/* Follow one include or abi target, as written between <> or "". */
static int walk_target(struct walk *w, const char *target, bool angle,
		       bool optional, int depth)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	struct stat st;
	size_t len;
	int r;

	if (strstr(target, "@{"))
		return err_set(w->err, -ENOTSUP,
			       "include \"%s\" uses a variable", target);
	if (!angle && target[0] == '/')
		path = strdup(target);
	else if (asprintf(&path, "%s/%s", w->include_dir, target) < 0)
		path = NULL;
	if (!path)
		return -ENOMEM;
	if (seen(w, path))
		return 0;
	if (w->n_seen >= INCLUDE_FILES_MAX)
		return err_set(w->err, -ENOTSUP, "more than %d included files",
			       INCLUDE_FILES_MAX);
	{
		char **ns = realloc(w->seen, (w->n_seen + 1) * sizeof(char *));

		if (!ns)
			return -ENOMEM;
		w->seen = ns;
		w->seen[w->n_seen] = strdup(path);
		if (!w->seen[w->n_seen])
			return -ENOMEM;
		w->n_seen++;
	}
	if (stat(path, &st) < 0) {
		if (optional) {
			memo_add(w, 'A', path, NULL);
			hash_str(&w->h, "absent", path);
			return 0;
		}
		return err_set(w->err, -ENOTSUP, "include %s: %s", path,
			       strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return walk_dir(w, path, depth);
	memo_add(w, 'S', path, &st);
	r = read_file_at(AT_FDCWD, path, false, AA_OCI_PROFILE_FILE_MAX, &text,
			 &len);
	if (r < 0)
		return err_set(w->err, -ENOTSUP, "include %s: %s", path,
			       strerror(-r));
	return walk_file(w, path, text, len, depth + 1);
}

/*
 * The directives that pull in other files: `#include <x>`, `include "x"`,
 * `include if exists <x>`, and `abi <x>,`. Anything else is text.
 */
static int walk_file(struct walk *w, const char *path, const char *text,
		     size_t len, int depth)
{
	if (depth > INCLUDE_DEPTH_MAX)
		return err_set(w->err, -ENOTSUP, "includes nest deeper than %d",
			       INCLUDE_DEPTH_MAX);
	hash_blob(&w->h, "file", path, text, len);
	for (const char *p = text; p < text + len;) {
		const char *eol = memchr(p, '\n', (size_t)(text + len - p));
		const char *q = p, *end;
		bool optional = false, angle;
		char target[4096];
		size_t tlen;
		int r;

		if (!eol)
			eol = text + len;
		while (q < eol && isspace((unsigned char)*q))
			q++;
		if (eol - q > 8 && memcmp(q, "#include", 8) == 0)
			q += 8;
		else if (eol - q > 7 && memcmp(q, "include", 7) == 0)
			q += 7;
		else if (eol - q > 3 && memcmp(q, "abi", 3) == 0 &&
			 (isspace((unsigned char)q[3]) || q[3] == '<' ||
			  q[3] == '"'))
			q += 3;
		else
			goto next;
		while (q < eol && isspace((unsigned char)*q))
			q++;
		if (eol - q > 9 && memcmp(q, "if exists", 9) == 0) {
			optional = true;
			q += 9;
			while (q < eol && isspace((unsigned char)*q))
				q++;
		}
		if (q >= eol || (*q != '<' && *q != '"'))
			goto next;
		angle = *q == '<';
		end = memchr(q + 1, angle ? '>' : '"', (size_t)(eol - q - 1));
		if (!end)
			goto next;
		tlen = (size_t)(end - q - 1);
		if (tlen == 0 || tlen >= sizeof(target))
			return err_set(w->err, -ENOTSUP, "bad include in %s",
				       path);
		memcpy(target, q + 1, tlen);
		target[tlen] = '\0';
		r = walk_target(w, target, angle, optional, depth);
		if (r < 0)
			return r;
	next:
		p = eol + 1;
	}
	return 0;
}

/* The kernel's features, as libapparmor writes them out. */
static int hash_features(struct sha256 *h, aa_features *f)
{
	_cleanup_close_ int fd = memfd_create("aa-oci-features", MFD_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	if (fd < 0)
		return -errno;
	if (aa_features_write_to_fd(f, fd) < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	r = read_fd_limited(fd, 1u << 20, &buf, &len);
	if (r < 0)
		return r;
	hash_blob(h, "features", "", buf, len);
	return 0;
}

/* A file that may be absent (the parser's configuration). */
static void hash_optional_file(struct walk *w, const char *path)
{
	_cleanup_free_ char *text = NULL;
	struct stat st;
	size_t len;

	if (!path)
		return;
	if (stat(path, &st) == 0 &&
	    read_file_at(AT_FDCWD, path, false, 1u << 20, &text, &len) == 0) {
		memo_add(w, 'S', path, &st);
		hash_blob(&w->h, "conf", path, text, len);
	} else {
		memo_add(w, 'A', path, NULL);
		hash_str(&w->h, "absent", path);
	}
}

/*
 * The memo: computing a key reads and hashes the source and all it
 * includes (tens of KB for a profile with abstractions). The memo keeps the
 * key with the stat of every file read (device, inode, size, mtime and
 * ctime, taken before the read) and every optional include found absent;
 * while all of those are unchanged, the same bytes would be read, so the
 * key is reused without reading anything. Any difference, or anything
 * unreadable, computes the key again.
 */
static bool same(const struct stat *st, const char *line)
{
	char now[160];

	snprintf(now, sizeof(now), "%lu %lu %lld %lld.%09ld %lld.%09ld ",
		 (unsigned long)st->st_dev, (unsigned long)st->st_ino,
		 (long long)st->st_size, (long long)st->st_mtim.tv_sec,
		 st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec,
		 st->st_ctim.tv_nsec);
	return strncmp(line, now, strlen(now)) == 0;
}

static int memo_path(const struct aa_oci_cache_inputs *in, const char *src_path,
		     char **ret)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[65], *id;
	struct sha256 h;

	id = aa_features_id(in->features);
	sha256_init(&h);
	hash_str(&h, "src", src_path);
	hash_str(&h, "mode", mode_name(in->mode));
	if (in->ns)
		hash_str(&h, "namespace", in->ns);
	hash_str(&h, "parser", in->parser);
	hash_str(&h, "include", in->include_dir);
	hash_str(&h, "conf", in->parser_conf ? in->parser_conf : "");
	hash_str(&h, "features", id ? id : "");
	free(id);
	sha256_final(&h, d);
	sha256_hex(d, hex);
	return asprintf(ret, "%s/%s", in->memo_dir, hex) < 0 ? -ENOMEM : 0;
}

static bool memo_check(const char *path, char key[AA_OCI_CACHE_KEY_LEN + 1])
{
	_cleanup_free_ char *buf = NULL;
	char *p, *eol;
	bool have_key = false;

	if (read_file_at(AT_FDCWD, path, true, 1u << 20, &buf, NULL) < 0 ||
	    strncmp(buf, "aa-oci-keymemo 1\n", 17) != 0)
		return false;
	for (p = buf + 17; *p; p = eol + 1) {
		struct stat st;
		char *rest;

		eol = strchr(p, '\n');
		if (!eol)
			return false;
		*eol = '\0';
		if (p[0] == 'K' && p[1] == ' ' &&
		    strlen(p + 2) == AA_OCI_CACHE_KEY_LEN) {
			memcpy(key, p + 2, AA_OCI_CACHE_KEY_LEN + 1);
			have_key = true;
			continue;
		}
		if (p[0] == 'A' && p[1] == ' ') {
			if (stat(p + 2, &st) == 0 || errno != ENOENT)
				return false;
			continue;
		}
		if ((p[0] != 'S' && p[0] != 'D') || p[1] != ' ')
			return false;
		/* The path is what follows the seven numbers. */
		rest = p + 2;
		for (int i = 0; i < 5 && rest; i++)
			rest = strchr(rest + 1, ' ');
		if (!rest || stat(rest + 1, &st) < 0 || !same(&st, p + 2))
			return false;
	}
	return have_key;
}

int cache_key(const struct aa_oci_cache_inputs *in, const char *src_path,
	      const char *src_text, char ret_key[AA_OCI_CACHE_KEY_LEN + 1],
	      struct aa_oci_err *err)
{
	_cleanup_free_ char *text = NULL, *memo = NULL, *mbuf = NULL;
	struct walk w = {.include_dir = in->include_dir, .err = err};
	uint8_t digest[SHA256_DIGEST_SIZE];
	size_t len, mlen = 0;
	struct stat st;
	char id[128];
	int r;

	/* Only files have a memo: a generated text is hashed each time. */
	if (!src_text && in->memo_dir) {
		r = memo_path(in, src_path, &memo);
		if (r < 0)
			return r;
		if (memo_check(memo, ret_key))
			return 0;
		w.memo = open_memstream(&mbuf, &mlen);
		if (w.memo)
			fputs("aa-oci-keymemo 1\n", w.memo);
	}
	sha256_init(&w.h);
	hash_str(&w.h, "aa-oci-cache", "1");
	/* The parser's identity: a new package is a new file. */
	if (stat(in->parser, &st) < 0) {
		r = -errno;
		goto out;
	}
	memo_add(&w, 'S', in->parser, &st);
	snprintf(id, sizeof(id), "%lu:%lu:%lld:%lld.%09ld",
		 (unsigned long)st.st_dev, (unsigned long)st.st_ino,
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec);
	hash_str(&w.h, "parser", in->parser);
	hash_str(&w.h, "parser-id", id);
	hash_optional_file(&w, in->parser_conf);
	hash_optional_file(&w, "/usr/share/apparmor-features/features");
	hash_str(&w.h, "mode", mode_name(in->mode));
	/* A namespaced profile is another binary (its header names it). */
	if (in->ns)
		hash_str(&w.h, "namespace", in->ns);
	r = hash_features(&w.h, in->features);
	if (r < 0)
		goto out;
	if (src_text) {
		len = strlen(src_text);
	} else {
		if (stat(src_path, &st) < 0) {
			r = -errno;
			goto out;
		}
		memo_add(&w, 'S', src_path, &st);
		r = read_file_at(AT_FDCWD, src_path, false,
				 AA_OCI_PROFILE_FILE_MAX, &text, &len);
		if (r < 0)
			goto out;
		src_text = text;
	}
	r = walk_file(&w, src_path, src_text, len, 0);
	if (r < 0)
		goto out;
	sha256_final(&w.h, digest);
	sha256_hex(digest, ret_key);
	if (w.memo) {
		fprintf(w.memo, "K %s\n", ret_key);
		if (fclose(w.memo) == 0 &&
		    (mkdir(in->memo_dir, 0700) == 0 || errno == EEXIST))
			(void)write_file_atomic_at(AT_FDCWD, memo, mbuf, mlen,
						   0600);
		w.memo = NULL;
	}
out:
	if (w.memo)
		fclose(w.memo);
	for (size_t i = 0; i < w.n_seen; i++)
		free(w.seen[i]);
	free(w.seen);
	return r;
}

/* --- entries --- */

/* mkdir -p of @path's parents (0755), as /var/cache may not exist yet. */
static int mkdir_parents(const char *path)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return 0;
}

/*
 * The cache's lock, on .lock in the cache directory @dfd: held while
 * features directories are created or removed. Returns: the locked fd
 * (closing it unlocks) or -errno.
 */
static int lock_cache(int dfd)
{
	_cleanup_close_ int fd = openat(
	    dfd, LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	return TAKE_FD(fd);
}

int cache_open(const char *cache_dir, aa_features *features,
	       struct aa_oci_cache **ret, struct aa_oci_err *err)
{
	_cleanup_close_ int dfd = -1, lock = -1;
	struct aa_oci_cache *c;
	int r;

	r = mkdir_parents(cache_dir);
	if (r == 0 && mkdir(cache_dir, 0700) < 0 && errno != EEXIST)
		r = -errno;
	if (r < 0)
		return err_set(err, r, "cannot create %s: %s", cache_dir,
			       strerror(-r));
	dfd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		return err_set(err, r, "cannot open %s: %s", cache_dir,
			       strerror(-r));
	}
	lock = lock_cache(dfd);
	if (lock < 0)
		return err_set(err, lock, "cannot lock %s/%s: %s", cache_dir,
			       LOCK_FILE, strerror(-lock));
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	/* max_caches 1: asks libapparmor to keep one features directory and
	 * reap the others (3.0 does not reap yet; entries left for another
	 * kernel are never found, as the key covers the features). Relative
	 * to @dfd, so the directory locked is the one opened. */
	if (aa_policy_cache_new(&c->pc, features, dfd, ".", 1) < 0) {
		r = -errno;
		free(c);
		return err_set(err, r, "cache %s: %s", cache_dir, strerror(-r));
	}
	c->dirfd = aa_policy_cache_dirfd(c->pc, 0);
	if (c->dirfd < 0) {
		cache_close(c);
		return err_set(err, -EIO, "cache %s has no writable directory",
			       cache_dir);
	}
	*ret = c;
	return 0;
}

void cache_close(struct aa_oci_cache *c)
{
	if (!c)
		return;
	/* Each cache_open left one descriptor open before (EMFILE after
	 * thousands of compiles in a long-running aa-oci sync; found by
	 * tests/fuzz). */
	if (c->dirfd >= 0)
		close(c->dirfd);
	aa_policy_cache_unref(c->pc);
	free(c);
}

static bool key_ok(const char *key)
{
	if (strlen(key) != AA_OCI_CACHE_KEY_LEN)
		return false;
	for (const char *p = key; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return false;
	return true;
}

static inline uint64_t rotl64(uint64_t x, unsigned n)
{
	return (x << n) | (x >> (64 - n));
}

/*
 * The entry's checksum: a multiply-rotate hash over 64-bit words. It is
 * there to catch damage (a torn write, a bad disk, a truncation), not an
 * attacker: whoever can write the cache (root, 0700) can as well write the
 * profiles. Every step is a bijection of the running value, so one changed
 * word always changes the sum; about one instruction per byte, where
 * SHA-256 took 66 (make bench: it was most of a cache hit's own work).
 */
static uint64_t entry_sum(const char *key, const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (size_t i = 0; i < AA_OCI_CACHE_KEY_LEN; i += 8) {
		memcpy(&w, key + i, 8);
		h = (rotl64(h, 29) ^ w) * 0xff51afd7ed558ccdULL;
	}
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (rotl64(h, 29) ^ w) * 0xff51afd7ed558ccdULL;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (rotl64(h, 29) ^ w) * 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static void put_le64(char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (char)(v >> (8 * i));
}

static uint64_t get_le64(const char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)(uint8_t)p[i] << (8 * i);
	return v;
}

/* Check a whole entry stored under @key; on success *ret_payload points
 * into @buf. */
static int entry_check(const char *key, const char *buf, size_t len,
		       const char **ret_payload, size_t *ret_len)
{
	uint64_t plen;

	if (len < HEADER_SIZE || memcmp(buf, ENTRY_MAGIC, 8) != 0)
		return -EBADMSG;
	plen = get_le64(buf + 8);
	if (plen != len - HEADER_SIZE ||
	    memcmp(buf + 24, key, AA_OCI_CACHE_KEY_LEN) != 0 ||
	    get_le64(buf + 16) !=
		entry_sum(key, buf + HEADER_SIZE, (size_t)plen))
		return -EBADMSG;
	*ret_payload = buf + HEADER_SIZE;
	*ret_len = (size_t)plen;
	return 0;
}

int cache_get(struct aa_oci_cache *c, const char *key, char **ret_buf,
	      size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	const char *payload;
	size_t len, plen;
	char *out;
	int r;

	if (!key_ok(key))
		return -EINVAL;
	r = read_file_at(c->dirfd, key, true, ENTRY_MAX, &buf, &len);
	if (r == -E2BIG || r == -EINVAL)
		return -EBADMSG;
	if (r < 0)
		return r;
	r = entry_check(key, buf, len, &payload, &plen);
	if (r < 0)
		return r;
	out = malloc(plen ? plen : 1);
	if (!out)
		return -ENOMEM;
	memcpy(out, payload, plen);
	*ret_buf = out;
	*ret_len = plen;
	return 0;
}

int cache_put(struct aa_oci_cache *c, const char *key, const void *buf,
	      size_t len)
{
	_cleanup_free_ char *entry = NULL;
	int r;

	if (!key_ok(key))
		return -EINVAL;
	entry = malloc(HEADER_SIZE + len);
	if (!entry)
		return -ENOMEM;
	memcpy(entry, ENTRY_MAGIC, 8);
	put_le64(entry + 8, len);
	put_le64(entry + 16, entry_sum(key, buf, len));
	memcpy(entry + 24, key, AA_OCI_CACHE_KEY_LEN);
	memcpy(entry + HEADER_SIZE, buf, len);
	r = write_file_atomic_at(c->dirfd, key, entry, HEADER_SIZE + len, 0600);
	return r;
}

int cache_remove(struct aa_oci_cache *c, const char *key)
{
	if (!key_ok(key))
		return -EINVAL;
	if (unlinkat(c->dirfd, key, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* --- administration --- */

int cache_list(const char *cache_dir, struct aa_oci_cache_entry **ret,
	       size_t *ret_n)
{
	_cleanup_(closedirp) DIR *top = opendir(cache_dir);
	struct aa_oci_cache_entry *v = NULL;
	struct dirent *de;
	size_t n = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!top)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(top))) {
		_cleanup_(closedirp) DIR *sub = NULL;
		struct dirent *e;
		int sfd;

		/* Dot-names (.lock) are not features directories. */
		if (de->d_name[0] == '.' || strlen(de->d_name) >= 64)
			continue;
		sfd = openat(dirfd(top), de->d_name,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sfd < 0)
			continue;
		sub = fdopendir(sfd);
		if (!sub) {
			close(sfd);
			continue;
		}
		while ((e = readdir(sub))) {
			_cleanup_free_ char *buf = NULL;
			struct aa_oci_cache_entry *nv;
			const char *payload;
			struct stat st;
			size_t len, plen;

			if (!key_ok(e->d_name) ||
			    fstatat(sfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) <
				0)
				continue;
			nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			memset(&v[n], 0, sizeof(v[n]));
			/* Both lengths were checked above. */
			memcpy(v[n].dir, de->d_name, strlen(de->d_name) + 1);
			memcpy(v[n].key, e->d_name, AA_OCI_CACHE_KEY_LEN + 1);
			v[n].mtime = st.st_mtime;
			v[n].size = st.st_size > HEADER_SIZE
					? (size_t)st.st_size - HEADER_SIZE
					: 0;
			v[n].valid = read_file_at(sfd, e->d_name, true,
						  ENTRY_MAX, &buf, &len) == 0 &&
				     entry_check(e->d_name, buf, len, &payload,
						 &plen) == 0;
			n++;
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int cache_entry_read(const char *cache_dir, const struct aa_oci_cache_entry *e,
		     char **ret_buf, size_t *ret_len)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	_cleanup_close_ int dfd = -1;
	const char *payload;
	size_t len, plen;
	int r;

	if (!key_ok(e->key) || e->dir[0] == '.' || strchr(e->dir, '/'))
		return -EINVAL;
	if (asprintf(&path, "%s/%s", e->dir, e->key) < 0)
		return -ENOMEM;
	dfd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	r = read_file_at(dfd, path, true, ENTRY_MAX, &buf, &len);
	if (r < 0)
		return r;
	r = entry_check(e->key, buf, len, &payload, &plen);
	if (r < 0)
		return r;
	memmove(buf, payload, plen);
	*ret_buf = TAKE_PTR(buf);
	*ret_len = plen;
	return 0;
}

/*
 * Remove the features directory @name: libapparmor deletes its files, then
 * it goes. A cache opened before the clear may store an entry meanwhile:
 * the directory is then not empty, or a file vanishes under libapparmor's
 * walk, which stops there. Empty it again: each such store fails or is
 * removed by the next pass, so this ends unless a cache keeps storing
 * (then -ENOTEMPTY after CLEAR_TRIES passes). Once the directory is gone,
 * such a cache stores nothing more (-ENOENT).
 */
static int remove_features_dir(int dfd, const char *name)
{
	int r = 0;

	for (int tries = 0; tries < CLEAR_TRIES; tries++) {
		if (aa_policy_cache_remove(dfd, name) < 0) {
			r = -errno;
			if (r != -ENOENT)
				return r;
		}
		if (unlinkat(dfd, name, AT_REMOVEDIR) == 0)
			return 0;
		r = -errno;
		if (r != -ENOTEMPTY && r != -EEXIST)
			return r;
	}
	return r;
}

int cache_clear(const char *cache_dir, size_t *ret_removed)
{
	_cleanup_(closedirp) DIR *top = opendir(cache_dir);
	_cleanup_close_ int lock = -1;
	struct dirent *de;
	size_t removed = 0;
	int r = 0;

	if (!top)
		return errno == ENOENT ? 0 : -errno;
	/* Not while an opener creates a features directory: it would be
	 * left without its .features, or with entries of no directory. */
	lock = lock_cache(dirfd(top));
	if (lock < 0)
		return lock;
	while ((de = readdir(top))) {
		int q;

		/* .lock, and whatever else is not a features directory. */
		if (de->d_name[0] == '.')
			continue;
		q = remove_features_dir(dirfd(top), de->d_name);
		if (q < 0 && q != -ENOENT) {
			r = q;
			continue;
		}
		removed++;
	}
	if (ret_removed)
		*ret_removed = removed;
	return r;
}

int cache_includes(const char *include_dir, const char *src_path,
		   char ***ret_files, struct aa_oci_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct walk w = {.include_dir = include_dir, .err = err};
	char **v;
	size_t len;
	int r;

	sha256_init(&w.h);
	r = read_file_at(AT_FDCWD, src_path, false, AA_OCI_PROFILE_FILE_MAX,
			 &text, &len);
	if (r == 0)
		r = walk_file(&w, src_path, text, len, 0);
	if (r == 0) {
		v = realloc(w.seen, (w.n_seen + 1) * sizeof(char *));
		if (!v) {
			r = -ENOMEM;
		} else {
			v[w.n_seen] = NULL;
			*ret_files = v;
			return 0;
		}
	}
	for (size_t i = 0; i < w.n_seen; i++)
		free(w.seen[i]);
	free(w.seen);
	return r;
}
