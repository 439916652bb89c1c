// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of xdpdns_main, katran/Cilium style: the real
 * object is loaded from its skeleton with a small cache, entries are made by
 * cache_entry_build() from responses written with libldns, frames are built
 * layer by layer with tests/lib/pktbuild, and every run asserts the verdict,
 * the output bytes and that exactly the right counters moved. Every XDP_TX
 * frame is checked three independent ways: pktbuild recomputes both
 * checksums, libldns parses the answer and its flags, RRsets and TTLs are
 * compared with the original response, and the payload must equal
 * cache_entry_render() for the same query and clock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <ldns/ldns.h>

#include "lib/cache_entry.h"
#include "lib/cachemap.h"
#include "tests/lib/pktbuild.h"
#include "tests/lib/xdptest.h"
#include "suites.h"

#define NS_PER_S 1000000000ULL

#define F_RD DNS_F_RD
#define F_CD DNS_F_CD
#define F_AD DNS_F_AD

/* --- environment -------------------------------------------------------- */

/* This suite's own copy of the object: no other suite's entries in it. */
static struct xdptest T;

static void env_setup(void)
{
	xdptest_open_once(&T, "check_xdp");
}

#define NEED_ENV() \
	ck_assert_msg(T.skel != NULL, "BPF object not loaded: %s", T.err)

static void run_frame(const uint8_t *frame, size_t len,
		      struct xdptest_frame_run *r)
{
	int err = xdptest_run_frame(&T, frame, len, r);

	ck_assert_msg(err == 0, "BPF_PROG_TEST_RUN on %zu bytes: %s", len,
		      strerror(-err));
}

/*
 * packets +1, @outcome +1, queries +1 when @queries, answer_qtype and
 * answer_rcode +1 when @qtype / @rcode >= 0; every other counter unchanged.
 */
static void check_counters(const struct xdptest_frame_run *r,
			   unsigned int outcome, bool queries, int qtype,
			   int rcode)
{
	const __u64 *b = (const __u64 *)&r->before;
	const __u64 *a = (const __u64 *)&r->after;
	unsigned int i, n = sizeof(struct xdpdns_stats) / sizeof(__u64);
	unsigned int qslot = qtype < 0			? n :
			     qtype < XDPDNS_QTYPE_SLOTS ? (unsigned int)qtype :
							  0;

	for (i = 0; i < n; i++) {
		__u64 want = 0;

		if (i == XDPDNS_STAT_PACKETS || i == outcome)
			want = 1;
		if (i == XDPDNS_STAT_QUERIES && queries)
			want = 1;
		if (qtype >= 0 && i == XDPDNS_STAT_MAX + qslot)
			want = 1;
		if (rcode >= 0 &&
		    i == XDPDNS_STAT_MAX + XDPDNS_QTYPE_SLOTS + (unsigned)rcode)
			want = 1;
		ck_assert_msg(a[i] - b[i] == want,
			      "counter %s moved by %llu, want %llu (outcome "
			      "expected: %s)",
			      xdptest_stat_name(i),
			      (unsigned long long)(a[i] - b[i]),
			      (unsigned long long)want,
			      xdptest_stat_name(outcome));
	}
}

/* XDP_PASS with the frame untouched and only @outcome counted. */
static void expect_pass(const uint8_t *frame, size_t len,
			const struct xdptest_frame_run *r, unsigned int outcome,
			bool queries)
{
	ck_assert_msg(r->verdict == XDP_PASS, "verdict %s, want XDP_PASS (%s)",
		      xdptest_verdict_name(r->verdict),
		      xdptest_stat_name(outcome));
	ck_assert_msg(r->out_len == len && !memcmp(r->out, frame, len),
		      "passed frame was modified (%zu bytes in, %zu out)", len,
		      r->out_len);
	check_counters(r, outcome, queries, -1, -1);
}

/* --- responses ---------------------------------------------------------- */

/* A list of RRs in presentation format for struct resp_spec. */
#define RRS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define SOA_EXAMPLE                                                        \
	"example.com. 60 IN SOA ns1.example.com. hostmaster.example.com. " \
	"2024010101 7200 3600 1209600 300"

enum {
	R_A,
	R_AAAA,
	R_MULTI,
	R_CNAME,
	R_NXDOMAIN,
	R_NODATA,
	R_DNSSEC,
	R_MX,
	R_SRV,
	R_PTR,
	R_ROOT,
	R_EVEN,
	R_CAA,
	R_UPPER,
	R_ONLY,
	R_NUM,
	R_BIG = R_NUM, /* TXT answer sized to a 1232-byte response */
};

static const struct resp_spec resps[R_NUM] = {
	[R_A] = { .qname = "www.example.com.",
		  .qtype = "A",
		  .an = RRS("www.example.com. 300 IN A 192.0.2.1") },
	[R_AAAA] = { .qname = "www.example.com.",
		     .qtype = "AAAA",
		     .an = RRS("www.example.com. 300 IN AAAA 2001:db8::1",
			       "www.example.com. 300 IN AAAA 2001:db8::2") },
	[R_MULTI] = { .qname = "multi.example.com.",
		      .qtype = "A",
		      .an = RRS("multi.example.com. 300 IN A 192.0.2.11",
				"multi.example.com. 300 IN A 192.0.2.12",
				"multi.example.com. 300 IN A 192.0.2.13"),
		      .ns = RRS("example.com. 86400 IN NS ns1.example.com.",
				"example.com. 86400 IN NS ns2.example.net."),
		      .ar = RRS("ns1.example.com. 3600 IN A 192.0.2.53",
				"ns1.example.com. 7200 IN AAAA 2001:db8::53") },
	[R_CNAME] = { .qname = "www.chain.example.com.",
		      .qtype = "A",
		      .an = RRS(
			      "www.chain.example.com. 600 IN CNAME alias.example.net.",
			      "alias.example.net. 120 IN CNAME edge.cdn.example.org.",
			      "edge.cdn.example.org. 60 IN A 203.0.113.5",
			      "edge.cdn.example.org. 60 IN A 203.0.113.6") },
	[R_NXDOMAIN] = { .qname = "nx.example.com.",
			 .qtype = "A",
			 .rcode = 3,
			 .aa = true,
			 .ns = RRS(SOA_EXAMPLE) },
	[R_NODATA] = { .qname = "nodata.example.com.",
		       .qtype = "AAAA",
		       .aa = true,
		       .ns = RRS(SOA_EXAMPLE) },
	[R_DNSSEC] = { .qname = "sec.example.com.",
		       .qtype = "A",
		       .ad = true,
		       .an = RRS(
			       "sec.example.com. 300 IN A 192.0.2.10",
			       "sec.example.com. 300 IN RRSIG A 13 3 300 20300101000000 "
			       "20240101000000 12345 example.com. "
			       "oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DD"
			       "Kdfb+v6oB9wfuh3DTJXUAQ=="),
		       .edns = true,
		       .edns_do = true },
	[R_MX] = { .qname = "example.com.",
		   .qtype = "MX",
		   .an = RRS("example.com. 300 IN MX 10 mail.example.com.",
			     "example.com. 300 IN MX 20 mx.example.net."),
		   .ar = RRS("mail.example.com. 300 IN A 192.0.2.25") },
	[R_SRV] = { .qname = "_sip._udp.example.com.",
		    .qtype = "SRV",
		    .an = RRS(
			    "_sip._udp.example.com. 300 IN SRV 10 5 5060 sip.example.com.") },
	[R_PTR] = { .qname = "1.2.0.192.in-addr.arpa.",
		    .qtype = "PTR",
		    .an = RRS(
			    "1.2.0.192.in-addr.arpa. 3600 IN PTR www.example.com.") },
	[R_ROOT] = { .qname = ".",
		     .qtype = "NS",
		     .an = RRS(". 518400 IN NS a.root-servers.net.",
			       ". 518400 IN NS b.root-servers.net."),
		     .ar = RRS(
			     "a.root-servers.net. 518400 IN A 198.41.0.4",
			     "b.root-servers.net. 518400 IN AAAA 2001:500:200::b") },
	[R_EVEN] = { .qname = "ab.example.com.",
		     .qtype = "A",
		     .an = RRS("ab.example.com. 300 IN A 192.0.2.2") },
	[R_CAA] = { .qname = "example.com.",
		    .qtype = "CAA",
		    .an = RRS(
			    "example.com. 300 IN CAA 0 issue \"ca.example.net\"") },
	[R_UPPER] = { .qname = "Upper.EXAMPLE.com.",
		      .qtype = "A",
		      .an = RRS("Upper.EXAMPLE.com. 300 IN A 192.0.2.77") },
	[R_ONLY] = { .qname = "only-plain.example.com.",
		     .qtype = "A",
		     .an = RRS("only-plain.example.com. 300 IN A 192.0.2.99") },
};

static char xs[256];
static char txt_lines[8][320];
static const char *txt_ptrs[9];

/*
 * A TXT response for @qname whose sections take @data_len bytes when every
 * owner is a 2-byte pointer to the question.
 */
