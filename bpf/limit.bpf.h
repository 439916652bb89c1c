/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Access control and flood limits for the XDP program (README.md, "How a
 * query travels", steps 2 and 3): the allow/deny lists, the per-client query
 * bucket, the per-client miss budget, the global miss cap, slip and dry-run.
 * Only decisions live here; the REFUSED and TC=1 replies are built by
 * xdpdns_bounce() in xdpdns.bpf.c, after the question has been parsed.
 *
 * Every bucket is GCRA ("virtual scheduling", as in struct xdpdns_rl_state):
 * with emission interval T = 1e9 / rate ns, a query arriving at now moves the
 * theoretical arrival time to tat' = max(tat, now) + T and conforms when
 * tat' - burst * T <= now, so a fresh or idle bucket admits exactly `burst`
 * queries back to back and then one every T. A non-conforming query leaves
 * tat alone. The new tat is published with compare-and-swap: buckets are
 * shared by all CPUs (RSS spreads one client's ports over queues), no update
 * is lost and no lock is taken. A CPU that keeps losing the race treats the
 * query as limited: it only loses when others admitted queries of the same
 * client in the meantime.
 *
 * A query is counted against its host (/32, /128) and then against wider
 * prefixes, each with its own rate and burst, as Knot Resolver 6 does: its
 * network (IPv4 /24, IPv6 /64) and a wider prefix (IPv4 /20, IPv6 /56).
 * Each is its own entry in the one LRU table, keyed by (family, stage,
 * masked address). A prefix stage only sees queries the host bucket
 * admitted, so one flooding host spends its own bucket, never its
 * neighbours'. A source the table has not seen must first take a token from
 * one global admission bucket, and then starts with a reduced first burst:
 * spoofed sources churned inside an allowed prefix cannot each spend a full
 * burst, nor evict the table faster than the admission rate.
 *
 * The entry points, xdpdns_limit() before the question is parsed (with
 * xdpdns_limit_stage() for each prefix stage) and xdpdns_limit_miss() for a
 * query on its way to the daemon, are global functions: the verifier checks
 * each once, and xdpdns_main() sees only unknown scalars coming back, so
 * they add no states to its qname loop (which inlining them did, past the
 * 1M-instruction budget). The price is that a map value pointer cannot be
 * handed from one to the next: each looks its entry up itself, and the miss
 * stage looks the client up again, a second LRU lookup that only queries
 * bound for the daemon pay. Return convention of all three: 0 when the
 * query goes on, otherwise the XDPDNS_STAT_* outcome for dropping it;
 * l->bounce then says whether a reply should be tried instead (whose outcome
 * is l->tx_reason).
 */
#ifndef XDPDNS_LIMIT_BPF_H
#define XDPDNS_LIMIT_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "parse.bpf.h"

#ifndef LIMIT_CAS_TRIES
#define LIMIT_CAS_TRIES 4
#endif

/*
 * The client address of the IP header at @l3_off as an LPM key matching the
 * whole address; with @swapped (a reply built in place) the destination.
 * Returns 0, or -1 if the header is out of bounds (never, once parse_ipv4/6
 * succeeded; the verifier wants the check).
 */
static __always_inline int limit_src(void *data, void *data_end, __u32 l3_off,
				     __u16 l3_proto, struct xdpdns_lpm_key *k,
				     int swapped)
{
	struct ipv6hdr *ip6;
	struct iphdr *ip;

	if (l3_proto == ETH_P_IP) {
		ip = data + (l3_off & 0x3f);
		if ((void *)(ip + 1) > data_end)
			return -1;
		k->prefixlen = 32 + 32;
		k->family = 4;
		__builtin_memcpy(k->addr, swapped ? &ip->daddr : &ip->saddr, 4);
		__builtin_memset(k->addr + 4, 0, 12);
		return 0;
	}
	ip6 = data + (l3_off & 0x3f);
	if ((void *)(ip6 + 1) > data_end)
		return -1;
	k->prefixlen = 32 + 128;
	k->family = 6;
	__builtin_memcpy(k->addr, swapped ? &ip6->daddr : &ip6->saddr, 16);
	return 0;
}

/* The top @bits bits of a host-order word. */
static __always_inline __u32 limit_mask32(int bits)
{
	if (bits <= 0)
		return 0;
	if (bits >= 32)
		return ~0U;
	return ~0U << (32 - bits);
}

/* Any limit on at all (else the table only counts queries per client). */
static __always_inline int limit_any(const struct xdpdns_config *cfg)
{
	return !!(cfg->rl_rate | cfg->miss_rate | cfg->gmiss_rate |
		  cfg->net_rate | cfg->wide_rate | cfg->new_rate |
		  cfg->cookie_rate);
}

/*
 * The rate-limit key of client @k in @stage: its address masked to the
 * stage's prefix. 0 (an unset config) means the defaults: /32 and /128 for
 * the host, /24 and /64 for the network, /20 and /56 for the wider prefix
 * (a /0 "client" would make one bucket of the whole hall).
 */
static __always_inline void limit_rl_key(const struct xdpdns_lpm_key *k,
					 const struct xdpdns_config *cfg,
					 __u32 stage, struct xdpdns_rl_key *rk)
{
	int bits, i;
	__u32 w;

	if (stage == XDPDNS_RL_NET)
		bits = k->family == 4 ? cfg->net_v4_prefix : cfg->net_v6_prefix;
	else if (stage == XDPDNS_RL_WIDE)
		bits = k->family == 4 ? cfg->wide_v4_prefix :
					cfg->wide_v6_prefix;
	else
		bits = k->family == 4 ? cfg->v4_prefix : cfg->v6_prefix;
	if (!bits)
		bits = xdpdns_rl_default_bits(k->family, stage);
	bits &= 0xff;
	if (bits > (k->family == 4 ? 32 : 128))
		bits = k->family == 4 ? 32 : 128;
	rk->family = k->family;
	rk->stage = stage;
	rk->plen = bits;
#pragma unroll
	for (i = 0; i < 4; i++) {
		__builtin_memcpy(&w, k->addr + 4 * i, 4);
		w = bpf_htonl(bpf_ntohl(w) & limit_mask32(bits - 32 * i));
		__builtin_memcpy(rk->addr + 4 * i, &w, 4);
	}
}

/*
 * Take one token from the GCRA bucket whose theoretical arrival time is
 * *@tat. Returns 1 when the query conforms (tat advanced), 0 when it is over
 * the limit. A rate above 1e9 per second is no limit.
 */
static __always_inline int gcra_take(__u64 *tat, __u64 now, __u32 rate,
				     __u32 burst)
{
	__u64 old, cur, next;
	int i;

	old = *(volatile __u64 *)tat;
#pragma unroll
	for (i = 0; i < LIMIT_CAS_TRIES; i++) {
		if (!xdpdns_gcra_step(old, now, rate, burst, &next))
			return 0;
		cur = __sync_val_compare_and_swap(tat, old, next);
		if (cur == old)
			return 1;
		old = cur;
	}
	return 0;
}

/*
 * The state of a prefix in the shared LRU table, created on first sight. A
 * racing CPU may create it first (BPF_NOEXIST fails), so the lookup is
 * retried once; NULL only if the new element was evicted again at once,
 * and then this one query goes unlimited.
 */
static __always_inline struct xdpdns_rl_state *
limit_state(const struct xdpdns_rl_key *rk)
{
	struct xdpdns_rl_state *st, init = {};

	st = bpf_map_lookup_elem(&xdpdns_rl, rk);
	if (st)
		return st;
	bpf_map_update_elem(&xdpdns_rl, rk, &init, BPF_NOEXIST);
	return bpf_map_lookup_elem(&xdpdns_rl, rk);
}

/*
 * The host entry @rk, created on first sight behind the new-source
 * admission bucket: a source the table does not hold needs one of its
 * tokens, else no entry is made and *@refused is set (returning NULL unless
 * in dry-run, where the entry is made anyway). A new entry's buckets start
 * with cfg->new_first tokens. NULL without *@refused: evicted at once (this
 * one query goes unlimited, as in limit_state()).
 */
static __always_inline struct xdpdns_rl_state *
limit_host(const struct xdpdns_config *cfg, const struct xdpdns_rl_key *rk,
	   __u64 now, int *refused)
{
	struct xdpdns_rl_state *st, init = {};
	struct xdpdns_gmiss_state *g;
	__u32 zero = 0;

	*refused = 0;
	st = bpf_map_lookup_elem(&xdpdns_rl, rk);
	if (st)
		return st;
	if (cfg->new_rate) {
		g = bpf_map_lookup_elem(&xdpdns_gmiss, &zero);
		if (g && !gcra_take(&g->new_tat_ns, now, cfg->new_rate,
				    cfg->new_burst)) {
			__sync_fetch_and_add(&g->new_dropped, 1);
			*refused = 1;
			if (!(cfg->flags & XDPDNS_CFG_RL_DRYRUN))
				return NULL;
		}
	}
	init.tat_ns = xdpdns_gcra_start(now, cfg->rl_rate, cfg->rl_burst,
					cfg->new_first);
	init.miss_tat_ns = xdpdns_gcra_start(now, cfg->miss_rate,
					     cfg->miss_burst, cfg->new_first);
	bpf_map_update_elem(&xdpdns_rl, rk, &init, BPF_NOEXIST);
	return bpf_map_lookup_elem(&xdpdns_rl, rk);
}

/*
 * A query over a per-client limit: count it in the client's state @st,
 * decide slip (every cfg->slip-th limited query of the client, counted
 * atomically in slip_ctr) and, in dry-run, let it go on. Returns the drop
 * outcome, or 0 in dry-run.
 */
static __always_inline __u32 limit_over(struct limit *l,
					const struct xdpdns_config *cfg,
					struct xdpdns_stats *s,
					struct xdpdns_rl_state *st,
					__u32 drop_reason, __u32 slip_reason)
{
	__u8 slip = cfg->slip;
	__u64 n = 0;

	__sync_fetch_and_add(&st->limited, 1);
	st->limited_ns = l->now;
	if (slip > 1)
		n = __sync_fetch_and_add(&st->slip_ctr, 1) + 1;
	if (l->dryrun) {
		s->dryrun++;
		l->miss = 0; /* enforced, it would not have reached the cache */
		return 0;
	}
	if (slip == 1 || (slip > 1 && n % slip == 0)) {
		l->bounce = DNS_F_TC;
		l->tx_reason = slip_reason;
	}
	return drop_reason;
}

/*
 * A prefix stage (XDPDNS_RL_NET or XDPDNS_RL_WIDE) for a query the host
 * bucket admitted: one token from the bucket of the client's prefix, whose
 * entry counts the prefix's queries and its limited ones, and drives its
 * slip. Called by xdpdns_limit() only, with l->now set.
 */
__noinline int xdpdns_limit_stage(struct xdp_md *ctx, struct limit *l,
				  __u32 stage)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct xdpdns_rl_state *st;
	struct xdpdns_config *cfg;
	struct xdpdns_lpm_key k;
	struct xdpdns_rl_key rk;
	struct xdpdns_stats *s;
	__u32 zero = 0, rate, burst;

	cfg = bpf_map_lookup_elem(&xdpdns_config, &zero);
	s = bpf_map_lookup_elem(&xdpdns_stats, &zero);
	if (!l || !cfg || !s ||
	    limit_src(data, data_end, l->l3_off, l->l3_proto, &k, 0))
		return 0;
	stage = stage == XDPDNS_RL_WIDE ? XDPDNS_RL_WIDE : XDPDNS_RL_NET;
	rate = stage == XDPDNS_RL_WIDE ? cfg->wide_rate : cfg->net_rate;
	burst = stage == XDPDNS_RL_WIDE ? cfg->wide_burst : cfg->net_burst;
	if (!rate)
		return 0;
	limit_rl_key(&k, cfg, stage, &rk);
	st = limit_state(&rk);
	if (!st)
		return 0;
	__sync_fetch_and_add(&st->queries, 1);
	st->last_ns = l->now;
	if (gcra_take(&st->tat_ns, l->now, rate, burst))
		return 0;
	if (stage == XDPDNS_RL_WIDE)
		return limit_over(l, cfg, s, st, XDPDNS_STAT_WIDE_DROPPED,
				  XDPDNS_STAT_WIDE_SLIPPED);
	return limit_over(l, cfg, s, st, XDPDNS_STAT_NET_DROPPED,
			  XDPDNS_STAT_NET_SLIPPED);
}

/*
 * The first stage, before the question is parsed: ACL, exemption,
 * new-source admission, the per-client query bucket, the prefix stages;
 * for a query with a valid server cookie (l->cookie) its own bucket instead
 * of the last three.
 * xdpdns_main() calls it only when the config has the ACL flag or
 * limit_any(), with l3_off/l3_proto of a parsed query and the rest of @l
 * zero.
 */
__noinline int xdpdns_limit(struct xdp_md *ctx, struct limit *l)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct xdpdns_rl_state *st = NULL;
	struct xdpdns_config *cfg;
	struct xdpdns_lpm_key k;
	struct xdpdns_rl_key rk;
	struct xdpdns_stats *s;
	__u32 zero = 0, flags;
	int refused, r;
	__u64 now;

	cfg = bpf_map_lookup_elem(&xdpdns_config, &zero);
	s = bpf_map_lookup_elem(&xdpdns_stats, &zero);
	if (!l || !cfg || !s ||
	    limit_src(data, data_end, l->l3_off, l->l3_proto, &k, 0))
		return 0;

	flags = cfg->flags;
	if (flags & XDPDNS_CFG_ACL) {
		/* Deny wins; an address in neither list is not allowed. */
		if (bpf_map_lookup_elem(&xdpdns_deny, &k) ||
		    !bpf_map_lookup_elem(&xdpdns_allow, &k)) {
			if (!(flags & XDPDNS_CFG_ACL_REFUSE))
				return XDPDNS_STAT_ACL_DROPPED;
			/*
			 * REFUSED replies are metered by new-source admission
			 * and the outsider's own query bucket: unmetered,
			 * refuse would be a 1:1 reflector for whoever spoofs
			 * the source. Dry-run limits nothing, this neither.
			 */
			if ((cfg->rl_rate | cfg->new_rate) &&
			    !(flags & XDPDNS_CFG_RL_DRYRUN)) {
				now = bpf_ktime_get_ns();
				limit_rl_key(&k, cfg, XDPDNS_RL_HOST, &rk);
				st = limit_host(cfg, &rk, now, &refused);
				if (refused)
					return XDPDNS_STAT_ACL_DROPPED;
				if (st && cfg->rl_rate &&
				    !gcra_take(&st->tat_ns, now, cfg->rl_rate,
					       cfg->rl_burst))
					return XDPDNS_STAT_ACL_DROPPED;
			}
			l->bounce = DNS_RCODE_REFUSED;
			l->tx_reason = XDPDNS_STAT_ACL_REFUSED;
			return XDPDNS_STAT_ACL_DROPPED;
		}
	}

	if (l->acl_only)
		return 0;
	if (!limit_any(cfg)) {
		/* Limits off: still counted, for `xdpdnsctl top clients`
		 * and the dashboard (one LRU update, as with limits on). */
		limit_rl_key(&k, cfg, XDPDNS_RL_HOST, &rk);
		st = limit_state(&rk);
		if (st) {
			__sync_fetch_and_add(&st->queries, 1);
			st->last_ns = bpf_ktime_get_ns();
		}
		return 0;
	}
	if (bpf_map_lookup_elem(&xdpdns_exempt, &k)) {
		s->rl_exempt++;
		return 0;
	}
	l->now = bpf_ktime_get_ns();
	l->dryrun = !!(flags & XDPDNS_CFG_RL_DRYRUN);
	l->miss = 1;
	if (l->cookie) {
		/* A valid server cookie: the source is real, so no
		 * admission and no prefix stage, only its own bucket. */
		limit_rl_key(&k, cfg, XDPDNS_RL_HOST, &rk);
		rk.stage = XDPDNS_RL_COOKIE;
		st = limit_state(&rk);
		if (!st)
			return 0;
		__sync_fetch_and_add(&st->queries, 1);
		st->last_ns = l->now;
		if (cfg->cookie_rate &&
		    !gcra_take(&st->tat_ns, l->now, cfg->cookie_rate,
			       cfg->cookie_burst))
			return limit_over(l, cfg, s, st,
					  XDPDNS_STAT_COOKIE_DROPPED,
					  XDPDNS_STAT_COOKIE_SLIPPED);
		return 0;
	}
	if (!(cfg->rl_rate | cfg->miss_rate | cfg->net_rate | cfg->wide_rate |
	      cfg->new_rate))
		return 0;
	limit_rl_key(&k, cfg, XDPDNS_RL_HOST, &rk);
	st = limit_host(cfg, &rk, l->now, &refused);
	if (refused && !l->dryrun)
		return XDPDNS_STAT_NEW_DROPPED;
	if (st) {
		__sync_fetch_and_add(&st->queries, 1);
		st->last_ns = l->now;
	}
	if (refused) {
		/* Dry-run: admission would have dropped it. */
		if (st) {
			__sync_fetch_and_add(&st->limited, 1);
			st->limited_ns = l->now;
		}
		s->dryrun++;
		l->miss = 0;
		return 0;
	}
	if (!st)
		return 0;
	if (cfg->rl_rate &&
	    !gcra_take(&st->tat_ns, l->now, cfg->rl_rate, cfg->rl_burst))
		return limit_over(l, cfg, s, st, XDPDNS_STAT_RL_DROPPED,
				  XDPDNS_STAT_RL_SLIPPED);
	if (cfg->net_rate) {
		r = xdpdns_limit_stage(ctx, l, XDPDNS_RL_NET);
		if (r || !l->miss) /* limited, or limited in dry-run */
			return r;
	}
	if (cfg->wide_rate)
		return xdpdns_limit_stage(ctx, l, XDPDNS_RL_WIDE);
	return 0;
}

