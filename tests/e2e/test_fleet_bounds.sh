#!/usr/bin/env bash
# Fleet blocks stay within bounds, whoever writes to Redis (issue 19):
# two hosts (server namespaces, each its own floodgated and pins), one
# client namespace, one real redis-server on a unix socket, started and
# stopped here. Blocks are issued through the sync script by
# fg-fleet-charge (what a host publishes), or written into Redis by hand.
#   1. a host joining late, with 12 000 ended blocks before 500 in force,
#      gets the 500;
#   2. 15 000 blocks issued in one period: every host gets all of them;
#   3. a block for a rule without a fleet limit is refused (and counted);
#   4. ends written by hand (now + 1e13, -5, 20 digits): no block past
#      10 minutes; a well-formed one beside them is applied;
#   5. one huge charge (a spoofed flood naming a victim): its TAT stops at
#      now + tolerance + 10 minutes, its block at 10 minutes;
#   6. `floodgate unblock` frees a fleet block here (the drop cached for
#      it goes too) and it stays freed; with --config the fleet's block
#      becomes an unblock that the other host applies;
#   7. `floodgate unblock --rule plain --config` (a rule without a fleet
#      limit) still frees the source's penalty box entry here, and says
#      there was nothing to do in Redis.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

SYNC_MS=250
PORT=9000 PORT_PLAIN=9001
BLOCK_MAX_S=600
NAME=b$FG_SUFFIX # the fleet's name (key prefix): this run's own
HOSTS=(1 2)

fg_require_root
fg_require_cmds ip nsenter bpftool awk curl redis-server redis-cli
fg_require_bins floodgated floodgate fg-loadgen tests/fg-fleet-charge
CHARGE=$FG_BUILD/tests/fg-fleet-charge

tap_plan 21

# --- the lab: client -- veth -- host k (k = 1, 2) ----------------------------
PID=() LOG=()
lab_hosts "${HOSTS[@]}"
host() { fg_use_server "${NS[$1]}" "${IFS_[$1]}" "${PIN[$1]}"; }

# --- redis ----------------------------------------------------------------
RDIR=$FG_TMP/redis
SOCK=$RDIR/redis.sock
URL=unix://$SOCK
lab_redis_start "$RDIR" || tap_bail "redis-server did not start: $(tail -n 5 "$RDIR/redis.log")"
rcli() { redis-cli -s "$SOCK" "$@"; }
# redis_now: Redis' clock, us.
redis_now() { rcli TIME | awk 'NR == 1 { s = $1 } NR == 2 { printf "%d%06d\n", s, $1 }'; }

# --- configs and daemons ---------------------------------------------------
# Rule `guarded` has a fleet limit; `plain` does not (it boxes locally).
write_cfg() {
	cat >"${CFG[$1]}" <<EOC
interfaces: [${IFS_[$1]}]
metrics: {listen: "127.0.0.1:${MPORTS[$1]}"}
fleet: {redis: "$URL", name: $NAME, host: h$1, sync: ${SYNC_MS}ms}
rules:
  - {name: guarded, protocol: udp, ports: [$PORT], packets: 10000/s, burst_packets: 1000, fleet: {packets: 300/s}}
  - {name: plain, protocol: udp, ports: [$PORT_PLAIN], packets: 10000/s, burst_packets: 1000, block: 120s}
EOC
	chmod 600 "${CFG[$1]}"
}
start_host() {
	write_cfg "$1"
	host "$1"
	fg_daemon_start "${CFG[$1]}" || return 1
	PID[$1]=$FG_DAEMON_PID
	LOG[$1]=$FG_DAEMON_LOG
}
metric() { (host "$1" && fg_metrics "127.0.0.1:${MPORTS[$1]}" | fg_metric_value "$2"); }
fleet_up() { [ "$(metric "$1" floodgate_fleet_up)" = 1 ]; }
blocked_n() { metric "$1" floodgate_fleet_blocked_sources; }
blocked_is() { [ "$(blocked_n "$1")" = "$2" ]; }
# fleet_left K SRC: seconds left of host K's fleet block(s) of SRC, the
# longest ("" when none). `floodgate blocked`: SOURCE SECONDS SCOPE BY
# STRIKES RULE.
fleet_left() {
	(host "$1" && fg_cli blocked) | awk -v s="$2" '
		NR > 1 && $1 == s && $4 == "fleet" { if ($2 > m) m = $2; n++ }
		END { if (n) print m }'
}
has_block() { [ -n "$(fleet_left "$1" "$2")" ]; }
no_block() { [ -z "$(fleet_left "$1" "$2")" ]; }
# charge SRC COUNT CHARGE_MS [TOL_MS] [RULE]: fg-fleet-charge on this
# fleet.
charge() {
	"$CHARGE" "$URL" "$NAME" "${5:-guarded}" "$1" "$2" "$3" "${4:-1}" >/dev/null
}
# periods N: sleep N sync periods.
periods() { sleep "$(calc "$1 * $SYNC_MS / 1000")"; }

