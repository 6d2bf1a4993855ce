#!/usr/bin/env bash
# tests/run.sh, the runner of make test, over fake suites (FG_SUITES) made
# here: results are held to the plan, a whole-suite skip shows in the
# closing line (and fails under CI=true), cmocka's TAP is counted as
# cmocka means it, a suite past FG_SUITE_TIMEOUT is stopped (TERM, its EXIT
# trap runs; KILL when it ignores TERM) and failed, a listed suite that is
# missing or not executable is reported, and so is tools/mount-bpffs.sh
# failing.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

RUN=$FG_ROOT/tests/run.sh
S=$FG_TMP/suites
fg_require_cmds gcc timeout
tap_plan 18
mkdir -p "$S"

# suite NAME [MODE]: the script on stdin becomes suite $S/NAME.
suite() {
	cat >"$S/$1"
	chmod "${2:-0755}" "$S/$1"
}
printf '#!/bin/sh\necho 1..2\necho "ok 1 - a"\necho "ok 2 - b"\n' | suite good.sh
printf '#!/bin/sh\necho 1..3\necho "ok 1 - a"\necho "ok 2 - b"\n' | suite short.sh
printf '#!/bin/sh\necho "ok 1 - a"\n' | suite noplan.sh
printf '#!/bin/sh\necho "1..0 # SKIP no frobnicator"\n' | suite skipall.sh
printf '#!/bin/sh\necho 1..1\necho "ok 1 - a"\nexit 3\n' | suite exit3.sh
cp "$S/good.sh" "$S/noexec.sh" && chmod 0644 "$S/noexec.sh"
# Stops only when told: its EXIT trap leaves a mark, and a child of its
# own (same process group) must go with it.
suite hang.sh <<EOF
#!/usr/bin/env bash
trap 'echo cleaned >"$S/hang.mark"' EXIT
trap 'exit 143' TERM
echo 1..1
sleep 120 &
echo \$! >"$S/hang.child"
sleep 120
echo "ok 1 - not reached"
EOF
# Ignores TERM (its children inherit that): only KILL stops it.
printf '#!/usr/bin/env bash\ntrap "" TERM\necho 1..1\nsleep 120\n' | suite deaf.sh

# cmocka as the unit and datapath suites use it: a skip is printed as
# "not ok N # SKIP", which is no failure.
if ! gcc -o "$S/cmocka" -x c - -lcmocka 2>"$FG_TMP/cc.log" <<'EOF'; then
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
static void passes(void **s) { (void)s; }
static void skips(void **s) { (void)s; skip(); }
static void fails(void **s) { (void)s; assert_int_equal(1, 2); }
int main(void)
{
	const struct CMUnitTest t[] = {cmocka_unit_test(passes),
				       cmocka_unit_test(skips),
				       cmocka_unit_test(fails)};
	return cmocka_run_group_tests(t, NULL, NULL);
}
EOF
	tap_bail "cannot build a cmocka test: $(cat "$FG_TMP/cc.log")"
fi

