#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The operator's eyes on the whole system: xdpdnsd with its XDP program on
# the resolver's client link of the offline hierarchy, maps pinned in a
# private bpffs (own mount namespace), real queries from a client namespace
# (cold, then warm so XDP answers), a flood from one client address to trip
# the rate limit. Then checks that /metrics, /api/stats.json and xdpdnsctl
# agree with the traffic and with each other; that tail shows sampled
# queries; that dump/report make a record; that a real Prometheus (if
# installed) scrapes it and a headless Chromium (if installed) shows the
# dashboard live; and that xdpdnsctl still reads the maps once the daemon is
# stopped. Prints PASS/FAIL/SKIP lines and "N passed, N failed".
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init observe "${1:-}"

t_require nsd dig python3 curl unshare
t_need_bins "$BUILD" xdpdnsd xdpdnsctl
xd_private_mounts -- "$SELF" "$BUILD"
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || true)}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}

hier_up_pinned "" || t_abort "hierarchy bring-up"
W=$HIER_DIR
MPORT=9153
MURL=http://127.0.0.1:$MPORT
FLOOD_SRC=${CLI_EXTRA4%% *}

res() { # CMD... in the resolver's network namespace, our mounts
	ns_enter "$RES_NS" "$@"
}
jcheck() { # FILE PYTHON-EXPR over d (the document)
	"$PY" "$XD_DIR/jsonq.py" check "$2" "$1"
}
jget() { # FILE PATH...: the values (jsonq.py get)
	"$PY" "$XD_DIR/jsonq.py" get "$@"
}
metric() { # FILE NAME{LABELS}: the sample's value, or empty
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}
# mdelta NAME: how far metric NAME moved from m0.txt to metrics.txt; "none"
# when either lacks it.
mdelta() {
	local a b
	a=$(metric "$W/m0.txt" "$1")
	b=$(metric "$W/metrics.txt" "$1")
	[[ "$a $b" =~ ^[0-9]+\ [0-9]+$ ]] && echo $((b - a)) || echo none
}
# cdelta A B COUNTER: how far XDP COUNTER moved between two ctl stats files;
# "none" when either lacks it.
cdelta() {
	local a b
	a=$(jget "$1" "xdp_outcomes.$3") && b=$(jget "$2" "xdp_outcomes.$3") &&
		echo $((b - a)) || echo none
}
cached() { # FILE: every name of FILE has its XDP cache entry
	ctl cache list --json | "$PY" "$XD_DIR/jsonq.py" cached - "$1" 2>/dev/null
}

bg_start -n "$RES_NS" "$W/xdpdnsd.log" "$BUILD/xdpdnsd" \
	--interface "$RES_IF_CLIENT" --listen "$RES_ADDR4" \
	--listen "$RES_ADDR6" --pin-dir "$PIN" --metrics "127.0.0.1:$MPORT" \
	--root-hints "$ROOT_HINTS" --unbound-config "$UNBOUND_SNIPPET" \
	--sample-rate 1 --ratelimit 50 --slip 2 \
	--ratelimit-exempt "$CLI_ADDR4/32"
DAEMON_PID=$BG_PID
if ! wait_udp_port "$RES_NS" "$RES_ADDR4" 53 15 ||
	! wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 15; then
	t_fail "xdpdnsd up (log: $(tail -3 "$W/xdpdnsd.log" | tr '\n' ' '))"
	t_summary
	exit 1
fi
t_pass "xdpdnsd up with XDP on $RES_IF_CLIENT, maps pinned in $PIN"

# --- traffic -------------------------------------------------------------------
# Every number below is known: the hot names are distinct and
# www.z000.test. A is one of them (wait_dns above resolved and cached it);
# the client address is exempt from the rate limit, the flooder is not.
digf() { # FILE: every "name TYPE" line, one dig process, from the client
	awk '{ print $1, $2 }' "$1" |
		ns_exec "$CLI_NS" dig +tries=1 +time=2 +noall +answer \
			-p 53 @"$RES_ADDR4" -f - >/dev/null 2>&1
}
NHOT=$(wc -l <"$HIER_HOT")
WWW_HOT=$(grep -c '^www\.z000\.test\. A$' "$HIER_HOT")
t_check "hot list: $NHOT distinct names, www.z000.test. A among them" \
	test "$(sort -u "$HIER_HOT" | wc -l)" -eq "$NHOT" -a "$WWW_HOT" -eq 1
