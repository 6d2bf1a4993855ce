/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The fleet's Redis address (DESIGN.md §8): redis://HOST[:PORT][/DB] or
 * unix:///PATH[?db=DB]. Pure parsing, shared by the config check and the
 * daemon's connection. A password is never part of the URL: it would
 * sit in a config file that must not hold secrets (fleet.password_file).
 */
#ifndef FG_REDISURL_H
#define FG_REDISURL_H

#include <stdbool.h>

#define FG_REDIS_URL_MAX 256
#define FG_REDIS_PORT_DEFAULT 6379

struct fg_redis_addr {
	bool is_unix;
	char host[FG_REDIS_URL_MAX]; /* name or address, without [] */
	char path[108];		     /* unix socket: sun_path's size */
	int port;
	int db; /* SELECT; 0..15 on a default server */
};

/* Returns 0, or -EINVAL with *why saying what is wrong. */
int fg_redis_url_parse(const char *url, struct fg_redis_addr *out,
		       const char **why);

#endif /* FG_REDISURL_H */
