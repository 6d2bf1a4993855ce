// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A YAML document read key by key through libfyaml, every error one line
 * "NAME:LINE:COL: KEY.PATH: message" (yamlwalk.h). Knows no schema: the
 * caller names the keys and reads their values.
 *
 * libfyaml 0.7 has no public start mark for a collection node, so a
 * mapping or list is located by its first scalar (for a block mapping
 * that is its start); an empty one by the key that holds it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "yamlwalk.h"

#define YW_SHOWN_MAX 64 /* longest value quoted in a message */
#define YW_MSG_MAX 512	/* longest message, before its location */

/* --- Locations, key paths, messages --- */

bool yw_node_loc(struct fy_node *n, struct yw_loc *l)
{
	const struct fy_mark *m;
	struct fy_node_pair *p;
	struct fy_token *t;
	void *it = NULL;

	if (!n)
		return false;
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR:
		t = fy_node_get_scalar_token(n);
		m = t ? fy_token_start_mark(t) : NULL;
		if (!m)
			return false;
		l->line = m->line + 1;
		l->col = m->column + 1;
		/* The token starts after the quote or the '*' */
		switch (fy_node_get_style(n)) {
		case FYNS_SINGLE_QUOTED:
		case FYNS_DOUBLE_QUOTED:
		case FYNS_ALIAS:
			if (l->col > 1)
				l->col--;
			break;
		default:
			break;
		}
		return true;
	case FYNT_SEQUENCE:
		return yw_node_loc(fy_node_sequence_iterate(n, &it), l);
	case FYNT_MAPPING:
		p = fy_node_mapping_iterate(n, &it);
		return p && yw_node_loc(fy_node_pair_key(p), l);
	}
	return false;
}

struct yw_frame yw_push_key(struct yw_ctx *c, const char *key,
			    struct fy_node *keynode)
{
	struct yw_frame f = {c->plen, c->fb};
	size_t room = sizeof(c->path) - c->plen;
	int n =
	    snprintf(c->path + c->plen, room, "%s%s", c->plen ? "." : "", key);

	if (n > 0)
		c->plen += (size_t)n < room ? (size_t)n : room - 1;
	yw_node_loc(keynode, &c->fb);
	return f;
}

struct yw_frame yw_push_index(struct yw_ctx *c, size_t i)
{
	struct yw_frame f = {c->plen, c->fb};
	size_t room = sizeof(c->path) - c->plen;
	int n = snprintf(c->path + c->plen, room, "[%zu]", i);

	if (n > 0)
		c->plen += (size_t)n < room ? (size_t)n : room - 1;
	return f;
}

void yw_pop(struct yw_ctx *c, struct yw_frame f)
{
	c->plen = f.plen;
	c->path[c->plen] = '\0';
	c->fb = f.fb;
}

__attribute__((format(printf, 3, 0))) static int
vfail_at(struct yw_ctx *c, const struct yw_loc *l, const char *fmt, va_list ap)
{
	char msg[YW_MSG_MAX];

	if (!l || !l->line)
		l = &c->fb;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s:%d:%d: %s: %s", c->name,
			 l->line ? l->line : 1, l->line ? l->col : 1,
			 c->plen ? c->path : "document", msg);
	return -EINVAL;
}

int yw_fail_at(struct yw_ctx *c, const struct yw_loc *l, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail_at(c, l, fmt, ap);
	va_end(ap);
	return ret;
}

int yw_fail(struct yw_ctx *c, struct fy_node *n, const char *fmt, ...)
{
	struct yw_loc l = {0, 0};
	va_list ap;
	int ret;

	yw_node_loc(n, &l);
	va_start(ap, fmt);
	ret = vfail_at(c, &l, fmt, ap);
	va_end(ap);
	return ret;
}

