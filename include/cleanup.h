/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scope-bound cleanup helpers (GCC/Clang cleanup attribute).
 *
 * Every destructor here accepts "nothing to free" (NULL, -1), so a variable
 * declared with one of these attributes may be left unset on any path.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	/* close() is never retried: on Linux the fd is gone even on EINTR. */
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Declares func##p(type *p) that calls func(*p) when *p is not NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                \
	static inline void func##p(type *p)                                    \
	{                                                                      \
		if (*p)                                                        \
			func(*p);                                              \
	}

/* Hand ownership out of a cleanup-scoped variable. */
#define TAKE_PTR(p)                                                            \
	({                                                                     \
		__typeof__(p) _took = (p);                                     \
		(p) = NULL;                                                    \
		_took;                                                         \
	})

#define TAKE_FD(fd)                                                            \
	({                                                                     \
		int _took = (fd);                                              \
		(fd) = -1;                                                     \
		_took;                                                         \
	})
