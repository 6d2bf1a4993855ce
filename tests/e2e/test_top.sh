#!/usr/bin/env bash
# DESIGN §5, issue 10 item 9: `floodgate top --watch` as a terminal view,
# driven through tmux (its own server socket, killed at exit). A flood
# from one source over its limit and a quiet source under it:
#   - the view starts in an 80x24 pane, the flooder on top with a drop
#     rate, the quiet source below it without one;
#   - the pane resized to 160x40: the view redraws at the new width (the
#     header's last field, cut at 80 columns, now shows) and the flooder's
#     state reads "limited";
#   - between two captures the flooder's cumulative drops grow and the
#     header's overall rates are there;
#   - `q` quits with exit status 0 and the terminal is given back;
#   - not a terminal: plain repeated blocks without escape sequences, and
#     with --json one JSON document a line; SIGTERM ends it with 0.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

RATE=200
BURST=20
FLOOD_PPS=4000
QUIET_PPS=40
SRC=203.0.113.30
QUIET=203.0.113.31
PORT=9

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk tmux
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 14

lab_setup || tap_bail "could not build the lab"
cfg=$(fg_config "limits: {packets: $RATE/s, burst_packets: $BURST}")
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

SOCK=fg-top-$FG_SUFFIX
tm() { timeout 10 tmux -L "$SOCK" "$@"; }
lab_on_exit "tmux -L $SOCK kill-server"
RC_FILE=$FG_TMP/top.rc

lab_bg "$FG_NS_CLIENT" "$FG_TMP/flood.log" "$FG_LOADGEN" --dst "$FG_SERVER4" --port "$PORT" \
	--src "$SRC" --rate "$FLOOD_PPS" --duration 20
FLOOD_PID=$LAB_BG_PID
lab_bg "$FG_NS_CLIENT" "$FG_TMP/quiet.log" "$FG_LOADGEN" --dst "$FG_SERVER4" --port "$PORT" \
	--src "$QUIET" --rate "$QUIET_PPS" --duration 20
QUIET_PID=$LAB_BG_PID

# The view in a detached 80x24 session; its exit status goes to RC_FILE.
# (The CLI runs in the server's network namespace only, as fg_cli does.)
tm new-session -d -s top -x 80 -y 24 \
	"nsenter --net=/var/run/netns/$FG_NS_SERVER $FG_CLI --pin-dir $FG_PIN_DIR top --watch --interval 1s; echo \$? >$RC_FILE" ||
	tap_bail "tmux did not start"
# tmux >= 3.3 keeps the session's size from new-session -x/-y only with
# window-size manual; say so once for both sizes used here.
tm set-option -t top window-size manual >/dev/null

capture() { tm capture-pane -p -t top; }
# row_of TEXT ADDR: the view's line for ADDR, as "ADDR PASS DROP PASSED DROPPED [STATE]".
row_of() { awk -v a="$2" '$1 == a { print; exit }' <<<"$1"; }
# first_source TEXT: the first line under the column header.
first_source() { awk 'f && NF { print $1; exit } $1 == "SOURCE" { f = 1 }' <<<"$1"; }
has_drop_rate() {
	local text row
	text=$(capture) || return 1
	row=$(row_of "$text" "$SRC")
	[ -n "$row" ] && awk '{ exit !($3 > 0) }' <<<"$row"
}

# 1. The flooder on top, with a drop rate, in the 80-column view.
if fg_wait_until 10 has_drop_rate; then
	ok "the view shows $SRC with a drop rate within 10 s"
else
	not_ok "the view shows $SRC with a drop rate within 10 s" "$(capture)"
fi
text=$(capture)
diag "$text"
check_str "the flooder is the first source (sorted by drop rate)" "$(first_source "$text")" "$SRC"
quiet_row=$(row_of "$text" "$QUIET")
if [ -n "$quiet_row" ] && awk '{ exit !($3 == 0 && $2 > 0) }' <<<"$quiet_row"; then
	ok "the quiet source is listed, passing, with no drop rate ($quiet_row)"
else
	not_ok "the quiet source is listed, passing, with no drop rate" "row: '$quiet_row'"
fi
if grep -q 'fleet-blocked' <<<"$text"; then
	not_ok "the 80-column header is cut before its last field" "$text"
