#!/usr/bin/env bash
# DESIGN §8 (fleet-wide limits through Redis), issue 9's "Done when": three
# hosts (server namespaces, each with its own floodgated, pin directory and
# metrics port) and one client namespace with a veth to each, all daemons
# on one real redis-server (unix socket; the namespaces share the file
# system), started and stopped here.
#   1. one source flooding the three hosts evenly at 3x its fleet limit:
#      after the first periods the three together accept the fleet limit
#      (+-15 %), per-second series printed; with the fleet off, ~3x;
#   2. a polite source (half its share on each host) in the same rule, at
#      the same time, loses nothing;
#   3. redis-server killed mid-flood: local limits go on (measured),
#      floodgate_fleet_up 0, fleet blocks expire, daemons run on; redis
#      back on the same socket: fleet_up 1 and fleet blocks again within
#      2 periods (+ slack, see there), time printed;
#   4. a wrong password, an unreachable address, a password file readable
#      by others: one clear log line each (op=auth / op=connect / chmod
#      600), the daemon runs on, errors_total grows; --check on those
#      configs does not connect;
#   5. a host restarted while the fleet blocks a source it never saw
#      applies that block within one period of connecting.
# Tunables: FG_FLEET_SECONDS (the flood of 1, default 7 s).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

FLEET_PPS=300  # the fleet limit of rule `even` (packets/s per source)
SYNC_MS=250    # fleet.sync
FLOOD_S=${FG_FLEET_SECONDS:-7}
SKIP_S=1       # periods before the first sync are not measured
POLITE_PPS=50  # per host: half of FLEET_PPS / 3
LOCAL_PPS=250  # rule `local`: per-host limit, below its flood rate
LOCAL_BURST=25
LOCAL_FLOOD_PPS=400
LATE_PPS=5     # rule `late`: a small fleet limit, long blocks
PORT_EVEN=9000 PORT_LOCAL=9001 PORT_LATE=9002
FLOOD=203.0.113.7 POLITE=198.51.100.7 FLOOD_LOCAL=203.0.113.8 LATE=203.0.113.9
NAME=t$FG_SUFFIX # the fleet's name (key prefix): this run's own
HOSTS=(1 2 3)

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk curl redis-server redis-cli
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 42

# --- the lab: client -- veth -- host k (k = 1..3), 192.0.2.(4k+1)/30 ---------
PID=() LOG=()
lab_hosts "${HOSTS[@]}"

# host K: the floodgate helpers (fg_cli, fg_stat, fg_metrics...) act on
# host K from here on.
host() { fg_use_server "${NS[$1]}" "${IFS_[$1]}" "${PIN[$1]}"; }

# --- redis ----------------------------------------------------------------
RDIR=$FG_TMP/redis
SOCK=$RDIR/redis.sock
REDIS_PID=

# redis_start: the fleet's redis-server (again) on SOCK, REDIS_PID, and
# T_READY: when it first answered.
redis_start() {
	lab_redis_start "$RDIR" || return 1
	REDIS_PID=$LAB_BG_PID T_READY=$EPOCHREALTIME
}

redis_start || tap_bail "redis-server did not start: $(tail -n 5 "$RDIR/redis.log")"

# --- configs and daemons ---------------------------------------------------

# write_cfg K REDIS_URL [FLEET_EXTRA]: host K's config. Rules:
#   even:  fleet PACKETS FLEET_PPS, local limit far above any flood here;
#   local: fleet FLEET_PPS, local LOCAL_PPS per host;
#   late:  fleet LATE_PPS (its blocks outlast a daemon restart).
write_cfg() {
	local k=$1 url=$2 extra=${3:-}
	cat >"${CFG[k]}.tmp" <<EOF
interfaces: [${IFS_[k]}]
metrics: {listen: "127.0.0.1:${MPORTS[k]}"}
limits: {packets: 100000/s, burst_packets: 10000}
fleet: {redis: "$url", name: $NAME, host: h$k, sync: ${SYNC_MS}ms$extra}
rules:
  - {name: even, protocol: udp, ports: [$PORT_EVEN], packets: 10000/s, burst_packets: 1000, fleet: {packets: $FLEET_PPS/s}}
  - {name: local, protocol: udp, ports: [$PORT_LOCAL], packets: $LOCAL_PPS/s, burst_packets: $LOCAL_BURST, fleet: {packets: $FLEET_PPS/s}}
  - {name: late, protocol: udp, ports: [$PORT_LATE], packets: 10000/s, burst_packets: 1000, fleet: {packets: $LATE_PPS/s}}
EOF
	mv -f "${CFG[k]}.tmp" "${CFG[k]}"
}

