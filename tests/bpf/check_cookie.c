// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * DNS cookies in the XDP program (bpf/cookie.bpf.h), through
 * BPF_PROG_TEST_RUN: the server cookie a query carries is judged with the
 * secrets in xdpdns_cookie, and every reply built in XDP carries the
 * COOKIE option the daemon's lib/cookie.c makes for the same query and
 * second. Each answer is checked byte for byte against cache_entry_render()
 * told that cookie, read by libldns (options, extended rcode), and only the
 * counters expected move. RFC 9018's own examples are judged by the
 * program with its clock set to their time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/cache_entry.h"
#include "lib/cookie.h"
#include "lib/dnsmsg.h"
#include "tests/lib/pktbuild.h"
#include "tests/lib/xdptest.h"
#include "xdpdns.skel.h"
#include "suites.h"

#define NS_PER_S 1000000000ULL

/* RFC 9018's example secrets: the current and the previous one here. */
#define SECRET_NOW "e5e973e5a6b2a43f48e7dc849e37bfcf"
#define SECRET_OLD "445536bcd2513298075a5d379663c962"
#define CLIENT4 "198.18.7.1"
#define CLIENT6 "2001:db8:7::1"

static struct xdptest T;
static struct xdpdns_cookie_keys K; /* what the map holds */
static uint8_t resp_wire[512];
static int resp_len;
static struct xdpdns_cache_entry entry;

static void env_setup(void)
{
	xdptest_open_once(&T, "check_cookie");
}

#define NEED_ENV() \
	ck_assert_msg(T.skel != NULL, "BPF object not loaded: %s", T.err)

static const struct resp_spec resp = {
	.qname = "www.example.com.",
	.qtype = "A",
	.an = (const char *const[]){ "www.example.com. 300 IN A 192.0.2.1",
				     NULL },
};

static void unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
}

/* The secrets in the map, with Unix time @unix_at now (0: the clock's). */
static void keys_set(int nsecrets, uint64_t unix_at)
{
	char text[80], why[128];
	__u32 zero = 0;

	snprintf(text, sizeof(text), "%s\n%s\n", SECRET_NOW,
		 nsecrets > 1 ? SECRET_OLD : "");
	memset(&K, 0, sizeof(K));
	ck_assert_int_eq(cookie_parse_secrets(text, &K, why, sizeof(why)), 0);
	if (!nsecrets)
		K.nsecrets = 0;
	/* Half a second into @unix_at: the program's second is that one
	 * although its clock is coarse. */
	K.unix_offset_ns =
		unix_at ? (int64_t)(unix_at * NS_PER_S + NS_PER_S / 2) -
				  (int64_t)xdptest_now_ns() :
			  cookie_unix_offset();
	ck_assert_int_eq(
		bpf_map_update_elem(bpf_map__fd(T.skel->maps.xdpdns_cookie),
				    &zero, &K, BPF_ANY),
		0);
}

/* Cookies on with @policy, limits off unless @cookie_burst / @rl_burst
 * (one a second), the cache holding www.example.com A. */
static void cookie_start(unsigned int policy, __u32 cookie_burst,
			 __u32 rl_burst)
{
	struct xdpdns_config c = xdptest_config();
	struct xdpdns_cache_key key;

	NEED_ENV();
	c.flags |= XDPDNS_CFG_COOKIE;
	c.cookie_invalid = (__u8)policy;
	c.cookie_rate = cookie_burst ? 1 : 0;
	c.cookie_burst = cookie_burst;
	c.rl_rate = rl_burst ? 1 : 0;
	c.rl_burst = rl_burst;
	c.slip = 0;
	ck_assert_int_eq(xdptest_set_config(&T, &c), 0);
	ck_assert_int_eq(xdptest_cache_flush(&T), 0);
	{
		struct bpf_map *rl = T.skel->maps.xdpdns_rl;
		struct xdpdns_rl_key k, next;
		int fd = bpf_map__fd(rl);

		while (!bpf_map_get_next_key(fd, NULL, &next)) {
			k = next;
			bpf_map_delete_elem(fd, &k);
		}
	}
	resp_len = resp_build(&resp, resp_wire, sizeof(resp_wire));
	ck_assert_int_gt(resp_len, 0);
	ck_assert_int_eq(xdptest_add(&T, &resp, 0, false, xdptest_now_ns(),
				     &key, &entry),
			 0);
	keys_set(2, 0);
}

