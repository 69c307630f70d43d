/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/kernel.h"
#include "aa-oci/policy.h"
#include "aa-oci/resolve.h"
#include "aa-oci/rundir.h"
#include "aa-oci/rewrite.h"
#include "aa-oci/runtime.h"
#include "aa-oci/util.h"

/*
 * The options of runc (v1.1.5 to v1.5, urfave/cli v1 over Go's flag package)
 * and crun (argp), by where they may appear and whether they take a value.
 * Only what is listed is understood: the help scan gives up on anything
 * else (see help_or_version).
 */
static const char *const global_with_value[] = {
    "log",  "log-format", "log-level",	    "root",
    "criu", "rootless",	  "cgroup-manager", NULL,
};
static const char *const global_bool[] = {"debug", "systemd-cgroup", NULL};

/* create and run (bundle and crun's config file among them). */
static const char *const cmd_with_value[] = {
    "bundle",
    "b",
    "console-socket",
    "pid-file",
    "preserve-fds",
    "pidfd-socket",
    "config",
    "f",
    NULL,
};
static const char *const cmd_bool[] = {
    "detach", "d", "keep", "no-subreaper", "no-pivot", "no-new-keyring", NULL,
};
static const char *const delete_bool[] = {"force", "f", "regex", "r", NULL};

/*
 * A help or version request, by name: runc's -h/--help (and at the top
 * -v/--version), crun's --help, -?, --usage, -V; Go's flag package also
 * takes them with one or two dashes.
 */
static const char *const asks_help[] = {
    "h", "help", "?", "usage", "v", "version", "V", NULL,
};

static bool in_list(const char *const *list, const char *s, size_t len)
{
	for (; *list; list++)
		if (strlen(*list) == len && memcmp(*list, s, len) == 0)
			return true;
	return false;
}

/*
 * Split "-x", "--x", "-x=v", "--x=v": returns the name (no dashes) and its
 * length, and the inline value after '=' or NULL. Not an option: NULL.
 */
static const char *option(const char *arg, size_t *ret_len,
			  const char **ret_value)
{
	const char *name, *eq;

	if (arg[0] != '-' || arg[1] == '\0' || streq(arg, "--"))
		return NULL;
	name = arg + (arg[1] == '-' ? 2 : 1);
	eq = strchr(name, '=');
	*ret_len = eq ? (size_t)(eq - name) : strlen(name);
	*ret_value = eq ? eq + 1 : NULL;
	return name;
}

/* Go's strconv.ParseBool false values: "--help=false" asks nothing. */
static bool go_false(const char *v)
{
	static const char *const no[] = {"0",	  "f",	   "F", "false",
					 "FALSE", "False", NULL};

	return v && in_list(no, v, strlen(v));
}

#define N_ASKS (sizeof(asks_help) / sizeof(*asks_help) - 1)

/*
 * Do the options from argv[i] (to the end, to "--", or with @global to the
 * first positional, the command) ask for help or the version? Go's flag
 * package lets the last "--help=BOOL" of each name win (-h and --help are
 * two flags to it); crun's argp answers the first. Wrong in one direction
 * only, on purpose: a request wrongly seen would start a container we did
 * not prepare, so an option not in @bools or @values (it might take the
 * next argument, as crun's abbreviations and "-db DIR" do) means "no".
 * Where we see a request neither runtime starts anything: runc reorders
 * flags before positionals (urfave/cli), so one after the id is either
 * read as a flag or left as a second argument, which create and run
 * refuse; crun stops at the id and refuses the extra argument too.
 */
static bool asks_help_or_version(int argc, char *const argv[], int i,
				 bool global, const char *const *bools,
				 const char *const *values)
{
	int last[N_ASKS]; /* each name's last value, -1 unset */
	bool any = false;

	for (size_t k = 0; k < N_ASKS; k++)
		last[k] = -1;
	for (; i < argc && !streq(argv[i], "--"); i++) {
		const char *name, *value;
		size_t len, k;

		name = option(argv[i], &len, &value);
		if (!name && global)
			break;
		if (!name)
			continue; /* a positional */
		for (k = 0; k < N_ASKS; k++)
			if (strlen(asks_help[k]) == len &&
			    memcmp(asks_help[k], name, len) == 0)
				break;
		if (k < N_ASKS)
			last[k] = !go_false(value);
		else if (in_list(values, name, len))
			i += !value; /* its value, whatever it looks like */
		else if (!in_list(bools, name, len))
			return false;
	}
	for (size_t k = 0; k < N_ASKS; k++)
		any = any || last[k] == 1;
	return any;
}

int runtime_parse_args(int argc, char *const argv[],
		       struct aa_oci_runtime_args *ret)
{
	static const char *const none[] = {NULL};
	struct aa_oci_runtime_args a = {.command = -1};
	const char *const *values;
	int i;

