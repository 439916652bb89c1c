// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * DNS cookies (userspace/lib/cookie.c): the server cookies of RFC 9018's
 * appendix A, every verdict of RFC 7873 5.2 (none, client only, valid,
 * invalid, malformed lengths), the timestamp window with its wrap, the
 * previous secret after a rotation, and the secret file's format.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "lib/cookie.h"
#include "lib/dnsmsg.h"
#include "userspace/answer.h"
#include "suites.h"

static void unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
}

static struct xdpdns_cookie_keys keys(const char *cur, const char *prev)
{
	struct xdpdns_cookie_keys k = { 0 };
	char text[80], why[128];

	snprintf(text, sizeof(text), "%s\n%s\n", cur, prev ? prev : "");
	ck_assert_int_eq(cookie_parse_secrets(text, &k, why, sizeof(why)), 0);
	return k;
}

static int addr_of(const char *s, uint8_t *a)
{
	if (inet_pton(AF_INET, s, a) == 1)
		return 4;
	ck_assert_int_eq(inet_pton(AF_INET6, s, a), 1);
	return 6;
}

static const struct {
	const char *secret, *client, *ip, *want;
	uint32_t at;
} vectors[] = {
	{ "e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957",
	  "198.51.100.100", "010000005cf79f111f8130c3eee29480", 1559731985 },
	{ "e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957",
	  "198.51.100.100", "010000005cf7a871d4a564a1442aca77", 1559734385 },
	{ "e5e973e5a6b2a43f48e7dc849e37bfcf", "fc93fc62807ddb86",
	  "203.0.113.203", "010000005cf7a9acf73a7810aca2381e", 1559734700 },
	{ "445536bcd2513298075a5d379663c962", "22681ab97d52c298",
	  "2001:db8:220:1:59de:d0f4:8769:82b8",
	  "010000005cf7c609a6bb79d16625507a", 1559741961 },
};

/* RFC 9018 appendix A: the server cookie of each example. */
START_TEST(test_rfc9018_vectors)
{
	struct xdpdns_cookie_keys k = keys(vectors[_i].secret, NULL);
	uint8_t client[8], a[16], want[16], got[16];
	int fam = addr_of(vectors[_i].ip, a);

	unhex(vectors[_i].client, client);
	unhex(vectors[_i].want, want);
	cookie_server(&k.secret[0], client, vectors[_i].at, fam, a, got);
	ck_assert_mem_eq(got, want, 16);
}
END_TEST

/* A client cookie alone: a fresh server cookie (A.1). */
START_TEST(test_client_only)
{
	struct xdpdns_cookie_keys k = keys(vectors[0].secret, NULL);
	uint8_t q[8], a[4], reply[24], want[24];

	unhex("2464c4abcf10c957", q);
	unhex("2464c4abcf10c957010000005cf79f111f8130c3eee29480", want);
	addr_of("198.51.100.100", a);
	ck_assert_int_eq(cookie_check(&k, q, 8, 1559731985, 4, a, reply),
			 XDPDNS_COOKIE_CLIENT);
	ck_assert_mem_eq(reply, want, 24);
	ck_assert_int_eq(cookie_check(&k, NULL, 0, 1559731985, 4, a, reply),
			 XDPDNS_COOKIE_NONE);
}
END_TEST

/* Valid and young: echoed. Valid and older than half an hour: renewed
 * (A.2). The reserved bytes the client sent are part of the hash (A.3). */
