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
create xdpdns_cache lru_hash 16 1664 1024
create xdpdns_stats percpu_array 4 "$(python3 - "$ROOT" <<'EOF'
import re, sys
h = open(sys.argv[1] + "/maps/xdpdns.h").read()
body = h[h.index("#define XDPDNS_STATS(X)"):h.index("#define XDPDNS_STAT_ENUM_")]
n = len(re.findall(r"X\(([A-Z0-9_]+),", body))
print(8 * (n + 256 + 16))
EOF
)" 1
create xdpdns_svc hash 20 4 64
create xdpdns_config array 4 48 1
create xdpdns_allow lpm_trie 24 4 4096 1
create xdpdns_deny lpm_trie 24 4 4096 1
create xdpdns_exempt lpm_trie 24 4 4096 1
create xdpdns_rl lru_hash 20 56 1024
create xdpdns_gmiss array 4 16 1
create xdpdns_events ringbuf 0 0 4096

# libbpf sums over *possible* CPUs; bpftool writes the value to each.
NCPU=$(python3 - <<'EOF'
s = open("/sys/devices/system/cpu/possible").read().strip()
n = 0
for part in s.split(","):
    a, _, b = part.partition("-")
    n += int(b or a) - int(a) + 1
print(n)
EOF
)

# fixture QUERIES: writes the batch that fills every map; the stats value
# has QUERIES queries and proportional outcomes.
fixture() {
	python3 - "$ROOT" "$PIN" "$1" "${2:-all}" <<'EOF'
import re, socket, struct, sys, time
root, pin, queries, what = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
h = open(root + "/maps/xdpdns.h").read()
body = h[h.index("#define XDPDNS_STATS(X)"):h.index("#define XDPDNS_STAT_ENUM_")]
names = [m.lower() for m in re.findall(r"X\(([A-Z0-9_]+),", body)]
now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
S = 1000000000

def hx(b):
    return " ".join("%02x" % x for x in b)

def upd(m, k, v):
    print("map update pinned %s/%s key hex %s value hex %s" % (pin, m, hx(k), hx(v)))

def wire(name):
    out = b""
    for l in name.rstrip(".").split("."):
        out += bytes([len(l)]) + l.encode()
    return out + b"\0"

st = dict.fromkeys(names, 0)
st.update(packets=queries + 100, not_for_us=100, queries=queries,
          hit=queries * 8 // 10, miss=queries * 15 // 100,
          expired=queries // 100, rl_dropped=20, rl_slipped=5,
          miss_dropped=2, acl_dropped=3, acl_refused=1, dryrun=0)
qt = [0] * 256
qt[1], qt[28], qt[65], qt[99] = 600, 200, 50, 7   # 99 has no mnemonic
rc = [0] * 16
rc[0], rc[3] = 780, 20
upd("xdpdns_stats", struct.pack("<I", 0),
    struct.pack("<%dQ" % len(names), *[st[n] for n in names]) +
    struct.pack("<256Q", *qt) + struct.pack("<16Q", *rc))
if what != "all":
    sys.exit(0)

SEED = 0x0123456789abcdef  # xdpdns_config.hash_seed below
M64 = (1 << 64) - 1

def name_hash(name):
    # xdpdns_hash_step() over the name as native-endian 8-byte words
    h = SEED ^ 0xcbf29ce484222325
    padded = name + b"\0" * (-len(name) % 8)
    for i in range(0, len(padded), 8):
        h ^= struct.unpack("=Q", padded[i:i + 8])[0]
        h = (h * 0x9e3779b97f4a7c15) & M64
        h ^= h >> 29
    return h

def entry(qname, qtype, flags, hits, ttl, data, ttl_offs, an, ns=0, ar=0,
          rcode=0, expire=None):
    w = wire(qname)
    key = struct.pack("<QHHBB2x", name_hash(w), qtype, 1, flags, len(w))
    offs = ttl_offs + [0] * (64 - len(ttl_offs))
    e = struct.pack("<QQQIHHHHHHHH64H1232s4x256s",
                    now + ttl * S if expire is None else expire,
                    now - 2 * S, hits, ttl, 0, 0x8180 | rcode, an, ns, ar,
                    len(data), len(ttl_offs), 0, *offs, data, w)
    upd("xdpdns_cache", key, e)

def rr(owner, rtype, ttl, rdata):
    return owner + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata

a = rr(b"\xc0\x0c", 1, 300, socket.inet_pton(socket.AF_INET, "192.0.2.1"))
entry("www.example.com", 1, 0, 500, 300, a, [6], 1)
entry("www.example.com", 1, 1, 7, 300, a, [6], 1)
entry("example.org", 28, 0, 100, 600,
      rr(b"\xc0\x0c", 28, 600, socket.inet_pton(socket.AF_INET6, "2001:db8::1")),
      [6], 1)
# alias.example.com: CNAME to www (pointer to "example.com" at 18), then
# the A record whose owner points at the CNAME target (offset 47).
cname = rr(b"\xc0\x0c", 5, 120, b"\x03www\xc0\x12")
entry("alias.example.com", 5, 0, 30, 120,
      cname + rr(b"\xc0\x2f", 1, 120, socket.inet_pton(socket.AF_INET, "192.0.2.1")),
      [6, 24], 2)
# nx.example.com: NXDOMAIN with the zone's SOA ("example.com" at 15).
soa = b"\x03ns1\xc0\x0f" + b"\x0ahostmaster\xc0\x0f" + struct.pack(">5I", 2024010101, 7200, 3600, 1209600, 60)
entry("nx.example.com", 1, 0, 0, 60, rr(b"\xc0\x0f", 6, 60, soa), [6], 0,
      ns=1, rcode=3)
entry("stale.example.net", 1, 0, 3, 30,
      rr(b"\xc0\x0c", 1, 30, socket.inet_pton(socket.AF_INET, "192.0.2.9")),
      [6], 1, expire=now - 5 * S)

def rl(fam, addr, queries, limited, limited_ago):
    af = socket.AF_INET if fam == 4 else socket.AF_INET6
    k = struct.pack("<I16s", fam, socket.inet_pton(af, addr))
    lim_ns = now - limited_ago * S if limited_ago is not None else 0
    upd("xdpdns_rl", k, struct.pack("<7Q", now, now, now - S // 2, lim_ns,
                                    queries, limited, 0))

rl(4, "198.18.0.10", 5000, 300, 1)
rl(4, "198.18.0.11", 100, 0, None)
rl(6, "2001:db8:1:2::", 2000, 10, 100)
upd("xdpdns_config", struct.pack("<I", 0),
    struct.pack("<HHIIIIIIIBBBBIQ", 53, 1232, 1, 100, 200, 20, 40, 1000, 2000,
                2, 32, 64, 0, 1, SEED))
upd("xdpdns_svc", struct.pack("<I16s", 4, socket.inet_pton(socket.AF_INET, "198.18.0.53")),
    struct.pack("<I", 1))
upd("xdpdns_allow", struct.pack("<II16s", 32 + 15, 4, socket.inet_pton(socket.AF_INET, "198.18.0.0")),
    struct.pack("<I", 1))
upd("xdpdns_allow", struct.pack("<II16s", 32 + 32, 6, socket.inet_pton(socket.AF_INET6, "2001:db8::")),
    struct.pack("<I", 1))
upd("xdpdns_gmiss", struct.pack("<I", 0), struct.pack("<QQ", now, 2))
EOF
}

