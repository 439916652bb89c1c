#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs the libFuzzer targets of tests/fuzz (built by make as
# BUILD/fuzz/fuzz_NAME, sanitized with ASan and UBSan).
#
#   run.sh [BUILD]                smoke: per target, every input of
#                                 tests/fuzz/corpus/NAME and
#                                 tests/fuzz/crashes/NAME replayed (one
#                                 check), then FUZZ_SMOKE_RUNS mutations
#                                 with seed 1 (one check, at most
#                                 FUZZ_SMOKE_SECONDS, default 4 s)
#   run.sh --seconds N [BUILD]    make fuzz: each target N seconds from its
#                                 corpus; new inputs go to BUILD/fuzz/corpus/
#                                 NAME, findings to BUILD/fuzz/crashes/
#
# A finding (crash, sanitizer report, failed FUZZ_ASSERT, leak, timeout)
# fails its check; its log is printed. Last line: "N passed, N failed,
# N skipped", as tests/run-all.sh counts it.
set -u
seconds=
if [ "${1:-}" = --seconds ]; then
	seconds=$2
	shift 2
fi
build=${1:-build}
cd "$(dirname "$0")/../.." || exit 1
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
smoke_runs=${FUZZ_SMOKE_RUNS:-200000}
smoke_secs=${FUZZ_SMOKE_SECONDS:-4}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # NAME DESCRIPTION LOG COMMAND...
	local name=$1 what=$2 log=$3
	shift 3
	if "$@" >"$log" 2>&1; then
		echo "PASS: $name: $what"
		pass=$((pass + 1))
	else
		echo "FAIL: $name: $what"
		grep -vE '^(#[0-9]+|INFO:|Running:|Executed)' "$log" | tail -n 40
		fail=$((fail + 1))
	fi
}

targets=$(cd tests/fuzz && ls fuzz_*.c | sed -e 's/^fuzz_//' -e 's/\.c$//')
for t in $targets; do
	bin=$build/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "FAIL: $t: $bin is missing (run make first)"
		fail=$((fail + 1))
		continue
	fi
	dirs=()
	for d in tests/fuzz/corpus/$t tests/fuzz/crashes/$t; do
		[ -d "$d" ] && dirs+=("$d")
	done
	if [ -n "$seconds" ]; then
		mkdir -p "$build/fuzz/corpus/$t" "$build/fuzz/crashes"
		check "$t" "$seconds s of mutation" "$build/fuzz/$t.log" \
			"$bin" -max_total_time="$seconds" -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$build/fuzz/crashes/$t-" \
			"$build/fuzz/corpus/$t" "${dirs[@]}"
		grep -h '^stat::number_of_executed_units' "$build/fuzz/$t.log" |
			sed "s/^/  $t: /"
		continue
	fi
	files=()
	[ ${#dirs[@]} -gt 0 ] && mapfile -t files < <(find "${dirs[@]}" -type f | sort)
	if [ ${#files[@]} -eq 0 ]; then
		echo "FAIL: $t: no corpus in tests/fuzz/corpus/$t"
		fail=$((fail + 1))
		continue
	fi
	check "$t" "${#files[@]} corpus and reproducer inputs replayed" \
		"$tmp/$t.replay" "$bin" -timeout=10 "${files[@]}"
	mkdir -p "$tmp/$t"
	check "$t" "$smoke_runs mutations with seed 1 (at most $smoke_secs s)" \
		"$tmp/$t.mutate" "$bin" -seed=1 -runs="$smoke_runs" \
		-max_total_time="$smoke_secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$tmp/$t-" "$tmp/$t" "${dirs[@]}"
done
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