START_TEST(test_valid_echo_and_renew)
{
	struct xdpdns_cookie_keys k = keys(vectors[0].secret, NULL);
	uint8_t q[24], a[4], reply[24], want[24];

	unhex("2464c4abcf10c957010000005cf79f111f8130c3eee29480", q);
	addr_of("198.51.100.100", a);
	ck_assert_int_eq(cookie_check(&k, q, 24, 1559731985 + 1799, 4, a,
				      reply),
			 XDPDNS_COOKIE_VALID);
	ck_assert_mem_eq(reply, q, 24);
	unhex("2464c4abcf10c957010000005cf7a871d4a564a1442aca77", want);
	ck_assert_int_eq(cookie_check(&k, q, 24, 1559734385, 4, a, reply),
			 XDPDNS_COOKIE_VALID);
	ck_assert_mem_eq(reply, want, 24);

	unhex("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5", q);
	addr_of("203.0.113.203", a);
	ck_assert_int_eq(cookie_check(&k, q, 24, 0x5cf78f71 + 10, 4, a, reply),
			 XDPDNS_COOKIE_VALID);
	addr_of("203.0.113.204", a);
	ck_assert_int_eq(cookie_check(&k, q, 24, 0x5cf78f71 + 10, 4, a, reply),
			 XDPDNS_COOKIE_INVALID);
}
END_TEST

/* A.4: the cookie of the previous secret is valid while that secret is
 * kept, and the reply carries the new secret's cookie. */
START_TEST(test_previous_secret)
{
	struct xdpdns_cookie_keys k2 = keys("445536bcd2513298075a5d379663c962",
					    "dd3bdf9344b678b185a6f5cb60fca715");
	struct xdpdns_cookie_keys k1 =
		keys("445536bcd2513298075a5d379663c962", NULL);
	uint8_t q[24], a[16], reply[24], want[24];

	unhex("22681ab97d52c298010000005cf7c57926556bd0934c72f8", q);
	unhex("22681ab97d52c298010000005cf7c609a6bb79d16625507a", want);
	addr_of("2001:db8:220:1:59de:d0f4:8769:82b8", a);
	ck_assert_int_eq(k2.nsecrets, 2);
	ck_assert_int_eq(cookie_check(&k2, q, 24, 1559741961, 6, a, reply),
			 XDPDNS_COOKIE_VALID);
	ck_assert_mem_eq(reply, want, 24);
	ck_assert_int_eq(cookie_check(&k1, q, 24, 1559741961, 6, a, reply),
			 XDPDNS_COOKIE_INVALID);
	ck_assert_mem_eq(reply, want, 24);
}
END_TEST

/* RFC 9018 4.3: an hour old at most, five minutes ahead at most, in
 * serial arithmetic across the wrap of the 32-bit timestamp. */
START_TEST(test_window)
{
	static const struct {
		int32_t age;
		int valid;
	} c[] = { { 0, 1 },    { 3600, 1 }, { 3601, 0 },  { -300, 1 },
		  { -301, 0 }, { 1800, 1 }, { 100000, 0 } };
	struct xdpdns_cookie_keys k = keys(vectors[0].secret, NULL);
	uint8_t q[24], a[4] = { 198, 18, 0, 1 }, reply[24];
	uint32_t ts = (_i == 0) ? 1559731985 : 0xfffffff0u;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		unhex("0102030405060708", q);
		cookie_server(&k.secret[0], q, ts, 4, a, q + 8);
		ck_assert_int_eq(cookie_check(&k, q, 24,
					      ts + (uint32_t)c[i].age, 4, a,
					      reply),
				 c[i].valid ? XDPDNS_COOKIE_VALID :
					      XDPDNS_COOKIE_INVALID);
	}
}
END_TEST

/* RFC 7873 5.2.2: FORMERR lengths; 16 to 40 bytes that are not our
 * 24-byte version 1 cookie are another server's: invalid here. */
START_TEST(test_lengths)
{
	struct xdpdns_cookie_keys k = keys(vectors[0].secret, NULL);
	uint8_t q[48] = { 1, 2, 3, 4, 5, 6, 7, 8 }, a[4] = { 198, 18, 0, 1 };
	uint8_t reply[24];
	size_t len = (size_t)_i;
	enum xdpdns_cookie_verdict want;

	if (len < 8 || (len > 8 && len < 16) || len > 40)
		want = XDPDNS_COOKIE_MALFORMED;
	else if (len == 8)
		want = XDPDNS_COOKIE_CLIENT;
	else
		want = XDPDNS_COOKIE_INVALID;
	ck_assert_int_eq(cookie_check(&k, q, len, 1000, 4, a, reply), want);
}
END_TEST

