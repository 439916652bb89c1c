#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Two xdpdns nodes behind one anycast address (issue 14), on the testbed of
# anycast.sh: FRR's bgpd on each node and on the router, ECMP, each node's
# routes (a /32 and a /128) driven by `xdpdnsctl announce` (interval 0.5 s,
# rise 2, fall 2):
#   (a) both announced: the router's routes have two next hops; a steady
#       load from 64 client ports is answered by both nodes' XDP; IPv6
#       queries through the router answered;
#   (b) the hot set: node a's (xdpdnsctl hotset export) imported into
#       node b beforehand;
#   (c) node a's xdpdnsd killed (SIGKILL to the process we started) under
#       a steady load: its route withdrawn within 3 s, >= 99% of the
#       load answered counting a stub's retries (1 s timeout, 3 tries,
#       each try from another source port), and within 5 s of the
#       withdrawal node b answers >= 90% of node a's hot names from XDP
#       (per-name XDP hit counters of node b's cache);
#   (d) node a started again: re-announced, the load spread over both
#       again, one xdpdnsd (one monitor and one daemon) on node a;
#   (e) node a's XDP program detached under load: withdrawn within 3 s,
#       >= 99% answered; the daemon restarted: re-announced; node b's
#       bgpd restarted (empty of the agent's statements): the agent's
#       --refresh announces again;
#   (h) node a's recursion failing (its routes to the authorities
#       unreachable): withdrawn after the health rule's 10 s grace, and
#       announced again once the routes are back;
#   (i) node b's bgpd frozen (SIGSTOP: a node that hangs or loses power,
#       nobody withdraws): the router drops it after its hold time;
#   (f) the agent stopped with SIGTERM: the route withdrawn as it exits;
#   (g) a real Prometheus with the shipped fleet config (tools/prometheus,
#       targets and intervals rewritten) scrapes both nodes with their node
#       label and the shipped recording rules give per-node and fleet
#       figures (checked after (b), before the kill).
# Bounded: every load is at most 20,000 queries and a few seconds.
# Prints PASS/FAIL lines and "N passed, N failed".
# Usage: test_anycast.sh [BUILD_DIR]
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
# shellcheck source-path=SCRIPTDIR source=anycast.sh
. "$(dirname "$0")/anycast.sh"
xd_init anycast "${1:-}"
LIMIT=${TEST_ANYCAST_LIMIT:-240}

t_require nsd dig python3 unshare nsenter xdp-loader vtysh \
	/usr/lib/frr/bgpd /usr/lib/frr/zebra timeout setpriv prometheus curl
t_need_bins "$BUILD" xdpdnsd xdpdnsctl
xd_private_mounts "$LIMIT" -- "$SELF" "$BUILD"
HIER_CLIENTS=1
hier_up "${XD_WORKDIR:-}" || t_abort "hierarchy bring-up"
W=$HIER_DIR
anycast_up || t_abort "anycast testbed (FRR) bring-up"

# TEST_ANYCAST_AGENT: other agent options (the README's figures for the
# defaults come from TEST_ANYCAST_AGENT="--refresh 2").
read -ra AGENT_ARGS <<<"${TEST_ANYCAST_AGENT:---interval 0.5 --rise 2 --fall 2 --refresh 2}"
start_node() {
	anycast_node_start "$1" --allow "$AC_SVC4/32" || t_abort \
		"xdpdnsd on node $1 (log: $(tail -n 3 "$W/xdpdnsd-$1.log" | tr '\n' ' '))"
}
# load FILE QPS SECS OUT: stubload.py's line for FILE from the client.
load() {
	ns_exec "$AC_CLI_NS" timeout $(($3 + 15)) "$PY" "$XD_DIR/stubload.py" \
		"$AC_SVC4" "$1" "$2" "$3" 1 3 "$AC_CLI_SRCS" "$4"
}
# ok99 LINE: at least 99% of "asked answered ..." answered.
ok99() {
	local asked answered
	read -r asked answered _ <<<"$1"
	[ "${asked:-0}" -gt 0 ] && [ $((answered * 100)) -ge $((asked * 99)) ]
}
# spread A B: both moved, neither below a fifth of the sum.
spread() {
	[ "$1" -gt 0 ] && [ "$2" -gt 0 ] && [ $(($1 * 5)) -ge $(($1 + $2)) ] &&
		[ $(($2 * 5)) -ge $(($1 + $2)) ]
}
# daemons N: xdpdnsd processes on node N's pins (monitor and daemon).
daemons() {
	local p c=0
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = xdpdnsd ] || continue
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null |
			grep -qF -- "${AC_PIN[$1]}" && c=$((c + 1))
	done
	echo "$c"
}

