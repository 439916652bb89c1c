/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The HTTP side of xdpdnsd: Prometheus text at /metrics and the live venue
 * dashboard at /, served from the daemon's metrics address by libmicrohttpd
 * in its own thread. Kernel counters are read from the maps on every scrape
 * and summed over CPUs; daemon counters are read from struct daemon_stats.
 * /health answers 200 or 503 with health_eval()'s line (lib/health.h).
 * /api/hotset is `xdpdnsctl hotset export` (lib/hotset.h) for a peer.
 */
#ifndef XDPDNS_METRICS_H
#define XDPDNS_METRICS_H

#include <stdbool.h>

#include "lib/daemon_stats.h"
#include "lib/xdpmaps.h"

struct metrics_server;

struct metrics_config {
	const char *listen; /* "ADDR:PORT" or "[V6ADDR]:PORT" */
	/* The maps read: stats, the cache index and slots, rl; all -1 when
	 * running --no-xdp (XDPMAPS_FDS_NONE). */
	struct xdpmaps_fds maps;
	const struct daemon_stats *daemon; /* never NULL */
	/* The UDP threads' counters, added to @daemon's (--threads): an
	 * array of @nthreads pointers, kept by the caller. */
	const struct daemon_stats *const *threads;
	unsigned int nthreads;
	/* For /health: the daemon's pulse (never NULL), and whether the
	 * program in it must be on its interface (false with --no-xdp). */
	const struct xdpdns_status *status;
	bool xdp;
};

/**
 * metrics_start() - bind the metrics address and serve until metrics_stop().
 * Return: 0 or -errno; on error nothing is left running and the cause has
 * been logged with the address.
 */
int metrics_start(const struct metrics_config *cfg,
		  struct metrics_server **out);

void metrics_stop(struct metrics_server *srv);

/* What a request gets (metrics_route()). */
enum metrics_route {
	METRICS_ROUTE_PROMETHEUS, /* GET /metrics */
	METRICS_ROUTE_STATS_JSON, /* GET /api/stats.json */
	METRICS_ROUTE_HEALTH, /* GET /health */
	METRICS_ROUTE_HOTSET, /* GET /api/hotset[?top=N&min_hits=H&format=json] */
	METRICS_ROUTE_DASHBOARD, /* GET / or /index.html */
	METRICS_ROUTE_NOT_FOUND, /* 404 */
	METRICS_ROUTE_NOT_ALLOWED, /* 405: not GET or HEAD */
	METRICS_ROUTE_BAD_REQUEST, /* 400: a request body */
};

/**
 * metrics_route() - the dispatch of the HTTP handler, without sockets.
 * @method, @url: as libmicrohttpd passes them (the path, query removed).
 * @upload_len: bytes of request body offered.
 *
 * Return: enum metrics_route; HEAD is answered as GET.
 */
int metrics_route(const char *method, const char *url, size_t upload_len);

#endif /* XDPDNS_METRICS_H */
