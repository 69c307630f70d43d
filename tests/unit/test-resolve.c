/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resolve.c: profile names, which profile a container asks for, and
 * whether a hook may let it start. Each table row is its own cmocka test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "aa-oci/config.h"
#include "aa-oci/oci.h"
#include "aa-oci/policy.h"
#include "aa-oci/resolve.h"
#include "aa-oci/util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FIXTURES "tests/data/oci"

/*
 * Strings too long to write in a table. A row names one by pointing at the
 * marker; the test swaps in the real string.
 */
static const char LONG_10000[] = "<10000 x 'a'>";
static const char LONG_255[] = "<255 x 'a'>";
static const char LONG_256[] = "<256 x 'a'>";
static const char LOCALHOST_255[] = "<localhost/ + 255 x 'a'>";
static const char LOCALHOST_256[] = "<localhost/ + 256 x 'a'>";
static const char VALUE_4097[] = "<value of 4097 bytes>";
static const char VALUE_4096[] = "<value of 4096 bytes>";
static const char CNAME_257[] = "<container name of 257 bytes>";
static const char NS_NAME_255[] = "<:aa-oci: + 255 x 'a'>";
static const char NS_NAME_256[] = "<:aa-oci: + 256 x 'a'>";
static const char NS_65[] = "<65 x 'n'>";
static const char NS_64[] = "<64 x 'n'>";

static char *run_of(const char *prefix, size_t n)
{
	size_t pl = strlen(prefix);
	char *s = malloc(pl + n + 1);

	assert_non_null(s);
	memcpy(s, prefix, pl);
	memset(s + pl, 'a', n);
	s[pl + n] = '\0';
	return s;
}

/* The string a table cell stands for; free with free(). */
static char *cell(const char *v)
{
	char *s;

	if (v == LONG_10000)
		return run_of("", 10000);
	if (v == LONG_255)
		return run_of("", 255);
	if (v == LONG_256)
		return run_of("", 256);
	if (v == LOCALHOST_255)
		return run_of("localhost/", 255);
	if (v == LOCALHOST_256)
		return run_of("localhost/", 256);
	if (v == VALUE_4097) /* a valid name if it were short enough */
		return run_of("localhost/", 4097 - 10);
	if (v == VALUE_4096)
		return run_of("localhost/", 4096 - 10);
	if (v == CNAME_257)
		return run_of("", 257);
	if (v == NS_NAME_255)
		return run_of(":aa-oci:", 255);
	if (v == NS_NAME_256)
		return run_of(":aa-oci:", 256);
	if (v == NS_64 || v == NS_65) {
		s = run_of("", v == NS_64 ? 64 : 65);
		memset(s, 'n', strlen(s));
		return s;
	}
	s = strdup(v);
	assert_non_null(s);
	return s;
}

static void check_err(const char *name, int r, int want,
		      const struct aa_oci_err *err)
{
	if (r != want)
		fail_msg("%s: returned %d (%s), want %d (%s); err: %s", name, r,
			 strerror(-r), want, strerror(-want), err->text);
	if (want < 0) {
		if (err->code != want)
			fail_msg("%s: err.code %d, want %d", name, err->code,
				 want);
		if (!err->text[0])
			fail_msg("%s: no message in err", name);
		if (strchr(err->text, '\n'))
			fail_msg("%s: message spans lines: %s", name,
				 err->text);
	}
}

static void cfg_make(struct aa_oci_config *cfg, const char *runtime_default,
		     const char *default_profile, bool allow_unconfined)
{
	assert_int_equal(config_init(cfg), 0);
	if (runtime_default) {
		free(cfg->runtime_default);
		cfg->runtime_default = strdup(runtime_default);
		assert_non_null(cfg->runtime_default);
	}
	if (default_profile) {
		cfg->default_profile = cell(default_profile);
	}
	cfg->allow_unconfined = allow_unconfined;
}

/* ---- profile_name_validate ---- */

struct name_case {
	const char *name;  /* test name */
	const char *value; /* may be a marker */
	int rc;
};

/* clang-format off */
static const struct name_case name_cases[] = {
	/* good */
	{ "name/docker-default", "docker-default", 0 },
	{ "name/lxc-cgns", "lxc-container-default-cgns", 0 },
	{ "name/cri-containerd", "cri-containerd.apparmor.d", 0 },
	{ "name/containers-default", "containers-default-0.50.1", 0 },
	{ "name/underscore-plus", "a_b+c", 0 },
	{ "name/single-letter", "a", 0 },
	{ "name/single-digit", "7", 0 },
	{ "name/leading-underscore", "_x", 0 },
	{ "name/upper-case", "Docker-Default", 0 },
	{ "name/trailing-dot", "a.", 0 },
	{ "name/dots-inside", "a..b", 0 },
	{ "name/exactly-255", LONG_255, 0 },
	/* a C string ends at NUL; the readers refuse NUL bytes (test-oci) */
	{ "name/nul-ends-string", "abc\0def", 0 },

	/* hostile */
	{ "name/empty", "", -EINVAL },
	{ "name/dotdot", "..", -EINVAL },
	{ "name/dot", ".", -EINVAL },
	{ "name/traversal", "../etc/passwd", -EINVAL },
	{ "name/slash", "a/b", -EINVAL },
	{ "name/absolute", "/abs", -EINVAL },
	{ "name/trailing-slash", "a/", -EINVAL },
	{ "name/space", "a b", -EINVAL },
	{ "name/leading-space", " a", -EINVAL },
	{ "name/trailing-space", "a ", -EINVAL },
	{ "name/double-quote", "a\"b", -EINVAL },
	{ "name/single-quote", "a'b", -EINVAL },
	{ "name/open-brace", "a{b", -EINVAL },
	{ "name/close-brace", "a}b", -EINVAL },
	{ "name/comma", "a,b", -EINVAL },
	{ "name/hash", "a#b", -EINVAL },
	{ "name/newline", "a\nb", -EINVAL },
	{ "name/carriage-return", "a\rb", -EINVAL },
	{ "name/tab", "a\tb", -EINVAL },
	{ "name/control-01", "a\x01" "b", -EINVAL },
	{ "name/del", "a\x7f", -EINVAL },
	{ "name/variable", "@{HOME}", -EINVAL },
	{ "name/at", "a@b", -EINVAL },
	{ "name/colon", "a:b", -EINVAL },
	{ "name/namespace", ":ns:a", -EINVAL },
	{ "name/hat", "^hat", -EINVAL },
	{ "name/hat-inside", "a^hat", -EINVAL },
	{ "name/leading-dot", ".hidden", -EINVAL },
	{ "name/leading-dash", "-a", -EINVAL },
	{ "name/leading-plus", "+a", -EINVAL },
	{ "name/glob-star", "a*", -EINVAL },
	{ "name/glob-question", "a?", -EINVAL },
	{ "name/glob-bracket", "a[b]", -EINVAL },
	{ "name/paren", "a(b)", -EINVAL },
	{ "name/equals", "a=b", -EINVAL },
	{ "name/backslash", "a\\b", -EINVAL },
	{ "name/semicolon", "a;b", -EINVAL },
	{ "name/dollar", "$a", -EINVAL },
	{ "name/arrow", "a->b", -EINVAL },
	{ "name/non-utf8", "\xff\xfe", -EINVAL },
	{ "name/non-utf8-inside", "a\xff", -EINVAL },
	{ "name/utf8-letter", "caf\xc3\xa9", -EINVAL },
	{ "name/256", LONG_256, -E2BIG },
	{ "name/10000", LONG_10000, -E2BIG },
};
/* clang-format on */

