#!/usr/bin/env bash
# Lost link events are repaired (issue 8): floodgated follows links on a
# netlink socket; when that socket overruns (ENOBUFS), the events it
# dropped are gone, and a configured interface created meanwhile would
# never be attached. After an overrun the daemon rescans every link.
# Made certain here: the daemon is stopped (SIGSTOP), PAIRS veth pairs
# are created in its namespace and then the configured veth, last, so its
# RTM_NEWLINK is among the dropped; then SIGCONT. The daemon must log the
# loss and attach to the veth all the same.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

LATE=fr-$FG_SUFFIX   # server end, the interface floodgated is told about
LATE_C=fq-$FG_SUFFIX # its peer in the client namespace
PAIRS=150

fg_require_root
fg_require_cmds ip nsenter awk
fg_require_bins floodgated floodgate

tap_plan 6

lab_setup || tap_bail "could not build the lab"
cfg=$(fg_config 'limits: {packets: 1000/s, burst_packets: 100}')

FG_DAEMON_LOG=$FG_TMP/floodgated.rescan.log
fg_daemon_bg "$FG_DAEMON_LOG" -c "$cfg" -i "$LATE" \
	--xdp-mode "${FG_XDP_MODE:-native}" --pin-dir "$FG_PIN_DIR"
if fg_log_wait 'msg="started"' "$FG_ATTACH_TIMEOUT" && kill -0 "$FG_DAEMON_PID" 2>/dev/null; then
	ok "floodgated started with -i $LATE (not there yet)"
else
	not_ok "floodgated started with -i $LATE (not there yet)" "$(tail -n 20 "$FG_DAEMON_LOG")"
	tap_bail "no daemon"
fi

# Stopped, it reads nothing: the burst below overruns its socket.
kill -STOP "$FG_DAEMON_PID"
lab_on_exit "kill -CONT $FG_DAEMON_PID"
for i in $(seq 1 "$PAIRS"); do
	echo "link add a$FG_SUFFIX-$i type veth peer name b$FG_SUFFIX-$i"
done | ip -n "$FG_NS_SERVER" -batch - || diag "creating the veth pairs failed"
if ! lab_veth "$FG_NS_SERVER" "$LATE" "$FG_NS_CLIENT" "$LATE_C"; then
	tap_bail "could not create $LATE"
fi
# /proc/net/netlink: sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode.
# shellcheck disable=SC2016 # awk's own fields
drops=$(lab_exec "$FG_NS_SERVER" awk 'NR > 1 && $2 == 0 && $9 > 0 { n += $9 } END { print n + 0 }' /proc/net/netlink)
check_gt "the daemon's netlink socket overran while it was stopped (drops)" "$drops" 0
kill -CONT "$FG_DAEMON_PID"

if fg_log_wait 'msg="netlink link events lost; rescanning links"' 10; then
	ok "floodgated logged the lost events and rescanned"
else
	not_ok "floodgated logged the lost events and rescanned" "$(tail -n 10 "$FG_DAEMON_LOG")"
fi
if fg_log_wait "msg=\"attached\" iface=$LATE" 10; then
	ok "$LATE, created during the overrun, was attached ($(grep -F "iface=$LATE" "$FG_DAEMON_LOG" | tail -n 1))"
else
	not_ok "$LATE, created during the overrun, was attached" "$(tail -n 10 "$FG_DAEMON_LOG")"
fi
if ip -n "$FG_NS_SERVER" link show dev "$LATE" | grep -q 'prog/xdp'; then
	ok "$LATE runs an XDP program"
else
	not_ok "$LATE runs an XDP program" "$(ip -n "$FG_NS_SERVER" link show dev "$LATE")"
fi
fg_daemon_stop
check_eq "floodgated stopped cleanly" $? 0
