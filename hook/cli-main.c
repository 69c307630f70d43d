/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aa-oci: the administrator's command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "aa-oci/config.h"
#include "aa-oci/generate.h"
#include "aa-oci/kernel.h"
#include "aa-oci/load.h"
#include "aa-oci/log.h"
#include "aa-oci/resolve.h"
#include "aa-oci/util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: aa-oci COMMAND [OPTIONS]\n"
		"\n"
		"Commands:\n"
		"  generate TEMPLATE [--name NAME] [--apparmorfs DIR]\n"
		"        print a built-in default profile for this kernel; TEMPLATE is\n"
		"        docker-default, lxc-container-default or lxc-container-default-cgns\n"
		"  help, --help, --version\n"
		"\n"
		"--apparmorfs DIR selects the AppArmor securityfs root (default %s).\n",
		AA_OCI_APPARMORFS);
}

static int cmd_generate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"apparmorfs", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *apparmorfs = AA_OCI_APPARMORFS, *name = NULL;
	_cleanup_free_ char *text = NULL;
	struct aa_oci_err err = {0};
	struct aa_oci_kernel *k = NULL;
	enum aa_oci_template t;
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'a':
			apparmorfs = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		log_error("generate: name one template: docker-default, lxc-container-default or lxc-container-default-cgns");
		return 2;
	}
	if (generate_template_from_name(argv[optind], &t) < 0) {
		log_error("generate: unknown template \"%s\"; use docker-default, lxc-container-default or lxc-container-default-cgns",
			  argv[optind]);
		return 2;
	}
	if (!name)
		name = generate_template_name(t);
	r = profile_name_validate(name, &err);
	if (r < 0) {
		log_error("generate: --name: %s", err.text);
		return 1;
	}
	r = kernel_open(apparmorfs, &k, &err);
	if (r == 0)
		r = load_generate_text(k, t, name, &text, &err);
	kernel_close(k);
	if (r < 0) {
		log_error("generate: %s", err.text[0] ? err.text : strerror(-r));
		return 1;
	}
	fputs(text, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *cmd;

	log_open("aa-oci", false);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (streq(cmd, "--help") || streq(cmd, "help") || streq(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (streq(cmd, "--version") || streq(cmd, "version")) {
		printf("aa-oci %s\n", AA_OCI_VERSION);
		return 0;
	}
	if (streq(cmd, "generate"))
		return cmd_generate(argc - 1, argv + 1);
	log_error("unknown command \"%s\"; see aa-oci --help", cmd);
	return 2;
}
