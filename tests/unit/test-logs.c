/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * logs.c: `aa-oci logs` on the fixtures in tests/data/audit (the same
 * records as kern.log, audit.log, journalctl's JSON and /dev/kmsg give
 * them), with records of containers in a temporary run_dir.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/config.h"
#include "aa-oci/logs.h"
#include "aa-oci/rundir.h"
#include "aa-oci/util.h"

#define HEX_A "559aead08264d5795d3909718cdd05abd49572e84fe55590eef31a88a08fdffd"
#define HEX_B "df7e70e5021544f4834bbee64a9e3789febc4be81470df629cad6ddb03320a5c"
#define HEX_X "4b68ab3847feda7d6c62c1fbcbeebfa35eab7351ed5e78f4ddadea5df64b8015"

/* The containers aa-oci let through, as the hook records them. */
static const struct aa_oci_container containers[] = {
    {.id = (char *)HEX_A,
     .by = AA_OCI_BY_HOOK,
     .profile = (char *)"payment-api",
     .mode = AA_OCI_MODE_ENFORCE,
     .since = 1796058400,
     .bundle = (char *)"/run/containerd/a",
     .k8s_namespace = (char *)"shop",
     .k8s_pod = (char *)"payment-7d9f",
     .k8s_container = (char *)"api"},
    {.id = (char *)HEX_B,
     .by = AA_OCI_BY_HOOK,
     .profile = (char *)"payment-api",
     .mode = AA_OCI_MODE_ENFORCE,
     .since = 1796058500,
     .bundle = (char *)"/run/containerd/b",
     .k8s_namespace = (char *)"shop",
     .k8s_pod = (char *)"payment-x2k1",
     .k8s_container = (char *)"api"},
    {.id = (char *)"web1",
     .by = AA_OCI_BY_RUNTIME,
     .profile = (char *)"aa-oci-test",
     .mode = AA_OCI_MODE_ENFORCE,
     .since = 1796058000},
    {.id = (char *)"t6-complain",
     .by = AA_OCI_BY_HOOK,
     .profile = (char *)"aa-oci-test--aa-oci-t6-complain",
     .mode = AA_OCI_MODE_COMPLAIN,
     .since = 1796058000},
};

/* Processes still alive when the logs are read: B's, and one of a
 * Docker container aa-oci has no record of. */
static int fake_cgroup_of(pid_t pid, char **ret, void *ud)
{
	(void)ud;
	if (pid == 4242)
		*ret =
		    strdup("/kubepods.slice/kubepods-burstable.slice/"
			   "kubepods-burstable-pod5f0c8a1e_7b1d_4d1e_9a3c_"
			   "2b7f0e6d9c11.slice/cri-containerd-" HEX_B ".scope");
	else if (pid == 4343)
		*ret = strdup("/system.slice/docker-" HEX_X ".scope");
	else
		return -ENOENT;
	return *ret ? 0 : -ENOMEM;
}

struct env {
	char *dir;
	struct aa_oci_config cfg;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char *run;

	e->dir = fx_base_mkdtemp();
	run = fx_path(e->dir, "run");
	if (config_init(&e->cfg) < 0 || config_set_run_dir(&e->cfg, run) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(containers) / sizeof(*containers); i++)
		if (rundir_container_put(e->cfg.rundir, &containers[i]) < 0)
			return -1;
	free(run);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	config_free(&e->cfg);
	fx_rm_rf(e->dir);
	free(e->dir);
	free(e);
	return 0;
}

static struct aa_oci_logs_source fixture(enum aa_oci_logs_kind kind,
					 const char *name)
{
	static char paths[8][PATH_MAX];
	static size_t next;
	char *p = fx_repo_path(name);
	struct aa_oci_logs_source s = {.kind = kind, .path = paths[next]};

	snprintf(paths[next], PATH_MAX, "%s", p);
	next = (next + 1) % 8;
	free(p);
	return s;
}

/* logs_run's output and return; the error's text in @err. */
static char *run(struct env *e, struct aa_oci_logs_opts *o, int want_r,
		 struct aa_oci_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (!o->cgroup_of)
		o->cgroup_of = fake_cgroup_of;
	err_clear(err);
	assert_int_equal(logs_run(o, &e->cfg, f, err), want_r);
	fclose(f);
	return buf;
}

