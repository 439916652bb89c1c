#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Features no other script drives end to end, each in the mode users run
# (a root monitor and an unprivileged daemon) on the offline hierarchy, each
# asserted by answers and exact counter moves (XDP outcomes and daemon
# counters, both from /metrics):
#   - RD=0 passed up by XDP and refused by the daemon;
#   - an entry evicted from the XDP map answered from the daemon's own cache
#     and written back, so XDP answers it again; TCP from that cache;
#   - xdpdns_answers_tc_total, xdpdns_answers_bogus_total (a trust anchor
#     for an unsigned zone), xdpdns_inflight_joined_total and
#     xdpdns_resolve_timeouts_total (a forwarder that never answers),
#     xdpdns_servfail_overload_total (--max-outstanding 2),
#     xdpdns_daemon_cache_hits_total, xdpdns_cache_stale_entries;
#   - --tcp-max-conns: the connections beyond it closed at accept;
#   - a hot ttl5 entry re-resolved before it expires, an unasked one left
#     to go stale;
#   - --deny with --acl-action refuse, then SIGHUP with a changed file:
#     deny list, ACL action, rate limits, --max-ttl and --resolve-timeout
#     applied live;
#   - --forward: answers through a forwarder (a plain unbound), no packet
#     to the hierarchy's servers; with --xdp-mode skb (xdpgeneric) serving
#     the repeat from XDP;
#   - 802.1Q: tagged queries on the link XDP runs on, answered tagged by XDP
#     on a hit and by the daemon on a miss. So that this runs on kernels
#     built without VLAN_8021Q (the one it was written on is), the server
#     side's VLAN device is two tc programs (vlan.bpf.c) and the client
#     sends and reads raw tagged frames (vlanq.py).
# Runs in a private mount namespace with its own bpffs for the pins, under
# an overall time limit. Prints PASS/FAIL lines and "N passed, N failed".
# Usage: test_features.sh [BUILD_DIR]
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init features "${1:-}"
LIMIT=${TEST_FEATURES_LIMIT:-240}

t_require nsd unbound dig python3 curl unshare nsenter xdp-loader bpftool \
	tc ethtool ps timeout
t_need_bins "$BUILD" xdpdnsd xdpdnsctl
VLAN_OBJ=$BUILD/tests/vlan.bpf.o
if [ ! -f "$VLAN_OBJ" ]; then
	t_skip "no $VLAN_OBJ: build it first"
	t_summary
	exit 0
fi
xd_private_mounts "$LIMIT" -- "$SELF" "$BUILD"

HIER_CLIENTS=2
hier_up_pinned "${XD_WORKDIR:-}" || t_abort "hierarchy bring-up"
W=$HIER_DIR
# Client link 2 carries the VLAN.
CLI2_NS=${HIER_CLI_NS[1]}
CLI2_IF=${HIER_CLI_IF[1]}
CLI2_ADDR4=${HIER_CLI_ADDR4[1]}
RES2_IF=${HIER_RES_IF[1]}
RES2_ADDR4=${HIER_RES_ADDR4[1]}
for dev in "$RES_IF_CLIENT" "$RES2_IF"; do
	cleanup_register "ns_enter '$RES_NS' xdp-loader unload '$dev' --all"
done
MPORT=9153
XDPDNSD=$BUILD/xdpdnsd
MON=

