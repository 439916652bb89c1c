#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""One line per dnstap message, for test_dnstap.sh.

Usage: dnstapq.py FSTRM_FILE YAML_FILE
YAML_FILE is `dnstap-ldns -y -r FSTRM_FILE`: names, types, rcodes, times
and addresses come from Debian's reader. dnstap-ldns does not print the
Dnstap "extra" field, so this script also reads FSTRM_FILE itself (its own
Frame Streams and protobuf decoder, written from the two formats' specs,
not from xdpdns's C code) for extra, and checks that both readers saw the
same messages (count, type, identity, version, times). One tab-separated
line per message, in the file's order:
    TYPE PROTO FAMILY QADDR QPORT QTIME RTIME QNAME QTYPE RCODE IDENTITY
    VERSION EXTRA
TYPE CQ or CR; QTIME and RTIME Unix seconds with microseconds ("-" when
absent); QNAME QTYPE from the response message's question when there is
one, else the query message's; RCODE the response message's ("-" without
one); EXTRA "-" when absent. Exit 0, or 1 with the disagreement on stderr.
"""
import calendar
import re
import sys
import time


def varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def fields(buf):
    """Protobuf fields of BUF as {number: [value, ...]}."""
    out = {}
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
        elif wt == 1:
            v, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wt == 2:
            n, i = varint(buf, i)
            v, i = bytes(buf[i:i + n]), i + n
        elif wt == 5:
            v, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        else:
            raise ValueError("wire type %d" % wt)
        out.setdefault(num, []).append(v)
    return out


def frames(path):
    """Data frames of a Frame Streams file, up to its STOP frame."""
    data = open(path, "rb").read()
    i = 0
    out = []
    while i + 4 <= len(data):
        n = int.from_bytes(data[i:i + 4], "big")
        i += 4
        if n == 0:  # control frame: length, type, fields
            clen = int.from_bytes(data[i:i + 4], "big")
            ctype = int.from_bytes(data[i + 4:i + 8], "big")
            i += 4 + clen
            if ctype == 3:  # STOP
                return out
            continue
        out.append(data[i:i + n])
        i += n
    raise ValueError("no STOP frame (%d data frames)" % len(out))


def own(path):
    msgs = []
    for f in frames(path):
        d = fields(f)
        m = fields(d[14][0])
        t = {5: "CQ", 6: "CR"}.get(m[1][0], "?")
        qt = ("%d.%06d" % (m[8][0], m[9][0] // 1000)) if 8 in m else "-"
        rt = ("%d.%06d" % (m[12][0], m[13][0] // 1000)) if 12 in m else "-"
        msgs.append({
            "type": t,
            "identity": d.get(1, [b""])[0].decode(),
            "version": d.get(2, [b""])[0].decode(),
            "extra": d[3][0].decode() if 3 in d else "-",
            "qtime": qt,
            "rtime": rt,
        })
    return msgs


def ts(text):
    day, frac = text.split(".")
    sec = calendar.timegm(time.strptime(day, "%Y-%m-%d %H:%M:%S"))
    return "%d.%s" % (sec, frac)


def ldns(path):
    docs = open(path).read().split("\n---\n")
    msgs = []
    for doc in docs:
        if "type: MESSAGE" not in doc:
            continue
        m = {"qtime": "-", "rtime": "-", "qport": "-", "qaddr": "-",
             "family": "-", "proto": "-", "rcode": "-", "qname": "-",
             "qtype": "-", "identity": "", "version": ""}
        section = None
        for line in doc.split("\n"):
            s = line.strip()
            k, _, v = s.partition(": ")
            if line.startswith("identity: "):
                m["identity"] = v.strip('"')
            elif line.startswith("version: "):
                m["version"] = v.strip('"')
            elif line.startswith("  type: "):
                m["type"] = {"CLIENT_QUERY": "CQ",
                             "CLIENT_RESPONSE": "CR"}.get(v, v)
            elif k == "query_time":
                m["qtime"] = ts(v.split(" ", 1)[1])
            elif k == "response_time":
                m["rtime"] = ts(v.split(" ", 1)[1])
            elif k == "socket_family":
                m["family"] = v
            elif k == "socket_protocol":
                m["proto"] = v
            elif k == "query_address":
                m["qaddr"] = v.strip('"')
            elif k == "query_port":
                m["qport"] = v
            elif s.startswith("query_message: |"):
                section = "q"
            elif s.startswith("response_message: |"):
                section = "r"
            elif section and s.startswith(";; ->>HEADER<<-"):
                rc = re.search(r"rcode: (\w+)", s).group(1)
                if section == "r":
                    m["rcode"] = rc
            elif section and re.match(r";[^;].*\t", s):
                name, _, qtype = s[1:].split("\t")
                if section == "r" or m["qname"] == "-":
                    m["qname"], m["qtype"] = name, qtype
        msgs.append(m)
    return msgs


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    a, b = own(sys.argv[1]), ldns(sys.argv[2])
    if len(a) != len(b):
        sys.exit("dnstapq: %d messages in the file, %d from dnstap-ldns" %
                 (len(a), len(b)))
    for i, (x, y) in enumerate(zip(a, b)):
        for k in ("type", "identity", "version", "qtime", "rtime"):
            if x[k] != y[k]:
                sys.exit("dnstapq: message %d: %s %r here, %r from "
                         "dnstap-ldns" % (i, k, x[k], y[k]))
        print("\t".join([y["type"], y["proto"], y["family"], y["qaddr"],
                         y["qport"], y["qtime"], y["rtime"], y["qname"],
                         y["qtype"], y["rcode"], y["identity"],
                         y["version"], x["extra"]]))


if __name__ == "__main__":
    main()
