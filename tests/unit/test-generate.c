/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for hook/generate.c: name mapping, argument checks, which rule
 * classes each features set lets through, and that apparmor_parser
 * compiles every generated profile.
 *
 * Run from the repository root: the real kernel's features are the fixture
 * tests/data/features (Debian's 6.1 kernel).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "aa-oci/generate.h"
#include "cleanup.h"

#define FEATURES_REAL "tests/data/features"
#define PARSER "/usr/sbin/apparmor_parser"
#define PARSER_TIMEOUT_MS 60000
#define ABI_DIR "/etc/apparmor.d"
#define ABI "abi/3.0"
#define NAME "web-1.2_x+y"

extern char **environ;

DEFINE_TRIVIAL_CLEANUP_FUNC(aa_features *, aa_features_unref)

/*
 * A kernel that mediates files and capabilities only: what is left when
 * network, unix, signal, ptrace, mount and dbus are all missing.
 */
#define FEATURES_MIN                                                           \
	"caps {mask {chown dac_override dac_read_search fowner fsetid kill\n"  \
	"}\n}\n"                                                               \
	"file {mask {create read write exec append mmap_exec link lock\n"      \
	"}\n}\n"                                                               \
	"domain {version {1.2\n}\nstack {yes\n}\nchange_onexec {yes\n}\n}\n"   \
	"policy {versions {v8 {yes\n}\nv7 {yes\n}\nv6 {yes\n}\nv5 {yes\n"      \
	"}\n}\n}\n"

static const char *const all_classes[] = {
    "network", "unix", "signal", "ptrace", "mount", "dbus",
};
#define N_CLASSES (sizeof(all_classes) / sizeof(all_classes[0]))

struct fixture {
	aa_features *real;
	aa_features *min;
	char min_path[64]; /* FEATURES_MIN as a file, for the parser */
	bool min_written;
};

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	int fd;

	if (!fx)
		return -1;
	*state = fx;
	if (aa_features_new(&fx->real, AT_FDCWD, FEATURES_REAL) < 0) {
		print_error("cannot read %s (run from the repository root): "
			    "%s\n",
			    FEATURES_REAL, strerror(errno));
		return -1;
	}
	if (aa_features_new_from_string(&fx->min, FEATURES_MIN,
					strlen(FEATURES_MIN)) < 0)
		return -1;

	strcpy(fx->min_path, "/tmp/aa-oci-features-min.XXXXXX");
	fd = mkstemp(fx->min_path);
	if (fd < 0)
		return -1;
	fx->min_written = true;
	if (write(fd, FEATURES_MIN, strlen(FEATURES_MIN)) !=
	    (ssize_t)strlen(FEATURES_MIN)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *fx = *state;

	if (!fx)
		return 0;
	if (fx->min_written)
		unlink(fx->min_path);
	if (fx->real)
		aa_features_unref(fx->real);
	if (fx->min)
		aa_features_unref(fx->min);
	free(fx);
	return 0;
}

/*
 * The rule class of one line of profile text ("network", "mount", ...):
 * its first word after any "audit"/"deny" qualifier, or "" for blank and
 * comment lines.
 */
static void rule_class(const char *line, size_t len, char *ret, size_t size)
{
	size_t n = 0;

	for (;;) {
		while (len && (*line == ' ' || *line == '\t'))
			line++, len--;
		if (len >= 6 && strncmp(line, "audit ", 6) == 0)
			line += 6, len -= 6;
		else if (len >= 5 && strncmp(line, "deny ", 5) == 0)
			line += 5, len -= 5;
		else
			break;
	}
	if (len && *line != '#')
		while (n < len && n + 1 < size && line[n] != ' ' &&
		       line[n] != ',' && line[n] != '\t')
			n++;
	memcpy(ret, line, n);
	ret[n] = '\0';
}

/* Does @text hold a rule of @class ("umount" counts as "mount")? */
static bool has_class(const char *text, const char *class)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		char word[32];

		rule_class(text, len, word, sizeof(word));
		if (strcmp(word, class) == 0 || (strcmp(class, "mount") == 0 &&
						 strcmp(word, "umount") == 0))
			return true;
		text += len + (nl ? 1 : 0);
	}
	return false;
}

