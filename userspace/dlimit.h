/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-client limits the daemon applies itself, to what the XDP program never
 * limits: queries over TCP (XDP only drops outsiders' TCP), and every query
 * under --no-xdp. The same rules as XDP's first stage: a query bucket
 * (--ratelimit, --ratelimit-burst) and a miss budget (--miss-limit) per host
 * as --ratelimit-v4-prefix and --ratelimit-v6-prefix aggregate it, GCRA
 * (see bpf/limit.bpf.h), --ratelimit-exempt honoured by the caller.
 *
 * The table has a fixed number of slots and never allocates after
 * dlimit_create(): a client hashes to a window of DLIMIT_WAYS slots, and a
 * new client takes a free one or the one idle longest. TCP sources cannot
 * be spoofed, so churn costs an attacker real connections; an evicted
 * client starts again with a full bucket.
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
};

struct dlimit;

/* A table of @slots clients (rounded up to a power of two, at least 64). */
int dlimit_create(uint32_t slots, struct dlimit **out);

void dlimit_destroy(struct dlimit *d);

/*
 * Takes a token from @bucket of @peer's host at @now_ns, with @cfg's rates
 * (a zero rate: no limit). Return: true when the query conforms.
 */
bool dlimit_take(struct dlimit *d, const struct config *cfg,
		 const struct sockaddr *peer, enum dlimit_bucket bucket,
		 uint64_t now_ns);

#endif /* XDPDNS_DLIMIT_H */
