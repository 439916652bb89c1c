/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Dropping root once the sockets are bound and the program attached.
 *
 * xdpdnsd splits in two when it drops privileges: a root monitor that only
 * waits (forwarding signals, and detaching XDP and removing the pidfile
 * when the daemon ends) and the daemon proper, which runs as --user with
 * exactly one capability left:
 *
 *   CAP_BPF  bpf() on the map fds it already holds (cache writes, ACL and
 *            config updates on SIGHUP, stats for the metrics thread). On
 *            Linux 6.1-6.4 with kernel.unprivileged_bpf_disabled set (the
 *            Debian default) every bpf() command needs it; from 6.5 on,
 *            commands on fds already open need none, so it is harmless.
 *
 * Not kept: CAP_NET_BIND_SERVICE (port 53 is bound before), CAP_NET_ADMIN,
 * CAP_SYS_ADMIN and DAC overrides. Detaching through libxdp needs all of
 * those (netlink, BPF_PROG_GET_FD_BY_ID for the dispatcher, the root-only
 * lock and pins under /sys/fs/bpf/xdp), which is why detaching stays with
 * the root monitor instead of the process that parses network input.
 */
#ifndef XDPDNS_PRIVS_H
#define XDPDNS_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

struct privs_user {
	bool drop; /* false: stay root (--user "" or no user to drop to) */
	uid_t uid;
	gid_t gid;
	char name[64];
};

/*
 * The user --user names (default: xdpdns, else nobody, when one exists).
 * @err: CONFIG_ERR_MAX bytes. Return: 0, or -ENOENT for an unknown user.
 */
int privs_lookup(const struct config *cfg, struct privs_user *u, char *err,
		 size_t errlen);

/*
 * Becomes @u in this process, keeping CAP_BPF when @keep_bpf. Must run
 * before any thread starts. Return: 0 or -errno (logged).
 */
int privs_drop(const struct privs_user *u, bool keep_bpf);

#endif /* XDPDNS_PRIVS_H */
