/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci configure (configure.h): plan, diff, apply.
 *
 * containerd 1.6 and 1.7 merge an imported file into config.toml with
 * mergeConfig (services/server/config/config.go), which replaces whole
 * plugin sections: `for k, v := range from.Plugins { to.Plugins[k] = v }`.
 * A drop-in holding the CRI plugin's tables therefore drops every CRI
 * setting config.toml has of its own, so the drop-in is used only when
 * config.toml has none; when it has some (Debian's own config.toml sets
 * the CNI directories), the handler's tables are added at the end of
 * config.toml itself, between two marker comments, and nothing else in it
 * changes. And the CRI plugin decodes its section with
 * go-toml v1, which builds a map it reads afresh (reflect.MakeMap): the
 * drop-in's runtimes table replaces the default one, whose "runc" is the
 * default_runtime_name; the drop-in declares runc again, or the CRI plugin
 * would refuse to start ("no corresponding runtime configured").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/configure.h"
#include "aa-oci/config.h"
#include "aa-oci/oci.h"
#include "aa-oci/rewrite.h"
#include "aa-oci/toml.h"
#include "aa-oci/util.h"

/* An engine's file is a settings file: the same bound. */
#define CONFIGURE_FILE_MAX AA_OCI_SETTINGS_MAX

#define CRI "io.containerd.grpc.v1.cri"

/* containerd's tables, in the drop-in and in config.toml alike: runc
 * declared again, the handler (%s: its BinaryName), the default. */
#define CTRD_RUNC                                                              \
	"[plugins.\"" CRI "\".containerd.runtimes.runc]\n"                     \
	"  runtime_type = \"io.containerd.runc.v2\"\n"
#define CTRD_AA_OCI                                                            \
	"[plugins.\"" CRI "\".containerd.runtimes.aa-oci]\n"                   \
	"  runtime_type = \"io.containerd.runc.v2\"\n"                         \
	"  pod_annotations = [\"aa-oci.*\"]\n"                                 \
	"  container_annotations = [\"aa-oci.*\"]\n"                           \
	"  [plugins.\"" CRI "\".containerd.runtimes.aa-oci.options]\n"         \
	"    BinaryName = \"%s\"\n"
#define CTRD_DEFAULT                                                           \
	"[plugins.\"" CRI "\".containerd]\n"                                   \
	"  default_runtime_name = \"aa-oci\"\n"

static const char *const engine_names[] = {
    [AA_OCI_ENGINE_DOCKER] = "docker",
    [AA_OCI_ENGINE_CONTAINERD] = "containerd",
    [AA_OCI_ENGINE_CRIO] = "crio",
    [AA_OCI_ENGINE_PODMAN] = "podman",
};

int configure_engine_from_name(const char *name, enum aa_oci_engine *ret)
{
	for (size_t i = 0; i < sizeof(engine_names) / sizeof(*engine_names);
	     i++)
		if (streq(name, engine_names[i])) {
			*ret = (enum aa_oci_engine)i;
			return 0;
		}
	return -EINVAL;
}

/* A file as it is now: its bytes, or absent. */
struct cur {
	char *buf;
	size_t len;
	bool exists;
	struct stat st;
};

static void cur_free(struct cur *c)
{
	free(c->buf);
	*c = (struct cur){0};
}