# --- helpers -------------------------------------------------------------------
# start LOG ARGS...: xdpdnsd in the default mode in RES_NS; waits until it
# resolves from START_NS (CLI_NS) on START_ADDR (RES_ADDR4). Sets MON, the
# monitor (the PID started), and CHILD, the daemon.
start() {
	local log=$1 ns=${START_NS:-$CLI_NS} addr=${START_ADDR:-$RES_ADDR4}
	shift
	bg_start -n "$RES_NS" "$log" "$XDPDNSD" "$@"
	MON=$BG_PID
	wait_udp_port "$RES_NS" "$addr" 53 15 &&
		wait_dns "$ns" "$addr" 53 www.z000.test. 15 &&
		CHILD=$(ps -o pid= --ppid "$MON" | tr -d ' ' | head -n 1) &&
		[ -n "$CHILD" ]
}
# start_or_abort LOG ARGS...
start_or_abort() {
	start "$@" ||
		t_abort "xdpdnsd up (log: $(tail -n 3 "$1" | tr '\n' ' '))"
}
stop() {
	[ -n "$MON" ] && bg_stop "$MON"
	MON=
}
DUDP='xdpdns_daemon_queries_total{transport="udp"}'
DTCP='xdpdns_daemon_queries_total{transport="tcp"}'
WRITTEN='xdpdns_cache_writes_total{result="written"}'
RES_N=xdpdns_daemon_resolutions_total
OWN=xdpdns_daemon_cache_hits_total
# moved: what moved from a to b, for messages.
moved() {
	echo "XDP hit +$(hier_xd hit) miss +$(hier_xd miss) expired +$(hier_xd expired), daemon udp +$(hier_md "$DUDP") tcp +$(hier_md "$DTCP"), resolutions +$(hier_md "$RES_N"), own cache +$(hier_md "$OWN")"
}
# burst [--src ADDR] [--wait S] [--nord] QUERY...: dnsburst.py from the
# client to RES_ADDR4; its lines (NAME TYPE RCODE FLAGS ANCOUNT MS [TTL
# ADDR]) in BURST.
burst() {
	BURST=$(ns_exec "$CLI_NS" "$PY" "$XD_DIR/dnsburst.py" "$RES_ADDR4" 53 "$@")
}
# field N [LINE]: word N of line LINE (1) of BURST.
field() {
	awk -v l="${2:-1}" -v n="$1" 'NR == l { print $n }' <<<"$BURST"
}
# took LINE LO HI: "ok" when the reply of BURST line LINE came after LO to
# HI ms, else its time.
took() {
	local ms
	ms=$(field 6 "$1")
	if [[ $ms =~ ^[0-9]+$ ]] && [ "$ms" -ge "$2" ] && [ "$ms" -le "$3" ]; then
		echo ok
	else
		echo "${ms:-no} ms"
	fi
}
# count PATTERN: lines of BURST matching the extended regular expression.
count() {
	grep -cE -- "$1" <<<"$BURST" || :
}
# want NAME TYPE: the manifest's first rdata word for NAME TYPE.
want() {
	awk -v n="$1" -v t="$2" '$1 == n && $2 == t { print $8; exit }' \
		"$HIER_NAMES"
}
# in_map NAME TYPE: "yes" when the XDP cache map holds an entry for it.
in_map() {
	if ctl cache get "$1" "$2" 2>/dev/null | grep -q "	$2	"; then
		echo yes
	else
		echo no
	fi
}
# dnsq ARGS...: dnsq.py, from the client with "send".
dnsq() {
	if [ "$1" = send ]; then
		ns_exec "$CLI_NS" "$PY" "$XD_DIR/dnsq.py" "$@" >/dev/null
	else
		"$PY" "$XD_DIR/dnsq.py" "$@" 2>&1
	fi
}

# Packets from the resolver namespace to any server of the hierarchy (root,
# TLD, leaf; IPv4 and IPv6), counted by tc on the authority side.
# shellcheck disable=SC2086 # address lists
hier_count_to $ROOT_ADDRS4 $TLD_ADDRS4 $LEAF_ADDRS4 $ROOT_ADDRS6 \
	$TLD_ADDRS6 $LEAF_ADDRS6 || t_abort "tc counters on $AUTH_IF"

# --- main run: XDP native on client link 1 --------------------------------------
# Reloadable settings are in the file (the unprivileged daemon reads it
# again on SIGHUP); those a reload cannot change are on the command line.
CONF=$W/xdpdnsd.conf
read -r DENY1 DENY2 LIMITED _ <<<"$CLI_EXTRA4"
conf() { # SETTINGS...: the config file, one setting a line
	printf '%s\n' "$@" >"$CONF.new" && command mv "$CONF.new" "$CONF"
}
conf 'ratelimit = 0;' 'miss-limit = 0;' 'max-outstanding = 2;' \
	'resolve-timeout = 2;' 'acl-action = "refuse";' \
	"deny = [ \"$DENY1/32\" ];"
