// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Query parsing and response encoding for the daemon's own answers.
 *
 * The upstream packet's records are re-encoded, not copied: records are
 * dropped for clients without DO and the question bytes are the client's,
 * so every name is decompressed and compressed again against what we wrote
 * (owner names and the RFC 1035 compressible RDATA names, like unbound).
 * Truncation works on whole RRsets: an RRset that does not fit in the
 * answer or authority section ends the message with TC=1; one that does not
 * fit in the additional section just ends it (RFC 2181 9, unbound's rule).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "maps/xdpdns.h"

#define OPT_RR_LEN (1 + DNSWIRE_RR_FIXED_LEN)
/* Compression targets remembered per response; later names still point. */
#define ENC_TARGETS 512
#define ENC_PTR_MAX 0x3fff

int answer_parse_query(const uint8_t *msg, size_t len, struct answer_query *q)
{
	struct dnswire_header h;
	size_t off = DNSWIRE_HEADER_LEN;
	int n;

	memset(q, 0, sizeof(*q));
	q->msg = msg;
	q->len = len;
	q->udp_size = XDPDNS_UDP_PLAIN_MAX;
	if (dnswire_parse_header(msg, len, &h) || (h.flags & XDPDNS_F_QR))
		return ANSWER_DROP;
	q->id = h.id;
	q->flags = h.flags;
	if (h.flags & XDPDNS_F_OPCODE)
		return ANSWER_NOTIMP;
	/* unbound's worker_check_request(): one question, nothing else. */
	if (h.qdcount != 1 || h.ancount || h.nscount || h.arcount > 1)
		return ANSWER_FORMERR;
	n = dnswire_name_len(msg + off, len - off);
	if (n < 0 || off + n + 4 > len)
		return ANSWER_FORMERR;
	memcpy(q->qname, msg + off, n);
	dnswire_name_lower(q->qname, n);
	q->qname_len = n;
	off += n;
	q->qtype = dnswire_get_u16(msg + off);
	q->qclass = dnswire_get_u16(msg + off + 2);
	off += 4;
	q->question_len = off - DNSWIRE_HEADER_LEN;

	if (h.arcount == 1 && off + OPT_RR_LEN <= len && msg[off] == 0 &&
	    dnswire_get_u16(msg + off + 1) == DNSWIRE_TYPE_OPT) {
		uint32_t ttl = dnswire_get_u32(msg + off + 5);
		uint16_t rdlen = dnswire_get_u16(msg + off + 9);

		if (off + OPT_RR_LEN + rdlen > len)
			return ANSWER_FORMERR;
		q->edns = true;
		q->edns_do = ttl & 0x8000;
		if (dnswire_get_u16(msg + off + 3) > XDPDNS_UDP_PLAIN_MAX)
			q->udp_size = dnswire_get_u16(msg + off + 3);
		if ((ttl >> 16) & 0xff)
			return ANSWER_BADVERS;
	}
	/*
	 * unbound's default access ("allow", not "allow_snoop") refuses
	 * non-recursive queries; so do zone transfers.
	 */
	if (!(q->flags & XDPDNS_F_RD) || q->qtype == DNSWIRE_TYPE_AXFR ||
	    q->qtype == DNSWIRE_TYPE_IXFR)
		return ANSWER_REFUSED;
	if (q->qtype == DNSWIRE_TYPE_OPT || q->qtype == DNSWIRE_TYPE_TSIG ||
	    q->qtype == DNSWIRE_TYPE_TKEY || q->qtype == DNSWIRE_TYPE_MAILA ||
	    q->qtype == DNSWIRE_TYPE_MAILB ||
	    (q->qtype >= 128 && q->qtype <= 248))
		return ANSWER_FORMERR;
	return ANSWER_RESOLVE;
}

int answer_src_parse(const uint8_t *pkt, size_t len, bool secure,
		     struct answer_src *src)
{
	struct dnswire_header h;
	size_t off = DNSWIRE_HEADER_LEN, total;
	int ret;

	memset(src, 0, sizeof(*src));
	src->pkt = pkt;
	src->len = len;
	src->secure = secure;
	if (dnswire_parse_header(pkt, len, &h) || h.qdcount > 1)
		return -EBADMSG;
	src->flags = h.flags;
	for (unsigned int i = 0; i < h.qdcount; i++) {
		ret = dnswire_read_name(pkt, len, &off, NULL);
		if (ret < 0 || off + 4 > len)
			return -EBADMSG;
		off += 4;
	}
	total = (size_t)h.ancount + h.nscount + h.arcount;
	src->rr = calloc(total ? total : 1, sizeof(*src->rr));
	if (!src->rr)
		return -ENOMEM;
	for (size_t i = 0; i < total; i++) {
		struct answer_rr *rr = &src->rr[src->nrr];

		rr->section = i < h.ancount			? 0 :
			      i < (size_t)h.ancount + h.nscount ? 1 :
								  2;
		rr->owner_off = off;
		ret = dnswire_read_name(pkt, len, &off, NULL);
		if (ret < 0 || off + DNSWIRE_RR_FIXED_LEN > len)
			goto bad;
		rr->type = dnswire_get_u16(pkt + off);
		rr->cls = dnswire_get_u16(pkt + off + 2);
		rr->ttl = dnswire_get_u32(pkt + off + 4);
		rr->rdlen = dnswire_get_u16(pkt + off + 8);
		rr->rdata_off = off + DNSWIRE_RR_FIXED_LEN;
		off = rr->rdata_off + rr->rdlen;
		if (off > len)
			goto bad;
		if (rr->type == DNSWIRE_TYPE_RRSIG && rr->rdlen >= 2)
			rr->covered = dnswire_get_u16(pkt + rr->rdata_off);
		if (rr->type != DNSWIRE_TYPE_OPT)
			src->nrr++;
	}
	return 0;
bad:
	answer_src_free(src);
	return -EBADMSG;
}

void answer_src_free(struct answer_src *src)
{
	free(src->rr);
	src->rr = NULL;
	src->nrr = 0;
}

void answer_target_for(struct answer_target *t, const struct answer_query *q,
		       bool tcp, uint16_t edns_size)
{
	memset(t, 0, sizeof(*t));
	t->id = q->id;
	t->qflags = q->flags;
	t->question = q->msg + DNSWIRE_HEADER_LEN;
	t->question_len = q->question_len;
	t->qtype = q->qtype;
	t->dnssec = q->edns_do;
	t->edns = q->edns;
	t->edns_size = edns_size;
	/* As XDP and cache_entry_render(): the client's size, floored at
	 * 512, never above what we advertise (no fragments, Flag Day 2020). */
	t->limit = q->udp_size;
	if (edns_size >= XDPDNS_UDP_PLAIN_MAX && t->limit > edns_size)
		t->limit = edns_size;
	if (tcp)
		t->limit = ANSWER_MAX;
}

struct enc {
	uint8_t *out;
	size_t len;
	unsigned int ntargets;
	uint16_t targets[ENC_TARGETS];
};

/*
 * Whether the (possibly compressed) name at @off of what we wrote equals the
 * uncompressed @name, ignoring ASCII case.
 */
static bool enc_name_at(const struct enc *e, size_t off, const uint8_t *name)
{
	for (int hops = 0; hops < 128; hops++) {
		uint8_t l = e->out[off];

		if ((l & 0xc0) == 0xc0) {
			off = (l & 0x3f) << 8 | e->out[off + 1];
			continue;
		}
		if (l != *name)
			return false;
		if (!l)
			return true;
		for (unsigned int i = 1; i <= l; i++) {
			uint8_t a = e->out[off + i], b = name[i];

			if (a >= 'A' && a <= 'Z')
				a += 'a' - 'A';
			if (b >= 'A' && b <= 'Z')
				b += 'a' - 'A';
			if (a != b)
				return false;
		}
		off += l + 1;
		name += l + 1;
	}
	return false;
}

static int enc_put(struct enc *e, const void *p, size_t n)
{
	if (e->len + n > ANSWER_MAX)
		return -EMSGSIZE;
	memcpy(e->out + e->len, p, n);
	e->len += n;
	return 0;
}

/* Writes uncompressed @name, compressed against earlier names if asked. */
static int enc_name(struct enc *e, const uint8_t *name, size_t name_len,
		    bool compress)
{
	size_t i = 0, match = 0;
	bool found = false;
	uint8_t ptr[2];
	int ret;

	if (compress) {
		for (i = 0; name[i] && !found; i += name[i] + 1) {
			for (unsigned int t = 0; t < e->ntargets; t++) {
				if (enc_name_at(e, e->targets[t], name + i)) {
					match = e->targets[t];
					found = true;
					break;
				}
			}
			if (found)
				break;
		}
	} else {
		i = name_len - 1;
	}
	/* Labels before the match (or the whole name) go out in full. */
	for (size_t l = 0; l < i; l += name[l] + 1)
		if (e->len + l <= ENC_PTR_MAX && e->ntargets < ENC_TARGETS)
			e->targets[e->ntargets++] = e->len + l;
	ret = enc_put(e, name, i);
	if (ret)
		return ret;
	if (found) {
		ptr[0] = 0xc0 | match >> 8;
		ptr[1] = match & 0xff;
		return enc_put(e, ptr, 2);
	}
	return enc_put(e, "", 1);
}

static int enc_rr(struct enc *e, const struct answer_src *src,
		  const struct answer_rr *rr)
{
	uint8_t name[DNSWIRE_NAME_MAX], fixed[DNSWIRE_RR_FIXED_LEN];
	const char *layout = dnswire_rdata_layout(rr->type);
	size_t off = rr->owner_off, rdlen_at, end;
	int n, ret;

	n = dnswire_read_name(src->pkt, src->len, &off, name);
	if (n < 0)
		return -EBADMSG;
	ret = enc_name(e, name, n, true);
	if (ret)
		return ret;
	dnswire_put_u16(fixed, rr->type);
	dnswire_put_u16(fixed + 2, rr->cls);
	dnswire_put_u32(fixed + 4, rr->ttl);
	dnswire_put_u16(fixed + 8, 0);
	ret = enc_put(e, fixed, sizeof(fixed));
	if (ret)
		return ret;
	rdlen_at = e->len - 2;
	if (!layout) {
		ret = enc_put(e, src->pkt + rr->rdata_off, rr->rdlen);
		if (!ret)
			dnswire_put_u16(e->out + rdlen_at, rr->rdlen);
		return ret;
	}

	off = rr->rdata_off;
	end = rr->rdata_off + rr->rdlen;
	for (const char *f = layout; *f; f++) {
		size_t fl;

		if (*f == 'c' || *f == 'n') {
			n = dnswire_read_name(src->pkt, end, &off, name);
			if (n < 0)
				return -EBADMSG;
			ret = enc_name(e, name, n, *f == 'c');
		} else {
			if (*f == 's')
				fl = off < end ? 1 + (size_t)src->pkt[off] : 1;
			else
				fl = *f - '0';
			if (off + fl > end)
				return -EBADMSG;
			ret = enc_put(e, src->pkt + off, fl);
			off += fl;
		}
		if (ret)
			return ret;
	}
	if (off != end)
		return -EBADMSG;
	dnswire_put_u16(e->out + rdlen_at, e->len - rdlen_at - 2);
	return 0;
}

/* unbound's rrset_belongs_in_reply(): DNSSEC types only for DO clients. */
static bool rr_belongs(const struct answer_rr *rr,
		       const struct answer_target *t)
{
	if (t->dnssec)
		return true;
	if (rr->section == 0 &&
	    (t->qtype == DNSWIRE_TYPE_ANY || t->qtype == rr->type))
		return true;
	switch (rr->type) {
	case DNSWIRE_TYPE_SIG:
	case 25: /* KEY */
	case 30: /* NXT */
	case DNSWIRE_TYPE_DS:
	case DNSWIRE_TYPE_RRSIG:
	case DNSWIRE_TYPE_NSEC:
	case DNSWIRE_TYPE_DNSKEY:
	case DNSWIRE_TYPE_NSEC3:
	case 51: /* NSEC3PARAM */
		return false;
	}
	return true;
}

/* Whether @b continues the RRset @a started (same owner, type, class). */
static bool rr_same_set(const struct answer_src *src, const struct answer_rr *a,
			const struct answer_rr *b)
{
	uint8_t na[DNSWIRE_NAME_MAX], nb[DNSWIRE_NAME_MAX];
	size_t oa = a->owner_off, ob = b->owner_off;
	uint16_t ta = a->type == DNSWIRE_TYPE_RRSIG ? a->covered : a->type;
	uint16_t tb = b->type == DNSWIRE_TYPE_RRSIG ? b->covered : b->type;
	int la, lb;

	if (a->section != b->section || ta != tb || a->cls != b->cls)
		return false;
	la = dnswire_read_name(src->pkt, src->len, &oa, na);
	lb = dnswire_read_name(src->pkt, src->len, &ob, nb);
	return la > 0 && lb > 0 && dnswire_name_equal(na, la, nb, lb);
}

int answer_encode(const struct answer_src *src, const struct answer_target *t,
		  uint8_t *out, bool *tc)
{
	struct dnswire_header h = { 0 };
	uint16_t counts[3] = { 0 }, saved_counts[3] = { 0 };
	size_t limit = t->limit, saved_len = 0;
	unsigned int saved_targets = 0;
	const struct answer_rr *set = NULL;
	struct enc *e;
	int ret;

	*tc = false;
	if (limit > ANSWER_MAX)
		limit = ANSWER_MAX;
	if (t->edns)
		limit -= OPT_RR_LEN;
	e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->out = out;
	e->ntargets = 0;
	e->len = DNSWIRE_HEADER_LEN;
	ret = enc_put(e, t->question, t->question_len);
	if (ret)
		goto out;
	/* The question name is the first compression target. */
	for (size_t l = 0; t->question[l]; l += t->question[l] + 1)
		e->targets[e->ntargets++] = DNSWIRE_HEADER_LEN + l;

	for (size_t i = 0; i < src->nrr; i++) {
		const struct answer_rr *rr = &src->rr[i];

		if (!rr_belongs(rr, t))
			continue;
		if (!set || !rr_same_set(src, set, rr)) {
			set = rr;
			saved_len = e->len;
			saved_targets = e->ntargets;
			memcpy(saved_counts, counts, sizeof(counts));
		}
		ret = enc_rr(e, src, rr);
		if (ret && ret != -EMSGSIZE)
			goto out;
		if (ret || e->len > limit) {
			e->len = saved_len;
			e->ntargets = saved_targets;
			memcpy(counts, saved_counts, sizeof(counts));
			*tc = rr->section < 2;
			break;
		}
		counts[rr->section]++;
	}

	h.id = t->id;
	h.flags = XDPDNS_F_QR | XDPDNS_F_RA |
		  (src->flags & (XDPDNS_F_AA | XDPDNS_F_RCODE)) |
		  (t->qflags & (XDPDNS_F_RD | XDPDNS_F_CD));
	if (*tc)
		h.flags |= XDPDNS_F_TC;
	if (src->secure && ((t->qflags & XDPDNS_F_AD) || t->dnssec))
		h.flags |= XDPDNS_F_AD;
	h.qdcount = 1;
	h.ancount = counts[0];
	h.nscount = counts[1];
	h.arcount = counts[2];
	if (t->edns) {
		uint8_t *opt = out + e->len;

		opt[0] = 0;
		dnswire_put_u16(opt + 1, DNSWIRE_TYPE_OPT);
		dnswire_put_u16(opt + 3, t->edns_size);
		dnswire_put_u32(opt + 5, t->dnssec ? 0x8000 : 0);
		dnswire_put_u16(opt + 9, 0);
		e->len += OPT_RR_LEN;
		h.arcount++;
	}
	dnswire_write_header(out, &h);
	ret = (int)e->len;
out:
	free(e);
	return ret;
}

int answer_error(const struct answer_query *q, unsigned int rcode,
		 uint16_t edns_size, uint8_t *out)
{
	struct dnswire_header h = { 0 };
	size_t off = DNSWIRE_HEADER_LEN;

	h.id = q->id;
	h.flags = XDPDNS_F_QR | XDPDNS_F_RA | (rcode & XDPDNS_F_RCODE) |
		  (q->flags & (XDPDNS_F_OPCODE | XDPDNS_F_RD | XDPDNS_F_CD));
	if (q->question_len) {
		h.qdcount = 1;
		memcpy(out + off, q->msg + off, q->question_len);
		off += q->question_len;
	}
	if (q->edns) {
		uint8_t *opt = out + off;

		opt[0] = 0;
		dnswire_put_u16(opt + 1, DNSWIRE_TYPE_OPT);
		dnswire_put_u16(opt + 3, edns_size);
		dnswire_put_u32(opt + 5, (uint32_t)(rcode >> 4) << 24 |
						 (q->edns_do ? 0x8000 : 0));
		dnswire_put_u16(opt + 9, 0);
		off += OPT_RR_LEN;
		h.arcount = 1;
	}
	dnswire_write_header(out, &h);
	return (int)off;
}
