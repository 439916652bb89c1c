/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS over TCP framing (RFC 1035 4.2.2, RFC 7766): the receive buffer of
 * one connection and the loop that hands its whole 2-byte length-prefixed
 * frames to the daemon, with the limits that keep one client from queueing
 * unbounded work: at most TCPFRAME_PIPELINE_MAX queries resolving and
 * TCPFRAME_WQ_MAX answer bytes queued before the connection stops taking
 * frames. No sockets here: listen.c does the I/O, the fuzzer and the unit
 * tests drive the same code with bytes.
 */
#ifndef XDPDNS_TCPFRAME_H
#define XDPDNS_TCPFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Queries of one connection resolving at once before it stops reading. */
#ifndef TCPFRAME_PIPELINE_MAX
#define TCPFRAME_PIPELINE_MAX 64
#endif
/* Answer bytes queued on one connection before it stops reading. */
#ifndef TCPFRAME_WQ_MAX
#define TCPFRAME_WQ_MAX (256 * 1024)
#endif
/* Largest DNS message plus its length prefix. */
#define TCPFRAME_BUF_MAX (2 + 65535)
/* What a connection's receive buffer starts with. */
#define TCPFRAME_BUF_MIN 512

/* The receive buffer of one connection: bytes not yet taken as frames. */
struct tcpframe_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

/* How much work a connection has queued (the daemon's side). */
struct tcpframe_load {
	unsigned int pending; /* queries held by the daemon */
	size_t wq_bytes; /* answer bytes not yet written */
	bool closed;
};

/* Why tcpframe_take() stopped. */
enum tcpframe_stop {
	TCPFRAME_PARTIAL = 0, /* no whole frame left: read more */
	TCPFRAME_BUSY, /* pipeline or write queue full: read no more */
	TCPFRAME_CLOSED, /* @load says the connection closed */
	TCPFRAME_BAD, /* a zero-length frame: close the connection */
};

/* A buffer of TCPFRAME_BUF_MIN bytes. Return: 0 or -ENOMEM. */
int tcpframe_buf_init(struct tcpframe_buf *b);

void tcpframe_buf_free(struct tcpframe_buf *b);

/*
 * tcpframe_buf_room() - where the next read goes.
 * Doubles the buffer when it is full, up to TCPFRAME_BUF_MAX (the largest
 * frame), so it grows only as far as a frame needs.
 * Return: free bytes at b->data + b->len; 0 when a whole largest frame is
 * waiting to be taken (read nothing), -ENOMEM.
 */
long tcpframe_buf_room(struct tcpframe_buf *b);

/* Whether @l has as much queued as one connection may (stop reading). */
bool tcpframe_busy(const struct tcpframe_load *l);

/* Called once per whole frame with its message (without the prefix). */
typedef void (*tcpframe_fn)(void *arg, const uint8_t *msg, size_t len);

/**
 * tcpframe_take() - hand the whole frames of @b to @fn, in order.
 * @load: read before every frame; @fn may change it (a query it answers at
 *        once queues bytes, one it resolves adds to pending, a write error
 *        closes): the loop stops at the first frame @load does not allow.
 *
 * The frames taken are removed from @b, the rest moved to its front.
 * Return: enum tcpframe_stop.
 */
int tcpframe_take(struct tcpframe_buf *b, const struct tcpframe_load *load,
		  tcpframe_fn fn, void *arg);

#endif /* XDPDNS_TCPFRAME_H */