int yw_no_memory(struct yw_ctx *c)
{
	if (c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s: out of memory", c->name);
	return -ENOMEM;
}

/* A value as messages show it: quoted, unprintables as '?', shortened.
 * One per message: the buffer is reused. */
const char *yw_shown(const char *v)
{
	static __thread char buf[YW_SHOWN_MAX + 8];
	size_t o = 0;

	buf[o++] = '"';
	for (size_t i = 0; i < YW_SHOWN_MAX && v[i]; i++)
		buf[o++] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
	if (strlen(v) > YW_SHOWN_MAX) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* --- Node access --- */

static bool is_null(struct fy_node *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	const char *s;
	size_t len;

	if (!n)
		return true;
	if (!fy_node_is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN)
		return false;
	s = fy_node_get_scalar(n, &len);
	if (!s)
		return true;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++) {
		if (strlen(nulls[i]) == len && !strncmp(s, nulls[i], len))
			return true;
	}
	return false;
}

static const char *kind_name(struct fy_node *n)
{
	return fy_node_is_mapping(n) ? "a mapping" : "a list";
}

/* The text of a single value; "" on error, so that no caller (in any
 * file) reads an unset buffer. */
int yw_scalar(struct yw_ctx *c, struct fy_node *n, char buf[YW_VALUE_MAX])
{
	const char *s;
	size_t len;

	buf[0] = '\0';
	if (is_null(n))
		return yw_fail(c, n, "missing value");
	if (fy_node_is_alias(n))
		return yw_fail(c, n, "aliases are not supported");
	if (!fy_node_is_scalar(n))
		return yw_fail(c, n, "expected a single value, not %s",
			       kind_name(n));
	s = fy_node_get_scalar(n, &len);
	if (!s)
		len = 0;
	if (len >= YW_VALUE_MAX)
		return yw_fail(c, n, "value too long (at most %d characters)",
			       YW_VALUE_MAX - 1);
	if (len && memchr(s, '\0', len))
		return yw_fail(c, n, "value contains a NUL character");
	if (len)
		memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

/* 1: a mapping to read, 0: nothing there (null), <0: error. */
int yw_mapping(struct yw_ctx *c, struct fy_node *n)
{
	if (is_null(n))
		return 0;
	if (fy_node_is_alias(n))
		return yw_fail(c, n, "aliases are not supported");
	if (!fy_node_is_mapping(n))
		return yw_fail(c, n, "expected a mapping of keys, not %s",
			       fy_node_is_sequence(n) ? "a list" : "a value");
	return 1;
}

/* 1: a list to read, 0: nothing there (null), <0: error. */
int yw_sequence(struct yw_ctx *c, struct fy_node *n, const char *example)
{
	if (is_null(n))
		return 0;
	if (fy_node_is_alias(n))
		return yw_fail(c, n, "aliases are not supported");
	if (!fy_node_is_sequence(n))
		return yw_fail(c, n, "expected a list like %s, not %s", example,
			       fy_node_is_mapping(n) ? "a mapping" : "a value");
	return 1;
}

static int unknown_key(struct yw_ctx *c, struct fy_node *k,
		       const char *const *keys)
{
	char list[256] = "";

	for (int i = 0; keys[i]; i++) {
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, keys[i], sizeof(list) - strlen(list) - 1);
	}
	return yw_fail(c, k, "unknown key; allowed: %s", list);
}

/* Calls fn for each key of map, by its index in keys (NULL-ended). */
int yw_walk_map(struct yw_ctx *c, struct fy_node *map, const char *const *keys,
		yw_key_fn fn, void *arg)
{
	struct fy_node_pair *p;
	void *it = NULL;

	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *k = fy_node_pair_key(p);
		char name[YW_VALUE_MAX];
		struct yw_frame f;
		int idx = -1, ret;

		if (!k || is_null(k) || !fy_node_is_scalar(k) ||
		    fy_node_is_alias(k) || yw_scalar(c, k, name))
			return yw_fail(c, k ? k : map,
				       "keys must be plain names");
		for (size_t i = 0; name[i]; i++) {
			if (name[i] < 0x20 || name[i] >= 0x7f)
				name[i] = '?';
		}
		if (strlen(name) > YW_SHOWN_MAX)
			memcpy(name + YW_SHOWN_MAX - 3, "...", 4);
		for (int i = 0; keys[i]; i++) {
			if (!strcmp(keys[i], name))
				idx = i;
		}
		f = yw_push_key(c, name, k);
		if (idx < 0)
			ret = unknown_key(c, k, keys);
		else
			ret = fn(c, idx, fy_node_pair_value(p), arg);
		yw_pop(c, f);
		if (ret)
			return ret;
	}
	return 0;
}