# start_host K: floodgated on host K (with -v: fleet debug lines), and a
# reader that stamps each line of its log with the time it is written
# (LOG[K].ts): the log has no times, and polling the maps from here is too
# coarse on a busy machine (each CLI call takes 0.1 s or more).
start_host() {
	host "$1"
	fg_daemon_start "${CFG[$1]}" -v || return 1
	PID[$1]=$FG_DAEMON_PID
	LOG[$1]=$FG_DAEMON_LOG
	# shellcheck disable=SC2016 # expanded by that bash
	lab_bg "$FG_NS_CLIENT" "$FG_DAEMON_LOG.ts" bash -c \
		'tail -n +1 -F "$1" 2>/dev/null | while IFS= read -r l; do echo "$EPOCHREALTIME $l"; done' \
		_ "$FG_DAEMON_LOG"
}
# first_after K T PATTERN: the time of host K's first log line after T
# holding PATTERN; empty if none (yet).
first_after() { awk -v t="$2" -v p="$3" '$1 > t && index($0, p) { print $1; exit }' "${LOG[$1]}.ts"; }
# wait_after K T PATTERN SECS: first_after, waiting for it (bounded).
has_after() { [ -n "$(first_after "$@")" ]; }
wait_after() {
	fg_wait_until "$4" has_after "$1" "$2" "$3"
	first_after "$1" "$2" "$3"
}

# reload_host K: SIGHUP, waits (bounded) for the reload to be logged.
reload_host() {
	local n
	n=$(fg_log_count 'msg="reloaded"' "${LOG[$1]}")
	kill -HUP "${PID[$1]}"
	fg_log_wait 'msg="reloaded"' 10 $((n + 1)) "${LOG[$1]}"
}

metric() { (host "$1" && fg_metrics "127.0.0.1:${MPORTS[$1]}" | fg_metric_value "$2"); }
alive() { kill -0 "${PID[$1]}" 2>/dev/null; }
# drops K REASON: host K's packets dropped for REASON (from /metrics: the
# pinned counters without a python start-up per call). Like every reader
# here, it prints nothing and fails when it cannot read, so the check
# reading it fails.
drops() { metric "$1" "floodgate_packets_total{action=\"drop\",reason=\"$2\"}"; }
# drops_all REASON: "d1 d2 d3", one per host.
drops_all() {
	local k d vals=()
	for k in "${HOSTS[@]}"; do
		d=$(drops "$k" "$1") || return 1
		vals+=("$d")
	done
	echo "${vals[*]}"
}
# drops_grew "d1 d2 d3" REASON: how many hosts dropped more since.
drops_grew() {
	local -a before
	local k d n=0
	read -ra before <<<"$1"
	[ "${#before[@]}" = "${#HOSTS[@]}" ] || return 1
	for k in "${HOSTS[@]}"; do
		d=$(drops "$k" "$2") || return 1
		[ "$d" -gt "${before[k - 1]}" ] && n=$((n + 1))
	done
	echo "$n"
}
# drops_delta "d1 d2 d3" REASON: dropped on all hosts together since.
drops_delta() {
	local -a before
	local k d n=0
	read -ra before <<<"$1"
	[ "${#before[@]}" = "${#HOSTS[@]}" ] || return 1
	for k in "${HOSTS[@]}"; do
		d=$(drops "$k" "$2") || return 1
		n=$((n + d - before[k - 1]))
	done
	echo "$n"
}

URL=unix://$SOCK
started=0
for k in "${HOSTS[@]}"; do
	write_cfg "$k" "$URL"
	start_host "$k" && started=$((started + 1))
done
if [ "$started" = 3 ]; then
	ok "three floodgated, one per host, on one redis-server ($URL)"
else
	not_ok "three floodgated, one per host"
	tap_bail "no fleet"
fi
# fleet_up_is V K: host K's floodgate_fleet_up is V.
fleet_up_is() { [ "$(metric "$2" floodgate_fleet_up)" = "$1" ]; }
# fleet_hosts_is N K: host K sees N hosts (floodgate_fleet_hosts).
fleet_hosts_is() { [ "$(metric "$2" floodgate_fleet_hosts)" = "$1" ]; }
# every_host CMD...: CMD ... K succeeds for every host K.
every_host() {
	local k
	for k in "${HOSTS[@]}"; do "$@" "$k" || return 1; done
}
up=0
for k in "${HOSTS[@]}"; do
	fg_wait_until 10 fleet_up_is 1 "$k" && up=$((up + 1))
done
# Each host publishes itself at its own first sync: host 1 may count the
# others a period later.
fg_wait_until 5 fleet_hosts_is 3 1
hosts_seen=$(metric 1 floodgate_fleet_hosts)
if [ "$up" = 3 ] && [ "$hosts_seen" = 3 ]; then
	ok "every host connected (floodgate_fleet_up 1) and sees 3 hosts"
else
	not_ok "every host connected and sees 3 hosts" "up on $up hosts; host 1 sees ${hosts_seen:-?}" \
		"$(tail -n 5 "${LOG[1]}")"
fi

# --- sampling ----------------------------------------------------------------

# sampler CLI OUT SECS PIN...: every second (SECS + 1 samples, from now),
# each host's per-source passed and dropped (`floodgate --json top`), one
# JSON line per sample stamped with CLOCK_MONOTONIC (the clock of
# fg-loadgen's first_ns/last_ns). Run in the background.
SAMPLER=$FG_TMP/sampler.py
cat >"$SAMPLER" <<'PY'
import json, subprocess, sys, time
cli, out, secs, pins = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
t0 = time.monotonic()
with open(out, "w") as f:
    for i in range(secs + 1):
        time.sleep(max(0, t0 + i - time.monotonic()))
        row = {"t": time.monotonic(), "hosts": []}
        for p in pins:
            r = subprocess.run([cli, "--pin-dir", p, "--json", "top", "--by", "packets",
                                "-n", "1000"], capture_output=True, text=True, timeout=10)
            src = {}
            for e in (json.loads(r.stdout) if r.returncode == 0 else []):
                s = src.setdefault(e["source"], [0, 0])
                s[0] += e["passed"]
                s[1] += e["dropped"]
            row["hosts"].append(src)
        f.write(json.dumps(row) + "\n")
        f.flush()
