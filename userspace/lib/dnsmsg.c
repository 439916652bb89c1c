// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Parsing queries and responses once, and the one writer every encoder
 * shares. See dnsmsg.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnsmsg.h"
#include "maps/xdpdns.h"

/* Longest pointer target (14 bits). */
#define DNSMSG_PTR_MAX 0x3fff

/*
 * The first COOKIE option among the @rdlen bytes of EDNS options at @msg +
 * @off, into @q->cookie_off and @q->cookie_len, also when no cookie can
 * have its length: whether that is FORMERR (RFC 7873 5.2.2) depends on
 * cookies being on, which the cookie check decides (cookies_check()), as
 * XDP does. Options after one that overruns the record are not looked at.
 */
static void dnsmsg_find_cookie(const uint8_t *msg, size_t off, size_t rdlen,
			       struct dnsmsg_query *q)
{
	size_t end = off + rdlen, olen;

	for (; off + 4 <= end; off += 4 + olen) {
		olen = dnswire_get_u16(msg + off + 2);
		if (off + 4 + olen > end)
			return;
		if (dnswire_get_u16(msg + off) != DNS_OPT_COOKIE)
			continue;
		q->cookie_off = off + 4;
		q->cookie_len = olen;
		return;
	}
}

int dnsmsg_parse_query(const uint8_t *msg, size_t len, struct dnsmsg_query *q)
{
	struct dnswire_header h;
	size_t off = DNS_HEADER_LEN;
	uint32_t ttl = 0;
	bool opt = false;
	int n;

	memset(q, 0, sizeof(*q));
	q->msg = msg;
	q->len = len;
	q->udp_size = DNS_UDP_PLAIN_MAX;
	if (dnswire_parse_header(msg, len, &h) || (h.flags & DNS_F_QR))
		return DNSMSG_DROP;
	q->id = h.id;
	q->flags = h.flags;
	if (h.flags & DNS_F_OPCODE)
		return DNSMSG_NOTIMP;
	/* unbound's worker_check_request(): one question, nothing else. */
	if (h.qdcount != 1 || h.ancount || h.nscount || h.arcount > 1)
		return DNSMSG_FORMERR;
	n = dnswire_name_len(msg + off, len - off);
	if (n < 0 || off + n + 4 > len)
		return DNSMSG_FORMERR;
	memcpy(q->qname, msg + off, n);
	dnswire_name_lower(q->qname, n);
	q->qname_len = n;
	off += n;
	q->qtype = dnswire_get_u16(msg + off);
	q->qclass = dnswire_get_u16(msg + off + 2);
	off += 4;
	q->question_len = off - DNS_HEADER_LEN;

	if (h.arcount == 1 && off + DNS_OPT_LEN <= len && msg[off] == 0 &&
	    dnswire_get_u16(msg + off + 1) == DNS_TYPE_OPT) {
		uint16_t rdlen = dnswire_get_u16(msg + off + 9);

		ttl = dnswire_get_u32(msg + off + 5);
		if (off + DNS_OPT_LEN + rdlen > len)
			return DNSMSG_FORMERR;
		q->edns = true;
		q->edns_do = ttl & 0x8000;
		if (dnswire_get_u16(msg + off + 3) > DNS_UDP_PLAIN_MAX)
			q->udp_size = dnswire_get_u16(msg + off + 3);
		dnsmsg_find_cookie(msg, off + DNS_OPT_LEN, rdlen, q);
		off += DNS_OPT_LEN + rdlen;
		opt = true;
	}
	/*
	 * What XDP serves: options (cookies, padding, ...) are not parsed,
	 * as RFC 6891 6.1.2 lets a responder ignore what it does not
	 * implement; an extended rcode in a query is ignored as well.
	 */
	q->xdp_shape = (h.flags & DNS_F_RD) && !(h.flags & DNS_F_TC) &&
		       q->qclass == DNS_CLASS_IN && (h.arcount == 0 || opt) &&
		       !((ttl >> 16) & 0xff) && off == len;
	if ((ttl >> 16) & 0xff)
		return DNSMSG_BADVERS;
	/*
	 * unbound's default access ("allow", not "allow_snoop") refuses
	 * non-recursive queries; so do zone transfers.
	 */
	if (!(q->flags & DNS_F_RD) || q->qtype == DNS_TYPE_AXFR ||
	    q->qtype == DNS_TYPE_IXFR)
		return DNSMSG_REFUSED;
	if (q->qtype == DNS_TYPE_OPT || q->qtype == DNS_TYPE_TSIG ||
	    q->qtype == DNS_TYPE_TKEY || q->qtype == DNS_TYPE_MAILA ||
	    q->qtype == DNS_TYPE_MAILB || (q->qtype >= 128 && q->qtype <= 248))
		return DNSMSG_FORMERR;
	return DNSMSG_RESOLVE;
}

