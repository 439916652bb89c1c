/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An event base for libunbound's pluggable event API (unbound-event.h,
 * ub_ctx_create_ub_event()) on one epoll fd and one timerfd, so that
 * libunbound resolves in the daemon's own thread: no worker thread, no
 * answers serialized through a socketpair and read back, no wake-up of a
 * second thread per query and per answer. The daemon's loop watches
 * ubevent_fd() and calls ubevent_run() when it is readable; libunbound's
 * callbacks run from there.
 *
 * The semantics are libevent's, which libunbound is written against:
 * level-triggered fd events for read and write, one optional timeout per
 * event (UB_EV_TIMEOUT in the bits passed to the callback when it fired),
 * non-persistent events deactivated before their callback runs, several
 * events on one fd. Single-threaded.
 */
#ifndef XDPDNS_UBEVENT_H
#define XDPDNS_UBEVENT_H

#include <stdint.h>

struct ub_event_base;
struct ubevent_base;

/* A base, or NULL (errno set). */
struct ubevent_base *ubevent_base_create(void);
void ubevent_base_destroy(struct ubevent_base *b);

/* What to pass to ub_ctx_create_ub_event(). */
struct ub_event_base *ubevent_ub_base(struct ubevent_base *b);

/* The fd that is readable when ubevent_run() has work. */
int ubevent_fd(const struct ubevent_base *b);

/* Makes ubevent_fd() readable until the next ubevent_run(). */
void ubevent_wake(struct ubevent_base *b);

/* How many times the timerfd was set (timerfd_settime() calls). */
unsigned long ubevent_timer_sets(const struct ubevent_base *b);

/* Runs every ready fd event and expired timer once. Return: callbacks run. */
int ubevent_run(struct ubevent_base *b);

#endif /* XDPDNS_UBEVENT_H */
