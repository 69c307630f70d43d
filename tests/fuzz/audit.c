/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AppArmor audit records and their attribution to containers (aa-oci
 * logs, aa-oci suggest). The input is lines:
 *
 *   cg:PATH        a cgroup path: audit_cgroup_container_id, and one
 *                  line of a fake /proc/1/cgroup (audit_pid_cgroup)
 *   stat:TEXT      a fake /proc/1/stat line (the start-time check)
 *   rec:ID PROFILE SINCE   a container record
 *   anything else  a log line: audit_parse_line, or
 *                  audit_parse_journal_json when it starts with '{';
 *                  each event parsed is attributed (audit_attribute)
 *                  against the records, the cgroup of its pid being
 *                  the cg: line number pid modulo their count.
 */
#include "fuzz.h"

#include "aa-oci/audit.h"
#include "aa-oci/rundir.h"
#include "aa-oci/util.h"

#define LINES_MAX 256

struct cgroups {
	char *v[LINES_MAX];
	size_t n;
};

static int cgroup_of(pid_t pid, char **ret, void *ud)
{
	struct cgroups *cg = ud;

	if (cg->n == 0 || pid <= 0)
		return -ENOENT;
	*ret = strdup(cg->v[(size_t)pid % cg->n]);
	return *ret ? 0 : -ENOMEM;
}

static void attribute(const struct aa_oci_audit_event *e,
		      const struct aa_oci_container *recs, size_t n,
		      struct cgroups *cg)
{
	struct aa_oci_attribution a;

	if (audit_attribute(e, recs, n, cgroup_of, cg, &a) != 0)
		return;
	(void)audit_how_name(&a);
	/* What logs.c prints: the record's id, or the attributed one. */
	if (a.rec && !a.rec->id)
		abort();
	for (size_t i = 0; i < a.n_candidates; i++)
		if (a.candidates[i] < recs || a.candidates[i] >= recs + n)
			abort();
	audit_attribution_free(&a);
	(void)audit_kind_name(e->kind);
}

static int fuzz_one(const uint8_t *data, size_t size)
{
	struct aa_oci_container recs[LINES_MAX];
	struct cgroups cg = {.n = 0};
	char *buf = fz_str(data, size), *save = NULL, *line;
	char *logs[LINES_MAX], procdir[4096], path[4096 + 32];
	const char *stat_line = NULL;
	size_t n_recs = 0, n_logs = 0;
	char *cgfile = NULL;
	size_t cglen = 0;
	FILE *f = open_memstream(&cgfile, &cglen);

	if (!f)
		fz_die("open_memstream");
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "cg:", 3) == 0 && cg.n < LINES_MAX) {
			char *id = NULL;
			const char *engine = NULL;

			cg.v[cg.n++] = line + 3;
			fprintf(f, "%s\n", line + 3);
			if (audit_cgroup_container_id(line + 3, &id, &engine) >=
				0 &&
			    (!id || !engine))
				abort();
			free(id);
		} else if (strncmp(line, "stat:", 5) == 0) {
			stat_line = line + 5;
		} else if (strncmp(line, "rec:", 4) == 0 &&
			   n_recs < LINES_MAX) {
			char *sp = NULL;
			char *id = strtok_r(line + 4, " ", &sp);
			char *profile = strtok_r(NULL, " ", &sp);
			char *since = strtok_r(NULL, " ", &sp);

			if (!id)
				continue;
			recs[n_recs++] = (struct aa_oci_container){
			    .id = id,
			    .profile = profile && !streq(profile, "-") ? profile
								       : NULL,
			    .since = since ? strtoll(since, NULL, 10) : 0,
			};
		} else if (n_logs < LINES_MAX) {
			logs[n_logs++] = line;
		}
	}
	fclose(f);

	for (size_t i = 0; i < n_logs; i++) {
		struct aa_oci_audit_event e;
		int r = logs[i][0] == '{'
			    ? audit_parse_journal_json(logs[i], &e)
			    : audit_parse_line(logs[i], &e);

		if (r != 0)
			continue;
		attribute(&e, recs, n_recs, &cg);
		audit_event_free(&e);
	}

	/* The same cgroup lines as a process's /proc/PID/cgroup. */
	snprintf(procdir, sizeof(procdir), "%s/proc", fz_tmpdir());
	fz_rmtree(procdir, false);
	snprintf(path, sizeof(path), "%s/1", procdir);
	if (mkdir(path, 0700) < 0)
		fz_die(path);
	snprintf(path, sizeof(path), "%s/1/cgroup", procdir);
	fz_write(path, cgfile, cglen);
	if (stat_line) {
		snprintf(path, sizeof(path), "%s/1/stat", procdir);
		fz_write(path, stat_line, strlen(stat_line));
		snprintf(path, sizeof(path), "%s/stat", procdir);
		fz_write(path, "btime 1700000000\n", 17);
	}
	{
		struct aa_oci_audit_proc proc = {
		    .root = procdir, .started_by = stat_line ? 1700000100 : 0};
		char *cgpath = NULL;

		if (audit_pid_cgroup(1, &cgpath, &proc) == 0 && !cgpath)
			abort();
		free(cgpath);
	}
	free(cgfile);
	free(buf);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fz_fd_mark();

	fuzz_one(data, size);
	fz_fd_check(mark, "audit");
	return 0;
}
