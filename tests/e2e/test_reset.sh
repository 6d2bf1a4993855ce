#!/usr/bin/env bash
# DESIGN §2.8 action: reset. A tcp rule with new_connections 2/s burst 2
# on a port where the server listens:
#   - action reset: from the client namespace, the first 2 connect()s
#     succeed; the next ones fail fast (< 100 ms) with ECONNREFUSED: the
#     client's kernel accepted the RST|ACK that XDP_TX sent back, so its
#     addresses, ports, sequence numbers and checksums are right (the
#     client's TcpInCsumErrors stays 0). Counted as action reset, reason
#     rate_connections.
#   - action drop (another port, same limits): the third connect() times
#     out (0.7 s, below the 1 s SYN retransmission) instead of being
#     refused; counted as drop, rate_connections.
# IPv4 and IPv6. XDP_TX frames on a veth only arrive when the peer has
# NAPI: lab_setup turns GRO on on the client end (checked here first).
# That alone is not enough on kernel 6.18: the frame is queued into the
# peer's ring (the server's rx_queue_0_xdp_tx counts it) but the peer's
# NAPI is scheduled only when the peer has an XDP program, so the RST
# never reaches the client. The client end gets an XDP_PASS program too
# (lab_xdp_pass), as TESTING.md allows.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

RST_PORT=8080
DROP_PORT=8081
TIMEOUT=0.7 # s, per connect(), below the kernel's 1 s initial SYN RTO
FAST_MS=100

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk ethtool clang
fg_require_bins floodgated floodgate

tap_plan 19

lab_setup || tap_bail "could not build the lab"
gro=$(lab_exec "$FG_NS_CLIENT" ethtool -k "$FG_IF_CLIENT" | awk -F': ' '$1 == "generic-receive-offload" { print $2 }')
check_str "GRO is on on the client's veth (the XDP_TX peer has NAPI)" "${gro%% *}" on
check "an XDP_PASS program on the client's veth (the XDP_TX peer's NAPI gets scheduled)" \
	lab_xdp_pass "$FG_NS_CLIENT" "$FG_IF_CLIENT"

cfg=$(fg_config <<EOF
limits: {packets: 1000/s, burst_packets: 100}
rules:
  - name: rst
    protocol: tcp
    ports: [$RST_PORT]
    new_connections: 2/s
    burst_connections: 2
    action: reset
  - name: syndrop
    protocol: tcp
    ports: [$DROP_PORT]
    new_connections: 2/s
    burst_connections: 2
    action: drop
EOF
)
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

# A TCP listener on both ports, both families, in the server namespace:
# accepts and closes; stops after 60 s or when the stop file appears.
LISTEN_STOP=$FG_TMP/listen.stop
lab_bg "$FG_NS_SERVER" "$FG_TMP/listen.log" timeout 70 python3 -c '
import os, select, socket, sys, time
stop = sys.argv[1]
ls = []
for port in map(int, sys.argv[2:]):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(128)
    ls.append(s)
print("ready", flush=True)
deadline = time.monotonic() + 60
while time.monotonic() < deadline and not os.path.exists(stop):
    r, _, _ = select.select(ls, [], [], 0.1)
    for s in r:
        c, _ = s.accept()
        c.close()
' "$LISTEN_STOP" "$RST_PORT" "$DROP_PORT"
lab_on_exit "touch $LISTEN_STOP"
fg_wait_until 10 grep -q ready "$FG_TMP/listen.log" || tap_bail "listener did not start: $(cat "$FG_TMP/listen.log")"

# connects HOST PORT N: N connect()s in a row from the client namespace,
# each with TIMEOUT; prints one "RESULT MS" line per attempt (ok,
# refused, timeout or an errno name).
connects() {
	lab_exec "$FG_NS_CLIENT" timeout 60 python3 -c '
import errno, socket, sys, time
host, port, n, tmo = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
for _ in range(n):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(tmo)
    t = time.monotonic()
    try:
        s.connect((host, port))
        res = "ok"
    except ConnectionRefusedError:
        res = "refused"
    except socket.timeout:
        res = "timeout"
    except OSError as e:
        res = errno.errorcode.get(e.errno, str(e.errno))
    ms = (time.monotonic() - t) * 1000
    s.close()
    print(res, "%.2f" % ms)
' "$1" "$2" "$3" "$TIMEOUT"
}
csum_errors() {
	# shellcheck disable=SC2016 # awk's own $
	lab_exec "$FG_NS_CLIENT" awk '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) col[$i] = i; h = 1 } else print $col["InCsumErrors"] }' /proc/net/snmp
}
snap() { fg_stats_snapshot "$FG_TMP/s.$1.json"; }
since() { fg_stat --since "$FG_TMP/s.$1.json" "${@:2}"; }

# phase FAMILY DST: 9 TAP lines.
phase() {
	local fam=$1 dst=$2 out results max csum0
	csum0=$(csum_errors)
	snap "rst$fam"
	out=$(connects "$dst" "$RST_PORT" 6)
	results=$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $1 }' <<<"$out")
	max=$(awk 'NR > 2 && $2 > m { m = $2 } END { print m + 0 }' <<<"$out")
	diag "$fam reset: connect() results (ms): $(tr '\n' ' ' <<<"$out")"
	check_str "$fam rst rule: 6 connect()s in a row: 2 succeed, 4 refused" "$results" "ok ok refused refused refused refused"
	check_cmp "$fam rst rule: each refused within $FAST_MS ms (slowest ${max} ms)" "$max" '<' "$FAST_MS"
	check_eq "$fam rst rule: 4 SYNs answered, counted as action reset reason rate_connections" "$(since "rst$fam" reset rate_connections)" 4
	check_eq "$fam rst rule: nothing dropped" "$(since "rst$fam" drop '*')" 0
	check_eq "$fam: the client's TcpInCsumErrors did not grow" "$(($(csum_errors) - csum0))" 0

	snap "drop$fam"
	out=$(connects "$dst" "$DROP_PORT" 3)
	results=$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $1 }' <<<"$out")
	diag "$fam drop: connect() results (ms): $(tr '\n' ' ' <<<"$out")"
	check_str "$fam syndrop rule: 3 connect()s: 2 succeed, the third times out (${TIMEOUT} s), not refused" "$results" "ok ok timeout"
	check_eq "$fam syndrop rule: its SYN dropped as rate_connections" "$(since "drop$fam" drop rate_connections)" 1
	check_eq "$fam syndrop rule: no RST sent" "$(since "drop$fam" reset '*')" 0
}

phase IPv4 "$FG_SERVER4"
phase IPv6 "$FG_SERVER6"

touch "$LISTEN_STOP"
fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
