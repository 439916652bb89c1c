/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The sampled query stream: 1 in config.sample_rate queries is copied to the
 * xdpdns_events ring buffer as a struct xdpdns_event once its outcome is
 * known, for `xdpdnsctl tail` and the dashboard. XDP_TX answers never show in
 * tcpdump, so this stream and the counters are what operators see.
 *
 * The qname is the lower-cased key the parser built in xdpdns_keybuf; a query
 * stopped before its question was parsed (dropped by the ACL or a rate limit,
 * malformed header) carries qname_len 0 and qtype 0. A full ring loses the
 * sample, never the query: sample_lost counts those.
 *
 * With XDPDNS_CFG_DNSTAP each event is written to xdpdns_tap as well, for
 * xdpdnsd's dnstap log (maps.bpf.h says why a second ring); a full tap ring
 * is counted as tap_lost and leaves xdpdns_events alone.
 */
#ifndef XDPDNS_SAMPLE_BPF_H
#define XDPDNS_SAMPLE_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "limit.bpf.h"
#include "maps.bpf.h"

/* What the sampled query's outcome was, from its counter. */
static __always_inline __u8 sample_action(__u32 reason)
{
	switch (reason) {
	case XDPDNS_STAT_HIT:
		return XDPDNS_ACT_ANSWERED;
	case XDPDNS_STAT_ACL_DROPPED:
	case XDPDNS_STAT_ACL_REFUSED:
		return XDPDNS_ACT_DENIED;
	case XDPDNS_STAT_RL_DROPPED:
	case XDPDNS_STAT_RL_SLIPPED:
	case XDPDNS_STAT_MISS_DROPPED:
	case XDPDNS_STAT_MISS_SLIPPED:
	case XDPDNS_STAT_GMISS_DROPPED:
	case XDPDNS_STAT_NET_DROPPED:
	case XDPDNS_STAT_NET_SLIPPED:
	case XDPDNS_STAT_WIDE_DROPPED:
	case XDPDNS_STAT_WIDE_SLIPPED:
	case XDPDNS_STAT_NEW_DROPPED:
	case XDPDNS_STAT_COOKIE_DROPPED:
	case XDPDNS_STAT_COOKIE_SLIPPED:
	case XDPDNS_STAT_COOKIE_BAD:
		return XDPDNS_ACT_LIMITED;
	}
	return XDPDNS_ACT_PASSED;
}

/* The sampled query as xdpdns_main() knows it at the end. */
struct sample_args {
	__u32 l3_off;
	__u32 l4_off;
	__u16 l3_proto;
	__u16 qtype; /* 0 when the question was not parsed */
	__u16 qlen; /* key qname length, 0 when not parsed */
	__u8 reason; /* XDPDNS_STAT_* outcome */
	__u8 swapped; /* XDP_TX: the client is now the destination */
	__u8 rcode; /* the answer's, when XDP_TX */
	__u8 tap; /* XDPDNS_CFG_DNSTAP: a copy to xdpdns_tap too */
};

/* Fills @ev for the query in @data, its client @k, described by @a. */
static __always_inline void sample_fill(struct xdpdns_event *ev,
					const struct sample_args *a,
					const struct xdpdns_lpm_key *k,
					const struct keybuf *kb, void *data,
					void *data_end)
{
	__u8 *udp = data + (a->l4_off & 0xff);
	__u32 qlen;

	ev->ts_ns = bpf_ktime_get_ns();
	ev->family = k->family;
	__builtin_memcpy(ev->addr, k->addr, sizeof(ev->addr));
	ev->qtype = a->qtype;
	ev->action = sample_action(a->reason);
	ev->reason = a->reason;
	/* keybuf_clear() keeps the qname zero past qlen: a fixed-size copy. */
	qlen = a->qlen;
	if (qlen >= 1 && qlen <= DNS_NAME_MAX) {
		ev->qname_len = qlen;
		__builtin_memcpy(ev->qname, kb->qname, DNS_NAME_MAX);
	} else {
		ev->qname_len = 0;
		__builtin_memset(ev->qname, 0, DNS_NAME_MAX);
	}
	/* UDP header and DNS ID; after XDP_TX the client's port is the
	 * destination. */
	if (a->l4_off && (void *)(udp + 10) <= data_end) {
		__builtin_memcpy(ev->port, udp + (a->swapped ? 2 : 0), 2);
		__builtin_memcpy(ev->id, udp + 8, 2);
	} else {
		__builtin_memset(ev->port, 0, 2);
		__builtin_memset(ev->id, 0, 2);
	}
	ev->rcode = a->swapped ? a->rcode : 0;
	__builtin_memset(ev->pad, 0, sizeof(ev->pad));
}

/*
 * Write one event for the query in @ctx, described by @a; the qname itself is
 * this CPU's xdpdns_keybuf. A global function, like the limiter stages:
 * verified once, instead of once per state main has after its qname loop.
 * Return: 1 when an event was written to xdpdns_events.
 */
__noinline int xdpdns_sample(struct xdp_md *ctx, struct sample_args *a)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct keybuf *kb;
	struct xdpdns_event *ev;
	struct xdpdns_lpm_key k;
	struct xdpdns_stats *s;
	__u32 zero = 0;
	int ret = 0;

	kb = bpf_map_lookup_elem(&xdpdns_keybuf, &zero);
	s = bpf_map_lookup_elem(&xdpdns_stats, &zero);
	if (!a || !kb || !s ||
	    limit_src(data, data_end, a->l3_off, a->l3_proto, &k, a->swapped))
		return 0;
	ev = bpf_ringbuf_reserve(&xdpdns_events, sizeof(*ev), 0);
	if (ev) {
		sample_fill(ev, a, &k, kb, data, data_end);
		bpf_ringbuf_submit(ev, 0);
		s->sampled++;
		ret = 1;
	} else {
		s->sample_lost++;
	}
	if (a->tap) {
		ev = bpf_ringbuf_reserve(&xdpdns_tap, sizeof(*ev), 0);
		if (!ev) {
			s->tap_lost++;
			return ret;
		}
		sample_fill(ev, a, &k, kb, data, data_end);
		bpf_ringbuf_submit(ev, 0);
	}
	return ret;
}

#endif /* XDPDNS_SAMPLE_BPF_H */
