#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Self-test of the offline DNS hierarchy: brings it up with two client
# namespaces, checks that the delegations are real referrals, starts the
# reference unbound and resolves a sample of every kind of name in the
# manifest from the client side (A, AAAA, CNAME chains inside and across
# zones, wildcard, glueless delegation, NODATA, NXDOMAIN with its SOA,
# SERVFAIL, large RRsets over UDP and TCP, IPv6 transport), then tears down.
# Prints PASS/FAIL per check and "N passed, N failed".
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init hierarchy "${1:-}"

t_require nsd unbound dig kdig python3 ss

HIER_CLIENTS=${HIER_CLIENTS:-2}

if ! hier_up "${XD_WORKDIR:-}"; then
	t_fail "hierarchy bring-up"
	t_summary
	exit 1
fi
t_check "hierarchy up in ${HIER_UP_MS} ms (< 10000)" \
	test "$HIER_UP_MS" -lt 10000

# --- the delegations are referrals, not answers from one big server -------
root4=${ROOT_ADDRS4%% *}
tld4=${TLD_ADDRS4%% *}
leaf6=${LEAF_ADDRS6##* }
hier_query "$RES_NS" "$root4" 53 +norec www.z000.test. A
if [[ $Q_RCODE == NOERROR && $Q_FLAGS != *" aa "* ]] &&
	[ -z "$(_hier_rrs ANSWER www.z000.test. A)" ] &&
	[ -n "$(_hier_rrs AUTHORITY test. NS)" ] &&
	[ -n "$(_hier_rrs ADDITIONAL ns1.nic.test. A)" ]; then
	t_pass "root refers test. to its TLD servers with glue"
else
	t_fail "root referral for test.: $Q_RCODE flags:$Q_FLAGS"
fi
hier_query "$RES_NS" "$tld4" 53 +norec www.z000.test. A
if [[ $Q_FLAGS != *" aa "* ]] &&
	[ "$(_hier_rrs AUTHORITY z000.test. NS)" = \
		"$(printf 'ns1.z000.test.\nns2.z000.test.')" ] &&
	[ -n "$(_hier_rrs ADDITIONAL ns2.z000.test. AAAA)" ]; then
	t_pass "TLD refers z000.test. to the leaf servers with glue"
else
	t_fail "TLD referral for z000.test.: $Q_RCODE flags:$Q_FLAGS"
fi
hier_query "$RES_NS" "$leaf6" 53 +norec www.z000.test. A
t_check "leaf server answers authoritatively over IPv6" \
	test "$Q_RCODE" = NOERROR -a -n "$(_hier_rrs ANSWER www.z000.test. A)" \
	-a "${Q_FLAGS/ aa /}" != "$Q_FLAGS"

if ! unbound_start "$UNBOUND_PORT"; then
	t_fail "reference unbound start"
	t_summary
	exit 1
fi
t_pass "reference unbound resolves through the hierarchy"

# --- negative TTL is the SOA minimum, positive TTLs as in the zone ---------
# First, before anything else caches the zone's SOA: unbound answers later
# negative queries with the cached SOA, whose TTL keeps counting down.
hier_query "$CLI_NS" "$RES_ADDR4" "$UNBOUND_PORT" nx1.z010.example. A
t=$(awk '$1 == "AUTHORITY" && $4 == "SOA" { print $3 }' <<<"$Q_RRS")
t_check "fresh NXDOMAIN carries SOA with TTL 300 (got ${t:-none})" \
	test "$Q_RCODE" = NXDOMAIN -a "${t:-0}" -ge 299 -a "${t:-0}" -le 300
hier_query "$CLI_NS" "$RES_ADDR4" "$UNBOUND_PORT" ttl5.z011.lab. A
t=$(_hier_ttl ANSWER ttl5.z011.lab. A)
t_check "5-second TTL name served with TTL ${t:-none}" \
	test "${t:-0}" -ge 1 -a "${t:-0}" -le 5

# --- one name of every kind, first and last in the manifest ----------------
# One batch dig for all of them; a PASS/FAIL line each.
awk -v want="addr A,addr AAAA,multi A,multi AAAA,short A,short AAAA,cname A,\
cname AAAA,xcname A,wild A,glueless A,nodata A,nodata AAAA,ent A,nxdomain A,\
nxdomain AAAA,mx MX,txt TXT,mid A,servfail A" '
	BEGIN { n = split(want, w, ","); for (i = 1; i <= n; i++) k[w[i]] = 1 }
	/^#/ { next }
	($4 " " $2) in k { kt = $4 " " $2
		if (!(kt in first)) first[kt] = $0
		last[kt] = $0 }
	/^dangling\./ && !dg { dg = $0 }
	END {
		for (i = 1; i <= n; i++) {
			if (!(w[i] in first)) { print "# none " w[i]; continue }
			print first[w[i]]
			if (last[w[i]] != first[w[i]]) print last[w[i]]
		}
		print dg
	}' "$HIER_NAMES" >"$HIER_DIR/kinds.txt"
hier_verify "$CLI_NS" "$RES_ADDR4" "$UNBOUND_PORT" "$HIER_DIR/kinds.txt" \
	>/dev/null
while read -r line; do
	case $line in
	"# none "*)
		t_fail "manifest has no ${line#\# none } names"
		continue
		;;
	esac
	read -r name type _ kind _ <<<"$line"
	r=$(awk -v q="$name $type" '{ k = $2 " " $3; sub(/:$/, "", k) }
		k == q { print; exit }' "$HIER_DIR/verify.txt")
	case $r in
	OK\ *) t_pass "$kind $type: $name" ;;
	*) t_fail "$kind $type: $name: ${r:-no result}" ;;
	esac
