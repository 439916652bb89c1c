// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The resolver's in-flight table (userspace/resolver.c, linked from
 * libxdpdnsd.a) on a real libunbound context that never leaves the host:
 * the names asked are in a static local zone given through
 * --unbound-config, and anything else is forwarded to 127.0.0.1 port 9,
 * which unbound's do-not-query-localhost then refuses to even query.
 * Identical questions join one resolution and every waiter gets its result
 * once, in arrival order; any difference in name, type, class, DO or CD is
 * a resolution of its own; refreshes never join as waiters; the
 * --max-outstanding and waiter limits say -EBUSY; --resolve-timeout gives
 * up the overdue resolutions, oldest first, answering each waiter once,
 * and libunbound's late answer is never delivered.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unbound.h>

#include "suites.h"
#include "userspace/config.h"
#include "userspace/event.h"
#include "userspace/log.h"
#include "userspace/resolver.h"

#define NS_PER_MS 1000000ULL
#define NS_PER_SEC 1000000000ULL

static const char unbound_conf[] =
	"server:\n"
	"\tdo-not-query-localhost: yes\n"
	"\tlocal-zone: \"test.\" static\n"
	"\tlocal-data: \"a.test. 300 IN A 192.0.2.1\"\n"
	"\tlocal-data: \"a.test. 300 IN AAAA 2001:db8::1\"\n"
	"\tlocal-data: \"b.test. 300 IN A 192.0.2.2\"\n"
	"\tlocal-data: \"aa.test. 300 IN A 192.0.2.3\"\n";

/* --- the completion hook and its waiters --------------------------------- */

struct twaiter {
	struct resolver_waiter w;
	int id;
	int answered;
};

struct done_rec {
	struct resolver_key key;
	bool result, havedata, cancelled, refresh, timed_out;
	int err, rcode;
	uint8_t data[16];
	int datalen;
	int nwaiters;
	int ids[64];
};

static struct twaiter waiters[64];
static struct done_rec done[32];
static int ndone;

static void on_done(void *arg, struct resolution *res)
{
	struct done_rec *d = &done[ndone];
	const struct ub_result *u = res->result;

	ck_assert_ptr_eq(arg, done);
	ck_assert_int_lt(ndone, (int)ARRAY_SIZE(done));
	memset(d, 0, sizeof(*d));
	d->key = res->key;
	d->result = u;
	d->cancelled = res->cancelled;
	d->refresh = res->refresh;
	d->timed_out = res->timed_out;
	d->err = res->err;
	if (u) {
		d->rcode = u->rcode;
		d->havedata = u->havedata;
		if (u->havedata && u->len[0] <= (int)sizeof(d->data)) {
			d->datalen = u->len[0];
			memcpy(d->data, u->data[0], u->len[0]);
		}
	}
	for (struct resolver_waiter *w = res->waiters; w; w = w->next) {
		struct twaiter *t = (struct twaiter *)w;

		ck_assert_int_lt(d->nwaiters, (int)ARRAY_SIZE(d->ids));
		t->answered++;
		d->ids[d->nwaiters++] = t->id;
	}
	ndone++;
}

static struct resolver_waiter *waiter(int id)
{
	waiters[id].id = id;
	waiters[id].answered = 0;
	return &waiters[id].w;
}

/* --- a resolver with the local zone -------------------------------------- */

static char conf_path[64];
static struct config cfg;
static struct daemon_stats stats;

static struct resolver *start(const char *timeout)
{
	char *argv[] = { "xdpdnsd",	     "--no-xdp",  "--listen",
			 "127.0.0.1",	     "--forward", "127.0.0.1@9",
			 "--unbound-config", conf_path,	  "--resolve-timeout",
			 (char *)timeout,    NULL };
	char err[CONFIG_ERR_MAX];
	struct resolver *r;
	int fd;

	ndone = 0;
	memset(&stats, 0, sizeof(stats));
	strcpy(conf_path, "/tmp/check_resolver_XXXXXX");
	fd = mkstemp(conf_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, unbound_conf, strlen(unbound_conf)),
			 (int)strlen(unbound_conf));
	close(fd);
	ck_assert_msg(config_build(ARRAY_SIZE(argv) - 1, argv, &cfg, err,
				   sizeof(err)) == CONFIG_RUN,
		      "%s", err);
	ck_assert_int_eq(resolver_create(&cfg, on_done, done, &stats, &r), 0);
	/* Read by ub_ctx_config() already: gone even if a test fails. */
	unlink(conf_path);
	ck_assert_int_ge(resolver_fd(r), 0);
	ck_assert_int_ge(resolver_timer_fd(r), 0);
	return r;
}