static int read_cur(const char *path, struct cur *c, struct aa_oci_err *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	*c = (struct cur){0};
	fd = open(path,
		  O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			return 0;
		if (r == -ELOOP)
			return err_set(
			    err, r,
			    "%s is a symbolic link; aa-oci configure "
			    "does not write through links: name the "
			    "file it points to with --config",
			    path);
		return err_set(err, r, "cannot read %s: %s", path,
			       strerror(-r));
	}
	if (fstat(fd, &c->st) < 0) {
		r = -errno;
		return err_set(err, r, "cannot read %s: %s", path,
			       strerror(-r));
	}
	if (!S_ISREG(c->st.st_mode))
		return err_set(err, -EINVAL, "%s is not a regular file", path);
	if ((size_t)c->st.st_size > CONFIGURE_FILE_MAX)
		return err_set(err, -E2BIG,
			       "%s is larger than %u bytes; aa-oci configure "
			       "does not edit it: add the runtime by hand",
			       path, CONFIGURE_FILE_MAX);
	r = read_fd_sized(fd, (size_t)c->st.st_size, CONFIGURE_FILE_MAX,
			  &c->buf, &c->len);
	if (r < 0)
		return err_set(err, r, "cannot read %s: %s", path,
			       strerror(-r));
	c->exists = true;
	return 0;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return a && b && alen == blen && !memcmp(a, b, alen);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static char *cat(const char *a, const char *b)
{
	char *s;

	return asprintf(&s, "%s%s", a, b) < 0 ? NULL : s;
}

/* A file of the plan; takes @new. */
static int add(struct aa_oci_configure_plan *p,
	       enum aa_oci_configure_action action, const char *path,
	       struct cur *c, char *new, size_t new_len, bool backup)
{
	struct aa_oci_configure_file *f = &p->files[p->n];

	f->path = strdup(path);
	if (!f->path) {
		free(new);
		return -ENOMEM;
	}
	f->action = action;
	f->old = c ? TAKE_PTR(c->buf) : NULL;
	f->old_len = c ? c->len : 0;
	if (c)
		f->st = c->st;
	f->new = new;
	f->new_len = new_len;
	f->backup = backup;
	p->n++;
	return 0;
}

/* A string for a TOML or JSON file: nothing that would need an escape. */
static int check_plain(const char *s, struct aa_oci_err *err)
{
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == '"' || *c == '\\' ||
		    *c == 0x7f)
			return err_set(err, -EINVAL,
				       "the runtime path \"%s\" has a "
				       "character aa-oci configure does not "
				       "write",
				       s);
	return 0;
}

/* --- drop-ins --- */

static int dropin_text(const struct aa_oci_configure_opts *o,
		       const char *config_toml, char **ret, size_t *ret_len)
{
	const char *e = engine_names[o->engine];
	char *s = NULL;
	int k = -1;

	switch (o->engine) {
	case AA_OCI_ENGINE_CONTAINERD:
		k = asprintf(
		    &s,
		    CONFIGURE_MARK
		    ": `aa-oci configure --undo %s` removes it.\n"
		    "# The CRI runtime handler \"aa-oci\", imported by %s.\n"
		    "# containerd 1.x lets an imported file replace the whole "
		    "CRI plugin\n"
		    "# section: runc, the default handler, is declared here "
		    "again so that\n"
		    "# it stays.\n"
		    "version = 2\n"
		    "%s"
		    "\n" CTRD_RUNC "\n" CTRD_AA_OCI,
		    e, config_toml, o->set_default ? "\n" CTRD_DEFAULT : "",
		    o->runtime);
		break;
	case AA_OCI_ENGINE_CRIO:
		k = asprintf(
		    &s,
		    CONFIGURE_MARK
		    ": `aa-oci configure --undo %s` removes it.\n"
		    "# The runtime handler \"aa-oci\": containers run through "
		    "aa-oci-runtime.\n"
		    "%s"
		    "[crio.runtime.runtimes.aa-oci]\n"
		    "runtime_path = \"%s\"\n"
		    "runtime_type = \"oci\"\n"
		    "runtime_root = \"/run/runc\"\n"
		    "# Let the aa-oci annotations of pods reach config.json.\n"
		    "allowed_annotations = [\"aa-oci.profile\", "
		    "\"aa-oci.mode\"]\n",
		    e,
		    o->set_default ? "[crio.runtime]\n"
				     "default_runtime = \"aa-oci\"\n\n"
				   : "",
		    o->runtime);
		break;
	case AA_OCI_ENGINE_PODMAN:
		k = asprintf(
		    &s,
		    CONFIGURE_MARK
		    ": `aa-oci configure --undo %s` removes it.\n"
		    "# The OCI runtime \"aa-oci\" (podman --runtime aa-oci).\n"
		    "%s"
		    "[engine.runtimes]\n"
		    "aa-oci = [\"%s\"]\n",
		    e,
		    o->set_default ? "[engine]\nruntime = \"aa-oci\"\n\n" : "",
		    o->runtime);
		break;
	case AA_OCI_ENGINE_DOCKER:
		break;
	}
	if (k < 0)
		return -ENOMEM;
	*ret = s;
	*ret_len = (size_t)k;
	return 0;
}

