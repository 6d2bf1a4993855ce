#!/usr/bin/env bash
# metrics.web_config (README "Metrics over TLS with basic auth"): /metrics
# over HTTPS with a self-signed certificate made here by openssl, and
# basic auth against bcrypt hashes, scraped with curl on the server
# namespace's loopback:
#   - the right user and password: 200 and the metrics;
#   - a wrong password, an unknown user, no credentials: 401 with
#     WWW-Authenticate: Basic; plain HTTP on the TLS port gets no metrics;
#   - a reload with a bad web config (a plain password where the hash
#     goes) fails naming file:line:col and key, keeps the running
#     listener and its users, and sets config_last_reload_successful 0;
#   - a reload with another user switches users without a restart.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2016 # bcrypt hashes: the $ are literal
# bcrypt (cost 4, to keep the test fast) of "floodgate-test-pw" ($2b$,
# Python's crypt) and of "bob-pw" ($2y$, as htpasswd writes it).
ALICE_HASH='$2b$04$lo50J5sgZE0pjiNSZ07qzOaR03aUCdvCAoR6AA00kX8tRY3qCLOSm'
# shellcheck disable=SC2016
BOB_HASH='$2y$04$4TLPDqI52Pokl8JqRM9mYukn6aIZtI132wnDm1IMAL5Uzdgo6dXBW'

fg_require_root
fg_require_cmds ip nsenter curl openssl
fg_require_bins floodgated floodgate

tap_plan 11

lab_setup || tap_bail "could not build the lab"
MPORT=$(lab_free_port "$FG_NS_SERVER")
URL=https://127.0.0.1:$MPORT/metrics

cert=$FG_TMP/cert.pem key=$FG_TMP/key.pem web=$FG_TMP/web.yml
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=floodgate-test -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$key" -out "$cert" >"$FG_TMP/openssl.log" 2>&1 ||
	tap_bail "openssl could not make a certificate: $(cat "$FG_TMP/openssl.log")"
write_web() {
	cat >"$web" <<EOT
tls_server_config:
  cert_file: $cert
  key_file: $key
basic_auth_users:
  $1: '$2'
EOT
}
write_web alice "$ALICE_HASH"

cfg=$FG_TMP/tls.yaml
fg_config_web "$cfg" "127.0.0.1:$MPORT" "$web"
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"
if fg_log_wait 'msg="serving metrics"' 10 && fg_log_wait 'tls=on users=1' 1; then
	ok "floodgated serves /metrics with TLS and one user"
else
	not_ok "floodgated serves /metrics with TLS and one user" "$(tail -n 5 "$FG_DAEMON_LOG")"
fi

# scrape [CURL_ARGS..]: "HTTP_CODE" on stdout; body in $FG_TMP/body,
# headers in $FG_TMP/hdr.
scrape() {
	lab_exec "$FG_NS_SERVER" curl -sS --max-time 10 --cacert "$cert" -o "$FG_TMP/body" \
		-D "$FG_TMP/hdr" -w '%{http_code}' "$@" "$URL" 2>>"$FG_TMP/curl.err"
}

code=$(scrape -u alice:floodgate-test-pw)
if [ "$code" = 200 ] && grep -q '^floodgate_enabled 1$' "$FG_TMP/body"; then
	ok "https, the certificate verified, alice's password: 200 and the metrics"
else
	not_ok "https with alice's password: 200 and the metrics" "code $code" "$(tail -n 3 "$FG_TMP/curl.err")"
fi
check_str "a wrong password: 401" "$(scrape -u alice:floodgate-test-pX)" 401
if grep -qiE '^www-authenticate: Basic realm="floodgate"' "$FG_TMP/hdr" && ! grep -q floodgate_ "$FG_TMP/body"; then
	ok "... with WWW-Authenticate: Basic realm=\"floodgate\", and no metrics"
else
	not_ok "... with WWW-Authenticate: Basic, and no metrics" "$(cat "$FG_TMP/hdr")"
fi
check_str "an unknown user with alice's password: 401" "$(scrape -u mallory:floodgate-test-pw)" 401
check_str "no credentials: 401" "$(scrape)" 401
# Code 000 alone would also be a port nothing listens on: the TCP
# connection must have been made (curl's num_connects).
plain=$(lab_exec "$FG_NS_SERVER" curl -s --max-time 5 -o /dev/null -w '%{http_code} %{num_connects}' \
	-u alice:floodgate-test-pw "http://127.0.0.1:$MPORT/metrics")
check_str "plain HTTP on the TLS port: connected, no HTTP answer (code 000, 1 connection)" "$plain" "000 1"

# A plain password where the hash goes: the reload fails, nothing changes.
write_web alice hunter2hunter2
fg_cli reload >"$FG_TMP/reload.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && fg_log_wait "$web:5:10: basic_auth_users.alice: expected a bcrypt hash" 5 &&
	[ "$(fg_log_count hunter2)" = 0 ]; then
	ok "a bad web config fails the reload (exit $rc), logged as FILE:5:10: basic_auth_users.alice, the password not echoed"
else
	not_ok "a bad web config fails the reload with FILE:LINE:COL and key" "exit $rc" "$(tail -n 3 "$FG_DAEMON_LOG")"
fi
code=$(scrape -u alice:floodgate-test-pw)
if [ "$code" = 200 ] && grep -q '^floodgate_config_last_reload_successful 0$' "$FG_TMP/body"; then
	ok "after the failed reload: alice still gets 200, config_last_reload_successful 0"
else
	not_ok "after the failed reload: alice still 200, last_reload_successful 0" "code $code" \
		"$(grep last_reload "$FG_TMP/body")"
fi

# Another user: the listener restarts with it.
write_web bob "$BOB_HASH"
fg_cli reload >"$FG_TMP/reload.out" 2>&1
check_eq "a reload with user bob instead: exit 0" $? 0
code_bob=$(scrape -u bob:bob-pw)
reload_ok=$(fg_metric_value floodgate_config_last_reload_successful <"$FG_TMP/body")
code_alice=$(scrape -u alice:floodgate-test-pw)
check_str "bob gets 200 (last_reload_successful $reload_ok), alice 401" "$code_bob $reload_ok $code_alice" "200 1 401"

fg_daemon_stop "$FG_DAEMON_PID"
