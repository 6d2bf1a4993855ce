// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
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
#include "mapio.h"
#include "prom.h"
#include "webauth.h"

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
	int fd; /* the listening socket (libmicrohttpd's) */
	char listen[FG_LISTEN_MAX];
	fg_render_fn render;
	void *arg;
	struct fg_web_config *web; /* NULL: plain HTTP, no auth */
	struct fg_auth auth;	   /* on web */
	/* Each connection has a thread: lock guards what follows. */
	pthread_mutex_t lock;
	struct fg_http_conn *oldest, *newest;
	unsigned int open;
	unsigned long long evicted, limited;
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

int fg_http_auth_ok(const struct fg_web_config *web, const char *authorization)
{
	struct fg_auth a;
	int ok;

	if (fg_auth_init(&a, web))
		return 0;
	ok = fg_auth_check(&a, authorization, NULL, fg_monotonic_ns()) ==
	     FG_AUTH_PASS;
	fg_auth_fini(&a);
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

/* Whether the request may go on; limited checks are counted and logged
 * (no more than once a minute). */
static bool authorized(struct fg_http *h, struct MHD_Connection *conn)
{
	static struct fg_log_limit limit = FG_LOG_LIMIT(60, 1);
	const union MHD_ConnectionInfo *peer;
	enum fg_auth_verdict v;
	unsigned long long n;

	if (!h->web || !h->web->nusers)
		return true;
	peer =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	v = fg_auth_check(
	    &h->auth,
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					MHD_HTTP_HEADER_AUTHORIZATION),
	    peer ? peer->client_addr : NULL, fg_monotonic_ns());
	if (v != FG_AUTH_LIMITED)
		return v == FG_AUTH_PASS;
	pthread_mutex_lock(&h->lock);
	n = ++h->limited;
	pthread_mutex_unlock(&h->lock);
	fg_log_limited(&limit, FG_LOG_WARN,
		       "metrics server: too many failed logins; answering 401 "
		       "without checking",
		       "limited_total=%llu peer_per_s=%d peer_burst=%d "
		       "cpu_share=%.1f",
		       n, FG_AUTH_FAIL_PER_S, FG_AUTH_FAIL_BURST,
		       FG_AUTH_CPU_SHARE);
	return false;
}

static void set_busy(struct fg_http *h, struct MHD_Connection *conn, bool busy)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	if (!info || !info->socket_context)
		return;
	pthread_mutex_lock(&h->lock);
	((struct fg_http_conn *)info->socket_context)->busy = busy;
	pthread_mutex_unlock(&h->lock);
}

/* On the connection's own thread: a bcrypt here holds up no other
 * connection. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct fg_http *h = cls;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	set_busy(h, conn, true);
	if (!authorized(h, conn))
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
/* The reply went out (or failed): the connection waits for its next
 * request, if any, and may make room again. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)req_cls;
	(void)toe;
	set_busy(cls, conn, false);
}

static struct fg_http_conn *oldest_open(const struct fg_http *h, bool idle_only)
{
	struct fg_http_conn *c = h->oldest;

	while (c && (c->evicted || (idle_only && c->busy)))
		c = c->next;
	return c;
}

/* Makes room for a new connection, under h->lock: the victim is shut
 * down; its thread sees the end of the stream and closes it (it owns the
 * descriptor, which stays valid until the CLOSED notification, taken
 * under h->lock too). */
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

static void conn_add(struct fg_http *h, struct MHD_Connection *conn,
		     void **socket_context)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct fg_http_conn *c = calloc(1, sizeof(*c));

	if (!c || !info) {
		free(c); /* untracked: never evicted */
		return;
	}
	c->fd = info->connect_fd;
	pthread_mutex_lock(&h->lock);
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
	pthread_mutex_unlock(&h->lock);
}

static void on_connection(void *cls, struct MHD_Connection *conn,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct fg_http *h = cls;
	struct fg_http_conn *c = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		conn_add(h, conn, socket_context);
		return;
	}
	if (toe != MHD_CONNECTION_NOTIFY_CLOSED || !c)
		return;
	pthread_mutex_lock(&h->lock);
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
	pthread_mutex_unlock(&h->lock);
	free(c);
}

