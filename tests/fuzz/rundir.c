/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run_dir's records (rundir.c, sync-record.c), read back on every start
 * and by aa-oci status, logs and sync. The first byte says which; the
 * rest is the record:
 *
 *   'L'  loaded/NAME: rundir_loaded_get; what it reads, written again
 *        with rundir_loaded_put, must read back the same
 *   'C'  containers.journal: rundir_container_list; each record put
 *        again reads back the same (rundir_container_put, _get)
 *   'N'  entry names of loaded/, one a line: rundir_loaded_list
 *   'S'  sync.state: record_read; written (record_write) and read again,
 *        the same entries
 *
 * Any other first byte picks one of these by its value.
 */
#include "fuzz.h"

#include "aa-oci/rundir.h"
#include "aa-oci/sync-record.h"
#include "aa-oci/util.h"

static struct aa_oci_rundir *open_run(char *dir, size_t size)
{
	struct aa_oci_rundir *rd = NULL;

	fz_subdir("run", dir, size);
	fz_rmtree(dir, false);
	if (rundir_new(dir, &rd) < 0)
		fz_die("rundir_new");
	return rd;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && streq(a, b));
}

static void loaded(struct aa_oci_rundir *rd, const char *dir,
		   const uint8_t *data, size_t size)
{
	struct aa_oci_loaded rec = {0}, back = {0};
	char path[4200];

	snprintf(path, sizeof(path), "%s/" RUNDIR_LOADED, dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/" RUNDIR_LOADED "/fz", dir);
	fz_write(path, data, size);
	if (rundir_loaded_get(rd, "fz", &rec) != 0)
		return;
	if (rundir_loaded_put(rd, "fz2", &rec) == 0) {
		if (rundir_loaded_get(rd, "fz2", &back) != 0 ||
		    back.by != rec.by || back.mode != rec.mode ||
		    !streq(back.key, rec.key) || back.time != rec.time ||
		    !same_str(back.source, rec.source))
			abort();
		rundir_loaded_free(&back);
	}
	rundir_loaded_free(&rec);
}

/* The input is the container journal: the record of each id read from
 * it, put again, reads back the same; listing never crashes. */
static void container(struct aa_oci_rundir *rd, const char *dir,
		      const uint8_t *data, size_t size)
{
	struct aa_oci_container *v = NULL;
	char path[4200];
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/" RUNDIR_CONTAINERS, dir);
	fz_write(path, data, size);
	if (rundir_container_list(rd, false, &v, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct aa_oci_container back = {0}, *c = &v[i];

		if (rundir_container_put(rd, c) != 0)
			continue;
		if (rundir_container_get(rd, c->id, &back) != 0 ||
		    !streq(back.id, c->id) || back.by != c->by ||
		    back.mode != c->mode || back.pid != c->pid ||
		    back.since != c->since ||
		    !same_str(back.profile, c->profile) ||
		    !same_str(back.bundle, c->bundle) ||
		    !same_str(back.k8s_namespace, c->k8s_namespace) ||
		    !same_str(back.k8s_pod, c->k8s_pod) ||
		    !same_str(back.k8s_container, c->k8s_container) ||
		    !same_str(back.runtime, c->runtime) ||
		    !same_str(back.root, c->root))
			abort();
		rundir_container_free(&back);
	}
	rundir_container_list_free(v, n);
	fz_write(path, data, size);
	if (rundir_container_list(rd, true, &v, &n) == 0)
		rundir_container_list_free(v, n);
}

static void names(struct aa_oci_rundir *rd, const char *dir,
		  const uint8_t *data, size_t size)
{
	char path[4200], *text = fz_str(data, size), *save = NULL, *line;
	char **v = NULL;
	int made = 0;

	snprintf(path, sizeof(path), "%s/" RUNDIR_LOADED, dir);
	mkdir(path, 0700);
	for (line = strtok_r(text, "\n", &save); line && made < 32;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strchr(line, '/') || streq(line, ".") ||
		    streq(line, "..") || strlen(line) > 255)
			continue;
		snprintf(path, sizeof(path), "%s/" RUNDIR_LOADED "/%s", dir,
			 line);
		fz_write(path, "", 0);
		made++;
	}
	if (rundir_loaded_list(rd, &v) == 0)
		strv_free(v);
	free(text);
}

static void sync_state(const char *dir, const uint8_t *data, size_t size)
{
	struct sync_record rec = {0}, back = {0};
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/" RUNDIR_SYNC_STATE, dir);
	fz_write(path, data, size);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fz_die(dir);
	if (record_read(&rec, fd) == 0) {
		rec.dirty = true;
		if (record_write(&rec, fd) == 0) {
			if (record_read(&back, fd) != 0 || back.n != rec.n)
				abort();
			for (size_t i = 0; i < rec.n; i++) {
				struct sync_owned *o =
				    record_find(&back, rec.v[i].name);

				if (!o || !streq(o->path, rec.v[i].path))
					abort();
			}
			record_free(&back);
		}
	}
	record_free(&rec);
	close(fd);
}

static int fuzz_one(const uint8_t *data, size_t size)
{
	static const char modes[] = "LCNS";
	struct aa_oci_rundir *rd;
	char dir[4096];
	char mode;

	if (size == 0)
		return 0;
	mode = strchr(modes, data[0]) ? (char)data[0] : modes[data[0] % 4];
	rd = open_run(dir, sizeof(dir));
	switch (mode) {
	case 'L':
		loaded(rd, dir, data + 1, size - 1);
		break;
	case 'C':
		container(rd, dir, data + 1, size - 1);
		break;
	case 'N':
		names(rd, dir, data + 1, size - 1);
		break;
	default:
		sync_state(dir, data + 1, size - 1);
		break;
	}
	rundir_free(rd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fz_fd_mark();

	fuzz_one(data, size);
	fz_fd_check(mark, "rundir");
	return 0;
}