start_host 1 || tap_bail "host 1 did not start"
fg_wait_until 10 fleet_up 1 || tap_bail "host 1: no fleet ($(tail -n 5 "${LOG[1]}"))"

# --- 1. a late joiner gets the blocks in force ---------------------------------
# 12 000 blocks of 1 s, then 500 of 120 s; host 2 starts once the first
# have ended.
charge 2001:db8:a:: 12000 1001 && charge 2001:db8:b:: 500 120001
sleep 1.5
start_host 2 || tap_bail "host 2 did not start"
fg_wait_until 10 fleet_up 2
fg_wait_until 5 blocked_is 2 500
check_eq "late joiner (12 000 ended blocks, then 500 in force): applies the 500" "$(blocked_n 2)" 500
check_eq "host 1, there all along: has the 500 in force" "$(blocked_n 1)" 500

# --- 2. more blocks in one period than a page ----------------------------------
# Bounded waits of 20 s: on a busy machine a page's call may run past
# its timeout (one period), and the host pulls again after reconnecting.
charge 2001:db8:c:: 15000 120001
for k in "${HOSTS[@]}"; do
	fg_wait_until 20 blocked_is "$k" 15500
	diag "host $k: $(blocked_n "$k") fleet blocks; sync errors so far: $(metric "$k" 'floodgate_fleet_errors_total{op="sync"}')"
done
check_eq "15 000 blocks in one period: host 1 applies all of them (+ the 500)" "$(blocked_n 1)" 15500
check_eq "15 000 blocks in one period: host 2 applies all of them (+ the 500)" "$(blocked_n 2)" 15500

# --- 3. a block for a rule without a fleet limit --------------------------------
refused0=$(metric 1 floodgate_fleet_blocks_refused_total)
charge 203.0.113.30 1 60001 1 plain && charge 203.0.113.31 1 60001
fg_wait_until 5 has_block 1 203.0.113.31
periods 2
check "a block for rule guarded (fleet limit) is applied" has_block 1 203.0.113.31
check "a block for rule plain (no fleet limit) is refused" no_block 1 203.0.113.30
check_gt "the refusal is counted (floodgate_fleet_blocks_refused_total)" \
	"$(metric 1 floodgate_fleet_blocks_refused_total)" "${refused0:-0}"

# --- 4. ends written by hand ----------------------------------------------------
# The rule id: the first 8 hex digits of a source whose TAT the script
# wrote (p, then the source).
RID=$(rcli ZRANGE "fg:{$NAME}:tat" 0 -1 | grep -m1 '0000ffffcb00711f$' | cut -c2-9)
[ -n "$RID" ] || diag "no TAT for 203.0.113.31 in Redis: the checks below fail"
# shellcheck disable=SC2086 # the address's four numbers, split on purpose
src_of() { printf '%s0000000000000000%s' "$RID" "$(printf '0000ffff%02x%02x%02x%02x' ${1//./ })"; }
now=$(redis_now)
inject() {
	local s=$1 end=$2
	rcli ZADD "fg:{$NAME}:ends" "$end" "$(src_of "$s")" >/dev/null
	rcli ZADD "fg:{$NAME}:issued" "$(rcli INCR "fg:{$NAME}:seq")" "$(src_of "$s")" >/dev/null
}
end40=$((now + 30000000))
inject 203.0.113.40 $end40
inject 203.0.113.41 $((now + 10000000000000))
inject 203.0.113.42 -5
inject 203.0.113.43 99999999999999999999
fg_wait_until 5 has_block 1 203.0.113.40
periods 2
# What is left of it, on Redis' clock, before and after the listing
# (slack 0.3 s: the sync's round trip).
ta=$(redis_now)
left=$(fleet_left 1 203.0.113.40)
tb=$(redis_now)
check_le "a well-formed end written by hand (now + 30 s) is applied ($left s left)" \
	"${left:-999}" "$(calc "($end40 - $ta) / 1e6 + 0.3")"
check_ge "... and is not cut short" "${left:-0}" "$(calc "($end40 - $tb) / 1e6 - 0.3")"
longest() { (host "$1" && fg_cli blocked) | awk 'NR > 1 && $4 == "fleet" { if ($2 > m) m = $2 } END { print m + 0 }'; }
lines=()
for s in 41 42 43; do lines+=("203.0.113.$s: $(fleet_left 1 203.0.113.$s)"); done
diag "ends now + 1e13, -5, 20 digits: host 1 blocks ${lines[*]} (s left; empty: none)"
check_le "now + 1e13, -5, 20 digits: no fleet block on host 1 lasts past 10 minutes" "$(longest 1)" "$BLOCK_MAX_S"
check "the end -5 gives no block" no_block 1 203.0.113.42

