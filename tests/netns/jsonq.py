#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""jq-less JSON reading and assertions for the netns scripts.

  jsonq.py get FILE PATH...     print each PATH's value on one line, space
                                separated; PATH is dotted keys and list
                                indexes (xdp_outcomes.hit, top_names.0.name)
  jsonq.py check [--lines] EXPR FILE...
                                exit 0 when the Python expression EXPR is
                                true; d is the first document, docs all of
                                them; with --lines each FILE is JSON lines
                                (one object a line, as xdpdnsctl tail --json
                                writes), read as the list of its objects
  jsonq.py cached FILE NAMES    exit 0 when every "name TYPE" line of NAMES
                                has an entry without DO/CD flags in FILE
                                (xdpdnsctl cache list --json)
FILE "-" is standard input. Exit 1 for a false check, a missing name or a
missing PATH (with the reason on stderr), 2 for bad usage.
"""
import json
import sys


def load(path, lines=False):
    if path == "-":
        text = sys.stdin.read()
    else:
        with open(path) as f:
            text = f.read()
    if lines:
        return [json.loads(line) for line in text.splitlines() if line]
    return json.loads(text)


def lookup(doc, path):
    for part in path.split("."):
        if isinstance(doc, list):
            doc = doc[int(part)]
        else:
            doc = doc[part]
    return doc


def cmd_get(path, *keys):
    d = load(path)
    vals = []
    for k in keys:
        try:
            v = lookup(d, k)
        except (KeyError, IndexError, ValueError, TypeError):
            print("jsonq: no %s in %s" % (k, path), file=sys.stderr)
            return 1
        vals.append(json.dumps(v) if isinstance(v, (dict, list)) else str(v))
    print(" ".join(vals))
    return 0


def cmd_check(expr, *paths):
    lines = expr == "--lines"
    if lines:
        expr, paths = paths[0], paths[1:]
    docs = [load(p, lines) for p in paths]
    ok = eval(expr, {"d": docs[0], "docs": docs})  # the test's own text
    if not ok:
        print("  assertion failed: " + expr, file=sys.stderr)
        for p, d in zip(paths, docs):
            print("  %s: %s" % (p, json.dumps(d)[:600]), file=sys.stderr)
    return 0 if ok else 1


def cmd_cached(path, names):
    have = {(e["name"].lower(), e["type"]) for e in load(path)
            if e["flags"] == ""}
    with open(names) as f:
        want = [tuple(line.split()[:2]) for line in f if line.strip()]
    missing = [w for w in want if (w[0].lower(), w[1]) not in have]
    if missing:
        print("jsonq: %d of %d not cached, e.g. %s" %
              (len(missing), len(want), " ".join(missing[0])),
              file=sys.stderr)
    return 1 if missing or not want else 0


def main(argv):
    cmds = {"get": cmd_get, "check": cmd_check, "cached": cmd_cached}
    if (len(argv) < 4 or argv[1] not in cmds or
            (argv[1] == "cached" and len(argv) != 4) or
            (argv[1] == "check" and argv[2] == "--lines" and len(argv) < 5)):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return cmds[argv[1]](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
