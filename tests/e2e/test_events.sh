#!/usr/bin/env bash
# The event log and interface globs (issue 10, items 4 and 5):
#   - `interfaces:` may hold globs: every present interface a glob
#     matches is attached at start (reason=glob), one created later is
#     attached when it appears, one that does not match is left alone,
#     one that vanishes is let go (its link pin removed), and a reload
#     that drops the glob detaches what it had matched;
#   - a reload logs one line saying what changed: rules added, removed
#     and changed (by name), list entries added and removed;
#   - sources entering the penalty box are summarised at most once a
#     second (count and the newest few), never one line per source, and
#     their addresses are cut to log.source_prefix.
# Glob matches are veth pairs inside the server namespace; their peers'
# names match nothing.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

GLOB="gy${FG_SUFFIX}*"
EARLY=gy${FG_SUFFIX}a # exists before the daemon starts
LATE=gy${FG_SUFFIX}b  # created while it runs
OTHER=gz${FG_SUFFIX}c # matches no entry
PEN_PORT=7100
FLOOD_NET=198.51.100.0/24
FLOOD_SOURCES=20

fg_require_root
fg_require_cmds ip nsenter awk grep
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 20

lab_setup || tap_bail "could not build the lab"
# dummy NAME: a veth pair inside the server namespace, peer "q" + NAME.
dummy() {
	ip -n "$FG_NS_SERVER" link add "$1" type veth peer name "q$1" &&
		ip -n "$FG_NS_SERVER" link set "$1" up
}
has_xdp() { ip -n "$FG_NS_SERVER" link show dev "$1" 2>/dev/null | grep -q 'prog/xdp'; }
dummy "$EARLY" || tap_bail "could not create $EARLY"

cfg=$FG_TMP/events.yaml
# write_cfg INTERFACES PEN_RATE EXTRA_RULE DENY...: the test's config.
write_cfg() {
	local ifaces=$1 rate=$2 extra=$3
	shift 3
	cat >"$cfg" <<EOF
interfaces: [$ifaces]
xdp_mode: auto
metrics: {listen: ""}
log: {source_prefix: {ipv4: 24, ipv6: 48}}
limits: {packets: 100000/s, burst_packets: 10000}
rules:
  - name: pen
    protocol: udp
    ports: [$PEN_PORT]
    packets: $rate
    burst_packets: 5
    block: 30s
  - name: $extra
    protocol: udp
    ports: [7101]
    packets: 1000/s
lists:
  deny: [$(
		IFS=,
		echo "$*"
	)]
EOF
}
write_cfg "$FG_IF_SERVER, \"$GLOB\"" 100/s old1 192.0.2.200/32

FG_DAEMON_LOG=$FG_TMP/floodgated.events.log
fg_daemon_bg "$FG_DAEMON_LOG" -c "$cfg" --pin-dir "$FG_PIN_DIR"
if fg_log_wait "msg=\"attached\" iface=$FG_IF_SERVER" "$FG_ATTACH_TIMEOUT"; then
	ok "floodgated started on $FG_IF_SERVER and $GLOB"
else
	not_ok "floodgated started on $FG_IF_SERVER and $GLOB" "$(tail -n 20 "$FG_DAEMON_LOG")"
	tap_bail "no daemon"
fi

# 1. Globs.
# attached_for NAME REASON: the daemon logged NAME attached, for REASON.
attached_for() { grep -F "msg=\"attached\" iface=$1 " "$FG_DAEMON_LOG" | grep -qF "reason=$2"; }
if fg_wait_until 5 attached_for "$EARLY" glob && has_xdp "$EARLY"; then
	ok "$EARLY, present at start, attached through the glob ($(grep -F "iface=$EARLY" "$FG_DAEMON_LOG" | head -n 1))"
else
	not_ok "$EARLY attached through the glob" "$(tail -n 10 "$FG_DAEMON_LOG")"
fi
dummy "$LATE" || diag "could not create $LATE"
dummy "$OTHER" || diag "could not create $OTHER"
if fg_wait_until 10 attached_for "$LATE" link-appeared && has_xdp "$LATE"; then
	ok "$LATE, created later, attached when it appeared"
else
	not_ok "$LATE attached when it appeared" "$(tail -n 10 "$FG_DAEMON_LOG")"
fi
status=$(fg_cli status)
if grep -qF "$LATE" <<<"$status" && grep -qF "$EARLY" <<<"$status"; then
	ok "floodgate status lists both glob matches"
else
	not_ok "floodgate status lists both glob matches" "$status"
fi
# OTHER's RTM_NEWLINK came after LATE's: once LATE is attached, the
# daemon has read it too.
if ! has_xdp "$OTHER" && [ "$(fg_log_count "iface=$OTHER")" -eq 0 ]; then
	ok "$OTHER, which no entry matches, is left alone"
else
	not_ok "$OTHER is left alone" "$(grep -F "$OTHER" "$FG_DAEMON_LOG")"
fi
ip -n "$FG_NS_SERVER" link del "$LATE"
if fg_log_wait "msg=\"interface removed; no longer attached\" iface=$LATE" 10; then
	ok "$LATE vanished: logged and let go"
else
	not_ok "$LATE vanished: logged and let go" "$(tail -n 10 "$FG_DAEMON_LOG")"
fi
if [ ! -e "$FG_PIN_DIR/link_$LATE" ] && [ -e "$FG_PIN_DIR/link_$EARLY" ]; then
	ok "its link pin is gone, $EARLY's stays"
