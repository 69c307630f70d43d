/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/index.h"
#include "aa-oci/util.h"

/* Version 2 ends with an "E" line: an index cut short (at a line's end,
 * where every line before still parses) is rebuilt, not read as one that
 * lacks the names it lost. */
#define INDEX_MAGIC "aa-oci-index 2\n"
#define INDEX_END "E\n"
#define INDEX_MAX (16u << 20)

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

bool index_skip_entry(const char *n)
{
	static const char *const suffixes[] = {
	    "~",    ".swp",    ".swx",	   ".tmp",    ".orig",	  ".rej",
	    ".bak", ".pacnew", ".pacsave", ".rpmnew", ".rpmsave",
	};
	size_t len = strlen(n);

	/* Dotfiles cover editors' swap and lock files (.x.swp, .#x) and
	 * Kubernetes' ..data; "4913" is vim's probe; #x# emacs' autosave. */
	if (len == 0 || n[0] == '.' || n[0] == '#' || strstr(n, ".dpkg-") ||
	    streq(n, "README") || streq(n, "4913"))
		return true;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++)
		if (has_suffix(n, len, suffixes[i]))
			return true;
	return false;
}

int index_declared(const char *text,
		   int (*fn)(const char *name, size_t len, void *data),
		   void *data)
{
	for (const char *p = text; *p;) {
		const char *eol = strchrnul(p, '\n');
		const char *q = p, *start;
		bool quoted;
		int r;

		while (q < eol && isspace((unsigned char)*q))
			q++;
		if (eol - q > 8 && memcmp(q, "profile", 7) == 0 &&
		    isspace((unsigned char)q[7])) {
			q += 7;
			while (q < eol && isspace((unsigned char)*q))
				q++;
			quoted = *q == '"';
			q += quoted;
			start = q;
			if (quoted) {
				while (q < eol && *q != '"')
					q++;
				if (q >= eol)
					goto next;
			} else {
				while (q < eol && !isspace((unsigned char)*q) &&
				       *q != '{')
					q++;
			}
			if (q > start &&
			    (r = fn(start, (size_t)(q - start), data)))
				return r;
		}
	next:
		p = *eol ? eol + 1 : eol;
	}
	return 0;
}

/* --- the index in memory: files and the names they declare --- */

struct ifile {
	unsigned dir;
	char *name;
	struct stat st;
};

struct idx {
	char **dirs; /* borrowed */
	struct stat *dst;
	size_t n_dirs;
	struct ifile *files;
	size_t n_files;
	char **names;	 /* declared names ... */
	unsigned *owner; /* ... and the file of each */
	size_t n_names;
};

