/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/cache.h"
#include "aa-oci/compile.h"
#include "aa-oci/index.h"
#include "aa-oci/load.h"
#include "aa-oci/rundir.h"
#include "aa-oci/sync.h"
#include "aa-oci/sync-record.h"
#include "aa-oci/util.h"

#define RETRY_MS 1000

/* A profile file this agent has seen. */
struct tracked {
	char *path;    /* DIR/ENTRY */
	size_t dir;    /* index in s->dirs */
	uint64_t hash; /* of the content last compiled */
	bool hash_ok;  /* false: compile it again at the next pass */
	bool loaded;   /* loaded at least once by this agent */
	bool seen;     /* present in the current pass */
	bool acted;    /* loaded, or failed, in the current pass */
	bool failing;  /* its last load (or read) failed */
	long gone_at;  /* watch mode: when it was found missing, else 0 */
	char **names;  /* what the kernel has from it; NULL-terminated */
};

struct dir {
	char *path;
	int wd;		/* inotify watch, -1 when not watched */
	bool dirty;	/* an event came; rescan it */
	bool missing;	/* reported as missing; not again until it is back */
	bool known;	/* the last scan read it whole, or found it gone */
	const char *ns; /* the policy namespace its profiles go into; NULL:
			 * the root namespace */
};

/* A directory holding files the profiles include (local overrides,
 * abstractions, tunables): an event there rescans the profiles. */
struct xdir {
	char *path;
	int wd; /* -1 until watched */
};

struct aa_oci_sync {
	struct aa_oci_kernel *k;
	const struct aa_oci_config *cfg;
	struct aa_oci_sync_opts opts;
	struct dir *dirs;
	size_t ndirs;
	struct tracked *files;
	size_t nfiles;
	struct sync_record rec; /* what this agent loaded */
	int run_fd;
	int lock_fd;
	int failures;	   /* in the current pass */
	unsigned unloaded; /* profiles, in the current pass */
	struct xdir *xdirs;
	size_t nxdirs;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* +1: 0 means "not gone" in struct tracked. */
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L + 1;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static void report(struct aa_oci_sync *s, struct aa_oci_sync_event ev)
{
	if (s->opts.report)
		s->opts.report(&ev, s->opts.userdata);
}

static void fail(struct aa_oci_sync *s, enum aa_oci_sync_kind kind,
		 const char *path, const char *name, int code, const char *text)
{
	s->failures++;
	report(s, (struct aa_oci_sync_event){
		      .kind = kind,
		      .path = path,
		      .name = name,
		      .code = code,
		      .text = text,
		  });
}

/* FNV-1a: only tells "changed" from "same", for files root writes. */
static uint64_t hash_bytes(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ull;
	}
	return h ^ len;
}

