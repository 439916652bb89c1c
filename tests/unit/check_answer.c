// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's own query parser and response encoder (userspace/answer.c,
 * linked from libxdpdnsd.a): every verdict of dnsmsg_parse_query() with the
 * fields it fills, the error responses, and answer_encode() checked with
 * libldns as the independent parser: every RR of the response against the
 * upstream's, names compressed (exact lengths and pointer bytes), DNSSEC
 * records only for DO, flags, whole-RRset truncation with TC=1 at
 * min(client EDNS size floored at 512, our --edns-size) or 65535 over TCP,
 * and our OPT record with our size and the client's DO bit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "maps/xdpdns.h"
#include "suites.h"
#include "tests/lib/ldnsexpect.h"
#include "userspace/answer.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define QID 0xbeef
#define F_RD DNS_F_RD

/* --- a raw query builder, independent of the code under test ----------- */

/* "a.b." (no escapes) in wire form at @p. Return: its length. */
static size_t put_name(uint8_t *p, const char *text)
{
	size_t n = 0;

	while (*text && strcmp(text, ".")) {
		const char *dot = strchr(text, '.');
		size_t l = dot ? (size_t)(dot - text) : strlen(text);

		p[n++] = l;
		memcpy(p + n, text, l);
		n += l;
		text += l + (dot ? 1 : 0);
	}
	p[n++] = 0;
	return n;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* A query: header, one question, an OPT record when @edns is not 0. */
struct qspec {
	uint16_t flags;
	uint16_t qd, an, ns, ar; /* 0,0,0,0: 1 and arcount from the OPT */
	const char *qname; /* NULL: none written */
	uint16_t qtype, qclass;
	uint16_t edns; /* OPT UDP size; 0: no OPT */
	uint8_t edns_ver;
	bool edns_do;
	uint16_t opt_rdlen; /* claimed; opt_data bytes follow */
	uint16_t opt_data;
};

/* Queries in the tables: plain, with EDNS, with header counts of their own. */
#define Q(f, name, type)                                       \
	{                                                      \
		.flags = (f), .qname = (name), .qtype = (type) \
	}
#define QE(f, name, type, size, ver, do_)                           \
	{                                                           \
		.flags = (f), .qname = (name), .qtype = (type),     \
		.edns = (size), .edns_ver = (ver), .edns_do = (do_) \
	}
#define QC(f, qd_, an_, ns_, ar_, name)                              \
	{                                                            \
		.flags = (f), .qd = (qd_), .an = (an_), .ns = (ns_), \
		.ar = (ar_), .qname = (name), .qtype = 1             \
	}

static size_t build_query(uint8_t *m, const struct qspec *s)
{
	bool counts = s->qd || s->an || s->ns || s->ar;
	size_t n = 12;

	memset(m, 0, 12);
	put16(m, QID);
	put16(m + 2, s->flags);
	put16(m + 4, counts ? s->qd : 1);
	put16(m + 6, s->an);
	put16(m + 8, s->ns);
	put16(m + 10, counts ? s->ar : s->edns ? 1 : 0);
	if (s->qname) {
		n += put_name(m + n, s->qname);
		put16(m + n, s->qtype);
		put16(m + n + 2, s->qclass ? s->qclass : 1);
		n += 4;
	}
	if (s->edns) {
		m[n] = 0;
		put16(m + n + 1, 41);
		put16(m + n + 3, s->edns);
		m[n + 5] = 0;
		m[n + 6] = s->edns_ver;
		m[n + 7] = s->edns_do ? 0x80 : 0;
		m[n + 8] = 0;
		put16(m + n + 9, s->opt_rdlen);
		n += 11;
		memset(m + n, 0, s->opt_data);
		n += s->opt_data;
	}
	return n;
}

/* --- dnsmsg_parse_query() ------------------------------------------------ */

/* The first PARSE_POSITIVE cases are resolved, the others not. */
#define PARSE_POSITIVE 11
/* The verdict and what was read: EDNS, DO, UDP size, the question. */
#define RESOLVED(e, d, size) NOT_RESOLVED(DNSMSG_RESOLVE, e, d, size)
#define NOT_RESOLVED(v, e, d, size)                                      \
	.verdict = (v), .edns = (e), .edns_do = (d), .udp_size = (size), \
	.question = true

static const struct parse_case {
	const char *what;
	struct qspec q;
	size_t cut; /* bytes taken off the end */
	int verdict;
	bool edns, edns_do;
	uint16_t udp_size;
	bool question; /* question_len filled */
} parse_cases[] = {
	{ "plain", Q(F_RD, "WwW.ExAmPle.", 1), RESOLVED(false, false, 512) },
	{ "edns 4096 DO", QE(F_RD, "a.example.", 28, 4096, 0, true),
	  RESOLVED(true, true, 4096) },
	{ "edns 1232, no DO", QE(F_RD, "a.example.", 1, 1232, 0, false),
	  RESOLVED(true, false, 1232) },
	{ "edns 100 floored", QE(F_RD, "a.example.", 1, 100, 0, false),
	  RESOLVED(true, false, 512) },
	{ "edns 513", QE(F_RD, "a.example.", 1, 513, 0, false),
	  RESOLVED(true, false, 513) },
	{ "edns with an option",
	  { F_RD, .qname = "a.example.", .qtype = 1, .edns = 1400,
	    .opt_rdlen = 4, .opt_data = 4 },
	  RESOLVED(true, false, 1400) },
	{ "CD and AD kept", Q(F_RD | DNS_F_CD | DNS_F_AD, "a.example.", 1),
	  RESOLVED(false, false, 512) },
	{ "ANY", Q(F_RD, "a.example.", 255), RESOLVED(false, false, 512) },
	{ "type 127", Q(F_RD, "a.example.", 127), RESOLVED(false, false, 512) },
	{ "root name", Q(F_RD, ".", 2), RESOLVED(false, false, 512) },
	/* arcount 1 but no OPT: nothing to read, not an error. */
	{ "arcount 1, no record", QC(F_RD, 1, 0, 0, 1, "a.example."),
	  RESOLVED(false, false, 512) },

	{ "response", Q(DNS_F_QR | F_RD, "a.example.", 1),
	  .verdict = DNSMSG_DROP },
	{ "11 bytes", QC(F_RD, 1, 0, 0, 0, NULL), .cut = 1,
	  .verdict = DNSMSG_DROP },
	{ "opcode STATUS", Q((2 << 11) | F_RD, "a.example.", 1),
	  .verdict = DNSMSG_NOTIMP },
	{ "opcode NOTIFY", Q(4 << 11, "a.example.", 6),
	  .verdict = DNSMSG_NOTIMP },
	{ "qdcount 0", QC(F_RD, 0, 0, 0, 1, NULL), .verdict = DNSMSG_FORMERR },
	{ "qdcount 2", QC(F_RD, 2, 0, 0, 0, "a.example."),
	  .verdict = DNSMSG_FORMERR },
	{ "ancount 1", QC(F_RD, 1, 1, 0, 0, "a.example."),
	  .verdict = DNSMSG_FORMERR },
	{ "nscount 1", QC(F_RD, 1, 0, 1, 0, "a.example."),
	  .verdict = DNSMSG_FORMERR },
	{ "arcount 2", QC(F_RD, 1, 0, 0, 2, "a.example."),
	  .verdict = DNSMSG_FORMERR },
	{ "name cut", Q(F_RD, "a.example.", 1), .cut = 6,
	  .verdict = DNSMSG_FORMERR },
	{ "class cut", Q(F_RD, "a.example.", 1), .cut = 1,
	  .verdict = DNSMSG_FORMERR },
	/* The question is read by then; EDNS is not taken. */
	{ "OPT rdata cut",
	  { F_RD, .qname = "a.example.", .qtype = 1, .edns = 1232,
	    .opt_rdlen = 4, .opt_data = 4 },
	  .cut = 1,
	  NOT_RESOLVED(DNSMSG_FORMERR, false, false, 512) },
	{ "EDNS version 1", QE(F_RD, "a.example.", 1, 1232, 1, false),
	  NOT_RESOLVED(DNSMSG_BADVERS, true, false, 1232) },
	{ "EDNS version 1, DO", QE(F_RD, "a.example.", 1, 4096, 1, true),
	  NOT_RESOLVED(DNSMSG_BADVERS, true, true, 4096) },
	{ "RD clear", Q(0, "a.example.", 1),
	  NOT_RESOLVED(DNSMSG_REFUSED, false, false, 512) },
	{ "AXFR", Q(F_RD, "example.", 252),
	  NOT_RESOLVED(DNSMSG_REFUSED, false, false, 512) },
	{ "IXFR", Q(F_RD, "example.", 251),
	  NOT_RESOLVED(DNSMSG_REFUSED, false, false, 512) },
	{ "qtype OPT", Q(F_RD, "a.example.", 41),
	  NOT_RESOLVED(DNSMSG_FORMERR, false, false, 512) },
	{ "qtype TKEY", Q(F_RD, "a.example.", 249),
	  NOT_RESOLVED(DNSMSG_FORMERR, false, false, 512) },
	{ "qtype TSIG", Q(F_RD, "a.example.", 250),
	  NOT_RESOLVED(DNSMSG_FORMERR, false, false, 512) },
	{ "qtype MAILB", Q(F_RD, "a.example.", 253),
	  NOT_RESOLVED(DNSMSG_FORMERR, false, false, 512) },
	{ "qtype MAILA", Q(F_RD, "a.example.", 254),
	  NOT_RESOLVED(DNSMSG_FORMERR, false, false, 512) },
	{ "qtype 128", Q(F_RD, "a.example.", 128),
	  NOT_RESOLVED(DNSMSG_FORMERR, false, false, 512) },
	{ "qtype 248", Q(F_RD, "a.example.", 248),
	  NOT_RESOLVED(DNSMSG_FORMERR, false, false, 512) },
};

START_TEST(test_parse_query)
{
	const struct parse_case *c = &parse_cases[_i];
	uint8_t m[512], want[DNS_NAME_MAX];
	struct dnsmsg_query q;
	size_t len = build_query(m, &c->q) - c->cut, wn = 0;
	int v;

	/* The table's split into Positive and Negative is by verdict. */
	ck_assert((_i < PARSE_POSITIVE) == (c->verdict == DNSMSG_RESOLVE));
	memset(&q, 0xa5, sizeof(q));
	v = dnsmsg_parse_query(m, len, &q);
	ck_assert_msg(v == c->verdict, "%s: verdict %d, want %d", c->what, v,
		      c->verdict);
	ck_assert_ptr_eq(q.msg, m);
	ck_assert_uint_eq(q.len, len);
	if (c->verdict == DNSMSG_DROP)
		return;
	ck_assert_uint_eq(q.id, QID);
	ck_assert_uint_eq(q.flags, c->q.flags);
	ck_assert_msg(q.edns == c->edns, "%s: edns", c->what);
	ck_assert_msg(q.edns_do == c->edns_do, "%s: DO", c->what);
	if (c->udp_size)
		ck_assert_uint_eq(q.udp_size, c->udp_size);
	if (!c->question) {
		ck_assert_msg(q.question_len == 0, "%s: question_len %zu",
			      c->what, q.question_len);
		return;
	}
	/* The name lower-cased, type and class as sent. */
	{
		char lower[DNS_NAME_MAX];
		size_t i;

		for (i = 0; c->q.qname[i]; i++)
			lower[i] = c->q.qname[i] >= 'A' &&
						   c->q.qname[i] <= 'Z' ?
					   c->q.qname[i] + 32 :
					   c->q.qname[i];
		lower[i] = '\0';
		wn = put_name(want, lower);
	}
	ck_assert_uint_eq(q.qname_len, wn);
	ck_assert_mem_eq(q.qname, want, wn);
	ck_assert_uint_eq(q.qtype, c->q.qtype);
	ck_assert_uint_eq(q.qclass, c->q.qclass ? c->q.qclass : 1);
	ck_assert_uint_eq(q.question_len, wn + 4);
}
END_TEST

/* Names at the length limits: 255 bytes is a name, 256 and label 64 not. */
START_TEST(test_parse_name_limits)
{
	static const struct {
		unsigned int labels[5];
		int verdict;
	} cases[] = {
		{ { 63, 63, 63, 61 }, DNSMSG_RESOLVE }, /* 255 bytes */
		{ { 63, 63, 63, 62 }, DNSMSG_FORMERR }, /* 256 */
		{ { 63 }, DNSMSG_RESOLVE },
		{ { 64 }, DNSMSG_FORMERR }, /* 0x40: reserved label type */
	};
	uint8_t m[600];
	struct dnsmsg_query q;
	size_t n = 12;

	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		memset(m, 0, 12);
		put16(m, QID);
		put16(m + 2, F_RD);
		put16(m + 4, 1);
		n = 12;
		for (int l = 0; cases[c].labels[l]; l++) {
			m[n++] = cases[c].labels[l];
			memset(m + n, 'x', cases[c].labels[l]);
			n += cases[c].labels[l];
		}
		m[n++] = 0;
		put16(m + n, 1);
		put16(m + n + 2, 1);
		n += 4;
		ck_assert_int_eq(dnsmsg_parse_query(m, n, &q),
				 cases[c].verdict);
		if (cases[c].verdict == DNSMSG_RESOLVE)
			ck_assert_uint_eq(q.qname_len, n - 12 - 4);
	}
}
END_TEST

