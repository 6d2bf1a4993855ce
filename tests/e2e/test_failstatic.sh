#!/usr/bin/env bash
# DESIGN §4 fail-static, issue 10 items 6 and 7, on real packets:
#   A. kill -9 of floodgated in the middle of a flood, then a restart:
#      enforcement never stops. What the server receives from the flood,
#      counted per 100 ms by a UDP receiver, never exceeds what the limit
#      allows in 100 ms (burst + rate x 0.1 s) plus 50 ms of the
#      receiver's own delay (BIN_ALLOW), before, during the dead window,
#      and after the restart; the whole run passes at most
#      rate x time + burst; the counters, sampled every ~100 ms through
#      `floodgate status`, never go back, and the drops keep growing
#      while no daemon runs.
#   B. `disable --for 2s`: status shows the time left and that the
#      kill-switch differs from the config; it re-enables by itself after
#      2 s (and under 3.5 s), logged, and the flood is limited again.
#   C. the same across a restart: the daemon killed, the deadline passes
#      (still disabled: nobody reverts; status says so), the daemon starts
#      and reverts at once.
#   D. `mode dry-run --for 2s` goes back to enforce by itself; a CLI list
#      entry shows in status as a difference from the config.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

RATE=500
BURST=50
FLOOD_PPS=5000
SRC=203.0.113.40
PORT=5001
N=3000 # packets of a short unpaced burst (parts B-D)
# What one 100 ms bin of arrivals may hold: the limiter lets through at
# most burst + rate x 0.1 s in any 100 ms, but the receiver stamps each
# packet in user space after the socket queue, so a packet passed at the
# end of one bin can be stamped in the next: 50 ms of that delay are
# allowed (rate x 0.05 s). An unfiltered flood brings FLOOD_PPS / 10 =
# 500 a bin, far above it.
BIN_ALLOW=$((BURST + RATE * 15 / 100))

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 31

lab_setup || tap_bail "could not build the lab"
cfg=$(fg_config "limits: {packets: $RATE/s, burst_packets: $BURST}")
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

now() { date +%s.%N; }
# json_get KEY... < JSON: each value (dotted path) on a line; strings
# bare, the rest as JSON. One python for all (it starts slowly).
json_get() { python3 -c 'import json, sys
doc = json.load(sys.stdin)
for path in sys.argv[1:]:
    d = doc
    for k in path.split("."):
        d = d[k]
    print(d if isinstance(d, str) else json.dumps(d))' "$@"; }
# counter ACTION REASON: packets so far, from the CLI's text status (fast).
counter() {
	fg_cli status | awk -v a="$1" -v r="$2" '$1 == a && $2 == r { n = $3 } END { print n + 0 }'
}
burst() {
	fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PORT" --src "$SRC" \
		--count "$N" --duration 10 >/dev/null
}
snap() { fg_stats_snapshot "$FG_TMP/s.$1.json"; }
since() { fg_stat --since "$FG_TMP/s.$1.json" "${@:2}"; }
# kill9: SIGKILL the daemon and reap it (a zombie would still look alive).
kill9() {
	kill -KILL "$FG_DAEMON_PID"
	wait "$FG_DAEMON_PID" 2>/dev/null
}

# --- A. kill -9 during a flood -------------------------------------------------
# The receiver: arrival times of SRC's packets on the server. The
# sampler: the pass and drop counters through the CLI. Both stop when
# FG_TMP/stop appears (after the flood), or after 60 s.
lab_bg "$FG_NS_SERVER" "$FG_TMP/recv.log" python3 -c '
import socket, sys, time
import os
port, dur, src, out, ready, stop = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("0.0.0.0", port))
s.settimeout(0.2)
open(ready, "w").close()
end, ts = time.time() + dur, []
while time.time() < end and not os.path.exists(stop):
    try:
        _, a = s.recvfrom(2048)
    except socket.timeout:
        continue
    if a[0] == src:
        ts.append(time.time())
open(out, "w").write("".join("%.6f\n" % t for t in ts))
' "$PORT" 60 "$SRC" "$FG_TMP/recv.txt" "$FG_TMP/recv.ready" "$FG_TMP/stop"
RECV_PID=$LAB_BG_PID
lab_bg "$FG_NS_SERVER" "$FG_TMP/sampler.log" python3 -c '
import json, os, subprocess, sys, time
cli, pin, dur, out, stop = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
end, rows = time.time() + dur, []
while time.time() < end and not os.path.exists(stop):
    t = time.time()
    r = subprocess.run([cli, "--pin-dir", pin, "--json", "status"], capture_output=True, text=True, timeout=5)
    if r.returncode == 0:
        c = json.loads(r.stdout)["counters"]
        get = lambda a, k: c.get(a, {}).get(k, {}).get("packets", 0)
        rows.append("%.6f %d %d" % (t, get("pass", "under_limit"), get("drop", "rate_packets")))
    time.sleep(0.08)