/* The records of the fixtures, for people. */
#define L_E1                                                                   \
	"2026-11-30T17:07:46.104Z  web1  -  aa-oci-test  DENIED  open  "       \
	"/out/denied  requested=wc denied=wc\n"
#define L_E2                                                                   \
	"2026-11-30T17:07:47.220Z  t6-complain  -  "                           \
	"aa-oci-test--aa-oci-t6-complain  ALLOWED  open  /out/denied  "        \
	"requested=wc denied=wc\n"
#define L_E3                                                                   \
	"2026-11-30T17:07:48.001Z  -  -  docker-default  DENIED  capable  "    \
	"capability sys_admin\n"
#define L_E4                                                                   \
	"2026-11-30T17:07:50.500Z  559aead08264  shop/payment-7d9f  "          \
	"payment-api  DENIED  open  /etc/shadow  requested=r denied=r\n"
#define L_E5                                                                   \
	"2026-11-30T17:10:00.000Z  ambiguous: 559aead08264, df7e70e50215  -  " \
	"payment-api  DENIED  open  /etc/shadow  requested=r denied=r\n"
#define L_E6                                                                   \
	"2026-11-30T17:10:01.250Z  df7e70e50215  shop/payment-x2k1  "          \
	"payment-api  DENIED  create  network inet raw  requested=create "     \
	"denied=create\n"
#define L_E8                                                                   \
	"2026-11-30T17:10:03.000Z  -  -  docker-default  DENIED  mount  "      \
	"mount proc proc -> /proc/ rw  info=\"failed flags match\"\n"
#define L_E9                                                                   \
	"2026-11-30T17:10:04.000Z  -  -  lxc-container-default  DENIED  "      \
	"signal  signal cont peer=unconfined  requested=send denied=send\n"
#define L_E10                                                                  \
	"2026-11-30T17:10:05.000Z  4b68ab3847fe  -  docker-default  DENIED  "  \
	"ptrace  ptrace peer=unconfined  requested=trace denied=trace\n"
#define L_E11                                                                  \
	"2026-11-30T17:10:06.000Z  web1  -  unconfined  DENIED  "              \
	"change_onexec  aa-oci-test  info=\"label not found\"\n"
#define L_E12                                                                  \
	"2026-11-30T17:10:07.000Z  -  -  :aa-oci:payment-api  DENIED  open  "  \
	"/etc/shadow  requested=r denied=r\n"

#define ALL L_E1 L_E2 L_E3 L_E4 L_E5 L_E6 L_E8 L_E9 L_E10 L_E11 L_E12