static bool strv_has(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

static int strv_push(char ***v, const char *s)
{
	size_t n = 0;
	char **nv;

	while (*v && (*v)[n])
		n++;
	nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	return nv[n] ? 0 : -ENOMEM;
}

/* The record could not be written: kept changed, written again after the
 * next change. */
static void record_save(struct aa_oci_sync *s)
{
	char text[PATH_MAX + 128];
	int r = record_write(&s->rec, s->run_fd);

	if (r == 0)
		return;
	snprintf(text, sizeof(text),
		 "cannot write %s/%s: %s; a restarted agent would not unload "
		 "what it loaded since",
		 s->cfg->run_dir, RUNDIR_SYNC_STATE, strerror(-r));
	fail(s, AA_OCI_SYNC_ERROR, NULL, NULL, r, text);
}

/* --- the files --- */

static struct tracked *tracked_find(struct aa_oci_sync *s, const char *path)
{
	for (size_t i = 0; i < s->nfiles; i++)
		if (streq(s->files[i].path, path))
			return &s->files[i];
	return NULL;
}

/*
 * A file not seen before. Until it loads, it holds the profiles the record
 * says came from it: a file that breaks while the agent is down keeps
 * its profiles loaded, as an edit that breaks it while the agent runs does.
 */
static struct tracked *tracked_add(struct aa_oci_sync *s, const char *path,
				   size_t dir)
{
	struct tracked *nf, *t;

	nf = realloc(s->files, (s->nfiles + 1) * sizeof(*nf));
	if (!nf)
		return NULL;
	s->files = nf;
	t = &nf[s->nfiles];
	*t = (struct tracked){.dir = dir};
	t->path = strdup(path);
	t->names = calloc(1, sizeof(char *));
	if (!t->path || !t->names)
		goto fail;
	for (size_t i = 0; i < s->rec.n; i++)
		if (streq(s->rec.v[i].path, path) &&
		    strv_push(&t->names, s->rec.v[i].name) < 0)
			goto fail;
	s->nfiles++;
	return t;
fail:
	free(t->path);
	strv_free(t->names);
	return NULL;
}

static void tracked_drop(struct aa_oci_sync *s, size_t i)
{
	free(s->files[i].path);
	strv_free(s->files[i].names);
	s->files[i] = s->files[--s->nfiles];
}

/* Errors a new content may cure; others (a transient one) are retried. */
static bool final_error(int r)
{
	return r == 0 || r == -EBADMSG || r == -ENOENT || r == -EOPNOTSUPP ||
	       r == -EINVAL || r == -E2BIG;
}

static int load_one(struct aa_oci_sync *s, struct tracked *t, uint64_t h)
{
	struct aa_oci_err err = {0};
	char **names = NULL, **fresh = NULL;
	bool again = t->loaded;
	int r;

	r = load_file(s->k, s->cfg, t->path, s->opts.mode, s->dirs[t->dir].ns,
		      &names, &fresh, &err);
	t->hash = h;
	t->hash_ok = final_error(r);
	t->acted = true;
	t->failing = r < 0;
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		/* The kernel keeps what it had from this file, and so do we. */
		fail(s, AA_OCI_SYNC_FAILED, t->path, NULL, r,
		     err.text[0] ? err.text : strerror(-r));
		return 0;
	}
	strv_free(t->names);
	t->names = names;
	t->loaded = true;
	r = 0;
	for (char **n = names; *n && r == 0; n++)
		if (strv_has(fresh, *n) || record_find(&s->rec, *n))
			r = record_set(&s->rec, *n, t->path);
	strv_free(fresh);
	report(s, (struct aa_oci_sync_event){
		      .kind = AA_OCI_SYNC_LOADED,
		      .path = t->path,
		      .names = t->names,
		      .again = again,
		  });
	return r;
}

/* Remember @dir (a directory the profiles include from) for watching. */
static void xdir_add(struct aa_oci_sync *s, const char *dir)
{
	struct xdir *nx;

	for (size_t i = 0; i < s->nxdirs; i++)
		if (streq(s->xdirs[i].path, dir))
			return;
	for (size_t d = 0; d < s->ndirs; d++)
		if (streq(s->dirs[d].path, dir))
			return;
	nx = realloc(s->xdirs, (s->nxdirs + 1) * sizeof(*nx));
	if (!nx)
		return;
	s->xdirs = nx;
	nx[s->nxdirs].path = strdup(dir);
	nx[s->nxdirs].wd = -1;
	if (nx[s->nxdirs].path)
		s->nxdirs++;
}

/*
 * What @path includes, as the stat of each file (or its absence): a change
 * to a local override, an abstraction or a tunable changes the profile as
 * much as an edit of @path does. The directories they are in are watched.
 * A profile whose includes cannot be followed is judged by its own text.
 */
