#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The process model users run: the default privilege-dropping mode (a root
# monitor and an unprivileged daemon child) on the offline hierarchy, and
# what each kill or stop does to it. Asserted by the client's answers, the
# XDP counters and the processes and programs left:
#   - daemon child killed (SIGKILL, SIGSEGV): XDP keeps answering cached
#     names, the monitor restarts the daemon (log line, restart counter),
#     which finds the maps warm; uncached names are answered again;
#   - a second start beside a running one refuses to run;
#   - monitor killed (SIGKILL): the daemon exits too, XDP stays attached with
#     its pins and keeps answering; the next start adopts it;
#   - SIGTERM: a clean stop that detaches XDP, or, with --keep-xdp-on-exit,
#     leaves it answering for the next start to adopt;
#   - SIGTERM in the middle of the setup (the program just attached) still
#     ends in a clean stop;
#   - `xdpdnsctl health` and /health: healthy when all is well, and naming
#     what is wrong when the daemon is gone, XDP detached or recursion
#     failing (the authority link down).
# Afterwards there is always exactly one daemon and one program.
# Runs in a private mount namespace with its own bpffs for the pins, under
# an overall time limit. Prints PASS/FAIL lines and "N passed, N failed".
# Usage: test_process.sh [BUILD_DIR]
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init process "${1:-}"
LIMIT=${TEST_PROCESS_LIMIT:-240}

t_require nsd dig python3 curl unshare nsenter xdp-loader ps timeout
hier_up_xdpdnsd "$LIMIT"
XDPDNSD=$BUILD/xdpdnsd
ARGS=(--interface "$RES_IF_CLIENT" --listen "$RES_ADDR4" --pin-dir "$PIN"
	--metrics "127.0.0.1:$MPORT" --root-hints "$ROOT_HINTS"
	--unbound-config "$UNBOUND_SNIPPET" --ratelimit 0 --miss-limit 0)

# Name sets: WARM are cached once and must survive every kill; each COLDn
# is asked once, after a restart, to show that recursion is back.
awk '$2 == "A" { print $1, $2 }' "$HIER_HOT" | head -n 40 >"$W/a.txt"
head -n 20 "$W/a.txt" >"$W/warm.txt"
for i in 1 2 3 4; do
	sed -n "$((16 + 5 * i)),$((20 + 5 * i))p" "$W/a.txt" >"$W/cold$i.txt"
done
[ "$(wc -l <"$W/cold4.txt")" -eq 5 ] || t_abort "not enough A names in $HIER_HOT"

# --- helpers -------------------------------------------------------------------
# start LOG [ARGS...]: start xdpdnsd (default user) and wait until it
# resolves; sets MON (the monitor: the PID we started) and CHILD.
start() {
	local log=$1
	shift
	bg_start -n "$RES_NS" "$log" "$XDPDNSD" "${ARGS[@]}" "$@"
	MON=$BG_PID
	wait_ports "$RES_NS" 53 15 "$RES_ADDR4" &&
		wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 15 &&
		CHILD=$(child_of "$MON") && [ -n "$CHILD" ]
}
# stop_monitor: SIGTERM to MON and its exit status in rc.
stop_monitor() {
	kill -TERM "$MON"
	wait "$MON" 2>/dev/null
	rc=$?
	bg_stop "$MON"
}
child_of() {
	ps -o pid= --ppid "$1" | tr -d ' ' | head -n 1
}
# new_child OLD [S]: wait up to S (10) seconds for a child of MON other
# than OLD; sets CHILD.
new_child() {
	local old=$1 end=$((SECONDS + ${2:-10}))
	while [ "$SECONDS" -le "$end" ]; do
		CHILD=$(child_of "$MON")
		[ -n "$CHILD" ] && [ "$CHILD" != "$old" ] && return 0
		sleep 0.1
	done
	return 1
}
gone() { # PID [S]: 0 once PID has exited (up to S, 5, seconds)
	local end=$((SECONDS + ${2:-5}))
	while kill -0 "$1" 2>/dev/null; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}
