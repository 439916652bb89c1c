#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The threads part of `make bench` (also `make bench-threads`): what a
# second thread gives, on a machine whose client has to share the cores.
# The hot names (HIER_HOT), warm, asked by dnsperf (8 clients x 64 in
# flight, BENCH_THREADS_SECONDS each, BENCH_THREADS_ROUNDS interleaved
# rounds) of:
#   (1) xdpdnsd --no-xdp --threads 1, on CPU 0
#   (2) xdpdnsd --no-xdp --threads 2, on CPUs 0 and 1
#   (3) the Debian unbound, one thread, on CPU 0
#   (4) the Debian unbound, two threads (so-reuseport), on CPUs 0 and 1
# dnsperf on CPU 1 in every case, so with two server threads the client
# and one of them share CPU 1. No XDP program on the link: the query's
# arrival runs in the sender's context (dnsperf's CPU), the answer's
# departure in the server's. Per target: answered/s, the server
# process's own CPU time (every thread's utime + stime from /proc, the
# sockets' send path included, the arrival not) per answer, and the
# busy time of both CPUs (/proc/stat: wall clock - idle - iowait, the
# client's included) per answer, medians of the rounds.
# Every load is bounded in count and time; everything is removed on exit.
# Usage: bench_threads.sh [BUILD_DIR]  (BENCH_THREADS_SECONDS=4
#   BENCH_THREADS_ROUNDS=3)
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init bench-threads "${1:-}"
DUR=${BENCH_THREADS_SECONDS:-4}
ROUNDS=${BENCH_THREADS_ROUNDS:-3}
CLI_CPU=1
TARGETS="1 2 3 4"

for c in nsd unbound dnsperf dig taskset python3 unshare nsenter timeout; do
	command -v "$c" >/dev/null || xd_die "the benchmark needs $c"
done
[ "$(id -u)" -eq 0 ] || xd_die "the benchmark needs root"
[ -e "$BUILD/xdpdnsd" ] || xd_die "no $BUILD/xdpdnsd: run make first"
[ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] ||
	xd_die "the benchmark needs 2 CPUs"
xd_private_mounts "${BENCH_THREADS_LIMIT:-300}" -- "$SELF" "$BUILD"
T0=$SECONDS
taskset -p -c "$CLI_CPU" $$ >/dev/null ||
	xd_die "cannot pin the benchmark to CPU $CLI_CPU"

hier_up || xd_die "the hierarchy did not come up"
W=$HIER_DIR
TCK=$(getconf CLK_TCK)

