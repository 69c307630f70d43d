/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands of aa-oci that manage what runs: status, logs, suggest,
 * reload, enforce, complain, unload (cli-main.c dispatches to them).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "aa-oci/audit.h"
#include "aa-oci/compile.h"
#include "aa-oci/config.h"
#include "aa-oci/kernel.h"
#include "aa-oci/load.h"
#include "aa-oci/log.h"
#include "aa-oci/logs.h"
#include "aa-oci/manage.h"
#include "aa-oci/policy.h"
#include "aa-oci/resolve.h"
#include "aa-oci/status.h"
#include "aa-oci/suggest.h"
#include "aa-oci/util.h"

static int usage_hint(const char *cmd)
{
	fprintf(stdout, "see aa-oci --help and aa-oci(8) for %s\n", cmd);
	return 0;
}

/* The options of the commands that change what is loaded. */
struct change_opts {
	const char *apparmorfs;
	const char *config_path;
	bool config_required;
	bool force;
};

/* Parse --force, --apparmorfs, --config, --help (and --all when @all is
 * not NULL); then load the settings and open the kernel. Returns: 0, or
 * the command's exit status (0 after --help, 1, 2). */
static int change_begin(const char *cmd, int argc, char **argv, bool *all,
			struct change_opts *o, struct aa_oci_config *cfg,
			struct aa_oci_kernel **k)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'},
	    {"apparmorfs", required_argument, NULL, 'a'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"all", no_argument, NULL, 'A'},
	    {0},
	};
	struct aa_oci_err err = {0};
	int c, r;

	*o = (struct change_opts){.apparmorfs = AA_OCI_APPARMORFS,
				  .config_path = AA_OCI_CONFIG_FILE};
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->force = true;
			break;
		case 'a':
			o->apparmorfs = optarg;
			break;
		case 'c':
			o->config_path = optarg;
			o->config_required = true;
			break;
		case 'A':
			if (!all)
				return 2;
			*all = true;
			break;
		case 'h':
			usage_hint(cmd);
			return -1;
		default:
			return 2;
		}
	}
	r = config_load(o->config_path, o->config_required, cfg, &err);
	if (r == 0)
		r = kernel_open(o->apparmorfs, k, &err);
	if (r < 0) {
		log_error("%s: %s", cmd, err.text);
		config_free(cfg);
		return 1;
	}
	return 0;
}

/* Has aa-oci a record of loading @name? */
static bool recorded(const struct aa_oci_config *cfg, const char *name)
{
	struct aa_oci_loaded rec = {0};
	bool r = rundir_loaded_get(cfg->rundir, name, &rec) == 0;

	rundir_loaded_free(&rec);
	return r;
}

/* The profile a user's @name stands for: a plain NAME that aa-oci loaded
 * only into its namespace (the wrappers do) means that one, *@label. */
static const char *recorded_label(const struct aa_oci_config *cfg,
				  const char *name, char **label)
{
	if (!strchr(name, ':') && !recorded(cfg, name) &&
	    profile_label_make(cfg->profile_namespace, name, label) == 0 &&
	    !streq(*label, name) && recorded(cfg, *label))
		return *label;
	return name;
}

/* aa-oci reload [--force] [NAME...], aa-oci enforce|complain [--force] NAME */
int manage_reload(const char *cmd, int argc, char **argv)
{
	struct change_opts o;
	enum aa_oci_mode mode =
	    streq(cmd, "complain") ? AA_OCI_MODE_COMPLAIN : AA_OCI_MODE_ENFORCE;
	const enum aa_oci_mode *want = streq(cmd, "reload") ? NULL : &mode;
	_cleanup_free_ char **all = NULL;
	struct aa_oci_config cfg = {0};
	struct aa_oci_err err = {0};
	struct aa_oci_kernel *k = NULL;
	char **names;
	int r, failed = 0;

	r = change_begin(cmd, argc, argv, NULL, &o, &cfg, &k);
	if (r != 0)
		return r < 0 ? 0 : r;
	if (want && optind != argc - 1) {
		log_error("%s: name one profile", cmd);
		kernel_close(k);
		config_free(&cfg);
		return 2;
	}
	names = argv + optind;
	/* reload with no names: every profile aa-oci loaded. */
	if (optind == argc && rundir_loaded_list(cfg.rundir, &all) == 0)
		names = all;
	for (char **n = names; n && *n; n++) {
		struct aa_oci_load_result res = {0};
		_cleanup_free_ char *label = NULL;
		const char *name = *n;

		err_clear(&err);
		r = profile_label_validate(name, cfg.profile_namespace, &err);
		if (r == 0)
			name = recorded_label(&cfg, name, &label);
		if (r == 0)
			r = load_again(k, &cfg, name, want, o.force, &res,
				       &err);
		if (r < 0) {
			log_error("%s: profile \"%s\": %s", cmd, *n, err.text);
			failed++;
		} else {
			printf("%s: loaded (%s) from %s%s\n", name,
			       mode_name(res.mode),
			       res.source ? res.source : "the built-in default",
			       res.from_cache
				   ? ", compiled policy from the cache"
				   : "");
		}
		load_result_free(&res);
	}
	strv_free(TAKE_PTR(all));
	kernel_close(k);
	config_free(&cfg);
	return failed ? 1 : 0;
}

