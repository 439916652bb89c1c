#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Latency at a fixed offered rate, for bench_cold.sh.

Usage: latency.py SERVER PORT SRC FILE RATE SECS
Every "NAME TYPE" line of FILE in turn (at most RATE x SECS queries, at
most 60,000), paced at RATE a second from one socket bound to SRC, then
1 s for the last replies. Prints one line:
    sent answered p50_ms p99_ms p999_ms max_ms
over the replies (any rcode) matched to their query by ID and question;
a query without a reply within that time counts as not answered.
"""
import select
import sys
import time

import dnsclient


def main(argv):
    if len(argv) != 7:
        sys.stderr.write(__doc__)
        return 2
    server, port, src, path = argv[1], int(argv[2]), argv[3], argv[4]
    rate, secs = float(argv[5]), float(argv[6])
    with open(path) as f:
        names = [ln.split()[:2] for ln in f if ln.strip()]
    n = min(int(rate * secs), 60000, len(names))
    sock = dnsclient.udp_socket(server, src, rcvbuf=16 << 20, blocking=False)
    pending, lat = {}, []

    def collect(timeout):
        if not select.select([sock], [], [], max(0.0, timeout))[0]:
            return
        now = time.monotonic()
        for h, r in dnsclient.drain(sock):
            q = pending.get(h.id)
            if q and dnsclient.is_reply_to(r, q[0]):
                lat.append(now - q[1])
                del pending[h.id]

    t0 = time.monotonic()
    for i in range(n):
        msg = dnsclient.query(names[i][0], names[i][1], qid=i & 0xffff)
        pending[i & 0xffff] = (msg, time.monotonic())
        sock.sendto(msg, (server, port))
        due = t0 + (i + 1) / rate
        while time.monotonic() < due:
            collect(due - time.monotonic())
    end = time.monotonic() + 1.0
    while pending and time.monotonic() < end:
        collect(end - time.monotonic())
    lat.sort()

    def pct(p):
        if not lat:
            return 0.0
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

    print(n, len(lat), "%.2f %.2f %.2f %.2f" % (pct(0.5), pct(0.99),
                                                pct(0.999), pct(1.0)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
