// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's side of a purge: every copy of the matching answers goes,
 * and the reply says how many of each there were.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/dnswire.h"
#include "lib/purgechan.h"
#include "lib/util.h"
#include "log.h"
#include "purge.h"

static bool purge_key_match(void *arg, const struct xdpdns_cache_key *key)
{
	return purgechan_match(arg, key);
}

void purge_apply(struct query_ctx *ctx, const struct xdpdns_purge *rq,
		 struct purge_counts *out)
{
	bool all = rq->op == XDPDNS_PURGE_ALL;
	int ret;

	memset(out, 0, sizeof(*out));
	/* First: what libunbound delivers on the way is purged below. */
	ret = resolver_flush(ctx->res, ctx->cfg);
	if (ret)
		out->result = ret;
	else
		out->ub_flushed = true;
	anscache_lock(ctx->ac);
	out->answers = anscache_purge(ctx->ac, all ? NULL : purge_key_match,
				      (void *)rq);
	anscache_unlock(ctx->ac);
	if (ctx->rf)
		out->refresh = refresh_purge(
			ctx->rf, all ? NULL : purge_key_match, (void *)rq);
	if (ctx->cm) {
		ret = purgechan_cache(ctx->cm, util_mono_ns(), rq,
				      &out->map_entries);
		if (ret && !out->result)
			out->result = ret;
	}
	stat_inc(all ? &ctx->stats->purges_all : &ctx->stats->purges_name);
	stat_add(&ctx->stats->purged_map, out->map_entries);
	stat_add(&ctx->stats->purged_answers, out->answers);
	if (out->ub_flushed)
		stat_inc(&ctx->stats->unbound_flushes);
}

/* One line in the log for every purge: the operator's audit trail. */
static void purge_log(const struct xdpdns_purge *rq,
		      const struct purge_counts *pc, uint64_t took_ns)
{
	char name[DNSWIRE_NAME_TEXT_MAX] = "everything", type[24] = "";
	int n;

	if (rq->op == XDPDNS_PURGE_NAME) {
		n = dnswire_name_len(rq->qname, sizeof(rq->qname));
		if (n < 0 || dnswire_name_to_text(rq->qname, (size_t)n, name,
						  sizeof(name)) < 0)
			snprintf(name, sizeof(name), "(bad name)");
		if (rq->qtype)
			snprintf(type, sizeof(type), " type %u", rq->qtype);
	}
	log_info(
		"purged %s%s in %.1f ms: %u XDP entries, %u answers of the daemon's copy, %u refresh keys; libunbound's cache %s%s%s",
		name, type, took_ns / 1e6, pc->map_entries, pc->answers,
		pc->refresh, pc->ub_flushed ? "dropped" : "kept",
		pc->result ? ": " : "",
		pc->result ? strerror(-pc->result) : "");
}

void purge_all(struct query_ctx *ctx)
{
	struct xdpdns_purge rq = { .op = XDPDNS_PURGE_ALL };
	struct purge_counts pc;
	uint64_t t0 = util_mono_ns();

	purge_apply(ctx, &rq, &pc);
	purge_log(&rq, &pc, util_mono_ns() - t0);
}

int purge_handle(struct query_ctx *ctx, const struct xdpdns_purge *rq,
		 uint64_t *last_seq, uint64_t now_ns,
		 struct xdpdns_purge *reply)
{
	struct purge_counts pc;

	if (rq->seq == *last_seq)
		return 0;
	*last_seq = rq->seq;
	/* An xdpdnsctl that gave up on it deleted the map entries itself. */
	if (xdpdns_time_before(rq->sent_ns + (uint64_t)XDPDNS_PURGE_MAX_AGE_S *
						     NSEC_PER_SEC,
			       now_ns)) {
		log_debug("purge request %llu is older than %u s: ignored",
			  (unsigned long long)rq->seq, XDPDNS_PURGE_MAX_AGE_S);
		return 0;
	}
	memset(reply, 0, sizeof(*reply));
	reply->seq = rq->seq;
	reply->op = rq->op;
	reply->qtype = rq->qtype;
	memcpy(reply->qname, rq->qname, sizeof(reply->qname));
	reply->daemon_pid = (__u32)getpid();
	if (purgechan_check(rq)) {
		log_warn("purge request %llu is malformed: ignored",
			 (unsigned long long)rq->seq);
		reply->result = -EINVAL;
	} else {
		uint64_t t0 = util_mono_ns();

		purge_apply(ctx, rq, &pc);
		purge_log(rq, &pc, util_mono_ns() - t0);
		reply->result = pc.result;
		reply->map_entries = pc.map_entries;
		reply->answers = pc.answers;
		reply->refresh = pc.refresh;
		reply->flags = pc.ub_flushed ? XDPDNS_PURGE_UB_FLUSHED : 0;
	}
	reply->done_ns = util_mono_ns();
	return 1;
}

int purge_poll(struct query_ctx *ctx, int fd, uint64_t *last_seq,
	       uint64_t now_ns)
{
	struct xdpdns_purge rq, reply;
	int ret;

	if (fd < 0)
		return 0;
	ret = purgechan_read(fd, XDPDNS_PURGE_REQ, &rq);
	if (ret == -EAGAIN)
		return 0; /* being written: next tick */
	if (ret)
		return ret;
	ret = purge_handle(ctx, &rq, last_seq, now_ns, &reply);
	if (ret <= 0)
		return ret;
	ret = purgechan_write(fd, XDPDNS_PURGE_REPLY, &reply);
	if (ret)
		log_warn("cannot answer purge request %llu: %s",
			 (unsigned long long)rq.seq, strerror(-ret));
	return reply.result == -EINVAL ? 0 : 1;
}
