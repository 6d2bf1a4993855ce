// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The /metrics endpoint (user/lib/http.c): helpers, then a live server on
 * loopback fetched with a plain socket client. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
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

/* stderr into a temporary file, to count what the server logs. A failed
 * assertion leaves it captured: the teardown restores it. */
struct captured {
	FILE *tmp;
	int saved;
};

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

static int release_stderr(const char *needle);
static struct captured capture = {.saved = -1};

static int live_teardown(void **state)
{
	struct live *l = *state;

	if (capture.saved >= 0)
		release_stderr("");
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

/* --- slow, idle and oversized clients --- */

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* n connections to the live server, each having sent `partial` (maybe
 * nothing) and then left open. */
static int *hold_open(int port, int n, const char *partial)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int *fds = calloc((size_t)n, sizeof(*fds));

	assert_non_null(fds);
	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(fds[i] >= 0);
		assert_int_equal(
		    connect(fds[i], (struct sockaddr *)&a, sizeof(a)), 0);
		if (*partial)
			assert_int_equal(send(fds[i], partial, strlen(partial),
					      MSG_NOSIGNAL),
					 (ssize_t)strlen(partial));
	}
	return fds;
}

/* How many of fds the server has closed (end of stream or reset). */
static int closed_by_server(const int *fds, int n)
{
	int closed = 0;

	for (int i = 0; i < n; i++) {
		char c;
		ssize_t got = recv(fds[i], &c, 1, MSG_PEEK | MSG_DONTWAIT);

		closed += got == 0 || (got < 0 && errno != EAGAIN);
	}
	return closed;
}

static void close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}

static void capture_stderr(void)
{
	struct captured *c = &capture;

	fflush(stderr);
	c->tmp = tmpfile();
	assert_non_null(c->tmp);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(fileno(c->tmp), STDERR_FILENO) >= 0);
}

/* Restores stderr; returns the lines holding `needle`, echoing them all
 * to the real stderr for the record. */
static int release_stderr(const char *needle)
{
	struct captured *c = &capture;
	char line[1024];
	int n = 0;

	fflush(stderr);
	assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	c->saved = -1;
	rewind(c->tmp);
	while (fgets(line, sizeof(line), c->tmp)) {
		n += strstr(line, needle) != NULL;
		fputs(line, stderr);
	}
	fclose(c->tmp);
	return n;
}

/* A scrape right after many connections were opened: answered, whole,
 * in well under a second. */
static void scrape_within_1s(const struct live *l)
{
	struct reply r;
	double t0 = now_s(), dt;

	get(l, "/metrics", "", &r);
	dt = now_s() - t0;
	print_message("scrape: %.1f ms\n", dt * 1e3);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, l->b.len);
	free(r.body);
	assert_true(dt < 1.0);
}

/* 300 connections that never send a byte (the issue: 800 idle ones got
 * every later scrape refused at once, and one warning each). */
static void test_idle_clients_do_not_lock_out(void **state)
{
	struct live *l = *state;
	int n = 300, *fds, logged;

	capture_stderr();
	fds = hold_open(l->port, n, "");
	scrape_within_1s(l);
	/* The server holds at most FG_HTTP_MAX_CONNECTIONS: the rest are
	 * closed, not left to pile up. */
	for (int i = 0;
	     i < 50 && closed_by_server(fds, n) < n - FG_HTTP_MAX_CONNECTIONS;
	     i++)
		sleep_ms(20);
	assert_true(closed_by_server(fds, n) >= n - FG_HTTP_MAX_CONNECTIONS);
	scrape_within_1s(l);
	close_all(fds, n);
	logged = release_stderr("level=");
	print_message("log lines: %d\n", logged);
	assert_true(logged <= 12); /* two limits: 5 + 1 per 10 s, + notes */
}

/* Clients that send a request one byte at a time (each byte resets the
 * inactivity timeout) hold no slot a scraper needs. */
