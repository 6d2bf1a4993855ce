// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Basic auth at a bounded cost (user/lib/webauth.c): the cache of
 * verified credentials, the bucket for failed checks, unknown users. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "config.h"
#include "webauth.h"

/* bcrypt (cost 4) of "floodgate-test-pw", made by Python's crypt module. */
#define HASH_PW "$2b$04$lo50J5sgZE0pjiNSZ07qzOaR03aUCdvCAoR6AA00kX8tRY3qCLOSm"
#define PW "floodgate-test-pw"
#define SEC 1000000000ull

static void b64(const char *in, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(in), o = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned int v = (unsigned char)in[i] << 16;

		if (i + 1 < len)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)in[i + 2];
		out[o++] = a[(v >> 18) & 63];
		out[o++] = a[(v >> 12) & 63];
		out[o++] = i + 1 < len ? a[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? a[v & 63] : '=';
	}
	out[o] = '\0';
}

/* A client's address, IPv4 or IPv6. */
union peer {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

static union peer peer(const char *addr)
{
	union peer p;

	memset(&p, 0, sizeof(p));
	if (inet_pton(AF_INET, addr, &p.in.sin_addr) == 1) {
		p.in.sin_family = AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, addr, &p.in6.sin6_addr),
				 1);
		p.in6.sin6_family = AF_INET6;
	}
	return p;
}

/* user_pass ("user:password") checked at now, from addr. */
static enum fg_auth_verdict check_from(struct fg_auth *a, const char *addr,
				       const char *user_pass, uint64_t now)
{
	union peer p = peer(addr);
	char header[256] = "Basic ";

	b64(user_pass, header + 6);
	return fg_auth_check(a, header, &p.sa, now);
}

/* The same from one client. */
static enum fg_auth_verdict check(struct fg_auth *a, const char *user_pass,
				  uint64_t now)
{
	return check_from(a, "192.0.2.1", user_pass, now);
}

/* A web config with users u00.. (nusers of them), all with HASH_PW. */
static struct fg_web_config *users(unsigned int nusers)
{
	struct fg_web_config *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	for (unsigned int i = 0; i < nusers; i++) {
		snprintf(w->users[i].name, sizeof(w->users[i].name), "u%02u",
			 i);
		memcpy(w->users[i].hash, HASH_PW, FG_BCRYPT_LEN + 1);
	}
	w->nusers = nusers;
	return w;
}

/* The fixture of the tests with one user: an authenticator for u00. */
struct one_user {
	struct fg_web_config *w;
	struct fg_auth a;
};

static int setup_one_user(void **state)
{
	struct one_user *u = calloc(1, sizeof(*u));

	if (!u)
		return -1;
	u->w = users(1);
	if (fg_auth_init(&u->a, u->w)) {
		free(u->w);
		free(u);
		return -1;
	}
	*state = u;
	return 0;
}

static int teardown_one_user(void **state)
{
	struct one_user *u = *state;

	fg_auth_fini(&u->a);
	free(u->w);
	free(u);
	return 0;
}

/* A scraper pays one bcrypt, then none. */
static void test_cache(void **state)
{
	struct fg_web_config *w = users(2);
	struct fg_auth a;

	(void)state;
	assert_int_equal(fg_auth_init(&a, w), 0);
	assert_int_equal(check(&a, "u00:" PW, SEC), FG_AUTH_PASS);
	assert_int_equal(a.bcrypts, 1);
	for (int i = 0; i < 20; i++)
		assert_int_equal(check(&a, "u00:" PW, SEC), FG_AUTH_PASS);
	assert_int_equal(a.bcrypts, 1);
	/* Another password, another user: not what was verified. */
	assert_int_equal(check(&a, "u00:" PW "x", SEC), FG_AUTH_DENY);
	assert_int_equal(check(&a, "u01:" PW, SEC), FG_AUTH_PASS);
	assert_int_equal(a.bcrypts, 3);
	/* The cache holds no password. */
	assert_null(memmem(&a, sizeof(a), PW, strlen(PW)));
	fg_auth_fini(&a);

	/* A new state (a new listener, as a changed web config makes)
	 * starts empty, under another key. */
	assert_int_equal(fg_auth_init(&a, w), 0);
	assert_int_equal(check(&a, "u00:" PW, SEC), FG_AUTH_PASS);
	assert_int_equal(a.bcrypts, 1);
	fg_auth_fini(&a);
	free(w);
}

