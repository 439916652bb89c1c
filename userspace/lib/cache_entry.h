/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Cache entries from ordinary DNS responses, and the reverse: the response a
 * client gets from an entry. cache_entry_from_msg() is what the daemon calls
 * on libunbound's answer packet, parsed once by dnsmsg_parse(), before
 * writing the map (cache_entry_build() does both for tests and tools);
 * cache_entry_render() is
 * the user-space twin of the XDP answer path, so the daemon sends the same
 * bytes XDP would and tests have an oracle for the program's output.
 */
#ifndef XDPDNS_CACHE_ENTRY_H
#define XDPDNS_CACHE_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dnsmsg.h"
#include "maps/xdpdns.h"

/* What cache_entry_build() needs besides the response. */
struct cache_entry_opts {
	uint8_t key_flags; /* XDPDNS_KEY_DO / XDPDNS_KEY_CD of the query */
	bool validated; /* DNSSEC secure (libunbound result->secure) */
	uint32_t min_ttl; /* TTLs below are raised to this (0: none) */
	uint32_t max_ttl; /* TTLs above are lowered to this (0: none) */
	uint32_t max_negative_ttl; /* cap for NXDOMAIN/NODATA (0: none) */
	uint64_t now_ns; /* CLOCK_MONOTONIC, = bpf_ktime_get_ns() */
};

/*
 * Errors of cache_entry_build(), returned negated. Each names why a response
 * cannot be an entry; none truncates anything.
 */
#define CACHE_ENTRY_EMALFORMED 1 /* not a parseable DNS message */
#define CACHE_ENTRY_ENOTCACHEABLE 2 /* SERVFAIL, TC, no question, ... */
#define CACHE_ENTRY_ETOOBIG 3 /* sections > XDPDNS_DATA_MAX bytes */
#define CACHE_ENTRY_ETOOMANY 4 /* more than XDPDNS_RR_MAX records */
#define CACHE_ENTRY_EUNSUPPORTED 5 /* qclass not IN, name too long, ... */

/**
 * cache_entry_from_msg() - turn a parsed DNS response into a key and entry.
 * @m: the response, as dnsmsg_parse() left it; an OPT record is never
 *     stored. Records a client without DO would not get are left out when
 *     @opts->key_flags has no XDPDNS_KEY_DO (dnsmsg_rr_belongs()).
 * @opts: key bits, validation state, TTL caps, clock.
 * @key: out, the lower-cased question as the XDP program builds it.
 * @entry: out, zeroed and filled; every name re-encoded against a question
 *         at offset 12, TTLs capped (negative TTL from the SOA per RFC 2308,
 *         for NXDOMAIN and for NODATA, also after a CNAME chain),
 *         expire_ns = now + smallest TTL, data_csum precomputed.
 *
 * Return: 0, -ENOMEM, or -CACHE_ENTRY_E* (see cache_entry_strerror()).
 */
int cache_entry_from_msg(const struct dnsmsg *m,
			 const struct cache_entry_opts *opts,
			 struct xdpdns_cache_key *key,
			 struct xdpdns_cache_entry *entry);

/**
 * cache_entry_build() - cache_entry_from_msg() on a wire-format response.
 * @resp: wire-format response (header, one question, sections; compression
 *        pointers anywhere); an OPT record is dropped, EDNS never stored.
 * @len: its length.
 * @opts: key bits, validation state, TTL caps, clock.
 * @key, @entry: as cache_entry_from_msg().
 *
 * Return: 0, -ENOMEM, or -CACHE_ENTRY_E* (see cache_entry_strerror()).
 */
int cache_entry_build(const uint8_t *resp, size_t len,
		      const struct cache_entry_opts *opts,
		      struct xdpdns_cache_key *key,
		      struct xdpdns_cache_entry *entry);

/* One line naming a cache_entry_build() error (negative code). */
const char *cache_entry_strerror(int err);

/* What cache_entry_render() needs about the query it answers. */
struct cache_entry_query {
	const uint8_t *msg; /* the client's query, wire format */
	size_t len;
	/* @msg as dnsmsg_parse_query() left it, or NULL: parsed here. */
	const struct dnsmsg_query *parsed;
	uint64_t now_ns; /* clock for the TTL decay */
	uint16_t edns_size; /* our advertised UDP size */
};

/**
 * cache_entry_render() - the response XDP would send for @q from @entry.
 * @out: buffer of @cap bytes; receives the DNS payload (no IP/UDP).
 *
 * Same rules as the XDP program: client's ID and question bytes kept, QR and
 * RA set, RD and CD copied, AD only when validated and the client set AD or
 * DO, TTLs reduced by whole seconds elapsed, OPT appended when the query had
 * one.
 *
 * Return: bytes written, or -1 with errno (EINVAL query not servable, ESTALE
 * entry expired, EMSGSIZE larger than @cap or than the client can take:
 * 512 without EDNS, else its size, at most @q->edns_size).
 */
int cache_entry_render(const struct xdpdns_cache_entry *entry,
		       const struct cache_entry_query *q, uint8_t *out,
		       size_t cap);

/**
 * cache_entry_stale() - the stale answer of @e at @now_ns (serve-stale, RFC
 * 8767 section 4): a copy whose every TTL is @ttl, stored now, expiring
 * @ttl seconds from now, marked XDPDNS_ENTRY_STALE. The sections' sum
 * (data_csum) does not cover the TTL fields, so it stays; so do the name
 * and every other field.
 */
void cache_entry_stale(const struct xdpdns_cache_entry *e, uint32_t ttl,
		       uint64_t now_ns, struct xdpdns_cache_entry *out);

#endif /* XDPDNS_CACHE_ENTRY_H */