static void stop(struct resolver *r)
{
	resolver_destroy(r);
	config_free(&cfg);
}

static struct resolver_key key(const char *name, uint16_t qtype,
			       uint16_t qclass, uint8_t flags)
{
	struct resolver_key k = { .qtype = qtype,
				  .qclass = qclass,
				  .flags = flags };
	size_t n = 0;

	/* "a.test." in wire form, no escapes. */
	while (*name && strcmp(name, ".")) {
		const char *dot = strchr(name, '.');
		size_t l = dot - name;

		k.qname[n++] = l;
		memcpy(k.qname + n, name, l);
		n += l;
		name = dot + 1;
	}
	k.qname[n++] = 0;
	k.qname_len = n;
	return k;
}

/* Delivers results until @n resolutions are done, for at most @ms. */
static void wait_done(struct resolver *r, int n, int ms)
{
	uint64_t end = ev_now_ns() + ms * NS_PER_MS;

	while (ndone < n) {
		struct pollfd p = { .fd = resolver_fd(r), .events = POLLIN };
		uint64_t now = ev_now_ns();

		ck_assert_msg(now < end,
			      "%d of %d resolutions done after %d ms", ndone, n,
			      ms);
		if (poll(&p, 1, (end - now) / NS_PER_MS + 1) > 0)
			ck_assert_int_eq(resolver_process(r), 0);
	}
}

/* Waits for the resolution timer; returns when it fired (ev_now_ns). */
static uint64_t wait_timer(struct resolver *r, int ms)
{
	struct pollfd p = { .fd = resolver_timer_fd(r), .events = POLLIN };

	ck_assert_msg(poll(&p, 1, ms) == 1, "timer silent for %d ms", ms);
	return ev_now_ns();
}

static void assert_ids(const struct done_rec *d, const int *ids, int n)
{
	ck_assert_int_eq(d->nwaiters, n);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(d->ids[i], ids[i]);
}

static const struct done_rec *done_for(const struct resolver_key *k)
{
	for (int i = 0; i < ndone; i++)
		if (done[i].key.qtype == k->qtype &&
		    done[i].key.qclass == k->qclass &&
		    done[i].key.flags == k->flags &&
		    done[i].key.qname_len == k->qname_len &&
		    !memcmp(done[i].key.qname, k->qname, k->qname_len))
			return &done[i];
	ck_abort_msg("no resolution of the key");
	return NULL;
}

/* --- Positive ------------------------------------------------------------ */

/* Three asks of a.test A are one resolution; a.test AAAA its own. */
START_TEST(test_join_identical)
{
	struct resolver *r = start("4");
	struct resolver_key a = key("a.test.", 1, 1, 0);
	struct resolver_key aaaa = key("a.test.", 28, 1, 0);
	static const int ids_a[] = { 0, 1, 3 }, ids_aaaa[] = { 2 };
	const struct done_rec *d;
	uint64_t hist = 0;

	ck_assert_int_eq(resolver_query(r, &a, waiter(0)), 0);
	ck_assert_int_eq(resolver_query(r, &a, waiter(1)), 1);
	ck_assert_int_eq(resolver_query(r, &aaaa, waiter(2)), 0);
	ck_assert_int_eq(resolver_query(r, &a, waiter(3)), 1);
	ck_assert_uint_eq(stats.requestlist_current, 2);
	ck_assert_uint_eq(stats.requestlist_max, 4096);
	wait_done(r, 2, 3000);
	ck_assert_int_eq(ndone, 2);

	d = done_for(&a);
	assert_ids(d, ids_a, 3);
	ck_assert(d->result && d->havedata && !d->timed_out && !d->refresh &&
		  !d->cancelled);
	ck_assert_int_eq(d->err, 0);
	ck_assert_int_eq(d->rcode, 0);
	ck_assert_int_eq(d->datalen, 4);
	ck_assert_mem_eq(d->data, "\300\0\2\1", 4);
	d = done_for(&aaaa);
	assert_ids(d, ids_aaaa, 1);
	ck_assert_int_eq(d->datalen, 16);
	ck_assert_mem_eq(d->data, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1",
			 16);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(waiters[i].answered, 1);
	ck_assert_uint_eq(stats.requestlist_current, 0);
	for (int b = 0; b <= DAEMON_HIST_BUCKETS; b++)
		hist += stats.hist_count[b];
	ck_assert_uint_eq(hist, 2); /* per resolution, not per waiter */
	ck_assert_uint_eq(stats.resolve_timeouts, 0);

	/* Done means gone: the same question starts afresh. */
	ck_assert_int_eq(resolver_query(r, &a, waiter(4)), 0);
	wait_done(r, 3, 3000);
	ck_assert_int_eq(done[2].nwaiters, 1);
	ck_assert_int_eq(done[2].ids[0], 4);
	stop(r);
}
END_TEST

