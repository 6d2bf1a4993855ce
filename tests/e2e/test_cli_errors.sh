#!/usr/bin/env bash
# DESIGN §3 errors, §4, §5 exit codes: bad invocations of the real
# binaries say what is wrong and exit 2 (usage) or 1 (failed); with
# --json the error is a JSON object {"error": "..."} on stdout.
# floodgated runs in the test's server namespace and on the test's own
# pin directory only.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

fg_require_root
fg_require_cmds ip nsenter bpftool python3
fg_require_bins floodgated floodgate

tap_plan 36

lab_setup || tap_bail "could not build the lab"

OUT=$FG_TMP/out ERR=$FG_TMP/err
# run CMD...: runs it, stdout in OUT, stderr in ERR, exit status in RC.
run() {
	"$@" >"$OUT" 2>"$ERR"
	RC=$?
}
# expect DESC RC TEXT [out|err]: exit status RC and TEXT (fixed string) in
# stderr (default) or stdout.
expect() {
	local desc=$1 rc=$2 text=$3 f=$ERR
	[ "${4:-err}" = out ] && f=$OUT
	if [ "$RC" -eq "$rc" ] && grep -qF -- "$text" "$f"; then
		ok "$desc"
	else
		not_ok "$desc" "wanted exit $rc and '$text'; got exit $RC" \
			"stdout: $(head -c 600 "$OUT")" "stderr: $(head -c 600 "$ERR")"
	fi
}
# expect_json DESC RC TEXT: exit RC; stdout exactly one JSON object
# {"error": "...TEXT..."}.
expect_json() {
	local desc=$1 rc=$2 text=$3
	if [ "$RC" -eq "$rc" ] && python3 - "$OUT" "$text" <<'PY'; then
import json, sys
try:
    o = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit(1)
sys.exit(0 if list(o) == ["error"] and isinstance(o["error"], str) and sys.argv[2] in o["error"] else 1)
PY
		ok "$desc"
	else
		not_ok "$desc" "wanted exit $rc and {\"error\": \"...$text...\"}; got exit $RC" \
			"stdout: $(head -c 600 "$OUT")" "stderr: $(head -c 600 "$ERR")"
	fi
}

# --- the CLI, no daemon, no pins (FG_PIN_DIR does not exist yet) ---------
run fg_cli frobnicate
expect "unknown verb: exit 2, says so" 2 'unknown command "frobnicate"'
run fg_cli --json frobnicate
expect_json "unknown verb, --json: exit 2, {\"error\": ...}" 2 frobnicate
run fg_cli d
expect "ambiguous prefix (d: disable, deny, detach): exit 2" 2 '"d" is ambiguous'
# Verbs that can lower protection take only their full name: a prefix is a
# usage error that names the verb; other verbs still prefix-match.
run fg_cli det
expect "det (prefix of detach): exit 2, names detach" 2 '"det": did you mean "detach"?'
run fg_cli dis
expect "dis (prefix of disable): exit 2, names disable" 2 '"dis": did you mean "disable"?'
run fg_cli --json det
expect_json "det, --json: exit 2, {\"error\": ...detach...}" 2 'did you mean "detach"?'
run fg_cli mo dry-run
expect "mo dry-run (prefix of mode): exit 2, names mode" 2 '"mo": did you mean "mode"?'
run fg_cli un 203.0.113.7
expect "un ADDR (prefix of unblock): exit 2, names unblock" 2 '"un": did you mean "unblock"?'
run fg_cli unblock 203.0.113.7 --rule
expect "unblock ADDR --rule (no name): exit 2, says so" 2 'unblock --rule: expected a rule name'
run fg_cli unblock --rule web
expect "unblock --rule NAME (no address): exit 2, says so" 2 'unblock: expected one address'
run fg_cli st
expect "st (prefix of status) still runs status: exit 1, floodgated is not running" 1 'floodgated is not running'
run fg_cli ver
expect "ver (prefix of version) still runs version: exit 0" 0 '(libbpf ' out
run fg_cli allow add 203.0.113.0/33
expect "allow add 203.0.113.0/33: exit 2, names the CIDR" 2 '"203.0.113.0/33"'
run fg_cli allow add not-a-cidr
expect "allow add not-a-cidr: exit 2, names it" 2 '"not-a-cidr"'
run fg_cli --json deny add 2001:db8::/129
expect_json "deny add 2001:db8::/129, --json: exit 2, names the CIDR" 2 '2001:db8::/129'
run fg_cli allow frob 203.0.113.0/24
expect "allow frob: exit 2" 2 'unknown "frob"'
run fg_cli mode fast
expect "mode fast: exit 2, expected enforce or dry-run" 2 'expected enforce or dry-run'
run fg_cli --json top -n 0
expect_json "top -n 0, --json: exit 2" 2 'top -n'
run fg_cli status
expect "status without daemon or pins: exit 1, floodgated is not running" 1 'floodgated is not running'
if grep -qF "$FG_PIN_DIR" "$ERR"; then ok "... and names the pin directory"; else not_ok "... and names the pin directory" "$(cat "$ERR")"; fi
run fg_cli --json status
expect_json "status --json without pins: exit 1, {\"error\": \"floodgated is not running ...\"}" 1 'floodgated is not running'
run fg_cli disable
expect "disable without pins: exit 1, floodgated is not running" 1 'floodgated is not running'
run fg_cli --json
expect_json "no command, --json: exit 2, {\"error\": ...}" 2 ''

