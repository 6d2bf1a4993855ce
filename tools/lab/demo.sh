#!/usr/bin/env bash
# floodgate demo: a namespace lab where one source floods a server while
# two polite clients talk to it, with floodgated on the server's link.
# Prints, every second, what each source got through and what was
# dropped; then `floodgate top` and `floodgate status`; then removes
# everything (namespaces, pins, processes), also on Ctrl-C.
#
#   sudo tools/lab/demo.sh      (or: make demo)
#
# Network rules (shared/TESTING.md): traffic only between two namespaces
# made here, joined by one veth pair; documentation addresses only; every
# sender bounded in time and packets. Runs ~15 s.
#
# Tunables: DEMO_SECONDS (default 10, at most 20), DEMO_RATE (the limit,
# packets/s, default 1000), DEMO_FLOOD_PPS (default 20000).
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/../../tests/e2e/lib.sh"

SECS=${DEMO_SECONDS:-10}
[ "$SECS" -ge 1 ] 2>/dev/null && [ "$SECS" -le 20 ] || SECS=10
RATE=${DEMO_RATE:-1000}
BURST=$((RATE / 5))
FLOOD_PPS=${DEMO_FLOOD_PPS:-20000}
PORT=80
POLITE4=198.51.100.10 POLITE4_PPS=300
POLITE6=2001:db8:1::10 POLITE6_PPS=100 # keyed by its /64: 2001:db8:1::/64
FLOOD=203.0.113.66

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces, XDP, bpffs): sudo $0" >&2
	exit 1
fi
for b in floodgated floodgate fg-loadgen; do
	[ -x "$FG_BUILD/$b" ] || { echo "demo: $FG_BUILD/$b not built: run make" >&2; exit 1; }
done
for c in ip nsenter python3; do
	command -v "$c" >/dev/null || { echo "demo: $c not installed (make deps)" >&2; exit 1; }
done
[ -d /var/run/netns ] || mkdir -p /var/run/netns
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || { echo "demo: cannot mount bpffs" >&2; exit 1; }

if [ -t 1 ]; then
	bold() { printf '\033[1m%s\033[0m\n' "$*"; }
else
	bold() { printf '== %s ==\n' "$*"; }
fi
say() { printf '%s\n' "$*"; }

bold "floodgate demo: a flood throttled, polite clients untouched"
say "
  ns $FG_NS_CLIENT                                ns $FG_NS_SERVER
  polite  $POLITE4   $POLITE4_PPS pps  --+
  polite  $POLITE6  $POLITE6_PPS pps  --+-- veth --> $FG_IF_SERVER [XDP floodgate] $FG_SERVER4 / $FG_SERVER6
  flooder $FG_FLOOD4_NET: $FLOOD  $FLOOD_PPS pps --+
  limit per source: $RATE packets/s, burst $BURST (UDP port $PORT)
"
lab_setup >/dev/null || { echo "demo: could not build the lab" >&2; exit 1; }
cfg=$(fg_config "limits: {packets: $RATE/s, burst_packets: $BURST}")
if ! fg_daemon_start "$cfg"; then
	echo "demo: floodgated did not start; see above" >&2
	exit 1
fi
say "floodgated (pid $FG_DAEMON_PID): $(grep -F 'msg="attached"' "$FG_DAEMON_LOG" | head -n 1)"
say

# Senders, each bounded by --duration (and a timeout above it).
sender() {
	local dst=$FG_SERVER4
	[[ $1 == *:* ]] && dst=$FG_SERVER6
	lab_bg "$FG_NS_CLIENT" "$FG_TMP/send.$1.json" timeout $((SECS + 20)) "$FG_LOADGEN" \
		--dst "$dst" --port "$PORT" --src "$1" --rate "$2" --duration "$SECS" --json
	SENDERS+=("$LAB_BG_PID")
}
SENDERS=()
sender "$POLITE4" "$POLITE4_PPS"
sender "$POLITE6" "$POLITE6_PPS"
sender "$FLOOD" "$FLOOD_PPS"

