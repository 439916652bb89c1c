// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ns per packet of xdpdns_main's paths against the floor of any XDP
 * responder, measured in the kernel by BPF_PROG_TEST_RUN: a cache hit with
 * a small A answer, a hit with a ~1232-byte answer, a miss, a frame that is
 * not DNS at all, bpf/swap.bpf.c (swap addresses and ports, XDP_TX) and
 * bpf/pass.bpf.c (return XDP_PASS: the cost of the harness itself).
 *
 * With repeat > 1 the kernel runs the program again on the frame it already
 * rewrote, so a hit would be timed as a response being passed. Every path
 * is therefore timed with repeat = 1, many times over, from a fresh copy of
 * the query each time, averaging the kernel's own opts.duration; the
 * repeat = N figure is shown as well where it is valid (paths that leave
 * the frame as it was, and the swap program, which swaps back and forth).
 * Paths are interleaved in rounds so that frequency changes hit all alike.
 *
 * Usage: bench_xdp [BUILD_DIR]; XDPDNS_BENCH_N sets calls per path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/cookie.h"
#include "tests/lib/pktbuild.h"
#include "tests/lib/xdptest.h"
#include "pass.skel.h"
#include "xdpdns.skel.h"
#include "swap.skel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ROUNDS 20
#define REPEAT_N 1000000
#define TIME_LIMIT_NS (45ULL * 1000000000ULL)
#define GOAL_RATIO 2.0

struct path {
	const char *name;
	int prog_fd;
	struct pkt frame;
	uint32_t want; /* verdict */
	bool cookies; /* the run's config has XDPDNS_CFG_COOKIE */
	bool repeat_ok;
	uint32_t *dur; /* repeat = 1 durations */
	size_t n;
	double mean, median, repeat_ns;
	size_t out_len;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int run_once(struct path *p, uint32_t *dur)
{
	static uint8_t out[PKT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->frame.buf,
		    .data_size_in = (__u32)p->frame.len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	if (bpf_prog_test_run_opts(p->prog_fd, &o))
		return -errno;
	if (o.retval != p->want) {
		fprintf(stderr, "bench_xdp: %s: verdict %s, want %s\n", p->name,
			xdptest_verdict_name(o.retval),
			xdptest_verdict_name(p->want));
		return -EPROTO;
	}
	p->out_len = o.data_size_out;
	*dur = o.duration;
	return 0;
}

static int run_repeat(struct path *p)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->frame.buf,
		    .data_size_in = (__u32)p->frame.len, .repeat = REPEAT_N);

	if (bpf_prog_test_run_opts(p->prog_fd, &o))
		return -errno;
	p->repeat_ns = o.duration;
	return 0;
}

/* A query; with EDNS, @cookie_len bytes of @cookie as a COOKIE option. */
static void query_cookie(struct pkt *p, const char *qname, uint16_t qtype,
			 bool edns, const uint8_t *cookie, size_t cookie_len)
{
	static uint8_t opt[4 + XDPDNS_COOKIE_WIRE_MAX];
	struct pkt_query q = { 0 };

	q.dns.id = 0x1234;
	q.dns.flags = DNS_F_RD;
	q.dns.qname = qname;
	q.dns.qtype = qtype;
	q.dns.edns = edns;
	q.dns.edns_size = 1232;
	if (cookie_len) {
		opt[1] = DNS_OPT_COOKIE;
		opt[3] = (uint8_t)cookie_len;
		memcpy(opt + 4, cookie, cookie_len);
		q.dns.edns_options = opt;
		q.dns.edns_options_len = 4 + cookie_len;
	}
	pkt_query(p, &q);
}

static void query(struct pkt *p, const char *qname, uint16_t qtype, bool edns)
{
	query_cookie(p, qname, qtype, edns, NULL, 0);
}

/*
 * Cookies as xdpdnsd runs them: a random secret and the previous one in
 * xdpdns_cookie. The config map's cookie flag is set per path (set_cookies).
 * @valid: a server cookie of ours for the swap path's client, made now.
 */
static int cookies_init(struct xdptest *t, uint8_t *valid)
{
	struct xdpdns_cookie_keys k = { .nsecrets = 2 };
	uint8_t addr[4];
	__u32 zero = 0;

	if (cookie_random_secret(&k.secret[0]) ||
	    cookie_random_secret(&k.secret[1]))
		return -1;
	k.unix_offset_ns = cookie_unix_offset();
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.xdpdns_cookie), &zero,
				&k, BPF_ANY))
		return -1;
	inet_pton(AF_INET, PKT_CLIENT4, addr);
	memcpy(valid, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	cookie_server(&k.secret[0], valid, cookie_unix_now(), 4, addr,
		      valid + XDPDNS_COOKIE_CLIENT_LEN);
	return 0;
}

/* The config map with the cookie flag @on (the rest xdptest's). */
static int set_cookies(struct xdptest *t, bool on)
{
	struct xdpdns_config c = xdptest_config();

	if (on)
		c.flags |= XDPDNS_CFG_COOKIE;
	return xdptest_set_config(t, &c);
}

