#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make bench`: what one server CPU gives in answers, for the same hot query
# set (HIER_HOT) of the offline DNS hierarchy sent from the client namespace
# to four targets in the resolver namespace, measured in interleaved rounds:
#   (a) xdpdnsd, warm cache: XDP answers from the BPF map
#   (b) xdpdnsd --no-xdp (a second instance): the daemon alone
#   (c) the Debian unbound, warm cache
#   (d) build/reflector.bpf.o: one fixed answer, no lookup (XDP ceiling)
#   (e) xdpdnsd --afxdp --no-xdp-cache, warm: XDP hands every query to the
#       daemon's AF_XDP socket and the daemon answers from its own copy
#       (the daemon's path behind XDP, without the kernel's UDP stack)
# with dnsperf (closed loop through the socket stack: answered q/s, average
# latency) and kxdpgun (AF_XDP flood: answered replies/s). Server work (the
# resolver link's NAPI thread, where XDP runs, and every daemon) is pinned
# to CPU 0, the client (dnsperf, kxdpgun, the client link's NAPI thread and
# this script) to CPU 1, with threaded NAPI on both veths; the benchmark
# stops if the resolver link's NAPI thread is missing or may run elsewhere.
# One client core cannot always saturate an XDP server, so the headline is
# not answers/s but what the server's CPU paid for them: CPU 0's busy time
# (wall clock - idle - iowait from /proc/stat, irq and softirq included)
# in a window around each load, the ns of it per answer and the capacity
# (answers per busy second of CPU 0 = answered/s / busy fraction). Prints
# the medians, the ratios of capacities against the goals (XDP >= 95% of
# the reflector and >= 5x unbound; daemon within 20% of unbound), flags
# windows where CPU 0 ran much else, and writes it all to BUILD/bench.txt.
# Every load is bounded in time and rate; everything is removed on exit.
# Usage: bench.sh [BUILD_DIR]   (BENCH_SECONDS=4 BENCH_ROUNDS=3)
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init bench "${1:-}"
DUR=${BENCH_SECONDS:-4}
ROUNDS=${BENCH_ROUNDS:-3}
SRV_CPU=0
CLI_CPU=1

for c in nsd unbound dig dnsperf kxdpgun xdp-loader taskset python3 \
	unshare nsenter timeout; do
	command -v "$c" >/dev/null || xd_die "the benchmark needs $c"
done
[ "$(id -u)" -eq 0 ] || xd_die "the benchmark needs root"
for f in xdpdnsd xdpdnsctl reflector.bpf.o; do
	[ -e "$BUILD/$f" ] || xd_die "no $BUILD/$f: run make first"
done
NCPU=$(getconf _NPROCESSORS_ONLN)
[ "$NCPU" -ge 2 ] || xd_die "the benchmark needs 2 CPUs (client and server apart)"
xd_private_mounts "${BENCH_LIMIT:-290}" -- "$SELF" "$BUILD"
T0=$SECONDS
# This script and what it starts (NSD, the tools) stay off the server's CPU;
# the server processes are put on CPU 0 each by its own taskset.
taskset -p -c "$CLI_CPU" $$ >/dev/null ||
	xd_die "cannot pin the benchmark to CPU $CLI_CPU"
CLK_TCK=$(getconf CLK_TCK)

hier_up_pinned "" || xd_die "the hierarchy did not come up"
W=$HIER_DIR
# Whatever is attached at the end (xdpdnsd's program after a crash, the
# reflector, kxdpgun's) goes.
cleanup_register "ns_enter '$RES_NS' xdp-loader unload '$RES_IF_CLIENT' --all"
cleanup_register "ip -n '$CLI_NS' link set dev '$CLI_IF' xdpdrv off"
DPORT=5300 # the --no-xdp daemon
declare -A PORT=([a]=53 [b]=$DPORT [c]=$UNBOUND_PORT [d]=53 [e]=53)

