#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Thousands of UDP queries in flight at once, for test_burst.sh.

Usage: dnsmany.py SERVER PORT SRC FILE WAIT
FILE: one query a line, "NAME TYPE [RCODE]" (RCODE: the expected one). All
of them leave one socket bound to SRC, each with its own ID, in chunks of
100 every 10 ms (the veth rings stay below their size), at most 20,000;
then replies are collected until WAIT seconds after the first was sent.
Prints one line:
    sent replied timeouts expected servfail other max_ms
expected: replies with the line's RCODE (or NOERROR/NXDOMAIN without
one); servfail: SERVFAIL replies; other: any other rcode; max_ms: the
latest reply after its query was sent. Bounded by WAIT.
"""
import select
import socket
import sys
import time

import dnsclient

CHUNK = 100
GAP = 0.010


def main(argv):
    if len(argv) != 6:
        sys.stderr.write(__doc__)
        return 2
    server, port, src, path, wait = (argv[1], int(argv[2]), argv[3],
                                     argv[4], float(argv[5]))
    with open(path) as f:
        lines = [ln.split() for ln in f if ln.strip()][:20000]
    sock = dnsclient.udp_socket(server, src, rcvbuf=16 << 20, blocking=False)
    qs = {}
    for i, f in enumerate(lines):
        qid = i & 0xffff
        msg = dnsclient.query(f[0], f[1], qid=qid)
        qs[qid] = (msg, f[2] if len(f) > 2 else None, None)
    sent_at, replies = {}, {}

    def collect(timeout):
        if not select.select([sock], [], [], max(0.0, timeout))[0]:
            return
        now = time.monotonic()
        for h, r in dnsclient.drain(sock):
            q = qs.get(h.id)
            if q and h.id not in replies and dnsclient.is_reply_to(r, q[0]):
                replies[h.id] = (h.rcode, now)

    t0 = time.monotonic()
    ids = list(qs)
    for k in range(0, len(ids), CHUNK):
        for qid in ids[k:k + CHUNK]:
            sent_at[qid] = time.monotonic()
            sock.sendto(qs[qid][0], (server, port))
        due = t0 + (k // CHUNK + 1) * GAP
        while time.monotonic() < due:
            collect(due - time.monotonic())
    while len(replies) < len(qs) and time.monotonic() < t0 + wait:
        collect(t0 + wait - time.monotonic())
    exp = sf = other = 0
    max_ms = 0
    for qid, (rcode, when) in replies.items():
        want = qs[qid][1]
        name = dnsclient.RCODES.get(rcode, "RCODE%d" % rcode)
        if (want and name == want) or (not want and rcode in (0, 3)):
            exp += 1
        elif rcode == 2:
            sf += 1
        else:
            other += 1
        max_ms = max(max_ms, int((when - sent_at[qid]) * 1000))
    print(len(qs), len(replies), len(qs) - len(replies), exp, sf, other,
          max_ms)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
