/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aa-oci: the administrator's command line. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/signalfd.h>

#include "cleanup.h"
#include "aa-oci/cache.h"
#include "aa-oci/config.h"
#include "aa-oci/configure.h"
#include "aa-oci/generate.h"
#include "aa-oci/manage.h"
#include "aa-oci/kernel.h"
#include "aa-oci/load.h"
#include "aa-oci/log.h"
#include "aa-oci/resolve.h"
#include "aa-oci/status.h"
#include "aa-oci/sync.h"
#include "aa-oci/util.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: aa-oci COMMAND [OPTIONS]\n"
	    "\n"
	    "Commands:\n"
	    "  reload [--force] [NAME...]   enforce [--force] NAME   complain "
	    "[--force] NAME\n"
	    "        load profiles again from their sources (all aa-oci "
	    "loaded, "
	    "without\n"
	    "        NAME), or in enforce / complain mode; only profiles "
	    "aa-oci "
	    "loaded,\n"
	    "        unless --force\n"
	    "  unload [--force] NAME...   unload --all\n"
	    "        unload profiles aa-oci loaded (others with --force), or "
	    "with --all\n"
	    "        its whole policy namespace (profile_namespace) in one "
	    "write\n"
	    "  logs [--follow] [--container ID] [--pod NS/NAME] [--profile "
	    "NAME]\n"
	    "       [--since TIME] [--json]\n"
	    "        the kernel's AppArmor records, each with the container it "
	    "came from\n"
	    "  suggest (--container ID | --profile NAME) [--write] [--reload] "
	    "[--force]\n"
	    "        rules for /etc/apparmor.d/local/NAME from the records; "
	    "--write appends\n"
	    "        them (checked with the parser), --reload loads the "
	    "profile again\n"
	    "  status [--json] [--apparmorfs DIR] [--config FILE]\n"
	    "        each profile aa-oci knows (mode, who loaded it, source) "
	    "and each\n"
	    "        container (profile, mode, pid, and whether its process "
	    "carries the label)\n"
	    "  generate TEMPLATE [--name NAME] [--explain] [--apparmorfs DIR] "
	    "[--config FILE]\n"
	    "        print a built-in default profile for this kernel and "
	    "parser; TEMPLATE\n"
	    "        is docker-default, lxc-container-default or "
	    "lxc-container-default-cgns;\n"
	    "        --explain notes which engine rule each group mirrors\n"
	    "  sync [--watch] [--apparmorfs DIR] [--config FILE] [--debug] "
	    "[DIR...]\n"
	    "       [--namespaced DIR]...\n"
	    "        compile and load every profile file in the directories; a "
	    "file\n"
	    "        that fails is reported and skipped. With --watch, keep "
	    "going until\n"
	    "        SIGTERM: reload a changed file, load a new one, and "
	    "unload the\n"
	    "        profiles of a removed one if aa-oci sync loaded them "
	    "(recorded\n"
	    "        in %s in run_dir, default %s). Without --watch, exit 1\n"
	    "        when a file failed. A DIR goes into the root namespace "
	    "(where engines\n"
	    "        that check a profile themselves look); --namespaced DIR "
	    "into\n"
	    "        profile_namespace, where aa-oci-runtime and aa-oci-exec "
	    "load\n"
	    "  cache list|clear [--config FILE]\n"
	    "        show or empty the binary policy cache (cache_dir, default "
	    "%s)\n"
	    "  configure docker|containerd|crio|podman [--set-as-default] "
	    "[--dry-run]\n"
	    "            [--config FILE]\n"
	    "  configure --undo ENGINE [--dry-run] [--config FILE]\n"
	    "  configure ENGINE --print [--set-as-default]\n"
	    "        add the runtime \"aa-oci\" to the engine's own "
	    "configuration (a drop-in\n"
	    "        where the engine has them; a backup FILE.aa-oci-backup "
	    "of a file\n"
	    "        changed), print a diff instead with --dry-run, or undo "
	    "it; --config\n"
	    "        names daemon.json, config.toml, or the drop-in "
	    "directory of crio\n"
	    "        and podman\n"
	    "  help, --help, --version\n"
	    "\n"
	    "--apparmorfs DIR selects the AppArmor securityfs root (default "
	    "%s).\n"
	    "--config FILE reads the settings (parser, run_dir, ...) from "
	    "FILE\n"
	    "(default %s).\n",
	    RUNDIR_SYNC_STATE, AA_OCI_RUN_DIR, AA_OCI_CACHE_DIR,
	    AA_OCI_APPARMORFS, AA_OCI_CONFIG_FILE);
}

