#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The dnstap log (--dnstap), in the mode users run (a root monitor and an
# unprivileged daemon) on the offline hierarchy, read back with Debian's
# dnstap-ldns (names, types, rcodes, times, addresses) and dnstapq.py (the
# "extra" field dnstap-ldns does not print, and a second decoder to agree
# with it):
#   - file: in a root-owned 0700 directory (opened before the privilege
#     drop): CLIENT_QUERY and CLIENT_RESPONSE for UDP queries over IPv4 (A,
#     AAAA, MX, an NXDOMAIN) and IPv6, and one over TCP, each once with
#     its rcode; XDP's answers of repeated queries (--sample-rate 1) as
#     CLIENT_RESPONSE marked "xdp-sampled 1/1 rcode=...", as many as XDP
#     hits; identity (--dnstap-identity) and version on every message,
#     every time inside the test's window; xdpdns_dnstap_sent_total equal
#     to the messages in the file, nothing dropped; a SIGHUP naming another
#     target asks for a restart and the log goes on where it was;
#   - unix: the daemon started before its reader exists (not fatal), then
#     fstrm_capture on the socket: queries after it connected are in the
#     capture; xdpdnsctl tail sees XDP's samples at the same time (its
#     own ring);
#   - the reader stopped (SIGSTOP): a flood of XDP hits and new names
#     resolved by the daemon are still answered at once, and
#     xdpdns_dnstap_dropped_total moves; SIGTERM still stops the daemon
#     within seconds;
#   - a bad --dnstap value: one line naming it, exit 2.
# Prints PASS/FAIL lines and "N passed, N failed".
# Usage: test_dnstap.sh [BUILD_DIR]
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init dnstap "${1:-}"
LIMIT=${TEST_DNSTAP_LIMIT:-240}

t_require nsd dig python3 curl unshare nsenter xdp-loader ps timeout ss \
	dnstap-ldns fstrm_capture
hier_up_xdpdnsd "$LIMIT"

MON=
# start LOG ARGS...: xdpdnsd in the default mode on both service
# addresses; waits until it answers. MON: the monitor, CHILD: the daemon.
start() {
	local log=$1
	shift
	hier_xdpdnsd_start "$log" --listen "$RES_ADDR6" --ratelimit 0 \
		--miss-limit 0 --sample-rate 1 --dnstap-identity hall-a.test \
		"$@" &&
		CHILD=$(ps -o pid= --ppid "$MON" | tr -d ' ' | head -n 1) &&
		[ -n "$CHILD" ]
}
stop() { hier_xdpdnsd_stop; }
pick() { # KIND TYPE ZONE N: the Nth manifest name of KIND and TYPE in ZONE
	awk -v k="$1" -v t="$2" -v z=".$3" -v n="$4" '
		$1 !~ /^#/ && $4 == k && $2 == t &&
		substr($1, length($1) - length(z) + 1) == z && ++i == n {
			print $1; exit }' "$HIER_NAMES"
}
burst() { # [--wait S] QUERY...: dnsburst.py lines in BURST
	BURST=$(ns_exec "$CLI_NS" "$PY" "$XD_DIR/dnsburst.py" "$RES_ADDR4" 53 "$@")
}
now() { # Unix time with microseconds
	local t=$EPOCHREALTIME
	echo "${t/,/.}"
}
# decode FSTRM: dnstap-ldns -y and dnstapq.py; the lines in $W/tsv.
decode() {
	: >"$W/tsv"
	dnstap-ldns -y -r "$1" >"$W/yaml" 2>"$W/yaml.err" &&
		"$PY" "$XD_DIR/dnstapq.py" "$1" "$W/yaml" >"$W/tsv" 2>"$W/tsv.err"
}
# lines AWK-CONDITION: how many lines of $W/tsv satisfy it (fields: $1
# type, $2 proto, $3 family, $4 qaddr, $5 qport, $6 qtime, $7 rtime, $8
# qname, $9 qtype, $10 rcode, $11 identity, $12 version, $13 extra).
lines() {
	awk -F'\t' "$1 { n++ } END { print n + 0 }" "$W/tsv"
}
SENT=xdpdns_dnstap_sent_total
DROPPED=xdpdns_dnstap_dropped_total
VERSION="xdpdns $("$BUILD/xdpdnsd" --version | awk '{ print $2 }')"

N_A=$(pick addr A z010.test. 1)
N_AAAA=$(pick addr AAAA z010.example. 1)
N_NX=$(pick nxdomain A z010.test. 1)
N_MX=z011.test.
N_TCP=$(pick addr A z011.example. 1)
N_V6=$(pick addr AAAA z012.test. 1)
N_R=$(pick addr A z012.example. 1)
[ -n "$N_A" ] && [ -n "$N_AAAA" ] && [ -n "$N_NX" ] && [ -n "$N_TCP" ] &&
	[ -n "$N_V6" ] && [ -n "$N_R" ] || t_abort "names in the manifest"