res curl -sf -o "$W/m0.txt" "$MURL/metrics" ||
	t_fail "/metrics before the traffic"
ctl stats --json >"$W/c0.json"
ctl dump --json -o "$W/d1.json"
digf "$HIER_HOT" # cold: resolved by the daemon, written to the cache
# The daemon writes each answer to the XDP cache after sending it.
wait_until 10 cached "$HIER_HOT" && incache=all || incache="not all"
ctl stats --json >"$W/c1.json"
ctl dump --json -o "$W/d2.json"
h=$(cdelta "$W/c0.json" "$W/c1.json" hit)
m=$(cdelta "$W/c0.json" "$W/c1.json" miss)
t_check "cold pass: $m misses and $h hit (www.z000.test. A) for $NHOT names, $incache cached then" \
	test "$m" = $((NHOT - 1)) -a "$h" = 1 -a "$incache" = all
digf "$HIER_HOT" # warm: answered by XDP
digf "$HIER_HOT"
ctl stats --json >"$W/c2.json"
h=$(cdelta "$W/c1.json" "$W/c2.json" hit)
m=$(cdelta "$W/c1.json" "$W/c2.json" miss)
t_check "two warm passes: $h XDP hits of $((2 * NHOT)), $m misses" \
	test "$h" = $((2 * NHOT)) -a "$m" = 0
for _ in 1 2 3 4 5; do
	ns_exec "$CLI_NS" dig +tries=1 +time=2 +short -p 53 @"$RES_ADDR4" \
		www.z000.test. A >/dev/null
done
ctl stats --json >"$W/c3.json"

# The flood: one laptop stuck in a loop, far above --ratelimit 50. Every
# query is answered from the cache, dropped or slipped (TC=1), and every
# frame XDP sends back arrives.
read -r FLOOD_N _ FLOOD_ANS FLOOD_TC <<<"$(ns_exec "$CLI_NS" "$PY" \
	"$XD_DIR/dnsload.py" flood "$FLOOD_SRC" "$RES_ADDR4" 1500 10 20000 \
	=www.z000.test.)"
ctl stats --json >"$W/c4.json"
ctl dump --json -o "$W/d3.json"
F_HIT=$(cdelta "$W/c3.json" "$W/c4.json" hit)
F_DROP=$(cdelta "$W/c3.json" "$W/c4.json" rl_dropped)
F_SLIP=$(cdelta "$W/c3.json" "$W/c4.json" rl_slipped)
flood_split() { # the flood's 1500: some dropped, some slipped, no other end
	[ "${FLOOD_N:-0}" -eq 1500 ] && [ "$F_DROP" != none ] &&
		[ "$F_SLIP" != none ] && [ "$F_HIT" != none ] &&
		[ "$F_DROP" -gt 0 ] && [ "$F_SLIP" -gt 0 ] &&
		[ $((F_HIT + F_DROP + F_SLIP)) -eq 1500 ]
}
t_check "flood of ${FLOOD_N:-?} from $FLOOD_SRC: $F_HIT from the cache + $F_DROP dropped + $F_SLIP slipped = 1500" \
	flood_split
t_check "flood: the flooder got the $F_HIT answers and $F_SLIP TC=1 replies XDP sent (got $FLOOD_ANS and $FLOOD_TC)" \
	test "${FLOOD_ANS:-x}" = "$F_HIT" -a "${FLOOD_TC:-x}" = "$F_SLIP"

# --- /metrics and stats.json agree with the traffic and with xdpdnsctl ------------
# Nothing is sent from here to the end of the section: the daemon is
# quiescent, so its two views and xdpdnsctl must read the same counters.
res curl -sf -o "$W/metrics.txt" "$MURL/metrics"
res curl -sf -o "$W/stats.json" "$MURL/api/stats.json"
ctl stats --json >"$W/ctl.json"
t_check "metrics: xdpdns_up 1, XDP attached" test \
	"$(metric "$W/metrics.txt" xdpdns_up)$(metric "$W/metrics.txt" xdpdns_xdp_attached)" = 11
SENT=$((3 * NHOT + 5 + 1500))
QT=$(mdelta xdpdns_queries_total)
t_check "metrics: queries_total moved by what was sent ($QT = $SENT)" \
	test "$QT" = "$SENT"
