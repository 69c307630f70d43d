/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.c: the front door every JSON input comes through.
 *
 * The table of malformed documents is run through every reader aa-oci has:
 * json_parse itself, the OCI state, config.json (the streaming reader and
 * the rewriter), the config file's tree and the seccomp settings. Each
 * must refuse with the same code and the same message, naming its own
 * document. Rows that nest deep run in a child, so a crash is reported as
 * a failure instead of taking the binary down.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "aa-oci/json.h"
#include "aa-oci/oci.h"
#include "aa-oci/rewrite.h"
#include "aa-oci/seccomp.h"
#include "aa-oci/util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- documents ---- */

/* Every reader accepts this shape: the state needs a bundle, the rewriter
 * a process object; the seccomp reader finds no seccomp settings in it. */
#define HEAD "{\"bundle\":\"/b\",\"process\":{}"

/* @head, @depth '[', @depth ']', @tail: built in memory. */
static char *nested(const char *head, size_t depth, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + 2 * depth + tl + 1);

	assert_non_null(s);
	memcpy(s, head, hl);
	memset(s + hl, '[', depth);
	memset(s + hl + depth, ']', depth);
	memcpy(s + hl + 2 * depth, tail, tl + 1);
	return s;
}

/* An object "x" with @n keys k0..k(n-1), and "k0" once more if @dup. */
static char *many_keys(size_t n, bool dup)
{
	size_t cap = 64 + 16 * (n + 1), len;
	char *s = malloc(cap);

	assert_non_null(s);
	len = (size_t)snprintf(s, cap, "%s,\"x\":{", HEAD);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s\"k%zu\":%zu",
					i ? "," : "", i, i);
	if (dup)
		len += (size_t)snprintf(s + len, cap - len, ",\"k0\":0");
	snprintf(s + len, cap - len, "}}");
	return s;
}

/* The two inputs of the bug report: a comment hides a quote from a
 * scanner that does not know comments, which then miscounts depth and
 * misses a NUL; yajl's tree allowed the comment. */
static char *comment_blinds_depth(void)
{
	return nested("{/*\"*/\"id\":\"x\",\"bundle\":\"/b\",\"x\":", 500000,
		      "}");
}

static char *comment_blinds_nul(void)
{
	return strdup("{/*\"*/\"bundle\":\"/a\\u0000b\"}");
}

/* JSON_DEPTH_MAX levels, the root being level 1: every reader takes it,
 * and the rewriter writes it back. */
static char *depth_max(void)
{
	return nested(HEAD ",\"x\":", JSON_DEPTH_MAX - 1, "}");
}

static char *depth_max_plus_1(void)
{
	return nested(HEAD ",\"x\":", JSON_DEPTH_MAX, "}");
}

static char *depth_500000(void)
{
	return nested(HEAD ",\"x\":", 500000, "}");
}

/* Fewer for the readers that build yajl's tree, which grows an object one
 * key at a time (slow under valgrind); the door alone takes 200000 in
 * test_many_keys_fast. */
static char *keys_20000(void)
{
	return many_keys(20000, false);
}

static char *keys_100000_dup(void)
{
	return many_keys(100000, true);
}

/* ---- readers ---- */

struct reader {
	const char *name;
	const char *what; /* the document's name in its messages */
	int (*run)(const char *buf, struct aa_oci_err *err);
};

static int run_json_parse(const char *buf, struct aa_oci_err *err)
{
	return json_parse(buf, strlen(buf), "test document", NULL, NULL, err);
}

static int run_state(const char *buf, struct aa_oci_err *err)
{
	struct aa_oci_state s = {0};
	int r = oci_state_parse(buf, &s, err);

	if (r == 0)
		oci_state_free(&s);
	return r;
}

static int run_spec(const char *buf, struct aa_oci_err *err)
{
	struct aa_oci_spec s = {0};
	int r = oci_spec_parse(buf, &s, err);

	if (r == 0)
		oci_spec_free(&s);
	return r;
}

