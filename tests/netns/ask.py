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
import sys

import dnsclient


def ask(sock, server, port, name, qtype, timeout):
    msg = dnsclient.query(name, qtype, qid=random.randrange(65536))
    reply = dnsclient.exchange_udp(sock, server, port, msg, timeout)
    if reply is None:
        return False
    h = dnsclient.Header(reply)
    return (h.rcode == 0 and h.ancount > 0) or h.rcode == 3


def main():
    server, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    timeout = (int(sys.argv[4]) if len(sys.argv) > 4 else 1000) / 1000.0
    sock = dnsclient.udp_socket(server)
    with open(path) as f:
        names = [line.split() for line in f if line.strip()]
    ok = sum(ask(sock, server, port, n[0], n[1] if len(n) > 1 else "A",
                 timeout) for n in names)
    print(f"answered {ok} of {len(names)}")


if __name__ == "__main__":
    main()
