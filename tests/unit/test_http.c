// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The /metrics endpoint (user/lib/http.c): helpers, then a live server on
 * loopback fetched with a plain socket client. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "http.h"
#include "prom.h"

struct listen_case {
	const char *in;
	int rc;
	const char *host, *port;
};

static void test_parse_listen(void **state)
{
	static const struct listen_case cases[] = {
	    {"127.0.0.1:9470", 0, "127.0.0.1", "9470"},
	    {"[::1]:9470", 0, "::1", "9470"},
	    {"[2001:db8::1]:80", 0, "2001:db8::1", "80"},
	    {"localhost:80", 0, "localhost", "80"},
	    {"0.0.0.0:1", 0, "0.0.0.0", "1"},
	    {"", -EINVAL, NULL, NULL},
	    {"9470", -EINVAL, NULL, NULL},
	    {"[::1]9470", -EINVAL, NULL, NULL},
	    {"[::1]", -EINVAL, NULL, NULL},
	    {"[::1:9470", -EINVAL, NULL, NULL},
	    {"[]:80", -EINVAL, NULL, NULL},
	    {"[::1]:", -EINVAL, NULL, NULL},
	    {":80", -EINVAL, NULL, NULL},
	    {"host:", -EINVAL, NULL, NULL},
	    {":", -EINVAL, NULL, NULL},
	    /* port longer than the 8-byte buffer */
	    {"host:123456789", -EINVAL, NULL, NULL},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char host[128] = "untouched", port[8] = "same";
		int rc = fg_http_parse_listen(cases[i].in, host, sizeof(host),
					      port, sizeof(port));

		if (rc != cases[i].rc)
			fail_msg("\"%s\": rc %d, want %d", cases[i].in, rc,
				 cases[i].rc);
		if (rc) {
			assert_string_equal(host, "untouched");
			assert_string_equal(port, "same");
			continue;
		}
		assert_string_equal(host, cases[i].host);
		assert_string_equal(port, cases[i].port);
	}
}

static void test_parse_listen_long_host(void **state)
{
	char in[300], host[128], port[8];

	(void)state;
	/* 127 characters fit a 128-byte buffer, 128 do not */
	memset(in, 'h', 127);
	snprintf(in + 127, sizeof(in) - 127, ":80");
	assert_int_equal(
	    fg_http_parse_listen(in, host, sizeof(host), port, sizeof(port)),
	    0);
	assert_int_equal(strlen(host), 127);
	assert_string_equal(port, "80");

	memset(in, 'h', 128);
	snprintf(in + 128, sizeof(in) - 128, ":80");
	assert_int_equal(
	    fg_http_parse_listen(in, host, sizeof(host), port, sizeof(port)),
	    -EINVAL);
	memset(in, 'h', 200);
	snprintf(in + 200, sizeof(in) - 200, ":80");
	assert_int_equal(
	    fg_http_parse_listen(in, host, sizeof(host), port, sizeof(port)),
	    -EINVAL);

	in[0] = '[';
	memset(in + 1, 'a', 128);
	snprintf(in + 129, sizeof(in) - 129, "]:80");
	assert_int_equal(
	    fg_http_parse_listen(in, host, sizeof(host), port, sizeof(port)),
	    -EINVAL);
}

struct ae_case {
	const char *in;
	int want;
};

