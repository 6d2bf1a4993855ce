#!/usr/bin/env bash
# DESIGN §6: /metrics as a real Prometheus sees it.
#   - every metric of §6 is exported, with the traffic's figures;
#   - `promtool check metrics` on the scraped text reports nothing;
#   - gzip when asked: Content-Encoding: gzip and the same series;
#   - a real Prometheus (started here, inside the server namespace, so it
#     scrapes the daemon on that namespace's 127.0.0.1) ingests it: its
#     HTTP API returns floodgate_packets_total, it took every sample of
#     the scrape, and a metric relabel rule (drop floodgate_build_info)
#     works on floodgate's names: one sample fewer after relabelling;
#   - the shipped Grafana dashboard and alert rules against that same
#     Prometheus (it loads the rules file): every panel query parses and
#     returns series, every alert rule evaluates with health ok, and every
#     metric name they use is in the daemon's /metrics (promql_check.py).
# shellcheck source=tests/e2e/lib.sh disable=SC2119 # lab_setup without options
. "$(dirname "$0")/lib.sh"

RATE=1000
BURST=100
PORT=9
SRC=203.0.113.70
PROM_TIMEOUT=${FG_PROM_TIMEOUT:-40} # s, for Prometheus to start and scrape

T_START=$(($(date +%s) - 1)) # whole seconds: the daemon starts after it
fg_require_root
fg_require_cmds ip nsenter bpftool python3 awk curl gzip prometheus promtool
fg_require_bins floodgated floodgate fg-loadgen

tap_plan 24

lab_setup || tap_bail "could not build the lab"

# A free TCP port on the server namespace's loopback.
free_port() {
	lab_free_port "$FG_NS_SERVER"
}
MPORT=$(free_port)
LISTEN=127.0.0.1:$MPORT

cfg=$FG_TMP/prom.yaml
cat >"$cfg" <<EOF
interfaces: [$FG_IF_SERVER]
metrics:
  listen: "$LISTEN"
  top_sources: 5
limits:
  packets: $RATE/s
  burst_packets: $BURST
rules:
  - name: dns
    protocol: udp
    ports: [53]
    packets: 100/s
EOF
fg_daemon_start "$cfg" || tap_bail "floodgated did not attach"
if fg_log_wait 'msg="serving metrics"' 10; then
	ok "floodgated serves /metrics on $LISTEN (server namespace)"
else
	not_ok "floodgated serves /metrics on $LISTEN" "$(tail -n 5 "$FG_DAEMON_LOG")"
fi

# Traffic: a throttled flood on the default limit and a little on the rule.
fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port "$PORT" --src "$SRC" --count 3000 --duration 10 >/dev/null
fg_loadgen "$FG_NS_CLIENT" --dst "$FG_SERVER4" --port 53 --src 203.0.113.71 --count 50 --duration 10 >/dev/null
drops=$(fg_stat drop rate_packets)

# 1. The plain scrape.
plain=$FG_TMP/metrics.txt
hdrs=$FG_TMP/metrics.hdr
fg_metrics "$LISTEN" -D "$hdrs" -o "$plain"
check_eq "GET /metrics: curl exit 0" $? 0
if grep -qiE '^content-type: text/plain; version=0\.0\.4' "$hdrs"; then
	ok "Content-Type: text/plain; version=0.0.4"
else
	not_ok "Content-Type: text/plain; version=0.0.4" "$(cat "$hdrs")"
fi

missing=()
for m in floodgate_packets_total floodgate_bytes_total floodgate_rule_packets_total \
	floodgate_enabled floodgate_dry_run floodgate_tracked_sources \
	floodgate_tracked_sources_capacity floodgate_blocked_sources \
	floodgate_interface_attached floodgate_config_reloads_total \
	floodgate_config_last_reload_success_timestamp_seconds floodgate_build_info \
	floodgate_top_source_dropped_packets floodgate_interface_info \
	floodgate_config_last_reload_successful floodgate_admission_refused_packets_total \
	floodgate_revert_timestamp_seconds process_start_time_seconds \
	process_resident_memory_bytes process_virtual_memory_bytes \
	process_cpu_seconds_total process_open_fds process_max_fds; do
	grep -qE "^$m(\{| )" "$plain" || missing+=("$m")
