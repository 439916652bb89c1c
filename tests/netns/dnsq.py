#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""One fixed query and its reply's exact bytes, for test_daemon.sh.

  dnsq.py send SERVER PORT QNAME QTYPE OUT [do] [noedns] [tcp]
      ID 0x4711, RD, EDNS 1232 (none with "noedns", DO with "do"), over UDP
      (TCP with "tcp"); the reply with that ID and question goes to OUT.
      Exit 1 when none came within 3 s.
  dnsq.py cmp FILE1 FILE2       same bytes apart from TTLs?
  dnsq.py lowercmp FILE1 FILE2  cmp, with FILE1's question name lower-cased
  dnsq.py ttls FILE             every TTL but OPT's, on one line
  dnsq.py question FILE QNAME QTYPE   the question echoed byte for byte?
Exit 0 yes, 1 no, 2 bad usage or a reply that does not parse.
"""
import sys

import dnsclient

QID = 0x4711
TIMEOUT = 3.0


def read(path):
    with open(path, "rb") as f:
        return f.read()


def send(server, port, qname, qtype, out, *opts):
    msg = dnsclient.query(qname, qtype, qid=QID,
                          edns=None if "noedns" in opts else 1232,
                          do="do" in opts)
    if "tcp" in opts:
        reply = dnsclient.exchange_tcp(server, int(port), msg, TIMEOUT)
    else:
        sock = dnsclient.udp_socket(server)
        reply = dnsclient.exchange_udp(sock, server, int(port), msg, TIMEOUT)
    if reply is None:
        print("no reply within %g s" % TIMEOUT)
        return 1
    with open(out, "wb") as f:
        f.write(reply)
    return 0


def compare(x, y, quiet=False):
    """Prints the verdict (only a difference when QUIET)."""
    mx, my = dnsclient.mask_ttls(x), dnsclient.mask_ttls(y)
    if mx == my:
        if not quiet:
            print("identical (%d bytes) apart from TTLs" % len(x))
        return 0
    n = min(len(mx), len(my))
    i = next((i for i in range(n) if mx[i] != my[i]), n)
    print("differ: %d vs %d bytes, first at offset %d:\n  %s\n  %s" %
          (len(x), len(y), i, x.hex(), y.hex()))
    return 1


def lower_qname(msg):
    b = bytearray(msg)
    i = dnsclient.HEADER_LEN
    while b[i]:
        b[i + 1:i + 1 + b[i]] = bytes(b[i + 1:i + 1 + b[i]]).lower()
        i += b[i] + 1
    return bytes(b)


def main(cmd=None, *a):
    if cmd == "send" and len(a) >= 5:
        return send(*a)
    if cmd == "cmp" and len(a) == 2:
        return compare(read(a[0]), read(a[1]))
    if cmd == "lowercmp" and len(a) == 2:
        return compare(lower_qname(read(a[0])), read(a[1]), quiet=True)
    if cmd == "ttls" and len(a) == 1:
        print(" ".join(str(t) for t in dnsclient.ttls(read(a[0]))))
        return 0
    if cmd == "question" and len(a) == 3:
        m, q = read(a[0]), dnsclient.question(a[1], a[2])
        return 0 if m[12:12 + len(q)] == q else 1
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(*sys.argv[1:]))
    except ValueError as e:
        print("dnsq: %s" % e, file=sys.stderr)
        sys.exit(2)