	a.help = asks_help_or_version(argc, argv, 1, true, global_bool,
				      global_with_value);
	for (i = 1; i < argc; i++) {
		const char *name, *value;
		size_t len;

		/* Go's flag package: "--" ends the global options, and the
		 * command follows it. */
		if (streq(argv[i], "--")) {
			i++;
			break;
		}
		name = option(argv[i], &len, &value);
		if (!name)
			break;
		if (!value && in_list(global_with_value, name, len)) {
			if (++i >= argc && a.help)
				break;
			if (i >= argc)
				return -EINVAL;
			value = argv[i];
		}
		if (len == 3 && memcmp(name, "log", 3) == 0)
			a.log = value;
		else if (len == 10 && memcmp(name, "log-format", 10) == 0)
			a.log_json = value && streq(value, "json");
		else if (len == 4 && memcmp(name, "root", 4) == 0)
			a.root = value;
	}
	if (i >= argc || a.help) {
		a.command = i < argc ? i : -1;
		*ret = a; /* no command: --version, --help, nothing */
		return 0;
	}
	a.command = i;
	a.prepare = streq(argv[i], "create") || streq(argv[i], "run");
	a.delete = streq(argv[i], "delete");
	if (!a.prepare && !a.delete) {
		*ret = a;
		return 0;
	}
	values = a.prepare ? cmd_with_value : none;
	/* Help asked of the command: the runtime answers, we do nothing. */
	if (asks_help_or_version(argc, argv, i + 1, false,
				 a.prepare ? cmd_bool : delete_bool, values)) {
		a.help = true;
		a.prepare = a.delete = false;
		*ret = a;
		return 0;
	}
	for (i++; i < argc; i++) {
		const char *name, *value;
		size_t len;

		if (streq(argv[i], "--")) {
			if (i + 1 < argc)
				a.id = argv[i + 1];
			break;
		}
		name = option(argv[i], &len, &value);
		if (!name) {
			a.id = argv[i]; /* the last positional is the id */
			continue;
		}
		if (!value && in_list(values, name, len) && ++i >= argc)
			return -EINVAL;
		if (a.prepare &&
		    ((len == 6 && memcmp(name, "bundle", 6) == 0) ||
		     (len == 1 && name[0] == 'b')))
			a.bundle = value ? value : argv[i];
	}
	*ret = a;
	return 0;
}

