// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's UDP sockets (userspace/listen.c) on 127.0.0.1: a burst of
 * queries is read with one recvmmsg() and the answers made while it is
 * handled leave with one sendmmsg(), each to its own client, whole and in
 * order; a burst larger than a batch takes one call per batch; an answer
 * made outside a batch (a finished resolution) goes at once; one too long
 * for the batch's buffers goes on its own. With --threads 3 every thread's
 * listener has its own socket on the one port, the kernel spreads clients
 * over them, and a second daemon's single socket cannot bind there. The
 * callback echoes each query back with its first byte changed, so every
 * answer says which query it is.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "suites.h"
#include "userspace/config.h"
#include "userspace/event.h"
#include "userspace/listen.h"

#define BATCH 64 /* LISTEN_UDP_BATCH */

static struct {
	struct config cfg;
	struct daemon_stats stats;
	struct listener *ls;
	int epfd;
	int client[2];
	struct sockaddr_in server;
	size_t answer_len; /* 0: echo */
	struct listen_client last;
} fx;

static void echo(void *arg, const uint8_t *msg, size_t len,
		 const struct listen_client *c)
{
	static uint8_t out[8192];
	size_t n = fx.answer_len ? fx.answer_len : len;

	(void)arg;
	memset(out, 0xee, sizeof(out));
	memcpy(out, msg, len < n ? len : n);
	out[0] ^= 0x80;
	fx.last = *c;
	ck_assert_int_eq(listen_send(fx.ls, c, out, n), 0);
}

static void start_threads(const char *threads)
{
	char port[16], err[CONFIG_ERR_MAX];
	char *argv[] = { "xdpdnsd", "--no-xdp", "--listen",  "127.0.0.1",
			 "--port",  port,	"--threads", (char *)threads };
	socklen_t sl = sizeof(fx.server);
	struct epoll_event ev;
	int fd = -1;

	memset(&fx, 0, sizeof(fx));
	/* A free port: whatever the kernel gives a throwaway socket. */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	fx.server.sin_family = AF_INET;
	fx.server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&fx.server, sl), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&fx.server, &sl),
			 0);
	close(fd);
	snprintf(port, sizeof(port), "%u", ntohs(fx.server.sin_port));
	ck_assert_int_eq(config_build(ARRAY_SIZE(argv), argv, &fx.cfg, err,
				      sizeof(err)),
			 CONFIG_RUN);
	ck_assert_int_eq(listen_open(&fx.cfg, &fx.ls), 0);
	fx.epfd = epoll_create1(0);
	ck_assert_int_ge(fx.epfd, 0);
	ck_assert_int_eq(listen_start(fx.ls, fx.epfd, &fx.cfg, echo, NULL, NULL,
				      &fx.stats),
			 0);
	for (int i = 0; i < 2; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET };

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK + (uint32_t)i);
		fx.client[i] = socket(AF_INET, SOCK_DGRAM, 0);
		ck_assert_int_eq(bind(fx.client[i], (struct sockaddr *)&a,
				      sizeof(a)),
				 0);
		ck_assert_int_eq(connect(fx.client[i],
					 (struct sockaddr *)&fx.server,
					 sizeof(fx.server)),
				 0);
	}
	(void)ev;
}

static void start(void)
{
	start_threads("1");
}

static void stop(void)
{
	listen_close(fx.ls);
	close(fx.epfd);
	close(fx.client[0]);
	close(fx.client[1]);
	config_free(&fx.cfg);
}

/* One wake-up of the loop: every ready socket handled once. */
static int pump(int ms)
{
	struct epoll_event evs[8];
	int n = epoll_wait(fx.epfd, evs, 8, ms);

	for (int i = 0; i < n; i++) {
		struct ev_handler *h = evs[i].data.ptr;

		h->fn(h, evs[i].events);
	}
	return n;
}

