#!/usr/bin/env bash
# Fault injection (issue 8): what the user sees when things go wrong
# around the daemon, each checked by its exit code or log line, by the
# metrics, and by the datapath still enforcing (real packets).
#   1. a pinned map from an incompatible build (fg_cfg with another value
#      size): replaced with a warning, the rest adopted, new config live;
#   2. the metrics port taken: the datapath runs, an error says why, and
#      /metrics comes up by itself once the port is free;
#   3. 1000 connections to /metrics, idle or sending a byte at a time, from
#      the scraper's own loopback address, reconnecting when closed: a
#      normal scrape still answers within 1 s; a 1 MB request line: 414;
#   4. the config file deleted, then replaced by a directory: each reload
#      is a counted failure with a clear log line, the old rules still run;
#   5. 100 SIGHUPs in about a second while the file changes (some versions
#      invalid): the daemon runs on, and ends on the last good config;
#   6. the source table full with `table.new_sources: 0` (admission off):
#      as the README says, every new source is admitted (none refused)
#      and the LRU evicts the oldest, so a limited source that is evicted
#      comes back with a fresh burst;
#   7. kill -9 in the middle of a reload: stopped by gdb exactly between
#      the writes of the idle config slot, then at random moments of a
#      SIGHUP storm on a large config: the live slot (fg_ctl.cfg_slot)
#      is always exactly one whole config, and a restart adopts the pins.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

fg_require_root
fg_require_cmds ip nsenter bpftool python3 curl
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 29

lab_setup || tap_bail "could not build the lab"
T0=$SECONDS

MPORT=$(lab_free_port "$FG_NS_SERVER")
LISTEN=127.0.0.1:$MPORT
TABLE='table: {max_sources: 64, ipv6_prefix: 64, new_sources: 0}'
cfg=$FG_TMP/faults.yaml

