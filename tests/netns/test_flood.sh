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
# Three daemon runs (A: a and c; D: d; B: b) share the pinned maps, so the
# cache stays warm across them.
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
ip -n "$CLI_NS" -batch - <<EOF || xd_die "cannot add the outside sources"
addr add $OUT4/32 dev $CLI_IF
addr add $OUT6/128 dev $CLI_IF nodad
EOF

# Name lists ("name TYPE"): hot names are asked before the scenarios (so
# they are cached), new names only during them. Long-TTL addresses only.
hier_names addr A | awk '$5 >= 3600 { print $1, $2 }' >"$W/addr.txt"
head -n 50 "$W/addr.txt" >"$W/hot50.txt"
sed -n '51,90p' "$W/addr.txt" >"$W/new40.txt"
for _ in 1 2 3 4 5 6; do cat "$W/hot50.txt"; done >"$W/hot300.txt"
for _ in 1 2 3 4; do cat "$W/hot50.txt"; done >"$W/hot200.txt"
sed -n '91,100p' "$W/addr.txt" >"$W/new10.txt"
cat "$W/hot300.txt" "$W/new40.txt" >"$W/legit_a.txt"
cat "$W/hot50.txt" "$W/new10.txt" >"$W/outside.txt"
if [ "$(wc -l <"$W/new40.txt")" -ne 40 ] || [ "$(wc -l <"$W/new10.txt")" -ne 10 ]; then
	t_fail "not enough long-TTL names in the hierarchy"
	t_summary
	exit 1
fi

# --- the traffic helper ----------------------------------------------------------
cat >"$W/dnsload.py" <<'EOF'
"""Bounded DNS senders for test_flood.sh. Every loop stops at a count and a
deadline. Subcommands (one line of figures on stdout):
  flood SRC DST COUNT SECS PPS ZONE|=NAME   sent secs answers tc
      random-subdomain queries under ZONE (or always NAME), PPS 0: flat out
  ask SRC DST FILE QPS WAIT                 sent responses answers tc
      every "name TYPE" line once, paced; answers: NOERROR with records
  spoof DST COUNT SECS NAME NET EXCLUDE     sent secs sources
      raw IPv4 queries for NAME, each from a new source in NET (not EXCLUDE)
"""
import errno, ipaddress, os, random, select, socket, struct, sys, time

TYPES = {"A": 1, "NS": 2, "MX": 15, "TXT": 16, "AAAA": 28}


def wire(name):
    labels = [l for l in name.rstrip(".").split(".") if l]
    return b"".join(bytes([len(l)]) + l.encode() for l in labels) + b"\0"


def query(qid, name, qtype=1):
    return (struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire(name) +
            struct.pack(">HH", qtype, 1))


def udp(src, dst):
    s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET,
                      socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((src, 0))
    s.setblocking(False)
    return s


def replies(s):
    """(id, flags, ancount) of every reply waiting on s."""
    out = []
    while True:
        try:
            r = s.recv(65535)
        except BlockingIOError:
            return out
        if len(r) >= 12:
            qid, flags, _, an = struct.unpack(">HHHH", r[:8])
            if flags & 0x8000:
                out.append((qid, flags, an))


def flood(src, dst, count, secs, pps, zone):
    s = udp(src, dst)
    rnd = random.Random(os.getpid())
    sent = ans = tc = 0
    t0 = time.monotonic()
    end = t0 + secs
    last = t0
    while sent < count:
        now = time.monotonic()
        if now >= end:
            break
        if pps and sent >= (now - t0) * pps:
            time.sleep(0.0005)
        else:
            name = (zone[1:] if zone.startswith("=") else
                    "%012x.%s" % (rnd.getrandbits(48), zone))
            try:
                s.sendto(query(sent & 0xffff, name), (dst, 53))
                sent += 1
                last = time.monotonic()
            except BlockingIOError:
                time.sleep(0.0005)
        if sent % 32 == 0:
            for _, f, _ in replies(s):
                tc += bool(f & 0x0200)
                ans += not f & 0x0200
    dur = last - t0
    stop = time.monotonic() + 1.5  # the daemon's last answers
    while time.monotonic() < stop:
        select.select([s], [], [], 0.05)
        for _, f, _ in replies(s):
            tc += bool(f & 0x0200)
            ans += not f & 0x0200
    print(sent, "%.3f" % dur, ans, tc)


