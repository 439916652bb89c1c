// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of userspace/lib/cache_entry.c. Responses come from libldns
 * (which compresses names its own way) and from hand-written byte arrays
 * for the pointer placements ldns never produces. Every accepted entry is
 * rendered for a mixed-case query and the result parsed back with ldns, so
 * the oracle is an independent DNS implementation, not our own parser.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "tests/lib/ldnsexpect.h"
#include "lib/cache_entry.h"
#include "suites.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NSEC_PER_SEC 1000000000ULL
#define T0 (1000 * NSEC_PER_SEC) /* the clock when entries are built */
#define OUR_EDNS_SIZE 1232 /* what render advertises in its OPT */
#define ID_QUERY 0xbeef

/* -------------------------------------------------------------------------
 * Oracles: queries and responses with ldns, checks with ldns.
 */

/* Max records per section in a table case. */
#define CASE_RRS 12

struct resp_case {
	const char *what;
	const char *qname;
	const char *qtype;
	uint8_t rcode;
	bool aa;
	bool ad;
	uint16_t edns; /* OPT in the response (build drops it); 0: none */
	const char *rr[3][CASE_RRS]; /* answer, authority, additional */
	struct cache_entry_opts opts;
	uint32_t neg_ttl; /* negative answer: the TTL of every record but the
			   * answer section's (CNAMEs keep theirs); 0: positive */
};

static uint8_t *ldns_response(const struct resp_case *c, size_t *len)
{
	struct ldnsexpect_resp r = { .rr = { c->rr[0], c->rr[1], c->rr[2] },
				     .rr_max = CASE_RRS,
				     .rcode = c->rcode,
				     .aa = c->aa,
				     .ad = c->ad,
				     .edns = c->edns };
	char q[600];
	uint8_t *wire;

	snprintf(q, sizeof(q), "%s IN %s", c->qname, c->qtype);
	r.question = q;
	wire = ldnsexpect_wire(&r, len);
	ck_assert_msg(wire, "%s: ldns rejected the response", c->what);
	return wire;
}

static uint8_t *ldns_query(const char *qname, ldns_rr_type type, uint16_t flags,
			   uint16_t edns, bool do_bit, size_t *len)
{
	ldns_rdf *name = ldns_dname_new_frm_str(qname);
	uint8_t *wire = NULL;
	ldns_pkt *p;

	ck_assert_ptr_nonnull(name);
	p = ldns_pkt_query_new(name, type, LDNS_RR_CLASS_IN, flags);
	ck_assert_ptr_nonnull(p);
	ldns_pkt_set_id(p, ID_QUERY);
	if (edns) {
		ldns_pkt_set_edns_udp_size(p, edns);
		ldns_pkt_set_edns_do(p, do_bit);
	}
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return wire;
}

/* 0x20-style case randomisation, deterministic: every other letter up. */
static void mix_case(char *s)
{
	bool up = true;

	for (; *s; s++) {
		if (!isalpha((unsigned char)*s))
			continue;
		*s = up ? toupper((unsigned char)*s) :
			  tolower((unsigned char)*s);
		up = !up;
	}
}

/* @section: 0 answer, 1 authority, 2 additional. */
static uint32_t expected_ttl(uint32_t ttl, const struct cache_entry_opts *o,
			     uint32_t neg_ttl, int section)
{
	if (neg_ttl && section > 0)
		return neg_ttl;
	if (ttl > 0x7fffffff)
		ttl = 0;
	if (ttl < o->min_ttl)
		ttl = o->min_ttl;
	if (o->max_ttl && ttl > o->max_ttl)
		ttl = o->max_ttl;
	return ttl;
}

/*
 * Independent data_csum: every byte weighted by the parity of its offset,
 * TTL bytes skipped, reduced modulo 0xffff (which is what folding a ones'-
 * complement sum computes, a non-zero sum never folding to 0).
 */
static uint16_t ref_data_csum(const struct xdpdns_cache_entry *e)
{
	uint64_t sum = 0;

	for (size_t p = 0; p < e->data_len; p++) {
		bool ttl = false;

		for (unsigned int i = 0; i < e->rr_count; i++)
			if (p >= e->ttl_off[i] && p < e->ttl_off[i] + 4u)
				ttl = true;
		if (!ttl)
			sum += p % 2 ? e->data[p] : (uint64_t)e->data[p] << 8;
	}
	return sum ? (sum - 1) % 0xffff + 1 : 0;
}

static ldns_pkt *parse_ok(const char *what, const uint8_t *wire, size_t len)
{
	ldns_pkt *p = NULL;
	ldns_status st = ldns_wire2pkt(&p, wire, len);

	ck_assert_msg(st == LDNS_STATUS_OK, "%s: ldns: %s", what,
		      ldns_get_errorstr_by_id(st));
	return p;
}

static ldns_rr_list *pkt_section(const ldns_pkt *p, int s)
{
	return s == 0 ? ldns_pkt_answer(p) :
	       s == 1 ? ldns_pkt_authority(p) :
			ldns_pkt_additional(p);
}

/*
 * The response an entry of @opts' key holds: @resp as ldns reads it, less
 * the DNSSEC records a key without DO leaves out.
 */
static ldns_pkt *expected_pkt(const char *what, const uint8_t *resp, size_t len,
			      const struct cache_entry_opts *opts)
{
	ldns_pkt *p = parse_ok(what, resp, len);

	if (!(opts->key_flags & XDPDNS_KEY_DO))
		ldnsexpect_strip_dnssec(p);
	return p;
}

/* Key, counts, TTL, clock, flags and checksum of a freshly built entry. */
static void verify_entry(const char *what, const uint8_t *resp, size_t len,
			 const struct cache_entry_opts *opts, uint32_t neg_ttl,
			 const struct xdpdns_cache_key *key,
			 const struct xdpdns_cache_entry *e)
{
	ldns_pkt *orig = expected_pkt(what, resp, len, opts);
	ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(orig), 0);
	ldns_rdf *qname = ldns_rdf_clone(ldns_rr_owner(q));
	uint32_t min_ttl = UINT32_MAX;
	uint16_t flags;

	ldns_dname2canonical(qname);
	ck_assert_mem_eq(key->qname, ldns_rdf_data(qname),
			 ldns_rdf_size(qname));
	for (size_t i = ldns_rdf_size(qname); i < sizeof(key->qname); i++)
		ck_assert_msg(key->qname[i] == 0, "%s: key not zero padded",
			      what);
	ck_assert_uint_eq(key->flags, opts->key_flags);
	ck_assert_uint_eq(key->qtype, ldns_rr_get_type(q));
	ck_assert_uint_eq(key->qclass, LDNS_RR_CLASS_IN);

	ck_assert_uint_eq(e->ancount, ldns_pkt_ancount(orig));
	ck_assert_uint_eq(e->nscount, ldns_pkt_nscount(orig));
	ck_assert_uint_eq(e->arcount, ldns_pkt_arcount(orig));
	ck_assert_uint_eq(e->rr_count, e->ancount + e->nscount + e->arcount);
	for (int s = 0; s < 3; s++) {
		ldns_rr_list *l = pkt_section(orig, s);

		for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
			uint32_t t =
				expected_ttl(ldns_rr_ttl(ldns_rr_list_rr(l, i)),
					     opts, neg_ttl, s);

			if (t < min_ttl)
				min_ttl = t;
		}
	}
	if (neg_ttl && neg_ttl < min_ttl)
		min_ttl = neg_ttl;
	ck_assert_msg(e->ttl == min_ttl, "%s: ttl %u, want %u", what, e->ttl,
		      min_ttl);
	ck_assert_uint_eq(e->stored_ns, opts->now_ns);
	ck_assert_uint_eq(e->expire_ns, opts->now_ns + e->ttl * NSEC_PER_SEC);
	ck_assert_uint_eq(e->hits, 0);

	flags = ldns_pkt_get_rcode(orig);
	if (ldns_pkt_aa(orig))
		flags |= DNS_F_AA;
	if (opts->validated)
		flags |= DNS_F_AD;
	ck_assert_uint_eq(e->flags, flags);
	ck_assert_uint_eq(e->entry_flags,
			  opts->validated ? XDPDNS_ENTRY_VALIDATED : 0);
	ck_assert_uint_le(e->data_len, XDPDNS_DATA_MAX);
	for (unsigned int i = 0; i < e->rr_count; i++)
		ck_assert_uint_le(e->ttl_off[i] + 4u, e->data_len);
	ck_assert_msg(e->data_csum == ref_data_csum(e), "%s: csum %#x want %#x",
		      what, e->data_csum, ref_data_csum(e));
	ldns_rdf_deep_free(qname);
	ldns_pkt_free(orig);
}

/* One way a client asks. */
struct qvariant {
	uint16_t qflags; /* LDNS_RD, LDNS_CD, LDNS_AD */
	uint16_t edns; /* 0: no OPT */
	bool do_bit;
	uint64_t elapsed_ns; /* UINT64_MAX: the last nanosecond before expiry */
};

static const struct qvariant variants[] = {
	{ LDNS_RD, 0, false, 0 },
	{ LDNS_RD | LDNS_CD, 1232, true, 1500000000ULL },
	{ LDNS_RD | LDNS_AD, 4096, false, 2 * NSEC_PER_SEC },
	{ LDNS_RD, 1232, false, UINT64_MAX },
};

/* Same RR up to name case; the rendered TTL must be @ttl. */
static void compare_rr(const char *what, const ldns_rr *o, const ldns_rr *g,
		       uint32_t ttl)
{
	ldns_rr *oc = ldns_rr_clone(o), *gc = ldns_rr_clone(g);
	char *os, *gs;

	ck_assert_msg(ldns_rr_ttl(g) == ttl, "%s: ttl %u want %u", what,
		      ldns_rr_ttl(g), ttl);
	ldns_rr2canonical(oc);
	ldns_rr2canonical(gc);
	ldns_rr_set_ttl(oc, 0);
	ldns_rr_set_ttl(gc, 0);
	if (ldns_rr_compare(oc, gc) != 0) {
		os = ldns_rr2str(oc);
		gs = ldns_rr2str(gc);
		ck_abort_msg("%s: rr differs:\n%s%s", what, os, gs);
	}
	ldns_rr_free(oc);
	ldns_rr_free(gc);
}

