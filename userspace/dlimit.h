/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-client limits the daemon applies itself, to what the XDP program never
 * limits: queries over TCP (XDP only drops outsiders' TCP), and every query
 * under --no-xdp. The same rules as XDP (bpf/limit.bpf.h, GCRA): a query
 * bucket (--ratelimit, --ratelimit-burst) and a miss budget (--miss-limit)
 * per host as --ratelimit-v4-prefix and --ratelimit-v6-prefix aggregate it;
 * then the network and wider-prefix stages (--ratelimit-net*,
 * --ratelimit-wide*) for a query its host bucket admitted; a host the table
 * does not hold needs a token of the new-source bucket (--new-source-limit,
 * --new-source-burst) and starts with --new-source-first-burst tokens.
 * --ratelimit-exempt is honoured by the caller.
 *
 * The table has a fixed number of slots and never allocates after
 * dlimit_create(): an entry (a host or a prefix) hashes to a window of
 * DLIMIT_WAYS slots, and a new one takes a free slot or the one idle
 * longest. An evicted host is new again (admission, first burst).
 */
#ifndef XDPDNS_DLIMIT_H
#define XDPDNS_DLIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"

#define DLIMIT_WAYS 8

enum dlimit_bucket {
	DLIMIT_QUERY, /* every query */
	DLIMIT_MISS, /* a query about to be resolved */
	/* Only ever set in *over: what limited a DLIMIT_QUERY. */
	DLIMIT_NET, /* the host's network */
	DLIMIT_WIDE, /* its wider prefix */
	DLIMIT_NEW, /* a new host over the admission rate */
};

struct dlimit;

/* A table of @slots clients (rounded up to a power of two, at least 64). */
int dlimit_create(uint32_t slots, struct dlimit **out);

void dlimit_destroy(struct dlimit *d);

/*
 * Takes a token from @bucket (DLIMIT_QUERY or DLIMIT_MISS) of @peer's host
 * at @now_ns, with @cfg's rates (a zero rate: no limit); for DLIMIT_QUERY
 * also from its prefix stages. Return: true when the query conforms; false
 * with *@over (when not NULL) the bucket that limited it.
 */
bool dlimit_take(struct dlimit *d, const struct config *cfg,
		 const struct sockaddr *peer, enum dlimit_bucket bucket,
		 uint64_t now_ns, enum dlimit_bucket *over);

/*
 * dlimit_take() for a client that proved its address with a valid server
 * cookie (RFC 7873), as XDP's cookie stage: its own host entry, the query
 * bucket at --ratelimit-cookie, the miss bucket at --miss-limit; no
 * admission and no prefix stage, which are there for spoofed sources.
 */
bool dlimit_take_cookie(struct dlimit *d, const struct config *cfg,
			const struct sockaddr *peer, enum dlimit_bucket bucket,
			uint64_t now_ns);

#endif /* XDPDNS_DLIMIT_H */
