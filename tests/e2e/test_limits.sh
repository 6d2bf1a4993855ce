#!/usr/bin/env bash
# DESIGN §2 (limits per source): a client under its limit gets every
# packet through while a flooder from another source is held to the limit
# (±10 %), on IPv4 and on IPv6. Both run at once through the same link.
#
# Per-source figures come from the source table (`floodgate --json top`),
# the totals from the pinned counters. The flooder's accepted packets are
# compared with rate × T + burst, T being the span from its first to its
# last send (fg-loadgen's CLOCK_MONOTONIC stamps, the clock the datapath
# reads).
#
# Tunables: FG_LIMITS_SECONDS (each phase, default 3), FG_LIMITS_FLOOD_PPS
# (default 10000 = 10x the limit).
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

RATE=1000  # packets/s
BURST=100  # burst_packets
POLITE_PPS=200
SECS=${FG_LIMITS_SECONDS:-3}
FLOOD_PPS=${FG_LIMITS_FLOOD_PPS:-10000}
PORT=9

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 13

lab_setup || tap_bail "could not build the lab"
cfg=$(fg_config "limits: {packets: $RATE/s, burst_packets: $BURST}")
if fg_daemon_start "$cfg"; then
	ok "floodgated attached to $FG_IF_SERVER (limit $RATE/s, burst $BURST)"
else
	not_ok "floodgated attached to $FG_IF_SERVER"
	tap_bail "no datapath"
fi

# phase FAMILY POLITE_SRC POLITE_KEY FLOOD_SRC FLOOD_KEY DST: a polite
# client and a flooder at the same time; 5 TAP lines.
phase() {
	local fam=$1 psrc=$2 pkey=$3 fsrc=$4 fkey=$5 dst=$6 pid_p pid_f
	local pj=$FG_TMP/polite.$fam.json fj=$FG_TMP/flood.$fam.json
	local psent pacc pdrop T fsent facc fdrop expected meas base

	base=$FG_TMP/stats.$fam.json
	fg_stats_snapshot "$base"
	lab_bg "$FG_NS_CLIENT" "$pj" timeout $((SECS + 30)) "$FG_LOADGEN" \
		--dst "$dst" --port "$PORT" --src "$psrc" --rate "$POLITE_PPS" \
		--count $((POLITE_PPS * SECS)) --duration $((SECS + 5)) --json
	pid_p=$LAB_BG_PID
	lab_bg "$FG_NS_CLIENT" "$fj" timeout $((SECS + 30)) "$FG_LOADGEN" \
		--dst "$dst" --port "$PORT" --src "$fsrc" --rate "$FLOOD_PPS" \
		--duration "$SECS" --json
	pid_f=$LAB_BG_PID
	fg_wait_pid "$pid_p" $((SECS + 35)) || diag "polite fg-loadgen: $(cat "$pj")"
	fg_wait_pid "$pid_f" $((SECS + 35)) || diag "flood fg-loadgen: $(cat "$fj")"

	read -r _ psent < <(fg_loadgen_span "$pj")
	read -r T fsent < <(fg_loadgen_span "$fj")
	pacc=$(fg_src_stat "$pkey" passed)
	pdrop=$(fg_src_stat "$pkey" dropped)
	facc=$(fg_src_stat "$fkey" passed)
	fdrop=$(fg_src_stat "$fkey" dropped)
	expected=$(calc "$RATE * $T + $BURST")
	meas=$(calc "$T > 0 ? ($facc - $BURST) / $T : 0")
	diag "$fam polite $psrc: sent $psent, passed $pacc, dropped $pdrop"
	diag "$fam flood $fsrc: sent $fsent in $(printf '%.3f' "$T") s ($(calc "$T > 0 ? $fsent / $T : 0" | xargs printf '%.0f') pps); accepted $facc = $(printf '%.1f' "$meas")/s after the burst (configured $RATE/s burst $BURST; expected $(printf '%.0f' "$expected"), $(calc "($facc - $expected) / $expected * 100" | xargs printf '%+.2f')%); dropped $fdrop"
	diag "$fam counters: $(fg_stats_show --since "$base" | tr '\n' ';')"

	if [ "$psent" -eq $((POLITE_PPS * SECS)) ] && [ "$pacc" -eq "$psent" ] && [ "$pdrop" -eq 0 ]; then
		ok "$fam: polite client at $POLITE_PPS pps got all $psent packets through, 0 dropped"
	else
		not_ok "$fam: polite client at $POLITE_PPS pps got every packet through" \
			"sent $psent (wanted $((POLITE_PPS * SECS))), passed $pacc, dropped $pdrop"
	fi
	if _fg_cmp "$T" '>=' "$(calc "$SECS * 0.9")" && _fg_cmp "$fsent" '>=' "$(calc "5 * $RATE * $T")"; then
		ok "$fam: flooder sent >= 5x the limit ($fsent in ${T}s)"
	else
		not_ok "$fam: flooder sent >= 5x the limit" "sent $fsent in ${T}s"
	fi
	check_near "$fam: flooder held to rate x T + burst (+-10%)" "$facc" "$expected" 10
	# Only the flooder is over its limit, so the global counter is its
	# drops, exactly; the per-source count is sampled (1 in 16 drops,
	# FG_DROP_SAMPLE) and only approximately the same.
	rdrop=$(fg_stat --since "$base" drop rate_packets)
	check_cmp "$fam: the rest of the flood was dropped as rate_packets" "$((facc + rdrop))" '==' "$fsent"
	check_near "$fam: the flooder's sampled drop count in top (+-15%)" "$fdrop" "$rdrop" 15
}

phase IPv4 "$FG_CLIENT4" "$FG_CLIENT4" 203.0.113.7 203.0.113.7 "$FG_SERVER4"
# IPv6 sources are keyed by /64: the client is 2001:db8::/64, the flooder
# 2001:db8:100::/64.
phase IPv6 "$FG_CLIENT6" 2001:db8::/64 2001:db8:100::7 2001:db8:100::/64 "$FG_SERVER6"

check_eq "nothing else was dropped (deny/blocked/malformed)" \
	"$(($(fg_stat drop '*') - $(fg_stat drop rate_packets)))" 0
fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