/* A compression pointer in the question is a FORMERR. */
START_TEST(test_parse_pointer_in_question)
{
	static const uint8_t m[] = { 0xbe, 0xef, 0x01, 0x00, 0,	   1, 0, 0, 0,
				     0,	   0,	 0,    0xc0, 0x0c, 0, 1, 0, 1 };
	struct dnsmsg_query q;

	ck_assert_int_eq(dnsmsg_parse_query(m, sizeof(m), &q), DNSMSG_FORMERR);
}
END_TEST

/* --- answer_error() ------------------------------------------------------ */

static const struct error_case {
	const char *what;
	struct qspec q;
	unsigned int rcode;
	uint16_t edns_size; /* ours */
	bool question;
	uint16_t opcode;
} error_cases[] = {
	{ "FORMERR, no question", QC(F_RD, 1, 0, 0, 0, NULL), 1, 1232, false },
	{ "FORMERR qtype OPT, EDNS", QE(F_RD, "A.example.", 41, 4096, 0, true),
	  1, 1232, true },
	{ "NOTIMP keeps the opcode", Q((2 << 11) | F_RD, "a.example.", 1), 4,
	  1232, false, 2 },
	{ "REFUSED RD clear", Q(0, "a.Example.", 1), 5, 512, true },
	{ "REFUSED AXFR, EDNS",
	  QE(F_RD | DNS_F_CD, "example.", 252, 1232, 0, false), 5, 4096, true },
	{ "BADVERS", QE(F_RD, "a.example.", 1, 1232, 1, true),
	  DNS_RCODE_BADVERS, 1232, true },
	{ "SERVFAIL", QE(F_RD, "a.example.", 1, 1232, 0, false), 2, 1400,
	  true },
};