static uint64_t includes_hash(struct aa_oci_sync *s, const char *path)
{
	char **files = NULL;
	uint64_t h = 0x84222325cbf29ce4ull;

	if (cache_includes(AA_OCI_PARSER_INCLUDE_DIR, path, &files, NULL) < 0)
		return 0;
	for (char **f = files; *f; f++) {
		struct stat st;
		char line[PATH_MAX + 128], *slash;
		int n;

		if (stat(*f, &st) == 0)
			n = snprintf(
			    line, sizeof(line), "%s %lu %lld %lld.%ld", *f,
			    (unsigned long)st.st_ino, (long long)st.st_size,
			    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		else
			n = snprintf(line, sizeof(line), "%s absent", *f);
		h = (h ^ hash_bytes(line, n > 0 ? (size_t)n : 0)) *
		    0x100000001b3ull;
		if (stat(*f, &st) == 0 && S_ISDIR(st.st_mode)) {
			xdir_add(s, *f);
		} else if ((slash = strrchr(*f, '/')) && slash != *f) {
			*slash = '\0';
			xdir_add(s, *f);
		}
	}
	strv_free(files);
	return h;
}

/* One entry of directory @d: load it if it is new or changed. */
static int scan_entry(struct aa_oci_sync *s, size_t d, int dfd,
		      const char *entry)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	struct tracked *t;
	struct stat st;
	size_t len;
	uint64_t h;
	int r;

	if (index_skip_entry(entry))
		return 0;
	/* Symlinks are followed: a ConfigMap's files are links into ..data.
	 * Missing (a dangling link, or gone since readdir) means gone. */
	r = fstatat(dfd, entry, &st, 0) < 0 ? -errno : 0;
	if (r == -ENOENT || r == -ENOTDIR || r == -ELOOP ||
	    (r == 0 && !S_ISREG(st.st_mode)))
		return 0;
	if (asprintf(&path, "%s/%s", s->dirs[d].path, entry) < 0)
		return -ENOMEM;
	if (!record_printable(entry)) {
		fail(s, AA_OCI_SYNC_FAILED, path, NULL, -EINVAL,
		     "the file name has a control character; rename it");
		return 0;
	}
	if (r == 0)
		r = read_file_at(dfd, entry, false, AA_OCI_PROFILE_FILE_MAX,
				 &buf, &len);
	if (r == -ENOENT)
		return 0;
	t = tracked_find(s, path);
	if (!t && !(t = tracked_add(s, path, d)))
		return -ENOMEM;
	t->seen = true;
	t->gone_at = 0;
	if (r < 0) {
		char text[128];

		if (r == -E2BIG)
			snprintf(
			    text, sizeof(text),
			    "larger than %u MiB, the limit for a profile file",
			    AA_OCI_PROFILE_FILE_MAX >> 20);
		else
			snprintf(text, sizeof(text), "cannot read it: %s",
				 strerror(-r));
		t->hash_ok = false;
		t->acted = t->failing = true;
		fail(s, AA_OCI_SYNC_FAILED, path, NULL, r, text);
		return 0;
	}
	h = hash_bytes(buf, len) ^ includes_hash(s, path);
	if (t->hash_ok && t->hash == h)
		return 0;
	return load_one(s, t, h);
}

/* Directory @d cannot be read: its files count as present, unchanged. */
static void dir_unreadable(struct aa_oci_sync *s, size_t d, int r)
{
	char text[128];

	s->dirs[d].known = false;
	for (size_t i = 0; i < s->nfiles; i++)
		if (s->files[i].dir == d)
			s->files[i].gone_at = 0;
	snprintf(text, sizeof(text), "cannot read the directory: %s",
		 strerror(-r));
	fail(s, AA_OCI_SYNC_ERROR, s->dirs[d].path, NULL, r, text);
}

/* Rescan directory @d. @grace: how long a file must stay gone (ms). */
static int scan_dir(struct aa_oci_sync *s, size_t d, long now, long grace)
{
	struct dir *dir = &s->dirs[d];
	_cleanup_(closedirp) DIR *dp = NULL;
	struct dirent *de;
	bool gone = false;
	int fd, r;

	for (size_t i = 0; i < s->nfiles; i++)
		if (s->files[i].dir == d)
			s->files[i].seen = false;

	fd = open(dir->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		/* Gone: so are its files. */
		r = -errno;
		gone = true;
		if (!dir->missing)
			report(s, (struct aa_oci_sync_event){
				      .kind = AA_OCI_SYNC_ERROR,
				      .path = dir->path,
				      .code = r,
				      .text = "no such directory",
				  });
		dir->missing = true;
		s->failures++;
	} else if (fd < 0 || !(dp = fdopendir(fd))) {
		/* Unreadable is not empty: leave its files as they are. */
		r = -errno;
		if (fd >= 0)
			close(fd);
		dir_unreadable(s, d, r);
		return 0;
	}
	dir->missing = gone;
	dir->known = false;
	while (dp) {
		errno = 0;
		de = readdir(dp);
		if (!de) {
			if (errno) {
				dir_unreadable(s, d, -errno);
				return 0;
			}
			break;
		}
		r = scan_entry(s, d, dirfd(dp), de->d_name);
		if (r < 0)
			return r;
	}
	dir->known = true;

	for (size_t i = 0; i < s->nfiles;) {
		struct tracked *t = &s->files[i];

		if (t->dir != d || t->seen) {
			i++;
			continue;
		}
		if (grace > 0 && !t->gone_at)
			t->gone_at = now;
		if (grace > 0 && now - t->gone_at < grace) {
			i++;
			continue;
		}
		tracked_drop(s, i);
	}
	return 0;
}

