// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Cache entries from DNS responses and responses from cache entries.
 *
 * cache_entry_build() parses a whole response (one validation pass, then one
 * encoding pass) and re-encodes its records against a canonical message: a
 * question at offset 12 of the same name length, sections right after it.
 * Every name is decompressed and compressed again by us, so a pointer in the
 * entry can only reach the question name or names we wrote earlier in
 * data[], whatever the upstream compressor did. cache_entry_render() is the
 * user-space twin of the XDP answer path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cache_entry.h"
#include "lib/dnswire.h"

#define CE_NS_PER_SEC 1000000000ULL
/* Offset of the question name in every message. */
#define CE_QNAME_OFF DNSWIRE_HEADER_LEN
/* The canonical message: header, longest question, largest data[]. */
#define CE_MSG_MAX (DNSWIRE_HEADER_LEN + DNSWIRE_NAME_MAX + 4 + XDPDNS_DATA_MAX)
/*
 * Compression targets remembered: one per label start we wrote. Labels take
 * at least two bytes, so this covers every label of a full message.
 */
#define CE_TARGETS_MAX (CE_MSG_MAX / 2 + 1)
/* Longest pointer target (14 bits). */
#define CE_PTR_MAX 0x3fff
/* RFC 2181 section 8: a TTL with the top bit set means zero. */
#define CE_TTL_MAX 0x7fffffffU

enum ce_section { CE_ANSWER, CE_AUTHORITY, CE_ADDITIONAL };

/*
 * The canonical message being written. msg[] holds a header (never read),
 * the question name at 12 and the sections from base; only offsets past the
 * header are ever compression targets.
 */
struct ce_writer {
	uint8_t msg[CE_MSG_MAX];
	size_t base; /* offset of data[0] in msg */
	size_t len; /* bytes used in msg */
	unsigned int ntargets;
	uint16_t target_off[CE_TARGETS_MAX];
	uint16_t target_len[CE_TARGETS_MAX]; /* name length from there */
};

/* What the validation pass learns about a response. */
struct ce_scan {
	struct dnswire_header h;
	size_t qname_len;
	uint8_t qname[DNSWIRE_NAME_MAX];
	uint16_t qtype;
	uint16_t qclass;
	size_t sections_off; /* first byte after the question */
	unsigned int rr_count; /* records kept (OPT excluded) */
	bool have_opt;
	bool have_soa;
	uint32_t soa_ttl; /* TTL and MINIMUM of the first authority SOA */
	uint32_t soa_minimum;
	int refusal; /* first non-structural reason to refuse, or 0 */
};

/* Query types that never have a cacheable answer over UDP. */
static bool ce_qtype_unsupported(uint16_t qtype)
{
	return qtype == 0 || qtype == DNSWIRE_TYPE_OPT ||
	       (qtype >= DNSWIRE_TYPE_TKEY && qtype <= DNSWIRE_TYPE_MAILA);
}

static int ce_write(struct ce_writer *w, const void *p, size_t n)
{
	if (w->len + n > w->base + XDPDNS_DATA_MAX)
		return -CACHE_ENTRY_ETOOBIG;
	memcpy(w->msg + w->len, p, n);
	w->len += n;
	return 0;
}

static int ce_write_u16(struct ce_writer *w, uint16_t v)
{
	uint8_t b[2];

	dnswire_put_u16(b, v);
	return ce_write(w, b, sizeof(b));
}

static void ce_add_target(struct ce_writer *w, size_t off, size_t name_len)
{
	/* Out of slots only costs compression, never correctness. */
	if (w->ntargets >= CE_TARGETS_MAX || off > CE_PTR_MAX)
		return;
	w->target_off[w->ntargets] = off;
	w->target_len[w->ntargets] = name_len;
	w->ntargets++;
}

