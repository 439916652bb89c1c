// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The query glue (userspace/query.c, linked from libxdpdnsd.a) without XDP:
 * queries handed to query_on_client() as listen.c would for UDP, answers
 * read from a client socket on 127.0.0.1 and parsed with libldns. The
 * resolver is the real one on a static local zone (nothing leaves the
 * host, as in check_resolver.c). Checked: the answer and its counters, a
 * second ask from the daemon's answer cache, identical queries joined but
 * each answered with its own ID and question case, the ACL (dropped, or
 * REFUSED with --acl-action refuse), each malformed query's error rcode,
 * a COOKIE no cookie can be (FORMERR with cookies on, resolved off),
 * SERVFAIL at --resolve-timeout for every waiter and at
 * --max-outstanding; a UDP thread's context (--threads) relaying its miss
 * to the loop's thread, answering the next ask itself, and answering
 * SERVFAIL when the relay is full.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "qctx_fixture.h"
#include "suites.h"
#include "userspace/acl.h"
#include "userspace/anscache.h"
#include "userspace/cookies.h"
#include "userspace/event.h"
#include "userspace/query.h"
#include "userspace/relay.h"
#include "userspace/resolver.h"

struct fixture {
	struct qctx_fixture q;
	int server_fd; /* the socket queries "came in on" */
	int client_fd[2]; /* 127.0.0.1 and 127.0.0.2 */
	struct listen_client client[2];
};

static struct fixture fx;

/* A daemon without XDP: --allow 127.0.0.0/8 --deny 127.0.0.2. */
static void start(const char *timeout, bool refuse)
{
	char *argv[] = { "xdpdnsd",
			 "--no-xdp",
			 "--listen",
			 "127.0.0.1",
			 "--forward",
			 "127.0.0.1@9",
			 "--resolve-timeout",
			 (char *)timeout,
			 "--allow",
			 "127.0.0.0/8",
			 "--deny",
			 "127.0.0.2",
			 "--acl-action",
			 refuse ? "refuse" : "drop" };
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&fx, 0, sizeof(fx));
	qctx_start(&fx.q, ARRAY_SIZE(argv), argv);
	fx.server_fd = qctx_udp_socket("127.0.0.1", &ss, &len);
	for (int i = 0; i < 2; i++) {
		fx.client_fd[i] = qctx_udp_socket(i ? "127.0.0.2" : "127.0.0.1",
						  &fx.client[i].peer,
						  &fx.client[i].peer_len);
		fx.client[i].transport = LISTEN_UDP;
		fx.client[i].fd = fx.server_fd;
	}
}

static void stop(void)
{
	qctx_stop(&fx.q);
	close(fx.server_fd);
	close(fx.client_fd[0]);
	close(fx.client_fd[1]);
}

/* A query as a stub sends it, built with ldns. */
static void ask_on(struct query_ctx *ctx, int client, const char *name,
		   ldns_rr_type type, uint16_t id, uint16_t edns)
{
	ldns_rdf *qname = ldns_dname_new_frm_str(name);
	uint8_t *wire = NULL;
	ldns_pkt *p;
	size_t len;

	ck_assert_ptr_nonnull(qname);
	p = ldns_pkt_query_new(qname, type, LDNS_RR_CLASS_IN, LDNS_RD);
	ck_assert_ptr_nonnull(p);
	ldns_pkt_set_id(p, id);
	if (edns)
		ldns_pkt_set_edns_udp_size(p, edns);
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	query_on_client(ctx, wire, len, &fx.client[client]);
	free(wire);
	ldns_pkt_free(p);
}

static void ask(int client, const char *name, ldns_rr_type type, uint16_t id,
		uint16_t edns)
{
	ask_on(fx.q.ctx, client, name, type, id, edns);
}

/* The next answer at @client within @ms, parsed; NULL if none came. */
static ldns_pkt *answer(int client, int ms)
{
	struct pollfd p = { .fd = fx.client_fd[client], .events = POLLIN };
	uint8_t buf[4096];
	ldns_pkt *pkt = NULL;
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return NULL;
	n = recv(fx.client_fd[client], buf, sizeof(buf), 0);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(ldns_wire2pkt(&pkt, buf, n), LDNS_STATUS_OK);
	return pkt;
}

/*
 * Delivers finished resolutions for up to @ms, until none is in flight
 * (@until_idle) or for all of @ms.
 */
static void run_resolver(int ms, bool until_idle)
{
	uint64_t end = ev_now_ns() + (uint64_t)ms * 1000000;

	while (ev_now_ns() < end) {
		struct pollfd p = { .fd = resolver_fd(fx.q.ctx->res),
				    .events = POLLIN };

		if (poll(&p, 1, 10) > 0)
			ck_assert_int_eq(resolver_process(fx.q.ctx->res), 0);
		if (until_idle && fx.q.stats.requestlist_current == 0)
			return;
	}
	ck_assert_msg(!until_idle, "resolutions still in flight after %d ms",
		      ms);
}

