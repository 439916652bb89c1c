#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Sourceable: the offline DNS hierarchy every integration test resolves
# against. hier_up builds three kinds of namespace joined by veths -- "auth"
# (NSD instances for the fake root, the TLDs and the leaf zones, with real
# referrals between them), "res" (where xdpdnsd and the reference unbound run)
# and one or more "cli" namespaces (the venue's clients) -- and exports the
# names and addresses below. unbound_start runs the Debian unbound binary in
# the resolver namespace as the reference every xdpdnsd answer is compared
# with. Only 198.18.0.0/15 and 2001:db8::/32, no default route anywhere.
#
#   cli (CLI_IF) <--> (RES_IF_CLIENT) res (RES_IF_AUTH) <--> (AUTH_IF) auth
#   198.18.1.2        198.18.1.1          198.18.0.1           198.18.0.2
#   2001:db8:1::2     2001:db8:1::1       2001:db8::1          2001:db8::2
#   root servers .10 .11, TLD servers .20 .21, leaf servers .30 .31 (v4 and
#   v6, e.g. 2001:db8::10) are extra addresses on AUTH_IF.
#
# After hier_up (client 1 in the scalars; arrays HIER_CLI_NS, HIER_CLI_IF,
# HIER_CLI_ADDR4/6, HIER_RES_IF, HIER_RES_ADDR4/6 hold every client link):
#   AUTH_NS RES_NS CLI_NS CLI_NS_LIST       namespaces
#   RES_IF_CLIENT (attach XDP here) CLI_IF RES_IF_AUTH AUTH_IF, RES_MAC CLI_MAC
#   RES_ADDR4/6 (resolver, client side) CLI_ADDR4/6 CLI_EXTRA4 CLI_EXTRA6
#   CLI_EXTRA6_NETS (more client sources) RES_UP_ADDR4/6 ROOT_ADDRS4/6
#   TLD_ADDRS4/6 LEAF_ADDRS4/6
#   HIER_DIR (logs, configs) HIER_ZONES HIER_NAMES (manifest, see
#   gen-zones.py) HIER_HOT HIER_ALL (dnsperf query files) ROOT_HINTS
#   UNBOUND_SNIPPET (root-hints + "local-zone: T. nodefault" for HIER_TLDS;
#   include it or ub_ctx_config() it) HIER_UP_MS
# Functions: hier_up hier_up_pinned hier_up_xdpdnsd hier_down unbound_start
# unbound_stop ref_dig hier_query (sets Q_OUT Q_RCODE Q_FLAGS Q_RRS)
# hier_msg_size hier_check_whole hier_norm hier_expect hier_verify
# hier_names hier_metric hier_hits hier_snap hier_mval hier_md hier_xd
# hier_count_to hier_counted; everything in lib.sh.
#
# Knobs (environment, before hier_up): HIER_CLIENTS (client namespaces, 1-9,
# default 1; client i uses 198.18.i.0/24 and 2001:db8:i::/64), HIER_NZONES
# (leaf zones per TLD, default 20), HIER_NHOSTS (hostN names per zone, 60),
# HIER_CLI_EXTRA (extra client source addresses, default 8), UNBOUND_PORT
# (8053), UNBOUND_EXTRA_CONF (lines added to the reference's server: clause),
# HIER_DNSSEC=1 (sign the root, lab. and z000-z003.lab. with signzones.sh,
# z003.lab. with expired signatures; HIER_TA is the root's DS file).

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HIER_TLDS="test example lab"
export HIER_TLDS

AUTH_NS=${XD_PFX}auth
RES_NS=${XD_PFX}res
AUTH_IF=${XD_PFX}au0
RES_IF_AUTH=${XD_PFX}ra0
RES_UP_ADDR4=198.18.0.1
RES_UP_ADDR6=2001:db8::1
AUTH_ADDR4=198.18.0.2
AUTH_ADDR6=2001:db8::2
ROOT_ADDRS4="198.18.0.10 198.18.0.11"
ROOT_ADDRS6="2001:db8::10 2001:db8::11"
TLD_ADDRS4="198.18.0.20 198.18.0.21"
TLD_ADDRS6="2001:db8::20 2001:db8::21"
LEAF_ADDRS4="198.18.0.30 198.18.0.31"
LEAF_ADDRS6="2001:db8::30 2001:db8::31"
export AUTH_NS RES_NS AUTH_IF RES_IF_AUTH RES_UP_ADDR4 RES_UP_ADDR6 \
	AUTH_ADDR4 AUTH_ADDR6 ROOT_ADDRS4 ROOT_ADDRS6 TLD_ADDRS4 TLD_ADDRS6 \
	LEAF_ADDRS4 LEAF_ADDRS6