static bool defined(struct aa_oci_sync *s, const char *name)
{
	for (size_t i = 0; i < s->nfiles; i++)
		if (strv_has(s->files[i].names, name))
			return true;
	return false;
}

/*
 * Is @path a file directly in one of our directories, and do we know what
 * that directory holds? (An unreadable one is not an empty one.)
 */
static bool ours(struct aa_oci_sync *s, const char *path)
{
	const char *slash = strrchr(path, '/');

	for (size_t i = 0; slash && i < s->ndirs; i++)
		if (strlen(s->dirs[i].path) == (size_t)(slash - path) &&
		    memcmp(s->dirs[i].path, path, (size_t)(slash - path)) == 0)
			return s->dirs[i].known;
	return false;
}

/* Every profile @before had that no file defines now: unload ours. */
static void reconcile(struct aa_oci_sync *s, char **before)
{
	for (char **n = before; n && *n; n++) {
		struct aa_oci_err err = {0};
		struct sync_owned *o;
		int r;

		if (defined(s, *n))
			continue;
		o = record_find(&s->rec, *n);
		if (!o) {
			report(s, (struct aa_oci_sync_event){
				      .kind = AA_OCI_SYNC_KEPT,
				      .name = *n,
				      .text = "it was loaded before aa-oci "
					      "sync loaded it",
				  });
			continue;
		}
		r = load_unload(s->k, s->cfg, *n, &err);
		if (r < 0 && r != -ENOENT) {
			/* Kept in the record: tried again at the next pass. */
			fail(s, AA_OCI_SYNC_ERROR, o->path, *n, r, err.text);
			continue;
		}
		report(s, (struct aa_oci_sync_event){
			      .kind = AA_OCI_SYNC_UNLOADED,
			      .path = o->path,
			      .name = *n,
			  });
		s->unloaded++;
		record_drop(&s->rec, o);
	}
}

/* The pass's summary line, after its other events. */
static void report_pass(struct aa_oci_sync *s)
{
	struct aa_oci_sync_counts c = {.unloaded = s->unloaded,
				       .failed = (unsigned)s->failures};
	char text[160];

	for (size_t i = 0; i < s->nfiles; i++) {
		const struct tracked *t = &s->files[i];

		if (t->acted && !t->failing)
			c.loaded++;
		else if (t->failing && !t->acted)
			c.failed++; /* said when it failed; unchanged since */
		else if (!t->failing)
			c.unchanged++;
	}
	snprintf(text, sizeof(text),
		 "pass: %u loaded, %u unchanged, %u unloaded, %u failed",
		 c.loaded, c.unchanged, c.unloaded, c.failed);
	report(s, (struct aa_oci_sync_event){
		      .kind = AA_OCI_SYNC_PASS,
		      .text = text,
		      .counts = c,
		  });
}

