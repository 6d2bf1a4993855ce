#!/usr/bin/env bash
# make deps (tools/deps.sh) against its lock (tools/deps.lock):
#   - everything installed at the locked versions: exit 0, silent, fast;
#   - a locked version the archive lacks: exit 0, the difference printed;
#   - a locked version the archive has but is not installed: it is what
#     deps.sh would install (run unprivileged, so it only says so).
# The last two run as nobody with a modified copy of the lock: nothing is
# installed and no package list is refreshed.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

DEPS=$FG_ROOT/tools/deps.sh
LOCK=$FG_ROOT/tools/deps.lock
fg_require_cmds dpkg-query apt-cache setpriv
[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root (to run deps.sh as nobody)"
tap_plan 5

# as_nobody LOCKFILE: deps.sh unprivileged with LOCKFILE; output in $out.
as_nobody() {
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		env FG_DEPS_LOCK="$1" "$DEPS" 2>&1)
}

start=$(date +%s%N)
out=$("$DEPS" 2>&1)
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
check_eq "deps.sh with everything at the lock: exit 0" "$rc" 0
check_str "... and prints nothing (every package in the lock, at its version)" "$out" ""
check_le "... in under 5 s (${ms} ms: no apt)" "$ms" 5000

chmod 0755 "$FG_TMP"
lock=$FG_TMP/deps.lock
sed 's/^make=.*/make=0.0-not-in-the-archive/' "$LOCK" >"$lock"
chmod 0644 "$lock"
if as_nobody "$lock" && [[ $out == *"make: verified with 0.0-not-in-the-archive, installed "* ]]; then
	ok "a locked version the archive lacks: exit 0, the difference printed"
else
	not_ok "a locked version the archive lacks: exit 0, the difference printed" "$out"
fi

# A package of the lock whose archive has another version than installed.
mapfile -t locked < <(grep -v '^#' "$LOCK" | cut -d= -f1)
pick=$(apt-cache madison "${locked[@]}" 2>/dev/null |
	awk -F' [|] ' 'NR == FNR { split($0, a, "="); lock[a[1]] = a[2]; next }
		{ gsub(/ /, "", $1) } ($1 in lock) && $2 != lock[$1] { print $1 "=" $2; exit }' \
		<(grep -v '^#' "$LOCK") -)
if [ -z "$pick" ]; then
	skip "a locked version in the archive gets installed" "no package with a second archive version"
else
	sed "s/^${pick%%=*}=.*/$pick/" "$LOCK" >"$lock"
	as_nobody "$lock"
	rc=$?
	if [ "$rc" -eq 1 ] && [[ $out == *"to install: $pick;"* ]]; then
		ok "a locked version in the archive ($pick) is what deps.sh installs"
	else
		not_ok "a locked version in the archive ($pick) is what deps.sh installs" "$out"
	fi
fi
