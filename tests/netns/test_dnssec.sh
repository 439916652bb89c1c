#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# DNSSEC end to end on a signed copy of the offline hierarchy (signzones.sh:
# the root, lab. and z000-z002.lab. signed, z003.lab. signed with expired
# signatures, the rest unsigned), xdpdnsd with --trust-anchor in the default
# mode against a validating unbound with the same anchor. Every answer is
# compared with unbound's (rcode, flags, EDNS, records without TTLs), cold
# from the daemon and warm from XDP:
#   - a secure answer with DO=1 carries AD and its RRSIGs, from XDP too;
#   - with AD=1 and DO=0, AD and no RRSIG; with neither, no AD, and the same
#     cached entry then served with AD to a query that sets AD;
#   - a secure NXDOMAIN with DO=1 carries its NSEC proof and AD;
#   - the broken zone is SERVFAIL, counted as bogus, never in the XDP cache;
#   - an unsigned delegation under the signed TLD, and an unsigned TLD,
#     answer without AD;
#   - a DO=1 answer too big for the client's 512-byte buffer is TC=1 over
#     UDP (never cut silently), cold and cached, and whole, RRSIGs
#     included, over TCP.
# Runs in a private mount namespace with its own bpffs for the pins, under
# an overall time limit. Prints PASS/FAIL lines and "N passed, N failed".
# Usage: test_dnssec.sh [BUILD_DIR]
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init dnssec "${1:-}"
LIMIT=${TEST_DNSSEC_LIMIT:-150}

t_require nsd unbound dig python3 curl unshare nsenter xdp-loader timeout \
	ldns-keygen ldns-signzone ldns-key2ds
HIER_DNSSEC=1
export HIER_DNSSEC
hier_up_xdpdnsd "$LIMIT"

UNBOUND_EXTRA_CONF="	trust-anchor-file: \"$HIER_TA\""
unbound_start || t_abort "reference unbound with the trust anchor"
bg_start -n "$RES_NS" "$W/xdpdnsd.log" "$BUILD/xdpdnsd" \
	--interface "$RES_IF_CLIENT" --listen "$RES_ADDR4" --pin-dir "$PIN" \
	--metrics "127.0.0.1:$MPORT" --root-hints "$ROOT_HINTS" \
	--unbound-config "$UNBOUND_SNIPPET" --trust-anchor "$HIER_TA"
wait_ports "$RES_NS" 53 15 "$RES_ADDR4" &&
	wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 15 ||
	t_abort "xdpdnsd up (log: $(tail -n 3 "$W/xdpdnsd.log" | tr '\n' ' '))"

rrsigs() { # RRSIGs in SECTION of the last answer
	grep -c "^$1 .* RRSIG " <<<"$Q_RRS"
}
has_ad() { [[ $Q_FLAGS == *" ad "* ]]; }

# vs_ref LABEL AD RRSIGS DIGARGS...: unbound's answer, then xdpdnsd's cold
# (from the daemon) and warm (an XDP hit, in up to three tries: see below)
# answers: each the same as unbound's, AD set when AD is 1, exactly RRSIGS
# RRSIGs in the answer section.
vs_ref() {
	local label=$1 ad=$2 sigs=$3 want got pass h0 h1 d tries=0
	shift 3
	hier_query "$CLI_NS" "$RES_ADDR4" "$UNBOUND_PORT" "$@"
	want=$(hier_norm)
	hier_snap vs0
	for pass in daemon XDP XDP XDP; do
		h0=$(hier_hits)
		hier_query "$CLI_NS" "$RES_ADDR4" 53 "$@"
		h1=$(hier_hits)
		got=$(hier_norm)
		d=unreadable
		[[ "$h0 $h1" =~ ^[0-9]+\ [0-9]+$ ]] && d=$((h1 - h0))
		# veth: a frame without the tailroom for a large answer goes up
		# (no_room, README "Known limitations"); the next one is served.
		[ "$pass" = XDP ] && [ "$d" = 0 ] && [ "$got" = "$want" ] &&
			((++tries < 3)) && continue
		t_check "$label from the $pass: $Q_RCODE, flags$Q_FLAGS, $(rrsigs ANSWER) RRSIG, XDP hits +$d$([ "$tries" -gt 0 ] && echo " (try $((tries + 1)))"), as unbound" \
			test "$got" = "$want" -a \
			"$(has_ad && echo 1 || echo 0)" = "$ad" -a \
			"$(rrsigs ANSWER)" = "$sigs" -a \
			"$d" = "$([ $pass = XDP ] && echo 1 || echo 0)"
		[ "$got" = "$want" ] || printf '%s\n--- unbound:\n%s\n' "$got" \
			"$want" >"$W/diff-${label// /_}-$pass.txt"
		# A warm ask XDP did not answer: say why, for a rare failure.
		if [ "$pass" = XDP ] && [ "$d" != 1 ]; then
			hier_snap vs1
			echo "  since the cold ask: XDP no_room +$(hier_xd no_room vs0 vs1), miss +$(hier_xd miss vs0 vs1), expired +$(hier_xd expired vs0 vs1), too_big +$(hier_xd too_big vs0 vs1); cache writes +$(hier_md 'xdpdns_cache_writes_total{result="written"}' vs0 vs1)"
		fi
		[ "$pass" = XDP ] && break
	done
}

