# shellcheck shell=bash
# shellcheck disable=SC2034 # variables here are for the tests sourcing this
# Shared library of the end-to-end tests. Source it first thing:
#
#   . "$(dirname "$0")/lib.sh"
#   fg_require_root; fg_require_bins floodgated fg-loadgen
#   tap_plan 3
#   lab_setup --queues 2
#   cfg=$(fg_config 'limits: {packets: 2000/s, burst_packets: 200}')
#   fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"
#   fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port 9 --count 100
#   check_ge "something passed" "$(fg_stat pass under_limit)" 1
#
# Network rules (shared/TESTING.md): traffic only between namespaces made
# here, joined by veth pairs; documentation addresses only; every loop
# bounded in count and time; everything undone by the EXIT trap, also
# when a test fails or is interrupted halfway.
#
# Namespaces are entered with `nsenter --net=/var/run/netns/NAME`, never
# `ip netns exec`: the latter remounts /sys, which hides the bpffs pins.
#
# Functions (details above each):
#   TAP       tap_plan N, ok DESC, not_ok DESC [DIAG..], skip DESC WHY,
#             diag MSG, check DESC CMD.., check_eq|le|ge|gt DESC A B,
#             check_cmp DESC A OP B, check_near DESC VALUE TARGET PCT,
#             calc EXPR, tap_bail MSG, tap_skip_all WHY
#   needs     fg_require_root, fg_require_cmds CMD.., fg_require_bins
#             NAME.., fg_require_cpus N
#   lab       lab_setup [--queues N] [--no-gro], lab_ns_create NS,
#             lab_veth NSA IFA NSB IFB [QUEUES], lab_addr, lab_neigh,
#             lab_mac, lab_gro, lab_xps, lab_quiet NS, lab_exec NS CMD..,
#             lab_bg NS LOG CMD.. (-> LAB_BG_PID), lab_link_stat NS IF
#             FIELD, lab_rxq_stats NS IF, lab_on_exit CMD,
#             lab_free_port NS (a free 127.0.0.1 port in NS),
#             lab_add_server NS IFC IFS CLIENT4/P SERVER4/P (one more
#             server namespace), fg_use_server NS IF PIN_DIR (the server
#             the floodgate and counter helpers act on), lab_hosts K..
#             (client and hosts K: NS, IFS_, IFC, PIN, ADDR, MPORTS,
#             CFG [K]), lab_redis_start DIR [ARGS..] (redis-server on
#             DIR/redis.sock, -> LAB_BG_PID)
#   procs     fg_wait_pid PID SECS, fg_kill PID [GRACE], fg_wait_until
#             SECS CMD..
#   floodgate fg_config [LINE..] (-> path), fg_config_web FILE LISTEN
#             WEB_CONFIG [LINE..], fg_daemon_start CONFIG
#             [ARGS..] (-> FG_DAEMON_PID, FG_DAEMON_LOG), fg_daemon_bg LOG
#             ARGS.., fg_daemon_stop [PID], fg_daemon_cmd ARGS.., fg_cli ARGS.., fg_loadgen NS
#             ARGS.., fg_unit_caps KEY, fg_unit_value KEY,
#             fg_unit_use UNIT_FILE
#   counters  fg_stats_snapshot FILE, fg_stat [--since FILE] [--rule
#             NAME] ACTION REASON [packets|bytes], fg_stat_percpu (same args),
#             fg_stats_cpus [--since FILE], fg_stats_show [--since FILE]
#   extras    fg_src_stat SOURCE [passed|dropped], fg_loadgen_span
#             FILE.. (-> "T SENT"), fg_metrics HOST:PORT [CURL_ARGS..],
#             fg_metric_value SERIES < TEXT, fg_log_count PATTERN [LOG],
#             fg_log_wait PATTERN SECS [N [LOG]], check_str DESC A B,
#             check_none DESC CMD.. (CMD succeeds, prints nothing)
# Names: FG_NS_CLIENT/FG_NS_SERVER, FG_IF_CLIENT/FG_IF_SERVER,
# FG_PIN_DIR (/sys/fs/bpf/fg-test-SUFFIX), FG_TMP; addresses
# FG_CLIENT4/6, FG_SERVER4/6, FG_FLOOD4_NET, FG_OTHER4_NET, FG_FLOOD6_NET.
# Don't `set -e` in tests: checks return non-zero on failure by design.
#
# Tunables (environment): FG_BUILD (default <repo>/build),
# FG_ATTACH_TIMEOUT (s, default 20), FG_KEEP_TMP=1 (keep logs and configs),
# FG_DAEMON_AS_ROOT=1 (floodgated with every capability, not the unit's).

set -uo pipefail

FG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FG_BUILD=${FG_BUILD:-$FG_ROOT/build}
FG_DAEMON=$FG_BUILD/floodgated
FG_CLI=$FG_BUILD/floodgate
FG_LOADGEN=$FG_BUILD/fg-loadgen
FG_ATTACH_TIMEOUT=${FG_ATTACH_TIMEOUT:-20}

# Per-run suffix: pid + random, short enough for interface names (15).
FG_SUFFIX=$(printf '%x%04x' "$$" "$((RANDOM & 0xffff))")
FG_NS_CLIENT=fg-c-$FG_SUFFIX
FG_NS_SERVER=fg-s-$FG_SUFFIX
FG_IF_CLIENT=fc-$FG_SUFFIX
FG_IF_SERVER=fs-$FG_SUFFIX
FG_PIN_DIR=/sys/fs/bpf/fg-test-$FG_SUFFIX
export FLOODGATE_PIN_DIR=$FG_PIN_DIR

# Documentation addresses. Client and server share one /24 and one /64;
# the server routes the other ranges (flood sources) back via the client.
FG_SERVER4=192.0.2.1
FG_CLIENT4=192.0.2.2
FG_SERVER6=2001:db8::1
FG_CLIENT6=2001:db8::2
FG_NET4_PREFIX=24
FG_NET6_PREFIX=64
FG_FLOOD4_NET=203.0.113.0/24 # spoofable sources (fg-loadgen --src-range)
FG_OTHER4_NET=198.51.100.0/24
FG_FLOOD6_NET=2001:db8:100::/40

FG_TMP=$(mktemp -d "/tmp/fg-e2e-$FG_SUFFIX.XXXXXX")

