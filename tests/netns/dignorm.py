#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Normalises a batch of dig answers so two resolvers' can be diffed.

Usage: dignorm.py FILE  (dig +comments +question +answer +authority
+additional output, many answers). Prints one line per answer, sorted by
question: "qname qtype | rcode | flags | edns | records", with the header
flags sorted and the records without their TTLs, sorted, owner names
lower-cased. IDs, TTLs and record order do not show.
"""
import re
import sys


def parse(lines):
    out, cur, sec = {}, None, None

    def flush():
        if cur and cur.get("q"):
            out[cur["q"]] = " | ".join([cur["rc"], cur["fl"],
                                        cur.get("edns", "-"),
                                        " ; ".join(sorted(cur["rr"]))])

    for line in lines:
        line = line.rstrip("\n")
        m = re.search(r"->>HEADER<<- .*status: (\w+)", line)
        if m:
            flush()
            cur, sec = {"rc": m.group(1), "fl": "", "rr": []}, None
            continue
        if cur is None:
            continue
        if line.startswith(";; flags:"):
            cur["fl"] = " ".join(sorted(line[9:].split(";")[0].split()))
        elif line.startswith("; EDNS:"):
            cur["edns"] = line[2:]
        elif line.startswith(";; QUESTION SECTION"):
            sec = "Q"
        elif line.startswith(";; ") and line.endswith("SECTION:"):
            sec = line.split()[1]
        elif sec == "Q" and line.startswith(";") and not line.startswith(";;"):
            f = line[1:].split()
            cur["q"] = f[0].lower() + " " + f[2]
        elif line and not line.startswith(";") and sec not in (None, "Q"):
            f = line.split()
            cur["rr"].append(" ".join([sec, f[0].lower()] + f[3:]))
    flush()
    return out


def main():
    with open(sys.argv[1], errors="replace") as f:
        out = parse(f)
    for k in sorted(out):
        print(k + " | " + out[k])


if __name__ == "__main__":
    main()
