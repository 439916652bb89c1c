// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the daemon's query parser, dnsmsg_parse_query(), on any
 * bytes a client may send, and what the daemon builds from its result
 * before resolving: the answer target (answer_target_for()) and the error
 * responses (answer_error()), which must be messages libldns and our own
 * response parser accept, carrying the client's ID and question bytes.
 */
#include <string.h>

#include "answer.h"
#include "harness.h"
#include "maps/xdpdns.h"

static void check_error_reply(const struct dnsmsg_query *q, unsigned int rcode)
{
	static uint8_t out[ANSWER_MAX];
	struct dnsmsg m;
	int len;

	len = answer_error(q, rcode, false, XDPDNS_EDNS_SIZE_DEFAULT, out);
	FUZZ_ASSERT(len >= DNS_HEADER_LEN);
	FUZZ_ASSERT((size_t)len <=
		    DNS_HEADER_LEN + q->question_len + DNS_OPT_LEN);
	FUZZ_ASSERT(dnswire_get_u16(out) == q->id);
	FUZZ_ASSERT(!memcmp(out + DNS_HEADER_LEN, q->msg + DNS_HEADER_LEN,
			    q->question_len));
	FUZZ_ASSERT(fuzz_ldns_parses(out, len));
	FUZZ_ASSERT(dnsmsg_parse(out, len, &m) == 0);
	FUZZ_ASSERT(m.h.qdcount == (q->question_len ? 1 : 0));
	FUZZ_ASSERT(m.have_opt == q->edns);
	FUZZ_ASSERT(((m.have_opt ? m.opt_ttl >> 24 : 0) << 4 |
		     (m.h.flags & DNS_F_RCODE)) ==
		    (q->edns ? rcode : rcode & 15));
	dnsmsg_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct answer_target t;
	struct dnsmsg_query q;
	int v;

	v = dnsmsg_parse_query(data, size, &q);
	FUZZ_ASSERT(v >= DNSMSG_RESOLVE && v <= DNSMSG_BADVERS);
	FUZZ_ASSERT(q.msg == data && q.len == size);
	FUZZ_ASSERT(!q.question_len || DNS_HEADER_LEN + q.question_len <= size);
	FUZZ_ASSERT(q.udp_size >= DNS_UDP_PLAIN_MAX);
	if (q.question_len) {
		FUZZ_ASSERT(q.qname_len >= 1 && q.qname_len <= DNS_NAME_MAX);
		FUZZ_ASSERT(q.question_len == q.qname_len + 4);
		FUZZ_ASSERT(dnswire_name_len(q.qname, q.qname_len) ==
			    (int)q.qname_len);
	}
	if (v == DNSMSG_RESOLVE || q.xdp_shape)
		FUZZ_ASSERT(q.question_len);
	if (q.edns)
		FUZZ_ASSERT(q.question_len);
	if (v == DNSMSG_DROP)
		return 0;

	check_error_reply(&q, v == DNSMSG_BADVERS ? 16 : DNS_RCODE_SERVFAIL);
	if (v != DNSMSG_RESOLVE)
		return 0;
	for (int tcp = 0; tcp < 2; tcp++) {
		answer_target_for(&t, &q, tcp, XDPDNS_EDNS_SIZE_DEFAULT);
		FUZZ_ASSERT(t.limit >= DNS_UDP_PLAIN_MAX &&
			    t.limit <= ANSWER_MAX);
		FUZZ_ASSERT(tcp ||
			    t.limit <= (q.edns ? XDPDNS_EDNS_SIZE_DEFAULT :
						 DNS_UDP_PLAIN_MAX));
		FUZZ_ASSERT(t.question == data + DNS_HEADER_LEN &&
			    t.question_len == q.question_len);
	}
	return 0;
}
