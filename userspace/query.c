// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Glue between the sockets, libunbound and the cache. One pending record
 * per client query holds its parsed form, a copy of its header and question
 * bytes (ID and question case are answered from them) and a reference to
 * its TCP connection while the resolution runs.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <unbound.h>

#include "answer.h"
#include "cachewrite.h"
#include "cookies.h"
#include "event.h"
#include "lib/cache_entry.h"
#include "lib/util.h"
#include "log.h"
#include "query.h"
#include "relay.h"

struct pending {
	struct resolver_waiter w; /* first: the resolver hands this back */
	struct listen_client client;
	struct dnsmsg_query q;
	bool stale_ok; /* an expired entry may answer it (serve-stale) */
	bool answered; /* it had a stale answer: nothing more at the end */
	uint8_t msg[];
};

/*
 * What a UDP thread hands the loop's thread (relay.h): a query to resolve
 * (RELAY_QUERY: its bytes and client; @proven: a valid server cookie, the
 * query stage of the limits taken), or an answer-cache entry to write back
 * to the XDP cache (RELAY_RESTORE) or to re-resolve (RELAY_PREFETCH).
 */
enum relay_kind { RELAY_QUERY, RELAY_RESTORE, RELAY_PREFETCH };

struct relayed {
	struct relay_item link; /* first */
	enum relay_kind kind;
	bool proven;
	struct listen_client client;
	struct dnsmsg_query q; /* RELAY_QUERY: parsed, q.msg not yet msg */
	struct xdpdns_cache_key key;
	uint8_t msg[];
};

#define STAT_INC(ctx, field) stat_inc(&(ctx)->stats->field)

/* A UDP thread's context (--threads), not the loop's. */
static bool query_on_worker(const struct query_ctx *ctx)
{
	return ctx->relay != NULL;
}

/*
 * @key's entry to the loop's thread for @kind (RESTORE, PREFETCH). A full
 * relay drops it: the next hit asks again.
 */
static void query_relay_key(struct query_ctx *ctx,
			    const struct xdpdns_cache_key *key,
			    enum relay_kind kind)
{
	struct relayed *r = calloc(1, sizeof(*r));

	if (!r)
		return;
	r->kind = kind;
	r->key = *key;
	if (!relay_push(ctx->relay, &r->link))
		free(r);
}

/* Sends @len bytes of @ctx->out to @c and counts the rcode. */
static void query_send(struct query_ctx *ctx, const struct listen_client *c,
		       int len)
{
	if (len < DNS_HEADER_LEN)
		return;
	stat_inc(&ctx->stats->answer_rcode[ctx->out[3] & DNS_F_RCODE]);
	listen_send(ctx->ls, c, ctx->out, len);
}

static void query_error(struct query_ctx *ctx, const struct dnsmsg_query *q,
			const struct listen_client *c, unsigned int rcode)
{
	query_send(ctx, c,
		   answer_error(q, rcode, false, ctx->cfg->edns_size,
				ctx->out));
}

/*
 * @q's COOKIE option checked (cookies.h), the reply cookie set in @q.
 * Return: true when @q is answered already: FORMERR for a COOKIE no cookie
 * can be; --cookie-invalid's BADCOOKIE or TC=1 with a fresh cookie for a
 * UDP query with an invalid server cookie, the client asks again with it.
 */