/* aa-oci unload [--force] NAME..., aa-oci unload --all */
int manage_unload(int argc, char **argv)
{
	struct change_opts o;
	struct aa_oci_config cfg = {0};
	struct aa_oci_err err = {0};
	struct aa_oci_kernel *k = NULL;
	bool all = false;
	int r, failed = 0;

	r = change_begin("unload", argc, argv, &all, &o, &cfg, &k);
	if (r != 0)
		return r < 0 ? 0 : r;
	if (all == (optind < argc)) {
		log_error("unload: name the profiles, or give --all (aa-oci's "
			  "policy namespace, at once)");
		kernel_close(k);
		config_free(&cfg);
		return 2;
	}
	if (all) {
		size_t n = 0;

		r = load_unload_namespace(k, &cfg, &n, &err);
		if (r < 0) {
			log_error("unload: %s", err.text);
			failed++;
		} else {
			printf(":%s: unloaded (%zu profile%s aa-oci had "
			       "recorded)\n",
			       cfg.profile_namespace, n, n == 1 ? "" : "s");
		}
	}
	for (int i = optind; !all && i < argc; i++) {
		const char *name = argv[i];
		_cleanup_free_ char *label = NULL;
		struct aa_oci_loaded rec = {0};

		err_clear(&err);
		r = profile_label_validate(name, cfg.profile_namespace, &err);
		if (r == 0)
			name = recorded_label(&cfg, name, &label);
		if (r == 0 && !o.force &&
		    rundir_loaded_get(cfg.rundir, name, &rec) < 0)
			r = err_set(&err, -EPERM,
				    "aa-oci did not load it; add --force to "
				    "unload it anyway");
		rundir_loaded_free(&rec);
		if (r == 0)
			r = load_unload(k, &cfg, name, &err);
		if (r < 0) {
			log_error("unload: profile \"%s\": %s", name, err.text);
			failed++;
		} else {
			printf("%s: unloaded\n", name);
		}
	}
	kernel_close(k);
	config_free(&cfg);
	return failed ? 1 : 0;
}

int manage_status(int argc, char **argv)
{
	const char *cmd = "status";
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"apparmorfs", required_argument, NULL, 'a'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *apparmorfs = AA_OCI_APPARMORFS;
	const char *config_path = AA_OCI_CONFIG_FILE;
	bool config_required = false, json = false;
	struct aa_oci_config cfg = {0};
	struct aa_oci_status st = {0};
	struct aa_oci_err err = {0};
	struct aa_oci_kernel *k = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'a':
			apparmorfs = optarg;
			break;
		case 'c':
			config_path = optarg;
			config_required = true;
			break;
		case 'h':
			return usage_hint(cmd);
		default:
			return 2;
		}
	}
	if (optind != argc)
		return 2;
	r = config_load(config_path, config_required, &cfg, &err);
	if (r < 0) {
		log_error("status: %s", err.text);
		return 1;
	}
	/* Without AppArmor the records still show; profiles as not loaded. */
	if (kernel_open(apparmorfs, &k, &err) < 0)
		log_warning("status: %s", err.text);
	r = status_collect(k, &cfg, &st);
	if (r == 0)
		r = status_print(&st, json, stdout);
	if (r < 0)
		log_error("status: %s: %s", cfg.run_dir, strerror(-r));
	status_free(&st);
	kernel_close(k);
	config_free(&cfg);
	return r < 0 ? 1 : 0;
}

/* Shared options of logs and suggest. */
struct sel {
	struct aa_oci_logs_opts o;
	const char *apparmorfs;
	const char *config_path;
	bool config_required;
};

static int since_arg(const char *s, time_t *ret)
{
	if (logs_parse_since(s, time(NULL), ret) < 0) {
		log_error("--since \"%.64s\": give a UNIX time or -30s, -10m, "
			  "-2h, -1d",
			  s);
		return -EINVAL;
	}
	return 0;
}

