/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the libFuzzer targets of tests/fuzz share: an assertion that aborts
 * (libFuzzer then keeps the input as a crash reproducer, like any ASan or
 * UBSan report), libldns as the independent parser of what we write, and a
 * comparison of two parsed messages record by record with names
 * decompressed, so an encoder is held to the records it was given.
 */
#ifndef XDPDNS_TESTS_FUZZ_HARNESS_H
#define XDPDNS_TESTS_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dnsmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void fuzz_fail(const char *file, int line, const char *what)
	__attribute__((noreturn));

/* Aborts with the condition's text when @cond is false. */
#define FUZZ_ASSERT(cond)                                     \
	do {                                                  \
		if (!(cond))                                  \
			fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)

/* Whether libldns parses @wire as a whole DNS message. */
bool fuzz_ldns_parses(const uint8_t *wire, size_t len);

/*
 * Whether libldns reads @m's packet as the records dnsmsg_parse() found:
 * the same types with RDATA of the same (names decompressed) length, in
 * each section. libldns reads RDATA of a known type along the type's
 * fields and then goes on where those ended, not at RDLENGTH, so on a
 * malformed record (an A record of 12 bytes) it sees other records than
 * the ones there; it is an oracle only where this holds.
 */
bool fuzz_ldns_agrees(const struct dnsmsg *m);

/*
 * Whether record @a of @ma and record @b of @mb are the same record: owner
 * (ignoring ASCII case, which the compressor may fold), type, class and
 * RDATA with its names decompressed. TTLs are not compared.
 */
bool fuzz_rr_equal(const struct dnsmsg *ma, const struct dnsmsg_rr *a,
		   const struct dnsmsg *mb, const struct dnsmsg_rr *b);

/*
 * Copies @len bytes of @msg to @out with the TTL of every record but OPT
 * set to zero, for comparing two messages that differ only in TTLs.
 * Return: false when @msg does not parse.
 */
bool fuzz_zero_ttls(const uint8_t *msg, size_t len, uint8_t *out);

#endif /* XDPDNS_TESTS_FUZZ_HARNESS_H */
