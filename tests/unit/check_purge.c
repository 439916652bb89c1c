// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Purges on the daemon's side (userspace/purge.c, anscache_purge(),
 * refresh_purge(), resolver_flush(), lib/purgechan.c), linked from the
 * daemon core: which keys a request covers (every DO/CD variant, a type or
 * all), what the answer copy and the refresh index drop and keep, what a
 * request read from the channel must look like before it is acted on
 * (seen already, too old, malformed), and a purge through a real daemon
 * context without XDP: the purged answer is resolved afresh on a new
 * libunbound context, the other answers stay in the copy, the counters
 * move, and a flush while a resolution is in flight answers its waiters
 * exactly once. The resolver is libunbound on a static local zone, so
 * nothing leaves the host (as in check_query.c).
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

#include "lib/dnswire.h"
#include "lib/purgechan.h"
#include "qctx_fixture.h"
#include "suites.h"
#include "userspace/anscache.h"
#include "userspace/event.h"
#include "userspace/purge.h"
#include "userspace/query.h"
#include "userspace/refresh.h"
#include "userspace/resolver.h"

#define NSEC_PER_SEC 1000000000ULL
#define T0 (1000 * NSEC_PER_SEC)

/* A cache key for text name @name (lower-cased), @qtype and @flags. */
static struct xdpdns_cache_key key_of(const char *name, uint16_t qtype,
				      uint8_t flags)
{
	struct xdpdns_cache_key k = { 0 };
	int n = dnswire_name_from_text(name, k.qname, sizeof(k.qname));

	ck_assert_int_gt(n, 0);
	dnswire_name_lower(k.qname, (size_t)n);
	k.qtype = qtype;
	k.qclass = DNS_CLASS_IN;
	k.flags = flags;
	return k;
}

/* A request to purge @name (NULL: a flush) of @qtype (0: every type). */
static struct xdpdns_purge req_of(const char *name, uint16_t qtype)
{
	struct xdpdns_purge rq = { .op = XDPDNS_PURGE_ALL, .seq = 1 };

	if (name) {
		struct xdpdns_cache_key k = key_of(name, 0, 0);

		rq.op = XDPDNS_PURGE_NAME;
		rq.qtype = qtype;
		memcpy(rq.qname, k.qname, sizeof(rq.qname));
	}
	return rq;
}

/* A plausible entry: only expire_ns and data_len matter to the copy. */
static void entry_of(struct xdpdns_cache_entry *e, uint64_t expire_ns)
{
	memset(e, 0, sizeof(*e));
	e->expire_ns = expire_ns;
	e->stored_ns = T0;
	e->ttl = 300;
	e->data_len = 16;
}

static bool match_cb(void *arg, const struct xdpdns_cache_key *key)
{
	return purgechan_match(arg, key);
}

/* --- Positive ------------------------------------------------------------ */

static const struct match_case {
	const char *req; /* NULL: flush */
	uint16_t req_type;
	const char *name;
	uint16_t qtype;
	uint8_t flags;
	bool match;
} match_cases[] = {
	{ "www.example.", 0, "www.example.", 1, 0, true },
	{ "www.example.", 0, "WWW.Example.", 28, XDPDNS_KEY_DO, true },
	{ "www.example.", 1, "www.example.", 1, XDPDNS_KEY_DO | XDPDNS_KEY_CD,
	  true },
	{ "www.example.", 1, "www.example.", 28, 0, false },
	{ "www.example.", 0, "example.", 1, 0, false },
	{ "www.example.", 0, "www.example.org.", 1, 0, false },
	{ "example.", 0, "www.example.", 1, 0, false }, /* not a subtree */
	{ ".", 0, ".", 2, 0, true },
	{ NULL, 0, "anything.test.", 16, XDPDNS_KEY_CD, true },
};

/* Which keys a request covers: a name, all its types and DO/CD bits. */
START_TEST(test_match)
{
	const struct match_case *c = &match_cases[_i];
	struct xdpdns_purge rq = req_of(c->req, c->req_type);
	struct xdpdns_cache_key k = key_of(c->name, c->qtype, c->flags);

	ck_assert_msg(purgechan_match(&rq, &k) == c->match,
		      "%s/%u vs %s/%u flags %u", c->req ? c->req : "flush",
		      c->req_type, c->name, c->qtype, c->flags);
	ck_assert_int_eq(purgechan_check(&rq), 0);
}
END_TEST