PY

# measure SAMPLES SOURCE SKIP LOADGEN_JSON...: from the samples taken
# between SKIP s after the first packet sent (fg-loadgen's first_ns) and the
# last (last_ns): the per-second series of what each host and all together
# accepted from SOURCE (t from the first packet), then a last line
# "SECONDS ACCEPTED" over that window.
measure() {
	python3 - "$@" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
src, skip = sys.argv[2], float(sys.argv[3])
runs = [json.loads(open(f).read().splitlines()[-1]) for f in sys.argv[4:]]
first = min(r["first_ns"] for r in runs) / 1e9
last = max(r["last_ns"] for r in runs) / 1e9
acc = lambda r: [h.get(src, [0, 0])[0] for h in r["hosts"]]
for a, b in zip(rows, rows[1:]):
    d = [y - x for x, y in zip(acc(a), acc(b))]
    print("t %5.1f-%5.1f s: %5d %5d %5d  total %5d" % (a["t"] - first, b["t"] - first, *d, sum(d)))
win = [r for r in rows if first + skip <= r["t"] <= last]
if len(win) < 2:
    print("0 0")
else:
    print("%.3f %d" % (win[-1]["t"] - win[0]["t"], sum(acc(win[-1])) - sum(acc(win[0]))))
PY
}

# flood_all SRC PORT PPS SECS TAG: fg-loadgen from SRC to every host at PPS
# each, in the background; their PIDs in FLOOD_PIDS, outputs
# FG_TMP/TAG.K.json.
FLOOD_PIDS=()
flood_all() {
	local src=$1 port=$2 pps=$3 secs=$4 tag=$5 k
	FLOOD_PIDS=()
	for k in "${HOSTS[@]}"; do
		lab_bg "$FG_NS_CLIENT" "$FG_TMP/$tag.$k.json" timeout $((secs + 30)) \
			"$FG_LOADGEN" --dst "${ADDR[k]}" --port "$port" --src "$src" \
			--rate "$pps" --duration "$secs" --json
		FLOOD_PIDS+=("$LAB_BG_PID")
	done
}
flood_wait() {
	local p
	for p in "${FLOOD_PIDS[@]}"; do fg_wait_pid "$p" 60; done
	FLOOD_PIDS=()
}
sent_of() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["sent"])' "$1" 2>/dev/null || echo 0; }

# --- 1 and 2: the fleet limit, and a polite source beside the flood ------------

# phase TAG: FLOOD at FLEET_PPS to every host (3x the fleet limit) and
# POLITE at POLITE_PPS to every host, FLOOD_S seconds, sampled.
phase() {
	local tag=$1 k p pol=()
	for k in "${HOSTS[@]}"; do
		lab_bg "$FG_NS_CLIENT" "$FG_TMP/$tag-polite.$k.json" timeout $((FLOOD_S + 30)) \
			"$FG_LOADGEN" --dst "${ADDR[k]}" --port "$PORT_EVEN" --src "$POLITE" \
			--rate "$POLITE_PPS" --count $((POLITE_PPS * FLOOD_S)) --duration $((FLOOD_S + 5)) --json
		pol+=("$LAB_BG_PID")
	done
	lab_bg "$FG_NS_CLIENT" "$FG_TMP/$tag.sampler.log" python3 "$SAMPLER" "$FG_CLI" \
		"$FG_TMP/$tag.samples" $((FLOOD_S + 3)) "${PIN[@]}"
	p=$LAB_BG_PID
	# The series starts with the flood: python takes a while to start.
	fg_wait_until 20 test -s "$FG_TMP/$tag.samples"
	flood_all "$FLOOD" "$PORT_EVEN" "$FLEET_PPS" "$FLOOD_S" "$tag"
	flood_wait
	for k in "${pol[@]}"; do fg_wait_pid "$k" 60; done
	fg_wait_pid "$p" 30 || diag "sampler: $(cat "$FG_TMP/$tag.sampler.log")"
}

