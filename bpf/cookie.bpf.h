/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS cookies in the XDP program (RFC 7873, server cookies as RFC 9018;
 * maps/xdpdns.h, "DNS cookies"): xdpdns_cookie_check() finds the query's COOKIE
 * option before the limiter runs, checks its server cookie against the
 * secrets in xdpdns_cookie and prepares the option every reply built here
 * carries back (struct serve_args: ropt, ropt_sum). A valid server cookie
 * proves the source address: the limiter then gives the query the cookie
 * stage instead of the stages meant for spoofed sources (limit.bpf.h).
 */
#ifndef XDPDNS_COOKIE_BPF_H
#define XDPDNS_COOKIE_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "csum.bpf.h"
#include "dns.bpf.h"
#include "limit.bpf.h"
#include "maps.bpf.h"

/* Label hops over a qname: 255 bytes hold at most 127 labels and the root. */
#define COOKIE_LABELS_MAX 128

/* The query's qname, hopped label by label from UDP offset @off (the name
 * was not parsed yet). Return: the offset after it, or 0. */
static __always_inline __u32 cookie_skip_name(const struct pkt *p, __u32 off)
{
	__u32 i, start = off;
	__u8 *c;

	for (i = 0; i < COOKIE_LABELS_MAX; i++) {
		c = p->data + pkt_bounded(off, 0x1ff);
		if ((void *)(c + 1) > p->data_end)
			return 0;
		if (*c == 0)
			return off + 1;
		if (*c > DNS_LABEL_MAX)
			return 0;
		off += *c + 1;
		if (off - start >= DNS_NAME_MAX || off > DNS_QTAIL_OFF_MAX)
			return 0;
	}
	return 0;
}

/*
 * The UDP offset of the data of the query's COOKIE option and its length
 * in *@olen: the first COOKIE option of the OPT record that ends the
 * datagram, among its first XDPDNS_COOKIE_OPTS_MAX options. Return: 0 when there
 * is none (the parser decides later what else is wrong with the query).
 */
static __always_inline __u32 cookie_find(const struct pkt *p, __u32 *olen)
{
	__u32 end = p->dns_off + p->dns_len, off, rdlen, i, len;
	struct dnshdr *h = p->data + p->dns_off;
	__u8 *o;

	if ((void *)(h + 1) > p->data_end || h->arcount != bpf_htons(1) ||
	    h->qdcount != bpf_htons(1) || h->ancount || h->nscount)
		return 0;
	off = cookie_skip_name(p, p->dns_off + DNS_HEADER_LEN);
	if (!off)
		return 0;
	off += 4; /* QTYPE, QCLASS */
	if (off > XDPDNS_COOKIE_OFF_MAX)
		return 0;
	o = p->data + pkt_bounded(off, XDPDNS_COOKIE_OFF_MAX);
	if ((void *)(o + DNS_OPT_LEN) > p->data_end || o[0] != 0 || o[1] != 0 ||
	    o[2] != DNS_TYPE_OPT)
		return 0;
	rdlen = (__u32)o[9] << 8 | o[10];
	off += DNS_OPT_LEN;
	if (off + rdlen != end)
		return 0;
	for (i = 0; i < XDPDNS_COOKIE_OPTS_MAX; i++) {
		if (off + 4 > end || off > XDPDNS_COOKIE_OFF_MAX)
			return 0;
		o = p->data + pkt_bounded(off, XDPDNS_COOKIE_OFF_MAX);
		if ((void *)(o + 4) > p->data_end)
			return 0;
		len = (__u32)o[2] << 8 | o[3];
		if (off + 4 + len > end)
			return 0;
		if (o[0] == 0 && o[1] == DNS_OPT_COOKIE) {
			*olen = len;
			return off + 4;
		}
		off += 4 + len;
	}
	return 0;
}

/* Our server cookie for the client cookie in @ropt (after its 4-byte
 * option header), stamped @now_s, written after it. */
static __always_inline void cookie_make(__u8 *ropt,
					const struct xdpdns_hash_key *k,
					__u32 now_s,
					const struct xdpdns_lpm_key *src)
{
	__u8 *c = ropt + 4;
	__u32 ts = bpf_htonl(now_s);
	__u64 hash;

	c[8] = XDPDNS_COOKIE_VERSION;
	c[9] = 0;
	c[10] = 0;
	c[11] = 0;
	__builtin_memcpy(c + 12, &ts, 4);
	hash = xdpdns_cookie_hash(k, c, src->addr, src->family);
	__builtin_memcpy(c + 16, &hash, 8);
}

