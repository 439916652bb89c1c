// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The ceiling of the XDP answer path on a given machine, for `make bench`:
 * answers every IPv4 UDP query to port 53 with one fixed A record and no
 * lookup at all. Question kept, anything after it (OPT) cut, the record
 * appended, addresses swapped, UDP checksum 0 (legal over IPv4). It is a
 * yardstick, not a resolver: it never checks what it answers.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "csum.bpf.h"

#define RR_LEN 16 /* c0 0c, type, class, TTL, rdlength, 4 address bytes */

/* 198.18.0.99, TTL 300: an address from the benchmarking range. */
static const __u8 fixed_rr[RR_LEN] = { 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01,
				       0x00, 0x00, 0x01, 0x2c, 0x00, 0x04,
				       198,  18,   0,	 99 };

SEC("xdp")
int xdpdns_reflector(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u8 *dns = (void *)(udp + 1), *name = dns + 12, mac[ETH_ALEN];
	__u32 qend, i, a;
	int delta;

	if ((void *)(dns + 12) > data_end ||
	    eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->ihl != 5 || ip->protocol != IPPROTO_UDP ||
	    udp->dest != bpf_htons(53))
		return XDP_PASS;
	for (i = 0; i < 255; i++) {
		if ((void *)(name + i + 1) > data_end)
			return XDP_PASS;
		if (name[i] == 0)
			break;
		i += name[i];
	}
	if (i >= 255)
		return XDP_PASS;
	qend = sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + 12 + i + 1 + 4;
	delta = (int)(qend + RR_LEN) - (int)(data_end - data);
	if (bpf_xdp_adjust_tail(ctx, delta))
		return XDP_PASS;
	if (bpf_xdp_store_bytes(ctx, qend, (void *)fixed_rr, RR_LEN))
		return XDP_DROP;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip = (void *)(eth + 1);
	udp = (void *)(ip + 1);
	dns = (void *)(udp + 1);
	if ((void *)(dns + 12) > data_end)
		return XDP_DROP;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	a = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = a;
	ip->tot_len = bpf_htons(qend + RR_LEN - sizeof(*eth));
	ip->check = 0;
	ip->check = csum_ipv4_hdr(ip);
	a = udp->source;
	udp->source = udp->dest;
	udp->dest = a;
	udp->len = bpf_htons(qend + RR_LEN - sizeof(*eth) - sizeof(*ip));
	udp->check = 0;
	dns[2] = 0x81; /* QR, RD */
	dns[3] = 0x80; /* RA, NOERROR */
	dns[6] = 0; /* ANCOUNT 1 */
	dns[7] = 1;
	dns[8] = dns[9] = dns[10] = dns[11] = 0;
	return XDP_TX;
}

char _license[] SEC("license") = "Dual BSD/GPL";
