#!/usr/bin/env bash
# make lint: formatting, clang-tidy and cppcheck with the project's
# settings (.clang-format, .clang-tidy, the flags below) over C files, and
# ShellCheck over shell scripts. Non-zero on any finding. Prints TAP, one
# line per tool, so `make test` counts it as a suite.
#   tools/lint.sh [C_FILE...] [--sh SH_FILE...]
# cppcheck's readdirCalled is off: glibc's readdir is safe per stream,
# and readdir_r is deprecated. Needs the generated skeletons (build/):
# `make lint` builds them first.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

arch_inc=/usr/include/$(gcc -dumpmachine)
user_flags=(-std=gnu11 -D_GNU_SOURCE -DFG_VERSION='"lint"' -Iinclude -Iuser/lib
	-Iuser/floodgated -Iuser/floodgate -Ibuild -Itests/bpf -I/usr/include/libnl3)
bpf_flags=(-target bpf -mcpu=v3 -D__bpf__ -Iinclude -Ibpf -I"$arch_inc")

# --tidy FILE: clang-tidy on one file (run in parallel by the main mode);
# prints its output and fails only on findings in our own files.
if [ "${1:-}" = --tidy ]; then
	f=$2
	case "$f" in
	bpf/*) flags=("${bpf_flags[@]}") ;;
	*) flags=("${user_flags[@]}") ;;
	esac
	out=$(clang-tidy --quiet "$f" -- "${flags[@]}" 2>&1)
	# Findings located in generated files (build/) are not ours to fix.
	if printf '%s\n' "$out" | grep -E '^[^ ]+:[0-9]+:[0-9]+: (error|warning):' |
		grep -vqE '^build/'; then
		printf '%s\n' "$out"
		exit 1
	fi
	exit 0
fi

c_files=() sh_files=()
while [ $# -gt 0 ]; do
	case $1 in
	--sh) shift; sh_files=("$@"); break ;;
	*) c_files+=("$1"); shift ;;
	esac
done
jobs=$(nproc)
n=0 fail=0

# result NAME RC: one TAP line.
result() {
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $n - lint: $1"
	else
		echo "not ok $n - lint: $1"
		fail=1
	fi
}

echo "1..4"

clang-format --dry-run --Werror "${c_files[@]}"
result "clang-format (${#c_files[@]} files)" $?

# Headers are checked through the .c files that include them.
tidy_files=()
for f in "${c_files[@]}"; do
	[[ $f == *.c ]] && tidy_files+=("$f")
done
printf '%s\0' "${tidy_files[@]}" | xargs -0 -r -n 1 -P "$jobs" "$0" --tidy
result "clang-tidy (${#tidy_files[@]} files)" $?

cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr -j "$jobs" \
	--enable=warning,style,performance,portability \
	--suppress=missingIncludeSystem --suppress=unusedFunction \
	--suppress=unmatchedSuppression --suppress=constParameterCallback \
	--suppress=variableScope --suppress=readdirCalled --suppress='arithOperationsOnVoidPointer:bpf/*' --suppress='unknownMacro:bpf/*' \
	--suppress='*:build/*' --library=posix \
	-D__linux__ -Iinclude -Iuser/lib -Iuser/floodgated -Iuser/floodgate \
	"${c_files[@]}"
result "cppcheck (${#c_files[@]} files)" $?

# -x follows `source`d files (each script names them with a
# `# shellcheck source=` directive relative to the repository root).
shellcheck -x "${sh_files[@]}"
result "shellcheck (${#sh_files[@]} scripts)" $?

if [ "$fail" -ne 0 ]; then
	echo "# lint: FAILED"
	exit 1
fi
echo "# lint: clean"
