#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Serve-stale (RFC 8767) through an uplink loss, on the offline hierarchy,
# in the mode users run (a root monitor and an unprivileged daemon), with
# answers and exact counter moves from /metrics:
#   - ttl5 names (TTL 5 s) cached, then the hierarchy's servers silent
#     (every frame to them redirected away) and the entries past their
#     expiry: the first query waits --serve-stale-client-timeout (1800 ms)
#     and gets the cached address with TTL --serve-stale-ttl, counted
#     stale by the daemon;
#   - the next query is an XDP hit from the stale copy, counted stale by
#     XDP;
#   - the resolver's authority link down: resolutions fail at once, and
#     so the stale answer comes at once;
#   - a name never cached gets SERVFAIL, not an answer;
#   - link up again: names are resolved afresh, with their own TTL (<= 5),
#     once their stale copy in XDP has expired;
#   - a second daemon with --serve-stale-client-timeout 0 answers stale at
#     once, and with --serve-stale-max 2, 2 s past expiry, SERVFAIL;
#   - --serve-stale-max 0: SERVFAIL while the link is down.
# Prints PASS/FAIL lines and "N passed, N failed".
# Usage: test_stale.sh [BUILD_DIR]
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init stale "${1:-}"
LIMIT=${TEST_STALE_LIMIT:-200}

t_require nsd dig python3 curl unshare nsenter xdp-loader tc ps timeout
hier_up_xdpdnsd "$LIMIT"

MON=
start() { hier_xdpdnsd_start "$@"; }
stop() { hier_xdpdnsd_stop; }
link() { # up|down: the resolver's link to the hierarchy's servers
	ip -n "$RES_NS" link set "$RES_IF_AUTH" "$1"
}
hier_silent_setup || t_abort "sink veth"
silent() { hier_silent "$@"; }
ns_exec "$RES_NS" sysctl -qw "net.ipv6.conf.$RES_IF_AUTH.keep_addr_on_down=1"
cleanup_register "ip -n '$RES_NS' link set '$RES_IF_AUTH' up"

# burst [--wait S] QUERY...: dnsburst.py lines (NAME TYPE RCODE FLAGS
# ANCOUNT MS [TTL ADDR]) in BURST; field N [LINE] picks a word.
burst() {
	BURST=$(ns_exec "$CLI_NS" "$PY" "$XD_DIR/dnsburst.py" "$RES_ADDR4" 53 "$@")
}
field() {
	awk -v l="${2:-1}" -v n="$1" 'NR == l { print $n }' <<<"$BURST"
}
want() { # NAME TYPE: the manifest's first rdata word
	awk -v n="$1" -v t="$2" '$1 == n && $2 == t { print $8; exit }' \
		"$HIER_NAMES"
}
STALE_D='xdpdns_stale_answers_total{path="daemon"}'

S1=ttl5.z001.lab. S2=ttl5.z002.lab. S3=ttl5.z003.lab. S4=ttl5.z004.lab.
A1=$(want "$S1" A) A2=$(want "$S2" A) A3=$(want "$S3" A) A4=$(want "$S4" A)
[ -n "$A1" ] && [ -n "$A2" ] && [ -n "$A3" ] && [ -n "$A4" ] ||
	t_abort "ttl5 names in the manifest"

# --- 1. the defaults' client timeout (1800 ms), --serve-stale-ttl 6 -----------
start "$W/d1.log" --serve-stale-ttl 6 ||
	t_abort "xdpdnsd up (log: $(tail -n 3 "$W/d1.log" | tr '\n' ' '))"
burst "$S1" "$S2" "$S4"
t_check "$S1, $S2, $S4 cached: $(field 3 1) $(field 8 1), $(field 3 2) $(field 8 2), $(field 3 3) $(field 8 3)" \
	test "$(field 3 1) $(field 8 1) $(field 3 2) $(field 8 2) $(field 3 3) $(field 8 3)" = \
	"NOERROR $A1 NOERROR $A2 NOERROR $A4"
silent on
sleep 6 # past the 5 s TTL, in XDP, the daemon's copy and libunbound's
hier_snap a
burst --wait 5 "$S1"
hier_snap b
ms=$(field 6)
t_check "upstream silent, $S1 expired: $(field 3) $(field 8) TTL $(field 7) after ${ms} ms (stale at the 1800 ms client timeout); daemon stale +$(hier_md "$STALE_D")" \
	test "$(field 3) $(field 8) $(field 7) $(hier_md "$STALE_D")" = \
	"NOERROR $A1 6 1" -a "${ms:-0}" -ge 1700 -a "${ms:-0}" -le 3500
