#!/usr/bin/env bash
# Drop throughput against the peers, on real packets through veth pairs.
#
#   tools/bench/peers.sh            every row, both floods
#   FG_BENCH_ROUNDS=N               rounds (default 7)
#   FG_BENCH_RUN_SECONDS=S          sender time per run (default 0.8)
#   FG_BENCH_CPU=C                  the one CPU (default 0)
#
# Each row has its own pair of namespaces (client -> server, one veth
# pair, the filter on the server side), all built first, so rows can be
# interleaved run by run. The sender, fg-bench-gen, runs in the client
# namespace pinned to one CPU: a BPF_PROG_TEST_RUN live-frames program
# redirects 64-byte UDP frames into the client veth, and the server's
# receive path (veth NAPI, then XDP or the stack) runs on the same CPU
# in the same softirq context after every batch of 64. So "handled per
# second" is what one CPU does sending and filtering together: frames
# that reached the server veth (rx_queue_0_xdp_packets), received or
# dropped, per second of the sender's own clock.
#
# Rows: floodgate native XDP, floodgate generic XDP, an nftables meter
# (a dynamic set with `limit rate over`) at prerouting/raw and at the
# netdev ingress hook, iptables hashlimit (raw PREROUTING), the bare
# GCRA limiter (fg-bench-cost's: parse, one LRU lookup, one check, no
# counters; the fair baseline, since any limiter must read the packet and
# a table), a bare XDP_DROP program, no filter. Every limiter: RATE
# packets/s per source.
# Floods: one source, and 512 sources (203.0.113.0/24, 198.51.100.0/24).
BENCH_NAME=peers
# shellcheck source=tools/bench/common.sh
. "$(dirname "$0")/common.sh"

ROUNDS=${FG_BENCH_ROUNDS:-7}
RUN_S=${FG_BENCH_RUN_SECONDS:-0.8}
CPU=${FG_BENCH_CPU:-0}
RATE=100
FLOODS=(1 512)
RES=$FG_TMP/peers.txt

bench_require ethtool floodgated floodgate bench/fg-bench-gen bench/fg-bench-cost

# Rows: id, label. ids are one letter (they name links).
ROW_IDS=()
declare -A ROW_LABEL
row() {
	ROW_IDS+=("$1")
	ROW_LABEL[$1]=$2
}
row a "floodgate, native XDP"
row g "floodgate, generic XDP"
if command -v nft >/dev/null; then
	row n "nftables meter, prerouting (raw)"
	row i "nftables meter, netdev ingress"
else
	echo "peers: SKIP nftables rows: nft not installed (Debian package nftables)"
fi
if command -v iptables >/dev/null; then
	row h "iptables hashlimit, raw PREROUTING"
else
	echo "peers: SKIP iptables row: iptables not installed (Debian package iptables)"
fi
row r "bare GCRA limiter, native XDP"
row x "bare XDP_DROP, native"
row f "no filter (the stack drops: no socket)"

ns_c() { echo "fgb$1c-$FG_SUFFIX"; }
ns_s() { echo "fgb$1s-$FG_SUFFIX"; }
if_c() { echo "b$1c$FG_SUFFIX"; }
if_s() { echo "b$1s$FG_SUFFIX"; }
declare -A SERVER_MAC PIN

pair_setup() {
	local id=$1 c s ic is mc ms
	c=$(ns_c "$id") s=$(ns_s "$id") ic=$(if_c "$id") is=$(if_s "$id")
	lab_ns_create "$c" && lab_ns_create "$s" &&
		lab_veth "$c" "$ic" "$s" "$is" 1 &&
		lab_addr "$c" "$ic" "$FG_CLIENT4/24" &&
		lab_addr "$s" "$is" "$FG_SERVER4/24" &&
		mc=$(lab_mac "$c" "$ic") && ms=$(lab_mac "$s" "$is") &&
		lab_neigh "$c" "$ic" "$ms" "$FG_SERVER4" &&
		lab_neigh "$s" "$is" "$mc" "$FG_CLIENT4" &&
		ip -n "$s" route add "$FG_FLOOD4_NET" via "$FG_CLIENT4" &&
		ip -n "$s" route add "$FG_OTHER4_NET" via "$FG_CLIENT4" ||
		return 1
	# Frames redirected into a veth need NAPI on its peer.
	lab_exec "$s" ethtool -K "$is" gro on >/dev/null || return 1
	SERVER_MAC[$id]=$ms
}