/* Each source gives the same records; only the first line differs. */
static void test_sources(void **state)
{
	struct env *e = *state;
	static const struct {
		enum aa_oci_logs_kind kind;
		const char *name;
		size_t lines, malformed;
	} cases[] = {
	    {AA_OCI_LOGS_FILE, "tests/data/audit/kern.log", 15, 1},
	    {AA_OCI_LOGS_FILE, "tests/data/audit/audit.log", 18, 1},
	    {AA_OCI_LOGS_JOURNAL_FILE, "tests/data/audit/journal.json", 14, 1},
	    {AA_OCI_LOGS_KMSG, "tests/data/audit/kmsg", 15, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct aa_oci_logs_source s =
		    fixture(cases[i].kind, cases[i].name);
		struct aa_oci_logs_stats st;
		struct aa_oci_logs_opts o = {
		    .sources = &s, .n_sources = 1, .stats = &st};
		struct aa_oci_err err;
		char *out = run(e, &o, 0, &err), *want;

		print_message("%s\n", cases[i].name);
		assert_true(asprintf(&want, "source: %s\n" ALL, s.path) > 0);
		assert_string_equal(out, want);
		assert_string_equal(st.source, s.path);
		assert_int_equal(st.lines, cases[i].lines);
		/* 12 records, and the one torn (not in kmsg) */
		assert_int_equal(st.records, 12);
		assert_int_equal(st.malformed, cases[i].malformed);
		assert_int_equal(st.shown, 11);
		free(want);
		free(out);
	}
}

/* Every field as JSON lines, the first three records of audit.log. */
static void test_json(void **state)
{
	struct env *e = *state;
	struct aa_oci_logs_source s =
	    fixture(AA_OCI_LOGS_FILE, "tests/data/audit/audit.log");
	struct aa_oci_logs_opts o = {
	    .json = true, .sources = &s, .n_sources = 1};
	struct aa_oci_err err;
	char *out = run(e, &o, 0, &err), *want, *line;
	size_t n = 0;

	assert_true(
	    asprintf(
		&want,
		"{\"source\":\"%s\",\"time\":\"2026-11-30T17:07:46.104Z\","
		"\"epoch\":1796058466,\"serial\":4,\"apparmor\":\"DENIED\","
		"\"operation\":\"open\",\"profile\":\"aa-oci-test\","
		"\"namespace\":null,\"pid\":612,\"comm\":\"sh\","
		"\"name\":\"/out/denied\",\"name2\":null,"
		"\"requested_mask\":\"wc\",\"denied_mask\":\"wc\","
		"\"capability\":null,\"capname\":null,\"family\":null,"
		"\"sock_type\":null,\"protocol\":null,\"signal\":null,"
		"\"peer\":null,\"fstype\":null,\"srcname\":null,"
		"\"flags\":null,\"info\":null,\"error\":null,"
		"\"container\":\"web1\",\"pod\":null,"
		"\"attribution\":\"profile-time\",\"engine\":null,"
		"\"candidates\":[]}\n"
		"{\"source\":\"%s\",\"time\":\"2026-11-30T17:07:47.220Z\","
		"\"epoch\":1796058467,\"serial\":5,\"apparmor\":\"ALLOWED\","
		"\"operation\":\"open\","
		"\"profile\":\"aa-oci-test--aa-oci-t6-complain\","
		"\"namespace\":null,\"pid\":640,\"comm\":\"sh\","
		"\"name\":\"/out/denied\",\"name2\":null,"
		"\"requested_mask\":\"wc\",\"denied_mask\":\"wc\","
		"\"capability\":null,\"capname\":null,\"family\":null,"
		"\"sock_type\":null,\"protocol\":null,\"signal\":null,"
		"\"peer\":null,\"fstype\":null,\"srcname\":null,"
		"\"flags\":null,\"info\":null,\"error\":null,"
		"\"container\":\"t6-complain\",\"pod\":null,"
		"\"attribution\":\"label\",\"engine\":null,"
		"\"candidates\":[]}\n"
		"{\"source\":\"%s\",\"time\":\"2026-11-30T17:07:48.001Z\","
		"\"epoch\":1796058468,\"serial\":6,\"apparmor\":\"DENIED\","
		"\"operation\":\"capable\",\"profile\":\"docker-default\","
		"\"namespace\":null,\"pid\":1234,\"comm\":\"mount\","
		"\"name\":null,\"name2\":null,\"requested_mask\":null,"
		"\"denied_mask\":null,\"capability\":21,"
		"\"capname\":\"sys_admin\",\"family\":null,"
		"\"sock_type\":null,\"protocol\":null,\"signal\":null,"
		"\"peer\":null,\"fstype\":null,\"srcname\":null,"
		"\"flags\":null,\"info\":null,\"error\":null,"
		"\"container\":null,\"pod\":null,"
		"\"attribution\":\"none\",\"engine\":null,"
		"\"candidates\":[]}\n",
		s.path, s.path, s.path) > 0);
	assert_int_equal(strncmp(out, want, strlen(want)), 0);
	free(want);

	/* The others, one object a line, by their distinctive members. */
	static const char *const rest[] = {
	    "\"container\":\"" HEX_A "\",\"pod\":\"shop/payment-7d9f\","
	    "\"attribution\":\"profile-time\",\"engine\":null,"
	    "\"candidates\":[]}",
	    "\"container\":null,\"pod\":null,\"attribution\":\"ambiguous\","
	    "\"engine\":null,\"candidates\":[\"" HEX_A "\",\"" HEX_B "\"]}",
	    "\"family\":\"inet\",\"sock_type\":\"raw\",\"protocol\":1,"
	    "\"signal\":null,\"peer\":null,\"fstype\":null,\"srcname\":null,"
	    "\"flags\":null,\"info\":null,\"error\":null,"
	    "\"container\":\"" HEX_B "\",\"pod\":\"shop/payment-x2k1\","
	    "\"attribution\":\"cgroup\",\"engine\":\"containerd\","
	    "\"candidates\":[]}",
	    "\"fstype\":\"proc\",\"srcname\":\"proc\",\"flags\":\"rw\","
	    "\"info\":\"failed flags match\",\"error\":-13,",
	    "\"signal\":\"cont\",\"peer\":\"unconfined\",",
	    "\"container\":\"" HEX_X "\",\"pod\":null,"
	    "\"attribution\":\"cgroup\",\"engine\":\"docker\",",
	    "\"info\":\"label not found\",\"error\":-2,"
	    "\"container\":\"web1\",\"pod\":null,"
	    "\"attribution\":\"profile-time\",",
	    "\"profile\":\"payment-api\",\"namespace\":\"aa-oci\",",
	};
	line = out;
	for (size_t i = 0; i < 3; i++)
		line = strchr(line, '\n') + 1;
	for (size_t i = 0; i < sizeof(rest) / sizeof(*rest); i++) {
		char *nl = strchr(line, '\n');

		assert_non_null(nl);
		*nl = '\0';
		print_message("%s\n", rest[i]);
		assert_non_null(strstr(line, rest[i]));
		line = nl + 1;
		n++;
	}
	assert_string_equal(line, "");
	assert_int_equal(n, 8);
	free(out);
}

static void test_filters(void **state)
{
	struct env *e = *state;
	static const struct {
		const char *container, *pod, *profile;
		time_t since;
		const char *want;
	} cases[] = {
	    {"559aead", NULL, NULL, 0, L_E4 L_E5},
	    {HEX_B, NULL, NULL, 0, L_E5 L_E6},
	    {"4b68ab38", NULL, NULL, 0, L_E10},
	    {"t6", NULL, NULL, 0, L_E2},
	    {"web1", NULL, NULL, 0, L_E1 L_E11},
	    {"nothing", NULL, NULL, 0, ""},
	    {NULL, "shop/payment-7d9f", NULL, 0, L_E4 L_E5},
	    {NULL, "shop/payment-x2k1", NULL, 0, L_E5 L_E6},
	    {NULL, "shop", NULL, 0, ""},
	    {NULL, "other/payment-7d9f", NULL, 0, ""},
	    /* the profile, its copies, and the change to it that failed */
	    {NULL, NULL, "aa-oci-test", 0, L_E1 L_E2 L_E11},
	    {NULL, NULL, "aa-oci-test--aa-oci-t6-complain", 0, L_E2},
	    /* a plain name: in root or in aa-oci's namespace */
	    {NULL, NULL, "payment-api", 0, L_E4 L_E5 L_E6 L_E12},
	    {NULL, NULL, ":aa-oci:payment-api", 0, L_E12},
	    {NULL, NULL, ":other:payment-api", 0, ""},
	    {NULL, NULL, "payment", 0, ""},
	    {NULL, NULL, NULL, 1796058600,
	     L_E5 L_E6 L_E8 L_E9 L_E10 L_E11 L_E12},
	    {NULL, NULL, NULL, 1796058604, L_E9 L_E10 L_E11 L_E12},
	    {"df7e", "shop/payment-x2k1", "payment-api", 1796058601, L_E6},
	};
	struct aa_oci_logs_source s =
	    fixture(AA_OCI_LOGS_FILE, "tests/data/audit/kern.log");

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct aa_oci_logs_opts o = {.sources = &s,
					     .n_sources = 1,
					     .container = cases[i].container,
					     .pod = cases[i].pod,
					     .profile = cases[i].profile,
					     .since = cases[i].since};
		struct aa_oci_err err;
		char *out = run(e, &o, 0, &err), *want;

		print_message("container %s pod %s profile %s since %lld\n",
			      cases[i].container, cases[i].pod,
			      cases[i].profile, (long long)cases[i].since);
		assert_true(asprintf(&want, "source: %s\n%s", s.path,
				     cases[i].want) > 0);
		assert_string_equal(out, want);
		free(want);
		free(out);
	}
}