/* The answer copy drops exactly what a request covers, and stays usable. */
START_TEST(test_anscache_purge)
{
	struct xdpdns_cache_key keys[] = {
		key_of("www.example.", 1, 0),
		key_of("www.example.", 1, XDPDNS_KEY_DO),
		key_of("www.example.", 28, 0),
		key_of("other.example.", 1, 0),
	};
	struct xdpdns_purge rq;
	struct xdpdns_cache_entry e;
	struct anscache *c;

	entry_of(&e, T0 + 300 * NSEC_PER_SEC);
	ck_assert_int_eq(anscache_create(16, &c), 0);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		ck_assert_int_eq(anscache_store(c, &keys[i], &e, T0), 0);

	rq = req_of("WWW.example.", 1);
	ck_assert_uint_eq(anscache_purge(c, match_cb, &rq), 2);
	ck_assert_ptr_null(anscache_lookup(c, &keys[0], T0));
	ck_assert_ptr_null(anscache_lookup(c, &keys[1], T0));
	ck_assert_ptr_nonnull(anscache_lookup(c, &keys[2], T0));
	ck_assert_ptr_nonnull(anscache_lookup(c, &keys[3], T0));
	ck_assert_uint_eq(anscache_count(c), 2);

	rq = req_of("www.example.", 0);
	ck_assert_uint_eq(anscache_purge(c, match_cb, &rq), 1);
	ck_assert_uint_eq(anscache_purge(c, match_cb, &rq), 0);
	ck_assert_ptr_nonnull(anscache_lookup(c, &keys[3], T0));

	/* Stored again after a purge: found, and a flush takes all. */
	ck_assert_int_eq(anscache_store(c, &keys[0], &e, T0), 0);
	ck_assert_ptr_nonnull(anscache_lookup(c, &keys[0], T0));
	ck_assert_uint_eq(anscache_purge(c, NULL, NULL), 2);
	ck_assert_uint_eq(anscache_count(c), 0);
	ck_assert_ptr_null(anscache_lookup(c, &keys[3], T0));
	anscache_destroy(c);
}
END_TEST

/* The refresher forgets purged keys and keeps the rest. */
START_TEST(test_refresh_purge)
{
	struct xdpdns_cache_key keys[] = {
		key_of("a.example.", 1, 0),
		key_of("a.example.", 1, XDPDNS_KEY_CD),
		key_of("b.example.", 1, 0),
	};
	struct xdpdns_purge rq = req_of("a.example.", 0);
	struct xdpdns_cache_entry e;
	struct refresh *rf;

	entry_of(&e, T0 + 300 * NSEC_PER_SEC);
	ck_assert_int_eq(refresh_create(NULL, 8, &rf), 0);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		refresh_note(rf, &keys[i], &e);
	ck_assert_uint_eq(refresh_purge(rf, match_cb, &rq), 2);
	ck_assert_uint_eq(refresh_purge(rf, match_cb, &rq), 0);
	/* What is left is b.example. alone. */
	rq = req_of("b.example.", 1);
	ck_assert_uint_eq(refresh_purge(rf, match_cb, &rq), 1);
	refresh_note(rf, &keys[0], &e);
	ck_assert_uint_eq(refresh_purge(rf, NULL, NULL), 1);
	refresh_destroy(rf);
}
END_TEST

/* --- a daemon context without XDP ------------------------------------------ */

struct fixture {
	struct qctx_fixture q;
	int server_fd;
	int client_fd;
	struct listen_client client;
};

static struct fixture fx;

/* The daemon's query context with --no-xdp, as xdpdnsd builds it. */
static void start(void)
{
	char *argv[] = { "xdpdnsd",   "--no-xdp",     "--listen",
			 "127.0.0.1", "--forward",    "127.0.0.1@9",
			 "--allow",   "127.0.0.0/8",  "--ratelimit",
			 "0",	      "--miss-limit", "0" };
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&fx, 0, sizeof(fx));
	qctx_start(&fx.q, ARRAY_SIZE(argv), argv);
	fx.server_fd = qctx_udp_socket("127.0.0.1", &ss, &len);
	fx.client_fd = qctx_udp_socket("127.0.0.1", &fx.client.peer,
				       &fx.client.peer_len);
	fx.client.transport = LISTEN_UDP;
	fx.client.fd = fx.server_fd;
}