floodgate_start() {
	local id=$1 mode=$2 s is cfg log pin
	s=$(ns_s "$id") is=$(if_s "$id")
	cfg=$FG_TMP/floodgate-$id.yaml
	pin=$FG_PIN_DIR-$id
	PIN[$id]=$pin
	lab_on_exit "rm -rf '$pin'"
	{
		echo "interfaces: [$is]"
		echo 'metrics: {listen: ""}'
		echo "detach_on_exit: true"
		"$BENCH/fg-bench-cost" --print-config --flood-rate "$RATE"
	} >"$cfg" || return 1
	log=$FG_TMP/floodgated-$id.log
	lab_bg "$s" "$log" "$FG_DAEMON" -c "$cfg" -i "$is" --xdp-mode "$mode" \
		--pin-dir "$pin"
	fg_wait_until "$FG_ATTACH_TIMEOUT" grep -q 'msg="attached"' "$log" || {
		echo "peers: floodgated ($mode) did not attach:" >&2
		tail -n 20 "$log" >&2
		return 1
	}
}

filter_setup() {
	local id=$1 s is
	s=$(ns_s "$id") is=$(if_s "$id")
	case $id in
	a) floodgate_start a native ;;
	g) floodgate_start g generic ;;
	n)
		lab_exec "$s" nft -f - <<-EOF
			table ip fgbench {
				set srcs { type ipv4_addr; size 65535; flags dynamic,timeout; timeout 60s; }
				chain pre {
					type filter hook prerouting priority raw; policy accept;
					update @srcs { ip saddr limit rate over $RATE/second burst $RATE packets } counter drop
				}
			}
		EOF
		;;
	i)
		lab_exec "$s" nft -f - <<-EOF
			table netdev fgbench {
				set srcs { type ipv4_addr; size 65535; flags dynamic,timeout; timeout 60s; }
				chain in {
					type filter hook ingress device "$is" priority 0; policy accept;
					meta protocol ip update @srcs { ip saddr limit rate over $RATE/second burst $RATE packets } counter drop
				}
			}
		EOF
		;;
	h)
		lab_exec "$s" iptables -t raw -A PREROUTING -m hashlimit \
			--hashlimit-mode srcip --hashlimit-above "$RATE/sec" \
			--hashlimit-burst "$RATE" --hashlimit-name fgbench -j DROP
		;;
	r) lab_exec "$s" "$BENCH/fg-bench-gen" gcra --dev "$is" --rate "$RATE" ;;
	x) lab_exec "$s" "$BENCH/fg-bench-gen" drop --dev "$is" ;;
	f) true ;;
	esac
}

# Frames that reached the server veth's receive queue, received or
# dropped there.
rx_frames() {
	lab_exec "$(ns_s "$1")" ethtool -S "$(if_s "$1")" |
		awk '/rx_queue_0_xdp_packets:/ { print $2; found = 1 } END { if (!found) print 0 }'
}

# run ID SOURCES SECONDS ROUND: one run, appended to RES.
run() {
	local id=$1 n=$2 secs=$3 round=$4 before after out
	before=$(rx_frames "$id")
	out=$(lab_exec "$(ns_c "$id")" timeout 60 taskset -c "$CPU" \
		"$BENCH/fg-bench-gen" send --dev "$(if_c "$id")" \
		--dst-mac "${SERVER_MAC[$id]}" --dst "$FG_SERVER4" --port 9 \
		--sources "$n" --seconds "$secs" --max-packets 40000000) || {
		echo "peers: fg-bench-gen failed on row $id" >&2
		return 1
	}
	after=$(rx_frames "$id")
	python3 - "$id" "$n" "$round" "$before" "$after" "$out" >>"$RES" <<-'PY'
		import json, sys
		i, n, r, b, a, out = sys.argv[1:]
		g = json.loads(out.strip().splitlines()[-1])
		print(i, n, r, int(a) - int(b), g["packets"], g["seconds"])
	PY
}

t0=$SECONDS
for id in "${ROW_IDS[@]}"; do
	pair_setup "$id" || die "lab setup failed (row $id)"
	filter_setup "$id" || die "filter setup failed (row $id)"
done
echo "# peers: ${#ROW_IDS[@]} rows ready in $((SECONDS - t0)) s; CPU $CPU; $ROUNDS rounds of ${RUN_S} s runs; limit $RATE packets/s per source"

: >"$RES"
for n in "${FLOODS[@]}"; do # warm-up: tables, caches, page pools
	for id in "${ROW_IDS[@]}"; do run "$id" "$n" 0.2 0 || exit 1; done