static int run_rewrite(const char *buf, struct aa_oci_err *err)
{
	char *out = NULL;
	size_t len;
	int r = rewrite_profile(buf, strlen(buf), "web", &out, &len, err);

	free(out);
	return r;
}

static int run_config_file(const char *buf, struct aa_oci_err *err)
{
	yajl_val root = NULL;
	int r = oci_json_tree(buf, "config file", &root, err);

	if (r == 0)
		yajl_tree_free(root);
	return r;
}

static int run_seccomp(const char *buf, struct aa_oci_err *err)
{
	struct aa_oci_seccomp s = {0};
	int r = oci_seccomp_parse(buf, &s, err);

	if (r == 0)
		oci_seccomp_free(&s);
	return r;
}

enum { R_JSON, R_STATE, R_SPEC, R_REWRITE, R_CONFIG, R_SECCOMP, N_READERS };

static const struct reader readers[N_READERS] = {
    [R_JSON] = {"json_parse", "test document", run_json_parse},
    [R_STATE] = {"state", "container state", run_state},
    [R_SPEC] = {"config.json", "config.json", run_spec},
    [R_REWRITE] = {"rewrite", "config.json", run_rewrite},
    [R_CONFIG] = {"config-file", "config file", run_config_file},
    [R_SECCOMP] = {"seccomp", "seccomp settings", run_seccomp},
};

/* ---- the table ---- */

struct door_case {
	const char *name;
	const char *json;    /* or: */
	char *(*make)(void); /* builds a large document */
	bool child;	     /* run it in a child: it nests deep */
	int rc;
	const char *msg; /* "%s" is the reader's document name */
	const char *at;	 /* where the message says it is: "line L, column C" */
	/* where the rewriter differs: it says a root that is not an object
	 * has no "process" */
	int rewrite_rc;
	const char *rewrite_msg;
};

#define NOT_JSON "%s is not valid JSON: "
#define COMMENT                                                                \
	NOT_JSON "lexical error: probable comment found in input text, "       \
		 "comments are not enabled."
#define NUL "%s contains an escaped NUL (\\u0000)"
#define NOT_OBJECT "%s is not a JSON object"
#define NO_PROCESS "config.json has no \"process\" object"
#define DEEP "%s nests deeper than 127 levels"

