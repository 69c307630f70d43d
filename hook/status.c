/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "aa-oci/cache.h"
#include "aa-oci/compile.h"
#include "aa-oci/kernel.h"
#include "aa-oci/load.h"
#include "aa-oci/oci.h"
#include "aa-oci/spawn.h"
#include "aa-oci/status.h"
#include "aa-oci/util.h"

#define STATE_OUT_MAX (1u << 20)

void status_free(struct aa_oci_status *s)
{
	for (size_t i = 0; i < s->n_profiles; i++) {
		free(s->profiles[i].name);
		rundir_loaded_free(&s->profiles[i].rec);
		strv_free(s->profiles[i].includes);
	}
	free(s->profiles);
	for (size_t i = 0; i < s->n_containers; i++) {
		free(s->labels[i].label);
		free(s->labels[i].mode);
	}
	free(s->labels);
	rundir_container_list_free(s->containers, s->n_containers);
	*s = (struct aa_oci_status){0};
}

static int add_profile(struct aa_oci_status *s, struct aa_oci_kernel *k,
		       struct aa_oci_rundir *rd, const char *name)
{
	struct aa_oci_status_profile *p, *np;

	for (size_t i = 0; i < s->n_profiles; i++)
		if (streq(s->profiles[i].name, name))
			return 0;
	np = realloc(s->profiles, (s->n_profiles + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	s->profiles = np;
	p = &s->profiles[s->n_profiles];
	*p = (struct aa_oci_status_profile){0};
	p->name = strdup(name);
	if (!p->name)
		return -ENOMEM;
	s->n_profiles++;
	p->loaded = k && kernel_profile_state(k, rd, name, &p->mode) == 0;
	p->ours = rundir_loaded_get(rd, name, &p->rec) == 0;
	/* A record of a mode the kernel no longer shows: someone else's now. */
	if (p->ours && p->loaded && p->rec.mode != p->mode)
		p->ours = false;
	/* What the profile is made of: a change to any of these files
	 * changes it (local overrides, abstractions, tunables). */
	if (p->ours && p->rec.source && p->rec.source[0] == '/')
		(void)cache_includes(AA_OCI_PARSER_INCLUDE_DIR, p->rec.source,
				     &p->includes, NULL);
	return 0;
}

/* A container aa-oci-runtime started: its pid, from the runtime's own
 * `state` (the wrapper execs the runtime, so never knew it). */
static pid_t runtime_pid(const struct aa_oci_container *c)
{
	_cleanup_free_ char *out = malloc(STATE_OUT_MAX);
	struct aa_oci_state st = {0};
	struct aa_oci_spawn_result res;
	const char *argv[6];
	pid_t pid = 0;
	int i = 0;

	if (!out || !c->runtime || c->runtime[0] != '/')
		return 0;
	argv[i++] = c->runtime;
	if (c->root) {
		argv[i++] = "--root";
		argv[i++] = c->root;
	}
	argv[i++] = "state";
	argv[i++] = c->id;
	argv[i] = NULL;
	if (spawn_output(argv, 5000, out, STATE_OUT_MAX, &res) < 0 ||
	    res.timed_out || res.status != 0)
		return 0;
	if (oci_state_parse(out, &st, NULL) == 0 && streq(st.id, c->id))
		pid = st.pid;
	oci_state_free(&st);
	return pid;
}

int status_collect(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		   struct aa_oci_status *ret)
{
	struct aa_oci_status s = {0};
	_cleanup_free_ char **names = NULL;
	int r;

	r = rundir_container_list(cfg->rundir, true, &s.containers,
				  &s.n_containers);
	if (r < 0)
		return r;
	s.labels =
	    calloc(s.n_containers ? s.n_containers : 1, sizeof(*s.labels));
	if (!s.labels) {
		status_free(&s);
		return -ENOMEM;
	}
	r = rundir_loaded_list(cfg->rundir, &names);
	for (char **n = names; r == 0 && n && *n; n++)
		r = add_profile(&s, k, cfg->rundir, *n);
	for (size_t i = 0; r == 0 && i < s.n_containers; i++) {
		struct aa_oci_container *c = &s.containers[i];
		struct aa_oci_status_label *l = &s.labels[i];

		if (c->profile)
			r = add_profile(&s, k, cfg->rundir, c->profile);
		if (r == 0 && c->pid <= 0)
			c->pid = runtime_pid(c);
		/* What the kernel says the container's process runs under. */
		if (r == 0 && c->pid > 0)
			l->read =
			    kernel_task_label(c->pid, &l->label, &l->mode) == 0;
	}
	strv_free(TAKE_PTR(names));
	if (r < 0) {
		status_free(&s);
		return r;
	}
	*ret = s;
	return 0;
}

bool status_label_matches(const struct aa_oci_container *c,
			  const struct aa_oci_status_label *l)
{
	if (!l->read)
		return false;
	if (!c->profile)
		return streq(l->label, "unconfined");
	return streq(l->label, c->profile);
}

static const char *label_state(const struct aa_oci_container *c,
			       const struct aa_oci_status_label *l)
{
	if (!l->read)
		return c->pid > 0 ? "unreadable" : "unknown";
	return status_label_matches(c, l) ? "yes" : "NO";
}

static void when(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (t <= 0 || !gmtime_r(&t, &tm) ||
	    !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "-");
}

static const char *dash(const char *s)
{
	return s && s[0] ? s : "-";
}

int status_print(const struct aa_oci_status *s, bool json, FILE *out)
{
	char t[32];

	if (json) {
		struct oci_json_writer *w = NULL;
		_cleanup_free_ char *text = NULL;
		int r = oci_json_writer_new(&w);

		if (r < 0)
			return r;
		oci_json_open(w, false);
		oci_json_key(w, "profiles");
		oci_json_open(w, true);
		for (size_t i = 0; i < s->n_profiles; i++) {
			const struct aa_oci_status_profile *p = &s->profiles[i];

			oci_json_open(w, false);
			oci_json_string(w, "name", p->name);
			oci_json_string(w, "mode",
					p->loaded ? mode_name(p->mode) : NULL);
			oci_json_bool(w, "loaded", p->loaded);
			oci_json_string(w, "loaded_by",
					p->ours ? loader_name(p->rec.by)
						: (p->loaded ? "other" : NULL));
			oci_json_string(w, "source",
					p->ours ? p->rec.source : NULL);
			oci_json_string(w, "cache_key",
					p->ours && p->rec.key[0] ? p->rec.key
								 : NULL);
			oci_json_key(w, "includes");
			oci_json_open(w, true);
			for (char **f = p->includes; f && *f; f++)
				oci_json_string(w, NULL, *f);
			oci_json_close(w, true);
			oci_json_close(w, false);
		}
		oci_json_close(w, true);
		oci_json_key(w, "containers");
		oci_json_open(w, true);
		for (size_t i = 0; i < s->n_containers; i++) {
			const struct aa_oci_container *c = &s->containers[i];
			const struct aa_oci_status_label *l = &s->labels[i];

			when(c->since, t, sizeof(t));
			oci_json_open(w, false);
			oci_json_string(w, "id", c->id);
			oci_json_string(w, "by", loader_name(c->by));
			oci_json_string(w, "namespace", c->k8s_namespace);
			oci_json_string(w, "pod", c->k8s_pod);
			oci_json_string(w, "container", c->k8s_container);
			oci_json_string(w, "profile", c->profile);
			oci_json_string(w, "mode", mode_name(c->mode));
			oci_json_int(w, "pid", c->pid);
			oci_json_string(w, "since", t);
			oci_json_string(w, "bundle", c->bundle);
			oci_json_string(w, "label", l->read ? l->label : NULL);
			oci_json_string(w, "label_mode",
					l->read ? l->mode : NULL);
			if (l->read)
				oci_json_bool(w, "label_matches",
					      status_label_matches(c, l));
			else
				oci_json_string(w, "label_matches", NULL);
			oci_json_close(w, false);
		}
		oci_json_close(w, true);
		oci_json_close(w, false);
		r = oci_json_writer_text(w, &text);
		oci_json_writer_free(w);
		if (r < 0)
			return r;
		fprintf(out, "%s\n", text);
		return ferror(out) ? -EIO : 0;
	}

	fprintf(out, "%zu profiles aa-oci knows:\n", s->n_profiles);
	fprintf(out, "  %-32s %-10s %-9s %s\n", "PROFILE", "MODE", "LOADED-BY",
		"SOURCE");
	for (size_t i = 0; i < s->n_profiles; i++) {
		const struct aa_oci_status_profile *p = &s->profiles[i];

		fprintf(out, "  %-32s %-10s %-9s %s\n", p->name,
			p->loaded ? mode_name(p->mode) : "(not loaded)",
			p->ours ? loader_name(p->rec.by)
				: (p->loaded ? "other" : "-"),
			p->ours ? dash(p->rec.source) : "-");
	}
	fprintf(out, "%zu containers:\n", s->n_containers);
	fprintf(out, "  %-12s %-36s %-24s %-8s %-7s %-20s %s\n", "ID",
		"KUBERNETES (NS/POD/CONTAINER)", "PROFILE", "MODE", "PID",
		"SINCE", "LABELLED");
	for (size_t i = 0; i < s->n_containers; i++) {
		const struct aa_oci_container *c = &s->containers[i];
		char id[13], k8s[300];

		short_id(c->id, id);
		if (c->k8s_namespace || c->k8s_pod || c->k8s_container)
			snprintf(k8s, sizeof(k8s), "%s/%s/%s",
				 dash(c->k8s_namespace), dash(c->k8s_pod),
				 dash(c->k8s_container));
		else
			snprintf(k8s, sizeof(k8s), "-");
		when(c->since, t, sizeof(t));
		fprintf(out, "  %-12s %-36s %-24s %-8s %-7d %-20s %s\n", id,
			k8s, c->profile ? c->profile : "unconfined",
			c->profile ? mode_name(c->mode) : "-", (int)c->pid, t,
			label_state(c, &s->labels[i]));
	}
	return ferror(out) ? -EIO : 0;
}

/* What entry @e holds: its profiles, and their source when loaded now. */
static void cache_entry_describe(const struct aa_oci_config *cfg,
				 const struct aa_oci_cache_entry *e,
				 char ***ret_names, char **ret_source)
{
	_cleanup_free_ char *buf = NULL;
	char **names = NULL;
	size_t len;

	*ret_names = NULL;
	*ret_source = NULL;
	if (cache_entry_read(cfg->cache_dir, e, &buf, &len) < 0 ||
	    load_policy_names(buf, len, &names) < 0)
		return;
	for (char **n = names; *n && !*ret_source; n++) {
		struct aa_oci_loaded rec = {0};

		if (rundir_loaded_get(cfg->rundir, *n, &rec) == 0 &&
		    streq(rec.key, e->key) && rec.source)
			*ret_source = strdup(rec.source);
		rundir_loaded_free(&rec);
	}
	*ret_names = names;
}

int status_cache_print(const struct aa_oci_config *cfg, FILE *out)
{
	struct aa_oci_cache_entry *v = NULL;
	size_t n = 0, bytes = 0;
	int r;

	r = cache_list(cfg->cache_dir, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *source = NULL;
		char when[32], **names = NULL;
		struct tm tm;

		localtime_r(&v[i].mtime, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		fprintf(out, "%s/%s  %8zu bytes  %s  ", v[i].dir, v[i].key,
			v[i].size, when);
		bytes += v[i].size;
		if (!v[i].valid) {
			fputs("DAMAGED (recompiled on next use)\n", out);
			continue;
		}
		cache_entry_describe(cfg, &v[i], &names, &source);
		for (char **p = names; p && *p; p++)
			fprintf(out, "%s%s", p == names ? "" : ", ", *p);
		if (!names)
			fputs("(its profiles cannot be read)", out);
		else if (source)
			fprintf(out, "  from %s", source);
		else
			fputs("  (not what is loaded now)", out);
		fputc('\n', out);
		strv_free(names);
	}
	fprintf(out, "%zu entries, %zu bytes of compiled policy in %s\n", n,
		bytes, cfg->cache_dir);
	free(v);
	return 0;
}