done
for ((r = 1; r <= ROUNDS; r++)); do
	for n in "${FLOODS[@]}"; do
		k=$((r % ${#ROW_IDS[@]}))
		for ((j = 0; j < ${#ROW_IDS[@]}; j++)); do
			id=${ROW_IDS[$(((j + k) % ${#ROW_IDS[@]}))]}
			run "$id" "$n" "$RUN_S" "$r" || exit 1
		done
	done
done

# What each filter dropped, from its own counters, all runs together.
drops() {
	local id=$1 s is
	s=$(ns_s "$id") is=$(if_s "$id")
	case $id in
	a | g)
		lab_exec "$s" "$FG_CLI" --pin-dir "${PIN[$id]}" --json status |
			python3 -c 'import json,sys; c=json.load(sys.stdin)["counters"]["drop"]; print(sum(v["packets"] for v in c.values()))'
		;;
	n | i)
		lab_exec "$s" nft -j list table "$([ "$id" = n ] && echo ip || echo netdev)" fgbench |
			python3 -c '
import json, sys
t = 0
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("rule", {}).get("expr", []):
        if "counter" in e:
            t += e["counter"]["packets"]
print(t)'
		;;
	h) lab_exec "$s" iptables -t raw -L PREROUTING -v -x -n | awk '/DROP/ { t += $1 } END { print t + 0 }' ;;
	r | x) lab_exec "$s" ethtool -S "$is" | awk '/rx_queue_0_xdp_drops:/ { print $2 }' ;;
	f) echo 0 ;;
	esac
}
DROPS=$FG_TMP/drops.txt
: >"$DROPS"
for id in "${ROW_IDS[@]}"; do
	echo "$id $(drops "$id")" >>"$DROPS"
done

labels=$FG_TMP/labels.txt
for id in "${ROW_IDS[@]}"; do echo "$id ${ROW_LABEL[$id]}"; done >"$labels"

python3 - "$RES" "$DROPS" "$labels" "$ROUNDS" <<'PY'
import statistics, sys
res, drops_f, labels_f, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
labels = {}
order = []
for line in open(labels_f):
    i, l = line.rstrip("\n").split(" ", 1)
    labels[i] = l
    order.append(i)
runs = {}  # (id, n) -> {round: (handled, sent, secs)}
tot = {}
for line in open(res):
    i, n, r, h, s, t = line.split()
    n, r, h, s, t = int(n), int(r), int(h), int(s), float(t)
    tot.setdefault(i, [0, 0])
    tot[i][0] += h
    tot[i][1] += s
    if r:
        runs.setdefault((i, n), {})[r] = (h, s, t)
drops = {l.split()[0]: int(l.split()[1]) for l in open(drops_f) if len(l.split()) == 2}

def pps(i, n):
    return {r: h / t for r, (h, s, t) in runs[(i, n)].items()}

def med(v):
    return statistics.median(v)

TARGETS = [("a", "r", ">=", 0.95, "bare GCRA limiter"),
           ("a", "n", ">=", 4.0, "nftables meter"),
           ("a", "h", ">=", 3.0, "iptables hashlimit")]
for n in sorted({k[1] for k in runs}):
    print()
    print("drop throughput, %d source%s: 64-byte UDP, sender and receiver on one CPU, %d rounds"
          % (n, "" if n == 1 else "s", rounds))
    print("  %-42s %9s  %-15s %9s  %s" % ("row", "Mpps", "(min-max)", "ns/pkt", "extra ns over the bare GCRA limiter"))
    base = med(pps("r", n).values()) if ("r", n) in runs else None
    for i in order:
        if (i, n) not in runs:
            continue
        v = list(pps(i, n).values())
        m = med(v)
        extra = ("%+.0f" % (1e9 / m - 1e9 / base)) if base else "-"
        print("  %-42s %9.3f  (%.3f-%.3f) %9.1f  %s" % (labels[i], m / 1e6, min(v) / 1e6, max(v) / 1e6, 1e9 / m, extra))
    print("  ratios (median of the rounds' paired ratios, min-max):")
    pairs = [("a", d) for d in order if d != "a"] + [("g", d) for d in ("n", "i", "h")]
    for num, den in pairs:
        if (num, n) not in runs or (den, n) not in runs:
            continue
        a, b = pps(num, n), pps(den, n)
        rs = [a[r] / b[r] for r in a if r in b]
        line = "  %s / %s: %.2fx (%.2f-%.2f)" % (labels[num], labels[den], med(rs), min(rs), max(rs))
        for tn, td, op, lim, what in TARGETS:
            if (tn, td) == (num, den):
                ok = med(rs) >= lim
                line += "; target >= %.2fx (%s): %s" % (lim, what, "met" if ok else "NOT MET")
        print(line)
print()
print("  check: frames sent vs reached the server, and dropped by the filter's own counters (all runs):")
for i in order:
    if i not in tot:
        continue
    h, s = tot[i]
    d = drops.get(i)
    print("    %-42s sent %d, reached %d (%.2f%%), dropped %s" % (
        labels[i], s, h, 100.0 * h / s if s else 0,
        "%d (%.1f%% of reached)" % (d, 100.0 * d / h) if d is not None and h else "?"))
PY
echo "# peers: $((SECONDS - t0)) s"
