// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdns XDP program: answers hot DNS queries from the xdpdns_cache map in
 * the driver, before the network stack, and passes everything else up to
 * xdpdnsd. README.md, "How a query travels", walks through the steps.
 *
 * A hit rewrites the query in place into the response: the client's header ID
 * and question bytes stay where they are, the cached sections and an OPT
 * record are appended after them, addresses and ports are swapped and the
 * frame leaves with XDP_TX. The UDP checksum is summed arithmetically from
 * parts that are known before the packet is touched (question bytes summed
 * while parsing, the entry's precomputed data sum, TTLs as they are written),
 * so the packet is never walked twice.
 */
#include <linux/bpf.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>

#include "maps.bpf.h"
#include "dns.bpf.h"
#include "limit.bpf.h"
#include "sample.bpf.h"
#include "cookie.bpf.h"

/* libxdp dispatcher: run early, let later programs see what we pass. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xdpdns_main);

#define NSEC_PER_SEC 1000000000ULL
#define IP_TTL_REPLY 64

static __always_inline void stat_inc(struct xdpdns_stats *s, __u32 idx)
{
	__u64 *c = (__u64 *)s;

	/* The mask keeps the access bounded even if the compiler spills idx
	 * in a way that loses the check's range (it did: pkt_bounded() keeps
	 * the compiler from dropping the mask as redundant). */
	_Static_assert(XDPDNS_STAT_MAX <= 64, "stat index mask");
	if (idx < XDPDNS_STAT_MAX)
		c[pkt_bounded(idx, 63)]++;
}

/*
 * Is this TCP to @port (a connection to the daemon's DNS over TCP)? IPv4
 * with or without options, IPv6 without extension headers. The header
 * checks are parse_ipv4/6's, already passed up to the protocol.
 */
static __always_inline int tcp_to_port(struct pkt *p, __u16 port)
{
	struct ipv6hdr *ip6;
	struct iphdr *ip;
	struct tcphdr *tcp;
	__u32 l4;

	if (p->l3_proto == ETH_P_IP) {
		ip = p->data + p->l3_off;
		if ((void *)(ip + 1) > p->data_end || ip->version != 4 ||
		    ip->protocol != IPPROTO_TCP || ip->ihl < 5 ||
		    (ip->frag_off & bpf_htons(0x1fff)))
			return 0;
		l4 = p->l3_off + pkt_bounded(ip->ihl * 4u, 0x3c);
	} else {
		ip6 = p->data + p->l3_off;
		if ((void *)(ip6 + 1) > p->data_end || ip6->version != 6 ||
		    ip6->nexthdr != IPPROTO_TCP)
			return 0;
		l4 = p->l3_off + sizeof(*ip6);
	}
	tcp = p->data + pkt_bounded(l4, 0x1ff);
	if ((void *)(tcp + 1) > p->data_end)
		return 0;
	return tcp->dest == bpf_htons(port);
}

/* The limiter's state for this frame, zeroed, in the per-CPU keybuf. */
static __always_inline struct limit *limit_begin(struct keybuf *kb,
						 const struct pkt *p)
{
	struct limit *lim = &kb->lim;

	__builtin_memset(lim, 0, sizeof(*lim));
	lim->l3_off = p->l3_off;
	lim->l3_proto = p->l3_proto;
	return lim;
}

/* Is the destination address one of the service addresses? */
static __always_inline int svc_is_ours(struct pkt *p)
{
	struct xdpdns_svc_key k = {};
	struct ipv6hdr *ip6;
	struct iphdr *ip;

	if (p->l3_proto == ETH_P_IP) {
		ip = p->data + p->l3_off;
		if ((void *)(ip + 1) > p->data_end)
			return 0;
		k.family = 4;
		__builtin_memcpy(k.addr, &ip->daddr, 4);
	} else {
		ip6 = p->data + p->l3_off;
		if ((void *)(ip6 + 1) > p->data_end)
			return 0;
		k.family = 6;
		__builtin_memcpy(k.addr, &ip6->daddr, 16);
	}
	return bpf_map_lookup_elem(&xdpdns_svc, &k) != NULL;
}

/*
 * Swap the addresses of the IP header at @l3 and set its length for a UDP
 * datagram of @udp_len bytes. Returns the checksum sum of the pseudo-header
 * (addresses, protocol, length), or -1 if the header is out of bounds.
 */
static __always_inline long ip_reply(void *data, void *data_end, __u32 l3,
				     __u16 l3_proto, __u32 udp_len)
{
	__u32 sum = IPPROTO_UDP + udp_len, a, i;
	struct ipv6hdr *ip6;
	struct in6_addr a6;
	struct iphdr *ip;

	if (l3_proto == ETH_P_IP) {
		ip = data + l3;
		if ((void *)(ip + 1) > data_end)
			return -1;
		a = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = a;
		ip->tot_len = bpf_htons(sizeof(*ip) + udp_len);
		ip->ttl = IP_TTL_REPLY;
		ip->check = 0;
		ip->check = csum_ipv4_hdr(ip);
		sum += csum_u32(bpf_ntohl(ip->saddr), 0) +
		       csum_u32(bpf_ntohl(ip->daddr), 0);
		return sum;
	}

	ip6 = data + l3;
	if ((void *)(ip6 + 1) > data_end)
		return -1;
	a6 = ip6->saddr;
	ip6->saddr = ip6->daddr;
	ip6->daddr = a6;
	ip6->payload_len = bpf_htons(udp_len);
	ip6->hop_limit = IP_TTL_REPLY;
#pragma unroll
	for (i = 0; i < 4; i++)
		sum += csum_u32(bpf_ntohl(ip6->saddr.in6_u.u6_addr32[i]), 0) +
		       csum_u32(bpf_ntohl(ip6->daddr.in6_u.u6_addr32[i]), 0);
	return sum;
}