_FG_PIDS=()    # processes we started, killed by PID at exit
_FG_NETNS=()   # namespaces we created
_FG_LINKS=()   # links in the initial namespace (normally none)
_FG_PIN_DIRS=() # pin directories of further servers (fg_use_server)
_FG_ON_EXIT=() # test-specific cleanup commands (eval'd, in reverse)
_FG_CLEANED=0
FG_DAEMON_PID=
FG_DAEMON_LOG=
LAB_BG_PID=
FG_MAC_CLIENT=
FG_MAC_SERVER=

# --- TAP -----------------------------------------------------------------

_TAP_N=0
_TAP_PLAN=0
_TAP_FAILED=0
_TAP_DONE=0

# tap_plan N: prints "1..N". Tests not reached by exit are reported as
# "not ok" by the exit trap, so a test that dies halfway fails loudly.
tap_plan() {
	_TAP_PLAN=$1
	echo "1..$1"
}

# diag MSG...: TAP comment lines ("# ..."), one per line of input.
diag() {
	local line
	printf '%s\n' "$*" | while IFS= read -r line; do echo "# $line"; done
}

ok() {
	_TAP_N=$((_TAP_N + 1))
	echo "ok $_TAP_N - $1"
}

# not_ok DESC [DIAG...]
not_ok() {
	_TAP_N=$((_TAP_N + 1))
	_TAP_FAILED=$((_TAP_FAILED + 1))
	echo "not ok $_TAP_N - $1"
	shift
	[ $# -gt 0 ] && diag "$@"
	return 0
}

# skip DESC REASON
skip() {
	_TAP_N=$((_TAP_N + 1))
	echo "ok $_TAP_N - $1 # SKIP ${2:-}"
}

# tap_skip_all REASON: the whole file is skipped (exit 0, nothing counted).
tap_skip_all() {
	echo "1..0 # SKIP $1"
	_TAP_DONE=1
	exit 0
}

# tap_bail MSG: stop here; remaining planned tests are reported not ok.
tap_bail() {
	echo "Bail out! $1"
	exit 1
}

# check DESC CMD...: ok when CMD exits 0; else not ok with its output.
check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$desc"
	else
		not_ok "$desc" "command: $*" "exit $rc" "$(printf '%s\n' "$out" | tail -n 20)"
	fi
	return "$rc"
}