# --- 5. the debt of one huge charge ---------------------------------------------
# 1 115 s of charge at a 1 s tolerance: a spoofed second naming a victim.
charge 203.0.113.50 1 1115000 1000
now=$(redis_now)
tat=$(rcli ZSCORE "fg:{$NAME}:tat" "p$(src_of 203.0.113.50)")
# No TAT at all fails the check too.
debt=$(calc "(${tat:-1e12} - $now) / 1e6")
diag "TAT of 203.0.113.50 after a charge of 1 115 s: now + $(printf '%.1f' "$debt") s"
check_le "TAT stops at now + tolerance (1 s) + 10 minutes" "$debt" $((1 + BLOCK_MAX_S))
fg_wait_until 5 has_block 1 203.0.113.50
check_le "its block lasts 10 minutes at most ($(fleet_left 1 203.0.113.50) s)" "$(fleet_left 1 203.0.113.50)" "$BLOCK_MAX_S"

# --- 6. floodgate unblock -------------------------------------------------------
V=203.0.113.60 W=203.0.113.61
charge $V 2 120001
fg_wait_until 5 has_block 1 $W
fg_wait_until 5 has_block 2 $W
drops() { metric 1 "floodgate_packets_total{action=\"drop\",reason=\"fleet_limit\"}" || echo 0; }
d0=$(drops)
fg_loadgen "$FG_NS_CLIENT" --dst "${ADDR[1]}" --port $PORT --src $V --count 5 --rate 100 >/dev/null
d1=$(drops)
out=$(host 1 && fg_cli unblock $V 2>&1)
rc=$?
p0=$(host 1 && fg_src_stat $V passed)
fg_loadgen "$FG_NS_CLIENT" --dst "${ADDR[1]}" --port $PORT --src $V --count 5 --rate 100 >/dev/null
p1=$(host 1 && fg_src_stat $V passed)
diag "host 1: $V dropped $((d1 - d0)) of 5 as fleet_limit; unblock said: $out (exit $rc); then passed $((p1 - p0)) of 5"
if [ "$rc" = 0 ] && no_block 1 $V && [ $((d1 - d0)) = 5 ] && [ $((p1 - p0)) = 5 ]; then
	ok "unblock frees host 1's fleet block of $V: its next packets pass"
else
	not_ok "unblock frees host 1's fleet block of $V: its next packets pass" \
		"exit $rc: $out" "dropped $((d1 - d0)), then passed $((p1 - p0)); left: $(fleet_left 1 $V)"
fi
periods 4
check "... and it stays freed (4 periods later)" no_block 1 $V
check "... on host 1 only: host 2 still blocks $V" has_block 2 $V
out=$(host 1 && fg_cli unblock $W --config "${CFG[1]}" 2>&1)
rc=$?
diag "unblock $W --config: $out (exit $rc)"
fg_wait_until 5 no_block 2 $W
if [ "$rc" = 0 ] && no_block 1 $W && no_block 2 $W; then
	ok "unblock --config: the fleet's block of $W goes on both hosts"
else
	not_ok "unblock --config: the fleet's block of $W goes on both hosts" "exit $rc: $out" \
		"left: host 1 $(fleet_left 1 $W), host 2 $(fleet_left 2 $W)"
fi
end=$(rcli ZSCORE "fg:{$NAME}:ends" "$(src_of $W)")
tatw=$(rcli ZSCORE "fg:{$NAME}:tat" "p$(src_of $W)")
if _fg_cmp "${end:-1}" '<' 0 && [ -z "$tatw" ]; then
	ok "unblock --config: Redis holds an unblock for $W (end $end), its debt gone"
else
	not_ok "unblock --config: Redis holds an unblock for $W, its debt gone" "end ${end:-none}, TAT ${tatw:-none}"
fi

# --- 7. unblock --rule of a rule without a fleet limit ---------------------------
# 5000 packets at 20 000/s: past plain's burst and rate, so boxed.
X=203.0.113.70
boxed() {
	(host 1 && fg_cli blocked) | awk -v s="$X" 'NR > 1 && $1 == s && $6 == "plain" { n++ } END { exit !n }'
}
fg_loadgen "$FG_NS_CLIENT" --dst "${ADDR[1]}" --port $PORT_PLAIN --src $X --count 5000 --rate 20000 >/dev/null
fg_wait_until 5 boxed
check "$X is in host 1's penalty box for rule plain" boxed
out=$(host 1 && fg_cli unblock $X --rule plain --config "${CFG[1]}" 2>&1)
rc=$?
diag "unblock $X --rule plain --config: $out (exit $rc)"
if [ "$rc" = 0 ] && ! boxed &&
	grep -q "rule plain has no fleet limit in ${CFG[1]}: nothing to unblock in the fleet's Redis" <<<"$out"; then
	ok "unblock --rule plain --config: the box here is freed, and nothing to do in Redis is said"
else
	not_ok "unblock --rule plain --config: the box here is freed, and nothing to do in Redis is said" \
		"exit $rc: $out" "boxed: $(boxed && echo yes || echo no)"
fi

# --- the end --------------------------------------------------------------------
n=0
for k in "${HOSTS[@]}"; do
	fg_daemon_stop "${PID[k]}" && n=$((n + 1))
done
check_eq "both floodgated ran to the end and stopped cleanly" "$n" 2
