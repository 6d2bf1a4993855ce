#!/usr/bin/env bash
# The shipped alert rules and dashboard, without a lab:
#   - `promtool check rules` accepts tools/prometheus/floodgate-alerts.yml;
#   - `promtool test rules` passes tools/prometheus/floodgate-alerts.test.yml;
#   - that test file has, for every alert, a case where it fires and one
#     where it must not (exp_alerts: []);
#   - the dashboard is JSON with a Prometheus datasource variable.
# The queries themselves meet a real Prometheus in tests/e2e/test_prometheus.sh.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

RULES=$FG_ROOT/tools/prometheus/floodgate-alerts.yml
RULE_TESTS=$FG_ROOT/tools/prometheus/floodgate-alerts.test.yml
DASH=$FG_ROOT/tools/grafana/floodgate-dashboard.json
fg_require_cmds promtool python3
tap_plan 4

out=$(promtool check rules "$RULES" 2>&1)
check_eq "promtool check rules floodgate-alerts.yml: exit 0" $? 0 || diag "$out"
out=$(promtool test rules "$RULE_TESTS" 2>&1)
check_eq "promtool test rules floodgate-alerts.test.yml: exit 0" $? 0 || diag "$out"

# Alert names from the rules, and from the tests the ones that fire and
# the ones checked quiet: read as text (promtool parsed both already).
alerts=$(sed -n 's/^ *- alert: *//p' "$RULES" | sort -u)
coverage=$(awk '
	/alertname:/ { name = $2 }
	/exp_alerts: \[\]/ { print name, "quiet"; next }
	/exp_alerts:$/ { print name, "fires" }' "$RULE_TESTS" | sort -u)
missing=()
for a in $alerts; do
	for kind in fires quiet; do
		grep -qx "$a $kind" <<<"$coverage" || missing+=("$a:$kind")
	done
done
if [ "$(wc -w <<<"$alerts")" -ge 8 ] && [ ${#missing[@]} -eq 0 ]; then
	ok "every alert ($(wc -w <<<"$alerts")) has a firing and a quiet test case"
else
	not_ok "every alert has a firing and a quiet test case" "missing: ${missing[*]:-} alerts: $alerts"
fi

if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
v = [x for x in d["templating"]["list"] if x["type"] == "datasource" and x["query"] == "prometheus"]
sys.exit(0 if v and d["panels"] else 1)' "$DASH"; then
	ok "the dashboard is JSON with a Prometheus datasource variable"
else
	not_ok "the dashboard is JSON with a Prometheus datasource variable"
fi