# Numeric comparisons (integers or decimals). Each prints one TAP line.
_fg_cmp() { awk -v a="$1" -v b="$3" "BEGIN { exit !((a + 0) $2 (b + 0)) }"; }
_fg_isnum() { [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; }

# check_cmp DESC A OP B (OP: == != < <= > >=)
check_cmp() {
	local desc=$1 a=$2 op=$3 b=$4
	if ! _fg_isnum "$a" || ! _fg_isnum "$b"; then
		not_ok "$desc" "not numbers: '$a' $op '$b'"
		return 1
	fi
	if _fg_cmp "$a" "$op" "$b"; then
		ok "$desc"
	else
		not_ok "$desc" "expected $a $op $b"
		return 1
	fi
}
check_eq() { check_cmp "$1" "$2" == "$3"; }
check_le() { check_cmp "$1" "$2" '<=' "$3"; }
check_ge() { check_cmp "$1" "$2" '>=' "$3"; }
check_gt() { check_cmp "$1" "$2" '>' "$3"; }

# check_near DESC VALUE TARGET PCT: |VALUE - TARGET| <= TARGET * PCT / 100.
check_near() {
	local desc=$1 v=$2 t=$3 pct=$4
	if ! _fg_isnum "$v" || ! _fg_isnum "$t"; then
		not_ok "$desc" "not numbers: '$v' vs '$t'"
		return 1
	fi
	if awk -v v="$v" -v t="$t" -v p="$pct" \
		'BEGIN { d = v - t; if (d < 0) d = -d; m = t < 0 ? -t : t; exit !(d <= m * p / 100) }'; then
		ok "$desc"
	else
		not_ok "$desc" "expected $v within ${pct}% of $t ($(awk -v v="$v" -v t="$t" 'BEGIN { printf "%+.2f%%", (t ? (v - t) / t * 100 : 0) }'))"
		return 1
	fi
}

# calc EXPR: floating-point arithmetic (awk), e.g. calc "2000 * 5.1 + 200".
calc() { awk "BEGIN { printf \"%.6f\\n\", ($1) }"; }

_tap_finish() {
	[ "$_TAP_DONE" = 1 ] && return 0
	_TAP_DONE=1
	while [ "$_TAP_N" -lt "$_TAP_PLAN" ]; do
		not_ok "not run (the test stopped early)"
	done
	[ "$_TAP_FAILED" -eq 0 ] && [ "$_TAP_N" -eq "$_TAP_PLAN" ]
}

# --- requirements ----------------------------------------------------------

fg_require_root() {
	[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root (netns, XDP, bpffs)"
	[ -d /var/run/netns ] || mkdir -p /var/run/netns
	if ! mountpoint -q /sys/fs/bpf; then
		mount -t bpf bpf /sys/fs/bpf 2>/dev/null ||
			tap_skip_all "bpffs not mounted at /sys/fs/bpf"
	fi
}

# fg_require_cmds CMD...: skip the file when a tool is missing.
fg_require_cmds() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || tap_skip_all "$c not installed"
	done
}

# fg_require_bins NAME...: build outputs (floodgated, floodgate,
# fg-loadgen). Missing ones are a failure, not a skip: CI builds them.
fg_require_bins() {
	local b missing=()
	for b in "$@"; do
		[ -x "$FG_BUILD/$b" ] || missing+=("$FG_BUILD/$b")
	done
	[ ${#missing[@]} -eq 0 ] || tap_bail "not built: ${missing[*]} (run make)"
}

# fg_require_cpus N: skip the file on a machine with fewer CPUs.
fg_require_cpus() {
	local n
	n=$(nproc)
	[ "$n" -ge "$1" ] || tap_skip_all "needs $1 CPUs, have $n"
}

# --- processes -------------------------------------------------------------

# lab_exec NS CMD...: run CMD in network namespace NS (mounts untouched).
lab_exec() {
	local ns=$1
	shift
	nsenter --net="/var/run/netns/$ns" "$@"
}

# lab_bg NS LOGFILE CMD...: start CMD in NS in the background, stdout and
# stderr to LOGFILE; sets LAB_BG_PID and registers it for cleanup.
lab_bg() {
	local ns=$1 log=$2
	shift 2
	nsenter --net="/var/run/netns/$ns" "$@" >"$log" 2>&1 &
	LAB_BG_PID=$!
	_FG_PIDS+=("$LAB_BG_PID")
}

# fg_wait_pid PID TIMEOUT_S: wait (bounded) for a child to exit; returns
# its exit status, or 124 if it is still running after TIMEOUT_S.
fg_wait_pid() {
	local pid=$1 deadline=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null; do
		[ "$SECONDS" -ge "$deadline" ] && return 124
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
}

# fg_kill PID [GRACE_S]: SIGTERM, then SIGKILL after GRACE_S (default 5).
fg_kill() {
	local pid=$1 grace=${2:-5}
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	fg_wait_pid "$pid" "$grace"
	if [ $? -eq 124 ]; then
		kill -KILL "$pid" 2>/dev/null
		fg_wait_pid "$pid" 2
	fi
	return 0
}

# fg_wait_until TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds.
# CMD runs anew each poll; its arguments do not: `fg_wait_until 3 test
# "$(f)" = ""` expands f once and never polls. Wrap such a test in a
# function.
fg_wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# lab_on_exit CMD: extra cleanup, run (reverse order) before the lab's own.
lab_on_exit() { _FG_ON_EXIT+=("$1"); }

# --- the lab -----------------------------------------------------------------

# lab_ns_create NAME: a namespace (with lo up), deleted at exit. Put
# $FG_SUFFIX in NAME.
lab_ns_create() {
	ip netns add "$1" || return 1
	_FG_NETNS+=("$1")
	ip -n "$1" link set lo up
	# No router solicitations or RAs: keep stray IPv6 out of counters.
	lab_exec "$1" sysctl -qw net.ipv6.conf.all.accept_ra=0 \
		net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.all.router_solicitations=0 \
		net.ipv6.conf.default.router_solicitations=0 >/dev/null 2>&1
	lab_quiet "$1" || { diag "lab_ns_create $1: no nftables output filter (nft from tools/deps.sh)"; return 1; }
}

# lab_quiet NS: an nftables output chain in NS that drops what a
# namespace sends of its own at link-up, before any link exists: MLD
# reports and done messages (ICMPv6 131, 132, 143; no sysctl stops
# them, and the last ones leave 1.3-2.7 s after link-up, when a daemon
# already counts) and anything from :: (the link-local address's
# duplicate-address probe). The lab's neighbours are static and its
# addresses nodad, so nothing the tests need is dropped.
lab_quiet() {
	lab_exec "$1" nft -f - <<'NFT'
table ip6 fg_lab_quiet {
	chain output {
		type filter hook output priority 0; policy accept;
		ip6 saddr :: drop
		icmpv6 type { mld-listener-report, mld-listener-done, mld2-listener-report } drop
	}
}
NFT
}

# lab_xps NS IF: with several tx queues, queue i is used by CPU (i mod
# ncpu) only. veth hands a frame to the peer's rx queue of the same index
# and runs its NAPI (and XDP) on the CPU that sent it, so each sending CPU
# gets its own queue instead of two senders colliding on one by hash.
lab_xps() {
	local ns=$1 ifc=$2 ncpu q n=0 mask
	ncpu=$(nproc)
	for q in $(ip netns exec "$ns" sh -c "ls -d /sys/class/net/$ifc/queues/tx-*" 2>/dev/null); do
		n=${q##*tx-}
		mask=$(printf '%x' $((1 << (n % ncpu))))
		# sysfs is per namespace: this is what `ip netns exec` is for
		# (no pins involved).
		ip netns exec "$ns" sh -c "echo $mask > $q/xps_cpus" || return 1
	done
}

# lab_veth NS_A IF_A NS_B IF_B [QUEUES]: a veth pair with its ends made
# directly in the two namespaces (nothing ever in the initial one), up.
lab_veth() {
	local nsa=$1 ifa=$2 nsb=$3 ifb=$4 q=${5:-1}
	ip link add "$ifa" netns "$nsa" numtxqueues "$q" numrxqueues "$q" type veth \
		peer name "$ifb" netns "$nsb" numtxqueues "$q" numrxqueues "$q" || return 1
	ip -n "$nsa" link set "$ifa" up && ip -n "$nsb" link set "$ifb" up || return 1
	if [ "$q" -gt 1 ]; then
		lab_xps "$nsa" "$ifa" && lab_xps "$nsb" "$ifb" || return 1
	fi
}

# lab_mac NS IF: the link's MAC address.
lab_mac() {
	ip -n "$1" -j link show dev "$2" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["address"])'
}

# lab_addr NS IF ADDR/PREFIX...: IPv6 addresses get nodad.
lab_addr() {
	local ns=$1 ifc=$2 a
	shift 2
	for a in "$@"; do
		if [[ $a == *:* ]]; then
			ip -n "$ns" addr add "$a" dev "$ifc" nodad || return 1
		else
			ip -n "$ns" addr add "$a" dev "$ifc" || return 1
		fi
	done
}

# lab_neigh NS IF MAC ADDR...: static neighbour entries.
lab_neigh() {
	local ns=$1 ifc=$2 mac=$3 a
	shift 3
	for a in "$@"; do
		ip -n "$ns" neigh replace "$a" lladdr "$mac" dev "$ifc" nud permanent || return 1
	done
}

# lab_gro NS IF: GRO on. Not enough on its own for XDP_TX replies to arrive
# on every kernel (6.18 needs an XDP program on the peer: lab_xdp_pass).
# Returns 1 without ethtool.
lab_gro() {
	command -v ethtool >/dev/null 2>&1 || return 1
	lab_exec "$1" ethtool -K "$2" gro on >/dev/null 2>&1
}

# lab_setup [--queues N] [--no-gro]: namespaces FG_NS_CLIENT and
# FG_NS_SERVER joined by FG_IF_CLIENT <-> FG_IF_SERVER; addresses
# FG_CLIENT4/6 and FG_SERVER4/6; static neighbours both ways; the server
# routes FG_FLOOD4_NET, FG_OTHER4_NET and 2001:db8::/32 back via the
# client; GRO on the client end (the peer of the XDP side) when ethtool
# exists. Returns non-zero (after printing why) on failure.
lab_setup() {
	local queues=1 gro=1 mac_c mac_s
	while [ $# -gt 0 ]; do
		case $1 in
		--queues) queues=$2; shift 2 ;;
		--no-gro) gro=0; shift ;;
		*) diag "lab_setup: unknown option $1"; return 2 ;;
		esac
	done
	{
		lab_ns_create "$FG_NS_CLIENT" &&
			lab_ns_create "$FG_NS_SERVER" &&
			lab_veth "$FG_NS_CLIENT" "$FG_IF_CLIENT" "$FG_NS_SERVER" "$FG_IF_SERVER" "$queues" &&
			lab_addr "$FG_NS_CLIENT" "$FG_IF_CLIENT" \
				"$FG_CLIENT4/$FG_NET4_PREFIX" "$FG_CLIENT6/$FG_NET6_PREFIX" &&
			lab_addr "$FG_NS_SERVER" "$FG_IF_SERVER" \
				"$FG_SERVER4/$FG_NET4_PREFIX" "$FG_SERVER6/$FG_NET6_PREFIX" &&
			mac_c=$(lab_mac "$FG_NS_CLIENT" "$FG_IF_CLIENT") &&
			mac_s=$(lab_mac "$FG_NS_SERVER" "$FG_IF_SERVER") &&
			lab_neigh "$FG_NS_CLIENT" "$FG_IF_CLIENT" "$mac_s" "$FG_SERVER4" "$FG_SERVER6" &&
			lab_neigh "$FG_NS_SERVER" "$FG_IF_SERVER" "$mac_c" "$FG_CLIENT4" "$FG_CLIENT6" &&
			ip -n "$FG_NS_SERVER" route add "$FG_FLOOD4_NET" via "$FG_CLIENT4" &&
			ip -n "$FG_NS_SERVER" route add "$FG_OTHER4_NET" via "$FG_CLIENT4" &&
			ip -n "$FG_NS_SERVER" -6 route add 2001:db8::/32 via "$FG_CLIENT6"
	} || {
		diag "lab_setup failed"
		return 1
	}
	if [ "$gro" = 1 ]; then
		lab_gro "$FG_NS_CLIENT" "$FG_IF_CLIENT" || diag "no ethtool: GRO left off on $FG_IF_CLIENT"
	fi
	FG_MAC_CLIENT=$mac_c
	FG_MAC_SERVER=$mac_s
	return 0
}

# lab_link_stat NS IF FIELD: a counter of `ip -s -j link`, FIELD as
# rx_packets, rx_bytes, rx_dropped, tx_packets, tx_dropped, ...
lab_link_stat() {
	ip -n "$1" -s -j link show dev "$2" | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]["stats64"]
side, key = sys.argv[1].split("_", 1)
print(d[side][key])' "$3"
}

