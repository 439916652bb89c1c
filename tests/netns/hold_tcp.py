#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Opens N TCP connections to ADDR PORT and holds them.

Usage: hold_tcp.py ADDR PORT N SECONDS [--bind SRC] [--trickle S]
                   [--pipeline QNAME/QTYPE --count K]
Prints "open K" once K connections are established (K < N when connecting
fails or times out), holds them until SECONDS have passed or, when stdin
is a pipe, it closes (anything else on stdin, /dev/null say, is not read),
then prints "alive K": how many the server has not closed. With --trickle
S, every connection sends one byte of a query that never completes every
S seconds (a slowloris client). With --pipeline, every connection
(with a 4 KiB receive buffer) sends up to K whole queries for QNAME QTYPE
back to back, as many as the server takes without blocking, and never
reads an answer; "sent Q" gives the total. Otherwise nothing is sent.
Bounded in count and time.
"""
import argparse
import errno
import os
import resource
import select
import socket
import stat
import sys
import time

import dnsclient


def alive(s):
    """False once the server has closed or reset the connection. The
    socket is made non-blocking first: with the connect timeout still set,
    Python would wait for data and call an idle connection dead."""
    s.setblocking(False)
    try:
        data = s.recv(1, socket.MSG_PEEK)
        return len(data) > 0
    except OSError as e:
        return e.errno in (errno.EAGAIN, errno.EWOULDBLOCK)


def pipeline(held, spec, count, end):
    """Up to count framed queries on every connection, without blocking
    and without reading; returns how many went out in all."""
    qname, _, qtype = spec.partition("/")
    sent = 0
    for i, s in enumerate(held):
        msg = dnsclient.query(qname, qtype or "A", qid=i & 0xffff)
        frame = len(msg).to_bytes(2, "big") + msg
        s.setblocking(False)
        for _ in range(count):
            if time.monotonic() >= end:
                return sent
            try:
                n = s.send(frame)
            except OSError:
                break
            if n < len(frame):
                break
            sent += 1
    return sent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("n", type=int)
    ap.add_argument("seconds", type=float)
    ap.add_argument("--bind", default=None)
    ap.add_argument("--trickle", type=float, default=0)
    ap.add_argument("--pipeline", default=None)
    ap.add_argument("--count", type=int, default=1000)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, a.n + 64)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    family = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    held = []
    end = time.monotonic() + a.seconds
    for _ in range(a.n):
        if time.monotonic() >= end:
            break
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(2)
        if a.pipeline:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            if a.bind:
                s.bind((a.bind, 0))
            s.connect((a.addr, a.port))
        except OSError:
            s.close()
            break
        held.append(s)
    print(f"open {len(held)}", flush=True)
    if a.pipeline:
        print(f"sent {pipeline(held, a.pipeline, a.count, end)}", flush=True)
    # A query of 300 bytes, announced and never finished.
    watch = [sys.stdin] if stat.S_ISFIFO(os.fstat(0).st_mode) else []
    pending = [b"\x01\x2c"] * len(held)
    next_byte = time.monotonic()
    while time.monotonic() < end:
        wait = end - time.monotonic()
        if a.trickle:
            wait = min(wait, max(0, next_byte - time.monotonic()))
        r, _, _ = select.select(watch, [], [], max(0, wait))
        if r and not sys.stdin.read(1):
            break
        if a.trickle and time.monotonic() >= next_byte:
            next_byte += a.trickle
            for i, s in enumerate(held):
                try:
                    s.send(pending[i][:1] or b"x")
                    pending[i] = pending[i][1:]
                except OSError:
                    pass
    print(f"alive {sum(alive(s) for s in held)}", flush=True)
    for s in held:
        s.close()


if __name__ == "__main__":
    main()
