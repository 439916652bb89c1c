#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Two xdpdns nodes behind one anycast address, for a new user
# (`make demo-anycast`), on the testbed of anycast.sh: a router namespace
# running FRR (zebra + bgpd, ECMP), two nodes each running xdpdnsd with XDP
# on its router link, its own bgpd and `xdpdnsctl announce`, and 32 client
# addresses behind the router. It shows the routes, a load spread over both
# nodes, node a's hot set imported into node b, node a's daemon killed
# (the route withdrawn, node b answering node a's clients from XDP), and
# node a coming back. Then everything is torn down. About a minute.
# Only 198.18.0.0/15 and 2001:db8::/32 inside namespaces the demo creates.
# Usage: demo_anycast.sh [BUILD_DIR]
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
# shellcheck source-path=SCRIPTDIR source=anycast.sh
. "$(dirname "$0")/anycast.sh"
xd_init demo-anycast "${1:-}"

[ "$(id -u)" -eq 0 ] || xd_die "the demo needs root (namespaces, XDP)"
for c in nsd dig python3 nsenter xdp-loader vtysh /usr/lib/frr/bgpd \
	/usr/lib/frr/zebra setpriv timeout; do
	command -v "$c" >/dev/null || xd_die "the demo needs $c (make deps)"
done
for bin in xdpdnsd xdpdnsctl; do
	[ -x "$BUILD/$bin" ] || xd_die "no $BUILD/$bin: run make first"
done
T0=$SECONDS

say() {
	printf '%s\n' "$*"
}
step() {
	printf '\n\033[1m%s\033[0m\n' "$*"
}
ctl_n() { # N ARGS: xdpdnsctl on node N's pins
	local n=$1
	shift
	ns_enter "${AC_NS[$n]}" "$BUILD/xdpdnsctl" --pin-dir "${AC_PIN[$n]}" "$@"
}
# load FILE QPS SECS: stubload.py's "asked answered first-try failed
# max-tries" from the 32 client addresses (1 s timeout, 3 tries).
load() {
	ns_exec "$AC_CLI_NS" timeout $(($3 + 15)) "$PY" "$XD_DIR/stubload.py" \
		"$AC_SVC4" "$1" "$2" "$3" 1 3 "$AC_CLI_SRCS"
}
routes() {
	ip -n "$AC_RT_NS" route show "$AC_SVC4/32" | sed 's/^/        /'
	ip -n "$AC_RT_NS" -6 route show "$AC_SVC6/128" | sed 's/^/        /'
}
spread_line() { # LOAD-LINE: the load's result and each node's XDP hits
	local asked answered
	read -r asked answered _ <<<"$1"
	say "      $answered of $asked queries answered; XDP hits: node a +$(($(anycast_hits a) - HA0)), node b +$(($(anycast_hits b) - HB0))"
}
mark() {
	HA0=$(anycast_hits a) HB0=$(anycast_hits b)
}

say "xdpdns anycast demo: two resolver nodes announce one service address"
say "($AC_SVC4, $AC_SVC6) to a router over BGP; the router spreads the"
say "clients over both (ECMP); a node that is not healthy withdraws its route."

step "[1/6] Offline DNS hierarchy, router (FRR zebra + bgpd, maximum-paths 4), two nodes"
HIER_CLIENTS=1
hier_up "" || xd_die "the hierarchy did not come up"
W=$HIER_DIR
anycast_up || xd_die "the anycast testbed did not come up (FRR: $W/bgpd-*.log)"
say "      router $AC_RT_NS (AS $AC_RT_AS), node a ${AC_NS[a]} (AS ${AC_AS[a]}), node b ${AC_NS[b]} (AS ${AC_AS[b]}), clients $AC_CLI_NS"

step "[2/6] xdpdnsd and its announce agent on each node"
for n in a b; do
	anycast_node_start "$n" --allow "$AC_SVC4/32" ||
		xd_die "xdpdnsd on node $n: $(tail -n 3 "$W/xdpdnsd-$n.log")"
	anycast_agent_start "$n" --interval 0.5 --rise 2 --fall 2
	say "      node $n: xdpdnsd --interface ${AC_IF[$n]} --listen $AC_SVC4 --listen $AC_SVC6 ..."
	say "              xdpdnsctl announce --prefix $AC_SVC4/32 --prefix $AC_SVC6/128 --bgp-as ${AC_AS[$n]} --interval 0.5 --rise 2 --fall 2"
done
ms=$(anycast_wait_nexthops 2 20) || xd_die "the router did not learn both routes"
say "      both announced after $ms ms; the router's routes (ip route show):"
routes
say "      what the router's bgpd says (vtysh -c 'show ip bgp $AC_SVC4/32'):"
ns_enter "$AC_RT_NS" vtysh -N "$AC_RT_NS" -c "show ip bgp $AC_SVC4/32" 2>/dev/null |
	grep -E "paths|multipath|from" | sed 's/^/        /'

step "[3/6] A load from 32 client addresses is spread over both nodes"
awk '$1 !~ /^#/ { print $1, $2 }' "$HIER_HOT" | sed -n '1,512p' >"$W/hot.txt"
load "$W/hot.txt" 512 1 >/dev/null # the first asks: recursion
mark
spread_line "$(load "$W/hot.txt" 512 2)"

step "[4/6] Node a's hot set, imported into node b (xdpdnsctl hotset)"
ctl_n a hotset export >"$W/hot-a.txt"
say "      node a: xdpdnsctl hotset export > hot-a.txt: $(grep -vc '^#' "$W/hot-a.txt") names"
say "      node b: $(ctl_n b hotset import "$W/hot-a.txt" --server "$AC_SVC4" 2>&1 | tail -n 1)"

step "[5/6] Node a's xdpdnsd killed (SIGKILL) under a steady load"
load "$W/hot.txt" 200 6 >"$W/kill.line" &
lpid=$!
sleep 1.5
mark
{
	kill -KILL "${AC_MON[a]}"
	wait "${AC_MON[a]}"
} 2>/dev/null
ms=$(anycast_wait_nexthops 1 10)
say "      route withdrawn $ms ms after the kill; the router now has:"
routes
wait "$lpid"
read -r asked answered first _ <"$W/kill.line"
say "      the load through it: $answered of $asked answered ($first at the first try; 1 s timeout, 3 tries)"
say "      XDP hits since the kill: node a +$(($(anycast_hits a) - HA0)) (its program stays attached while the route moves), node b +$(($(anycast_hits b) - HB0))"
say "      node a's agent said:"
grep "unhealthy\|withdrew" "$W/announce-a.log" | tail -n 3 | sed 's/^/        /'

step "[6/6] Node a started again"
anycast_node_start a --allow "$AC_SVC4/32" || xd_die "xdpdnsd on node a again"
ms=$(anycast_wait_nexthops 2 20)
say "      re-announced $ms ms after it answered; spread again:"
mark
spread_line "$(load "$W/hot.txt" 512 2)"

step "Tearing down"
anycast_agent_stop a
anycast_agent_stop b
ms=$(anycast_wait_nexthops 0 10)
say "      agents stopped with SIGTERM: each withdrew its routes, the router had none left after $ms ms"
say "      done in $((SECONDS - T0)) s; the test of the same setup: tests/netns/run.sh $BUILD test_anycast.sh"
