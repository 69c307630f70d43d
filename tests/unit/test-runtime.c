/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci-runtime's parts: the command line it must understand as runc and
 * crun do, the config.json rewrite, the conflict rules, the whole prepare.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "fixture.h"
#include "aa-oci/config.h"
#include "aa-oci/json.h"
#include "aa-oci/resolve.h"
#include "aa-oci/oci.h"
#include "aa-oci/rundir.h"
#include "aa-oci/rewrite.h"
#include "aa-oci/runtime.h"
#include "aa-oci/util.h"

/* --- runtime_parse_args --- */

struct args_case {
	const char *argv[16];
	int ret;
	int command; /* index, -1 none */
	bool prepare;
	const char *bundle;
	const char *id;
};

static const struct args_case args_cases[] = {
    {{"runc", "create", "--bundle", "/b", "c1"}, 0, 1, true, "/b", "c1"},
    {{"runc", "create", "-b", "/b", "c1"}, 0, 1, true, "/b", "c1"},
    {{"runc", "create", "--bundle=/b", "c1"}, 0, 1, true, "/b", "c1"},
    {{"runc", "create", "-b=/b", "c1"}, 0, 1, true, "/b", "c1"},
    {{"runc", "create", "-bundle", "/b", "c1"}, 0, 1, true, "/b", "c1"},
    {{"runc", "create", "-bundle=/b", "c1"}, 0, 1, true, "/b", "c1"},
    {{"runc", "run", "--bundle", "/b", "c1"}, 0, 1, true, "/b", "c1"},
    {{"runc", "run", "-d", "--bundle", "/b", "c1"}, 0, 1, true, "/b", "c1"},
    {{"runc", "create", "c1"}, 0, 1, true, NULL, "c1"},
    {{"runc", "create", "c1", "--bundle", "/b"}, 0, 1, true, "/b", "c1"},
    {{"runc", "--root", "/run/runc", "--log", "/l", "--log-format", "json",
      "create", "--bundle", "/b", "--console-socket", "/s", "--pid-file", "/p",
      "c1"},
     0,
     7,
     true,
     "/b",
     "c1"},
    {{"runc", "--root=/r", "--debug", "--systemd-cgroup", "run", "-b", "/b",
      "c1"},
     0,
     4,
     true,
     "/b",
     "c1"},
    {{"runc", "-root", "/r", "create", "-b", "/b", "c1"},
     0,
     3,
     true,
     "/b",
     "c1"},
    {{"crun", "--cgroup-manager", "systemd", "--log-level", "debug", "create",
      "--bundle", "/b", "c1"},
     0,
     5,
     true,
     "/b",
     "c1"},
    {{"runc", "create", "--no-pivot", "--no-new-keyring", "--preserve-fds", "3",
      "-b", "/b", "c1"},
     0,
     1,
     true,
     "/b",
     "c1"},
    /* a value that looks like the option is still a value */
    {{"runc", "create", "--pid-file", "-b", "c1"}, 0, 1, true, NULL, "c1"},
    {{"runc", "create", "-b", "/b", "--", "c1"}, 0, 1, true, "/b", "c1"},
    {{"runc", "start", "c1"}, 0, 1, false, NULL, NULL},
    {{"runc", "--root", "/r", "delete", "--force", "c1"},
     0,
     3,
     false,
     NULL,
     NULL},
    {{"runc", "exec", "-b", "/b", "c1"}, 0, 1, false, NULL, NULL},
    {{"runc"}, 0, -1, false, NULL, NULL},
    {{"runc", "create", "--bundle"}, -EINVAL, 0, false, NULL, NULL},
    {{"runc", "create", "-b"}, -EINVAL, 0, false, NULL, NULL},
    {{"runc", "--root"}, -EINVAL, 0, false, NULL, NULL},
    /* "--" ends runc's global options; the command follows */
    {{"runc", "--", "create", "c1"}, 0, 2, true, NULL, "c1"},
    {{"runc", "--root", "/r", "--", "run", "-b", "/b", "c1"},
     0,
     4,
     true,
     "/b",
     "c1"},
    /* not a request: a value, after "--", turned off, or past an option
     * we do not know (which might take "-h" as its value) */
    {{"runc", "run", "--pid-file", "-h", "c1"}, 0, 1, true, NULL, "c1"},
    {{"runc", "run", "-b", "--help", "c1"}, 0, 1, true, "--help", "c1"},
    {{"runc", "run", "--", "--help"}, 0, 1, true, NULL, "--help"},
    {{"runc", "run", "--help=false", "c1"}, 0, 1, true, NULL, "c1"},
    {{"runc", "run", "-h=f", "-b", "/b", "c1"}, 0, 1, true, "/b", "c1"},
    {{"runc", "run", "--help", "--help=false", "c1"}, 0, 1, true, NULL, "c1"},
    {{"crun", "run", "-db", "-h", "c1"}, 0, 1, true, NULL, "c1"},
    {{"crun", "create", "--pid", "--help", "c1"}, 0, 1, true, NULL, "c1"},
    {{"runc", "--root", "--help", "create", "c1"}, 0, 3, true, NULL, "c1"},
    {{"runc", "help", "run"}, 0, 1, false, NULL, NULL},
    {{"runc", "exec", "c1", "ls", "--help"}, 0, 1, false, NULL, NULL},
};

