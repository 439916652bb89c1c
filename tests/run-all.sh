#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs every test suite in order, adds up their checks and exits non-zero if
# any suite failed. The BPF and netns suites need root and a kernel with BPF;
# as root they never skip. A suite whose program is missing is a failure, not
# a suite that passed by not running. Skips are counted and listed; with
# CI=true (as .ci/run sets) a skip fails the run unless a line of
# tests/skips-allowed (an extended regular expression) matches it. The last
# line is the grand total, "N passed, N failed, N skipped".
set -u
build=${1:-build}
cd "$(dirname "$0")/.." || exit 1
failed=()
skips=()
total_pass=0
total_fail=0
total_skip=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Adds the counts a suite printed: Check's "Checks: N, Failures: F,
# Errors: E" and the netns/fuzz/browser "N passed, N failed[, N skipped]"
# summary. A netns run prints per-script lines and then its own total: only
# the total (the last such line) counts. Every "SKIP: ..." line is kept.
count() {
	local line n f e s
	while IFS= read -r line; do
		skips+=("$1: ${line#SKIP: }")
	done < <(grep -E '^SKIP: ' "$log")
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
		read -r n _ f _ s _ <<<"${line//,/}"
		total_pass=$((total_pass + n))
		total_fail=$((total_fail + f))
		total_skip=$((total_skip + ${s:-0}))
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
	count "$name"
}

# suite NAME PROGRAM [ARGS...]: run it, or fail the run when it is missing.
suite() {
	local name=$1
	if [ ! -x "$2" ]; then
		echo "=== $name: MISSING ($2 is not there: run make first)"
		failed+=("$name")
		total_fail=$((total_fail + 1))
		return
	fi
	run "$@"
}

suite format tests/style/check_format.sh
suite unit "$build/tests/unit_runner"
suite bpf "$build/tests/bpf_runner" "$build"
suite fuzz "$build/tests/fuzz_xdp" "$build"
suite torn "$build/tests/torn_xdp" "$build"
suite torn-noq "$build/tests/torn_xdp" --no-quarantine "$build"
suite fuzz-smoke tests/fuzz/run.sh "$build"
suite pkg tests/pkg/test_files.sh "$build"
suite netns tests/netns/run.sh "$build"
# The daemon suites again on one thread (the default above is one per CPU).
XD_THREADS=1 suite netns-1thread tests/netns/run.sh "$build" \
	test_daemon.sh test_burst.sh
suite browser tests/browser/test_dashboard.sh "$build"

echo
if [ ${#skips[@]} -gt 0 ]; then
	echo "skipped:"
	printf '  %s\n' "${skips[@]}"
	if [ "${CI:-}" = true ]; then
		allowed=$(grep -vE '^\s*(#|$)' tests/skips-allowed 2>/dev/null)
		for s in "${skips[@]}"; do
			if [ -z "$allowed" ] || ! grep -qE -f <(echo "$allowed") <<<"$s"; then
				echo "CI: skip not in tests/skips-allowed: $s"
				failed+=("skip")
			fi
		done
	fi
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo "FAILED suites: ${failed[*]}"
else
	echo "all suites passed"
fi
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ ${#failed[@]} -eq 0 ]
