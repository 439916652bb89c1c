#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs the network-namespace suite: check_hierarchy.sh first (the offline DNS
# hierarchy every other test stands on), then every test_*.sh in name order,
# each under a time limit. Adds up the "N passed, N failed[, N skipped]"
# lines and exits non-zero when any check failed or a script did not end
# with such a line (crash, timeout). Usage: run.sh [BUILD_DIR] [TEST...]
# BUILD_DIR (default build) is exported to the tests as XDPDNS_BUILD.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
case $build in
/*) ;;
*) build=$root/$build ;;
esac
export XDPDNS_BUILD=$build
limit=${NETNS_TEST_TIMEOUT:-600}

if [ $# -gt 0 ]; then
	tests=("$@")
else
	tests=("$here/check_hierarchy.sh")
	for t in "$here"/test_*.sh; do
		[ -e "$t" ] && tests+=("$t")
	done
fi

passed=0
failed=0
skipped=0
broken=()
for t in "${tests[@]}"; do
	case $t in
	*/*) ;;
	*) t=$here/$t ;;
	esac
	name=$(basename "$t")
	echo "--- $name"
	log=$(mktemp "${TMPDIR:-/tmp}/xdpdns-run.XXXXXX")
	start=$SECONDS
	timeout -k 20 "$limit" bash "$t" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' \
		"$log" | tail -n 1)
	rm -f -- "$log"
	if [ -z "$line" ]; then
		[ "$rc" = 124 ] && why="timed out after ${limit}s" ||
			why="exit $rc, no summary line"
		echo "--- $name: BROKEN ($why)"
		broken+=("$name")
		continue
	fi
	read -r p _ f _ s _ <<<"${line//,/}"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "--- $name: BROKEN (exit $rc after '$line')"
		broken+=("$name")
		continue
	fi
	echo "--- $name: $line ($((SECONDS - start)) s)"
done

echo "=== netns: ${#tests[@]} scripts${broken:+, broken: ${broken[*]}}"
summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary+=", $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