START_TEST(test_error_response)
{
	const struct error_case *c = &error_cases[_i];
	uint8_t m[512], out[ANSWER_MAX];
	struct dnsmsg_query q;
	size_t len = build_query(m, &c->q), qlen = 0;
	ldns_pkt *p = NULL;
	int n;

	dnsmsg_parse_query(m, len, &q);
	if (c->question)
		qlen = put_name(out, c->q.qname) + 4;
	n = answer_error(&q, c->rcode, false, c->edns_size, out);
	ck_assert_int_eq(n, 12 + qlen + (c->q.edns && c->question ? 11 : 0));
	ck_assert_int_eq(ldns_wire2pkt(&p, out, n), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_id(p), QID);
	ck_assert(ldns_pkt_qr(p));
	ck_assert(ldns_pkt_ra(p));
	ck_assert(!ldns_pkt_aa(p));
	ck_assert(!ldns_pkt_tc(p));
	ck_assert(!ldns_pkt_ad(p));
	ck_assert_int_eq(ldns_pkt_rd(p), !!(c->q.flags & F_RD));
	ck_assert_int_eq(ldns_pkt_cd(p), !!(c->q.flags & DNS_F_CD));
	ck_assert_int_eq(ldns_pkt_get_opcode(p), c->opcode);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), c->rcode & 0xf);
	ck_assert_uint_eq(ldns_pkt_qdcount(p), c->question ? 1 : 0);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 0); /* OPT is not counted */
	if (c->question)
		/* The client's bytes, case included. */
		ck_assert_mem_eq(out + 12, m + 12, qlen);
	ck_assert_int_eq(ldns_pkt_edns(p), c->q.edns && c->question);
	if (ldns_pkt_edns(p)) {
		ck_assert_uint_eq(out[11], 1); /* raw arcount: our OPT */
		ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), c->edns_size);
		ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(p),
				  c->rcode >> 4);
		ck_assert_uint_eq(ldns_pkt_edns_version(p), 0);
		ck_assert_int_eq(ldns_pkt_edns_do(p), c->q.edns_do);
	}
	ldns_pkt_free(p);
}
END_TEST

/* --- answer_encode() ----------------------------------------------------- */

/* An upstream response as libunbound's answer_packet, built with ldns. */
struct upstream {
	const char *qname;
	uint16_t qtype;
	int rcode;
	bool aa;
	uint16_t edns; /* upstream OPT size; 0: none */
	const char *const *rr[3];
};

static uint8_t *upstream_wire(const struct upstream *u, size_t *len)
{
	struct ldnsexpect_resp r = { .rr = { u->rr[0], u->rr[1], u->rr[2] },
				     .rcode = u->rcode,
				     .aa = u->aa,
				     .edns = u->edns };
	char q[300];
	uint8_t *wire;

	snprintf(q, sizeof(q), "%s IN TYPE%u", u->qname, u->qtype);
	r.question = q;
	wire = ldnsexpect_wire(&r, len);
	ck_assert_ptr_nonnull(wire);
	return wire;
}

/* The client's query, parsed, and the target for it. */
struct client {
	uint8_t msg[512];
	struct dnsmsg_query q;
	struct answer_target t;
};

static void client_for(struct client *c, const struct qspec *s, bool tcp,
		       uint16_t ours)
{
	size_t len = build_query(c->msg, s);

	ck_assert_int_eq(dnsmsg_parse_query(c->msg, len, &c->q),
			 DNSMSG_RESOLVE);
	answer_target_for(&c->t, &c->q, tcp, ours);
}

static ldns_pkt *parse_out(const uint8_t *out, int n)
{
	ldns_pkt *p = NULL;
	ldns_status st;

	ck_assert_int_gt(n, 12);
	st = ldns_wire2pkt(&p, out, n);
	ck_assert_msg(st == LDNS_STATUS_OK, "ldns: %s",
		      ldns_get_errorstr_by_id(st));
	return p;
}

static ldns_rr_list *section_of(const ldns_pkt *p, int s)
{
	return s == 0 ? ldns_pkt_answer(p) :
	       s == 1 ? ldns_pkt_authority(p) :
			ldns_pkt_additional(p);
}

