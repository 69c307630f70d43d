/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci configure on a table of real-world engine files
 * (tests/data/configure): each plan's diff, or its refusal, compared to
 * the exact NAME.expected file ("@DIR@" stands for the test's directory,
 * "@DATADIR@" for AA_OCI_DATADIR);
 * then applied, run again (no change, no new backup) and undone (the
 * files as they were, byte for byte). AA_OCI_REGEN=1 writes the expected
 * files instead of comparing (to be read before they are committed).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>

#include "fixture.h"
#include "aa-oci/config.h" /* AA_OCI_DATADIR */
#include "aa-oci/configure.h"
#include "aa-oci/toml.h"
#include "aa-oci/util.h"

#define RT "/usr/local/bin/aa-oci-runtime"
#define DATA "tests/data/configure/"

struct ccase {
	const char *name; /* DATA NAME.expected */
	enum aa_oci_engine engine;
	const char *input;  /* a file of DATA, NULL none */
	const char *as;	    /* where it goes in the test directory */
	const char *config; /* --config, in the test directory */
	bool set_default;
	int ret;
	const char *mkdir; /* a directory made first, NULL none */
};

#define D AA_OCI_ENGINE_DOCKER
#define C AA_OCI_ENGINE_CONTAINERD
#define O AA_OCI_ENGINE_CRIO
#define P AA_OCI_ENGINE_PODMAN

static const struct ccase cases[] = {
    /* docker */
    {"docker-missing", D, NULL, NULL, "daemon.json", false, 0, NULL},
    {"docker-empty", D, "docker-empty.json", "daemon.json", "daemon.json",
     false, 0, NULL},
    {"docker-runtimes", D, "docker-runtimes.json", "daemon.json", "daemon.json",
     false, 0, NULL},
    {"docker-runtimes-default", D, "docker-runtimes.json", "daemon.json",
     "daemon.json", true, 0, NULL},
    {"docker-old-aa-oci", D, "docker-old-aa-oci.json", "daemon.json",
     "daemon.json", false, 0, NULL},
    {"docker-configured", D, "docker-configured.json", "daemon.json",
     "daemon.json", false, 0, NULL},
    {"docker-malformed", D, "docker-malformed.json", "daemon.json",
     "daemon.json", false, -EBADMSG, NULL},
    {"docker-comments", D, "docker-comments.json", "daemon.json", "daemon.json",
     false, -EBADMSG, NULL},
    {"docker-other-aa-oci", D, "docker-other-aa-oci.json", "daemon.json",
     "daemon.json", false, -EPERM, NULL},
    /* containerd */
    {"containerd-missing", C, NULL, NULL, "config.toml", false, 0, NULL},
    {"containerd-comments", C, "containerd-comments.toml", "config.toml",
     "config.toml", false, 0, NULL},
    {"containerd-minimal", C, "containerd-minimal.toml", "config.toml",
     "config.toml", false, 0, NULL},
    {"containerd-minimal-default", C, "containerd-minimal.toml", "config.toml",
     "config.toml", true, 0, NULL},
    {"containerd-1.7-example", C, "containerd-1.7-example.toml", "config.toml",
     "config.toml", false, 0, NULL},
    {"containerd-strings", C, "containerd-strings.toml", "config.toml",
     "config.toml", false, 0, NULL},
    /* CRI settings of their own: the handler goes into config.toml */
    {"containerd-debian", C, "containerd-debian.toml", "config.toml",
     "config.toml", false, 0, NULL},
    {"containerd-debian-default", C, "containerd-debian.toml", "config.toml",
     "config.toml", true, 0, NULL},
    {"containerd-1.6-default", C, "containerd-1.6-default.toml", "config.toml",
     "config.toml", false, 0, NULL},
    {"containerd-1.6-default-default", C, "containerd-1.6-default.toml",
     "config.toml", "config.toml", true, -EPERM, NULL},
    {"containerd-1.7-cri", C, "containerd-1.7-cri.toml", "config.toml",
     "config.toml", false, 0, NULL},
    {"containerd-v1", C, "containerd-v1.toml", "config.toml", "config.toml",
     false, -EPERM, NULL},
    {"containerd-v3", C, "containerd-v3.toml", "config.toml", "config.toml",
     false, -EPERM, NULL},
    {"containerd-imports-multiline", C, "containerd-imports-multiline.toml",
     "config.toml", "config.toml", false, -EPERM, NULL},
    {"containerd-disabled-cri", C, "containerd-disabled-cri.toml",
     "config.toml", "config.toml", false, -EPERM, NULL},
    {"containerd-malformed", C, "containerd-malformed.toml", "config.toml",
     "config.toml", false, -EBADMSG, NULL},
    /* CRI-O: the drop-in directory absent (made), present */
    {"crio-absent", O, NULL, NULL, "crio.conf.d", false, 0, NULL},
    {"crio-present", O, "containerd-comments.toml", "crio.conf.d/00-user.conf",
     "crio.conf.d", false, 0, "crio.conf.d"},
    {"crio-default", O, NULL, NULL, "crio.conf.d", true, 0, "crio.conf.d"},
    {"crio-other", O, "crio-other.conf", "crio.conf.d/10-aa-oci.conf",
     "crio.conf.d", false, -EPERM, "crio.conf.d"},
    /* podman */
    {"podman", P, NULL, NULL, "containers.conf.d", false, 0, NULL},
    {"podman-default", P, NULL, NULL, "containers.conf.d", true, 0, NULL},
};