/*
 * Turn the frame around: swap the MACs, the IP addresses (ip_reply()) and
 * the UDP ports, and set the lengths for a UDP datagram of @udp_len bytes.
 * Return: the checksum sum of the pseudo-header and UDP header (checksum
 * field zeroed), or -1 if a header is out of bounds.
 */
static __always_inline long reply_turn(void *data, void *data_end, __u32 l3,
				       __u32 l4, __u16 l3_proto, __u32 udp_len)
{
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u8 mac[ETH_ALEN];
	__u16 port;
	long sum;

	if ((void *)(eth + 1) > data_end)
		return -1;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);

	sum = ip_reply(data, data_end, l3, l3_proto, udp_len);
	if (sum < 0)
		return -1;

	udp = data + l4;
	if ((void *)(udp + 1) > data_end)
		return -1;
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	udp->len = bpf_htons(udp_len);
	udp->check = 0;
	return sum + bpf_ntohs(udp->source) + bpf_ntohs(udp->dest) + udp_len;
}

/*
 * Write our OPT record at @b, which sits at UDP offset @off: root name, type
 * OPT, class = @size (our UDP payload size), extended rcode @ext, version
 * 0, DO as the client sent it, and @rdlen bytes of options that the caller
 * writes after it. Return: its checksum contribution.
 */
static __always_inline __u32 opt_write(__u8 *b, __u16 size, __u8 do_bit,
				       __u8 ext, __u8 rdlen, __u32 off)
{
	__u32 sum;

	b[0] = 0;
	b[1] = 0;
	b[2] = DNS_TYPE_OPT;
	b[3] = size >> 8;
	b[4] = size & 0xff;
	b[5] = ext;
	b[6] = 0;
	b[7] = do_bit ? DNS_OPT_DO >> 8 : 0;
	b[8] = 0;
	b[9] = 0;
	b[10] = rdlen;
	/* Even-aligned sum of those bytes: 0x29|size_hi, size_lo|ext, DO,
	 * rdlen's low byte opening a word. */
	sum = 0x2900 + (size >> 8) + ((size & 0xff) << 8) + ext +
	      (do_bit ? 0x80 : 0) + ((__u32)rdlen << 8);
	return (off & 1) ? csum_swab16(sum) : sum;
}

/*
 * The COOKIE option xdpdns_cookie_check() prepared in @a, stored at frame offset
 * @off, right after our OPT record. Return: its checksum contribution, or
 * -1 with the frame unchanged.
 */
static __always_inline long cookie_store(struct xdp_md *ctx,
					 const struct serve_args *a, __u32 off)
{
	if (bpf_xdp_store_bytes(ctx, off, (void *)a->ropt,
				XDPDNS_COOKIE_OPT_LEN))
		return -1;
	return (off & 1) ? csum_swab16(a->ropt_sum) : a->ropt_sum;
}

/*
 * Head growth that is always available in front of a frame: the kernel keeps
 * XDP_PACKET_HEADROOM (256) and needs sizeof(struct xdp_frame) of it for
 * XDP_TX.
 */
#define GROW_HEAD_SAFE 192

/*
 * Make the frame @head bytes longer at the front and @tail at the back, and
 * move its first @len bytes (headers and question) to the new front, so that
 * the frame looks as if it had grown @head + @tail at the tail. For drivers
 * that run XDP on a buffer with little tailroom but the usual headroom (veth
 * on an skb). Return: 0, or -1 with the frame unchanged.
 */
static __always_inline int grow_split(struct xdp_md *ctx, int head, int tail,
				      __u32 len)
{
	struct movebuf *mb;
	__u32 zero = 0;

	mb = bpf_map_lookup_elem(&xdpdns_movebuf, &zero);
	_Static_assert((MOVEBUF_LEN & (MOVEBUF_LEN - 1)) == 0, "movebuf mask");
	if (!mb || head <= 0 || head > 2048 || tail < 0 || len < 1 ||
	    len > MOVEBUF_LEN)
		return -1;
	len = pkt_bounded(len - 1, MOVEBUF_LEN - 1) + 1; /* 1..MOVEBUF_LEN */
	if (bpf_xdp_adjust_head(ctx, -head))
		return -1;
	if (tail && bpf_xdp_adjust_tail(ctx, tail))
		goto undo_head;
	if (bpf_xdp_load_bytes(ctx, head, mb->b, len) ||
	    bpf_xdp_store_bytes(ctx, 0, mb->b, len))
		goto undo_tail;
	return 0;
undo_tail:
	if (tail)
		bpf_xdp_adjust_tail(ctx, -tail);
undo_head:
	bpf_xdp_adjust_head(ctx, head);
	return -1;
}

