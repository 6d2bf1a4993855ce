#!/usr/bin/env bash
# make reproducible: builds the tree twice, in two fresh copies whose
# paths differ (name and length), and compares the sha256 of every file
# the build writes (build/: BPF objects, skeletons, objects, the static
# library, daemon, CLI, loadgen, test and benchmark binaries: the
# Makefile's repro-outputs).
# Prints TAP; non-zero when a build fails or any output differs (each
# differing file is named).
#   tools/reproducible.sh         two fresh copies
#   tools/reproducible.sh --tree  the working tree's own build/ (as `make
#       tests` left it; `make repro-outputs` there adds what is missing) and
#       one fresh copy: one full build less (make test's suite). Only the
#       files the fresh copy's build wrote are compared: the tree's build/
#       also holds the sanitizer, fuzz and man page outputs.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$PWD
work=$(mktemp -d /tmp/fg-repro.XXXXXX)
trap 'rm -rf "$work"' EXIT
dirs=("$work/a" "$work/a-longer-second-tree")
tree=0
[ "${1:-}" = --tree ] && tree=1
n=0 fail=0

# tap OK DESC [DIAG]: one TAP line (OK is 0 for ok).
tap() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
		fail=1
	fi
}

# copy_tree DST: the sources as they are (committed or not; ignored files
# such as build/ left out).
copy_tree() {
	mkdir -p "$1"
	if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$root" ls-files -z -c -o --exclude-standard |
			(cd "$root" && tar --null -T - -cf -) | tar -xf - -C "$1"
	else
		tar -C "$root" --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$1"
	fi
}

# A make of our own (not the jobserver of a make that may be running us).
unset MAKEFLAGS MFLAGS MAKELEVEL SANITIZE
echo "1..5"
for d in "${dirs[@]}"; do
	start=$SECONDS
	if [ "$tree" = 1 ] && [ "$d" = "${dirs[0]}" ]; then
		d=$root
		make -C "$d" --no-print-directory -j"$(nproc)" repro-outputs >"$work/tree.log" 2>&1
		tap $? "build in the working tree ($((SECONDS - start)) s)" "$(tail -n 20 "$work/tree.log")"
		continue
	fi
	copy_tree "$d"
	make -C "$d" --no-print-directory -j"$(nproc)" repro-outputs >"$d.log" 2>&1
	tap $? "build in ${d#"$work"/} ($((SECONDS - start)) s)" "$(tail -n 20 "$d.log")"
done

# sums DIR: "sha256  path" of every file under DIR/build, sorted by path.
sums() { (cd "$1/build" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }
sums "${dirs[1]}" >"$work/b.sum"
if [ "$tree" = 1 ]; then
	# The tree's sums of the files the fresh build wrote, and a line
	# without a sum for each it lacks (so the lists below differ).
	awk '{ print $2 }' "$work/b.sum" | (cd "$root/build" && while IFS= read -r f; do
		if [ -f "$f" ]; then sha256sum "$f"; else echo "-  missing:$f"; fi
	done) | sort -k 2 >"$work/a.sum"
	sort -k 2 -o "$work/b.sum" "$work/b.sum"
else
	sums "${dirs[0]}" >"$work/a.sum"
fi
files=$(wc -l <"$work/a.sum")

missing=()
for f in floodgate.bpf.o floodgate.skel.h mapcount.bpf.o libfloodgate.a floodgated floodgate \
	fg-loadgen tests/bpf_datapath bench/fg-bench-cost; do
	grep -q "  \./$f\$" "$work/a.sum" || missing+=("$f")
done
tap "${#missing[@]}" "the builds wrote the outputs compared ($files files)" "missing: ${missing[*]}"

only=$(diff <(awk '{ print $2 }' "$work/a.sum") <(awk '{ print $2 }' "$work/b.sum"))
tap "$([ -z "$only" ]; echo $?)" "both builds wrote the same files" "$only"

differ=$(join -j 2 <(sort -k 2 "$work/a.sum") <(sort -k 2 "$work/b.sum") | awk '$2 != $3 { print $1 }')
tap "$([ -z "$differ" ]; echo $?)" "every output is bit-identical (sha256 of $files files)" \
	"differ: $(printf '%s\n' "$differ" | head -n 50)"
exit "$fail"
