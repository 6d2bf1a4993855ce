#!/usr/bin/env bash
# `make demo` must keep working: run it short and check its summary says
# what it claims (polite sources untouched, the flood held to its limit).
# The demo builds its own lab (tests/e2e/lib.sh) and removes it.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
fg_require_root
tap_plan 4

out=$(DEMO_SECONDS=3 timeout 60 "$FG_ROOT/tools/lab/demo.sh" 2>&1)
check_eq "the demo exits 0" "$?" 0
summary() { printf '%s\n' "$out" | grep -E "^ +$1 +sent"; }

line=$(summary '198\.51\.100\.10')
if [[ $line =~ dropped\ +0\ +-\>\ untouched ]]; then
	ok "the IPv4 polite client is untouched"
else
	not_ok "the IPv4 polite client is untouched" "$line"
fi
line=$(summary '2001:db8:1::10')
if [[ $line =~ sent\ +([0-9]+).*passed\ +([0-9]+),\ dropped\ +0 ]] &&
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]; then
	ok "the IPv6 polite client is untouched: every packet passed"
else
	not_ok "the IPv6 polite client is untouched" "$line"
fi
line=$(summary '203\.0\.113\.66')
if [[ $line =~ held\ to\ ([0-9]+)/s.*limit\ ([0-9]+)/s ]]; then
	check_near "the flood is held to its limit (+-10%)" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" 10
else
	not_ok "the flood is held to its limit" "$line"
fi
