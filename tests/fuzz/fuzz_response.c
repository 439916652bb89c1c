// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the response parser, dnsmsg_parse(), on any bytes as
 * libunbound's answer packet, and the daemon's encoder, answer_encode(), on
 * what it accepts. The header ID of the input picks the client: DO set or
 * not, EDNS or not, UDP with a buffer of 512 to 4607 bytes or TCP.
 *
 * Checks: every parsed record lies inside the input; the encoder's output
 * fits the client, parses again (our parser, and libldns wherever it reads
 * the input as we do) with the client's ID and question, and holds exactly
 * the records dnsmsg_rr_belongs() keeps, in order, RDATA names
 * decompressed equal; a cut (TC=1) only happens at an RRset boundary of the
 * answer or authority section.
 */
#include <errno.h>
#include <string.h>

#include "answer.h"
#include "harness.h"

static void check_parsed(const struct dnsmsg *m, size_t size)
{
	size_t total = (size_t)m->h.ancount + m->h.nscount + m->h.arcount;

	FUZZ_ASSERT(m->nrr + m->have_opt == total);
	for (size_t i = 0; i < m->nrr; i++) {
		const struct dnsmsg_rr *rr = &m->rr[i];

		FUZZ_ASSERT(rr->owner_len >= 1);
		FUZZ_ASSERT(rr->type != DNS_TYPE_OPT);
		FUZZ_ASSERT(rr->rdata_off + rr->rdlen <= size);
		FUZZ_ASSERT(dnswire_name_len(rr->owner, rr->owner_len) ==
			    rr->owner_len);
	}
}

static void check_encode(const struct dnsmsg *m)
{
	static uint8_t out[ANSWER_MAX];
	uint8_t question[DNS_NAME_MAX + 4];
	uint16_t sel = m->h.id;
	struct answer_target t = {
		.id = (uint16_t)~sel,
		.qflags = DNS_F_RD | (sel & DNS_F_CD) | (sel & DNS_F_AD),
		.question = question,
		.question_len = m->qname_len + 4,
		.qtype = m->qtype,
		.dnssec = sel & 1,
		.secure = sel & 2,
		.edns = sel & 4,
		.edns_size = 1232,
		.limit = sel & 8 ? ANSWER_MAX : DNS_UDP_PLAIN_MAX + (sel >> 4),
	};
	struct dnsmsg out_m;
	size_t j = 0, last_kept = 0;
	bool tc;
	int len;

	memcpy(question, m->qname, m->qname_len);
	dnswire_put_u16(question + m->qname_len, m->qtype);
	dnswire_put_u16(question + m->qname_len + 2, m->qclass);
	len = answer_encode(m, &t, out, &tc);
	FUZZ_ASSERT(len >= 0);
	FUZZ_ASSERT((size_t)len <= t.limit);
	FUZZ_ASSERT(dnsmsg_parse(out, len, &out_m) == 0);
	FUZZ_ASSERT(out_m.h.id == t.id);
	FUZZ_ASSERT(!!(out_m.h.flags & DNS_F_TC) == tc);
	FUZZ_ASSERT(out_m.h.qdcount == 1);
	FUZZ_ASSERT(!memcmp(out + DNS_HEADER_LEN, question, t.question_len));
	FUZZ_ASSERT(out_m.have_opt == t.edns);
	FUZZ_ASSERT(!fuzz_ldns_agrees(m) || fuzz_ldns_agrees(&out_m));

	/* The records written are the kept ones, in order, up to a cut. */
	for (size_t i = 0; i < m->nrr && j < out_m.nrr; i++) {
		const struct dnsmsg_rr *rr = &m->rr[i];

		if (!dnsmsg_rr_belongs(rr, t.qtype, t.dnssec))
			continue;
		FUZZ_ASSERT(fuzz_rr_equal(m, rr, &out_m, &out_m.rr[j]));
		FUZZ_ASSERT(out_m.rr[j].section == rr->section);
		FUZZ_ASSERT(out_m.rr[j].ttl == rr->ttl);
		last_kept = i;
		j++;
	}
	FUZZ_ASSERT(j == out_m.nrr);
	if (tc) {
		/* The first record left out starts an RRset, outside the
		 * additional section. */
		size_t next = out_m.nrr ? last_kept + 1 : 0;

		while (next < m->nrr &&
		       !dnsmsg_rr_belongs(&m->rr[next], t.qtype, t.dnssec))
			next++;
		FUZZ_ASSERT(next < m->nrr);
		FUZZ_ASSERT(m->rr[next].section != DNSMSG_ADDITIONAL);
		FUZZ_ASSERT(!out_m.nrr || !dnsmsg_rr_same_set(&m->rr[last_kept],
							      &m->rr[next]));
	}
	dnsmsg_free(&out_m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsmsg m;
	int ret;

	ret = dnsmsg_parse(data, size, &m);
	FUZZ_ASSERT(ret == 0 || ret == -EBADMSG || ret == -EMSGSIZE);
	if (ret)
		return 0;
	check_parsed(&m, size);
	if (m.h.qdcount == 1)
		check_encode(&m);
	dnsmsg_free(&m);
	return 0;
}
