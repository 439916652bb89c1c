#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The cold part of `make bench` (also `make bench-cold`): names never asked
# before, as in the first minutes of an event or a random-subdomain flood.
# Every name of the offline hierarchy's manifest (but the deliberately
# broken zones) and as many random names under its leaf zones (NXDOMAIN
# from the leaf's server), shuffled, asked by dnsperf at fixed rates of
# BENCH_COLD_RATES for BENCH_COLD_SECONDS each, with a 1 s timeout, of:
#   (a) xdpdnsd with XDP on the client link
#   (b) xdpdnsd --no-xdp
#   (f) xdpdnsd with XDP and --afxdp (what XDP passes up over AF_XDP)
#   (c) the Debian unbound, one thread
#   (e) the Debian unbound, two threads
# each started afresh for every rate (no cache, no pins: every name is new
# to it), limits off, on CPU 0; dnsperf and the hierarchy's NSD on CPU 1.
# unbound gets xdpdnsd's budget for resolutions in flight (4096 per
# thread) and sockets (outgoing-range 4096). Per target and rate: the share
# of queries answered NOERROR or NXDOMAIN within 1 s, the SERVFAILs, the
# lost; then the highest rate each target answers >= 99% of. Then the
# latency at one fixed rate (BENCH_LAT_RATE q/s for BENCH_LAT_SECONDS, in
# BENCH_LAT_ROUNDS rounds), p50/p99/p99.9/max from dnsperf's per-query
# times, of misses (names new to a fresh target) and of hits
# (the same names right after: the daemon's copy, XDP, unbound's cache).
# Every load is bounded in count and time; everything is removed on exit.
# Usage: bench_cold.sh [BUILD_DIR]  (BENCH_COLD_SECONDS=2
#   BENCH_COLD_RATES="2000 4000 8000 12000 16000 24000"
#   BENCH_COLD_TARGETS="a b f c e" BENCH_LAT_RATE=3000 BENCH_LAT_SECONDS=3
#   BENCH_LAT_ROUNDS=3)
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init bench-cold "${1:-}"
STEP=${BENCH_COLD_SECONDS:-2}
LAT_RATE=${BENCH_LAT_RATE:-3000}
LAT_SECS=${BENCH_LAT_SECONDS:-3}
LAT_ROUNDS=${BENCH_LAT_ROUNDS:-3}
RATES=${BENCH_COLD_RATES:-"2000 4000 8000 12000 16000 24000"}
TARGETS=${BENCH_COLD_TARGETS:-a b f c e}
SRV_CPU=0
CLI_CPU=1

for c in nsd unbound dnsperf xdp-loader taskset python3 unshare nsenter \
	timeout; do
	command -v "$c" >/dev/null || xd_die "the benchmark needs $c"
done
[ "$(id -u)" -eq 0 ] || xd_die "the benchmark needs root"
[ -e "$BUILD/xdpdnsd" ] || xd_die "no $BUILD/xdpdnsd: run make first"
[ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] ||
	xd_die "the benchmark needs 2 CPUs (client and server apart)"
xd_private_mounts "${BENCH_COLD_LIMIT:-420}" -- "$SELF" "$BUILD"
T0=$SECONDS
taskset -p -c "$CLI_CPU" $$ >/dev/null ||
	xd_die "cannot pin the benchmark to CPU $CLI_CPU"

hier_up_pinned "" || xd_die "the hierarchy did not come up"
W=$HIER_DIR
cleanup_register "ns_enter '$RES_NS' xdp-loader unload '$RES_IF_CLIENT' --all"

# The query file: the manifest's names (but the servfail zones') and as
# many random names under its leaf zones, shuffled with a fixed seed.
"$PY" - "$HIER_NAMES" "$W/cold.txt" <<'EOF' || xd_die "cannot write the query file"
import random, sys
real, zones = [], set()
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 4 or f[0].startswith("#") or f[3] == "servfail":
        continue
    real.append("%s %s" % (f[0], f[1]))
    if f[3] == "nxdomain" and f[0].startswith("nx") and ".z" in f[0]:
        zones.add(f[0].split(".", 1)[1])
rnd = random.Random(7)
zones = sorted(zones)
nx = ["%012x.%s A" % (rnd.getrandbits(48), rnd.choice(zones))
      for _ in range(max(len(real), 40000))]
q = real + nx
rnd.shuffle(q)
with open(sys.argv[2], "w") as out:
    out.write("\n".join(q) + "\n")