# base_cfg LIMIT [RULE_NAME PORT]...: the common config, the default
# limit LIMIT packets/s (burst 5), one UDP rule (100/s, burst 20) per pair.
base_cfg() {
	local limit=$1
	shift
	echo "interfaces: [$FG_IF_SERVER]"
	echo "metrics: {listen: \"$LISTEN\"}"
	echo "$TABLE"
	echo "limits: {packets: $limit/s, burst_packets: 5}"
	[ $# -gt 0 ] && echo "rules:"
	while [ $# -gt 1 ]; do
		echo "  - {name: $1, protocol: udp, ports: [$2], packets: 100/s, burst_packets: 20}"
		shift 2
	done
}
# put FILE: stdin into FILE in one rename (a reader sees old or new).
put() { cat >"$1.tmp" && mv -f "$1.tmp" "$1"; }

metric() { fg_metrics "$LISTEN" | fg_metric_value "$1"; }

# drops: every packet dropped so far (floodgate --json status).
drops() {
	fg_cli --json status | python3 -c '
import json, sys
c = json.load(sys.stdin)["counters"]
print(sum(v["packets"] for a in ("drop", "reset") for v in c[a].values()))'
}
# drops_of SRC PORT [N]: sends N (100) UDP packets from SRC, as fast as
# possible, and prints how many the datapath dropped.
drops_of() {
	local before
	before=$(drops)
	fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$2" --src "$1" --count "${3:-100}" >/dev/null
	echo $(($(drops) - before))
}

# config_dump: what the datapath sees, read straight from the pins: the
# live slot (fg_ctl.cfg_slot) and, per slot, a digest of its fg_cfg
# entry, fg_meta entry and fg_ports table, and its rule names. JSON.
config_dump() {
	python3 - "$FG_PIN_DIR" <<'PY'
import ctypes, hashlib, json, mmap, struct, sys
pin = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)
SYS_BPF, LOOKUP, OBJ_GET, INFO = 321, 1, 7, 15

def bpf(cmd, attr):
    fd = libc.syscall(SYS_BPF, cmd, ctypes.byref(attr), ctypes.sizeof(attr))
    if fd < 0:
        raise OSError(ctypes.get_errno(), "bpf(%d)" % cmd)
    return fd

def obj_get(name):
    path = ctypes.create_string_buffer((pin + "/" + name).encode())
    attr = (ctypes.c_uint8 * 128)()
    struct.pack_into("Q", attr, 0, ctypes.addressof(path))
    return bpf(OBJ_GET, attr)

def info(fd):
    buf, attr = (ctypes.c_uint8 * 256)(), (ctypes.c_uint8 * 128)()
    struct.pack_into("IIQ", attr, 0, fd, 256, ctypes.addressof(buf))
    bpf(INFO, attr)
    return struct.unpack_from("6I", buf, 0)  # type id key value entries flags

def lookup(fd, slot):
    vsize = info(fd)[3]
    key, val = ctypes.create_string_buffer(struct.pack("I", slot)), ctypes.create_string_buffer(vsize)
    attr = (ctypes.c_uint8 * 128)()
    struct.pack_into("IIQQ", attr, 0, fd, 0, ctypes.addressof(key), ctypes.addressof(val))
    bpf(LOOKUP, attr)
    return val.raw

def digest(b):
    return hashlib.sha256(b).hexdigest()[:16]

ctl = mmap.mmap(obj_get("fg_ctl"), mmap.PAGESIZE, mmap.MAP_SHARED, mmap.PROT_READ)
live = struct.unpack_from("I", ctl, 8)[0]
pfd = obj_get("fg_ports")
entries = info(pfd)[4]
plen = (entries * 8 + mmap.PAGESIZE - 1) // mmap.PAGESIZE * mmap.PAGESIZE
ports = mmap.mmap(pfd, plen, mmap.MAP_SHARED, mmap.PROT_READ)
per_slot = entries // 2
cfd, mfd = obj_get("fg_cfg"), obj_get("fg_meta")
slots = []
for s in (0, 1):
    region = ports[s * per_slot * 8:(s + 1) * per_slot * 8]
    meta = lookup(mfd, s)
    nrules = struct.unpack_from("I", meta, 65 * 48)[0]
    names = [meta[i * 48:(i + 1) * 48].split(b"\0")[0].decode() for i in range(1, 1 + min(nrules, 64))]
    slots.append({"cfg": digest(lookup(cfd, s)), "meta": digest(meta),
                  "ports": digest(b"".join(region[i:i + 2] for i in range(0, len(region), 8))),
                  "rules": names})
print(json.dumps({"live": live, "slots": slots}))
PY
}
# dump_get JSON EXPR: a python expression over the dump `d`.
dump_get() { python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

# --- 1 and 2: an incompatible pinned map, and the metrics port taken --------

base_cfg 100000 | put "$cfg"
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"
fg_daemon_stop || diag "the first floodgated did not stop cleanly"
want_vsize=$(bpftool -j map show pinned "$FG_PIN_DIR/fg_cfg" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_value"])')
# An older build's fg_cfg: same name, another value size.
rm -f "$FG_PIN_DIR/fg_cfg"
bpftool map create "$FG_PIN_DIR/fg_cfg" type array key 4 value 8 entries 2 name fg_cfg ||
	tap_bail "bpftool could not pin an incompatible fg_cfg"
# The metrics port held by something else (in the daemon's namespace).
lab_bg "$FG_NS_SERVER" "$FG_TMP/holder.log" python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
print("holding", flush=True); time.sleep(60)' "$MPORT"
HOLDER=$LAB_BG_PID
fg_wait_until 5 grep -q holding "$FG_TMP/holder.log" || diag "the port holder did not start"

base_cfg 10 dns 53 | put "$cfg"
if fg_daemon_start "$cfg"; then
	ok "1. floodgated starts on pins holding an incompatible fg_cfg (and the port taken)"
else
	not_ok "1. floodgated starts on pins holding an incompatible fg_cfg"
	tap_bail "no daemon"
fi
line=$(grep -F 'msg="replacing incompatible pinned map; its state is reset"' "$FG_DAEMON_LOG")
if [[ $line == *map=fg_cfg* ]] && grep -qF 'msg="adopted pinned state"' "$FG_DAEMON_LOG"; then
	ok "1. the log names the replaced map (fg_cfg) and the rest is adopted"
else
	not_ok "1. the log names the replaced map and the rest is adopted" "$(cat "$FG_DAEMON_LOG")"
fi
got_vsize=$(bpftool -j map show pinned "$FG_PIN_DIR/fg_cfg" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_value"])')
check_eq "1. the pinned fg_cfg has this build's value size ($want_vsize bytes)" "$got_vsize" "$want_vsize"
# The first run allowed 100000/s: drops prove the new program and config.
check_ge "1. the new config (10/s, burst 5) is enforced: drops of 100 packets" \
	"$(drops_of 198.51.100.31 9)" 80

line=$(grep -F 'msg="metrics server failed; the datapath runs, retrying"' "$FG_DAEMON_LOG" | head -n 1)
if [[ $line == *"$LISTEN: cannot listen: Address already in use"* ]]; then
	ok "2. port taken: the error names the address and the reason, the datapath runs"
else
	not_ok "2. port taken: a clear error" "$line"
fi
fg_kill "$HOLDER" 2
t=$SECONDS
if fg_log_wait 'msg="serving metrics"' 10 && [ "$(metric floodgate_enabled)" = 1 ]; then
	ok "2. /metrics comes up by itself once the port is free ($((SECONDS - t)) s, no reload)"
else
	not_ok "2. /metrics comes up by itself once the port is free" "$(tail -n 5 "$FG_DAEMON_LOG")"
fi

diag "(at $((SECONDS - T0)) s)"
# --- 3. slowloris and an oversized request -----------------------------------

cat >"$FG_TMP/slowloris.py" <<'PY'
# N connections to the port from loopback (the scraper's own address):
# even ones never send, odd ones send a request a byte per round; closed
# ones are opened again (bounded), for SECS seconds.
import json, resource, socket, sys, time
port, n, secs, ready = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 200)), hard))
req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4096
def conn():
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    return s
socks = [conn() for _ in range(n)]
opened, reopened, rounds, sent = n, 0, 0, [0] * n
open(ready, "w").close()
end = time.monotonic() + secs
while time.monotonic() < end and reopened < 50000:
    rounds += 1
    for i, s in enumerate(socks):
        try:
            if s.recv(1, socket.MSG_DONTWAIT) == b"":
                raise ConnectionError
        except BlockingIOError:
            if i % 2:
                try:
                    s.send(req[sent[i] % len(req):][:1])
                    sent[i] += 1
                except BlockingIOError:
                    pass
                except OSError:
                    pass
            continue
        except OSError:
            pass
        s.close()
        socks[i], sent[i] = conn(), 0
        reopened += 1
    time.sleep(0.2)
