#!/usr/bin/env bash
# DESIGN §2.5, issue 11 item 5: an escalating `block` over veth.
#   - rule `esc`: 20/s, burst 5, block {first: 1s, repeat_factor: 2,
#     max: 2s, window: 3s}. One source streams 100 pps for
#     6 s: it goes over, is boxed, comes back with a fresh burst, goes over
#     again... The passed packets, timestamped by the kernel at a packet
#     socket behind XDP on the server, show the boxes as gaps: the first
#     lasts 1 s, the second (a repeat) twice that, the third is capped at
#     max (2 s, not 4);
#   - `floodgate blocked` shows the strike count of the box in force;
#   - once its time is up the entry leaves `floodgate blocked` but stays
#     in the pinned map (remembered for the window), then the daemon
#     deletes it; the next offence is a first box again (1 s).
# Tolerance: a gap is the box plus the stream's spacing (10 ms), and the
# coarse clock's tick: each must lie in [box - 20 ms, box + 250 ms] (the
# upper bound leaves room for a loaded machine's scheduling).
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

PORT=7010
B=203.0.113.60
RATE=100 # pps of the stream: 5 times the rule's limit

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 11

lab_setup || tap_bail "could not build the lab"
cfg=$FG_TMP/escalate.yaml
cat >"$cfg" <<EOF
interfaces: [$FG_IF_SERVER]
limits: {packets: 1000/s, burst_packets: 100}
rules:
  - name: esc
    protocol: udp
    ports: [$PORT]
    packets: 20/s
    burst_packets: 5
    block: {first: 1s, repeat_factor: 2, max: 2s, window: 3s}
EOF
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

# rx.py IFACE SRC PORT SECONDS: a packet socket on IFACE (behind XDP)
# prints the kernel's receive time (CLOCK_REALTIME, like `date +%s.%N`)
# of each UDP packet from SRC to PORT, one per line, after a line "ready".
# One for the whole test: python starts slowly on a busy machine.
rx_py=$FG_TMP/rx.py
cat >"$rx_py" <<'PY'
import select, socket, struct, sys, time
iface, src, port, secs = sys.argv[1], socket.inet_aton(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
SO_TIMESTAMPNS = 35  # asm-generic; the socket module lacks the name
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
s.bind((iface, 0))
print("ready", flush=True)
end = time.monotonic() + secs
while time.monotonic() < end:
    if not select.select([s], [], [], 0.1)[0]:
        continue
    data, anc, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(16))
    ihl = (data[0] & 15) * 4 if len(data) > 20 else 0
    if ihl < 20 or data[9] != 17 or data[12:16] != src or len(data) < ihl + 4:
        continue
    if struct.unpack("!H", data[ihl + 2:ihl + 4])[0] != port:
        continue
    for level, kind, val in anc:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            sec, ns = struct.unpack("qq", val[:16])
            print("%.6f" % (sec + ns / 1e9), flush=True)
PY
RX=$FG_TMP/rx
lab_bg "$FG_NS_SERVER" "$RX" python3 "$rx_py" "$FG_IF_SERVER" "$B" "$PORT" 60
RX_PID=$LAB_BG_PID
fg_wait_until 20 grep -q ready "$RX" || tap_bail "the packet socket did not start: $(cat "$RX")"

