/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's server-cookie secrets (RFC 7873, RFC 9018) and its check of
 * the queries that reach it. One set of secrets serves both paths: the
 * daemon checks with it in memory and writes it to the xdpdns_cookie map,
 * where the XDP program checks with the same secrets (bpf/cookie.bpf.h).
 *
 * Where the secret comes from, in this order:
 * - --cookie-secret-file: read at start (a bad file stops the start, exit
 *   2) and on SIGHUP (a bad file then keeps the running secrets); the
 *   operator rotates by writing the new secret first and the old one on
 *   the second line, on every node of an anycast group.
 * - the map, when it already holds secrets: a daemon the monitor restarts,
 *   or one adopting XDP left attached, keeps the cookies clients hold.
 * - a random secret, replaced every --cookie-rotate seconds, the previous
 *   one still accepted until the next rotation.
 */
#ifndef XDPDNS_COOKIES_H
#define XDPDNS_COOKIES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "lib/daemon_stats.h"
#include "lib/dnsmsg.h"
#include "maps/xdpdns.h"

struct cookies {
	struct xdpdns_cookie_keys keys; /* nsecrets 0: cookies off */
	bool from_file; /* keys.secret came from --cookie-secret-file */
	uint32_t rotate_s; /* --cookie-rotate; random secrets only */
	uint64_t changed_ns; /* CLOCK_MONOTONIC of the last change */
	int64_t written_offset_ns; /* keys.unix_offset_ns in the map */
	int map_fd; /* xdpdns_cookie, or -1 (--no-xdp) */
	struct daemon_stats *stats;
	/* The UDP threads check cookies while the loop's thread reloads or
	 * rotates the secrets (--threads). */
	pthread_rwlock_t lock;
};

/*
 * cookies_init() - the secrets for @cfg into @c, and into the map @map_fd
 * (-1: none). @err: one line for a --cookie-secret-file that cannot be
 * used. Return: 0, -EINVAL (the file) or -errno.
 */
int cookies_init(struct cookies *c, const struct config *cfg, int map_fd,
		 struct daemon_stats *stats, uint64_t now_ns, char *err,
		 size_t errlen);

/*
 * cookies_reload() - SIGHUP: @cfg's secrets (the file read again, or
 * cookies turned on or off). On an error the running secrets stay and
 * @err says why. Return: 0 or -errno.
 */
int cookies_reload(struct cookies *c, const struct config *cfg, uint64_t now_ns,
		   char *err, size_t errlen);

/*
 * cookies_tick() - once a second: a random secret rotated when due, and
 * the map's Unix-time offset kept within 100 ms of the clock (a step of
 * CLOCK_REALTIME moves it).
 */
void cookies_tick(struct cookies *c, uint64_t now_ns);

/*
 * cookies_check() - the verdict on @q's COOKIE option from @peer, with the
 * reply cookie set in @q (dnsmsg_query.reply_cookie) and counted in
 * @stats (the calling thread's). Any thread; the others above only the
 * loop's. Return: enum xdpdns_cookie_verdict (NONE with cookies off).
 */
int cookies_check(struct cookies *c, struct dnsmsg_query *q,
		  const struct sockaddr *peer, struct daemon_stats *stats);

/* The lock's end; after the last check. */
void cookies_destroy(struct cookies *c);

#endif /* XDPDNS_COOKIES_H */
