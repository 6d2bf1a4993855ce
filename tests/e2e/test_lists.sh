#!/usr/bin/env bash
# DESIGN §2.4, §3 lists, §5: allow and deny lists from the CLI take effect
# at once, without a reload (a denied source drops as deny_list, an
# allowed flooder passes as allow_list); `allow list`/`deny list` show
# them with origin cli, config entries with origin config; `del` removes
# them. On SIGHUP the config's entries follow the file while the CLI's
# stay. Two CLI writers at once, while reloads run, leave the table and
# its CLI-owned entries exactly as their operations say (one lock).
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

RATE=1000
BURST=100
PORT=9
FLOODER=203.0.113.30 # allowed from the CLI
DENIED=203.0.113.40  # denied from the CLI
DENIED6=2001:db8:200::/48
MAPPED=203.0.113.42 # denied as ::ffff:203.0.113.42
CFG_DENY_A=198.51.100.60 # config deny, before the reload
CFG_DENY_B=198.51.100.61 # config deny, after it
CFG_ALLOW_A=198.51.100.70
CFG_ALLOW_B=198.51.100.71

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 40

lab_setup || tap_bail "could not build the lab"
limits="limits: {packets: $RATE/s, burst_packets: $BURST}"
# fg_config runs in a subshell here, so each call reuses one file name:
# move each result aside.
cfg=$FG_TMP/lists-a.yaml cfg_b=$FG_TMP/lists-b.yaml
mv "$(fg_config "$limits" "lists: {allow: [$CFG_ALLOW_A/32], deny: [$CFG_DENY_A/32]}")" "$cfg"
mv "$(fg_config "$limits" "lists: {allow: [$CFG_ALLOW_B/32], deny: [$CFG_DENY_B/32]}")" "$cfg_b"
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

# send SRC COUNT: COUNT packets from SRC, unpaced, to the server (v4 or
# v6 by SRC).
send() {
	local dst=$FG_SERVER4
	[[ $1 == *:* ]] && dst=$FG_SERVER6
	fg_loadgen "$FG_NS_CLIENT" --dst "$dst" --port "$PORT" --src "$1" \
		--count "$2" --duration 10 >/dev/null
}
snap() { fg_stats_snapshot "$FG_TMP/s.$1.json"; }
since() { fg_stat --since "$FG_TMP/s.$1.json" "${@:2}"; }
# has_entry LIST CIDR ORIGIN: `floodgate --json LIST list` holds it.
has_entry() {
	fg_cli --json "$1" list | python3 -c '
import json, sys
sys.exit(0 if {"cidr": sys.argv[1], "origin": sys.argv[2]} in json.load(sys.stdin) else 1)' "$2" "$3"
}
lacks_entry() {
	fg_cli --json "$1" list | python3 -c '
import json, sys
sys.exit(1 if any(e["cidr"] == sys.argv[1] for e in json.load(sys.stdin)) else 0)' "$2"
}
# add LIST CIDR [SHOWN]: `floodgate LIST add CIDR` exits 0 and the list
# then holds SHOWN (default CIDR) with origin cli.
add() { fg_cli "$1" add "$2" && has_entry "$1" "${3:-$2}" cli; }
# del LIST CIDR: `floodgate LIST del CIDR` exits 0 and the list then
# lacks CIDR.
del() { fg_cli "$1" del "$2" && lacks_entry "$1" "$2"; }

# 1. The config's entries.
check "allow list shows $CFG_ALLOW_A/32 from the config" has_entry allow "$CFG_ALLOW_A/32" config
check "deny list shows $CFG_DENY_A/32 from the config" has_entry deny "$CFG_DENY_A/32" config

# 2. CLI entries, no reload.
check "floodgate allow add $FLOODER/32: listed" add allow "$FLOODER/32"
check "floodgate deny add $DENIED/32: listed" add deny "$DENIED/32"
check "floodgate deny add $DENIED6: listed" add deny "$DENIED6"
check_eq "no reload happened (the daemon logged no msg=\"reloading\")" "$(fg_log_count 'msg="reloading"')" 0

snap allow
send "$FLOODER" 3000
check_eq "allowed flooder: all 3000 packets passed as allow_list" "$(since allow pass allow_list)" 3000
check_eq "allowed flooder: nothing dropped" "$(since allow drop '*')" 0

snap deny
send "$DENIED" 200
check_eq "denied source: 200 packets dropped as deny_list" "$(since deny drop deny_list)" 200
# (it never reaches the limiter: no source-table entry, no passes)
check_eq "denied source: none passed" "$(fg_src_stat "$DENIED" passed)" 0
snap deny6
send 2001:db8:200:1::5 150
check_eq "denied IPv6 /48: 150 packets from inside it dropped as deny_list" "$(since deny6 drop deny_list)" 150
snap denycfg
send "$CFG_DENY_A" 100
check_eq "config deny $CFG_DENY_A: 100 packets dropped as deny_list" "$(since denycfg drop deny_list)" 100

