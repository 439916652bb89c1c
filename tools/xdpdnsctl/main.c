// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsctl: the operator's view of xdpdns from the pinned maps alone, so it
 * answers while xdpdnsd is down or restarting. This file holds the command
 * line (global --pin-dir, dispatch) and the helpers every command uses;
 * the command list for --help and the man page is in help.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "lib/cachemap.h"
#include "lib/util.h"
#include "lib/xdpmaps.h"
#include "xdpdnsctl.h"

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("xdpdnsctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ctl_usage_err(const char *fmt, ...)
{
	va_list ap;

	fputs("xdpdnsctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see xdpdnsctl --help)\n", stderr);
	return CTL_EXIT_USAGE;
}

int ctl_bad_option(char **argv, int ind)
{
	const char *opt = ind > 0 ? argv[ind - 1] : "?";

	return ctl_usage_err("%s: bad option or missing value near '%s'",
			     argv[0], opt);
}

int ctl_open(const struct ctl *ctl, const char *name)
{
	char err[XDPMAPS_ERR_MAX] = "";
	int fd;

	fd = xdpmaps_open(ctl->pin_dir, name, err, sizeof(err));
	if (fd < 0)
		ctl_err("%s", err[0] ? err : strerror(-fd));
	return fd;
}

int ctl_open_all(const struct ctl *ctl, struct xdpmaps_fds *fds)
{
	char err[XDPMAPS_ERR_MAX] = "";
	int ret;

	ret = xdpmaps_fds_open(ctl->pin_dir, XDPDNS_MAP_STATS, fds, err,
			       sizeof(err));
	if (ret)
		ctl_err("%s", err[0] ? err : strerror(-ret));
	return ret;
}

struct cachemap *ctl_cache_open(const struct ctl *ctl, struct xdpmaps_fds *fds)
{
	char err[XDPMAPS_ERR_MAX] = "";
	struct xdpdns_hash_key hkey = { 0 };
	int slot_fds[XDPDNS_SLOT_CLASSES];
	struct cachemap *cm;
	int ret;

	ret = xdpmaps_fds_open(ctl->pin_dir, XDPDNS_MAP_CACHE, fds, err,
			       sizeof(err));
	if (ret) {
		ctl_err("%s", err[0] ? err : strerror(-ret));
		return NULL;
	}
	/* Lookups hash the name with the map set's key. */
	ret = fds->config < 0 ? -ENOENT : xdpmaps_hash_key(fds->config, &hkey);
	if (ret) {
		ctl_err("cannot read %s/%s: %s", ctl->pin_dir,
			XDPDNS_MAP_CONFIG, strerror(-ret));
		goto fail;
	}
	/* The slot fds stay -1 when absent: cachemap_open() says which. */
	slot_fds[0] = fds->slot0;
	slot_fds[1] = fds->slot1;
	slot_fds[2] = fds->slot2;
	slot_fds[3] = fds->slot3;
	ret = cachemap_open(fds->cache, slot_fds, &hkey, 0, util_mono_ns(), &cm,
			    err, sizeof(err));
	if (ret) {
		ctl_err("%s/%s: %s", ctl->pin_dir, XDPDNS_MAP_CACHE, err);
		goto fail;
	}
	return cm;
fail:
	xdpmaps_fds_close(fds);
	return NULL;
}

void ctl_close_all(struct xdpmaps_fds *fds)
{
	xdpmaps_fds_close(fds);
}

int ctl_print_json(json_t *doc)
{
	if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2)) ||
	    fputc('\n', stdout) == EOF) {
		ctl_err("cannot write JSON: %s", strerror(errno ? errno : EIO));
		return CTL_EXIT_FAIL;
	}
	return CTL_EXIT_OK;
}

long ctl_parse_count(const char *s, long max)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > max)
		return -1;
	return v;
}

int ctl_parse_type(const char *s)
{
	ldns_rr_type t;

	/* libldns reads the digits of "TYPE123" with atoi(), which would take
	 * "TYPE1x" for 1 and "TYPE-1" for -1: they are checked here. */
	if (!strncasecmp(s, "TYPE", 4) && s[4])
		return (int)ctl_parse_count(s + 4, 65535);
	t = ldns_get_rr_type_by_name(s);
	return t ? (int)t : -1;
}

void ctl_type_text(uint16_t type, char *buf, size_t cap)
{
	char *s = ldns_rr_type2str(type);

	snprintf(buf, cap, "%s", s ? s : "?");
	free(s);
}

double ctl_wall_of_mono(uint64_t ts_ns)
{
	struct timespec rt;
	uint64_t now = util_mono_ns();
	double wall;

	clock_gettime(CLOCK_REALTIME, &rt);
	wall = (double)rt.tv_sec + (double)rt.tv_nsec / 1e9;
	if (ts_ns >= now)
		return wall;
	return wall - (double)(now - ts_ns) / 1e9;
}

static const struct {
	const char *name;
	int (*fn)(struct ctl *ctl, int argc, char **argv);
} ctl_cmds[] = {
	{ "stats", cmd_stats },	      { "top", cmd_top },
	{ "limited", cmd_limited },   { "cache", cmd_cache },
	{ "tail", cmd_tail },	      { "dump", cmd_dump },
	{ "report", cmd_report },     { "health", cmd_health },
	{ "announce", cmd_announce }, { "hotset", cmd_hotset },
};

/*
 * Takes --pin-dir out of @argv wherever it stands before "--", so both
 * "xdpdnsctl --pin-dir D stats" and "xdpdnsctl stats --pin-dir D" work.
 * Return: 0, or 2 on a missing argument.
 */
static int ctl_take_pin_dir(struct ctl *ctl, int *argc, char **argv)
{
	int out = 1;

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (!strcmp(a, "--pin-dir")) {
			if (i + 1 >= *argc || !argv[i + 1][0])
				return ctl_usage_err(
					"--pin-dir needs a directory");
			ctl->pin_dir = argv[++i];
			continue;
		}
		if (!strncmp(a, "--pin-dir=", 10)) {
			if (!a[10])
				return ctl_usage_err(
					"--pin-dir needs a directory");
			ctl->pin_dir = a + 10;
			continue;
		}
		argv[out++] = argv[i];
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl ctl = { .pin_dir = XDPDNS_PIN_DIR_DEFAULT };
	int ret;

	ret = ctl_take_pin_dir(&ctl, &argc, argv);
	if (ret)
		return ret;
	if (argc < 2)
		return ctl_usage_err("no command given");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		ctl_help_print(stdout);
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++) {
		if (strcmp(argv[1], ctl_cmds[i].name))
			continue;
		optind = 0; /* glibc: full reset for the command's getopt */
		opterr = 0; /* ctl_bad_option() says it in one line */
		return ctl_cmds[i].fn(&ctl, argc - 1, argv + 1);
	}
	if (argv[1][0] == '-')
		return ctl_usage_err("unknown option '%s'", argv[1]);
	return ctl_usage_err("unknown command '%s'", argv[1]);
}
