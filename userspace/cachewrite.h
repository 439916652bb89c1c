/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What goes into the XDP cache. Cacheable: NOERROR with data, NODATA and
 * NXDOMAIN, validated or insecure; never bogus, never SERVFAIL, never for
 * another question than the key's. The entry holds what unbound would give
 * a client with the key's DO bit (DNSSEC records only for DO), with the
 * operator's TTL caps, and is written with BPF_ANY.
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

/* Writes one entry into the cache map. Return: 0 or -errno. */
int cachewrite_store(int cache_fd, const struct xdpdns_hash_key *hkey,
		     const struct xdpdns_cache_key *key,
		     const struct xdpdns_cache_entry *entry);

#endif /* XDPDNS_CACHEWRITE_H */
