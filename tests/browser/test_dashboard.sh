#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The metrics server as its users meet it, without the XDP testbed: the real
# userspace/metrics.c linked into feed_metrics.c (moving venue-like counters
# and, as root, real unpinned maps) on a loopback port, then
#  - curl: /metrics content type and lines, counters monotonic across
#    scrapes, /api/stats.json schema, / is the committed dashboard, 404/405;
#  - promtool check metrics (lint), when promtool is installed, and the
#    fleet config and recording rules of tools/prometheus (check config,
#    test rules on two nodes' synthetic series);
#  - a real Prometheus scraping it once a second, queried for counters, a
#    rate and a histogram quantile, when prometheus is installed;
#  - headless Chromium in real time (cdp.py): the page goes live, shows
#    rates, top lists and fits a 16:9 screen at 1920x1080 and 1280x720.
# Screenshots land in $XD_SCREENSHOTS (default: the temporary directory).
# Usage: test_dashboard.sh [BUILD_DIR]. Prints PASS/FAIL/SKIP lines and
# "N passed, N failed[, N skipped]". PROMETHEUS, PROMTOOL, CHROMIUM override
# the binaries.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../netns/lib.sh
. "$HERE/../netns/lib.sh"
xd_init dashboard "${1:-}"

t_require python3 curl gcc pkg-config
xd_tmpdir
SHOTS=${XD_SCREENSHOTS:-$XD_TMP}
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || true)}
PROMTOOL=${PROMTOOL:-$(command -v promtool || true)}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}

# --- the feed, built with the tree (make all) --------------------------------
make -s -C "$ROOT" BUILD="$BUILD" "$BUILD/tests/feed_metrics" \
	>"$XD_TMP/make.log" 2>&1 ||
	xd_die "cannot build feed_metrics (see $XD_TMP/make.log)"
FEED=$BUILD/tests/feed_metrics

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
bg_start "" "$XD_TMP/feed.log" "$FEED" \
	--listen "127.0.0.1:$PORT" --seconds 120 --maps
for _ in $(seq 50); do
	curl -fs -o /dev/null "$URL/metrics" && break
	sleep 0.1
done

# --- HTTP ----------------------------------------------------------------------
hdr=$(curl -s -D - -o "$XD_TMP/m1.txt" "$URL/metrics")
t_check "/metrics is Prometheus text 0.0.4" \
	grep -qi '^content-type: text/plain; version=0.0.4' <<<"$hdr"
t_check "/metrics: maps walked (cache entries, clients)" test \
	-n "$(grep -x 'xdpdns_cache_entries 40' "$XD_TMP/m1.txt")" -a \
	-n "$(grep -x 'xdpdns_clients_tracked 60' "$XD_TMP/m1.txt")"
sleep 1.2
curl -s -o "$XD_TMP/m2.txt" "$URL/metrics"
mono() { # metric line in file 1 <= in file 2, for every counter sample
	python3 - "$XD_TMP/m1.txt" "$XD_TMP/m2.txt" <<'EOF'
import sys
def load(p):
    kinds, vals = {}, {}
    for l in open(p):
        if l.startswith("# TYPE "):
            _, _, name, kind = l.split()
            kinds[name] = kind
        elif l.strip() and not l.startswith("#"):
            k, v = l.rsplit(" ", 1)
            vals[k] = float(v)
    return kinds, vals
kinds, a = load(sys.argv[1])
_, b = load(sys.argv[2])
bad = [k for k in a if kinds.get(k.split("{")[0]) == "counter" and b.get(k, -1) < a[k]]
grew = b["xdpdns_queries_total"] > a["xdpdns_queries_total"]
if bad or not grew:
    print("  went backwards: %s, grew: %s" % (bad, grew), file=sys.stderr)
sys.exit(1 if bad or not grew else 0)
EOF
}
t_check "counters only grow between scrapes" mono
if [ -n "$PROMTOOL" ]; then
	t_check "promtool check metrics is clean" \
		sh -c "'$PROMTOOL' check metrics <'$XD_TMP/m2.txt'"
	# The fleet's Prometheus config and recording rules (tools/prometheus),
	# the rules evaluated on two nodes' synthetic series.
	t_check "the fleet config and its rules are valid (promtool check config)" \
		sh -c "'$PROMTOOL' check config '$ROOT/tools/prometheus/prometheus.yml' >/dev/null"
	t_check "the fleet rules give per-node and fleet rates, hit ratios, limited clients, nodes up (promtool test rules)" \
		sh -c "cd '$ROOT/tests/browser' && '$PROMTOOL' test rules fleet-rules.test.yml >/dev/null"
else
	t_skip "promtool not installed"
fi
hdr=$(curl -s -D - -o "$XD_TMP/stats.json" "$URL/api/stats.json")
t_check "/api/stats.json is JSON with the dashboard's fields" sh -c "
	grep -qi '^content-type: application/json' <<'EOH'
