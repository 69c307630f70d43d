/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci-exec: put a command under a profile (loading it when needed),
 * optionally with no_new_privs and a seccomp filter, then exec it.
 */
#pragma once

#include <stdbool.h>

#include "aa-oci/config.h"
#include "aa-oci/err.h"
#include "aa-oci/mode.h"
#include "aa-oci/oci.h"
#include "aa-oci/seccomp.h"

struct aa_oci_exec_opts {
	const char *apparmorfs;
	const char *config_path;
	bool config_required;
	const char *profile; /* --profile: NAME, localhost/NAME, ... */
	const char *bundle;  /* --bundle: take everything from config.json */
	const char *mode;    /* --mode, NULL when not given */
	bool no_load;	     /* --no-load */
	const char *seccomp_file; /* --seccomp FILE */
	bool seccomp_default;	  /* --seccomp-default */
	bool no_new_privs;	  /* --no-new-privs */
};

/* What will be done, decided before anything is changed. */
struct aa_oci_exec_plan {
	struct aa_oci_config cfg; /* the settings, read once */
	char *profile;		  /* NULL: no label change */
	bool unconfined;	  /* unconfined asked and allowed */
	enum aa_oci_mode mode;
	bool no_new_privs;
	bool stack; /* aa_stack_onexec rather than aa_change_onexec */
	scmp_filter_ctx filter; /* NULL: no seccomp */
	struct aa_oci_seccomp_report report;
};

/*
 * exec_plan - read the options, the bundle and the seccomp file, build the
 * filter; change nothing yet.
 * Returns: 0 or -errno with one line in @err.
 */
int exec_plan(const struct aa_oci_exec_opts *o, struct aa_oci_exec_plan *ret,
	      struct aa_oci_err *err);

/*
 * exec_apply - in this order: load the profile (unless --no-load), set the
 * exec label and check it is pending, set no_new_privs, install the
 * seccomp filter. The caller execs next; on failure it must not.
 * Returns: 0 or -errno with one line in @err.
 */
int exec_apply(const struct aa_oci_exec_opts *o, struct aa_oci_exec_plan *p,
	       struct aa_oci_err *err);

void exec_plan_free(struct aa_oci_exec_plan *p);