static void check_ae(const struct ae_case *cases, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		int got = fg_http_accepts_gzip(cases[i].in);

		if (got != cases[i].want) {
			print_error("\"%s\": %d, want %d\n", cases[i].in, got,
				    cases[i].want);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d Accept-Encoding values misread", bad);
}

static void test_accepts_gzip(void **state)
{
	static const struct ae_case cases[] = {
	    {"gzip", 1},
	    {"deflate, gzip;q=0.5", 1},
	    {"gzip;q=0", 0},
	    {"GZIP", 1},
	    {"*", 1},
	    {"identity", 0},
	    {"br, deflate", 0},
	    {"", 0},
	    {"gzip, deflate, br", 1},
	    {" gzip ", 1},
	    {"gzip;q=1.0", 1},
	    {"gzip; q=0.001", 1},
	    {"gzip;q=0.000", 0},
	    {"gzip; q=0", 0},
	    {"x-gzip", 0},
	    {"gzipx", 0},
	    {"br;q=1, gzip;q=0, *", 0},
	    {"gzip;q=0, *", 0},
	    {"identity;q=1, *;q=0", 0},
	    {"br, *;q=0.1", 1},
	};
	(void)state;
	assert_int_equal(fg_http_accepts_gzip(NULL), 0);
	check_ae(cases, sizeof(cases) / sizeof(cases[0]));
}

/*
 * RFC 9110 12.5.3: "*" matches only codings the field does not list, so
 * an explicit gzip entry decides whatever its position. The parser takes
 * the first of gzip or "*" it meets.
 */
static void test_accepts_gzip_star_after(void **state)
{
	static const struct ae_case cases[] = {
	    {"*;q=0, gzip", 1}, /* identity sent to this client */
	    {"*, gzip;q=0", 0}, /* gzip sent though refused */
	    {"*;q=0.5, gzip;q=0", 0},
	};
	(void)state;
	check_ae(cases, sizeof(cases) / sizeof(cases[0]));
}

/* --- live server --- */

struct body {
	char *text;
	size_t len;
	int calls;
};

static void render(struct fg_buf *out, void *arg)
{
	struct body *b = arg;

	__atomic_fetch_add(&b->calls, 1, __ATOMIC_SEQ_CST);
	fg_buf_append(out, b->text, b->len);
}

struct reply {
	int status;
	char head[4096]; /* header lines, lower-cased names */
	char *body;
	size_t len;
};

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	if (!bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &alen))
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static struct fg_http *start(int *port, struct body *b)
{
	char listen[64], err[256];

	for (int i = 0; i < 20; i++) {
		struct fg_http *h;

		*port = free_port();
		assert_true(*port > 0);
		snprintf(listen, sizeof(listen), "127.0.0.1:%d", *port);
		err[0] = '\0';
		h = fg_http_start(listen, render, b, err, sizeof(err));
		if (h)
			return h;
	}
	fail_msg("fg_http_start: %s", err);
	return NULL;
}

static void header(const struct reply *r, const char *name, char *out,
		   size_t len)
{
	size_t n = strlen(name);

	out[0] = '\0';
	for (const char *p = r->head; *p;) {
		const char *nl = strstr(p, "\r\n");
		size_t l = nl ? (size_t)(nl - p) : strlen(p);

		if (l > n && !strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			snprintf(out, len, "%.*s", (int)(l - (size_t)(v - p)),
				 v);
			return;
		}
		if (!nl)
			break;
		p = nl + 2;
	}
}

static void request_to(const struct sockaddr *sa, socklen_t salen,
		       const char *req, struct reply *r)
{
	struct timeval tv = {.tv_sec = 5};
	size_t cap = 1 << 16, n = 0, sent = 0, len = strlen(req);
	char *buf = malloc(cap), *end;
	int fd = socket(sa->sa_family, SOCK_STREAM, 0);

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(connect(fd, sa, salen), 0);
	while (sent < len) {
		ssize_t w = write(fd, req + sent, len - sent);

		assert_true(w > 0);
		sent += (size_t)w;
	}
	for (;;) {
		ssize_t got;

		if (n + 1 >= cap) {
			char *bigger = realloc(buf, cap * 2);

			assert_non_null(bigger);
			buf = bigger;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - n - 1);
		assert_true(got >= 0); /* a timeout fails the test */
		if (!got)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';

	memset(r, 0, sizeof(*r));
	end = strstr(buf, "\r\n\r\n");
	assert_non_null(end);
	assert_int_equal(sscanf(buf, "HTTP/1.1 %d ", &r->status), 1);
	snprintf(r->head, sizeof(r->head), "%.*s", (int)(end - buf + 2), buf);
	r->len = n - (size_t)(end + 4 - buf);
	r->body = malloc(r->len + 1);
	assert_non_null(r->body);
	memcpy(r->body, end + 4, r->len);
	r->body[r->len] = '\0';
	free(buf);
}

static void request(int port, const char *req, struct reply *r)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	request_to((struct sockaddr *)&a, sizeof(a), req, r);
}

