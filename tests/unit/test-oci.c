/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oci.c: the OCI state, a bundle's config.json, annotations, and the key
 * matching config.json's reader and rewriter share.
 *
 * Most cases are rows of a table, each its own cmocka test so one failure
 * does not hide the rest. JSON in the tables is written with single quotes
 * for readability; json_of() turns them into double quotes (no row needs a
 * literal single quote). A row with .pad > 0 has one "%s" that becomes that
 * many 'a's, for the size limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"

#include "aa-oci/oci.h"
#include "aa-oci/rewrite.h"
#include "aa-oci/util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FIXTURES "tests/data/oci"

/* ---- helpers ---- */

static char *json_of(const char *text, size_t pad)
{
	char *fmt = strdup(text), *out, *hole;
	size_t head, tail;

	assert_non_null(fmt);
	for (char *p = fmt; *p; p++)
		if (*p == '\'')
			*p = '"';
	if (pad == 0)
		return fmt;
	hole = strstr(fmt, "%s");
	assert_non_null(hole);
	head = (size_t)(hole - fmt);
	tail = strlen(hole + 2);
	out = malloc(head + pad + tail + 1);
	assert_non_null(out);
	memcpy(out, fmt, head);
	memset(out + head, 'a', pad);
	memcpy(out + head + pad, hole + 2, tail + 1);
	free(fmt);
	return out;
}