/* The RR @text and @got are equal up to name case, TTL included. */
static void rr_eq(const char *text, const ldns_rr *got)
{
	ldns_rr *w = NULL, *g = ldns_rr_clone(got);
	char *ws, *gs;

	ck_assert_int_eq(ldns_rr_new_frm_str(&w, text, 0, NULL, NULL),
			 LDNS_STATUS_OK);
	ldns_rr2canonical(w);
	ldns_rr2canonical(g);
	ws = ldns_rr2str(w);
	gs = ldns_rr2str(g);
	ck_assert_msg(!strcmp(ws, gs), "rr differs:\nwant %sgot  %s", ws, gs);
	free(ws);
	free(gs);
	ldns_rr_free(w);
	ldns_rr_free(g);
}

/* Section @s of @p holds exactly @want (NULL-terminated), in order. */
static void section_eq(const ldns_pkt *p, int s, const char *const *want)
{
	ldns_rr_list *l = section_of(p, s);
	size_t n = 0;

	while (want && want[n])
		n++;
	ck_assert_msg(ldns_rr_list_rr_count(l) == n,
		      "section %d: %zu records, want %zu", s,
		      ldns_rr_list_rr_count(l), n);
	for (size_t i = 0; i < n; i++)
		rr_eq(want[i], ldns_rr_list_rr(l, i));
}

/* Encodes @u for @c; the caller frees the returned ldns packet. */
static ldns_pkt *encode(const struct upstream *u, bool secure,
			const struct client *c, uint8_t *out, int *n, bool *tc)
{
	struct answer_target t = c->t;
	struct dnsmsg src;
	size_t len;
	uint8_t *wire = upstream_wire(u, &len);
	ldns_pkt *p;

	ck_assert_int_eq(dnsmsg_parse(wire, len, &src), 0);
	t.secure = secure;
	*n = answer_encode(&src, &t, out, tc);
	dnsmsg_free(&src);
	free(wire);
	p = parse_out(out, *n);
	ck_assert_int_eq(ldns_pkt_tc(p), *tc);
	return p;
}

static const char *const deleg_an[] = {
	"www.example.com. 300 IN CNAME web.example.com.",
	"web.example.com. 300 IN A 192.0.2.1",
	"web.example.com. 300 IN A 192.0.2.2",
	NULL,
};
static const char *const deleg_ns[] = {
	"example.com. 3600 IN NS ns1.example.com.",
	"example.com. 3600 IN NS ns2.example.com.",
	NULL,
};
static const char *const deleg_ar[] = {
	"ns1.example.com. 3600 IN A 192.0.2.53",
	"ns2.example.com. 3600 IN AAAA 2001:db8::53",
	NULL,
};

/*
 * Every name after the question points back: the exact layout, offsets
 * worked out by hand, and shorter than the same records uncompressed.
 */
START_TEST(test_encode_compression)
{
	const struct upstream u = { "www.example.com.",
				    1,
				    0,
				    true,
				    0,
				    { deleg_an, deleg_ns, deleg_ar } };
	const struct qspec s = { F_RD, .qname = "WwW.ExAmple.COM.", .qtype = 1,
				 .edns = 1232 };
	static uint8_t out[ANSWER_MAX];
	size_t plain = 12 + 17 + 4 + 11;
	struct client c;
	ldns_pkt *p;
	bool tc;
	int n;

	client_for(&c, &s, false, 1232);
	p = encode(&u, false, &c, out, &n, &tc);
	ck_assert(!tc);
	section_eq(p, 0, deleg_an);
	section_eq(p, 1, deleg_ns);
	section_eq(p, 2, deleg_ar);
	for (int sct = 0; sct < 3; sct++)
		for (size_t i = 0;
		     i < ldns_rr_list_rr_count(section_of(p, sct)); i++)
			plain += ldns_rr_uncompressed_size(
				ldns_rr_list_rr(section_of(p, sct), i));
	ck_assert_uint_eq(plain, 304);
	/*
	 * 12 header, 21 question; CNAME 2+10+(4+2) = 18, two A 16 each,
	 * two NS 2+10+(4+2) = 18 each, A 16, AAAA 28, OPT 11.
	 */
	ck_assert_int_eq(n, 174);
	ck_assert_int_lt(n, (int)plain);
	/* The question is the client's bytes, 0x20 case and all. */
	ck_assert_mem_eq(out + 12, c.msg + 12, 21);
	ck_assert_uint_eq(out[33], 0xc0); /* CNAME owner -> question */
	ck_assert_uint_eq(out[34], 12);
	ck_assert_mem_eq(out + 45, "\3web\xc0\x10", 6); /* -> example.com */
	ck_assert_mem_eq(out + 51, "\xc0\x2d", 2); /* A owner -> web */
	ck_assert_mem_eq(out + 83, "\xc0\x10", 2); /* NS owner */
	ck_assert_mem_eq(out + 95, "\3ns1\xc0\x10", 6);
	ck_assert_mem_eq(out + 119, "\xc0\x5f", 2); /* glue owner -> ns1 */
	ck_assert_mem_eq(out + 135, "\xc0\x71", 2); /* -> ns2 */
	ck_assert(ldns_pkt_aa(p));
	ldns_pkt_free(p);
}
END_TEST

/* RFC 3597: SRV's target is written in full, MX's exchange compressed. */
START_TEST(test_encode_rdata_names)
{
	static const char *const srv_an[] = {
		"_sip._tcp.example.com. 60 IN SRV 0 5 5060 _sip._tcp.example.com.",
		NULL,
	};
	static const char *const mx_an[] = {
		"example.com. 60 IN MX 10 mail.example.com.",
		"example.com. 60 IN MX 20 example.com.",
		NULL,
	};
	const struct upstream srv = {
		"_sip._tcp.example.com.", 33, 0, false, 0, { srv_an }
	};
	const struct upstream mx = {
		"example.com.", 15, 0, false, 0, { mx_an }
	};
	const struct qspec sq = { F_RD, .qname = "_sip._tcp.example.com.",
				  .qtype = 33 };
	const struct qspec mq = { F_RD, .qname = "example.com.", .qtype = 15 };
	static uint8_t out[ANSWER_MAX];
	struct client c;
	ldns_pkt *p;
	bool tc;
	int n;

	client_for(&c, &sq, false, 1232);
	p = encode(&srv, false, &c, out, &n, &tc);
	section_eq(p, 0, srv_an);
	/* 12 + 27 question; owner pointer, 10, 6 + the 23-byte name. */
	ck_assert_int_eq(n, 12 + 27 + 2 + 10 + 6 + 23);
	ck_assert_uint_eq(dnswire_get_u16(out + 39 + 2 + 8), 6 + 23);
	ck_assert_mem_eq(out + 39 + 12 + 6, out + 12, 23);
	ldns_pkt_free(p);

	client_for(&c, &mq, false, 1232);
	p = encode(&mx, false, &c, out, &n, &tc);
	section_eq(p, 0, mx_an);
	/* 12 + 17; MX 2+10+2+(5+2) = 21; MX 2+10+2+2 = 16. */
	ck_assert_int_eq(n, 12 + 17 + 21 + 16);
	ck_assert_mem_eq(out + 29 + 12, "\0\12\4mail\xc0\x0c", 9);
	ck_assert_mem_eq(out + 50 + 12, "\0\24\xc0\x0c", 4);
	ldns_pkt_free(p);
}
END_TEST

