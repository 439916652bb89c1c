#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Purges that purge (issue 10): `xdpdnsctl cache delete|flush` against a
# running xdpdnsd in the default mode (root monitor, unprivileged daemon) on
# the offline hierarchy. A deleted name must not come back from any copy:
# not from the daemon's own answer copy (which wrote it back into the map
# and answered TCP from it), not from libunbound's cache. Each case is
# asserted by the leaf servers' packet count (tc on the authority link:
# the leaf is asked again only by a fresh resolution), the daemon's
# counters from /metrics (resolutions, own-copy hits, purges) and XDP's:
#   - delete NAME, then ask over UDP: a fresh resolution (leaf asked,
#     resolutions +1, own copy +0), then XDP serves the new answer;
#   - delete NAME TYPE, then ask over TCP: the same, and TCP from the new
#     copy after that;
#   - flush: every entry gone from the map, each name resolved afresh;
#   - a name that was never cached: 0 removed, exit 0;
#   - delete --xdp-only: the map entry only, the daemon writes it back;
#   - bad arguments: one line, exit 2;
#   - a daemon that runs but does not answer (SIGSTOP): the map entry goes,
#     exit 1 after 5 s, and the daemon carries it out once resumed;
#   - SIGUSR1 to the monitor: everything flushed, no xdpdnsctl needed;
#   - delete with the daemon stopped: the map entry goes, exit 0, and the
#     ctl says no daemon held a copy;
#   - --no-xdp (no pins, no xdpdnsctl): SIGUSR1 flushes the daemon's copy
#     and libunbound's cache, the next query is resolved afresh.
# Prints PASS/FAIL lines and "N passed, N failed".
# Usage: test_purge.sh [BUILD_DIR]
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init purge "${1:-}"
LIMIT=${TEST_PURGE_LIMIT:-180}

t_require nsd dig python3 curl unshare nsenter xdp-loader tc ps timeout
hier_up_xdpdnsd "$LIMIT"

# --- helpers -------------------------------------------------------------------
RES_N=xdpdns_daemon_resolutions_total
OWN=xdpdns_daemon_cache_hits_total
DTCP='xdpdns_daemon_queries_total{transport="tcp"}'
P_DEL='xdpdns_purges_total{op="delete"}'
P_FLUSH='xdpdns_purges_total{op="flush"}'
P_XDP='xdpdns_purged_entries_total{copy="xdp"}'
P_OWN='xdpdns_purged_entries_total{copy="daemon"}'
P_UB=xdpdns_unbound_cache_flushes_total

