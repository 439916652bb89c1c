#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xdpdnsctl against maps this test creates and pins itself: a private bpffs
# in a private mount namespace (gone when the test ends, whatever happens),
# every xdpdns map created with bpftool at the size maps/xdpdns.h gives,
# filled with known counters, cache entries and clients. Then every command
# is checked for its numbers, its JSON schema and its errors: stats (table,
# JSON, Prometheus), top names/clients, limited, cache list/get/delete/flush,
# tail, dump and report. No daemon, no traffic.
# Usage: test_observe_ctl.sh [BUILD_DIR]. Prints PASS/FAIL/SKIP lines and
# "N passed, N failed".
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
xd_init observe-ctl "${1:-}"
CTL=$BUILD/xdpdnsctl

t_require bpftool python3 unshare
t_need_bins "$BUILD" xdpdnsctl
xd_private_mounts -- "$SELF" "$BUILD"

xd_tmpdir
PIN=$XD_TMP/pins
mkdir -p "$PIN"
mount -t bpf bpf "$PIN" || xd_die "cannot mount bpffs on $PIN"
cleanup_register "umount '$PIN'"

# --- fixture -----------------------------------------------------------------
# Map types and sizes as bpf/maps.bpf.h declares them; counter names in the
# order of the XDPDNS_STATS X-macro, read from maps/xdpdns.h itself.
create() { # NAME TYPE KEY VALUE ENTRIES [FLAGS]
	bpftool map create "$PIN/$1" type "$2" key "$3" value "$4" \
		entries "$5" name "$1" ${6:+flags $6} ||
		xd_die "cannot create map $1"
}
# mapfixture.py: the counter list from maps/xdpdns.h, the value sizes, the
# batch that fills every map.
fixture() {
	"$PY" "$XD_DIR/mapfixture.py" "$@"
}
# The cache: its index and the mmapable slot classes (BPF_F_MMAPABLE).
create xdpdns_cache hash 16 8 1024
fixture classes "$ROOT" >"$XD_TMP/classes" || xd_die "cannot read the slot classes"
while read -r k size; do
	create "xdpdns_slot$k" array 4 "$size" 256 1024
done <"$XD_TMP/classes"
create xdpdns_stats percpu_array 4 "$(fixture stats-size "$ROOT")" 1
create xdpdns_svc hash 20 4 64
create xdpdns_config array 4 104 1
create xdpdns_allow lpm_trie 24 4 4096 1
create xdpdns_deny lpm_trie 24 4 4096 1
create xdpdns_exempt lpm_trie 24 4 4096 1
create xdpdns_rl lru_hash 20 56 1024
create xdpdns_gmiss array 4 32 1
create xdpdns_events ringbuf 0 0 4096

# libbpf sums over *possible* CPUs; bpftool writes the value to each.
NCPU=$(fixture ncpu)

load() { # QUERIES [stats]: counters for QUERIES queries (and the rest)
	if ! fixture batch "$ROOT" "$PIN" "$@" >"$XD_TMP/batch" ||
		! bpftool batch file "$XD_TMP/batch" >/dev/null; then
		xd_die "cannot fill the maps"
	fi
}
load 1000

# jq-less JSON assertions: jcheck FILE PYTHON-EXPR (d is the document).
jcheck() {
	"$PY" "$XD_DIR/jsonq.py" check "$2" "$1"
}

STAT_NAMES=$(fixture names "$ROOT")

# --- errors ------------------------------------------------------------------
out=$("$CTL" --pin-dir "$XD_TMP/none" stats 2>&1)
rc=$?
t_check "missing maps: exit 1 with the is-xdpdnsd-running line" \
	test "$rc" = 1 -a \
	"$out" = "xdpdnsctl: no xdpdns maps under $XD_TMP/none: is xdpdnsd running?"
for bad in "frobnicate" "top" "top names -n 0" "cache get" "cache get bad..name" \
	"cache get a.example TYPE1x" "cache get a.example TYPE65536" \
	"stats --bogus" "tail --count x" "report"; do
	# shellcheck disable=SC2086
	out=$(ctl $bad 2>&1 >/dev/null)
	rc=$?
	t_check "bad usage '$bad': exit 2, one line" \
		test "$rc" = 2 -a "$(printf '%s\n' "$out" | wc -l)" = 1
done

# --- stats -------------------------------------------------------------------
Q=$((1000 * NCPU))
ctl stats >"$XD_TMP/stats.txt" 2>&1
t_check "stats table" grep -q "^cache hits / misses *$((800 * NCPU)) / $((160 * NCPU)) (hit ratio 83.3%)" "$XD_TMP/stats.txt"
t_check "stats table lists every counter" test \
	"$(grep -cE "^  [a-z0-9_]+ +[0-9]+  " "$XD_TMP/stats.txt")" = "$(echo "$STAT_NAMES" | wc -w)"
