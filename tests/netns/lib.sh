#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Sourceable helpers for the network-namespace tests, the demo and the
# benchmark: run-unique names, namespace and veth creation, background
# processes, one EXIT/INT/TERM/HUP trap that undoes everything in reverse
# order, port waits and the PASS/FAIL/SKIP bookkeeping with the summary line
# "N passed, N failed[, N skipped]". Safe under `set -u` and `set -e`.
# Every namespace, process and directory a run creates is removed by the trap
# (do not set your own EXIT trap: use cleanup_register); XD_KEEP=1 keeps
# temporary directories (logs) for a post-mortem.
#
# XD_PFX (xd$$) prefixes every name. Functions: xd_init (the start of
# every script), cleanup_register, netns_create, netns_delete, veth_link,
# veth_xdp_peer, veth_xdp_peer_off, link_mac, ns_exec, ns_enter, bg_start
# (sets BG_PID), bg_stop, xd_tmpdir (sets XD_TMP), wait_until,
# wait_udp_port, wait_tcp_port, wait_ports, wait_dns, ctl, grep_each,
# t_pass, t_fail, t_skip, t_check, t_summary, t_require, xd_log, xd_die.

if [ -n "${XD_LIB_LOADED:-}" ]; then
	return 0
fi
XD_LIB_LOADED=1

# Run-unique prefix: short enough that prefix + 6 chars fits IFNAMSIZ (15).
XD_PFX=${XD_PFX:-xd$$}
# XD_THREADS=N: every xdpdnsd the tests start runs --threads N (the Makefile
# runs the daemon suites once more with 1 to cover the single-thread path;
# unset, the daemon's default applies: one thread per CPU).
XD_THREADS_ARGS=()
[ -n "${XD_THREADS:-}" ] && XD_THREADS_ARGS=(--threads "$XD_THREADS")
# This directory: the scripts' Python helpers (tests/netns/*.py) live here.
XD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Debian's python3 first: a version-manager shim can cost a second per start.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
# The helpers import dnsclient.py from beside them: no __pycache__ in the tree.
export PYTHONDONTWRITEBYTECODE=1

_XD_CLEANUPS=()
_XD_NETNS=()
_XD_PIDS=()
_XD_IN_CLEANUP=0
_XD_CRIT=0
_XD_SIG=
_XD_MAIN_PID=$BASHPID
T_PASSED=0
T_FAILED=0
T_SKIPPED=0