check "allow list shows $FLOODER/32 with origin cli" has_entry allow "$FLOODER/32" cli
check "deny list shows $DENIED/32 with origin cli" has_entry deny "$DENIED/32" cli
check "deny list shows $DENIED6 with origin cli" has_entry deny "$DENIED6" cli
out=$(fg_cli allow list)
if printf '%s\n' "$out" | grep -Eq "^$FLOODER/32 +cli\$" &&
	printf '%s\n' "$out" | grep -Eq "^$CFG_ALLOW_A/32 +config\$"; then
	ok "allow list (text) shows CIDR and origin"
else
	not_ok "allow list (text) shows CIDR and origin" "$out"
fi

# 3. The most specific prefix wins: a /24 deny around the /32 allow.
check "floodgate deny add 203.0.113.0/24: listed" add deny 203.0.113.0/24
snap lpm
send "$FLOODER" 100
send 203.0.113.31 100
if [ "$(since lpm pass allow_list)" -eq 100 ] && [ "$(since lpm drop deny_list)" -eq 100 ]; then
	ok "the /32 allow inside the /24 deny passes, its neighbour drops"
else
	not_ok "the /32 allow inside the /24 deny passes, its neighbour drops" "$(fg_stats_show --since "$FG_TMP/s.lpm.json")"
fi
check "floodgate deny del 203.0.113.0/24: gone from the list" del deny 203.0.113.0/24

# An IPv4-mapped address is the IPv4 source: one entry, either form.
check "floodgate deny add ::ffff:$MAPPED: the deny list shows it as $MAPPED/32" \
	add deny "::ffff:$MAPPED" "$MAPPED/32"
snap mapped
send "$MAPPED" 100
check_eq "IPv4 source $MAPPED: 100 packets dropped as deny_list" "$(since mapped drop deny_list)" 100
check "floodgate deny del $MAPPED/32 removes that entry" del deny "$MAPPED/32"

# 4. SIGHUP with other config entries: they follow the file, the CLI's
# stay.
cp "$cfg_b" "$cfg"
kill -HUP "$FG_DAEMON_PID"
if fg_log_wait 'msg="reloaded"' 10; then
	ok "SIGHUP: floodgated reloaded"
else
	not_ok "SIGHUP: floodgated reloaded" "$(tail -n 5 "$FG_DAEMON_LOG")"
fi
if has_entry allow "$FLOODER/32" cli && has_entry deny "$DENIED/32" cli && has_entry deny "$DENIED6" cli; then
	ok "after the reload the CLI's entries are still listed"
else
	not_ok "after the reload the CLI's entries are still listed" "$(fg_cli allow list; fg_cli deny list)"
fi
if has_entry deny "$CFG_DENY_B/32" config && lacks_entry deny "$CFG_DENY_A/32" &&
	has_entry allow "$CFG_ALLOW_B/32" config && lacks_entry allow "$CFG_ALLOW_A/32"; then
	ok "after the reload the config's entries follow the file"
else
	not_ok "after the reload the config's entries follow the file" "$(fg_cli allow list; fg_cli deny list)"
fi
snap reload
send "$DENIED" 100
send "$CFG_DENY_B" 100
send "$CFG_DENY_A" 50
check_eq "after the reload: CLI deny and new config deny drop (deny_list)" "$(since reload drop deny_list)" 200
check_eq "after the reload: the old config deny no longer applies" "$(fg_src_stat "$CFG_DENY_A" passed)" 50

# 5. del.
check "floodgate allow del $FLOODER/32: the allow list no longer shows it" del allow "$FLOODER/32"
snap del
send "$FLOODER" 3000
if [ "$(since del drop rate_packets)" -gt 1000 ] && [ "$(since del pass allow_list)" -eq 0 ]; then
	ok "the former allowed flooder is limited again ($(since del drop rate_packets) dropped)"
else
	not_ok "the former allowed flooder is limited again" "$(fg_stats_show --since "$FG_TMP/s.del.json")"