static char *gunzip(const char *in, size_t len, size_t *outlen)
{
	z_stream zs;
	size_t cap = 1 << 20;
	char *out = malloc(cap);
	int rc;

	assert_non_null(out);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 16 + 15), Z_OK);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)cap;
	rc = inflate(&zs, Z_FINISH);
	assert_int_equal(rc, Z_STREAM_END);
	assert_int_equal(zs.avail_in, 0); /* nothing after the gzip member */
	*outlen = zs.total_out;
	inflateEnd(&zs);
	return out;
}

struct live {
	struct body b;
	struct fg_http *h;
	int port;
};

static int live_setup(void **state)
{
	struct live *l = calloc(1, sizeof(*l));
	struct fg_buf t;

	if (!l)
		return -1;
	fg_buf_init(&t);
	for (int i = 0; i < 2000; i++)
		fg_buf_printf(&t, "floodgate_test_line{n=\"%d\"} %d\n", i,
			      i * 7);
	l->b.text = t.data;
	l->b.len = t.len;
	l->h = start(&l->port, &l->b);
	*state = l;
	return 0;
}

static int live_teardown(void **state)
{
	struct live *l = *state;

	fg_http_stop(l->h);
	free(l->b.text);
	free(l);
	return 0;
}

static void get(const struct live *l, const char *path, const char *extra,
		struct reply *r)
{
	char req[512];

	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s"
		 "Connection: close\r\n\r\n",
		 path, l->port, extra);
	request(l->port, req, r);
}

static void test_live_plain(void **state)
{
	struct live *l = *state;
	struct reply r;
	char v[256];

	get(l, "/metrics", "", &r);
	assert_int_equal(r.status, 200);
	header(&r, "Content-Type", v, sizeof(v));
	assert_string_equal(v, FG_PROM_CONTENT_TYPE);
	header(&r, "Content-Encoding", v, sizeof(v));
	assert_string_equal(v, "");
	header(&r, "Vary", v, sizeof(v));
	assert_string_equal(v, "Accept-Encoding");
	header(&r, "Content-Length", v, sizeof(v));
	assert_int_equal(strtoul(v, NULL, 10), l->b.len);
	assert_int_equal(r.len, l->b.len);
	assert_memory_equal(r.body, l->b.text, l->b.len);
	free(r.body);
	assert_int_equal(__atomic_load_n(&l->b.calls, __ATOMIC_SEQ_CST), 1);

	/* gzip refused: identity */
	get(l, "/metrics", "Accept-Encoding: gzip;q=0, br\r\n", &r);
	assert_int_equal(r.status, 200);
	header(&r, "Content-Encoding", v, sizeof(v));
	assert_string_equal(v, "");
	assert_int_equal(r.len, l->b.len);
	assert_memory_equal(r.body, l->b.text, l->b.len);
	free(r.body);
}

static void test_live_gzip(void **state)
{
	struct live *l = *state;
	struct reply r;
	char v[256], *plain;
	size_t plen;

	get(l, "/metrics", "Accept-Encoding: deflate, gzip\r\n", &r);
	assert_int_equal(r.status, 200);
	header(&r, "Content-Encoding", v, sizeof(v));
	assert_string_equal(v, "gzip");
	header(&r, "Content-Type", v, sizeof(v));
	assert_string_equal(v, FG_PROM_CONTENT_TYPE);
	header(&r, "Vary", v, sizeof(v));
	assert_string_equal(v, "Accept-Encoding");
	header(&r, "Content-Length", v, sizeof(v));
	assert_int_equal(strtoul(v, NULL, 10), r.len);
	/* gzip magic, and it did compress */
	assert_true(r.len > 18);
	assert_int_equal((unsigned char)r.body[0], 0x1f);
	assert_int_equal((unsigned char)r.body[1], 0x8b);
	assert_true(r.len < l->b.len / 4);
	plain = gunzip(r.body, r.len, &plen);
	assert_int_equal(plen, l->b.len);
	assert_memory_equal(plain, l->b.text, l->b.len);
	free(plain);
	free(r.body);
}

