/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A bundle's config.json: oci_spec_parse, the streaming reader with runc's
 * key rules (oci_key_is, oci_key_field), as the hook and the runtime
 * wrapper read it.
 */
#include "fuzz.h"

#include "aa-oci/oci.h"
#include "aa-oci/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aa_oci_spec spec = {0};
	struct aa_oci_err err = {0};
	char *buf;
	int r;

	if (size > AA_OCI_SPEC_MAX)
		return 0;
	buf = fz_str(data, size);
	r = oci_spec_parse(buf, &spec, &err);
	if (r == 0) {
		/* "" is stored as NULL (oci.h). */
		if (spec.apparmor_profile && !spec.apparmor_profile[0])
			abort();
		(void)oci_annotation_get(&spec.annotations,
					 "container.apparmor.security.beta."
					 "kubernetes.io/nginx");
		oci_spec_free(&spec);
	} else if (!err.text[0] && r != -ENOMEM) {
		/* Every refusal says why (the hook prints err.text). */
		abort();
	}
	/* The key matcher alone, on the input's first bytes. */
	(void)oci_key_is(buf, size < 32 ? size : 32, "apparmorProfile");
	free(buf);
	return 0;
}