fi
check "floodgate deny del $DENIED/32: gone from the list" del deny "$DENIED/32"
snap undeny
send "$DENIED" 50
check_eq "the former denied source passes (50 of 50, under_limit)" "$(fg_src_stat "$DENIED" passed)" 50
out=$(fg_cli deny del "$DENIED/32" 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && [[ $out == *"not on the deny list"* ]]; then
	ok "deleting it again fails (exit 1: not on the deny list)"
else
	not_ok "deleting it again fails (exit 1: not on the deny list)" "exit $rc: $out"
fi

# 6. Two writers at once, while SIGHUPs alternate two configs: writer 1
# denies 2001:db8:c1::i, writer 2 allows 2001:db8:c2::i (i = 1..N, then
# removes the odd i). Config C names those very prefixes (so its sync
# writes where the CLIs write) and 1000 more; config D 1000 others.
N=134 # 134 adds + 67 removals: 201 operations a writer
cfg_c=$FG_TMP/lists-c.yaml cfg_d=$FG_TMP/lists-d.yaml
python3 - "$cfg_c" "$cfg_d" "$N" "$FG_IF_SERVER" "$RATE" "$BURST" <<'PY'
import sys
c, d, n, iface, rate, burst = sys.argv[1], sys.argv[2], int(sys.argv[3]), *sys.argv[4:]
head = f'interfaces: [{iface}]\nmetrics: {{listen: ""}}\nlimits: {{packets: {rate}/s, burst_packets: {burst}}}\nlists:\n'
with open(c, "w") as f:
    f.write(head + "  allow:\n")
    f.writelines(f"    - 2001:db8:c2::{i:x}/128\n" for i in range(1, n + 1))
    f.write("  deny:\n")
    f.writelines(f"    - 2001:db8:c1::{i:x}/128\n" for i in range(1, n + 1))
    f.writelines(f"    - 2001:db8:a::{i:x}/128\n" for i in range(1, 1001))
with open(d, "w") as f:
    f.write(head + "  deny:\n")
    f.writelines(f"    - 2001:db8:b::{i:x}/128\n" for i in range(1, 1001))
PY
# writer LIST NET: the operations, in the server namespace; prints how
# many failed.
writer() {
	# shellcheck disable=SC2016 # the script's own variables, expanded there
	lab_bg "$FG_NS_SERVER" "$FG_TMP/writer.$1.log" bash -c '
		cli=$1 pins=$2 list=$3 net=$4 n=$5 failed=0
		for i in $(seq 1 "$n"); do
			timeout 30 "$cli" --pin-dir "$pins" "$list" add "$net::$(printf %x "$i")/128" >/dev/null || failed=$((failed + 1))
		done
		for i in $(seq 1 2 "$n"); do
			timeout 30 "$cli" --pin-dir "$pins" "$list" del "$net::$(printf %x "$i")/128" >/dev/null || failed=$((failed + 1))
		done
		echo "failed=$failed"' writer "$FG_CLI" "$FG_PIN_DIR" "$1" "$2" "$N"
}
reloads_before=$(fg_log_count 'msg="reloaded"')
fails_before=$(fg_log_count 'msg="reload failed')
writer deny 2001:db8:c1
w1=$LAB_BG_PID
writer allow 2001:db8:c2
w2=$LAB_BG_PID
# SIGHUPs while either writes (bounded: 600 rounds of 0.1 s at most)
for ((round = 0; round < 600; round++)); do
	kill -0 "$w1" 2>/dev/null || kill -0 "$w2" 2>/dev/null || break
	if ((round % 2)); then cp "$cfg_d" "$cfg.new"; else cp "$cfg_c" "$cfg.new"; fi
	mv "$cfg.new" "$cfg"
	kill -HUP "$FG_DAEMON_PID"
	sleep 0.1
done
fg_wait_pid "$w1" 60
fg_wait_pid "$w2" 60
during=$(($(fg_log_count 'msg="reloaded"') - reloads_before))
diag "writers: $(cat "$FG_TMP/writer.deny.log") $(cat "$FG_TMP/writer.allow.log"); $during reloads while they wrote ($round SIGHUPs)"
check_str "writer 1: all 201 operations succeeded" "$(cat "$FG_TMP/writer.deny.log")" failed=0
check_str "writer 2: all 201 operations succeeded" "$(cat "$FG_TMP/writer.allow.log")" failed=0
check_ge "reloads ran while they wrote" "$during" 5
check_eq "no reload failed" "$(($(fg_log_count 'msg="reload failed') - fails_before))" 0
# The last reload, once the writers are done: config D.
cp "$cfg_d" "$cfg"
check "floodgate reload (config D)" fg_cli reload
# entries LIST ORIGIN PREFIX: the sorted CIDRs of LIST with ORIGIN that
# start with PREFIX, one a line.
entries() {
	fg_cli --json "$1" list | python3 -c '
import json, sys
print("\n".join(sorted(e["cidr"] for e in json.load(sys.stdin)
                       if e["origin"] == sys.argv[1] and e["cidr"].startswith(sys.argv[2]))))' "$2" "$3"
}
want() { for ((i = 2; i <= N; i += 2)); do printf '%s::%x/128\n' "$1" "$i"; done | sort; }
if [ "$(entries deny cli 2001:db8:c1:)" = "$(want 2001:db8:c1)" ] &&
	[ "$(entries allow cli 2001:db8:c2:)" = "$(want 2001:db8:c2)" ]; then
	ok "the CLI-owned entries are exactly the writers' (67 + 67)"
else
	not_ok "the CLI-owned entries are exactly the writers' (67 + 67)" \
		"$(diff <(entries deny cli 2001:db8:c1:; entries allow cli 2001:db8:c2:) <(want 2001:db8:c1; want 2001:db8:c2) | head -n 10)"
fi
# Each read must succeed: an empty answer is "none left" only then.
config_c=$(entries deny config 2001:db8:c1: && entries allow config 2001:db8:c2: &&
	entries deny config 2001:db8:a:)
c_rc=$?
config_d=$(entries deny config 2001:db8:b: | wc -l)
if [ "$c_rc" = 0 ] && [ -z "$config_c" ] && [ "$config_d" -eq 1000 ]; then
	ok "the config's entries are exactly config D's 1000"
else
	not_ok "the config's entries are exactly config D's 1000" "D: $config_d; left from C: $(head -n 5 <<<"$config_c")"
fi

fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
