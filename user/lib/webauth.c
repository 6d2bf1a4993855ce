// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "webauth.h"

#include <linux/types.h>

#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "fg_gcra.h"

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
 * nothing of how much matched. */
static bool same_secret(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;
	unsigned char diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= (unsigned char)(x[i] ^ y[i]);
	return diff == 0;
}

int fg_auth_init(struct fg_auth *a, const struct fg_web_config *web)
{
	memset(a, 0, sizeof(*a));
	a->web = web;
	if (getrandom(a->key, sizeof(a->key), 0) != (ssize_t)sizeof(a->key))
		return -EIO;
	return -pthread_mutex_init(&a->lock, NULL);
}

void fg_auth_fini(struct fg_auth *a)
{
	pthread_mutex_destroy(&a->lock);
	explicit_bzero(a, sizeof(*a));
}

/* Under a->lock. */
static bool cache_has(struct fg_auth *a, const unsigned char *mac)
{
	for (unsigned int i = 0; i < FG_AUTH_CACHE_SLOTS; i++) {
		if (a->slot[i].used &&
		    same_secret(a->slot[i].mac, mac, FG_AUTH_MAC_LEN)) {
			a->slot[i].used = ++a->uses;
			return true;
		}
	}
	return false;
}

/* Under a->lock: into an empty slot, or the least recently used. */
static void cache_add(struct fg_auth *a, const unsigned char *mac)
{
	unsigned int victim = 0;

	for (unsigned int i = 1; i < FG_AUTH_CACHE_SLOTS; i++) {
		if (a->slot[i].used < a->slot[victim].used)
			victim = i;
	}
	memcpy(a->slot[victim].mac, mac, FG_AUTH_MAC_LEN);
	a->slot[victim].used = ++a->uses;
}

#define NS_PER_S 1000000000ull
/* A failed check's cost in a peer's bucket (fg_gcra.h). */
#define PEER_COST_NS (NS_PER_S / FG_AUTH_FAIL_PER_S)

/* A peer's key: an IPv4 address (IPv4-mapped), or an IPv6 /64, which one
 * host commonly holds whole. */
static void peer_key(const struct sockaddr *sa, unsigned char key[16])
{
	memset(key, 0, 16);
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		key[10] = key[11] = 0xff;
		memcpy(key + 12, &in->sin_addr, 4);
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		memcpy(key, &in6->sin6_addr,
		       IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) ? 16 : 8);
	}
}

/* Under a->lock: key's bucket; a peer not seen yet takes the least
 * recently seen one's place, with a full bucket. */
static struct fg_auth_bucket *peer_bucket(struct fg_auth *a,
					  const unsigned char key[16])
{
	struct fg_auth_bucket *b = &a->peers[0];

	for (unsigned int i = 0; i < FG_AUTH_PEERS; i++) {
		if (a->peers[i].used && !memcmp(a->peers[i].peer, key, 16)) {
			b = &a->peers[i];
			b->used = ++a->peer_uses;
			return b;
		}
		if (a->peers[i].used < b->used)
			b = &a->peers[i];
	}
	memcpy(b->peer, key, 16);
	b->tat = 0;
	b->used = ++a->peer_uses;
	return b;
}

/* Under a->lock: a token for one bcrypt's worth of work from both the
 * peer's bucket and the one for all, or none taken. Each is a GCRA
 * limit, as the datapath's: the peer's FG_AUTH_FAIL_PER_S a second with
 * a burst of FG_AUTH_FAIL_BURST; all peers' FG_AUTH_CPU_SHARE of a core
 * at the last bcrypt's time (at least FG_AUTH_GLOBAL_MIN_PER_S), with a
 * second's worth beyond one peer's burst, so one peer never empties it. */
