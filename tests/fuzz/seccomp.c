/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seccomp settings (aa-oci-exec --seccomp FILE, or a bundle's
 * linux.seccomp): oci_seccomp_parse, the reader of oci-seccomp.c. No
 * filter is built or loaded here: the fuzzer process must stay unfiltered.
 */
#include "fuzz.h"

#include "aa-oci/seccomp.h"
#include "aa-oci/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aa_oci_seccomp s = {0};
	struct aa_oci_err err = {0};
	char *buf;

	if (size > AA_OCI_SPEC_MAX + 16)
		return 0;
	buf = fz_str(data, size);
	if (oci_seccomp_parse(buf, &s, &err) == 0) {
		/* The limits seccomp.h promises, checked while parsing. */
		if (s.n_rules > AA_OCI_SECCOMP_RULES_MAX ||
		    s.n_arches > AA_OCI_SECCOMP_ARCHES_MAX)
			abort();
		for (size_t i = 0; i < s.n_rules; i++)
			if (s.rules[i].n_names > AA_OCI_SECCOMP_NAMES_MAX ||
			    s.rules[i].n_args > AA_OCI_SECCOMP_ARGS_MAX)
				abort();
		oci_seccomp_free(&s);
	}
	free(buf);
	return 0;
}
