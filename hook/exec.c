/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "cleanup.h"
#include "aa-oci/config.h"
#include "aa-oci/exec.h"
#include "aa-oci/kernel.h"
#include "aa-oci/load.h"
#include "aa-oci/oci.h"
#include "aa-oci/policy.h"
#include "aa-oci/util.h"

void exec_plan_free(struct aa_oci_exec_plan *p)
{
	free(p->profile);
	config_free(&p->cfg);
	seccomp_filter_free(p->filter);
	seccomp_filter_report_free(&p->report);
	*p = (struct aa_oci_exec_plan){0};
}

/* @err's message prefixed with the document it is about. */
static int named(int r, const char *what, struct aa_oci_err *err)
{
	char detail[AA_OCI_ERR_MAX];

	snprintf(detail, sizeof(detail), "%s", err ? err->text : "");
	return err_set(err, r, "%s: %s", what, detail);
}

static int plan_seccomp(const char *buf, const char *what, bool required,
			struct aa_oci_exec_plan *p, struct aa_oci_err *err)
{
	struct aa_oci_seccomp s = {0};
	int r;

	r = oci_seccomp_parse(buf, &s, err);
	if (r < 0)
		return named(r, what, err);
	/* A file given with --seccomp that holds no filter is a mistake:
	 * running without the filter asked for would fail open. */
	if (!s.present && required)
		r = err_set(err, -EINVAL,
			    "%s: no seccomp settings (no defaultAction, no "
			    "linux.seccomp)",
			    what);
	else if (s.present) {
		s.source = what;
		r = seccomp_filter_build(&s, &p->filter, &p->report, err);
		/* Which file a refused filter came from: the builder's
		 * messages name only the rule. */
		if (r < 0)
			r = named(r, what, err);
	}
	oci_seccomp_free(&s);
	return r;
}

static int plan_bundle(const struct aa_oci_exec_opts *o,
		       struct aa_oci_exec_plan *p,
		       struct aa_oci_kernel_lazy *lk, struct aa_oci_err *err)
{
	_cleanup_free_ char *buf = NULL;
	struct aa_oci_spec spec = {0};
	struct aa_oci_decision d = {0};
	int r;

	r = oci_bundle_read_config(o->bundle, &buf, err);
	if (r < 0)
		return r;
	r = oci_spec_parse(buf, &spec, err);
	if (r < 0)
		return r;
	r = policy_decide(&(struct aa_oci_ask){.fe = AA_OCI_BY_EXEC,
					       .spec = &spec,
					       .mode = o->mode,
					       .root_has = kernel_lazy_has,
					       .ctx = lk},
			  &p->cfg, &d, err);
	if (r < 0)
		goto out;
	p->profile = TAKE_PTR(d.profile);
	p->unconfined = d.unconfined;
	p->mode = d.mode;
	p->no_new_privs = spec.no_new_privs;
	if (!o->seccomp_file && !o->seccomp_default) {
		char what[PATH_MAX + 16];

		snprintf(what, sizeof(what), "%.256s/config.json", o->bundle);
		r = plan_seccomp(buf, what, false, p, err);
	}
out:
	policy_decision_free(&d);
	oci_spec_free(&spec);
	return r;
}

int exec_plan(const struct aa_oci_exec_opts *o, struct aa_oci_exec_plan *ret,
	      struct aa_oci_err *err)
{
	struct aa_oci_exec_plan p = {0};
	struct aa_oci_kernel_lazy lk = {.apparmorfs = o->apparmorfs};
	unsigned level;
	int r;

