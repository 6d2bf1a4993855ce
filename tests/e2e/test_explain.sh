#!/usr/bin/env bash
# DESIGN §9, issue 11 item 4: `floodgate explain ADDR` says what the
# datapath would do now with a packet from ADDR, and why. Every case runs
# `floodgate --json explain`, then sends the very next packet from ADDR
# over the veth and checks that the datapath's verdict (the counter of
# that action and reason, in `floodgate --json status`) is the one explain
# gave:
#   - a config deny entry and a CLI deny prefix: drop deny_list, with
#     the matched prefix and who put it there;
#   - a config allow entry: pass allow_list;
#   - a new source under a rule's limit: rule, key, a full burst, pass;
#   - the same source with its burst spent: 0 tokens, a wait, drop
#     rate_packets, and the rule's block: it boxes the source;
#   - then the penalty box: drop blocked, seconds left; the same source
#     on another rule (block_scope rule) still passes;
#   - a class with limits_scale: 10: its sources take the scaled default
#     (burst 20, not 2) until that is spent, then drop;
#   - an IPv6 source: keyed by its /64.
# Limits are per hour (the class's 10/h: a token each 6 minutes), so no
# token comes back between explain and the packet however slow the
# machine.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

WEB_PORT=7100 # rule web: 3/h, block 60s
DNS_PORT=7200 # rule dns: 2/h
DEF_PORT=9    # the default limits: 1/h burst 2; office: x10
DENY=198.51.100.20
ALLOW=198.51.100.10
CLI_DENY_NET=198.51.100.32/27
CLI_DENY=198.51.100.33
SRC=203.0.113.5
OFFICE_NET=203.0.113.64/26
OFFICE=203.0.113.70
PLAIN=203.0.113.150 # same port as OFFICE, in no class
V6=2001:db8:77::5

fg_require_root
fg_require_cmds ip nsenter bpftool awk jq
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 35

lab_setup || tap_bail "could not build the lab"
cfg=$(fg_config <<EOF
limits: {packets: 1/h, burst_packets: 2}
classes:
  office: {cidrs: [$OFFICE_NET], limits_scale: 10}
lists: {allow: [$ALLOW/32], deny: [$DENY/32]}
rules:
  - name: web
    protocol: udp
    ports: [$WEB_PORT]
    packets: 3/h
    burst_packets: 3
    block: 60s
  - name: dns
    protocol: udp
    ports: [$DNS_PORT]
    packets: 2/h
    burst_packets: 2
EOF
)
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

# send SRC PORT [COUNT]: unpaced UDP to the server (v4 or v6 by SRC).
send() {
	local dst=$FG_SERVER4
	[[ $1 == *:* ]] && dst=$FG_SERVER6
	fg_loadgen "$FG_NS_CLIENT" --dst "$dst" --port "$2" --src "$1" \
		--count "${3:-1}" --proto udp --duration 10 >/dev/null
}