static void test_name_case(void **state)
{
	const struct name_case *c = *state;
	struct aa_oci_err err = {0};
	char *v = cell(c->value);
	int r = profile_name_validate(v, &err);

	check_err(c->name, r, c->rc, &err);
	/* the message quotes at most a bounded part of the name */
	assert_true(strlen(err.text) < 512);
	/* a NULL err gives the same answer */
	assert_int_equal(profile_name_validate(v, NULL), c->rc);
	free(v);
}

/* ---- resolve_value ---- */

struct value_case {
	const char *name;
	const char *value;
	const char *runtime_default; /* NULL: the built-in default */
	bool runtime_default_null;
	int rc;
	const char *want; /* the name, or NULL for unconfined */
	bool ns_off;	  /* profile_namespace "" (the root namespace) */
	bool in_ns;	  /* *ret_in_namespace on success */
	const char *msg;  /* the exact message on failure (NULL: not checked) */
};

/* clang-format off */
static const struct value_case value_cases[] = {
	{ "value/localhost", "localhost/web", NULL, false, 0, "web", false, false, NULL },
	/* The kernel's word for no profile is never a profile's name. */
	{ "value/localhost-unconfined", "localhost/unconfined", NULL, false, -EINVAL, NULL, false, false, NULL },
	{ "value/bare-name", "web", NULL, false, 0, "web", false, false, NULL },
	{ "value/runtime-default", "runtime/default", NULL, false, 0, "docker-default", false, false, NULL },
	{ "value/runtime-default-configured", "runtime/default", "containers-default-0.50.1", false, 0,
	  "containers-default-0.50.1", false, false, NULL },
	{ "value/unconfined", "unconfined", NULL, false, 0, NULL, false, false, NULL },
	{ "value/localhost-255", LOCALHOST_255, NULL, false, 0, LONG_255, false, false, NULL },
	{ "value/runtime-default-empty", "runtime/default", "", false, -EINVAL, NULL, false, false, NULL },
	{ "value/runtime-default-null", "runtime/default", NULL, true, -EINVAL, NULL, false, false, NULL },
	{ "value/runtime-default-bad-name", "runtime/default", "a b", false, -EINVAL, NULL, false, false, NULL },
	{ "value/empty", "", NULL, false, -EINVAL, NULL, false, false, NULL },
	{ "value/localhost-empty", "localhost/", NULL, false, -EINVAL, NULL, false, false, NULL },
	{ "value/localhost-traversal", "localhost/../etc/passwd", NULL, false, -EINVAL, NULL, false, false, NULL },
	{ "value/localhost-slash", "localhost/a/b", NULL, false, -EINVAL, NULL, false, false, NULL },
	{ "value/localhost-twice", "localhost/localhost/x", NULL, false, -EINVAL, NULL, false, false, NULL },
	{ "value/localhost-space", "localhost/a b", NULL, false, -EINVAL, NULL, false, false, NULL },
	{ "value/localhost-brace", "localhost/a{b}", NULL, false, -EINVAL, NULL, false, false, NULL },
	{ "value/localhost-256", LOCALHOST_256, NULL, false, -E2BIG, NULL, false, false, NULL },
	{ "value/runtime-other", "runtime/other", NULL, false, -EINVAL, NULL, false, false, NULL },
	{ "value/docker-default-path", "docker/default", NULL, false, -EINVAL, NULL, false, false, NULL },
	{ "value/Localhost-case", "Localhost/web", NULL, false, -EINVAL, NULL, false, false, NULL },
	{ "value/unconfined-space", "unconfined ", NULL, false, -EINVAL, NULL, false, false, NULL },
	{ "value/traversal", "../x", NULL, false, -EINVAL, NULL, false, false, NULL },
	{ "value/long", LONG_10000, NULL, false, -E2BIG, NULL, false, false, NULL },
	/* profile_namespace "aa-oci" (the default): its prefix, and only its */
	{ "value/ns-prefix", ":aa-oci:web", NULL, false, 0, "web", false, true, NULL },
	{ "value/ns-bare-name-not-in", "web", NULL, false, 0, "web", false, false, NULL },
	{ "value/ns-localhost", ":aa-oci:localhost/web", NULL, false, 0, "web", false, true, NULL },
	{ "value/ns-runtime-default", ":aa-oci:runtime/default", NULL, false, 0, "docker-default", false, true, NULL },
	{ "value/ns-unconfined-plain", "unconfined", NULL, false, 0, NULL, false, false, NULL },
	{ "value/ns-unconfined-prefixed", ":aa-oci:unconfined", NULL, false, -EINVAL, NULL, false, false,
	  "\"unconfined\" is the kernel's label for no profile, not a profile name; ask for unconfined itself" },
	{ "value/ns-localhost-before-prefix", "localhost/:aa-oci:web", NULL, false, -EINVAL, NULL, false, false,
	  "profile name \":aa-oci:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "value/ns-other", ":other:web", NULL, false, -EINVAL, NULL, false, false,
	  "profile name \":other:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "value/ns-longer-prefix", ":aa-ocix:web", NULL, false, -EINVAL, NULL, false, false,
	  "profile name \":aa-ocix:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "value/ns-shorter-prefix", ":aa-oc:web", NULL, false, -EINVAL, NULL, false, false,
	  "profile name \":aa-oc:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "value/ns-nested", ":aa-oci::x:web", NULL, false, -EINVAL, NULL, false, false,
	  "profile name \":x:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "value/ns-prefix-only", ":aa-oci:", NULL, false, -EINVAL, NULL, false, false,
	  "profile name \":aa-oci:\" names a policy namespace, which only aa-oci chooses (its profile_namespace); ask for the profile's name" },
	{ "value/ns-child", ":aa-oci:web//x", NULL, false, -EINVAL, NULL, false, false,
	  "profile name has a character that is not allowed (byte 0x2f at 3); use letters, digits, '_', '.', '+', '-'" },
	{ "value/ns-colon-inside", ":aa-oci:a:b", NULL, false, -EINVAL, NULL, false, false,
	  "profile name has a character that is not allowed (byte 0x3a at 1); use letters, digits, '_', '.', '+', '-'" },
	{ "value/ns-name-256", NS_NAME_256, NULL, false, -E2BIG, NULL, false, false,
	  "profile name is longer than 255 bytes" },
	/* profile_namespace "": no prefix is aa-oci's */
	{ "value/ns-off-prefix", ":aa-oci:web", NULL, false, -EINVAL, NULL, true, false,
	  "profile name \":aa-oci:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "value/ns-off-empty-prefix", "::web", NULL, false, -EINVAL, NULL, true, false,
	  "profile name \"::web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "value/ns-off-bare", "web", NULL, false, 0, "web", true, false, NULL },
};
/* clang-format on */

static void test_value_case(void **state)
{
	const struct value_case *c = *state;
	struct aa_oci_err err = {0};
	struct aa_oci_config cfg;
	char *v = cell(c->value);
	char *name = (char *)0x1;
	bool unconfined = true, in_ns = true;
	int r;

	cfg_make(&cfg, c->runtime_default, NULL, false);
	if (c->runtime_default_null) {
		free(cfg.runtime_default);
		cfg.runtime_default = NULL;
	}
	if (c->ns_off) {
		free(cfg.profile_namespace);
		cfg.profile_namespace = strdup("");
		assert_non_null(cfg.profile_namespace);
	}
	r = resolve_value(v, &cfg, &name, &unconfined, &in_ns, &err);
	check_err(c->name, r, c->rc, &err);
	if (r < 0 && c->msg && strcmp(err.text, c->msg) != 0)
		fail_msg("%s: said \"%s\", want \"%s\"", c->name, err.text,
			 c->msg);
	if (r == 0 && in_ns != c->in_ns)
		fail_msg("%s: in_namespace %d, want %d", c->name, in_ns,
			 c->in_ns);
	if (r < 0) {
		/* untouched on failure */
		assert_ptr_equal(name, (char *)0x1);
		assert_true(unconfined);
		assert_true(in_ns);
	} else if (c->want) {
		char *want = cell(c->want);

		assert_string_equal(name, want);
		assert_false(unconfined);
		free(want);
		free(name);
	} else {
		assert_null(name);
		assert_true(unconfined);
	}
	free(v);
	config_free(&cfg);
}

/* ---- profile_namespace_validate ---- */

struct ns_case {
	const char *name;
	const char *value; /* may be a marker */
	int rc;
	const char *msg; /* the exact message on failure */
};

/* clang-format off */
static const struct ns_case ns_cases[] = {
	{ "ns/default", "aa-oci", 0, NULL },
	{ "ns/one-letter", "a", 0, NULL },
	{ "ns/digit-first", "7tenants", 0, NULL },
	{ "ns/underscore-first", "_x", 0, NULL },
	{ "ns/dot-dash-underscore", "a.b-c_d", 0, NULL },
	{ "ns/upper-case", "AA_OCI", 0, NULL },
	{ "ns/trailing-dot", "a.", 0, NULL },
	{ "ns/exactly-64", NS_64, 0, NULL },
	{ "ns/empty", "", -EINVAL, "namespace name is empty" },
	{ "ns/65", NS_65, -EINVAL, "namespace name is longer than 64 bytes" },
	{ "ns/leading-dot", ".x", -EINVAL, "namespace name \".x\" must start with a letter, digit or '_'" },
	{ "ns/leading-dash", "-x", -EINVAL, "namespace name \"-x\" must start with a letter, digit or '_'" },
	{ "ns/leading-plus", "+x", -EINVAL, "namespace name \"+x\" must start with a letter, digit or '_'" },
	{ "ns/leading-colon", ":x", -EINVAL, "namespace name \":x\" must start with a letter, digit or '_'" },
	{ "ns/leading-slash", "/x", -EINVAL, "namespace name \"/x\" must start with a letter, digit or '_'" },
	{ "ns/leading-space", " x", -EINVAL, "namespace name \" x\" must start with a letter, digit or '_'" },
	{ "ns/plus", "a+b", -EINVAL, "namespace name has a character that is not allowed (byte 0x2b at 1); use letters, digits, '_', '.', '-'" },
	{ "ns/colon", "a:b", -EINVAL, "namespace name has a character that is not allowed (byte 0x3a at 1); use letters, digits, '_', '.', '-'" },
	{ "ns/trailing-colon", "aa-oci:", -EINVAL, "namespace name has a character that is not allowed (byte 0x3a at 6); use letters, digits, '_', '.', '-'" },
	{ "ns/slash", "a/b", -EINVAL, "namespace name has a character that is not allowed (byte 0x2f at 1); use letters, digits, '_', '.', '-'" },
	{ "ns/kernel-path", "root//aa-oci", -EINVAL, "namespace name has a character that is not allowed (byte 0x2f at 4); use letters, digits, '_', '.', '-'" },
	{ "ns/space", "a b", -EINVAL, "namespace name has a character that is not allowed (byte 0x20 at 1); use letters, digits, '_', '.', '-'" },
	{ "ns/newline", "a\nb", -EINVAL, "namespace name has a character that is not allowed (byte 0x0a at 1); use letters, digits, '_', '.', '-'" },
	{ "ns/star", "a*", -EINVAL, "namespace name has a character that is not allowed (byte 0x2a at 1); use letters, digits, '_', '.', '-'" },
	{ "ns/ampersand", "a&b", -EINVAL, "namespace name has a character that is not allowed (byte 0x26 at 1); use letters, digits, '_', '.', '-'" },
	{ "ns/non-utf8", "a\xff", -EINVAL, "namespace name has a character that is not allowed (byte 0xff at 1); use letters, digits, '_', '.', '-'" },
};
/* clang-format on */

static void test_ns_case(void **state)
{
	const struct ns_case *c = *state;
	struct aa_oci_err err = {0};
	char *v = cell(c->value);
	int r = profile_namespace_validate(v, &err);

	check_err(c->name, r, c->rc, &err);
	if (c->rc < 0 && strcmp(err.text, c->msg) != 0)
		fail_msg("%s: said \"%s\", want \"%s\"", c->name, err.text,
			 c->msg);
	/* a NULL err gives the same answer */
	assert_int_equal(profile_namespace_validate(v, NULL), c->rc);
	free(v);
}

/* ---- profile_label_split, profile_label_base ---- */

struct split_case {
	const char *name;
	const char *label;
	bool in;	  /* ":NS:NAME" */
	const char *ns;	  /* its namespace, NULL when not in one */
	const char *base; /* its name within it */
};

/* clang-format off */
static const struct split_case split_cases[] = {
	{ "split/ns-name", ":a:b", true, "a", "b" },
	{ "split/default-ns", ":aa-oci:web", true, "aa-oci", "web" },
	{ "split/child", ":a:b//c", true, "a", "b//c" },
	{ "split/colon-in-base", ":a:b:c", true, "a", "b:c" },
	/* the kernel's spelling ":NS://NAME": split as it is, base "//b" */
	{ "split/kernel-spelling", ":a://b", true, "a", "//b" },
	{ "split/ns-no-name", ":a:", false, NULL, ":a:" },
	{ "split/empty-ns", "::b", false, NULL, "::b" },
	{ "split/plain", "a", false, NULL, "a" },
	{ "split/no-second-colon", ":a", false, NULL, ":a" },
	{ "split/colon-not-first", "a:b:c", false, NULL, "a:b:c" },
	{ "split/colon", ":", false, NULL, ":" },
	{ "split/two-colons", "::", false, NULL, "::" },
	{ "split/empty", "", false, NULL, "" },
};
/* clang-format on */

static void test_split_case(void **state)
{
	const struct split_case *c = *state;
	const char *ns = (const char *)0x1, *base = NULL;
	size_t n = 99;
	bool in = profile_label_split(c->label, &ns, &n, &base);

	if (in != c->in)
		fail_msg("%s: split says %d, want %d", c->name, in, c->in);
	if (c->ns) {
		/* pointers into the label itself */
		assert_ptr_equal(ns, c->label + 1);
		assert_int_equal(n, strlen(c->ns));
		assert_memory_equal(ns, c->ns, n);
	} else {
		assert_null(ns);
		assert_int_equal(n, 0);
	}
	assert_ptr_equal(base, c->label + strlen(c->label) - strlen(c->base));
	assert_string_equal(base, c->base);
	/* every pointer may be NULL; the answer is the same */
	assert_int_equal(profile_label_split(c->label, NULL, NULL, NULL), in);
	assert_ptr_equal(profile_label_base(c->label), base);
}

/* ---- profile_label_make ---- */

struct make_case {
	const char *name;
	const char *ns; /* NULL or "": the root namespace */
	const char *base;
	const char *want;
};

/* clang-format off */
static const struct make_case make_cases[] = {
	{ "make/in-ns", "aa-oci", "web", ":aa-oci:web" },
	{ "make/root-null", NULL, "web", "web" },
	{ "make/root-empty", "", "web", "web" },
	{ "make/child", "a", "b//c", ":a:b//c" },
	/* what `aa-oci unload --all` writes: the whole namespace */
	{ "make/whole-namespace", "aa-oci", "", ":aa-oci:" },
	{ "make/root-empty-name", NULL, "", "" },
};
/* clang-format on */

static void test_make_case(void **state)
{
	const struct make_case *c = *state;
	char *l = NULL;
	const char *ns, *base;
	size_t n;

	assert_int_equal(profile_label_make(c->ns, c->base, &l), 0);
	assert_non_null(l);
	assert_string_equal(l, c->want);
	/* split gives back what made it (a name is needed for a label) */
	if (c->base[0]) {
		bool in = profile_label_split(l, &ns, &n, &base);

		assert_int_equal(in, c->ns && c->ns[0]);
		assert_string_equal(base, c->base);
		if (in) {
			assert_int_equal(n, strlen(c->ns));
			assert_memory_equal(ns, c->ns, n);
		}
	}
	free(l);
}

/* ---- profile_label_validate ---- */

struct label_case {
	const char *name;
	const char *label; /* may be a marker */
	const char *ns;	   /* the configured profile_namespace */
	int rc;
	const char *msg; /* the exact message on failure */
};

/* clang-format off */
static const struct label_case label_cases[] = {
	{ "label/root-name", "web", "aa-oci", 0, NULL },
	{ "label/root-name-ns-off", "web", "", 0, NULL },
	{ "label/root-name-ns-null", "web", NULL, 0, NULL },
	{ "label/in-ns", ":aa-oci:web", "aa-oci", 0, NULL },
	{ "label/in-other-configured-ns", ":tenants:web", "tenants", 0, NULL },
	{ "label/in-ns-255", NS_NAME_255, "aa-oci", 0, NULL },
	{ "label/in-ns-256", NS_NAME_256, "aa-oci", -E2BIG, "profile name is longer than 255 bytes" },
	{ "label/other-ns", ":other:web", "aa-oci", -EINVAL, "profile name \":other:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "label/longer-ns", ":aa-ocix:web", "aa-oci", -EINVAL, "profile name \":aa-ocix:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "label/shorter-ns", ":aa:web", "aa-oci", -EINVAL, "profile name \":aa:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "label/configured-is-longer", ":aa-oci:web", "aa-oci2", -EINVAL, "profile name \":aa-oci:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "label/case-differs", ":AA-OCI:web", "aa-oci", -EINVAL, "profile name \":AA-OCI:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "label/ns-off", ":aa-oci:web", "", -EINVAL, "profile name \":aa-oci:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "label/ns-null", ":aa-oci:web", NULL, -EINVAL, "profile name \":aa-oci:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "label/ns-off-empty-ns", "::web", "", -EINVAL, "profile name \"::web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "label/ns-off-colon-inside", "a:b", "", -EINVAL, "profile name has a character that is not allowed (byte 0x3a at 1); use letters, digits, '_', '.', '+', '-'" },
	{ "label/ns-colon-inside", "a:b", "aa-oci", -EINVAL, "profile name has a character that is not allowed (byte 0x3a at 1); use letters, digits, '_', '.', '+', '-'" },
	{ "label/whole-ns", ":aa-oci:", "aa-oci", -EINVAL,
	  "profile name \":aa-oci:\" names a policy namespace, which only aa-oci chooses (its profile_namespace); ask for the profile's name" },
	{ "label/nested", ":aa-oci::x:web", "aa-oci", -EINVAL, "profile name \":x:web\" names a policy namespace, which only aa-oci chooses (its "
	  "profile_namespace); ask for the profile's name" },
	{ "label/child", ":aa-oci:web//c", "aa-oci", -EINVAL, "profile name has a character that is not allowed (byte 0x2f at 3); use letters, digits, '_', '.', '+', '-'" },
	{ "label/kernel-spelling", ":aa-oci://web", "aa-oci", -EINVAL, "profile name \"//web\" must start with a letter, digit or '_'" },
	{ "label/unconfined", ":aa-oci:unconfined", "aa-oci", -EINVAL, "\"unconfined\" is the kernel's label for no profile, not a "
	  "profile name; ask for unconfined itself" },
	{ "label/empty", "", "aa-oci", -EINVAL, "profile name is empty" },
};
/* clang-format on */

static void test_label_case(void **state)
{
	const struct label_case *c = *state;
	struct aa_oci_err err = {0};
	char *v = cell(c->label);
	int r = profile_label_validate(v, c->ns, &err);

	check_err(c->name, r, c->rc, &err);
	if (c->rc < 0 && strcmp(err.text, c->msg) != 0)
		fail_msg("%s: said \"%s\", want \"%s\"", c->name, err.text,
			 c->msg);
	assert_int_equal(profile_label_validate(v, c->ns, NULL), c->rc);
	free(v);
}

/* ---- resolve_request ---- */

#define K8S AA_OCI_ANN_K8S_PREFIX
#define CRIO_NAME "io.kubernetes.cri-o.ContainerName"
#define CRI_NAME "io.kubernetes.cri.container-name"
#define KUBE_NAME "io.kubernetes.container.name"
#define PODMAN AA_OCI_ANN_PODMAN
#define PROFILE AA_OCI_ANN_PROFILE
#define MODE AA_OCI_ANN_MODE

struct request_case {
	const char *name;
	bool no_state;		   /* pass state = NULL (aa-oci-runtime) */
	const char *state_ann[12]; /* key, value, ..., NULL */
	const char *spec_ann[12];  /* key, value, ..., NULL */
	const char *spec_profile;  /* process.apparmorProfile */
	const char *default_profile;
	const char *runtime_default; /* NULL: docker-default */
	int rc;
	enum aa_oci_source source;
	const char *origin;
	const char *profile;
	bool unconfined;
	enum aa_oci_mode mode;
};

/* clang-format off */
static const struct request_case request_cases[] = {
	/* nothing asked */
	{ .name = "request/nothing", .source = AA_OCI_SOURCE_NONE },
	{ .name = "request/nothing-no-state", .no_state = true, .source = AA_OCI_SOURCE_NONE },
	{ .name = "request/unrelated-annotations", .state_ann = { "io.kubernetes.pod.name", "web", NULL },
	  .spec_ann = { "org.opencontainers.image.title", "x", NULL }, .source = AA_OCI_SOURCE_NONE },

	/* aa-oci.profile */
	{ .name = "request/profile-localhost", .state_ann = { PROFILE, "localhost/web", NULL },
	  .source = AA_OCI_SOURCE_ANNOTATION, .origin = PROFILE, .profile = "web" },
	{ .name = "request/profile-bare-name-spec-only", .spec_ann = { PROFILE, "web", NULL },
	  .source = AA_OCI_SOURCE_ANNOTATION, .origin = PROFILE, .profile = "web" },
	{ .name = "request/profile-no-state", .no_state = true, .spec_ann = { PROFILE, "localhost/web", NULL },
	  .source = AA_OCI_SOURCE_ANNOTATION, .origin = PROFILE, .profile = "web" },
	{ .name = "request/profile-state-only", .state_ann = { PROFILE, "web", NULL },
	  .spec_ann = { "other", "x", NULL }, .source = AA_OCI_SOURCE_ANNOTATION, .origin = PROFILE,
	  .profile = "web" },
	{ .name = "request/profile-wins-over-everything",
	  .state_ann = { PROFILE, "localhost/top", CRIO_NAME, "app", K8S "app", "localhost/k8s",
			 PODMAN, "pod", NULL },
	  .spec_ann = { PROFILE, "localhost/top", NULL },
	  .spec_profile = "spec", .default_profile = "def",
	  .source = AA_OCI_SOURCE_ANNOTATION, .origin = PROFILE, .profile = "top" },
	{ .name = "request/profile-unconfined", .state_ann = { PROFILE, "unconfined", NULL },
	  .source = AA_OCI_SOURCE_ANNOTATION, .origin = PROFILE, .unconfined = true },
	{ .name = "request/profile-runtime-default", .state_ann = { PROFILE, "runtime/default", NULL },
	  .source = AA_OCI_SOURCE_ANNOTATION, .origin = PROFILE, .profile = "docker-default" },
	{ .name = "request/profile-runtime-default-configured", .state_ann = { PROFILE, "runtime/default", NULL },
	  .runtime_default = "crio-default", .source = AA_OCI_SOURCE_ANNOTATION, .origin = PROFILE,
	  .profile = "crio-default" },
	{ .name = "request/profile-runtime-default-empty", .state_ann = { PROFILE, "runtime/default", NULL },
	  .runtime_default = "", .rc = -EINVAL },
	{ .name = "request/profile-traversal", .state_ann = { PROFILE, "../etc/passwd", NULL }, .rc = -EINVAL },
	{ .name = "request/profile-localhost-space", .state_ann = { PROFILE, "localhost/a b", NULL }, .rc = -EINVAL },
	{ .name = "request/profile-empty", .state_ann = { PROFILE, "", NULL }, .rc = -EINVAL },
	{ .name = "request/profile-value-4096", .state_ann = { PROFILE, VALUE_4096, NULL }, .rc = -E2BIG },
	{ .name = "request/profile-value-4097", .state_ann = { PROFILE, VALUE_4097, NULL }, .rc = -E2BIG },
	{ .name = "request/profile-value-4097-spec", .spec_ann = { PROFILE, VALUE_4097, NULL }, .rc = -E2BIG },
	/* state and config.json disagree: someone edited one of them */
	{ .name = "request/profile-state-spec-differ", .state_ann = { PROFILE, "localhost/a", NULL },
	  .spec_ann = { PROFILE, "localhost/b", NULL }, .rc = -EINVAL },
	{ .name = "request/profile-state-spec-same", .state_ann = { PROFILE, "localhost/a", NULL },
	  .spec_ann = { PROFILE, "localhost/a", NULL }, .source = AA_OCI_SOURCE_ANNOTATION,
	  .origin = PROFILE, .profile = "a" },
	/* the same request, spelled differently, is still two values */
	{ .name = "request/profile-state-spec-spelled-differently", .state_ann = { PROFILE, "localhost/a", NULL },
	  .spec_ann = { PROFILE, "a", NULL }, .rc = -EINVAL },

	/* Kubernetes */
	{ .name = "request/k8s-crio-runtime-default",
	  .state_ann = { CRIO_NAME, "app", K8S "app", "runtime/default", NULL },
	  .source = AA_OCI_SOURCE_KUBERNETES, .origin = K8S "app", .profile = "docker-default" },
	{ .name = "request/k8s-crio-localhost",
	  .state_ann = { CRIO_NAME, "app", K8S "app", "localhost/k8s-app", NULL },
	  .source = AA_OCI_SOURCE_KUBERNETES, .origin = K8S "app", .profile = "k8s-app" },
	{ .name = "request/k8s-crio-unconfined",
	  .state_ann = { CRIO_NAME, "app", K8S "app", "unconfined", NULL },
	  .source = AA_OCI_SOURCE_KUBERNETES, .origin = K8S "app", .unconfined = true },
	{ .name = "request/k8s-containerd-runtime-default",
	  .state_ann = { CRI_NAME, "web", K8S "web", "runtime/default", NULL },
	  .source = AA_OCI_SOURCE_KUBERNETES, .origin = K8S "web", .profile = "docker-default" },
	{ .name = "request/k8s-containerd-localhost",
	  .state_ann = { CRI_NAME, "web", K8S "web", "localhost/k8s-web", NULL },
	  .source = AA_OCI_SOURCE_KUBERNETES, .origin = K8S "web", .profile = "k8s-web" },
	{ .name = "request/k8s-containerd-unconfined",
	  .state_ann = { CRI_NAME, "web", K8S "web", "unconfined", NULL },
	  .source = AA_OCI_SOURCE_KUBERNETES, .origin = K8S "web", .unconfined = true },
	{ .name = "request/k8s-dockershim-runtime-default",
	  .state_ann = { KUBE_NAME, "db", K8S "db", "runtime/default", NULL },
	  .source = AA_OCI_SOURCE_KUBERNETES, .origin = K8S "db", .profile = "docker-default" },
	{ .name = "request/k8s-dockershim-localhost",
	  .state_ann = { KUBE_NAME, "db", K8S "db", "localhost/k8s-db", NULL },
	  .source = AA_OCI_SOURCE_KUBERNETES, .origin = K8S "db", .profile = "k8s-db" },
	{ .name = "request/k8s-dockershim-unconfined",
	  .state_ann = { KUBE_NAME, "db", K8S "db", "unconfined", NULL },
	  .source = AA_OCI_SOURCE_KUBERNETES, .origin = K8S "db", .unconfined = true },
	{ .name = "request/k8s-from-spec-annotations", .no_state = true,
	  .spec_ann = { CRIO_NAME, "app", K8S "app", "localhost/k8s-app", NULL },
	  .source = AA_OCI_SOURCE_KUBERNETES, .origin = K8S "app", .profile = "k8s-app" },
	{ .name = "request/k8s-name-in-state-value-in-spec",
	  .state_ann = { CRIO_NAME, "app", NULL }, .spec_ann = { K8S "app", "localhost/k8s-app", NULL },
	  .source = AA_OCI_SOURCE_KUBERNETES, .origin = K8S "app", .profile = "k8s-app" },
	{ .name = "request/k8s-other-container-ignored",
	  .state_ann = { CRIO_NAME, "app", K8S "sidecar", "unconfined", NULL },
	  .source = AA_OCI_SOURCE_NONE },
	{ .name = "request/k8s-other-container-falls-through",
	  .state_ann = { CRI_NAME, "app", K8S "sidecar", "localhost/side", NULL },
	  .spec_profile = "spec-prof", .source = AA_OCI_SOURCE_SPEC,
	  .origin = "process.apparmorProfile", .profile = "spec-prof" },
	{ .name = "request/k8s-no-container-name-ignored",
	  .state_ann = { K8S "app", "localhost/k8s-app", NULL }, .source = AA_OCI_SOURCE_NONE },
	{ .name = "request/k8s-empty-container-name-ignored",
	  .state_ann = { CRIO_NAME, "", K8S "", "unconfined", NULL }, .source = AA_OCI_SOURCE_NONE },
	{ .name = "request/k8s-wins-over-podman-and-spec",
	  .state_ann = { CRIO_NAME, "app", K8S "app", "localhost/k8s-app", PODMAN, "pod", NULL },
	  .spec_profile = "spec-prof", .default_profile = "def",
	  .source = AA_OCI_SOURCE_KUBERNETES, .origin = K8S "app", .profile = "k8s-app" },
	{ .name = "request/k8s-bad-value", .state_ann = { CRIO_NAME, "app", K8S "app", "localhost/../x", NULL },
	  .rc = -EINVAL },
	{ .name = "request/k8s-value-4097", .state_ann = { CRIO_NAME, "app", K8S "app", VALUE_4097, NULL },
	  .rc = -E2BIG },
	{ .name = "request/k8s-container-name-257", .state_ann = { CRIO_NAME, CNAME_257, NULL }, .rc = -E2BIG },
	{ .name = "request/k8s-container-name-differs", .state_ann = { CRIO_NAME, "app", NULL },
	  .spec_ann = { CRIO_NAME, "evil", NULL }, .rc = -EINVAL },
	{ .name = "request/k8s-value-differs", .state_ann = { CRIO_NAME, "app", K8S "app", "localhost/a", NULL },
	  .spec_ann = { K8S "app", "unconfined", NULL }, .rc = -EINVAL },

	/* Podman */
	{ .name = "request/podman", .state_ann = { PODMAN, "pod-prof", NULL },
	  .source = AA_OCI_SOURCE_PODMAN, .origin = PODMAN, .profile = "pod-prof" },
	{ .name = "request/podman-localhost", .spec_ann = { PODMAN, "localhost/pod-prof", NULL },
	  .source = AA_OCI_SOURCE_PODMAN, .origin = PODMAN, .profile = "pod-prof" },
	{ .name = "request/podman-unconfined", .state_ann = { PODMAN, "unconfined", NULL },
	  .source = AA_OCI_SOURCE_PODMAN, .origin = PODMAN, .unconfined = true },
	{ .name = "request/podman-wins-over-spec", .state_ann = { PODMAN, "pod-prof", NULL },
	  .spec_profile = "spec-prof", .source = AA_OCI_SOURCE_PODMAN, .origin = PODMAN, .profile = "pod-prof" },
	{ .name = "request/podman-bad", .state_ann = { PODMAN, "a,b", NULL }, .rc = -EINVAL },
	{ .name = "request/podman-differs", .state_ann = { PODMAN, "a", NULL }, .spec_ann = { PODMAN, "b", NULL },
	  .rc = -EINVAL },

	/* process.apparmorProfile: used literally */
	{ .name = "request/spec", .spec_profile = "docker-default", .source = AA_OCI_SOURCE_SPEC,
	  .origin = "process.apparmorProfile", .profile = "docker-default" },
	{ .name = "request/spec-no-state", .no_state = true, .spec_profile = "docker-default",
	  .source = AA_OCI_SOURCE_SPEC, .origin = "process.apparmorProfile", .profile = "docker-default" },
	{ .name = "request/spec-unconfined", .spec_profile = "unconfined", .source = AA_OCI_SOURCE_SPEC,
	  .origin = "process.apparmorProfile", .unconfined = true },
	{ .name = "request/spec-localhost-is-invalid", .spec_profile = "localhost/x", .rc = -EINVAL },
	{ .name = "request/spec-runtime-default-is-invalid", .spec_profile = "runtime/default", .rc = -EINVAL },
	{ .name = "request/spec-traversal", .spec_profile = "../x", .rc = -EINVAL },
	{ .name = "request/spec-256", .spec_profile = LONG_256, .rc = -E2BIG },
	{ .name = "request/spec-wins-over-default", .spec_profile = "spec-prof", .default_profile = "def",
	  .source = AA_OCI_SOURCE_SPEC, .origin = "process.apparmorProfile", .profile = "spec-prof" },

	/* default_profile */
	{ .name = "request/default", .default_profile = "def", .source = AA_OCI_SOURCE_DEFAULT,
	  .origin = "default_profile", .profile = "def" },
	{ .name = "request/default-localhost", .default_profile = "localhost/def", .source = AA_OCI_SOURCE_DEFAULT,
	  .origin = "default_profile", .profile = "def" },
	{ .name = "request/default-runtime-default", .default_profile = "runtime/default",
	  .source = AA_OCI_SOURCE_DEFAULT, .origin = "default_profile", .profile = "docker-default" },
	{ .name = "request/default-unconfined", .default_profile = "unconfined", .source = AA_OCI_SOURCE_DEFAULT,
	  .origin = "default_profile", .unconfined = true },
	{ .name = "request/default-empty-is-none", .default_profile = "", .source = AA_OCI_SOURCE_NONE },
	{ .name = "request/default-bad", .default_profile = "a b", .rc = -EINVAL },

	/* aa-oci.mode */
	{ .name = "request/mode-complain", .state_ann = { MODE, "complain", PROFILE, "web", NULL },
	  .source = AA_OCI_SOURCE_ANNOTATION, .origin = PROFILE, .profile = "web",
	  .mode = AA_OCI_MODE_COMPLAIN },
	{ .name = "request/mode-enforce", .state_ann = { MODE, "enforce", PROFILE, "web", NULL },
	  .source = AA_OCI_SOURCE_ANNOTATION, .origin = PROFILE, .profile = "web",
	  .mode = AA_OCI_MODE_ENFORCE },
	{ .name = "request/mode-complain-with-spec", .spec_ann = { MODE, "complain", NULL },
	  .spec_profile = "spec-prof", .source = AA_OCI_SOURCE_SPEC, .origin = "process.apparmorProfile",
	  .profile = "spec-prof", .mode = AA_OCI_MODE_COMPLAIN },
	{ .name = "request/mode-complain-with-nothing", .state_ann = { MODE, "complain", NULL },
	  .source = AA_OCI_SOURCE_NONE, .mode = AA_OCI_MODE_COMPLAIN },
	{ .name = "request/mode-bogus", .state_ann = { MODE, "bogus", PROFILE, "web", NULL }, .rc = -EINVAL },
	{ .name = "request/mode-capitalised", .state_ann = { MODE, "Complain", NULL }, .rc = -EINVAL },
	{ .name = "request/mode-empty", .state_ann = { MODE, "", NULL }, .rc = -EINVAL },
	{ .name = "request/mode-kill", .state_ann = { MODE, "kill", NULL }, .rc = -EINVAL },
	{ .name = "request/mode-differs", .state_ann = { MODE, "complain", NULL },
	  .spec_ann = { MODE, "enforce", NULL }, .rc = -EINVAL },
	{ .name = "request/mode-4097", .state_ann = { MODE, VALUE_4097, NULL }, .rc = -E2BIG },
};
/* clang-format on */

static void annotations_build(const char *const *kv,
			      struct aa_oci_annotations *a)
{
	size_t n = 0;

	while (kv[2 * n])
		n++;
	*a = (struct aa_oci_annotations){0};
	if (n == 0)
		return;
	a->keys = calloc(n, sizeof(char *));
	a->values = calloc(n, sizeof(char *));
	assert_non_null(a->keys);
	assert_non_null(a->values);
	for (size_t i = 0; i < n; i++) {
		a->keys[i] = cell(kv[2 * i]);
		assert_non_null(kv[2 * i + 1]);
		a->values[i] = cell(kv[2 * i + 1]);
	}
	a->n = n;
}

static void annotations_drop(struct aa_oci_annotations *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->keys[i]);
		free(a->values[i]);
	}
	free(a->keys);
	free(a->values);
}

