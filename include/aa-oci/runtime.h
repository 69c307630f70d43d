/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci-runtime: a wrapper around runc or crun that, on create and run,
 * loads the profile a container asks for and writes it into
 * process.apparmorProfile before exec'ing the real runtime.
 */
#pragma once

#include <stdbool.h>

#include "aa-oci/config.h"
#include "aa-oci/err.h"
#include "aa-oci/load.h"
#include "aa-oci/oci.h"

struct aa_oci_runtime_args {
	int command;	    /* index of the command in argv, or -1 */
	bool prepare;	    /* create or run: the bundle needs us */
	bool delete;	    /* delete: the container's record goes */
	bool help;	    /* a help or version request, of the runtime or
			     * of a command: nothing for us to do */
	const char *bundle; /* --bundle/-b value, NULL for the current dir */
	const char *id;	    /* the container id, when given */
	const char *log;    /* the runtime's --log file, when given */
	bool log_json;	    /* --log-format json */
	const char *root;   /* the runtime's --root, when given */
};

/*
 * runtime_log_error - also put a refusal where engines look for the
 * runtime's errors: containerd's shim and CRI-O read the --log file, not
 * stderr, when the runtime fails. Appends one JSON (or text) line.
 * Returns: 0 or -errno.
 */
int runtime_log_error(const struct aa_oci_runtime_args *a, const char *msg);

/*
 * runtime_parse_args - find the command, the bundle and the id in a runc or
 * crun command line (@argv[0] is the program). Global options before the
 * command, with or without "=" and with one or two dashes as Go's flag
 * package accepts, are skipped; so are create/run options that take a
 * value. Bundle forms: --bundle DIR, --bundle=DIR, -b DIR, -b=DIR, and the
 * one-dash long forms. A help or version request, before the command
 * (-h, --help, -v, --version, crun's -?, --usage, -V) or among the options
 * of create, run or delete (-h, --help, -?, --usage, where runc or crun
 * would answer it), sets help and clears prepare and delete: the runtime
 * then prints its help and starts nothing, so there is no bundle to read.
 * Returns: 0, or -EINVAL (an option lacks its value).
 */
int runtime_parse_args(int argc, char *const argv[],
		       struct aa_oci_runtime_args *ret);

/*
 * runtime_find - the real runtime: @env (AA_OCI_RUNTIME) if set, else the
 * config's "runtime", else the first of runc and crun in the usual Debian
 * paths. It must be an absolute path to an executable that is not this
 * wrapper itself.
 * Returns: 0 or -errno with a line in @err.
 */
int runtime_find(const char *env, const struct aa_oci_config *cfg,
		 char **ret_path, struct aa_oci_err *err);

struct aa_oci_runtime_report {
	char *profile;	       /* what the container gets, once known */
	enum aa_oci_mode mode; /* the mode asked for */
	bool written;	       /* config.json was rewritten */
	bool loaded;	       /* a load was needed and done */
	struct aa_oci_load_result load;
};

/*
 * runtime_prepare - the create/run work on @bundle: resolve, check, load,
 * rewrite config.json, and record the container (@a's id; none when @a
 * is NULL or names no id) in run_dir, with the real @runtime and @a's
 * --root, so `aa-oci status` can ask the runtime for its pid. On failure
 * config.json is untouched and the runtime must not be started. Returns: 0 or
 * -errno with one line in @err.
 */
int runtime_prepare(const char *apparmorfs, const struct aa_oci_config *cfg,
		    const char *bundle, const struct aa_oci_runtime_args *a,
		    const char *runtime, struct aa_oci_runtime_report *ret,
		    struct aa_oci_err *err);

/*
 * runtime_forget - the delete work for container @id: unload its private
 * copy of a profile (complain for this container alone), if it had one,
 * and drop its record.
 * Returns: 0 or -errno with a line in @err (the record is dropped all the
 * same).
 */
int runtime_forget(const char *apparmorfs, const struct aa_oci_config *cfg,
		   const char *id, struct aa_oci_err *err);

void runtime_report_free(struct aa_oci_runtime_report *r);