/* --- Typed values --- */

int yw_get_bool(struct yw_ctx *c, struct fy_node *n, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE"};
	static const char *const no[] = {"false", "False", "FALSE"};
	char v[YW_VALUE_MAX];

	if (yw_scalar(c, n, v))
		return -EINVAL;
	for (size_t i = 0; i < 3; i++) {
		if (!strcmp(v, yes[i]) || !strcmp(v, no[i])) {
			*out = !strcmp(v, yes[i]);
			return 0;
		}
	}
	return yw_fail(c, n, "%s: expected true or false", yw_shown(v));
}

/* One of names (NULL-ended); allowed is how the message lists them. */
int yw_get_enum(struct yw_ctx *c, struct fy_node *n, const char *const *names,
		const char *allowed, int *out)
{
	char v[YW_VALUE_MAX];

	if (yw_scalar(c, n, v))
		return -EINVAL;
	for (int i = 0; names[i]; i++) {
		if (!strcmp(v, names[i])) {
			*out = i;
			return 0;
		}
	}
	return yw_fail(c, n, "%s: expected %s", yw_shown(v), allowed);
}

int yw_get_uint(struct yw_ctx *c, struct fy_node *n, __u64 min, __u64 max,
		__u64 *out)
{
	char v[YW_VALUE_MAX];
	const char *why;

	if (yw_scalar(c, n, v))
		return -EINVAL;
	if (fg_parse_uint(v, min, max, out, &why))
		return yw_fail(c, n, "%s: %s", yw_shown(v), why);
	return 0;
}

int yw_get_prefix(struct yw_ctx *c, struct fy_node *n, unsigned int max,
		  __u8 *out)
{
	__u64 v;

	if (yw_get_uint(c, n, 0, max, &v))
		return -EINVAL;
	*out = (__u8)v;
	return 0;
}

