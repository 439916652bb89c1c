// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Cache entries from DNS responses and responses from cache entries.
 *
 * cache_entry_from_msg() re-encodes the records of a parsed response
 * (lib/dnsmsg.h) against a canonical message: a question at offset 12 of
 * the same name length, sections right after it. Every name is compressed
 * again by the message layer's writer, so a pointer in the entry can only
 * reach the question name or names we wrote earlier in data[], whatever the
 * upstream compressor did. cache_entry_render() is the user-space twin of
 * the XDP answer path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cache_entry.h"
#include "lib/util.h"

/* The canonical message: header, longest question, largest data[]. */
#define CE_MSG_MAX (DNS_HEADER_LEN + DNS_NAME_MAX + 4 + XDPDNS_DATA_MAX)
/* RFC 2181 section 8: a TTL with the top bit set means zero. */
#define CE_TTL_MAX 0x7fffffffU

/* Query types that never have a cacheable answer over UDP. */
static bool ce_qtype_unsupported(uint16_t qtype)
{
	return qtype == 0 || qtype == DNS_TYPE_OPT ||
	       (qtype >= DNS_TYPE_TKEY && qtype <= DNS_TYPE_MAILA);
}

/* Signed transactions (TSIG, SIG(0)) belong to one exchange, not a cache. */
static bool ce_rr_transaction(const struct dnsmsg *m,
			      const struct dnsmsg_rr *rr)
{
	return rr->type == DNS_TYPE_TSIG ||
	       (rr->type == DNS_TYPE_SIG && rr->rdlen >= 2 &&
		dnswire_get_u16(m->pkt + rr->rdata_off) == 0);
}

/*
 * Why @m cannot be an entry at all, before looking at sizes: 0 when it can.
 */
static int ce_policy(const struct dnsmsg *m)
{
	unsigned int rcode = m->h.flags & DNS_F_RCODE;

	if (!(m->h.flags & DNS_F_QR) || (m->h.flags & DNS_F_OPCODE) ||
	    (m->h.flags & DNS_F_TC) ||
	    (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN) ||
	    m->h.qdcount != 1)
		return -CACHE_ENTRY_ENOTCACHEABLE;
	if (m->qclass != DNS_CLASS_IN || ce_qtype_unsupported(m->qtype))
		return -CACHE_ENTRY_EUNSUPPORTED;
	/* Extended rcode bits: BADVERS, BADCOOKIE, ... */
	if (m->have_opt && m->opt_ttl >> 24)
		return -CACHE_ENTRY_ENOTCACHEABLE;
	for (size_t i = 0; i < m->nrr; i++)
		if (ce_rr_transaction(m, &m->rr[i]))
			return -CACHE_ENTRY_ENOTCACHEABLE;
	return 0;
}

static uint32_t ce_ttl_clamp(uint32_t ttl)
{
	return ttl > CE_TTL_MAX ? 0 : ttl;
}

/*
 * The TTL the negative part of a response carries (RFC 2308 section 5:
 * min(SOA TTL, SOA MINIMUM) of the first authority SOA), or 0 when it
 * cannot be cached: also without an SOA, which section 5 says SHOULD NOT
 * be cached (unbound agrees).
 */
static uint32_t ce_negative_ttl(const struct dnsmsg *m, const bool *keep,
				const struct cache_entry_opts *opts)
{
	for (size_t i = 0; i < m->nrr; i++) {
		const struct dnsmsg_rr *rr = &m->rr[i];
		uint32_t ttl, minimum;

		if (!keep[i] || rr->section != DNSMSG_AUTHORITY ||
		    rr->type != DNS_TYPE_SOA)
			continue;
		ttl = ce_ttl_clamp(rr->ttl);
		minimum = ce_ttl_clamp(dnswire_get_u32(m->pkt + rr->rdata_off +
						       rr->rdlen - 4));
		if (minimum < ttl)
			ttl = minimum;
		if (opts->max_negative_ttl && ttl > opts->max_negative_ttl)
			ttl = opts->max_negative_ttl;
		return ttl;
	}
	return 0;
}

