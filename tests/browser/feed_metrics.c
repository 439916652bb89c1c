// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A stand-in for xdpdnsd in the dashboard and scrape tests: the real
 * metrics server (userspace/metrics.c) serving counters that move like a
 * venue's morning rush, so a browser, curl and Prometheus can check the page,
 * the JSON and the exposition without the XDP testbed. With --maps (root or
 * CAP_BPF) it also creates unpinned maps of the real layout and keeps the
 * per-CPU counters, the cache and the rate-limit table moving, which
 * exercises the map walks. Bounded: it exits after --seconds.
 *
 * Usage: feed_metrics --listen 127.0.0.1:PORT [--seconds N] [--maps]
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/cachemap.h"
#include "lib/dnswire.h"
#include "lib/observe.h"
#include "lib/util.h"
#include "lib/xdpmaps.h"
#include "log.h"
#include "metrics.h"

#define FEED_TICK_MS 200
#define FEED_NAMES 40
/* No config map here: any key the cache writes and reads agree on. */
static const struct xdpdns_hash_key feed_hash_key = { 1, 2 };
#define FEED_CLIENTS 60

static volatile sig_atomic_t feed_stop;

static void feed_signal(int sig)
{
	(void)sig;
	feed_stop = 1;
}

/* The daemon's side: single writer, relaxed stores (as xdpdnsd does). */
static struct daemon_stats feed_daemon;

#define FEED_ADD(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)

struct feed_maps {
	int stats, cache, rl;
	int slot[XDPDNS_SLOT_CLASSES];
	struct cachemap *cm;
	int ncpu;
	struct xdpdns_stats *percpu; /* ncpu values; CPU 0 carries the counts */
};

static const char *const feed_names[FEED_NAMES] = {
	"www.google.com",
	"connectivitycheck.gstatic.com",
	"www.apple.com",
	"captive.apple.com",
	"pycon.org",
	"us.pycon.org",
	"github.com",
	"api.github.com",
	"slack.com",
	"edge.microsoft.com",
	"pypi.org",
	"files.pythonhosted.org",
	"www.youtube.com",
	"i.ytimg.com",
	"fonts.googleapis.com",
	"fonts.gstatic.com",
	"zoom.us",
	"outlook.office365.com",
	"login.microsoftonline.com",
	"accounts.google.com",
	"www.wikipedia.org",
	"en.wikipedia.org",
	"cdn.jsdelivr.net",
	"cdnjs.cloudflare.com",
	"mtalk.google.com",
	"push.apple.com",
	"time.apple.com",
	"ntp.ubuntu.com",
	"docs.python.org",
	"readthedocs.io",
	"www.reddit.com",
	"discord.com",
	"gateway.discord.gg",
	"telemetry.example.net",
	"ads.example.net",
	"update.example.org",
	"wifi.venue.example",
	"portal.venue.example",
	"schedule.venue.example",
	"matrix.venue.example",
};

static int feed_maps_create(struct feed_maps *m)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	const uint32_t slots[XDPDNS_SLOT_CLASSES] = { 1024, 256, 64, 16 };
	uint8_t qname[DNS_NAME_MAX];
	uint64_t now = util_mono_ns();
	int ret;

	m->ncpu = libbpf_num_possible_cpus();
	if (m->ncpu < 0)
		return m->ncpu;
	m->percpu = calloc((size_t)m->ncpu, sizeof(*m->percpu));
	if (!m->percpu)
		return -ENOMEM;
	m->stats = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, XDPDNS_MAP_STATS,
				  4, sizeof(struct xdpdns_stats), 1, &o);
	m->rl = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, XDPDNS_MAP_RL,
			       sizeof(struct xdpdns_rl_key),
			       sizeof(struct xdpdns_rl_state), 4096, &o);
	if (m->stats < 0 || m->rl < 0)
		return -errno;
	ret = cachemap_create_maps(slots, &m->cache, m->slot);
	if (!ret)
		ret = cachemap_open(m->cache, m->slot, &feed_hash_key,
				    CACHEMAP_WRITER, now, &m->cm, NULL, 0);
	if (ret)
		return ret;

	for (int i = 0; i < FEED_NAMES; i++) {
		struct xdpdns_cache_key k = { .qtype = i % 5 == 4 ? 28 : 1,
					      .qclass = 1 };
		struct xdpdns_cache_entry e = { 0 };
		int len = dnswire_name_from_text(feed_names[i], qname,
						 sizeof(qname));

		if (len < 0)
			return len;
		memcpy(k.qname, qname, (size_t)len);
		e.ttl = 300;
		e.stored_ns = now;
		e.expire_ns = now + 300ULL * 1000000000ULL;
		e.flags = DNS_F_QR | DNS_F_RA |
			  (i == 35 ? DNS_RCODE_NXDOMAIN : 0);
		e.ancount = i == 35 ? 0 : 1;
		len = cachemap_write(m->cm, &k, &e, now);
		if (len)
			return len;
	}
	return 0;
}