static void txt_spec(const char *qname, size_t data_len, struct resp_spec *s)
{
	size_t rem = data_len, n = 0, r;

	memset(xs, 'x', sizeof(xs) - 1);
	while (rem >= 13 && n < ARRAY_SIZE(txt_lines)) {
		if (rem <= 268)
			r = rem - 12;
		else if (rem - 268 >= 13)
			r = 256;
		else
			r = rem - 12 - 13;
		snprintf(txt_lines[n], sizeof(txt_lines[n]),
			 "%s 300 IN TXT \"%.*s\"", qname, (int)(r - 1), xs);
		txt_ptrs[n] = txt_lines[n];
		n++;
		rem -= r + 12;
	}
	txt_ptrs[n] = NULL;
	memset(s, 0, sizeof(*s));
	s->qname = qname;
	s->qtype = "TXT";
	s->an = txt_ptrs;
}

/* A cache entry, its key, and the response it was made of. */
struct cached {
	struct xdpdns_cache_key key;
	struct xdpdns_cache_entry entry;
	uint8_t wire[4096];
	int wire_len;
};

/* Builds @s, makes @ce's entry at @stored_ns and puts it in the cache. */
static void add_entry(const struct resp_spec *s, uint8_t key_flags,
		      bool validated, uint64_t stored_ns, struct cached *ce)
{
	struct cache_entry_opts o = {
		.key_flags = key_flags,
		.validated = validated,
		.now_ns = stored_ns,
	};
	int err;

	ce->wire_len = resp_build(s, ce->wire, sizeof(ce->wire));
	ck_assert_msg(ce->wire_len > 0, "cannot build the response for %s",
		      s->qname);
	err = cache_entry_build(ce->wire, (size_t)ce->wire_len, &o, &ce->key,
				&ce->entry);
	ck_assert_msg(err == 0, "cache_entry_build(%s %s): %s", s->qname,
		      s->qtype, cache_entry_strerror(err));
	ck_assert_int_eq(xdptest_cache_put(&T, &ce->key, &ce->entry), 0);
}

/* Wire length of a presentation name. */
static size_t name_wire_len(const char *qname)
{
	uint8_t w[1024];

	return pkt_name_to_wire(qname, w, sizeof(w));
}

/*
 * A TXT entry for @qname whose response is @total bytes: with an OPT record
 * when @with_opt, without otherwise.
 */
static void sized_entry(const char *qname, size_t total, bool with_opt,
			uint8_t key_flags, uint64_t now, struct cached *ce)
{
	size_t fixed = 12 + name_wire_len(qname) + 4 + (with_opt ? 11 : 0);
	size_t want = total - fixed, data = want;
	struct resp_spec s;
	int tries;

	for (tries = 0; tries < 3; tries++) {
		txt_spec(qname, data, &s);
		add_entry(&s, key_flags, false, now, ce);
		if (ce->entry.data_len == want)
			return;
		data += want - ce->entry.data_len;
	}
	ck_abort_msg("cannot size the entry for %s to %zu data bytes (got %u)",
		     qname, want, ce->entry.data_len);
}

/* --- checking an answer ----------------------------------------------------- */

/*
 * libldns must read @r as the answer to query @p that @x describes (see
 * xdptest_check_ldns()); @x->resp is the response the entry was made of.
 */
static void check_ldns(const struct pkt *p, const struct xdptest_frame_run *r,
		       const struct xdptest_expect *x)
{
	char why[512];

	if (xdptest_check_ldns(p->buf, p->len, r, x, why, sizeof(why))) {
		xdptest_hexdump("query", p->buf, p->len);
		xdptest_hexdump("answer", r->out, r->out_len);
		ck_abort_msg("ldns: %s", why);
	}
}

/*
 * An XDP_TX answer to @p from @ce: checked by xdptest_check_answer() (frame,
 * cache_entry_render()) and by check_ldns() with the client's side of @x.
 */
static void check_hit(const struct pkt *p, const struct xdptest_frame_run *r,
		      const struct cached *ce, const struct xdptest_expect *x)
{
	struct xdptest_expect xx = *x;
	char why[512];

	if (xdptest_check_answer(p->buf, p->len, r->out, r->out_len, &ce->entry,
				 r->t0, r->t1, why, sizeof(why))) {
		xdptest_hexdump("query", p->buf, p->len);
		xdptest_hexdump("answer", r->out, r->out_len);
		ck_abort_msg("answer: %s", why);
	}
	xx.resp = ce->wire;
	xx.resp_len = (size_t)ce->wire_len;
	xx.stored_ns = ce->entry.stored_ns;
	check_ldns(p, r, &xx);
}

/* XDP_TX, counted as a hit of @ce's qtype and rcode, and check_hit(). */
static void expect_hit(const struct pkt *p, const struct xdptest_frame_run *r,
		       const struct cached *ce, const struct xdptest_expect *x)
{
	ck_assert_msg(r->verdict == XDP_TX, "verdict %s, want XDP_TX",
		      xdptest_verdict_name(r->verdict));
	check_counters(r, XDPDNS_STAT_HIT, true, ce->key.qtype,
		       ce->entry.flags & DNS_F_RCODE);
	check_hit(p, r, ce, x);
}

/* --- queries -------------------------------------------------------------- */

/* Query @id for @qname / @qtype with RD, over IPv4, no EDNS. */
static void query_init(struct pkt_query *q, uint16_t id, const char *qname,
		       uint16_t qtype)
{
	memset(q, 0, sizeof(*q));
	q->dns.id = id;
	q->dns.flags = F_RD;
	q->dns.qname = qname;
	q->dns.qtype = qtype;
}

/* Over IPv@family with @vlans tags, the outer one 802.1ad when @qinq. */
static void query_l2(struct pkt_query *q, int family, int vlans, bool qinq)
{
	q->family = family;
	q->vlans = vlans;
	if (qinq)
		q->vlan_tpid[0] = PKT_ETH_P_8021AD;
}

/* Builds @q into @p and runs it once into @r. */
static void send_query(const struct pkt_query *q, struct pkt *p,
		       struct xdptest_frame_run *r)
{
	pkt_query(p, q);
	run_frame(p->buf, p->len, r);
}

/* --- Positive ------------------------------------------------------------ */

struct pos_case {
	const char *label;
	int resp; /* R_* */
	const char *qname; /* as the client spells it */
	int family;
	int vlans;
	bool qinq; /* outer tag 802.1ad */
	uint16_t qflags;
	bool edns;
	uint16_t edns_size;
	bool edns_do;
	bool validated;
	unsigned int age; /* seconds since the entry was stored */
	bool csum0; /* client sent UDP checksum 0 (IPv4) */
	bool df;
	unsigned int pad; /* Ethernet trailer bytes after the datagram */
	const uint8_t *opts; /* EDNS options of the query */
	size_t opts_len;
};

