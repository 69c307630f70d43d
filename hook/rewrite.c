/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "cleanup.h"
#include "aa-oci/rewrite.h"
#include "aa-oci/util.h"

struct ctx {
	yajl_gen g;
	const char *profile;
	int depth;            /* open maps and arrays around the next token */
	bool key_is_process;  /* the last key at depth 1 was "process" */
	int process_depth;    /* depth inside "process", 0 when outside */
	int processes;        /* how many "process" objects were seen */
	bool replace_next;    /* the next value is apparmorProfile's */
	bool set;             /* apparmorProfile written */
	const char *bad;      /* why the document was refused */
};

#define OK(x) ((x) == yajl_gen_status_ok)

static int emit_profile(struct ctx *c)
{
	c->set = true;
	return OK(yajl_gen_string(c->g, (const unsigned char *)c->profile,
				  strlen(c->profile)));
}

/* Before any value: is it the one we replace? */
static int value(struct ctx *c, bool scalar)
{
	if (c->depth == 1)
		c->key_is_process = false;
	if (c->replace_next) {
		c->replace_next = false;
		if (!scalar) {
			c->bad = "process.apparmorProfile is not a string";
			return 0;
		}
		return -1; /* replaced: the caller skips the original */
	}
	return 1;
}

#define VALUE(c, scalar)                                                       \
	do {                                                                   \
		int v_ = value(c, scalar);                                     \
		if (v_ == 0)                                                   \
			return 0;                                              \
		if (v_ < 0)                                                    \
			return emit_profile(c);                                \
	} while (0)

static int on_null(void *p)
{
	struct ctx *c = p;

	VALUE(c, true);
	return OK(yajl_gen_null(c->g));
}

static int on_bool(void *p, int b)
{
	struct ctx *c = p;

	VALUE(c, true);
	return OK(yajl_gen_bool(c->g, b));
}

static int on_number(void *p, const char *s, size_t len)
{
	struct ctx *c = p;

	VALUE(c, true);
	return OK(yajl_gen_number(c->g, s, len));
}

static int on_string(void *p, const unsigned char *s, size_t len)
{
	struct ctx *c = p;

	VALUE(c, true);
	return OK(yajl_gen_string(c->g, s, len));
}

static int on_map_open(void *p)
{
	struct ctx *c = p;
	bool is_process = c->depth == 1 && c->key_is_process;

	VALUE(c, false);
	c->depth++;
	if (is_process) {
		c->process_depth = c->depth;
		c->processes++;
	}
	return OK(yajl_gen_map_open(c->g));
}

static int on_map_key(void *p, const unsigned char *k, size_t len)
{
	struct ctx *c = p;

	if (c->depth == 1)
		c->key_is_process = len == 7 && memcmp(k, "process", 7) == 0;
	if (c->process_depth && c->depth == c->process_depth && len == 15 &&
	    memcmp(k, "apparmorProfile", 15) == 0) {
		if (c->set) {
			c->bad = "process names apparmorProfile twice";
			return 0;
		}
		c->replace_next = true;
	}
	return OK(yajl_gen_string(c->g, k, len));
}

static int on_map_close(void *p)
{
	struct ctx *c = p;

	if (c->process_depth && c->depth == c->process_depth) {
		if (!c->set &&
		    (!OK(yajl_gen_string(c->g,
					 (const unsigned char *)"apparmorProfile",
					 15)) ||
		     !emit_profile(c)))
			return 0;
		c->process_depth = 0;
	}
	c->depth--;
	return OK(yajl_gen_map_close(c->g));
}

static int on_array_open(void *p)
{
	struct ctx *c = p;

	VALUE(c, false);
	c->depth++;
	return OK(yajl_gen_array_open(c->g));
}

static int on_array_close(void *p)
{
	struct ctx *c = p;

	c->depth--;
	return OK(yajl_gen_array_close(c->g));
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_bool,
	.yajl_number = on_number, /* raw text: digits are kept as written */
	.yajl_string = on_string,
	.yajl_start_map = on_map_open,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_map_close,
	.yajl_start_array = on_array_open,
	.yajl_end_array = on_array_close,
};

int rewrite_profile(const char *in, size_t len, const char *profile,
		    char **ret_out, size_t *ret_len, struct aa_oci_err *err)
{
	struct ctx c = {.profile = profile};
	yajl_handle h = NULL;
	yajl_status st;
	const unsigned char *buf;
	size_t blen;
	char *out;
	int r = 0;

	c.g = yajl_gen_alloc(NULL);
	if (!c.g)
		return -ENOMEM;
	yajl_gen_config(c.g, yajl_gen_beautify, 1);
	yajl_gen_config(c.g, yajl_gen_indent_string, "\t");
	yajl_gen_config(c.g, yajl_gen_validate_utf8, 1);
	h = yajl_alloc(&callbacks, NULL, &c);
	if (!h) {
		yajl_gen_free(c.g);
		return -ENOMEM;
	}
	st = yajl_parse(h, (const unsigned char *)in, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st != yajl_status_ok) {
		if (c.bad) {
			r = err_set(err, -EBADMSG, "config.json: %s", c.bad);
		} else {
			unsigned char *m = yajl_get_error(h, 0, NULL, 0);

			r = err_set(err, -EBADMSG,
				    "config.json is not valid JSON: %s",
				    m ? (char *)m : "parse error");
			if (m)
				yajl_free_error(h, m);
		}
		goto out;
	}
	if (c.processes != 1 || !c.set) {
		r = err_set(err, -EBADMSG,
			    c.processes ? "config.json has more than one \"process\" object"
					: "config.json has no \"process\" object");
		goto out;
	}
	yajl_gen_get_buf(c.g, &buf, &blen);
	out = malloc(blen + 2);
	if (!out) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(out, buf, blen);
	/* A final newline, as `runc spec` writes it. */
	if (blen == 0 || out[blen - 1] != '\n')
		out[blen++] = '\n';
	out[blen] = '\0';
	*ret_out = out;
	*ret_len = blen;
out:
	yajl_free(h);
	yajl_gen_free(c.g);
	return r;
}

int rewrite_bundle_profile(const char *bundle, const char *profile,
			   struct aa_oci_err *err)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	_cleanup_free_ char *in = NULL, *out = NULL;
	size_t inlen, outlen;
	struct stat st;
	int r;

	dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, -errno, "bundle %.256s: %s", bundle,
			       strerror(errno));
	fd = openat(dfd, "config.json",
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return err_set(err, -errno, "%.256s/config.json: %s", bundle,
			       strerror(errno));
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return err_set(err, -EINVAL,
			       "%.256s/config.json is not a regular file", bundle);
	r = read_fd_limited(fd, AA_OCI_SPEC_MAX, &in, &inlen);
	if (r < 0)
		return err_set(err, r, "%.256s/config.json: %s", bundle,
			       r == -E2BIG ? "larger than 16 MiB" : strerror(-r));
	r = rewrite_profile(in, inlen, profile, &out, &outlen, err);
	if (r < 0)
		return r;
	r = write_file_atomic_like_at(dfd, "config.json", out, outlen, &st);
	if (r < 0)
		return err_set(err, r, "cannot replace %.256s/config.json: %s",
			       bundle, strerror(-r));
	return 0;
}
