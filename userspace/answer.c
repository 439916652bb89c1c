// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's own responses, written with the message layer's writer
 * (lib/dnsmsg.h): records are re-encoded, not copied, because records are
 * dropped for clients without DO and the question bytes are the client's.
 * Truncation works on whole RRsets: an RRset that does not fit in the
 * answer or authority section ends the message with TC=1; one that does not
 * fit in the additional section just ends it (RFC 2181 9, unbound's rule).
 */
#include <errno.h>
#include <string.h>

#include "answer.h"
#include "maps/xdpdns.h"

void answer_target_for(struct answer_target *t, const struct dnsmsg_query *q,
		       bool tcp, uint16_t edns_size)
{
	memset(t, 0, sizeof(*t));
	t->id = q->id;
	t->qflags = q->flags;
	t->question = q->msg + DNS_HEADER_LEN;
	t->question_len = q->question_len;
	t->qtype = q->qtype;
	t->dnssec = q->edns_do;
	t->edns = q->edns;
	t->cookie = q->reply_cookie;
	t->cookie_len = q->reply_cookie_len;
	t->edns_size = edns_size;
	/* As XDP and cache_entry_render(): the client's size, floored at
	 * 512, never above what we advertise (no fragments, Flag Day 2020). */
	t->limit = q->udp_size;
	if (edns_size >= DNS_UDP_PLAIN_MAX && t->limit > edns_size)
		t->limit = edns_size;
	if (tcp)
		t->limit = ANSWER_MAX;
}

int answer_encode(const struct dnsmsg *m, const struct answer_target *t,
		  uint8_t *out, bool *tc)
{
	struct dnsmsg_writer w; /* about 3 KiB */
	struct dnswire_header h = { 0 };
	uint16_t counts[3] = { 0 }, saved_counts[3] = { 0 };
	size_t limit = t->limit, saved_len = 0;
	unsigned int saved_targets = 0;
	const struct dnsmsg_rr *set = NULL;
	int ret;

	*tc = false;
	if (limit > ANSWER_MAX)
		limit = ANSWER_MAX;
	if (t->edns)
		limit -= dnsmsg_opt_len(t->cookie_len);
	if (dnsmsg_writer_init(&w, out, limit, t->question, t->question_len))
		return -EMSGSIZE;

	for (size_t i = 0; i < m->nrr; i++) {
		const struct dnsmsg_rr *rr = &m->rr[i];

		if (!dnsmsg_rr_belongs(rr, t->qtype, t->dnssec))
			continue;
		if (!set || !dnsmsg_rr_same_set(set, rr)) {
			set = rr;
			saved_len = w.len;
			saved_targets = w.ntargets;
			memcpy(saved_counts, counts, sizeof(counts));
		}
		ret = dnsmsg_put_rr(&w, m, rr, rr->ttl, NULL);
		if (ret == -EMSGSIZE) {
			w.len = saved_len;
			w.ntargets = saved_targets;
			memcpy(counts, saved_counts, sizeof(counts));
			*tc = rr->section != DNSMSG_ADDITIONAL;
			break;
		}
		if (ret)
			return ret;
		counts[rr->section]++;
	}

	h.id = t->id;
	h.flags = DNS_F_QR | DNS_F_RA |
		  (m->h.flags & (DNS_F_AA | DNS_F_RCODE)) |
		  (t->qflags & (DNS_F_RD | DNS_F_CD));
	if (*tc)
		h.flags |= DNS_F_TC;
	if (t->secure && ((t->qflags & DNS_F_AD) || t->dnssec))
		h.flags |= DNS_F_AD;
	h.qdcount = 1;
	h.ancount = counts[DNSMSG_ANSWER];
	h.nscount = counts[DNSMSG_AUTHORITY];
	h.arcount = counts[DNSMSG_ADDITIONAL];
	if (t->edns) {
		w.len += dnsmsg_write_opt(out + w.len, t->edns_size, 0,
					  t->dnssec, t->cookie, t->cookie_len);
		h.arcount++;
	}
	dnswire_write_header(out, &h);
	return (int)w.len;
}

int answer_error(const struct dnsmsg_query *q, unsigned int rcode, bool tc,
		 uint16_t edns_size, uint8_t *out)
{
	struct dnswire_header h = { 0 };
	size_t off = DNS_HEADER_LEN;

	h.id = q->id;
	h.flags = DNS_F_QR | DNS_F_RA | (rcode & DNS_F_RCODE) |
		  (q->flags & (DNS_F_OPCODE | DNS_F_RD | DNS_F_CD)) |
		  (tc ? DNS_F_TC : 0);
	if (q->question_len) {
		h.qdcount = 1;
		memcpy(out + off, q->msg + off, q->question_len);
		off += q->question_len;
	}
	if (q->edns) {
		off += dnsmsg_write_opt(out + off, edns_size, rcode, q->edns_do,
					q->reply_cookie, q->reply_cookie_len);
		h.arcount = 1;
	}
	dnswire_write_header(out, &h);
	return (int)off;
}
