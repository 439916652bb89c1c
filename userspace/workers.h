/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * --threads N: N - 1 UDP threads beside the loop's own. Each has its own
 * epoll loop, its listener's UDP sockets (one per address, in the address's
 * SO_REUSEPORT group, listen_worker()), its own query context with its own
 * scratch buffers and counters, and answers what needs no resolution:
 * answer-cache hits, errors, refusals and limits. Misses, write-backs to the
 * XDP cache and prefetches go to the loop's thread through the relay
 * (relay.h), which owns libunbound, the XDP cache's writer and the
 * refresher; its answers go out on the socket the query came in on.
 *
 * Settings change under the threads only while they are parked
 * (workers_pause()): SIGHUP's new configuration and ACL are swapped in
 * between workers_pause() and workers_resume().
 */
#ifndef XDPDNS_WORKERS_H
#define XDPDNS_WORKERS_H

#include "lib/daemon_stats.h"
#include "listen.h"
#include "query.h"

struct workers;

/*
 * workers_start() - one thread for each worker listener of @ls, with a copy
 * of @main (its shared parts: configuration, ACL, answer cache, limits,
 * cookies) whose misses go to @relay. Threads start with the signals the
 * caller blocks blocked. Return: 0 or -errno (logged); NULL *@out with no
 * worker listeners.
 */
int workers_start(struct listener *ls, const struct query_ctx *main,
		  struct relay *relay, const struct config *cfg,
		  struct workers **out);

/* How many threads run, and the counters of the @i-th. */
unsigned int workers_count(const struct workers *ws);
const struct daemon_stats *workers_stats(const struct workers *ws,
					 unsigned int i);

/* Parks every thread between two batches, and lets them go. NULL: none. */
void workers_pause(struct workers *ws);
void workers_resume(struct workers *ws);

/* Stops and joins the threads and frees their contexts. NULL: nothing. */
void workers_stop(struct workers *ws);

#endif /* XDPDNS_WORKERS_H */
