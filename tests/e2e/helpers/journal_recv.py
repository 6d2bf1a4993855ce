#!/usr/bin/env python3
"""A stand-in for journald's native socket, for tests: binds SOCKET,
decodes each datagram of the journal's native protocol (KEY=value lines,
or KEY, a little-endian 64-bit length and the bytes, for values with
newlines) and appends it to OUT as one JSON object a line. Exits after
LIFETIME seconds (default 60) or on SIGTERM."""
import json
import os
import signal
import socket
import struct
import sys
import time


def decode(data):
    fields, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            key, value = line.split(b"=", 1)
            i = nl + 1
        else:
            key = line
            (size,) = struct.unpack_from("<Q", data, nl + 1)
            start = nl + 9
            value = data[start:start + size]
            i = start + size + 1
        fields[key.decode()] = value.decode(errors="replace")
    return fields


def main():
    path, out = sys.argv[1], sys.argv[2]
    lifetime = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    deadline = time.monotonic() + lifetime
    with open(out, "a", encoding="utf-8") as f:
        while time.monotonic() < deadline:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                data = sock.recv(1 << 20)
            except socket.timeout:
                continue
            f.write(json.dumps(decode(data)) + "\n")
            f.flush()


if __name__ == "__main__":
    main()
