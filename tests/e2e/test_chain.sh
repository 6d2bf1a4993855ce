#!/usr/bin/env bash
# DESIGN §10 (sharing the XDP hook). The chain slot: a second XDP program
# (tests/progs/chain_next.bpf.c, counting what it gets per source) put in
# floodgate's slot with `floodgate next set` sees exactly what floodgate
# passed during a flood above the limit plus a polite client, and none of
# what it dropped; the count matches floodgate_chain_packets_total and
# the pass counters; a restarted daemon keeps the slot; `next clear`
# stops the hand-off; `floodgate detach` removes the pin. Then
# xdp_mode: multiprog, on whichever path this machine allows (libxdp's
# dispatcher, or floodgate alone when the dispatcher cannot load): the
# state `floodgate status` shows matches what happened, in one log line.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

RATE=500 # packets/s
BURST=50
POLITE_PPS=200
SECS=2
FLOOD_PPS=5000
PORT=9
FLOOD_SRC=203.0.113.7

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk curl
fg_require_bins floodgated floodgate fg-loadgen
CHAIN_OBJ=$FG_BUILD/tests/chain_next.bpf.o
[ -s "$CHAIN_OBJ" ] || tap_skip_all "no $CHAIN_OBJ (make tests)"

tap_plan 25

# The chained program's pins, in a bpffs directory of this test's own.
CHAIN_DIR=/sys/fs/bpf/fg-chain-$FG_SUFFIX
lab_on_exit "rm -rf '$CHAIN_DIR'"

lab_setup || tap_bail "could not build the lab"
PORT_M=$(lab_free_port "$FG_NS_SERVER")
# The test's flows have a rule of their own: its counter is what
# floodgate passed of them, apart from anything else that reaches XDP.
cfg=$(fg_config "limits: {packets: $RATE/s, burst_packets: $BURST}" \
	"rules: [{name: lab, protocol: udp, ports: [$PORT], packets: $RATE/s, burst_packets: $BURST}]")
# fg_config turns metrics off; this test reads the chain counter there.
sed -i "s|^metrics: .*|metrics: {listen: \"127.0.0.1:$PORT_M\"}|" "$cfg"
if fg_daemon_start "$cfg"; then
	ok "floodgated attached to $FG_IF_SERVER (limit $RATE/s, burst $BURST)"
else
	not_ok "floodgated attached to $FG_IF_SERVER"
	tap_bail "no datapath"
fi

mkdir -p "$CHAIN_DIR"
if bpftool prog load "$CHAIN_OBJ" "$CHAIN_DIR/prog" type xdp pinmaps "$CHAIN_DIR"; then
	ok "the second XDP program loaded and pinned ($CHAIN_DIR/prog)"
else
	not_ok "the second XDP program loaded and pinned"
	tap_bail "no chained program"
fi
CHAIN_ID=$(bpftool -j prog show pinned "$CHAIN_DIR/prog" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

# chain_counts KEY...: what the chained program counted, one number per
# KEY on one line: "total", "other" (not IPv4) or an IPv4 source.
chain_counts() {
	python3 - "$CHAIN_DIR" "$@" <<'PY'
import json, socket, subprocess, sys
d = sys.argv[1]
def dump(m):
    out = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", d + "/" + m],
                         capture_output=True, text=True, timeout=30, check=True)
    # With BTF, bpftool gives each entry's typed form under "formatted".
    return {e["formatted"]["key"]: e["formatted"]["value"] for e in json.loads(out.stdout)}
total, sources = dump("chain_total"), dump("chain_sources")
out = []
for what in sys.argv[2:]:
    if what in ("total", "other"):
        out.append(total.get({"total": 0, "other": 1}[what], 0))
    else:
        out.append(sources.get(int.from_bytes(socket.inet_aton(what), "little"), 0))
print(" ".join(map(str, out)))
PY
}

# status_field EXPR: a field of `floodgate --json status` (python EXPR on s).
status_field() {
	fg_cli --json status | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}

# handed: floodgate_chain_packets_total as /metrics serves it.
handed() { fg_metrics "127.0.0.1:$PORT_M" | fg_metric_value floodgate_chain_packets_total; }
lab_passed() {
	fg_metrics "127.0.0.1:$PORT_M" |
		fg_metric_value 'floodgate_rule_packets_total{rule="lab",action="pass"}'
}