static void idx_free(struct idx *x)
{
	for (size_t i = 0; i < x->n_files; i++)
		free(x->files[i].name);
	for (size_t i = 0; i < x->n_names; i++)
		free(x->names[i]);
	free(x->dst);
	free(x->files);
	free(x->names);
	free(x->owner);
	*x = (struct idx){0};
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

struct add_ctx {
	struct idx *x;
	unsigned file;
};

static int add_name(const char *name, size_t len, void *data)
{
	struct add_ctx *c = data;
	struct idx *x = c->x;
	char **nn;
	unsigned *no;

	nn = realloc(x->names, (x->n_names + 1) * sizeof(*nn));
	if (!nn)
		return -ENOMEM;
	x->names = nn;
	no = realloc(x->owner, (x->n_names + 1) * sizeof(*no));
	if (!no)
		return -ENOMEM;
	x->owner = no;
	x->names[x->n_names] = strndup(name, len);
	if (!x->names[x->n_names])
		return -ENOMEM;
	x->owner[x->n_names++] = c->file;
	return 0;
}

static int scan(struct idx *x)
{
	x->dst = calloc(x->n_dirs ? x->n_dirs : 1, sizeof(*x->dst));
	if (!x->dst)
		return -ENOMEM;
	for (unsigned d = 0; d < x->n_dirs; d++) {
		_cleanup_close_ int dfd = -1;
		DIR *dir;
		struct dirent *de;

		dfd = open(x->dirs[d], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fstat(dfd, &x->dst[d]) < 0) {
			/* Absent: remembered as such (ino 0). */
			memset(&x->dst[d], 0, sizeof(x->dst[d]));
			continue;
		}
		dir = fdopendir(fcntl(dfd, F_DUPFD_CLOEXEC, 3));
		if (!dir)
			return -errno;
		while ((de = readdir(dir))) {
			_cleanup_free_ char *text = NULL;
			struct add_ctx c = {.x = x};
			struct ifile *nf;
			struct stat st;
			int r;

			if (index_skip_entry(de->d_name) ||
			    fstatat(dfd, de->d_name, &st, 0) < 0 ||
			    !S_ISREG(st.st_mode))
				continue;
			nf = realloc(x->files, (x->n_files + 1) * sizeof(*nf));
			if (!nf) {
				closedir(dir);
				return -ENOMEM;
			}
			x->files = nf;
			nf[x->n_files] = (struct ifile){.dir = d, .st = st};
			nf[x->n_files].name = strdup(de->d_name);
			if (!nf[x->n_files].name) {
				closedir(dir);
				return -ENOMEM;
			}
			c.file = (unsigned)x->n_files++;
			if (read_file_at(dfd, de->d_name, false,
					 AA_OCI_PROFILE_FILE_MAX, &text,
					 NULL) < 0)
				continue;
			r = index_declared(text, add_name, &c);
			if (r < 0) {
				closedir(dir);
				return r;
			}
		}
		closedir(dir);
	}
	return 0;
}

/* --- the index on disk --- */

static void put_stat(FILE *f, const struct stat *st)
{
	fprintf(f, "%lu %lu %lld %lld %ld %lld %ld", (unsigned long)st->st_dev,
		(unsigned long)st->st_ino, (long long)st->st_size,
		(long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		(long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

static int get_stat(char **p, struct stat *st)
{
	unsigned long dev, ino;
	long long size, ms, cs;
	long mn, cn;
	int used = 0;

	if (sscanf(*p, "%lu %lu %lld %lld %ld %lld %ld%n", &dev, &ino, &size,
		   &ms, &mn, &cs, &cn, &used) != 7)
		return -EBADMSG;
	memset(st, 0, sizeof(*st));
	st->st_dev = dev;
	st->st_ino = ino;
	st->st_size = size;
	st->st_mtim.tv_sec = ms;
	st->st_mtim.tv_nsec = mn;
	st->st_ctim.tv_sec = cs;
	st->st_ctim.tv_nsec = cn;
	*p += used;
	return 0;
}

static int save(const struct idx *x, int dirfd, const char *path)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return -ENOMEM;
	fputs(INDEX_MAGIC, f);
	for (size_t d = 0; d < x->n_dirs; d++) {
		fputs("D ", f);
		put_stat(f, &x->dst[d]);
		fprintf(f, " %s\n", x->dirs[d]);
	}
	for (size_t i = 0; i < x->n_files; i++) {
		fprintf(f, "F %u ", x->files[i].dir);
		put_stat(f, &x->files[i].st);
		fprintf(f, " %s\n", x->files[i].name);
	}
	for (size_t i = 0; i < x->n_names; i++)
		fprintf(f, "N %u %s\n", x->owner[i], x->names[i]);
	fputs(INDEX_END, f);
	if (fclose(f) != 0)
		return -ENOMEM;
	r = write_file_atomic_at(dirfd, path, buf, len, 0600);
	return r;
}

/* Load @path and check it still describes the directories. */
static int load(struct idx *x, int dirfd, const char *path)
{
	_cleanup_free_ char *buf = NULL;
	size_t nd = 0;
	char *p, *eol;
	bool ended = false;
	int r;

	r = read_file_at(dirfd, path, true, INDEX_MAX, &buf, NULL);
	if (r < 0)
		return r;
	if (strncmp(buf, INDEX_MAGIC, strlen(INDEX_MAGIC)) != 0)
		return -EBADMSG;
	x->dst = calloc(x->n_dirs ? x->n_dirs : 1, sizeof(*x->dst));
	if (!x->dst)
		return -ENOMEM;
	for (p = buf + strlen(INDEX_MAGIC); *p; p = eol + 1) {
		char *q = p + 2;

		eol = strchr(p, '\n');
		if (!eol)
			return -EBADMSG;
		*eol = '\0';
		if (p[0] == 'E' && p[1] == '\0') {
			ended = eol[1] == '\0'; /* the last line */
			break;
		}
		if (p[0] == 'D' && p[1] == ' ') {
			struct stat st, now;
			int fd;

			if (nd >= x->n_dirs || get_stat(&q, &st) < 0 ||
			    *q != ' ' || !streq(q + 1, x->dirs[nd]))
				return -ESTALE;
			fd = open(x->dirs[nd],
				  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0) {
				if (st.st_ino != 0)
					return -ESTALE;
			} else {
				r = fstat(fd, &now);
				close(fd);
				if (r < 0 || !same_stat(&st, &now))
					return -ESTALE;
			}
			x->dst[nd++] = st;
		} else if (p[0] == 'F' && p[1] == ' ') {
			struct ifile *nf;
			unsigned d;
			int used = 0;
			struct stat now;
			_cleanup_free_ char *fp = NULL;

			if (sscanf(q, "%u %n", &d, &used) != 1 || d >= nd)
				return -EBADMSG;
			q += used;
			nf = realloc(x->files, (x->n_files + 1) * sizeof(*nf));
			if (!nf)
				return -ENOMEM;
			x->files = nf;
			nf[x->n_files] = (struct ifile){.dir = d};
			if (get_stat(&q, &nf[x->n_files].st) < 0 || *q != ' ')
				return -EBADMSG;
			nf[x->n_files].name = strdup(q + 1);
			if (!nf[x->n_files].name)
				return -ENOMEM;
			x->n_files++;
			/* A file edited in place leaves its directory as it
			 * was: each file is checked too. */
			if (asprintf(&fp, "%s/%s", x->dirs[d], q + 1) < 0)
				return -ENOMEM;
			if (stat(fp, &now) < 0 ||
			    !same_stat(&nf[x->n_files - 1].st, &now))
				return -ESTALE;
		} else if (p[0] == 'N' && p[1] == ' ') {
			struct add_ctx c = {.x = x};
			int used = 0;

			if (sscanf(q, "%u %n", &c.file, &used) != 1 ||
			    c.file >= x->n_files)
				return -EBADMSG;
			r = add_name(q + used, strlen(q + used), &c);
			if (r < 0)
				return r;
		} else {
			return -EBADMSG;
		}
	}
	if (!ended)
		return -EBADMSG;
	return nd == x->n_dirs ? 0 : -ESTALE;
}

int index_lookup(char *const *dirs, int index_dirfd, const char *index_path,
		 const char *name, char **ret_path, bool *ret_rebuilt,
		 struct aa_oci_err *err)
{
	struct idx x = {.dirs = (char **)dirs};
	bool rebuilt = false;
	int r;

	while (dirs && dirs[x.n_dirs])
		x.n_dirs++;
	r = index_path ? load(&x, index_dirfd, index_path) : -ENOENT;
	if (r < 0) {
		idx_free(&x);
		x = (struct idx){.dirs = (char **)dirs};
		while (dirs && dirs[x.n_dirs])
			x.n_dirs++;
		r = scan(&x);
		if (r < 0) {
			idx_free(&x);
			return err_set(
			    err, r, "cannot index the profile directories: %s",
			    strerror(-r));
		}
		rebuilt = true;
		if (index_path)
			(void)save(&x, index_dirfd,
				   index_path); /* only speed is lost */
	}
	if (ret_rebuilt)
		*ret_rebuilt = rebuilt;
	/* Directory order decides, then the order files were listed. */
	for (unsigned d = 0; d < x.n_dirs; d++)
		for (size_t i = 0; i < x.n_names; i++) {
			const struct ifile *f = &x.files[x.owner[i]];

			if (f->dir != d || !streq(x.names[i], name))
				continue;
			r = asprintf(ret_path, "%s/%s", dirs[d], f->name) < 0
				? -ENOMEM
				: 0;
			idx_free(&x);
			return r;
		}
	idx_free(&x);
	return -ENOENT;
}