UNBOUND_PORT=${UNBOUND_PORT:-8053}
UNBOUND_PID=
HIER_WHY=
HIER_OK=0
HIER_BAD=0
export HIER_WHY HIER_OK HIER_BAD
# _hier_forget - no processes, namespaces or client links (yet, or any more).
_hier_forget() {
	_HIER_PIDS=()
	_HIER_NETNS=()
	HIER_CLI_NS=()
	HIER_CLI_IF=()
	HIER_CLI_ADDR4=()
	HIER_CLI_ADDR6=()
	HIER_RES_IF=()
	HIER_RES_ADDR4=()
	HIER_RES_ADDR6=()
}
_hier_forget

_hier_csv() {
	echo "${1// /,}"
}

# _hier_nsd ROLE ZONESTANZA ADDR... - start one NSD instance in AUTH_NS.
_hier_nsd() {
	local role=$1 stanza=$2 a conf
	shift 2
	conf=$HIER_DIR/nsd-$role.conf
	{
		echo "server:"
		for a in "$@"; do
			echo "	ip-address: $a"
		done
		cat <<EOF
	port: 53
	server-count: 1
	tcp-count: 64
	username: ""
	chroot: ""
	zonesdir: "$HIER_ZONES"
	database: ""
	zonelistfile: "$HIER_DIR/nsd-$role.zonelist"
	xfrdfile: "$HIER_DIR/nsd-$role.xfrd"
	xfrdir: "$HIER_DIR"
	pidfile: "$HIER_DIR/nsd-$role.pid"
	logfile: "$HIER_DIR/nsd-$role.log"
	verbosity: 1
	hide-version: yes
	identity: "$role"
	round-robin: no
	# Benchmarks send far more than 200 qps from the resolver's one address.
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
	rrl-size: 1000
	# No zone transfers here; the default xfrd pool (128 x 128 shuffled
	# query IDs) costs about a second of start-up.
	xfrd-tcp-max: 2
	xfrd-tcp-pipeline: 2
remote-control:
	control-enable: no
EOF
		cat "$HIER_ZONES/$stanza"
	} >"$conf"
	bg_start "$AUTH_NS" "$HIER_DIR/nsd-$role.out" nsd -d -c "$conf"
	_HIER_PIDS+=("$BG_PID")
}

# _hier_client I - namespace, veth and addresses of client I (1-based), with
# HIER_CLI_EXTRA extra sources: IPv4 198.18.I.10+, IPv6 2001:db8:I::10+ in the
# link's /64, and 2001:db8:I:K::2 in /64s of their own (the resolver side gets
# 2001:db8:I:K::1 so they are on-link). Client 1's lists become CLI_EXTRA4,
# CLI_EXTRA6 and CLI_EXTRA6_NETS.
_hier_client() {
	local i=$1 ns cif rif a4 a6 r4 r6 k x4 x6 xn
	local ex4="" ex6="" exn="" caddrs="" raddrs=""
	ns=${XD_PFX}cli$i
	cif=${XD_PFX}c$i
	rif=${XD_PFX}rc$i
	a4=198.18.$i.2
	a6=2001:db8:$i::2
	r4=198.18.$i.1
	r6=2001:db8:$i::1
	netns_create "$ns"
	_HIER_NETNS+=("$ns")
	for ((k = 0; k < ${HIER_CLI_EXTRA:-8}; k++)); do
		x4=198.18.$i.$((10 + k))
		x6=2001:db8:$i::$(printf %x $((16 + k)))
		xn=2001:db8:$i:$(printf %x $((k + 1)))
		ex4+="${ex4:+ }$x4"
		ex6+="${ex6:+ }$x6"
		exn+="${exn:+ }$xn::2"
		caddrs+=",$x4/24,$x6/64,$xn::2/64"
		raddrs+=",$xn::1/64"
	done
	veth_link "$RES_NS" "$rif" "$r4/24,$r6/64$raddrs" \
		"$ns" "$cif" "$a4/24,$a6/64$caddrs"
	veth_xdp_peer "$ns" "$cif" || true
	if [ "$i" = 1 ]; then
		CLI_EXTRA4=$ex4
		CLI_EXTRA6=$ex6
		CLI_EXTRA6_NETS=$exn
	fi
	HIER_CLI_NS+=("$ns")
	HIER_CLI_IF+=("$cif")
	HIER_CLI_ADDR4+=("$a4")
	HIER_CLI_ADDR6+=("$a6")
	HIER_RES_IF+=("$rif")
	HIER_RES_ADDR4+=("$r4")
	HIER_RES_ADDR6+=("$r6")
}

