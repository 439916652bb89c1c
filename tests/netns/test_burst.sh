#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Thousands of distinct queries in flight at once (issue 13), through XDP to
# xdpdnsd in the default mode, limits off, a fresh cache each time:
#   (a) 2,000 names never asked before, each asked twice back to back:
#       every query answered with the manifest's rcode, none lost, one
#       resolution per name (the join counter moves by the second asks,
#       the resolution counter by at most the names);
#   (b) the hierarchy's servers silent (every frame to them redirected
#       away): 2,000 new names, all in flight together until
#       --resolve-timeout 2 s, then every one SERVFAIL within it, none
#       lost, none given an overload SERVFAIL; after the link is back a
#       new name resolves at once although libunbound still holds the
#       given-up ones;
#   (c) --max-outstanding 500 with the servers silent: 500 wait for the
#       timeout, the other 1,500 get SERVFAIL at once (counted as
#       overload), none lost.
# Bounded in count (at most 4,000 queries a burst) and time.
# Prints PASS/FAIL lines and "N passed, N failed".
# Usage: test_burst.sh [BUILD_DIR]
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init burst "${1:-}"
LIMIT=${TEST_BURST_LIMIT:-200}

t_require nsd dig python3 curl unshare nsenter xdp-loader tc timeout
hier_up_xdpdnsd "$LIMIT"

MON=
start() {
	hier_xdpdnsd_start "$1" --ratelimit 0 --miss-limit 0 \
		--miss-limit-global 0 --new-source-limit 0 --ratelimit-net 0 \
		--ratelimit-wide 0 --resolve-timeout 2 "${@:2}"
}
stop() { hier_xdpdnsd_stop; }
hier_silent_setup || t_abort "sink veth"
silent() { hier_silent "$@"; }
many() { # FILE WAIT: dnsmany.py's line for FILE's queries
	ns_exec "$CLI_NS" "$PY" "$XD_DIR/dnsmany.py" "$RES_ADDR4" 53 \
		"$CLI_ADDR4" "$1" "$2"
}
JOINED=xdpdns_inflight_joined_total
RESOLVED=xdpdns_daemon_resolutions_total
OVERLOAD=xdpdns_servfail_overload_total

# Names with their rcode, but the broken zones' (their SERVFAIL is right).
awk '$1 !~ /^#/ && $4 != "servfail" && $4 != "glueless" &&
	($3 == "NOERROR" || $3 == "NXDOMAIN") { print $1, $2, $3 }' \
	"$HIER_NAMES" >"$W/all.txt"
[ "$(wc -l <"$W/all.txt")" -ge 6000 ] || t_abort "names in the manifest"
sed -n '1,2000p' "$W/all.txt" | awk '{ print; print }' >"$W/twice.txt"
sed -n '2001,4000p' "$W/all.txt" | awk '{ print $1, $2, "SERVFAIL" }' \
	>"$W/silent.txt"
sed -n '4001,6000p' "$W/all.txt" | awk '{ print $1, $2 }' >"$W/cap.txt"
NEW=$(sed -n '6001p' "$W/all.txt" | awk '{ print $1 }')

# --- (a) 2,000 new names, each twice ---------------------------------------------
start "$W/a.log" || t_abort "xdpdnsd up (log: $(tail -n 3 "$W/a.log" | tr '\n' ' '))"
hier_snap a
read -r sent replied lost exp sf other ms < <(many "$W/twice.txt" 8)
hier_snap b
echo "  (a) $sent sent, $replied replied ($lost lost), $exp with the manifest's rcode, $sf SERVFAIL, $other other, last after $ms ms; joined +$(hier_md "$JOINED"), resolutions +$(hier_md "$RESOLVED")"
t_check "(a) 4,000 queries for 2,000 new names: every one answered with its rcode ($exp), none lost ($lost)" \
	test "${sent:-0}" -eq 4000 -a "${exp:-0}" -eq 4000 -a "${lost:-1}" -eq 0
t_check "(a) one resolution per name: joined +$(hier_md "$JOINED") (>= 1,900 of the 2,000 second asks), resolutions +$(hier_md "$RESOLVED") (<= 2,000)" \
	test "$(hier_md "$JOINED")" -ge 1900 -a "$(hier_md "$RESOLVED")" -le 2000
