/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy.c: the one decision (every front-end, every gate and its config
 * switch, every resolution form) as one table; the reload rule; the check
 * of a compiled policy's names against what was asked; disable/ links.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "aa-oci/config.h"
#include "aa-oci/policy.h"
#include "aa-oci/util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Config switches a row turns on. */
enum {
	U = 1 << 0,  /* allow_unconfined */
	C = 1 << 1,  /* allow_complain */
	G = 1 << 2,  /* allowed_profiles: ["web*", "k8s-?"] */
	D = 1 << 3,  /* default_profile: "dflt" */
	N = 1 << 4,  /* lxc: LXC_CGNS_AWARE=1 */
	DU = 1 << 5, /* default_profile: "unconfined" */
	NS = 1 << 6, /* profile_namespace: "aa-oci" (else "") */
	R = 1 << 7,  /* the root namespace has every profile loaded */
};

#define HOOK AA_OCI_BY_HOOK
#define RT AA_OCI_BY_RUNTIME
#define EXEC AA_OCI_BY_EXEC
#define LXC AA_OCI_BY_LXC
#define ENF AA_OCI_MODE_ENFORCE
#define CMP AA_OCI_MODE_COMPLAIN
#define K8S                                                                    \
	"\"io.kubernetes.cri.container-name\": \"app\", "                      \
	"\"container.apparmor.security.beta.kubernetes.io/app\": "

/* The container the hook and wrapper rows are about. */
#define CID "3f2a9c1b7e04aa55bb"
#define COPY "web--aa-oci-3f2a9c1b7e04"

struct row {
	const char *what;
	enum aa_oci_loader fe;
	const char *ann;   /* annotations (JSON members); NULL: no spec */
	const char *spec;  /* process.apparmorProfile */
	const char *value; /* exec --profile; lxc.apparmor.profile */
	const char *mode;  /* exec --mode */
	unsigned flags;
	int ret;
	const char *profile; /* decided profile, NULL: none */
	enum aa_oci_mode want;
	const char *write; /* runtime: the new process.apparmorProfile */
	const char *says;  /* in the message (refusals), or the lxc skip */
};

