#!/usr/bin/env bash
# make fuzz-user FUZZ_SECONDS=N: runs each libFuzzer target for N seconds,
# one at a time, from its seeds (tests/fuzz/corpus/TARGET/, read only)
# into a working corpus in build/fuzz/corpus/TARGET/. Failing inputs land
# in build/fuzz/artifacts/TARGET/: fix the bug, then keep the input in
# tests/fuzz/regressions/TARGET/. Ends with one line per target: execs/s,
# total execs, corpus size, and what it found.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

seconds=${1:-60}
out=build/fuzz
summary=()
fail=0
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	t=${t#fuzz_}
	mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
	echo "fuzz-user: fuzz_$t for ${seconds}s"
	log=$out/fuzz_$t.log
	"$out/fuzz_$t" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$t/" \
		"$out/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	corpus=$(find "$out/corpus/$t" -type f | wc -l)
	found=none
	if [ "$rc" -ne 0 ]; then
		found=$(grep -m1 -oE 'invariant broken: .*|ERROR: [A-Za-z]+: [^ ]+|runtime error: .*|SUMMARY: .*' "$log")
		found="${found:-exit $rc}; see $log"
		fail=1
	fi
	summary+=("fuzz_$t: ${rate:-?} execs/s, ${execs:-?} execs, corpus $corpus, found: $found")
done
printf '%s\n' "${summary[@]}"
exit "$fail"
