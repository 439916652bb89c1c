#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs every test suite in order, adds up their checks and exits non-zero if
# any suite failed. The BPF and netns suites need root and a kernel with BPF;
# as root they never skip. The last line is the grand total,
# "N passed, N failed".
set -u
build=${1:-build}
cd "$(dirname "$0")/.." || exit 1
failed=()
total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Adds the counts a suite printed: Check's "Checks: N, Failures: F,
# Errors: E" and the netns/fuzz/browser "N passed, N failed" summary. A
# netns run prints per-script lines and then its own total: only the total
# (the last such line) counts.
count() {
	local line n f e
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
		f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
		e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
		total_pass=$((total_pass + n - f - e))
		total_fail=$((total_fail + f + e))
		return
	fi
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		n=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
		f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
		total_pass=$((total_pass + n))
		total_fail=$((total_fail + f))
	fi
}

run() {
	local name=$1
	shift
	echo "=== $name"
	if "$@" 2>&1 | tee "$log"; [ "${PIPESTATUS[0]}" -eq 0 ]; then
		echo "=== $name: ok"
	else
		echo "=== $name: FAILED"
		failed+=("$name")
		# A suite that died without a summary still counts as a failure.
		grep -qE 'Checks: [0-9]+|[0-9]+ passed, [0-9]+ failed' "$log" ||
			total_fail=$((total_fail + 1))
	fi
	count
}

[ -x "$build/tests/unit_runner" ] && run unit "$build/tests/unit_runner"
[ -x "$build/tests/bpf_runner" ] && run bpf "$build/tests/bpf_runner" "$build"
[ -x "$build/tests/fuzz_xdp" ] && run fuzz "$build/tests/fuzz_xdp" "$build"
[ -x tests/pkg/test_files.sh ] && run pkg tests/pkg/test_files.sh "$build"
[ -x tests/netns/run.sh ] && run netns tests/netns/run.sh "$build"
[ -x tests/browser/test_dashboard.sh ] &&
	run browser tests/browser/test_dashboard.sh "$build"

echo
if [ ${#failed[@]} -gt 0 ]; then
	echo "FAILED suites: ${failed[*]}"
else
	echo "all suites passed"
fi
echo "$total_pass passed, $total_fail failed"
[ ${#failed[@]} -eq 0 ]
