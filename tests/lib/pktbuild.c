// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Packet builder and independent verifier for the XDP tests (see
 * pktbuild.h). Nothing here shares code with the program under test: the
 * checksums are computed byte by byte the RFC 1071 way, so a wrong
 * incremental update in the program cannot hide behind the same mistake here.
 */
#include "pktbuild.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const uint8_t pkt_client_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x07 };
const uint8_t pkt_server_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x53 };

void pkt_init(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->type_off = -1;
	p->l3_off = -1;
	p->l4_off = -1;
	p->dns_off = -1;
	p->qname_off = -1;
	p->opt_off = -1;
}

int pkt_put(struct pkt *p, const void *data, size_t len)
{
	int off = (int)p->len;

	if (p->len + len > PKT_MAX)
		len = PKT_MAX - p->len;
	if (data)
		memcpy(p->buf + p->len, data, len);
	else
		memset(p->buf + p->len, 0, len);
	p->len += len;
	return off;
}

int pkt_put_u8(struct pkt *p, uint8_t v)
{
	return pkt_put(p, &v, 1);
}

int pkt_put_u16(struct pkt *p, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	return pkt_put(p, b, 2);
}

int pkt_put_u32(struct pkt *p, uint32_t v)
{
	uint8_t b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };

	return pkt_put(p, b, 4);
}

void pkt_set_u16(struct pkt *p, int off, uint16_t v)
{
	if (off < 0 || off + 2 > PKT_MAX)
		return;
	p->buf[off] = v >> 8;
	p->buf[off + 1] = v & 0xff;
}

uint16_t pkt_get_u16(const uint8_t *b, int off)
{
	return (uint16_t)(b[off] << 8 | b[off + 1]);
}

void pkt_eth(struct pkt *p, const uint8_t *dst, const uint8_t *src)
{
	pkt_put(p, dst ? dst : pkt_server_mac, 6);
	pkt_put(p, src ? src : pkt_client_mac, 6);
	p->type_off = pkt_put_u16(p, 0);
}

void pkt_set_type(struct pkt *p, uint16_t type)
{
	pkt_set_u16(p, p->type_off, type);
}

void pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t tci)
{
	pkt_set_type(p, tpid);
	pkt_put_u16(p, tci);
	p->type_off = pkt_put_u16(p, 0);
}

static void put_addr(struct pkt *p, int af, const char *text)
{
	uint8_t a[16] = { 0 };

	if (inet_pton(af, text, a) != 1)
		fprintf(stderr, "pktbuild: bad address %s\n", text);
	pkt_put(p, a, af == AF_INET ? 4 : 16);
}

void pkt_ipv4(struct pkt *p, const struct pkt_ipv4_opts *o)
{
	size_t hlen = 20 + o->options_len;
	int ihl = o->ihl ? o->ihl : (int)(hlen / 4);

	pkt_set_type(p, PKT_ETH_P_IP);
	p->family = 4;
	p->l3_off = pkt_put_u8(p, 0x40 | (ihl & 0x0f));
	p->l3_hlen = (int)hlen;
	pkt_put_u8(p, 0); /* TOS */
	pkt_put_u16(p, 0); /* total length, pkt_finish */
	pkt_put_u16(p, o->id);
	pkt_put_u16(p, o->frag);
	pkt_put_u8(p, o->ttl ? o->ttl : 64);
	pkt_put_u8(p, o->proto ? o->proto : 17);
	pkt_put_u16(p, 0); /* checksum, pkt_finish */
	put_addr(p, AF_INET, o->src ? o->src : PKT_CLIENT4);
	put_addr(p, AF_INET, o->dst ? o->dst : PKT_SERVER4);
	if (o->options_len)
		pkt_put(p, o->options, o->options_len);
	p->type_off = -1;
}