/* A target whose name equals @name (uncompressed, @len bytes), or -1. */
static int ce_find_target(const struct ce_writer *w, const uint8_t *name,
			  size_t len)
{
	uint8_t buf[DNSWIRE_NAME_MAX];

	for (unsigned int i = 0; i < w->ntargets; i++) {
		size_t off = w->target_off[i];
		int ret;

		if (w->target_len[i] != len)
			continue;
		ret = dnswire_read_name(w->msg, w->len, &off, buf);
		if (ret == (int)len && dnswire_name_equal(buf, ret, name, len))
			return w->target_off[i];
	}
	return -1;
}

/*
 * Writes an uncompressed name. With @compress the longest suffix already in
 * the message becomes a pointer and the labels written become targets;
 * without it the name goes out in full and is never pointed at.
 */
static int ce_write_name(struct ce_writer *w, const uint8_t *name, size_t len,
			 bool compress)
{
	size_t pos = 0, start = w->len;
	int target = -1, ret;

	if (compress) {
		for (pos = 0; name[pos]; pos += name[pos] + 1) {
			target = ce_find_target(w, name + pos, len - pos);
			if (target >= 0)
				break;
		}
	} else {
		pos = len - 1;
	}
	ret = ce_write(w, name, pos);
	if (ret)
		return ret;
	if (target >= 0)
		ret = ce_write_u16(w, 0xc000 | target);
	else
		ret = ce_write(w, "", 1);
	if (ret || !compress)
		return ret;
	for (size_t i = 0; i < pos; i += name[i] + 1)
		ce_add_target(w, start + i, len - i);
	return 0;
}

/*
 * Walks the RDATA at resp[rd..rd + rdlen) following @layout (NULL: opaque);
 * with @w set it also writes the re-encoded RDATA.
 * Return: 0 or -CACHE_ENTRY_E*.
 */
static int ce_walk_rdata(const uint8_t *resp, size_t len, size_t rd,
			 size_t rdlen, const char *layout, struct ce_writer *w)
{
	size_t end = rd + rdlen, pos = rd;
	int ret;

	if (!layout) /* opaque */
		return w ? ce_write(w, resp + rd, rdlen) : 0;
	for (const char *f = layout; *f; f++) {
		uint8_t name[DNSWIRE_NAME_MAX];
		size_t n;

		switch (*f) {
		case 'c':
		case 'n':
			ret = dnswire_read_name(resp, len, &pos, name);
			if (ret == -EMSGSIZE)
				return -CACHE_ENTRY_EUNSUPPORTED;
			if (ret < 0 || pos > end)
				return -CACHE_ENTRY_EMALFORMED;
			if (w) {
				ret = ce_write_name(w, name, ret, *f == 'c');
				if (ret)
					return ret;
			}
			continue;
		case 's':
			if (pos >= end)
				return -CACHE_ENTRY_EMALFORMED;
			n = 1 + resp[pos];
			break;
		default:
			n = *f - '0';
			break;
		}
		if (pos + n > end)
			return -CACHE_ENTRY_EMALFORMED;
		if (w) {
			ret = ce_write(w, resp + pos, n);
			if (ret)
				return ret;
		}
		pos += n;
	}
	return pos == end ? 0 : -CACHE_ENTRY_EMALFORMED;
}

static void ce_refuse(struct ce_scan *s, int err)
{
	if (!s->refusal)
		s->refusal = err;
}

/*
 * Validation pass: header, question, every record. Structural errors return
 * at once; policy refusals are remembered in s->refusal so that a malformed
 * message is always reported as malformed.
 */
