#!/usr/bin/env bash
# Safe defaults (issue 8), each asserted on a running daemon or the files
# that ship:
#   - with the built-in config, /metrics listens on loopback only (ss);
#   - every pin is 0600 and the pin directory 0700 (stat of each entry);
#   - /metrics carries no per-source label unless top_sources > 0 (a
#     scrape after a flood with top_sources 0, then 3 after a reload);
#   - the systemd unit: exactly CAP_BPF CAP_NET_ADMIN CAP_PERFMON
#     CAP_SYS_RESOURCE (bounding and ambient), NoNewPrivileges and the
#     hardening options README lists; `systemd-analyze verify` when there;
#   - floodgated (and --check) refuses a config file writable by group or
#     others, or owned by another non-root user, naming the file and fix.
# The daemon runs with the unit's capabilities (lib.sh: FG_DAEMON_PRIV).
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

SRC=203.0.113.80
PORT=9
UNIT_CAPS="bpf net_admin perfmon sys_resource"
# option=value pairs the unit must hold (the hardening README documents).
UNIT_HARDENING="NoNewPrivileges=yes ProtectSystem=strict ReadWritePaths=/sys/fs/bpf
ProtectHome=yes PrivateTmp=yes PrivateDevices=yes ProtectKernelModules=yes
ProtectKernelLogs=yes ProtectControlGroups=yes ProtectClock=yes ProtectHostname=yes
RestrictNamespaces=yes RestrictRealtime=yes RestrictSUIDSGID=yes LockPersonality=yes
MemoryDenyWriteExecute=yes SystemCallArchitectures=native UMask=0077
RestrictAddressFamilies=AF_UNIX|AF_INET|AF_INET6|AF_NETLINK"

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk curl ss stat setpriv
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 25

lab_setup || tap_bail "could not build the lab"

# --- 1. the built-in config: metrics on loopback ----------------------------
fg_daemon_start "" || tap_bail "floodgated (built-in config) did not attach"
fg_log_wait 'msg="serving metrics"' 10
listening=$(lab_exec "$FG_NS_SERVER" ss -Htlnp | awk -v pid="pid=$FG_DAEMON_PID," 'index($0, pid) { print $4 }')
diag "floodgated (built-in config) listens on: ${listening:-nothing}"
check_str "built-in config: /metrics listens on 127.0.0.1:9470 only" "$listening" "127.0.0.1:9470"
check "... and answers there" fg_metrics 127.0.0.1:9470 -o /dev/null

# --- 2. pins 0600 in a 0700 directory ---------------------------------------
check_str "pin directory $FG_PIN_DIR is 0700, owned by root" \
	"$(stat -c '%a %u' "$FG_PIN_DIR")" "700 0"
modes=$(find "$FG_PIN_DIR" -mindepth 1 -exec stat -c '%a %u %n' {} + | sort)
diag "$modes"
check_ge "the daemon pinned its maps, program and link (entries)" "$(printf '%s\n' "$modes" | grep -c .)" 14
check_str "every pin is 0600, owned by root" \
	"$(printf '%s\n' "$modes" | awk '$1 != "600" || $2 != "0"')" ""
fg_daemon_stop
check_eq "floodgated (built-in config) stopped cleanly" $? 0

# --- 3. no per-source label unless top_sources > 0 --------------------------
MPORT=$(lab_free_port "$FG_NS_SERVER")
LISTEN=127.0.0.1:$MPORT
cfg=$FG_TMP/top.yaml
write_cfg() {
	cat >"$cfg" <<EOF
interfaces: [$FG_IF_SERVER]
metrics: {listen: "$LISTEN", top_sources: $1}
limits: {packets: 200/s, burst_packets: 20}
EOF
}
write_cfg 0
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"
fg_log_wait 'msg="serving metrics"' 10
fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PORT" --src "$SRC" --count 2000 --duration 10 >/dev/null
scrape=$FG_TMP/top0.txt
fg_metrics "$LISTEN" -o "$scrape"
check_gt "the flood from $SRC was limited (drops)" "$(fg_stat drop rate_packets)" 0
check_gt "top_sources 0: the scrape has series" "$(grep -c '^floodgate_' "$scrape")" 10
check_eq "top_sources 0: no series carries a source= label" "$(grep -c 'source=' "$scrape")" 0
if grep -qF "$SRC" "$scrape"; then
	not_ok "top_sources 0: $SRC appears nowhere in /metrics" "$(grep -F "$SRC" "$scrape")"
else
	ok "top_sources 0: $SRC appears nowhere in /metrics"
fi
write_cfg 3
kill -HUP "$FG_DAEMON_PID"
fg_log_wait 'msg="reloaded"' 10
fg_metrics "$LISTEN" -o "$scrape"
check_gt "top_sources 3 (reload): $SRC is labelled source=\"$SRC\"" \
	"$(grep -c "source=\"$SRC\"" "$scrape")" 0
