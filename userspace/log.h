/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdpdnsd's logging: one line per message to stderr (with a level tag) or to
 * syslog (daemon facility), filtered by --log-level. libbpf's and libxdp's
 * own messages are routed through here so they obey the same level.
 */
#ifndef XDPDNS_LOG_H
#define XDPDNS_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Starts logging as @ident; @use_syslog sends lines to syslog instead. */
void log_init(const char *ident, bool use_syslog, enum log_level level);

void log_set_level(enum log_level level);

bool log_enabled(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Routes libbpf and libxdp diagnostics through log_msg(). */
void log_hook_libs(void);

void log_close(void);

#define log_err(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)                                       \
	do {                                                 \
		if (log_enabled(LOG_LVL_DEBUG))              \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)

#endif /* XDPDNS_LOG_H */