static int ce_scan_response(const uint8_t *resp, size_t len, struct ce_scan *s)
{
	unsigned int total, rcode;
	size_t off = CE_QNAME_OFF;
	int ret;

	if (dnswire_parse_header(resp, len, &s->h))
		return -CACHE_ENTRY_EMALFORMED;
	rcode = s->h.flags & XDPDNS_F_RCODE;
	if (!(s->h.flags & XDPDNS_F_QR) || (s->h.flags & XDPDNS_F_OPCODE) ||
	    (s->h.flags & XDPDNS_F_TC) ||
	    (rcode != DNSWIRE_RCODE_NOERROR && rcode != DNSWIRE_RCODE_NXDOMAIN))
		ce_refuse(s, -CACHE_ENTRY_ENOTCACHEABLE);
	if (s->h.qdcount != 1)
		return s->refusal ?: -CACHE_ENTRY_ENOTCACHEABLE;

	ret = dnswire_read_name(resp, len, &off, s->qname);
	if (ret == -EMSGSIZE)
		return -CACHE_ENTRY_EUNSUPPORTED;
	if (ret < 0 || off + 4 > len)
		return -CACHE_ENTRY_EMALFORMED;
	s->qname_len = ret;
	s->qtype = dnswire_get_u16(resp + off);
	s->qclass = dnswire_get_u16(resp + off + 2);
	off += 4;
	s->sections_off = off;
	if (s->qclass != DNSWIRE_CLASS_IN || ce_qtype_unsupported(s->qtype))
		ce_refuse(s, -CACHE_ENTRY_EUNSUPPORTED);

	total = s->h.ancount + s->h.nscount + s->h.arcount;
	for (unsigned int i = 0; i < total; i++) {
		enum ce_section sec = i < s->h.ancount ? CE_ANSWER :
				      i < s->h.ancount + s->h.nscount ?
							 CE_AUTHORITY :
							 CE_ADDITIONAL;
		size_t owner = off, rd;
		uint16_t type, rdlen;
		uint32_t ttl;

		ret = dnswire_read_name(resp, len, &off, NULL);
		if (ret == -EMSGSIZE)
			return -CACHE_ENTRY_EUNSUPPORTED;
		if (ret < 0 || off + DNSWIRE_RR_FIXED_LEN > len)
			return -CACHE_ENTRY_EMALFORMED;
		type = dnswire_get_u16(resp + off);
		ttl = dnswire_get_u32(resp + off + 4);
		rdlen = dnswire_get_u16(resp + off + 8);
		rd = off + DNSWIRE_RR_FIXED_LEN;
		if (rd + rdlen > len)
			return -CACHE_ENTRY_EMALFORMED;
		off = rd + rdlen;

		if (type == DNSWIRE_TYPE_OPT) {
			/* RFC 6891 6.1.1: one OPT, additional section, root. */
			if (sec != CE_ADDITIONAL || s->have_opt ||
			    resp[owner] != 0)
				return -CACHE_ENTRY_EMALFORMED;
			s->have_opt = true;
			/* Extended rcode bits: BADVERS, BADCOOKIE, ... */
			if (ttl >> 24)
				ce_refuse(s, -CACHE_ENTRY_ENOTCACHEABLE);
			continue;
		}
		/* Signed transactions belong to one exchange, not a cache. */
		if (type == DNSWIRE_TYPE_TSIG ||
		    (type == DNSWIRE_TYPE_SIG && rdlen >= 2 &&
		     dnswire_get_u16(resp + rd) == 0))
			ce_refuse(s, -CACHE_ENTRY_ENOTCACHEABLE);

		ret = ce_walk_rdata(resp, len, rd, rdlen,
				    dnswire_rdata_layout(type), NULL);
		if (ret)
			return ret;
		if (sec == CE_AUTHORITY && type == DNSWIRE_TYPE_SOA &&
		    !s->have_soa) {
			s->have_soa = true;
			s->soa_ttl = ttl;
			s->soa_minimum = dnswire_get_u32(resp + off - 4);
		}
		s->rr_count++;
	}
	if (off != len)
		return -CACHE_ENTRY_EMALFORMED; /* trailing bytes */
	if (s->refusal)
		return s->refusal;
	if (s->rr_count > XDPDNS_RR_MAX)
		return -CACHE_ENTRY_ETOOMANY;
	return 0;
}

static uint32_t ce_ttl_clamp(uint32_t ttl)
{
	return ttl > CE_TTL_MAX ? 0 : ttl;
}

/*
 * The TTL the negative part of a response carries (RFC 2308 section 5:
 * min(SOA TTL, SOA MINIMUM)), or 0 when it cannot be cached: also without
 * an SOA, which section 5 says SHOULD NOT be cached (unbound agrees).
 */
