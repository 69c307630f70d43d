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
#include "aa-oci/json.h"
#include "aa-oci/oci.h"
#include "aa-oci/rewrite.h"
#include "aa-oci/util.h"

/*
 * Which member is process.apparmorProfile is decided as the reader
 * (oci_spec_parse) decides it: keys matched with oci_key_field, so an
 * alias runc would read ("Process", "ApparmorProfile") is refused here with
 * the reader's message instead of being copied beside a member we add; and
 * the JSON front door in the same pass, so a key twice, \u0000, comments or
 * excess depth are refused as the reader refuses them.
 */
struct ctx {
	yajl_gen g;
	const char *profile;
	struct aa_oci_err *err;
	int r;		     /* why the copy stopped, when it did */
	int depth;	     /* open maps and arrays around the next token */
	bool key_is_process; /* the last key at depth 1 was "process" */
	int process_depth;   /* depth inside "process", 0 when outside */
	int processes;	     /* how many "process" objects were seen */
	bool replace_next;   /* the next value is apparmorProfile's */
	bool set;	     /* apparmorProfile written */
};

#define WHAT "config.json"

/* The front door's depth limit is the rewriter's: yajl_gen refuses the
 * YAJL_MAX_DEPTH'th level, which the door never lets through. */
_Static_assert(JSON_DEPTH_MAX < YAJL_MAX_DEPTH,
	       "yajl_gen must write every depth the reader accepts");

/* Record the error and stop the parse (yajl callbacks return 0). */
#define fail(c, code, ...) ((c)->r = err_set((c)->err, code, __VA_ARGS__), 0)

/* A generator step; its failure stops the parse with a reason. */
static int gen(struct ctx *c, yajl_gen_status st)
{
	if (st == yajl_gen_status_ok)
		return 1;
	/* Not reached for text the front door took: the depth is within
	 * yajl_gen's (above) and strings are valid UTF-8. */
	return fail(c, -EBADMSG, WHAT ": cannot be written back (yajl_gen %d)",
		    (int)st);
}

static int emit_profile(struct ctx *c)
{
	c->set = true;
	return gen(c, yajl_gen_string(c->g, (const unsigned char *)c->profile,
				      strlen(c->profile)));
}

/* Before any value: is it the one we replace? As the reader: a string or
 * null, nothing else. */
static int value(struct ctx *c, bool string_or_null, bool is_map)
{
	if (c->depth == 0 && !is_map) /* before the front door refuses it */
		return fail(c, -EBADMSG, WHAT " has no \"process\" object");
	if (c->depth == 1)
		c->key_is_process = false;
	if (c->replace_next) {
		c->replace_next = false;
		if (!string_or_null)
			return fail(c, -EBADMSG,
				    WHAT
				    ": \"apparmorProfile\" is not a string");
		return -1; /* replaced: the caller skips the original */
	}
	return 1;
}

#define VALUE(c, string_or_null, is_map)                                       \
	do {                                                                   \
		int v_ = value(c, string_or_null, is_map);                     \
		if (v_ == 0)                                                   \
			return 0;                                              \
		if (v_ < 0)                                                    \
			return emit_profile(c);                                \
	} while (0)

static int on_null(void *p)
{
	struct ctx *c = p;

	VALUE(c, true, false);
	return gen(c, yajl_gen_null(c->g));
}

static int on_bool(void *p, int b)
{
	struct ctx *c = p;

	VALUE(c, false, false);
	return gen(c, yajl_gen_bool(c->g, b));
}

static int on_number(void *p, const char *s, size_t len)
{
	struct ctx *c = p;

	VALUE(c, false, false);
	return gen(c, yajl_gen_number(c->g, s, len));
}

static int on_string(void *p, const unsigned char *s, size_t len)
{
	struct ctx *c = p;

	VALUE(c, true, false);
	return gen(c, yajl_gen_string(c->g, s, len));
}

static int on_map_open(void *p)
{
	struct ctx *c = p;
	bool is_process = c->depth == 1 && c->key_is_process;

	VALUE(c, false, true);
	c->depth++;
	if (is_process) {
		/* Refused here, before the front door would find the key
		 * twice when the root closes. */
		if (c->processes++)
			return fail(c, -EBADMSG,
				    WHAT
				    " has more than one \"process\" object");
		c->process_depth = c->depth;
	}
	return gen(c, yajl_gen_map_open(c->g));
}