/* FG_AUTH_CACHE_SLOTS credentials at most, the least recently used out. */
static void test_cache_bounded(void **state)
{
	const unsigned int n = FG_AUTH_CACHE_SLOTS + 2;
	struct fg_web_config *w = users(n);
	char cred[64];
	struct fg_auth a;

	(void)state;
	assert_int_equal(fg_auth_init(&a, w), 0);
	/* A second apart: the bucket for all refills. */
	for (unsigned int i = 0; i < n; i++) {
		snprintf(cred, sizeof(cred), "u%02u:%s", i, PW);
		assert_int_equal(check(&a, cred, (i + 1) * SEC), FG_AUTH_PASS);
	}
	assert_int_equal(a.bcrypts, n);
	/* The newest FG_AUTH_CACHE_SLOTS are remembered... */
	for (unsigned int i = 2; i < n; i++) {
		snprintf(cred, sizeof(cred), "u%02u:%s", i, PW);
		assert_int_equal(check(&a, cred, n * SEC), FG_AUTH_PASS);
	}
	assert_int_equal(a.bcrypts, n);
	/* ...the two oldest were not. */
	assert_int_equal(check(&a, "u00:" PW, (n + 1) * SEC), FG_AUTH_PASS);
	assert_int_equal(a.bcrypts, n + 1);
	fg_auth_fini(&a);
	free(w);
}

/* Failed checks: FG_AUTH_FAIL_BURST, then FG_AUTH_FAIL_PER_S, each
 * beyond answered without a bcrypt. */