static char *generate(enum aa_oci_template t, aa_features *features,
		      const char *abi)
{
	char *text = NULL;

	struct aa_oci_generate_opts o = {.features = features, .abi = abi};

	assert_int_equal(generate_profile(t, NAME, &o, &text), 0);
	assert_non_null(text);
	return text;
}

/* --- name mapping ------------------------------------------------------ */

static const struct {
	const char *name;
	enum aa_oci_template t;
} names[] = {
    {"docker-default", AA_OCI_TEMPLATE_DOCKER_DEFAULT},
    {"lxc-container-default", AA_OCI_TEMPLATE_LXC_DEFAULT},
    {"lxc-container-default-cgns", AA_OCI_TEMPLATE_LXC_DEFAULT_CGNS},
};

static void test_name_mapping(void **state)
{
	(void)state;
	assert_int_equal(sizeof(names) / sizeof(names[0]),
			 _AA_OCI_TEMPLATE_MAX);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		enum aa_oci_template t = _AA_OCI_TEMPLATE_MAX;

		assert_int_equal(generate_template_from_name(names[i].name, &t),
				 0);
		assert_int_equal(t, names[i].t);
		assert_string_equal(generate_template_name(names[i].t),
				    names[i].name);
	}
}

static void test_name_unknown(void **state)
{
	static const struct {
		const char *name;
		int err;
	} cases[] = {
	    {"", -ENOENT},
	    {"docker", -ENOENT},
	    {"Docker-default", -ENOENT},
	    {"docker-default ", -ENOENT},
	    {"docker-defaults", -ENOENT},
	    {"lxc-container-default-cgns2", -ENOENT},
	    {"lxc-default", -ENOENT},
	    {"unconfined", -ENOENT},
	    {NULL, -EINVAL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum aa_oci_template t = _AA_OCI_TEMPLATE_MAX;

		assert_int_equal(generate_template_from_name(cases[i].name, &t),
				 cases[i].err);
		assert_int_equal(t, _AA_OCI_TEMPLATE_MAX); /* untouched */
	}
	assert_int_equal(generate_template_from_name("docker-default", NULL),
			 -EINVAL);
	assert_null(generate_template_name(_AA_OCI_TEMPLATE_MAX));
	assert_null(generate_template_name((enum aa_oci_template) - 1));
}

/* --- argument checks --------------------------------------------------- */

static void test_invalid(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		int t;
		const char *name;
		bool no_features;
		const char *abi;
	} cases[] = {
	    {_AA_OCI_TEMPLATE_MAX, NAME, false, NULL},
	    {-1, NAME, false, NULL},
	    {0, NULL, false, NULL},
	    {0, NAME, true, NULL},
	    {0, "", false, NULL},
	    {0, "a b", false, NULL},
	    {0, " a", false, NULL},
	    {0, "a\tb", false, NULL},
	    {0, "a\nb", false, NULL},
	    {0, "a\rb", false, NULL},
	    {0, "a\x7f", false, NULL},
	    {0, "a\"b", false, NULL},
	    {0, "a'b", false, NULL},
	    {0, "a`b", false, NULL},
	    {0, "a{b", false, NULL},
	    {0, "a}b", false, NULL},
	    {0, "a,b", false, NULL},
	    {0, "a#b", false, NULL},
	    {0, "a/b", false, NULL},
	    {0, "a//b", false, NULL},
	    {0, "a\\b", false, NULL},
	    {0, "a*", false, NULL},
	    {0, "a?", false, NULL},
	    {0, "a[b]", false, NULL},
	    {0, "a(b)", false, NULL},
	    {0, "a=b", false, NULL},
	    {0, "@{PROC}", false, NULL},
	    {0, ":ns:a", false, NULL},
	    {2, "x) ,\n  file", false, NULL},
	    {0, NAME, false, ""},
	    {0, NAME, false, "abi/3.0>"},
	    {0, NAME, false, "abi/3.0>,\nfile"},
	    {0, NAME, false, "abi 3.0"},
	    {0, NAME, false, "abi,3.0"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = (char *)"untouched";

		struct aa_oci_generate_opts o = {
		    .features = cases[i].no_features ? NULL : fx->real,
		    .abi = cases[i].abi};

		assert_int_equal(
		    generate_profile((enum aa_oci_template)cases[i].t,
				     cases[i].name, &o, &text),
		    -EINVAL);
		assert_string_equal(text, "untouched");
	}
	assert_int_equal(
	    generate_profile(
		0, NAME, &(struct aa_oci_generate_opts){.features = fx->real},
		NULL),
	    -EINVAL);
	{
		char *text0 = NULL;

		assert_int_equal(generate_profile(0, NAME, NULL, &text0),
				 -EINVAL);
		assert_null(text0);
	}
}

/* Names profile_name_validate() lets through are placed as they are. */
static void test_name_placed(void **state)
{
	struct fixture *fx = *state;
	static const char *const ok[] = {"a", "docker-default", "x.y+z_0-9",
					 "Z9"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		_cleanup_free_ char *text = NULL, *decl = NULL, *peer = NULL;

		assert_int_equal(
		    generate_profile(
			AA_OCI_TEMPLATE_DOCKER_DEFAULT, ok[i],
			&(struct aa_oci_generate_opts){.features = fx->real},
			&text),
		    0);
		assert_true(asprintf(&decl, "\nprofile %s flags=", ok[i]) > 0);
		assert_true(asprintf(&peer, " peer=%s,\n", ok[i]) > 0);
		assert_non_null(strstr(text, decl));
		assert_non_null(strstr(text, peer));
	}
}

/* --- content with the real kernel's features --------------------------- */

/* Rules each template must hold, as lines of the generated text. */
static const char *const docker_rules[] = {
    "profile " NAME " flags=(attach_disconnected,mediate_deleted) {",
    "  file,",
    "  capability,",
    "  network,",
    "  deny network alg,",
    "  umount,",
    "  deny mount,",
    "  signal (receive) peer=unconfined,",
    "  signal (send, receive) peer=" NAME ",",
    "  ptrace (trace, read, tracedby, readby) peer=" NAME ",",
    "  deny @{PROC}/* w,",
    "  deny @{PROC}/sysrq-trigger rwklx,",
    "  deny @{PROC}/kcore rwklx,",
    "  deny /sys/firmware/** rwklx,",
    "  deny /sys/devices/virtual/powercap/** rwklx,",
    "  deny /sys/kernel/security/** rwklx,",
    NULL,
};

static const char *const lxc_rules[] = {
    "profile " NAME " flags=(attach_disconnected,mediate_deleted) {",
    "  file,",
    "  capability,",
    "  network,",
    "  umount,",
    "  signal (receive),",
    "  signal peer=" NAME ",",
    "  ptrace peer=" NAME ",",
    "  mount fstype=proc -> /proc/,",
    "  mount fstype=sysfs -> /sys/,",
    "  mount fstype=(tmpfs, hugetlbfs, mqueue, fuse, fuse.*),",
    "  deny mount fstype=devpts,",
    "  deny mount options=(ro, remount) -> /,",
    "  mount options=(ro, remount, bind),",
    "  deny @{PROC}/kcore rwklx,",
    "  deny @{PROC}/sysrq-trigger rwklx,",
    "  deny /sys/firmware/efi/efivars/** rwklx,",
    "  deny /sys/kernel/security/** rwklx,",
    "  deny /sys/kernel/debug/{,**} rwklx,",
    NULL,
};

static const char *const cgns_rules[] = {
    "  mount fstype=(cgroup, cgroup2) -> /sys/fs/cgroup/**,",
    NULL,
};

static bool has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return true;
	return false;
}