/* Grow the frame by @delta: at the tail, else at the head, else both. */
static __always_inline int grow(struct xdp_md *ctx, int delta, __u32 len)
{
	if (!bpf_xdp_adjust_tail(ctx, delta))
		return 0;
	if (delta <= 0)
		return -1;
	if (!grow_split(ctx, delta, 0, len))
		return 0;
	if (delta > GROW_HEAD_SAFE &&
	    !grow_split(ctx, GROW_HEAD_SAFE, delta - GROW_HEAD_SAFE, len))
		return 0;
	return -1;
}

/*
 * bpf_xdp_store_bytes() of the first @len bytes of a slot's body @data (of
 * @cap bytes) at frame offset @off. Not inlined, so that @len is checked in
 * the register that is passed: the compiler spills it and checks another
 * copy, whose bound Linux 6.1's verifier does not carry over (see
 * pkt_bounded()). @cap is a constant at every call.
 * Return: 0, or < 0 with the frame unchanged.
 */
static __noinline int entry_store(struct xdp_md *ctx, __u32 off,
				  const __u8 *data, __u32 len, __u32 cap)
{
	_Static_assert(XDPDNS_DATA_MAX <= 0x800, "entry_store() mask");
	if (len < 1 || len > cap || len > XDPDNS_DATA_MAX)
		return -1;
	/* Again for the verifier, in a form the compiler keeps (it knows the
	 * callers' checks): 1..0x800 by the mask, and 6.1 learns no lower
	 * bound from "len != 0". */
	len = pkt_bounded(len - 1, 0x7ff) + 1;
	if (len > cap)
		return -1;
	return bpf_xdp_store_bytes(ctx, off, (void *)data, len);
}

/*
 * Rewrite the query into the answer held by slot header @e, TTL offsets
 * @ttl_off (@rrs of them) and body @body (@cap bytes, the sections from
 * its start) and return the verdict. Nothing is written before the frame
 * has grown, so every early return leaves the query intact for the daemon.
 * The slot is read under its seqlock by the caller. @reason receives the
 * outcome. Inlined into each class's caller, where @rrs and @cap are
 * constants the verifier bounds the reads with.
 */
