#!/usr/bin/env bash
# /metrics under attack and under bad reloads (metrics.web_config, TLS and
# basic auth with cost-12 bcrypt hashes, the most accepted):
#   - 40 clients without the password (a wrong one for a real user, an
#     unknown user, none) hammer the listener for 8 s; a scrape with the
#     password, verified once before, still answers 200 well within a
#     second (before: every request cost a bcrypt on the one HTTP thread,
#     and the scrape timed out); the hammering got only 401s, and the
#     failed checks were limited (logged);
#   - under the hammer, a user never verified yet gets in from another
#     address (127.0.0.2; before: the one bucket for failed checks was
#     empty, 401);
#   - after the hammering, a user never verified yet gets in;
#   - a reload whose certificate and key are not a pair fails naming
#     them, is counted as failed, and the running listener serves on
#     (before: the listener stopped, the new one could not start, and
#     the reload counted as a success);
#   - a reload that moves the listener to a port already taken fails,
#     and the running listener serves on (before: it was stopped first);
#   - reloads that move the listener onto its own port,
#     127.0.0.1:P -> 0.0.0.0:P -> 127.0.0.1:P, with a rule changed in
#     each, succeed, the rule is in and the listener serves (before: the
#     new address could not be bound beside the old, and the reloads,
#     rules and all, failed);
#   - a reload whose web config is a FIFO fails at once (before: the
#     main thread blocked in open()), the listener serves on.
# Local only: the listener is on 127.0.0.1 in the lab's server namespace.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2016 # bcrypt hashes: the $ are literal
# bcrypt cost 12 ($2b$, Python's crypt) of "alice-pw" and "bob-pw" (also
# carol's password).
ALICE_HASH='$2b$12$xwfviU0GZ38E9tA3t0NVa.N9.EIFpuRnjAZvaSjZTj2f2NUXXrT1q'
# shellcheck disable=SC2016
BOB_HASH='$2b$12$4dyTMCsR58kQJVeNugTwt.P6cwJFpazVJQ93OscxerpX92OQx2rLy'
CLIENTS=40 HAMMER_S=8

fg_require_root
fg_require_cmds ip nsenter curl openssl python3
fg_require_bins floodgated floodgate

tap_plan 15

lab_setup || tap_bail "could not build the lab"
MPORT=$(lab_free_port "$FG_NS_SERVER")
URL=https://127.0.0.1:$MPORT/metrics

# mkcert NAME: a self-signed certificate and its key, NAME.crt NAME.key.
mkcert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj /CN=floodgate-test -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$FG_TMP/$1.key" -out "$FG_TMP/$1.crt" >"$FG_TMP/openssl.log" 2>&1 ||
		tap_bail "openssl could not make a certificate: $(cat "$FG_TMP/openssl.log")"
}
mkcert a
mkcert b
web=$FG_TMP/web.yml
# write_web CERT KEY: the web config, users alice and bob.
write_web() {
	cat >"$web" <<EOT
tls_server_config:
  cert_file: $1
  key_file: $2
basic_auth_users:
  alice: '$ALICE_HASH'
  bob: '$BOB_HASH'
  carol: '$BOB_HASH'
EOT
}
write_web "$FG_TMP/a.crt" "$FG_TMP/a.key"

cfg=$FG_TMP/auth.yaml
fg_config_web "$cfg" "127.0.0.1:$MPORT" "$web"
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"
fg_log_wait 'tls=on users=3' 10 || tap_bail "no metrics listener: $(tail -n 5 "$FG_DAEMON_LOG")"

# scrape USER:PASS [SOURCE]: "HTTP_CODE SECONDS" on stdout, body in
# $FG_TMP/body; from SOURCE (default 127.0.0.1).
scrape() {
	lab_exec "$FG_NS_SERVER" curl -sS --max-time 10 --cacert "$FG_TMP/a.crt" \
		--interface "${2:-127.0.0.1}" -o "$FG_TMP/body" \
		-w '%{http_code} %{time_total}' -u "$1" "$URL" 2>>"$FG_TMP/curl.err"
}