void pkt_ipv6(struct pkt *p, const struct pkt_ipv6_opts *o)
{
	uint8_t next = o->next ? o->next : 17;
	uint8_t ext_type = o->ext_type;

	pkt_set_type(p, PKT_ETH_P_IPV6);
	p->family = 6;
	p->l3_off = pkt_put_u32(p, 0x60000000);
	pkt_put_u16(p, 0); /* payload length, pkt_finish */
	pkt_put_u8(p, (o->ext || ext_type) ? ext_type : next);
	pkt_put_u8(p, o->hop_limit ? o->hop_limit : 64);
	put_addr(p, AF_INET6, o->src ? o->src : PKT_CLIENT6);
	put_addr(p, AF_INET6, o->dst ? o->dst : PKT_SERVER6);
	p->l3_hlen = 40;
	if (o->ext || ext_type) {
		pkt_put_u8(p, next);
		pkt_put_u8(p, 0); /* 8 bytes long */
		if (ext_type == 44) {
			pkt_put_u16(p, 0); /* offset 0, M = 0 */
			pkt_put_u32(p, 0x12345678);
		} else {
			/* PadN option of 4 bytes fills the header */
			pkt_put_u8(p, 1);
			pkt_put_u8(p, 4);
			pkt_put_u32(p, 0);
		}
		p->l3_hlen = 48;
	}
	p->type_off = -1;
}

void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	p->l4_off = pkt_put_u16(p, sport);
	pkt_put_u16(p, dport);
	pkt_put_u16(p, 0); /* length, pkt_finish */
	pkt_put_u16(p, 0); /* checksum, pkt_finish */
}

size_t pkt_name_to_wire(const char *text, uint8_t *out, size_t cap)
{
	size_t n = 0;
	const char *s = text;

	while (*s && !(s[0] == '.' && s[1] == '\0')) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		if (n + 1 + l > cap)
			return n;
		out[n++] = (uint8_t)l;
		memcpy(out + n, s, l);
		n += l;
		s += l;
		if (*s == '.')
			s++;
	}
	if (n < cap)
		out[n++] = 0;
	return n;
}

void pkt_dns_header(struct pkt *p, uint16_t id, uint16_t flags, uint16_t qd,
		    uint16_t an, uint16_t ns, uint16_t ar)
{
	p->dns_off = pkt_put_u16(p, id);
	pkt_put_u16(p, flags);
	pkt_put_u16(p, qd);
	pkt_put_u16(p, an);
	pkt_put_u16(p, ns);
	pkt_put_u16(p, ar);
}

void pkt_dns_set_counts(struct pkt *p, uint16_t qd, uint16_t an, uint16_t ns,
			uint16_t ar)
{
	pkt_set_u16(p, p->dns_off + 4, qd);
	pkt_set_u16(p, p->dns_off + 6, an);
	pkt_set_u16(p, p->dns_off + 8, ns);
	pkt_set_u16(p, p->dns_off + 10, ar);
}

void pkt_dns_query(struct pkt *p, const struct pkt_dns_opts *o)
{
	uint8_t wire[1024];
	size_t n =
		pkt_name_to_wire(o->qname ? o->qname : ".", wire, sizeof(wire));

	pkt_dns_header(p, o->id, o->flags, 1, 0, 0, o->edns ? 1 : 0);
	p->qname_off = pkt_put(p, wire, n);
	pkt_put_u16(p, o->qtype);
	pkt_put_u16(p, o->qclass ? o->qclass : 1);
	if (o->edns) {
		p->opt_off = pkt_put_u8(p, 0); /* root owner */
		pkt_put_u16(p, 41);
		pkt_put_u16(p, o->edns_size);
		pkt_put_u8(p, o->edns_rcode);
		pkt_put_u8(p, o->edns_version);
		pkt_put_u16(p, (o->edns_do ? 0x8000 : 0) |
				       (o->edns_zflags & 0x7fff));
		pkt_put_u16(p, (uint16_t)o->edns_options_len);
		if (o->edns_options_len)
			pkt_put(p, o->edns_options, o->edns_options_len);
	}
}

uint32_t pkt_csum_add(uint32_t sum, const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(data[i] << 8 | data[i + 1]);
	if (len & 1)
		sum += (uint32_t)data[len - 1] << 8;
	return sum;
}