/* A query for www.example.com A from @src with a COOKIE option of @olen
 * bytes of @cookie (@olen 0: no COOKIE, but EDNS). */
static void cookie_query(struct pkt *p, const char *src, uint16_t id,
			 const uint8_t *cookie, size_t olen)
{
	static uint8_t opt[4 + 64];
	struct pkt_query q = { 0 };

	q.family = strchr(src, ':') ? 6 : 4;
	q.src = src;
	q.dns.id = id;
	q.dns.flags = DNS_F_RD;
	q.dns.qname = "www.example.com";
	q.dns.qtype = 1;
	q.dns.edns = true;
	q.dns.edns_size = 1232;
	opt[0] = 0;
	opt[1] = DNS_OPT_COOKIE;
	opt[2] = 0;
	opt[3] = (uint8_t)olen;
	if (olen)
		memcpy(opt + 4, cookie, olen);
	q.dns.edns_options = olen ? opt : NULL;
	q.dns.edns_options_len = olen ? 4 + olen : 0;
	pkt_query(p, &q);
}

static int src_addr(const char *src, uint8_t *a)
{
	if (inet_pton(AF_INET, src, a) == 1)
		return 4;
	ck_assert_int_eq(inet_pton(AF_INET6, src, a), 1);
	return 6;
}

/* struct xdpdns_stats as __u64[]: answers of type A, answers NOERROR. */
#define STAT_ANSWER_A (XDPDNS_STAT_MAX + 1)
#define STAT_ANSWER_NOERROR (XDPDNS_STAT_MAX + XDPDNS_QTYPE_SLOTS)

/* Counters: PACKETS, QUERIES and each of @up moved by one, nothing else. */
static void check_moved(const struct xdptest_frame_run *r, const int *up, int n)
{
	const __u64 *b = (const __u64 *)&r->before;
	const __u64 *a = (const __u64 *)&r->after;
	unsigned int i, total = sizeof(struct xdpdns_stats) / sizeof(__u64);

	for (i = 0; i < total; i++) {
		__u64 want = i == XDPDNS_STAT_PACKETS ||
			     i == XDPDNS_STAT_QUERIES;

		for (int j = 0; j < n; j++)
			want += up[j] == (int)i;
		ck_assert_msg(a[i] - b[i] == want,
			      "counter %s moved by %llu, want %llu",
			      xdptest_stat_name(i),
			      (unsigned long long)(a[i] - b[i]),
			      (unsigned long long)want);
	}
}

/* The marker counter of a verdict. */
static int marker(int verdict)
{
	return verdict == XDPDNS_COOKIE_VALID	? XDPDNS_STAT_COOKIE_VALID :
	       verdict == XDPDNS_COOKIE_INVALID ? XDPDNS_STAT_COOKIE_INVALID :
						  XDPDNS_STAT_COOKIE_CLIENT;
}

/*
 * The COOKIE option data at the end of XDP_TX frame @r (the last record
 * is our OPT with one option), after checking lib/cookie.c makes the same
 * for @cookie from @src at a second of the run with verdict @verdict.
 */
