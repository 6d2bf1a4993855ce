#!/usr/bin/env bash
# DESIGN §3 errors, §4 SIGHUP, §5 reload, §6 reload metrics:
#   SIGHUP with a changed rate applies it (the accepted rate is measured);
#   SIGHUP with a broken file keeps the old limits (measured again) and
#   counts floodgate_config_reloads_total{result="failure"} (scraped with
#   curl inside the server namespace); `floodgate reload` reports success
#   or failure with exit 0 / 1; source state survives reloads.
#   A reload whose lists do not fit the table together with the CLI's
#   entries is a counted failure that changes nothing (lists as listed,
#   limits as measured); at start such a config is refused.
#
# Tunable: FG_RELOAD_SECONDS (each measurement, default 2).
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

SECS=${FG_RELOAD_SECONDS:-2}
BURST=100
PORT=9
LISTEN=127.0.0.1:9470 # the server namespace's own loopback

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk curl
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 32

lab_setup || tap_bail "could not build the lab"
cfg=$FG_TMP/reload.yaml
# write_cfg RATE: the config file the daemon reads, with RATE packets/s.
write_cfg() {
	cat >"$cfg" <<EOF
interfaces: [$FG_IF_SERVER]
metrics:
  listen: "$LISTEN"
limits:
  packets: $1/s
  burst_packets: $BURST
EOF
}
write_cfg 1000
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"
fg_log_wait 'msg="serving metrics"' 10 || diag "no msg=\"serving metrics\" in the log"

# metric SERIES: its value in a fresh scrape (empty if absent).
metric() { fg_metrics "$LISTEN" | fg_metric_value "$1"; }
RELOAD_OK='floodgate_config_reloads_total{result="success"}'
RELOAD_FAIL='floodgate_config_reloads_total{result="failure"}'

# measure SRC RATE PPS: floods from SRC (a fresh source) at PPS for SECS
# and checks its accepted packets against RATE × T + burst (±10 %).
measure() {
	local src=$1 rate=$2 pps=$3 j=$FG_TMP/flood.$1.json T sent acc expected
	fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PORT" --src "$src" \
		--rate "$pps" --duration "$SECS" --json >"$j" || diag "fg-loadgen: $(cat "$j")"
	read -r T sent < <(fg_loadgen_span "$j")
	acc=$(fg_src_stat "$src" passed)
	expected=$(calc "$rate * $T + $BURST")
	diag "$src: sent $sent in $(printf '%.3f' "$T") s, accepted $acc = $(calc "$T > 0 ? ($acc - $BURST) / $T : 0" | xargs printf '%.1f')/s after the burst (expected $(printf '%.0f' "$expected") for $rate/s)"
	check_near "$4: accepted rate is $rate/s (rate x T + burst, +-10%)" "$acc" "$expected" 10
}

# 1. Start: 1000/s; no reloads yet.
check_eq "metrics: no reloads yet (success 0)" "$(metric "$RELOAD_OK")" 0
check_eq "metrics: no reloads yet (failure 0)" "$(metric "$RELOAD_FAIL")" 0
measure 203.0.113.50 1000 10000 "initial config"
first_passed=$(fg_src_stat 203.0.113.50 passed)

# 2. SIGHUP with 3000/s.
write_cfg 3000
kill -HUP "$FG_DAEMON_PID"
if fg_log_wait 'msg="reloaded"' 10; then ok "SIGHUP: msg=\"reloaded\" logged"; else not_ok "SIGHUP: msg=\"reloaded\" logged" "$(tail -n 5 "$FG_DAEMON_LOG")"; fi
check_eq "metrics: reloads success 1" "$(metric "$RELOAD_OK")" 1
measure 203.0.113.51 3000 20000 "after SIGHUP with 3000/s"

# 3. SIGHUP with a broken file: the old limits stay.
cat >"$cfg" <<EOF
interfaces: [$FG_IF_SERVER]
metrics:
  listen: "$LISTEN"
limits:
  packets: lots/s
EOF
kill -HUP "$FG_DAEMON_PID"
if fg_log_wait 'msg="reload failed; keeping the running config"' 10; then
	ok "SIGHUP with a broken file: the daemon logs the failure"
else
	not_ok "SIGHUP with a broken file: the daemon logs the failure" "$(tail -n 5 "$FG_DAEMON_LOG")"
fi
line=$(grep -F 'msg="reload failed' "$FG_DAEMON_LOG" | tail -n 1)
diag "$line"
if [[ $line == *"$cfg:5:"*"limits.packets"* ]]; then
	ok "the failure names file:line:col and the key"
else
	not_ok "the failure names file:line:col and the key" "$line"
fi
check_eq "metrics: reloads failure 1" "$(metric "$RELOAD_FAIL")" 1
check_eq "metrics: reloads success still 1" "$(metric "$RELOAD_OK")" 1
if kill -0 "$FG_DAEMON_PID" 2>/dev/null; then ok "floodgated still running"; else not_ok "floodgated still running"; fi
measure 203.0.113.52 3000 20000 "after a broken SIGHUP (old 3000/s kept)"