static void assert_lines(const char *text, const char *const *lines)
{
	for (; *lines; lines++) {
		if (!has_line(text, *lines))
			fail_msg("missing line \"%s\" in:\n%s", *lines, text);
	}
}

static void test_real_features(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		enum aa_oci_template t;
		const char *const *rules[2];
		const char *const *absent;
	} cases[] = {
	    {AA_OCI_TEMPLATE_DOCKER_DEFAULT, {docker_rules, NULL}, NULL},
	    {AA_OCI_TEMPLATE_LXC_DEFAULT, {lxc_rules, NULL}, cgns_rules},
	    {AA_OCI_TEMPLATE_LXC_DEFAULT_CGNS, {lxc_rules, cgns_rules}, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *text =
		    generate(cases[i].t, fx->real, NULL);

		for (size_t j = 0; j < 2 && cases[i].rules[j]; j++)
			assert_lines(text, cases[i].rules[j]);
		for (const char *const *l = cases[i].absent; l && *l; l++)
			assert_false(has_line(text, *l));
		/* Self-contained, fully expanded, one profile. */
		assert_non_null(strstr(text, "\n@{PROC}=/proc/\n"));
		assert_null(strstr(text, "include <"));
		assert_null(strstr(text, "@NAME@"));
		assert_null(strstr(text, "\n%"));
		assert_false(has_class(text, "abi"));
		assert_true(text[strlen(text) - 1] == '\n');
		assert_non_null(strstr(text, "\n}\n"));
		assert_null(strstr(strstr(text, "\n}\n") + 1, "{\n"));
		/* Debian's 6.1 mediates these, but neither unix nor dbus. */
		assert_true(has_class(text, "network"));
		assert_true(has_class(text, "signal"));
		assert_true(has_class(text, "ptrace"));
		assert_true(has_class(text, "mount"));
		assert_false(has_class(text, "unix"));
		assert_false(has_class(text, "dbus"));
	}
}