ctl stats --json >"$XD_TMP/stats.json"
t_check "stats --json: totals" jcheck "$XD_TMP/stats.json" \
	"d['version'] == 1 and d['xdp'] and not d['daemon'] and d['totals']['queries'] == $Q and d['totals']['cache_hits'] == $((800 * NCPU)) and d['totals']['xdp_answers'] == $(((800 + 1 + 5) * NCPU))"
t_check "stats --json: every XDP counter by name" jcheck "$XD_TMP/stats.json" \
	"sorted(d['xdp_outcomes']) == sorted('$STAT_NAMES'.split())"
t_check "stats --json: limits, ACL, rcode and qtype mix" jcheck "$XD_TMP/stats.json" \
	"d['ratelimited'] == {'dropped': $((22 * NCPU)), 'slipped': $((5 * NCPU)), 'dryrun': 0} and d['acl_denied'] == {'dropped': $((3 * NCPU)), 'refused': $((1 * NCPU))} and d['rcode']['NXDOMAIN'] == $((20 * NCPU)) and d['qtype']['HTTPS'] == $((50 * NCPU)) and d['qtype']['other'] == $((7 * NCPU)) and 'TYPE99' not in d['qtype']"
t_check "stats --json: cache and clients" jcheck "$XD_TMP/stats.json" \
	"d['cache']['entries'] == 6 and d['cache']['capacity'] == 1024 and d['cache']['stale'] == 1 and d['cache']['negative'] == 1 and d['clients']['tracked'] == 3 and d['clients']['limited_now'] == 1 and d['daemon_stats'] is None"
t_check "stats --json: top lists" jcheck "$XD_TMP/stats.json" \
	"[n['name'] for n in d['top_names']][:2] == ['www.example.com.', 'example.org.'] and d['top_clients'][0]['client'] == '198.18.0.10' and [c['client'] for c in d['limited_clients']] == ['198.18.0.10']"
ctl stats --prometheus >"$XD_TMP/metrics.txt"
t_check "stats --prometheus: queries, cache entries, outcomes" \
	grep -qx "xdpdns_queries_total $Q" "$XD_TMP/metrics.txt"
t_check "stats --prometheus: cache gauge and every reason" test \
	"$(grep -c '^xdpdns_xdp_outcomes_total{reason=' "$XD_TMP/metrics.txt")" = \
	"$(echo "$STAT_NAMES" | wc -w)" -a \
	-n "$(grep -x 'xdpdns_cache_entries 6' "$XD_TMP/metrics.txt")"

# --- top and limited ---------------------------------------------------------
ctl top names -n 2 >"$XD_TMP/top.txt"
t_check "top names -n 2: two rows, most hits first" test \
	"$(awk 'NR>1 {print $2, $3, $NF}' "$XD_TMP/top.txt" | tr '\n' ';')" = \
	"500 A www.example.com.;100 AAAA example.org.;"
ctl top names --json >"$XD_TMP/top.json"
t_check "top names --json: both DO variants, hits descending" jcheck "$XD_TMP/top.json" \
	"[(n['name'], n['flags'], n['hits']) for n in d] == [('www.example.com.', '', 500), ('example.org.', '', 100), ('alias.example.com.', '', 30), ('www.example.com.', 'do', 7), ('stale.example.net.', '', 3)]"
out=$(ctl top clients | awk 'NR>1 {print $1}' | tr '\n' ' ')
t_check "top clients by queries, never a prefix stage's entry" test "$out" = "198.18.0.10 2001:db8:1:2:: 198.18.0.11 "
out=$(ctl limited | awk 'NR>1 {print $1}' | tr '\n' ' ')
t_check "limited: only the client limited a second ago" test "$out" = "198.18.0.10 "
ctl limited --within 200 --json >"$XD_TMP/limited.json"
t_check "limited --within 200 --json: all three, most recent first, the /64 stage as a prefix" jcheck "$XD_TMP/limited.json" \
	"[c['client'] for c in d] == ['198.18.0.10', '2001:db8:1::/64', '2001:db8:1:2::'] and d[0]['limited'] == 300 and d[1]['limited'] == 40"

# --- cache -------------------------------------------------------------------
t_check "cache list: six entries" test \
	"$(ctl cache list | tail -1)" = "(6 entries)"
ctl cache get ALIAS.example.com cname >"$XD_TMP/get.txt"
t_check "cache get decodes a CNAME chain through compression pointers" \
	test "$(grep -v '^;' "$XD_TMP/get.txt" | awk -F'\t' '{print $1, $3, $4, $5}' | tr '\n' ';')" = \
	"alias.example.com. IN CNAME www.example.com.;www.example.com. IN A 192.0.2.1;"
