#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""A steady load of stub resolvers, with their retries, for test_anycast.sh.

Usage: stubload.py SERVER FILE QPS SECS TIMEOUT TRIES SRCS [OUT]
Asks the "NAME TYPE" lines of FILE round-robin at QPS for SECS seconds,
each from one of 64 UDP sockets (64 source ports, so ECMP's per-flow hash
spreads them), bound in turn to the SRCS addresses ("ADDR+N": N addresses
from ADDR on, each a client with its own rate limits; "-": any); a query not answered within TIMEOUT seconds is sent again
from the next socket (another port, as a stub's next try is), up to TRIES
sends in all. Then waits for the last tries. Prints one line:
    asked answered first_try failed max_tries
answered: a reply with NOERROR or NXDOMAIN to one of its sends; failed:
none within TRIES x TIMEOUT. OUT, if given, gets one line per query:
"SENT_AT_S TRIES OK". Bounded: QPS x SECS queries, at most 20,000.
"""
import ipaddress
import select
import socket
import struct
import sys
import time

import dnsclient

NSOCK = 64
MAXQ = 20000


def main(argv):
    if len(argv) not in (8, 9):
        sys.stderr.write(__doc__)
        return 2
    server, path = argv[1], argv[2]
    qps, secs = float(argv[3]), float(argv[4])
    timeout, tries = float(argv[5]), int(argv[6])
    srcs = [""]
    if argv[7] != "-":
        base, _, count = argv[7].partition("+")
        first = ipaddress.ip_address(base)
        srcs = [str(first + i) for i in range(int(count or 1))]
    out = open(argv[8], "w") if len(argv) == 9 else None
    names = [l.split()[:2] for l in open(path) if len(l.split()) >= 2]
    total = min(int(qps * secs), MAXQ)
    fam = dnsclient.family(server)
    socks = []
    for i in range(NSOCK):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setblocking(False)
        s.bind((srcs[i % len(srcs)], 0))
        socks.append(s)
    by_fd = {s.fileno(): s for s in socks}
    # qid -> [index, tries, deadline, first sent]
    pending = {}
    done = []  # (first sent, tries, ok)
    t0 = time.monotonic()
    sent = 0
    nextid = 1

    def send(i, attempt):
        nonlocal nextid
        qid = nextid
        nextid = nextid % 65535 + 1
        name, qtype = names[i % len(names)]
        msg = dnsclient.query(name, qtype, qid=qid, edns=None)
        sock = socks[(i + attempt) % NSOCK]
        try:
            sock.sendto(msg, (server, 53))
        except OSError:
            pass  # counted as a try that got no answer
        return qid

    while True:
        now = time.monotonic()
        while sent < total and now - t0 >= sent / qps:
            qid = send(sent, 0)
            pending[qid] = [sent, 1, now + timeout, now - t0]
            sent += 1
        for qid, p in list(pending.items()):
            if p[2] > now:
                continue
            del pending[qid]
            if p[1] >= tries:
                done.append((p[3], p[1], False))
                continue
            nid = send(p[0], p[1])
            pending[nid] = [p[0], p[1] + 1, now + timeout, p[3]]
        if sent >= total and not pending:
            break
        wait = 0.002 if sent < total else 0.05
        r, _, _ = select.select(list(by_fd), [], [], wait)
        for fd in r:
            while True:
                try:
                    reply = by_fd[fd].recv(4096)
                except (BlockingIOError, InterruptedError):
                    break
                if len(reply) < 12:
                    continue
                qid, flags = struct.unpack("!HH", reply[:4])
                p = pending.pop(qid, None)
                if p is None:
                    continue  # a late reply to an earlier try
                ok = (flags & 0xF) in (0, 3)
                done.append((p[3], p[1], ok))
    answered = sum(1 for d in done if d[2])
    first = sum(1 for d in done if d[2] and d[1] == 1)
    failed = len(done) - answered
    maxt = max((d[1] for d in done if d[2]), default=0)
    if out:
        for d in sorted(done):
            out.write("%.3f %d %d\n" % (d[0], d[1], 1 if d[2] else 0))
        out.close()
    print(len(done), answered, first, failed, maxt)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
