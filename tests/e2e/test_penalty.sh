#!/usr/bin/env bash
# DESIGN §2.5, §2.8, §5, §6: the penalty box.
#   - a rule with `block: 30s` (block_scope rule, the default): a source
#     that goes over it is boxed for that rule: its packets matching the
#     rule drop as blocked, its other traffic meets its own limits;
#     another source on the same rule is untouched;
#   - `block_scope: source`: the source is boxed for all its traffic, on
#     every port and protocol;
#   - `floodgate blocked` (text and --json) lists each entry with the
#     seconds left (≈ 30), the rule's name and the scope;
#     floodgate_blocked_sources counts entries;
#   - `floodgate unblock ADDR --rule NAME` frees that rule's entry only,
#     `floodgate unblock ADDR` every entry of the address (exit 0, its
#     packets pass again); unblocking an address not in the box exits 1
#     with a message; an IPv4-mapped address (::ffff:a.b.c.d) unblocks
#     the IPv4 source; IPv6 sources are boxed by /64 and unblocked by any
#     address of it;
#   - left alone, entries expire (a rule with `block: 4s`): the daemon
#     removes them (blocked list empty, gauge 0, msg="penalty box
#     expired"), and the sources pass again.
# The long block keeps the listing and unblock checks clear of expiry on
# a loaded machine; only section 4 waits for time to pass.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

BLOCK_S=30      # pen, pen-all
SHORT_S=4       # pen-short: expiry
PEN_PORT=7000   # pen: block_scope rule
ALL_PORT=7001   # pen-all: block_scope source
SHORT_PORT=7002 # pen-short
B=203.0.113.50     # goes over
OTHER=203.0.113.51 # same rule, stays under
C=203.0.113.52     # goes over pen-all
D=203.0.113.53     # goes over pen, unblocked as ::ffff:D
V6=2001:db8:300::5 # boxed as 2001:db8:300::/64
V6_KEY=2001:db8:300::/64
V6_SIBLING=2001:db8:300::99

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk curl
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 40

lab_setup || tap_bail "could not build the lab"
MPORT=$(lab_free_port "$FG_NS_SERVER")
LISTEN=127.0.0.1:$MPORT
cfg=$FG_TMP/penalty.yaml
cat >"$cfg" <<EOF
interfaces: [$FG_IF_SERVER]
metrics: {listen: "$LISTEN"}
limits: {packets: 1000/s, burst_packets: 100}
rules:
  - name: pen
    protocol: udp
    ports: [$PEN_PORT]
    packets: 100/s
    burst_packets: 10
    block: ${BLOCK_S}s
  - name: pen-all
    protocol: udp
    ports: [$ALL_PORT]
    packets: 100/s
    burst_packets: 10
    block: ${BLOCK_S}s
    block_scope: source
  - name: pen-short
    protocol: udp
    ports: [$SHORT_PORT]
    packets: 100/s
    burst_packets: 10
    block: ${SHORT_S}s
EOF
if ! fg_daemon_start "$cfg" || ! fg_log_wait 'msg="serving metrics"' 10; then
	tap_bail "floodgated did not attach"
fi

# send SRC PORT COUNT [PROTO]: unpaced, to the server (v4 or v6 by SRC).
send() {
	local dst=$FG_SERVER4
	[[ $1 == *:* ]] && dst=$FG_SERVER6
	fg_loadgen "$FG_NS_CLIENT" --dst "$dst" --port "$2" --src "$1" --count "$3" \
		--proto "${4:-udp}" --duration 10 >/dev/null
}
snap() { fg_stats_snapshot "$FG_TMP/s.$1.json"; }
# Each check counts its own flow: the source's figures in the source
# table, or the counters of the rule its packets meet (--rule).
V6_TKEY=$V6_KEY # V6's key as `floodgate top` prints it
since() { fg_stat --since "$FG_TMP/s.$1.json" "${@:2}"; }
gauge() { fg_metrics "$LISTEN" | fg_metric_value floodgate_blocked_sources; }
# blocked_json: "SOURCE SECONDS RULE SCOPE" per entry, sorted.
blocked_json() {
	fg_cli --json blocked | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    print(e["source"], e["seconds_left"], e["rule"], e["scope"])' | sort
}
# blocked_none: the list was read and is empty.
blocked_none() {
	local out
	out=$(blocked_json) && [ -z "$out" ]
}
# one_entry DESC SOURCE T0 [RULE [SCOPE]]: the --json list holds exactly
# one entry of SOURCE, with that rule (pen) and scope (rule), and
# BLOCK_S minus the time since T0 (taken before the packets that boxed
# it) <= seconds_left <= BLOCK_S: exact whatever the machine's load.
one_entry() {
	local out src secs rule scope n least
	out=$(blocked_json | grep -F "$2 ")
	least=$(calc "$BLOCK_S - ($(date +%s.%N) - $3) - 0.01")
	n=$(printf '%s' "$out" | grep -c .)
	read -r src secs rule scope <<<"$out"
	if [ "$n" -eq 1 ] && [ "$src" = "$2" ] && [ "$rule" = "${4:-pen}" ] &&
		[ "$scope" = "${5:-rule}" ] &&
		_fg_cmp "$secs" '>=' "$least" && _fg_cmp "$secs" '<=' "$BLOCK_S"; then
		ok "$1 (seconds_left $secs)"
	else
		not_ok "$1" "floodgate --json blocked: $(blocked_json)"
	fi
}