static bool query_cookie(struct query_ctx *ctx, struct dnsmsg_query *q,
			 const struct listen_client *c, int *verdict)
{
	unsigned int policy = ctx->cfg->cookie_invalid;

	*verdict = ctx->cookies ?
			   cookies_check(ctx->cookies, q,
					 (const struct sockaddr *)&c->peer,
					 ctx->stats) :
			   XDPDNS_COOKIE_NONE;
	if (*verdict == XDPDNS_COOKIE_MALFORMED) {
		/* RFC 7873 5.2.2; with cookies off the option is ignored,
		 * as unbound and XDP ignore it. */
		STAT_INC(ctx, queries_bad);
		query_error(ctx, q, c, DNS_RCODE_FORMERR);
		return true;
	}
	if (*verdict != XDPDNS_COOKIE_INVALID || c->transport != LISTEN_UDP ||
	    policy == XDPDNS_COOKIE_PROCESS)
		return false;
	STAT_INC(ctx, cookie_rejected);
	query_send(ctx, c,
		   answer_error(q,
				policy == XDPDNS_COOKIE_TC ?
					DNS_RCODE_NOERROR :
					DNS_RCODE_BADCOOKIE,
				policy == XDPDNS_COOKIE_TC, ctx->cfg->edns_size,
				ctx->out));
	return true;
}

/*
 * A query over one of the daemon's own limits: REFUSED over TCP (the client
 * is real and gets a final answer), dropped over UDP, as XDP drops.
 */
static void query_limited(struct query_ctx *ctx, const struct dnsmsg_query *q,
			  const struct listen_client *c)
{
	if (c->transport == LISTEN_TCP)
		query_error(ctx, q, c, DNS_RCODE_REFUSED);
}

/*
 * A hit in its last tenth of TTL (REFRESH_WINDOW_MIN_S at least) starts a
 * re-resolution, as unbound's prefetch and the XDP refresher do, so a name
 * asked steadily never drops out of the cache.
 */
static bool query_prefetch_due(const struct xdpdns_cache_entry *e,
			       uint64_t now_ns)
{
	uint64_t window = (uint64_t)e->ttl * NSEC_PER_SEC / 10;

	if (window < REFRESH_WINDOW_MIN_S * NSEC_PER_SEC)
		window = REFRESH_WINDOW_MIN_S * NSEC_PER_SEC;
	return now_ns + window >= e->expire_ns;
}

/* Whether @it may be written to the XDP cache now: at most once a second
 * per entry, so a persistent reason to write costs little. */
static bool query_sync_due(struct query_ctx *ctx, struct anscache_item *it,
			   uint64_t now_ns)
{
	if (!ctx->cm || now_ns - it->synced_ns < NSEC_PER_SEC)
		return false;
	it->synced_ns = now_ns;
	return true;
}

/* @ctx->entry to the XDP cache as @key's, counted, and to the refresher. */
static void query_sync(struct query_ctx *ctx,
		       const struct xdpdns_cache_key *key, uint64_t now_ns)
{
	if (cachewrite_store(ctx->cm, key, &ctx->entry, now_ns)) {
		STAT_INC(ctx, cache_write_errors);
		return;
	}
	STAT_INC(ctx, cache_writes);
	if (ctx->rf)
		refresh_note(ctx->rf, key, &ctx->entry);
}

/*
 * A RELAY_RESTORE on the loop's thread: @key's entry as the answer cache
 * holds it now, to the XDP cache.
 */
static void query_restore(struct query_ctx *ctx,
			  const struct xdpdns_cache_key *key, uint64_t now_ns)
{
	struct anscache_item *it;

	anscache_lock(ctx->ac);
	it = anscache_lookup(ctx->ac, key, now_ns);
	if (it)
		anscache_entry_copy(it, &ctx->entry);
	anscache_unlock(ctx->ac);
	if (it)
		query_sync(ctx, key, now_ns);
}

/* How long past its expiry an entry may still answer (0: serve-stale off). */
static uint64_t query_stale_window(const struct query_ctx *ctx)
{
	return (uint64_t)ctx->cfg->serve_stale_max * NSEC_PER_SEC;
}

/*
 * The stale copy of @key's entry in @ctx->entry (cache_entry_stale()) when
 * the daemon's copy holds one expired less than --serve-stale-max ago: TTL
 * --serve-stale-ttl, or what is left of the max when that is less.
 * *@sync: that copy is due in the XDP cache (query_sync_due()).
 * Return: whether there is one. Only on the loop's thread.
 */