/* DNSSEC records only for DO clients; the type asked for always. */
static const char *const sig_an[] = {
	"a.example. 300 IN A 192.0.2.1",
	"a.example. 300 IN RRSIG A 13 2 300 20300101000000 20200101000000 1 example. AAAA",
	NULL,
};
static const char *const sig_ns[] = {
	"example. 300 IN NSEC z.example. A NS SOA RRSIG NSEC",
	"example. 300 IN RRSIG NSEC 13 1 300 20300101000000 20200101000000 1 example. AAAA",
	"example. 300 IN DS 1 13 2 AABBCCDD",
	"example. 300 IN NS ns.example.",
	NULL,
};

START_TEST(test_encode_dnssec_records)
{
	static const char *const plain_an[] = { sig_an[0], NULL };
	static const char *const plain_ns[] = { sig_ns[3], NULL };
	static const char *const sig_only[] = { sig_an[1], NULL };
	const struct upstream u = { "a.example.", 1, 0,
				    false,	  0, { sig_an, sig_ns } };
	const struct upstream ur = {
		"a.example.", 46, 0, false, 0, { sig_only }
	};
	struct qspec s = { F_RD, .qname = "a.example.", .qtype = 1 };
	static uint8_t out[ANSWER_MAX];
	struct client c;
	ldns_pkt *p;
	bool tc;
	int n;

	client_for(&c, &s, false, 1232);
	p = encode(&u, true, &c, out, &n, &tc);
	section_eq(p, 0, plain_an);
	section_eq(p, 1, plain_ns);
	ck_assert(!ldns_pkt_ad(p)); /* secure, but neither AD nor DO */
	ldns_pkt_free(p);

	s.edns = 1232;
	s.edns_do = true;
	client_for(&c, &s, false, 1232);
	p = encode(&u, true, &c, out, &n, &tc);
	section_eq(p, 0, sig_an);
	section_eq(p, 1, sig_ns);
	ck_assert(ldns_pkt_ad(p));
	ck_assert(ldns_pkt_edns_do(p));
	ldns_pkt_free(p);

	/* Asked for RRSIG without DO: the answer holds it. */
	s = (struct qspec){ F_RD, .qname = "a.example.", .qtype = 46 };
	client_for(&c, &s, false, 1232);
	p = encode(&ur, false, &c, out, &n, &tc);
	section_eq(p, 0, sig_only);
	ldns_pkt_free(p);
}
END_TEST

/* Header flags: RD, CD echoed; AA and rcode upstream's; AD per RFC 6840. */
static const struct flag_case {
	uint16_t qflags;
	bool edns_do, secure, aa;
	int rcode;
	bool ad;
} flag_cases[] = {
	{ F_RD, false, false, false, 0, false },
	{ F_RD, false, true, false, 0, false },
	{ F_RD | DNS_F_AD, false, true, false, 0, true },
	{ F_RD | DNS_F_AD, false, false, false, 0, false },
	{ F_RD, true, true, false, 0, true },
	{ F_RD, true, false, true, 3, false },
	{ F_RD | DNS_F_CD, true, false, false, 0, false },
	{ F_RD | DNS_F_CD | DNS_F_AD, false, true, true, 3, true },
};

START_TEST(test_encode_flags)
{
	static const char *const soa[] = {
		"example. 300 IN SOA ns.example. h.example. 1 2 3 4 300",
		NULL,
	};
	static const char *const a[] = { "a.example. 300 IN A 192.0.2.1",
					 NULL };
	const struct flag_case *f = &flag_cases[_i];
	const struct upstream u = {
		"a.example.", 1, f->rcode,
		f->aa,	      0, { f->rcode ? NULL : a, f->rcode ? soa : NULL }
	};
	const struct qspec s = { f->qflags, .qname = "a.example.", .qtype = 1,
				 .edns = f->edns_do ? 1232 : 0,
				 .edns_do = f->edns_do };
	static uint8_t out[ANSWER_MAX];
	struct client c;
	uint16_t want;
	ldns_pkt *p;
	bool tc;
	int n;

	client_for(&c, &s, false, 1232);
	p = encode(&u, f->secure, &c, out, &n, &tc);
	want = DNS_F_QR | DNS_F_RA | f->rcode |
	       (f->qflags & (F_RD | DNS_F_CD)) | (f->aa ? DNS_F_AA : 0) |
	       (f->ad ? DNS_F_AD : 0);
	ck_assert_uint_eq(dnswire_get_u16(out), QID);
	ck_assert_uint_eq(dnswire_get_u16(out + 2), want);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), f->rcode);
	section_eq(p, 0, f->rcode ? NULL : a);
	section_eq(p, 1, f->rcode ? soa : NULL);
	ldns_pkt_free(p);
}
END_TEST

/* Our OPT: our size, the client's DO, version 0; none without the client's. */
static const struct opt_case {
	uint16_t client; /* 0: no EDNS */
	bool edns_do;
	uint16_t ours;
} opt_cases[] = {
	{ 0, false, 1232 },  { 512, false, 1232 },  { 4096, true, 1232 },
	{ 1232, true, 512 }, { 1400, false, 4096 }, { 0, false, 4096 },
};

