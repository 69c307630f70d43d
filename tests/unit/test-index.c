/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The declaration index: used while true, rebuilt when anything changed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/index.h"

struct env {
	char *top, *d1, *d2, *idx;
	char *dirs[4];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->top = fx_tmpdir();
	e->d1 = fx_path(e->top, "d1");
	e->d2 = fx_path(e->top, "d2");
	e->idx = fx_path(e->top, "index");
	mkdir(e->d1, 0755);
	mkdir(e->d2, 0755);
	e->dirs[0] = e->d1;
	e->dirs[1] = (char *)"/nonexistent/aa-oci";
	e->dirs[2] = e->d2;
	fx_write(
	    e->d1, "a",
	    "profile alpha {\n}\nprofile \"beta\" flags=(complain) {\n}\n");
	fx_write(e->d2, "b", "# profile ghost {\nprofile gamma{\n}\n");
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fx_rm_rf(e->top);
	free(e->top);
	free(e->d1);
	free(e->d2);
	free(e->idx);
	free(e);
	return 0;
}

/* Look @name up; *rebuilt says whether the directories were scanned. */
static int look(struct env *e, const char *name, char **path, bool *rebuilt)
{
	*path = NULL;
	return index_lookup(e->dirs, AT_FDCWD, e->idx, name, path, rebuilt,
			    NULL);
}

static void expect(struct env *e, const char *name, const char *file,
		   int want_rebuilt)
{
	char *path, *want = NULL;
	bool rebuilt;
	int r = look(e, name, &path, &rebuilt);

	if (file) {
		want = fx_path(e->top, file);
		if (r != 0 || strcmp(path, want))
			fail_msg("%s: %d %s, want %s", name, r,
				 path ? path : "-", want);
	} else if (r != -ENOENT) {
		fail_msg("%s: %d %s, want none", name, r, path ? path : "-");
	}
	if (want_rebuilt >= 0 && rebuilt != want_rebuilt)
		fail_msg("%s: rebuilt %d, want %d", name, rebuilt,
			 want_rebuilt);
	free(path);
	free(want);
}

static void test_lookup_and_reuse(void **state)
{
	struct env *e = *state;

	expect(e, "alpha", "d1/a", 1); /* first: scanned */
	expect(e, "beta", "d1/a", 0);  /* then: from the index */
	expect(e, "gamma", "d2/b", 0);
	expect(e, "ghost", NULL, 0); /* a comment declares nothing */
	expect(e, "alph", NULL, 0);
}

static void test_new_file(void **state)
{
	struct env *e = *state;

	expect(e, "delta", NULL, 1);
	fx_write(e->d2, "c", "profile delta {\n}\n");
	expect(e, "delta", "d2/c", 1);
	expect(e, "delta", "d2/c", 0);
}

static void test_renamed_profile(void **state)
{
	struct env *e = *state;

	expect(e, "gamma", "d2/b", 1);
	/* Edited in place: the directory does not change, the file does. */
	fx_write(e->d2, "b", "profile gamma2 {\n}\n");
	expect(e, "gamma", NULL, 1);
	expect(e, "gamma2", "d2/b", 0);
}

static void test_deleted_file(void **state)
{
	struct env *e = *state;
	char *p = fx_path(e->d1, "a");

	expect(e, "alpha", "d1/a", 1);
	unlink(p);
	expect(e, "alpha", NULL, 1);
	free(p);
}

static void test_directory_appears(void **state)
{
	struct env *e = *state;

	expect(e, "omega", NULL, 1);
	e->dirs[1] = fx_path(e->top, "d0");
	mkdir(e->dirs[1], 0755);
	fx_write(e->dirs[1], "o", "profile omega {\n}\n");
	expect(e, "omega", "d0/o", 1);
	free(e->dirs[1]);
}

static void test_order_and_damage(void **state)
{
	struct env *e = *state;

	/* Declared in both: the first directory wins. */
	fx_write(e->d2, "dup", "profile alpha {\n}\n");
	expect(e, "alpha", "d1/a", 1);
	/* A damaged index is rebuilt, never trusted. */
	fx_write(e->top, "index", "aa-oci-index 2\nF 7 garbage\nE\n");
	expect(e, "alpha", "d1/a", 1);
	/* So is one of the format before (no end line to tell it whole). */
	fx_write(e->top, "index", "aa-oci-index 1\n");
	expect(e, "alpha", "d1/a", 1);
	fx_write(e->top, "index", "something else\n");
	expect(e, "alpha", "d1/a", 1);
	/* No index file at all (unwritable run_dir): still answers. */
	{
		char *path = NULL;

		assert_int_equal(
		    index_lookup(e->dirs, -1, NULL, "gamma", &path, NULL, NULL),
		    0);
		free(path);
	}
}

static int collect(const char *name, size_t len, void *data)
{
	char *out = data;

	strncat(out, name, len);
	strcat(out, ",");
	return 0;
}

static void test_declared(void **state)
{
	char out[256] = "";

	assert_int_equal(
	    index_declared("profile a {\n  profile b flags=(x) {\n"
			   "#profile c {\nprofile \"d e\" {\n"
			   "profile{\nprofileX y {\n\tprofile\tf\n",
			   collect, out),
	    0);
	assert_string_equal(out, "a,b,d e,f,");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_lookup_and_reuse),	     T(test_new_file),
	    T(test_renamed_profile),	     T(test_deleted_file),
	    T(test_directory_appears),	     T(test_order_and_damage),
	    cmocka_unit_test(test_declared),
	};

	return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