# lab_rxq_stats NS IF: per-rx-queue XDP packet counts of a veth (ethtool
# -S "rx_queue_N_xdp_packets"), one line "q0 q1 ...". Empty without
# ethtool or without XDP statistics.
lab_rxq_stats() {
	command -v ethtool >/dev/null 2>&1 || return 0
	lab_exec "$1" ethtool -S "$2" 2>/dev/null |
		sed -n 's/^ *rx_queue_\([0-9]*\)_xdp_packets: \([0-9]*\)$/\1 \2/p' |
		sort -n | awk '{ printf "%s%s", (NR > 1 ? " " : ""), $2 } END { if (NR) print "" }'
}

# lab_cleanup: run by the EXIT trap. Kills what we started (by PID),
# deletes our namespaces (and so their links, detaching XDP), our links
# in the initial namespace, the pin directory and the temp directory.
lab_cleanup() {
	local i pid ns l
	[ "$_FG_CLEANED" = 1 ] && return 0
	_FG_CLEANED=1
	for ((i = ${#_FG_ON_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${_FG_ON_EXIT[$i]}" >/dev/null 2>&1
	done
	for ((i = ${#_FG_PIDS[@]} - 1; i >= 0; i--)); do
		fg_kill "${_FG_PIDS[$i]}" 3
	done
	for ns in "${_FG_NETNS[@]}"; do
		# Anything still running in a namespace of ours was started by
		# this test (it holds the namespace and its links alive).
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	for l in "${_FG_LINKS[@]}"; do
		ip link del "$l" 2>/dev/null
	done
	for l in "$FG_PIN_DIR" "${_FG_PIN_DIRS[@]}"; do
		case $l in
		/sys/fs/bpf/fg-test-?*) rm -rf "$l" ;;
		esac
	done
	if [ "${FG_KEEP_TMP:-0}" = 1 ]; then
		echo "# kept $FG_TMP"
	else
		case $FG_TMP in /tmp/fg-e2e-*) rm -rf "$FG_TMP" ;; esac
	fi
}

_fg_exit() {
	local rc=$?
	trap - EXIT
	_tap_finish || { [ "$rc" -eq 0 ] && rc=1; }
	lab_cleanup
	exit "$rc"
}
trap _fg_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- floodgate -------------------------------------------------------------

# fg_config [LINE...]: writes a config for the server link (interfaces,
# metrics off) plus LINEs (or stdin when none), prints its path.
fg_config() {
	local f
	# Called as cfg=$(fg_config ...), a subshell: a counter would not
	# advance, so the file gets a name of its own from mktemp.
	f=$(mktemp "$FG_TMP/floodgate-XXXXXX.yaml")
	{
		echo "interfaces: [$FG_IF_SERVER]"
		echo 'metrics: {listen: ""}'
		if [ $# -gt 0 ]; then printf '%s\n' "$@"; else cat; fi
	} >"$f"
	echo "$f"
}

# fg_config_web FILE LISTEN WEB_CONFIG [LINE..]: writes FILE, a config
# for the server link with /metrics on LISTEN (HOST:PORT) under
# WEB_CONFIG (TLS, basic auth), plus LINEs. A fixed path, unlike
# fg_config's: tests rewrite it and reload.
fg_config_web() {
	local f=$1 listen=$2 web=$3
	shift 3
	{
		echo "interfaces: [$FG_IF_SERVER]"
		printf 'metrics:\n  listen: "%s"\n  web_config: %s\n' "$listen" "$web"
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} >"$f"
}

# fg_unit_caps KEY: the capabilities the systemd unit lists under KEY
# (CapabilityBoundingSet, AmbientCapabilities), lower case without the
# cap_ prefix, one a line. Several KEY= lines add up, as in systemd.
fg_unit_caps() {
	sed -n "s/^$1=//p" "$FG_UNIT" | tr ' ' '\n' | sed -n 's/^CAP_//p' |
		tr '[:upper:]' '[:lower:]'
}

# fg_unit_value KEY: the last value the unit gives KEY (empty if none).
fg_unit_value() { sed -n "s/^$1=//p" "$FG_UNIT" | tail -n 1; }

# The privileges the unit gives floodgated, as setpriv arguments
# (FG_DAEMON_PRIV, an array): its bounding, inheritable and ambient sets
# and NoNewPrivileges, so the tests run the daemon as the unit would.
# A capability this shell cannot grant (not in its own bounding set, e.g.
# CAP_SYS_RESOURCE in some containers) is left out (FG_DAEMON_PRIV_MISSING,
# said once by fg_daemon_start). Set FG_DAEMON_AS_ROOT=1 to run the daemon
# with every capability instead. Computed here, once, not in a subshell.
# The unit is make's template: the capabilities and hardening are literal
# there, only paths are filled in (fg_unit_use FILE reads another one).
FG_UNIT=$FG_ROOT/tools/systemd/floodgated.service.in
FG_DAEMON_PRIV=()
FG_DAEMON_PRIV_MISSING=
_fg_daemon_priv_said=0
_fg_daemon_priv() {
	local have c bnd=() amb=() list
	have=",$(setpriv --dump | sed -n 's/^Capability bounding set: //p'),"
	for c in $(fg_unit_caps CapabilityBoundingSet); do
		if [[ $have == *",$c,"* ]]; then
			bnd+=("+$c")
		else
			FG_DAEMON_PRIV_MISSING+="${FG_DAEMON_PRIV_MISSING:+ }cap_$c"
		fi
	done
	for c in $(fg_unit_caps AmbientCapabilities); do
		[[ $have == *",$c,"* ]] && amb+=("+$c")
	done
	list=$(IFS=,; echo "${bnd[*]}")
	FG_DAEMON_PRIV=(setpriv "--bounding-set=-all${list:+,$list}")
	list=$(IFS=,; echo "${amb[*]}")
	FG_DAEMON_PRIV+=("--inh-caps=-all${list:+,$list}" "--ambient-caps=-all${list:+,$list}")
	[ "$(fg_unit_value NoNewPrivileges)" = yes ] && FG_DAEMON_PRIV+=(--no-new-privs)
	return 0
}
_fg_daemon_priv

# fg_unit_use FILE: read the unit FILE (e.g. an installed one) from now on,
# for fg_unit_caps, fg_unit_value and the daemon's privileges.
fg_unit_use() {
	FG_UNIT=$1
	FG_DAEMON_PRIV_MISSING=
	_fg_daemon_priv
}

# _fg_daemon_prefix: the command prefix that runs floodgated (one a line).
_fg_daemon_prefix() {
	if [ "${FG_DAEMON_AS_ROOT:-0}" = 1 ]; then
		echo env
	else
		printf '%s\n' "${FG_DAEMON_PRIV[@]}"
	fi
}

# fg_daemon_cmd ARGS...: floodgated ARGS with the unit's privileges (or
# as root, see FG_DAEMON_AS_ROOT), in the server namespace, bounded
# (30 s): for runs that end by themselves (--check, refusals).
fg_daemon_cmd() {
	local pre
	mapfile -t pre < <(_fg_daemon_prefix)
	lab_exec "$FG_NS_SERVER" timeout 30 "${pre[@]}" "$FG_DAEMON" "$@"
}

# fg_daemon_bg LOG ARGS...: floodgated ARGS in the background in the
# server namespace with the systemd unit's privileges (FG_DAEMON_PRIV),
# output to LOG; sets FG_DAEMON_PID (killed at exit). No waiting.
fg_daemon_bg() {
	local log=$1 pre
	shift
	mapfile -t pre < <(_fg_daemon_prefix)
	if [ -n "$FG_DAEMON_PRIV_MISSING" ] && [ "$_fg_daemon_priv_said" = 0 ]; then
		diag "not in this shell's bounding set, so floodgated runs without: $FG_DAEMON_PRIV_MISSING"
		_fg_daemon_priv_said=1
	fi
	lab_bg "$FG_NS_SERVER" "$log" "${pre[@]}" "$FG_DAEMON" "$@"
	FG_DAEMON_PID=$LAB_BG_PID
}

# fg_daemon_start CONFIG [EXTRA_ARGS...]: floodgated (fg_daemon_bg) on
# FG_IF_SERVER (native XDP unless FG_XDP_MODE says), pins in FG_PIN_DIR,
# logs in FG_DAEMON_LOG; CONFIG "" for the built-in one. Waits
# (FG_ATTACH_TIMEOUT) for msg="attached". Sets FG_DAEMON_PID. Returns 1
# (log as TAP diag) if it exits or does not attach in time.
fg_daemon_start() {
	local cfg=$1 deadline
	shift
	FG_DAEMON_LOG=$FG_TMP/floodgated.$((${#_FG_PIDS[@]} + 1)).log
	fg_daemon_bg "$FG_DAEMON_LOG" ${cfg:+-c "$cfg"} \
		-i "${FG_DAEMON_IFACE:-$FG_IF_SERVER}" --xdp-mode "${FG_XDP_MODE:-native}" \
		--pin-dir "$FG_PIN_DIR" "$@"
	deadline=$((SECONDS + FG_ATTACH_TIMEOUT))
	while ! grep -q 'msg="attached"' "$FG_DAEMON_LOG" 2>/dev/null; do
		if ! kill -0 "$FG_DAEMON_PID" 2>/dev/null; then
			wait "$FG_DAEMON_PID" 2>/dev/null
			diag "floodgated exited ($?) before attaching; its log:"
			diag "$(tail -n 30 "$FG_DAEMON_LOG")"
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			diag "floodgated did not log msg=\"attached\" in ${FG_ATTACH_TIMEOUT}s; its log:"
			diag "$(tail -n 30 "$FG_DAEMON_LOG")"
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# fg_daemon_stop [PID]: SIGTERM (then SIGKILL after 10 s); returns the
# daemon's exit status.
fg_daemon_stop() {
	local pid=${1:-$FG_DAEMON_PID} rc
	kill -TERM "$pid" 2>/dev/null
	fg_wait_pid "$pid" 10
	rc=$?
	if [ "$rc" -eq 124 ]; then
		kill -KILL "$pid" 2>/dev/null
		fg_wait_pid "$pid" 2
	fi
	return "$rc"
}

# fg_cli ARGS...: the CLI on our pins, in the server namespace, bounded.
fg_cli() {
	lab_exec "$FG_NS_SERVER" timeout 30 "$FG_CLI" --pin-dir "$FG_PIN_DIR" "$@"
}

# fg_loadgen NS ARGS...: fg-loadgen in NS, in the foreground, bounded
# (its own caps, and a timeout of 660 s above them).
fg_loadgen() {
	local ns=$1
	shift
	lab_exec "$ns" timeout 660 "$FG_LOADGEN" "$@"
}

# --- counters (pinned fg_stats, per CPU) -----------------------------------
#
# fg_stats index = action * FG_REASON_SLOTS + reason, in the order of
# include/fg_reasons.h (read from there, not copied). ACTION and REASON
# are names (pass, drop; under_limit, rate_packets, ...), numbers, or '*'
# for all. FIELD is packets (default) or bytes. `--since FILE` subtracts
# a snapshot taken with fg_stats_snapshot FILE.

_fg_stats_py() {
	python3 - "$FG_ROOT" "$FG_PIN_DIR" "$@" <<'PY'
import json, re, subprocess, sys

root, pin, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
since = row = None
while args[:1] in (["--since"], ["--row"]):
    if args[0] == "--since":
        since = args[1]
    else:
        row = int(args[1])
    args = args[2:]

def names(macro):
    text = open(root + "/include/fg_reasons.h").read()
    # The macro's body: its line and every continuation (trailing \\).
    body = re.search(r"#define " + macro + r"\(X\)((?:[^\n]*\\\n)*[^\n]*)", text).group(1)
    return re.findall(r'X\(\s*\w+\s*,\s*"([^"]+)"', body)

reasons, actions = names("FG_REASON_LIST"), names("FG_ACTION_LIST")
abi = open(root + "/include/fg_abi.h").read()
slots = int(re.search(r"#define FG_REASON_SLOTS (\d+)", abi).group(1))

def u64(b, off):
    return int.from_bytes(bytes(int(x, 16) for x in b[off:off + 8]), "little")

def dump():
    out = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", pin + "/fg_stats"],
                         capture_output=True, text=True, timeout=30)
    if out.returncode:
        sys.exit("fg_stats: bpftool: " + out.stderr.strip())
    res = {}
    for e in json.loads(out.stdout):
        if "formatted" in e:
            f = e["formatted"]
            key = f["key"]
            vals = {v["cpu"]: (v["value"]["packets"], v["value"]["bytes"]) for v in f["values"]}
        else:
            key = u64(e["key"] + ["0x00"] * 4, 0)
            vals = {v["cpu"]: (u64(v["value"], 0), u64(v["value"], 8)) for v in e["values"]}
        res[str(key)] = {str(c): list(v) for c, v in vals.items()}
    return res

cur = dump()
if cmd == "snapshot":
    json.dump(cur, open(args[0], "w"))
    sys.exit(0)
if since:
    old = json.load(open(since))
    for k, per in cur.items():
        for c, v in per.items():
            o = old.get(k, {}).get(c, [0, 0])
            per[c] = [v[0] - o[0], v[1] - o[1]]

cpus = sorted({int(c) for per in cur.values() for c in per})

def pick(lst, name, what):
    if name == "*":
        return list(range(len(lst)))
    if name.isdigit():
        return [int(name)]
    if name not in lst:
        sys.exit("unknown %s '%s' (known: %s)" % (what, name, " ".join(lst)))
    return [lst.index(name)]

# fg_stats holds a row of (action, reason) counters per rule slot, after
# row 0 for packets no rule counts (FG_STATS_INDEX): a total sums the rows.
per_row = len(actions) * slots
rows = max((int(k) for k in cur), default=0) // per_row + 1

def select(a, r):
    return [w * per_row + ai * slots + ri for w in (range(rows) if row is None else [row])
            for ai in pick(actions, a, "action") for ri in pick(reasons, r, "reason")]

def field(args, i):
    f = args[i] if len(args) > i else "packets"
    return {"packets": 0, "bytes": 1}[f]

if cmd in ("total", "percpu"):
    idx, fi = select(args[0], args[1]), field(args, 2)
    per = [sum(cur.get(str(i), {}).get(str(c), [0, 0])[fi] for i in idx) for c in cpus]
    print(sum(per) if cmd == "total" else " ".join(map(str, per)))
elif cmd == "cpus":
    fi = field(args, 0)
    print(" ".join(str(sum(cur[k].get(str(c), [0, 0])[fi] for k in cur)) for c in cpus))
elif cmd == "show":
    # Summed over the rows: one line per (action, reason).
    tot = {}
    for k, per in cur.items():
        a, r = divmod(int(k) % per_row, slots)
        t = tot.setdefault((a, r), [[0] * len(cpus), 0])
        for j, c in enumerate(cpus):
            v = per.get(str(c), [0, 0])
            t[0][j] += v[0]
            t[1] += v[1]
    for (a, r) in sorted(tot):
        p, b = tot[(a, r)]
        if any(p):
            an = actions[a] if a < len(actions) else str(a)
            rn = reasons[r] if r < len(reasons) else str(r)
            print("%s/%s packets=%d per_cpu=%s bytes=%d" % (an, rn, sum(p), p, b))
else:
    sys.exit("unknown stats command " + cmd)
PY
}

# _fg_rule_args ARGS...: ARGS with `--rule NAME` turned into `--row N`,
# the rule's row of fg_stats (its slot, from `floodgate --json status`,
# + 1; not its place in the list: free slots are not listed), one a
# line. Fails when the CLI does or knows no such rule.
_fg_rule_args() {
	local a=("$@") i slot
	for ((i = 0; i < ${#a[@]}; i++)); do
		[ "${a[i]}" = --rule ] || continue
		slot=$(fg_cli --json status | python3 -c '
import json, sys
slots = {r["name"]: r["slot"] for r in json.load(sys.stdin)["rules"]}
if sys.argv[1] not in slots:
    sys.exit(1)
print(slots[sys.argv[1]])' "${a[i + 1]}") ||
			{ echo "fg_stat: no rule '${a[i + 1]}'" >&2; return 1; }
		a[i]=--row a[i + 1]=$((slot + 1))
	done
	printf '%s\n' "${a[@]}"
}

# fg_stats_snapshot FILE: saves the current counters (for --since).
fg_stats_snapshot() { _fg_stats_py snapshot "$1"; }
# fg_stat [--since FILE] [--rule NAME] ACTION REASON [FIELD]: summed over
# CPUs; with --rule, that rule's packets only ("default" for the default
# limits), not those no rule counts (lists, penalty box) or other rules'.
# Prints nothing and fails when the counters cannot be read.
fg_stat() {
	local args
	args=$(_fg_rule_args "$@") || return 1
	mapfile -t args <<<"$args"
	_fg_stats_py total "${args[@]}"
}
# fg_stat_percpu [--since FILE] [--rule NAME] ACTION REASON [FIELD]:
# "cpu0 cpu1 ...".
fg_stat_percpu() {
	local args
	args=$(_fg_rule_args "$@") || return 1
	mapfile -t args <<<"$args"
	_fg_stats_py percpu "${args[@]}"
}
# fg_stats_cpus [--since FILE] [FIELD]: per CPU, every verdict summed:
# what each CPU processed in XDP. "cpu0 cpu1 ...".
fg_stats_cpus() { _fg_stats_py cpus "$@"; }
# fg_stats_show [--since FILE]: non-zero counters, for diag.
fg_stats_show() { _fg_stats_py show "$@"; }

# --- per-source figures, loadgen spans, metrics, logs ----------------------
# (appended for the feature tests; the functions above are unchanged)

# fg_src_stat SOURCE [passed|dropped]: one source's count in the source
# table (`floodgate top --by packets`), summed over its rules; 0 when the
# source is not tracked; nothing (and non-zero) when the CLI fails, so a
# check reading it fails too. SOURCE as the CLI prints it: an IPv4
# address, or an IPv6 address masked to table.ipv6_prefix
# (2001:db8:100::10 -> 2001:db8:100::).
# Reads the table's text form with awk: python's start-up alone takes
# most of a second on a busy machine, too slow for polling.
fg_src_stat() {
	local out
	out=$(fg_cli top --by packets -n 10000) || return 1
	awk -v src="$1" -v f="${2:-passed}" '
		NR > 1 && $1 == src { n += (f == "dropped" ? $3 : $2) }
		END { print n + 0 }' <<<"$out"
}

# fg_loadgen_span FILE...: "T SENT" over fg-loadgen --json outputs: T in
# seconds from the earliest first_ns to the latest last_ns (the span the
# XDP verdicts fall in), SENT the packets sent by all of them. "0 0" if a
# file holds no result.
fg_loadgen_span() {
	python3 - "$@" <<'PY' || echo "0 0"
import json, sys
runs = []
for f in sys.argv[1:]:
    lines = [l for l in open(f).read().splitlines() if l.startswith("{")]
    runs.append(json.loads(lines[-1]))
first = min(r["first_ns"] for r in runs)
last = max(r["last_ns"] for r in runs)
print("%.6f %d" % ((last - first) / 1e9, sum(r["sent"] for r in runs)))
PY
}

# fg_metrics HOST:PORT [CURL_ARGS...]: GET /metrics from inside the server
# namespace (where the daemon's loopback listener is), bounded.
fg_metrics() {
	local hp=$1
	shift
	lab_exec "$FG_NS_SERVER" curl -sS --max-time 10 "$@" "http://$hp/metrics"
}

# fg_metric_value NAME_AND_LABELS < TEXT: the value of one series in a
# scrape, exactly as written (e.g. 'floodgate_config_reloads_total{result="failure"}');
# empty when absent. Reads the whole scrape: leaving early would make
# the writer (curl) fail on a closed pipe once a scrape outgrows the pipe
# buffer, and under `set -o pipefail` a caller's `|| echo 0` would then
# add a second value.
fg_metric_value() {
	awk -v k="$1" '!found && $1 == k { v = $2; found = 1 } END { if (!found) exit 1; print v }'
}

# fg_log_count PATTERN [LOG]: lines of LOG (default FG_DAEMON_LOG)
# holding the fixed string PATTERN.
fg_log_count() { grep -cF -- "$1" "${2:-$FG_DAEMON_LOG}" 2>/dev/null; }

_fg_log_has() { [ "$(fg_log_count "$1" "$3")" -ge "$2" ]; }

# fg_log_wait PATTERN SECS [N [LOG]]: waits (bounded) until LOG (default
# FG_DAEMON_LOG) has at least N (default 1) lines holding PATTERN.
fg_log_wait() {
	fg_wait_until "$2" _fg_log_has "$1" "${3:-1}" "${4:-$FG_DAEMON_LOG}"
}

# check_none DESC CMD...: ok when CMD succeeds and prints nothing: an
# empty answer from a tool that failed is not "none".
check_none() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		ok "$desc"
	else
		not_ok "$desc" "command: $*" "exit $rc" "$(printf '%s\n' "$out" | tail -n 20)"
		return 1
	fi
}

# check_str DESC ACTUAL EXPECTED: string equality, one TAP line.
check_str() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "expected '$3', got '$2'"
		return 1
	fi
}

# --- XDP_TX peers ----------------------------------------------------------
# (appended for test_reset.sh; the functions above are unchanged)

# lab_xdp_pass NS IF: attaches a native XDP program that passes every
# frame to IF (the peer of the XDP side), so frames sent back with XDP_TX
# arrive. GRO alone (lab_gro) is not enough on every kernel: on 6.18 a
# veth queues the XDP_TX frame into a GRO-only peer's ring but schedules
# the peer's NAPI only when the peer has an XDP program, so the frame
# waits there (seen: xdp_tx counted on the sender, nothing received).
# Compiles the two-line program with clang into FG_TMP once; returns 1
# (after a diag) without clang or when the attach fails.
lab_xdp_pass() {
	local obj=$FG_TMP/xdp_pass.o
	if [ ! -s "$obj" ]; then
		command -v clang >/dev/null 2>&1 || { diag "lab_xdp_pass: no clang"; return 1; }
		printf '%s\n' \
			'__attribute__((section("xdp"), used)) int xdp_pass(void *ctx) { return 2; /* XDP_PASS */ }' \
			'char LICENSE[] __attribute__((section("license"), used)) = "GPL";' >"$FG_TMP/xdp_pass.c"
		clang -O2 -target bpf -c "$FG_TMP/xdp_pass.c" -o "$obj" || { diag "lab_xdp_pass: clang failed"; return 1; }
	fi
	ip -n "$1" link set dev "$2" xdpdrv obj "$obj" sec xdp || { diag "lab_xdp_pass: attach to $2 failed"; return 1; }
}

# --- free ports ------------------------------------------------------------------

# lab_free_port NS: a TCP port free on 127.0.0.1 inside NS (the kernel
# picks it), for a metrics listener or a peer started right after.
lab_free_port() {
	lab_exec "$1" python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# --- several servers ----------------------------------------------------------
# (appended for test_fleet.sh; the functions above are unchanged)

# lab_add_server NS IF_CLIENT IF_SERVER CLIENT4/PREFIX SERVER4/PREFIX: one
# more server namespace NS (put $FG_SUFFIX in it), joined to FG_NS_CLIENT
# by IF_CLIENT <-> IF_SERVER, with the two addresses, static neighbours
# both ways, and routes back to the client for FG_FLOOD4_NET and
# FG_OTHER4_NET. FG_NS_CLIENT must exist (lab_ns_create). Returns non-zero
# (after printing why) on failure.
lab_add_server() {
	local ns=$1 ifc=$2 ifs=$3 ca=$4 sa=$5 mac_c mac_s
	{
		lab_ns_create "$ns" &&
			lab_veth "$FG_NS_CLIENT" "$ifc" "$ns" "$ifs" &&
			lab_addr "$FG_NS_CLIENT" "$ifc" "$ca" &&
			lab_addr "$ns" "$ifs" "$sa" &&
			mac_c=$(lab_mac "$FG_NS_CLIENT" "$ifc") &&
			mac_s=$(lab_mac "$ns" "$ifs") &&
			lab_neigh "$FG_NS_CLIENT" "$ifc" "$mac_s" "${sa%/*}" &&
			lab_neigh "$ns" "$ifs" "$mac_c" "${ca%/*}" &&
			ip -n "$ns" route add "$FG_FLOOD4_NET" via "${ca%/*}" &&
			ip -n "$ns" route add "$FG_OTHER4_NET" via "${ca%/*}"
	} || {
		diag "lab_add_server $ns failed"
		return 1
	}
	lab_gro "$FG_NS_CLIENT" "$ifc" || true
}

# fg_use_server NS IF PIN_DIR: the server that fg_daemon_*, fg_cli,
# fg_stat*, fg_src_stat and fg_metrics act on from now on (in this shell
# or subshell): sets FG_NS_SERVER, FG_IF_SERVER, FG_PIN_DIR and
# FLOODGATE_PIN_DIR. PIN_DIR must be /sys/fs/bpf/fg-test-*; it is removed
# at exit like FG_PIN_DIR.
fg_use_server() {
	case $3 in
	/sys/fs/bpf/fg-test-?*) ;;
	*) tap_bail "fg_use_server: pin directory $3 is not /sys/fs/bpf/fg-test-*" ;;
	esac
	FG_NS_SERVER=$1 FG_IF_SERVER=$2 FG_PIN_DIR=$3
	export FLOODGATE_PIN_DIR=$3
	[[ " ${_FG_PIN_DIRS[*]} " == *" $3 "* ]] || _FG_PIN_DIRS+=("$3")
}

# lab_hosts K..: the client namespace FG_NS_CLIENT and, for each K, a
# server namespace fg-sK-$FG_SUFFIX joined to it by fcK-/fsK-$FG_SUFFIX
# (client 192.0.2.(4K+2)/30, server 192.0.2.(4K+1)/30), with a pin
# directory, a free metrics port and a config path; fills the arrays NS,
# IFS_, IFC, PIN, ADDR, MPORTS and CFG (index K). Bails out if a host
# cannot be made.
lab_hosts() {
	local k
	lab_ns_create "$FG_NS_CLIENT" || tap_bail "no client namespace"
	for k in "$@"; do
		NS[k]=fg-s$k-$FG_SUFFIX
		IFS_[k]=fs$k-$FG_SUFFIX
		IFC[k]=fc$k-$FG_SUFFIX
		PIN[k]=/sys/fs/bpf/fg-test-$FG_SUFFIX-$k
		ADDR[k]=192.0.2.$((4 * k + 1))
		CFG[k]=$FG_TMP/host$k.yaml
		lab_add_server "${NS[k]}" "${IFC[k]}" "${IFS_[k]}" \
			"192.0.2.$((4 * k + 2))/30" "${ADDR[k]}/30" || tap_bail "no host $k"
		fg_use_server "${NS[k]}" "${IFS_[k]}" "${PIN[k]}"
		MPORTS[k]=$(lab_free_port "${NS[k]}")
	done
}

# lab_redis_start DIR [REDIS_ARGS..]: a redis-server (in FG_NS_CLIENT) on
# the unix socket DIR/redis.sock only (no TCP, no persistence), log
# DIR/redis.log; registered for cleanup, its PID in LAB_BG_PID. Waits,
# bounded (1000 tries 10 ms apart, so a test can time its start), until
# it answers (PONG, or NOAUTH under --requirepass); returns 1 if it
# does not. DIR is the test's own (under FG_TMP) and is created.
lab_redis_start() {
	local dir=$1 i
	shift
	mkdir -p "$dir"
	lab_bg "$FG_NS_CLIENT" "$dir/redis.log" redis-server --port 0 \
		--unixsocket "$dir/redis.sock" --unixsocketperm 700 --save "" \
		--appendonly no --dir "$dir" "$@"
	for ((i = 0; i < 1000; i++)); do
		redis-cli -s "$dir/redis.sock" ping 2>&1 | grep -qE 'PONG|NOAUTH' && return 0
		sleep 0.01
	done
	return 1
}
