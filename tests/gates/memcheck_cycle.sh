#!/usr/bin/env bash
# One daemon life under a memory checker: floodgated attached to a veth in
# a namespace lab, real packets (some limited, some boxed), the CLI's
# commands (status, top, blocked, allow add/list/del, deny add/del, each
# also with --json), reloads with a good and a bad config (SIGHUP and
# `floodgate reload`), /metrics scraped plain and gzipped, then SIGTERM.
# Each step asserts what the user sees; the last lines assert that the
# checker found nothing.
#   memcheck_cycle.sh asan      the ASan+UBSan build (build/san/): any
#                               sanitizer report fails (tests/gates/san.sh)
#   memcheck_cycle.sh valgrind  the normal build, daemon and every CLI run
#                               under valgrind memcheck (leak-check=full):
#                               0 errors, 0 bytes lost, parsed from each
#                               process's summary
# Run by test_memcheck_asan.sh and test_memcheck_valgrind.sh.
# shellcheck disable=SC2119 # lab_setup without options
MODE=${1:-}
case $MODE in
asan) FG_BUILD=${FG_SAN_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build/san} ;;
valgrind) FG_ATTACH_TIMEOUT=${FG_ATTACH_TIMEOUT:-90} ;; # valgrind starts slowly
*)
	echo "usage: $0 asan|valgrind" >&2
	exit 2
	;;
esac
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
# shellcheck source=tests/gates/san.sh
. "$(dirname "$0")/san.sh"

PORT=9
FLOOD_SRC=203.0.113.80
POLITE_SRC=198.51.100.80

fg_require_root
fg_require_cmds ip nsenter bpftool python3 curl gzip
[ "$MODE" = valgrind ] && fg_require_cmds valgrind
fg_require_bins floodgated floodgate fg-loadgen

# 27 steps, then the checker's verdict: 1 line for ASan, 4 for valgrind.
if [ "$MODE" = asan ]; then tap_plan 28; else tap_plan 31; fi

VG_DIR=$FG_TMP/valgrind
# The checker around the daemon and the CLI: for ASan the environment of
# san_setup; for valgrind, wrapper scripts lib.sh runs in their place.
if [ "$MODE" = asan ]; then
	san_setup "$FG_TMP/san"
else
	mkdir -p "$VG_DIR"
	# make_wrapper NAME REAL: $FG_TMP/vg-NAME runs REAL under memcheck,
	# one log per process (NAME.PID.log). Suppressions: valgrind.supp,
	# each entry with its reason.
	make_wrapper() {
		cat >"$FG_TMP/vg-$1" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=all \\
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \\
	--track-origins=yes --num-callers=30 \\
	--suppressions=$FG_ROOT/tests/gates/valgrind.supp \\
	--log-file=$VG_DIR/$1.%p.log "$2" "\$@"
EOF
		chmod +x "$FG_TMP/vg-$1"
	}
	make_wrapper floodgated "$FG_DAEMON"
	make_wrapper floodgate "$FG_CLI"
	FG_DAEMON=$FG_TMP/vg-floodgated
	FG_CLI=$FG_TMP/vg-floodgate
fi

lab_setup || tap_bail "could not build the lab"
LISTEN=127.0.0.1:$(lab_free_port "$FG_NS_SERVER")
cfg=$FG_TMP/cycle.yaml
# write_cfg RATE: the daemon's config; a UDP rule on PORT boxes sources
# that go over RATE.
write_cfg() {
	cat >"$cfg" <<EOF
interfaces: [$FG_IF_SERVER]
metrics:
  listen: "$LISTEN"
  top_sources: 5
limits:
  packets: 1000/s
rules:
  - name: flood
    protocol: udp
    ports: [$PORT]
    packets: $1/s
    burst_packets: 20
    block: 60s
EOF
}
write_cfg 50

# 1. Start.
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"
ok "floodgated ($MODE) attached to $FG_IF_SERVER"
fg_log_wait 'msg="serving metrics"' 30 || diag "no msg=\"serving metrics\" in the log"