static bool query_stale_entry(struct query_ctx *ctx,
			      const struct xdpdns_cache_key *key,
			      uint64_t now_ns, bool *sync)
{
	struct anscache_item *it;
	uint64_t left;
	uint32_t ttl;
	bool stale;

	*sync = false;
	if (!query_stale_window(ctx))
		return false;
	anscache_lock(ctx->ac);
	it = anscache_lookup_stale(ctx->ac, key, now_ns,
				   query_stale_window(ctx), &stale);
	if (!it || !stale) {
		anscache_unlock(ctx->ac);
		return false;
	}
	/* Never stale beyond --serve-stale-max: not in XDP either. */
	left = (it->entry->expire_ns + query_stale_window(ctx) - now_ns) /
	       NSEC_PER_SEC;
	ttl = ctx->cfg->serve_stale_ttl;
	if (left < ttl)
		ttl = left ? (uint32_t)left : 1;
	anscache_entry_copy(it, &ctx->entry);
	*sync = query_sync_due(ctx, it, now_ns);
	anscache_unlock(ctx->ac);
	cache_entry_stale(&ctx->entry, ttl, now_ns, &ctx->entry);
	return true;
}

/*
 * The stale copy of @key's entry to the XDP cache, at most once a second
 * per entry: XDP then answers it for --serve-stale-ttl seconds, and the
 * refresher tries the name again before that copy expires.
 */
static void query_stale_to_xdp(struct query_ctx *ctx,
			       const struct xdpdns_cache_key *key,
			       uint64_t now_ns)
{
	bool sync;

	if (query_stale_entry(ctx, key, now_ns, &sync) && sync)
		query_sync(ctx, key, now_ns);
}

/*
 * Answers @q with the stale answer of @key (serve-stale, RFC 8767) if the
 * daemon's copy has one. Return: true when sent.
 */
static bool query_stale(struct query_ctx *ctx, const struct dnsmsg_query *q,
			const struct listen_client *c,
			const struct xdpdns_cache_key *key, uint64_t now_ns)
{
	struct cache_entry_query cq = {
		.msg = q->msg,
		.len = q->len,
		.parsed = q,
		.now_ns = now_ns,
		.edns_size = ctx->cfg->edns_size,
	};
	bool sync;
	int len;

	if (!query_stale_entry(ctx, key, now_ns, &sync))
		return false;
	len = cache_entry_render(&ctx->entry, &cq, ctx->out, sizeof(ctx->out));
	if (len < 0)
		return false;
	STAT_INC(ctx, stale_answers);
	query_send(ctx, c, len);
	if (sync)
		query_sync(ctx, key, now_ns);
	return true;
}

/* The XDP cache's key of a resolution: the name zero-padded. */
static void query_cache_key(const struct resolver_key *k,
			    struct xdpdns_cache_key *ck)
{
	memset(ck, 0, sizeof(*ck));
	memcpy(ck->qname, k->qname, k->qname_len);
	ck->flags = k->flags;
	ck->qtype = k->qtype;
	ck->qclass = k->qclass;
}

/*
 * Answers @q from the answer cache, as XDP would. Return: true when sent;
 * false when there is no fresh entry or it cannot serve this query (too
 * large for the client, a query shape the renderer leaves to answer.c):
 * then it is resolved, and libunbound's own cache answers quickly.
 * *@stale says an expired entry serve-stale may still use was found.
 */