static bool owned(const struct cur *c)
{
	size_t n = strlen(CONFIGURE_MARK);

	return c->len >= n && !memcmp(c->buf, CONFIGURE_MARK, n);
}

static int not_owned(const char *path, struct aa_oci_err *err)
{
	return err_set(err, -EPERM,
		       "%s exists and was not written by aa-oci configure: "
		       "move it away, then run aa-oci configure again",
		       path);
}

/* The drop-in at @path: written, or (undo) removed. */
static int plan_dropin(const struct aa_oci_configure_opts *o, const char *path,
		       const char *config_toml, struct aa_oci_configure_plan *p,
		       struct aa_oci_err *err)
{
	struct cur c;
	char *want;
	size_t want_len;
	int r;

	r = read_cur(path, &c, err);
	if (r < 0)
		return r;
	if (c.exists && !owned(&c)) {
		cur_free(&c);
		return not_owned(path, err);
	}
	if (o->undo) {
		r = c.exists
			? add(p, CONFIGURE_REMOVE, path, &c, NULL, 0, false)
			: 0;
		cur_free(&c);
		return r;
	}
	r = dropin_text(o, config_toml, &want, &want_len);
	if (r < 0) {
		cur_free(&c);
		return r;
	}
	if (same(c.buf, c.len, want, want_len)) {
		free(want);
		r = 0;
	} else {
		r = add(p, c.exists ? CONFIGURE_UPDATE : CONFIGURE_CREATE, path,
			c.exists ? &c : NULL, want, want_len, false);
	}
	cur_free(&c);
	return r;
}

/* --- docker: daemon.json --- */

/* dockerd reads daemon.json with Go's decoder: a struct field's key
 * matches without regard to case. An alias is refused, never left beside
 * the member we add. */
static int docker_key(const char *key, size_t len, const char *field,
		      const char *holder, struct aa_oci_err *err)
{
	if (!oci_key_is(key, len, field))
		return 0;
	if (len == strlen(field) && !memcmp(key, field, len))
		return 1;
	return err_set(
	    err, -EBADMSG,
	    "%s has the key \"%.*s\", which dockerd reads as \"%s\"; "
	    "write \"%s\"",
	    holder, (int)(len < 64 ? len : 64), key, field, field);
}

struct docker_doc {
	char *out;
	size_t out_len;
	enum rewrite_old path_kind;
	char *path; /* runtimes."aa-oci".path before, when a string */
	char *def;  /* "default-runtime" before, when a string */
};

static void docker_doc_free(struct docker_doc *d)
{
	free(d->out);
	free(d->path);
	free(d->def);
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", s[i]))
			return false;
	return true;
}

/* daemon.json (@in, NULL when missing) with the runtime set. */
static int docker_rewrite(const char *in, size_t len, const char *what,
			  const char *runtime, bool set_default,
			  struct docker_doc *d, struct aa_oci_err *err)
{
	static const struct rewrite_key rt[] = {
	    {"runtimes", true},
	    {"aa-oci", false}, /* a key of a Go map: exact */
	    {"path", true},
	};
	static const struct rewrite_key def[] = {{"default-runtime", true}};
	struct rewrite_set sets[] = {
	    {.path = rt, .n = 3, .value = runtime},
	    {.path = def, .n = 1, .value = "aa-oci"},
	};
	struct rewrite_spec spec = {
	    .what = what,
	    .fold = docker_key,
	    .create = true,
	    .indent = "  ",
	    .sets = sets,
	    .n_sets = set_default ? 2 : 1,
	};
	int r;

