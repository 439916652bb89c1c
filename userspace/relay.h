/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A bounded first-in first-out queue from the UDP threads (--threads) to
 * the loop's thread, which owns libunbound, the XDP cache's writer and the
 * refresher: what a UDP thread cannot finish itself (a miss, an entry to
 * write back to XDP, a prefetch) travels here. Any thread pushes; one
 * thread takes, woken by an eventfd it watches in its epoll loop. Items
 * are the caller's, linked through their first member.
 */
#ifndef XDPDNS_RELAY_H
#define XDPDNS_RELAY_H

#include <stdbool.h>

struct relay_item {
	struct relay_item *next;
};

struct relay;

/* An empty queue of at most @max items. Return: 0 or -errno. */
int relay_create(unsigned int max, struct relay **out);

/* The eventfd that is readable while items wait. */
int relay_fd(const struct relay *r);

/*
 * Appends @it and wakes the taker. Return: false, with @it not taken,
 * when @max items wait already.
 */
bool relay_push(struct relay *r, struct relay_item *it);

/* Every waiting item, oldest first (NULL: none); the fd is quiet again. */
struct relay_item *relay_take(struct relay *r);

/* Frees @r and, with @free_item, the items still waiting. */
void relay_destroy(struct relay *r, void (*free_item)(struct relay_item *));

#endif /* XDPDNS_RELAY_H */