/* @p answers @name A with @addr, ID @id, and nothing else. */
static void assert_a(ldns_pkt *p, uint16_t id, const char *name,
		     const char *addr)
{
	ldns_rr *q, *rr;
	char *s;

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(ldns_pkt_id(p), id);
	ck_assert(ldns_pkt_qr(p) && ldns_pkt_rd(p) && ldns_pkt_ra(p));
	ck_assert(!ldns_pkt_tc(p));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 1);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 0);
	/* The question exactly as asked, case included. */
	q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	s = ldns_rdf2str(ldns_rr_owner(q));
	ck_assert_str_eq(s, name);
	free(s);
	rr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	ck_assert_int_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_A);
	ck_assert_uint_le(ldns_rr_ttl(rr), 300);
	ck_assert_uint_ge(ldns_rr_ttl(rr), 298);
	s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	ck_assert_str_eq(s, addr);
	free(s);
	ldns_pkt_free(p);
}

/* @p (freed here) is an answer with ID @id and rcode @rcode. */
static void assert_rcode(ldns_pkt *p, uint16_t id, ldns_pkt_rcode rcode)
{
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(ldns_pkt_id(p), id);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), rcode);
	ldns_pkt_free(p);
}

/* --- Positive ------------------------------------------------------------ */

/* Resolved and answered; asked again, answered from the answer cache. */
START_TEST(test_resolve_then_cache)
{
	start("4", false);
	ask(0, "A.tEsT.", LDNS_RR_TYPE_A, 0x1111, 0);
	ck_assert_uint_eq(fx.q.stats.cache_miss, 1);
	ck_assert_uint_eq(fx.q.stats.query_type[1], 1);
	ck_assert_ptr_null(answer(0, 0)); /* not before libunbound is done */
	run_resolver(3000, true);
	assert_a(answer(0, 1000), 0x1111, "A.tEsT.", "192.0.2.1");
	ck_assert_uint_eq(anscache_count(fx.q.ctx->ac), 1);
	ck_assert_uint_eq(fx.q.stats.answer_rcode[0], 1);

	/* No resolution this time: the answer is there at once. */
	ask(0, "a.test.", LDNS_RR_TYPE_A, 0x2222, 1232);
	assert_a(answer(0, 0), 0x2222, "a.test.", "192.0.2.1");
	ck_assert_uint_eq(fx.q.stats.answer_cache_hits, 1);
	ck_assert_uint_eq(fx.q.stats.cache_miss, 1);
	ck_assert_uint_eq(fx.q.stats.requestlist_current, 0);
	ck_assert_uint_eq(fx.q.stats.answer_rcode[0], 2);
	stop();
}
END_TEST

/* Two clients, one resolution, each answer its own. */
START_TEST(test_joined)
{
	start("4", false);
	ask(0, "b.test.", LDNS_RR_TYPE_A, 0x0101, 0);
	ask(0, "B.TEST.", LDNS_RR_TYPE_A, 0x0202, 0);
	ask(0, "b.test.", LDNS_RR_TYPE_A, 0x0303, 1232);
	ck_assert_uint_eq(fx.q.stats.cache_miss, 1);
	ck_assert_uint_eq(fx.q.stats.inflight_joined, 2);
	ck_assert_uint_eq(fx.q.stats.requestlist_current, 1);
	run_resolver(3000, true);
	assert_a(answer(0, 1000), 0x0101, "b.test.", "192.0.2.2");
	assert_a(answer(0, 1000), 0x0202, "B.TEST.", "192.0.2.2");
	assert_a(answer(0, 1000), 0x0303, "b.test.", "192.0.2.2");
	ck_assert_ptr_null(answer(0, 100));
	stop();
}
END_TEST

/* --- Negative ------------------------------------------------------------ */

/* Denied: no answer, or REFUSED with --acl-action refuse. */
START_TEST(test_acl)
{
	start("4", _i == 1);
	ask(1, "a.test.", LDNS_RR_TYPE_A, 0x3333, 0);
	ck_assert_uint_eq(fx.q.stats.queries_bad, 1);
	ck_assert_uint_eq(fx.q.stats.cache_miss, 0);
	ck_assert_uint_eq(fx.q.stats.requestlist_current, 0);
	if (_i == 1)
		assert_rcode(answer(1, 1000), 0x3333, LDNS_RCODE_REFUSED);
	else
		ck_assert_ptr_null(answer(1, 200));
	stop();
}
END_TEST

