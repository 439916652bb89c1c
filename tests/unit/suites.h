/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The Check suites of the unit runner, in the order it runs them. Suite X
 * is check_X.c, whose X_tcases() adds its TCases; a new area adds its name
 * here and nowhere else.
 */
#ifndef XDPDNS_TESTS_UNIT_SUITES_H
#define XDPDNS_TESTS_UNIT_SUITES_H

#include "tests/lib/cktest.h"

#define UNIT_SUITES(X) \
	X(dnswire)     \
	X(dnsmsg)      \
	X(cache_entry) \
	X(metrics)     \
	X(config)      \
	X(anscache)    \
	X(health)      \
	X(answer)      \
	X(acl)         \
	X(resolver)    \
	X(refresh)     \
	X(query)       \
	X(listen)      \
	X(ubevent)     \
	X(dlimit)      \
	X(namehash)    \
	X(cookie)      \
	X(tcpframe)    \
	X(purge)       \
	X(dnstap)      \
	X(hotset)      \
	X(announce)    \
	X(xskframe)    \
	X(util)

#define UNIT_TCASES_DECL_(name) void name##_tcases(Suite *s);
UNIT_SUITES(UNIT_TCASES_DECL_)
#undef UNIT_TCASES_DECL_

#endif /* XDPDNS_TESTS_UNIT_SUITES_H */
