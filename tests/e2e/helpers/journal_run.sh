#!/usr/bin/env bash
# journal_run.sh RECEIVER_OUT CMD...: runs CMD as systemd would with its
# stderr in the journal: a private /run (call under `unshare --mount
# --propagation private`) holds a stand-in journald socket
# (journal_recv.py writing RECEIVER_OUT), and JOURNAL_STREAM names this
# script's stderr. The stand-in ends with CMD, and after 60 s at most;
# SIGTERM is passed on to CMD.
set -u
out=$1
shift
mount -t tmpfs tmpfs /run || exit 3
mkdir -p /run/systemd/journal
python3 "$(dirname "$0")/journal_recv.py" /run/systemd/journal/socket "$out" 60 &
recv=$!
for _ in $(seq 1 50); do
	[ -S /run/systemd/journal/socket ] && break
	sleep 0.1
done
JOURNAL_STREAM=$(stat -L -c '%d:%i' /proc/self/fd/2)
export JOURNAL_STREAM
# SIGTERM to this script reaches CMD, as systemd's stop would.
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM
wait "$child"
rc=$?
if kill -0 "$child" 2>/dev/null; then # wait was cut short by the trap
	wait "$child"
	rc=$?
fi
kill "$recv" 2>/dev/null
wait "$recv" 2>/dev/null
exit "$rc"