# xd_init TAG [BUILD_DIR] - what every script does first, after sourcing
# this file (or hierarchy.sh): log as TAG, cd to this directory, and set
# SELF (the script's absolute path, for xd_private_mounts), ROOT (the source
# tree) and BUILD (BUILD_DIR, else $XDPDNS_BUILD, else build; relative to
# ROOT). XD_DIR and PY are set already.
xd_init() {
	local main=${BASH_SOURCE[${#BASH_SOURCE[@]} - 1]}
	XD_LOG_TAG=$1
	# shellcheck disable=SC2034 # for the script (xd_private_mounts)
	SELF=$(cd "$(dirname "$main")" && pwd)/$(basename "$main")
	ROOT=$(cd "$XD_DIR/../.." && pwd)
	BUILD=${2:-${XDPDNS_BUILD:-build}}
	case $BUILD in
	/*) ;;
	*) BUILD=$ROOT/$BUILD ;;
	esac
	cd "$XD_DIR" || xd_die "cannot cd to $XD_DIR"
}

# Printed to stderr so test output stays a clean list of PASS/FAIL lines.
xd_log() {
	echo "${XD_LOG_TAG:-netns}: $*" >&2
}

xd_die() {
	xd_log "$*"
	exit 1
}

# cleanup_register CMD... - run CMD (one shell word list, eval'ed) on exit.
# Cleanups run in reverse order of registration.
cleanup_register() {
	_XD_CLEANUPS+=("$*")
}

_xd_pid_tracked() {
	local p
	for p in "${_XD_PIDS[@]}"; do
		[ "$p" = "$1" ] && return 0
	done
	return 1
}

_xd_pid_untrack() {
	local p keep=()
	for p in "${_XD_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	_XD_PIDS=("${keep[@]}")
}

# _xd_kill_wait PID... - TERM all, wait up to ~3 s, then KILL. Only for PIDs
# we started.
_xd_kill_wait() {
	local pid i live
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null
	for ((i = 0; i < 60; i++)); do
		live=0
		for pid in "$@"; do
			kill -0 "$pid" 2>/dev/null && live=1
		done
		[ "$live" = 0 ] && break
		sleep 0.05
	done
	for pid in "$@"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 0
}

# bg_stop PID... - stop processes started with bg_start (in parallel); later
# cleanup skips them. PIDs not started by bg_start are ignored.
bg_stop() {
	local pid mine=()
	for pid in "$@"; do
		_xd_pid_tracked "$pid" || continue
		_xd_pid_untrack "$pid"
		mine+=("$pid")
	done
	_xd_kill_wait "${mine[@]}"
}

_xd_cleanup() {
	local i rc=$? ns pid
	# A child forked for a background job runs our traps if a signal
	# arrives before it execs: it must not clean up the parent's world.
	[ "$BASHPID" = "$_XD_MAIN_PID" ] || exit "$rc"
	[ "$_XD_IN_CLEANUP" = 1 ] && return "$rc"
	_XD_IN_CLEANUP=1
	set +e
	for ((i = ${#_XD_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${_XD_CLEANUPS[$i]}" >/dev/null 2>&1
	done
	_XD_CLEANUPS=()
	_xd_kill_wait "${_XD_PIDS[@]}"
	_XD_PIDS=()
	for ((i = ${#_XD_NETNS[@]} - 1; i >= 0; i--)); do
		ns=${_XD_NETNS[$i]}
		# Children of our processes (e.g. NSD's workers) may still live in
		# a namespace we created; it is ours, so are they.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	_XD_NETNS=()
	return "$rc"
}

# _xd_signal STATUS - INT/TERM/HUP: clean up and exit, unless we are between
# creating something and registering it (_XD_CRIT=1): then do it right after.
_xd_signal() {
	if [ "$_XD_CRIT" = 1 ]; then
		_XD_SIG=$1
		return 0
	fi
	_xd_cleanup
	trap - EXIT
	exit "$1"
}

_xd_crit_end() {
	_XD_CRIT=0
	[ -z "$_XD_SIG" ] || _xd_signal "$_XD_SIG"
}

trap '_xd_cleanup' EXIT
trap '_xd_signal 130' INT
trap '_xd_signal 143' TERM
trap '_xd_signal 129' HUP

# xd_tmpdir - create a temporary directory removed on exit; sets XD_TMP.
xd_tmpdir() {
	_XD_CRIT=1
	XD_TMP=$(mktemp -d "${TMPDIR:-/tmp}/xdpdns.XXXXXX") ||
		xd_die "cannot create a temporary directory"
	if [ "${XD_KEEP:-0}" = 1 ]; then
		xd_log "XD_KEEP=1: $XD_TMP stays after the run"
	else
		cleanup_register "rm -rf -- '$XD_TMP'"
	fi
	_xd_crit_end
}

# netns_create NAME - new namespace with lo up, IPv6 DAD off, no routes.
# The caller picks NAME; use "${XD_PFX}something" so parallel runs differ.
netns_create() {
	local ns=$1
	_XD_CRIT=1
	ip netns add "$ns" || xd_die "cannot create namespace $ns"
	_XD_NETNS+=("$ns")
	_xd_crit_end
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
}

# netns_delete NAME - delete one namespace created by netns_create early.
netns_delete() {
	local ns=$1 keep=() n pid
	for pid in $(ip netns pids "$ns" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	ip netns del "$ns" 2>/dev/null || true
	for n in "${_XD_NETNS[@]}"; do
		[ "$n" = "$ns" ] || keep+=("$n")
	done
	_XD_NETNS=("${keep[@]}")
}

# _xd_addrs NS IF LIST - add comma-separated ADDR/LEN (v4 or v6) to IF, all
# in one ip process (process creation dominates set-up time).
_xd_addrs() {
	local ns=$1 dev=$2 a batch=""
	local IFS=,
	for a in $3; do
		case $a in
		"") ;;
		*:*) batch+="addr add $a dev $dev nodad"$'\n' ;;
		*) batch+="addr add $a dev $dev"$'\n' ;;
		esac
	done
	[ -n "$batch" ] || return 0
	ip -n "$ns" -batch - <<<"$batch" ||
		xd_die "cannot add addresses to $dev in $ns: $3"
}

# veth_link NS1 IF1 ADDRS1 NS2 IF2 ADDRS2 - a veth pair between two namespaces,
# created inside them (never in the caller's namespace), both ends up.
# ADDRS are comma-separated ADDR/LEN, IPv4 and/or IPv6, may be empty.
veth_link() {
	local ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6
	if [ ${#if1} -gt 15 ] || [ ${#if2} -gt 15 ]; then
		xd_die "interface name too long: $if1 / $if2"
	fi
	ip -n "$ns1" link add name "$if1" type veth peer name "$if2" \
		netns "$ns2" ||
		xd_die "cannot create veth $if1 ($ns1) <-> $if2 ($ns2)"
	_xd_addrs "$ns1" "$if1" "$a1"
	_xd_addrs "$ns2" "$if2" "$a2"
	ip -n "$ns1" link set "$if1" up
	ip -n "$ns2" link set "$if2" up
}

# _xd_pass_obj - sets XD_PASS_OBJ to the build's XDP_PASS program
# (bpf/pass.bpf.c, built by make as BUILD/pass.bpf.o; BUILD from
# XDPDNS_BUILD or BUILD). Call it directly, not in $(...).
_xd_pass_obj() {
	local obj=${XDPDNS_BUILD:-${BUILD:-build}}/pass.bpf.o
	[ -f "$obj" ] || return 1
	XD_PASS_OBJ=$obj
}

# veth_xdp_peer NS IF - make IF, the veth peer of an interface that runs an
# XDP program answering with XDP_TX, behave like a real link partner:
#  - an XDP_PASS program goes on IF: veth moves XDP_TX frames to the peer's
#    XDP ring and only kicks the peer's NAPI when the peer has a program
#    (GRO alone enables the ring but leaves frames waiting; Linux 6.18);
#  - TX checksum offload goes off: otherwise the frames the program sees
#    carry CHECKSUM_PARTIAL seeds, and replies derived from them fail the
#    client's UDP checksum check (UdpInCsumErrors).
# Tools that attach their own XDP program to IF (kxdpgun, AF_XDP) must call
# veth_xdp_peer_off first. Returns 1 (with a warning) when either failed.
veth_xdp_peer() {
	local ns=$1 dev=$2 rc=0
	if ! ip netns exec "$ns" ethtool -K "$dev" tx off >/dev/null 2>&1; then
		xd_log "cannot turn TX checksum offload off on $dev (ethtool)"
		rc=1
	fi
	if _xd_pass_obj && ip -n "$ns" link set dev "$dev" xdpdrv \
		obj "$XD_PASS_OBJ" sec xdp 2>/dev/null; then
		return "$rc"
	fi
	xd_log "cannot attach XDP_PASS to $dev; XDP_TX replies may stall"
	ip netns exec "$ns" ethtool -K "$dev" gro on >/dev/null 2>&1
	return 1
}

# veth_xdp_peer_off NS IF - remove the XDP_PASS program veth_xdp_peer put on
# IF (before a tool attaches its own).
veth_xdp_peer_off() {
	ip -n "$1" link set dev "$2" xdpdrv off 2>/dev/null || true
}

# link_mac NS IF - print the MAC address of IF.
link_mac() {
	ip netns exec "$1" cat "/sys/class/net/$2/address"
}

# ns_exec NS CMD... - run CMD in NS (ip netns exec: private /sys, no bpffs).
ns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# ns_enter NS CMD... - run CMD in NS's network namespace only, keeping the
# caller's mounts (so /sys/fs/bpf pins are shared with the root view).
ns_enter() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# bg_start [-n] NS LOGFILE CMD... - start CMD in the background inside NS
# (empty NS: the current namespace), stdout+stderr to LOGFILE, stdin from
# /dev/null. -n enters only the network namespace (nsenter), keeping bpffs.
# Sets BG_PID; the process is stopped on exit (or earlier with bg_stop).
bg_start() {
	local how=exec
	if [ "${1:-}" = "-n" ]; then
		how=enter
		shift
	fi
	local ns=$1 log=$2
	shift 2
	local pre=()
	if [ -n "$ns" ] && [ "$how" = enter ]; then
		pre=(nsenter --net="/run/netns/$ns")
	elif [ -n "$ns" ]; then
		pre=(ip netns exec "$ns")
	fi
	_XD_CRIT=1
	(
		trap - EXIT INT TERM HUP
		exec "${pre[@]}" "$@" >"$log" 2>&1 </dev/null
	) &
	BG_PID=$!
	_XD_PIDS+=("$BG_PID")
	cleanup_register "bg_stop $BG_PID"
	_xd_crit_end
}

# wait_until TIMEOUT CMD... - 0 as soon as CMD succeeds, polled every 0.05 s;
# 1 when it still fails after TIMEOUT (whole) seconds. CMD runs at least
# once. For waits on a condition; a sleep is only for time that must pass.
wait_until() {
	local end=$((${EPOCHREALTIME/[.,]/} + $1 * 1000000))
	shift
	until "$@"; do
		[ "${EPOCHREALTIME/[.,]/}" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# _xd_ports_missing NS PROTO PORT ADDR... - print the ADDRs (canonical, as ss
# prints them) that have no listening socket at PORT, wildcard binds count.
# PROTO is u or t.
_xd_ports_missing() {
	local ns=$1 proto=$2 port=$3
	shift 3
	ip netns exec "$ns" ss -Hln"$proto" 2>/dev/null |
		awk -v p="$port" -v want="$*" '
		{ sub(/%[A-Za-z0-9_.-]*/, "", $4); up[$4] = 1 }
		END {
			if (up["0.0.0.0:" p] || up["*:" p]) any4 = 1
			if (up["[::]:" p] || up["*:" p]) any6 = 1
			n = split(want, w, " ")
			for (i = 1; i <= n; i++) {
				a = w[i]
				if (a ~ /:/) { if (any6 || up["[" a "]:" p]) continue }
				else if (any4 || up[a ":" p]) continue
				print a
			}
		}'
}

# _xd_wait_ports PROTO NS PORT TIMEOUT ADDR...
_xd_wait_ports() {
	local proto=$1 ns=$2 port=$3 t=$4 end
	shift 4
	end=$((SECONDS + t))
	while :; do
		[ -z "$(_xd_ports_missing "$ns" "$proto" "$port" "$@")" ] &&
			return 0
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# wait_udp_port NS ADDR PORT [TIMEOUT=5] - 0 once a UDP socket listens on
# ADDR:PORT (or the wildcard); 1 after TIMEOUT seconds. ADDR in canonical
# form (2001:db8::1, not 2001:db8:0::1).
wait_udp_port() {
	_xd_wait_ports u "$1" "$3" "${4:-5}" "$2"
}

# wait_tcp_port NS ADDR PORT [TIMEOUT=5] - same for a listening TCP socket.
wait_tcp_port() {
	_xd_wait_ports t "$1" "$3" "${4:-5}" "$2"
}

# wait_ports NS PORT TIMEOUT ADDR... - UDP and TCP listening on every ADDR.
wait_ports() {
	local ns=$1 port=$2 t=$3
	shift 3
	_xd_wait_ports u "$ns" "$port" "$t" "$@" &&
		_xd_wait_ports t "$ns" "$port" "$t" "$@"
}

# wait_dns NS SERVER PORT QNAME [TIMEOUT=5] - 0 once SERVER answers QNAME with
# any rcode other than SERVFAIL (recursion works end to end).
wait_dns() {
	local ns=$1 srv=$2 port=$3 name=$4 t=${5:-5} end st
	end=$((SECONDS + t))
	while :; do
		st=$(ip netns exec "$ns" dig +tries=1 +time=1 +noall +comments \
			-p "$port" @"$srv" "$name" 2>/dev/null |
			sed -n 's/.*status: \([A-Z]*\),.*/\1/p' || :)
		case $st in
		"" | SERVFAIL | REFUSED) ;;
		*) return 0 ;;
		esac
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# ctl ARGS... - the built xdpdnsctl on the test's pins (BUILD, PIN).
ctl() {
	"$BUILD/xdpdnsctl" --pin-dir "$PIN" "$@"
}

# grep_each FILE STRING... - 0 when every STRING occurs in FILE (each one,
# unlike grep -c with several -e, which three lines of one also satisfy).
grep_each() {
	local f=$1 p
	shift
	for p in "$@"; do
		grep -qF -- "$p" "$f" || return 1
	done
}

# t_pass MSG / t_fail MSG / t_skip MSG - record and print one result.
t_pass() {
	T_PASSED=$((T_PASSED + 1))
	echo "PASS: $*"
}

t_fail() {
	T_FAILED=$((T_FAILED + 1))
	echo "FAIL: $*"
}

t_skip() {
	T_SKIPPED=$((T_SKIPPED + 1))
	echo "SKIP: $*"
}

# t_check MSG CMD... - PASS when CMD succeeds, FAIL otherwise.
t_check() {
	local msg=$1
	shift
	if "$@"; then
		t_pass "$msg"
	else
		t_fail "$msg"
	fi
}

# t_summary - print "N passed, N failed[, N skipped]"; non-zero if any failed.
# t_need_bins DIR BIN... - skip the whole test (summary, exit 0) when a
# binary it drives has not been built in DIR.
t_need_bins() {
	local dir=$1 bin
	shift
	for bin in "$@"; do
		if [ ! -x "$dir/$bin" ]; then
			t_skip "no $dir/$bin: build it first"
			t_summary
			exit 0
		fi
	done
}

# xd_private_mounts [LIMIT] -- SCRIPT ARGS... - re-run SCRIPT once in a
# private mount namespace, so a bpffs it mounts cannot outlive it; with
# LIMIT, under a hard time limit of LIMIT seconds (on expiry the TERM runs
# the normal cleanup). Returns in the re-run copy.
xd_private_mounts() {
	local limit=
	[ "$1" = -- ] || limit=$1
	shift
	[ "$1" = -- ] && shift
	[ -n "${XD_PRIVATE_MNT:-}" ] && return 0
	trap - EXIT INT TERM HUP
	if [ -n "$limit" ]; then
		exec env XD_PRIVATE_MNT=1 timeout -k 15 "$limit" \
			unshare -m --propagation private bash "$@"
	fi
	exec env XD_PRIVATE_MNT=1 unshare -m --propagation private bash "$@"
}

# t_abort MSG - one failed check, the summary and exit: for setup the rest of
# a test cannot do without.
t_abort() {
	t_fail "$*"
	t_summary
	exit 1
}

t_summary() {
	local line="$T_PASSED passed, $T_FAILED failed"
	[ "$T_SKIPPED" -gt 0 ] && line+=", $T_SKIPPED skipped"
	echo "$line"
	[ "$T_FAILED" -eq 0 ]
}

# t_require CMD... - SKIP the whole test (exit 0) when not root or
# a needed command is missing.
t_require() {
	local c
	if [ "$(id -u)" -ne 0 ]; then
		t_skip "needs root"
		t_summary
		exit 0
	fi
	for c in ip "$@"; do
		if ! command -v "$c" >/dev/null; then
			t_skip "needs $c"
			t_summary
			exit 0
		fi
	done
}
