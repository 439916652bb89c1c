/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What a client should get, written with libldns independently of the
 * product's code: the oracle side of the checks on cache entries and on
 * XDP's output.
 */
#ifndef XDPDNS_TESTS_LDNSEXPECT_H
#define XDPDNS_TESTS_LDNSEXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

/* A response to build: records in presentation format, per section. */
struct ldnsexpect_resp {
	const char *question; /* "name IN TYPE" */
	const char *const *rr[3]; /* answer, authority, additional; NULL-ended */
	size_t rr_max; /* at most this many a section (0: until NULL) */
	int rcode;
	bool aa;
	bool ad;
	uint16_t edns; /* OPT with DO and this size; 0: none */
};

/*
 * @r in wire format (ID 0x1234, QR, RD, RA), malloc()ed, or NULL with the
 * reason on stderr when ldns rejects a record.
 */
uint8_t *ldnsexpect_wire(const struct ldnsexpect_resp *r, size_t *len);

/*
 * Removes from @p the DNSSEC records (RFC 4035 section 3.2.1) a client that
 * did not set DO does not get: all of them but those of the type it asked
 * for in the answer section.
 */
void ldnsexpect_strip_dnssec(ldns_pkt *p);

#endif /* XDPDNS_TESTS_LDNSEXPECT_H */
