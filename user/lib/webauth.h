/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Basic auth (RFC 7617) for /metrics against metrics.web_config's bcrypt
 * hashes, at a bounded cost to whoever can reach the port:
 *   - credentials once verified are remembered, as an HMAC-SHA256 of
 *     "user:password" under a key drawn at start (no plaintext kept), in
 *     FG_AUTH_CACHE_SLOTS slots, least recently used out: a scraper pays
 *     one bcrypt per listener;
 *   - every other check takes a token from one bucket (FG_AUTH_FAIL_BURST,
 *     refilled FG_AUTH_FAIL_PER_S a second); with none left it is denied
 *     without hashing; a check that succeeds gives its token back;
 *   - an unknown user costs no bcrypt but waits as long as the last one
 *     took, and takes its token like a known one, so neither the time of
 *     the answer nor the bucket tells which user names exist.
 * Safe to call from several threads at once.
 */
#ifndef FG_WEBAUTH_H
#define FG_WEBAUTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define FG_AUTH_CACHE_SLOTS 16
#define FG_AUTH_MAC_LEN 32
/* At cost 12 (the most accepted), one a second is a fifth of a core. */
#define FG_AUTH_FAIL_BURST 5
#define FG_AUTH_FAIL_PER_S 1

enum fg_auth_verdict {
	FG_AUTH_PASS,
	FG_AUTH_DENY,	 /* wrong, unknown, or no credentials */
	FG_AUTH_LIMITED, /* not checked: the bucket is empty */
};

struct fg_auth {
	const struct fg_web_config *web; /* borrowed; NULL or no users: open */
	pthread_mutex_t lock;
	unsigned char key[32];
	struct {
		unsigned char mac[FG_AUTH_MAC_LEN];
		uint64_t used; /* 0: empty */
	} slot[FG_AUTH_CACHE_SLOTS];
	uint64_t uses;
	double tokens;
	uint64_t refill_ns;
	uint64_t bcrypt_ns; /* how long the last bcrypt took; 0: none yet */
	uint64_t bcrypts;   /* run so far (for tests and logs) */
};

/* 0, or -errno (no random key). */
int fg_auth_init(struct fg_auth *a, const struct fg_web_config *web);
void fg_auth_fini(struct fg_auth *a);
/* authorization: the header's value (may be NULL); now_ns: a monotonic
 * clock, for the bucket. */
enum fg_auth_verdict fg_auth_check(struct fg_auth *a, const char *authorization,
				   uint64_t now_ns);

#endif /* FG_WEBAUTH_H */
