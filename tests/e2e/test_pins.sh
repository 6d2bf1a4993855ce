#!/usr/bin/env bash
# DESIGN §4 pins (fail-static), §5 CLI without the daemon: floodgated
# killed with SIGKILL leaves the datapath attached and pinned: the CLI
# still reads the counters from the pins and they keep growing under
# traffic (still enforcing); the kill-switch can be flipped meanwhile. A
# restarted daemon adopts the pins: counters and source state do not
# reset, and the kill-switch set before the restart survives (it logs
# msg="adopted pinned state"). Last, `floodgate detach` with the daemon
# stopped removes program and pins.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

RATE=1000
BURST=100
PORT=9
SRC=203.0.113.60

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 24

lab_setup || tap_bail "could not build the lab"
cfg=$(fg_config "limits: {packets: $RATE/s, burst_packets: $BURST}")
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

# A second daemon on the same pins would fight the first: it must refuse.
out=$(fg_daemon_cmd -c "$cfg" -i "$FG_IF_SERVER" --pin-dir "$FG_PIN_DIR" 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && [[ $out == *"another floodgated runs on these pins"*"pid=$FG_DAEMON_PID"* ]]; then
	ok "a second floodgated on the same pins refuses (exit 1, names pid $FG_DAEMON_PID)"
else
	not_ok "a second floodgated on the same pins refuses" "exit $rc: $out"
fi

send() {
	fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PORT" --src "$SRC" \
		--count "$1" --duration 10 >/dev/null
}
# status_field EXPR: a Python expression on `floodgate --json status` (s).
status_field() {
	fg_cli --json status | python3 -c '
import json, sys
s = json.load(sys.stdin)
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))' "$1"
}
TOTAL='sum(c["packets"] for by in s["counters"].values() for c in by.values())'
DROPS='s["counters"]["drop"]["rate_packets"]["packets"]'
IFACE="[i[\"mode\"] for i in s[\"interfaces\"] if i[\"name\"] == \"$FG_IF_SERVER\"]"

send 2000
before_kill=$(status_field "$TOTAL")
diag "counters before SIGKILL: $before_kill packets"

# 1. SIGKILL.
kill -KILL "$FG_DAEMON_PID"
{ fg_wait_pid "$FG_DAEMON_PID" 5; } 2>/dev/null # no "Killed" job notice
check_eq "floodgated died of SIGKILL" $? 137
if ip -n "$FG_NS_SERVER" link show dev "$FG_IF_SERVER" | grep -q 'prog/xdp'; then
	ok "the XDP program stays attached to $FG_IF_SERVER"
else
	not_ok "the XDP program stays attached to $FG_IF_SERVER" "$(ip -n "$FG_NS_SERVER" link show dev "$FG_IF_SERVER")"
fi
out=$(fg_cli --json status 2>&1)
check_eq "floodgate --json status works without the daemon (exit 0)" $? 0
check_eq "status --json: daemon_pid 0" "$(status_field 's["daemon_pid"]')" 0
check_str "status --json: $FG_IF_SERVER still runs the program (native)" "$(status_field "$IFACE")" '["native"]'
out=$(fg_cli status 2>&1)
if [[ $out == *"not running"* ]]; then ok "status (text) says the daemon is not running"; else not_ok "status (text) says the daemon is not running" "$out"; fi

drops0=$(status_field "$DROPS")
send 2000
after=$(status_field "$TOTAL")
check_ge "counters keep increasing under traffic (+2000 sent)" "$after" $((before_kill + 2000))
check_gt "the datapath still enforces without the daemon (rate_packets drops grew)" "$(status_field "$DROPS")" "$drops0"

# 2. The kill-switch while the daemon is down.
check "floodgate disable works without the daemon" fg_cli disable
check_str "status --json: enabled false" "$(status_field 's["enabled"]')" false
src_passed=$(fg_src_stat "$SRC" passed)
src_dropped=$(fg_src_stat "$SRC" dropped)
before_restart=$(status_field "$TOTAL")

# 3. Restart: adopts the pins. An earlier release also pinned its per-rule
# counters in a map of their own: the stand-in must go, the rest stay.
bpftool map create "$FG_PIN_DIR/fg_rule_stats" type percpu_array key 4 value 16 \
	entries 264 name fg_rule_stats
if fg_daemon_start "$cfg"; then
	ok "floodgated restarted and attached"
else
	not_ok "floodgated restarted and attached"
	tap_bail "no daemon"
fi
line=$(grep -F 'msg="adopted pinned state"' "$FG_DAEMON_LOG")
diag "$line"
if [[ $line == *"enabled=0"* ]]; then
	ok "restart logged msg=\"adopted pinned state\" with enabled=0"
else
	not_ok "restart logged msg=\"adopted pinned state\" with enabled=0" "$(head -n 10 "$FG_DAEMON_LOG")"
fi
if [ ! -e "$FG_PIN_DIR/fg_rule_stats" ] && grep -q 'msg="removed a retired pinned map" map=fg_rule_stats' "$FG_DAEMON_LOG"; then
	ok "restart removed the retired fg_rule_stats pin, and logged it"
else
	not_ok "restart removed the retired fg_rule_stats pin" "$(ls "$FG_PIN_DIR")"
fi
check_ge "counters did not reset" "$(status_field "$TOTAL")" "$before_restart"
check_eq "source state did not reset (passed)" "$(fg_src_stat "$SRC" passed)" "$src_passed"
check_eq "source state did not reset (dropped)" "$(fg_src_stat "$SRC" dropped)" "$src_dropped"
check_str "the kill-switch survived the restart (status enabled false)" "$(status_field 's["enabled"]')" false
check_eq "status --json: daemon_pid is the new daemon" "$(status_field 's["daemon_pid"]')" "$FG_DAEMON_PID"
fg_stats_snapshot "$FG_TMP/s.restart.json"
send 1000
check_ge "traffic passes as disabled after the restart" \
	"$(fg_stat --since "$FG_TMP/s.restart.json" pass disabled)" 1000

# 4. SIGTERM leaves the pins; floodgate detach removes everything.
fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
check "floodgate detach (daemon stopped)" fg_cli detach
if ! ip -n "$FG_NS_SERVER" link show dev "$FG_IF_SERVER" | grep -q 'prog/xdp' &&
	[ -z "$(ls -A "$FG_PIN_DIR" 2>/dev/null)" ]; then
	ok "after detach: no XDP program on $FG_IF_SERVER, no pins in $FG_PIN_DIR"
else
	not_ok "after detach: no XDP program, no pins" "$(ip -n "$FG_NS_SERVER" link show dev "$FG_IF_SERVER")" "$(ls -la "$FG_PIN_DIR" 2>&1)"
fi
out=$(fg_cli status 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && [[ $out == *"floodgated is not running"* ]]; then
	ok "after detach: floodgate status exits 1, floodgated is not running"
else
	not_ok "after detach: floodgate status exits 1, floodgated is not running" "exit $rc: $out"
fi