static void stop(void)
{
	qctx_stop(&fx.q);
	close(fx.server_fd);
	close(fx.client_fd);
}

static void ask(const char *name, uint16_t id)
{
	ldns_rdf *qname = ldns_dname_new_frm_str(name);
	uint8_t *wire = NULL;
	ldns_pkt *p;
	size_t len;

	ck_assert_ptr_nonnull(qname);
	p = ldns_pkt_query_new(qname, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN,
			       LDNS_RD);
	ck_assert_ptr_nonnull(p);
	ldns_pkt_set_id(p, id);
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	query_on_client(fx.q.ctx, wire, len, &fx.client);
	free(wire);
	ldns_pkt_free(p);
}

/* Delivers resolutions on the current context until none is in flight. */
static void run_resolver(int ms)
{
	uint64_t end = ev_now_ns() + (uint64_t)ms * 1000000;

	while (fx.q.stats.requestlist_current && ev_now_ns() < end) {
		struct pollfd p = { .fd = resolver_fd(fx.q.ctx->res),
				    .events = POLLIN };

		if (poll(&p, 1, 10) > 0)
			ck_assert_int_eq(resolver_process(fx.q.ctx->res), 0);
	}
	ck_assert_uint_eq(fx.q.stats.requestlist_current, 0);
}

/*
 * The next answer within @ms: its ID, or 0 when none came. Queries for
 * a.test. have odd IDs, those for b.test. even ones: the answer's record
 * is checked by that.
 */
static uint16_t answer(int ms)
{
	struct pollfd p = { .fd = fx.client_fd, .events = POLLIN };
	uint8_t buf[4096];
	ldns_pkt *pkt = NULL;
	uint16_t id;
	ssize_t n;
	char *s;

	if (poll(&p, 1, ms) != 1)
		return 0;
	n = recv(fx.client_fd, buf, sizeof(buf), 0);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(ldns_wire2pkt(&pkt, buf, n), LDNS_STATUS_OK);
	ck_assert_int_eq(ldns_pkt_get_rcode(pkt), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(pkt), 1);
	s = ldns_rdf2str(
		ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(pkt), 0), 0));
	id = ldns_pkt_id(pkt);
	ck_assert_str_eq(s, id % 2 ? "192.0.2.1" : "192.0.2.2");
	free(s);
	ldns_pkt_free(pkt);
	return id;
}

/*
 * Delete a.test.: its answer leaves the copy, b.test.'s stays, libunbound
 * gets a new context (a new fd), and the next a.test. is a resolution.
 */
START_TEST(test_apply_resolves_afresh)
{
	struct xdpdns_purge rq = req_of("a.test.", 0);
	struct purge_counts pc;
	int fd;

	start();
	ask("a.test.", 1);
	ask("b.test.", 2);
	run_resolver(3000);
	ck_assert_uint_eq(answer(1000) + answer(1000), 3);
	ask("a.test.", 3);
	ck_assert_uint_eq(answer(0), 3);
	ck_assert_uint_eq(fx.q.stats.answer_cache_hits, 1);
	ck_assert_uint_eq(fx.q.stats.cache_miss, 2);

	fd = resolver_fd(fx.q.ctx->res);
	purge_apply(fx.q.ctx, &rq, &pc);
	ck_assert_int_eq(pc.result, 0);
	ck_assert(pc.ub_flushed);
	ck_assert_uint_eq(pc.answers, 1);
	ck_assert_uint_eq(pc.map_entries, 0); /* no XDP */
	ck_assert_uint_eq(anscache_count(fx.q.ctx->ac), 1);
	/* One descriptor for the event loop across the new contexts (an
	 * epoll set of their result pipes): the answer below comes on it. */
	ck_assert_int_eq(resolver_fd(fx.q.ctx->res), fd);
	ck_assert_uint_eq(fx.q.stats.purges_name, 1);
	ck_assert_uint_eq(fx.q.stats.purges_all, 0);
	ck_assert_uint_eq(fx.q.stats.purged_answers, 1);
	ck_assert_uint_eq(fx.q.stats.unbound_flushes, 1);

	/* a.test.: resolved on the new context; b.test.: still the copy. */
	ask("a.test.", 5);
	ck_assert_uint_eq(fx.q.stats.cache_miss, 3);
	ck_assert_uint_eq(answer(0), 0);
	run_resolver(3000);
	ck_assert_uint_eq(answer(1000), 5);
	ask("b.test.", 4);
	ck_assert_uint_eq(answer(0), 4);
	ck_assert_uint_eq(fx.q.stats.answer_cache_hits, 2);

	/* A flush (SIGUSR1's) takes the rest. */
	fd = resolver_fd(fx.q.ctx->res);
	purge_all(fx.q.ctx);
	/* One descriptor for the event loop across the new contexts (an
	 * epoll set of their result pipes): the answer below comes on it. */
	ck_assert_int_eq(resolver_fd(fx.q.ctx->res), fd);
	ck_assert_uint_eq(fx.q.stats.purged_answers, 3);
	ck_assert_uint_eq(anscache_count(fx.q.ctx->ac), 0);
	ck_assert_uint_eq(fx.q.stats.purges_all, 1);
	ck_assert_uint_eq(fx.q.stats.unbound_flushes, 2);
	stop();
}
END_TEST