/* An absolute path, or "" when empty_ok (turns the feature off). */
int yw_get_path(struct yw_ctx *c, struct fy_node *n, bool empty_ok, char *out,
		size_t outlen)
{
	char v[YW_VALUE_MAX];

	if (yw_scalar(c, n, v))
		return -EINVAL;
	if ((*v || !empty_ok) && (*v != '/' || strlen(v) >= outlen))
		return yw_fail(c, n,
			       "%s: expected an absolute path (at most %zu "
			       "bytes)%s",
			       yw_shown(v), outlen - 1,
			       empty_ok ? ", or \"\"" : "");
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* --- libfyaml diagnostics --- */

struct diag_text {
	char buf[YW_MSG_MAX];
	size_t len;
};

static void diag_output(struct fy_diag *diag, void *user, const char *buf,
			size_t len)
{
	struct diag_text *t = user;
	size_t room = sizeof(t->buf) - 1 - t->len;

	(void)diag;
	if (len > room)
		len = room;
	memcpy(t->buf + t->len, buf, len);
	t->len += len;
	t->buf[t->len] = '\0';
}

/* libfyaml says "<input>:LINE:COL: error: MESSAGE" and then shows the
 * source; keep the position and the message. */
static void yaml_error(struct yw_ctx *c, const struct diag_text *t)
{
	const char *msg, *p;
	char line[YW_MSG_MAX];
	int ln = 0, col = 0;
	size_t n = strcspn(t->buf, "\n");

	memcpy(line, t->buf, n);
	line[n] = '\0';
	p = strstr(line, ": error: ");
	msg = p ? p + strlen(": error: ") : line;
	if (p) {
		/* back over ":COL" and ":LINE" */
		const char *q = p;
		int colon = 0;

		while (q > line && colon < 2) {
			q--;
			if (*q == ':')
				colon++;
			else if (*q < '0' || *q > '9')
				break;
		}
		if (colon != 2 || sscanf(q, ":%d:%d", &ln, &col) != 2)
			ln = 0;
	}
	if (!*msg)
		msg = "syntax error";
	if (!c->err || !c->errlen)
		return;
	if (ln > 0)
		snprintf(c->err, c->errlen, "%s:%d:%d: yaml: %s", c->name, ln,
			 col, msg);
	else
		snprintf(c->err, c->errlen, "%s: yaml: %s", c->name, msg);
}

/* Bytes a UTF-8 sequence starting with b takes, if b can start one
 * (RFC 3629: no overlong forms, nothing above U+10FFFF). */
static size_t utf8_seq_len(const unsigned char *p, size_t left)
{
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f; /* no UTF-16 surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* YAML is Unicode text; libfyaml 0.7 can loop forever on some invalid
 * UTF-8 (in a directive), so it never sees any. */
static int check_utf8(struct yw_ctx *c, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	struct yw_loc l = {1, 1};

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(p + i, len - i);

		if (!n)
			return yw_fail_at(c, &l, "byte 0x%02x: not UTF-8 text",
					  p[i]);
		if (p[i] == '\n') {
			l.line++;
			l.col = 1;
		} else {
			l.col++;
		}
		i += n;
	}
	return 0;
}

int yw_parse(struct yw_ctx *c, const char *text, size_t len, yw_root_fn read)
{
	struct fy_document *doc = NULL, *extra = NULL;
	struct fy_parser *fyp = NULL;
	struct diag_text diag_text = {.len = 0};
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg;
	struct fy_diag *diag;
	int ret = -EINVAL;

	if (check_utf8(c, text, len))
		return -EINVAL;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = diag_output;
	dcfg.user = &diag_text;
	dcfg.level = FYET_ERROR;
	dcfg.colorize = false;
	dcfg.show_source = false;
	dcfg.show_position = false;
	dcfg.show_type = false;
	dcfg.show_module = false;
	diag = fy_diag_create(&dcfg);
	if (!diag)
		return yw_no_memory(c);
	memset(&pcfg, 0, sizeof(pcfg));
	pcfg.flags = FYPCF_QUIET;
	pcfg.diag = diag;
	fyp = fy_parser_create(&pcfg);
	if (!fyp || fy_parser_set_string(fyp, text, len)) {
		ret = yw_no_memory(c);
		goto out;
	}
	doc = fy_parse_load_document(fyp);
	if (!fy_diag_got_error(diag) && doc)
		extra = fy_parse_load_document(fyp);
	if (fy_diag_got_error(diag)) {
		yaml_error(c, &diag_text);
		goto out;
	}
	if (extra) {
		struct yw_loc l = {0, 0};
		const struct fy_mark *m = fy_document_state_start_mark(
		    fy_document_get_document_state(extra));

		if (m) {
			l.line = m->line + 1;
			l.col = m->column + 1;
		}
		if (c->err && c->errlen)
			snprintf(c->err, c->errlen,
				 "%s:%d:%d: yaml: a second document; the "
				 "config is one document",
				 c->name, l.line ? l.line : 1,
				 l.line ? l.col : 1);
		goto out;
	}
	ret = read(c, doc ? fy_document_root(doc) : NULL);
out:
	if (extra)
		fy_parse_document_destroy(fyp, extra);
	if (doc)
		fy_parse_document_destroy(fyp, doc);
	if (fyp)
		fy_parser_destroy(fyp);
	fy_diag_destroy(diag);
	return ret;
}
