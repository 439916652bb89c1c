# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""DNS on the wire for the netns tests' Python helpers.

Builds queries (RD, EDNS buffer size, DO), sends them over UDP or TCP and
parses replies as far as the tests need: the header, the question, every
resource record's type and TTL position (so two answers can be compared
with their TTLs masked), the addresses in the answer section. Stdlib only;
ask.py, dnsq.py, dnsload.py, dnsburst.py and vlanq.py import it from beside
them. Parsers raise ValueError on a message they cannot walk.
"""

import select
import socket
import struct
import time

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "SRV": 33, "OPT": 41, "HTTPS": 65}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
          4: "NOTIMP", 5: "REFUSED"}
T_OPT = 41
F_QR, F_AA, F_TC, F_RD, F_RA = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080
EDNS_DO = 0x8000
HEADER_LEN = 12


def qtype_code(qtype):
    """The number of a type given as a mnemonic ("AAAA"), "TYPE28" or "28"."""
    if isinstance(qtype, int):
        return qtype
    t = qtype.upper()
    if t in TYPES:
        return TYPES[t]
    if t.startswith("TYPE") and t[4:].isdigit():
        return int(t[4:])
    if t.isdigit():
        return int(t)
    raise ValueError("unknown type %r" % qtype)


def name_wire(name):
    """NAME in wire format, case kept; "." or "" is the root."""
    out = b""
    for label in name.rstrip(".").split("."):
        if not label:
            if name.strip(".") == "":
                break
            raise ValueError("empty label in %r" % name)
        raw = label.encode()
        if len(raw) > 63:
            raise ValueError("label longer than 63 bytes in %r" % name)
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def question(qname, qtype="A", qclass=1):
    """The question section for one QNAME/QTYPE (class IN by default)."""
    return name_wire(qname) + struct.pack(">HH", qtype_code(qtype), qclass)


def query(qname, qtype="A", qid=0, rd=True, edns=1232, do=False):
    """A query message. EDNS: the advertised buffer size, None for no OPT;
    DO sets the DNSSEC OK bit in the OPT record."""
    flags = F_RD if rd else 0
    msg = struct.pack(">HHHHHH", qid & 0xFFFF, flags, 1, 0, 0,
                      0 if edns is None else 1)
    msg += question(qname, qtype)
    if edns is not None:
        msg += b"\0" + struct.pack(">HHIH", T_OPT, edns,
                                   EDNS_DO if do else 0, 0)
    return msg


class Header:
    """The fixed 12-byte header of a message."""

    def __init__(self, msg):
        if len(msg) < HEADER_LEN:
            raise ValueError("%d bytes: shorter than a DNS header" % len(msg))
        (self.id, self.flags, self.qdcount, self.ancount, self.nscount,
         self.arcount) = struct.unpack(">HHHHHH", msg[:HEADER_LEN])

    qr = property(lambda self: bool(self.flags & F_QR))
    tc = property(lambda self: bool(self.flags & F_TC))
    rcode = property(lambda self: self.flags & 0xF)


def skip_name(msg, off):
    """Offset just past the (possibly compressed) name at OFF."""
    while True:
        if off >= len(msg):
            raise ValueError("name runs past the end at %d" % off)
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if off + 2 > len(msg):
                raise ValueError("truncated pointer at %d" % off)
            return off + 2
        if n & 0xC0:
            raise ValueError("reserved label type at %d" % off)
        off += 1 + n
        if n == 0:
            return off


def question_end(msg):
    """Offset just past the question section."""
    h = Header(msg)
    off = HEADER_LEN
    for _ in range(h.qdcount):
        off = skip_name(msg, off) + 4
    if off > len(msg):
        raise ValueError("question runs past the end")
    return off


def records(msg):
    """Every resource record as (section, type, offset of its TTL field),
    sections "an", "ns", "ar"; ValueError on trailing or missing bytes."""
    h = Header(msg)
    off = question_end(msg)
    out = []
    for sec, n in (("an", h.ancount), ("ns", h.nscount), ("ar", h.arcount)):
        for _ in range(n):
            off = skip_name(msg, off)
            if off + 10 > len(msg):
                raise ValueError("record header runs past the end")
            rtype, _cls, _ttl, rdlen = struct.unpack(">HHIH",
                                                     msg[off:off + 10])
            out.append((sec, rtype, off + 4))
            off += 10 + rdlen
    if off != len(msg):
        raise ValueError("%d bytes after the last record" % (len(msg) - off))
    return out


def answers(msg):
    """The answer section's A and AAAA records as (type, ttl, address)."""
    out = []
    for sec, t, o in records(msg):
        if sec != "an" or t not in (TYPES["A"], TYPES["AAAA"]):
            continue
        ttl, rdlen = struct.unpack(">IH", msg[o:o + 6])
        fam = socket.AF_INET if t == TYPES["A"] else socket.AF_INET6
        out.append((t, ttl, socket.inet_ntop(fam, msg[o + 6:o + 6 + rdlen])))
    return out