# Every xdpdnsd process of this build (monitors and daemons).
daemons() {
	ps -eo pid=,args= | awk -v b="$XDPDNSD" '$2 == b' | wc -l
}
progs() { # ids of the XDP programs on the client link, one per line
	ip -n "$RES_NS" -d link show dev "$RES_IF_CLIENT" 2>/dev/null |
		sed -n 's/.*prog\/xdp[a-z]* id \([0-9]*\).*/\1/p'
}
ask() { # FILE: "answered N of M" from the client
	ns_exec "$CLI_NS" "$PY" "$XD_DIR/ask.py" "$RES_ADDR4" 53 "$1" 1000
}
# warm_from_xdp WHAT: all warm names answered, each one an XDP hit (nothing
# else is asking meanwhile).
warm_from_xdp() {
	local h0 h1 got d=unreadable
	h0=$(hier_hits)
	got=$(ask "$W/warm.txt")
	h1=$(hier_hits)
	[[ "$h0 $h1" =~ ^[0-9]+\ [0-9]+$ ]] && d=$((h1 - h0))
	t_check "$1: warm names $got, XDP hits +$d" \
		test "$got" = "answered 20 of 20" -a "$d" = 20
}
# cold_answered N WHAT: the names of cold N (never asked) are resolved.
cold_answered() {
	local got
	got=$(ask "$W/cold$1.txt")
	t_check "$2: uncached names $got" test "$got" = "answered 5 of 5"
}
# health WANT WHAT: xdpdnsctl health exits WANT (0/1) and says EXPECT.
health() {
	local want=$1 expect=$2 out rc
	out=$(ns_enter "$RES_NS" "$BUILD/xdpdnsctl" --pin-dir "$PIN" health)
	rc=$?
	t_check "xdpdnsctl health: exit $rc: $out" \
		test "$rc" -eq "$want" -a "${out/$expect/}" != "$out"
}
http_health() { # CODE EXPECT: /health answers CODE with a line holding EXPECT
	local out
	out=$(ns_enter "$RES_NS" curl -s --max-time 2 -w ' %{http_code}' \
		"http://127.0.0.1:$MPORT/health")
	t_check "/health: $out" \
		test "${out##* }" = "$1" -a "${out/$2/}" != "$out"
}
one_of_each() { # WHAT: one monitor + one daemon, one program (id ID)
	local n p
	n=$(daemons)
	p=$(progs | tr '\n' ' ')
	t_check "$1: $n xdpdnsd processes (monitor + daemon), programs on the link: ${p:-none}" \
		test "$n" -eq 2 -a "$p" = "$PROG "
}

# --- 1. the default mode ---------------------------------------------------------
start "$W/d1.log" || t_abort "xdpdnsd up (log: $(tail -n 3 "$W/d1.log" | tr '\n' ' '))"
muser=$(ps -o user= -p "$MON")
cuser=$(ps -o user= -p "$CHILD")
t_check "default mode: monitor runs as $muser, daemon as ${cuser:-?}" \
	test "$muser" = root -a -n "$cuser" -a "$cuser" != root
PROG=$(progs | head -n 1)
t_check "one XDP program on $RES_IF_CLIENT (id ${PROG:-none})" \
	test -n "$PROG" -a "$(progs | wc -l)" -eq 1
got=$(ask "$W/warm.txt")
t_check "warm names resolved cold: $got" test "$got" = "answered 20 of 20"
warm_from_xdp "cached"
sleep 1.1 # the pulse reaches the map once a second
health 0 "healthy: maps present, XDP program $PROG on $RES_IF_CLIENT, daemon $CHILD alive, recursion answering"
http_health 200 "healthy: maps present, XDP program $PROG"
# SIGHUP to the monitor reaches the daemon, which reloads.
kill -HUP "$MON"
for _ in $(seq 50); do
	grep -q "reloaded the command line" "$W/d1.log" && break
	sleep 0.1
done
t_check "SIGHUP to the monitor: the daemon reloaded, same daemon $CHILD" \
	test "$(grep -c "reloaded the command line" "$W/d1.log")" -ge 1 -a \
	"$(child_of "$MON")" = "$CHILD"

# --- 2. daemon child killed: XDP answers, the monitor restarts it ----------------
n=0
for sig in KILL SEGV; do
	n=$((n + 1))
	old=$CHILD
	kill -"$sig" "$old"
	gone "$old" 2 || :
	warm_from_xdp "daemon killed (SIG$sig), before its restart"
	if new_child "$old" 10; then
		t_pass "SIG$sig: the monitor started a new daemon ($old -> $CHILD)"
	else
		t_fail "SIG$sig: no new daemon within 10 s"
	fi
	wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 10 || :
	cold_answered "$n" "after the SIG$sig restart"
	r=$(hier_metric xdpdns_daemon_restarts_total)
	t_check "SIG$sig: xdpdns_daemon_restarts_total $r" test "$r" = "$n"
	t_check "SIG$sig: the monitor logged the death and the restart" \
		grep -q "died of signal .*restarting the daemon in" "$W/d1.log"
	one_of_each "after the SIG$sig restart"
done
t_check "the restarted daemon found the cache warm" \
	grep -q "cache is warm" "$W/d1.log"

# --- 3. a second start beside a running one -----------------------------------------
t0=$SECONDS
ns_enter "$RES_NS" timeout -k 5 30 "$XDPDNSD" "${ARGS[@]}" --metrics \
	"127.0.0.1:$((MPORT + 1))" >"$W/second.log" 2>&1
rc=$?
t_check "a second xdpdnsd on the same pins exits $rc after $((SECONDS - t0)) s: $(tail -n 1 "$W/second.log")" \
	test "$rc" -ne 0 -a "$rc" -ne 124 -a "$(grep -c 'another xdpdnsd is running' "$W/second.log")" -ge 1
one_of_each "after the refused second start"

# --- 4. monitor killed: the daemon goes, XDP stays, the next start adopts -------
kill -KILL "$MON"
{ wait "$MON"; } 2>/dev/null
bg_stop "$MON"
t_check "monitor killed (SIGKILL): its daemon $CHILD exits too" gone "$CHILD" 5
t_check "monitor killed: no xdpdnsd left, program ${PROG} still attached" \
	test "$(daemons)" -eq 0 -a "$(progs | tr '\n' ' ')" = "$PROG "