static bool query_from_cache(struct query_ctx *ctx,
			     const struct dnsmsg_query *q,
			     const struct listen_client *c,
			     const struct xdpdns_cache_key *key, bool *stale)
{
	uint64_t now_ns = ev_now_ns();
	struct cache_entry_query cq = {
		.msg = q->msg,
		.len = q->len,
		.parsed = q,
		.now_ns = now_ns,
		.edns_size = ctx->cfg->edns_size,
	};
	struct anscache_item *it;
	bool secure, sync = false, prefetch;
	int len;

	anscache_lock(ctx->ac);
	it = anscache_lookup_stale(ctx->ac, key, now_ns,
				   query_stale_window(ctx), stale);
	len = it && !*stale ? cache_entry_render(it->entry, &cq, ctx->out,
						 sizeof(ctx->out)) :
			      -1;
	if (len < 0) {
		anscache_unlock(ctx->ac);
		return false;
	}
	secure = it->entry->entry_flags & XDPDNS_ENTRY_VALIDATED;
	/*
	 * XDP passed up a UDP query it could have answered from this entry
	 * (it fits the client): its map lost the entry (LRU eviction, a
	 * flush) or the frame could not grow. Writing the entry back makes
	 * the next query an XDP hit again.
	 */
	if (c->transport == LISTEN_UDP && query_sync_due(ctx, it, now_ns)) {
		sync = true;
		/* The map copies a whole entry; the answer cache keeps a
		 * prefix. */
		if (!query_on_worker(ctx))
			anscache_entry_copy(it, &ctx->entry);
	}
	prefetch = query_prefetch_due(it->entry, now_ns);
	/* A UDP thread asks the loop's thread at most once a second. */
	if (prefetch && query_on_worker(ctx)) {
		prefetch = now_ns - it->prefetch_ns >= NSEC_PER_SEC;
		if (prefetch)
			it->prefetch_ns = now_ns;
	}
	anscache_unlock(ctx->ac);
	STAT_INC(ctx, answer_cache_hits);
	if (secure)
		STAT_INC(ctx, secure);
	query_send(ctx, c, len);
	if (sync && query_on_worker(ctx))
		query_relay_key(ctx, key, RELAY_RESTORE);
	else if (sync)
		query_sync(ctx, key, now_ns);
	if (prefetch && query_on_worker(ctx))
		query_relay_key(ctx, key, RELAY_PREFETCH);
	else if (prefetch)
		query_refresh(ctx, key); /* -EALREADY: one is running */
	return true;
}

/* The resolver's key and the XDP cache's key of @q. */
static void query_keys(const struct dnsmsg_query *q, struct resolver_key *key,
		       struct xdpdns_cache_key *ck)
{
	memset(key, 0, sizeof(*key));
	memcpy(key->qname, q->qname, q->qname_len);
	key->qname_len = q->qname_len;
	key->qtype = q->qtype;
	key->qclass = q->qclass;
	key->flags = (q->edns_do ? XDPDNS_KEY_DO : 0) |
		     (q->flags & DNS_F_CD ? XDPDNS_KEY_CD : 0);
	/* The XDP cache's key: the name zero-padded to the array's end. */
	memset(ck, 0, sizeof(*ck));
	memcpy(ck->qname, q->qname, q->qname_len);
	ck->flags = key->flags;
	ck->qtype = q->qtype;
	ck->qclass = q->qclass;
}

/* Whether the daemon limits @client's queries itself: XDP limited what it
 * passed up, so TCP, and everything under --no-xdp. */
static bool query_limits(const struct query_ctx *ctx,
			 const struct listen_client *client)
{
	return ctx->dl && (client->transport == LISTEN_TCP || !ctx->cm) &&
	       !acl_exempt(ctx->acl, (const struct sockaddr *)&client->peer);
}

/*
 * A miss, on a UDP thread: @q (parsed from @msg, @len bytes) to the loop's
 * thread, which resolves it and answers on @client's socket. A full relay
 * is an overload SERVFAIL now, as a full --max-outstanding is.
 */
static void query_relay_query(struct query_ctx *ctx,
			      const struct dnsmsg_query *q, const uint8_t *msg,
			      size_t len, const struct listen_client *client,
			      bool proven)
{
	struct relayed *r = malloc(sizeof(*r) + len);

	if (r) {
		r->kind = RELAY_QUERY;
		r->proven = proven;
		r->client = *client;
		r->q = *q;
		memcpy(r->msg, msg, len);
		if (relay_push(ctx->relay, &r->link)) {
			STAT_INC(ctx, relayed);
			return;
		}
		free(r);
		STAT_INC(ctx, servfail_overload);
	}
	query_error(ctx, q, client, DNS_RCODE_SERVFAIL);
}