static const uint8_t cookie_opt[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t padding_opt[] = { 0, 12, 0, 4, 0, 0, 0, 0 };
/*
 * Option bytes are never parsed (RFC 6891 6.1.2: a responder ignores what it
 * does not implement), so even ill-formed ones inside a well-framed OPT do
 * not stop an answer; cache_entry_render() agrees.
 */
static const uint8_t bad_opt_short[] = { 0, 10, 0 };
static const uint8_t bad_opt_overrun[] = { 0, 10, 0, 8, 1, 2, 3, 4 };

static const struct pos_case pos_cases[] = {
	{ "v4 A", R_A, "wWw.ExAmPle.cOM", 4, .qflags = F_RD },
	{ "v6 A", R_A, "WWW.EXAMPLE.COM", 6, .qflags = F_RD },
	{ "v4 A lower", R_A, "www.example.com", 4, .qflags = F_RD },
	{ "v4 one VLAN", R_A, "www.Example.com", 4, 1, .qflags = F_RD },
	{ "v6 two VLANs", R_AAAA, "Www.example.COM", 6, 2, .qflags = F_RD,
	  .edns = true, .edns_size = 1232 },
	{ "v4 QinQ 88a8", R_A, "www.example.com", 4, 2, true, F_RD,
	  .edns = true, .edns_size = 4096 },
	{ "v6 QinQ 88a8", R_A, "wwW.examplE.com", 6, 2, true, F_RD },
	{ "v4 EDNS 1232", R_A, "www.EXAMPLE.com", 4, .qflags = F_RD,
	  .edns = true, .edns_size = 1232 },
	{ "v4 EDNS 512", R_A, "www.example.com", 4, .qflags = F_RD,
	  .edns = true, .edns_size = 512 },
	{ "v4 EDNS DO unvalidated", R_A, "www.example.com", 4, .qflags = F_RD,
	  .edns = true, .edns_size = 1232, .edns_do = true },
	{ "v4 DNSSEC DO validated", R_DNSSEC, "SEC.example.com", 4,
	  .qflags = F_RD, .edns = true, .edns_size = 4096, .edns_do = true,
	  .validated = true },
	{ "v6 DNSSEC DO CD validated", R_DNSSEC, "sec.EXAMPLE.com", 6, 1,
	  .qflags = F_RD | F_CD, .edns = true, .edns_size = 1232,
	  .edns_do = true, .validated = true },
	{ "v4 DNSSEC no DO, AD asked", R_DNSSEC, "sec.example.com", 4,
	  .qflags = F_RD | F_AD, .validated = true },
	{ "v4 DNSSEC no DO no AD", R_DNSSEC, "sec.example.com", 4,
	  .qflags = F_RD, .validated = true },
	{ "v4 AD asked unvalidated", R_DNSSEC, "sec.example.com", 4,
	  .qflags = F_RD | F_AD },
	{ "v4 DO unvalidated", R_DNSSEC, "sec.example.com", 4, .qflags = F_RD,
	  .edns = true, .edns_size = 1232, .edns_do = true },
	{ "v4 CD plain", R_A, "www.example.COM", 4, .qflags = F_RD | F_CD },
	{ "v6 CD EDNS", R_A, "www.example.com", 6, .qflags = F_RD | F_CD,
	  .edns = true, .edns_size = 1400 },
	{ "v6 AAAA", R_AAAA, "www.example.com", 6, .qflags = F_RD },
	{ "v4 multi sections aged 5s", R_MULTI, "Multi.Example.Com", 4,
	  .qflags = F_RD, .age = 5 },
	{ "v6 multi sections EDNS aged 5s", R_MULTI, "multi.example.com", 6,
	  .qflags = F_RD, .edns = true, .edns_size = 1232, .age = 5 },
	{ "v4 A aged 5s", R_A, "www.example.com", 4, .qflags = F_RD, .age = 5 },
	{ "v4 CNAME chain", R_CNAME, "WWW.Chain.Example.Com", 4, .qflags = F_RD,
	  .edns = true, .edns_size = 1232 },
	{ "v6 CNAME chain aged 5s", R_CNAME, "www.chain.example.com", 6,
	  .qflags = F_RD, .age = 5 },
	{ "v4 NXDOMAIN", R_NXDOMAIN, "NX.example.com", 4, .qflags = F_RD },
	{ "v6 NXDOMAIN EDNS aged 5s", R_NXDOMAIN, "nx.example.com", 6,
	  .qflags = F_RD, .edns = true, .edns_size = 1232, .age = 5 },
	{ "v4 NODATA", R_NODATA, "NoData.example.com", 4, .qflags = F_RD },
	{ "v6 NODATA EDNS", R_NODATA, "nodata.example.com", 6, .qflags = F_RD,
	  .edns = true, .edns_size = 1232 },
	{ "v4 MX", R_MX, "Example.COM", 4, .qflags = F_RD },
	{ "v4 SRV", R_SRV, "_SIP._udp.example.com", 4, .qflags = F_RD },
	{ "v6 PTR", R_PTR, "1.2.0.192.IN-ADDR.arpa", 6, .qflags = F_RD },
	{ "v4 root NS", R_ROOT, ".", 4, .qflags = F_RD, .edns = true,
	  .edns_size = 1232 },
	{ "v6 root NS", R_ROOT, ".", 6, .qflags = F_RD },
	{ "v4 even-length name", R_EVEN, "AB.example.com", 4, .qflags = F_RD },
	{ "v6 even-length name EDNS DO", R_EVEN, "aB.example.com", 6,
	  .qflags = F_RD, .edns = true, .edns_size = 1232, .edns_do = true },
	{ "v4 CAA (qtype 257)", R_CAA, "example.com", 4, .qflags = F_RD },
	{ "v4 upper-case response", R_UPPER, "uPPER.example.COM", 4,
	  .qflags = F_RD },
	{ "v4 1232-byte answer", R_BIG, "Big.Example.com", 4, .qflags = F_RD,
	  .edns = true, .edns_size = 1232 },
	{ "v6 1232-byte answer 2 VLANs", R_BIG, "big.example.com", 6, 2,
	  .qflags = F_RD, .edns = true, .edns_size = 1232 },
	{ "v4 UDP checksum 0", R_A, "www.example.com", 4, .qflags = F_RD,
	  .csum0 = true },
	{ "v4 DF set", R_A, "www.example.com", 4, .qflags = F_RD, .df = true },
	{ "v4 Ethernet padding", R_A, "www.example.com", 4, .qflags = F_RD,
	  .pad = 20 },
	{ "v6 Ethernet padding EDNS", R_MULTI, "multi.example.com", 6,
	  .qflags = F_RD, .edns = true, .edns_size = 1232, .pad = 7 },
	{ "v4 EDNS cookie option", R_A, "www.example.com", 4, .qflags = F_RD,
	  .edns = true, .edns_size = 1232, .opts = cookie_opt,
	  .opts_len = sizeof(cookie_opt) },
	{ "v6 EDNS padding option DO", R_A, "www.example.com", 6,
	  .qflags = F_RD, .edns = true, .edns_size = 1232, .edns_do = true,
	  .opts = padding_opt, .opts_len = sizeof(padding_opt) },
	{ "v4 EDNS option shorter than its header", R_A, "www.example.com", 4,
	  .qflags = F_RD, .edns = true, .edns_size = 1232,
	  .opts = bad_opt_short, .opts_len = sizeof(bad_opt_short) },
	{ "v6 EDNS option longer than OPT", R_A, "www.example.com", 6,
	  .qflags = F_RD, .edns = true, .edns_size = 1232,
	  .opts = bad_opt_overrun, .opts_len = sizeof(bad_opt_overrun) },
};

static void pos_query(const struct pos_case *c, struct pkt *p)
{
	struct pkt_query q;

	query_init(&q, 0xa5c3, c->qname,
		   c->resp == R_BIG ?
			   LDNS_RR_TYPE_TXT :
			   ldns_get_rr_type_by_name(resps[c->resp].qtype));
	query_l2(&q, c->family, c->vlans, c->qinq);
	q.udp_csum_zero = c->csum0;
	if (c->df)
		q.v4.frag = 0x4000;
	q.dns.flags = c->qflags;
	q.dns.edns = c->edns;
	q.dns.edns_size = c->edns_size;
	q.dns.edns_do = c->edns_do;
	q.dns.edns_options = c->opts;
	q.dns.edns_options_len = c->opts_len;
	pkt_query(p, &q);
	if (c->pad) {
		pkt_put(p, NULL, c->pad);
		memset(p->buf + p->len - c->pad, 0xee, c->pad);
	}
}

START_TEST(test_positive)
{
	const struct pos_case *c = &pos_cases[_i];
	uint8_t key_flags = (c->edns && c->edns_do ? XDPDNS_KEY_DO : 0) |
			    (c->qflags & F_CD ? XDPDNS_KEY_CD : 0);
	uint64_t stored = xdptest_now_ns() - c->age * NS_PER_S;
	struct xdptest_expect x = { .id = 0xa5c3,
				    .qflags = c->qflags,
				    .edns = c->edns,
				    .edns_do = c->edns_do,
				    .validated = c->validated };
	static struct xdptest_frame_run r;
	static struct cached ce;
	static struct pkt p;
	struct xdpdns_cache_entry after;
	struct xdpdns_cache_key qkey;
	struct pkt_info qi;
	char why[512];
	size_t dns_len;

	NEED_ENV();
	if (c->resp == R_BIG)
		sized_entry("big.example.com.", 1232, true, key_flags, stored,
			    &ce);
	else
		add_entry(&resps[c->resp], key_flags, c->validated, stored,
			  &ce);
	pos_query(c, &p);

	/* The builder's key must be the one computed from the query. */
	ck_assert_int_eq(pkt_parse(p.buf, p.len, &qi, why, sizeof(why)), 0);
	ck_assert_int_eq(xdptest_query_key(p.buf + qi.dns_off, qi.udp_len - 8u,
					   &qkey),
			 0);
	ck_assert_msg(!memcmp(&qkey, &ce.key, sizeof(qkey)),
		      "cache_entry_build() key differs from the query's");

	run_frame(p.buf, p.len, &r);
	expect_hit(&p, &r, &ce, &x);
	dns_len = 12 + name_wire_len(c->qname) + 4 + ce.entry.data_len +
		  (c->edns ? 11 : 0);
	ck_assert_msg(r.out_len == (size_t)qi.dns_off + dns_len,
		      "frame length %zu, want %zu", r.out_len,
		      (size_t)qi.dns_off + dns_len);
	ck_assert_int_eq(xdptest_cache_get(&T, &ce.key, &after), 0);
	ck_assert_uint_eq(after.hits, ce.entry.hits + 1);
}
END_TEST

/* --- Negative ------------------------------------------------------------ */

enum neg_special {
	SP_NONE,
	SP_RAWQ, /* question bytes from raw/raw_len */
	SP_TCP,
	SP_ICMP,
	SP_V6_TCP,
	SP_ARP,
	SP_LLDP,
	SP_V4_VERSION6,
	SP_V4_TOTLEN_LONG,
	SP_V4_TOTLEN_SHORT,
	SP_UDPLEN_LONG,
	SP_UDPLEN_SHORT,
	SP_UDPLEN_7,
	SP_V6_PLEN_LONG,
	SP_DNS_11,
	SP_DNS_EMPTY,
	SP_QNAME_CUT,
	SP_QCLASS_CUT,
	SP_TRAILING,
	SP_OPT_TRAILING,
	SP_OPT_RDLEN,
	SP_OPT_SHORT,
	SP_LABEL64,
	SP_NAME256,
	SP_NAME320,
};

struct neg_case {
	const char *label;
	int family;
	unsigned int stat;
	bool queries;
	int special;
	/* changes to the base query, www.example.com A, RD */
	int vlans;
	int ihl;
	const uint8_t *ipopt;
	size_t ipopt_len;
	uint16_t frag;
	bool ext;
	uint8_t ext_type;
	bool set_flags;
	uint16_t flags;
	bool set_counts;
	uint16_t qd, an, ns, ar;
	const char *qname;
	uint16_t qtype;
	uint16_t qclass;
	bool edns;
	uint8_t edns_version;
	bool edns_do;
	const uint8_t *opts;
	size_t opts_len;
	const char *dst;
	uint16_t dport;
	bool cd;
	const uint8_t *raw;
	size_t raw_len;
};

static const uint8_t ipopt_nop[] = { 1, 1, 1, 0 };
static const uint8_t ipopt_40[40] = { 7, 39, 4 }; /* record route */
static const uint8_t q_ptr_only[] = { 0xc0, 0x0c, 0, 1, 0, 1 };
static const uint8_t q_ptr_after_label[] = { 3,	   'w', 'w', 'w', 0xc0,
					     0x0c, 0,	1,   0,	  1 };
static const uint8_t q_label40[] = { 0x41, 'a', 0, 0, 1, 0, 1 };
static const uint8_t q_label80[] = {
	3, 'w', 'w', 'w', 0x80, 'a', 0, 0, 1, 0, 1
};
static const uint8_t q_addl_txt[] = { 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm',
				      'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1,
				      0, 1,
				      /* x. TXT IN 0 "y" */
				      1, 'x', 0, 0, 16, 0, 1, 0, 0, 0, 0, 0, 2,
				      1, 'y' };
static const uint8_t q_addl_a_root[] = { 3, 'w', 'w', 'w', 7, 'e', 'x', 'a',
					 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm',
					 0, 0, 1, 0, 1,
					 /* . A IN 0 192.0.2.1 */
					 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 192,
					 0, 2, 1 };

#define DNSQ .queries = true

static const struct neg_case neg_cases[] = {
	/* L2 and L3 */
	{ "three VLAN tags", 4, XDPDNS_STAT_VLAN_DEPTH, .vlans = 3 },
	{ "three VLAN tags v6", 6, XDPDNS_STAT_VLAN_DEPTH, .vlans = 3 },
	{ "ARP", 4, XDPDNS_STAT_NOT_FOR_US, .special = SP_ARP },
	{ "LLDP", 4, XDPDNS_STAT_NOT_FOR_US, .special = SP_LLDP },
	{ "TCP to port 53", 4, XDPDNS_STAT_NOT_FOR_US, .special = SP_TCP },
	{ "ICMP", 4, XDPDNS_STAT_NOT_FOR_US, .special = SP_ICMP },
	{ "IPv6 TCP to port 53", 6, XDPDNS_STAT_NOT_FOR_US,
	  .special = SP_V6_TCP },
	{ "EtherType IPv4, version 6", 4, XDPDNS_STAT_NOT_FOR_US,
	  .special = SP_V4_VERSION6 },
	{ "not our address v4", 4, XDPDNS_STAT_NOT_FOR_US,
	  .dst = "192.0.2.54" },
	{ "not our address v6", 6, XDPDNS_STAT_NOT_FOR_US,
	  .dst = "2001:db8::54" },
	{ "not our port", 4, XDPDNS_STAT_NOT_FOR_US, .dport = 5353 },
	{ "not our port v6", 6, XDPDNS_STAT_NOT_FOR_US, .dport = 853 },
	{ "IHL 4", 4, XDPDNS_STAT_IPV4_IHL, .ihl = 4 },
	{ "IHL 0", 4, XDPDNS_STAT_IPV4_IHL, .ihl = 0xf0 },
	{ "IPv4 options", 4, XDPDNS_STAT_IPV4_OPTIONS, .ipopt = ipopt_nop,
	  .ipopt_len = sizeof(ipopt_nop) },
	{ "IPv4 40 bytes of options", 4, XDPDNS_STAT_IPV4_OPTIONS,
	  .ipopt = ipopt_40, .ipopt_len = sizeof(ipopt_40) },
	{ "IPv4 MF", 4, XDPDNS_STAT_IPV4_FRAG, .frag = 0x2000 },
	{ "IPv4 DF+MF", 4, XDPDNS_STAT_IPV4_FRAG, .frag = 0x6000 },
	{ "IPv4 fragment offset", 4, XDPDNS_STAT_IPV4_FRAG, .frag = 0x00b9 },
	{ "IPv6 hop-by-hop", 6, XDPDNS_STAT_IPV6_EXT, .ext = true,
	  .ext_type = 0 },
	{ "IPv6 routing", 6, XDPDNS_STAT_IPV6_EXT, .ext = true,
	  .ext_type = 43 },
	{ "IPv6 fragment", 6, XDPDNS_STAT_IPV6_EXT, .ext = true,
	  .ext_type = 44 },
	{ "IPv6 destination options", 6, XDPDNS_STAT_IPV6_EXT, .ext = true,
	  .ext_type = 60 },
	{ "IPv4 total length past the frame", 4, XDPDNS_STAT_IPV4_LEN,
	  .special = SP_V4_TOTLEN_LONG },
	{ "IPv4 total length 27", 4, XDPDNS_STAT_IPV4_LEN,
	  .special = SP_V4_TOTLEN_SHORT },
	{ "IPv6 payload length past the frame", 6, XDPDNS_STAT_IPV6_LEN,
	  .special = SP_V6_PLEN_LONG },
	{ "UDP length too long", 4, XDPDNS_STAT_TRUNC_UDP,
	  .special = SP_UDPLEN_LONG },
	{ "UDP length too short", 4, XDPDNS_STAT_TRUNC_UDP,
	  .special = SP_UDPLEN_SHORT },
	{ "UDP length 7", 6, XDPDNS_STAT_TRUNC_UDP, .special = SP_UDPLEN_7 },
	/* DNS header */
	{ "DNS header 11 bytes", 4, XDPDNS_STAT_TRUNC_DNS, DNSQ,
	  .special = SP_DNS_11 },
	{ "DNS payload empty", 6, XDPDNS_STAT_TRUNC_DNS, DNSQ,
	  .special = SP_DNS_EMPTY },
	{ "QR=1", 4, XDPDNS_STAT_DNS_QR, DNSQ, .set_flags = true,
	  .flags = 0x8100 },
	{ "QR=1 v6", 6, XDPDNS_STAT_DNS_QR, DNSQ, .set_flags = true,
	  .flags = 0x8180 },
	{ "opcode IQUERY", 4, XDPDNS_STAT_DNS_OPCODE, DNSQ, .set_flags = true,
	  .flags = 0x0900 },
	{ "opcode STATUS", 4, XDPDNS_STAT_DNS_OPCODE, DNSQ, .set_flags = true,
	  .flags = 0x1100 },
	{ "opcode NOTIFY", 6, XDPDNS_STAT_DNS_OPCODE, DNSQ, .set_flags = true,
	  .flags = 0x2000 },
	{ "opcode UPDATE", 4, XDPDNS_STAT_DNS_OPCODE, DNSQ, .set_flags = true,
	  .flags = 0x2800 },
	{ "opcode 15", 4, XDPDNS_STAT_DNS_OPCODE, DNSQ, .set_flags = true,
	  .flags = 0x7900 },
	{ "TC=1", 4, XDPDNS_STAT_DNS_TC, DNSQ, .set_flags = true,
	  .flags = 0x0300 },
	{ "TC=1 v6", 6, XDPDNS_STAT_DNS_TC, DNSQ, .set_flags = true,
	  .flags = 0x0200 },
	{ "RD=0", 4, XDPDNS_STAT_DNS_NORD, DNSQ, .set_flags = true,
	  .flags = 0x0000 },
	{ "RD=0 CD v6", 6, XDPDNS_STAT_DNS_NORD, DNSQ, .set_flags = true,
	  .flags = 0x0010 },
	{ "QDCOUNT 0", 4, XDPDNS_STAT_DNS_QDCOUNT, DNSQ, .set_counts = true,
	  .qd = 0 },
	{ "QDCOUNT 2", 4, XDPDNS_STAT_DNS_QDCOUNT, DNSQ, .set_counts = true,
	  .qd = 2 },
	{ "QDCOUNT 256", 6, XDPDNS_STAT_DNS_QDCOUNT, DNSQ, .set_counts = true,
	  .qd = 256 },
	{ "ANCOUNT 1", 4, XDPDNS_STAT_DNS_SECTIONS, DNSQ, .set_counts = true,
	  .qd = 1, .an = 1 },
	{ "NSCOUNT 1", 6, XDPDNS_STAT_DNS_SECTIONS, DNSQ, .set_counts = true,
	  .qd = 1, .ns = 1 },
	{ "ARCOUNT 2", 4, XDPDNS_STAT_DNS_SECTIONS, DNSQ, .edns = true,
	  .set_counts = true, .qd = 1, .ar = 2 },
	{ "ARCOUNT 0xffff", 4, XDPDNS_STAT_DNS_SECTIONS, DNSQ, .edns = true,
	  .set_counts = true, .qd = 1, .ar = 0xffff },
	/* question */
	{ "pointer as the whole name", 4, XDPDNS_STAT_NAME_COMPRESSED, DNSQ,
	  .special = SP_RAWQ, .raw = q_ptr_only,
	  .raw_len = sizeof(q_ptr_only) },
	{ "pointer after a label", 6, XDPDNS_STAT_NAME_COMPRESSED, DNSQ,
	  .special = SP_RAWQ, .raw = q_ptr_after_label,
	  .raw_len = sizeof(q_ptr_after_label) },
	{ "label type 0x40", 4, XDPDNS_STAT_NAME_LABEL, DNSQ,
	  .special = SP_RAWQ, .raw = q_label40, .raw_len = sizeof(q_label40) },
	{ "label type 0x80", 4, XDPDNS_STAT_NAME_LABEL, DNSQ,
	  .special = SP_RAWQ, .raw = q_label80, .raw_len = sizeof(q_label80) },
	{ "label of 64", 4, XDPDNS_STAT_NAME_LABEL, DNSQ,
	  .special = SP_LABEL64 },
	{ "label of 64 v6", 6, XDPDNS_STAT_NAME_LABEL, DNSQ,
	  .special = SP_LABEL64 },
	{ "name of 256", 4, XDPDNS_STAT_NAME_TOO_LONG, DNSQ,
	  .special = SP_NAME256 },
	{ "name of 320", 6, XDPDNS_STAT_NAME_TOO_LONG, DNSQ,
	  .special = SP_NAME320 },
	{ "name cut short", 4, XDPDNS_STAT_NAME_TRUNC, DNSQ,
	  .special = SP_QNAME_CUT },
	{ "qclass missing", 6, XDPDNS_STAT_NAME_TRUNC, DNSQ,
	  .special = SP_QCLASS_CUT },
	{ "qclass CH", 4, XDPDNS_STAT_QCLASS, DNSQ, .qclass = 3 },
	{ "qclass ANY", 6, XDPDNS_STAT_QCLASS, DNSQ, .qclass = 255 },
	{ "qclass NONE with EDNS", 4, XDPDNS_STAT_QCLASS, DNSQ, .qclass = 254,
	  .edns = true },
	/* additional section */
	{ "OPT version 1", 4, XDPDNS_STAT_OPT_VERSION, DNSQ, .edns = true,
	  .edns_version = 1 },
	{ "OPT version 255 DO", 6, XDPDNS_STAT_OPT_VERSION, DNSQ, .edns = true,
	  .edns_version = 255, .edns_do = true },
	{ "additional TXT, not OPT", 4, XDPDNS_STAT_OPT_MISSING, DNSQ,
	  .special = SP_RAWQ, .raw = q_addl_txt, .raw_len = sizeof(q_addl_txt),
	  .set_counts = true, .qd = 1, .ar = 1 },
	{ "additional A with root owner", 6, XDPDNS_STAT_OPT_MISSING, DNSQ,
	  .special = SP_RAWQ, .raw = q_addl_a_root,
	  .raw_len = sizeof(q_addl_a_root), .set_counts = true, .qd = 1,
	  .ar = 1 },
	{ "trailing byte without OPT", 4, XDPDNS_STAT_OPT_MALFORMED, DNSQ,
	  .special = SP_TRAILING },
	{ "trailing byte after OPT", 6, XDPDNS_STAT_OPT_MALFORMED, DNSQ,
	  .special = SP_OPT_TRAILING },
	{ "OPT RDLENGTH past the end", 4, XDPDNS_STAT_OPT_MALFORMED, DNSQ,
	  .special = SP_OPT_RDLEN },
	{ "OPT cut short", 4, XDPDNS_STAT_OPT_MALFORMED, DNSQ,
	  .special = SP_OPT_SHORT },
	/* well-formed, but not in the cache */
	{ "unknown name", 4, XDPDNS_STAT_MISS, DNSQ,
	  .qname = "nothere.example.com" },
	{ "unknown name v6 EDNS", 6, XDPDNS_STAT_MISS, DNSQ,
	  .qname = "NotHere.example.com", .edns = true },
	{ "other qtype", 4, XDPDNS_STAT_MISS, DNSQ, .qtype = 16 },
	{ "DO where only plain is cached", 4, XDPDNS_STAT_MISS, DNSQ,
	  .qname = "only-plain.example.com", .edns = true, .edns_do = true },
	{ "CD where only plain is cached", 6, XDPDNS_STAT_MISS, DNSQ,
	  .qname = "only-plain.example.com", .cd = true },
	{ "name with a trailing label more", 4, XDPDNS_STAT_MISS, DNSQ,
	  .qname = "www.example.com.x" },
};

/* The base query with the case's changes, finished. */
static void neg_base(const struct neg_case *c, struct pkt_query *q)
{
	memset(q, 0, sizeof(*q));
	q->family = c->family;
	q->vlans = c->vlans;
	q->dst = c->dst;
	q->dport = c->dport;
	q->v4.ihl = c->ihl;
	q->v4.options = c->ipopt;
	q->v4.options_len = c->ipopt_len;
	q->v4.frag = c->frag;
	q->v6.ext = c->ext;
	q->v6.ext_type = c->ext_type;
	q->dns.id = 0x1d1d;
	q->dns.flags = c->set_flags ? c->flags : F_RD;
	if (c->cd)
		q->dns.flags |= F_CD;
	q->dns.qname = c->qname ? c->qname : "www.example.com";
	q->dns.qtype = c->qtype ? c->qtype : 1;
	q->dns.qclass = c->qclass;
	q->dns.edns = c->edns;
	q->dns.edns_size = 1232;
	q->dns.edns_version = c->edns_version;
	q->dns.edns_do = c->edns_do;
	q->dns.edns_options = c->opts;
	q->dns.edns_options_len = c->opts_len;
}

/* Ethernet, IP and UDP of the base query, then @dns as the payload. */
static void frame_with_payload(const struct neg_case *c, struct pkt *p,
			       const uint8_t *dns, size_t dns_len)
{
	struct pkt_ipv4_opts o4 = { 0 };
	struct pkt_ipv6_opts o6 = { 0 };

	pkt_init(p);
	pkt_eth(p, NULL, NULL);
	if (c->family == 6)
		pkt_ipv6(p, &o6);
	else
		pkt_ipv4(p, &o4);
	pkt_udp(p, 40000, 53);
	p->dns_off = pkt_put(p, dns, dns_len);
	pkt_finish(p);
}

static void neg_frame(const struct neg_case *c, struct pkt *p)
{
	struct pkt_ipv4_opts o4 = { 0 };
	struct pkt_ipv6_opts o6 = { 0 };
	uint8_t dns[PKT_MAX];
	struct pkt_query q;
	char name[400];
	size_t n;

	neg_base(c, &q);
	switch (c->special) {
	case SP_RAWQ:
		frame_with_payload(c, p, NULL, 0);
		p->len = (size_t)p->dns_off;
		pkt_dns_header(p, 0x1d1d, F_RD, 1, 0, 0, 0);
		pkt_put(p, c->raw, c->raw_len);
		break;
	case SP_TCP:
	case SP_ICMP:
		pkt_init(p);
		pkt_eth(p, NULL, NULL);
		o4.proto = c->special == SP_TCP ? 6 : 1;
		pkt_ipv4(p, &o4);
		/* TCP SYN 40000 -> 53, or an echo request: 20 bytes */
		pkt_put_u16(p, c->special == SP_TCP ? 40000 : 0x0800);
		pkt_put_u16(p, 53);
		pkt_put_u32(p, 1);
		pkt_put_u32(p, 0);
		pkt_put_u16(p, 0x5002);
		pkt_put_u16(p, 0xffff);
		pkt_put_u32(p, 0);
		pkt_finish(p);
		return;
	case SP_V6_TCP:
		pkt_init(p);
		pkt_eth(p, NULL, NULL);
		o6.next = 6;
		pkt_ipv6(p, &o6);
		pkt_put_u16(p, 40000);
		pkt_put_u16(p, 53);
		pkt_put(p, NULL, 16);
		pkt_finish(p);
		return;
	case SP_ARP:
	case SP_LLDP:
		pkt_init(p);
		pkt_eth(p, NULL, NULL);
		pkt_set_type(p, c->special == SP_ARP ? PKT_ETH_P_ARP : 0x88cc);
		pkt_put(p, NULL, 46);
		return;
	case SP_LABEL64:
	case SP_NAME256:
	case SP_NAME320:
		memset(name, 0, sizeof(name));
		if (c->special == SP_LABEL64) {
			memset(name, 'a', 64);
			strcat(name, ".example.com");
		} else {
			int labels = c->special == SP_NAME256 ? 4 : 5, i;

			/* 63.63.63.62 is 256 bytes of wire name; 5x63 320 */
			for (i = 0; i < labels; i++) {
				n = strlen(name);
				memset(name + n, 'a' + i,
				       (c->special == SP_NAME256 && i == 3) ?
					       62 :
					       63);
				if (i < labels - 1)
					strcat(name, ".");
			}
		}
		q.dns.qname = name;
		pkt_query(p, &q);
		break;
	default:
		pkt_query(p, &q);
		break;
	}

	switch (c->special) {
	case SP_V4_VERSION6:
		p->buf[p->l3_off] = 0x65;
		break;
	case SP_V4_TOTLEN_LONG:
		pkt_set_u16(p, p->l3_off + 2,
			    (uint16_t)(p->len - (size_t)p->l3_off + 1));
		break;
	case SP_V4_TOTLEN_SHORT:
		pkt_set_u16(p, p->l3_off + 2, 27);
		break;
	case SP_V6_PLEN_LONG:
		pkt_set_u16(p, p->l3_off + 4,
			    (uint16_t)(p->len - (size_t)p->l3_off - 39));
		break;
	case SP_UDPLEN_LONG:
		pkt_set_u16(p, p->l4_off + 4,
			    pkt_get_u16(p->buf, p->l4_off + 4) + 1);
		break;
	case SP_UDPLEN_SHORT:
		pkt_set_u16(p, p->l4_off + 4,
			    pkt_get_u16(p->buf, p->l4_off + 4) - 1);
		break;
	case SP_UDPLEN_7:
		pkt_set_u16(p, p->l4_off + 4, 7);
		break;
	case SP_DNS_11:
	case SP_DNS_EMPTY:
		n = c->special == SP_DNS_11 ? 11 : 0;
		memcpy(dns, p->buf + p->dns_off, n);
		frame_with_payload(c, p, dns, n);
		break;
	case SP_QNAME_CUT:
		/* "\3www\7exam": the name runs past the datagram */
		pkt_truncate(p, (size_t)p->qname_off + 9);
		pkt_finish(p);
		break;
	case SP_QCLASS_CUT:
		pkt_truncate(p, p->len - 2);
		pkt_finish(p);
		break;
	case SP_TRAILING:
		pkt_put_u8(p, 0);
		pkt_finish(p);
		break;
	case SP_OPT_TRAILING:
	case SP_OPT_RDLEN:
	case SP_OPT_SHORT:
		q.dns.edns = true;
		pkt_query(p, &q);
		if (c->special == SP_OPT_TRAILING)
			pkt_put_u8(p, 0);
		else if (c->special == SP_OPT_RDLEN)
			pkt_set_u16(p, p->opt_off + 9, 4);
		else
			pkt_truncate(p, (size_t)p->opt_off + 5);
		pkt_finish(p);
		break;
	default:
		break;
	}
	if (c->set_counts) {
		pkt_dns_set_counts(p, c->qd, c->an, c->ns, c->ar);
		pkt_finish(p);
	} else if (c->special == SP_RAWQ) {
		pkt_finish(p);
	}
}

/* What every Negative case would hit if the program ignored the defect. */
static void neg_fill_cache(void)
{
	static const uint8_t flags[] = { 0, XDPDNS_KEY_DO, XDPDNS_KEY_CD,
					 XDPDNS_KEY_DO | XDPDNS_KEY_CD };
	uint64_t now = xdptest_now_ns();
	static struct cached ce;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(flags); i++)
		add_entry(&resps[R_A], flags[i], false, now, &ce);
	add_entry(&resps[R_ONLY], 0, false, now, &ce);
}

