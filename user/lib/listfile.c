// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* List files: one CIDR a line, comments, the drop-list formats. */
#include "listfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safefile.h"
#include "yamlwalk.h"

/* Longer than any CIDR ("ffff:...:ffff/128" is 43 characters). */
#define TOKEN_MAX 64

/* Where a parse is in the text. */
struct cursor {
	const char *p, *end;
	unsigned long line; /* of the line last read */
};

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' ||
	       ch == '\f';
}

/*
 * The next line's entry: 1 with *tok, *toklen set, 0 at the end of the
 * text. Comments and blank lines are skipped; *bad says the entry holds
 * whitespace (two words on a line) or a NUL.
 */
static int next_token(struct cursor *c, const char **tok, size_t *toklen,
		      bool *bad)
{
	while (c->p < c->end) {
		const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
		const char *e = nl ? nl : c->end, *s = c->p, *q;

		c->p = nl ? nl + 1 : c->end;
		c->line++;
		for (q = s; q < e && *q != '#' && *q != ';'; q++)
			;
		e = q;
		while (s < e && is_space(*s))
			s++;
		while (e > s && is_space(e[-1]))
			e--;
		if (s == e)
			continue;
		*bad = false;
		for (q = s; q < e; q++)
			if (is_space(*q) || !*q)
				*bad = true;
		*tok = s;
		*toklen = (size_t)(e - s);
		return 1;
	}
	return 0;
}

/* A token as a CIDR: 0, or -EINVAL with *why. */
static int token_cidr(const char *tok, size_t len, bool bad,
		      struct fg_cidr *out, const char **why)
{
	char buf[TOKEN_MAX];

	if (bad) {
		*why = "one CIDR or address a line; a comment starts with # "
		       "or ;";
		return -EINVAL;
	}
	if (len >= sizeof(buf)) {
		*why = "too long for an address or CIDR";
		return -EINVAL;
	}
	memcpy(buf, tok, len);
	buf[len] = '\0';
	return fg_parse_cidr(buf, out, why);
}

static int grow(struct fg_cidr **arr, size_t *cap, size_t want)
{
	size_t c = *cap ? *cap : 1024;
	struct fg_cidr *a;

	while (c < want)
		c *= 2;
	a = realloc(*arr, c * sizeof(*a));
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = c;
	return 0;
}

/* A token as messages show it: quoted, cut, unprintables replaced. */
static const char *shown(const char *tok, size_t len)
{
	char buf[TOKEN_MAX];

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	return yw_shown(buf);
}

int fg_listfile_parse(const char *text, size_t len, const char *name,
		      struct fg_cidr **arr, size_t *n, size_t *cap, size_t max,
		      char *err, size_t errlen)
{
	struct cursor c = {.p = text, .end = text + len};
	size_t start = *n;
	const char *tok, *why;
	size_t toklen;
	bool bad;
	int rc = 0;

	while (next_token(&c, &tok, &toklen, &bad)) {
		if (*n >= max) {
			snprintf(err, errlen,
				 "%s:%lu: more than %zu list entries; the "
				 "lists and their files hold at most %zu",
				 name, c.line, max, max);
			rc = -ENOSPC;
			break;
		}
		if (*n >= *cap && (rc = grow(arr, cap, *n + 1))) {
			snprintf(err, errlen, "%s: out of memory", name);
			break;
		}
		rc = token_cidr(tok, toklen, bad, &(*arr)[*n], &why);
		if (rc) {
			snprintf(err, errlen, "%s:%lu: %s: %s", name, c.line,
				 shown(tok, toklen), why);
			break;
		}
		(*n)++;
	}
	if (rc)
		*n = start;
	return rc;
}

/* The file's text, when nobody but root or us could have written it or
 * swapped it. */
static int read_trusted(const char *path, char **text, size_t *len, char *err,
			size_t errlen)
{
	return fg_safe_read(path, FG_LISTFILE_MAX_BYTES, 0, text, len, err,
			    errlen);
}

int fg_listfile_load(const char *path, struct fg_cidr **arr, size_t *n,
		     size_t *cap, size_t max, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc = read_trusted(path, &text, &len, err, errlen);

	if (!rc)
		rc = fg_listfile_parse(text, len, path, arr, n, cap, max, err,
				       errlen);
	free(text);
	return rc;
}

unsigned long fg_listfile_line_of(const char *path, const struct fg_cidr *want)
{
	char *text = NULL, err[8];
	struct cursor c;
	struct fg_cidr got;
	const char *tok, *why;
	size_t len = 0, toklen;
	unsigned long line = 0;
	bool bad;

	if (read_trusted(path, &text, &len, err, sizeof(err)))
		return 0;
	c = (struct cursor){.p = text, .end = text + len};
	while (!line && next_token(&c, &tok, &toklen, &bad))
		if (!token_cidr(tok, toklen, bad, &got, &why) &&
		    got.prefixlen == want->prefixlen &&
		    !memcmp(got.addr, want->addr, sizeof(got.addr)))
			line = c.line;
	free(text);
	return line;
}
