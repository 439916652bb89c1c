// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The event base libunbound runs on (userspace/ubevent.c), driven through
 * libunbound's own vtables as libunbound drives it: timers in deadline
 * order and cancelled ones silent, a non-persistent fd event deactivated
 * before its callback and a persistent one firing while its fd is ready,
 * a read and a write event on one fd, an fd event's timeout, an event
 * freed by an earlier callback of the same run never called, the
 * base's fd readable exactly when there is something to run, and the
 * timerfd set lazily: timeouts started and cancelled in order, as
 * libunbound does one per upstream query, do not each set it, and zero
 * timeouts (libunbound's "next", about one per query) never set it.
 */
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <unbound-event.h>

#include "suites.h"
#include "userspace/ubevent.h"

static struct {
	struct ubevent_base *b;
	struct ub_event_base *ub;
	int order[16];
	short bits[16];
	int n;
	struct ub_event *victim; /* freed by the first callback, if set */
} fx;

static void cb(int fd, short bits, void *arg)
{
	(void)fd;
	ck_assert_int_lt(fx.n, 16);
	fx.order[fx.n] = (int)(long)arg;
	fx.bits[fx.n++] = bits;
	if (fx.victim) {
		fx.victim->vmt->free(fx.victim);
		fx.victim = NULL;
	}
}

static void setup(void)
{
	memset(&fx, 0, sizeof(fx));
	fx.b = ubevent_base_create();
	ck_assert_ptr_nonnull(fx.b);
	fx.ub = ubevent_ub_base(fx.b);
}

static void teardown(void)
{
	ubevent_base_destroy(fx.b);
}

static struct ub_event *ev_new(int fd, short bits, long id)
{
	struct ub_event *e =
		fx.ub->vmt->new_event(fx.ub, fd, bits, cb, (void *)id);

	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->magic, UB_EVENT_MAGIC);
	return e;
}

