/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Everything aa-oci reads from or writes to the kernel's AppArmor
 * interface lives here. Relative to the securityfs root (--apparmorfs,
 * default /sys/kernel/security/apparmor):
 *
 *   profiles    read:  the loaded profiles, one "NAME (MODE)" per line
 *   .access     write: a "label" query, answered with ENOENT when no such
 *                      profile is loaded (one lookup, not the whole list;
 *                      libapparmor's aa_query_label has no root parameter)
 *   policy/profiles/<NAME.N>/{name,mode}
 *   policy/namespaces/<NS>/profiles/<NAME.N>/{name,mode}
 *               read:  one profile's name and mode (a profile of policy
 *                      namespace NS, ":NS:NAME", in the second), without
 *                      rendering the whole list (the directory is found
 *                      once by readdir)
 *   features/   read:  what the kernel mediates (libapparmor aa_features_new);
 *                      kept for the rest of the boot in the run directory
 *                      when this is the kernel's own securityfs
 *   .replace    write: compiled policy to load or replace
 *                      (libapparmor aa_kernel_interface)
 *   .remove     write: the name of a profile to unload, or ":NS:" to
 *                      unload a whole namespace
 *                      (libapparmor aa_kernel_interface_remove_policy)
 *
 * and for the calling task (libapparmor, which picks the path the kernel
 * has: /proc/<tid>/attr/apparmor/{current,exec} or /proc/<tid>/attr/...):
 *
 *   attr current  read:  the task's own label (aa_getcon), or another
 *                        task's (aa_gettaskcon, for aa-oci status)
 *   attr exec     write: the label to take at the next execve
 *                        (aa_change_onexec, aa_stack_onexec)
 *                 read:  that it is pending (aa_getprocattr)
 *
 * and /proc/sys/kernel/random/boot_id, which tags the kept features.
 * Nothing else under /sys or /proc is touched by this file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "aa-oci/kernel.h"
#include "aa-oci/resolve.h"
#include "aa-oci/rundir.h"
#include "aa-oci/util.h"

/* The kernel renders the whole list on each read; 10,000 long names fit. */
#define AA_OCI_QUERY_MAX 512
#define PROFILES_MAX (64u << 20)

struct aa_oci_kernel {
	char *apparmorfs;
	int dirfd;
	aa_features *features;
	aa_kernel_interface *iface;
};

int kernel_open(const char *apparmorfs, struct aa_oci_kernel **ret,
		struct aa_oci_err *err)
{
	struct aa_oci_kernel *k;

	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->dirfd = open(apparmorfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (k->dirfd < 0) {
		int r = -errno;

		free(k);
		if (r == -ENOENT)
			return err_set(
			    err, r,
			    "%s does not exist: AppArmor is not enabled in "
			    "this kernel, or securityfs is not mounted (mount "
			    "-t securityfs securityfs /sys/kernel/security)",
			    apparmorfs);
		return err_set(err, r, "%s: %s", apparmorfs, strerror(-r));
	}
	k->apparmorfs = strdup(apparmorfs);
	if (!k->apparmorfs) {
		kernel_close(k);
		return -ENOMEM;
	}
	*ret = k;
	return 0;
}

void kernel_close(struct aa_oci_kernel *k)
{
	if (!k)
		return;
	if (k->iface)
		aa_kernel_interface_unref(k->iface);
	if (k->features)
		aa_features_unref(k->features);
	if (k->dirfd >= 0)
		close(k->dirfd);
	free(k->apparmorfs);
	free(k);
}

const char *kernel_apparmorfs(const struct aa_oci_kernel *k)
{
	return k->apparmorfs;
}

/* Parse "(enforce)" and friends; anything unknown is not enforce. */
static enum aa_oci_mode parse_mode(const char *p, const char *end)
{
	size_t n = (size_t)(end - p);

