/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the operator sees: one snapshot of the kernel maps (counters summed
 * over CPUs, cache fill and hottest names, busiest and rate-limited clients)
 * plus the daemon's counters, and the three ways it is shown: Prometheus
 * text, the dashboard's JSON and xdpdnsctl's map dump. xdpdnsd's metrics
 * server and xdpdnsctl both build on it, so a number means the same thing on
 * the NOC screen, in Grafana and in a shell.
 *
 * Derived numbers (every total is a sum of monotonic counters, so it is
 * monotonic too):
 *   queries    XDP `queries` + daemon TCP queries when XDP is attached (XDP
 *              sees every UDP query, TCP never passes through it); daemon
 *              UDP + TCP when it is not.
 *   xdp answers every frame XDP sent back: hit + acl_refused + the
 *              slipped ones of every limit (rl, miss, net, wide).
 *   cache hits  XDP `hit`; misses: XDP miss + expired. Without XDP: the
 *              daemon's answer-cache hits; misses: its resolutions
 *              (cache_miss). With XDP the daemon's own hits are queries
 *              XDP already counted as misses, so they are not added.
 *   by rcode    XDP answer_rcode[] + daemon answer_rcode[].
 *   by qtype    XDP answer_qtype[] (what XDP answered) + daemon query_type[]
 *              (what reached the daemon); types without a mnemonic and
 *              slot 0 are "other".
 */
#ifndef XDPDNS_OBSERVE_H
#define XDPDNS_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "maps/xdpdns.h"
#include "lib/daemon_stats.h"
#include "lib/util.h"
#include "lib/xdpmaps.h"

/* Rows a top list can hold; top names and top clients use 10 by default. */
#define OBSERVE_TOP_MAX 100
#define OBSERVE_TOP_DEFAULT 10
/* A client counts as "limited now" when limited within this window. */
#ifndef OBSERVE_LIMITED_WINDOW_NS
#define OBSERVE_LIMITED_WINDOW_NS (10 * NSEC_PER_SEC)
#endif
/* Version of the JSON documents (stats and dump); bump on breaking change. */
#define OBSERVE_JSON_VERSION 1

/* One cache entry in a top list. */
struct observe_name {
	struct xdpdns_cache_key key;
	uint64_t hits;
	uint64_t expire_ns;
	uint32_t ttl;
	uint16_t flags; /* answer header flags (rcode in the low bits) */
	uint16_t ancount;
};

/* One rate-limit table row. */
struct observe_client {
	struct xdpdns_rl_key key;
	struct xdpdns_rl_state st;
};

/* What one walk of xdpdns_cache found. */
struct observe_cache {
	bool valid; /* false: no map or the walk failed */
	uint32_t capacity; /* max_entries */
	uint64_t entries;
	uint64_t stale; /* past expire_ns, still in the map */
	uint64_t negative; /* NXDOMAIN or NODATA */
	uint64_t hits; /* sum of entry hits */
	size_t n_top;
	struct observe_name top[OBSERVE_TOP_MAX]; /* by hits, descending */
};

/* What one walk of xdpdns_rl found. */
struct observe_clients {
	bool valid;
	uint32_t capacity;
	uint64_t tracked; /* hosts in the table (prefix stages not counted) */
	uint64_t limited_now; /* hosts limited within the window */
	size_t n_top;
	struct observe_client top[OBSERVE_TOP_MAX]; /* by queries, descending */
	size_t n_limited;
	/* Hosts and prefix stages, most recent first. */
	struct observe_client limited[OBSERVE_TOP_MAX];
};

/* Everything one scrape, one dashboard poll or `xdpdnsctl stats` shows. */
struct observe_snapshot {
	double unix_time; /* CLOCK_REALTIME, seconds */
	uint64_t mono_ns; /* CLOCK_MONOTONIC = the BPF clock */
	bool have_xdp; /* xdpdns_stats was read */
	struct xdpdns_stats xdp; /* summed over CPUs; zero without XDP */
	bool have_daemon;
	struct daemon_stats daemon; /* zero without the daemon */
	struct observe_cache cache;
	struct observe_clients clients;
};

/* The derived totals defined at the top of this file. */
struct observe_totals {
	uint64_t queries;
	uint64_t daemon_queries; /* UDP + TCP reaching the daemon */
	uint64_t xdp_answers;
	uint64_t cache_hits;
	uint64_t cache_misses;
	uint64_t rl_dropped; /* rl + miss + gmiss drops */
	uint64_t rl_slipped; /* rl, miss, net and wide slips */
	uint64_t rl_dryrun;
	uint64_t acl_dropped;
	uint64_t acl_refused;
	uint64_t rcode[XDPDNS_RCODE_SLOTS];
	uint64_t qtype[XDPDNS_QTYPE_SLOTS]; /* unnamed types folded into 0 */
	uint64_t hist_cumulative[DAEMON_HIST_BUCKETS + 1]; /* last: +Inf */
};

