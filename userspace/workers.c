// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The UDP threads; see workers.h. Each blocks in epoll_wait() on its
 * sockets and a control eventfd; the loop's thread writes that eventfd to
 * park them (pause) or end them (stop), and waits on a condition variable
 * until every one has parked.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "workers.h"

#define WORKER_EVENTS 16

struct worker {
	struct workers *ws;
	unsigned int idx;
	pthread_t thread;
	bool running; /* the thread was created */
	int epfd;
	struct ev_handler ctl_ev;
	struct listener *ls;
	struct query_ctx *qctx;
	struct daemon_stats stats;
};

struct workers {
	unsigned int n;
	struct worker *w;
	int ctl_fd; /* eventfd: readable while pause or stop is asked */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int parked;
	bool pause, stop; /* under lock */
};

/* The control eventfd: park until resumed, or end. Return: true to end. */
static bool worker_control(struct worker *w)
{
	struct workers *ws = w->ws;
	bool stop;

	pthread_mutex_lock(&ws->lock);
	if (ws->pause && !ws->stop) {
		ws->parked++;
		pthread_cond_broadcast(&ws->cond);
		while (ws->pause && !ws->stop)
			pthread_cond_wait(&ws->cond, &ws->lock);
		ws->parked--;
	}
	stop = ws->stop;
	pthread_mutex_unlock(&ws->lock);
	return stop;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[WORKER_EVENTS];

	for (;;) {
		int n = epoll_wait(w->epfd, evs, WORKER_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("UDP thread %u: epoll_wait: %s", w->idx + 1,
				strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct ev_handler *h = evs[i].data.ptr;

			if (h == &w->ctl_ev) {
				if (worker_control(w))
					return NULL;
				continue;
			}
			h->fn(h, evs[i].events);
		}
	}
	return NULL;
}

static int worker_init(struct worker *w, struct listener *ls,
		       const struct query_ctx *main, struct relay *relay,
		       const struct config *cfg)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &w->ctl_ev };
	int ret;

	w->ls = ls;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0)
		return -errno;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->ws->ctl_fd, &ev))
		return -errno;
	w->qctx = malloc(sizeof(*w->qctx));
	if (!w->qctx)
		return -ENOMEM;
	query_ctx_thread(w->qctx, main, ls, relay, &w->stats);
	ret = listen_start(ls, w->epfd, cfg, query_on_client, NULL, w->qctx,
			   &w->stats);
	return ret;
}

int workers_start(struct listener *ls, const struct query_ctx *main,
		  struct relay *relay, const struct config *cfg,
		  struct workers **out)
{
	unsigned int n = listen_workers(ls);
	struct workers *ws;
	int ret = 0;

	*out = NULL;
	if (!n)
		return 0;
	ws = calloc(1, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	ws->w = calloc(n, sizeof(*ws->w));
	ws->ctl_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&ws->lock, NULL);
	pthread_cond_init(&ws->cond, NULL);
	if (!ws->w || ws->ctl_fd < 0) {
		ret = ws->w ? -errno : -ENOMEM;
		goto fail;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct worker *w = &ws->w[i];

		w->ws = ws;
		w->idx = i;
		w->epfd = -1;
		ws->n++;
		ret = worker_init(w, listen_worker(ls, i), main, relay, cfg);
		if (ret)
			goto fail;
	}
	for (unsigned int i = 0; i < n; i++) {
		ret = -pthread_create(&ws->w[i].thread, NULL, worker_main,
				      &ws->w[i]);
		if (ret)
			goto fail;
		ws->w[i].running = true;
	}
	log_info("%u UDP thread%s besides the resolver's", n,
		 n == 1 ? "" : "s");
	*out = ws;
	return 0;
fail:
	log_err("cannot start the UDP threads: %s", strerror(-ret));
	workers_stop(ws);
	return ret;
}

unsigned int workers_count(const struct workers *ws)
{
	return ws ? ws->n : 0;
}

const struct daemon_stats *workers_stats(const struct workers *ws,
					 unsigned int i)
{
	return &ws->w[i].stats;
}

/* Asks every thread to look at the control flags. */
static void workers_kick(struct workers *ws)
{
	uint64_t one = 1;

	if (write(ws->ctl_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN only: readable already */
	}
}

/* The control eventfd is left readable while asked, so every thread sees
 * it (level-triggered); quiet again once nothing is asked. */
static void workers_quiet(struct workers *ws)
{
	uint64_t v;

	if (read(ws->ctl_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing was asked */
	}
}

void workers_pause(struct workers *ws)
{
	unsigned int running = 0;

	if (!ws)
		return;
	for (unsigned int i = 0; i < ws->n; i++)
		running += ws->w[i].running;
	pthread_mutex_lock(&ws->lock);
	ws->pause = true;
	workers_kick(ws);
	while (ws->parked < running)
		pthread_cond_wait(&ws->cond, &ws->lock);
	pthread_mutex_unlock(&ws->lock);
}

void workers_resume(struct workers *ws)
{
	if (!ws)
		return;
	pthread_mutex_lock(&ws->lock);
	ws->pause = false;
	workers_quiet(ws);
	pthread_cond_broadcast(&ws->cond);
	pthread_mutex_unlock(&ws->lock);
}

void workers_stop(struct workers *ws)
{
	if (!ws)
		return;
	pthread_mutex_lock(&ws->lock);
	ws->stop = true;
	workers_kick(ws);
	pthread_cond_broadcast(&ws->cond);
	pthread_mutex_unlock(&ws->lock);
	for (unsigned int i = 0; i < ws->n; i++) {
		struct worker *w = &ws->w[i];

		if (w->running)
			pthread_join(w->thread, NULL);
		if (w->epfd >= 0)
			close(w->epfd);
		free(w->qctx);
	}
	if (ws->ctl_fd >= 0)
		close(ws->ctl_fd);
	pthread_cond_destroy(&ws->cond);
	pthread_mutex_destroy(&ws->lock);
	free(ws->w);
	free(ws);
}