# 1. Going over blocks the source.
snap over
t0=$(date +%s.%N)
send "$B" "$PEN_PORT" 50
n_pass=$(fg_src_stat "$B" passed) n_rate=$(since over drop rate_packets) n_blk=$(since over drop blocked)
diag "50 packets over the rule: passed $n_pass (source table), rate_packets $n_rate, blocked $n_blk"
if [ "$n_pass" -ge 10 ] && [ "$n_pass" -le 11 ] && [ "$n_rate" -eq 1 ] && [ "$((n_pass + n_rate + n_blk))" -eq 50 ]; then
	ok "$B over pen (100/s burst 10): the burst passed, the first packet over dropped as rate_packets, the rest ($n_blk) as blocked"
else
	not_ok "$B over pen: burst passed, one rate_packets, the rest blocked" "$(fg_stats_show --since "$FG_TMP/s.over.json")"
fi
one_entry "floodgate --json blocked lists $B, rule pen, scope rule, ≈ ${BLOCK_S}s left" "$B" "$t0"
out=$(fg_cli blocked)
if printf '%s\n' "$out" | grep -Eq "^$B +[0-9.]+ +rule +penalty +0 +pen\$"; then
	ok "floodgate blocked (text) lists $B with seconds and rule"
else
	not_ok "floodgate blocked (text) lists $B with seconds and rule" "$out"
fi
check_eq "floodgate_blocked_sources = 1" "$(gauge)" 1

snap every
send "$B" "$PEN_PORT" 100
check_eq "scope rule: 100 packets of $B to rule pen all dropped as blocked" "$(since every drop blocked)" 100
snap rest
send "$B" 9 50
send "$B" 53 40
send "$B" 80 10 tcp-syn
check_eq "scope rule: $B's other traffic (udp 9, 53, tcp SYN 80: default limits, burst 100) is not blocked" "$(since rest drop '*')" 0
check_eq "scope rule: all 100 of it passed under_limit (default limits)" "$(since rest --rule default pass under_limit)" 100

# block_scope source: over pen-all, boxed for everything.
t0=$(date +%s.%N)
send "$C" "$ALL_PORT" 20
one_entry "floodgate --json blocked lists $C, rule pen-all, scope source" "$C" "$t0" pen-all source
snap all
send "$C" 9 50
send "$C" 53 50
send "$C" 80 20 tcp-syn
check_eq "scope source: 120 packets of $C on ports 9, 53 (udp) and 80 (tcp SYN) all dropped as blocked" "$(since all drop blocked)" 120
check_eq "floodgate_blocked_sources = 2" "$(gauge)" 2
snap other
send "$OTHER" "$PEN_PORT" 10
check_eq "$OTHER on the same rule is not affected (10 of 10 passed)" "$(fg_src_stat "$OTHER" passed)" 10

# 2. unblock: one rule's entry, then every entry of an address.
send "$B" "$ALL_PORT" 20 # B in the box twice: pen (rule), pen-all (source)
check_eq "$B boxed by pen and pen-all: 2 entries" "$(blocked_json | grep -c "^$B ")" 2
out=$(fg_cli unblock "$B" --rule pen-all 2>&1)
rc=$?
check_eq "floodgate unblock $B --rule pen-all: exit 0 ($out)" "$rc" 0
check_str "$B keeps its pen entry only" "$(blocked_json | grep "^$B " | awk '{print $3, $4}')" "pen rule"
out=$(fg_cli unblock "$C" 2>&1)
check_eq "floodgate unblock $C: exit 0 ($out)" $? 0
out=$(fg_cli unblock "$B" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ "$out" = "$B unblocked" ]; then
	ok "floodgate unblock $B: exit 0 ($out)"
else
	not_ok "floodgate unblock $B: exit 0" "exit $rc: $out"
