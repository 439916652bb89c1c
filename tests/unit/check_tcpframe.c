// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lib/tcpframe.h, the TCP framing of listen.c without sockets: pipelined
 * frames in order, frames split over any number of reads, a partial frame
 * kept for the next read, the zero-length frame that closes, and the two
 * limits that stop a connection taking frames: TCPFRAME_PIPELINE_MAX
 * queries resolving and TCPFRAME_WQ_MAX answer bytes queued (frames the
 * daemon answers at once, from its cache or with an error, queue bytes
 * without ever becoming pending). The receive buffer grows to one largest
 * frame and no further.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tcpframe.h"
#include "suites.h"

/* What the callback saw, and what each frame does to the load. */
struct sink {
	struct tcpframe_load load;
	unsigned int frames;
	size_t bytes;
	uint8_t first[8]; /* first byte of each of the first frames */
	unsigned int add_pending; /* per frame */
	size_t add_wq; /* per frame */
	unsigned int close_after; /* 0: never */
};

static void sink_fn(void *arg, const uint8_t *msg, size_t len)
{
	struct sink *k = arg;

	if (k->frames < sizeof(k->first))
		k->first[k->frames] = msg[0];
	k->frames++;
	k->bytes += len;
	k->load.pending += k->add_pending;
	k->load.wq_bytes += k->add_wq;
	if (k->close_after && k->frames == k->close_after)
		k->load.closed = true;
}

/* Appends a frame of @len bytes, all @fill, to @b (which has room). */
static void put_frame(struct tcpframe_buf *b, size_t len, uint8_t fill)
{
	ck_assert_uint_ge(b->cap - b->len, 2 + len);
	b->data[b->len] = len >> 8;
	b->data[b->len + 1] = len & 0xff;
	memset(b->data + b->len + 2, fill, len);
	b->len += 2 + len;
}

/* A buffer big enough for @n bytes of frames. */
static void buf_sized(struct tcpframe_buf *b, size_t n)
{
	ck_assert_int_eq(tcpframe_buf_init(b), 0);
	free(b->data);
	b->data = malloc(n);
	ck_assert_ptr_nonnull(b->data);
	b->cap = n;
}

/* ---- Positive ------------------------------------------------------------ */

START_TEST(test_pipelined_in_order)
{
	struct tcpframe_buf b;
	struct sink k = { 0 };

	buf_sized(&b, 4096);
	for (int i = 0; i < 5; i++)
		put_frame(&b, 20 + i, 'a' + i);
	ck_assert_int_eq(tcpframe_take(&b, &k.load, sink_fn, &k),
			 TCPFRAME_PARTIAL);
	ck_assert_uint_eq(k.frames, 5);
	ck_assert_uint_eq(k.bytes, 20 + 21 + 22 + 23 + 24);
	ck_assert_mem_eq(k.first, "abcde", 5);
	ck_assert_uint_eq(b.len, 0);
	tcpframe_buf_free(&b);
}
END_TEST

/* Split points of a stream of three frames, fed in pieces of _i+1 bytes. */
START_TEST(test_split_reads)
{
	uint8_t stream[3 * (2 + 40)];
	struct tcpframe_buf src, b;
	struct sink k = { 0 };
	size_t step = _i + 1;

	buf_sized(&src, sizeof(stream));
	for (int i = 0; i < 3; i++)
		put_frame(&src, 40, 'x' + i);
	memcpy(stream, src.data, sizeof(stream));
	tcpframe_buf_free(&src);
	ck_assert_int_eq(tcpframe_buf_init(&b), 0);
	for (size_t off = 0; off < sizeof(stream); off += step) {
		size_t n = sizeof(stream) - off < step ? sizeof(stream) - off :
							 step;

		ck_assert_int_ge(tcpframe_buf_room(&b), (long)n);
		memcpy(b.data + b.len, stream + off, n);
		b.len += n;
		ck_assert_int_eq(tcpframe_take(&b, &k.load, sink_fn, &k),
				 TCPFRAME_PARTIAL);
		/* Whatever is left is the start of the frame being read. */
		ck_assert_uint_lt(b.len, 2 + 40);
	}
	ck_assert_uint_eq(k.frames, 3);
	ck_assert_mem_eq(k.first, "xyz", 3);
	ck_assert_uint_eq(b.len, 0);
	tcpframe_buf_free(&b);
}
END_TEST