/*
 * A flush while resolutions are in flight, repeated: libunbound may or may
 * not have answered when it comes. Either way every waiter is answered
 * once, correctly, and nothing stays in flight.
 */
START_TEST(test_flush_in_flight)
{
	struct xdpdns_purge rq = req_of(NULL, 0);
	struct purge_counts pc;
	uint16_t sum = 0;

	start();
	ask("a.test.", 1);
	ask("A.TEST.", 3); /* joins */
	ask("b.test.", 2);
	ck_assert_uint_eq(fx.q.stats.requestlist_current, 2);
	purge_apply(fx.q.ctx, &rq, &pc);
	ck_assert(pc.ub_flushed);
	run_resolver(3000);
	for (int i = 0; i < 3; i++)
		sum += answer(1000);
	ck_assert_uint_eq(sum, 6);
	ck_assert_uint_eq(answer(100), 0);
	ck_assert_uint_eq(fx.q.stats.cache_miss, 2);
	stop();
}
END_TEST

/* --- Negative ------------------------------------------------------------ */

/* Requests the daemon must not act on, whoever wrote them into the map. */
START_TEST(test_check_bad)
{
	struct xdpdns_purge rq = req_of("www.example.", 0);

	rq.op = 0;
	ck_assert_int_eq(purgechan_check(&rq), -EINVAL);
	rq.op = 3;
	ck_assert_int_eq(purgechan_check(&rq), -EINVAL);
	rq = req_of("www.example.", 0);
	rq.qname[1] = 'W'; /* not lower-cased: would match nothing */
	ck_assert_int_eq(purgechan_check(&rq), -EINVAL);
	rq = req_of("www.example.", 0);
	rq.qname[20] = 1; /* bytes after the name */
	ck_assert_int_eq(purgechan_check(&rq), -EINVAL);
	rq = req_of("www.example.", 0);
	rq.qtype = 0x10000;
	ck_assert_int_eq(purgechan_check(&rq), -EINVAL);
	rq = req_of("www.example.", 0);
	rq.qname[0] = 0xc0; /* a compression pointer */
	ck_assert_int_eq(purgechan_check(&rq), -EINVAL);
	/* Labels up to the array's last byte: no root label in it. */
	rq = req_of("www.example.", 0);
	for (size_t i = 0; i < 192; i += 64) {
		rq.qname[i] = 63;
		memset(rq.qname + i + 1, 'a', 63);
	}
	rq.qname[192] = 62;
	memset(rq.qname + 193, 'a', 62);
	ck_assert_int_eq(purgechan_check(&rq), -EINVAL);
}
END_TEST

/*
 * purge_handle(): a request seen already or too old does nothing; a
 * malformed one is answered -EINVAL and not carried out.
 */