/* With profile_namespace "" a plain name is the root namespace's only;
 * a namespace the config does not name is never matched by a plain name. */
static void test_filter_profile_namespace(void **state)
{
	struct env *e = *state;
	static const struct {
		const char *ns, *want;
	} cases[] = {
	    {"", L_E4 L_E5 L_E6},
	    {"tenants", L_E4 L_E5 L_E6},
	    {"aa-oci", L_E4 L_E5 L_E6 L_E12},
	};
	struct aa_oci_logs_source s =
	    fixture(AA_OCI_LOGS_FILE, "tests/data/audit/kern.log");
	char *saved = e->cfg.profile_namespace;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct aa_oci_logs_opts o = {
		    .sources = &s, .n_sources = 1, .profile = "payment-api"};
		struct aa_oci_err err;
		char *out, *want;

		e->cfg.profile_namespace = (char *)cases[i].ns;
		out = run(e, &o, 0, &err);
		print_message("profile_namespace \"%s\"\n", cases[i].ns);
		assert_true(asprintf(&want, "source: %s\n%s", s.path,
				     cases[i].want) > 0);
		assert_string_equal(out, want);
		free(want);
		free(out);
	}
	e->cfg.profile_namespace = saved;
}

/* Which source: the first with a record; one without only named. */
static void test_source_choice(void **state)
{
	struct env *e = *state;
	char *journalctl = fx_repo_path("tests/data/audit/journalctl");
	char *failing = fx_repo_path("tests/data/audit/journalctl-fails");
	char *kern = fx_repo_path("tests/data/audit/kern.log");
	char *audit = fx_repo_path("tests/data/audit/audit.log");
	char *none = fx_path(e->dir, "none");
	char *empty = fx_path(e->dir, "empty.log");
	char *want;
	const struct {
		struct aa_oci_logs_source src[3];
		size_t n;
		const char *source;
		bool records;
	} cases[] = {
	    /* journalctl runs, and has the records */
	    {{{AA_OCI_LOGS_JOURNALCTL, journalctl}, {AA_OCI_LOGS_FILE, kern}},
	     2,
	     "journal",
	     true},
	    /* journalctl fails: kern.log */
	    {{{AA_OCI_LOGS_JOURNALCTL, failing}, {AA_OCI_LOGS_FILE, kern}},
	     2,
	     kern,
	     true},
	    /* no journalctl, no audit.log: kern.log */
	    {{{AA_OCI_LOGS_JOURNALCTL, none},
	      {AA_OCI_LOGS_FILE, none},
	      {AA_OCI_LOGS_FILE, kern}},
	     3,
	     kern,
	     true},
	    /* a log without records (auditd has them): audit.log */
	    {{{AA_OCI_LOGS_FILE, empty}, {AA_OCI_LOGS_FILE, audit}},
	     2,
	     audit,
	     true},
	    /* none has a record: the first that could be read */
	    {{{AA_OCI_LOGS_FILE, none},
	      {AA_OCI_LOGS_FILE, empty},
	      {AA_OCI_LOGS_KMSG, empty}},
	     3,
	     empty,
	     false},
	};

	(void)state;
	fx_write(e->dir, "empty.log", "%s",
		 "Nov 30 17:07:40 host kernel: [   17.000000] e1000: eth0 NIC "
		 "Link is Up 1000 Mbps Full Duplex\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct aa_oci_logs_stats st;
		struct aa_oci_logs_opts o = {.sources = cases[i].src,
					     .n_sources = cases[i].n,
					     .stats = &st};
		struct aa_oci_err err;
		char *out = run(e, &o, 0, &err);

		print_message("case %zu: %s\n", i, cases[i].source);
		assert_true(asprintf(&want, "source: %s\n%s", cases[i].source,
				     cases[i].records ? ALL : "") > 0);
		assert_string_equal(out, want);
		assert_string_equal(st.source, cases[i].source);
		free(want);
		free(out);
	}
	free(journalctl);
	free(failing);
	free(kern);
	free(audit);
	free(none);
	free(empty);
}