/*
 * Help and version requests, of the runtime or of create, run and delete:
 * the wrapper prepares nothing and the runtime answers. @command is the
 * command's index, -1 none.
 */
static const struct {
	int command;
	const char *argv[16];
} help_cases[] = {
    /* help and version, before the command: runc's, crun's, Go's forms */
    {-1, {"runc", "--version"}},
    {-1, {"runc", "-v"}},
    {-1, {"crun", "-V"}},
    {-1, {"runc", "--help"}},
    {-1, {"runc", "-h"}},
    {-1, {"crun", "-?"}},
    {-1, {"crun", "--usage"}},
    {-1, {"runc", "--root", "/r", "--log-format=json", "--version"}},
    {3, {"runc", "--debug", "--help", "create", "c1"}},
    {2, {"crun", "-V", "run", "c1"}},
    {-1, {"runc", "--root", "/r", "-help"}},
    {-1, {"runc", "--help", "--root"}},
    /* help of a command: anywhere before "--", runc reorders flags */
    {1, {"runc", "run", "-h"}},
    {1, {"runc", "create", "--help"}},
    {1, {"runc", "run", "-help"}},
    {1, {"runc", "run", "--h"}},
    {1, {"runc", "run", "-h=true"}},
    {1, {"runc", "run", "--help=1"}},
    {3, {"runc", "--root", "/r", "run", "-b", "/b", "--help", "c1"}},
    {1, {"runc", "create", "c1", "--help"}},
    {1,
     {"runc", "run", "-d", "--keep", "--no-pivot", "--pid-file", "/p",
      "--preserve-fds=2", "--console-socket", "/s", "-h", "c1"}},
    {1, {"runc", "create", "--help", "--bundle"}},
    {1, {"runc", "run", "-h", "--help=false"}},
    {1, {"crun", "create", "-f", "c.json", "-?"}},
    {1, {"crun", "run", "--usage", "c1"}},
    {1, {"runc", "delete", "--help"}},
    {1, {"runc", "delete", "-f", "c1", "-h"}},
    {1, {"crun", "delete", "--regex", "-?", "c.*"}},
};

static void test_parse_help(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(help_cases) / sizeof(*help_cases); i++) {
		struct aa_oci_runtime_args a = {.command = 99};
		int argc = 0, r;

		while (help_cases[i].argv[argc])
			argc++;
		r = runtime_parse_args(argc, (char *const *)help_cases[i].argv,
				       &a);
		if (r != 0 || !a.help || a.prepare || a.delete ||
		    a.command != help_cases[i].command)
			fail_msg("help case %zu: returned %d, help %d prepare "
				 "%d delete %d command %d",
				 i, r, a.help, a.prepare, a.delete, a.command);
	}
}

/* delete names the container whose record goes; other commands none. */
static void test_parse_delete(void **state)
{
	const char *const del[] = {"runc",    "--root", "/r", "delete",
				   "--force", "ctr-1",	NULL};
	const char *const kill_[] = {"runc", "kill", "ctr-1", "KILL", NULL};
	struct aa_oci_runtime_args a;

	(void)state;
	assert_int_equal(runtime_parse_args(6, (char *const *)del, &a), 0);
	assert_true(a.delete);
	assert_false(a.prepare);
	assert_string_equal(a.id, "ctr-1");
	assert_int_equal(runtime_parse_args(4, (char *const *)kill_, &a), 0);
	assert_false(a.delete);
	/* -f is delete's --force, not crun create's --config FILE */
	assert_int_equal(
	    runtime_parse_args(4,
			       (char *const *)(const char *[]){
				   "runc", "delete", "-f", "c2", NULL},
			       &a),
	    0);
	assert_true(a.delete);
	assert_string_equal(a.id, "c2");
}

