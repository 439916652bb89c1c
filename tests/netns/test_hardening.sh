#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# What keeps xdpdns observable and answering while someone leans on it
# (issue "flood control that holds"): with 1,100 TCP connections held open
# against the daemon, so that its descriptors go past select()'s 1,024,
# /metrics and /health still answer and a fresh query is still resolved;
# TCP from outside the ACL is closed at accept; one address gets at most
# --tcp-max-conns-per-client connections while another client's TCP query
# is answered; with every slot held idle, a new connection takes the slot
# of the longest idle one; a client that trickles a byte at a time is
# closed after --tcp-idle-timeout; --edns-size above what the link's MTU carries is
# capped, in the daemon's answers and in XDP's; 64 connections that send
# queries and never read cost the daemon a bounded amount of memory while
# another client's TC=1 -> TCP retry is answered.
# Runs in a private mount namespace with its own bpffs for the pins, under
# an overall time limit. Prints PASS/FAIL lines and "N passed, N failed".
# Usage: test_hardening.sh [BUILD_DIR]
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init hardening "${1:-}"
LIMIT=${TEST_HARDENING_LIMIT:-180}

t_require nsd dig python3 curl unshare nsenter xdp-loader timeout
hier_up_xdpdnsd "$LIMIT"
HOLD=1100

bg_start -n "$RES_NS" "$W/xdpdnsd.log" "$BUILD/xdpdnsd" \
	--interface "$RES_IF_CLIENT" --listen "$RES_ADDR4" --pin-dir "$PIN" \
	--metrics "127.0.0.1:$MPORT" --root-hints "$ROOT_HINTS" \
	--unbound-config "$UNBOUND_SNIPPET" --ratelimit 0 --miss-limit 0 \
	--tcp-max-conns 2000 --tcp-max-conns-per-client 2000 \
	--tcp-idle-timeout 120
DAEMON=$BG_PID
wait_ports "$RES_NS" 53 15 "$RES_ADDR4" &&
	wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 15 ||
	t_abort "xdpdnsd up (log: $(tail -n 3 "$W/xdpdnsd.log" | tr '\n' ' '))"

# --- 1. descriptors past FD_SETSIZE -------------------------------------------
mkfifo "$W/hold.in"
bg_start "$CLI_NS" "$W/hold.log" sh -c \
	"exec '$PY' '$XD_DIR/hold_tcp.py' '$RES_ADDR4' 53 $HOLD 60 <'$W/hold.in'"
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

# --- 1b. clients that send and never read -------------------------------------
# 64 connections from one address pipeline queries for a 700-byte answer
# the daemon has in its own cache (answered at once, without a pending
# resolution) and never read (4 KiB receive buffers): the daemon stops
# taking queries from a connection once its write queue holds
# LISTEN_TCP_WQ_MAX (256 KiB), so its memory grows by at most about that,
# plus one read buffer, per connection, while another client's TC=1 -> TCP
# retry is answered.
rss() { # the daemon child's resident set, KiB
	local kid
	kid=$(cat "/proc/$DAEMON/task/$DAEMON/children" 2>/dev/null)
	kid=${kid%% *}
	awk '/^VmRSS:/ { print $2 }' "/proc/${kid:-0}/status" 2>/dev/null
}
hier_query "$CLI_NS" "$RES_ADDR4" 53 +tcp mid.z000.test. A
NREAD=64
rss0=$(rss)
bg_start "$CLI_NS" "$W/noread.log" "$PY" "$XD_DIR/hold_tcp.py" "$RES_ADDR4" 53 \
	$NREAD 8 --bind "${CLI_EXTRA4%% *}" --pipeline mid.z000.test./A --count 20000
NOREAD=$BG_PID
wait_until 10 grep -q '^sent ' "$W/noread.log"
peak=${rss0:-0}
for _ in $(seq 20); do # 2 s of samples while they hold
	r=$(rss)
	[ "${r:-0}" -gt "$peak" ] && peak=$r
	sleep 0.1