was=$(drops_all fleet_limit)
phase fleet
measure "$FG_TMP/fleet.samples" "$FLOOD" "$SKIP_S" "$FG_TMP"/fleet.?.json >"$FG_TMP/fleet.series"
read -r T1 ACC1 < <(tail -n 1 "$FG_TMP/fleet.series")
fleet_limit_drops=$(drops_delta "$was" fleet_limit)
rate1=$(calc "$T1 > 0 ? $ACC1 / $T1 : 0")
diag "fleet on: per-second accepted from $FLOOD (hosts 1 2 3, total; fleet limit $FLEET_PPS/s, offered $((3 * FLEET_PPS))/s):"
diag "$(sed '$d' "$FG_TMP/fleet.series")"
diag "fleet on: $ACC1 accepted in $T1 s after the first ${SKIP_S} s = $(printf '%.1f' "$rate1")/s ($(calc "($rate1 - $FLEET_PPS) * 100 / $FLEET_PPS" | xargs printf '%+.1f')% of the fleet limit); $fleet_limit_drops dropped as fleet_limit"
# The whole flood, for the record: GCRA with debt passes rate x T plus its
# tolerance (2 periods) plus the debt still owed when the flood ends; what
# slipped through before the first blocks landed is paid back in the
# seconds after, which is why the window above runs a little under.
read -r TF _ < <(fg_loadgen_span "$FG_TMP"/fleet.?.json)
ALL1=$(sed '$d' "$FG_TMP/fleet.series" | awk '{ n += $NF } END { print n + 0 }')
diag "fleet on, whole flood: $ALL1 accepted in $(printf '%.2f' "$TF") s; rate x T + tolerance = $(calc "$FLEET_PPS * $TF + $FLEET_PPS * 2 * $SYNC_MS / 1000" | xargs printf '%.0f')"
check_near "fleet on: the three hosts together accepted the fleet limit ($FLEET_PPS/s, +-15%) from 3x" \
	"$rate1" "$FLEET_PPS" 15
if _fg_cmp "$T1" '>=' 4; then
	ok "fleet on: measured over >= 4 s of a ${FLOOD_S} s flood (${T1} s)"
else
	not_ok "fleet on: measured over >= 4 s" "window ${T1} s"
fi
check_eq "fleet on: every host dropped the flood as fleet_limit" "$(drops_grew "$was" fleet_limit)" 3

# polite_check TAG: POLITE lost nothing on any host (this phase's counts).
polite_check() {
	local tag=$1 k sent=0 passed=0 dropped=0 s
	for k in "${HOSTS[@]}"; do
		s=$(sent_of "$FG_TMP/$tag-polite.$k.json")
		sent=$((sent + s))
		passed=$((passed + $(host "$k" && fg_src_stat "$POLITE" passed)))
		dropped=$((dropped + $(host "$k" && fg_src_stat "$POLITE" dropped)))
	done
	echo "$sent $passed $dropped"
}
read -r psent ppassed pdropped < <(polite_check fleet)
diag "polite $POLITE at $POLITE_PPS pps per host (fleet-wide $((3 * POLITE_PPS))/s of $FLEET_PPS/s): sent $psent, passed $ppassed, dropped $pdropped"
if [ "$psent" -eq $((3 * POLITE_PPS * FLOOD_S)) ] && [ "$ppassed" -eq "$psent" ] && [ "$pdropped" -eq 0 ]; then
	ok "polite source below its share on every host lost nothing ($psent sent, all passed)"
else
	not_ok "polite source below its share on every host lost nothing" \
		"sent $psent (wanted $((3 * POLITE_PPS * FLOOD_S))), passed $ppassed, dropped $pdropped"
fi
cmds=0 bytes=0
for k in "${HOSTS[@]}"; do
	cmds=$((cmds + $(metric "$k" floodgate_fleet_redis_commands_total)))
	bytes=$((bytes + $(metric "$k" floodgate_fleet_redis_sent_bytes_total)))
done
diag "Redis so far, three hosts: $cmds commands, $bytes bytes sent"

# The same flood with the fleet off (redis ""): each host on its own.
for k in "${HOSTS[@]}"; do
	write_cfg "$k" ""
	reload_host "$k" || diag "host $k: no reload logged"
done
# Off means the fleet job has removed its blocks (one log line each);
# fleet_up 0 alone may be a sync that timed out on a loaded machine.
fleet_off_all() {
	local k
	for k in "${HOSTS[@]}"; do
		[ "$(fg_log_count 'msg="fleet: off; fleet blocks removed"' "${LOG[k]}")" -ge 1 ] || return 1
	done
}
fg_wait_until 5 fleet_off_all || diag "not every host logged the fleet off"
fg_wait_until 5 every_host fleet_up_is 0
was=$(drops_all fleet_limit)
# The source table keeps counting: polite_check subtracts nothing, so
# the polite figures of this phase are not checked again.
phase off
measure "$FG_TMP/off.samples" "$FLOOD" "$SKIP_S" "$FG_TMP"/off.?.json >"$FG_TMP/off.series"
read -r T0 ACC0 < <(tail -n 1 "$FG_TMP/off.series")
rate0=$(calc "$T0 > 0 ? $ACC0 / $T0 : 0")
diag "side by side, per second (hosts 1 2 3, total): fleet on | fleet off"
diag "$(paste -d '|' <(sed '$d' "$FG_TMP/fleet.series" | sed 's/^t *[-0-9.]*- *[0-9.]* s: //') \
	<(sed '$d' "$FG_TMP/off.series" | sed 's/^t *[-0-9.]*- *[0-9.]* s: //'))"
diag "fleet off: $(printf '%.1f' "$rate0")/s = $(calc "$rate0 / $FLEET_PPS" | xargs printf '%.2f')x the fleet limit; fleet on: $(printf '%.1f' "$rate1")/s"
check_ge "fleet off: the same flood gets >= 2.5x the fleet limit ($(printf '%.0f' "$rate0")/s)" \
	"$rate0" "$(calc "2.5 * $FLEET_PPS")"
