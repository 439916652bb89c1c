#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Checks of an `xdpdnsctl hotset export` for test_hotset.sh.

  hotsetq.py check EXPORT HOT TOP   one "word value" line per check:
      listed N of M   hot names (HOT: "name TYPE" lines) in the export
      positive B      every hot name has hits > 0
      ordered B       hits never increase down the list
      top B           the first len(TOP) rows are exactly TOP's names
      format B        every row is "NAME TYPE HITS"
  hotsetq.py jsoncount FILE         entries of a --format json export
"""
import json
import sys


def names(path):
    with open(path) as f:
        return {tuple(line.split()[:2]) for line in f if line.strip()}


def check(export, hot_path, top_path):
    with open(export) as f:
        rows = [line.split() for line in f if not line.startswith("#")]
    hot, top = names(hot_path), names(top_path)
    got = {(r[0], r[1]): int(r[2]) for r in rows if len(r) >= 3}
    hits = [int(r[2]) for r in rows if len(r) >= 3]
    print("listed", len(hot & set(got)), "of", len(hot))
    print("positive", all(got.get(k, 0) > 0 for k in hot))
    print("ordered", hits == sorted(hits, reverse=True))
    print("top", {(r[0], r[1]) for r in rows[:len(top)]} == top)
    print("format", all(len(r) == 3 for r in rows))


def main(argv):
    if len(argv) == 5 and argv[1] == "check":
        check(argv[2], argv[3], argv[4])
    elif len(argv) == 3 and argv[1] == "jsoncount":
        with open(argv[2]) as f:
            print(len(json.load(f)["entries"]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