	*d = (struct docker_doc){0};
	/* dockerd takes an empty file for no settings */
	if (!in || blank(in, len)) {
		in = "{}";
		len = 2;
	}
	r = rewrite_json(in, len, &spec, &d->out, &d->out_len, err);
	if (r < 0)
		return r;
	d->path_kind = sets[0].old_kind;
	d->path = TAKE_PTR(sets[0].old);
	d->def = TAKE_PTR(sets[1].old);
	rewrite_spec_clear(&spec);
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && streq(s + n - k, suffix);
}

static int plan_docker(const struct aa_oci_configure_opts *o, const char *path,
		       struct aa_oci_configure_plan *p, struct aa_oci_err *err)
{
	_cleanup_free_ char *bpath = cat(path, CONFIGURE_BACKUP_SUFFIX);
	struct docker_doc d = {0};
	struct cur c = {0}, b = {0};
	int r;

	if (!bpath)
		return -ENOMEM;
	r = read_cur(path, &c, err);
	if (r < 0)
		return r;
	if (!o->undo) {
		r = docker_rewrite(c.buf, c.len, path, o->runtime,
				   o->set_default, &d, err);
		if (r < 0)
			goto out;
		if (d.path_kind != REWRITE_ABSENT &&
		    d.path_kind != REWRITE_STRING) {
			r = err_set(err, -EPERM,
				    "%s: runtimes.\"aa-oci\".path is not a "
				    "string; correct or remove it, then run "
				    "aa-oci configure docker again",
				    path);
			goto out;
		}
		if (d.path && !streq(d.path, o->runtime) &&
		    !ends_with(d.path, "/aa-oci-runtime")) {
			r = err_set(err, -EPERM,
				    "%s: the runtime \"aa-oci\" runs \"%s\", "
				    "not aa-oci-runtime; remove it from "
				    "\"runtimes\", then run aa-oci configure "
				    "docker again",
				    path, d.path);
			goto out;
		}
		if (d.path && streq(d.path, o->runtime) &&
		    (!o->set_default || (d.def && streq(d.def, "aa-oci"))))
			goto out; /* nothing to change */
		r = add(p, c.exists ? CONFIGURE_UPDATE : CONFIGURE_CREATE, path,
			c.exists ? &c : NULL, TAKE_PTR(d.out), d.out_len,
			c.exists && !exists(bpath));
		goto out;
	}

	/* --undo */
	if (!c.exists)
		goto out;
	r = read_cur(bpath, &b, err);
	if (r < 0)
		goto out;
	for (int k = 0; k < 2; k++) {
		/* what configure made of the copy from before, either way */
		r = docker_rewrite(b.exists ? b.buf : NULL, b.len, bpath,
				   o->runtime, k == 1, &d, NULL);
		if (r == 0 && same(d.out, d.out_len, c.buf, c.len)) {
			r = b.exists ? add(p, CONFIGURE_RESTORE, path, &c,
					   TAKE_PTR(b.buf), b.len, false)
				     : add(p, CONFIGURE_REMOVE, path, &c, NULL,
					   0, false);
			goto out;
		}
		docker_doc_free(&d);
		d = (struct docker_doc){0};
	}
	if (b.exists && same(b.buf, b.len, c.buf, c.len)) {
		r = add(p, CONFIGURE_RESTORE, path, &c, TAKE_PTR(b.buf), b.len,
			false);
		goto out;
	}
	/* Without the file from before, the runtime may have been added
	 * by hand: not ours to take away. */
	if (b.exists)
		r = err_set(err, -EPERM,
			    "%s changed since aa-oci configure wrote it; the "
			    "file from before is %s: take what you need from "
			    "it by hand, then remove it",
			    path, bpath);
out:
	docker_doc_free(&d);
	cur_free(&c);
	cur_free(&b);
	return r;
}

/* --- containerd: config.toml --- */