START_TEST(test_negative)
{
	const struct neg_case *c = &neg_cases[_i];
	static struct xdptest_frame_run r;
	static struct pkt p;

	NEED_ENV();
	neg_fill_cache();
	neg_frame(c, &p);
	run_frame(p.buf, p.len, &r);
	if (r.verdict != XDP_PASS)
		xdptest_hexdump(c->label, p.buf, p.len);
	expect_pass(p.buf, p.len, &r, c->stat, c->queries);
}
END_TEST

/* --- Limits -------------------------------------------------------------- */

struct trunc_case {
	const char *label;
	int family;
	int vlans;
	bool qinq;
	bool edns;
	unsigned int pad;
};

static const struct trunc_case trunc_cases[] = {
	{ "v4 plain", 4 },
	{ "v4 EDNS QinQ", 4, 2, true, true },
	{ "v6 EDNS", 6, 0, false, true },
	{ "v6 one VLAN", 6, 1 },
	{ "v4 EDNS padded", 4, 0, false, true, 16 },
};

static void trunc_query(const struct trunc_case *c, struct pkt *p)
{
	struct pkt_query q;

	query_init(&q, 0x7777, "Www.Example.Com", 1);
	query_l2(&q, c->family, c->vlans, c->qinq);
	q.dns.edns = c->edns;
	q.dns.edns_size = 1232;
	pkt_query(p, &q);
}