/* clang-format off */
static const struct row rows[] = {
	/* The hook: it cannot change the label, so what is asked must be
	 * what process.apparmorProfile holds. */
	{"hook/nothing", HOOK, "", NULL, NULL, NULL, 0, 0, NULL, ENF, NULL, NULL},
	{"hook/spec", HOOK, "", "web", NULL, NULL, 0, 0, "web", ENF, NULL, NULL},
	{"hook/spec-unconfined-is-the-engine's", HOOK, "", "unconfined", NULL, NULL, 0, 0, NULL, ENF, NULL, NULL},
	{"hook/annotation-equals-spec", HOOK, "\"aa-oci.profile\": \"web\"", "web", NULL, NULL, 0, 0, "web", ENF, NULL, NULL},
	{"hook/annotation-spec-empty", HOOK, "\"aa-oci.profile\": \"web\"", NULL, NULL, NULL, 0, -EPERM, NULL, ENF, NULL, "process.apparmorProfile is empty"},
	{"hook/annotation-spec-differs", HOOK, "\"aa-oci.profile\": \"web\"", "other", NULL, NULL, 0, -EPERM, NULL, ENF, NULL, "which the runtime would apply instead"},
	{"hook/k8s-localhost", HOOK, K8S "\"localhost/web\"", "web", NULL, NULL, 0, 0, "web", ENF, NULL, NULL},
	{"hook/podman", HOOK, "\"io.podman.annotations.apparmor\": \"web\"", "web", NULL, NULL, 0, 0, "web", ENF, NULL, NULL},
	{"hook/default-profile-matches", HOOK, "", "dflt", NULL, NULL, D, 0, "dflt", ENF, NULL, NULL},
	{"hook/default-profile-spec-empty", HOOK, "", NULL, NULL, NULL, D, -EPERM, NULL, ENF, NULL, "aa-oci-runtime"},
	{"hook/unconfined-refused", HOOK, "\"aa-oci.profile\": \"unconfined\"", NULL, NULL, NULL, 0, -EPERM, NULL, ENF, NULL, "\"allow_unconfined\": true"},
	{"hook/unconfined-allowed", HOOK, "\"aa-oci.profile\": \"unconfined\"", NULL, NULL, NULL, U, 0, NULL, ENF, NULL, NULL},
	{"hook/unconfined-allowed-spec-differs", HOOK, "\"aa-oci.profile\": \"unconfined\"", "web", NULL, NULL, U, -EPERM, NULL, ENF, NULL, "make them agree"},
	{"hook/unconfined-allowed-spec-agrees", HOOK, "\"aa-oci.profile\": \"unconfined\"", "unconfined", NULL, NULL, U, 0, NULL, ENF, NULL, NULL},
	{"hook/complain-refused", HOOK, "\"aa-oci.mode\": \"complain\"", "web", NULL, NULL, 0, -EPERM, NULL, ENF, NULL, "\"allow_complain\": true"},
	{"hook/complain-shared-refused", HOOK, "\"aa-oci.mode\": \"complain\"", "web", NULL, NULL, C, -EPERM, NULL, ENF, NULL, "run it through aa-oci-runtime"},
	{"hook/complain-annotation-copy", HOOK, "\"aa-oci.profile\": \"web\", \"aa-oci.mode\": \"complain\"", COPY, NULL, NULL, C, 0, "web", CMP, NULL, NULL},
	{"hook/complain-copy-of-other-container", HOOK, "\"aa-oci.mode\": \"complain\"", "web--aa-oci-0123456789ab", NULL, NULL, C, -EPERM, NULL, ENF, NULL, "per container"},
	{"hook/spec-names-copy", HOOK, "", COPY, NULL, NULL, C, 0, "web", CMP, NULL, NULL},
	{"hook/spec-names-copy-no-allow", HOOK, "", COPY, NULL, NULL, 0, -EPERM, NULL, ENF, NULL, "allow_complain"},
	{"hook/enforce-asked", HOOK, "\"aa-oci.mode\": \"enforce\"", "web", NULL, NULL, 0, 0, "web", ENF, NULL, NULL},
	{"hook/mode-bogus", HOOK, "\"aa-oci.mode\": \"kill\"", "web", NULL, NULL, C, -EINVAL, NULL, ENF, NULL, "use \"enforce\" or \"complain\""},
	{"hook/allowed-glob-matches", HOOK, "", "web-1", NULL, NULL, G, 0, "web-1", ENF, NULL, NULL},
	{"hook/allowed-glob-misses", HOOK, "", "payment", NULL, NULL, G, -EPERM, NULL, ENF, NULL, "\"allowed_profiles\""},
	{"hook/allowed-engine-default", HOOK, "", "docker-default", NULL, NULL, G, 0, "docker-default", ENF, NULL, NULL},
	{"hook/allowed-runtime-default", HOOK, "\"aa-oci.profile\": \"runtime/default\"", "docker-default", NULL, NULL, G, 0, "docker-default", ENF, NULL, NULL},
	{"hook/allowed-question-mark", HOOK, "", "k8s-a", NULL, NULL, G, 0, "k8s-a", ENF, NULL, NULL},
	{"hook/traversal", HOOK, "\"aa-oci.profile\": \"localhost/../x\"", "x", NULL, NULL, 0, -EINVAL, NULL, ENF, NULL, "must start with"},
	{"hook/namespace-in-spec", HOOK, "", ":ns:x", NULL, NULL, 0, -EINVAL, NULL, ENF, NULL, "names a policy namespace"},
	{"hook/runtime-default-spec-empty", HOOK, "\"aa-oci.profile\": \"runtime/default\"", NULL, NULL, NULL, 0, -EPERM, NULL, ENF, NULL, "docker-default"},

	/* The runtime wrapper: writes the asked value over an engine's
	 * default, never over another explicit profile. */
	{"rt/annotation-empty-spec", RT, "\"aa-oci.profile\": \"web\"", NULL, NULL, NULL, 0, 0, "web", ENF, "web", NULL},
	{"rt/annotation-equals-spec", RT, "\"aa-oci.profile\": \"web\"", "web", NULL, NULL, 0, 0, "web", ENF, NULL, NULL},
	{"rt/over-docker-default", RT, "\"aa-oci.profile\": \"web\"", "docker-default", NULL, NULL, 0, 0, "web", ENF, "web", NULL},
	{"rt/over-podman-default", RT, "\"aa-oci.profile\": \"web\"", "containers-default-0.50.1", NULL, NULL, 0, 0, "web", ENF, "web", NULL},
	{"rt/over-crio-default", RT, "\"aa-oci.profile\": \"web\"", "crio-default", NULL, NULL, 0, 0, "web", ENF, "web", NULL},
	{"rt/over-containerd-default", RT, "\"aa-oci.profile\": \"web\"", "cri-containerd.apparmor.d", NULL, NULL, 0, 0, "web", ENF, "web", NULL},
	{"rt/vs-explicit-profile", RT, "\"aa-oci.profile\": \"web\"", "payment-api", NULL, NULL, 0, -EPERM, NULL, ENF, NULL, "someone chose explicitly"},
	{"rt/vs-explicit-unconfined", RT, "\"aa-oci.profile\": \"web\"", "unconfined", NULL, NULL, 0, -EPERM, NULL, ENF, NULL, "someone chose explicitly"},
	{"rt/k8s-localhost", RT, K8S "\"localhost/web\"", "docker-default", NULL, NULL, 0, 0, "web", ENF, "web", NULL},
	{"rt/k8s-runtime-default", RT, K8S "\"runtime/default\"", NULL, NULL, NULL, 0, 0, "docker-default", ENF, "docker-default", NULL},
	{"rt/podman", RT, "\"io.podman.annotations.apparmor\": \"web\"", NULL, NULL, NULL, 0, 0, "web", ENF, "web", NULL},
	{"rt/unconfined-refused", RT, "\"aa-oci.profile\": \"unconfined\"", "docker-default", NULL, NULL, 0, -EPERM, NULL, ENF, NULL, "\"allow_unconfined\": true"},
	{"rt/unconfined-allowed", RT, "\"aa-oci.profile\": \"unconfined\"", "docker-default", NULL, NULL, U, 0, NULL, ENF, "unconfined", NULL},
	{"rt/spec-alone", RT, "", "payment-api", NULL, NULL, 0, 0, "payment-api", ENF, NULL, NULL},
	{"rt/default-profile-fills", RT, "", NULL, NULL, NULL, D, 0, "dflt", ENF, "dflt", NULL},
	{"rt/default-profile-not-over-spec", RT, "", "payment-api", NULL, NULL, D, 0, "payment-api", ENF, NULL, NULL},
	{"rt/default-profile-unconfined-refused", RT, "", NULL, NULL, NULL, DU, -EPERM, NULL, ENF, NULL, "allow_unconfined"},
	{"rt/nothing", RT, "", NULL, NULL, NULL, 0, 0, NULL, ENF, NULL, NULL},
	{"rt/complain-refused", RT, "\"aa-oci.profile\": \"web\", \"aa-oci.mode\": \"complain\"", NULL, NULL, NULL, 0, -EPERM, NULL, ENF, NULL, "\"allow_complain\": true"},
	{"rt/complain-allowed", RT, "\"aa-oci.profile\": \"web\", \"aa-oci.mode\": \"complain\"", NULL, NULL, NULL, C, 0, "web", CMP, COPY, NULL},
	{"rt/complain-over-docker-default", RT, "\"aa-oci.profile\": \"web\", \"aa-oci.mode\": \"complain\"", "docker-default", NULL, NULL, C, 0, "web", CMP, COPY, NULL},
	{"rt/complain-copy-already-written", RT, "\"aa-oci.profile\": \"web\", \"aa-oci.mode\": \"complain\"", COPY, NULL, NULL, C, 0, "web", CMP, NULL, NULL},
	{"rt/complain-refused-unconfined-allowed", RT, "\"aa-oci.profile\": \"web\", \"aa-oci.mode\": \"complain\"", NULL, NULL, NULL, U, -EPERM, NULL, ENF, NULL, "allow_complain"},
	{"rt/allowed-glob", RT, "\"aa-oci.profile\": \"web-x\"", NULL, NULL, NULL, G, 0, "web-x", ENF, "web-x", NULL},
	{"rt/allowed-glob-misses", RT, "\"aa-oci.profile\": \"usr.sbin.victimd\"", NULL, NULL, NULL, G, -EPERM, NULL, ENF, NULL, "usr.sbin.victimd"},
	{"rt/allowed-runtime-default", RT, K8S "\"runtime/default\"", NULL, NULL, NULL, G, 0, "docker-default", ENF, "docker-default", NULL},
	{"rt/allowed-spec-alone-misses", RT, "", "payment-api", NULL, NULL, G, -EPERM, NULL, ENF, NULL, "allowed_profiles"},

	/* aa-oci-exec: --profile or the bundle's config.json, --mode. */
	{"exec/profile", EXEC, NULL, NULL, "web", NULL, 0, 0, "web", ENF, NULL, NULL},
	{"exec/localhost", EXEC, NULL, NULL, "localhost/web", NULL, 0, 0, "web", ENF, NULL, NULL},
	{"exec/runtime-default", EXEC, NULL, NULL, "runtime/default", NULL, 0, 0, "docker-default", ENF, NULL, NULL},
	{"exec/unconfined-refused", EXEC, NULL, NULL, "unconfined", NULL, 0, -EPERM, NULL, ENF, NULL, "--profile asks for unconfined"},
	{"exec/unconfined-allowed", EXEC, NULL, NULL, "unconfined", NULL, U, 0, NULL, ENF, NULL, NULL},
	{"exec/complain-refused", EXEC, NULL, NULL, "web", "complain", 0, -EPERM, NULL, ENF, NULL, "--mode asks for complain mode"},
	{"exec/complain-allowed", EXEC, NULL, NULL, "web", "complain", C, 0, "web", CMP, NULL, NULL},
	{"exec/enforce", EXEC, NULL, NULL, "web", "enforce", 0, 0, "web", ENF, NULL, NULL},
	{"exec/mode-bogus", EXEC, NULL, NULL, "web", "audit", C, -EINVAL, NULL, ENF, NULL, "use enforce or complain"},
	{"exec/bad-name", EXEC, NULL, NULL, "a/b", NULL, 0, -EINVAL, NULL, ENF, NULL, "not allowed"},
	{"exec/bundle-annotation", EXEC, "\"aa-oci.profile\": \"web\"", NULL, NULL, NULL, 0, 0, "web", ENF, NULL, NULL},
	{"exec/bundle-spec-unconfined", EXEC, "", "unconfined", NULL, NULL, 0, 0, NULL, ENF, NULL, NULL},
	{"exec/bundle-unconfined-refused", EXEC, "\"aa-oci.profile\": \"unconfined\"", NULL, NULL, NULL, 0, -EPERM, NULL, ENF, NULL, "allow_unconfined"},
	{"exec/bundle-complain-refused", EXEC, "\"aa-oci.mode\": \"complain\"", "web", NULL, NULL, 0, -EPERM, NULL, ENF, NULL, "allow_complain"},
	{"exec/bundle-mode-overridden", EXEC, "\"aa-oci.mode\": \"complain\"", "web", NULL, "enforce", 0, 0, "web", ENF, NULL, NULL},
	{"exec/allowed-misses", EXEC, NULL, NULL, "other", NULL, G, -EPERM, NULL, ENF, NULL, "allowed_profiles"},
	{"exec/allowed-matches", EXEC, NULL, NULL, "web1", NULL, G, 0, "web1", ENF, NULL, NULL},

	/* LXC's pre-start hook: lxc.apparmor.profile, LXC's own values. */
	{"lxc/unset", LXC, NULL, NULL, NULL, NULL, 0, 0, "lxc-container-default", ENF, NULL, NULL},
	{"lxc/unset-cgns", LXC, NULL, NULL, NULL, NULL, N, 0, "lxc-container-default-cgns", ENF, NULL, NULL},
	{"lxc/generated", LXC, NULL, NULL, "generated", NULL, 0, 0, NULL, ENF, NULL, "LXC generates"},
	{"lxc/unchanged", LXC, NULL, NULL, "unchanged", NULL, 0, 0, NULL, ENF, NULL, "leaves the AppArmor label"},
	{"lxc/unconfined", LXC, NULL, NULL, "unconfined", NULL, 0, 0, NULL, ENF, NULL, "runs unconfined"},
	{"lxc/named", LXC, NULL, NULL, "web", NULL, 0, 0, "web", ENF, NULL, NULL},
	{"lxc/stacked", LXC, NULL, NULL, "a//&b", NULL, 0, -EINVAL, NULL, ENF, NULL, "stacked"},
	{"lxc/namespaced", LXC, NULL, NULL, ":ns:a", NULL, 0, -EINVAL, NULL, ENF, NULL, "namespaced"},
	{"lxc/allowed-misses", LXC, NULL, NULL, "other", NULL, G, -EPERM, NULL, ENF, NULL, "allowed_profiles"},
	{"lxc/allowed-default", LXC, NULL, NULL, NULL, NULL, G, 0, "lxc-container-default", ENF, NULL, NULL},

	/* profile_namespace "aa-oci": a wrapper loads into it and writes the
	 * label; a hook loads where the label it sees points; a tenant never
	 * names another namespace. */
	{"ns/rt-annotation", RT, "\"aa-oci.profile\": \"web\"", NULL, NULL, NULL, NS, 0, ":aa-oci:web", ENF, ":aa-oci:web", NULL},
	{"ns/rt-spec-moved-in", RT, "", "web", NULL, NULL, NS, 0, ":aa-oci:web", ENF, ":aa-oci:web", NULL},
	{"ns/rt-spec-root-has-it", RT, "", "web", NULL, NULL, NS | R, 0, "web", ENF, NULL, NULL},
	{"ns/rt-annotation-root-has-it", RT, "\"aa-oci.profile\": \"web\"", NULL, NULL, NULL, NS | R, 0, "web", ENF, "web", NULL},
	{"ns/rt-explicit-prefix", RT, "\"aa-oci.profile\": \":aa-oci:web\"", NULL, NULL, NULL, NS | R, 0, ":aa-oci:web", ENF, ":aa-oci:web", NULL},
	{"ns/rt-spec-already-labelled", RT, "", ":aa-oci:web", NULL, NULL, NS, 0, ":aa-oci:web", ENF, NULL, NULL},
	{"ns/rt-engine-default-stays", RT, "", "docker-default", NULL, NULL, NS, 0, "docker-default", ENF, NULL, NULL},
	{"ns/rt-over-docker-default", RT, "\"aa-oci.profile\": \"web\"", "docker-default", NULL, NULL, NS, 0, ":aa-oci:web", ENF, ":aa-oci:web", NULL},
	{"ns/rt-runtime-default", RT, "\"aa-oci.profile\": \"runtime/default\"", NULL, NULL, NULL, NS, 0, ":aa-oci:docker-default", ENF, ":aa-oci:docker-default", NULL},
	{"ns/rt-complain-copy", RT, "\"aa-oci.profile\": \"web\", \"aa-oci.mode\": \"complain\"", NULL, NULL, NULL, C | NS | R, 0, ":aa-oci:web", CMP, ":aa-oci:" COPY, NULL},
	{"ns/rt-copy-already-written", RT, "\"aa-oci.profile\": \"web\", \"aa-oci.mode\": \"complain\"", ":aa-oci:" COPY, NULL, NULL, C | NS, 0, ":aa-oci:web", CMP, NULL, NULL},
	{"ns/rt-allowed-glob", RT, "\"aa-oci.profile\": \"web1\"", NULL, NULL, NULL, G | NS, 0, ":aa-oci:web1", ENF, ":aa-oci:web1", NULL},
	{"ns/rt-allowed-glob-misses-prefixed", RT, "\"aa-oci.profile\": \":aa-oci:other\"", NULL, NULL, NULL, G | NS, -EPERM, NULL, ENF, NULL, "allowed_profiles"},
	{"ns/rt-other-namespace", RT, "\"aa-oci.profile\": \":other:web\"", NULL, NULL, NULL, NS, -EINVAL, NULL, ENF, NULL, "names a policy namespace"},
	{"ns/rt-prefix-without-namespace", RT, "\"aa-oci.profile\": \":aa-oci:web\"", NULL, NULL, NULL, 0, -EINVAL, NULL, ENF, NULL, "names a policy namespace"},
	{"ns/rt-nested", RT, "\"aa-oci.profile\": \":aa-oci::x:web\"", NULL, NULL, NULL, NS, -EINVAL, NULL, ENF, NULL, "names a policy namespace"},
	{"ns/rt-prefix-only", RT, "\"aa-oci.profile\": \":aa-oci:\"", NULL, NULL, NULL, NS, -EINVAL, NULL, ENF, NULL, "names a policy namespace"},
	{"ns/rt-traversal", RT, "\"aa-oci.profile\": \":aa-oci:../x\"", NULL, NULL, NULL, NS, -EINVAL, NULL, ENF, NULL, "must start with"},
	{"ns/rt-child", RT, "\"aa-oci.profile\": \":aa-oci:web//x\"", NULL, NULL, NULL, NS, -EINVAL, NULL, ENF, NULL, "not allowed"},
	{"ns/rt-spec-other-namespace", RT, "", ":other:web", NULL, NULL, NS, -EINVAL, NULL, ENF, NULL, "names a policy namespace"},
	{"ns/hook-spec", HOOK, "", ":aa-oci:web", NULL, NULL, NS, 0, ":aa-oci:web", ENF, NULL, NULL},
	{"ns/hook-spec-root", HOOK, "", "web", NULL, NULL, NS, 0, "web", ENF, NULL, NULL},
	{"ns/hook-annotation-agrees", HOOK, "\"aa-oci.profile\": \"web\"", ":aa-oci:web", NULL, NULL, NS, 0, ":aa-oci:web", ENF, NULL, NULL},
	{"ns/hook-annotation-root-spec-ns", HOOK, "\"aa-oci.profile\": \":aa-oci:web\"", "web", NULL, NULL, NS, -EPERM, NULL, ENF, NULL, "make them agree"},
	{"ns/hook-spec-other-namespace", HOOK, "", ":other:web", NULL, NULL, NS, -EINVAL, NULL, ENF, NULL, "names a policy namespace"},
	{"ns/hook-spec-root-namespace-off", HOOK, "", ":aa-oci:web", NULL, NULL, 0, -EINVAL, NULL, ENF, NULL, "names a policy namespace"},
	{"ns/hook-complain-copy", HOOK, "\"aa-oci.profile\": \"web\", \"aa-oci.mode\": \"complain\"", ":aa-oci:" COPY, NULL, NULL, C | NS, 0, ":aa-oci:web", CMP, NULL, NULL},
	{"ns/hook-complain-copy-root-label", HOOK, "\"aa-oci.profile\": \"web\", \"aa-oci.mode\": \"complain\"", COPY, NULL, NULL, C | NS, 0, "web", CMP, NULL, NULL},
	{"ns/exec-profile", EXEC, NULL, NULL, "web", NULL, NS, 0, ":aa-oci:web", ENF, NULL, NULL},
	{"ns/exec-root-has-it", EXEC, NULL, NULL, "web", NULL, NS | R, 0, "web", ENF, NULL, NULL},
	{"ns/exec-explicit", EXEC, NULL, NULL, ":aa-oci:web", NULL, NS | R, 0, ":aa-oci:web", ENF, NULL, NULL},
	{"ns/exec-localhost", EXEC, NULL, NULL, "localhost/web", NULL, NS, 0, ":aa-oci:web", ENF, NULL, NULL},
	{"ns/exec-other-namespace", EXEC, NULL, NULL, ":x:web", NULL, NS, -EINVAL, NULL, ENF, NULL, "names a policy namespace"},
	{"ns/lxc-not-namespaced", LXC, NULL, NULL, ":aa-oci:web", NULL, NS, -EINVAL, NULL, ENF, NULL, "namespaced"},
};
/* clang-format on */

