#!/usr/bin/env bash
# DESIGN §4 link following: floodgated started with -i naming a veth that
# does not exist yet in the server namespace attaches when it appears
# (logged with reason=link-appeared) and again when it is deleted and
# created anew; `floodgate status` shows it, and its packets are counted.
#   appearance 1: the pair is made in the client namespace and one end
#                 moved into the server namespace;
#   appearance 2: after `ip link del`, made directly in both namespaces.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

LATE=fl-$FG_SUFFIX   # server end, the interface floodgated is told about
LATE_C=fk-$FG_SUFFIX # its peer in the client namespace
# Their own subnet: a /25 inside 198.51.100.0/24, more specific than the
# lab's route for that /24 via the first pair.
LATE_S4=198.51.100.129
LATE_C4=198.51.100.130
PORT=9

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 16

lab_setup || tap_bail "could not build the lab"
cfg=$(fg_config 'limits: {packets: 1000/s, burst_packets: 100}')

# 1. Start on an interface that is not there: no msg="attached" to wait
# for, so not fg_daemon_start; the same command line.
FG_DAEMON_LOG=$FG_TMP/floodgated.late.log
fg_daemon_bg "$FG_DAEMON_LOG" -c "$cfg" -i "$LATE" \
	--xdp-mode "${FG_XDP_MODE:-native}" --pin-dir "$FG_PIN_DIR"
if fg_log_wait 'msg="started"' "$FG_ATTACH_TIMEOUT" && kill -0 "$FG_DAEMON_PID" 2>/dev/null; then
	ok "floodgated started with -i $LATE (not there yet)"
else
	not_ok "floodgated started with -i $LATE (not there yet)" "$(tail -n 20 "$FG_DAEMON_LOG")"
	tap_bail "no daemon"
fi
check_eq "it logged that $LATE is not present" \
	"$(fg_log_count "msg=\"interface not present; attaching when it appears\" iface=$LATE")" 1

# status_ifaces: "name:mode ..." from floodgate --json status.
status_ifaces() {
	fg_cli --json status | python3 -c '
import json, sys
print(" ".join("%s:%s" % (i["name"], i["mode"]) for i in json.load(sys.stdin)["interfaces"]))'
}
check_none "status --json lists no interface yet" status_ifaces

# configure: addresses, neighbours, up (both ends).
configure() {
	lab_addr "$FG_NS_SERVER" "$LATE" "$LATE_S4/25" &&
		lab_addr "$FG_NS_CLIENT" "$LATE_C" "$LATE_C4/25" &&
		lab_neigh "$FG_NS_CLIENT" "$LATE_C" "$(lab_mac "$FG_NS_SERVER" "$LATE")" "$LATE_S4" &&
		lab_neigh "$FG_NS_SERVER" "$LATE" "$(lab_mac "$FG_NS_CLIENT" "$LATE_C")" "$LATE_C4" &&
		ip -n "$FG_NS_CLIENT" link set "$LATE_C" up &&
		ip -n "$FG_NS_SERVER" link set "$LATE" up
}
# traffic N TAG: N packets over the late link; TAP line that XDP counted
# them all.
traffic() {
	fg_stats_snapshot "$FG_TMP/s.$2.json"
	fg_loadgen "$FG_NS_CLIENT" --dst "$LATE_S4" --port "$PORT" --src 203.0.113.80 \
		--count "$1" --rate 2000 --duration 10 >/dev/null
	check_eq "$2: XDP on $LATE saw the $1 packets sent over it" \
		"$(fg_stat --since "$FG_TMP/s.$2.json" '*' '*')" "$1"
}
attached_line() { grep -F 'msg="attached"' "$FG_DAEMON_LOG" | grep -F "iface=$LATE " | tail -n 1; }

# 2. Appearance 1: made in the client namespace, one end moved over.
ip link add "$LATE_C" netns "$FG_NS_CLIENT" type veth peer name "$LATE" netns "$FG_NS_CLIENT" &&
	ip -n "$FG_NS_CLIENT" link set "$LATE" netns "$FG_NS_SERVER"
check_eq "veth $LATE created in the client namespace and moved into the server's" $? 0
configure || diag "configuring $LATE failed"
if fg_log_wait 'reason=link-appeared' 10; then
	ok "floodgated attached when $LATE appeared ($(attached_line))"
else
	not_ok "floodgated attached when $LATE appeared" "$(tail -n 10 "$FG_DAEMON_LOG")"
fi
check_str "status --json shows $LATE (native)" "$(status_ifaces)" "$LATE:native"
if ip -n "$FG_NS_SERVER" link show dev "$LATE" | grep -q 'prog/xdp'; then
	ok "$LATE runs the XDP program"
else
	not_ok "$LATE runs the XDP program" "$(ip -n "$FG_NS_SERVER" link show dev "$LATE")"
fi
traffic 300 "first $LATE"

# 3. Deleted.
ip -n "$FG_NS_SERVER" link del "$LATE"
if fg_log_wait "msg=\"interface removed; attaching when it returns\" iface=$LATE" 10; then
	ok "floodgated logged the removal of $LATE"
else
	not_ok "floodgated logged the removal of $LATE" "$(tail -n 10 "$FG_DAEMON_LOG")"
fi
check_none "status --json lists no interface" status_ifaces
if kill -0 "$FG_DAEMON_PID" 2>/dev/null; then ok "floodgated keeps running"; else not_ok "floodgated keeps running" "$(tail -n 10 "$FG_DAEMON_LOG")"; fi

# 4. Appearance 2: created again, directly in both namespaces.
lab_veth "$FG_NS_CLIENT" "$LATE_C" "$FG_NS_SERVER" "$LATE"
check_eq "veth $LATE created again" $? 0
configure || diag "configuring $LATE failed"
if fg_log_wait 'reason=link-appeared' 10 2; then
	ok "floodgated attached again when $LATE came back ($(attached_line))"
else
	not_ok "floodgated attached again when $LATE came back" "$(tail -n 10 "$FG_DAEMON_LOG")"
fi
check_str "status --json shows $LATE again (native)" "$(status_ifaces)" "$LATE:native"
traffic 300 "recreated $LATE"

fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