/* Every prefix of a valid, cached query: XDP_PASS with its layer's reason. */
START_TEST(test_trunc_prefix)
{
	const struct trunc_case *c = &trunc_cases[_i];
	size_t len, ip_hlen = c->family == 4 ? 20 : 40;
	struct xdptest_expect x = { .id = 0x7777,
				    .qflags = F_RD,
				    .edns = c->edns };
	static struct xdptest_frame_run r;
	static struct cached ce;
	static struct pkt p;
	unsigned int want;
	uint32_t verdict;
	size_t out_len;

	NEED_ENV();
	neg_fill_cache();
	/* again, to keep the response and the entry the whole frame hits */
	add_entry(&resps[R_A], 0, false, xdptest_now_ns(), &ce);
	trunc_query(c, &p);
	for (len = 0; len < p.len; len++) {
		if (len < 14) {
			/* The kernel refuses these before the program runs. */
			ck_assert_int_eq(xdptest_run(&T, p.buf, len, r.out,
						     &out_len, &verdict),
					 -EINVAL);
			continue;
		}
		if (len < (size_t)p.l3_off)
			want = XDPDNS_STAT_TRUNC_L2;
		else if (len < (size_t)p.l3_off + ip_hlen)
			want = XDPDNS_STAT_TRUNC_L3;
		else if (len < (size_t)p.l4_off + 8)
			want = XDPDNS_STAT_TRUNC_UDP;
		else
			want = c->family == 4 ? XDPDNS_STAT_IPV4_LEN :
						XDPDNS_STAT_IPV6_LEN;
		run_frame(p.buf, len, &r);
		if (r.verdict != XDP_PASS)
			fprintf(stderr, "%s: prefix of %zu bytes\n", c->label,
				len);
		expect_pass(p.buf, len, &r, want, false);
	}
	run_frame(p.buf, p.len, &r);
	expect_hit(&p, &r, &ce, &x);
}
END_TEST