static int cmd_generate(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"name", required_argument, NULL, 'n'},
	    {"apparmorfs", required_argument, NULL, 'a'},
	    {"config", required_argument, NULL, 'c'},
	    {"explain", no_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *apparmorfs = AA_OCI_APPARMORFS, *name = NULL;
	const char *config_path = AA_OCI_CONFIG_FILE;
	bool config_required = false, explain = false;
	_cleanup_free_ char *text = NULL;
	struct aa_oci_config cfg = {0};
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
		case 'c':
			config_path = optarg;
			config_required = true;
			break;
		case 'e':
			explain = true;
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
		log_error(
		    "generate: name one template: docker-default, "
		    "lxc-container-default or lxc-container-default-cgns");
		return 2;
	}
	if (generate_template_from_name(argv[optind], &t) < 0) {
		log_error(
		    "generate: unknown template \"%s\"; use docker-default, "
		    "lxc-container-default or lxc-container-default-cgns",
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
	/* The settings name the parser, whose version decides some rules. */
	r = config_load(config_path, config_required, &cfg, &err);
	if (r == 0)
		r = kernel_open(apparmorfs, &k, &err);
	if (r == 0)
		r = load_generate_text(k, &cfg, t, name, explain, &text, &err);
	kernel_close(k);
	config_free(&cfg);
	if (r < 0) {
		log_error("generate: %s",
			  err.text[0] ? err.text : strerror(-r));
		return 1;
	}
	fputs(text, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* "a", "b", ... for a log line, cut short when very long. */
static void join_names(char *const *names, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (char *const *n = names; n && *n; n++) {
		int k = snprintf(buf + used, size - used, "%s\"%s\"",
				 used ? ", " : "", *n);

		if (k < 0 || (size_t)k >= size - used) {
			snprintf(buf + (used < size - 5 ? used : size - 5), 5,
				 "...");
			return;
		}
		used += (size_t)k;
	}
}

static void sync_report(const struct aa_oci_sync_event *ev, void *userdata)
{
	char names[1024];

	switch (ev->kind) {
	case AA_OCI_SYNC_LOADED:
		join_names(ev->names, names, sizeof(names));
		log_info("sync: %s %s from %s",
			 ev->again ? "reloaded" : "loaded", names, ev->path);
		break;
	case AA_OCI_SYNC_FAILED:
		log_error("sync: skipped %s: %s", ev->path, ev->text);
		break;
	case AA_OCI_SYNC_UNLOADED:
		log_info("sync: unloaded \"%s\": no profile file defines it "
			 "any more (it was loaded from %s)",
			 ev->name, ev->path);
		break;
	case AA_OCI_SYNC_KEPT:
		log_info("sync: left \"%s\" loaded though no profile file "
			 "defines it any more: %s",
			 ev->name, ev->text);
		break;
	case AA_OCI_SYNC_ERROR:
		if (ev->name)
			log_error("sync: profile \"%s\" (from %s): %s",
				  ev->name, ev->path, ev->text);
		else if (ev->path)
			log_error("sync: %s: %s", ev->path, ev->text);
		else
			log_error("sync: %s", ev->text);
		break;
	case AA_OCI_SYNC_PASS:
		log_info("sync: %s", ev->text);
		break;
	}
}

/* Block SIGTERM and SIGINT and read them from a signalfd instead. */
static int stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* sync_new, waiting while another agent holds the lock (a rolling update
 * starts the new agent before the old one has stopped). */
static int sync_open_wait(struct aa_oci_kernel *k,
			  const struct aa_oci_config *cfg, char *const *dirs,
			  const struct aa_oci_sync_opts *so, int stop_fd,
			  struct aa_oci_sync **ret, struct aa_oci_err *err)
{
	bool said = false;

	for (;;) {
		struct pollfd p = {.fd = stop_fd, .events = POLLIN};
		int r = sync_new(k, cfg, dirs, so, ret, err);

		if (r != -EBUSY || stop_fd < 0)
			return r;
		if (!said)
			log_info("sync: %s; waiting for it to stop", err->text);
		said = true;
		if (poll(&p, 1, 1000) > 0)
			return -ECANCELED;
	}
}

static int cmd_sync(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"watch", no_argument, NULL, 'w'},
	    {"apparmorfs", required_argument, NULL, 'a'},
	    {"config", required_argument, NULL, 'c'},
	    {"debug", no_argument, NULL, 'd'},
	    {"namespaced", required_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *apparmorfs = AA_OCI_APPARMORFS;
	const char *config_path = AA_OCI_CONFIG_FILE;
	bool watch = false, config_required = false, debug = false;
	_cleanup_free_ char **ns_dirs =
	    calloc((size_t)argc + 1, sizeof(char *));
	size_t nns = 0;
	struct aa_oci_config cfg = {0};
	struct aa_oci_err err = {0};
	struct aa_oci_kernel *k = NULL;
	struct aa_oci_sync *s = NULL;
	struct aa_oci_sync_opts so = {
	    .mode = AA_OCI_MODE_ENFORCE,
	    .report = sync_report,
	};
	_cleanup_close_ int sfd = -1;
	int c, r, status = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			watch = true;
			break;
		case 'a':
			apparmorfs = optarg;
			break;
		case 'c':
			config_path = optarg;
			config_required = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'N':
			if (ns_dirs)
				ns_dirs[nns++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!ns_dirs)
		return 1;
	so.ns_dirs = ns_dirs;
	if (optind >= argc && nns == 0) {
		log_error("sync: name at least one profile directory, e.g. "
			  "/etc/apparmor.d/containers");
		return 2;
	}
	/* What the agent does is its output: info lines go to stderr too. */
	log_open("aa-oci", true);

	if (watch) {
		sfd = stop_signals();
		if (sfd < 0) {
			log_error("sync: cannot set up signal handling: %s",
				  strerror(-sfd));
			return 1;
		}
	}
	r = config_load(config_path, config_required, &cfg, &err);
	if (r == 0)
		r = kernel_open(apparmorfs, &k, &err);
	if (r == 0)
		r = sync_open_wait(k, &cfg, argv + optind, &so, sfd, &s, &err);
	if (r == -ECANCELED) {
		status = 0;
		goto out;
	}
	if (r < 0) {
		log_error("sync: %s", err.text[0] ? err.text : strerror(-r));
		goto out;
	}
	if (debug)
		log_info("sync: %s%s with %s, record in %s/%s",
			 watch ? "watching " : "loading ",
			 optind < argc ? argv[optind] : ns_dirs[0], cfg.parser,
			 cfg.run_dir, RUNDIR_SYNC_STATE);
	if (watch) {
		r = sync_watch(s, sfd, &err);
		if (r < 0)
			log_error("sync: %s",
				  err.text[0] ? err.text : strerror(-r));
		else
			log_info("sync: stopped");
		status = r < 0 ? 1 : 0;
	} else {
		r = sync_scan(s);
		if (r < 0)
			log_error("sync: %s", strerror(-r));
		status = r == 0 ? 0 : 1;
	}
out:
	sync_free(s);
	kernel_close(k);
	config_free(&cfg);
	return status;
}

static int cmd_cache(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *config_path = AA_OCI_CONFIG_FILE;
	struct aa_oci_config cfg = {0};
	struct aa_oci_err err = {0};
	bool required = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			required = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 ||
	    (!streq(argv[optind], "list") && !streq(argv[optind], "clear"))) {
		log_error("cache: name what to do: aa-oci cache list, or "
			  "aa-oci cache clear");
		return 2;
	}
	r = config_load(config_path, required, &cfg, &err);
	if (r < 0) {
		log_error("cache: %s", err.text);
		return 1;
	}
	if (!cfg.cache_dir) {
		printf(
		    "the policy cache is turned off (\"cache_dir\": \"\")\n");
		config_free(&cfg);
		return 0;
	}
	if (streq(argv[optind], "list")) {
		r = status_cache_print(&cfg, stdout);
		if (r < 0)
			log_error("cache list: %s: %s", cfg.cache_dir,
				  strerror(-r));
	} else {
		size_t removed = 0;

		r = cache_clear(cfg.cache_dir, &removed);
		if (r < 0)
			log_error("cache clear: %s: %s", cfg.cache_dir,
				  strerror(-r));
		else
			printf(
			    "cleared %s (%zu features directories removed)\n",
			    cfg.cache_dir, removed);
	}
	config_free(&cfg);
	return r < 0 ? 1 : 0;
}

static int cmd_configure(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"set-as-default", no_argument, NULL, 's'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"undo", no_argument, NULL, 'u'},
	    {"print", no_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct aa_oci_configure_opts o = {
	    .runtime = AA_OCI_BINDIR "/aa-oci-runtime",
	};
	struct aa_oci_configure_plan p = {0};
	struct aa_oci_err err = {0};
	bool dry_run = false, print = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case 's':
			o.set_default = true;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'u':
			o.undo = true;
			break;
		case 'p':
			print = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 ||
	    configure_engine_from_name(argv[optind], &o.engine) < 0) {
		log_error("configure: name one engine: docker, containerd, "
			  "crio or podman");
		return 2;
	}
	if (o.undo && o.set_default) {
		log_error("configure: --undo takes no --set-as-default");
		return 2;
	}
	if (print) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;

		if (o.undo || dry_run || o.config) {
			log_error("configure: --print takes only "
				  "--set-as-default");
			return 2;
		}
		r = configure_snippet(&o, &text, &len);
		if (r < 0) {
			log_error("configure %s: %s", argv[optind],
				  strerror(-r));
			return 1;
		}
		fwrite(text, 1, len, stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	r = configure_plan(&o, &p, &err);
	if (r < 0) {
		log_error("configure %s: %s", argv[optind],
			  err.text[0] ? err.text : strerror(-r));
		return 1;
	}
	if (p.n == 0) {
		printf("%s: %s\n", p.engine,
		       o.undo ? "not configured by aa-oci, nothing to undo"
			      : "already configured, nothing changed");
		return 0;
	}
	if (dry_run) {
		_cleanup_free_ char *diff = NULL;

		r = configure_diff(&p, &diff);
		if (r == 0)
			fputs(diff, stdout);
		configure_plan_free(&p);
		return r < 0 || fflush(stdout) != 0 ? 1 : 0;
	}
	r = configure_apply(&p, &err);
	if (r < 0) {
		log_error("configure %s: %s; nothing was changed", argv[optind],
			  err.text);
		configure_plan_free(&p);
		return 1;
	}
	for (size_t i = 0; i < p.n; i++) {
		const struct aa_oci_configure_file *f = &p.files[i];

		switch (f->action) {
		case CONFIGURE_CREATE:
			printf("created %s\n", f->path);
			break;
		case CONFIGURE_UPDATE:
			printf("updated %s%s%s%s\n", f->path,
			       f->backup ? " (the file from before: " : "",
			       f->backup ? f->path : "",
			       f->backup ? CONFIGURE_BACKUP_SUFFIX ")" : "");
			break;
		case CONFIGURE_RESTORE:
			printf("restored %s from %s" CONFIGURE_BACKUP_SUFFIX
			       "\n",
			       f->path, f->path);
			break;
		case CONFIGURE_REMOVE:
			printf("removed %s\n", f->path);
			break;
		}
	}
	if (p.restart)
		printf("now run: %s\n", p.restart);
	else
		printf("%s reads it at its next command: nothing to "
		       "restart\n",
		       p.engine);
	configure_plan_free(&p);
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
	if (streq(cmd, "status"))
		return manage_status(argc - 1, argv + 1);
	if (streq(cmd, "logs"))
		return manage_logs(argc - 1, argv + 1);
	if (streq(cmd, "suggest"))
		return manage_suggest(argc - 1, argv + 1);
	if (streq(cmd, "reload") || streq(cmd, "enforce") ||
	    streq(cmd, "complain"))
		return manage_reload(cmd, argc - 1, argv + 1);
	if (streq(cmd, "unload"))
		return manage_unload(argc - 1, argv + 1);
	if (streq(cmd, "generate"))
		return cmd_generate(argc - 1, argv + 1);
	if (streq(cmd, "cache"))
		return cmd_cache(argc - 1, argv + 1);
	if (streq(cmd, "sync"))
		return cmd_sync(argc - 1, argv + 1);
	if (streq(cmd, "configure"))
		return cmd_configure(argc - 1, argv + 1);
	log_error("unknown command \"%s\"; see aa-oci --help", cmd);
	return 2;
}