/*
 * Renders @e for a mixed-case query of the response's question and checks
 * the output with ldns against the original @resp.
 */
static void verify_render(const char *what, const uint8_t *resp, size_t len,
			  const struct xdpdns_cache_entry *e,
			  const struct cache_entry_opts *opts, uint32_t neg_ttl,
			  const struct qvariant *v)
{
	ldns_pkt *orig = expected_pkt(what, resp, len, opts), *got;
	ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(orig), 0);
	char *qtext = ldns_rdf2str(ldns_rr_owner(q));
	size_t qlen = ldns_rdf_size(ldns_rr_owner(q)) + 4, query_len;
	struct cache_entry_query cq;
	uint8_t out[8192], *query;
	uint64_t elapsed_ns = v->elapsed_ns;
	uint32_t elapsed;
	bool ad;
	int n;

	if (elapsed_ns == UINT64_MAX)
		elapsed_ns = e->expire_ns - e->stored_ns - 1;
	elapsed = elapsed_ns / NSEC_PER_SEC;
	mix_case(qtext);
	query = ldns_query(qtext, ldns_rr_get_type(q), v->qflags, v->edns,
			   v->do_bit, &query_len);
	cq = (struct cache_entry_query){ .msg = query,
					 .len = query_len,
					 .now_ns = e->stored_ns + elapsed_ns,
					 .edns_size = OUR_EDNS_SIZE };
	n = cache_entry_render(e, &cq, out, sizeof(out));
	if (12 + qlen + e->data_len + (v->edns ? 11 : 0) >
	    (v->edns > OUR_EDNS_SIZE ? OUR_EDNS_SIZE :
	     v->edns > 512	     ? v->edns :
				       512)) {
		/* larger than the client's buffer: never served */
		ck_assert_msg(n == -1 && errno == EMSGSIZE, "%s: size", what);
		goto out;
	}
	ck_assert_msg(n > 0, "%s: render: %s", what, strerror(errno));
	got = parse_ok(what, out, n);

	ck_assert_uint_eq(ldns_pkt_id(got), ID_QUERY);
	ck_assert(ldns_pkt_qr(got));
	ck_assert(ldns_pkt_ra(got));
	ck_assert(!ldns_pkt_tc(got));
	ck_assert_int_eq(ldns_pkt_get_opcode(got), LDNS_PACKET_QUERY);
	ck_assert_int_eq(ldns_pkt_aa(got), ldns_pkt_aa(orig));
	ck_assert_int_eq(ldns_pkt_rd(got), !!(v->qflags & LDNS_RD));
	ck_assert_int_eq(ldns_pkt_cd(got), !!(v->qflags & LDNS_CD));
	ad = opts->validated && ((v->qflags & LDNS_AD) || v->do_bit);
	ck_assert_msg(ldns_pkt_ad(got) == ad, "%s: AD", what);
	ck_assert_int_eq(ldns_pkt_get_rcode(got), ldns_pkt_get_rcode(orig));

	/* The client's question bytes, 0x20 case included. */
	ck_assert_uint_eq(ldns_pkt_qdcount(got), 1);
	ck_assert_mem_eq(out + 12, query + 12, qlen);

	for (int s = 0; s < 3; s++) {
		ldns_rr_list *lo = pkt_section(orig, s);
		ldns_rr_list *lg = pkt_section(got, s);

		ck_assert_msg(ldns_rr_list_rr_count(lo) ==
				      ldns_rr_list_rr_count(lg),
			      "%s: section %d count", what, s);
		for (size_t i = 0; i < ldns_rr_list_rr_count(lo); i++) {
			ldns_rr *o = ldns_rr_list_rr(lo, i);

			compare_rr(what, o, ldns_rr_list_rr(lg, i),
				   expected_ttl(ldns_rr_ttl(o), opts, neg_ttl,
						s) -
					   elapsed);
		}
	}

	/* OPT exactly when the query had one, and then as the last record. */
	ck_assert_uint_eq(out[10] << 8 | out[11], e->arcount + !!v->edns);
	ck_assert_int_eq(ldns_pkt_edns(got), !!v->edns);
	if (v->edns) {
		const uint8_t opt[11] = {
			0,
			0,
			41,
			OUR_EDNS_SIZE >> 8,
			OUR_EDNS_SIZE & 0xff,
			0,
			0,
			v->do_bit ? 0x80 : 0,
			0,
			0,
			0,
		};

		ck_assert_mem_eq(out + n - 11, opt, sizeof(opt));
		ck_assert_uint_eq(ldns_pkt_edns_udp_size(got), OUR_EDNS_SIZE);
		ck_assert_int_eq(ldns_pkt_edns_do(got), v->do_bit);
	}
	ck_assert_uint_eq(n, 12 + qlen + e->data_len + (v->edns ? 11 : 0));
	ldns_pkt_free(got);
out:
	ldns_pkt_free(orig);
	free(query);
	free(qtext);
}

/* Build, then verify the entry and its rendering for every query variant. */
static void build_and_verify(const char *what, const uint8_t *resp, size_t len,
			     const struct cache_entry_opts *opts,
			     uint32_t neg_ttl, struct xdpdns_cache_entry *e)
{
	struct xdpdns_cache_key key;
	int ret;

	ret = cache_entry_build(resp, len, opts, &key, e);
	ck_assert_msg(ret == 0, "%s: build: %s", what,
		      cache_entry_strerror(ret));
	verify_entry(what, resp, len, opts, neg_ttl, &key, e);
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++)
		verify_render(what, resp, len, e, opts, neg_ttl, &variants[i]);
}

/* -------------------------------------------------------------------------
 * Positive: responses as ldns writes them.
 */

#define SOA_EXAMPLE(ttl, min)                               \
	"example.com. " #ttl                                \
	" IN SOA ns1.example.com. hostmaster.example.com. " \
	"2024010101 7200 3600 1209600 " #min

#define OPTS(...)                         \
	{                                 \
		.now_ns = T0, __VA_ARGS__ \
	}

