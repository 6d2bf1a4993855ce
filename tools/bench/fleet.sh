#!/usr/bin/env bash
# Fleet sync cost (fg-bench-fleet) at 1 000, 16 384 and 100 000 sources,
# against a redis-server started here on a unix socket and stopped after.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
command -v redis-server >/dev/null || {
	echo "fleet: redis-server not installed (make deps)" >&2
	exit 1
}
dir=$(mktemp -d /tmp/fg-bench-fleet.XXXXXX)
pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
redis-server --port 0 --unixsocket "$dir/r.sock" --save "" --appendonly no \
	--daemonize no >"$dir/redis.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
	[ -S "$dir/r.sock" ] && break
	sleep 0.1
done
[ -S "$dir/r.sock" ] || {
	echo "fleet: redis-server did not start" >&2
	cat "$dir/redis.log" >&2
	exit 1
}
echo "# redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'), unix socket; sync period 250 ms, 3 hosts"
rc=0
# 16384: the most one host publishes in a period (FG_FLEET_PUBLISH_MAX)
for n in 1000 16384 100000; do
	build/bench/fg-bench-fleet --socket "$dir/r.sock" --sources "$n" \
		--periods 5 || rc=1
done
exit "$rc"
