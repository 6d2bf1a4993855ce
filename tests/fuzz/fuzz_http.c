// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer: what floodgate does with a request in front of /metrics
 * (user/lib/http.c), below libmicrohttpd: the route from method and URL,
 * the Accept-Encoding decision, and the body (gzip or not). The input is
 * "METHOD\nURL\nACCEPT-ENCODING\nBODY"; a missing line is absent.
 *
 * Accept-Encoding is checked against a small model of RFC 9110 §12.5.3
 * written here from the grammar, on the values that grammar allows:
 * gzip is accepted when named with q > 0, or, when not named, covered
 * by "*" with q > 0; parameter names are case-insensitive.
 */
#include <ctype.h>
#include <stdbool.h>
#include <zlib.h>

#include "fuzz.h"
#include "http.h"

#define BODY_MAX (1u << 20)

struct model {
	bool valid; /* the value follows the grammar below */
	int gzip_q; /* thousandths; -1 when not named */
	int star_q;
};

static bool is_tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
static const char *qvalue(const char *p, int *q)
{
	int v, scale = 100;

	if (*p != '0' && *p != '1')
		return NULL;
	v = (*p++ - '0') * 1000;
	if (*p != '.')
		return (*q = v, p);
	p++;
	for (int i = 0; i < 3 && isdigit((unsigned char)*p); i++, p++) {
		if (v == 1000 && *p != '0')
			return NULL;
		v += (*p - '0') * scale;
		scale /= 10;
	}
	*q = v;
	return p;
}

/* #( coding *( OWS ";" OWS token "=" token ) ) with q as a qvalue. */
static struct model model(const char *ae)
{
	struct model m = {true, -1, -1};
	const char *p = ae;

	for (;;) {
		const char *name;
		size_t len;
		int q = 1000;
		bool weighted = false;

		p = skip_ows(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (!*p)
			return m;
		for (name = p; is_tchar(*p); p++)
			;
		len = (size_t)(p - name);
		if (!len)
			return (m.valid = false, m);
		for (;;) {
			const char *pn;

			p = skip_ows(p);
			if (*p != ';')
				break;
			p = skip_ows(p + 1);
			for (pn = p; is_tchar(*p); p++)
				;
			if (p == pn || *p != '=')
				return (m.valid = false, m);
			if (p - pn == 1 && (*pn == 'q' || *pn == 'Q')) {
				int w = 0;

				p = qvalue(p + 1, &w);
				if (!weighted)
					q = w;
				weighted = true;
				if (!p)
					return (m.valid = false, m);
			} else {
				const char *pv = ++p;

				while (is_tchar(*p))
					p++;
				if (p == pv)
					return (m.valid = false, m);
			}
		}
		if (*p && *p != ',')
			return (m.valid = false, m);
		if (len == 4 && !strncasecmp(name, "gzip", 4) && m.gzip_q < 0)
			m.gzip_q = q;
		if (len == 1 && *name == '*' && m.star_q < 0)
			m.star_q = q;
	}
}

static void check_route(const char *method, const char *url)
{
	enum fg_http_route r = fg_http_route(method, url);
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");

	if (!get) {
		FUZZ_CHECK(r == FG_HTTP_BAD_METHOD, "%s %s -> %d", method, url,
			   r);
		return;
	}
	if (!strcmp(url, "/metrics"))
		FUZZ_CHECK(r == FG_HTTP_METRICS, "%s %s -> %d", method, url, r);
	else if (!strcmp(url, "/"))
		FUZZ_CHECK(r == FG_HTTP_INDEX, "%s %s -> %d", method, url, r);
	else
		FUZZ_CHECK(r == FG_HTTP_NOT_FOUND, "%s %s -> %d", method, url,
			   r);
}

static void check_accept_encoding(const char *ae)
{
	int got = fg_http_accepts_gzip(ae);
	struct model m = model(ae);
	bool want;

	FUZZ_CHECK(got == 0 || got == 1, "\"%s\" -> %d", ae, got);
	if (!m.valid)
		return;
	want = m.gzip_q >= 0 ? m.gzip_q > 0 : m.star_q > 0;
	FUZZ_CHECK(got == want, "Accept-Encoding \"%s\": gzip %d, want %d", ae,
		   got, want);
}

struct body {
	const char *data;
	size_t len;
};

static void render(struct fg_buf *out, void *arg)
{
	const struct body *b = arg;

	fg_buf_append(out, b->data, b->len);
}

static void check_body(const char *ae, const struct body *b)
{
	char *data = NULL;
	size_t len = 0;
	int gzip = -1;

	FUZZ_CHECK(
	    !fg_http_metrics_body(render, (void *)b, ae, &data, &len, &gzip),
	    "rendering %zu bytes failed", b->len);
	FUZZ_CHECK(gzip == fg_http_accepts_gzip(ae), "gzip %d for \"%s\"", gzip,
		   ae ? ae : "(none)");
	if (gzip) {
		char *plain = malloc(b->len ? b->len : 1);
		uLongf plain_len = b->len;
		z_stream zs = {0};
		int rc;

		if (!plain)
			abort();
		FUZZ_CHECK(inflateInit2(&zs, 15 + 16) == Z_OK, "inflateInit");
		zs.next_in = (Bytef *)data;
		zs.avail_in = (uInt)len;
		zs.next_out = (Bytef *)plain;
		zs.avail_out = (uInt)plain_len;
		rc = inflate(&zs, Z_FINISH);
		FUZZ_CHECK(rc == Z_STREAM_END && zs.total_out == b->len &&
			       !memcmp(plain, b->data, b->len),
			   "gzip body does not inflate to the %zu rendered "
			   "bytes (rc %d)",
			   b->len, rc);
		inflateEnd(&zs);
		free(plain);
	} else {
		FUZZ_CHECK(len == b->len && !memcmp(data, b->data, len),
			   "plain body differs from the rendered one");
	}
	free(data);
}

/* The next line of the input, NUL-terminated in its own buffer. */
static char *next_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl =
	    *p < end ? memchr(*p, '\n', (size_t)(end - *p)) : NULL;
	char *s;

	if (!nl)
		nl = end;
	s = fuzz_cstr(*p, (size_t)(nl - *p));
	*p = nl < end ? nl + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	bool have_method = p < end;
	char *method = next_line(&p, end);
	char *url = next_line(&p, end);
	bool have_ae = p < end;
	char *ae = next_line(&p, end);
	struct body b = {(const char *)p, (size_t)(end - p)};

	if (have_method)
		check_route(method, url);
	if (have_ae)
		check_accept_encoding(ae);
	if (b.len <= BODY_MAX)
		check_body(have_ae ? ae : NULL, &b);
	free(method);
	free(url);
	free(ae);
	return 0;
}