def ttls(msg):
    """The TTL of every record but OPT (whose TTL field holds flags)."""
    return [struct.unpack(">I", msg[o:o + 4])[0]
            for _s, t, o in records(msg) if t != T_OPT]


def mask_ttls(msg):
    """MSG with every TTL but OPT's zeroed, for comparing two answers."""
    b = bytearray(msg)
    for _s, t, o in records(msg):
        if t != T_OPT:
            b[o:o + 4] = bytes(4)
    return bytes(b)


def is_reply_to(reply, msg, fold_case=True):
    """REPLY is a response with MSG's ID and question (case folded, for
    0x20 servers, unless FOLD_CASE is false)."""
    try:
        h = Header(reply)
        qend = question_end(msg)
    except ValueError:
        return False
    got, want = reply[HEADER_LEN:qend], msg[HEADER_LEN:qend]
    if fold_case:
        got, want = got.lower(), want.lower()
    return h.qr and h.id == Header(msg).id and got == want


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def udp_socket(dst, src=None, rcvbuf=None, blocking=True):
    """A UDP socket for talking to DST, bound to SRC when given."""
    s = socket.socket(family(dst), socket.SOCK_DGRAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if src:
        s.bind((src, 0))
    s.setblocking(blocking)
    return s


def exchange_udp(sock, server, port, msg, timeout):
    """Send MSG and wait up to TIMEOUT seconds in all for its reply (other
    datagrams are skipped). Returns the reply's bytes or None."""
    sock.sendto(msg, (server, port))
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            return None
        try:
            reply = sock.recv(65535)
        except BlockingIOError:
            continue
        if is_reply_to(reply, msg):
            return reply


def exchange_tcp(server, port, msg, timeout, src=None):
    """MSG over one TCP connection (RFC 1035 length prefix); the reply's
    bytes, or None when none came within TIMEOUT seconds."""
    end = time.monotonic() + timeout
    try:
        s = socket.create_connection((server, port), timeout,
                                     (src, 0) if src else None)
    except OSError:
        return None
    with s:
        s.sendall(struct.pack(">H", len(msg)) + msg)
        buf = b""
        while len(buf) < 2 or len(buf) < 2 + struct.unpack(">H",
                                                           buf[:2])[0]:
            left = end - time.monotonic()
            if left <= 0:
                return None
            s.settimeout(left)
            try:
                chunk = s.recv(65537)
            except socket.timeout:
                return None
            if not chunk:
                return None
            buf += chunk
    reply = buf[2:2 + struct.unpack(">H", buf[:2])[0]]
    return reply if is_reply_to(reply, msg) else None


def drain(sock):
    """Every datagram waiting on non-blocking SOCK that parses as a DNS
    response, as (Header, bytes)."""
    out = []
    while True:
        try:
            r = sock.recv(65535)
        except (BlockingIOError, InterruptedError):
            return out
        try:
            h = Header(r)
        except ValueError:
            continue
        if h.qr:
            out.append((h, r))