/* Malformed queries through query_on_client(): the rcode, or silence. */
static const struct bad_query {
	const char *what;
	uint8_t msg[40];
	size_t len;
	int rcode; /* -1: no answer */
	bool bad; /* counted in queries_bad */
} bad_queries[] = {
	{ "response",
	  { 0, 1, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 },
	  19,
	  -1,
	  true },
	{ "short", { 0, 1, 1, 0 }, 4, -1, true },
	{ "qdcount 2",
	  { 0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 },
	  19,
	  LDNS_RCODE_FORMERR,
	  true },
	{ "opcode STATUS",
	  { 0, 1, 0x11, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 },
	  19,
	  LDNS_RCODE_NOTIMPL,
	  true },
	{ "RD clear",
	  { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 },
	  19,
	  LDNS_RCODE_REFUSED,
	  false },
	{ "AXFR",
	  { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 252, 0, 1 },
	  19,
	  LDNS_RCODE_REFUSED,
	  false },
	/* EDNS version 1: BADVERS (16), so 0 in the header's rcode bits. */
	{ "BADVERS",
	  { 0, 1, 1, 0, 0, 1, 0,  0, 0,	   0, 0, 1, 1, 'a', 0,
	    0, 1, 0, 1, 0, 0, 41, 4, 0xd0, 0, 1, 0, 0, 0,   0 },
	  30,
	  0,
	  true },
};

START_TEST(test_bad_query)
{
	const struct bad_query *b = &bad_queries[_i];
	ldns_pkt *p;

	start("4", false);
	query_on_client(fx.q.ctx, b->msg, b->len, &fx.client[0]);
	ck_assert_uint_eq(fx.q.stats.queries_bad, b->bad);
	ck_assert_uint_eq(fx.q.stats.cache_miss, 0);
	p = answer(0, b->rcode < 0 ? 200 : 1000);
	if (b->rcode < 0) {
		ck_assert_msg(!p, "%s: answered", b->what);
	} else {
		ck_assert_msg(p, "%s: no answer", b->what);
		ck_assert(ldns_pkt_qr(p));
		if (!strcmp(b->what, "BADVERS"))
			ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(p), 1);
		assert_rcode(p, 1, b->rcode);
	}
	stop();
}
END_TEST

/*
 * A COOKIE of a length no cookie has (here 0): FORMERR with cookies on
 * (RFC 7873 5.2.2), ignored and the query resolved with them off, as XDP
 * serves it then.
 */
START_TEST(test_malformed_cookie)
{
	static const uint8_t
		msg
			[] = {
				0x61, 0x61, 1,	0,   0,	  1,   0,   0,
				0,    0,    0,	1, /* RD, QD 1, AR 1 */
				1,    'a',  4,	't', 'e', 's', 't', 0,
				0,    1,    0,	1, /* a.test. A */
				0,    0,    41, 16,  0,	  0,   0,   0,
				0,    0,    4,	0,   10,  0,   0 /* COOKIE, 0 */
			};
	struct cookies ck;
	char err[128] = "";
	ldns_pkt *p;

	start("4", false);
	if (_i) {
		ck_assert_int_eq(cookies_init(&ck, &fx.q.cfg, -1, &fx.q.stats,
					      ev_now_ns(), err, sizeof(err)),
				 0);
		fx.q.ctx->cookies = &ck;
	}
	query_on_client(fx.q.ctx, msg, sizeof(msg), &fx.client[0]);
	if (_i) {
		ck_assert_uint_eq(fx.q.stats.cookie_malformed, 1);
		ck_assert_uint_eq(fx.q.stats.queries_bad, 1);
		ck_assert_uint_eq(fx.q.stats.cache_miss, 0);
		assert_rcode(answer(0, 1000), 0x6161, LDNS_RCODE_FORMERR);
	} else {
		ck_assert_uint_eq(fx.q.stats.queries_bad, 0);
		ck_assert_uint_eq(fx.q.stats.cache_miss, 1);
		run_resolver(3000, true);
		p = answer(0, 1000);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
		assert_rcode(p, 0x6161, LDNS_RCODE_NOERROR);
	}
	stop();
	if (_i)
		cookies_destroy(&ck);
}
END_TEST

