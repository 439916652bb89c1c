# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# An anycast pair on top of the offline hierarchy (hierarchy.sh), sourced by
# test_anycast.sh and demo_anycast.sh:
#
#   client (AC_CLI_NS) -- router (AC_RT_NS: zebra + bgpd, ECMP) --+-- node a
#                                                                  +-- node b
#   node a/b (AC_NS[a|b]) -- the hierarchy's auth namespace (NSD)
#
# Each node carries the service addresses AC_SVC4 and AC_SVC6 on its lo (this kernel has
# no dummy driver), runs xdpdnsd with XDP on its router-facing veth and its
# own bgpd (no zebra: it announces, it installs nothing), which takes the
# service /32 and /128 in and out as `xdpdnsctl announce` says. The router
# learns them from both over eBGP, one IPv4 and one IPv6 session per node
# (AS 65000 <- 65001, 65002), installs both next hops (maximum-paths,
# multipath-relax) and hashes flows by L4 ports (fib_multipath_hash_policy
# 1, both families). Addresses: 198.18.71-72.0/24 and 2001:db8:71-72::/64
# router-node, 198.18.80.0/24 and 2001:db8:80::/64 client-router,
# 198.18.91-92.0/24 (2001:db8:91-92::/64) node-auth; no default route
# anywhere. Everything it starts is tracked
# for cleanup; FRR's runtime directories are removed on exit.
# Functions: anycast_up, anycast_node_start N, anycast_node_stop N,
# anycast_agent_start N, anycast_bgpd_restart N, anycast_uplink N on|off,
# anycast_nexthops [6], anycast_wait_nexthops COUNT SECS,
# anycast_hits N.

AC_SVC4=198.18.53.53
AC_SVC6=2001:db8:53::53
AC_RT_NS=${XD_PFX}rt
AC_CLI_NS=${XD_PFX}ac
AC_CLI_ADDR=198.18.80.2
AC_CLI_ADDR6=2001:db8:80::2
AC_CLI_SRCS=198.18.80.10+32 # stubload.py: 32 clients
AC_RT_AS=65000
declare -A AC_NS AC_IF AC_RT_IF AC_NET AC_AS AC_PIN AC_MON AC_AGENT AC_MPORT \
	AC_BGPD
for n in a b; do
	AC_NS[$n]=${XD_PFX}n$n
	AC_IF[$n]=${XD_PFX}n${n}0
	AC_RT_IF[$n]=${XD_PFX}r$n
	AC_MON[$n]=
	AC_AGENT[$n]=
done
AC_NET[a]=71 AC_NET[b]=72
AC_AS[a]=65001 AC_AS[b]=65002
AC_MPORT[a]=9153 AC_MPORT[b]=9153
AC_FRR_DIRS=()

# _ac_frr_dir PATHSPACE - FRR's runtime directory for one namespace's
# daemons (vty sockets, zserv), owned by frr.
_ac_frr_dir() {
	local d=/run/frr/$1
	mkdir -p "$d" && chown frr:frr "$d" || return 1
	AC_FRR_DIRS+=("$d")
	cleanup_register "rm -rf '$d'"
}

# _ac_bgpd NS PATHSPACE CONF [ZEBRA] - bgpd (and zebra) in NS; bgpd's PID
# in AC_BGPD[PATHSPACE].
_ac_bgpd() {
	local ns=$1 ps=$2 conf=$3 zebra=${4:-}
	_ac_frr_dir "$ps" || return 1
	chmod 644 "$conf"
	if [ -n "$zebra" ]; then
		bg_start "$ns" "$W/zebra-$ps.log" /usr/lib/frr/zebra -N "$ps" \
			-f /dev/null -i "/run/frr/$ps/zebra.pid" --log stdout
		wait_until 10 test -S "/run/frr/$ps/zserv.api" ||
			return 1
		bg_start "$ns" "$W/bgpd-$ps.log" /usr/lib/frr/bgpd -N "$ps" \
			-f "$conf" -i "/run/frr/$ps/bgpd.pid" --log stdout
	else
		bg_start "$ns" "$W/bgpd-$ps.log" /usr/lib/frr/bgpd -N "$ps" -Z \
			-f "$conf" -i "/run/frr/$ps/bgpd.pid" --log stdout
	fi
	AC_BGPD[$ps]=$BG_PID
	wait_until 10 test -S "/run/frr/$ps/bgpd.vty"
}