# stream SECONDS: B sends RATE pps to PORT for SECONDS.
stream() {
	fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PORT" --src "$B" \
		--rate "$RATE" --duration "$1" >/dev/null
}
# gaps FROM TO: the gaps over 0.3 s between B's passed packets received
# from FROM to TO (date +%s.%N): its boxes, in seconds, space-separated.
gaps() {
	awk -v from="$1" -v to="$2" '/^[0-9]/ && $1 >= from && $1 <= to {
		if (n++ && $1 - last > 0.3) printf "%s%.3f", (g++ ? " " : ""), $1 - last
		last = $1 }' "$RX"
}
passed() { awk -v from="$1" -v to="$2" '/^[0-9]/ && $1 >= from && $1 <= to' "$RX" | grep -c .; }
# box_ok DESC GAP SECONDS: GAP within the stated tolerance of SECONDS.
box_ok() {
	if [ -n "$2" ] && _fg_cmp "$2" '>=' "$(calc "$3 - 0.02")" && _fg_cmp "$2" '<=' "$(calc "$3 + 0.25")"; then
		ok "$1: ${2}s (box ${3}s)"
	else
		not_ok "$1" "gap '${2}'s, expected ${3}s -0.02/+0.25"
	fi
}
# strikes: those of B's entry in `floodgate blocked` (SOURCE SECONDS
# SCOPE BY STRIKES RULE), "" when not listed. awk, not python: polled.
# Fails, printing nothing, when the CLI does.
strikes() {
	local out
	out=$(fg_cli blocked) || return 1
	awk -v src="$B" 'NR > 1 && $1 == src { print $5 }' <<<"$out"
}
# map_entries: entries of the pinned penalty box, its time up or not;
# nothing when bpftool fails.
map_entries() {
	local out
	out=$(bpftool -j map dump pinned "$FG_PIN_DIR/fg_blocked") || return 1
	grep -o '"until_ns"' <<<"$out" | wc -l
}
b_unlisted() {
	local out
	out=$(strikes) && [ -z "$out" ]
}
map_empty() { [ "$(map_entries)" = 0 ]; }

# 1. A repeat offender: 1 s, then 2 s, then capped at 2 s.
t0=$(date +%s.%N)
stream 6
# While the fourth box (from about 5.2 s into the stream) is in force.
s4=$(strikes)
t1=$(date +%s.%N)
read -r g1 g2 g3 _ <<<"$(gaps "$t0" "$t1")"
diag "stream 1: $(passed "$t0" "$t1") of $((6 * RATE)) passed; gaps (boxes) $(gaps "$t0" "$t1") s"
box_ok "the first box (first: 1s) kept B out for" "$g1" 1
box_ok "the second box, a repeat within the window, lasted twice the first" "$g2" 2
box_ok "the third box is capped at max (2s, not 4s)" "$g3" 2
if [ -n "$g1" ] && [ -n "$g2" ] && _fg_cmp "$(calc "$g2 / $g1")" '>=' 1.8 && _fg_cmp "$(calc "$g2 / $g1")" '<=' 2.2; then
	ok "second box / first box = $(calc "$g2 / $g1") (2 ± 0.2)"
else
	not_ok "second box / first box = 2 ± 0.2" "gaps: $g1 $g2"
fi
check_eq "floodgate blocked: B's fourth box carries 3 strikes" "$s4" 3

# 2. Time up: out of `floodgate blocked`, still remembered in the map.
fg_wait_until 5 b_unlisted
check_none "after its time B is no longer listed by floodgate blocked" strikes
check_eq "the pinned map still holds B's entry (its window, 3 s, is not over)" "$(map_entries)" 1
gone_before=$(fg_log_count 'msg="penalty box expired"')
if fg_wait_until 8 map_empty; then
	ok "the daemon deleted the entry once the window had passed"
else
	not_ok "the daemon deleted the entry once the window had passed" "$(map_entries) entries left"
fi
check_ge "the daemon logged msg=\"penalty box expired\"" "$(fg_log_count 'msg="penalty box expired"')" $((gone_before + 1))

# 3. After the window, the next offence is a first box again.
t0=$(date +%s.%N)
stream 2
t1=$(date +%s.%N)
read -r g4 _ <<<"$(gaps "$t0" "$t1")"
diag "stream 2: gaps (boxes) $(gaps "$t0" "$t1") s"
box_ok "after the window, B's next box is first (1s) again" "$g4" 1

fg_kill "$RX_PID" 2
fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