/* Rescan the dirty directories (all when @all). */
static int pass(struct aa_oci_sync *s, bool all, long grace)
{
	char **before = calloc(1, sizeof(char *));
	long now = now_ms();
	int r = before ? 0 : -ENOMEM;

	/* What the kernel has from our files before the pass... */
	for (size_t i = 0; i < s->nfiles && r == 0; i++)
		for (char **n = s->files[i].names; *n && r == 0; n++)
			if (!strv_has(before, *n))
				r = strv_push(&before, *n);

	s->failures = 0;
	s->unloaded = 0;
	for (size_t i = 0; i < s->nfiles; i++)
		s->files[i].acted = false;
	for (size_t d = 0; d < s->ndirs && r == 0; d++) {
		if (!all && !s->dirs[d].dirty)
			continue;
		s->dirs[d].dirty = false;
		r = scan_dir(s, d, now, grace);
	}
	/* ...and what the record says we loaded from directories we could
	 * read (a restarted agent learns of removals this way). */
	for (size_t i = 0; i < s->rec.n && r == 0; i++)
		if (ours(s, s->rec.v[i].path) &&
		    !strv_has(before, s->rec.v[i].name))
			r = strv_push(&before, s->rec.v[i].name);
	if (r == 0)
		reconcile(s, before);
	record_save(s);
	strv_free(before);
	if (r == 0)
		report_pass(s);
	return r < 0 ? r : s->failures;
}

int sync_scan(struct aa_oci_sync *s)
{
	return pass(s, true, 0);
}

/* --- watching --- */

#define WATCH_MASK                                                             \
	(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM |  \
	 IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

static void watch_add(struct aa_oci_sync *s, int ifd, size_t d)
{
	struct dir *dir = &s->dirs[d];

	dir->wd = inotify_add_watch(ifd, dir->path, WATCH_MASK);
	/* A directory that appeared (or came back) is read whole. */
	if (dir->wd >= 0)
		dir->dirty = true;
}

/* Watch the include directories not watched yet; false if one is missing
 * (tried again later: `local/` may not exist until someone writes). */
static bool xwatch_add(struct aa_oci_sync *s, int ifd)
{
	bool all = true;

	for (size_t i = 0; i < s->nxdirs; i++) {
		if (s->xdirs[i].wd >= 0)
			continue;
		s->xdirs[i].wd =
		    inotify_add_watch(ifd, s->xdirs[i].path, WATCH_MASK);
		all &= s->xdirs[i].wd >= 0;
	}
	return all;
}

static bool xdir_by_wd(struct aa_oci_sync *s, int wd)
{
	for (size_t i = 0; i < s->nxdirs; i++)
		if (s->xdirs[i].wd == wd)
			return true;
	return false;
}

static struct dir *dir_by_wd(struct aa_oci_sync *s, int wd)
{
	for (size_t d = 0; d < s->ndirs; d++)
		if (s->dirs[d].wd == wd)
			return &s->dirs[d];
	return NULL;
}

/* Read what inotify has; true when something is worth a rescan. */
static bool watch_read(struct aa_oci_sync *s, int ifd)
{
	char buf[8192]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;

	for (;;) {
		ssize_t n = read(ifd, buf, sizeof(buf));

		if (n <= 0)
			return any; /* EAGAIN: drained */
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (void *)p;
			struct dir *dir = dir_by_wd(s, ev->wd);

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				for (size_t d = 0; d < s->ndirs; d++)
					s->dirs[d].dirty = true;
				any = true;
				continue;
			}
			if (!dir && xdir_by_wd(s, ev->wd)) {
				/* An included file changed: every profile
				 * directory is looked at again (a profile's
				 * includes are part of its hash). */
				for (size_t d = 0; d < s->ndirs; d++)
					s->dirs[d].dirty = true;
				if (ev->mask & IN_IGNORED)
					for (size_t i = 0; i < s->nxdirs; i++)
						if (s->xdirs[i].wd == ev->wd)
							s->xdirs[i].wd = -1;
				any = true;
				continue;
			}
			if (!dir)
				continue;
			if (ev->mask & (IN_IGNORED | IN_MOVE_SELF)) {
				/* Gone or moved away: look for the path again.
				 */
				if (ev->mask & IN_MOVE_SELF)
					inotify_rm_watch(ifd, dir->wd);
				dir->wd = -1;
			} else if (ev->len && index_skip_entry(ev->name) &&
				   strncmp(ev->name, "..", 2) != 0) {
				/* An editor's swap file, not a profile. The
				 * dot-dot names are a ConfigMap's update. */
				continue;
			}
			dir->dirty = true;
			any = true;
		}
	}
}

