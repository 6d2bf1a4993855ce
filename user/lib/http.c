// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "http.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "hostport.h"
#include "log.h"
#include "prom.h"

/*
 * Who may hold a connection. A scraper connects, sends its request at
 * once and reads the answer in milliseconds; whoever can reach the port
 * (maybe from the scraper's own loopback address, so no per-address limit
 * can tell them apart) can also open connections and never finish a
 * request, or finish it one byte every few seconds, which no inactivity
 * timeout catches. So a new connection is never refused for want of room:
 * beyond FG_HTTP_MAX_CONNECTIONS it closes the oldest connection that has
 * no request under way (or, when all have one, the oldest). A scraper's
 * connection is the newest until its request is in, then it is busy.
 * FG_HTTP_HARD_LIMIT is libmicrohttpd's own cap, above ours, for closings
 * still in flight; it keeps the descriptors used far below a default
 * RLIMIT_NOFILE of 1024.
 */
#define FG_HTTP_HARD_LIMIT 128
/* Seconds without a byte either way before a connection is closed. */
#define FG_HTTP_TIMEOUT_S 5
/* Per connection: the request's headers and the reply's; a request that
 * does not fit gets 414/431 and is closed. 128 connections: 2 MiB. */
#define FG_HTTP_CONN_MEMORY (16 * 1024)

/* One open connection, oldest first in fg_http's list. */
struct fg_http_conn {
	struct fg_http_conn *prev, *next;
	int fd;
	bool busy;    /* a request is being answered */
	bool evicted; /* shut down, libmicrohttpd has not closed it yet */
};

struct fg_http {
	struct MHD_Daemon *mhd;
	fg_render_fn render;
	void *arg;
	struct fg_web_config *web; /* NULL: plain HTTP, no auth */
	struct crypt_data *crypt;  /* crypt_r's scratch (32 KiB) */
	/* Touched only on libmicrohttpd's one thread. */
	struct fg_http_conn *oldest, *newest;
	unsigned int open;
	unsigned long long evicted;
};

int fg_http_parse_listen(const char *listen, char *host, size_t hostlen,
			 char *port, size_t portlen)
{
	struct fg_hostport hp;

	if (fg_hostport_split(listen, &hp) || hp.host_len >= hostlen ||
	    !hp.port[0] || strlen(hp.port) >= portlen)
		return -EINVAL;
	memcpy(host, hp.host, hp.host_len);
	host[hp.host_len] = '\0';
	snprintf(port, portlen, "%s", hp.port);
	return 0;
}

/* The weight among a coding's parameters (from its first ';' to end):
 * "q=" in any case (RFC 9110 §12.4.2); 1 when there is none. */
static double param_q(const char *p, const char *end)
{
	while (p < end) {
		const char *name = p + 1, *next;

		while (name < end && (*name == ' ' || *name == '\t'))
			name++;
		next = memchr(name, ';', (size_t)(end - name));
		if (!next)
			next = end;
		if (next - name >= 2 && (name[0] == 'q' || name[0] == 'Q') &&
		    name[1] == '=')
			return strtod(name + 2, NULL);
		p = next;
	}
	return 1.0;
}

/* The q of a coding in an Accept-Encoding value: -1 when not named. Works
 * in place: a long header is read whole, never cut. */
static double coding_q(const char *ae, const char *coding)
{
	size_t clen = strlen(coding);

	for (const char *p = ae; *p;) {
		const char *end = p + strcspn(p, ","), *semi;
		size_t n;

		p += strspn(p, " \t");
		semi = p < end ? memchr(p, ';', (size_t)(end - p)) : NULL;
		n = p < end ? (size_t)((semi ? semi : end) - p) : 0;
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == clen && !strncasecmp(p, coding, n))
			return semi ? param_q(semi, end) : 1.0;
		p = *end ? end + 1 : end;
	}
	return -1.0;
}

