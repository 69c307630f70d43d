/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The config.json rewriter of aa-oci-runtime: rewrite_profile. A round
 * trip: what it writes must parse (oci_spec_parse reads the new profile
 * back) and differ from what it read only in process.apparmorProfile,
 * for any input the reader (oci_spec_parse) takes; and it must take
 * every such input that has a process object (but for nesting deeper
 * than yajl_gen writes, -E2BIG). Anything else aborts.
 */
#include "fuzz.h"

#include "aa-oci/json.h"
#include "aa-oci/oci.h"
#include "aa-oci/rewrite.h"
#include "aa-oci/util.h"

#define PROFILE "aa-oci-fuzz//x \"y\""

static bool skip_key(bool in_process, const char *key)
{
	return in_process && streq(key, "apparmorProfile");
}

/* Is @b @a, but for process.apparmorProfile (@level 0 is the root)? */
static bool same(yajl_val a, yajl_val b, int level, bool in_process)
{
	size_t i = 0, j = 0;

	if (a->type != b->type)
		return false;
	switch (a->type) {
	case yajl_t_string:
		return streq(a->u.string, b->u.string);
	case yajl_t_number:
		return streq(a->u.number.r, b->u.number.r);
	case yajl_t_array:
		if (a->u.array.len != b->u.array.len)
			return false;
		for (i = 0; i < a->u.array.len; i++)
			if (!same(a->u.array.values[i], b->u.array.values[i],
				  level + 1, false))
				return false;
		return true;
	case yajl_t_object:
		for (;;) {
			while (i < a->u.object.len &&
			       skip_key(in_process, a->u.object.keys[i]))
				i++;
			while (j < b->u.object.len &&
			       skip_key(in_process, b->u.object.keys[j]))
				j++;
			if (i == a->u.object.len || j == b->u.object.len)
				return i == a->u.object.len &&
				       j == b->u.object.len;
			if (!streq(a->u.object.keys[i], b->u.object.keys[j]) ||
			    !same(a->u.object.values[i], b->u.object.values[j],
				  level + 1,
				  level == 0 &&
				      streq(a->u.object.keys[i], "process")))
				return false;
			i++;
			j++;
		}
	default: /* true, false, null */
		return true;
	}
}

static bool has_process(yajl_val root)
{
	for (size_t i = 0; i < root->u.object.len; i++)
		if (streq(root->u.object.keys[i], "process"))
			return YAJL_IS_OBJECT(root->u.object.values[i]);
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aa_oci_spec in_spec = {0}, out_spec = {0};
	struct aa_oci_err err = {0}, err2 = {0};
	yajl_val in_tree = NULL, out_tree = NULL;
	char *in, *out = NULL;
	size_t out_len = 0;
	int r, reader;

	/* oci_bundle_config_read refuses a config.json with a NUL byte
	 * before either reads it. */
	if (size > AA_OCI_SPEC_MAX || memchr(data, '\0', size))
		return 0;
	in = fz_str(data, size);
	reader = oci_spec_parse(in, &in_spec, &err2);
	oci_spec_free(&in_spec);
	r = rewrite_profile(in, size, PROFILE, &out, &out_len, &err);
	if (r < 0) {
		/* The reader took it, with a process object to write in. */
		if (reader == 0 && r != -E2BIG && r != -ENOMEM &&
		    json_tree(in, "in", &in_tree, NULL) == 0 &&
		    has_process(in_tree)) {
			fprintf(stderr,
				"rewrite refused what the reader "
				"took: %s\n",
				err.text);
			abort();
		}
		goto out;
	}
	/* The runtime wrapper rewrites only what the reader took; the reader
	 * also refuses what the rewriter need not know of (an alias of
	 * "annotations"), which would not read back either. */
	if (reader != 0)
		goto out;
	if (strlen(out) != out_len ||
	    oci_spec_parse(out, &out_spec, &err2) != 0 ||
	    !out_spec.apparmor_profile ||
	    !streq(out_spec.apparmor_profile, PROFILE)) {
		fprintf(stderr,
			"rewritten config.json does not read back: "
			"%s\n",
			err2.text);
		abort();
	}
	oci_spec_free(&out_spec);
	if (json_tree(in, "in", &in_tree, NULL) != 0 ||
	    json_tree(out, "out", &out_tree, NULL) != 0 ||
	    !same(in_tree, out_tree, 0, false)) {
		fprintf(stderr, "rewrite changed more than "
				"process.apparmorProfile\n");
		abort();
	}
out:
	if (in_tree)
		yajl_tree_free(in_tree);
	if (out_tree)
		yajl_tree_free(out_tree);
	free(out);
	free(in);
	return 0;
}
