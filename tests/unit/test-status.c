/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status.c: what `aa-oci status` collects and prints, on a fake securityfs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/config.h"
#include "aa-oci/status.h"
#include "aa-oci/util.h"

static char *print(const struct aa_oci_status *s, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(status_print(s, json, f), 0);
	fclose(f);
	return buf;
}

static void test_status(void **state)
{
	char *top = fx_tmpdir(), *run = fx_path(top, "run");
	char *fs =
	    fx_apparmorfs("web (enforce)\nadmin (complain)\nother (enforce)\n");
	struct aa_oci_config cfg;
	struct aa_oci_kernel *k = NULL;
	struct aa_oci_status st = {0};
	struct aa_oci_loaded ours = {.by = AA_OCI_BY_HOOK,
				     .mode = AA_OCI_MODE_ENFORCE,
				     .source = (char *)"/etc/apparmor.d/web"};
	struct aa_oci_loaded was = {.by = AA_OCI_BY_RUNTIME,
				    .mode = AA_OCI_MODE_ENFORCE};
	struct aa_oci_container c = {.id = (char *)"c1",
				     .by = AA_OCI_BY_HOOK,
				     .profile = (char *)"web",
				     .pid = getpid(),
				     .since = 10,
				     .k8s_namespace = (char *)"shop"};
	char *text;

	(void)state;
	assert_int_equal(config_init(&cfg), 0);
	assert_int_equal(config_set_run_dir(&cfg, run), 0);
	assert_int_equal(kernel_open(fs, &k, NULL), 0);
	assert_int_equal(rundir_loaded_put(cfg.rundir, "web", &ours), 0);
	/* aa-oci loaded it in enforce; the kernel shows complain now. */
	assert_int_equal(rundir_loaded_put(cfg.rundir, "admin", &was), 0);
	assert_int_equal(rundir_container_put(cfg.rundir, &c), 0);
	c.id = (char *)"c2";
	c.profile = (char *)"gone-profile";
	c.pid = 0;
	c.since = 20;
	assert_int_equal(rundir_container_put(cfg.rundir, &c), 0);

	assert_int_equal(status_collect(k, &cfg, &st), 0);
	assert_int_equal(st.n_containers, 2);
	assert_int_equal(st.n_profiles, 3); /* admin, web, gone-profile */
	for (size_t i = 0; i < st.n_profiles; i++) {
		const struct aa_oci_status_profile *p = &st.profiles[i];

		if (streq(p->name, "web"))
			assert_true(p->loaded && p->ours &&
				    p->mode == AA_OCI_MODE_ENFORCE);
		else if (streq(p->name, "admin"))
			assert_true(p->loaded && !p->ours &&
				    p->mode == AA_OCI_MODE_COMPLAIN);
		else
			assert_true(!p->loaded && !p->ours);
	}
	text = print(&st, true);
	assert_non_null(strstr(
	    text, "{\"name\":\"web\",\"mode\":\"enforce\",\"loaded\":true,"
		  "\"loaded_by\":\"hook\",\"source\":\"/etc/apparmor.d/"
		  "web\",\"cache_key\":null,\"includes\":[]}"));
	assert_non_null(
	    strstr(text, "{\"name\":\"admin\",\"mode\":\"complain\",\"loaded\":"
			 "true,\"loaded_by\":\"other\""));
	assert_non_null(strstr(text, "\"id\":\"c1\",\"by\":\"hook\","
				     "\"namespace\":\"shop\",\"pod\":null"));
	assert_non_null(strstr(text, "\"profile\":\"gone-profile\""));
	free(text);
	text = print(&st, false);
	assert_non_null(strstr(text, "3 profiles aa-oci knows:"));
	assert_non_null(strstr(text, "gone-profile"));
	assert_non_null(strstr(text, "(not loaded)"));
	assert_non_null(strstr(text, "shop/-/-"));
	free(text);
	status_free(&st);
	kernel_close(k);
	config_free(&cfg);
	fx_rm_rf(top);
	fx_rm_rf(fs);
	free(top);
	free(run);
	free(fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status),
	};

	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
