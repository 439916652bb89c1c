#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make test-kernel`: runs the BPF suite and the real daemon on Debian 12's
# own kernel, the oldest the README supports, instead of the host's. Fetches
# the linux-image-6.1.0-*-amd64 package that linux-image-amd64 depends on
# (apt-get download, cached under BUILD_DIR/kernel, never installed), builds
# an initramfs from this machine's binaries and the build's outputs with the
# modules the Debian config has as =m, boots it under qemu (KVM when it
# works, TCG otherwise; no network device; bounded by a timeout) with
# tests/kernel/init as PID 1, then prints the VM's output and a final
# "N passed, N failed" line: the Check suite's checks plus the init's
# "ktest: PASS|FAIL" lines. Exits non-zero on any failure, a timeout, or a
# kernel that does not boot. Usage: run.sh [BUILD_DIR]
# Environment: KERNEL_TEST_ACCEL=kvm|tcg (default: kvm when usable),
# KERNEL_TEST_TIMEOUT (seconds, default 300 with KVM, 600 with TCG),
# KVM_BOOT_WAIT (seconds to reach the init under KVM before TCG, 20),
# KERNEL_TEST_MODULES (default veth), KERNEL_TEST_PKG (package name).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
case $build in
/*) ;;
*) build=$root/$build ;;
esac
kdir=$build/kernel
modules=${KERNEL_TEST_MODULES:-veth}
start=$SECONDS

stage=
qpid=
tpid=
cleanup() {
	[ -n "$qpid" ] && kill -TERM "$qpid" 2>/dev/null
	[ -n "$tpid" ] && kill -TERM "$tpid" 2>/dev/null
	[ -n "$stage" ] && rm -rf -- "$stage"
	rm -f -- "$kdir/initramfs.cpio.gz.tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

die() {
	echo "test-kernel: $*" >&2
	echo "=== kernel: not run"
	echo "0 passed, 1 failed"
	exit 1
}

for t in qemu-system-x86_64 apt-get apt-cache dpkg-deb cpio gzip modinfo \
	busybox ldd bpftool ip ethtool timeout; do
	command -v "$t" >/dev/null || die "$t not found (make deps)"
done
for f in xdpdnsd xdpdnsctl tests/bpf_runner tests/prog_insns xdpdns.bpf.o \
	pass.bpf.o; do
	[ -e "$build/$f" ] || die "$build/$f missing (make test-kernel builds it)"
done

# --- 1. Debian 12's kernel package -------------------------------------------
# kernel_pkg: the linux-image-6.1.0-N-amd64 that linux-image-amd64 depends on.
kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-amd64\)$/\1/p' |
		head -n 1
}
# newest_deb: the cached package file, if any.
newest_deb() {
	find "$kdir/cache" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1
}
# download: apt-get download $pkg into the cache; sets deb.
download() {
	echo "test-kernel: apt-get download $pkg"
	(cd "$kdir/cache" && apt-get download -q "$pkg" 2>&1 |
		grep -v 'unsandboxed as root')
	deb=$(newest_deb)
	[ -n "$deb" ] || return 1
	# Older kernels' packages are of no more use.
	find "$kdir/cache" -maxdepth 1 -name 'linux-image-*.deb' \
		! -name "$(basename "$deb")" -delete
}
pkg=${KERNEL_TEST_PKG:-$(kernel_pkg)}
mkdir -p "$kdir/cache"
deb=
[ -n "$pkg" ] && deb=$(newest_deb)
if [ -z "$deb" ] && { [ -z "$pkg" ] || ! download; }; then
	# Package lists missing or older than the archive: refresh once.
	echo "test-kernel: apt-get update"
	apt-get update -qq
	pkg=${KERNEL_TEST_PKG:-$(kernel_pkg)}
	[ -n "$pkg" ] || die "apt-cache knows no linux-image-6.1.0-*-amd64" \
		"that linux-image-amd64 depends on (Debian 12 sources?)"
	deb=$(newest_deb)
	[ -n "$deb" ] || download || die "cannot download $pkg"
fi
pkgdir=$kdir/pkg
if [ ! -e "$pkgdir/.from-$(basename "$deb")" ]; then
	rm -rf -- "$pkgdir"
	dpkg-deb -x "$deb" "$pkgdir" || die "cannot unpack $deb"
	touch "$pkgdir/.from-$(basename "$deb")"
fi
kver=${pkg#linux-image-}
vmlinuz=$pkgdir/boot/vmlinuz-$kver
moddir=$pkgdir/lib/modules/$kver
[ -r "$vmlinuz" ] || die "$vmlinuz missing in $deb"
for opt in BPF_SYSCALL BPF_JIT DEBUG_INFO_BTF XDP_SOCKETS DEVTMPFS \
	SERIAL_8250_CONSOLE RD_GZIP; do
	grep -q "^CONFIG_$opt=y" "$pkgdir/boot/config-$kver" ||
		die "$kver: CONFIG_$opt is not built in"
done

# --- 2. the initramfs ---------------------------------------------------------
stage=$(mktemp -d "${TMPDIR:-/tmp}/xdpdns-initramfs.XXXXXX")
mkdir -p "$stage"/usr/{bin,sbin,lib,lib64} "$stage"/{proc,sys,dev,tmp,run} \
	"$stage/etc/ktest" "$stage/xdpdns/build/tests"
for d in bin sbin lib lib64; do
	ln -s "usr/$d" "$stage/$d"
done

# put FILE [DEST]: copy FILE (symlinks followed) to the same path, or DEST.
put() {
	local dest=$stage${2:-$1}
	mkdir -p "$(dirname "$dest")"
	cp -L "$1" "$dest"
}
# put_elf FILE [DEST]: put FILE and every shared library ldd finds for it.
put_elf() {
	local lib
	put "$@" || return 1
	for lib in $(ldd "$1" 2>/dev/null |
		sed -n -e 's/.*=> \(\/[^ ]*\) (.*/\1/p' -e 's/^\s*\(\/[^ ]*\) (.*/\1/p'); do
		[ -e "$stage$lib" ] || put "$lib" || return 1
	done
}