static void test_trickling_clients_do_not_lock_out(void **state)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
	struct live *l = *state;
	int n = 2 * FG_HTTP_MAX_CONNECTIONS, *fds;

	fds = hold_open(l->port, n, "G");
	for (size_t b = 1; b < 4; b++) {
		sleep_ms(100);
		for (int i = 0; i < n; i++)
			(void)!send(fds[i], &req[b], 1, MSG_NOSIGNAL);
	}
	scrape_within_1s(l);
	close_all(fds, n);
	assert_int_equal(__atomic_load_n(&l->b.calls, __ATOMIC_SEQ_CST), 1);
}

/* A scrape being answered is not the connection a flood of new ones
 * closes, however old it is: a large reply read slowly, while 300 idle
 * connections arrive, still arrives whole. */
static void test_reply_in_progress_survives_new_connections(void **state)
{
	struct live *l = *state;
	struct body big = {.len = 8u << 20};
	struct timeval tv = {.tv_sec = 5};
	char req[256], *buf = malloc(big.len + 4096), *end;
	int *scrape, *idle, n = 300;
	size_t got = 0;
	long want;

	assert_non_null(buf);
	big.text = malloc(big.len);
	assert_non_null(big.text);
	memset(big.text, 'x', big.len);
	free(l->b.text);
	l->b = big; /* freed by the teardown */
	scrape = hold_open(l->port, 1, "");
	assert_int_equal(
	    setsockopt(scrape[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	snprintf(req, sizeof(req),
		 "GET /metrics HTTP/1.1\r\nHost: x\r\n"
		 "Connection: close\r\n\r\n");
	assert_int_equal(send(scrape[0], req, strlen(req), MSG_NOSIGNAL),
			 (ssize_t)strlen(req));
	/* the first bytes: the reply is under way, most of it still queued */
	while (got < 65536) {
		ssize_t r = recv(scrape[0], buf + got, 65536 - got, 0);

		assert_true(r > 0);
		got += (size_t)r;
	}
	idle = hold_open(l->port, n, "");
	sleep_ms(200);
	for (;;) {
		ssize_t r = recv(scrape[0], buf + got, big.len + 4096 - got, 0);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close_all(idle, n);
	close_all(scrape, 1);
	buf[got < big.len + 4095 ? got : big.len + 4095] = '\0';
	end = strstr(buf, "\r\n\r\n");
	assert_non_null(end);
	want = (long)big.len + (end + 4 - buf);
	print_message("received %zu of %ld bytes\n", got, want);
	assert_int_equal((long)got, want);
	free(buf);
}

/* A 1 MB request line: refused with a 4xx, nothing rendered, the server
 * fine afterwards. */
static void test_huge_request_line(void **state)
{
	struct live *l = *state;
	size_t len = 1 << 20, sent = 0, n = 0;
	struct timeval tv = {.tv_sec = 5};
	char *req = malloc(len + 64), reply[4096];
	int *fds = hold_open(l->port, 1, ""), status = 0;

	assert_non_null(req);
	snprintf(req, 6, "GET /");
	memset(req + 5, 'a', len);
	snprintf(req + 5 + len, 64, " HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(
	    setsockopt(fds[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(
	    setsockopt(fds[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	/* The server answers and closes long before the end: stop at the
	 * first refused write. */
	while (sent < strlen(req)) {
		ssize_t w =
		    send(fds[0], req + sent, strlen(req) - sent, MSG_NOSIGNAL);

		if (w <= 0)
			break;
		sent += (size_t)w;
	}
	for (;;) {
		ssize_t got = recv(fds[0], reply + n, sizeof(reply) - 1 - n, 0);

		if (got <= 0)
			break;
		n += (size_t)got;
	}
	reply[n] = '\0';
	close_all(fds, 1);
	free(req);
	print_message("sent %zu bytes; reply: %.40s\n", sent, reply);
	assert_int_equal(sscanf(reply, "HTTP/1.1 %d ", &status), 1);
	assert_true(status == 414 || status == 431 || status == 400);
	assert_int_equal(__atomic_load_n(&l->b.calls, __ATOMIC_SEQ_CST), 0);
	scrape_within_1s(l);
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

	/* the port the live server holds: why, in words */
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", l->port);
	err[0] = '\0';
	h = fg_http_start(listen, render, &l->b, err, sizeof(err));
	assert_null(h);
	assert_non_null(strstr(err, listen));
	assert_non_null(strstr(err, "cannot listen: Address already in use"));

	fg_http_stop(NULL);
}

/* A listen address is compared with the running listener's as bound,
 * not as written: "localhost:P" on the socket of 127.0.0.1:P. */
static void test_start_beside_same_address(void **state)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	struct live *l = *state;
	char err[256], listen[64];
	struct fg_http *h;
	bool in_way = true;
	struct reply r;
	bool v4;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", l->port);
	h = fg_http_start_beside(l->h, listen, NULL, render, &l->b, &in_way,
				 err, sizeof(err));
	assert_non_null(h);
	assert_false(in_way);
	fg_http_stop(h);

	/* Where localhost is 127.0.0.1 first, as on the test hosts. */
	assert_int_equal(getaddrinfo("localhost", NULL, &hints, &ai), 0);
	v4 = ai->ai_family == AF_INET &&
	     ((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr ==
		 htonl(INADDR_LOOPBACK);
	freeaddrinfo(ai);
	if (!v4)
		skip();
	snprintf(listen, sizeof(listen), "localhost:%d", l->port);
	err[0] = '\0';
	h = fg_http_start_beside(l->h, listen, NULL, render, &l->b, &in_way,
				 err, sizeof(err));
	assert_non_null(h);
	/* The old one stopped, the new one serves on the shared socket. */
	fg_http_stop(l->h);
	l->h = h;
	get(l, "/", "", &r);
	assert_int_equal(r.status, 200);
	free(r.body);
}

/* A listener moved where it cannot start comes back where it was; moved
 * where it can, it serves there. */
static void test_replace(void **state)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct live *l = *state;
	char err[512], addr[64];
	socklen_t len = sizeof(sin);
	int held, was = l->port;
	struct reply r;

	/* A port held by another socket. */
	held = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(held >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(held, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(held, 1), 0);
	assert_int_equal(getsockname(held, (struct sockaddr *)&sin, &len), 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(sin.sin_port));
	err[0] = '\0';
	assert_int_equal(
	    fg_http_replace(&l->h, addr, NULL, render, &l->b, err, sizeof(err)),
	    -EADDRINUSE);
	close(held);
	assert_non_null(l->h);
	assert_non_null(strstr(err, "Address already in use"));
	assert_non_null(strstr(err, "serves again"));
	get(l, "/", "", &r);
	assert_int_equal(r.status, 200);
	free(r.body);

	/* A free port. */
	l->port = free_port();
	assert_true(l->port > 0 && l->port != was);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", l->port);
	assert_int_equal(
	    fg_http_replace(&l->h, addr, NULL, render, &l->b, err, sizeof(err)),
	    0);
	get(l, "/", "", &r);
	assert_int_equal(r.status, 200);
	free(r.body);
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
	    cmocka_unit_test_setup_teardown(test_idle_clients_do_not_lock_out,
					    live_setup, live_teardown),
	    cmocka_unit_test_setup_teardown(
		test_trickling_clients_do_not_lock_out, live_setup,
		live_teardown),
	    cmocka_unit_test_setup_teardown(
		test_reply_in_progress_survives_new_connections, live_setup,
		live_teardown),
	    cmocka_unit_test_setup_teardown(test_huge_request_line, live_setup,
					    live_teardown),
	    cmocka_unit_test(test_live_ipv6),
	    cmocka_unit_test_setup_teardown(test_start_errors, live_setup,
					    live_teardown),
	    cmocka_unit_test_setup_teardown(test_start_beside_same_address,
					    live_setup, live_teardown),
	    cmocka_unit_test_setup_teardown(test_replace, live_setup,
					    live_teardown),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