struct ctrd {
	const char *dropin; /* the imports entry */
	bool any;	    /* a statement at all */
	bool in_table;
	bool has_version;
	long version;
	size_t version_end; /* past the version line */
	bool imports;
	bool imports_multiline;
	unsigned imports_line;
	size_t imports_start, imports_end;
	unsigned cri_line;	  /* CRI plugin settings of its own */
	unsigned disabled_line;	  /* disabled_plugins names the CRI plugin */
	unsigned containerd_line; /* a [plugins.CRI.containerd] table */
	unsigned runc_line;	  /* a runtimes.runc table or key */
	unsigned aa_oci_line;	  /* a runtimes.aa-oci table or key */
	const char *buf;
};

static int ctrd_stmt(const struct toml_stmt *s, void *ud)
{
	struct ctrd *c = ud;

	c->any = true;
	if (s->kind != TOML_KEY)
		c->in_table = true;
	/* [plugins] alone holds nothing; plugins = {...} may */
	if (!c->cri_line && streq(s->path[0], "plugins") &&
	    (s->n == 1 ? s->kind == TOML_KEY
		       : streq(s->path[1], CRI) || streq(s->path[1], "cri")))
		c->cri_line = s->line;
	if (s->n >= 3 && streq(s->path[0], "plugins") &&
	    streq(s->path[1], CRI) && streq(s->path[2], "containerd")) {
		if (s->n == 3 && s->kind != TOML_KEY && !c->containerd_line)
			c->containerd_line = s->line;
		if (s->n >= 5 && streq(s->path[3], "runtimes")) {
			if (streq(s->path[4], "runc") && !c->runc_line)
				c->runc_line = s->line;
			if (streq(s->path[4], "aa-oci") && !c->aa_oci_line)
				c->aa_oci_line = s->line;
		}
	}
	if (s->kind != TOML_KEY || c->in_table || s->n != 1)
		return 0;
	if (streq(s->path[0], "version")) {
		char num[32], *end;
		size_t n = s->value_end - s->value_start;

		c->has_version = true;
		c->version = -1;
		c->version_end = s->line_end;
		if (n < sizeof(num)) {
			memcpy(num, c->buf + s->value_start, n);
			num[n] = '\0';
			c->version = strtol(num, &end, 10);
			if (*end || end == num)
				c->version = -1;
		}
	} else if (streq(s->path[0], "imports")) {
		c->imports = true;
		c->imports_multiline = s->multiline;
		c->imports_line = s->line;
		c->imports_start = s->value_start;
		c->imports_end = s->value_end;
	} else if (streq(s->path[0], "disabled_plugins")) {
		char **v = NULL;

		if (toml_string_array(c->buf, s->value_start, s->value_end,
				      &v) < 0)
			return 0;
		for (char **e = v; *e; e++)
			if (streq(*e, CRI) || streq(*e, "cri"))
				c->disabled_line = s->line;
		strv_free(v);
	}
	return 0;
}

#define INPLACE_BEGIN                                                          \
	"# aa-oci configure: the CRI runtime handler \"aa-oci\" (`aa-oci "     \
	"configure --undo containerd` takes it out).\n"
#define INPLACE_END "# aa-oci configure: end\n"

/*
 * config.toml has CRI settings of its own: the handler's tables go at its
 * end. runc is declared too when config.toml does not declare it (a
 * runtimes table read afresh loses the default one, see the top).
 */
static char *inplace_block(const struct aa_oci_configure_opts *o, bool runc,
			   size_t *ret_len)
{
	char *block;
	int k = asprintf(&block, INPLACE_BEGIN "%s%s" CTRD_AA_OCI INPLACE_END,
			 o->set_default ? CTRD_DEFAULT : "",
			 runc ? CTRD_RUNC : "", o->runtime);

	if (k < 0)
		return NULL;
	*ret_len = (size_t)k;
	return block;
}

static int ctrd_inplace(const struct aa_oci_configure_opts *o,
			const struct ctrd *c, const char *buf, size_t len,
			const char *path, char **ret, size_t *ret_len,
			struct aa_oci_err *err)
{
	_cleanup_free_ char *with = NULL, *without = NULL;
	size_t with_len = 0, without_len = 0;
	const char *block;
	size_t block_len;
	int k;

