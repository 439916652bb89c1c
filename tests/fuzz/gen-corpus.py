#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Writes the seed corpora of the libFuzzer targets, tests/fuzz/corpus/NAME/.

  gen-corpus.py BUILD_DIR

Responses of the shapes libunbound hands the daemon (A, AAAA, CNAME chains,
NXDOMAIN and NODATA with an SOA, MX, SRV, TXT, NS referrals with glue,
DNSSEC records, OPT with DO, compression pointers into the question and
into RDATA), the queries clients send (EDNS, DO, CD, 0x20 case, odd
flags), TCP streams of pipelined frames, command lines, config files
(the shipped example from BUILD_DIR/xdpdnsd.conf.example and variants)
HTTP methods and paths for the metrics handler, and names as text, wire
and compressed.
Each input is named by its SHA-1, as libFuzzer names what it adds. The
corpora are committed; run `make fuzz-corpus` after changing this script.
"""
import hashlib
import itertools
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "SRV": 33, "DS": 43, "RRSIG": 46,
         "NSEC": 47, "DNSKEY": 48, "HTTPS": 65, "ANY": 255, "OPT": 41}


def name(n):
    out = b""
    for label in n.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


class Msg:
    """A message with a simple suffix compressor, as a resolver writes."""

    def __init__(self, qid, flags, qname, qtype, qclass=1):
        self.qid, self.flags = qid, flags
        self.body = b""
        self.names = {}
        self.counts = [0, 0, 0, 0]
        if qname is not None:
            self.body += self.cname(qname) + struct.pack(
                "!HH", TYPES.get(qtype, qtype), qclass)
            self.counts[0] = 1

    def cname(self, n, compress=True):
        labels = [x for x in n.strip(".").split(".") if x]
        out = b""
        for i in range(len(labels)):
            suffix = ".".join(labels[i:]).lower()
            if compress and suffix in self.names:
                return out + struct.pack("!H", 0xc000 | self.names[suffix])
            off = 12 + len(self.body) + len(out)
            if off < 0x3fff:
                self.names.setdefault(suffix, off)
            out += bytes([len(labels[i])]) + labels[i].encode()
        return out + b"\0"

    def rr(self, section, owner, rtype, ttl, rdata_fn, rclass=1):
        own = self.cname(owner)
        start = len(self.body) + len(own) + 10
        rdata = rdata_fn(self, 12 + start) if callable(rdata_fn) else rdata_fn
        self.body += own + struct.pack("!HHIH", TYPES.get(rtype, rtype),
                                       rclass, ttl, len(rdata)) + rdata
        self.counts[section] += 1
        return self

    def opt(self, size=1232, do=False):
        self.body += b"\0" + struct.pack("!HHIH", 41, size,
                                         0x8000 if do else 0, 0)
        self.counts[3] += 1
        return self

    def wire(self):
        return struct.pack("!HHHHHH", self.qid, self.flags,
                           *self.counts) + self.body


def nm(n):
    """RDATA of one compressed name, written at its place in the message."""
    def fn(msg, off):
        save = msg.body
        msg.body += b"\0" * (off - 12 - len(msg.body))
        out = msg.cname(n)
        msg.body = save
        return out
    return fn


def soa(mname, rname, minimum):
    def fn(msg, off):
        save = msg.body
        msg.body += b"\0" * (off - 12 - len(msg.body))
        a = msg.cname(mname)
        msg.body += a
        b = msg.cname(rname)
        msg.body = save
        return a + b + struct.pack("!IIIII", 2026120201, 7200, 3600,
                                   1209600, minimum)
    return fn


def pref_name(pref, n):
    def fn(msg, off):
        return struct.pack("!H", pref) + nm(n)(msg, off + 2)
    return fn


def srv(n):
    return lambda msg, off: struct.pack("!HHH", 10, 5, 443) + name(n)


A = lambda ip: bytes(int(x) for x in ip.split("."))
AAAA = bytes.fromhex("20010db8000000000000000000000053")
RRSIG = struct.pack("!HBBIIIH", 1, 13, 2, 300, 1767225600, 1764633600,
                    12345) + name("example.com") + b"\x55" * 64

QR, AA, TC, RD, RA, AD, CD = 0x8000, 0x400, 0x200, 0x100, 0x80, 0x20, 0x10
RESP = QR | RD | RA


def responses():
    out = []
    for qid, dnssec in ((0x1234, False), (0x0005, True), (0x002a, False),
                        (0x0108, True)):
        m = Msg(qid, RESP, "www.example.com", "A")
        m.rr(1, "www.example.com", "A", 300, A("192.0.2.1"))
        m.rr(1, "www.example.com", "A", 300, A("192.0.2.2"))
        if dnssec:
            m.rr(1, "www.example.com", "RRSIG", 300, RRSIG)
        m.rr(2, "example.com", "NS", 86400, nm("ns1.example.com"))
        m.rr(3, "ns1.example.com", "A", 86400, A("192.0.2.53"))
        out.append(m.opt(1232, dnssec).wire())
        m = Msg(qid, RESP, "WwW.ExAmPlE.cOm", "AAAA")
        out.append(m.rr(1, "www.example.com", "AAAA", 60, AAAA).wire())
        m = Msg(qid, RESP | (AD if dnssec else 0), "a.example.org", "A")
        m.rr(1, "a.example.org", "CNAME", 300, nm("b.example.net"))
        m.rr(1, "b.example.net", "CNAME", 300, nm("c.example.com"))
        m.rr(1, "c.example.com", "A", 30, A("198.51.100.7"))
        out.append(m.wire())
        m = Msg(qid, RESP | 3, "nope.example.com", "A")
        m.rr(2, "example.com", "SOA", 3600,
             soa("ns1.example.com", "hostmaster.example.com", 300))
        if dnssec:
            m.rr(2, "example.com", "NSEC", 300,
                 name("www.example.com") + b"\x00\x06\x62\x01\x80\x08\x00"
                 b"\x03\x80")
        out.append(m.opt(4096, dnssec).wire())
        m = Msg(qid, RESP, "www.example.com", "MX")
        m.rr(2, "example.com", "SOA", 900,
             soa("ns1.example.com", "hostmaster.example.com", 60))
        out.append(m.wire())
        m = Msg(qid, RESP, "example.com", "MX")
        m.rr(1, "example.com", "MX", 3600, pref_name(10, "mx1.example.com"))
        m.rr(1, "example.com", "MX", 3600, pref_name(20, "mx2.example.com"))
        m.rr(3, "mx1.example.com", "A", 3600, A("192.0.2.25"))
        out.append(m.wire())
        m = Msg(qid, RESP, "_sip._tcp.example.com", "SRV")
        m.rr(1, "_sip._tcp.example.com", "SRV", 600, srv("sip.example.com"))
        out.append(m.wire())
        m = Msg(qid, RESP, "txt.example.com", "TXT")
        m.rr(1, "txt.example.com", "TXT", 300,
             b"\x0bv=spf1 -all\x05hello")
        out.append(m.wire())
        m = Msg(qid, RESP, "example.com", "DNSKEY")
        m.rr(1, "example.com", "DNSKEY", 3600,
             struct.pack("!HBB", 257, 3, 13) + b"\x11" * 64)
        m.rr(1, "example.com", "RRSIG", 3600, RRSIG)
        out.append(m.opt(1232, True).wire())
        m = Msg(qid, RESP, "example.com", "DS")
        m.rr(1, "example.com", "DS", 86400,
             struct.pack("!HBB", 12345, 13, 2) + b"\x22" * 32)
        out.append(m.wire())
        m = Msg(qid, RESP, "1.2.0.192.in-addr.arpa", "PTR")
        m.rr(1, "1.2.0.192.in-addr.arpa", "PTR", 300, nm("host.example.com"))
        out.append(m.wire())
        m = Msg(qid, RESP, "example.com", "HTTPS")
        m.rr(1, "example.com", "HTTPS", 300,
             b"\x00\x01\x00\x00\x01\x00\x03\x02h2")
        out.append(m.wire())
        m = Msg(qid, RESP, "example.com", "ANY")
        m.rr(1, "example.com", "A", 300, A("192.0.2.9"))
        m.rr(1, "example.com", "NS", 300, nm("ns1.example.com"))
        m.rr(1, "example.com", "SOA", 300,
             soa("ns1.example.com", "h.example.com", 300))
        out.append(m.wire())
        # Many records: the cut at the client's size, the entry's limits.
        m = Msg(qid, RESP, "big.example.com", "A")
        for i in range(40):
            m.rr(1, "big.example.com", "A", 300, A("10.0.%d.%d" % (i, i)))
        out.append(m.wire())
        m = Msg(qid, RESP, "big.example.com", "TXT")
        for i in range(6):
            m.rr(1, "big.example.com", "TXT", 300,
                 bytes([250]) + bytes([0x61 + i]) * 250)
        out.append(m.wire())
        # SERVFAIL, TC, no question: not cacheable.
        out.append(Msg(qid, RESP | 2, "www.example.com", "A").wire())
        out.append(Msg(qid, RESP | TC, "www.example.com", "A").wire())
        out.append(Msg(qid, RESP, None, None).wire())
    return out


def queries():
    out = []
    for (qn, qt), flags, edns in itertools.product(
            (("www.example.com", "A"), ("WwW.eXaMpLe.CoM", "AAAA"),
             (".", "NS"), ("example.com", "ANY"), ("example.com", "AXFR"),
             ("x" * 63 + ".example.com", "TXT"), ("example.com", 65)),
            (RD, RD | CD, RD | AD, 0, RD | TC, QR | RD, RD | 0x2800),
            (None, (1232, False), (4096, True), (512, True))):
        m = Msg(0x4711, flags, qn, TYPES.get(qt, 252) if isinstance(qt, str)
                and qt not in TYPES else qt)
        if edns:
            m.opt(*edns)
        out.append(m.wire())
    out.append(b"\x12\x34\x01\x00\x00\x01")  # short header
    m = Msg(7, RD, "example.com", "A").opt(1232)
    out.append(m.wire()[:-2] + b"\x00\x04\x00\x0a\x00\x00")  # option count
    return out


def frames(msgs):
    return b"".join(struct.pack("!H", len(x)) + x for x in msgs)


def tcp_streams(qs):
    out = []
    for sel, group in ((b"\x01\x00", qs[:1]), (b"\x07\x01", qs[:8]),
                       (b"\xff\xff", qs[8:40]), (b"\x10\x20", qs[40:44])):
        out.append(sel + frames(group))
    out.append(b"\x03\x00" + frames(qs[:2]) + b"\x00\x00" + frames(qs[2:3]))
    out.append(b"\x05\x00" + frames(qs[:3])[:-5])
    out.append(b"\x09\x00\xff\xff" + b"\x01" * 300)
    return out


ARGV = [
    ["--no-xdp", "--listen", "127.0.0.1"],
    ["-i", "eth1", "-l", "192.0.2.53", "-l", "2001:db8::53", "-p", "5353"],
    ["--interface", "eth1", "--listen", "192.0.2.53", "--xdp-mode", "skb",
     "--cache-size", "1024", "--edns-size", "1400", "--min-ttl", "30",
     "--max-ttl", "3600", "--max-negative-ttl", "60"],
    ["--no-xdp", "--listen", "::1", "--forward", "192.0.2.1@5353",
     "--forward", "2001:db8::1", "--trust-anchor", "/etc/k.key",
     "--local-zone-nodefault", "test.", "--user", "", "--syslog"],
    ["--no-xdp", "-l", "127.0.0.1", "--metrics", "[::1]:9153", "--allow",
     "10.0.0.0/8", "--deny", "10.1.0.0/16", "--ratelimit-exempt",
     "192.0.2.0/24", "--acl-action", "refuse", "--ratelimit", "100",
     "--ratelimit-burst", "400", "--slip", "0", "--miss-limit", "5",
     "--miss-limit-global", "1000", "--ratelimit-dry-run",
     "--ratelimit-v4-prefix", "24", "--ratelimit-v6-prefix", "56",
     "--sample-rate", "100", "--log-level", "debug"],
    ["--help"], ["--version"], ["-c", "/etc/xdpdns/xdpdnsd.conf"],
    ["--max", "5"], ["--no-xdp=1"], ["-l"], ["--port=99999"], ["stray"],
    ["--no-xdp", "--listen", "127.0.0.1", "--", "x"],
    ["--tcp-idle-timeout", "5", "--tcp-max-conns", "10",
     "--tcp-max-conns-per-client", "2", "--resolve-timeout", "4",
     "--max-outstanding", "10", "--keep-xdp-on-exit", "--pin-dir", "/x",
     "--pidfile", "/run/x.pid", "--root-hints", "/r", "--unbound-config",
     "/u", "-i", "lo", "-l", "127.0.0.1"],
]


def config_files(build):
    out = []
    try:
        with open(os.path.join(build, "xdpdnsd.conf.example"), "rb") as f:
            example = f.read()
        out.append(example)
        # Every commented setting set, one file per setting.
        for line in example.splitlines():
            if line.startswith(b"#") and b" = " in line and \
                    line.endswith(b";"):
                out.append(line[1:] + b"\n")
    except OSError:
        sys.exit("gen-corpus: %s/xdpdnsd.conf.example missing: run make" %
                 build)
    out += [b'listen = ["192.0.2.53", "2001:db8::53"];\nport = 5353;\n',
            b'interface = "eth1";\nratelimit = 100;\nratelimit-dry-run = true;\n',
            b"port = 0x35;\n", b"port = 53L;\n", b"port = 1.5;\n",
            b'listen = ("a", 1);\n', b"group = { a = 1; };\n",
            b'forward = "192.0.2.1@53";\n', b'@include "x.conf"\n',
            b'/* comment */ port = 53; // more\n# shell\n',
            b'pidfile = "/run/a" "/b";\n', b'listen = [];\n']
    return out


def http_requests():
    out = []
    for m in ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "get", ""):
        for u in ("/", "/metrics", "/api/stats.json", "/health",
                  "/index.html", "/metrics/", "//metrics", "/x", "",
                  "/health?x=1", "/%2e%2e/etc/passwd"):
            for body in (b"", b"\0\x05"):
                out.append(m.encode() + b"\0" + u.encode() + body)
    return out


def dns_names():
    texts = [".", "www.example.com", "www.example.com.", "a\\.b.example",
             "\\000\\255.x", "\\065bc", "x" * 63 + ".y", "x" * 64,
             ".".join(["abcdefghi"] * 25), ".".join(["a"] * 128), "a..b",
             "\\", "\\9", "\\256.x", "sp ace.\\\"q\\\"", "@.$.(;)"]
    out = [t.encode() for t in texts]
    out += [name("www.example.com"), b"\0", b"\x3f" + b"a" * 63 + b"\0",
            b"\x40abc\0"]
    hdr = b"\0" * 12
    out += [hdr + name("example.com"),
            hdr + name("example.com") + b"\x03www\xc0\x0c",
            hdr + b"\xc0\x0c", hdr + b"\x01a\xc0\x0c"]
    return out


def hotset_texts():
    """Lines of `xdpdnsctl hotset export` and what a peer might send."""
    lines = ["# xdpdns hot set: NAME TYPE HITS [FLAGS], most hit first, 3 entries",
             "www.z000.test. A 1234", "WWW.Z000.test AAAA 7", "a.test. MX 0 do",
             "x.test. TYPE65280 9 do,cd", "\\035x.test. A 1", ". NS 1",
             "a\\032b.test. HTTPS 18446744073709551615 cd", "", "   ",
             "www.z000.test.", "a.test. NOTATYPE 1", "a.test. A -1",
             "a.test. A 1 DO", "a.test. A 1 do extra", "a..b. A",
             ".".join(["abcdefghi"] * 25) + ". A 2"]
    out = [line.encode() for line in lines]
    out.append("\n".join(lines[:8]).encode() + b"\n")
    out.append(b"a.test. A 3\r\nb.test. A 2\r\n")
    return out


def write(target, inputs):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    for data in inputs:
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
    print("  %-12s %d inputs" % (target, len(set(inputs))))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen-corpus.py BUILD_DIR")
    resp, qs = responses(), queries()
    write("response", resp)
    write("entry", resp)
    write("query", qs)
    write("tcpframe", tcp_streams(qs))
    write("config_argv", [b"\0".join(a.encode() for a in args)
                          for args in ARGV])
    write("config_file", config_files(sys.argv[1]))
    write("metrics", http_requests())
    write("dnsname", dns_names())
    write("hotset", hotset_texts())


if __name__ == "__main__":
    main()