/* Zipf-like popularity: name i gets about 1/(i+1) of the hits. */
static void feed_cache_tick(struct feed_maps *m, double hits)
{
	uint8_t qname[DNS_NAME_MAX];

	for (int i = 0; i < FEED_NAMES; i++) {
		struct xdpdns_cache_key k = { .qtype = i % 5 == 4 ? 28 : 1,
					      .qclass = 1 };
		int len = dnswire_name_from_text(feed_names[i], qname,
						 sizeof(qname));

		struct xdpdns_slot_hdr *h;

		memcpy(k.qname, qname, (size_t)len);
		/* As the XDP program counts a hit: in the slot. */
		h = cachemap_slot_of(m->cm, &k, NULL);
		if (h)
			__atomic_fetch_add(&h->hits,
					   (uint64_t)(hits / (i + 1) / 4.3),
					   __ATOMIC_RELAXED);
	}
}

static void feed_rl_tick(struct feed_maps *m, double queries, int tick)
{
	uint64_t now = util_mono_ns();

	for (int i = 0; i < FEED_CLIENTS; i++) {
		struct xdpdns_rl_key k = {
			.family = 4,
			.plen = 32,
			.addr = { 198, 18, 3, (uint8_t)(10 + i) },
		};
		struct xdpdns_rl_state st = { 0 };
		bool noisy = i == 7; /* the laptop stuck in a retry loop */

		if (i >= FEED_CLIENTS - 10) {
			k.family = 6;
			k.plen = 128;
			memcpy(k.addr, "\x20\x01\x0d\xb8\x00\x01\x00", 7);
			k.addr[7] = (uint8_t)i;
		}
		bpf_map_lookup_elem(m->rl, &k, &st);
		st.queries += (uint64_t)(queries / FEED_CLIENTS *
					 (noisy ? 6.0 : 1.0 + (i % 7) / 3.0));
		st.last_ns = now;
		if (noisy || (i == 21 && tick % 150 < 20)) {
			st.limited += noisy ? 40 : 5;
			/* The occasional one a millisecond earlier: the list
			 * is by recency, and a tie would order the two by
			 * map iteration, not by what the test expects. */
			st.limited_ns = noisy ? now : now - 1000000;
		}
		bpf_map_update_elem(m->rl, &k, &st, BPF_ANY);
	}
}

