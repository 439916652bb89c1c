/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's own counters: what xdpdnsd did with the queries XDP passed
 * up. The event loop is their only writer (lib/util.h's stat_*()); the
 * metrics server reads them from its own thread with relaxed atomic loads
 * (observe_daemon_copy()), so a scrape never blocks resolution. Every
 * counter is monotonic; nothing resets them. They live in lib/ because the
 * observe code renders them; only xdpdnsd fills one in.
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

/*
 * The scalar counters and gauges, one row each: X(field, type, metric,
 * label, help).
 *   field   the struct daemon_stats member; also its key in the
 *           "daemon_stats" object of stats.json;
 *   type    counter or gauge, the Prometheus TYPE;
 *   metric  the Prometheus family it is exported as;
 *   label   NULL, or `name="value"` when the field is one member of a
 *           labelled family (xdpdns_daemon_queries_total{transport="udp"});
 *   help    the family's HELP text; NULL on the second and later members
 *           of a family, which follow the first directly.
 * observe_prometheus() exports every row, in this order, whenever the
 * daemon's counters are there; check_metrics.c holds it to that.
 *
 * The arrays are not rows: each is added to the XDP program's numbers into
 * a family of its own (observe_totals(), observe_render.c):
 *   answer_rcode[]  xdpdns_answers_total{rcode}, stats.json "rcode"
 *   query_type[]    xdpdns_queries_by_type_total{type}, stats.json "qtype"
 *   hist_count[], hist_sum  the xdpdns_recursion_duration_seconds
 *                   histogram, stats.json "daemon_stats"."recursion"
 */
#define DAEMON_STATS(X)                                                       \
	X(queries_udp, counter, "xdpdns_daemon_queries_total",                \
	  "transport=\"udp\"", "Queries that reached xdpdnsd, by transport.") \
	X(queries_tcp, counter, "xdpdns_daemon_queries_total",                \
	  "transport=\"tcp\"", NULL)                                          \
	X(udp_recv_calls, counter, "xdpdns_daemon_udp_syscalls_total",        \
	  "op=\"recv\"",                                                      \
	  "recvmmsg() and sendmmsg()/sendto() calls of the daemon's UDP "     \
	  "sockets: a burst of queries costs one call each way, up to 64 "    \
	  "datagrams.")                                                       \
	X(udp_send_calls, counter, "xdpdns_daemon_udp_syscalls_total",        \
	  "op=\"send\"", NULL)                                                \
	X(udp_send_errors, counter, "xdpdns_daemon_udp_send_errors_total",    \
	  NULL, "UDP answers the kernel refused to send (a full buffer).")    \
	X(udp_threads, gauge, "xdpdns_daemon_udp_threads", NULL,              \
	  "Threads answering UDP queries (--threads).")                       \
	X(afxdp_sockets, gauge, "xdpdns_afxdp_sockets", NULL,                 \
	  "AF_XDP sockets the daemon receives queries on (--afxdp): one per " \
	  "receive queue of the interface.")                                  \
	X(afxdp_rx, counter, "xdpdns_afxdp_frames_total", "dir=\"rx\"",       \
	  "Frames through the daemon's AF_XDP sockets (--afxdp): queries in " \
	  "(rx), answers out (tx).")                                          \
	X(afxdp_tx, counter, "xdpdns_afxdp_frames_total", "dir=\"tx\"", NULL) \
	X(afxdp_fallback, counter, "xdpdns_afxdp_socket_answers_total", NULL, \
	  "Answers to AF_XDP queries sent through the UDP socket instead: "   \
	  "larger than a frame or the link's MTU, or every answer frame in "  \
	  "flight.")                                                          \
	X(afxdp_bad, counter, "xdpdns_afxdp_frames_dropped_total", NULL,      \
	  "AF_XDP frames that were not a UDP query to a --listen address: "   \
	  "dropped.")                                                         \
	X(afxdp_ring_full, counter, "xdpdns_afxdp_kernel_drops_total",        \
	  "reason=\"ring_full\"",                                             \
	  "Queries the kernel dropped on their way into an AF_XDP socket: "   \
	  "its receive ring full, or no free receive frame (the daemon "      \
	  "behind) or a frame too long (no_frame); read once a second.")      \
	X(afxdp_dropped, counter, "xdpdns_afxdp_kernel_drops_total",          \
	  "reason=\"no_frame\"", NULL)                                        \
	X(relayed, counter, "xdpdns_daemon_relayed_total", NULL,              \
	  "Misses a UDP thread handed to the resolving thread (--threads "    \
	  "over 1).")                                                         \
	X(queries_bad, counter, "xdpdns_daemon_queries_bad_total", NULL,      \
	  "Queries the daemon could not parse or refused before resolving.")  \
	X(cache_miss, counter, "xdpdns_daemon_resolutions_total", NULL,       \
	  "Queries the daemon resolved through libunbound.")                  \
	X(inflight_joined, counter, "xdpdns_inflight_joined_total", NULL,     \
	  "Queries answered by joining an identical resolution in flight.")   \
	X(prefetch, counter, "xdpdns_prefetch_total", NULL,                   \
	  "Hot entries re-resolved before they expired.")                     \
	X(cache_writes, counter, "xdpdns_cache_writes_total",                 \
	  "result=\"written\"",                                               \
	  "Answers offered to the XDP cache, by result.")                     \
	X(cache_write_skipped, counter, "xdpdns_cache_writes_total",          \
	  "result=\"skipped\"", NULL)                                         \
	X(cache_write_errors, counter, "xdpdns_cache_writes_total",           \
	  "result=\"error\"", NULL)                                           \
	X(cache_write_full, counter, "xdpdns_cache_writes_total",             \
	  "result=\"no_slot\"", NULL)                                         \
	X(cache_evicted0, counter, "xdpdns_cache_evictions_total",            \
	  "class=\"0\"",                                                      \
	  "XDP cache entries evicted, least recently hit first, by class.")   \
	X(cache_evicted1, counter, "xdpdns_cache_evictions_total",            \
	  "class=\"1\"", NULL)                                                \
	X(cache_evicted2, counter, "xdpdns_cache_evictions_total",            \
	  "class=\"2\"", NULL)                                                \
	X(cache_evicted3, counter, "xdpdns_cache_evictions_total",            \
	  "class=\"3\"", NULL)                                                \
	X(cache_live0, gauge, "xdpdns_cache_slots",                           \
	  "class=\"0\",state=\"live\"",                                       \
	  "XDP cache slots by size class and state.")                         \
	X(cache_live1, gauge, "xdpdns_cache_slots",                           \
	  "class=\"1\",state=\"live\"", NULL)                                 \
	X(cache_live2, gauge, "xdpdns_cache_slots",                           \
	  "class=\"2\",state=\"live\"", NULL)                                 \
	X(cache_live3, gauge, "xdpdns_cache_slots",                           \
	  "class=\"3\",state=\"live\"", NULL)                                 \
	X(cache_quar0, gauge, "xdpdns_cache_slots",                           \
	  "class=\"0\",state=\"quarantine\"", NULL)                           \
	X(cache_quar1, gauge, "xdpdns_cache_slots",                           \
	  "class=\"1\",state=\"quarantine\"", NULL)                           \
	X(cache_quar2, gauge, "xdpdns_cache_slots",                           \
	  "class=\"2\",state=\"quarantine\"", NULL)                           \
	X(cache_quar3, gauge, "xdpdns_cache_slots",                           \
	  "class=\"3\",state=\"quarantine\"", NULL)                           \
	X(cache_free0, gauge, "xdpdns_cache_slots",                           \
	  "class=\"0\",state=\"free\"", NULL)                                 \
	X(cache_free1, gauge, "xdpdns_cache_slots",                           \
	  "class=\"1\",state=\"free\"", NULL)                                 \
	X(cache_free2, gauge, "xdpdns_cache_slots",                           \
	  "class=\"2\",state=\"free\"", NULL)                                 \
	X(cache_free3, gauge, "xdpdns_cache_slots",                           \
	  "class=\"3\",state=\"free\"", NULL)                                 \
	X(stale_answers, counter, "xdpdns_stale_answers_total",               \
	  "path=\"daemon\"",                                                  \
	  "Answers from expired entries while their resolution failed "       \
	  "(serve-stale, RFC 8767); XDP's are xdpdns_xdp_outcomes_total"      \
	  "{reason=\"stale\"}.")                                              \
	X(answers_tc, counter, "xdpdns_answers_tc_total", NULL,               \
	  "UDP answers the daemon sent with TC=1.")                           \
	X(servfail_overload, counter, "xdpdns_servfail_overload_total", NULL, \
	  "SERVFAIL because the request list was full.")                      \
	X(secure, counter, "xdpdns_answers_secure_total", NULL,               \
	  "Answers validated secure by DNSSEC.")                              \
	X(bogus, counter, "xdpdns_answers_bogus_total", NULL,                 \
	  "Answers validated bogus (SERVFAIL sent).")                         \
	X(requestlist_current, gauge, "xdpdns_requestlist_current", NULL,     \
	  "Resolutions outstanding in libunbound.")                           \
	X(requestlist_max, gauge, "xdpdns_requestlist_max", NULL,             \
	  "Configured limit of outstanding resolutions.")                     \
	X(tcp_connections, gauge, "xdpdns_tcp_connections", NULL,             \
	  "Open TCP client connections.")                                     \
	X(tcp_refused_acl, counter, "xdpdns_tcp_refused_total",               \
	  "reason=\"acl\"", "TCP connections closed at accept, by reason.")   \
	X(tcp_refused_limit, counter, "xdpdns_tcp_refused_total",             \
	  "reason=\"limit\"", NULL)                                           \
	X(tcp_evicted, counter, "xdpdns_tcp_evicted_total", NULL,             \
	  "Idle TCP connections closed to give a new one the slot when "      \
	  "--tcp-max-conns were open.")                                       \
	X(reloads, counter, "xdpdns_reloads_total", NULL,                     \
	  "Successful configuration reloads (SIGHUP).")                       \
	X(start_time, gauge, "xdpdns_start_time_seconds", NULL,               \
	  "Unix time xdpdnsd started.")                                       \
	X(resolve_timeouts, counter, "xdpdns_resolve_timeouts_total", NULL,   \
	  "Resolutions given up after --resolve-timeout seconds; every "      \
	  "client waiting got SERVFAIL.")                                     \
	X(answer_cache_hits, counter, "xdpdns_daemon_cache_hits_total", NULL, \
	  "Queries the daemon answered from its own copy of the cache "       \
	  "entries, without libunbound.")                                     \
	X(daemon_restarts, counter, "xdpdns_daemon_restarts_total", NULL,     \
	  "Daemon processes the monitor restarted after a crash.")            \
	X(limited_query, counter, "xdpdns_daemon_limited_total",              \
	  "bucket=\"query\"",                                                 \
	  "Queries the daemon itself limited (TCP, and all under --no-xdp), " \
	  "by bucket.")                                                       \
	X(limited_miss, counter, "xdpdns_daemon_limited_total",               \
	  "bucket=\"miss\"", NULL)                                            \
	X(limited_net, counter, "xdpdns_daemon_limited_total",                \
	  "bucket=\"net\"", NULL)                                             \
	X(limited_wide, counter, "xdpdns_daemon_limited_total",               \
	  "bucket=\"wide\"", NULL)                                            \
	X(limited_new, counter, "xdpdns_daemon_limited_total",                \
	  "bucket=\"new\"", NULL)                                             \
	X(limited_cookie, counter, "xdpdns_daemon_limited_total",             \
	  "bucket=\"cookie\"", NULL)                                          \
	X(cookie_client, counter, "xdpdns_daemon_cookies_total",              \
	  "verdict=\"client\"",                                               \
	  "Queries reaching the daemon with a COOKIE option (RFC 7873), by "  \
	  "what it held: a client cookie alone, a valid or an invalid "       \
	  "server cookie, a length no cookie has (FORMERR sent).")            \
	X(cookie_valid, counter, "xdpdns_daemon_cookies_total",               \
	  "verdict=\"valid\"", NULL)                                          \
	X(cookie_invalid, counter, "xdpdns_daemon_cookies_total",             \
	  "verdict=\"invalid\"", NULL)                                        \
	X(cookie_malformed, counter, "xdpdns_daemon_cookies_total",           \
	  "verdict=\"malformed\"", NULL)                                      \
	X(cookie_rejected, counter, "xdpdns_daemon_cookie_rejected_total",    \
	  NULL,                                                               \
	  "UDP queries with an invalid server cookie the daemon answered "    \
	  "BADCOOKIE or TC=1 with a fresh cookie (--cookie-invalid).")        \
	X(cookie_rotations, counter, "xdpdns_cookie_secret_changes_total",    \
	  NULL,                                                               \
	  "Times the server-cookie secret changed: rotations, and secret "    \
	  "files read at start or on SIGHUP.")                                \
	X(purges_name, counter, "xdpdns_purges_total", "op=\"delete\"",       \
	  "Purges (xdpdnsctl cache delete and flush) the daemon carried "     \
	  "out, by operation.")                                               \
	X(purges_all, counter, "xdpdns_purges_total", "op=\"flush\"", NULL)   \
	X(purged_map, counter, "xdpdns_purged_entries_total", "copy=\"xdp\"", \
	  "Cache entries purges removed, by the copy that held them.")        \
	X(purged_answers, counter, "xdpdns_purged_entries_total",             \
	  "copy=\"daemon\"", NULL)                                            \
	X(unbound_flushes, counter, "xdpdns_unbound_cache_flushes_total",     \
	  NULL,                                                               \
	  "Times a purge replaced libunbound's context, dropping its whole "  \
	  "cache.")                                                           \
	X(dnstap_sent, counter, "xdpdns_dnstap_sent_total", NULL,             \
	  "dnstap messages handed to the log writer (--dnstap).")             \
	X(dnstap_dropped, counter, "xdpdns_dnstap_dropped_total", NULL,       \
	  "dnstap messages dropped: the writer's queue was full (a slow or "  \
	  "absent reader) or the message could not be built.")

#define DAEMON_STAT_ENUM_(field, type, metric, label, help) DAEMON_STAT_##field,
enum daemon_stat { DAEMON_STATS(DAEMON_STAT_ENUM_) DAEMON_STAT_MAX };
#undef DAEMON_STAT_ENUM_

#define DAEMON_STAT_FIELD_(field, type, metric, label, help) uint64_t field;
struct daemon_stats {
	DAEMON_STATS(DAEMON_STAT_FIELD_)
	uint64_t answer_rcode[XDPDNS_RCODE_SLOTS]; /* answers by rcode */
	uint64_t query_type[XDPDNS_QTYPE_SLOTS]; /* queries by qtype (0: other) */
	uint64_t hist_count[DAEMON_HIST_BUCKETS + 1]; /* last: +Inf */
	double hist_sum; /* seconds, total recursion time */
};
#undef DAEMON_STAT_FIELD_

#endif /* XDPDNS_DAEMON_STATS_H */