# Names under slowN.test. are forwarded to an address that never answers:
# its frames go to a MAC nobody has on the authority link.
UB_MAIN=$W/unbound-main.conf
cp "$UNBOUND_SNIPPET" "$UB_MAIN"
for i in 1 2 3; do
	ip -n "$RES_NS" neigh replace "198.18.0.4$i" \
		lladdr "02:00:00:00:00:4$i" dev "$RES_IF_AUTH" nud permanent
	printf 'forward-zone:\n\tname: "slow%s.test."\n\tforward-addr: 198.18.0.4%s\n' \
		"$i" "$i" >>"$UB_MAIN"
done
# A trust anchor (a DS no key matches) for a zone that is not signed:
# every answer from it is bogus. The hierarchy has no signed zone.
BOGUS_ZONE=z018.lab.
printf '%s\tDS\t12345 8 2 %s\n' "$BOGUS_ZONE" \
	"$(printf '%064d' 0 | tr 0 a)" >"$W/bogus.ta"
mkdir -p "$PIN/main" "$PIN/fwd" "$PIN/vlan"

start_or_abort "$W/main.log" --config "$CONF" \
	--interface "$RES_IF_CLIENT" --listen "$RES_ADDR4" \
	--listen "$RES_ADDR6" --pin-dir "$PIN/main" \
	--metrics "127.0.0.1:$MPORT" --root-hints "$ROOT_HINTS" \
	--unbound-config "$UB_MAIN" --trust-anchor "$W/bogus.ta" \
	--tcp-max-conns 4
PIN=$PIN/main # for ctl
t_check "default mode: monitor $MON as $(ps -o user= -p "$MON"), daemon $CHILD as $(ps -o user= -p "$CHILD")" \
	test "$(ps -o user= -p "$MON")" = root -a \
	"$(ps -o user= -p "$CHILD")" != root
UP_MAIN=$(hier_counted)
t_check "recursion asked the hierarchy's servers: $UP_MAIN packets counted by tc" \
	test "$UP_MAIN" -gt 0

# --- RD=0: XDP passes it up, the daemon refuses it ------------------------------
N1=host4.z001.test.
A1=$(want "$N1" A)
burst "$N1"
burst "$N1"
t_check "$N1 A: cached ($(field 3) $(field 8))" \
	test "$(field 3) $(field 8)" = "NOERROR $A1"
N1_CACHED=$SECONDS
hier_snap a
burst --nord "$N1"
hier_snap b
t_check "RD=0 for the cached $N1: $(field 3), flags $(field 4), from the daemon ($(moved), dns_nord +$(hier_xd dns_nord))" \
	test "$(field 3) $(field 4) $(field 5)" = "REFUSED qr,ra 0" -a \
	"$(hier_xd dns_nord) $(hier_xd hit) $(hier_md "$DUDP") $(hier_md "$RES_N")" = "1 0 1 0"

# --- xdpdns_answers_tc_total: UDP answers the daemon had to truncate -----------
hier_snap a
tcs=
for _ in 1 2; do
	hier_query "$CLI_NS" "$RES_ADDR4" 53 +bufsize=1232 +ignore \
		big.z000.lab. TXT
	[[ $Q_FLAGS == *" tc "* ]] && tcs+=1
done
hier_snap b
t_check "big.z000.lab. TXT twice over UDP: ${#tcs} TC=1 answers, answers_tc +$(hier_md xdpdns_answers_tc_total) ($(moved))" \
	test "${#tcs} $(hier_md xdpdns_answers_tc_total) $(hier_xd miss)" = "2 2 2"

# --- xdpdns_answers_bogus_total -------------------------------------------------
NB=host4.$BOGUS_ZONE
hier_snap a
burst "$NB"
r1=$(field 3)
burst "$NB"
hier_snap b
t_check "$NB under a trust anchor its unsigned zone cannot meet: $r1, $(field 3); bogus +$(hier_md xdpdns_answers_bogus_total), never cached (XDP miss +$(hier_xd miss))" \
	test "$r1 $(field 3) $(hier_md xdpdns_answers_bogus_total) $(hier_xd miss)" = \
	"SERVFAIL SERVFAIL 2 2"