/* RFC 9110 §12.5.3: gzip is accepted when named with q > 0, or, when not
 * named, covered by "*" with q > 0. */
int fg_http_accepts_gzip(const char *ae)
{
	double q;

	if (!ae)
		return 0;
	q = coding_q(ae, "gzip");
	if (q < 0)
		q = coding_q(ae, "*");
	return q > 0;
}

static int gzip_buf(const char *in, size_t len, char **out, size_t *outlen)
{
	z_stream zs = {0};
	uLong bound;
	char *dst;

	/* windowBits 15 + 16: a gzip wrapper, not zlib. */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	bound = deflateBound(&zs, (uLong)len);
	dst = malloc(bound);
	if (!dst) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)dst;
	zs.avail_out = (uInt)bound;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		free(dst);
		return -EIO;
	}
	*outlen = zs.total_out;
	deflateEnd(&zs);
	*out = dst;
	return 0;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn,
				  unsigned int status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_unauthorized(struct MHD_Connection *conn)
{
	static const char text[] = "unauthorized\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    sizeof(text) - 1, (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				"Basic realm=\"floodgate\", charset=\"UTF-8\"");
	ret = MHD_queue_response(conn, MHD_HTTP_UNAUTHORIZED, r);
	MHD_destroy_response(r);
	return ret;
}

int fg_http_metrics_body(fg_render_fn render, void *arg,
			 const char *accept_encoding, char **data, size_t *len,
			 int *gzip)
{
	struct fg_buf body;

	fg_buf_init(&body);
	render(&body, arg);
	if (body.failed) {
		fg_buf_free(&body);
		return -ENOMEM;
	}
	*gzip = fg_http_accepts_gzip(accept_encoding);
	if (*gzip && gzip_buf(body.data, body.len, data, len) == 0) {
		fg_buf_free(&body);
	} else {
		*gzip = 0;
		*data = body.data;
		*len = body.len;
	}
	return 0;
}

/* RFC 4648 base64 into out (room for outlen - 1 bytes and a NUL);
 * -1 when not base64 or too long. */
static int base64_decode(const char *in, char *out, size_t outlen)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned int acc = 0, bits = 0;
	size_t n = 0, pad = 0;

	for (; *in; in++) {
		const char *p = *in ? strchr(alphabet, *in) : NULL;

		if (*in == '=') {
			pad++;
			continue;
		}
		if (!p || pad)
			return -1;
		acc = (acc << 6) | (unsigned int)(p - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= outlen)
				return -1;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2)
		return -1;
	out[n] = '\0';
	return (int)n;
}

/* Compares every byte whatever differs first: the time taken says
 * nothing of how much of a hash matched. */