START_TEST(test_handle)
{
	struct xdpdns_purge rq = req_of("a.test.", 0), reply;
	uint64_t last = 0, now = ev_now_ns();

	start();
	ask("a.test.", 1);
	run_resolver(3000);
	ck_assert_uint_eq(answer(1000), 1);

	/* Too old: xdpdnsctl gave up on it and said so. */
	rq.seq = 7;
	rq.sent_ns = now - (XDPDNS_PURGE_MAX_AGE_S + 1) * NSEC_PER_SEC;
	ck_assert_int_eq(purge_handle(fx.q.ctx, &rq, &last, now, &reply), 0);
	ck_assert_uint_eq(last, 7);
	ck_assert_uint_eq(fx.q.stats.purges_name, 0);

	/* Malformed: answered, not carried out. */
	rq.seq = 8;
	rq.sent_ns = now;
	rq.qname[1] = 'A';
	ck_assert_int_eq(purge_handle(fx.q.ctx, &rq, &last, now, &reply), 1);
	ck_assert_int_eq(reply.result, -EINVAL);
	ck_assert_uint_eq(reply.seq, 8);
	ck_assert_uint_eq(anscache_count(fx.q.ctx->ac), 1);
	ck_assert_uint_eq(fx.q.stats.purges_name, 0);

	/* Good: carried out once, whatever how often it is read. */
	rq = req_of("a.test.", 1);
	rq.seq = 9;
	rq.sent_ns = now;
	ck_assert_int_eq(purge_handle(fx.q.ctx, &rq, &last, now, &reply), 1);
	ck_assert_int_eq(reply.result, 0);
	ck_assert_uint_eq(reply.seq, 9);
	ck_assert_uint_eq(reply.answers, 1);
	ck_assert_uint_eq(reply.daemon_pid, (uint32_t)getpid());
	ck_assert(reply.flags & XDPDNS_PURGE_UB_FLUSHED);
	ck_assert_int_eq(purge_handle(fx.q.ctx, &rq, &last, now, &reply), 0);
	ck_assert_uint_eq(fx.q.stats.purges_name, 1);
	/* Written a moment after the daemon read its clock: still fresh. */
	rq.seq = 10;
	rq.sent_ns = now + NSEC_PER_SEC / 10;
	ck_assert_int_eq(purge_handle(fx.q.ctx, &rq, &last, now, &reply), 1);
	ck_assert_uint_eq(fx.q.stats.purges_name, 2);
	/* No channel without XDP: nothing to poll. */
	ck_assert_int_eq(purge_poll(fx.q.ctx, -1, &last, now), 0);
	stop();
}
END_TEST

/* --- Limits -------------------------------------------------------------- */

/* A full copy flushed, a full copy purged of one name among many. */
START_TEST(test_full_copy)
{
	char name[32];
	struct xdpdns_cache_key k;
	struct xdpdns_cache_entry e;
	struct xdpdns_purge rq = req_of("n77.example.", 0);
	struct anscache *c;

	entry_of(&e, T0 + 300 * NSEC_PER_SEC);
	ck_assert_int_eq(anscache_create(1000, &c), 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "n%d.example.", i);
		k = key_of(name, 1 + i % 2, 0);
		ck_assert_int_eq(anscache_store(c, &k, &e, T0), 0);
	}
	ck_assert_uint_eq(anscache_count(c), 1000);
	ck_assert_uint_eq(anscache_purge(c, match_cb, &rq), 1);
	ck_assert_uint_eq(anscache_count(c), 999);
	ck_assert_uint_eq(anscache_purge(c, NULL, NULL), 999);
	ck_assert_uint_eq(anscache_count(c), 0);
	/* Empty and purged again: nothing, no crash; and usable. */
	ck_assert_uint_eq(anscache_purge(c, NULL, NULL), 0);
	ck_assert_int_eq(anscache_store(c, &k, &e, T0), 0);
	ck_assert_uint_eq(anscache_count(c), 1);
	anscache_destroy(c);
}
END_TEST

void purge_tcases(Suite *s)
{
	static const struct cktest_opts o = { .timeout = 10 };

	CKTEST_TCASE(s, "Positive", &o, CKTEST_TABLE(test_match, match_cases),
		     CKTEST(test_anscache_purge), CKTEST(test_refresh_purge),
		     CKTEST(test_apply_resolves_afresh),
		     CKTEST_LOOP(test_flush_in_flight, 3));
	CKTEST_TCASE(s, "Negative", &o, CKTEST(test_check_bad),
		     CKTEST(test_handle));
	CKTEST_TCASE(s, "Limits", &o, CKTEST(test_full_copy));
}