/* Any part of the key differing is another resolution. */
static const struct key_case {
	const char *what;
	const char *name;
	uint16_t qtype, qclass;
	uint8_t flags;
} key_cases[] = {
	{ "name", "b.test.", 1, 1, 0 },
	{ "longer name", "aa.test.", 1, 1, 0 },
	{ "type", "a.test.", 28, 1, 0 },
	{ "class", "a.test.", 1, 3, 0 },
	{ "DO", "a.test.", 1, 1, XDPDNS_KEY_DO },
	{ "CD", "a.test.", 1, 1, XDPDNS_KEY_CD },
	{ "DO and CD", "a.test.", 1, 1, XDPDNS_KEY_DO | XDPDNS_KEY_CD },
};

START_TEST(test_keys_distinct)
{
	const struct key_case *c = &key_cases[_i];
	struct resolver *r = start("4");
	struct resolver_key base = key("a.test.", 1, 1, 0);
	struct resolver_key other = key(c->name, c->qtype, c->qclass, c->flags);
	static const int ids_base[] = { 0, 2 }, ids_other[] = { 1, 3 };

	ck_assert_int_eq(resolver_query(r, &base, waiter(0)), 0);
	ck_assert_msg(resolver_query(r, &other, waiter(1)) == 0,
		      "%s: joined a.test A", c->what);
	ck_assert_int_eq(resolver_query(r, &base, waiter(2)), 1);
	ck_assert_int_eq(resolver_query(r, &other, waiter(3)), 1);
	ck_assert_uint_eq(stats.requestlist_current, 2);
	/* Never delivered: shutting down hands both back, cancelled. */
	resolver_destroy(r);
	ck_assert_int_eq(ndone, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert(done[i].cancelled);
		ck_assert(!done[i].result);
	}
	assert_ids(done_for(&base), ids_base, 2);
	assert_ids(done_for(&other), ids_other, 2);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(waiters[i].answered, 1);
	config_free(&cfg);
}
END_TEST

/* A refresh waits for nobody, never joins, and clients may join it. */
START_TEST(test_refresh)
{
	struct resolver *r = start("4");
	struct resolver_key a = key("a.test.", 1, 1, 0);
	struct resolver_key b = key("b.test.", 1, 1, 0);
	static const int ids_a[] = { 0 };

	ck_assert_int_eq(resolver_query(r, &a, NULL), 0);
	ck_assert_int_eq(resolver_query(r, &a, NULL), -EALREADY);
	ck_assert_int_eq(resolver_query(r, &a, waiter(0)), 1);
	ck_assert_int_eq(resolver_query(r, &b, NULL), 0);
	wait_done(r, 2, 3000);
	assert_ids(done_for(&a), ids_a, 1);
	ck_assert(done_for(&a)->refresh);
	ck_assert(done_for(&a)->havedata);
	ck_assert_int_eq(done_for(&b)->nwaiters, 0);
	ck_assert(done_for(&b)->refresh);
	ck_assert_int_eq(done_for(&b)->datalen, 4);
	ck_assert_mem_eq(done_for(&b)->data, "\300\0\2\2", 4);
	/* A client's resolution is not a refresh, and refuses one. */
	ck_assert_int_eq(resolver_query(r, &b, waiter(1)), 0);
	ck_assert_int_eq(resolver_query(r, &b, NULL), -EALREADY);
	wait_done(r, 3, 3000);
	ck_assert(!done[2].refresh);
	ck_assert_int_eq(waiters[0].answered, 1);
	ck_assert_int_eq(waiters[1].answered, 1);
	stop(r);
}
END_TEST

