/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "aa-oci/config.h"
#include "aa-oci/hook.h"
#include "aa-oci/kernel.h"
#include "aa-oci/oci.h"
#include "aa-oci/policy.h"
#include "aa-oci/resolve.h"
#include "aa-oci/rundir.h"
#include "aa-oci/util.h"

static const char *const stages[] = {
    "createRuntime",
    "prestart",
    "createContainer",
    "poststop",
};

bool hook_stage_valid(const char *stage)
{
	for (size_t i = 0; i < sizeof(stages) / sizeof(*stages); i++)
		if (streq(stage, stages[i]))
			return true;
	return false;
}

void hook_report_free(struct aa_oci_hook_report *r)
{
	free(r->profile);
	load_result_free(&r->load);
	*r = (struct aa_oci_hook_report){0};
}

static int read_state(int fd, struct aa_oci_state *ret, struct aa_oci_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = read_fd_limited(fd, AA_OCI_STATE_MAX, &buf, &len);
	if (r == -E2BIG)
		return err_set(err, r,
			       "container state on stdin is larger than %u KiB",
			       AA_OCI_STATE_MAX >> 10);
	if (r < 0)
		return err_set(err, r,
			       "cannot read the container state on stdin: %s",
			       strerror(-r));
	if (strlen(buf) != len)
		return err_set(err, -EBADMSG,
			       "container state on stdin contains a NUL byte");
	return oci_state_parse(buf, ret, err);
}

/* What this container runs under, for aa-oci status and logs. Best
 * effort: a record that cannot be written costs the container nothing. */
static void record(const struct aa_oci_state *state,
		   const struct aa_oci_spec *spec,
		   const struct aa_oci_config *cfg, const char *profile,
		   enum aa_oci_mode mode)
{
	struct aa_oci_container c = {
	    .id = state->id,
	    .by = AA_OCI_BY_HOOK,
	    .profile = (char *)profile,
	    .mode = mode,
	    .pid = state->pid,
	    .since = time(NULL),
	    .bundle = state->bundle,
	};

	resolve_k8s_names(state, spec, &c.k8s_namespace, &c.k8s_pod,
			  &c.k8s_container);
	(void)rundir_container_put(cfg->rundir, &c);
	free(c.k8s_namespace);
	free(c.k8s_pod);
	free(c.k8s_container);
}

/* poststop: drop the record; unload what no container uses any more. */
static int hook_forget(const struct aa_oci_hook_opts *o,
		       const struct aa_oci_config *cfg, const char *id,
		       struct aa_oci_kernel **k, struct aa_oci_err *err)
{
	struct aa_oci_container c = {0};
	int r = 0;

	if (rundir_container_get(cfg->rundir, id, &c) < 0)
		return 0;
	rundir_container_drop(cfg->rundir, id);
	/* Its private copy goes with it; with unload_unused, so does a
	 * profile no container uses any more. */
	if (c.profile && policy_copy_base(c.profile, id, NULL)) {
		r = kernel_open(o->apparmorfs, k, err);
		if (r == 0)
			r = load_unload(*k, cfg, c.profile, err);
		if (r == -ENOENT) {
			err_clear(err);
			r = 0;
		}
	} else if (c.profile && cfg->unload_unused) {
		r = kernel_open(o->apparmorfs, k, err);
		if (r == 0)
			r = load_unload_unused(*k, cfg, c.profile, err);
		r = r < 0 ? r : 0;
	}
	rundir_container_free(&c);
	return r;
}

int hook_run(const struct aa_oci_hook_opts *o, int state_fd,
	     struct aa_oci_hook_report *ret, struct aa_oci_err *err)
{
	struct aa_oci_state state = {0};
	struct aa_oci_spec spec = {0};
	struct aa_oci_config cfg = {0};
	struct aa_oci_decision d = {0};
	struct aa_oci_kernel *k = NULL;
	int r;

	*ret = (struct aa_oci_hook_report){0};
	if (!hook_stage_valid(o->stage))
		return err_set(
		    err, -EINVAL,
		    "unknown hook stage \"%.64s\"; use createRuntime, "
		    "prestart, createContainer or poststop",
		    o->stage);

	r = read_state(state_fd, &state, err);
	if (r < 0)
		goto out;
	short_id(state.id, ret->id);
	r = config_load(o->config_path, o->config_required, &cfg, err);
	if (r < 0)
		goto out;
	/* The container ended: its record goes, and with unload_unused the
	 * profile it used when no other container uses it. */
	if (streq(o->stage, "poststop")) {
		r = hook_forget(o, &cfg, state.id, &k, err);
		goto out;
	}
	r = oci_spec_read_bundle(state.bundle, &spec, err);
	if (r < 0)
		goto out;
	r = policy_decide(&(struct aa_oci_ask){.fe = AA_OCI_BY_HOOK,
					       .state = &state,
					       .spec = &spec,
					       .id = state.id},
			  &cfg, &d, err);
	if (d.profile && !(ret->profile = strdup(d.profile)))
		r = -ENOMEM;
	if (r < 0)
		goto out; /* refused */
	ret->mode = d.mode;
	/* Recorded first: a concurrent unload of an unused profile then
	 * either sees this container or leaves the profile for the load
	 * below to bring back (load_unload_unused). */
	record(&state, &spec, &cfg, d.copy ? d.copy : d.profile, d.mode);
	if (d.profile) {
		r = kernel_open(o->apparmorfs, &k, err);
		if (r == 0 && d.copy)
			r = load_copy(k, &cfg, AA_OCI_BY_HOOK, d.profile,
				      d.copy, &ret->load, err);
		else if (r == 0)
			r = load_ensure(k, &cfg, AA_OCI_BY_HOOK, d.profile,
					d.mode, &ret->load, err);
		if (r < 0) {
			rundir_container_drop(cfg.rundir, state.id);
			goto out;
		}
		ret->loaded = ret->load.action != AA_OCI_LOAD_ALREADY;
		if (ret->load.mode != d.mode) /* the mode it really got */
			record(&state, &spec, &cfg, d.copy ? d.copy : d.profile,
			       ret->load.mode);
	}
out:
	kernel_close(k);
	policy_decision_free(&d);
	oci_spec_free(&spec);
	config_free(&cfg);
	oci_state_free(&state);
	return r;
}
