#!/usr/bin/env bash
# DESIGN §2.7 new_connections (TCP SYN without ACK only). A tcp rule with
# new_connections 5/s burst 5 (packets unlimited) on a port where the
# server listens. From one client address at once:
#   - a stream on an established connection (8 MB/s for 2.5 s) is
#     untouched: every byte arrives, no retransmission, nothing but SYNs
#     dropped;
#   - connect()s at 40/s for 2 s (non-blocking, 0.5 s each, below the
#     1 s SYN retransmission: one SYN per attempt) are capped: rate x T +
#     burst succeed, every other attempt's SYN drops as rate_connections.
# IPv4 and IPv6.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

PORT=8080
CONN_RATE=5
CONN_BURST=5
ATTEMPT_HZ=40
ATTEMPT_SECS=2

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk
fg_require_bins floodgated floodgate

tap_plan 14

lab_setup || tap_bail "could not build the lab"
cfg=$(fg_config <<EOF
limits: {packets: 1000/s, burst_packets: 100}
rules:
  - name: web
    protocol: tcp
    ports: [$PORT]
    new_connections: $CONN_RATE/s
    burst_connections: $CONN_BURST
EOF
)
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

# Server: accepts on [::]:PORT (both families), reads everything; on the
# stop file (or after 60 s) writes {"conns": accepted, "max_bytes": the
# largest byte count of one connection} to OUT.
SERVER_PY=$FG_TMP/server.py
cat >"$SERVER_PY" <<'PY'
import json, os, select, socket, sys, time
out, stop, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
ls.bind(("::", port))
ls.listen(256)
print("ready", flush=True)
conns, nbytes, accepted, done = {}, {}, 0, []
deadline = time.monotonic() + 60
while time.monotonic() < deadline and not os.path.exists(stop):
    r, _, _ = select.select([ls] + list(conns.values()), [], [], 0.1)
    for s in r:
        if s is ls:
            c, _ = ls.accept()
            accepted += 1
            conns[c.fileno()] = c
            nbytes[c.fileno()] = 0
            continue
        try:
            d = s.recv(1 << 18)
        except OSError:
            d = b""
        if d:
            nbytes[s.fileno()] += len(d)
        else:
            done.append(nbytes.pop(s.fileno()))
            del conns[s.fileno()]
            s.close()
json.dump({"conns": accepted, "max_bytes": max(done + list(nbytes.values()) + [0])}, open(out, "w"))
PY

# Client: the stream (a thread) and the connect() attempts, at once.
CLIENT_PY=$FG_TMP/client.py
cat >"$CLIENT_PY" <<'PY'
import errno, json, select, socket, struct, sys, threading, time
host, port, hz, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
res = {}

def stream():
    s = socket.create_connection((host, port), timeout=5)
    chunk = b"x" * 16384
    sent, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < secs + 0.5:   # 16 KB every 2 ms
        s.sendall(chunk)
        sent += len(chunk)
        time.sleep(0.002)
    ti = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    res["stream_retrans"] = struct.unpack_from("I", ti, 100)[0]  # tcpi_total_retrans
    s.shutdown(socket.SHUT_WR)
    s.settimeout(5)
    s.recv(1)   # the server's FIN: everything was read
    s.close()
    res["stream_sent"] = sent
    res["stream_secs"] = time.monotonic() - t0

th = threading.Thread(target=stream)
th.start()
time.sleep(0.25)
pending, counts = {}, {"ok": 0, "failed": 0}

def reap(wait_s):
    """Counts finished connects (and those pending > 500 ms as failed)."""
    _, w, _ = select.select([], list(pending), [], wait_s)
    for fd in w:
        s, _ = pending.pop(fd)
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        counts["ok" if err == 0 else "failed"] += 1
        s.close()
    for fd, (s, t) in list(pending.items()):
        if time.monotonic_ns() - t > 500_000_000:
            del pending[fd]
            counts["failed"] += 1
            s.close()

n = int(hz * secs)
first = time.monotonic_ns()
for i in range(n):
    due = first + int(i * 1e9 / hz)
    while True:
        now = time.monotonic_ns()
        if now >= due:
            break
        reap((due - now) / 1e9)   # meanwhile: results of earlier attempts
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex((host, port))
    pending[s.fileno()] = (s, time.monotonic_ns())