# The threads the daemon runs: XD_THREADS, or one per CPU it may use. With
# more than one, the reuseport group hashes each client port to one socket,
# so 16 new names from 16 ports (dig takes a new one each time) reach the
# workers too (all 16 on the first socket: 1 in 65,536 with two), and a
# worker's miss crosses the relay to the resolver's thread.
want=${XD_THREADS:-$(ns_exec "$RES_NS" nproc)}
hier_snap a
ok=0
for n in $(sed -n '6002,6017p' "$W/all.txt" | awk '{ print $1 }'); do
	ns_exec "$CLI_NS" dig +tries=2 +time=2 @"$RES_ADDR4" "$n" A |
		grep -Eq 'status: (NOERROR|NXDOMAIN)' && ok=$((ok + 1))
done
hier_snap b
threads=$(hier_mval b xdpdns_daemon_udp_threads)
relayed=$(hier_md xdpdns_daemon_relayed_total)
echo "  (a) $threads UDP threads (want $want); 16 names from 16 ports: $ok answered, relayed +$relayed"
if [ "$want" -gt 1 ]; then
	t_check "(a) $want threads serve UDP ($threads); 16 new names from 16 ports all answered ($ok), some through the relay (+$relayed)" \
		test "$threads" = "$want" -a "$ok" = 16 -a "${relayed//none/0}" -gt 0
else
	t_check "(a) one thread serves UDP ($threads); 16 new names answered ($ok), nothing relayed (+$relayed)" \
		test "$threads" = 1 -a "$ok" = 16 -a "$relayed" = 0
fi
stop

# --- (b) the servers silent: 2,000 in flight until the timeout -------------------
start "$W/b.log" || t_abort "xdpdnsd up again"
silent on || t_abort "cannot silence the servers"
hier_snap a
read -r sent replied lost exp sf other ms < <(many "$W/silent.txt" 6)
hier_snap b
echo "  (b) $sent sent, $replied replied ($lost lost), $exp SERVFAIL, $other other, last after $ms ms; resolutions +$(hier_md "$RESOLVED"), overload +$(hier_md "$OVERLOAD")"
t_check "(b) 2,000 names with the servers silent: every one SERVFAIL ($exp), none lost ($lost), within the 2 s timeout and a second (last $ms ms)" \
	test "${sent:-0}" -eq 2000 -a "${exp:-0}" -eq 2000 -a "${lost:-1}" -eq 0 \
	-a "${ms:-9999}" -le 3000
t_check "(b) all 2,000 were in flight together: resolutions +$(hier_md "$RESOLVED"), no overload SERVFAIL (+$(hier_md "$OVERLOAD"))" \
	test "$(hier_md "$RESOLVED")" -eq 2000 -a "$(hier_md "$OVERLOAD")" = 0
silent off
out=$(ns_exec "$CLI_NS" dig +tries=1 +time=3 @"$RES_ADDR4" "$NEW" A)
rc=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
t_check "(b) the servers back: a new name resolves at once ($NEW: ${rc:-no answer})" \
	test "$rc" = NOERROR -o "$rc" = NXDOMAIN
stop

# --- (c) --max-outstanding 500 ----------------------------------------------------
start "$W/c.log" --max-outstanding 500 || t_abort "xdpdnsd up (c)"
silent on || t_abort "cannot silence the servers"
hier_snap a
read -r sent replied lost exp sf other ms < <(many "$W/cap.txt" 6)
hier_snap b
silent off
echo "  (c) $sent sent, $replied replied ($lost lost), $sf SERVFAIL, $exp other answers, last after $ms ms; overload +$(hier_md "$OVERLOAD"), resolutions +$(hier_md "$RESOLVED")"
t_check "(c) --max-outstanding 500: all 2,000 SERVFAIL ($sf), none lost ($lost); 1,500 at once as overload (+$(hier_md "$OVERLOAD")), 500 resolutions (+$(hier_md "$RESOLVED"))" \
	test "${sf:-0}" -eq 2000 -a "${lost:-1}" -eq 0 -a \
	"$(hier_md "$OVERLOAD")" -eq 1500 -a "$(hier_md "$RESOLVED")" -eq 500
stop

t_summary