/* A positive record's TTL after the operator's caps (unbound order). */
static uint32_t ce_positive_ttl(uint32_t ttl,
				const struct cache_entry_opts *opts)
{
	ttl = ce_ttl_clamp(ttl);
	if (ttl < opts->min_ttl)
		ttl = opts->min_ttl;
	if (opts->max_ttl && ttl > opts->max_ttl)
		ttl = opts->max_ttl;
	return ttl;
}

/* Ones'-complement sum of @data as 16-bit big-endian words, TTLs as zero. */
static uint16_t ce_data_csum(const struct xdpdns_cache_entry *e)
{
	uint8_t buf[XDPDNS_DATA_MAX + 1] = { 0 };
	uint32_t sum = 0;

	memcpy(buf, e->data, e->data_len);
	for (unsigned int i = 0; i < e->rr_count; i++)
		memset(buf + e->ttl_off[i], 0, 4);
	for (size_t i = 0; i < e->data_len; i += 2)
		sum += (uint32_t)buf[i] << 8 | buf[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/*
 * RFC 2308: NXDOMAIN, or NOERROR without a record of the type asked for in
 * the answer section (NODATA, also at the end of a CNAME chain).
 */
static bool ce_negative(const struct dnsmsg *m, const bool *keep)
{
	if ((m->h.flags & DNS_F_RCODE) == DNS_RCODE_NXDOMAIN)
		return true;
	for (size_t i = 0; i < m->nrr; i++)
		if (keep[i] && m->rr[i].section == DNSMSG_ANSWER &&
		    (m->rr[i].type == m->qtype || m->qtype == DNS_TYPE_ANY))
			return false;
	return true;
}

/*
 * Writes the kept records against a canonical message whose question name
 * sits at offset 12, so that the entry's pointers hold for any client's
 * question of that name.
 */
static int ce_encode(const struct dnsmsg *m, const bool *keep,
		     const struct cache_entry_opts *opts, bool negative,
		     uint32_t neg_ttl, struct xdpdns_cache_entry *entry)
{
	uint8_t msg[CE_MSG_MAX], question[DNS_NAME_MAX + 4] = { 0 };
	struct dnsmsg_writer w;
	unsigned int n = 0;
	size_t base;
	int ret;

	memcpy(question, m->qname, m->qname_len);
	dnswire_name_lower(question, m->qname_len);
	base = DNS_HEADER_LEN + m->qname_len + 4;
	ret = dnsmsg_writer_init(&w, msg, base + XDPDNS_DATA_MAX, question,
				 m->qname_len + 4);
	if (ret)
		return -CACHE_ENTRY_ETOOBIG;

	/*
	 * The authority and additional records of a negative answer carry
	 * the negative TTL; its answer section (the CNAMEs that led to the
	 * name that does not exist) keeps their own, as unbound sends them.
	 */
	entry->ttl = negative ? neg_ttl : UINT32_MAX;
	for (size_t i = 0; i < m->nrr; i++) {
		const struct dnsmsg_rr *rr = &m->rr[i];
		size_t ttl_at;
		uint32_t ttl;

		if (!keep[i])
			continue;
		ttl = negative && rr->section != DNSMSG_ANSWER ?
			      neg_ttl :
			      ce_positive_ttl(rr->ttl, opts);
		if (ttl < entry->ttl)
			entry->ttl = ttl;
		ret = dnsmsg_put_rr(&w, m, rr, ttl, &ttl_at);
		if (ret == -EMSGSIZE)
			return -CACHE_ENTRY_ETOOBIG;
		if (ret)
			return -CACHE_ENTRY_EMALFORMED;
		entry->ttl_off[n++] = ttl_at - base;
		if (rr->section == DNSMSG_ANSWER)
			entry->ancount++;
		else if (rr->section == DNSMSG_AUTHORITY)
			entry->nscount++;
		else
			entry->arcount++;
	}
	entry->rr_count = n;
	entry->data_len = w.len - base;
	memcpy(entry->data, msg + base, entry->data_len);
	return 0;
}

int cache_entry_from_msg(const struct dnsmsg *m,
			 const struct cache_entry_opts *opts,
			 struct xdpdns_cache_key *key,
			 struct xdpdns_cache_entry *entry)
{
	bool dnssec = opts->key_flags & XDPDNS_KEY_DO;
	unsigned int kept = 0;
	uint32_t neg_ttl = 0;
	bool negative, *keep;
	int ret;

	memset(key, 0, sizeof(*key));
	memset(entry, 0, sizeof(*entry));
	ret = ce_policy(m);
	if (ret)
		return ret;
	/* What a client of this key's DO bit gets, as answer_encode(). */
	keep = calloc(m->nrr ? m->nrr : 1, sizeof(*keep));
	if (!keep)
		return -ENOMEM;
	for (size_t i = 0; i < m->nrr; i++) {
		keep[i] = dnsmsg_rr_belongs(&m->rr[i], m->qtype, dnssec);
		kept += keep[i];
	}
	ret = -CACHE_ENTRY_ETOOMANY;
	if (kept > XDPDNS_RR_MAX)
		goto out;

	negative = ce_negative(m, keep);
	if (negative) {
		neg_ttl = ce_negative_ttl(m, keep, opts);
		ret = -CACHE_ENTRY_ENOTCACHEABLE;
		if (!neg_ttl)
			goto out;
	}
	ret = ce_encode(m, keep, opts, negative, neg_ttl, entry);
	if (ret)
		goto out;
	ret = -CACHE_ENTRY_ENOTCACHEABLE;
	if (entry->ttl == 0)
		goto out;
	ret = 0;

	memcpy(key->qname, m->qname, m->qname_len);
	dnswire_name_lower(key->qname, m->qname_len);
	/* The map is keyed by a hash of the name: the entry holds it. */
	memcpy(entry->qname, key->qname, m->qname_len);
	key->flags = opts->key_flags;
	key->qtype = m->qtype;
	key->qclass = m->qclass;

	entry->stored_ns = opts->now_ns;
	entry->expire_ns = opts->now_ns + entry->ttl * NSEC_PER_SEC;
	entry->flags = m->h.flags & (DNS_F_AA | DNS_F_RCODE);
	if (opts->validated) {
		entry->flags |= DNS_F_AD;
		entry->entry_flags |= XDPDNS_ENTRY_VALIDATED;
	}
	entry->data_csum = ce_data_csum(entry);
out:
	free(keep);
	if (ret) {
		memset(key, 0, sizeof(*key));
		memset(entry, 0, sizeof(*entry));
	}
	return ret;
}

int cache_entry_build(const uint8_t *resp, size_t len,
		      const struct cache_entry_opts *opts,
		      struct xdpdns_cache_key *key,
		      struct xdpdns_cache_entry *entry)
{
	struct dnswire_header h;
	struct dnsmsg m;
	int ret;

	memset(key, 0, sizeof(*key));
	memset(entry, 0, sizeof(*entry));
	if (dnswire_parse_header(resp, len, &h))
		return -CACHE_ENTRY_EMALFORMED;
	if (h.qdcount != 1)
		return -CACHE_ENTRY_ENOTCACHEABLE;
	ret = dnsmsg_parse(resp, len, &m);
	if (ret == -ENOMEM)
		return ret;
	if (ret)
		return ret == -EMSGSIZE ? -CACHE_ENTRY_EUNSUPPORTED :
					  -CACHE_ENTRY_EMALFORMED;
	ret = cache_entry_from_msg(&m, opts, key, entry);
	dnsmsg_free(&m);
	return ret;
}

const char *cache_entry_strerror(int err)
{
	switch (abs(err)) {
	case 0:
		return "success";
	case CACHE_ENTRY_EMALFORMED:
		return "malformed DNS response";
	case CACHE_ENTRY_ENOTCACHEABLE:
		return "response not cacheable";
	case CACHE_ENTRY_ETOOBIG:
		return "response sections larger than a cache entry";
	case CACHE_ENTRY_ETOOMANY:
		return "more records than a cache entry holds";
	case CACHE_ENTRY_EUNSUPPORTED:
		return "query class, type or name not supported";
	case ENOMEM:
		return "out of memory";
	default:
		return "unknown cache entry error";
	}
}

/* The checks the XDP program makes before it trusts an entry. */
static bool ce_entry_sane(const struct xdpdns_cache_entry *e)
{
	if (e->data_len > XDPDNS_DATA_MAX || e->rr_count > XDPDNS_RR_MAX ||
	    e->rr_count != e->ancount + e->nscount + e->arcount)
		return false;
	for (unsigned int i = 0; i < e->rr_count; i++)
		if (e->ttl_off[i] + 4 > e->data_len)
			return false;
	return true;
}

int cache_entry_render(const struct xdpdns_cache_entry *entry,
		       const struct cache_entry_query *q, uint8_t *out,
		       size_t cap)
{
	struct dnswire_header h = { 0 };
	const struct dnsmsg_query *cq = q->parsed;
	struct dnsmsg_query parsed;
	size_t need, limit, off;
	uint64_t elapsed;

	if (!cq) {
		dnsmsg_parse_query(q->msg, q->len, &parsed);
		cq = &parsed;
	}
	if (!cq->xdp_shape || !ce_entry_sane(entry)) {
		errno = EINVAL;
		return -1;
	}
	if (!xdpdns_time_before(q->now_ns, entry->expire_ns)) {
		errno = ESTALE;
		return -1;
	}
	need = DNS_HEADER_LEN + cq->question_len + entry->data_len +
	       (cq->edns ? dnsmsg_opt_len(cq->reply_cookie_len) : 0);
	/* RFC 6891 6.2.5: the client's size, floored at 512; and never more
	 * than we advertise ourselves, so answers stay below fragmentation
	 * (DNS Flag Day 2020) and larger ones go to TCP. */
	limit = DNS_UDP_PLAIN_MAX;
	if (cq->edns && cq->udp_size > limit)
		limit = cq->udp_size;
	if (cq->edns && q->edns_size >= DNS_UDP_PLAIN_MAX &&
	    limit > q->edns_size)
		limit = q->edns_size;
	if (need > limit || need > cap) {
		errno = EMSGSIZE;
		return -1;
	}

	h.id = cq->id;
	h.flags = DNS_F_QR | DNS_F_RA |
		  (entry->flags & (DNS_F_AA | DNS_F_RCODE)) |
		  (cq->flags & (DNS_F_RD | DNS_F_CD));
	if ((entry->entry_flags & XDPDNS_ENTRY_VALIDATED) &&
	    ((cq->flags & DNS_F_AD) || cq->edns_do))
		h.flags |= DNS_F_AD;
	h.qdcount = 1;
	h.ancount = entry->ancount;
	h.nscount = entry->nscount;
	h.arcount = entry->arcount + cq->edns;
	dnswire_write_header(out, &h);
	off = DNS_HEADER_LEN;
	/* memmove: the caller may render over the query, as XDP does. */
	memmove(out + off, cq->msg + off, cq->question_len);
	off += cq->question_len;

	memcpy(out + off, entry->data, entry->data_len);
	elapsed = xdpdns_secs_since(q->now_ns, entry->stored_ns);
	for (unsigned int i = 0; i < entry->rr_count; i++) {
		uint8_t *p = out + off + entry->ttl_off[i];
		uint32_t ttl = dnswire_get_u32(p);

		dnswire_put_u32(p, ttl > elapsed ? ttl - elapsed : 0);
	}
	off += entry->data_len;

	if (cq->edns)
		off += dnsmsg_write_opt(out + off, q->edns_size, 0, cq->edns_do,
					cq->reply_cookie, cq->reply_cookie_len);
	return (int)off;
}

void cache_entry_stale(const struct xdpdns_cache_entry *e, uint32_t ttl,
		       uint64_t now_ns, struct xdpdns_cache_entry *out)
{
	if (out != e)
		memcpy(out, e, sizeof(*out));
	for (unsigned int i = 0; i < out->rr_count && i < XDPDNS_RR_MAX; i++)
		if (out->ttl_off[i] + 4u <= out->data_len)
			dnswire_put_u32(out->data + out->ttl_off[i], ttl);
	out->ttl = ttl;
	out->stored_ns = now_ns;
	out->expire_ns = now_ns + (uint64_t)ttl * NSEC_PER_SEC;
	out->entry_flags |= XDPDNS_ENTRY_STALE;
}
