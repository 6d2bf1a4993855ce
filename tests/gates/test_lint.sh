#!/usr/bin/env bash
# `make lint` as a suite of `make test`, twice:
#   - on this tree: clang-format, clang-tidy, cppcheck and shellcheck, one
#     TAP line each (tools/lint.sh);
#   - alone on a fresh clone of HEAD (no build/), as every make target must
#     work: it builds each generated header a C file includes. To stay
#     quick it lints there only the C files that include a header git does
#     not track (a generated one); make builds the same prerequisites for
#     lint whatever it lints.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

fg_require_cmds git make
# Called from `make test` (through tests/run.sh): the outer make's
# jobserver is not passed down to here, so start makes of our own.
unset MAKEFLAGS MFLAGS MAKELEVEL
lint() { make --no-print-directory -j"$(nproc)" -C "$@" 2>&1; }

out=$(lint "$FG_ROOT" lint)
rc=$?
n=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' <<<"$out" | head -n 1)
if [ -z "$n" ]; then
	tap_plan 2
	not_ok "make lint ran tools/lint.sh (exit $rc)" "$(tail -n 30 <<<"$out")"
else
	# tools/lint.sh's lines, numbered into this file's plan; the rest
	# (make's, the tools' findings) as comments.
	tap_plan $((n + 1))
	while IFS= read -r line; do
		case $line in
		"ok "[0-9]*" - "*) ok "${line#* - }" ;;
		"not ok "[0-9]*" - "*) not_ok "${line#* - }" ;;
		"1.."*) ;;
		*) diag "$line" ;;
		esac
	done <<<"$out"
fi

clone=$FG_TMP/clone
desc="make lint alone on a fresh clone builds every generated header it needs"
if ! out=$(git clone -q "$FG_ROOT" "$clone" 2>&1); then
	not_ok "$desc" "git clone: $out"
	exit
fi
mapfile -t gen < <(cd "$clone" && git grep -E '^#include "[^"]+"' -- '*.c' |
	awk -v t="$(git ls-files '*.h' | sed 's|.*/||')" '
		BEGIN { n = split(t, a, "\n"); for (i = 1; i <= n; i++) h[a[i]] = 1 }
		{
			f = $0; sub(/:.*/, "", f)
			i = $0; sub(/^[^"]*"/, "", i); sub(/".*/, "", i); sub(/.*\//, "", i)
			if (!(i in h)) print f
		}' | sort -u)
if [ ${#gen[@]} -eq 0 ]; then
	not_ok "$desc" "no C file includes a generated header: is the search above broken?"
	exit
fi
out=$(lint "$clone" lint LINT_C="${gen[*]}" LINT_SH=tools/lint.sh)
rc=$?
if [ "$rc" -eq 0 ]; then
	ok "$desc (${#gen[@]} files include one)"
else
	not_ok "$desc (${#gen[@]} files include one)" "exit $rc"$'\n'"$(tail -n 30 <<<"$out")"
fi
