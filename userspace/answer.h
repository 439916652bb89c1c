/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's own responses, built from libunbound's answer packet as
 * parsed by dnsmsg_parse(): the client's ID and question bytes, QR and RA,
 * RD and CD echoed, AD per RFC 6840 (secure, and the client set AD or DO),
 * the sections unbound would send for the client's DO bit, whole RRsets cut
 * at the client's UDP size with TC=1 as unbound does, and our OPT record
 * when the client sent one. Error responses too.
 */
#ifndef XDPDNS_ANSWER_H
#define XDPDNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dnsmsg.h"

/* Largest response the daemon builds (a TCP frame). */
#define ANSWER_MAX 65535

/* Whom a response is for and how much room it has. */
struct answer_target {
	uint16_t id;
	uint16_t qflags; /* the query's flags: RD, CD, AD are read */
	const uint8_t *question; /* name, type, class as the client sent */
	size_t question_len;
	uint16_t qtype;
	bool dnssec; /* client set DO: keep DNSSEC records */
	bool secure; /* the response validated: AD for clients that ask */
	bool edns; /* client sent OPT: append ours */
	const uint8_t *cookie; /* COOKIE option data for our OPT */
	size_t cookie_len; /* 0: none */
	uint16_t edns_size; /* size in our OPT */
	size_t limit; /* bytes the client takes: 512, its EDNS size, 65535 */
};

/*
 * Fills @t for answering @q over UDP (@tcp false) or TCP with our
 * @edns_size.
 */
void answer_target_for(struct answer_target *t, const struct dnsmsg_query *q,
		       bool tcp, uint16_t edns_size);

/**
 * answer_encode() - the response for @t from @m.
 * @out: ANSWER_MAX bytes.
 * @tc: out, whether the response had to be truncated (TC=1).
 *
 * Return: response length, or -EBADMSG / -EMSGSIZE.
 */
int answer_encode(const struct dnsmsg *m, const struct answer_target *t,
		  uint8_t *out, bool *tc);

/*
 * A response carrying only @rcode (may be extended, e.g. BADVERS), with
 * TC=1 when @tc: the question when it was parsed, OPT when the client sent
 * one, with @q's reply cookie.
 * Return: length written to @out (ANSWER_MAX bytes).
 */
int answer_error(const struct dnsmsg_query *q, unsigned int rcode, bool tc,
		 uint16_t edns_size, uint8_t *out);

#endif /* XDPDNS_ANSWER_H */
