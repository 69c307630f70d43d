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
 *   features      the kernel's features, tagged with the boot id (kernel.c);
 *                 replaced when the boot id differs.
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
 *   containers/ID each container a hook or aa-oci-runtime let through: who,
 *                 the profile and mode, the init pid when known, since when,
 *                 the bundle and Kubernetes names (rundir_container_*).
 *                 Removed by the hook at poststop and by aa-oci-runtime's
 *                 delete; one whose pid is gone is pruned when listed.
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
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* runc's rule for container ids (policy_container_id): also one path
 * component. */
static bool id_ok(const char *id)
{
	return policy_container_id(id, strlen(id));
}

/* A value on one line: no newline, no control bytes (annotations). */
static bool line_ok(const char *v)
{
	for (; v && *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return false;
	return true;
}

int rundir_container_put(struct aa_oci_rundir *rd,
			 const struct aa_oci_container *c)
{
	_cleanup_free_ char *text = NULL;
	const char *vals[] = {c->profile, c->bundle,	    c->k8s_namespace,
			      c->k8s_pod, c->k8s_container, c->runtime,
			      c->root};
	char entry[sizeof(RUNDIR_CONTAINERS) + 1026];
	size_t size = 512 + strlen(c->id);
	int dfd, n, r;

	if (!id_ok(c->id))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(vals) / sizeof(*vals); i++) {
		if (!line_ok(vals[i]) || (vals[i] && strlen(vals[i]) > 4096))
			return -EINVAL;
		size += vals[i] ? strlen(vals[i]) : 1;
	}
	/* On every start: snprintf into one buffer (a container start runs
	 * this; it is kept to code the start runs anyway). */
	text = malloc(size);
	if (!text)
		return -ENOMEM;
	n = snprintf(
	    text, size,
	    "id %s\nby %s\nprofile %s\nmode %s\npid %d\nsince %lld\n"
	    "bundle %s\nk8s-namespace %s\nk8s-pod %s\nk8s-container %s\n"
	    "runtime %s\nroot %s\nend\n",
	    c->id, loader_name(c->by), c->profile ? c->profile : "-",
	    mode_name(c->mode), (int)c->pid, (long long)c->since,
	    c->bundle ? c->bundle : "-",
	    c->k8s_namespace ? c->k8s_namespace : "-",
	    c->k8s_pod ? c->k8s_pod : "-",
	    c->k8s_container ? c->k8s_container : "-",
	    c->runtime ? c->runtime : "-", c->root ? c->root : "-");
	if (n < 0 || (size_t)n >= size)
		return -ENOMEM;
	snprintf(entry, sizeof(entry), RUNDIR_CONTAINERS "/%s", c->id);
	/* On every start: no fsync (run_dir ends with the boot, and a
	 * record without its "end" line is refused when read), and the
	 * directory made only the first time. */
	dfd = rundir_fd(rd, true, NULL);
	if (dfd < 0)
		return dfd;
	r = write_file_replace_at(dfd, entry, text, (size_t)n, 0600);
	if (r == -ENOENT) {
		dfd = sub_fd(rd, RUNDIR_CONTAINERS);
		if (dfd < 0)
			return dfd;
		r = write_file_replace_at(dfd, entry, text, (size_t)n, 0600);
	}
	return r;
}

void rundir_container_drop(struct aa_oci_rundir *rd, const char *id)
{
	_cleanup_free_ char *entry = NULL;
	int dfd = rundir_fd(rd, false, NULL);

	if (dfd < 0 || !id_ok(id) ||
	    asprintf(&entry, RUNDIR_CONTAINERS "/%s", id) < 0)
		return;
	(void)unlinkat(dfd, entry, 0);
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
	free(*ret);
	*ret = NULL;
	if (streq(v, "-"))
		return 0;
	*ret = strdup(v);
	return *ret ? 0 : -ENOMEM;
}

