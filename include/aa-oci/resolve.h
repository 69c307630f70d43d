/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which profile a container asks for, and whether it may have it.
 *
 * Order, first match wins: the aa-oci.profile annotation; Kubernetes'
 * per-container annotation; Podman's annotation; process.apparmorProfile;
 * the config's default_profile.
 */
#pragma once

#include <stdbool.h>

#include "aa-oci/config.h"
#include "aa-oci/err.h"
#include "aa-oci/mode.h"
#include "aa-oci/oci.h"

#define AA_OCI_ANN_PROFILE "aa-oci.profile"
#define AA_OCI_ANN_MODE "aa-oci.mode"
#define AA_OCI_ANN_K8S_PREFIX "container.apparmor.security.beta.kubernetes.io/"
#define AA_OCI_ANN_PODMAN "io.podman.annotations.apparmor"

/* Profile names longer than this are refused (one path component). */
#define AA_OCI_PROFILE_NAME_MAX 255

enum aa_oci_source {
	AA_OCI_SOURCE_NONE,
	AA_OCI_SOURCE_ANNOTATION, /* aa-oci.profile */
	AA_OCI_SOURCE_KUBERNETES, /* container.apparmor.security.beta... */
	AA_OCI_SOURCE_PODMAN,	  /* io.podman.annotations.apparmor */
	AA_OCI_SOURCE_SPEC,	  /* process.apparmorProfile */
	AA_OCI_SOURCE_DEFAULT,	  /* default_profile in the config file */
	AA_OCI_SOURCE_COMMAND,	  /* aa-oci-exec --profile / --mode */
	AA_OCI_SOURCE_LXC,	  /* lxc.apparmor.profile */
};

struct aa_oci_request {
	enum aa_oci_source source;
	char *origin;	   /* where it was found: an annotation key, ... */
	char *profile;	   /* the validated name, without a namespace; NULL when
			    * unconfined or none */
	bool in_namespace; /* asked as ":NS:NAME", NS the configured
			    * profile_namespace */
	bool unconfined;
	enum aa_oci_mode mode;
	bool mode_asked; /* aa-oci.mode was given */
};

/*
 * profile_name_validate - may @name be used as a profile name here?
 * At most AA_OCI_PROFILE_NAME_MAX bytes; first byte [A-Za-z0-9_], the rest
 * [A-Za-z0-9_.+-]. That keeps names to one path component (no traversal
 * into or out of the profile directories) and leaves nothing that could
 * change the meaning of a generated profile (no spaces, quotes, braces,
 * commas, '#', '@', '/', ':' or control bytes).
 * Returns: 0, -EINVAL (reason in @err), -E2BIG too long.
 */
int profile_name_validate(const char *name, struct aa_oci_err *err);

/* Namespace names longer than this are refused. */
#define AA_OCI_NAMESPACE_NAME_MAX 64

/*
 * profile_namespace_validate - may @ns name aa-oci's policy namespace? Not
 * empty, at most AA_OCI_NAMESPACE_NAME_MAX bytes, [A-Za-z0-9_] then
 * [A-Za-z0-9_.-]: one securityfs directory name as the kernel writes it
 * (no byte it would drop or change), nothing that ends or nests a label.
 * Returns: 0 or -EINVAL (reason in @err).
 */
int profile_namespace_validate(const char *ns, struct aa_oci_err *err);

/*
 * A profile in a policy namespace is named, everywhere in aa-oci (a
 * decision, run_dir's records, the kernel's profiles list, every load and
 * unload), by its label ":NS:NAME"; one in the root namespace by NAME.
 *
 * profile_label_split - the namespace of @label (@ret_ns, @ret_ns_len;
 * NULL and 0 in the root namespace) and its name within it (@ret_base).
 * Any pointer may be NULL. Returns: true when @label is ":NS:NAME" with a
 * non-empty NS and NAME, false for anything else (then the whole of
 * @label is the base).
 */
bool profile_label_split(const char *label, const char **ret_ns,
			 size_t *ret_ns_len, const char **ret_base);

/*
 * profile_label_make - the label of profile @name in namespace @ns (NULL
 * or "": the root namespace, the name itself) in a new string.
 * Returns: 0 or -ENOMEM.
 */
int profile_label_make(const char *ns, const char *name, char **ret);

/*
 * profile_label_in - @label's name when @label is in namespace @ns (NULL
 * or "": the root namespace), else NULL (also for a NULL @label). The one
 * test of "is this label in that namespace".
 */
const char *profile_label_in(const char *label, const char *ns);

/*
 * profile_label_validate - is @label a profile name (profile_name_validate)
 * or ":NS:NAME" with NS exactly @ns (aa-oci's profile_namespace; NULL or
 * "": none is allowed) and a valid NAME? For names an administrator
 * gives aa-oci's commands, and the records they act on.
 * Returns: 0, -EINVAL or -E2BIG (reason in @err).
 */
int profile_label_validate(const char *label, const char *ns,
			   struct aa_oci_err *err);

/*
 * profile_label_base - @label's name within its namespace (a pointer into
 * @label).
 */
const char *profile_label_base(const char *label);

/*
 * resolve_value - turn a requested value into a profile name:
 * "localhost/NAME" -> NAME, "runtime/default" -> @cfg's runtime_default,
 * "unconfined" -> *ret_unconfined, ":NS:NAME" (NS exactly @cfg's
 * profile_namespace, when one is set) -> NAME with *@ret_in_namespace set,
 * anything else is a NAME. The name is validated; any other ':' is
 * refused, so a tenant never chooses a namespace.
 * Returns: 0 or -errno (detail in @err).
 */
int resolve_value(const char *value, const struct aa_oci_config *cfg,
		  char **ret_name, bool *ret_unconfined, bool *ret_in_namespace,
		  struct aa_oci_err *err);

/*
 * resolve_request - find what the container asks for. @state may be NULL
 * (aa-oci-runtime has only the bundle). Annotations are read from the
 * state and from config.json; the same key with two values is refused.
 * Returns: 0 (ret->source NONE when nothing is asked) or -errno.
 */
int resolve_request(const struct aa_oci_state *state,
		    const struct aa_oci_spec *spec,
		    const struct aa_oci_config *cfg, struct aa_oci_request *ret,
		    struct aa_oci_err *err);

/*
 * resolve_engine_default - is @name a default profile an engine writes into
 * process.apparmorProfile by itself (docker-default, containers-default-*,
 * crio-default*, cri-containerd.apparmor.d)? Those yield to an annotation;
 * any other name there was chosen by someone and does not.
 */
bool resolve_engine_default(const char *name);

/* resolve_source_name - "annotation aa-oci.profile", ... for messages. */
const char *resolve_source_name(enum aa_oci_source s);

void resolve_request_free(struct aa_oci_request *req);

/*
 * resolve_k8s_names - the Kubernetes namespace, pod and container names a
 * container carries in its annotations (CRI-O's and containerd's keys), in
 * new strings, NULL where absent (or over 253 bytes). @state may be NULL.
 */
void resolve_k8s_names(const struct aa_oci_state *state,
		       const struct aa_oci_spec *spec, char **ret_namespace,
		       char **ret_pod, char **ret_container);
