/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The small TOML reader (toml.h): statements and their byte ranges. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aa-oci/toml.h"
#include "aa-oci/util.h"

struct lex {
	const char *buf;
	size_t len, i;
	const char *what;
	struct aa_oci_err *err;
	char *table[TOML_PATH_MAX]; /* the current table's path */
	size_t n_table;
	char *path[2 * TOML_PATH_MAX]; /* a statement's full path */
	size_t n_path;
	size_t counted; /* newlines counted up to here, */
	unsigned line;	/* the line there */
};

static int bad_at(struct lex *l, size_t at, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "WHAT is not valid TOML: REASON (line L, column C)", at byte @at. */
static int bad_at(struct lex *l, size_t at, int code, const char *fmt, ...)
{
	char msg[256];
	unsigned line = 1, col = 1;
	va_list ap;

	for (size_t i = 0; i < at && i < l->len; i++, col++)
		if (l->buf[i] == '\n') {
			line++;
			col = 0;
		}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(l->err, code,
		       "%s is not valid TOML: %s (line %u, "
		       "column %u)",
		       l->what, msg, line, col);
}

#define bad(l, ...) bad_at((l), (l)->i, -EBADMSG, __VA_ARGS__)

static int peek(const struct lex *l, size_t k)
{
	return l->i + k < l->len ? (unsigned char)l->buf[l->i + k] : -1;
}

static bool at_newline(const struct lex *l)
{
	return peek(l, 0) == '\n' || (peek(l, 0) == '\r' && peek(l, 1) == '\n');
}

static void skip_blank(struct lex *l)
{
	while (peek(l, 0) == ' ' || peek(l, 0) == '\t')
		l->i++;
}

/* A comment runs to the end of its line; control characters other than
 * tab are not allowed in it. */
static int skip_comment(struct lex *l)
{
	if (peek(l, 0) != '#')
		return 0;
	for (; l->i < l->len && !at_newline(l); l->i++) {
		int c = peek(l, 0);

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return bad(l, "a control character in a comment");
	}
	return 0;
}

/* Blanks and a comment, then the end of the line (consumed) or of the
 * text. */
static int end_of_line(struct lex *l)
{
	int r;

	skip_blank(l);
	r = skip_comment(l);
	if (r < 0)
		return r;
	if (l->i >= l->len)
		return 0;
	if (!at_newline(l))
		return bad(l, "unexpected text after the value");
	l->i += peek(l, 0) == '\r' ? 2 : 1;
	return 0;
}

/* Blanks, newlines and comments inside an array. */
static int skip_space(struct lex *l)
{
	for (;;) {
		int r;

		skip_blank(l);
		r = skip_comment(l);
		if (r < 0)
			return r;
		if (!at_newline(l))
			return 0;
		l->i += peek(l, 0) == '\r' ? 2 : 1;
	}
}

/* A one-line string from its opening quote; its decoded text into *@ret
 * when @ret is not NULL (escapes: the simple ones and \uXXXX,
 * \UXXXXXXXX). */
static int one_line_string(struct lex *l, char **ret)
{
	int q = peek(l, 0);
	char *out = NULL;
	size_t n = 0;

	l->i++;
	if (ret) {
		out = malloc(l->len - l->i + 1);
		if (!out)
			return -ENOMEM;
	}
	for (;;) {
		int c = peek(l, 0);

		if (c < 0 || c == '\n' || c == '\r') {
			free(out);
			return bad(l, "a string without its closing quote");
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			free(out);
			return bad(l, "a control character in a string");
		}
		l->i++;
		if (c == q)
			break;
		if (c == '\\' && q == '"') {
			size_t esc = l->i - 1; /* messages point at the \\ */
			int e = peek(l, 0);
			unsigned long cp = 0;
			int digits = e == 'u' ? 4 : e == 'U' ? 8 : 0;
			const char *simple =
			    strchr("btnfr\"\\", e > 0 ? e : 'x');

			l->i++;
			if (simple && e > 0) {
				static const char to[] = "\b\t\n\f\r\"\\";

				c = to[simple - "btnfr\"\\"];
			} else if (digits) {
				for (int k = 0; k < digits; k++) {
					int h = peek(l, 0);

					if (h < 0 ||
					    !strchr("0123456789abcdefABCDEF",
						    h)) {
						free(out);
						return bad(l,
							   "a bad \\u escape");
					}
					cp =
					    cp * 16 +
					    (unsigned long)(h <= '9'
								? h - '0'
								: (h | 0x20) -
								      'a' + 10);
					l->i++;
				}
				if (cp > 0x10ffff ||
				    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0) {
					free(out);
					return bad_at(l, esc, -EBADMSG,
						      "a bad \\u escape");
				}
				if (out) {
					if (cp < 0x80) {
						out[n++] = (char)cp;
					} else if (cp < 0x800) {
						out[n++] =
						    (char)(0xc0 | (cp >> 6));
						out[n++] =
						    (char)(0x80 | (cp & 0x3f));
					} else if (cp < 0x10000) {
						out[n++] =
						    (char)(0xe0 | (cp >> 12));
						out[n++] =
						    (char)(0x80 |
							   ((cp >> 6) & 0x3f));
						out[n++] =
						    (char)(0x80 | (cp & 0x3f));
					} else {
						out[n++] =
						    (char)(0xf0 | (cp >> 18));
						out[n++] =
						    (char)(0x80 |
							   ((cp >> 12) & 0x3f));
						out[n++] =
						    (char)(0x80 |
							   ((cp >> 6) & 0x3f));
						out[n++] =
						    (char)(0x80 | (cp & 0x3f));
					}
				}
				continue;
			} else {
				free(out);
				return bad_at(l, esc, -EBADMSG,
					      "an unknown escape in a string");
			}
		}
		if (out)
			out[n++] = (char)c;
	}
	if (ret) {
		out[n] = '\0';
		*ret = out;
	}
	return 0;
}

/* A multi-line string from its opening """ or '''. */
static int multi_line_string(struct lex *l)
{
	int q = peek(l, 0);

	l->i += 3;
	for (;;) {
		int c = peek(l, 0);

		if (c < 0)
			return bad(l, "a multi-line string without its end");
		if (c == '\\' && q == '"') {
			l->i += 2;
			continue;
		}
		if (c == q && peek(l, 1) == q && peek(l, 2) == q) {
			l->i += 3;
			/* up to two quotes of the text may come before the
			 * closing ones */
			for (int k = 0; k < 2 && peek(l, 0) == q; k++)
				l->i++;
			return 0;
		}
		l->i++;
	}
}

static int value(struct lex *l, int nest);

static int array(struct lex *l, int nest)
{
	l->i++; /* [ */
	for (;;) {
		int r = skip_space(l);

		if (r < 0)
			return r;
		if (peek(l, 0) == ']') {
			l->i++;
			return 0;
		}
		r = value(l, nest + 1);
		if (r < 0)
			return r;
		r = skip_space(l);
		if (r < 0)
			return r;
		if (peek(l, 0) == ',')
			l->i++;
		else if (peek(l, 0) != ']')
			return bad(l, "expected ',' or ']' in an array");
	}
}

static bool bare_key_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* A dotted key into l->path from index @from; blanks around the dots. */
static int key(struct lex *l, size_t from)
{
	l->n_path = from;
	for (;;) {
		char *k = NULL;
		int r;

		skip_blank(l);
		if (l->n_path >= 2 * TOML_PATH_MAX)
			return bad_at(l, l->i, -E2BIG,
				      "a key of more than %d parts",
				      TOML_PATH_MAX);
		if (peek(l, 0) == '"' || peek(l, 0) == '\'') {
			r = one_line_string(l, &k);
			if (r < 0)
				return r;
		} else {
			size_t s = l->i;

			while (bare_key_char(peek(l, 0)))
				l->i++;
			if (l->i == s)
				return bad(l, "a key was expected");
			k = strndup(l->buf + s, l->i - s);
			if (!k)
				return -ENOMEM;
		}
		l->path[l->n_path++] = k;
		skip_blank(l);
		if (peek(l, 0) != '.')
			return 0;
		l->i++;
	}
}

static void path_free(struct lex *l, size_t from)
{
	for (size_t k = from; k < l->n_path; k++)
		free(l->path[k]);
	l->n_path = from;
}

static int inline_table(struct lex *l, int nest)
{
	l->i++; /* { */
	skip_blank(l);
	if (peek(l, 0) == '}') {
		l->i++;
		return 0;
	}
	for (;;) {
		size_t mark = l->n_path;
		int r = key(l, mark);

		path_free(l, mark);
		if (r < 0)
			return r;
		if (peek(l, 0) != '=')
			return bad(l, "expected '=' after a key");
		l->i++;
		skip_blank(l);
		r = value(l, nest + 1);
		if (r < 0)
			return r;
		skip_blank(l);
		if (peek(l, 0) == '}') {
			l->i++;
			return 0;
		}
		if (peek(l, 0) != ',')
			return bad(l, "expected ',' or '}' in an inline table");
		l->i++;
	}
}

/* A value from its first byte; checked, not converted. */
static int value(struct lex *l, int nest)
{
	int c = peek(l, 0);
	size_t s = l->i;

	if (nest > TOML_NEST_MAX)
		return bad_at(l, l->i, -E2BIG,
			      "arrays or inline tables nested deeper than %d",
			      TOML_NEST_MAX);
	if ((c == '"' || c == '\'') && peek(l, 1) == c && peek(l, 2) == c)
		return multi_line_string(l);
	if (c == '"' || c == '\'')
		return one_line_string(l, NULL);
	if (c == '[')
		return array(l, nest);
	if (c == '{')
		return inline_table(l, nest);
	/* numbers, booleans, dates: up to a delimiter; a date and a time
	 * may be apart by one space */
	for (;;) {
		c = peek(l, 0);
		if (c < 0 || c == ' ' || c == '\t' || c == ',' || c == ']' ||
		    c == '}' || c == '#' || c == '\n' || c == '\r') {
			if (c == ' ' && l->i - s == 10 &&
			    l->buf[s + 4] == '-' && peek(l, 1) >= '0' &&
			    peek(l, 1) <= '9') {
				l->i++;
				continue;
			}
			break;
		}
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\'' ||
		    c == '=' || c == '[' || c == '{')
			return bad(l, "an unexpected character in a value");
		l->i++;
	}
	if (l->i == s)
		return bad(l, "a value was expected");
	return 0;
}