static void test_request_case(void **state)
{
	const struct request_case *c = *state;
	struct aa_oci_err err = {0};
	struct aa_oci_state st = {0};
	struct aa_oci_spec spec = {0};
	struct aa_oci_config cfg;
	struct aa_oci_request req;
	int r;

	annotations_build(c->state_ann, &st.annotations);
	annotations_build(c->spec_ann, &spec.annotations);
	if (c->spec_profile)
		spec.apparmor_profile = cell(c->spec_profile);
	cfg_make(&cfg, c->runtime_default, c->default_profile, false);

	memset(&req, 0xa5, sizeof(req));
	r = resolve_request(c->no_state ? NULL : &st, &spec, &cfg, &req, &err);
	check_err(c->name, r, c->rc, &err);
	if (r == 0) {
		if (req.source != c->source)
			fail_msg("%s: source %s, want %s", c->name,
				 resolve_source_name(req.source),
				 resolve_source_name(c->source));
		if (c->origin)
			assert_string_equal(req.origin, c->origin);
		else
			assert_null(req.origin);
		if (c->profile)
			assert_string_equal(req.profile, c->profile);
		else
			assert_null(req.profile);
		assert_int_equal(req.unconfined, c->unconfined);
		if (req.mode != c->mode)
			fail_msg("%s: mode %s, want %s", c->name,
				 mode_name(req.mode), mode_name(c->mode));
		resolve_request_free(&req);
		assert_null(req.origin);
		assert_null(req.profile);
	}
	annotations_drop(&st.annotations);
	annotations_drop(&spec.annotations);
	free(spec.apparmor_profile);
	config_free(&cfg);
}

