#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Several UDP queries sent at once, each reply timed, for test_features.sh.

Usage: dnsburst.py SERVER PORT [--src ADDR] [--wait S] [--nord] QUERY...
QUERY is NAME or NAME/TYPE (A by default). Every query leaves one socket
(bound to ADDR when given) back to back, each with its own ID, RD set
unless --nord, EDNS 1232; then replies are collected for up to S seconds
(default 3) in all. One line per query, in the order given:
    NAME TYPE RCODE FLAGS ANCOUNT MS [TTL ADDR]
FLAGS the header bits set (qr,rd,ra,...; "-" for none), MS the time from
sending the burst to the reply, TTL and ADDR of the first A or AAAA record
of the answer section. A query without a reply prints RCODE "TIMEOUT",
FLAGS "-", ANCOUNT 0 and MS the wait. Exit 0 when every query was answered,
1 otherwise, 2 for bad usage. Bounded by the wait.
"""
import argparse
import select
import sys
import time

import dnsclient

FLAG_NAMES = (("qr", dnsclient.F_QR), ("aa", dnsclient.F_AA),
              ("tc", dnsclient.F_TC), ("rd", dnsclient.F_RD),
              ("ra", dnsclient.F_RA), ("ad", 0x0020), ("cd", 0x0010))


def flags_text(flags):
    on = [n for n, bit in FLAG_NAMES if flags & bit]
    return ",".join(on) if on else "-"


def main():
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("server")
    ap.add_argument("port", type=int)
    ap.add_argument("--src")
    ap.add_argument("--wait", type=float, default=3.0)
    ap.add_argument("--nord", action="store_true")
    ap.add_argument("queries", nargs="+")
    try:
        a = ap.parse_args()
    except SystemExit:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    sock = dnsclient.udp_socket(a.server, a.src, blocking=False)
    qs = []
    for i, spec in enumerate(a.queries):
        name, _, qtype = spec.partition("/")
        qtype = qtype or "A"
        msg = dnsclient.query(name, qtype, qid=0x2000 + i, rd=not a.nord)
        qs.append((name, qtype, msg))
    t0 = time.monotonic()
    for _name, _qtype, msg in qs:
        sock.sendto(msg, (a.server, a.port))
    replies = {}
    end = t0 + a.wait
    while len(replies) < len(qs):
        left = end - time.monotonic()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            break
        now = time.monotonic()
        for _h, r in dnsclient.drain(sock):
            for i, (_n, _t, msg) in enumerate(qs):
                if i not in replies and dnsclient.is_reply_to(r, msg):
                    replies[i] = (r, now)
                    break
    for i, (name, qtype, _msg) in enumerate(qs):
        if i not in replies:
            print(name, qtype, "TIMEOUT - 0", int(a.wait * 1000))
            continue
        r, when = replies[i]
        h = dnsclient.Header(r)
        rcode = dnsclient.RCODES.get(h.rcode, "RCODE%d" % h.rcode)
        line = [name, qtype, rcode, flags_text(h.flags), str(h.ancount),
                str(int((when - t0) * 1000))]
        try:
            addrs = dnsclient.answers(r)
        except ValueError as e:
            print("dnsburst: %s: %s" % (name, e), file=sys.stderr)
            addrs = []
        if addrs:
            line += [str(addrs[0][1]), addrs[0][2]]
        print(" ".join(line))
    return 0 if len(replies) == len(qs) else 1


if __name__ == "__main__":
    sys.exit(main())