/* Query @i (8 + @i % 100 bytes, its number in bytes 1-2) from @c. */
static void send_query(int c, unsigned int i)
{
	uint8_t q[200];
	size_t len = 8 + i % 100;

	memset(q, (int)i, sizeof(q));
	q[0] = 0x01;
	q[1] = (uint8_t)(i >> 8);
	q[2] = (uint8_t)i;
	ck_assert_int_eq(send(fx.client[c], q, len, 0), (ssize_t)len);
}

/* The answer to query @i at @c, checked, within a second. */
static void expect_answer(int c, unsigned int i)
{
	struct pollfd p = { .fd = fx.client[c], .events = POLLIN };
	uint8_t a[200];
	ssize_t n;

	ck_assert_int_eq(poll(&p, 1, 1000), 1);
	n = recv(fx.client[c], a, sizeof(a), 0);
	ck_assert_int_eq(n, (ssize_t)(8 + i % 100));
	ck_assert_uint_eq(a[0], 0x81);
	ck_assert_uint_eq((unsigned)a[1] << 8 | a[2], i);
	for (ssize_t k = 3; k < n; k++)
		ck_assert_uint_eq(a[k], (uint8_t)i);
}

/* 40 queries from two clients: one recvmmsg(), one sendmmsg(). */
START_TEST(test_burst)
{
	start();
	for (unsigned int i = 0; i < 40; i++)
		send_query((int)(i % 2), i);
	usleep(20000);
	ck_assert_int_eq(pump(1000), 1);
	ck_assert_uint_eq(fx.stats.queries_udp, 40);
	ck_assert_uint_eq(fx.stats.udp_recv_calls, 1);
	ck_assert_uint_eq(fx.stats.udp_send_calls, 1);
	for (unsigned int i = 0; i < 40; i++)
		expect_answer((int)(i % 2), i);
	stop();
}
END_TEST

/* 150 queries: three batches of at most 64, a call each way per batch. */
START_TEST(test_batches)
{
	unsigned int wakeups = 0;

	start();
	for (unsigned int i = 0; i < 150; i++)
		send_query(0, i);
	usleep(20000);
	while (fx.stats.queries_udp < 150 && wakeups < 10)
		wakeups += (unsigned int)pump(1000);
	ck_assert_uint_eq(fx.stats.queries_udp, 150);
	ck_assert_uint_eq(wakeups, 3);
	ck_assert_uint_eq(fx.stats.udp_recv_calls, 3);
	ck_assert_uint_eq(fx.stats.udp_send_calls, 3);
	ck_assert_uint_eq(fx.stats.udp_send_errors, 0);
	for (unsigned int i = 0; i < 150; i++)
		expect_answer(0, i);
	stop();
}
END_TEST

/*
 * Outside a batch (a resolution finishing later) an answer goes at once;
 * inside one, an answer too long for the batch's buffers goes alone and
 * the rest still share one call.
 */
START_TEST(test_alone)
{
	struct pollfd p;
	uint8_t a[8192];

	start();
	send_query(0, 7);
	usleep(20000);
	ck_assert_int_eq(pump(1000), 1);
	expect_answer(0, 7);
	/* Later, from "a finished resolution": sent by itself. */
	fx.answer_len = 0;
	{
		uint8_t msg[20] = { 0x81, 0, 9 };

		memset(msg + 3, 9, sizeof(msg) - 3);
		ck_assert_int_eq(listen_send(fx.ls, &fx.last, msg, 17), 0);
	}
	expect_answer(0, 9);
	ck_assert_uint_eq(fx.stats.udp_send_calls, 2);

	fx.answer_len = 5000; /* over LISTEN_UDP_TX_MAX */
	send_query(1, 1);
	send_query(1, 2);
	usleep(20000);
	ck_assert_int_eq(pump(1000), 1);
	for (int k = 0; k < 2; k++) {
		p.fd = fx.client[1];
		p.events = POLLIN;
		ck_assert_int_eq(poll(&p, 1, 1000), 1);
		ck_assert_int_eq(recv(fx.client[1], a, sizeof(a), 0), 5000);
		ck_assert_uint_eq(a[2], (unsigned int)(k + 1));
	}
	ck_assert_uint_eq(fx.stats.udp_send_calls, 4);
	stop();
}
END_TEST

