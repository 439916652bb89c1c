// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libunbound's pluggable event base on epoll and a timerfd; see ubevent.h.
 * Fd events are kept per fd (libunbound may watch one fd with a read and a
 * write event), timeouts in a binary min-heap, zero timeouts ("run this
 * next", about one per upstream query) in a FIFO that needs no timerfd.
 * Events libunbound frees are kept until the end of the run that may still
 * hold them in a snapshot.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <unbound-event.h>

#include "ubevent.h"

#define UBEV_FD_BITS (UB_EV_READ | UB_EV_WRITE)
/* Epoll results and callbacks per run: the rest waits for the next. */
#define UBEV_BATCH 64
#define UBEV_TIMERS_MAX 4096
/* Events of one fd dispatched per readiness (libunbound has one or two). */
#define UBEV_PER_FD 8

struct ubev {
	struct ub_event ub; /* first: what libunbound holds */
	struct ubevent_base *b;
	int fd; /* -1: a timer only */
	short bits; /* UB_EV_* */
	void (*cb)(int, short, void *);
	void *arg;
	bool active;
	bool on_fd; /* linked in b->fds[fd] */
	bool timed; /* in the heap */
	bool soon; /* on the zero-timeout FIFO */
	bool dead; /* freed by libunbound; on b->dead */
	struct ubev *fd_next;
	struct ubev *soon_next, **soon_pprev;
	uint64_t due_ns;
	uint64_t tv_ns; /* its timeout, for a persistent event's re-arm */
	unsigned int heap_idx;
};

struct ubev_fd {
	struct ubev *head;
	uint32_t mask; /* epoll events registered; 0: not in epoll */
};

struct ubevent_base {
	struct ub_event_base ub; /* first: what libunbound holds */
	int epfd, tfd, wakefd;
	struct ubev_fd *fds;
	int nfds;
	struct ubev **heap;
	unsigned int nheap, capheap;
	uint64_t armed_ns; /* the pending expiry; 0: none */
	unsigned long sets; /* timerfd_settime() calls */
	struct ubev *soon, **soon_tail; /* zero timeouts, oldest first */
	bool running; /* in ubevent_run(): the FIFO is run before it returns */
	bool woken; /* wakefd written and not read yet */
	struct ubev *dead;
};

static uint64_t ubev_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* --- the timer heap -------------------------------------------------------- */

static void heap_set(struct ubevent_base *b, unsigned int i, struct ubev *e)
{
	b->heap[i] = e;
	e->heap_idx = i;
}

static void heap_up(struct ubevent_base *b, unsigned int i)
{
	struct ubev *e = b->heap[i];

	while (i) {
		unsigned int p = (i - 1) / 2;

		if (b->heap[p]->due_ns <= e->due_ns)
			break;
		heap_set(b, i, b->heap[p]);
		i = p;
	}
	heap_set(b, i, e);
}

static void heap_down(struct ubevent_base *b, unsigned int i)
{
	struct ubev *e = b->heap[i];

	for (;;) {
		unsigned int c = 2 * i + 1;

		if (c >= b->nheap)
			break;
		if (c + 1 < b->nheap &&
		    b->heap[c + 1]->due_ns < b->heap[c]->due_ns)
			c++;
		if (b->heap[c]->due_ns >= e->due_ns)
			break;
		heap_set(b, i, b->heap[c]);
		i = c;
	}
	heap_set(b, i, e);
}

static int heap_push(struct ubevent_base *b, struct ubev *e)
{
	if (b->nheap == b->capheap) {
		unsigned int cap = b->capheap ? 2 * b->capheap : 256;
		struct ubev **h = realloc(b->heap, cap * sizeof(*h));

		if (!h)
			return -1;
		b->heap = h;
		b->capheap = cap;
	}
	heap_set(b, b->nheap++, e);
	heap_up(b, e->heap_idx);
	e->timed = true;
	return 0;
}

static void heap_remove(struct ubevent_base *b, struct ubev *e)
{
	unsigned int i = e->heap_idx;
	struct ubev *last = b->heap[--b->nheap];

	e->timed = false;
	if (i == b->nheap)
		return;
	heap_set(b, i, last);
	heap_up(b, i);
	heap_down(b, last->heap_idx);
}

/*
 * The timerfd is set lazily: only when no expiry is pending on it or the
 * earliest timeout is now before the pending one. A timeout removed or
 * moved later leaves it set; it then fires early, ubevent_run() finds
 * nothing due and sets it for the new earliest. libunbound starts one
 * timeout per upstream query and removes most of them when the answer
 * comes, so setting it eagerly cost a timerfd_settime() (a clock
 * reprogramming) per answer: a third of the daemon's CPU at 12,000 new
 * names/s. Lazily it is a few a second.
 */
static void timer_arm(struct ubevent_base *b)
{
	struct itimerspec its = { 0 };
	uint64_t due;

	if (!b->nheap)
		return; /* a pending expiry fires once, finding nothing */
	due = b->heap[0]->due_ns;
	if (b->armed_ns && b->armed_ns <= due)
		return;
	/* An absolute time in the past fires at once; never 0 (disarm). */
	its.it_value.tv_sec = (time_t)(due / 1000000000ULL);
	its.it_value.tv_nsec = (long)(due % 1000000000ULL);
	b->sets++;
	if (!timerfd_settime(b->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		b->armed_ns = due;
}

/* --- zero timeouts ---------------------------------------------------------- */

static void ubev_wake_once(struct ubevent_base *b)
{
	uint64_t one = 1;

	if (b->woken)
		return;
	b->woken = true;
	if (write(b->wakefd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, so it is readable anyway */
	}
}

/* Queues @e to fire on the next run: no timerfd, and inside a run no
 * system call at all; outside one, one eventfd write per wake-up. */
static void soon_push(struct ubevent_base *b, struct ubev *e)
{
	e->soon_next = NULL;
	e->soon_pprev = b->soon_tail;
	*b->soon_tail = e;
	b->soon_tail = &e->soon_next;
	e->soon = true;
	if (!b->running)
		ubev_wake_once(b);
}

static void soon_remove(struct ubevent_base *b, struct ubev *e)
{
	*e->soon_pprev = e->soon_next;
	if (e->soon_next)
		e->soon_next->soon_pprev = e->soon_pprev;
	else
		b->soon_tail = e->soon_pprev;
	e->soon = false;
}

/* --- fd registration --------------------------------------------------------- */

static int fd_slot(struct ubevent_base *b, int fd)
{
	if (fd < b->nfds)
		return 0;
	int n = b->nfds ? b->nfds : 256;
	struct ubev_fd *f;

	while (n <= fd)
		n *= 2;
	f = realloc(b->fds, (size_t)n * sizeof(*f));
	if (!f)
		return -1;
	memset(f + b->nfds, 0, (size_t)(n - b->nfds) * sizeof(*f));
	b->fds = f;
	b->nfds = n;
	return 0;
}

/* Epoll told what the active events of @fd want together. */
static void fd_update(struct ubevent_base *b, int fd)
{
	struct ubev_fd *s = &b->fds[fd];
	struct epoll_event ev = { .data.fd = fd };
	uint32_t mask = 0;

	for (struct ubev *e = s->head; e; e = e->fd_next) {
		if (e->bits & UB_EV_READ)
			mask |= EPOLLIN;
		if (e->bits & UB_EV_WRITE)
			mask |= EPOLLOUT;
	}
	if (mask == s->mask)
		return;
	ev.events = mask;
	/* An fd closed while registered left epoll by itself, and its number
	 * may be a new socket's now: ADD and MOD each fall back on the other. */
	if (!mask)
		epoll_ctl(b->epfd, EPOLL_CTL_DEL, fd, NULL);
	else if (epoll_ctl(b->epfd, s->mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd,
			   &ev))
		epoll_ctl(b->epfd,
			  errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd,
			  &ev);
	s->mask = mask;
}

static void fd_unlink(struct ubevent_base *b, struct ubev *e)
{
	struct ubev **pp = &b->fds[e->fd].head;

	while (*pp && *pp != e)
		pp = &(*pp)->fd_next;
	if (*pp)
		*pp = e->fd_next;
	e->fd_next = NULL;
	e->on_fd = false;
	fd_update(b, e->fd);
}

/* --- events ---------------------------------------------------------------- */

static void ubev_deactivate(struct ubev *e)
{
	struct ubevent_base *b = e->b;

	if (e->on_fd)
		fd_unlink(b, e);
	if (e->timed) {
		heap_remove(b, e);
		timer_arm(b);
	}
	if (e->soon)
		soon_remove(b, e);
	e->active = false;
}

static int ubev_activate(struct ubev *e, struct timeval *tv)
{
	struct ubevent_base *b = e->b;

	if (e->active)
		ubev_deactivate(e);
	if (e->fd >= 0 && (e->bits & UBEV_FD_BITS)) {
		if (fd_slot(b, e->fd))
			return -1;
		e->fd_next = b->fds[e->fd].head;
		b->fds[e->fd].head = e;
		e->on_fd = true;
		fd_update(b, e->fd);
	}
	e->tv_ns = 0;
	if (tv) {
		e->tv_ns = (uint64_t)tv->tv_sec * 1000000000ULL +
			   (uint64_t)tv->tv_usec * 1000ULL;
		if (!e->tv_ns && !(e->bits & UB_EV_PERSIST)) {
			soon_push(b, e);
			e->active = true;
			return 0;
		}
		e->due_ns = ubev_now() + e->tv_ns;
		if (heap_push(b, e)) {
			if (e->on_fd)
				fd_unlink(b, e);
			return -1;
		}
		timer_arm(b);
	}
	e->active = true;
	return 0;
}

#define UBEV(ev) ((struct ubev *)(ev))

static void ubev_add_bits(struct ub_event *ev, short bits)
{
	UBEV(ev)->bits |= bits;
}

static void ubev_del_bits(struct ub_event *ev, short bits)
{
	UBEV(ev)->bits &= (short)~bits;
}

static void ubev_set_fd(struct ub_event *ev, int fd)
{
	UBEV(ev)->fd = fd;
}

static void ubev_free(struct ub_event *ev)
{
	struct ubev *e = UBEV(ev);

	if (!e)
		return;
	ubev_deactivate(e);
	e->dead = true;
	e->fd_next = e->b->dead;
	e->b->dead = e;
}

static int ubev_add(struct ub_event *ev, struct timeval *tv)
{
	return ubev_activate(UBEV(ev), tv);
}

static int ubev_del(struct ub_event *ev)
{
	ubev_deactivate(UBEV(ev));
	return 0;
}

static int ubev_add_timer(struct ub_event *ev, struct ub_event_base *base,
			  void (*cb)(int, short, void *), void *arg,
			  struct timeval *tv)
{
	struct ubev *e = UBEV(ev);

	(void)base;
	if (e->active)
		ubev_deactivate(e);
	e->fd = -1;
	e->bits = UB_EV_TIMEOUT;
	e->cb = cb;
	e->arg = arg;
	return ubev_activate(e, tv);
}

static int ubev_del_timer(struct ub_event *ev)
{
	ubev_deactivate(UBEV(ev));
	return 0;
}

static int ubev_signal(struct ub_event *ev, struct timeval *tv)
{
	(void)ev;
	(void)tv;
	return -1; /* libunbound does not use signals */
}

static int ubev_signal_del(struct ub_event *ev)
{
	(void)ev;
	return 0;
}

static void ubev_wsa_unregister(struct ub_event *ev)
{
	(void)ev;
}

static void ubev_wouldblock(struct ub_event *ev, int bit)
{
	(void)ev;
	(void)bit;
}

static struct ub_event_vmt ubev_vmt = {
	.add_bits = ubev_add_bits,
	.del_bits = ubev_del_bits,
	.set_fd = ubev_set_fd,
	.free = ubev_free,
	.add = ubev_add,
	.del = ubev_del,
	.add_timer = ubev_add_timer,
	.del_timer = ubev_del_timer,
	.add_signal = ubev_signal,
	.del_signal = ubev_signal_del,
	.winsock_unregister_wsaevent = ubev_wsa_unregister,
	.winsock_tcp_wouldblock = ubev_wouldblock,
};

/* --- the base ---------------------------------------------------------------- */

#define UBB(base) ((struct ubevent_base *)(base))

static void ubb_free(struct ub_event_base *base)
{
	(void)base; /* ubevent_base_destroy() is the owner's */
}

static int ubb_dispatch(struct ub_event_base *base)
{
	(void)base;
	return -1; /* the daemon's loop dispatches */
}

static int ubb_loopexit(struct ub_event_base *base, struct timeval *tv)
{
	(void)base;
	(void)tv;
	return 0;
}

static struct ub_event *ubb_new_event(struct ub_event_base *base, int fd,
				      short bits,
				      void (*cb)(int, short, void *), void *arg)
{
	struct ubev *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->ub.magic = UB_EVENT_MAGIC;
	e->ub.vmt = &ubev_vmt;
	e->b = UBB(base);
	e->fd = fd;
	e->bits = bits;
	e->cb = cb;
	e->arg = arg;
	return &e->ub;
}

static struct ub_event *ubb_new_signal(struct ub_event_base *base, int fd,
				       void (*cb)(int, short, void *),
				       void *arg)
{
	(void)base;
	(void)fd;
	(void)cb;
	(void)arg;
	return NULL;
}

static struct ub_event *ubb_wsa(struct ub_event_base *base, void *wsaevent,
				void (*cb)(int, short, void *), void *arg)
{
	(void)base;
	(void)wsaevent;
	(void)cb;
	(void)arg;
	return NULL;
}

static struct ub_event_base_vmt ubb_vmt = {
	.free = ubb_free,
	.dispatch = ubb_dispatch,
	.loopexit = ubb_loopexit,
	.new_event = ubb_new_event,
	.new_signal = ubb_new_signal,
	.winsock_register_wsaevent = ubb_wsa,
};

struct ubevent_base *ubevent_base_create(void)
{
	struct ubevent_base *b = calloc(1, sizeof(*b));
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	if (!b)
		return NULL;
	b->ub.magic = UB_EVENT_MAGIC;
	b->ub.vmt = &ubb_vmt;
	b->tfd = b->wakefd = -1;
	b->soon_tail = &b->soon;
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	b->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	b->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ev.data.fd = b->tfd;
	if (b->epfd < 0 || b->tfd < 0 || b->wakefd < 0 ||
	    epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->tfd, &ev) ||
	    (ev.data.fd = b->wakefd,
	     epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->wakefd, &ev))) {
		err = errno;
		ubevent_base_destroy(b);
		errno = err;
		return NULL;
	}
	return b;
}

static void ubevent_reap(struct ubevent_base *b)
{
	while (b->dead) {
		struct ubev *e = b->dead;

		b->dead = e->fd_next;
		free(e);
	}
}

void ubevent_base_destroy(struct ubevent_base *b)
{
	if (!b)
		return;
	ubevent_reap(b);
	if (b->epfd >= 0)
		close(b->epfd);
	if (b->tfd >= 0)
		close(b->tfd);
	if (b->wakefd >= 0)
		close(b->wakefd);
	free(b->fds);
	free(b->heap);
	free(b);
}

struct ub_event_base *ubevent_ub_base(struct ubevent_base *b)
{
	return &b->ub;
}

int ubevent_fd(const struct ubevent_base *b)
{
	return b->epfd;
}

unsigned long ubevent_timer_sets(const struct ubevent_base *b)
{
	return b->sets;
}

void ubevent_wake(struct ubevent_base *b)
{
	ubev_wake_once(b);
}

/* The events of @fd that @ready (UB_EV_READ/WRITE) concerns, run. */
static int ubev_dispatch_fd(struct ubevent_base *b, int fd, short ready)
{
	struct ubev *snap[UBEV_PER_FD];
	int n = 0, ran = 0;

	if (fd < 0 || fd >= b->nfds)
		return 0;
	for (struct ubev *e = b->fds[fd].head; e && n < UBEV_PER_FD;
	     e = e->fd_next)
		if (e->bits & ready)
			snap[n++] = e;
	for (int i = 0; i < n; i++) {
		struct ubev *e = snap[i];
		short fired = e->bits & ready & UBEV_FD_BITS;

		/* An earlier callback may have changed or freed it. */
		if (e->dead || !e->active || !e->on_fd || e->fd != fd || !fired)
			continue;
		if (!(e->bits & UB_EV_PERSIST)) {
			ubev_deactivate(e);
		} else if (e->timed) {
			heap_remove(b, e);
			e->due_ns = ubev_now() + e->tv_ns;
			if (!heap_push(b, e))
				timer_arm(b);
		}
		e->cb(fd, fired, e->arg);
		ran++;
	}
	return ran;
}

static int ubev_run_timers(struct ubevent_base *b)
{
	uint64_t now = ubev_now();
	int ran = 0;

	while (b->nheap && b->heap[0]->due_ns <= now && ran < UBEV_TIMERS_MAX) {
		struct ubev *e = b->heap[0];

		heap_remove(b, e);
		if (e->bits & UB_EV_PERSIST) {
			e->due_ns = now + e->tv_ns;
			heap_push(b, e);
		} else {
			ubev_deactivate(e);
		}
		e->cb(e->fd, UB_EV_TIMEOUT, e->arg);
		ran++;
	}
	if (b->armed_ns && b->armed_ns <= now)
		b->armed_ns = 0; /* its expiry has passed: nothing pending */
	timer_arm(b);
	return ran;
}

/* The zero timeouts, oldest first, those their callbacks queue too (up to
 * UBEV_TIMERS_MAX: the rest wake the next run). */
static int ubev_run_soon(struct ubevent_base *b)
{
	struct ubev *e;
	int ran = 0;

	while ((e = b->soon) && ran < UBEV_TIMERS_MAX) {
		ubev_deactivate(e);
		e->cb(e->fd, UB_EV_TIMEOUT, e->arg);
		ran++;
	}
	return ran;
}

int ubevent_run(struct ubevent_base *b)
{
	struct epoll_event evs[UBEV_BATCH];
	uint64_t expirations;
	int n, ran = 0;

	b->running = true;
	n = epoll_wait(b->epfd, evs, UBEV_BATCH, 0);
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		short ready = 0;

		if (fd == b->tfd || fd == b->wakefd) {
			if (read(fd, &expirations, sizeof(expirations)) < 0) {
				/* EAGAIN: nothing due after all */
			}
			if (fd == b->wakefd)
				b->woken = false;
			continue;
		}
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			ready |= UB_EV_READ;
		if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			ready |= UB_EV_WRITE;
		ran += ubev_dispatch_fd(b, fd, ready);
	}
	ran += ubev_run_timers(b);
	ran += ubev_run_soon(b);
	b->running = false;
	if (b->soon)
		ubev_wake_once(b);
	ubevent_reap(b);
	return ran;
}