done
hier_query "$CLI_NS" "$RES_ADDR4" 53 -b "$CLI_ADDR4" big.z000.test. TXT
tcp_retry=$(grep -c "Truncated, retrying in TCP mode" <<<"$Q_OUT")
code=$(ns_enter "$RES_NS" curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
	"http://127.0.0.1:$MPORT/metrics")
bound=$((NREAD * (256 + 64 + 8) + 8192)) # KiB: queue + read buffer + slack
grow=$((peak - ${rss0:-0}))
t_check "$NREAD never-reading connections ($(sed -n 's/^sent //p' "$W/noread.log") queries sent): the daemon's RSS grew ${grow} KiB (from ${rss0:-?}), bound ${bound}" \
	test -n "$rss0" -a "$grow" -le "$bound"
t_check "meanwhile an allowed client's UDP query got TC=1 and its TCP retry the answer ($Q_RCODE, ${tcp_retry} retry)" \
	test "$Q_RCODE" = NOERROR -a "$tcp_retry" = 1 -a \
	"$(grep -c '^big\.z000\.test\..*IN	TXT' <<<"$Q_OUT")" = 1
t_check "and /metrics answered (HTTP ${code:-none})" test "$code" = 200
bg_stop "$NOREAD"
bg_stop "$DAEMON"

# --- 2. TCP limits with the defaults -------------------------------------------
# One IPv4 and one IPv6 client allowed; the other client addresses are
# outsiders.
OUTSIDER=${CLI_EXTRA4%% *}
bg_start -n "$RES_NS" "$W/xdpdnsd-2.log" "$BUILD/xdpdnsd" \
	--interface "$RES_IF_CLIENT" --listen "$RES_ADDR4" --listen "$RES_ADDR6" \
	--pin-dir "$PIN" --metrics "127.0.0.1:$MPORT" --root-hints "$ROOT_HINTS" \
	--unbound-config "$UNBOUND_SNIPPET" --ratelimit 0 --miss-limit 0 \
	--allow "$CLI_ADDR4/32" --allow "$CLI_ADDR6/128" --tcp-idle-timeout 3 \
	--tcp-max-conns 40
DAEMON=$BG_PID
wait_ports "$RES_NS" 53 15 "$RES_ADDR4" "$RES_ADDR6" &&
	wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 15 ||
	t_abort "xdpdnsd up (log: $(tail -n 3 "$W/xdpdnsd-2.log" | tr '\n' ' '))"
# hold NAME ARGS...: hold_tcp.py in the client namespace for 8 s, output
# in $W/NAME.log; waits until it is done.
hold() {
	local name=$1
	shift
	ns_exec "$CLI_NS" timeout 30 "$PY" "$XD_DIR/hold_tcp.py" "$@" \
		</dev/null >"$W/$name.log" 2>&1
}

# XDP drops an outsider's SYNs by the ACL: no connection ever opens, and
# the daemon (whose accept() would also close it) never sees one.
acl0=$(ctl stats --json | "$PY" "$XD_DIR/jsonq.py" get - xdp_outcomes.acl_dropped)
hold outsider "$RES_ADDR4" 53 200 4 --bind "$OUTSIDER"
acl1=$(ctl stats --json | "$PY" "$XD_DIR/jsonq.py" get - xdp_outcomes.acl_dropped)
conns=$(hier_metric xdpdns_tcp_connections)
refused=$(hier_metric 'xdpdns_tcp_refused_total{reason="acl"}')
t_check "an outsider ($OUTSIDER) trying TCP: $(sed -n 's/^open/opened/p' "$W/outsider.log"), its SYNs dropped by XDP (acl_dropped +$((acl1 - acl0))), the daemon saw ${refused}" \
	test "$(sed -n 's/^open //p' "$W/outsider.log")" = 0 -a \
	$((acl1 - acl0)) -ge 1 -a "$conns" = 0 -a "$refused" = 0

