#!/usr/bin/env bash
# DESIGN §9 list files: lists.deny_files entries drop their sources over
# a real link; editing the file (no SIGHUP) reloads once, debounced, and
# the set follows it; a bad line fails the reload with FILE:LINE and the
# old set stays. The million-line file: long/test_listfiles_million.sh (make test-long).
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

PORT=9
DENIED_A=203.0.113.50 # in the first deny file
DENIED_B=203.0.113.51 # in the edited one
WAIT=10 # s, for a reload to show in the log

fg_require_root
fg_require_cmds ip nsenter bpftool awk jq
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 13

lab_setup || tap_bail "could not build the lab"
deny=$FG_TMP/lists/deny.txt
mkdir -p "$FG_TMP/lists"
printf '; Spamhaus-style header\r\n# a comment\r\n\r\n%s/32 ; SBL1\r\n' \
	"$DENIED_A" >"$deny"
# The test's flows have a rule of their own, whose counter says what of
# them passed: each check counts its own flow, not a global total.
cfg=$(fg_config 'limits: {packets: 100000/s, burst_packets: 100000}' \
	"rules: [{name: lab, protocol: udp, ports: [$PORT], packets: 100000/s, burst_packets: 100000}]" \
	"lists: {deny_files: [$deny]}")
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

# send SRC COUNT: COUNT packets from SRC to the server.
send() {
	fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PORT" \
		--src "$1" --count "$2" --duration 10 >/dev/null
}
snap() { fg_stats_snapshot "$FG_TMP/s.$1.json"; }
since() { fg_stat --since "$FG_TMP/s.$1.json" "${@:2}"; }
reloads() { fg_log_count 'msg="reloading"'; }
lab_passed() { fg_cli --json status | jq '.rules[] | select(.name == "lab") | .pass.packets'; }
# replace FILE: moves FILE.new over FILE, as editors and feed fetchers do.
replace() { mv "$1.new" "$1"; }
# The last reload line's KEY=VALUE.
reload_field() {
	grep -F 'msg="reloaded"' "$FG_DAEMON_LOG" | tail -n 1 |
		grep -oE "(^| )$1=[^ ]*" | cut -d= -f2
}

# 1. The file's entry drops.
snap a
pa=$(lab_passed)
send "$DENIED_A" 200
check_eq "$DENIED_A from the deny file: 200 dropped as deny_list" "$(since a drop deny_list)" 200
check_eq "$DENIED_A: none passed" "$(($(lab_passed) - pa))" 0

# 2. An edit (temporary file, rename), no SIGHUP: one reload, the new set.
printf '# edited\n%s\n' "$DENIED_B" >"$deny.new"
replace "$deny"
check "the edit reloads (reason=file-changed path=$deny)" \
	fg_log_wait "reason=file-changed path=\"$deny\"" "$WAIT"
check "... and the reload succeeds" fg_log_wait 'msg="reloaded"' "$WAIT"
check_str "... one entry added, one removed" \
	"$(reload_field list_entries_added) $(reload_field list_entries_removed)" "1 1"
snap b
pb=$(lab_passed)
send "$DENIED_A" 200
send "$DENIED_B" 200
check_eq "$DENIED_A, no longer listed: 200 passed" "$(($(lab_passed) - pb))" 200
check_eq "$DENIED_B, now listed: 200 dropped as deny_list" "$(since b drop deny_list)" 200

# 3. Written in pieces, in place: one reload.
n=$(reloads)
{
	printf '%s\n' "$DENIED_B"
	sleep 0.05
	printf '198.51.100.90\n'
	sleep 0.05
	printf '198.51.100.91\n'
} >"$deny"
fg_log_wait 'msg="reloaded"' "$WAIT" 2
sleep 1 # longer than the debounce: a second reload would show
check_eq "a file written in three pieces reloads once" "$(($(reloads) - n))" 1
check_eq "... and holds its three entries" "$(reload_field deny)" 3

# 4. A bad line: the reload fails with FILE:LINE, the old set stays.
printf '%s\n# fine\n203.0.113.999\n' "$DENIED_B" >"$deny.new"
replace "$deny"
check "a bad line fails the reload" \
	fg_log_wait 'msg="reload failed; keeping the running config"' "$WAIT"
line=$(grep -F 'msg="reload failed' "$FG_DAEMON_LOG" | tail -n 1)
check_str "... naming the file and line" \
	"$(grep -oF "$deny:3: \\\"203.0.113.999\\\"" <<<"$line")" \
	"$deny:3: \\\"203.0.113.999\\\""
snap c
send "$DENIED_B" 100
check_eq "... and $DENIED_B is still dropped (old set)" "$(since c drop deny_list)" 100

# 5. SIGHUP reloads too, and says so.
kill -HUP "$FG_DAEMON_PID"
check "SIGHUP reloads (reason=signal)" fg_log_wait 'reason=signal' "$WAIT"