static long min_due(long a, long b)
{
	return a < 0 ? b : (b < 0 || a < b ? a : b);
}

int sync_watch(struct aa_oci_sync *s, int stop_fd, struct aa_oci_err *err)
{
	_cleanup_close_ int ifd = -1;
	long first = 0, last = 0, retry = 0;
	bool pending = false;
	int r;

	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd < 0)
		return err_set(err, -errno, "cannot start inotify: %s",
			       strerror(errno));
	/* Watches first, so nothing written during the first pass is lost. */
	for (size_t d = 0; d < s->ndirs; d++)
		watch_add(s, ifd, d);
	r = pass(s, true, 0);
	if (r < 0)
		return err_set(err, r, "%s", strerror(-r));
	(void)xwatch_add(s, ifd);
	retry = now_ms() + RETRY_MS;

	for (;;) {
		struct pollfd p[2] = {
		    {.fd = stop_fd, .events = POLLIN},
		    {.fd = ifd, .events = POLLIN},
		};
		long now = now_ms(), due = -1, timeout;
		bool unwatched = false, gone_due = false;

		for (size_t d = 0; d < s->ndirs; d++)
			unwatched |= s->dirs[d].wd < 0;
		for (size_t i = 0; i < s->nxdirs; i++)
			unwatched |= s->xdirs[i].wd < 0;
		if (unwatched)
			due = retry;
		if (pending)
			due = min_due(
			    due, min_due(last + AA_OCI_SYNC_QUIET_MS,
					 first + AA_OCI_SYNC_MAX_DELAY_MS));
		for (size_t i = 0; i < s->nfiles; i++)
			if (s->files[i].gone_at)
				due = min_due(due,
					      s->files[i].gone_at +
						  AA_OCI_SYNC_REMOVE_GRACE_MS);
		timeout = due < 0 ? -1 : (due > now ? due - now : 0);
		if (timeout > INT_MAX)
			timeout = INT_MAX;

		if (poll(p, 2, (int)timeout) < 0 && errno != EINTR)
			return err_set(err, -errno, "poll: %s",
				       strerror(errno));
		if (p[0].revents)
			return 0;
		now = now_ms();
		if ((p[1].revents & POLLIN) && watch_read(s, ifd)) {
			if (!pending)
				first = now;
			last = now;
			pending = true;
		}
		if (unwatched && now >= retry) {
			for (size_t d = 0; d < s->ndirs; d++)
				if (s->dirs[d].wd < 0)
					watch_add(s, ifd, d);
			/* An include directory that appeared: what it holds
			 * may change profiles. */
			for (size_t i = 0; i < s->nxdirs; i++)
				if (s->xdirs[i].wd < 0 &&
				    access(s->xdirs[i].path, F_OK) == 0)
					for (size_t d = 0; d < s->ndirs; d++)
						s->dirs[d].dirty = true;
			(void)xwatch_add(s, ifd);
			retry = now + RETRY_MS;
		}
		for (size_t i = 0; i < s->nfiles; i++) {
			struct tracked *t = &s->files[i];

			if (t->gone_at &&
			    now - t->gone_at >= AA_OCI_SYNC_REMOVE_GRACE_MS) {
				s->dirs[t->dir].dirty = true;
				gone_due = true;
			}
		}
		/* A directory that was just (re)watched is dirty too. */
		for (size_t d = 0; d < s->ndirs; d++)
			gone_due |= s->dirs[d].dirty && !pending;
		if (gone_due ||
		    (pending && (now >= last + AA_OCI_SYNC_QUIET_MS ||
				 now >= first + AA_OCI_SYNC_MAX_DELAY_MS))) {
			pending = false;
			/* Its sync.lock and sync.state went with it. */
			if (rundir_removed(s->cfg->rundir))
				return err_set(
				    err, -ESTALE,
				    "%s was removed under the agent; "
				    "it ends so that its restart "
				    "(systemd, the DaemonSet) uses "
				    "the new one",
				    s->cfg->run_dir);
			r = pass(s, false, AA_OCI_SYNC_REMOVE_GRACE_MS);
			if (r < 0)
				return err_set(err, r, "%s", strerror(-r));
			(void)xwatch_add(s, ifd);
		}
	}
}

