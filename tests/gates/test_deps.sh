#!/usr/bin/env bash
# make deps (tools/deps.sh) and its lock (tools/deps.lock). The lock
# records what was verified; Debian's archive moves on at every point
# release, so nothing here compares the archive, or what is installed,
# with the lock's versions. Each case runs deps.sh with a lock of its own
# (FG_DEPS_LOCK) whose versions are what is installed, a version no
# archive has, or the archive's own:
#   - the lock names the packages deps.sh installs, no more, no fewer;
#   - everything installed at the locked versions: exit 0, silent, fast;
#   - a locked version the archive lacks: exit 0, the difference printed;
#     not installed, the archive's version is what deps.sh installs;
#   - a locked version the archive has, another installed: it is what
#     deps.sh installs.
# The last three run as nobody, so nothing is installed and no package
# list is refreshed: deps.sh only says what it would install. Nobody may
# not reach the checkout (under /root, say): it runs a copy of deps.sh.
# For a package not installed, or at another version, dpkg-query is a
# wrapper that shows make so.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

DEPS=$FG_ROOT/tools/deps.sh
fg_require_cmds dpkg-query apt-cache setpriv
[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root (to run deps.sh as nobody)"
tap_plan 7

chmod 0755 "$FG_TMP"
# The lock of what is installed now, by deps.sh itself.
mine=$FG_TMP/installed.lock
FG_DEPS_LOCK=$mine "$DEPS" --lock >/dev/null

names() { grep -v '^#' "$1" | cut -d= -f1 | sort; }
check_str "tools/deps.lock names every package deps.sh installs, and no other" \
	"$(names "$FG_ROOT/tools/deps.lock" | tr '\n' ' ')" "$(names "$mine" | tr '\n' ' ')"

start=$(date +%s%N)
out=$(FG_DEPS_LOCK=$mine "$DEPS" 2>&1)
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
check_eq "a lock of the installed versions: exit 0" "$rc" 0
check_str "... and prints nothing (every package in the lock, at its version)" "$out" ""
check_le "... in under 5 s (${ms} ms: no apt)" "$ms" 5000

# deps_as_nobody LOCK_LINE [MAKE_VERSION]: deps.sh unprivileged with the
# installed lock but LOCK_LINE for make; dpkg-query shows make at
# MAKE_VERSION, or not installed when it is "none" (as installed when
# not given). Sets out and rc.
real_dpkg_query=$(command -v dpkg-query)
install -D -m 0755 "$DEPS" "$FG_TMP/tools/deps.sh"
deps_as_nobody() {
	local lock=$FG_TMP/case.lock bin=$FG_TMP/bin
	sed "s/^make=.*/$1/" "$mine" >"$lock"
	chmod 0644 "$lock"
	mkdir -p "$bin"
	if [ -n "${2:-}" ]; then
		cat >"$bin/dpkg-query" <<EOF
#!/bin/sh
"$real_dpkg_query" "\$@" | awk -v v="$2" '\$1 == "make" { if (v == "none") next; \$3 = v } 1'
EOF
		chmod 0755 "$bin/dpkg-query"
	else
		rm -f "$bin/dpkg-query"
	fi
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		env PATH="$bin:$PATH" FG_DEPS_LOCK="$lock" "$FG_TMP/tools/deps.sh" 2>&1)
	rc=$?
}

gone=0.0-not-in-the-archive
have=$(sed -n 's/^make=//p' "$mine")
deps_as_nobody "make=$gone"
check_str "a locked version the archive lacks: exit 0, the difference printed" \
	"$rc: $out" "0: deps: make: verified with $gone, installed $have ($gone is not in the archive)"

deps_as_nobody "make=$gone" none
want="deps: make: verified with $gone, not in the archive: installing its version
deps: to install: make; run as root (or: apt-get install make)"
check_str "... and not installed: the archive's version is what deps.sh installs" \
	"$rc: $out" "1: $want"

# Whichever version the archive has today.
archive=$(apt-cache madison make 2>/dev/null | awk -F' [|] ' '{ gsub(/ /, "", $2); print $2; exit }')
desc="a locked version the archive has${archive:+ ($archive)}, another installed: deps.sh installs it"
if [ -z "$archive" ]; then
	skip "$desc" "no package lists (apt-get update)"
else
	deps_as_nobody "make=$archive" 0.0-another
	want="deps: to install: make=$archive; run as root (or: apt-get install make=$archive)"
	check_str "$desc" "$rc: $out" "1: $want"
fi
