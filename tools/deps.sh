#!/usr/bin/env bash
# Installs the Debian 12 packages floodgate builds, tests and runs with, at
# the versions it is verified with (tools/deps.lock, package=version).
#   tools/deps.sh         install what is missing, or at another version
#                         than the lock when the archive has the locked one
#   tools/deps.sh --lock  write tools/deps.lock from this machine
# Idempotent and quiet when everything is installed at the locked version
# (one dpkg-query, no apt). A locked version the archive no longer has is
# not fatal: the archive's version is installed (or kept) and the
# difference printed, every run, until the lock is renewed.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 2

PACKAGES=(
	make gcc clang llvm pkg-config linux-libc-dev
	libbpf-dev bpftool libelf-dev zlib1g-dev libxdp-dev
	libnl-3-dev libnl-route-3-dev libmicrohttpd-dev libfyaml-dev
	libjson-c-dev libcmocka-dev libhiredis-dev
	libsystemd-dev # floodgated's log lines as journal fields under systemd
	libcrypt-dev # bcrypt checks of metrics.web_config's basic_auth_users (crypt_r)
	libgnutls28-dev # the TLS certificate/key pair check and the auth cache's HMAC
	openssl      # the TLS metrics test makes its self-signed certificate
	redis-server redis-tools # the fleet's tests start their own server
	iproute2 iputils-ping ethtool util-linux procps curl python3 gzip
	prometheus nftables iptables gdb
	tmux # drives `floodgate top --watch` in tests/e2e/test_top.sh
	jq   # reads `floodgate --json` in tests/e2e/test_explain.sh
	clang-format clang-tidy cppcheck shellcheck valgrind
	man-db mandoc # man -l, lexgrog and mandoc -T lint on the man pages
	libclang-rt-14-dev # libFuzzer and the sanitizers for clang 14 (make fuzz-user)
)
LOCK=${FG_DEPS_LOCK:-tools/deps.lock} # the variable is for tests

# installed: "package version" for each of PACKAGES that is installed.
installed() {
	dpkg-query -W -f='${Package} ${db:Status-Abbrev} ${Version}\n' "${PACKAGES[@]}" 2>/dev/null |
		awk '$2 == "ii" { sub(/:.*/, "", $1); print $1, $3 }'
}

if [ "${1:-}" = --lock ]; then
	{
		echo "# Debian 12 package versions floodgate is verified with, read by"
		echo "# tools/deps.sh (make deps). Renew with: tools/deps.sh --lock"
		installed | sort | tr ' ' '='
	} >"$LOCK"
	echo "deps: wrote $LOCK ($(grep -vc '^#' "$LOCK") packages)"
	exit 0
fi

declare -A want have
if [ -f "$LOCK" ]; then
	while IFS='=' read -r p v; do
		[[ -z $p || $p == \#* ]] && continue
		want[$p]=$v
	done <"$LOCK"
else
	echo "deps: no $LOCK: any version will do" >&2
fi
while read -r p v; do have[$p]=$v; done < <(installed)

# in_archive PACKAGE VERSION: apt knows that exact version. madison pads
# a version shorter than 10 characters with blanks on its left.
in_archive() {
	apt-cache madison "$1" 2>/dev/null |
		awk -F' [|] ' -v v="$2" '{ gsub(/ /, "", $2) } $2 == v { f = 1 } END { exit !f }'
}

todo=()   # what to install: package or package=version
notes=()  # locked versions we cannot have
updated=0
for p in "${PACKAGES[@]}"; do
	w=${want[$p]:-} h=${have[$p]:-}
	if [ -z "$w" ]; then
		[ -n "$h" ] || todo+=("$p")
		[ -f "$LOCK" ] && notes+=("$p: not in $LOCK (add it: tools/deps.sh --lock)")
		continue
	fi
	[ "$h" = "$w" ] && continue
	# Missing or another version: the archive decides. Refresh the
	# package lists once, and only when the locked version is not known.
	known=0
	in_archive "$p" "$w" && known=1
	if [ "$known" = 0 ] && [ "$updated" = 0 ] && [ "$(id -u)" -eq 0 ]; then
		apt-get update -qq
		updated=1
		in_archive "$p" "$w" && known=1
	fi
	if [ "$known" = 1 ]; then
		todo+=("$p=$w")
	elif [ -z "$h" ]; then
		todo+=("$p")
		notes+=("$p: verified with $w, not in the archive: installing its version")
	else
		notes+=("$p: verified with $w, installed $h ($w is not in the archive)")
	fi
done

for n in ${notes[@]+"${notes[@]}"}; do echo "deps: $n" >&2; done
[ ${#todo[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: to install: ${todo[*]}; run as root (or: apt-get install ${todo[*]})" >&2
	exit 1
fi
echo "deps: installing ${todo[*]}"
export DEBIAN_FRONTEND=noninteractive
[ "$updated" = 1 ] || apt-get update -qq
# --no-install-recommends keeps prometheus from pulling in its exporters;
# --allow-downgrades lets a newer installed package go back to the lock.
apt-get install -y -qq --no-install-recommends --allow-downgrades "${todo[@]}" >/dev/null
