#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Flood and access control across network namespaces: xdpdnsd with its XDP
# program on the resolver's client link of the offline hierarchy, clients
# as several source addresses of the client namespace. Four scenarios:
#  (a) one client floods random-subdomain queries while another resolves hot
#      and new names: the second gets >= 99% answers, and the daemon sees no
#      more misses from the flooder than its miss budget allows;
#  (b) raw packets from ~130k spoofed sources in 198.18.0.0/15 churn the
#      rate-limit LRU while a legitimate client asks cached names and one
#      real flooder keeps sending: the legitimate client gets >= 99% answers,
#      the table stays within its size, the flooder stays limited (never fails
#      open);
#  (c) a source outside the allowed prefixes (IPv4 and IPv6) gets no
#      response at all;
#  (d) a client over its limit gets TC=1 and dig's retry over TCP gets the
#      answer.
#  (e) 200 IPv4 clients in one /24 and 200 IPv6 clients in one /64, each
#      asking like a person (bursts of 20 names once a second), with the
#      default limits (host, network and wider-prefix stages): none is
#      limited, while one heavy client among them at 1,000 q/s is held to
#      its first burst and host rate, and only it is listed as limited;
#  (f) spoofed-source churn inside the allowed prefix, each source new and
#      asking a random subdomain: new-source admission holds what gets past
#      to its rate and burst, and a known client asking hot and new names
#      keeps >= 99% answers.
# Four daemon runs (A: a and c; D: d; C: e and f; B: b) share the pinned
# maps, so the cache stays warm across them (and C comes before B, whose
# spoofed sources would all be known to the rl table after it).
# Every sender is bounded in count and time; the figures are printed. Only
# 198.18.0.0/15 and 2001:db8::/32, inside namespaces the test creates.
# Prints PASS/FAIL/SKIP lines and "N passed, N failed".
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init flood "${1:-}"

t_require nsd dig python3 unshare bpftool
t_need_bins "$BUILD" xdpdnsd xdpdnsctl
xd_private_mounts -- "$SELF" "$BUILD"

hier_up_pinned "" || t_abort "hierarchy bring-up"
W=$HIER_DIR

# Clients: all on client 1's link (the one XDP is attached to).
LEGIT4=$CLI_ADDR4
read -r FLOOD4 HEAVY4 SLIP4 _ <<<"$CLI_EXTRA4"
OUT4=198.19.255.2 # in the test range, outside the allowed prefixes
OUT6=2001:db8:ff::2
# Run C's crowds: 200 clients in the link's IPv4 /24 and 200 in its IPv6
# /64, and one heavy client of each, new to the (shared) rl table.
CROWD_N=200
: >"$W/crowd4.txt"
: >"$W/crowd6.txt"
for ((k = 0; k < CROWD_N; k++)); do
	echo "198.18.1.$((40 + k))" >>"$W/crowd4.txt"
	printf '2001:db8:1::1:%x\n' "$k" >>"$W/crowd6.txt"
done
HEAVYC4=198.18.1.250
HEAVYC6=2001:db8:1::2:1
{
	echo "addr add $OUT4/32 dev $CLI_IF"
	echo "addr add $OUT6/128 dev $CLI_IF nodad"
	echo "addr add $HEAVYC4/24 dev $CLI_IF"
	echo "addr add $HEAVYC6/64 dev $CLI_IF nodad"
	sed "s|.*|addr add &/24 dev $CLI_IF|" "$W/crowd4.txt"
	sed "s|.*|addr add &/64 dev $CLI_IF nodad|" "$W/crowd6.txt"
} | ip -n "$CLI_NS" -batch - || xd_die "cannot add the extra sources"