load() { # QUERIES [stats]
	if ! fixture "$@" >"$XD_TMP/batch" ||
		! bpftool batch file "$XD_TMP/batch" >/dev/null; then
		xd_die "cannot fill the maps"
	fi
}
load 1000

# jq-less JSON assertions: jcheck FILE PYTHON-EXPR (d is the document).
jcheck() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2])
if not ok:
    print("  assertion failed: " + sys.argv[2], file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}

STAT_NAMES=$(python3 - "$ROOT" <<'EOF'
import re, sys
h = open(sys.argv[1] + "/maps/xdpdns.h").read()
body = h[h.index("#define XDPDNS_STATS(X)"):h.index("#define XDPDNS_STAT_ENUM_")]
print(" ".join(m.lower() for m in re.findall(r"X\(([A-Z0-9_]+),", body)))
EOF
)

# --- errors ------------------------------------------------------------------
out=$("$CTL" --pin-dir "$XD_TMP/none" stats 2>&1)
rc=$?
t_check "missing maps: exit 1 with the is-xdpdnsd-running line" \
	test "$rc" = 1 -a \
	"$out" = "xdpdnsctl: no xdpdns maps under $XD_TMP/none: is xdpdnsd running?"
for bad in "frobnicate" "top" "top names -n 0" "cache get" "cache get bad..name" \
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
t_check "top clients by queries" test "$out" = "198.18.0.10 2001:db8:1:2:: 198.18.0.11 "
out=$(ctl limited | awk 'NR>1 {print $1}' | tr '\n' ' ')
t_check "limited: only the client limited a second ago" test "$out" = "198.18.0.10 "
ctl limited --within 200 --json >"$XD_TMP/limited.json"
t_check "limited --within 200 --json: both, most recent first" jcheck "$XD_TMP/limited.json" \
	"[c['client'] for c in d] == ['198.18.0.10', '2001:db8:1:2::'] and d[0]['limited'] == 300"

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
t_check "cache get NXDOMAIN: rcode and SOA in AUTHORITY" test \
	"$(ctl cache get nx.example.com A | grep -c -e 'rcode NXDOMAIN' -e ';; AUTHORITY' -e 'SOA	ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 60')" = 3