/* @s with every @from replaced by @to. */
static char *replace_all(const char *s, const char *from, const char *to)
{
	size_t nf = strlen(from), nt = strlen(to), n = 0;
	char *out, *o;

	for (const char *p = s; (p = strstr(p, from)); p += nf)
		n++;
	out = malloc(strlen(s) + n * nt + 1);
	if (!out)
		abort();
	for (o = out; *s;) {
		if (!strncmp(s, from, nf)) {
			memcpy(o, to, nt);
			o += nt;
			s += nf;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

/* The names under @dir, recursively, sorted, one a line. */
static void listing(const char *dir, const char *rel, char *out, size_t size)
{
	char *p = rel[0] ? fx_path(dir, rel) : strdup(dir);
	struct dirent **v;
	int n = scandir(p, &v, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		char sub[512];
		struct stat st;
		char *full;

		if (!streq(v[i]->d_name, ".") && !streq(v[i]->d_name, "..")) {
			snprintf(sub, sizeof(sub), "%s%s%s", rel,
				 rel[0] ? "/" : "", v[i]->d_name);
			strncat(out, sub, size - strlen(out) - 2);
			strcat(out, "\n");
			full = fx_path(dir, sub);
			if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
				listing(dir, sub, out, size);
			free(full);
		}
		free(v[i]);
	}
	free(v);
	free(p);
}

static void compare_expected(const char *name, const char *dir, const char *got)
{
	char *rel, *path, *want_raw, *want;
	size_t len;

	if (asprintf(&rel, DATA "%s.expected", name) < 0)
		abort();
	path = fx_repo_path(rel);
	if (getenv("AA_OCI_REGEN")) {
		char *g0 = replace_all(got, dir, "@DIR@");
		char *g = replace_all(g0, AA_OCI_DATADIR, "@DATADIR@");
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(g, f);
		fclose(f);
		free(g);
		free(g0);
	}
	want_raw = fx_read("/", path + 1, &len);
	if (!want_raw)
		fail_msg("%s: %s is missing", name, rel);
	{
		char *w = replace_all(want_raw, "@DIR@", dir);

		want = replace_all(w, "@DATADIR@", AA_OCI_DATADIR);
		free(w);
	}
	if (strcmp(got, want) != 0)
		fail_msg("%s: got\n%s\n---- want\n%s", name, got, want);
	free(want);
	free(want_raw);
	free(path);
	free(rel);
}

static void setup_case(const struct ccase *c, const char *dir,
		       struct aa_oci_configure_opts *o, char **config)
{
	if (c->mkdir) {
		char *m = fx_path(dir, c->mkdir);

		assert_int_equal(mkdir(m, 0755), 0);
		free(m);
	}
	if (c->input) {
		char *src = fx_repo_path(DATA);
		size_t len = 0;
		char *buf = fx_read(src, c->input, &len);
		char *dst = fx_path(dir, c->as);
		FILE *f = fopen(dst, "w");

		assert_non_null(buf);
		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, len, f), len);
		fclose(f);
		free(buf);
		free(src);
		free(dst);
	}
	*config = fx_path(dir, c->config);
	*o = (struct aa_oci_configure_opts){
	    .engine = c->engine,
	    .config = *config,
	    .runtime = RT,
	    .set_default = c->set_default,
	};
}

/* Each file of @p holds what the plan said it would. */
static void check_applied(const struct aa_oci_configure_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct aa_oci_configure_file *f = &p->files[i];
		size_t len;
		char *now = fx_read("/", f->path + 1, &len);

		if (!f->new) {
			assert_null(now);
			continue;
		}
		assert_non_null(now);
		assert_int_equal(len, f->new_len);
		assert_memory_equal(now, f->new, len);
		free(now);
	}
}