static void reply_cookie(const struct xdptest_frame_run *r, const char *src,
			 const uint8_t *cookie, size_t olen, int verdict,
			 uint32_t u0, uint32_t u1, uint8_t *got)
{
	uint8_t a[16], want[XDPDNS_COOKIE_LEN];
	int fam = src_addr(src, a);
	bool seen = false;

	ck_assert_uint_gt(r->out_len, 4 + XDPDNS_COOKIE_LEN);
	memcpy(got, r->out + r->out_len - XDPDNS_COOKIE_LEN, XDPDNS_COOKIE_LEN);
	/* The program's second is one of the run's (its clock is coarse). */
	for (uint32_t t = u0 - 1; t <= u1 && !seen; t++) {
		ck_assert_int_eq(cookie_check(&K, cookie, olen, t, fam, a,
					      want),
				 verdict);
		seen = !memcmp(want, got, sizeof(want));
	}
	if (!seen) {
		xdptest_hexdump("answer", r->out, r->out_len);
		ck_abort_msg("the reply cookie is not lib/cookie.c's for any "
			     "second of the run");
	}
}

/*
 * @src asks with @cookie (@olen bytes): an XDP_TX hit carrying the cookie
 * lib/cookie.c makes, checked byte for byte and by libldns, counted with
 * @verdict's marker. The reply cookie into @out when not NULL.
 */
static void expect_hit(const char *src, const uint8_t *cookie, size_t olen,
		       int verdict, uint8_t *out)
{
	static struct xdptest_frame_run r;
	static struct pkt p;
	uint8_t got[XDPDNS_COOKIE_LEN];
	struct xdptest_expect x = { .id = 0x4242,
				    .qflags = DNS_F_RD,
				    .edns = true };
	int up[] = { XDPDNS_STAT_HIT, marker(verdict), STAT_ANSWER_A,
		     STAT_ANSWER_NOERROR };
	uint32_t u0, u1;
	char why[512];

	cookie_query(&p, src, 0x4242, cookie, olen);
	u0 = cookie_unix_now();
	ck_assert_int_eq(xdptest_run_frame(&T, p.buf, p.len, &r), 0);
	u1 = cookie_unix_now();
	ck_assert_msg(r.verdict == XDP_TX, "verdict %s, want XDP_TX",
		      xdptest_verdict_name(r.verdict));
	reply_cookie(&r, src, cookie, olen, verdict, u0, u1, got);
	if (xdptest_check_answer_cookie(p.buf, p.len, r.out, r.out_len, &entry,
					got, r.t0, r.t1, why, sizeof(why))) {
		xdptest_hexdump("answer", r.out, r.out_len);
		ck_abort_msg("answer: %s", why);
	}
	x.resp = resp_wire;
	x.resp_len = (size_t)resp_len;
	x.stored_ns = entry.stored_ns;
	x.cookie = got;
	x.cookie_len = sizeof(got);
	if (xdptest_check_ldns(p.buf, p.len, &r, &x, why, sizeof(why)))
		ck_abort_msg("ldns: %s", why);
	check_moved(&r, up, 4);
	if (out)
		memcpy(out, got, sizeof(got));
}

/* A server cookie for @client from @src made with secret @s at @ts. */
static void make_cookie(int s, const uint8_t *client, const char *src,
			uint32_t ts, uint8_t *c)
{
	uint8_t a[16];
	int fam = src_addr(src, a);

	memcpy(c, client, XDPDNS_COOKIE_CLIENT_LEN);
	cookie_server(&K.secret[s], client, ts, fam, a,
		      c + XDPDNS_COOKIE_CLIENT_LEN);
}

static const uint8_t client_cookie[8] = { 0x24, 0x64, 0xc4, 0xab,
					  0xcf, 0x10, 0xc9, 0x57 };

/* A client cookie alone: a fresh server cookie that then is valid. */
START_TEST(test_client_only)
{
	const char *src = _i ? CLIENT6 : CLIENT4;
	uint8_t got[XDPDNS_COOKIE_LEN], again[XDPDNS_COOKIE_LEN];

	cookie_start(XDPDNS_COOKIE_PROCESS, 0, 0);
	expect_hit(src, client_cookie, 8, XDPDNS_COOKIE_CLIENT, got);
	ck_assert_mem_eq(got, client_cookie, 8);
	ck_assert_uint_eq(got[8], XDPDNS_COOKIE_VERSION);
	/* Asked again with it: valid, and young, so echoed as it is. */
	expect_hit(src, got, sizeof(got), XDPDNS_COOKIE_VALID, again);
	ck_assert_mem_eq(again, got, sizeof(got));
	/* From another address it proves nothing. */
	expect_hit(_i ? "2001:db8:7::2" : "198.18.7.2", got, sizeof(got),
		   XDPDNS_COOKIE_INVALID, NULL);
}
END_TEST