check_eq "fleet off: nothing dropped as fleet_limit" "$(drops_delta "$was" fleet_limit)" 0

for k in "${HOSTS[@]}"; do
	write_cfg "$k" "$URL"
	reload_host "$k" || diag "host $k: no reload logged"
done
up=0
for k in "${HOSTS[@]}"; do
	fg_wait_until 5 fleet_up_is 1 "$k" && up=$((up + 1))
done
check_eq "fleet back on: every host connected again" "$up" 3

# --- 3. redis-server killed mid-flood, then back ------------------------------

# fleet_blocks K SRC: "N MAX_SECONDS_LEFT" of SRC's fleet blocks on host K
# (`floodgate blocked`: SOURCE SECONDS SCOPE BY STRIKES RULE).
fleet_blocks() {
	local out
	out=$(host "$1" && fg_cli blocked) || return 1
	awk -v src="$2" '
		NR > 1 && $1 == src && $4 == "fleet" { n++; if ($2 > m) m = $2 }
		END { print n + 0, m + 0 }' <<<"$out"
}
# status_blocked K: "N sources fleet-blocked" of `floodgate status` (0
# when it prints no fleet line: fleet off, none blocked).
status_blocked() {
	local out
	out=$(host "$1" && fg_cli status) || return 1
	awk '/^fleet:/ { sub(/.*; /, ""); n = $1 } END { print n + 0 }' <<<"$out"
}
now() { echo "$EPOCHREALTIME"; }
# block_left_ge K SRC SECS: host K blocks SRC for SECS more at least.
block_left_ge() { fleet_blocks "$1" "$2" | awk -v s="$3" '{ exit !($1 > 0 && $2 >= s) }'; }
# map_entries PIN_PATH: entries in a pinned map (0 when empty).
map_entries() {
	local out
	out=$(bpftool -j map dump pinned "$1") || return 1
	grep -o '"key":' <<<"$out" | wc -l
}
has_block() { [ "$(fleet_blocks "$2" "$1" | cut -d' ' -f1)" -gt 0 ]; }
# ever_blocked SRC SECS: waits (bounded) until every host has had a fleet
# block for SRC at some poll (they need not overlap).
ever_blocked() {
	local src=$1 deadline=$((SECONDS + $2)) k seen=()
	while [ "$SECONDS" -lt "$deadline" ]; do
		for k in "${HOSTS[@]}"; do
			[ -z "${seen[k]:-}" ] && has_block "$src" "$k" && seen[k]=1
		done
		[ "${#seen[@]}" = 3 ] && return 0
		sleep 0.05
	done
	return 1
}

# FLOOD_LOCAL at LOCAL_FLOOD_PPS to every host on rule `local` (LOCAL_PPS
# per host): 3 x LOCAL_PPS is over the fleet limit, so the fleet holds it
# to FLEET_PPS while Redis is there, and each host to LOCAL_PPS without.
# Stopped after the last check that needs it ("Redis back"): its length
# only bounds it, long enough for a loaded machine to get there.
flood_all "$FLOOD_LOCAL" "$PORT_LOCAL" "$LOCAL_FLOOD_PPS" 40 local
check "Redis up: every host gets fleet blocks for $FLOOD_LOCAL (3 x $LOCAL_PPS/s passed locally > $FLEET_PPS/s)" \
	ever_blocked "$FLOOD_LOCAL" 5
# Kill while a block is on: host 1 has one with >= 0.2 s left.
fg_wait_until 5 block_left_ge 1 "$FLOOD_LOCAL" 0.2
at_kill=()
for k in "${HOSTS[@]}"; do at_kill+=("$(map_entries "${PIN[k]}/fg_fleet_blocked")"); done
t_kill=$(now)
{
	kill -KILL "$REDIS_PID"
	fg_wait_pid "$REDIS_PID" 5
} 2>/dev/null
REDIS_PID=
fg_wait_until 5 every_host fleet_up_is 0
t_down=$(now)
down_s=0 seen=()
for k in "${HOSTS[@]}"; do
	t=$(wait_after "$k" "$t_kill" 'msg="fleet: Redis unavailable' 2)
	d=$(calc "${t:-99} - $t_kill")
	seen+=("$(printf '%.3f' "$d")")
	down_s=$(calc "$d > $down_s ? $d : $down_s")
done
# No block can come any more: the longest one left ends the fleet's hold.
maxleft=0
for k in "${HOSTS[@]}"; do
	read -r _ left < <(fleet_blocks "$k" "$FLOOD_LOCAL")
	maxleft=$(calc "$left > $maxleft ? $left : $maxleft")
done
diag "redis-server killed (SIGKILL) with fg_fleet_blocked entries per host ${at_kill[*]}: hosts 1 2 3 logged it down after ${seen[*]} s; then the longest fleet block had $(printf '%.2f' "$maxleft") s left"
# Down is seen at the next sync of every host: within one period (+ 0.05 s
# for the log's reader).
check_le "Redis killed: every host sees it down within a period ($(printf '%.3f' "$down_s") s)" \
	"$down_s" "$(calc "$SYNC_MS / 1000 + 0.05")"
