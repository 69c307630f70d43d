/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/cache.h"
#include "aa-oci/compile.h"
#include "aa-oci/config.h"
#include "aa-oci/load.h"
#include "aa-oci/rundir.h"
#include "aa-oci/spawn.h"
#include "aa-oci/util.h"

void compiled_free(struct aa_oci_compiled *c)
{
	free(c->buf);
	*c = (struct aa_oci_compiled){0};
}

/* The parser's first lines, folded into one. */
static void parser_message(const char *out, char *buf, size_t size)
{
	size_t j = 0;
	bool space = false;

	for (const char *p = out; *p && j + 1 < size; p++) {
		if (isspace((unsigned char)*p)) {
			space = j > 0;
			continue;
		}
		if (space && j + 2 < size)
			buf[j++] = ' ';
		space = false;
		buf[j++] = isprint((unsigned char)*p) ? *p : '?';
	}
	buf[j] = '\0';
}

int compile_run(const struct aa_oci_config *cfg, const char *apparmorfs,
		const char *src, enum aa_oci_mode mode, const char *ns,
		const char *out, struct aa_oci_err *err)
{
	_cleanup_free_ char *features = NULL;
	struct aa_oci_spawn_result res;
	char msg[600];
	const char *argv[14];
	int i = 0, r;

	if (asprintf(&features, "%s/features", apparmorfs) < 0)
		return -ENOMEM;
	argv[i++] = cfg->parser;
	argv[i++] = "--skip-kernel-load";
	argv[i++] = "--skip-cache";
	argv[i++] = "--quiet";
	argv[i++] = "--kernel-features";
	argv[i++] = features;
	argv[i++] = "-o";
	argv[i++] = out;
	if (mode == AA_OCI_MODE_COMPLAIN)
		argv[i++] = "--Complain";
	if (ns) {
		argv[i++] = "--namespace";
		argv[i++] = ns;
	}
	argv[i++] = src;
	argv[i] = NULL;

	r = spawn_run(argv, cfg->parser_timeout_ms, cfg->parser_nice, &res);
	if (r == -ENOENT)
		return err_set(
		    err, r,
		    "apparmor parser %s not found; install the apparmor "
		    "package or set \"parser\" in the config file",
		    cfg->parser);
	if (r < 0)
		return err_set(err, r, "cannot run %s: %s", cfg->parser,
			       strerror(-r));
	if (res.timed_out)
		return err_set(err, -ETIMEDOUT,
			       "%s did not finish within %ld ms on %s; raise "
			       "parser_timeout_ms in the config file",
			       cfg->parser, cfg->parser_timeout_ms, src);
	/* A crash or an outside kill (the OOM killer) is not a verdict on
	 * the profile: say so, rather than "exit 137". */
	if (res.signal != 0) {
		parser_message(res.errout, msg, sizeof(msg));
		return err_set(err, -EBADMSG,
			       "%s was killed by signal %d (%s) on %s%s%s",
			       cfg->parser, res.signal, strsignal(res.signal),
			       src, msg[0] ? ": " : "", msg);
	}
	if (res.status != 0) {
		parser_message(res.errout, msg, sizeof(msg));
		return err_set(err, -EBADMSG, "%s failed on %s (exit %d): %s",
			       cfg->parser, src, res.status,
			       msg[0] ? msg : "no message");
	}
	return 0;
}

/* No block or no inode left where @dir is. */
static bool dir_full(const char *dir)
{
	struct statvfs sv;

	return statvfs(dir, &sv) == 0 && (sv.f_bfree == 0 || sv.f_ffree == 0);
}

/* Run the parser on the file, or on the text written to a temporary file. */
static int compile_to_memory(struct aa_oci_kernel *k,
			     const struct aa_oci_config *cfg,
			     const char *src_path, const char *src_text,
			     enum aa_oci_mode mode, const char *ns,
			     char **ret_buf, size_t *ret_len,
			     struct aa_oci_err *err)
{
	_cleanup_free_ char *bin = NULL, *gen = NULL;
	const char *what = src_path;
	int r;