START_TEST(test_partial_kept)
{
	struct tcpframe_buf b;
	struct sink k = { 0 };

	buf_sized(&b, 4096);
	put_frame(&b, 10, 'a');
	put_frame(&b, 300, 'b');
	b.len -= 100; /* the second frame's last 100 bytes not read yet */
	ck_assert_int_eq(tcpframe_take(&b, &k.load, sink_fn, &k),
			 TCPFRAME_PARTIAL);
	ck_assert_uint_eq(k.frames, 1);
	ck_assert_uint_eq(b.len, 2 + 200);
	ck_assert_uint_eq(b.data[0], 300 >> 8);
	ck_assert_uint_eq(b.data[1], 300 & 0xff);
	ck_assert_uint_eq(b.data[2], 'b');
	tcpframe_buf_free(&b);
}
END_TEST

/* ---- Negative ------------------------------------------------------------ */

START_TEST(test_zero_length_frame)
{
	struct tcpframe_buf b;
	struct sink k = { 0 };

	buf_sized(&b, 4096);
	put_frame(&b, 12, 'a');
	b.data[b.len++] = 0;
	b.data[b.len++] = 0;
	put_frame(&b, 12, 'c');
	ck_assert_int_eq(tcpframe_take(&b, &k.load, sink_fn, &k), TCPFRAME_BAD);
	ck_assert_uint_eq(k.frames, 1); /* nothing after it */
	tcpframe_buf_free(&b);
}
END_TEST

START_TEST(test_closed_stops)
{
	struct tcpframe_buf b;
	struct sink k = { .close_after = 2 };

	buf_sized(&b, 4096);
	for (int i = 0; i < 4; i++)
		put_frame(&b, 12, 'a' + i);
	ck_assert_int_eq(tcpframe_take(&b, &k.load, sink_fn, &k),
			 TCPFRAME_CLOSED);
	ck_assert_uint_eq(k.frames, 2);
	tcpframe_buf_free(&b);
}
END_TEST

/* ---- Limits -------------------------------------------------------------- */

/* Every frame resolves: the 64th fills the pipeline, the 65th waits. */
START_TEST(test_pipeline_limit)
{
	struct tcpframe_buf b;
	struct sink k = { .add_pending = 1 };

	buf_sized(&b, 100 * (2 + 12));
	for (int i = 0; i < 100; i++)
		put_frame(&b, 12, 'a');
	ck_assert_int_eq(tcpframe_take(&b, &k.load, sink_fn, &k),
			 TCPFRAME_BUSY);
	ck_assert_uint_eq(k.frames, TCPFRAME_PIPELINE_MAX);
	ck_assert_uint_eq(b.len, (100 - TCPFRAME_PIPELINE_MAX) * (2 + 12));
	ck_assert(tcpframe_busy(&k.load));
	/* One answered: exactly one more frame is taken. */
	k.load.pending--;
	ck_assert_int_eq(tcpframe_take(&b, &k.load, sink_fn, &k),
			 TCPFRAME_BUSY);
	ck_assert_uint_eq(k.frames, TCPFRAME_PIPELINE_MAX + 1);
	tcpframe_buf_free(&b);
}
END_TEST

/*
 * Every frame is answered at once with 64 KiB (never pending): the loop
 * stops when the queue reaches TCPFRAME_WQ_MAX, not only the read side.
 */
