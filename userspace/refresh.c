// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The refresher's index: a dense array walked every tick plus a chained
 * hash over the cache keys to find an item when the daemon rewrites it.
 * Items are swap-removed from the array, so a walk is O(entries) and every
 * operation else O(1).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "lib/cachemap.h"
#include "refresh.h"

struct ritem {
	struct xdpdns_cache_key key;
	struct ritem *hnext;
	uint32_t hash;
	uint32_t pos; /* index in rf->items */
	uint64_t expire_ns;
	uint64_t hits; /* XDP hit counter at the last look */
	uint32_t ttl;
};

struct refresh {
	struct cachemap *cm; /* NULL: a unit test's table only */
	uint32_t capacity;
	struct ritem **items;
	uint32_t n;
	struct ritem **buckets;
	uint32_t nbuckets;
	uint64_t ticks;
	refresh_lookup_fn lookup; /* the map, or a unit test's table */
	void *lookup_arg;
	struct xdpdns_cache_entry scratch;
};

static uint32_t rkey_hash(const struct xdpdns_cache_key *k)
{
	return util_qkey_hash(k->qname,
			      strnlen((const char *)k->qname, sizeof(k->qname)),
			      k->qtype, k->qclass, k->flags);
}

static int rf_map_lookup(void *arg, const struct xdpdns_cache_key *key,
			 struct xdpdns_cache_entry *entry)
{
	const struct refresh *rf = arg;

	return cachemap_lookup(rf->cm, key, entry);
}

int refresh_create(struct cachemap *cm, uint32_t capacity, struct refresh **out)
{
	struct refresh *rf;

	*out = NULL;
	rf = calloc(1, sizeof(*rf));
	if (!rf)
		return -ENOMEM;
	rf->cm = cm;
	rf->capacity = capacity;
	rf->lookup = rf_map_lookup;
	rf->lookup_arg = rf;
	rf->nbuckets = 1024;
	while (rf->nbuckets < capacity)
		rf->nbuckets <<= 1;
	rf->buckets = calloc(rf->nbuckets, sizeof(*rf->buckets));
	rf->items = calloc(capacity, sizeof(*rf->items));
	if (!rf->buckets || !rf->items) {
		refresh_destroy(rf);
		return -ENOMEM;
	}
	*out = rf;
	return 0;
}

static struct ritem *rf_find(struct refresh *rf,
			     const struct xdpdns_cache_key *key, uint32_t h)
{
	struct ritem *it = rf->buckets[h & (rf->nbuckets - 1)];

	for (; it; it = it->hnext)
		if (it->hash == h && !memcmp(&it->key, key, sizeof(*key)))
			return it;
	return NULL;
}

static void rf_remove(struct refresh *rf, struct ritem *it)
{
	struct ritem **pp = &rf->buckets[it->hash & (rf->nbuckets - 1)];

	while (*pp && *pp != it)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = it->hnext;
	rf->items[it->pos] = rf->items[--rf->n];
	rf->items[it->pos]->pos = it->pos;
	free(it);
}

static void rf_set(struct refresh *rf, const struct xdpdns_cache_key *key,
		   const struct xdpdns_cache_entry *e)
{
	uint32_t h = rkey_hash(key);
	struct ritem *it = rf_find(rf, key, h);

	if (!it) {
		/* More keys than the map holds: some were evicted, unseen. */
		if (rf->n >= rf->capacity)
			return;
		it = calloc(1, sizeof(*it));
		if (!it)
			return;
		it->key = *key;
		it->hash = h;
		it->pos = rf->n;
		rf->items[rf->n++] = it;
		it->hnext = rf->buckets[h & (rf->nbuckets - 1)];
		rf->buckets[h & (rf->nbuckets - 1)] = it;
	}
	it->expire_ns = e->expire_ns;
	it->ttl = e->ttl;
	it->hits = e->hits;
}

void refresh_note(struct refresh *rf, const struct xdpdns_cache_key *key,
		  const struct xdpdns_cache_entry *entry)
{
	rf_set(rf, key, entry);
}

struct rf_seed {
	struct refresh *rf;
	int seen;
};

static int rf_seed_one(void *arg, const struct xdpdns_cache_key *key,
		       const struct xdpdns_cache_entry *e)
{
	struct rf_seed *sd = arg;

	/* Bounded: the index never holds more than its capacity. */
	if (sd->seen >= (int)sd->rf->capacity)
		return 1;
	rf_set(sd->rf, key, e);
	sd->seen++;
	return 0;
}

int refresh_seed(struct refresh *rf)
{
	struct rf_seed sd = { .rf = rf };

	if (rf->cm)
		cachemap_walk(rf->cm, rf_seed_one, &sd);
	return sd.seen;
}

uint32_t refresh_purge(struct refresh *rf,
		       bool (*match)(void *arg,
				     const struct xdpdns_cache_key *key),
		       void *arg)
{
	uint32_t forgotten = 0;

	/* rf_remove() moves the last item into the hole: look again. */
	for (uint32_t i = 0; i < rf->n;) {
		if (match && !match(arg, &rf->items[i]->key)) {
			i++;
			continue;
		}
		rf_remove(rf, rf->items[i]);
		forgotten++;
	}
	return forgotten;
}

unsigned int refresh_tick(struct refresh *rf, uint64_t now_ns, refresh_fn fn,
			  void *arg)
{
	unsigned int started = 0;
	uint64_t tick = rf->ticks++;

	for (uint32_t i = 0; i < rf->n;) {
		struct ritem *it = rf->items[i];
		struct xdpdns_cache_entry *e = &rf->scratch;
		uint64_t window = (uint64_t)it->ttl * NSEC_PER_SEC / 10;
		bool hot;

		if (window < REFRESH_WINDOW_MIN_S * NSEC_PER_SEC)
			window = REFRESH_WINDOW_MIN_S * NSEC_PER_SEC;
		/*
		 * Far from expiry, or past it (never refreshed: only looked
		 * at to notice a rewrite or an eviction): only every
		 * REFRESH_SPREAD-th tick, so a cache full of cold expired
		 * names does not cost a map lookup per entry per second.
		 */
		if ((now_ns + window < it->expire_ns ||
		     !xdpdns_time_before(now_ns, it->expire_ns)) &&
		    (tick + i) % REFRESH_SPREAD) {
			i++;
			continue;
		}
		if (rf->lookup(rf->lookup_arg, &it->key, e)) {
			rf_remove(rf, it); /* evicted or flushed */
			continue;
		}
		if (e->expire_ns != it->expire_ns) {
			/* Rewritten behind our back (xdpdnsctl, a restart). */
			it->expire_ns = e->expire_ns;
			it->ttl = e->ttl;
			it->hits = e->hits;
			i++;
			continue;
		}
		hot = e->hits != it->hits;
		it->hits = e->hits;
		if (hot && xdpdns_time_before(now_ns, e->expire_ns) &&
		    now_ns + window >= e->expire_ns && !fn(arg, &it->key))
			started++;
		i++;
	}
	return started;
}

void refresh_set_lookup(struct refresh *rf, refresh_lookup_fn fn, void *arg)
{
	rf->lookup = fn;
	rf->lookup_arg = arg;
}

void refresh_destroy(struct refresh *rf)
{
	if (!rf)
		return;
	for (uint32_t i = 0; i < rf->n; i++)
		free(rf->items[i]);
	free(rf->items);
	free(rf->buckets);
	free(rf);
}
