#!/usr/bin/env bash
# DESIGN §9 over veth, the daemon running: a class with limits_scale 10
# holds its sources to ten times the default while another source keeps
# the default; a rule in shadow mode passes its over-limit packets as
# dry_run while a second rule drops the same source's; `floodgate mode
# enforce --rule` flips one rule, and that stands across a reload; a rule
# with `destinations` limits one VIP and not another.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

OFFICE=198.51.100.2 # in class office (198.51.100.0/28)
OTHER=198.51.100.100
SHADOWED=203.0.113.50
VIP_OTHER=192.0.2.200 # a second address of the server's host
FLOOD_PPS=2000
FLOOD_S=1

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 14

lab_setup || tap_bail "could not build the lab"
lab_neigh "$FG_NS_CLIENT" "$FG_IF_CLIENT" "$FG_MAC_SERVER" "$VIP_OTHER" ||
	tap_bail "no neighbour entry for $VIP_OTHER"
cfg=$(fg_config "limits: {packets: 50/s, burst_packets: 10}" \
	"classes: {office: {cidrs: [198.51.100.0/28], limits_scale: 10}}" \
	"rules:
  - {name: shadow, protocol: udp, ports: [10], packets: 100/s, burst_packets: 20, mode: dry-run}
  - {name: strict, protocol: udp, ports: [11], packets: 100/s, burst_packets: 20}
  - {name: vip, protocol: udp, ports: [12], destinations: [$FG_SERVER4/32], packets: 100/s, burst_packets: 20}")
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

# send SRC PORT COUNT [DST] [RATE]: bounded, to the server or DST.
send() {
	local rate=()
	[ -n "${5:-}" ] && rate=(--rate "$5")
	fg_loadgen "$FG_NS_CLIENT" --dst "${4:-$FG_SERVER4}" --port "$2" \
		--src "$1" --count "$3" --duration 10 "${rate[@]}" >/dev/null
}
# rule_stat NAME ACTION: the rule's packets of that action (pass, drop,
# dry_run) from `floodgate status --json`.
rule_stat() {
	fg_cli --json status | python3 -c '
import json, sys
r = [x for x in json.load(sys.stdin)["rules"] if x["name"] == sys.argv[1]]
print(r[0][sys.argv[2]]["packets"] if r else -1)' "$1" "$2"
}
rule_mode() {
	fg_cli --json status | python3 -c '
import json, sys
r = [x for x in json.load(sys.stdin)["rules"] if x["name"] == sys.argv[1]]
print(r[0]["mode"] if r else "none")' "$1"
}
# set_mode MODE RULE: `floodgate mode MODE --rule RULE` exits 0 and status
# then shows the rule in MODE.
set_mode() { fg_cli mode "$1" --rule "$2" && [ "$(rule_mode "$2")" = "$1" ]; }
# reload: `floodgate reload` exits 0 and the daemon logs one more reload.
reload() {
	local n
	n=$(fg_log_count 'msg="reloaded"')
	fg_cli reload && fg_log_wait 'msg="reloaded"' 10 $((n + 1))
}

# 1. limits_scale: both flood at the same time, paced, over the limits.
send "$OFFICE" 9 $((FLOOD_PPS * FLOOD_S)) "" "$FLOOD_PPS" &
office_pid=$!
send "$OTHER" 9 $((FLOOD_PPS * FLOOD_S)) "" "$FLOOD_PPS"
wait "$office_pid"
office=$(rule_stat default@office pass)
other=$(fg_src_stat "$OTHER" passed)
diag "passed in ${FLOOD_S}s: office $office (10x: 100 + 500/s), other $other (10 + 50/s)"
# Bounds: burst + rate x T, within 10 % (the floods take about T).
check_near "class office: burst 100 + 500/s x ${FLOOD_S}s passed" "$office" $((100 + 500 * FLOOD_S)) 10
check_near "another source: burst 10 + 50/s x ${FLOOD_S}s passed" "$other" $((10 + 50 * FLOOD_S)) 10
check_eq "office's sources took its scaled default slot, not the default" \
	"$(fg_src_stat "$OFFICE" passed)" "$office"

# 2. Shadow mode: one source over two rules.
send "$SHADOWED" 10 300
send "$SHADOWED" 11 300
check_ge "rule shadow (dry-run): over-limit packets counted dry_run" "$(rule_stat shadow dry_run)" 270
check_eq "rule shadow: none dropped" "$(rule_stat shadow drop)" 0
check_ge "rule strict: the same source dropped" "$(rule_stat strict drop)" 270

# 3. The CLI flips one rule; a reload keeps it.
check "floodgate mode enforce --rule shadow: status shows it enforcing" set_mode enforce shadow
check "floodgate reload: the daemon reloaded" reload
check "after the reload rule shadow still enforces" test "$(rule_mode shadow)" = enforce
before=$(rule_stat shadow drop)
send "$SHADOWED" 10 300
check_ge "rule shadow now drops the over-limit source" "$(($(rule_stat shadow drop) - before))" 200
check "floodgate mode dry-run --rule shadow (back to the config's): status shows it dry-run" \
	set_mode dry-run shadow

# 4. Destinations: the rule limits the VIP it names only.
send 203.0.113.60 12 300
vip_before=$(($(rule_stat vip pass) + $(rule_stat vip drop)))
fg_stats_snapshot "$FG_TMP/s.vip.json"
send 203.0.113.61 12 300 "$VIP_OTHER"
check_ge "rule vip dropped the flood to $FG_SERVER4" "$(rule_stat vip drop)" 270
check_eq "rule vip saw nothing of the flood to $VIP_OTHER" \
	"$(($(rule_stat vip pass) + $(rule_stat vip drop) - vip_before))" 0
# The control: that flood did reach XDP, and met the default limits.
check_eq "the flood to $VIP_OTHER reached XDP: its 300 packets counted under the default limits" \
	"$(fg_stat --since "$FG_TMP/s.vip.json" --rule default '*' '*')" 300