last = time.monotonic_ns()
end = time.monotonic() + 0.6
while pending and time.monotonic() < end:
    reap(0.05)
ok, failed = counts["ok"], counts["failed"]
th.join(15)
res.update(attempts=n, ok=ok, failed=failed + len(pending), span_s=(last - first) / 1e9)
print(json.dumps(res))
PY

snap() { fg_stats_snapshot "$FG_TMP/s.$1.json"; }
since() { fg_stat --since "$FG_TMP/s.$1.json" "${@:2}"; }

# phase FAMILY DST: 7 TAP lines.
phase() {
	local fam=$1 dst=$2 out sj=$FG_TMP/server.$1.json stop=$FG_TMP/server.$1.stop
	local sent retrans recvd attempts okc failed span expected drops
	lab_bg "$FG_NS_SERVER" "$FG_TMP/server.$fam.log" timeout 70 python3 "$SERVER_PY" "$sj" "$stop" "$PORT"
	local spid=$LAB_BG_PID
	fg_wait_until 10 grep -q ready "$FG_TMP/server.$fam.log" || tap_bail "server did not start: $(cat "$FG_TMP/server.$fam.log")"
	snap "$fam"
	out=$(lab_exec "$FG_NS_CLIENT" timeout 40 python3 "$CLIENT_PY" "$dst" "$PORT" "$ATTEMPT_HZ" "$ATTEMPT_SECS")
	touch "$stop"
	fg_wait_pid "$spid" 10
	read -r sent retrans attempts okc failed span < <(python3 -c '
import json, sys
r = json.loads(sys.argv[1])
print(r.get("stream_sent", -1), r.get("stream_retrans", -1), r["attempts"], r["ok"], r["failed"], r["span_s"])' "$out")
	recvd=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["max_bytes"])' "$sj" 2>/dev/null || echo -1)
	expected=$(calc "$CONN_RATE * $span + $CONN_BURST")
	drops=$(since "$fam" drop rate_connections)
	diag "$fam stream: sent $sent B, server read $recvd B, retransmissions $retrans"
	diag "$fam connects: $attempts attempts in $(printf '%.3f' "$span") s: $okc connected, $failed failed (expected $(printf '%.1f' "$expected") = $CONN_RATE/s x T + $CONN_BURST); $drops SYNs dropped as rate_connections"
	diag "$fam counters: $(fg_stats_show --since "$FG_TMP/s.$fam.json" | tr '\n' ';')"

	if [ "$sent" -gt 0 ] && [ "$recvd" = "$sent" ]; then
		ok "$fam: the established stream's $sent bytes all arrived"
	else
		not_ok "$fam: the established stream's bytes all arrived" "sent $sent, server read $recvd"
	fi
	check_eq "$fam: the stream needed no retransmission" "$retrans" 0
	check_eq "$fam: $attempts attempts, each connected or failed" "$((okc + failed))" "$attempts"
	if awk -v a="$okc" -v e="$expected" 'BEGIN { d = a - e; if (d < 0) d = -d; exit !(d <= 2) }'; then
		ok "$fam: connect()s capped: $okc succeeded ≈ $CONN_RATE/s x T + $CONN_BURST = $(printf '%.1f' "$expected") (±2)"
	else
		not_ok "$fam: connect()s capped at $CONN_RATE/s x T + $CONN_BURST" "$okc succeeded, expected $(printf '%.1f' "$expected") ±2"
	fi
	check_eq "$fam: each failed attempt's SYN dropped as rate_connections" "$drops" "$failed"
	check_eq "$fam: nothing else dropped" "$(($(since "$fam" drop '*') - drops))" 0
}

phase IPv4 "$FG_SERVER4"
phase IPv6 "$FG_SERVER6"

check_ge "the rule's counters saw the traffic (web pass > 0)" \
	"$(fg_cli --json status | python3 -c 'import json,sys; print([r for r in json.load(sys.stdin)["rules"] if r["name"] == "web"][0]["pass"]["packets"])')" 1
fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
