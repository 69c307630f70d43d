/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running an external program (apparmor_parser): no shell, a time limit. */
#pragma once

#include <stddef.h>

struct aa_oci_spawn_result {
	int status;	   /* exit status; 128 + signal when killed by one */
	int signal;	   /* the signal that killed it, else 0 */
	int timed_out;	   /* 1 when the time limit killed it */
	char errout[1024]; /* the start of its stderr, NUL-terminated */
};

/*
 * spawn_run - run @argv[0] (an absolute path) with @argv and a minimal
 * environment, stdin and stdout on /dev/null, stderr captured. Waits at
 * most @timeout_ms, then kills it. The child runs at scheduling priority
 * @nice (setpriority; a failure to set it is ignored).
 * Returns: 0 when it ran (see @ret for how it ended), or -errno when it
 * could not be started (-ENOENT: no such program).
 */
int spawn_run(const char *const argv[], long timeout_ms, int nice,
	      struct aa_oci_spawn_result *ret);

/*
 * spawn_output - the same at our own priority, with stdout captured with
 * stderr: the first @out_size - 1 bytes of both, NUL-terminated, in @out
 * (ret->errout is then unused), for a program's answer such as
 * `apparmor_parser --version` or `runc state ID`.
 * Returns: as spawn_run.
 */
int spawn_output(const char *const argv[], long timeout_ms, char *out,
		 size_t out_size, struct aa_oci_spawn_result *ret);

/*
 * spawn_stream - the same with the program's stdout streamed to @each as
 * it comes (stderr to /dev/null), for output of any length (journalctl).
 * @each returning < 0 stops it: the program is killed and that is
 * returned. After @timeout_ms it is killed (ret->timed_out).
 * Returns: 0 when it ran (how it ended in @ret), @each's error, or -errno
 * when it could not be started.
 */
int spawn_stream(const char *const argv[], long timeout_ms,
		 int (*each)(const char *buf, size_t n, void *ud), void *ud,
		 struct aa_oci_spawn_result *ret);