# --- secure answers ----------------------------------------------------------------
vs_ref "www.z000.lab. A, DO=1" 1 1 +dnssec www.z000.lab. A
vs_ref "www.z001.lab. AAAA, AD=1 DO=0" 1 0 +adflag www.z001.lab. AAAA
t_check "  and no RRSIG without DO ($(rrsigs ANSWER))" test "$(rrsigs ANSWER)" = 0
vs_ref "www.z002.lab. A, neither AD nor DO" 0 0 +noadflag www.z002.lab. A
h0=$(hier_hits)
hier_query "$CLI_NS" "$RES_ADDR4" 53 +adflag www.z002.lab. A
h1=$(hier_hits)
t_check "the same XDP entry for a query with AD=1: AD set (flags$Q_FLAGS), XDP hits +$((h1 - h0))" \
	test "$(has_ad && echo 1)" = 1 -a "$((h1 - h0))" = 1
vs_ref "nx0.z000.lab. A (NXDOMAIN), DO=1" 1 0 +dnssec nx0.z000.lab. A
t_check "  with its NSEC proof: $(grep -c '^AUTHORITY .* NSEC ' <<<"$Q_RRS") NSEC, $(rrsigs AUTHORITY) RRSIG in the authority section" \
	test "$(grep -c '^AUTHORITY .* NSEC ' <<<"$Q_RRS")" -ge 1 -a \
	"$(rrsigs AUTHORITY)" -ge 2

# --- the broken zone -----------------------------------------------------------------
b0=$(hier_metric xdpdns_answers_bogus_total)
h0=$(hier_hits)
for _ in 1 2 3; do
	hier_query "$CLI_NS" "$RES_ADDR4" 53 +dnssec www.z003.lab. A
	rc=$Q_RCODE
done
h1=$(hier_hits)
b1=$(hier_metric xdpdns_answers_bogus_total)
hier_query "$CLI_NS" "$RES_ADDR4" "$UNBOUND_PORT" +dnssec www.z003.lab. A
t_check "www.z003.lab. (expired signatures): $rc three times, unbound $Q_RCODE, bogus ${b0} -> ${b1}, XDP hits +$((h1 - h0))" \
	test "$rc" = SERVFAIL -a "$Q_RCODE" = SERVFAIL -a \
	"$((h1 - h0))" = 0 -a "$b1" != none -a "$b1" != "$b0"
cached=$(ctl cache get www.z003.lab. A 2>&1)
t_check "  and never in the XDP cache (xdpdnsctl cache get: ${cached%%$'\n'*})" \
	grep -q "no cache entry for www.z003.lab. A" <<<"$cached"

# --- CD=1: checking disabled ------------------------------------------------------------
# The broken zone's data as it is, no AD, as unbound gives it: the daemon
# resolves CD=1 queries on a context without the validator, and XDP keeps
# them under their own key (the CD bit is part of it).
vs_ref "www.z003.lab. A, CD=1 DO=1 (expired signatures)" 0 1 +cdflag +dnssec www.z003.lab. A
hier_query "$CLI_NS" "$RES_ADDR4" 53 +dnssec www.z003.lab. A
t_check "  and without CD still SERVFAIL: $Q_RCODE" test "$Q_RCODE" = SERVFAIL
# (CD=1 for a secure name: unbound sets AD, as RFC 6840 5.9 advises for
# data it has verified; the CD context has not, so xdpdns does not: README,
# "Known limitations".)

# --- insecure delegations --------------------------------------------------------------
vs_ref "www.z004.lab. A (unsigned, under lab.), DO=1" 0 0 +dnssec www.z004.lab. A
vs_ref "www.z000.test. A (unsigned TLD), DO=1" 0 0 +dnssec www.z000.test. A

# --- DO=1 and a small buffer ------------------------------------------------------------
a_rrs() { # A records in the answer section
	awk '$1 == "ANSWER" && $4 == "A"' <<<"$Q_RRS" | grep -c .
}
for pass in 1 2; do
	hier_query "$CLI_NS" "$RES_ADDR4" 53 +dnssec +bufsize=512 +ignore +stats \
		mid.z000.lab. A
	size=$(hier_msg_size)
	t_check "mid.z000.lab. A (40 records), DO=1, 512-byte buffer, query $pass: flags$Q_FLAGS, ${size:-?} bytes over UDP" \
		test "${Q_FLAGS/ tc /}" != "$Q_FLAGS" -a "${size:-9999}" -le 512
	hier_query "$CLI_NS" "$RES_ADDR4" 53 +dnssec +bufsize=512 mid.z000.lab. A
	t_check "  the TCP retry: $(a_rrs) A, $(rrsigs ANSWER) RRSIG, flags$Q_FLAGS" \
		test "$(a_rrs)" = 40 -a \
		"$(rrsigs ANSWER)" = 1 -a "${Q_FLAGS/ ad /}" != "$Q_FLAGS"
done

t_summary
[ "$T_FAILED" -eq 0 ]
