/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "aa-oci/config.h"
#include "aa-oci/hook.h"
#include "aa-oci/kernel.h"
#include "aa-oci/oci.h"
#include "aa-oci/policy.h"
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

static int read_state(int fd, struct aa_oci_state *ret,
		      struct aa_oci_err *err)
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
		return err_set(err, r, "cannot read the container state on stdin: %s",
			       strerror(-r));
	if (strlen(buf) != len)
		return err_set(err, -EBADMSG,
			       "container state on stdin contains a NUL byte");
	return oci_state_parse(buf, ret, err);
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
		return err_set(err, -EINVAL,
			       "unknown hook stage \"%.64s\"; use createRuntime, prestart, createContainer or poststop",
			       o->stage);

	r = read_state(state_fd, &state, err);
	if (r < 0)
		goto out;
	short_id(state.id, ret->id);
	/* Nothing to unload: profiles are shared between containers. */
	if (streq(o->stage, "poststop"))
		goto out;

	r = config_load(o->config_path, o->config_required, &cfg, err);
	if (r < 0)
		goto out;
	r = oci_spec_read_bundle(state.bundle, &spec, err);
	if (r < 0)
		goto out;
	r = policy_decide(&(struct aa_oci_ask){.fe = AA_OCI_BY_HOOK,
					       .state = &state,
					       .spec = &spec},
			  &cfg, &d, err);
	if (d.profile && !(ret->profile = strdup(d.profile)))
		r = -ENOMEM;
	if (r < 0 || !d.profile)
		goto out; /* refused, or nothing to load */
	ret->mode = d.mode;

	r = kernel_open(o->apparmorfs, &k, err);
	if (r < 0)
		goto out;
	r = load_ensure(k, &cfg, AA_OCI_BY_HOOK, d.profile, d.mode, &ret->load,
			err);
	if (r == 0)
		ret->loaded = ret->load.action != AA_OCI_LOAD_ALREADY;
out:
	kernel_close(k);
	policy_decision_free(&d);
	oci_spec_free(&spec);
	config_free(&cfg);
	oci_state_free(&state);
	return r;
}