/* Every waiter of a resolution given up gets SERVFAIL, once. */
START_TEST(test_timeout_servfail)
{
	struct pollfd p;

	start("1", false);
	ask(0, "a.test.", LDNS_RR_TYPE_A, 0x0a0a, 0);
	ask(0, "a.test.", LDNS_RR_TYPE_A, 0x0b0b, 0);
	p = (struct pollfd){ .fd = resolver_timer_fd(fx.q.ctx->res),
			     .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 3000), 1);
	resolver_expire(fx.q.ctx->res);
	assert_rcode(answer(0, 1000), 0x0a0a, LDNS_RCODE_SERVFAIL);
	assert_rcode(answer(0, 1000), 0x0b0b, LDNS_RCODE_SERVFAIL);
	/* libunbound's late answer reaches nobody. */
	run_resolver(200, false);
	ck_assert_ptr_null(answer(0, 100));
	ck_assert_uint_eq(fx.q.stats.resolve_timeouts, 1);
	ck_assert_uint_eq(fx.q.stats.answer_rcode[2], 2);
	stop();
}
END_TEST

/* Beyond --max-outstanding: SERVFAIL at once, counted as overload. */
START_TEST(test_overload_servfail)
{
	start("4", false);
	resolver_set_max(fx.q.ctx->res, 1);
	ask(0, "a.test.", LDNS_RR_TYPE_A, 0x0c0c, 0);
	ask(0, "b.test.", LDNS_RR_TYPE_A, 0x0d0d, 0);
	ck_assert_uint_eq(fx.q.stats.servfail_overload, 1);
	assert_rcode(answer(0, 0), 0x0d0d, LDNS_RCODE_SERVFAIL);
	run_resolver(3000, true);
	assert_a(answer(0, 1000), 0x0c0c, "a.test.", "192.0.2.1");
	stop();
}
END_TEST

/* --- --threads ------------------------------------------------------------ */

/*
 * On a UDP thread's context: a miss goes to the relay, not to libunbound;
 * the loop's thread drains it and resolves; the next ask is an answer-cache
 * hit on the thread itself. A full relay: SERVFAIL at once, as overload.
 */
START_TEST(test_relayed)
{
	struct daemon_stats wst = { 0 };
	struct query_ctx *w = malloc(sizeof(*w));
	struct relay *relay;
	struct pollfd p;

	start("4", false);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(relay_create(1, &relay), 0);
	query_ctx_thread(w, fx.q.ctx, NULL, relay, &wst);
	p = (struct pollfd){ .fd = relay_fd(relay), .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 0), 0);

	ask_on(w, 0, "A.test.", LDNS_RR_TYPE_A, 0x5151, 0);
	ck_assert_uint_eq(wst.relayed, 1);
	ck_assert_uint_eq(wst.query_type[1], 1);
	ck_assert_uint_eq(fx.q.stats.cache_miss, 0);
	ck_assert_uint_eq(fx.q.stats.requestlist_current, 0);
	ck_assert_int_eq(poll(&p, 1, 0), 1);
	/* The relay holds one: the next miss is an overload SERVFAIL. */
	ask_on(w, 0, "b.test.", LDNS_RR_TYPE_A, 0x5252, 0);
	ck_assert_uint_eq(wst.servfail_overload, 1);
	ck_assert_uint_eq(wst.relayed, 1);
	assert_rcode(answer(0, 0), 0x5252, LDNS_RCODE_SERVFAIL);

	query_relay_drain(fx.q.ctx, relay);
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	ck_assert_uint_eq(fx.q.stats.cache_miss, 1);
	ck_assert_uint_eq(fx.q.stats.query_type[1], 0); /* counted once */
	run_resolver(3000, true);
	assert_a(answer(0, 1000), 0x5151, "A.test.", "192.0.2.1");

	ask_on(w, 0, "a.TEST.", LDNS_RR_TYPE_A, 0x5353, 0);
	assert_a(answer(0, 0), 0x5353, "a.TEST.", "192.0.2.1");
	ck_assert_uint_eq(wst.answer_cache_hits, 1);
	ck_assert_uint_eq(wst.relayed, 1);
	ck_assert_uint_eq(fx.q.stats.answer_cache_hits, 0);
	ck_assert_uint_eq(fx.q.stats.cache_miss, 1);
	relay_destroy(relay, query_relay_free);
	free(w);
	stop();
}
END_TEST

void query_tcases(Suite *s)
{
	static const struct cktest_opts o = { .timeout = 10 };

	CKTEST_TCASE(s, "Positive", &o, CKTEST(test_resolve_then_cache),
		     CKTEST(test_joined));
	CKTEST_TCASE(s, "Negative", &o, CKTEST_LOOP(test_acl, 2),
		     CKTEST_TABLE(test_bad_query, bad_queries),
		     CKTEST_LOOP(test_malformed_cookie, 2));
	CKTEST_TCASE(s, "Limits", &o, CKTEST(test_timeout_servfail),
		     CKTEST(test_overload_servfail));
	CKTEST_TCASE(s, "Threads", &o, CKTEST(test_relayed));
}