put_elf "$(command -v busybox)" /bin/busybox || die "cannot copy busybox"
for t in bpftool ethtool; do
	put_elf "$(command -v "$t")" "/usr/sbin/$t" || die "cannot copy $t"
done
put_elf "$(readlink -f "$(command -v ip)")" /usr/sbin/ip || die "cannot copy ip"
for f in xdpdnsd xdpdnsctl tests/bpf_runner tests/prog_insns; do
	put_elf "$build/$f" "/xdpdns/build/$f" || die "cannot copy $f"
done
for o in "$build"/*.bpf.o; do
	put "$o" "/xdpdns/build/$(basename "$o")"
done
# libxdp loads its multi-program dispatcher from an object file.
libxdp=$(ldd "$build/xdpdnsd" |
	sed -n 's/.*libxdp\.so[^ ]* => \([^ ]*\) .*/\1/p')
o=$(dirname "$libxdp")/bpf/xdp-dispatcher.o
[ -e "$o" ] || die "no libxdp dispatcher object next to $libxdp"
put "$o"
put "$here/init" /init
chmod 755 "$stage/init"
put "$here/root.hints" /etc/ktest/root.hints
put "$here/unbound.conf" /etc/ktest/unbound.conf

# Modules the Debian config has as =m, with what they depend on, in load
# order; built-in ones need nothing.
loadlist=()
add_module() { # NAME DEPTH
	local name=${1//-/_} depth=$2 ko dep
	[ "$depth" -lt 16 ] || die "module dependencies of $1 too deep"
	ko=$(cd "$moddir" && grep -E "/${name//_/[-_]}\.ko$" modules.order | head -n 1)
	if [ -z "$ko" ]; then
		grep -qE "/${name//_/[-_]}\.ko$" "$moddir/modules.builtin" && return 0
		die "$kver has no module $1"
	fi
	for dep in $(modinfo -F depends "$moddir/$ko" | tr ',' ' '); do
		add_module "$dep" $((depth + 1))
	done
	for dep in "${loadlist[@]}"; do
		[ "$dep" = "/lib/modules/$kver/$ko" ] && return 0
	done
	put "$moddir/$ko" "/lib/modules/$kver/$ko"
	loadlist+=("/lib/modules/$kver/$ko")
}
for m in $modules; do
	add_module "$m" 0
done
printf '%s\n' "${loadlist[@]}" >"$stage/etc/ktest/modules"

initrd=$kdir/initramfs.cpio.gz
if ! (cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) |
	gzip -1 >"$initrd.tmp"; then
	die "cannot build $initrd"
fi
mv "$initrd.tmp" "$initrd"
rm -rf -- "$stage"
stage=

# --- 3. boot ------------------------------------------------------------------
log=$kdir/serial.log

# boot ACCEL: runs the VM under qemu/ACCEL until it powers off or the time
# limit; qemu writes the console to a file that tail shows as it grows.
# With KVM, a guest that has not reached the init after KVM_BOOT_WAIT s is
# stopped and boot returns 125: some hosts (nested virtualisation) offer a
# /dev/kvm that opens but never runs a guest. Sets qrc and limit.
boot() {
	local accel=$1 qopts mult deflimit wait i
	case $accel in
	kvm) qopts=(-accel kvm -cpu "host,-arch-capabilities") mult=2 deflimit=300 ;;
	tcg) qopts=(-accel tcg -cpu max) mult=20 deflimit=600 ;;
	*) die "KERNEL_TEST_ACCEL=$accel: kvm or tcg" ;;
	esac
	limit=${KERNEL_TEST_TIMEOUT:-$deflimit}
	local cmdline="console=ttyS0 panic=-1 oops=panic loglevel=4"
	cmdline+=" ktest.accel=$accel ktest.ck_timeout_multiplier=$mult"
	cmdline+=" ktest.suite_timeout=$((limit * 2 / 3))"
	echo "test-kernel: booting $pkg ($(basename "$deb")) under" \
		"qemu/$accel, initramfs $(($(stat -c %s "$initrd") / 1048576))" \
		"MiB, limit ${limit}s"
	: >"$log.raw"
	timeout -k 10 "$limit" qemu-system-x86_64 "${qopts[@]}" -m 2G -smp 2 \
		-nographic -no-reboot -nic none -monitor none -serial stdio \
		-kernel "$vmlinuz" -initrd "$initrd" -append "$cmdline" \
		</dev/null >"$log.raw" 2>&1 &
	qpid=$!
	tail -n +1 --pid="$qpid" -f "$log.raw" &
	tpid=$!
	wait=0
	[ "$accel" = kvm ] && wait=${KVM_BOOT_WAIT:-20}
	for ((i = 0; i < wait; i++)); do
		grep -q 'ktest: init started' "$log.raw" && break
		kill -0 "$qpid" 2>/dev/null || break
		sleep 1
	done
	if [ "$wait" -gt 0 ] && [ "$i" -ge "$wait" ]; then
		kill -TERM "$qpid" 2>/dev/null
		wait "$qpid"
		wait "$tpid"
		qpid=''
		tpid=
		echo
		echo "test-kernel: no init after ${wait}s under KVM: trying TCG"
		qrc=125
		return 125
	fi
	wait "$qpid"
	qrc=$?
	qpid=
	wait "$tpid"
	tpid=
	return 0
}

