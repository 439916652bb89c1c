#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Bounded random-subdomain floods in frame shapes XDP cannot serve.

  oddflood.py SHAPE SRC DST COUNT SECS PPS ZONE   prints: sent secs responses

Every query is well formed DNS; the frame around it is odd, and the kernel
still delivers it to a UDP socket:
  pad4     IPv4, one byte after the UDP datagram (UDP length one short of
           the IP payload; the kernel trims it)
  opt4     IPv4 with a 4-byte options field (IHL 6: NOP NOP NOP EOL)
  frag4    IPv4, the datagram in two fragments (the kernel reassembles)
  pad6     IPv6, one byte after the UDP datagram
  dstopt6  IPv6 with a destination-options header (PadN) before UDP
  tcp4     no odd frame: the queries pipelined on one TCP connection, which
           XDP never limits; prints: sent secs responses refused (responses
           not REFUSED, and REFUSED)
Frames are sent on a raw socket from SRC with source port PORT; a UDP
socket bound to SRC:PORT counts the responses. At most COUNT queries, at
most SECS seconds, PPS a second, then 1.5 s for the last responses. Only
the test's own namespaces are ever the destination.
"""
import errno
import os
import random
import select
import socket
import struct
import sys
import time

import dnsclient


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp6(src, dst, sport, dns):
    """A UDP datagram with its IPv6 checksum."""
    length = 8 + len(dns)
    hdr = struct.pack("!HHHH", sport, 53, length, 0)
    pseudo = (socket.inet_pton(socket.AF_INET6, src) +
              socket.inet_pton(socket.AF_INET6, dst) +
              struct.pack("!IxxxB", length, 17))
    c = csum(pseudo + hdr + dns) or 0xffff
    return struct.pack("!HHHH", sport, 53, length, c) + dns


def ip4(src, dst, payload, ident, opts=b"", frag=0, proto=17):
    """An IPv4 header; the kernel fills in the total length and checksum."""
    ihl = 5 + len(opts) // 4
    return struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 0, ident, frag, 64,
                       proto, 0, socket.inet_aton(src),
                       socket.inet_aton(dst)) + opts + payload


def ip6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def frames(shape, src, dst, sport, dns, ident):
    """The frames (without link header) carrying @dns, for a raw socket."""
    udp4 = struct.pack("!HHHH", sport, 53, 8 + len(dns), 0) + dns
    if shape == "pad4":
        return [ip4(src, dst, udp4 + b"\0", ident)]
    if shape == "opt4":
        return [ip4(src, dst, udp4, ident, opts=b"\x01\x01\x01\x00")]
    if shape == "frag4":
        cut = 16  # a multiple of 8: the UDP header and 8 DNS bytes
        return [ip4(src, dst, udp4[:cut], ident, frag=0x2000),
                ip4(src, dst, udp4[cut:], ident, frag=cut // 8)]
    u = udp6(src, dst, sport, dns)
    if shape == "pad6":
        return [ip6(src, dst, 17, u + b"\0")]
    if shape == "dstopt6":
        return [ip6(src, dst, 60, bytes([17, 0, 1, 4, 0, 0, 0, 0]) + u)]
    sys.exit("unknown shape " + shape)


def tcp_flood(src, dst, count, secs, pps, zone):
    s = socket.create_connection((dst, 53), timeout=5, source_address=(src, 0))
    s.setblocking(False)
    rnd = random.Random(os.getpid())
    buf = b""
    sent = responses = refused = 0

    def collect():
        nonlocal buf, responses, refused
        while True:
            try:
                chunk = s.recv(65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            buf += chunk
        while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
            n = struct.unpack("!H", buf[:2])[0]
            msg, buf = buf[2:2 + n], buf[2 + n:]
            if len(msg) >= 4 and msg[3] & 0xf == 5:
                refused += 1
            elif len(msg) >= 4:
                responses += 1

    t0 = time.monotonic()
    end = t0 + secs
    while sent < count and time.monotonic() < end:
        if sent >= (time.monotonic() - t0) * pps:
            select.select([s], [], [], 0.0005)
            collect()
            continue
        name = "%012x.%s" % (rnd.getrandbits(48), zone)
        dns = dnsclient.query(name, "A", qid=sent & 0xffff, edns=None)
        s.setblocking(True)
        s.sendall(struct.pack("!H", len(dns)) + dns)
        s.setblocking(False)
        sent += 1
        if sent % 32 == 0:
            collect()
    dur = time.monotonic() - t0
    stop = time.monotonic() + 1.5
    while time.monotonic() < stop:
        select.select([s], [], [], 0.05)
        collect()
    s.close()
    print(sent, "%.3f" % dur, responses, refused)


def flood(shape, src, dst, count, secs, pps, zone):
    if shape == "tcp4":
        return tcp_flood(src, dst, count, secs, pps, zone)
    fam = socket.AF_INET6 if shape.endswith("6") else socket.AF_INET
    rx = socket.socket(fam, socket.SOCK_DGRAM)
    rx.bind((src, 0))
    rx.setblocking(False)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sport = rx.getsockname()[1]
    tx = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rnd = random.Random(os.getpid())
    sent = responses = 0

    def collect():
        nonlocal responses
        while True:
            try:
                rx.recv(65535)
            except BlockingIOError:
                return
            responses += 1

    t0 = time.monotonic()
    end = t0 + secs
    while sent < count and time.monotonic() < end:
        if sent >= (time.monotonic() - t0) * pps:
            select.select([rx], [], [], 0.0005)
            collect()
            continue
        name = "%012x.%s" % (rnd.getrandbits(48), zone)
        dns = dnsclient.query(name, "A", qid=sent & 0xffff, edns=None)
        try:
            for f in frames(shape, src, dst, sport, dns, sent & 0xffff):
                tx.sendto(f, (dst, 0))
        except OSError as e:
            if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                raise
            time.sleep(0.001)
            continue
        sent += 1
        if sent % 32 == 0:
            collect()
    dur = time.monotonic() - t0
    stop = time.monotonic() + 1.5
    while time.monotonic() < stop:
        select.select([rx], [], [], 0.05)
        collect()
    print(sent, "%.3f" % dur, responses)


def main(argv):
    if len(argv) != 8:
        sys.exit(__doc__.strip())
    flood(argv[1], argv[2], argv[3], int(argv[4]), float(argv[5]),
          float(argv[6]), argv[7])


if __name__ == "__main__":
    main(sys.argv)