/*
 * Every prefix of the DNS payload with IP and UDP lengths made to match (and
 * Ethernet padding after the datagram when the case has it): the program
 * must stop at the UDP length, never at the end of the frame.
 */
START_TEST(test_trunc_dns)
{
	const struct trunc_case *c = &trunc_cases[_i];
	static struct pkt p, cut;
	static struct xdptest_frame_run r;
	size_t dlen, full, ql;
	unsigned int want;

	NEED_ENV();
	neg_fill_cache();
	trunc_query(c, &p);
	full = p.len - (size_t)p.dns_off;
	ql = (size_t)(p.qname_off - p.dns_off) +
	     name_wire_len("Www.Example.Com");
	for (dlen = 0; dlen < full; dlen++) {
		cut = p;
		pkt_truncate(&cut, (size_t)cut.dns_off + dlen);
		pkt_finish(&cut);
		if (c->pad) {
			pkt_put(&cut, NULL, c->pad);
			/* padding that reads as root label, type A, class IN */
			memcpy(cut.buf + cut.len - c->pad,
			       "\0\0\1\0\1\0\0\51\4\320\0\0\0\0\0\0", c->pad);
		}
		if (dlen < 12)
			want = XDPDNS_STAT_TRUNC_DNS;
		else if (dlen < ql + 4)
			want = XDPDNS_STAT_NAME_TRUNC;
		else
			want = XDPDNS_STAT_OPT_MALFORMED;
		run_frame(cut.buf, cut.len, &r);
		if (r.verdict != XDP_PASS)
			fprintf(stderr, "%s: DNS payload of %zu bytes\n",
				c->label, dlen);
		expect_pass(cut.buf, cut.len, &r, want, true);
	}
}
END_TEST

struct size_case {
	const char *label;
	const char *qname;
	size_t total; /* response size the entry is made for */
	bool sized_with_opt;
	bool edns; /* the query's */
	uint16_t edns_size;
	bool served;
};

static const struct size_case size_cases[] = {
	{ "512 plain", "p512.example.com.", 512, false, false, 0, true },
	{ "513 plain", "p513.example.com.", 513, false, false, 0, false },
	{ "1232 EDNS 1232", "e1232.example.com.", 1232, true, true, 1232,
	  true },
	{ "1232 EDNS 1231", "e1232.example.com.", 1232, true, true, 1231,
	  false },
	{ "1232 EDNS 512", "e1232.example.com.", 1232, true, true, 512, false },
	{ "1232 EDNS 4096", "e1232.example.com.", 1232, true, true, 4096,
	  true },
	{ "1232 without EDNS", "e1232.example.com.", 1232, true, false, 0,
	  false },
	{ "512 EDNS 100 (counts as 512)", "e512.example.com.", 512, true, true,
	  100, true },
	{ "512 EDNS 0 (counts as 512)", "e512.example.com.", 512, true, true, 0,
	  true },
	{ "513 EDNS 100", "e513.example.com.", 513, true, true, 100, false },
	/* XDPDNS_EDNS_SIZE_DEFAULT is "the largest we ever send" */
	{ "1233 EDNS 4096", "e1233.example.com.", 1233, true, true, 4096,
	  false },
	{ "full entry EDNS 65535", "full.example.com.",
	  12 + 18 + 4 + XDPDNS_DATA_MAX + 11, true, true, 65535, false },
};

