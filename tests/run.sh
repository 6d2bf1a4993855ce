#!/usr/bin/env bash
# Runs every suite and ends with one line: "N passed, N failed", plus
# ", N skipped" when a test or a whole suite was skipped. Exit 0 when
# nothing failed and something passed.
#   tests/run.sh          all suites
#   tests/run.sh PATTERN  only suites whose path contains PATTERN
# FG_LONG=1 adds tests/e2e/long/ (minutes each: `make test-long`).
#
# Each suite prints TAP: one plan "1..N", then "ok N - ..." or
# "not ok N - ..."; a "# SKIP" directive after either is a skipped test
# (cmocka prints "not ok N # SKIP name"). Beyond its "not ok" lines a suite
# counts one failure ("not ok - SUITE: why") when it
#   - is listed but missing or not executable;
#   - runs past FG_SUITE_TIMEOUT seconds (default 600): its process group
#     gets TERM, so the lab's EXIT traps clean up, and KILL FG_SUITE_GRACE
#     seconds (default 30) later;
#   - prints no plan or several, or fewer or more results than planned;
#   - exits non-zero without a "not ok" line.
# tools/mount-bpffs.sh failing counts one failure too.
# "1..0 # SKIP WHY" skips a whole suite: it counts as one skipped, named
# above the closing line, as is each skipped test. Under CI=true a suite
# with any skip, whole or single, fails as well: CI runs as root with
# everything installed on a machine of the kind the project is tested on,
# so a skip there means a missing tool, privilege or build output, which
# is a defect (outside CI, e.g. in a container without an IPv6 loopback,
# a skip stays a skip).
# FG_SUITES="PATH..." (blank-separated) replaces the list of suites, for
# the runner's own test (tests/gates/test_runner.sh).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
# The suites call python3 many times. A version manager's shim
# (pyenv, asdf: a shell script per call) costs 0.1-3 s per run on a busy
# machine, and the tests need only the standard library of Debian's
# python3 (tools/deps.sh), so its shims are left out of PATH here.
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/shims$' | paste -sd:)
export PATH
filter=${1:-}
limit=${FG_SUITE_TIMEOUT:-600}
grace=${FG_SUITE_GRACE:-30}

passed=0 failed=0 skipped=0
skips=() # what was skipped, named above the closing line
if ! tools/mount-bpffs.sh; then
	echo "not ok - tools/mount-bpffs.sh failed: no bpffs at /sys/fs/bpf"
	failed=1
fi

if [ -n "${FG_SUITES:-}" ]; then
	read -ra listed <<<"$FG_SUITES"
else
	long=()
	[ "${FG_LONG:-0}" = 1 ] && long=(tests/e2e/long/test_*.sh)
	# A pattern that matches nothing stays as it is: reported missing.
	listed=(build/tests/unit_* build/tests/bpf_datapath tests/fuzz/test_*.sh
		tests/e2e/test_*.sh tests/gates/test_*.sh "${long[@]}")
fi
suites=()
for s in "${listed[@]}"; do
	[ -n "$filter" ] && [[ "$s" != *"$filter"* ]] && continue
	suites+=("$s")
done

log=$(mktemp)
child='' stop=0
trap 'rm -f "$log"' EXIT
# Interrupted: the running suite, in a process group of its own
# (timeout's), is told too, and its EXIT trap cleans up before we stop.
trap 'stop=130; [ -z "$child" ] || kill -TERM "$child" 2>/dev/null' INT
trap 'stop=143; [ -z "$child" ] || kill -TERM "$child" 2>/dev/null' TERM

for s in "${suites[@]}"; do
	echo "# suite $s"
	if [ ! -f "$s" ] || [ ! -x "$s" ]; then
		echo "not ok - $s: missing or not executable"
		failed=$((failed + 1))
		continue
	fi
	start=$SECONDS
	CMOCKA_MESSAGE_OUTPUT=TAP timeout --kill-after="$grace" "$limit" "$s" \
		</dev/null >"$log" 2>&1 &
	child=$!
	wait "$child"
	rc=$?
	# A trap (above) interrupts wait; the suite is still ending.
	while kill -0 "$child" 2>/dev/null; do
		wait "$child"
		rc=$?
	done
	child=
	secs=$((SECONDS - start))
	cat "$log"

	plans=$(grep -cE '^1\.\.[0-9]+' "$log")
	planned=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$log" | head -n 1)
	results=$(grep -cE '^(not )?ok [0-9]+' "$log")
	k=$(grep -cE '^(not )?ok [0-9]+[^#]*#[[:space:]]*[Ss][Kk][Ii][Pp]' "$log")
	f=$(grep -E '^not ok [0-9]+' "$log" |
		grep -cvE '^not ok [0-9]+[^#]*#[[:space:]]*[Ss][Kk][Ii][Pp]')
	while IFS= read -r line; do
		skips+=("$s: $line")
	done < <(grep -E '^(not )?ok [0-9]+[^#]*#[[:space:]]*[Ss][Kk][Ii][Pp]' "$log")
	p=$((results - k - f))

	why=
	if { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } && [ "$secs" -ge "$limit" ]; then
		why="killed after ${limit}s (FG_SUITE_TIMEOUT)"
	elif [ "$plans" -ne 1 ]; then
		why="$plans plans (1..N lines), not one"
	elif [ "$results" -ne "$planned" ]; then
		why="planned $planned tests, reported $results"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		why="exited $rc"
	elif [ "$planned" -eq 0 ] && [ "${CI:-}" = true ]; then
		why="skipped under CI=true: $(sed -n 's/^1\.\.0 *//p' "$log" | head -n 1)"
	elif [ "$k" -gt 0 ] && [ "${CI:-}" = true ]; then
		why="$k skipped under CI=true"
	elif [ "$planned" -eq 0 ]; then
		skips+=("$s: $(sed -n 's/^1\.\.0 *//p' "$log" | head -n 1)")
		k=1 # the suite
	fi
	if [ -n "$why" ]; then
		echo "not ok - $s: $why"
		f=$((f + 1))
	fi
	passed=$((passed + p)) skipped=$((skipped + k)) failed=$((failed + f))
	echo "# suite $s: $p passed, $f failed, $k skipped, ${secs}s"
	[ "$stop" -eq 0 ] || break
done

for line in ${skips[@]+"${skips[@]}"}; do echo "# skipped: $line"; done
[ "$stop" -eq 0 ] || echo "# interrupted"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$stop" -eq 0 ] || exit "$stop"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