/*
 * The rest of a query the answer cache did not answer, on the loop's
 * thread: the miss stage of the limits, serve-stale, then the resolution
 * (or a join). @q is parsed from @msg; @stale: the answer cache holds an
 * expired entry for it.
 */
static void query_resolve(struct query_ctx *ctx, const uint8_t *msg,
			  const struct dnsmsg_query *q,
			  const struct listen_client *client, bool proven,
			  bool stale)
{
	const struct sockaddr *peer = (const struct sockaddr *)&client->peer;
	bool limit = query_limits(ctx, client);
	struct xdpdns_cache_key ck;
	struct resolver_key key;
	enum dlimit_bucket over;
	struct pending *p;
	size_t keep;
	int ret;

	query_keys(q, &key, &ck);
	if (limit && proven &&
	    !dlimit_take_cookie(ctx->dl, ctx->cfg, peer, DLIMIT_MISS,
				ev_now_ns())) {
		STAT_INC(ctx, limited_miss);
		query_limited(ctx, q, client);
		return;
	}
	if (limit && !proven &&
	    !dlimit_take(ctx->dl, ctx->cfg, peer, DLIMIT_MISS, ev_now_ns(),
			 &over)) {
		if (over == DLIMIT_NEW)
			STAT_INC(ctx, limited_new);
		else
			STAT_INC(ctx, limited_miss);
		query_limited(ctx, q, client);
		return;
	}
	if (stale && !ctx->cfg->serve_stale_client_timeout &&
	    query_stale(ctx, q, client, &ck, ev_now_ns())) {
		/* Client timeout 0: stale at once, the name resolved in the
		 * background (joins one in flight). */
		query_refresh(ctx, &ck);
		return;
	}

	/*
	 * The answer needs the ID, flags and question bytes; the rest (EDNS
	 * options, up to 64 KiB over TCP) was parsed into q and is not kept:
	 * a client's waiting queries cost it little memory.
	 */
	keep = DNS_HEADER_LEN + q->question_len;
	p = malloc(sizeof(*p) + keep);
	if (!p) {
		query_error(ctx, q, client, DNS_RCODE_SERVFAIL);
		return;
	}
	memcpy(p->msg, msg, keep);
	p->q = *q;
	p->q.msg = p->msg;
	p->q.len = keep;
	p->client = *client;
	p->stale_ok = stale;
	p->answered = false;
	listen_client_hold(&p->client);
	ret = resolver_query(ctx->res, &key, &p->w);
	if (ret == 0) {
		STAT_INC(ctx, cache_miss);
		return;
	}
	if (ret == 1 || ret == 2) {
		STAT_INC(ctx, inflight_joined);
		/* Joined one already past the client timeout: stale now. */
		if (ret == 2 && stale &&
		    query_stale(ctx, &p->q, &p->client, &ck, ev_now_ns()))
			p->answered = true;
		return;
	}
	if (ret == -EBUSY)
		STAT_INC(ctx, servfail_overload);
	query_error(ctx, &p->q, &p->client, DNS_RCODE_SERVFAIL);
	listen_client_release(&p->client);
	free(p);
}