	with = inplace_block(o, true, &with_len);
	without = inplace_block(o, false, &without_len);
	if (!with || !without)
		return -ENOMEM;
	/* configured already (the runc it declared is config.toml's now) */
	if (memmem(buf, len, with, with_len) ||
	    memmem(buf, len, without, without_len))
		return 0;
	if (o->set_default && c->containerd_line)
		return err_set(
		    err, -EPERM,
		    "%s line %u has the table [plugins.\"" CRI
		    "\".containerd] already: set default_runtime_name = "
		    "\"aa-oci\" in it by hand, then run aa-oci configure "
		    "containerd without --set-as-default",
		    path, c->containerd_line);
	if (c->aa_oci_line)
		return err_set(err, -EPERM,
			       "%s line %u has a runtime \"aa-oci\" of its own "
			       "(or one aa-oci configure wrote with other "
			       "options): remove it, or run aa-oci configure "
			       "--undo containerd, then configure again",
			       path, c->aa_oci_line);
	block = c->runc_line ? without : with;
	block_len = c->runc_line ? without_len : with_len;
	k = asprintf(ret, "%.*s%s\n%.*s", (int)len, buf,
		     len && buf[len - 1] != '\n' ? "\n" : "", (int)block_len,
		     block);
	if (k < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	*ret_len = (size_t)k;
	return 0;
}

/* config.toml as configure makes it; NULL *@ret: nothing to change.
 * *@ret_inplace: the handler goes into config.toml itself (no drop-in). */
static int ctrd_rewrite(const struct aa_oci_configure_opts *o, const char *buf,
			size_t len, bool exists_, const char *path,
			const char *dropin, char **ret, size_t *ret_len,
			bool *ret_inplace, struct aa_oci_err *err)
{
	struct ctrd c = {.dropin = dropin, .buf = buf};
	char **v = NULL;
	char *out = NULL;
	size_t at;
	int k, r;

	*ret = NULL;
	*ret_inplace = false;
	if (!exists_) {
		k = asprintf(&out, "version = 2\nimports = [\"%s\"]\n", dropin);
		goto done;
	}
	r = toml_scan(buf, len, path, ctrd_stmt, &c, err);
	if (r < 0)
		return r;
	if (!c.any) {
		/* comments only: the version, which the entry needs */
		k = asprintf(&out, "%.*s%sversion = 2\nimports = [\"%s\"]\n",
			     (int)len, buf,
			     len && buf[len - 1] != '\n' ? "\n" : "", dropin);
		goto done;
	}
	if (!c.has_version)
		return err_set(
		    err, -EPERM,
		    "%s has no \"version = 2\": containerd 1.x reads it in the "
		    "version 1 layout, which aa-oci configure does not edit; "
		    "rewrite it in the version 2 layout (containerd config "
		    "default prints one), then run aa-oci configure "
		    "containerd again",
		    path);
	if (c.version == 3)
		return err_set(
		    err, -EPERM,
		    "%s is \"version = 3\", the layout of containerd 2.x, "
		    "which "
		    "aa-oci configure does not edit: add the runtime by hand "
		    "(plugins.\"io.containerd.cri.v1.runtime\".containerd."
		    "runtimes.aa-oci)",
		    path);
	if (c.version != 2)
		return err_set(err, -EPERM,
			       "%s: \"version\" is not 2, the layout of "
			       "containerd 1.x that aa-oci configure edits",
			       path);
	if (c.disabled_line)
		return err_set(err, -EPERM,
			       "%s line %u disables the CRI plugin, whose "
			       "runtime handlers aa-oci configure sets: remove "
			       "it from disabled_plugins first",
			       path, c.disabled_line);
	if (c.cri_line) {
		*ret_inplace = true;
		return ctrd_inplace(o, &c, buf, len, path, ret, ret_len, err);
	}
	if (!c.imports) {
		at = c.version_end;
		k = asprintf(&out, "%.*s%simports = [\"%s\"]\n%.*s", (int)at,
			     buf, at && buf[at - 1] != '\n' ? "\n" : "", dropin,
			     (int)(len - at), buf + at);
		goto done;
	}
	if (c.imports_multiline)
		return err_set(
		    err, -EPERM,
		    "%s line %u: \"imports\" spans several lines, "
		    "which aa-oci configure does not edit: put it on "
		    "one line, or add \"%s\" to it by hand",
		    path, c.imports_line, dropin);
	r = toml_string_array(buf, c.imports_start, c.imports_end, &v);
	if (r == -EINVAL)
		return err_set(err, -EPERM,
			       "%s line %u: \"imports\" is not a list of "
			       "strings on one line; add \"%s\" to it by hand",
			       path, c.imports_line, dropin);
	if (r < 0)
		return r;
	for (char **e = v; *e; e++)
		if (streq(*e, dropin)) {
			strv_free(v);
			return 0;
		}
	/* before the closing bracket, after what the list holds */
	at = c.imports_end - 1;
	while (at > c.imports_start && strchr(" \t", buf[at - 1]))
		at--;
	k = asprintf(&out, "%.*s%s\"%s\"%.*s", (int)at, buf,
		     v[0] && buf[at - 1] != ',' ? ", "
		     : v[0]			? " "
						: "",
		     dropin, (int)(len - at), buf + at);
	strv_free(v);
done:
	if (k < 0)
		return -ENOMEM;
	*ret = out;
	*ret_len = (size_t)k;
	return 0;
}

static int plan_containerd(const struct aa_oci_configure_opts *o,
			   const char *path, struct aa_oci_configure_plan *p,
			   struct aa_oci_err *err)
{
	_cleanup_free_ char *bpath = cat(path, CONFIGURE_BACKUP_SUFFIX);
	_cleanup_free_ char *abs = NULL, *dropin = NULL, *out = NULL;
	struct cur c = {0}, b = {0};
	const char *slash = strrchr(path, '/');
	size_t out_len = 0;
	bool inplace = false;
	int r;