static int on_map_key(void *p, const unsigned char *k, size_t len)
{
	struct ctx *c = p;
	const char *key = (const char *)k;
	int r;

	if (c->depth == 1) {
		r = oci_key_field(key, len, "process", WHAT, c->err);
		if (r < 0) {
			c->r = r;
			return 0;
		}
		c->key_is_process = r > 0;
	} else if (c->process_depth && c->depth == c->process_depth) {
		r = oci_key_field(key, len, "apparmorProfile",
				  WHAT "'s process", c->err);
		if (r < 0) {
			c->r = r;
			return 0;
		}
		/* A second one is the front door's: a key twice. */
		c->replace_next = r > 0;
	}
	return gen(c, yajl_gen_string(c->g, k, len));
}

static int on_map_close(void *p)
{
	struct ctx *c = p;

	if (c->process_depth && c->depth == c->process_depth) {
		if (!c->set &&
		    (!gen(c, yajl_gen_string(
				 c->g, (const unsigned char *)"apparmorProfile",
				 15)) ||
		     !emit_profile(c)))
			return 0;
		c->process_depth = 0;
	}
	c->depth--;
	return gen(c, yajl_gen_map_close(c->g));
}

static int on_array_open(void *p)
{
	struct ctx *c = p;

	VALUE(c, false, false);
	c->depth++;
	return gen(c, yajl_gen_array_open(c->g));
}

static int on_array_close(void *p)
{
	struct ctx *c = p;

	c->depth--;
	return gen(c, yajl_gen_array_close(c->g));
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
	struct ctx c = {.profile = profile, .err = err};
	const unsigned char *buf;
	size_t blen;
	char *out;
	int r;

	c.g = yajl_gen_alloc(NULL);
	if (!c.g)
		return -ENOMEM;
	yajl_gen_config(c.g, yajl_gen_beautify, 1);
	yajl_gen_config(c.g, yajl_gen_indent_string, "\t");
	yajl_gen_config(c.g, yajl_gen_validate_utf8, 1);
	r = json_parse(in, len, WHAT, &callbacks, &c, err);
	if (r == -ECANCELED) /* every callback that stops says why */
		r = c.r < 0 ? c.r : -EBADMSG;
	if (r < 0)
		goto out;
	if (!c.set) {
		r = err_set(err, -EBADMSG, WHAT " has no \"process\" object");
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
	yajl_gen_free(c.g);
	return r;
}

/* Does config.json still hold the bytes @c read? */
static bool same_bytes(const struct aa_oci_bundle_config *c)
{
	_cleanup_close_ int fd =
	    openat(c->dirfd, "config.json",
		   O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t len;

	return fd >= 0 &&
	       read_fd_sized(fd, c->len, AA_OCI_SPEC_MAX, &buf, &len) == 0 &&
	       len == c->len && memcmp(buf, c->buf, len) == 0;
}

int rewrite_bundle_config(const char *bundle,
			  const struct aa_oci_bundle_config *c,
			  const char *profile, struct aa_oci_err *err)
{
	_cleanup_free_ char *out = NULL;
	struct stat now;
	size_t outlen;
	int r;

	if (c->link)
		return err_set(
		    err, -ELOOP,
		    "%.256s/config.json is a symbolic link; aa-oci-runtime "
		    "does not write through links: make it a regular file",
		    bundle);
	r = rewrite_profile(c->buf, c->len, profile, &out, &outlen, err);
	if (r < 0)
		return r;
	/* What is replaced must be what was read and decided on: the same
	 * file (ctime too: an edit in place that put the mtime back, as
	 * cp -p and touch -r do), holding the same bytes (a timestamp has
	 * a granularity; the load between the read and now may take
	 * seconds). */
	if (fstatat(c->dirfd, "config.json", &now, AT_SYMLINK_NOFOLLOW) < 0 ||
	    now.st_dev != c->st.st_dev || now.st_ino != c->st.st_ino ||
	    now.st_size != c->st.st_size ||
	    now.st_mtim.tv_sec != c->st.st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != c->st.st_mtim.tv_nsec ||
	    now.st_ctim.tv_sec != c->st.st_ctim.tv_sec ||
	    now.st_ctim.tv_nsec != c->st.st_ctim.tv_nsec || !same_bytes(c))
		return err_set(
		    err, -EAGAIN,
		    "%.256s/config.json changed while aa-oci-runtime read it; "
		    "start the container again",
		    bundle);
	r = write_file_atomic_like_at(c->dirfd, "config.json", out, outlen,
				      &c->st);
	if (r < 0)
		return err_set(err, r, "cannot replace %.256s/config.json: %s",
			       bundle, strerror(-r));
	return 0;
}
