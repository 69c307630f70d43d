/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The run directory (run_dir, default /run/aa-oci): aa-oci's state for this
 * boot. rundir.c owns it: every entry's name is defined here, and its
 * layout, writers and cleanup are listed at the top of rundir.c. Other
 * modules reach an entry through these functions, relative to the one
 * directory descriptor, never by building a path of their own.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "aa-oci/err.h"
#include "aa-oci/mode.h"

/* Entries (see rundir.c for what each holds). */
#define RUNDIR_LOAD_LOCK "load.lock"
#define RUNDIR_SYNC_LOCK "sync.lock"
#define RUNDIR_SYNC_STATE "sync.state"
#define RUNDIR_INDEX "index"
#define RUNDIR_FEATURES "features"
#define RUNDIR_KEYS "keys"
#define RUNDIR_KDIR "kdir"
#define RUNDIR_LOADED "loaded"
#define RUNDIR_PARSER "parser"
#define RUNDIR_CONTAINERS "containers.journal"

struct aa_oci_rundir;

/*
 * rundir_new - a handle on the run directory @path. Nothing is opened or
 * created yet: a start that finds its profile loaded may never need it.
 * Returns: 0 or -ENOMEM.
 */
int rundir_new(const char *path, struct aa_oci_rundir **ret);
void rundir_free(struct aa_oci_rundir *rd);

/* rundir_path - the directory's path, for messages. */
const char *rundir_path(const struct aa_oci_rundir *rd);

/*
 * rundir_fd - the directory, opened on first use; with @create it is made
 * (0700) when missing. Later calls return the same descriptor.
 * Returns: the descriptor, or -errno with a line in @err.
 */
int rundir_fd(struct aa_oci_rundir *rd, bool create, struct aa_oci_err *err);

/*
 * rundir_removed - for a long-running process (the sync agent, before
 * each pass): was the directory removed since it was opened? Its locks
 * and records went with it, so the process should end (and be restarted)
 * rather than go on in a directory no start sees. The descriptor is
 * forgotten. Returns: true when removed.
 */
bool rundir_removed(struct aa_oci_rundir *rd);

/*
 * rundir_lock_open - open (creating) the lock file @lock (RUNDIR_LOAD_LOCK
 * or RUNDIR_SYNC_LOCK). The caller flocks it and closes it.
 * Returns: 0 or -errno with a line in @err.
 */
int rundir_lock_open(struct aa_oci_rundir *rd, const char *lock, int *ret_fd,
		     struct aa_oci_err *err);

/*
 * rundir_entry_path - the path of entry @entry (RUNDIR_INDEX, RUNDIR_KEYS),
 * for modules that hand a path to a library or a child process; the
 * directory is created first.
 * Returns: 0 or -errno.
 */
int rundir_entry_path(struct aa_oci_rundir *rd, const char *entry,
		      char **ret_path);

/*
 * rundir_mktemp - a new empty file (0600) for a compile's input or output,
 * "<prefix>.XXXXXX"; the caller unlinks it.
 * Returns: 0 or -errno.
 */
int rundir_mktemp(struct aa_oci_rundir *rd, const char *prefix,
		  char **ret_path);

/*
 * rundir_read - the whole of entry @entry (at most @max bytes), when the
 * directory exists; it is not created.
 * Returns: 0, -ENOENT, or -errno.
 */
int rundir_read(struct aa_oci_rundir *rd, const char *entry, size_t max,
		char **ret_buf, size_t *ret_len);

/*
 * rundir_write - replace entry @entry atomically (temporary file, fsync,
 * rename). Returns: 0 or -errno.
 */
int rundir_write(struct aa_oci_rundir *rd, const char *entry, const void *buf,
		 size_t len);

/*
 * rundir_kdir_get / rundir_kdir_put - the kernel's directory for profile
 * @name (under policy/profiles), remembered so that "is it loaded" costs
 * a few small reads. A remembered name is only a hint: the kernel is
 * asked whether it still holds @name. Putting is best effort.
 */
int rundir_kdir_get(struct aa_oci_rundir *rd, const char *name, char **ret_dir);
void rundir_kdir_put(struct aa_oci_rundir *rd, const char *name,
		     const char *dir);

