#!/usr/bin/env bash
# Faults around the pin directory (issue 8): floodgated adopts whatever is
# pinned there, so it refuses, with a message naming the path and the fix,
# and without loading, attaching or deleting anything:
#   - a pin directory that is not on bpffs (--pin-dir on the temp
#     filesystem; and bpffs unmounted in a private mount namespace), the
#     CLI saying so too;
#   - an existing pin directory writable by group or others, or owned by
#     another user;
#   - a foreign entry in it (a map pinned under another name, a
#     subdirectory), and one of its own pins made group-writable or given
#     to another user. Fixed, the next start adopts the pins: the counters
#     survive the refusals.
# The daemon runs with the unit's capabilities (lib.sh: FG_DAEMON_PRIV).
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

SRC=203.0.113.90
PORT=9

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk stat unshare umount mountpoint setpriv
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 20

lab_setup || tap_bail "could not build the lab"
cfg=$(fg_config 'limits: {packets: 200/s, burst_packets: 20}')

# run_daemon [ARGS...]: a start that is expected to end by itself; output
# in OUT, exit status in RC.
run_daemon() {
	OUT=$(fg_daemon_cmd -c "$cfg" -i "$FG_IF_SERVER" --xdp-mode native "$@" 2>&1)
	RC=$?
}
not_attached() { ! ip -n "$FG_NS_SERVER" link show dev "$FG_IF_SERVER" | grep -q 'prog/xdp'; }
# xdp_id: the id of the XDP program on the server link, or nothing.
xdp_id() { ip -n "$FG_NS_SERVER" link show dev "$FG_IF_SERVER" | grep -o 'prog/xdp id [0-9]*'; }

# --- 1. not on bpffs ------------------------------------------------------------
offfs=$FG_TMP/pins
run_daemon --pin-dir "$offfs"
if [ "$RC" -eq 1 ] && [[ $OUT == *"$offfs is not on a bpf filesystem"*"mount -t bpf bpf /sys/fs/bpf"* ]] && not_attached; then
	ok "--pin-dir on $(stat -f -c %T "$FG_TMP"): floodgated exits 1, says not on bpffs and how to mount"
else
	not_ok "--pin-dir off bpffs: floodgated exits 1, says not on bpffs" "exit $RC: $OUT"