ctl cache get www.example.com --json >"$XD_TMP/get.json"
t_check "cache get NAME (no type) --json: every DO/CD variant" jcheck "$XD_TMP/get.json" \
	"[(e['type'], e['flags']) for e in d] == [('A', ''), ('A', 'do')] and d[0]['records'][1].endswith('192.0.2.1')"
out=$(ctl cache get nothere.example.com A 2>&1)
t_check "cache get of a missing name: exit 1" test $? = 1 -a \
	"$out" = "xdpdnsctl: no cache entry for nothere.example.com. A"
t_check "cache delete NAME TYPE removes all variants" test \
	"$(ctl cache delete www.example.com A)" = "deleted 2 entries for www.example.com."
t_check "deleted entries are gone" test \
	"$(ctl cache get www.example.com A >/dev/null 2>&1; echo $?)" = 1
t_check "cache delete NAME (all types)" test \
	"$(ctl cache delete example.org)" = "deleted 1 entry for example.org."

# --- dump and report ---------------------------------------------------------
ctl dump --json -o "$XD_TMP/d1.json"
t_check "dump --json: every map, with a timestamp" jcheck "$XD_TMP/d1.json" \
	"d['kind'] == 'xdpdns-dump' and d['version'] == 1 and d['time'] > 1.6e9 and d['stats']['queries'] == $Q and len(d['cache']['entries']) == 3 and d['cache']['capacity'] == 1024 and len(d['rl']) == 3 and d['config']['sample_rate'] == 1 and d['config']['flags'] == ['acl'] and d['svc'] == ['198.18.0.53'] and sorted(d['allow']) == ['198.18.0.0/15', '2001:db8::/32'] and d['deny'] == [] and d['gmiss']['dropped'] == 2 and d['stats']['answer_qtype']['TYPE99'] == $((7 * NCPU))"
sleep 1
load 1600 stats
ctl dump --json -o "$XD_TMP/d2.json"
sleep 1
load 4000 stats
ctl dump --json -o "$XD_TMP/d3.json"
ctl report --title "Hall <A>" -o "$XD_TMP/report.html" \
	"$XD_TMP/d3.json" "$XD_TMP/d1.json" "$XD_TMP/d2.json"
t_check "report: self-contained HTML with a chart" test \
	"$(grep -c -e '<svg' -e 'peak queries/s' -e 'Hall &lt;A&gt;' "$XD_TMP/report.html")" -ge 3 -a \
	-z "$(grep -Eo '(src|href)="http[^"]*' "$XD_TMP/report.html")"
t_check "report: limited clients and top names" test \
	"$(grep -c -e '198.18.0.10' -e 'alias.example.com.' "$XD_TMP/report.html")" -ge 2
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