START_TEST(test_no_secret)
{
	struct xdpdns_cookie_keys k = { 0 };
	uint8_t q[8] = { 1 }, a[4] = { 0 }, reply[24];

	ck_assert_int_eq(cookie_check(&k, q, 8, 1000, 4, a, reply),
			 XDPDNS_COOKIE_NONE);
}
END_TEST

START_TEST(test_secret_file)
{
	static const struct {
		const char *text, *why;
		unsigned int n;
	} c[] = {
		{ "# current\ne5e973e5a6b2a43f48e7dc849e37bfcf\n", NULL, 1 },
		{ "  E5E973E5A6B2A43F48E7DC849E37BFCF  \n\n"
		  "445536bcd2513298075a5d379663c962",
		  NULL, 2 },
		{ "", "no secret in it", 0 },
		{ "# only a comment\n", "no secret in it", 0 },
		{ "e5e973e5a6b2a43f48e7dc849e37bfc\n",
		  "a secret is 32 hex digits (16 bytes)", 0 },
		{ "e5e973e5a6b2a43f48e7dc849e37bfcfaa\n",
		  "a secret is 32 hex digits (16 bytes)", 0 },
		{ "e5e973e5a6b2a43f48e7dc849e37bfcg\n",
		  "a secret is 32 hex digits (16 bytes)", 0 },
		{ "00000000000000000000000000000000\n",
		  "a secret of zeros is no secret", 0 },
		{ "e5e973e5a6b2a43f48e7dc849e37bfcf\ne5e973e5a6b2a43f48e7dc849e37bfcf\n"
		  "e5e973e5a6b2a43f48e7dc849e37bfcf\n",
		  "more than two secrets (current, previous)", 0 },
	};
	struct xdpdns_cookie_keys k;
	char why[128] = "";
	int r = cookie_parse_secrets(c[_i].text, &k, why, sizeof(why));

	if (!c[_i].why) {
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(k.nsecrets, c[_i].n);
		ck_assert_uint_eq(k.secret[0].k0, 0x3fa4b2a6e573e9e5ULL);
	} else {
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_str_eq(why, c[_i].why);
	}
}
END_TEST

