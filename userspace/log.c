// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Logging for xdpdnsd: stderr or syslog, one level threshold that SIGHUP can
 * change. Library chatter (libbpf, libxdp) is folded in: their warnings at
 * our warn level, their info and debug output only at debug.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

static enum log_level log_threshold = LOG_LVL_INFO;
static bool log_to_syslog;
static const char *log_ident = "xdpdnsd";

void log_init(const char *ident, bool use_syslog, enum log_level level)
{
	log_ident = ident;
	log_threshold = level;
	log_to_syslog = use_syslog;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

bool log_enabled(enum log_level level)
{
	return level <= log_threshold;
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error", "warning", "info",
					   "debug" };
	char line[1024];
	size_t n;

	if (!log_enabled(level))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* Library messages carry their own newline; ours never do. */
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (log_to_syslog)
		syslog(prio[level], "%s", line);
	else
		fprintf(stderr, "%s: %s: %s\n", log_ident, tag[level], line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static int log_libbpf(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	log_vmsg(level == LIBBPF_WARN ? LOG_LVL_WARN : LOG_LVL_DEBUG, fmt, ap);
	return 0;
}

static int log_libxdp(enum libxdp_print_level level, const char *fmt,
		      va_list ap)
{
	log_vmsg(level == LIBXDP_WARN ? LOG_LVL_WARN : LOG_LVL_DEBUG, fmt, ap);
	return 0;
}

void log_hook_libs(void)
{
	libbpf_set_print(log_libbpf);
	libxdp_set_print(log_libxdp);
}

void log_close(void)
{
	if (log_to_syslog)
		closelog();
}