/* clang-format off */
static const struct door_case door_cases[] = {
	/* accepted */
	{ .name = "ok/plain", .json = HEAD "}" },
	{ .name = "ok/same-key-in-sibling-objects",
	  .json = HEAD ",\"a\":{\"k\":1},\"b\":{\"k\":1},\"c\":[{\"k\":1},{\"k\":1}]}" },
	{ .name = "ok/keys-differing-in-case", .json = HEAD ",\"x\":{\"k\":1,\"K\":2}}" },
	{ .name = "ok/key-and-longer-key", .json = HEAD ",\"x\":{\"k\":1,\"kk\":2,\"\":3}}" },
	/* a backslash and "u0000" is not a NUL */
	{ .name = "ok/escaped-backslash-u0000", .json = HEAD ",\"x\":\"\\\\u0000\"}" },
	{ .name = "ok/20000-keys", .make = keys_20000 },
	/* one limit for the readers and the rewriter (yajl_gen) */
	{ .name = "ok/depth-127", .make = depth_max, .child = true },

	/* comments are not JSON: what blinded the old scanner */
	{ .name = "comment/blinds-depth-500000", .at = "line 1, column 2", .make = comment_blinds_depth, .child = true,
	  .rc = -EBADMSG, .msg = COMMENT },
	{ .name = "comment/blinds-nul", .at = "line 1, column 2", .make = comment_blinds_nul, .rc = -EBADMSG, .msg = COMMENT },
	{ .name = "comment/block-first", .at = "line 1, column 1", .json = "/* c */" HEAD "}", .rc = -EBADMSG, .msg = COMMENT },
	{ .name = "comment/line-inside", .at = "line 2, column 1", .json = HEAD ",\n// c\n\"x\":1}", .rc = -EBADMSG, .msg = COMMENT },
	{ .name = "comment/after-the-object", .at = "line 1, column 30", .json = HEAD "} /* c */", .rc = -EBADMSG,
	  .msg = NOT_JSON "parse error: trailing garbage" },

	/* depth */
	{ .name = "depth/128", .at = "line 1, column 160", .make = depth_max_plus_1, .child = true, .rc = -EBADMSG,
	  .msg = DEEP },
	{ .name = "depth/500000", .at = "line 1, column 160", .make = depth_500000, .child = true, .rc = -EBADMSG,
	  .msg = DEEP },

	/* \u0000 */
	{ .name = "nul/in-key", .at = "line 1, column 38", .json = HEAD ",\"x\\u0000\":1}", .rc = -EBADMSG, .msg = NUL },
	{ .name = "nul/in-value", .at = "line 1, column 43", .json = HEAD ",\"x\":\"a\\u0000b\"}", .rc = -EBADMSG, .msg = NUL },
	{ .name = "nul/in-nested-value", .at = "line 1, column 48", .json = HEAD ",\"x\":[{\"y\":[\"\\u0000\"]}]}",
	  .rc = -EBADMSG, .msg = NUL },
	{ .name = "nul/in-bundle", .at = "line 1, column 22", .json = "{\"bundle\":\"/a\\u0000b\",\"process\":{}}",
	  .rc = -EBADMSG, .msg = NUL },

	/* repeated keys */
	{ .name = "dup/depth-1", .at = "line 1, column 44", .json = HEAD ",\"x\":1,\"y\":2,\"x\":1}", .rc = -EBADMSG,
	  .msg = "%s names the key \"x\" twice" },
	{ .name = "dup/depth-2-in-process", .at = "line 1, column 42", .json = "{\"bundle\":\"/b\",\"process\":{\"cwd\":\"/\",\"cwd\":\"/\"}}",
	  .rc = -EBADMSG, .msg = "%s names the key \"cwd\" twice" },
	{ .name = "dup/depth-5", .at = "line 1, column 64",
	  .json = HEAD ",\"a\":{\"b\":{\"c\":{\"d\":{\"k\":1,\"j\":0,\"k\":2}}}}}",
	  .rc = -EBADMSG, .msg = "%s names the key \"k\" twice" },
	{ .name = "dup/in-array-of-objects", .at = "line 1, column 52",
	  .json = HEAD ",\"a\":[{\"k\":1},{\"k\":1,\"k\":1}]}",
	  .rc = -EBADMSG, .msg = "%s names the key \"k\" twice" },
	{ .name = "dup/empty-key", .at = "line 1, column 36", .json = HEAD ",\"\":1,\"\":2}", .rc = -EBADMSG,
	  .msg = "%s names the key \"\" twice" },
	{ .name = "dup/same-after-unescaping", .at = "line 1, column 43", .json = HEAD ",\"k\":1,\"\\u006b\":2}", .rc = -EBADMSG,
	  .msg = "%s names the key \"k\" twice" },
	{ .name = "dup/control-character-shown-as-?", .at = "line 1, column 44", .json = HEAD ",\"a\\nb\":1,\"a\\nb\":2}",
	  .rc = -EBADMSG, .msg = "%s names the key \"a?b\" twice" },
	{ .name = "dup/100000-keys", .at = "line 1, column 1477818", .make = keys_100000_dup, .rc = -EBADMSG,
	  .msg = "%s names the key \"k0\" twice" },

	/* not JSON */
	{ .name = "bad/empty", .at = "line 1, column 1", .json = "", .rc = -EBADMSG, .msg = NOT_JSON "parse error: premature EOF" },
	{ .name = "bad/blank", .at = "line 2, column 3", .json = " \n\t ", .rc = -EBADMSG, .msg = NOT_JSON "parse error: premature EOF" },
	{ .name = "bad/truncated", .at = "line 1, column 28", .json = HEAD, .rc = -EBADMSG, .msg = NOT_JSON "parse error: premature EOF" },
	{ .name = "bad/trailing-garbage", .at = "line 1, column 31", .json = HEAD "} x", .rc = -EBADMSG,
	  .msg = NOT_JSON "parse error: trailing garbage" },
	{ .name = "bad/two-documents", .at = "line 1, column 30", .json = HEAD "}" HEAD "}", .rc = -EBADMSG,
	  .msg = NOT_JSON "parse error: trailing garbage" },
	{ .name = "bad/trailing-comma", .at = "line 1, column 30", .json = HEAD ",}", .rc = -EBADMSG,
	  .msg = NOT_JSON "parse error: invalid object key (must be a string)" },
	{ .name = "bad/invalid-utf8", .at = "line 1, column 35", .json = HEAD ",\"x\":\"\xff\"}", .rc = -EBADMSG,
	  .msg = NOT_JSON "lexical error: invalid bytes in UTF8 string." },
	{ .name = "bad/bare-word", .at = "line 1, column 2", .json = "bundle", .rc = -EBADMSG,
	  .msg = NOT_JSON "lexical error: invalid char in json text." },

	/* not an object */
	{ .name = "root/array", .at = "line 1, column 2", .json = "[" HEAD "}]", .rc = -EBADMSG, .msg = NOT_OBJECT,
	  .rewrite_rc = -EBADMSG, .rewrite_msg = NO_PROCESS },
	{ .name = "root/string", .at = "line 1, column 5", .json = "\"/b\"", .rc = -EBADMSG, .msg = NOT_OBJECT,
	  .rewrite_rc = -EBADMSG, .rewrite_msg = NO_PROCESS },
	{ .name = "root/number", .at = "line 1, column 3", .json = "42", .rc = -EBADMSG, .msg = NOT_OBJECT,
	  .rewrite_rc = -EBADMSG, .rewrite_msg = NO_PROCESS },
	{ .name = "root/null", .at = "line 1, column 5", .json = "null", .rc = -EBADMSG, .msg = NOT_OBJECT,
	  .rewrite_rc = -EBADMSG, .rewrite_msg = NO_PROCESS },
};
/* clang-format on */