static const struct resp_case positive_cases[] = {
	{ .what = "A, two records",
	  .qname = "www.example.com.",
	  .qtype = "A",
	  .aa = true,
	  .rr = { { "www.example.com. 300 IN A 192.0.2.1",
		    "www.example.com. 300 IN A 192.0.2.2" } },
	  .opts = OPTS() },
	{ .what = "CNAME chain with glue and OPT",
	  .qname = "www.example.com.",
	  .qtype = "A",
	  .edns = 1232,
	  .rr = { { "www.example.com. 3600 IN CNAME web.example.net.",
		    "web.example.net. 600 IN CNAME edge.cdn.example.org.",
		    "edge.cdn.example.org. 60 IN A 198.51.100.7" },
		  { "cdn.example.org. 86400 IN NS ns1.cdn.example.org.",
		    "cdn.example.org. 86400 IN NS ns2.example.com." },
		  { "ns1.cdn.example.org. 86400 IN A 203.0.113.1",
		    "ns1.cdn.example.org. 86400 IN AAAA 2001:db8::1" } },
	  .opts = OPTS() },
	{ .what = "MX with glue",
	  .qname = "example.com.",
	  .qtype = "MX",
	  .rr = { { "example.com. 3600 IN MX 10 mail.example.com.",
		    "example.com. 3600 IN MX 20 MX2.Example.COM." },
		  {},
		  { "mail.example.com. 3600 IN A 192.0.2.25",
		    "mx2.example.com. 3600 IN AAAA 2001:db8::25" } },
	  .opts = OPTS() },
	{ .what = "SOA and NS",
	  .qname = "example.com.",
	  .qtype = "SOA",
	  .aa = true,
	  .rr = { { SOA_EXAMPLE(3600, 300) },
		  { "example.com. 3600 IN NS ns1.example.com.",
		    "example.com. 3600 IN NS ns2.example.com." } },
	  .opts = OPTS() },
	{ .what = "NXDOMAIN",
	  .qname = "nope.example.com.",
	  .qtype = "A",
	  .rcode = LDNS_RCODE_NXDOMAIN,
	  .aa = true,
	  .rr = { {}, { SOA_EXAMPLE(3600, 300) } },
	  .opts = OPTS(),
	  .neg_ttl = 300 },
	{ .what = "NXDOMAIN capped",
	  .qname = "nope.example.com.",
	  .qtype = "A",
	  .rcode = LDNS_RCODE_NXDOMAIN,
	  .rr = { {}, { SOA_EXAMPLE(3600, 300) } },
	  .opts = OPTS(.max_negative_ttl = 60, .max_ttl = 30, .min_ttl = 90),
	  .neg_ttl = 60 },
	{ .what = "NXDOMAIN SOA TTL below MINIMUM",
	  .qname = "nope.example.com.",
	  .qtype = "A",
	  .rcode = LDNS_RCODE_NXDOMAIN,
	  .rr = { {}, { SOA_EXAMPLE(30, 300) } },
	  .opts = OPTS(.max_negative_ttl = 900),
	  .neg_ttl = 30 },
	{ .what = "NXDOMAIN after a CNAME",
	  .qname = "alias.example.com.",
	  .qtype = "A",
	  .rcode = LDNS_RCODE_NXDOMAIN,
	  .rr = { { "alias.example.com. 3600 IN CNAME gone.example.net." },
		  { "example.net. 900 IN SOA ns.example.net. h.example.net. "
		    "1 2 3 4 900" } },
	  .opts = OPTS(.max_negative_ttl = 120),
	  .neg_ttl = 120 },
	{ .what = "NODATA",
	  .qname = "www.example.com.",
	  .qtype = "AAAA",
	  .rr = { {}, { SOA_EXAMPLE(120, 600) } },
	  .opts = OPTS(),
	  .neg_ttl = 120 },
	/* RFC 2308 section 2.2: NODATA at the end of a chain is negative. */
	{ .what = "NODATA after a CNAME",
	  .qname = "alias.example.com.",
	  .qtype = "AAAA",
	  .rr = { { "alias.example.com. 3600 IN CNAME www.example.com." },
		  { SOA_EXAMPLE(3600, 3600) } },
	  .opts = OPTS(.max_negative_ttl = 60, .max_ttl = 86400),
	  .neg_ttl = 60 },
	/* A key without DO holds what unbound gives such a client. */
	{ .what = "signed answer for a key without DO",
	  .qname = "www.example.com.",
	  .qtype = "A",
	  .ad = true,
	  .rr = { { "www.example.com. 300 IN A 192.0.2.1",
		    "www.example.com. 300 IN RRSIG A 13 3 300 20300101000000 "
		    "20200101000000 12345 example.com. AAAA" },
		  { "example.com. 300 IN NS ns1.example.com.",
		    "example.com. 300 IN RRSIG NS 13 2 300 20300101000000 "
		    "20200101000000 12345 example.com. AAAA" } },
	  .opts = OPTS(.validated = true) },
	{ .what = "SRV",
	  .qname = "_sip._tcp.example.com.",
	  .qtype = "SRV",
	  .rr = { { "_sip._tcp.example.com. 300 IN SRV 10 60 5060 "
		    "sip.example.com.",
		    "_sip._tcp.example.com. 300 IN SRV 20 0 5060 "
		    "sip2.example.com." },
		  {},
		  { "sip.example.com. 300 IN A 192.0.2.50" } },
	  .opts = OPTS() },
	{ .what = "TXT",
	  .qname = "example.com.",
	  .qtype = "TXT",
	  .rr = { { "example.com. 300 IN TXT \"v=spf1 -all\" \"second\"",
		    "ab.example.com. 300 IN TXT \"ab\"" } },
	  .opts = OPTS() },
	{ .what = "CAA",
	  .qname = "example.com.",
	  .qtype = "CAA",
	  .rr = { { "example.com. 300 IN CAA 0 issue \"ca.example.net\"" } },
	  .opts = OPTS() },
	{ .what = "PTR",
	  .qname = "1.2.0.192.in-addr.arpa.",
	  .qtype = "PTR",
	  .rr = { { "1.2.0.192.in-addr.arpa. 86400 IN PTR host.example.com." } },
	  .opts = OPTS() },
	{ .what = "every type with names in RDATA",
	  .qname = "example.com.",
	  .qtype = "ANY",
	  .rr = { { "example.com. 300 IN NAPTR 100 10 \"S\" \"SIP+D2U\" \"\" "
		    "_sip._udp.example.com.",
		    "example.com. 300 IN RP admin.example.com. "
		    "info.example.com.",
		    "example.com. 300 IN AFSDB 1 afs.example.com.",
		    "example.com. 300 IN RT 10 relay.example.com.",
		    "example.com. 300 IN KX 10 kx.example.com.",
		    "example.com. 300 IN PX 10 map822.example.com. "
		    "map400.example.com.",
		    "example.com. 300 IN MINFO rmail.example.com. "
		    "email.example.com.",
		    "example.com. 300 IN MB mb.example.com.",
		    "example.com. 300 IN MG mg.example.com.",
		    "example.com. 300 IN MR mr.example.com.",
		    "example.com. 300 IN DNAME example.net.",
		    "example.com. 300 IN MX 0 example.com." } },
	  .opts = OPTS() },
	{ .what = "DNSSEC, validated",
	  .qname = "www.example.com.",
	  .qtype = "A",
	  .ad = true,
	  .edns = 1232,
	  .rr = { { "www.example.com. 300 IN A 192.0.2.1",
		    "www.example.com. 300 IN RRSIG A 8 3 300 20300101000000 "
		    "20200101000000 12345 example.com. AAAAAAAA" } },
	  .opts = OPTS(.validated = true, .key_flags = XDPDNS_KEY_DO) },
	{ .what = "DNSSEC types",
	  .qname = "example.com.",
	  .qtype = "DNSKEY",
	  .ad = true,
	  .rr = { { "example.com. 3600 IN DNSKEY 257 3 8 AwEAAag=",
		    "example.com. 3600 IN RRSIG DNSKEY 8 2 3600 "
		    "20300101000000 20200101000000 12345 Example.COM. "
		    "AAAAAAAA" },
		  { "example.com. 3600 IN NSEC WWW.example.com. A NS SOA "
		    "RRSIG NSEC DNSKEY",
		    "example.com. 3600 IN DS 12345 8 2 "
		    "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF012345"
		    "6789ABCDEF",
		    "2vptu5timamqttgl4luu9kg21e0aor3s.example.com. 3600 IN "
		    "NSEC3 1 0 10 AABBCCDD 2vptu5timamqttgl4luu9kg21e0aor3s A "
		    "RRSIG" } },
	  .opts = OPTS(.validated = true, .key_flags = XDPDNS_KEY_CD) },
	{ .what = "AD from an unvalidated answer",
	  .qname = "www.example.com.",
	  .qtype = "A",
	  .ad = true,
	  .rr = { { "www.example.com. 300 IN A 192.0.2.1" } },
	  .opts = OPTS() },
	{ .what = "HTTPS and unknown types",
	  .qname = "example.com.",
	  .qtype = "HTTPS",
	  .rr = { { "example.com. 300 IN TYPE65 \\# 3 000100",
		    "example.com. 300 IN TYPE65280 \\# 4 deadbeef",
		    "example.com. 300 IN TYPE65281 \\# 0" } },
	  .opts = OPTS() },
	{ .what = "TTL caps",
	  .qname = "www.example.com.",
	  .qtype = "A",
	  .rr = { { "www.example.com. 5 IN A 192.0.2.1",
		    "www.example.com. 86400 IN A 192.0.2.2",
		    "www.example.com. 600 IN A 192.0.2.3",
		    "www.example.com. 2147483648 IN A 192.0.2.4" } },
	  .opts = OPTS(.min_ttl = 60, .max_ttl = 3600, .max_negative_ttl = 1) },
	{ .what = "0x20 question and shouting answer",
	  .qname = "WwW.ExAmple.COM.",
	  .qtype = "A",
	  .rr = { { "WWW.EXAMPLE.COM. 300 IN CNAME Target.Example.Com.",
		    "target.example.com. 300 IN A 192.0.2.9" },
		  { "EXAMPLE.com. 300 IN NS NS1.example.COM." },
		  { "ns1.EXAMPLE.com. 300 IN A 192.0.2.53" } },
	  .opts = OPTS() },
};

START_TEST(test_ldns_responses)
{
	const struct resp_case *c = &positive_cases[_i];
	struct xdpdns_cache_entry e;
	uint8_t *resp;
	size_t len;

	resp = ldns_response(c, &len);
	build_and_verify(c->what, resp, len, &c->opts, c->neg_ttl, &e);
	free(resp);
}
END_TEST

/* Golden bytes: both answers compress to the question, TTLs follow. */
START_TEST(test_golden_simple)
{
	static const uint8_t want[] = {
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 192, 0, 2, 1,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 192, 0, 2, 2,
	};
	struct xdpdns_cache_key key;
	struct xdpdns_cache_entry e;
	uint8_t *resp;
	size_t len;

	resp = ldns_response(&positive_cases[0], &len);
	ck_assert_int_eq(cache_entry_build(resp, len, &positive_cases[0].opts,
					   &key, &e),
			 0);
	ck_assert_uint_eq(e.data_len, sizeof(want));
	ck_assert_mem_eq(e.data, want, sizeof(want));
	ck_assert_uint_eq(e.rr_count, 2);
	ck_assert_uint_eq(e.ttl_off[0], 6);
	ck_assert_uint_eq(e.ttl_off[1], 22);
	ck_assert_mem_eq(key.qname, "\3www\7example\3com", 17);
	free(resp);
}
END_TEST

/* -------------------------------------------------------------------------
 * Hand-written responses: pointer placements ldns never produces.
 */

struct msgbuf {
	uint8_t b[4096];
	size_t n;
};

static size_t mb_u8(struct msgbuf *m, uint8_t v)
{
	m->b[m->n] = v;
	return m->n++;
}

static size_t mb_u16(struct msgbuf *m, uint16_t v)
{
	size_t at = m->n;

	mb_u8(m, v >> 8);
	mb_u8(m, v & 0xff);
	return at;
}

static size_t mb_u32(struct msgbuf *m, uint32_t v)
{
	size_t at = m->n;

	mb_u16(m, v >> 16);
	mb_u16(m, v & 0xffff);
	return at;
}

static size_t mb_bytes(struct msgbuf *m, const void *p, size_t n)
{
	size_t at = m->n;

	memcpy(m->b + m->n, p, n);
	m->n += n;
	return at;
}

/* Labels of "a.b.c" without a root label (a pointer or mb_u8(0) follows). */
static size_t mb_labels(struct msgbuf *m, const char *text)
{
	size_t at = m->n;

	while (*text) {
		size_t l = strcspn(text, ".");

		mb_u8(m, l);
		mb_bytes(m, text, l);
		text += l;
		if (*text == '.')
			text++;
	}
	return at;
}

static size_t mb_ptr(struct msgbuf *m, uint16_t off)
{
	return mb_u16(m, 0xc000 | off);
}

static void mb_header(struct msgbuf *m, uint16_t flags, uint16_t an,
		      uint16_t ns, uint16_t ar)
{
	m->n = 0;
	mb_u16(m, 0x4242);
	mb_u16(m, flags);
	mb_u16(m, 1);
	mb_u16(m, an);
	mb_u16(m, ns);
	mb_u16(m, ar);
}