	if (n == 7 && memcmp(p, "enforce", 7) == 0)
		return AA_OCI_MODE_ENFORCE;
	if (n == 8 && memcmp(p, "complain", 8) == 0)
		return AA_OCI_MODE_COMPLAIN;
	return AA_OCI_MODE_OTHER;
}

static int list_mode(struct aa_oci_kernel *k, const char *name,
		     enum aa_oci_mode *ret_mode)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len, nlen = strlen(name);
	const char *p, *end;
	int r;

	fd = openat(k->dirfd, "profiles", O_RDONLY | O_CLOEXEC);
	/* A missing list is a broken interface, never "not loaded". */
	if (fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	r = read_fd_limited(fd, PROFILES_MAX, &buf, &len);
	if (r < 0)
		return r;
	end = buf + len;
	/* Lines are "NAME (MODE)"; the name may itself hold " (", so the
	 * mode is the last parenthesised word of the line. */
	for (p = buf; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) >= nlen + 3) {
			if (memcmp(p, name, nlen) == 0 && p[nlen] == ' ' &&
			    p[nlen + 1] == '(' && eol[-1] == ')' &&
			    !memchr(p + nlen + 2, '(',
				    (size_t)(eol - p - nlen - 2))) {
				*ret_mode = parse_mode(p + nlen + 2, eol - 1);
				return 0;
			}
		}
		p = eol + 1;
	}
	return -ENOENT;
}

int kernel_profile_list(struct aa_oci_kernel *k, char ***ret_names)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	char **names = NULL;
	size_t len, n = 0;
	const char *p, *end;
	int r;

	fd = openat(k->dirfd, "profiles", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	r = read_fd_limited(fd, PROFILES_MAX, &buf, &len);
	if (r < 0)
		return r;
	names = calloc(1, sizeof(char *));
	if (!names)
		return -ENOMEM;
	end = buf + len;
	/* The same rule as kernel_profile_mode: the mode is the line's last
	 * parenthesised word, the name everything before " (". */
	for (p = buf; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *open = NULL;
		char **nv;

		for (const char *q = p; q < eol; q++)
			if (*q == '(')
				open = q;
		if (open && open - p >= 2 && open[-1] == ' ' &&
		    eol[-1] == ')') {
			nv = realloc(names, (n + 2) * sizeof(char *));
			if (!nv)
				goto nomem;
			names = nv;
			names[n] = strndup(p, (size_t)(open - 1 - p));
			if (!names[n])
				goto nomem;
			names[++n] = NULL;
		}
		p = eol + 1;
	}
	*ret_names = names;
	return 0;
nomem:
	strv_free(names);
	return -ENOMEM;
}

/* The kernel's directory name for a profile: mangle_name() in apparmorfs.c
 * keeps letters, digits and "._-", turns '/' into '.' and spaces into '_',
 * drops the rest, after leading '/' and '.'; then ".N" follows. */
static void mangle(const char *name, char *out, size_t size)
{
	size_t j = 0;

	while (*name == '/' || *name == '.')
		name++;
	for (; *name && j + 1 < size; name++) {
		unsigned char c = (unsigned char)*name;

		if (c == '/')
			out[j++] = '.';
		else if (c == ' ' || (c >= '\t' && c <= '\r'))
			out[j++] = '_';
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '_' ||
			 c == '-')
			out[j++] = (char)c;
	}
	out[j] = '\0';
}