void query_on_client(void *arg, const uint8_t *msg, size_t len,
		     const struct listen_client *client)
{
	struct query_ctx *ctx = arg;
	struct xdpdns_cache_key ck;
	struct resolver_key key;
	const struct sockaddr *peer = (const struct sockaddr *)&client->peer;
	struct dnsmsg_query q;
	enum dlimit_bucket over;
	bool limit, stale = false, proven;
	int v, cookie = XDPDNS_COOKIE_NONE;

	v = dnsmsg_parse_query(msg, len, &q);
	if (q.question_len)
		STAT_INC(
			ctx,
			query_type[q.qtype < XDPDNS_QTYPE_SLOTS ? q.qtype : 0]);
	if (!acl_allowed(ctx->acl, peer)) {
		STAT_INC(ctx, queries_bad);
		if (ctx->acl->refuse && v != DNSMSG_DROP)
			query_error(ctx, &q, client, DNS_RCODE_REFUSED);
		return;
	}
	if (v != DNSMSG_DROP && query_cookie(ctx, &q, client, &cookie))
		return;
	proven = cookie == XDPDNS_COOKIE_VALID;
	switch (v) {
	case DNSMSG_RESOLVE:
		break;
	case DNSMSG_DROP:
		STAT_INC(ctx, queries_bad);
		return;
	case DNSMSG_FORMERR:
		STAT_INC(ctx, queries_bad);
		query_error(ctx, &q, client, DNS_RCODE_FORMERR);
		return;
	case DNSMSG_NOTIMP:
		STAT_INC(ctx, queries_bad);
		query_error(ctx, &q, client, DNS_RCODE_NOTIMP);
		return;
	case DNSMSG_REFUSED:
		query_error(ctx, &q, client, DNS_RCODE_REFUSED);
		return;
	case DNSMSG_BADVERS:
		STAT_INC(ctx, queries_bad);
		query_error(ctx, &q, client, DNS_RCODE_BADVERS);
		return;
	}

	query_keys(&q, &key, &ck);
	limit = query_limits(ctx, client);
	if (limit && proven) {
		/* A valid server cookie: its own stage, as in XDP. */
		if (!dlimit_take_cookie(ctx->dl, ctx->cfg, peer, DLIMIT_QUERY,
					ev_now_ns())) {
			STAT_INC(ctx, limited_cookie);
			query_limited(ctx, &q, client);
			return;
		}
	} else if (limit && !dlimit_take(ctx->dl, ctx->cfg, peer, DLIMIT_QUERY,
					 ev_now_ns(), &over)) {
		if (over == DLIMIT_NET)
			STAT_INC(ctx, limited_net);
		else if (over == DLIMIT_WIDE)
			STAT_INC(ctx, limited_wide);
		else if (over == DLIMIT_NEW)
			STAT_INC(ctx, limited_new);
		else
			STAT_INC(ctx, limited_query);
		query_limited(ctx, &q, client);
		return;
	}
	if (query_from_cache(ctx, &q, client, &ck, &stale))
		return;
	if (query_on_worker(ctx))
		query_relay_query(ctx, &q, msg, len, client, proven);
	else
		query_resolve(ctx, msg, &q, client, proven, stale);
}

/*
 * A relayed miss on the loop's thread: the answer cache first again (a
 * resolution may have finished since), then as any miss.
 */
static void query_resume(struct query_ctx *ctx, struct relayed *r)
{
	struct xdpdns_cache_key ck;
	struct resolver_key key;
	bool stale = false;

	r->q.msg = r->msg;
	query_keys(&r->q, &key, &ck);
	if (!query_from_cache(ctx, &r->q, &r->client, &ck, &stale))
		query_resolve(ctx, r->msg, &r->q, &r->client, r->proven, stale);
}

void query_ctx_thread(struct query_ctx *dst, const struct query_ctx *main,
		      struct listener *ls, struct relay *relay,
		      struct daemon_stats *stats)
{
	*dst = *main;
	dst->ls = ls;
	dst->stats = stats;
	dst->relay = relay;
	dst->res = NULL;
	dst->rf = NULL;
	dst->status = NULL;
}

void query_relay_drain(struct query_ctx *ctx, struct relay *relay)
{
	struct relay_item *it = relay_take(relay), *next;

	for (; it; it = next) {
		struct relayed *r = (struct relayed *)it;

		next = it->next;
		if (r->kind == RELAY_QUERY)
			query_resume(ctx, r);
		else if (r->kind == RELAY_RESTORE)
			query_restore(ctx, &r->key, ev_now_ns());
		else
			query_refresh(ctx, &r->key); /* -EALREADY: running */
		free(r);
	}
}

