// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of userspace/lib/dnsmsg.c beyond what the answer and cache
 * entry suites see through it: the writer's compressor (suffix pointers,
 * case, names that must not be pointed at, running out of targets, the
 * capacity), the OPT writer, RRset grouping, and the query parser's XDP
 * shape. Expected bytes are written out by hand.
 */
#include <errno.h>
#include <string.h>

#include "lib/dnsmsg.h"
#include "suites.h"

/* "www.example.com." type A class IN, as a question. */
static const uint8_t question[] = "\3www\7example\3com\0\0\1\0\1";
#define QUESTION_LEN 21

START_TEST(test_put_name_suffix)
{
	uint8_t buf[128];
	struct dnsmsg_writer w;

	ck_assert_int_eq(dnsmsg_writer_init(&w, buf, sizeof(buf), question,
					    QUESTION_LEN),
			 0);
	ck_assert_uint_eq(w.len, 12 + QUESTION_LEN);
	ck_assert_mem_eq(buf + 12, question, QUESTION_LEN);
	/* The whole question name, in another case: one pointer. */
	ck_assert_int_eq(dnsmsg_put_name(&w,
					 (const uint8_t *)"\3WWW\7Example\3COM",
					 17, true),
			 0);
	ck_assert_mem_eq(buf + 33, "\xc0\x0c", 2);
	/* A sibling: its first label, then the question's suffix at 16. */
	ck_assert_int_eq(
		dnsmsg_put_name(&w, (const uint8_t *)"\4mail\7example\3com", 18,
				true),
		0);
	ck_assert_mem_eq(buf + 35, "\4mail\xc0\x10", 7);
	/* Now "mail..." is a target too, at 35. */
	ck_assert_int_eq(
		dnsmsg_put_name(&w, (const uint8_t *)"\4mail\7example\3com", 18,
				true),
		0);
	ck_assert_mem_eq(buf + 42, "\xc0\x23", 2);
	/* The root is never a pointer. */
	ck_assert_int_eq(dnsmsg_put_name(&w, (const uint8_t *)"", 1, true), 0);
	ck_assert_uint_eq(buf[44], 0);
	ck_assert_uint_eq(w.len, 45);
}
END_TEST

/* A name written in full (RFC 3597 'n' field) is never a target. */
START_TEST(test_put_name_uncompressed)
{
	static const uint8_t foo[] = "\3foo\7example\3com";
	uint8_t buf[128];
	struct dnsmsg_writer w;

	dnsmsg_writer_init(&w, buf, sizeof(buf), question, QUESTION_LEN);
	ck_assert_int_eq(dnsmsg_put_name(&w, foo, sizeof(foo), false), 0);
	ck_assert_mem_eq(buf + 33, foo, sizeof(foo));
	ck_assert_uint_eq(w.ntargets, 3); /* the question's labels only */
	/* Compressed against the question, not the copy written in full. */
	ck_assert_int_eq(dnsmsg_put_name(&w, foo, sizeof(foo), true), 0);
	ck_assert_mem_eq(buf + 33 + sizeof(foo), "\3foo\xc0\x10", 6);
}
END_TEST

/* Nothing fits: -EMSGSIZE and not a byte written, at every capacity. */
START_TEST(test_writer_cap)
{
	static const uint8_t name[] = "\4mail\7example\3com";
	uint8_t buf[64];
	struct dnsmsg_writer w;

	ck_assert_int_eq(dnsmsg_writer_init(&w, buf, 12 + QUESTION_LEN - 1,
					    question, QUESTION_LEN),
			 -EMSGSIZE);
	for (size_t cap = 33; cap < 33 + 7; cap++) {
		dnsmsg_writer_init(&w, buf, cap, question, QUESTION_LEN);
		ck_assert_int_eq(dnsmsg_put_name(&w, name, sizeof(name), true),
				 -EMSGSIZE);
		ck_assert_uint_eq(w.len, 33);
		ck_assert_uint_eq(w.ntargets, 3);
	}
	dnsmsg_writer_init(&w, buf, 33 + 7, question, QUESTION_LEN);
	ck_assert_int_eq(dnsmsg_put_name(&w, name, sizeof(name), true), 0);
	ck_assert_int_eq(dnsmsg_put(&w, "", 1), -EMSGSIZE);
}
END_TEST

/* Out of targets: names are compressed less, and every one reads back. */
START_TEST(test_writer_targets_full)
{
	static uint8_t buf[16384];
	static size_t at[1500];
	struct dnsmsg_writer w;
	uint8_t name[DNS_NAME_MAX], back[DNS_NAME_MAX];

	dnsmsg_writer_init(&w, buf, sizeof(buf), question, QUESTION_LEN);
	for (size_t i = 0; i < ARRAY_SIZE(at); i++) {
		/* "\4nNNN\7example\3com": one new label a name. */
		name[0] = 4;
		name[1] = 'n';
		name[2] = '0' + i / 100 % 10;
		name[3] = '0' + i / 10 % 10;
		name[4] = '0' + i % 10 + (i >= 1000 ? 'a' - '0' : 0);
		memcpy(name + 5, "\7example\3com", 13);
		at[i] = w.len;
		ck_assert_int_eq(dnsmsg_put_name(&w, name, 18, true), 0);
	}
	ck_assert_uint_eq(w.ntargets, DNSMSG_TARGETS);
	for (size_t i = 0; i < ARRAY_SIZE(at); i++) {
		size_t off = at[i];
		int n = dnswire_read_name(buf, w.len, &off, back);

		ck_assert_int_eq(n, 18);
		ck_assert_uint_eq(back[0], 4);
		ck_assert_mem_eq(back + 5, "\7example\3com", 13);
	}
}
END_TEST