static void test_source_errors(void **state)
{
	struct env *e = *state;
	char *none = fx_path(e->dir, "none");
	struct aa_oci_logs_source missing[] = {
	    {AA_OCI_LOGS_JOURNALCTL, none},
	    {AA_OCI_LOGS_FILE, none},
	    {AA_OCI_LOGS_KMSG, none},
	};
	struct aa_oci_logs_source dir = {AA_OCI_LOGS_FILE, e->dir};
	struct aa_oci_logs_opts o = {.sources = missing, .n_sources = 3};
	struct aa_oci_err err;
	char *out, *want;

	/* Nothing there at all. */
	out = run(e, &o, -ENOENT, &err);
	assert_string_equal(out, "");
	assert_true(asprintf(&want,
			     "no log of the kernel's AppArmor records was "
			     "found (tried %s, %s, %s)",
			     none, none, none) > 0);
	assert_string_equal(err.text, want);
	free(want);
	free(out);
	/* There but unreadable: an error, not the next source. */
	o.sources = &dir;
	o.n_sources = 1;
	out = run(e, &o, -EISDIR, &err);
	assert_true(asprintf(&want, "%s: %s", e->dir, strerror(EISDIR)) > 0);
	assert_string_equal(err.text, want);
	free(want);
	free(out);
	/* A journalctl that does not end in time. */
	{
		char *hangs = fx_repo_path("tests/data/audit/journalctl-hangs");
		struct aa_oci_logs_source j = {AA_OCI_LOGS_JOURNALCTL, hangs};
		struct timespec t0, t1;

		o = (struct aa_oci_logs_opts){
		    .sources = &j, .n_sources = 1, .timeout_ms = 200};
		clock_gettime(CLOCK_MONOTONIC, &t0);
		out = run(e, &o, -ETIMEDOUT, &err);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_true(t1.tv_sec - t0.tv_sec < 10);
		assert_true(asprintf(&want,
				     "%s -k -o json: no end after 200 ms",
				     hangs) > 0);
		assert_string_equal(err.text, want);
		free(want);
		free(out);
		free(hangs);
	}
	/* --follow on a kmsg that is not there. */
	o = (struct aa_oci_logs_opts){.follow = true, .kmsg = none};
	out = run(e, &o, -ENOENT, &err);
	assert_true(asprintf(&want, "%s: %s", none, strerror(ENOENT)) > 0);
	assert_string_equal(err.text, want);
	free(want);
	free(out);
	free(none);
}

