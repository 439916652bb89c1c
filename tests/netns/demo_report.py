#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""What the XDP path and the daemon did during demo.sh's burst.

Usage: demo_report.py BEFORE.json AFTER.json BEFORE.prom AFTER.prom
(xdpdnsctl stats --json and the daemon's /metrics, taken before and after
the burst). Prints the counters before, after and their difference, the
XDP outcomes that moved, the daemon's share, and the hit ratio on the XDP
link. A /metrics file may be empty (the daemon's counters show as 0).
"""
import json
import sys

QUIET = ("packets", "not_for_us", "queries", "hit", "miss", "expired",
         "sampled", "sample_lost", "tap_lost", "rl_exempt", "dryrun", "stale")
D_UDP = 'xdpdns_daemon_queries_total{transport="udp"}'
D_TCP = 'xdpdns_daemon_queries_total{transport="tcp"}'
D_RES = "xdpdns_daemon_resolutions_total"


def prom(path):
    d = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            k, v = line.rsplit(" ", 1)
            d[k] = float(v)
    return d


def out(label, x, y):
    print("      %-44s %9d %9d %+9d" % (label, x, y, y - x))


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__.strip())
    with open(argv[1]) as f:
        ob = json.load(f)["xdp_outcomes"]
    with open(argv[2]) as f:
        oa = json.load(f)["xdp_outcomes"]
    pb, pa = prom(argv[3]), prom(argv[4])
    print("      %-44s %9s %9s %9s" % ("", "before", "after", "burst"))
    out("queries seen by the XDP program", ob["queries"], oa["queries"])
    out("  answered by XDP from the cache (hit)", ob["hit"], oa["hit"])
    out("  passed up: no cache entry (miss)", ob["miss"], oa["miss"])
    out("  passed up: entry expired", ob["expired"], oa["expired"])
    for k in oa:
        if k not in QUIET and oa[k] - ob.get(k, 0) > 0:
            out("  passed up/dropped: " + k, ob[k], oa[k])
    out("queries the daemon answered (all links)",
        pb.get(D_UDP, 0) + pb.get(D_TCP, 0),
        pa.get(D_UDP, 0) + pa.get(D_TCP, 0))
    out("  of them resolved through libunbound", pb.get(D_RES, 0),
        pa.get(D_RES, 0))
    h = oa["hit"] - ob["hit"]
    q = oa["queries"] - ob["queries"]
    print()
    print("      burst on the XDP link: %d of %d queries answered by XDP "
          "(hit ratio %.1f%%)" % (h, q, 100.0 * h / q if q else 0))


if __name__ == "__main__":
    main(sys.argv)
