// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lib/xskframe: AF_XDP query frames taken apart and answer frames built;
 * the checksums are checked here by summing the finished frame the way a
 * receiver does (RFC 1071), not with the builder's code.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/xskframe.h"
#include "suites.h"

static const uint8_t cli_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t srv_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t dns[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0,
			       0,    0,	   1,	 'a',  0, 0, 1, 0, 1 };

/* An RFC 1071 sum, folded: 0xffff over data that carries its checksum. */
static uint16_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		s += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* A query frame: @vlans tags, IPv4 or IPv6, @pad bytes of padding. */
static size_t mk_query(uint8_t *f, int family, int vlans, size_t pad)
{
	size_t l3 = 14 + 4 * vlans, l4, n = sizeof(dns);
	uint8_t *ip;

	memset(f, 0, 256);
	memcpy(f, srv_mac, 6);
	memcpy(f + 6, cli_mac, 6);
	for (int i = 0; i < vlans; i++) {
		f[12 + 4 * i] = i + 1 < vlans ? 0x88 : 0x81;
		f[13 + 4 * i] = i + 1 < vlans ? 0xa8 : 0x00;
		f[15 + 4 * i] = 10 + i; /* VID */
	}
	ip = f + l3;
	if (family == AF_INET) {
		f[l3 - 2] = 0x08;
		f[l3 - 1] = 0x00;
		ip[0] = 0x45;
		ip[2] = 0;
		ip[3] = 20 + 8 + n;
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		inet_pton(AF_INET, "198.18.0.2", ip + 12);
		inet_pton(AF_INET, "198.18.0.1", ip + 16);
		l4 = l3 + 20;
	} else {
		f[l3 - 2] = 0x86;
		f[l3 - 1] = 0xdd;
		ip[0] = 0x60;
		ip[5] = 8 + n;
		ip[6] = IPPROTO_UDP;
		ip[7] = 64;
		inet_pton(AF_INET6, "2001:db8::2", ip + 8);
		inet_pton(AF_INET6, "2001:db8::1", ip + 24);
		l4 = l3 + 40;
	}
	f[l4] = 0x9c; /* source port 40000 */
	f[l4 + 1] = 0x40;
	f[l4 + 3] = 53;
	f[l4 + 5] = 8 + n;
	memcpy(f + l4 + 8, dns, n);
	return l4 + 8 + n + pad;
}

/* The reply to @q's query with @msg, checked byte by byte. */
static void check_reply(const uint8_t *q, size_t qlen, int family, int vlans)
{
	static const uint8_t ans[] = {
		0x12, 0x34, 0x81, 0x80, 0,  1, 0, 1,	0,  0, 0, 0,
		1,    'a',  0,	  0,	1,  0, 1, 0xc0, 12, 0, 1, 0,
		1,    0,    0,	  0,	60, 0, 4, 198,	18, 0, 9
	}; /* odd length */
	struct sockaddr_storage peer, local;
	struct xskframe_hdr h;
	size_t off, mlen, l3 = 14 + 4 * vlans, l4, rlen;
	socklen_t pl;
	uint8_t r[512];
	uint32_t ps;

	ck_assert(xskframe_parse(q, qlen, &h, &off, &mlen, &peer, &pl, &local));
	l4 = l3 + (family == AF_INET ? 20 : 40);
	ck_assert_uint_eq(off, l4 + 8);
	ck_assert_uint_eq(mlen, sizeof(dns));
	ck_assert_mem_eq(q + off, dns, sizeof(dns));
	ck_assert_int_eq(peer.ss_family, family);
	ck_assert_int_eq(local.ss_family, family);
	if (family == AF_INET) {
		const struct sockaddr_in *p = (const struct sockaddr_in *)&peer;
		const struct sockaddr_in *l =
			(const struct sockaddr_in *)&local;

		ck_assert_uint_eq(pl, sizeof(*p));
		ck_assert_uint_eq(ntohs(p->sin_port), 40000);
		ck_assert_uint_eq(ntohs(l->sin_port), 53);
		ck_assert_uint_eq(ntohl(p->sin_addr.s_addr), 0xc6120002);
		ck_assert_uint_eq(ntohl(l->sin_addr.s_addr), 0xc6120001);
	} else {
		const struct sockaddr_in6 *p =
			(const struct sockaddr_in6 *)&peer;

		ck_assert_uint_eq(pl, sizeof(*p));
		ck_assert_uint_eq(ntohs(p->sin6_port), 40000);
		ck_assert_uint_eq(p->sin6_addr.s6_addr[15], 2);
	}

	rlen = xskframe_reply(&h, ans, sizeof(ans), r, sizeof(r));
	ck_assert_uint_eq(rlen, l4 + 8 + sizeof(ans));
	ck_assert_mem_eq(r, cli_mac, 6);
	ck_assert_mem_eq(r + 6, srv_mac, 6);
	ck_assert_mem_eq(r + 12, q + 12, l3 - 12); /* tags, ethertype */
	ck_assert_mem_eq(r + l4 + 8, ans, sizeof(ans));
	/* Ports swapped, UDP length. */
	ck_assert_uint_eq(r[l4 + 1], 53);
	ck_assert_uint_eq(r[l4 + 2] << 8 | r[l4 + 3], 40000);
	ck_assert_uint_eq(r[l4 + 4] << 8 | r[l4 + 5], 8 + sizeof(ans));
	ck_assert(r[l4 + 6] | r[l4 + 7]);
	if (family == AF_INET) {
		ck_assert_uint_eq(r[l3], 0x45);
		ck_assert_uint_eq(r[l3 + 2] << 8 | r[l3 + 3],
				  20 + 8 + sizeof(ans));
		ck_assert_uint_eq(r[l3 + 9], IPPROTO_UDP);
		ck_assert_mem_eq(r + l3 + 12, q + l3 + 16, 4);
		ck_assert_mem_eq(r + l3 + 16, q + l3 + 12, 4);
		ck_assert_uint_eq(sum16(0, r + l3, 20), 0xffff);
		ps = sum16(0, r + l3 + 12, 8);
	} else {
		ck_assert_uint_eq(r[l3] >> 4, 6);
		ck_assert_uint_eq(r[l3 + 4] << 8 | r[l3 + 5], 8 + sizeof(ans));
		ck_assert_uint_eq(r[l3 + 6], IPPROTO_UDP);
		ck_assert_mem_eq(r + l3 + 8, q + l3 + 24, 16);
		ck_assert_mem_eq(r + l3 + 24, q + l3 + 8, 16);
		ps = sum16(0, r + l3 + 8, 32);
	}
	/* The pseudo header, then the datagram with its checksum: 0xffff. */
	ps += IPPROTO_UDP + 8 + sizeof(ans);
	ck_assert_uint_eq(sum16(ps, r + l4, 8 + sizeof(ans)), 0xffff);
	/* One byte short of room: nothing written. */
	ck_assert_uint_eq(xskframe_reply(&h, ans, sizeof(ans), r, rlen - 1), 0);
}

