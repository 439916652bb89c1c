/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet builder for the XDP tests: a frame is built layer by layer
 * (Ethernet, VLAN tags, IPv4 or IPv6, UDP, DNS query), then pkt_finish()
 * fills in lengths and checksums. Everything a negative case needs to break
 * is reachable: IHL, options, fragment bits, extension headers, counts, raw
 * question bytes, truncation. pkt_verify_checksums() and pkt_parse() read an
 * output frame independently of the program under test.
 */
#ifndef XDPDNS_TESTS_PKTBUILD_H
#define XDPDNS_TESTS_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest frame the builder holds (an XDP test buffer is one page). */
#define PKT_MAX 4096

#define PKT_ETH_P_IP 0x0800
#define PKT_ETH_P_IPV6 0x86dd
#define PKT_ETH_P_ARP 0x0806
#define PKT_ETH_P_8021Q 0x8100
#define PKT_ETH_P_8021AD 0x88a8

/* A frame under construction; offsets are -1 until the layer is added. */
struct pkt {
	uint8_t buf[PKT_MAX];
	size_t len;
	int type_off; /* the last EtherType / next-header field to fill */
	int family; /* 4 or 6 once an IP header is added */
	int l3_off;
	int l3_hlen; /* IP header bytes as built (options included) */
	int l4_off;
	int dns_off;
	int qname_off; /* start of the question name */
	int opt_off; /* start of the OPT record, -1 if none */
	bool udp_csum_zero; /* pkt_finish leaves the UDP checksum 0 */
};

/* IPv4 header fields; zero means "the usual value". */
struct pkt_ipv4_opts {
	const char *src; /* dotted quad */
	const char *dst;
	uint8_t ttl; /* 64 */
	uint8_t proto; /* 17 (UDP) */
	uint16_t id;
	uint16_t frag; /* flags and offset as on the wire, host order */
	int ihl; /* override of the IHL nibble; 0: computed */
	const uint8_t *options; /* raw options, a multiple of 4 bytes */
	size_t options_len;
};

/* IPv6 header fields; zero means "the usual value". */
struct pkt_ipv6_opts {
	const char *src;
	const char *dst;
	uint8_t hop_limit; /* 64 */
	uint8_t next; /* 17 (UDP) */
	/*
	 * When ext_type is set, one 8-byte extension header of that type
	 * (0 hop-by-hop, 43 routing, 44 fragment, 60 destination options) sits
	 * between the fixed header and UDP. Set ext to true to use type 0.
	 */
	bool ext;
	uint8_t ext_type;
};

/* The fields of a DNS query; pkt_dns_query() adds the whole message. */
struct pkt_dns_opts {
	uint16_t id;
	uint16_t flags; /* second header word, host order (RD = 0x0100) */
	const char *qname; /* text, "www.Example.COM" or "." */
	uint16_t qtype;
	uint16_t qclass; /* 0: IN */
	bool edns; /* add an OPT record */
	uint16_t edns_size; /* OPT class */
	uint8_t edns_version;
	bool edns_do;
	uint8_t edns_rcode; /* extended rcode byte of the OPT TTL */
	uint16_t edns_zflags; /* OPT TTL low 15 bits (beside DO) */
	const uint8_t *edns_options; /* raw RDATA of the OPT record */
	size_t edns_options_len;
};

void pkt_init(struct pkt *p);
/* Appends raw bytes; returns their offset. */
int pkt_put(struct pkt *p, const void *data, size_t len);
int pkt_put_u8(struct pkt *p, uint8_t v);
int pkt_put_u16(struct pkt *p, uint16_t v); /* written big-endian */
int pkt_put_u32(struct pkt *p, uint32_t v);
void pkt_set_u16(struct pkt *p, int off, uint16_t v);
uint16_t pkt_get_u16(const uint8_t *b, int off);

