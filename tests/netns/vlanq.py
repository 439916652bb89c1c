#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""One DNS query in an 802.1Q-tagged frame, and the reply frame, for
test_features.sh: the client side of a VLAN without the kernel's VLAN code.

Usage: vlanq.py IFACE VID SRC DST DST_MAC QNAME [QTYPE] [--out FILE]
                [--timeout S]
Builds Ethernet (IFACE's own MAC to DST_MAC), an 802.1Q tag with VID, IPv4
SRC to DST, UDP from a random port to 53 and a DNS query (ID 0x4712, RD,
EDNS 1232), checksums computed here, and sends it on an AF_PACKET socket
bound to IFACE. Then waits up to S seconds (3) for the frame back: IPv4 UDP
from DST port 53 to SRC and that port, with that ID and question. Its tag is
read from the frame or, when the kernel moved it out of the frame, from
PACKET_AUXDATA. Prints one line:
    vid VID rcode RCODE an N csum ok|bad|none [ttl TTL addr ADDR]
(VID "none" for an untagged reply; csum: the IPv4 header's and the UDP
checksum recomputed here; TTL and ADDR of the first A or AAAA answer) and
writes the reply's DNS message to FILE. Exit 0 when a reply came, 1 when
none did, 2 for bad usage or a reply that does not parse.
"""
import argparse
import random
import select
import socket
import struct
import sys
import time

import dnsclient

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_8021Q = 0x8100
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 0x10
AUXDATA = struct.Struct("=IIIHHHH")  # struct tpacket_auxdata
QID = 0x4712


def csum(data):
    """The Internet checksum (RFC 1071) of DATA."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_csum(src, dst, udp):
    """The UDP checksum over IPv4 (RFC 768) of UDP, its field zeroed."""
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_UDP, len(udp))
    c = csum(pseudo + udp[:6] + b"\0\0" + udp[8:])
    return c or 0xFFFF


def frame(smac, dmac, vid, src, dst, sport, dns):
    udp = struct.pack("!HHHH", sport, 53, 8 + len(dns), 0) + dns
    udp = udp[:6] + struct.pack("!H", udp_csum(src, dst, udp)) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp),
                     random.randrange(65536), 0x4000, 64,
                     socket.IPPROTO_UDP, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return (dmac + smac + struct.pack("!HHH", ETH_P_8021Q, vid & 0xFFF,
                                      ETH_P_IP) + ip + udp)


def parse(buf, aux_vid, src, dst, sport):
    """(vid, csum verdict, dns) of an IPv4 UDP reply from DST:53 to
    SRC:SPORT, or None for any other frame."""
    vid = aux_vid
    off = 12
    etype = struct.unpack("!H", buf[off:off + 2])[0]
    if etype == ETH_P_8021Q:
        vid = struct.unpack("!H", buf[off + 2:off + 4])[0] & 0xFFF
        off += 4
        etype = struct.unpack("!H", buf[off:off + 2])[0]
    off += 2
    if etype != ETH_P_IP or len(buf) < off + 28:
        return None
    ip = buf[off:off + 20]
    ihl = (ip[0] & 0xF) * 4
    if ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_UDP:
        return None
    if ip[12:16] != dst or ip[16:20] != src:
        return None
    total = struct.unpack("!H", ip[2:4])[0]
    udp = buf[off + ihl:off + total]
    sp, dp, ulen, usum = struct.unpack("!HHHH", udp[:8])
    if sp != 53 or dp != sport:
        return None
    udp = udp[:ulen]
    ok = csum(buf[off:off + ihl]) == 0
    if usum:
        ok = ok and udp_csum(dst, src, udp) == usum
        verdict = "ok" if ok else "bad"
    else:
        verdict = "none" if ok else "bad"
    return vid, verdict, udp[8:]


def main():
    ap = argparse.ArgumentParser(add_help=False)
    for a in ("iface", "vid", "src", "dst", "dmac", "qname"):
        ap.add_argument(a)
    ap.add_argument("qtype", nargs="?", default="A")
    ap.add_argument("--out")
    ap.add_argument("--timeout", type=float, default=3.0)
    try:
        a = ap.parse_args()
    except SystemExit:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open("/sys/class/net/%s/address" % a.iface) as f:
        smac = bytes.fromhex(f.read().strip().replace(":", ""))
    dmac = bytes.fromhex(a.dmac.replace(":", ""))
    src, dst = socket.inet_aton(a.src), socket.inet_aton(a.dst)
    sport = random.randrange(20000, 60000)
    dns = dnsclient.query(a.qname, a.qtype, qid=QID)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((a.iface, ETH_P_ALL))
    s.send(frame(smac, dmac, int(a.vid), src, dst, sport, dns))
    end = time.monotonic() + a.timeout
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            print("no reply within %g s" % a.timeout)
            return 1
        buf, anc, _flags, addr = s.recvmsg(65535,
                                           socket.CMSG_SPACE(AUXDATA.size))
        if addr[2] == PACKET_OUTGOING:
            continue
        aux_vid = "none"
        for level, kind, data in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                st, _l, _s, _m, _n, tci, _tpid = AUXDATA.unpack(
                    data[:AUXDATA.size])
                if st & TP_STATUS_VLAN_VALID:
                    aux_vid = tci & 0xFFF
        got = parse(buf, aux_vid, src, dst, sport)
        if got is None or not dnsclient.is_reply_to(got[2], dns):
            continue
        vid, verdict, reply = got
        break
    h = dnsclient.Header(reply)
    line = ["vid", str(vid), "rcode",
            dnsclient.RCODES.get(h.rcode, str(h.rcode)), "an",
            str(h.ancount), "csum", verdict]
    addrs = dnsclient.answers(reply)
    if addrs:
        line += ["ttl", str(addrs[0][1]), "addr", addrs[0][2]]
    print(" ".join(line))
    if a.out:
        with open(a.out, "wb") as f:
            f.write(reply)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ValueError as e:
        print("vlanq: %s" % e, file=sys.stderr)
        sys.exit(2)