done
if [ ${#missing[@]} -eq 0 ]; then
	ok "every metric of DESIGN §6 is exported"
else
	not_ok "every metric of DESIGN §6 is exported" "missing: ${missing[*]}"
fi
check_eq "floodgate_packets_total{action=\"drop\",reason=\"rate_packets\"} matches the pinned counter" \
	"$(fg_metric_value 'floodgate_packets_total{action="drop",reason="rate_packets"}' <"$plain")" "$drops"
check_eq "floodgate_interface_attached{interface=\"$FG_IF_SERVER\"} 1" \
	"$(fg_metric_value "floodgate_interface_attached{interface=\"$FG_IF_SERVER\"}" <"$plain")" 1
check_eq "floodgate_interface_info{interface=\"$FG_IF_SERVER\",mode=\"native\"} 1" \
	"$(fg_metric_value "floodgate_interface_info{interface=\"$FG_IF_SERVER\",mode=\"native\"}" <"$plain")" 1
# process_start_time_seconds: the daemon's own start, during this test.
check_ge "process_start_time_seconds: floodgated started after the test did" \
	"$(fg_metric_value process_start_time_seconds <"$plain")" "$T_START"
check_eq "floodgate_enabled 1" "$(fg_metric_value floodgate_enabled <"$plain")" 1
check_gt "floodgate_rule_packets_total{rule=\"dns\",action=\"pass\"} counts the rule's packets" \
	"$(fg_metric_value 'floodgate_rule_packets_total{rule="dns",action="pass"}' <"$plain")" 0
check_gt "floodgate_top_source_dropped_packets{source=\"$SRC\"} (top_sources: 5)" \
	"$(fg_metric_value "floodgate_top_source_dropped_packets{source=\"$SRC\"}" <"$plain")" 0

# 2. promtool.
out=$(promtool check metrics <"$plain" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
	ok "promtool check metrics reports nothing"
else
	not_ok "promtool check metrics reports nothing" "exit $rc" "$out"
fi

# 3. gzip.
gz=$FG_TMP/metrics.gz
fg_metrics "$LISTEN" -H 'Accept-Encoding: gzip' -D "$hdrs" -o "$gz"
if grep -qiE '^content-encoding: gzip' "$hdrs"; then
	ok "Accept-Encoding: gzip gets Content-Encoding: gzip"
else
	not_ok "Accept-Encoding: gzip gets Content-Encoding: gzip" "$(cat "$hdrs")"
fi
names() { grep -v '^#' | sed -E 's/[{ ].*//' | sort -u; }
if gzip -dc "$gz" >"$FG_TMP/metrics.gunzip" 2>"$FG_TMP/gzip.err" &&
	[ "$(names <"$FG_TMP/metrics.gunzip")" = "$(names <"$plain")" ]; then
	ok "the gzip body decompresses to the same metric names"
else
	not_ok "the gzip body decompresses to the same metric names" "$(cat "$FG_TMP/gzip.err")" \
		"$(diff <(names <"$plain") <(names <"$FG_TMP/metrics.gunzip") | head -n 20)"
fi
fg_metrics "$LISTEN" --compressed -o "$FG_TMP/metrics.compressed"
if [ "$(names <"$FG_TMP/metrics.compressed")" = "$(names <"$plain")" ]; then
	ok "curl --compressed: the same metric names"
else
	not_ok "curl --compressed: the same metric names"
fi
out=$(lab_exec "$FG_NS_SERVER" curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://$LISTEN/nope")
check_eq "GET /nope: 404" "$out" 404

# 4. A real Prometheus scraping it every second.
PPORT=$(free_port)
mkdir -p "$FG_TMP/prom-data"
cat >"$FG_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $FG_ROOT/tools/prometheus/floodgate-alerts.yml
scrape_configs:
  - job_name: floodgate
    static_configs:
      - targets: ["$LISTEN"]
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: floodgate_build_info
        action: drop
EOF
lab_bg "$FG_NS_SERVER" "$FG_TMP/prometheus.log" prometheus \
	--config.file="$FG_TMP/prometheus.yml" --storage.tsdb.path="$FG_TMP/prom-data" \
	--web.listen-address="127.0.0.1:$PPORT" --log.level=warn
PROM_PID=$LAB_BG_PID
diag "prometheus pid $PROM_PID on 127.0.0.1:$PPORT (server namespace), scraping $LISTEN"

# query EXPR: the number of series in an instant query's result (fails
# when Prometheus is not answering yet).
query() {
	lab_exec "$FG_NS_SERVER" curl -sS --max-time 5 -G \
		--data-urlencode "query=$1" "http://127.0.0.1:$PPORT/api/v1/query" |
		python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d["status"] == "success" and d["data"]["result"] else 1)'
}
if fg_wait_until "$PROM_TIMEOUT" query floodgate_packets_total; then
	ok "Prometheus' HTTP API returns floodgate_packets_total"
else
	not_ok "Prometheus' HTTP API returns floodgate_packets_total (within ${PROM_TIMEOUT}s)" \
		"$(tail -n 20 "$FG_TMP/prometheus.log")"
fi
check "Prometheus: up{job=\"floodgate\"} == 1" query 'up{job="floodgate"} == 1'
check "Prometheus: floodgate_packets_total{reason=\"rate_packets\"} > 0" \
	query 'floodgate_packets_total{action="drop",reason="rate_packets"} > 0'
# Every sample of the scrape reached Prometheus (the series set is stable
# now: the traffic is over), and the relabel rule removed exactly the one
# floodgate_build_info sample, nothing else.
samples=$(grep -cv '^#' "$plain")
check "Prometheus: scrape_samples_scraped == the $samples samples of our own scrape" \
	query "scrape_samples_scraped{job=\"floodgate\"} == $samples"
check "Prometheus: metric_relabel_configs dropped floodgate_build_info, one sample" \
	query 'scrape_samples_post_metric_relabeling{job="floodgate"} == scrape_samples_scraped{job="floodgate"} - 1'
check "Prometheus: floodgate_build_info is absent, floodgate_enabled is there" \
	query 'absent(floodgate_build_info{job="floodgate"}) and on() floodgate_enabled{job="floodgate"} == 1'

# 5. The dashboard and the alert rules, once every rule has been evaluated.
rules_evaluated() {
	lab_exec "$FG_NS_SERVER" curl -sS --max-time 5 "http://127.0.0.1:$PPORT/api/v1/rules" |
		python3 -c '
import json, sys
rules = [r for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"]]
sys.exit(0 if rules and all(r.get("health") != "unknown" for r in rules) else 1)'
}
fg_wait_until 15 rules_evaluated
# rate() needs two samples in its window: on a loaded machine the
# queries can come after only one scrape.
fg_wait_until 15 query 'count_over_time(up{job="floodgate"}[1m]) >= 3' ||
	diag "fewer than 3 scrapes after 15 s"
out=$(lab_exec "$FG_NS_SERVER" python3 "$FG_ROOT/tests/e2e/promql_check.py" "http://127.0.0.1:$PPORT" \
	"$plain" "$FG_ROOT/tools/grafana/floodgate-dashboard.json" floodgate 2>&1)
rc=$?
diag "$(tail -n 1 <<<"$out")"
if [ "$rc" -eq 0 ]; then
	ok "dashboard queries return series, alert rules evaluate ok, every metric they use is exported"
else
	not_ok "dashboard queries return series, alert rules evaluate ok, every metric they use is exported" "$out"
fi

fg_kill "$PROM_PID" 5
fg_daemon_stop "$FG_DAEMON_PID"
check_eq "floodgated stopped cleanly on SIGTERM" $? 0