/* Read a small securityfs file under @dfd, without its final newline. */
static int read_small(int dfd, const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

static int query_exists(struct aa_oci_kernel *k, const char *name)
{
	_cleanup_close_ int fd = -1;
	char q[AA_OCI_QUERY_MAX];
	size_t n = strlen(name);
	ssize_t w;

	if (n + 8 > sizeof(q))
		return -EINVAL;
	/* "label\0" NAME "\0" and one byte of query (the file class); the
	 * kernel resolves NAME before it looks at the query. */
	memcpy(q, "label", 6);
	memcpy(q + 6, name, n + 1);
	q[6 + n + 1] = 2;
	fd = openat(k->dirfd, ".access", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -EOPNOTSUPP;
	w = write(fd, q, 6 + n + 2);
	if (w < 0)
		return errno == ENOENT ? -ENOENT : -EOPNOTSUPP;
	return 0;
}

/* Where the profile directories of @label's namespace are, and @label's
 * name within it: "policy/profiles" for the root namespace, else
 * "policy/namespaces/NS/profiles" (NS as mangled for its directory). */
static int profiles_dir(const char *label, char *buf, size_t size,
			const char **ret_base)
{
	const char *ns;
	size_t n;
	char nsbuf[300], m[300];

	if (!profile_label_split(label, &ns, &n, ret_base)) {
		snprintf(buf, size, "policy/profiles");
		return 0;
	}
	if (n >= sizeof(nsbuf))
		return -EINVAL;
	memcpy(nsbuf, ns, n);
	nsbuf[n] = '\0';
	mangle(nsbuf, m, sizeof(m));
	if (!m[0] || snprintf(buf, size, "policy/namespaces/%s/profiles", m) >=
			 (int)size)
		return -EINVAL;
	return 0;
}

static int dir_mode(struct aa_oci_kernel *k, const char *dir, const char *name,
		    enum aa_oci_mode *ret_mode)
{
	char path[1024], buf[512], parent[400];
	const char *base;

	if (strchr(dir, '/') || dir[0] == '.' ||
	    profiles_dir(name, parent, sizeof(parent), &base) < 0 ||
	    snprintf(path, sizeof(path), "%s/%s/name", parent, dir) >=
		(int)sizeof(path))
		return -EINVAL;
	/* The directory may now hold another profile, or be gone. */
	if (read_small(k->dirfd, path, buf, sizeof(buf)) < 0 ||
	    strcmp(buf, base) != 0)
		return -ESTALE;
	snprintf(path, sizeof(path), "%s/%s/mode", parent, dir);
	if (read_small(k->dirfd, path, buf, sizeof(buf)) < 0)
		return -ESTALE;
	*ret_mode = parse_mode(buf, buf + strlen(buf));
	return 0;
}

static int find_dir(struct aa_oci_kernel *k, const char *name, char **ret_dir)
{
	char prefix[300], path[1024], buf[512], parent[400];
	const char *base;
	size_t plen;
	DIR *d;
	struct dirent *de;
	int fd, r = -ENOENT;

	if (profiles_dir(name, parent, sizeof(parent), &base) < 0)
		return -EINVAL;
	mangle(base, prefix, sizeof(prefix));
	plen = strlen(prefix);
	fd = openat(k->dirfd, parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		const char *n = de->d_name;

		if (strncmp(n, prefix, plen) != 0 || n[plen] != '.' ||
		    !n[plen + 1] ||
		    strspn(n + plen + 1, "0123456789") != strlen(n + plen + 1))
			continue;
		snprintf(path, sizeof(path), "%s/%s/name", parent, n);
		if (read_small(k->dirfd, path, buf, sizeof(buf)) == 0 &&
		    streq(buf, base)) {
			*ret_dir = strdup(n);
			r = *ret_dir ? 0 : -ENOMEM;
			break;
		}
	}
	closedir(d);
	return r;
}

int kernel_profile_state(struct aa_oci_kernel *k, struct aa_oci_rundir *rd,
			 const char *name, enum aa_oci_mode *ret_mode)
{
	_cleanup_free_ char *dir = NULL;
	int r;

	/* The remembered directory: two small reads. */
	if (rd && rundir_kdir_get(rd, name, &dir) == 0 &&
	    dir_mode(k, dir, name, ret_mode) == 0)
		return 0;
	free(dir);
	dir = NULL;
	/* Not loaded: one lookup, however many profiles are loaded. */
	if (query_exists(k, name) == -ENOENT)
		return -ENOENT;
	/* Loaded (or the kernel could not say): its own directory, found
	 * once and remembered. */
	r = find_dir(k, name, &dir);
	if (r == 0 && dir_mode(k, dir, name, ret_mode) == 0) {
		if (rd)
			rundir_kdir_put(rd, name, dir);
		return 0;
	}
	/* No policy/profiles (an older kernel, a stand-in): the list. */
	return list_mode(k, name, ret_mode);
}

bool kernel_lazy_has(void *ctx, const char *name)
{
	struct aa_oci_kernel_lazy *lk = ctx;
	enum aa_oci_mode mode;

	if (!lk->k && kernel_open(lk->apparmorfs, &lk->k, NULL) < 0)
		return false;
	return kernel_profile_state(lk->k, lk->rd, name, &mode) == 0;
}

#define FEATURES_MEMO RUNDIR_FEATURES
#define FEATURES_MAX (1u << 20)
#define BOOT_ID_LEN 36

/* This boot's id, 36 characters and a NUL; false when it cannot be read. */
static bool boot_id(char id[BOOT_ID_LEN + 1])
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (read_file_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", true, 64,
			 &buf, &len) < 0 ||
	    len < BOOT_ID_LEN)
		return false;
	memcpy(id, buf, BOOT_ID_LEN);
	id[BOOT_ID_LEN] = '\0';
	return strspn(id, "0123456789abcdef-") == BOOT_ID_LEN;
}