/* Type, class IN and TTL; returns where RDLENGTH goes (see mb_rr_end). */
static size_t mb_rr_begin(struct msgbuf *m, uint16_t type, uint32_t ttl)
{
	mb_u16(m, type);
	mb_u16(m, LDNS_RR_CLASS_IN);
	mb_u32(m, ttl);
	return mb_u16(m, 0);
}

static void mb_rr_end(struct msgbuf *m, size_t rdlen_at)
{
	uint16_t n = m->n - rdlen_at - 2;

	m->b[rdlen_at] = n >> 8;
	m->b[rdlen_at + 1] = n & 0xff;
}

static void mb_opt(struct msgbuf *m, uint8_t ext_rcode, uint8_t version)
{
	mb_u8(m, 0);
	mb_u16(m, LDNS_RR_TYPE_OPT);
	mb_u16(m, 1232);
	mb_u8(m, ext_rcode);
	mb_u8(m, version);
	mb_u16(m, 0x8000);
	mb_u16(m, 0);
}

#define F_RESP 0x8580 /* QR AA RD RA */
static const uint8_t v4[4] = { 192, 0, 2, 10 };
static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 };

/*
 * Pointers into the question (whole and suffix), into CNAME and NS RDATA
 * names, and an OPT in the middle of the additional section. The response
 * is compressed the way we compress, so the entry must hold exactly its
 * section bytes without the OPT.
 */
START_TEST(test_hand_pointers_into_question_and_rdata)
{
	struct cache_entry_opts opts = { .now_ns = T0 };
	struct xdpdns_cache_entry e;
	struct msgbuf m;
	size_t rd, mail, ns1, opt_at, opt_end;

	mb_header(&m, F_RESP, 2, 1, 3);
	mb_labels(&m, "www.example.com"); /* 12 www, 16 example, 24 com */
	mb_u8(&m, 0);
	mb_u16(&m, LDNS_RR_TYPE_A);
	mb_u16(&m, LDNS_RR_CLASS_IN);
	ck_assert_uint_eq(m.n, 33);

	mb_ptr(&m, 12);
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_CNAME, 3600);
	mail = mb_labels(&m, "mail");
	mb_ptr(&m, 16);
	mb_rr_end(&m, rd);

	mb_ptr(&m, mail); /* into the CNAME's RDATA */
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_A, 300);
	mb_bytes(&m, v4, 4);
	mb_rr_end(&m, rd);

	mb_ptr(&m, 16);
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_NS, 86400);
	ns1 = mb_labels(&m, "ns1");
	mb_ptr(&m, 16);
	mb_rr_end(&m, rd);

	mb_ptr(&m, ns1);
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_A, 86400);
	mb_bytes(&m, v4, 4);
	mb_rr_end(&m, rd);
	opt_at = m.n;
	mb_opt(&m, 0, 0);
	opt_end = m.n;
	mb_ptr(&m, ns1);
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_AAAA, 86400);
	mb_bytes(&m, v6, 16);
	mb_rr_end(&m, rd);

	build_and_verify("pointers into question and rdata", m.b, m.n, &opts, 0,
			 &e);
	ck_assert_uint_eq(e.arcount, 2);
	ck_assert_uint_eq(e.data_len, m.n - 33 - 11);
	ck_assert_mem_eq(e.data, m.b + 33, opt_at - 33);
	ck_assert_mem_eq(e.data + opt_at - 33, m.b + opt_end, m.n - opt_end);
}
END_TEST

/* Pointer chains (b -> mx -> question) and a pointer to a pointer. */
START_TEST(test_hand_pointer_chains)
{
	struct cache_entry_opts opts = { .now_ns = T0 };
	struct xdpdns_cache_entry e;
	struct msgbuf m;
	size_t rd, owner1, mx, b;

	mb_header(&m, F_RESP, 2, 0, 2);
	mb_labels(&m, "example.com"); /* 12 example, 20 com */
	mb_u8(&m, 0);
	mb_u16(&m, LDNS_RR_TYPE_MX);
	mb_u16(&m, LDNS_RR_CLASS_IN);

	owner1 = mb_ptr(&m, 12);
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_MX, 3600);
	mb_u16(&m, 10);
	mx = mb_labels(&m, "mx");
	mb_ptr(&m, 12);
	mb_rr_end(&m, rd);

	mb_ptr(&m, owner1); /* pointer to a pointer */
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_MX, 3600);
	mb_u16(&m, 20);
	b = mb_labels(&m, "b");
	mb_ptr(&m, mx); /* b -> mx -> example.com */
	mb_rr_end(&m, rd);

	mb_ptr(&m, b);
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_A, 3600);
	mb_bytes(&m, v4, 4);
	mb_rr_end(&m, rd);

	mb_labels(&m, "x");
	mb_ptr(&m, b); /* x -> b -> mx -> example.com */
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_TXT, 3600);
	mb_bytes(&m, "\5chain", 6);
	mb_rr_end(&m, rd);

	build_and_verify("pointer chains", m.b, m.n, &opts, 0, &e);
	/* Our encoding of the second owner points at the question. */
	ck_assert_uint_eq(e.data[19], 0xc0);
	ck_assert_uint_eq(e.data[20], 12);
}
END_TEST

/*
 * A compressed SRV target (RFC 2782 forbids it, decoders cope): the entry
 * holds it uncompressed, and nothing later may point into it.
 */
START_TEST(test_hand_srv_decompressed)
{
	static const uint8_t target[] = "\3sip\7example\3com";
	struct cache_entry_opts opts = { .now_ns = T0 };
	struct xdpdns_cache_entry e;
	struct msgbuf m;
	size_t rd;

	mb_header(&m, F_RESP, 1, 0, 1);
	mb_labels(&m, "_sip._tcp.example.com"); /* 22 example */
	mb_u8(&m, 0);
	mb_u16(&m, LDNS_RR_TYPE_SRV);
	mb_u16(&m, LDNS_RR_CLASS_IN);

	mb_ptr(&m, 12);
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_SRV, 300);
	mb_bytes(&m, "\0\12\0\74\23\304", 6);
	mb_labels(&m, "sip");
	mb_ptr(&m, 22);
	mb_rr_end(&m, rd);

	mb_labels(&m, "sip");
	mb_ptr(&m, 22);
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_A, 300);
	mb_bytes(&m, v4, 4);
	mb_rr_end(&m, rd);

	build_and_verify("srv decompressed", m.b, m.n, &opts, 0, &e);
	/* owner pointer, type..ttl, rdlength 6 + 17, fixed fields, target */
	ck_assert_uint_eq(e.data[10], 0);
	ck_assert_uint_eq(e.data[11], 6 + sizeof(target));
	ck_assert_mem_eq(e.data + 18, target, sizeof(target));
	/* the A owner reuses the question's "example.com", not the target */
	ck_assert_mem_eq(e.data + 18 + sizeof(target), "\3sip\300\26", 6);
}
END_TEST

/* NXDOMAIN whose SOA names point into a mixed-case question. */
START_TEST(test_hand_nxdomain_soa_pointers)
{
	struct cache_entry_opts opts = { .now_ns = T0 };
	struct xdpdns_cache_entry e;
	struct msgbuf m;
	size_t rd;

	mb_header(&m, F_RESP | LDNS_RCODE_NXDOMAIN, 0, 1, 0);
	mb_labels(&m, "Nope.Example.COM"); /* 17 Example */
	mb_u8(&m, 0);
	mb_u16(&m, LDNS_RR_TYPE_A);
	mb_u16(&m, LDNS_RR_CLASS_IN);

	mb_ptr(&m, 17);
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_SOA, 3600);
	mb_labels(&m, "ns1");
	mb_ptr(&m, 17);
	mb_labels(&m, "hostmaster");
	mb_ptr(&m, 17);
	mb_u32(&m, 1);
	mb_u32(&m, 7200);
	mb_u32(&m, 3600);
	mb_u32(&m, 1209600);
	mb_u32(&m, 300);
	mb_rr_end(&m, rd);

	build_and_verify("nxdomain soa pointers", m.b, m.n, &opts, 300, &e);
	ck_assert_uint_eq(e.flags, DNS_F_AA | LDNS_RCODE_NXDOMAIN);
}
END_TEST

/* An owner pointing into the middle of an earlier RDATA name. */
START_TEST(test_hand_pointer_into_rdata_suffix)
{
	struct cache_entry_opts opts = { .now_ns = T0 };
	struct xdpdns_cache_entry e;
	struct msgbuf m;
	size_t rd, target;

	mb_header(&m, F_RESP, 2, 0, 0);
	mb_labels(&m, "www.example.com");
	mb_u8(&m, 0);
	mb_u16(&m, LDNS_RR_TYPE_A);
	mb_u16(&m, LDNS_RR_CLASS_IN);

	mb_ptr(&m, 12);
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_CNAME, 300);
	target = mb_labels(&m, "a.b.c.example.net");
	mb_u8(&m, 0);
	mb_rr_end(&m, rd);

	mb_ptr(&m, target + 2); /* b.c.example.net */
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_A, 300);
	mb_bytes(&m, v4, 4);
	mb_rr_end(&m, rd);

	build_and_verify("pointer into rdata suffix", m.b, m.n, &opts, 0, &e);
}
END_TEST

/*
 * XDPDNS_RR_MAX records over all three sections plus an OPT (which is not a
 * record kept) fit; one more record does not.
 */
