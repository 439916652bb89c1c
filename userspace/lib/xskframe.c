// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/dnswire.h"
#include "lib/util.h"
#include "xskframe.h"

#define VLAN_TAG_LEN 4
#define IP_HOPS 64

/* The one's complement sum of @len bytes, added to @sum (not folded). */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += dnswire_get_u16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

bool xskframe_parse(const uint8_t *f, size_t len, struct xskframe_hdr *h,
		    size_t *msg_off, size_t *msg_len,
		    struct sockaddr_storage *peer, socklen_t *peer_len,
		    struct sockaddr_storage *local)
{
	size_t l3 = ETH_HLEN, l4, ulen;
	uint16_t proto;
	const uint8_t *src, *dst;
	int tags = 0, family;

	if (len < ETH_HLEN)
		return false;
	proto = dnswire_get_u16(f + 12);
	while (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		if (++tags > 2 || len < l3 + VLAN_TAG_LEN)
			return false;
		proto = dnswire_get_u16(f + l3 + 2);
		l3 += VLAN_TAG_LEN;
	}
	if (proto == ETH_P_IP) {
		const uint8_t *ip = f + l3;

		family = AF_INET;
		if (len < l3 + 20 || ip[0] != 0x45 || ip[9] != IPPROTO_UDP)
			return false;
		/* MF or an offset: a fragment. */
		if (dnswire_get_u16(ip + 6) & 0x3fff)
			return false;
		if (dnswire_get_u16(ip + 2) < 20 + 8 ||
		    l3 + dnswire_get_u16(ip + 2) > len)
			return false;
		len = l3 + dnswire_get_u16(ip + 2); /* Ethernet padding off */
		src = ip + 12;
		dst = ip + 16;
		l4 = l3 + 20;
	} else if (proto == ETH_P_IPV6) {
		const uint8_t *ip = f + l3;

		family = AF_INET6;
		if (len < l3 + 40 || (ip[0] >> 4) != 6 || ip[6] != IPPROTO_UDP)
			return false;
		if (dnswire_get_u16(ip + 4) < 8 ||
		    l3 + 40 + dnswire_get_u16(ip + 4) > len)
			return false;
		len = l3 + 40 + dnswire_get_u16(ip + 4);
		src = ip + 8;
		dst = ip + 24;
		l4 = l3 + 40;
	} else {
		return false;
	}
	ulen = dnswire_get_u16(f + l4 + 4);
	if (ulen < 8 || l4 + ulen != len)
		return false;
	h->len = (uint8_t)(l4 + 8);
	h->l3_off = (uint8_t)l3;
	h->family = (uint8_t)family;
	memcpy(h->b, f, h->len);
	*msg_off = l4 + 8;
	*msg_len = ulen - 8;
	*peer_len = util_sockaddr(peer, family, src, f + l4);
	util_sockaddr(local, family, dst, f + l4 + 2);
	return true;
}

size_t xskframe_reply(const struct xskframe_hdr *h, const uint8_t *msg,
		      size_t len, uint8_t *out, size_t cap)
{
	size_t l3 = h->l3_off, l4 = h->len - 8, total = h->len + len;
	const uint8_t *q = h->b;
	uint8_t *ip = out + l3, *udp = out + l4;
	uint32_t sum;
	uint16_t c;

	if (total > cap || 8 + len > 0xffff)
		return 0;
	/* Ethernet (and the VLAN tags, as they came): MACs swapped. */
	memcpy(out, q + 6, 6);
	memcpy(out + 6, q, 6);
	memcpy(out + 12, q + 12, l3 - 12);
	if (h->family == AF_INET) {
		if (20 + 8 + len > 0xffff)
			return 0;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		dnswire_put_u16(ip + 2, (uint16_t)(20 + 8 + len));
		dnswire_put_u16(ip + 6, 0x4000); /* DF, as Linux sends UDP */
		ip[8] = IP_HOPS;
		ip[9] = IPPROTO_UDP;
		memcpy(ip + 12, q + l3 + 16, 4);
		memcpy(ip + 16, q + l3 + 12, 4);
		dnswire_put_u16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		sum = csum_add(0, ip + 12, 8);
	} else {
		ip[0] = 0x60;
		ip[1] = ip[2] = ip[3] = 0;
		dnswire_put_u16(ip + 4, (uint16_t)(8 + len));
		ip[6] = IPPROTO_UDP;
		ip[7] = IP_HOPS;
		memcpy(ip + 8, q + l3 + 24, 16);
		memcpy(ip + 24, q + l3 + 8, 16);
		sum = csum_add(0, ip + 8, 32);
	}
	/* UDP: ports swapped, the pseudo header's protocol and length. */
	memcpy(udp, q + l4 + 2, 2);
	memcpy(udp + 2, q + l4, 2);
	dnswire_put_u16(udp + 4, (uint16_t)(8 + len));
	dnswire_put_u16(udp + 6, 0);
	memcpy(out + h->len, msg, len);
	sum += IPPROTO_UDP + 8 + len;
	sum = csum_add(sum, udp, 8);
	c = csum_fold(csum_add(sum, msg, len));
	/* 0 means "no checksum" (RFC 768); IPv6 forbids it (RFC 8200). */
	dnswire_put_u16(udp + 6, c ? c : 0xffff);
	return total;
}
