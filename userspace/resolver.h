/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Recursion through libunbound without a thread per query: one libunbound
 * context whose single background worker does every resolution, results
 * collected in the daemon's epoll loop (ub_fd() readable -> ub_process()).
 *
 * Identical questions in flight (lower-cased qname, qtype, qclass, DO, CD)
 * share one resolution; every waiter is handed the same result. At most
 * --max-outstanding distinct resolutions run at once; beyond that
 * resolver_query() says -EBUSY and the caller answers SERVFAIL. A
 * resolution still running after --resolve-timeout seconds is given up:
 * its waiters are handed a failed result (they answer SERVFAIL) and
 * libunbound's late answer, if any, is never delivered.
 */
#ifndef XDPDNS_RESOLVER_H
#define XDPDNS_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "lib/daemon_stats.h"
#include "lib/dnswire.h"

struct ub_result;

/* What makes two questions the same resolution. */
struct resolver_key {
	uint8_t qname[DNS_NAME_MAX]; /* lower-cased wire name */
	uint16_t qname_len;
	uint16_t qtype;
	uint16_t qclass;
	uint8_t flags; /* XDPDNS_KEY_DO | XDPDNS_KEY_CD */
};

/* Embedded in whatever waits for an answer (a client's pending query). */
struct resolver_waiter {
	struct resolver_waiter *next;
};

/* A finished (or cancelled) resolution, as handed to the completion hook. */
struct resolution {
	struct resolver_key key;
	struct ub_result *result; /* NULL on error or cancel */
	int err; /* libunbound error code (0 ok) */
	bool cancelled; /* daemon shutting down: free waiters, answer none */
	bool refresh; /* started by the refresher (may have no waiters) */
	bool timed_out; /* given up after --resolve-timeout (result NULL) */
	double elapsed; /* seconds */
	struct resolver_waiter *waiters; /* in arrival order */
};

/* Called once per resolution; must consume every waiter. */
typedef void (*resolver_done_fn)(void *arg, struct resolution *res);

struct resolver;

/**
 * resolver_create() - a libunbound context configured from @cfg.
 * Return: 0 or -errno; the cause (option and file) has been logged.
 * -EINVAL: a setting libunbound refuses, or a file the process (by now
 * running as --user) cannot read: a usage error, exit status 2.
 */
int resolver_create(const struct config *cfg, resolver_done_fn done, void *arg,
		    struct daemon_stats *stats, struct resolver **out);

/**
 * resolver_check() - whether libunbound takes the settings of @cfg.
 * Done on a throwaway context before any thread exists; libunbound's own
 * messages (it prints parse errors to stderr) are kept out of the output.
 * @err: one line on failure, e.g. "--unbound-config FILE: <its first error>".
 *
 * Return: 0, -EINVAL (the settings: exit 2), -ENOMEM.
 */
int resolver_check(const struct config *cfg, char *err, size_t errlen);

/* The fd to watch for EPOLLIN; resolver_process() when readable. */
int resolver_fd(const struct resolver *r);

/* Delivers every finished resolution. Return: 0 or -EIO. */
int resolver_process(struct resolver *r);

/* A timerfd due when the oldest resolution reaches --resolve-timeout. */
int resolver_timer_fd(const struct resolver *r);

/* On resolver_timer_fd() readable: gives up every overdue resolution. */
void resolver_expire(struct resolver *r);

/**
 * resolver_query() - resolve @key for @w (NULL: refresh, nobody waits).
 * Return: 0 started, 1 joined an identical resolution in flight (2: one
 * already past the client timeout, resolver_set_client_timeout()),
 * -EBUSY --max-outstanding reached, -EALREADY (refresh only) in flight,
 * -errno.
 */
int resolver_query(struct resolver *r, const struct resolver_key *key,
		   struct resolver_waiter *w);

/* Changes the outstanding limit live (up to the value libunbound got). */
void resolver_set_max(struct resolver *r, uint32_t max);

/*
 * A resolution with waiters still running @ms after it started (the
 * serve-stale client timeout): called once for it with its waiters, which
 * stay its waiters (the callback may answer some and mark them, but must
 * not free them; the done callback still gets them all).
 */
typedef void (*resolver_slow_fn)(void *arg, const struct resolver_key *key,
				 struct resolver_waiter *waiters);

/* Sets the client timeout (0: none) and its callback, live. */
void resolver_set_client_timeout(struct resolver *r, uint32_t ms,
				 resolver_slow_fn fn);

/* Changes --resolve-timeout live; resolutions in flight get the new one. */
void resolver_set_timeout(struct resolver *r, uint32_t secs);

/**
 * resolver_flush() - drops libunbound's whole cache: a fresh context,
 * configured from @cfg, replaces the old one. libunbound 1.17 has no call
 * that removes one name (unbound-control's flush_* live in the server, not
 * the library), so this is the only way to make it forget an answer.
 *
 * Results the old context already has are delivered first; the old
 * context is then deleted (its worker stops, its late answers are never
 * delivered) and every resolution still in flight is started again on
 * the new one, keeping its waiters and its start time, so no answer from
 * before the flush can arrive after it. A restart that libunbound refuses
 * fails that resolution (its waiters get SERVFAIL).
 *
 * resolver_fd() changes: watch the new fd.
 * Return: 0, or -errno with the old context still in place (logged).
 */
int resolver_flush(struct resolver *r, const struct config *cfg);

/* Cancels everything in flight (hook called with cancelled) and frees. */
void resolver_destroy(struct resolver *r);

#endif /* XDPDNS_RESOLVER_H */