	if (!bpath)
		return -ENOMEM;
	/* containerd takes a relative import from the file's directory;
	 * the entry is absolute all the same, as people write them */
	if (path[0] == '/') {
		abs = strdup(path);
	} else {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		abs = cat(cwd, "/");
		if (abs) {
			char *a = cat(abs, path);

			free(abs);
			abs = a;
		}
	}
	if (!abs)
		return -ENOMEM;
	slash = strrchr(abs, '/');
	if (asprintf(&dropin, "%.*s/conf.d/aa-oci.toml", (int)(slash - abs),
		     abs) < 0) {
		dropin = NULL;
		return -ENOMEM;
	}
	r = check_plain(dropin, err);
	if (r < 0)
		return r;
	r = read_cur(path, &c, err);
	if (r < 0)
		return r;
	if (!o->undo) {
		/* the handler first: an import of a missing file stops
		 * containerd */
		r = ctrd_rewrite(o, c.buf, c.len, c.exists, path, dropin, &out,
				 &out_len, &inplace, err);
		if (r == 0 && !inplace)
			r = plan_dropin(o, dropin, path, p, err);
		if (r == 0 && out)
			r = add(p,
				c.exists ? CONFIGURE_UPDATE : CONFIGURE_CREATE,
				path, c.exists ? &c : NULL, TAKE_PTR(out),
				out_len, c.exists && !exists(bpath));
		goto out;
	}

