#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Random-subdomain floods in frame shapes the XDP program cannot serve but the
# kernel still delivers (issue "flood control that holds", item 2: one odd
# byte bypassed every limit): one byte after the UDP datagram (IPv4 and
# IPv6), IPv4 options, IPv4 fragments, an IPv6 destination-options header;
# and the same flood pipelined over TCP, which XDP never limits and the
# daemon limits itself (the excess REFUSED).
# For each shape, from its own source, while a second client asks cached
# names: the flooder gets no more answers than its miss budget lets reach the
# daemon (recursion sees no more), XDP counts the frames under their parse
# reason and drops the rest by its limits, the second client keeps >= 99%
# answered, and right after the flood new names of the attacked zone still
# resolve. Every sender is bounded in count and time. Only 198.18.0.0/15 and
# 2001:db8::/32, inside namespaces the test creates.
# Prints PASS/FAIL lines and "N passed, N failed".
# Usage: test_malformed.sh [BUILD_DIR]
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init malformed "${1:-}"
LIMIT=${TEST_MALFORMED_LIMIT:-240}

t_require nsd dig python3 unshare nsenter xdp-loader timeout
hier_up_xdpdnsd "$LIMIT"

# Query bucket 200/s (burst 400), miss budget 20/s (burst 80), no slip: what
# reaches the daemon from a flooder is at most 80 + 20/s.
bg_start -n "$RES_NS" "$W/xdpdnsd.log" "$BUILD/xdpdnsd" \
	--interface "$RES_IF_CLIENT" --listen "$RES_ADDR4" \
	--listen "$RES_ADDR6" --pin-dir "$PIN" --root-hints "$ROOT_HINTS" \
	--unbound-config "$UNBOUND_SNIPPET" --ratelimit 200 \
	--ratelimit-burst 400 --miss-limit 20 --slip 0
wait_ports "$RES_NS" 53 15 "$RES_ADDR4" &&
	wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 15 ||
	t_abort "xdpdnsd up (log: $(tail -n 3 "$W/xdpdnsd.log" | tr '\n' ' '))"

load() { # ARGS... of dnsload.py, in the client namespace
	ns_exec "$CLI_NS" "$PY" "$XD_DIR/dnsload.py" "$@"
}
odd() { # ARGS... of oddflood.py, in the client namespace
	ns_exec "$CLI_NS" "$PY" "$XD_DIR/oddflood.py" "$@"
}
snap() { # FILE: the XDP counters now
	ctl stats --json >"$1" || t_abort "xdpdnsctl stats failed"
}
delta() { # VAR BEFORE AFTER COUNTER
	local a b
	a=$("$PY" "$XD_DIR/jsonq.py" get "$2" "xdp_outcomes.$4") &&
		b=$("$PY" "$XD_DIR/jsonq.py" get "$3" "xdp_outcomes.$4") ||
		t_abort "no counter $4 in $2 or $3"
	printf -v "$1" %d $((b - a))
}
ratio_ok() { # GOOD TOTAL: GOOD >= 99% of TOTAL, TOTAL > 0
	[ "$2" -gt 0 ] && [ $(($1 * 100)) -ge $(($2 * 99)) ]
}

# The second client's names, cached before the floods.
hier_names addr A | awk '$5 >= 3600 { print $1, $2 }' >"$W/addr.txt"
head -n 50 "$W/addr.txt" >"$W/hot50.txt"
for _ in 1 2 3 4 5 6; do cat "$W/hot50.txt"; done >"$W/hot300.txt"
read -r _ _ warm _ <<<"$(load ask "$CLI_ADDR4" "$RES_ADDR4" "$W/hot50.txt" 100 3)"
t_check "50 hot names resolved before the floods ($warm)" test "$warm" -eq 50

# shape, source, service address, zone, the XDP counter its frames go up by
read -r S1 S2 S3 _ <<<"$CLI_EXTRA4"
read -r S4 S5 _ <<<"$CLI_EXTRA6"
CASES=(
	"pad4 $S1 $RES_ADDR4 z011.test trunc_udp"
	"opt4 $S2 $RES_ADDR4 z012.test ipv4_options"
	"frag4 $S3 $RES_ADDR4 z013.test ipv4_frag"
	"pad6 $S4 $RES_ADDR6 z014.test trunc_udp"
	"dstopt6 $S5 $RES_ADDR6 z015.test ipv6_ext"
	"tcp4 $S3 $RES_ADDR4 z016.test -"
)
SECS=3
PPS=1000
for c in "${CASES[@]}"; do
	read -r shape src dst zone reason <<<"$c"
	hier_names addr A | awk -v z=".$zone." '$5 >= 3600 && index($1, z) { print $1, $2 }' |
		head -n 10 >"$W/after-$shape.txt"
	snap "$W/b-$shape.json"
	bg_start "$CLI_NS" "$W/odd-$shape.out" "$PY" "$XD_DIR/oddflood.py" \
		"$shape" "$src" "$dst" $((SECS * PPS)) "$SECS" "$PPS" "$zone"
	FPID=$BG_PID
	read -r LN _ LA _ <<<"$(load ask "$CLI_ADDR4" "$RES_ADDR4" "$W/hot300.txt" 100 2)"
	wait "$FPID"
	_xd_pid_untrack "$FPID"
	read -r FS FT FR FREF <"$W/odd-$shape.out"
	snap "$W/a-$shape.json"
	UP=0 RLD=0 MD=0
	if [ "$reason" != - ]; then
		delta UP "$W/b-$shape.json" "$W/a-$shape.json" "$reason"
		delta RLD "$W/b-$shape.json" "$W/a-$shape.json" rl_dropped
		delta MD "$W/b-$shape.json" "$W/a-$shape.json" miss_dropped
	fi
	BUDGET=$("$PY" -c "print(int(80 + 20 * $FT + 1))")
	read -r AN _ AA _ <<<"$(load ask "$CLI_ADDR4" "$RES_ADDR4" "$W/after-$shape.txt" 20 5)"
	echo "  $shape from $src: sent $FS in ${FT}s, $FR answers (budget $BUDGET);" \
		"XDP: $reason +$UP, rl_dropped +$RLD, miss_dropped +$MD;" \
		"${FREF:+REFUSED by the daemon $FREF; }second client $LA/$LN;" \
		"after: $AA/$AN new names of $zone"
	t_check "$shape: the flooder's answers stay within its miss budget ($FR <= $BUDGET, sent $FS)" \
		test "$FS" -ge $((SECS * PPS / 2)) -a "$FR" -le "$BUDGET"
	if [ "$reason" != - ]; then
		t_check "$shape: XDP counted the frames as $reason and dropped the excess ($UP, $RLD + $MD)" \
			test "$UP" -gt 0 -a $((RLD + MD)) -gt $((FS / 2))
	else
		t_check "$shape: the daemon's own limits answered the excess REFUSED ($FREF of $FS)" \
			test $((FR + FREF)) -eq "$FS" -a "$FREF" -gt $((FS / 2))
	fi
	t_check "$shape: the second client keeps >= 99% answered ($LA/$LN)" \
		ratio_ok "$LA" "$LN"
	t_check "$shape: new names in $zone resolve right after ($AA/$AN)" \
		test "$AN" -eq 10 -a "$AA" -eq 10
done

t_summary
