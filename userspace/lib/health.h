/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Whether a node should be given queries: the one verdict behind
 * `xdpdnsctl health` (from the pins) and the daemon's /health endpoint
 * (from its own memory), so that a load balancer, an anycast health agent
 * and an operator at the console see the same thing. Healthy means: the
 * maps are there, the program the daemon attached is still the one on its
 * interface, the daemon's loop ticked within HEALTH_HEARTBEAT_MAX_NS, and
 * recursion is not failing (HEALTH_FAIL_STREAK failures in a row with no
 * good answer for HEALTH_RECURSION_GRACE_NS). A daemon nobody asks is
 * healthy: only failures count against it.
 */
#ifndef XDPDNS_HEALTH_H
#define XDPDNS_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"
#include "maps/xdpdns.h"

#define HEALTH_HEARTBEAT_MAX_NS (3 * NSEC_PER_SEC)
#define HEALTH_FAIL_STREAK 5
#define HEALTH_RECURSION_GRACE_NS (10 * NSEC_PER_SEC)
#define HEALTH_LINE_MAX 384

struct health_input {
	bool have_status; /* false: the maps (or the status) are missing */
	struct xdpdns_status st;
	uint64_t now_ns; /* CLOCK_MONOTONIC */
	bool check_xdp; /* false with --no-xdp */
	uint32_t attached_id; /* program on st.ifindex now; 0: none */
	const char *ifname; /* st.ifindex's name, for the line; may be NULL */
	/* From the pins only: whether the pin directory's flock() (held by
	 * every running xdpdnsd, see loader.c) was probed, and found free.
	 * A free lock says at once that no xdpdnsd runs, where the heartbeat
	 * takes HEALTH_HEARTBEAT_MAX_NS to go stale. */
	bool lock_probed;
	bool lock_free;
};

/**
 * health_eval() - the verdict and one line saying why ("healthy: ..." or
 * "unhealthy: ...", no newline).
 * @line: HEALTH_LINE_MAX bytes.
 * Return: 0 healthy, 1 unhealthy.
 */
int health_eval(const struct health_input *in, char *line, size_t cap);

/* Copies @src into @dst with a relaxed load per field (@src is being
 * written by another thread). */
void health_status_load(struct xdpdns_status *dst,
			const struct xdpdns_status *src);

#endif /* XDPDNS_HEALTH_H */
