# shellcheck shell=bash
# Shared by the real-packet benchmarks (peers.sh, scale.sh): the e2e lab
# library (namespaces, cleanup by trap) and the checks each makes first.
# Set BENCH_NAME before sourcing: it prefixes error messages.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../tests/e2e/lib.sh"

# shellcheck disable=SC2034 # used by the scripts that source this
BENCH=$FG_BUILD/bench

die() {
	echo "${BENCH_NAME:-bench}: $*" >&2
	exit 1
}

# bench_require CMD BIN..: root, CMD on the PATH, the BINs built (paths
# under build/), bpffs mounted.
bench_require() {
	local cmd=$1 b
	shift
	[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, XDP)"
	for b in "$@"; do
		[ -x "$FG_BUILD/$b" ] || die "not built: $FG_BUILD/$b (make bench-build)"
	done
	command -v "$cmd" >/dev/null || die "$cmd missing (make deps)"
	"$FG_ROOT/tools/mount-bpffs.sh" || die "bpffs not mounted"
}