# --- one resolution for two clients, given up at --resolve-timeout 2 -----------
hier_snap a
burst --wait 5 a.slow1.test. a.slow1.test.
hier_snap b
t_check "two identical queries, a silent forwarder: $(field 3 1) after $(field 6 1) ms, $(field 3 2) after $(field 6 2) ms; joined +$(hier_md xdpdns_inflight_joined_total), timeouts +$(hier_md xdpdns_resolve_timeouts_total), resolutions +$(hier_md "$RES_N")" \
	test "$(field 3 1) $(took 1 1900 3500) $(field 3 2) $(took 2 1900 3500) $(hier_md xdpdns_inflight_joined_total) $(hier_md xdpdns_resolve_timeouts_total) $(hier_md "$RES_N")" = \
	"SERVFAIL ok SERVFAIL ok 1 1 1"

# --- the daemon's own cache, and the write-back after an eviction ---------------
# The daemon writes an entry back at most once a second after its last
# write to the map.
[ $((SECONDS - N1_CACHED)) -ge 2 ] || sleep 1.1 # time that must pass
ctl cache delete --xdp-only "$N1" A >/dev/null
t_check "xdpdnsctl cache delete $N1 A: gone from the XDP map" \
	test "$(in_map "$N1" A)" = no
hier_snap a
dnsq send "$RES_ADDR4" 53 "$N1" A "$W/own.bin"
hier_snap b
t_check "evicted $N1 A: answered from the daemon's own cache, written back ($(moved), written +$(hier_md "$WRITTEN"))" \
	test -s "$W/own.bin" -a \
	"$(hier_xd miss) $(hier_md "$DUDP") $(hier_md "$OWN") $(hier_md "$RES_N") $(hier_md "$WRITTEN")" = \
	"1 1 1 0 1"
t_check "the entry is back in the XDP map" test "$(in_map "$N1" A)" = yes
hier_snap a
dnsq send "$RES_ADDR4" 53 "$N1" A "$W/xdp.bin"
hier_snap b
why=$(dnsq cmp "$W/own.bin" "$W/xdp.bin")
t_check "XDP answers $N1 again ($(moved)), as the daemon did: $why" \
	test "$(hier_xd hit) $(hier_md "$DUDP")" = "1 0" -a "${why#identical}" != "$why"
hier_snap a
hier_query "$CLI_NS" "$RES_ADDR4" 53 +tcp "$N1" A
hier_snap b
t_check "TCP for the cached $N1: $Q_RCODE $(_hier_rrs ANSWER "$N1" A) from the daemon's own cache ($(moved))" \
	test "$Q_RCODE $(_hier_rrs ANSWER "$N1" A)" = "NOERROR $A1" -a \
	"$(hier_md "$DTCP") $(hier_md "$OWN") $(hier_md "$RES_N")" = "1 1 0"

# --- --max-outstanding 2: a third resolution is refused at once ----------------
NC=host5.z002.test.
hier_snap a
burst --wait 5 b.slow2.test. c.slow2.test. d.slow2.test. "$NC"
hier_snap b
t_check "--max-outstanding 2: two silent resolutions SERVFAIL at the timeout ($(field 3 1) $(field 6 1) ms, $(field 3 2) $(field 6 2) ms)" \
	test "$(field 3 1) $(took 1 1900 3500) $(field 3 2) $(took 2 1900 3500)" = \
	"SERVFAIL ok SERVFAIL ok"
t_check "--max-outstanding 2: a third and a hierarchy name SERVFAIL at once ($(field 3 3) $(field 6 3) ms, $(field 3 4) $(field 6 4) ms); overload +$(hier_md xdpdns_servfail_overload_total), timeouts +$(hier_md xdpdns_resolve_timeouts_total), resolutions +$(hier_md "$RES_N")" \
	test "$(field 3 3) $(took 3 0 1000) $(field 3 4) $(took 4 0 1000) $(hier_md xdpdns_servfail_overload_total) $(hier_md xdpdns_resolve_timeouts_total) $(hier_md "$RES_N")" = \
	"SERVFAIL ok SERVFAIL ok 2 2 2"
burst "$NC"
t_check "with those given up, $NC resolves ($(field 3) $(field 8))" \
	test "$(field 3) $(field 8)" = "NOERROR $(want "$NC" A)"

# --- --tcp-max-conns 4 -------------------------------------------------------------
hier_snap a
ns_exec "$CLI_NS" timeout 20 "$PY" "$XD_DIR/hold_tcp.py" "$RES_ADDR4" 53 10 4 \
	</dev/null >"$W/hold.log" 2>&1 &
