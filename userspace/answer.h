/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Queries in, responses out. Parses a client's query with unbound's
 * acceptance rules, and builds the client's response from libunbound's
 * answer packet: the client's ID and question bytes, QR and RA, RD and CD
 * echoed, AD per RFC 6840 (secure, and the client set AD or DO), the
 * sections unbound would send for the client's DO bit, whole RRsets cut at
 * the client's UDP size with TC=1 as unbound does, and our OPT record when
 * the client sent one.
 */
#ifndef XDPDNS_ANSWER_H
#define XDPDNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dnswire.h"

/* Largest response the daemon builds (a TCP frame). */
#define ANSWER_MAX 65535
/* Extended rcode for EDNS versions we do not speak (RFC 6891). */
#define ANSWER_RCODE_BADVERS 16

/* What happens to a query before resolution. */
enum answer_verdict {
	ANSWER_RESOLVE = 0, /* well formed: resolve it */
	ANSWER_DROP, /* not worth a reply: too short, or a response */
	ANSWER_FORMERR,
	ANSWER_NOTIMP, /* opcode other than QUERY */
	ANSWER_REFUSED, /* zone transfer, or RD clear (unbound's "allow") */
	ANSWER_BADVERS, /* EDNS version above 0 */
};

struct answer_query {
	const uint8_t *msg; /* the client's bytes, as received */
	size_t len;
	uint16_t id;
	uint16_t flags;
	size_t question_len; /* name, type, class at offset 12; 0: unparsed */
	uint8_t qname[DNSWIRE_NAME_MAX]; /* lower-cased */
	size_t qname_len;
	uint16_t qtype;
	uint16_t qclass;
	bool edns;
	bool edns_do;
	uint16_t udp_size; /* the client's, at least 512 */
};

/* Parses @msg into @q. Return: enum answer_verdict. */
int answer_parse_query(const uint8_t *msg, size_t len, struct answer_query *q);

/* One record of an upstream response. */
struct answer_rr {
	uint8_t section; /* 0 answer, 1 authority, 2 additional */
	uint16_t type;
	uint16_t cls;
	uint32_t ttl;
	size_t owner_off; /* in the upstream packet; may be compressed */
	size_t rdata_off;
	uint16_t rdlen;
	uint16_t covered; /* RRSIG: the type it covers */
};

/* libunbound's answer packet, parsed once for every waiting client. */
struct answer_src {
	const uint8_t *pkt;
	size_t len;
	uint16_t flags; /* upstream header flags (AA and rcode are used) */
	bool secure;
	struct answer_rr *rr; /* OPT excluded */
	size_t nrr;
};

/* Return: 0, or -EBADMSG / -ENOMEM. @pkt must outlive @src. */
int answer_src_parse(const uint8_t *pkt, size_t len, bool secure,
		     struct answer_src *src);

void answer_src_free(struct answer_src *src);

/* Whom a response is for and how much room it has. */
struct answer_target {
	uint16_t id;
	uint16_t qflags; /* the query's flags: RD, CD, AD are read */
	const uint8_t *question; /* name, type, class as the client sent */
	size_t question_len;
	uint16_t qtype;
	bool dnssec; /* client set DO: keep DNSSEC records */
	bool edns; /* client sent OPT: append ours */
	uint16_t edns_size; /* size in our OPT */
	size_t limit; /* bytes the client takes: 512, its EDNS size, 65535 */
};

/*
 * Fills @t for answering @q over UDP (@tcp false) or TCP with our
 * @edns_size.
 */
void answer_target_for(struct answer_target *t, const struct answer_query *q,
		       bool tcp, uint16_t edns_size);

/**
 * answer_encode() - the response for @t from @src.
 * @out: ANSWER_MAX bytes.
 * @tc: out, whether the response had to be truncated (TC=1).
 *
 * Return: response length, or -EBADMSG / -EMSGSIZE.
 */
int answer_encode(const struct answer_src *src, const struct answer_target *t,
		  uint8_t *out, bool *tc);

/*
 * A response carrying only @rcode (may be extended, e.g. BADVERS): the
 * question when it was parsed, OPT when the client sent one.
 * Return: length written to @out (ANSWER_MAX bytes).
 */
int answer_error(const struct answer_query *q, unsigned int rcode,
		 uint16_t edns_size, uint8_t *out);

#endif /* XDPDNS_ANSWER_H */