static void cfg_for(struct aa_oci_config *cfg, unsigned flags)
{
	assert_int_equal(config_init(cfg), 0);
	cfg->allow_unconfined = flags & U;
	cfg->allow_complain = flags & C;
	if (flags & G) {
		cfg->allowed_profiles = calloc(3, sizeof(char *));
		cfg->allowed_profiles[0] = strdup("web*");
		cfg->allowed_profiles[1] = strdup("k8s-?");
	}
	if (flags & D)
		cfg->default_profile = strdup("dflt");
	if (flags & DU)
		cfg->default_profile = strdup("unconfined");
	if (!(flags & NS)) {
		free(cfg->profile_namespace);
		cfg->profile_namespace = strdup("");
	}
}

static bool root_has_all(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return true;
}

static void test_decide_row(void **state)
{
	{
		const struct row *c = *state;
		struct aa_oci_config cfg;
		struct aa_oci_spec spec = {0};
		struct aa_oci_decision d = {0};
		struct aa_oci_err err = {0};
		struct aa_oci_ask ask = {
		    .fe = c->fe,
		    .value = c->value,
		    .mode = c->mode,
		    .lxc_cgns = c->flags & N,
		    .id = c->fe == HOOK || c->fe == RT ? CID : NULL,
		    .root_has = c->flags & R ? root_has_all : NULL,
		};
		char *json = NULL;
		int r;

		cfg_for(&cfg, c->flags);
		if (c->ann) {
			assert_true(
			    asprintf(&json,
				     "{\"annotations\": {%s}, \"process\": "
				     "{%s%s%s}}",
				     c->ann,
				     c->spec ? "\"apparmorProfile\": \"" : "",
				     c->spec ? c->spec : "",
				     c->spec ? "\"" : "") > 0);
			if (oci_spec_parse(json, &spec, &err) < 0)
				fail_msg("%s: %s", c->what, err.text);
			ask.spec = &spec;
		}
		r = policy_decide(&ask, &cfg, &d, &err);
		if (r != c->ret)
			fail_msg("%s: returned %d, want %d (%s)", c->what, r,
				 c->ret, err.text);
		if (r < 0 && c->says && !strstr(err.text, c->says))
			fail_msg("%s: message \"%s\" does not say \"%s\"",
				 c->what, err.text, c->says);
		if (r == 0) {
			if (c->profile
				? !d.profile || strcmp(d.profile, c->profile)
				: d.profile != NULL)
				fail_msg("%s: profile %s, want %s", c->what,
					 d.profile ? d.profile : "none",
					 c->profile ? c->profile : "none");
			if (d.profile && d.mode != c->want)
				fail_msg("%s: mode %s, want %s", c->what,
					 mode_name(d.mode), mode_name(c->want));
			if (c->write ? !d.write || strcmp(d.write, c->write)
				     : d.write != NULL)
				fail_msg("%s: writes %s, want %s", c->what,
					 d.write ? d.write : "nothing",
					 c->write ? c->write : "nothing");
			if (c->fe == LXC && c->says &&
			    (!d.skipped || !strstr(d.skipped, c->says)))
				fail_msg("%s: skipped \"%s\", want \"%s\"",
					 c->what, d.skipped ? d.skipped : "",
					 c->says);
		}
		policy_decision_free(&d);
		oci_spec_free(&spec);
		config_free(&cfg);
		free(json);
	}
}