warm_from_xdp "monitor and daemon gone"
# At once: nobody holds the pin directory's lock (the heartbeat is fresh).
health 1 "unhealthy: daemon $CHILD gone (no xdpdnsd holds the pin directory"
start "$W/d2.log" || t_fail "start after the monitor was killed (log: $(tail -n 3 "$W/d2.log" | tr '\n' ' '))"
t_check "the next start adopted the attached program" \
	grep -q "adopted the XDP program already on $RES_IF_CLIENT (id $PROG)" "$W/d2.log"
one_of_each "after adopting"
cold_answered 3 "after adopting"
warm_from_xdp "after adopting"

# --- 5. SIGTERM with --keep-xdp-on-exit, then a plain stop -----------------------
stop_monitor
t_check "SIGTERM: exit status $rc, no xdpdnsd left, XDP detached" \
	test "$rc" -eq 0 -a "$(daemons)" -eq 0 -a -z "$(progs)"
t_check "SIGTERM: the pins stay for a warm restart" \
	test -e "$PIN/xdpdns_cache"
# bpftool prints the cache's index and slots with their field names (BTF).
t_check "bpftool shows the index (gen, loc) and a live slot (seq, gen, mkey, data_len) by name" \
	bash -c "bpftool map dump pinned '$PIN/xdpdns_cache' | grep -q '\"loc\":' &&
		bpftool map dump pinned '$PIN/xdpdns_slot0' | grep -q '\"live\": 1' &&
		bpftool map dump pinned '$PIN/xdpdns_slot0' | grep -q '\"data_len\":' &&
		bpftool map dump pinned '$PIN/xdpdns_slot0' | grep -q '\"name_hash\":'"
health 1 "XDP program $PROG not attached to $RES_IF_CLIENT"

start "$W/d3.log" --keep-xdp-on-exit || t_fail "start with --keep-xdp-on-exit"
PROG=$(progs | head -n 1)
stop_monitor
t_check "--keep-xdp-on-exit, SIGTERM: exit $rc, no xdpdnsd, program ${PROG:-?} still on the link" \
	test "$rc" -eq 0 -a "$(daemons)" -eq 0 -a "$(progs | tr '\n' ' ')" = "$PROG "
warm_from_xdp "stopped with --keep-xdp-on-exit"
start "$W/d4.log" || t_fail "start after --keep-xdp-on-exit"
t_check "the start after --keep-xdp-on-exit adopted program $PROG" \
	grep -q "adopted the XDP program already on $RES_IF_CLIENT (id $PROG)" "$W/d4.log"
cold_answered 4 "after the upgrade-style restart"
one_of_each "after the upgrade-style restart"

# --- 6. recursion failing: the authority link down --------------------------------
ns_exec "$RES_NS" sysctl -qw "net.ipv6.conf.$RES_IF_AUTH.keep_addr_on_down=1"
ip -n "$RES_NS" link set "$RES_IF_AUTH" down
cleanup_register "ip -n '$RES_NS' link set '$RES_IF_AUTH' up"
sleep 10.5 # the last good answer ages past HEALTH_RECURSION_GRACE_NS (10 s)
pids=()
for i in 1 2 3 4 5 6; do
	ns_exec "$CLI_NS" dig +tries=1 +time=8 @"$RES_ADDR4" "nx$i-$$.z001.test." \
		>"$W/nx$i.out" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
sleep 1.1 # the pulse reaches the map once a second
st=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' "$W"/nx*.out | sort | uniq -c | tr -s ' \n' ' ')
t_check "authority link down: the six new names got SERVFAIL ($st)" \
	test "$st" = " 6 SERVFAIL "
health 1 "recursion failing (6 failures in a row"
http_health 503 "unhealthy: recursion failing"
ip -n "$RES_NS" link set "$RES_IF_AUTH" up
wait_dns "$CLI_NS" "$RES_ADDR4" 53 "back-$$.z002.test." 10 || :
sleep 1.1
health 0 "healthy:"
stop_monitor
t_check "final SIGTERM: exit $rc, XDP detached, nothing left" \
	test "$rc" -eq 0 -a "$(daemons)" -eq 0 -a -z "$(progs)"

# --- 7. SIGTERM during the setup ---------------------------------------------------
# Loading the program takes a few hundred ms: a stop that arrives then must
# still detach (it waits, blocked, until the daemon can act on it).
for delay in 0.2 0.4; do
	bg_start -n "$RES_NS" "$W/early-$delay.log" "$XDPDNSD" "${ARGS[@]}"
	MON=$BG_PID
	sleep "$delay"
	stop_monitor
	t_check "SIGTERM ${delay} s into the setup: exit $rc, no xdpdnsd, nothing attached" \
		test "$rc" -eq 0 -a "$(daemons)" -eq 0 -a -z "$(progs)"
done

t_summary
[ "$T_FAILED" -eq 0 ]