open(out, "w").write("\n".join(rows) + "\n")
' "$FG_CLI" "$FG_PIN_DIR" 60 "$FG_TMP/samples.txt" "$FG_TMP/stop"
SAMPLER_PID=$LAB_BG_PID
fg_wait_until 10 test -e "$FG_TMP/recv.ready" || tap_bail "the UDP receiver did not start"

snap a
lab_bg "$FG_NS_CLIENT" "$FG_TMP/flood.json" "$FG_LOADGEN" --dst "$FG_SERVER4" --port "$PORT" \
	--src "$SRC" --rate "$FLOOD_PPS" --duration 6 --json
FLOOD_PID=$LAB_BG_PID
sleep 1.5
t_kill=$(now)
kill9
sleep 1.2
fg_daemon_start "$cfg" || tap_bail "floodgated did not restart"
t_back=$(now)
diag "dead window: $(calc "$t_back - $t_kill") s (kill -9 to the restarted daemon's attach)"
fg_wait_pid "$FLOOD_PID" 20
read -r span sent < <(fg_loadgen_span "$FG_TMP/flood.json")
passed=$(since a pass under_limit)
dropped=$(since a drop rate_packets)
diag "flood: sent $sent in $span s; passed $passed, dropped $dropped"
check_ge "the flood really ran ($sent packets sent)" "$sent" "$(calc "$FLOOD_PPS * 6 * 0.5")"
check_le "the whole run passed at most rate x time + burst ($passed <= $RATE x $span + $BURST, +1%)" \
	"$passed" "$(calc "($RATE * $span + $BURST) * 1.01")"
check_ge "the limiter still passed its rate (>= 90% of rate x time)" "$passed" "$(calc "$RATE * $span * 0.9")"
check "the restarted daemon adopted the pinned state" fg_log_wait 'msg="adopted pinned state"' 5