# One line per second from `floodgate --json top` and `--json status`.
show() {
	python3 - "$FG_TMP/prev.json" "$1" "$POLITE4" "2001:db8:1::/64" "$FLOOD" \
		"$FG_TMP/top.json" "$FG_TMP/status.json" <<'PY'
import json, os, sys, time
prev_f, t, srcs = sys.argv[1], sys.argv[2], sys.argv[3:6]
top = {e["source"]: e for e in json.load(open(sys.argv[6]))}
st = json.load(open(sys.argv[7]))
tot = {a: sum(c["packets"] for c in st["counters"][a].values()) for a in ("pass", "drop")}
cur = {s: [top.get(s, {}).get("passed", 0), top.get(s, {}).get("dropped", 0)] for s in srcs}
cur["total"] = [tot["pass"], tot["drop"]]
cur["at"] = time.monotonic()
prev = json.load(open(prev_f)) if os.path.exists(prev_f) else dict(cur, t0=cur["at"])
cur["t0"] = prev["t0"]
json.dump(cur, open(prev_f, "w"))
dt = max(cur["at"] - prev["at"], 1e-3)
if t == "head":
    print("%5s  %-22s %-22s %-22s %s" % ("", "polite " + srcs[0], "polite " + srcs[1] + "/64",
                                        "FLOOD " + srcs[2], "all sources"))
    print("%5s  %-22s %-22s %-22s %s" % ("time", *(["passed/s  dropped/s"] * 3), "passed  dropped (total)"))
    sys.exit(0)
cols = []
for s in srcs:
    p, d = (cur[s][0] - prev[s][0]) / dt, (cur[s][1] - prev[s][1]) / dt
    cols.append("%8d  %9d    " % (p, d))
print("%4.1fs  %s%9d %9d" % (cur["at"] - cur["t0"], "".join(cols), cur["total"][0], cur["total"][1]))
PY
}
snapshot() {
	fg_cli --json top --by packets -n 100 >"$FG_TMP/top.json" &&
		fg_cli --json status >"$FG_TMP/status.json"
}
senders_running() {
	local p
	for p in "${SENDERS[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}
snapshot && show head
for ((i = 1; i <= SECS + 5; i++)); do
	sleep 1
	snapshot && show row
	senders_running || break
done
for p in "${SENDERS[@]}"; do fg_wait_pid "$p" 20; done
# The summary's figures: taken once every sender is done (the last row's
# may be a second old).
snapshot || echo "demo: floodgate top/status failed" >&2

say
bold "floodgate top --by packets"
fg_cli top --by packets -n 5
say
bold "floodgate status"
fg_cli status | sed -n '1,/^RULE/p' | sed '$d'

# Summary: what each source sent against what passed.
say
bold "summary"
python3 - "$FG_TMP" "$RATE" "$BURST" "$POLITE4" "$POLITE6" "$FLOOD" <<'PY'
import json, sys
tmp, rate, burst = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
top = {e["source"]: e for e in json.load(open(tmp + "/top.json"))}
keys = {sys.argv[4]: sys.argv[4], sys.argv[5]: "2001:db8:1::/64", sys.argv[6]: sys.argv[6]}
for src, key in keys.items():
    try:
        r = json.loads(open("%s/send.%s.json" % (tmp, src)).read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        print("  %-16s sender failed" % src)
        continue
    T = (r["last_ns"] - r["first_ns"]) / 1e9 or 1
    e = top.get(key)
    line = "  %-16s sent %7d at %6.0f pps: " % (src, r["sent"], r["sent"] / T)
    if e is None:
        # Not tracked: none of its packets reached the limits (a list,
        # a lost route): not "untouched".
        print(line + "not in the source table -> nothing of it was limited or passed there")
        continue
    line += "passed %7d, dropped %7d" % (e["passed"], e["dropped"])
    if e["dropped"]:
        line += "  -> held to %.0f/s after its burst (limit %d/s)" % ((e["passed"] - burst) / T, rate)
    elif e["passed"] == r["sent"]:
        line += "  -> untouched"
    else:
        line += "  -> %d of its packets not seen" % (r["sent"] - e["passed"])
    print(line)
PY
say
say "cleaning up (namespaces $FG_NS_CLIENT, $FG_NS_SERVER; pins $FG_PIN_DIR)"
fg_daemon_stop "$FG_DAEMON_PID"