void query_relay_free(struct relay_item *it)
{
	free(it);
}

/* The answer for one waiter, from the entry when there is one. */
static void query_answer(struct query_ctx *ctx, struct pending *p,
			 const struct dnsmsg *m, bool secure,
			 const struct xdpdns_cache_entry *entry,
			 uint64_t now_ns)
{
	bool tcp = p->client.transport == LISTEN_TCP, tc = false;
	struct answer_target t;
	int len = -1;

	if (entry) {
		struct cache_entry_query cq = {
			.msg = p->q.msg,
			.len = p->q.len,
			.parsed = &p->q,
			.now_ns = now_ns,
			.edns_size = ctx->cfg->edns_size,
		};

		len = cache_entry_render(entry, &cq, ctx->out,
					 sizeof(ctx->out));
	}
	if (len < 0) {
		/* Not servable as XDP would (size, odd query): encode it. */
		answer_target_for(&t, &p->q, tcp, ctx->cfg->edns_size);
		t.secure = secure;
		len = answer_encode(m, &t, ctx->out, &tc);
		if (len < 0) {
			query_error(ctx, &p->q, &p->client, DNS_RCODE_SERVFAIL);
			return;
		}
		if (tc)
			STAT_INC(ctx, answers_tc);
	}
	if (secure)
		STAT_INC(ctx, secure);
	query_send(ctx, &p->client, len);
}

/*
 * Recursion health (lib/health.h): an answer of any rcode but SERVFAIL is
 * a good resolution; a timeout, a libunbound error or a SERVFAIL is a
 * failure. Bogus answers are the zone's fault, not recursion's: neither.
 * Refreshes neither: libunbound mostly answers them from its own cache,
 * which says nothing about the way to the authorities.
 */
static void query_note_health(struct query_ctx *ctx,
			      const struct resolution *res, uint64_t now_ns)
{
	const struct ub_result *r = res->result;
	struct xdpdns_status *st = ctx->status;

	if (!st || res->refresh || (r && r->bogus))
		return;
	if (r && r->answer_packet && r->rcode != DNS_RCODE_SERVFAIL) {
		__atomic_store_n(&st->resolve_ok_ns, now_ns, __ATOMIC_RELAXED);
		__atomic_store_n(&st->fail_streak, 0, __ATOMIC_RELAXED);
		return;
	}
	__atomic_store_n(&st->resolve_fail_ns, now_ns, __ATOMIC_RELAXED);
	__atomic_store_n(&st->fail_streak, st->fail_streak + 1,
			 __ATOMIC_RELAXED);
}

bool query_tcp_allowed(void *arg, const struct sockaddr *peer)
{
	const struct query_ctx *ctx = arg;

	return acl_allowed(ctx->acl, peer);
}