/* Ethernet header; NULL MACs use the builder's defaults. */
void pkt_eth(struct pkt *p, const uint8_t *dst, const uint8_t *src);
/* One VLAN tag (tpid 0x8100 or 0x88a8). */
void pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t tci);
/* Sets the pending EtherType / next header to @type (ARP, TCP frames). */
void pkt_set_type(struct pkt *p, uint16_t type);
void pkt_ipv4(struct pkt *p, const struct pkt_ipv4_opts *o);
void pkt_ipv6(struct pkt *p, const struct pkt_ipv6_opts *o);
void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport);

/*
 * Text name to wire format with no validation at all, so that 64-byte labels
 * and 256-byte names can be built. Returns the wire length.
 */
size_t pkt_name_to_wire(const char *text, uint8_t *out, size_t cap);
/* DNS header, question and optional OPT record. */
void pkt_dns_query(struct pkt *p, const struct pkt_dns_opts *o);
/* DNS header with explicit counts (for raw questions). */
void pkt_dns_header(struct pkt *p, uint16_t id, uint16_t flags, uint16_t qd,
		    uint16_t an, uint16_t ns, uint16_t ar);
/* Sets the four counts of the DNS header already in the frame. */
void pkt_dns_set_counts(struct pkt *p, uint16_t qd, uint16_t an, uint16_t ns,
			uint16_t ar);

/*
 * Fills IPv4 total length and header checksum, IPv6 payload length, UDP
 * length and checksum (0 when p->udp_csum_zero for IPv4).
 */
void pkt_finish(struct pkt *p);
/* Cuts the frame to @len bytes without touching any header. */
void pkt_truncate(struct pkt *p, size_t len);

/* Everything pkt_query() puts together in one description. */
struct pkt_query {
	int family; /* 4 (default) or 6 */
	int vlans; /* tags, 0..3 */
	uint16_t vlan_tpid[3]; /* 0: 0x8100 */
	const char *src; /* client address, default per family */
	const char *dst; /* service address, default per family */
	uint16_t sport; /* 0: 40000 */
	uint16_t dport; /* 0: 53 */
	bool udp_csum_zero;
	struct pkt_ipv4_opts v4; /* src/dst there are ignored */
	struct pkt_ipv6_opts v6;
	struct pkt_dns_opts dns;
};

/* Default addresses of pkt_query(). */
#define PKT_CLIENT4 "198.51.100.7"
#define PKT_SERVER4 "192.0.2.53"
#define PKT_CLIENT6 "2001:db8:1::7"
#define PKT_SERVER6 "2001:db8::53"
extern const uint8_t pkt_client_mac[6];
extern const uint8_t pkt_server_mac[6];

/* Builds a complete, finished query frame. */
void pkt_query(struct pkt *p, const struct pkt_query *q);

/* What pkt_parse() finds in a frame. */
struct pkt_info {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	int vlans;
	uint16_t vlan_tci[3];
	int family;
	int l3_off;
	int l4_off;
	int dns_off;
	uint8_t src_ip[16];
	uint8_t dst_ip[16];
	uint16_t sport;
	uint16_t dport;
	uint16_t udp_len;
	uint16_t udp_csum;
	size_t dns_len;
};

/*
 * Parses Ethernet/VLAN/IP/UDP of a frame (no IPv4 options, no IPv6
 * extension headers). Returns 0, or -1 with a reason in @why.
 */
int pkt_parse(const uint8_t *frame, size_t len, struct pkt_info *info,
	      char *why, size_t why_len);

/*
 * Recomputes the IPv4 header checksum and the UDP checksum of @frame from
 * scratch and checks lengths: IPv4 total length / IPv6 payload length and the
 * UDP length must match the frame. With @require_udp_csum a zero UDP checksum
 * is an error for IPv4 too. Returns 0, or -1 with a reason in @why.
 */
int pkt_verify_checksums(const uint8_t *frame, size_t len,
			 bool require_udp_csum, char *why, size_t why_len);

/* Internet checksum helpers (RFC 1071), exposed for tests. */
uint32_t pkt_csum_add(uint32_t sum, const uint8_t *data, size_t len);
uint16_t pkt_csum_fold(uint32_t sum);

#endif /* XDPDNS_TESTS_PKTBUILD_H */
