#!/usr/bin/env bash
# DESIGN §2 "Correctness across CPUs": a source's limit holds for the
# host, not per CPU. One source floods from two CPUs at once, over a veth
# with two queues, so XDP runs on both CPUs against the same source state;
# the accepted packets must stay within ±5 % of rate × T + burst.
#
# Tunables: FG_MULTICPU_SECONDS (flood length, default 6, at least 5),
# FG_MULTICPU_PPS (per sender, default 25000: 2 × 25000 = 25× the limit).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

RATE=2000  # packets/s, the configured default limit
BURST=200  # burst_packets
FLOOD_S=${FG_MULTICPU_SECONDS:-6}
PPS=${FG_MULTICPU_PPS:-25000}
SRC=203.0.113.10 # the one flooding source (fg-loadgen binds it, freebind)
PORT=9

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk
fg_require_cpus 2
fg_require_bins floodgated fg-loadgen

tap_plan 7

# 1. The link: two queues each way on both ends. XPS maps tx queue i to
# CPU i on the client, and veth delivers into the peer's rx queue of the
# same index, running that queue's NAPI (and our XDP program) on the CPU
# that sent the frame. So the sender pinned to CPU 0 is processed by XDP
# on CPU 0 and the one on CPU 1 on CPU 1: asserted below from the per-CPU
# counters, not assumed.
if lab_setup --queues 2; then
	rxq=$(ip netns exec "$FG_NS_SERVER" sh -c "ls -d /sys/class/net/$FG_IF_SERVER/queues/rx-*" | wc -l)
	check_eq "veth pair with 2 rx queues on the XDP side" "$rxq" 2
else
	tap_bail "could not build the lab"
fi

# 2. floodgated, native XDP on the server end; default limit only.
cfg=$(fg_config "limits: {packets: $RATE/s, burst_packets: $BURST}")
if fg_daemon_start "$cfg" &&
	ip -n "$FG_NS_SERVER" link show dev "$FG_IF_SERVER" | grep -q 'prog/xdp '; then
	ok "floodgated attached natively to $FG_IF_SERVER"
else
	not_ok "floodgated attached natively to $FG_IF_SERVER" \
		"$(ip -n "$FG_NS_SERVER" link show dev "$FG_IF_SERVER")"
	tap_bail "no datapath to measure"
fi

# Counters start from here: the daemon's own figures of the flood.
base=$FG_TMP/stats.before.json
fg_stats_snapshot "$base" || tap_bail "cannot read $FG_PIN_DIR/fg_stats"
rxq_before=$(lab_rxq_stats "$FG_NS_SERVER" "$FG_IF_SERVER")
# What the link itself drops (the peer's ring full) never reaches XDP.
lost_before=$(lab_link_stat "$FG_NS_CLIENT" "$FG_IF_CLIENT" tx_dropped)

# 3. The flood: one source address, two processes pinned to CPU 0 and 1,
# each paced to PPS, for FLOOD_S seconds (bounded by --duration and by a
# wait timeout).
pids=()
for cpu in 0 1; do
	lab_bg "$FG_NS_CLIENT" "$FG_TMP/loadgen.$cpu.json" timeout $((FLOOD_S + 60)) \
		"$FG_LOADGEN" --dst "$FG_SERVER4" --port "$PORT" --src "$SRC" \
		--duration "$FLOOD_S" --rate "$PPS" --cpu "$cpu" --json
	pids+=("$LAB_BG_PID")
done
lg_ok=1
for i in 0 1; do
	fg_wait_pid "${pids[$i]}" $((FLOOD_S + 60)) || {
		lg_ok=0
		diag "fg-loadgen on CPU $i failed: $(cat "$FG_TMP/loadgen.$i.json")"
	}
done

