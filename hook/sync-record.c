/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "aa-oci/sync-record.h"
#include "aa-oci/util.h"

/* A few hundred bytes per profile: this is ~50,000 of them. */
#define STATE_MAX (16u << 20)

bool record_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

struct sync_owned *record_find(struct sync_record *rec, const char *name)
{
	for (size_t i = 0; i < rec->n; i++)
		if (streq(rec->v[i].name, name))
			return &rec->v[i];
	return NULL;
}

int record_set(struct sync_record *rec, const char *name, const char *path)
{
	struct sync_owned *o = record_find(rec, name), *nv;
	char *p;

	if (o && streq(o->path, path))
		return 0;
	p = strdup(path);
	if (!p)
		return -ENOMEM;
	if (o) {
		free(o->path);
		o->path = p;
		rec->dirty = true;
		return 0;
	}
	nv = realloc(rec->v, (rec->n + 1) * sizeof(*nv));
	if (!nv) {
		free(p);
		return -ENOMEM;
	}
	rec->v = nv;
	nv[rec->n].path = p;
	nv[rec->n].name = strdup(name);
	if (!nv[rec->n].name) {
		free(p);
		return -ENOMEM;
	}
	rec->n++;
	rec->dirty = true;
	return 0;
}

void record_drop(struct sync_record *rec, struct sync_owned *o)
{
	free(o->name);
	free(o->path);
	*o = rec->v[--rec->n];
	rec->dirty = true;
}

int record_read(struct sync_record *rec, int run_fd)
{
	_cleanup_free_ char *buf = NULL;
	char *line, *next;
	int r;

	r = read_file_at(run_fd, RUNDIR_SYNC_STATE, true, STATE_MAX, &buf,
			 NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (line = buf; line && *line; line = next) {
		char *tab;

		/* A last line without its newline was cut short (its file
		 * name may be a prefix of another's): dropped. */
		next = strchr(line, '\n');
		if (!next)
			break;
		*next++ = '\0';
		tab = strchr(line, '\t');
		if (line[0] == '#' || !tab || tab == line || tab[1] != '/')
			continue;
		*tab = '\0';
		if (!record_printable(line) || !record_printable(tab + 1) ||
		    record_find(rec, line))
			continue;
		r = record_set(rec, line, tab + 1);
		if (r < 0)
			return r;
	}
	rec->dirty = false;
	return 0;
}

int record_write(struct sync_record *rec, int run_fd)
{
	static const char head[] = "# aa-oci sync: the profiles it loaded, "
				   "NAME<TAB>FILE; it unloads only these\n";
	_cleanup_free_ char *buf = NULL;
	size_t size = sizeof(head), len;
	int r;

	if (!rec->dirty)
		return 0;
	for (size_t i = 0; i < rec->n; i++)
		size += strlen(rec->v[i].name) + strlen(rec->v[i].path) + 2;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	len = (size_t)sprintf(buf, "%s", head);
	for (size_t i = 0; i < rec->n; i++)
		len += (size_t)sprintf(buf + len, "%s\t%s\n", rec->v[i].name,
				       rec->v[i].path);
	r = write_file_atomic_at(run_fd, RUNDIR_SYNC_STATE, buf, len, 0600);
	if (r == 0)
		rec->dirty = false;
	return r;
}

void record_free(struct sync_record *rec)
{
	for (size_t i = 0; i < rec->n; i++) {
		free(rec->v[i].name);
		free(rec->v[i].path);
	}
	free(rec->v);
	*rec = (struct sync_record){0};
}