START_TEST(test_encode_opt)
{
	static const char *const a[] = { "a.example. 300 IN A 192.0.2.1",
					 NULL };
	const struct opt_case *o = &opt_cases[_i];
	/* The upstream's own OPT (4096, DO) is never passed on. */
	const struct upstream u = { "a.example.", 1, 0, false, 4096, { a } };
	const struct qspec s = { F_RD, .qname = "a.example.", .qtype = 1,
				 .edns = o->client, .edns_do = o->edns_do };
	static uint8_t out[ANSWER_MAX];
	struct client c;
	ldns_pkt *p;
	bool tc;
	int n;

	client_for(&c, &s, false, o->ours);
	ck_assert_int_eq(c.t.edns, !!o->client);
	ck_assert_uint_eq(c.t.edns_size, o->ours);
	p = encode(&u, false, &c, out, &n, &tc);
	section_eq(p, 0, a);
	ck_assert_int_eq(n, 12 + 15 + 16 + (o->client ? 11 : 0));
	ck_assert_uint_eq(dnswire_get_u16(out + 10), o->client ? 1 : 0);
	ck_assert_int_eq(ldns_pkt_edns(p), !!o->client);
	if (o->client) {
		/* The last 11 bytes, exactly. */
		ck_assert_mem_eq(out + n - 11, "\0\0\51", 3);
		ck_assert_uint_eq(dnswire_get_u16(out + n - 8), o->ours);
		ck_assert_uint_eq(dnswire_get_u32(out + n - 6),
				  (o->edns_do ? 0x8000 : 0));
		ck_assert_uint_eq(dnswire_get_u16(out + n - 2), 0);
		ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), o->ours);
		ck_assert_int_eq(ldns_pkt_edns_do(p), o->edns_do);
		ck_assert_uint_eq(ldns_pkt_edns_version(p), 0);
	}
	ldns_pkt_free(p);
}
END_TEST

/* --- truncation ---------------------------------------------------------- */

/* @n A records of big.example.com. (16 bytes each when compressed). */
static const char *const *a_set(int n, const char *first)
{
	static char text[64][64];
	static const char *v[66];
	int k = 0;

	ck_assert_int_le(n, 64);
	if (first)
		v[k++] = first;
	for (int i = 0; i < n; i++) {
		snprintf(text[i], sizeof(text[i]),
			 "big.example.com. 60 IN A 198.51.100.%d", i);
		v[k++] = text[i];
	}
	v[k] = NULL;
	return v;
}

/* 40 A records (640 bytes) do not fit in 512: the whole RRset goes. */
START_TEST(test_truncate_whole_rrset)
{
	const char *const *an = a_set(40, NULL);
	const struct upstream u = { "big.example.com.", 1, 0, false, 0,
				    { an, deleg_ns } };
	struct qspec s = { F_RD, .qname = "big.example.com.", .qtype = 1 };
	static uint8_t out[ANSWER_MAX];
	struct client c;
	ldns_pkt *p;
	bool tc;
	int n;

	client_for(&c, &s, false, 1232);
	ck_assert_uint_eq(c.t.limit, 512);
	p = encode(&u, false, &c, out, &n, &tc);
	ck_assert(tc);
	ck_assert_int_eq(n, 12 + 21);
	ck_assert_uint_eq(dnswire_get_u16(out + 2) & DNS_F_TC, DNS_F_TC);
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 1);
	section_eq(p, 0, NULL);
	section_eq(p, 1, NULL); /* nothing after a cut answer */
	ldns_pkt_free(p);

	/* The same with EDNS 1232: all of it. */
	s.edns = 1232;
	client_for(&c, &s, false, 1232);
	p = encode(&u, false, &c, out, &n, &tc);
	ck_assert(!tc);
	ck_assert_int_eq(n, 12 + 21 + 40 * 16 + 2 * 18 + 11);
	section_eq(p, 0, an);
	section_eq(p, 1, deleg_ns);
	ldns_pkt_free(p);
}
END_TEST

/* The CNAME fits, its target's big RRset not: CNAME alone, TC=1. */
START_TEST(test_truncate_keeps_earlier_rrsets)
{
	const char *const *an =
		a_set(40, "www.example.com. 60 IN CNAME big.example.com.");
	const char *const cname_only[] = { an[0], NULL };
	const struct upstream u = { "www.example.com.", 1, 0, false, 0, { an } };
	const struct qspec s = { F_RD, .qname = "www.example.com.",
				 .qtype = 1 };
	static uint8_t out[ANSWER_MAX];
	struct client c;
	ldns_pkt *p;
	bool tc;
	int n;

	client_for(&c, &s, false, 1232);
	p = encode(&u, false, &c, out, &n, &tc);
	ck_assert(tc);
	ck_assert_int_eq(n, 12 + 21 + 18);
	section_eq(p, 0, cname_only);
	ldns_pkt_free(p);

	/* Over TCP everything fits. */
	client_for(&c, &s, true, 1232);
	ck_assert_uint_eq(c.t.limit, 65535);
	p = encode(&u, false, &c, out, &n, &tc);
	ck_assert(!tc);
	ck_assert_int_eq(n, 12 + 21 + 18 + 40 * 16);
	section_eq(p, 0, an);
	ldns_pkt_free(p);
}
END_TEST

/*
 * An additional RRset that does not fit ends the message without TC (and
 * takes the smaller sets after it along); one in authority sets TC.
 */
START_TEST(test_truncate_additional_no_tc)
{
	static char glue[40][64];
	static const char *ar[42];
	static const char *const a[] = { "big.example.com. 60 IN A 192.0.2.1",
					 NULL };
	static const char *many_ns[41];
	const struct upstream u = { "big.example.com.", 1, 0, false, 0,
				    { a, deleg_ns, ar } };
	const struct qspec s = { F_RD, .qname = "big.example.com.",
				 .qtype = 1 };
	static uint8_t out[ANSWER_MAX];
	static char nstext[40][64];
	struct upstream un;
	struct client c;
	ldns_pkt *p;
	bool tc;
	int n;

	for (int i = 0; i < 20; i++) {
		snprintf(glue[i], sizeof(glue[i]),
			 "ns1.example.com. 60 IN AAAA 2001:db8::%x", i + 1);
		ar[i] = glue[i];
	}
	ar[20] = "ns2.example.com. 60 IN A 192.0.2.54";
	ar[21] = NULL;
	client_for(&c, &s, false, 1232);
	p = encode(&u, false, &c, out, &n, &tc);
	ck_assert(!tc);
	ck_assert_uint_eq(dnswire_get_u16(out + 2) & DNS_F_TC, 0);
	ck_assert_int_eq(n, 12 + 21 + 16 + 2 * 18);
	section_eq(p, 0, a);
	section_eq(p, 1, deleg_ns);
	section_eq(p, 2, NULL);
	ldns_pkt_free(p);

	/* 40 NS records in authority (18 bytes each) do not fit: TC. */
	for (int i = 0; i < 40; i++) {
		snprintf(nstext[i], sizeof(nstext[i]),
			 "example.com. 60 IN NS n%02d.example.com.", i);
		many_ns[i] = nstext[i];
	}
	un = (struct upstream){ "big.example.com.", 1, 0, false, 0,
				{ a, many_ns } };
	p = encode(&un, false, &c, out, &n, &tc);
	ck_assert(tc);
	ck_assert_int_eq(n, 12 + 21 + 16);
	section_eq(p, 0, a);
	section_eq(p, 1, NULL);
	ldns_pkt_free(p);
}
END_TEST