# T: from the first packet to the last, over both senders. fg-loadgen
# stamps CLOCK_MONOTONIC (the clock bpf_ktime_get_coarse_ns reads) just
# before its first sendmmsg and just after its last; veth runs XDP inside
# that send path on the same CPU, so these stamps bracket the first and
# last verdicts to within one batch. The source's bucket is full at its
# first packet (BURST pass back-to-back), and since the flood never lets
# it idle it then admits exactly RATE per second until the last packet:
# accepted = RATE × T + BURST. Not --duration: the two processes start
# apart and each runs slightly past its first send; not the script's wall
# time, which includes process start-up.
read -r T sent_total < <(python3 - "$FG_TMP/loadgen.0.json" "$FG_TMP/loadgen.1.json" <<'PY'
import json, sys
runs = [json.loads(open(f).read().strip().splitlines()[-1]) for f in sys.argv[1:]]
first = min(r["first_ns"] for r in runs)
last = max(r["last_ns"] for r in runs)
print("%.6f %d" % ((last - first) / 1e9, sum(r["sent"] for r in runs)))
PY
) || { T=0 sent_total=0; }
flood_pps=$(calc "$T > 0 ? $sent_total / $T : 0")
if [ "$lg_ok" = 1 ] && _fg_cmp "$T" '>=' "$(calc "$FLOOD_S * 0.95")" &&
	_fg_cmp "$flood_pps" '>=' $((5 * RATE)); then
	ok "one source flooded from CPUs 0 and 1 for ${T}s at $(printf '%.0f' "$flood_pps") pps (>= 5x $RATE)"
else
	not_ok "one source flooded from CPUs 0 and 1 for ${FLOOD_S}s at >= 5x $RATE pps" \
		"T=$T sent=$sent_total pps=$flood_pps" "$(cat "$FG_TMP"/loadgen.*.json)"
fi

# 4. Both CPUs ran XDP: each processed at least a quarter of the flood.
read -r -a per_cpu < <(fg_stats_cpus --since "$base")
xdp_total=0
for n in "${per_cpu[@]}"; do xdp_total=$((xdp_total + n)); done
diag "XDP verdicts per CPU: ${per_cpu[*]} (total $xdp_total of $sent_total sent)"
rxq_after=$(lab_rxq_stats "$FG_NS_SERVER" "$FG_IF_SERVER")
[ -n "$rxq_after" ] && diag "veth rx queue XDP packets (ethtool -S) before: $rxq_before, after: $rxq_after"
if [ "${#per_cpu[@]}" -ge 2 ] && [ "$xdp_total" -gt 0 ] &&
	_fg_cmp "${per_cpu[0]}" '>=' "$(calc "$xdp_total / 4")" &&
	_fg_cmp "${per_cpu[1]}" '>=' "$(calc "$xdp_total / 4")"; then
	ok "XDP processed the flood on both CPUs (${per_cpu[0]} / ${per_cpu[1]})"
else
	not_ok "XDP processed the flood on both CPUs" "per CPU: ${per_cpu[*]}"
fi

# 5, 6. The limit held for the host.
accepted=$(fg_stat --since "$base" pass under_limit)
dropped=$(fg_stat --since "$base" drop rate_packets)
expected=$(calc "$RATE * $T + $BURST")
rate_meas=$(calc "$T > 0 ? ($accepted - $BURST) / $T : 0")
diag "accepted $accepted packets in $(printf '%.3f' "$T") s = $(printf '%.1f' "$rate_meas")/s after the burst of $BURST (configured $RATE/s, burst $BURST; expected $(printf '%.0f' "$expected"), $(calc "($accepted - $expected) / $expected * 100" | xargs printf '%+.2f')%); dropped rate_packets $dropped"
diag "accepted per CPU: $(fg_stat_percpu --since "$base" pass under_limit)"
check_le "accepted <= (rate x T + burst) x 1.05" "$accepted" "$(calc "$expected * 1.05")"
check_ge "accepted >= (rate x T + burst) x 0.95" "$accepted" "$(calc "$expected * 0.95")"

# 7. The rest was dropped as over the packet rate; every packet sent
# either got one of these two verdicts or was dropped by the link before
# XDP, and XDP saw nothing else (the lab is quiet).
lost=$(($(lab_link_stat "$FG_NS_CLIENT" "$FG_IF_CLIENT" tx_dropped) - lost_before))
if [ "$dropped" -gt 0 ] && [ "$((accepted + dropped + lost))" -eq "$sent_total" ] &&
	[ "$xdp_total" -eq "$((accepted + dropped))" ]; then
	ok "the rest dropped as rate_packets ($dropped; pass + drop = $((accepted + dropped)) + $lost lost on the link = $sent_total sent; XDP saw nothing else)"
else
	not_ok "the rest dropped as rate_packets, pass + drop + lost on the link = sent, nothing else in XDP" \
		"dropped=$dropped accepted=$accepted lost=$lost sent=$sent_total xdp_total=$xdp_total" \
		"$(fg_stats_show --since "$base")"
fi

fg_daemon_stop "$FG_DAEMON_PID" || diag "floodgated exited $? on SIGTERM"