$hdr
EOH
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"version\"] == 1 and d[\"xdp\"] and d[\"daemon\"]
assert len(d[\"top_names\"]) == 10 and len(d[\"top_clients\"]) == 10
assert d[\"limited_clients\"][0][\"client\"] == \"198.18.3.17\"
assert d[\"cache\"][\"entries\"] == 40 and d[\"totals\"][\"queries\"] > 0
assert d[\"daemon_stats\"][\"recursion\"][\"le\"][-1] == \"+Inf\"
' '$XD_TMP/stats.json'"
curl -s -o "$XD_TMP/index.html" "$URL/"
t_check "/ serves the committed dashboard" \
	cmp -s "$XD_TMP/index.html" "$ROOT/tools/dashboard/index.html"
t_check "unknown path: 404" test \
	"$(curl -s -o /dev/null -w '%{http_code}' "$URL/nope")" = 404
t_check "POST: 405" test \
	"$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/metrics")" = 405

# --- a real Prometheus ---------------------------------------------------------
if [ -n "$PROMETHEUS" ]; then
	PPORT=$(free_port)
	cat >"$XD_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: xdpdns
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
	bg_start "" "$XD_TMP/prometheus.log" "$PROMETHEUS" \
		--config.file="$XD_TMP/prometheus.yml" \
		--storage.tsdb.path="$XD_TMP/tsdb" \
		--web.listen-address="127.0.0.1:$PPORT" --log.level=warn
	promq() { # EXPR: prints the first sample's value, or nothing
		curl -s --get "http://127.0.0.1:$PPORT/api/v1/query" \
			--data-urlencode "query=$1" | python3 -c '
import json, sys
r = json.load(sys.stdin).get("data", {}).get("result", [])
print(r[0]["value"][1] if r else "")'
	}
	up=""
	for _ in $(seq 100); do
		up=$(promq 'rate(xdpdns_queries_total[4s])' 2>/dev/null)
		[ -n "$up" ] && [ "$up" != 0 ] && break
		sleep 0.2
	done
	t_check "Prometheus scrapes it: up == 1" test "$(promq 'up{job="xdpdns"}')" = 1
	t_check "Prometheus: rate(xdpdns_queries_total) > 0 ($up/s)" \
		python3 -c "import sys; sys.exit(not float('${up:-0}') > 0)"
	q=$(promq 'histogram_quantile(0.95, sum by (le) (rate(xdpdns_recursion_duration_seconds_bucket[4s])))')
	t_check "Prometheus: recursion p95 from the histogram ($q s)" \
		python3 -c "import math, sys; v = float('${q:-nan}'); sys.exit(not (0 < v <= 5))"
	t_check "Prometheus: bounded labels (rcode series <= 16)" \
		test "$(promq 'count(xdpdns_answers_total)')" -le 16
	# Every Grafana panel query is valid PromQL and returns data here.
	t_check "Grafana: every panel query evaluates with data" \
		python3 - "$ROOT/tools/grafana/xdpdns.json" "$PPORT" <<'EOF2'
import json, sys, urllib.parse, urllib.request
dash = json.load(open(sys.argv[1]))
bad = []
for p in dash["panels"]:
    for t in p.get("targets", []):
        q = (t["expr"].replace("$instance", ".*").replace("$node", ".*")
             .replace("$__range", "1m"))
        url = "http://127.0.0.1:%s/api/v1/query?%s" % (
            sys.argv[2], urllib.parse.urlencode({"query": q}))
        try:
            r = json.load(urllib.request.urlopen(url, timeout=10))
        except Exception as e:  # HTTP 400 on a PromQL syntax error
            bad.append((p["title"], q, str(e)))
            continue
        # Rates of counters that never moved in the feed legitimately
        # filter to nothing ("> 0"); everything else must have a sample.
        if r["status"] != "success" or (not r["data"]["result"] and "> 0" not in q):
            bad.append((p["title"], q, r.get("error", "no data")))
for b in bad:
    print("  %s: %s: %s" % b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF2
else
	t_skip "prometheus not installed: no live scrape"
fi

# --- the page in a real browser ------------------------------------------------
if [ -n "$CHROMIUM" ]; then
	probe='({status: document.getElementById("status").textContent,
	qps: document.getElementById("t-qps").textContent,
	hit: document.getElementById("t-hit").textContent,
	names: document.querySelectorAll("#names tr").length,
	clients: document.querySelectorAll("#clients tr").length,
	limited: document.querySelector("#limited tr + tr td").textContent,
	rcode: document.querySelectorAll("#rcode .bar").length,
	meta: document.getElementById("meta").textContent,
	title: document.title,
	fits: document.documentElement.scrollHeight <= innerHeight + 1 &&
	      document.documentElement.scrollWidth <= innerWidth + 1})'
	for size in 1920x1080 1280x720; do
		if ! timeout 90 python3 "$HERE/cdp.py" --chromium "$CHROMIUM" \
			--size "$size" --wait 7 --eval "$probe" \
			--screenshot "$SHOTS/dashboard-$size.png" \
			"$URL/?title=Hall%20A" >"$XD_TMP/page-$size.json" \
			2>"$XD_TMP/cdp-$size.log"; then
			t_fail "chromium at $size: $(tail -1 "$XD_TMP/cdp-$size.log")"
			continue
		fi
		t_check "dashboard at $size: live, rates, top lists, fits the screen" \
			python3 - "$XD_TMP/page-$size.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
ok = (p["status"] == "live" and p["qps"] not in ("–", "") and
      float(p["qps"].rstrip("k")) > 0 and p["hit"].endswith("%") and
      p["names"] == 11 and p["clients"] == 11 and
      p["limited"] == "198.18.3.17" and p["rcode"] >= 2 and
      "XDP attached" in p["meta"] and p["title"].startswith("Hall A") and
      p["fits"])
if not ok:
    print("  page state: %s" % p, file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
	done
	xd_log "screenshots: $SHOTS/dashboard-*.png"
else
	t_skip "chromium not installed: no browser check"
fi

t_summary