/*
 * Walks the RDATA of @rr along its layout: every name readable and inside
 * RDLENGTH, every field present, nothing left over.
 */
static int dnsmsg_check_rdata(const uint8_t *pkt, size_t len,
			      const struct dnsmsg_rr *rr)
{
	const char *layout = dnswire_rdata_layout(rr->type);
	size_t pos = rr->rdata_off, end = rr->rdata_off + rr->rdlen;
	int ret;

	if (!layout)
		return 0;
	for (const char *f = layout; *f; f++) {
		size_t n;

		switch (*f) {
		case 'c':
		case 'n':
			ret = dnswire_read_name(pkt, len, &pos, NULL);
			if (ret < 0)
				return ret;
			if (pos > end)
				return -EBADMSG;
			continue;
		case 's':
			if (pos >= end)
				return -EBADMSG;
			n = 1 + pkt[pos];
			break;
		default:
			n = *f - '0';
			break;
		}
		if (pos + n > end)
			return -EBADMSG;
		pos += n;
	}
	return pos == end ? 0 : -EBADMSG;
}

int dnsmsg_parse(const uint8_t *pkt, size_t len, struct dnsmsg *m)
{
	size_t off = DNS_HEADER_LEN, total;
	int ret;

	memset(m, 0, sizeof(*m));
	m->pkt = pkt;
	m->len = len;
	if (dnswire_parse_header(pkt, len, &m->h) || m->h.qdcount > 1)
		return -EBADMSG;
	if (m->h.qdcount) {
		ret = dnswire_read_name(pkt, len, &off, m->qname);
		if (ret < 0)
			return ret;
		if (off + 4 > len)
			return -EBADMSG;
		m->qname_len = ret;
		m->qtype = dnswire_get_u16(pkt + off);
		m->qclass = dnswire_get_u16(pkt + off + 2);
		off += 4;
	}
	total = (size_t)m->h.ancount + m->h.nscount + m->h.arcount;
	/* A record takes at least 11 bytes: no count can make us allocate
	 * more than the packet could hold. */
	if (total > (len - off) / (1 + DNS_RR_FIXED_LEN))
		return -EBADMSG;
	m->rr = calloc(total ? total : 1, sizeof(*m->rr));
	if (!m->rr)
		return -ENOMEM;
	for (size_t i = 0; i < total; i++) {
		struct dnsmsg_rr *rr = &m->rr[m->nrr];
		size_t owner = off;

		rr->section = i < m->h.ancount ? DNSMSG_ANSWER :
			      i < (size_t)m->h.ancount + m->h.nscount ?
						 DNSMSG_AUTHORITY :
						 DNSMSG_ADDITIONAL;
		ret = dnswire_read_name(pkt, len, &off, rr->owner);
		if (ret < 0)
			goto bad;
		rr->owner_len = ret;
		ret = -EBADMSG;
		if (off + DNS_RR_FIXED_LEN > len)
			goto bad;
		rr->type = dnswire_get_u16(pkt + off);
		rr->cls = dnswire_get_u16(pkt + off + 2);
		rr->ttl = dnswire_get_u32(pkt + off + 4);
		rr->rdlen = dnswire_get_u16(pkt + off + 8);
		rr->rdata_off = off + DNS_RR_FIXED_LEN;
		off = rr->rdata_off + rr->rdlen;
		if (off > len)
			goto bad;
		if (rr->type == DNS_TYPE_OPT) {
			/* RFC 6891 6.1.1: one OPT, additional section, root. */
			if (rr->section != DNSMSG_ADDITIONAL || m->have_opt ||
			    pkt[owner] != 0)
				goto bad;
			m->have_opt = true;
			m->opt_ttl = rr->ttl;
			continue;
		}
		ret = dnsmsg_check_rdata(pkt, len, rr);
		if (ret)
			goto bad;
		if (rr->type == DNS_TYPE_RRSIG && rr->rdlen >= 2)
			rr->covered = dnswire_get_u16(pkt + rr->rdata_off);
		m->nrr++;
	}
	if (off != len) {
		ret = -EBADMSG; /* trailing bytes */
		goto bad;
	}
	return 0;
bad:
	dnsmsg_free(m);
	return ret;
}