fi
check_none "the blocked list is empty" blocked_json
check_eq "floodgate_blocked_sources = 0" "$(gauge)" 0
snap unblocked
p0=$(fg_src_stat "$B" passed)
send "$B" "$PEN_PORT" 5
send "$B" 9 5
check_eq "$B passes again at once (10 of 10, under_limit)" "$(($(fg_src_stat "$B" passed) - p0))" 10
check_eq "$B: nothing dropped after unblock" "$(since unblocked drop '*')" 0
out=$(fg_cli unblock "$B" 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && [[ $out == *"$B is not in the penalty box"* ]]; then
	ok "unblock $B again: exit 1 ($out)"
else
	not_ok "unblock $B again: exit 1 with a message" "exit $rc: $out"
fi
out=$(fg_cli --json unblock 198.51.100.200 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && python3 -c 'import json,sys; sys.exit(0 if "penalty box" in json.loads(sys.argv[1])["error"] else 1)' "$out" 2>/dev/null; then
	ok "unblock of a never-blocked address (--json): exit 1, {\"error\": ...}"
else
	not_ok "unblock of a never-blocked address (--json): exit 1, {\"error\": ...}" "exit $rc: $out"
fi

# The IPv4-mapped form of a boxed IPv4 source is that source: the CLI
# masks it with the IPv4 prefix, not the IPv6 one.
t0=$(date +%s.%N)
send "$D" "$PEN_PORT" 50
one_entry "floodgate --json blocked lists $D, rule pen" "$D" "$t0"
out=$(fg_cli unblock "::ffff:$D" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ "$out" = "$D unblocked" ]; then
	ok "floodgate unblock ::ffff:$D frees $D (exit 0)"
else
	not_ok "floodgate unblock ::ffff:$D frees $D" "exit $rc: $out; blocked: $(blocked_json)"
fi
snap mapped
send "$D" "$PEN_PORT" 5
check_eq "$D passes again: nothing dropped" "$(since mapped drop '*')" 0

# 3. IPv6: boxed by /64, unblocked by any address of it.
snap v6
t0=$(date +%s.%N)
send "$V6" "$PEN_PORT" 50
check_ge "IPv6 $V6 over pen: dropped as blocked" "$(since v6 drop blocked)" 30
one_entry "floodgate --json blocked lists $V6_KEY (the /64), rule pen" "$V6_KEY" "$t0"
snap v6sib
send "$V6_SIBLING" "$PEN_PORT" 20
check_eq "another address of the /64 ($V6_SIBLING) is blocked too" "$(since v6sib drop blocked)" 20
out=$(fg_cli unblock "$V6_SIBLING" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ "$out" = "$V6_KEY unblocked" ]; then
	ok "floodgate unblock $V6_SIBLING frees $V6_KEY (exit 0)"
else
	not_ok "floodgate unblock $V6_SIBLING frees $V6_KEY" "exit $rc: $out"
fi
snap v6free
p0=$(fg_src_stat "$V6_TKEY" passed)
send "$V6" "$PEN_PORT" 5
check_eq "$V6 passes again (5 of 5)" "$(($(fg_src_stat "$V6_TKEY" passed) - p0))" 5
check_eq "$V6: nothing dropped after unblock" "$(since v6free drop '*')" 0

# 4. Expiry: both boxed by pen-short (SHORT_S) and left alone.
snap exp
t_block=$(date +%s.%N)
send "$B" "$SHORT_PORT" 50
t_boxed=$(date +%s.%N) # B's box began before this
send "$V6" "$SHORT_PORT" 50
expired_before=$(fg_log_count 'msg="penalty box expired"')
check_eq "both boxed by pen-short: floodgate_blocked_sources = 2" "$(gauge)" 2
snap still
# 1 s after the box, whatever the checks above took: a loaded machine
# must not spend the block's time before the packets go.
sleep "$(awk -v t="$t_boxed" -v now="$(date +%s.%N)" 'BEGIN { d = t + 1 - now; printf "%.3f\n", (d > 0 ? d : 0) }')"
send "$B" "$SHORT_PORT" 10
t_still=$(date +%s.%N)
# Only meaningful before the block can have run out.
if _fg_cmp "$(calc "$t_still - $t_block")" '<' "$SHORT_S"; then
	check_eq "1 s later ($(calc "$t_still - $t_boxed" | xargs printf '%.2f') s after the box) $B is still blocked (10 of 10 dropped as blocked)" \
		"$(since still drop blocked)" 10
else
	not_ok "1 s later $B is still blocked" "the machine took $(calc "$t_still - $t_block") s to get there (block ${SHORT_S}s): rerun"
fi
if fg_log_wait 'msg="penalty box expired"' $((SHORT_S + 5)) $((expired_before + 1)); then
	t_exp=$(date +%s.%N)
	ok "the daemon logged msg=\"penalty box expired\" $(calc "$t_exp - $t_block" | xargs printf '%.1f') s after the block"
	diag "$(grep -F 'msg="penalty box expired"' "$FG_DAEMON_LOG" | tail -n 1)"
else
	not_ok "the daemon logged msg=\"penalty box expired\"" "$(tail -n 5 "$FG_DAEMON_LOG")"
fi
# Both entries were made within a few ms: one sweep may see one, the next
# the other.
fg_wait_until 3 blocked_none
check_none "after expiry the blocked list is empty" blocked_json
check_eq "after expiry floodgate_blocked_sources = 0" "$(gauge)" 0
check_eq "the pinned penalty-box map is empty (the daemon removed the entries)" \
	"$(bpftool -j map dump pinned "$FG_PIN_DIR/fg_blocked" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 0
snap after
p0=$(($(fg_src_stat "$B" passed) + $(fg_src_stat "$V6_TKEY" passed)))
send "$B" "$SHORT_PORT" 5
send "$V6" "$SHORT_PORT" 5
check_eq "after expiry both pass again (10 of 10)" "$(($(fg_src_stat "$B" passed) + $(fg_src_stat "$V6_TKEY" passed) - p0))" 10
check_eq "after expiry nothing of theirs dropped" "$(since after drop '*')" 0

fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