static void feed_tick(struct feed_maps *m, int tick, double t)
{
	struct daemon_stats *d = &feed_daemon;
	double qps = 900 + 450 * sin(t / 40.0) + 120 * sin(t / 3.1);
	double q = qps * FEED_TICK_MS / 1000.0;
	uint64_t xdp = (uint64_t)(q * 0.86), dq = (uint64_t)q - xdp;
	uint64_t limited = tick % 150 < 20 ? 30 : 3;

	FEED_ADD(d->queries_udp, dq);
	FEED_ADD(d->queries_tcp, tick % 3 == 0);
	FEED_ADD(d->cache_miss, dq);
	FEED_ADD(d->cache_writes, dq - dq / 10);
	FEED_ADD(d->cache_write_skipped, dq / 10);
	FEED_ADD(d->prefetch, (uint64_t)(tick % 5 == 0));
	FEED_ADD(d->answer_rcode[0], dq - dq / 8);
	FEED_ADD(d->answer_rcode[3], dq / 10);
	FEED_ADD(d->answer_rcode[2], dq / 8 - dq / 10);
	FEED_ADD(d->query_type[1], dq / 2);
	FEED_ADD(d->query_type[28], dq / 3);
	FEED_ADD(d->query_type[65], dq - dq / 2 - dq / 3);
	FEED_ADD(d->hist_count[tick % 4 + 2], dq / 2);
	FEED_ADD(d->hist_count[7], dq - dq / 2);
	d->hist_sum += (double)(dq / 2) * 0.012 + (double)(dq - dq / 2) * 0.2;
	__atomic_store_n(&d->requestlist_current, (uint64_t)(tick % 17),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&d->tcp_connections, (uint64_t)(tick % 4),
			 __ATOMIC_RELAXED);

	if (!m)
		return;
	{
		struct xdpdns_stats *x = &m->percpu[0];
		__u32 zero = 0;

		x->packets += (uint64_t)q + limited + 10;
		x->not_for_us += 10;
		x->queries += (uint64_t)q + limited;
		x->hit += xdp;
		x->miss += dq - dq / 20;
		x->expired += dq / 20;
		x->rl_dropped += limited - limited / 3;
		x->rl_slipped += limited / 3;
		x->acl_dropped += tick % 10 == 0;
		x->sampled += (uint64_t)q / 100;
		x->answer_rcode[0] += xdp - xdp / 20;
		x->answer_rcode[3] += xdp / 20;
		x->answer_qtype[1] += xdp / 2;
		x->answer_qtype[28] += xdp / 3;
		x->answer_qtype[65] += xdp - xdp / 2 - xdp / 3;
		bpf_map_update_elem(m->stats, &zero, m->percpu, BPF_ANY);
	}
	feed_cache_tick(m, (double)xdp);
	feed_rl_tick(m, q, tick);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "seconds", required_argument, NULL, 's' },
		{ "maps", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct metrics_config cfg = { .maps = XDPMAPS_FDS_NONE,
				      .daemon = &feed_daemon };
	struct feed_maps maps = {
		-1, -1, -1, { -1, -1, -1, -1 }, NULL, 0, NULL
	};
	struct sigaction sa = { .sa_handler = feed_signal };
	struct metrics_server *srv = NULL;
	bool with_maps = false;
	long seconds = 60;
	int c, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l')
			cfg.listen = optarg;
		else if (c == 's')
			seconds = strtol(optarg, NULL, 10);
		else if (c == 'm')
			with_maps = true;
		else
			return 2;
	}
	if (!cfg.listen || seconds <= 0 || seconds > 3600) {
		fprintf(stderr,
			"usage: feed_metrics --listen ADDR:PORT [--seconds 1..3600] [--maps]\n");
		return 2;
	}
	log_init("feed_metrics", false, LOG_LVL_INFO);
	feed_daemon.start_time = (uint64_t)time(NULL) - 5 * 3600 - 17 * 60;
	feed_daemon.requestlist_max = 1000;
	if (with_maps) {
		err = feed_maps_create(&maps);
		if (err) {
			fprintf(stderr,
				"feed_metrics: cannot create maps: %s\n",
				strerror(-err));
			return 1;
		}
		cfg.maps.stats = maps.stats;
		cfg.maps.cache = maps.cache;
		cfg.maps.slot0 = maps.slot[0];
		cfg.maps.slot1 = maps.slot[1];
		cfg.maps.slot2 = maps.slot[2];
		cfg.maps.slot3 = maps.slot[3];
		cfg.maps.rl = maps.rl;
	}
	/* Some history, so the first poll already has totals to show. */
	for (int i = 0; i < 50; i++)
		feed_tick(with_maps ? &maps : NULL, i,
			  i * FEED_TICK_MS / 1000.0);
	err = metrics_start(&cfg, &srv);
	if (err)
		return 1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (int tick = 50; !feed_stop && tick < seconds * 1000 / FEED_TICK_MS;
	     tick++) {
		struct timespec ts = { 0, FEED_TICK_MS * 1000000L };

		feed_tick(with_maps ? &maps : NULL, tick,
			  tick * FEED_TICK_MS / 1000.0);
		nanosleep(&ts, NULL);
	}
	metrics_stop(srv);
	free(maps.percpu);
	return 0;
}