void dnsmsg_free(struct dnsmsg *m)
{
	free(m->rr);
	m->rr = NULL;
	m->nrr = 0;
}

bool dnsmsg_rr_belongs(const struct dnsmsg_rr *rr, uint16_t qtype, bool dnssec)
{
	if (dnssec)
		return true;
	if (rr->section == DNSMSG_ANSWER &&
	    (qtype == DNS_TYPE_ANY || qtype == rr->type))
		return true;
	switch (rr->type) {
	case DNS_TYPE_SIG:
	case DNS_TYPE_KEY:
	case DNS_TYPE_NXT:
	case DNS_TYPE_DS:
	case DNS_TYPE_RRSIG:
	case DNS_TYPE_NSEC:
	case DNS_TYPE_DNSKEY:
	case DNS_TYPE_NSEC3:
	case DNS_TYPE_NSEC3PARAM:
		return false;
	}
	return true;
}

bool dnsmsg_rr_same_set(const struct dnsmsg_rr *a, const struct dnsmsg_rr *b)
{
	uint16_t ta = a->type == DNS_TYPE_RRSIG ? a->covered : a->type;
	uint16_t tb = b->type == DNS_TYPE_RRSIG ? b->covered : b->type;

	return a->section == b->section && ta == tb && a->cls == b->cls &&
	       dnswire_name_equal(a->owner, a->owner_len, b->owner,
				  b->owner_len);
}

static void dnsmsg_add_target(struct dnsmsg_writer *w, size_t off,
			      size_t name_len)
{
	/* Out of slots only costs compression, never correctness. */
	if (w->ntargets >= DNSMSG_TARGETS || off > DNSMSG_PTR_MAX)
		return;
	w->target_off[w->ntargets] = off;
	w->target_len[w->ntargets] = name_len;
	w->ntargets++;
}

/* Labels of the name at @off (uncompressed up to a pointer) as targets. */
static void dnsmsg_add_targets(struct dnsmsg_writer *w, size_t off,
			       const uint8_t *name, size_t name_len,
			       size_t upto)
{
	for (size_t i = 0; i < upto; i += name[i] + 1)
		dnsmsg_add_target(w, off + i, name_len - i);
}

int dnsmsg_writer_init(struct dnsmsg_writer *w, uint8_t *buf, size_t cap,
		       const uint8_t *question, size_t question_len)
{
	int n;

	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->ntargets = 0;
	if (cap < DNS_HEADER_LEN)
		return -EMSGSIZE;
	memset(buf, 0, DNS_HEADER_LEN);
	w->len = DNS_HEADER_LEN;
	if (dnsmsg_put(w, question, question_len))
		return -EMSGSIZE;
	n = dnswire_name_len(question, question_len);
	if (n > 0)
		dnsmsg_add_targets(w, DNS_HEADER_LEN, question, n, n - 1);
	return 0;
}

