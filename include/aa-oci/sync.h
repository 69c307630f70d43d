/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The node agent (aa-oci sync): keep the kernel's profiles in step with
 * the profile files in some directories. Every file is compiled and loaded
 * through load_file(); with sync_watch(), a changed file is reloaded, a new
 * one loaded, and the profiles of a removed one unloaded, but only those
 * this agent brought into the kernel. That record survives a restart: it
 * is kept in <run_dir>/sync.state, one "NAME<TAB>FILE" line per profile.
 *
 * One bad file never stops the others: it is reported and skipped, and
 * whatever the kernel had from it before stays loaded.
 */
#pragma once

#include <stdbool.h>

#include "aa-oci/err.h"
#include "aa-oci/kernel.h"
#include "aa-oci/mode.h"
#include "aa-oci/config.h"
#include "aa-oci/oci.h"
#include "aa-oci/sync-record.h"

/* Watch mode: a burst of events is handled once no event came for
 * QUIET_MS, or MAX_DELAY_MS after its first event, whichever is first. */
#define AA_OCI_SYNC_QUIET_MS 100
#define AA_OCI_SYNC_MAX_DELAY_MS 500
/* A file must stay gone this long before its profiles are unloaded, so an
 * editor's rename-and-rewrite never unconfines a running container. */
#define AA_OCI_SYNC_REMOVE_GRACE_MS 1000

enum aa_oci_sync_kind {
	AA_OCI_SYNC_LOADED,   /* @path loaded; @names its profiles; @again
			       * when this agent had loaded it before */
	AA_OCI_SYNC_FAILED,   /* @path not loaded (skipped): @text */
	AA_OCI_SYNC_UNLOADED, /* @name unloaded; @path the file it was from */
	AA_OCI_SYNC_KEPT,     /* @name no longer in any file but left loaded:
			       * this agent did not load it first (@text) */
	AA_OCI_SYNC_ERROR,    /* a directory, the record, an unload: @text */
	AA_OCI_SYNC_PASS,     /* the end of a pass: @counts, and @text the
			       * line "pass: N loaded, N unchanged, N
			       * unloaded, N failed" */
};

/* What one pass did, file by file (a file counts once). */
struct aa_oci_sync_counts {
	unsigned loaded;    /* loaded or reloaded in this pass */
	unsigned unchanged; /* known, the same content, still loaded */
	unsigned unloaded;  /* profiles unloaded: their file is gone */
	unsigned failed;    /* files and directories that failed in this
			     * pass, and files still failing with the
			     * content an earlier pass failed on */
};

struct aa_oci_sync_event {
	enum aa_oci_sync_kind kind;
	const char *path;   /* a profile file or a directory, or NULL */
	const char *name;   /* one profile, or NULL */
	char *const *names; /* LOADED: NULL-terminated */
	bool again;	    /* LOADED */
	int code;	    /* -errno for FAILED and ERROR */
	const char *text;   /* one line, for FAILED, KEPT, ERROR and PASS */
	struct aa_oci_sync_counts counts; /* PASS */
};

/* Called for each event, from the thread running sync_scan/sync_watch. */
typedef void (*aa_oci_sync_report_fn)(const struct aa_oci_sync_event *ev,
				      void *userdata);

struct aa_oci_sync_opts {
	enum aa_oci_mode mode; /* what profiles are loaded in */
	/* directories (NULL-terminated, or NULL) whose profiles go into the
	 * config's profile_namespace, beside the @dirs of sync_new, which go
	 * into the root namespace */
	char *const *ns_dirs;
	aa_oci_sync_report_fn report;
	void *userdata;
};

struct aa_oci_sync;

/*
 * sync_new - an agent for @dirs (NULL-terminated; a relative path is taken
 * from the current directory). Creates @cfg's run_dir, takes the agent's
 * lock there for the agent's lifetime (one agent per run_dir, so two never
 * rewrite the record under each other) and reads the record. @k and @cfg
 * must outlive the agent.
 * Returns: 0, -EBUSY another agent holds the lock, or -errno, with a line
 * in @err.
 */
int sync_new(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
	     char *const *dirs, const struct aa_oci_sync_opts *opts,
	     struct aa_oci_sync **ret, struct aa_oci_err *err);

/* sync_free - release the agent and its lock (NULL is fine). */
void sync_free(struct aa_oci_sync *s);

/*
 * sync_scan - one pass over every directory: load each file this agent
 * has not loaded with its present content; unload what it loaded from
 * files that are gone (at once: no grace in a single pass). A missing
 * directory counts as empty; one that cannot be read is reported and its
 * files are left as they are.
 * Returns: the number of files and directories that failed (>= 0), or
 * -ENOMEM.
 */
int sync_scan(struct aa_oci_sync *s);

/*
 * sync_watch - sync_scan, then follow the directories with inotify until
 * @stop_fd is readable (a signalfd, or a pipe a test writes to). A
 * directory that is missing or goes away is looked for again every second.
 * Returns: 0 when stopped, or -errno when watching is impossible (with a
 * line in @err); a bad file is never a reason to return.
 */
int sync_watch(struct aa_oci_sync *s, int stop_fd, struct aa_oci_err *err);
