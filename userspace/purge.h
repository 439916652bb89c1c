/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Purges: `xdpdnsctl cache delete NAME [TYPE]` and `cache flush` as the
 * daemon carries them out. A purge must reach every copy of an answer, or
 * the next query brings it back: the XDP map, the daemon's answer copy
 * (which writes entries back into the map and answers TCP from them), the
 * refresher's index, and libunbound's cache, which has no per-name delete
 * and is replaced by a fresh context (resolver_flush()).
 *
 * The request comes over the pinned purge channel (struct xdpdns_purge),
 * polled once a tick: the daemon keeps that map's fd across the privilege
 * drop, so the unprivileged daemon answers root's xdpdnsctl with no socket
 * and no extra permission. Without XDP there are no pins and no xdpdnsctl:
 * SIGUSR1 (forwarded by the monitor) flushes everything instead.
 */
#ifndef XDPDNS_PURGE_H
#define XDPDNS_PURGE_H

#include <stdint.h>

#include "maps/xdpdns.h"
#include "query.h"

/*
 * What a purge removed; the reply's fields. result: 0, or -errno of the
 * first step that failed (the other steps were still done).
 */
struct purge_counts {
	uint32_t map_entries;
	uint32_t answers;
	uint32_t refresh;
	bool ub_flushed;
	int result;
};

/**
 * purge_apply() - carries out request @rq (purgechan_check()ed) on @ctx:
 * libunbound first (results already back are delivered, then dropped
 * with the rest), then the answer copy, the refresh index and the map, so
 * nothing delivered during the purge survives it. Counted in @ctx->stats.
 */
void purge_apply(struct query_ctx *ctx, const struct xdpdns_purge *rq,
		 struct purge_counts *out);

/* SIGUSR1: purge_apply() of everything, logged like a request. */
void purge_all(struct query_ctx *ctx);

/**
 * purge_handle() - what the daemon does with request @rq read at @now_ns:
 * nothing when its seq is *@last_seq (seen already) or it is older than
 * XDPDNS_PURGE_MAX_AGE_S; else @reply is filled (-EINVAL in result for a
 * malformed request, which is not carried out) and *@last_seq set.
 * Return: 1 when @reply is to be written, 0 when not.
 */
int purge_handle(struct query_ctx *ctx, const struct xdpdns_purge *rq,
		 uint64_t *last_seq, uint64_t now_ns,
		 struct xdpdns_purge *reply);

/*
 * The daemon's end of the channel on the purge map @fd (-1: none).
 * @last_seq: the seq of the last request seen (0 at start).
 * Return: 1 when a request was carried out (resolver_fd() may have
 * changed), 0 when there was none, -errno when the map cannot be read.
 */
int purge_poll(struct query_ctx *ctx, int fd, uint64_t *last_seq,
	       uint64_t now_ns);

#endif /* XDPDNS_PURGE_H */
