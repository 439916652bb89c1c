/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's query pipeline: a client query from listen.c is checked
 * (format, ACL), answered from the daemon's answer cache when it holds a
 * fresh entry, else joined to or started as a resolution, and when
 * libunbound is done every waiting client gets its answer. Cacheable
 * answers are written to the XDP cache and the answer cache first and each
 * client's bytes are then rendered from that entry with
 * cache_entry_render(), exactly as XDP would send them; everything else is
 * encoded by answer.c.
 */
#ifndef XDPDNS_QUERY_H
#define XDPDNS_QUERY_H

#include "acl.h"
#include "anscache.h"
#include "config.h"
#include "dlimit.h"
#include "lib/daemon_stats.h"
#include "listen.h"
#include "refresh.h"
#include "resolver.h"

struct query_ctx {
	const struct config *cfg; /* current; swapped on reload */
	const struct acl *acl; /* current; swapped on reload */
	struct listener *ls;
	struct resolver *res;
	struct refresh *rf; /* NULL without XDP */
	struct anscache *ac; /* the daemon's own copy of the entries */
	struct dlimit *dl; /* limits for TCP and --no-xdp; NULL: none */
	struct cachemap *cm; /* the XDP cache; NULL without XDP */
	struct cookies *cookies; /* server-cookie secrets; NULL: none */
	struct daemon_stats *stats; /* this thread's */
	struct xdpdns_status *status; /* resolve_ok_ns, fail_streak, ... */
	/*
	 * A UDP thread's context (workers.h): what needs the loop's thread
	 * goes here, and res, rf and status are NULL. NULL: the loop's.
	 */
	struct relay *relay;
	uint8_t out[65536]; /* response scratch: one context per thread */
	struct xdpdns_cache_entry entry; /* entry scratch, same reason */
};

/* listen_query_fn: one query from a client, on any thread. */
void query_on_client(void *arg, const uint8_t *msg, size_t len,
		     const struct listen_client *client);

struct relay;
struct relay_item;

/*
 * A UDP thread's context in @dst from the loop's @main: the shared parts
 * (configuration, ACL, answer cache, limits, cookies) by pointer; its own
 * listener @ls, counters @stats and @relay to the loop's thread; no
 * resolver, refresher or status.
 */
void query_ctx_thread(struct query_ctx *dst, const struct query_ctx *main,
		      struct listener *ls, struct relay *relay,
		      struct daemon_stats *stats);

/* On the loop's thread: everything the UDP threads relayed. */
void query_relay_drain(struct query_ctx *ctx, struct relay *relay);

/* relay_destroy()'s free_item for what query_on_client() relays. */
void query_relay_free(struct relay_item *it);

/*
 * resolver_slow_fn: a resolution past --serve-stale-client-timeout; its
 * waiters that an expired entry may answer get the stale answer now.
 */
void query_on_slow(void *arg, const struct resolver_key *key,
		   struct resolver_waiter *waiters);

/* listen_accept_fn: the ACL, for TCP clients at accept. */
bool query_tcp_allowed(void *arg, const struct sockaddr *peer);

/* resolver_done_fn: answers every waiter of a finished resolution. */
void query_on_done(void *arg, struct resolution *res);

/*
 * refresh_fn: re-resolves a hot cache key (counted as prefetch). Also
 * started for an answer-cache hit in the last tenth of the entry's TTL.
 */
int query_refresh(void *arg, const struct xdpdns_cache_key *key);

#endif /* XDPDNS_QUERY_H */