# --- refusals: what is not an XDP program -----------------------------------
out=$(fg_cli next set "$FG_PIN_DIR/fg_stats" 2>&1)
rc=$?
if [ "$rc" = 1 ] && [[ $out == *"is a map, not a program"* ]]; then
	ok "next set on a map pin: exit 1, says it is a map"
else
	not_ok "next set on a map pin refused" "rc $rc: $out"
fi
out=$(fg_cli next set "$CHAIN_DIR/nothing" 2>&1)
rc=$?
if [ "$rc" = 1 ] && [[ $out == *"expected a pinned XDP program"* ]]; then
	ok "next set on a missing pin: exit 1, says what it expected"
else
	not_ok "next set on a missing pin refused" "rc $rc: $out"
fi

# --- the hand-off during a flood ----------------------------------------------
if fg_cli next set "$CHAIN_DIR/prog" >/dev/null; then
	ok "floodgate next set $CHAIN_DIR/prog"
else
	not_ok "floodgate next set $CHAIN_DIR/prog"
fi
check_str "status shows the chained program's id, hand-off on" \
	"$(status_field '"%s %s" % (s["chain"]["prog_id"], s["chain"]["active"])')" "$CHAIN_ID True"

line=$(fg_cli status | grep '^chain:')
check_str "status (text) names the slot's program" "${line%%,*}" "chain:     prog id $CHAIN_ID (chain_next)"

base=$FG_TMP/stats.json
fg_stats_snapshot "$base"
read -r total0 < <(chain_counts total)
handed0=$(handed)
lab0=$(lab_passed)
pj=$FG_TMP/polite.json fj=$FG_TMP/flood.json
lab_bg "$FG_NS_CLIENT" "$pj" timeout $((SECS + 30)) "$FG_LOADGEN" --dst "$FG_SERVER4" \
	--port "$PORT" --src "$FG_CLIENT4" --rate "$POLITE_PPS" --count $((POLITE_PPS * SECS)) \
	--duration $((SECS + 5)) --json
pid_p=$LAB_BG_PID
lab_bg "$FG_NS_CLIENT" "$fj" timeout $((SECS + 30)) "$FG_LOADGEN" --dst "$FG_SERVER4" \
	--port "$PORT" --src "$FLOOD_SRC" --rate "$FLOOD_PPS" --duration "$SECS" --json
pid_f=$LAB_BG_PID
fg_wait_pid "$pid_p" $((SECS + 35)) || diag "polite fg-loadgen: $(cat "$pj")"
fg_wait_pid "$pid_f" $((SECS + 35)) || diag "flood fg-loadgen: $(cat "$fj")"
read -r _ psent < <(fg_loadgen_span "$pj")
read -r _ fsent < <(fg_loadgen_span "$fj")

passed=$(fg_stat --since "$base" --rule lab pass '*')
dropped=$(fg_stat --since "$base" --rule lab drop '*')
rdrop=$(fg_stat --since "$base" --rule lab drop rate_packets)
read -r seen seen_flood seen_polite < <(chain_counts total "$FLOOD_SRC" "$FG_CLIENT4")
seen=$((seen - total0))
handed_run=$(($(handed) - handed0))
lab_run=$(($(lab_passed) - lab0))
diag "polite $FG_CLIENT4 sent $psent, flood $FLOOD_SRC sent $fsent; floodgate passed $passed, dropped $dropped ($rdrop rate_packets)"
diag "chained program saw $seen ($seen_polite polite, $seen_flood flood); floodgate_chain_packets_total +$handed_run"
check_ge "the flood went over the limit (some dropped)" "$rdrop" 1
check_eq "the chained program saw exactly what floodgate passed of the test's flows" \
	"$((seen_polite + seen_flood))" "$lab_run"
check_eq "floodgate_chain_packets_total counted what the chained program saw" "$handed_run" "$seen"
check_eq "it saw every polite packet" "$seen_polite" "$psent"
check_eq "it saw the flood's passes and none of its drops (seen + dropped = sent)" \
	"$((seen_flood + rdrop))" "$fsent"

# --- a restarted daemon keeps the slot ------------------------------------------
fg_daemon_stop "$FG_DAEMON_PID"
if fg_daemon_start "$cfg" && fg_log_wait 'msg="chain slot adopted"' 5; then
	ok "a restarted daemon adopted the slot (logged)"
else
	not_ok "a restarted daemon adopted the slot" "$(tail -n 5 "$FG_DAEMON_LOG")"
