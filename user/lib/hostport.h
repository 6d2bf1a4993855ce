/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A listen address, HOST:PORT or [IPV6]:PORT, split in one place for the
 * config (metrics.listen) and the HTTP server. What the host and port
 * may be is each caller's to check.
 */
#ifndef FG_HOSTPORT_H
#define FG_HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>

/* Pointers into the string split; nothing is copied. */
struct fg_hostport {
	const char *host; /* not NUL-ended: host_len bytes */
	size_t host_len;  /* at least 1 */
	const char *port; /* the rest of the string, possibly "" */
	bool bracketed;	  /* written [host]:port */
};

/* 0, or -EINVAL when s is not [HOST]:PORT or HOST:PORT (the last ':') with
 * a non-empty host. */
int fg_hostport_split(const char *s, struct fg_hostport *out);

#endif /* FG_HOSTPORT_H */