static void test_abi_line(void **state)
{
	struct fixture *fx = *state;

	for (int t = 0; t < _AA_OCI_TEMPLATE_MAX; t++) {
		_cleanup_free_ char *with = generate(t, fx->real, ABI);
		_cleanup_free_ char *without = generate(t, fx->real, NULL);
		const char *first = strchr(with, '\n') + 1;

		/* The first line after the header comment, before any rule. */
		assert_int_equal(strncmp(first, "abi <" ABI ">,\n",
					 strlen("abi <" ABI ">,\n")),
				 0);
		assert_true(has_class(with, "abi"));
		assert_false(has_class(without, "abi"));
		assert_string_equal(strstr(with, "\nprofile "),
				    strstr(without, "\nprofile "));
	}
}

/* --- feature awareness ------------------------------------------------- */

static void test_min_features(void **state)
{
	struct fixture *fx = *state;

	for (int t = 0; t < _AA_OCI_TEMPLATE_MAX; t++) {
		_cleanup_free_ char *text = generate(t, fx->min, NULL);

		for (size_t c = 0; c < N_CLASSES; c++)
			if (has_class(text, all_classes[c]))
				fail_msg("%s: \"%s\" rules without the feature",
					 generate_template_name(t),
					 all_classes[c]);
		assert_true(has_class(text, "file"));
		assert_true(has_class(text, "capability"));
		assert_true(has_line(text, "  deny @{PROC}/kcore rwklx,"));
		assert_true(
		    has_line(text, "  deny /sys/kernel/security/** rwklx,"));
	}
}

/*
 * Each features path on its own turns on its class, and only that one.
 * lxc-container-default uses every class.
 */