START_TEST(test_rr_max)
{
	struct cache_entry_opts opts = { .now_ns = T0 };
	struct xdpdns_cache_key key;
	struct xdpdns_cache_entry e;
	ldns_pkt *p = ldns_pkt_new();
	char text[64];
	uint8_t *wire;
	ldns_rr *rr;
	size_t len;

	ck_assert_int_eq(ldns_rr_new_question_frm_str(
				 &rr, "www.example.com. IN A", NULL, NULL),
			 LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, rr);
	for (int i = 0; i <= XDPDNS_RR_MAX; i++) {
		snprintf(text, sizeof(text),
			 "www.example.com. 300 IN A 192.0.2.%d", i);
		ck_assert_int_eq(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL),
				 LDNS_STATUS_OK);
		if (i == XDPDNS_RR_MAX) {
			/* the 65th: refused */
			ldns_pkt_push_rr(p, LDNS_SECTION_ADDITIONAL, rr);
			ck_assert_int_eq(ldns_pkt2wire(&wire, p, &len),
					 LDNS_STATUS_OK);
			ck_assert_int_eq(cache_entry_build(wire, len, &opts,
							   &key, &e),
					 -CACHE_ENTRY_ETOOMANY);
			free(wire);
			break;
		}
		ldns_pkt_push_rr(p,
				 i < 12 ? LDNS_SECTION_ANSWER :
				 i < 24 ? LDNS_SECTION_AUTHORITY :
					  LDNS_SECTION_ADDITIONAL,
				 rr);
		if (i == XDPDNS_RR_MAX - 1) {
			ldns_pkt_set_qr(p, true);
			ldns_pkt_set_edns_udp_size(p, 1232);
			ck_assert_int_eq(ldns_pkt2wire(&wire, p, &len),
					 LDNS_STATUS_OK);
			build_and_verify("64 records", wire, len, &opts, 0, &e);
			ck_assert_uint_eq(e.rr_count, XDPDNS_RR_MAX);
			free(wire);
		}
	}
	ldns_pkt_free(p);
}
END_TEST

/* A TXT record of @rdlen bytes of RDATA, as 255-byte strings and a rest. */
static void make_txt(char *buf, size_t cap, const char *owner, size_t rdlen)
{
	size_t n = snprintf(buf, cap, "%s 300 IN TXT", owner);

	while (rdlen) {
		size_t s = rdlen > 256 ? 255 : rdlen - 1;

		n += snprintf(buf + n, cap - n, " \"");
		memset(buf + n, 'x', s);
		n += s;
		n += snprintf(buf + n, cap - n, "\"");
		rdlen -= s + 1;
	}
}

/* Sections of exactly XDPDNS_DATA_MAX bytes fit; one more byte does not. */
START_TEST(test_data_max)
{
	struct cache_entry_opts opts = { .now_ns = T0 };
	struct xdpdns_cache_key key;
	struct xdpdns_cache_entry e;
	static char txt[2048];
	struct resp_case c = { .what = "data max",
			       .qname = "example.com.",
			       .qtype = "TXT",
			       .rr = { { txt } } };
	uint8_t *resp;
	size_t len;

	/* owner pointer 2 + fixed 10 + RDATA */
	make_txt(txt, sizeof(txt), "example.com.", XDPDNS_DATA_MAX - 12);
	resp = ldns_response(&c, &len);
	ck_assert_int_eq(cache_entry_build(resp, len, &opts, &key, &e), 0);
	ck_assert_uint_eq(e.data_len, XDPDNS_DATA_MAX);
	verify_entry(c.what, resp, len, &opts, 0, &key, &e);
	verify_render(c.what, resp, len, &e, &opts, 0, &variants[2]);
	free(resp);

	make_txt(txt, sizeof(txt), "example.com.", XDPDNS_DATA_MAX - 11);
	resp = ldns_response(&c, &len);
	ck_assert_int_eq(cache_entry_build(resp, len, &opts, &key, &e),
			 -CACHE_ENTRY_ETOOBIG);
	free(resp);
}
END_TEST

/* A 255-byte question name, the longest there is. */
START_TEST(test_qname_max)
{
	struct cache_entry_opts opts = { .now_ns = T0 };
	struct xdpdns_cache_entry e;
	char qname[300], a[400];
	struct resp_case c = { .what = "255-byte qname",
			       .qname = qname,
			       .qtype = "A",
			       .rr = { { a } } };
	uint8_t *resp;
	size_t len;

	/* 63 + 63 + 63 + 61 letters: 4 length bytes + 250 + root = 255 */
	memset(qname, 0, sizeof(qname));
	memset(qname, 'a', 63);
	qname[63] = '.';
	memset(qname + 64, 'b', 63);
	qname[127] = '.';
	memset(qname + 128, 'c', 63);
	qname[191] = '.';
	memset(qname + 192, 'd', 61);
	qname[253] = '.';
	snprintf(a, sizeof(a), "%s 300 IN A 192.0.2.1", qname);
	resp = ldns_response(&c, &len);
	build_and_verify(c.what, resp, len, &opts, 0, &e);
	ck_assert_uint_eq(e.data_len, 16);
	free(resp);
}
END_TEST

/* 256 bytes: in the question, and in an owner through a pointer. */
START_TEST(test_name_too_long)
{
	struct cache_entry_opts opts = { .now_ns = T0 };
	struct xdpdns_cache_key key;
	struct xdpdns_cache_entry e;
	char labels[300];
	struct msgbuf m;
	size_t rd, com;

	memset(labels, 'a', 63);
	labels[63] = '.';
	memset(labels + 64, 'b', 63);
	labels[127] = '.';
	memset(labels + 128, 'c', 63);
	labels[191] = '.';
	memset(labels + 192, 'd', 62);
	labels[254] = '\0'; /* 3 * 64 + 63 + the root = 256 bytes */
	mb_header(&m, F_RESP, 0, 0, 0);
	mb_labels(&m, labels);
	mb_u8(&m, 0);
	mb_u16(&m, LDNS_RR_TYPE_A);
	mb_u16(&m, LDNS_RR_CLASS_IN);
	ck_assert_uint_eq(m.n, 12 + 256 + 4);
	ck_assert_int_eq(cache_entry_build(m.b, m.n, &opts, &key, &e),
			 -CACHE_ENTRY_EUNSUPPORTED);

	/* question "com", owner: 250 bytes of labels + pointer to "com" */
	mb_header(&m, F_RESP, 1, 0, 0);
	com = mb_labels(&m, "com");
	mb_u8(&m, 0);
	mb_u16(&m, LDNS_RR_TYPE_A);
	mb_u16(&m, LDNS_RR_CLASS_IN);
	labels[192 + 59] = '\0'; /* 3 * 64 + 60 = 252, + 5 for "com" */
	mb_labels(&m, labels);
	mb_ptr(&m, com);
	rd = mb_rr_begin(&m, LDNS_RR_TYPE_A, 300);
	mb_bytes(&m, v4, 4);
	mb_rr_end(&m, rd);
	ck_assert_int_eq(cache_entry_build(m.b, m.n, &opts, &key, &e),
			 -CACHE_ENTRY_EUNSUPPORTED);
}
END_TEST

/*
 * data_csum on odd lengths and odd TTL offsets (owner "ab" + pointer puts
 * the TTL at an odd offset), checked by the independent ref_data_csum().
 */
START_TEST(test_csum_odd)
{
	static const struct resp_case c = {
		.what = "odd csum",
		.qname = "www.example.com.",
		.qtype = "TXT",
		.rr = { { "ab.example.com. 300 IN TXT \"ab\"",
			  "www.example.com. 77777 IN TXT \"xy\"",
			  "abc.example.com. 65536 IN TXT \"odd\"" } },
		.opts = OPTS(),
	};
	struct xdpdns_cache_entry e;
	uint8_t *resp;
	size_t len;
	bool odd_ttl = false;

	resp = ldns_response(&c, &len);
	build_and_verify(c.what, resp, len, &c.opts, 0, &e);
	ck_assert_uint_eq(e.data_len % 2, 1);
	for (unsigned int i = 0; i < e.rr_count; i++)
		odd_ttl |= e.ttl_off[i] % 2;
	ck_assert(odd_ttl);
	ck_assert_uint_eq(e.data_csum, ref_data_csum(&e));
	free(resp);
}
END_TEST

/*
 * Data whose word sum is a non-zero multiple of 0xffff: the folded sum must
 * be 0xffff, never 0. C00C + FFFF + 0001 + 0028 + 3FCA = 0xffff, and the
 * 19 words of FFFF in the RDATA keep it there.
 */
START_TEST(test_csum_all_ones)
{
	struct cache_entry_opts opts = { .now_ns = T0 };
	struct xdpdns_cache_entry e;
	struct msgbuf m;
	size_t rd;

	mb_header(&m, F_RESP, 1, 0, 0);
	mb_labels(&m, "x");
	mb_u8(&m, 0);
	mb_u16(&m, 0xffff);
	mb_u16(&m, LDNS_RR_CLASS_IN);
	mb_ptr(&m, 12);
	rd = mb_rr_begin(&m, 0xffff, 300);
	mb_u16(&m, 0x3fca);
	for (int i = 0; i < 38; i++)
		mb_u8(&m, 0xff);
	mb_rr_end(&m, rd);
	build_and_verify("all ones", m.b, m.n, &opts, 0, &e);
	ck_assert_uint_eq(e.data_csum, 0xffff);
	ck_assert_uint_eq(e.data_csum, ref_data_csum(&e));
}
END_TEST

/* -------------------------------------------------------------------------
 * Negative: every refusal.
 */

#define BYTES(...)                        \
	(const uint8_t[]){ __VA_ARGS__ }, \
		sizeof((const uint8_t[]){ __VA_ARGS__ })
#define HDR(flags, qd, an, ns, ar)                                            \
	0x12, 0x34, (flags) >> 8, (flags)&0xff, 0, (qd), 0, (an), 0, (ns), 0, \
		(ar)
/* "www.example.com": www at 12, example at 16, com at 24; 33 after it */
#define QNAME                                                                \
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', \
		'm', 0
