#!/usr/bin/env bash
# Scale: floodgated with a full 1 048 576-source table and 100 000 list
# entries, in a namespace lab (tests/e2e/lib.sh).
#
#   tools/bench/scale.sh
#   FG_BENCH_TABLE=N    table.max_sources and sources filled (1048576)
#
# Measured: memory per tracked source (the kernel's own figure for the
# map: memlock in fdinfo, as `bpftool map show` prints it), the /metrics
# scrape (curl time_total) and `floodgate top` on an empty and on a full
# table, against a bare walk of the same table two ways (fg-bench-table
# walk), the reload time (`floodgate reload`: SIGHUP, then the daemon's
# answer) from 1 000 to 100 000 list entries and back, and the daemon's
# RSS along the way. The table is filled from user space (batch
# update): what a flood of that many sources would leave, minus the
# flood.
BENCH_NAME=scale
# shellcheck source=tools/bench/common.sh
. "$(dirname "$0")/common.sh"

TABLE=${FG_BENCH_TABLE:-1048576}
PORT=9470
LISTS_BIG=100000

bench_require curl floodgated floodgate bench/fg-bench-cost bench/fg-bench-table

t0=$SECONDS
cfg=$FG_TMP/scale.yaml
write_cfg() { # LIST_ENTRIES
	{
		echo "interfaces: [$FG_IF_SERVER]"
		echo "metrics: {listen: \"127.0.0.1:$PORT\"}"
		echo "detach_on_exit: true"
		"$BENCH/fg-bench-cost" --print-config --max-sources "$TABLE" \
			--list-entries "$1"
	} >"$cfg.new" && mv "$cfg.new" "$cfg"
}

lab_setup --queues 1 || die "lab setup failed"
write_cfg 1000 || die "config"
fg_daemon_start "$cfg" || die "floodgated did not start"
pid=$FG_DAEMON_PID

now_ms() { date +%s%N | awk '{ printf "%.3f\n", $1 / 1e6 }'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minmax() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
scrape_ms() { # one scrape, ms
	lab_exec "$FG_NS_SERVER" curl -sS --max-time 30 -o /dev/null \
		-w '%{time_total}\n' "http://127.0.0.1:$PORT/metrics" |
		awk '{ printf "%.2f\n", $1 * 1000 }'
}
cli_ms() { # ms of one CLI command
	local a b
	a=$(now_ms)
	fg_cli "$@" >/dev/null || return 1
	b=$(now_ms)
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f\n", b - a }'
}
series() { # N CMD...: N timings, "median (min-max)"
	local n=$1 f
	shift
	f=$FG_TMP/series
	: >"$f"
	for ((k = 0; k < n; k++)); do "$@" >>"$f" || return 1; done
	echo "$(median <"$f") ($(minmax <"$f"))"
}
metric() { # the value of one series in a scrape
	lab_exec "$FG_NS_SERVER" curl -sS --max-time 30 "http://127.0.0.1:$PORT/metrics" |
		awk -v k="$1" '$1 == k { print $2 }'
}
jq_py() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

rss_start=$(rss_kb)
scrape_empty=$(series 5 scrape_ms) || die "scrape failed"
top_empty=$(series 3 cli_ms top -n 10) || die "floodgate top failed"

fill=$(lab_exec "$FG_NS_SERVER" "$BENCH/fg-bench-table" fill --pin-dir "$FG_PIN_DIR" --count "$TABLE") ||
	die "fill failed"
walk=$(lab_exec "$FG_NS_SERVER" "$BENCH/fg-bench-table" walk --pin-dir "$FG_PIN_DIR") || die "walk failed"
mem=$(lab_exec "$FG_NS_SERVER" "$BENCH/fg-bench-table" mem --pin-dir "$FG_PIN_DIR") || die "mem failed"
tracked=$(echo "$walk" | jq_py 'd["lookup_batch"]["entries"]')
cap=$(echo "$mem" | jq_py 'd["fg_sources"]["max_entries"]')
memlock=$(echo "$mem" | jq_py 'd["fg_sources"]["memlock"]')
memlock_total=$(echo "$mem" | jq_py 'd["total"]')

scrape_full=$(series 5 scrape_ms) || die "scrape failed"
reported=$(metric floodgate_tracked_sources)
top_full=$(series 3 cli_ms top -n 10) || die "floodgate top failed"
status_full=$(series 3 cli_ms status) || die "floodgate status failed"
rss_full=$(rss_kb)

# Reloads, three times over: 1 000 -> 100 000 list entries, 100 000
# again, back to 1 000, 1 000 again (the baseline). Timed from SIGHUP to
# the daemon's reload counter moving (fg-bench-table reload, 0.2 ms
# polls); `floodgate reload` once each way, as an operator sees it (it
# polls every 50 ms).
reload_ms() {
	lab_exec "$FG_NS_SERVER" "$BENCH/fg-bench-table" reload --pin-dir "$FG_PIN_DIR" |
		python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["ms"]) if d["ok"] else sys.exit("reload rejected")'
}
: >"$FG_TMP/r_up" && : >"$FG_TMP/r_big" && : >"$FG_TMP/r_down" && : >"$FG_TMP/r_small"
for ((k = 0; k < 3; k++)); do
	if ! { write_cfg "$LISTS_BIG" && reload_ms >>"$FG_TMP/r_up" &&
		reload_ms >>"$FG_TMP/r_big"; }; then
		die "reload (to $LISTS_BIG entries) failed"
	fi
	rss_lists=$(rss_kb)
	if ! { write_cfg 1000 && reload_ms >>"$FG_TMP/r_down" &&
		reload_ms >>"$FG_TMP/r_small"; }; then
		die "reload (to 1000 entries) failed"
	fi