hold many "$RES_ADDR4" 53 100 6 &
MPID=$!
sleep 2
conns=$(hier_metric xdpdns_tcp_connections)
lim=$(hier_metric 'xdpdns_tcp_refused_total{reason="limit"}')
hier_query "$CLI_NS" "$RES_ADDR6" 53 -b "$CLI_ADDR6" +tcp www.z001.test. A
wait "$MPID"
t_check "one address opening 100 TCP connections keeps ${conns} (per-client cap 32), ${lim} refused" \
	test "$conns" = 32 -a "${lim:-0}" -ge 68
t_check "meanwhile another client's TCP query is answered ($Q_RCODE)" \
	test "$Q_RCODE" = NOERROR

# All 40 slots held by idle connections of allowed clients: a new one takes
# the slot of the connection idle the longest (RFC 7766 6.2.3), so a TC=1
# client's retry is not kept out.
hold idle4 "$RES_ADDR4" 53 32 6 &
I4=$!
hold idle6 "$RES_ADDR6" 53 8 6 --bind "$CLI_ADDR6" &
I6=$!
full() { [ "$(hier_metric xdpdns_tcp_connections)" = 40 ]; }
wait_until 5 full
sleep 1.2 # older than the 1 s a new connection is left to send its query
ev0=$(hier_metric xdpdns_tcp_evicted_total)
hier_query "$CLI_NS" "$RES_ADDR6" 53 -b "$CLI_ADDR6" +tcp www.z002.test. A
ev1=$(hier_metric xdpdns_tcp_evicted_total)
wait "$I4" "$I6"
t_check "all 40 slots held idle: a new TCP query is answered ($Q_RCODE), the longest-idle connection closed for it (evicted ${ev0} -> ${ev1})" \
	test "$Q_RCODE" = NOERROR -a "$ev0" = 0 -a "$ev1" = 1

hold trickle "$RES_ADDR4" 53 5 8 --trickle 1
t_check "5 connections trickling a byte a second: $(tr '\n' ' ' <"$W/trickle.log")after 8 s (idle timeout 3 s)" \
	test "$(sed -n 's/^alive //p' "$W/trickle.log")" = 0 -a \
	"$(sed -n 's/^open //p' "$W/trickle.log")" = 5
bg_stop "$DAEMON"

# --- 3. --edns-size against the MTU ----------------------------------------------
ip -n "$RES_NS" link set dev "$RES_IF_CLIENT" mtu 1300
ip -n "$CLI_NS" link set dev "$CLI_IF" mtu 1300
bg_start -n "$RES_NS" "$W/xdpdnsd-3.log" "$BUILD/xdpdnsd" \
	--interface "$RES_IF_CLIENT" --listen "$RES_ADDR4" --pin-dir "$PIN" \
	--root-hints "$ROOT_HINTS" --unbound-config "$UNBOUND_SNIPPET" \
	--ratelimit 0 --miss-limit 0 --edns-size 1400
DAEMON=$BG_PID
wait_ports "$RES_NS" 53 15 "$RES_ADDR4" &&
	wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 15 ||
	t_abort "xdpdnsd up (log: $(tail -n 3 "$W/xdpdnsd-3.log" | tr '\n' ' '))"
t_check "--edns-size 1400 on a 1300-byte MTU: capped to 1252 with a warning" \
	grep -q "edns-size 1400 does not fit the MTU 1300 of $RES_IF_CLIENT: using 1252" \
	"$W/xdpdnsd-3.log"
for pass in daemon XDP; do
	h0=$(hier_hits)
	hier_query "$CLI_NS" "$RES_ADDR4" 53 +bufsize=4096 host2.z004.test. A
	h1=$(hier_hits)
	d=unreadable
	[[ "$h0 $h1" =~ ^[0-9]+\ [0-9]+$ ]] && d=$((h1 - h0))
	t_check "answer from the $pass (XDP hits +$d) advertises $(sed -n 's/.*\(udp: [0-9]*\).*/\1/p' <<<"$Q_OUT")" \
		test "$(grep -c "udp: 1252" <<<"$Q_OUT")" -eq 1 -a \
		"$d" = "$([ $pass = XDP ] && echo 1 || echo 0)"
done

t_summary
[ "$T_FAILED" -eq 0 ]