check "Redis killed: floodgate_fleet_up 0 on every host" every_host fleet_up_is 0
# The datapath ignores a block past its time; the daemon deletes it at its
# next period: so, a period (+ 0.1 s) after the longest block's end, every
# host's fg_fleet_blocked is empty and status says 0.
sleep "$(calc "$maxleft + $SYNC_MS / 1000 + 0.1")"
left_in_maps=() n=0
for k in "${HOSTS[@]}"; do
	e=$(map_entries "${PIN[k]}/fg_fleet_blocked")
	sb=$(status_blocked "$k")
	left_in_maps+=("${e:-?}/${sb:-?}")
	[ "$e" = 0 ] && [ "$sb" = 0 ] && n=$((n + 1))
done
diag "$(calc "$(now) - $t_down" | xargs printf '%.2f') s after: fg_fleet_blocked entries/status fleet-blocked per host: ${left_in_maps[*]}"
check_eq "fleet blocks expired on time: every host's fg_fleet_blocked empty, status 0 (longest had $(printf '%.2f' "$maxleft") s)" "$n" 3

# Local limits, measured: each host's accepted rate with Redis gone.
pa=() ta=() rates=() near=0
was=$(drops_all rate_packets)
wasf=$(drops_all fleet_limit)
lines_was=$(cat "${LOG[@]}" | grep -cF 'msg="fleet: Redis unavailable')
for k in "${HOSTS[@]}"; do
	ta[k]=$(now)
	pa[k]=$(host "$k" && fg_src_stat "$FLOOD_LOCAL" passed)
done
sleep 2.5
for k in "${HOSTS[@]}"; do
	p=$(host "$k" && fg_src_stat "$FLOOD_LOCAL" passed)
	r=$(calc "($p - ${pa[k]}) / ($(now) - ${ta[k]})")
	rates+=("$(printf '%.0f' "$r")")
	awk -v r="$r" -v t="$LOCAL_PPS" 'BEGIN { d = r - t; exit !(d <= t * 0.1 && -d <= t * 0.1) }' && near=$((near + 1))
done
diag "Redis down: accepted per host ${rates[*]} /s (local limit $LOCAL_PPS/s, offered $LOCAL_FLOOD_PPS/s)"
check_eq "Redis down: every host holds $FLOOD_LOCAL to its local limit ($LOCAL_PPS/s +-10%)" "$near" 3
check_eq "Redis down: every host drops the rest as rate_packets" "$(drops_grew "$was" rate_packets)" 3
check_eq "Redis down: nothing dropped as fleet_limit" "$(drops_delta "$wasf" fleet_limit)" 0
n=0
for k in "${HOSTS[@]}"; do alive "$k" && n=$((n + 1)); done
check_eq "Redis down: every floodgated runs on" "$n" 3
lines=$(cat "${LOG[@]}" | grep -cF 'msg="fleet: Redis unavailable')
diag "Redis down: $lines_was lines 'fleet: Redis unavailable' from the three hosts (at most 2 each: the failed sync, then the refused connect), $((lines - lines_was)) more during 2.5 s of retries"
check_eq "Redis down: retries log nothing more" "$lines" "$lines_was"

# Back on the same socket.
redis_start || diag "redis-server did not come back: $(tail -n 5 "$RDIR/redis.log")"
t_ready=$T_READY
conn=() appl=() worst_c=0 worst_b=0
for k in "${HOSTS[@]}"; do
	# Lines after the kill: a host may connect before the first PONG.
	tc=$(wait_after "$k" "$t_kill" 'msg="fleet: connected"' 3)
	tb=$(wait_after "$k" "${tc:-$t_kill}" 'msg="fleet: blocks applied"' 3)
	dc=$(calc "${tc:-99} - $t_ready") db=$(calc "${tb:-99} - $t_ready")
	conn+=("$(printf '%.3f' "$dc")") appl+=("$(printf '%.3f' "$db")")
	worst_c=$(calc "$dc > $worst_c ? $dc : $worst_c")
	worst_b=$(calc "$db > $worst_b ? $db : $worst_b")
done
diag "redis-server back (first PONG at 0): hosts 1 2 3 connected at ${conn[*]} s, applied a fleet block at ${appl[*]} s (period $SYNC_MS ms)"
# Connected within 2 periods: the backoff stops at one period, with
# jitter, and a host retries at the start of a period, so a retry due just
# after one waits for the next. Slack 0.05 s: the 10 ms PONG polling and
# the log's reader.
check_le "Redis back: every host connected within 2 periods ($(printf '%.3f' "$worst_c") s)" \
	"$worst_c" "$(calc "2 * $SYNC_MS / 1000 + 0.05")"
# Limiting again: the restarted Redis has forgotten the debt, so the fleet
# first passes its tolerance again (2 periods here, the floor) before the
# block; every host connects within 2 periods and publishes at once, the
# fleet (3 x LOCAL_PPS = 2.5 x the limit) fills the tolerance in
# 2 x 0.25 s x 300 / (750 - 300) = 0.33 s, and the hosts that did not
# issue the block pull it at their next sync (one period).
check_le "Redis back: fleet blocks again on every host within 2 periods + 0.33 s + 1 period ($(printf '%.3f' "$worst_b") s)" \
	"$worst_b" "$(calc "3 * $SYNC_MS / 1000 + 0.33 + 0.05")"