/* --- Negative: the limits say -EBUSY ------------------------------------- */

START_TEST(test_busy)
{
	struct resolver *r = start("4");
	struct resolver_key a = key("a.test.", 1, 1, 0);
	struct resolver_key b = key("b.test.", 1, 1, 0);
	struct resolver_key aa = key("aa.test.", 1, 1, 0);

	resolver_set_max(r, 2);
	ck_assert_uint_eq(stats.requestlist_max, 2);
	ck_assert_int_eq(resolver_query(r, &a, waiter(0)), 0);
	ck_assert_int_eq(resolver_query(r, &b, NULL), 0);
	ck_assert_int_eq(resolver_query(r, &aa, waiter(1)), -EBUSY);
	ck_assert_int_eq(resolver_query(r, &aa, NULL), -EBUSY);
	ck_assert_uint_eq(stats.requestlist_current, 2);
	/* 16 waiters per allowed resolution, 32 in all however spread. */
	for (int i = 2; i <= 32; i++)
		ck_assert_int_eq(resolver_query(r, i % 2 ? &a : &b, waiter(i)),
				 1);
	ck_assert_int_eq(resolver_query(r, &a, waiter(33)), -EBUSY);
	ck_assert_int_eq(resolver_query(r, &b, waiter(34)), -EBUSY);
	ck_assert_int_eq(resolver_query(r, &a, NULL), -EALREADY);
	ck_assert_uint_eq(stats.requestlist_current, 2);
	wait_done(r, 2, 3000);
	ck_assert_int_eq(done_for(&a)->nwaiters, 16);
	ck_assert_int_eq(done_for(&b)->nwaiters, 16);
	for (int i = 0; i <= 34; i++)
		ck_assert_int_eq(waiters[i].answered, i == 1 || i > 32 ? 0 : 1);
	/* Room again once they are done. */
	ck_assert_int_eq(resolver_query(r, &aa, waiter(35)), 0);
	/* Never above what libunbound was started with (a warning says so). */
	log_set_level(LOG_LVL_ERROR);
	resolver_set_max(r, 100000);
	ck_assert_uint_eq(stats.requestlist_max, 4096);
	stop(r);
}
END_TEST

/*
 * --resolve-timeout 1: nothing is given up before the second is over;
 * then both resolutions are, every waiter answered once, and the late
 * answers never come.
 */
START_TEST(test_timeout)
{
	struct resolver *r;
	struct resolver_key a = key("a.test.", 1, 1, 0);
	struct resolver_key b = key("b.test.", 1, 1, XDPDNS_KEY_DO);
	static const int ids_a[] = { 0, 2, 3 }, ids_b[] = { 1 };
	uint64_t t0, fired;
	struct pollfd p;

	r = start("1");
	t0 = ev_now_ns();
	ck_assert_int_eq(resolver_query(r, &a, waiter(0)), 0);
	ck_assert_int_eq(resolver_query(r, &b, waiter(1)), 0);
	ck_assert_int_eq(resolver_query(r, &a, waiter(2)), 1);
	ck_assert_int_eq(resolver_query(r, &a, waiter(3)), 1);
	/* Early: an expire call gives nothing up. */
	resolver_expire(r);
	ck_assert_int_eq(ndone, 0);
	ck_assert_uint_eq(stats.requestlist_current, 2);

	fired = wait_timer(r, 3000);
	ck_assert_uint_ge(fired - t0, NS_PER_SEC);
	ck_assert_uint_lt(fired - t0, 3 * NS_PER_SEC);
	resolver_expire(r);
	/* b started microseconds after a: its own deadline may be next. */
	ck_assert_int_ge(ndone, 1);
	ck_assert_uint_eq(done[0].key.qname[1], 'a');
	if (ndone == 1) {
		wait_timer(r, 100);
		resolver_expire(r);
	}
	ck_assert_int_eq(ndone, 2);
	assert_ids(done_for(&a), ids_a, 3);
	assert_ids(done_for(&b), ids_b, 1);
	for (int i = 0; i < 2; i++) {
		ck_assert(done[i].timed_out);
		ck_assert(!done[i].result);
		ck_assert(!done[i].cancelled);
	}
	ck_assert_uint_eq(stats.resolve_timeouts, 2);
	ck_assert_uint_eq(stats.requestlist_current, 0);

	/* The worker answered long ago; nothing reaches the hook. */
	p = (struct pollfd){ .fd = resolver_fd(r), .events = POLLIN };
	if (poll(&p, 1, 200) > 0)
		ck_assert_int_eq(resolver_process(r), 0);
	ck_assert_int_eq(ndone, 2);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(waiters[i].answered, 1);
	/* And the key is free: a new ask starts, not joins. */
	ck_assert_int_eq(resolver_query(r, &a, waiter(4)), 0);
	wait_done(r, 3, 3000);
	ck_assert(!done[2].timed_out);
	ck_assert(done[2].havedata);
	stop(r);
}
END_TEST