/* The listening socket, made here for a precise error (libmicrohttpd
 * would only say it failed): its descriptor, or -errno. IPv6 addresses
 * listen on IPv6 only, as libmicrohttpd does by default. */
static int listen_on(const struct addrinfo *ai)
{
	int one = 1, err,
	    fd = socket(ai->ai_family,
			SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (ai->ai_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, SOMAXCONN)) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

enum addr_relation {
	ADDR_APART,
	ADDR_SAME,    /* the same family, address and port */
	ADDR_OVERLAP, /* the same family and port, one the wildcard */
};

/* How a bound socket's address and one to bind relate: two that overlap
 * cannot both be bound (0.0.0.0:P and 127.0.0.1:P; IPv6 sockets being
 * IPv6 only, never an IPv4 one and an IPv6 one). */
static enum addr_relation addr_relation(const struct sockaddr_storage *a,
					const struct sockaddr *b)
{
	const void *x, *y;
	bool wild;
	size_t len;

	if (a->ss_family != b->sa_family)
		return ADDR_APART;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *p = (const void *)a,
					 *q = (const void *)b;

		if (p->sin_port != q->sin_port)
			return ADDR_APART;
		x = &p->sin_addr;
		y = &q->sin_addr;
		len = sizeof(p->sin_addr);
		wild = p->sin_addr.s_addr == htonl(INADDR_ANY) ||
		       q->sin_addr.s_addr == htonl(INADDR_ANY);
	} else if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *p = (const void *)a,
					  *q = (const void *)b;

		if (p->sin6_port != q->sin6_port)
			return ADDR_APART;
		x = &p->sin6_addr;
		y = &q->sin6_addr;
		len = sizeof(p->sin6_addr);
		wild = IN6_IS_ADDR_UNSPECIFIED(&p->sin6_addr) ||
		       IN6_IS_ADDR_UNSPECIFIED(&q->sin6_addr);
	} else {
		return ADDR_APART;
	}
	if (!memcmp(x, y, len))
		return ADDR_SAME;
	return wild ? ADDR_OVERLAP : ADDR_APART;
}

static void http_free(struct fg_http *h)
{
	if (h->web)
		fg_auth_fini(&h->auth);
	pthread_mutex_destroy(&h->lock);
	fg_web_config_free(h->web);
	free(h);
}

bool fg_http_same_web(const struct fg_http *h, const struct fg_web_config *web)
{
	return fg_web_config_equal(h->web, web);
}

int fg_http_tls_check(const struct fg_web_config *web, char *err, size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert, key;
	int rc;

	if (!web || !web->cert_pem)
		return 0;
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "%s: out of memory", web->path);
		return -ENOMEM;
	}
	cert = (gnutls_datum_t){(unsigned char *)web->cert_pem,
				(unsigned int)web->cert_len};
	key = (gnutls_datum_t){(unsigned char *)web->key_pem,
			       (unsigned int)web->key_len};
	/* What libmicrohttpd does at start, the key matched against the
	 * certificate's public key. */
	rc = gnutls_certificate_set_x509_key_mem(cred, &cert, &key,
						 GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (rc >= 0)
		return 0;
	if (rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
		snprintf(err, errlen,
			 "%s: tls_server_config: key_file is not the key of "
			 "cert_file's certificate",
			 web->path);
	else
		snprintf(err, errlen,
			 "%s: tls_server_config: cert_file and key_file: %s",
			 web->path, gnutls_strerror(rc));
	return -EINVAL;
}

/* A listener on fd (taken over, closed on failure). */
static struct fg_http *start_on(int fd, const char *listen,
				const struct fg_web_config *web,
				fg_render_fn render, void *arg, char *err,
				size_t errlen)
{
	struct MHD_OptionItem tls_opts[3] = {{MHD_OPTION_END, 0, NULL},
					     {MHD_OPTION_END, 0, NULL},
					     {MHD_OPTION_END, 0, NULL}};
	bool tls = web && web->cert_pem;
	struct fg_http *h = calloc(1, sizeof(*h));

	if (!h || pthread_mutex_init(&h->lock, NULL)) {
		free(h);
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->fd = fd;
	snprintf(h->listen, sizeof(h->listen), "%s", listen);
	h->render = render;
	h->arg = arg;
	h->web = fg_web_config_dup(web);
	if (web && (!h->web || fg_auth_init(&h->auth, h->web))) {
		fg_web_config_free(h->web);
		h->web = NULL;
		close(fd);
		http_free(h);
		snprintf(err, errlen, "out of memory or no random key");
		return NULL;
	}
	/* The PEM stays in h->web while the server runs. */
	if (tls) {
		tls_opts[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT,
						      0, h->web->cert_pem};
		tls_opts[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY,
						      0, h->web->key_pem};
	}
	/* A thread per connection (at most FG_HTTP_HARD_LIMIT), not one
	 * thread for all: a bcrypt (up to cost 12, 0.2 s) or a slow render
	 * holds up only its own connection. A pool would pin connections to
	 * its threads, and a bcrypt would stall every one sharing its
	 * thread. */
	h->mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
		MHD_USE_AUTO | MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0),
	    0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
	    NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)FG_HTTP_HARD_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)FG_HTTP_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)FG_HTTP_CONN_MEMORY, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, h, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
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

