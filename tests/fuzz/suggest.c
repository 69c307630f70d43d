/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rule suggestion (aa-oci suggest): audit records turned into rules for a
 * profile's local override (suggest_rules), the diff against that file
 * (suggest_diff), and the check that a profile includes it
 * (suggest_profile_includes_local). The input:
 *
 *   TEXT OF THE LOCAL OVERRIDE (also read as the profile's text)
 *   %%% log
 *   one record a line: a log line (audit_parse_line, converted as
 *   aa-oci suggest converts it), or, when it holds a \x1f, the event's
 *   fields themselves, \x1f-separated in struct aa_oci_suggest_event's
 *   order ("" is NULL)
 *
 * Every rule is one line, "  ...,"; appending the rules the diff shows
 * leaves nothing more to add.
 */
#include "fuzz.h"

#include "aa-oci/audit.h"
#include "aa-oci/suggest.h"
#include "aa-oci/util.h"

#define EVENTS_MAX 128
#define FIELDS 14

struct slot {
	struct aa_oci_audit_event e; /* when parsed from a log line */
	bool parsed;
	char proto[16];
};

static const char *field_or_null(char *s)
{
	return s && *s ? s : NULL;
}

static void from_fields(char *line, struct aa_oci_suggest_event *ev)
{
	const char *f[FIELDS] = {NULL};
	char *p = line;

	for (size_t i = 0; i < FIELDS && p; i++) {
		char *sep = strchr(p, '\x1f');

		if (sep)
			*sep = '\0';
		f[i] = field_or_null(p);
		p = sep ? sep + 1 : NULL;
	}
	*ev = (struct aa_oci_suggest_event){
	    .operation = f[0],
	    .name = f[1],
	    .name2 = f[2],
	    .requested_mask = f[3],
	    .denied_mask = f[4],
	    .capname = f[5],
	    .family = f[6],
	    .sock_type = f[7],
	    .protocol = f[8],
	    .signal = f[9],
	    .peer = f[10],
	    .fstype = f[11],
	    .flags = f[12],
	    .peer_addr = f[13],
	};
}

static int fuzz_one(const uint8_t *data, size_t size)
{
	static struct slot slots[EVENTS_MAX];
	struct aa_oci_suggest_event ev[EVENTS_MAX];
	char *text = fz_str(data, size), *log, *save = NULL, *line;
	char **rules = NULL, **refused = NULL, *diff = NULL, path[4200];
	struct aa_oci_err err = {0};
	size_t n = 0;
	int r;

	log = strstr(text, "\n%%% log\n");
	if (log) {
		*log = '\0';
		log += strlen("\n%%% log\n");
	}
	for (line = log ? strtok_r(log, "\n", &save) : NULL;
	     line && n < EVENTS_MAX; line = strtok_r(NULL, "\n", &save)) {
		struct slot *s = &slots[n];

		s->parsed = false;
		if (strchr(line, '\x1f')) {
			from_fields(line, &ev[n++]);
		} else if (audit_parse_line(line, &s->e) == 0) {
			s->parsed = true;
			suggest_event_from_audit(&s->e, &ev[n++], s->proto);
		}
	}
	r = suggest_rules(n ? ev : NULL, n, &rules, &refused);
	if (r != 0 && r != -ENOMEM)
		abort();
	for (size_t i = 0; i < n; i++)
		if (slots[i].parsed)
			audit_event_free(&slots[i].e);
	if (r != 0)
		goto out;
	for (char **x = rules; *x; x++) {
		size_t len = strlen(*x);

		if (strncmp(*x, "  ", 2) != 0 || len < 4 ||
		    (*x)[len - 1] != ',' || strpbrk(*x, "\n\r"))
			abort();
	}
	for (char **x = refused; x && *x; x++)
		if (strchr(*x, '\n'))
			abort();

	/* The diff against the override as the input's text, then once
	 * more after appending what it added: nothing new then. */
	snprintf(path, sizeof(path), "%s/local", fz_tmpdir());
	fz_write(path, text, strlen(text));
	r = suggest_diff(path, rules, &diff, &err);
	if (r == 0) {
		char *more = NULL;
		FILE *f = fopen(path, "a");

		if (!f)
			fz_die(path);
		fputc('\n', f);
		for (char **x = rules; *x; x++)
			fprintf(f, "%s\n", *x);
		fclose(f);
		if (suggest_diff(path, rules, &more, &err) != 0 || more[0])
			abort();
		free(more);
		free(diff);
	} else if (r != -E2BIG && r != -ENOMEM) {
		abort();
	}
	(void)suggest_profile_includes_local(text, "usr.sbin.nginx");
	{
		char *inc = NULL;

		if (suggest_include_line(text, &inc) == 0) {
			/* The line it makes is the line it recognises. */
			if (!suggest_profile_includes_local(inc, text))
				abort();
			free(inc);
		}
	}
out:
	strv_free(rules);
	strv_free(refused);
	free(text);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fz_fd_mark();

	fuzz_one(data, size);
	fz_fd_check(mark, "suggest");
	return 0;
}
