/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci-hook: an OCI hook (createRuntime, prestart, createContainer,
 * poststop) that loads the AppArmor profile a container asks for before
 * the runtime applies it, or refuses the container.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aa-oci/config.h"
#include "aa-oci/hook.h"
#include "aa-oci/log.h"
#include "aa-oci/lxc.h"
#include "aa-oci/resolve.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: aa-oci-hook [--apparmorfs DIR] [--config FILE] [--debug] "
	    "STAGE\n"
	    "       aa-oci-hook [--apparmorfs DIR] [--config FILE] [--debug] "
	    "lxc [NAME SECTION TYPE]\n"
	    "\n"
	    "OCI hook: reads the container state on stdin and makes sure the "
	    "AppArmor\n"
	    "profile the container asks for is loaded; exits 1, refusing the "
	    "container,\n"
	    "when it cannot be.\n"
	    "\n"
	    "STAGE is createRuntime, prestart, createContainer or poststop.\n"
	    "\"lxc\" is LXC's lxc.hook.pre-start (hook version 1, or 0's "
	    "arguments):\n"
	    "it loads the container's lxc.apparmor.profile.\n"
	    "  --apparmorfs DIR  AppArmor securityfs root (default %s)\n"
	    "  --config FILE     settings (default %s)\n"
	    "  --debug           say what is done on stderr\n"
	    "  --help, --version\n",
	    AA_OCI_APPARMORFS, AA_OCI_CONFIG_FILE);
}

/* aa-oci-hook [options] lxc [NAME SECTION TYPE ...]: LXC's pre-start hook. */
static int main_lxc(const struct aa_oci_hook_opts *ho, int argc, char **argv)
{
	struct aa_oci_lxc_opts o = {
	    .apparmorfs = ho->apparmorfs,
	    .config_path = ho->config_path,
	    .config_required = ho->config_required,
	    .argv = argv,
	    .argc = argc,
	    .env_name = getenv("LXC_NAME"),
	    .env_hook_type = getenv("LXC_HOOK_TYPE"),
	    .env_config_file = getenv("LXC_CONFIG_FILE"),
	    .env_cgns_aware = getenv("LXC_CGNS_AWARE"),
	};
	struct aa_oci_lxc_report rep;
	struct aa_oci_err err = {0};
	int r = lxc_hook_run(&o, &rep, &err);
	const char *name = rep.name ? rep.name : "-";
	const char *text = err.text[0] ? err.text : strerror(-r);

	if (r < 0 && rep.profile)
		log_error("lxc %s: profile \"%s\": %s", name, rep.profile,
			  text);
	else if (r < 0)
		log_error("lxc %s: %s", name, text);
	else if (rep.load.note)
		log_warning(
		    "lxc %s: profile \"%s\": enforce mode asked, but it %s",
		    name, rep.profile, rep.load.note);
	else if (rep.loaded)
		log_info("lxc %s: profile \"%s\": loaded (%s) from %s", name,
			 rep.profile, mode_name(rep.load.mode),
			 rep.load.source ? rep.load.source
					 : "the built-in default");
	else if (rep.skipped)
		log_debug("lxc %s: %s", name, rep.skipped);
	else
		log_debug("lxc %s: profile \"%s\": already loaded (%s)", name,
			  rep.profile, mode_name(rep.load.mode));
	lxc_report_free(&rep);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"apparmorfs", required_argument, NULL, 'a'},
	    {"config", required_argument, NULL, 'c'},
	    {"debug", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {0},
	};
	struct aa_oci_hook_opts o = {
	    .apparmorfs = AA_OCI_APPARMORFS,
	    .config_path = AA_OCI_CONFIG_FILE,
	};
	struct aa_oci_hook_report rep;
	struct aa_oci_err err = {0};
	bool debug = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o.apparmorfs = optarg;
			break;
		case 'c':
			o.config_path = optarg;
			o.config_required = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("aa-oci-hook %s\n", AA_OCI_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc && strcmp(argv[optind], "lxc") == 0) {
		log_open("aa-oci-hook", debug);
		return main_lxc(&o, argc - optind - 1, argv + optind + 1);
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	o.stage = argv[optind];
	log_open("aa-oci-hook", debug);

	r = hook_run(&o, STDIN_FILENO, &rep, &err);
	if (r < 0) {
		const char *id = rep.id[0] ? rep.id : "-";

		if (rep.profile)
			log_error("%s: profile \"%s\": %s", id, rep.profile,
				  err.text[0] ? err.text : strerror(-r));
		else
			log_error("%s: %s", id,
				  err.text[0] ? err.text : strerror(-r));
		hook_report_free(&rep);
		return 1;
	}
	if (rep.load.warning[0])
		log_warning("%s: profile \"%s\": %s", rep.id, rep.profile,
			    rep.load.warning);
	if (rep.load.note)
		log_warning("%s: profile \"%s\": %s mode asked, but it %s",
			    rep.id, rep.profile, mode_name(rep.mode),
			    rep.load.note);
	if (rep.loaded)
		log_info(
		    "%s: profile \"%s\": loaded (%s) from %s%s", rep.id,
		    rep.profile, mode_name(rep.load.mode),
		    rep.load.source ? rep.load.source : "the built-in default",
		    rep.load.from_cache ? ", compiled policy from the cache"
					: "");
	else if (rep.profile)
		log_debug("%s: profile \"%s\": already loaded (%s)", rep.id,
			  rep.profile, mode_name(rep.load.mode));
	else
		log_debug("%s: %s: no profile to load", rep.id, o.stage);
	hook_report_free(&rep);
	return 0;
}