static void run_case(const struct ccase *c)
{
	char *dir = fx_base_mkdtemp(), *config, *diff = NULL;
	char before[4096] = "", after[4096] = "";
	struct aa_oci_configure_opts o;
	struct aa_oci_configure_plan p = {0};
	struct aa_oci_err err = {0};
	char *orig = NULL, *bpath, *bak;
	size_t orig_len = 0, len;
	int r;

	setup_case(c, dir, &o, &config);
	if (c->as)
		orig = fx_read(dir, c->as, &orig_len);
	listing(dir, "", before, sizeof(before));

	r = configure_plan(&o, &p, &err);
	if (r != c->ret)
		fail_msg("%s: %d, want %d: %s", c->name, r, c->ret, err.text);
	/* planning (--dry-run) changes nothing */
	listing(dir, "", after, sizeof(after));
	assert_string_equal(before, after);
	if (r < 0) {
		char *msg;

		if (asprintf(&msg, "%s\n", err.text) < 0)
			abort();
		compare_expected(c->name, dir, msg);
		free(msg);
		goto out;
	}
	assert_int_equal(configure_diff(&p, &diff), 0);
	compare_expected(c->name, dir, diff);
	if (p.n == 0)
		goto out;

	assert_int_equal(configure_apply(&p, &err), 0);
	check_applied(&p);
	/* a user's file changed: its copy from before */
	bpath = c->as ? fx_path(dir, c->as) : NULL;
	for (size_t i = 0; i < p.n; i++)
		if (p.files[i].backup) {
			assert_non_null(bpath);
			assert_string_equal(p.files[i].path, bpath);
			bak = fx_read(dir, "daemon.json.aa-oci-backup", &len);
			if (!bak)
				bak = fx_read(dir, "config.toml.aa-oci-backup",
					      &len);
			assert_non_null(bak);
			assert_int_equal(len, orig_len);
			assert_memory_equal(bak, orig, len);
			free(bak);
		}
	free(bpath);
	configure_plan_free(&p);

	/* again: nothing to change, no new backup */
	before[0] = after[0] = '\0';
	listing(dir, "", before, sizeof(before));
	assert_int_equal(configure_plan(&o, &p, &err), 0);
	assert_int_equal(p.n, 0);
	listing(dir, "", after, sizeof(after));
	assert_string_equal(before, after);

	/* undone: as it was, byte for byte */
	o.undo = true;
	r = configure_plan(&o, &p, &err);
	if (r != 0)
		fail_msg("%s: undo: %d %s", c->name, r, err.text);
	assert_true(p.n > 0);
	assert_int_equal(configure_apply(&p, &err), 0);
	configure_plan_free(&p);
	if (c->as) {
		char *now = fx_read(dir, c->as, &len);

		assert_non_null(now);
		assert_int_equal(len, orig_len);
		assert_memory_equal(now, orig, len);
		free(now);
	}
	after[0] = '\0';
	listing(dir, "", after, sizeof(after));
	/* what configure made is gone; a directory it made stays */
	assert_null(strstr(after, "aa-oci.toml"));
	assert_null(strstr(after, "10-aa-oci.conf"));
	assert_null(strstr(after, "aa-oci.conf\n"));
	assert_null(strstr(after, ".aa-oci-backup"));
	if (!c->input && c->engine <= C)
		assert_null(strstr(after, c->config));
	/* and undone again: nothing */
	r = configure_plan(&o, &p, &err);
	if (r != 0 || p.n != 0)
		fail_msg("%s: undo again: %d %zu %s", c->name, r, p.n,
			 err.text);
out:
	configure_plan_free(&p);
	free(diff);
	free(orig);
	free(config);
	free(dir);
}

