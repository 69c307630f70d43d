/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every rule about what a container (or an administrator's agent) may have
 * loaded, in one place:
 *
 *   policy_decide  which profile, which mode, and may it be asked for: the
 *                  unconfined, complain and allowed_profiles gates, and what
 *                  a hook or a runtime wrapper can apply;
 *   policy_loaded  a profile is already loaded: keep it, or load it again
 *                  (never weaken it, never undo an administrator's mode);
 *   policy_source  may this profile file be loaded at all (not disabled);
 *   policy_check   the compiled policy of a planned load, before the kernel
 *                  sees it: exactly the profile asked for.
 *
 * Every front-end (hook, runtime wrapper, exec wrapper, LXC hook) and
 * `aa-oci sync` go through these; no other file decides any of it.
 */
#pragma once

#include <stdbool.h>

#include "aa-oci/config.h"
#include "aa-oci/err.h"
#include "aa-oci/mode.h"
#include "aa-oci/oci.h"
#include "aa-oci/resolve.h"
#include "aa-oci/rundir.h"

/* What a front-end was given. */
struct aa_oci_ask {
	enum aa_oci_loader fe;
	const struct aa_oci_state *state; /* hook: the OCI state */
	const struct aa_oci_spec *spec;	  /* hook, runtime, exec --bundle */
	const char *value; /* exec --profile; lxc: lxc.apparmor.profile */
	const char *mode;  /* exec --mode; NULL when not given */
	bool lxc_cgns;	   /* lxc: LXC_CGNS_AWARE=1 */
	const char *id;	   /* the container\'s id (hook, runtime), or NULL */
	/* runtime, exec: does the root namespace have profile @name loaded?
	 * (NULL: never asked; then it is taken as not loaded.) */
	bool (*root_has)(void *ctx, const char *name);
	void *ctx;
};

/* What is to be done, decided before anything is touched. */
struct aa_oci_decision {
	enum aa_oci_source source;
	char *origin;	 /* where it was asked, for messages */
	char *profile;	 /* the profile to have loaded; NULL: none */
	bool unconfined; /* unconfined was asked and allowed */
	enum aa_oci_mode mode;
	bool mode_asked;     /* the mode was asked for (aa-oci.mode, --mode) */
	const char *write;   /* runtime: the new process.apparmorProfile */
	const char *skipped; /* lxc: why there is nothing to do */
	bool defaulted;	     /* lxc: the engine's default, nothing asked */
	char *copy;	     /* complain for one container: the private copy of
			      * profile to load and apply, or NULL */
};

/*
 * policy_decide - turn what front-end @ask->fe was given, and @cfg, into a
 * decision, or refuse: unconfined needs allow_unconfined and complain
 * needs allow_complain when a container asks for them; a name must match
 * allowed_profiles when that is set (runtime/default and the engines' own
 * defaults always pass); a hook cannot apply a name other than
 * process.apparmorProfile; a wrapper replaces only an engine's default.
 * Where the profile lives (placement(), in policy.c): a wrapper loads
 * into profile_namespace, a hook and LXC where their label points; then
 * ret->profile and ret->copy are labels ":NS:NAME".
 * Returns: 0 (ret->profile NULL when nothing is to be loaded), or -errno
 * with one line naming the thing and the fix in @err (-EPERM: refused);
 * then ret->profile, when known, still names what was asked, for the
 * caller's message (free it with policy_decision_free).
 */
int policy_decide(const struct aa_oci_ask *ask, const struct aa_oci_config *cfg,
		  struct aa_oci_decision *ret, struct aa_oci_err *err);

void policy_decision_free(struct aa_oci_decision *d);

/*
 * policy_container_id - is @id (@n bytes) a container id by runc's rule:
 * 1 to 1024 of [A-Za-z0-9_.+-], not starting with '.'? Such an id is also
 * one safe path component and fits in a profile name. The one place that
 * rule lives (records, copy names, audit attribution).
 */
bool policy_container_id(const char *id, size_t n);

/*
 * policy_copy_name - the name of container @id's private copy of
 * @profile, for complain mode in that container alone:
 * "PROFILE--aa-oci-ID12", ID12 the first 12 characters of the id.
 * Returns: 0, -EINVAL (no id, or the name would not be a valid profile
 * name), -ENOMEM.
 */
int policy_copy_name(const char *profile, const char *id, char **ret);

/*
 * policy_copy_parse - is @label (a profile name, maybe with a child
 * "//hat") a per-container copy "NAME--aa-oci-ID12" (ID12: 1 to 12 of the
 * characters of container ids)? Then *@ret_base_len (may be NULL) gets
 * the length of NAME and @ret_id (NULL, or 13 bytes) ID12. The one reader
 * of the names policy_copy_name makes (audit attribution uses it too).
 * Returns: true or false.
 */
bool policy_copy_parse(const char *label, size_t *ret_base_len, char *ret_id);

/*
 * policy_copy_base - is @name container @id's private copy of a profile?
 * Then *@ret_base (may be NULL) gets that profile's name.
 * Returns: true or false.
 */
bool policy_copy_base(const char *name, const char *id, char **ret_base);

/*
 * policy_loaded - @name is loaded in mode @have and @want is asked:
 * should it be loaded again? A loaded profile is never weakened (enforce
 * kept when complain is asked), a mode the kernel reports that is neither
 * enforce nor complain is what the container gets, and a profile is only
 * replaced for a container when aa-oci loaded it itself in the mode the
 * kernel still shows (@rec, NULL when there is no record): an
 * administrator's aa-complain is never undone by a container start.
 * @ret_note (may be NULL) gets why a mode other than @want was kept.
 * Returns: true to load it again.
 */
bool policy_reload(enum aa_oci_mode have, enum aa_oci_mode want,
		   const struct aa_oci_loaded *rec, const char **ret_note);

/* The compiled policy a load would commit, as the check sees it. */
struct aa_oci_plan_view {
	enum aa_oci_loader by;
	const char *name;      /* asked for; NULL for sync (a whole file) */
	const char *ns;	       /* the namespace it goes into; NULL: root */
	const char *source;    /* the file compiled; NULL when generated */
	const char *what;      /* the source's name in messages */
	char *const *declared; /* every profile in the compiled policy */
};

/*
 * policy_source - may the profile file @path be compiled and loaded, for
 * any front-end? Not when a link in <dir>/disable/ disables it (checked
 * before the compile: apparmor_parser itself skips such a file and
 * compiles nothing).
 * Returns: 0, or -EPERM naming the link in @err.
 */
int policy_source(const char *path, struct aa_oci_err *err);

/*
 * policy_check - may this compiled policy go to the kernel? For a
 * container: it declares @name and nothing but @name and its own children
 * (@name//...). `aa-oci sync` (@name NULL) owns the files it syncs, all
 * of their names, in the namespace it syncs into (@ns) and no other.
 * Returns: 0, or -EPERM with what it declares in @err.
 */
int policy_check(const struct aa_oci_plan_view *p,
		 const struct aa_oci_config *cfg, struct aa_oci_err *err);

/*
 * policy_disabled - is the profile file @path disabled: does the
 * directory it is in hold disable/<its name> (a link, as aa-disable makes,
 * or any file)? @ret_link gets that path.
 * Returns: true when disabled.
 */
bool policy_disabled(const char *path, char **ret_link);
