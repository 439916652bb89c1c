#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The report of bench.sh: per generator, what the server's CPU paid per
answer, medians over the rounds, ratios of capacities against the goals.

Usage: bench_report.py RESULTS DURATION ROUNDS NHOT KERNEL NCPU
RESULTS has one line per run, as bench.sh writes them:
  clk_tck TICKS_PER_S
  dnsperf TARGET ROUND QPS AVG_LATENCY_MS COMPLETED RUN_S
  kxdpgun TARGET ROUND REPLIES_PER_S SENT_PER_S REPLIES SEND_S
  cpu TOOL TARGET ROUND IDLE TOTAL STEAL OWN_NS WALL_US
  xdp a ROUND HITS NO_ROOM MISSES
with TARGET a (XDP hits), b (daemon alone), c (unbound), d (reflector),
e (the daemon behind XDP over AF_XDP, XDP's cache off).
A cpu line holds CPU 0's /proc/stat differences (idle + iowait, the sum
of the fields, steal; in 1/TICKS_PER_S s) over a window from right before
the tool started to right after it exited, WALL_US its length and OWN_NS
the time the target's own threads (its process and the resolver link's
NAPI threads) ran in it. Busy = WALL - IDLE: idle and iowait are exact
(NO_HZ), the busy fields tick-sampled (short bursts go missing, so the
fields' sum falls short of the wall clock). The window holds all the
run's load and some idle time (kxdpgun sets up for about a second and
listens for a second after sending), so the busy fraction is busy time
over the time the tool loaded the server (RUN_S, SEND_S: the time its
answers/s is over). Per run: ns per answer = busy ns / answers, capacity
= answers per busy second = answers/s / busy fraction. Prints the report
on stdout.
"""
import statistics as st
import sys

NAMES = {"a": "(a) xdpdnsd, XDP hits", "b": "(b) xdpdnsd --no-xdp",
         "c": "(c) unbound, warm cache", "d": "(d) XDP reflector",
         "e": "(e) xdpdnsd --afxdp"}
TOOLS = ("dnsperf", "kxdpgun")
# A window where the target's threads ran for less than this share of CPU
# 0's busy time had someone else's work on CPU 0. Undisturbed, the share
# is 97-100% for a saturated target and 85-91% for a partly idle XDP one:
# the interrupts that wake its NAPI thread belong to no thread.
OURS_MIN = 0.80


def read(path):
    """Returns (clk_tck, runs, xdp): runs[(tool, target)] is a list of
    dicts, one per round, with the tool's figures and the window's."""
    clk, runs, cpu, xdp = 100, {}, {}, []
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "clk_tck":
                clk = int(w[1])
            elif w[0] == "dnsperf":
                runs.setdefault(("dnsperf", w[1]), {})[w[2]] = {
                    "rate": float(w[3]), "lat": float(w[4]),
                    "answers": float(w[5]), "secs": float(w[6])}
            elif w[0] == "kxdpgun":
                runs.setdefault(("kxdpgun", w[1]), {})[w[2]] = {
                    "rate": float(w[3]), "sent": float(w[4]),
                    "answers": float(w[5]), "secs": float(w[6])}
            elif w[0] == "cpu":
                cpu[(w[1], w[2], w[3])] = [int(x) for x in w[4:9]]
            elif w[0] == "xdp":
                xdp.append(tuple(int(x) for x in w[3:6]))
    out = {}
    for (tool, t), rounds in runs.items():
        for r, fig in sorted(rounds.items(), key=lambda kv: int(kv[0])):
            c = cpu.get((tool, t, r))
            if c is None:
                sys.exit("no CPU window for %s %s round %s" % (tool, t, r))
            idle, total, steal, own, wall = c
            busy_ns = max(wall * 1e3 - idle * 1e9 / clk, 0.0)
            busy = busy_ns > 0
            secs = fig["secs"]
            fig.update(round=r, busy=busy_ns / 1e9 / secs if secs else 0.0,
                       steal=steal / total if total else 0.0,
                       short=1 - total * 1e6 / clk / wall if wall else 0.0,
                       window=wall / 1e6,
                       ns=busy_ns / fig["answers"] if fig["answers"] else 0.0,
                       cap=fig["answers"] * 1e9 / busy_ns if busy else 0.0,
                       ours=own / busy_ns if busy else 0.0)
            out.setdefault((tool, t), []).append(fig)
    return clk, out, xdp


def med(runs, tool, t, key):
    v = [f[key] for f in runs.get((tool, t), [])]
    return st.median(v) if v else 0.0


def ratio(x, y):
    return x / y if y else 0.0


def table(runs, tool):
    lat = tool == "dnsperf"
    print("%s: %s" % (tool, "closed loop through the client's sockets, "
                      "4 clients x 128 queries in flight" if lat else
                      "AF_XDP flood, 5,000,000 q/s asked of one client core"))
    print("%-25s %13s %10s %9s %11s %12s %6s" %
          ("target", "capacity", "CPU ns", "CPU 0", "answered",
           "avg latency" if lat else "sent", "ours"))
    print("%-25s %13s %10s %9s %11s %12s %6s" %
          ("", "answers/CPU-s", "/answer", "busy", "/s",
           "" if lat else "/s", ""))
    for t in "abcde":
        if not runs.get((tool, t)):
            continue
        sec = ("%9.3f ms" % med(runs, tool, t, "lat") if lat else
               "%12s" % "{:,.0f}".format(med(runs, tool, t, "sent")))
        print("%-25s %13s %10s %8.1f%% %11s %12s %5.0f%%" %
              (NAMES[t], "{:,.0f}".format(med(runs, tool, t, "cap")),
               "{:,.0f}".format(med(runs, tool, t, "ns")),
               100 * med(runs, tool, t, "busy"),
               "{:,.0f}".format(med(runs, tool, t, "rate")), sec,
               100 * med(runs, tool, t, "ours")))

    def per_round(key, fmt):
        return "; ".join(
            "%s %s" % (t, "/".join(fmt(f[key]) for f in runs[(tool, t)]))
            for t in "abcde" if runs.get((tool, t)))
    print("per round: capacity (k) " +
          per_round("cap", lambda v: "%.0f" % (v / 1000)))
    print("           CPU 0 busy (%) " +
          per_round("busy", lambda v: "%.1f" % (100 * v)))
    print("           window (s) " + per_round("window", lambda v: "%.2f" % v))
    print()


def main(argv):
    if len(argv) != 7:
        sys.exit(__doc__.strip())
    res, dur, rounds, nhot, kernel, ncpu = argv[1:]
    clk, runs, xdp = read(res)
    print("xdpdns benchmark: %s rounds x %s s per target and tool, "
          "%s hot names" % (rounds, dur, nhot))
    print("kernel %s, %s CPUs; server (resolver NAPI thread + daemons) on "
          "CPU 0, client (tools, client NAPI thread) on CPU 1" %
          (kernel, ncpu))
    print("capacity = answers per busy second of CPU 0 = answered/s / "
          "CPU 0 busy; CPU 0 busy = wall clock")
    print("- idle - iowait (/proc/stat, irq and softirq in) over the time "
          "the tool loaded the server;")
    print("CPU ns/answer = busy ns / answers. Medians of the rounds.")
    print()
    for tool in TOOLS:
        table(runs, tool)
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

    def cap(tool, t):
        return med(runs, tool, t, "cap")

    def raw(tool, t):
        return med(runs, tool, t, "rate")
    rows = []
    for tool in ("kxdpgun", "dnsperf"):
        rows.append(("XDP / reflector (%s)" % tool, tool, "a", "d",
                     ">= 0.95", lambda v: v >= 0.95))
    rows += [
        ("XDP / unbound (kxdpgun)", "kxdpgun", "a", "c", ">= 5",
         lambda v: v >= 5),
        ("XDP / unbound (dnsperf)", "dnsperf", "a", "c", "(info)", None),
        ("daemon / unbound (dnsperf)", "dnsperf", "b", "c", ">= 0.80",
         lambda v: v >= 0.80),
        ("daemon / unbound (kxdpgun)", "kxdpgun", "b", "c", ">= 0.80",
         lambda v: v >= 0.80),
        ("AF_XDP daemon / unbound (dnsperf)", "dnsperf", "e", "c", ">= 2",
         lambda v: v >= 2),
        ("AF_XDP daemon / unbound (kxdpgun)", "kxdpgun", "e", "c", ">= 2",
         lambda v: v >= 2),
        ("AF_XDP daemon / --no-xdp (dnsperf)", "dnsperf", "e", "b",
         "(info)", None),
    ]
    print("%-34s %9s %9s %8s  %s" % ("ratio of capacities", "value", "goal",
                                     "", "(raw answered/s)"))
    for name, tool, x, y, goal, ok in rows:
        v = ratio(cap(tool, x), cap(tool, y))
        verdict = "" if ok is None else ("met" if ok(v) else "MISSED")
        print("%-34s %9.3f %9s %8s  (%.2f)" %
              (name, v, goal, verdict, ratio(raw(tool, x), raw(tool, y))))
    print()
    bad = ["%s %s round %s (%.0f%%)" % (tool, t, f["round"], 100 * f["ours"])
           for (tool, t), fs in sorted(runs.items()) for f in fs
           if f["ours"] < OURS_MIN]
    if bad:
        print("DISTURBED: in these windows less than %.0f%% of CPU 0's busy "
              "time was the target's threads; run again:" % (100 * OURS_MIN))
        print("  " + "; ".join(bad))
        print()
    allf = [f for fs in runs.values() for f in fs]
    steal = max((f["steal"] for f in allf), default=0)
    short = max((f["short"] for f in allf), default=0)
    idle = ["%s %s" % (t, tool) for tool in TOOLS for t in "abcde"
            if runs.get((tool, t)) and med(runs, tool, t, "busy") < 0.9]
    print("Notes: \"ours\" is the share of CPU 0's busy time that the "
          "target's threads (its process, the")
    print("resolver link's NAPI thread) ran; the rest is the kernel's own "
          "work on CPU 0 (interrupts, idle exits)")
    print("or someone else's. Busy is the wall clock less idle and iowait: "
          "/proc/stat's tick-sampled busy fields")
    print("fell up to %.0f%% short of the wall clock here. Steal: at most "
          "%.1f%% of a window (counted as busy)." %
          (100 * short, 100 * steal))
    if any(f["busy"] > 1 for f in allf):
        print("Busy above 100%: the server still answered its queue after "
              "the tool stopped sending (answers counted).")
    if idle:
        print("CPU 0 was below 90%% busy for: %s. Their answered/s is the "
              "client's limit and their" % ", ".join(idle))
        print("capacity an extrapolation from that load (at a lighter load "
              "a packet may cost more: fewer per NAPI poll).")
    print("The veth and NAPI costs of receiving the query and sending the "
          "answer are server CPU; real NICs differ.")

if __name__ == "__main__":
    main(sys.argv)
