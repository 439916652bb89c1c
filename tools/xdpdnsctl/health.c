// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsctl health: exit 0 or 1 with one line, for load balancers, the
 * anycast health agent and people. The verdict is lib/health.h's, from the
 * pins alone: the daemon's pulse in xdpdns_status, the program the
 * interface carries now (asked in this network namespace), the other maps.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/health.h"
#include "lib/util.h"
#include "lib/xdpmaps.h"
#include "xdpdnsctl.h"

/* Maps the XDP path cannot work without, besides the status. */
static const char *const health_maps[] = { XDPDNS_MAP_CACHE, XDPDNS_MAP_STATS,
					   XDPDNS_MAP_CONFIG, XDPDNS_MAP_SVC };

/* Whether an xdpdnsd holds @dir's flock() (loader.c): a shared lock is
 * refused while one runs. */
static void ctl_probe_lock(const char *dir, struct health_input *in)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (!flock(fd, LOCK_SH | LOCK_NB)) {
		in->lock_probed = in->lock_free = true;
	} else if (errno == EWOULDBLOCK) {
		in->lock_probed = true;
	}
	close(fd); /* drops the lock if it was taken */
}

int ctl_health_verdict(const struct ctl *ctl, char *line, size_t cap)
{
	struct health_input in = { .check_xdp = true };
	char ifname[IF_NAMESIZE];
	__u32 zero = 0;
	int fd;

	for (size_t i = 0; i < sizeof(health_maps) / sizeof(health_maps[0]);
	     i++) {
		fd = xdpmaps_open(ctl->pin_dir, health_maps[i], NULL, 0);
		if (fd < 0) {
			snprintf(line, cap,
				 "unhealthy: map %s missing under %s",
				 health_maps[i], ctl->pin_dir);
			return 1;
		}
		close(fd);
	}
	fd = xdpmaps_open(ctl->pin_dir, XDPDNS_MAP_STATUS, NULL, 0);
	if (fd >= 0 && !bpf_map_lookup_elem(fd, &zero, &in.st))
		in.have_status = true;
	if (fd >= 0)
		close(fd);
	ctl_probe_lock(ctl->pin_dir, &in);
	in.now_ns = util_mono_ns();
	if (in.have_status && in.st.ifindex) {
		if (bpf_xdp_query_id((int)in.st.ifindex, 0, &in.attached_id))
			in.attached_id = 0;
		in.ifname = if_indextoname(in.st.ifindex, ifname);
	}
	return health_eval(&in, line, cap);
}

int cmd_health(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	char line[HEALTH_LINE_MAX];
	int c, bad;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			puts("usage: xdpdnsctl health\n"
			     "Exit 0 and \"healthy: ...\" when the XDP program is attached, the\n"
			     "daemon alive, the maps present and recursion answering; else exit 1\n"
			     "and \"unhealthy: ...\" naming what is wrong.");
			return CTL_EXIT_OK;
		}
		return ctl_bad_option(argv, optind);
	}
	if (optind < argc)
		return ctl_usage_err("health: unexpected argument '%s'",
				     argv[optind]);
	bad = ctl_health_verdict(ctl, line, sizeof(line));
	printf("%s\n", line);
	return bad ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