# hier_up [WORKDIR] - build the topology, generate the zones, start NSD and
# wait until every server answers. Without WORKDIR a temporary directory is
# used (removed on exit). Returns non-zero, with the reason on stderr, when
# something did not come up. Call it in the test's own shell, not in $(...).
hier_up() {
	local w=${1:-} t0 a i role
	t0=$(date +%s%N)
	[ ${#_HIER_NETNS[@]} -eq 0 ] || hier_down
	if [ -z "$w" ]; then
		xd_tmpdir
		w=$XD_TMP
	fi
	mkdir -p "$w" || return 1
	HIER_DIR=$(cd "$w" && pwd)
	# xdpdnsd's daemon reads the root hints and the unbound snippet as its
	# unprivileged user (the default mode): mktemp's 0700 would hide them.
	chmod 755 "$HIER_DIR" || return 1
	HIER_ZONES=$HIER_DIR/zones
	HIER_NAMES=$HIER_ZONES/names.txt
	HIER_HOT=$HIER_ZONES/hot.txt
	HIER_ALL=$HIER_ZONES/all.txt
	ROOT_HINTS=$HIER_ZONES/root.hints
	UNBOUND_SNIPPET=$HIER_DIR/unbound-hier.conf
	export HIER_DIR HIER_ZONES HIER_NAMES HIER_HOT HIER_ALL ROOT_HINTS \
		UNBOUND_SNIPPET

	# Zones are generated while the namespaces are made.
	local genpid
	bg_start "" "$HIER_DIR/gen-zones.log" \
		"$PY" "$XD_DIR/gen-zones.py" "$HIER_ZONES" \
		--zones "${HIER_NZONES:-20}" \
		--hosts "${HIER_NHOSTS:-60}" \
		--root4 "$(_hier_csv "$ROOT_ADDRS4")" \
		--root6 "$(_hier_csv "$ROOT_ADDRS6")" \
		--tld4 "$(_hier_csv "$TLD_ADDRS4")" \
		--tld6 "$(_hier_csv "$TLD_ADDRS6")" \
		--leaf4 "$(_hier_csv "$LEAF_ADDRS4")" \
		--leaf6 "$(_hier_csv "$LEAF_ADDRS6")"
	genpid=$BG_PID

	{
		echo "# Resolver settings for the offline test hierarchy: include"
		echo "# it in unbound.conf or load it with ub_ctx_config()."
		echo "server:"
		echo "	root-hints: \"$ROOT_HINTS\""
		for a in $HIER_TLDS; do
			echo "	local-zone: \"$a.\" nodefault"
		done
	} >"$UNBOUND_SNIPPET"

	netns_create "$AUTH_NS"
	netns_create "$RES_NS"
	_HIER_NETNS+=("$AUTH_NS" "$RES_NS")
	local auth_addrs="$AUTH_ADDR4/24,$AUTH_ADDR6/64"
	for a in $ROOT_ADDRS4 $TLD_ADDRS4 $LEAF_ADDRS4; do
		auth_addrs+=",$a/24"
	done
	for a in $ROOT_ADDRS6 $TLD_ADDRS6 $LEAF_ADDRS6; do
		auth_addrs+=",$a/64"
	done
	veth_link "$RES_NS" "$RES_IF_AUTH" "$RES_UP_ADDR4/24,$RES_UP_ADDR6/64" \
		"$AUTH_NS" "$AUTH_IF" "$auth_addrs"
	for ((i = 1; i <= ${HIER_CLIENTS:-1}; i++)); do
		_hier_client "$i"
	done
	CLI_NS=${HIER_CLI_NS[0]}
	CLI_IF=${HIER_CLI_IF[0]}
	CLI_ADDR4=${HIER_CLI_ADDR4[0]}
	CLI_ADDR6=${HIER_CLI_ADDR6[0]}
	RES_IF_CLIENT=${HIER_RES_IF[0]}
	RES_ADDR4=${HIER_RES_ADDR4[0]}
	RES_ADDR6=${HIER_RES_ADDR6[0]}
	CLI_NS_LIST=${HIER_CLI_NS[*]}
	if ! wait "$genpid"; then
		xd_log "zone generation failed:" "$(cat "$HIER_DIR/gen-zones.log")"
		return 1
	fi
	_xd_pid_untrack "$genpid"
	if [ "${HIER_DNSSEC:-0}" = 1 ]; then
		if ! "$XD_DIR/signzones.sh" "$HIER_ZONES" \
			>"$HIER_DIR/signzones.log" 2>&1; then
			xd_log "zone signing failed:" \
				"$(cat "$HIER_DIR/signzones.log")"
			return 1
		fi
		HIER_TA=$HIER_ZONES/root.ta
		export HIER_TA
	fi

	CLI_MAC=$(link_mac "$CLI_NS" "$CLI_IF")
	RES_MAC=$(link_mac "$RES_NS" "$RES_IF_CLIENT")
	export CLI_NS CLI_IF CLI_ADDR4 CLI_ADDR6 RES_IF_CLIENT RES_ADDR4 \
		RES_ADDR6 CLI_NS_LIST CLI_EXTRA4 CLI_EXTRA6 CLI_EXTRA6_NETS \
		CLI_MAC RES_MAC

	# shellcheck disable=SC2086 # address lists
	{
		_hier_nsd root root.nsd $ROOT_ADDRS4 $ROOT_ADDRS6
		_hier_nsd tld tld.nsd $TLD_ADDRS4 $TLD_ADDRS6
		_hier_nsd leafa leaf.nsd ${LEAF_ADDRS4%% *} ${LEAF_ADDRS6%% *}
		_hier_nsd leafb leaf.nsd ${LEAF_ADDRS4##* } ${LEAF_ADDRS6##* }
	}
	# shellcheck disable=SC2086 # address lists
	if ! wait_ports "$AUTH_NS" 53 10 $ROOT_ADDRS4 $ROOT_ADDRS6 \
		$TLD_ADDRS4 $TLD_ADDRS6 $LEAF_ADDRS4 $LEAF_ADDRS6; then
		xd_log "NSD not listening on every server address; logs in" \
			"$HIER_DIR:"
		for role in root tld leafa leafb; do
			tail -n 5 "$HIER_DIR/nsd-$role.out" \
				"$HIER_DIR/nsd-$role.log" >&2 2>/dev/null
		done
		return 1
	fi
	HIER_UP_MS=$((($(date +%s%N) - t0) / 1000000))
	export HIER_UP_MS
	return 0
}

# unbound_start [PORT=UNBOUND_PORT] - the reference resolver: Debian's
# unbound in the foreground in RES_NS, listening on RES_ADDR4, RES_ADDR6 (of
# every client link) and loopback at PORT, full recursion from ROOT_HINTS.
# Waits until it resolves a name. Sets UNBOUND_PORT and UNBOUND_PID.
unbound_start() {
	local port=${1:-$UNBOUND_PORT} conf a
	[ -z "$UNBOUND_PID" ] || unbound_stop
	UNBOUND_PORT=$port
	export UNBOUND_PORT
	conf=$HIER_DIR/unbound.conf
	{
		echo "server:"
		for a in "${HIER_RES_ADDR4[@]}" "${HIER_RES_ADDR6[@]}" \
			127.0.0.1 ::1; do
			echo "	interface: $a"
		done
		cat <<EOF
	port: $port
	num-threads: 1
	so-reuseport: no
	do-ip4: yes
	do-ip6: yes
	do-udp: yes
	do-tcp: yes
	chroot: ""
	username: ""
	directory: "$HIER_DIR"
	pidfile: "$HIER_DIR/unbound.pid"
	logfile: "$HIER_DIR/unbound.log"
	use-syslog: no
	log-time-ascii: yes
	verbosity: 1
	outgoing-range: 256
	num-queries-per-thread: 128
	access-control: 198.18.0.0/15 allow
	access-control: 2001:db8::/32 allow
	access-control: 127.0.0.0/8 allow
	access-control: ::1/128 allow
${UNBOUND_EXTRA_CONF:-}
remote-control:
	control-enable: no
include: "$UNBOUND_SNIPPET"
EOF
	} >"$conf"
	bg_start "$RES_NS" "$HIER_DIR/unbound.out" unbound -d -c "$conf"
	UNBOUND_PID=$BG_PID
	export UNBOUND_PID
	if ! wait_udp_port "$RES_NS" "$RES_ADDR4" "$port" 10 ||
		! wait_dns "$RES_NS" 127.0.0.1 "$port" "www.z000.test." 10; then
		xd_log "unbound did not come up on port $port; see $HIER_DIR:"
		tail -n 5 "$HIER_DIR/unbound.out" "$HIER_DIR/unbound.log" \
			>&2 2>/dev/null
		return 1
	fi
	return 0
}

# unbound_stop - stop the reference unbound.
unbound_stop() {
	[ -n "$UNBOUND_PID" ] || return 0
	bg_stop "$UNBOUND_PID"
	UNBOUND_PID=
}

# ref_dig ARGS... - dig from CLI_NS against the reference unbound over IPv4.
ref_dig() {
	ip netns exec "$CLI_NS" dig -p "$UNBOUND_PORT" @"$RES_ADDR4" "$@"
}

# hier_query NS SERVER PORT DIGARGS... - one dig from namespace NS; sets
# Q_OUT (dig's text), Q_RCODE (NOERROR, NXDOMAIN, ..., TIMEOUT when no answer),
# Q_FLAGS (" qr rd ra " -- space-delimited for matching with *" tc "*) and
# Q_RRS, one line per record: "SECTION owner ttl TYPE rdata..." with owner
# lower-cased. dig retries truncated answers over TCP: pass +ignore to see TC.
hier_query() {
	local ns=$1 srv=$2 port=$3
	shift 3
	Q_OUT=$(ip netns exec "$ns" dig +tries=1 +time=2 +noall +comments \
		+question +answer +authority +additional -p "$port" @"$srv" \
		"$@" 2>&1 || :)
	local p
	p=$(awk '
		/->>HEADER<<-/ && rc == "" {
			rc = $0; sub(/.*status: /, "", rc); sub(/,.*/, "", rc)
		}
		/^;; flags: / && fl == "" {
			fl = $0; sub(/^;; flags: /, "", fl); sub(/;.*/, "", fl)
		}
		/^;; ANSWER SECTION:/ { s = "ANSWER"; next }
		/^;; AUTHORITY SECTION:/ { s = "AUTHORITY"; next }
		/^;; ADDITIONAL SECTION:/ { s = "ADDITIONAL"; next }
		/^;/ || NF == 0 { next }
		s != "" {
			line = s " " tolower($1) " " $2 " " $4
			for (i = 5; i <= NF; i++) line = line " " $i
			rr = rr "\n" line
		}
		END { print (rc == "" ? "TIMEOUT" : rc) "\n " fl " " rr }' \
		<<<"$Q_OUT")
	Q_RCODE=${p%%$'\n'*}
	p=${p#*$'\n'}
	Q_FLAGS=${p%%$'\n'*}
	Q_RRS=
	[[ $p == *$'\n'* ]] && Q_RRS=${p#*$'\n'}
	return 0
}

# hier_msg_size - the size dig +stats reported for Q_OUT, or nothing.
hier_msg_size() {
	sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p' <<<"$Q_OUT"
}

# hier_check_whole NAME TYPE COUNT - one check that the last hier_query (over
# TCP, with +stats) got all COUNT NAME TYPE records, in more than 1232 bytes
# (what UDP carries) and with TC=0.
hier_check_whole() {
	local got size
	got=$(_hier_rrs ANSWER "$1" "$2" | grep -c .)
	size=$(hier_msg_size)
	t_check "$1 $2 over TCP: $got records, ${size:-?} bytes, TC=0" \
		test "$got" -eq "$3" -a "${size:-0}" -gt 1232 -a \
		"${Q_FLAGS/ tc /}" = "$Q_FLAGS"
}

# hier_norm - from Q_OUT, print the answer in a form two resolvers' answers
# can be diffed in: rcode, sorted header flags, EDNS line, then every record
# without its TTL, sorted. Differences in TTL, ID and RR order are ignored.
hier_norm() {
	local f
	echo "rcode $Q_RCODE"
	# shellcheck disable=SC2086 # split the flag list
	f=$(printf '%s\n' $Q_FLAGS | LC_ALL=C sort | tr '\n' ' ')
	echo "flags ${f% }"
	sed -n 's/^; EDNS: \(.*\)/edns \1/p' <<<"$Q_OUT"
	[ -n "$Q_RRS" ] && awk '{ $3 = ""; print }' <<<"$Q_RRS" | LC_ALL=C sort
	return 0
}

# _hier_rrs SECTION OWNER TYPE - rdata of matching Q_RRS records, sorted.
_hier_rrs() {
	[ -n "$Q_RRS" ] || return 0
	awk -v s="$1" -v o="$2" -v t="$3" '$1 == s && $2 == o && $4 == t {
		r = $5; for (i = 6; i <= NF; i++) r = r " " $i; print r }' \
		<<<"$Q_RRS" | LC_ALL=C sort
}

# _hier_ttl SECTION OWNER TYPE - TTL of the first matching record.
_hier_ttl() {
	[ -n "$Q_RRS" ] || return 0
	awk -v s="$1" -v o="$2" -v t="$3" \
		'$1 == s && $2 == o && $4 == t { print $3; exit }' <<<"$Q_RRS"
}

# Verifier shared by hier_expect and hier_verify: awk over the manifest
# lines to check (-v m=LINE, or else the first file, which must be a regular
# file) and dig output with +comments +question +answer +authority (one or
# many answers). For each
# answer whose question is in the manifest, prints "OK qname qtype" or
# "BAD qname qtype: reason"; at the end "MISSING qname qtype" for manifest
# lines no answer was seen for. Single awk: processes are what make these
# tests slow, not the queries.
# shellcheck disable=SC2016 # awk program, not shell
_HIER_VERIFY_AWK='
function isort(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && (a[j - 1] "") > (a[j] ""); j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
}
function check(k,   nw, w, owner, qt, i, nc, ch, key, got, want, a) {
	nw = split(man[k], w, " ")
	owner = tolower(w[1]); qt = w[2]
	if (rc != w[3]) return "rcode " rc ", want " w[3]
	if (rc == "SERVFAIL") return ""
	if (w[6] != "-") {
		nc = split(w[6], ch, ",")
		for (i = 1; i <= nc; i++) {
			if (cn[owner] != ch[i])
				return "CNAME of " owner " is \"" cn[owner] "\", want " ch[i]
			owner = ch[i]
		}
	}
	key = owner " " qt; got = n[key] + 0; want = w[7] + 0
	if (want == 0) {
		if (got) return "negative answer has " qt " records"
		if (soa == "" || soa + 0 < 0 || soa + 0 > w[5] + 0)
			return "authority SOA TTL \"" soa "\", want 0.." w[5]
		return ""
	}
	if (got != want) return got " " qt " records, want " want
	if (nw > 7) {
		for (i = 1; i <= got; i++) a[i] = d[key, i]
		isort(a, got)
		for (i = 1; i <= got; i++)
			if (a[i] != w[7 + i])
				return qt " data differs: got " a[i] ", want " w[7 + i]
	}
	if (ttl[key] + 0 < 0 || ttl[key] + 0 > w[5] + 0)
		return "TTL " ttl[key] ", want 0.." w[5]
	return ""
}
function finish(   why) {
	if (q == "" || !(q in man)) return
	seen[q] = 1
	why = check(q)
	print (why == "" ? "OK " q : "BAD " q ": " why)
}
BEGIN {
	if (m != "") {
		split(m, w, " ")
		man[tolower(w[1]) " " w[2]] = m
	}
}
m == "" && FILENAME == ARGV[1] {
	if ($0 !~ /^#/ && NF >= 7) man[tolower($1) " " $2] = $0
	next
}
/->>HEADER<<-/ {
	finish()
	rc = $0; sub(/.*status: /, "", rc); sub(/,.*/, "", rc)
	q = ""; s = ""; soa = ""
	split("", cn); split("", n); split("", d); split("", ttl)
	next
}
/^;; QUESTION SECTION:/ { s = "Q"; next }
/^;; ANSWER SECTION:/ { s = "ANSWER"; next }
/^;; AUTHORITY SECTION:/ { s = "AUTHORITY"; next }
/^;; ADDITIONAL SECTION:/ { s = "ADDITIONAL"; next }
s == "Q" && /^;[^;]/ { q = tolower(substr($1, 2)) " " $3; next }
/^;/ || NF == 0 { next }
{
	o = tolower($1); rd = $5
	for (i = 6; i <= NF; i++) rd = rd " " $i
	if (s == "ANSWER") {
		key = o " " $4
		if ($4 == "CNAME") cn[o] = tolower(rd)
		n[key]++; d[key, n[key]] = rd
		if (!(key in ttl)) ttl[key] = $2
	}
	if (s == "AUTHORITY" && $4 == "SOA" && soa == "") soa = $2
}
END {
	finish()
	for (k in man) if (!(k in seen)) print "MISSING " k
}'

# hier_expect LINE - does the last hier_query answer match the manifest LINE
# (see names.txt)? Checks rcode, the CNAME chain in order, the final RRset
# (count and data), its TTL (0..manifest TTL), and the SOA in the authority
# section of negative answers. On mismatch returns 1 with the reason in
# HIER_WHY.
hier_expect() {
	local r
	r=$(awk -v m="$1" "$_HIER_VERIFY_AWK" - <<<"$Q_OUT")
	HIER_WHY=
	case $r in
	OK\ *) return 0 ;;
	BAD\ *) HIER_WHY=${r#*: } ;;
	*) HIER_WHY="no answer (rcode $Q_RCODE)" ;;
	esac
	return 1
}

# hier_verify NS SERVER PORT LINESFILE [DIGARGS...] - query every manifest
# line of LINESFILE (a regular file: it is read twice) with one dig process
# (batch mode) and check each answer.
# Sets HIER_OK and HIER_BAD (counts); writes one result line per query to
# $HIER_DIR/verify.txt ("OK qname qtype", "BAD qname qtype: reason" or
# "MISSING qname qtype") and the first five mismatches to stdout. Returns 0
# when all matched. Not in a pipe or $(...): the counts would be lost.
hier_verify() {
	local ns=$1 srv=$2 port=$3 lines=$4
	shift 4
	awk '!/^#/ && NF >= 7 { print $1, $2 }' "$lines" |
		ip netns exec "$ns" dig +tries=1 +time=2 +noall +comments \
			+question +answer +authority -p "$port" @"$srv" "$@" \
			-f - 2>&1 |
		awk -v m= "$_HIER_VERIFY_AWK" "$lines" - >"$HIER_DIR/verify.txt" || :
	HIER_OK=$(grep -c '^OK ' "$HIER_DIR/verify.txt" || :)
	HIER_BAD=$(grep -vc '^OK ' "$HIER_DIR/verify.txt" || :)
	grep -v '^OK ' "$HIER_DIR/verify.txt" | head -n 5 | sed 's/^/  /' || :
	[ "$HIER_BAD" -eq 0 ] && [ "$HIER_OK" -gt 0 ]
}

# hier_names KIND [QTYPE] - manifest lines of that kind (and type).
hier_names() {
	awk -v k="$1" -v t="${2:-}" '$1 !~ /^#/ && $4 == k && (t == "" || $2 == t)' \
		"$HIER_NAMES"
}

# hier_down - stop unbound and NSD, delete the namespaces. Also done by the
# exit trap; calling it early is fine (and idempotent).
hier_down() {
	local ns
	bg_stop "${_HIER_PIDS[@]}" ${UNBOUND_PID:+"$UNBOUND_PID"}
	UNBOUND_PID=
	for ns in "${_HIER_NETNS[@]}"; do
		netns_delete "$ns"
	done
	_hier_forget
}

# hier_up_pinned [WORKDIR] - hier_up, then a bpffs of the test's own at
# $HIER_DIR/pins (in PIN) for xdpdnsd's maps: `ip netns exec` shows each
# command a fresh /sys, so /sys/fs/bpf cannot carry pins between commands.
# The caller runs in a private mount namespace (unshare -m).
hier_up_pinned() {
	hier_up "${1:-}" || return 1
	PIN=$HIER_DIR/pins
	mkdir -p "$PIN" || return 1
	if ! mount -t bpf bpf "$PIN"; then
		xd_log "cannot mount bpffs on $PIN"
		return 1
	fi
	cleanup_register "umount '$PIN'"
}

# hier_up_xdpdnsd LIMIT - the start of a test of xdpdnsd with XDP on the
# client link: SKIP without $BUILD/xdpdnsd and xdpdnsctl, re-run in private
# mounts under LIMIT seconds, one client namespace, hier_up_pinned in
# $XD_WORKDIR (or a new directory) or t_abort, W=$HIER_DIR, MPORT (the
# metrics port to give xdpdnsd), and on exit no XDP program left on the
# client link, whatever happened.
hier_up_xdpdnsd() {
	t_need_bins "$BUILD" xdpdnsd xdpdnsctl
	xd_private_mounts "$1" -- "$SELF" "$BUILD"
	HIER_CLIENTS=1
	hier_up_pinned "${XD_WORKDIR:-}" || t_abort "hierarchy bring-up"
	cleanup_register "ns_enter '$RES_NS' xdp-loader unload '$RES_IF_CLIENT' --all"
	# shellcheck disable=SC2034 # for the script
	W=$HIER_DIR MPORT=9153
}

# hier_silent_setup - a sink veth in AUTH_NS for hier_silent, removed (and
# the servers heard again) on exit.
hier_silent_setup() {
	HIER_SINK=${XD_PFX}sl
	veth_link "$AUTH_NS" "${HIER_SINK}0" "" "$AUTH_NS" "${HIER_SINK}1" "" ||
		return 1
	cleanup_register "tc -n '$AUTH_NS' qdisc del dev '$AUTH_IF' clsact 2>/dev/null"
}

# hier_silent on|off - the hierarchy's servers get nothing (every frame
# from the resolver redirected to the sink by tc): queries time out, as
# through a dead VPN, instead of failing at once as with the link down.
hier_silent() {
	if [ "$1" = on ]; then
		tc -n "$AUTH_NS" qdisc add dev "$AUTH_IF" clsact &&
			tc -n "$AUTH_NS" filter add dev "$AUTH_IF" ingress \
				protocol all pref 1 u32 match u32 0 0 \
				action mirred egress redirect dev "${HIER_SINK}0"
	else
		tc -n "$AUTH_NS" qdisc del dev "$AUTH_IF" clsact
	fi
}

# hier_xdpdnsd_start LOG ARGS... - xdpdnsd in the default mode (a root
# monitor and an unprivileged daemon) with XDP on the client link, on
# RES_ADDR4, pins in PIN, metrics on MPORT, then ARGS; waits until it
# answers a hierarchy name. Sets MON (the monitor's PID).
hier_xdpdnsd_start() {
	local log=$1
	shift
	bg_start -n "$RES_NS" "$log" "$BUILD/xdpdnsd" \
		--interface "$RES_IF_CLIENT" --listen "$RES_ADDR4" \
		--pin-dir "$PIN" --root-hints "$ROOT_HINTS" \
		--unbound-config "$UNBOUND_SNIPPET" \
		--metrics "127.0.0.1:$MPORT" "${XD_THREADS_ARGS[@]}" "$@"
	MON=$BG_PID
	wait_ports "$RES_NS" 53 15 "$RES_ADDR4" &&
		wait_dns "$CLI_NS" "$RES_ADDR4" 53 www.z000.test. 15
}

# hier_xdpdnsd_stop - stops the daemon hier_xdpdnsd_start started and
# removes its pins, so that the next one starts with a fresh cache.
hier_xdpdnsd_stop() {
	[ -n "${MON:-}" ] && bg_stop "$MON"
	MON=
	rm -f "$PIN"/xdpdns_* 2>/dev/null || :
}

# --- a running xdpdnsd's counters (MPORT: its --metrics port) -------------------
# hier_metric NAME - NAME's value on /metrics now ("none" when absent or
# unreadable).
hier_metric() {
	ns_enter "$RES_NS" curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics" |
		awk -v n="$1" '$1 == n { v = $2 } END { print v == "" ? "none" : v }'
}

# hier_hits - the XDP hit counter (xdpdnsctl stats on PIN); nothing, and
# exit 1, when unreadable.
hier_hits() {
	ctl stats --json | "$PY" "$XD_DIR/jsonq.py" get - xdp_outcomes.hit
}

# hier_snap TAG - /metrics to $HIER_DIR/TAG.prom; an empty file when
# unreadable, so every check on it fails.
hier_snap() {
	ns_enter "$RES_NS" curl -sf --max-time 3 -o "$HIER_DIR/$1.prom" \
		"http://127.0.0.1:$MPORT/metrics" || : >"$HIER_DIR/$1.prom"
}

# hier_mval TAG NAME - the sample NAME of snapshot TAG ("none" when absent).
hier_mval() {
	awk -v k="$2" '$1 == k { v = $2 } END { print v == "" ? "none" : v }' \
		"$HIER_DIR/$1.prom"
}

# hier_md NAME [A B] - how far NAME moved from snapshot A (a) to B (b);
# "none" when either lacks it. hier_xd REASON [A B]: the same for an XDP
# outcome.
hier_md() {
	local x y
	x=$(hier_mval "${2:-a}" "$1")
	y=$(hier_mval "${3:-b}" "$1")
	[[ "$x $y" =~ ^[0-9]+\ [0-9]+$ ]] && echo $((y - x)) || echo none
}
hier_xd() {
	hier_md "xdpdns_xdp_outcomes_total{reason=\"$1\"}" "${@:2}"
}

# hier_count_to ADDR... - count the packets that reach these server
# addresses of the hierarchy from the resolver namespace, by tc on AUTH_IF:
# each match is mirrored to a sink veth and the mirror action counts it
# (the servers' own traffic inside AUTH_NS never crosses AUTH_IF). Once per
# hierarchy; hier_counted prints the packets counted so far.
hier_count_to() {
	local sink=${XD_PFX}sk a pref=1
	veth_link "$AUTH_NS" "${sink}0" "" "$AUTH_NS" "${sink}1" "" &&
		tc -n "$AUTH_NS" qdisc add dev "$AUTH_IF" clsact || return 1
	for a in "$@"; do
		if [[ $a == *:* ]]; then
			tc -n "$AUTH_NS" filter add dev "$AUTH_IF" ingress \
				protocol ipv6 pref $((pref++)) u32 match ip6 dst "$a/128" \
				action mirred egress mirror dev "${sink}0" || return 1
		else
			tc -n "$AUTH_NS" filter add dev "$AUTH_IF" ingress \
				protocol ip pref $((pref++)) u32 match ip dst "$a/32" \
				action mirred egress mirror dev "${sink}0" || return 1
		fi
	done
}
hier_counted() {
	tc -n "$AUTH_NS" -s filter show dev "$AUTH_IF" ingress |
		awk '$1 == "Sent" { n += $4 } END { print n + 0 }'
}
