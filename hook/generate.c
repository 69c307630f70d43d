/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Built-in default profiles.
 *
 * The rules live in the *.rules files of profiles/templates/ (see the
 * README there), embedded at build time by hook/generate.mk. This file
 * wraps them in a self-contained profile (abi line, the variables they
 * use, the profile block), keeps only the rule classes the kernel
 * mediates, and puts the caller's name in.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/apparmor.h>

#include "aa-oci/generate.h"
#include "cleanup.h"
#include "generate-templates.h"

#define NAME_MARK "@NAME@"

/* The rule templates of each profile, in order, NULL-terminated. */
static const char *const docker_parts[] = {tmpl_docker_default, NULL};
static const char *const lxc_parts[] = {tmpl_lxc_container_base, NULL};
static const char *const lxc_cgns_parts[] = {tmpl_lxc_container_base,
					     tmpl_lxc_container_cgns, NULL};

/* base: the engine includes abstractions/base (moby's template does when
 * the host has it; LXC's profiles do not). */
static const struct {
	const char *name;
	const char *const *parts;
	bool base;
} templates[_AA_OCI_TEMPLATE_MAX] = {
    [AA_OCI_TEMPLATE_DOCKER_DEFAULT] = {"docker-default", docker_parts, true},
    [AA_OCI_TEMPLATE_LXC_DEFAULT] = {"lxc-container-default", lxc_parts, false},
    [AA_OCI_TEMPLATE_LXC_DEFAULT_CGNS] = {"lxc-container-default-cgns",
					  lxc_cgns_parts, false},
};

/*
 * The rule classes a template may make conditional (%if CLASS), and the
 * features paths that say the kernel mediates them; any one is enough.
 * Upstream kernels name the network class network_v8 (network_v9 on newer
 * ones); "network" is the older out-of-tree name, which is also where
 * af_unix appeared first. dbus is enforced by dbus-daemon, but
 * apparmor_parser drops dbus rules unless the features list "dbus".
 */
static const struct {
	const char *class;
	const char *const paths[4];
} classes[] = {
    {"network", {"network_v8", "network_v9", "network", NULL}},
    {"unix", {"network_v9/af_unix", "network/af_unix", NULL}},
    {"signal", {"signal", NULL}},
    {"ptrace", {"ptrace", NULL}},
    {"mount", {"mount", NULL}},
    {"dbus", {"dbus", NULL}},
};

int generate_template_from_name(const char *name, enum aa_oci_template *ret)
{
	if (!name || !ret)
		return -EINVAL;

	for (size_t t = 0; t < _AA_OCI_TEMPLATE_MAX; t++) {
		if (strcmp(name, templates[t].name) == 0) {
			*ret = (enum aa_oci_template)t;
			return 0;
		}
	}
	return -ENOENT;
}

const char *generate_template_name(enum aa_oci_template t)
{
	if ((unsigned)t >= _AA_OCI_TEMPLATE_MAX)
		return NULL;
	return templates[t].name;
}

/*
 * The name is validated upstream; this is the last line of defence for
 * the text we build. Refused: anything that ends a token or a rule, opens
 * a comment, string, block or variable, makes a path or a namespace, or
 * is a pattern character (the name is also a peer= pattern).
 */
static bool name_is_safe(const char *name)
{
	if (!*name || *name == ':')
		return false;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p <= ' ' || *p == 0x7f)
			return false;
		if (strchr("\"'`{}[](),#/\\*?^!=@$<>&|;", *p))
			return false;
	}
	return true;
}

/* The abi path goes between <>: one token, no closing bracket. */
static bool abi_is_safe(const char *abi)
{
	if (!*abi)
		return false;

	for (const unsigned char *p = (const unsigned char *)abi; *p; p++) {
		if (*p <= ' ' || *p == 0x7f || strchr("\"<>,#", *p))
			return false;
	}
	return true;
}

/* Returns: 1 mediated (or, for "parser-propagation", the parser compiles
 * those rules right), 0 not, -EBADMSG @class is not one we know. */
static int class_mediated(const struct aa_oci_generate_opts *o,
			  const char *class, size_t len)
{
	aa_features *features = o->features;

	if (len == 18 && strncmp(class, "parser-propagation", 18) == 0)
		return o->propagation;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (strlen(classes[i].class) != len ||
		    strncmp(classes[i].class, class, len) != 0)
			continue;
		for (const char *const *path = classes[i].paths; *path; path++)
			if (aa_features_supports(features, *path))
				return 1;
		return 0;
	}
	return -EBADMSG;
}

