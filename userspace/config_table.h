/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The option table behind config.c, for config.c and the tests that check
 * the table against what it generates (--help, the man page, the example
 * file). Nothing else in the daemon needs it: use config.h.
 */
#ifndef XDPDNS_CONFIG_TABLE_H
#define XDPDNS_CONFIG_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum opt_kind {
	OPT_FLAG, /* no argument; bool */
	OPT_STR, /* char * */
	OPT_LIST, /* repeatable; struct config_list */
	OPT_UINT, /* uint32_t within [min, max] */
	OPT_ENUM, /* uint32_t index into names[] */
	OPT_SPECIAL, /* --help, --version, --config: handled by the parser */
};

/* Checks one string value; fills @why (no option name) on failure. */
typedef int (*opt_check_fn)(const char *val, char *why, size_t cap);

struct opt_def {
	const char *name;
	int short_name; /* 0: long only */
	enum opt_kind kind;
	size_t off; /* field in struct config */
	uint32_t min, max; /* OPT_UINT */
	const char *const *names; /* OPT_ENUM, NULL-terminated */
	opt_check_fn check; /* OPT_STR, OPT_LIST */
	const char *metavar;
	const char *help;
	const char *def; /* default as --help shows it, NULL: none */
	uint32_t dflt; /* OPT_UINT value, OPT_ENUM index: config_defaults() */
	bool restart; /* SIGHUP keeps the running value: needs a restart */
};

/* The table, in the order of --help. */
extern const struct opt_def config_opt_table[];
extern const size_t config_opt_count;

/*
 * The default of @o as a libconfig value in @buf ("53", "\"native\"",
 * "false"), or false when --help gives it in words ("built in").
 */
bool config_opt_default_value(const struct opt_def *o, char *buf, size_t cap);

#endif /* XDPDNS_CONFIG_TABLE_H */