static void test_parse_args(void **state)
{
	for (size_t i = 0; i < sizeof(args_cases) / sizeof(*args_cases); i++) {
		const struct args_case *c = &args_cases[i];
		struct aa_oci_runtime_args a = {.command = 99};
		int argc = 0, r;

		while (c->argv[argc])
			argc++;
		r = runtime_parse_args(argc, (char *const *)c->argv, &a);
		if (r != c->ret)
			fail_msg("case %zu: returned %d, want %d", i, r,
				 c->ret);
		if (r < 0)
			continue;
		if (a.command != c->command || a.prepare != c->prepare ||
		    a.help)
			fail_msg("case %zu: command %d prepare %d help %d", i,
				 a.command, a.prepare, a.help);
		if (c->bundle ? !a.bundle || strcmp(a.bundle, c->bundle)
			      : a.bundle != NULL)
			fail_msg("case %zu: bundle %s", i,
				 a.bundle ? a.bundle : "-");
		if (c->id && (!a.id || strcmp(a.id, c->id)))
			fail_msg("case %zu: id %s", i, a.id ? a.id : "-");
	}
}

/* --- rewrite --- */

/* Deep equality of two yajl trees; numbers by their text. */
static bool json_equal(yajl_val a, yajl_val b, const char *skip_path,
		       const char *path)
{
	char sub[512];

	if (a->type != b->type)
		return false;
	switch (a->type) {
	case yajl_t_string:
		return strcmp(a->u.string, b->u.string) == 0;
	case yajl_t_number:
		return strcmp(a->u.number.r, b->u.number.r) == 0;
	case yajl_t_array:
		if (a->u.array.len != b->u.array.len)
			return false;
		for (size_t i = 0; i < a->u.array.len; i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			if (!json_equal(a->u.array.values[i],
					b->u.array.values[i], skip_path, sub))
				return false;
		}
		return true;
	case yajl_t_object:
		if (a->u.object.len != b->u.object.len)
			return false;
		for (size_t i = 0; i < a->u.object.len; i++) {
			/* Same keys in the same order. */
			if (strcmp(a->u.object.keys[i], b->u.object.keys[i]))
				return false;
			snprintf(sub, sizeof(sub), "%s.%s", path,
				 a->u.object.keys[i]);
			if (strcmp(sub, skip_path) == 0)
				continue;
			if (!json_equal(a->u.object.values[i],
					b->u.object.values[i], skip_path, sub))
				return false;
		}
		return true;
	default:
		return true; /* true, false, null: the type says it all */
	}
}

static void round_trip(const char *fixture)
{
	char *in = fx_read("tests/data/oci", fixture, NULL);
	char *out = NULL;
	size_t outlen;
	yajl_val a, b, prof;
	const char *p[] = {"process", "apparmorProfile", NULL};
	char ebuf[256];

	assert_non_null(in);
	assert_int_equal(
	    rewrite_profile(in, strlen(in), "web", &out, &outlen, NULL), 0);
	assert_int_equal(strlen(out), outlen);
	a = yajl_tree_parse(in, ebuf, sizeof(ebuf));
	b = yajl_tree_parse(out, ebuf, sizeof(ebuf));
	assert_non_null(a);
	assert_non_null(b);
	prof = yajl_tree_get(b, p, yajl_t_string);
	assert_non_null(prof);
	assert_string_equal(prof->u.string, "web");
	/* Everything else field for field; a profile already there too,
	 * unless it was the one replaced. */
	if (!yajl_tree_get(a, p, yajl_t_any)) {
		/* added: the process object has exactly one more member */
		const char *pp[] = {"process", NULL};
		yajl_val pa = yajl_tree_get(a, pp, yajl_t_object);
		yajl_val pb = yajl_tree_get(b, pp, yajl_t_object);

		assert_int_equal(pa->u.object.len + 1, pb->u.object.len);
		pb->u.object.len--; /* compare the rest */
		assert_true(json_equal(a, b, "", ""));
		pb->u.object.len++;
	} else {
		assert_true(json_equal(a, b, ".process.apparmorProfile", ""));
	}
	yajl_tree_free(a);
	yajl_tree_free(b);
	free(in);
	free(out);
}

static void test_round_trip_runc(void **state)
{
	round_trip("runc-spec.json");
}

static void test_round_trip_crun(void **state)
{
	round_trip("crun-spec.json");
}

static void test_round_trip_seccomp(void **state)
{
	char *in = fx_read("tests/data/oci", "seccomp-large.json", NULL);
	char *out = NULL;
	size_t outlen;
	static const char *const digits[] = {
	    "18446744073709551615",
	    "9223372036854775808",
	    "4294967295",
	    "2.50",
	    "-0",
	    "1E+2",
	    "0.1e-7",
	    "123456789012345678901234567890",
	};

	round_trip("seccomp-large.json");
	assert_int_equal(
	    rewrite_profile(in, strlen(in), "web", &out, &outlen, NULL), 0);
	for (size_t i = 0; i < sizeof(digits) / sizeof(*digits); i++)
		if (!strstr(out, digits[i]))
			fail_msg("%s lost in the rewrite", digits[i]);
	/* Key order where the document had it: "z" before "a". */
	assert_true(strstr(out, "\"z\"") < strstr(out, "\"a\""));
	free(in);
	free(out);
}

