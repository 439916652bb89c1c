/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What goes into the XDP cache. Cacheable: NOERROR with data, NODATA and
 * NXDOMAIN, validated or insecure; never bogus, never SERVFAIL, never for
 * another question than the key's. The entry holds what unbound would give
 * a client with the key's DO bit (DNSSEC records only for DO), with the
 * operator's TTL caps, and goes into a fresh slot of its size class
 * (lib/cachemap.h).
 */
#ifndef XDPDNS_CACHEWRITE_H
#define XDPDNS_CACHEWRITE_H

#include <stdint.h>

#include "lib/dnsmsg.h"
#include "config.h"
#include "maps/xdpdns.h"
#include "resolver.h"

/**
 * cachewrite_build() - the cache key and entry for a finished resolution.
 * @m: the parsed answer packet of @res.
 * @why: out, on refusal a short reason for the debug log.
 *
 * Return: 0, or a negative cache_entry_from_msg() code / -EPERM (policy).
 */
int cachewrite_build(const struct config *cfg, const struct resolution *res,
		     const struct dnsmsg *m, uint64_t now_ns,
		     struct xdpdns_cache_key *key,
		     struct xdpdns_cache_entry *entry, const char **why);

struct cachemap;

/* Writes one entry into the XDP cache. Return: 0 or cachemap_write()'s
 * -errno (-ENOSPC: its class has no slot out of quarantine). */
int cachewrite_store(struct cachemap *cm, const struct xdpdns_cache_key *key,
		     const struct xdpdns_cache_entry *entry, uint64_t now_ns);

#endif /* XDPDNS_CACHEWRITE_H */
