/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An LXC container config and the files it includes: lxc_config_get, as
 * `aa-oci-hook lxc` reads lxc.apparmor.profile. The input is in the
 * "files" layout (fuzz.h): the first file is the config, the others are
 * what its lxc.include lines may name (as @D@/NAME, or @D@/DIR/).
 */
#include "fuzz.h"

#include "aa-oci/lxc.h"
#include "aa-oci/util.h"

static int fuzz_one(const uint8_t *data, size_t size)
{
	char dir[4096], path[4200];
	struct aa_oci_err err = {0};
	char *value = NULL;
	int r;

	fz_subdir("lxc", dir, sizeof(dir));
	fz_files(data, size, dir, "config");
	snprintf(path, sizeof(path), "%s/config", dir);
	r = lxc_config_get(path, AA_OCI_LXC_KEY_PROFILE, &value, &err);
	if (r == 0) {
		/* An empty value unsets: never "" (lxc.h). */
		if (value && !value[0])
			abort();
		free(value);
	} else if (!err.text[0] && r != -ENOMEM) {
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fz_fd_mark();

	fuzz_one(data, size);
	fz_fd_check(mark, "lxc");
	return 0;
}
