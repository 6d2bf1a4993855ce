#!/usr/bin/env bash
# DESIGN §3 rules[].aggregate: a rule's whole-prefix cap. Rule "agg"
# (udp port 9): per source 1000/s burst 100, and aggregate
# {ipv4_prefix: 24, ipv6_prefix: 48, packets: 500/s, burst_packets: 100}.
#   - 16 sources of one /24 (fg-loadgen --src-range 203.0.113.0/24
#     --sources 16), 4000 pps together = 250 pps each, every one under its
#     own limit: held together to 500/s x T + 100 (±10 %), the rest
#     dropped as rate_aggregate, none as rate_packets;
#   - at the same time a source of 198.51.100.0/24 at 300 pps on the same
#     rule gets every packet through.
# The same on IPv6 with 16 /64s of one /48.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

PORT=9
SRC_RATE=1000
SRC_BURST=100
AGG_RATE=500
AGG_BURST=100
FLOOD_PPS=4000
OTHER_PPS=300
SECS=${FG_AGG_SECONDS:-3}

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 15

lab_setup || tap_bail "could not build the lab"
cfg=$(fg_config <<EOF
limits: {packets: 1000/s, burst_packets: 100}
rules:
  - name: agg
    protocol: udp
    ports: [$PORT]
    packets: $SRC_RATE/s
    burst_packets: $SRC_BURST
    aggregate: {ipv4_prefix: 24, ipv6_prefix: 48, packets: $AGG_RATE/s, burst_packets: $AGG_BURST}
EOF
)
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

# src_sum PREFIX FIELD: passed/dropped summed over the tracked sources
# whose printed address starts with PREFIX, and how many they are.
src_sum() {
	fg_cli --json top --by packets -n 10000 | python3 -c '
import json, sys
p, f = sys.argv[1], sys.argv[2]
e = [x for x in json.load(sys.stdin) if x["source"].startswith(p)]
print(sum(x[f] for x in e), len(e))' "$1" "$2"
}

# phase FAMILY FLOOD_RANGE FLOOD_PREFIX_ARGS FLOOD_KEYPFX OTHER OTHER_KEY DST: 7 TAP lines.
phase() {
	local fam=$1 range=$2 spfx=$3 keypfx=$4 other=$5 okey=$6 dst=$7
	local fj=$FG_TMP/flood.$fam.json oj=$FG_TMP/other.$fam.json base=$FG_TMP/s.$fam.json
	local pid_f pid_o T fsent osent facc nsrc oacc odrop expected agg_drop rate_drop meas
	fg_stats_snapshot "$base"
	# shellcheck disable=SC2086 # $spfx: zero or two words
	lab_bg "$FG_NS_CLIENT" "$fj" timeout $((SECS + 30)) "$FG_LOADGEN" --dst "$dst" --port "$PORT" \
		--src-range "$range" $spfx --sources 16 --rate "$FLOOD_PPS" --duration "$SECS" --json
	pid_f=$LAB_BG_PID
	lab_bg "$FG_NS_CLIENT" "$oj" timeout $((SECS + 30)) "$FG_LOADGEN" --dst "$dst" --port "$PORT" \
		--src "$other" --rate "$OTHER_PPS" --count $((OTHER_PPS * SECS)) --duration $((SECS + 5)) --json
	pid_o=$LAB_BG_PID
	fg_wait_pid "$pid_f" $((SECS + 35)) || diag "flood fg-loadgen: $(cat "$fj")"
	fg_wait_pid "$pid_o" $((SECS + 35)) || diag "other fg-loadgen: $(cat "$oj")"

	read -r T fsent < <(fg_loadgen_span "$fj")
	read -r _ osent < <(fg_loadgen_span "$oj")
	read -r facc nsrc < <(src_sum "$keypfx" passed)
	oacc=$(fg_src_stat "$okey" passed)
	odrop=$(fg_src_stat "$okey" dropped)
	agg_drop=$(fg_stat --since "$base" drop rate_aggregate)
	rate_drop=$(fg_stat --since "$base" drop rate_packets)
	expected=$(calc "$AGG_RATE * $T + $AGG_BURST")
	meas=$(calc "$T > 0 ? ($facc - $AGG_BURST) / $T : 0")
	diag "$fam /prefix flood: $nsrc sources of $range, $fsent packets in $(printf '%.3f' "$T") s ($(calc "$fsent / $T" | xargs printf '%.0f') pps, $(calc "$fsent / $T / 16" | xargs printf '%.0f') pps each); accepted $facc = $(printf '%.1f' "$meas")/s after the burst (aggregate $AGG_RATE/s burst $AGG_BURST: expected $(printf '%.0f' "$expected"), $(calc "($facc - $expected) / $expected * 100" | xargs printf '%+.2f')%); rate_aggregate drops $agg_drop"
	diag "$fam other $other: sent $osent, passed $oacc, dropped $odrop"
	diag "$fam counters: $(fg_stats_show --since "$base" | tr '\n' ';')"

	check_eq "$fam: 16 sources of the prefix were tracked, each on its own" "$nsrc" 16
	if _fg_cmp "$fsent" '>=' "$(calc "0.9 * $FLOOD_PPS * $SECS")" && _fg_cmp "$(calc "$fsent / $T / 16")" '<' "$SRC_RATE"; then
		ok "$fam: the prefix sent $fsent packets, each source under its own $SRC_RATE/s"
	else
		not_ok "$fam: the prefix sent ~$((FLOOD_PPS * SECS)) packets, each source under its own limit" "sent $fsent in ${T}s"
	fi
	check_near "$fam: the /prefix held together to $AGG_RATE/s x T + $AGG_BURST (±10 %)" "$facc" "$expected" 10
	check_eq "$fam: the rest dropped as rate_aggregate" "$agg_drop" "$((fsent - facc))"
	check_eq "$fam: no source went over its own limit (rate_packets 0)" "$rate_drop" 0
	if [ "$osent" -eq $((OTHER_PPS * SECS)) ] && [ "$oacc" -eq "$osent" ] && [ "$odrop" -eq 0 ]; then
		ok "$fam: $other (another prefix, same rule, same time) got all $osent packets through"
	else
		not_ok "$fam: $other got every packet through" "sent $osent, passed $oacc, dropped $odrop"
	fi
}

phase IPv4 203.0.113.0/24 "" 203.0.113. 198.51.100.10 198.51.100.10 "$FG_SERVER4"
# IPv6 sources are keyed by /64: 16 /64s of 2001:db8:100::/48 (printed
# 2001:db8:100:N::), the other 2001:db8:200::/64.
phase IPv6 2001:db8:100::/48 "--source-prefix 64" 2001:db8:100: 2001:db8:200::10 2001:db8:200::/64 "$FG_SERVER6"

check_eq "nothing dropped but rate_aggregate" "$(($(fg_stat drop '*') - $(fg_stat drop rate_aggregate)))" 0
check_ge "the agg rule's counters saw both" \
	"$(fg_cli --json status | python3 -c 'import json,sys; print([r for r in json.load(sys.stdin)["rules"] if r["name"] == "agg"][0]["drop"]["packets"])')" 1
fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
