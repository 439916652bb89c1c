#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# What the package is made of, checked without installing anything on the
# machine (no root needed): the generated man pages render without groff
# warnings and, as man(1) shows them, list every option and default of
# `xdpdnsd --help` and every command and option of `xdpdnsctl --help`
# (man_vs_help.py); `make install` honours PREFIX and DESTDIR, rewrites the
# units' ExecStart (and the hot-set pull's environment file) for its
# PREFIX, keeps a changed config, and `make uninstall` removes everything
# else; the installed units pass `systemd-analyze verify` (SKIP when
# systemd-analyze is not installed).
# Usage: test_files.sh [BUILD_DIR]. Prints PASS/FAIL/SKIP lines and
# "N passed, N failed[, N skipped]".
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../netns/lib.sh
. "$HERE/../netns/lib.sh"
xd_init pkg "${1:-}"

for c in man groff python3 make cmp; do
	if ! command -v "$c" >/dev/null; then
		t_skip "needs $c"
		t_summary
		exit 0
	fi
done
t_need_bins "$BUILD" xdpdnsd xdpdnsctl
for f in man/xdpdnsd.8 man/xdpdnsctl.8 xdpdnsd.conf.example; do
	[ -f "$BUILD/$f" ] || t_abort "no $BUILD/$f: run make first"
done
xd_tmpdir
T=$XD_TMP
EXAMPLE=$BUILD/xdpdnsd.conf.example

# render PAGE OUT: the page as man(1) prints it to a pipe.
render() {
	LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$1" >"$2" 2>"$2.err"
}

# mk ARGS...: make in the tree, on this build directory, quietly.
mk() {
	make -C "$ROOT" --no-print-directory BUILD="$BUILD" "$@" \
		>"$T/make.out" 2>&1
}

# --- man pages ---------------------------------------------------------------
for page in xdpdnsd xdpdnsctl; do
	w=$(groff -man -ww -z -Tutf8 "$BUILD/man/$page.8" 2>&1)
	if [ -z "$w" ]; then
		t_pass "$page.8: groff -ww finds nothing to warn about"
	else
		t_fail "$page.8: groff warnings: $(head -n 3 <<<"$w")"
	fi
done

# man_vs_help BIN MODE WHAT: BIN.8 as man(1) shows it lists WHAT of
# `BIN --help` (man_vs_help.py MODE).
man_vs_help() {
	local out
	"$BUILD/$1" --help >"$T/$1.help"
	render "$BUILD/man/$1.8" "$T/$1.txt"
	if out=$(python3 "$HERE/man_vs_help.py" "$2" "$T/$1.help" \
		"$T/$1.txt"); then
		t_pass "man -l $1.8 lists every $3 of --help ($(tail -n 1 <<<"$out"))"
	else
		t_fail "$1.8 against --help: $(tr '\n' ';' <<<"$out")"
	fi
}
man_vs_help xdpdnsd options "option and default"
man_vs_help xdpdnsctl commands "command and option"

# Option names are copied from man pages: plain ASCII hyphens only.
if LC_ALL=C grep -q '[^ -~]' "$T/xdpdnsd.txt" "$T/xdpdnsctl.txt"; then
	t_fail "rendered man pages hold non-ASCII characters (hyphens?)"
else
	t_pass "rendered man pages are plain ASCII (option names copy as typed)"
fi

# --- make install / uninstall ------------------------------------------------
# check_tree ROOT SBIN MAN UNIT CONF: the files make install put there.
check_tree() {
	local r=$1 f bad=""
	for f in "$2/xdpdnsd" "$2/xdpdnsctl"; do
		[ -x "$r$f" ] && [ "$(stat -c %a "$r$f")" = 755 ] || bad+=" $f"
	done
	for f in "$3/xdpdnsd.8" "$3/xdpdnsctl.8" "$4/xdpdnsd.service" "$5"; do
		[ -f "$r$f" ] && [ "$(stat -c %a "$r$f")" = 644 ] || bad+=" $f"
	done
	[ -z "$bad" ] || xd_log "missing or wrong mode:$bad"
	[ -z "$bad" ]
}

D=$T/dest-default
if mk install DESTDIR="$D" &&
	check_tree "$D" /usr/local/sbin /usr/local/share/man/man8 \
		/usr/local/lib/systemd/system /etc/xdpdns/xdpdnsd.conf; then
	t_pass "make install DESTDIR=D: /usr/local/sbin, share/man/man8, lib/systemd/system, /etc/xdpdns"
else
	t_fail "make install DESTDIR=D (default PREFIX): $(tail -n 3 "$T/make.out")"
fi
exec_line=$(sed -n 's/^ExecStart=//p' \
	"$D/usr/local/lib/systemd/system/xdpdnsd.service" 2>/dev/null)
