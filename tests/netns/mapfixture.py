#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Known contents for the xdpdns maps, for test_observe_ctl.sh.

  mapfixture.py names ROOT       the XDPDNS_STATS counter names, in order
  mapfixture.py stats-size ROOT  bytes of one xdpdns_stats value
  mapfixture.py ncpu             possible CPUs (what libbpf sums over)
  mapfixture.py classes ROOT     the cache's slot classes, a line each:
                                 CLASS SLOT_BYTES (for bpftool map create)
  mapfixture.py batch ROOT PIN QUERIES [stats]
      a `bpftool batch file` that fills the maps pinned in PIN: counters
      for QUERIES queries (per CPU) with proportional outcomes, and unless
      "stats" also cache entries, rate-limit clients, config, service
      address, allow list and the global miss state.
ROOT is the source tree: the counter list is read from maps/xdpdns.h, the
one definition, so the fixture follows it.
"""
import re
import socket
import struct
import sys
import time

import dnsclient

S = 1000000000
HASH_KEY = (0x0123456789abcdef, 0x0f1e2d3c4b5a6978)  # xdpdns_config.hash_key
M64 = (1 << 64) - 1


def stat_names(root):
    with open(root + "/maps/xdpdns.h") as f:
        h = f.read()
    body = h[h.index("#define XDPDNS_STATS(X)"):
             h.index("#define XDPDNS_STAT_ENUM_")]
    return [m.lower() for m in re.findall(r"X\(([A-Z0-9_]+),", body)]


def slot_classes(root):
    """(body bytes, TTL offsets) per class, from XDPDNS_SLOT_CLASS_LIST."""
    with open(root + "/maps/xdpdns.h") as f:
        h = f.read()
    body = h[h.index("#define XDPDNS_SLOT_CLASS_LIST(X)"):
             h.index("#define XDPDNS_SLOT_STRUCT_")]
    return [(int(b), int(r))
            for _, b, r in re.findall(r"X\((\d+), (\d+), (\d+)\)", body)]


SLOT_HDR = 72  # sizeof(struct xdpdns_slot_hdr)


def slot_size(cls):
    body, rrs = cls
    return SLOT_HDR + 2 * rrs + body


def stats_size(root):
    # counters, answer_qtype[256], answer_rcode[16]: u64 each
    return 8 * (len(stat_names(root)) + 256 + 16)


def possible_cpus():
    with open("/sys/devices/system/cpu/possible") as f:
        s = f.read().strip()
    n = 0
    for part in s.split(","):
        a, _, b = part.partition("-")
        n += int(b or a) - int(a) + 1
    return n


def hx(b):
    return " ".join("%02x" % x for x in b)


class Batch:
    def __init__(self, pin, root):
        self.pin = pin
        self.now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        self.classes = slot_classes(root)
        self.used = [0] * len(self.classes)  # slots written per class
        self.gen = 0

    def upd(self, m, k, v):
        print("map update pinned %s/%s key hex %s value hex %s" %
              (self.pin, m, hx(k), hx(v)))

    def stats(self, names, queries):
        st = dict.fromkeys(names, 0)
        st.update(packets=queries + 100, not_for_us=100, queries=queries,
                  hit=queries * 8 // 10, miss=queries * 15 // 100,
                  expired=queries // 100, rl_dropped=20, rl_slipped=5,
                  miss_dropped=2, acl_dropped=3, acl_refused=1, dryrun=0)
        qt = [0] * 256
        qt[1], qt[28], qt[65], qt[99] = 600, 200, 50, 7  # 99: no mnemonic
        rc = [0] * 16
        rc[0], rc[3] = 780, 20
        self.upd("xdpdns_stats", struct.pack("<I", 0),
                 struct.pack("<%dQ" % len(names), *[st[n] for n in names]) +
                 struct.pack("<256Q", *qt) + struct.pack("<16Q", *rc))

    def entry(self, qname, qtype, flags, hits, ttl, data, ttl_offs, an,
              ns=0, ar=0, rcode=0, expire=None):
        # As lib/cachemap.c writes it: a slot of the smallest class that
        # holds the sections and the padded name (at the body's end), and
        # the index entry naming it.
        w = dnsclient.name_wire(qname)
        key = struct.pack("<QHHBB2x", name_hash(w), qtype, 1, flags, len(w))
        pad = w + b"\0" * (-len(w) % 8)
        k = next(i for i, (body, rrs) in enumerate(self.classes)
                 if len(data) + len(pad) <= body and len(ttl_offs) <= rrs)
        body, rrs = self.classes[k]
        slot, self.used[k] = self.used[k], self.used[k] + 1
        self.gen += 1
        offs = ttl_offs + [0] * (rrs - len(ttl_offs))
        v = (struct.pack("<IIQ", 2, self.gen, hits) + key +
             struct.pack("<QQIHHHHHHHHHH",
                         self.now + ttl * S if expire is None else expire,
                         self.now - 2 * S, ttl, 0, 0x8180 | rcode, an, ns, ar,
                         len(data), len(ttl_offs), 0, 1, 0) +
             struct.pack("<%dH" % rrs, *offs) +
             data + b"\0" * (body - len(data) - len(pad)) + pad)
        assert len(v) == slot_size(self.classes[k])
        self.upd("xdpdns_slot%d" % k, struct.pack("<I", slot), v)
        self.upd("xdpdns_cache", key,
                 struct.pack("<II", self.gen, (k << 28) | slot))

    def rl(self, fam, addr, queries, limited, limited_ago, stage=0, plen=None):
        # struct xdpdns_rl_key: family, stage (0 host, 1 net, 2 wide), plen
        af = socket.AF_INET if fam == 4 else socket.AF_INET6
        if plen is None:
            plen = 32 if fam == 4 else 128
        k = struct.pack("<HBB16s", fam, stage, plen,
                        socket.inet_pton(af, addr))
        now = self.now
        lim_ns = now - limited_ago * S if limited_ago is not None else 0
        self.upd("xdpdns_rl", k,
                 struct.pack("<7Q", now, now, now - S // 2, lim_ns, queries,
                             limited, 0))


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M64


def _sip_round(v):
    v0, v1, v2, v3 = v
    v0 = (v0 + v1) & M64
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & M64
    v3 = _rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & M64
    v3 = _rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & M64
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return [v0, v1, v2, v3]


def name_hash(name):
    # xdpdns_name_hash(): SipHash-1-3 of the name zero padded to 8-byte
    # words, read native-endian
    k0, k1 = HASH_KEY
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d,
         k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]
    padded = name + b"\0" * (-len(name) % 8)
    for i in range(0, len(padded), 8):
        m = struct.unpack("=Q", padded[i:i + 8])[0]
        v[3] ^= m
        v = _sip_round(v)
        v[0] ^= m
    b = (len(padded) & 0xff) << 56
    v[3] ^= b
    v = _sip_round(v)
    v[0] ^= b
    v[2] ^= 0xff
    for _ in range(3):
        v = _sip_round(v)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def rr(owner, rtype, ttl, rdata):
    return owner + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def ip4(a):
    return socket.inet_pton(socket.AF_INET, a)


def ip6(a):
    return socket.inet_pton(socket.AF_INET6, a)


def fill(b):
    """Six cache entries, three clients and the small maps."""
    a = rr(b"\xc0\x0c", 1, 300, ip4("192.0.2.1"))
    b.entry("www.example.com", 1, 0, 500, 300, a, [6], 1)
    b.entry("www.example.com", 1, 1, 7, 300, a, [6], 1)
    b.entry("example.org", 28, 0, 100, 600,
            rr(b"\xc0\x0c", 28, 600, ip6("2001:db8::1")), [6], 1)
    # alias.example.com: CNAME to www (pointer to "example.com" at 18),
    # then the A record whose owner points at the CNAME target (offset 47).
    cname = rr(b"\xc0\x0c", 5, 120, b"\x03www\xc0\x12")
    b.entry("alias.example.com", 5, 0, 30, 120,
            cname + rr(b"\xc0\x2f", 1, 120, ip4("192.0.2.1")), [6, 24], 2)
    # nx.example.com: NXDOMAIN with the zone's SOA ("example.com" at 15).
    soa = (b"\x03ns1\xc0\x0f" + b"\x0ahostmaster\xc0\x0f" +
           struct.pack(">5I", 2024010101, 7200, 3600, 1209600, 60))
    b.entry("nx.example.com", 1, 0, 0, 60, rr(b"\xc0\x0f", 6, 60, soa), [6],
            0, ns=1, rcode=3)
    b.entry("stale.example.net", 1, 0, 3, 30,
            rr(b"\xc0\x0c", 1, 30, ip4("192.0.2.9")), [6], 1,
            expire=b.now - 5 * S)

    b.rl(4, "198.18.0.10", 5000, 300, 1)
    b.rl(4, "198.18.0.11", 100, 0, None)
    b.rl(6, "2001:db8:1:2::", 2000, 10, 100)
    b.rl(6, "2001:db8:1::", 9000, 40, 50, stage=1, plen=64)  # a /64 stage
    b.upd("xdpdns_config", struct.pack("<I", 0),
          struct.pack("<HHIIIIIIIBBBBIQQIIIIBBBBIIIIIB3xI", 53, 1232, 1,
                      100, 200, 20, 40, 1000, 2000, 2, 32, 64, 0, 1,
                      *HASH_KEY, 20000, 80000, 40000, 160000, 24, 64, 20,
                      56, 200, 2000, 50, 250, 1000, 0, 0))
    b.upd("xdpdns_svc", struct.pack("<I16s", 4, ip4("198.18.0.53")),
          struct.pack("<I", 1))
    b.upd("xdpdns_allow", struct.pack("<II16s", 32 + 15, 4, ip4("198.18.0.0")),
          struct.pack("<I", 1))
    b.upd("xdpdns_allow", struct.pack("<II16s", 32 + 32, 6, ip6("2001:db8::")),
          struct.pack("<I", 1))
    b.upd("xdpdns_gmiss", struct.pack("<I", 0),
          struct.pack("<QQQQ", b.now, 2, b.now, 7))


def main(argv):
    cmd, a = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if cmd == "names" and len(a) == 1:
        print(" ".join(stat_names(a[0])))
    elif cmd == "stats-size" and len(a) == 1:
        print(stats_size(a[0]))
    elif cmd == "ncpu" and not a:
        print(possible_cpus())
    elif cmd == "classes" and len(a) == 1:
        for k, c in enumerate(slot_classes(a[0])):
            print(k, slot_size(c))
    elif cmd == "batch" and len(a) in (3, 4) and a[3:] in ([], ["stats"]):
        b = Batch(a[1], a[0])
        b.stats(stat_names(a[0]), int(a[2]))
        if not a[3:]:
            fill(b)
    else:
        sys.exit(__doc__.strip())


if __name__ == "__main__":
    main(sys.argv)