static void test_case(void **state)
{
	run_case(*state);
}

/* A file changed by hand after configure: --undo refuses, the copy from
 * before stays. */
static void test_undo_changed(void **state)
{
	char *dir = fx_base_mkdtemp(), *config = fx_path(dir, "daemon.json");
	struct aa_oci_configure_opts o = {
	    .engine = D, .config = config, .runtime = RT};
	struct aa_oci_configure_plan p = {0};
	struct aa_oci_err err = {0};
	char *want;

	(void)state;
	fx_write(dir, "daemon.json", "{\"debug\": true}\n");
	assert_int_equal(configure_plan(&o, &p, &err), 0);
	assert_int_equal(configure_apply(&p, &err), 0);
	configure_plan_free(&p);
	fx_write(dir, "daemon.json",
		 "{\"debug\": false, \"runtimes\": {\"aa-oci\": {\"path\": "
		 "\"" RT "\"}}}\n");
	o.undo = true;
	assert_int_equal(configure_plan(&o, &p, &err), -EPERM);
	if (asprintf(&want,
		     "%s changed since aa-oci configure wrote it; the file "
		     "from before is %s.aa-oci-backup: take what you need "
		     "from it by hand, then remove it",
		     config, config) < 0)
		abort();
	assert_string_equal(err.text, want);
	free(want);
	free(config);
	free(dir);
}

/* The second file fails: the first is taken back, the backup made for
 * the second removed, nothing half-written stays. */
static void test_apply_rollback(void **state)
{
	char *dir = fx_base_mkdtemp(), *config = fx_path(dir, "config.toml");
	struct aa_oci_configure_opts o = {
	    .engine = C, .config = config, .runtime = RT};
	struct aa_oci_configure_plan p = {0};
	struct aa_oci_err err = {0};
	char tmp[64], before[4096] = "", after[4096] = "", *want, *now;
	size_t len;

	(void)state;
	fx_write(dir, "config.toml", "version = 2\n");
	/* the temporary file write_file_atomic_like_at will want */
	snprintf(tmp, sizeof(tmp), "config.toml.aa-oci-%ld.tmp",
		 (long)getpid());
	{
		char *t = fx_path(dir, tmp);

		assert_int_equal(mkdir(t, 0755), 0);
		free(t);
	}
	listing(dir, "", before, sizeof(before));
	assert_int_equal(configure_plan(&o, &p, &err), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(configure_apply(&p, &err), -EEXIST);
	if (asprintf(&want, "cannot write %s: File exists", config) < 0)
		abort();
	assert_string_equal(err.text, want);
	listing(dir, "", after, sizeof(after));
	assert_string_equal(before, after);
	now = fx_read(dir, "config.toml", &len);
	assert_string_equal(now, "version = 2\n");
	free(now);
	free(want);
	configure_plan_free(&p);
	free(config);
	free(dir);
}

/* Run as nobody: the directory is root's. */
static void configure_as_nobody(void *arg)
{
	struct aa_oci_configure_opts *o = arg;
	struct aa_oci_configure_plan p = {0};
	struct aa_oci_err err = {0};
	int r;

	if (setgid(65534) < 0 || setuid(65534) < 0)
		_exit(3);
	r = configure_plan(o, &p, &err);
	if (r == 0)
		r = configure_apply(&p, &err);
	fprintf(stderr, "%d %s", r, err.text);
	configure_plan_free(&p);
}

static void test_read_only(void **state)
{
	char *dir = fx_base_mkdtemp(), *config = fx_path(dir, "daemon.json");
	struct aa_oci_configure_opts o = {
	    .engine = D, .config = config, .runtime = RT};
	char out[2048], *want;
	size_t len;
	char *now;

	(void)state;
	if (getuid() != 0) {
		skip(); /* a read-only directory needs someone who can't
			   write it: the test drops root to nobody */
		return;
	}
	fx_write(dir, "daemon.json", "{}\n");
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chmod(fx_base_dir, 0755), 0);
	assert_int_equal(
	    fx_child_stderr(configure_as_nobody, &o, out, sizeof(out)), 0);
	if (asprintf(&want,
		     "%d cannot write %s.aa-oci-backup: Permission denied "
		     "(run it as root)",
		     -EACCES, config) < 0)
		abort();
	assert_string_equal(out, want);
	now = fx_read(dir, "daemon.json", &len);
	assert_string_equal(now, "{}\n");
	free(now);
	free(want);
	free(config);
	free(dir);
}

