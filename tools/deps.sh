#!/usr/bin/env bash
# Installs the Debian 12 packages floodgate builds, tests and runs with.
# Idempotent: only what is missing, and apt-get update only then.
set -euo pipefail

PACKAGES=(
	make gcc clang llvm pkg-config linux-libc-dev
	libbpf-dev bpftool libelf-dev zlib1g-dev
	libnl-3-dev libnl-route-3-dev libmicrohttpd-dev libfyaml-dev
	libjson-c-dev libcmocka-dev
	iproute2 iputils-ping ethtool util-linux procps curl python3
	prometheus nftables iptables gdb
	clang-format clang-tidy cppcheck
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root (or: apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends keeps prometheus from pulling in its exporters.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