def ask(src, dst, path, qps, wait):
    lines = [l.split() for l in open(path) if l.strip()][:65000]
    s = udp(src, dst)
    pending = set()
    responses = answers = tc = 0

    def collect():
        nonlocal responses, answers, tc
        for qid, f, an in replies(s):
            if qid not in pending:
                continue
            pending.discard(qid)
            responses += 1
            if f & 0x0200:
                tc += 1
            elif f & 0x000f == 0 and an > 0:
                answers += 1

    t0 = time.monotonic()
    for i, (name, qt) in enumerate(lines):
        qid = i + 1
        pending.add(qid)
        s.sendto(query(qid, name, TYPES[qt]), (dst, 53))
        nxt = t0 + (i + 1) / qps
        while True:
            collect()
            left = nxt - time.monotonic()
            if left <= 0:
                break
            select.select([s], [], [], left)
    end = time.monotonic() + wait
    while pending and time.monotonic() < end:
        select.select([s], [], [], 0.05)
        collect()
    print(len(lines), responses, answers, tc)


def spoof(dst, count, secs, name, net, exclude):
    net = ipaddress.IPv4Network(net)
    excl = ipaddress.IPv4Network(exclude)
    base = int(net.network_address)
    pool = [i for i in range(1, net.num_addresses - 1)
            if ipaddress.IPv4Address(base + i) not in excl]
    random.Random(1).shuffle(pool)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    d = socket.inet_aton(dst)
    dns = query(0x5353, name)
    sent = 0
    seen = set()
    t0 = time.monotonic()
    end = t0 + secs
    while sent < count and time.monotonic() < end:
        idx = pool[sent % len(pool)]
        # IP total length and checksum are filled in by the kernel; UDP
        # checksum 0 (allowed for IPv4).
        pkt = (struct.pack(">BBHHHBBH4s4s", 0x45, 0, 0, 0, 0, 64, 17, 0,
                           struct.pack(">I", base + idx), d) +
               struct.pack(">HHHH", 1024 + idx % 60000, 53, 8 + len(dns), 0) +
               dns)
        try:
            s.sendto(pkt, (dst, 0))
        except OSError as e:
            if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                raise
            time.sleep(0.001)
            continue
        seen.add(idx)
        sent += 1
    print(sent, "%.3f" % (time.monotonic() - t0), len(seen))


cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "flood":
    flood(args[0], args[1], int(args[2]), float(args[3]), float(args[4]),
          args[5])
elif cmd == "ask":
    ask(args[0], args[1], args[2], float(args[3]), float(args[4]))
elif cmd == "spoof":
    spoof(args[0], int(args[1]), float(args[2]), args[3], args[4], args[5])
else:
    sys.exit("unknown command " + cmd)
EOF
load() { # ARGS... in the client namespace
	ns_exec "$CLI_NS" "$PY" "$W/dnsload.py" "$@"
}

snap() { # FILE: the XDP outcome counters now
	ctl stats --json >"$1"
}
delta() { # BEFORE AFTER COUNTER
	"$PY" - "$1" "$2" "$3" <<'EOF'
import json, sys
a, b = (json.load(open(p))["xdp_outcomes"] for p in sys.argv[1:3])
print(b[sys.argv[3]] - a[sys.argv[3]])
EOF
}
within() { # VALUE LIMIT: VALUE <= LIMIT (decimal LIMIT allowed)
	"$PY" -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)' "$1" "$2"
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
sleep 0.5 # the daemon writes the cache after answering
snap "$W/s0.json"
load ask "$LEGIT4" "$RES_ADDR4" "$W/hot50.txt" 100 3 >/dev/null
snap "$W/s1.json"
HITS=$(delta "$W/s0.json" "$W/s1.json" hit)
t_check "run A up, $warm/50 hot names resolved, then $HITS/50 from XDP" \
	test "$warm" -ge 50 -a "$HITS" -ge 50

# (a) random-subdomain flood against a client resolving hot and new names.
bg_start "$CLI_NS" "$W/flood_a.out" "$PY" "$W/dnsload.py" flood "$FLOOD4" \
	"$RES_ADDR4" 40000 5 8000 z003.test