#define Q(type, class) QNAME, 0, (type), 0, (class)
#define TTL(t) (t) >> 24, ((t) >> 16) & 0xff, ((t) >> 8) & 0xff, (t)&0xff
#define RR_A(ttl) 0xc0, 12, 0, 1, 0, 1, TTL(ttl), 0, 4, 192, 0, 2, 1
#define OPT(ext, ver) 0, 0, 41, 4, 0xd0, (ext), (ver), 0x80, 0, 0, 0
#define SOA_RR(ttl, min)                                                      \
	0xc0, 16, 0, 6, 0, 1, TTL(ttl), 0, 33, 3, 'n', 's', '1', 0xc0, 16, 4, \
		'h', 'o', 's', 't', 0xc0, 16, TTL(1), TTL(7200), TTL(3600),   \
		TTL(1209600), TTL(min)
#define NOERR 0x8180
#define NXDOM 0x8183

static const struct bad_case {
	const char *what;
	const uint8_t *msg;
	size_t len;
	int err;
	uint32_t max_negative_ttl;
} bad_cases[] = {
	/* malformed */
	{ "short header", BYTES(0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0),
	  -CACHE_ENTRY_EMALFORMED },
	{ "question truncated", BYTES(HDR(NOERR, 1, 0, 0, 0), 3, 'w', 'w'),
	  -CACHE_ENTRY_EMALFORMED },
	{ "qtype truncated", BYTES(HDR(NOERR, 1, 0, 0, 0), QNAME, 0, 1),
	  -CACHE_ENTRY_EMALFORMED },
	{ "answer missing", BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 1)),
	  -CACHE_ENTRY_EMALFORMED },
	{ "RR header truncated",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 1), 0xc0, 12, 0, 1, 0, 1),
	  -CACHE_ENTRY_EMALFORMED },
	{ "rdlength past the end",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 1), 0xc0, 12, 0, 1, 0, 1, TTL(300),
		0, 5, 192, 0, 2, 1),
	  -CACHE_ENTRY_EMALFORMED },
	{ "trailing bytes",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 1), RR_A(300), 0),
	  -CACHE_ENTRY_EMALFORMED },
	{ "owner pointer to itself",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 1), 0xc0, 33, 0, 1, 0, 1, TTL(300),
		0, 4, 192, 0, 2, 1),
	  -CACHE_ENTRY_EMALFORMED },
	{ "pointer loop through a label",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 1), 1, 'a', 0xc0, 33, 0, 1, 0, 1,
		TTL(300), 0, 4, 192, 0, 2, 1),
	  -CACHE_ENTRY_EMALFORMED },
	/* answer 1 owner -> answer 2 owner (forward) -> answer 1 owner */
	{ "mutual pointers",
	  BYTES(HDR(NOERR, 1, 2, 0, 0), Q(1, 1), 0xc0, 49, 0, 1, 0, 1, TTL(300),
		0, 4, 192, 0, 2, 1, 0xc0, 33, 0, 1, 0, 1, TTL(300), 0, 4, 192,
		0, 2, 2),
	  -CACHE_ENTRY_EMALFORMED },
	/* answer 1 owner -> a valid name in answer 2's RDATA */
	{ "forward pointer",
	  BYTES(HDR(NOERR, 1, 2, 0, 0), Q(5, 1), 0xc0, 61, 0, 1, 0, 1, TTL(300),
		0, 4, 192, 0, 2, 1, 0xc0, 12, 0, 5, 0, 1, TTL(300), 0, 4, 1,
		'x', 0xc0, 12),
	  -CACHE_ENTRY_EMALFORMED },
	{ "pointer out of range",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 1), 0xff, 0xff, 0, 1, 0, 1,
		TTL(300), 0, 4, 192, 0, 2, 1),
	  -CACHE_ENTRY_EMALFORMED },
	{ "pointer into the header",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 1), 0xc0, 4, 0, 1, 0, 1, TTL(300),
		0, 4, 192, 0, 2, 1),
	  -CACHE_ENTRY_EMALFORMED },
	{ "pointer in the question",
	  BYTES(HDR(NOERR, 1, 0, 0, 0), 0xc0, 12, 0, 1, 0, 1),
	  -CACHE_ENTRY_EMALFORMED },
	{ "label type 0x40",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 1), 0x41, 'a', 0, 0, 1, 0, 1,
		TTL(300), 0, 4, 192, 0, 2, 1),
	  -CACHE_ENTRY_EMALFORMED },
	{ "label type 0x80 in the question",
	  BYTES(HDR(NOERR, 1, 0, 0, 0), 0x81, 'a', 0, 0, 1, 0, 1),
	  -CACHE_ENTRY_EMALFORMED },
	{ "CNAME RDATA longer than its name",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(5, 1), 0xc0, 12, 0, 5, 0, 1, TTL(300),
		0, 4, 0xc0, 16, 0, 0),
	  -CACHE_ENTRY_EMALFORMED },
	{ "CNAME name past its RDLENGTH",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(5, 1), 0xc0, 12, 0, 5, 0, 1, TTL(300),
		0, 2, 1, 'x', 0xc0, 16),
	  -CACHE_ENTRY_EMALFORMED },
	{ "CNAME pointer into the header",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(5, 1), 0xc0, 12, 0, 5, 0, 1, TTL(300),
		0, 2, 0xc0, 2),
	  -CACHE_ENTRY_EMALFORMED },
	{ "MX RDATA too short",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(15, 1), 0xc0, 12, 0, 15, 0, 1,
		TTL(300), 0, 1, 0),
	  -CACHE_ENTRY_EMALFORMED },
	{ "SOA RDATA too short",
	  BYTES(HDR(NXDOM, 1, 0, 1, 0), Q(1, 1), 0xc0, 16, 0, 6, 0, 1, TTL(300),
		0, 6, 0xc0, 16, 0xc0, 16, 0, 0),
	  -CACHE_ENTRY_EMALFORMED },
	{ "OPT in the answer",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 1), OPT(0, 0)),
	  -CACHE_ENTRY_EMALFORMED },
	{ "two OPT records",
	  BYTES(HDR(NOERR, 1, 1, 0, 2), Q(1, 1), RR_A(300), OPT(0, 0),
		OPT(0, 0)),
	  -CACHE_ENTRY_EMALFORMED },
	{ "OPT owner not root",
	  BYTES(HDR(NOERR, 1, 1, 0, 1), Q(1, 1), RR_A(300), 0xc0, 12, 0, 41, 4,
		0xd0, 0, 0, 0, 0, 0, 0),
	  -CACHE_ENTRY_EMALFORMED },
	/* not cacheable */
	{ "QR clear", BYTES(HDR(0x0180, 1, 1, 0, 0), Q(1, 1), RR_A(300)),
	  -CACHE_ENTRY_ENOTCACHEABLE },
	{ "opcode NOTIFY", BYTES(HDR(0xa180, 1, 1, 0, 0), Q(1, 1), RR_A(300)),
	  -CACHE_ENTRY_ENOTCACHEABLE },
	{ "TC set", BYTES(HDR(0x8380, 1, 1, 0, 0), Q(1, 1), RR_A(300)),
	  -CACHE_ENTRY_ENOTCACHEABLE },
	{ "no question", BYTES(HDR(NOERR, 0, 0, 0, 0)),
	  -CACHE_ENTRY_ENOTCACHEABLE },
	{ "two questions",
	  BYTES(HDR(NOERR, 2, 1, 0, 0), Q(1, 1), Q(1, 1), RR_A(300)),
	  -CACHE_ENTRY_ENOTCACHEABLE },
	{ "TSIG",
	  BYTES(HDR(NOERR, 1, 1, 0, 1), Q(1, 1), RR_A(300), 3, 'k', 'e', 'y', 0,
		0, 250, 0, 255, 0, 0, 0, 0, 0, 0),
	  -CACHE_ENTRY_ENOTCACHEABLE },
	{ "SIG(0)",
	  BYTES(HDR(NOERR, 1, 1, 0, 1), Q(1, 1), RR_A(300), 0, 0, 24, 0, 255,
		TTL(0), 0, 19, 0, 0, 8, 0, TTL(0), TTL(2), TTL(1), 0, 1, 0),
	  -CACHE_ENTRY_ENOTCACHEABLE },
	{ "BADVERS in OPT",
	  BYTES(HDR(NOERR, 1, 1, 0, 1), Q(1, 1), RR_A(300), OPT(1, 0)),
	  -CACHE_ENTRY_ENOTCACHEABLE },
	{ "TTL 0", BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 1), RR_A(0)),
	  -CACHE_ENTRY_ENOTCACHEABLE },
	{ "TTL 0 among others",
	  BYTES(HDR(NOERR, 1, 2, 0, 0), Q(1, 1), RR_A(300), RR_A(0)),
	  -CACHE_ENTRY_ENOTCACHEABLE },
	{ "TTL with the top bit set",
	  BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 1), RR_A(0x80000000)),
	  -CACHE_ENTRY_ENOTCACHEABLE },
	{ "NXDOMAIN without SOA", BYTES(HDR(NXDOM, 1, 0, 0, 0), Q(1, 1)),
	  -CACHE_ENTRY_ENOTCACHEABLE },
	{ "NODATA without SOA", BYTES(HDR(NOERR, 1, 0, 0, 0), Q(28, 1)),
	  -CACHE_ENTRY_ENOTCACHEABLE },
	/* RFC 2308 section 5: SHOULD NOT be cached, whatever the cap */
	{ "NODATA without SOA, a negative cap set",
	  BYTES(HDR(NOERR, 1, 0, 0, 0), Q(28, 1)), -CACHE_ENTRY_ENOTCACHEABLE,
	  300 },
	{ "NXDOMAIN without SOA, a negative cap set",
	  BYTES(HDR(NXDOM, 1, 0, 0, 0), Q(1, 1)), -CACHE_ENTRY_ENOTCACHEABLE,
	  300 },
	{ "NXDOMAIN SOA MINIMUM 0",
	  BYTES(HDR(NXDOM, 1, 0, 1, 0), Q(1, 1), SOA_RR(3600, 0)),
	  -CACHE_ENTRY_ENOTCACHEABLE, 60 },
	{ "NODATA SOA TTL 0",
	  BYTES(HDR(NOERR, 1, 0, 1, 0), Q(28, 1), SOA_RR(0, 300)),
	  -CACHE_ENTRY_ENOTCACHEABLE, 60 },
	/* unsupported */
	{ "class CH", BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 3), RR_A(300)),
	  -CACHE_ENTRY_EUNSUPPORTED },
	{ "class ANY", BYTES(HDR(NOERR, 1, 1, 0, 0), Q(1, 255), RR_A(300)),
	  -CACHE_ENTRY_EUNSUPPORTED },
	{ "qtype AXFR", BYTES(HDR(NOERR, 1, 1, 0, 0), Q(252, 1), RR_A(300)),
	  -CACHE_ENTRY_EUNSUPPORTED },
	{ "qtype IXFR", BYTES(HDR(NOERR, 1, 1, 0, 0), Q(251, 1), RR_A(300)),
	  -CACHE_ENTRY_EUNSUPPORTED },
	{ "qtype OPT", BYTES(HDR(NOERR, 1, 1, 0, 0), Q(41, 1), RR_A(300)),
	  -CACHE_ENTRY_EUNSUPPORTED },
	{ "qtype TSIG", BYTES(HDR(NOERR, 1, 1, 0, 0), Q(250, 1), RR_A(300)),
	  -CACHE_ENTRY_EUNSUPPORTED },
};

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