START_TEST(test_roundtrip)
{
	uint8_t q[256];

	for (int v = 0; v <= 2; v++) {
		check_reply(q, mk_query(q, AF_INET, v, 0), AF_INET, v);
		check_reply(q, mk_query(q, AF_INET6, v, 0), AF_INET6, v);
	}
	/* Ethernet padding past the IP packet is not DNS. */
	check_reply(q, mk_query(q, AF_INET, 0, 13), AF_INET, 0);
	check_reply(q, mk_query(q, AF_INET6, 1, 7), AF_INET6, 1);
}
END_TEST

static bool parses(const uint8_t *f, size_t len)
{
	struct sockaddr_storage peer, local;
	struct xskframe_hdr h;
	size_t off, mlen;
	socklen_t pl;

	return xskframe_parse(f, len, &h, &off, &mlen, &peer, &pl, &local);
}

START_TEST(test_refused)
{
	uint8_t q[256];
	size_t n;

	/* Every prefix of a whole frame is refused. */
	n = mk_query(q, AF_INET6, 2, 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(!parses(q, i), "a %zu-byte prefix parsed", i);
	n = mk_query(q, AF_INET, 0, 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(!parses(q, i), "a %zu-byte prefix parsed", i);
	ck_assert(parses(q, n));
	q[20] = 0x20; /* MF: a first fragment */
	ck_assert(!parses(q, n));
	q[20] = 0;
	q[21] = 1; /* an offset */
	ck_assert(!parses(q, n));
	q[21] = 0;
	q[14] = 0x46; /* IPv4 options */
	ck_assert(!parses(q, n));
	q[14] = 0x45;
	q[23] = IPPROTO_TCP;
	ck_assert(!parses(q, n));
	q[23] = IPPROTO_UDP;
	q[14 + 20 + 5]++; /* UDP length past the IP packet */
	ck_assert(!parses(q, n));
	q[14 + 20 + 5] -= 2; /* short of it */
	ck_assert(!parses(q, n));
	q[14 + 20 + 5]++;
	q[12] = 0x08;
	q[13] = 0x06; /* ARP */
	ck_assert(!parses(q, n));
	/* Three tags. */
	n = mk_query(q, AF_INET, 2, 0);
	memmove(q + 16, q + 12, n - 12);
	q[12] = 0x81;
	q[13] = 0;
	q[14] = 0;
	q[15] = 9;
	ck_assert(!parses(q, n + 4));
	/* IPv6 with a hop-by-hop header, and a v4 header in a v6 frame. */
	n = mk_query(q, AF_INET6, 0, 0);
	q[14 + 6] = 0;
	ck_assert(!parses(q, n));
	q[14 + 6] = IPPROTO_UDP;
	q[14] = 0x45;
	ck_assert(!parses(q, n));
}
END_TEST

void xskframe_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_roundtrip));
	CKTEST_TCASE(s, "Negative", NULL, CKTEST(test_refused));
}