static uint32_t ce_negative_ttl(const struct ce_scan *s,
				const struct cache_entry_opts *opts)
{
	uint32_t ttl;

	if (!s->have_soa)
		return 0;
	ttl = ce_ttl_clamp(s->soa_ttl);
	if (ce_ttl_clamp(s->soa_minimum) < ttl)
		ttl = ce_ttl_clamp(s->soa_minimum);
	if (opts->max_negative_ttl && ttl > opts->max_negative_ttl)
		ttl = opts->max_negative_ttl;
	return ttl;
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

/* Encoding pass over a response ce_scan_response() accepted. */
static int ce_encode(const uint8_t *resp, size_t len, const struct ce_scan *s,
		     const struct cache_entry_opts *opts, bool negative,
		     uint32_t neg_ttl, struct ce_writer *w,
		     struct xdpdns_cache_entry *entry)
{
	unsigned int total = s->h.ancount + s->h.nscount + s->h.arcount;
	size_t off = s->sections_off;
	unsigned int n = 0;
	int ret;

	/* The question the XDP program answers after: name only matters. */
	memset(w->msg, 0, DNSWIRE_HEADER_LEN);
	memcpy(w->msg + CE_QNAME_OFF, s->qname, s->qname_len);
	memset(w->msg + CE_QNAME_OFF + s->qname_len, 0, 4);
	w->base = CE_QNAME_OFF + s->qname_len + 4;
	w->len = w->base;
	w->ntargets = 0;
	for (size_t i = 0; s->qname[i]; i += s->qname[i] + 1)
		ce_add_target(w, CE_QNAME_OFF + i, s->qname_len - i);

	/*
	 * The authority and additional records of a negative answer carry
	 * the negative TTL; its answer section (the CNAMEs that led to the
	 * name that does not exist) keeps their own, as unbound sends them.
	 */
	entry->ttl = negative ? neg_ttl : UINT32_MAX;
	for (unsigned int i = 0; i < total; i++) {
		uint8_t owner[DNSWIRE_NAME_MAX], ttl_be[4];
		uint16_t type, rdlen;
		size_t rd, rdlen_at;
		uint32_t ttl;

		ret = dnswire_read_name(resp, len, &off, owner);
		if (ret < 0)
			return -CACHE_ENTRY_EMALFORMED; /* scan said no */
		type = dnswire_get_u16(resp + off);
		ttl = dnswire_get_u32(resp + off + 4);
		rdlen = dnswire_get_u16(resp + off + 8);
		rd = off + DNSWIRE_RR_FIXED_LEN;
		off = rd + rdlen;
		if (type == DNSWIRE_TYPE_OPT)
			continue;

		ttl = negative && i >= s->h.ancount ?
			      neg_ttl :
			      ce_positive_ttl(ttl, opts);
		if (ttl < entry->ttl)
			entry->ttl = ttl;
		ret = ce_write_name(w, owner, ret, true);
		if (ret)
			return ret;
		/* type and class, as received */
		ret = ce_write(w, resp + rd - DNSWIRE_RR_FIXED_LEN, 4);
		if (ret)
			return ret;
		entry->ttl_off[n++] = w->len - w->base;
		dnswire_put_u32(ttl_be, ttl);
		ret = ce_write(w, ttl_be, sizeof(ttl_be));
		if (ret)
			return ret;
		rdlen_at = w->len;
		ret = ce_write_u16(w, 0);
		if (ret)
			return ret;
		ret = ce_walk_rdata(resp, len, rd, rdlen,
				    dnswire_rdata_layout(type), w);
		if (ret)
			return ret;
		dnswire_put_u16(w->msg + rdlen_at, w->len - rdlen_at - 2);
	}
	entry->rr_count = n;
	return 0;
}

int cache_entry_build(const uint8_t *resp, size_t len,
		      const struct cache_entry_opts *opts,
		      struct xdpdns_cache_key *key,
		      struct xdpdns_cache_entry *entry)
{
	struct ce_writer w; /* about 4.5 KiB: no allocation to fail */
	struct ce_scan s = { 0 };
	uint32_t neg_ttl = 0;
	bool negative;
	int ret;

	memset(key, 0, sizeof(*key));
	memset(entry, 0, sizeof(*entry));
	ret = ce_scan_response(resp, len, &s);
	if (ret)
		goto out;

	/* RFC 2308: NXDOMAIN, or NOERROR with an empty answer (NODATA). */
	negative = (s.h.flags & XDPDNS_F_RCODE) == DNSWIRE_RCODE_NXDOMAIN ||
		   s.h.ancount == 0;
	if (negative) {
		neg_ttl = ce_negative_ttl(&s, opts);
		if (!neg_ttl) {
			ret = -CACHE_ENTRY_ENOTCACHEABLE;
			goto out;
		}
	}

	ret = ce_encode(resp, len, &s, opts, negative, neg_ttl, &w, entry);
	if (ret)
		goto out;
	if (entry->ttl == 0) {
		ret = -CACHE_ENTRY_ENOTCACHEABLE;
		goto out;
	}

	memcpy(key->qname, s.qname, s.qname_len);
	dnswire_name_lower(key->qname, s.qname_len);
	/* The map is keyed by a hash of the name: the entry holds it. */
	memcpy(entry->qname, key->qname, s.qname_len);
	key->flags = opts->key_flags;
	key->qtype = s.qtype;
	key->qclass = s.qclass;

	entry->data_len = w.len - w.base;
	memcpy(entry->data, w.msg + w.base, entry->data_len);
	entry->stored_ns = opts->now_ns;
	entry->expire_ns = opts->now_ns + entry->ttl * CE_NS_PER_SEC;
	entry->flags = s.h.flags & (XDPDNS_F_AA | XDPDNS_F_RCODE);
	if (opts->validated) {
		entry->flags |= s.h.flags & XDPDNS_F_AD;
		entry->entry_flags |= XDPDNS_ENTRY_VALIDATED;
	}
	entry->ancount = s.h.ancount;
	entry->nscount = s.h.nscount;
	entry->arcount = s.h.arcount - s.have_opt;
	entry->data_csum = ce_data_csum(entry);
out:
	if (ret) {
		memset(key, 0, sizeof(*key));
		memset(entry, 0, sizeof(*entry));
	}
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
	default:
		return "unknown cache entry error";
	}
}