held = 0
for s in socks:
    try:
        s.recv(1, socket.MSG_DONTWAIT)
    except BlockingIOError:
        held += 1
    except OSError:
        pass
print(json.dumps({"connections": n, "reopened": reopened, "rounds": rounds, "held_at_end": held}))
PY
log_before=$(wc -l <"$FG_DAEMON_LOG")
lab_bg "$FG_NS_SERVER" "$FG_TMP/slowloris.json" timeout 20 python3 "$FG_TMP/slowloris.py" \
	"$MPORT" 1000 3 "$FG_TMP/slowloris.ready"
ATTACKER=$LAB_BG_PID
fg_wait_until 10 test -e "$FG_TMP/slowloris.ready" || diag "the slowloris client did not get ready"
sleep 0.5
worst=0 fails=0 lat=()
for i in 1 2 3 4 5; do
	out=$(lab_exec "$FG_NS_SERVER" curl -sS --max-time 5 -o "$FG_TMP/scrape.$i" \
		-w '%{http_code} %{time_total}' "http://$LISTEN/metrics" 2>&1)
	read -r code secs <<<"$out"
	lat+=("$secs")
	if [ "$code" != 200 ] || ! grep -q '^floodgate_build_info' "$FG_TMP/scrape.$i"; then
		fails=$((fails + 1))
		diag "scrape $i: $out"
		secs=9 # a failed scrape is no fast one
	fi
	_fg_cmp "${secs:-9}" '>' "$worst" && worst=${secs:-9}
	sleep 0.3
