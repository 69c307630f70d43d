/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * floor: the least an OCI hook can do. Reads the container state on stdin,
 * takes "bundle" out of it (a plain string search, no JSON parser), reads
 * <bundle>/config.json whole, and exits 0. Built like any small C program
 * (cc -O2, glibc, dynamically linked), it is what aa-oci-hook is held to.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_all(int fd, char **ret, size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		cap = (size_t)st.st_size + 1;
		buf = realloc(buf, cap + 1);
	}
	for (;;) {
		ssize_t n;

		if (!buf)
			return -1;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			continue;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

int main(void)
{
	char *state, *spec, *p, *end, path[4096];
	size_t len;
	int fd;

	if (read_all(0, &state, &len) < 0)
		return 1;
	p = strstr(state, "\"bundle\"");
	if (!p || !(p = strchr(p + 8, '"')) || !(end = strchr(++p, '"')))
		return 1;
	*end = '\0';
	if (snprintf(path, sizeof(path), "%s/config.json", p) >=
	    (int)sizeof(path))
		return 1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read_all(fd, &spec, &len) < 0 || len == 0)
		return 1;
	return 0;
}
