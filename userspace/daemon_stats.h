/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's own counters: what xdpdnsd did with the queries XDP passed up.
 * The event loop is their only writer; the metrics server reads them from its
 * own thread with relaxed atomic loads, so a scrape never blocks resolution.
 * Every counter is monotonic; nothing resets them.
 */
#ifndef XDPDNS_DAEMON_STATS_H
#define XDPDNS_DAEMON_STATS_H

#include <stdint.h>

#include "maps/xdpdns.h"

/* Upper bounds (seconds) of the recursion-time histogram buckets. */
#define DAEMON_HIST_BUCKETS 12
#define DAEMON_HIST_BOUNDS                                                    \
	{                                                                     \
		0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, \
			2.5, 5.0                                              \
	}

struct daemon_stats {
	uint64_t queries_udp; /* queries received over UDP */
	uint64_t queries_tcp; /* queries received over TCP */
	uint64_t queries_bad; /* unparseable or refused before resolving */
	uint64_t cache_miss; /* resolved through libunbound */
	uint64_t inflight_joined; /* answered by joining an identical query */
	uint64_t prefetch; /* hot entries re-resolved before expiry */
	uint64_t cache_writes; /* entries written to the XDP cache map */
	uint64_t cache_write_skipped; /* answers not cacheable (reason logged) */
	uint64_t cache_write_errors; /* map update failures */
	uint64_t answers_tc; /* UDP answers sent with TC=1 */
	uint64_t servfail_overload; /* SERVFAIL because requestlist was full */
	uint64_t answer_rcode[XDPDNS_RCODE_SLOTS]; /* answers by rcode */
	uint64_t query_type[XDPDNS_QTYPE_SLOTS]; /* queries by qtype (0: other) */
	uint64_t secure; /* answers validated secure */
	uint64_t bogus; /* answers validated bogus (sent SERVFAIL) */
	uint64_t hist_count[DAEMON_HIST_BUCKETS + 1]; /* last: +Inf */
	double hist_sum; /* seconds, total recursion time */
	uint64_t requestlist_current; /* gauge: resolutions outstanding */
	uint64_t requestlist_max; /* configured limit (gauge) */
	uint64_t tcp_connections; /* gauge: open TCP connections */
	uint64_t tcp_refused_acl; /* TCP clients outside the ACL, closed */
	uint64_t tcp_refused_limit; /* over --tcp-max-conns[-per-client] */
	uint64_t reloads; /* successful SIGHUP reloads */
	uint64_t start_time; /* gauge: unix time the daemon started */
	uint64_t resolve_timeouts; /* resolutions given up (SERVFAIL sent) */
	uint64_t answer_cache_hits; /* answered from the daemon's own cache */
	uint64_t daemon_restarts; /* daemons the monitor restarted (crashes) */
};

#endif /* XDPDNS_DAEMON_STATS_H */
