/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Internals shared by xdpdnsctl's commands: the pin directory, how a map is
 * opened (with the one-line "is xdpdnsd running?" error), the exit codes,
 * and one entry point per command. Everything reads the pinned maps, so the
 * tool works while the daemon is down.
 */
#ifndef XDPDNS_XDPDNSCTL_H
#define XDPDNS_XDPDNSCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "lib/observe.h"

/* Exit codes: 0 success, 1 the operation failed, 2 bad usage. */
#define CTL_EXIT_OK 0
#define CTL_EXIT_FAIL 1
#define CTL_EXIT_USAGE 2

struct ctl {
	const char *pin_dir;
};

/* One line to stderr, "xdpdnsctl: ...". */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Bad usage: one line naming the problem and where help is; returns 2. */
int ctl_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The usage error for getopt's '?': names the option it choked on. */
int ctl_bad_option(char **argv, int optind);

/*
 * Opens the pinned map @name; on failure prints the cause (e.g. "no xdpdns
 * maps under DIR: is xdpdnsd running?") and returns -errno.
 */
int ctl_open(const struct ctl *ctl, const char *name);

/* Opens every map observe needs; missing ones are -1. Return: 0 or -errno
 * when not even the stats map is there (the error has been printed). */
int ctl_open_all(const struct ctl *ctl, struct xdpmaps_fds *fds);
void ctl_close_all(struct xdpmaps_fds *fds);

struct cachemap;
/*
 * The XDP cache of the pins, for reading and for deletes without a
 * daemon: every map opened into @fds (ctl_close_all() them after
 * cachemap_close()). Return: NULL after printing why.
 */
struct cachemap *ctl_cache_open(const struct ctl *ctl, struct xdpmaps_fds *fds);

/* Prints @doc on stdout (indented), with a trailing newline. */
int ctl_print_json(json_t *doc);

/* Parses a positive count for -n; return -1 when @s is not one. */
long ctl_parse_count(const char *s, long max);

/*
 * Record type from the command line: a mnemonic libldns knows, any case
 * ("aaaa", "HTTPS"), or RFC 3597 "TYPE123". Return: 1..65535, or -1 when
 * @s is not a type (TYPE0 included).
 */
int ctl_parse_type(const char *s);

/* @type as libldns presents it: its mnemonic, else "TYPE123". */
void ctl_type_text(uint16_t type, char *buf, size_t cap);

/* Wall-clock seconds of a BPF-clock timestamp. */
double ctl_wall_of_mono(uint64_t ts_ns);

/* --help: usage, then one line per command from the command table. */
void ctl_help_print(FILE *f);

/* xdpdnsctl(8) in man(7) roff from the same table; @date for the footer. */
void ctl_write_man(FILE *f, const char *date, const char *version);

int cmd_stats(struct ctl *ctl, int argc, char **argv);
int cmd_top(struct ctl *ctl, int argc, char **argv);
int cmd_limited(struct ctl *ctl, int argc, char **argv);
int cmd_cache(struct ctl *ctl, int argc, char **argv);
int cmd_tail(struct ctl *ctl, int argc, char **argv);
int cmd_dump(struct ctl *ctl, int argc, char **argv);
int cmd_report(struct ctl *ctl, int argc, char **argv);
int cmd_health(struct ctl *ctl, int argc, char **argv);
int cmd_announce(struct ctl *ctl, int argc, char **argv);

/* The verdict of `xdpdnsctl health` into @line (HEALTH_LINE_MAX). Return:
 * 0 healthy, 1 not. */
int ctl_health_verdict(const struct ctl *ctl, char *line, size_t cap);
int cmd_hotset(struct ctl *ctl, int argc, char **argv);

#endif /* XDPDNS_XDPDNSCTL_H */