anycast_up() {
	local n net
	netns_create "$AC_RT_NS"
	netns_create "$AC_CLI_NS"
	local extra="" i
	for ((i = 10; i < 42; i++)); do
		extra+=",198.18.80.$i/24"
	done
	veth_link "$AC_CLI_NS" "${XD_PFX}ac0" \
		"$AC_CLI_ADDR/24$extra,$AC_CLI_ADDR6/64" \
		"$AC_RT_NS" "${XD_PFX}rc" "198.18.80.1/24,2001:db8:80::1/64"
	ip -n "$AC_CLI_NS" route add "$AC_SVC4/32" via 198.18.80.1
	ip -n "$AC_CLI_NS" -6 route add "$AC_SVC6/128" via 2001:db8:80::1
	ip netns exec "$AC_RT_NS" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.fib_multipath_hash_policy=1 \
		net.ipv6.conf.all.forwarding=1 \
		net.ipv6.fib_multipath_hash_policy=1
	for n in a b; do
		net=${AC_NET[$n]}
		netns_create "${AC_NS[$n]}"
		veth_link "${AC_NS[$n]}" "${AC_IF[$n]}" \
			"198.18.$net.2/24,2001:db8:$net::2/64" \
			"$AC_RT_NS" "${AC_RT_IF[$n]}" \
			"198.18.$net.1/24,2001:db8:$net::1/64"
		# XDP_TX replies reach the router only with XDP on its side too.
		veth_xdp_peer "$AC_RT_NS" "${AC_RT_IF[$n]}" || return 1
		veth_link "${AC_NS[$n]}" "${XD_PFX}u$n" \
			"198.18.$((net + 20)).1/24,2001:db8:$((net + 20))::1/64" \
			"$AUTH_NS" "${XD_PFX}x$n" \
			"198.18.$((net + 20)).2/24,2001:db8:$((net + 20))::2/64"
		ip -n "${AC_NS[$n]}" addr add "$AC_SVC4/32" dev lo
		ip -n "${AC_NS[$n]}" addr add "$AC_SVC6/128" dev lo nodad
		anycast_uplink "$n" on
		ip -n "${AC_NS[$n]}" route add 198.18.80.0/24 \
			via "198.18.$net.1"
		ip -n "${AC_NS[$n]}" -6 route add 2001:db8:80::/64 \
			via "2001:db8:$net::1"
		AC_PIN[$n]=$W/pins-$n
		mkdir -p "${AC_PIN[$n]}" &&
			mount -t bpf bpf "${AC_PIN[$n]}" || return 1
		cleanup_register "umount '${AC_PIN[$n]}'"
		cleanup_register "ns_enter '${AC_NS[$n]}' xdp-loader unload '${AC_IF[$n]}' --all"
		cat >"$W/bgpd-$n.conf" <<EOF
router bgp ${AC_AS[$n]}
 bgp router-id 198.18.$net.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 198.18.$net.1 remote-as $AC_RT_AS
 neighbor 198.18.$net.1 timers 1 3
 neighbor 198.18.$net.1 timers connect 1
 neighbor 2001:db8:$net::1 remote-as $AC_RT_AS
 neighbor 2001:db8:$net::1 timers 1 3
 neighbor 2001:db8:$net::1 timers connect 1
 address-family ipv4 unicast
  no neighbor 2001:db8:$net::1 activate
 exit-address-family
 address-family ipv6 unicast
  neighbor 2001:db8:$net::1 activate
 exit-address-family
EOF
		_ac_bgpd "${AC_NS[$n]}" "${AC_NS[$n]}" "$W/bgpd-$n.conf" ||
			return 1
	done
	cat >"$W/bgpd-rt.conf" <<EOF
router bgp $AC_RT_AS
 bgp router-id 198.18.80.1
 no bgp ebgp-requires-policy
 bgp bestpath as-path multipath-relax
 neighbor 198.18.71.2 remote-as ${AC_AS[a]}
 neighbor 198.18.71.2 timers 1 3
 neighbor 198.18.71.2 timers connect 1
 neighbor 198.18.72.2 remote-as ${AC_AS[b]}
 neighbor 198.18.72.2 timers 1 3
 neighbor 198.18.72.2 timers connect 1
 neighbor 2001:db8:71::2 remote-as ${AC_AS[a]}
 neighbor 2001:db8:71::2 timers 1 3
 neighbor 2001:db8:71::2 timers connect 1
 neighbor 2001:db8:72::2 remote-as ${AC_AS[b]}
 neighbor 2001:db8:72::2 timers 1 3
 neighbor 2001:db8:72::2 timers connect 1
 address-family ipv4 unicast
  maximum-paths 4
  no neighbor 2001:db8:71::2 activate
  no neighbor 2001:db8:72::2 activate
 exit-address-family
 address-family ipv6 unicast
  maximum-paths 4
  neighbor 2001:db8:71::2 activate
  neighbor 2001:db8:72::2 activate
 exit-address-family
EOF
	_ac_bgpd "$AC_RT_NS" "$AC_RT_NS" "$W/bgpd-rt.conf" zebra
}

# anycast_uplink N on|off - node N's routes to the hierarchy's servers: via
# its link to them, or unreachable (its recursion fails at once; the link
# and its addresses stay as they are).
anycast_uplink() {
	local ns=${AC_NS[$1]} gw=$((AC_NET[$1] + 20))
	if [ "$2" = off ]; then
		ip -n "$ns" route replace unreachable 198.18.0.0/24 &&
			ip -n "$ns" -6 route replace unreachable 2001:db8::/64
	else
		ip -n "$ns" route replace 198.18.0.0/24 via "198.18.$gw.2" &&
			ip -n "$ns" -6 route replace 2001:db8::/64 \
				via "2001:db8:$gw::2"
	fi
}

