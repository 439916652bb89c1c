#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# --afxdp: what XDP passes up reaches xdpdnsd (default mode: a root monitor
# and an unprivileged daemon) over an AF_XDP socket instead of its UDP
# socket, and the answers leave as frames the daemon builds:
#   (a) 1,000 names never asked before, over IPv4: every one answered with
#       the manifest's rcode, none lost, each query an AF_XDP frame in
#       and its answer a frame out, no datagram read from the UDP socket;
#   (b) IPv6 and a VLAN-free IPv4 answer compared field by field with the
#       reference unbound's (dig parses what the daemon built: MACs,
#       lengths, checksums must be right for the client's kernel to
#       deliver it at all);
#   (c) --no-xdp-cache: the same name asked again is not answered by XDP
#       (cache_off moves, hit does not) but by the daemon's own copy,
#       through the AF_XDP socket;
#   (d) an answer too big for UDP: TC=1 as a frame, then whole over TCP,
#       which XDP leaves to the kernel;
#   (e) the daemon process killed: its socket leaves xdpdns_xsk with
#       it, and 2,000 queries sent at once reach the monitor's UDP
#       socket (none lost) until the restarted daemon opens a new one;
#   (h) the daemon stopped (SIGSTOP) while 3,000 queries come: the
#       receive ring holds what its frames can, the kernel drops the
#       rest, and every query lost is counted in
#       xdpdns_afxdp_kernel_drops_total; after SIGCONT the held ones are
#       answered;
#   (g) started with only the capabilities the systemd unit leaves
#       (setpriv --bounding-set from tools/systemd/xdpdnsd.service), the
#       daemon still opens its socket and answers through it;
#   (f) --afxdp with --no-xdp is refused with one line and exit status 2.
# Bounded in count (at most 2,000 queries a burst) and time.
# Prints PASS/FAIL lines and "N passed, N failed".
# Usage: test_afxdp.sh [BUILD_DIR]
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init afxdp "${1:-}"
LIMIT=${TEST_AFXDP_LIMIT:-200}

t_require nsd unbound dig python3 curl unshare nsenter xdp-loader timeout \
	setpriv
hier_up_xdpdnsd "$LIMIT"

start() {
	hier_xdpdnsd_start "$1" --afxdp --listen "$RES_ADDR6" --ratelimit 0 \
		--miss-limit 0 --miss-limit-global 0 --new-source-limit 0 \
		--ratelimit-net 0 --ratelimit-wide 0 "${@:2}"
}
stop() { hier_xdpdnsd_stop; }
many() { # FILE WAIT: dnsmany.py's line for FILE's queries
	ns_exec "$CLI_NS" "$PY" "$XD_DIR/dnsmany.py" "$RES_ADDR4" 53 \
		"$CLI_ADDR4" "$1" "$2"
}
RX='xdpdns_afxdp_frames_total{dir="rx"}'
TX='xdpdns_afxdp_frames_total{dir="tx"}'
RECV='xdpdns_daemon_udp_syscalls_total{op="recv"}'
UDPQ='xdpdns_daemon_queries_total{transport="udp"}'

awk '$1 !~ /^#/ && $4 != "servfail" && $4 != "glueless" && $4 != "big" &&
	($3 == "NOERROR" || $3 == "NXDOMAIN") { print $1, $2, $3 }' \
	"$HIER_NAMES" >"$W/all.txt"
[ "$(wc -l <"$W/all.txt")" -ge 6000 ] || t_abort "names in the manifest"
sed -n '1,1000p' "$W/all.txt" >"$W/new.txt"
sed -n '1001,3000p' "$W/all.txt" >"$W/kill.txt"
sed -n '3001,6000p' "$W/all.txt" >"$W/stop.txt"