	r = rundir_mktemp(cfg->rundir, "bin", &bin);
	if (r < 0)
		return err_set(err, r, "cannot create a file in %s: %s",
			       cfg->run_dir, strerror(-r));
	if (src_text) {
		r = rundir_mktemp(cfg->rundir, "src", &gen);
		if (r == 0)
			r = write_file_atomic_at(AT_FDCWD, gen, src_text,
						 strlen(src_text), 0600);
		if (r < 0) {
			err_set(err, r, "cannot write a file in %s: %s",
				cfg->run_dir, strerror(-r));
			goto out;
		}
		what = gen;
	}
	r = compile_run(cfg, kernel_apparmorfs(k), what, mode, ns, bin, err);
	if (r < 0) {
		/* Name the profile, not the temporary file. */
		if (gen && err)
			for (char *p = strstr(err->text, gen); p;
			     p = strstr(p, gen)) {
				size_t n = strlen(src_path), g = strlen(gen);

				if (n > g)
					break;
				memcpy(p, src_path, n);
				memmove(p + n, p + g, strlen(p + g) + 1);
			}
		/* The parser says "Unable to write to output file", not
		 * where: name the run directory when it is full. */
		if (err && r == -EBADMSG && dir_full(cfg->run_dir)) {
			size_t n = strlen(err->text);

			snprintf(err->text + n, sizeof(err->text) - n,
				 " (%s, where its output goes, is full)",
				 cfg->run_dir);
		}
		goto out;
	}
	r = read_file_at(AT_FDCWD, bin, true, AA_OCI_POLICY_BINARY_MAX, ret_buf,
			 ret_len);
	if (r < 0)
		err_set(err, r, "cannot read the policy compiled from %s: %s",
			src_path, strerror(-r));
out:
	unlink(bin);
	if (gen)
		unlink(gen);
	return r;
}

/* Open the cache and compute the key; false (with a reason) when either
 * cannot be had. */
static bool cache_prepare(struct aa_oci_kernel *k,
			  const struct aa_oci_config *cfg, const char *src_path,
			  const char *src_text, enum aa_oci_mode mode,
			  const char *ns, struct aa_oci_cache **ret_cache,
			  char key[65], char *why, size_t why_size)
{
	_cleanup_free_ char *memo = NULL;
	struct aa_oci_err e = {0};
	struct aa_oci_cache_inputs in = {
	    .parser = cfg->parser,
	    .parser_conf = AA_OCI_PARSER_CONF,
	    .include_dir = AA_OCI_PARSER_INCLUDE_DIR,
	    .mode = mode,
	    .ns = ns,
	};
	int r;

	*ret_cache = NULL;
	if (!cfg->cache_dir)
		return false; /* turned off: nothing to warn about */
	/* Without a run directory keys are only computed, never kept. */
	if (rundir_entry_path(cfg->rundir, RUNDIR_KEYS, &memo) == 0)
		in.memo_dir = memo;
	r = kernel_features(k, cfg->rundir, &in.features);
	if (r == 0)
		r = cache_key(&in, src_path, src_text, key, &e);
	if (r == -ENOTSUP)
		return false; /* cannot be keyed safely: always compiled */
	if (r == 0)
		r = cache_open(cfg->cache_dir, in.features, ret_cache, &e);
	if (r < 0) {
		snprintf(why, why_size,
			 "policy cache not used (%.300s); compiling without it",
			 e.text[0] ? e.text : strerror(-r));
		return false;
	}
	return true;
}

int compile_policy(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		   const char *src_path, const char *src_text,
		   enum aa_oci_mode mode, const char *ns,
		   struct aa_oci_compiled *ret, struct aa_oci_err *err)
{
	struct aa_oci_compiled c = {0};
	struct aa_oci_cache *cache = NULL;
	char key[AA_OCI_CACHE_KEY_LEN + 1];
	int r;

	if (cache_prepare(k, cfg, src_path, src_text, mode, ns, &cache, key,
			  c.warning, sizeof(c.warning))) {
		memcpy(c.key, key, sizeof(c.key));
		r = cache_get(cache, key, &c.buf, &c.len);
		if (r == 0) {
			c.from_cache = true;
			cache_close(cache);
			*ret = c;
			return 0;
		}
		if (r == -EBADMSG)
			snprintf(c.warning, sizeof(c.warning),
				 "policy cache entry %s for %.300s was "
				 "damaged; recompiled",
				 key, src_path);
	}
	r = compile_to_memory(k, cfg, src_path, src_text, mode, ns, &c.buf,
			      &c.len, err);
	if (r < 0) {
		cache_close(cache);
		compiled_free(&c);
		return r;
	}
	if (cache) {
		/* Only a policy whose profiles can be read is kept: what a
		 * parser that exited 0 with nothing, garbage or a cut output
		 * wrote would otherwise be served on every later start. */
		char **names = NULL;
		bool whole = load_policy_declared(c.buf, c.len, &names) == 0;

		strv_free(names);
		r = whole ? cache_put(cache, key, c.buf, c.len) : -EBADMSG;
		if (r < 0 && whole)
			snprintf(c.warning, sizeof(c.warning),
				 "cannot write to policy cache %.300s (%s); "
				 "compiling without it",
				 cfg->cache_dir, strerror(-r));
		c.stored = r == 0;
		if (!c.stored)
			c.key[0] = '\0';
		cache_close(cache);
	}
	*ret = c;
	return 0;
}