static __always_inline int
serve_entry(struct xdp_md *ctx, const struct serve_args *a, struct pkt *p,
	    struct query *q, const struct xdpdns_slot_hdr *e,
	    const __u16 *ttl_off, const __u8 *body, const __u32 rrs,
	    const __u32 cap, __u16 edns_size, __u64 now, __u32 *reason)
{
	__u32 data_len = e->data_len, rr_count = e->rr_count;
	__u32 l3 = p->l3_off, l4 = p->l4_off, dns_off = p->dns_off;
	__u32 opt_len, dns_len, udp_len, ans, limit, sum, elapsed, i;
	__u16 rflags, ancount, nscount, arcount;
	void *data, *data_end;
	struct udphdr *udp;
	struct dnshdr *h;
	long psum;
	int delta;

	*reason = XDPDNS_STAT_BAD_ENTRY;
	if (data_len > cap || data_len > XDPDNS_DATA_MAX || rr_count > rrs ||
	    rr_count != (__u32)e->ancount + e->nscount + e->arcount ||
	    l3 > ETH_HLEN + 8 || l4 > PKT_L4_OFF_MAX)
		return XDP_PASS;
	/* The TTL offsets are checked as they are used, in the write loop:
	 * one outside the data is an entry the daemon never writes (it
	 * builds them with cache_entry_from_msg()), so it costs the frame
	 * (XDP_DROP, bad_entry), and a loop here would leave the verifier a
	 * different exact rr_count for every exit. */

	/* Our COOKIE as one length, not a branch: both ways through the
	 * write loop below would each be verified. */
	opt_len = q->has_opt ? DNS_OPT_LEN + (a->ropt_len & 0x3f) : 0;
	dns_len = DNS_HEADER_LEN + q->qlen + 4 + data_len + opt_len;
	/* The client's buffer (floored at 512), capped at our own advertised
	 * size: larger answers would fragment; the daemon sends them TC=1. */
	limit = q->has_opt ? q->udp_size : DNS_UDP_PLAIN_MAX;
	if (q->has_opt && edns_size >= DNS_UDP_PLAIN_MAX && limit > edns_size)
		limit = edns_size;
	if (dns_len > limit) {
		*reason = XDPDNS_STAT_TOO_BIG;
		return XDP_PASS;
	}
	udp_len = sizeof(*udp) + dns_len;
	elapsed = xdpdns_secs_since(now, e->stored_ns);

	rflags = DNS_F_QR | DNS_F_RA | (e->flags & (DNS_F_AA | DNS_F_RCODE)) |
		 (q->flags & (DNS_F_RD | DNS_F_CD));
	if ((e->entry_flags & XDPDNS_ENTRY_VALIDATED) &&
	    ((q->flags & DNS_F_AD) || q->do_bit))
		rflags |= DNS_F_AD;
	ancount = e->ancount;
	nscount = e->nscount;
	arcount = e->arcount + q->has_opt;

	delta = (int)(dns_off + dns_len) - (int)(p->data_end - p->data);
	if (grow(ctx, delta, dns_off + DNS_HEADER_LEN + q->qlen + 4)) {
		*reason = XDPDNS_STAT_NO_ROOM;
		return XDP_PASS;
	}

	/* From here on the frame is ours: a failed bound is a dropped frame. */
	*reason = XDPDNS_STAT_BAD_ENTRY;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;

	psum = reply_turn(data, data_end, l3, l4, p->l3_proto, udp_len);
	if (psum < 0)
		return XDP_DROP;
	sum = psum;

	h = data + dns_off;
	if ((void *)(h + 1) > data_end)
		return XDP_DROP;
	h->flags = bpf_htons(rflags);
	h->ancount = bpf_htons(ancount);
	h->nscount = bpf_htons(nscount);
	h->arcount = bpf_htons(arcount);
	sum += bpf_ntohs(h->id) + rflags + 1 + ancount + nscount + arcount;
	sum += q->qsum;

	/* The cached sections, then their TTLs, decayed. */
	ans = dns_off + DNS_HEADER_LEN + q->qlen + 4;
	if (data_len > 0 && entry_store(ctx, ans, body, data_len, cap))
		return XDP_DROP;
	sum += (q->qlen & 1) ? csum_swab16(e->data_csum) : e->data_csum;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	for (i = 0; i < rrs; i++) {
		__u32 off, ttl, ttl_be;
		__u8 *t;

		if (i >= rr_count)
			break;
		off = ttl_off[i];
		if (off > cap - 4 || off + 4 > data_len)
			return XDP_DROP;
		__builtin_memcpy(&ttl_be, body + off, 4);
		ttl = bpf_ntohl(ttl_be);
		ttl = ttl > elapsed ? ttl - elapsed : 0;
		ttl_be = bpf_htonl(ttl);
		t = data + pkt_bounded(ans, 0x1ff) + off;
		if ((void *)(t + 4) > data_end)
			return XDP_DROP;
		__builtin_memcpy(t, &ttl_be, 4);
		sum += csum_u32(ttl, (ans + off) & 1);
	}

	if (opt_len) {
		__u32 o = ans + data_len;
		__u8 *b = data + pkt_bounded(o, 0x7ff);

		if ((void *)(b + DNS_OPT_LEN) > data_end)
			return XDP_DROP;
		sum += opt_write(b, edns_size, q->do_bit, 0,
				 opt_len - DNS_OPT_LEN, o);
		if (opt_len > DNS_OPT_LEN) {
			psum = cookie_store(ctx, a, o + DNS_OPT_LEN);
			if (psum < 0)
				return XDP_DROP;
			sum += psum;
			data = (void *)(long)ctx->data;
			data_end = (void *)(long)ctx->data_end;
		}
	}

	udp = data + l4;
	if ((void *)(udp + 1) > data_end)
		return XDP_DROP;
	udp->check = bpf_htons(csum_finish(sum));
	*reason = XDPDNS_STAT_HIT;
	return XDP_TX;
}

/*
 * The rest of the question and the index lookup. The query's lower-cased
 * qname is already in xdpdns_keybuf (this CPU's), zero after its end; @a
 * carries the offsets. On a hit in the index, @a->mkey and @a->ref hold
 * the key and what the index maps it to, and @a->qt the parsed question.
 * Return: 1 when the index holds the key, else 0 with a->reason set.
 */
__noinline int xdpdns_find(struct xdp_md *ctx, struct serve_args *a)
{
	struct pkt p = {
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
	};
	struct xdpdns_cache_mkey mkey = {};
	__u32 zero = 0, reason, words, i;
	struct xdpdns_sip sip;
	struct keybuf *kb;
	struct query q;
	__u64 *ref;

	if (!a)
		return 0;
	a->reason = XDPDNS_STAT_BAD_ENTRY;
	q = a->q;
	if (serve_args_pkt(a, &p) || q.qlen < 1 || q.qlen > DNS_NAME_MAX)
		return 0;
	kb = bpf_map_lookup_elem(&xdpdns_keybuf, &zero);
	if (!kb)
		return 0;
	reason = dns_parse_tail(&p, &q);
	if (reason) {
		a->reason = reason;
		return 0;
	}
	a->qtype = q.qtype;
	a->qt = q;

	/* Whole words: the keybuf is zero past the name. */
	words = (q.qlen + 7) / 8;
	xdpdns_sip_init(&sip, &a->hash_key);
	/* Open-coded: what follows the loop is short, so the exits it leaves
	 * the verifier (one per length) cost little, and no callback is
	 * called per word. */
	for (i = 0; i < XDPDNS_QNAME_BUF / 8; i++) {
		if (i >= words)
			break;
		xdpdns_sip_word(&sip, kb->w[i]);
	}
	mkey.name_hash = xdpdns_sip_final(&sip, words);
	mkey.qtype = q.qtype;
	mkey.qclass = DNS_CLASS_IN;
	mkey.flags = (q.do_bit ? XDPDNS_KEY_DO : 0) |
		     (q.flags & DNS_F_CD ? XDPDNS_KEY_CD : 0);
	mkey.qname_len = q.qlen;
	a->mkey = mkey;

	ref = bpf_map_lookup_elem(&xdpdns_cache, &mkey);
	if (!ref) {
		a->reason = XDPDNS_STAT_MISS;
		return 0;
	}
	/* One 8-byte load: the element may be reused for another key at any
	 * time, but gen and loc always come from one write. */
	*(__u64 *)&a->ref = *(volatile __u64 *)ref;
	return 1;
}

