/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.c (defaults, loading) and config_parse (the keys). Files are
 * written to a fresh temporary directory per test. JSON in the tables uses
 * single quotes, turned into double quotes before use.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"

#include "aa-oci/config.h"
#include "aa-oci/oci.h"
#include "aa-oci/util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

static char *json_of(const char *text)
{
	char *s = strdup(text);

	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

struct tmp {
	char *dir;
	char *file; /* <dir>/config.json */
};

static void tmp_make(struct tmp *t)
{
	t->dir = fx_base_mkdtemp();
	assert_true(asprintf(&t->file, "%s/config.json", t->dir) >= 0);
}

static void tmp_drop(struct tmp *t)
{
	nftw(t->dir, fx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(t->dir);
	free(t->file);
}

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void write_json(const char *path, const char *text)
{
	char *j = json_of(text);

	write_file(path, j, strlen(j));
	free(j);
}

static size_t strv_len(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static void assert_defaults(const struct aa_oci_config *cfg)
{
	assert_non_null(cfg->profile_dirs);
	assert_int_equal(strv_len(cfg->profile_dirs), 3);
	assert_string_equal(cfg->profile_dirs[0], "/etc/apparmor.d/containers");
	assert_string_equal(cfg->profile_dirs[1], "/etc/apparmor.d");
	assert_string_equal(cfg->profile_dirs[2], AA_OCI_DATADIR "/profiles");
	assert_null(cfg->default_profile);
	assert_string_equal(cfg->runtime_default, "docker-default");
	assert_false(cfg->allow_unconfined);
	assert_false(cfg->allow_complain);
	assert_null(cfg->allowed_profiles);
	assert_string_equal(cfg->parser, "/sbin/apparmor_parser");
	assert_int_equal(cfg->parser_timeout_ms, 10000);
	assert_int_equal(cfg->parser_nice, -10);
	assert_string_equal(cfg->run_dir, "/run/aa-oci");
	assert_null(cfg->runtime);
	assert_string_equal(cfg->profile_namespace, "aa-oci");
}

static bool config_zeroed(const struct aa_oci_config *cfg)
{
	static const struct aa_oci_config zero;

	return memcmp(cfg, &zero, sizeof(zero)) == 0;
}

/* ---- config_init ---- */

static void test_init_defaults(void **state)
{
	struct aa_oci_config cfg;

	memset(&cfg, 0xa5, sizeof(cfg));
	assert_int_equal(config_init(&cfg), 0);
	assert_defaults(&cfg);
	/* the data dir is absolute, like every other profile dir */
	assert_true(cfg.profile_dirs[2][0] == '/');
	config_free(&cfg);
	assert_true(config_zeroed(&cfg));
	config_free(&cfg); /* twice is fine */
}

/* ---- config_load: files that load ---- */

static void test_load_missing_not_required(void **state)
{
	struct aa_oci_err err = {0};
	struct aa_oci_config cfg;
	struct tmp t;

	tmp_make(&t);
	assert_int_equal(config_load(t.file, false, &cfg, &err), 0);
	assert_defaults(&cfg);
	config_free(&cfg);
	tmp_drop(&t);
}

static void test_load_missing_required(void **state)
{
	struct aa_oci_err err = {0};
	struct aa_oci_config cfg;
	struct tmp t;

	tmp_make(&t);
	assert_int_equal(config_load(t.file, true, &cfg, &err), -ENOENT);
	assert_int_equal(err.code, -ENOENT);
	assert_non_null(strstr(err.text, t.file));
	/* nothing left to free */
	assert_true(config_zeroed(&cfg));
	config_free(&cfg);
	/* NULL err is allowed */
	assert_int_equal(config_load(t.file, true, &cfg, NULL), -ENOENT);
	tmp_drop(&t);
}

static void test_load_every_key(void **state)
{
	struct aa_oci_err err = {0};
	struct aa_oci_config cfg;
	struct tmp t;
	int r;

	tmp_make(&t);
	write_json(
	    t.file,
	    "{\n"
	    "  'profile_dirs': ['/srv/profiles', '/etc/apparmor.d/tenants'],\n"
	    "  'default_profile': 'localhost/tenant-default',\n"
	    "  'runtime_default': 'containers-default-0.50.1',\n"
	    "  'allow_unconfined': true,\n"
	    "  'allow_complain': true,\n"
	    "  'allowed_profiles': ['web-*', 'payment-api', 'k8s-[ab]?'],\n"
	    "  'parser': '/usr/sbin/apparmor_parser',\n"
	    "  'parser_timeout_ms': 2500,\n"
	    "  'parser_nice': 5,\n"
	    "  'run_dir': '/var/run/aa-oci',\n"
	    "  'runtime': '/usr/bin/crun',\n"
	    "  'profile_namespace': 'tenants'\n"
	    "}\n");
	r = config_load(t.file, true, &cfg, &err);
	if (r != 0)
		fail_msg("%d: %s", r, err.text);
	assert_int_equal(strv_len(cfg.profile_dirs), 2);
	assert_string_equal(cfg.profile_dirs[0], "/srv/profiles");
	assert_string_equal(cfg.profile_dirs[1], "/etc/apparmor.d/tenants");
	assert_string_equal(cfg.default_profile, "localhost/tenant-default");
	assert_string_equal(cfg.runtime_default, "containers-default-0.50.1");
	assert_true(cfg.allow_unconfined);
	assert_true(cfg.allow_complain);
	assert_int_equal(strv_len(cfg.allowed_profiles), 3);
	assert_string_equal(cfg.allowed_profiles[2], "k8s-[ab]?");
	assert_string_equal(cfg.parser, "/usr/sbin/apparmor_parser");
	assert_int_equal(cfg.parser_timeout_ms, 2500);
	assert_int_equal(cfg.parser_nice, 5);
	assert_string_equal(cfg.run_dir, "/var/run/aa-oci");
	assert_string_equal(rundir_path(cfg.rundir), "/var/run/aa-oci");
	assert_string_equal(cfg.runtime, "/usr/bin/crun");
	assert_string_equal(cfg.profile_namespace, "tenants");
	config_free(&cfg);
	tmp_drop(&t);
}

/* The keys a file leaves out keep their defaults. */
static void test_load_partial(void **state)
{
	struct aa_oci_err err = {0};
	struct aa_oci_config cfg;
	struct tmp t;

	tmp_make(&t);
	write_json(t.file, "{'allow_unconfined': false}");
	assert_int_equal(config_load(t.file, true, &cfg, &err), 0);
	assert_defaults(&cfg);
	config_free(&cfg);

	write_json(t.file, "{}");
	assert_int_equal(config_load(t.file, false, &cfg, &err), 0);
	assert_defaults(&cfg);
	config_free(&cfg);

	write_json(t.file, "{'parser_timeout_ms': 1, 'runtime_default': ''}");
	assert_int_equal(config_load(t.file, true, &cfg, &err), 0);
	assert_int_equal(cfg.parser_timeout_ms, 1);
	assert_string_equal(cfg.runtime_default, "");
	assert_string_equal(cfg.parser, "/sbin/apparmor_parser");
	assert_int_equal(strv_len(cfg.profile_dirs), 3);
	config_free(&cfg);
	tmp_drop(&t);
}

/* ---- config_parse: good values, one key at a time ---- */

static void test_parse_over_defaults(void **state)
{
	struct aa_oci_err err = {0};
	struct aa_oci_config cfg;
	char *j;

	assert_int_equal(config_init(&cfg), 0);
	/* profile_dirs is replaced, not appended to */
	j = json_of("{'profile_dirs':['/only']}");
	assert_int_equal(config_parse(j, &cfg, &err), 0);
	free(j);
	assert_int_equal(strv_len(cfg.profile_dirs), 1);
	assert_string_equal(cfg.profile_dirs[0], "/only");
	/* an empty list is allowed: no directories */
	j = json_of("{'profile_dirs':[]}");
	assert_int_equal(config_parse(j, &cfg, &err), 0);
	free(j);
	assert_non_null(cfg.profile_dirs);
	assert_int_equal(strv_len(cfg.profile_dirs), 0);
	/* a second parse replaces values and keeps the rest */
	j = json_of(
	    "{'parser':'/a','parser_timeout_ms':600000,'default_profile':'x'}");
	assert_int_equal(config_parse(j, &cfg, &err), 0);
	free(j);
	j = json_of("{'parser':'/b','default_profile':'y'}");
	assert_int_equal(config_parse(j, &cfg, &err), 0);
	free(j);
	assert_string_equal(cfg.parser, "/b");
	assert_string_equal(cfg.default_profile, "y");
	assert_int_equal(cfg.parser_timeout_ms, 600000);
	assert_string_equal(cfg.run_dir, "/run/aa-oci");
	config_free(&cfg);
}

static void test_parse_64_profile_dirs(void **state)
{
	struct aa_oci_err err = {0};
	struct aa_oci_config cfg;
	char buf[2048] = "{\"profile_dirs\":[";
	size_t n = strlen(buf);

	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\"/d%d\"",
				      i ? "," : "", i);
	snprintf(buf + n, sizeof(buf) - n, "]}");
	assert_int_equal(config_init(&cfg), 0);
	assert_int_equal(config_parse(buf, &cfg, &err), 0);
	assert_int_equal(strv_len(cfg.profile_dirs), 64);
	assert_string_equal(cfg.profile_dirs[63], "/d63");
	config_free(&cfg);

	/* 65 is too many */
	snprintf(buf + n, sizeof(buf) - n, ",\"/d64\"]}");
	assert_int_equal(config_init(&cfg), 0);
	assert_int_equal(config_parse(buf, &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.text, "profile_dirs"));
	/* a failed parse leaves the previous value in place, whole */
	assert_int_equal(strv_len(cfg.profile_dirs), 3);
	config_free(&cfg);
}

/* ---- config_parse: profile_namespace ---- */

struct ns_key_case {
	const char *name;
	const char *json; /* single quotes */
	int rc;
	const char *value; /* cfg.profile_namespace after a good parse */
	const char *msg;   /* the exact message after a bad one */
};

/* clang-format off */
static const struct ns_key_case ns_key_cases[] = {
	{ "ns-key/default-name", "{'profile_namespace':'aa-oci'}", 0, "aa-oci", NULL },
	/* "": the root namespace, as before profile_namespace existed */
	{ "ns-key/root", "{'profile_namespace':''}", 0, "", NULL },
	{ "ns-key/other-name", "{'profile_namespace':'tenants_1.x-y'}", 0, "tenants_1.x-y", NULL },
	{ "ns-key/64-bytes", "{'profile_namespace':'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn'}", 0, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn", NULL },
	{ "ns-key/65-bytes", "{'profile_namespace':'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn'}", -EINVAL, NULL,
	  "\"profile_namespace\": namespace name is longer than 64 bytes (or \"\" for the root namespace)" },
	{ "ns-key/plus", "{'profile_namespace':'a+b'}", -EINVAL, NULL, "\"profile_namespace\": namespace name has a character that is not allowed (byte 0x2b at 1); use letters, digits, '_', '.', '-' (or \"\" for the root namespace)" },
	{ "ns-key/colon", "{'profile_namespace':'a:b'}", -EINVAL, NULL, "\"profile_namespace\": namespace name has a character that is not allowed (byte 0x3a at 1); use letters, digits, '_', '.', '-' (or \"\" for the root namespace)" },
	{ "ns-key/label", "{'profile_namespace':':aa-oci:'}", -EINVAL, NULL, "\"profile_namespace\": namespace name \":aa-oci:\" must start with a letter, digit or '_' (or \"\" for the root namespace)" },
	{ "ns-key/slash", "{'profile_namespace':'root//aa-oci'}", -EINVAL, NULL, "\"profile_namespace\": namespace name has a character that is not allowed (byte 0x2f at 4); use letters, digits, '_', '.', '-' (or \"\" for the root namespace)" },
	{ "ns-key/leading-dot", "{'profile_namespace':'.x'}", -EINVAL, NULL, "\"profile_namespace\": namespace name \".x\" must start with a letter, digit or '_' (or \"\" for the root namespace)" },
	{ "ns-key/space", "{'profile_namespace':' '}", -EINVAL, NULL, "\"profile_namespace\": namespace name \" \" must start with a letter, digit or '_' (or \"\" for the root namespace)" },
	{ "ns-key/newline", "{'profile_namespace':'a\\nb'}", -EINVAL, NULL, "\"profile_namespace\": namespace name has a character that is not allowed (byte 0x0a at 1); use letters, digits, '_', '.', '-' (or \"\" for the root namespace)" },
	{ "ns-key/number", "{'profile_namespace':1}", -EINVAL, NULL, "\"profile_namespace\" must be a string" },
	{ "ns-key/null", "{'profile_namespace':null}", -EINVAL, NULL, "\"profile_namespace\" must be a string" },
	{ "ns-key/false", "{'profile_namespace':false}", -EINVAL, NULL, "\"profile_namespace\" must be a string" },
	{ "ns-key/array", "{'profile_namespace':['aa-oci']}", -EINVAL, NULL, "\"profile_namespace\" must be a string" },
	{ "ns-key/object", "{'profile_namespace':{}}", -EINVAL, NULL, "\"profile_namespace\" must be a string" },
};
/* clang-format on */

static void test_ns_key_case(void **state)
{
	const struct ns_key_case *c = *state;
	struct aa_oci_err err = {0};
	struct aa_oci_config cfg;
	char *j = json_of(c->json);
	int r;

	assert_int_equal(config_init(&cfg), 0);
	r = config_parse(j, &cfg, &err);
	if (r != c->rc)
		fail_msg("%s: returned %d, want %d; err: %s", c->name, r, c->rc,
			 err.text);
	if (r == 0) {
		assert_string_equal(cfg.profile_namespace, c->value);
	} else {
		assert_int_equal(err.code, c->rc);
		if (strcmp(err.text, c->msg) != 0)
			fail_msg("%s: said \"%s\", want \"%s\"", c->name,
				 err.text, c->msg);
	}
	config_free(&cfg);
	/* the same answer with no err to fill */
	assert_int_equal(config_init(&cfg), 0);
	assert_int_equal(config_parse(j, &cfg, NULL), c->rc);
	config_free(&cfg);
	free(j);
}

/* ---- config_load: files that must not load ---- */

/* PLANT_NESTED: text, then 500000 '[' and as many ']', then "}" (1 MB). */
enum plant {
	PLANT_JSON,
	PLANT_RAW,
	PLANT_DIR,
	PLANT_FIFO,
	PLANT_HUGE,
	PLANT_NESTED
};

struct bad_case {
	const char *name;
	enum plant plant;
	const char *text; /* JSON, single quotes; or raw bytes */
	size_t raw_len;
	int rc;
	const char *says; /* besides the file name */
};

/* clang-format off */
static const struct bad_case bad_cases[] = {
	/* unknown keys: a typo must not silently turn a setting off */
	{ "bad/unknown-key", PLANT_JSON, "{'parser':'/p','allow_unconfinded':true}", 0, -EINVAL,
	  ": unknown key \"allow_unconfinded\": did you mean \"allow_unconfined\"?" },
	{ "bad/key-wrong-case", PLANT_JSON, "{'Parser':'/p'}", 0, -EINVAL,
	  ": unknown key \"Parser\": did you mean \"parser\"?" },
	{ "bad/key-nested-object", PLANT_JSON, "{'config':{'parser':'/p'}}", 0, -EINVAL,
	  ": unknown key \"config\"; the keys are in aa-oci-hook(8)" },
	/* wrong types */
	{ "bad/profile-dirs-string", PLANT_JSON, "{'profile_dirs':'/etc/apparmor.d'}", 0, -EINVAL, "profile_dirs" },
	{ "bad/profile-dirs-object", PLANT_JSON, "{'profile_dirs':{'a':'/x'}}", 0, -EINVAL, "profile_dirs" },
	{ "bad/profile-dirs-number-entry", PLANT_JSON, "{'profile_dirs':['/a',1]}", 0, -EINVAL, "profile_dirs" },
	{ "bad/profile-dirs-null-entry", PLANT_JSON, "{'profile_dirs':[null]}", 0, -EINVAL, "profile_dirs" },
	{ "bad/default-profile-number", PLANT_JSON, "{'default_profile':5}", 0, -EINVAL, "default_profile" },
	{ "bad/runtime-default-bool", PLANT_JSON, "{'runtime_default':true}", 0, -EINVAL, "runtime_default" },
	{ "bad/parser-number", PLANT_JSON, "{'parser':1}", 0, -EINVAL, "parser" },
	{ "bad/parser-null", PLANT_JSON, "{'parser':null}", 0, -EINVAL, "parser" },
	{ "bad/run-dir-array", PLANT_JSON, "{'run_dir':['/run']}", 0, -EINVAL, "run_dir" },
	{ "bad/runtime-number", PLANT_JSON, "{'runtime':0}", 0, -EINVAL, "runtime" },
	{ "bad/allow-unconfined-string", PLANT_JSON, "{'allow_unconfined':'yes'}", 0, -EINVAL, "allow_unconfined" },
	{ "bad/allow-unconfined-number", PLANT_JSON, "{'allow_unconfined':1}", 0, -EINVAL, "allow_unconfined" },
	{ "bad/allow-unconfined-null", PLANT_JSON, "{'allow_unconfined':null}", 0, -EINVAL, "allow_unconfined" },
	{ "bad/allow-complain-string", PLANT_JSON, "{'allow_complain':'true'}", 0, -EINVAL, "allow_complain" },
	{ "bad/allowed-profiles-string", PLANT_JSON, "{'allowed_profiles':'web*'}", 0, -EINVAL, "allowed_profiles" },
	{ "bad/allowed-profiles-number-entry", PLANT_JSON, "{'allowed_profiles':['web',1]}", 0, -EINVAL, "allowed_profiles" },
	{ "bad/allowed-profiles-empty-glob", PLANT_JSON, "{'allowed_profiles':['']}", 0, -EINVAL, "is not a glob of profile names" },
	{ "bad/allowed-profiles-path", PLANT_JSON, "{'allowed_profiles':['/usr/sbin/*']}", 0, -EINVAL, "is not a glob of profile names" },
	{ "bad/allowed-profiles-namespace", PLANT_JSON, "{'allowed_profiles':[':ns:*']}", 0, -EINVAL, "is not a glob of profile names" },
	{ "bad/allowed-profiles-stack", PLANT_JSON, "{'allowed_profiles':['a//&b']}", 0, -EINVAL, "is not a glob of profile names" },
	{ "bad/timeout-string", PLANT_JSON, "{'parser_timeout_ms':'100'}", 0, -EINVAL, "parser_timeout_ms" },
	{ "bad/timeout-fraction", PLANT_JSON, "{'parser_timeout_ms':1.5}", 0, -EINVAL, "parser_timeout_ms" },
	/* bad values */
	{ "bad/parser-relative", PLANT_JSON, "{'parser':'apparmor_parser'}", 0, -EINVAL, "parser" },
	{ "bad/parser-empty", PLANT_JSON, "{'parser':''}", 0, -EINVAL, "parser" },
	{ "bad/run-dir-relative", PLANT_JSON, "{'run_dir':'run/aa-oci'}", 0, -EINVAL, "run_dir" },
	{ "bad/runtime-relative", PLANT_JSON, "{'runtime':'runc'}", 0, -EINVAL, "runtime" },
	{ "bad/profile-dirs-relative", PLANT_JSON, "{'profile_dirs':['profiles']}", 0, -EINVAL, "profile_dirs" },
	{ "bad/profile-dirs-one-relative", PLANT_JSON, "{'profile_dirs':['/ok','./rel']}", 0, -EINVAL,
	  "profile_dirs" },
	{ "bad/profile-namespace-number", PLANT_JSON, "{'profile_namespace':0}", 0, -EINVAL,
	  ": \"profile_namespace\" must be a string" },
	{ "bad/profile-namespace-colon", PLANT_JSON, "{'profile_namespace':'aa:oci'}", 0, -EINVAL,
	  ": \"profile_namespace\": namespace name has a character that is not allowed (byte 0x3a at 2); use letters, digits, '_', '.', '-' (or \"\" for the root namespace)" },
	{ "bad/timeout-zero", PLANT_JSON, "{'parser_timeout_ms':0}", 0, -EINVAL, "parser_timeout_ms" },
	{ "bad/timeout-negative", PLANT_JSON, "{'parser_timeout_ms':-1}", 0, -EINVAL, "parser_timeout_ms" },
	{ "bad/timeout-600001", PLANT_JSON, "{'parser_timeout_ms':600001}", 0, -EINVAL, "parser_timeout_ms" },
	{ "bad/nice-string", PLANT_JSON, "{'parser_nice':'-5'}", 0, -EINVAL, "parser_nice" },
	{ "bad/nice-fraction", PLANT_JSON, "{'parser_nice':-0.5}", 0, -EINVAL, "parser_nice" },
	{ "bad/nice-minus-21", PLANT_JSON, "{'parser_nice':-21}", 0, -EINVAL, "parser_nice" },
	{ "bad/nice-20", PLANT_JSON, "{'parser_nice':20}", 0, -EINVAL, "parser_nice" },
	{ "bad/timeout-huge", PLANT_JSON, "{'parser_timeout_ms':99999999999999999999}", 0, -EINVAL,
	  "parser_timeout_ms" },
	/* malformed */
	{ "bad/malformed", PLANT_JSON, "{'parser':", 0, -EBADMSG, "JSON" },
	{ "bad/malformed-trailing-comma", PLANT_JSON, "{'parser':'/p',}", 0, -EBADMSG, "JSON" },
	{ "bad/empty-file", PLANT_JSON, "", 0, -EBADMSG, "JSON" },
	{ "bad/not-object", PLANT_JSON, "['parser']", 0, -EBADMSG, "object" },
	{ "bad/duplicate-key", PLANT_JSON, "{'allow_unconfined':false,'allow_unconfined':true}", 0, -EBADMSG,
	  "allow_unconfined" },
	{ "bad/non-utf8", PLANT_JSON, "{'default_profile':'\xff'}", 0, -EBADMSG, "JSON" },
	{ "bad/nul-byte", PLANT_RAW, "{\"parser\":\"/p\0\"}", 16, -EBADMSG, "NUL" },
	/* issue 12: yajl's tree took comments, and a quote in one blinded the
	 * old depth and NUL scan: `aa-oci` died of SIGSEGV in yajl_tree_free */
	{ "bad/comment-blinds-depth-500000", PLANT_NESTED, "{/*\"*/\"parser\":\"/p\",\"x\":", 0,
	  -EBADMSG, "config file is not valid JSON: lexical error: probable comment found in input text, "
	  "comments are not enabled." },
	{ "bad/comment-blinds-nul", PLANT_JSON, "{/*'*/'default_profile':'a\\u0000b'}", 0, -EBADMSG,
	  "config file is not valid JSON: lexical error: probable comment found" },
	{ "bad/escaped-nul", PLANT_JSON, "{'default_profile':'a\\u0000b'}", 0, -EBADMSG,
	  "config file contains an escaped NUL (\\u0000)" },
	{ "bad/depth-500000", PLANT_NESTED, "{\"parser\":\"/p\",\"x\":", 0, -EBADMSG,
	  "config file nests deeper than 127 levels" },
	/* not a regular file, or too big: refused even when not required */
	{ "bad/directory", PLANT_DIR, NULL, 0, -EINVAL, "regular" },
	{ "bad/fifo", PLANT_FIFO, NULL, 0, -EINVAL, "regular" },
	{ "bad/over-1MiB", PLANT_HUGE, NULL, 0, -E2BIG, "config" },
};
/* clang-format on */

/*
 * An unknown key, and the known one it is close to: a typo, a swap, a
 * dash, a case; none when nothing is close or two keys are equally close.
 */
static const struct {
	const char *key, *near; /* near NULL: no suggestion */
} typo_cases[] = {
    {"parser_timout_ms", "parser_timeout_ms"},
    {"parser-timeout-ms", "parser_timeout_ms"},
    {"PARSER_TIMEOUT_MS", "parser_timeout_ms"},
    {"parser_timeuot_ms", "parser_timeout_ms"},
    {"parser_timeout", NULL},
    {"profile_dir", "profile_dirs"},
    {"profiles_dirs", "profile_dirs"},
    {"allowed_profile", "allowed_profiles"},
    {"alow_complain", "allow_complain"},
    {"unload_unusued", "unload_unused"},
    {"defualt_profile", "default_profile"},
    {"runtime_defaults", "runtime_default"},
    {"run-dir", "run_dir"},
    {"cachedir", "cache_dir"},
    {"parsr", "parser"},
    {"pasrer", "parser"},
    {"runtim", "runtime"},
    {"parser_nic", "parser_nice"},
    {"parsers", "parser"},
    {"psr", NULL},
    {"timeout", NULL},
    {"root", NULL},
    {"debug", NULL},
    {"xun_dir", "run_dir"},
    {"profile_namspace", "profile_namespace"},
    {"profile-namespace", "profile_namespace"},
    {"Profile_Namespace", "profile_namespace"},
    {"profile_namepsace", "profile_namespace"},
    {"profile_namespaces", "profile_namespace"},
    {"profile_nmespce", "profile_namespace"},
    {"namespace", NULL},
    {"profile_ns", NULL},
    {"", NULL},
    {"parser_timeout_ms_parser_timeout_ms_parser_timeout_ms_parser_timeout_"
     "ms",
     NULL},
};

static void test_unknown_key_near(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(typo_cases) / sizeof(*typo_cases); i++) {
		struct aa_oci_err err = {0};
		struct aa_oci_config cfg;
		char *json, want[AA_OCI_ERR_MAX];

		assert_int_equal(config_init(&cfg), 0);
		assert_true(
		    asprintf(&json, "{\"%s\": true}", typo_cases[i].key) > 0);
		assert_int_equal(config_parse(json, &cfg, &err), -EINVAL);
		if (typo_cases[i].near)
			snprintf(want, sizeof(want),
				 "unknown key \"%.64s\": did you mean \"%s\"?",
				 typo_cases[i].key, typo_cases[i].near);
		else
			snprintf(want, sizeof(want),
				 "unknown key \"%.64s\"; the keys are in "
				 "aa-oci-hook(8)",
				 typo_cases[i].key);
		if (strcmp(err.text, want) != 0)
			fail_msg("\"%s\": said \"%s\", want \"%s\"",
				 typo_cases[i].key, err.text, want);
		free(json);
		config_free(&cfg);
	}
}

static void test_bad_case(void **state)
{
	const struct bad_case *c = *state;
	struct aa_oci_err err = {0};
	struct aa_oci_config cfg;
	struct tmp t;
	int fd;

	tmp_make(&t);
	switch (c->plant) {
	case PLANT_JSON:
		write_json(t.file, c->text);
		break;
	case PLANT_RAW:
		write_file(t.file, c->text, c->raw_len);
		break;
	case PLANT_DIR:
		assert_int_equal(mkdir(t.file, 0755), 0);
		break;
	case PLANT_NESTED: {
		size_t hl = strlen(c->text), n = 500000;
		char *buf = malloc(hl + 2 * n + 1);

		assert_non_null(buf);
		memcpy(buf, c->text, hl);
		memset(buf + hl, '[', n);
		memset(buf + hl + n, ']', n);
		buf[hl + 2 * n] = '}';
		write_file(t.file, buf, hl + 2 * n + 1);
		free(buf);
		break;
	}
	case PLANT_FIFO:
		assert_int_equal(mkfifo(t.file, 0644), 0);
		break;
	case PLANT_HUGE:
		fd = open(t.file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)AA_OCI_SETTINGS_MAX + 1),
				 0);
		close(fd);
		break;
	}
	/* whether or not the file is required, a bad one is an error */
	for (int required = 0; required <= 1; required++) {
		int r;

		memset(&err, 0, sizeof(err));
		r = config_load(t.file, required, &cfg, &err);
		if (r != c->rc)
			fail_msg("%s: returned %d (%s), want %d (%s); err: %s",
				 c->name, r, strerror(-r), c->rc,
				 strerror(-c->rc), err.text);
		assert_int_equal(err.code, c->rc);
		if (!strstr(err.text, t.file))
			fail_msg("%s: message \"%s\" does not name the file",
				 c->name, err.text);
		if (!strstr(err.text, c->says))
			fail_msg("%s: message \"%s\" does not say \"%s\"",
				 c->name, err.text, c->says);
		assert_null(strchr(err.text, '\n'));
		/* nothing left allocated on failure */
		assert_true(config_zeroed(&cfg));
		/* the same with no err to fill */
		assert_int_equal(config_load(t.file, required, &cfg, NULL),
				 c->rc);
	}
	tmp_drop(&t);
}

