/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Keeps hot cache entries hot. A small index of the keys the daemon wrote
 * (seeded from the map at start, so a warm restart keeps refreshing) with
 * each entry's expiry and XDP hit count at the last look. Once a second the
 * index is walked: an entry whose hit counter moved and that is in the last
 * tenth of its TTL (at least REFRESH_WINDOW_MIN_S) is re-resolved and so
 * rewritten before it expires; an entry gone from the map (LRU eviction)
 * leaves the index.
 */
#ifndef XDPDNS_REFRESH_H
#define XDPDNS_REFRESH_H

#include <stdbool.h>
#include <stdint.h>

#include "maps/xdpdns.h"

/* Shortest refresh window: two ticks, so one look always lands in it. */
#define REFRESH_WINDOW_MIN_S 2
/*
 * Entries far from expiry are looked at (for eviction and hits) every
 * REFRESH_SPREAD ticks only, spread evenly, to keep a full cache cheap.
 */
#define REFRESH_SPREAD 8

struct refresh;

/* Starts the re-resolution of @key. Return: 0 started, else not. */
typedef int (*refresh_fn)(void *arg, const struct xdpdns_cache_key *key);

/*
 * How the index reads an entry of the cache map: xdpmaps_cache_lookup() on
 * the map refresh_create() was given, unless replaced.
 * Return: 0, -ENOENT (no entry for @key), or -errno.
 */
typedef int (*refresh_lookup_fn)(void *arg, const struct xdpdns_cache_key *key,
				 struct xdpdns_cache_entry *entry);

struct cachemap;

/* An index for the XDP cache @cm (NULL: refresh_set_lookup() must give
 * one) of @capacity entries. Return: 0/-errno. */
int refresh_create(struct cachemap *cm, uint32_t capacity,
		   struct refresh **out);

/* Adds every entry the map already holds. Return: entries seen. */
int refresh_seed(struct refresh *rf);

/* Records a write of @key (new or rewritten). */
void refresh_note(struct refresh *rf, const struct xdpdns_cache_key *key,
		  const struct xdpdns_cache_entry *entry);

/*
 * Forgets every key @match says yes to (NULL: every key), so a purged name
 * is not re-resolved for an entry that is no longer there. Return: keys
 * forgotten.
 */
uint32_t refresh_purge(struct refresh *rf,
		       bool (*match)(void *arg,
				     const struct xdpdns_cache_key *key),
		       void *arg);

/* One walk at @now_ns. Return: refreshes started. */
unsigned int refresh_tick(struct refresh *rf, uint64_t now_ns, refresh_fn fn,
			  void *arg);

/*
 * Reads entries through @fn instead of the map. For the unit tests, which
 * have no BPF map without root; the daemon never calls it.
 */
void refresh_set_lookup(struct refresh *rf, refresh_lookup_fn fn, void *arg);

void refresh_destroy(struct refresh *rf);

#endif /* XDPDNS_REFRESH_H */