check "Redis back: floodgate_fleet_up 1 on every host" fg_wait_until 5 every_host fleet_up_is 1
was=$(drops_all fleet_limit)
sleep 1
check_eq "Redis back: every host drops $FLOOD_LOCAL as fleet_limit again" "$(drops_grew "$was" fleet_limit)" 3
for p in "${FLOOD_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
flood_wait

# --- 5. a host restarted catches up -----------------------------------------
# Host 2 stops (the datapath stays attached); LATE floods hosts 1 and 3
# only, so the fleet blocks it (for seconds: LATE_PPS is small) while host
# 2 is away and never saw LATE. Host 2 started again on its pins must pull
# that block within one period of connecting.
fg_daemon_stop "${PID[2]}"
check_eq "host 2: floodgated stopped (SIGTERM, exit 0)" $? 0
FLOOD_PIDS=()
for k in 1 3; do
	lab_bg "$FG_NS_CLIENT" "$FG_TMP/late.$k.json" timeout 30 "$FG_LOADGEN" \
		--dst "${ADDR[k]}" --port "$PORT_LATE" --src "$LATE" --rate 200 --duration 1.5 --json
	FLOOD_PIDS+=("$LAB_BG_PID")
done
flood_wait
read -r n1 left1 < <(fleet_blocks 1 "$LATE")
read -r n2 _ < <(fleet_blocks 2 "$LATE")
diag "LATE $LATE: fleet block on host 1 with $left1 s left; host 2 (stopped) lists $n2"
if [ "$n1" -gt 0 ] && _fg_cmp "$left1" '>' 1 && [ "$n2" = 0 ]; then
	ok "the fleet blocks $LATE for > 1 s; host 2, stopped, does not have it"
else
	not_ok "the fleet blocks $LATE for > 1 s; host 2 does not have it" "host 1: $n1 block(s), $left1 s left; host 2: $n2"
fi
start_host 2 || diag "host 2 did not start again"
tc=$(wait_after 2 0 'msg="fleet: connected"' 10)
tb=$(wait_after 2 "${tc:-0}" 'msg="fleet: blocks applied"' 3)
catch=$(calc "${tb:-99} - ${tc:-0}")
read -r n2 left2 < <(fleet_blocks 2 "$LATE")
read -r _ left1 < <(fleet_blocks 1 "$LATE")
diag "host 2 restarted: fleet blocks applied $(printf '%.3f' "$catch") s after it connected; it lists $n2 for $LATE ($left2 s left; host 1: $left1 s)"
check_eq "host 2 restarted: lists the fleet's block for $LATE" "$n2" 1
# Connecting starts a period whose sync pulls every block still kept
# (watermark 0): at once, one sync; allowed one period.
check_le "host 2 restarted: applies the fleet's current blocks within one period ($(printf '%.3f' "$catch") s)" \
	"$catch" "$(calc "$SYNC_MS / 1000")"
was=$(drops 2 fleet_limit)
fg_loadgen "$FG_NS_CLIENT" --dst "${ADDR[2]}" --port "$PORT_LATE" --src "$LATE" --count 20 --rate 100 >/dev/null
check_eq "host 2 restarted: drops all 20 packets of $LATE as fleet_limit" "$(($(drops 2 fleet_limit) - was))" 20

# --- 4. Redis refusing or away: one clear line, the daemon runs on -----------
# On host 3, by reloads: a redis-server with a password (another socket)
# and a wrong password; then an address with nothing there; then the right
# password in a file others can read; then the right one, private.
RDIR2=$FG_TMP/redis-auth
SOCK2=$RDIR2/redis.sock
PASSWORD=pw$RANDOM$RANDOM$RANDOM
lab_redis_start "$RDIR2" --requirepass "$PASSWORD" ||
	diag "redis-server with a password did not start: $(tail -n 5 "$RDIR2/redis.log")"
conns() {
	redis-cli -s "$SOCK2" --no-auth-warning -a "$PASSWORD" info stats |
		sed -n 's/^total_connections_received:\([0-9]*\).*/\1/p'
}
umask_was=$(umask)
umask 077
echo "not-$PASSWORD" >"$FG_TMP/wrong.pass"
echo "$PASSWORD" >"$FG_TMP/right.pass"
umask "$umask_was"
cp "$FG_TMP/right.pass" "$FG_TMP/open.pass"
chmod 644 "$FG_TMP/open.pass"
host 3

