#!/usr/bin/env bash
# Replays every seed (tests/fuzz/corpus/TARGET/) and every input a fuzzer
# ever failed on (tests/fuzz/regressions/TARGET/) through the libFuzzer
# targets built by `make tests` (build/fuzz/fuzz_TARGET, ASan+UBSan).
# One TAP line per target; any crash, sanitizer report, leak or input
# slower than 10 s fails it. Bounded: 120 s per target.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

PER_INPUT_S=10
PER_TARGET_S=120
targets=()
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	targets+=("${t#fuzz_}")
done
echo "1..${#targets[@]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
n=0 bad=0
for t in "${targets[@]}"; do
	n=$((n + 1))
	bin=build/fuzz/fuzz_$t
	inputs=()
	for d in tests/fuzz/corpus/$t tests/fuzz/regressions/$t; do
		[ -d "$d" ] || continue
		while IFS= read -r -d '' f; do
			inputs+=("$f")
		done < <(find "$d" -type f ! -name 'README*' -print0 | sort -z)
	done
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz_$t: $bin not built (make tests)"
		bad=1
		continue
	fi
	if [ ${#inputs[@]} -eq 0 ]; then
		echo "not ok $n - fuzz_$t: no seeds in tests/fuzz/corpus/$t"
		bad=1
		continue
	fi
	# Given files, libFuzzer runs each once and exits non-zero on the
	# first failure; the grep catches a report that did not.
	timeout "$PER_TARGET_S" "$bin" -timeout="$PER_INPUT_S" \
		-error_exitcode=77 "${inputs[@]}" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] &&
		! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant broken' "$log"; then
		echo "ok $n - fuzz_$t: ${#inputs[@]} inputs replayed clean"
	else
		echo "not ok $n - fuzz_$t: replay failed (exit $rc)"
		grep -E 'Running: |ERROR|runtime error|invariant broken|SUMMARY' "$log" |
			tail -n 8 | sed 's/^/#   /'
		bad=1
	fi
done
exit "$bad"