else
	not_ok "its link pin is gone, $EARLY's stays" "$(ls "$FG_PIN_DIR")"
fi

# 2. The penalty box's summary line, addresses cut to /24.
fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PEN_PORT" --src-range "$FLOOD_NET" \
	--sources "$FLOOD_SOURCES" --count $((FLOOD_SOURCES * 50)) --duration 10 >/dev/null ||
	diag "fg-loadgen failed"
if fg_log_wait 'msg="penalty box entries"' 5; then
	ok "the box's entries were logged ($(grep -F 'msg="penalty box entries"' "$FG_DAEMON_LOG" | head -n 1))"
else
	not_ok "the box's entries were logged" "$(tail -n 10 "$FG_DAEMON_LOG")"
fi
sleep 1.5 # the next summary, if the flood spanned two seconds
lines=$(fg_log_count 'msg="penalty box entries"')
total=$(grep -F 'msg="penalty box entries"' "$FG_DAEMON_LOG" | sed -n 's/.* count=\([0-9]*\) .*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
check_eq "the lines' counts add up to the $FLOOD_SOURCES sources boxed" "$total" "$FLOOD_SOURCES"
check_le "at most one line a second, not one per source ($lines lines)" "$lines" 3
newest=$(grep -F 'msg="penalty box entries"' "$FG_DAEMON_LOG" | head -n 1 | sed -n 's/.* newest=//p')
if [ "$newest" = '"198.51.100.0/24@pen"' ] && ! grep -Eq '198\.51\.100\.[1-9][0-9]*' <<<"$newest"; then
	ok "the newest sources are cut to /24 (log.source_prefix), shown once: $newest"
else
	not_ok "the newest sources are cut to /24 (log.source_prefix)" "newest=$newest"
fi

# 3. A reload's one line: pen changed, old1 removed, new1 added, one deny
# entry removed and two added. The glob is dropped too.
write_cfg "$FG_IF_SERVER" 200/s new1 192.0.2.201/32 192.0.2.202/32
fg_cli reload >/dev/null || diag "floodgate reload failed"
if fg_log_wait 'msg="reloaded"' 10; then
	line=$(grep -F 'msg="reloaded"' "$FG_DAEMON_LOG" | tail -n 1)
	ok "reloaded: $line"
else
	line=""
	not_ok "reloaded" "$(tail -n 10 "$FG_DAEMON_LOG")"
fi
field() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$line"; }
check_str "rules added: new1" "$(field rules_added) $(field added)" '1 "new1"'
check_str "rules removed: old1" "$(field rules_removed) $(field removed)" '1 "old1"'
check_str "rules changed: pen" "$(field rules_changed) $(field changed)" '1 "pen"'
check_str "list entries: +2 -1" "+$(field list_entries_added) -$(field list_entries_removed)" "+2 -1"
if fg_log_wait "msg=\"detached\" iface=$EARLY" 5 && ! has_xdp "$EARLY" && has_xdp "$FG_IF_SERVER"; then
	ok "the glob dropped by the reload: $EARLY detached, $FG_IF_SERVER kept"
else
	not_ok "the glob dropped by the reload: $EARLY detached" "$(tail -n 10 "$FG_DAEMON_LOG")"
fi

# 4. Under systemd (JOURNAL_STREAM names stderr), lines go to the journal
# with their keys as fields. A stand-in journald socket in a private /run
# records them; the daemon adopts the pinned state and attaches again.
fg_daemon_stop || diag "floodgated did not stop cleanly"
entries=$FG_TMP/journal.jsonl
jlog=$FG_TMP/floodgated.journal.log
mapfile -t pre < <(_fg_daemon_prefix)
lab_bg "$FG_NS_SERVER" "$jlog" unshare --mount --propagation private \
	"$FG_ROOT/tests/e2e/helpers/journal_run.sh" "$entries" \
	"${pre[@]}" "$FG_DAEMON" -c "$cfg" --pin-dir "$FG_PIN_DIR"
jpid=$LAB_BG_PID
# journal_entry FIELD=VALUE...: one recorded entry has all of them.
journal_entry() {
	python3 - "$entries" "$@" <<'PY'
import json, sys
want = dict(a.split("=", 1) for a in sys.argv[2:])
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    if all(e.get(k) == v for k, v in want.items()):
        sys.exit(0)
sys.exit(1)
PY
}
if fg_wait_until 10 journal_entry FG_MSG=attached "IFACE=$FG_IF_SERVER" PRIORITY=6 SYSLOG_IDENTIFIER=floodgated REASON=config; then
	ok "under JOURNAL_STREAM, \"attached\" is a journal entry with IFACE, REASON, PRIORITY fields"
else
	not_ok "under JOURNAL_STREAM, \"attached\" is a journal entry with fields" "$(tail -n 5 "$entries" 2>/dev/null) $(tail -n 5 "$jlog")"
fi
msg=$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("FG_MSG") == "attached": print(e["MESSAGE"]); break' "$entries" 2>/dev/null)
if [[ $msg == "attached iface=$FG_IF_SERVER "* ]] && ! grep -qF 'msg="attached"' "$jlog"; then
	ok "MESSAGE keeps the line ($msg); nothing went to stderr"
else
	not_ok "MESSAGE keeps the line; nothing went to stderr" "MESSAGE=$msg; stderr: $(tail -n 5 "$jlog")"
fi
kill -TERM "$jpid" 2>/dev/null
fg_wait_pid "$jpid" 10
check_eq "the daemon under the journal stopped cleanly" $? 0