static void test_rewrite_replaces(void **state)
{
	const char in[] =
	    "{\"process\": {\"args\": [\"sh\"], \"apparmorProfile\": "
	    "\"docker-default\", \"cwd\": \"/\"}, \"z\": 1}";
	char *out = NULL;
	size_t len;

	assert_int_equal(
	    rewrite_profile(in, strlen(in), "web", &out, &len, NULL), 0);
	assert_non_null(strstr(out, "\"apparmorProfile\": \"web\""));
	assert_null(strstr(out, "docker-default"));
	/* In place, not moved to the end. */
	assert_true(strstr(out, "apparmorProfile") < strstr(out, "cwd"));
	free(out);
}

struct bad_case {
	const char *json;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
    {"{}", "no \"process\" object"},
    {"{\"process\": null}", "no \"process\" object"},
    {"{\"process\": \"x\"}", "no \"process\" object"},
    {"{\"process\": {\"apparmorProfile\": {}}}", "is not a string"},
    {"{\"process\": {\"apparmorProfile\": [\"x\"]}}", "is not a string"},
    {"{\"process\": {}, \"process\": {}}", "more than one"},
    {"{\"process\": {\"apparmorProfile\": \"a\", \"apparmorProfile\": \"b\"}}",
     "twice"},
    {"{\"process\": {}", "not valid JSON"},
    {"{\"process\": {}} x", "not valid JSON"},
    {"[1, 2]", "no \"process\" object"},
    {"", "not valid JSON"},
    {"{\"process\": {\"env\": [\"\xff\"]}}", "not valid JSON"},
};

static void test_rewrite_refuses(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(*bad_cases); i++) {
		struct aa_oci_err err = {0};
		char *out = NULL;
		size_t len;
		int r = rewrite_profile(bad_cases[i].json,
					strlen(bad_cases[i].json), "web", &out,
					&len, &err);

		if (r != -EBADMSG || out || !strstr(err.text, bad_cases[i].msg))
			fail_msg("case %zu: %d \"%s\"", i, r, err.text);
	}
}

/* config.json with "process" and "x" nested to @levels levels in all. */
static char *nested_spec(size_t levels)
{
	static const char head[] = "{\"process\":{},\"x\":";
	size_t hl = sizeof(head) - 1, n = levels - 1;
	char *s = malloc(hl + 2 * n + 2);

	assert_non_null(s);
	memcpy(s, head, hl);
	memset(s + hl, '[', n);
	memset(s + hl + n, ']', n);
	strcpy(s + hl + 2 * n, "}");
	return s;
}

/*
 * Issue 12: the rewriter (yajl_gen, 128 states) refused a config.json the
 * reader had taken (10000 levels), with "client cancelled parse". One limit
 * now: what the reader takes is written back, and what it refuses the
 * rewriter refuses in the same words.
 */
static void test_rewrite_depth_is_the_readers(void **state)
{
	struct aa_oci_err rerr = {0}, werr = {0};
	struct aa_oci_spec spec = {0};
	char *in = nested_spec(JSON_DEPTH_MAX), *out = NULL;
	size_t len;

	assert_int_equal(oci_spec_parse(in, &spec, &rerr), 0);
	oci_spec_free(&spec);
	assert_int_equal(
	    rewrite_profile(in, strlen(in), "web", &out, &len, &werr), 0);
	assert_int_equal(oci_spec_parse(out, &spec, &rerr), 0);
	assert_string_equal(spec.apparmor_profile, "web");
	oci_spec_free(&spec);
	free(out);
	free(in);

	in = nested_spec(JSON_DEPTH_MAX + 1);
	out = NULL;
	assert_int_equal(oci_spec_parse(in, &spec, &rerr), -EBADMSG);
	assert_int_equal(
	    rewrite_profile(in, strlen(in), "web", &out, &len, &werr),
	    -EBADMSG);
	assert_null(out);
	assert_true(fx_json_msg_eq(rerr.text,
				   "config.json nests deeper than 127 levels"));
	assert_string_equal(werr.text, rerr.text);
	free(in);
}

/* Read once, then rewrite from those bytes (what runtime_prepare does). */
static int rewrite_bundle(const char *dir, const char *profile,
			  struct aa_oci_err *err)
{
	struct aa_oci_bundle_config c = {.dirfd = -1};
	int r = oci_bundle_config_read(dir, &c, err);