/* --- Limits: the order of deadlines -------------------------------------- */

/* Oldest first: at 1 s only a, started 0.5 s before b, is given up. */
START_TEST(test_timeout_oldest_first)
{
	struct resolver *r = start("1");
	struct resolver_key a = key("a.test.", 1, 1, 0);
	struct resolver_key b = key("b.test.", 1, 1, 0);
	uint64_t t0 = ev_now_ns(), tb, fired;

	ck_assert_int_eq(resolver_query(r, &a, waiter(0)), 0);
	usleep(500000);
	tb = ev_now_ns();
	ck_assert_int_eq(resolver_query(r, &b, waiter(1)), 0);

	fired = wait_timer(r, 3000);
	ck_assert_uint_ge(fired - t0, NS_PER_SEC);
	resolver_expire(r);
	if (ev_now_ns() < tb + NS_PER_SEC) {
		ck_assert_int_eq(ndone, 1);
		ck_assert_int_eq(done[0].ids[0], 0);
		ck_assert(done[0].timed_out);
		/* b is still in flight: it is joined, not restarted. */
		ck_assert_int_eq(resolver_query(r, &b, waiter(2)), 1);
		ck_assert_uint_eq(stats.requestlist_current, 1);
		fired = wait_timer(r, 3000);
		ck_assert_uint_ge(fired - tb, NS_PER_SEC);
		resolver_expire(r);
	}
	ck_assert_int_eq(ndone, 2);
	ck_assert(done[1].timed_out);
	ck_assert_int_eq(done[1].ids[0], 1);
	ck_assert_uint_eq(stats.resolve_timeouts, 2);
	stop(r);
}
END_TEST

/* A shorter --resolve-timeout on reload applies to what is in flight. */
START_TEST(test_timeout_lowered)
{
	struct resolver *r = start("30");
	struct resolver_key a = key("a.test.", 1, 1, 0);
	uint64_t t0 = ev_now_ns(), fired;

	ck_assert_int_eq(resolver_query(r, &a, waiter(0)), 0);
	resolver_set_timeout(r, 1);
	fired = wait_timer(r, 3000);
	ck_assert_uint_ge(fired - t0, NS_PER_SEC);
	resolver_expire(r);
	ck_assert_int_eq(ndone, 1);
	ck_assert(done[0].timed_out);
	ck_assert_int_eq(waiters[0].answered, 1);
	stop(r);
}
END_TEST

/* The serve-stale client timeout's hook: who was passed, and when. */
static int nslow, slow_ids[8];
static uint64_t slow_ns;

static void on_slow(void *arg, const struct resolver_key *k,
		    struct resolver_waiter *ws)
{
	(void)k;
	ck_assert_ptr_eq(arg, done);
	slow_ns = ev_now_ns();
	for (struct resolver_waiter *w = ws; w; w = w->next) {
		ck_assert_int_lt(nslow, (int)ARRAY_SIZE(slow_ids));
		slow_ids[nslow++] = ((struct twaiter *)w)->id;
	}
}

/*
 * The client timeout (--serve-stale-client-timeout): 300 ms after a
 * resolution started, the hook gets its waiters once, and they stay its
 * waiters; a query joining after that is told so (2); the resolution goes
 * on to its --resolve-timeout with every waiter. A resolution without
 * waiters (a refresh) never reaches the hook.
 */