HITS=$(mdelta xdpdns_cache_hits_total)
WANT_HITS=$((1 + 2 * NHOT + 5 + F_HIT))
t_check "metrics: cache hits moved by the cold pass's 1, the warm passes, the repeats and the flood's ($HITS = $WANT_HITS)" \
	test "$HITS" = "$WANT_HITS"
ENTRIES=$(metric "$W/metrics.txt" xdpdns_cache_entries)
RES_N=$(mdelta xdpdns_daemon_resolutions_total)
t_check "metrics: $ENTRIES cache entries = the $NHOT hot names; $RES_N resolutions = the $((NHOT - 1)) cold misses" \
	test "$ENTRIES" = "$NHOT" -a "$RES_N" = $((NHOT - 1))
t_check "metrics: rate-limited = the flood's ($F_DROP dropped, $F_SLIP slipped)" test \
	"$(metric "$W/metrics.txt" 'xdpdns_ratelimited_total{action="dropped"}')" = "$F_DROP" -a \
	"$(metric "$W/metrics.txt" 'xdpdns_ratelimited_total{action="slipped"}')" = "$F_SLIP"
HIST_N=$(mdelta xdpdns_recursion_duration_seconds_count)
PREF_N=$(mdelta xdpdns_prefetch_total)
t_check "metrics: the recursion histogram counted every resolution ($HIST_N = $RES_N + $PREF_N prefetches)" \
	test "$HIST_N" != none -a "$PREF_N" != none -a \
	"$HIST_N" = "$((RES_N + PREF_N))"
t_check "stats.json and xdpdnsctl read the same kernel counters" \
	"$PY" "$XD_DIR/jsonq.py" check \
	"all(d[k] == docs[1][k] for k in ('xdp_outcomes', 'ratelimited', 'acl_denied', 'xdp')) and all(d['totals'][k] == docs[1]['totals'][k] for k in ('xdp_answers', 'cache_hits', 'cache_misses')) and d['xdp'] and d['daemon'] and not docs[1]['daemon']" \
	"$W/stats.json" "$W/ctl.json"
t_check "/metrics and xdpdnsctl: the same queries and hits" test \
	"$(metric "$W/metrics.txt" xdpdns_queries_total) $(metric "$W/metrics.txt" xdpdns_cache_hits_total)" = \
	"$(jget "$W/ctl.json" totals.queries totals.cache_hits)"
t_check "stats.json: the flooding client is rate-limited now" jcheck "$W/stats.json" \
	"'$FLOOD_SRC' in [c['client'] for c in d['limited_clients']]"

# --- xdpdnsctl against the live maps -------------------------------------------
t_check "xdpdnsctl top names: www.z000.test. A is the hottest" test \
	"$(ctl top names -n 1 --json | jget - 0.name 0.type)" = "www.z000.test. A"
t_check "xdpdnsctl limited: lists $FLOOD_SRC" \
	sh -c "'$BUILD/xdpdnsctl' --pin-dir '$PIN' limited | grep -q '^$FLOOD_SRC '"
want=$(ns_exec "$CLI_NS" dig +short -p 53 @"$RES_ADDR4" www.z000.test. A | sort | tr '\n' ' ')
got=$(ctl cache get www.z000.test. A | awk -F'\t' '$4 == "A" { print $5 }' | sort -u | tr '\n' ' ')
t_check "xdpdnsctl cache get shows the records clients get ($want)" \
	test -n "$want" -a "$want" = "$got"

# tail: sampled queries (--sample-rate 1) while the client asks. tail only
# shows events from its own start on, so the client asks until it has its
# five (at most 50 queries; tail gives up after 10 s).
bg_start "" "$W/tail.err" sh -c 'exec "$@" >"$0"' "$W/tail.json" \
	"$BUILD/xdpdnsctl" --pin-dir "$PIN" tail --json --count 5 --timeout 10
TAIL_PID=$BG_PID
for ((i = 0; i < 50; i++)); do
	[ "$(wc -l <"$W/tail.json" 2>/dev/null)" -ge 5 ] 2>/dev/null && break
	ns_exec "$CLI_NS" dig +tries=1 +time=1 +short -p 53 @"$RES_ADDR4" \
		host1.z001.test. A >/dev/null
