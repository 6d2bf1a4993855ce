#!/usr/bin/env bash
# Runs every suite and ends with one line: "N passed, N failed".
# Each suite prints TAP ("ok N - ...", "not ok N - ..."); a suite that
# exits non-zero without a "not ok" line counts as one failure.
#   tests/run.sh          all suites
#   tests/run.sh PATTERN  only suites whose name contains PATTERN
# FG_LONG=1 adds tests/e2e/long/ (minutes each: `make test-long`).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
# The suites call python3 many times. A version manager's shim
# (pyenv, asdf: a shell script per call) costs 0.1-3 s per run on a busy
# machine, and the tests need only the standard library of Debian's
# python3 (tools/deps.sh), so its shims are left out of PATH here.
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/shims$' | paste -sd:)
export PATH
filter=${1:-}
tools/mount-bpffs.sh

suites=() long=()
[ "${FG_LONG:-0}" = 1 ] && long=(tests/e2e/long/test_*.sh)
for s in build/tests/unit_* build/tests/bpf_datapath tests/fuzz/test_*.sh \
	tests/e2e/test_*.sh tests/gates/test_*.sh "${long[@]}"; do
	[ -x "$s" ] || continue
	[ -n "$filter" ] && [[ "$s" != *"$filter"* ]] && continue
	suites+=("$s")
done

passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for s in "${suites[@]}"; do
	echo "# suite $s"
	start=$SECONDS
	CMOCKA_MESSAGE_OUTPUT=TAP "$s" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -cE '^ok [0-9]+' "$log" | head -1)
	k=$(grep -cE '^ok [0-9]+.*# *(SKIP|skip)' "$log" | head -1)
	f=$(grep -cE '^not ok [0-9]+' "$log" | head -1)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $s exited $rc"
		f=1
	fi
	passed=$((passed + p - k)) skipped=$((skipped + k)) failed=$((failed + f))
	echo "# suite $s: $((p - k)) passed, $f failed, $k skipped, $((SECONDS - start))s"
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