/*
 * Server cookies by age and secret: echoed while younger than
 * XDPDNS_COOKIE_RENEW with the current secret; renewed when older, or
 * made with the previous secret (still valid); invalid past
 * XDPDNS_COOKIE_MAX_AGE, too far ahead, or with a hash we did not make.
 */
static const struct age_case {
	const char *label;
	int secret; /* 0 current, 1 previous */
	int age; /* seconds before now; negative: ahead */
	bool corrupt; /* one bit of the hash flipped */
	int verdict;
	bool echoed;
} age_cases[] = {
	{ "current, 10 s old", 0, 10, false, XDPDNS_COOKIE_VALID, true },
	{ "current, 2000 s old", 0, 2000, false, XDPDNS_COOKIE_VALID, false },
	{ "previous, 10 s old", 1, 10, false, XDPDNS_COOKIE_VALID, false },
	{ "current, 3700 s old", 0, 3700, false, XDPDNS_COOKIE_INVALID, false },
	{ "current, 200 s ahead", 0, -200, false, XDPDNS_COOKIE_VALID, true },
	{ "current, 400 s ahead", 0, -400, false, XDPDNS_COOKIE_INVALID,
	  false },
	{ "bad hash", 0, 10, true, XDPDNS_COOKIE_INVALID, false },
	{ "previous, bad hash", 1, 10, true, XDPDNS_COOKIE_INVALID, false },
};

START_TEST(test_ages)
{
	const struct age_case *c = &age_cases[_i / 2];
	const char *src = _i % 2 ? CLIENT6 : CLIENT4;
	uint8_t q[XDPDNS_COOKIE_LEN], got[XDPDNS_COOKIE_LEN];

	cookie_start(XDPDNS_COOKIE_PROCESS, 0, 0);
	make_cookie(c->secret, client_cookie, src,
		    (uint32_t)((int64_t)cookie_unix_now() - c->age), q);
	if (c->corrupt)
		q[20] ^= 0x10;
	expect_hit(src, q, sizeof(q), c->verdict, got);
	ck_assert_msg(!memcmp(got, q, sizeof(q)) == c->echoed,
		      "%s: echoed %d, want %d", c->label,
		      !memcmp(got, q, sizeof(q)), c->echoed);
	ck_assert_mem_eq(got, client_cookie, 8);
}
END_TEST

/* With no secret in the map nothing is judged or added: the program acts
 * as before cookies (the daemon writes the secrets at start). */
START_TEST(test_no_secret)
{
	static struct xdptest_frame_run r;
	static struct pkt p;
	struct xdptest_expect x = { .id = 7, .qflags = DNS_F_RD, .edns = true };
	int up[] = { XDPDNS_STAT_HIT, STAT_ANSWER_A, STAT_ANSWER_NOERROR };
	uint8_t q[XDPDNS_COOKIE_LEN];
	char why[512];

	cookie_start(XDPDNS_COOKIE_BADCOOKIE, 0, 0);
	make_cookie(0, client_cookie, CLIENT4, cookie_unix_now(), q);
	keys_set(0, 0);
	cookie_query(&p, CLIENT4, 7, q, sizeof(q));
	ck_assert_int_eq(xdptest_run_frame(&T, p.buf, p.len, &r), 0);
	ck_assert_uint_eq(r.verdict, XDP_TX);
	ck_assert_int_eq(xdptest_check_answer(p.buf, p.len, r.out, r.out_len,
					      &entry, r.t0, r.t1, why,
					      sizeof(why)),
			 0);
	x.resp = resp_wire;
	x.resp_len = (size_t)resp_len;
	x.stored_ns = entry.stored_ns;
	ck_assert_msg(!xdptest_check_ldns(p.buf, p.len, &r, &x, why,
					  sizeof(why)),
		      "ldns: %s", why);
	check_moved(&r, up, 3);
}
END_TEST