/* @tmpl with its "%s" (if any) replaced by @what. */
static void fill(char *out, size_t n, const char *tmpl, const char *what)
{
	const char *hole = strstr(tmpl, "%s");

	if (!hole)
		snprintf(out, n, "%s", tmpl);
	else
		snprintf(out, n, "%.*s%s%s", (int)(hole - tmpl), tmpl, what,
			 hole + 2);
}

/* One row, one reader. */
struct run {
	const struct door_case *c;
	const struct reader *rd;
	char name[128];
};

static struct run runs[ARRAY_SIZE(door_cases) * N_READERS];

struct answer {
	int r;
	struct aa_oci_err err;
};

/* Run in a child: an answer, or a failure naming the signal it died of. */
static void answer_in_child(const struct run *run, const char *buf,
			    struct answer *a)
{
	int p[2], status;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE,
					   SIGABRT};
		struct answer mine = {0};

		/* cmocka's handlers would longjmp back into the runner */
		for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
			signal(sigs[i], SIG_DFL);
		close(p[0]);
		mine.r = run->rd->run(buf, &mine.err);
		if (write(p[1], &mine, sizeof(mine)) != (ssize_t)sizeof(mine))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	a->r = 1;
	if (read(p[0], a, sizeof(*a)) != (ssize_t)sizeof(*a))
		a->r = 1;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("%s: the reader died of signal %d (%s)", run->name,
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	if (a->r == 1)
		fail_msg("%s: the child exited without an answer", run->name);
}

