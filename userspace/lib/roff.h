/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The few roff writers the man page generators share (man(7) macros), so
 * xdpdnsd(8) and xdpdnsctl(8) are built from the same tables as --help
 * with the same escaping: minus signs, backslashes and a leading dot or
 * quote are never taken for roff requests, and option names keep their
 * ASCII hyphens when rendered.
 */
#ifndef XDPDNS_ROFF_H
#define XDPDNS_ROFF_H

#include <stdbool.h>
#include <stdio.h>

/*
 * roff_text() - @s as running text. @join turns line breaks into spaces
 * (help strings wrapped for --help); without it they stay, and a line that
 * would start with '.' or '\'' is protected.
 */
void roff_text(FILE *f, const char *s, bool join);

/*
 * roff_raw() - roff that already holds its requests (".SH", ".TP", font
 * escapes): only a '-' that is not part of an escape becomes "\-".
 */
void roff_raw(FILE *f, const char *s);

/*
 * roff_usage() - a usage string ("top names [-n N] [--json]") with the
 * man(7) conventions: options and literal words bold, upper-case
 * placeholders italic, brackets, bars and ellipses roman.
 */
void roff_usage(FILE *f, const char *s);

/* roff_header() - .TH and the settings every page starts with. */
void roff_header(FILE *f, const char *title, const char *date,
		 const char *version);

#endif /* XDPDNS_ROFF_H */
