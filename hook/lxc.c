/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `aa-oci-hook lxc`: the LXC side. LXC facts this file relies on (lxc/lxc,
 * src/lxc): confile.c parse_line() and do_includedir() for the config
 * syntax; start.c lxc_init() runs the pre-start hooks, with LXC_NAME,
 * LXC_CONFIG_FILE and LXC_CGNS_AWARE set, before the LSM is prepared;
 * utils.c run_script_argv() passes NAME SECTION TYPE as arguments for
 * lxc.hook.version = 0 and LXC_HOOK_TYPE in the environment for 1;
 * lsm/apparmor.c apparmor_prepare() for "generated", "unchanged" and the
 * default profile when lxc.apparmor.profile is unset.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/config.h"
#include "aa-oci/kernel.h"
#include "aa-oci/lxc.h"
#include "aa-oci/policy.h"
#include "aa-oci/util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

/* ---- the config reader ------------------------------------------------ */

struct file_id {
	dev_t dev;
	ino_t ino;
};

struct reader {
	const char *key;
	char *value; /* the last assignment of key; NULL when unset */
	struct file_id chain[AA_OCI_LXC_INCLUDE_DEPTH]; /* files being read */
	unsigned depth;
	unsigned files;
	struct aa_oci_err *err;
};

/* Where an include came from; file NULL for the top-level file. */
struct origin {
	const char *file;
	unsigned line;
};

static int read_path(struct reader *rd, const char *path,
		     const struct origin *from);

/* " (lxc.include in FILE line N)", or "" for the top-level file. */
static const char *from_text(const struct origin *from, char *buf, size_t len)
{
	if (!from->file)
		return "";
	snprintf(buf, len, " (lxc.include in %s line %u)", from->file,
		 from->line);
	return buf;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* lxc_is_line_empty(): only whitespace, counting the form feed. */
static bool line_empty(const char *l)
{
	for (; *l; l++)
		if (!is_blank(*l) && *l != '\f' && *l != '\v')
			return false;
	return true;
}

static char *trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int set_value(struct reader *rd, const char *value)
{
	char *v = NULL;

	/* An empty value unsets, as LXC's set_config_string_item() does. */
	if (value[0] && !(v = strdup(value)))
		return -ENOMEM;
	free(rd->value);
	rd->value = v;
	return 0;
}

static int parse_line(struct reader *rd, const char *file, unsigned lineno,
		      char *line)
{
	char *eq, *key, *value;
	size_t n;

	while (is_blank(*line))
		line++;
	if (line_empty(line) || line[0] == '#')
		return 0;
	/* LXC drops lines that do not start with "lxc." without a word. */
	if (strncmp(line, "lxc.", 4) != 0)
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return err_set(rd->err, -EINVAL,
			       "%s line %u: \"%.64s\" has no '='; LXC refuses "
			       "this file too",
			       file, lineno, line);
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	n = strlen(value);
	if (n > 1 && (value[0] == '"' || value[0] == '\'') &&
	    value[n - 1] == value[0]) {
		value[n - 1] = '\0';
		value++;
	}

	if (streq(key, "lxc.include")) {
		struct origin from = {file, lineno};

		/* An empty include only clears LXC's list of names. */
		return value[0] ? read_path(rd, value, &from) : 0;
	}
	if (streq(key, rd->key))
		return set_value(rd, value);
	return 0;
}

static int parse(struct reader *rd, const char *file, char *buf)
{
	unsigned lineno = 1;
	char *p = buf;

	/* LXC splits at '\r' and '\n' and stops at the first NUL. */
	while (*p) {
		size_t n = strcspn(p, "\r\n");
		char end = p[n];
		int r;

		p[n] = '\0';
		r = parse_line(rd, file, lineno, p);
		if (r < 0)
			return r;
		if (end == '\0')
			break;
		if (end == '\n')
			lineno++;
		p += n + 1;
	}
	return 0;
}

/* Read one file, @name under @dirfd, shown as @shown in messages. */
static int read_one(struct reader *rd, int dirfd, const char *name,
		    const char *shown, const struct origin *from)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	char fb[AA_OCI_ERR_MAX / 2];
	struct stat st;
	int r;

	if (rd->depth >= AA_OCI_LXC_INCLUDE_DEPTH)
		return err_set(
		    rd->err, -ELOOP,
		    "%s%s: more than %d config files nested by lxc.include",
		    shown, from_text(from, fb, sizeof(fb)),
		    AA_OCI_LXC_INCLUDE_DEPTH);
	if (++rd->files > AA_OCI_LXC_FILES_MAX)
		return err_set(rd->err, -E2BIG,
			       "%s%s: more than %d config files read; check "
			       "the lxc.include lines",
			       shown, from_text(from, fb, sizeof(fb)),
			       AA_OCI_LXC_FILES_MAX);

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		return err_set(rd->err, r, "cannot read LXC config %s%s: %s",
			       shown, from_text(from, fb, sizeof(fb)),
			       strerror(-r));
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		return err_set(rd->err, r, "cannot read LXC config %s%s: %s",
			       shown, from_text(from, fb, sizeof(fb)),
			       strerror(-r));
	}
	if (!S_ISREG(st.st_mode))
		return err_set(rd->err, -EINVAL,
			       "LXC config %s%s is not a regular file", shown,
			       from_text(from, fb, sizeof(fb)));
	for (unsigned i = 0; i < rd->depth; i++)
		if (rd->chain[i].dev == st.st_dev &&
		    rd->chain[i].ino == st.st_ino)
			return err_set(
			    rd->err, -ELOOP,
			    "%s%s includes itself: an lxc.include cycle", shown,
			    from_text(from, fb, sizeof(fb)));
	if ((unsigned long long)st.st_size > AA_OCI_LXC_CONFIG_MAX)
		r = -E2BIG;
	else
		r = read_fd_limited(fd, AA_OCI_LXC_CONFIG_MAX, &buf, NULL);
	if (r == -E2BIG)
		return err_set(rd->err, r,
			       "LXC config %s%s is larger than %u KiB", shown,
			       from_text(from, fb, sizeof(fb)),
			       AA_OCI_LXC_CONFIG_MAX >> 10);
	if (r < 0)
		return err_set(rd->err, r, "cannot read LXC config %s%s: %s",
			       shown, from_text(from, fb, sizeof(fb)),
			       strerror(-r));

	rd->chain[rd->depth++] = (struct file_id){st.st_dev, st.st_ino};
	r = parse(rd, shown, buf);
	rd->depth--;
	return r;
}