static void test_door_case(void **state)
{
	const struct run *run = *state;
	const struct door_case *c = run->c;
	bool rw = run->rd == &readers[R_REWRITE] && c->rewrite_msg;
	int want = rw ? c->rewrite_rc : c->rc;
	const char *tmpl = rw ? c->rewrite_msg : c->msg;
	struct answer a = {0};
	char *buf = c->make ? c->make() : strdup(c->json);
	char msg[AA_OCI_ERR_MAX];

	assert_non_null(buf);
	if (c->child)
		answer_in_child(run, buf, &a);
	else
		a.r = run->rd->run(buf, &a.err);
	free(buf);
	if (a.r != want)
		fail_msg("%s: returned %d (%s), want %d; err: %s", run->name,
			 a.r, strerror(-a.r), want, a.err.text);
	if (want == 0)
		return;
	assert_int_equal(a.err.code, want);
	fill(msg, sizeof(msg), tmpl, run->rd->what);
	if (!rw) { /* the rewriter's own refusals have no position */
		size_t n = strlen(msg);

		snprintf(msg + n, sizeof(msg) - n, " (%s)",
			 c->at ? c->at : "?");
	}
	if (strcmp(a.err.text, msg) != 0)
		fail_msg("%s: message\n  \"%s\", want\n  \"%s\"", run->name,
			 a.err.text, msg);
}

/* ---- json_parse's consumer ---- */

/* Records the events it gets as one letter each (numbers with their
 * text), and stops at the event numbered stop_at (1-based) when set. */
struct recorder {
	char log[256];
	size_t n;
	int events;
	int stop_at;
};

static int rec(struct recorder *r, const char *what, const void *s, size_t len)
{
	int room = (int)(sizeof(r->log) - r->n);
	int w = snprintf(r->log + r->n, (size_t)room, "%s%.*s ", what,
			 s ? (int)len : 0, s ? (const char *)s : "");

	if (w > 0 && w < room)
		r->n += (size_t)w;
	return ++r->events != r->stop_at;
}

static int rec_null(void *p)
{
	return rec(p, "n", NULL, 0);
}

static int rec_bool(void *p, int b)
{
	return rec(p, b ? "t" : "f", NULL, 0);
}

static int rec_integer(void *p, long long i)
{
	return rec(p, "I", NULL, 0); /* must not be called */
}

static int rec_number(void *p, const char *s, size_t len)
{
	return rec(p, "#", s, len);
}

static int rec_string(void *p, const unsigned char *s, size_t len)
{
	return rec(p, "s:", s, len);
}

static int rec_map_open(void *p)
{
	return rec(p, "{", NULL, 0);
}

static int rec_key(void *p, const unsigned char *s, size_t len)
{
	return rec(p, "k:", s, len);
}

static int rec_map_close(void *p)
{
	return rec(p, "}", NULL, 0);
}

static int rec_array_open(void *p)
{
	return rec(p, "[", NULL, 0);
}

static int rec_array_close(void *p)
{
	return rec(p, "]", NULL, 0);
}

static const yajl_callbacks recorder_cb = {
    .yajl_null = rec_null,
    .yajl_boolean = rec_bool,
    .yajl_integer = rec_integer,
    .yajl_number = rec_number,
    .yajl_string = rec_string,
    .yajl_start_map = rec_map_open,
    .yajl_map_key = rec_key,
    .yajl_end_map = rec_map_close,
    .yajl_start_array = rec_array_open,
    .yajl_end_array = rec_array_close,
};

static int parse_rec(const char *json, struct recorder *r,
		     struct aa_oci_err *err)
{
	return json_parse(json, strlen(json), "doc", &recorder_cb, r, err);
}