# --- (a) new names over AF_XDP ---------------------------------------------------
start "$W/a.log" || t_abort "xdpdnsd --afxdp up (log: $(tail -n 3 "$W/a.log" | tr '\n' ' '))"
t_check "the daemon opened an AF_XDP socket on $RES_IF_CLIENT ($(hier_metric xdpdns_afxdp_sockets))" \
	test "$(hier_metric xdpdns_afxdp_sockets)" = 1
hier_snap a
read -r sent replied lost exp sf other ms < <(many "$W/new.txt" 8)
hier_snap b
echo "  (a) $sent sent, $replied replied ($lost lost), $exp with the manifest's rcode, $sf SERVFAIL, $other other, last after $ms ms; AF_XDP rx +$(hier_md "$RX") tx +$(hier_md "$TX"), UDP recvmmsg +$(hier_md "$RECV")"
t_check "(a) 1,000 new names: every one answered with its rcode ($exp), none lost ($lost)" \
	test "${sent:-0}" -eq 1000 -a "${exp:-0}" -eq 1000 -a "${lost:-1}" -eq 0
# The one name the start-up check asked is XDP's to answer.
t_check "(a) every query XDP did not answer (hit +$(hier_xd hit)) an AF_XDP frame in (+$(hier_md "$RX")), its answer a frame out (+$(hier_md "$TX")); UDP queries +$(hier_md "$UDPQ")" \
	test "$(($(hier_md "$RX") + $(hier_xd hit)))" -eq 1000 -a \
	"$(hier_md "$TX")" -eq "$(hier_md "$RX")" -a \
	"$(hier_md "$UDPQ")" -eq "$(hier_md "$RX")"
t_check "(a) nothing read from the UDP socket (recvmmsg +$(hier_md "$RECV"))" \
	test "$(hier_md "$RECV")" -eq 0

# --- (b) answers the client's kernel and dig accept, as unbound's ----------------
unbound_start "$UNBOUND_PORT" || t_abort "reference unbound"
# Names neither (a) nor (e) asks: the daemon resolves them now.
v6=$(sed -n '3001,$p' "$W/all.txt" | awk '$2 == "AAAA" { print $1; exit }')
v4=$(sed -n '3001,$p' "$W/all.txt" | awk '$2 == "A" { print $1; exit }')
[ -n "$v6" ] && [ -n "$v4" ] || t_abort "AAAA and A names past line 3000"
cmp_answer() { # NAME TYPE SERVER: the answer sections of both, normalised
	local a b
	a=$(ns_exec "$CLI_NS" dig +tries=1 +time=3 +noall +answer +authority @"$3" "$1" "$2" | awk '{ $2 = ""; print }' | sort)
	b=$(ns_exec "$CLI_NS" dig +tries=1 +time=3 +noall +answer +authority -p "$UNBOUND_PORT" @"$RES_ADDR4" "$1" "$2" | awk '{ $2 = ""; print }' | sort)
	[ -n "$a" ] && [ "$a" = "$b" ]
}
hier_snap a
t_check "(b) $v6 AAAA over IPv6 to $RES_ADDR6: the same answer as unbound's" \
	cmp_answer "$v6" AAAA "$RES_ADDR6"
t_check "(b) $v4 A over IPv4: the same answer as unbound's" \
	cmp_answer "$v4" A "$RES_ADDR4"
hier_snap b
t_check "(b) both came and went as AF_XDP frames (rx +$(hier_md "$RX"), tx +$(hier_md "$TX"))" \
	test "$(hier_md "$RX")" -ge 2 -a "$(hier_md "$TX")" -ge 2
stop

# --- (c) --no-xdp-cache: XDP passes even what it holds ----------------------------
start "$W/c.log" --no-xdp-cache ||
	t_abort "xdpdnsd --afxdp --no-xdp-cache up (log: $(tail -n 3 "$W/c.log" | tr '\n' ' '))"
ns_exec "$CLI_NS" dig +short +tries=2 +time=2 @"$RES_ADDR4" www.z002.test. A >/dev/null
sleep 0.5 # the map written
hier_snap a
ok=0
for _ in 1 2 3 4 5; do
	ns_exec "$CLI_NS" dig +tries=1 +time=2 @"$RES_ADDR4" www.z002.test. A |
		grep -q 'status: NOERROR' && ok=$((ok + 1))
