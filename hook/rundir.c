/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The run directory, run_dir in the config file (default /run/aa-oci, a
 * tmpfs: everything here ends with the boot, as the kernel's policy does).
 * Made 0700 by the first load that needs it. Its entries:
 *
 *   load.lock     flock: one load (or unload) of aa-oci's at a time, so a
 *                 start re-checks under it and N starts compile once.
 *                 Taken by load.c; never removed.
 *   sync.lock     flock: one `aa-oci sync` agent per run directory. Taken
 *                 by sync.c for the agent's life; never removed.
 *   sync.state    "NAME<TAB>FILE" lines: the profiles the sync agent loaded
 *                 and may unload (sync-record.c). Rewritten atomically.
 *   index         which file declares which profile, with the stat of each
 *                 directory and file it was built from (index.c); rebuilt
 *                 when one changed.
 *   features      the kernel's features: "BOOT-ID\nLENGTH\nFEATURES"
 *                 (kernel.c); trusted only whole and of this boot,
 *                 recomputed otherwise.
 *   parser        the parser's identity (path and stat) and its version, as
 *                 `apparmor_parser --version` said it (compile.c); asked
 *                 again when the identity differs.
 *   keys/         one file per profile source: its cache key and the stat of
 *                 every file that went into it (cache.c); recomputed when a
 *                 stat differs.
 *   kdir/NAME     the kernel's directory for profile NAME under
 *                 policy/profiles (kernel.c through rundir_kdir_*); only a
 *                 hint, checked against the kernel on each use.
 *   loaded/NAME   what aa-oci committed to the kernel for NAME: who (hook,
 *                 runtime, exec, lxc, sync, cli), the mode, the cache key,
 *                 the source, when (load.c). A profile without a record, or
 *                 whose mode in the kernel is not the recorded one, is
 *                 someone else's: containers never replace it. Dropped when
 *                 aa-oci unloads the profile.
 *   containers.journal
 *                 each container a hook or aa-oci-runtime let through: who,
 *                 the profile and mode, the init pid when known, since when,
 *                 the bundle and Kubernetes names (rundir_container_*): one
 *                 line appended a start, one a stop (poststop, the
 *                 wrapper's delete); compacted by a stop past 64 KiB and
 *                 when listed; a container whose pid is gone is pruned
 *                 when listed. Format and locking above journal_open_append.
 *   bin.XXXXXX, src.XXXXXX
 *                 a compile's output and a generated profile's text
 *                 (compile.c); unlinked when the compile ends. One left by a
 *                 killed start is harmless and goes with the boot.
 *
 * Names in kdir/ and loaded/ are profile names with every byte outside
 * [A-Za-z0-9_+-] (and '.' anywhere but first) written as %XX, so a name
 * like "/usr/bin/foo" is one path component.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/policy.h"
#include "aa-oci/rundir.h"
#include "aa-oci/util.h"

#define LOADED_MAX 8192

struct aa_oci_rundir {
	char *path;
	int fd;
};

int rundir_new(const char *path, struct aa_oci_rundir **ret)
{
	struct aa_oci_rundir *rd = calloc(1, sizeof(*rd));

	if (!rd)
		return -ENOMEM;
	rd->fd = -1;
	rd->path = strdup(path);
	if (!rd->path) {
		free(rd);
		return -ENOMEM;
	}
	*ret = rd;
	return 0;
}

void rundir_free(struct aa_oci_rundir *rd)
{
	if (!rd)
		return;
	if (rd->fd >= 0)
		close(rd->fd);
	free(rd->path);
	free(rd);
}

const char *rundir_path(const struct aa_oci_rundir *rd)
{
	return rd->path;
}

int rundir_fd(struct aa_oci_rundir *rd, bool create, struct aa_oci_err *err)
{
	int r;

	if (rd->fd >= 0)
		return rd->fd;
	rd->fd = open(rd->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rd->fd >= 0)
		return rd->fd;
	r = -errno;
	if (r == -ENOENT && create) {
		if (mkdir(rd->path, 0700) < 0 && errno != EEXIST)
			return err_set(err, -errno, "cannot create %s: %s",
				       rd->path, strerror(errno));
		rd->fd = open(rd->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rd->fd >= 0)
			return rd->fd;
		r = -errno;
	}
	return err_set(err, r, "cannot open %s: %s", rd->path, strerror(-r));
}

bool rundir_removed(struct aa_oci_rundir *rd)
{
	struct stat st;

	if (rd->fd < 0 || (fstat(rd->fd, &st) == 0 && st.st_nlink > 0))
		return false;
	close(rd->fd);
	rd->fd = -1;
	return true;
}

int rundir_lock_open(struct aa_oci_rundir *rd, const char *lock, int *ret_fd,
		     struct aa_oci_err *err)
{
	int dfd = rundir_fd(rd, true, err), fd;

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(err, -errno, "cannot open %s/%s: %s", rd->path,
			       lock, strerror(errno));
	*ret_fd = fd;
	return 0;
}

int rundir_entry_path(struct aa_oci_rundir *rd, const char *entry,
		      char **ret_path)
{
	int r = rundir_fd(rd, true, NULL);

	if (r < 0)
		return r;
	return asprintf(ret_path, "%s/%s", rd->path, entry) < 0 ? -ENOMEM : 0;
}

int rundir_mktemp(struct aa_oci_rundir *rd, const char *prefix, char **ret_path)
{
	_cleanup_free_ char *path = NULL;
	int r = rundir_fd(rd, true, NULL), fd;

	if (r < 0)
		return r;
	if (asprintf(&path, "%s/%s.XXXXXX", rd->path, prefix) < 0)
		return -ENOMEM;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	*ret_path = TAKE_PTR(path);
	return 0;
}

int rundir_read(struct aa_oci_rundir *rd, const char *entry, size_t max,
		char **ret_buf, size_t *ret_len)
{
	int dfd = rundir_fd(rd, false, NULL);

	if (dfd < 0)
		return dfd;
	return read_file_at(dfd, entry, true, max, ret_buf, ret_len);
}

int rundir_write(struct aa_oci_rundir *rd, const char *entry, const void *buf,
		 size_t len)
{
	int dfd = rundir_fd(rd, true, NULL);

	if (dfd < 0)
		return dfd;
	return write_file_atomic_at(dfd, entry, buf, len, 0600);
}

/* "SUB/<escaped name>"; -ENAMETOOLONG past one path component. */
static int entry_name(const char *sub, const char *name, char *buf, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t j = (size_t)snprintf(buf, size, "%s/", sub);

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		bool keep = (*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '_' ||
			    *p == '+' || *p == '-' ||
			    (*p == '.' && p != (const unsigned char *)name);

		if (j + 4 >= size)
			return -ENAMETOOLONG;
		if (keep) {
			buf[j++] = (char)*p;
		} else {
			buf[j++] = '%';
			buf[j++] = hex[*p >> 4];
			buf[j++] = hex[*p & 15];
		}
	}
	buf[j] = '\0';
	if (j == strlen(sub) + 1 || j - strlen(sub) - 1 > 255)
		return -ENAMETOOLONG;
	return 0;
}

/* Create SUB under the directory; best effort (the write then fails). */
static int sub_fd(struct aa_oci_rundir *rd, const char *sub)
{
	int dfd = rundir_fd(rd, true, NULL);

	if (dfd < 0)
		return dfd;
	if (mkdirat(dfd, sub, 0700) < 0 && errno != EEXIST)
		return -errno;
	return dfd;
}

int rundir_kdir_get(struct aa_oci_rundir *rd, const char *name, char **ret_dir)
{
	char entry[300];
	int r = entry_name(RUNDIR_KDIR, name, entry, sizeof(entry));

	if (r < 0)
		return r;
	return rundir_read(rd, entry, 256, ret_dir, NULL);
}

void rundir_kdir_put(struct aa_oci_rundir *rd, const char *name,
		     const char *dir)
{
	char entry[300];
	int dfd;

	if (entry_name(RUNDIR_KDIR, name, entry, sizeof(entry)) < 0)
		return;
	dfd = sub_fd(rd, RUNDIR_KDIR);
	if (dfd >= 0)
		(void)write_file_atomic_at(dfd, entry, dir, strlen(dir), 0600);
}

static const char *const loaders[] = {
    [AA_OCI_BY_HOOK] = "hook", [AA_OCI_BY_RUNTIME] = "runtime",
    [AA_OCI_BY_EXEC] = "exec", [AA_OCI_BY_LXC] = "lxc",
    [AA_OCI_BY_SYNC] = "sync", [AA_OCI_BY_CLI] = "cli",
};

const char *loader_name(enum aa_oci_loader by)
{
	if ((size_t)by < sizeof(loaders) / sizeof(*loaders))
		return loaders[by];
	return "?";
}

void rundir_loaded_free(struct aa_oci_loaded *rec)
{
	free(rec->source);
	rec->source = NULL;
}

bool rundir_loaded_fits(const char *name)
{
	char entry[300];

	return entry_name(RUNDIR_LOADED, name, entry, sizeof(entry)) == 0;
}

int rundir_loaded_put(struct aa_oci_rundir *rd, const char *name,
		      const struct aa_oci_loaded *rec)
{
	_cleanup_free_ char *text = NULL;
	char entry[300];
	int dfd, n, r;

	r = entry_name(RUNDIR_LOADED, name, entry, sizeof(entry));
	if (r < 0)
		return r;
	if (rec->source && strchr(rec->source, '\n'))
		return -EINVAL;
	n = asprintf(&text, "by %s\nmode %s\nkey %s\ntime %lld\nsource %s\n",
		     loader_name(rec->by), mode_name(rec->mode),
		     rec->key[0] ? rec->key : "-", (long long)rec->time,
		     rec->source ? rec->source : "-");
	if (n < 0)
		return -ENOMEM;
	dfd = sub_fd(rd, RUNDIR_LOADED);
	if (dfd < 0)
		return dfd;
	return write_file_atomic_at(dfd, entry, text, (size_t)n, 0600);
}

/* The value of line "@key value" in @buf, cut at its newline. */
static char *field(char *buf, const char *key)
{
	size_t n = strlen(key);

	for (char *p = buf; p && *p;) {
		char *nl = strchr(p, '\n');

		if (!nl)
			return NULL;
		if (strncmp(p, key, n) == 0 && p[n] == ' ') {
			*nl = '\0';
			return p + n + 1;
		}
		p = nl + 1;
	}
	return NULL;
}

int rundir_loaded_get(struct aa_oci_rundir *rd, const char *name,
		      struct aa_oci_loaded *ret)
{
	_cleanup_free_ char *buf = NULL;
	struct aa_oci_loaded rec = {0};
	char entry[300], *by, *mode, *key, *time, *src, *end;
	size_t i;
	int r;

	r = entry_name(RUNDIR_LOADED, name, entry, sizeof(entry));
	if (r < 0)
		return r;
	r = rundir_read(rd, entry, LOADED_MAX, &buf, NULL);
	if (r < 0)
		return r;
	/* Fields are cut in place; take each before the next search. */
	by = field(buf, "by");
	if (!by)
		return -ENOENT;
	for (i = 0; i < sizeof(loaders) / sizeof(*loaders); i++)
		if (streq(by, loaders[i]))
			break;
	if (i == sizeof(loaders) / sizeof(*loaders))
		return -ENOENT;
	rec.by = (enum aa_oci_loader)i;
	mode = field(by + strlen(by) + 1, "mode");
	if (!mode || (!streq(mode, "enforce") && !streq(mode, "complain")))
		return -ENOENT;
	rec.mode =
	    streq(mode, "enforce") ? AA_OCI_MODE_ENFORCE : AA_OCI_MODE_COMPLAIN;
	key = field(mode + strlen(mode) + 1, "key");
	if (!key || (strlen(key) != 64 && !streq(key, "-")))
		return -ENOENT;
	if (!streq(key, "-"))
		memcpy(rec.key, key, 65);
	time = field(key + strlen(key) + 1, "time");
	if (!time)
		return -ENOENT;
	rec.time = (time_t)strtoll(time, &end, 10);
	if (*end)
		return -ENOENT;
	src = field(time + strlen(time) + 1, "source");
	if (!src)
		return -ENOENT;
	if (!streq(src, "-") && !(rec.source = strdup(src)))
		return -ENOMEM;
	*ret = rec;
	return 0;
}

void rundir_loaded_drop(struct aa_oci_rundir *rd, const char *name)
{
	char entry[300];
	int dfd = rundir_fd(rd, false, NULL);

	if (dfd < 0 ||
	    entry_name(RUNDIR_LOADED, name, entry, sizeof(entry)) < 0)
		return;
	(void)unlinkat(dfd, entry, 0);
}

/*
 * The container journal, RUNDIR_CONTAINERS: one line a change, appended
 * with one write(2) on a descriptor opened O_APPEND, so that a start
 * creates no file and renames nothing (make bench row 1r):
 *
 *   \n+ ID BY PROFILE MODE PID SINCE BUNDLE NS POD CONTAINER RUNTIME ROOT .\n
 *   \n- ID .\n
 *
 * (fields separated by a tab; "-" for none). The last "+" line of an id is
 * its record; a "-" line ends it. A line with another number of fields or
 * without the final "." is torn (a writer killed in the middle, a full
 * run_dir) and is skipped: the "\n" each line starts with keeps the next
 * line whole. Writers hold a shared flock on the journal while they write;
 * compaction (journal_compact) holds it exclusively while it reads the
 * journal and renames the compacted one over it, so no line is lost to a
 * rename. A writer that finds its journal renamed away (no links left)
 * opens the new one. Readers take no lock: a line being written is
 * incomplete and skipped, as a torn one.
 */
#define JOURNAL_MAX (16u << 20)	    /* read at most this much */
#define JOURNAL_COMPACT (64u << 10) /* a drop compacts past this size */
#define JOURNAL_GROW (1u << 20)	    /* a put compacts past this size */
#define PUT_FIELDS 14
#define DROP_FIELDS 3

/* runc's rule for container ids (policy_container_id). */
static bool id_ok(const char *id)
{
	return policy_container_id(id, strlen(id));
}

/* A value on one line: no newline, tab or other control byte. */
static bool line_ok(const char *v)
{
	for (; v && *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return false;
	return true;
}

static const char *dash(const char *v)
{
	return v ? v : "-";
}

/* One "+" line for @c, or NULL (-ENOMEM in errno). */
static char *put_line(const struct aa_oci_container *c, int *ret_len)
{
	char *text = NULL;
	int n = asprintf(
	    &text, "\n+\t%s\t%s\t%s\t%s\t%d\t%lld\t%s\t%s\t%s\t%s\t%s\t%s\t.\n",
	    c->id, loader_name(c->by), dash(c->profile), mode_name(c->mode),
	    (int)c->pid, (long long)c->since, dash(c->bundle),
	    dash(c->k8s_namespace), dash(c->k8s_pod), dash(c->k8s_container),
	    dash(c->runtime), dash(c->root));

	*ret_len = n;
	return n < 0 ? NULL : text;
}

/* Open the journal for appending (creating it) with a shared lock, the
 * current one: not one a compaction renamed away meanwhile. Returns: the
 * descriptor (its size in *@ret_size), or -errno. */
static int journal_open_append(struct aa_oci_rundir *rd, off_t *ret_size)
{
	int dfd = rundir_fd(rd, true, NULL);

	if (dfd < 0)
		return dfd;
	for (int tries = 0; tries < 64; tries++) {
		struct stat st;
		int fd = openat(dfd, RUNDIR_CONTAINERS,
				O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
				    O_NOFOLLOW,
				0600);

		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_SH) < 0 || fstat(fd, &st) < 0) {
			int r = -errno;

			close(fd);
			return r;
		}
		if (st.st_nlink > 0) {
			*ret_size = st.st_size;
			return fd;
		}
		close(fd); /* compacted away: the new one */
	}
	return -EAGAIN;
}

/* Append @len bytes in one write; a short one leaves a torn line (skipped
 * by every reader, gone at the next compaction) and fails. */
static int journal_append(int fd, const char *line, size_t len)
{
	ssize_t n;

	do
		n = write(fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -ENOSPC;
}

void rundir_container_free(struct aa_oci_container *c)
{
	free(c->id);
	free(c->profile);
	free(c->bundle);
	free(c->k8s_namespace);
	free(c->k8s_pod);
	free(c->k8s_container);
	free(c->runtime);
	free(c->root);
	*c = (struct aa_oci_container){0};
}

void rundir_container_list_free(struct aa_oci_container *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		rundir_container_free(&v[i]);
	free(v);
}

/* "-" stands for none. */
static int take(const char *v, char **ret)
{
	if (streq(v, "-"))
		return 0;
	*ret = strdup(v);
	return *ret ? 0 : -ENOMEM;
}

static int number(const char *v, long long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoll(v, &end, 10);
	return (*v && !*end && !errno && *ret >= 0) ? 0 : -EBADMSG;
}

/* A "+" line's fields into @ret; -EBADMSG for one that is not whole. */
static int put_parse(char **f, struct aa_oci_container *ret)
{
	struct aa_oci_container c = {0};
	long long pid, since;
	int r;

	if (!id_ok(f[1]) || number(f[5], &pid) < 0 || pid > INT32_MAX ||
	    number(f[6], &since) < 0)
		return -EBADMSG;
	c.by = streq(f[2], "runtime") ? AA_OCI_BY_RUNTIME : AA_OCI_BY_HOOK;
	c.mode = streq(f[4], "complain")  ? AA_OCI_MODE_COMPLAIN
		 : streq(f[4], "enforce") ? AA_OCI_MODE_ENFORCE
					  : AA_OCI_MODE_OTHER;
	c.pid = (pid_t)pid;
	c.since = (time_t)since;
	r = take(f[1], &c.id);
	if (r == 0)
		r = take(f[3], &c.profile);
	if (r == 0)
		r = take(f[7], &c.bundle);
	if (r == 0)
		r = take(f[8], &c.k8s_namespace);
	if (r == 0)
		r = take(f[9], &c.k8s_pod);
	if (r == 0)
		r = take(f[10], &c.k8s_container);
	if (r == 0)
		r = take(f[11], &c.runtime);
	if (r == 0)
		r = take(f[12], &c.root);
	if (r == 0 && !c.id)
		r = -EBADMSG;
	if (r < 0) {
		rundir_container_free(&c);
		return r;
	}
	*ret = c;
	return 0;
}

/* A whole line of the journal: its kind, id and order. */
struct jline {
	char **f; /* its fields */
	size_t seq;
};

static int jline_cmp(const void *a, const void *b)
{
	const struct jline *x = a, *y = b;
	int c = strcmp(x->f[1], y->f[1]);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The records a journal's text holds, in no order; only @id's when it is
 * not NULL. *@ret_torn counts the lines that were not whole. Sorted by id,
 * so a journal of thousands of lines folds in n log n. */
static int journal_fold(char *text, const char *id,
			struct aa_oci_container **ret, size_t *ret_n,
			size_t *ret_torn)
{
	_cleanup_free_ struct jline *l = NULL;
	_cleanup_free_ char **fields = NULL;
	struct aa_oci_container *v = NULL;
	size_t nl = 0, lines = 1, n = 0, torn = 0;
	char *line, *save = NULL;

	for (const char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	l = calloc(lines, sizeof(*l));
	fields = calloc(lines, (PUT_FIELDS + 1) * sizeof(*fields));
	if (!l || !fields)
		return -ENOMEM;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char **f = fields + nl * (PUT_FIELDS + 1);
		size_t nf = 0;

		for (char *p = line; nf <= PUT_FIELDS; p++) {
			f[nf++] = p;
			if (!(p = strchr(p, '\t')))
				break;
			*p = '\0';
		}
		if ((nf != PUT_FIELDS && nf != DROP_FIELDS) ||
		    !streq(f[nf - 1], ".") ||
		    !(streq(f[0], "+") || streq(f[0], "-")) ||
		    (f[0][0] == '+') != (nf == PUT_FIELDS)) {
			torn++;
			continue;
		}
		if (id && !streq(f[1], id))
			continue;
		l[nl] = (struct jline){.f = f, .seq = nl};
		nl++;
	}
	if (nl > 1)
		qsort(l, nl, sizeof(*l), jline_cmp);
	v = calloc(nl ? nl : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/* Each id: its last whole "+" line, unless a "-" came after. */
	for (size_t i = 0; i < nl;) {
		size_t end = i;
		int r = 1;

		while (end < nl && streq(l[end].f[1], l[i].f[1]))
			end++;
		for (size_t j = end; j-- > i && r > 0;) {
			if (l[j].f[0][0] == '-')
				r = 0; /* ended */
			else if ((r = put_parse(l[j].f, &v[n])) == 0)
				n++;
			else if (r == -EBADMSG) {
				torn++;
				r = 1;
			}
		}
		if (r < 0) {
			rundir_container_list_free(v, n);
			return r;
		}
		i = end;
	}
	*ret = v;
	*ret_n = n;
	if (ret_torn)
		*ret_torn = torn;
	return 0;
}

/* Is @c's process gone (a container that ended without poststop)? */
static bool gone(const struct aa_oci_container *c)
{
	return c->pid > 0 && kill(c->pid, 0) < 0 && errno == ESRCH;
}

/* Rewrite the journal as its live records alone (without the ones whose
 * process is gone, with @prune), under the exclusive lock, when that
 * halves it at least. Best effort: the old journal stays when anything
 * fails. */
static void journal_compact(struct aa_oci_rundir *rd, bool prune)
{
	_cleanup_free_ char *text = NULL, *out = NULL;
	_cleanup_close_ int fd = -1;
	struct aa_oci_container *v = NULL;
	size_t n = 0, len = 0, cap = 0;
	int dfd = rundir_fd(rd, false, NULL);
	struct stat st;

	if (dfd < 0)
		return;
	fd = openat(dfd, RUNDIR_CONTAINERS, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0 ||
	    st.st_nlink == 0 || !S_ISREG(st.st_mode) ||
	    read_fd_sized(fd, (size_t)st.st_size, JOURNAL_MAX, &text, NULL) <
		0 ||
	    journal_fold(text, NULL, &v, &n, NULL) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *line = NULL;
		int l;

		if (prune && gone(&v[i]))
			continue;
		line = put_line(&v[i], &l);
		if (!line)
			goto out;
		if (len + (size_t)l + 1 > cap) {
			char *nout;

			cap = (len + (size_t)l + 1) * 2;
			nout = realloc(out, cap);
			if (!nout)
				goto out;
			out = nout;
		}
		memcpy(out + len, line, (size_t)l);
		len += (size_t)l;
	}
	/* Not worth a rename (a node with many live containers would else
	 * rewrite its journal at every stop): less than half goes. */
	if (len * 2 > (size_t)st.st_size)
		goto out;
	/* Renamed over the journal while the lock is held: a writer waiting
	 * for it then finds its journal unlinked and opens this one. */
	(void)write_file_replace_at(dfd, RUNDIR_CONTAINERS, out ? out : "", len,
				    0600);
out:
	rundir_container_list_free(v, n);
}

int rundir_container_put(struct aa_oci_rundir *rd,
			 const struct aa_oci_container *c)
{
	_cleanup_free_ char *line = NULL;
	const char *vals[] = {c->profile, c->bundle,	    c->k8s_namespace,
			      c->k8s_pod, c->k8s_container, c->runtime,
			      c->root};
	off_t size = 0;
	int fd, len, r;

	if (!id_ok(c->id))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(vals) / sizeof(*vals); i++)
		if (!line_ok(vals[i]) || (vals[i] && strlen(vals[i]) > 4096))
			return -EINVAL;
	line = put_line(c, &len);
	if (!line)
		return -ENOMEM;
	fd = journal_open_append(rd, &size);
	if (fd < 0)
		return fd;
	r = journal_append(fd, line, (size_t)len);
	close(fd);
	if (r == 0 && size > (off_t)JOURNAL_GROW)
		journal_compact(rd, true); /* rare: starts without stops */
	return r;
}

void rundir_container_drop(struct aa_oci_rundir *rd, const char *id)
{
	char line[300];
	off_t size = 0;
	int fd, n;

	if (!id_ok(id))
		return;
	n = snprintf(line, sizeof(line), "\n-\t%s\t.\n", id);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	fd = journal_open_append(rd, &size);
	if (fd < 0)
		return;
	(void)journal_append(fd, line, (size_t)n);
	close(fd);
	if (size > (off_t)JOURNAL_COMPACT)
		journal_compact(rd, false);
}

/* The journal's text, or 0 with NULL when there is none. */
static int journal_read(struct aa_oci_rundir *rd, char **ret)
{
	int r;

	*ret = NULL;
	r = rundir_read(rd, RUNDIR_CONTAINERS, JOURNAL_MAX, ret, NULL);
	return r == -ENOENT ? 0 : r;
}

int rundir_container_get(struct aa_oci_rundir *rd, const char *id,
			 struct aa_oci_container *ret)
{
	_cleanup_free_ char *text = NULL;
	struct aa_oci_container *v = NULL;
	size_t n = 0;
	int r;

	if (!id_ok(id))
		return -EINVAL;
	r = journal_read(rd, &text);
	if (r < 0)
		return r;
	if (!text)
		return -ENOENT;
	r = journal_fold(text, id, &v, &n, NULL);
	if (r < 0)
		return r;
	if (n == 0) {
		free(v);
		return -ENOENT;
	}
	*ret = v[0];
	free(v);
	return 0;
}

static int by_since(const void *a, const void *b)
{
	const struct aa_oci_container *x = a, *y = b;

	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	return strcmp(x->id, y->id);
}

int rundir_container_list(struct aa_oci_rundir *rd, bool prune,
			  struct aa_oci_container **ret, size_t *ret_n)
{
	_cleanup_free_ char *text = NULL;
	struct aa_oci_container *v = NULL;
	size_t n = 0, torn = 0, dead = 0, len;
	int r;

	*ret = NULL;
	*ret_n = 0;
	r = journal_read(rd, &text);
	if (r < 0 || !text)
		return r == -ENOENT ? 0 : r;
	len = strlen(text);
	r = journal_fold(text, NULL, &v, &n, &torn);
	if (r < 0)
		return r;
	for (size_t i = 0; prune && i < n;) {
		if (gone(&v[i])) {
			rundir_container_free(&v[i]);
			v[i] = v[--n];
			dead++;
		} else {
			i++;
		}
	}
	/* What was pruned or torn goes from the journal too. */
	if (dead || (prune && (torn || len > JOURNAL_COMPACT)))
		journal_compact(rd, prune);
	if (n > 1)
		qsort(v, n, sizeof(*v), by_since);
	if (n == 0) {
		free(v);
		v = NULL;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Open directory @sub of the run directory for reading. Returns: 1 with
 * *@ret, 0 when it (or the run directory) does not exist, or -errno. */
static int sub_open(struct aa_oci_rundir *rd, const char *sub, DIR **ret)
{
	int dfd = rundir_fd(rd, false, NULL), sfd;

	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	sfd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return errno == ENOENT ? 0 : -errno;
	*ret = fdopendir(sfd);
	if (!*ret) {
		int r = -errno;

		close(sfd);
		return r;
	}
	return 1;
}

static int hexval(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The profile name behind an entry of kdir/ or loaded/ (%XX decoded). */
static char *entry_decode(const char *e)
{
	char *out = malloc(strlen(e) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *e; e++) {
		/* Exactly two hex digits: sscanf's "%2x" took one (and
		 * skipped blanks), and "a%f" then stepped past the NUL
		 * (ASan, found by tests/fuzz). */
		if (*e == '%' && isxdigit((unsigned char)e[1]) &&
		    isxdigit((unsigned char)e[2])) {
			*o++ = (char)(hexval(e[1]) << 4 | hexval(e[2]));
			e += 2;
		} else {
			*o++ = *e;
		}
	}
	*o = '\0';
	return out;
}

int rundir_loaded_list(struct aa_oci_rundir *rd, char ***ret_names)
{
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d = NULL;
	int r = sub_open(rd, RUNDIR_LOADED, &d);

	*ret_names = NULL;
	if (r <= 0)
		return r;
	while ((de = readdir(d))) {
		char **nv;

		if (de->d_name[0] == '.')
			continue;
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv || !(nv[n] = entry_decode(de->d_name))) {
			v = nv ? nv : v;
			if (v)
				v[n] = NULL;
			strv_free(v);
			closedir(d);
			return -ENOMEM;
		}
		v = nv;
		v[++n] = NULL;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret_names = v;
	return 0;
}
