/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An engine's own configuration file, as aa-oci configure reads it: the
 * TOML statement reader (toml_scan, toml_string_array) on the input, then
 * the input as containerd's config.toml and as Docker's daemon.json,
 * planned (configure_plan; nothing is written). What a plan would write
 * must read back: config.toml through toml_scan, daemon.json through the
 * JSON front door.
 */
#include "fuzz.h"

#include "aa-oci/configure.h"
#include "aa-oci/config.h"
#include "aa-oci/json.h"
#include "aa-oci/toml.h"
#include "aa-oci/util.h"

struct scan {
	const char *buf;
	size_t len;
};

static int on_stmt(const struct toml_stmt *s, void *ud)
{
	const struct scan *t = ud;
	char **v = NULL;

	/* the ranges a caller edits by must lie in the text, in order */
	if (s->n < 1 || s->start > s->line_end || s->line_end > t->len)
		abort();
	if (s->kind == TOML_KEY) {
		if (s->value_start > s->value_end || s->value_end > t->len ||
		    s->value_start < s->start)
			abort();
		if (toml_string_array(t->buf, s->value_start, s->value_end,
				      &v) == 0)
			strv_free(v);
	}
	return 0;
}

static int no_op(const struct toml_stmt *s, void *ud)
{
	(void)s;
	(void)ud;
	return 0;
}

/* Plan @engine on @path; what it would write must read back. */
static void plan(enum aa_oci_engine engine, const char *path, bool def)
{
	struct aa_oci_configure_opts o = {
	    .engine = engine,
	    .config = path,
	    .runtime = "/usr/bin/aa-oci-runtime",
	    .set_default = def,
	};
	struct aa_oci_configure_plan p = {0};
	struct aa_oci_err err = {0};

	if (configure_plan(&o, &p, &err) < 0)
		return;
	for (size_t i = 0; i < p.n; i++) {
		const struct aa_oci_configure_file *f = &p.files[i];

		if (!f->new)
			continue;
		if (engine == AA_OCI_ENGINE_DOCKER
			? json_parse(f->new, f->new_len, "daemon.json", NULL,
				     NULL, &err) < 0
			: toml_scan(f->new, f->new_len, "config.toml", no_op,
				    NULL, &err) < 0) {
			fprintf(stderr,
				"configure wrote what it cannot read: "
				"%s\n",
				err.text);
			abort();
		}
	}
	configure_plan_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char d[4096], json[4200], toml[4200];
	struct aa_oci_err err = {0};
	struct scan t = {(const char *)data, size};
	int mark;

	if (size > AA_OCI_SETTINGS_MAX)
		return 0;
	mark = fz_fd_mark();
	toml_scan((const char *)data, size, "fuzz", on_stmt, &t, &err);

	fz_subdir("configure", d, sizeof(d));
	snprintf(json, sizeof(json), "%s/daemon.json", d);
	snprintf(toml, sizeof(toml), "%s/config.toml", d);
	fz_write(json, data, size);
	fz_write(toml, data, size);
	plan(AA_OCI_ENGINE_DOCKER, json, size & 1);
	plan(AA_OCI_ENGINE_CONTAINERD, toml, size & 1);
	unlink(json);
	unlink(toml);
	fz_fd_check(mark, "configure");
	return 0;
}