done <"$HIER_DIR/kinds.txt"

# The whole manifest, in one batch dig process: every query it lists must
# come back OK, so HIER_OK is exactly its number of distinct queries.
# gen-zones.py is deterministic: with the default sizes that is the 8,351
# the README gives; other HIER_NZONES/HIER_NHOSTS give other counts.
HIER_WANT=$(awk '!/^#/ && NF >= 7 { print tolower($1), $2 }' "$HIER_NAMES" |
	sort -u | wc -l)
HIER_LINES=$(awk '!/^#/ && NF >= 7' "$HIER_NAMES" | wc -l)
if [ -z "${HIER_NZONES:-}${HIER_NHOSTS:-}" ]; then
	t_check "manifest: $HIER_LINES queries, $HIER_WANT distinct (8351 with the default sizes)" \
		test "$HIER_LINES" -eq 8351 -a "$HIER_WANT" -eq 8351
else
	t_check "manifest: $HIER_LINES queries, all distinct" \
		test "$HIER_LINES" -gt 0 -a "$HIER_WANT" -eq "$HIER_LINES"
fi
hier_verify "$CLI_NS" "$RES_ADDR4" "$UNBOUND_PORT" "$HIER_NAMES"
t_check "all $HIER_OK of $HIER_WANT manifest queries resolve as listed ($HIER_BAD wrong)" \
	test "$HIER_BAD" -eq 0 -a "$HIER_OK" -eq "$HIER_WANT"

# --- large answers: TC over UDP, complete over TCP -------------------------
for q in "big.z000.test. TXT 1" "many.z000.example. A 100"; do
	read -r name type count <<<"$q"
	hier_query "$CLI_NS" "$RES_ADDR4" "$UNBOUND_PORT" +bufsize=1232 +ignore \
		"$name" "$type"
	t_check "$name $type over UDP, bufsize 1232: TC=1" \
		test "${Q_FLAGS/ tc /}" != "$Q_FLAGS"
	hier_query "$CLI_NS" "$RES_ADDR4" "$UNBOUND_PORT" +tcp +stats \
		"$name" "$type"
	hier_check_whole "$name" "$type" "$count"
done
hier_query "$CLI_NS" "$RES_ADDR4" "$UNBOUND_PORT" +bufsize=1232 +ignore \
	mid.z000.lab. A
