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
      raw IPv4 queries for NAME (*.ZONE: a random label under ZONE each
      time), each from a new source in NET (not EXCLUDE)
  crowd SRCFILE DST FILE BURST SECS         clients sent answers tc short
      every address of SRCFILE is a client asking like a person: a burst
      of BURST names of FILE at once every second (at its own moment in
      the second) for SECS seconds; then 2 s for the last replies. short:
      clients with a reply missing or TC=1
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
    rnd = random.Random(2)
    dns = query(0x5353, name)
    sent = 0
    seen = set()
    t0 = time.monotonic()
    end = t0 + secs
    while sent < count and time.monotonic() < end:
        idx = pool[sent % len(pool)]
        if name.startswith("*."):
            dns = query(sent & 0xffff,
                        "%012x.%s" % (rnd.getrandbits(48), name[2:]))
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


def crowd(srcfile, dst, path, burst, secs):
    with open(srcfile) as f:
        srcs = [line.strip() for line in f if line.strip()][:1000]
    with open(path) as f:
        names = [line.split() for line in f if line.strip()][:65000]
    burst = max(1, min(burst, 200))
    secs = max(1, min(secs, 10))
    rnd = random.Random(3)
    socks = [dnsclient.udp_socket(dst, a, 1 << 20, blocking=False)
             for a in srcs]
    by_fd = {s.fileno(): i for i, s in enumerate(socks)}
    sent = [0] * len(socks)
    answers = [0] * len(socks)
    tcs = [0] * len(socks)
    t0 = time.monotonic()
    # (when, client, round): every client's next burst
    due = sorted((t0 + rnd.random(), i, 0) for i in range(len(socks)))

    def collect(timeout):
        r, _, _ = select.select(socks, [], [], max(0, timeout))
        for s in r:
            i = by_fd[s.fileno()]
            for h, _ in dnsclient.drain(s):
                if h.tc:
                    tcs[i] += 1
                elif h.rcode == 0:
                    answers[i] += 1

    n = 0
    while due:
        when, i, rnd_no = due[0]
        now = time.monotonic()
        if now < when:
            collect(when - now)
            continue
        due.pop(0)
        for _ in range(burst):
            name, qt = names[n % len(names)]
            n += 1
            try:
                socks[i].sendto(query(n & 0xffff, name, qt), (dst, 53))
                sent[i] += 1
            except BlockingIOError:
                pass
        if rnd_no + 1 < secs:
            due.append((when + 1.0, i, rnd_no + 1))
            due.sort()
    end = time.monotonic() + 2
    while time.monotonic() < end and sum(answers) + sum(tcs) < sum(sent):
        collect(0.05)
    short = sum(1 for i in range(len(socks))
                if answers[i] < sent[i] or tcs[i])
    print(len(socks), sum(sent), sum(answers), sum(tcs), short)


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
    elif cmd == "crowd" and len(args) == 5:
        crowd(args[0], args[1], args[2], int(args[3]), int(args[4]))
    else:
        sys.exit(__doc__.strip())


if __name__ == "__main__":
    main(sys.argv)