/* Two cache keys equal, as two 8-byte words. */
static __always_inline int mkey_equal(const struct xdpdns_cache_mkey *x,
				      const struct xdpdns_cache_mkey *y)
{
	const __u64 *a = (const __u64 *)x, *b = (const __u64 *)y;

	return a[0] == b[0] && a[1] == b[1];
}

/*
 * Serve from the slot of header @h (its TTL offsets, body words @w of
 * @capw words) that the index said holds @a->mkey at generation @gen,
 * under the slot's seqlock (maps/xdpdns.h): the sequence is read before
 * anything else and again after the reply is built; the slot must carry
 * the generation, the whole key and the query's name (at the end of its
 * body). A slot that changed under us was never served: before the frame
 * was touched that is XDP_PASS, after it XDP_DROP (the frame is a
 * half-built reply; the client retries), counted as torn either way.
 */
static __always_inline int serve_slot(struct xdp_md *ctx, struct serve_args *a,
				      struct xdpdns_slot_hdr *h,
				      const __u16 *ttl_off, const __u64 *w,
				      const __u32 rrs, const __u32 capw,
				      __u32 gen)
{
	__u32 zero = 0, s1, s2, words, i, reason;
	struct pkt p = {};
	struct keybuf *kb;
	struct query q;
	int verdict;
	__u64 now;

	/* Whole pointers: only their difference is used below, which the
	 * compiler would otherwise keep in 32-bit stack slots. */
	p.data = (void *)(long)ctx->data;
	p.data_end = (void *)(long)ctx->data_end;
	barrier_var(p.data);
	barrier_var(p.data_end);
	q = a->qt;
	if (serve_args_pkt(a, &p) || q.qlen < 1 || q.qlen > DNS_NAME_MAX)
		return XDP_PASS;
	kb = bpf_map_lookup_elem(&xdpdns_keybuf, &zero);
	if (!kb)
		return XDP_PASS;

	/* A fully ordered read (x86: lock xadd; arm64: ldaddal): no read of
	 * the slot below can be satisfied before it. */
	s1 = __sync_fetch_and_add(&h->seq, 0);
	if (s1 & 1) {
		a->reason = XDPDNS_STAT_TORN;
		return XDP_PASS;
	}
	a->reason = XDPDNS_STAT_MISS;
	if (h->gen != gen || !mkey_equal(&h->mkey, &a->mkey))
		return XDP_PASS;
	words = (q.qlen + 7) / 8;
	if (words > capw)
		return XDP_PASS;
	/* The name, zero padded, fills the body's last @words words. */
	for (i = 0; i < XDPDNS_QNAME_BUF / 8; i++) {
		__u32 j = capw - words + i;

		if (i >= words)
			break;
		/* Opaque, so the compiler indexes with the j it checked
		 * rather than a pointer stepped alongside it. */
		barrier_var(j);
		if (j >= capw || w[j] != kb->w[i])
			return XDP_PASS;
	}
	/* The limiter's clock when it ran, else the coarse one (a jiffy
	 * behind at most; expiry and TTLs count whole seconds): one clock
	 * read per query, and no TSC read for it. */
	now = kb->lim.now ? kb->lim.now : bpf_ktime_get_coarse_ns();
	if (!xdpdns_time_before(now, h->expire_ns)) {
		a->reason = XDPDNS_STAT_EXPIRED;
		return XDP_PASS;
	}
	a->rcode = h->flags & DNS_F_RCODE;
	verdict = serve_entry(ctx, a, &p, &q, h, ttl_off, (const __u8 *)w, rrs,
			      capw * 8, a->edns_size, now, &reason);
	/* Fully ordered again: every read of the slot above is done. */
	s2 = __sync_fetch_and_add(&h->seq, 0);
	if (s2 != s1) {
		a->reason = XDPDNS_STAT_TORN;
		return verdict == XDP_TX ? XDP_DROP : XDP_PASS;
	}
	a->reason = reason;
	if (verdict == XDP_TX) {
		__sync_fetch_and_add(&h->hits, 1);
		a->stale = !!(h->entry_flags & XDPDNS_ENTRY_STALE);
	}
	return verdict;
}

/*
 * The cache lookup and the answer: xdpdns_find() for the index, then the
 * slot of the class the index names. The map is keyed by a hash of the
 * name (struct xdpdns_cache_mkey), so the slot's own copy of the name is
 * compared before it is served: a hash collision is a miss, never a wrong
 * answer.
 * Return: the XDP verdict, with the outcome in a->reason.
 */
