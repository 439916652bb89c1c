/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The purge channel of maps/xdpdns.h (struct xdpdns_purge) as both ends
 * use it: which cache keys a request covers, reading an element that the
 * other process may be writing, and removing the matching entries from the
 * XDP cache map (the daemon when it carries a request out; xdpdnsctl when
 * no daemon runs to do it).
 */
#ifndef XDPDNS_PURGECHAN_H
#define XDPDNS_PURGECHAN_H

#include <stdbool.h>
#include <stdint.h>

#include "maps/xdpdns.h"

/*
 * Whether request @rq covers cache key @key: every key for
 * XDPDNS_PURGE_ALL; for XDPDNS_PURGE_NAME the same name (both lower-cased
 * wire names) and, unless rq->qtype is 0, the same type, any DO/CD bits.
 */
bool purgechan_match(const struct xdpdns_purge *rq,
		     const struct xdpdns_cache_key *key);

/**
 * purgechan_check() - whether a request read from the map is one to act on.
 * The map is root's, but its bytes are still input: the op must be known
 * and a name request must hold one complete, lower-cased wire name, zero
 * padded. Return: 0 or -EINVAL.
 */
int purgechan_check(const struct xdpdns_purge *rq);

/*
 * Element @slot of the purge map @fd, read until two reads agree (the
 * writer may be half way through an update). Return: 0, -EAGAIN (still
 * changing after a few tries), -errno.
 */
int purgechan_read(int fd, uint32_t slot, struct xdpdns_purge *out);

/* Writes element @slot. Return: 0 or -errno. */
int purgechan_write(int fd, uint32_t slot, const struct xdpdns_purge *in);

struct cachemap;

/**
 * purgechan_cache() - removes every entry of the XDP cache @cm that @rq
 * covers: a name and a type by deleting its four DO/CD keys, a name by a
 * walk of the slots comparing the name, everything by a flush.
 * @removed: entries deleted.
 * Return: 0 or -errno (the entries deleted before it stay deleted).
 */
int purgechan_cache(struct cachemap *cm, uint64_t now_ns,
		    const struct xdpdns_purge *rq, uint32_t *removed);

#endif /* XDPDNS_PURGECHAN_H */