static bool same_secret(const char *a, const char *b, size_t len)
{
	unsigned char diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static int auth_check(const struct fg_web_config *web, const char *header,
		      struct crypt_data *scratch)
{
	char creds[256], *colon, *pass;
	const struct fg_web_user *user = NULL;
	const char *got;
	int n;

	if (!web || !web->nusers)
		return 1;
	if (!header || strncasecmp(header, "Basic ", 6))
		return 0;
	header += 6;
	header += strspn(header, " ");
	n = base64_decode(header, creds, sizeof(creds));
	colon = n > 0 ? memchr(creds, ':', (size_t)n) : NULL;
	if (!colon || memchr(creds, '\0', (size_t)n)) {
		explicit_bzero(creds, sizeof(creds));
		return 0;
	}
	*colon = '\0';
	pass = colon + 1;
	for (unsigned int i = 0; i < web->nusers; i++) {
		if (!strcmp(web->users[i].name, creds))
			user = &web->users[i];
	}
	/* An unknown user costs a bcrypt too (against the first user's
	 * hash, the answer ignored), so timing does not list the users. */
	memset(scratch, 0, sizeof(*scratch));
	got = crypt_r(pass, user ? user->hash : web->users[0].hash, scratch);
	explicit_bzero(creds, sizeof(creds));
	n = user && got && strlen(got) == FG_BCRYPT_LEN &&
	    same_secret(got, user->hash, FG_BCRYPT_LEN);
	explicit_bzero(scratch, sizeof(*scratch));
	return n;
}

int fg_http_auth_ok(const struct fg_web_config *web, const char *authorization)
{
	struct crypt_data *scratch = calloc(1, sizeof(*scratch));
	int ok;

	if (!scratch)
		return 0;
	ok = auth_check(web, authorization, scratch);
	free(scratch);
	return ok;
}

enum fg_http_route fg_http_route(const char *method, const char *url)
{
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return FG_HTTP_BAD_METHOD;
	if (!strcmp(url, "/metrics"))
		return FG_HTTP_METRICS;
	if (!strcmp(url, "/"))
		return FG_HTTP_INDEX;
	return FG_HTTP_NOT_FOUND;
}

static enum MHD_Result serve_metrics(struct fg_http *h,
				     struct MHD_Connection *conn)
{
	const char *ae = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *data;
	size_t len;
	int gzip;

	if (fg_http_metrics_body(h->render, h->arg, ae, &data, &len, &gzip))
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "out of memory\n");
	r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				FG_PROM_CONTENT_TYPE);
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (gzip)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING,
					"gzip");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct fg_http *h = cls;
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (info && info->socket_context)
		((struct fg_http_conn *)info->socket_context)->busy = true;
	if (h->web && h->web->nusers &&
	    !auth_check(
		h->web,
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_AUTHORIZATION),
		h->crypt))
		return reply_unauthorized(conn);
	switch (fg_http_route(method, url)) {
	case FG_HTTP_BAD_METHOD:
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "only GET and HEAD\n");
	case FG_HTTP_METRICS:
		return serve_metrics(h, conn);
	case FG_HTTP_INDEX:
		return reply_text(conn, MHD_HTTP_OK,
				  "floodgate: metrics at /metrics\n");
	default:
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	/* One per refused or failed connection otherwise. */
	static struct fg_log_limit limit = FG_LOG_LIMIT(10, 5);
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	fg_log_limited(&limit, FG_LOG_WARN, "metrics server", "detail=%s",
		       fg_q(line));
}

/* The reply went out (or failed): the connection waits for its next
 * request, if any, and may make room again. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	(void)cls;
	(void)req_cls;
	(void)toe;
	if (info && info->socket_context)
		((struct fg_http_conn *)info->socket_context)->busy = false;
}

static struct fg_http_conn *oldest_open(const struct fg_http *h, bool idle_only)
{
	struct fg_http_conn *c = h->oldest;

	while (c && (c->evicted || (idle_only && c->busy)))
		c = c->next;
	return c;
}

/* Makes room for a new connection: the victim is shut down;
 * libmicrohttpd sees the end of the stream and closes it (it owns the
 * descriptor, which stays valid until the CLOSED notification). */
static void evict_oldest(struct fg_http *h)
{
	static struct fg_log_limit limit = FG_LOG_LIMIT(10, 1);
	struct fg_http_conn *c = oldest_open(h, true);

	if (!c)
		c = oldest_open(h, false);
	if (!c)
		return;
	shutdown(c->fd, SHUT_RDWR);
	c->evicted = true;
	h->evicted++;
	fg_log_limited(&limit, FG_LOG_WARN,
		       "metrics server full; closed its oldest connection",
		       "open=%u evicted_total=%llu", h->open, h->evicted);
}

static unsigned int live_conns(const struct fg_http *h)
{
	unsigned int n = 0;

	for (const struct fg_http_conn *c = h->oldest; c; c = c->next)
		n += !c->evicted;
	return n;
}