HOLD=$!
held() { # the daemon holds 4 connections and has closed 6
	hier_snap c
	[ "$(hier_mval c xdpdns_tcp_connections)" = 4 ] &&
		[ "$(hier_md 'xdpdns_tcp_refused_total{reason="limit"}' a c)" = 6 ]
}
wait_until 4 held
conns=$(hier_mval c xdpdns_tcp_connections)
lim=$(hier_md 'xdpdns_tcp_refused_total{reason="limit"}' a c)
wait "$HOLD"
t_check "--tcp-max-conns 4, one client opens 10: $(tr '\n' ' ' <"$W/hold.log")(daemon: $conns open, $lim closed over the limit)" \
	test "$(tr '\n' ' ' <"$W/hold.log")$conns $lim" = "open 10 alive 4 4 6"

# --- a hot entry is re-resolved before it expires; unasked ones go stale --------
# Two ttl5 names (TTL 5 s, so a refresh window of 2 s) are cached; one is
# asked 4 times a second for 6 s, over its expiry, the other never again.
# Not asserted: that the hot one is an XDP hit every time. It is not: the
# refresher's re-resolutions are answered from libunbound's own cache with
# the TTL that is left (2 s, 1 s), so the entry still expires when
# libunbound's copy does and that query falls back to the daemon.
S1=ttl5.z001.lab.
S2=ttl5.z002.lab.
burst "$S1" "$S2"
t_check "$S1 (TTL $(field 7 1)) and $S2 (TTL $(field 7 2)) cached" \
	test "$(field 3 1) $(field 7 1) $(field 3 2) $(field 7 2)" = \
	"NOERROR 5 NOERROR 5"
hier_snap a
for ((i = 0; i < 24; i++)); do
	echo "$S1 A"
done >"$W/hot.txt"
read -r sent _ answered _ <<<"$(ns_exec "$CLI_NS" "$PY" "$XD_DIR/dnsload.py" \
	ask "$CLI_ADDR4" "$RES_ADDR4" "$W/hot.txt" 4 2)"
hier_snap b
t_check "$S1 asked ${sent:-0} times over 6 s: ${answered:-0} answered; re-resolved before it expired $(hier_md xdpdns_prefetch_total) times ($(moved))" \
	test "${sent:-0} ${answered:-0} $(hier_xd miss)" = "24 24 0" -a \
	"$(hier_md xdpdns_prefetch_total)" -ge 1
both_stale() {
	hier_snap c
	[ "$(hier_mval c xdpdns_cache_stale_entries)" = 2 ]
}
wait_until 8 both_stale
t_check "cache_stale_entries: $(hier_mval a xdpdns_cache_stale_entries) before, $(hier_mval c xdpdns_cache_stale_entries) once both ttl5 entries expired unasked" \
	test "$(hier_mval a xdpdns_cache_stale_entries) $(hier_mval c xdpdns_cache_stale_entries)" = "0 2"

# --- --deny with --acl-action refuse; then a SIGHUP changes them ------------------
# DENY1 is denied, refused by XDP; DENY2 is served; LIMITED, without rate
# limits, gets all 10 answers of a burst.
hier_snap a
burst --src "$DENY1" --wait 1 "$N1"
r1="$(field 3) $(field 4)"
burst --src "$DENY2" --wait 1 "$N1"
r2="$(field 3) $(field 8)"
hier_snap b
t_check "--deny $DENY1 with --acl-action refuse: $r1 from XDP (acl_refused +$(hier_xd acl_refused)); $DENY2: $r2 (hit +$(hier_xd hit))" \
	test "$r1 $(hier_xd acl_refused)|$r2 $(hier_xd hit) $(hier_md "$DUDP")" = \
	"REFUSED qr,rd,ra 1|NOERROR $A1 1 0"
hier_snap a
# shellcheck disable=SC2046 # ten words
burst --src "$LIMITED" --wait 1 $(printf "$N1 %.0s" $(seq 10))
hier_snap b
t_check "--ratelimit 0: a burst of 10 from $LIMITED, $(count ' NOERROR ') answered (hit +$(hier_xd hit))" \
	test "$(count ' NOERROR .* '"$A1"'$') $(hier_xd hit) $(hier_xd rl_dropped)" = "10 10 0"