/* A pipe that stands for /dev/kmsg: records arrive, then SIGTERM. */
static void test_follow(void **state)
{
	struct env *e = *state;
	static const char records[] =
	    "6,900,17000000,-;e1000: eth0 NIC Link is Up\n"
	    "5,901,23512345,-;audit: type=1400 audit(1796058466.104:4): "
	    "apparmor=\"DENIED\" operation=\"open\" profile=\"aa-oci-test\" "
	    "name=\"/out/denied\" pid=612 comm=\"sh\" requested_mask=\"wc\" "
	    "denied_mask=\"wc\" fsuid=0 ouid=0\n"
	    "5,902,25409113,-;audit: type=1400 audit(1796058468.001:6): "
	    "apparmor=\"DENIED\" operation=\"capable\" "
	    "profile=\"docker-default\" pid=1234 comm=\"mount\" "
	    "capability=21  capname=\"sys_admin\"\n";
	struct aa_oci_logs_stats st;
	struct aa_oci_logs_opts o = {.follow = true, .stats = &st};
	struct aa_oci_err err;
	char kmsg[64], *out, *want;
	sigset_t mask;
	int fds[2], status;
	pid_t child, parent = getpid();

	assert_int_equal(pipe(fds), 0);
	snprintf(kmsg, sizeof(kmsg), "/proc/self/fd/%d", fds[0]);
	o.kmsg = kmsg;
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char path[64], *buf = NULL;

		close(fds[0]);
		if (write(fds[1], records, sizeof(records) - 1) < 0)
			_exit(1);
		/* Signal only once logs_run has blocked SIGTERM. */
		snprintf(path, sizeof(path), "/proc/%d/status", (int)parent);
		for (int i = 0; i < 5000; i++) {
			FILE *f = fopen(path, "re");
			size_t n = 0;
			unsigned long long blk = 0;

			while (f && getline(&buf, &n, f) > 0)
				if (sscanf(buf, "SigBlk: %llx", &blk) == 1)
					break;
			if (f)
				fclose(f);
			if (blk & (1ULL << (SIGTERM - 1)))
				break;
			usleep(1000);
		}
		kill(parent, SIGTERM);
		_exit(0);
	}
	/* Our own end stays open: only the signal ends the run. */
	out = run(e, &o, 0, &err);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(asprintf(&want, "source: %s\n" L_E1 L_E3, kmsg) > 0);
	assert_string_equal(out, want);
	assert_int_equal(st.records, 2);
	/* SIGTERM is ours again, unblocked and not pending. */
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &mask), 0);
	assert_false(sigismember(&mask, SIGTERM));
	assert_int_equal(sigpending(&mask), 0);
	assert_false(sigismember(&mask, SIGTERM));
	free(want);
	free(out);
	close(fds[0]);
	close(fds[1]);
}

