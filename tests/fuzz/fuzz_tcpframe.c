// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the TCP framing of listen.c (lib/tcpframe.h) on any
 * byte stream a client may send, read in pieces of sizes the input picks,
 * with queries that resolve (pending) or are answered at once (queued
 * bytes) as their first byte says, and a queue that drains whenever the
 * connection is busy.
 *
 * Checks: the frames handed over are exactly those of an independent walk
 * of the stream, in order, none twice, up to the first zero-length frame
 * (reported as TCPFRAME_BAD); no frame is taken while the connection is
 * busy; the buffer never holds more than one largest frame.
 */
#include <string.h>

#include "harness.h"
#include "lib/tcpframe.h"

struct run {
	const uint8_t *stream;
	size_t len;
	size_t next; /* offset of the next frame the walk expects */
	struct tcpframe_load load;
	unsigned int frames;
};

static void on_frame(void *arg, const uint8_t *msg, size_t len)
{
	struct run *r = arg;
	size_t want;

	FUZZ_ASSERT(!tcpframe_busy(&r->load) && !r->load.closed);
	FUZZ_ASSERT(r->next + 2 <= r->len);
	want = (size_t)r->stream[r->next] << 8 | r->stream[r->next + 1];
	FUZZ_ASSERT(want && len == want && r->next + 2 + len <= r->len);
	FUZZ_ASSERT(!memcmp(msg, r->stream + r->next + 2, len));
	r->next += 2 + len;
	r->frames++;
	if (msg[0] & 1)
		r->load.pending++;
	else
		r->load.wq_bytes += (size_t)msg[0] * 1024 + 2 + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcpframe_buf b;
	struct run r = { 0 };
	uint32_t rnd;
	size_t fed = 0;
	int stop = TCPFRAME_PARTIAL;

	if (size < 2)
		return 0;
	rnd = data[0] | (uint32_t)data[1] << 8 | 1;
	r.stream = data + 2;
	r.len = size - 2;
	if (tcpframe_buf_init(&b))
		return 0;
	while (fed < r.len && stop != TCPFRAME_BAD) {
		long room = tcpframe_buf_room(&b);
		size_t n;

		FUZZ_ASSERT(room >= 0);
		FUZZ_ASSERT(b.cap <= TCPFRAME_BUF_MAX && b.len <= b.cap);
		if (room == 0) {
			/* Only a whole largest frame waiting, and busy. */
			FUZZ_ASSERT(stop == TCPFRAME_BUSY);
		} else {
			rnd = rnd * 1103515245 + 12345;
			n = 1 + (rnd >> 8) % 2048;
			if (n > (size_t)room)
				n = room;
			if (n > r.len - fed)
				n = r.len - fed;
			memcpy(b.data + b.len, r.stream + fed, n);
			b.len += n;
			fed += n;
		}
		stop = tcpframe_take(&b, &r.load, on_frame, &r);
		FUZZ_ASSERT(stop >= TCPFRAME_PARTIAL && stop <= TCPFRAME_BAD);
		FUZZ_ASSERT(stop != TCPFRAME_CLOSED);
		/* What is left is the stream from the next frame on. */
		FUZZ_ASSERT(r.next + b.len == fed);
		FUZZ_ASSERT(!memcmp(b.data, r.stream + r.next, b.len));
		if (stop == TCPFRAME_BUSY) {
			FUZZ_ASSERT(tcpframe_busy(&r.load));
			r.load.pending = 0;
			r.load.wq_bytes = 0;
		}
	}
	while (stop == TCPFRAME_BUSY) {
		r.load.pending = 0;
		r.load.wq_bytes = 0;
		stop = tcpframe_take(&b, &r.load, on_frame, &r);
	}
	/* The walk: BAD exactly at a zero-length frame the stream has. */
	if (stop == TCPFRAME_BAD)
		FUZZ_ASSERT(r.next + 2 <= r.len && !r.stream[r.next] &&
			    !r.stream[r.next + 1]);
	else
		FUZZ_ASSERT(r.len - r.next < 2 ||
			    r.len - r.next <
				    2 + ((size_t)r.stream[r.next] << 8 |
					 r.stream[r.next + 1]));
	tcpframe_buf_free(&b);
	return 0;
}
