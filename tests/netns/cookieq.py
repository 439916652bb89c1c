#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""A DNS-cookie client (RFC 7873) for test_cookie.sh, bounded in count and
time. Subcommands:
  get SRC DST NAME
      one query with a fresh client cookie; prints the COOKIE option the
      reply carried (client and server cookie, hex) or "none"
  ask SRC DST FILE QPS SECS [COOKIE]
      every "name TYPE" line of FILE in turn, paced at QPS, for SECS
      seconds (at most 10,000 queries), with COOKIE (hex, from get) as
      the option, the server cookie taken from each reply as a client
      does; without COOKIE, no COOKIE option. Then 1 s for the last
      replies. Prints: sent answered cookies tc
      (answered: NOERROR with records, TC clear; cookies: replies whose
      COOKIE echoes our client cookie with a 16-byte server cookie)
Only the test's own namespaces are ever the destination.
"""
import os
import select
import socket
import struct
import sys
import time

import dnsclient

T_OPT = 41
O_COOKIE = 10


def with_cookie(msg, cookie):
    """@msg (EDNS, no options) with a COOKIE option of @cookie bytes."""
    opt = struct.pack(">HH", O_COOKIE, len(cookie)) + cookie
    return msg[:-2] + struct.pack(">H", len(opt)) + opt


def reply_cookie(msg):
    """The COOKIE option data of reply @msg, or None."""
    try:
        for sec, rtype, o in dnsclient.records(msg):
            if sec != "ar" or rtype != T_OPT:
                continue
            rdlen = struct.unpack(">H", msg[o + 4:o + 6])[0]
            rdata = msg[o + 6:o + 6 + rdlen]
            off = 0
            while off + 4 <= len(rdata):
                code, n = struct.unpack(">HH", rdata[off:off + 4])
                if code == O_COOKIE:
                    return rdata[off + 4:off + 4 + n]
                off += 4 + n
    except (ValueError, IndexError, struct.error):
        pass
    return None


def get(src, dst, name):
    s = dnsclient.udp_socket(dst, src)
    client = os.urandom(8)
    msg = with_cookie(dnsclient.query(name, "A", qid=0x2a2a), client)
    for _ in range(3):
        reply = dnsclient.exchange_udp(s, dst, 53, msg, 1.0)
        if reply is not None:
            c = reply_cookie(reply)
            ok = c is not None and len(c) == 24 and c[:8] == client
            print(c.hex() if ok else "none")
            return
    print("none")


def ask(src, dst, path, qps, secs, cookie_hex):
    with open(path) as f:
        names = [line.split() for line in f if line.strip()]
    cookie = bytes.fromhex(cookie_hex) if cookie_hex else None
    s = dnsclient.udp_socket(dst, src, blocking=False)
    sent = answered = cookies = tc = 0
    t0 = time.monotonic()
    end = t0 + secs

    def collect(timeout):
        nonlocal answered, cookies, tc, cookie
        r, _, _ = select.select([s], [], [], timeout)
        if not r:
            return
        for h, reply in dnsclient.drain(s):
            tc += h.tc
            if (not h.tc and h.rcode == 0 and
                    dnsclient.answers(reply)):
                answered += 1
            c = reply_cookie(reply)
            if cookie and c and len(c) == 24 and c[:8] == cookie[:8]:
                cookies += 1
                cookie = c

    while sent < 10000 and time.monotonic() < end:
        name, qtype = names[sent % len(names)][:2]
        msg = dnsclient.query(name, qtype, qid=sent & 0xffff)
        if cookie:
            msg = with_cookie(msg, cookie)
        s.sendto(msg, (dst, 53))
        sent += 1
        due = t0 + sent / qps
        while time.monotonic() < due:
            collect(max(0.0, due - time.monotonic()))
    stop = time.monotonic() + 1.0
    while time.monotonic() < stop:
        collect(0.1)
    print(sent, answered, cookies, tc)


def main(argv):
    cmd, args = argv[1] if len(argv) > 1 else "", argv[2:]
    if cmd == "get" and len(args) == 3:
        get(*args)
    elif cmd == "ask" and len(args) in (5, 6):
        ask(args[0], args[1], args[2], float(args[3]), float(args[4]),
            args[5] if len(args) == 6 else None)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
