#!/usr/bin/env bash
# Issue 8, high: a malformed tail must not bypass the deny list or the
# limits. IPv6 UDP behind 1, 9 and 12 empty destination-options headers
# (the walk stops at 8; the stack delivers any number) to a UDP socket in
# the server namespace, with the default `malformed: pass`:
#   - from a deny-listed /48: none reaches the socket, all drop as
#     deny_list (before the fix, 40 of 40 with 9 and 12 headers did);
#   - from an unlisted flooder with 9 headers: limited to the default
#     limits' burst and rate, the rest drops as rate_packets; what passes
#     counts as malformed and does reach the socket (so the sink sees
#     such packets when they pass: the zero above is not a dead sink);
#   - an unlisted source with 1 header (well formed): all 5 arrive.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

PORT=5353
RATE=10
BURST=10
DENIED=2001:db8:bad::5 # in the deny-listed /48
FLOODER=2001:db8:100::7
CONTROL=2001:db8:100:1::8 # another /64: its own bucket
N=40
FLOOD=2000

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 14

lab_setup || tap_bail "could not build the lab"
# tx_both: packets sent by the client and the server end of the link.
tx_both() {
	local c s
	c=$(lab_link_stat "$FG_NS_CLIENT" "$FG_IF_CLIENT" tx_packets) &&
		s=$(lab_link_stat "$FG_NS_SERVER" "$FG_IF_SERVER" tx_packets) &&
		echo "$c $s"
}
# A quiet lab (lab_quiet): a namespace's own IPv6 leaves within 2.7 s of
# link-up; none may, or it lands in the exact counts below. The end of
# the test shows the same link counters do count what the test sends.
sleep 3
check_str "a quiet lab: neither end sent a packet of its own in 3 s after link-up (client, server)" \
	"$(tx_both)" "0 0"
cfg=$(fg_config "limits: {packets: $RATE/s, burst_packets: $BURST}" \
	"lists: {deny: [\"2001:db8:bad::/48\"]}")
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

# A UDP socket on [::]:PORT counting datagrams per source until STOP
# exists (or 60 s), then writing {source: count} to OUT.
SINK_PY=$FG_TMP/sink.py SINK_OUT=$FG_TMP/sink.json SINK_STOP=$FG_TMP/sink.stop
cat >"$SINK_PY" <<'EOF'
import json, os, select, socket, sys, time
out, stop, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("::", port))
s.setblocking(False)
counts = {}
print("ready", flush=True)
deadline = time.monotonic() + 60
while time.monotonic() < deadline and not os.path.exists(stop):
    select.select([s], [], [], 0.1)
    while True:
        try:
            _, addr = s.recvfrom(2048)
        except BlockingIOError:
            break
        counts[addr[0]] = counts.get(addr[0], 0) + 1
with open(out, "w") as f:
    json.dump(counts, f)
EOF
lab_bg "$FG_NS_SERVER" "$FG_TMP/sink.log" timeout 90 python3 "$SINK_PY" "$SINK_OUT" "$SINK_STOP" "$PORT"
SINK_PID=$LAB_BG_PID
fg_wait_until 10 grep -q ready "$FG_TMP/sink.log" || tap_bail "UDP sink did not start: $(cat "$FG_TMP/sink.log")"

# send SRC COUNT HEADERS [ARGS...]: UDP behind HEADERS destination options.
send() {
	fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER6" --port "$PORT" --src "$1" \
		--count "$2" --duration 10 --dstopts "$3" "${@:4}"
}
snap() { fg_stats_snapshot "$FG_TMP/s.$1.json"; }
since() { fg_stat --since "$FG_TMP/s.$1.json" "${@:2}"; }
received() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))' \
		"$SINK_OUT" "$1"
}

# 1. The deny-listed /48.
for h in 1 9 12; do
	snap "deny$h"
	send "$DENIED" "$N" "$h" >/dev/null || diag "fg-loadgen failed (headers $h)"
	check_eq "deny-listed /48, $h destination-options headers: $N dropped as deny_list" \
		"$(since "deny$h" drop deny_list)" "$N"
done

# 2. The flooder behind 9 headers; its sending time bounds what may pass.
snap flood
lg=$(send "$FLOODER" "$FLOOD" 9 --json) || diag "fg-loadgen failed (flood)"
elapsed=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["elapsed_s"])' "$lg" 2>/dev/null || echo 10)
passed=$(since flood pass malformed)
# burst + rate x elapsed, plus one coarse-clock tick's worth of rate.
allowed=$(calc "$BURST + $RATE * ($elapsed + 0.01)")
diag "flood: $FLOOD sent in ${elapsed}s; $passed passed as malformed (at most $allowed allowed)"
check_ge "flooder, 9 headers: the burst passed as malformed" "$passed" "$BURST"
check_le "flooder, 9 headers: no more than burst + rate x time passed" "$passed" "$allowed"
check_eq "flooder, 9 headers: the rest dropped as rate_packets" \
	"$(since flood drop rate_packets)" "$((FLOOD - passed))"

# 3. A well-formed control.
snap control
send "$CONTROL" 5 1 >/dev/null || diag "fg-loadgen failed (control)"
check_eq "control, 1 header: 5 passed under_limit" "$(since control pass under_limit)" 5

# What reached the socket.
touch "$SINK_STOP"
fg_wait_pid "$SINK_PID" 10 || diag "the sink did not exit in time"
[ -s "$SINK_OUT" ] || tap_bail "the sink wrote no counts: $(cat "$FG_TMP/sink.log")"
diag "sink counts: $(cat "$SINK_OUT")"
check_eq "deny-listed /48: 0 of $((3 * N)) datagrams reached the socket" "$(received "$DENIED")" 0
check_eq "flooder: what reached the socket is what passed" "$(received "$FLOODER")" "$passed"
check_eq "control: 5 datagrams reached the socket" "$(received "$CONTROL")" 5
check_eq "no packet passed failing open (lookup_failed)" "$(fg_stat '*' lookup_failed)" 0
check_str "the link carried the test's packets and nothing else: client sent $((3 * N + FLOOD + 5)), server 0" \
	"$(tx_both)" "$((3 * N + FLOOD + 5)) 0"
check "floodgated still running" kill -0 "$FG_DAEMON_PID"
