#!/usr/bin/env bash
# `make demo` must keep working: run it short and check its summary says
# what it claims (polite sources untouched, the flood held to its limit).
# The demo runs its own lab (tests/e2e/lib.sh) and cleans up after itself.
set -uo pipefail
cd "$(dirname "$0")/../.."
echo "1..4"
out=$(DEMO_SECONDS=3 timeout 60 tools/lab/demo.sh 2>&1)
rc=$?
n=0
check() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else
		echo "not ok $n - $1"
		printf '%s\n' "$out" | tail -n 15 | sed 's/^/# /'
	fi
}
check "the demo exits 0" '[ "$rc" -eq 0 ]'
check "the IPv4 polite client is untouched" 'printf "%s\n" "$out" | grep -E "^ +198\.51\.100\.10 .* dropped +0 +-> untouched" >/dev/null'
check "the IPv6 polite client is untouched, every packet passed" \
	'printf "%s\n" "$out" | grep -E "^ +2001:db8:1::10 +sent +([0-9]+) .*passed +\1, dropped +0 +-> untouched" >/dev/null'
held=$(printf '%s\n' "$out" | sed -n 's/^ *203\.0\.113\.66 .*-> held to \([0-9]*\)\/s after its burst (limit \([0-9]*\)\/s).*/\1 \2/p')
check "the flood is held to its limit, within 10 % ($held)" \
	'[ -n "$held" ] && awk -v h="${held% *}" -v l="${held#* }" "BEGIN { exit !(h >= 0.9 * l && h <= 1.1 * l) }"'