done
fg_wait_pid "$ATTACKER" 20
diag "slowloris: $(cat "$FG_TMP/slowloris.json")"
diag "scrape latencies under it (s): ${lat[*]}"
check_eq "3. 5 scrapes during 1000 idle/trickling connections: every one answered in full" "$fails" 0
check_cmp "3. the slowest scrape took under 1 s (${worst} s)" "$worst" '<' 1
read -r reopened held < <(python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); print(d["reopened"], d["held_at_end"])' "$FG_TMP/slowloris.json" 2>/dev/null)
if [ "${reopened:-0}" -ge 900 ] && [ "${held:-0}" -ge 1 ] && [ "${held:-0}" -le 64 ]; then
	ok "3. the server held at most 64 of them ($held at the end) and closed the rest (reopened $reopened)"
else
	not_ok "3. the server held at most 64 of them and closed the rest" "held ${held:-?}, reopened ${reopened:-?}"
fi
logged=$(tail -n +"$((log_before + 1))" "$FG_DAEMON_LOG" | grep -c 'metrics server')
diag "$(tail -n +"$((log_before + 1))" "$FG_DAEMON_LOG" | grep 'metrics server' | head -n 8)"
check_le "3. the metrics server's log lines during it are rate-limited ($logged)" "$logged" 20