int manage_logs(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"follow", no_argument, NULL, 'F'},
	    {"json", no_argument, NULL, 'j'},
	    {"container", required_argument, NULL, 'C'},
	    {"pod", required_argument, NULL, 'P'},
	    {"profile", required_argument, NULL, 'p'},
	    {"since", required_argument, NULL, 's'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct sel s = {.config_path = AA_OCI_CONFIG_FILE};
	struct aa_oci_config cfg = {0};
	struct aa_oci_err err = {0};
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			s.o.follow = true;
			break;
		case 'j':
			s.o.json = true;
			break;
		case 'C':
			s.o.container = optarg;
			break;
		case 'P':
			s.o.pod = optarg;
			break;
		case 'p':
			s.o.profile = optarg;
			break;
		case 's':
			if (since_arg(optarg, &s.o.since) < 0)
				return 2;
			break;
		case 'c':
			s.config_path = optarg;
			s.config_required = true;
			break;
		case 'h':
			return usage_hint("logs");
		default:
			return 2;
		}
	}
	if (optind != argc)
		return 2;
	r = config_load(s.config_path, s.config_required, &cfg, &err);
	if (r == 0)
		r = logs_run(&s.o, &cfg, stdout, &err);
	if (r < 0)
		log_error("logs: %s", err.text[0] ? err.text : strerror(-r));
	config_free(&cfg);
	return r < 0 ? 1 : 0;
}

/* The records of one container (or profile), as the suggestion engine
 * reads them. The strings stay owned by the copies kept here. */
struct collect {
	struct aa_oci_audit_event *ev;
	size_t n;
	char *profile;	    /* the profile the records are of (a copy's base),
			     * by its name within its namespace */
	bool mixed;	    /* records of more than one profile */
	bool mixed_ns;	    /* of one name, in root and in cfg_ns */
	const char *cfg_ns; /* aa-oci's profile_namespace ("": none) */
	int in_ns;	    /* -1 none yet; 1 the records are of a profile in
			     * cfg_ns (where the wrappers load), 0 root */
};