done
hier_snap b
echo "  (c) $ok of 5 answered; XDP hit +$(hier_xd hit), cache_off +$(hier_xd cache_off); AF_XDP tx +$(hier_md "$TX")"
t_check "(c) 5 asks of a cached name: all answered ($ok), none by XDP (hit +$(hier_xd hit)), each passed (cache_off +$(hier_xd cache_off))" \
	test "$ok" -eq 5 -a "$(hier_xd hit)" -eq 0 -a "$(hier_xd cache_off)" -ge 5
t_check "(c) the daemon's answers left as AF_XDP frames (tx +$(hier_md "$TX"))" \
	test "$(hier_md "$TX")" -ge 5
stop

# --- (d) TCP stays on the kernel's path --------------------------------------------
start "$W/d.log" || t_abort "xdpdnsd --afxdp up (log: $(tail -n 3 "$W/d.log" | tr '\n' ' '))"
big=$(awk '$4 == "big" { print $1; exit }' "$HIER_NAMES")
hier_snap a
tc=$(ns_exec "$CLI_NS" dig +tries=2 +time=3 +ignore @"$RES_ADDR4" "$big" TXT |
	grep -c 'flags:.* tc')
sz=$(ns_exec "$CLI_NS" dig +tries=2 +time=3 @"$RES_ADDR4" "$big" TXT |
	awk '/MSG SIZE/ { print $NF }')
hier_snap b
echo "  (d) $big TXT: TC over UDP $tc, $sz bytes after the retry over TCP; TCP queries +$(hier_md 'xdpdns_daemon_queries_total{transport="tcp"}')"
t_check "(d) $big TXT: TC=1 as an AF_XDP frame, then $sz bytes over TCP" \
	test "$tc" -eq 1 -a "${sz:-0}" -gt 1232 -a \
	"$(hier_md 'xdpdns_daemon_queries_total{transport="tcp"}')" -ge 1 -a \
	"$(hier_md "$TX")" -ge 2
stop

# --- (e) the daemon killed: its socket leaves with it --------------------------------
start "$W/e.log" || t_abort "xdpdnsd --afxdp up again"
child=$(pgrep -P "$MON" -x xdpdnsd | head -n 1)
[ -n "$child" ] || t_abort "the daemon process of monitor $MON"
# Sent while no daemon runs: were the dead socket still in xdpdns_xsk,
# XDP would hand them to it and they would be lost.
kill -KILL "$child"
read -r sent replied lost exp sf other ms < <(many "$W/kill.txt" 12)
echo "  (e) $sent sent, $replied replied ($lost lost), $exp expected, $sf SERVFAIL, $other other, last after $ms ms"
t_check "(e) 2,000 queries sent right after the daemon was killed: none lost ($lost), all with their rcode ($exp)" \
	test "${sent:-0}" -eq 2000 -a "${lost:-1}" -eq 0 -a "${exp:-0}" -eq 2000
new=$(pgrep -P "$MON" -x xdpdnsd | head -n 1)
t_check "(e) a new daemon process ($child -> ${new:-none}) with a new AF_XDP socket ($(hier_metric xdpdns_afxdp_sockets)); the UDP socket held what came meanwhile (recvmmsg $(hier_metric "$RECV"))" \
	test -n "$new" -a "$new" != "$child" -a \
	"$(hier_metric xdpdns_afxdp_sockets)" = 1 -a \
	"$(hier_metric "$RECV")" -ge 1
hier_snap a
ns_exec "$CLI_NS" dig +tries=2 +time=2 @"$RES_ADDR4" www.z003.test. A >/dev/null
hier_snap b
t_check "(e) the new daemon's socket takes the queries (rx +$(hier_md "$RX"))" \
	test "$(hier_md "$RX")" -ge 1