# Name lists ("name TYPE"): hot names are asked before the scenarios (so
# they are cached), new names only during them. Long-TTL addresses only.
hier_names addr A | awk '$5 >= 3600 { print $1, $2 }' >"$W/addr.txt"
head -n 50 "$W/addr.txt" >"$W/hot50.txt"
sed -n '51,90p' "$W/addr.txt" >"$W/new40.txt"
for _ in 1 2 3 4 5 6; do cat "$W/hot50.txt"; done >"$W/hot300.txt"
for _ in 1 2 3 4; do cat "$W/hot50.txt"; done >"$W/hot200.txt"
sed -n '91,100p' "$W/addr.txt" >"$W/new10.txt"
# (f): 60 hot and 40 new names, interleaved
sed -n '101,140p' "$W/addr.txt" >"$W/new40c.txt"
paste -d '\n' <(head -n 40 "$W/hot50.txt") "$W/new40c.txt" >"$W/legit_f.txt"
sed -n '41,50p;1,10p' "$W/hot50.txt" >>"$W/legit_f.txt"
cat "$W/hot300.txt" "$W/new40.txt" >"$W/legit_a.txt"
cat "$W/hot50.txt" "$W/new10.txt" >"$W/outside.txt"
if [ "$(wc -l <"$W/new40.txt")" -ne 40 ] || [ "$(wc -l <"$W/new10.txt")" -ne 10 ] ||
	[ "$(wc -l <"$W/new40c.txt")" -ne 40 ]; then
	t_fail "not enough long-TTL names in the hierarchy"
	t_summary
	exit 1
fi

# --- the traffic helper ----------------------------------------------------------
# dnsload.py: bounded senders (flood, ask, spoof), one line of figures each.
load() { # ARGS... in the client namespace
	ns_exec "$CLI_NS" "$PY" "$XD_DIR/dnsload.py" "$@"
}