/* --- the TOML reader's refusals --- */

static int no_op(const struct toml_stmt *s, void *ud)
{
	(void)s;
	(void)ud;
	return 0;
}

static const struct {
	const char *text;
	int ret;
	const char *msg;
} toml_bad[] = {
    {"a = \"x\n", -EBADMSG,
     "f is not valid TOML: a string without its closing quote (line 1, "
     "column 7)"},
    {"a = \"\\q\"\n", -EBADMSG,
     "f is not valid TOML: an unknown escape in a string (line 1, column "
     "6)"},
    {"[a.b\n", -EBADMSG,
     "f is not valid TOML: a table header without its closing bracket "
     "(line 1, column 5)"},
    {"x = 1\na = \"\"\"\nno end", -EBADMSG,
     "f is not valid TOML: a multi-line string without its end (line 3, "
     "column 7)"},
    {"a = [1, 2\nb = 3\n", -EBADMSG,
     "f is not valid TOML: expected ',' or ']' in an array (line 2, "
     "column 1)"},
    {"a = 1 2\n", -EBADMSG,
     "f is not valid TOML: unexpected text after the value (line 1, "
     "column 7)"},
    {"= 1\n", -EBADMSG,
     "f is not valid TOML: a key was expected (line 1, column 1)"},
    {"a = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
     "]]]]]]]\n",
     -E2BIG,
     "f is not valid TOML: arrays or inline tables nested deeper than 32 "
     "(line 1, column 38)"},
};

static int last_line(const struct toml_stmt *s, void *ud)
{
	*(unsigned *)ud = s->line;
	return 0;
}

static void test_toml_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(toml_bad) / sizeof(*toml_bad); i++) {
		struct aa_oci_err err = {0};
		int r = toml_scan(toml_bad[i].text, strlen(toml_bad[i].text),
				  "f", no_op, NULL, &err);

		if (r != toml_bad[i].ret || strcmp(err.text, toml_bad[i].msg))
			fail_msg("case %zu: %d \"%s\"", i, r, err.text);
	}
	/* a NUL byte, even inside a string (found by tests/fuzz/configure:
	 * an imports edit spliced with C strings cut the file there) */
	{
		static const char nul[] = "version = 2\nx = \"a\0b\"\n";
		struct aa_oci_err err = {0};

		assert_int_equal(
		    toml_scan(nul, sizeof(nul) - 1, "f", no_op, NULL, &err),
		    -EBADMSG);
		assert_string_equal(err.text, "f is not valid TOML: a NUL "
					      "byte (line 2, column 7)");
	}
}