/* Names a container controls, printed: no control bytes, valid UTF-8. */
static void test_printable(void **state)
{
	struct env *e = *state;
	char *path;
	struct aa_oci_logs_source s = {AA_OCI_LOGS_FILE, NULL};
	struct aa_oci_logs_opts o = {.sources = &s, .n_sources = 1};
	struct aa_oci_err err;
	char *out, *want;

	/* name "/a\nb\x1b[2Jc\xffd é" and comm "x\ty" in the kernel's hex */
	fx_write(e->dir, "hex.log", "%s",
		 "type=AVC msg=audit(1796058466.104:4): apparmor=\"DENIED\" "
		 "operation=\"open\" profile=\"p\" "
		 "name=2F610A621B5B324A63FF6420C3A9 pid=1 comm=780979 "
		 "requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0\n");
	path = fx_path(e->dir, "hex.log");
	s.path = path;
	out = run(e, &o, 0, &err);
	assert_true(asprintf(&want,
			     "source: %s\n2026-11-30T17:07:46.104Z  -  -  p  "
			     "DENIED  open  /a\\x0ab\\x1b[2Jc\\xffd é  "
			     "requested=r denied=r\n",
			     path) > 0);
	assert_string_equal(out, want);
	free(want);
	free(out);
	o.json = true;
	out = run(e, &o, 0, &err);
	assert_non_null(strstr(out, "\"comm\":\"x\\ty\",\"name\":\"/a\\nb"
				    "\\u001B[2Jc\\\\xffd é\""));
	free(out);
	free(path);
}

static void test_parse_since(void **state)
{
	static const struct {
		const char *s;
		int r;
		time_t t;
	} cases[] = {
	    {"1796058466", 0, 1796058466},
	    {"0", 0, 0},
	    {"-30s", 0, 1796058436},
	    {"-10m", 0, 1796057866},
	    {"-2h", 0, 1796051266},
	    {"-1d", 0, 1795972066},
	    {"-0m", 0, 1796058466},
	    {"", -EINVAL, 0},
	    {"-", -EINVAL, 0},
	    {"-10", -EINVAL, 0},
	    {"10m", -EINVAL, 0},
	    {"-10w", -EINVAL, 0},
	    {"-10mm", -EINVAL, 0},
	    {"+10m", -EINVAL, 0},
	    {"12x", -EINVAL, 0},
	    {" 12", -EINVAL, 0},
	    {"1234567890123", -EINVAL, 0},
	    {"-999999999999d", -ERANGE, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		time_t t = 0;

		print_message("%s\n", cases[i].s);
		assert_int_equal(logs_parse_since(cases[i].s, 1796058466, &t),
				 cases[i].r);
		if (cases[i].r == 0)
			assert_int_equal(t, cases[i].t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sources, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_filter_profile_namespace,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_source_choice, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_source_errors, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_follow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_printable, setup, teardown),
	    cmocka_unit_test(test_parse_since),
	};

	return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