START_TEST(test_size)
{
	const struct size_case *c = &size_cases[_i];
	struct xdptest_expect x = { .id = 0x5151,
				    .qflags = F_RD,
				    .edns = c->edns };
	static struct xdptest_frame_run r;
	static struct cached ce;
	static struct pkt p;
	struct pkt_query q;

	NEED_ENV();
	sized_entry(c->qname, c->total, c->sized_with_opt, 0, xdptest_now_ns(),
		    &ce);
	query_init(&q, 0x5151, c->qname, LDNS_RR_TYPE_TXT);
	q.dns.edns = c->edns;
	q.dns.edns_size = c->edns_size;
	send_query(&q, &p, &r);
	if (!c->served) {
		expect_pass(p.buf, p.len, &r, XDPDNS_STAT_TOO_BIG, true);
		return;
	}
	expect_hit(&p, &r, &ce, &x);
	ck_assert_uint_eq(r.out_len - (size_t)p.dns_off,
			  c->total - (c->sized_with_opt && !c->edns ? 11 : 0));
}
END_TEST

static void long_name(char *buf, int last)
{
	int i;

	buf[0] = 0;
	for (i = 0; i < 4; i++) {
		size_t n = strlen(buf);

		memset(buf + n, i & 1 ? 'B' : 'a', i == 3 ? (size_t)last : 63);
		buf[n + (i == 3 ? (size_t)last : 63)] = 0;
		strcat(buf, ".");
	}
}

/* A 255-byte name (63.63.63.61) and a 63-byte label are served. */
START_TEST(test_name_max)
{
	static char name[300], rr[400], lower[300];
	const char *an[] = { rr, NULL };
	struct resp_spec s = { .qname = lower, .qtype = "A", .an = an };
	struct xdptest_expect x = { .id = 0x2552, .qflags = F_RD, .edns = _i };
	static struct xdptest_frame_run r;
	static struct cached ce;
	static struct pkt p;
	struct pkt_query q;
	size_t i;

	NEED_ENV();
	long_name(name, _i ? 61 : 20);
	ck_assert_uint_eq(name_wire_len(name), _i ? 255u : 214u);
	snprintf(rr, sizeof(rr), "%s 300 IN A 192.0.2.%d", name, 200 + _i);
	for (i = 0; name[i]; i++)
		lower[i] = (char)(name[i] | 0x20);
	lower[i] = 0;
	add_entry(&s, 0, false, xdptest_now_ns(), &ce);
	query_init(&q, 0x2552, name, 1); /* mixed case */
	q.family = _i ? 6 : 4;
	q.dns.edns = _i;
	q.dns.edns_size = 1232;
	send_query(&q, &p, &r);
	expect_hit(&p, &r, &ce, &x);
}
END_TEST

/* Stale entries are passed; fresh ones right up to expire_ns are served. */
START_TEST(test_expired)
{
	struct cache_entry_query cq = { .edns_size = 1232 };
	uint64_t now = xdptest_now_ns();
	static struct xdptest_frame_run r;
	static uint8_t buf[4096];
	static struct cached ce;
	static struct pkt p;
	struct pkt_query q;

	NEED_ENV();
	add_entry(&resps[R_A], 0, false, now - 400 * NS_PER_S, &ce);
	/* the builder's expiry: stored + smallest TTL, already past */
	ck_assert_uint_eq(ce.entry.expire_ns, now - 100 * NS_PER_S);
	if (_i == 1) {
		/* just stale, for a clock XDPTEST_CLOCK_LAG_NS behind too */
		ce.entry.expire_ns = now - XDPTEST_CLOCK_LAG_NS - 1;
		ck_assert_int_eq(xdptest_cache_put(&T, &ce.key, &ce.entry), 0);
	}
	query_init(&q, 0xdead, "www.example.com", 1);
	send_query(&q, &p, &r);
	expect_pass(p.buf, p.len, &r, XDPDNS_STAT_EXPIRED, true);

	/* the oracle agrees */
	cq.msg = p.buf + p.dns_off;
	cq.len = p.len - (size_t)p.dns_off;
	cq.now_ns = r.t1;
	errno = 0;
	ck_assert_int_eq(cache_entry_render(&ce.entry, &cq, buf, sizeof(buf)),
			 -1);
	ck_assert_int_eq(errno, ESTALE);
}
END_TEST

/*
 * The index is keyed by a hash of the name; the slot's own copy of the
 * name decides. An entry under the query's map key whose name differs (a
 * hash collision, planted with cachemap_write_raw()) is a miss, whichever
 * word differs, and so is an entry hashed with another key. Case 0 plants
 * the same way with the right name and must hit.
 */
START_TEST(test_name_mismatch)
{
	struct xdptest_expect x = { .id = 0xc011, .qflags = F_RD };
	struct xdpdns_hash_key hk = xdptest_hash_key(&T);
	struct cachemap *cm = xdptest_cachemap(&T);
	uint8_t qname[XDPDNS_QNAME_BUF] = { 0 };
	static struct xdptest_frame_run r;
	struct xdpdns_cache_mkey mk;
	static struct cached ce;
	static struct pkt p;
	struct pkt_query q;

	NEED_ENV();
	ck_assert_ptr_nonnull(cm);
	add_entry(&resps[R_A], 0, false, xdptest_now_ns(), &ce);
	ck_assert_int_eq(xdptest_cache_del(&T, &ce.key), 0);
	if (_i == 3)
		hk.k1 ^= 1;
	ck_assert_int_eq(xdpdns_cache_mkey_from_key(&hk, &ce.key, &mk), 0);
	ck_assert_uint_eq(mk.qname_len, 17); /* 3www7example3com0 */
	memcpy(qname, ce.key.qname, mk.qname_len);
	if (_i == 1)
		qname[1] = 'x'; /* first word */
	else if (_i == 2)
		qname[15] = 'n'; /* last word: "con" */
	ck_assert_int_eq(cachemap_write_raw(cm, &mk, qname, &ce.entry,
					    xdptest_now_ns()),
			 0);

	query_init(&q, 0xc011, "www.example.com", 1);
	send_query(&q, &p, &r);
	if (_i == 0) {
		expect_hit(&p, &r, &ce, &x);
		return;
	}
	expect_pass(p.buf, p.len, &r, XDPDNS_STAT_MISS, true);
}
END_TEST

/*
 * TTLs decay by whole seconds and stop at 0: an entry stored 400 s ago with
 * TTL 300 whose expiry was pushed into the future is served with TTL 0.
 */
START_TEST(test_ttl_floor)
{
	struct xdptest_expect x = { .id = 0x0f0f, .qflags = F_RD };
	uint64_t now = xdptest_now_ns();
	static struct xdptest_frame_run r;
	static struct cached ce;
	static struct pkt p;
	struct pkt_query q;
	ldns_pkt *got = NULL;
	size_t i;

	NEED_ENV();
	/* 400 s ago for a clock up to XDPTEST_CLOCK_LAG_NS behind too */
	add_entry(&resps[R_MULTI], 0, false,
		  now - 400 * NS_PER_S - XDPTEST_CLOCK_LAG_NS, &ce);
	ce.entry.expire_ns = now + 60 * NS_PER_S;
	ck_assert_int_eq(xdptest_cache_put(&T, &ce.key, &ce.entry), 0);
	query_init(&q, 0x0f0f, "multi.example.com", 1);
	send_query(&q, &p, &r);
	expect_hit(&p, &r, &ce, &x);
	ck_assert_int_eq(ldns_wire2pkt(&got, r.out + p.dns_off,
				       r.out_len - (size_t)p.dns_off),
			 LDNS_STATUS_OK);
	for (i = 0; i < ldns_pkt_ancount(got); i++)
		ck_assert_uint_eq(
			ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(got), i)),
			0);
	/* 3600 - 400 and 7200 - 400 in the additional section */
	ck_assert_uint_eq(
		ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_additional(got), 0)),
		3200);
	ck_assert_uint_eq(
		ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_additional(got), 1)),
		6800);
	ldns_pkt_free(got);
}
END_TEST

/* Hits are counted in the entry and in the breakdown, once per answer. */
START_TEST(test_hits)
{
	struct xdptest_expect x = { .qflags = F_RD,
				    .edns = true,
				    .edns_do = true };
	static struct xdptest_frame_run r;
	struct xdpdns_cache_entry after;
	struct xdpdns_stats s0, s1;
	static struct cached ce;
	static struct pkt p;
	struct pkt_query q;
	int i;

	NEED_ENV();
	add_entry(&resps[R_NXDOMAIN], XDPDNS_KEY_DO, false, xdptest_now_ns(),
		  &ce);
	query_init(&q, 0, "nx.example.com", 1);
	q.family = 6;
	q.dns.edns = true;
	q.dns.edns_size = 1232;
	q.dns.edns_do = true;
	ck_assert_int_eq(xdptest_stats(&T, &s0), 0);
	for (i = 0; i < 3; i++) {
		q.dns.id = (uint16_t)(0x100 + i);
		x.id = q.dns.id;
		send_query(&q, &p, &r);
		expect_hit(&p, &r, &ce, &x);
	}
	ck_assert_int_eq(xdptest_stats(&T, &s1), 0);
	ck_assert_int_eq(xdptest_cache_get(&T, &ce.key, &after), 0);
	ck_assert_uint_eq(after.hits, 3);
	ck_assert_uint_eq(s1.hit - s0.hit, 3);
	ck_assert_uint_eq(s1.answer_rcode[3] - s0.answer_rcode[3], 3);
	ck_assert_uint_eq(s1.answer_qtype[1] - s0.answer_qtype[1], 3);
}
END_TEST

