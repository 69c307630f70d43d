/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci-runtime: an OCI runtime wrapper. On create and run it makes sure
 * the profile the container asks for is loaded and written into
 * process.apparmorProfile; then, for every command, it execs the real
 * runtime (runc or crun) with the arguments it was given. A help or version
 * request, of the runtime or of a command, goes straight to the runtime
 * (runtime_parse_args says which): no bundle, no record.
 *
 * Its own options come first and are not passed on:
 *   --apparmorfs DIR     AppArmor securityfs root
 *   --aa-oci-config FILE settings file
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/config.h"
#include "aa-oci/log.h"
#include "aa-oci/resolve.h"
#include "aa-oci/runtime.h"
#include "aa-oci/util.h"

/* Take "--NAME VALUE" or "--NAME=VALUE" at argv[*i]; advance *i. */
static bool own_option(char **argv, int argc, int *i, const char *name,
		       const char **ret)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return false;
	if (a[n] == '=') {
		*ret = a + n + 1;
		return true;
	}
	if (a[n] != '\0' || *i + 1 >= argc)
		return false;
	*ret = argv[++*i];
	return true;
}

int main(int argc, char **argv)
{
	const char *apparmorfs = AA_OCI_APPARMORFS;
	const char *config_path = AA_OCI_CONFIG_FILE;
	const char *env = getenv("AA_OCI_RUNTIME");
	struct aa_oci_config cfg = {0};
	struct aa_oci_runtime_args a;
	struct aa_oci_err err = {0};
	_cleanup_free_ char *runtime = NULL;
	bool config_required = false;
	char **nargv;
	char id[13] = "-";
	int first = 1, r;

	log_open("aa-oci-runtime", getenv("AA_OCI_DEBUG") != NULL);
	while (first < argc) {
		int i = first;

		if (own_option(argv, argc, &i, "--apparmorfs", &apparmorfs)) {
		} else if (own_option(argv, argc, &i, "--aa-oci-config",
				      &config_path)) {
			config_required = true;
		} else {
			break;
		}
		first = i + 1;
	}
	/* The runtime sees its own argv[0] and everything after ours. */
	argv[first - 1] = argv[0];
	argv += first - 1;
	argc -= first - 1;

	/* Alone, --version and --help speak for us first, then for the
	 * runtime, whose own lines engines parse (runc version, commit:). */
	if (argc == 2 && (streq(argv[1], "--version") || streq(argv[1], "-v")))
		printf("aa-oci-runtime version %s\n", AA_OCI_VERSION);
	if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h")))
		printf("aa-oci-runtime %s: on create and run, loads the "
		       "AppArmor profile the\n"
		       "container asks for and writes it into "
		       "process.apparmorProfile, then runs\n"
		       "the real runtime with the same arguments. Its own "
		       "options, first:\n"
		       "  --apparmorfs DIR      AppArmor securityfs root "
		       "(default %s)\n"
		       "  --aa-oci-config FILE  settings (default %s)\n"
		       "The real runtime: $AA_OCI_RUNTIME, else \"runtime\" in "
		       "the settings,\n"
		       "else runc or crun. Its help follows.\n\n",
		       AA_OCI_VERSION, AA_OCI_APPARMORFS, AA_OCI_CONFIG_FILE);
	fflush(stdout);
	if (runtime_parse_args(argc, argv, &a) < 0) {
		log_error("an option is missing its value; see runc --help");
		return 1;
	}
	if (a.id)
		short_id(a.id, id);
	/* Pass-through commands read the config file only to find the
	 * runtime, and not even that when AA_OCI_RUNTIME is set. */
	if (a.prepare || a.delete || !env || !env[0]) {
		r = config_load(config_path, config_required, &cfg, &err);
		/* A broken config file must not keep a container from
		 * being deleted: only its record is then left behind. */
		if (r < 0 && a.delete &&env && env[0] &&
		    config_init(&cfg) == 0) {
			log_warning("%s: %s", id, err.text);
		} else if (r < 0) {
			log_error("%s: %s", id, err.text);
			return 1;
		}
	} else if (config_init(&cfg) < 0) {
		return 1;
	}
	r = runtime_find(env, &cfg, &runtime, &err);
	if (r < 0) {
		log_error("%s: %s", id, err.text);
		config_free(&cfg);
		return 1;
	}
	if (a.prepare) {
		struct aa_oci_runtime_report rep;
		const char *bundle = a.bundle ? a.bundle : ".";

		r = runtime_prepare(apparmorfs, &cfg, bundle, &a, runtime, &rep,
				    &err);
		if (r < 0) {
			char line[AA_OCI_ERR_MAX + 300];

			if (rep.profile)
				snprintf(
				    line, sizeof(line),
				    "aa-oci-runtime: %s: profile \"%s\": %s",
				    id, rep.profile, err.text);
			else
				snprintf(line, sizeof(line),
					 "aa-oci-runtime: %s: %s", id,
					 err.text);
			log_error("%s", line + strlen("aa-oci-runtime: "));
			(void)runtime_log_error(&a, line);
			runtime_report_free(&rep);
			config_free(&cfg);
			return 1;
		}
		if (rep.load.warning[0])
			log_warning("%s: profile \"%s\": %s", id, rep.profile,
				    rep.load.warning);
		if (rep.load.note)
			log_warning(
			    "%s: profile \"%s\": %s mode asked, but it %s", id,
			    rep.profile, mode_name(rep.mode), rep.load.note);
		if (rep.loaded || rep.written)
			log_info("%s: profile \"%s\": %s%s%s", id,
				 rep.profile ? rep.profile : "unconfined",
				 rep.loaded ? "loaded" : "",
				 rep.loaded && rep.written ? ", " : "",
				 rep.written ? "set in config.json" : "");
		runtime_report_free(&rep);
	}
	/* The container goes: so do its private copy and its record. A
	 * failure is said, and the runtime still deletes the container. */
	if (a.delete &&a.id && runtime_forget(apparmorfs, &cfg, a.id, &err) < 0)
		log_warning("%s: %s", id, err.text);
	config_free(&cfg);

	nargv = argv;
	nargv[0] = runtime;
	execv(runtime, nargv);
	log_error("%s: cannot execute %s: %s", id, runtime, strerror(errno));
	return 1;
}
