#!/usr/bin/env bash
# The unit suites and the BPF datapath suite (its user-space half: config,
# ruleset compiler, map I/O) built with ASan+UBSan (build/san/, made by
# `make tests`), run with every sanitizer report fatal and counted. Per
# suite: its own tests all pass, and no sanitizer report was written.
# The datapath suite's packet fuzz runs in the kernel, so it is cut to
# FG_SAN_FUZZ_SECONDS (default 2) here: the plain suite fuzzes longer.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
# shellcheck source=tests/gates/san.sh
. "$(dirname "$0")/san.sh"

SAN_BUILD=$FG_ROOT/build/san
suites=("$SAN_BUILD"/tests/unit_* "$SAN_BUILD"/tests/bpf_datapath)
[ -x "${suites[0]}" ] || tap_bail "not built: $SAN_BUILD/tests (run make tests)"
[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root (the datapath suite loads BPF)"
tap_plan $((2 * ${#suites[@]}))

for s in "${suites[@]}"; do
	name=${s##*/}
	if [ ! -x "$s" ]; then
		not_ok "$name (ASan+UBSan): built" "missing: $s"
		not_ok "$name (ASan+UBSan): sanitizer reports" "missing: $s"
		continue
	fi
	san_setup "$FG_TMP/san-$name"
	log=$FG_TMP/$name.log
	FG_FUZZ_SECONDS=${FG_SAN_FUZZ_SECONDS:-2} CMOCKA_MESSAGE_OUTPUT=TAP \
		timeout 600 "$s" >"$log" 2>&1
	rc=$?
	passed=$(grep -cE '^ok [0-9]+' "$log")
	failed=$(grep -cE '^not ok [0-9]+' "$log")
	planned=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$log" | head -n 1)
	if [ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] &&
		[ "$passed" = "$planned" ]; then
		ok "$name (ASan+UBSan): $passed of $planned tests passed"
	else
		not_ok "$name (ASan+UBSan): $passed of ${planned:-?} tests passed, $failed failed, exit $rc" \
			"$(grep -vE '^ok [0-9]+' "$log" | tail -n 30)"
	fi
	san_check "$name (ASan+UBSan)" "$log"
done
