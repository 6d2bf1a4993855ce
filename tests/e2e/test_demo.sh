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

# untouched SOURCE_RE NAME: the summary line shows the source in the
# table with every packet it sent passed (a source missing from the table
# had none of its packets pass there: not untouched).
untouched() {
	local line
	line=$(summary "$1")
	if [[ $line =~ sent\ +([0-9]+).*passed\ +([0-9]+),\ dropped\ +0\ +-\>\ untouched ]] &&
		[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then
		ok "the $2 polite client is untouched: every packet passed (${BASH_REMATCH[2]})"
	else
		not_ok "the $2 polite client is untouched: every packet passed" "$line"
	fi
}
untouched '198\.51\.100\.10' IPv4
untouched '2001:db8:1::10' IPv6
line=$(summary '203\.0\.113\.66')
if [[ $line =~ held\ to\ ([0-9]+)/s.*limit\ ([0-9]+)/s ]]; then
	check_near "the flood is held to its limit (+-10%)" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" 10
else
	not_ok "the flood is held to its limit" "$line"
fi