# Stored 2 s before the fixture ran with TTL 120: at most 118 s left.
# shellcheck disable=SC2016 # awk program
t_check "cache get shows TTLs decayed as XDP would send them" \
	awk -F'\t' '$1 == "alias.example.com." { ok = $2 <= 118 && $2 > 100 }
		END { exit !ok }' "$XD_TMP/get.txt"
ctl cache get nx.example.com A >"$XD_TMP/nx.txt"
t_check "cache get NXDOMAIN: rcode and SOA in AUTHORITY" \
	grep_each "$XD_TMP/nx.txt" 'rcode NXDOMAIN' ';; AUTHORITY' \
	'SOA	ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 60'
ctl cache get www.example.com --json >"$XD_TMP/get.json"
t_check "cache get NAME (no type) --json: every DO/CD variant" jcheck "$XD_TMP/get.json" \
	"[(e['type'], e['flags']) for e in d] == [('A', ''), ('A', 'do')] and d[0]['records'][1].endswith('192.0.2.1')"
out=$(ctl cache get nothere.example.com A 2>&1)
t_check "cache get of a missing name: exit 1" test $? = 1 -a \
	"$out" = "xdpdnsctl: no cache entry for nothere.example.com. A"
out=$(ctl cache get nothere.example.com type44 2>&1)
t_check "cache get: libldns reads and names the type" test $? = 1 -a \
	"$out" = "xdpdnsctl: no cache entry for nothere.example.com. SSHFP"
t_check "cache delete NAME TYPE removes all variants" test \
	"$(ctl cache delete www.example.com A)" = "deleted 2 entries for www.example.com."
t_check "deleted entries are gone" test \
	"$(ctl cache get www.example.com A >/dev/null 2>&1; echo $?)" = 1
t_check "cache delete NAME (all types)" test \
	"$(ctl cache delete example.org)" = "deleted 1 entry for example.org."

# --- dump and report ---------------------------------------------------------
ctl dump --json -o "$XD_TMP/d1.json"
t_check "dump --json: every map, with a timestamp" jcheck "$XD_TMP/d1.json" \
	"d['kind'] == 'xdpdns-dump' and d['version'] == 1 and d['time'] > 1.6e9 and d['stats']['queries'] == $Q and len(d['cache']['entries']) == 3 and d['cache']['capacity'] == 1024 and len(d['rl']) == 4 and [(r['stage'], r['prefix_len']) for r in d['rl'] if r['client'] == '2001:db8:1::'] == [('net', 64)] and d['config']['sample_rate'] == 1 and d['config']['flags'] == ['acl'] and d['svc'] == ['198.18.0.53'] and sorted(d['allow']) == ['198.18.0.0/15', '2001:db8::/32'] and d['deny'] == [] and d['gmiss']['dropped'] == 2 and d['stats']['answer_qtype']['TYPE99'] == $((7 * NCPU))"
# The dumps are a second apart: the report's rates are counts over the
# time between dumps, which is what these sleeps make (no condition to
# wait for).
sleep 1
load 1600 stats
ctl dump --json -o "$XD_TMP/d2.json"
sleep 1
load 4000 stats
ctl dump --json -o "$XD_TMP/d3.json"
ctl report --title "Hall <A>" -o "$XD_TMP/report.html" \
	"$XD_TMP/d3.json" "$XD_TMP/d1.json" "$XD_TMP/d2.json"
self_contained() {
	grep_each "$XD_TMP/report.html" '<svg' 'peak queries/s' \
		'Hall &lt;A&gt;' &&
		[ -z "$(grep -Eo '(src|href)="http[^"]*' "$XD_TMP/report.html")" ]
}
t_check "report: self-contained HTML with a chart" self_contained
t_check "report: limited clients and top names" \
	grep_each "$XD_TMP/report.html" '198.18.0.10' 'alias.example.com.'
out=$(ctl report "$XD_TMP/stats.json" 2>&1)
t_check "report refuses a file that is not a dump" test $? = 1 -a \
	-n "$(echo "$out" | grep 'not an xdpdns dump')"

# --- tail --------------------------------------------------------------------
timeout 10 "$CTL" --pin-dir "$PIN" tail --timeout 1 >"$XD_TMP/tail.txt" 2>&1
t_check "tail --timeout on an idle ring: exit 0, no output" test $? = 0 -a \
	! -s "$XD_TMP/tail.txt"
timeout 10 "$CTL" --pin-dir "$PIN" tail --count 1 --timeout 1 >/dev/null 2>&1
t_check "tail --count N that times out: exit 1" test $? = 1

# --- flush last --------------------------------------------------------------
t_check "cache flush" test "$(ctl cache flush)" = "flushed 3 entries"
t_check "cache is empty after flush" test \
	"$(ctl cache list | tail -1)" = "(0 entries)"

t_summary