SRV_PID=
PORT=53
# start TARGET - the target on its CPUs, answering, its cache warm.
start() {
	local n=1 cpus=0
	case $1 in 2 | 4) n=2 cpus=0,1 ;; esac
	case $1 in
	1 | 2)
		PORT=53
		bg_start -n "$RES_NS" "$W/xdpdnsd-$1.log" taskset -c "$cpus" \
			"$BUILD/xdpdnsd" --no-xdp --threads "$n" \
			--listen "$RES_ADDR4" --root-hints "$ROOT_HINTS" \
			--unbound-config "$UNBOUND_SNIPPET" --user "" \
			--ratelimit 0 --miss-limit 0 --ratelimit-net 0 \
			--ratelimit-wide 0 --new-source-limit 0 \
			--miss-limit-global 0 --log-level warn
		SRV_PID=$BG_PID
		wait_udp_port "$RES_NS" "$RES_ADDR4" "$PORT" 15 &&
			wait_dns "$CLI_NS" "$RES_ADDR4" "$PORT" www.z000.test. 15 ||
			xd_die "xdpdnsd ($1) did not start: $(tail -n 3 "$W/xdpdnsd-$1.log")"
		;;
	3 | 4)
		PORT=5353
		UNBOUND_EXTRA_CONF="	num-threads: $n
	so-reuseport: yes" unbound_start "$PORT" ||
			xd_die "unbound ($n threads) did not start"
		taskset -a -p -c "$cpus" "$UNBOUND_PID" >/dev/null
		SRV_PID=$UNBOUND_PID
		;;
	esac
	awk '{ print $1, $2 }' "$HIER_HOT" |
		ns_exec "$CLI_NS" dig +tries=1 +time=2 -p "$PORT" @"$RES_ADDR4" \
			-f - >/dev/null 2>&1
}
stop() {
	case $1 in
	3 | 4) unbound_stop ;;
	*) bg_stop "$SRV_PID" ;;
	esac
	SRV_PID=
}
# proc_ticks PID - utime + stime of every thread of PID, in clock ticks.
proc_ticks() {
	awk '{ sub(/^.*\) /, ""); t += $12 + $13 } END { print t + 0 }' \
		/proc/"$1"/task/*/stat 2>/dev/null
}
# busy_ticks - busy clock ticks of all CPUs (total - idle - iowait).
busy_ticks() {
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i
		print t - $5 - $6 }' /proc/stat
}

: >"$W/threads-results.txt"
for ((r = 1; r <= ROUNDS; r++)); do
	for t in $TARGETS; do
		start "$t"
		out=$W/dnsperf-$t-$r.txt
		p0=$(proc_ticks "$SRV_PID")
		b0=$(busy_ticks)
		ns_exec "$CLI_NS" timeout $((DUR + 15)) taskset -c "$CLI_CPU" \
			dnsperf -s "$RES_ADDR4" -p "$PORT" -d "$HIER_HOT" \
			-l "$DUR" -c 8 -q 64 -t 2 >"$out" 2>&1
		p1=$(proc_ticks "$SRV_PID")
		b1=$(busy_ticks)
		stop "$t"
		awk -v t="$t" -v r="$r" -v p=$((p1 - p0)) -v b=$((b1 - b0)) \
			-v tck="$TCK" '
			/Queries completed:/ { done = $3 }
			/Queries per second:/ { qps = $4 }
			END { printf "%s %s %.0f %d %.3f %.3f\n", t, r, qps,
				done, p / tck, b / tck }' \
			"$out" >>"$W/threads-results.txt"
	done
	xd_log "round $r done at $((SECONDS - T0)) s"
done

"$PY" - "$W/threads-results.txt" "$DUR" "$ROUNDS" >"$W/bench-threads.txt" <<'EOF' ||
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
names = {"1": "xdpdnsd --no-xdp, 1 thread", "2": "xdpdnsd --no-xdp, 2 threads",
         "3": "unbound, 1 thread", "4": "unbound, 2 threads"}
med = {}
for t in names:
    rs = [r for r in rows if r[0] == t]
    if not rs:
        continue
    qps = statistics.median(float(r[2]) for r in rs)
    # per answer: CPU seconds over answers of the same round, median
    own = statistics.median(1e9 * float(r[4]) / max(int(r[3]), 1) for r in rs)
    busy = statistics.median(1e9 * float(r[5]) / max(int(r[3]), 1) for r in rs)
    med[t] = (qps, own, busy)
print("threads: %s s x %s rounds per target, warm cache, the hot names, "
      "dnsperf 8 x 64 in flight on CPU 1; one-thread servers on CPU 0, "
      "two-thread servers on CPUs 0-1 (sharing CPU 1 with the client)"
      % (sys.argv[2], sys.argv[3]))
print("%-30s %12s %16s %18s %22s" % ("target", "answered/s",
      "server CPU ns", "both CPUs busy ns", "answers/server CPU-s"))
for t, (qps, own, busy) in med.items():
    print("%-30s %12.0f %16.0f %18.0f %22.0f" %
          (names[t], qps, own, busy, 1e9 / own if own else 0))
def ratio(a, b, i=0):
    if a in med and b in med and med[b][i]:
        return med[a][i] / med[b][i]
    return 0
print("2 threads / 1 thread, answered/s: xdpdnsd %.2f, unbound %.2f" %
      (ratio("2", "1"), ratio("4", "3")))
print("xdpdnsd / unbound, answered/s: 1 thread %.2f, 2 threads %.2f" %
      (ratio("1", "3"), ratio("2", "4")))
print("unbound / xdpdnsd, server CPU per answer: 1 thread %.2f, "
      "2 threads %.2f" % (ratio("3", "1", 1), ratio("4", "2", 1)))
print("Server CPU: the process's own threads (utime + stime), the sockets' "
      "send path included, the query's arrival through the veth (run in "
      "the client's context) not. Both CPUs busy: everything, the client "
      "and its kernel work included.")
EOF
	xd_die "cannot write the report"
cat "$W/bench-threads.txt"
cp "$W/bench-threads.txt" "$BUILD/bench-threads.txt" 2>/dev/null &&
	xd_log "written to $BUILD/bench-threads.txt ($((SECONDS - T0)) s)"