START_TEST(test_write_opt)
{
	uint8_t p[DNS_OPT_LEN];

	ck_assert_uint_eq(dnsmsg_write_opt(p, 1232, DNS_RCODE_BADVERS, true,
					   NULL, 0),
			  DNS_OPT_LEN);
	ck_assert_mem_eq(p, "\0\0\51\4\320\1\0\200\0\0\0", DNS_OPT_LEN);
	dnsmsg_write_opt(p, 512, 0, false, NULL, 0);
	ck_assert_mem_eq(p, "\0\0\51\2\0\0\0\0\0\0\0", DNS_OPT_LEN);
}
END_TEST

START_TEST(test_rr_same_set)
{
	struct dnsmsg_rr a = { .section = DNSMSG_ANSWER,
			       .owner_len = 5,
			       .type = DNS_TYPE_A,
			       .cls = DNS_CLASS_IN };
	struct dnsmsg_rr b = a;

	memcpy(a.owner, "\3www", 5);
	memcpy(b.owner, "\3WwW", 5);
	ck_assert(dnsmsg_rr_same_set(&a, &b));
	b.type = DNS_TYPE_RRSIG;
	b.covered = DNS_TYPE_A;
	ck_assert(dnsmsg_rr_same_set(&a, &b));
	b.covered = DNS_TYPE_AAAA;
	ck_assert(!dnsmsg_rr_same_set(&a, &b));
	b = a;
	b.section = DNSMSG_AUTHORITY;
	ck_assert(!dnsmsg_rr_same_set(&a, &b));
	b = a;
	memcpy(b.owner, "\3wwx", 5);
	ck_assert(!dnsmsg_rr_same_set(&a, &b));
}
END_TEST

/*
 * The XDP shape of a query next to the daemon's verdict: what XDP serves
 * is a subset of what the daemon resolves.
 */
static const struct {
	const char *what;
	uint8_t flags_hi; /* byte 2 of the header */
	uint16_t qclass;
	int arcount;
	const char *extra; /* after the question */
	size_t extra_len;
	int verdict;
	bool shape;
} shape_cases[] = {
	{ "plain", 0x01, 1, 0, "", 0, DNSMSG_RESOLVE, true },
	{ "OPT", 0x01, 1, 1, "\0\0\51\4\320\0\0\200\0\0\0", 11, DNSMSG_RESOLVE,
	  true },
	{ "OPT with a cookie", 0x01, 1, 1,
	  "\0\0\51\4\320\0\0\0\0\0\14\0\12\0\10abcdefgh", 23, DNSMSG_RESOLVE,
	  true },
	{ "a byte after the question", 0x01, 1, 0, "x", 1, DNSMSG_RESOLVE,
	  false },
	{ "a byte after the OPT", 0x01, 1, 1, "\0\0\51\4\320\0\0\0\0\0\0x", 12,
	  DNSMSG_RESOLVE, false },
	{ "additional record not an OPT", 0x01, 1, 1,
	  "\1a\0\0\1\0\1\0\0\0\0\0\0", 13, DNSMSG_RESOLVE, false },
	{ "EDNS version 1", 0x01, 1, 1, "\0\0\51\4\320\0\1\0\0\0\0", 11,
	  DNSMSG_BADVERS, false },
	{ "TC set", 0x03, 1, 0, "", 0, DNSMSG_RESOLVE, false },
	{ "RD clear", 0x00, 1, 0, "", 0, DNSMSG_REFUSED, false },
	{ "class CH", 0x01, 3, 0, "", 0, DNSMSG_RESOLVE, false },
	{ "OPT past the end", 0x01, 1, 1, "\0\0\51\4\320\0\0\0\0\0\4", 11,
	  DNSMSG_FORMERR, false },
};

START_TEST(test_query_shape)
{
	uint8_t m[64] = { 0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	struct dnsmsg_query q;
	size_t n = 12;

	m[2] = shape_cases[_i].flags_hi;
	m[11] = shape_cases[_i].arcount;
	memcpy(m + n, "\1a\7example\0\0\1\0", 14);
	n += 14;
	m[n++] = shape_cases[_i].qclass;
	memcpy(m + n, shape_cases[_i].extra, shape_cases[_i].extra_len);
	n += shape_cases[_i].extra_len;
	ck_assert_msg(dnsmsg_parse_query(m, n, &q) == shape_cases[_i].verdict,
		      "%s: verdict", shape_cases[_i].what);
	ck_assert_msg(q.xdp_shape == shape_cases[_i].shape, "%s: shape",
		      shape_cases[_i].what);
	ck_assert_uint_eq(q.question_len, 15);
}
END_TEST

void dnsmsg_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Writer", NULL, CKTEST(test_put_name_suffix),
		     CKTEST(test_put_name_uncompressed),
		     CKTEST(test_writer_cap), CKTEST(test_writer_targets_full),
		     CKTEST(test_write_opt), CKTEST(test_rr_same_set));
	CKTEST_TCASE(s, "Query", NULL,
		     CKTEST_TABLE(test_query_shape, shape_cases));
}
