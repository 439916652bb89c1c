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
jcheck() { # FILE PYTHON-EXPR over d
	python3 - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2])
if not ok:
    print("  assertion failed: " + sys.argv[2], file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}
metric() { # FILE NAME{LABELS}: the sample's value, or empty
	awk -v k="$2" '$1 == k { print $2 }' "$1"
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
digf() { # FILE: every "name TYPE" line, one dig process, from the client
	awk '{ print $1, $2 }' "$1" |
		ns_exec "$CLI_NS" dig +tries=1 +time=2 +noall +answer \
			-p 53 @"$RES_ADDR4" -f - >/dev/null 2>&1
}
NHOT=$(wc -l <"$HIER_HOT")
ctl dump --json -o "$W/d1.json"
digf "$HIER_HOT" # cold: resolved by the daemon, written to the cache
sleep 0.5
ctl dump --json -o "$W/d2.json"
digf "$HIER_HOT" # warm: answered by XDP
digf "$HIER_HOT"
for _ in 1 2 3 4 5; do
	ns_exec "$CLI_NS" dig +tries=1 +time=2 +short -p 53 @"$RES_ADDR4" \
		www.z000.test. A >/dev/null
done

# The flood: one laptop stuck in a loop, far above --ratelimit 50.
flood() {
	ns_exec "$CLI_NS" python3 - "$FLOOD_SRC" "$RES_ADDR4" 1500 <<'EOF'
import os, socket, struct, sys, time
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
s.setblocking(False)
q = b"".join(bytes([len(l)]) + l.encode() for l in "www.z000.test".split(".")) + b"\0"
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
answers = tc = 0
def drain():
    global answers, tc
    while True:
        try:
            r = s.recv(4096)
        except BlockingIOError:
            return
        answers += 1
        tc += bool(struct.unpack(">H", r[2:4])[0] & 0x0200)
for i in range(n):
    s.sendto(struct.pack(">HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0) + q +
             struct.pack(">HH", 1, 1), (dst, 53))
    if i % 50 == 0:
        drain()
        time.sleep(0.001)
deadline = time.monotonic() + 1.0
while time.monotonic() < deadline:
    drain()
    time.sleep(0.01)
print(answers, tc)
EOF
}
read -r FLOOD_ANS FLOOD_TC <<<"$(flood)"
t_check "flood of 1500 from $FLOOD_SRC: limited (answers $FLOOD_ANS, TC $FLOOD_TC)" \
	test "${FLOOD_ANS:-0}" -lt 1500 -a "${FLOOD_TC:-0}" -gt 0
ctl dump --json -o "$W/d3.json"

# --- /metrics and stats.json agree with the traffic and with xdpdnsctl ------------
res curl -s -o "$W/metrics.txt" "$MURL/metrics"
res curl -s -o "$W/stats.json" "$MURL/api/stats.json"
ctl stats --json >"$W/ctl.json"
t_check "metrics: xdpdns_up 1, XDP attached" test \
	"$(metric "$W/metrics.txt" xdpdns_up)$(metric "$W/metrics.txt" xdpdns_xdp_attached)" = 11
QT=$(metric "$W/metrics.txt" xdpdns_queries_total)
HITS=$(metric "$W/metrics.txt" xdpdns_cache_hits_total)
t_check "metrics: queries_total ($QT) covers what was sent ($((3 * NHOT + 1505)))" \
	test "${QT:-0}" -ge $((3 * NHOT + 1505))
t_check "metrics: XDP answered the warm passes (hits $HITS >= $NHOT)" \
	test "${HITS:-0}" -ge "$NHOT"
t_check "metrics: cache entries and daemon resolutions" test \
	"$(metric "$W/metrics.txt" xdpdns_cache_entries)" -gt 0 -a \
	"$(metric "$W/metrics.txt" xdpdns_daemon_resolutions_total)" -gt 0
t_check "metrics: the flood counted as rate-limited (dropped and slipped)" test \
	"$(metric "$W/metrics.txt" 'xdpdns_ratelimited_total{action="dropped"}')" -gt 0 -a \
	"$(metric "$W/metrics.txt" 'xdpdns_ratelimited_total{action="slipped"}')" -gt 0
t_check "metrics: recursion histogram counted the cold pass" test \
	"$(metric "$W/metrics.txt" xdpdns_recursion_duration_seconds_count)" -gt 0
t_check "stats.json and xdpdnsctl read the same kernel counters" python3 - \
	"$W/stats.json" "$W/ctl.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
# Taken a moment apart: the kernel counters may only have grown.
ok = all(b["xdp_outcomes"][k] >= a["xdp_outcomes"][k] for k in a["xdp_outcomes"])
ok = ok and a["daemon"] and not b["daemon"] and a["xdp"] and b["xdp"]
sys.exit(0 if ok else 1)
EOF
t_check "stats.json: the flooding client is rate-limited now" jcheck "$W/stats.json" \
	"'$FLOOD_SRC' in [c['client'] for c in d['limited_clients']]"

# --- xdpdnsctl against the live maps -------------------------------------------
t_check "xdpdnsctl top names: www.z000.test. A is the hottest" test \
	"$(ctl top names -n 1 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0]["name"], d[0]["type"])')" = \
	"www.z000.test. A"
t_check "xdpdnsctl limited: lists $FLOOD_SRC" \
	sh -c "'$BUILD/xdpdnsctl' --pin-dir '$PIN' limited | grep -q '^$FLOOD_SRC '"
want=$(ns_exec "$CLI_NS" dig +short -p 53 @"$RES_ADDR4" www.z000.test. A | sort | tr '\n' ' ')
got=$(ctl cache get www.z000.test. A | awk -F'\t' '$4 == "A" { print $5 }' | sort -u | tr '\n' ' ')
t_check "xdpdnsctl cache get shows the records clients get ($want)" \
	test -n "$want" -a "$want" = "$got"

# tail: sampled queries (--sample-rate 1) while the client asks.
"$BUILD/xdpdnsctl" --pin-dir "$PIN" tail --json --count 5 --timeout 10 \
	>"$W/tail.json" 2>"$W/tail.err" &
TAIL_PID=$!
sleep 0.5
for _ in $(seq 10); do
	ns_exec "$CLI_NS" dig +tries=1 +time=1 +short -p 53 @"$RES_ADDR4" \
		host1.z001.test. A >/dev/null
done
wait "$TAIL_PID"
t_check "xdpdnsctl tail: 5 sampled queries with client, name, action" python3 - \
	"$W/tail.json" "$CLI_ADDR4" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
ok = len(ev) == 5 and all(e["client"] == sys.argv[2] and
    e["qname"] == "host1.z001.test." and e["qtype"] == "A" and
    e["action"] in ("answered", "passed") for e in ev)
if not ok:
    print("  events: %s" % ev, file=sys.stderr)
sys.exit(0 if ok else 1)
EOF

ctl report -o "$W/report.html" "$W/d1.json" "$W/d2.json" "$W/d3.json"
t_check "report from three dumps: chart, top names, limited client" test \
	"$(grep -c -e '<svg' -e 'www.z000.test.' -e "$FLOOD_SRC" "$W/report.html")" -ge 3

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
	val=""
	for _ in $(seq 60); do
		sleep 0.25
		val=$(res curl -s --get http://127.0.0.1:9090/api/v1/query \
			--data-urlencode 'query=xdpdns_cache_hits_total' 2>/dev/null |
			python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
		[ -n "$val" ] && break
	done
	t_check "Prometheus scrapes xdpdnsd (cache hits $val)" \
		test "${val:-0}" -ge "$NHOT"
else
	t_skip "prometheus not installed: no live scrape"
fi
if [ -n "$CHROMIUM" ]; then
	# Keep the counters moving while the page polls.
	(for _ in $(seq 40); do
		digf "$HIER_HOT"
		sleep 0.2
	done) &
	LOAD_PID=$!
	res timeout 90 python3 "$ROOT/tests/browser/cdp.py" --chromium "$CHROMIUM" \
		--wait 7 --screenshot "${XD_SCREENSHOTS:-$W}/observe-dashboard.png" \
		--eval '({status: document.getElementById("status").textContent,
			qps: document.getElementById("t-qps").textContent,
			top: document.querySelector("#names tr + tr td").textContent,
			meta: document.getElementById("meta").textContent})' \
		"$MURL/" >"$W/page.json" 2>"$W/cdp.log"
	kill "$LOAD_PID" 2>/dev/null
	wait "$LOAD_PID" 2>/dev/null
	t_check "dashboard live in Chromium, top name shown" jcheck "$W/page.json" \
		"d['status'] == 'live' and d['qps'] != '–' and d['top'].startswith('www.z000.test.') and 'XDP attached' in d['meta']"
else
	t_skip "chromium not installed: no browser check"
fi

# --- the daemon is down: the maps still answer ----------------------------------
Q_BEFORE=$(ctl stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["queries"])')
bg_stop "$DAEMON_PID"
t_check "daemon down: xdpdnsctl stats still reads the pinned counters" test \
	"$(ctl stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["queries"])')" -ge "$Q_BEFORE"
t_check "daemon down: cache list still shows the warm cache" test \
	"$(ctl cache list | tail -1 | tr -dc 0-9)" -gt 0

t_summary
