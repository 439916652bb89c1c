// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's answer cache: a chained hash over the cache keys and one
 * doubly linked list in order of use (head: most recent), so a lookup, a
 * store and an eviction are O(1). Each node carries its entry inline, cut
 * after the data[] bytes it uses.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "anscache.h"
#include "lib/dnswire.h"
#include "lib/util.h"

/* Bytes of an entry that holds @data_len bytes of sections. */
#define ANSCACHE_ENTRY_LEN(data_len) \
	(offsetof(struct xdpdns_cache_entry, data) + (data_len))

struct anode {
	struct anode *hnext;
	struct anode *prev, *next; /* use order */
	uint32_t hash;
	struct xdpdns_cache_key key;
	struct anscache_item item;
	uint64_t entry[]; /* ANSCACHE_ENTRY_LEN(data_len) bytes, aligned */
};

struct anscache {
	struct anode **buckets;
	uint32_t nbuckets; /* power of two */
	uint32_t count;
	uint32_t capacity;
	struct anode *head, *tail;
	pthread_mutex_t lock;
};

static uint32_t akey_hash(const struct xdpdns_cache_key *k)
{
	int n = dnswire_name_len(k->qname, sizeof(k->qname));

	return util_qkey_hash(k->qname, n > 0 ? (size_t)n : 0, k->qtype,
			      k->qclass, k->flags);
}

int anscache_create(uint32_t capacity, struct anscache **out)
{
	struct anscache *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->capacity = capacity ? capacity : 1;
	c->nbuckets = 1024;
	while (c->nbuckets < c->capacity)
		c->nbuckets <<= 1;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	*out = c;
	return 0;
}

void anscache_lock(struct anscache *c)
{
	pthread_mutex_lock(&c->lock);
}

void anscache_unlock(struct anscache *c)
{
	pthread_mutex_unlock(&c->lock);
}

static void lru_unlink(struct anscache *c, struct anode *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		c->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		c->tail = n->prev;
	n->prev = n->next = NULL;
}

static void lru_push(struct anscache *c, struct anode *n)
{
	n->prev = NULL;
	n->next = c->head;
	if (c->head)
		c->head->prev = n;
	else
		c->tail = n;
	c->head = n;
}

static struct anode *anode_find(const struct anscache *c,
				const struct xdpdns_cache_key *key, uint32_t h)
{
	struct anode *n = c->buckets[h & (c->nbuckets - 1)];

	for (; n; n = n->hnext)
		if (n->hash == h && !memcmp(&n->key, key, sizeof(*key)))
			return n;
	return NULL;
}

static void anode_remove(struct anscache *c, struct anode *n)
{
	struct anode **pp = &c->buckets[n->hash & (c->nbuckets - 1)];

	while (*pp && *pp != n)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = n->hnext;
	lru_unlink(c, n);
	c->count--;
	free(n);
}

struct anscache_item *anscache_lookup(struct anscache *c,
				      const struct xdpdns_cache_key *key,
				      uint64_t now_ns)
{
	bool stale;
	struct anscache_item *it =
		anscache_lookup_stale(c, key, now_ns, 0, &stale);

	return it && !stale ? it : NULL;
}

struct anscache_item *anscache_lookup_stale(struct anscache *c,
					    const struct xdpdns_cache_key *key,
					    uint64_t now_ns, uint64_t stale_ns,
					    bool *stale)
{
	struct anode *n = anode_find(c, key, akey_hash(key));
	uint64_t exp;

	*stale = false;
	if (!n)
		return NULL;
	exp = n->item.entry->expire_ns;
	if (!xdpdns_time_before(now_ns, exp)) {
		/* Kept for serve-stale until @stale_ns past its expiry. */
		if (!stale_ns || !xdpdns_time_before(now_ns, exp + stale_ns)) {
			anode_remove(c, n);
			return NULL;
		}
		*stale = true;
	}
	if (c->head != n) {
		lru_unlink(c, n);
		lru_push(c, n);
	}
	return &n->item;
}

int anscache_store(struct anscache *c, const struct xdpdns_cache_key *key,
		   const struct xdpdns_cache_entry *entry, uint64_t now_ns)
{
	uint32_t h = akey_hash(key);
	size_t len;
	struct anode *n;

	if (entry->data_len > XDPDNS_DATA_MAX ||
	    entry->rr_count > XDPDNS_RR_MAX)
		return -EINVAL;
	len = ANSCACHE_ENTRY_LEN(entry->data_len);
	n = malloc(sizeof(*n) + len);
	if (!n)
		return -ENOMEM;
	memcpy(n->entry, entry, len);
	n->key = *key;
	n->hash = h;
	n->item.entry = (const struct xdpdns_cache_entry *)n->entry;
	n->item.synced_ns = now_ns;
	n->item.prefetch_ns = 0;

	/* The replaced entry goes; so does the least used beyond capacity. */
	if (c->count) {
		struct anode *old = anode_find(c, key, h);

		if (old)
			anode_remove(c, old);
	}
	if (c->count >= c->capacity)
		anode_remove(c, c->tail);
	n->hnext = c->buckets[h & (c->nbuckets - 1)];
	c->buckets[h & (c->nbuckets - 1)] = n;
	lru_push(c, n);
	c->count++;
	return 0;
}

void anscache_entry_copy(const struct anscache_item *it,
			 struct xdpdns_cache_entry *out)
{
	const struct anode *n = (const void *)((const uint8_t *)it -
					       offsetof(struct anode, item));
	size_t len = ANSCACHE_ENTRY_LEN(it->entry->data_len);
	int qlen = dnswire_name_len(n->key.qname, sizeof(n->key.qname));

	memcpy(out, it->entry, len);
	memset((uint8_t *)out + len, 0, sizeof(*out) - len);
	/* The name is not kept twice: it is the node's key. */
	if (qlen > 0)
		memcpy(out->qname, n->key.qname, (size_t)qlen);
}

uint32_t anscache_purge(struct anscache *c,
			bool (*match)(void *arg,
				      const struct xdpdns_cache_key *key),
			void *arg)
{
	struct anode *n, *next;
	uint32_t dropped = 0;

	for (n = c->head; n; n = next) {
		next = n->next;
		if (match && !match(arg, &n->key))
			continue;
		anode_remove(c, n);
		dropped++;
	}
	return dropped;
}

uint32_t anscache_count(const struct anscache *c)
{
	return c->count;
}

void anscache_destroy(struct anscache *c)
{
	struct anode *n, *next;

	if (!c)
		return;
	for (n = c->head; n; n = next) {
		next = n->next;
		free(n);
	}
	pthread_mutex_destroy(&c->lock);
	free(c->buckets);
	free(c);
}