t_check "unit installed for PREFIX=/usr/local runs /usr/local/sbin/xdpdnsd (ExecStart=$exec_line)" \
	[ "$exec_line" = "/usr/local/sbin/xdpdnsd --config /etc/xdpdns/xdpdnsd.conf" ]
t_check "installed config is the generated example" \
	cmp -s "$EXAMPLE" "$D/etc/xdpdns/xdpdnsd.conf"

echo "# the admin's line" >>"$D/etc/xdpdns/xdpdnsd.conf"
if mk install DESTDIR="$D" && grep -q "KEEP" "$T/make.out" &&
	grep -q "^# the admin's line" "$D/etc/xdpdns/xdpdnsd.conf"; then
	t_pass "make install again keeps a changed /etc/xdpdns/xdpdnsd.conf"
else
	t_fail "make install again replaced the changed config"
fi
mk uninstall DESTDIR="$D"
left=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
t_check "make uninstall leaves only the changed config (left: $left)" \
	[ "$left" = "./etc/xdpdns/xdpdnsd.conf " ]
cp "$EXAMPLE" "$D/etc/xdpdns/xdpdnsd.conf"
mk uninstall DESTDIR="$D"
t_check "make uninstall removes an unchanged config and /etc/xdpdns" \
	[ ! -e "$D/etc/xdpdns" ]

D=$T/dest-usr
if mk install DESTDIR="$D" PREFIX=/usr UNITDIR=/lib/systemd/system &&
	check_tree "$D" /usr/sbin /usr/share/man/man8 /lib/systemd/system \
		/etc/xdpdns/xdpdnsd.conf &&
	cmp -s "$ROOT/tools/systemd/xdpdnsd.service" \
		"$D/lib/systemd/system/xdpdnsd.service" &&
	cmp -s "$ROOT/tools/systemd/xdpdns-hotset-pull.service" \
		"$D/lib/systemd/system/xdpdns-hotset-pull.service" &&
	cmp -s "$ROOT/tools/systemd/xdpdns-hotset-pull.timer" \
		"$D/lib/systemd/system/xdpdns-hotset-pull.timer" &&
	cmp -s "$ROOT/tools/systemd/xdpdns-announce.service" \
		"$D/lib/systemd/system/xdpdns-announce.service"; then
	t_pass "make install PREFIX=/usr (the package's layout) installs the units unchanged"
else
	t_fail "make install PREFIX=/usr UNITDIR=/lib/systemd/system"
fi

# --- the unit ----------------------------------------------------------------
# Installed under a private prefix so that ExecStart's binary and the man
# pages of Documentation= exist where the unit says.
if ! command -v systemd-analyze >/dev/null; then
	t_skip "systemd-analyze verify: systemd-analyze not installed"
else
	P=$T/prefix
	if mk install PREFIX="$P/usr" SYSCONFDIR="$P/etc" \
		UNITDIR="$P/lib/systemd/system"; then
		for u in xdpdnsd.service xdpdns-hotset-pull.service \
			xdpdns-hotset-pull.timer xdpdns-announce.service; do
			v=$(MANPATH=$P/usr/share/man systemd-analyze verify \
				"$P/lib/systemd/system/$u" 2>&1)
			rc=$?
			if [ "$rc" = 0 ] && [ -z "$v" ]; then
				t_pass "systemd-analyze verify $u: clean"
			else
				t_fail "systemd-analyze verify $u (rc $rc): $(head -n 5 <<<"$v" | tr '\n' ';')"
			fi
		done
		pull=$P/lib/systemd/system/xdpdns-hotset-pull.service
		t_check "the pull unit installed for PREFIX=$P/usr runs its xdpdnsctl and reads $P/etc/xdpdns/hotset-pull.env" \
			grep_each "$pull" "ExecStart=$P/usr/sbin/xdpdnsctl hotset pull" \
			"EnvironmentFile=$P/etc/xdpdns/hotset-pull.env" \
			"ConditionPathExists=$P/etc/xdpdns/hotset-pull.env"
	else
		t_fail "make install PREFIX=$P/usr: $(tail -n 3 "$T/make.out")"
	fi
fi

# The pidfile of the shipped config is in the unit's RuntimeDirectory.
rtdir=$(sed -n 's/^RuntimeDirectory=//p' "$ROOT/tools/systemd/xdpdnsd.service")
pidfile=$(sed -n 's/^pidfile = "\(.*\)";$/\1/p' "$EXAMPLE")
if [ -n "$rtdir" ] && [ "${pidfile%/*}" = "/run/$rtdir" ]; then
	t_pass "config's pidfile $pidfile is in RuntimeDirectory=$rtdir"
else
	t_fail "config's pidfile '$pidfile' is not in RuntimeDirectory='$rtdir'"
fi

t_summary
