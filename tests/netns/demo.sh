#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A one-minute tour of xdpdns for a new user (`make demo`): builds the
# offline DNS hierarchy in network namespaces, starts xdpdnsd with its XDP
# program on the resolver's client link, asks one name twice (the daemon
# recurses, then XDP answers), sends a bounded burst of queries from three
# client namespaces, and prints what the XDP path and the daemon did:
# counters before and after, hit ratio, the hottest names and clients.
# Then everything is torn down. With DEMO_KEEP=1 the setup stays up and the
# commands to look at it are printed; `demo.sh down` removes it.
# Only 198.18.0.0/15 and 2001:db8::/32 inside namespaces the demo creates.
# Usage: demo.sh [BUILD_DIR]   |   demo.sh down
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init demo "${1:-}" # BUILD is unused by "demo.sh down"
STATE=/run/xdpdns-demo.state
PIN=/sys/fs/bpf/xdpdns-demo

# demo_down - remove what a DEMO_KEEP=1 run left: its namespaces (and the
# processes in them, all started by the demo), the XDP program, the pins and
# the work directory, as recorded in $STATE.
demo_down() {
	local ns pid
	if [ ! -f "$STATE" ]; then
		echo "demo: nothing to tear down (no $STATE)"
		return 0
	fi
	# shellcheck disable=SC1090 # written by this script
	. "$STATE"
	nsenter --net="/run/netns/$DEMO_RES_NS" xdp-loader unload \
		"$DEMO_RES_IF" --all >/dev/null 2>&1
	for ns in $DEMO_NETNS; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -TERM "$pid" 2>/dev/null
		done
	done
	sleep 0.5
	for ns in $DEMO_NETNS; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf -- "$DEMO_PIN" "$DEMO_DIR"
	rm -f -- "$STATE"
	echo "demo: torn down (namespaces $DEMO_NETNS, pins $DEMO_PIN)"
}

if [ "${1:-}" = down ]; then
	demo_down
	exit 0
fi

KEEP=${DEMO_KEEP:-0}

for c in nsd dig dnsperf python3 curl nsenter xdp-loader; do
	command -v "$c" >/dev/null || xd_die "the demo needs $c"
done
[ "$(id -u)" -eq 0 ] || xd_die "the demo needs root (namespaces, XDP)"
for bin in xdpdnsd xdpdnsctl; do
	[ -x "$BUILD/$bin" ] || xd_die "no $BUILD/$bin: run make first"
done
if [ -e "$STATE" ] || [ -e "$PIN" ]; then
	xd_die "a demo is already up ($STATE, $PIN): run $0 down first"
fi
T0=$SECONDS

say() {
	printf '%s\n' "$*"
}
step() {
	printf '\n\033[1m%s\033[0m\n' "$*"
}
MPORT=9153
metrics() { # FILE: the daemon's /metrics
	ns_exec "$RES_NS" curl -s --max-time 2 \
		"http://127.0.0.1:$MPORT/metrics" >"$1" 2>/dev/null || :
}

say "xdpdns demo: an XDP program answers hot DNS queries from a BPF map;"
say "the daemon xdpdnsd resolves the rest (libunbound) and fills that map."

# --- 1. the hierarchy ----------------------------------------------------------
step "[1/5] Offline DNS hierarchy (NSD: root, TLDs test. example. lab., 60 zones)"
HIER_CLIENTS=3
if ! hier_up ""; then
	xd_die "the hierarchy did not come up (see the messages above)"
fi
W=$HIER_DIR
say "      namespaces: $AUTH_NS (servers)  $RES_NS (resolver)  ${HIER_CLI_NS[*]} (clients)"
say "      up in ${HIER_UP_MS} ms"