# explain SRC PORT: runs `floodgate --json explain` into $FG_TMP/x.json
# and sets X_ACTION X_REASON X_RULE X_KEY X_TOKENS X_WAIT X_LIST X_FROM
# X_BOX X_BOXES X_CLASS X_KNOWN ("-" where explain gave null). jq, not
# python: python's start-up alone takes a second on a loaded machine.
explain() {
	local f=$FG_TMP/x.json
	fg_cli --json explain "$1" --proto udp --port "$2" >"$f" 2>&1 ||
		diag "floodgate explain $1 --port $2: exit $?: $(cat "$f")"
	read -r X_ACTION X_REASON X_RULE X_KEY X_TOKENS X_WAIT X_LIST X_FROM \
		X_BOX X_BOXES X_CLASS X_KNOWN < <(jq -r '
		def s: if . == null then "-" else tostring end;
		(.dimensions // [] | map(select(.dimension == "packets"))[0]) as $p |
		[.verdict.action, .verdict.reason, .rule.name, .key, $p.tokens,
		 $p.wait_seconds, .list.prefix, .list.from,
		 .penalty_box.rule.seconds_left, .verdict.boxes_for_seconds,
		 .class, .known] | map(s) | join(" ")' "$f" 2>/dev/null || echo error)
}

# counts ACTION REASON: "N D": packets counted under ACTION REASON, and
# dropped for any reason (`floodgate --json status`).
counts() {
	fg_cli --json status | jq -r --arg a "$1" --arg r "$2" \
		'"\(.counters[$a][$r].packets // 0) \([.counters.drop[].packets] | add)"'
}

# next_packet DESC SRC PORT: sends one packet and checks that it got
# explain's verdict: its action+reason counter moved by one, and no drop
# counter moved for a pass.
next_packet() {
	local desc=$1 got0 drop0 got1 drop1 got drops
	read -r got0 drop0 < <(counts "$X_ACTION" "$X_REASON")
	send "$2" "$3"
	read -r got1 drop1 < <(counts "$X_ACTION" "$X_REASON")
	got=$((got1 - got0)) drops=$((drop1 - drop0))
	if [ "$X_ACTION" = drop ] && [ "$got" -eq 1 ] && [ "$drops" -eq 1 ]; then
		ok "$desc: explain said drop $X_REASON, the next packet dropped as $X_REASON"
	elif [ "$X_ACTION" = pass ] && [ "$got" -eq 1 ] && [ "$drops" -eq 0 ]; then
		ok "$desc: explain said pass $X_REASON, the next packet passed as $X_REASON"
	else
		not_ok "$desc: the next packet got explain's verdict ($X_ACTION $X_REASON)" \
			"$X_ACTION $X_REASON moved by $got, drops by $drops" "explain: $(cat "$FG_TMP/x.json")"
	fi
}

# 1. Lists: the config's deny and allow entries, a CLI deny prefix.
explain "$DENY" "$DEF_PORT"
check_str "deny: explain names the entry $DENY/32 from the config" "$X_LIST $X_FROM" "$DENY/32 config"
check_str "deny: verdict drop deny_list" "$X_ACTION $X_REASON" "drop deny_list"
next_packet "deny $DENY" "$DENY" "$DEF_PORT"

explain "$ALLOW" "$WEB_PORT"
check_str "allow: explain names $ALLOW/32, verdict pass allow_list" \
	"$X_LIST $X_ACTION $X_REASON" "$ALLOW/32 pass allow_list"
next_packet "allow $ALLOW" "$ALLOW" "$WEB_PORT"

fg_cli deny add "$CLI_DENY_NET" >/dev/null || diag "deny add $CLI_DENY_NET failed"
explain "$CLI_DENY" "$DEF_PORT"
check_str "CLI deny: explain names $CLI_DENY_NET from the CLI, drop deny_list" \
	"$X_LIST $X_FROM $X_ACTION $X_REASON" "$CLI_DENY_NET cli drop deny_list"
next_packet "CLI deny $CLI_DENY" "$CLI_DENY" "$DEF_PORT"

# 2. A rule's limit: a new source, its burst, then over.
explain "$SRC" "$WEB_PORT"
check_str "new source on rule web: rule web, key $SRC, not known, 3 tokens" \
	"$X_RULE $X_KEY $X_KNOWN $X_TOKENS" "web $SRC false 3"
check_str "new source: verdict pass under_limit" "$X_ACTION $X_REASON" "pass under_limit"
next_packet "under the limit, $SRC" "$SRC" "$WEB_PORT"
explain "$SRC" "$WEB_PORT"
check_str "after one packet: known, 2 tokens left" "$X_KNOWN $X_TOKENS" "true 2"
send "$SRC" "$WEB_PORT" 2
explain "$SRC" "$WEB_PORT"
check_str "burst spent: 0 tokens" "$X_TOKENS" 0
if _fg_cmp "$X_WAIT" '>' 1100 && _fg_cmp "$X_WAIT" '<=' 1200; then
	ok "burst spent: the next packet conforms in $X_WAIT s (one token at 3/h: 1200 s)"
else
	not_ok "burst spent: 1100 < wait <= 1200 s" "wait_seconds $X_WAIT"
fi
check_str "burst spent: verdict drop rate_packets, boxes the source for 60 s" \
	"$X_ACTION $X_REASON $X_BOXES" "drop rate_packets 60"
next_packet "over the limit, $SRC" "$SRC" "$WEB_PORT"

# 3. The penalty box that packet opened.
explain "$SRC" "$WEB_PORT"
check_str "boxed: verdict drop blocked" "$X_ACTION $X_REASON" "drop blocked"
if _fg_cmp "$X_BOX" '>' 30 && _fg_cmp "$X_BOX" '<=' 60; then
	ok "boxed: $X_BOX s left of 60"
else
	not_ok "boxed: 30 < seconds left <= 60" "seconds_left $X_BOX"
fi
next_packet "in the box, $SRC" "$SRC" "$WEB_PORT"
out=$(fg_cli explain "$SRC" --proto udp --port "$WEB_PORT")
if grep -q '^verdict  *drop (blocked)' <<<"$out" && grep -q '^rule  *web (slot 1, enforce)' <<<"$out" &&
	grep -q '^box (rule)  *[0-9.]* s left (rule web)' <<<"$out"; then
	ok "text output: the rule, the box and the verdict lines"
else
	not_ok "text output: the rule, the box and the verdict lines" "$out"
fi
explain "$SRC" "$DNS_PORT"
check_str "the same source on rule dns (block_scope rule): not boxed, pass" \
	"$X_RULE $X_BOX $X_ACTION $X_REASON" "dns - pass under_limit"
next_packet "$SRC on rule dns" "$SRC" "$DNS_PORT"

# 4. The class with limits_scale: 10 against a source in no class.
explain "$PLAIN" "$DEF_PORT"
check_str "no class: the default limits, 2 tokens" "$X_CLASS $X_RULE $X_TOKENS" "- default 2"
explain "$OFFICE" "$DEF_PORT"
check_str "class office: the scaled default, 20 tokens" \
	"$X_CLASS $X_RULE $X_TOKENS" "office default@office 20"
check_str "class office: names its class entry $OFFICE_NET" "$X_LIST $X_FROM" "$OFFICE_NET config"
next_packet "class office, fresh" "$OFFICE" "$DEF_PORT"
send "$OFFICE" "$DEF_PORT" 18
explain "$OFFICE" "$DEF_PORT"
check_str "class office after 19 packets: 1 token, pass" "$X_TOKENS $X_ACTION $X_REASON" "1 pass under_limit"
next_packet "class office, last token" "$OFFICE" "$DEF_PORT"
explain "$OFFICE" "$DEF_PORT"
check_str "class office after 20: 0 tokens, drop rate_packets, no box (default has none)" \
	"$X_TOKENS $X_ACTION $X_REASON $X_BOXES" "0 drop rate_packets -"
next_packet "class office, spent" "$OFFICE" "$DEF_PORT"
send "$PLAIN" "$DEF_PORT" 2
explain "$PLAIN" "$DEF_PORT"
check_str "no class after 2 packets: 0 tokens, drop rate_packets" \
	"$X_TOKENS $X_ACTION $X_REASON" "0 drop rate_packets"
next_packet "no class, spent" "$PLAIN" "$DEF_PORT"

# 5. IPv6: the key is the /64.
explain "$V6" "$DNS_PORT"
check_str "IPv6: rule dns, key 2001:db8:77::/64, 2 tokens" "$X_RULE $X_KEY $X_TOKENS" "dns 2001:db8:77::/64 2"
next_packet "IPv6 $V6" "$V6" "$DNS_PORT"

# 6. Usage errors.
fg_cli explain 192.0.2.0/24 >/dev/null 2>&1
check_eq "explain of a prefix: usage error, exit 2" $? 2

fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
