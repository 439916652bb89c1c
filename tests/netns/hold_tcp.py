#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Opens N TCP connections to ADDR PORT and holds them, sending nothing.

Usage: hold_tcp.py ADDR PORT N SECONDS
Prints "open K" once K connections are established (K < N when the server
refuses or the attempt times out), then holds them until SECONDS have
passed or stdin closes, and exits 0. Bounded in count and time.
"""
import resource
import select
import socket
import sys
import time


def main():
    addr, port, n, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        float(sys.argv[4])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, n + 64)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    held = []
    end = time.monotonic() + secs
    for _ in range(n):
        if time.monotonic() >= end:
            break
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect((addr, port))
        except OSError:
            s.close()
            break
        held.append(s)
    print(f"open {len(held)}", flush=True)
    while time.monotonic() < end:
        r, _, _ = select.select([sys.stdin], [], [], max(0, end - time.monotonic()))
        if r and not sys.stdin.read(1):
            break
    for s in held:
        s.close()


if __name__ == "__main__":
    main()