/* A whole record ("key value" lines, the last "end"), or -EBADMSG. */
static int container_parse(char *buf, struct aa_oci_container *ret)
{
	struct aa_oci_container c = {0};
	bool ended = false;
	char *line, *save = NULL;
	int r = 0;

	for (line = strtok_r(buf, "\n", &save); line && r == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, ' '), *end;

		if (streq(line, "end")) {
			ended = true;
			break;
		}
		if (!v) {
			r = -EBADMSG;
			break;
		}
		*v++ = '\0';
		if (streq(line, "id"))
			r = take(v, &c.id);
		else if (streq(line, "by"))
			c.by = streq(v, "runtime") ? AA_OCI_BY_RUNTIME
						   : AA_OCI_BY_HOOK;
		else if (streq(line, "profile"))
			r = take(v, &c.profile);
		else if (streq(line, "mode"))
			c.mode = streq(v, "complain")  ? AA_OCI_MODE_COMPLAIN
				 : streq(v, "enforce") ? AA_OCI_MODE_ENFORCE
						       : AA_OCI_MODE_OTHER;
		else if (streq(line, "pid") || streq(line, "since")) {
			long long x = strtoll(v, &end, 10);

			/* A pid past pid_t was cut to another process's
			 * (or a negative one) and written back so (found
			 * by tests/fuzz: the record did not read back). */
			if (*end || x < 0 || (line[0] == 'p' && x > INT_MAX))
				r = -EBADMSG;
			else if (line[0] == 'p')
				c.pid = (pid_t)x;
			else
				c.since = (time_t)x;
		} else if (streq(line, "bundle"))
			r = take(v, &c.bundle);
		else if (streq(line, "k8s-namespace"))
			r = take(v, &c.k8s_namespace);
		else if (streq(line, "k8s-pod"))
			r = take(v, &c.k8s_pod);
		else if (streq(line, "k8s-container"))
			r = take(v, &c.k8s_container);
		else if (streq(line, "runtime"))
			r = take(v, &c.runtime);
		else if (streq(line, "root"))
			r = take(v, &c.root);
	}
	if (r == 0 && (!ended || !c.id))
		r = -EBADMSG;
	if (r < 0) {
		rundir_container_free(&c);
		return r;
	}
	*ret = c;
	return 0;
}

int rundir_container_get(struct aa_oci_rundir *rd, const char *id,
			 struct aa_oci_container *ret)
{
	_cleanup_free_ char *entry = NULL, *buf = NULL;
	int r;

	if (!id_ok(id))
		return -EINVAL;
	if (asprintf(&entry, RUNDIR_CONTAINERS "/%s", id) < 0)
		return -ENOMEM;
	r = rundir_read(rd, entry, 64 << 10, &buf, NULL);
	if (r < 0)
		return r;
	r = container_parse(buf, ret);
	if (r == 0 && !streq(ret->id, id)) {
		rundir_container_free(ret);
		r = -EBADMSG;
	}
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_since(const void *a, const void *b)
{
	const struct aa_oci_container *x = a, *y = b;

	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	return strcmp(x->id, y->id);
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

int rundir_container_list(struct aa_oci_rundir *rd, bool prune,
			  struct aa_oci_container **ret, size_t *ret_n)
{
	struct aa_oci_container *v = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d = NULL;
	int r = sub_open(rd, RUNDIR_CONTAINERS, &d), sfd;

	*ret = NULL;
	*ret_n = 0;
	if (r <= 0)
		return r;
	sfd = dirfd(d);
	while ((de = readdir(d))) {
		_cleanup_free_ char *buf = NULL;
		struct aa_oci_container c, *nv;

		if (!id_ok(de->d_name))
			continue; /* ., .., temporary files */
		if (read_file_at(sfd, de->d_name, true, 64 << 10, &buf, NULL) <
			0 ||
		    container_parse(buf, &c) < 0) {
			/* torn or foreign: of no use to anyone */
			(void)unlinkat(sfd, de->d_name, 0);
			continue;
		}
		if (!streq(c.id, de->d_name)) {
			/* another's record under this name (it leaked here
			 * before: LeakSanitizer, found by tests/fuzz) */
			rundir_container_free(&c);
			(void)unlinkat(sfd, de->d_name, 0);
			continue;
		}
		if (prune && c.pid > 0 && kill(c.pid, 0) < 0 &&
		    errno == ESRCH) {
			(void)unlinkat(sfd, de->d_name, 0);
			rundir_container_free(&c);
			continue;
		}
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			rundir_container_free(&c);
			rundir_container_list_free(v, n);
			closedir(d);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = c;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), by_since);
	*ret = v;
	*ret_n = n;
	return 0;
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
