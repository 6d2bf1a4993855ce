#!/usr/bin/env bash
# DESIGN §9, issue 11 item 6: `floodgate advise`. Sources at known rates
# over the veth, all under rule lab (the defaults for anything else) in dry-run (so the
# over-limit part is counted as would-be drops, not dropped):
#   - 10 polite sources at 20 pps, 2 heavier ones at 100 pps, 1 flood at
#     1000 pps;
#   - `advise --json` reports 13 sources, p50 ~ 20 and max ~ 1000 within
#     the documented error, the flood as the one outlier, the heavier
#     pair as the polite maximum, and a suggested limit between them
#     that only the flood is over;
#   - with the default floors (10 minutes observed, 50 sources) the few
#     seconds and 13 sources here get no suggestion: the JSON says how
#     long (observed_seconds, the sampled time, not the --since range)
#     and how many it saw and why it refuses (refused), the text too;
#     the figures above are checked with the floors lowered
#     (--min-observed 1s --min-sources 10);
#   - the text output's shape; an unknown --rule, a bad --since and a bad
#     --min-sources are usage errors (exit 2) that name the problem.
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

LIMIT=50
POLITE_PPS=20
HEAVY_PPS=100
FLOOD_PPS=1000
RUN_S=7
PORT=9

fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 20

lab_setup || tap_bail "could not build the lab"
# The lab's traffic has a rule of its own, so the figures here are its
# flow's alone, whatever else ever reaches the defaults.
cfg=$(fg_config "mode: dry-run" \
	"rules: [{name: lab, protocol: udp, ports: [$PORT], packets: $LIMIT/s, burst_packets: $LIMIT}]")
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"

# A run that straddles two 5-minute windows counts each source in both:
# start clear of the boundary.
left=$((300 - $(date +%s) % 300))
if [ "$left" -lt $((RUN_S + 6)) ]; then
	diag "waiting ${left}s for the next advise window"
	sleep "$left"
fi

send() { # LOG ARGS...: a paced, bounded sender in the client namespace
	local log=$1
	shift
	lab_bg "$FG_NS_CLIENT" "$FG_TMP/$log" "$FG_LOADGEN" --dst "$FG_SERVER4" \
		--port "$PORT" --duration "$RUN_S" --batch 1 "$@"
	PIDS+=("$LAB_BG_PID")
}
PIDS=()
send polite.log --src-range 203.0.113.0/28 --sources 10 --rate $((10 * POLITE_PPS))
send heavy.log --src-range 203.0.113.32/29 --sources 2 --rate $((2 * HEAVY_PPS))
send flood.log --src 203.0.113.50 --rate "$FLOOD_PPS"
for p in "${PIDS[@]}"; do
	fg_wait_pid "$p" $((RUN_S + 10)) || diag "a sender failed: $(cat "$FG_TMP"/*.log)"
done
sleep 1.5 # the sampler's last pass over the tail