static bool conf_name(const char *n)
{
	size_t len = strlen(n);

	/* do_includedir(): at least one byte before ".conf". */
	return len >= 6 && streq(n + len - 5, ".conf");
}

/*
 * Read the *.conf entries of directory @path in readdir() order, which is
 * the order LXC reads them in: the same directory read twice in a row
 * lists the same order, so we see what LXC saw.
 */
static int read_dir(struct reader *rd, const char *path,
		    const struct origin *from)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	char fb[AA_OCI_ERR_MAX / 2];
	struct dirent *de;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		/* LXC skips a missing directory without a word. */
		if (r == -ENOENT)
			return 0;
		return err_set(
		    rd->err, r, "cannot read LXC config directory %s%s: %s",
		    path, from_text(from, fb, sizeof(fb)), strerror(-r));
	}
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return err_set(
		    rd->err, r, "cannot read LXC config directory %s%s: %s",
		    path, from_text(from, fb, sizeof(fb)), strerror(-r));
	}
	/* Names first, so no directory stays open while includes nest. */
	while ((errno = 0, de = readdir(d))) {
		if (!conf_name(de->d_name))
			continue;
		if (n >= AA_OCI_LXC_FILES_MAX) {
			r = err_set(rd->err, -E2BIG,
				    "LXC config directory %s%s holds more than "
				    "%d *.conf files",
				    path, from_text(from, fb, sizeof(fb)),
				    AA_OCI_LXC_FILES_MAX);
			goto out;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nv = realloc(names, ncap * sizeof(*names));

			if (!nv) {
				r = -ENOMEM;
				goto out;
			}
			names = nv;
			cap = ncap;
		}
		if (!(names[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (errno) {
		r = -errno;
		err_set(rd->err, r, "cannot read LXC config directory %s%s: %s",
			path, from_text(from, fb, sizeof(fb)), strerror(-r));
		goto out;
	}

	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *shown = NULL;
		size_t plen = strlen(path);

		if (asprintf(&shown, "%.*s/%s",
			     (int)(plen > 1 && path[plen - 1] == '/' ? plen - 1
								     : plen),
			     path, names[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		r = read_one(rd, dirfd(d), names[i], shown, from);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int read_path(struct reader *rd, const char *path,
		     const struct origin *from)
{
	char fb[AA_OCI_ERR_MAX / 2];
	struct stat st;

	if (path[0] != '/') {
		if (!from->file)
			return err_set(rd->err, -EINVAL,
				       "LXC config \"%.200s\" is a relative "
				       "path; an absolute one is needed",
				       path);
		return err_set(
		    rd->err, -EINVAL,
		    "lxc.include \"%.200s\"%s is a relative path: LXC resolves "
		    "it against the directory lxc-start ran in, "
		    "which a hook cannot know; use an absolute path",
		    path, from_text(from, fb, sizeof(fb)));
	}
	/* As set_config_includefiles(): a trailing '/' or a directory. */
	if (path[strlen(path) - 1] == '/' ||
	    (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		return read_dir(rd, path, from);
	return read_one(rd, AT_FDCWD, path, path, from);
}

int lxc_config_get(const char *path, const char *key, char **ret_value,
		   struct aa_oci_err *err)
{
	struct reader rd = {.key = key, .err = err};
	struct origin top = {0};
	int r;

	if (!path[0])
		return err_set(err, -EINVAL, "LXC config path is empty");
	r = read_path(&rd, path, &top);
	if (r < 0) {
		free(rd.value);
		return r;
	}
	*ret_value = rd.value;
	return 0;
}

/* ---- the hook --------------------------------------------------------- */

void lxc_report_free(struct aa_oci_lxc_report *r)
{
	free(r->name);
	free(r->value);
	free(r->profile);
	load_result_free(&r->load);
	*r = (struct aa_oci_lxc_report){0};
}

/* A container name fit for a log line: printable ASCII, bounded. */
static char *printable_name(const char *name)
{
	size_t n = strnlen(name, AA_OCI_LXC_NAME_MAX);
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		s[i] = (name[i] >= 0x20 && name[i] < 0x7f) ? name[i] : '?';
	s[n] = '\0';
	return s;
}

int lxc_hook_run(const struct aa_oci_lxc_opts *o, struct aa_oci_lxc_report *ret,
		 struct aa_oci_err *err)
{
	struct aa_oci_config cfg = {0};
	struct aa_oci_kernel *k = NULL;
	struct aa_oci_decision d = {0};
	const char *name, *type, *file;
	int r;

	*ret = (struct aa_oci_lxc_report){0};
	if (o->argc > 0) {
		/* lxc.hook.version = 0: NAME SECTION TYPE [more]. */
		if (o->argc < 3)
			return err_set(err, -EINVAL,
				       "expected NAME SECTION HOOKTYPE after "
				       "\"lxc\" (lxc.hook.version = 0), or "
				       "nothing (lxc.hook.version = 1)");
		name = o->argv[0];
		type = o->argv[2];
	} else {
		name = o->env_name;
		type = o->env_hook_type;
	}
	if (name && !(ret->name = printable_name(name)))
		return -ENOMEM;
	if (!type)
		return err_set(err, -EINVAL,
			       "LXC_HOOK_TYPE is not set and no arguments were "
			       "given: run it from LXC as lxc.hook.pre-start, "
			       "with lxc.hook.version = 1");
	if (!streq(type, "pre-start"))
		return err_set(err, -EINVAL,
			       "hook type \"%.64s\": aa-oci-hook lxc works "
			       "only as lxc.hook.pre-start",
			       type);

	file = o->env_config_file;
	if (!file || !file[0])
		return err_set(err, -ENOENT,
			       "LXC_CONFIG_FILE is not set: aa-oci-hook lxc "
			       "reads the container's config from it; run it "
			       "from LXC as lxc.hook.pre-start");
	r = lxc_config_get(file, AA_OCI_LXC_KEY_PROFILE, &ret->value, err);
	if (r < 0)
		return r;
	r = config_load(o->config_path, o->config_required, &cfg, err);
	if (r < 0) {
		/* The message names what the container asked for. */
		if (ret->value && !(ret->profile = strdup(ret->value)))
			r = -ENOMEM;
		goto out;
	}
	r = policy_decide(
	    &(struct aa_oci_ask){.fe = AA_OCI_BY_LXC,
				 .value = ret->value,
				 .lxc_cgns = o->env_cgns_aware &&
					     streq(o->env_cgns_aware, "1")},
	    &cfg, &d, err);
	ret->profile = TAKE_PTR(d.profile);
	if (r < 0) {
		char detail[AA_OCI_ERR_MAX];

		snprintf(detail, sizeof(detail), "%s", err ? err->text : "");
		err_set(err, r, "lxc.apparmor.profile in %s: %s", file, detail);
		goto out;
	}
	if (d.skipped) {
		ret->skipped = d.skipped;
		goto out;
	}
	r = kernel_open(o->apparmorfs, &k, err);
	if (r == -ENOENT && d.defaulted) {
		/* LXC uses no AppArmor then; a container that asked for none
		 * must still start. */
		err_clear(err);
		ret->skipped =
		    "AppArmor is not enabled: LXC applies no profile";
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	r = load_ensure(k, &cfg, AA_OCI_BY_LXC, ret->profile,
			AA_OCI_MODE_ENFORCE, &ret->load, err);
	if (r == 0)
		ret->loaded = ret->load.action != AA_OCI_LOAD_ALREADY;
out:
	kernel_close(k);
	policy_decision_free(&d);
	config_free(&cfg);
	return r;
}