/* The pinned maps: struct xdpmaps_fds (lib/xdpmaps.h), -1 when missing. */

/* Names of the XDPDNS_STATS counters, indexed by enum xdpdns_stat. */
extern const char *const observe_stat_names[XDPDNS_STAT_MAX];
extern const char *const observe_stat_help[XDPDNS_STAT_MAX];

/**
 * observe_map_walk() - call @fn on every element of a hash map.
 * @ksz, @vsz: expected key and value sizes; a pinned map of another layout
 *             (left by an older build) is refused with -EPROTO.
 *
 * Uses BPF_MAP_LOOKUP_BATCH when the kernel has it, else get_next_key and
 * lookup. A key deleted during the walk is skipped. @fn returns 0 to go on,
 * anything else stops the walk and is returned.
 *
 * Return: 0, -errno, or what @fn returned.
 */
typedef int (*observe_walk_fn)(const void *key, const void *value, void *ctx);
int observe_map_walk(int fd, size_t ksz, size_t vsz, observe_walk_fn fn,
		     void *ctx);

/* max_entries of @fd, or 0 when it cannot be read. */
uint32_t observe_map_capacity(int fd);

/* Walk the XDP cache (@fds: its index and slot maps): counts and the
 * @top_n entries with most hits. */
int observe_cache_walk(const struct xdpmaps_fds *fds, size_t top_n,
		       uint64_t now_ns, struct observe_cache *out);

/* Walk xdpdns_rl: busiest clients and those limited recently. */
int observe_clients_walk(int fd, size_t top_n, uint64_t now_ns,
			 uint64_t window_ns, struct observe_clients *out);

/* Copy daemon counters with relaxed atomic loads (the event loop writes). */
void observe_daemon_copy(struct daemon_stats *dst,
			 const struct daemon_stats *src);

/* Adds @src's counters (and gauges) to @dst, loads as for the copy: the
 * daemon's UDP threads keep counters of their own (--threads). */
void observe_daemon_add(struct daemon_stats *dst,
			const struct daemon_stats *src);

/**
 * observe_snapshot_take() - fill @s from the maps and the daemon.
 * @fds: any fd may be -1; what it would feed is then left zero / invalid.
 * @daemon: NULL for xdpdnsctl (no daemon counters).
 * @walks: also walk the cache and rl maps (the expensive part).
 *
 * Return: 0, or -errno from reading xdpdns_stats (walk errors only mark
 * that part invalid).
 */
int observe_snapshot_take(struct observe_snapshot *s,
			  const struct xdpmaps_fds *fds,
			  const struct daemon_stats *daemon, bool walks);

void observe_totals(const struct observe_snapshot *s, struct observe_totals *t);

/*
 * Label for qtype slot @type: its mnemonic, or NULL when it has none (the
 * caller folds it into "other"). Bounded by the mnemonic table.
 */
const char *observe_qtype_label(unsigned int type, char *buf, size_t cap);

/* Presentation text of a cache key's name, "?" when it does not parse. */
void observe_key_name(const struct xdpdns_cache_key *key, char *buf,
		      size_t cap);

/* "198.18.0.1" or "2001:db8::" for a rate-limit key; a prefix stage's
 * entry with its length, "2001:db8::/64". */
void observe_client_addr(const struct xdpdns_rl_key *key, char *buf,
			 size_t cap);

/* Flags of a cache key as text: "", "do", "cd" or "do,cd". */
const char *observe_key_flags(uint8_t flags);

/**
 * observe_prometheus() - the Prometheus text exposition (format 0.0.4) of @s.
 * Return: 0 or -errno (write error on @out).
 */
int observe_prometheus(const struct observe_snapshot *s, FILE *out);

/*
 * The dashboard's JSON (/api/stats.json and `xdpdnsctl stats --json`).
 * Return: a new reference, or NULL with errno = ENOMEM.
 */
json_t *observe_stats_json(const struct observe_snapshot *s);

/* Bits for observe_dump_json(). */
#define OBSERVE_DUMP_CACHE_DATA 0x1 /* include each entry's data as hex */

/**
 * observe_dump_json() - every map's content as one JSON document.
 * Maps that are missing are null; the summed counters are included under
 * "stats" in the same form as observe_stats_json() ("xdp_outcomes").
 *
 * Return: a new reference, or NULL with errno set.
 */
json_t *observe_dump_json(const struct xdpmaps_fds *fds, unsigned int flags);

#endif /* XDPDNS_OBSERVE_H */
