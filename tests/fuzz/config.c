/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aa-oci's settings, /etc/aa-oci/config.json: config_parse over the
 * defaults, and config_load of the same bytes from a file (the path every
 * binary takes).
 */
#include "fuzz.h"

#include "aa-oci/config.h"
#include "aa-oci/util.h"

static int fuzz_one(const uint8_t *data, size_t size)
{
	struct aa_oci_config cfg = {0};
	struct aa_oci_err err = {0};
	char path[4096], *buf;
	int r1, r2;

	if (size > AA_OCI_SETTINGS_MAX + 16)
		return 0;
	buf = fz_str(data, size);
	if (config_init(&cfg) < 0)
		fz_die("config_init");
	r1 = config_parse(buf, &cfg, &err);
	config_free(&cfg);

	snprintf(path, sizeof(path), "%s/config.json", fz_tmpdir());
	fz_write(path, data, size);
	memset(&cfg, 0, sizeof(cfg));
	err = (struct aa_oci_err){0};
	r2 = config_load(path, true, &cfg, &err);
	config_free(&cfg);
	/* The same bytes, read from a file, are taken or refused alike
	 * (a NUL byte is refused by the file reader only; so is an
	 * oversized file). */
	if (r2 == 0 && r1 != 0 && !memchr(data, '\0', size))
		abort();
	free(buf);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fz_fd_mark();

	fuzz_one(data, size);
	fz_fd_check(mark, "config");
	return 0;
}
