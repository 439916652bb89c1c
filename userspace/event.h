/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's one epoll loop dispatches through this: every file
 * descriptor registered with it carries a pointer to a struct ev_handler
 * (embedded in whatever owns the fd) in epoll_event.data.ptr.
 */
#ifndef XDPDNS_EVENT_H
#define XDPDNS_EVENT_H

#include <stdint.h>

struct ev_handler {
	/* Called from the loop with the epoll events of the fd. */
	void (*fn)(struct ev_handler *h, uint32_t events);
};

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t ev_now_ms(void);

/* Nanoseconds on CLOCK_MONOTONIC: the clock bpf_ktime_get_ns() reads. */
uint64_t ev_now_ns(void);

#endif /* XDPDNS_EVENT_H */
