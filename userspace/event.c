// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The event loop's clock: CLOCK_MONOTONIC, which is also what
 * bpf_ktime_get_ns() reads, so expiry times the daemon computes compare
 * directly with the ones the XDP program sees.
 */
#include "event.h"
#include "lib/util.h"

uint64_t ev_now_ns(void)
{
	return util_mono_ns();
}

uint64_t ev_now_ms(void)
{
	return ev_now_ns() / 1000000ULL;
}
