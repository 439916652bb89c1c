/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The dashboard page embedded by dashboard.S: its bytes, not terminated.
 */
#ifndef XDPDNS_DASHBOARD_H
#define XDPDNS_DASHBOARD_H

#include <stddef.h>

extern const unsigned char dashboard_html[];
extern const unsigned char dashboard_html_end[];

static inline size_t dashboard_html_len(void)
{
	return (size_t)(dashboard_html_end - dashboard_html);
}

#endif /* XDPDNS_DASHBOARD_H */