/*
 * The limit at its edges: a TXT answer of exactly the limit fits (TC=0),
 * one byte more is cut (TC=1, empty answer). Limit: the client's EDNS size
 * floored at 512 and capped at ours; 65535 over TCP.
 */
static const struct limit_case {
	uint16_t client; /* 0: no EDNS */
	uint16_t ours;
	bool tcp;
	size_t limit;
} limit_cases[] = {
	{ 0, 1232, false, 512 },      { 512, 1232, false, 512 },
	{ 100, 1232, false, 512 },    { 1232, 4096, false, 1232 },
	{ 4096, 1232, false, 1232 },  { 4096, 4096, false, 4096 },
	{ 65535, 4096, false, 4096 }, { 1400, 512, false, 512 },
	{ 1233, 1232, false, 1232 },  { 1231, 1232, false, 1231 },
	{ 0, 1232, true, 65535 },     { 4096, 1232, true, 65535 },
};

/* Upstream: t.example. TXT with one record of @rdlen bytes of strings. */
static uint8_t *txt_upstream(size_t rdlen, size_t *len)
{
	uint8_t *m = malloc(12 + 15 + 12 + rdlen);
	size_t n = 12, left = rdlen;

	ck_assert_ptr_nonnull(m);
	memset(m, 0, 12);
	put16(m + 2, DNS_F_QR | F_RD | DNS_F_RA);
	put16(m + 4, 1);
	put16(m + 6, 1);
	n += put_name(m + n, "t.example.");
	put16(m + n, 16);
	put16(m + n + 2, 1);
	n += 4;
	memcpy(m + n, "\xc0\x0c\0\x10\0\1\0\0\0\x3c", 10);
	put16(m + n + 10, rdlen);
	n += 12;
	while (left) {
		size_t l = left > 256 ? 255 : left - 1;

		m[n] = l;
		memset(m + n + 1, 'x', l);
		n += 1 + l;
		left -= 1 + l;
	}
	*len = n;
	return m;
}

START_TEST(test_truncate_at_limit)
{
	const struct limit_case *lc = &limit_cases[_i];
	const struct qspec s = { F_RD, .qname = "t.example.", .qtype = 16,
				 .edns = lc->client };
	size_t fixed = 12 + 15 + 12 + (lc->client ? 11 : 0), len;
	static uint8_t out[ANSWER_MAX];
	struct dnsmsg src;
	struct client c;
	ldns_pkt *p;
	uint8_t *up;
	bool tc;
	int n;

	client_for(&c, &s, lc->tcp, lc->ours);
	ck_assert_uint_eq(c.t.limit, lc->limit);
	for (size_t extra = 0; extra < 2; extra++) {
		up = txt_upstream(lc->limit - fixed + extra, &len);
		ck_assert_int_eq(dnsmsg_parse(up, len, &src), 0);
		ck_assert_uint_eq(src.nrr, 1);
		n = answer_encode(&src, &c.t, out, &tc);
		p = parse_out(out, n);
		if (!extra) {
			ck_assert_msg(!tc, "limit %zu: cut at the limit",
				      lc->limit);
			ck_assert_int_eq(n, lc->limit);
			ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
			ck_assert_uint_eq(ldns_rr_get_type(ldns_rr_list_rr(
						  ldns_pkt_answer(p), 0)),
					  LDNS_RR_TYPE_TXT);
		} else {
			ck_assert_msg(tc, "limit %zu: one byte over not cut",
				      lc->limit);
			ck_assert_int_eq(n, fixed - 12);
			ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
		}
		ck_assert_int_eq(ldns_pkt_tc(p), extra);
		ck_assert_int_eq(ldns_pkt_edns(p), !!lc->client);
		ldns_pkt_free(p);
		dnsmsg_free(&src);
		free(up);
	}
}
END_TEST

/*
 * Past offset 0x3fff names can no longer be targets, past 512 labels the
 * table is full: every name still decodes to the right one. 300 distinct
 * NS names after a 16 KB TXT, over TCP.
 */
START_TEST(test_compression_tables_full)
{
	static char ns[300][64];
	static const char *an[2], *nsv[301];
	static uint8_t out[ANSWER_MAX];
	static char txt[16500];
	const struct upstream u = { "example.", 16, 0, false, 0, { an, nsv } };
	const struct qspec s = { F_RD, .qname = "example.", .qtype = 16 };
	struct client c;
	size_t k;
	ldns_pkt *p;
	bool tc;
	int n;

	k = snprintf(txt, sizeof(txt), "example. 60 IN TXT");
	for (int i = 0; i < 64; i++) {
		txt[k++] = ' ';
		memset(txt + k, 'y', 255);
		k += 255;
	}
	txt[k] = '\0';
	an[0] = txt;
	for (int i = 0; i < 300; i++) {
		snprintf(ns[i], sizeof(ns[i]),
			 "sub%d.example. 60 IN NS ns.z%d.sub%d.example.", i % 7,
			 i, i % 7);
		nsv[i] = ns[i];
	}
	nsv[300] = NULL;
	client_for(&c, &s, true, 1232);
	p = encode(&u, false, &c, out, &n, &tc);
	ck_assert(!tc);
	ck_assert_int_gt(n, 0x3fff);
	section_eq(p, 0, an);
	section_eq(p, 1, nsv);
	ldns_pkt_free(p);
}
END_TEST

/* --- dnsmsg_parse() ------------------------------------------------------- */