__noinline int xdpdns_serve(struct xdp_md *ctx, struct serve_args *a)
{
	__u32 loc, gen, slot;

	if (!a)
		return XDP_PASS;
	if (!xdpdns_find(ctx, a))
		return XDP_PASS;
	loc = a->ref.loc;
	gen = a->ref.gen;
	slot = XDPDNS_REF_SLOT(loc);
	a->reason = XDPDNS_STAT_BAD_ENTRY;
	switch (XDPDNS_REF_CLS(loc)) {
#define SERVE_CLASS_(n, body_len, rrs)                                     \
	case n: {                                                          \
		struct xdpdns_slot##n *sl =                                \
			bpf_map_lookup_elem(&xdpdns_slot##n, &slot);       \
                                                                           \
		if (!sl)                                                   \
			return XDP_PASS;                                   \
		return serve_slot(ctx, a, &sl->h, sl->ttl_off, sl->body.w, \
				  rrs, (body_len) / 8, gen);               \
	}
		XDPDNS_SLOT_CLASS_LIST(SERVE_CLASS_)
#undef SERVE_CLASS_
	}
	return XDP_PASS;
}

/*
 * Bounce the query back as a reply without cache data: REFUSED for a source
 * the ACL denies, TC=1 for a query over a rate limit (the client retries over
 * TCP), BADCOOKIE (--cookie-invalid). @rflags holds the TC bit or the rcode,
 * extended rcodes included; QR and RA are set, RD and CD copied, AA and AD
 * clear. The header keeps the ID and counts, the question is echoed byte
 * for byte; an OPT record (RFC 6891 7: an EDNS query gets an EDNS reply)
 * keeps its place and DO bit but carries our UDP size and no options but
 * our COOKIE (echoing a client-only COOKIE would make the client drop the
 * reply), and that only where the query's own option was as long. Options
 * and trailing bytes are cut with a negative bpf_xdp_adjust_tail(), so the
 * reply is never longer than the query and cannot amplify.
 *
 * The UDP checksum is computed in full from parts, as in serve_entry(): the
 * pseudo-header, the header words and the question sum kept by the parser,
 * so a query sent with checksum 0 (IPv4) still gets a checksummed reply.
 *
 * Return: XDP_TX, or XDP_DROP if the query cannot be bounced (anything
 * dns_parse_tail() refuses: a limited or denied query never reaches the
 * daemon). Like xdpdns_serve(), @a is re-checked for the verifier.
 */
__noinline int xdpdns_bounce(struct xdp_md *ctx, struct serve_args *a,
			     __u32 rflags)
{
	struct pkt p = {
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
	};
	__u32 dns_len, udp_len, sum, o, ext;
	void *data, *data_end;
	struct udphdr *udp;
	struct dnshdr *h;
	struct query q;
	__u8 cookie;
	long psum;
	int delta;

	if (!a)
		return XDP_DROP;
	q = a->q;
	if (serve_args_pkt(a, &p) || q.qlen < 1 || q.qlen > DNS_NAME_MAX)
		return XDP_DROP;
	if (dns_parse_tail(&p, &q))
		return XDP_DROP;
	a->qtype = q.qtype;

	cookie = q.has_opt && a->ropt_len && a->cookie_fits;
	dns_len = DNS_HEADER_LEN + q.qlen + 4 + (q.has_opt ? DNS_OPT_LEN : 0) +
		  (cookie ? XDPDNS_COOKIE_OPT_LEN : 0);
	udp_len = sizeof(*udp) + dns_len;
	/* An extended rcode's upper bits go to the OPT record (none: the
	 * client cannot learn it, so such a query is not bounced). */
	ext = (rflags & ~DNS_F_TC) >> 4;
	if (ext && !q.has_opt)
		return XDP_DROP;
	rflags = (rflags & (DNS_F_TC | DNS_F_RCODE)) | DNS_F_QR | DNS_F_RA |
		 (q.flags & (DNS_F_RD | DNS_F_CD));
	delta = (int)(p.dns_off + dns_len) - (int)(p.data_end - p.data);
	if (delta > 0 || (delta && bpf_xdp_adjust_tail(ctx, delta)))
		return XDP_DROP;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	psum = reply_turn(data, data_end, p.l3_off, p.l4_off, p.l3_proto,
			  udp_len);
	if (psum < 0)
		return XDP_DROP;
	sum = psum;

	/* Counts stay: QDCOUNT 1, AN/NS 0, AR = OPT (dns_parse_header). */
	h = data + p.dns_off;
	if ((void *)(h + 1) > data_end)
		return XDP_DROP;
	h->flags = bpf_htons(rflags);
	sum += bpf_ntohs(h->id) + rflags + 1 + q.has_opt + q.qsum;

	if (q.has_opt) {
		__u8 *b;

		o = p.dns_off + DNS_HEADER_LEN + q.qlen + 4;
		b = data + pkt_bounded(o, 0x1ff);
		if ((void *)(b + DNS_OPT_LEN) > data_end)
			return XDP_DROP;
		sum += opt_write(b, a->edns_size, q.do_bit, ext & 0xff,
				 cookie ? XDPDNS_COOKIE_OPT_LEN : 0, o);
		if (cookie) {
			psum = cookie_store(ctx, a, o + DNS_OPT_LEN);
			if (psum < 0)
				return XDP_DROP;
			sum += psum;
			data = (void *)(long)ctx->data;
			data_end = (void *)(long)ctx->data_end;
		}
	}

	udp = data + p.l4_off;
	if ((void *)(udp + 1) > data_end)
		return XDP_DROP;
	udp->check = bpf_htons(csum_finish(sum));
	a->rcode = rflags & DNS_F_RCODE;
	return XDP_TX;
}

/*
 * xdpdns_bounce() for a query stopped before main parsed its question (by
 * the ACL or the query bucket): the header and qname are parsed here, into
 * this CPU's key buffer as main would, so the sampled event still names the
 * query. Kept out of main so that main's qname loop is entered from one
 * state whatever the limiter said (see limit.bpf.h).
 * Return: XDP_TX, or XDP_DROP for a query that cannot be bounced.
 */
__noinline int xdpdns_bounce_query(struct xdp_md *ctx, struct serve_args *a,
				   __u32 rflags)
{
	struct pkt p = {
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
	};
	struct keybuf *kb;
	__u32 zero = 0;

	kb = bpf_map_lookup_elem(&xdpdns_keybuf, &zero);
	if (!a || !kb || serve_args_pkt(a, &p))
		return XDP_DROP;
	if (dns_parse_header(&p, &a->q))
		return XDP_DROP;
	keybuf_clear(kb);
	if (dns_parse_qname(&p, &a->q, kb->qname))
		return XDP_DROP;
	kb->used = a->q.qlen;
	return xdpdns_bounce(ctx, a, rflags);
}

SEC("xdp")
int xdpdns_main(struct xdp_md *ctx)
{
	struct pkt p = {
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
	};
	struct xdpdns_config *cfg;
	struct serve_args *a;
	struct limit *lim;
	struct keybuf *kb;
	struct xdpdns_stats *s;
	__u32 zero = 0, reason, r;
	int verdict = XDP_PASS;

	s = bpf_map_lookup_elem(&xdpdns_stats, &zero);
	cfg = bpf_map_lookup_elem(&xdpdns_config, &zero);
	kb = bpf_map_lookup_elem(&xdpdns_keybuf, &zero);
	if (!s || !cfg || !kb)
		return XDP_PASS;
	s->packets++;

	reason = parse_eth(&p);
	if (reason)
		goto out;
	if (p.l3_proto == ETH_P_IP)
		reason = parse_ipv4(&p, cfg->port);
	else if (p.l3_proto == ETH_P_IPV6)
		reason = parse_ipv6(&p, cfg->port);
	else
		reason = XDPDNS_STAT_NOT_FOR_US;
	if (reason == XDPDNS_STAT_NOT_FOR_US && (cfg->flags & XDPDNS_CFG_ACL) &&
	    (p.l3_proto == ETH_P_IP || p.l3_proto == ETH_P_IPV6) &&
	    tcp_to_port(&p, cfg->port) && svc_is_ours(&p)) {
		/*
		 * TCP to the service: an outsider's SYN (or anything else) is
		 * dropped by the same ACL here, so outsiders cannot take the
		 * connection slots the TC=1 fallback of clients relies on.
		 */
		lim = limit_begin(kb, &p);
		lim->acl_only = 1;
		if (xdpdns_limit(ctx, lim)) {
			reason = XDPDNS_STAT_ACL_DROPPED;
			verdict = XDP_DROP;
		}
		goto out;
	}
	if (reason == XDPDNS_STAT_NOT_FOR_US || reason == XDPDNS_STAT_TRUNC_L3)
		goto out;
	if (!svc_is_ours(&p)) {
		reason = XDPDNS_STAT_NOT_FOR_US;
		goto out;
	}
	if (reason) {
		/*
		 * Addressed to us but not servable (IPv4 options or
		 * fragments, extension headers, a UDP length one byte off):
		 * the kernel still delivers most of these to the daemon, so
		 * they pay the same ACL, bucket and miss budget as a clean
		 * query first. Never bounced: there is no question to echo.
		 */
		if ((cfg->flags & XDPDNS_CFG_ACL) | limit_any(cfg)) {
			lim = limit_begin(kb, &p);
			r = xdpdns_limit(ctx, lim);
			if (!r && (cfg->miss_rate | cfg->gmiss_rate))
				r = xdpdns_limit_miss(ctx, lim);
			if (r) {
				reason = r;
				verdict = XDP_DROP;
			}
		}
		goto out;
	}
	s->queries++;

	a = &kb->args;
	lim = limit_begin(kb, &p);
	__builtin_memset(a, 0, sizeof(*a));
	a->l3_off = p.l3_off;
	a->l4_off = p.l4_off;
	a->dns_off = p.dns_off;
	a->dns_len = p.dns_len;
	a->l3_proto = p.l3_proto;
	a->edns_size = cfg->edns_size;
	a->hash_key = cfg->hash_key;

	/* The COOKIE option first: a valid server cookie changes the
	 * limiter's stages (cookie.bpf.h). */
	if (cfg->flags & XDPDNS_CFG_COOKIE)
		lim->cookie = xdpdns_cookie_check(ctx, a) ==
			      XDPDNS_COOKIE_VALID;

	/*
	 * ACL and the query bucket, before any DNS work (limit.bpf.h). Only
	 * global functions look at the limiter's results, so main's qname
	 * loop is entered in the same state whatever the limiter said.
	 */
	if ((cfg->flags & XDPDNS_CFG_ACL) | limit_any(cfg)) {
		reason = xdpdns_limit(ctx, lim);
		if (reason) {
			verdict = XDP_DROP;
			if (lim->bounce &&
			    xdpdns_bounce_query(ctx, a, lim->bounce) ==
				    XDP_TX) {
				verdict = XDP_TX;
				reason = lim->tx_reason;
			}
			goto done;
		}
	}

	reason = dns_parse_header(&p, &a->q);
	if (!reason) {
		keybuf_clear(kb);
		reason = dns_parse_qname(&p, &a->q, kb->qname);
	}
	if (!reason) {
		kb->used = a->q.qlen;
		/* Like unbound's "allow", non-recursive queries (cache
		 * snooping) are for the daemon, which refuses them. Checked
		 * after the question so a limiter can still bounce them. */
		if (!(a->q.flags & DNS_F_RD))
			reason = XDPDNS_STAT_DNS_NORD;
	}
	if (!reason && a->cookie == XDPDNS_COOKIE_MALFORMED)
		reason =
			XDPDNS_STAT_COOKIE_MALFORMED; /* FORMERR: the daemon's */
	if (!reason && a->cookie == XDPDNS_COOKIE_INVALID &&
	    cfg->cookie_invalid && a->cookie_fits) {
		/* --cookie-invalid: a fresh server cookie with BADCOOKIE or
		 * TC=1, nothing from the cache; the client asks again with
		 * it. A question the bounce cannot echo (it refuses before
		 * touching the frame) goes on to the cache's verdict. */
		verdict =
			xdpdns_bounce(ctx, a,
				      cfg->cookie_invalid == XDPDNS_COOKIE_TC ?
					      DNS_F_TC :
					      DNS_RCODE_BADCOOKIE);
		if (verdict == XDP_TX) {
			reason = XDPDNS_STAT_COOKIE_BAD;
			goto done;
		}
		verdict = XDP_PASS;
	}
	if (!reason && (cfg->flags & XDPDNS_CFG_NO_CACHE))
		reason = XDPDNS_STAT_CACHE_OFF;
	if (!reason) {
		verdict = xdpdns_serve(ctx, a);
		reason = a->reason;
	}
	if (verdict == XDP_PASS && (cfg->miss_rate | cfg->gmiss_rate)) {
		/* Bound for the daemon: the miss budgets (limit.bpf.h). */
		r = xdpdns_limit_miss(ctx, lim);
		if (r) {
			reason = r;
			verdict = XDP_DROP;
			if (lim->bounce &&
			    xdpdns_bounce(ctx, a, lim->bounce) == XDP_TX) {
				verdict = XDP_TX;
				reason = lim->tx_reason;
			}
		}
	}
done:
	if (verdict == XDP_TX && reason != XDPDNS_STAT_COOKIE_BAD) {
		/* The mask is a no-op the verifier needs to bound the slot. */
		__u32 slot = a->qtype < XDPDNS_QTYPE_SLOTS ? a->qtype : 0;

		s->answer_qtype[slot & (XDPDNS_QTYPE_SLOTS - 1)]++;
		s->answer_rcode[a->rcode & DNS_F_RCODE]++;
		if (a->stale)
			s->stale++;
	}
	stat_inc(s, reason);
	/* 1 in sample_rate queries to the event ring (sample.bpf.h). */
	if (cfg->sample_rate && bpf_get_prandom_u32() % cfg->sample_rate == 0) {
		struct sample_args sa = {
			.l3_off = p.l3_off,
			.l4_off = p.l4_off,
			.l3_proto = p.l3_proto,
			.qtype = a->qtype,
			.qlen = a->q.qlen,
			.reason = reason,
			.swapped = verdict == XDP_TX,
			.rcode = a->rcode,
			.tap = !!(cfg->flags & XDPDNS_CFG_DNSTAP),
		};

		xdpdns_sample(ctx, &sa);
	}
	/*
	 * A whole UDP query for the daemon, with --afxdp: to its AF_XDP
	 * socket on this queue when it has one, past the kernel's IP and UDP
	 * layers; an empty slot keeps XDP_PASS. Only from here: what the
	 * parser could not take apart (options, fragments, TCP) stays on
	 * the kernel's path.
	 */
	if (verdict == XDP_PASS && (cfg->flags & XDPDNS_CFG_AFXDP))
		return bpf_redirect_map(&xdpdns_xsk, ctx->rx_queue_index,
					XDP_PASS);
	return verdict;
out:
	stat_inc(s, reason);
	return verdict;
}

char _license[] SEC("license") = "Dual BSD/GPL";