conf 'ratelimit = 1;' 'ratelimit-burst = 2;' 'slip = 2;' 'miss-limit = 0;' \
	"ratelimit-exempt = [ \"$CLI_ADDR4/32\" ];" 'max-outstanding = 2;' \
	'resolve-timeout = 1;' 'acl-action = "drop";' \
	"deny = [ \"$DENY2/32\" ];" 'max-ttl = 60;'
hier_snap a
kill -HUP "$MON"
reloaded() {
	hier_snap b
	[ "$(hier_md xdpdns_reloads_total)" = 1 ]
}
wait_until 5 reloaded
t_check "SIGHUP: the daemon re-read $CONF (reloads +$(hier_md xdpdns_reloads_total), same daemon $(ps -o pid= --ppid "$MON" | tr -d ' '))" \
	test "$(hier_md xdpdns_reloads_total)" = 1 -a \
	"$(grep -c "reloaded $CONF" "$W/main.log")" = 1 -a \
	"$(ps -o pid= --ppid "$MON" | tr -d ' ')" = "$CHILD"
hier_snap a
burst --src "$DENY1" --wait 1 "$N1"
r1="$(field 3) $(field 8)"
burst --src "$DENY2" --wait 1 "$N1"
r2=$(field 3)
hier_snap b
t_check "after SIGHUP: $DENY1 served ($r1), $DENY2 denied and dropped ($r2; acl_dropped +$(hier_xd acl_dropped), acl_refused +$(hier_xd acl_refused))" \
	test "$r1|$r2 $(hier_xd acl_dropped) $(hier_xd acl_refused) $(hier_xd hit)" = \
	"NOERROR $A1|TIMEOUT 1 0 1"
hier_snap a
# shellcheck disable=SC2046 # ten words
burst --src "$LIMITED" --wait 1 $(printf "$N1 %.0s" $(seq 10))
hier_snap b
t_check "after SIGHUP, --ratelimit 1 --ratelimit-burst 2 --slip 2: of 10 from $LIMITED $(count ' NOERROR qr,rd,ra 1 ') answered, $(count ',tc,') TC=1, $(count TIMEOUT) dropped (hit +$(hier_xd hit), rl_slipped +$(hier_xd rl_slipped), rl_dropped +$(hier_xd rl_dropped))" \
	test "$(count ' NOERROR qr,rd,ra 1 ') $(count ',tc,') $(count TIMEOUT) $(hier_xd hit) $(hier_xd rl_slipped) $(hier_xd rl_dropped)" = \
	"2 4 4 2 4 4"
hier_snap a
# shellcheck disable=SC2046 # ten words
burst --wait 1 $(printf "$N1 %.0s" $(seq 10))
hier_snap b
t_check "after SIGHUP, --ratelimit-exempt $CLI_ADDR4/32: a burst of 10 from it, $(count ' NOERROR qr,rd,ra 1 ') answered (hit +$(hier_xd hit), rl_exempt +$(hier_xd rl_exempt), rl_dropped +$(hier_xd rl_dropped))" \
	test "$(count ' NOERROR qr,rd,ra 1 ') $(hier_xd hit) $(hier_xd rl_exempt) $(hier_xd rl_dropped) $(hier_xd rl_slipped)" = \
	"10 10 10 0 0"
NT=host6.z004.test.
hier_snap a
burst "$NT"
t1=$(field 7)
burst "$NT"
t2=$(field 7)
hier_snap b
t_check "after SIGHUP, --max-ttl 60: $NT (zone TTL 3600) answered with TTL $t1 by the daemon, $t2 by XDP (hit +$(hier_xd hit))" \
	test "$t1 $(hier_xd hit)" = "60 1" -a "$t2" -ge 58 -a "$t2" -le 60
hier_snap a
burst --wait 4 a.slow3.test.
hier_snap b
t_check "after SIGHUP, --resolve-timeout 1: $(field 3) after $(field 6) ms (timeouts +$(hier_md xdpdns_resolve_timeouts_total)), --max-outstanding $(hier_mval b xdpdns_requestlist_max)" \
	test "$(field 3) $(took 1 900 1900) $(hier_md xdpdns_resolve_timeouts_total) $(hier_mval b xdpdns_requestlist_max)" = \
	"SERVFAIL ok 1 2"
stop

