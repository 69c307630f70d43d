/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compiled policy, as apparmor_parser writes it and the cache keeps it:
 * the names it declares (load_policy_declared, load_policy_names: the
 * walk of load.c over the kernel's typed stream), then the check a
 * container's load must pass (policy_check) for the first name and for
 * a name it does not declare.
 */
#include "fuzz.h"

#include "aa-oci/load.h"
#include "aa-oci/policy.h"
#include "aa-oci/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **declared = NULL, **top = NULL;
	int r1, r2;

	r1 = load_policy_declared(data, size, &declared);
	r2 = load_policy_names(data, size, &top);
	/* The same walk: the top-level names may be none when all are
	 * children, and only the declared names' check sees a child's
	 * control character (-EINVAL). */
	if ((r1 == 0 && r2 != 0 && r2 != -ENOENT) ||
	    (r2 == 0 && r1 != 0 && r1 != -EINVAL))
		abort();
	if (r1 == 0) {
		struct aa_oci_err err = {0};
		struct aa_oci_plan_view p = {
		    .by = AA_OCI_BY_HOOK,
		    .name = declared[0],
		    .what = "fuzz input",
		    .declared = declared,
		};

		if (!declared[0])
			abort();
		r1 = policy_check(&p, NULL, &err);
		if (r1 != 0 && r1 != -EPERM)
			abort();
		p.name = "not-declared";
		for (char **n = declared; *n; n++)
			if (streq(*n, p.name))
				p.name = "x";
		if (policy_check(&p, NULL, &err) != -EPERM)
			abort();
		strv_free(declared);
	}
	if (r2 == 0) {
		for (char **n = top; *n; n++)
			if (strstr(*n, "//"))
				abort();
		strv_free(top);
	}
	return 0;
}