# Queries the leaf servers receive, counted by tc on the authority side.
# shellcheck disable=SC2086 # address lists
hier_count_to $LEAF_ADDRS4 $LEAF_ADDRS6 || t_abort "tc counters on $AUTH_IF"
# ask NAME TYPE OUT [tcp]: one query from the client (dnsq.py), its reply
# in $W/OUT.bin; L0 and L1 the leaf count before and after, a and b the
# metrics.
ask() {
	hier_snap a
	L0=$(hier_counted)
	ns_exec "$CLI_NS" "$PY" "$XD_DIR/dnsq.py" send "$RES_ADDR4" 53 \
		"$1" "$2" "$W/$3.bin" ${4:+"$4"} >/dev/null || : >"$W/$3.bin"
	L1=$(hier_counted)
	hier_snap b
}
# in_map NAME TYPE: "yes" when the XDP map holds an entry for it.
in_map() {
	if ctl cache get "$1" "$2" 2>/dev/null | grep -q "	$2	"; then
		echo yes
	else
		echo no
	fi
}
moved() {
	echo "leaf +$((L1 - L0)), resolutions +$(hier_md "$RES_N"), own copy +$(hier_md "$OWN"), XDP hit +$(hier_xd hit) miss +$(hier_xd miss)"
}
# fresh: the last ask was a fresh resolution (the leaf asked, not the copy).
fresh() {
	[ -s "$W/$1.bin" ] && [ $((L1 - L0)) -ge 1 ] &&
		[ "$(hier_md "$RES_N") $(hier_md "$OWN")" = "1 0" ]
}
# xdp_hit: the last ask was answered by XDP alone.
xdp_hit() {
	[ -s "$W/$1.bin" ] && [ $((L1 - L0)) -eq 0 ] &&
		[ "$(hier_xd hit) $(hier_md "$RES_N") $(hier_md "$OWN")" = "1 0 0" ]
}
# purge OUT ARGS...: xdpdnsctl ARGS, stdout to $W/OUT.txt, stderr to
# $W/OUT.err, exit status in RC, with metrics snapshots a and b around it.
purge() {
	local out=$1
	shift
	hier_snap a
	ctl "$@" >"$W/$out.txt" 2>"$W/$out.err"
	RC=$?
	hier_snap b
}
at_least() { # N MIN: N is a number >= MIN
	[[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ]
}
said() { # OUT: what the ctl printed, on one line
	cat "$W/$1.txt" "$W/$1.err" | tr '\n' ' '
}

# Names with a long TTL, so nothing expires while the test runs.
# (www.z000.test. is the one the start-up wait resolves.)
mapfile -t NAMES < <(hier_names addr A |
	awk '$5 >= 3600 && $1 != "www.z000.test." { print $1 }' | head -n 4)
[ "${#NAMES[@]}" -eq 4 ] || t_abort "four addr names in the manifest"
N1=${NAMES[0]} N2=${NAMES[1]} N3=${NAMES[2]} N4=${NAMES[3]}

bg_start -n "$RES_NS" "$W/xdpdnsd.log" "$BUILD/xdpdnsd" \
	--interface "$RES_IF_CLIENT" --listen "$RES_ADDR4" \
	--listen "$RES_ADDR6" --pin-dir "$PIN" --root-hints "$ROOT_HINTS" \
	--unbound-config "$UNBOUND_SNIPPET" --metrics "127.0.0.1:$MPORT"
MON=$BG_PID
if ! wait_ports "$RES_NS" 53 15 "$RES_ADDR4" ||
	! wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 15; then
	t_abort "xdpdnsd up (log: $(tail -n 3 "$W/xdpdnsd.log" | tr '\n' ' '))"
fi
CHILD=$(ps -o pid= --ppid "$MON" | tr -d ' ' | head -n 1)
t_check "default mode: monitor $MON as $(ps -o user= -p "$MON"), daemon ${CHILD:-none} as $(ps -o user= -p "${CHILD:-1}")" \
	test -n "$CHILD" -a "$(ps -o user= -p "$MON")" = root -a \
	"$(ps -o user= -p "$CHILD")" != root

# --- delete NAME, then UDP --------------------------------------------------------
ask "$N1" A n1-first
t_check "$N1 A resolved ($(moved))" fresh n1-first
t_check "$N1 A in the XDP map" test "$(in_map "$N1" A)" = yes
ask "$N1" A n1-hit
t_check "$N1 A again: an XDP hit ($(moved))" xdp_hit n1-hit
purge del1 cache delete "$N1"
t_check "cache delete $N1: exit $RC, XDP entry and the daemon's copy removed, libunbound's cache dropped ($(said del1))" \
	test "$RC" = 0 -a "$(head -n 1 "$W/del1.txt")" = "deleted 1 entry for $N1" -a \
	"$(sed -n 2p "$W/del1.txt")" = "xdpdnsd (pid $CHILD) also removed 1 answer from its own copy; libunbound's cache dropped (every name is resolved afresh)"
t_check "purge counters: delete +$(hier_md "$P_DEL"), xdp +$(hier_md "$P_XDP"), daemon +$(hier_md "$P_OWN"), libunbound flushes +$(hier_md "$P_UB")" \
	test "$(hier_md "$P_DEL") $(hier_md "$P_XDP") $(hier_md "$P_OWN") $(hier_md "$P_UB")" = "1 1 1 1"
ctl cache get "$N1" >/dev/null 2>&1
rc=$?
t_check "cache get $N1 after the delete: nothing (exit $rc)" test "$rc" = 1
ask "$N1" A n1-fresh
t_check "$N1 A over UDP after the delete: a fresh resolution ($(moved))" \
	fresh n1-fresh
t_check "$N1 A is back in the XDP map from that resolution" \
	test "$(in_map "$N1" A)" = yes
ask "$N1" A n1-hit2
why=$("$PY" "$XD_DIR/dnsq.py" cmp "$W/n1-fresh.bin" "$W/n1-hit2.bin" 2>&1)
rc=$?
t_check "$N1 A then: an XDP hit ($(moved))" xdp_hit n1-hit2
t_check "the XDP answer is the newly resolved one (${why:-same bytes but TTLs})" \
	test "$rc" = 0

# --- delete NAME TYPE, then TCP ---------------------------------------------------
ask "$N2" A n2-first
t_check "$N2 A resolved over UDP ($(moved))" fresh n2-first
ask "$N2" A n2-tcp tcp
t_check "$N2 A over TCP: from the daemon's copy ($(moved))" \
	test -s "$W/n2-tcp.bin" -a "$(hier_md "$OWN") $(hier_md "$RES_N") $(hier_md "$DTCP")" = "1 0 1"
purge del2 cache delete "$N2" A
t_check "cache delete $N2 A: exit $RC ($(said del2))" \
	test "$RC" = 0 -a "$(head -n 1 "$W/del2.txt")" = "deleted 1 entry for $N2" -a \
	"$(hier_md "$P_OWN")" = 1
ask "$N2" A n2-fresh tcp
t_check "$N2 A over TCP after the delete: a fresh resolution ($(moved), tcp +$(hier_md "$DTCP"))" \
	fresh n2-fresh
ask "$N2" A n2-tcp2 tcp
t_check "$N2 A over TCP again: from the new copy ($(moved))" \
	test -s "$W/n2-tcp2.bin" -a "$(hier_md "$OWN") $(hier_md "$RES_N") $((L1 - L0))" = "1 0 0"
ask "$N2" A n2-hit
t_check "$N2 A over UDP: an XDP hit on the newly resolved entry ($(moved))" \
	xdp_hit n2-hit

# --- flush ------------------------------------------------------------------------
ask "$N3" A n3-first
ask "$N4" A n4-first
ENTRIES=$(ctl cache list | sed -n 's/^(\([0-9]*\) entries)$/\1/p')
purge flush cache flush
t_check "cache flush: exit $RC, $ENTRIES entries ($(said flush))" \
	test "$RC" = 0 -a "$(head -n 1 "$W/flush.txt")" = "flushed ${ENTRIES:-x} entries" -a \
	"$(hier_md "$P_FLUSH") $(hier_md "$P_XDP") $(hier_md "$P_UB")" = "1 ${ENTRIES:-x} 1"
t_check "the XDP map is empty after the flush" \
	test "$(ctl cache list | tail -n 1)" = "(0 entries)"
t_check "the daemon's copy emptied too: $(hier_md "$P_OWN") answers, at least the 4 names" \
	at_least "$(hier_md "$P_OWN")" 4
ask "$N3" A n3-fresh
t_check "$N3 A over UDP after the flush: a fresh resolution ($(moved))" \
	fresh n3-fresh
ask "$N4" A n4-fresh tcp
t_check "$N4 A over TCP after the flush: a fresh resolution ($(moved))" \
	fresh n4-fresh
ask "$N1" A n1-after-flush
t_check "$N1 A (deleted before, not asked since the flush): fresh ($(moved))" \
	fresh n1-after-flush

# --- a name never cached ------------------------------------------------------------
NEVER=never-cached.${N1#*.}
purge never cache delete "$NEVER"
t_check "cache delete $NEVER (never cached): exit $RC, nothing removed ($(said never))" \
	test "$RC" = 0 -a "$(head -n 1 "$W/never.txt")" = "deleted 0 entries for $NEVER" -a \
	"$(sed -n 2p "$W/never.txt" | cut -d';' -f1)" = "xdpdnsd (pid $CHILD) also removed 0 answers from its own copy"

# --- --xdp-only: the map entry, not the daemon's copy ------------------------------
sleep 1.1 # the copy writes an entry back at most once a second
purge xonly cache delete --xdp-only "$N3" A
t_check "cache delete --xdp-only $N3 A: exit $RC, the daemon not asked ($(said xonly))" \
	test "$RC" = 0 -a "$(cat "$W/xonly.txt")" = "deleted 1 entry for $N3" -a \
	! -s "$W/xonly.err" -a "$(hier_md "$P_DEL")" = 0
ask "$N3" A n3-own
t_check "$N3 A after --xdp-only: from the daemon's copy, no resolution ($(moved))" \
	test -s "$W/n3-own.bin" -a "$(hier_md "$OWN") $(hier_md "$RES_N") $((L1 - L0))" = "1 0 0"

# --- SIGUSR1: a flush without xdpdnsctl -----------------------------------------------
hier_snap a
kill -USR1 "$MON"
flushed() {
	hier_snap b
	[ "$(hier_md "$P_FLUSH")" = 1 ]
}
wait_until 5 flushed
t_check "SIGUSR1 to the monitor: the daemon flushed (flush +$(hier_md "$P_FLUSH"), xdp +$(hier_md "$P_XDP"), daemon +$(hier_md "$P_OWN"), libunbound +$(hier_md "$P_UB"))" \
	test "$(hier_md "$P_FLUSH") $(hier_md "$P_UB")" = "1 1" -a \
	"$(ctl cache list | tail -n 1)" = "(0 entries)"
ask "$N3" A n3-usr1
t_check "$N3 A after SIGUSR1: a fresh resolution ($(moved))" fresh n3-usr1
ask "$N4" A n4-usr1

# --- bad arguments ------------------------------------------------------------------
for bad in "cache delete" "cache delete bad..name" "cache delete a.test. TYPE0" \
	"cache flush extra" "cache get --xdp-only $N1" "cache delete --json $N1"; do
	# shellcheck disable=SC2086 # the arguments
	out=$(ctl $bad 2>&1 >/dev/null)
	rc=$?
	t_check "xdpdnsctl $bad: exit $rc, one line ($out)" \
		test "$rc" = 2 -a "$(printf '%s\n' "$out" | wc -l)" = 1
done

# --- a daemon that runs but does not answer ------------------------------------------
# SIGSTOP on the daemon child (which the monitor we started forked): its
# heartbeat is still fresh, so xdpdnsctl waits for it, then deletes the map
# entry itself and says the daemon's copies may bring it back.
# (No /metrics while it is stopped: its server is a thread of that process.)
hier_snap a
kill -STOP "$CHILD"
cleanup_register "kill -CONT '$CHILD'"
t0=$SECONDS
ctl cache delete "$N3" >"$W/stuck.txt" 2>"$W/stuck.err"
RC=$?
took=$((SECONDS - t0))
kill -CONT "$CHILD"
t_check "cache delete $N3 with the daemon stopped by SIGSTOP: exit $RC after ${took} s, the map entry deleted ($(said stuck))" \
	test "$RC" = 1 -a "$(cat "$W/stuck.txt")" = "deleted 1 entry for $N3" -a \
	"$(sed 's/(last heartbeat [0-9]* s ago)/(...)/' "$W/stuck.err")" = "xdpdnsctl: xdpdnsd (pid $CHILD) runs but it did not answer within 5 s (...): removed from the XDP map only; its own copy and libunbound's cache may still hold the answers and write them back"
purged_late() {
	hier_snap b
	[ "$(hier_md "$P_DEL")" = 1 ]
}
t_check "resumed, the daemon carries the request out late (purges +$(wait_until 5 purged_late; hier_md "$P_DEL"))" \
	test "$(hier_md "$P_DEL")" = 1

# --- delete with the daemon stopped -------------------------------------------------
bg_stop "$MON"
t_check "xdpdnsd stopped" test -z "$(ps -o pid= -p "$MON")"
t_check "$N4 A still in the XDP map (the pins stay)" test "$(in_map "$N4" A)" = yes
purge stopped cache delete "$N4"
t_check "cache delete $N4 with no daemon: exit $RC, the map entry deleted, no daemon copy to purge ($(said stopped))" \
	test "$RC" = 0 -a "$(cat "$W/stopped.txt")" = "deleted 1 entry for $N4" -a \
	"$(cat "$W/stopped.err")" = "xdpdnsctl: no xdpdnsd runs on $PIN: the XDP map held the only copy"
t_check "$N4 A gone from the XDP map" test "$(in_map "$N4" A)" = no

# --- --no-xdp: no pins, no xdpdnsctl; SIGUSR1 purges -------------------------------------
bg_start -n "$RES_NS" "$W/xdpdnsd-noxdp.log" "$BUILD/xdpdnsd" --no-xdp \
	--listen "$RES_ADDR4" --root-hints "$ROOT_HINTS" \
	--unbound-config "$UNBOUND_SNIPPET" --metrics "127.0.0.1:$MPORT"
MON=$BG_PID
if ! wait_ports "$RES_NS" 53 15 "$RES_ADDR4" ||
	! wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 15; then
	t_abort "xdpdnsd --no-xdp up (log: $(tail -n 3 "$W/xdpdnsd-noxdp.log" | tr '\n' ' '))"
fi
ask "$N2" A nx-first
ask "$N2" A nx-own
t_check "--no-xdp: $N2 A asked twice, the second from the daemon's copy ($(moved))" \
	test -s "$W/nx-own.bin" -a "$(hier_md "$OWN") $(hier_md "$RES_N") $((L1 - L0))" = "1 0 0"
hier_snap a
kill -USR1 "$MON"
wait_until 5 flushed
# The copy held $N2 and the start-up wait's www.z000.test.
t_check "--no-xdp: SIGUSR1 flushed the daemon's copy and libunbound (flush +$(hier_md "$P_FLUSH"), daemon +$(hier_md "$P_OWN") answers, libunbound +$(hier_md "$P_UB"))" \
	test "$(hier_md "$P_FLUSH") $(hier_md "$P_OWN") $(hier_md "$P_UB")" = "1 2 1"
ask "$N2" A nx-fresh
t_check "--no-xdp: $N2 A after SIGUSR1: a fresh resolution ($(moved))" \
	fresh nx-fresh

t_summary
