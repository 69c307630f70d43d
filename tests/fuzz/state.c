/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OCI state a runtime hands a hook on stdin: oci_state_parse. */
#include "fuzz.h"

#include "aa-oci/oci.h"
#include "aa-oci/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aa_oci_state st = {0};
	struct aa_oci_err err = {0};
	char *buf;

	/* The hook reads at most AA_OCI_STATE_MAX bytes, NUL-terminated. */
	if (size > AA_OCI_STATE_MAX)
		return 0;
	buf = fz_str(data, size);
	if (oci_state_parse(buf, &st, &err) == 0) {
		/* What the hook uses next. */
		if (!st.bundle)
			abort();
		(void)oci_annotation_get(&st.annotations,
					 "org.opencontainers.image.ref.name");
		oci_state_free(&st);
	}
	free(buf);
	return 0;
}