/*
 * The features kept by an earlier run in this boot, or NULL. The file is
 * "BOOT-ID\nLENGTH\nFEATURES", LENGTH the size of FEATURES in decimal:
 * libapparmor takes any string as features, and a file cut short (whose
 * prefix is well formed: fewer features) is only told from a whole one by
 * its length.
 */
static aa_features *memo_read(struct aa_oci_rundir *rd, const char *id)
{
	_cleanup_free_ char *buf = NULL;
	aa_features *f = NULL;
	unsigned long long n = 0;
	size_t len, i = BOOT_ID_LEN + 1;

	if (rundir_read(rd, FEATURES_MEMO, FEATURES_MAX, &buf, &len) < 0 ||
	    len <= BOOT_ID_LEN + 1 || memcmp(buf, id, BOOT_ID_LEN) != 0 ||
	    buf[BOOT_ID_LEN] != '\n')
		return NULL;
	while (i < len && i < BOOT_ID_LEN + 12 && buf[i] >= '0' &&
	       buf[i] <= '9')
		n = n * 10 + (unsigned)(buf[i++] - '0');
	if (i == BOOT_ID_LEN + 1 || i >= len || buf[i] != '\n' ||
	    n != len - i - 1)
		return NULL;
	if (aa_features_new_from_string(&f, buf + i + 1, (size_t)n) < 0)
		return NULL;
	return f;
}

/* Keep @f for the rest of the boot; a failure only costs the next run a
 * walk of features/. */