START_TEST(test_src_parse)
{
	static const char *const a[] = { "a.example. 300 IN A 192.0.2.1",
					 "a.example. 300 IN A 192.0.2.2",
					 NULL };
	const struct upstream u = {
		"a.example.", 1, 0, true, 1232, { a, deleg_ns, deleg_ar }
	};
	struct dnsmsg src;
	uint8_t *w;
	size_t len;

	w = upstream_wire(&u, &len);
	ck_assert_int_eq(dnsmsg_parse(w, len, &src), 0);
	ck_assert_uint_eq(src.h.flags & DNS_F_AA, DNS_F_AA);
	ck_assert(src.have_opt);
	ck_assert_uint_eq(src.qtype, 1);
	ck_assert_uint_eq(src.qname_len, 11);
	ck_assert_mem_eq(src.qname, "\1a\7example", 11);
	ck_assert_mem_eq(src.rr[2].owner, "\7example\3com", 13); /* whole */
	ck_assert_uint_eq(src.rr[2].owner_len, 13);
	ck_assert_uint_eq(src.nrr, 6); /* OPT left out */
	for (size_t i = 0; i < src.nrr; i++)
		ck_assert_uint_eq(src.rr[i].section, i < 2 ? 0 : i < 4 ? 1 : 2);
	ck_assert_uint_eq(src.rr[0].type, 1);
	ck_assert_uint_eq(src.rr[0].ttl, 300);
	ck_assert_uint_eq(src.rr[0].rdlen, 4);
	ck_assert_mem_eq(w + src.rr[1].rdata_off, "\300\0\2\2", 4);
	ck_assert_uint_eq(src.rr[5].type, 28);
	dnsmsg_free(&src);
	ck_assert_ptr_null(src.rr);
	free(w);
}
END_TEST

/* Truncated anywhere, or two questions: -EBADMSG, nothing kept. */
START_TEST(test_src_parse_bad)
{
	const struct upstream u = { "www.example.com.",
				    1,
				    0,
				    false,
				    0,
				    { deleg_an, deleg_ns, deleg_ar } };
	struct dnsmsg src;
	uint8_t *w;
	size_t len;

	w = upstream_wire(&u, &len);
	for (size_t cut = 1; cut < len; cut++) {
		ck_assert_msg(dnsmsg_parse(w, len - cut, &src) == -EBADMSG,
			      "cut %zu accepted", cut);
		ck_assert_ptr_null(src.rr);
	}
	put16(w + 4, 2);
	ck_assert_int_eq(dnsmsg_parse(w, len, &src), -EBADMSG);
	free(w);
}
END_TEST

/*
 * RDATA whose names do not fill RDLENGTH exactly, a second OPT, an OPT
 * outside the additional section, bytes after the last record: the parser
 * refuses them with -EBADMSG, so no encoder ever meets them.
 */
START_TEST(test_parse_bad_records)
{
	static const uint8_t hdr[] = { 0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0,
				       0, 0, 1,	   'a',	 0, 0, 5, 0, 1 };
	static const struct {
		uint16_t type;
		uint8_t rd[8];
		uint16_t rdlen;
	} cases[] = {
		{ 5, { 1, 'b', 0, 0xff }, 4 }, /* CNAME, a byte after the name */
		{ 5, { 1, 'b' }, 2 }, /* name runs past RDLENGTH */
		{ 15, { 0 }, 1 }, /* MX shorter than its preference */
		{ 33, { 0, 0, 0, 0, 0, 0, 0xc0, 0x40 }, 8 }, /* bad pointer */
	};
	static const uint8_t opt[] = { 0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0 };
	struct dnsmsg src;
	uint8_t m[64];
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memcpy(m, hdr, sizeof(hdr));
		n = sizeof(hdr);
		memcpy(m + n, "\xc0\x0c", 2);
		put16(m + n + 2, cases[i].type);
		memcpy(m + n + 4, "\0\1\0\0\0\x3c", 6);
		put16(m + n + 10, cases[i].rdlen);
		n += 12;
		memcpy(m + n, cases[i].rd, cases[i].rdlen);
		n += cases[i].rdlen;
		ck_assert_msg(dnsmsg_parse(m, n, &src) == -EBADMSG,
			      "case %zu parsed", i);
		ck_assert_ptr_null(src.rr);
	}
	/* A good A record, then OPT twice, in the wrong section, trailing. */
	memcpy(m, hdr, sizeof(hdr));
	m[16] = 1; /* qtype A */
	n = sizeof(hdr);
	memcpy(m + n, "\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4\xc0\0\2\1", 16);
	n += 16;
	ck_assert_int_eq(dnsmsg_parse(m, n, &src), 0);
	ck_assert_uint_eq(src.nrr, 1);
	ck_assert(!src.have_opt);
	dnsmsg_free(&src);
	ck_assert_int_eq(dnsmsg_parse(m, n + 1, &src), -EBADMSG);
	memcpy(m + n, opt, sizeof(opt));
	memcpy(m + n + sizeof(opt), opt, sizeof(opt));
	m[11] = 1; /* ARCOUNT 1: one OPT */
	ck_assert_int_eq(dnsmsg_parse(m, n + sizeof(opt), &src), 0);
	ck_assert(src.have_opt);
	ck_assert_uint_eq(src.nrr, 1);
	dnsmsg_free(&src);
	m[11] = 2; /* two OPTs */
	ck_assert_int_eq(dnsmsg_parse(m, n + 2 * sizeof(opt), &src), -EBADMSG);
	m[11] = 0;
	m[9] = 1; /* the OPT in the authority section */
	ck_assert_int_eq(dnsmsg_parse(m, n + sizeof(opt), &src), -EBADMSG);
	/* Counts no packet of this length could hold: refused at once. */
	m[9] = 0;
	m[7] = 0xff;
	ck_assert_int_eq(dnsmsg_parse(m, n, &src), -EBADMSG);
}
END_TEST

void answer_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL,
		     CKTEST_RANGE(test_parse_query, 0, PARSE_POSITIVE),
		     CKTEST(test_encode_compression),
		     CKTEST(test_encode_rdata_names),
		     CKTEST(test_encode_dnssec_records),
		     CKTEST_TABLE(test_encode_flags, flag_cases),
		     CKTEST_TABLE(test_encode_opt, opt_cases),
		     CKTEST(test_src_parse));
	CKTEST_TCASE(s, "Negative", NULL,
		     CKTEST_RANGE(test_parse_query, PARSE_POSITIVE,
				  ARRAY_SIZE(parse_cases)),
		     CKTEST(test_parse_pointer_in_question),
		     CKTEST_TABLE(test_error_response, error_cases),
		     CKTEST(test_src_parse_bad),
		     CKTEST(test_parse_bad_records));
	CKTEST_TCASE(s, "Limits", NULL, CKTEST(test_parse_name_limits),
		     CKTEST(test_truncate_whole_rrset),
		     CKTEST(test_truncate_keeps_earlier_rrsets),
		     CKTEST(test_truncate_additional_no_tc),
		     CKTEST_TABLE(test_truncate_at_limit, limit_cases),
		     CKTEST(test_compression_tables_full));
}