static void test_each_class(void **state)
{
	static const struct {
		const char *features; /* added to FEATURES_MIN */
		const char *class;
	} cases[] = {
	    {"network_v8 {af_mask {unix inet inet6\n}\n}\n", "network"},
	    {"network_v9 {af_mask {unix inet inet6\n}\n}\n", "network"},
	    {"network {af_mask {unix inet inet6\n}\n}\n", "network"},
	    {"network_v9 {af_unix {yes\n}\n}\n", "unix"},
	    {"network {af_unix {yes\n}\n}\n", "unix"},
	    {"signal {mask {hup int kill term\n}\n}\n", "signal"},
	    {"ptrace {mask {read trace\n}\n}\n", "ptrace"},
	    {"mount {mask {mount umount pivot_root\n}\n}\n", "mount"},
	    {"dbus {mask {acquire send receive\n}\n}\n", "dbus"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_(aa_features_unrefp) aa_features *f = NULL;
		_cleanup_free_ char *s = NULL, *text = NULL;
		bool is_unix = strcmp(cases[i].class, "unix") == 0;

		assert_true(
		    asprintf(&s, "%s%s", FEATURES_MIN, cases[i].features) > 0);
		assert_int_equal(aa_features_new_from_string(&f, s, strlen(s)),
				 0);
		text = generate(AA_OCI_TEMPLATE_LXC_DEFAULT, f, NULL);
		for (size_t c = 0; c < N_CLASSES; c++) {
			bool want = strcmp(all_classes[c], cases[i].class) == 0;

			/* af_unix sits in a network directory. */
			if (is_unix && strcmp(all_classes[c], "network") == 0)
				want = true;
			if (has_class(text, all_classes[c]) != want)
				fail_msg("features \"%s\": class %s %s",
					 cases[i].features, all_classes[c],
					 want ? "missing" : "present");
		}
	}
}

/* --- apparmor_parser compiles the result ------------------------------- */

static bool parser_checked, parser_present;

/* Skips (saying why, once) when there is no parser to test with. */
static void require_parser(void)
{
	if (!parser_checked) {
		parser_checked = true;
		parser_present = access(PARSER, X_OK) == 0;
		if (!parser_present)
			print_message("# " PARSER " not installed "
				      "(package apparmor): profiles not "
				      "compiled\n");
	}
	if (!parser_present)
		skip();
}

static int write_temp(char *path, const char *text)
{
	_cleanup_close_ int fd = mkstemp(path);
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		return -EIO;
	return 0;
}

/*
 * Compile @text with apparmor_parser against @features (file or
 * directory), no shell, with a timeout. On failure the parser's stderr is
 * printed.
 */
static void assert_compiles(const char *text, const char *features)
{
	char src[] = "/tmp/aa-oci-test-generate.XXXXXX";
	char err[] = "/tmp/aa-oci-test-generate-err.XXXXXX";
	char *const argv[] = {
	    (char *)PARSER,
	    (char *)"-QK",
	    (char *)"--kernel-features",
	    (char *)features,
	    (char *)"-o",
	    (char *)"/dev/null",
	    src,
	    NULL,
	};
	posix_spawn_file_actions_t fa;
	_cleanup_close_ int errfd = -1;
	pid_t pid;
	int status = 0, r, waited_ms = 0;

	assert_int_equal(write_temp(src, text), 0);
	errfd = mkstemp(err);
	assert_true(errfd >= 0);
	unlink(err);

	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	r = posix_spawn(&pid, PARSER, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		unlink(src);
		fail_msg("spawn %s: %s", PARSER, strerror(r));
	}

	while ((r = waitpid(pid, &status, WNOHANG)) == 0 &&
	       waited_ms < PARSER_TIMEOUT_MS) {
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000},
			  NULL);
		waited_ms += 10;
	}
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	unlink(src);

	if (r == 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char buf[4096];
		ssize_t n = pread(errfd, buf, sizeof(buf) - 1, 0);

		buf[n > 0 ? n : 0] = '\0';
		/* Not print_error(): cmocka cuts long messages short. */
		fprintf(stderr, "--- %s said:\n%s--- about:\n", PARSER, buf);
		for (int line = 1; *text; line++) {
			int len = (int)strcspn(text, "\n");

			fprintf(stderr, "%4d %.*s\n", line, len, text);
			text += len + (text[len] ? 1 : 0);
		}
		fail_msg("%s (features %s): %s", PARSER, features,
			 r == 0		     ? "timed out"
			 : WIFEXITED(status) ? "exit status not 0"
					     : "killed by a signal");
	}
}

static void test_parser_compiles(void **state)
{
	struct fixture *fx = *state;
	const struct {
		bool min;
		const char *abi;
	} cases[] = {
	    {false, NULL},
	    {false, ABI},
	    {true, NULL},
	    {true, ABI},
	};
	bool have_abi = access(ABI_DIR "/" ABI, R_OK) == 0;

	require_parser();
	if (!have_abi)
		print_message("# " ABI_DIR "/" ABI " missing: "
			      "compiling without the abi line only\n");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].abi && !have_abi)
			continue;
		for (int t = 0; t < _AA_OCI_TEMPLATE_MAX; t++) {
			_cleanup_free_ char *text = generate(
			    t, cases[i].min ? fx->min : fx->real, cases[i].abi);

			assert_compiles(text, cases[i].min ? fx->min_path
							   : FEATURES_REAL);
		}
	}
}