/* ---- main ---- */

static const struct CMUnitTest fixed[] = {
    cmocka_unit_test(test_init_defaults),
    cmocka_unit_test(test_load_missing_not_required),
    cmocka_unit_test(test_load_missing_required),
    cmocka_unit_test(test_load_every_key),
    cmocka_unit_test(test_load_partial),
    cmocka_unit_test(test_unknown_key_near),
    cmocka_unit_test(test_parse_over_defaults),
    cmocka_unit_test(test_parse_64_profile_dirs),
};

static struct CMUnitTest
    tests[ARRAY_SIZE(fixed) + ARRAY_SIZE(bad_cases) + ARRAY_SIZE(ns_key_cases)];

int main(void)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++)
		tests[n++] =
		    (struct CMUnitTest){.name = bad_cases[i].name,
					.test_func = test_bad_case,
					.initial_state = (void *)&bad_cases[i]};
	for (size_t i = 0; i < ARRAY_SIZE(ns_key_cases); i++)
		tests[n++] = (struct CMUnitTest){.name = ns_key_cases[i].name,
						 .test_func = test_ns_key_case,
						 .initial_state =
						     (void *)&ns_key_cases[i]};
	return cmocka_run_group_tests_name("config", tests, fx_group_setup,
					   fx_group_teardown);
}