# anycast_node_start N [ARGS] - xdpdnsd on node N in the default mode
# (monitor + unprivileged daemon), XDP on its router link, answering; its
# metrics on the router link's address (198.18.71.2:9153 for node a), for a
# Prometheus in the router namespace.
anycast_node_start() {
	local n=$1
	shift
	bg_start -n "${AC_NS[$n]}" "$W/xdpdnsd-$n.log" "$BUILD/xdpdnsd" \
		--interface "${AC_IF[$n]}" --listen "$AC_SVC4" --listen "$AC_SVC6" \
		--allow 198.18.80.0/24 --allow 2001:db8:80::/64 --pin-dir "${AC_PIN[$n]}" \
		--root-hints "$ROOT_HINTS" --unbound-config "$UNBOUND_SNIPPET" \
		--metrics "198.18.${AC_NET[$n]}.2:${AC_MPORT[$n]}" "$@"
	AC_MON[$n]=$BG_PID
	wait_ports "${AC_NS[$n]}" 53 15 "$AC_SVC4" "$AC_SVC6" &&
		wait_dns "${AC_NS[$n]}" "$AC_SVC4" 53 www.z000.test. 15
}
# anycast_bgpd_restart N - node N's bgpd stopped and started again from its
# configuration file (which announces nothing: the agent must say it again).
anycast_bgpd_restart() {
	bg_stop "${AC_BGPD[${AC_NS[$1]}]}"
	anycast_wait_nexthops 1 10 >/dev/null || return 1
	_ac_bgpd "${AC_NS[$1]}" "${AC_NS[$1]}" "$W/bgpd-$1.conf"
}
anycast_node_stop() {
	bg_stop "${AC_MON[$1]}"
	AC_MON[$1]=
}

# anycast_agent_start N [ARGS] - xdpdnsctl announce for node N's bgpd,
# started the way tools/systemd/xdpdns-announce.service starts it: its
# CapabilityBoundingSet, SupplementaryGroups and NoNewPrivileges (setpriv).
anycast_agent_start() {
	local n=$1 unit=$ROOT/tools/systemd/xdpdns-announce.service c
	local caps=-all groups nnp=()
	shift
	for c in $(sed -n 's/^CapabilityBoundingSet=//p' "$unit"); do
		c=${c#CAP_}
		caps+=",+${c,,}"
	done
	groups=$(sed -n 's/^SupplementaryGroups=//p' "$unit" | tr ' ' ',')
	grep -qx 'NoNewPrivileges=yes' "$unit" && nnp=(--no-new-privs)
	bg_start -n "${AC_NS[$n]}" "$W/announce-$n.log" \
		setpriv --groups "$groups" --bounding-set "$caps" "${nnp[@]}" \
		"$BUILD/xdpdnsctl" \
		--pin-dir "${AC_PIN[$n]}" announce --prefix "$AC_SVC4/32" \
		--prefix "$AC_SVC6/128" \
		--bgp-as "${AC_AS[$n]}" "$@" -- vtysh -N "${AC_NS[$n]}"
	AC_AGENT[$n]=$BG_PID
}
anycast_agent_stop() {
	bg_stop "${AC_AGENT[$1]}"
	AC_AGENT[$1]=
}

# anycast_nexthops [6] - how many next hops the router's kernel route to
# the service address (the IPv6 one with 6) has (0: none).
anycast_nexthops() {
	local r=$AC_SVC4/32 f=-4
	[ "${1:-}" = 6 ] && r=$AC_SVC6/128 f=-6
	ip -n "$AC_RT_NS" "$f" route show "$r" | awk '
		/nexthop via/ { n++ } /^[0-9].* via / { one = 1 }
		END { print n ? n : (one ? 1 : 0) }'
}
# anycast_wait_nexthops COUNT SECS - polls every 20 ms until both routes
# (IPv4 and IPv6) have COUNT next hops; prints the ms it took. Return: 1 on
# timeout.
anycast_wait_nexthops() {
	local want=$1 t0 now
	t0=$(date +%s%N)
	while :; do
		[ "$(anycast_nexthops)" = "$want" ] &&
			[ "$(anycast_nexthops 6)" = "$want" ] && break
		now=$(date +%s%N)
		if [ $(((now - t0) / 1000000)) -gt $(($2 * 1000)) ]; then
			echo $(((now - t0) / 1000000))
			return 1
		fi
		sleep 0.02
	done
	now=$(date +%s%N)
	echo $(((now - t0) / 1000000))
}

# anycast_hits N - XDP cache hits of node N so far.
anycast_hits() {
	"$BUILD/xdpdnsctl" --pin-dir "${AC_PIN[$1]}" stats --json |
		"$PY" "$XD_DIR/jsonq.py" get - xdp_outcomes.hit
}
