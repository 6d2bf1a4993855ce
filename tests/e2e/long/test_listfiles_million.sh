#!/usr/bin/env bash
# DESIGN §9 list files at scale: a 1 000 000-line deny file (IPv6 /64s in
# 2001:db8::/32, then one IPv4 entry that is checked with packets) loads
# on a file change; its load time, the daemon's RSS and the trie's kernel
# memory are reported; a reload that touches one line of it changes
# exactly one entry.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/../lib.sh"

PORT=9
BIG_V4=198.51.100.77 # the file's one IPv4 entry
BIG_N=1000000
WAIT=120 # s, for a million-entry reload on a busy machine

fg_require_root
fg_require_cmds ip nsenter bpftool awk
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 9

lab_setup || tap_bail "could not build the lab"
deny=$FG_TMP/lists/deny.txt
mkdir -p "$FG_TMP/lists"
echo "203.0.113.50" >"$deny"
cfg=$(fg_config 'limits: {packets: 100000/s, burst_packets: 100000}' \
	"lists: {deny_files: [$deny]}")
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

snap() { fg_stats_snapshot "$FG_TMP/s.$1.json"; }
since() { fg_stat --since "$FG_TMP/s.$1.json" "${@:2}"; }
reload_field() {
	grep -F 'msg="reloaded"' "$FG_DAEMON_LOG" | tail -n 1 |
		grep -oE "(^| )$1=[^ ]*" | cut -d= -f2
}

# The file, away from the lab's addresses (2001:db8:1000::/36).
awk -v n="$BIG_N" -v v4="$BIG_V4" 'BEGIN {
	print "; generated: " n " IPv6 /64s and one IPv4 host"
	for (i = 0; i < n; i++)
		printf "2001:db8:%x:%x::/64 ; SBL%d\n", 4096 + int(i / 65536), i % 65536, i
	print v4 "/32"
}' >"$deny.new"
t0=$(date +%s.%N)
mv "$deny.new" "$deny"
check "the million-line file loads on its change" fg_log_wait 'msg="reloaded"' "$WAIT"
t1=$(date +%s.%N)
check_eq "... all $BIG_N + 1 entries" "$(reload_field deny)" $((BIG_N + 1))
check_eq "... added to the table" "$(reload_field list_entries_added)" $((BIG_N + 1))
diag "1000001-entry deny file: change to reloaded $(calc "$t1 - $t0") s (the 200 ms debounce, parse, table sync)"
diag "floodgated memory: $(grep -E '^Vm(RSS|HWM)' "/proc/$FG_DAEMON_PID/status" | tr -s ' \t' ' ' | tr '\n' ' ')"
memlock=$(bpftool map show pinned "$FG_PIN_DIR/fg_lists" | grep -oE 'memlock [0-9]+B')
diag "fg_lists trie: ${memlock:-memlock unknown} (bpftool map show)"
snap a
fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PORT" --src "$BIG_V4" \
	--count 100 --duration 10 >/dev/null
check_eq "$BIG_V4 (the file's last line): 100 dropped as deny_list" "$(since a drop deny_list)" 100

# One line touched: exactly one entry changes.
awk 'NR == 500001 { print "2001:db8:1fff:1::/64 ; replaced"; next } { print }' \
	"$deny" >"$deny.new"
t0=$(date +%s.%N)
mv "$deny.new" "$deny"
check "a one-line edit reloads" fg_log_wait 'msg="reloaded"' "$WAIT" 2
t1=$(date +%s.%N)
diag "one-line edit of the million-line file: change to reloaded $(calc "$t1 - $t0") s"
check_eq "... one entry added" "$(reload_field list_entries_added)" 1
check_eq "... one removed" "$(reload_field list_entries_removed)" 1
check_eq "... none changed in place" "$(reload_field list_entries_changed)" 0
check_eq "... still $BIG_N + 1 entries" "$(reload_field deny)" $((BIG_N + 1))