/*
 * RFC 9018 appendix A, judged by the program at the examples' own time:
 * the server cookies the RFC shows are valid from their clients' addresses
 * (A.2 over IPv4, A.4 over IPv6), echoed while young, renewed to exactly
 * the RFC's cookie at A.2's later time.
 */
START_TEST(test_rfc9018)
{
	static const struct {
		const char *src, *cookie, *want;
		bool previous; /* made with the map's previous secret */
		uint32_t at;
	} v[] = {
		{ "198.51.100.100",
		  "2464c4abcf10c957010000005cf79f111f8130c3eee29480",
		  "2464c4abcf10c957010000005cf79f111f8130c3eee29480", false,
		  1559731985 + 5 },
		{ "198.51.100.100",
		  "2464c4abcf10c957010000005cf79f111f8130c3eee29480",
		  "2464c4abcf10c957010000005cf7a871d4a564a1442aca77", false,
		  1559734385 },
		{ "2001:db8:220:1:59de:d0f4:8769:82b8",
		  "22681ab97d52c298010000005cf7c609a6bb79d16625507a",
		  "22681ab97d52c298010000005cf7c609a6bb79d16625507a", true,
		  1559741961 + 5 },
	};
	static struct xdptest_frame_run r;
	static struct pkt p;
	uint8_t q[XDPDNS_COOKIE_LEN], want[XDPDNS_COOKIE_LEN];

	cookie_start(XDPDNS_COOKIE_PROCESS, 0, 0);
	unhex(v[_i].cookie, q);
	unhex(v[_i].want, want);
	/* A.4's secret is the second one in the map: the previous secret
	 * validates, but the cookie is then renewed with the current. */
	keys_set(2, v[_i].at);
	cookie_query(&p, v[_i].src, 1, q, sizeof(q));
	ck_assert_int_eq(xdptest_run_frame(&T, p.buf, p.len, &r), 0);
	ck_assert_uint_eq(r.verdict, XDP_TX);
	ck_assert_uint_eq(r.after.cookie_valid - r.before.cookie_valid, 1);
	if (!v[_i].previous)
		ck_assert_mem_eq(r.out + r.out_len - XDPDNS_COOKIE_LEN, want,
				 XDPDNS_COOKIE_LEN);
	else
		ck_assert_mem_eq(r.out + r.out_len - XDPDNS_COOKIE_LEN, want,
				 8);
}
END_TEST

/*
 * --cookie-invalid badcookie / tc: an invalid server cookie gets BADCOOKIE
 * (rcode 23: 7 in the header, 1 in the OPT) or TC=1, the question, no
 * records and a fresh cookie, never longer than the query; a server cookie
 * too short to make room for ours is processed instead.
 */
START_TEST(test_policy)
{
	bool tc = _i == 1;
	static struct xdptest_frame_run r;
	static struct pkt p;
	uint8_t q[XDPDNS_COOKIE_LEN], got[XDPDNS_COOKIE_LEN];
	struct xdptest_expect x = { .id = 9,
				    .qflags = DNS_F_RD,
				    .edns = true,
				    .rcode = tc ? 0 : DNS_RCODE_BADCOOKIE,
				    .tc = tc };
	int up[] = { XDPDNS_STAT_COOKIE_BAD, XDPDNS_STAT_COOKIE_INVALID };
	uint32_t u0, u1;
	char why[512];

	cookie_start(tc ? XDPDNS_COOKIE_TC : XDPDNS_COOKIE_BADCOOKIE, 0, 0);
	make_cookie(0, client_cookie, CLIENT4, cookie_unix_now() - 4000, q);
	cookie_query(&p, CLIENT4, 9, q, sizeof(q));
	u0 = cookie_unix_now();
	ck_assert_int_eq(xdptest_run_frame(&T, p.buf, p.len, &r), 0);
	u1 = cookie_unix_now();
	ck_assert_msg(r.verdict == XDP_TX, "verdict %s",
		      xdptest_verdict_name(r.verdict));
	ck_assert_uint_le(r.out_len, p.len);
	ck_assert_int_eq(pkt_verify_checksums(r.out, r.out_len, true, why,
					      sizeof(why)),
			 0);
	reply_cookie(&r, CLIENT4, q, sizeof(q), XDPDNS_COOKIE_INVALID, u0, u1,
		     got);
	x.cookie = got;
	x.cookie_len = sizeof(got);
	ck_assert_msg(!xdptest_check_ldns(p.buf, p.len, &r, &x, why,
					  sizeof(why)),
		      "ldns: %s", why);
	check_moved(&r, up, 2);

	/* 16 bytes of someone else's server cookie: no room, processed. */
	expect_hit(CLIENT4, q, 16, XDPDNS_COOKIE_INVALID, NULL);
}
END_TEST

