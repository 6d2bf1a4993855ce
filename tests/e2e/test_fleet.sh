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
LATE_PPS=10    # rule `late`: a small fleet limit, long blocks
PORT_EVEN=9000 PORT_LOCAL=9001 PORT_LATE=9002
FLOOD=203.0.113.7 POLITE=198.51.100.7 FLOOD_LOCAL=203.0.113.8 LATE=203.0.113.9
NAME=t$FG_SUFFIX # the fleet's name (key prefix): this run's own
HOSTS=(1 2 3)

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk curl redis-server redis-cli
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 10

# --- the lab: client -- veth -- host k (k = 1..3), 192.0.2.(4k+1)/30 ---------
NS=() IFS_=() IFC=() PIN=() ADDR=() MPORT=() CFG=() PID=() LOG=()
lab_ns_create "$FG_NS_CLIENT" || tap_bail "no client namespace"
for k in "${HOSTS[@]}"; do
	NS[k]=fg-s$k-$FG_SUFFIX
	IFS_[k]=fs$k-$FG_SUFFIX
	IFC[k]=fc$k-$FG_SUFFIX
	PIN[k]=/sys/fs/bpf/fg-test-$FG_SUFFIX-$k
	ADDR[k]=192.0.2.$((4 * k + 1))
	CFG[k]=$FG_TMP/host$k.yaml
	lab_add_server "${NS[k]}" "${IFC[k]}" "${IFS_[k]}" \
		"192.0.2.$((4 * k + 2))/30" "${ADDR[k]}/30" || tap_bail "no host $k"
	fg_use_server "${NS[k]}" "${IFS_[k]}" "${PIN[k]}"
	MPORT[k]=$(lab_free_port "${NS[k]}")
done

# host K: the floodgate helpers (fg_cli, fg_stat, fg_metrics...) act on
# host K from here on.
host() { fg_use_server "${NS[$1]}" "${IFS_[$1]}" "${PIN[$1]}"; }

# --- redis ----------------------------------------------------------------
RDIR=$FG_TMP/redis
mkdir -p "$RDIR"
SOCK=$RDIR/r.sock
REDIS_PID=

# redis_start [ARGS...]: redis-server on SOCK (no TCP, no persistence),
# waits (bounded) until it answers.
redis_start() {
	lab_bg "$FG_NS_CLIENT" "$RDIR/redis.log" redis-server --port 0 \
		--unixsocket "$SOCK" --unixsocketperm 700 --save "" --appendonly no \
		--dir "$RDIR" "$@"
	REDIS_PID=$LAB_BG_PID
	fg_wait_until 10 redis_ping "$@"
}
# redis_ping: the server answers (PONG, or NOAUTH with a password set).
redis_ping() { redis-cli -s "$SOCK" ping 2>&1 | grep -qE 'PONG|NOAUTH'; }
redis_stop() { [ -n "$REDIS_PID" ] && fg_kill "$REDIS_PID" 5; REDIS_PID=; }

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
metrics: {listen: "127.0.0.1:${MPORT[k]}"}
limits: {packets: 100000/s, burst_packets: 10000}
fleet: {redis: "$url", name: $NAME, host: h$k, sync: ${SYNC_MS}ms$extra}
rules:
  - {name: even, protocol: udp, ports: [$PORT_EVEN], packets: 10000/s, burst_packets: 1000, fleet: {packets: $FLEET_PPS/s}}
  - {name: local, protocol: udp, ports: [$PORT_LOCAL], packets: $LOCAL_PPS/s, burst_packets: $LOCAL_BURST, fleet: {packets: $FLEET_PPS/s}}
  - {name: late, protocol: udp, ports: [$PORT_LATE], packets: 10000/s, burst_packets: 1000, fleet: {packets: $LATE_PPS/s}}
EOF
	mv -f "${CFG[k]}.tmp" "${CFG[k]}"
}