# refused K OP WHAT: reload host 3 with the config written, let it retry
# for ~1.5 s (6 periods); TAP lines: exactly one new "Redis unavailable"
# line, with op=OP and WHAT; the daemon runs on; errors_total{op=OP} grew
# during the retries. The line is printed.
refused() {
	local op=$1 what=$2 n0 e0 e1 new
	n0=$(fg_log_count 'msg="fleet: Redis unavailable' "${LOG[3]}")
	reload_host 3 || diag "host 3: no reload logged"
	sleep 0.6
	e0=$(metric 3 "floodgate_fleet_errors_total{op=\"$op\"}")
	sleep 0.9
	e1=$(metric 3 "floodgate_fleet_errors_total{op=\"$op\"}")
	new=$(grep -F 'msg="fleet: Redis unavailable' "${LOG[3]}" | tail -n +$((n0 + 1)))
	diag "host 3 logged: $new"
	if [ "$(printf '%s\n' "$new" | grep -c .)" = 1 ] && [[ $new == *"op=$op "* ]] && [[ $new == *"$what"* ]]; then
		ok "$op: exactly one log line over ~6 retries, op=$op, saying '$what'"
	else
		not_ok "$op: exactly one log line, op=$op, saying '$what'" "got: $new"
	fi
	if alive 3 && [ "$(metric 3 floodgate_fleet_up)" = 0 ]; then
		ok "$op: floodgated runs on (fleet_up 0)"
	else
		not_ok "$op: floodgated runs on (fleet_up 0)" "$(tail -n 5 "${LOG[3]}")"
	fi
	check_gt "$op: floodgate_fleet_errors_total{op=\"$op\"} grows with the retries ($e0 -> $e1)" "$e1" "$e0"
}

write_cfg 3 "unix://$SOCK2" ", password_file: $FG_TMP/wrong.pass"
c0=$(conns)
out=$(fg_daemon_cmd --check -c "${CFG[3]}" 2>&1)
rc=$?
c1=$(conns)
# conns itself is one connection.
if [ "$rc" = 0 ] && [ "$c1" = $((c0 + 1)) ]; then
	ok "--check with a wrong password: ok (exit 0) without connecting (redis saw no connection)"
else
	not_ok "--check with a wrong password: ok without connecting" "exit $rc: $out" "connections $c0 -> $c1"
fi
refused auth WRONGPASS

# Whether --check tries to connect is seen on the wire: for the time of
# the check, a route takes host 3's packets to NOWHERE towards the
# client (nothing answers there), and an nftables counter in host 3's
# namespace counts the SYNs; a connect from that namespace is the
# control that shows the counter counts one.
NOWHERE=192.0.2.250
syns() {
	lab_exec "${NS[3]}" nft list counter ip fg_probe syns |
		sed -n 's/.*packets \([0-9]*\) bytes.*/\1/p' | grep .
}
probe_ok=1
{
	ip -n "${NS[3]}" route add "$NOWHERE/32" via "192.0.2.$((4 * 3 + 2))" &&
		lab_exec "${NS[3]}" nft -f - <<EOF
table ip fg_probe {
	counter syns {}
	chain output {
		type filter hook output priority 0; policy accept;
		ip daddr $NOWHERE tcp dport 6379 tcp flags syn counter name syns
	}
}
EOF
} || probe_ok=0
write_cfg 3 "redis://$NOWHERE:6379"
out=$(fg_daemon_cmd --check -c "${CFG[3]}" 2>&1)
rc=$?
s_check=$(syns)
lab_exec "${NS[3]}" timeout 2 bash -c "exec 3<>/dev/tcp/$NOWHERE/6379" 2>/dev/null
s_ctl=$(syns)
lab_exec "${NS[3]}" nft delete table ip fg_probe
ip -n "${NS[3]}" route del "$NOWHERE/32"
if [ "$probe_ok" = 1 ] && [ "$rc" = 0 ] && [ "$s_check" = 0 ] && [ "${s_ctl:-0}" -ge 1 ]; then
	ok "--check with an address where nothing listens: ok (exit 0), no SYN sent (a connect sent $s_ctl)"
else
	not_ok "--check with an address where nothing listens: ok, does not connect" \
		"exit $rc: $out" "probe set up: $probe_ok; SYNs after --check '$s_check', after a connect '$s_ctl'"
fi
refused connect "$NOWHERE"

write_cfg 3 "unix://$SOCK2" ", password_file: $FG_TMP/open.pass"
out=$(fg_daemon_cmd --check -c "${CFG[3]}" 2>&1)
rc=$?
if [ "$rc" = 1 ] && [[ $out == *"$FG_TMP/open.pass"* ]] && [[ $out == *"chmod 600"* ]]; then
	ok "--check with a password file readable by others: refused (exit 1), names the file and chmod 600"
else
	not_ok "--check with a password file readable by others: refused, names chmod 600" "exit $rc: $out"
fi
refused auth "chmod 600"

write_cfg 3 "unix://$SOCK2" ", password_file: $FG_TMP/right.pass"
reload_host 3 || diag "host 3: no reload logged"
check "the right password, in a private file: connected (fleet_up 1)" fg_wait_until 5 fleet_up_is 1 3
check_eq "no log line holds the password (right or wrong)" "$(cat "${LOG[@]}" | grep -cF "$PASSWORD")" 0

# --- the end --------------------------------------------------------------------
n=0
for k in "${HOSTS[@]}"; do
	alive "$k" && fg_daemon_stop "${PID[k]}" && n=$((n + 1))
done
check_eq "every floodgated ran to the end and stopped cleanly (SIGTERM, exit 0)" "$n" 3
