/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The XDP cache as it lives in the pinned maps (maps/xdpdns.h, "The XDP
 * cache, v2"): the xdpdns_cache index and the size-class slot arrays
 * xdpdns_slot0..3, mapped into this process.
 *
 * A writer (xdpdnsd, the BPF tests) owns the slots: it alone writes them,
 * under each slot's seqlock, never in place (a new answer takes a fresh
 * slot), keeps freed slots in quarantine for XDPDNS_SLOT_QUARANTINE_NS,
 * and evicts per class, least recently hit first (CLOCK), when a class
 * runs short of free slots. Its state (free lists, quarantine, the key
 * table) is rebuilt from the maps at open, so a restart keeps a warm
 * cache. Writer calls are not thread-safe; cachemap_walk() and lookups of
 * a reader are lock-free against the writer.
 *
 * A reader (xdpdnsctl, the observers) reads slots under the seqlock and
 * may delete index entries (a delete or flush while no daemon runs); it
 * then only clears the slot's live flag, which the XDP program never
 * reads, and the next writer to open the maps reclaims the slot.
 */
#ifndef XDPDNS_CACHEMAP_H
#define XDPDNS_CACHEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/xdpdns.h"

/* One size class as user space addresses it. */
struct cachemap_class {
	size_t slot_size; /* sizeof(struct xdpdns_slotN) */
	size_t ttl_off; /* offsetof(..., ttl_off) */
	size_t body_off; /* offsetof(..., body) */
	unsigned int body_len; /* bytes of sections plus the padded name */
	unsigned int rrs; /* TTL offsets */
};
extern const struct cachemap_class cachemap_classes[XDPDNS_SLOT_CLASSES];

/* Bits of cachemap_open()'s @flags. */
#define CACHEMAP_WRITER 0x1 /* own the slots (one process per pin set) */

/* Counters and gauges of an open cache (all classes, or per class). */
struct cachemap_stats {
	uint64_t writes; /* entries written (new or replacing) */
	uint64_t too_big; /* entries no class holds: not cached in XDP */
	uint64_t no_slot; /* writes refused: every free slot in quarantine */
	uint64_t index_full; /* writes refused by the index map */
	uint64_t deleted; /* entries removed by a delete or flush */
	uint64_t evicted[XDPDNS_SLOT_CLASSES]; /* least recently hit, evicted */
	uint32_t slots[XDPDNS_SLOT_CLASSES]; /* size of each class */
	uint32_t live[XDPDNS_SLOT_CLASSES]; /* holding a served entry */
	uint32_t quarantined[XDPDNS_SLOT_CLASSES];
	uint32_t free[XDPDNS_SLOT_CLASSES];
};

struct cachemap;

/**
 * cachemap_open() - map the cache of one pinned map set.
 * @index_fd: the xdpdns_cache map.
 * @slot_fds: xdpdns_slot0..3, in class order.
 * @hkey: xdpdns_config.hash_key of the same set.
 * @now_ns: CLOCK_MONOTONIC now (a writer quarantines what it reclaims).
 * @err: NULL or a buffer for one line naming the cause.
 *
 * A writer walks the index and keeps the entries whose slot holds them
 * (complete, same key, same generation, hashed with @hkey); other index
 * entries are deleted and other written slots quarantined.
 * Return: 0, or -errno.
 */
int cachemap_open(int index_fd, const int slot_fds[XDPDNS_SLOT_CLASSES],
		  const struct xdpdns_hash_key *hkey, unsigned int flags,
		  uint64_t now_ns, struct cachemap **out, char *err,
		  size_t errlen);
void cachemap_close(struct cachemap *c);

/* The smallest class that holds @e with a name of @qname_len bytes, or
 * -E2BIG. */
int cachemap_class_of(const struct xdpdns_cache_entry *e,
		      unsigned int qname_len);

