#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Installs the Debian 12 packages xdpdns needs to build, test, bench and demo.
# Idempotent and quick when nothing is missing: only absent packages are
# fetched, and the package lists are refreshed only when something is.
set -euo pipefail

pkgs=(
	# build
	make gcc clang llvm pkg-config bpftool libbpf-dev libxdp-dev xdp-tools
	libclang-rt-14-dev # libFuzzer and the sanitizers of clang 14 (make fuzz)
	libelf-dev zlib1g-dev linux-libc-dev libunbound-dev libconfig-dev
	libmicrohttpd-dev libjansson-dev libcap-ng-dev libsystemd-dev libldns-dev
	libfstrm-dev libprotobuf-c-dev protobuf-c-compiler # --dnstap
	# tests
	clang-format # tests/style/check_format.sh (make format)
	check libsubunit-dev iproute2 ethtool nsd unbound
	knot-dnsutils dnsutils ldnsutils procps python3 curl prometheus chromium
	dnstap-ldns fstrm-bin # test_dnstap.sh reads the log back
	# benchmarks
	dnsperf
	# the anycast testbed (test_anycast.sh, make demo-anycast): bgpd, zebra, vtysh
	frr
	# packaging: make deb, man pages, the unit check, the package test
	debhelper dpkg-dev man-db groff-base systemd adduser
	# make test-kernel: boot Debian 12's kernel under qemu
	qemu-system-x86 busybox-static cpio kmod
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run make deps as root)" >&2
	exit 2
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The tests run their own nsd, unbound and prometheus; keep the packages'
# init scripts from starting system-wide copies (policy-rc.d, 101 = deny).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod +x "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
exit 0