void compile_forget(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		    const char *src_path, const char *src_text,
		    enum aa_oci_mode mode, const char *ns)
{
	struct aa_oci_cache *cache = NULL;
	char key[AA_OCI_CACHE_KEY_LEN + 1], why[8];

	if (cache_prepare(k, cfg, src_path, src_text, mode, ns, &cache, key,
			  why, sizeof(why))) {
		(void)cache_remove(cache, key);
		cache_close(cache);
	}
}

/* The parser file as stat sees it: a new package is a new identity. */
static int parser_identity(const char *parser, char *buf, size_t size)
{
	struct stat st;

	if (stat(parser, &st) < 0)
		return -errno;
	snprintf(buf, size, "%lu %lu %lld %lld.%09ld %s",
		 (unsigned long)st.st_dev, (unsigned long)st.st_ino,
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec, parser);
	return 0;
}

static int parse_version(const char *text, unsigned v[3])
{
	const char *p = strstr(text, "parser version ");

	v[0] = v[1] = v[2] = 0;
	if (!p || sscanf(p + 15, "%u.%u.%u", &v[0], &v[1], &v[2]) < 2)
		return -EBADMSG;
	return 0;
}

/* The version line as compile_parser_version writes it, whole: a memo cut
 * short ("3.0.1" of "3.0.13") is asked again, never believed. */
static int memo_version(const char *text, unsigned v[3])
{
	int end = -1;

	if (sscanf(text, "parser version %u.%u.%u%n", &v[0], &v[1], &v[2],
		   &end) != 3 ||
	    end < 0 || !streq(text + end, "\n"))
		return -EBADMSG;
	return 0;
}

int compile_parser_version(const struct aa_oci_config *cfg, unsigned v[3])
{
	_cleanup_free_ char *memo = NULL, *text = NULL;
	struct aa_oci_spawn_result res;
	const char *argv[] = {cfg->parser, "--version", NULL};
	char id[PATH_MAX + 128];
	size_t idlen;
	int r;

	r = parser_identity(cfg->parser, id, sizeof(id));
	if (r < 0)
		return r;
	idlen = strlen(id);
	/* "IDENTITY\nparser version X.Y.Z\n": asked once per parser file. */
	if (cfg->rundir &&
	    rundir_read(cfg->rundir, RUNDIR_PARSER, 4096, &memo, NULL) == 0 &&
	    strncmp(memo, id, idlen) == 0 && memo[idlen] == '\n' &&
	    memo_version(memo + idlen + 1, v) == 0)
		return 0;
	r = spawn_output(argv, cfg->parser_timeout_ms, res.errout,
			 sizeof(res.errout), &res);
	if (r < 0)
		return r;
	if (res.timed_out || res.status != 0)
		return -EIO;
	r = parse_version(res.errout, v);
	if (r < 0)
		return r;
	if (cfg->rundir && asprintf(&text, "%s\nparser version %u.%u.%u\n", id,
				    v[0], v[1], v[2]) > 0)
		(void)rundir_write(cfg->rundir, RUNDIR_PARSER, text,
				   strlen(text));
	return 0;
}

bool compile_parser_propagation_ok(const unsigned v[3])
{
	/* apparmor_parser compiled `mount options=(rw, make-*) -> ...`
	 * rules so that they allowed mounts of every kind, until the fix
	 * of apparmor merge request 333 (merged into the 3.0 and 3.1 stable
	 * branches in March 2023; first tags 3.0.10 and 3.1.4; in 3.2 and
	 * 4.x). LXC keeps these rules out on such parsers for the same
	 * reason (lxc commit 890de075). */
	if (v[0] != 3)
		return v[0] > 3;
	if (v[1] == 0)
		return v[2] >= 10;
	if (v[1] == 1)
		return v[2] >= 4;
	return true;
}
