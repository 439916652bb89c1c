#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The Debian package as an operator meets it. build/xdpdns_VERSION_ARCH.deb
# (made by `make deb` when missing or older than the tree) goes in with
# dpkg -i: the xdpdns system user, binaries, man pages (as man(1) finds and
# renders them, against the installed --help), unit, unit link and conffile
# must be where Debian puts them. Then the installed unit runs: under
# systemd when it is PID 1 (a runtime drop-in moves it into the test's
# resolver namespace), otherwise /usr/sbin/xdpdnsd is started the way the
# unit starts it -- its ExecStartPre, RuntimeDirectory, CapabilityBoundingSet
# and NoNewPrivileges (setpriv), an empty environment, ExecStart as written
# -- with the installed config plus --root-hints and --local-zone-nodefault
# for the offline hierarchy (hierarchy.sh). Names only that hierarchy knows,
# asked on 127.0.0.1 and ::1 inside the resolver namespace, must come back
# as its manifest says; the daemon must run as xdpdns with no capabilities,
# reload on ExecReload and stop cleanly on TERM. dpkg --purge must leave
# nothing: files, unit links, the user. Refuses (FAIL) to touch a machine
# where xdpdns is already installed or its paths exist. The trap stops the
# daemon by its PID and purges the package on every exit path.
# Usage: test_package.sh [BUILD_DIR]. Prints PASS/FAIL/SKIP lines and
# "N passed, N failed[, N skipped]".
set -u
# shellcheck source-path=SCRIPTDIR source=hierarchy.sh
. "$(dirname "$0")/hierarchy.sh"
xd_init package "${1:-}"
LIMIT=${TEST_PACKAGE_LIMIT:-170}

t_require dpkg dpkg-query dpkg-buildpackage dh nsd dig man python3 setpriv \
	unshare ss timeout getent
xd_private_mounts "$LIMIT" -- "$SELF" "$BUILD"

PKG=xdpdns
UNIT=/lib/systemd/system/xdpdnsd.service
CONF=/etc/xdpdns/xdpdnsd.conf
PULL=/lib/systemd/system/xdpdns-hotset-pull.service
PULL_TIMER=/lib/systemd/system/xdpdns-hotset-pull.timer
ANNOUNCE=/lib/systemd/system/xdpdns-announce.service
PATHS=(/usr/sbin/xdpdnsd /usr/sbin/xdpdnsctl /usr/share/man/man8/xdpdnsd.8.gz
	/usr/share/man/man8/xdpdnsctl.8.gz "$UNIT" "$PULL" "$PULL_TIMER"
	"$ANNOUNCE" "$CONF")
WANTS=/etc/systemd/system/multi-user.target.wants/xdpdnsd.service
PULL_WANTS=/etc/systemd/system/timers.target.wants/xdpdns-hotset-pull.timer
ANNOUNCE_WANTS=/etc/systemd/system/multi-user.target.wants/xdpdns-announce.service
SYSTEMD=0
[ -d /run/systemd/system ] && SYSTEMD=1
VERSION=$(head -n 1 "$ROOT/tools/debian/changelog" | cut -d' ' -f2 | tr -d '()')
DEB=$BUILD/${PKG}_${VERSION}_$(dpkg --print-architecture).deb

# --- this machine must not have xdpdns already -------------------------------
if dpkg -s "$PKG" >/dev/null 2>&1; then
	t_abort "$PKG is installed here ($(dpkg-query -W -f='${Status}' "$PKG")): not touching it; dpkg --purge $PKG first"
fi
for p in "${PATHS[@]}" /etc/xdpdns /run/xdpdns "$WANTS" "$PULL_WANTS"; do
	if [ -e "$p" ] || [ -L "$p" ]; then
		t_abort "$p exists (make install?): not installing over it"
	fi
done
if getent passwd xdpdns >/dev/null || getent group xdpdns >/dev/null; then
	t_abort "a user or group xdpdns exists already: the purge would remove it"
fi

xd_tmpdir
W=$XD_TMP

# --- the package -------------------------------------------------------------
newer=
[ -f "$DEB" ] && newer=$(find "$ROOT/bpf" "$ROOT/userspace" "$ROOT/maps" \
	"$ROOT/tools" "$ROOT/Makefile" -type f -newer "$DEB" -print -quit)
if [ ! -f "$DEB" ] || [ -n "$newer" ]; then
	xd_log "building $DEB (make deb)${newer:+: $newer is newer}"
	make -C "$ROOT" --no-print-directory BUILD="$BUILD" deb \
		>"$W/make-deb.log" 2>&1 ||
		t_abort "make deb: $(tail -n 5 "$W/make-deb.log" | tr '\n' ' ')"
