#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Bounded DNS senders for test_flood.sh and test_observe.sh.

Every loop stops at a count and a deadline; the queries carry RD and no
EDNS. Subcommands (one line of figures on stdout):
  flood SRC DST COUNT SECS PPS ZONE|=NAME   sent secs answers tc
      random-subdomain queries under ZONE (or always NAME), PPS 0: flat
      out; then 1.5 s for the last replies. answers: replies without TC
  ask SRC DST FILE QPS WAIT                 sent responses answers tc
      every "name TYPE" line once, paced; answers: NOERROR with records
  spoof DST COUNT SECS NAME NET EXCLUDE     sent secs sources
      raw IPv4 queries for NAME, each from a new source in NET (not EXCLUDE)
Only the test's own namespaces are ever the destination.
"""
import errno
import ipaddress
import os
import random
import select
import socket
import struct
import sys
import time

import dnsclient

RCVBUF = 8 << 20


def query(qid, name, qtype="A"):
    return dnsclient.query(name, qtype, qid=qid, edns=None)


def flood(src, dst, count, secs, pps, zone):
    s = dnsclient.udp_socket(dst, src, RCVBUF, blocking=False)
    rnd = random.Random(os.getpid())
    sent = ans = tc = 0

    def collect():
        nonlocal ans, tc
        for h, _ in dnsclient.drain(s):
            tc += h.tc
            ans += not h.tc

    t0 = time.monotonic()
    end = t0 + secs
    last = t0
    while sent < count:
        now = time.monotonic()
        if now >= end:
            break
        if pps and sent >= (now - t0) * pps:
            time.sleep(0.0005)
        else:
            name = (zone[1:] if zone.startswith("=") else
                    "%012x.%s" % (rnd.getrandbits(48), zone))
            try:
                s.sendto(query(sent & 0xffff, name), (dst, 53))
                sent += 1
                last = time.monotonic()
            except BlockingIOError:
                time.sleep(0.0005)
        if sent % 32 == 0:
            collect()
    dur = last - t0
    stop = time.monotonic() + 1.5  # the daemon's last answers
    while time.monotonic() < stop:
        select.select([s], [], [], 0.05)
        collect()
    print(sent, "%.3f" % dur, ans, tc)


def ask(src, dst, path, qps, wait):
    with open(path) as f:
        lines = [line.split() for line in f if line.strip()][:65000]
    s = dnsclient.udp_socket(dst, src, RCVBUF, blocking=False)
    pending = set()
    responses = answers = tc = 0

    def collect():
        nonlocal responses, answers, tc
        for h, _ in dnsclient.drain(s):
            if h.id not in pending:
                continue
            pending.discard(h.id)
            responses += 1
            if h.tc:
                tc += 1
            elif h.rcode == 0 and h.ancount > 0:
                answers += 1

    t0 = time.monotonic()
    for i, (name, qt) in enumerate(lines):
        qid = i + 1
        pending.add(qid)
        s.sendto(query(qid, name, qt), (dst, 53))
        nxt = t0 + (i + 1) / qps
        while True:
            collect()
            left = nxt - time.monotonic()
            if left <= 0:
                break
            select.select([s], [], [], left)
    end = time.monotonic() + wait
    while pending and time.monotonic() < end:
        select.select([s], [], [], 0.05)
        collect()
    print(len(lines), responses, answers, tc)


def spoof(dst, count, secs, name, net, exclude):
    net = ipaddress.IPv4Network(net)
    excl = ipaddress.IPv4Network(exclude)
    base = int(net.network_address)
    pool = [i for i in range(1, net.num_addresses - 1)
            if ipaddress.IPv4Address(base + i) not in excl]
    random.Random(1).shuffle(pool)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, RCVBUF)
    d = socket.inet_aton(dst)
    dns = query(0x5353, name)
    sent = 0
    seen = set()
    t0 = time.monotonic()
    end = t0 + secs
    while sent < count and time.monotonic() < end:
        idx = pool[sent % len(pool)]
        # IP total length and checksum are filled in by the kernel; UDP
        # checksum 0 (allowed for IPv4).
        pkt = (struct.pack(">BBHHHBBH4s4s", 0x45, 0, 0, 0, 0, 64, 17, 0,
                           struct.pack(">I", base + idx), d) +
               struct.pack(">HHHH", 1024 + idx % 60000, 53, 8 + len(dns), 0) +
               dns)
        try:
            s.sendto(pkt, (dst, 0))
        except OSError as e:
            if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                raise
            time.sleep(0.001)
            continue
        seen.add(idx)
        sent += 1
    print(sent, "%.3f" % (time.monotonic() - t0), len(seen))


def main(argv):
    cmd, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if cmd == "flood" and len(args) == 6:
        flood(args[0], args[1], int(args[2]), float(args[3]),
              float(args[4]), args[5])
    elif cmd == "ask" and len(args) == 5:
        ask(args[0], args[1], args[2], float(args[3]), float(args[4]))
    elif cmd == "spoof" and len(args) == 6:
        spoof(args[0], int(args[1]), float(args[2]), args[3], args[4],
              args[5])
    else:
        sys.exit(__doc__.strip())


if __name__ == "__main__":
    main(sys.argv)
