// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsctl health: exit 0 or 1 with one line, for load balancers, the
 * anycast health agent and people. The verdict is lib/health.h's, from the
 * pins alone: the daemon's pulse in xdpdns_status, the program the
 * interface carries now (asked in this network namespace), the other maps.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
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

int cmd_health(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	struct health_input in = { .check_xdp = true };
	char line[HEALTH_LINE_MAX], ifname[IF_NAMESIZE];
	__u32 zero = 0;
	int c, fd, bad;

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
	for (size_t i = 0; i < sizeof(health_maps) / sizeof(health_maps[0]);
	     i++) {
		fd = xdpmaps_open(ctl->pin_dir, health_maps[i], NULL, 0);
		if (fd < 0) {
			printf("unhealthy: map %s missing under %s\n",
			       health_maps[i], ctl->pin_dir);
			return CTL_EXIT_FAIL;
		}
		close(fd);
	}
	fd = xdpmaps_open(ctl->pin_dir, XDPDNS_MAP_STATUS, NULL, 0);
	if (fd >= 0 && !bpf_map_lookup_elem(fd, &zero, &in.st))
		in.have_status = true;
	if (fd >= 0)
		close(fd);
	in.now_ns = util_mono_ns();
	if (in.have_status && in.st.ifindex) {
		if (bpf_xdp_query_id((int)in.st.ifindex, 0, &in.attached_id))
			in.attached_id = 0;
		in.ifname = if_indextoname(in.st.ifindex, ifname);
	}
	bad = health_eval(&in, line, sizeof(line));
	printf("%s\n", line);
	return bad ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