fi
check_str "status after the restart: same program, hand-off on" \
	"$(status_field '"%s %s" % (s["chain"]["prog_id"], s["chain"]["active"])')" "$CHAIN_ID True"

# --- next clear stops the hand-off ------------------------------------------------
fg_cli next clear >/dev/null
check_str "next clear: the slot is empty, hand-off off" \
	"$(status_field '"%s %s" % (s["chain"]["prog_id"], s["chain"]["active"])')" "None False"
fg_stats_snapshot "$base"
read -r total0 < <(chain_counts total)
handed0=$(handed)
read -r src0 < <(chain_counts 198.51.100.10)
fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PORT" --src 198.51.100.10 \
	--rate 200 --count 100 --duration 5 --json >"$pj"
read -r _ sent < <(fg_loadgen_span "$pj")
check_eq "after next clear floodgate still passes the packets ($sent sent; rule lab)" \
	"$(fg_stat --since "$base" --rule lab pass under_limit)" "$sent"
read -r total1 src1 < <(chain_counts total 198.51.100.10)
check_str "the chained program got none of them, nor anything else (theirs, all)" \
	"$((src1 - src0)) $((total1 - total0))" "0 0"
check_eq "floodgate_chain_packets_total did not move" "$(($(handed) - handed0))" 0

# --- detach removes the pin ---------------------------------------------------------
fg_cli next set "$CHAIN_DIR/prog" >/dev/null
fg_daemon_stop "$FG_DAEMON_PID"
fg_cli detach >/dev/null
if [ ! -e "$FG_PIN_DIR/next" ] && [ ! -e "$FG_PIN_DIR" ]; then
	ok "floodgate detach removed the chain slot's pin with the others"
else
	not_ok "floodgate detach removed the chain slot's pin" "$(ls "$FG_PIN_DIR" 2>&1)"
fi

# --- xdp_mode: multiprog ---------------------------------------------------------------
if FG_XDP_MODE=multiprog fg_daemon_start "$cfg"; then
	ok "floodgated --xdp-mode multiprog attached"
else
	not_ok "floodgated --xdp-mode multiprog attached"
	tap_bail "no datapath in multiprog mode"
fi
state=$(status_field 's["multiprog"]')
fallback_lines=$(fg_log_count 'msg="libxdp dispatcher unavailable')
warn_lines=$(fg_log_count 'level=warn')
mode=$(status_field '" ".join(i["mode"] for i in s["interfaces"])')
progs=$(bpftool -j net show dev "$FG_IF_SERVER" 2>/dev/null || lab_exec "$FG_NS_SERVER" bpftool -j net show dev "$FG_IF_SERVER")
if [ "$fallback_lines" -gt 0 ]; then
	diag "this machine took the fallback: $(grep -F 'libxdp dispatcher unavailable' "$FG_DAEMON_LOG")"
	check_str "status says multiprog fallback" "$state" fallback
	check_str "one log line said so, and no other warning (libxdp and libbpf quiet)" \
		"$fallback_lines $warn_lines" "1 1"
	check_str "floodgate runs alone on its own link, native" "$mode" native
else
	diag "this machine took libxdp's dispatcher: $progs"
	check_str "status says multiprog dispatcher" "$state" dispatcher
	check_str "no fallback line, no warning" "$fallback_lines $warn_lines" "0 0"
	check "the interface runs libxdp's dispatcher" grep -q xdp_dispatcher <<<"$progs"
fi
fg_stats_snapshot "$base"
fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PORT" --src "$FLOOD_SRC" \
	--count $((BURST * 3)) --duration 5 --json >"$pj"
read -r T sent < <(fg_loadgen_span "$pj")
mp_pass=$(fg_stat --since "$base" --rule lab pass under_limit)
mp_drop=$(fg_stat --since "$base" --rule lab drop rate_packets)
# The burst, plus what the rate refilled while the packets went out: T,
# and up to two ticks more of the datapath's coarse clock (4 ms at HZ=250).
if [ "$((mp_pass + mp_drop))" = "$sent" ] && [ "$mp_pass" -ge "$BURST" ] &&
	_fg_cmp "$mp_pass" '<=' "$(calc "$BURST + $RATE * ($T + 0.008) + 1")"; then
	ok "in multiprog mode floodgate still limits: $mp_pass of $sent passed in ${T}s, $mp_drop dropped"
else
	not_ok "in multiprog mode floodgate still limits" "sent $sent in ${T}s: passed $mp_pass, dropped $mp_drop"
fi
fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
