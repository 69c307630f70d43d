/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci configure: an engine's own configuration edited for the user, as
 * `nvidia-ctk runtime configure` does. Plan, then show or apply: the plan
 * holds each file's old and new bytes, so --dry-run prints exactly what
 * apply would write, and apply writes each file atomically (a temporary
 * file in its directory, fsync, rename; the mode and owner kept), undoing
 * the files it already wrote when a later one fails.
 *
 *   docker      /etc/docker/daemon.json: runtimes."aa-oci" (and
 *               "default-runtime"), rewritten through rewrite_json
 *   containerd  /etc/containerd/conf.d/aa-oci.toml (the handler), and one
 *               top-level imports entry in /etc/containerd/config.toml
 *   crio        /etc/crio/crio.conf.d/10-aa-oci.conf
 *   podman      /etc/containers/containers.conf.d/aa-oci.conf
 *
 * A file aa-oci writes whole (a drop-in) starts with CONFIGURE_MARK; one
 * without it is never replaced or removed. A user's file (daemon.json,
 * config.toml) is copied to FILE.aa-oci-backup before its first change;
 * --undo puts that copy back when the file still is what configure made of
 * it, and otherwise refuses.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "aa-oci/err.h"

#define CONFIGURE_MARK "# Written by aa-oci configure"
#define CONFIGURE_BACKUP_SUFFIX ".aa-oci-backup"

enum aa_oci_engine {
	AA_OCI_ENGINE_DOCKER,
	AA_OCI_ENGINE_CONTAINERD,
	AA_OCI_ENGINE_CRIO,
	AA_OCI_ENGINE_PODMAN,
};

struct aa_oci_configure_opts {
	enum aa_oci_engine engine;
	/* docker, containerd: the engine's file (the drop-in of containerd
	 * goes to conf.d/ beside it); crio, podman: the drop-in directory.
	 * NULL: the engine's default. */
	const char *config;
	const char *runtime; /* aa-oci-runtime's absolute path */
	bool set_default;    /* make aa-oci the engine's default runtime */
	bool undo;
};

enum aa_oci_configure_action {
	CONFIGURE_CREATE,  /* a new file */
	CONFIGURE_UPDATE,  /* changed in place */
	CONFIGURE_RESTORE, /* its backup put back, the backup removed */
	CONFIGURE_REMOVE,  /* a file aa-oci made, removed */
};

struct aa_oci_configure_file {
	enum aa_oci_configure_action action;
	char *path;
	char *old, *new; /* NULL: absent (before / after) */
	size_t old_len, new_len;
	struct stat st; /* the old file's, when there was one */
	bool backup;	/* copy old to path.aa-oci-backup first */
};

#define CONFIGURE_FILES_MAX 2

struct aa_oci_configure_plan {
	struct aa_oci_configure_file files[CONFIGURE_FILES_MAX];
	size_t n; /* 0: nothing to change */
	/* what makes the engine read it again, e.g. "systemctl restart
	 * docker" */
	const char *restart;
	const char *engine; /* "docker", ... */
};

/* configure_engine_from_name - "docker", "containerd", "crio", "podman".
 * Returns: 0 or -EINVAL. */
int configure_engine_from_name(const char *name, enum aa_oci_engine *ret);

/*
 * configure_plan - read the engine's files and decide what configure (or
 * --undo) changes, without writing anything.
 * Returns: 0 (*@ret, configure_plan_free), or -errno with one line in
 *          @err naming the file and what to do: -EBADMSG a malformed file
 *          (with its line and column), -EPERM a file aa-oci will not
 *          change (a drop-in it did not write, a layout where the change
 *          is not safe, a file changed since configure wrote it), -E2BIG,
 *          -ELOOP a symbolic link, or the errno of a read.
 */
int configure_plan(const struct aa_oci_configure_opts *o,
		   struct aa_oci_configure_plan *ret, struct aa_oci_err *err);

/*
 * configure_diff - the plan as a unified diff (one hunk per file).
 * Returns: 0 (*@ret_text, to be freed) or -ENOMEM.
 */
int configure_diff(const struct aa_oci_configure_plan *p, char **ret_text);

/*
 * configure_apply - write the plan: backups first, then each file in
 * order; when one fails, the files already written are put back as they
 * were and the backups made by this call removed.
 * Returns: 0 or -errno with a line in @err.
 */
int configure_apply(const struct aa_oci_configure_plan *p,
		    struct aa_oci_err *err);

/*
 * configure_snippet - the settings configure would add for @o's engine, as
 * a file of their own: daemon.json with the runtime, containerd's tables
 * (for a config.toml), the CRI-O or Podman drop-in. make install writes
 * these as the snippets for doing it by hand (one text, here).
 * Returns: 0 (*@ret, to be freed, *@ret_len bytes), -ENOMEM, -EINVAL.
 */
int configure_snippet(const struct aa_oci_configure_opts *o, char **ret,
		      size_t *ret_len);

/* configure_plan_free - free what configure_plan allocated. */
void configure_plan_free(struct aa_oci_configure_plan *p);