static void test_limiter(void **state)
{
	uint64_t t = 10 * SEC;
	struct fg_auth *a = &((struct one_user *)*state)->a;

	for (int i = 0; i < FG_AUTH_FAIL_BURST; i++)
		assert_int_equal(check(a, "u00:wrong", t), FG_AUTH_DENY);
	assert_int_equal(a->bcrypts, FG_AUTH_FAIL_BURST);
	for (int i = 0; i < 50; i++)
		assert_int_equal(check(a, "u00:wrong", t), FG_AUTH_LIMITED);
	/* The right password, not verified yet: no token, no check. */
	assert_int_equal(check(a, "u00:" PW, t), FG_AUTH_LIMITED);
	assert_int_equal(a->bcrypts, FG_AUTH_FAIL_BURST);

	/* Refilled at FG_AUTH_FAIL_PER_S. */
	t += SEC / FG_AUTH_FAIL_PER_S;
	assert_int_equal(check(a, "u00:wrong", t), FG_AUTH_DENY);
	assert_int_equal(check(a, "u00:wrong", t), FG_AUTH_LIMITED);
	assert_int_equal(a->bcrypts, FG_AUTH_FAIL_BURST + 1);

	/* A success gives its token back: the next failure is checked. */
	t += SEC / FG_AUTH_FAIL_PER_S;
	assert_int_equal(check(a, "u00:" PW, t), FG_AUTH_PASS);
	assert_int_equal(check(a, "u00:wrong", t), FG_AUTH_DENY);
	assert_int_equal(check(a, "u00:wrong", t), FG_AUTH_LIMITED);
	/* And once verified, it passes whatever the bucket holds. */
	assert_int_equal(check(a, "u00:" PW, t), FG_AUTH_PASS);
	assert_int_equal(a->bcrypts, FG_AUTH_FAIL_BURST + 3);

	/* Never more than the burst, however long it was quiet. */
	t += 3600 * SEC;
	for (int i = 0; i < FG_AUTH_FAIL_BURST; i++)
		assert_int_equal(check(a, "u00:wrong", t), FG_AUTH_DENY);
	assert_int_equal(check(a, "u00:wrong", t), FG_AUTH_LIMITED);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* An unknown user: no bcrypt (after the first, which times one), the
 * same wait as a known one, a token from the same bucket. */
static void test_unknown_user(void **state)
{
	uint64_t t = 10 * SEC, start, took;
	struct fg_auth *a = &((struct one_user *)*state)->a;

	assert_int_equal(check(a, "mallory:" PW, t), FG_AUTH_DENY);
	assert_int_equal(a->bcrypts, 1);
	assert_true(a->bcrypt_ns > 0);
	for (int i = 1; i < FG_AUTH_FAIL_BURST; i++) {
		start = mono_ns();
		assert_int_equal(check(a, "mallory:" PW, t), FG_AUTH_DENY);
		took = mono_ns() - start;
		assert_true(took >= a->bcrypt_ns);
	}
	assert_int_equal(a->bcrypts, 1);
	/* The bucket is as empty as for a known user. */
	assert_int_equal(check(a, "mallory:" PW, t), FG_AUTH_LIMITED);
	assert_int_equal(check(a, "u00:wrong", t), FG_AUTH_LIMITED);
	assert_int_equal(a->bcrypts, 1);
}

/* One client's failures spend its own bucket: another client's right
 * password, never verified, is still checked (and passes). An IPv6 /64
 * is one client. */
static void test_peers(void **state)
{
	uint64_t t = 10 * SEC;
	struct fg_auth *a = &((struct one_user *)*state)->a;

	for (int i = 0; i < FG_AUTH_FAIL_BURST; i++)
		assert_int_equal(check_from(a, "192.0.2.1", "u00:wrong", t),
				 FG_AUTH_DENY);
	assert_int_equal(check_from(a, "192.0.2.1", "u00:" PW, t),
			 FG_AUTH_LIMITED);
	assert_int_equal(check_from(a, "198.51.100.7", "u00:" PW, t),
			 FG_AUTH_PASS);

	/* A second later: the bucket for all refilled. */
	t += SEC;
	for (int i = 0; i < FG_AUTH_FAIL_BURST; i++)
		assert_int_equal(
		    check_from(a, "2001:db8:0:1::1", "u00:wrong", t),
		    FG_AUTH_DENY);
	assert_int_equal(check_from(a, "2001:db8:0:1:ffff::2", "u00:wrong", t),
			 FG_AUTH_LIMITED);
	assert_int_equal(check_from(a, "2001:db8:0:2::1", "u00:wrong", t),
			 FG_AUTH_DENY);
	assert_int_equal(a->bcrypts, 2 * FG_AUTH_FAIL_BURST + 2);
}

/* Many clients, each within its bucket, are held to the bucket for all:
 * FG_AUTH_CPU_SHARE of a core at the last bcrypt's cost. */
static void test_global_cap(void **state)
{
	uint64_t t = 10 * SEC;
	unsigned int checked = 0;
	char addr[32];
	struct fg_auth *a = &((struct one_user *)*state)->a;

	/* As if a bcrypt took 0.1 s: 5 a second for all, holding a second's
	 * worth beyond one peer's burst. Unknown users spend tokens without
	 * a bcrypt that would reset bcrypt_ns. */
	a->bcrypt_ns = SEC / 10;
	for (unsigned int i = 0; i < 20; i++) {
		snprintf(addr, sizeof(addr), "203.0.113.%u", i + 1);
		checked += check_from(a, addr, "mallory:x", t) == FG_AUTH_DENY;
	}
	assert_int_equal(checked, 5 + FG_AUTH_FAIL_BURST);
	assert_int_equal(check_from(a, "198.51.100.1", "u00:" PW, t),
			 FG_AUTH_LIMITED);
	/* A fifth of a second later, one more. */
	t += SEC / 5;
	assert_int_equal(check_from(a, "198.51.100.1", "u00:" PW, t),
			 FG_AUTH_PASS);
	assert_int_equal(a->bcrypts, 1);
}

/* No header, another scheme, bad base64, no colon: denied for free. */
static void test_malformed(void **state)
{
	uint64_t t = 10 * SEC;
	struct fg_auth *a = &((struct one_user *)*state)->a, none;

	for (int i = 0; i < 2 * FG_AUTH_FAIL_BURST; i++) {
		assert_int_equal(fg_auth_check(a, NULL, NULL, t), FG_AUTH_DENY);
		assert_int_equal(fg_auth_check(a, "Bearer x", NULL, t),
				 FG_AUTH_DENY);
		assert_int_equal(fg_auth_check(a, "Basic !!", NULL, t),
				 FG_AUTH_DENY);
		assert_int_equal(check(a, "u00", t), FG_AUTH_DENY);
	}
	assert_int_equal(a->bcrypts, 0);
	/* They took no token either. */
	assert_int_equal(check(a, "u00:" PW, t), FG_AUTH_PASS);

	/* No users: open. */
	assert_int_equal(fg_auth_init(&none, NULL), 0);
	assert_int_equal(fg_auth_check(&none, NULL, NULL, t), FG_AUTH_PASS);
	fg_auth_fini(&none);
}

#define ONE_USER(f) \
	cmocka_unit_test_setup_teardown(f, setup_one_user, teardown_one_user)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cache), cmocka_unit_test(test_cache_bounded),
	    ONE_USER(test_limiter),	  ONE_USER(test_unknown_user),
	    ONE_USER(test_peers),	  ONE_USER(test_global_cap),
	    ONE_USER(test_malformed),
	};

	return cmocka_run_group_tests_name("webauth", tests, NULL, NULL);
}
