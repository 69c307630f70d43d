/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Built-in default profiles: our own equivalents of the profiles that
 * Docker (docker-default) and LXC (lxc-container-default, and its -cgns
 * variant) generate, emitted only with rules the kernel supports.
 */
#pragma once

#include <stdbool.h>
#include <sys/apparmor.h>

enum aa_oci_template {
	AA_OCI_TEMPLATE_DOCKER_DEFAULT,
	AA_OCI_TEMPLATE_LXC_DEFAULT,
	AA_OCI_TEMPLATE_LXC_DEFAULT_CGNS,
	_AA_OCI_TEMPLATE_MAX,
};

/*
 * generate_template_from_name - map a built-in profile name
 * ("docker-default", "lxc-container-default", "lxc-container-default-cgns")
 * to its template.
 * Returns: 0, -ENOENT when @name is not a built-in default, -EINVAL when
 * @name or @ret is NULL.
 */
int generate_template_from_name(const char *name, enum aa_oci_template *ret);

/*
 * generate_template_name - the built-in name of @t ("docker-default", ...),
 * or NULL when @t is not a template.
 */
const char *generate_template_name(enum aa_oci_template t);

/* What the generated text depends on besides the template and the name. */
struct aa_oci_generate_opts {
	aa_features *features; /* the kernel's (libapparmor); required: rules
				* the kernel does not mediate are left out */
	const char *abi;  /* the abi file to pin (`abi <...>,`), relative to
			   * the parser's include path, or NULL for none */
	bool base;	  /* the host has abstractions/base and
			   * tunables/global: include them where the engine
			   * does (docker-default) */
	bool propagation; /* the parser compiles mount propagation rules
			   * right (compile_parser_propagation_ok); without
			   * it `%if parser-propagation` blocks are left out */
	bool explain;	  /* keep the templates' `%explain` notes as
			   * "# mirrors: ..." comments */
};

/*
 * generate_profile - write the profile text for template @t, declaring
 * `profile @name`, into a newly allocated string, as @o says.
 * @name:     already validated with profile_name_validate(); it is placed
 *            in the text as it is.
 * The text needs no abstractions or tunables unless @o->base: only the abi
 * file, if any. @name is checked once more here: anything that could
 * change the meaning of the text (whitespace, control bytes, quotes,
 * braces, brackets, parentheses, commas, '#', '/', backslash, '@', '=',
 * pattern characters, a leading ':') is refused, as is an abi that is not
 * one token.
 * Returns: 0 or -errno (-EINVAL bad template, name, abi or NULL argument,
 * -ENOMEM, -EBADMSG a malformed built-in template, which tests catch).
 */
int generate_profile(enum aa_oci_template t, const char *name,
		     const struct aa_oci_generate_opts *o, char **ret_text);
