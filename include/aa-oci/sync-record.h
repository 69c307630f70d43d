/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The record of what `aa-oci sync` loaded: <run_dir>/sync.state, one
 * "NAME<TAB>FILE" line per profile. The agent unloads only profiles in it,
 * so a profile loaded by anything else is never touched.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "aa-oci/rundir.h"

struct sync_owned {
	char *name;
	char *path; /* the file it was last loaded from */
};

struct sync_record {
	struct sync_owned *v;
	size_t n;
	bool dirty; /* changed since it was last read or written */
};

/* record_find - the entry for profile @name, or NULL. */
struct sync_owned *record_find(struct sync_record *rec, const char *name);

/*
 * record_set - record @name as loaded from @path (replacing the path of an
 * entry it already has). Returns: 0 or -ENOMEM.
 */
int record_set(struct sync_record *rec, const char *name, const char *path);

/* record_drop - forget @o, an entry of @rec. */
void record_drop(struct sync_record *rec, struct sync_owned *o);

/*
 * record_read - add the entries of sync.state under @run_fd (absent: none).
 * A line that does not parse is dropped: its profile is then never unloaded,
 * the safe side. Returns: 0 or -errno from reading the file.
 */
int record_read(struct sync_record *rec, int run_fd);

/*
 * record_write - replace sync.state under @run_fd (temporary file, rename)
 * when @rec changed; it stays changed when that fails.
 * Returns: 0 or -errno.
 */
int record_write(struct sync_record *rec, int run_fd);

void record_free(struct sync_record *rec);

/* record_printable - no control bytes: the record is line-based. */
bool record_printable(const char *s);
