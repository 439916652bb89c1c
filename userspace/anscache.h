/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's own answer cache: the entries it builds for the XDP map
 * (struct xdpdns_cache_entry under the same key: lower-cased qname, qtype,
 * qclass, DO, CD), kept in its memory so that a query for a name it has
 * answered before is rendered with cache_entry_render() in the event loop,
 * with no round trip through libunbound's worker thread. Without XDP that
 * is every repeated query; with XDP it is what the program passes up for a
 * cached name (TCP, frames that cannot grow, clients it does not see).
 *
 * Bounded: at most @capacity entries, the least recently used evicted
 * first, stale ones dropped when looked up. An entry takes only the bytes
 * of data[] it uses (a few hundred bytes for common answers), allocated as
 * it comes.
 *
 * Shared by the daemon's threads (--threads): every call but create and
 * destroy, and every use of an item a lookup returned, happens between
 * anscache_lock() and anscache_unlock(). One lock, not shards: a hit holds
 * it for a lookup and a render, well under a microsecond, and the
 * recvmmsg()/sendmmsg() work the threads exist for happens outside it.
 */
#ifndef XDPDNS_ANSCACHE_H
#define XDPDNS_ANSCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "maps/xdpdns.h"

struct anscache;

/* What a lookup finds; valid until the next store or destroy. */
struct anscache_item {
	/* Only data[0..data_len) is stored: never copy it by sizeof. */
	const struct xdpdns_cache_entry *entry;
	uint64_t synced_ns; /* last write of this entry to the XDP map */
	uint64_t prefetch_ns; /* last prefetch a UDP thread asked for */
};

/* An empty cache of at most @capacity entries. Return: 0 or -ENOMEM. */
int anscache_create(uint32_t capacity, struct anscache **out);

/* The cache's lock; not recursive. */
void anscache_lock(struct anscache *c);
void anscache_unlock(struct anscache *c);

/**
 * anscache_lookup() - the entry for @key if it is fresh at @now_ns.
 * A hit becomes the most recently used; a stale entry is dropped.
 *
 * Return: the item, or NULL.
 */
struct anscache_item *anscache_lookup(struct anscache *c,
				      const struct xdpdns_cache_key *key,
				      uint64_t now_ns);

/*
 * anscache_lookup() that also returns an entry expired less than
 * @stale_ns ago, with *@stale set (serve-stale keeps those; an entry
 * expired longer ago is dropped). Return: the item, or NULL.
 */
struct anscache_item *anscache_lookup_stale(struct anscache *c,
					    const struct xdpdns_cache_key *key,
					    uint64_t now_ns, uint64_t stale_ns,
					    bool *stale);

/**
 * anscache_store() - adds @entry under @key, replacing what was there.
 * @now_ns: when the entry was also written to the XDP map (synced_ns).
 *
 * Return: 0, -EINVAL (entry fails the sanity checks), -ENOMEM.
 */
int anscache_store(struct anscache *c, const struct xdpdns_cache_key *key,
		   const struct xdpdns_cache_entry *entry, uint64_t now_ns);

/*
 * The whole entry of @it in @out (data[] zero after data_len): what a map
 * update, which copies sizeof(*out) bytes, needs.
 */
void anscache_entry_copy(const struct anscache_item *it,
			 struct xdpdns_cache_entry *out);

/**
 * anscache_purge() - drops every entry @match says yes to.
 * @match: called with each key (NULL: every entry goes).
 *
 * O(entries): for an operator's purge, not the query path.
 * Return: entries dropped.
 */
uint32_t anscache_purge(struct anscache *c,
			bool (*match)(void *arg,
				      const struct xdpdns_cache_key *key),
			void *arg);

/* Entries held (stale ones not yet looked up included). */
uint32_t anscache_count(const struct anscache *c);

void anscache_destroy(struct anscache *c);

#endif /* XDPDNS_ANSCACHE_H */
