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
	char *origin;  /* where it was found: an annotation key, ... */
	char *profile; /* the validated name; NULL when unconfined or none */
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

/*
 * resolve_value - turn a requested value into a profile name:
 * "localhost/NAME" -> NAME, "runtime/default" -> @cfg's runtime_default,
 * "unconfined" -> *ret_unconfined, anything else is a NAME. The name is
 * validated.
 * Returns: 0 or -errno (detail in @err).
 */
int resolve_value(const char *value, const struct aa_oci_config *cfg,
		  char **ret_name, bool *ret_unconfined,
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