START_TEST(test_bad_responses)
{
	const struct bad_case *c = &bad_cases[_i];
	struct cache_entry_opts opts = {
		.now_ns = T0,
		.max_negative_ttl = c->max_negative_ttl,
	};
	struct xdpdns_cache_key key;
	struct xdpdns_cache_entry e;
	int ret;

	memset(&key, 0xaa, sizeof(key));
	memset(&e, 0xaa, sizeof(e));
	ret = cache_entry_build(c->msg, c->len, &opts, &key, &e);
	ck_assert_msg(ret == c->err, "%s: got %d (%s), want %d", c->what, ret,
		      cache_entry_strerror(ret), c->err);
	ck_assert_msg(all_zero(&key, sizeof(key)) && all_zero(&e, sizeof(e)),
		      "%s: outputs not zeroed", c->what);
}
END_TEST

/* Every rcode but NOERROR and NXDOMAIN. */
START_TEST(test_bad_rcodes)
{
	static const uint8_t base[] = { HDR(NOERR, 1, 1, 0, 0), Q(1, 1),
					RR_A(300) };
	struct cache_entry_opts opts = { .now_ns = T0 };
	struct xdpdns_cache_key key;
	struct xdpdns_cache_entry e;
	uint8_t msg[sizeof(base)];

	if (_i == LDNS_RCODE_NOERROR || _i == LDNS_RCODE_NXDOMAIN)
		return;
	memcpy(msg, base, sizeof(base));
	msg[3] = (msg[3] & 0xf0) | _i;
	ck_assert_int_eq(cache_entry_build(msg, sizeof(msg), &opts, &key, &e),
			 -CACHE_ENTRY_ENOTCACHEABLE);
}
END_TEST

/* Malformed wins over a policy refusal found earlier in the message. */
START_TEST(test_malformed_first)
{
	static const uint8_t msg[] = { HDR(0x8382, 1, 1, 0, 0), Q(3, 1), 0xc0,
				       12 };
	struct cache_entry_opts opts = { .now_ns = T0 };
	struct xdpdns_cache_key key;
	struct xdpdns_cache_entry e;

	ck_assert_int_eq(cache_entry_build(msg, sizeof(msg), &opts, &key, &e),
			 -CACHE_ENTRY_EMALFORMED);
}
END_TEST

START_TEST(test_strerror)
{
	const char *seen[6] = { 0 };

	for (int i = 1; i <= CACHE_ENTRY_EUNSUPPORTED; i++) {
		seen[i] = cache_entry_strerror(-i);
		ck_assert_ptr_nonnull(seen[i]);
		ck_assert(strstr(seen[i], "unknown") == NULL);
		for (int j = 1; j < i; j++)
			ck_assert_str_ne(seen[i], seen[j]);
	}
	ck_assert(strstr(cache_entry_strerror(-99), "unknown") != NULL);
}
END_TEST

/* -------------------------------------------------------------------------
 * Rendering: refusals, flags and sizes.
 */

/* An entry for www.example.com A from @resp_case 0 (TTL 300). */
static void simple_entry(struct xdpdns_cache_entry *e, bool validated)
{
	struct cache_entry_opts opts = { .now_ns = T0, .validated = validated };
	struct resp_case c = positive_cases[0];
	struct xdpdns_cache_key key;
	uint8_t *resp;
	size_t len;

	c.ad = true;
	resp = ldns_response(&c, &len);
	ck_assert_int_eq(cache_entry_build(resp, len, &opts, &key, e), 0);
	free(resp);
}

#define QF 0x0100 /* RD */
static const struct {
	const char *what;
	const uint8_t *msg;
	size_t len;
} bad_queries[] = {
	{ "short", BYTES(0xbe, 0xef, 1, 0, 0, 1, 0, 0, 0, 0, 0) },
	{ "QR set", BYTES(HDR(0x8100, 1, 0, 0, 0), Q(1, 1)) },
	{ "opcode IQUERY", BYTES(HDR(0x0900, 1, 0, 0, 0), Q(1, 1)) },
	{ "TC set", BYTES(HDR(0x0300, 1, 0, 0, 0), Q(1, 1)) },
	{ "no question", BYTES(HDR(QF, 0, 0, 0, 0)) },
	{ "two questions", BYTES(HDR(QF, 2, 0, 0, 0), Q(1, 1), Q(1, 1)) },
	{ "an answer", BYTES(HDR(QF, 1, 1, 0, 0), Q(1, 1), RR_A(300)) },
	{ "an authority", BYTES(HDR(QF, 1, 0, 1, 0), Q(1, 1), RR_A(300)) },
	{ "two additional",
	  BYTES(HDR(QF, 1, 0, 0, 2), Q(1, 1), OPT(0, 0), OPT(0, 0)) },
	{ "additional not OPT",
	  BYTES(HDR(QF, 1, 0, 0, 1), Q(1, 1), RR_A(300)) },
	{ "EDNS version 1", BYTES(HDR(QF, 1, 0, 0, 1), Q(1, 1), OPT(0, 1)) },
	{ "OPT owner not root", BYTES(HDR(QF, 1, 0, 0, 1), Q(1, 1), 0xc0, 12, 0,
				      41, 4, 0xd0, 0, 0, 0, 0, 0, 0) },
	{ "OPT truncated",
	  BYTES(HDR(QF, 1, 0, 0, 1), Q(1, 1), 0, 0, 41, 4, 0xd0, 0, 0) },
	{ "OPT RDLENGTH past the end", BYTES(HDR(QF, 1, 0, 0, 1), Q(1, 1), 0, 0,
					     41, 4, 0xd0, 0, 0, 0, 0, 0, 4) },
	{ "OPT then a byte",
	  BYTES(HDR(QF, 1, 0, 0, 1), Q(1, 1), OPT(0, 0), 0) },
	{ "trailing byte", BYTES(HDR(QF, 1, 0, 0, 0), Q(1, 1), 0) },
	{ "compressed qname",
	  BYTES(HDR(QF, 1, 0, 0, 0), 3, 'w', 'w', 'w', 0xc0, 12, 0, 1, 0, 1) },
	{ "label type 0x80",
	  BYTES(HDR(QF, 1, 0, 0, 0), 0x81, 'a', 0, 0, 1, 0, 1) },
	{ "qname truncated", BYTES(HDR(QF, 1, 0, 0, 0), 3, 'w', 'w', 'w') },
	{ "qtype truncated", BYTES(HDR(QF, 1, 0, 0, 0), QNAME, 0, 1, 0) },
	{ "class CH", BYTES(HDR(QF, 1, 0, 0, 0), Q(1, 3)) },
};

START_TEST(test_render_bad_query)
{
	struct xdpdns_cache_entry e;
	struct cache_entry_query q = {
		.msg = bad_queries[_i].msg,
		.len = bad_queries[_i].len,
		.now_ns = T0,
		.edns_size = OUR_EDNS_SIZE,
	};
	uint8_t out[4096];

	simple_entry(&e, false);
	errno = 0;
	ck_assert_msg(cache_entry_render(&e, &q, out, sizeof(out)) == -1 &&
			      errno == EINVAL,
		      "%s: errno %d", bad_queries[_i].what, errno);
}
END_TEST

/*
 * EDNS options are ignored, like the XDP program does: a cookie, and even
 * an option whose length runs past the RDATA (never parsed).
 */
START_TEST(test_render_query_options)
{
	static const uint8_t cookie[] = {
		HDR(QF, 1, 0, 0, 1),
		Q(1, 1),
		0,
		0,
		41,
		4,
		0xd0,
		0,
		0,
		0,
		0,
		0,
		12,
		0,
		10,
		0,
		8,
		1,
		2,
		3,
		4,
		5,
		6,
		7,
		8,
	};
	static const uint8_t odd[] = {
		HDR(QF, 1, 0, 0, 1),
		Q(1, 1),
		0,
		0,
		41,
		4,
		0xd0,
		0,
		0,
		0,
		0,
		0,
		6,
		0,
		10,
		0,
		8,
		1,
		2,
	};
	struct xdpdns_cache_entry e;
	struct cache_entry_query q = { .now_ns = T0,
				       .edns_size = OUR_EDNS_SIZE };
	uint8_t out[4096];
	int n;

	simple_entry(&e, false);
	for (int i = 0; i < 2; i++) {
		q.msg = i ? odd : cookie;
		q.len = i ? sizeof(odd) : sizeof(cookie);
		n = cache_entry_render(&e, &q, out, sizeof(out));
		ck_assert_int_eq(n, 12 + 21 + e.data_len + 11);
		ck_assert_uint_eq(out[n - 2], 0); /* our OPT: no options */
		ck_assert_uint_eq(out[n - 1], 0);
	}
}
END_TEST