status=$(lab_exec "$FG_NS_SERVER" timeout 10 python3 - "$MPORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
try:
    s.sendall(b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
except OSError:
    pass
print(s.recv(4096).split(b"\r\n")[0].decode())
PY
)
if [[ $status == "HTTP/1.1 414 "* ]] && kill -0 "$FG_DAEMON_PID" && [ "$(metric floodgate_enabled)" = 1 ]; then
	ok "3. a 1 MB request line: '$status', and the daemon serves on"
else
	not_ok "3. a 1 MB request line is refused and the daemon serves on" "status: $status"
fi

diag "(at $((SECONDS - T0)) s)"
# --- 4. the config file deleted, then a directory, before a reload ----------

rm -f "$cfg"
out=$(fg_cli reload 2>&1)
rc=$?
if [ "$rc" = 1 ] && [[ $out == *"reload failed"* ]]; then
	ok "4. config deleted: floodgate reload exits 1 ($out)"
else
	not_ok "4. config deleted: floodgate reload exits 1" "exit $rc: $out"
fi
line=$(grep -F 'msg="reload failed; keeping the running config"' "$FG_DAEMON_LOG" | tail -n 1)
if [[ $line == *"$cfg"* && $line == *"No such file"* ]]; then
	ok "4. the log says the reload failed, the file and why"
else
	not_ok "4. the log says the reload failed, the file and why" "$line"
fi
mkdir "$cfg"
out=$(fg_cli reload 2>&1)
rc=$?
line=$(grep -F 'msg="reload failed; keeping the running config"' "$FG_DAEMON_LOG" | tail -n 1)
if [ "$rc" = 1 ] && [[ $line == *"$cfg"* ]]; then
	ok "4. config replaced by a directory: exit 1, and the log says ($line)"
else
	not_ok "4. config replaced by a directory: a counted failure" "exit $rc: $out" "$line"
fi
rmdir "$cfg"
check_eq "4. floodgate_config_reloads_total{result=\"failure\"} counts both" \
	"$(metric 'floodgate_config_reloads_total{result="failure"}')" 2
before=$(metric 'floodgate_rule_packets_total{rule="dns",action="drop"}')
fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port 53 --src 198.51.100.41 --count 200 >/dev/null
after=$(metric 'floodgate_rule_packets_total{rule="dns",action="drop"}')
check_ge "4. the old config still runs: its rule dns drops (200 packets at its 100/s, burst 20)" \
	"$(( ${after:-0} - ${before:-0} ))" 100

diag "(at $((SECONDS - T0)) s)"
# --- 5. a SIGHUP storm ---------------------------------------------------------

ok_before=$(metric 'floodgate_config_reloads_total{result="success"}')
fail_before=$(metric 'floodgate_config_reloads_total{result="failure"}')
for i in $(seq 1 99); do
	if [ $((i % 10)) = 0 ]; then
		echo "limits: {packets: fast}" >"$FG_TMP/storm.$i" # invalid
	else
		base_cfg 10 "storm$i" $((1000 + i)) >"$FG_TMP/storm.$i"
	fi
done
base_cfg 10 final 5353 >"$FG_TMP/storm.100"
# 100 times: the next version renamed into place, then SIGHUP, 10 ms apart.
span=$(python3 - "$FG_TMP" "$cfg" "$FG_DAEMON_PID" <<'PY'
import os, shutil, signal, sys, time
tmp, cfg, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = time.monotonic()
for i in range(1, 101):
    shutil.copyfile("%s/storm.%d" % (tmp, i), cfg + ".tmp")
    os.replace(cfg + ".tmp", cfg)
    os.kill(pid, signal.SIGHUP)
    time.sleep(0.01)
print("%.2f" % (time.monotonic() - t))
PY
)
# Quiet: the count of reload outcomes stops moving.
settled() {
	local n
	n=$(grep -cE 'msg="(reloaded|reload failed; keeping the running config)"' "$FG_DAEMON_LOG")
	[ "$n" = "${_last_n:-}" ] && return 0
	_last_n=$n
	return 1
}
fg_wait_until 15 settled
sleep 0.3
fg_wait_until 5 settled
if kill -0 "$FG_DAEMON_PID" 2>/dev/null &&
	[ "$(metric "floodgate_interface_attached{interface=\"$FG_IF_SERVER\"}")" = 1 ]; then
	ok "5. 100 SIGHUPs in $span s, the file changing in between: floodgated runs on, attached"
else
	not_ok "5. 100 SIGHUPs: floodgated runs on" "$(tail -n 10 "$FG_DAEMON_LOG")"
fi
dump=$(config_dump)
check_str "5. it ends on the last good config (live rules: final)" "$(dump_get "$dump" '[n for n in d["slots"][d["live"]]["rules"] if n]')" "['final']"
oks=$(( $(metric 'floodgate_config_reloads_total{result="success"}') - ok_before ))
fails=$(( $(metric 'floodgate_config_reloads_total{result="failure"}') - fail_before ))
diag "storm: $oks reloads succeeded, $fails failed (9 invalid versions), the rest coalesced"
check_le "5. every reload is counted once, no more than the signals (ok $oks + failed $fails)" "$((oks + fails))" 100
check_ge "5. the last rule is enforced: drops on port 5353 (rule final)" "$(drops_of 198.51.100.51 5353 200)" 100

diag "(at $((SECONDS - T0)) s)"
# --- 6. the source table full, admission off ----------------------------------

ev() { metric "floodgate_source_table_events_total{event=\"$1\"}"; }
refused() { metric floodgate_admission_refused_packets_total; }
ins0=$(ev inserted) ref0=$(refused)
# counters: "PASSED_UNDER_LIMIT DROPPED" (floodgate --json status).
counters() {
	fg_cli --json status | python3 -c '
import json, sys
c = json.load(sys.stdin)["counters"]
print(c["pass"]["under_limit"]["packets"], sum(v["packets"] for a in ("drop", "reset") for v in c[a].values()))'
}
read -r pass0 drop0 < <(counters)
fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER6" --port 9 --src-range 2001:db8:100::/40 \
	--source-prefix 64 --sources 1000 --count 1000 >/dev/null
read -r pass1 drop1 < <(counters)
check_str "6. 1000 new sources into a 64-entry table, new_sources: 0: all pass, none dropped" \
	"$((pass1 - pass0)) $((drop1 - drop0))" "1000 0"
ins=$(( $(ev inserted) - ins0 ))
check_str "6. metrics: 1000 inserted, refused unchanged ($(refused) - $ref0)" "$ins $(( $(refused) - ref0 ))" "1000 0"
check_le "6. metrics: floodgate_tracked_sources ($(metric floodgate_tracked_sources)) <= capacity 64" \
	"$(metric floodgate_tracked_sources)" "$(metric floodgate_tracked_sources_capacity)"
diag "(at $((SECONDS - T0)) s)"
# --- 7. kill -9 in the middle of a reload ---------------------------------------

# big_cfg TAG: 40 rules over wide port ranges and 1000 deny entries, all
# different per TAG, so each reload rewrites most of the slot and lists.
# A rule keeps its slot by name across reloads: 39 names are shared, so
# A and B lay their rules out the same way whatever ran before, and one
# name is the TAG's own, so the two rule tables differ too.
big_cfg() {
	python3 - "$FG_IF_SERVER" "$TABLE" "$LISTEN" "$1" <<'PY'
import sys
ifc, table, listen, tag = sys.argv[1:]
off = 0 if tag == "a" else 7
print("interfaces: [%s]" % ifc)
print('metrics: {listen: "%s"}' % listen)
print(table)
print("limits: {packets: 10/s, burst_packets: 5}")
print("rules:")
for i in range(40):
    lo = 1000 + i * 1500 + off * 100
    name = "%s_only" % tag if i == 39 else "r%02d" % i
    print("  - {name: %s, protocol: %s, ports: [\"%d-%d\"], packets: %d/s}" %
          (name, "udp" if i % 2 else "tcp", lo, lo + 1200, 100 + off * 10 + i))
print("lists:")
print("  deny:")
for i in range(1000):
    print("    - 2001:db8:%s::%x/128" % ("aaaa" if tag == "a" else "bbbb", i + 1))
PY
}
big_cfg a >"$FG_TMP/a.yaml"
big_cfg b >"$FG_TMP/b.yaml"
# The daemon of the cases above, reloaded: A, then B.
cp "$FG_TMP/a.yaml" "$cfg"
fg_cli reload >/dev/null || diag "reload to A failed: $(tail -n 2 "$FG_DAEMON_LOG")"
refA=$(config_dump)
cp "$FG_TMP/b.yaml" "$cfg"
fg_cli reload >/dev/null || diag "reload to B failed"
refB=$(config_dump)
# slot_of DUMP live|idle [PART]: which config a slot holds, "A", "B" or,
# when its parts differ, e.g. "cfg=A meta=B ports=?". With PART (cfg,
# meta or ports), that part's only.
slot_of() {
	python3 - "$refA" "$refB" "$@" <<'PY'
import json, sys
def slot(text, which="live"):
    d = json.loads(text)
    return d["slots"][d["live"] if which == "live" else 1 - d["live"]]
refs = {"A": slot(sys.argv[1]), "B": slot(sys.argv[2])}
got = slot(sys.argv[3], sys.argv[4])
def name(part):
    return next((n for n, r in refs.items() if r[part] == got[part]), "?")
parts = sys.argv[5:] or ["cfg", "meta", "ports"]
names = [name(p) for p in parts]
if len(parts) == 1:
    print(names[0])
elif len(set(names)) == 1 and names[0] != "?":
    print(names[0])
else:
    print(" ".join("%s=%s" % pn for pn in zip(parts, names)))
PY
}
check_str "7. reference dumps: A and B live after clean reloads" \
	"$(slot_of "$refA" live) $(slot_of "$refB" live)" "A B"

# kill_at_update N: with A in both slots, attach gdb, stop at the Nth
# bpf_map_update_elem of a reload to B in the daemon's main thread (the
# advise sampler writes its own map from another thread) and SIGKILL the
# daemon there. A stage writes the port table (mmapped, no call), then
# fg_rule_table (1), fg_dests (none here: no rule names destinations),
# fg_cfg (2), fg_meta (3), then flips. So 2: the port table and the rule
# table are in the idle slot, fg_cfg not yet; 3: fg_cfg too, fg_meta and
# the flip not yet. No test-only code in the daemon.
kill_at_update() {
	local n=$1 pid=$FG_DAEMON_PID gdb cmds
	cmds=(-iex 'set auto-solib-add off' -ex 'sharedlibrary libbpf'
		-ex 'handle SIGHUP nostop noprint pass' -ex 'handle SIGPIPE nostop noprint pass'
		-ex 'break bpf_map_update_elem thread 1')
	for ((i = 0; i < n; i++)); do cmds+=(-ex continue); done
	cmds+=(-ex "shell kill -KILL $pid" -ex kill -ex quit)
	timeout 30 gdb -q -batch -p "$pid" "${cmds[@]}" >"$FG_TMP/gdb.$n.log" 2>&1 &
	gdb=$!
	_FG_PIDS+=("$gdb")
	fg_wait_until 10 grep -q '^Breakpoint 1 at' "$FG_TMP/gdb.$n.log"
	cp "$FG_TMP/b.yaml" "$cfg"
	kill -HUP "$pid" # pending while gdb holds it; delivered on continue
	fg_wait_pid "$pid" 25
	fg_wait_pid "$gdb" 5
}
if ! command -v gdb >/dev/null; then
	skip "7. kill -9 between the port table and fg_cfg" "gdb not installed"
	skip "7. kill -9 between fg_cfg and fg_meta" "gdb not installed"
	fg_daemon_stop
else
	cp "$FG_TMP/a.yaml" "$cfg"
	if ! fg_cli reload >/dev/null || ! fg_cli reload >/dev/null; then diag "reloads to A failed"; fi
	kill_at_update 2
	d=$(config_dump)
	check_str "7. killed after the port table went into the idle slot: live A whole; idle: ports B, cfg A" \
		"$(slot_of "$d" live) ports=$(slot_of "$d" idle ports) cfg=$(slot_of "$d" idle cfg)" "A ports=B cfg=A" ||
		diag "$(cat "$FG_TMP/gdb.2.log")"
	# The restart writes A over the torn idle slot and flips: A in both.
	cp "$FG_TMP/a.yaml" "$cfg"
	fg_daemon_start "$cfg" || tap_bail "floodgated did not restart on the pins"
	fg_log_wait 'msg="started"' 10
	kill_at_update 3
	d=$(config_dump)
	check_str "7. killed after fg_cfg too, before fg_meta and the flip: live A whole; idle: cfg B, meta A" \
		"$(slot_of "$d" live) cfg=$(slot_of "$d" idle cfg) meta=$(slot_of "$d" idle meta)" "A cfg=B meta=A" ||
		diag "$(cat "$FG_TMP/gdb.3.log")"
fi

# Random moments: the daemon restarted on the pins (the file says B),
# then a SIGHUP storm alternating A and B, killed -9 after a random
# delay, and the live slot checked; the start's own config write is
# exposed to the kill too.
rounds=0 bad=() mid=0 deadline=$((SECONDS + 8))
while [ "$rounds" -lt 2 ] || { [ "$rounds" -lt 3 ] && [ "$SECONDS" -lt "$deadline" ]; }; do
	rounds=$((rounds + 1))
	cp "$FG_TMP/b.yaml" "$cfg"
	fg_daemon_start "$cfg" || { bad+=("round $rounds: no start"); break; }
	if [ "$rounds" = 1 ]; then
		d=$(config_dump)
		if grep -qF 'msg="adopted pinned state"' "$FG_DAEMON_LOG" && [ "$(slot_of "$d" live)" = B ]; then
			ok "7. a restart after the kill adopts the pins; the live slot is B, whole"
		else
			not_ok "7. a restart after the kill adopts the pins; the live slot is B, whole" \
				"$(slot_of "$d" live)" "$(tail -n 5 "$FG_DAEMON_LOG")"
		fi
		check_ge "7. and the datapath enforces it: the default 10/s drops" "$(drops_of 198.51.100.71 9)" 80
	fi
	pid=$FG_DAEMON_PID
	delay=$(python3 -c 'import random; print("%.3f" % random.uniform(0.02, 0.4))')
	(
		for i in $(seq 1 30); do
			if [ $((i % 2)) = 1 ]; then cp "$FG_TMP/a.yaml" "$cfg.tmp"; else cp "$FG_TMP/b.yaml" "$cfg.tmp"; fi
			mv -f "$cfg.tmp" "$cfg"
			kill -HUP "$pid" 2>/dev/null || exit 0
			sleep 0.02
		done
	) &
	storm=$!
	sleep "$delay"
	kill -KILL "$pid"
	fg_wait_pid "$pid" 5
	wait "$storm" 2>/dev/null
	last=$(grep -oE 'msg="(reloading|reloaded|reload failed[^"]*)"' "$FG_DAEMON_LOG" | tail -n 1)
	[ "$last" = 'msg="reloading"' ] && mid=$((mid + 1))
	s=$(slot_of "$(config_dump)" live)
	diag "round $rounds: killed after ${delay}s, last: ${last:-none}; live slot: $s"
	case $s in A | B) ;; *) bad+=("round $rounds: $s") ;; esac
done
check_eq "7. $rounds kills -9 at random moments ($mid mid-reload): the live slot is whole A or B each time" \
	"${#bad[@]}" 0 || diag "${bad[@]}"
diag "test_faults: $((SECONDS - T0)) s after the lab was built"