read -r code secs < <(scrape alice:alice-pw)
check_str "alice's first scrape (one bcrypt at cost 12): 200" "$code" 200

# The hammer: CLIENTS threads, each a request every 0.25 s for HAMMER_S,
# a new TLS connection each; counts the answers by status.
cat >"$FG_TMP/hammer.py" <<'EOF3'
import base64, http.client, ssl, sys, threading, time
port, clients, secs, out = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
creds = [b"alice:wrong", b"mallory:alice-pw", None]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
counts, lock = {}, threading.Lock()
end = time.monotonic() + secs

def client(i):
    c = creds[i % len(creds)]
    hdr = {"Authorization": "Basic " + base64.b64encode(c).decode()} if c else {}
    for _ in range(int(secs * 4) + 1):
        if time.monotonic() >= end:
            return
        t = time.monotonic()
        try:
            h = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=ctx)
            h.request("GET", "/metrics", headers=hdr)
            k = str(h.getresponse().status)
            h.close()
        except Exception:
            k = "error"
        with lock:
            counts[k] = counts.get(k, 0) + 1
        time.sleep(max(0.0, 0.25 - (time.monotonic() - t)))

ts = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in ts:
    t.start()
for t in ts:
    t.join()
with open(out, "w") as f:
    f.write(" ".join("%s=%d" % kv for kv in sorted(counts.items())) + "\n")
EOF3
lab_bg "$FG_NS_SERVER" "$FG_TMP/hammer.log" python3 "$FG_TMP/hammer.py" "$MPORT" "$CLIENTS" \
	"$HAMMER_S" "$FG_TMP/hammer.out"
hammer=$LAB_BG_PID
sleep 2
slow=0 codes=""
for _ in 1 2 3; do
	read -r code secs < <(scrape alice:alice-pw)
	codes="$codes $code"
	_fg_cmp "$secs" '<' 1 || slow=$((slow + 1))
	diag "scrape under the hammer: $code in ${secs}s"
	sleep 1
done
check_str "under $CLIENTS clients without the password: 3 scrapes by alice, 200 each" "$codes" " 200 200 200"
check_eq "... each within 1 s (the count of slower ones)" "$slow" 0
read -r code secs < <(scrape carol:bob-pw 127.0.0.2)
check_str "... and carol, never verified, from 127.0.0.2: 200" "$code" 200
fg_wait_pid "$hammer" $((HAMMER_S + 15))
check_eq "the hammer finished" $? 0
counts=$(cat "$FG_TMP/hammer.out" 2>/dev/null)
n401=$(sed -n 's/.*401=\([0-9]*\).*/\1/p' <<<"$counts")
if [ "${n401:-0}" -ge 300 ] && [[ $counts != *200=* ]]; then
	ok "the hammer got only 401s: $counts"
else
	not_ok "the hammer got only 401s, at least 300" "$counts" "$(tail -n 3 "$FG_TMP/hammer.log")"
fi
if fg_log_wait 'too many failed logins' 1; then
	ok "failed checks beyond the bucket were answered without bcrypt (logged)"
else
	not_ok "failed checks were limited" "$(tail -n 5 "$FG_DAEMON_LOG")"
fi
# The bucket refills at 1/s: bob, never verified, gets in.
sleep 2
read -r code secs < <(scrape bob:bob-pw)
check_str "after the hammering, bob (not verified before): 200" "$code" 200

# check_reload_fails DESC LINE: `floodgate reload` fails and floodgated
# logs LINE (within 5 s); the exit status and seconds taken are printed.
check_reload_fails() {
	local rc start=$SECONDS
	fg_cli reload >"$FG_TMP/reload.out" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] && fg_log_wait "$2" 5; then
		ok "$1 (exit $rc, $((SECONDS - start)) s)"
	else
		not_ok "$1" "exit $rc" "$(tail -n 3 "$FG_DAEMON_LOG")"
	fi
}