/*
 * Check the COOKIE option of the query in @ctx (offsets in @a) and fill
 * @a's cookie fields: the verdict, and for a query with a client cookie the
 * option a reply carries (ropt): the client cookie and our server cookie,
 * the query's own when it is valid, made with the current secret and
 * younger than XDPDNS_COOKIE_RENEW, else a fresh one. Counts the verdict.
 * Called by xdpdns_main() when XDPDNS_CFG_COOKIE is set.
 * Return: the verdict (enum xdpdns_cookie_verdict).
 */
__noinline int xdpdns_cookie_check(struct xdp_md *ctx, struct serve_args *a)
{
	struct pkt p = {
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
	};
	__u32 zero = 0, off, olen = 0, now_s, ts, i, sum;
	struct xdpdns_cookie_keys *ck;
	struct xdpdns_lpm_key src;
	struct xdpdns_stats *s;
	__u8 q[XDPDNS_COOKIE_LEN];
	__u64 hash;
	int verdict, secret = -1;
	__s32 age = 0;

	if (!a)
		return XDPDNS_COOKIE_NONE;
	a->cookie = XDPDNS_COOKIE_NONE;
	a->ropt_len = 0;
	a->cookie_fits = 0;
	ck = bpf_map_lookup_elem(&xdpdns_cookie, &zero);
	s = bpf_map_lookup_elem(&xdpdns_stats, &zero);
	if (!ck || !s || !ck->nsecrets || serve_args_pkt(a, &p) ||
	    limit_src(p.data, p.data_end, p.l3_off, p.l3_proto, &src, 0))
		return XDPDNS_COOKIE_NONE;
	off = cookie_find(&p, &olen);
	if (!off)
		return XDPDNS_COOKIE_NONE;
	if (!xdpdns_cookie_len_ok(olen)) {
		/* An outcome: xdpdns_main() counts it. */
		a->cookie = XDPDNS_COOKIE_MALFORMED;
		return XDPDNS_COOKIE_MALFORMED;
	}
	if (bpf_xdp_load_bytes(ctx, off, q,
			       olen >= XDPDNS_COOKIE_LEN ?
				       XDPDNS_COOKIE_LEN :
				       XDPDNS_COOKIE_CLIENT_LEN))
		return XDPDNS_COOKIE_NONE;

	/* The clock this query is judged by, whole Unix seconds. */
	now_s = (bpf_ktime_get_coarse_ns() + ck->unix_offset_ns) /
		1000000000ULL;
	verdict = XDPDNS_COOKIE_CLIENT;
	if (olen > XDPDNS_COOKIE_CLIENT_LEN) {
		verdict = XDPDNS_COOKIE_INVALID;
		__builtin_memcpy(&ts, q + 12, 4);
		age = xdpdns_cookie_age(bpf_ntohl(ts), now_s);
		if (olen == XDPDNS_COOKIE_LEN &&
		    q[8] == XDPDNS_COOKIE_VERSION &&
		    age <= XDPDNS_COOKIE_MAX_AGE &&
		    age >= -XDPDNS_COOKIE_MAX_AHEAD) {
			hash = xdpdns_cookie_hash(&ck->secret[0], q, src.addr,
						  src.family);
			if (!__builtin_memcmp(&hash, q + 16, 8)) {
				secret = 0;
			} else if (ck->nsecrets > 1) {
				hash = xdpdns_cookie_hash(&ck->secret[1], q,
							  src.addr, src.family);
				if (!__builtin_memcmp(&hash, q + 16, 8))
					secret = 1;
			}
			if (secret >= 0)
				verdict = XDPDNS_COOKIE_VALID;
		}
	}
	if (verdict == XDPDNS_COOKIE_VALID)
		s->cookie_valid++;
	else if (verdict == XDPDNS_COOKIE_INVALID)
		s->cookie_invalid++;
	else
		s->cookie_client++;

	a->ropt[0] = 0;
	a->ropt[1] = DNS_OPT_COOKIE;
	a->ropt[2] = 0;
	a->ropt[3] = XDPDNS_COOKIE_LEN;
	if (secret == 0 && age < XDPDNS_COOKIE_RENEW) {
		__builtin_memcpy(a->ropt + 4, q, XDPDNS_COOKIE_LEN);
	} else {
		__builtin_memcpy(a->ropt + 4, q, XDPDNS_COOKIE_CLIENT_LEN);
		cookie_make(a->ropt, &ck->secret[0], now_s, &src);
	}
	sum = 0;
	for (i = 0; i < XDPDNS_COOKIE_OPT_LEN; i += 2)
		sum += (__u32)a->ropt[i] << 8 | a->ropt[i + 1];
	a->ropt_sum = csum_fold32(sum);
	a->cookie = verdict;
	a->ropt_len = XDPDNS_COOKIE_OPT_LEN;
	a->cookie_fits = olen >= XDPDNS_COOKIE_LEN;
	return verdict;
}

#endif /* XDPDNS_COOKIE_BPF_H */