# --- --forward, with XDP in skb mode -----------------------------------------------
# The forwarder: a plain unbound in AUTH_NS, on an address of its own,
# recursing over the hierarchy (its packets to the servers stay inside
# AUTH_NS) and the only server that knows fwd.test.
FWD=198.18.0.40
FWD_NAME=www.fwd.test.
FWD_ADDR=198.18.7.7
ip -n "$AUTH_NS" addr add "$FWD/24" dev "$AUTH_IF"
cat >"$W/forwarder.conf" <<EOF
server:
	interface: $FWD
	port: 53
	num-threads: 1
	so-reuseport: no
	do-ip6: no
	chroot: ""
	username: ""
	directory: "$W"
	pidfile: "$W/forwarder.pid"
	logfile: "$W/forwarder.log"
	use-syslog: no
	verbosity: 1
	log-queries: yes
	access-control: 198.18.0.0/15 allow
	local-zone: "fwd.test." static
	local-data: "$FWD_NAME 300 IN A $FWD_ADDR"
remote-control:
	control-enable: no
include: "$UNBOUND_SNIPPET"
EOF
bg_start "$AUTH_NS" "$W/forwarder.out" unbound -d -c "$W/forwarder.conf"
wait_udp_port "$AUTH_NS" "$FWD" 53 10 ||
	t_abort "forwarder up: $(tail -n 3 "$W/forwarder.out" | tr '\n' ' ')"
hier_query "$AUTH_NS" "${TLD_ADDRS4%% *}" 53 +norec "$FWD_NAME" A
t_check "the hierarchy has no $FWD_NAME: its TLD server says $Q_RCODE" \
	test "$Q_RCODE" = NXDOMAIN

PIN=${PIN%/main}/fwd
start_or_abort "$W/fwd.log" --interface "$RES_IF_CLIENT" \
	--listen "$RES_ADDR4" --pin-dir "$PIN" --xdp-mode skb \
	--metrics "127.0.0.1:$MPORT" --unbound-config "$UNBOUND_SNIPPET" \
	--forward "$FWD" --ratelimit 0 --miss-limit 0
st=$(ns_enter "$RES_NS" xdp-loader status "$RES_IF_CLIENT" 2>&1)
# skb_mode: xdp-loader status has xdpdns_main on the interface in skb mode,
# on its own or behind libxdp's dispatcher.
skb_mode() {
	awk -v i="$RES_IF_CLIENT" '
		$1 == i { mode = $3; own = $2 == "xdpdns_main" }
		$1 == "=>" && $3 == "xdpdns_main" { behind = 1 }
		END { exit !(mode == "skb" && (own || behind)) }' <<<"$st"
}
t_check "--xdp-mode skb: xdp-loader status shows $(awk -v i="$RES_IF_CLIENT" '$1 == i { print $2, $3 }' <<<"$st") on $RES_IF_CLIENT" \
	skb_mode
lnk=$(ip -n "$RES_NS" -d link show dev "$RES_IF_CLIENT" 2>/dev/null)
net=$(ns_enter "$RES_NS" bpftool net show dev "$RES_IF_CLIENT" 2>&1)
t_check "--xdp-mode skb: ip link says $(grep -o 'xdp[a-z]*' <<<"$lnk" | head -n 1), bpftool net $(grep -o 'generic\|driver' <<<"$net" | head -n 1)" \
	test "$(grep -qw xdpgeneric <<<"$lnk" && echo xdpgeneric) $(grep -q "^$RES_IF_CLIENT([0-9]*) generic id" <<<"$net" && echo generic)" = \
	"xdpgeneric generic"
up0=$(hier_counted)
fwd_asked() { # NAME: lines of the forwarder's query log for NAME A from us
	grep -c "info: $RES_UP_ADDR4 $1 A IN" "$W/forwarder.log" || :
}
NF=host7.z005.example.
hier_snap a
burst "$NF" "$FWD_NAME"
hier_snap b
t_check "--forward: $NF $(field 3 1) $(field 8 1), $FWD_NAME $(field 3 2) $(field 8 2), each asked of the forwarder once ($(fwd_asked "$NF"), $(fwd_asked "$FWD_NAME")), resolutions +$(hier_md "$RES_N")" \
	test "$(field 3 1) $(field 8 1) $(field 3 2) $(field 8 2) $(fwd_asked "$NF") $(fwd_asked "$FWD_NAME") $(hier_md "$RES_N")" = \
	"NOERROR $(want "$NF" A) NOERROR $FWD_ADDR 1 1 2"