FPID=$BG_PID
sleep 0.3
read -r LN LR LA LTC <<<"$(load ask "$LEGIT4" "$RES_ADDR4" "$W/legit_a.txt" 80 3)"
wait "$FPID"
_xd_pid_untrack "$FPID"
read -r FS FT FA FTC <"$W/flood_a.out"
snap "$W/s2.json"
MISS=$(delta "$W/s1.json" "$W/s2.json" miss)
D_RLD=$(delta "$W/s1.json" "$W/s2.json" rl_dropped)
D_RLS=$(delta "$W/s1.json" "$W/s2.json" rl_slipped)
D_MD=$(delta "$W/s1.json" "$W/s2.json" miss_dropped)
D_MS=$(delta "$W/s1.json" "$W/s2.json" miss_slipped)
# Every answered legitimate new name was a miss; the rest are the flooder's.
FLOOD_MISS=$((MISS - LA + 300))
[ "$FLOOD_MISS" -lt 0 ] && FLOOD_MISS=0
BUDGET=$("$PY" -c "print(80 + 20 * $FT + 1)")
echo "  (a) flooder $FLOOD4: sent $FS in ${FT}s, answers $FA, TC $FTC;" \
	"XDP: rl_dropped $D_RLD rl_slipped $D_RLS miss_dropped $D_MD" \
	"miss_slipped $D_MS, misses passed $MISS (flooder <= $FLOOD_MISS," \
	"budget $BUDGET)"
echo "  (a) legitimate $LEGIT4: $LA answers to $LN queries ($LR responses, TC $LTC)"
t_check "(a) legitimate client: >= 99% answered during the flood ($LA/$LN)" \
	ratio_ok "$LA" "$LN"
t_check "(a) flooder's misses to the daemon within its budget ($FLOOD_MISS <= $BUDGET)" \
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
ACLD=$(delta "$W/s3.json" "$W/s4.json" acl_dropped)
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
SLIPD=$(delta "$W/s5.json" "$W/s6.json" rl_slipped)
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

# --- run B: spoofed sources churn the rate-limit LRU --------------------------
# All of 198.18.0.0/15 allowed, so every spoofed source gets a bucket.
daemon_start b --allow 198.18.0.0/15 --allow 2001:db8::/32 --ratelimit 50 \
	--ratelimit-burst 100 --slip 2 --miss-limit 20 --acl-action drop
RL_MAX=$(bpftool map show pinned "$PIN/xdpdns_rl" | sed -n 's/.*max_entries \([0-9]*\).*/\1/p')
snap "$W/s7.json"
bg_start "$CLI_NS" "$W/spoof.out" "$PY" "$W/dnsload.py" spoof "$RES_ADDR4" \
	600000 8 "$HOT1" 198.18.0.0/15 198.18.1.0/24
SPID=$BG_PID
bg_start "$CLI_NS" "$W/flood_b.out" "$PY" "$W/dnsload.py" flood "$HEAVY4" \
	"$RES_ADDR4" 40000 8 2000 "=$HOT1"
HPID=$BG_PID
sleep 0.3
read -r BN BR BA BTC <<<"$(load ask "$LEGIT4" "$RES_ADDR4" "$W/hot200.txt" 25 3)"
wait "$SPID" "$HPID"
_xd_pid_untrack "$SPID"
_xd_pid_untrack "$HPID"
snap "$W/s8.json"
read -r SS ST SSRC <"$W/spoof.out"
read -r HS HT HA HTC <"$W/flood_b.out"
RL_N=$(bpftool map dump pinned "$PIN/xdpdns_rl" 2>/dev/null | grep -c '"key":')
HEAVY_LIM=$("$PY" -c "print(100 + 50 * $HT + 1)")
HITB=$(delta "$W/s7.json" "$W/s8.json" hit)
RLDB=$(delta "$W/s7.json" "$W/s8.json" rl_dropped)
RLSB=$(delta "$W/s7.json" "$W/s8.json" rl_slipped)
echo "  (b) spoofer: $SS queries from $SSRC sources in ${ST}s; heavy $HEAVY4:" \
	"sent $HS in ${HT}s, answers $HA (limit $HEAVY_LIM), TC $HTC;" \
	"XDP hits $HITB, rl_dropped $RLDB, rl_slipped $RLSB;" \
	"rl table $RL_N of $RL_MAX entries"
echo "  (b) legitimate $LEGIT4: $BA answers to $BN queries ($BR responses, TC $BTC)"
t_check "(b) spoofed flood from $SSRC sources ran (more than the table's $RL_MAX)" \
	test "${SSRC:-0}" -gt "${RL_MAX:-0}"
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
