/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The include closure of a profile, as the cache key and aa-oci status
 * walk it (cache.c: walk_file, walk_dir, walk_target through
 * cache_includes). The input is in the "files" layout (fuzz.h): the first
 * file is the profile source, the others the include directory's files
 * (`include <NAME>`, `include "@D@/NAME"`, `#include <DIR>`, `abi <x>,`).
 */
#include "fuzz.h"

#include "aa-oci/cache.h"
#include "aa-oci/util.h"

static int fuzz_one(const uint8_t *data, size_t size)
{
	char dir[4096], path[4200];
	struct aa_oci_err err = {0};
	char **files = NULL;
	int r;

	fz_subdir("inc", dir, sizeof(dir));
	fz_files(data, size, dir, "profile");
	snprintf(path, sizeof(path), "%s/profile", dir);
	r = cache_includes(dir, path, &files, &err);
	if (r == 0) {
		size_t n = 0;

		for (; files[n]; n++)
			if (!files[n][0])
				abort();
		/* Bounded (INCLUDE_FILES_MAX in cache.c). */
		if (n > 1024)
			abort();
		strv_free(files);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fz_fd_mark();

	fuzz_one(data, size);
	fz_fd_check(mark, "includes");
	return 0;
}
