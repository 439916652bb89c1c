#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# DNS cookies (RFC 7873, RFC 9018 server cookies) on the offline hierarchy,
# in the mode users run (a root monitor and an unprivileged daemon):
#   - dig +cookie gets our server cookie back, from XDP (a hit) and from
#     the daemon (a miss), and dig judges it good;
#   - a spoofed flood that uses the victim's own address keeps the victim's
#     per-client bucket empty: its plain queries are mostly dropped, while
#     the same address with a valid server cookie keeps >= 99% answers
#     through its cookie stage, every reply carrying its cookie; counted
#     by XDP (cookie_valid, rl_dropped) with no cookie client limited;
#   - --cookie-secret-file: a cookie from one daemon is valid at another
#     with the same file (an anycast pair), and invalid with another file;
#     a bad file is one line and exit status 2.
# Prints PASS/FAIL lines and "N passed, N failed".
# Usage: test_cookie.sh [BUILD_DIR]
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init cookie "${1:-}"
LIMIT=${TEST_COOKIE_LIMIT:-150}

t_require nsd dig python3 curl unshare nsenter xdp-loader timeout
hier_up_xdpdnsd "$LIMIT"

MON=
start() { hier_xdpdnsd_start "$@"; }
stop() { hier_xdpdnsd_stop; }
cq() { ns_exec "$CLI_NS" "$PY" "$XD_DIR/cookieq.py" "$@"; }
# dig +cookie's verdict on the COOKIE of the reply to NAME: "good" or not.
dig_cookie() {
	ns_exec "$CLI_NS" dig +cookie +tries=1 +time=2 -b "$CLI_ADDR4" \
		@"$RES_ADDR4" "$1" A | awk '/; COOKIE:/ { print $NF; exit }'
}

read -r ADDR_WARM _ <<<"$CLI_EXTRA4"
hier_names addr A | awk '$5 >= 3600 { print $1, $2 }' >"$W/addr.txt"
head -n 40 "$W/addr.txt" >"$W/hot.txt"
HOT1=$(awk 'NR == 1 { print $1 }' "$W/hot.txt")
NEW1=$(awk 'NR == 60 { print $1 }' "$W/addr.txt")
[ -n "$HOT1" ] && [ -n "$NEW1" ] || t_abort "names in the manifest"

# --- 1. dig +cookie, from XDP and from the daemon -------------------------------
# The victim's bucket: 20 q/s, burst 20; its cookie stage: 250 q/s.
start "$W/d1.log" --ratelimit 20 --ratelimit-burst 20 --slip 0 ||
	t_abort "xdpdnsd up (log: $(tail -n 3 "$W/d1.log" | tr '\n' ' '))"
read -r s a _ _ < <(cq ask "$ADDR_WARM" "$RES_ADDR4" "$W/hot.txt" 50 1)
t_check "hot names cached ($a of $s answered)" test "${a:-0}" -ge 39
hier_snap a
v_miss=$(dig_cookie "$NEW1")
v_hit=$(dig_cookie "$HOT1")
hier_snap b
t_check "dig +cookie: the daemon's cookie ($NEW1) is $v_miss, XDP's ($HOT1) is $v_hit; XDP hit +$(hier_xd hit), client cookies +$(hier_xd cookie_client)" \
	test "$v_miss $v_hit $(hier_xd hit)" = "(good) (good) 1" -a \
	"$(hier_xd cookie_client)" -ge 1

# --- 2. a flood spoofing the victim's own address -------------------------------
COOKIE=$(cq get "$CLI_ADDR4" "$RES_ADDR4" "$HOT1")
t_check "a server cookie for $CLI_ADDR4 (${COOKIE:0:16}...)" \
	test "${#COOKIE}" -eq 48
hier_snap a
# 2000 q/s for 6 s from the victim's address: its bucket stays empty.
bg_start "$CLI_NS" "$W/flood.out" "$PY" "$XD_DIR/dnsload.py" flood \
	"$CLI_ADDR4" "$RES_ADDR4" 12000 6 2000 "=$HOT1"
