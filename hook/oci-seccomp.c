/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The OCI `linux.seccomp` object (runtime-spec config-linux.md#seccomp),
 * from a config.json or from a file of its own, into struct aa_oci_seccomp.
 *
 * Part of the oci module: yajl is used here and nowhere past it. This file
 * checks shapes and spellings only; whether libseccomp and the kernel take
 * the result is seccomp.c's business.
 *
 * Every message starts with the JSON path of what is wrong, so a person can
 * find it in a 3000-line profile: `linux.seccomp.syscalls[3].args[0].op`;
 * what the JSON front door refuses (json.h: not JSON, too deep, \u0000, a
 * key twice) is named as it is for every other document.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "aa-oci/json.h"
#include "aa-oci/seccomp.h"
#include "aa-oci/util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(yajl_val, yajl_tree_free)
#define _cleanup_yajl_ _cleanup_(yajl_tree_freep)

/* Long enough for "linux.seccomp.syscalls[4095].args[63].valueTwo". */
#define PATH_MAX_LEN 128

/* ---- names ---- */

struct name_value {
	const char *name;
	int value;
};

static const struct name_value actions[] = {
    {"SCMP_ACT_KILL", AA_OCI_SECCOMP_KILL},
    {"SCMP_ACT_KILL_THREAD", AA_OCI_SECCOMP_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", AA_OCI_SECCOMP_KILL_PROCESS},
    {"SCMP_ACT_TRAP", AA_OCI_SECCOMP_TRAP},
    {"SCMP_ACT_ERRNO", AA_OCI_SECCOMP_ERRNO},
    {"SCMP_ACT_TRACE", AA_OCI_SECCOMP_TRACE},
    {"SCMP_ACT_ALLOW", AA_OCI_SECCOMP_ALLOW},
    {"SCMP_ACT_LOG", AA_OCI_SECCOMP_LOG},
};

static const struct name_value ops[] = {
    {"SCMP_CMP_NE", AA_OCI_SECCOMP_NE},
    {"SCMP_CMP_LT", AA_OCI_SECCOMP_LT},
    {"SCMP_CMP_LE", AA_OCI_SECCOMP_LE},
    {"SCMP_CMP_EQ", AA_OCI_SECCOMP_EQ},
    {"SCMP_CMP_GE", AA_OCI_SECCOMP_GE},
    {"SCMP_CMP_GT", AA_OCI_SECCOMP_GT},
    {"SCMP_CMP_MASKED_EQ", AA_OCI_SECCOMP_MASKED_EQ},
};

static const struct name_value flags[] = {
    /* Harmless for an exec wrapper, which is one thread when it loads. */
    {"SECCOMP_FILTER_FLAG_TSYNC", AA_OCI_SECCOMP_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", AA_OCI_SECCOMP_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", AA_OCI_SECCOMP_FLAG_SPEC_ALLOW},
};

/* The spec's SCMP_ARCH_* list; stored as libseccomp's own lowercase name. */
static const char *const arches[] = {
    "X86",     "X86_64",      "X32",	"ARM",	    "AARCH64",	   "MIPS",
    "MIPS64",  "MIPS64N32",   "MIPSEL", "MIPSEL64", "MIPSEL64N32", "PPC",
    "PPC64",   "PPC64LE",     "S390",	"S390X",    "PARISC",	   "PARISC64",
    "RISCV64", "LOONGARCH64", "M68K",	"SH",	    "SHEB",
};

static const struct name_value *lookup(const struct name_value *table, size_t n,
				       const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (streq(table[i].name, name))
			return &table[i];
	return NULL;
}

#define LOOKUP(table, name)                                                    \
	lookup((table), sizeof(table) / sizeof((table)[0]), (name))

/* ---- JSON helpers (local: oci.c keeps its own static) ---- */

/* Paths cut short at PATH_MAX_LEN are still good enough to find the spot. */
static const char *path_fmt(char *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *path_fmt(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, PATH_MAX_LEN, fmt, ap);
	va_end(ap);
	return buf;
}

/* @parent.@key, or @key at the top of a bare seccomp object. */
static const char *join(char *buf, const char *parent, const char *key)
{
	return parent[0] ? path_fmt(buf, "%s.%.64s", parent, key)
			 : path_fmt(buf, "%.64s", key);
}

static yajl_val member(yajl_val obj, const char *key)
{
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (streq(obj->u.object.keys[i], key)) {
			yajl_val v = obj->u.object.values[i];
			/* null reads as absent, as elsewhere in aa-oci */
			return YAJL_IS_NULL(v) ? NULL : v;
		}
	return NULL;
}

/* Repeated keys were refused at the front door, in every object. */
static int want_object(yajl_val v, const char *path, struct aa_oci_err *err)
{
	if (!YAJL_IS_OBJECT(v))
		return err_set(err, -EBADMSG, "%s: not an object", path);
	return 0;
}

static int want_array(yajl_val v, const char *path, size_t max,
		      struct aa_oci_err *err)
{
	if (!YAJL_IS_ARRAY(v))
		return err_set(err, -EBADMSG, "%s: not an array", path);
	if (v->u.array.len > max)
		return err_set(err, -E2BIG, "%s: more than %zu entries", path,
			       max);
	return 0;
}

static int want_string(yajl_val v, const char *path, struct aa_oci_err *err)
{
	if (!YAJL_IS_STRING(v))
		return err_set(err, -EBADMSG, "%s: not a string", path);
	return 0;
}

/*
 * A JSON number as a uint64, from its text: yajl's long long cannot hold
 * the top half of the range, and its double would round it. Only plain
 * digits are taken: no sign, no fraction, no exponent.
 */
static int get_uint(yajl_val v, const char *path, uint64_t max, uint64_t *ret,
		    struct aa_oci_err *err)
{
	const char *t;
	uint64_t n = 0;

	if (!YAJL_IS_NUMBER(v))
		return err_set(err, -EBADMSG, "%s: not a number", path);
	t = YAJL_GET_NUMBER(v);
	if (!t || !t[0])
		return err_set(err, -EINVAL, "%s: empty number", path);
	for (const char *p = t; *p; p++) {
		unsigned d;

		if (*p < '0' || *p > '9')
			goto bad;
		d = (unsigned)(*p - '0');
		if (n > (UINT64_MAX - d) / 10)
			goto bad;
		n = n * 10 + d;
	}
	if (n > max)
		goto bad;
	*ret = n;
	return 0;
bad:
	return err_set(err, -EINVAL,
		       "%s: %.40s is not a whole number from 0 to %llu", path,
		       t, (unsigned long long)max);
}

static int get_errno(yajl_val v, const char *path, unsigned *ret,
		     struct aa_oci_err *err)
{
	uint64_t n;
	int r = get_uint(v, path, AA_OCI_SECCOMP_ERRNO_MAX, &n, err);

	if (r < 0)
		return r;
	*ret = (unsigned)n;
	return 0;
}

static int get_action(yajl_val v, const char *path,
		      enum aa_oci_seccomp_action *ret, struct aa_oci_err *err)
{
	const struct name_value *a;
	int r = want_string(v, path, err);

	if (r < 0)
		return r;
	if (streq(v->u.string, "SCMP_ACT_NOTIFY"))
		return err_set(
		    err, -EINVAL,
		    "%s: SCMP_ACT_NOTIFY needs a seccomp agent listening, and "
		    "aa-oci-exec has none; use SCMP_ACT_ERRNO or run the "
		    "container with a runtime that supports listenerPath",
		    path);
	a = LOOKUP(actions, v->u.string);
	if (!a)
		return err_set(err, -EINVAL, "%s: unknown action \"%.64s\"",
			       path, v->u.string);
	*ret = (enum aa_oci_seccomp_action)a->value;
	return 0;
}

static bool takes_errno(enum aa_oci_seccomp_action a)
{
	return a == AA_OCI_SECCOMP_ERRNO || a == AA_OCI_SECCOMP_TRACE;
}

static int docker_format(const char *path, struct aa_oci_err *err)
{
	return err_set(
	    err, -EINVAL,
	    "%s: this is Docker's profile format, not the OCI one: its "
	    "conditional rules would be applied unconditionally; use the "
	    "seccomp section of a config.json Docker or Podman generated, or "
	    "--seccomp-default",
	    path);
}

/* ---- args, rules ---- */

static int parse_arg(yajl_val v, const char *path,
		     struct aa_oci_seccomp_arg *ret, struct aa_oci_err *err)
{
	struct aa_oci_seccomp_arg a = {0};
	bool have_index = false, have_value = false, have_op = false;
	char kpath[PATH_MAX_LEN];
	int r;

	r = want_object(v, path, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *k = v->u.object.keys[i];
		yajl_val val = v->u.object.values[i];
		uint64_t n;

		join(kpath, path, k);
		if (YAJL_IS_NULL(val))
			continue;
		if (streq(k, "index")) {
			r = get_uint(val, kpath, 5, &n, err);
			a.index = (unsigned)n;
			have_index = true;
		} else if (streq(k, "value")) {
			r = get_uint(val, kpath, UINT64_MAX, &a.value, err);
			have_value = true;
		} else if (streq(k, "valueTwo")) {
			r = get_uint(val, kpath, UINT64_MAX, &a.value_two, err);
		} else if (streq(k, "op")) {
			const struct name_value *o;

			r = want_string(val, kpath, err);
			if (r < 0)
				return r;
			o = LOOKUP(ops, val->u.string);
			if (!o)
				return err_set(err, -EINVAL,
					       "%s: unknown operator \"%.64s\"",
					       kpath, val->u.string);
			a.op = (enum aa_oci_seccomp_op)o->value;
			have_op = true;
		} else
			r = err_set(err, -EINVAL, "%s: unknown key", kpath);
		if (r < 0)
			return r;
	}
	if (!have_index || !have_value || !have_op)
		return err_set(err, -EINVAL, "%s: missing",
			       join(kpath, path,
				    !have_index	  ? "index"
				    : !have_value ? "value"
						  : "op"));
	*ret = a;
	return 0;
}

static bool valid_syscall_name(const char *s)
{
	if (!s[0])
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

static int parse_names(yajl_val v, const char *path, size_t *total,
		       struct aa_oci_seccomp_rule *rule, struct aa_oci_err *err)
{
	char ipath[PATH_MAX_LEN];
	size_t n;
	int r;

	r = want_array(v, path, AA_OCI_SECCOMP_NAMES_MAX, err);
	if (r < 0)
		return r;
	n = v->u.array.len;
	if (n == 0)
		return err_set(err, -EINVAL, "%s: names no syscall", path);
	if (n > AA_OCI_SECCOMP_NAMES_TOTAL - *total)
		return err_set(err, -E2BIG,
			       "%s: more than %u syscall names in all", path,
			       AA_OCI_SECCOMP_NAMES_TOTAL);
	*total += n;
	rule->names = calloc(n, sizeof(char *));
	if (!rule->names)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		yajl_val s = v->u.array.values[i];
		size_t len;

		path_fmt(ipath, "%s[%zu]", path, i);
		r = want_string(s, ipath, err);
		if (r < 0)
			return r;
		len = strlen(s->u.string);
		if (len > AA_OCI_SECCOMP_NAME_LEN)
			return err_set(err, -E2BIG, "%s: longer than %d bytes",
				       ipath, AA_OCI_SECCOMP_NAME_LEN);
		if (!valid_syscall_name(s->u.string))
			return err_set(err, -EINVAL,
				       "%s: \"%.64s\" is not a syscall name",
				       ipath, s->u.string);
		rule->names[i] = strdup(s->u.string);
		if (!rule->names[i])
			return -ENOMEM;
		rule->n_names++;
	}
	return 0;
}

static int parse_args(yajl_val v, const char *path,
		      struct aa_oci_seccomp_rule *rule, struct aa_oci_err *err)
{
	char ipath[PATH_MAX_LEN];
	size_t n;
	int r;

	r = want_array(v, path, AA_OCI_SECCOMP_ARGS_MAX, err);
	if (r < 0)
		return r;
	n = v->u.array.len;
	if (n == 0)
		return 0;
	rule->args = calloc(n, sizeof(*rule->args));
	if (!rule->args)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		path_fmt(ipath, "%s[%zu]", path, i);
		r = parse_arg(v->u.array.values[i], ipath, &rule->args[i], err);
		if (r < 0)
			return r;
		rule->n_args++;
	}
	return 0;
}

/* Fills @rule in place; on failure the caller frees what it holds. */
static int parse_rule(yajl_val v, const char *path, size_t *total,
		      struct aa_oci_seccomp_rule *rule, struct aa_oci_err *err)
{
	yajl_val errno_v = NULL;
	bool have_names = false, have_action = false;
	char kpath[PATH_MAX_LEN];
	int r;

	r = want_object(v, path, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *k = v->u.object.keys[i];
		yajl_val val = v->u.object.values[i];

		join(kpath, path, k);
		if (YAJL_IS_NULL(val))
			continue;
		if (streq(k, "names")) {
			r = parse_names(val, kpath, total, rule, err);
			have_names = true;
		} else if (streq(k, "action")) {
			r = get_action(val, kpath, &rule->action, err);
			have_action = true;
		} else if (streq(k, "errnoRet")) {
			r = get_errno(val, kpath, &rule->errno_ret, err);
			errno_v = val;
		} else if (streq(k, "args")) {
			r = parse_args(val, kpath, rule, err);
		} else if (streq(k, "comment")) {
			r = want_string(val, kpath, err);
		} else if (streq(k, "includes") || streq(k, "excludes")) {
			r = docker_format(kpath, err);
		} else
			r = err_set(err, -EINVAL, "%s: unknown key", kpath);
		if (r < 0)
			return r;
	}
	if (!have_names || !have_action)
		return err_set(
		    err, -EINVAL, "%s: missing",
		    join(kpath, path, !have_names ? "names" : "action"));
	if (errno_v && !takes_errno(rule->action))
		return err_set(err, -EINVAL,
			       "%s: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE "
			       "return an errno",
			       join(kpath, path, "errnoRet"));
	if (!errno_v)
		rule->errno_ret = EPERM; /* as runc does */
	return 0;
}

static int parse_syscalls(yajl_val v, const char *path,
			  struct aa_oci_seccomp *s, struct aa_oci_err *err)
{
	char ipath[PATH_MAX_LEN];
	size_t n, total = 0;
	int r;

	r = want_array(v, path, AA_OCI_SECCOMP_RULES_MAX, err);
	if (r < 0)
		return r;
	n = v->u.array.len;
	if (n == 0)
		return 0;
	s->rules = calloc(n, sizeof(*s->rules));
	if (!s->rules)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		path_fmt(ipath, "%s[%zu]", path, i);
		/* counted first, so a half-filled rule is freed too */
		s->n_rules++;
		r = parse_rule(v->u.array.values[i], ipath, &total,
			       &s->rules[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_arches(yajl_val v, const char *path, struct aa_oci_seccomp *s,
			struct aa_oci_err *err)
{
	char ipath[PATH_MAX_LEN];
	size_t n;
	int r;

	r = want_array(v, path, AA_OCI_SECCOMP_ARCHES_MAX, err);
	if (r < 0)
		return r;
	n = v->u.array.len;
	if (n == 0)
		return 0;
	s->arches = calloc(n, sizeof(char *));
	if (!s->arches)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		yajl_val a = v->u.array.values[i];
		const char *suffix = NULL;
		char *name;

		path_fmt(ipath, "%s[%zu]", path, i);
		r = want_string(a, ipath, err);
		if (r < 0)
			return r;
		if (!strncmp(a->u.string, "SCMP_ARCH_", 10))
			for (size_t j = 0; j < sizeof(arches) / sizeof(*arches);
			     j++)
				if (streq(a->u.string + 10, arches[j]))
					suffix = arches[j];
		if (!suffix)
			return err_set(err, -EINVAL,
				       "%s: unknown architecture \"%.64s\"",
				       ipath, a->u.string);
		name = strdup(suffix);
		if (!name)
			return -ENOMEM;
		for (char *p = name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		s->arches[s->n_arches++] = name;
	}
	return 0;
}

static int parse_flags(yajl_val v, const char *path, struct aa_oci_seccomp *s,
		       struct aa_oci_err *err)
{
	char ipath[PATH_MAX_LEN];
	int r;

	r = want_array(v, path, 16, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val f = v->u.array.values[i];
		const struct name_value *nv;

		path_fmt(ipath, "%s[%zu]", path, i);
		r = want_string(f, ipath, err);
		if (r < 0)
			return r;
		if (streq(f->u.string,
			  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"))
			return err_set(
			    err, -EINVAL,
			    "%s: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV only "
			    "applies to a seccomp agent, which aa-oci-exec "
			    "does not support",
			    ipath);
		nv = LOOKUP(flags, f->u.string);
		if (!nv)
			return err_set(err, -EINVAL,
				       "%s: unknown flag \"%.64s\"", ipath,
				       f->u.string);
		s->flags |= (unsigned)nv->value;
	}
	return 0;
}

static int parse_seccomp(yajl_val v, const char *path, struct aa_oci_seccomp *s,
			 struct aa_oci_err *err)
{
	yajl_val errno_v = NULL;
	bool have_default = false;
	char kpath[PATH_MAX_LEN];
	int r;

	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *k = v->u.object.keys[i];
		yajl_val val = v->u.object.values[i];

		join(kpath, path, k);
		if (YAJL_IS_NULL(val))
			continue;
		if (streq(k, "defaultAction")) {
			r = get_action(val, kpath, &s->default_action, err);
			have_default = true;
		} else if (streq(k, "defaultErrnoRet")) {
			r = get_errno(val, kpath, &s->default_errno_ret, err);
			errno_v = val;
		} else if (streq(k, "architectures")) {
			r = parse_arches(val, kpath, s, err);
		} else if (streq(k, "flags")) {
			r = parse_flags(val, kpath, s, err);
		} else if (streq(k, "syscalls")) {
			r = parse_syscalls(val, kpath, s, err);
		} else if (streq(k, "listenerPath") ||
			   streq(k, "listenerMetadata")) {
			r = want_string(val, kpath, err);
			if (r == 0)
				r = err_set(
				    err, -EINVAL,
				    "%s: aa-oci-exec cannot hand the filter to "
				    "a seccomp agent; remove the listener and "
				    "any SCMP_ACT_NOTIFY rules",
				    kpath);
		} else if (streq(k, "archMap")) {
			r = docker_format(kpath, err);
		} else
			r = err_set(err, -EINVAL, "%s: unknown key", kpath);
		if (r < 0)
			return r;
	}
	if (!have_default)
		return err_set(err, -EINVAL, "%s: missing",
			       join(kpath, path, "defaultAction"));
	if (errno_v && !takes_errno(s->default_action))
		return err_set(err, -EINVAL,
			       "%s: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE "
			       "return an errno",
			       join(kpath, path, "defaultErrnoRet"));
	if (!errno_v)
		s->default_errno_ret = EPERM;
	s->present = true;
	return 0;
}

/* A bare seccomp object, as opposed to a config.json, has its keys on top. */
static bool is_bare(yajl_val root)
{
	static const char *const keys[] = {
	    "defaultAction", "defaultErrnoRet",	 "architectures", "flags",
	    "listenerPath",  "listenerMetadata", "syscalls",	  "archMap",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		for (size_t j = 0; j < root->u.object.len; j++)
			if (streq(root->u.object.keys[j], keys[i]))
				return true;
	return false;
}

void oci_seccomp_free(struct aa_oci_seccomp *s)
{
	for (size_t i = 0; i < s->n_rules; i++) {
		struct aa_oci_seccomp_rule *rule = &s->rules[i];

		for (size_t j = 0; j < rule->n_names; j++)
			free(rule->names[j]);
		free(rule->names);
		free(rule->args);
	}
	free(s->rules);
	for (size_t i = 0; i < s->n_arches; i++)
		free(s->arches[i]);
	free(s->arches);
	*s = (struct aa_oci_seccomp){0};
}

int oci_seccomp_parse(const char *buf, struct aa_oci_seccomp *ret,
		      struct aa_oci_err *err)
{
	_cleanup_yajl_ yajl_val root = NULL;
	struct aa_oci_seccomp s = {0};
	yajl_val linux_v, sec;
	const char *path;
	int r;

	if (strnlen(buf, AA_OCI_SPEC_MAX + 1) > AA_OCI_SPEC_MAX)
		return err_set(err, -E2BIG,
			       "seccomp settings: larger than %u MiB",
			       AA_OCI_SPEC_MAX >> 20);
	/* Strict JSON, an object, depth, NULs, no key twice anywhere: the
	 * front door's checks, with the messages config.json gets. */
	r = json_tree(buf, "seccomp settings", &root, err);
	if (r < 0)
		return r;

	if (is_bare(root)) {
		sec = root;
		path = "";
	} else {
		linux_v = member(root, "linux");
		if (!linux_v)
			goto absent;
		r = want_object(linux_v, "linux", err);
		if (r < 0)
			return r;
		sec = member(linux_v, "seccomp");
		if (!sec)
			goto absent;
		path = "linux.seccomp";
		r = want_object(sec, path, err);
		if (r < 0)
			return r;
	}
	r = parse_seccomp(sec, path, &s, err);
	if (r < 0) {
		oci_seccomp_free(&s);
		return r;
	}
	*ret = s;
	return 0;
absent:
	*ret = (struct aa_oci_seccomp){.present = false};
	return 0;
}