/* What the XDP program reads from a query before it answers. */
struct ce_query {
	uint16_t id;
	uint16_t flags;
	size_t question_len; /* name, type and class */
	bool edns;
	bool edns_do;
	uint16_t udp_size;
};

/* Same acceptance rules as the XDP parser; anything else it passes up. */
static int ce_parse_query(const uint8_t *msg, size_t len, struct ce_query *cq)
{
	struct dnswire_header h;
	size_t off = CE_QNAME_OFF;
	uint16_t rdlen;
	int ret;

	if (dnswire_parse_header(msg, len, &h))
		return -EINVAL;
	/* As XDP: RD=0 (cache snooping) is not served from the cache. */
	if ((h.flags & (XDPDNS_F_QR | XDPDNS_F_OPCODE | XDPDNS_F_TC)) ||
	    !(h.flags & XDPDNS_F_RD) || h.qdcount != 1 || h.ancount ||
	    h.nscount || h.arcount > 1)
		return -EINVAL;
	ret = dnswire_name_len(msg + off, len - off);
	if (ret < 0)
		return -EINVAL; /* compressed, reserved label type, too long */
	off += ret;
	if (off + 4 > len || dnswire_get_u16(msg + off + 2) != DNSWIRE_CLASS_IN)
		return -EINVAL;
	off += 4;
	cq->id = h.id;
	cq->flags = h.flags;
	cq->question_len = off - CE_QNAME_OFF;
	cq->edns = h.arcount == 1;
	if (!cq->edns)
		return off == len ? 0 : -EINVAL;

	/* Root owner, type OPT, EDNS version 0, nothing after it. */
	if (off + 1 + DNSWIRE_RR_FIXED_LEN > len || msg[off] != 0 ||
	    dnswire_get_u16(msg + off + 1) != DNSWIRE_TYPE_OPT ||
	    msg[off + 6] != 0)
		return -EINVAL;
	cq->udp_size = dnswire_get_u16(msg + off + 3);
	cq->edns_do = dnswire_get_u16(msg + off + 7) & 0x8000;
	rdlen = dnswire_get_u16(msg + off + 9);
	/*
	 * Options (cookies, padding, ...) are not even parsed: RFC 6891 6.1.2
	 * lets a responder ignore what it does not implement, and the XDP
	 * program does exactly that.
	 */
	return off + 1 + DNSWIRE_RR_FIXED_LEN + rdlen == len ? 0 : -EINVAL;
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
	struct ce_query cq = { 0 };
	size_t need, limit, off;
	uint64_t elapsed;
	uint8_t *opt;

	if (ce_parse_query(q->msg, q->len, &cq) || !ce_entry_sane(entry)) {
		errno = EINVAL;
		return -1;
	}
	if (!xdpdns_time_before(q->now_ns, entry->expire_ns)) {
		errno = ESTALE;
		return -1;
	}
	need = DNSWIRE_HEADER_LEN + cq.question_len + entry->data_len +
	       (cq.edns ? 1 + DNSWIRE_RR_FIXED_LEN : 0);
	/* RFC 6891 6.2.5: the client's size, floored at 512; and never more
	 * than we advertise ourselves, so answers stay below fragmentation
	 * (DNS Flag Day 2020) and larger ones go to TCP. */
	limit = XDPDNS_UDP_PLAIN_MAX;
	if (cq.edns && cq.udp_size > limit)
		limit = cq.udp_size;
	if (cq.edns && q->edns_size >= XDPDNS_UDP_PLAIN_MAX &&
	    limit > q->edns_size)
		limit = q->edns_size;
	if (need > limit || need > cap) {
		errno = EMSGSIZE;
		return -1;
	}

	h.id = cq.id;
	h.flags = XDPDNS_F_QR | XDPDNS_F_RA |
		  (entry->flags & (XDPDNS_F_AA | XDPDNS_F_RCODE)) |
		  (cq.flags & (XDPDNS_F_RD | XDPDNS_F_CD));
	if ((entry->entry_flags & XDPDNS_ENTRY_VALIDATED) &&
	    ((cq.flags & XDPDNS_F_AD) || cq.edns_do))
		h.flags |= XDPDNS_F_AD;
	h.qdcount = 1;
	h.ancount = entry->ancount;
	h.nscount = entry->nscount;
	h.arcount = entry->arcount + cq.edns;
	dnswire_write_header(out, &h);
	off = DNSWIRE_HEADER_LEN;
	/* memmove: the caller may render over the query, as XDP does. */
	memmove(out + off, q->msg + off, cq.question_len);
	off += cq.question_len;

	memcpy(out + off, entry->data, entry->data_len);
	elapsed = xdpdns_secs_since(q->now_ns, entry->stored_ns);
	for (unsigned int i = 0; i < entry->rr_count; i++) {
		uint8_t *p = out + off + entry->ttl_off[i];
		uint32_t ttl = dnswire_get_u32(p);

		dnswire_put_u32(p, ttl > elapsed ? ttl - elapsed : 0);
	}
	off += entry->data_len;

	if (cq.edns) {
		opt = out + off;
		opt[0] = 0; /* root owner */
		dnswire_put_u16(opt + 1, DNSWIRE_TYPE_OPT);
		dnswire_put_u16(opt + 3, q->edns_size);
		dnswire_put_u32(opt + 5, cq.edns_do ? 0x8000 : 0);
		dnswire_put_u16(opt + 9, 0);
		off += 1 + DNSWIRE_RR_FIXED_LEN;
	}
	return (int)off;
}