uint16_t pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Ones'-complement sum of the pseudo-header of a UDP datagram. */
static uint32_t pseudo_sum(const uint8_t *frame, int family, int l3_off,
			   uint32_t udp_len)
{
	uint32_t sum = 0;

	if (family == 4)
		sum = pkt_csum_add(sum, frame + l3_off + 12, 8);
	else
		sum = pkt_csum_add(sum, frame + l3_off + 8, 32);
	sum += 17;
	sum += udp_len >> 16;
	sum += udp_len & 0xffff;
	return sum;
}

void pkt_finish(struct pkt *p)
{
	/* A frame cut inside a header keeps what is left of it as it is. */
	if (p->l3_off < 0 || p->len < (size_t)(p->l3_off + p->l3_hlen))
		return;
	if (p->family == 4) {
		uint16_t c;

		pkt_set_u16(p, p->l3_off + 2, (uint16_t)(p->len - p->l3_off));
		pkt_set_u16(p, p->l3_off + 10, 0);
		c = ~pkt_csum_fold(
			pkt_csum_add(0, p->buf + p->l3_off, p->l3_hlen));
		pkt_set_u16(p, p->l3_off + 10, c);
	} else if (p->family == 6) {
		pkt_set_u16(p, p->l3_off + 4,
			    (uint16_t)(p->len - p->l3_off - 40));
	}
	if (p->l4_off >= 0 && p->len >= (size_t)p->l4_off + 8) {
		uint32_t ulen = (uint32_t)(p->len - p->l4_off);
		uint32_t sum;
		uint16_t c;

		pkt_set_u16(p, p->l4_off + 4, (uint16_t)ulen);
		pkt_set_u16(p, p->l4_off + 6, 0);
		if (p->udp_csum_zero && p->family == 4)
			return;
		sum = pseudo_sum(p->buf, p->family, p->l3_off, ulen);
		sum = pkt_csum_add(sum, p->buf + p->l4_off, ulen);
		c = ~pkt_csum_fold(sum);
		pkt_set_u16(p, p->l4_off + 6, c ? c : 0xffff);
	}
}

void pkt_truncate(struct pkt *p, size_t len)
{
	if (len < p->len)
		p->len = len;
}

void pkt_query(struct pkt *p, const struct pkt_query *q)
{
	int i;

	pkt_init(p);
	pkt_eth(p, pkt_server_mac, pkt_client_mac);
	for (i = 0; i < q->vlans && i < 3; i++)
		pkt_vlan(p, q->vlan_tpid[i] ? q->vlan_tpid[i] : PKT_ETH_P_8021Q,
			 (uint16_t)(100 + i));
	if (q->family == 6) {
		struct pkt_ipv6_opts o = q->v6;

		o.src = q->src ? q->src : PKT_CLIENT6;
		o.dst = q->dst ? q->dst : PKT_SERVER6;
		pkt_ipv6(p, &o);
	} else {
		struct pkt_ipv4_opts o = q->v4;

		o.src = q->src ? q->src : PKT_CLIENT4;
		o.dst = q->dst ? q->dst : PKT_SERVER4;
		pkt_ipv4(p, &o);
	}
	pkt_udp(p, q->sport ? q->sport : 40000, q->dport ? q->dport : 53);
	pkt_dns_query(p, &q->dns);
	p->udp_csum_zero = q->udp_csum_zero;
	pkt_finish(p);
}