done
reload_up="$(median <"$FG_TMP/r_up") ($(minmax <"$FG_TMP/r_up"))"
reload_same_big="$(median <"$FG_TMP/r_big") ($(minmax <"$FG_TMP/r_big"))"
reload_down="$(median <"$FG_TMP/r_down") ($(minmax <"$FG_TMP/r_down"))"
reload_same_small="$(median <"$FG_TMP/r_small") ($(minmax <"$FG_TMP/r_small"))"
write_cfg "$LISTS_BIG" || die "config"
cli_up=$(cli_ms reload) || die "floodgate reload failed"
write_cfg 1000 || die "config"
cli_down=$(cli_ms reload) || die "floodgate reload failed"
rss_end=$(rss_kb)

python3 - <<PY
import json
fill = json.loads('''$fill''')
walk = json.loads('''$walk''')
mem = json.loads('''$mem''')
tracked, cap = $tracked, $cap
memlock, total = $memlock, $memlock_total

def med(s):
    return float(s.split()[0])

def target(v, op, lim, what):
    ok = v <= lim if op == "<=" else v < lim
    return "; target %s %s %s: %s (%.2fx of it)" % (op, lim, what, "met" if ok else "NOT MET", v / lim)

print()
print("scale: table.max_sources %d, %d sources tracked (filled in %.2f s by batch update)" % (cap, tracked, fill["seconds"]))
per = memlock / cap
fixed = memlock - 128 * cap
print("  memory per tracked source: %.4f B (fg_sources memlock %d B / %d entries; preallocated, the same empty or full)%s"
      % (per, memlock, cap, target(round(per, 1), "<=", 128, "B")))
print("    that is 128 B an entry (112 B element: 48 B kernel header + 24 B key + 40 B value; 16 B hash bucket) and %d B for the map; per source actually tracked: %.2f B"
      % (fixed, memlock / tracked))
print("    every map together: %.1f MB, %.1f B per table entry" % (total / 1e6, total / cap))
print("    per map (memlock B): " + ", ".join("%s %d" % (k, v["memlock"]) for k, v in mem.items() if k != "total"))
se, sf = med("$scrape_empty"), med("$scrape_full")
print("  /metrics scrape, full table: $scrape_full ms (median (min-max) of 5)%s" % target(sf, "<", 50, "ms"))
print("    empty table: $scrape_empty ms; full / empty: %.0fx; floodgate_tracked_sources reported: ${reported:-?}" % (sf / se))
k, g, b = walk["keys_only"], walk["get_next_key"], walk["lookup_batch"]
print("    for comparison, counting the %d entries by walking the keys (get_next_key) takes %.0f ms" % (k["entries"], k["seconds"] * 1e3))
print("  reading every entry (what top needs): get_next_key + lookup %.0f ms (how floodgate top reads); bpf_map_lookup_batch %.0f ms (%.1fx faster)"
      % (g["seconds"] * 1e3, b["seconds"] * 1e3, g["seconds"] / b["seconds"]))
te, tf = med("$top_empty"), med("$top_full")
print("  floodgate top -n 10, full table: $top_full ms (median (min-max) of 3); empty table: $top_empty ms; full / empty: %.0fx" % (tf / te))
print("  floodgate status, full table: $status_full ms (median (min-max) of 3)")
ru, rb = med("$reload_up"), med("$reload_same_small")
print("  reload, SIGHUP to the new config in force (median (min-max) of 3):")
print("    1 000 -> $LISTS_BIG list entries: $reload_up ms; $LISTS_BIG again: $reload_same_big ms; back to 1 000: $reload_down ms")
print("    1 000 -> 1 000 (baseline): $reload_same_small ms; to $LISTS_BIG / baseline: %.1fx" % (ru / rb))
print("    floodgate reload (the CLI polls every 50 ms): to $LISTS_BIG $cli_up ms, back to 1 000 $cli_down ms")
print("  daemon RSS: %.1f MB at start, %.1f MB after scrapes of the full table, %.1f MB with $LISTS_BIG list entries, %.1f MB at the end"
      % ($rss_start / 1024, $rss_full / 1024, $rss_lists / 1024, $rss_end / 1024))
PY
echo "# scale: $((SECONDS - t0)) s"