/* --- the agent --- */

static int dir_path(const char *arg, char **ret)
{
	char cwd[PATH_MAX];
	char *p;
	size_t n;

	if (arg[0] == '/') {
		p = strdup(arg);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		if (asprintf(&p, "%s/%s", cwd, arg) < 0)
			p = NULL;
	}
	if (!p)
		return -ENOMEM;
	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	*ret = p;
	return 0;
}

int sync_new(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
	     char *const *dirs, const struct aa_oci_sync_opts *opts,
	     struct aa_oci_sync **ret, struct aa_oci_err *err)
{
	struct aa_oci_sync *s;
	size_t n = 0, nroot = 0;
	const char *ns = cfg->profile_namespace;
	int r;

	while (dirs && dirs[n])
		n++;
	nroot = n;
	while (opts->ns_dirs && opts->ns_dirs[n - nroot])
		n++;
	if (n == 0)
		return err_set(err, -EINVAL, "no profile directory given");
	if (n > nroot && (!ns || !ns[0]))
		return err_set(err, -EINVAL,
			       "--namespaced %s: profile_namespace is empty in "
			       "the config file; set it, or sync the directory "
			       "into the root namespace",
			       opts->ns_dirs[0]);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->k = k;
	s->cfg = cfg;
	s->opts = *opts;
	s->run_fd = s->lock_fd = -1;
	s->dirs = calloc(n, sizeof(*s->dirs));
	if (!s->dirs) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		const char *arg =
		    i < nroot ? dirs[i] : opts->ns_dirs[i - nroot];
		char *p;
		bool dup = false;

		r = dir_path(arg, &p);
		if (r < 0) {
			err_set(err, r, "%s: %s", arg, strerror(-r));
			goto fail;
		}
		if (!record_printable(p)) {
			free(p);
			r = err_set(err, -EINVAL,
				    "directory name with a control character");
			goto fail;
		}
		for (size_t j = 0; j < s->ndirs && !dup; j++) {
			dup = streq(s->dirs[j].path, p);
			if (dup && (s->dirs[j].ns != NULL) != (i >= nroot)) {
				free(p);
				r = err_set(
				    err, -EINVAL,
				    "%s is named both with and without "
				    "--namespaced; its profiles go into "
				    "one namespace",
				    arg);
				goto fail;
			}
		}
		if (dup) {
			free(p);
			continue;
		}
		s->dirs[s->ndirs++] = (struct dir){
		    .path = p, .wd = -1, .ns = i >= nroot ? ns : NULL};
	}

	/* The directory descriptor belongs to cfg->rundir. */
	s->run_fd = rundir_fd(cfg->rundir, true, err);
	if (s->run_fd < 0) {
		r = s->run_fd;
		goto fail;
	}
	r = rundir_lock_open(cfg->rundir, RUNDIR_SYNC_LOCK, &s->lock_fd, err);
	if (r < 0)
		goto fail;
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		err_set(err, r,
			r == -EBUSY
			    ? "another aa-oci sync is running (it holds %s/%s)"
			    : "cannot lock %s/%s",
			cfg->run_dir, RUNDIR_SYNC_LOCK);
		goto fail;
	}
	r = record_read(&s->rec, s->run_fd);
	if (r < 0) {
		err_set(err, r, "cannot read %s/%s: %s", cfg->run_dir,
			RUNDIR_SYNC_STATE, strerror(-r));
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	sync_free(s);
	return r;
}

void sync_free(struct aa_oci_sync *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ndirs; i++)
		free(s->dirs[i].path);
	free(s->dirs);
	for (size_t i = 0; i < s->nxdirs; i++)
		free(s->xdirs[i].path);
	free(s->xdirs);
	while (s->nfiles)
		tracked_drop(s, s->nfiles - 1);
	free(s->files);
	record_free(&s->rec);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}