static void rm_rf(const char *path)
{
	nftw(path, fx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *make_tmpdir(void)
{
	return fx_base_mkdtemp();
}

static void write_at(int dirfd, const char *path, const void *buf, size_t len)
{
	int fd =
	    openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static char *read_fixture(const char *path)
{
	char *buf = NULL;
	size_t len;
	int r =
	    read_file_at(AT_FDCWD, path, false, AA_OCI_SPEC_MAX, &buf, &len);

	if (r < 0)
		fail_msg("%s: %s (run the tests from the repository root)",
			 path, strerror(-r));
	assert_int_equal(strlen(buf), len);
	return buf;
}

/* A failed call must leave *ret as it was (STYLE: untouched on failure). */
#define POISON 0xa5
static bool poisoned(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != POISON)
			return false;
	return true;
}

static void check_err(const char *name, int r, int want,
		      const struct aa_oci_err *err)
{
	if (r != want)
		fail_msg("%s: returned %d (%s), want %d (%s); err: %s", name, r,
			 strerror(-r), want, strerror(-want), err->text);
	if (want < 0 && want != -ENOMEM) {
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

/* The exact message, when the row gives one. */
static void check_msg(const char *name, const char *want,
		      const struct aa_oci_err *err)
{
	if (want && !fx_json_msg_eq(err->text, want))
		fail_msg("%s: message\n  \"%s\", want\n  \"%s\"", name,
			 err->text, want);
}

/* ---- oci_state_parse ---- */

struct state_case {
	const char *name;
	const char *json;
	size_t pad;
	int rc;
	const char *msg; /* on failure, when set: the exact message */
	/* expected on success */
	const char *id, *status, *bundle;
	size_t bundle_len; /* when bundle is padded */
	pid_t pid;
	size_t n_ann;
};

/* clang-format off */
/* A row that must fail; the struct's other fields do not matter. */
#define BAD(n, j, p, r) { .name = (n), .json = (j), .pad = (p), .rc = (r) }
/* The same, with the exact message. */
#define BADM(n, j, r, m) { .name = (n), .json = (j), .rc = (r), .msg = (m) }

static const struct state_case state_cases[] = {
	/* good */
	{ .name = "state/runc",
	  .json = "{'ociVersion':'1.0.2','id':'3f2a9c1b7e04d5a6','status':'creating','pid':4242,"
		  "'bundle':'/run/containers/x/userdata',"
		  "'annotations':{'aa-oci.profile':'localhost/web','k':'v'}}",
	  .id = "3f2a9c1b7e04d5a6", .status = "creating",
	  .bundle = "/run/containers/x/userdata", .pid = 4242, .n_ann = 2 },
	{ .name = "state/legacy-bundlePath",
	  .json = "{'ociVersion':'1.0.0-rc1','id':'x','status':'created','pid':7,'bundlePath':'/b'}",
	  .id = "x", .status = "created", .bundle = "/b", .pid = 7 },
	{ .name = "state/bundle-wins-over-bundlePath",
	  .json = "{'bundlePath':'/old','bundle':'/new'}", .id = "", .bundle = "/new" },
	{ .name = "state/minimal-no-id", .json = "{'bundle':'/b'}", .id = "", .bundle = "/b" },
	{ .name = "state/pid-absent", .json = "{'id':'a','bundle':'/b'}", .id = "a", .bundle = "/b" },
	{ .name = "state/pid-negative", .json = "{'bundle':'/b','pid':-5}", .id = "", .bundle = "/b" },
	{ .name = "state/pid-too-big", .json = "{'bundle':'/b','pid':4294967296}", .id = "", .bundle = "/b" },
	{ .name = "state/pid-string", .json = "{'bundle':'/b','pid':'12'}", .id = "", .bundle = "/b" },
	{ .name = "state/annotations-null", .json = "{'bundle':'/b','annotations':null}", .id = "", .bundle = "/b" },
	{ .name = "state/annotations-empty", .json = "{'bundle':'/b','annotations':{}}", .id = "", .bundle = "/b" },
	{ .name = "state/unknown-keys-ignored",
	  .json = "{'bundle':'/b','extra':{'x':[1,2,{'y':null}]},'rootfs':'/r'}", .id = "", .bundle = "/b" },
	{ .name = "state/bundle-4096-bytes", .json = "{'bundle':'/%s'}", .pad = 4095, .id = "",
	  .bundle_len = 4096 },
	{ .name = "state/utf8-ok", .json = "{'bundle':'/b/\xc3\xa9t\xc3\xa9','id':'\xe2\x9c\x93'}",
	  .id = "\xe2\x9c\x93", .bundle = "/b/\xc3\xa9t\xc3\xa9" },

	/* malformed */
	BADM("state/malformed-truncated", "{'bundle':'/b'", -EBADMSG,
	     "container state is not valid JSON: parse error: premature EOF"),
	BADM("state/malformed-empty", "", -EBADMSG,
	     "container state is not valid JSON: parse error: premature EOF"),
	BADM("state/malformed-bare-word", "bundle", -EBADMSG,
	     "container state is not valid JSON: lexical error: invalid char in json text."),
	BADM("state/malformed-trailing-garbage", "{'bundle':'/b'} x", -EBADMSG,
	     "container state is not valid JSON: parse error: trailing garbage"),
	BADM("state/malformed-two-documents", "{'bundle':'/b'}{'bundle':'/c'}", -EBADMSG,
	     "container state is not valid JSON: parse error: trailing garbage"),
	/* comments are not JSON; one hid a NUL from the old hand scanner */
	BADM("state/comment", "{/* c */'bundle':'/b'}", -EBADMSG,
	     "container state is not valid JSON: lexical error: probable comment found in input text, comments are not enabled."),
	BADM("state/comment-blinds-nul-check", "{/*'*/'bundle':'/a\\u0000b'}", -EBADMSG,
	     "container state is not valid JSON: lexical error: probable comment found in input text, comments are not enabled."),
	BADM("state/escaped-nul-in-bundle", "{'bundle':'/a\\u0000b'}", -EBADMSG,
	     "container state contains an escaped NUL (\\u0000)"),
	BADM("state/escaped-nul-in-key", "{'bundle':'/b','annotations':{'k\\u0000':'v'}}", -EBADMSG,
	     "container state contains an escaped NUL (\\u0000)"),
	BADM("state/not-object-array", "[{'bundle':'/b'}]", -EBADMSG, "container state is not a JSON object"),
	BADM("state/not-object-string", "'/b'", -EBADMSG, "container state is not a JSON object"),
	BADM("state/not-object-number", "42", -EBADMSG, "container state is not a JSON object"),
	BADM("state/not-object-null", "null", -EBADMSG, "container state is not a JSON object"),
	BAD("state/bundle-number", "{'bundle':42}", 0, -EBADMSG),
	BAD("state/bundle-object", "{'bundle':{'path':'/b'}}", 0, -EBADMSG),
	BAD("state/bundle-bool", "{'bundle':true}", 0, -EBADMSG),
	BAD("state/bundlePath-number", "{'bundlePath':1,'bundle':'/b'}", 0, -EBADMSG),
	BAD("state/id-number", "{'id':1,'bundle':'/b'}", 0, -EBADMSG),
	BAD("state/status-array", "{'status':['running'],'bundle':'/b'}", 0, -EBADMSG),
	BAD("state/annotations-array", "{'bundle':'/b','annotations':['a','b']}", 0, -EBADMSG),
	BAD("state/annotations-string", "{'bundle':'/b','annotations':'a=b'}", 0, -EBADMSG),
	BAD("state/annotation-value-number", "{'bundle':'/b','annotations':{'a':'x','n':1}}", 0, -EBADMSG),
	BAD("state/annotation-value-null", "{'bundle':'/b','annotations':{'n':null}}", 0, -EBADMSG),
	BAD("state/annotation-value-object", "{'bundle':'/b','annotations':{'n':{}}}", 0, -EBADMSG),
	BADM("state/duplicate-bundle", "{'bundle':'/b','bundle':'/c'}", -EBADMSG,
	     "container state names the key \"bundle\" twice"),
	BADM("state/duplicate-id", "{'id':'a','bundle':'/b','id':'a'}", -EBADMSG,
	     "container state names the key \"id\" twice"),
	BADM("state/duplicate-annotation",
	     "{'bundle':'/b','annotations':{'aa-oci.profile':'a','x':'y','aa-oci.profile':'b'}}", -EBADMSG,
	     "container state names the key \"aa-oci.profile\" twice"),
	/* in objects nobody reads too: one place decides, for every reader */
	BADM("state/duplicate-at-depth-5", "{'bundle':'/b','a':{'b':{'c':{'d':{'k':1,'k':2}}}}}", -EBADMSG,
	     "container state names the key \"k\" twice"),
	BADM("state/non-utf8-bundle", "{'bundle':'/b\xff\xfe'}", -EBADMSG,
	     "container state is not valid JSON: lexical error: invalid bytes in UTF8 string."),
	BAD("state/non-utf8-annotation", "{'bundle':'/b','annotations':{'k':'\xc3'}}", 0, -EBADMSG),
	BAD("state/non-utf8-key", "{'bundle':'/b','annotations':{'\xe2\x28\xa1':'v'}}", 0, -EBADMSG),

	/* bad values */
	BAD("state/missing-bundle", "{'ociVersion':'1.0.2','id':'x','status':'creating','pid':1}", 0, -EINVAL),
	BAD("state/bundle-null", "{'bundle':null}", 0, -EINVAL),
	BAD("state/bundle-empty", "{'bundle':''}", 0, -EINVAL),
	BAD("state/bundle-relative", "{'bundle':'run/x'}", 0, -EINVAL),
	BAD("state/bundle-dot-relative", "{'bundle':'./x'}", 0, -EINVAL),
	BAD("state/bundlePath-relative", "{'bundlePath':'x'}", 0, -EINVAL),
	BAD("state/empty-object", "{}", 0, -EINVAL),

	/* limits */
	BAD("state/bundle-4097-bytes", "{'bundle':'/%s'}", 4096, -E2BIG),
	BAD("state/bundle-1MiB", "{'bundle':'/%s'}", 1 << 20, -E2BIG),
	BAD("state/id-1025-bytes", "{'id':'%s','bundle':'/b'}", 1025, -E2BIG),
	BAD("state/status-65-bytes", "{'status':'%s','bundle':'/b'}", 65, -E2BIG),
};
/* clang-format on */

static void test_state_case(void **state)
{
	const struct state_case *c = *state;
	struct aa_oci_err err = {0};
	struct aa_oci_state s;
	char *buf = json_of(c->json, c->pad);
	int r;

	memset(&s, POISON, sizeof(s));
	r = oci_state_parse(buf, &s, &err);
	free(buf);
	if (r == 0 && c->rc != 0)
		oci_state_free(
		    &s); /* before failing, so valgrind stays quiet */
	check_err(c->name, r, c->rc, &err);
	if (r < 0) {
		check_msg(c->name, c->msg, &err);
		if (!poisoned(&s, sizeof(s)))
			fail_msg("%s: *ret written on failure", c->name);
		return;
	}
	assert_non_null(s.id);
	assert_string_equal(s.id, c->id);
	if (c->status)
		assert_string_equal(s.status, c->status);
	else
		assert_null(s.status);
	if (c->bundle)
		assert_string_equal(s.bundle, c->bundle);
	else
		assert_int_equal(strlen(s.bundle), c->bundle_len);
	assert_int_equal(s.pid, c->pid);
	assert_int_equal(s.annotations.n, c->n_ann);
	oci_state_free(&s);
	/* free leaves it reusable */
	assert_null(s.id);
	assert_null(s.bundle);
	assert_int_equal(s.annotations.n, 0);
	oci_state_free(&s);
}

static void test_state_annotations(void **state)
{
	struct aa_oci_err err = {0};
	struct aa_oci_state s = {0};
	char *buf = json_of("{'bundle':'/b','annotations':{"
			    "'aa-oci.profile':'localhost/web',"
			    "'io.kubernetes.cri.container-name':'app',"
			    "'empty':''}}",
			    0);

	assert_int_equal(oci_state_parse(buf, &s, &err), 0);
	free(buf);
	assert_int_equal(s.annotations.n, 3);
	assert_string_equal(
	    oci_annotation_get(&s.annotations, "aa-oci.profile"),
	    "localhost/web");
	assert_string_equal(
	    oci_annotation_get(&s.annotations,
			       "io.kubernetes.cri.container-name"),
	    "app");
	assert_string_equal(oci_annotation_get(&s.annotations, "empty"), "");
	oci_state_free(&s);
}

/* NULL err is allowed everywhere; the code still comes back. */
static void test_state_null_err(void **state)
{
	struct aa_oci_state s = {0};

	assert_int_equal(oci_state_parse("{", &s, NULL), -EBADMSG);
	assert_int_equal(oci_state_parse("{\"bundle\":\"x\"}", &s, NULL),
			 -EINVAL);
	assert_int_equal(oci_state_parse("{\"bundle\":\"/x\"}", &s, NULL), 0);
	oci_state_free(&s);
}

static void test_state_fixture(void **state)
{
	struct aa_oci_err err = {0};
	struct aa_oci_state s = {0};
	char *buf = read_fixture(FIXTURES "/crio-k8s-state.json");

	assert_int_equal(oci_state_parse(buf, &s, &err), 0);
	free(buf);
	assert_string_equal(s.status, "creating");
	assert_int_equal(s.pid, 41235);
	assert_int_equal(strlen(s.id), 64);
	assert_string_equal(s.bundle,
			    "/run/containers/storage/overlay-containers/"
			    "3f2a9c1b7e04d5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3"
			    "a4b5c6d7e8f9a0/userdata");
	assert_int_equal(s.annotations.n, 8);
	assert_string_equal(
	    oci_annotation_get(&s.annotations,
			       "io.kubernetes.cri-o.ContainerName"),
	    "nginx");
	oci_state_free(&s);
}

/*
 * Run @parse on JSON nested @depth arrays deep in a child, so a crash is
 * reported instead of taking the whole binary down. Returns the parser's
 * result, or fails the test when the child dies of a signal.
 */
static int deep_parse_in_child(const char *name, bool spec, size_t depth)
{
	int p[2], status, r = 1;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE,
					   SIGABRT};
		const char *head =
		    spec ? "{\"linux\":" : "{\"bundle\":\"/b\",\"x\":";
		size_t hl = strlen(head);
		char *buf = malloc(hl + 2 * depth + 2);

		/* cmocka's handlers would longjmp back into the runner. */
		for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
			signal(sigs[i], SIG_DFL);
		close(p[0]);
		if (!buf)
			_exit(1);
		memcpy(buf, head, hl);
		memset(buf + hl, '[', depth);
		memset(buf + hl + depth, ']', depth);
		strcpy(buf + hl + 2 * depth, "}");
		if (spec) {
			struct aa_oci_spec s = {0};

			r = oci_spec_parse(buf, &s, NULL);
			if (r == 0)
				oci_spec_free(&s);
		} else {
			struct aa_oci_state s = {0};

			r = oci_state_parse(buf, &s, NULL);
			if (r == 0)
				oci_state_free(&s);
		}
		free(buf);
		/* the exit status is valgrind's under valgrind: use the pipe */
		if (write(p[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
		r = 1; /* died before answering */
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("%s: parsing %zu levels of nesting killed the parser "
			 "with signal %d (%s)",
			 name, depth, WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	if (r == 1)
		fail_msg("%s: the child exited without an answer", name);
	return r;
}

/* Nesting a real runtime writes parses. */
static void test_state_nesting_shallow(void **state)
{
	assert_int_equal(deep_parse_in_child("state nesting 100", false, 100),
			 0);
}

/*
 * A state under the 1 MiB limit can nest ~500000 levels. Go's decoder
 * refuses more than 10000 as malformed, the front door more than
 * JSON_DEPTH_MAX; never a crash (yajl_tree_free recurses once per level).
 */
static void test_state_nesting_deep(void **state)
{
	assert_true(2 * 500000 + 32 < AA_OCI_STATE_MAX);
	assert_int_equal(
	    deep_parse_in_child("state nesting 500000", false, 500000),
	    -EBADMSG);
}

static void test_spec_nesting_deep(void **state)
{
	assert_int_equal(deep_parse_in_child("spec nesting 100", true, 100), 0);
	assert_int_equal(
	    deep_parse_in_child("spec nesting 4000000", true, 4000000),
	    -EBADMSG);
}

/* ---- oci_spec_parse ---- */

struct spec_case {
	const char *name;
	const char *json;
	size_t pad;
	int rc;
	const char *msg; /* on failure, when set: the exact message */
	/* expected on success */
	const char *profile; /* NULL: none */
	size_t profile_len;  /* when padded */
	bool nnp;
	size_t n_ann;
	const char *ann_key, *ann_value; /* one annotation to look up */
};

/* clang-format off */
static const struct spec_case spec_cases[] = {
	/* good */
	{ .name = "spec/profile",
	  .json = "{'ociVersion':'1.0.2','process':{'args':['sh'],'apparmorProfile':'docker-default'}}",
	  .profile = "docker-default" },
	{ .name = "spec/profile-absent", .json = "{'process':{'args':['sh']}}" },
	{ .name = "spec/profile-empty-is-none", .json = "{'process':{'apparmorProfile':''}}" },
	{ .name = "spec/profile-null-is-none", .json = "{'process':{'apparmorProfile':null}}" },
	{ .name = "spec/profile-kept-literally", .json = "{'process':{'apparmorProfile':'localhost/x'}}",
	  .profile = "localhost/x" },
	{ .name = "spec/profile-unconfined", .json = "{'process':{'apparmorProfile':'unconfined'}}",
	  .profile = "unconfined" },
	{ .name = "spec/profile-4096-bytes", .json = "{'process':{'apparmorProfile':'%s'}}", .pad = 4096,
	  .profile_len = 4096 },
	/* "\\u0000" in JSON is a backslash and "u0000", not a NUL */
	{ .name = "spec/escaped-backslash-not-nul", .json = "{'process':{'apparmorProfile':'a\\\\u0000'}}",
	  .profile = "a\\u0000" },
	{ .name = "spec/no-process", .json = "{'ociVersion':'1.0.2'}" },
	{ .name = "spec/process-null", .json = "{'process':null}" },
	{ .name = "spec/empty-object", .json = "{}" },
	/* issue 12: the key check called qsort(NULL, 0, ...) on objects with
	 * no keys (UBSan, make check-asan); one key sorts nothing either */
	{ .name = "spec/no-keys-anywhere", .json = "{'process':{}}" },
	{ .name = "spec/one-key-each", .json = "{'process':{'apparmorProfile':'p'}}", .profile = "p" },
	{ .name = "spec/nnp-true", .json = "{'process':{'noNewPrivileges':true}}", .nnp = true },
	{ .name = "spec/nnp-false", .json = "{'process':{'noNewPrivileges':false}}" },
	{ .name = "spec/nnp-absent", .json = "{'process':{'apparmorProfile':'p'}}", .profile = "p" },
	{ .name = "spec/nnp-and-profile", .json = "{'process':{'noNewPrivileges':true,'apparmorProfile':'p'}}",
	  .profile = "p", .nnp = true },
	{ .name = "spec/annotations",
	  .json = "{'annotations':{'aa-oci.profile':'localhost/web','io.podman.annotations.apparmor':'x'}}",
	  .n_ann = 2, .ann_key = "aa-oci.profile", .ann_value = "localhost/web" },
	{ .name = "spec/annotations-empty-value", .json = "{'annotations':{'aa-oci.mode':''}}",
	  .n_ann = 1, .ann_key = "aa-oci.mode", .ann_value = "" },
	{ .name = "spec/annotations-null", .json = "{'annotations':null}" },
	/* resolve.c checks the size of the values it reads */
	{ .name = "spec/annotation-value-over-4096-kept", .json = "{'annotations':{'big':'%s'}}",
	  .pad = 5000, .n_ann = 1 },
	{ .name = "spec/same-key-different-objects",
	  .json = "{'process':{'apparmorProfile':'p'},'annotations':{'apparmorProfile':'q'}}",
	  .profile = "p", .n_ann = 1, .ann_key = "apparmorProfile", .ann_value = "q" },

	/* malformed */
	BADM("spec/malformed", "{'process':{'apparmorProfile':'p'}", -EBADMSG,
	     "config.json is not valid JSON: parse error: premature EOF"),
	BADM("spec/malformed-comma", "{'process':{'apparmorProfile':'p',}}", -EBADMSG,
	     "config.json is not valid JSON: parse error: invalid object key (must be a string)"),
	BADM("spec/empty", "", -EBADMSG, "config.json is not valid JSON: parse error: premature EOF"),
	BADM("spec/trailing-garbage", "{'process':{}} x", -EBADMSG,
	     "config.json is not valid JSON: parse error: trailing garbage"),
	BADM("spec/comment", "{'process':{/* c */'apparmorProfile':'p'}}", -EBADMSG,
	     "config.json is not valid JSON: lexical error: probable comment found in input text, comments are not enabled."),
	BADM("spec/not-object", "['process']", -EBADMSG, "config.json is not a JSON object"),
	BADM("spec/not-object-true", "true", -EBADMSG, "config.json is not a JSON object"),
	BADM("spec/process-array", "{'process':[{'apparmorProfile':'p'}]}", -EBADMSG,
	     "config.json: \"process\" is not an object"),
	BADM("spec/process-string", "{'process':'apparmorProfile'}", -EBADMSG,
	     "config.json: \"process\" is not an object"),
	BADM("spec/profile-number", "{'process':{'apparmorProfile':1}}", -EBADMSG,
	     "config.json: \"apparmorProfile\" is not a string"),
	BADM("spec/profile-array", "{'process':{'apparmorProfile':['p']}}", -EBADMSG,
	     "config.json: \"apparmorProfile\" is not a string"),
	BADM("spec/annotations-array", "{'annotations':[]}", -EBADMSG,
	     "config.json: \"annotations\" is not an object"),
	BADM("spec/annotation-value-bool", "{'annotations':{'aa-oci.profile':true}}", -EBADMSG,
	     "config.json: annotation \"aa-oci.profile\" is not a string"),
	BADM("spec/duplicate-in-process",
	     "{'process':{'apparmorProfile':'strict','args':['sh'],'apparmorProfile':'unconfined'}}", -EBADMSG,
	     "config.json names the key \"apparmorProfile\" twice"),
	BADM("spec/duplicate-in-process-same-value",
	     "{'process':{'apparmorProfile':'p','apparmorProfile':'p'}}", -EBADMSG,
	     "config.json names the key \"apparmorProfile\" twice"),
	BADM("spec/duplicate-nnp", "{'process':{'noNewPrivileges':true,'noNewPrivileges':false}}", -EBADMSG,
	     "config.json names the key \"noNewPrivileges\" twice"),
	BADM("spec/duplicate-process",
	     "{'process':{'apparmorProfile':'strict'},'process':{'apparmorProfile':'unconfined'}}", -EBADMSG,
	     "config.json names the key \"process\" twice"),
	BADM("spec/duplicate-annotations-object", "{'annotations':{'a':'b'},'annotations':{'a':'c'}}", -EBADMSG,
	     "config.json names the key \"annotations\" twice"),
	BADM("spec/duplicate-annotation",
	     "{'annotations':{'aa-oci.profile':'strict','aa-oci.profile':'unconfined'}}", -EBADMSG,
	     "config.json names the key \"aa-oci.profile\" twice"),
	/*
	 * Objects aa-oci does not read too (this was accepted before the
	 * front door): every reader refuses the same documents, and a field
	 * read later (seccomp, by aa-oci-exec) is never read twice.
	 */
	BADM("spec/duplicate-elsewhere", "{'linux':{'a':1,'a':2},'process':{'apparmorProfile':'p'}}", -EBADMSG,
	     "config.json names the key \"a\" twice"),
	BADM("spec/duplicate-at-depth-5", "{'linux':{'b':{'c':{'d':{'k':1,'j':0,'k':2}}}}}", -EBADMSG,
	     "config.json names the key \"k\" twice"),
	/* keys of the root and of process that are one key to runc */
	BADM("spec/duplicate-root-folded", "{'linux':{},'Linux':{}}", -EBADMSG,
	     "config.json names the key \"linux\" twice (runc reads keys without regard to case)"),
	BADM("spec/duplicate-process-folded", "{'process':{'args':[],'ARGS':[]}}", -EBADMSG,
	     "config.json's process names the key \"args\" twice (runc reads keys without regard to case)"),
	/*
	 * Go's encoding/json (runc) matches struct keys case-insensitively and
	 * keeps the last match, so these name process.apparmorProfile twice
	 * for the runtime: it applies "unconfined" while we would see "strict".
	 * (Annotations are a Go map: exact keys, so no folding there.)
	 */
	BADM("spec/duplicate-in-process-case-folded",
	     "{'process':{'apparmorProfile':'strict','ApparmorProfile':'unconfined'}}", -EBADMSG,
	     "config.json's process has the key \"ApparmorProfile\", which runc reads as \"apparmorProfile\" and crun ignores; write \"apparmorProfile\""),
	BADM("spec/duplicate-process-case-folded",
	     "{'process':{'apparmorProfile':'strict'},'Process':{'apparmorProfile':'unconfined'}}", -EBADMSG,
	     "config.json has the key \"Process\", which runc reads as \"process\" and crun ignores; write \"process\""),
	/*
	 * yajl turns \u0000 into a NUL and its tree hands out C strings, so
	 * "apparmorProfile\u0000" reads as apparmorProfile here while runc sees
	 * an unknown key and applies no profile at all. The readers' NUL check
	 * catches raw NUL bytes only, not escaped ones.
	 */
	BADM("spec/escaped-nul-in-process-key", "{'process':{'apparmorProfile\\u0000':'strict'}}", -EBADMSG,
	     "config.json contains an escaped NUL (\\u0000)"),
	BADM("spec/escaped-nul-in-profile", "{'process':{'apparmorProfile':'strict\\u0000x'}}", -EBADMSG,
	     "config.json contains an escaped NUL (\\u0000)"),
	BADM("spec/escaped-nul-elsewhere", "{'process':{'env':['A=\\u0000']}}", -EBADMSG,
	     "config.json contains an escaped NUL (\\u0000)"),
	/* One key that only Go's folding makes ours: runc and crun differ. */
	BADM("spec/alias-apparmorprofile", "{'process':{'ApparmorProfile':'unconfined'}}", -EBADMSG,
	     "config.json's process has the key \"ApparmorProfile\", which runc reads as \"apparmorProfile\" and crun ignores; write \"apparmorProfile\""),
	BADM("spec/alias-long-s", "{'proce\xc5\xbfs':{'apparmorProfile':'x'}}", -EBADMSG,
	     "config.json has the key \"proce\xc5\xbfs\", which runc reads as \"process\" and crun ignores; write \"process\""),
	BADM("spec/alias-kelvin-free", "{'process':{'noNewPrivileges':true,'apparmorProfile':'x','NONEWPRIVILEGES':false}}", -EBADMSG,
	     "config.json's process has the key \"NONEWPRIVILEGES\", which runc reads as \"noNewPrivileges\" and crun ignores; write \"noNewPrivileges\""),
	BADM("spec/alias-annotations", "{'ANNOTATIONS':{}}", -EBADMSG,
	     "config.json has the key \"ANNOTATIONS\", which runc reads as \"annotations\" and crun ignores; write \"annotations\""),
	BADM("spec/non-utf8-profile", "{'process':{'apparmorProfile':'\xff\xfe'}}", -EBADMSG,
	     "config.json is not valid JSON: lexical error: invalid bytes in UTF8 string."),
	BAD("spec/non-utf8-annotation", "{'annotations':{'aa-oci.profile':'a\x80'}}", 0, -EBADMSG),

	/* limits */
	BAD("spec/profile-4097-bytes", "{'process':{'apparmorProfile':'%s'}}", 4097, -E2BIG),
};
/* clang-format on */

static void test_spec_case(void **state)
{
	const struct spec_case *c = *state;
	struct aa_oci_err err = {0};
	struct aa_oci_spec s;
	char *buf = json_of(c->json, c->pad);
	int r;

	memset(&s, POISON, sizeof(s));
	r = oci_spec_parse(buf, &s, &err);
	free(buf);
	if (r == 0 && c->rc != 0)
		oci_spec_free(&s); /* before failing, so valgrind stays quiet */
	check_err(c->name, r, c->rc, &err);
	if (r < 0) {
		check_msg(c->name, c->msg, &err);
		if (!poisoned(&s, sizeof(s)))
			fail_msg("%s: *ret written on failure", c->name);
		return;
	}
	if (c->profile)
		assert_string_equal(s.apparmor_profile, c->profile);
	else if (c->profile_len)
		assert_int_equal(strlen(s.apparmor_profile), c->profile_len);
	else
		assert_null(s.apparmor_profile);
	assert_int_equal(s.no_new_privs, c->nnp);
	assert_int_equal(s.annotations.n, c->n_ann);
	if (c->ann_key)
		assert_string_equal(
		    oci_annotation_get(&s.annotations, c->ann_key),
		    c->ann_value);
	oci_spec_free(&s);
	assert_null(s.apparmor_profile);
	assert_int_equal(s.annotations.n, 0);
	oci_spec_free(&s);
}

/* The duplicate-key message names the key, so the user can find it. */
static void test_spec_duplicate_message(void **state)
{
	struct aa_oci_err err = {0};
	struct aa_oci_spec s = {0};
	char *buf = json_of(
	    "{'process':{'apparmorProfile':'a','apparmorProfile':'b'}}", 0);

	assert_int_equal(oci_spec_parse(buf, &s, &err), -EBADMSG);
	free(buf);
	assert_string_equal(err.text,
			    "config.json names the key "
			    "\"apparmorProfile\" twice (line 1, column 52)");
}

/* Fixtures written by the runtimes themselves. */
static void check_generated_spec(const char *path)
{
	struct aa_oci_err err = {0};
	struct aa_oci_spec s = {0};
	char *buf = read_fixture(path);
	int r = oci_spec_parse(buf, &s, &err);

	free(buf);
	if (r != 0)
		fail_msg("%s: %d %s", path, r, err.text);
	assert_null(s.apparmor_profile);
	assert_true(s.no_new_privs);
	assert_int_equal(s.annotations.n, 0);
	oci_spec_free(&s);
}

static void test_spec_runc_fixture(void **state)
{
	check_generated_spec(FIXTURES "/runc-spec.json");
}

static void test_spec_crun_fixture(void **state)
{
	check_generated_spec(FIXTURES "/crun-spec.json");
}

static void test_spec_crio_k8s_fixture(void **state)
{
	struct aa_oci_err err = {0};
	struct aa_oci_spec s = {0};
	char *buf = read_fixture(FIXTURES "/crio-k8s-config.json");

	assert_int_equal(oci_spec_parse(buf, &s, &err), 0);
	free(buf);
	assert_string_equal(s.apparmor_profile, "k8s-nginx");
	assert_true(s.no_new_privs);
	assert_int_equal(s.annotations.n, 8);
	assert_string_equal(
	    oci_annotation_get(
		&s.annotations,
		"container.apparmor.security.beta.kubernetes.io/nginx"),
	    "localhost/k8s-nginx");
	oci_spec_free(&s);
}

/* ---- oci_spec_read_bundle ---- */

struct bundle {
	char *dir;
	int dfd;
};

static void bundle_make(struct bundle *b)
{
	b->dir = make_tmpdir();
	b->dfd = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(b->dfd >= 0);
}

static void bundle_drop(struct bundle *b)
{
	close(b->dfd);
	rm_rf(b->dir);
	free(b->dir);
}

static void on_alarm(int sig)
{
}

/* Read the bundle with a 2 s alarm: a call that blocks fails with -EINTR. */
static int read_bundle_guarded(const char *dir, struct aa_oci_spec *s,
			       struct aa_oci_err *err)
{
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	int r;

	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	alarm(2);
	r = oci_spec_read_bundle(dir, s, err);
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	return r;
}

static void test_bundle_good(void **state)
{
	struct aa_oci_err err = {0};
	struct aa_oci_spec s = {0};
	struct bundle b;
	char *buf = json_of(
	    "{'process':{'apparmorProfile':'web','noNewPrivileges':true},"
	    "'annotations':{'aa-oci.mode':'complain'}}",
	    0);

	bundle_make(&b);
	write_at(b.dfd, "config.json", buf, strlen(buf));
	free(buf);
	assert_int_equal(read_bundle_guarded(b.dir, &s, &err), 0);
	assert_string_equal(s.apparmor_profile, "web");
	assert_true(s.no_new_privs);
	assert_string_equal(oci_annotation_get(&s.annotations, "aa-oci.mode"),
			    "complain");
	oci_spec_free(&s);
	bundle_drop(&b);
}

/* A real config.json is often larger than one read buffer. */
static void test_bundle_large_good(void **state)
{
	struct aa_oci_err err = {0};
	struct aa_oci_spec s = {0};
	struct bundle b;
	char *buf = json_of(
	    "{'process':{'env':['PAD=%s'],'apparmorProfile':'large'}}", 200000);

	bundle_make(&b);
	write_at(b.dfd, "config.json", buf, strlen(buf));
	free(buf);
	assert_int_equal(read_bundle_guarded(b.dir, &s, &err), 0);
	assert_string_equal(s.apparmor_profile, "large");
	oci_spec_free(&s);
	bundle_drop(&b);
}

/* Exactly AA_OCI_SPEC_MAX bytes is allowed. */
static void test_bundle_exactly_limit(void **state)
{
	static const char head[] =
	    "{\"process\":{\"apparmorProfile\":\"edge\"}}";
	struct aa_oci_err err = {0};
	struct aa_oci_spec s = {0};
	struct bundle b;
	char *buf = malloc(AA_OCI_SPEC_MAX);

	assert_non_null(buf);
	memset(buf, ' ', AA_OCI_SPEC_MAX);
	memcpy(buf, head, strlen(head));
	bundle_make(&b);
	write_at(b.dfd, "config.json", buf, AA_OCI_SPEC_MAX);
	free(buf);
	assert_int_equal(read_bundle_guarded(b.dir, &s, &err), 0);
	assert_string_equal(s.apparmor_profile, "edge");
	oci_spec_free(&s);
	bundle_drop(&b);
}

enum plant {
	PLANT_NOTHING,
	PLANT_FIFO,
	PLANT_DIR,
	PLANT_HUGE,
	PLANT_NUL,
	PLANT_DEVZERO,
	PLANT_BUNDLE_MISSING,
	PLANT_BUNDLE_FILE,
	PLANT_EMPTY
};

struct bundle_case {
	const char *name;
	enum plant plant;
	int rc;
	const char *says; /* in the message */
};

/* clang-format off */
static const struct bundle_case bundle_cases[] = {
	{ "bundle/missing-config", PLANT_NOTHING, -ENOENT, "config.json" },
	{ "bundle/config-fifo", PLANT_FIFO, -EINVAL, "not a regular file" },
	{ "bundle/config-directory", PLANT_DIR, -EINVAL, "not a regular file" },
	{ "bundle/config-symlink-to-dev-zero", PLANT_DEVZERO, -EINVAL, "not a regular file" },
	{ "bundle/config-over-16MiB", PLANT_HUGE, -E2BIG, "config.json" },
	{ "bundle/config-nul-byte", PLANT_NUL, -EBADMSG, "NUL" },
	{ "bundle/config-empty", PLANT_EMPTY, -EBADMSG, "config.json" },
	{ "bundle/dir-missing", PLANT_BUNDLE_MISSING, -ENOENT, "bundle" },
	{ "bundle/dir-is-a-file", PLANT_BUNDLE_FILE, -ENOTDIR, "bundle" },
};
/* clang-format on */

static void test_bundle_case(void **state)
{
	const struct bundle_case *c = *state;
	/* a raw NUL: the profile the runtime sees ends at it, ours would not */
	static const char nul_json[] =
	    "{\"process\":{\"apparmorProfile\":\"docker-default\0x\"}}";
	struct aa_oci_err err = {0};
	struct aa_oci_spec s;
	struct bundle b;
	char *dir;
	int fd, r;

	bundle_make(&b);
	dir = strdup(b.dir);
	assert_non_null(dir);
	switch (c->plant) {
	case PLANT_NOTHING:
		break;
	case PLANT_FIFO:
		assert_int_equal(mkfifoat(b.dfd, "config.json", 0644), 0);
		break;
	case PLANT_DIR:
		assert_int_equal(mkdirat(b.dfd, "config.json", 0755), 0);
		break;
	case PLANT_DEVZERO:
		assert_int_equal(symlinkat("/dev/zero", b.dfd, "config.json"),
				 0);
		break;
	case PLANT_HUGE:
		/* sparse: instant, and takes no disk */
		fd = openat(b.dfd, "config.json",
			    O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)AA_OCI_SPEC_MAX + 1), 0);
		close(fd);
		break;
	case PLANT_NUL:
		write_at(b.dfd, "config.json", nul_json, sizeof(nul_json) - 1);
		break;
	case PLANT_EMPTY:
		write_at(b.dfd, "config.json", "", 0);
		break;
	case PLANT_BUNDLE_MISSING:
		free(dir);
		assert_true(asprintf(&dir, "%s/no-such-bundle", b.dir) >= 0);
		break;
	case PLANT_BUNDLE_FILE:
		write_at(b.dfd, "file", "{}", 2);
		free(dir);
		assert_true(asprintf(&dir, "%s/file", b.dir) >= 0);
		break;
	}
	memset(&s, POISON, sizeof(s));
	r = read_bundle_guarded(dir, &s, &err);
	check_err(c->name, r, c->rc, &err);
	if (!strstr(err.text, c->says))
		fail_msg("%s: message \"%s\" does not say \"%s\"", c->name,
			 err.text, c->says);
	if (!poisoned(&s, sizeof(s)))
		fail_msg("%s: *ret written on failure", c->name);
	free(dir);
	bundle_drop(&b);
}

/* ---- oci_key_is, oci_key_field: keys as runc reads them ---- */

struct key_case {
	const char *key;
	size_t len; /* 0: strlen(key) */
	const char *field;
	bool is;
};

/* clang-format off */
static const struct key_case key_cases[] = {
	{ "process", 0, "process", true },
	{ "Process", 0, "process", true },
	{ "PROCESS", 0, "process", true },
	{ "proce\xc5\xbfs", 0, "process", true },          /* U+017F long s */
	{ "\xc5\xbf\xc5\xbf", 0, "ss", true },
	{ "\xe2\x84\xaaind", 0, "kind", true },             /* U+212A Kelvin */
	{ "apparmorProfile", 0, "apparmorProfile", true },
	{ "apparmorprofile", 0, "apparmorProfile", true },
	{ "APPARMORPROFILE", 0, "apparmorProfile", true },
	{ "", 0, "", true },
	{ "processx", 0, "process", false },
	{ "proces", 0, "process", false },
	{ "", 0, "process", false },
	{ "process", 0, "", false },
	{ "process\0", 8, "process", false },               /* the length counts */
	{ "proce\xc5", 0, "process", false },               /* half of U+017F */
	{ "proce\xc3\x9f", 0, "process", false },           /* sharp s: no fold */
	{ "\xe2\x84\xaa", 0, "K", true },
	{ "\xe2\x84", 0, "k", false },
	{ "apparmor_profile", 0, "apparmorProfile", false },
};
/* clang-format on */

static void test_key_is(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(key_cases); i++) {
		const struct key_case *c = &key_cases[i];
		size_t len = c->len ? c->len : strlen(c->key);

		if (oci_key_is(c->key, len, c->field) != c->is)
			fail_msg("oci_key_is(\"%s\", %zu, \"%s\") is not %s",
				 c->key, len, c->field,
				 c->is ? "true" : "false");
	}
}

static void test_key_field(void **state)
{
	struct aa_oci_err err = {0};

	assert_int_equal(oci_key_field("process", 7, "process", "doc", &err),
			 1);
	assert_int_equal(oci_key_field("args", 4, "process", "doc", &err), 0);
	assert_int_equal(err.code, 0);
	assert_int_equal(oci_key_field("proCess", 7, "process", "doc", &err),
			 -EBADMSG);
	assert_string_equal(err.text,
			    "doc has the key \"proCess\", which runc reads as "
			    "\"process\" and crun ignores; write \"process\"");
	assert_int_equal(oci_key_field("Process", 7, "process", "doc", NULL),
			 -EBADMSG);
}

/*
 * config.json's reader and its rewriter (aa-oci-runtime) must agree on
 * which member is process.apparmorProfile. Where the reader refuses a
 * document over that, the rewriter refuses it with the same code and the
 * same words; where the reader takes it, the rewriter's output reads back
 * with the profile it wrote, and only it.
 */
struct agree_case {
	const char *name;
	const char *json;
	int rc; /* both */
	const char *msg;
};

#define ALIAS(key, field, where)                                               \
	"config.json" where " has the key \"" key                              \
	"\", which runc reads as \"" field                                     \
	"\" and crun ignores; write \"" field "\""

/* clang-format off */
static const struct agree_case agree_cases[] = {
	{ "agree/Process", "{'Process':{'apparmorProfile':'x'}}", -EBADMSG,
	  ALIAS("Process", "process", "") },
	{ "agree/Process-beside-process", "{'process':{},'Process':{'apparmorProfile':'x'}}", -EBADMSG,
	  ALIAS("Process", "process", "") },
	{ "agree/long-s-process", "{'proce\xc5\xbfs':{}}", -EBADMSG,
	  ALIAS("proce\xc5\xbfs", "process", "") },
	{ "agree/ApparmorProfile", "{'process':{'ApparmorProfile':'x'}}", -EBADMSG,
	  ALIAS("ApparmorProfile", "apparmorProfile", "'s process") },
	{ "agree/ApparmorProfile-after", "{'process':{'apparmorProfile':'a','ApparmorProfile':'b'}}", -EBADMSG,
	  ALIAS("ApparmorProfile", "apparmorProfile", "'s process") },
	{ "agree/APPARMORPROFILE", "{'process':{'args':[],'APPARMORPROFILE':'x'}}", -EBADMSG,
	  ALIAS("APPARMORPROFILE", "apparmorProfile", "'s process") },
	{ "agree/twice", "{'process':{'apparmorProfile':'a','apparmorProfile':'b'}}", -EBADMSG,
	  "config.json names the key \"apparmorProfile\" twice" },
	{ "agree/nul-in-key", "{'process':{'apparmorProfile\\u0000':'x'}}", -EBADMSG,
	  "config.json contains an escaped NUL (\\u0000)" },
	{ "agree/comment", "{'process':{/* */'apparmorProfile':'x'}}", -EBADMSG,
	  "config.json is not valid JSON: lexical error: probable comment found in input text, comments are not enabled." },
	{ "agree/profile-number", "{'process':{'apparmorProfile':1}}", -EBADMSG,
	  "config.json: \"apparmorProfile\" is not a string" },
	{ "agree/profile-object", "{'process':{'apparmorProfile':{}}}", -EBADMSG,
	  "config.json: \"apparmorProfile\" is not a string" },
	{ "agree/twice-elsewhere", "{'process':{},'linux':{'a':[{'k':1,'k':1}]}}", -EBADMSG,
	  "config.json names the key \"k\" twice" },

	/* taken by both */
	{ "agree/added", "{'process':{'args':['sh']}}", 0, NULL },
	{ "agree/replaced", "{'process':{'apparmorProfile':'old','cwd':'/'}}", 0, NULL },
	{ "agree/null-replaced", "{'process':{'apparmorProfile':null}}", 0, NULL },
	{ "agree/near-name", "{'process':{'apparmorProfileX':'x','apparmor':'y'}}", 0, NULL },
	/* an annotation is a Go map entry, not a field: exact keys */
	{ "agree/annotation-named-Process", "{'annotations':{'Process':'x'},'process':{}}", 0, NULL },
	/* a "process" that is not the root's member */
	{ "agree/nested-process", "{'linux':{'process':{'ApparmorProfile':1}},'process':{}}", 0, NULL },
};
/* clang-format on */

static void test_agree_case(void **state)
{
	const struct agree_case *c = *state;
	struct aa_oci_err rerr = {0}, werr = {0};
	struct aa_oci_spec s = {0};
	char *json = json_of(c->json, 0), *out = NULL;
	size_t len;
	int rr, wr;

	rr = oci_spec_parse(json, &s, &rerr);
	if (rr == 0)
		oci_spec_free(&s);
	wr = rewrite_profile(json, strlen(json), "web", &out, &len, &werr);
	free(json);
	if (rr != c->rc || wr != c->rc)
		fail_msg("%s: reader %d (%s), rewriter %d (%s), want %d",
			 c->name, rr, rerr.text, wr, werr.text, c->rc);
	if (c->rc < 0) {
		assert_null(out);
		check_msg(c->name, c->msg, &rerr);
		check_msg(c->name, c->msg, &werr);
		return;
	}
	/* What the rewriter wrote, the reader reads as the profile. */
	assert_int_equal(oci_spec_parse(out, &s, &rerr), 0);
	assert_non_null(s.apparmor_profile);
	assert_string_equal(s.apparmor_profile, "web");
	oci_spec_free(&s);
	free(out);
}

/* ---- oci_annotation_get ---- */

static void test_annotation_get(void **state)
{
	char k0[] = "aa-oci.profile", k1[] = "aa-oci.mode", k2[] = "dup-prefix";
	char v0[] = "localhost/web", v1[] = "", v2[] = "v";
	char *keys[] = {k0, k1, k2};
	char *values[] = {v0, v1, v2};
	struct aa_oci_annotations a = {keys, values, 3};
	struct aa_oci_annotations none = {0};

	assert_string_equal(oci_annotation_get(&a, "aa-oci.profile"),
			    "localhost/web");
	assert_ptr_equal(oci_annotation_get(&a, "aa-oci.profile"), values[0]);
	assert_string_equal(oci_annotation_get(&a, "aa-oci.mode"), "");
	assert_string_equal(oci_annotation_get(&a, "dup-prefix"), "v");
	/* exact match only: no case folding, no prefixes */
	assert_null(oci_annotation_get(&a, "AA-OCI.PROFILE"));
	assert_null(oci_annotation_get(&a, "aa-oci"));
	assert_null(oci_annotation_get(&a, "aa-oci.profile "));
	assert_null(oci_annotation_get(&a, "dup"));
	assert_null(oci_annotation_get(&a, ""));
	assert_null(oci_annotation_get(&none, "aa-oci.profile"));
}

/* ---- main ---- */

static const struct CMUnitTest fixed[] = {
    cmocka_unit_test(test_state_annotations),
    cmocka_unit_test(test_state_null_err),
    cmocka_unit_test(test_state_fixture),
    cmocka_unit_test(test_state_nesting_shallow),
    cmocka_unit_test(test_state_nesting_deep),
    cmocka_unit_test(test_spec_nesting_deep),
    cmocka_unit_test(test_spec_duplicate_message),
    cmocka_unit_test(test_spec_runc_fixture),
    cmocka_unit_test(test_spec_crun_fixture),
    cmocka_unit_test(test_spec_crio_k8s_fixture),
    cmocka_unit_test(test_bundle_good),
    cmocka_unit_test(test_bundle_large_good),
    cmocka_unit_test(test_bundle_exactly_limit),
    cmocka_unit_test(test_annotation_get),
    cmocka_unit_test(test_key_is),
    cmocka_unit_test(test_key_field),
};

static struct CMUnitTest
    tests[ARRAY_SIZE(fixed) + ARRAY_SIZE(state_cases) + ARRAY_SIZE(spec_cases) +
	  ARRAY_SIZE(bundle_cases) + ARRAY_SIZE(agree_cases)];

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

	ADD_ROWS(state_cases, test_state_case);
	ADD_ROWS(spec_cases, test_spec_case);
	ADD_ROWS(bundle_cases, test_bundle_case);
	ADD_ROWS(agree_cases, test_agree_case);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests_name("oci", tests, fx_group_setup,
					   fx_group_teardown);
}