/* The fixtures from test-oci, run through parse and resolve together. */
static void test_request_crio_fixture(void **state)
{
	struct aa_oci_err err = {0};
	struct aa_oci_state st = {0};
	struct aa_oci_spec spec = {0};
	struct aa_oci_config cfg;
	struct aa_oci_request req = {0};
	char *buf = NULL;
	size_t len;

	assert_int_equal(read_file_at(AT_FDCWD, FIXTURES "/crio-k8s-state.json",
				      false, AA_OCI_STATE_MAX, &buf, &len),
			 0);
	assert_int_equal(oci_state_parse(buf, &st, &err), 0);
	free(buf);
	buf = NULL;
	assert_int_equal(read_file_at(AT_FDCWD,
				      FIXTURES "/crio-k8s-config.json", false,
				      AA_OCI_SPEC_MAX, &buf, &len),
			 0);
	assert_int_equal(oci_spec_parse(buf, &spec, &err), 0);
	free(buf);
	cfg_make(&cfg, NULL, NULL, false);

	assert_int_equal(resolve_request(&st, &spec, &cfg, &req, &err), 0);
	assert_int_equal(req.source, AA_OCI_SOURCE_KUBERNETES);
	assert_string_equal(req.origin, K8S "nginx");
	assert_string_equal(req.profile, "k8s-nginx");
	assert_false(req.unconfined);
	/* process.apparmorProfile agrees, so a hook may go ahead */
	{
		struct aa_oci_decision d = {0};

		assert_int_equal(
		    policy_decide(&(struct aa_oci_ask){.fe = AA_OCI_BY_HOOK,
						       .state = &st,
						       .spec = &spec},
				  &cfg, &d, &err),
		    0);
		assert_string_equal(d.profile, "k8s-nginx");
		policy_decision_free(&d);
	}
	resolve_request_free(&req);

	/* the runc spec asks nothing */
	oci_spec_free(&spec);
	assert_int_equal(read_file_at(AT_FDCWD, FIXTURES "/runc-spec.json",
				      false, AA_OCI_SPEC_MAX, &buf, &len),
			 0);
	assert_int_equal(oci_spec_parse(buf, &spec, &err), 0);
	free(buf);
	assert_int_equal(resolve_request(NULL, &spec, &cfg, &req, &err), 0);
	assert_int_equal(req.source, AA_OCI_SOURCE_NONE);
	assert_null(req.profile);
	{
		struct aa_oci_decision d = {0};

		assert_int_equal(
		    policy_decide(&(struct aa_oci_ask){.fe = AA_OCI_BY_HOOK,
						       .spec = &spec},
				  &cfg, &d, &err),
		    0);
		assert_null(d.profile);
		policy_decision_free(&d);
	}
	resolve_request_free(&req);

	oci_spec_free(&spec);
	oci_state_free(&st);
	config_free(&cfg);
}