sleep 0.3 # the last packets reach the receiver
touch "$FG_TMP/stop"
fg_wait_pid "$RECV_PID" 20
fg_wait_pid "$SAMPLER_PID" 20
# Per 100 ms bins of what arrived, and the same for the dead window.
read -r bins over max dead_bins dead_max dead_over total < <(python3 - "$FG_TMP/recv.txt" "$t_kill" "$t_back" \
	"$BIN_ALLOW" <<'PY'
import sys
ts = [float(l) for l in open(sys.argv[1]) if l.strip()]
kill, back, allow = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
if not ts:
    print(0, 0, 0, 0, 0, 0, 0); sys.exit()
t0 = ts[0]
bins = {}
for t in ts:
    bins[int((t - t0) * 10)] = bins.get(int((t - t0) * 10), 0) + 1
n = int((ts[-1] - t0) * 10) + 1
counts = [bins.get(i, 0) for i in range(n)]
dead = [counts[i] for i in range(n) if t0 + i / 10 >= kill and t0 + (i + 1) / 10 <= back]
print(n, sum(c > allow for c in counts), max(counts), len(dead), max(dead or [0]),
      sum(c > allow for c in dead), len(ts))
PY
)
diag "receiver: $total packets of $SRC in $bins bins of 100 ms, the busiest $max; dead window: $dead_bins bins, the busiest $dead_max (allowed $BIN_ALLOW, unfiltered it would be $((FLOOD_PPS / 10)))"
check_ge "the dead window spans at least 10 bins of 100 ms" "$dead_bins" 10
check_eq "enforcement gap: no 100 ms bin over $BIN_ALLOW (burst + rate x 0.15 s) in the dead window" "$dead_over" 0
check_eq "enforcement gap: no 100 ms bin over $BIN_ALLOW (burst + rate x 0.15 s) over the whole run" "$over" 0
check_gt "packets kept arriving during the dead window (limited, not cut off)" "$dead_max" 0
# The samples: counters never go back; drops grow while no daemon runs.
read -r nsamp back_steps before dead_samp after dead_growth < <(awk -v k="$t_kill" -v b="$t_back" '
	NR > 1 && ($2 < p || $3 < d) { back++ }
	$1 <= k { pre++ }
	$1 > k && $1 < b { n++; if (!f) { f = $3 } l = $3 }
	$1 >= b { post++ }
	{ p = $2; d = $3 }
	END { print NR, back + 0, pre + 0, n + 0, post + 0, l - f }' "$FG_TMP/samples.txt")
diag "counter samples: $nsamp: $before before the kill, $dead_samp in the dead window (drops grew by $dead_growth there), $after after the restart"
if [ "$before" -ge 3 ] && [ "$after" -ge 3 ]; then
	ok "the counters were sampled before the kill and after the restart (3 or more each)"
else
	not_ok "the counters were sampled before the kill and after the restart" "$before before, $after after"
fi
check_eq "the counters never went back (kill -9, restart)" "$back_steps" 0
check_ge "several samples fell in the dead window" "$dead_samp" 3
check_gt "drops kept growing while no daemon ran" "$dead_growth" 0

# --- B. disable --for 2s --------------------------------------------------------
# What must happen inside the 2 s comes first, with the fast text status.
enabled_now() { fg_cli status | grep -q '^floodgate: enabled'; }
mode_enforce_now() { fg_cli status | grep -q '^floodgate: .*, mode enforce$'; }
b0=$(counter pass disabled)
out=$(fg_cli disable --for 2s)
rc=$?
t_dis=$(now)
burst
text=$(fg_cli status)
json=$(fg_cli --json status)
reenabled=0
fg_wait_until 6 enabled_now && reenabled=1
took=$(calc "$(now) - $t_dis")
diag "$out"
check_eq "disable --for 2s exits 0" "$rc" 0
check "its message says when it re-enables" grep -q "re-enables by itself in [23]s" <<<"$out"
check_ge "disabled: the burst passed unfiltered" "$(($(counter pass disabled) - b0))" "$N"
if grep -q "^timer: *re-enables in [0-9]s" <<<"$text" && grep -q "kill-switch off (the config says enabled: true)" <<<"$text"; then
	ok "status text: the time left and the difference from the config"
else
	not_ok "status text: the time left and the difference from the config" "$text"
fi
{ read -r left; read -r differs; } < <(json_get enabled_revert_in_seconds differs_from_config <<<"$json")
if awk -v l="$left" 'BEGIN { exit !(l > 0 && l <= 3) }'; then
	ok "status --json: enabled_revert_in_seconds $left (0 < left <= 3)"
else
	not_ok "status --json: enabled_revert_in_seconds in (0, 3]" "got '$left'"
fi
check_str "status --json: the kill-switch differs from the config" "$differs" '["enabled"]'
diag "re-enabled $took s after disable --for 2s"
if [ "$reenabled" = 1 ] && awk -v t="$took" 'BEGIN { exit !(t >= 2) }'; then
	ok "re-enabled by itself, not before 2 s ($took s)"
else
	not_ok "re-enabled by itself, not before 2 s" "re-enabled: $reenabled, after $took s"
fi
# The deadline is the next whole second after 2 s; the daemon says how
# late it reverted, in whole seconds: 0 is within the second after it.
check "the daemon logged msg=\"kill-switch reverted\", under a second after the deadline" \
	fg_log_wait 'msg="kill-switch reverted" enabled=1 source=timer overdue_s=0' 3
d0=$(counter drop rate_packets)
burst
check_gt "re-enabled: the burst is limited again" "$(($(counter drop rate_packets) - d0))" $((N / 2))

# --- C. across a restart --------------------------------------------------------
fg_cli disable --for 2s >/dev/null
kill9
sleep 3.2
text=$(fg_cli status)
if grep -q "DISABLED" <<<"$text" && grep -q "overdue: it reverts when floodgated starts" <<<"$text"; then
	ok "no daemon past the deadline: still disabled, status says it reverts when floodgated starts"
else
	not_ok "no daemon past the deadline: still disabled, status says so" "$text"
fi
fg_daemon_start "$cfg" || tap_bail "floodgated did not restart"
if fg_cli status | grep -q '^floodgate: enabled'; then
	ok "restarted: enabled at once"
else
	not_ok "restarted: enabled at once" "$(fg_cli status | head -n 3)"
fi
if grep -q 'msg="kill-switch reverted" enabled=1 source=timer overdue_s=[1-9]' "$FG_DAEMON_LOG"; then
	ok "the restarted daemon logged the overdue revert"
else
	not_ok "the restarted daemon logged the overdue revert" "$(tail -n 8 "$FG_DAEMON_LOG")"
fi
d0=$(counter drop rate_packets)
burst
check_gt "after the restart the burst is limited" "$(($(counter drop rate_packets) - d0))" $((N / 2))

# --- D. mode dry-run --for 2s, and a CLI list entry ---------------------------------
fg_cli allow add 198.51.100.77 >/dev/null
t_dry=$(now)
fg_cli mode dry-run --for 2s >/dev/null
json=$(fg_cli --json status)
enforcing=0
fg_wait_until 6 mode_enforce_now && enforcing=1
took=$(calc "$(now) - $t_dry")
{ read -r differs; read -r allow; } < <(json_get differs_from_config cli_list_entries.allow <<<"$json")
check_str "dry-run for 2 s: status shows the mode and a list entry differ" "$differs" '["mode", "lists"]'
check_str "status --json: one allow entry added with the CLI" "$allow" 1
if [ "$enforcing" = 1 ] && awk -v t="$took" 'BEGIN { exit !(t >= 2) }'; then
	ok "back to enforce by itself, not before 2 s ($took s)"
else
	not_ok "back to enforce by itself, not before 2 s" "enforcing: $enforcing, after $took s"
fi
check "the daemon logged msg=\"mode reverted\", under a second after the deadline" \
	fg_log_wait 'msg="mode reverted" mode=enforce source=timer overdue_s=0' 3
fg_cli allow del 198.51.100.77 >/dev/null
check_str "with the entry removed the running state matches the config" \
	"$(fg_cli --json status | json_get differs_from_config)" '[]'

fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