snap() { # FILE: the XDP outcome counters now
	ctl stats --json >"$1" || t_abort "xdpdnsctl stats failed"
}
# delta VAR BEFORE AFTER COUNTER: VAR = how far COUNTER moved between two
# snap files; the test stops (FAIL) when either has no such counter.
delta() {
	local a b
	a=$("$PY" "$XD_DIR/jsonq.py" get "$2" "xdp_outcomes.$4") &&
		b=$("$PY" "$XD_DIR/jsonq.py" get "$3" "xdp_outcomes.$4") ||
		t_abort "no counter $4 in $2 or $3"
	printf -v "$1" %d $((b - a))
}
# moved BEFORE COUNTER... [-ge N]: since snap file BEFORE, the COUNTERs
# together moved by more than 0 (or by at least N).
moved() {
	local before=$1 d sum=0 min=1
	shift
	snap "$W/moved.json"
	while [ $# -gt 0 ]; do
		if [ "$1" = -ge ]; then
			min=$2
			break
		fi
		delta d "$before" "$W/moved.json" "$1"
		sum=$((sum + d))
		shift
	done
	[ "$sum" -ge "$min" ]
}
within() { # VALUE LIMIT: 0 <= VALUE <= LIMIT (decimal LIMIT allowed)
	"$PY" -c 'import sys; v, l = map(float, sys.argv[1:]); sys.exit(0 if 0 <= v <= l else 1)' "$1" "$2"
}
ratio_ok() { # GOOD TOTAL: GOOD >= 99% of TOTAL, TOTAL > 0
	"$PY" -c 'import sys; g, t = map(int, sys.argv[1:]); sys.exit(0 if t and g * 100 >= 99 * t else 1)' "$1" "$2"
}

DAEMON_PID=
daemon_start() { # ARGS... after the common ones
	bg_start -n "$RES_NS" "$W/xdpdnsd-$1.log" "$BUILD/xdpdnsd" \
		--interface "$RES_IF_CLIENT" --listen "$RES_ADDR4" \
		--listen "$RES_ADDR6" --pin-dir "$PIN" \
		--root-hints "$ROOT_HINTS" --unbound-config "$UNBOUND_SNIPPET" \
		"${@:2}"
	DAEMON_PID=$BG_PID
	if ! wait_udp_port "$RES_NS" "$RES_ADDR4" 53 15 ||
		! wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 15; then
		t_fail "xdpdnsd up ($1; log: $(tail -3 "$W/xdpdnsd-$1.log" | tr '\n' ' '))"
		t_summary
		exit 1
	fi
}

# --- run A: miss budget, ACL -------------------------------------------------
# Query bucket 200/s (burst 400), miss budget 20/s (burst 80), every limited
# query slipped, the ACL drops.
daemon_start a --ratelimit 200 --ratelimit-burst 400 --miss-limit 20 \
	--slip 1 --acl-action drop
read -r _ _ warm _ <<<"$(load ask "$LEGIT4" "$RES_ADDR4" "$W/hot50.txt" 100 3)"
# The daemon writes an answer to the XDP cache after sending it.
cached() { # FILE: every name of FILE has its cache entry
	ctl cache list --json | "$PY" "$XD_DIR/jsonq.py" cached - "$1" 2>/dev/null
}
wait_until 5 cached "$W/hot50.txt" && incache=50 || incache="not all"
snap "$W/s0.json"
load ask "$LEGIT4" "$RES_ADDR4" "$W/hot50.txt" 100 3 >/dev/null
snap "$W/s1.json"
delta HITS "$W/s0.json" "$W/s1.json" hit
t_check "run A up, $warm/50 hot names resolved, $incache cached, then $HITS/50 from XDP" \
	test "$warm" -eq 50 -a "$incache" = 50 -a "$HITS" -eq 50

# (a) random-subdomain flood against a client resolving hot and new names.
bg_start "$CLI_NS" "$W/flood_a.out" "$PY" "$XD_DIR/dnsload.py" flood "$FLOOD4" \
	"$RES_ADDR4" 40000 5 8000 z003.test
FPID=$BG_PID
# The legitimate client starts once the flood is being limited.
wait_until 5 moved "$W/s1.json" rl_dropped rl_slipped miss_dropped \
	miss_slipped || t_fail "(a) the flood was not limited within 5 s"
read -r LN LR LA LTC <<<"$(load ask "$LEGIT4" "$RES_ADDR4" "$W/legit_a.txt" 80 3)"
wait "$FPID"
_xd_pid_untrack "$FPID"
read -r FS FT FA FTC <"$W/flood_a.out"
snap "$W/s2.json"
delta MISS "$W/s1.json" "$W/s2.json" miss
delta D_RLD "$W/s1.json" "$W/s2.json" rl_dropped
delta D_RLS "$W/s1.json" "$W/s2.json" rl_slipped
delta D_MD "$W/s1.json" "$W/s2.json" miss_dropped
delta D_MS "$W/s1.json" "$W/s2.json" miss_slipped
# Every answered legitimate new name was a miss; the rest are the flooder's
# (below 0: the accounting is wrong, and the check below fails).
FLOOD_MISS=$((MISS - LA + 300))
BUDGET=$("$PY" -c "print(80 + 20 * $FT + 1)")
echo "  (a) flooder $FLOOD4: sent $FS in ${FT}s, answers $FA, TC $FTC;" \
	"XDP: rl_dropped $D_RLD rl_slipped $D_RLS miss_dropped $D_MD" \
	"miss_slipped $D_MS, misses passed $MISS (flooder <= $FLOOD_MISS," \
	"budget $BUDGET)"
echo "  (a) legitimate $LEGIT4: $LA answers to $LN queries ($LR responses, TC $LTC)"
t_check "(a) legitimate client: >= 99% answered during the flood ($LA/$LN)" \
	ratio_ok "$LA" "$LN"
t_check "(a) flooder's misses to the daemon within its budget (0 <= $FLOOD_MISS <= $BUDGET)" \
	within "$FLOOD_MISS" "$BUDGET"
t_check "(a) flooder's answers from the daemon within its budget ($FA <= $BUDGET)" \
	within "$FA" "$BUDGET"
t_check "(a) the flood was limited by both buckets and slipped" \
	test $((D_RLD + D_RLS)) -gt 0 -a "$D_MS" -gt 0 -a "$FTC" -gt 0

# (c) sources outside the allowed prefixes: no response at all.
snap "$W/s3.json"
read -r O4N O4R _ <<<"$(load ask "$OUT4" "$RES_ADDR4" "$W/outside.txt" 50 2)"
read -r O6N O6R _ <<<"$(load ask "$OUT6" "$RES_ADDR6" "$W/outside.txt" 50 2)"
snap "$W/s4.json"
delta ACLD "$W/s3.json" "$W/s4.json" acl_dropped
echo "  (c) $OUT4: $O4R responses to $O4N; $OUT6: $O6R responses to $O6N;" \
	"acl_dropped +$ACLD"
t_check "(c) outside sources get zero responses ($O4R + $O6R), all dropped in XDP ($ACLD)" \
	test "$O4R" -eq 0 -a "$O6R" -eq 0 -a "$ACLD" -eq $((O4N + O6N))

bg_stop "$DAEMON_PID"

# --- run D: one query a second, every limited one slipped ----------------------
# (d) The first query takes the only token; the next, within the second, is
# limited for certain, gets TC=1, and dig retries it over TCP.
daemon_start d --ratelimit 1 --ratelimit-burst 1 --slip 1 --acl-action drop
NAME_D=$(awk 'NR == 1 { print $1 }' "$W/new10.txt")
WANT_D=$(hier_names addr A | awk -v n="$NAME_D" '$1 == n { for (i = 8; i <= NF; i++) print $i }' | sort | tr '\n' ' ')
HOT1=$(awk 'NR == 1 { print $1 }' "$W/hot50.txt")
snap "$W/s5.json"
ns_exec "$CLI_NS" dig -b "$SLIP4" +tries=1 +time=2 +ignore -p 53 \
	@"$RES_ADDR4" "$HOT1" A >"$W/dig_d0.txt" 2>&1
ns_exec "$CLI_NS" dig -b "$SLIP4" +tries=1 +time=3 -p 53 @"$RES_ADDR4" \
	"$NAME_D" A >"$W/dig_d.txt" 2>&1
snap "$W/s6.json"
GOT_D=$(awk '$4 == "A" && $1 !~ /^;/ { print $5 }' "$W/dig_d.txt" | sort | tr '\n' ' ')
delta SLIPD "$W/s5.json" "$W/s6.json" rl_slipped
echo "  (d) $SLIP4: dig $NAME_D: rl_slipped +$SLIPD," \
	"$(grep -c 'Truncated, retrying in TCP' "$W/dig_d.txt") TC retry," \
	"answer '$GOT_D' via $(sed -n 's/.*SERVER: .*(\(.*\)).*/\1/p' "$W/dig_d.txt")"
tcp_retried() {
	[ "$SLIPD" -eq 1 ] &&
		grep -q 'Truncated, retrying in TCP mode' "$W/dig_d.txt" &&
		grep -q 'status: NOERROR' "$W/dig_d.txt" &&
		grep -q 'SERVER: .*(TCP)' "$W/dig_d.txt" &&
		[ -n "$WANT_D" ] && [ "$GOT_D" = "$WANT_D" ]
}
t_check "(d) a slipped query is retried over TCP and answered ($GOT_D)" \
	tcp_retried
bg_stop "$DAEMON_PID"

# --- run C: the default limits, crowds and churn ---------------------------
# Only the ACL is widened (the spoofer's sources are in 198.18.0.0/15); every
# limit is at its default: 50 q/s per host (burst 200), a new source's first
# burst 50, the network and wider-prefix stages, new-source admission
# 200/s (burst 2,000), the miss budgets.
daemon_start c --allow 198.18.0.0/15 --allow 2001:db8::/32
load ask "$LEGIT4" "$RES_ADDR4" "$W/hot50.txt" 50 2 >/dev/null # known now

# (e) a crowd of people and one heavy client, per family
crowd() { # FAMILY SERVER CROWDFILE HEAVY
	local f=$1 srv=$2 file=$3 heavy=$4 hpid cn cs ca ctc cshort hs ht ha htc
	local lim net wide newd
	snap "$W/se$f.json"
	bg_start "$CLI_NS" "$W/heavy$f.out" "$PY" "$XD_DIR/dnsload.py" flood \
		"$heavy" "$srv" 3000 3 1000 "=$HOT1"
	hpid=$BG_PID
	read -r cn cs ca ctc cshort <<<"$(load crowd "$file" "$srv" "$W/hot50.txt" 20 3)"
	wait "$hpid"
	_xd_pid_untrack "$hpid"
	read -r hs ht ha htc <"$W/heavy$f.out"
	snap "$W/se${f}b.json"
	lim=$("$PY" -c "print('%.1f' % (50 + 50 * $ht + 1))")
	delta net "$W/se$f.json" "$W/se${f}b.json" net_dropped
	delta wide "$W/se$f.json" "$W/se${f}b.json" wide_dropped
	delta newd "$W/se$f.json" "$W/se${f}b.json" new_dropped
	ctl limited --within 30 >"$W/limited$f.txt"
	echo "  (e) IPv$f crowd: $cn clients sent $cs, answers $ca, TC $ctc," \
		"$cshort short; heavy $heavy: sent $hs in ${ht}s, answers $ha" \
		"(limit $lim), TC $htc; XDP net_dropped $net wide_dropped $wide" \
		"new_dropped $newd"
	t_check "(e) IPv$f: $cn clients of one prefix at a person's rate, none limited ($ca/$cs answered, TC $ctc, $cshort short)" \
		test "${cn:-0}" -eq "$CROWD_N" -a "${cs:-0}" -eq $((CROWD_N * 60)) \
		-a "${ca:-0}" -eq "${cs:-1}" -a "${ctc:-1}" -eq 0 \
		-a "${cshort:-1}" -eq 0 -a "$net" -eq 0 -a "$wide" -eq 0 \
		-a "$newd" -eq 0
	t_check "(e) IPv$f: the heavy client among them is limited ($ha <= $lim answers, TC $htc)" \
		test "${ha:-0}" -gt 0 -a "${htc:-0}" -gt 0 -a \
		"${ha:-0}" -le "${lim%.*}"
	t_check "(e) IPv$f: xdpdnsctl limited lists the heavy client and none of the crowd" \
		sh -c "grep -q '^$heavy ' '$W/limited$f.txt' && ! grep -qwFf '$file' '$W/limited$f.txt'"
}
crowd 4 "$RES_ADDR4" "$W/crowd4.txt" "$HEAVYC4"
crowd 6 "$RES_ADDR6" "$W/crowd6.txt" "$HEAVYC6"

# (f) spoofed-source churn: every query a new source of 198.18.0.0/15 (the
# legitimate client's /24 left out) and a new name under z003.test.
snap "$W/sf0.json"
bg_start "$CLI_NS" "$W/spoof_f.out" "$PY" "$XD_DIR/dnsload.py" spoof \
	"$RES_ADDR4" 500000 8 "*.z003.test" 198.18.0.0/15 198.18.1.0/24
SPID=$BG_PID
wait_until 5 moved "$W/sf0.json" new_dropped -ge 1000 ||
	t_fail "(f) the churn was not refused admission within 5 s"
read -r FN FR FA FTC <<<"$(load ask "$LEGIT4" "$RES_ADDR4" "$W/legit_f.txt" 25 3)"
wait "$SPID"
_xd_pid_untrack "$SPID"
snap "$W/sf1.json"
read -r SS ST SSRC <"$W/spoof_f.out"
delta NEWD "$W/sf0.json" "$W/sf1.json" new_dropped
delta MISSF "$W/sf0.json" "$W/sf1.json" miss
delta GMISSF "$W/sf0.json" "$W/sf1.json" gmiss_dropped
# Admitted sources: at most the burst and the rate; each asks at most
# ceil(sent / sources) times.
ADMIT_MAX=$("$PY" -c "import math; print(math.ceil(${SS:-0} / max(${SSRC:-1}, 1)) * (2000 + math.ceil(200 * ${ST:-0}) + 1))")
PASSED=$((${SS:-0} - NEWD))
echo "  (f) spoofer: $SS queries from $SSRC sources in ${ST}s; XDP new_dropped" \
	"$NEWD, passed $PASSED (at most $ADMIT_MAX), misses to the daemon" \
	"$MISSF, gmiss_dropped $GMISSF"
echo "  (f) legitimate $LEGIT4: $FA answers to $FN queries ($FR responses, TC $FTC)"
t_check "(f) spoofed churn of $SSRC sources ran, refused admission ($NEWD)" \
	test "${SSRC:-0}" -gt 10000 -a "$NEWD" -gt 0
t_check "(f) churned sources got past admission only at its rate (0 <= $PASSED <= $ADMIT_MAX)" \
	within "$PASSED" "$ADMIT_MAX"
t_check "(f) legitimate client: >= 99% of hot and new names answered during the churn ($FA/$FN)" \
	ratio_ok "$FA" "$FN"
bg_stop "$DAEMON_PID"

# --- run B: spoofed sources churn the rate-limit LRU --------------------------
# All of 198.18.0.0/15 allowed, and no new-source admission, so every
# spoofed source gets a bucket: the LRU itself is what is tested here.
daemon_start b --allow 198.18.0.0/15 --allow 2001:db8::/32 --ratelimit 50 \
	--ratelimit-burst 100 --slip 2 --miss-limit 20 --acl-action drop \
	--new-source-limit 0
RL_MAX=$(bpftool map show pinned "$PIN/xdpdns_rl" | sed -n 's/.*max_entries \([0-9]*\).*/\1/p')
snap "$W/s7.json"
bg_start "$CLI_NS" "$W/spoof.out" "$PY" "$XD_DIR/dnsload.py" spoof "$RES_ADDR4" \
	600000 8 "$HOT1" 198.18.0.0/15 198.18.1.0/24
SPID=$BG_PID
bg_start "$CLI_NS" "$W/flood_b.out" "$PY" "$XD_DIR/dnsload.py" flood "$HEAVY4" \
	"$RES_ADDR4" 40000 8 2000 "=$HOT1"
HPID=$BG_PID
# The legitimate client starts once both run: the heavy client is limited
# and XDP has answered the spoofed sources (each new, so within its burst)
# a thousand times -- far more than the heavy one's burst of 100 and its
# 50/s could account for.
wait_until 5 moved "$W/s7.json" rl_dropped rl_slipped &&
	wait_until 5 moved "$W/s7.json" hit -ge 1000 ||
	t_fail "(b) the spoofer and the heavy client were not both on within 10 s"
read -r BN BR BA BTC <<<"$(load ask "$LEGIT4" "$RES_ADDR4" "$W/hot200.txt" 25 3)"
wait "$SPID" "$HPID"
_xd_pid_untrack "$SPID"
_xd_pid_untrack "$HPID"
snap "$W/s8.json"
read -r SS ST SSRC <"$W/spoof.out"
read -r HS HT HA HTC <"$W/flood_b.out"
RL_N=$(bpftool map dump pinned "$PIN/xdpdns_rl" 2>/dev/null | grep -c '"key":')
HEAVY_LIM=$("$PY" -c "print(100 + 50 * $HT + 1)")
delta HITB "$W/s7.json" "$W/s8.json" hit
delta RLDB "$W/s7.json" "$W/s8.json" rl_dropped
delta RLSB "$W/s7.json" "$W/s8.json" rl_slipped
echo "  (b) spoofer: $SS queries from $SSRC sources in ${ST}s; heavy $HEAVY4:" \
	"sent $HS in ${HT}s, answers $HA (limit $HEAVY_LIM), TC $HTC;" \
	"XDP hits $HITB, rl_dropped $RLDB, rl_slipped $RLSB;" \
	"rl table $RL_N of $RL_MAX entries"
echo "  (b) legitimate $LEGIT4: $BA answers to $BN queries ($BR responses, TC $BTC)"
t_check "(b) spoofed flood from $SSRC sources ran (more than the table's $RL_MAX)" \
	test -n "$RL_MAX" -a "${SSRC:-0}" -gt "${RL_MAX:-0}"
t_check "(b) legitimate client: >= 99% cached answers during it ($BA/$BN)" \
	ratio_ok "$BA" "$BN"
t_check "(b) the LRU table stays within its size ($RL_N <= $RL_MAX)" \
	test "$RL_N" -gt 0 -a "$RL_N" -le "$RL_MAX"
heavy_limited() {
	[ "$HA" -gt 0 ] && [ "$HTC" -gt 0 ] && within "$HA" "$HEAVY_LIM"
}
t_check "(b) the real flooder stays limited, never fails open ($HA <= $HEAVY_LIM)" \
	heavy_limited
t_check "(b) xdpdnsctl limited lists the real flooder" \
	sh -c "'$BUILD/xdpdnsctl' --pin-dir '$PIN' limited --within 30 | grep -q '^$HEAVY4 '"
bg_stop "$DAEMON_PID"

t_summary