/* Every event, in order, numbers as their own text. */
static void test_consumer_events(void **state)
{
	struct recorder r = {0};
	struct aa_oci_err err = {0};

	assert_int_equal(
	    parse_rec("{\"a\":[1,-2.50e3,18446744073709551616,true,false,null],"
		      "\"b\":{\"c\":\"d\\u00e9\"}}",
		      &r, &err),
	    0);
	assert_string_equal(r.log, "{ k:a [ #1 #-2.50e3 #18446744073709551616 "
				   "t f n ] k:b { k:c s:d\xc3\xa9 } } ");
	assert_int_equal(err.code, 0);
}

/* A consumer that stops the parse: -ECANCELED, @err left to it. */
static void test_consumer_stops(void **state)
{
	struct recorder r = {.stop_at = 3};
	struct aa_oci_err err = {.code = 42, .text = "the consumer's own"};

	assert_int_equal(parse_rec("{\"a\":[1,2],\"b\":3}", &r, &err),
			 -ECANCELED);
	assert_int_equal(r.events, 3);
	assert_int_equal(err.code, 42);
	assert_string_equal(err.text, "the consumer's own");
}

/* Checks run before an event is handed on: the consumer never sees the
 * close of an object with a key twice, nor a key with a NUL. */
static void test_consumer_after_checks(void **state)
{
	struct recorder r = {0};
	struct aa_oci_err err = {0};

	assert_int_equal(parse_rec("{\"a\":{\"k\":1,\"k\":2}}", &r, &err),
			 -EBADMSG);
	assert_string_equal(r.log, "{ k:a { k:k #1 k:k #2 ");
	assert_string_equal(
	    err.text, "doc names the key \"k\" twice (line 1, column 16)");

	memset(&r, 0, sizeof(r));
	assert_int_equal(parse_rec("{\"a\":1,\"b\\u0000\":2}", &r, &err),
			 -EBADMSG);
	assert_string_equal(r.log, "{ k:a #1 ");
	assert_string_equal(
	    err.text,
	    "doc contains an escaped NUL (\\u0000) (line 1, column 17)");
}

/* The one exception: a root that is not an object reaches the consumer,
 * which may refuse it in its own words; if it does not, the door does. */
static void test_consumer_sees_bad_root(void **state)
{
	struct recorder r = {0};
	struct aa_oci_err err = {0};

	assert_int_equal(parse_rec("[1]", &r, &err), -EBADMSG);
	assert_string_equal(r.log, "[ ");
	assert_string_equal(err.text,
			    "doc is not a JSON object (line 1, column 2)");

	memset(&r, 0, sizeof(r));
	r.stop_at = 1;
	err = (struct aa_oci_err){0};
	assert_int_equal(parse_rec("\"x\"", &r, &err), -ECANCELED);
	assert_int_equal(err.code, 0);
}

/* A consumer without some callbacks still gets the others. */
static void test_consumer_partial(void **state)
{
	static const yajl_callbacks keys_only = {.yajl_map_key = rec_key};
	struct recorder r = {0};

	assert_int_equal(
	    json_parse("{\"a\":{\"b\":[1]}}", 15, "doc", &keys_only, &r, NULL),
	    0);
	assert_string_equal(r.log, "k:a k:b ");
}

/* @len bounds the text: what follows is not read. */
static void test_length(void **state)
{
	static const char text[] = "{\"a\":1}garbage";
	struct aa_oci_err err = {0};

	assert_int_equal(json_parse(text, 7, "doc", NULL, NULL, &err), 0);
	assert_int_equal(json_parse(text, 6, "doc", NULL, NULL, &err),
			 -EBADMSG);
	assert_string_equal(err.text, "doc is not valid JSON: parse error: "
				      "premature EOF (line 1, column 7)");
	/* a raw NUL byte inside the length is refused by yajl */
	assert_int_equal(
	    json_parse("{\"a\":\"x\0y\"}", 11, "doc", NULL, NULL, &err),
	    -EBADMSG);
	assert_string_equal(
	    err.text, "doc is not valid JSON: lexical error: "
		      "invalid character inside string. (line 1, column 8)");
}