sleep 1.2 # the stale copy reaches the XDP cache within a second
hier_snap a
burst "$S1"
hier_snap b
t_check "again: an XDP hit from the stale copy, $(field 3) $(field 8) TTL $(field 7) in $(field 6) ms; XDP hit +$(hier_xd hit) stale +$(hier_xd stale)" \
	test "$(field 3) $(field 8) $(hier_xd hit) $(hier_xd stale)" = \
	"NOERROR $A1 1 1" -a "$(field 7)" -le 6
silent off
link down
hier_snap a
burst --wait 5 "$S2"
hier_snap b
t_check "upstream unreachable (link down), $S2 expired: $(field 3) $(field 8) TTL $(field 7) at once ($(field 6) ms: the resolution failed); daemon stale +$(hier_md "$STALE_D")" \
	test "$(field 3) $(field 8) $(field 7) $(hier_md "$STALE_D")" = \
	"NOERROR $A2 6 1" -a "$(field 6)" -le 1000
burst --wait 6 "never-$$.z001.lab."
t_check "a name never cached: $(field 3), no stale answer" \
	test "$(field 3)" = SERVFAIL
link up
wait_dns "$CLI_NS" "$RES_ADDR4" 53 "back-$$.z005.lab." 10 || :
burst "$S4"
t_check "link up: $S4 (stale, never served so) resolved afresh, $(field 3) $(field 8) TTL $(field 7) (its own, <= 5)" \
	test "$(field 3) $(field 8)" = "NOERROR $A4" -a "$(field 7)" -le 5
sleep 4 # S1's stale copy in XDP (6 s) expires
burst "$S1"
t_check "link up: $S1 past its stale copy resolved afresh, $(field 3) $(field 8) TTL $(field 7) (<= 5)" \
	test "$(field 3) $(field 8)" = "NOERROR $A1" -a "$(field 7)" -le 5
stop

# --- 2. client timeout 0 and --serve-stale-max 2 --------------------------------
start "$W/d2.log" --serve-stale-client-timeout 0 --serve-stale-max 2 ||
	t_abort "xdpdnsd up (log: $(tail -n 3 "$W/d2.log" | tr '\n' ' '))"
burst "$S3"
t_check "$S3 cached: $(field 3) $(field 8)" test "$(field 3) $(field 8)" = "NOERROR $A3"
link down
sleep 5.5 # just past the TTL
hier_snap a
burst --wait 5 "$S3"
hier_snap b
t_check "client timeout 0: $S3 stale at once, $(field 3) $(field 8) TTL $(field 7) (what is left of --serve-stale-max 2) in $(field 6) ms; daemon stale +$(hier_md "$STALE_D")" \
	test "$(field 3) $(field 8) $(hier_md "$STALE_D")" = "NOERROR $A3 1" -a \
	"$(field 7)" -ge 1 -a "$(field 7)" -le 2 -a "$(field 6)" -le 500
sleep 2.5 # past --serve-stale-max 2 after the expiry, and the XDP copy's
hier_snap a
burst --wait 7 "$S3"
hier_snap b
t_check "$S3 past --serve-stale-max: $(field 3), never stale (daemon stale +$(hier_md "$STALE_D"), XDP stale +$(hier_xd stale))" \
	test "$(field 3) $(hier_md "$STALE_D") $(hier_xd stale)" = "SERVFAIL 0 0"
link up
stop

# --- 3. --serve-stale-max 0: off -------------------------------------------------
start "$W/d3.log" --serve-stale-max 0 ||
	t_abort "xdpdnsd up (log: $(tail -n 3 "$W/d3.log" | tr '\n' ' '))"
burst "$S2"
link down
sleep 6
hier_snap a
burst --wait 7 "$S2"
hier_snap b
t_check "--serve-stale-max 0, link down, $S2 expired: $(field 3); stale +$(hier_md "$STALE_D")" \
	test "$(field 3) $(hier_md "$STALE_D")" = "SERVFAIL 0"
link up
stop
t_summary