# runner SUITE... [-- VAR=VALUE...]: tests/run.sh over the named suites of
# $S (outside CI unless a VAR says so), bounded even if it ignores its
# timeout. Sets out (all it printed), last (its closing line), rc, secs.
runner() {
	local list=() vars=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		list+=("$S/$1")
		shift
	done
	[ $# -gt 0 ] && shift && vars=("$@")
	local start=$SECONDS
	# The filter keeps any other suite out, whatever becomes of FG_SUITES.
	out=$(timeout -k 5 60 env -u CI FG_SUITE_TIMEOUT=30 FG_SUITE_GRACE=5 \
		FG_SUITES="${list[*]}" ${vars[@]+"${vars[@]}"} "$RUN" "$S/" 2>&1)
	rc=$?
	secs=$((SECONDS - start))
	last=$(printf '%s\n' "$out" | tail -n 1)
}

# expect DESC RC_WANTED LAST_WANTED [LINE_WANTED]: rc is 0 or not as
# wanted ("0" or "fail"), the closing line is LAST_WANTED and, if given,
# LINE_WANTED is one line of the output.
expect() {
	local bad=()
	if [ "$2" = 0 ]; then
		[ "$rc" -eq 0 ] || bad+=("exit $rc, expected 0")
	else
		[ "$rc" -ne 0 ] || bad+=("exit 0, expected a failure")
	fi
	[ "$last" = "$3" ] || bad+=("closing line '$last', expected '$3'")
	if [ -n "${4:-}" ] && ! grep -qxF -- "$4" <<<"$out"; then
		bad+=("no line '$4'")
	fi
	if [ ${#bad[@]} -eq 0 ]; then
		ok "$1"
	else
		not_ok "$1" "${bad[@]}" "output:" "$(tail -n 15 <<<"$out")"
	fi
}

runner good.sh
expect "results as planned: exit 0, '2 passed, 0 failed'" 0 "2 passed, 0 failed"

runner good.sh short.sh
expect "fewer results than planned: a failure, said" fail "4 passed, 1 failed" \
	"not ok - $S/short.sh: planned 3 tests, reported 2"

runner good.sh noplan.sh
expect "no plan: a failure, said" fail "3 passed, 1 failed" \
	"not ok - $S/noplan.sh: 0 plans (1..N lines), not one"

runner good.sh exit3.sh
expect "exit 3 without a 'not ok' line: a failure, said" fail "3 passed, 1 failed" \
	"not ok - $S/exit3.sh: exited 3"

runner good.sh skipall.sh
expect "a whole-suite skip: exit 0, counted in the closing line" 0 \
	"2 passed, 0 failed, 1 skipped"
if grep -qxF "# skipped: $S/skipall.sh: # SKIP no frobnicator" <<<"$out"; then
	ok "... and named above it with its reason"
else
	not_ok "... and named above it with its reason" "$out"
fi

runner good.sh skipall.sh -- CI=true
expect "a whole-suite skip under CI=true: a failure, said" fail "2 passed, 1 failed" \
	"not ok - $S/skipall.sh: skipped under CI=true: # SKIP no frobnicator"

runner cmocka
expect "cmocka's TAP: a pass, a skip (not ok N, then the SKIP directive) and a failure told apart" \
	fail "1 passed, 1 failed, 1 skipped" "# skipped: $S/cmocka: not ok 2 # SKIP skips"

runner cmocka -- CI=true
expect "... and under CI=true a single skipped test fails its suite" \
	fail "1 passed, 2 failed, 1 skipped" "not ok - $S/cmocka: 1 skipped under CI=true"

runner good.sh hang.sh -- FG_SUITE_TIMEOUT=2
expect "a suite past FG_SUITE_TIMEOUT (2 s): stopped, a failure, said" fail \
	"2 passed, 1 failed" "not ok - $S/hang.sh: killed after 2s (FG_SUITE_TIMEOUT)"
check_le "... within the timeout and the grace (${secs} s)" "$secs" 7
if [ "$(cat "$S/hang.mark" 2>/dev/null)" = cleaned ]; then
	ok "... by TERM first: its EXIT trap ran"
else
	not_ok "... by TERM first: its EXIT trap ran" "no $S/hang.mark"
fi
# dead PID: gone, or a zombie not yet reaped by whoever inherited it.
dead() { [ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
child=$(cat "$S/hang.child" 2>/dev/null)
# The TERM is sent; a loaded machine may take a moment to act on it.
if [ -n "$child" ] && fg_wait_until 5 dead "$child"; then
	ok "... and its process group with it (its background sleep is gone)"
else
	not_ok "... and its process group with it (its background sleep is gone)" \
		"child '$child' still runs"
	[ -z "$child" ] || kill "$child" 2>/dev/null
fi

runner deaf.sh -- FG_SUITE_TIMEOUT=1 FG_SUITE_GRACE=2
expect "a suite that ignores TERM: killed after the grace, a failure" fail \
	"0 passed, 1 failed" "not ok - $S/deaf.sh: killed after 1s (FG_SUITE_TIMEOUT)"
check_le "... within the timeout and the grace (${secs} s)" "$secs" 6

runner good.sh noexec.sh
expect "a listed suite that is not executable: a failure, said" fail "2 passed, 1 failed" \
	"not ok - $S/noexec.sh: missing or not executable"

runner good.sh gone.sh
expect "a listed suite that does not exist: a failure, said" fail "2 passed, 1 failed" \
	"not ok - $S/gone.sh: missing or not executable"

# tools/mount-bpffs.sh with a mountpoint(1) that finds nothing and a
# mount(8) that fails: the run must not go on as if bpffs were there.
mkdir -p "$FG_TMP/bin"
printf '#!/bin/sh\nexit 1\n' >"$FG_TMP/bin/mountpoint"
printf '#!/bin/sh\necho "mount: permission denied" >&2\nexit 32\n' >"$FG_TMP/bin/mount"
chmod 0755 "$FG_TMP/bin/mountpoint" "$FG_TMP/bin/mount"
runner good.sh -- PATH="$FG_TMP/bin:$PATH"
expect "tools/mount-bpffs.sh failing: a failure, said" fail "2 passed, 1 failed" \
	"not ok - tools/mount-bpffs.sh failed: no bpffs at /sys/fs/bpf"