/* --- policy_reload --- */

static void test_reload_rule(void **state)
{
	struct aa_oci_loaded ours_complain = {.mode = CMP};
	struct aa_oci_loaded ours_enforce = {.mode = ENF};
	const char *note;

	(void)state;
	/* Same mode: kept, nothing to say. */
	assert_false(policy_reload(ENF, ENF, NULL, &note));
	assert_null(note);
	assert_false(policy_reload(CMP, CMP, NULL, &note));
	assert_null(note);
	/* Never weakened. */
	assert_false(policy_reload(ENF, CMP, &ours_enforce, &note));
	assert_non_null(strstr(note, "never weakened"));
	/* aa-oci's own complain load is made strict. */
	assert_true(policy_reload(CMP, ENF, &ours_complain, &note));
	assert_null(note);
	/* Someone else's complain mode (no record, or a record of an
	 * enforce load: the kernel's mode is not what aa-oci loaded). */
	assert_false(policy_reload(CMP, ENF, NULL, &note));
	assert_non_null(strstr(note, "set outside aa-oci"));
	assert_false(policy_reload(CMP, ENF, &ours_enforce, &note));
	assert_non_null(strstr(note, "complain mode"));
	/* kill, unconfined, prompt...: what the container gets. */
	assert_false(policy_reload(AA_OCI_MODE_OTHER, ENF, NULL, &note));
	assert_non_null(strstr(note, "neither enforce nor complain"));
	assert_false(
	    policy_reload(AA_OCI_MODE_OTHER, CMP, &ours_complain, &note));
}

