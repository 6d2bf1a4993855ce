#!/usr/bin/env bash
# make lint: formatting, clang-tidy and cppcheck with the project's
# settings (.clang-format, .clang-tidy, the flags below). Non-zero on any
# finding. cppcheck's readdirCalled is off: glibc's readdir is safe per
# stream, and readdir_r is deprecated.
set -uo pipefail
cd "$(dirname "$0")/.."

files=("$@")
arch_inc=/usr/include/$(gcc -dumpmachine)
user_flags=(-std=gnu11 -D_GNU_SOURCE -DFG_VERSION='"lint"' -Iinclude -Iuser/lib
	-Iuser/floodgated -Iuser/floodgate -Ibuild -Itests/bpf -I/usr/include/libnl3)
bpf_flags=(-target bpf -mcpu=v3 -D__bpf__ -Iinclude -Ibpf -I"$arch_inc")
fail=0

echo "lint: clang-format"
clang-format --dry-run --Werror "${files[@]}" || fail=1

echo "lint: clang-tidy"
for f in "${files[@]}"; do
	case "$f" in
	*.h) continue ;; # checked through the .c files that include them
	bpf/*) flags=("${bpf_flags[@]}") ;;
	*) flags=("${user_flags[@]}") ;;
	esac
	# Findings located in generated files (build/) are not ours to fix.
	out=$(clang-tidy --quiet "$f" -- "${flags[@]}" 2>&1)
	if printf '%s\n' "$out" | grep -E '^[^ ]+:[0-9]+:[0-9]+: (error|warning):' |
		grep -vqE '^build/'; then
		echo "$out"
		fail=1
	fi
done

echo "lint: cppcheck"
cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
	--enable=warning,style,performance,portability \
	--suppress=missingIncludeSystem --suppress=unusedFunction \
	--suppress=unmatchedSuppression --suppress=constParameterCallback \
	--suppress=variableScope --suppress=readdirCalled --suppress='arithOperationsOnVoidPointer:bpf/*' --suppress='unknownMacro:bpf/*' \
	--suppress='*:build/*' --library=posix \
	-D__linux__ -Iinclude -Iuser/lib -Iuser/floodgated -Iuser/floodgate \
	"${files[@]}" || fail=1

if [ "$fail" -ne 0 ]; then
	echo "lint: FAILED"
	exit 1
fi
echo "lint: clean"