# The default floors: what it saw, and why no suggestion.
json=$(fg_cli --json advise)
diag "$json"
declare -A D
while IFS='=' read -r k v; do D[$k]=$v; done < <(python3 -c '
import json, sys
d = json.load(sys.stdin)
r = [x for x in d["rules"] if x["rule"] == "lab"][0]
for k in ("sources", "observed_seconds", "refused", "suggested"):
    print("%s=%s" % (k, r[k]))' <<<"$json")
if [ "${D[suggested]}" = None ] && [ "${D[sources]}" = 13 ] &&
	[[ ${D[refused]} == "observed ${D[observed_seconds]}s, under the 600s floor (--min-observed)"* ]]; then
	ok "default floors: no suggestion, refused: ${D[refused]}"
else
	not_ok "default floors: no suggestion, and why" "$(declare -p D)"
fi
obs=${D[observed_seconds]}
check_ge "observed_seconds ($obs) is the time sampled, about the run's $RUN_S s" "$obs" $((RUN_S - 2))
check_le "... not the 3600 s asked for" "$obs" $((RUN_S + 5))

json=$(fg_cli --json advise --min-observed 1s --min-sources 10)
diag "$json"
# The figures the checks use, in one python run: name=value lines.
declare -A R
while IFS='=' read -r k v; do R[$k]=$v; done < <(python3 -c '
import json, sys
d = json.load(sys.stdin)
r = [x for x in d["rules"] if x["rule"] == "lab"][0]
c = {x["name"]: x for x in r["candidates"]}
for k, v in (("sources", r["sources"]), ("p50", r["packets"]["p50"]),
             ("max", r["packets"]["max"]), ("p999", r["packets"]["p999"]),
             ("outliers", r["outliers"]),
             ("polite_max", c["polite max"]["limit"]),
             ("current_over", c["current"]["sources_over"]),
             ("sugg", r["suggested"]["packets"]),
             ("sugg_over", r["suggested"]["sources_over"]),
             ("sugg_burst", r["suggested"]["burst_packets"])):
    print("%s=%s" % (k, v))' <<<"$json")

# Documented error: 2.2 % (the bucket) plus one packet per 1 s interval;
# the senders' own pacing adds a little (TOL_PACING). In percent of RATE.
TOL_PACING=0.05
tol() { calc "(0.022 + $TOL_PACING) * 100 + 100 / $1"; }

check_eq "13 sources were sampled" "${R[sources]}" 13
check_near "p50 is the polite rate, $POLITE_PPS pps" "${R[p50]}" "$POLITE_PPS" "$(tol $POLITE_PPS)"
check_near "max is the flood's rate, $FLOOD_PPS pps" "${R[max]}" "$FLOOD_PPS" "$(tol $FLOOD_PPS)"
check_near "p99.9 (13 sources: the top one) is the flood's" "${R[p999]}" "$FLOOD_PPS" "$(tol $FLOOD_PPS)"
check_eq "one outlier: the flood" "${R[outliers]}" 1
check_near "the polite maximum is the heavier pair's $HEAVY_PPS pps" \
	"${R[polite_max]}" "$HEAVY_PPS" "$(tol $HEAVY_PPS)"
check_eq "the heavier pair and the flood are over the current limit ($LIMIT)" \
	"${R[current_over]}" 3
sugg=${R[sugg]}
check_gt "the suggested limit ($sugg) is above the heavier pair" "$sugg" "$(calc "$HEAVY_PPS * 1.1")"
check_cmp "the suggested limit ($sugg) is below the flood" "$sugg" '<' "$FLOOD_PPS"
check_eq "only the flood is over the suggested limit" "${R[sugg_over]}" 1
check_eq "the suggested burst is one second at the limit" "${R[sugg_burst]}" "$sugg"

text=$(fg_cli advise --rule lab --since 10m)
diag "$text"
if grep -q "^rule lab: up to 13 sources in one window, [0-9]*s observed (of the last 600s" <<<"$text" &&
	grep -q '^  no suggestion: observed .*s, under the 600s floor' <<<"$text" &&
	! grep -q 'suggested:' <<<"$text"; then
	ok "the text output with the default floors: what it saw, no suggestion and why"
else
	not_ok "the text output with the default floors: what it saw, no suggestion and why" "$text"
fi
text=$(fg_cli advise --rule lab --since 10m --min-observed 1s --min-sources 10)
diag "$text"
if grep -q '^rule lab: up to 13 sources in one window, [0-9]*s observed (of the last 600s' <<<"$text" &&
	grep -q '^  CANDIDATE  *LIMIT  *SOURCES_OVER$' <<<"$text" &&
	grep -q "^  suggested: packets ${sugg%.*}/s, burst_packets ${sugg%.*} (1 outlier sources" <<<"$text"; then
	ok "the text output: the rule's line, the candidates' table, the suggestion"
else
	not_ok "the text output: the rule's line, the candidates' table, the suggestion" "$text"
fi

out=$(fg_cli advise --rule nosuch 2>&1)
rc=$?
check_eq "advise --rule nosuch exits 2" "$rc" 2
if grep -q 'no rule "nosuch" (rules: .*lab' <<<"$out"; then
	ok "... naming the rule and the rules there are"
else
	not_ok "... naming the rule and the rules there are" "$out"
fi
out=$(fg_cli advise --since forever 2>&1)
rc=$?
if [ "$rc" = 2 ] && grep -q 'advise --since: "forever"' <<<"$out"; then
	ok "advise --since forever: exit 2, naming the value"
else
	not_ok "advise --since forever: exit 2, naming the value" "rc=$rc $out"
fi
out=$(fg_cli advise --min-sources 0 2>&1)
rc=$?
if [ "$rc" = 2 ] && grep -q 'advise --min-sources: "0"' <<<"$out"; then
	ok "advise --min-sources 0: exit 2, naming the value"
else
	not_ok "advise --min-sources 0: exit 2, naming the value" "rc=$rc $out"
fi
