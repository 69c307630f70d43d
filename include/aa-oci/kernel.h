/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel boundary. kernel.c is the only file that reads or writes the
 * kernel's AppArmor interfaces; its root is a parameter (--apparmorfs), so
 * tests point it at a directory they made.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <sys/apparmor.h>

#include "aa-oci/err.h"
#include "aa-oci/mode.h"
#include "aa-oci/rundir.h"

struct aa_oci_kernel;

/*
 * kernel_open - open the AppArmor securityfs root @apparmorfs.
 * Returns: 0, or -ENOENT (AppArmor not enabled, or wrong path) / -errno,
 * with a line in @err.
 */
int kernel_open(const char *apparmorfs, struct aa_oci_kernel **ret,
		struct aa_oci_err *err);
void kernel_close(struct aa_oci_kernel *k);

/* kernel_apparmorfs - the root this handle was opened on. */
const char *kernel_apparmorfs(const struct aa_oci_kernel *k);

/*
 * kernel_profile_list - the names of every loaded profile, read at once
 * from <apparmorfs>/profiles (children as "parent//child").
 * Returns: 0 with a NULL-terminated list, -ENODEV when the list is
 * missing, or -errno.
 */
int kernel_profile_list(struct aa_oci_kernel *k, char ***ret_names);

/*
 * kernel_profile_state - is @name loaded, and in which mode? The one
 * answer to that question. In order: the profile's directory under
 * policy/profiles remembered in @rd (may be NULL), checked to still hold
 * @name; else the kernel's label query, which answers "not loaded" in one
 * lookup; else the profile's directory found by reading policy/profiles
 * (then remembered); else, where the kernel has no policy/profiles, the
 * whole list. Never reads the list when the profile's directory answers.
 * Returns: 0 with *@ret_mode set (AA_OCI_MODE_OTHER for kill, unconfined,
 * user, ...), -ENOENT when not loaded, -ENODEV when <apparmorfs>/profiles
 * is missing, or -errno.
 */
int kernel_profile_state(struct aa_oci_kernel *k, struct aa_oci_rundir *rd,
			 const char *name, enum aa_oci_mode *ret_mode);

/* A handle opened on first use (policy_decide's root_has question). */
struct aa_oci_kernel_lazy {
	const char *apparmorfs;
	struct aa_oci_rundir *rd; /* may be NULL */
	struct aa_oci_kernel *k;  /* NULL until needed; the caller closes it */
};

/*
 * kernel_lazy_has - is @name loaded (kernel_profile_state) on the handle
 * @ctx, a struct aa_oci_kernel_lazy, opened now when it is not yet? A
 * kernel that cannot be opened has nothing loaded.
 */
bool kernel_lazy_has(void *ctx, const char *name);

/*
 * kernel_features - the kernel's features (<apparmorfs>/features), read
 * once per handle. The reference stays owned by @k. With @rd (the run
 * directory) and the kernel's own securityfs, they are read by walking the
 * directory once per boot and kept in the run directory, tagged with the
 * boot's id; later runs read that one file.
 * Returns: 0 or -errno.
 */
int kernel_features(struct aa_oci_kernel *k, struct aa_oci_rundir *rd,
		    aa_features **ret);

/*
 * kernel_replace_policy - load (or replace) the compiled policy in @path,
 * relative to @dirfd, through libapparmor's kernel interface.
 * Returns: 0 or -errno.
 */
int kernel_replace_policy(struct aa_oci_kernel *k, int dirfd, const char *path);

/* kernel_replace_policy_buffer - the same, from @len bytes in memory. */
int kernel_replace_policy_buffer(struct aa_oci_kernel *k, const char *buf,
				 size_t len);

/*
 * kernel_remove_profile - unload the profile @name (and its children and
 * hats) through libapparmor's kernel interface. Tasks confined by it fall
 * back to unconfined: callers must only remove what they loaded.
 * Returns: 0, -ENOENT when the kernel has no such profile, or -errno.
 */
int kernel_remove_profile(struct aa_oci_kernel *k, const char *name);

/*
 * kernel_ns_level - how deep the calling task's policy namespace is, from
 * <@apparmorfs>/.ns_level: 0 the root one, 1 ":aa-oci:" and its like. The
 * kernel answers each task from its own namespace: labels, lookups and
 * loads are relative to it.
 * Returns: 0 with *@ret set, or -errno (-ENOENT: no such file).
 */
int kernel_ns_level(const char *apparmorfs, unsigned *ret);

/*
 * kernel_task_confined - is the calling task under a profile?
 * Returns: 0 with *@ret set, or -errno (-ENOENT/-EINVAL: no AppArmor).
 */
int kernel_task_confined(bool *ret);

/*
 * kernel_task_label - the label task @pid runs under (its
 * /proc/PID/attr/current, through libapparmor), and its mode ("enforce",
 * "complain"; NULL for unconfined), in new strings.
 * Returns: 0 or -errno (-ENOENT: no such task).
 */
int kernel_task_label(pid_t pid, char **ret_label, char **ret_mode);

/*
 * kernel_set_exec_label - ask the kernel to put the calling task under
 * @name at its next execve: aa_change_onexec, or aa_stack_onexec when
 * @stack (a confined task with no_new_privs can only stack). The pending
 * label is read back and checked.
 * Returns: 0, -ENOENT profile not loaded, -EPROTO the kernel holds another
 * label, or -errno.
 */
int kernel_set_exec_label(const char *name, bool stack);
