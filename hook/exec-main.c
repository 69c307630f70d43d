/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci-exec: run a command under an AppArmor profile, loaded on demand,
 * optionally with no_new_privs and a seccomp filter. For LXC, systemd units
 * and plain processes. Like env(1) and aa-exec(8): 126 when something
 * fails before the command runs, 127 when the command is not found; and
 * like aa-exec, -p is --profile.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aa-oci/config.h"
#include "aa-oci/exec.h"
#include "aa-oci/log.h"

#define EXIT_CANNOT 126
#define EXIT_NOTFOUND 127

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: aa-oci-exec [OPTIONS] -- COMMAND [ARGS...]\n"
		"\n"
		"Run COMMAND confined by an AppArmor profile, loading it first "
		"when the\n"
		"kernel does not have it.\n"
		"\n"
		"  -p, --profile NAME   the profile (NAME, localhost/NAME, "
		"runtime/default)\n"
		"  --bundle DIR         take profile, seccomp and "
		"noNewPrivileges from DIR/config.json\n"
		"  --mode MODE          enforce (default) or complain, when it "
		"must be loaded\n"
		"  --no-load            never load; the profile must be loaded "
		"already\n"
		"  --seccomp FILE       install the OCI linux.seccomp filter "
		"in FILE\n"
		"  --seccomp-default    install the built-in filter (Docker's "
		"refusals)\n"
		"  --no-new-privs       set no_new_privs before exec\n"
		"  --apparmorfs DIR     AppArmor securityfs root (default %s)\n"
		"  --config FILE        settings (default %s)\n"
		"  --debug, --help, --version\n",
		AA_OCI_APPARMORFS, AA_OCI_CONFIG_FILE);
}

/* One line for a bad option: getopt's own and the whole usage are many. */
static void bad_option(const struct option *opts, const char *arg, int opt)
{
	size_t n = strcspn(arg, "=");

	if (strncmp(arg, "--", 2) != 0) {
		fprintf(stderr,
			"aa-oci-exec: unknown option -%c; see aa-oci-exec "
			"--help\n",
			opt);
		return;
	}
	for (; opts->name; opts++)
		if (strlen(opts->name) == n - 2 &&
		    strncmp(opts->name, arg + 2, n - 2) == 0) {
			fprintf(stderr,
				"aa-oci-exec: %.*s takes no value; see "
				"aa-oci-exec --help\n",
				(int)n, arg);
			return;
		}
	fprintf(stderr,
		"aa-oci-exec: unknown option %.*s; see aa-oci-exec --help\n",
		(int)n, arg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"profile", required_argument, NULL, 'p'},
	    {"bundle", required_argument, NULL, 'b'},
	    {"mode", required_argument, NULL, 'm'},
	    {"no-load", no_argument, NULL, 'L'},
	    {"seccomp", required_argument, NULL, 's'},
	    {"seccomp-default", no_argument, NULL, 'S'},
	    {"no-new-privs", no_argument, NULL, 'n'},
	    {"apparmorfs", required_argument, NULL, 'a'},
	    {"config", required_argument, NULL, 'c'},
	    {"debug", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {0},
	};
	struct aa_oci_exec_opts o = {
	    .apparmorfs = AA_OCI_APPARMORFS,
	    .config_path = AA_OCI_CONFIG_FILE,
	};
	struct aa_oci_exec_plan plan;
	struct aa_oci_err err = {0};
	bool debug = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "+:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.profile = optarg;
			break;
		case 'b':
			o.bundle = optarg;
			break;
		case 'm':
			o.mode = optarg;
			break;
		case 'L':
			o.no_load = true;
			break;
		case 's':
			o.seccomp_file = optarg;
			break;
		case 'S':
			o.seccomp_default = true;
			break;
		case 'n':
			o.no_new_privs = true;
			break;
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
			printf("aa-oci-exec %s\n", AA_OCI_VERSION);
			return 0;
		case ':': /* one line, not getopt's and the usage */
			fprintf(stderr,
				"aa-oci-exec: %s needs a value; see "
				"aa-oci-exec --help\n",
				argv[optind - 1]);
			return EXIT_CANNOT;
		default:
			bad_option(opts, argv[optind - 1], optopt);
			return EXIT_CANNOT;
		}
	}
	log_open("aa-oci-exec", debug);
	if (optind >= argc) {
		log_error("no command given; see aa-oci-exec --help");
		return EXIT_CANNOT;
	}

	r = exec_plan(&o, &plan, &err);
	if (r < 0) {
		log_error("%s", err.text);
		return EXIT_CANNOT;
	}
	for (size_t i = 0; i < plan.report.n_skipped_names; i++)
		fprintf(stderr,
			"aa-oci-exec: warning: seccomp: syscall \"%s\" is "
			"unknown on this architecture, skipped\n",
			plan.report.skipped_names[i]);
	for (size_t i = 0; i < plan.report.n_skipped_arches; i++)
		fprintf(stderr,
			"aa-oci-exec: warning: seccomp: architecture \"%s\" is "
			"unknown to libseccomp, skipped\n",
			plan.report.skipped_arches[i]);
	r = exec_apply(&o, &plan, &err);
	if (r < 0) {
		if (plan.profile)
			log_error("profile \"%s\": %s", plan.profile, err.text);
		else
			log_error("%s", err.text);
		exec_plan_free(&plan);
		return EXIT_CANNOT;
	}
	log_debug("exec %s%s%s%s%s", argv[optind],
		  plan.profile ? " under " : "",
		  plan.profile ? plan.profile : "",
		  plan.no_new_privs ? ", no_new_privs" : "",
		  plan.filter ? ", seccomp" : "");
	execvp(argv[optind], argv + optind);
	r = errno;
	log_error("%s: %s", argv[optind], strerror(r));
	return r == ENOENT ? EXIT_NOTFOUND : EXIT_CANNOT;
}