/* A COOKIE of a length no cookie has: passed untouched for the daemon's
 * FORMERR, counted as such and as nothing else. */
START_TEST(test_malformed)
{
	static const size_t lens[] = { 1, 7, 9, 15, 41 };
	static struct xdptest_frame_run r;
	static struct pkt p;
	uint8_t q[48] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	int up[] = { XDPDNS_STAT_COOKIE_MALFORMED };

	cookie_start(XDPDNS_COOKIE_BADCOOKIE, 0, 0);
	cookie_query(&p, CLIENT4, 3, q, lens[_i]);
	ck_assert_int_eq(xdptest_run_frame(&T, p.buf, p.len, &r), 0);
	ck_assert_uint_eq(r.verdict, XDP_PASS);
	ck_assert(r.out_len == p.len && !memcmp(r.out, p.buf, p.len));
	check_moved(&r, up, 1);
}
END_TEST

/*
 * The cookie stage: a client with a valid server cookie is not held to
 * the per-client bucket meant for spoofable sources but to its own
 * (--ratelimit-cookie), keyed apart; one without is held to the host's.
 */
START_TEST(test_stage)
{
	static struct xdptest_frame_run r;
	static struct pkt p;
	uint8_t q[XDPDNS_COOKIE_LEN];
	int i;

	cookie_start(XDPDNS_COOKIE_PROCESS, 5, 1);
	make_cookie(0, client_cookie, CLIENT4, cookie_unix_now(), q);
	/* Host bucket of 1: the second plain query is dropped. */
	expect_hit(CLIENT4, client_cookie, 8, XDPDNS_COOKIE_CLIENT, NULL);
	cookie_query(&p, CLIENT4, 2, client_cookie, 8);
	ck_assert_int_eq(xdptest_run_frame(&T, p.buf, p.len, &r), 0);
	ck_assert_uint_eq(r.verdict, XDP_DROP);
	ck_assert_uint_eq(r.after.rl_dropped - r.before.rl_dropped, 1);
	/* The same address proving itself: five, its own burst. */
	for (i = 0; i < 5; i++)
		expect_hit(CLIENT4, q, sizeof(q), XDPDNS_COOKIE_VALID, NULL);
	cookie_query(&p, CLIENT4, 3, q, sizeof(q));
	ck_assert_int_eq(xdptest_run_frame(&T, p.buf, p.len, &r), 0);
	ck_assert_uint_eq(r.verdict, XDP_DROP);
	ck_assert_uint_eq(r.after.cookie_dropped - r.before.cookie_dropped, 1);
	ck_assert_uint_eq(r.after.cookie_valid - r.before.cookie_valid, 1);
}
END_TEST

/*
 * Our COOKIE makes an answer 28 bytes longer: around the client's 512
 * bytes, every answer the renderer (told the reply cookie) says fits is an
 * XDP_TX hit of exactly that length, and every one it refuses is passed as
 * too big; both happen.
 */