fi
out=$(fg_cli --pin-dir "$offfs" status 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && [[ $out == *"not on a bpf filesystem"* ]]; then
	ok "... floodgate status there: exit 1, not on a bpf filesystem"
else
	not_ok "... floodgate status there: exit 1, not on a bpf filesystem" "exit $rc: $out"
fi

# bpffs unmounted: in a mount namespace of its own (private: the host's
# /sys/fs/bpf is untouched), then the daemon and the CLI on the default
# layout.
in_nobpffs() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	timeout 30 unshare -m --propagation private sh -c '
		n=0
		while mountpoint -q /sys/fs/bpf && [ $n -lt 5 ]; do umount -l /sys/fs/bpf; n=$((n + 1)); done
		mountpoint -q /sys/fs/bpf && { echo "still mounted"; exit 99; }
		exec nsenter --net="/var/run/netns/$0" "$@"' "$FG_NS_SERVER" "$@"
}
mapfile -t pre < <(_fg_daemon_prefix)
out=$(in_nobpffs "${pre[@]}" "$FG_DAEMON" -c "$cfg" -i "$FG_IF_SERVER" --pin-dir "$FG_PIN_DIR" 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && [[ $out == *"$FG_PIN_DIR is not on a bpf filesystem: is bpffs mounted?"* ]] && not_attached; then
	ok "bpffs unmounted (private mount namespace): floodgated exits 1, says bpffs is not mounted"
else
	not_ok "bpffs unmounted: floodgated exits 1, says bpffs is not mounted" "exit $rc: $out"
fi
out=$(in_nobpffs "$FG_CLI" --pin-dir "$FG_PIN_DIR" status 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && [[ $out == *"not on a bpf filesystem: is bpffs mounted?"* ]]; then
	ok "... floodgate status: exit 1, says bpffs is not mounted"
else
	not_ok "... floodgate status: exit 1, says bpffs is not mounted" "exit $rc: $out"
fi
check "... and the host's bpffs is still mounted" mountpoint -q /sys/fs/bpf

# --- 2. the pin directory's own mode and owner --------------------------------
# refused DESC EXPECT: the start ends with exit 1, OUT holding EXPECT,
# the XDP program on the link (none, or the last daemon's) unchanged.
refused() {
	local was
	was=$(xdp_id)
	run_daemon --pin-dir "$FG_PIN_DIR"
	if [ "$RC" -eq 1 ] && [[ $OUT == *"$2"* ]] && [ "$(xdp_id)" = "$was" ]; then
		ok "$1: refused ($(grep -o 'error=.*' <<<"$OUT" | head -n 1))"
	else
		not_ok "$1: refused, saying '$2'" "exit $RC: $OUT"
	fi
}
mkdir "$FG_PIN_DIR" && chmod 0777 "$FG_PIN_DIR"
check_str "no XDP program on $FG_IF_SERVER yet" "$(xdp_id)" ""
refused "pin directory 0777" "pin directory $FG_PIN_DIR is writable by group or others (uid 0, mode 0777)"
check_str "... it named the fix (chmod 0700)" "$(grep -c 'chmod 0700' <<<"$OUT")" 1
check_eq "... and pinned nothing" "$(find "$FG_PIN_DIR" -mindepth 1 | wc -l)" 0
chmod 0720 "$FG_PIN_DIR"
refused "pin directory 0720 (group-writable)" "is writable by group or others (uid 0, mode 0720)"
chmod 0700 "$FG_PIN_DIR" && chown nobody "$FG_PIN_DIR"
refused "pin directory owned by nobody" "pin directory $FG_PIN_DIR is owned by another user"
chown root "$FG_PIN_DIR"

# --- 3. foreign and tampered entries ------------------------------------------
bpftool map create "$FG_PIN_DIR/stranger" type array key 4 value 4 entries 1 name stranger ||
	diag "bpftool map create failed"
refused "a foreign map pinned as 'stranger'" "$FG_PIN_DIR/stranger is not a floodgate pin"
check "... it is left where it was" test -e "$FG_PIN_DIR/stranger"
rm -f "$FG_PIN_DIR/stranger"
mkdir "$FG_PIN_DIR/sub"
refused "a subdirectory" "$FG_PIN_DIR/sub is not a floodgate pin"
rmdir "$FG_PIN_DIR/sub"

# A daemon's own pins, then tampered with while it is stopped.
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach on the clean directory"
fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PORT" --src "$SRC" --count 1000 --duration 10 >/dev/null
fg_daemon_stop
before=$(fg_stat '*' '*')
check_gt "packets counted before the tampering" "$before" 0
pins_before=$(find "$FG_PIN_DIR" -mindepth 1 | wc -l) # every map and the program
chmod 0660 "$FG_PIN_DIR/fg_ctl"
refused "its own fg_ctl made 0660" "$FG_PIN_DIR/fg_ctl is writable by group or others (uid 0, mode 0660): if it is floodgate's, chown 0 and chmod 0600 it"
chmod 0600 "$FG_PIN_DIR/fg_ctl"
chown nobody "$FG_PIN_DIR/fg_stats"
refused "its own fg_stats given to nobody" "$FG_PIN_DIR/fg_stats is owned by another user"
chown root "$FG_PIN_DIR/fg_stats"
check_str "... the refusals deleted nothing ($FG_PIN_DIR)" "$(find "$FG_PIN_DIR" -mindepth 1 | wc -l)" "$pins_before"

fg_daemon_start "$cfg" || tap_bail "floodgated did not start on the fixed directory"
if fg_log_wait 'msg="adopted pinned state"' 5; then
	ok "fixed: the next start adopts the pins"
else
	not_ok "fixed: the next start adopts the pins" "$(tail -n 5 "$FG_DAEMON_LOG")"
fi
check_ge "... with the counters they held ($before packets)" "$(fg_stat '*' '*')" "$before"
