#!/usr/bin/env bash
# DESIGN §6 floodgate_rule_packets_total across reloads and restarts:
#   a rule's counters stay with its name when the config is reordered
#   (SIGHUP) and when the daemon restarts on its pins; a new rule starts
#   at 0, a removed rule's series goes, and a rule added again starts at
#   0 (not at what it, or another rule, counted in its slot before); the
#   totals by reason never go back when a rule is removed.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

LISTEN=127.0.0.1:9470 # the server namespace's own loopback
N=2000

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk curl
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 22

lab_setup || tap_bail "could not build the lab"
cfg=$FG_TMP/rules.yaml
# write_cfg NAME:PORT...: rules in this order, each UDP to its port, with
# limits no test flood reaches (every packet passes).
write_cfg() {
	{
		printf 'interfaces: [%s]\nmetrics:\n  listen: "%s"\nrules:\n' "$FG_IF_SERVER" "$LISTEN"
		for r in "$@"; do
			printf '  - {name: %s, protocol: udp, ports: [%s], packets: 100000/s, burst_packets: 100000}\n' \
				"${r%%:*}" "${r##*:}"
		done
	} >"$cfg"
}

# rule NAME: its floodgate_rule_packets_total summed over actions, or
# "absent" when the scrape has no series for it.
rule() {
	fg_metrics "$LISTEN" | awk -v r="rule=\"$1\"" '
		$1 ~ /^floodgate_rule_packets_total\{/ && index($1, r) { s += $2; n++ }
		END { if (n) print s; else print "absent" }'
}
rule_is() { [ "$(rule "$1")" = "$2" ]; }
# slot PORT: the rule slot a UDP packet to PORT matches (floodgate explain).
slot() {
	fg_cli --json explain "$FG_CLIENT4" --port "$1" --proto udp |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["rule"]["slot"])'
}
total_pass() { fg_metrics "$LISTEN" | fg_metric_value 'floodgate_packets_total{action="pass",reason="under_limit"}'; }

# send PORT COUNT: COUNT UDP packets from the client to PORT.
send() {
	fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$1" --src "$FG_CLIENT4" \
		--count "$2" --rate 20000 --json >"$FG_TMP/send.json" ||
		diag "fg-loadgen: $(cat "$FG_TMP/send.json")"
}

# reload: SIGHUP and wait for the Nth msg="reloaded".
reloads=0
reload() {
	reloads=$((reloads + 1))
	kill -HUP "$FG_DAEMON_PID"
	fg_log_wait 'msg="reloaded"' 10 "$reloads" || diag "no reload: $(tail -n 3 "$FG_DAEMON_LOG")"
}

write_cfg alpha:9999 beta:9998
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"
fg_log_wait 'msg="serving metrics"' 10 || diag "no msg=\"serving metrics\" in the log"

# 1. N packets to alpha.
send 9999 "$N"
fg_wait_until 5 rule_is alpha "$N"
check_eq "alpha counted the $N packets sent to it" "$(rule alpha)" "$N"
check_eq "beta counted nothing" "$(rule beta)" 0

# 2. The rules reordered, SIGHUP: the counts stay with the names.
write_cfg beta:9998 alpha:9999
reload
check_eq "reordered (SIGHUP): alpha still $N" "$(rule alpha)" "$N"
check_eq "reordered (SIGHUP): beta still 0" "$(rule beta)" 0
send 9998 500
fg_wait_until 5 rule_is beta "500"
check_eq "beta counts its own packets after the reorder (500)" "$(rule beta)" 500
check_eq "... and alpha none of them ($N)" "$(rule alpha)" "$N"

# 3. A new rule starts at 0.
write_cfg gamma:9997 beta:9998 alpha:9999
reload
check_eq "new rule gamma starts at 0" "$(rule gamma)" 0
check_eq "alpha unchanged ($N)" "$(rule alpha)" "$N"
check_eq "beta unchanged (500)" "$(rule beta)" 500

# 4. A restart on the pins, with the rules in yet another order.
fg_daemon_stop "$FG_DAEMON_PID"
write_cfg alpha:9999 gamma:9997 beta:9998
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach again"
fg_log_wait 'msg="serving metrics"' 10 || diag "no msg=\"serving metrics\" in the log"
reloads=0
check_eq "restarted and reordered: alpha still $N" "$(rule alpha)" "$N"
check_eq "restarted and reordered: beta still 500" "$(rule beta)" 500
check_eq "restarted and reordered: gamma still 0" "$(rule gamma)" 0

# 5. alpha removed: its series goes, and the totals do not go back.
alpha_slot=$(slot 9999)
before=$(total_pass)
write_cfg gamma:9997 beta:9998
reload
check_str "alpha removed: no series for it" "$(rule alpha)" absent
check_ge "the pass total does not go back ($before)" "$(total_pass)" "$before"
# The slot alpha left is a gap in status' rules: fg_stat --rule goes by
# each rule's slot there, not by its place in the list.
check_eq "status --json: beta's slot is explain's" \
	"$(fg_cli --json status | python3 -c 'import json, sys; print([r["slot"] for r in json.load(sys.stdin)["rules"] if r["name"] == "beta"][0])')" \
	"$(slot 9998)"
fg_stats_snapshot "$FG_TMP/gap.snap"
send 9998 400
fg_wait_until 5 rule_is beta 900
check_eq "fg_stat --rule beta, past the gap: the 400 sent to it" \
	"$(fg_stat --since "$FG_TMP/gap.snap" --rule beta pass under_limit)" 400
check_eq "fg_stat --rule gamma: none of them" \
	"$(fg_stat --since "$FG_TMP/gap.snap" --rule gamma pass under_limit)" 0

# 6. A new rule in the slot alpha left, and alpha back: both from 0.
write_cfg gamma:9997 beta:9998 delta:9996
reload
check_eq "new rule delta takes the slot alpha left ($alpha_slot)" "$(slot 9996)" "$alpha_slot"
check_eq "... and starts at 0, not at alpha's $N" "$(rule delta)" 0
write_cfg gamma:9997 beta:9998 delta:9996 alpha:9999
reload
check_eq "alpha added again starts at 0" "$(rule alpha)" 0
send 9999 300
fg_wait_until 5 rule_is alpha "300"
check_eq "... and counts only what comes after (300)" "$(rule alpha)" 300
check_eq "delta still 0" "$(rule delta)" 0
