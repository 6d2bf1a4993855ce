#!/usr/bin/env bash
# make bench: every benchmark, each figure beside a baseline measured in
# the same run, as a ratio (method and latest results: BENCHMARKS.md).
#
#   tools/bench/run.sh                   cost, peers, scale
#   tools/bench/run.sh cost [CASE]       per-packet cost (fg-bench-cost)
#   tools/bench/run.sh peers             drop throughput vs peers
#   tools/bench/run.sh scale             memory, /metrics, top, reload, RSS
#   tools/bench/run.sh fleet             a fleet sync's Redis cost
#   tools/bench/run.sh chain             the chain slot on the pass path
#   tools/bench/run.sh lists             per-packet cost, 1M list entries
#
# Environment: FG_BENCH_COST_ROUNDS (default 11), FG_BENCH_CHAIN_ROUNDS
# (default 15), FG_BENCH_ROUNDS and
# FG_BENCH_RUN_SECONDS (peers.sh), FG_BENCH_CPU (default 0).
# Needs root. Prints figures; it asserts nothing about them (a run that
# could not measure fails).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

what=${1:-all}
case $what in
all | cost | peers | scale | fleet | chain | lists) ;;
*)
	echo "usage: tools/bench/run.sh [all | cost [CASE] | peers | scale | fleet | chain | lists]" >&2
	exit 2
	;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (BPF_PROG_TEST_RUN, namespaces, XDP)" >&2
	exit 1
fi
make --no-print-directory bench-build || exit 1
tools/mount-bpffs.sh || exit 1

start=$SECONDS
fail=0
cpu=${FG_BENCH_CPU:-0}
echo "# bench: $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), CPU $cpu for every measurement"
for tool in nft iptables; do
	command -v "$tool" >/dev/null ||
		echo "# bench: $tool not installed: its rows are skipped (Debian package $([ $tool = nft ] && echo nftables || echo iptables))"
done

section() { # NAME CMD...
	local name=$1 t=$SECONDS
	shift
	echo
	echo "=== $name"
	"$@" || {
		echo "bench: $name FAILED (exit $?)"
		fail=1
	}
	echo "=== $name: $((SECONDS - t)) s"
}

if [ "$what" = all ] || [ "$what" = cost ]; then
	args=(--rounds "${FG_BENCH_COST_ROUNDS:-11}" --cpu "$cpu")
	[ "$what" = cost ] && [ -n "${2:-}" ] && args+=(--case "$2")
	section "per-packet cost (BPF_PROG_TEST_RUN, 64-byte frames)" \
		build/bench/fg-bench-cost "${args[@]}"
fi
if [ "$what" = all ] || [ "$what" = peers ]; then
	section "drop throughput against the peers (real packets, one CPU)" \
		tools/bench/peers.sh
fi
if [ "$what" = all ] || [ "$what" = scale ]; then
	section "scale (1M sources, 100 000 list entries)" tools/bench/scale.sh
fi
if [ "$what" = all ] || [ "$what" = fleet ]; then
	section "fleet sync cost (Redis, 1 000 and 100 000 sources)" \
		tools/bench/fleet.sh
fi
if [ "$what" = all ] || [ "$what" = chain ]; then
	section "chain slot on the pass path (BPF_PROG_TEST_RUN, paired rounds)" \
		build/bench/fg-bench-chain "${FG_BENCH_CHAIN_ROUNDS:-15}"
fi
if [ "$what" = all ] || [ "$what" = lists ]; then
	section "list trie cost: 1 000 000 entries vs empty lists (BPF_PROG_TEST_RUN, paired rounds)" \
		build/bench/fg-bench-cost --rounds "${FG_BENCH_COST_ROUNDS:-11}" \
		--cpu "$cpu" --case lists-
fi
echo
echo "# bench: $((SECONDS - start)) s$([ "$fail" = 0 ] || echo ", FAILED")"
exit "$fail"