t_check "--forward: no packet from the daemon to the hierarchy's servers ($((UP_MAIN)) in the main run, +$(($(hier_counted) - up0)) now)" \
	test "$(hier_counted)" = "$up0"
hier_snap a
burst "$NF" "$FWD_NAME"
hier_snap b
t_check "skb mode: both repeats answered by XDP ($(moved)), the forwarder not asked again" \
	test "$(field 8 1) $(field 8 2) $(hier_xd hit) $(hier_md "$DUDP") $(fwd_asked "$NF") $(fwd_asked "$FWD_NAME")" = \
	"$(want "$NF" A) $FWD_ADDR 2 0 1 1"
stop

# --- 802.1Q on client link 2 ------------------------------------------------------
# RES2_IF is the parent NIC XDP runs on; VLAN 100 is its only traffic. Its
# VLAN device is vlan.bpf.c: ingress pops the tag (after XDP saw it), egress
# tags what the stack sends. Tags and checksums go in software, in the
# frame. The client side is raw frames (vlanq.py) on CLI2_IF, whose kernel
# never answers for VLAN 100; the daemon side knows its MAC statically.
VID=100
ns_exec "$RES_NS" ethtool -K "$RES2_IF" tx off txvlan off >/dev/null 2>&1
if ! tc -n "$RES_NS" qdisc add dev "$RES2_IF" clsact ||
	! tc -n "$RES_NS" filter add dev "$RES2_IF" ingress bpf da \
		obj "$VLAN_OBJ" sec tc/ingress ||
	! tc -n "$RES_NS" filter add dev "$RES2_IF" egress bpf da \
		obj "$VLAN_OBJ" sec tc/egress; then
	t_abort "tc VLAN programs on $RES2_IF"
fi
CLI2_MAC=$(link_mac "$CLI2_NS" "$CLI2_IF")
RES2_MAC=$(link_mac "$RES_NS" "$RES2_IF")
ip -n "$RES_NS" neigh replace "$CLI2_ADDR4" lladdr "$CLI2_MAC" \
	dev "$RES2_IF" nud permanent
PIN=${PIN%/fwd}/vlan
START_NS=$RES_NS START_ADDR=$RES2_ADDR4 start_or_abort "$W/vlan.log" \
	--interface "$RES2_IF" --listen "$RES2_ADDR4" --pin-dir "$PIN" \
	--metrics "127.0.0.1:$MPORT" --root-hints "$ROOT_HINTS" \
	--unbound-config "$UNBOUND_SNIPPET" --ratelimit 0 --miss-limit 0
# vq QNAME OUT: one tagged query from client 2; its line in VQ.
vq() {
	VQ=$(ns_exec "$CLI2_NS" "$PY" "$XD_DIR/vlanq.py" "$CLI2_IF" "$VID" \
		"$CLI2_ADDR4" "$RES2_ADDR4" "$RES2_MAC" "$1" A --out "$2" 2>&1)
}
NV=host8.z006.test.
hier_snap a
vq "$NV" "$W/vlan1.bin"
hier_snap b
# vq_got: VQ without its TTL, for comparing.
vq_got() {
	echo "${VQ% ttl *}|${VQ##* addr }"
}
t_check "VLAN $VID, cold $NV: '$VQ' from the daemon ($(moved))" \
	test "$(vq_got)|$(hier_xd miss) $(hier_md "$DUDP")" = \
	"vid $VID rcode NOERROR an 1 csum ok|$(want "$NV" A)|1 1"
hier_snap a
vq "$NV" "$W/vlan2.bin"
hier_snap b
t_check "VLAN $VID, repeat: '$VQ' from XDP ($(moved))" \
	test "$(vq_got)|$(hier_xd hit) $(hier_md "$DUDP")" = \
	"vid $VID rcode NOERROR an 1 csum ok|$(want "$NV" A)|1 0"
why=$(dnsq cmp "$W/vlan1.bin" "$W/vlan2.bin")
t_check "VLAN $VID: XDP's DNS bytes equal the daemon's: $why" \
	test "${why#identical}" != "$why"
stop

t_summary