int dnsmsg_put(struct dnsmsg_writer *w, const void *p, size_t n)
{
	if (n > w->cap - w->len)
		return -EMSGSIZE;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

/*
 * Whether the name written at @off (possibly ending in a pointer) equals the
 * uncompressed @name, ignoring ASCII case. Targets only ever point back to
 * names we wrote, so every hop goes backwards and ends.
 */
static bool dnsmsg_name_at(const struct dnsmsg_writer *w, size_t off,
			   const uint8_t *name)
{
	for (;;) {
		uint8_t l = w->buf[off];

		if ((l & 0xc0) == 0xc0) {
			off = (l & 0x3f) << 8 | w->buf[off + 1];
			continue;
		}
		if (l != *name)
			return false;
		if (!l)
			return true;
		for (unsigned int i = 1; i <= l; i++) {
			uint8_t a = w->buf[off + i], b = name[i];

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
}

/* A target holding @name (uncompressed, @len bytes), or -1. */
static int dnsmsg_find_target(const struct dnsmsg_writer *w,
			      const uint8_t *name, size_t len)
{
	for (unsigned int i = 0; i < w->ntargets; i++)
		if (w->target_len[i] == len &&
		    dnsmsg_name_at(w, w->target_off[i], name))
			return w->target_off[i];
	return -1;
}

int dnsmsg_put_name(struct dnsmsg_writer *w, const uint8_t *name, size_t len,
		    bool compress)
{
	size_t pos = len - 1, start = w->len;
	int target = -1;
	uint8_t ptr[2];

	if (compress) {
		for (pos = 0; name[pos]; pos += name[pos] + 1) {
			target = dnsmsg_find_target(w, name + pos, len - pos);
			if (target >= 0)
				break;
		}
	}
	if (pos + (target >= 0 ? 2 : 1) > w->cap - w->len)
		return -EMSGSIZE;
	dnsmsg_put(w, name, pos);
	if (target >= 0) {
		ptr[0] = 0xc0 | target >> 8;
		ptr[1] = target & 0xff;
		dnsmsg_put(w, ptr, 2);
	} else {
		dnsmsg_put(w, "", 1);
	}
	if (compress)
		dnsmsg_add_targets(w, start, name, len, pos);
	return 0;
}

/* RDATA of @rr re-encoded along its layout (parsing checked it). */
static int dnsmsg_put_rdata(struct dnsmsg_writer *w, const struct dnsmsg *m,
			    const struct dnsmsg_rr *rr)
{
	const char *layout = dnswire_rdata_layout(rr->type);
	size_t pos = rr->rdata_off;
	int ret;

	if (!layout)
		return dnsmsg_put(w, m->pkt + pos, rr->rdlen);
	for (const char *f = layout; *f; f++) {
		uint8_t name[DNS_NAME_MAX];
		size_t n;

		if (*f == 'c' || *f == 'n') {
			ret = dnswire_read_name(m->pkt, m->len, &pos, name);
			if (ret < 0)
				return -EBADMSG; /* parsing said no */
			ret = dnsmsg_put_name(w, name, ret, *f == 'c');
		} else {
			n = *f == 's' ? 1 + (size_t)m->pkt[pos] :
					(size_t)(*f - '0');
			ret = dnsmsg_put(w, m->pkt + pos, n);
			pos += n;
		}
		if (ret)
			return ret;
	}
	return 0;
}

int dnsmsg_put_rr(struct dnsmsg_writer *w, const struct dnsmsg *m,
		  const struct dnsmsg_rr *rr, uint32_t ttl, size_t *ttl_at)
{
	uint8_t fixed[DNS_RR_FIXED_LEN];
	size_t rdlen_at;
	int ret;

	ret = dnsmsg_put_name(w, rr->owner, rr->owner_len, true);
	if (ret)
		return ret;
	dnswire_put_u16(fixed, rr->type);
	dnswire_put_u16(fixed + 2, rr->cls);
	dnswire_put_u32(fixed + 4, ttl);
	dnswire_put_u16(fixed + 8, 0);
	ret = dnsmsg_put(w, fixed, sizeof(fixed));
	if (ret)
		return ret;
	if (ttl_at)
		*ttl_at = w->len - 6;
	rdlen_at = w->len - 2;
	ret = dnsmsg_put_rdata(w, m, rr);
	if (ret)
		return ret;
	dnswire_put_u16(w->buf + rdlen_at, w->len - rdlen_at - 2);
	return 0;
}

size_t dnsmsg_write_opt(uint8_t *p, uint16_t size, unsigned int rcode,
			bool dnssec_ok, const uint8_t *cookie,
			size_t cookie_len)
{
	size_t rdlen = dnsmsg_opt_len(cookie_len) - DNS_OPT_LEN;

	p[0] = 0; /* root owner */
	dnswire_put_u16(p + 1, DNS_TYPE_OPT);
	dnswire_put_u16(p + 3, size);
	dnswire_put_u32(p + 5, (uint32_t)(rcode >> 4) << 24 |
				       (dnssec_ok ? 0x8000 : 0));
	dnswire_put_u16(p + 9, rdlen);
	if (cookie_len) {
		dnswire_put_u16(p + DNS_OPT_LEN, DNS_OPT_COOKIE);
		dnswire_put_u16(p + DNS_OPT_LEN + 2, cookie_len);
		memcpy(p + DNS_OPT_LEN + 4, cookie, cookie_len);
	}
	return DNS_OPT_LEN + rdlen;
}
