#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# What keeps xdpdns observable and answering while someone leans on it
# (issue "flood control that holds"): with 1,100 TCP connections held open
# against the daemon, so that its descriptors go past select()'s 1,024,
# /metrics and /health still answer and a fresh query is still resolved.
# Runs in a private mount namespace with its own bpffs for the pins, under
# an overall time limit. Prints PASS/FAIL lines and "N passed, N failed".
# Usage: test_hardening.sh [BUILD_DIR]
set -u
cd "$(dirname "$0")" || exit 1
SELF=$PWD/$(basename "$0")
ROOT=$(cd ../.. && pwd)
BUILD=${1:-${XDPDNS_BUILD:-build}}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
LIMIT=${TEST_HARDENING_LIMIT:-180}

# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. ./hierarchy.sh
XD_LOG_TAG=hardening

t_require nsd dig python3 curl unshare nsenter xdp-loader timeout
t_need_bins "$BUILD" xdpdnsd xdpdnsctl
xd_private_mounts "$LIMIT" -- "$SELF" "$BUILD"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
HIER_CLIENTS=1
hier_up_pinned "${XD_WORKDIR:-}" || t_abort "hierarchy bring-up"
W=$HIER_DIR
cleanup_register "ns_enter '$RES_NS' xdp-loader unload '$RES_IF_CLIENT' --all"
MPORT=9153
HOLD=1100

bg_start -n "$RES_NS" "$W/xdpdnsd.log" "$BUILD/xdpdnsd" \
	--interface "$RES_IF_CLIENT" --listen "$RES_ADDR4" --pin-dir "$PIN" \
	--metrics "127.0.0.1:$MPORT" --root-hints "$ROOT_HINTS" \
	--unbound-config "$UNBOUND_SNIPPET" --ratelimit 0 --miss-limit 0 \
	--tcp-max-conns 2000 --tcp-idle-timeout 120
DAEMON=$BG_PID
wait_ports "$RES_NS" 53 15 "$RES_ADDR4" &&
	wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 15 ||
	t_abort "xdpdnsd up (log: $(tail -n 3 "$W/xdpdnsd.log" | tr '\n' ' '))"

# --- 1. descriptors past FD_SETSIZE -------------------------------------------
mkfifo "$W/hold.in"
bg_start "$CLI_NS" "$W/hold.log" sh -c \
	"exec '$PY' '$PWD/hold_tcp.py' '$RES_ADDR4' 53 $HOLD 60 <'$W/hold.in'"
HOLDER=$BG_PID
exec 7>"$W/hold.in" # keeps the holder's stdin open until we close it
for _ in $(seq 300); do
	grep -q '^open ' "$W/hold.log" && break
	sleep 0.1
done
got=$(sed -n 's/^open //p' "$W/hold.log")
t_check "an allowed client holds ${got:-0} of $HOLD TCP connections" \
	test "${got:-0}" -eq "$HOLD"
conns=$(ns_enter "$RES_NS" curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics" |
	awk '$1 == "xdpdns_tcp_connections" { print $2 }')
t_check "/metrics answers with $HOLD connections open (xdpdns_tcp_connections ${conns:-none})" \
	test "${conns:-0}" -ge "$HOLD"
code=$(ns_enter "$RES_NS" curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
	"http://127.0.0.1:$MPORT/health")
t_check "/health answers too (HTTP ${code:-none})" test "$code" = 200
hier_query "$CLI_NS" "$RES_ADDR4" 53 "host1.z003.test." A
t_check "a new name is still resolved over UDP ($Q_RCODE)" \
	test "$Q_RCODE" = NOERROR
exec 7>&-
bg_stop "$HOLDER"

t_summary
[ "$T_FAILED" -eq 0 ]