/* A corrupt entry is refused like a bad query, never read out of bounds. */
START_TEST(test_render_bad_entry)
{
	static const uint8_t query[] = { HDR(QF, 1, 0, 0, 0), Q(1, 1) };
	struct xdpdns_cache_entry e;
	struct cache_entry_query q = { .msg = query,
				       .len = sizeof(query),
				       .now_ns = T0,
				       .edns_size = OUR_EDNS_SIZE };
	uint8_t out[4096];

	for (int i = 0; i < 4; i++) {
		simple_entry(&e, false);
		if (i == 0)
			e.data_len = XDPDNS_DATA_MAX + 1;
		else if (i == 1)
			e.ttl_off[1] = e.data_len - 3;
		else if (i == 2)
			e.rr_count = XDPDNS_RR_MAX + 1;
		else
			e.ancount = 3;
		errno = 0;
		ck_assert_int_eq(cache_entry_render(&e, &q, out, sizeof(out)),
				 -1);
		ck_assert_int_eq(errno, EINVAL);
	}
}
END_TEST

/* The AD rule: validated, and the client asked with AD or DO. */
static const struct {
	bool validated;
	bool q_ad;
	bool q_do;
	bool want_ad;
} ad_cases[] = {
	{ false, false, false, false }, { false, true, false, false },
	{ false, false, true, false },	{ false, true, true, false },
	{ true, false, false, false },	{ true, true, false, true },
	{ true, false, true, true },	{ true, true, true, true },
};

START_TEST(test_render_ad)
{
	struct xdpdns_cache_entry e;
	struct cache_entry_query q;
	uint8_t out[4096], *query;
	size_t len;
	int n;

	simple_entry(&e, ad_cases[_i].validated);
	query = ldns_query("www.example.com.", LDNS_RR_TYPE_A,
			   LDNS_RD | (ad_cases[_i].q_ad ? LDNS_AD : 0),
			   ad_cases[_i].q_do ? 1232 : 0, ad_cases[_i].q_do,
			   &len);
	q = (struct cache_entry_query){ .msg = query,
					.len = len,
					.now_ns = T0,
					.edns_size = OUR_EDNS_SIZE };
	n = cache_entry_render(&e, &q, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(!!(out[3] & 0x20), ad_cases[_i].want_ad);
	/* QR RD RA, AA from the entry, no Z, no TC */
	ck_assert_uint_eq((out[2] << 8 | out[3]) & ~0x0020u, 0x8580);
	free(query);
}
END_TEST

/* Fresh until the last nanosecond, stale from expire_ns on. */
START_TEST(test_render_stale)
{
	static const uint8_t query[] = { HDR(QF, 1, 0, 0, 0), Q(1, 1) };
	struct xdpdns_cache_entry e;
	struct cache_entry_query q = { .msg = query,
				       .len = sizeof(query),
				       .edns_size = OUR_EDNS_SIZE };
	uint8_t out[4096];
	int n;

	simple_entry(&e, false);
	ck_assert_uint_eq(e.expire_ns, T0 + 300 * NSEC_PER_SEC);
	q.now_ns = e.expire_ns - 1;
	n = cache_entry_render(&e, &q, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(out[33 + 6 + 3], 1); /* 299 s elapsed: TTL 1 */
	q.now_ns = e.expire_ns;
	errno = 0;
	ck_assert_int_eq(cache_entry_render(&e, &q, out, sizeof(out)), -1);
	ck_assert_int_eq(errno, ESTALE);
	/* a clock before stored_ns (a restored entry) decays nothing */
	q.now_ns = T0 - NSEC_PER_SEC;
	ck_assert_int_gt(cache_entry_render(&e, &q, out, sizeof(out)), 0);
	ck_assert_uint_eq(out[33 + 6 + 2] << 8 | out[33 + 6 + 3], 300);
}
END_TEST

/*
 * Minutes after boot an entry dated "now minus its age" has a stored_ns
 * below zero: modulo 2^64 it is a huge number. The age must still count
 * (here: built 260 s before a clock that reads 60 s), and expiry too.
 */
START_TEST(test_render_near_boot)
{
	static const uint8_t query[] = { HDR(QF, 1, 0, 0, 0), Q(1, 1) };
	const uint64_t shift = T0 + 200 * NSEC_PER_SEC;
	struct xdpdns_cache_entry e;
	struct cache_entry_query q = { .msg = query,
				       .len = sizeof(query),
				       .edns_size = OUR_EDNS_SIZE };
	uint8_t out[4096];

	simple_entry(&e, false);
	e.stored_ns -= shift; /* 200 s before boot */
	e.expire_ns -= shift; /* 100 s after boot */
	ck_assert_uint_gt(e.stored_ns, e.expire_ns);
	q.now_ns = 60 * NSEC_PER_SEC;
	ck_assert_int_gt(cache_entry_render(&e, &q, out, sizeof(out)), 0);
	ck_assert_uint_eq(out[33 + 6 + 2] << 8 | out[33 + 6 + 3], 300 - 260);
	ck_assert_uint_eq(xdpdns_secs_since(q.now_ns, e.stored_ns), 260);
	ck_assert(xdpdns_time_before(e.stored_ns, q.now_ns));
	q.now_ns = 100 * NSEC_PER_SEC;
	errno = 0;
	ck_assert_int_eq(cache_entry_render(&e, &q, out, sizeof(out)), -1);
	ck_assert_int_eq(errno, ESTALE);
}
END_TEST

/*
 * Size limits: 512 bytes without EDNS, max(512, advertised) with it, and
 * the caller's buffer. The response renders to 12 + 17 + data bytes.
 */
START_TEST(test_render_size_limits)
{
	struct cache_entry_opts opts = { .now_ns = T0 };
	struct xdpdns_cache_key key;
	struct xdpdns_cache_entry e;
	static char txt[2048];
	struct resp_case c = { .what = "512",
			       .qname = "example.com.",
			       .qtype = "TXT",
			       .rr = { { txt } } };
	static const struct {
		uint16_t edns; /* 0: no OPT */
		size_t cap;
		size_t size; /* rendered size wanted */
		bool ok;
	} cases[] = {
		{ 0, 4096, 512, true },
		{ 0, 512, 512, true },
		{ 0, 511, 512, false },
		{ 0, 4096, 513, false },
		{ 100, 4096, 512, true },
		{ 100, 4096, 513, false },
		{ 600, 4096, 600, true },
		{ 600, 4096, 601, false },
		{ 1232, 1232, 1232, true },
		{ 1232, 1231, 1232, false },
		/* capped at our own advertised size (OUR_EDNS_SIZE) */
		{ 4096, 4096, OUR_EDNS_SIZE, true },
		{ 4096, 4096, OUR_EDNS_SIZE + 1, false },
		{ 4096, 4096, 12 + 17 + XDPDNS_DATA_MAX + 11, false },
	};
	uint8_t out[4096], *query, *resp;
	size_t qlen, len;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cache_entry_query q;
		size_t data =
			cases[i].size - 12 - 17 - (cases[i].edns ? 11 : 0);
		int n;

		make_txt(txt, sizeof(txt), "example.com.", data - 12);
		resp = ldns_response(&c, &len);
		ck_assert_int_eq(cache_entry_build(resp, len, &opts, &key, &e),
				 0);
		ck_assert_uint_eq(e.data_len, data);
		query = ldns_query("Example.Com.", LDNS_RR_TYPE_TXT, LDNS_RD,
				   cases[i].edns, false, &qlen);
		q = (struct cache_entry_query){ .msg = query,
						.len = qlen,
						.now_ns = T0,
						.edns_size = OUR_EDNS_SIZE };
		errno = 0;
		n = cache_entry_render(&e, &q, out, cases[i].cap);
		if (cases[i].ok) {
			ck_assert_msg(n == (int)cases[i].size, "case %zu: %d",
				      i, n);
		} else {
			ck_assert_msg(n == -1 && errno == EMSGSIZE,
				      "case %zu: %d", i, n);
		}
		free(query);
		free(resp);
	}
}
END_TEST

void cache_entry_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL,
		     CKTEST_TABLE(test_ldns_responses, positive_cases),
		     CKTEST(test_golden_simple),
		     CKTEST(test_hand_pointers_into_question_and_rdata),
		     CKTEST(test_hand_pointer_chains),
		     CKTEST(test_hand_srv_decompressed),
		     CKTEST(test_hand_nxdomain_soa_pointers),
		     CKTEST(test_hand_pointer_into_rdata_suffix),
		     CKTEST(test_render_query_options),
		     CKTEST_TABLE(test_render_ad, ad_cases));
	CKTEST_TCASE(s, "Negative", NULL,
		     CKTEST_TABLE(test_bad_responses, bad_cases),
		     CKTEST_LOOP(test_bad_rcodes, 16),
		     CKTEST(test_malformed_first), CKTEST(test_strerror),
		     CKTEST_TABLE(test_render_bad_query, bad_queries),
		     CKTEST(test_render_bad_entry), CKTEST(test_render_stale),
		     CKTEST(test_render_near_boot));
	CKTEST_TCASE(s, "Limits", NULL, CKTEST(test_rr_max),
		     CKTEST(test_data_max), CKTEST(test_qname_max),
		     CKTEST(test_name_too_long), CKTEST(test_csum_odd),
		     CKTEST(test_csum_all_ones),
		     CKTEST(test_render_size_limits));
}