	if (r == 0)
		r = rewrite_bundle_config(dir, &c, profile, err);
	oci_bundle_config_free(&c);
	return r;
}

static void test_rewrite_bundle_file(void **state)
{
	char *dir = fx_tmpdir();
	char *path = fx_path(dir, "config.json");
	char *got, *cmd;
	struct stat before, after;
	struct aa_oci_err err = {0};

	fx_write(dir, "config.json", "{\"process\": {\"cwd\": \"/\"}}");
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(chown(path, 1234, 5678), 0);
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(rewrite_bundle(dir, "web", &err), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_mode & 07777, 0640);
	assert_int_equal(after.st_uid, 1234);
	assert_int_equal(after.st_gid, 5678);
	assert_true(after.st_ino !=
		    before.st_ino); /* replaced, not rewritten */
	got = fx_read(dir, "config.json", NULL);
	assert_non_null(strstr(got, "\"apparmorProfile\": \"web\""));
	free(got);
	/* Nothing else in the directory. */
	assert_true(asprintf(&cmd, "test $(ls -A '%s' | wc -l) = 1", dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);

	/* Malformed: refused, file untouched. */
	fx_write(dir, "config.json", "{\"process\": ");
	assert_int_equal(rewrite_bundle(dir, "web", &err), -EBADMSG);
	got = fx_read(dir, "config.json", NULL);
	assert_string_equal(got, "{\"process\": ");
	free(got);

	/* A symlink planted as config.json is not followed. */
	unlink(path);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(rewrite_bundle(dir, "web", &err), -ELOOP);
	assert_non_null(strstr(err.text, "is a symbolic link"));
	/* ... but it is read through, as runc reads it: the decision and
	 * the rewrite see one text. */
	{
		struct aa_oci_bundle_config c;
		char *target = fx_path(dir, "real.json");

		fx_write(dir, "real.json", "{\"process\": {}}");
		unlink(path);
		assert_int_equal(symlink(target, path), 0);
		assert_int_equal(oci_bundle_config_read(dir, &c, &err), 0);
		assert_true(c.link);
		assert_string_equal(c.buf, "{\"process\": {}}");
		oci_bundle_config_free(&c);
		free(target);
	}
	/* Replaced between the read and the rewrite: refused, the newer
	 * file kept. */
	{
		struct aa_oci_bundle_config c;

		unlink(path);
		fx_write(dir, "config.json", "{\"process\": {}}");
		assert_int_equal(oci_bundle_config_read(dir, &c, &err), 0);
		fx_write(dir, "new.json", "{\"process\": {\"cwd\": \"/x\"}}");
		{
			char *np = fx_path(dir, "new.json");

			assert_int_equal(rename(np, path), 0);
			free(np);
		}
		assert_int_equal(rewrite_bundle_config(dir, &c, "web", &err),
				 -EAGAIN);
		assert_non_null(
		    strstr(err.text, "changed while aa-oci-runtime read it"));
		got = fx_read(dir, "config.json", NULL);
		assert_string_equal(got, "{\"process\": {\"cwd\": \"/x\"}}");
		free(got);
		oci_bundle_config_free(&c);
	}
	fx_rm_rf(dir);
	free(dir);
	free(path);
}

/* --- runtime_prepare and runtime_find --- */

/* runtime_prepare with profile_namespace @ns ("": the root namespace). */
static void prepare_in(const char *ns)
{
	char p[80]; /* the label prefix: ":NS:" or "" */
	char want[256];
	char *top = fx_tmpdir();
	char *fs = fx_apparmorfs("");
	char *bundle = fx_path(top, "bundle");
	char *profiles = fx_path(top, "profiles");
	struct aa_oci_config cfg;
	struct aa_oci_runtime_report rep;
	struct aa_oci_err err = {0};
	const char before[] =
	    "{\"annotations\": {\"aa-oci.profile\": \"nowhere\"},"
	    " \"process\": {\"args\": [\"sh\"]}}";
	char *got;

	mkdir(bundle, 0755);
	mkdir(profiles, 0755);
	fx_write(profiles, "web", "profile web {\n  file,\n}\n");
	snprintf(p, sizeof(p), ns[0] ? ":%s:" : "%s", ns);
	assert_int_equal(config_init(&cfg), 0);
	free(cfg.profile_namespace);
	cfg.profile_namespace = strdup(ns);
	strv_free(cfg.profile_dirs);
	cfg.profile_dirs = calloc(2, sizeof(char *));
	cfg.profile_dirs[0] = strdup(profiles);
	free(cfg.parser);
	cfg.parser = fx_repo_path("tests/data/parsers/kernel-sim");
	{
		char *rd_ = fx_path(top, "run");

		assert_int_equal(config_set_run_dir(&cfg, rd_), 0);
		free(rd_);
	}
	free(cfg.cache_dir);
	cfg.cache_dir = NULL;

	/* Not loadable: refused, config.json byte for byte as it was. */
	fx_write(bundle, "config.json", "%s", before);
	assert_int_equal(
	    runtime_prepare(fs, &cfg, bundle,
			    &(struct aa_oci_runtime_args){.id = "ctr-1"},
			    "/usr/bin/runc", &rep, &err),
	    -ENOENT);
	snprintf(want, sizeof(want), "%snowhere", p);
	assert_string_equal(rep.profile, want);
	got = fx_read(bundle, "config.json", NULL);
	assert_string_equal(got, before);
	free(got);
	runtime_report_free(&rep);

	/* Loadable: loaded, then written. */
	fx_write(bundle, "config.json",
		 "{\"annotations\": {\"aa-oci.profile\": \"localhost/web\"},"
		 " \"process\": {\"args\": [\"sh\"], \"apparmorProfile\": "
		 "\"docker-default\"}}");
	assert_int_equal(
	    runtime_prepare(fs, &cfg, bundle,
			    &(struct aa_oci_runtime_args){.id = "ctr-1"},
			    "/usr/bin/runc", &rep, &err),
	    0);
	assert_true(rep.loaded);
	assert_true(rep.written);
	got = fx_read(bundle, "config.json", NULL);
	snprintf(want, sizeof(want), "\"apparmorProfile\": \"%sweb\"", p);
	assert_non_null(strstr(got, want));
	free(got);
	got = fx_read(fs, "profiles", NULL);
	snprintf(want, sizeof(want), "%sweb (enforce)", p);
	assert_non_null(strstr(got, want));
	free(got);
	runtime_report_free(&rep);

	/* Again: already loaded and already written; nothing to do. */
	assert_int_equal(
	    runtime_prepare(fs, &cfg, bundle,
			    &(struct aa_oci_runtime_args){.id = "ctr-1"},
			    "/usr/bin/runc", &rep, &err),
	    0);
	assert_false(rep.loaded);
	assert_false(rep.written);
	runtime_report_free(&rep);

	/* Complain for one container: its private copy, in complain mode,
	 * written into config.json; the shared profile stays in enforce. */
	cfg.allow_complain = true;
	fx_write(bundle, "config.json",
		 "{\"annotations\": {\"aa-oci.profile\": \"web\", "
		 "\"aa-oci.mode\": \"complain\"},"
		 " \"process\": {\"args\": [\"sh\"]}}");
	if (runtime_prepare(
		fs, &cfg, bundle,
		&(struct aa_oci_runtime_args){.id = "c2b4d6f8a0c2e4f6"},
		"/usr/bin/runc", &rep, &err) != 0)
		fail_msg("%s", err.text);
	assert_true(rep.loaded);
	assert_int_equal(rep.load.mode, AA_OCI_MODE_COMPLAIN);
	got = fx_read(bundle, "config.json", NULL);
	snprintf(want, sizeof(want),
		 "\"apparmorProfile\": \"%sweb--aa-oci-c2b4d6f8a0c2\"", p);
	assert_non_null(strstr(got, want));
	free(got);
	got = fx_read(fs, "profiles", NULL);
	snprintf(want, sizeof(want), "%sweb--aa-oci-c2b4d6f8a0c2 (complain)",
		 p);
	assert_non_null(strstr(got, want));
	assert_null(strstr(got, "web (complain)"));
	free(got);
	runtime_report_free(&rep);
	/* delete: the copy is unloaded (.remove gets its name), the record
	 * goes. */
	fx_write(fs, ".remove", "%s", "");
	assert_int_equal(runtime_forget(fs, &cfg, "c2b4d6f8a0c2e4f6", &err), 0);
	got = fx_read(fs, ".remove", NULL);
	snprintf(want, sizeof(want), "%sweb--aa-oci-c2b4d6f8a0c2", p);
	assert_string_equal(got, want);
	free(got);
	{
		struct aa_oci_container *v = NULL;
		size_t n = 0;

		assert_int_equal(
		    rundir_container_list(cfg.rundir, false, &v, &n), 0);
		for (size_t i = 0; i < n; i++)
			assert_string_not_equal(v[i].id, "c2b4d6f8a0c2e4f6");
		rundir_container_list_free(v, n);
	}

	/* A name the root namespace has stays there, unwritten: the engine
	 * or an administrator loaded it where the runtime looks. */
	if (ns[0]) {
		fx_write(fs, "profiles", "solo (enforce)\n");
		fx_write(bundle, "config.json",
			 "{\"process\": {\"args\": [\"sh\"], "
			 "\"apparmorProfile\": \"solo\"}}");
		if (runtime_prepare(fs, &cfg, bundle,
				    &(struct aa_oci_runtime_args){.id = "c3"},
				    "/usr/bin/runc", &rep, &err) != 0)
			fail_msg("%s", err.text);
		assert_string_equal(rep.profile, "solo");
		assert_false(rep.loaded);
		assert_false(rep.written);
		runtime_report_free(&rep);
	}

	config_free(&cfg);
	fx_rm_rf(top);
	fx_rm_rf(fs);
	free(top);
	free(fs);
	free(bundle);
	free(profiles);
}

static void test_prepare(void **state)
{
	prepare_in("");
}

static void test_prepare_namespace(void **state)
{
	prepare_in("aa-oci");
}

static void test_find(void **state)
{
	struct aa_oci_config cfg;
	struct aa_oci_err err = {0};
	char *path = NULL, self[PATH_MAX];
	struct stat st_self, st_exe;
	ssize_t n;

	assert_int_equal(config_init(&cfg), 0);
	assert_int_equal(runtime_find("/bin/true", &cfg, &path, &err), 0);
	assert_string_equal(path, "/bin/true");
	free(path);
	path = NULL;
	assert_int_equal(runtime_find("runc", &cfg, &path, &err), -EINVAL);
	assert_non_null(strstr(err.text, "AA_OCI_RUNTIME"));
	assert_int_equal(runtime_find("/nonexistent/runc", &cfg, &path, &err),
			 -ENOENT);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	/* Under valgrind readlink names this binary but stat follows the
	 * link to valgrind's own tool (make check-valgrind): the check
	 * cannot be shown there. */
	if (stat(self, &st_self) == 0 && stat("/proc/self/exe", &st_exe) == 0 &&
	    st_self.st_ino == st_exe.st_ino &&
	    st_self.st_dev == st_exe.st_dev) {
		assert_int_equal(runtime_find(self, &cfg, &path, &err), -ELOOP);
		assert_non_null(strstr(err.text, "itself"));
	}
	/* The config's runtime when the environment says nothing. */
	cfg.runtime = strdup("/bin/false");
	assert_int_equal(runtime_find(NULL, &cfg, &path, &err), 0);
	assert_string_equal(path, "/bin/false");
	free(path);
	path = NULL;
	/* The search: runc or crun, whichever this machine has. */
	free(cfg.runtime);
	cfg.runtime = NULL;
	assert_int_equal(runtime_find("", &cfg, &path, &err), 0);
	assert_true(strstr(path, "runc") || strstr(path, "crun"));
	free(path);
	config_free(&cfg);
}

static void test_log_file(void **state)
{
	char *dir = fx_tmpdir(), *log = fx_path(dir, "log.json"), *got;
	const char *argv[] = {"runc", "--root",	      "/r",   "--log",
			      log,    "--log-format", "json", "create",
			      "-b",   "/b",	      "c1",   NULL};
	const char *argv_text[] = {"runc", "--log=/dev/null", "create", "c1",
				   NULL};
	struct aa_oci_runtime_args a;

	assert_int_equal(runtime_parse_args(11, (char *const *)argv, &a), 0);
	assert_string_equal(a.log, log);
	assert_true(a.log_json);
	assert_string_equal(a.bundle, "/b");
	/* What containerd's shim reads back: a JSON line, quotes escaped. */
	assert_int_equal(runtime_log_error(&a, "profile \"x\": not found"), 0);
	assert_int_equal(runtime_log_error(&a, "second"), 0);
	got = fx_read(dir, "log.json", NULL);
	assert_non_null(strstr(got, "{\"level\":\"error\",\"msg\":\"profile "
				    "\\\"x\\\": not found\",\"time\":\""));
	assert_non_null(strstr(got, "\"msg\":\"second\""));
	assert_int_equal(strchr(strchr(got, '\n') + 1, '\n')[1], '\0');
	free(got);
	assert_int_equal(runtime_parse_args(4, (char *const *)argv_text, &a),
			 0);
	assert_string_equal(a.log, "/dev/null");
	assert_false(a.log_json);
	a.log = NULL;
	assert_int_equal(runtime_log_error(&a, "nowhere to go"), 0);
	fx_rm_rf(dir);
	free(dir);
	free(log);
}

/* --- the wrapper binary: help goes to the runtime untouched --- */

/* BUILD/tests/test-runtime -> BUILD/aa-oci-runtime; NULL if not built. */
static char *wrapper_binary(void)
{
	char exe[PATH_MAX], *p;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	for (int up = 0; up < 2; up++) {
		if (!(p = strrchr(exe, '/')))
			return NULL;
		*p = '\0';
	}
	p = fx_path(exe, "aa-oci-runtime");
	if (access(p, X_OK) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

/*
 * Run the wrapper in @dir (whose config.json is not JSON) with its own
 * options, then @args; the fake runtime writes its argv, one per line, to
 * @dir/argv. Returns: the exit status.
 */
static int run_wrapper(const char *wrapper, const char *dir,
		       const char *const *args)
{
	const char *argv[24];
	char *conf = fx_path(dir, "aa-oci.json"), *fake = fx_path(dir, "fake");
	char *fs = fx_path(dir, "fs");
	int n = 0, st;
	pid_t pid;

	argv[n++] = "aa-oci-runtime";
	argv[n++] = "--apparmorfs";
	argv[n++] = fs;
	argv[n++] = "--aa-oci-config";
	argv[n++] = conf;
	while (*args)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int out = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (chdir(dir) < 0 || out < 0 || dup2(out, 1) < 0 ||
		    dup2(out, 2) < 0 || setenv("AA_OCI_RUNTIME", fake, 1) < 0)
			_exit(127);
		execv(wrapper, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	free(conf);
	free(fake);
	free(fs);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_help_execs_runtime(void **state)
{
	static const char *const cases[][8] = {
	    {"run", "-h"},
	    {"create", "--help"},
	    {"--root", "/r", "run", "-b", ".", "--help", "c1"},
	    {"--log", "/dev/null", "create", "c1", "--help"},
	    {"--version"},
	    {"-v"},
	    {"help", "run"},
	    {"--help", "create", "c1"},
	    {"delete", "--help", "c1"},
	    {"create", "-?"},
	};
	char *wrapper = wrapper_binary(), *dir, *want, *got, *run, *argv_file;
	char *fake;

	(void)state;
	if (!wrapper) {
		/* Built alone (make build/tests/test-runtime): no wrapper. */
		skip();
	}
	dir = fx_tmpdir();
	run = fx_path(dir, "run");
	argv_file = fx_path(dir, "argv");
	fake = fx_path(dir, "fake");
	fx_write(dir, "fake",
		 "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; "
		 "done >'%s/argv'\n",
		 dir);
	assert_int_equal(chmod(fake, 0755), 0);
	fx_write(dir, "aa-oci.json",
		 "{\"run_dir\": \"%s\", \"cache_dir\": \"%s/cache\", "
		 "\"profile_dirs\": [\"%s\"]}",
		 run, dir, dir);
	/* Read, it would fail the wrapper before the runtime ran. */
	fx_write(dir, "config.json", "not json");
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t len = 0;

		want = NULL;
		for (size_t j = 0; cases[i][j]; j++) {
			char *w;

			assert_true(asprintf(&w, "%s%s\n", want ? want : "",
					     cases[i][j]) > 0);
			free(want);
			want = w;
		}
		unlink(argv_file);
		if (run_wrapper(wrapper, dir, cases[i]) != 0)
			fail_msg("case %zu (%s %s): the wrapper failed", i,
				 cases[i][0], cases[i][1] ? cases[i][1] : "");
		got = fx_read(dir, "argv", &len);
		if (!got || strcmp(got, want) != 0)
			fail_msg("case %zu: the runtime got\n%s, want\n%s", i,
				 got ? got : "(nothing)", want);
		free(got);
		free(want);
	}
	/* Nothing was recorded either: run_dir was never made. */
	assert_int_equal(access(run, F_OK), -1);
	/* The control: create itself reads ./config.json, and fails. */
	unlink(argv_file);
	assert_int_equal(
	    run_wrapper(wrapper, dir,
			(const char *const[]){"create", "c1", NULL}),
	    1);
	assert_null(fx_read(dir, "argv", NULL));
	fx_rm_rf(dir);
	free(dir);
	free(run);
	free(argv_file);
	free(fake);
	free(wrapper);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_args),
	    cmocka_unit_test(test_parse_delete),
	    cmocka_unit_test(test_parse_help),
	    cmocka_unit_test(test_round_trip_runc),
	    cmocka_unit_test(test_round_trip_crun),
	    cmocka_unit_test(test_round_trip_seccomp),
	    cmocka_unit_test(test_rewrite_replaces),
	    cmocka_unit_test(test_rewrite_refuses),
	    cmocka_unit_test(test_rewrite_depth_is_the_readers),
	    cmocka_unit_test(test_rewrite_bundle_file),
	    cmocka_unit_test(test_prepare),
	    cmocka_unit_test(test_prepare_namespace),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_log_file),
	    cmocka_unit_test(test_help_execs_runtime),
	};

	return cmocka_run_group_tests_name("runtime", tests, NULL, NULL);
}