stop

# --- (h) the daemon behind: the receive ring full, the drops counted ----------------
start "$W/h.log" || t_abort "xdpdnsd --afxdp up for (h)"
child=$(pgrep -P "$MON" -x xdpdnsd | head -n 1)
[ -n "$child" ] || t_abort "the daemon process of monitor $MON"
cleanup_register "kill -CONT $child 2>/dev/null"
hier_snap a
kill -STOP "$child"
many "$W/stop.txt" 12 >"$W/h-many.txt" &
mpid=$!
sleep 2 # all sent (100 every 10 ms), the ring full
kill -CONT "$child"
wait "$mpid"
read -r sent replied lost exp sf other ms <"$W/h-many.txt"
sleep 1.5 # a tick reads the kernel's counters
hier_snap b
full=$(hier_md 'xdpdns_afxdp_kernel_drops_total{reason="ring_full"}')
drop=$(hier_md 'xdpdns_afxdp_kernel_drops_total{reason="no_frame"}')
echo "  (h) $sent sent with the daemon stopped, $replied replied ($lost lost), $exp expected; kernel drops: ring_full +$full, no_frame +$drop; rx +$(hier_md "$RX")"
t_check "(h) 3,000 queries to a stopped daemon: some held and answered after SIGCONT ($replied, all with their rcode: $exp), the rest lost ($lost)" \
	test "${sent:-0}" -eq 3000 -a "${replied:-0}" -ge 1000 -a \
	"${exp:-0}" -eq "${replied:-1}" -a "${lost:-0}" -ge 1
t_check "(h) every lost query counted by the kernel: ring_full +$full, no_frame +$drop, lost $lost" \
	test "$((${full:-0} + ${drop:-0}))" -eq "${lost:--1}"
stop

# --- (g) with only the systemd unit's capabilities ---------------------------------
# The unit's bounding set (tools/systemd/xdpdnsd.service), as setpriv sets
# it: the daemon makes its socket before it drops to CAP_BPF.
caps=-all
for c in $(sed -n 's/^CapabilityBoundingSet=//p' \
	"$XD_DIR/../../tools/systemd/xdpdnsd.service"); do
	c=${c#CAP_}
	caps+=",+${c,,}"
done
bg_start -n "$RES_NS" "$W/g.log" setpriv --bounding-set "$caps" \
	--no-new-privs "$BUILD/xdpdnsd" --interface "$RES_IF_CLIENT" \
	--listen "$RES_ADDR4" --pin-dir "$PIN" --root-hints "$ROOT_HINTS" \
	--unbound-config "$UNBOUND_SNIPPET" --metrics "127.0.0.1:$MPORT" \
	--afxdp --no-xdp-cache
MON=$BG_PID
if wait_ports "$RES_NS" 53 15 "$RES_ADDR4" &&
	wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 15; then
	hier_snap a
	ns_exec "$CLI_NS" dig +tries=2 +time=2 @"$RES_ADDR4" www.z004.test. A >/dev/null
	hier_snap b
	t_check "(g) bounding set $caps: an AF_XDP socket ($(hier_metric xdpdns_afxdp_sockets)) that answers (tx +$(hier_md "$TX"))" \
		test "$(hier_metric xdpdns_afxdp_sockets)" = 1 -a \
		"$(hier_md "$TX")" -ge 1
else
	t_fail "(g) xdpdnsd --afxdp with the unit's bounding set: $(tail -n 3 "$W/g.log" | tr '\n' ' ')"
fi
stop

# --- (f) a flag that cannot work -------------------------------------------------
out=$("$BUILD/xdpdnsd" --no-xdp --afxdp --listen 127.0.0.1 2>&1)
rc=$?
t_check "(f) --afxdp --no-xdp: exit 2 ($rc), one line ($out)" \
	test "$rc" -eq 2 -a "$(printf '%s\n' "$out" | wc -l)" -eq 1
unbound_stop
t_summary
