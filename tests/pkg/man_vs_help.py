#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Checks a rendered man page (the text `man -l PAGE` prints) against the
--help output of its program, so a page that misses something the program
offers fails a test.

  man_vs_help.py options HELP RENDERED   xdpdnsd: every option line of
      --help ("-c, --config FILE", "--xdp-mode native|skb") must be a tag
      of the OPTIONS section, and its "(default: X)" must be in the tag's
      paragraph;
  man_vs_help.py commands HELP RENDERED  xdpdnsctl: every command line of
      --help ("top names [-n N] [--json]") must be a tag of the COMMANDS
      section, and every --option named anywhere in --help must be in the
      page.

Both also want the sections NAME, SYNOPSIS, DESCRIPTION, OPTIONS, SIGNALS,
FILES, EXIT STATUS and SEE ALSO. Prints one line per missing item and a
last line "checked N items, M missing"; exits 1 when anything is missing.
"""
import re
import sys

SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SIGNALS",
            "FILES", "EXIT STATUS", "SEE ALSO"]


def squeeze(s):
    return " ".join(s.split())


def sections(rendered):
    """{TITLE: [lines]} of the page; titles start in column 0."""
    out, cur = {}, None
    for line in rendered.splitlines():
        if re.match(r"^[A-Z][A-Z ]+$", line):
            cur = line.strip()
            out[cur] = []
        elif cur:
            out[cur].append(line)
    return out


def paragraphs(lines):
    """[(first line, paragraph)] of a section: man(7) .TP as man-db renders
    it puts a tag at column 7 and its paragraph below, indented more; a tag
    shorter than the indent ("health", "0") shares its line with the first
    words of the paragraph."""
    items = []
    for line in lines:
        m = re.match(r"^ {7}(\S.*)$", line)
        if m:
            items.append([m.group(1).rstrip(), ""])
        elif items and line.strip():
            items[-1][1] += " " + line.strip()
    return items


def find_tag(items, tag):
    """The paragraph of the item whose first line is TAG, or starts with it
    followed by a space (the paragraph's first words); None if none is."""
    for first, para in items:
        if first == tag or first.startswith(tag + " "):
            return squeeze(first[len(tag):] + " " + para)
    return None


def help_options(help_text):
    """[(tag, default)] of xdpdnsd --help, tag as "-c, --config FILE"."""
    opts = []
    for line in help_text.splitlines():
        m = re.match(r"^  ((?:-\w, )?--[a-z0-9][a-z0-9-]*(?: \S+)?)", line)
        if not m:
            m = re.match(r"^      (--[a-z0-9][a-z0-9-]*(?: \S+)?)", line)
        if m:
            opts.append([m.group(1), None])
            continue
        d = re.match(r"^\s+\(default: (.*)\)$", line)
        if d and opts:
            opts[-1][1] = d.group(1)
    return opts


def help_commands(help_text):
    """Command usages of xdpdnsctl --help ("cache get NAME [TYPE] ...")."""
    cmds = []
    for line in help_text.splitlines():
        m = re.match(r"^  ([a-z]\S*(?: \S+)*?)(?: {2,}\S.*)?$", line)
        if m:
            cmds.append(m.group(1))
    return cmds


def main(mode, help_file, rendered_file):
    help_text = open(help_file).read()
    rendered = open(rendered_file).read()
    secs = sections(rendered)
    missing, n = [], 0
    for s in SECTIONS:
        n += 1
        if s not in secs:
            missing.append("section " + s)
    if mode == "options":
        items = paragraphs(secs.get("OPTIONS", []))
        for tag, default in help_options(help_text):
            n += 1
            para = find_tag(items, tag)
            if para is None:
                missing.append("option " + tag)
            elif default and "(default: %s)" % default not in para:
                missing.append("default of %s (%s)" % (tag, default))
    elif mode == "commands":
        items = paragraphs(secs.get("COMMANDS", []))
        for cmd in help_commands(help_text):
            n += 1
            if find_tag(items, cmd) is None:
                missing.append("command " + cmd)
        page = squeeze(rendered)
        for opt in sorted(set(re.findall(r"--[a-z][a-z0-9-]*", help_text))):
            n += 1
            if not re.search(re.escape(opt) + r"(?![a-z0-9-])", page):
                missing.append("option " + opt)
    else:
        print("usage: man_vs_help.py options|commands HELP RENDERED",
              file=sys.stderr)
        return 2
    for m in missing:
        print("missing from the man page:", m)
    print("checked %d items, %d missing" % (n, len(missing)))
    return 1 if missing else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