# --- 2. the daemon -------------------------------------------------------------
step "[2/5] xdpdnsd in $RES_NS, XDP program on $RES_IF_CLIENT (native mode)"
# A fresh machine (a container, a minimal image, some CI runners) may have
# no BPF filesystem on /sys/fs/bpf: mount one, as the systemd unit does, and
# take it away again at the end unless the demo is kept.
BPFFS=${PIN%/*}
if [ "$(stat -f -c %T "$BPFFS" 2>/dev/null)" != bpf_fs ]; then
	mount -t bpf bpf "$BPFFS" ||
		xd_die "cannot mount a BPF filesystem on $BPFFS"
	say "      mounted a BPF filesystem on $BPFFS (none was mounted)"
	[ "$KEEP" = 1 ] || cleanup_register "umount '$BPFFS'"
fi
cleanup_register "rm -rf -- '$PIN'"
mkdir -p "$PIN"
cleanup_register "ns_enter '$RES_NS' xdp-loader unload '$RES_IF_CLIENT' --all"
LISTEN=()
for a in "${HIER_RES_ADDR4[@]}" "${HIER_RES_ADDR6[@]}"; do
	LISTEN+=(--listen "$a")
done
SAMPLE=0
[ "$KEEP" = 1 ] && SAMPLE=1
# One client link carries XDP; the other clients reach the daemon through
# their own links (XDP_PASS there is the plain socket path). Rate limits
# off: the burst below is far above a laptop's 50 q/s. The default ACL only
# allows the XDP interface's own prefix, so the other client links are
# allowed explicitly (the whole benchmarking range the demo lives in).
DAEMON_CMD=("$BUILD/xdpdnsd" --interface "$RES_IF_CLIENT" "${LISTEN[@]}"
	--pin-dir "$PIN" --metrics "127.0.0.1:$MPORT"
	--root-hints "$ROOT_HINTS" --unbound-config "$UNBOUND_SNIPPET"
	--allow 198.18.0.0/15 --allow 2001:db8::/32
	--ratelimit 0 --miss-limit 0 --ratelimit-net 0 --ratelimit-wide 0
	--new-source-limit 0 --miss-limit-global 0 --sample-rate "$SAMPLE")
t=$(date +%s%N)
bg_start -n "$RES_NS" "$W/xdpdnsd.log" "${DAEMON_CMD[@]}"
DAEMON_PID=$BG_PID
if ! wait_udp_port "$RES_NS" "$RES_ADDR4" 53 15; then
	tail -n 5 "$W/xdpdnsd.log" >&2
	xd_die "xdpdnsd did not start"
fi
say "      ready in $((($(date +%s%N) - t) / 1000000)) ms: xdpdnsd --interface $RES_IF_CLIENT --listen $RES_ADDR4 ... --pin-dir $PIN"
ns_enter "$RES_NS" xdp-loader status "$RES_IF_CLIENT" 2>/dev/null |
	awk '$1 ~ /xd/ { print "      xdp-loader status: " $1, $3, $4, "id " $5 }'

# --- 3. one name, twice --------------------------------------------------------
step "[3/5] One query, twice, from $CLI_NS ($CLI_ADDR4)"
NAME=www.z000.test.
ask() { # prints the time and the answer line; sets HITS_DELTA
	local h0 h1 out
	h0=$(ctl stats --json | "$PY" "$XD_DIR/jsonq.py" get - xdp_outcomes.hit)
	out=$(ns_exec "$CLI_NS" dig +tries=1 +time=3 @"$RES_ADDR4" "$NAME" A)
	h1=$(ctl stats --json | "$PY" "$XD_DIR/jsonq.py" get - xdp_outcomes.hit)
	HITS_DELTA=$((h1 - h0))
	ASK_OUT=$out
	ASK_MS=$(sed -n 's/^;; Query time: \([0-9]*\) msec/\1/p' <<<"$out")
	ASK_ANS=$(awk '/^;; ANSWER SECTION:/ { a = 1; next } a && NF { print; exit }' \
		<<<"$out" | tr -s '\t ' ' ')
}
say "      \$ ip netns exec $CLI_NS dig @$RES_ADDR4 $NAME A"
ask
[ "$HITS_DELTA" = 0 ] && who="the daemon (recursion)" || who="XDP"
printf '      first:  %-24s %4s ms   %s\n' "$who" "${ASK_MS:-?}" "$ASK_ANS"
ask
[ "$HITS_DELTA" = 0 ] && who="the daemon" || who="XDP (cache hit)"
printf '      second: %-24s %4s ms   %s\n' "$who" "${ASK_MS:-?}" "$ASK_ANS"
say "      the second answer, as dig prints it:"
sed -n '/^;; ->>HEADER/,/^;; MSG SIZE/p' <<<"$ASK_OUT" | grep -v '^$' |
	sed 's/^/        /'

# --- 4. a burst from three clients ---------------------------------------------
NHOT=$(wc -l <"$HIER_HOT")
DUR=4
QPS=4000
step "[4/5] Burst: ${#HIER_CLI_NS[@]} clients x dnsperf, $NHOT hot names, $DUR s at <= $QPS q/s each"
say "      client 1 reaches the resolver over $RES_IF_CLIENT, where the XDP program"
say "      sits; clients 2 and 3 over links without it (the daemon answers them)."
ctl stats --json >"$W/before.json"
metrics "$W/before.prom"
t=$(date +%s%N)
awk '{ print $1, $2 }' "$HIER_HOT" |
	ns_exec "$CLI_NS" dig +tries=1 +time=2 -p 53 @"$RES_ADDR4" -f - \
		>/dev/null 2>&1
say "      warm-up: the $NHOT names once from $CLI_NS, $((($(date +%s%N) - t) / 1000000)) ms (cold: the daemon resolves them)"
pids=()
for i in "${!HIER_CLI_NS[@]}"; do
	ns_exec "${HIER_CLI_NS[$i]}" timeout $((DUR + 10)) dnsperf \
		-s "${HIER_RES_ADDR4[$i]}" -d "$HIER_HOT" -l "$DUR" -Q "$QPS" \
		-c 4 -t 2 >"$W/dnsperf-$i.txt" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p"
done
for i in "${!HIER_CLI_NS[@]}"; do
	[ "$i" = 0 ] && via="XDP link" || via="no XDP: daemon"
	awk -v c="$((i + 1))" -v s="${HIER_RES_ADDR4[$i]}" -v via="$via" '
		/Queries sent:/ { sent = $3 }
		/Queries completed:/ { done = $3 }
		/Queries per second:/ { qps = $4 }
		/Average Latency/ { lat = $4 * 1000 }
		END { printf "      client %d -> %-11s %-15s %6s sent, %6s answered, %5.0f q/s, avg latency %.3f ms\n",
			c, s, "[" via "]", sent, done, qps, lat }' "$W/dnsperf-$i.txt"
done
ctl stats --json >"$W/after.json"
metrics "$W/after.prom"

# --- 5. what happened ----------------------------------------------------------
step "[5/5] What the XDP path and the daemon did (xdpdnsctl stats, /metrics)"
"$PY" "$XD_DIR/demo_report.py" "$W/before.json" "$W/after.json" \
	"$W/before.prom" "$W/after.prom"
say ""
say "      Hottest cache entries (xdpdnsctl top names -n 5):"
ctl top names -n 5 | sed 's/^/        /'
say "      Cache (xdpdnsctl stats):"
ctl stats | sed -n 's/^\(cache  .*\)/        \1/p; s/^\(cache hits.*\)/        \1/p'

# --- keep or tear down -----------------------------------------------------------
if [ "$KEEP" = 1 ]; then
	{
		echo "DEMO_NETNS='${_HIER_NETNS[*]}'"
		echo "DEMO_RES_NS='$RES_NS'"
		echo "DEMO_RES_IF='$RES_IF_CLIENT'"
		echo "DEMO_PIN='$PIN'"
		echo "DEMO_DIR='$W'"
	} >"$STATE"
	trap - EXIT INT TERM HUP
	step "DEMO_KEEP=1: the demo stays up ($((SECONDS - T0)) s so far). Look at it:"
	cat <<EOF
  ip netns exec $CLI_NS dig @$RES_ADDR4 www.z000.test A       # ask (XDP answers)
  ip netns exec $CLI_NS dig @$RES_ADDR6 host1.z003.lab AAAA  # IPv6; cold: the daemon
  $BUILD/xdpdnsctl --pin-dir $PIN stats
  $BUILD/xdpdnsctl --pin-dir $PIN top names
  $BUILD/xdpdnsctl --pin-dir $PIN cache get www.z000.test
  $BUILD/xdpdnsctl --pin-dir $PIN tail          # sampled queries; Ctrl-C
  bpftool map dump pinned $PIN/xdpdns_stats
  nsenter --net=/run/netns/$RES_NS xdp-loader status
  ip netns exec $RES_NS curl -s http://127.0.0.1:$MPORT/metrics | grep '^xdpdns_'
  ip netns exec $RES_NS curl -s http://127.0.0.1:$MPORT/api/stats.json
  xdpdnsd log: $W/xdpdnsd.log
Tear it down (stops xdpdnsd, NSD, deletes the namespaces and the pins):
  $SELF down
EOF
	exit 0
fi

step "Tearing down"
bg_stop "$DAEMON_PID"
hier_down
rm -rf -- "$PIN"
left=$(ip netns list 2>/dev/null | grep -c "^$XD_PFX" || :)
say "      done in $((SECONDS - T0)) s total; namespaces left: $left"