for n in a b; do
	start_node "$n"
	anycast_agent_start "$n" "${AGENT_ARGS[@]}"
done

# A real Prometheus in the router namespace with the shipped fleet config
# (tools/prometheus): its two example targets become the nodes' metrics
# addresses, its intervals 1 s; the shipped recording rules as they are.
"$PY" - "$ROOT/tools/prometheus/prometheus.yml" "$W/prometheus.yml" \
	"$ROOT/tools/prometheus/xdpdns-fleet.rules.yml" <<'EOF' ||
import sys
s = open(sys.argv[1]).read()
for a, b in (("'192.0.2.11:9153'", "'198.18.71.2:9153'"), ("hall-a-1", "a"),
             ("'192.0.2.12:9153'", "'198.18.72.2:9153'"), ("hall-a-2", "b"),
             ("scrape_interval: 10s", "scrape_interval: 1s"),
             ("evaluation_interval: 10s", "evaluation_interval: 1s"),
             ("- xdpdns-fleet.rules.yml", "- " + sys.argv[3])):
    if s.count(a) != 1:
        sys.exit("the shipped prometheus.yml has no single " + a)
    s = s.replace(a, b)
open(sys.argv[2], "w").write(s)
EOF
	t_abort "the fleet config"
bg_start "$AC_RT_NS" "$W/prometheus.log" prometheus \
	--config.file="$W/prometheus.yml" --storage.tsdb.path="$W/tsdb" \
	--web.listen-address=127.0.0.1:9090 --log.level=warn
# promq EXPR: the value of the query's one sample, "n=COUNT" when it has
# several, nothing when none.
promq() {
	ns_exec "$AC_RT_NS" curl -s --max-time 2 --get \
		http://127.0.0.1:9090/api/v1/query --data-urlencode "query=$1" |
		"$PY" -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
except Exception:
    r = []
print(r[0]["value"][1] if len(r) == 1 else ("n=%d" % len(r) if r else ""))'
}
ms=$(anycast_wait_nexthops 2 20)
t_check "(a) both nodes announced: the router has 2 next hops for $AC_SVC4/32 and $AC_SVC6/128 (after $ms ms)" \
	test "$(anycast_nexthops)" = 2 -a "$(anycast_nexthops 6)" = 2
# IPv6 through the router: 16 source ports, every one answered.
v6=0
for ((i = 0; i < 16; i++)); do
	ns_exec "$AC_CLI_NS" dig +tries=1 +time=2 -b "$AC_CLI_ADDR6#$((40000 + i))" \
		@"$AC_SVC6" www.z000.test. AAAA | grep -q "status: NOERROR" &&
		v6=$((v6 + 1))
done
t_check "(a) IPv6 through the router to $AC_SVC6: $v6 of 16 answered" test "$v6" = 16

# Two sets of 256 hot names (a multiple of stubload's 64 ports, so a name
# always leaves from the same port and lands on the same node).
awk '$1 !~ /^#/ { print $1, $2 }' "$HIER_HOT" | sed -n '1,512p' >"$W/hot.txt"
[ "$(wc -l <"$W/hot.txt")" -eq 512 ] || t_abort "512 hot names"
sed -n '1,256p' "$W/hot.txt" >"$W/h.txt"
sed -n '257,512p' "$W/hot.txt" >"$W/l.txt"
load "$W/hot.txt" 512 1 /dev/null >/dev/null
ha0=$(anycast_hits a) hb0=$(anycast_hits b)
r=$(load "$W/hot.txt" 512 2 /dev/null)
ha=$(($(anycast_hits a) - ha0)) hb=$(($(anycast_hits b) - hb0))
t_check "(a) 1,024 queries from 64 ports: answered ($r), XDP hits on a +$ha, b +$hb" \
	eval 'ok99 "$r" && spread "$ha" "$hb"'

# (b) node a's hot set into node b.
ns_enter "${AC_NS[a]}" "$BUILD/xdpdnsctl" --pin-dir "${AC_PIN[a]}" hotset \
	export >"$W/hot-a.txt" 2>"$W/export.err"
grep -Fxf <(awk '{ print $1, $2 }' "$W/h.txt") \
	<(awk '$1 !~ /^#/ { print $1, $2 }' "$W/hot-a.txt") >"$W/ha.txt" || :
NHA=$(wc -l <"$W/ha.txt")
t_check "(b) node a's export lists its share of the hot names ($NHA of 256)" \
	test "$NHA" -ge 40 -a "$NHA" -le 216