struct fg_http *fg_http_start(const char *listen, fg_render_fn render,
			      void *arg, char *err, size_t errlen)
{
	return fg_http_start_web(listen, NULL, render, arg, err, errlen);
}

struct fg_http *fg_http_start_web(const char *listen,
				  const struct fg_web_config *web,
				  fg_render_fn render, void *arg, char *err,
				  size_t errlen)
{
	return fg_http_start_beside(NULL, listen, web, render, arg, NULL, err,
				    errlen);
}

struct fg_http *fg_http_start_beside(const struct fg_http *old,
				     const char *listen,
				     const struct fg_web_config *web,
				     fg_render_fn render, void *arg,
				     bool *old_in_way, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV},
			*ai = NULL;
	enum addr_relation rel = ADDR_APART;
	struct sockaddr_storage bound;
	socklen_t boundlen = sizeof(bound);
	char host[128], port[8];
	int rc, fd;

	if (old_in_way)
		*old_in_way = false;
	if (fg_http_tls_check(web, err, errlen))
		return NULL;
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
	/* Compared as bound, not as written: "localhost:P" may be old's
	 * "127.0.0.1:P". */
	if (old && !getsockname(old->fd, (struct sockaddr *)&bound, &boundlen))
		rel = addr_relation(&bound, ai->ai_addr);
	/* The same address: old's socket, shared, so that the port stays
	 * open throughout and old can go on if this one fails. */
	if (rel == ADDR_SAME) {
		freeaddrinfo(ai);
		fd = fcntl(old->fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(err, errlen, "%s: %s", listen,
				 strerror(errno));
			return NULL;
		}
		return start_on(fd, listen, web, render, arg, err, errlen);
	}
	fd = listen_on(ai);
	freeaddrinfo(ai);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot listen: %s", listen,
			 strerror(-fd));
		if (old_in_way)
			*old_in_way = fd == -EADDRINUSE && rel == ADDR_OVERLAP;
		return NULL;
	}
	return start_on(fd, listen, web, render, arg, err, errlen);
}

int fg_http_replace(struct fg_http **h, const char *listen,
		    const struct fg_web_config *web, fg_render_fn render,
		    void *arg, char *err, size_t errlen)
{
	struct fg_web_config *was_web = NULL;
	char was[FG_LISTEN_MAX], why[256];
	struct fg_http *next;
	size_t n;

	snprintf(was, sizeof(was), "%s", (*h)->listen);
	if ((*h)->web && !(was_web = fg_web_config_dup((*h)->web))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fg_http_stop(*h);
	next = fg_http_start_web(listen, web, render, arg, err, errlen);
	if (next) {
		*h = next;
		fg_web_config_free(was_web);
		return 0;
	}
	*h = fg_http_start_web(was, was_web, render, arg, why, sizeof(why));
	fg_web_config_free(was_web);
	n = strnlen(err, errlen);
	if (*h)
		snprintf(err + n, errlen - n, "; %s serves again", was);
	else
		snprintf(err + n, errlen - n, "; %s did not start again: %s",
			 was, why);
	return -EADDRINUSE;
}

void fg_http_stop(struct fg_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->mhd);
	http_free(h);
}
