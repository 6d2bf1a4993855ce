#!/usr/bin/env python3
"""Checks the shipped dashboard and alert rules against a real Prometheus
that scrapes a real floodgated (run by test_prometheus.sh).

  promql_check.py PROM_URL METRICS_FILE DASHBOARD_JSON JOB

Prints one TAP-like line per failure ("FAIL ...") and a summary line
("panels N queries N rules N names N"); exits 1 on any failure.
- every panel query of the dashboard (its variables set to the job, all
  instances, a 1m rate interval) parses, evaluates and returns series;
- every alert rule (Prometheus loaded the rules file) evaluated with
  health "ok";
- every metric name those expressions use is in the daemon's /metrics
  text (`up` excepted: Prometheus makes it, and it must return series).
"""
import json
import re
import sys
import urllib.parse
import urllib.request

prom, metrics_file, dash_file, job = sys.argv[1:5]
failures = []


def api(path, **params):
    url = f"{prom}/api/v1/{path}"
    data = urllib.parse.urlencode(params).encode() if params else None
    with urllib.request.urlopen(url, data=data, timeout=10) as r:
        return json.load(r)


def targets(panels):
    for p in panels:
        yield from targets(p.get("panels", []))
        for t in p.get("targets", []):
            yield p["title"], t["expr"]


def substitute(expr):
    for var, val in (("job", job), ("instance", ".*"), ("__rate_interval", "1m")):
        expr = expr.replace("${%s}" % var, val).replace("$" + var, val)
    if "$" in expr:
        failures.append(f"FAIL unknown variable left in {expr!r}")
    return expr


exported = set()
with open(metrics_file) as f:
    for line in f:
        if line and not line.startswith("#"):
            exported.add(re.split(r"[{ ]", line, maxsplit=1)[0])

NAME = re.compile(r"\b((?:floodgate|process)_[a-z0-9_]+)\b")
names = set()

dash = json.load(open(dash_file))
nvars = 0
for v in dash["templating"]["list"]:
    if v["type"] == "datasource":
        nvars += v["query"] == "prometheus"
if nvars != 1:
    failures.append("FAIL the dashboard has no prometheus datasource variable")
npanels = nqueries = 0
for p in dash["panels"]:
    npanels += p["type"] != "row"
    for t in p.get("targets", []):
        if t.get("datasource", {}).get("uid") != "${datasource}":
            failures.append(f"FAIL panel {p['title']!r}: not on ${{datasource}}")
for title, expr in targets(dash["panels"]):
    nqueries += 1
    q = substitute(expr)
    names.update(NAME.findall(q))
    try:
        r = api("query", query=q)
    except Exception as e:  # HTTP 400: the query does not parse
        failures.append(f"FAIL panel {title!r}: {q!r}: {e}")
        continue
    if r.get("status") != "success" or not r["data"]["result"]:
        failures.append(f"FAIL panel {title!r}: {q!r}: no series ({r.get('error', '')})")

rules = [r for g in api("rules")["data"]["groups"] for r in g["rules"]]
for r in rules:
    names.update(NAME.findall(r["query"]))
    if r.get("health") != "ok":
        failures.append(f"FAIL rule {r['name']}: health {r.get('health')}: {r.get('lastError', '')}")
if not rules:
    failures.append("FAIL Prometheus loaded no rules")
if not api("query", query=f'up{{job="{job}"}}')["data"]["result"]:
    failures.append(f'FAIL up{{job="{job}"}} has no series')

for n in sorted(names - exported):
    failures.append(f"FAIL metric {n} is used but floodgated does not export it")

for f in failures:
    print(f)
print(f"panels {npanels} queries {nqueries} rules {len(rules)} names {len(names)}")
sys.exit(1 if failures else 0)