/*
 * A stale answer (serve-stale): the daemon's stale copy of an expired
 * entry, every TTL 30, is served byte for byte as the renderer makes it,
 * counted as a hit and as stale; a fresh entry never counts stale (every
 * other hit test checks that through check_counters()).
 */
START_TEST(test_stale)
{
	uint64_t now = xdptest_now_ns();
	static struct xdptest_frame_run r;
	static struct cached ce;
	static struct pkt p;
	struct pkt_query q;
	ldns_pkt *got = NULL;
	const __u64 *b, *a;
	char why[512];

	NEED_ENV();
	add_entry(&resps[R_MULTI], 0, false, now - 4000 * NS_PER_S, &ce);
	cache_entry_stale(&ce.entry, 30, now, &ce.entry);
	ck_assert_int_eq(xdptest_cache_put(&T, &ce.key, &ce.entry), 0);
	query_init(&q, 0x57a1, "multi.example.com", 1);
	send_query(&q, &p, &r);
	ck_assert_msg(r.verdict == XDP_TX, "verdict %s, want XDP_TX",
		      xdptest_verdict_name(r.verdict));
	/* Byte for byte the renderer's answer from the stale copy (the
	 * original response's TTLs no longer apply). */
	if (xdptest_check_answer(p.buf, p.len, r.out, r.out_len, &ce.entry,
				 r.t0, r.t1, why, sizeof(why)))
		ck_abort_msg("answer: %s", why);
	b = (const __u64 *)&r.before;
	a = (const __u64 *)&r.after;
	ck_assert_uint_eq(a[XDPDNS_STAT_HIT] - b[XDPDNS_STAT_HIT], 1);
	ck_assert_uint_eq(a[XDPDNS_STAT_STALE] - b[XDPDNS_STAT_STALE], 1);
	ck_assert_int_eq(ldns_wire2pkt(&got, r.out + p.dns_off,
				       r.out_len - (size_t)p.dns_off),
			 LDNS_STATUS_OK);
	for (size_t i = 0; i < ldns_pkt_ancount(got); i++)
		ck_assert_uint_eq(
			ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(got), i)),
			30);
	ldns_pkt_free(got);
}
END_TEST

/*
 * Slots that fail the program's sanity checks (cache_entry_render() makes
 * the same ones), corrupted in place after a good write: data_len past the
 * class's body, rr_count past its TTL offsets (the section counts raised to
 * match), a section count that does not add up to rr_count are passed up
 * (bad_entry), never served. A TTL offset past data_len is only found in
 * the TTL loop, after the frame became the reply: dropped (bad_entry).
 */
START_TEST(test_bad_entry)
{
	struct xdpdns_hash_key hk = xdptest_hash_key(&T);
	struct cachemap *cm = xdptest_cachemap(&T);
	static struct xdptest_frame_run r;
	struct xdpdns_cache_mkey mk;
	struct xdpdns_slot_hdr *h;
	static struct cached ce;
	static struct pkt p;
	struct pkt_query q;
	__u16 *ttl_off;
	int k;
	static const char *const what[] = {
		"data_len past the body", "rr_count past the TTL offsets",
		"TTL offset past data_len",
		"rr_count != ancount + nscount + arcount"
	};

	NEED_ENV();
	ck_assert_ptr_nonnull(cm);
	add_entry(&resps[R_MULTI], 0, false, xdptest_now_ns(), &ce);
	ck_assert_int_eq(xdpdns_cache_mkey_from_key(&hk, &ce.key, &mk), 0);
	k = cachemap_class_of(&ce.entry, mk.qname_len);
	ck_assert_int_ge(k, 0);
	h = cachemap_slot_of(cm, &ce.key, &ttl_off);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->rr_count, ce.entry.rr_count);
	switch (_i) {
	case 0:
		h->data_len = (__u16)(cachemap_classes[k].body_len + 1);
		break;
	case 1:
		h->arcount +=
			(__u16)(cachemap_classes[k].rrs + 1 - h->rr_count);
		h->rr_count = (__u16)(cachemap_classes[k].rrs + 1);
		break;
	case 2:
		ttl_off[h->rr_count - 1] = (__u16)(h->data_len - 2);
		break;
	case 3:
		h->ancount++;
		break;
	}
	query_init(&q, 0xbad0, "multi.example.com", 1);
	send_query(&q, &p, &r);
	if (_i == 2) {
		ck_assert_msg(r.verdict == XDP_DROP,
			      "bad entry (%s): %s, want XDP_DROP", what[_i],
			      xdptest_verdict_name(r.verdict));
		check_counters(&r, XDPDNS_STAT_BAD_ENTRY, true, -1, -1);
		return;
	}
	if (r.verdict != XDP_PASS)
		fprintf(stderr, "bad entry (%s): %s\n", what[_i],
			xdptest_verdict_name(r.verdict));
	expect_pass(p.buf, p.len, &r, XDPDNS_STAT_BAD_ENTRY, true);
}
END_TEST

/*
 * The live configuration is honoured: another port, a removed service
 * address, another advertised EDNS size. Results are taken before the map
 * is restored, assertions after, so a failure cannot leave it changed.
 */
START_TEST(test_config)
{
	struct xdptest_expect x = { .id = 0xc0f1, .qflags = F_RD };
	struct xdpdns_config cfg = xdptest_config();
	struct xdpdns_svc_key k4 = { .family = 4 };
	static struct xdptest_frame_run r1, r2, r3, r4;
	static struct pkt p53, p5353, pedns;
	static struct cached ce;
	struct pkt_query q;
	__u32 one = 1;

	NEED_ENV();
	add_entry(&resps[R_A], 0, false, xdptest_now_ns(), &ce);
	query_init(&q, 0xc0f1, "www.example.com", 1);
	pkt_query(&p53, &q);
	q.dport = 5353;
	pkt_query(&p5353, &q);
	q.dport = 0;
	q.dns.edns = true;
	q.dns.edns_size = 1232;
	pkt_query(&pedns, &q);
	inet_pton(AF_INET, PKT_SERVER4, k4.addr);

	cfg.port = 5353;
	ck_assert_int_eq(xdptest_set_config(&T, &cfg), 0);
	run_frame(p53.buf, p53.len, &r1);
	run_frame(p5353.buf, p5353.len, &r2);
	cfg.port = 53;
	cfg.edns_size = 4096;
	xdptest_set_config(&T, &cfg);
	run_frame(pedns.buf, pedns.len, &r3);
	cfg = xdptest_config();
	xdptest_set_config(&T, &cfg);
	bpf_map_delete_elem(T.svc_fd, &k4);
	run_frame(p53.buf, p53.len, &r4);
	ck_assert_int_eq(bpf_map_update_elem(T.svc_fd, &k4, &one, BPF_ANY), 0);

	expect_pass(p53.buf, p53.len, &r1, XDPDNS_STAT_NOT_FOR_US, false);
	expect_hit(&p5353, &r2, &ce, &x);
	ck_assert_uint_eq(pkt_get_u16(r2.out, p5353.l4_off), 5353);
	ck_assert_msg(r3.verdict == XDP_TX, "EDNS 4096: verdict %s",
		      xdptest_verdict_name(r3.verdict));
	/* OPT class is the configured size */
	ck_assert_uint_eq(pkt_get_u16(r3.out, (int)r3.out_len - 8), 4096);
	/*
	 * xdptest_check_answer() renders for XDPTEST_EDNS_SIZE, so this one is
	 * checked by libldns only, against the configured size.
	 */
	x.edns = true;
	x.edns_size = 4096;
	x.resp = ce.wire;
	x.resp_len = (size_t)ce.wire_len;
	x.stored_ns = ce.entry.stored_ns;
	check_ldns(&pedns, &r3, &x);
	expect_pass(p53.buf, p53.len, &r4, XDPDNS_STAT_NOT_FOR_US, false);
}
END_TEST

/* --- suite --------------------------------------------------------------- */

void xdp_tcases(Suite *s)
{
	static const struct cktest_opts o = { 30, env_setup },
					o_long = { 60, env_setup };

	CKTEST_TCASE(s, "Positive", &o, CKTEST_TABLE(test_positive, pos_cases),
		     CKTEST_LOOP(test_name_max, 2), CKTEST(test_hits),
		     CKTEST(test_stale));
	CKTEST_TCASE(s, "Negative", &o, CKTEST_TABLE(test_negative, neg_cases),
		     CKTEST_LOOP(test_expired, 2),
		     CKTEST_LOOP(test_bad_entry, 4),
		     CKTEST_LOOP(test_name_mismatch, 4));
	CKTEST_TCASE(s, "Limits", &o_long,
		     CKTEST_TABLE(test_trunc_prefix, trunc_cases),
		     CKTEST_TABLE(test_trunc_dns, trunc_cases),
		     CKTEST_TABLE(test_size, size_cases),
		     CKTEST(test_ttl_floor), CKTEST(test_config));
}
