// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lib/xskframe: AF_XDP query frames taken apart and answer frames built.
 * The queries come from the tests' packet builder (tests/lib/pktbuild.h);
 * the answers are read back and their checksums recomputed by its
 * independent parser (pkt_parse(), pkt_verify_checksums()), not with the
 * builder's code.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/xskframe.h"
#include "tests/lib/pktbuild.h"
#include "suites.h"

/* A finished query frame: @vlans tags, IPv4 or IPv6, @pad bytes of
 * Ethernet padding after the IP packet. */
static void mk_query(struct pkt *p, int family, int vlans, size_t pad)
{
	const struct pkt_query q = {
		.family = family,
		.vlans = vlans,
		.vlan_tpid = { PKT_ETH_P_8021AD, PKT_ETH_P_8021Q },
		.dns = { .id = 0x1234,
			 .flags = 0x0100,
			 .qname = "a",
			 .qtype = 1 },
	};
	static const uint8_t zeros[16];

	pkt_query(p, &q);
	pkt_put(p, zeros, pad);
}

static bool parses(const uint8_t *f, size_t len)
{
	struct sockaddr_storage peer, local;
	struct xskframe_hdr h;
	size_t off, mlen;
	socklen_t pl;

	return xskframe_parse(f, len, &h, &off, &mlen, &peer, &pl, &local);
}

/* @ss holds @text (an address of @family) and @port. */
static void assert_addr(const struct sockaddr_storage *ss, socklen_t len,
			int family, const char *text, uint16_t port)
{
	uint8_t want[16];

	ck_assert_int_eq(inet_pton(family, text, want), 1);
	ck_assert_int_eq(ss->ss_family, family);
	if (family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		ck_assert_uint_eq(len, sizeof(*a));
		ck_assert_mem_eq(&a->sin_addr, want, 4);
		ck_assert_uint_eq(ntohs(a->sin_port), port);
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		ck_assert_uint_eq(len, sizeof(*a));
		ck_assert_mem_eq(&a->sin6_addr, want, 16);
		ck_assert_uint_eq(ntohs(a->sin6_port), port);
	}
}

/* The query @q taken apart, and its reply with @ans checked. */
static void check_reply(const struct pkt *q, int family)
{
	static const uint8_t ans[] = {
		0x12, 0x34, 0x81, 0x80, 0,  1, 0, 1,	0,  0, 0, 0,
		1,    'a',  0,	  0,	1,  0, 1, 0xc0, 12, 0, 1, 0,
		1,    0,    0,	  0,	60, 0, 4, 198,	18, 0, 9
	}; /* odd length */
	int af = family == 4 ? AF_INET : AF_INET6;
	struct sockaddr_storage peer, local;
	struct pkt_info qi, ri;
	struct xskframe_hdr h;
	size_t off, mlen, rlen, alen = family == 4 ? 4 : 16;
	char why[128] = "";
	socklen_t pl;
	uint8_t r[512];

	ck_assert_int_eq(pkt_parse(q->buf, q->len, &qi, why, sizeof(why)), 0);
	ck_assert(xskframe_parse(q->buf, q->len, &h, &off, &mlen, &peer, &pl,
				 &local));
	ck_assert_uint_eq(off, (size_t)q->dns_off);
	ck_assert_uint_eq(mlen, qi.udp_len - 8u); /* no padding */
	assert_addr(&peer, pl, af, family == 4 ? PKT_CLIENT4 : PKT_CLIENT6,
		    40000);
	assert_addr(&local, pl, af, family == 4 ? PKT_SERVER4 : PKT_SERVER6,
		    53);

	rlen = xskframe_reply(&h, ans, sizeof(ans), r, sizeof(r));
	ck_assert_uint_eq(rlen, off + sizeof(ans));
	ck_assert_msg(!pkt_verify_checksums(r, rlen, true, why, sizeof(why)),
		      "reply: %s", why);
	ck_assert_int_eq(pkt_parse(r, rlen, &ri, why, sizeof(why)), 0);
	ck_assert_mem_eq(ri.dst_mac, qi.src_mac, 6);
	ck_assert_mem_eq(ri.src_mac, qi.dst_mac, 6);
	ck_assert_int_eq(ri.vlans, qi.vlans);
	ck_assert_mem_eq(r + 12, q->buf + 12, (size_t)qi.l3_off - 12);
	ck_assert_int_eq(ri.family, family);
	ck_assert_mem_eq(ri.src_ip, qi.dst_ip, alen);
	ck_assert_mem_eq(ri.dst_ip, qi.src_ip, alen);
	ck_assert_uint_eq(ri.sport, qi.dport);
	ck_assert_uint_eq(ri.dport, qi.sport);
	ck_assert_uint_eq(ri.udp_len, 8 + sizeof(ans));
	ck_assert_uint_ne(ri.udp_csum, 0);
	ck_assert_uint_eq(ri.dns_len, sizeof(ans));
	ck_assert_mem_eq(r + ri.dns_off, ans, sizeof(ans));
	/* One byte short of room: nothing written. */
	ck_assert_uint_eq(xskframe_reply(&h, ans, sizeof(ans), r, rlen - 1), 0);
}