else
	ok "the 80-column header is cut before its last field"
fi

# 2. Resized: redrawn at the new width.
tm resize-window -t top -x 160 -y 40 >/dev/null
sleep 1.5
text=$(capture)
if grep -q 'blocked, 0 fleet-blocked' <<<"$text"; then
	ok "after a resize to 160x40 the header shows in full"
else
	not_ok "after a resize to 160x40 the header shows in full" "$text"
fi
row=$(row_of "$text" "$SRC")
check_str "the flooder's state reads limited" "$(awk '{ print $6 }' <<<"$row")" limited
drop_rate=$(awk '{ print $3 }' <<<"$row")
# The flood runs at FLOOD_PPS against RATE: what drops is the difference,
# counted per source 16 at a time (one drop in 16 sampled).
check_near "the flooder's drop rate is about $((FLOOD_PPS - RATE))/s" "$drop_rate" $((FLOOD_PPS - RATE)) 40
pass_rate=$(awk '{ print $2 }' <<<"$row")
check_near "the flooder's pass rate is about its limit, $RATE/s" "$pass_rate" "$RATE" 40

# 3. The figures move between two captures.
dropped1=$(awk '{ print $5 }' <<<"$row")
sleep 2.2
text2=$(capture)
row2=$(row_of "$text2" "$SRC")
dropped2=$(awk '{ print $5 }' <<<"$row2")
diag "dropped (cumulative, sampled): $dropped1 then $dropped2"
check_gt "the flooder's cumulative drops grew between two captures" "${dropped2:-0}" "${dropped1:-0}"
hdr=$(grep -o 'passed [0-9]*/s, dropped [0-9]*/s' <<<"$text2")
diag "header: $hdr"
hdr_drop=$(sed -n 's/.*dropped \([0-9]*\)\/s.*/\1/p' <<<"$hdr")
check_ge "the header's overall drop rate covers the flooder's" "${hdr_drop:-0}" "$(calc "$drop_rate * 0.5")"

# 4. q quits with 0, the session ends.
tm send-keys -t top q
if fg_wait_until 5 test -s "$RC_FILE"; then
	check_str "q: top --watch exits 0" "$(cat "$RC_FILE")" 0
else
	not_ok "q: top --watch exits 0" "no exit within 5 s; $(capture)"
fi
if fg_wait_until 5 bash -c "! tmux -L $SOCK has-session -t top 2>/dev/null"; then
	ok "the tmux session ended with the view"
else
	not_ok "the tmux session ended with the view"
fi

# 5. Not a terminal: plain blocks, then JSON lines; SIGTERM ends both.
lab_exec "$FG_NS_SERVER" timeout --preserve-status -s TERM 1.5 "$FG_CLI" --pin-dir "$FG_PIN_DIR" \
	top --watch --interval 300ms >"$FG_TMP/plain.out" 2>&1
rc=$?
blocks=$(grep -c '^SOURCE' "$FG_TMP/plain.out")
esc=$(grep -c $'\033' "$FG_TMP/plain.out")
if [ "$rc" -eq 0 ] && [ "$blocks" -ge 3 ] && [ "$esc" -eq 0 ]; then
	ok "not a terminal: $blocks plain blocks, no escape sequences, exit 0 on SIGTERM"
else
	not_ok "not a terminal: plain blocks, no escapes, exit 0" "rc $rc blocks $blocks escapes $esc" "$(head -n 8 "$FG_TMP/plain.out")"
fi
lab_exec "$FG_NS_SERVER" timeout --preserve-status -s TERM 1.5 "$FG_CLI" --pin-dir "$FG_PIN_DIR" --json \
	top --watch --interval 300ms >"$FG_TMP/json.out" 2>&1
if python3 - "$FG_TMP/json.out" "$SRC" <<'PY'; then
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(lines) >= 3, "%d lines" % len(lines)
last = lines[-1]
top = last["sources"][0]
assert top["source"] == sys.argv[2] and top["drop_pps"] > 0 and top["state"] == "limited", top
PY
	ok "--json --watch: one JSON document a line, the flooder first and limited"
else
	not_ok "--json --watch: one JSON document a line" "$(head -c 600 "$FG_TMP/json.out")"
fi

fg_kill "$FLOOD_PID"
fg_kill "$QUIET_PID"