accel=${KERNEL_TEST_ACCEL:-}
if [ -z "$accel" ]; then
	accel=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
		echo q | timeout 20 qemu-system-x86_64 -accel kvm -M none \
			-nodefaults -display none -monitor stdio >/dev/null 2>&1; then
		accel=kvm
	fi
	if [ "$accel" = kvm ] && ! boot kvm; then
		accel=tcg
	fi
	[ "$accel" = tcg ] && boot tcg
else
	boot "$accel"
fi
tr -d '\r' <"$log.raw" >"$log"
rm -f -- "$log.raw"
done_seen=$(grep -c '^ktest: done' "$log")

# --- 4. results ---------------------------------------------------------------
passed=$(grep -c '^ktest: PASS ' "$log")
failed=$(grep -c '^ktest: FAIL ' "$log")
line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' \
	"$log" | tail -n 1)
if [ -n "$line" ]; then
	read -r _ _ n _ f _ e <<<"${line//,/}"
	passed=$((passed + n - f - e))
	failed=$((failed + f + e))
fi
broken=
if ! grep -q '^ktest: init started' "$log"; then
	broken="the kernel did not boot to the init"
elif [ "$done_seen" -eq 0 ]; then
	[ "$qrc" = 124 ] && why="timed out after ${limit}s" ||
		why="qemu exit $qrc: crash or panic?"
	broken="the VM stopped before 'ktest: done' ($why)"
fi
echo "=== kernel: $kver ($(basename "$deb" .deb)), qemu/$accel," \
	"$((SECONDS - start)) s${broken:+, BROKEN: $broken}"
grep '^insns: ' "$log" | sed 's/^insns: /    /'
grep -E '^ktest: FAIL |^[^ :]+:[0-9]+:[FE]:' "$log"
if [ -n "$broken" ]; then
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