	if (o->profile && o->bundle)
		return err_set(err, -EINVAL,
			       "--profile and --bundle exclude each other");
	if (o->seccomp_file && o->seccomp_default)
		return err_set(
		    err, -EINVAL,
		    "--seccomp and --seccomp-default exclude each other");
	r = config_load(o->config_path, o->config_required, &p.cfg, err);
	if (r < 0)
		return r;
	/* A caller confined in a policy namespace (a command aa-oci-exec
	 * started under ":aa-oci:P", say) sees the kernel from inside it: its
	 * loads, lookups and labels are relative to that namespace, and
	 * aa-oci's own would nest in it. There plain names are the place. */
	if (p.cfg.profile_namespace[0] &&
	    kernel_ns_level(o->apparmorfs, &level) == 0 && level > 0)
		p.cfg.profile_namespace[0] = '\0';
	lk.rd = p.cfg.rundir;
	if (o->bundle) {
		r = plan_bundle(o, &p, &lk, err);
	} else {
		struct aa_oci_decision d = {0};

		r = policy_decide(
		    &(struct aa_oci_ask){.fe = AA_OCI_BY_EXEC,
					 .value = o->profile,
					 .mode = o->mode,
					 .root_has = kernel_lazy_has,
					 .ctx = &lk},
		    &p.cfg, &d, err);
		p.profile = TAKE_PTR(d.profile);
		p.unconfined = d.unconfined;
		p.mode = d.mode;
		policy_decision_free(&d);
	}
	kernel_close(lk.k);
	if (r < 0)
		goto fail;
	p.no_new_privs |= o->no_new_privs;
	if (o->seccomp_file) {
		_cleanup_free_ char *buf = NULL;
		size_t len;

		r = read_file_at(AT_FDCWD, o->seccomp_file, false,
				 AA_OCI_SPEC_MAX, &buf, &len);
		if (r < 0) {
			r = err_set(err, r, "--seccomp %s: %s", o->seccomp_file,
				    r == -EINVAL ? "not a regular file"
						 : strerror(-r));
			goto fail;
		}
		r = plan_seccomp(buf, o->seccomp_file, true, &p, err);
	} else if (o->seccomp_default) {
		r = seccomp_filter_build_default(&p.filter, &p.report, err);
	}
	if (r < 0)
		goto fail;
	*ret = p;
	return 0;
fail:
	exec_plan_free(&p);
	return r;
}

int exec_apply(const struct aa_oci_exec_opts *o, struct aa_oci_exec_plan *p,
	       struct aa_oci_err *err)
{
	int r;

	if (p->unconfined) {
		bool confined = false;

		/* Allowed, unconfined means no label change; a confined
		 * caller cannot leave its profile that way. */
		r = kernel_task_confined(&confined);
		if (r == 0 && confined)
			return err_set(err, -EPERM,
				       "--profile unconfined: this process is "
				       "confined, and aa-oci-exec cannot take "
				       "a command out of its profile");
	}
	if (p->profile) {
		bool confined = false;

		if (!o->no_load) {
			struct aa_oci_kernel *k = NULL;
			struct aa_oci_load_result res = {0};

			r = kernel_open(o->apparmorfs, &k, err);
			if (r == 0)
				r = load_ensure(k, &p->cfg, AA_OCI_BY_EXEC,
						p->profile, p->mode, &res, err);
			load_result_free(&res);
			kernel_close(k);
			if (r < 0)
				return r;
		}
		/* With no_new_privs a confined task may only narrow its
		 * confinement: stack the profile on what it has. */
		r = kernel_task_confined(&confined);
		if (r < 0)
			return err_set(err, r,
				       "cannot read this process's AppArmor "
				       "label: %s; is AppArmor enabled?",
				       strerror(-r));
		p->stack = p->no_new_privs && confined;
		r = kernel_set_exec_label(p->profile, p->stack);
		if (r == -ENOENT)
			return err_set(
			    err, r, "the kernel has no profile \"%s\"%s",
			    p->profile,
			    o->no_load ? "; load it, or drop --no-load" : "");
		if (r < 0)
			return err_set(
			    err, r, "cannot set the exec label (%s): %s",
			    p->stack ? "aa_stack_onexec" : "aa_change_onexec",
			    strerror(-r));
	}
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(err, -errno, "cannot set no_new_privs: %s",
			       strerror(errno));
	if (p->filter) {
		r = seccomp_filter_load(p->filter, err);
		if (r == -EACCES)
			return err_set(
			    err, r,
			    "the kernel refused the seccomp filter: it needs "
			    "--no-new-privs or CAP_SYS_ADMIN");
		if (r < 0)
			return r;
	}
	return 0;
}