/* A TXT answer of @n records of @len characters each. */
static int add_big(struct xdptest *t)
{
	static char lines[5][320];
	static const char *an[6];
	char xs[256];
	struct resp_spec s = { .qname = "big.example.com.",
			       .qtype = "TXT",
			       .an = an };
	int i;

	memset(xs, 'x', sizeof(xs));
	for (i = 0; i < 5; i++) {
		/* 4 x 268 + 116 bytes of records: a 1232-byte response */
		snprintf(lines[i], sizeof(lines[i]),
			 "big.example.com. 300 IN TXT \"%.*s\"",
			 i < 4 ? 255 : 103, xs);
		an[i] = lines[i];
	}
	return xdptest_add(t, &s, 0, false, xdptest_now_ns(), NULL, NULL);
}

int main(int argc, char **argv)
{
	static const char *const an_a[] = {
		"www.example.com. 300 IN A 192.0.2.1", NULL
	};
	const struct resp_spec small = { .qname = "www.example.com.",
					 .qtype = "A",
					 .an = an_a };
	const char *build = argc > 1 ? argv[1] : "build";
	const char *env_n = getenv("XDPDNS_BENCH_N");
	/* One path only (its row number from 0), for perf record. */
	const char *env_only = getenv("XDPDNS_BENCH_ONLY");
	long only = env_only ? strtol(env_only, NULL, 0) : -1;
	size_t calls = env_n ? strtoul(env_n, NULL, 0) : 200000, per, r, i;
	struct path paths[10] = { 0 };
	uint8_t valid[XDPDNS_COOKIE_LEN];
	struct pass *pass = NULL;
	struct swap *swap = NULL;
	struct pkt_ipv4_opts tcp = { .proto = 6 };
	struct xdptest t;
	uint64_t start;
	double floor_ns, swap_ns, ratio;
	cpu_set_t cpus;
	char path[4096];
	int err = 1;

	snprintf(path, sizeof(path), "%s/xdpdns.bpf.o", build);
	if (access(path, R_OK)) {
		fprintf(stderr,
			"bench_xdp: %s: not found (usage: %s BUILD_DIR)\n",
			path, argv[0]);
		return 1;
	}
	/* One CPU: the per-CPU maps stay warm and the numbers comparable. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);

	if (xdptest_open(&t, 1024)) {
		fprintf(stderr, "bench_xdp: %s\n", t.err);
		return 1;
	}
	swap = swap__open_and_load();
	pass = pass__open_and_load();
	if (!swap || !pass) {
		fprintf(stderr, "bench_xdp: cannot load swap/pass programs\n");
		goto out;
	}
	if (xdptest_add(&t, &small, 0, false, xdptest_now_ns(), NULL, NULL) ||
	    add_big(&t))
		goto out;

	paths[0].name = "hit, small A answer";
	paths[0].prog_fd = t.prog_fd;
	query(&paths[0].frame, "www.example.com", 1, false);
	paths[0].want = XDP_TX;

	paths[1].name = "hit, 1232-byte answer";
	paths[1].prog_fd = t.prog_fd;
	query(&paths[1].frame, "big.example.com", 16, true);
	paths[1].want = XDP_TX;

	paths[2].name = "miss";
	paths[2].prog_fd = t.prog_fd;
	query(&paths[2].frame, "not-cached.example.com", 1, false);
	paths[2].want = XDP_PASS;
	paths[2].repeat_ok = true;

	paths[3].name = "not DNS (TCP to :80)";
	paths[3].prog_fd = t.prog_fd;
	pkt_init(&paths[3].frame);
	pkt_eth(&paths[3].frame, NULL, NULL);
	tcp.dst = PKT_SERVER4;
	pkt_ipv4(&paths[3].frame, &tcp);
	pkt_put_u16(&paths[3].frame, 40000);
	pkt_put_u16(&paths[3].frame, 80);
	pkt_put(&paths[3].frame, NULL, 16);
	pkt_finish(&paths[3].frame);
	paths[3].want = XDP_PASS;
	paths[3].repeat_ok = true;

	paths[4].name = "minimal swap + XDP_TX";
	paths[4].prog_fd = bpf_program__fd(swap->progs.xdpdns_swap);
	query(&paths[4].frame, "www.example.com", 1, false);
	paths[4].want = XDP_TX;
	paths[4].repeat_ok = true;

	paths[5].name = "empty program (XDP_PASS)";
	paths[5].prog_fd = bpf_program__fd(pass->progs.xdpdns_pass);
	query(&paths[5].frame, "www.example.com", 1, false);
	paths[5].want = XDP_PASS;
	paths[5].repeat_ok = true;

	/* DNS cookies: the same small hit with EDNS and a valid server
	 * cookie, checked or not; a client cookie alone (a server cookie
	 * made for the answer); and cookies on for a query without one. */
	if (cookies_init(&t, valid)) {
		fprintf(stderr, "bench_xdp: cannot write the cookie secrets\n");
		goto out;
	}
	paths[6].name = "hit, EDNS + COOKIE, off";
	paths[6].prog_fd = t.prog_fd;
	query_cookie(&paths[6].frame, "www.example.com", 1, true, valid,
		     sizeof(valid));
	paths[6].want = XDP_TX;

	paths[7].name = "hit, valid server cookie";
	paths[7].prog_fd = t.prog_fd;
	paths[7].frame = paths[6].frame;
	paths[7].want = XDP_TX;
	paths[7].cookies = true;

	paths[8].name = "hit, client cookie only";
	paths[8].prog_fd = t.prog_fd;
	query_cookie(&paths[8].frame, "www.example.com", 1, true, valid, 8);
	paths[8].want = XDP_TX;
	paths[8].cookies = true;

	paths[9].name = "hit, small A, cookies on";
	paths[9].prog_fd = t.prog_fd;
	query(&paths[9].frame, "www.example.com", 1, false);
	paths[9].want = XDP_TX;
	paths[9].cookies = true;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		paths[i].dur = calloc(calls, sizeof(uint32_t));
		if (!paths[i].dur)
			goto out;
	}

	/* Interleaved rounds of repeat = 1 calls, each from a fresh frame. */
	per = calls / ROUNDS;
	start = xdptest_now_ns();
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < ARRAY_SIZE(paths); i++) {
			struct path *p = &paths[i];
			size_t k;

			if (only >= 0 && (size_t)only != i)
				continue;
			if (set_cookies(&t, p->cookies))
				goto out;
			for (k = 0; k < per; k++)
				if (run_once(p, &p->dur[p->n++]))
					goto out;
		}
		if (xdptest_now_ns() - start > TIME_LIMIT_NS) {
			fprintf(stderr,
				"bench_xdp: time limit after %zu rounds\n",
				r + 1);
			break;
		}
	}
	if (only >= 0) {
		printf("bench_xdp: %zu calls of \"%s\" only (for a profiler)\n",
		       (size_t)only < ARRAY_SIZE(paths) ? paths[only].n : 0,
		       (size_t)only < ARRAY_SIZE(paths) ? paths[only].name :
							  "no such path");
		err = (size_t)only < ARRAY_SIZE(paths) ? 0 : 2;
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		struct path *p = &paths[i];
		double sum = 0;
		size_t k;

		for (k = 0; k < p->n; k++)
			sum += p->dur[k];
		p->mean = sum / (double)p->n;
		qsort(p->dur, p->n, sizeof(uint32_t), cmp_u32);
		p->median = p->dur[p->n / 2];
		if (p->repeat_ok &&
		    (set_cookies(&t, p->cookies) || run_repeat(p)))
			goto out;
	}

	floor_ns = paths[5].mean;
	swap_ns = paths[4].mean;
	printf("bench_xdp: %zu calls per path (repeat=1, kernel-timed), "
	       "CPU 0, kernel BPF_PROG_TEST_RUN\n",
	       paths[0].n);
	printf("%-26s %9s %9s %9s %11s %8s %6s\n", "path", "mean ns", "median",
	       "net ns", "repeat=1M", "x swap", "bytes");
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		struct path *p = &paths[i];
		char rep[16] = "-";

		if (p->repeat_ok)
			snprintf(rep, sizeof(rep), "%.1f", p->repeat_ns);
		printf("%-26s %9.1f %9.1f %9.1f %11s %8.2f %6zu\n", p->name,
		       p->mean, p->median, p->mean - floor_ns, rep,
		       p->mean / swap_ns, p->out_len);
	}
	printf("mean/median: repeat=1, from a fresh copy of the query each "
	       "call; net: mean minus the empty program's mean (the timer and "
	       "dispatch cost of one test run); repeat=1M: the kernel's loop "
	       "over one buffer, warm caches, only where the frame is not "
	       "consumed; x swap: mean / the swap program's mean\n");
	printf("cookies: checking a valid server cookie costs %.1f ns over the "
	       "same hit unchecked (%.2fx swap against %.2fx); a client "
	       "cookie alone (one server cookie made) %.1f ns; cookies on "
	       "for a query without one %.1f ns over the small hit\n",
	       paths[7].mean - paths[6].mean, paths[7].mean / swap_ns,
	       paths[6].mean / swap_ns, paths[8].mean - paths[6].mean,
	       paths[9].mean - paths[0].mean);
	ratio = paths[0].mean / swap_ns;
	printf("goal: small-answer hit <= %.1fx minimal swap program: %s "
	       "(%.2fx; %.1f ns against %.1f ns net of the harness)\n",
	       GOAL_RATIO, ratio <= GOAL_RATIO ? "MET" : "NOT MET", ratio,
	       paths[0].mean - floor_ns, swap_ns - floor_ns);
	err = 0;
out:
	for (i = 0; i < ARRAY_SIZE(paths); i++)
		free(paths[i].dur);
	swap__destroy(swap);
	pass__destroy(pass);
	xdptest_close(&t);
	return err;
}