static bool take_token(struct fg_auth *a, struct fg_auth_bucket *peer,
		       uint64_t now_ns)
{
	double per_s = FG_AUTH_GLOBAL_MIN_PER_S;
	__u64 all_cost, peer_tat, all_tat;

	if (a->bcrypt_ns &&
	    FG_AUTH_CPU_SHARE * 1e9 / (double)a->bcrypt_ns > per_s)
		per_s = FG_AUTH_CPU_SHARE * 1e9 / (double)a->bcrypt_ns;
	all_cost = (__u64)(1e9 / per_s);
	if (!fg_gcra_conforms(peer->tat, now_ns, PEER_COST_NS,
			      FG_AUTH_FAIL_BURST * PEER_COST_NS, &peer_tat) ||
	    !fg_gcra_conforms(
		a->all.tat, now_ns, all_cost,
		(__u64)((per_s + FG_AUTH_FAIL_BURST) * (double)all_cost),
		&all_tat))
		return false;
	peer->tat = peer_tat;
	a->all.tat = all_tat;
	return true;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* pass checked against hash: whether it matches. Times the bcrypt for
 * the unknown users' wait. */
static bool bcrypt_matches(struct fg_auth *a, const char *pass,
			   const char *hash)
{
	struct crypt_data *scratch = calloc(1, sizeof(*scratch));
	uint64_t start = mono_ns(), took;
	const char *got;
	bool ok;

	if (!scratch)
		return false;
	got = crypt_r(pass, hash, scratch);
	ok = got && strlen(got) == FG_BCRYPT_LEN &&
	     same_secret(got, hash, FG_BCRYPT_LEN);
	explicit_bzero(scratch, sizeof(*scratch));
	free(scratch);
	took = mono_ns() - start;
	pthread_mutex_lock(&a->lock);
	a->bcrypt_ns = took ? took : 1;
	a->bcrypts++;
	pthread_mutex_unlock(&a->lock);
	return ok;
}

/* An unknown user: as long as a bcrypt takes, without one once a bcrypt
 * has been timed (the first is against the first user's hash, its answer
 * ignored). */
static void unknown_user_wait(struct fg_auth *a, const char *pass)
{
	uint64_t ns;

	pthread_mutex_lock(&a->lock);
	ns = a->bcrypt_ns;
	pthread_mutex_unlock(&a->lock);
	if (!ns) {
		bcrypt_matches(a, pass, a->web->users[0].hash);
		return;
	}
	nanosleep(&(struct timespec){.tv_sec = (time_t)(ns / 1000000000ull),
				     .tv_nsec = (long)(ns % 1000000000ull)},
		  NULL);
}

static enum fg_auth_verdict check_creds(struct fg_auth *a, char *creds,
					size_t n, const struct sockaddr *sa,
					uint64_t now_ns)
{
	const struct fg_web_user *user = NULL;
	struct fg_auth_bucket *peer = NULL;
	unsigned char mac[FG_AUTH_MAC_LEN], key[16];
	char *colon = memchr(creds, ':', n);
	bool hit, token;

	if (!colon || memchr(creds, '\0', n))
		return FG_AUTH_DENY;
	/* "user:password" is unambiguous: a user name has no ':'. */
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, a->key, sizeof(a->key), creds,
			     n, mac) < 0)
		return FG_AUTH_DENY;
	*colon = '\0';
	for (unsigned int i = 0; i < a->web->nusers; i++) {
		if (!strcmp(a->web->users[i].name, creds))
			user = &a->web->users[i];
	}
	peer_key(sa, key);
	pthread_mutex_lock(&a->lock);
	hit = cache_has(a, mac);
	if (!hit)
		peer = peer_bucket(a, key);
	token = !hit && take_token(a, peer, now_ns);
	pthread_mutex_unlock(&a->lock);
	if (hit)
		return FG_AUTH_PASS;
	if (!token)
		return FG_AUTH_LIMITED;
	if (!user) {
		unknown_user_wait(a, colon + 1);
		return FG_AUTH_DENY;
	}
	if (!bcrypt_matches(a, colon + 1, user->hash))
		return FG_AUTH_DENY;
	pthread_mutex_lock(&a->lock);
	if (!cache_has(a, mac)) /* another thread may have added it */
		cache_add(a, mac);
	/* A success is no failure to limit: the peer's token back (its
	 * bucket looked up again: others may have moved it meanwhile). */
	peer = peer_bucket(a, key);
	peer->tat = peer->tat > PEER_COST_NS ? peer->tat - PEER_COST_NS : 0;
	pthread_mutex_unlock(&a->lock);
	return FG_AUTH_PASS;
}

enum fg_auth_verdict fg_auth_check(struct fg_auth *a, const char *header,
				   const struct sockaddr *peer, uint64_t now_ns)
{
	enum fg_auth_verdict v;
	char creds[256];
	int n;

	if (!a->web || !a->web->nusers)
		return FG_AUTH_PASS;
	if (!header || strncasecmp(header, "Basic ", 6))
		return FG_AUTH_DENY;
	header += 6;
	header += strspn(header, " ");
	n = base64_decode(header, creds, sizeof(creds));
	v = n > 0 ? check_creds(a, creds, (size_t)n, peer, now_ns)
		  : FG_AUTH_DENY;
	explicit_bzero(creds, sizeof(creds));
	return v;
}
