#!/usr/bin/env bash
# Mounts bpffs at /sys/fs/bpf if it is not there: pins live in it.
set -euo pipefail
if ! mountpoint -q /sys/fs/bpf || [ "$(stat -f -c %T /sys/fs/bpf)" != "bpf_fs" ]; then
	mount -t bpf bpf /sys/fs/bpf
fi
