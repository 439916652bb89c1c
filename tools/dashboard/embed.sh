#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Turns tools/dashboard/index.html into userspace/dashboard.inc, the C array
# userspace/metrics.c serves at /, so xdpdnsd needs no files at run time.
# Run it after editing the page and commit both; the unit suite fails when
# they differ. Usage: tools/dashboard/embed.sh [INDEX_HTML [OUTPUT]]
set -euo pipefail
cd "$(dirname "$0")/../.."
in=${1:-tools/dashboard/index.html}
out=${2:-userspace/dashboard.inc}
tmp=$(mktemp "${out}.XXXXXX")
trap 'rm -f "$tmp"' EXIT
{
	echo '/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */'
	echo "/* Generated from $in by tools/dashboard/embed.sh: do not edit. */"
	echo '/* clang-format off */'
	echo 'static const unsigned char dashboard_html[] = {'
	xxd -i <"$in"
	echo '};'
	echo '/* clang-format on */'
} >"$tmp"
mv "$tmp" "$out"
trap - EXIT