/* What the options add or leave out, and that every variant compiles. */
static void test_options(void **state)
{
	struct fixture *fx = *state;
	struct aa_oci_generate_opts o = {.features = fx->real};
	_cleanup_free_ char *plain = NULL, *base = NULL, *lxc_old = NULL,
			    *lxc_new = NULL, *explained = NULL,
			    *lxc_base = NULL;

	assert_int_equal(
	    generate_profile(AA_OCI_TEMPLATE_DOCKER_DEFAULT, NAME, &o, &plain),
	    0);
	/* Without the host's abstractions: self-contained. */
	assert_null(strstr(plain, "include <"));
	assert_non_null(strstr(plain, "\n@{PROC}=/proc/\n"));
	assert_null(strstr(plain, "# mirrors:"));
	/* With them, as moby does: tunables at the top, base inside. */
	o.base = true;
	assert_int_equal(
	    generate_profile(AA_OCI_TEMPLATE_DOCKER_DEFAULT, NAME, &o, &base),
	    0);
	assert_non_null(strstr(base, "\ninclude <tunables/global>\n"));
	assert_non_null(strstr(base, "{\n  include <abstractions/base>\n"));
	assert_null(strstr(base, "@{PROC}=/proc/"));
	/* LXC's profiles include no abstractions/base. */
	assert_int_equal(
	    generate_profile(AA_OCI_TEMPLATE_LXC_DEFAULT, NAME, &o, &lxc_base),
	    0);
	assert_null(strstr(lxc_base, "include <"));
	/* Mount propagation rules only for parsers that compile them right. */
	o.base = false;
	assert_int_equal(generate_profile(AA_OCI_TEMPLATE_LXC_DEFAULT_CGNS,
					  NAME, &o, &lxc_old),
			 0);
	assert_null(strstr(lxc_old, "make-slave"));
	assert_non_null(strstr(lxc_old, "mount options=(rw, bind)"));
	o.propagation = true;
	assert_int_equal(generate_profile(AA_OCI_TEMPLATE_LXC_DEFAULT_CGNS,
					  NAME, &o, &lxc_new),
			 0);
	assert_non_null(
	    strstr(lxc_new, "mount options=(rw, make-slave) -> /{,**},"));
	/* ... and not on a kernel that does not mediate mounts (%if A B). */
	{
		_cleanup_free_ char *min = NULL;
		struct aa_oci_generate_opts m = {.features = fx->min,
						 .propagation = true};

		assert_int_equal(generate_profile(AA_OCI_TEMPLATE_LXC_DEFAULT,
						  NAME, &m, &min),
				 0);
		assert_null(strstr(min, "make-slave"));
	}
	/* --explain: a note of the engine rule each group mirrors. */
	o.explain = true;
	assert_int_equal(generate_profile(AA_OCI_TEMPLATE_DOCKER_DEFAULT, NAME,
					  &o, &explained),
			 0);
	assert_non_null(
	    strstr(explained, "  # mirrors: moby: umount; deny mount\n"));
	assert_non_null(
	    strstr(explained, "# mirrors: ours only: deny network alg"));
	/* Notes are comments: without them the rules are the same bytes. */
	{
		_cleanup_free_ char *stripped = strdup(explained);
		char *w = stripped;

		for (const char *r = explained; *r;) {
			const char *nl = strchr(r, '\n');
			size_t n = nl ? (size_t)(nl - r + 1) : strlen(r);

			if (strncmp(r, "  # mirrors: ", 13) != 0) {
				memmove(w, r, n);
				w += n;
			}
			r += n;
		}
		*w = '\0';
		assert_string_equal(stripped, plain);
	}
	require_parser();
	assert_compiles(base, FEATURES_REAL);
	assert_compiles(lxc_new, FEATURES_REAL);
	assert_compiles(explained, FEATURES_REAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_mapping),
	    cmocka_unit_test(test_name_unknown),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_name_placed),
	    cmocka_unit_test(test_real_features),
	    cmocka_unit_test(test_abi_line),
	    cmocka_unit_test(test_min_features),
	    cmocka_unit_test(test_each_class),
	    cmocka_unit_test(test_parser_compiles),
	    cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests_name("generate", tests, group_setup,
					   group_teardown);
}
