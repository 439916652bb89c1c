/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS query parsing for the XDP program: the header, the question (copied
 * lower-cased into the cache key while its checksum is summed) and an
 * optional OPT record. Only what the cache can answer gets through; anything
 * unusual is passed up for the daemon, with its reason.
 *
 * Return convention: 0 when the query can be looked up, otherwise the
 * XDPDNS_STAT_* reason to pass it (> 0). Header fields are converted to host
 * order in struct query.
 */
#ifndef XDPDNS_DNS_BPF_H
#define XDPDNS_DNS_BPF_H

#include "csum.bpf.h"
#include "parse.bpf.h"

/* Where the question's type and class can start, at most. */
#define DNS_QTAIL_OFF_MAX (PKT_L4_OFF_MAX + 8 + DNS_HEADER_LEN + DNS_NAME_MAX)

struct dnshdr {
	__be16 id;
	__be16 flags;
	__be16 qdcount;
	__be16 ancount;
	__be16 nscount;
	__be16 arcount;
};

/* What the answer path needs to know about the query. */
struct query {
	__u32 qsum; /* checksum sum of the question bytes (csum.bpf.h) */
	__u16 qlen; /* wire length of the qname, root label included */
	__u16 qtype;
	__u16 flags; /* header flags word */
	__u16 udp_size; /* client's EDNS buffer, 0 without OPT */
	__u8 has_opt;
	__u8 do_bit;
	__u8 key_flags;
	__u8 pad;
};

static __always_inline int dns_parse_header(struct pkt *p, struct query *q)
{
	struct dnshdr *h = p->data + p->dns_off;
	__u16 flags;

	if (p->dns_len < DNS_HEADER_LEN || (void *)(h + 1) > p->data_end)
		return XDPDNS_STAT_TRUNC_DNS;
	flags = bpf_ntohs(h->flags);
	if (flags & DNS_F_QR)
		return XDPDNS_STAT_DNS_QR;
	if (flags & DNS_F_OPCODE)
		return XDPDNS_STAT_DNS_OPCODE;
	if (flags & DNS_F_TC)
		return XDPDNS_STAT_DNS_TC;
	if (h->qdcount != bpf_htons(1))
		return XDPDNS_STAT_DNS_QDCOUNT;
	if (h->ancount || h->nscount || bpf_ntohs(h->arcount) > 1)
		return XDPDNS_STAT_DNS_SECTIONS;
	q->flags = flags;
	q->has_opt = h->arcount != 0; /* confirmed by dns_parse_opt() */
	return 0;
}

/*
 * The qname, byte by byte: validates label lengths, refuses compression,
 * copies it lower-cased (A-Z only, so 0x20-randomised queries share one key)
 * into @kname and sums its original bytes for the UDP checksum. The question
 * starts at UDP offset 20, so byte i is at an even offset when i is even.
 */
static __always_inline int dns_parse_qname(struct pkt *p, struct query *q,
					   __u8 *kname)
{
	__u8 *name = p->data + p->dns_off + DNS_HEADER_LEN;
	__u32 label_left = 0, sum = 0, i;
	__u8 c;

	for (i = 0; i < DNS_NAME_MAX; i++) {
		if ((void *)(name + i + 1) > p->data_end)
			return XDPDNS_STAT_NAME_TRUNC;
		c = name[i];
		sum += (i & 1) ? c : (__u32)c << 8;
		if (label_left == 0) {
			if (c == 0) {
				kname[i] = 0;
				q->qlen = i + 1;
				q->qsum = sum;
				return 0;
			}
			if (c > DNS_LABEL_MAX)
				return (c & 0xc0) == 0xc0 ?
					       XDPDNS_STAT_NAME_COMPRESSED :
					       XDPDNS_STAT_NAME_LABEL;
			label_left = c;
		} else {
			label_left--;
			if ((__u8)(c - 'A') < 26)
				c |= 0x20;
		}
		kname[i] = c;
	}
	return XDPDNS_STAT_NAME_TOO_LONG;
}

/*
 * QTYPE and QCLASS after the name, then the optional OPT record, which must
 * end the datagram exactly. EDNS options are ignored (RFC 6891 6.1.2: a
 * responder that does not implement an option ignores it).
 */
static __always_inline int dns_parse_tail(struct pkt *p, struct query *q)
{
	__u32 off = p->dns_off + DNS_HEADER_LEN + q->qlen;
	__u32 end = p->dns_off + p->dns_len;
	__u16 qclass, rdlen, oflags;
	__u8 *b, *o;

	/* The callers' checks of dns_off and qlen may not reach the copies
	 * used here, for Linux 6.1's verifier (see pkt_bounded()). */
	_Static_assert(DNS_QTAIL_OFF_MAX <= 0x1ff, "dns_parse_tail() mask");
	if (off > DNS_QTAIL_OFF_MAX)
		return XDPDNS_STAT_NAME_TRUNC;
	b = p->data + pkt_bounded(off, 0x1ff);
	if ((void *)(b + 4) > p->data_end || off + 4 > end)
		return XDPDNS_STAT_NAME_TRUNC;
	q->qtype = (__u16)b[0] << 8 | b[1];
	qclass = (__u16)b[2] << 8 | b[3];
	if (qclass != DNS_CLASS_IN)
		return XDPDNS_STAT_QCLASS;
	/* The question's last 4 bytes sit at the qname length's parity. */
	q->qsum += csum_u32((__u32)q->qtype << 16 | qclass, q->qlen & 1);
	off += 4;

	if (!q->has_opt)
		return off == end ? 0 : XDPDNS_STAT_OPT_MALFORMED;

	o = p->data + off;
	if ((void *)(o + DNS_OPT_LEN) > p->data_end || off + DNS_OPT_LEN > end)
		return XDPDNS_STAT_OPT_MALFORMED;
	if (o[0] != 0 || o[1] != 0 || o[2] != DNS_TYPE_OPT)
		return XDPDNS_STAT_OPT_MISSING;
	if (o[6] != 0) /* version */
		return XDPDNS_STAT_OPT_VERSION;
	rdlen = (__u16)o[9] << 8 | o[10];
	if (off + DNS_OPT_LEN + rdlen != end)
		return XDPDNS_STAT_OPT_MALFORMED;
	oflags = (__u16)o[7] << 8 | o[8];
	q->udp_size = (__u16)o[3] << 8 | o[4];
	if (q->udp_size < DNS_UDP_PLAIN_MAX)
		q->udp_size = DNS_UDP_PLAIN_MAX;
	q->do_bit = !!(oflags & DNS_OPT_DO);
	return 0;
}

#endif /* XDPDNS_DNS_BPF_H */