/*
 * The second stage, for a query about to be passed to the daemon (a miss, a
 * stale entry, anything the cache cannot answer): the client's miss budget,
 * then the global miss cap. xdpdns_main() calls it when a miss rate is
 * configured, with the packet still the client's query; nothing happens
 * unless xdpdns_limit() set l->miss (limits on, not exempt, not a query
 * already limited in dry-run).
 */
__noinline int xdpdns_limit_miss(struct xdp_md *ctx, struct limit *l)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct xdpdns_gmiss_state *g;
	struct xdpdns_rl_state *st;
	struct xdpdns_config *cfg;
	struct xdpdns_lpm_key k;
	struct xdpdns_rl_key rk;
	struct xdpdns_stats *s;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&xdpdns_config, &zero);
	s = bpf_map_lookup_elem(&xdpdns_stats, &zero);
	if (!l || !l->miss || !cfg || !s ||
	    limit_src(data, data_end, l->l3_off, l->l3_proto, &k, 0))
		return 0;

	if (cfg->miss_rate) {
		/* Evicted since the first stage: this one goes unlimited. */
		limit_rl_key(&k, cfg, XDPDNS_RL_HOST, &rk);
		if (l->cookie)
			rk.stage = XDPDNS_RL_COOKIE;
		st = bpf_map_lookup_elem(&xdpdns_rl, &rk);
		if (st && !gcra_take(&st->miss_tat_ns, l->now, cfg->miss_rate,
				     cfg->miss_burst))
			return limit_over(l, cfg, s, st,
					  XDPDNS_STAT_MISS_DROPPED,
					  XDPDNS_STAT_MISS_SLIPPED);
	}

	if (!cfg->gmiss_rate)
		return 0;
	g = bpf_map_lookup_elem(&xdpdns_gmiss, &zero);
	if (!g ||
	    gcra_take(&g->tat_ns, l->now, cfg->gmiss_rate, cfg->gmiss_burst))
		return 0;
	__sync_fetch_and_add(&g->dropped, 1);
	if (l->dryrun) {
		s->dryrun++;
		return 0;
	}
	return XDPDNS_STAT_GMISS_DROPPED;
}

#endif /* XDPDNS_LIMIT_BPF_H */