# --- 1. file: in a root-owned directory ----------------------------------------
LOGDIR=$W/taplog
mkdir -m 0700 "$LOGDIR" || t_abort "mkdir $LOGDIR"
FILE=$LOGDIR/xdpdns.fstrm
# In a config file, so that a SIGHUP can try to change it.
printf 'dnstap = "file:%s";\n' "$FILE" >"$W/d1.conf"
T0=$(now)
start "$W/d1.log" --config "$W/d1.conf" ||
	t_abort "xdpdnsd up (log: $(tail -n 3 "$W/d1.log" | tr '\n' ' '))"
user=$(ps -o user= -p "$CHILD" | tr -d ' ')
t_check "the daemon runs as ${user:-?}, not root; $FILE written from a 0700 root directory" \
	test -n "$user" -a "$user" != root -a -f "$FILE"
burst "$N_A/A" "$N_AAAA/AAAA" "$N_NX/A" "$N_MX/MX"
t_check "UDP answers: $(awk '{ print $1, $2, $3 }' <<<"$BURST" | tr '\n' ';')" \
	test "$(awk '{ printf "%s ", $3 }' <<<"$BURST")" = \
	"NOERROR NOERROR NXDOMAIN NOERROR "
tcp=$(ns_exec "$CLI_NS" dig +tcp +tries=1 +time=3 +noall +comments \
	@"$RES_ADDR4" "$N_TCP" A | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
v6=$(ns_exec "$CLI_NS" dig -6 -b "$CLI_ADDR6" +tries=1 +time=3 +noall \
	+comments @"$RES_ADDR6" "$N_V6" AAAA | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
t_check "$N_TCP over TCP: ${tcp:-none}; $N_V6 AAAA over IPv6: ${v6:-none}" \
	test "$tcp $v6" = "NOERROR NOERROR"
sleep 0.3 # the entries reach the XDP cache
hier_snap a
burst "$N_A/A" "$N_AAAA/AAAA" "$N_NX/A"
burst "$N_A/A" "$N_AAAA/AAAA" "$N_NX/A"
sleep 0.5 # the daemon reads XDP's samples from its ring
hier_snap b
t_check "repeats answered by XDP: hit +$(hier_xd hit)" test "$(hier_xd hit)" = 6
# SIGHUP with another target: a restart's business; the log goes on.
printf 'dnstap = "file:%s";\n' "$W/other.fstrm" >"$W/d1.conf"
kill -HUP "$MON"
wait_until 5 grep -q -- "--dnstap changed; restart" "$W/d1.log"
warned=$?
burst "$N_R/A"
sleep 0.3
burst "$N_R/A"
sleep 0.5
hier_snap c
t_check "SIGHUP with another --dnstap: a restart is asked for (logged: $warned), $W/other.fstrm not created" \
	test "$warned" = 0 -a ! -e "$W/other.fstrm"
HITS=$(hier_mval c xdpdns_cache_hits_total) # since the daemon started
sent=$(hier_mval c "$SENT")
dropped=$(hier_mval c "$DROPPED")
stop
T1=$(now)
decode "$FILE"
t_check "dnstap-ldns reads the file to its STOP frame, dnstapq.py agrees ($(cat "$W/yaml.err" "$W/tsv.err" | head -c 200 | tr '\n' ' '))" \
	test -s "$W/tsv"
total=$(wc -l <"$W/tsv")
t_check "$total messages, $SENT $sent, $DROPPED $dropped" \
	test "$total" = "$sent" -a "$dropped" = 0
t_check "identity hall-a.test and version '$VERSION' on every message" \
	test "$(lines "\$11 == \"hall-a.test\" && \$12 == \"$VERSION\"")" = "$total"
# One CLIENT_QUERY and one CLIENT_RESPONSE from the daemon per query.
for spec in "$N_A A NOERROR" "$N_AAAA AAAA NOERROR" "$N_NX A NXDOMAIN" \
	"$N_MX MX NOERROR" "$N_R A NOERROR"; do
	read -r n t rc <<<"$spec"
	q=$(lines "\$1 == \"CQ\" && \$2 == \"UDP\" && \$3 == \"INET\" && \$4 == \"$CLI_ADDR4\" && \$8 == \"$n\" && \$9 == \"$t\"")
	r=$(lines "\$1 == \"CR\" && \$2 == \"UDP\" && \$4 == \"$CLI_ADDR4\" && \$8 == \"$n\" && \$9 == \"$t\" && \$10 == \"$rc\" && \$13 == \"-\" && \$7 >= \$6")
	t_check "$n $t from the daemon: $q CLIENT_QUERY, $r CLIENT_RESPONSE $rc (UDP, IPv4, from $CLI_ADDR4)" \
		test "$q $r" = "1 1"
done
q=$(lines "\$1 == \"CQ\" && \$2 == \"TCP\" && \$8 == \"$N_TCP\" && \$9 == \"A\"")
r=$(lines "\$1 == \"CR\" && \$2 == \"TCP\" && \$8 == \"$N_TCP\" && \$10 == \"NOERROR\"")
t_check "$N_TCP over TCP: $q CLIENT_QUERY, $r CLIENT_RESPONSE, protocol TCP" \
	test "$q $r" = "1 1"
q=$(lines "\$1 == \"CQ\" && \$3 == \"INET6\" && \$4 == \"$CLI_ADDR6\" && \$8 == \"$N_V6\" && \$9 == \"AAAA\"")
r=$(lines "\$1 == \"CR\" && \$3 == \"INET6\" && \$4 == \"$CLI_ADDR6\" && \$8 == \"$N_V6\" && \$10 == \"NOERROR\"")
t_check "$N_V6 over IPv6: $q CLIENT_QUERY, $r CLIENT_RESPONSE, family INET6 from $CLI_ADDR6" \
	test "$q $r" = "1 1"
cq=$(lines '$1 == "CQ"')
cr=$(lines '$1 == "CR" && $13 == "-"')
t_check "every query the daemon read answered in the log: $cq CLIENT_QUERY, $cr CLIENT_RESPONSE" \
	test "$cq" = "$cr" -a "$cq" -ge 8
# XDP's sampled answers: CLIENT_RESPONSE with the marker and its rcode.
xs=$(lines '$13 ~ /^xdp-sampled /')
t_check "XDP answers in the log: $xs marked xdp-sampled, XDP hits $HITS" \
	test "$xs" = "$HITS"
for spec in "$N_A A NOERROR" "$N_AAAA AAAA NOERROR" "$N_NX A NXDOMAIN"; do
	read -r n t rc <<<"$spec"
	x=$(lines "\$1 == \"CR\" && \$2 == \"UDP\" && \$4 == \"$CLI_ADDR4\" && \$5 > 0 && \$8 == \"$n\" && \$9 == \"$t\" && \$13 == \"xdp-sampled 1/1 rcode=$rc\" && \$10 == \"-\" && \$6 == \$7")
	t_check "$n $t from XDP: $x CLIENT_RESPONSE 'xdp-sampled 1/1 rcode=$rc' (rebuilt query, no response message)" \
		test "$x" = 2
done
x=$(lines "\$8 == \"$N_R\" && \$13 ~ /^xdp-sampled /")
t_check "after the SIGHUP, XDP's answer of $N_R logged as well: $x" \
	test "$x" = 1
out=$(lines "(\$6 != \"-\" && (\$6 < $T0 || \$6 > $T1)) || (\$7 != \"-\" && (\$7 < $T0 || \$7 > $T1))")
t_check "every time inside the test's window ($T0 .. $T1): $out outside" \
	test "$out" = 0

# --- 2. unix: a reader that comes later; xdpdnsctl tail beside it -------------
SOCKDIR=$(mktemp -d /tmp/xdpdns-tap.XXXXXX) || t_abort "mktemp"
cleanup_register "rm -rf '$SOCKDIR'"
chmod 0755 "$SOCKDIR"
SOCK=$SOCKDIR/tap.sock
start "$W/d2.log" --dnstap "unix:$SOCK"
t_check "xdpdnsd starts and answers with no reader on $SOCK" test -n "$MON"
bg_start "" "$W/capture.log" fstrm_capture -t protobuf:dnstap.Dnstap \
	-u "$SOCK" -w "$W/cap.fstrm"
CAP=$BG_PID
wait_until 5 test -S "$SOCK" || t_abort "fstrm_capture on $SOCK"
chmod 0666 "$SOCK" # the daemon connects as its own user
# connected: the daemon holds a connection to SOCK. The accepted end of
# a unix connection lives in the connecting side's network namespace, so
# that is where ss finds it, with the socket's path.
connected() {
	ns_exec "$RES_NS" ss -xH | grep -qF " $SOCK "
}
# fstrm connects again every 2 s: queries after that are logged.
N_U=$(pick addr A z013.test. 1)
wait_until 10 connected
t_check "the daemon connected to $SOCK when it appeared" test $? = 0
sleep 0.3 # the handshake
burst "$N_U/A" "$N_A/A"
sleep 0.3 # the entries reach the XDP cache
ctl tail --count 2 --timeout 10 >"$W/tail.out" 2>&1 &
TAILP=$!
sleep 0.5 # tail starts from now
burst "$N_A/A" "$N_A/A"
wait "$TAILP"
tail_rc=$?
t_check "xdpdnsctl tail sees XDP's samples while the daemon logs them (exit $tail_rc): $(tr '\n' ' ' <"$W/tail.out" | head -c 300)" \
	test "$tail_rc" = 0 -a "$(grep -c "answered.*${N_A%.}" "$W/tail.out")" = 2

stop # the daemon's stream ends with STOP
bg_stop "$CAP"
rm -f "$SOCK"
decode "$W/cap.fstrm"
u=$(lines "\$1 == \"CQ\" && \$8 == \"$N_U\"")
ur=$(lines "\$1 == \"CR\" && \$8 == \"$N_U\" && \$10 == \"NOERROR\" && \$11 == \"hall-a.test\"")
x=$(lines "\$1 == \"CR\" && \$8 == \"$N_A\" && \$13 == \"xdp-sampled 1/1 rcode=NOERROR\"")
t_check "fstrm_capture got $N_U: $u CLIENT_QUERY, $ur CLIENT_RESPONSE; and the $x XDP answers of $N_A tail saw ($(cat "$W/yaml.err" "$W/tsv.err" | head -c 200 | tr '\n' ' '))" \
	test "$u $ur $x" = "1 1 2"

# --- 3. the reader stopped ------------------------------------------------------
bg_start "" "$W/capture2.log" fstrm_capture -t protobuf:dnstap.Dnstap \
	-u "$SOCK" -w "$W/cap2.fstrm"
CAP=$BG_PID
wait_until 5 test -S "$SOCK" || t_abort "fstrm_capture on $SOCK"
chmod 0666 "$SOCK"
start "$W/d3.log" --dnstap "unix:$SOCK" ||
	t_abort "xdpdnsd up (log: $(tail -n 3 "$W/d3.log" | tr '\n' ' '))"
wait_until 10 connected || t_abort "the daemon connected to $SOCK"
burst "$N_A/A" # cached for the flood
sleep 0.3
kill -STOP "$CAP"
cleanup_register "kill -CONT $CAP 2>/dev/null"
hier_snap a
flood=$(ns_exec "$CLI_NS" "$PY" "$XD_DIR/dnsload.py" flood "$CLI_ADDR4" \
	"$RES_ADDR4" 20000 6 5000 "=$N_A")
read -r fsent _ fans _ <<<"$flood"
N_S1=$(pick addr A z014.test. 1)
N_S2=$(pick addr A z014.test. 2)
N_S3=$(pick addr AAAA z014.example. 1)
burst "$N_S1/A" "$N_S2/A" "$N_S3/AAAA"
hier_snap b
slow=$(awk '$3 != "NOERROR" || $6 > 1000' <<<"$BURST" | wc -l)
t_check "reader stopped: $fans of $fsent XDP hits answered, new names by the daemon in $(awk '{ printf "%s ms ", $6 }' <<<"$BURST")" \
	test "${fsent:-0}" -gt 0 -a "${fans:-0}" -ge $((fsent * 99 / 100)) \
	-a "$slow" = 0
t_check "$DROPPED +$(hier_md "$DROPPED"), $SENT +$(hier_md "$SENT")" \
	test "$(hier_md "$DROPPED")" -gt 0
t0=$SECONDS
kill -TERM "$MON"
# Gone, or a zombie this shell has not reaped yet.
wait_until 10 sh -c "! ps -o stat= -p $MON | grep -qv Z"
gone=$?
t_check "SIGTERM with the reader stopped: the daemon gone after $((SECONDS - t0)) s" \
	test "$gone" = 0
stop
kill -CONT "$CAP"
bg_stop "$CAP"

# --- 4. bad values ---------------------------------------------------------------
for v in /var/log/dnstap unix: file: tcp:198.18.0.1:6000; do
	out=$("$BUILD/xdpdnsd" --no-xdp --listen 127.0.0.1 --dnstap "$v" 2>&1)
	rc=$?
	t_check "--dnstap '$v': exit $rc, '$out'" \
		test "$rc" = 2 -a "$(wc -l <<<"$out")" = 1 -a \
		-n "$(grep -F -- "--dnstap $v:" <<<"$out")"
done
out=$("$BUILD/xdpdnsd" --no-xdp --listen 127.0.0.1 \
	--dnstap "file:$W/no/such/dir/x.fstrm" 2>&1)
rc=$?
t_check "--dnstap file: in a missing directory: exit $rc, '$out'" \
	test "$rc" = 2 -a "$(wc -l <<<"$out")" = 1 -a \
	-n "$(grep -F "No such file or directory" <<<"$out")"

t_summary
