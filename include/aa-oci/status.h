/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `aa-oci status`: each profile aa-oci knows (its mode in the kernel, who
 * loaded it, from where) and each container a front-end let through (what
 * it runs under, and whether its process really carries that label), from
 * run_dir's records and the kernel.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "aa-oci/config.h"
#include "aa-oci/kernel.h"
#include "aa-oci/rundir.h"

struct aa_oci_status_profile {
	char *name;
	bool loaded;	       /* the kernel has it */
	enum aa_oci_mode mode; /* the kernel's mode, when loaded */
	bool ours;	       /* aa-oci loaded it, in the mode still shown */
	struct aa_oci_loaded rec; /* aa-oci's record, when ours */
	char **includes; /* the source's include closure (NULL: none known) */
};

struct aa_oci_status_label {
	bool read;   /* the container's process was found */
	char *label; /* what it runs under */
	char *mode;
};

struct aa_oci_status {
	struct aa_oci_status_profile *profiles;
	size_t n_profiles;
	struct aa_oci_container *containers; /* oldest first */
	struct aa_oci_status_label *labels;  /* one per container */
	size_t n_containers;
};

/*
 * status_collect - what `aa-oci status` shows. Containers whose process is
 * gone are pruned from run_dir on the way. @k may be NULL (no kernel:
 * every profile shows as not loaded).
 * Returns: 0 or -errno.
 */
int status_collect(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		   struct aa_oci_status *ret);

/* status_label_matches - does @l show the profile @c was let through with? */
bool status_label_matches(const struct aa_oci_container *c,
			  const struct aa_oci_status_label *l);

/*
 * status_print - a table for people, or with @json one JSON document
 * ({"profiles": [...], "containers": [...]}).
 * Returns: 0 or -errno.
 */
int status_print(const struct aa_oci_status *s, bool json, FILE *out);

void status_free(struct aa_oci_status *s);

/*
 * status_cache_print - `aa-oci cache list`: a line per entry of the policy
 * cache in @cfg's cache_dir (features directory/key, size, time), with the
 * profiles its binary declares and the file they were compiled from:
 *   DIR/KEY  SIZE bytes  WHEN  web, web-helper  from /etc/apparmor.d/x
 * The file is known when a profile loaded now came from this very binary
 * (its record in run_dir/loaded names the entry's key); else "(not what is
 * loaded now)": an older version, or not loaded since boot. Then a total.
 * Returns: 0 or -errno (the cache cannot be listed).
 */
int status_cache_print(const struct aa_oci_config *cfg, FILE *out);
