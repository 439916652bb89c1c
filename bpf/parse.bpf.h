/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Ethernet, VLAN, IPv4, IPv6 and UDP parsing for the XDP program, in the
 * manner of xdp-tools' parsing_helpers.h: each parser advances over one layer
 * and records offsets in struct pkt.
 *
 * Return convention of every parse_* function: 0 when the layer was parsed
 * and the packet goes on, otherwise the XDPDNS_STAT_* reason for passing it
 * up (always > 0). Offsets are from the start of the frame; header fields are
 * read in network byte order and converted where compared.
 */
#ifndef XDPDNS_PARSE_BPF_H
#define XDPDNS_PARSE_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "maps/xdpdns.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* Largest offset of the UDP header: Ethernet, two tags, IPv6. */
#define PKT_L4_OFF_MAX (ETH_HLEN + 2 * 4 + 40)

/*
 * @v, already checked to be at most @mask (2^n - 1), masked in a way the
 * compiler cannot drop as redundant, so the value carries its bound into
 * whatever register or stack slot it is moved to. Linux 6.1's verifier
 * does not carry a branch's bound to a copy that the compiler spilled before
 * the branch (6.8 does), and a packet pointer made from such a copy gets no
 * range. The AND is the only cost.
 */
#define pkt_bounded(v, mask)         \
	({                           \
		__u32 __pb_v = (v);  \
		barrier_var(__pb_v); \
		__pb_v &(mask);      \
	})

/* bpf_ntohs() as a value known to be 16 bits wide: Linux 6.1's verifier
 * knows nothing about the result of a byte swap. */
#define pkt_ntohs(x) pkt_bounded(bpf_ntohs(x), 0xffff)

struct vlan_tag {
	__be16 tci;
	__be16 encap_proto;
};

/* Where the layers of one frame start; filled as parsing goes on. */
struct pkt {
	void *data;
	void *data_end;
	__u32 l3_off; /* IPv4 or IPv6 header */
	__u32 l4_off; /* UDP header */
	__u32 dns_off; /* DNS header (l4_off + 8) */
	__u32 dns_len; /* UDP payload length, from the UDP header */
	__u16 l3_proto; /* ETH_P_IP or ETH_P_IPV6, host order */
	__u16 pad;
};

/* Ethernet with up to two 802.1Q/802.1ad tags. */
static __always_inline int parse_eth(struct pkt *p)
{
	struct ethhdr *eth = p->data;
	struct vlan_tag *tag;
	__u32 off = sizeof(*eth);
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > p->data_end)
		return XDPDNS_STAT_TRUNC_L2;
	proto = eth->h_proto;

#pragma unroll
	for (i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		tag = p->data + off;
		if ((void *)(tag + 1) > p->data_end)
			return XDPDNS_STAT_TRUNC_L2;
		proto = tag->encap_proto;
		off += sizeof(*tag);
	}
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))
		return XDPDNS_STAT_VLAN_DEPTH;

	p->l3_off = off;
	p->l3_proto = bpf_ntohs(proto);
	return 0;
}

/* IPv6 next-header values that are extension headers (RFC 8200 4.1). */
static __always_inline int ipv6_is_ext(__u8 nh)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_MH:
	case 139: /* HIP */
	case 140: /* Shim6 */
		return 1;
	}
	return 0;
}

/* The UDP header at l4_off, its length checked against @ip_payload. */
static __always_inline int parse_udp(struct pkt *p, __u32 ip_payload)
{
	struct udphdr *udp = p->data + p->l4_off;
	__u32 len;

	if ((void *)(udp + 1) > p->data_end)
		return XDPDNS_STAT_TRUNC_UDP;
	len = bpf_ntohs(udp->len);
	if (len != ip_payload || len < sizeof(*udp))
		return XDPDNS_STAT_TRUNC_UDP;
	p->dns_off = p->l4_off + sizeof(*udp);
	p->dns_len = len - sizeof(*udp);
	return 0;
}

/*
 * IPv4 header at l3_off. Returns 0 for an unfragmented, option-less UDP
 * datagram to @port (UDP parsed), NOT_FOR_US for anything that is not UDP
 * to @port, or the reason it cannot be served. The caller still has to check
 * the destination address; reasons other than NOT_FOR_US and TRUNC_L3 are
 * only counted as such for packets to a service address.
 */
static __always_inline int parse_ipv4(struct pkt *p, __u16 port)
{
	struct iphdr *ip = p->data + p->l3_off;
	struct udphdr *udp;
	__u32 tot_len;

	if ((void *)(ip + 1) > p->data_end)
		return XDPDNS_STAT_TRUNC_L3;
	if (ip->version != 4)
		return XDPDNS_STAT_NOT_FOR_US;
	if (ip->protocol != IPPROTO_UDP)
		return XDPDNS_STAT_NOT_FOR_US;
	if (ip->ihl < 5)
		return XDPDNS_STAT_IPV4_IHL;
	if (ip->frag_off & bpf_htons(0x3fff)) /* MF or an offset */
		return XDPDNS_STAT_IPV4_FRAG;
	if (ip->ihl != 5)
		return XDPDNS_STAT_IPV4_OPTIONS;

	p->l4_off = p->l3_off + sizeof(*ip);
	udp = p->data + p->l4_off;
	if ((void *)(udp + 1) > p->data_end)
		return XDPDNS_STAT_TRUNC_UDP;
	if (udp->dest != bpf_htons(port))
		return XDPDNS_STAT_NOT_FOR_US;

	tot_len = pkt_ntohs(ip->tot_len);
	if (tot_len < sizeof(*ip) + sizeof(*udp) ||
	    (void *)ip + tot_len > p->data_end)
		return XDPDNS_STAT_IPV4_LEN;
	return parse_udp(p, tot_len - sizeof(*ip));
}

/*
 * IPv6 header at l3_off. Same convention as parse_ipv4(); any extension
 * header is a reason to pass (the daemon's stack handles those).
 */
static __always_inline int parse_ipv6(struct pkt *p, __u16 port)
{
	struct ipv6hdr *ip6 = p->data + p->l3_off;
	struct udphdr *udp;
	__u32 plen;

	if ((void *)(ip6 + 1) > p->data_end)
		return XDPDNS_STAT_TRUNC_L3;
	if (ip6->version != 6)
		return XDPDNS_STAT_NOT_FOR_US;
	if (ip6->nexthdr != IPPROTO_UDP)
		return ipv6_is_ext(ip6->nexthdr) ? XDPDNS_STAT_IPV6_EXT :
						   XDPDNS_STAT_NOT_FOR_US;

	p->l4_off = p->l3_off + sizeof(*ip6);
	udp = p->data + p->l4_off;
	if ((void *)(udp + 1) > p->data_end)
		return XDPDNS_STAT_TRUNC_UDP;
	if (udp->dest != bpf_htons(port))
		return XDPDNS_STAT_NOT_FOR_US;

	plen = pkt_ntohs(ip6->payload_len);
	if ((void *)(ip6 + 1) + plen > p->data_end)
		return XDPDNS_STAT_IPV6_LEN;
	return parse_udp(p, plen);
}

#endif /* XDPDNS_PARSE_BPF_H */
