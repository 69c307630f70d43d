/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Making sure a profile is loaded: find its source in the profile
 * directories (or generate a built-in default), compile it with
 * apparmor_parser, load the binary through the kernel interface.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "aa-oci/config.h"
#include "aa-oci/err.h"
#include "aa-oci/generate.h"
#include "aa-oci/kernel.h"
#include "aa-oci/mode.h"
#include "aa-oci/oci.h"
#include "aa-oci/rundir.h"

enum aa_oci_load_action {
	AA_OCI_LOAD_ALREADY,   /* loaded before; nothing compiled */
	AA_OCI_LOAD_FILE,      /* compiled from a file and loaded */
	AA_OCI_LOAD_GENERATED, /* a built-in default, generated and loaded */
};

struct aa_oci_load_result {
	enum aa_oci_load_action action;
	enum aa_oci_mode mode; /* the mode the kernel now reports */
	const char *note;      /* why a mode other than the one asked was
				* kept (policy_reload), or NULL */
	char *source;	       /* the file compiled, or NULL */
	bool from_cache;       /* loaded from the policy cache: no parser ran */
	char warning[AA_OCI_ERR_MAX]; /* the cache could not be used: why */
};

/*
 * load_find_source - the file in @cfg's profile_dirs that holds @name:
 * a file named @name in any directory, else a file that declares
 * `profile @name`. @name must be validated (one path component).
 * Returns: 0, or -ENOENT with the directories searched in @err.
 */
int load_find_source(const struct aa_oci_config *cfg, const char *name,
		     char **ret_path, struct aa_oci_err *err);

/*
 * load_ensure - make sure @name (a label: ":NS:NAME" loads NAME's source
 * into policy namespace NS, which the kernel creates when missing) is
 * loaded, for front-end @by, in the mode
 * @mode asks, as far as policy allows: a loaded profile is kept unless
 * policy_reload says to load it again (never weakened, an administrator's
 * mode never undone; ret->note says why another mode was kept). A load is
 * plan (find or generate the source, compile or take the cache's binary,
 * read what it declares), check (policy_check: exactly @name and its
 * children, not disabled), commit (one write to the kernel), then the
 * profile is read back from its own directory and recorded in run_dir as
 * aa-oci's. Loads are serialized with run_dir's load.lock and the state is
 * checked again under it, so two starts needing one profile compile once.
 * Returns: 0 with @ret filled, or -errno with one line in @err (-EPERM:
 * the check refused what the source declares).
 */
int load_ensure(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		enum aa_oci_loader by, const char *name, enum aa_oci_mode mode,
		struct aa_oci_load_result *ret, struct aa_oci_err *err);

/*
 * load_again - `aa-oci reload`, `enforce` and `complain`: load @name again
 * from its source through plan, check and commit, in *@mode (NULL: the
 * mode the kernel has it in, enforce when not loaded), under the load
 * lock. Only a profile aa-oci loaded itself (its record, in the mode the
 * kernel still shows) unless @force.
 * Returns: 0 with @ret filled, -EPERM not aa-oci's, or -errno with one
 * line in @err.
 */
int load_again(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
	       const char *name, const enum aa_oci_mode *mode, bool force,
	       struct aa_oci_load_result *ret, struct aa_oci_err *err);

/*
 * load_copy - load @copy, a private copy of profile @base for one
 * container, in complain mode: @base's source (or built-in) with its
 * declaration renamed @copy, through the same plan, check (exactly @copy
 * and its children) and commit as load_ensure. Other containers that use
 * @base keep it as it is.
 * Returns: 0 with @ret filled (ALREADY when @copy is loaded), or -errno
 * with one line in @err.
 */
int load_copy(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
	      enum aa_oci_loader by, const char *base, const char *copy,
	      struct aa_oci_load_result *ret, struct aa_oci_err *err);

/*
 * load_generate_text - the text of built-in default @t declaring `profile
 * @name`, for the kernel behind @k and the parser of @cfg (what the hook
 * loads and `aa-oci generate` prints are the same bytes): rule classes the
 * kernel does not mediate are left out, so are rules the parser would
 * compile into more than they say (compile_parser_propagation_ok), and
 * abstractions/base is included where the engine includes it and the host
 * has it. @explain: keep the templates' notes of which engine rule each
 * group mirrors.
 * Returns: 0 or -errno with a line in @err.
 */
int load_generate_text(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		       enum aa_oci_template t, const char *name, bool explain,
		       char **ret_text, struct aa_oci_err *err);

/*
 * load_policy_names - the top-level profile names in compiled policy @buf
 * (apparmor_parser's output). Child profiles and hats ("parent//child")
 * are left out: they go with their parent. A profile whose header names
 * a policy namespace NS is listed by its label ":NS:NAME".
 * Returns: 0 with a NULL-terminated list, -ENOENT no profile, -EINVAL a
 * name with a control character, -EBADMSG malformed, or -ENOMEM.
 */
int load_policy_names(const void *buf, size_t len, char ***ret_names);

/*
 * load_policy_declared - the same, children and hats included: every
 * profile the policy would put in the kernel.
 */
int load_policy_declared(const void *buf, size_t len, char ***ret_names);

/*
 * load_file - `aa-oci sync`'s load: the same plan, check and commit as
 * load_ensure, for every profile the file @path defines (sync owns the
 * files it syncs: any names; a disabled file is refused), into policy
 * namespace @ns (NULL: the root namespace), under the same lock. The names come
 * from the compiled policy; each is read back from its own directory after the
 * load and recorded as aa-oci's.
 * @ret_names: the top-level profiles @path defines (NULL-terminated).
 * @ret_fresh: (may be NULL) those of them the kernel did not list before
 * this load, i.e. the ones this call brought in.
 * Returns: 0, or -errno with one line in @err: -EBADMSG the parser's
 * message, -ENOENT no profile in @path or one not listed after the load,
 * -EOPNOTSUPP a profile outside @ns, -ETIMEDOUT, or the kernel's error.
 */
int load_file(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
	      const char *path, enum aa_oci_mode mode, const char *ns,
	      char ***ret_names, char ***ret_fresh, struct aa_oci_err *err);

/*
 * load_unload - unload profile @name under the load lock, so no load of
 * aa-oci's runs between a caller's decision and the removal; its record
 * in run_dir goes with it.
 * Returns: 0, -ENOENT not loaded, or -errno with one line in @err.
 */
int load_unload(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		const char *name, struct aa_oci_err *err);

/*
 * load_unload_unused - unload_unused: unload @name when aa-oci loaded it
 * on a container's request (hook, runtime, exec, lxc; in the mode the
 * kernel still shows) and no recorded container uses it any more. Under the
 * load lock, after reading the records, so a start that recorded itself is
 * never left without its profile.
 * Returns: 1 unloaded, 0 kept, or -errno with one line in @err.
 */
int load_unload_unused(struct aa_oci_kernel *k, const struct aa_oci_config *cfg,
		       const char *name, struct aa_oci_err *err);

/*
 * load_unload_namespace - `aa-oci unload --all`: unload @cfg's
 * profile_namespace, every profile in it, with one write (":NS:" to the
 * kernel's .remove), under the load lock; the records of its profiles go
 * with it (*@ret_n: how many). Tasks confined by them fall back to
 * unconfined, as with any unload.
 * Returns: 0 (also when the namespace was not there), or -errno with one
 * line in @err (-EINVAL: no profile_namespace is set).
 */
int load_unload_namespace(struct aa_oci_kernel *k,
			  const struct aa_oci_config *cfg, size_t *ret_n,
			  struct aa_oci_err *err);

void load_result_free(struct aa_oci_load_result *r);
