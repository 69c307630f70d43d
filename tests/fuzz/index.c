/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The declaration index (index.c). An input that starts with the index's
 * magic line ("aa-oci-index 1") is run_dir's index file, read by
 * index_lookup (its "D" lines may say "@D@" for the stat and path of the
 * one profile directory, "@F@" for the stat and name of its one file "a",
 * so the fuzzer can get past the staleness checks);
 * any other input is a profile source, scanned by index_declared, and
 * also found through a fresh index_lookup of a directory holding it.
 */
#include "fuzz.h"

#include "aa-oci/index.h"
#include "aa-oci/util.h"

#define MAGIC "aa-oci-index 1\n"

struct names {
	size_t n;
	char *first; /* looked up below */
};

static int each(const char *name, size_t len, void *data)
{
	struct names *c = data;

	if (len == 0 || memchr(name, '\n', len))
		abort();
	if (c->n++ == 0 && !(c->first = strndup(name, len)))
		fz_die("strndup");
	return 0;
}

/* "DEV INO SIZE MTIME NSEC CTIME NSEC" of @path, as index.c writes it. */
static void stat_text(const char *path, char *buf, size_t size)
{
	struct stat st;

	if (stat(path, &st) < 0)
		fz_die(path);
	snprintf(buf, size, "%lu %lu %lld %lld %ld %lld %ld",
		 (unsigned long)st.st_dev, (unsigned long)st.st_ino,
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
		 st.st_ctim.tv_nsec);
}

static int fuzz_one(const uint8_t *data, size_t size)
{
	char pdir[4096], idir[4096], path[4200], dstat[4300], fstat_[256];
	char *dirs[2] = {pdir, NULL};
	struct aa_oci_err err = {0};
	char *found = NULL, *text = fz_str(data, size);
	bool rebuilt = false;
	struct stat st;
	int ifd;

	fz_subdir("profiles", pdir, sizeof(pdir));
	fz_subdir("run", idir, sizeof(idir));
	ifd = open(idir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ifd < 0)
		fz_die(idir);
	if (size >= strlen(MAGIC) && memcmp(data, MAGIC, strlen(MAGIC)) == 0) {
		char *idx, *idx2, ftext[300];
		size_t len;

		/* One fixed profile file, so the directory's stat holds. */
		snprintf(path, sizeof(path), "%s/a", pdir);
		if (stat(path, &st) < 0)
			fz_write(path, "profile a {}\n", 13);
		stat_text(pdir, fstat_, sizeof(fstat_));
		snprintf(dstat, sizeof(dstat), "%s %s", fstat_, pdir);
		stat_text(path, fstat_, sizeof(fstat_));
		snprintf(ftext, sizeof(ftext), "%s a", fstat_);
		idx = fz_subst(text, size, dstat, &len);
		idx2 = fz_replace(idx, len, "@F@", ftext, &len);
		snprintf(path, sizeof(path), "%s/index", idir);
		fz_write(path, idx2, len);
		free(idx2);
		free(idx);
		if (index_lookup(dirs, ifd, "index", "a", &found, &rebuilt,
				 &err) == 0)
			free(found);
		found = NULL;
		if (index_lookup(dirs, ifd, "index", "b", &found, &rebuilt,
				 &err) == 0)
			free(found);
	} else {
		struct names c = {0};

		index_declared(text, each, &c);
		(void)index_skip_entry(text);
		/* The same text as the only profile file. */
		fz_rmtree(pdir, false);
		snprintf(path, sizeof(path), "%s/p", pdir);
		fz_write(path, data, size);
		if (c.first && (index_lookup(dirs, ifd, NULL, c.first, &found,
					     &rebuilt, &err) != 0 ||
				!streq(found, path)))
			abort();
		free(found);
		free(c.first);
	}
	close(ifd);
	free(text);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fz_fd_mark();

	fuzz_one(data, size);
	fz_fd_check(mark, "index");
	return 0;
}