static void put_line(FILE *out, const char *line, size_t len, const char *name)
{
	const size_t mark_len = strlen(NAME_MARK);

	while (len > 0) {
		const char *mark = memmem(line, len, NAME_MARK, mark_len);
		size_t head = mark ? (size_t)(mark - line) : len;

		fwrite(line, 1, head, out);
		if (!mark)
			break;
		fputs(name, out);
		line += head + mark_len;
		len -= head + mark_len;
	}
	fputc('\n', out);
}

/*
 * Copy @tmpl to @out line by line, applying its directives.
 * Returns: 0, or -EBADMSG for a malformed template.
 */
static int expand(FILE *out, const char *tmpl,
		  const struct aa_oci_generate_opts *o, const char *name)
{
	bool in_if = false, keep = true;

	while (*tmpl) {
		const char *nl = strchr(tmpl, '\n');
		size_t len = nl ? (size_t)(nl - tmpl) : strlen(tmpl);
		const char *line = tmpl;

		tmpl += len + (nl ? 1 : 0);

		if (line[0] != '%') {
			if (keep)
				put_line(out, line, len, name);
			continue;
		}
		if (len >= 2 && line[1] == '#')
			continue;
		if (len > 9 && strncmp(line, "%explain ", 9) == 0) {
			/* Which engine rule a group mirrors, and how ours
			 * differs: for readers of `aa-oci generate --explain`.
			 */
			if (keep && o->explain) {
				fputs("  # mirrors: ", out);
				put_line(out, line + 9, len - 9, name);
			}
			continue;
		}
		if (len == 5 && strncmp(line, "%base", 5) == 0) {
			/* The engine includes abstractions/base when the
			 * host has it; so do we. */
			if (keep && o->base)
				fputs("  include <abstractions/base>\n", out);
			continue;
		}
		if (len > 4 && strncmp(line, "%if ", 4) == 0) {
			const char *c = line + 4, *end = line + len;

			if (in_if)
				return -EBADMSG;
			/* "%if A B": every one of them. */
			in_if = true;
			keep = true;
			while (c < end) {
				const char *sp =
				    memchr(c, ' ', (size_t)(end - c));
				size_t n =
				    sp ? (size_t)(sp - c) : (size_t)(end - c);
				int r = class_mediated(o, c, n);

				if (r < 0)
					return r;
				keep = keep && r > 0;
				c += n + 1;
			}
		} else if (len == 6 && strncmp(line, "%endif", 6) == 0) {
			if (!in_if)
				return -EBADMSG;
			in_if = false;
			keep = true;
		} else {
			return -EBADMSG;
		}
	}
	return in_if ? -EBADMSG : 0;
}

int generate_profile(enum aa_oci_template t, const char *name,
		     const struct aa_oci_generate_opts *o, char **ret_text)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_fclose_ FILE *out = NULL;
	size_t size = 0;
	int r;

	if ((unsigned)t >= _AA_OCI_TEMPLATE_MAX || !name || !o ||
	    !o->features || !ret_text)
		return -EINVAL;
	if (!name_is_safe(name) || (o->abi && !abi_is_safe(o->abi)))
		return -EINVAL;

	out = open_memstream(&text, &size);
	if (!out)
		return -errno;

	fprintf(out, "# %s: generated by aa-oci from its %s template.\n", name,
		templates[t].name);
	if (o->abi)
		fprintf(out, "abi <%s>,\n", o->abi);
	/* abstractions/base needs the host's tunables; without them, what
	 * tunables/global would define, so no include is needed. */
	if (o->base && templates[t].base)
		fputs("\ninclude <tunables/global>\n\n", out);
	else
		fputs("\n@{PROC}=/proc/\n\n", out);
	fprintf(out,
		"profile %s flags=(attach_disconnected,mediate_deleted) {\n",
		name);
	for (const char *const *part = templates[t].parts; *part; part++) {
		struct aa_oci_generate_opts po = *o;

		po.base = o->base && templates[t].base;
		r = expand(out, *part, &po, name);
		if (r < 0)
			return r;
	}
	fputs("}\n", out);

	/* Writes to a memory stream fail only for want of memory. */
	if (ferror(out))
		return -ENOMEM;
	if (fclose(TAKE_PTR(out)) != 0)
		return -ENOMEM;

	*ret_text = TAKE_PTR(text);
	return 0;
}