static char *dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int collect_one(const struct aa_oci_audit_event *e,
		       const struct aa_oci_attribution *a, void *ud)
{
	struct collect *c = ud;
	struct aa_oci_audit_event *nv, *k;
	size_t base;
	_cleanup_free_ char *prof = NULL;

	(void)a;
	if (e->kind != AA_OCI_AUDIT_DENIED && e->kind != AA_OCI_AUDIT_ALLOWED)
		return 0;
	/* aa-oci's own namespace or the root one; not another's. */
	if (!e->profile ||
	    (e->namespace && (!c->cfg_ns || !streq(e->namespace, c->cfg_ns))))
		return 0;
	if (c->in_ns >= 0 && c->in_ns != (e->namespace != NULL))
		c->mixed_ns = true;
	c->in_ns = e->namespace != NULL;
	/* A per-container copy's records are rules for its base profile. */
	prof = policy_copy_parse(e->profile, &base, NULL)
		   ? strndup(e->profile, base)
		   : strndup(e->profile, strcspn(e->profile, "/"));
	if (!prof)
		return -ENOMEM;
	if (!c->profile)
		c->profile = TAKE_PTR(prof);
	else if (!streq(c->profile, prof))
		c->mixed = true;
	nv = realloc(c->ev, (c->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	c->ev = nv;
	k = &c->ev[c->n++];
	*k = (struct aa_oci_audit_event){.kind = e->kind,
					 .capability = e->capability,
					 .protocol = e->protocol};
	k->operation = dup0(e->operation);
	k->name = dup0(e->name);
	k->name2 = dup0(e->name2);
	k->requested_mask = dup0(e->requested_mask);
	k->denied_mask = dup0(e->denied_mask);
	k->capname = dup0(e->capname);
	k->family = dup0(e->family);
	k->sock_type = dup0(e->sock_type);
	k->signal = dup0(e->signal);
	k->peer = dup0(e->peer);
	k->fstype = dup0(e->fstype);
	k->srcname = dup0(e->srcname);
	k->flags = dup0(e->flags);
	return 0;
}

static void collect_free(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++)
		audit_event_free(&c->ev[i]);
	free(c->ev);
	free(c->profile);
}

int manage_suggest(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"container", required_argument, NULL, 'C'},
	    {"profile", required_argument, NULL, 'p'},
	    {"since", required_argument, NULL, 's'},
	    {"write", no_argument, NULL, 'w'},
	    {"reload", no_argument, NULL, 'r'},
	    {"force", no_argument, NULL, 'f'},
	    {"apparmorfs", required_argument, NULL, 'a'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct sel s = {.config_path = AA_OCI_CONFIG_FILE,
			.apparmorfs = AA_OCI_APPARMORFS};
	bool write = false, reload = false, force = false;
	_cleanup_free_ char *local = NULL, *src = NULL, *text = NULL,
			    *diff = NULL;
	struct aa_oci_suggest_event *sev = NULL;
	char **rules = NULL, **refused = NULL, (*protos)[16] = NULL;
	struct collect col = {0};
	struct aa_oci_config cfg = {0};
	struct aa_oci_err err = {0};
	struct aa_oci_kernel *k = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			s.o.container = optarg;
			break;
		case 'p':
			s.o.profile = optarg;
			break;
		case 's':
			if (since_arg(optarg, &s.o.since) < 0)
				return 2;
			break;
		case 'w':
			write = true;
			break;
		case 'r':
			reload = true;
			break;
		case 'f':
			force = true;
			break;
		case 'a':
			s.apparmorfs = optarg;
			break;
		case 'c':
			s.config_path = optarg;
			s.config_required = true;
			break;
		case 'h':
			return usage_hint("suggest");
		default:
			return 2;
		}
	}
	if (optind != argc || !s.o.container == !s.o.profile) {
		log_error("suggest: give --container ID or --profile NAME");
		return 2;
	}
	r = config_load(s.config_path, s.config_required, &cfg, &err);
	if (r < 0)
		goto out;
	col.cfg_ns = cfg.profile_namespace;
	col.in_ns = -1;
	s.o.each = collect_one;
	s.o.each_ud = &col;
	r = logs_run(&s.o, &cfg, stdout, &err);
	if (r < 0)
		goto out;
	if (!col.n) {
		printf("no AppArmor records of %s %s: nothing to suggest\n",
		       s.o.container ? "container" : "profile",
		       s.o.container ? s.o.container : s.o.profile);
		goto out;
	}
	if (col.mixed) {
		r = err_set(&err, -EINVAL,
			    "the records are of more than one profile; give "
			    "--profile too");
		goto out;
	}
	if (col.mixed_ns) {
		r = err_set(&err, -EINVAL,
			    "the records are of %s in the root namespace and "
			    "of :%s:%s; give --profile :%s:%s for the second, "
			    "or --since to leave out the older records",
			    col.profile, cfg.profile_namespace, col.profile,
			    cfg.profile_namespace, col.profile);
		goto out;
	}
	r = profile_name_validate(col.profile, &err);
	if (r < 0)
		goto out;
	sev = calloc(col.n, sizeof(*sev));
	protos = calloc(col.n, sizeof(*protos));
	if (!sev || !protos) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < col.n; i++)
		suggest_event_from_audit(&col.ev[i], &sev[i], protos[i]);
	r = suggest_rules(sev, col.n, &rules, &refused);
	if (r < 0) {
		err_set(&err, r, "cannot make rules: %s", strerror(-r));
		goto out;
	}
	for (char **x = refused; x && *x; x++)
		printf("# not suggested: %s\n", *x);
	if (asprintf(&local, AA_OCI_PARSER_INCLUDE_DIR "/local/%s",
		     col.profile) < 0) {
		r = -ENOMEM;
		goto out;
	}
	r = suggest_diff(local, rules, &diff, &err);
	if (r < 0)
		goto out;
	fputs(diff[0] ? diff : "# nothing new for the local override\n",
	      stdout);
	r = load_find_source(&cfg, col.profile, &src, &err);
	if (r == 0 &&
	    read_file_at(AT_FDCWD, src, false, AA_OCI_PROFILE_FILE_MAX, &text,
			 NULL) == 0 &&
	    !suggest_profile_includes_local(text, col.profile)) {
		_cleanup_free_ char *line = NULL;

		if (suggest_include_line(col.profile, &line) == 0)
			printf("# %s does not include its local override: add, "
			       "inside the profile,\n#%s\n",
			       src, line);
	}
	if (!write || r < 0)
		goto out;
	{
		size_t added = 0;

		r = suggest_write(local, rules, cfg.parser, src, &added, &err);
		if (r < 0)
			goto out;
		printf("# %zu rule(s) added to %s\n", added, local);
	}
	if (reload) {
		struct aa_oci_load_result res = {0};
		_cleanup_free_ char *label = NULL;

		/* Loaded again where the records came from. */
		r = profile_label_make(col.in_ns == 1 ? cfg.profile_namespace
						      : NULL,
				       col.profile, &label);
		if (r == 0)
			r = kernel_open(s.apparmorfs, &k, &err);
		if (r == 0)
			r = load_again(k, &cfg, label, NULL, force, &res, &err);
		if (r == 0)
			printf("# %s: loaded again (%s)\n", label,
			       mode_name(res.mode));
		load_result_free(&res);
	}
out:
	if (r < 0)
		log_error("suggest: %s", err.text[0] ? err.text : strerror(-r));
	kernel_close(k);
	strv_free(rules);
	strv_free(refused);
	free(sev);
	free(protos);
	collect_free(&col);
	config_free(&cfg);
	return r < 0 ? 1 : 0;
}
