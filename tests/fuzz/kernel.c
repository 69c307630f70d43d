/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's list of loaded profiles, <apparmorfs>/profiles ("NAME
 * (MODE)" lines): kernel_profile_list, and kernel_profile_state of each
 * name listed (no .access and no policy/profiles in this stand-in, so the
 * state is read from the list, as on an older kernel).
 */
#include "fuzz.h"

#include "aa-oci/kernel.h"
#include "aa-oci/util.h"

static int fuzz_one(const uint8_t *data, size_t size)
{
	struct aa_oci_kernel *k = NULL;
	char dir[4096], path[4200];
	char **names = NULL;
	size_t n = 0;

	fz_subdir("apparmorfs", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/profiles", dir);
	fz_write(path, data, size);
	if (kernel_open(dir, &k, NULL) < 0)
		fz_die("kernel_open");
	if (kernel_profile_list(k, &names) == 0) {
		for (; names[n] && n < 64; n++) {
			enum aa_oci_mode mode;
			int r = kernel_profile_state(k, NULL, names[n], &mode);

			/* A name the list gave is in the list, unless it
			 * holds a newline-free " (" trick the list reader
			 * resolves differently: then -ENOENT, never worse. */
			if (r != 0 && r != -ENOENT)
				abort();
		}
		strv_free(names);
	}
	kernel_close(k);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fz_fd_mark();

	fuzz_one(data, size);
	fz_fd_check(mark, "kernel");
	return 0;
}