/* --- policy_check --- */

struct check_row {
	const char *what;
	const char *name;
	const char *declared[4];
	int ret;
	const char *says;
};

/* clang-format off */
static const struct check_row check_rows[] = {
	{"one-profile", "web", {"web"}, 0, NULL},
	{"profile-and-children", "web", {"web", "web//child", "web//hat"}, 0, NULL},
	{"two-top-level", "web", {"web", "other"}, -EPERM, "\"web\", \"other\", not only \"web\""},
	{"another-name", "web", {"notweb"}, -EPERM, "declares \"notweb\", not \"web\""},
	{"host-path-name", "usr.sbin.victimd", {"/usr/sbin/victimd"}, -EPERM, "declares \"/usr/sbin/victimd\", not \"usr.sbin.victimd\""},
	{"prefix-is-not-a-child", "web", {"web", "webx"}, -EPERM, "not only"},
	{"child-of-another", "web", {"web", "other//web"}, -EPERM, "not only"},
	{"only-children", "web", {"web//a"}, -EPERM, "not \"web\""},
	{"sync-any-names", NULL, {"a", "/usr/bin/b"}, 0, NULL},
};
/* clang-format on */

static void test_check_table(void **state)
{
	struct aa_oci_config cfg;

	(void)state;
	assert_int_equal(config_init(&cfg), 0);
	for (size_t i = 0; i < ARRAY_SIZE(check_rows); i++) {
		const struct check_row *c = &check_rows[i];
		struct aa_oci_err err = {0};
		struct aa_oci_plan_view v = {
		    .by = c->name ? HOOK : AA_OCI_BY_SYNC,
		    .name = c->name,
		    .what = "/etc/apparmor.d/f",
		    .declared = (char *const *)c->declared,
		};
		int r = policy_check(&v, &cfg, &err);

		if (r != c->ret)
			fail_msg("%s: returned %d, want %d (%s)", c->what, r,
				 c->ret, err.text);
		if (c->says && !strstr(err.text, c->says))
			fail_msg("%s: message \"%s\" does not say \"%s\"",
				 c->what, err.text, c->says);
	}
	config_free(&cfg);
}