int runtime_log_error(const struct aa_oci_runtime_args *a, const char *msg)
{
	_cleanup_free_ char *line = NULL;
	_cleanup_close_ int fd = -1;
	char now[40];
	struct tm tm;
	time_t t = time(NULL);
	ssize_t n;

	if (!a->log)
		return 0;
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (a->log_json) {
		if (oci_log_line("error", msg, now, &line) < 0)
			return -ENOMEM;
	} else if (asprintf(&line, "%s error: %s\n", now, msg) < 0) {
		return -ENOMEM;
	}
	fd = open(a->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
		  0600);
	if (fd < 0)
		return -errno;
	n = write(fd, line, strlen(line));
	return n < 0 ? -errno : 0;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int runtime_find(const char *env, const struct aa_oci_config *cfg,
		 char **ret_path, struct aa_oci_err *err)
{
	static const char *const candidates[] = {
	    "/usr/sbin/runc",
	    "/usr/bin/runc",
	    "/usr/local/sbin/runc",
	    "/usr/local/bin/runc",
	    "/usr/bin/crun",
	    "/usr/local/bin/crun",
	    NULL,
	};
	const char *path = NULL, *from = NULL;

	if (env && env[0]) {
		path = env;
		from = "AA_OCI_RUNTIME";
	} else if (cfg->runtime) {
		path = cfg->runtime;
		from = "\"runtime\" in the config file";
	}
	if (path) {
		if (path[0] != '/')
			return err_set(
			    err, -EINVAL,
			    "%s is \"%.256s\"; give an absolute path", from,
			    path);
		if (access(path, X_OK) < 0)
			return err_set(err, -errno, "%s: %.256s: %s", from,
				       path, strerror(errno));
	} else {
		for (const char *const *c = candidates; *c && !path; c++)
			if (access(*c, X_OK) == 0)
				path = *c;
		if (!path)
			return err_set(
			    err, -ENOENT,
			    "no runc or crun found; install one or set "
			    "AA_OCI_RUNTIME or \"runtime\" in the config file");
		from = "the search for runc and crun";
	}
	if (same_file(path, "/proc/self/exe"))
		return err_set(err, -ELOOP,
			       "%s names aa-oci-runtime itself (%.256s); point "
			       "it at runc or crun",
			       from, path);
	*ret_path = strdup(path);
	return *ret_path ? 0 : -ENOMEM;
}

void runtime_report_free(struct aa_oci_runtime_report *r)
{
	free(r->profile);
	load_result_free(&r->load);
	*r = (struct aa_oci_runtime_report){0};
}

/* What this container will run under, for aa-oci status and logs (no pid
 * yet: the runtime has not made the container). Best effort. */
static void record(const struct aa_oci_runtime_args *a, const char *runtime,
		   const char *bundle, const struct aa_oci_spec *spec,
		   const struct aa_oci_config *cfg,
		   const struct aa_oci_decision *d, enum aa_oci_mode mode)
{
	_cleanup_free_ char *abs = realpath(bundle, NULL);
	const char *id = a ? a->id : NULL;
	struct aa_oci_container c = {
	    .id = (char *)id,
	    .runtime = (char *)runtime,
	    .root = a ? (char *)a->root : NULL,
	    .by = AA_OCI_BY_RUNTIME,
	    .profile = d->copy ? d->copy : d->profile,
	    .mode = mode,
	    .since = time(NULL),
	    .bundle = abs,
	};

	if (!id)
		return;
	resolve_k8s_names(NULL, spec, &c.k8s_namespace, &c.k8s_pod,
			  &c.k8s_container);
	(void)rundir_container_put(cfg->rundir, &c);
	free(c.k8s_namespace);
	free(c.k8s_pod);
	free(c.k8s_container);
}

int runtime_prepare(const char *apparmorfs, const struct aa_oci_config *cfg,
		    const char *bundle, const struct aa_oci_runtime_args *a,
		    const char *runtime, struct aa_oci_runtime_report *ret,
		    struct aa_oci_err *err)
{
	const char *id = a ? a->id : NULL;
	struct aa_oci_bundle_config conf = {.dirfd = -1};
	struct aa_oci_spec spec = {0};
	struct aa_oci_decision d = {0};
	struct aa_oci_kernel_lazy lk = {.apparmorfs = apparmorfs,
					.rd = cfg->rundir};
	struct aa_oci_kernel *k = NULL;
	int r;

	*ret = (struct aa_oci_runtime_report){0};
	/* One read: the decision and the rewrite use the same bytes. */
	r = oci_bundle_config_read(bundle, &conf, err);
	if (r < 0)
		goto out;
	r = oci_spec_parse(conf.buf, &spec, err);
	if (r < 0)
		goto out;
	r = policy_decide(&(struct aa_oci_ask){.fe = AA_OCI_BY_RUNTIME,
					       .spec = &spec,
					       .id = id,
					       .root_has = kernel_lazy_has,
					       .ctx = &lk},
			  cfg, &d, err);
	k = TAKE_PTR(lk.k);
	if (d.profile && !(ret->profile = strdup(d.profile)))
		r = -ENOMEM;
	if (r < 0)
		goto out;
	ret->mode = d.mode;
	/* Recorded first, as the hook does (see load_unload_unused). */
	record(a, runtime, bundle, &spec, cfg, &d, d.mode);
	/* Load before writing: a config.json that names a profile the
	 * kernel does not have is exactly what fails today. */
	if (d.profile) {
		if (!k)
			r = kernel_open(apparmorfs, &k, err);
		if (r < 0)
			goto out;
		if (d.copy)
			r = load_copy(k, cfg, AA_OCI_BY_RUNTIME, d.profile,
				      d.copy, &ret->load, err);
		else
			r = load_ensure(k, cfg, AA_OCI_BY_RUNTIME, d.profile,
					d.mode, &ret->load, err);
		if (r < 0)
			goto out;
		ret->loaded = ret->load.action != AA_OCI_LOAD_ALREADY;
	}
	if (d.write) {
		r = rewrite_bundle_config(bundle, &conf, d.write, err);
		if (r < 0)
			goto out;
		ret->written = true;
	}
	if (d.profile && ret->load.mode != d.mode) /* the mode it really got */
		record(a, runtime, bundle, &spec, cfg, &d, ret->load.mode);
out:
	if (r < 0 && id)
		rundir_container_drop(cfg->rundir, id);
	kernel_close(k);
	policy_decision_free(&d);
	oci_spec_free(&spec);
	oci_bundle_config_free(&conf);
	return r;
}

int runtime_forget(const char *apparmorfs, const struct aa_oci_config *cfg,
		   const char *id, struct aa_oci_err *err)
{
	struct aa_oci_container c = {0};
	struct aa_oci_kernel *k = NULL;
	int r = 0;

	if (rundir_container_get(cfg->rundir, id, &c) < 0)
		return 0;
	rundir_container_drop(cfg->rundir, id);
	/* Its private copy, if it had one, goes with it; with
	 * unload_unused, so does a profile no container uses any more. */
	if (c.profile &&
	    (policy_copy_base(c.profile, id, NULL) || cfg->unload_unused)) {
		r = kernel_open(apparmorfs, &k, err);
		if (r == 0 && policy_copy_base(c.profile, id, NULL)) {
			r = load_unload(k, cfg, c.profile, err);
			if (r == -ENOENT) {
				err_clear(err);
				r = 0;
			}
		} else if (r == 0) {
			r = load_unload_unused(k, cfg, c.profile, err);
			r = r < 0 ? r : 0;
		}
		kernel_close(k);
	}
	rundir_container_free(&c);
	return r;
}