/*
 * Writer: store @e as the answer of @key (e->qname and e->hits are
 * ignored; the slot starts with 0 hits). The entry replaces any other of
 * the same key, whose slot goes to quarantine.
 * Return: 0; -EINVAL for a key without a valid name; -E2BIG when no class
 * holds it; -ENOSPC when its class has no slot out of quarantine; -errno
 * of the index update.
 */
int cachemap_write(struct cachemap *c, const struct xdpdns_cache_key *key,
		   const struct xdpdns_cache_entry *e, uint64_t now_ns);

/*
 * Writer, for tests: cachemap_write() under map key @mk with the name
 * bytes @qname (XDPDNS_QNAME_BUF, zero padded) whether or not they match,
 * so a test can plant a collision. Return: as cachemap_write().
 */
int cachemap_write_raw(struct cachemap *c, const struct xdpdns_cache_mkey *mk,
		       const __u8 *qname, const struct xdpdns_cache_entry *e,
		       uint64_t now_ns);

/*
 * The entry of @key, read consistently (retried while the writer is at
 * the slot). Return: 0, -ENOENT, or -EAGAIN if the slot kept changing.
 */
int cachemap_lookup(struct cachemap *c, const struct xdpdns_cache_key *key,
		    struct xdpdns_cache_entry *e);

/* Remove the entry of @key. Return: 0, -ENOENT, or -errno. */
int cachemap_delete(struct cachemap *c, const struct xdpdns_cache_key *key,
		    uint64_t now_ns);

/* Remove every entry; @removed (may be NULL) counts them. Return: 0 or
 * -errno of the first failed index delete. */
int cachemap_flush(struct cachemap *c, uint64_t now_ns, uint32_t *removed);

/*
 * Every live entry, each read consistently, with its full key. @cb
 * returning non-zero stops the walk with that value. Return: 0 or that.
 */
typedef int (*cachemap_walk_fn)(void *arg, const struct xdpdns_cache_key *key,
				const struct xdpdns_cache_entry *e);
int cachemap_walk(struct cachemap *c, cachemap_walk_fn cb, void *arg);

/* Writer: return quarantined slots whose time is up to the free lists. */
void cachemap_tick(struct cachemap *c, uint64_t now_ns);

void cachemap_stats(const struct cachemap *c, struct cachemap_stats *out);

/* Bytes of map memory @n slots split by @pct (percent per class) take,
 * index included: what --cache-size costs. */
uint64_t cachemap_bytes(const uint32_t slots[XDPDNS_SLOT_CLASSES]);

/*
 * Slots per class for --cache-size @total split by @pct (each 0..100,
 * summing to 100); every class gets at least CACHEMAP_CLASS_MIN.
 */
#define CACHEMAP_CLASS_MIN 16
void cachemap_split(uint32_t total, const uint8_t pct[XDPDNS_SLOT_CLASSES],
		    uint32_t slots[XDPDNS_SLOT_CLASSES]);

/*
 * Parses "72,20,6,2" into @pct. Return: 0, or -EINVAL (not four whole
 * percentages summing to 100).
 */
int cachemap_parse_split(const char *text, uint8_t pct[XDPDNS_SLOT_CLASSES]);

/*
 * New, unpinned index and slot maps for @slots slots per class, as the
 * BPF object declares them (for tests and tools that run no program).
 * Return: 0, or -errno with nothing left open.
 */
int cachemap_create_maps(const uint32_t slots[XDPDNS_SLOT_CLASSES],
			 int *index_fd, int slot_fds[XDPDNS_SLOT_CLASSES]);

/*
 * For tests: the header and TTL offsets of the slot holding @key (a
 * writer's), to corrupt an entry in place. Return: NULL if none.
 */
struct xdpdns_slot_hdr *cachemap_slot_of(struct cachemap *c,
					 const struct xdpdns_cache_key *key,
					 __u16 **ttl_off);

#endif /* XDPDNS_CACHEMAP_H */