# 2. Real packets: a flood over the rule (limited, then boxed) and a
# polite source on the default limit.
fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PORT" --src "$FLOOD_SRC" \
	--count 300 --duration 10 >/dev/null
fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port 7 --src "$POLITE_SRC" \
	--count 20 --duration 10 >/dev/null
check_ge "packets passed under the limit" "$(fg_stat pass under_limit)" 20
check_ge "the flood was dropped over its limit" "$(fg_stat drop '*')" 1

# cli_ok DESC WANT ARGS...: the CLI exits 0 and prints WANT (a fixed
# string; "" for anything non-empty); its output in $out.
cli_ok() {
	local desc=$1 want=$2 rc
	shift 2
	out=$(fg_cli "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -n "$out" ] && [[ $out == *"$want"* ]]; then
		ok "$desc"
	else
		not_ok "$desc" "floodgate $*: exit $rc" "$out"
	fi
}
# cli_json DESC PYTHON_EXPR ARGS...: --json output parses and EXPR (on d)
# holds.
cli_json() {
	local desc=$1 expr=$2 rc
	shift 2
	out=$(fg_cli --json "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && printf '%s' "$out" |
		python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($expr) else 1)" 2>/dev/null; then
		ok "$desc"
	else
		not_ok "$desc" "floodgate --json $*: exit $rc" "$out"
	fi
}

# 3. The CLI.
cli_ok "floodgate status" "" status
cli_json "floodgate --json status" 'isinstance(d, dict) and d' status
cli_ok "floodgate top lists the flood source" "$FLOOD_SRC" top
cli_json "floodgate --json top lists the flood source" \
	"any(e['source'] == '$FLOOD_SRC' for e in d)" top
cli_ok "floodgate blocked lists the flood source" "$FLOOD_SRC" blocked
cli_json "floodgate --json blocked lists the flood source" "'$FLOOD_SRC' in json.dumps(d)" blocked
cli_ok "floodgate allow add 198.51.100.0/24" "" allow add 198.51.100.0/24
cli_json "floodgate --json allow list has it" "'198.51.100.0/24' in json.dumps(d)" allow list
cli_ok "floodgate allow del 198.51.100.0/24" "" allow del 198.51.100.0/24
cli_ok "floodgate deny add 2001:db8:dead::/48" "" deny add 2001:db8:dead::/48
cli_ok "floodgate deny del 2001:db8:dead::/48" "" deny del 2001:db8:dead::/48
cli_ok "floodgate version" "" version
cli_ok "floodgate disable --for 1m" "re-enables by itself" disable --for 1m
cli_json "floodgate --json status shows the timer and the difference" \
	"d['enabled_revert_in_seconds'] > 0 and d['differs_from_config'] == ['enabled']" status
cli_ok "floodgate enable" "limits apply" enable
# top --watch on a pipe (plain blocks) until SIGTERM, as a script would.
out=$(lab_exec "$FG_NS_SERVER" timeout --preserve-status -s TERM 8 "$FG_CLI" \
	--pin-dir "$FG_PIN_DIR" top --watch --interval 200ms 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ "$(grep -c '^SOURCE' <<<"$out")" -ge 2 ] && grep -q "$FLOOD_SRC" <<<"$out"; then
	ok "floodgate top --watch, not on a terminal, ends cleanly on SIGTERM"
else
	not_ok "floodgate top --watch, not on a terminal, ends cleanly on SIGTERM" "exit $rc" "$(head -n 10 <<<"$out")"
fi

# 4. Reloads: a good config (SIGHUP, then the CLI), a bad one (refused).
write_cfg 60
kill -HUP "$FG_DAEMON_PID"
if fg_log_wait 'msg="reloaded"' 30; then ok "SIGHUP with a good config: reloaded"; else not_ok "SIGHUP with a good config: reloaded" "$(tail -n 5 "$FG_DAEMON_LOG")"; fi
write_cfg 70
cli_ok "floodgate reload with a good config" "config reloaded" reload
printf 'limits:\n  packets: lots/s\n' >>"$cfg"
out=$(fg_cli reload 2>&1)
check_eq "floodgate reload with a bad config exits 1" $? 1
if fg_log_wait 'msg="reload failed' 30; then ok "the bad config is logged and refused"; else not_ok "the bad config is logged and refused" "$(tail -n 5 "$FG_DAEMON_LOG")"; fi
write_cfg 70

# 5. /metrics, plain and gzipped.
plain=$FG_TMP/metrics.txt gz=$FG_TMP/metrics.gz hdrs=$FG_TMP/metrics.hdrs
fg_metrics "$LISTEN" -o "$plain"
check_ge "a plain scrape has floodgate series" "$(grep -c '^floodgate_' "$plain")" 10
fg_metrics "$LISTEN" -H 'Accept-Encoding: gzip' -D "$hdrs" -o "$gz"
if grep -qi '^content-encoding: gzip' "$hdrs" && [ "$(gzip -dc "$gz" | grep -c '^floodgate_')" -ge 10 ]; then
	ok "a gzip scrape decompresses to floodgate series"
else
	not_ok "a gzip scrape decompresses to floodgate series" "$(cat "$hdrs")"
fi
check_eq "metrics: one reload failure counted" \
	"$(fg_metric_value 'floodgate_config_reloads_total{result="failure"}' <"$plain")" 1

# 6. SIGTERM.
fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated exits 0 on SIGTERM" $? 0

# 7. What the checker saw.
if [ "$MODE" = asan ]; then
	san_check "floodgated, floodgate and fg-loadgen (ASan+UBSan)" "$FG_DAEMON_LOG"
	exit
fi
# vg_sum NAME: "LOGS ERRORS DEFINITE INDIRECT POSSIBLE REACHABLE" over
# NAME's logs (bytes lost per leak kind, from each LEAK SUMMARY).
vg_sum() {
	python3 - "$VG_DIR" "$1" <<'PY'
import glob, re, sys
d, name = sys.argv[1], sys.argv[2]
logs = glob.glob("%s/%s.*.log" % (d, name))
tot = {"logs": len(logs), "errors": 0, "definitely": 0, "indirectly": 0,
       "possibly": 0, "still reachable": 0, "unparsed": 0}
for f in logs:
    t = open(f).read()
    m = re.search(r"ERROR SUMMARY: ([\d,]+) errors", t)
    if not m:
        tot["unparsed"] += 1
        continue
    tot["errors"] += int(m.group(1).replace(",", ""))
    for k in ("definitely", "indirectly", "possibly", "still reachable"):
        m = re.search(k + r"(?: lost)?: ([\d,]+) bytes", t)
        if m:
            tot[k] += int(m.group(1).replace(",", ""))
print(" ".join(str(tot[k]) for k in ("logs", "errors", "definitely", "indirectly",
                                      "possibly", "still reachable", "unparsed")))
PY
}
for name in floodgated floodgate; do
	read -r logs errors def ind pos reach unparsed < <(vg_sum "$name")
	diag "valgrind $name: $logs processes, $errors errors, lost: definitely $def B, indirectly $ind B, possibly $pos B; still reachable $reach B"
	if [ "$logs" -ge 1 ] && [ "$unparsed" -eq 0 ] && [ "$errors" -eq 0 ]; then
		ok "valgrind $name ($logs processes): 0 errors"
	else
		not_ok "valgrind $name ($logs processes, $unparsed without a summary): $errors errors" \
			"$(grep -h -A25 -E '^==[0-9]+== (Invalid|Conditional|Syscall param|Use of|Mismatched|.* are (definitely|indirectly|possibly) lost)' "$VG_DIR/$name".*.log | head -n 80)"
	fi
	check_eq "valgrind $name: 0 bytes lost (definitely + indirectly + possibly)" $((def + ind + pos)) 0
done