t_check "mid.z000.lab. A fits 1232 bytes over UDP" \
	test "${Q_FLAGS/ tc /}" = "$Q_FLAGS" -a \
	"$(_hier_rrs ANSWER mid.z000.lab. A | grep -c .)" -eq 40
hier_query "$CLI_NS" "$RES_ADDR4" "$UNBOUND_PORT" +noedns +ignore \
	mid.z000.lab. A
t_check "mid.z000.lab. A without EDNS (512 bytes): TC=1" \
	test "${Q_FLAGS/ tc /}" != "$Q_FLAGS"

# --- IPv6 transport, extra client addresses, other clients, kdig ----------
line=$(hier_names addr AAAA | sed -n 5p)
read -r name type _ <<<"$line"
hier_query "$CLI_NS" "$RES_ADDR6" "$UNBOUND_PORT" "$name" "$type"
t_check "AAAA over IPv6 UDP: $name" hier_expect "$line"
hier_query "$CLI_NS" "$RES_ADDR6" "$UNBOUND_PORT" +tcp "$name" "$type"
t_check "AAAA over IPv6 TCP: $name" hier_expect "$line"
src6=${CLI_EXTRA6_NETS##* }
hier_query "$CLI_NS" "$RES_ADDR6" "$UNBOUND_PORT" -b "$src6" "$name" "$type"
t_check "query from an extra /64 ($src6)" hier_expect "$line"
src6=${CLI_EXTRA6##* }
hier_query "$CLI_NS" "$RES_ADDR6" "$UNBOUND_PORT" -b "$src6" "$name" "$type"
t_check "query from an extra address in the link's /64 ($src6)" \
	hier_expect "$line"
src4=${CLI_EXTRA4##* }
hier_query "$CLI_NS" "$RES_ADDR4" "$UNBOUND_PORT" -b "$src4" "$name" "$type"
t_check "query from an extra IPv4 address ($src4)" hier_expect "$line"
if [ "${#HIER_CLI_NS[@]}" -ge 2 ]; then
	hier_query "${HIER_CLI_NS[1]}" "${HIER_RES_ADDR4[1]}" "$UNBOUND_PORT" \
		"$name" "$type"
	t_check "second client namespace via ${HIER_RES_ADDR4[1]}" \
		hier_expect "$line"
fi
out=$(ip netns exec "$CLI_NS" kdig +tcp +short -p "$UNBOUND_PORT" \
	@"$RES_ADDR6" c1.z002.example. A 2>&1 | tail -n 1)
want=$(hier_names cname A | awk '$1 == "c1.z002.example." { print $8 }')
t_check "kdig over IPv6 TCP follows the chain to $want" test "$out" = "$want"

# --- 0x20 mixed case and answer normalisation -----------------------------
line=$(grep -m 1 '^www\.z004\.lab\. A ' "$HIER_NAMES")
hier_query "$CLI_NS" "$RES_ADDR4" "$UNBOUND_PORT" wWw.Z004.lAb. A
t_check "mixed-case query answered" hier_expect "$line"
n1=$(hier_norm)
ttl1=$(_hier_ttl ANSWER www.z004.lab. A)
# Not a wait: the TTL must count down between the two answers, or the check
# below could not tell whether hier_norm ignores TTLs.
sleep 1
hier_query "$CLI_NS" "$RES_ADDR4" "$UNBOUND_PORT" www.z004.lab. A
n2=$(hier_norm)
ttl2=$(_hier_ttl ANSWER www.z004.lab. A)
t_check "hier_norm ignores TTL ($ttl1 then $ttl2) and case" \
	test "$n1" = "$n2" -a -n "$ttl2" -a "${ttl1:-0}" -gt "${ttl2:-0}"

# --- teardown leaves nothing behind ----------------------------------------
hier_down
left=$(ip netns list | grep -c "^$XD_PFX" || true)
t_check "teardown removed every namespace" test "$left" -eq 0

t_summary