static int fail(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int pkt_parse(const uint8_t *f, size_t len, struct pkt_info *in, char *why,
	      size_t why_len)
{
	size_t off = 14, hlen, alen;
	uint16_t type;
	uint8_t next;
	bool v4;

	memset(in, 0, sizeof(*in));
	if (len < 14)
		return fail(why, why_len, "frame of %zu bytes", len);
	memcpy(in->dst_mac, f, 6);
	memcpy(in->src_mac, f + 6, 6);
	type = pkt_get_u16(f, 12);
	while (type == PKT_ETH_P_8021Q || type == PKT_ETH_P_8021AD) {
		if (in->vlans == 3 || len < off + 4)
			return fail(why, why_len, "bad VLAN tags");
		in->vlan_tci[in->vlans++] = pkt_get_u16(f, (int)off);
		type = pkt_get_u16(f, (int)off + 2);
		off += 4;
	}
	in->l3_off = (int)off;
	if (type == PKT_ETH_P_IP) {
		if (len < off + 20 || (f[off] >> 4) != 4)
			return fail(why, why_len, "bad IPv4 header");
		hlen = (size_t)(f[off] & 0x0f) * 4;
		if (hlen < 20 || len < off + hlen)
			return fail(why, why_len, "bad IHL");
		in->family = 4;
	} else if (type == PKT_ETH_P_IPV6) {
		if (len < off + 40 || (f[off] >> 4) != 6)
			return fail(why, why_len, "bad IPv6 header");
		hlen = 40;
		in->family = 6;
	} else {
		return fail(why, why_len, "EtherType 0x%04x", type);
	}
	/* Protocol, then source and destination, where each version has them. */
	v4 = in->family == 4;
	next = f[off + (v4 ? 9 : 6)];
	if (next != 17)
		return fail(why, why_len,
			    v4 ? "IPv4 protocol %u" : "IPv6 next header %u",
			    next);
	alen = v4 ? 4 : 16;
	memcpy(in->src_ip, f + off + (v4 ? 12 : 8), alen);
	memcpy(in->dst_ip, f + off + (v4 ? 16 : 24), alen);
	off += hlen;
	if (len < off + 8)
		return fail(why, why_len, "truncated UDP header");
	in->l4_off = (int)off;
	in->sport = pkt_get_u16(f, (int)off);
	in->dport = pkt_get_u16(f, (int)off + 2);
	in->udp_len = pkt_get_u16(f, (int)off + 4);
	in->udp_csum = pkt_get_u16(f, (int)off + 6);
	in->dns_off = (int)off + 8;
	in->dns_len = len - off - 8;
	return 0;
}

int pkt_verify_checksums(const uint8_t *f, size_t len, bool require_udp_csum,
			 char *why, size_t why_len)
{
	struct pkt_info in;
	uint32_t sum;
	size_t ulen;

	if (pkt_parse(f, len, &in, why, why_len))
		return -1;
	if (in.family == 4) {
		size_t ihl = (size_t)(f[in.l3_off] & 0x0f) * 4;
		uint16_t tot = pkt_get_u16(f, in.l3_off + 2);

		if (tot != len - in.l3_off)
			return fail(why, why_len,
				    "IPv4 total length %u, frame has %zu", tot,
				    len - in.l3_off);
		sum = pkt_csum_add(0, f + in.l3_off, ihl);
		if (pkt_csum_fold(sum) != 0xffff)
			return fail(why, why_len,
				    "IPv4 header checksum 0x%04x wrong",
				    pkt_get_u16(f, in.l3_off + 10));
	} else {
		uint16_t plen = pkt_get_u16(f, in.l3_off + 4);

		if (plen != len - in.l3_off - 40)
			return fail(why, why_len,
				    "IPv6 payload length %u, frame has %zu",
				    plen, len - in.l3_off - 40);
	}
	ulen = len - in.l4_off;
	if (in.udp_len != ulen)
		return fail(why, why_len, "UDP length %u, frame has %zu",
			    in.udp_len, ulen);
	if (in.udp_csum == 0) {
		if (in.family == 6 || require_udp_csum)
			return fail(why, why_len, "UDP checksum is 0");
		return 0;
	}
	sum = pseudo_sum(f, in.family, in.l3_off, (uint32_t)ulen);
	sum = pkt_csum_add(sum, f + in.l4_off, ulen);
	if (pkt_csum_fold(sum) != 0xffff) {
		uint8_t tmp[PKT_MAX];
		uint16_t want;

		memcpy(tmp, f + in.l4_off, ulen);
		tmp[6] = tmp[7] = 0;
		sum = pseudo_sum(f, in.family, in.l3_off, (uint32_t)ulen);
		want = ~pkt_csum_fold(pkt_csum_add(sum, tmp, ulen));
		return fail(why, why_len, "UDP checksum 0x%04x, want 0x%04x",
			    in.udp_csum, want ? want : 0xffff);
	}
	return 0;
}