/* ---- names for messages ---- */

static void test_source_names(void **state)
{
	static const enum aa_oci_source all[] = {
	    AA_OCI_SOURCE_NONE,	      AA_OCI_SOURCE_ANNOTATION,
	    AA_OCI_SOURCE_KUBERNETES, AA_OCI_SOURCE_PODMAN,
	    AA_OCI_SOURCE_SPEC,	      AA_OCI_SOURCE_DEFAULT,
	};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		const char *n = resolve_source_name(all[i]);

		assert_non_null(n);
		assert_true(n[0] != '\0');
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(n, resolve_source_name(all[j]));
	}
	assert_non_null(
	    strstr(resolve_source_name(AA_OCI_SOURCE_ANNOTATION), PROFILE));
	assert_non_null(
	    strstr(resolve_source_name(AA_OCI_SOURCE_PODMAN), PODMAN));
	assert_string_equal(resolve_source_name(AA_OCI_SOURCE_SPEC),
			    "process.apparmorProfile");
	assert_string_equal(mode_name(AA_OCI_MODE_ENFORCE), "enforce");
	assert_string_equal(mode_name(AA_OCI_MODE_COMPLAIN), "complain");
	assert_string_equal(mode_name(AA_OCI_MODE_OTHER), "other");
}

/* ---- main ---- */