static void on_connection(void *cls, struct MHD_Connection *conn,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct fg_http *h = cls;
	struct fg_http_conn *c = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *info = MHD_get_connection_info(
		    conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		c = calloc(1, sizeof(*c));
		if (!c || !info) {
			free(c); /* untracked: never evicted */
			return;
		}
		c->fd = info->connect_fd;
		c->prev = h->newest;
		if (h->newest)
			h->newest->next = c;
		else
			h->oldest = c;
		h->newest = c;
		h->open++;
		*socket_context = c;
		if (live_conns(h) > FG_HTTP_MAX_CONNECTIONS)
			evict_oldest(h);
		return;
	}
	if (toe != MHD_CONNECTION_NOTIFY_CLOSED || !c)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		h->oldest = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		h->newest = c->prev;
	h->open--;
	*socket_context = NULL;
	free(c);
}

/* The listening socket, made here for a precise error (libmicrohttpd
 * would only say it failed). IPv6 addresses listen on IPv6 only, as
 * libmicrohttpd does by default. */
static int listen_on(const struct addrinfo *ai, char *why, size_t whylen)
{
	int one = 1, fd = socket(ai->ai_family,
				 SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (ai->ai_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, SOMAXCONN)) {
		snprintf(why, whylen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void http_free(struct fg_http *h)
{
	fg_web_config_free(h->web);
	free(h->crypt);
	free(h);
}

struct fg_http *fg_http_start(const char *listen, fg_render_fn render,
			      void *arg, char *err, size_t errlen)
{
	return fg_http_start_web(listen, NULL, render, arg, err, errlen);
}

bool fg_http_same_web(const struct fg_http *h, const struct fg_web_config *web)
{
	return fg_web_config_equal(h->web, web);
}

struct fg_http *fg_http_start_web(const char *listen,
				  const struct fg_web_config *web,
				  fg_render_fn render, void *arg, char *err,
				  size_t errlen)
{
	struct MHD_OptionItem tls_opts[3] = {{MHD_OPTION_END, 0, NULL},
					     {MHD_OPTION_END, 0, NULL},
					     {MHD_OPTION_END, 0, NULL}};
	bool tls = web && web->cert_pem;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV},
			*ai = NULL;
	char host[128], port[8], why[128];
	struct fg_http *h;
	int rc, fd;

	if (fg_http_parse_listen(listen, host, sizeof(host), port,
				 sizeof(port))) {
		snprintf(err, errlen, "%s: expected host:port or [v6]:port",
			 listen);
		return NULL;
	}
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "%s: %s", listen, gai_strerror(rc));
		return NULL;
	}
	fd = listen_on(ai, why, sizeof(why));
	freeaddrinfo(ai);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot listen: %s", listen, why);
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->render = render;
	h->arg = arg;
	h->web = fg_web_config_dup(web);
	h->crypt = web && web->nusers ? calloc(1, sizeof(*h->crypt)) : NULL;
	if ((web && !h->web) || (web && web->nusers && !h->crypt)) {
		close(fd);
		http_free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* The PEM stays in h->web while the server runs. */
	if (tls) {
		tls_opts[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT,
						      0, h->web->cert_pem};
		tls_opts[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY,
						      0, h->web->key_pem};
	}
	/* One thread, epoll (no FD_SETSIZE ceiling as with select): every
	 * callback runs on that thread. */
	h->mhd = MHD_start_daemon(
	    MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
		(tls ? MHD_USE_TLS : 0),
	    0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
	    NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)FG_HTTP_HARD_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)FG_HTTP_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)FG_HTTP_CONN_MEMORY, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, h, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
	if (!h->mhd) {
		close(fd);
		if (tls)
			snprintf(err, errlen,
				 "%s: the HTTPS server did not start: are "
				 "cert_file and key_file of %s a certificate "
				 "and its key?",
				 listen, web->path);
		else
			snprintf(err, errlen,
				 "%s: the HTTP server did not start", listen);
		http_free(h);
		return NULL;
	}
	return h;
}

void fg_http_stop(struct fg_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->mhd);
	http_free(h);
}