/* --print (the snippets make install writes) is what configure writes:
 * daemon.json and the drop-ins whole, containerd's tables as added to a
 * config.toml of its own. */
static void test_snippet(void **state)
{
	static const struct {
		enum aa_oci_engine e;
		const char *input, *as, *config;
	} t[] = {
	    {D, NULL, NULL, "daemon.json"},
	    {O, NULL, NULL, "crio.conf.d"},
	    {P, NULL, NULL, "containers.conf.d"},
	    {C, "containerd-debian.toml", "config.toml", "config.toml"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
		for (int sd = 0; sd < 2; sd++) {
			struct ccase c = {.name = "snippet",
					  .engine = t[i].e,
					  .input = t[i].input,
					  .as = t[i].as,
					  .config = t[i].config,
					  .set_default = sd};
			char *dir = fx_base_mkdtemp(), *config, *text = NULL;
			struct aa_oci_configure_opts o;
			struct aa_oci_configure_plan p = {0};
			struct aa_oci_err err = {0};
			size_t len = 0;
			bool found = false;

			if (t[i].e != D && t[i].e != C) {
				char *d = fx_path(dir, t[i].config);

				assert_int_equal(mkdir(d, 0700), 0);
				free(d);
			}
			setup_case(&c, dir, &o, &config);
			if (t[i].e == C && sd)
				o.set_default = false; /* refused there */
			assert_int_equal(configure_snippet(&o, &text, &len), 0);
			assert_int_equal(configure_plan(&o, &p, &err), 0);
			for (size_t k = 0; k < p.n; k++)
				if (p.files[k].new &&memmem(p.files[k].new,
							    p.files[k].new_len,
							    text, len) &&
				    (t[i].e == C || p.files[k].new_len == len))
					found = true;
			if (!found)
				fail_msg("engine %d: --print is not what "
					 "configure writes:\n%s",
					 (int)t[i].e, text);
			configure_plan_free(&p);
			free(text);
			free(config);
			fx_rm_rf(dir);
			free(dir);
		}
}

/* A config.toml near the size limit, one statement per line, is read in
 * one pass: each statement's line number was counted from the start of the
 * text (35 s for 90,000 lines; found by tests/fuzz/configure's slowness). */
static void test_toml_many_lines(void **state)
{
	size_t n = 90000, cap = 16 + n * 16, len = 0;
	char *buf = malloc(cap);
	struct aa_oci_err err = {0};
	unsigned last = 0;

	(void)state;
	assert_non_null(buf);
	len += (size_t)snprintf(buf, cap, "version = 2\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "k%zu = 1\n", i);
	assert_true(len < AA_OCI_SETTINGS_MAX);
	assert_int_equal(toml_scan(buf, len, "f", last_line, &last, &err), 0);
	assert_int_equal(last, n + 1);
	free(buf);
}

#define N_CASES (sizeof(cases) / sizeof(*cases))

int main(void)
{
	static const struct CMUnitTest more[] = {
	    cmocka_unit_test(test_undo_changed),
	    cmocka_unit_test(test_apply_rollback),
	    cmocka_unit_test(test_read_only),
	    cmocka_unit_test(test_toml_bad),
	    cmocka_unit_test(test_snippet),
	    cmocka_unit_test(test_toml_many_lines),
	};
	struct CMUnitTest tests[N_CASES + sizeof(more) / sizeof(*more)];
	size_t n = 0;

	/* one test per case of the table, named after its expected file */
	for (size_t i = 0; i < N_CASES; i++)
		tests[n++] = (struct CMUnitTest){
		    .name = cases[i].name,
		    .test_func = test_case,
		    .initial_state = (void *)&cases[i],
		};
	for (size_t i = 0; i < sizeof(more) / sizeof(*more); i++)
		tests[n++] = more[i];
	return _cmocka_run_group_tests("test-configure", tests, n,
				       fx_group_setup, fx_group_teardown);
}