fg_daemon_stop

# --- 4. the systemd unit ------------------------------------------------------
norm() { tr ' ' '\n' | grep . | sort | tr '\n' ' '; }
want=$(echo "$UNIT_CAPS" | norm)
check_str "unit: CapabilityBoundingSet is exactly $UNIT_CAPS" \
	"$(fg_unit_caps CapabilityBoundingSet | norm)" "$want"
check_str "unit: AmbientCapabilities is exactly $UNIT_CAPS" \
	"$(fg_unit_caps AmbientCapabilities | norm)" "$want"
missing=()
for kv in $UNIT_HARDENING; do
	k=${kv%%=*} v=${kv#*=}
	[ "$(fg_unit_value "$k")" = "${v//|/ }" ] || missing+=("$k=${v//|/ } (unit: '$(fg_unit_value "$k")')")
done
if [ ${#missing[@]} -eq 0 ]; then
	ok "unit: every documented hardening option is set ($(echo "$UNIT_HARDENING" | wc -w))"
else
	not_ok "unit: every documented hardening option is set" "${missing[@]}"
fi
sysfilter=$(fg_unit_value SystemCallFilter)
if [[ " $sysfilter " == *" @system-service "* && " $sysfilter " == *" bpf "* ]]; then
	ok "unit: SystemCallFilter is @system-service plus bpf ($sysfilter)"
else
	not_ok "unit: SystemCallFilter is @system-service plus bpf" "got '$sysfilter'"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
	# The unit as make generates it, pointed at this build so verify
	# finds its binaries.
	unit=$FG_TMP/gen/dist/floodgated.service
	make -s -C "$FG_ROOT" OUT="$FG_TMP/gen" SBINDIR="$(dirname "$FG_DAEMON")" "$unit"
	# Its man: links are checked where they are installed (test_install.sh).
	out=$(timeout 60 systemd-analyze verify --man=no "$unit" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && ! grep -qi "floodgated.service" <<<"$out"; then
		ok "systemd-analyze verify: the unit is clean"
	else
		not_ok "systemd-analyze verify: the unit is clean" "exit $rc" "$out"
	fi
else
	skip "systemd-analyze verify" "systemd-analyze not installed"
fi

# --- 5. the config file's owner and mode --------------------------------------
good=$(fg_config 'limits: {packets: 100/s}')
chmod 0644 "$good"
check "config 0644, owned by root: --check accepts it" fg_daemon_cmd --check -c "$good"
# refused DESC MODE OWNER FIX: --check and a start both exit 1 naming the
# file and FIX; the start pins nothing.
refused() {
	local desc=$1 out rc
	chmod "$2" "$good" && chown "$3" "$good" || return 1
	out=$(fg_daemon_cmd --check -c "$good" 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && [[ $out == *"$good"*"$4 $good"* ]]; then
		ok "$desc: --check refuses it, names it and '$4' ($out)"
	else
		not_ok "$desc: --check refuses it, names it and '$4'" "exit $rc: $out"
	fi
	out=$(fg_daemon_cmd -c "$good" -i "$FG_IF_SERVER" --pin-dir "$FG_PIN_DIR" 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && [[ $out == *"$good"*"$4 $good"* ]] && [ ! -e "$FG_PIN_DIR/fg_ctl" ]; then
		ok "$desc: floodgated refuses to start (exit 1, nothing loaded)"
	else
		not_ok "$desc: floodgated refuses to start (exit 1, nothing loaded)" "exit $rc: $out"
	fi
}
rm -rf "$FG_PIN_DIR" # what the runs above left (the datapath stays pinned)
refused "config 0664 (group-writable)" 0664 root "chmod go-w"
refused "config 0602 (writable by others)" 0602 root "chmod go-w"
refused "config 0644 owned by nobody" 0644 nobody "chown root"
chmod 0600 "$good" && chown root "$good"

# A reload meets the same check: a config made group-writable is refused,
# the running one kept.
write_cfg 0
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"
chmod 0664 "$cfg"
kill -HUP "$FG_DAEMON_PID"
if fg_log_wait 'msg="reload failed; keeping the running config"' 10 &&
	[ "$(fg_log_count 'chmod go-w')" -ge 1 ] && kill -0 "$FG_DAEMON_PID"; then
	ok "reload of a group-writable config: refused (chmod go-w), daemon keeps running"
else
	not_ok "reload of a group-writable config: refused, daemon keeps running" "$(tail -n 5 "$FG_DAEMON_LOG")"
fi
fg_daemon_stop
check_eq "floodgated stopped cleanly" $? 0
