/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LXC: `aa-oci-hook lxc`, run by LXC as lxc.hook.pre-start, reads the
 * container's LXC config and makes sure the profile named by
 * lxc.apparmor.profile is loaded before LXC applies it.
 *
 * LXC runs pre-start hooks in the host's namespaces before it prepares the
 * LSM (lxc_init: hooks, then lsm prepare), so a profile loaded here is in
 * the kernel when LXC writes the label.
 */
#pragma once

#include <stdbool.h>

#include "aa-oci/err.h"
#include "aa-oci/load.h"

/* Limits on what an LXC config may make us read. */
#define AA_OCI_LXC_CONFIG_MAX (1u << 20) /* one config file: 1 MiB */
#define AA_OCI_LXC_INCLUDE_DEPTH 16	 /* files open in one include chain */
#define AA_OCI_LXC_FILES_MAX 1024	 /* files read in all */
#define AA_OCI_LXC_NAME_MAX 255		 /* container name kept for messages */

/* The key LXC takes the AppArmor profile from (strict match in LXC). */
#define AA_OCI_LXC_KEY_PROFILE "lxc.apparmor.profile"

/*
 * lxc_config_get - the value LXC ends up with for @key after reading the
 * config file @path the way LXC's confile.c does:
 *  - lines end at '\n' or '\r'; the text ends at the first NUL byte;
 *  - leading spaces and tabs are skipped; blank lines and lines starting
 *    with '#' are ignored, and so is any line not starting with "lxc."
 *    (LXC drops those too); an "lxc." line without '=' is -EINVAL;
 *  - spaces and tabs around the key and the value are trimmed, and one
 *    pair of matching quotes ('...' or "...") around the value removed;
 *  - `lxc.include = PATH` reads PATH where it stands: a directory (PATH
 *    ends in '/' or is one) has its entries named *.conf read, in the
 *    order readdir() returns them, as LXC does (LXC does not sort); a
 *    missing directory named with a trailing '/' is skipped, as in LXC;
 *    an empty value includes nothing;
 *  - the last assignment wins, wherever it is; an empty value unsets.
 * Differences from LXC, all refusals: a relative @path or include is
 * -EINVAL (LXC resolves it against the directory lxc-start ran in, which
 * a hook run after LXC's chdir("/") cannot know); more than
 * AA_OCI_LXC_INCLUDE_DEPTH nested files, or a file including itself, is
 * -ELOOP; a file over AA_OCI_LXC_CONFIG_MAX or more than
 * AA_OCI_LXC_FILES_MAX files is -E2BIG; a file that is not a regular file
 * is -EINVAL.
 * @ret_value: the value (owned by the caller), or NULL when @key is not
 *             set or was unset by an empty value.
 * Returns: 0, or -errno with one line in @err naming the file (and the
 * file and line of the lxc.include that led to it).
 */
int lxc_config_get(const char *path, const char *key, char **ret_value,
		   struct aa_oci_err *err);

struct aa_oci_lxc_opts {
	const char *apparmorfs;
	const char *config_path; /* aa-oci's settings (config.json) */
	bool config_required;	 /* --config given: the file must exist */
	/*
	 * The arguments after "lxc". lxc.hook.version = 0 passes
	 * NAME SECTION HOOKTYPE [more]; version 1 passes none.
	 */
	char *const *argv;
	int argc;
	/* The environment LXC gives hooks; NULL when unset. */
	const char *env_name;	     /* LXC_NAME */
	const char *env_hook_type;   /* LXC_HOOK_TYPE (version 1 only) */
	const char *env_config_file; /* LXC_CONFIG_FILE */
	const char
	    *env_cgns_aware; /* LXC_CGNS_AWARE: "1" on cgroup-ns kernels */
};

struct aa_oci_lxc_report {
	char *name;  /* the container, printable bytes only; NULL until known */
	char *value; /* lxc.apparmor.profile as read; NULL when unset */
	char *profile; /* the profile made sure of; NULL when nothing to do */
	bool loaded;   /* a load was needed and done */
	const char *skipped; /* static text: why nothing was loaded, or NULL */
	struct aa_oci_load_result load;
};

/*
 * lxc_hook_run - the work of `aa-oci-hook lxc`. Only the pre-start hook
 * type does anything; any other is -EINVAL (the hook cannot help there,
 * and a misplaced hook should be seen, not silently do nothing).
 * What lxc.apparmor.profile says:
 *  - "generated", "unchanged", "unconfined": LXC's own business; nothing.
 *  - unset (or empty): what LXC applies by default,
 *    lxc-container-default-cgns when LXC_CGNS_AWARE is "1", else
 *    lxc-container-default; loaded (generated when no file has it). If
 *    AppArmor is not enabled LXC applies no profile, so neither do we.
 *  - any other value: a profile name, checked with profile_name_validate()
 *    (so stacked or namespaced labels, "a//&b", ":ns:a", are refused),
 *    then loaded in enforce mode with load_ensure().
 * @ret is filled as far as the run got, also on failure, so the caller
 * can say which container and which profile a message is about.
 * Returns: 0 or -errno with one line in @err.
 */
int lxc_hook_run(const struct aa_oci_lxc_opts *o, struct aa_oci_lxc_report *ret,
		 struct aa_oci_err *err);

void lxc_report_free(struct aa_oci_lxc_report *r);
