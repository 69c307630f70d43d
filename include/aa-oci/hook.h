/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OCI hook's work, apart from its main(), so tests can drive it. */
#pragma once

#include <stdbool.h>

#include "aa-oci/err.h"
#include "aa-oci/load.h"

struct aa_oci_hook_opts {
	const char *apparmorfs;
	const char *config_path;
	bool config_required; /* --config given: the file must exist */
	const char *stage;
};

struct aa_oci_hook_report {
	char id[13];	       /* short container id, "" until known */
	char *profile;	       /* the profile asked for, once known */
	enum aa_oci_mode mode; /* the mode asked for */
	bool loaded;	       /* a load was needed and done */
	struct aa_oci_load_result load;
};

/* hook_stage_valid - is @stage one of the OCI hook stages we run at? */
bool hook_stage_valid(const char *stage);

/*
 * hook_run - read the OCI state from @state_fd and make sure the profile
 * the container asks for is loaded, or refuse. @ret is filled as far as
 * the run got, also on failure, so the caller can say which container and
 * which profile a message is about.
 * Returns: 0 or -errno with one line in @err.
 */
int hook_run(const struct aa_oci_hook_opts *o, int state_fd,
	     struct aa_oci_hook_report *ret, struct aa_oci_err *err);

void hook_report_free(struct aa_oci_hook_report *r);
