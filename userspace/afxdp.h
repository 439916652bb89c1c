/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * --afxdp: one AF_XDP socket on one receive queue of the XDP interface,
 * with its own UMEM: half of its frames lent to the kernel for queries
 * (the fill ring), half kept for answers (the TX ring). The XDP program
 * redirects the queries it would pass up to the socket of their queue
 * (xdpdns_xsk); an answer leaves as a whole frame the daemon builds
 * (lib/xskframe.h), without the kernel's IP, UDP and routing layers.
 *
 * Created by the daemon process before it drops its privileges
 * (CAP_NET_RAW); closing it (or the process dying) takes it out of
 * xdpdns_xsk, and XDP passes that queue's queries to the UDP socket again.
 * Receiving belongs to the thread that polls afxdp_fd(); sending may come
 * from any thread.
 */
#ifndef XDPDNS_AFXDP_H
#define XDPDNS_AFXDP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/xskframe.h"

struct afxdp;

/*
 * A socket on queue @queue of @ifname, put into the XSKMAP @xsk_map_fd.
 * Return: 0 or -errno (logged).
 */
int afxdp_open(const char *ifname, unsigned int queue, int xsk_map_fd,
	       struct afxdp **out);

/* The receive queues of @ifname the kernel uses (1 when it cannot say). */
unsigned int afxdp_queues(const char *ifname);

/* The descriptor to poll for EPOLLIN. */
int afxdp_fd(const struct afxdp *x);

/* One received frame; valid during the call only. */
typedef void (*afxdp_rx_fn)(void *arg, const uint8_t *frame, size_t len);

/* Hands up to @max received frames to @fn. Return: how many. */
unsigned int afxdp_rx(struct afxdp *x, unsigned int max, afxdp_rx_fn fn,
		      void *arg);

/*
 * Queues the answer @msg to the query @h came with (afxdp_kick() sends).
 * Return: 0, -EMSGSIZE (larger than a frame or the link's MTU) or -ENOBUFS
 * (every answer frame in flight): then the answer needs another way.
 */
int afxdp_send(struct afxdp *x, const struct xskframe_hdr *h,
	       const uint8_t *msg, size_t len);

/* What the kernel dropped on its way into the socket, since it opened. */
struct afxdp_drops {
	uint64_t ring_full; /* the receive ring full */
	uint64_t dropped; /* no free receive frame (the daemon behind), or
			   * a frame too long for one */
};

/* Reads @x's drop counters (any thread). Return: 0 or -errno. */
int afxdp_drops(const struct afxdp *x, struct afxdp_drops *d);

/* Has the kernel send what afxdp_send() queued. */
void afxdp_kick(struct afxdp *x);

void afxdp_close(struct afxdp *x);

#endif /* XDPDNS_AFXDP_H */