print(len(real), len(nx), len(zones), file=sys.stderr)
EOF
NQ=$(wc -l <"$W/cold.txt")

SRV_PID=
# start TARGET - the target afresh on CPU 0, answering; SRV_PID, PORT.
start() {
	case $1 in
	a | b | f)
		local x=(--interface "$RES_IF_CLIENT" --pin-dir "$PIN"
			--xdp-mode native)
		[ "$1" = b ] && x=(--no-xdp)
		[ "$1" = f ] && x+=(--afxdp)
		PORT=53
		bg_start -n "$RES_NS" "$W/xdpdnsd-$1.log" taskset -c "$SRV_CPU" \
			"$BUILD/xdpdnsd" "${x[@]}" --listen "$RES_ADDR4" \
			--root-hints "$ROOT_HINTS" \
			--unbound-config "$UNBOUND_SNIPPET" --user "" \
			--ratelimit 0 --miss-limit 0 --ratelimit-net 0 \
			--ratelimit-wide 0 --new-source-limit 0 \
			--miss-limit-global 0 --log-level warn
		SRV_PID=$BG_PID
		;;
	c | e)
		local n=1
		[ "$1" = e ] && n=2
		UNBOUND_EXTRA_CONF="	num-threads: $n
	so-reuseport: yes
	num-queries-per-thread: 4096
	outgoing-range: 4096" unbound_start 5353 ||
			xd_die "unbound ($n threads) did not start"
		taskset -a -p -c "$SRV_CPU" "$UNBOUND_PID" >/dev/null
		SRV_PID=$UNBOUND_PID
		PORT=5353
		return 0
		;;
	esac
	wait_udp_port "$RES_NS" "$RES_ADDR4" "$PORT" 15 &&
		wait_dns "$CLI_NS" "$RES_ADDR4" "$PORT" www.z000.test. 15 ||
		xd_die "xdpdnsd ($1) did not start: $(tail -n 3 "$W/xdpdnsd-$1.log")"
}
stop() {
	case $1 in
	c | e) unbound_stop ;;
	*) bg_stop "$SRV_PID" ;;
	esac
	SRV_PID=
	ns_enter "$RES_NS" xdp-loader unload "$RES_IF_CLIENT" --all \
		>/dev/null 2>&1 || :
	rm -f "$PIN"/xdpdns_* 2>/dev/null || :
}

: >"$W/cold-results.txt"
for t in $TARGETS; do
	for r in $RATES; do
		start "$t"
		out=$W/cold-$t-$r.txt
		ns_exec "$CLI_NS" timeout $((STEP + 15)) taskset -c "$CLI_CPU" \
			dnsperf -s "$RES_ADDR4" -p "$PORT" -d "$W/cold.txt" -n 1 \
			-l "$STEP" -Q "$r" -c 8 -q 20000 -t 1 >"$out" 2>&1
		stop "$t"
		awk -v t="$t" -v r="$r" '
			/Queries sent:/ { sent = $3 }
			/Queries completed:/ { done = $3 }
			/Queries lost:/ { lost = $3 }
			/Response codes:/ {
				for (i = 3; i < NF; i += 3) {
					c = $i; n = $(i + 1); gsub(/,/, "", n)
					rc[c] = n
				}
			}
			/Average Latency/ { lat = $4 * 1000 }
			END {
				ok = rc["NOERROR"] + rc["NXDOMAIN"]
				other = done - ok - rc["SERVFAIL"]
				printf "%s %s %d %d %d %d %d %.1f\n", t, r, sent,
					ok, rc["SERVFAIL"] + 0, lost, other, lat
			}' "$out" >>"$W/cold-results.txt"
	done
	xd_log "target $t done at $((SECONDS - T0)) s"
done

# Latency at a fixed rate, from dnsperf's own per-query times (-v): misses
# on a fresh target, then hits (the same names again); LAT_ROUNDS rounds,
# the targets interleaved, each round a fresh start.
for round in $(seq "$LAT_ROUNDS"); do
	for t in $TARGETS; do
		start "$t"
		for kind in miss hit; do
			ns_exec "$CLI_NS" timeout $((LAT_SECS + 15)) \
				taskset -c "$CLI_CPU" dnsperf -s "$RES_ADDR4" \
				-p "$PORT" -d "$W/cold.txt" -n 1 -l "$LAT_SECS" \
				-Q "$LAT_RATE" -c 1 -q 1000 -t 1 -v \
				>"$W/lat-$t-$kind-$round.txt" 2>&1
		done
		stop "$t"
	done