/* The line of @at, counted on from the last statement's (statements come
 * in order): the whole text is counted once, not once per statement. */
static unsigned line_of(struct lex *l, size_t at)
{
	for (; l->counted < at; l->counted++)
		l->line += l->buf[l->counted] == '\n';
	return l->line;
}

int toml_scan(const char *buf, size_t len, const char *what,
	      int (*fn)(const struct toml_stmt *stmt, void *ud), void *ud,
	      struct aa_oci_err *err)
{
	struct lex l = {
	    .buf = buf, .len = len, .what = what, .err = err, .line = 1};
	const char *nul = memchr(buf, '\0', len);
	int r = 0;

	/* TOML allows no NUL byte, not even in a string; and every edit of
	 * the text is made with C strings */
	if (nul)
		return bad_at(&l, (size_t)(nul - buf), -EBADMSG, "a NUL byte");
	while (l.i < l.len) {
		struct toml_stmt st = {0};
		size_t s;

		skip_blank(&l);
		r = skip_comment(&l);
		if (r < 0)
			break;
		if (l.i >= l.len)
			break;
		if (at_newline(&l)) {
			l.i += peek(&l, 0) == '\r' ? 2 : 1;
			continue;
		}
		s = l.i;
		st.line = line_of(&l, s);
		st.start = s;
		if (peek(&l, 0) == '[') {
			bool arr = peek(&l, 1) == '[';

			l.i += arr ? 2 : 1;
			r = key(&l, 0);
			if (r < 0)
				break;
			if (peek(&l, 0) != ']' || (arr && peek(&l, 1) != ']')) {
				r = bad(&l, "a table header without its "
					    "closing bracket");
				break;
			}
			l.i += arr ? 2 : 1;
			r = end_of_line(&l);
			if (r < 0)
				break;
			if (l.n_path > TOML_PATH_MAX) {
				r = bad_at(&l, s, -E2BIG,
					   "a header of more than %d parts",
					   TOML_PATH_MAX);
				break;
			}
			for (size_t k = 0; k < l.n_table; k++)
				free(l.table[k]);
			for (size_t k = 0; k < l.n_path; k++)
				l.table[k] = l.path[k];
			l.n_table = l.n_path;
			l.n_path = 0;
			st.kind = arr ? TOML_ARRAY_TABLE : TOML_TABLE;
			st.path = (const char *const *)l.table;
			st.n = l.n_table;
		} else {
			for (size_t k = 0; k < l.n_table; k++) {
				l.path[k] = strdup(l.table[k]);
				if (!l.path[k]) {
					l.n_path = k;
					r = -ENOMEM;
					goto out;
				}
				l.n_path = k + 1;
			}
			r = key(&l, l.n_table);
			if (r < 0)
				break;
			if (peek(&l, 0) != '=') {
				r = bad(&l, "expected '=' after a key");
				break;
			}
			l.i++;
			skip_blank(&l);
			st.value_start = l.i;
			r = value(&l, 0);
			if (r < 0)
				break;
			st.value_end = l.i;
			st.multiline =
			    memchr(buf + st.value_start, '\n',
				   st.value_end - st.value_start) != NULL;
			r = end_of_line(&l);
			if (r < 0)
				break;
			st.kind = TOML_KEY;
			st.path = (const char *const *)l.path;
			st.n = l.n_path;
		}
		st.line_end = l.i;
		r = fn(&st, ud);
		path_free(&l, 0);
		if (r < 0)
			break;
	}
out:
	path_free(&l, 0);
	for (size_t k = 0; k < l.n_table; k++)
		free(l.table[k]);
	return r;
}

int toml_string_array(const char *buf, size_t start, size_t end, char ***ret)
{
	struct lex l = {.buf = buf, .len = end, .i = start, .what = ""};
	char **v = calloc(1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	if (memchr(buf + start, '\n', end - start) || peek(&l, 0) != '[')
		goto bad;
	l.i++;
	for (;;) {
		char *s = NULL, **nv;

		skip_blank(&l);
		if (peek(&l, 0) == ']' && n == 0)
			break;
		if (peek(&l, 0) != '"' && peek(&l, 0) != '\'')
			goto bad;
		if (one_line_string(&l, &s) < 0)
			goto bad;
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv) {
			free(s);
			strv_free(v);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = s;
		v[n] = NULL;
		skip_blank(&l);
		if (peek(&l, 0) == ',') {
			l.i++;
			skip_blank(&l);
			if (peek(&l, 0) == ']')
				break;
			continue;
		}
		if (peek(&l, 0) != ']')
			goto bad;
		break;
	}
	l.i++;
	if (l.i != end)
		goto bad;
	*ret = v;
	return 0;
bad:
	strv_free(v);
	return -EINVAL;
}
