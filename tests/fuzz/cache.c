/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the cache keeps on disk (cache.c). An input that starts with the
 * key memo's magic ("aa-oci-keymemo 1") is a memo under run_dir's keys/,
 * read by cache_key (memo_check) before it would hash a profile; any
 * other input is a cache entry: read by cache_get and cache_list as it
 * is (torn, damaged, foreign), and stored by cache_put as a payload,
 * which cache_get must give back byte for byte.
 */
#include "fuzz.h"

#include <dirent.h>

#include "aa-oci/cache.h"
#include "aa-oci/util.h"

#define MEMO_MAGIC "aa-oci-keymemo 1\n"
#define KEY "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static aa_features *features;

static aa_features *get_features(void)
{
	static const char text[] = "caps {mask {chown dac_override\n}\n}\n"
				   "file {mask {create read write exec\n}\n}\n";

	if (!features &&
	    aa_features_new_from_string(&features, text, strlen(text)) < 0)
		fz_die("aa_features_new_from_string");
	return features;
}

/* The one entry file of the cache in @dir, named @key. */
static void entry_path(const char *dir, const char *key, char *buf, size_t size)
{
	struct aa_oci_cache_entry *v = NULL;
	size_t n = 0;

	buf[0] = '\0';
	if (cache_list(dir, &v, &n) == 0 && n > 0)
		snprintf(buf, size, "%s/%s/%s", dir, v[0].dir, key);
	free(v);
}

static void entry(const uint8_t *data, size_t size)
{
	static char path[4096];
	struct aa_oci_cache *c = NULL;
	struct aa_oci_cache_entry *v = NULL;
	char dir[4096], *buf = NULL;
	size_t len = 0, n = 0;
	int r;

	fz_subdir("cache", dir, sizeof(dir));
	if (cache_open(dir, get_features(), &c, NULL) < 0)
		fz_die("cache_open");
	/* Round trip: the input as a payload. */
	if (cache_put(c, KEY, data, size) < 0)
		fz_die("cache_put");
	if (!path[0])
		entry_path(dir, KEY, path, sizeof(path));
	r = cache_get(c, KEY, &buf, &len);
	if (r != 0 || len != size || (size && memcmp(buf, data, size)))
		abort();
	free(buf);
	buf = NULL;
	/* The input as the entry file itself. */
	if (!path[0])
		fz_die("no cache entry written");
	fz_write(path, data, size);
	r = cache_get(c, KEY, &buf, &len);
	if (r == 0) {
		/* Only a whole entry for this key reads: header + payload. */
		if (len + 8 + 8 + 8 + AA_OCI_CACHE_KEY_LEN != size)
			abort();
		free(buf);
	} else if (r != -EBADMSG) {
		abort();
	}
	if (cache_list(dir, &v, &n) == 0)
		free(v);
	cache_close(c);
}

static void memo(const uint8_t *data, size_t size)
{
	static char memo_file[4200];
	char dir[4096], keys[4200], src[4200], parser[4200];
	char key[AA_OCI_CACHE_KEY_LEN + 1];
	struct aa_oci_cache_inputs in = {
	    .parser = parser,
	    .include_dir = dir,
	    .features = get_features(),
	    .memo_dir = keys,
	};
	char *text;
	size_t len;

	fz_subdir("memo", dir, sizeof(dir));
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	snprintf(src, sizeof(src), "%s/profile", dir);
	snprintf(parser, sizeof(parser), "%s/apparmor_parser", dir);
	if (!memo_file[0]) {
		DIR *d;
		struct dirent *de;

		/* A first key writes the memo; its name is found once. */
		fz_write(parser, "#!/bin/false\n", 13);
		fz_write(src, "profile p {\n  include if exists <@D@/x>\n}\n",
			 41);
		if (cache_key(&in, src, NULL, key, NULL) < 0)
			fz_die("cache_key");
		d = opendir(keys);
		if (!d)
			fz_die(keys);
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				snprintf(memo_file, sizeof(memo_file), "%s/%s",
					 keys, de->d_name);
		closedir(d);
		if (!memo_file[0])
			fz_die("no key memo written");
	}
	/* "@D@" stands for the directory of the profile and its parser,
	 * so a memo can name files whose stat holds. */
	text = fz_subst((const char *)data, size, dir, &len);
	fz_write(memo_file, text, len);
	free(text);
	if (cache_key(&in, src, NULL, key, NULL) == 0 &&
	    strlen(key) != AA_OCI_CACHE_KEY_LEN)
		abort();
}

static int fuzz_one(const uint8_t *data, size_t size)
{
	if (size >= strlen(MEMO_MAGIC) &&
	    memcmp(data, MEMO_MAGIC, strlen(MEMO_MAGIC)) == 0)
		memo(data, size);
	else
		entry(data, size);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fz_fd_mark();

	fuzz_one(data, size);
	fz_fd_check(mark, "cache");
	return 0;
}
