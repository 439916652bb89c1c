#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs every test suite in order and exits non-zero if any failed. The BPF and
# netns suites need root and a kernel with BPF; as root they never skip.
set -u
build=${1:-build}
cd "$(dirname "$0")/.." || exit 1
failed=()

run() {
	local name=$1
	shift
	echo "=== $name"
	if "$@"; then
		echo "=== $name: ok"
	else
		echo "=== $name: FAILED"
		failed+=("$name")
	fi
}

[ -x "$build/tests/unit_runner" ] && run unit "$build/tests/unit_runner"
[ -x "$build/tests/bpf_runner" ] && run bpf "$build/tests/bpf_runner" "$build"
[ -x "$build/tests/fuzz_xdp" ] && run fuzz "$build/tests/fuzz_xdp" "$build"
[ -x tests/netns/run.sh ] && run netns tests/netns/run.sh "$build"
[ -x tests/browser/test_dashboard.sh ] && run browser tests/browser/test_dashboard.sh "$build"

if [ ${#failed[@]} -gt 0 ]; then
	echo "FAILED suites: ${failed[*]}"
	exit 1
fi
echo "all suites passed"