	/* --undo: the entry first, then the handler */
	if (c.exists) {
		struct aa_oci_configure_opts od = *o;

		r = read_cur(bpath, &b, err);
		if (r < 0)
			goto out;
		/* what configure made of the backup, with or without
		 * --set-as-default */
		for (int sd = 0; sd < 2; sd++) {
			free(out);
			out = NULL;
			od.set_default = sd;
			r = ctrd_rewrite(&od, b.buf, b.len, b.exists, bpath,
					 dropin, &out, &out_len, &inplace,
					 NULL);
			if (r == 0 && out && same(out, out_len, c.buf, c.len))
				break;
		}
		if (r == 0 && ((out && same(out, out_len, c.buf, c.len)) ||
			       (b.exists && same(b.buf, b.len, c.buf, c.len))))
			r = b.exists ? add(p, CONFIGURE_RESTORE, path, &c,
					   TAKE_PTR(b.buf), b.len, false)
				     : add(p, CONFIGURE_REMOVE, path, &c, NULL,
					   0, false);
		else if (c.len && strstr(c.buf, dropin))
			r = err_set(err, -EPERM,
				    b.exists
					? "%s changed since aa-oci configure "
					  "wrote it: remove \"%s\" from its "
					  "imports by hand (the file from "
					  "before is %s)"
					: "%s imports \"%s\" but has no copy "
					  "from before aa-oci configure (%s): "
					  "remove it from imports by hand",
				    path, dropin, bpath);
		else
			r = 0;
		if (r < 0)
			goto out;
	}
	r = plan_dropin(o, dropin, path, p, err);
out:
	cur_free(&c);
	cur_free(&b);
	return r;
}

/* --- the settings alone --- */

int configure_snippet(const struct aa_oci_configure_opts *o, char **ret,
		      size_t *ret_len)
{
	struct docker_doc d;
	int r;

	switch (o->engine) {
	case AA_OCI_ENGINE_DOCKER:
		r = docker_rewrite(NULL, 0, "daemon.json", o->runtime,
				   o->set_default, &d, NULL);
		if (r < 0)
			return r;
		*ret = TAKE_PTR(d.out);
		*ret_len = d.out_len;
		docker_doc_free(&d);
		return 0;
	case AA_OCI_ENGINE_CONTAINERD:
		/* what goes into a config.toml of its own */
		*ret = inplace_block(o, true, ret_len);
		return *ret ? 0 : -ENOMEM;
	case AA_OCI_ENGINE_CRIO:
	case AA_OCI_ENGINE_PODMAN:
		return dropin_text(o, NULL, ret, ret_len);
	}
	return -EINVAL;
}

/* --- plan --- */

int configure_plan(const struct aa_oci_configure_opts *o,
		   struct aa_oci_configure_plan *ret, struct aa_oci_err *err)
{
	struct aa_oci_configure_plan p = {.engine = engine_names[o->engine]};
	_cleanup_free_ char *path = NULL;
	const char *dir = o->config;
	int r;

	r = check_plain(o->runtime, err);
	if (r < 0)
		return r;
	switch (o->engine) {
	case AA_OCI_ENGINE_DOCKER:
		p.restart = "systemctl restart docker";
		r = plan_docker(
		    o, o->config ? o->config : "/etc/docker/daemon.json", &p,
		    err);
		break;
	case AA_OCI_ENGINE_CONTAINERD:
		p.restart = "systemctl restart containerd";
		r = plan_containerd(
		    o, o->config ? o->config : "/etc/containerd/config.toml",
		    &p, err);
		break;
	case AA_OCI_ENGINE_CRIO:
		p.restart = "systemctl restart crio";
		path =
		    cat(dir ? dir : "/etc/crio/crio.conf.d", "/10-aa-oci.conf");
		r = path ? plan_dropin(o, path, NULL, &p, err) : -ENOMEM;
		break;
	case AA_OCI_ENGINE_PODMAN:
		p.restart = NULL; /* podman reads it at its next command */
		path = cat(dir ? dir : "/etc/containers/containers.conf.d",
			   "/aa-oci.conf");
		r = path ? plan_dropin(o, path, NULL, &p, err) : -ENOMEM;
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0) {
		configure_plan_free(&p);
		return r;
	}
	*ret = p;
	return 0;
}

void configure_plan_free(struct aa_oci_configure_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->files[i].path);
		free(p->files[i].old);
		free(p->files[i].new);
	}
	p->n = 0;
}