static void test_live_other(void **state)
{
	struct live *l = *state;
	struct reply r;
	char req[256];

	get(l, "/nope", "", &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, "not found\n");
	free(r.body);

	get(l, "/metrics/", "", &r);
	assert_int_equal(r.status, 404);
	free(r.body);

	get(l, "/", "", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "floodgate: metrics at /metrics\n");
	free(r.body);

	snprintf(req, sizeof(req),
		 "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		 "Content-Length: 0\r\nConnection: close\r\n\r\n",
		 l->port);
	request(l->port, req, &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.body, "only GET and HEAD\n");
	free(r.body);

	snprintf(req, sizeof(req),
		 "DELETE /metrics HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		 "Connection: close\r\n\r\n",
		 l->port);
	request(l->port, req, &r);
	assert_int_equal(r.status, 405);
	free(r.body);

	/* HEAD: the headers of a GET, no body */
	snprintf(req, sizeof(req),
		 "HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		 "Connection: close\r\n\r\n",
		 l->port);
	request(l->port, req, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	free(r.body);

	/* none of these rendered the metrics but HEAD */
	assert_int_equal(__atomic_load_n(&l->b.calls, __ATOMIC_SEQ_CST), 1);
}

/* "[v6]:port" listens on IPv6. */
static void test_live_ipv6(void **state)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6,
				 .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	socklen_t alen = sizeof(a);
	struct body b = {.text = "v6 body\n", .len = 8};
	char listen[64], err[256] = "", req[256];
	struct fg_http *h;
	struct reply r;
	int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;

	(void)state;
	if (fd < 0)
		skip();
	ok = !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	     !getsockname(fd, (struct sockaddr *)&a, &alen);
	close(fd);
	if (!ok)
		skip(); /* no IPv6 loopback here */
	snprintf(listen, sizeof(listen), "[::1]:%d", ntohs(a.sin6_port));
	h = fg_http_start(listen, render, &b, err, sizeof(err));
	if (!h)
		fail_msg("fg_http_start(%s): %s", listen, err);
	snprintf(req, sizeof(req),
		 "GET /metrics HTTP/1.1\r\nHost: [::1]\r\n"
		 "Connection: close\r\n\r\n");
	request_to((struct sockaddr *)&a, sizeof(a), req, &r);
	fg_http_stop(h);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "v6 body\n");
	free(r.body);
	assert_int_equal(b.calls, 1);
}

static void test_start_errors(void **state)
{
	struct live *l = *state;
	char err[256], listen[64];
	struct fg_http *h;

	err[0] = '\0';
	h = fg_http_start("[::1]9470", render, &l->b, err, sizeof(err));
	assert_null(h);
	assert_non_null(strstr(err, "[::1]9470"));

	err[0] = '\0';
	h = fg_http_start("127.0.0.1:http", render, &l->b, err, sizeof(err));
	assert_null(h);
	assert_non_null(strstr(err, "127.0.0.1:http"));

	/* the port the live server holds */
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", l->port);
	err[0] = '\0';
	h = fg_http_start(listen, render, &l->b, err, sizeof(err));
	assert_null(h);
	assert_non_null(strstr(err, "cannot listen"));

	fg_http_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_listen),
	    cmocka_unit_test(test_parse_listen_long_host),
	    cmocka_unit_test(test_accepts_gzip),
	    cmocka_unit_test(test_accepts_gzip_star_after),
	    cmocka_unit_test_setup_teardown(test_live_plain, live_setup,
					    live_teardown),
	    cmocka_unit_test_setup_teardown(test_live_gzip, live_setup,
					    live_teardown),
	    cmocka_unit_test_setup_teardown(test_live_other, live_setup,
					    live_teardown),
	    cmocka_unit_test(test_live_ipv6),
	    cmocka_unit_test_setup_teardown(test_start_errors, live_setup,
					    live_teardown),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
