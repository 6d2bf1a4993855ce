// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "redisurl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DB_MAX 1023 /* Redis' databases setting is rarely above 16 */

static int parse_num(const char *s, size_t len, long max, long *out)
{
	long v = 0;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_unix(const char *rest, struct fg_redis_addr *out,
		      const char **why)
{
	const char *q = strchr(rest, '?');
	size_t len = q ? (size_t)(q - rest) : strlen(rest);
	long db = 0;

	if (len == 0 || rest[0] != '/') {
		*why = "expected unix:///path/to/redis.sock (an absolute path)";
		return -EINVAL;
	}
	if (len >= sizeof(out->path)) {
		*why = "socket path too long (at most 107 bytes)";
		return -EINVAL;
	}
	if (q && (strncmp(q, "?db=", 4) ||
		  parse_num(q + 4, strlen(q + 4), DB_MAX, &db))) {
		*why = "expected ?db=N after the socket path (N at most 1023)";
		return -EINVAL;
	}
	out->is_unix = true;
	memcpy(out->path, rest, len);
	out->path[len] = '\0';
	out->db = (int)db;
	return 0;
}

static int parse_tcp(const char *rest, struct fg_redis_addr *out,
		     const char **why)
{
	const char *slash = strchr(rest, '/');
	size_t auth_len = slash ? (size_t)(slash - rest) : strlen(rest);
	const char *host = rest, *port = NULL;
	size_t host_len;
	long v = FG_REDIS_PORT_DEFAULT, db = 0;

	if (memchr(rest, '@', auth_len)) {
		*why = "no credentials in the URL: put the password in "
		       "fleet.password_file";
		return -EINVAL;
	}
	if (rest[0] == '[') {
		const char *end = memchr(rest, ']', auth_len);

		if (!end) {
			*why = "unclosed [ in an IPv6 address";
			return -EINVAL;
		}
		host = rest + 1;
		host_len = (size_t)(end - host);
		if (end + 1 < rest + auth_len) {
			if (end[1] != ':') {
				*why = "expected :PORT after ]";
				return -EINVAL;
			}
			port = end + 2;
		}
	} else {
		const char *colon = memchr(rest, ':', auth_len);

		host_len = colon ? (size_t)(colon - rest) : auth_len;
		if (colon)
			port = colon + 1;
	}
	if (host_len == 0 || host_len >= sizeof(out->host)) {
		*why = "expected redis://HOST[:PORT][/DB]";
		return -EINVAL;
	}
	if (port &&
	    (parse_num(port, (size_t)(rest + auth_len - port), 65535, &v) ||
	     v == 0)) {
		*why = "port: expected 1..65535";
		return -EINVAL;
	}
	if (slash && slash[1] &&
	    parse_num(slash + 1, strlen(slash + 1), DB_MAX, &db)) {
		*why = "database: expected /N, N at most 1023";
		return -EINVAL;
	}
	out->is_unix = false;
	memcpy(out->host, host, host_len);
	out->host[host_len] = '\0';
	out->port = (int)v;
	out->db = (int)db;
	return 0;
}

int fg_redis_url_parse(const char *url, struct fg_redis_addr *out,
		       const char **why)
{
	memset(out, 0, sizeof(*out));
	if (!strncmp(url, "redis://", 8))
		return parse_tcp(url + 8, out, why);
	if (!strncmp(url, "unix://", 7))
		return parse_unix(url + 7, out, why);
	*why = "expected redis://HOST[:PORT][/DB] or unix:///PATH[?db=N] "
	       "(rediss:// is not supported: use a local TLS proxy)";
	return -EINVAL;
}