static void memo_write(struct aa_oci_rundir *rd, const char *id, aa_features *f)
{
	_cleanup_close_ int fd = memfd_create("aa-oci-features", MFD_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	int head;

	if (fd < 0 || aa_features_write_to_fd(f, fd) < 0 ||
	    fstat(fd, &st) < 0 || st.st_size > FEATURES_MAX)
		return;
	buf = malloc(BOOT_ID_LEN + 24 + (size_t)st.st_size);
	if (!buf)
		return;
	head = snprintf(buf, BOOT_ID_LEN + 24, "%s\n%lld\n", id,
			(long long)st.st_size);
	if (head < 0 ||
	    pread(fd, buf + head, (size_t)st.st_size, 0) != st.st_size)
		return;
	(void)rundir_write(rd, FEATURES_MEMO, buf,
			   (size_t)head + (size_t)st.st_size);
}

int kernel_features(struct aa_oci_kernel *k, struct aa_oci_rundir *rd,
		    aa_features **ret)
{
	char id[BOOT_ID_LEN + 1];
	struct statfs sfs;
	bool memo;

	if (k->features) {
		*ret = k->features;
		return 0;
	}
	/* What the kernel's own securityfs shows cannot change before the
	 * next boot; a directory that stands in for it (tests) can. */
	memo = rd && fstatfs(k->dirfd, &sfs) == 0 &&
	       sfs.f_type == SECURITYFS_MAGIC && boot_id(id);
	if (memo && (k->features = memo_read(rd, id))) {
		*ret = k->features;
		return 0;
	}
	if (aa_features_new(&k->features, k->dirfd, "features") < 0) {
		k->features = NULL;
		return -errno;
	}
	if (memo)
		memo_write(rd, id, k->features);
	*ret = k->features;
	return 0;
}

/* The kernel interface, made on first use: reading the features costs. */
static int iface_get(struct aa_oci_kernel *k)
{
	aa_features *f = NULL;
	int r;

	if (k->iface)
		return 0;
	r = kernel_features(k, NULL, &f);
	if (r < 0)
		return r;
	if (aa_kernel_interface_new(&k->iface, f, k->apparmorfs) < 0) {
		r = -errno;
		k->iface = NULL;
		return r;
	}
	return 0;
}

int kernel_replace_policy(struct aa_oci_kernel *k, int dirfd, const char *path)
{
	int r = iface_get(k);

	if (r < 0)
		return r;
	if (aa_kernel_interface_replace_policy_from_file(k->iface, dirfd,
							 path) < 0)
		return -errno;
	return 0;
}

int kernel_replace_policy_buffer(struct aa_oci_kernel *k, const char *buf,
				 size_t len)
{
	int r = iface_get(k);

	if (r < 0)
		return r;
	if (aa_kernel_interface_replace_policy(k->iface, buf, len) < 0)
		return -errno;
	return 0;
}

int kernel_remove_profile(struct aa_oci_kernel *k, const char *name)
{
	int r = iface_get(k);

	if (r < 0)
		return r;
	if (aa_kernel_interface_remove_policy(k->iface, name) < 0)
		return -errno;
	return 0;
}

int kernel_ns_level(const char *apparmorfs, unsigned *ret)
{
	_cleanup_close_ int dfd =
	    open(apparmorfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[16], *end;
	unsigned long v;
	int r;

	if (dfd < 0)
		return -errno;
	r = read_small(dfd, ".ns_level", buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || *end || buf[0] == '-' || v > 32)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

int kernel_task_confined(bool *ret)
{
	char *label = NULL, *mode = NULL;

	if (aa_getcon(&label, &mode) < 0)
		return -errno;
	*ret = strcmp(label, "unconfined") != 0;
	free(label); /* aa_getcon: mode points into label's buffer */
	return 0;
}

int kernel_task_label(pid_t pid, char **ret_label, char **ret_mode)
{
	char *label = NULL, *mode = NULL;

	if (aa_gettaskcon(pid, &label, &mode) < 0)
		return -errno;
	/* libapparmor splits "NAME (MODE)": @mode points into @label. */
	*ret_mode = mode ? strdup(mode) : NULL;
	*ret_label = label;
	return 0;
}

int kernel_set_exec_label(const char *name, bool stack)
{
	char *label = NULL, *mode = NULL;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	int r;

	if ((stack ? aa_stack_onexec(name) : aa_change_onexec(name)) < 0)
		return -errno;
	/* Read it back: the kernel must hold it for our next execve. */
	if (aa_getprocattr(tid, "exec", &label, &mode) < 0)
		return -errno;
	/* A stacked label reads "old//&name"; a plain one "name" (a
	 * namespaced one ":NS:NAME", as written: seen in tests/vm i14-6). */
	r = -EPROTO;
	if (strcmp(label, name) == 0)
		r = 0;
	else if (stack) {
		size_t n = strlen(label), m = strlen(name);

		if (n > m + 3 && strcmp(label + n - m, name) == 0 &&
		    memcmp(label + n - m - 3, "//&", 3) == 0)
			r = 0;
	}
	free(label);
	return r;
}
