// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * DNS over TCP framing, without sockets; see tcpframe.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tcpframe.h"

int tcpframe_buf_init(struct tcpframe_buf *b)
{
	b->len = 0;
	b->cap = TCPFRAME_BUF_MIN;
	b->data = malloc(b->cap);
	if (!b->data) {
		b->cap = 0;
		return -ENOMEM;
	}
	return 0;
}

void tcpframe_buf_free(struct tcpframe_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

long tcpframe_buf_room(struct tcpframe_buf *b)
{
	if (b->len == b->cap) {
		size_t ncap = b->cap * 2;
		uint8_t *nd;

		if (ncap > TCPFRAME_BUF_MAX)
			ncap = TCPFRAME_BUF_MAX;
		if (ncap <= b->cap)
			return 0; /* a full frame is waiting its turn */
		nd = realloc(b->data, ncap);
		if (!nd)
			return -ENOMEM;
		b->data = nd;
		b->cap = ncap;
	}
	return (long)(b->cap - b->len);
}

bool tcpframe_busy(const struct tcpframe_load *l)
{
	return l->pending >= TCPFRAME_PIPELINE_MAX ||
	       l->wq_bytes >= TCPFRAME_WQ_MAX;
}

int tcpframe_take(struct tcpframe_buf *b, const struct tcpframe_load *load,
		  tcpframe_fn fn, void *arg)
{
	int stop = TCPFRAME_PARTIAL;
	size_t off = 0;

	for (;;) {
		size_t len;

		if (load->closed) {
			stop = TCPFRAME_CLOSED;
			break;
		}
		if (b->len - off < 2)
			break;
		len = (size_t)b->data[off] << 8 | b->data[off + 1];
		if (len == 0) {
			stop = TCPFRAME_BAD;
			break;
		}
		if (b->len - off < 2 + len)
			break;
		if (tcpframe_busy(load)) {
			stop = TCPFRAME_BUSY;
			break;
		}
		fn(arg, b->data + off + 2, len);
		off += 2 + len;
	}
	memmove(b->data, b->data + off, b->len - off);
	b->len -= off;
	return stop;
}