/* NULL err is allowed; the code still comes back. */
static void test_null_err(void **state)
{
	yajl_val v = NULL;

	assert_int_equal(json_parse("{", 1, "doc", NULL, NULL, NULL), -EBADMSG);
	assert_int_equal(json_tree("[]", "doc", &v, NULL), -EBADMSG);
	assert_null(v);
}

/* json_tree: the object, and nothing on failure. */
static void test_tree(void **state)
{
	const char *path[] = {"a", "b", NULL};
	struct aa_oci_err err = {0};
	yajl_val v = NULL, b;

	assert_int_equal(json_tree("{\"a\":{\"b\":\"c\"}}", "doc", &v, &err),
			 0);
	assert_true(YAJL_IS_OBJECT(v));
	b = yajl_tree_get(v, path, yajl_t_string);
	assert_non_null(b);
	assert_string_equal(b->u.string, "c");
	yajl_tree_free(v);

	v = (yajl_val)&err; /* untouched on failure */
	assert_int_equal(json_tree("{\"a\":1,\"a\":1}", "doc", &v, &err),
			 -EBADMSG);
	assert_ptr_equal(v, &err);
	assert_string_equal(
	    err.text, "doc names the key \"a\" twice (line 1, column 11)");
}

/* A long key is cut to 64 bytes in the message. */
static void test_long_key(void **state)
{
	char key[201], *json;
	struct aa_oci_err err = {0};

	memset(key, 'k', 200);
	key[200] = '\0';
	assert_true(asprintf(&json, "{\"%s\":1,\"%s\":2}", key, key) > 0);
	assert_int_equal(
	    json_parse(json, strlen(json), "doc", NULL, NULL, &err), -EBADMSG);
	free(json);
	key[64] = '\0';
	json = NULL;
	assert_true(
	    asprintf(&json,
		     "doc names the key \"%s\" twice (line 1, column 409)",
		     key) > 0);
	assert_string_equal(err.text, json);
	free(json);
}

/*
 * Repeats in one big object are found by sorting, not by comparing every
 * pair: 200,000 keys take a small fraction of a second, where pairs would
 * take minutes. The bound is loose (valgrind, slow machines).
 */
static void test_many_keys_fast(void **state)
{
	char *json = many_keys(200000, true);
	struct aa_oci_err err = {0};
	struct timespec a, b;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(
	    json_parse(json, strlen(json), "doc", NULL, NULL, &err), -EBADMSG);
	clock_gettime(CLOCK_MONOTONIC, &b);
	free(json);
	assert_string_equal(
	    err.text,
	    "doc names the key \"k0\" twice (line 1, column 3177818)");
	s = (double)(b.tv_sec - a.tv_sec) +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	if (s > 20)
		fail_msg("200000 keys took %.1f s: quadratic?", s);
}

static const struct CMUnitTest fixed[] = {
    cmocka_unit_test(test_consumer_events),
    cmocka_unit_test(test_consumer_stops),
    cmocka_unit_test(test_consumer_after_checks),
    cmocka_unit_test(test_consumer_sees_bad_root),
    cmocka_unit_test(test_consumer_partial),
    cmocka_unit_test(test_length),
    cmocka_unit_test(test_null_err),
    cmocka_unit_test(test_tree),
    cmocka_unit_test(test_long_key),
    cmocka_unit_test(test_many_keys_fast),
};

static struct CMUnitTest tests[ARRAY_SIZE(fixed) + ARRAY_SIZE(runs)];

int main(void)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < ARRAY_SIZE(door_cases); i++)
		for (size_t j = 0; j < N_READERS; j++, k++) {
			runs[k].c = &door_cases[i];
			runs[k].rd = &readers[j];
			snprintf(runs[k].name, sizeof(runs[k].name), "%s/%s",
				 readers[j].name, door_cases[i].name);
			tests[n++] = (struct CMUnitTest){
			    .name = runs[k].name,
			    .test_func = test_door_case,
			    .initial_state = &runs[k],
			};
		}
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