done
wait "$TAIL_PID"
trc=$?
_xd_pid_untrack "$TAIL_PID"
t_check "xdpdnsctl tail: exit $trc, 5 sampled queries with client, name, action" \
	"$PY" "$XD_DIR/jsonq.py" check --lines \
	"$trc == 0 and len(d) == 5 and all(e['client'] == '$CLI_ADDR4' and e['qname'] == 'host1.z001.test.' and e['qtype'] == 'A' and e['action'] in ('answered', 'passed') for e in d)" \
	"$W/tail.json"

ctl report -o "$W/report.html" "$W/d1.json" "$W/d2.json" "$W/d3.json"
t_check "report from three dumps: chart, top names, limited client" \
	grep_each "$W/report.html" '<svg' 'www.z000.test.' "$FLOOD_SRC"

# --- Prometheus and the browser ------------------------------------------------
if [ -n "$PROMETHEUS" ]; then
	cat >"$W/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: xdpdns
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
	bg_start -n "$RES_NS" "$W/prometheus.log" "$PROMETHEUS" \
		--config.file="$W/prometheus.yml" --storage.tsdb.path="$W/tsdb" \
		--web.listen-address=127.0.0.1:9090 --log.level=warn
	# No query is sent until the check: the scraped value is known.
	P_HITS=$(ctl stats --json | jget - totals.cache_hits)
	scraped() { # sets val once Prometheus has a sample
		val=$(res curl -s --get http://127.0.0.1:9090/api/v1/query \
			--data-urlencode 'query=xdpdns_cache_hits_total' |
			jget - data.result.0.value.1 2>/dev/null)
		[ -n "$val" ]
	}
	val=
	wait_until 15 scraped
	t_check "Prometheus scrapes xdpdnsd (cache hits ${val:-none} = ${P_HITS:-?})" \
		test -n "$P_HITS" -a "$val" = "$P_HITS"
else
	t_skip "prometheus not installed: no live scrape"
fi
if [ -n "$CHROMIUM" ]; then
	# Keep the counters moving while the page polls (bounded: 40 passes;
	# the sleep paces them, it waits for nothing).
	# It stops at the flag after the pass in flight, so no query is
	# still on its way when the counters are read below.
	rm -f "$W/load.stop"
	(for _ in $(seq 40); do
		[ -e "$W/load.stop" ] && break
		digf "$HIER_HOT"
		sleep 0.2
	done) &
	LOAD_PID=$!
	res timeout 90 "$PY" "$ROOT/tests/browser/cdp.py" --chromium "$CHROMIUM" \
		--wait 7 --screenshot "${XD_SCREENSHOTS:-$W}/observe-dashboard.png" \
		--eval '({status: document.getElementById("status").textContent,
			qps: document.getElementById("t-qps").textContent,
			top: document.querySelector("#names tr + tr td").textContent,
			meta: document.getElementById("meta").textContent})' \
		"$MURL/" >"$W/page.json" 2>"$W/cdp.log"
	touch "$W/load.stop"
	wait "$LOAD_PID" 2>/dev/null
	t_check "dashboard live in Chromium, top name shown" jcheck "$W/page.json" \
		"d['status'] == 'live' and d['qps'] != '–' and d['top'].startswith('www.z000.test.') and 'XDP attached' in d['meta']"
else
	t_skip "chromium not installed: no browser check"
fi

# --- the daemon is down: the maps still answer ----------------------------------
# Nothing is sent from here on: the counters and the cache stay as they are.
Q_BEFORE=$(ctl stats --json | jget - totals.queries)
C_BEFORE=$(ctl cache list | tail -n 1)
bg_stop "$DAEMON_PID"
Q_AFTER=$(ctl stats --json | jget - totals.queries)
t_check "daemon down: xdpdnsctl stats still reads the pinned counters ($Q_AFTER = $Q_BEFORE queries)" \
	test -n "$Q_BEFORE" -a "$Q_AFTER" = "$Q_BEFORE"
C_AFTER=$(ctl cache list | tail -n 1)
t_check "daemon down: cache list still shows the warm cache, $C_AFTER as before" \
	test "$C_AFTER" = "$C_BEFORE" -a "$(tr -dc 0-9 <<<"$C_AFTER")" -ge "$NHOT"

t_summary
