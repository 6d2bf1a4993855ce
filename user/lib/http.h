/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The /metrics endpoint, served by libmicrohttpd: a thread accepts, and
 * each connection has a thread of its own. */
#ifndef FG_HTTP_H
#define FG_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"

/* Renders the metrics text; called on a connection's thread, maybe on
 * two at once. */
typedef void (*fg_render_fn)(struct fg_buf *out, void *arg);

struct fg_http;

/* Connections held open at most: a new one beyond closes the oldest
 * (see http.c for why not refuse it). */
#define FG_HTTP_MAX_CONNECTIONS 64

/* listen: "host:port" or "[v6]:port". NULL on error, with err set. */
struct fg_http *fg_http_start(const char *listen, fg_render_fn render,
			      void *arg, char *err, size_t errlen);
/* The same with the metrics.web_config file's TLS and basic auth (web
 * NULL: plain HTTP, no auth). web is copied. */
struct fg_http *fg_http_start_web(const char *listen,
				  const struct fg_web_config *web,
				  fg_render_fn render, void *arg, char *err,
				  size_t errlen);
/* The same while old (may be NULL) still serves: on old's own listening
 * socket when listen resolves to the address old is bound to, so that
 * the port never closes and old can go on serving if this fails. Stop
 * old once this serves. When it fails only because listen overlaps old's
 * address on its port (0.0.0.0:P and 127.0.0.1:P), *old_in_way (may be
 * NULL) is set: fg_http_replace can move it. */
struct fg_http *
fg_http_start_beside(const struct fg_http *old, const char *listen,
		     const struct fg_web_config *web, fg_render_fn render,
		     void *arg, bool *old_in_way, char *err, size_t errlen);
/* Stops *h and starts listen in its place; if that fails, *h's own
 * listener again (*h NULL when that fails too). 0 when listen serves,
 * else -errno with err saying what serves. */
int fg_http_replace(struct fg_http **h, const char *listen,
		    const struct fg_web_config *web, fg_render_fn render,
		    void *arg, char *err, size_t errlen);
void fg_http_stop(struct fg_http *h);
/* Whether web's certificate and key (if any) are a pair libmicrohttpd
 * can serve with: 0, or -EINVAL with err naming the web config. */
int fg_http_tls_check(const struct fg_web_config *web, char *err,
		      size_t errlen);
/* Whether h serves with exactly this TLS material and these users. */
bool fg_http_same_web(const struct fg_http *h, const struct fg_web_config *web);

/* Basic auth (RFC 7617) once, with a state of its own (webauth.h; a
 * listener keeps one): whether an Authorization header value (may be
 * NULL) names a user of web with the password of its bcrypt hash. Always
 * 1 when web has no users. */
int fg_http_auth_ok(const struct fg_web_config *web, const char *authorization);

/* What floodgate answers a request, from its method and URL; the
 * request handling below libmicrohttpd, apart for tests and fuzzing. */
enum fg_http_route {
	FG_HTTP_METRICS,    /* GET|HEAD /metrics */
	FG_HTTP_INDEX,	    /* GET|HEAD / */
	FG_HTTP_NOT_FOUND,  /* any other URL: 404 */
	FG_HTTP_BAD_METHOD, /* not GET or HEAD: 405 */
};
enum fg_http_route fg_http_route(const char *method, const char *url);

/* The /metrics body: rendered, and gzipped when accept_encoding (may be
 * NULL) accepts gzip. *data is malloc'd; *gzip says which it is.
 * Returns 0, or -ENOMEM when rendering ran out of memory. */
int fg_http_metrics_body(fg_render_fn render, void *arg,
			 const char *accept_encoding, char **data, size_t *len,
			 int *gzip);

/* Exposed for tests: whether an Accept-Encoding value accepts gzip. */
int fg_http_accepts_gzip(const char *accept_encoding);
/* Exposed for tests: splits a listen address. */
int fg_http_parse_listen(const char *listen, char *host, size_t hostlen,
			 char *port, size_t portlen);

#endif /* FG_HTTP_H */
