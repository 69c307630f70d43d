/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `aa-oci-hook lxc`: the LXC config reader (lines, quotes, includes of
 * files and directories, overrides, cycles, limits) and lxc_hook_run
 * against a fake securityfs root and the real parser behind a test double
 * that lists what it compiled.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/lxc.h"
#include "aa-oci/util.h"

/* ---- helpers ---------------------------------------------------------- */

/* @s with every "@D@" and "@DATA@" replaced by @dir. */
static char *subst(const char *s, const char *dir)
{
	size_t dl = strlen(dir), cap = strlen(s) * (dl + 1) + 1;
	char *out = malloc(cap), *o = out;

	if (!out)
		abort();
	while (*s) {
		if (strncmp(s, "@DATA@", 6) == 0) {
			memcpy(o, dir, dl);
			o += dl;
			s += 6;
		} else if (strncmp(s, "@D@", 3) == 0) {
			memcpy(o, dir, dl);
			o += dl;
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

/* Copy the tree @src to @dst, placing @dst wherever a file says @DATA@. */
static void copy_tree(const char *src, const char *dst, const char *data)
{
	DIR *d = opendir(src);
	struct dirent *de;

	if (!d)
		abort();
	mkdir(dst, 0755);
	while ((de = readdir(d))) {
		char *s, *t;
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		s = fx_path(src, de->d_name);
		t = fx_path(dst, de->d_name);
		if (stat(s, &st) < 0)
			abort();
		if (S_ISDIR(st.st_mode)) {
			copy_tree(s, t, data);
		} else {
			char *text = fx_read(src, de->d_name, NULL);
			char *out = subst(text, data);

			fx_write(dst, de->d_name, "%s", out);
			free(out);
			free(text);
		}
		free(s);
		free(t);
	}
	closedir(d);
}

/* Write @text (with @D@ -> @dir) to @dir/@name, making parent directories. */
static void put(const char *dir, const char *name, const char *text)
{
	char *t = subst(text, dir), *p = fx_path(dir, name);
	size_t start = strlen(dir) + 1;

	for (size_t i = start; p[i]; i++)
		if (p[i] == '/') {
			p[i] = '\0';
			mkdir(p, 0755);
			p[i] = '/';
		}
	fx_write(dir, name, "%s", t);
	free(t);
	free(p);
}

/* ---- the reader: fixtures in tests/data/lxc -------------------------- */

struct fixture_case {
	const char *file; /* under the copied tests/data/lxc */
	int ret;
	const char *value; /* NULL: unset */
	const char *msg;   /* a piece the error line must hold */
};

/* clang-format off */
static const struct fixture_case fixture_cases[] = {
	{"ubuntu/config", 0, "generated", NULL},
	{"named/config", 0, "web", NULL},
	{"include-last/config", 0, "lxc-container-default-cgns", NULL},
	{"unset/config", 0, NULL, NULL},
	{"share/common.conf", 0, "lxc-container-default-cgns", NULL},
	{"share/common.conf.d", 0, "lxc-container-default-cgns", NULL},
	{"cycle/a.conf", -ELOOP, NULL, "/cycle/a.conf (lxc.include in "},
	{"missing/config", -ENOENT, NULL, "/missing/config: No such file"},
};
/* clang-format on */

static void test_fixtures(void **state)
{
	char *top = fx_tmpdir(), *src = fx_repo_path("tests/data/lxc");

	copy_tree(src, top, top);
	for (size_t i = 0; i < sizeof(fixture_cases) / sizeof(*fixture_cases);
	     i++) {
		const struct fixture_case *c = &fixture_cases[i];
		struct aa_oci_err err = {0};
		char *path = fx_path(top, c->file), *v = (char *)"untouched";
		int r = lxc_config_get(path, "lxc.apparmor.profile", &v, &err);

		if (r != c->ret)
			fail_msg("%s: returned %d, want %d (%s)", c->file, r,
				 c->ret, err.text);
		if (r == 0 &&
		    (c->value ? !v || strcmp(v, c->value) : v != NULL))
			fail_msg("%s: value \"%s\", want \"%s\"", c->file,
				 v ? v : "(unset)",
				 c->value ? c->value : "(unset)");
		if (r < 0 && strcmp(v, "untouched") != 0)
			fail_msg("%s: ret_value set on failure", c->file);
		if (c->msg && !strstr(err.text, c->msg))
			fail_msg("%s: message \"%s\" lacks \"%s\"", c->file,
				 err.text, c->msg);
		if (r == 0)
			free(v);
		free(path);
	}
	/* Other keys come out too; a later key wins over an earlier one. */
	{
		char *path = fx_path(top, "ubuntu/config"), *v = NULL;

		assert_int_equal(lxc_config_get(path, "lxc.tty.max", &v, NULL),
				 0);
		assert_string_equal(v, "4");
		free(v);
		assert_int_equal(lxc_config_get(path, "lxc.uts.name", &v, NULL),
				 0);
		assert_string_equal(v, "ubuntu");
		free(v);
		assert_int_equal(lxc_config_get(path, "lxc.nothing", &v, NULL),
				 0);
		assert_null(v);
		free(path);
	}
	fx_rm_rf(top);
	free(top);
	free(src);
}

/* ---- the reader: cases written here ----------------------------------- */

#define MAX_FILES 4

struct reader_case {
	const char *what;
	struct {
		const char *name, *text; /* @D@ -> the case's directory */
	} files[MAX_FILES];		 /* files[0] is the one read */
	int ret;
	const char *value; /* NULL: unset */
	const char *msg;   /* a piece the error line must hold (@D@ allowed) */
};

#define K "lxc.apparmor.profile"

/* clang-format off */
static const struct reader_case reader_cases[] = {
	{"plain", {{"c", K " = web\n"}}, 0, "web", NULL},
	{"no spaces, no final newline", {{"c", K "=web"}}, 0, "web", NULL},
	{"tabs and spaces trimmed", {{"c", " \t" K " \t=\t web \t\n"}}, 0, "web", NULL},
	{"double quotes", {{"c", K " = \"web\"\n"}}, 0, "web", NULL},
	{"single quotes", {{"c", K " = 'web'\n"}}, 0, "web", NULL},
	{"unmatched quote kept", {{"c", K " = \"web\n"}}, 0, "\"web", NULL},
	{"one quote kept", {{"c", K " = \"\n"}}, 0, "\"", NULL},
	{"quoted empty is empty, unsets", {{"c", K " = a\n" K " = \"\"\n"}}, 0, NULL, NULL},
	{"comments and blank lines",
	 {{"c", "# " K " = no\n\n   # " K " = no\n\t\n\f\n" K " = web\n#" K " = no\n"}},
	 0, "web", NULL},
	{"a comment is a whole line only", {{"c", K " = web # note\n"}}, 0, "web # note", NULL},
	{"later key wins", {{"c", K " = a\n" K " = b\n"}}, 0, "b", NULL},
	{"empty value unsets", {{"c", K " = a\n" K " =\n"}}, 0, NULL, NULL},
	{"unset then set", {{"c", K " =\n" K " = c\n"}}, 0, "c", NULL},
	{"absent key", {{"c", "lxc.uts.name = x\n"}}, 0, NULL, NULL},
	{"key is matched whole",
	 {{"c", K ".x = a\nlxc.apparmor.profil = b\n" K "s = c\n"}}, 0, NULL, NULL},
	{"lines that are not lxc.* are dropped",
	 {{"c", "hello world\nLXC.x\nfoo = " K " = x\n" K " = web\n"}}, 0, "web", NULL},
	{"lxc. line without '=', key-like", {{"c", K "2\n"}}, -EINVAL, NULL,
	 "@D@/c line 1: \"" K "2\" has no '='"},
	{"CRLF and CR line ends", {{"c", "# x\r\n" K " = a\r\n" K " = web\r"}}, 0, "web", NULL},
	/* The test appends a NUL byte and another assignment to this one. */
	{"text ends at a NUL byte, as in LXC", {{"c", K " = web\n"}}, 0, "web", NULL},
	{"lxc. line without '='", {{"c", K " = a\nlxc.tty.max 4\n"}}, -EINVAL, NULL,
	 "@D@/c line 2: \"lxc.tty.max 4\" has no '='"},
	{"include after a key overrides it",
	 {{"c", K " = a\nlxc.include = @D@/i\n"}, {"i", K " = b\n"}}, 0, "b", NULL},
	{"key after an include overrides it",
	 {{"c", "lxc.include = @D@/i\n" K " = a\n"}, {"i", K " = b\n"}}, 0, "a", NULL},
	{"include that does not set the key",
	 {{"c", K " = a\nlxc.include = @D@/i\n"}, {"i", "lxc.tty.max = 1\n"}}, 0, "a", NULL},
	{"include that unsets",
	 {{"c", K " = a\nlxc.include = @D@/i\n"}, {"i", K " =\n"}}, 0, NULL, NULL},
	{"quoted include, spaces",
	 {{"c", "lxc.include  =  '@D@/i'  \n"}, {"i", K " = b\n"}}, 0, "b", NULL},
	{"nested includes",
	 {{"c", "lxc.include = @D@/i\n"}, {"i", K " = b\nlxc.include = @D@/j\n"},
	  {"j", K " = c\n"}}, 0, "c", NULL},
	{"same file twice is no cycle",
	 {{"c", "lxc.include = @D@/i\n" K " = a\nlxc.include = @D@/i\n"}, {"i", K " = b\n"}},
	 0, "b", NULL},
	{"empty include includes nothing", {{"c", K " = a\nlxc.include =\n"}}, 0, "a", NULL},
	{"directory, trailing slash",
	 {{"c", K " = a\nlxc.include = @D@/d/\n"}, {"d/x.conf", K " = b\n"}}, 0, "b", NULL},
	{"directory, no trailing slash",
	 {{"c", K " = a\nlxc.include = @D@/d\n"}, {"d/x.conf", K " = b\n"}}, 0, "b", NULL},
	{"directory: only *.conf",
	 {{"c", K " = a\nlxc.include = @D@/d\n"}, {"d/x.conf~", K " = no\n"},
	  {"d/x.cnf", K " = no\n"}, {"d/.conf", K " = no\n"}}, 0, "a", NULL},
	{"directory: hidden *.conf is read, as in LXC",
	 {{"c", "lxc.include = @D@/d\n"}, {"d/.x.conf", K " = b\n"}}, 0, "b", NULL},
	{"missing directory with '/': skipped",
	 {{"c", K " = a\nlxc.include = @D@/nodir/\n"}}, 0, "a", NULL},
	{"missing include", {{"c", "\n\nlxc.include = @D@/nofile\n"}}, -ENOENT, NULL,
	 "cannot read LXC config @D@/nofile (lxc.include in @D@/c line 3): No such file"},
	{"missing file in an include of an include",
	 {{"c", "lxc.include = @D@/i\n"}, {"i", "#\nlxc.include = @D@/gone\n"}}, -ENOENT, NULL,
	 "@D@/gone (lxc.include in @D@/i line 2)"},
	{"relative include", {{"c", "lxc.include = common.conf\n"}}, -EINVAL, NULL,
	 "lxc.include \"common.conf\" (lxc.include in @D@/c line 1) is a relative path"},
	{"includes itself", {{"c", K " = a\nlxc.include = @D@/c\n"}}, -ELOOP, NULL,
	 "@D@/c (lxc.include in @D@/c line 2) includes itself"},
	{"cycle of three",
	 {{"c", "lxc.include = @D@/i\n"}, {"i", "lxc.include = @D@/j\n"},
	  {"j", "lxc.include = @D@/c\n"}}, -ELOOP, NULL, "includes itself"},
	{"cycle through a directory",
	 {{"c", "lxc.include = @D@/d/\n"}, {"d/x.conf", "lxc.include = @D@/d\n"}}, -ELOOP, NULL,
	 "@D@/d/x.conf (lxc.include in @D@/d/x.conf line 1) includes itself"},
	{"a directory named *.conf in an included directory",
	 {{"c", "lxc.include = @D@/d\n"}, {"d/sub.conf/x", "\n"}}, -EINVAL, NULL,
	 "LXC config @D@/d/sub.conf (lxc.include in @D@/c line 1) is not a regular file"},
};
/* clang-format on */

static void test_reader(void **state)
{
	for (size_t i = 0; i < sizeof(reader_cases) / sizeof(*reader_cases);
	     i++) {
		const struct reader_case *c = &reader_cases[i];
		struct aa_oci_err err = {0};
		char *dir = fx_tmpdir(), *path, *msg;
		char *v = (char *)"untouched";
		int r;

		for (int f = 0; f < MAX_FILES && c->files[f].name; f++)
			put(dir, c->files[f].name, c->files[f].text);
		path = fx_path(dir, c->files[0].name);
		if (strstr(c->what, "NUL byte")) {
			static const char tail[] = "\0" K " = after-nul\n";
			FILE *fp = fopen(path, "a");

			fwrite(tail, 1, sizeof(tail) - 1, fp);
			fclose(fp);
		}
		r = lxc_config_get(path, K, &v, &err);
		if (r != c->ret)
			fail_msg("case \"%s\": returned %d, want %d (%s)",
				 c->what, r, c->ret, err.text);
		if (r == 0 &&
		    (c->value ? !v || strcmp(v, c->value) : v != NULL))
			fail_msg("case \"%s\": value \"%s\", want \"%s\"",
				 c->what, v ? v : "(unset)",
				 c->value ? c->value : "(unset)");
		if (r < 0 && strcmp(v, "untouched") != 0)
			fail_msg("case \"%s\": ret_value set on failure",
				 c->what);
		if (r < 0 && err.code != r)
			fail_msg("case \"%s\": err.code %d", c->what, err.code);
		msg = c->msg ? subst(c->msg, dir) : NULL;
		if (msg && !strstr(err.text, msg))
			fail_msg("case \"%s\": message \"%s\" lacks \"%s\"",
				 c->what, err.text, msg);
		free(msg);
		if (r == 0)
			free(v);
		free(path);
		fx_rm_rf(dir);
		free(dir);
	}
}

/* Files in one included directory are read in readdir() order, as LXC. */
static void test_directory_order(void **state)
{
	char *dir = fx_tmpdir(), *sub = fx_path(dir, "d"), *path, *v = NULL;
	const char *last = NULL;
	struct dirent *de;
	DIR *d;

	mkdir(sub, 0755);
	for (int i = 0; i < 20; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%02d-p.conf", i);
		fx_write(sub, name, K " = p%02d\n", i);
	}
	fx_write(dir, "c", "lxc.include = %s\n", sub);
	/* What LXC's do_includedir() would read last. */
	d = opendir(sub);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".conf"))
			last = de->d_name;
	assert_non_null(last);
	path = fx_path(dir, "c");
	assert_int_equal(lxc_config_get(path, K, &v, NULL), 0);
	assert_non_null(v);
	assert_int_equal(strncmp(v + 1, last, 2), 0);
	closedir(d);
	free(v);
	free(path);
	free(sub);
	fx_rm_rf(dir);
	free(dir);
}

static void test_reader_limits(void **state)
{
	char *dir = fx_tmpdir(), *path = fx_path(dir, "f0"), *v = NULL;
	struct aa_oci_err err = {0};
	FILE *f;

	/* AA_OCI_LXC_INCLUDE_DEPTH files in a chain are fine, one more is not.
	 */
	for (int i = 0; i < AA_OCI_LXC_INCLUDE_DEPTH; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", i);
		if (i == AA_OCI_LXC_INCLUDE_DEPTH - 1)
			fx_write(dir, name, K " = deep\n");
		else
			fx_write(dir, name, "lxc.include = %s/f%d\n", dir,
				 i + 1);
	}
	assert_int_equal(lxc_config_get(path, K, &v, &err), 0);
	assert_string_equal(v, "deep");
	free(v);
	v = NULL;
	fx_write(dir, "f15", "lxc.include = %s/f16\n", dir);
	fx_write(dir, "f16", K " = deeper\n");
	assert_int_equal(lxc_config_get(path, K, &v, &err), -ELOOP);
	assert_null(v);
	assert_non_null(strstr(err.text, "more than 16 config files nested"));
	assert_non_null(strstr(err.text, "/f16 (lxc.include in "));

	/* 1 MiB is read; 1 MiB and a byte is refused, before reading. */
	f = fopen(path, "w");
	fputs(K " = big\n#", f);
	for (size_t n = strlen(K " = big\n#"); n < AA_OCI_LXC_CONFIG_MAX; n++)
		fputc('x', f);
	fclose(f);
	assert_int_equal(lxc_config_get(path, K, &v, &err), 0);
	assert_string_equal(v, "big");
	free(v);
	v = NULL;
	f = fopen(path, "a");
	fputc('x', f);
	fclose(f);
	assert_int_equal(lxc_config_get(path, K, &v, &err), -E2BIG);
	assert_non_null(strstr(err.text, "is larger than 1024 KiB"));
	assert_non_null(strstr(err.text, path));

	/* The same small file included over and over: a total limit. */
	f = fopen(path, "w");
	for (int i = 0; i <= AA_OCI_LXC_FILES_MAX; i++)
		fprintf(f, "lxc.include = %s/f16\n", dir);
	fclose(f);
	assert_int_equal(lxc_config_get(path, K, &v, &err), -E2BIG);
	assert_non_null(strstr(err.text, "more than 1024 config files read"));
	assert_null(v);

	/* Not a regular file; relative and empty paths. */
	free(path);
	path = fx_path(dir, "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(lxc_config_get(path, K, &v, &err), -EINVAL);
	assert_non_null(strstr(err.text, "is not a regular file"));
	assert_int_equal(lxc_config_get("config", K, &v, &err), -EINVAL);
	assert_string_equal(err.text, "LXC config \"config\" is a relative "
				      "path; an absolute one is needed");
	assert_int_equal(lxc_config_get("", K, &v, &err), -EINVAL);
	assert_null(v);

	free(path);
	fx_rm_rf(dir);
	free(dir);
}

/* ---- the hook ---------------------------------------------------------- */

struct env {
	char *top, *fs, *dir, *run, *config, *lxc;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char *parser = fx_repo_path("tests/data/parsers/kernel-sim");

	e->top = fx_tmpdir();
	e->fs = fx_apparmorfs(
	    "loaded (enforce)\nlxc-container-default-cgns (enforce)\n");
	e->dir = fx_path(e->top, "profiles");
	e->run = fx_path(e->top, "run");
	e->config = fx_path(e->top, "config.json");
	e->lxc = fx_path(e->top, "config");
	mkdir(e->dir, 0755);
	fx_write(e->top, "config.json",
		 "{\"profile_dirs\": [\"%s\"], \"parser\": \"%s\", "
		 "\"run_dir\": \"%s\", \"cache_dir\": \"\"}",
		 e->dir, parser, e->run);
	fx_write(e->dir, "web", "profile web {\n  file,\n}\n");
	free(parser);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fx_rm_rf(e->top);
	fx_rm_rf(e->fs);
	free(e->top);
	free(e->fs);
	free(e->dir);
	free(e->run);
	free(e->config);
	free(e->lxc);
	free(e);
	return 0;
}

#define V1 NULL /* no arguments: lxc.hook.version = 1 */

struct hook_case {
	const char *what;
	const char
	    *lxc; /* the container's config; NULL: LXC_CONFIG_FILE unset */
	const char *args[6];  /* after "lxc", NULL-terminated; {V1}: none */
	const char *env_type; /* LXC_HOOK_TYPE */
	const char *cgns;     /* LXC_CGNS_AWARE */
	int ret;
	const char *name;    /* report.name */
	const char *profile; /* report.profile, NULL for none */
	bool loaded;
	int action;	 /* load.action when ret is 0 and a profile is set */
	const char *msg; /* a piece of err.text, or of report.skipped */
};

#define PS "pre-start"
#define P(v) K " = " v "\n"

/* clang-format off */
static const struct hook_case hook_cases[] = {
	{"named profile in a profile dir", P("web"), {V1}, PS, "1",
	 0, "c1", "web", true, AA_OCI_LOAD_FILE, NULL},
	{"already loaded: nothing compiled", P("loaded"), {V1}, PS, "1",
	 0, "c1", "loaded", false, AA_OCI_LOAD_ALREADY, NULL},
	{"lxc-container-default generated", P("lxc-container-default"), {V1}, PS, "1",
	 0, "c1", "lxc-container-default", true, AA_OCI_LOAD_GENERATED, NULL},
	{"unset, cgroup namespaces: -cgns, loaded already", "lxc.tty.max = 4\n", {V1}, PS, "1",
	 0, "c1", "lxc-container-default-cgns", false, AA_OCI_LOAD_ALREADY, NULL},
	{"unset, no cgroup namespaces: generated", "", {V1}, PS, NULL,
	 0, "c1", "lxc-container-default", true, AA_OCI_LOAD_GENERATED, NULL},
	{"LXC_CGNS_AWARE other than 1", "", {V1}, PS, "0",
	 0, "c1", "lxc-container-default", true, AA_OCI_LOAD_GENERATED, NULL},
	{"empty value: the default", P("web") K " =\n", {V1}, PS, NULL,
	 0, "c1", "lxc-container-default", true, AA_OCI_LOAD_GENERATED, NULL},
	{"generated: LXC's business", P("generated"), {V1}, PS, "1",
	 0, "c1", NULL, false, 0, "LXC generates and loads its own profile"},
	{"unchanged: LXC's business", P("unchanged"), {V1}, PS, "1",
	 0, "c1", NULL, false, 0, "leaves the AppArmor label as it is"},
	{"unconfined: LXC's business", P("unconfined"), {V1}, PS, "1",
	 0, "c1", NULL, false, 0, "runs unconfined"},
	{"version 0 arguments", P("web"), {"c0", "lxc", PS}, NULL, "1",
	 0, "c0", "web", true, AA_OCI_LOAD_FILE, NULL},
	{"version 0 wins over a stale LXC_HOOK_TYPE", P("web"), {"c0", "lxc", PS}, "stop", "1",
	 0, "c0", "web", true, AA_OCI_LOAD_FILE, NULL},
	{"version 0, extra arguments", P("web"), {"c0", "lxc", PS, "x"}, NULL, "1",
	 0, "c0", "web", true, AA_OCI_LOAD_FILE, NULL},
	{"version 0, too few arguments", P("web"), {"c0", "lxc"}, NULL, "1",
	 -EINVAL, NULL, NULL, false, 0, "expected NAME SECTION HOOKTYPE"},
	{"version 0, other hook type", P("web"), {"c0", "lxc", "post-stop"}, NULL, "1",
	 -EINVAL, "c0", NULL, false, 0,
	 "hook type \"post-stop\": aa-oci-hook lxc works only as lxc.hook.pre-start"},
	{"version 1, other hook type", P("web"), {V1}, "start", "1",
	 -EINVAL, "c1", NULL, false, 0, "hook type \"start\""},
	{"no hook type at all", P("web"), {V1}, NULL, "1",
	 -EINVAL, "c1", NULL, false, 0, "LXC_HOOK_TYPE is not set and no arguments were given"},
	{"LXC_CONFIG_FILE unset", NULL, {V1}, PS, "1",
	 -ENOENT, "c1", NULL, false, 0, "LXC_CONFIG_FILE is not set"},
	{"profile not found", P("payment-api"), {V1}, PS, "1",
	 -ENOENT, "c1", "payment-api", false, 0, "not found in"},
	{"stacked label refused", P("lxc-container-default-cgns//&:lxd:"), {V1}, PS, "1",
	 -EINVAL, "c1", NULL, false, 0, "not stacked (a//&b) or namespaced"},
	{"namespaced label refused", P(":ns:web"), {V1}, PS, "1",
	 -EINVAL, "c1", NULL, false, 0, "lxc.apparmor.profile in "},
	{"traversal refused", P("../../etc/passwd"), {V1}, PS, "1",
	 -EINVAL, "c1", NULL, false, 0, "must start with a letter"},
	{"bad config line", "lxc.tty.max\n", {V1}, PS, "1",
	 -EINVAL, "c1", NULL, false, 0, "has no '='"},
};
/* clang-format on */

static int run(struct env *e, const struct hook_case *c, const char *name,
	       const char *config_file, struct aa_oci_lxc_report *rep,
	       struct aa_oci_err *err)
{
	int argc = 0;

	while (c->args[argc])
		argc++;
	struct aa_oci_lxc_opts o = {
	    .apparmorfs = e->fs,
	    .config_path = e->config,
	    .config_required = true,
	    .argv = (char *const *)c->args,
	    .argc = argc,
	    .env_name = name,
	    .env_hook_type = c->env_type,
	    .env_config_file = config_file,
	    .env_cgns_aware = c->cgns,
	};

	err_clear(err);
	return lxc_hook_run(&o, rep, err);
}

static void test_hook_table(void **state)
{
	for (size_t i = 0; i < sizeof(hook_cases) / sizeof(*hook_cases); i++) {
		const struct hook_case *c = &hook_cases[i];
		struct aa_oci_lxc_report rep;
		struct aa_oci_err err;
		struct env *e;
		size_t len = 0;
		char *b, *runs;
		int r;

		setup((void **)&e);
		if (c->lxc)
			fx_write(e->top, "config", "%s", c->lxc);
		r = run(e, c, "c1", c->lxc ? e->lxc : NULL, &rep, &err);
		if (r != c->ret)
			fail_msg("case \"%s\": returned %d, want %d (%s)",
				 c->what, r, c->ret, err.text);
		if (c->name ? !rep.name || strcmp(rep.name, c->name)
			    : rep.name != NULL)
			fail_msg("case \"%s\": name %s", c->what,
				 rep.name ? rep.name : "(none)");
		if (c->profile ? !rep.profile || strcmp(rep.profile, c->profile)
			       : rep.profile != NULL)
			fail_msg("case \"%s\": profile %s, want %s", c->what,
				 rep.profile ? rep.profile : "(none)",
				 c->profile ? c->profile : "(none)");
		if (rep.loaded != c->loaded)
			fail_msg("case \"%s\": loaded %d", c->what, rep.loaded);
		if (r == 0 && c->profile && (int)rep.load.action != c->action)
			fail_msg("case \"%s\": action %d, want %d", c->what,
				 rep.load.action, c->action);
		if (r == 0 && c->profile &&
		    rep.load.mode != AA_OCI_MODE_ENFORCE)
			fail_msg("case \"%s\": mode %d", c->what,
				 rep.load.mode);
		if (r == 0 && c->action == AA_OCI_LOAD_FILE && c->loaded &&
		    (!rep.load.source ||
		     !strstr(rep.load.source, "/profiles/")))
			fail_msg("case \"%s\": source %s", c->what,
				 rep.load.source ? rep.load.source : "(none)");
		if (r == 0 && !c->profile && !rep.skipped)
			fail_msg("case \"%s\": nothing done, but no reason",
				 c->what);
		if (c->msg) {
			const char *text = r < 0 ? err.text : rep.skipped;

			if (!text || !strstr(text, c->msg))
				fail_msg(
				    "case \"%s\": message \"%s\" lacks \"%s\"",
				    c->what, text ? text : "", c->msg);
		}
		if (r < 0 && err.code != r)
			fail_msg("case \"%s\": err.code %d", c->what, err.code);
		/* A load happened exactly when the report says so ... */
		b = fx_read(e->fs, ".replace", &len);
		if ((len > 0) != c->loaded)
			fail_msg("case \"%s\": %zu bytes in .replace", c->what,
				 len);
		free(b);
		/* ... and the parser ran exactly then. */
		runs = fx_read(e->fs, "parser-runs", NULL);
		if ((runs != NULL) != c->loaded)
			fail_msg("case \"%s\": parser %s", c->what,
				 runs ? "ran" : "did not run");
		free(runs);
		if (c->loaded) {
			char *profiles = fx_read(e->fs, "profiles", NULL);
			char want[300];

			snprintf(want, sizeof(want), "\n%s (enforce)\n",
				 c->profile);
			if (!strstr(profiles, want))
				fail_msg("case \"%s\": kernel lists %s",
					 c->what, profiles);
			free(profiles);
		}
		lxc_report_free(&rep);
		teardown((void **)&e);
	}
}

static const struct hook_case v1 = {.args = {V1}, .env_type = PS, .cgns = "1"};

/* The fixture tree: a download-template config and a named profile. */
static void test_hook_fixtures(void **state)
{
	struct env *e = *state;
	struct aa_oci_lxc_report rep;
	struct aa_oci_err err;
	char *src = fx_repo_path("tests/data/lxc"),
	     *data = fx_path(e->top, "data");
	char *path;

	copy_tree(src, data, data);
	path = fx_path(data, "ubuntu/config");
	assert_int_equal(run(e, &v1, "ubuntu", path, &rep, &err), 0);
	assert_string_equal(rep.value, "generated");
	assert_null(rep.profile);
	assert_false(rep.loaded);
	lxc_report_free(&rep);
	free(path);

	path = fx_path(data, "named/config");
	assert_int_equal(run(e, &v1, "named", path, &rep, &err), 0);
	assert_string_equal(rep.profile, "web");
	assert_true(rep.loaded);
	lxc_report_free(&rep);
	/* The second start finds it loaded. */
	assert_int_equal(run(e, &v1, "named", path, &rep, &err), 0);
	assert_false(rep.loaded);
	assert_int_equal(rep.load.action, AA_OCI_LOAD_ALREADY);
	lxc_report_free(&rep);
	free(path);

	path = fx_path(data, "cycle/a.conf");
	assert_int_equal(run(e, &v1, "cycle", path, &rep, &err), -ELOOP);
	assert_non_null(strstr(err.text, "includes itself"));
	assert_null(rep.profile);
	lxc_report_free(&rep);
	free(path);
	free(data);
	free(src);
}

static void test_hook_config_file(void **state)
{
	struct env *e = *state;
	struct aa_oci_lxc_report rep;
	struct aa_oci_err err;
	char *gone = fx_path(e->top, "nonexistent");

	assert_int_equal(run(e, &v1, "c1", gone, &rep, &err), -ENOENT);
	assert_non_null(strstr(err.text, gone));
	assert_non_null(strstr(err.text, "No such file"));
	lxc_report_free(&rep);
	assert_int_equal(run(e, &v1, "c1", "", &rep, &err), -ENOENT);
	assert_non_null(strstr(err.text, "LXC_CONFIG_FILE is not set"));
	lxc_report_free(&rep);
	assert_int_equal(run(e, &v1, "c1", "config", &rep, &err), -EINVAL);
	assert_non_null(strstr(err.text, "relative path"));
	lxc_report_free(&rep);
	free(gone);
}

static void test_hook_no_apparmor(void **state)
{
	struct env *e = *state;
	struct aa_oci_lxc_report rep;
	struct aa_oci_err err;

	fx_rm_rf(e->fs);
	/* Unset: LXC applies no profile without AppArmor; start. */
	fx_write(e->top, "config", "lxc.tty.max = 4\n");
	assert_int_equal(run(e, &v1, "c1", e->lxc, &rep, &err), 0);
	assert_string_equal(rep.skipped,
			    "AppArmor is not enabled: LXC applies no profile");
	assert_false(rep.loaded);
	assert_string_equal(err.text, "");
	lxc_report_free(&rep);
	/* A named profile without AppArmor: refused. */
	fx_write(e->top, "config", P("web"));
	assert_int_equal(run(e, &v1, "c1", e->lxc, &rep, &err), -ENOENT);
	assert_non_null(strstr(err.text, "AppArmor is not enabled"));
	assert_string_equal(rep.profile, "web");
	lxc_report_free(&rep);
	mkdir(e->fs, 0700); /* for teardown */
}

static void test_hook_name(void **state)
{
	struct env *e = *state;
	struct aa_oci_lxc_report rep;
	struct aa_oci_err err;
	char long_name[400];

	fx_write(e->top, "config", P("unconfined"));
	/* Bytes that would break a log line are replaced. */
	assert_int_equal(run(e, &v1, "c\n1\x1b[31m\xff", e->lxc, &rep, &err),
			 0);
	assert_string_equal(rep.name, "c?1?[31m?");
	lxc_report_free(&rep);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(run(e, &v1, long_name, e->lxc, &rep, &err), 0);
	assert_int_equal(strlen(rep.name), AA_OCI_LXC_NAME_MAX);
	lxc_report_free(&rep);
	/* No LXC_NAME: no name, still works. */
	assert_int_equal(run(e, &v1, NULL, e->lxc, &rep, &err), 0);
	assert_null(rep.name);
	lxc_report_free(&rep);
}

static void test_hook_settings(void **state)
{
	struct env *e = *state;
	struct aa_oci_lxc_report rep;
	struct aa_oci_err err;

	fx_write(e->top, "config", P("web"));
	unlink(e->config);
	assert_int_equal(run(e, &v1, "c1", e->lxc, &rep, &err), -ENOENT);
	assert_non_null(strstr(err.text, "config file"));
	assert_string_equal(rep.profile, "web");
	lxc_report_free(&rep);
	/* Special values read them too: one decision, after the settings;
	 * a settings file named but missing fails closed. */
	fx_write(e->top, "config", P("generated"));
	assert_int_equal(run(e, &v1, "c1", e->lxc, &rep, &err), -ENOENT);
	lxc_report_free(&rep);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixtures),
	    cmocka_unit_test(test_reader),
	    cmocka_unit_test(test_directory_order),
	    cmocka_unit_test(test_reader_limits),
	    cmocka_unit_test(test_hook_table),
	    T(test_hook_fixtures),
	    T(test_hook_config_file),
	    T(test_hook_no_apparmor),
	    T(test_hook_name),
	    T(test_hook_settings),
	};

	return cmocka_run_group_tests_name("lxc", tests, NULL, NULL);
}
