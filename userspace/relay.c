// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The UDP threads' queue to the loop's thread; see relay.h. A mutex and a
 * list: a push is a miss or a rare write-back, so the lock is taken at the
 * rate of resolutions, not of answers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "relay.h"

struct relay {
	pthread_mutex_t lock;
	struct relay_item *head, *tail;
	unsigned int n, max;
	int efd;
};

int relay_create(unsigned int max, struct relay **out)
{
	struct relay *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->efd < 0) {
		int ret = -errno;

		free(r);
		return ret;
	}
	pthread_mutex_init(&r->lock, NULL);
	r->max = max;
	*out = r;
	return 0;
}

int relay_fd(const struct relay *r)
{
	return r->efd;
}

bool relay_push(struct relay *r, struct relay_item *it)
{
	uint64_t one = 1;
	bool wake;

	pthread_mutex_lock(&r->lock);
	if (r->n >= r->max) {
		pthread_mutex_unlock(&r->lock);
		return false;
	}
	it->next = NULL;
	if (r->tail)
		r->tail->next = it;
	else
		r->head = it;
	r->tail = it;
	/* The first item wakes the taker; later ones find it awake. */
	wake = r->n++ == 0;
	pthread_mutex_unlock(&r->lock);
	if (wake && write(r->efd, &one, sizeof(one)) < 0) {
		/* EAGAIN only: the counter is full, so it is readable. */
	}
	return true;
}

struct relay_item *relay_take(struct relay *r)
{
	struct relay_item *list;
	uint64_t v;

	pthread_mutex_lock(&r->lock);
	list = r->head;
	r->head = r->tail = NULL;
	r->n = 0;
	/* Under the lock: a push after this finds n 0 and wakes again. */
	if (read(r->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing was signalled */
	}
	pthread_mutex_unlock(&r->lock);
	return list;
}

void relay_destroy(struct relay *r, void (*free_item)(struct relay_item *))
{
	struct relay_item *it, *next;

	if (!r)
		return;
	for (it = r->head; it; it = next) {
		next = it->next;
		if (free_item)
			free_item(it);
	}
	close(r->efd);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