START_TEST(test_load_file)
{
	char path[] = "/tmp/check_cookie.XXXXXX", err[256];
	struct xdpdns_cookie_keys k;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "zz\n", 3), 3);
	close(fd);
	ck_assert_int_eq(cookie_load_secrets(path, &k, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_ptr_nonnull(strstr(err, "32 hex digits"));
	unlink(path);
	ck_assert_int_eq(cookie_load_secrets(path, &k, err, sizeof(err)),
			 -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
}
END_TEST

/* A query for www.example.com A with EDNS and the options @opts. */
static size_t query_with(uint8_t *q, const uint8_t *opts, size_t olen)
{
	static const uint8_t head[] = { 0x12, 0x34, 0x01, 0x00, 0,   1,	  0,
					0,    0,    0,	  0,	1,   3,	  'w',
					'w',  'w',  7,	  'e',	'x', 'a', 'm',
					'p',  'l',  'e',  3,	'c', 'o', 'm',
					0,    0,    1,	  0,	1,   0,	  0,
					41,   4,    0xd0, 0,	0,   0,	  0 };
	size_t n = sizeof(head);

	memcpy(q, head, n);
	q[n++] = (uint8_t)(olen >> 8);
	q[n++] = (uint8_t)olen;
	memcpy(q + n, opts, olen);
	return n + olen;
}

/*
 * The daemon's parser finds the first COOKIE among the options (after
 * others too), also one of a length no cookie has: FORMERR (RFC 7873
 * 5.2.2) only with cookies on, which the cookie check decides
 * (check_query.c), so the parse itself resolves it.
 */
START_TEST(test_parse_query)
{
	static const struct {
		uint8_t opts[64];
		size_t len;
		int verdict;
		size_t cookie_len, cookie_at; /* at: in opts */
	} c[] = {
		{ { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 },
		  12,
		  DNSMSG_RESOLVE,
		  8,
		  4 },
		{ { 0, 12, 0, 2, 0, 0, 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 },
		  18,
		  DNSMSG_RESOLVE,
		  8,
		  10 },
		{ { 0, 10, 0, 5, 1, 2, 3, 4, 5 }, 9, DNSMSG_RESOLVE, 5, 4 },
		{ { 0, 10, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
		  16,
		  DNSMSG_RESOLVE,
		  12,
		  4 },
		{ { 0, 3, 0, 0 }, 4, DNSMSG_RESOLVE, 0, 0 },
		/* An option running past the record ends the search. */
		{ { 0, 3, 0, 9, 0, 10, 0, 8 }, 8, DNSMSG_RESOLVE, 0, 0 },
	};
	uint8_t q[128];
	struct dnsmsg_query pq;
	size_t n = query_with(q, c[_i].opts, c[_i].len);

	ck_assert_int_eq(dnsmsg_parse_query(q, n, &pq), c[_i].verdict);
	ck_assert_uint_eq(pq.cookie_len, c[_i].cookie_len);
	if (c[_i].cookie_len)
		ck_assert_uint_eq(pq.cookie_off,
				  n - c[_i].len + c[_i].cookie_at);
	else
		ck_assert_uint_eq(pq.cookie_off, 0);
	ck_assert_uint_eq(pq.reply_cookie_len, 0);
}
END_TEST

/*
 * Every daemon response carries the reply cookie in its OPT record, as
 * libldns reads it: an error (BADCOOKIE's upper bits in the OPT, TC=1 for
 * the tc policy) and an encoded answer, whose room shrinks by the option.
 */
START_TEST(test_responses)
{
	static const uint8_t opt[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t q[128], out[ANSWER_MAX], rc[XDPDNS_COOKIE_LEN];
	struct dnsmsg_query pq;
	ldns_pkt *p = NULL;
	ldns_rdf *data;
	size_t n = query_with(q, opt, sizeof(opt));
	int len;

	for (int i = 0; i < XDPDNS_COOKIE_LEN; i++)
		rc[i] = (uint8_t)(0xa0 + i);
	ck_assert_int_eq(dnsmsg_parse_query(q, n, &pq), DNSMSG_RESOLVE);
	memcpy(pq.reply_cookie, rc, sizeof(rc));
	pq.reply_cookie_len = sizeof(rc);
	len = answer_error(&pq, DNS_RCODE_BADCOOKIE, _i == 1, 1232, out);
	ck_assert_int_eq(ldns_wire2pkt(&p, out, (size_t)len), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_get_rcode(p), DNS_RCODE_BADCOOKIE & 0xf);
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(p),
			  DNS_RCODE_BADCOOKIE >> 4);
	ck_assert_int_eq(ldns_pkt_tc(p), _i == 1);
	data = ldns_pkt_edns_data(p);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(ldns_rdf_size(data), 4 + sizeof(rc));
	ck_assert_mem_eq(ldns_rdf_data(data), "\0\n\0\x18", 4);
	ck_assert_mem_eq(ldns_rdf_data(data) + 4, rc, sizeof(rc));
	ck_assert_int_eq(len, (int)(n - sizeof(opt) + 4 + sizeof(rc)));
	ldns_pkt_free(p);
}
END_TEST

void cookie_tcases(Suite *s)
{
	CKTEST_TCASE(
		s, "Positive", NULL, CKTEST_RANGE(test_rfc9018_vectors, 0, 4),
		CKTEST(test_client_only), CKTEST(test_valid_echo_and_renew),
		CKTEST(test_previous_secret), CKTEST_RANGE(test_window, 0, 2));
	CKTEST_TCASE(s, "Negative", NULL, CKTEST_RANGE(test_lengths, 0, 48),
		     CKTEST(test_no_secret),
		     CKTEST_RANGE(test_secret_file, 0, 9),
		     CKTEST(test_load_file));
	CKTEST_TCASE(s, "Messages", NULL, CKTEST_RANGE(test_parse_query, 0, 6),
		     CKTEST_RANGE(test_responses, 0, 2));
}