START_TEST(test_size_limit)
{
	static struct xdptest_frame_run r;
	static struct pkt p;
	static char txt[600], xs[300];
	const char *an[] = { txt, NULL };
	struct resp_spec big = { .qname = "www.example.com.",
				 .qtype = "TXT",
				 .an = an };
	struct xdpdns_cache_key key;
	unsigned int fits = 0, too_big = 0;

	cookie_start(XDPDNS_COOKIE_PROCESS, 0, 0);
	memset(xs, 'x', sizeof(xs) - 1);
	for (int n = 410; n <= 440; n++) {
		struct cache_entry_query cq = { .edns_size =
							XDPTEST_EDNS_SIZE };
		struct dnsmsg_query pq;
		uint8_t want[PKT_MAX], rc[XDPDNS_COOKIE_LEN];
		int len;

		/* Two strings: a TXT record's are at most 255 bytes. */
		snprintf(txt, sizeof(txt),
			 "www.example.com. 300 IN TXT \"%.*s\" \"%.*s\"", n / 2,
			 xs, n - n / 2, xs);
		ck_assert_int_eq(xdptest_cache_flush(&T), 0);
		len = xdptest_add(&T, &big, 0, false, xdptest_now_ns(), &key,
				  &entry);
		ck_assert_msg(len == 0, "%d: entry not stored (%d)", n, len);
		/* TXT with a client cookie, EDNS size 512. */
		{
			struct pkt_query q = { 0 };
			static uint8_t opt[12] = { 0, 10, 0, 8 };

			memcpy(opt + 4, client_cookie, 8);
			q.src = CLIENT4;
			q.dns.id = 5;
			q.dns.flags = DNS_F_RD;
			q.dns.qname = "www.example.com";
			q.dns.qtype = 16;
			q.dns.edns = true;
			q.dns.edns_size = 512;
			q.dns.edns_options = opt;
			q.dns.edns_options_len = sizeof(opt);
			pkt_query(&p, &q);
		}
		ck_assert_int_eq(xdptest_run_frame(&T, p.buf, p.len, &r), 0);
		/* The renderer's verdict with a reply cookie (any: the
		 * length is what matters). */
		memset(rc, 0, sizeof(rc));
		dnsmsg_parse_query(p.buf + p.dns_off, p.len - p.dns_off, &pq);
		memcpy(pq.reply_cookie, rc, sizeof(rc));
		pq.reply_cookie_len = sizeof(rc);
		cq.msg = pq.msg;
		cq.len = pq.len;
		cq.parsed = &pq;
		cq.now_ns = xdptest_now_ns();
		len = cache_entry_render(&entry, &cq, want, sizeof(want));
		if (len < 0) {
			ck_assert_msg(r.verdict == XDP_PASS,
				      "%d: renderer refuses, program %s", n,
				      xdptest_verdict_name(r.verdict));
			ck_assert_uint_eq(r.after.too_big - r.before.too_big,
					  1);
			too_big++;
		} else {
			ck_assert_msg(r.verdict == XDP_TX,
				      "%d: renderer %d bytes, program %s", n,
				      len, xdptest_verdict_name(r.verdict));
			ck_assert_uint_eq(r.out_len, (size_t)p.dns_off + len);
			fits++;
		}
	}
	ck_assert_uint_gt(fits, 0);
	ck_assert_uint_gt(too_big, 0);
}
END_TEST

void cookie_tcases(Suite *s)
{
	TCase *tc = tcase_create("cookie");

	tcase_add_unchecked_fixture(tc, env_setup, NULL);
	tcase_add_loop_test(tc, test_client_only, 0, 2);
	tcase_add_loop_test(tc, test_ages, 0, 2 * ARRAY_SIZE(age_cases));
	tcase_add_test(tc, test_no_secret);
	tcase_add_loop_test(tc, test_rfc9018, 0, 3);
	tcase_add_loop_test(tc, test_policy, 0, 2);
	tcase_add_loop_test(tc, test_malformed, 0, 5);
	tcase_add_test(tc, test_stage);
	tcase_add_test(tc, test_size_limit);
	suite_add_tcase(s, tc);
}