FLOOD=$BG_PID
sleep 0.5
cq ask "$CLI_ADDR4" "$RES_ADDR4" "$W/hot.txt" 20 4 "$COOKIE" >"$W/with.out" &
WITH=$!
cq ask "$CLI_ADDR4" "$RES_ADDR4" "$W/hot.txt" 20 4 >"$W/plain.out"
wait "$WITH"
wait_until 10 test -s "$W/flood.out"
bg_stop "$FLOOD"
hier_snap b
read -r ws wa wc _ <"$W/with.out"
read -r ps pa _ _ <"$W/plain.out"
read -r fs _ fa _ <"$W/flood.out"
echo "  flood: $fs sent, $fa answered; plain: $pa of $ps; with the cookie: $wa of $ws ($wc carried it)"
t_check "the flood held the victim's bucket: plain queries answered $pa of $ps (< 50%), XDP rl_dropped +$(hier_xd rl_dropped)" \
	test "${ps:-0}" -ge 60 -a $((${pa:-0} * 2)) -lt "${ps:-0}" -a \
	"$(hier_xd rl_dropped)" -ge 1000
t_check "with its cookie the victim kept service: $wa of $ws answered (>= 99%), $wc replies carried its cookie" \
	test "${ws:-0}" -ge 60 -a $((${wa:-0} * 100)) -ge $((${ws:-1} * 99)) -a \
	"${wc:-0}" -eq "${wa:-x}"
t_check "XDP counted them: cookie_valid +$(hier_xd cookie_valid) (>= $wa), cookie_dropped +$(hier_xd cookie_dropped), cookie_invalid +$(hier_xd cookie_invalid)" \
	test "$(hier_xd cookie_valid)" -ge "${wa:-1}" -a \
	"$(hier_xd cookie_dropped) $(hier_xd cookie_invalid)" = "0 0"
stop

# --- 3. a shared secret (anycast nodes), a bad file -------------------------------
printf '# node secret\n%s\n' 0123456789abcdef0123456789abcdef >"$W/secret"
printf '%s\n' fedcba9876543210fedcba9876543210 >"$W/other"
chmod 0644 "$W/secret" "$W/other"
start "$W/d2.log" --cookie-secret-file "$W/secret" ||
	t_abort "xdpdnsd up with a secret file"
C1=$(cq get "$CLI_ADDR4" "$RES_ADDR4" "$HOT1")
stop
start "$W/d3.log" --cookie-secret-file "$W/secret" ||
	t_abort "xdpdnsd up again"
read -r s a c _ < <(cq ask "$CLI_ADDR4" "$RES_ADDR4" "$W/hot.txt" 20 1 "$C1")
hier_snap a
read -r s2 a2 c2 _ < <(cq ask "$CLI_ADDR4" "$RES_ADDR4" "$W/hot.txt" 10 1 "$C1")
hier_snap b
t_check "the same secret file on another node: the first node's cookie is valid ($c2 of $s2 echoed, XDP cookie_valid +$(hier_xd cookie_valid))" \
	test "${s2:-0}" -ge 5 -a "${a2:-x}" = "${s2:-y}" -a \
	"$(hier_xd cookie_valid)" -ge "${s2:-1}"
stop
start "$W/d4.log" --cookie-secret-file "$W/other" ||
	t_abort "xdpdnsd up with another secret"
hier_snap a
read -r s a c _ < <(cq ask "$CLI_ADDR4" "$RES_ADDR4" "$W/hot.txt" 10 1 "$C1")
hier_snap b
t_check "another secret: that cookie is invalid (XDP cookie_invalid +$(hier_xd cookie_invalid)), answered anyway ($a of $s, policy process)" \
	test "$(hier_xd cookie_invalid)" -ge 1 -a "${a:-x}" = "${s:-y}"
stop
printf 'not hex\n' >"$W/bad"
out=$(ns_exec "$RES_NS" timeout 10 "$BUILD/xdpdnsd" --no-xdp \
	--listen "$RES_ADDR4" --cookie-secret-file "$W/bad" 2>&1)
rc=$?
t_check "a bad secret file: exit $rc, \"$out\"" \
	test "$rc" -eq 2 -a "$(wc -l <<<"$out")" -eq 1 -a -n "$(grep -F "$W/bad" <<<"$out")"

t_summary
