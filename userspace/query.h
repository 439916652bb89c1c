/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's query pipeline: a client query from listen.c is checked
 * (format, ACL), joined to or started as a resolution, and when libunbound
 * is done every waiting client gets its answer. Cacheable answers are
 * written to the XDP cache first and each client's bytes are then rendered
 * from that entry with cache_entry_render(), exactly as XDP would send them;
 * everything else is encoded by answer.c.
 */
#ifndef XDPDNS_QUERY_H
#define XDPDNS_QUERY_H

#include "acl.h"
#include "config.h"
#include "daemon_stats.h"
#include "listen.h"
#include "refresh.h"
#include "resolver.h"

struct query_ctx {
	const struct config *cfg; /* current; swapped on reload */
	const struct acl *acl; /* current; swapped on reload */
	struct listener *ls;
	struct resolver *res;
	struct refresh *rf; /* NULL without XDP */
	int cache_fd; /* -1 without XDP */
	struct daemon_stats *stats;
	uint8_t out[65536]; /* response scratch: the loop is single-threaded */
};

/* listen_query_fn: one query from a client. */
void query_on_client(void *arg, const uint8_t *msg, size_t len,
		     const struct listen_client *client);

/* resolver_done_fn: answers every waiter of a finished resolution. */
void query_on_done(void *arg, struct resolution *res);

/* refresh_fn: re-resolves a hot cache key (counted as prefetch). */
int query_refresh(void *arg, const struct xdpdns_cache_key *key);

#endif /* XDPDNS_QUERY_H */