static const struct CMUnitTest fixed[] = {
    cmocka_unit_test(test_request_crio_fixture),
    cmocka_unit_test(test_source_names),
};

static struct CMUnitTest
    tests[ARRAY_SIZE(name_cases) + ARRAY_SIZE(value_cases) +
	  ARRAY_SIZE(ns_cases) + ARRAY_SIZE(split_cases) +
	  ARRAY_SIZE(make_cases) + ARRAY_SIZE(label_cases) +
	  ARRAY_SIZE(request_cases) + ARRAY_SIZE(fixed)];

#define ADD_ROWS(table, fn)                                                    \
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)                         \
		tests[n++] = (struct CMUnitTest)                               \
		{                                                              \
			.name = (table)[i].name, .test_func = (fn),            \
			.initial_state = (void *)&(table)[i]                   \
		}

int main(void)
{
	size_t n = 0;

	ADD_ROWS(name_cases, test_name_case);
	ADD_ROWS(value_cases, test_value_case);
	ADD_ROWS(ns_cases, test_ns_case);
	ADD_ROWS(split_cases, test_split_case);
	ADD_ROWS(make_cases, test_make_case);
	ADD_ROWS(label_cases, test_label_case);
	ADD_ROWS(request_cases, test_request_case);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests_name("resolve", tests, NULL, NULL);
}