# 4. floodgate reload: failure (exit 1), then success (exit 0).
out=$(fg_cli reload 2>&1)
rc=$?
diag "floodgate reload (broken file): exit $rc: $out"
check_eq "floodgate reload with a broken file exits 1" "$rc" 1
if [[ $out == *"reload failed"* ]]; then ok "... and says the reload failed"; else not_ok "... and says the reload failed" "$out"; fi
check_eq "metrics: reloads failure 2" "$(metric "$RELOAD_FAIL")" 2
out=$(fg_cli --json reload 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && printf '%s' "$out" | python3 -c 'import json, sys; sys.exit(0 if "error" in json.load(sys.stdin) else 1)'; then
	ok "floodgate --json reload failure: exit 1, {\"error\": ...}"
else
	not_ok "floodgate --json reload failure: exit 1, {\"error\": ...}" "exit $rc: $out"
fi

write_cfg 2000
out=$(fg_cli reload 2>&1)
rc=$?
diag "floodgate reload (good file): exit $rc: $out"
check_eq "floodgate reload with a good file exits 0" "$rc" 0
if [[ $out == *"config reloaded"* ]]; then ok "... and says config reloaded"; else not_ok "... and says config reloaded" "$out"; fi
check_eq "metrics: reloads success 2" "$(metric "$RELOAD_OK")" 2
measure 203.0.113.53 2000 20000 "after floodgate reload with 2000/s"
out=$(fg_cli --json reload 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && printf '%s' "$out" | python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin) == {"reloaded": True} else 1)'; then
	ok "floodgate --json reload success: exit 0, {\"reloaded\": true}"
else
	not_ok "floodgate --json reload success: exit 0, {\"reloaded\": true}" "exit $rc: $out"
fi

# 5. Reloads did not reset source state.
check_eq "the first source's state survived the reloads (passed $first_passed)" \
	"$(fg_src_stat 203.0.113.50 passed)" "$first_passed"

# 6. A config whose lists fit alone but not with the CLI's entries: the
# reload fails whole (the new 500/s limit is not applied either).
fg_cli deny add 203.0.113.200/32 >/dev/null
fg_cli allow add 198.51.100.200/32 >/dev/null
fg_cli deny add 2001:db8:300::/48 >/dev/null
lists_now() { fg_cli --json allow list && fg_cli --json deny list; }
lists_before=$(lists_now)
big=$FG_TMP/big.yaml
write_cfg 500
mv "$cfg" "$big"
# (more than the inline lists hold: the rest from a list file)
printf 'lists:\n  allow: []\n  deny_files: [%s]\n' "$FG_TMP/big.txt" >>"$big"
python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(2097152 - 1):
        f.write("2001:db8:%x:%x::/64\n" % (0x100 + i // 65536, i % 65536))
' "$FG_TMP/big.txt"
mv "$big" "$cfg"
fails=$(metric "$RELOAD_FAIL") oks=$(metric "$RELOAD_OK")
nfailed=$(fg_log_count 'msg="reload failed')
kill -HUP "$FG_DAEMON_PID"
if fg_log_wait 'msg="reload failed' 30 "$((nfailed + 1))"; then
	ok "a config whose lists do not fit with the CLI's: the reload fails"
else
	not_ok "a config whose lists do not fit with the CLI's: the reload fails" "$(tail -n 3 "$FG_DAEMON_LOG")"
fi
line=$(grep -F 'msg="reload failed' "$FG_DAEMON_LOG" | tail -n 1)
diag "$line"
if [[ $line == *"2097151 entries from the config and 3 added with floodgate allow|deny do not fit the table's 2097152"* ]]; then
	ok "the failure says what does not fit (2097151 + 3 > 2097152)"
else
	not_ok "the failure says what does not fit (2097151 + 3 > 2097152)" "$line"
fi
check_eq "metrics: reloads failure counted ($fails + 1)" "$(metric "$RELOAD_FAIL")" $((fails + 1))
check_eq "metrics: reloads success unchanged ($oks)" "$(metric "$RELOAD_OK")" "$oks"
if [ "$(lists_now)" = "$lists_before" ]; then
	ok "floodgate allow list / deny list unchanged"
else
	not_ok "floodgate allow list / deny list unchanged" "$(lists_now | head -c 300)"
fi
measure 203.0.113.54 2000 20000 "after the failed reload (old 2000/s kept, not 500/s)"

# 7. The same config at start, on pins holding the CLI's entries: refused.
fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
if fg_daemon_start "$cfg" 2>/dev/null; then
	not_ok "at start, lists that do not fit are refused" "it attached"
	fg_daemon_stop "$FG_DAEMON_PID"
else
	ok "at start, lists that do not fit are refused"
fi
line=$(grep -F 'msg="config rejected"' "$FG_DAEMON_LOG" | tail -n 1)
if [[ $line == *"do not fit the table's 2097152"* ]]; then
	ok "... with the reason: $(sed -E 's/.*error="([^"]{0,60}).*/\1/' <<<"$line")..."
else
	not_ok "... with the reason" "$(tail -n 3 "$FG_DAEMON_LOG")"
fi
if [ "$(lists_now)" = "$lists_before" ]; then
	ok "the pinned lists are unchanged"
else
	not_ok "the pinned lists are unchanged" "$(lists_now | head -c 300)"
fi