# napi_threads IF - PIDs of IF's NAPI kernel threads, "napi/IF-ID" (cut to
# "napi/IF" where the kernel keeps 15 characters of a thread's name).
napi_threads() {
	pgrep "^napi/$1(-|\$)" 2>/dev/null || :
}
# napi_pin NS IF CPU - threaded NAPI for IF, its kernel thread on CPU. A
# veth only has NAPI while an XDP program is attached (either end), and a
# new attachment makes a new thread: call again after each change.
napi_pin() {
	local ns=$1 dev=$2 cpu=$3 p
	ns_exec "$ns" sh -c "echo 1 >/sys/class/net/$dev/threaded" \
		2>/dev/null || return 0
	for p in $(napi_threads "$dev"); do
		taskset -p -c "$cpu" "$p" >/dev/null 2>&1 || :
	done
}
# srv_napi_check - the resolver link has NAPI threads (else its receive
# path would run on the sender's CPU) and each runs on CPU 0 only; the
# benchmark stops otherwise: the server's work would not be on CPU 0.
srv_napi_check() {
	local p l n=0
	for p in $(napi_threads "$RES_IF_CLIENT"); do
		l=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' \
			"/proc/$p/status" 2>/dev/null)
		[ "$l" = "$SRV_CPU" ] ||
			xd_die "NAPI thread $p of $RES_IF_CLIENT may run on CPUs '$l', not $SRV_CPU"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || xd_die "no NAPI thread on $RES_IF_CLIENT (threaded NAPI off?)"
}
# cpu0_snap PID... - sets C0 to "IDLE TOTAL STEAL OWN USEC": CPU 0's
# /proc/stat idle + iowait, the sum of its fields (guest time is inside user
# and nice) and steal, in 1/CLK_TCK s; USEC the wall clock right after; OWN
# the ns that the server's own threads have run (every thread of each PID
# and the resolver link's NAPI threads, schedstat's sum_exec_runtime).
# Busy is the wall clock less idle and iowait: those two are exact under
# NO_HZ, while the busy fields are sampled by the tick and miss bursts
# shorter than one (TICK_CPU_ACCOUNTING), which an XDP server's are.
cpu0_snap() {
	local c u n s i w q sq st own=0 p t x us
	while read -r c u n s i w q sq st _; do
		[ "$c" = cpu0 ] && break
	done </proc/stat
	us=${EPOCHREALTIME/[.,]/}
	C0="$((i + w)) $((u + n + s + i + w + q + sq + st)) $st"
	[ "$c" = cpu0 ] || xd_die "no cpu0 line in /proc/stat"
	for p in "$@" $(napi_threads "$RES_IF_CLIENT"); do
		for t in /proc/"$p"/task/*/schedstat; do
			[ -r "$t" ] && read -r x _ <"$t" && own=$((own + x))
		done
	done
	C0+=" $own $us"
}
# cpu0_window TOOL TARGET ROUND BEFORE AFTER - one "cpu" line of
# results.txt: the differences of two cpu0_snap values.
cpu0_window() {
	local a b
	read -r -a a <<<"$4"
	read -r -a b <<<"$5"
	echo "cpu $1 $2 $3 $((b[0] - a[0])) $((b[1] - a[1])) $((b[2] - a[2]))" \
		"$((b[3] - a[3])) $((b[4] - a[4]))" >>"$W/results.txt"
}

# Daemon A: xdpdnsd with XDP on the client link, on CPU 0; daemon_a_start
# e --afxdp --no-xdp-cache starts E the same way (while A is off the
# link) and warms it: its answers are its own copy's.
DAEMON_PID=
daemon_a_start() { # [TAG [ARGS...]]
	local tag=${1:-a}
	bg_start -n "$RES_NS" "$W/xdpdnsd-$tag.log" taskset -c "$SRV_CPU" \
		"$BUILD/xdpdnsd" --interface "$RES_IF_CLIENT" \
		--listen "$RES_ADDR4" --pin-dir "$PIN" --xdp-mode native \
		--root-hints "$ROOT_HINTS" --unbound-config "$UNBOUND_SNIPPET" \
		--user "" --ratelimit 0 --miss-limit 0 --ratelimit-net 0 \
		--ratelimit-wide 0 --new-source-limit 0 --miss-limit-global 0 \
		--log-level warn "${@:2}"
	DAEMON_PID=$BG_PID
	if ! wait_udp_port "$RES_NS" "$RES_ADDR4" 53 15; then
		tail -n 5 "$W/xdpdnsd-$tag.log" >&2
		xd_die "xdpdnsd ($tag) did not start"
	fi
	napi_pin "$RES_NS" "$RES_IF_CLIENT" "$SRV_CPU"
	[ "$tag" = a ] || warm "$RES_ADDR4" 53
}
daemon_a_stop() {
	bg_stop "$DAEMON_PID"
	DAEMON_PID=
	ns_enter "$RES_NS" xdp-loader unload "$RES_IF_CLIENT" --all \
		>/dev/null 2>&1 || :
}
# warm SERVER PORT - one pass over the hot names (the cold resolutions).
warm() {
	awk '{ print $1, $2 }' "$HIER_HOT" |
		ns_exec "$CLI_NS" dig +tries=1 +time=2 -p "$2" @"$1" -f - \
			>/dev/null 2>&1
}

# --- set up ----------------------------------------------------------------------
unbound_start "$UNBOUND_PORT" || xd_die "reference unbound did not start"
taskset -a -p -c "$SRV_CPU" "$UNBOUND_PID" >/dev/null
bg_start -n "$RES_NS" "$W/xdpdnsd-b.log" taskset -c "$SRV_CPU" \
	"$BUILD/xdpdnsd" --no-xdp --listen "$RES_ADDR4" --port "$DPORT" \
	--root-hints "$ROOT_HINTS" --unbound-config "$UNBOUND_SNIPPET" \
	--user "" --ratelimit 0 --miss-limit 0 --ratelimit-net 0 \
	--ratelimit-wide 0 --new-source-limit 0 --miss-limit-global 0 \
	--log-level warn
DAEMON_B_PID=$BG_PID
wait_udp_port "$RES_NS" "$RES_ADDR4" "$DPORT" 15 ||
	xd_die "xdpdnsd --no-xdp did not start: $(tail -n 3 "$W/xdpdnsd-b.log")"
daemon_a_start
napi_pin "$CLI_NS" "$CLI_IF" "$CLI_CPU"
warm "$RES_ADDR4" 53
warm "$RES_ADDR4" "$DPORT"
warm "$RES_ADDR4" "$UNBOUND_PORT"
NHOT=$(wc -l <"$HIER_HOT")
xd_log "set up in $((SECONDS - T0)) s; $NHOT hot names, $ROUNDS rounds x 5 targets x 2 tools x $DUR s"

# srv_pid TARGET - sets SRV_PID to the process answering for TARGET (none
# for the reflector: it is all NAPI).
srv_pid() {
	case $1 in
	a) SRV_PID=$DAEMON_PID ;;
	b) SRV_PID=$DAEMON_B_PID ;;
	c) SRV_PID=$UNBOUND_PID ;;
	e) SRV_PID=$DAEMON_PID ;;
	*) SRV_PID= ;;
	esac
}
# run_dnsperf TARGET ROUND - closed loop through the client's sockets; CPU
# 0's counters read right before it starts and right after it ends.
run_dnsperf() {
	local t=$1 r=$2 out=$W/dnsperf-$1-$2.txt c0
	srv_pid "$t"
	srv_napi_check
	cpu0_snap ${SRV_PID:+"$SRV_PID"}
	c0=$C0
	ns_exec "$CLI_NS" timeout $((DUR + 15)) taskset -c "$CLI_CPU" \
		dnsperf -s "$RES_ADDR4" -p "${PORT[$t]}" -d "$HIER_HOT" \
		-l "$DUR" -c 4 -q 128 -t 2 >"$out" 2>&1
	cpu0_snap ${SRV_PID:+"$SRV_PID"}
	cpu0_window dnsperf "$t" "$r" "$c0" "$C0"
	awk -v t="$t" -v r="$r" '
		/Queries completed:/ { done = $3 }
		/Queries per second:/ { qps = $4 }
		/Average Latency/ { lat = $4 * 1000 }
		/Run time \(s\):/ { secs = $4 }
		END { printf "dnsperf %s %s %.0f %.3f %s %s\n", t, r, qps, lat,
			done, secs }' \
		"$out" >>"$W/results.txt"
}
# run_kxdpgun TARGET ROUND - AF_XDP flood from the client link, CPU 0's
# counters read right before it starts and right after it exits. kxdpgun
# puts its own XDP program on the client veth: ours comes off first and
# back after, kxdpgun's is removed.
run_kxdpgun() {
	local t=$1 r=$2 out=$W/kxdpgun-$1-$2.txt i c0 old p
	srv_pid "$t"
	veth_xdp_peer_off "$CLI_NS" "$CLI_IF"
	old=" $(napi_threads "$CLI_IF" | tr '\n' ' ')"
	srv_napi_check
	cpu0_snap ${SRV_PID:+"$SRV_PID"}
	c0=$C0
	ns_exec "$CLI_NS" timeout $((DUR + 15)) taskset -c "$CLI_CPU" \
		kxdpgun -t "$DUR" -Q 5000000 -F "$CLI_CPU" -p "${PORT[$t]}" \
		-i "$HIER_HOT" -I "$CLI_IF" "$RES_ADDR4" >"$out" 2>&1 &
	local kpid=$!
	# kxdpgun's attachment makes a new NAPI thread on the client veth: on
	# CPU 1 as soon as it is there (polled for at most 3 s).
	for ((i = 0; i < 60; i++)); do
		sleep 0.05
		for p in $(napi_threads "$CLI_IF"); do
			[[ $old == *" $p "* ]] && continue
			napi_pin "$CLI_NS" "$CLI_IF" "$CLI_CPU"
			break 2
		done
	done
	wait "$kpid"
	cpu0_snap ${SRV_PID:+"$SRV_PID"}
	cpu0_window kxdpgun "$t" "$r" "$c0" "$C0"
	ip -n "$CLI_NS" link set dev "$CLI_IF" xdpdrv off 2>/dev/null
	veth_xdp_peer "$CLI_NS" "$CLI_IF" || :
	napi_pin "$CLI_NS" "$CLI_IF" "$CLI_CPU"
	awk -v t="$t" -v r="$r" -v secs="$DUR" '
		/^total queries:/ { gsub(/[()]/, ""); sent = $4 }
		/^total replies:/ { gsub(/[()]/, ""); n = $3; rep = $4 }
		END { printf "kxdpgun %s %s %.0f %.0f %.0f %s\n", t, r, rep, sent,
			n, secs }' \
		"$out" >>"$W/results.txt"
}
# xdp_snap - kernel counters of xdpdns: XH hit, XN no_room, XM miss +
# expired + too_big. Unreadable counters stop the benchmark: a 0 would
# report made-up shares.
xdp_snap() {
	local v m e b
	v=$(ctl stats --json | "$PY" "$XD_DIR/jsonq.py" get - \
		xdp_outcomes.hit xdp_outcomes.no_room xdp_outcomes.miss \
		xdp_outcomes.expired xdp_outcomes.too_big) ||
		xd_die "cannot read the XDP counters (xdpdnsctl stats)"
	read -r XH XN m e b <<<"$v"
	XM=$((m + e + b))
}

: >"$W/results.txt"
echo "clk_tck $CLK_TCK" >>"$W/results.txt"
for ((r = 1; r <= ROUNDS; r++)); do
	[ -n "$DAEMON_PID" ] || daemon_a_start
	xdp_snap
	h0=$XH n0=$XN m0=$XM
	run_dnsperf a "$r"
	run_kxdpgun a "$r"
	xdp_snap
	echo "xdp a $r $((XH - h0)) $((XN - n0)) $((XM - m0))" >>"$W/results.txt"
	for t in b c; do
		run_dnsperf "$t" "$r"
		run_kxdpgun "$t" "$r"
	done
	daemon_a_stop
	daemon_a_start e --afxdp --no-xdp-cache
	run_dnsperf e "$r"
	run_kxdpgun e "$r"
	daemon_a_stop
	if ! ns_enter "$RES_NS" xdp-loader load -m native "$RES_IF_CLIENT" \
		"$BUILD/reflector.bpf.o" >"$W/reflector.log" 2>&1; then
		xd_die "cannot attach the reflector: $(tail -n 2 "$W/reflector.log")"
	fi
	napi_pin "$RES_NS" "$RES_IF_CLIENT" "$SRV_CPU"
	run_dnsperf d "$r"
	run_kxdpgun d "$r"
	ns_enter "$RES_NS" xdp-loader unload "$RES_IF_CLIENT" --all \
		>/dev/null 2>&1
	xd_log "round $r done at $((SECONDS - T0)) s"
done

# --- report ----------------------------------------------------------------------
"$PY" "$XD_DIR/bench_report.py" "$W/results.txt" "$DUR" "$ROUNDS" "$NHOT" \
	"$(uname -r)" "$NCPU" >"$W/bench.txt" ||
	xd_die "bench_report.py failed on $W/results.txt"
cat "$W/bench.txt"
cp "$W/bench.txt" "$BUILD/bench.txt" 2>/dev/null &&
	xd_log "written to $BUILD/bench.txt ($((SECONDS - T0)) s)"