imp=$(ns_enter "${AC_NS[b]}" "$BUILD/xdpdnsctl" --pin-dir "${AC_PIN[b]}" \
	hotset import "$W/hot-a.txt" --server "$AC_SVC4" 2>&1 | tail -n 1)
t_check "(b) imported into node b: $imp" test -n "$imp"

# (g) the fleet in Prometheus: both nodes scraped with their node label,
# the shipped recording rules evaluated over the load of (a).
wait_until 30 eval '[ "$(promq fleet:xdpdns_nodes_up)" = 2 ]'
t_check "(g) Prometheus (shipped fleet config): fleet:xdpdns_nodes_up = $(promq fleet:xdpdns_nodes_up), up{node=\"a\"} = $(promq 'up{node="a"}'), up{node=\"b\"} = $(promq 'up{node="b"}')" \
	test "$(promq fleet:xdpdns_nodes_up)" = 2 -a "$(promq 'up{node="a"}')" = 1 \
	-a "$(promq 'up{node="b"}')" = 1
# fleet_ok: the per-node and fleet rates of the shipped rules agree and
# both nodes moved (a NaN or a missing series is not ok).
fleet_ok() {
	qa=$(promq 'node:xdpdns_queries:rate1m{node="a"}')
	qb=$(promq 'node:xdpdns_queries:rate1m{node="b"}')
	fq=$(promq fleet:xdpdns_queries:rate1m)
	hr=$(promq fleet:xdpdns_hit_ratio:rate1m)
	"$PY" -c "import sys; a, b, f, h = (float(x or 'nan') for x in sys.argv[1:])
sys.exit(not (a > 0 and b > 0 and abs(f - a - b) <= 1e-6 * f and 0 < h <= 1))" \
		"$qa" "$qb" "$fq" "$hr"
}
r=$(load "$W/hot.txt" 512 3 /dev/null) # while Prometheus scrapes
wait_until 20 fleet_ok
t_check "(g) recording rules over a load ($r): node:xdpdns_queries:rate1m a $qa, b $qb; fleet:xdpdns_queries:rate1m $fq; fleet:xdpdns_hit_ratio:rate1m $hr" \
	fleet_ok

# (c) kill node a under load.
load "$W/l.txt" 200 6 "$W/c.txt" >"$W/c.line" &
lpid=$!
sleep 1.5
kill -KILL "${AC_MON[a]}"
ms=$(anycast_wait_nexthops 1 10)
t_check "(c) node a killed: /32 and /128 withdrawn in $ms ms (<= 3000)" \
	test "$(anycast_nexthops)" = 1 -a "$(anycast_nexthops 6)" = 1 -a "$ms" -le 3000
# Node a's hot names, first asked after the failover: per-name XDP hits.
ns_enter "${AC_NS[b]}" "$BUILD/xdpdnsctl" --pin-dir "${AC_PIN[b]}" hotset \
	export --min-hits 0 --top 100000 >"$W/b0.txt"
t1=$SECONDS
load "$W/ha.txt" 256 1 /dev/null >"$W/ha.line"
ns_enter "${AC_NS[b]}" "$BUILD/xdpdnsctl" --pin-dir "${AC_PIN[b]}" hotset \
	export --min-hits 0 --top 100000 >"$W/b1.txt"