/* Whether the base's fd is readable within @ms. */
static bool ready(int ms)
{
	struct pollfd p = { .fd = ubevent_fd(fx.b), .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

START_TEST(test_timers)
{
	struct timeval t30 = { 0, 30000 }, t10 = { 0, 10000 },
		       t20 = { 0, 20000 };
	struct ub_event *a, *b, *c;

	setup();
	a = ev_new(-1, 0, 1);
	b = ev_new(-1, 0, 2);
	c = ev_new(-1, 0, 3);
	ck_assert_int_eq(a->vmt->add_timer(a, fx.ub, cb, (void *)1L, &t30), 0);
	ck_assert_int_eq(b->vmt->add_timer(b, fx.ub, cb, (void *)2L, &t10), 0);
	ck_assert_int_eq(c->vmt->add_timer(c, fx.ub, cb, (void *)3L, &t20), 0);
	ck_assert_int_eq(c->vmt->del_timer(c), 0);
	ck_assert(!ready(0));
	usleep(40000);
	ck_assert(ready(0));
	ck_assert_int_eq(ubevent_run(fx.b), 2);
	ck_assert_int_eq(fx.n, 2);
	ck_assert_int_eq(fx.order[0], 2);
	ck_assert_int_eq(fx.order[1], 1);
	ck_assert_int_eq(fx.bits[0], UB_EV_TIMEOUT);
	/* Nothing left: the fd is quiet and a run does nothing. */
	ck_assert(!ready(50));
	ck_assert_int_eq(ubevent_run(fx.b), 0);
	a->vmt->free(a);
	b->vmt->free(b);
	c->vmt->free(c);
	ubevent_run(fx.b);
	teardown();
}
END_TEST

START_TEST(test_fd_events)
{
	struct timeval t20 = { 0, 20000 };
	struct ub_event *once, *persist, *w, *timed;
	int sv[2];

	setup();
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	once = ev_new(sv[0], UB_EV_READ, 1);
	persist = ev_new(sv[0], UB_EV_READ | UB_EV_PERSIST, 2);
	w = ev_new(sv[0], UB_EV_WRITE, 3);
	ck_assert_int_eq(once->vmt->add(once, NULL), 0);
	ck_assert_int_eq(persist->vmt->add(persist, NULL), 0);
	ck_assert_int_eq(w->vmt->add(w, NULL), 0);
	/* Writable at once; nothing to read yet. */
	ck_assert(ready(100));
	ck_assert_int_eq(ubevent_run(fx.b), 1);
	ck_assert_int_eq(fx.order[0], 3);
	ck_assert_int_eq(fx.bits[0], UB_EV_WRITE);
	/* A datagram: both readers, the non-persistent one only once. */
	ck_assert_int_eq(write(sv[1], "x", 1), 1);
	ck_assert(ready(100));
	ck_assert_int_eq(ubevent_run(fx.b), 2);
	ck_assert_int_eq(ubevent_run(fx.b), 1);
	ck_assert_int_eq(fx.order[3], 2);
	ck_assert_int_eq(fx.bits[3], UB_EV_READ);
	/* Freed by an earlier callback of the run (the newest event of an
	 * fd runs first): never called. */
	ck_assert_int_eq(once->vmt->add(once, NULL), 0);
	fx.victim = persist;
	fx.n = 0;
	ck_assert_int_eq(ubevent_run(fx.b), 1);
	ck_assert_int_eq(fx.n, 1);
	ck_assert_int_eq(fx.order[0], 1);
	once->vmt->free(once);
	w->vmt->free(w);
	/* An fd event's timeout fires with UB_EV_TIMEOUT. */
	timed = ev_new(sv[1], UB_EV_READ, 4);
	ck_assert_int_eq(timed->vmt->add(timed, &t20), 0);
	fx.n = 0;
	usleep(30000);
	ck_assert_int_eq(ubevent_run(fx.b), 1);
	ck_assert_int_eq(fx.order[0], 4);
	ck_assert_int_eq(fx.bits[0], UB_EV_TIMEOUT);
	timed->vmt->free(timed);
	ubevent_run(fx.b);
	close(sv[0]);
	close(sv[1]);
	teardown();
}
END_TEST

/* 1,000 upstream-query timeouts, each cancelled by its answer in the order
 * they started (the earliest first), then one that fires: the timerfd is
 * set a handful of times, not once per cancel, and a wake-up for a
 * cancelled timeout runs nothing and sets it for the next. */
START_TEST(test_lazy_timerfd)
{
	struct timeval t40 = { 0, 40000 }, t120 = { 0, 120000 };
	struct ub_event *q[1000], *last;
	unsigned long sets0;

	setup();
	sets0 = ubevent_timer_sets(fx.b);
	for (int i = 0; i < 1000; i++) {
		q[i] = ev_new(-1, 0, 100 + i);
		ck_assert_int_eq(q[i]->vmt->add_timer(q[i], fx.ub, cb,
						      (void *)(100L + i), &t40),
				 0);
		if (i >= 8) /* eight in flight, the oldest answered */
			ck_assert_int_eq(q[i - 8]->vmt->del_timer(q[i - 8]), 0);
	}
	for (int i = 992; i < 1000; i++)
		ck_assert_int_eq(q[i]->vmt->del_timer(q[i]), 0);
	ck_assert_uint_le(ubevent_timer_sets(fx.b) - sets0, 2);
	last = ev_new(-1, 0, 7);
	ck_assert_int_eq(
		last->vmt->add_timer(last, fx.ub, cb, (void *)7L, &t120), 0);
	/* The first timeout's expiry: a wake-up with nothing due. */
	ck_assert(ready(100));
	ck_assert_int_eq(ubevent_run(fx.b), 0);
	ck_assert_int_eq(fx.n, 0);
	/* Then the one left, on time. */
	ck_assert(ready(200));
	usleep(2000);
	ck_assert_int_eq(ubevent_run(fx.b), 1);
	ck_assert_int_eq(fx.order[0], 7);
	ck_assert_uint_le(ubevent_timer_sets(fx.b) - sets0, 4);
	ck_assert(!ready(50));
	for (int i = 0; i < 1000; i++)
		q[i]->vmt->free(q[i]);
	last->vmt->free(last);
	ubevent_run(fx.b);
	teardown();
}
END_TEST

/* A timeout earlier than the pending expiry sets the timerfd at once. */
START_TEST(test_earlier_timer)
{
	struct timeval t10 = { 0, 10000 }, t2s = { 2, 0 };
	struct ub_event *late, *early;

	setup();
	late = ev_new(-1, 0, 1);
	early = ev_new(-1, 0, 2);
	ck_assert_int_eq(
		late->vmt->add_timer(late, fx.ub, cb, (void *)1L, &t2s), 0);
	ck_assert_int_eq(
		early->vmt->add_timer(early, fx.ub, cb, (void *)2L, &t10), 0);
	ck_assert(ready(100));
	usleep(1000);
	ck_assert_int_eq(ubevent_run(fx.b), 1);
	ck_assert_int_eq(fx.order[0], 2);
	late->vmt->free(late);
	early->vmt->free(early);
	ubevent_run(fx.b);
	teardown();
}
END_TEST

static struct ub_event *chained; /* added by cb_chain */

static void cb_chain(int fd, short bits, void *arg)
{
	struct timeval t0 = { 0, 0 };

	cb(fd, bits, arg);
	ck_assert_int_eq(chained->vmt->add_timer(chained, fx.ub, cb, (void *)9L,
						 &t0),
			 0);
}

/* Zero timeouts: the fd readable at once, oldest first, one cancelled
 * before the run silent, one queued by a callback run in the same run,
 * and the timerfd never set. */
START_TEST(test_zero_timeouts)
{
	struct timeval t0 = { 0, 0 };
	struct ub_event *a, *b, *c;
	unsigned long sets0;

	setup();
	sets0 = ubevent_timer_sets(fx.b);
	a = ev_new(-1, 0, 1);
	b = ev_new(-1, 0, 2);
	c = ev_new(-1, 0, 3);
	chained = ev_new(-1, 0, 9);
	ck_assert(!ready(0));
	ck_assert_int_eq(a->vmt->add_timer(a, fx.ub, cb_chain, (void *)1L, &t0),
			 0);
	ck_assert_int_eq(b->vmt->add_timer(b, fx.ub, cb, (void *)2L, &t0), 0);
	ck_assert_int_eq(c->vmt->add_timer(c, fx.ub, cb, (void *)3L, &t0), 0);
	ck_assert_int_eq(b->vmt->del_timer(b), 0);
	ck_assert(ready(0));
	ck_assert_int_eq(ubevent_run(fx.b), 3);
	ck_assert_int_eq(fx.n, 3);
	ck_assert_int_eq(fx.order[0], 1);
	ck_assert_int_eq(fx.order[1], 3);
	ck_assert_int_eq(fx.order[2], 9);
	ck_assert_int_eq(fx.bits[2], UB_EV_TIMEOUT);
	ck_assert_uint_eq(ubevent_timer_sets(fx.b), sets0);
	ck_assert(!ready(20));
	ck_assert_int_eq(ubevent_run(fx.b), 0);
	/* Freed while queued: never called. */
	ck_assert_int_eq(c->vmt->add_timer(c, fx.ub, cb, (void *)3L, &t0), 0);
	c->vmt->free(c);
	ck_assert_int_eq(ubevent_run(fx.b), 0);
	a->vmt->free(a);
	b->vmt->free(b);
	chained->vmt->free(chained);
	ubevent_run(fx.b);
	teardown();
}
END_TEST

void ubevent_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_timers),
		     CKTEST(test_fd_events));
	CKTEST_TCASE(s, "Lazy timerfd", NULL, CKTEST(test_lazy_timerfd),
		     CKTEST(test_earlier_timer), CKTEST(test_zero_timeouts));
}