START_TEST(test_client_timeout)
{
	struct resolver *r = start("2");
	struct resolver_key a = key("a.test.", 1, 1, 0);
	struct resolver_key b = key("b.test.", 1, 1, 0);
	static const int ids_a[] = { 0, 1, 2 };
	uint64_t t0 = ev_now_ns(), fired;

	nslow = 0;
	resolver_set_client_timeout(r, 300, on_slow);
	ck_assert_int_eq(resolver_query(r, &a, waiter(0)), 0);
	ck_assert_int_eq(resolver_query(r, &a, waiter(1)), 1);
	ck_assert_int_eq(resolver_query(r, &b, NULL), 0);
	fired = wait_timer(r, 3000);
	ck_assert_uint_ge(fired - t0, 300000000ULL);
	ck_assert_uint_lt(fired - t0, NS_PER_SEC);
	resolver_expire(r);
	ck_assert_int_eq(nslow, 2);
	ck_assert_int_eq(slow_ids[0], 0);
	ck_assert_int_eq(slow_ids[1], 1);
	ck_assert_int_eq(ndone, 0);
	ck_assert_int_eq(resolver_query(r, &a, waiter(2)), 2);
	/* Next: the deadline at 2 s; the hook is not called again. */
	while (ndone < 2) {
		wait_timer(r, 3000);
		resolver_expire(r);
	}
	ck_assert_uint_ge(ev_now_ns() - t0, 2 * NS_PER_SEC);
	ck_assert_int_eq(nslow, 2);
	assert_ids(done_for(&a), ids_a, 3);
	ck_assert(done_for(&a)->timed_out);
	ck_assert_int_eq(done_for(&b)->nwaiters, 0);
	stop(r);
}
END_TEST

/*
 * --trust-anchor with a module-config that has no validator (from
 * --unbound-config) is refused with one line; with the validator, or
 * without a trust anchor, the same module lines are fine.
 */
static const struct {
	const char *modules;
	bool anchor;
	int want;
} validator_cases[] = {
	{ "iterator", true, -EINVAL },
	{ "respip iterator", true, -EINVAL },
	{ "validator iterator", true, 0 },
	{ "iterator", false, 0 },
};

static void write_file(char *path, const char *text)
{
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
}

START_TEST(test_anchor_needs_validator)
{
	char ub[] = "/tmp/check_resolver_ub_XXXXXX";
	char ta[] = "/tmp/check_resolver_ta_XXXXXX";
	char text[256], err[CONFIG_ERR_MAX] = "";
	char *argv[] = { "xdpdnsd",
			 "--no-xdp",
			 "--listen",
			 "127.0.0.1",
			 "--unbound-config",
			 ub,
			 "--trust-anchor",
			 ta,
			 NULL };
	int argc = validator_cases[_i].anchor ? 8 : 6, ret;

	snprintf(text, sizeof(text), "server:\n\tmodule-config: \"%s\"\n",
		 validator_cases[_i].modules);
	write_file(ub, text);
	write_file(ta, "test. 3600 IN DS 12345 8 2 "
		       "0123456789abcdef0123456789abcdef"
		       "0123456789abcdef0123456789abcdef\n");
	ck_assert_msg(config_build(argc, argv, &cfg, err, sizeof(err)) ==
			      CONFIG_RUN,
		      "%s", err);
	ret = resolver_check(&cfg, err, sizeof(err));
	unlink(ub);
	unlink(ta);
	config_free(&cfg);
	ck_assert_msg(ret == validator_cases[_i].want, "%d: %s", ret, err);
	if (ret) {
		ck_assert_ptr_nonnull(strstr(err, "has no validator"));
		ck_assert_ptr_nonnull(strstr(err, ta));
		ck_assert_ptr_null(strchr(err, '\n'));
	}
}
END_TEST

void resolver_tcases(Suite *s)
{
	static const struct cktest_opts o = { .timeout = 10 };

	CKTEST_TCASE(s, "Positive", &o, CKTEST(test_join_identical),
		     CKTEST_TABLE(test_keys_distinct, key_cases),
		     CKTEST(test_refresh));
	CKTEST_TCASE(s, "Negative", &o, CKTEST(test_busy), CKTEST(test_timeout),
		     CKTEST_TABLE(test_anchor_needs_validator,
				  validator_cases));
	CKTEST_TCASE(s, "Limits", &o, CKTEST(test_timeout_oldest_first),
		     CKTEST(test_timeout_lowered), CKTEST(test_client_timeout));
}