fi
[ -f "$DEB" ] || t_abort "make deb left no $DEB"

# dpkg_do ARGS...: dpkg, waiting up to 60 s while another package manager
# holds the lock; output to dpkg.log.
dpkg_do() {
	local i
	for ((i = 0; i < 60; i++)); do
		DEBIAN_FRONTEND=noninteractive dpkg "$@" >>"$W/dpkg.log" 2>&1 &&
			return 0
		tail -n 3 "$W/dpkg.log" | grep -q locked || return 1
		sleep 1
	done
	return 1
}
# Registered before the install: whatever happens next, the package goes.
pkg_purge() {
	dpkg -s "$PKG" >/dev/null 2>&1 || return 0
	dpkg_do --purge "$PKG"
}
if [ "$SYSTEMD" = 1 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
	# The postinst would start the service on the host's network.
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	cleanup_register "rm -f /usr/sbin/policy-rc.d"
fi
cleanup_register pkg_purge
if dpkg_do -i "$DEB"; then
	t_pass "dpkg -i $(basename "$DEB")"
else
	t_abort "dpkg -i: $(tail -n 5 "$W/dpkg.log" | tr '\n' ' ')"
fi
dpkg -L "$PKG" >"$W/files.txt"

# --- what the install left ---------------------------------------------------
IFS=: read -r _ _ uid gid _ home shell <<<"$(getent passwd xdpdns)"
if [ -n "${uid:-}" ] && [ "$uid" -lt 1000 ] && [ "$home" = /nonexistent ] &&
	[ ! -e /nonexistent ] && [ "$shell" = /usr/sbin/nologin ] &&
	[ "$(getent group xdpdns | cut -d: -f3)" = "$gid" ]; then
	t_pass "system user xdpdns (uid $uid, group xdpdns, home /nonexistent, no login)"
else
	t_fail "system user xdpdns: '$(getent passwd xdpdns)' group '$(getent group xdpdns)'"
fi

missing=
for p in "${PATHS[@]}"; do
	if [ ! -f "$p" ] || ! grep -qx "$p" "$W/files.txt"; then
		missing+=" $p"
	fi
done
t_check "files in place and owned by the package: ${PATHS[*]}${missing:+; missing:$missing}" \
	[ -z "$missing" ]
t_check "$CONF is a conffile" \
	grep -q "^ $CONF " <<<"$(dpkg-query -W -f='${Conffiles}\n' "$PKG")"
t_check "unit enabled: $WANTS -> $UNIT" \
	[ "$(readlink "$WANTS" 2>/dev/null)" = "$UNIT" ]
t_check "hot-set pull timer shipped, not enabled (it needs /etc/xdpdns/hotset-pull.env)" \
	[ ! -e "$PULL_WANTS" ] && [ ! -L "$PULL_WANTS" ] && [ ! -e /etc/xdpdns/hotset-pull.env ]
t_check "anycast agent shipped, not enabled (it needs /etc/xdpdns/announce.env)" \
	[ ! -e "$ANNOUNCE_WANTS" ] && [ ! -L "$ANNOUNCE_WANTS" ] && [ ! -e /etc/xdpdns/announce.env ]
t_check "xdpdnsd --version is the package version $VERSION" \
	[ "$(/usr/sbin/xdpdnsd --version)" = "xdpdnsd $VERSION" ]

# man(1) finds the installed pages by name, and they cover --help.
for prog in xdpdnsd xdpdnsctl; do
	mode=options
	[ "$prog" = xdpdnsctl ] && mode=commands
	"/usr/sbin/$prog" --help >"$W/$prog.help"
	LC_ALL=C.UTF-8 MANWIDTH=200 man "$prog" >"$W/$prog.txt" 2>&1
	if [ "$(man -w "$prog" 2>/dev/null)" = "/usr/share/man/man8/$prog.8.gz" ] &&
		out=$(python3 "$ROOT/tests/pkg/man_vs_help.py" "$mode" \
			"$W/$prog.help" "$W/$prog.txt"); then
		t_pass "man $prog: the installed page covers the installed --help ($(tail -n 1 <<<"$out"))"
	else
		t_fail "man $prog: $(man -w "$prog" 2>&1) $(tr '\n' ' ' <<<"${out:-}")"
	fi
done

if command -v systemd-analyze >/dev/null; then
	v=$(systemd-analyze verify "$UNIT" 2>&1)
	t_check "systemd-analyze verify $UNIT${v:+: $(head -n 3 <<<"$v" | tr '\n' ' ')}" \
		[ -z "$v" ]
else
	t_skip "systemd-analyze verify: not installed"
fi

# --- run it the way the unit does --------------------------------------------
# unit_get KEY: the value of KEY= in the installed unit (one line).
unit_get() {
	sed -n "s/^$1=//p" "$UNIT" | tail -n 1
}
HIER_NZONES=3 HIER_NHOSTS=10 HIER_CLI_EXTRA=0
hier_up "$W/hier" || t_abort "hierarchy bring-up"
# The daemon reads the hints as xdpdns, and PrivateTmp hides /tmp from the
# unit: a world-readable copy under /run.
HINTS_DIR=$(mktemp -d /run/xdpdns-test.XXXXXX) || t_abort "mktemp under /run"
cleanup_register "rm -rf -- '$HINTS_DIR'"
chmod 755 "$HINTS_DIR"
install -m 0644 "$ROOT_HINTS" "$HINTS_DIR/root.hints"
OVERRIDES=(--root-hints "$HINTS_DIR/root.hints")
for tld in $HIER_TLDS; do
	OVERRIDES+=(--local-zone-nodefault "$tld.")
done
EXEC=$(unit_get ExecStart)
RTDIR=/run/$(unit_get RuntimeDirectory)
PIDFILE=$(sed -n 's/^pidfile = "\(.*\)";$/\1/p' "$CONF")
MAINPID=
LOG=$W/xdpdnsd.log

if [ "$SYSTEMD" = 1 ]; then
	# Not exercised on the project's machines (no systemd as PID 1).
	drop=/run/systemd/system/xdpdnsd.service.d
	mkdir -p "$drop"
	cleanup_register "rm -rf -- '$drop'; systemctl daemon-reload"
	printf '[Service]\nNetworkNamespacePath=/run/netns/%s\nExecStart=\nExecStart=%s %s\n' \
		"$RES_NS" "$EXEC" "${OVERRIDES[*]}" >"$drop/test.conf"
	systemctl daemon-reload
	cleanup_register "systemctl stop xdpdnsd.service"
	if timeout 40 systemctl start xdpdnsd.service; then
		MAINPID=$(systemctl show -P MainPID xdpdnsd.service)
		t_pass "systemctl start xdpdnsd (MAINPID $MAINPID)"
	else
		journalctl -u xdpdnsd.service -n 20 --no-pager >"$LOG" 2>&1
		t_abort "systemctl start xdpdnsd: $(tail -n 3 "$LOG" | tr '\n' ' ')"
	fi
else
	startpre=$(unit_get ExecStartPre)
	startpre=${startpre#-}
	startpre=${startpre#+}
	if eval "${startpre//%%/%}" >"$W/pre.log" 2>&1 &&
		[ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ]; then
		t_pass "the unit's ExecStartPre runs and /sys/fs/bpf is a bpffs"
	else
		t_fail "ExecStartPre: $(cat "$W/pre.log")"
	fi
	caps=-all
	for c in $(unit_get CapabilityBoundingSet); do
		c=${c#CAP_}
		caps+=",+${c,,}"
	done
	nnp=()
	[ "$(unit_get NoNewPrivileges)" = yes ] && nnp=(--no-new-privs)
	mkdir -m 0755 "$RTDIR" || t_abort "cannot create $RTDIR"
	cleanup_register "rm -rf -- '$RTDIR'"
	# shellcheck disable=SC2086 # ExecStart is a word list
	bg_start "$RES_NS" "$LOG" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		setpriv --bounding-set "$caps" "${nnp[@]}" \
		$EXEC "${OVERRIDES[@]}"
	MAINPID=$BG_PID
	xd_log "no systemd as PID 1: $EXEC ${OVERRIDES[*]} (bounding set $caps${nnp:+, no_new_privs})"
fi

if wait_ports "$RES_NS" 53 15 127.0.0.1 ::1 &&
	wait_dns "$RES_NS" 127.0.0.1 53 www.z000.test. 15; then
	t_pass "installed xdpdnsd answers on 127.0.0.1 and ::1 port 53 (the shipped config)"
else
	t_abort "installed xdpdnsd up: $(tail -n 5 "$LOG" | tr '\n' ' ')"
fi
t_check "MAINPID $MAINPID is /usr/sbin/xdpdnsd" \
	[ "$(readlink "/proc/$MAINPID/exe")" = /usr/sbin/xdpdnsd ]
t_check "pidfile $PIDFILE (in RuntimeDirectory $RTDIR) holds MAINPID" \
	[ "$(cat "$PIDFILE" 2>/dev/null)" = "$MAINPID" ]

# The daemon: the monitor's one child, as xdpdns, with no capability left.
child=$(pgrep -P "$MAINPID" | head -n 1)
cuser=$(ps -o user= -p "${child:-0}" 2>/dev/null | tr -d ' ')
muser=$(ps -o user= -p "$MAINPID" 2>/dev/null | tr -d ' ')
if [ "$muser" = root ] && [ "$cuser" = xdpdns ]; then
	t_pass "ps: monitor $MAINPID runs as root, daemon $child as xdpdns"
else
	t_fail "ps: monitor $MAINPID as ${muser:-?}, daemon ${child:-?} as ${cuser:-?}; want root and xdpdns"
fi
t_check "the daemon has no capabilities and no_new_privs" \
	grep -qz 'CapEff:\s*0000000000000000.*NoNewPrivs:\s*1' \
	"/proc/${child:-0}/status"

# pick KIND QTYPE TLD: the first manifest line of that kind under TLD.
pick() {
	awk -v k="$1" -v t="$2" -v z=".$3." '$1 !~ /^#/ && $4 == k &&
		$2 == t && substr($1, length($1) - length(z) + 1) == z {
		print; exit }' "$HIER_NAMES"
}
# ask SERVER LINE: query the line's name from RES_NS, check the answer.
ask() {
	local srv=$1 line=$2 name type
	read -r name type _ <<<"$line"
	hier_query "$RES_NS" "$srv" 53 "$name" "$type"
	if hier_expect "$line"; then
		t_pass "$name $type via $srv: $Q_RCODE, as the offline hierarchy says"
	else
		t_fail "$name $type via $srv: $HIER_WHY"
	fi
}
ask 127.0.0.1 "$(pick addr A test)"
ask ::1 "$(pick addr AAAA example)"
ask 127.0.0.1 "$(pick nxdomain A lab)"

# --- reload and stop ---------------------------------------------------------
if [ "$SYSTEMD" = 1 ]; then
	systemctl reload xdpdnsd.service
	sleep 1
	journalctl -u xdpdnsd.service --no-pager >"$LOG" 2>&1
else
	reload=$(unit_get ExecReload)
	eval "${reload//\$MAINPID/$MAINPID}"
	for ((i = 0; i < 50; i++)); do
		grep -q "reloaded $CONF" "$LOG" && break
		sleep 0.1
	done
fi
t_check "ExecReload: the daemon re-read $CONF" grep -q "reloaded $CONF" "$LOG"
ask 127.0.0.1 "$(pick addr A test)"

if [ "$SYSTEMD" = 1 ]; then
	timeout 30 systemctl stop xdpdnsd.service
	t_check "systemctl stop xdpdnsd" \
		[ "$(systemctl show -P ActiveState xdpdnsd.service)" = inactive ]
else
	# KillMode=mixed: TERM to MAINPID only; the monitor stops the daemon.
	kill -TERM "$MAINPID"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$MAINPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$MAINPID" 2>/dev/null; then
		t_fail "TERM: xdpdnsd $MAINPID still running after 10 s"
	else
		wait "$MAINPID"
		rc=$?
		_xd_pid_untrack "$MAINPID"
		t_check "TERM: the monitor stopped the daemon and exited 0 (exit $rc)" \
			[ "$rc" = 0 ]
		t_check "TERM: the pidfile is gone" [ ! -e "$PIDFILE" ]
	fi
	rm -rf -- "$RTDIR" # systemd removes the RuntimeDirectory at stop
fi

# --- purge -------------------------------------------------------------------
if dpkg_do --purge "$PKG" && ! dpkg -s "$PKG" >/dev/null 2>&1; then
	t_pass "dpkg --purge $PKG"
else
	t_fail "dpkg --purge: $(tail -n 5 "$W/dpkg.log" | tr '\n' ' ')"
fi
left=
while read -r f; do
	[ -d "$f" ] && continue
	{ [ -e "$f" ] || [ -L "$f" ]; } && left+=" $f"
done <"$W/files.txt"
for p in /etc/xdpdns "$WANTS" "$PULL_WANTS"; do
	{ [ -e "$p" ] || [ -L "$p" ]; } && left+=" $p"
done
left+=$(find /etc/systemd /var/lib/systemd/deb-systemd-helper-enabled \
	-name 'xdpdns*' -printf ' %p' 2>/dev/null)
t_check "purge removed binaries, man pages, unit, unit links, config${left:+; left:$left}" \
	[ -z "$left" ]
t_check "purge removed the xdpdns user and group" \
	[ -z "$(getent passwd xdpdns)$(getent group xdpdns)" ]

t_summary
