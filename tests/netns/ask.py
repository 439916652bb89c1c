#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Asks a list of names over UDP, one at a time, and counts the answers.

Usage: ask.py SERVER PORT FILE [TIMEOUT_MS]
FILE holds "NAME TYPE" lines (dnsperf's format). Each query (RD, EDNS 1232)
waits up to TIMEOUT_MS (default 1000) for its answer; an answer counts when
its ID and question match and its rcode is NOERROR with at least one answer
record or NXDOMAIN. Prints "answered N of M" and exits 0; bounded by the
number of lines times the timeout.
"""
import random
import socket
import struct
import sys

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16,
         "AAAA": 28, "SRV": 33}


def wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def ask(sock, addr, name, qtype, timeout):
    qid = random.randrange(65536)
    question = wire(name) + struct.pack("!HH", TYPES.get(qtype, 1), 1)
    opt = b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)
    msg = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1) + question + opt
    sock.settimeout(timeout)
    sock.sendto(msg, addr)
    while True:
        try:
            data, _ = sock.recvfrom(65535)
        except socket.timeout:
            return False
        if len(data) < 12 + len(question):
            continue
        rid, flags, _, ancount = struct.unpack("!HHHH", data[:8])
        if rid != qid or data[12:12 + len(question)].lower() != question:
            continue
        rcode = flags & 0xF
        return (rcode == 0 and ancount > 0) or rcode == 3


def main():
    server, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    timeout = (int(sys.argv[4]) if len(sys.argv) > 4 else 1000) / 1000.0
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    names = [line.split() for line in open(path) if line.strip()]
    ok = sum(ask(sock, (server, port), n[0], n[1] if len(n) > 1 else "A",
                 timeout) for n in names)
    print(f"answered {ok} of {len(names)}")


if __name__ == "__main__":
    main()
