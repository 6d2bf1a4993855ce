#!/usr/bin/env bash
# DESIGN §2.1, §2.8, §5: the kill-switch and dry-run from the CLI, on a
# live flood.
#   `floodgate disable`: the very next packets all pass, counted only as
#   reason disabled (the flooder's bucket is empty at that moment, so
#   anything still limited would drop); `floodgate enable` throttles
#   again; the daemon logs msg="kill-switch changed".
#   `floodgate mode dry-run`: over-limit packets pass as dry_run, nothing
#   dropped; `floodgate mode enforce` drops again.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

RATE=1000
BURST=100
N=3000 # packets per burst of flood, sent as fast as possible
SRC=203.0.113.20
PORT=9

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 18

lab_setup || tap_bail "could not build the lab"
cfg=$(fg_config "limits: {packets: $RATE/s, burst_packets: $BURST}")
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

# flood: N packets from SRC, unpaced (a few ms), bounded by --count.
flood() {
	fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PORT" --src "$SRC" \
		--count "$N" --duration 10 >/dev/null
}
# json_field KEY < JSON: a top-level value (strings bare, the rest as JSON).
json_field() {
	python3 -c 'import json, sys
v = json.load(sys.stdin)[sys.argv[1]]
print(v if isinstance(v, str) else json.dumps(v))' "$1"
}
snap() { fg_stats_snapshot "$FG_TMP/s.$1.json"; }
since() { fg_stat --since "$FG_TMP/s.$1.json" "${@:2}"; }
# status_is KEY VALUE: `floodgate --json status` says KEY is VALUE.
status_is() { [ "$(fg_cli --json status | json_field "$1")" = "$2" ]; }
# cli_then_status KEY VALUE ARGS...: `floodgate ARGS` exits 0 and status
# says KEY is VALUE afterwards: the command did what it says.
cli_then_status() {
	local key=$1 value=$2
	shift 2
	fg_cli "$@" && status_is "$key" "$value"
}
# others_since TAG: counters other than pass/disabled that moved since
# snapshot TAG; fails when the counters cannot be read.
others_since() {
	local out
	out=$(fg_stats_show --since "$FG_TMP/s.$1.json") || return 1
	grep -v '^pass/disabled ' <<<"$out"
	return 0
}

# 1. Enforcing: the flood is throttled (and the bucket left empty).
snap enforce
flood
drop=$(since enforce drop rate_packets)
pass=$(since enforce pass under_limit)
diag "enforce: passed $pass, dropped $drop of $N"
if [ "$drop" -gt $((N / 2)) ] && [ "$pass" -lt $((N / 2)) ]; then
	ok "enforcing: a fast burst of $N is throttled ($pass passed, $drop dropped)"
else
	not_ok "enforcing: a fast burst of $N is throttled" "passed $pass dropped $drop"
fi
src_dropped=$(fg_src_stat "$SRC" dropped)

# 2. disable: the next packet passes. Flood at once (the bucket is still
# empty: anything limited would be dropped).
check "floodgate disable exits 0 and status says enabled: false" cli_then_status enabled false disable
snap disabled
flood
check_eq "disabled: all $N flood packets passed as reason disabled" "$(since disabled pass disabled)" "$N"
check_eq "disabled: nothing dropped" "$(since disabled drop '*')" 0
# One read of every counter: only pass/disabled moved.
check_none "disabled: nothing counted under another reason" others_since disabled
check_eq "disabled: the source's state was not touched" "$(fg_src_stat "$SRC" dropped)" "$src_dropped"
if fg_log_wait 'msg="kill-switch changed" enabled=0' 5; then
	ok "daemon logged msg=\"kill-switch changed\" enabled=0"
else
	not_ok "daemon logged msg=\"kill-switch changed\" enabled=0" "$(tail -n 5 "$FG_DAEMON_LOG")"
fi

# 3. enable: throttled again from the next packets.
check "floodgate enable exits 0 and status says enabled: true" cli_then_status enabled true enable
snap enabled
flood
drop=$(since enabled drop rate_packets)
pass=$(since enabled pass under_limit)
diag "enabled again: passed $pass, dropped $drop of $N"
if [ "$drop" -gt $((N / 2)) ] && [ "$(since enabled pass disabled)" -eq 0 ]; then
	ok "enabled: the flood is throttled again ($pass passed, $drop dropped), none as disabled"
else
	not_ok "enabled: the flood is throttled again" "$(fg_stats_show --since "$FG_TMP/s.enabled.json")"
fi
if fg_log_wait 'msg="kill-switch changed" enabled=1' 5; then
	ok "daemon logged msg=\"kill-switch changed\" enabled=1"
else
	not_ok "daemon logged msg=\"kill-switch changed\" enabled=1" "$(tail -n 5 "$FG_DAEMON_LOG")"
fi

# 4. dry-run: over-limit packets pass, counted as dry_run.
check "floodgate mode dry-run exits 0 and status says mode dry-run" cli_then_status mode dry-run mode dry-run
snap dry
flood
dry=$(since dry pass dry_run)
pass=$(since dry pass under_limit)
diag "dry-run: passed under_limit $pass, dry_run $dry of $N"
check_eq "dry-run: nothing dropped" "$(since dry drop '*')" 0
check_eq "dry-run: every packet passed, as under_limit or dry_run" "$((pass + dry))" "$N"
check_gt "dry-run: the over-limit ones counted as dry_run" "$dry" $((N / 2))
if fg_log_wait 'msg="mode changed" mode=dry-run source=cli' 5; then
	ok "daemon logged msg=\"mode changed\" mode=dry-run"
else
	not_ok "daemon logged msg=\"mode changed\" mode=dry-run" "$(tail -n 5 "$FG_DAEMON_LOG")"
fi

# 5. back to enforce.
check "floodgate mode enforce exits 0 and status says mode enforce" cli_then_status mode enforce mode enforce
snap enforce2
flood
drop=$(since enforce2 drop rate_packets)
diag "enforce again: dropped $drop of $N, dry_run $(since enforce2 pass dry_run)"
if [ "$drop" -gt $((N / 2)) ] && [ "$(since enforce2 pass dry_run)" -eq 0 ]; then
	ok "enforce again: the flood is dropped, none as dry_run"
else
	not_ok "enforce again: the flood is dropped" "$(fg_stats_show --since "$FG_TMP/s.enforce2.json")"
fi

fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
