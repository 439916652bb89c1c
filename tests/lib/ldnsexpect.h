/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What a client should get, written with libldns independently of the
 * product's code: the oracle side of the checks on cache entries and on
 * XDP's output.
 */
#ifndef XDPDNS_TESTS_LDNSEXPECT_H
#define XDPDNS_TESTS_LDNSEXPECT_H

#include <stdbool.h>

#include <ldns/ldns.h>

/*
 * Removes from @p the DNSSEC records (RFC 4035 section 3.2.1) a client that
 * did not set DO does not get: all of them but those of the type it asked
 * for in the answer section.
 */
void ldnsexpect_strip_dnssec(ldns_pkt *p);

#endif /* XDPDNS_TESTS_LDNSEXPECT_H */
