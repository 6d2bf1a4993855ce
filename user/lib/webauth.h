/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Basic auth (RFC 7617) for /metrics against metrics.web_config's bcrypt
 * hashes, at a bounded cost to whoever can reach the port:
 *   - credentials once verified are remembered, as an HMAC-SHA256 of
 *     "user:password" under a key drawn at start (no plaintext kept), in
 *     FG_AUTH_CACHE_SLOTS slots, least recently used out: a scraper pays
 *     one bcrypt per listener;
 *   - every other check takes a token from its peer's bucket
 *     (FG_AUTH_FAIL_BURST, refilled FG_AUTH_FAIL_PER_S a second; a peer
 *     is an IPv4 address or an IPv6 /64, FG_AUTH_PEERS of them remembered,
 *     least recently seen out) and one from a bucket for all, refilled
 *     so that bcrypt takes about FG_AUTH_CPU_SHARE of a core at the last
 *     measured cost (never under FG_AUTH_GLOBAL_MIN_PER_S); with either
 *     empty it is denied without hashing. A peer's failures spend only
 *     its own bucket, so one attacker cannot keep others out; a check
 *     that succeeds gives its peer's token back (its CPU was spent);
 *   - an unknown user costs no bcrypt but waits as long as the last one
 *     took, and takes its tokens like a known one, so neither the time of
 *     the answer nor the buckets tell which user names exist.
 * What remains: peers beyond FG_AUTH_PEERS, or enough of them (each at
 * FG_AUTH_FAIL_PER_S) to outrun the bucket for all, keep it empty; then
 * credentials not verified yet are refused until they stop, while
 * verified ones (cached) still pass and the CPU stays bounded.
 * Safe to call from several threads at once.
 */
#ifndef FG_WEBAUTH_H
#define FG_WEBAUTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"

#define FG_AUTH_CACHE_SLOTS 16
#define FG_AUTH_MAC_LEN 32
/* Per peer. At cost 12 (the most accepted), one a second is a fifth of
 * a core. */
#define FG_AUTH_FAIL_BURST 5
#define FG_AUTH_FAIL_PER_S 1
#define FG_AUTH_PEERS 256
/* For all: a core's share for bcrypt, refilled at FG_AUTH_CPU_SHARE /
 * (the last bcrypt's seconds) a second (at least FG_AUTH_GLOBAL_MIN_PER_S),
 * holding a second's worth beyond one peer's burst. */
#define FG_AUTH_CPU_SHARE 0.5
#define FG_AUTH_GLOBAL_MIN_PER_S 2

enum fg_auth_verdict {
	FG_AUTH_PASS,
	FG_AUTH_DENY,	 /* wrong, unknown, or no credentials */
	FG_AUTH_LIMITED, /* not checked: a bucket is empty */
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
	struct fg_auth_bucket {
		unsigned char peer[16]; /* IPv6, or IPv4-mapped */
		uint64_t tat;		/* fg_gcra.h's; 0: a full burst */
		uint64_t used;		/* 0: empty */
	} peers[FG_AUTH_PEERS], all;
	uint64_t peer_uses;
	uint64_t bcrypt_ns; /* how long the last bcrypt took; 0: none yet */
	uint64_t bcrypts;   /* run so far (for tests and logs) */
};

/* 0, or -errno (no random key). */
int fg_auth_init(struct fg_auth *a, const struct fg_web_config *web);
void fg_auth_fini(struct fg_auth *a);
/* authorization: the header's value (may be NULL); peer: the client's
 * address (NULL: one peer for all such calls); now_ns: a monotonic
 * clock, for the buckets. */
enum fg_auth_verdict fg_auth_check(struct fg_auth *a, const char *authorization,
				   const struct sockaddr *peer,
				   uint64_t now_ns);

#endif /* FG_WEBAUTH_H */