/* Who made a load: the front-end that committed it. */
enum aa_oci_loader {
	AA_OCI_BY_HOOK,
	AA_OCI_BY_RUNTIME,
	AA_OCI_BY_EXEC,
	AA_OCI_BY_LXC,
	AA_OCI_BY_SYNC,
	AA_OCI_BY_CLI,
};

/* loader_name - "hook", "runtime", "exec", "lxc", "sync", "cli". */
const char *loader_name(enum aa_oci_loader by);

/* The record of one committed load: what aa-oci put in the kernel. */
struct aa_oci_loaded {
	enum aa_oci_loader by;
	enum aa_oci_mode mode;
	char key[65]; /* the cache key of the binary, "" when not cached */
	char *source; /* the file compiled, or the built-in's name */
	time_t time;
};

/*
 * rundir_loaded_fits - can a record of @name be kept? Its entry's file
 * name (the name, bytes other than [A-Za-z0-9_+.-] written as %XX) must
 * fit one file name: a label ":NS:NAME" costs 4 bytes more than it is
 * long, so its NAME must be shorter than a root name may be.
 */
bool rundir_loaded_fits(const char *name);

/*
 * rundir_loaded_put - record that aa-oci loaded @name (after the kernel
 * took it). Returns: 0 or -errno (the load stands; only the record of its
 * ownership is lost, so a later start treats it as someone else's).
 */
int rundir_loaded_put(struct aa_oci_rundir *rd, const char *name,
		      const struct aa_oci_loaded *rec);

/*
 * rundir_loaded_get - the record of @name. A record that does not parse
 * counts as none (the profile is then treated as not aa-oci's: the safe
 * side). Returns: 0, -ENOENT, or -errno.
 */
int rundir_loaded_get(struct aa_oci_rundir *rd, const char *name,
		      struct aa_oci_loaded *ret);

/* rundir_loaded_drop - forget @name's record (it was unloaded). */
void rundir_loaded_drop(struct aa_oci_rundir *rd, const char *name);

void rundir_loaded_free(struct aa_oci_loaded *rec);

/*
 * rundir_loaded_list - the names of every profile with a record in
 * loaded/, sorted. Returns: 0 with a NULL-terminated list (NULL when there
 * is none), or -errno.
 */
int rundir_loaded_list(struct aa_oci_rundir *rd, char ***ret_names);

/* What a front-end let through: one container, and what it runs under. */
struct aa_oci_container {
	char *id;
	enum aa_oci_loader by; /* hook or runtime */
	char *profile;	       /* NULL: unconfined or none asked */
	enum aa_oci_mode mode;
	pid_t pid; /* the init pid when the stage has it, else 0 */
	time_t since;
	char *bundle;
	char *k8s_namespace, *k8s_pod, *k8s_container; /* from annotations */
	char *runtime, *root; /* aa-oci-runtime: the real runtime, its --root */
};

/*
 * rundir_container_put - record @c: one line appended to the container
 * journal, which a later put of the same id replaces. An id outside runc's
 * rule (policy_container_id) or a value with a control byte is refused.
 * Returns: 0 or -errno (a full run_dir: the record is not kept).
 */
int rundir_container_put(struct aa_oci_rundir *rd,
			 const struct aa_oci_container *c);

/*
 * rundir_container_get - @id's record. Returns: 0, -ENOENT (none, or only
 * a torn one), or -errno.
 */
int rundir_container_get(struct aa_oci_rundir *rd, const char *id,
			 struct aa_oci_container *ret);

/* rundir_container_drop - remove @id's record, if any. */
void rundir_container_drop(struct aa_oci_rundir *rd, const char *id);

/*
 * rundir_container_list - every record, oldest first. A torn line is
 * skipped; with @prune, so is a container whose pid is gone (one that
 * ended without poststop or delete), and both leave the journal.
 * Returns: 0 with a new array (free with rundir_container_list_free; NULL
 * when empty), or -errno; no journal is an empty list.
 */
int rundir_container_list(struct aa_oci_rundir *rd, bool prune,
			  struct aa_oci_container **ret, size_t *ret_n);

void rundir_container_free(struct aa_oci_container *c);
void rundir_container_list_free(struct aa_oci_container *v, size_t n);
