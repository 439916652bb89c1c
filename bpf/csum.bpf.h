/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Internet checksum arithmetic (RFC 1071) for the XDP program.
 *
 * Convention: sums are accumulated in a __u32 as host-order values of the
 * big-endian 16-bit words they cover, i.e. the word at bytes (b0, b1) adds
 * b0 << 8 | b1. A run of bytes that starts at an odd offset of the datagram
 * contributes csum_swab16() of its even-aligned sum. csum_finish() returns
 * the value to store with bpf_htons().
 */
#ifndef XDPDNS_CSUM_BPF_H
#define XDPDNS_CSUM_BPF_H

#include <linux/types.h>

static __always_inline __u32 csum_fold32(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static __always_inline __u32 csum_swab16(__u32 sum)
{
	sum = csum_fold32(sum);
	return ((sum & 0xff) << 8) | (sum >> 8);
}

/* Contribution of a 32-bit big-endian field at an even (@odd == 0) or odd
 * offset. */
static __always_inline __u32 csum_u32(__u32 v, __u32 odd)
{
	__u32 s = (v >> 16) + (v & 0xffff);

	return odd ? csum_swab16(s) : s;
}

/* The checksum to store, never 0 (UDP: 0 means "no checksum"). */
static __always_inline __u16 csum_finish(__u32 sum)
{
	__u16 c = ~csum_fold32(sum) & 0xffff;

	return c ? c : 0xffff;
}

/* Header checksum of an IPv4 header without options, its field zeroed
 * first. Summed in memory order, so the result is stored as is. */
static __always_inline __u16 csum_ipv4_hdr(void *iph)
{
	__u16 *w = iph;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 10; i++)
		sum += w[i];
	return ~csum_fold32(sum) & 0xffff;
}

#endif /* XDPDNS_CSUM_BPF_H */