# start_host K: floodgated on host K (with -v: fleet debug lines).
start_host() {
	host "$1"
	fg_daemon_start "${CFG[$1]}" -v || return 1
	PID[$1]=$FG_DAEMON_PID
	LOG[$1]=$FG_DAEMON_LOG
}

# reload_host K: SIGHUP, waits (bounded) for the reload to be logged.
reload_host() {
	local n
	n=$(fg_log_count 'msg="reloaded"' "${LOG[$1]}")
	kill -HUP "${PID[$1]}"
	fg_log_wait 'msg="reloaded"' 10 $((n + 1)) "${LOG[$1]}"
}

metric() { (host "$1" && fg_metrics "127.0.0.1:${MPORT[$1]}" | fg_metric_value "$2"); }
alive() { kill -0 "${PID[$1]}" 2>/dev/null; }

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
up=0
for k in "${HOSTS[@]}"; do
	fg_wait_until 10 test "$(metric "$k" floodgate_fleet_up)" = 1 && up=$((up + 1))
done
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

snap=$FG_TMP/stats.fleet
for k in "${HOSTS[@]}"; do (host "$k" && fg_stats_snapshot "$snap.$k"); done
phase fleet
measure "$FG_TMP/fleet.samples" "$FLOOD" "$SKIP_S" "$FG_TMP"/fleet.?.json >"$FG_TMP/fleet.series"
read -r T1 ACC1 < <(tail -n 1 "$FG_TMP/fleet.series")
fleet_limit_drops=0
for k in "${HOSTS[@]}"; do
	fleet_limit_drops=$((fleet_limit_drops + $(host "$k" && fg_stat --since "$snap.$k" drop fleet_limit)))
done
rate1=$(calc "$T1 > 0 ? $ACC1 / $T1 : 0")
diag "fleet on: per-second accepted from $FLOOD (hosts 1 2 3, total; fleet limit $FLEET_PPS/s, offered $((3 * FLEET_PPS))/s):"
diag "$(sed '$d' "$FG_TMP/fleet.series")"
diag "fleet on: $ACC1 accepted in $T1 s after the first ${SKIP_S} s = $(printf '%.1f' "$rate1")/s ($(calc "($rate1 - $FLEET_PPS) * 100 / $FLEET_PPS" | xargs printf '%+.1f')% of the fleet limit); $fleet_limit_drops dropped as fleet_limit"
check_near "fleet on: the three hosts together accepted the fleet limit ($FLEET_PPS/s, +-15%) from 3x" \
	"$rate1" "$FLEET_PPS" 15
if _fg_cmp "$T1" '>=' 4; then
	ok "fleet on: measured over >= 4 s of a ${FLOOD_S} s flood (${T1} s)"
else
	not_ok "fleet on: measured over >= 4 s" "window ${T1} s"
fi
every=0
for k in "${HOSTS[@]}"; do
	[ "$(host "$k" && fg_stat --since "$snap.$k" drop fleet_limit)" -gt 0 ] && every=$((every + 1))
done
check_eq "fleet on: every host dropped the flood as fleet_limit" "$every" 3

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
fg_wait_until 5 test "$(metric 1 floodgate_fleet_up)$(metric 2 floodgate_fleet_up)$(metric 3 floodgate_fleet_up)" = 000
snap=$FG_TMP/stats.off
for k in "${HOSTS[@]}"; do (host "$k" && fg_stats_snapshot "$snap.$k"); done
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
fl=0
for k in "${HOSTS[@]}"; do fl=$((fl + $(host "$k" && fg_stat --since "$snap.$k" drop fleet_limit))); done
check_eq "fleet off: nothing dropped as fleet_limit" "$fl" 0

for k in "${HOSTS[@]}"; do
	write_cfg "$k" "$URL"
	reload_host "$k" || diag "host $k: no reload logged"
done
up=0
for k in "${HOSTS[@]}"; do
	fg_wait_until 5 test "$(metric "$k" floodgate_fleet_up)" = 1 && up=$((up + 1))
done
check_eq "fleet back on: every host connected again" "$up" 3