/* --- disable/ --- */

static void test_disabled(void **state)
{
	char *d = fx_tmpdir();
	char *dis = fx_path(d, "disable");
	char *src = fx_path(d, "usr.sbin.victimd");
	char *other = fx_path(d, "web");
	char *link = fx_path(dis, "usr.sbin.victimd");
	char *got = NULL;
	struct aa_oci_config cfg;
	struct aa_oci_err err = {0};
	const char *const decl[] = {"usr.sbin.victimd", NULL};
	struct aa_oci_plan_view v = {
	    .by = HOOK,
	    .name = "usr.sbin.victimd",
	    .source = src,
	    .what = src,
	    .declared = (char *const *)decl,
	};

	(void)state;
	assert_int_equal(config_init(&cfg), 0);
	fx_write(d, "usr.sbin.victimd", "profile usr.sbin.victimd {}\n");
	fx_write(d, "web", "profile web {}\n");
	assert_false(policy_disabled(src, NULL));
	assert_int_equal(policy_source(src, &err), 0);
	assert_int_equal(policy_check(&v, &cfg, &err), 0);
	assert_int_equal(mkdir(dis, 0755), 0);
	/* aa-disable's link, relative as it makes it. */
	assert_int_equal(symlink("../usr.sbin.victimd", link), 0);
	assert_true(policy_disabled(src, &got));
	assert_string_equal(got, link);
	free(got);
	assert_false(policy_disabled(other, NULL));
	assert_int_equal(policy_source(other, &err), 0);
	assert_int_equal(policy_source(src, &err), -EPERM);
	assert_non_null(strstr(err.text, "is disabled"));
	assert_non_null(strstr(err.text, link));
	/* A dangling link disables all the same. */
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink("/nonexistent", link), 0);
	assert_int_equal(policy_source(src, &err), -EPERM);
	config_free(&cfg);
	fx_rm_rf(d);
	free(d);
	free(dis);
	free(src);
	free(other);
	free(link);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(rows) + 3] = {
	    cmocka_unit_test(test_reload_rule),
	    cmocka_unit_test(test_check_table),
	    cmocka_unit_test(test_disabled),
	};

	/* One test per row of the decision table, named after the row. */
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		tests[3 + i] = (struct CMUnitTest){
		    .name = rows[i].what,
		    .test_func = test_decide_row,
		    .initial_state = (void *)&rows[i],
		};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