START_TEST(test_write_queue_limit)
{
	const size_t answer = 65536;
	const unsigned int fit = (TCPFRAME_WQ_MAX + answer - 1) / answer;
	struct tcpframe_buf b;
	struct sink k = { .add_wq = answer };

	buf_sized(&b, 100 * (2 + 12));
	for (int i = 0; i < 100; i++)
		put_frame(&b, 12, 'a');
	ck_assert_int_eq(tcpframe_take(&b, &k.load, sink_fn, &k),
			 TCPFRAME_BUSY);
	ck_assert_uint_eq(k.frames, fit);
	ck_assert_uint_eq(k.load.pending, 0);
	ck_assert_uint_ge(k.load.wq_bytes, TCPFRAME_WQ_MAX);
	ck_assert_uint_eq(b.len, (100 - fit) * (2 + 12));
	/* A queue already full takes nothing at all. */
	ck_assert_int_eq(tcpframe_take(&b, &k.load, sink_fn, &k),
			 TCPFRAME_BUSY);
	ck_assert_uint_eq(k.frames, fit);
	/* Written out: the rest goes. */
	k.load.wq_bytes = 0;
	k.add_wq = 0;
	ck_assert_int_eq(tcpframe_take(&b, &k.load, sink_fn, &k),
			 TCPFRAME_PARTIAL);
	ck_assert_uint_eq(k.frames, 100);
	tcpframe_buf_free(&b);
}
END_TEST

/* The buffer doubles up to one largest frame, which is then taken. */
START_TEST(test_buffer_growth)
{
	struct tcpframe_buf b;
	struct sink k = { 0 };
	size_t caps = 0;
	long room;

	ck_assert_int_eq(tcpframe_buf_init(&b), 0);
	ck_assert_uint_eq(b.cap, TCPFRAME_BUF_MIN);
	b.data[0] = 0xff;
	b.data[1] = 0xff;
	b.len = 2;
	while ((room = tcpframe_buf_room(&b)) > 0) {
		ck_assert_uint_le(b.cap, TCPFRAME_BUF_MAX);
		memset(b.data + b.len, 'm', room);
		b.len += room;
		ck_assert_int_eq(tcpframe_take(&b, &k.load, sink_fn, &k),
				 TCPFRAME_PARTIAL);
		if (k.frames)
			break;
		caps++;
	}
	ck_assert_uint_eq(k.frames, 1);
	ck_assert_uint_eq(k.bytes, 65535);
	ck_assert_uint_eq(b.cap, TCPFRAME_BUF_MAX);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_ge(caps, 7); /* 512 .. 65537 in doublings */
	tcpframe_buf_free(&b);
}
END_TEST

/* A full buffer holding a largest frame not yet taken: no room, no growth. */
START_TEST(test_buffer_full)
{
	struct tcpframe_buf b;
	struct sink k = { 0 };

	ck_assert_int_eq(tcpframe_buf_init(&b), 0);
	while (b.cap < TCPFRAME_BUF_MAX) {
		b.len = b.cap;
		ck_assert_int_gt(tcpframe_buf_room(&b), 0);
	}
	b.len = b.cap;
	ck_assert_int_eq(tcpframe_buf_room(&b), 0);
	ck_assert_uint_eq(b.cap, TCPFRAME_BUF_MAX);
	k.load.pending = TCPFRAME_PIPELINE_MAX;
	b.data[0] = 0xff;
	b.data[1] = 0xff;
	ck_assert_int_eq(tcpframe_take(&b, &k.load, sink_fn, &k),
			 TCPFRAME_BUSY);
	ck_assert_uint_eq(b.len, TCPFRAME_BUF_MAX);
	tcpframe_buf_free(&b);
}
END_TEST

void tcpframe_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_pipelined_in_order),
		     CKTEST_LOOP(test_split_reads, 84),
		     CKTEST(test_partial_kept));
	CKTEST_TCASE(s, "Negative", NULL, CKTEST(test_zero_length_frame),
		     CKTEST(test_closed_stops));
	CKTEST_TCASE(s, "Limits", NULL, CKTEST(test_pipeline_limit),
		     CKTEST(test_write_queue_limit), CKTEST(test_buffer_growth),
		     CKTEST(test_buffer_full));
}
