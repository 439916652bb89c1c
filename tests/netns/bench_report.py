#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The report of bench.sh: medians, ratios against the goals, notes.

Usage: bench_report.py RESULTS DURATION ROUNDS NHOT KERNEL NCPU
RESULTS has one line per run, as bench.sh writes them:
  dnsperf TARGET ROUND QPS AVG_LATENCY_MS COMPLETED
  kxdpgun TARGET ROUND REPLIES_PER_S SENT_PER_S
  xdp a ROUND HITS NO_ROOM MISSES
with TARGET a (XDP hits), b (daemon alone), c (unbound), d (reflector).
Prints the report on stdout.
"""
import statistics as st
import sys

NAMES = {"a": "(a) xdpdnsd, XDP hits", "b": "(b) xdpdnsd --no-xdp",
         "c": "(c) unbound, warm cache", "d": "(d) XDP reflector"}


def read(path):
    dq, dl, kx, xdp = {}, {}, {}, []
    with open(path) as f:
        for line in f:
            w = line.split()
            if w[0] == "dnsperf":
                dq.setdefault(w[1], []).append(float(w[3]))
                dl.setdefault(w[1], []).append(float(w[4]))
            elif w[0] == "kxdpgun":
                kx.setdefault(w[1], []).append(float(w[3]))
            elif w[0] == "xdp":
                xdp.append(tuple(int(x) for x in w[3:6]))
    return dq, dl, kx, xdp


def med(d, k):
    return st.median(d[k]) if d.get(k) else 0.0


def ratio(x, y):
    return x / y if y else 0.0


def main(argv):
    if len(argv) != 7:
        sys.exit(__doc__.strip())
    res, dur, rounds, nhot, kernel, ncpu = argv[1:]
    dq, dl, kx, xdp = read(res)
    print("xdpdns benchmark: %s rounds x %s s per target and tool, "
          "%s hot names" % (rounds, dur, nhot))
    print("kernel %s, %s CPUs; server (resolver NAPI + daemons) on CPU 0, "
          "client on CPU 1" % (kernel, ncpu))
    print()
    print("%-26s %14s %14s %18s" % ("target", "dnsperf q/s", "avg latency",
                                     "kxdpgun answers/s"))
    for t in "abcd":
        print("%-26s %14.0f %11.3f ms %18.0f" %
              (NAMES[t], med(dq, t), med(dl, t), med(kx, t)))

    def runs(d, t):
        return "/".join("%.0f" % v for v in d.get(t, []))
    print("(medians; per round: " + "; ".join(
        "%s dnsperf %s kxdpgun %s" % (t, runs(dq, t), runs(kx, t))
        for t in "abcd") + ")")
    h = sum(x[0] for x in xdp)
    n = sum(x[1] for x in xdp)
    m = sum(x[2] for x in xdp)
    tot = h + n + m
    if tot:
        print("during (a): %.1f%% of queries answered by XDP, %.1f%% passed "
              "up for no_room (packet could not grow), %.1f%% "
              "miss/expired/too_big" %
              (100.0 * h / tot, 100.0 * n / tot, 100.0 * m / tot))
    print()
    rows = [
        ("XDP / reflector (kxdpgun)", ratio(med(kx, "a"), med(kx, "d")),
         ">= 0.90", lambda v: v >= 0.90),
        ("XDP / unbound (kxdpgun)", ratio(med(kx, "a"), med(kx, "c")),
         ">= 5", lambda v: v >= 5),
        ("XDP / unbound (dnsperf)", ratio(med(dq, "a"), med(dq, "c")),
         "(info)", None),
        ("daemon / unbound (dnsperf)", ratio(med(dq, "b"), med(dq, "c")),
         ">= 0.80", lambda v: v >= 0.80),
        ("daemon / unbound (kxdpgun)", ratio(med(kx, "b"), med(kx, "c")),
         ">= 0.80", lambda v: v >= 0.80),
    ]
    print("%-28s %8s %9s" % ("ratio", "value", "goal"))
    for name, v, goal, ok in rows:
        verdict = "" if ok is None else ("met" if ok(v) else "MISSED")
        print("%-28s %8.2f %9s  %s" % (name, v, goal, verdict))
    print()
    print("Notes: on veth the XDP program runs in the resolver link's NAPI "
          "thread (pinned to CPU 0 with the daemons);")
    print("dnsperf is bound by one client core and the socket path (it cannot "
          "show XDP's rate); kxdpgun offers")
    print("more than any target answers, so its figure is the target's "
          "capacity under overload. Real NICs differ.")


if __name__ == "__main__":
    main(sys.argv)