# --- floodgated ------------------------------------------------------------
D() { fg_daemon_cmd --pin-dir "$FG_PIN_DIR" "$@"; }
missing_cfg=$FG_TMP/no-such-dir/floodgate.yaml
run D -c "$missing_cfg" -i "$FG_IF_SERVER"
expect "floodgated -c MISSING: exit 1, names the file" 1 "$missing_cfg"
bad=$FG_TMP/bad.yaml
cat >"$bad" <<EOF
interfaces: [$FG_IF_SERVER]
rules:
  - name: web
    protocol: tcp
    ports: [80, "90-70"]
EOF
run D --check -c "$bad"
expect "floodgated --check -c BAD.yaml: exit 1" 1 "$bad:"
if grep -qE "^$bad:5:[0-9]+: rules\[[0-9]\]\.ports: " "$ERR"; then
	ok "... the message is FILE:LINE:COL: key: ($(head -n 1 "$ERR"))"
else
	not_ok "... the message is FILE:LINE:COL: key:" "$(cat "$ERR")"
fi
run D -c "$bad"
expect "floodgated -c BAD.yaml refuses to start: exit 1, names FILE:LINE" 1 "$bad:5:"
if [ -z "$(ls -A "$FG_PIN_DIR" 2>/dev/null)" ] &&
	! ip -n "$FG_NS_SERVER" link show dev "$FG_IF_SERVER" | grep -q prog/xdp; then
	ok "... and attached and pinned nothing"
else
	not_ok "... and attached and pinned nothing" "$(ls -la "$FG_PIN_DIR" 2>&1)"
fi
good=$(fg_config 'limits: {packets: 100/s}')
run D --check -c "$good"
expect "floodgated --check -c GOOD.yaml: exit 0, ok" 0 ': ok:' out
run D --xdp-mode turbo -c "$good"
expect "floodgated --xdp-mode turbo: exit 2" 2 '"turbo"'
run env FLOODGATE_ENABLED=maybe nsenter --net="/var/run/netns/$FG_NS_SERVER" \
	timeout 30 "$FG_DAEMON" --pin-dir "$FG_PIN_DIR" -c "$good"
expect "FLOODGATE_ENABLED=maybe: exit 2" 2 'FLOODGATE_ENABLED="maybe"'

# --- with pins: daemon running, then stopped -------------------------------
fg_daemon_start "$good" || tap_bail "floodgated did not attach"
run fg_cli detach
expect "detach while floodgated runs: exit 1, stop it first" 1 'stop it first'
fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
run fg_cli reload
expect "reload with the daemon stopped: exit 1, floodgated is not running" 1 'floodgated is not running'
run fg_cli --json reload
expect_json "reload --json with the daemon stopped: exit 1, {\"error\": ...}" 1 'not running'
run fg_cli --json version
if [ "$RC" -eq 0 ] && python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); sys.exit(0 if o.get("version") and o.get("libbpf") else 1)' "$OUT"; then
	ok "version --json: exit 0, version and libbpf"
else
	not_ok "version --json: exit 0, version and libbpf" "$(cat "$OUT" "$ERR")"
fi