void query_on_done(void *arg, struct resolution *res)
{
	struct query_ctx *ctx = arg;
	struct xdpdns_cache_entry *entry = NULL;
	struct xdpdns_cache_key key;
	struct resolver_waiter *w, *next;
	struct dnsmsg m = { 0 };
	uint64_t now_ns = ev_now_ns();
	const struct ub_result *r = res->result;
	bool servfail = true, failed = true;
	const char *why;
	int ret;

	if (res->cancelled)
		goto release;
	if (r && r->answer_packet && !r->bogus &&
	    !dnsmsg_parse(r->answer_packet, r->answer_len, &m))
		servfail = false;
	if (r && r->bogus) {
		log_debug("DNSSEC bogus answer: %s",
			  r->why_bogus ? r->why_bogus : "no reason given");
	}
	query_note_health(ctx, res, now_ns);
	if (!servfail) {
		entry = malloc(sizeof(*entry));
		if (entry) {
			ret = cachewrite_build(ctx->cfg, res, &m, now_ns, &key,
					       entry, &why);
			if (ret) {
				log_debug("not caching %s/%u: %s", r->qname,
					  res->key.qtype, why ? why : "");
				STAT_INC(ctx, cache_write_skipped);
				free(entry);
				entry = NULL;
			}
		}
		if (entry) {
			anscache_lock(ctx->ac);
			ret = anscache_store(ctx->ac, &key, entry, now_ns);
			anscache_unlock(ctx->ac);
			if (ret)
				log_debug(
					"not keeping %s/%u in the answer cache: %s",
					r->qname, res->key.qtype,
					strerror(-ret));
		}
		if (entry && ctx->cm) {
			ret = cachewrite_store(ctx->cm, &key, entry, now_ns);
			if (ret == -ENOSPC) {
				/* A burst into a full class: the daemon's
				 * copy answers until a slot is out of
				 * quarantine. */
				STAT_INC(ctx, cache_write_full);
			} else if (ret) {
				log_warn("cannot write cache entry for %s: %s",
					 r->qname, strerror(-ret));
				STAT_INC(ctx, cache_write_errors);
			} else {
				STAT_INC(ctx, cache_writes);
				if (ctx->rf)
					refresh_note(ctx->rf, &key, entry);
			}
		}
	}

	/*
	 * Failed (not bogus: a stale answer is never one the validator
	 * refused): the waiters and the XDP cache get the stale answer when
	 * there is one (serve-stale, RFC 8767).
	 */
	/* libunbound's own SERVFAIL (no server reachable) is a failure too. */
	failed = servfail || r->rcode == DNS_RCODE_SERVFAIL;
	if (!res->cancelled && failed && !(r && r->bogus) &&
	    query_stale_window(ctx)) {
		struct xdpdns_cache_key ck;

		query_cache_key(&res->key, &ck);
		query_stale_to_xdp(ctx, &ck, now_ns);
	}

release:
	for (w = res->waiters; w; w = next) {
		struct pending *p = (struct pending *)w;

		next = w->next;
		if (!res->cancelled && !p->answered) {
			struct xdpdns_cache_key ck;

			query_cache_key(&res->key, &ck);
			if (failed && !(r && r->bogus) &&
			    query_stale(ctx, &p->q, &p->client, &ck, now_ns)) {
				/* answered from the stale entry */
			} else if (servfail) {
				if (r && r->bogus)
					STAT_INC(ctx, bogus);
				query_error(ctx, &p->q, &p->client,
					    DNS_RCODE_SERVFAIL);
			} else {
				query_answer(ctx, p, &m, r->secure, entry,
					     now_ns);
			}
		}
		listen_client_release(&p->client);
		free(p);
	}
	free(entry);
	dnsmsg_free(&m);
}

int query_refresh(void *arg, const struct xdpdns_cache_key *ck)
{
	struct query_ctx *ctx = arg;
	struct resolver_key key = { 0 };
	int n, ret;

	n = dnswire_name_len(ck->qname, sizeof(ck->qname));
	if (n < 0)
		return n;
	memcpy(key.qname, ck->qname, n);
	key.qname_len = n;
	key.qtype = ck->qtype;
	key.qclass = ck->qclass;
	key.flags = ck->flags;
	ret = resolver_query(ctx->res, &key, NULL);
	if (ret == 0)
		STAT_INC(ctx, prefetch);
	return ret;
}

void query_on_slow(void *arg, const struct resolver_key *key,
		   struct resolver_waiter *waiters)
{
	struct query_ctx *ctx = arg;
	uint64_t now_ns = ev_now_ns();
	struct xdpdns_cache_key ck;

	query_cache_key(key, &ck);
	for (struct resolver_waiter *w = waiters; w; w = w->next) {
		struct pending *p = (struct pending *)w;

		if (p->stale_ok && !p->answered &&
		    query_stale(ctx, &p->q, &p->client, &ck, now_ns))
			p->answered = true;
	}
}