/* Every ready socket of @ls, once, each batch answered (a UDP thread's
 * wake-up; the test is the thread). Return: datagrams read. */
static uint64_t pump_worker(struct listener *ls, int epfd,
			    struct daemon_stats *st)
{
	struct epoll_event evs[8];
	uint64_t before = st->queries_udp;
	int n = epoll_wait(epfd, evs, 8, 0);

	(void)ls;
	for (int i = 0; i < n; i++) {
		struct ev_handler *h = evs[i].data.ptr;

		h->fn(h, evs[i].events);
	}
	return st->queries_udp - before;
}

/*
 * --threads 3: two worker listeners, each with a UDP socket of its own on
 * the same address and port; 90 clients (90 source ports) are spread over
 * the three sockets and each gets its answer from the thread that read its
 * query. TCP stays on the first. A second listener without --threads
 * cannot take the port (no SO_REUSEPORT on it).
 */
START_TEST(test_threads)
{
	struct daemon_stats wst[2] = { 0 };
	struct listener *other = NULL;
	int wep[2], cl[90], first;
	uint64_t got[3] = { 0 };

	start_threads("3");
	first = fx.client[0];
	ck_assert_uint_eq(listen_workers(fx.ls), 2);
	ck_assert_ptr_null(listen_worker(fx.ls, 2));
	for (int w = 0; w < 2; w++) {
		wep[w] = epoll_create1(0);
		ck_assert_int_eq(listen_start(listen_worker(fx.ls, w), wep[w],
					      &fx.cfg, echo, NULL, NULL,
					      &wst[w]),
				 0);
	}
	for (int i = 0; i < 90; i++) {
		cl[i] = socket(AF_INET, SOCK_DGRAM, 0);
		ck_assert_int_eq(connect(cl[i], (struct sockaddr *)&fx.server,
					 sizeof(fx.server)),
				 0);
		fx.client[0] = cl[i];
		send_query(0, (unsigned int)i);
	}
	usleep(20000);
	for (int round = 0; round < 10 && got[0] + got[1] + got[2] < 90;
	     round++) {
		pump(0);
		got[0] = fx.stats.queries_udp;
		for (int w = 0; w < 2; w++)
			got[w + 1] += pump_worker(listen_worker(fx.ls, w),
						  wep[w], &wst[w]);
	}
	ck_assert_uint_eq(got[0] + got[1] + got[2], 90);
	/* Spread by address and port: none of the three left out (a chance
	 * of about 3 * (2/3)^90 that one would be). */
	for (int k = 0; k < 3; k++)
		ck_assert_uint_gt(got[k], 0);
	for (int i = 0; i < 90; i++) {
		fx.client[0] = cl[i];
		expect_answer(0, (unsigned int)i);
		close(cl[i]);
	}
	fx.client[0] = first;
	/* A daemon started again by mistake, one socket: refused. */
	{
		char port[16], err[CONFIG_ERR_MAX];
		char *argv[] = { "xdpdnsd",   "--no-xdp", "--listen",
				 "127.0.0.1", "--port",	  port };
		struct config c2;

		snprintf(port, sizeof(port), "%u", ntohs(fx.server.sin_port));
		ck_assert_int_eq(config_build(ARRAY_SIZE(argv), argv, &c2, err,
					      sizeof(err)),
				 CONFIG_RUN);
		ck_assert_int_eq(listen_open(&c2, &other), -EADDRINUSE);
		ck_assert_ptr_null(other);
		config_free(&c2);
	}
	close(wep[0]);
	close(wep[1]);
	stop();
}
END_TEST

void listen_tcases(Suite *s)
{
	CKTEST_TCASE(s, "UDP batches", NULL, CKTEST(test_burst),
		     CKTEST(test_batches), CKTEST(test_alone));
	CKTEST_TCASE(s, "UDP threads", NULL, CKTEST(test_threads));
}