START_TEST(test_roundtrip)
{
	struct pkt q;

	for (int v = 0; v <= 2; v++) {
		mk_query(&q, 4, v, 0);
		check_reply(&q, 4);
		mk_query(&q, 6, v, 0);
		check_reply(&q, 6);
	}
	/* Ethernet padding past the IP packet is not DNS. */
	mk_query(&q, 4, 0, 13);
	check_reply(&q, 4);
	mk_query(&q, 6, 1, 7);
	check_reply(&q, 6);
}
END_TEST

START_TEST(test_refused)
{
	static const uint8_t nop4[4] = { 1, 1, 1, 0 };
	struct pkt q;
	struct pkt_query o = {
		.family = 4,
		.dns = { .flags = 0x0100, .qname = "a", .qtype = 1 }
	};
	size_t udp_len_off;

	/* Every prefix of a whole frame is refused. */
	mk_query(&q, 6, 2, 0);
	for (size_t i = 0; i < q.len; i++)
		ck_assert_msg(!parses(q.buf, i), "a %zu-byte prefix parsed", i);
	mk_query(&q, 4, 0, 0);
	for (size_t i = 0; i < q.len; i++)
		ck_assert_msg(!parses(q.buf, i), "a %zu-byte prefix parsed", i);
	ck_assert(parses(q.buf, q.len));

	o.v4.frag = 0x2000; /* MF: a first fragment */
	pkt_query(&q, &o);
	ck_assert(!parses(q.buf, q.len));
	o.v4.frag = 1; /* an offset */
	pkt_query(&q, &o);
	ck_assert(!parses(q.buf, q.len));
	o.v4.frag = 0;
	o.v4.options = nop4;
	o.v4.options_len = sizeof(nop4);
	pkt_query(&q, &o);
	ck_assert(!parses(q.buf, q.len));
	o.v4.options = NULL;
	o.v4.options_len = 0;
	o.v4.proto = IPPROTO_TCP;
	pkt_query(&q, &o);
	ck_assert(!parses(q.buf, q.len));
	o.v4.proto = 0;

	/* UDP length past the IP packet, then short of it. */
	pkt_query(&q, &o);
	udp_len_off = (size_t)q.l4_off + 4;
	pkt_set_u16(&q, (int)udp_len_off,
		    pkt_get_u16(q.buf, (int)udp_len_off) + 1);
	ck_assert(!parses(q.buf, q.len));
	pkt_set_u16(&q, (int)udp_len_off,
		    pkt_get_u16(q.buf, (int)udp_len_off) - 2);
	ck_assert(!parses(q.buf, q.len));

	/* ARP. */
	pkt_query(&q, &o);
	pkt_set_u16(&q, 12, PKT_ETH_P_ARP);
	ck_assert(!parses(q.buf, q.len));
	/* Three tags. */
	o.vlans = 3;
	pkt_query(&q, &o);
	ck_assert(!parses(q.buf, q.len));
	/* IPv6 with a hop-by-hop header, and a v4 header in a v6 frame. */
	o.vlans = 0;
	o.family = 6;
	o.v6.ext = true;
	pkt_query(&q, &o);
	ck_assert(!parses(q.buf, q.len));
	o.v6.ext = false;
	pkt_query(&q, &o);
	ck_assert(parses(q.buf, q.len));
	q.buf[q.l3_off] = 0x45;
	ck_assert(!parses(q.buf, q.len));
}
END_TEST

void xskframe_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_roundtrip));
	CKTEST_TCASE(s, "Negative", NULL, CKTEST(test_refused));
}