# A certificate with another certificate's key.
failures() {
	scrape alice:alice-pw >/dev/null
	fg_metric_value 'floodgate_config_reloads_total{result="failure"}' <"$FG_TMP/body"
}
before=$(failures)
write_web "$FG_TMP/a.crt" "$FG_TMP/b.key"
check_reload_fails "a reload with a mismatched certificate and key fails, naming them" \
	"$web: tls_server_config: key_file is not the key of cert_file's certificate"
read -r code secs < <(scrape alice:alice-pw)
after=$(fg_metric_value 'floodgate_config_reloads_total{result="failure"}' <"$FG_TMP/body")
last=$(fg_metric_value floodgate_config_last_reload_successful <"$FG_TMP/body")
check_str "the old listener serves on (200); reloads failed $before -> ${after:-?}, last_reload_successful ${last:-?}" \
	"$code $((after - before)) $last" "200 1 0"

# Another port, taken: the new listener cannot start beside the old.
write_web "$FG_TMP/a.crt" "$FG_TMP/a.key"
taken=$(lab_free_port "$FG_NS_SERVER")
lab_bg "$FG_NS_SERVER" "$FG_TMP/taken.log" python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
print("listening", flush=True)
time.sleep(60)' "$taken"
holder=$LAB_BG_PID
fg_wait_until 5 grep -q listening "$FG_TMP/taken.log"
sed -i "s/127.0.0.1:$MPORT/127.0.0.1:$taken/" "$cfg"
fg_cli reload >"$FG_TMP/reload.out" 2>&1
rc=$?
read -r code secs < <(scrape alice:alice-pw)
if [ "$rc" -ne 0 ] && [ "$code" = 200 ] &&
	fg_log_wait "127.0.0.1:$taken: cannot listen: Address already in use; the running listener on 127.0.0.1:$MPORT is kept" 5; then
	ok "a reload onto a taken port fails (exit $rc); the running listener serves on (200)"
else
	not_ok "a reload onto a taken port fails, the running listener serves on" "exit $rc, code $code" \
		"$(tail -n 3 "$FG_DAEMON_LOG")"
fi
fg_kill "$holder" 1
sed -i "s/127.0.0.1:$taken/127.0.0.1:$MPORT/" "$cfg"

# The listener moved onto its own port, a rule changed in each reload.
# move_to ADDR RULE: listening on ADDR:MPORT, one rule named RULE.
move_to() {
	local served
	served=$(fg_log_count "listen=\"$1:$MPORT\" path=/metrics")
	fg_config_web "$cfg" "$1:$MPORT" "$web" "rules: [{name: $2, protocol: udp, ports: [9]}]"
	fg_cli reload >"$FG_TMP/reload.out" 2>&1
	rc=$?
	read -r code secs < <(scrape alice:alice-pw)
	if [ "$rc" -eq 0 ] && [ "$code" = 200 ] && grep -qF "floodgate_rule_packets_total{rule=\"$2\"" "$FG_TMP/body" &&
		fg_log_wait "listen=\"$1:$MPORT\" path=/metrics" 5 $((served + 1)); then
		ok "a reload onto $1:$MPORT with rule $2 succeeds; the rule is in, the listener serves (200)"
	else
		not_ok "a reload onto $1:$MPORT with rule $2 succeeds" "exit $rc, code $code" \
			"$(tail -n 3 "$FG_DAEMON_LOG")"
	fi
}
move_to 0.0.0.0 moved-a
move_to 127.0.0.1 moved-b

# A FIFO where the web config was: refused, not waited on.
rm -f "$web" && mkfifo -m 0600 "$web"
check_reload_fails "a reload with a FIFO for the web config fails at once" "$web: not a regular file (a FIFO)"
read -r code secs < <(scrape alice:alice-pw)
check_str "... and alice still gets 200" "$code" 200

rm -f "$web"
fg_daemon_stop "$FG_DAEMON_PID"
