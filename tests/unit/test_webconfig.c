// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* metrics.web_config: the file's parser (user/lib/config.c) and basic
 * auth against its bcrypt hashes (user/lib/http.c). */
#include <crypt.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "http.h"
#include "tmpfiles.h"

/* bcrypt (cost 4) of "floodgate-test-pw", made by Python's crypt module:
 * a hash this code did not make. */
#define HASH_PW "$2b$04$lo50J5sgZE0pjiNSZ07qzOaR03aUCdvCAoR6AA00kX8tRY3qCLOSm"

/* A throwaway P-256 certificate (made with openssl req -x509 -newkey ec),
 * its key, and another key: test material only. */
static const char CERT_A[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBijCCAS+gAwIBAgIUW6klacYb4lpvmhTba48xPjB1CzkwCgYIKoZIzj0EAwIw\n"
    "GTEXMBUGA1UEAwwOZmxvb2RnYXRlLXRlc3QwIBcNMjYxMjA4MDEzODA2WhgPMjEy\n"
    "NjExMTQwMTM4MDZaMBkxFzAVBgNVBAMMDmZsb29kZ2F0ZS10ZXN0MFkwEwYHKoZI\n"
    "zj0CAQYIKoZIzj0DAQcDQgAEKH6ueQXxIcbY4SOxPlUabV5Hboeo+/upC882nqJ+\n"
    "fCKvHddVkeZ6Tcu8Exav8HL4XSGJJ9IqtOI4SNcboOefzqNTMFEwHQYDVR0OBBYE\n"
    "FNv0Ysc9hyXkRyEbIk/jD9oIl4dQMB8GA1UdIwQYMBaAFNv0Ysc9hyXkRyEbIk/j\n"
    "D9oIl4dQMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAN8fvX0i\n"
    "r4JsUm6vkrZHbihV6/oSqVogErS2P/A9lh8XAiEA7kRPB0RhCM8QHFJ111JkEz2+\n"
    "hsqdVx4qOkzDOYUQ6po=\n"
    "-----END CERTIFICATE-----\n";
static const char KEY_A[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgWkLbqttM3Fu0zG7n\n"
    "5IeoY2mspHiUziC/0e+GwoqhcJGhRANCAAQofq55BfEhxtjhI7E+VRptXkduh6j7\n"
    "+6kLzzaeon58Iq8d11WR5npNy7wTFq/wcvhdIYkn0iq04jhI1xug55/O\n"
    "-----END PRIVATE KEY-----\n";
static const char KEY_B[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg6WCOVnhB8cQ4Zh8w\n"
    "mCTlsXRUztE171xVW0TxgZEVX76hRANCAAQJtUTuqX54SuKXviQHntpJ+jsVzTbM\n"
    "ZDgI5FEOJDirbVHidmjx/iot1ml0OAWTLarAAFEwvwEzq/76TLAZ66aB\n"
    "-----END PRIVATE KEY-----\n";

struct fx {
	char dir[64], cert[96], key[96], notpem[96];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/fg_webcfg_XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->cert, sizeof(f->cert), "%s/cert.pem", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/key.pem", f->dir);
	snprintf(f->notpem, sizeof(f->notpem), "%s/notpem", f->dir);
	write_file(f->cert,
		   "-----BEGIN CERTIFICATE-----\nMIIB\n"
		   "-----END CERTIFICATE-----\n",
		   0644);
	write_file(f->key,
		   "-----BEGIN PRIVATE KEY-----\nMIIE\n"
		   "-----END PRIVATE KEY-----\n",
		   0600);
	write_file(f->notpem, "hello\n", 0600); /* read as a key */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->cert);
	unlink(f->key);
	unlink(f->notpem);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct fg_web_config *load(const char *text, char *err, size_t len)
{
	struct fg_web_config *w = NULL;

	if (fg_web_config_load_string(text, strlen(text), "w.yml", &w, err,
				      len))
		return NULL;
	return w;
}

static void test_valid(void **state)
{
	struct fx *f = *state;
	struct fg_web_config *w, *d;
	char text[1024], err[FG_ERR_MAX];

	snprintf(text, sizeof(text),
		 "tls_server_config:\n"
		 "  cert_file: %s\n"
		 "  key_file: %s\n"
		 "basic_auth_users:\n"
		 "  alice: %s\n"
		 "  bob: '$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/"
		 "42V2pdJlUprsJPze'\n"
		 /* cost 12, the most accepted */
		 "  carol: '$2b$12$lo50J5sgZE0pjiNSZ07qzOaR03aUCdvCAoR6AA00kX8"
		 "tRY3qCLOSm'\n",
		 f->cert, f->key, HASH_PW);
	w = load(text, err, sizeof(err));
	if (!w) {
		fail_msg("%s", err);
		return;
	}
	assert_non_null(strstr(w->cert_pem, "BEGIN CERTIFICATE"));
	assert_int_equal(w->cert_len, strlen(w->cert_pem));
	assert_non_null(strstr(w->key_pem, "BEGIN PRIVATE KEY"));
	assert_int_equal(w->nusers, 3);
	assert_string_equal(w->users[0].name, "alice");
	assert_string_equal(w->users[0].hash, HASH_PW);
	assert_string_equal(w->users[1].name, "bob");

	d = fg_web_config_dup(w);
	assert_non_null(d);
	assert_true(d->cert_pem != w->cert_pem);
	assert_true(fg_web_config_equal(w, d));
	d->users[1].hash[20] ^= 1;
	assert_false(fg_web_config_equal(w, d));
	assert_false(fg_web_config_equal(w, NULL));
	assert_true(fg_web_config_equal(NULL, NULL));
	fg_web_config_free(d);
	fg_web_config_free(w);

	/* Empty: plain HTTP and no auth, as with the exporter toolkit. */
	w = load("", err, sizeof(err));
	assert_non_null(w);
	assert_null(w->cert_pem);
	assert_int_equal(w->nusers, 0);
	assert_true(fg_web_config_equal(w, NULL));
	fg_web_config_free(w);
}

static void test_errors(void **state)
{
	struct fx *f = *state;
	struct {
		char text[512];
		const char *want;
	} cases[10];
	char err[FG_ERR_MAX];
	size_t n = 0;

	memset(cases, 0, sizeof(cases));
#define CASE(want_, ...)                                                     \
	do {                                                                 \
		snprintf(cases[n].text, sizeof(cases[n].text), __VA_ARGS__); \
		cases[n++].want = want_;                                     \
	} while (0)
	CASE("w.yml:1:1: http_server_config: unknown key; allowed: "
	     "tls_server_config, basic_auth_users",
	     "http_server_config: {http2: true}\n");
	CASE("w.yml:3:3: tls_server_config.client_ca_file: unknown key; "
	     "allowed: cert_file, key_file",
	     "tls_server_config:\n  cert_file: %s\n  client_ca_file: x\n",
	     f->cert);
	CASE("w.yml:2:3: tls_server_config: cert_file and key_file go "
	     "together: key_file is missing",
	     "tls_server_config:\n  cert_file: %s\n", f->cert);
	CASE("w.yml:2:14: tls_server_config.cert_file: /nonexistent/c.pem: "
	     "cannot read: No such file or directory",
	     "tls_server_config:\n  cert_file: /nonexistent/c.pem\n"
	     "  key_file: %s\n",
	     f->key);
	CASE("w.yml:2:14: tls_server_config.cert_file: \"c.pem\": expected an "
	     "absolute path",
	     "tls_server_config:\n  cert_file: c.pem\n  key_file: %s\n",
	     f->key);
	CASE("expected PEM text with PRIVATE KEY-----",
	     "tls_server_config:\n  cert_file: %s\n  key_file: %s\n", f->cert,
	     f->notpem);
	/* A plain password where the hash goes: refused, and not shown. */
	CASE("w.yml:2:10: basic_auth_users.alice: expected a bcrypt hash like "
	     "$2y$10$",
	     "basic_auth_users:\n  alice: hunter2hunter2\n");
	CASE("w.yml:2:3: basic_auth_users: \"al:ice\": a user name is 1 to 63 "
	     "printable characters, no ':'",
	     "basic_auth_users:\n  \"al:ice\": %s\n", HASH_PW);
	CASE("expected a bcrypt hash",
	     "basic_auth_users:\n  alice: '$2b$03$lo50J5sgZE0pjiNSZ07qzOaR03aU"
	     "CdvCAoR6AA00kX8tRY3qCLOSm'\n");
	/* Every check of a new password costs 2^cost rounds on the
	 * daemon's CPU: 13 and up are refused. */
	CASE("w.yml:2:10: basic_auth_users.alice: bcrypt cost 13 is above 12",
	     "basic_auth_users:\n  alice: '$2b$13$lo50J5sgZE0pjiNSZ07qzOaR03aU"
	     "CdvCAoR6AA00kX8tRY3qCLOSm'\n");
#undef CASE
	for (size_t i = 0; i < n; i++) {
		struct fg_web_config *w = load(cases[i].text, err, sizeof(err));

		if (w)
			fail_msg("case %zu parsed:\n%s", i, cases[i].text);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
				 cases[i].want);
		assert_null(strstr(err, "hunter2"));
	}
}

/* A certificate and a key that are not its own: refused when the web
 * config loads, before any listener stops (libmicrohttpd would not start
 * with them). */
static void test_tls_pair(void **state)
{
	struct fg_web_config w = {.path = "/etc/floodgate/web.yml"};
	char err[FG_ERR_MAX] = "";

	(void)state;
	w.cert_pem = (char *)CERT_A;
	w.cert_len = strlen(CERT_A);
	w.key_pem = (char *)KEY_A;
	w.key_len = strlen(KEY_A);
	assert_int_equal(fg_http_tls_check(&w, err, sizeof(err)), 0);
	w.key_pem = (char *)KEY_B;
	w.key_len = strlen(KEY_B);
	assert_int_equal(fg_http_tls_check(&w, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "/etc/floodgate/web.yml: tls_server_config: "
				 "key_file is not the key of cert_file's "
				 "certificate");
	/* Two keys: no certificate at all. */
	w.cert_pem = (char *)KEY_A;
	w.cert_len = strlen(KEY_A);
	assert_int_equal(fg_http_tls_check(&w, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cert_file and key_file: "));
	/* No TLS: nothing to check. */
	assert_int_equal(fg_http_tls_check(NULL, err, sizeof(err)), 0);
}

/* metrics.web_config in the main config: an absolute path or "". */
static void test_config_key(void **state)
{
	static const char ok[] =
	    "metrics:\n  web_config: /etc/floodgate/web.yml\n";
	static const char bad[] = "metrics:\n  web_config: web.yml\n";
	struct fg_settings s;
	char err[FG_ERR_MAX];

	(void)state;
	assert_int_equal(fg_config_load_string(ok, strlen(ok), "t.yaml", &s,
					       err, sizeof(err)),
			 0);
	assert_string_equal(s.metrics_web_config, "/etc/floodgate/web.yml");
	assert_null(s.web); /* the daemon loads it */
	fg_config_free(&s);
	assert_int_equal(fg_config_load_string(bad, strlen(bad), "t.yaml", &s,
					       err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "t.yaml:2:15: metrics.web_config: "
				    "\"web.yml\": expected an absolute path"));
}

static void b64(const char *in, char *out)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(in), o = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned int v = (unsigned char)in[i] << 16;

		v |= i + 1 < len ? (unsigned char)in[i + 1] << 8 : 0;
		v |= i + 2 < len ? (unsigned char)in[i + 2] : 0;
		out[o++] = a[(v >> 18) & 63];
		out[o++] = a[(v >> 12) & 63];
		out[o++] = i + 1 < len ? a[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? a[v & 63] : '=';
	}
	out[o] = '\0';
}

static int auth(const struct fg_web_config *w, const char *user_pass)
{
	char header[256];

	snprintf(header, sizeof(header), "Basic ");
	b64(user_pass, header + 6);
	return fg_http_auth_ok(w, header);
}

static void test_auth(void **state)
{
	char text[512], err[FG_ERR_MAX], bob[FG_BCRYPT_LEN + 8];
	struct crypt_data *cd;
	struct fg_web_config *w;

	(void)state;
	/* bob's hash made here by libcrypt, $2y$ as htpasswd writes it */
	cd = calloc(1, sizeof(*cd));
	assert_non_null(cd);
	snprintf(bob, sizeof(bob), "%s",
		 crypt_r("pw2", crypt_gensalt("$2y$", 4, NULL, 0), cd));
	free(cd);
	assert_int_equal(strlen(bob), FG_BCRYPT_LEN);
	snprintf(text, sizeof(text),
		 "basic_auth_users:\n  alice: %s\n  bob: '%s'\n", HASH_PW, bob);
	w = load(text, err, sizeof(err));
	if (!w) {
		fail_msg("%s", err);
		return;
	}

	assert_int_equal(auth(w, "alice:floodgate-test-pw"), 1);
	assert_int_equal(auth(w, "bob:pw2"), 1);
	assert_int_equal(auth(w, "alice:floodgate-test-pX"), 0);
	assert_int_equal(auth(w, "alice:"), 0);
	assert_int_equal(auth(w, "bob:floodgate-test-pw"), 0); /* alice's */
	assert_int_equal(auth(w, "carol:floodgate-test-pw"), 0);
	assert_int_equal(auth(w, "alice"), 0); /* no colon */
	assert_int_equal(auth(w, ":pw2"), 0);
	/* the scheme in any case, as RFC 7235 has it */
	{
		char h[128] = "bAsIc ";

		b64("alice:floodgate-test-pw", h + 6);
		assert_int_equal(fg_http_auth_ok(w, h), 1);
	}
	assert_int_equal(fg_http_auth_ok(w, NULL), 0);
	assert_int_equal(fg_http_auth_ok(w, ""), 0);
	assert_int_equal(fg_http_auth_ok(w, "Bearer abc"), 0);
	assert_int_equal(fg_http_auth_ok(w, "Basic !!!!"), 0);
	assert_int_equal(fg_http_auth_ok(w, "Basic YWxpY2U6=x"), 0);
	/* a NUL inside the credentials */
	assert_int_equal(fg_http_auth_ok(w, "Basic YWxpY2UAOnB3"), 0);
	fg_web_config_free(w);

	/* No users: no auth. */
	assert_int_equal(fg_http_auth_ok(NULL, NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test(test_config_key),
	    cmocka_unit_test(test_auth),
	    cmocka_unit_test(test_tls_pair),
	};

	return cmocka_run_group_tests_name("webconfig", tests, NULL, NULL);
}
