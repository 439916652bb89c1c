#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Every C source and header git tracks is as clang-format (the repository's
# .clang-format, kernel style) would write it: one check per file, and for
# a file that is not, the first lines clang-format would change.
# Prints FAIL lines and "N passed, N failed".
# Usage: check_format.sh
set -u
cd "$(dirname "$0")/../.." || exit 1
command -v clang-format >/dev/null ||
	{ echo "check_format: no clang-format: run make deps" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null)
[ ${#files[@]} -gt 0 ] ||
	{ echo "check_format: no tracked C files (not a git checkout?)" >&2; exit 1; }
pass=0
fail=0
for f in "${files[@]}"; do
	if out=$(clang-format --dry-run -Werror "$f" 2>&1); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $f is not clang-formatted (make format):"
		printf '%s\n' "$out" | head -n 6 | sed 's/^/    /'
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
