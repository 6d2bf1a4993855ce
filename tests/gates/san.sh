# shellcheck shell=bash
# Sanitizer settings shared by the suites that run the ASan+UBSan build
# (build/san/, `make tests`). Source after lib.sh; call san_setup DIR,
# run things, then san_check DESC: one TAP line, not ok when any
# sanitizer wrote a report (the reports are shown as diag).
#
# Every report goes to a file DIR/{asan,ubsan}.PID (log_path), so a report
# from a process whose stderr nobody reads (a daemon, a CLI run inside
# $(...)) is still seen. The first error stops the process with a status
# of its own (halt_on_error, exitcode; UBSan is built non-recoverable), so
# the run that hit it fails as well.

SAN_ASAN_EXIT=86
SAN_UBSAN_EXIT=87
SAN_DIR=

# san_setup DIR: exports ASAN_OPTIONS and UBSAN_OPTIONS reporting into DIR.
san_setup() {
	SAN_DIR=$1
	mkdir -p "$SAN_DIR"
	export ASAN_OPTIONS="halt_on_error=1:exitcode=$SAN_ASAN_EXIT:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:log_path=$SAN_DIR/asan"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=$SAN_UBSAN_EXIT:log_path=$SAN_DIR/ubsan"
}

# san_reports: the number of sanitizer reports written so far.
san_reports() {
	find "$SAN_DIR" -type f \( -name 'asan.*' -o -name 'ubsan.*' \) -size +0 | wc -l
}

# san_check DESC [LOG...]: ok when no report file exists and no LOG holds
# a sanitizer message (belt and braces: a report on stderr despite
# log_path, e.g. from a child that reset its environment).
san_check() {
	local desc=$1 n f hits=0
	shift
	n=$(san_reports)
	for f in "$@"; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f"; then
			hits=$((hits + 1))
		fi
	done
	if [ "$n" -eq 0 ] && [ "$hits" -eq 0 ]; then
		ok "$desc: 0 sanitizer reports"
		return 0
	fi
	not_ok "$desc: $n sanitizer report files, $hits logs with sanitizer errors"
	for f in "$SAN_DIR"/asan.* "$SAN_DIR"/ubsan.*; do
		[ -s "$f" ] && diag "$f:" "$(head -n 40 "$f")"
	done
	for f in "$@"; do
		[ -f "$f" ] && grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f" &&
			diag "$f:" "$(grep -E -A 20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f" | head -n 40)"
	done
	return 1
}