done

"$PY" - "$W/cold-results.txt" "$STEP" "$NQ" "$W" "$LAT_RATE" \
	"$LAT_SECS" "$LAT_ROUNDS" >"$W/bench-cold.txt" <<'EOF' ||
import glob, os, re, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
names = {"a": "xdpdnsd, XDP", "b": "xdpdnsd --no-xdp",
         "f": "xdpdnsd, XDP, AF_XDP",
         "c": "unbound, 1 thread", "e": "unbound, 2 threads"}
targets = [t for t in "abfce" if any(r[0] == t for r in rows)]
rates = sorted({int(r[1]) for r in rows})
res = {(r[0], int(r[1])): r for r in rows}
print("cold resolution: %s s per rate, names never asked before (%s in "
      "the query file), 1 s timeout, a fresh target per rate, server on "
      "CPU 0" % (sys.argv[2], sys.argv[3]))
print("%-8s" % "q/s" + "".join("%30s" % names[t] for t in targets))
for rate in rates:
    line = "%-8d" % rate
    for t in targets:
        r = res.get((t, rate))
        if not r:
            line += "%30s" % "-"
            continue
        sent, ok, sf, lost = (int(x) for x in r[2:6])
        pct = 100.0 * ok / sent if sent else 0
        line += "%30s" % ("%.1f%% sf %d lost %d %.0fms" %
                          (pct, sf, lost, float(r[7])))
    print(line)
print("highest rate with >= 99% answered (NOERROR/NXDOMAIN) within 1 s:")
for t in targets:
    best = 0
    for rate in rates:
        r = res.get((t, rate))
        if r and int(r[2]) and int(r[3]) * 100 >= 99 * int(r[2]):
            best = rate
    print("  %-22s %s q/s" % (names[t], best if best else "< %d" % rates[0]))
# dnsperf -v: "> RCODE NAME TYPE SECONDS" per answer; "Queries sent: N".
def lat_run(path):
    sent, lat = 0, []
    for line in open(path, errors="replace"):
        f = line.split()
        if len(f) == 5 and f[0] == ">" and re.match(r"[0-9.]+$", f[4]):
            lat.append(float(f[4]) * 1000)
        elif line.strip().startswith("Queries sent:"):
            sent = int(f[2])
    return sent, sorted(lat)

def pct(lat, p):
    return lat[min(len(lat) - 1, int(p * len(lat)))] if lat else 0.0

runs = {}
for path in glob.glob(os.path.join(sys.argv[4], "lat-*-*-*.txt")):
    m = re.match(r"lat-(\w)-(miss|hit)-(\d+)\.txt$", os.path.basename(path))
    if m:
        runs.setdefault((m.group(1), m.group(2)), []).append(
            (int(m.group(3)), lat_run(path)))
if runs:
    print("latency at %s q/s for %s s, %s rounds (ms, dnsperf's per-query "
          "times; misses: names new to a fresh target, hits: the same "
          "names again; percentiles over every round's answers, then each "
          "round's p99):" % (sys.argv[5], sys.argv[6], sys.argv[7]))
    print("%-22s %-5s %7s %9s %7s %7s %7s %7s  %s" % ("target", "", "sent",
          "answered", "p50", "p99", "p99.9", "max", "p99 by round"))
    for t in targets + [t for t in "abfce" if t not in targets]:
        for kind in ("miss", "hit"):
            rs = sorted(runs.get((t, kind), []))
            if not rs:
                continue
            lat = sorted(x for _, (_, l) in rs for x in l)
            sent = sum(s for _, (s, _) in rs)
            print("%-22s %-5s %7d %9d %7.2f %7.2f %7.2f %7.2f  %s" %
                  (names[t], kind, sent, len(lat), pct(lat, 0.5),
                   pct(lat, 0.99), pct(lat, 0.999), pct(lat, 1.0),
                   " ".join("%.2f" % pct(l, 0.99) for _, (_, l) in rs)))
EOF
	xd_die "cannot make the report"
cat "$W/bench-cold.txt"
cp "$W/bench-cold.txt" "$BUILD/bench-cold.txt" 2>/dev/null &&
	xd_log "written to $BUILD/bench-cold.txt ($((SECONDS - T0)) s)"