xdp=$(awk 'FILENAME == ARGV[1] { want[$1 " " $2] = 1; next }
	$1 ~ /^#/ { next }
	FILENAME == ARGV[2] { h0[$1 " " $2] = $3; next }
	{ h1[$1 " " $2] = $3 }
	END { for (k in want) if (h1[k] + 0 > h0[k] + 0) n++; print n + 0 }' \
	"$W/ha.txt" "$W/b0.txt" "$W/b1.txt")
t_check "(c) node a's $NHA hot names on node b within $((SECONDS - t1 + 1)) s: $xdp from XDP (>= 90%; $(cat "$W/ha.line"))" \
	test $((xdp * 10)) -ge $((NHA * 9))
wait "$lpid"
r=$(cat "$W/c.line")
t_check "(c) the load through the kill: asked answered first-try failed max-tries = $r (>= 99% answered)" \
	ok99 "$r"

# (d) node a back.
start_node a
ms=$(anycast_wait_nexthops 2 20)
t_check "(d) node a back: re-announced after $ms ms" test "$(anycast_nexthops)" = 2
ha0=$(anycast_hits a) hb0=$(anycast_hits b)
r=$(load "$W/hot.txt" 512 2 /dev/null)
ha=$(($(anycast_hits a) - ha0)) hb=$(($(anycast_hits b) - hb0))
t_check "(d) spread again ($r): XDP hits on a +$ha, b +$hb" \
	eval 'ok99 "$r" && spread "$ha" "$hb"'
t_check "(d) one xdpdnsd on node a (monitor and daemon: $(daemons a) processes)" \
	test "$(daemons a)" = 2

# (e) node a's XDP program detached under load.
load "$W/hot.txt" 200 5 "$W/e.txt" >"$W/e.line" &
lpid=$!
sleep 1
ns_enter "${AC_NS[a]}" xdp-loader unload "${AC_IF[a]}" --all >/dev/null 2>&1
ms=$(anycast_wait_nexthops 1 10)
t_check "(e) node a's XDP detached: withdrawn in $ms ms (<= 3000)" \
	test "$(anycast_nexthops)" = 1 -a "$ms" -le 3000
wait "$lpid"
r=$(cat "$W/e.line")
t_check "(e) the load through the detach: $r (>= 99% answered)" ok99 "$r"
anycast_node_stop a
start_node a
ms=$(anycast_wait_nexthops 2 20)
t_check "(e) node a restarted: re-announced after $ms ms" \
	test "$(anycast_nexthops)" = 2

# (e) node b's bgpd restarted: it comes back without the network
# statements the agent gave it; the agent's refresh gives them again.
anycast_bgpd_restart b || t_abort "bgpd on node b again"
ms=$(anycast_wait_nexthops 2 15)
t_check "(e) node b's bgpd restarted: the agent announced again, 2 next hops after $ms ms" \
	test "$(anycast_nexthops)" = 2

# (h) node a's recursion failing: its routes to the authorities unreachable, new
# names asked of it (from its own namespace, a few at a time, bounded by
# count and time) until the health rule (5 failures in a row, 10 s since
# the last good answer) and --fall withdraw it. Then the link back and a new
# name resolved: announced again.
anycast_uplink a off
t0=$(date +%s%N)
# Three names every half second, for at most 30 s (180 names).
i=0
while [ "$(anycast_nexthops)" = 2 ] && [ "$i" -lt 180 ]; do
	for k in 1 2 3; do
		ns_exec "${AC_NS[a]}" dig +tries=1 +time=5 @"$AC_SVC4" \
			"down$i-$k.z001.test." A >/dev/null 2>&1 &
	done
	sleep 0.5
	i=$((i + 3))
done
ms=$((($(date +%s%N) - t0) / 1000000))
t_check "(h) node a's recursion failing (no route to the authorities, $i new names asked): withdrawn after $ms ms (<= 25 s: 10 s after the last good answer, then --fall)" \
	eval '[ "$(anycast_nexthops)" = 1 ] && [ "$ms" -le 25000 ]'
t_check "(h) the agent named it" grep -q "unhealthy: recursion failing" "$W/announce-a.log"
anycast_uplink a on
t0=$(date +%s%N)
for ((i = 0; i < 30; i++)); do
	ns_exec "${AC_NS[a]}" dig +tries=1 +time=2 @"$AC_SVC4" \
		"back$i.z002.test." A >/dev/null 2>&1
	anycast_wait_nexthops 2 1 >/dev/null && break
done
ms=$((($(date +%s%N) - t0) / 1000000))
t_check "(h) uplink back: a new name resolved and node a re-announced after $ms ms" \
	test "$(anycast_nexthops)" = 2

# (i) node b silent, as a node that hangs or loses power: its bgpd frozen
# (SIGSTOP), nobody withdraws; the router's hold time (3 s) does.
bgpd_b=${AC_BGPD[${AC_NS[b]}]}
kill -STOP "$bgpd_b"
ms=$(anycast_wait_nexthops 1 10)
t_check "(i) node b's bgpd frozen: the router dropped its routes after $ms ms (hold time 3 s; <= 5000)" \
	test "$(anycast_nexthops)" = 1 -a "$ms" -le 5000
kill -CONT "$bgpd_b"
ms=$(anycast_wait_nexthops 2 20)
t_check "(i) node b's bgpd running again: both routes back after $ms ms" \
	test "$(anycast_nexthops)" = 2

# (f) the agent stopped: it withdraws as it goes.
anycast_agent_stop b
ms=$(anycast_wait_nexthops 1 10)
t_check "(f) node b's agent stopped (SIGTERM): withdrawn in $ms ms" \
	test "$(anycast_nexthops)" = 1
t_check "(f) the agent said so" grep -q "stopping: withdrew every prefix" \
	"$W/announce-b.log"
grep -h "xdpdnsctl announce" "$W"/announce-*.log | sed 's/^/  /' >&2

t_summary
