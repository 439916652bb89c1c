// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Shared checks of the libFuzzer targets; see harness.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "harness.h"

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	abort();
}

bool fuzz_ldns_parses(const uint8_t *wire, size_t len)
{
	ldns_pkt *p = NULL;
	bool ok = ldns_wire2pkt(&p, wire, len) == LDNS_STATUS_OK;

	ldns_pkt_free(p);
	return ok;
}

/*
 * RDATA of @rr in a form that does not depend on compression: names
 * decompressed and lower-cased, everything else as it is. Return: length,
 * or -1 when it does not fit or does not parse.
 */
static int rdata_canon(const struct dnsmsg *m, const struct dnsmsg_rr *rr,
		       uint8_t *out, size_t cap)
{
	const char *layout = dnswire_rdata_layout(rr->type);
	size_t pos = rr->rdata_off, n = 0;

	if (!layout) {
		if (rr->rdlen > cap)
			return -1;
		memcpy(out, m->pkt + pos, rr->rdlen);
		return rr->rdlen;
	}
	for (const char *f = layout; *f; f++) {
		size_t k;

		if (*f == 'c' || *f == 'n') {
			uint8_t name[DNS_NAME_MAX];
			int ret = dnswire_read_name(m->pkt, m->len, &pos, name);

			if (ret < 0 || n + ret > cap)
				return -1;
			dnswire_name_lower(name, ret);
			memcpy(out + n, name, ret);
			n += ret;
			continue;
		}
		if (pos >= m->len)
			return -1;
		k = *f == 's' ? 1 + (size_t)m->pkt[pos] : (size_t)(*f - '0');
		if (pos + k > m->len || n + k > cap)
			return -1;
		memcpy(out + n, m->pkt + pos, k);
		n += k;
		pos += k;
	}
	return (int)n;
}

bool fuzz_ldns_agrees(const struct dnsmsg *m)
{
	static const ldns_pkt_section sec[3] = { LDNS_SECTION_ANSWER,
						 LDNS_SECTION_AUTHORITY,
						 LDNS_SECTION_ADDITIONAL };
	static uint8_t canon[65536];
	ldns_rr_list *lists[3];
	size_t idx[3] = { 0 };
	ldns_pkt *p = NULL;
	bool ok = false;

	if (ldns_wire2pkt(&p, m->pkt, m->len) != LDNS_STATUS_OK)
		goto out;
	for (int s = 0; s < 3; s++)
		lists[s] = ldns_pkt_get_section_clone(p, sec[s]);
	ok = true;
	for (size_t i = 0; i < m->nrr && ok; i++) {
		const struct dnsmsg_rr *rr = &m->rr[i];
		ldns_rr_list *l = lists[rr->section];
		size_t n = 0;
		ldns_rr *lr;
		int len;

		if (idx[rr->section] >= ldns_rr_list_rr_count(l)) {
			ok = false;
			break;
		}
		lr = ldns_rr_list_rr(l, idx[rr->section]++);
		len = rdata_canon(m, rr, canon, sizeof(canon));
		for (size_t f = 0; f < ldns_rr_rd_count(lr); f++)
			n += ldns_rdf_size(ldns_rr_rdf(lr, f));
		ok = ldns_rr_get_type(lr) == rr->type && len >= 0 &&
		     n == (size_t)len;
	}
	for (int s = 0; s < 3; s++) {
		/* ldns keeps OPT out of its additional section too. */
		ok = ok && idx[s] == ldns_rr_list_rr_count(lists[s]);
		ldns_rr_list_deep_free(lists[s]);
	}
out:
	ldns_pkt_free(p);
	return ok;
}

bool fuzz_rr_equal(const struct dnsmsg *ma, const struct dnsmsg_rr *a,
		   const struct dnsmsg *mb, const struct dnsmsg_rr *b)
{
	static uint8_t ra[65536], rb[65536];
	int la, lb;

	if (a->type != b->type || a->cls != b->cls ||
	    !dnswire_name_equal(a->owner, a->owner_len, b->owner, b->owner_len))
		return false;
	la = rdata_canon(ma, a, ra, sizeof(ra));
	lb = rdata_canon(mb, b, rb, sizeof(rb));
	return la >= 0 && la == lb && !memcmp(ra, rb, la);
}

bool fuzz_zero_ttls(const uint8_t *msg, size_t len, uint8_t *out)
{
	struct dnsmsg m;

	if (dnsmsg_parse(msg, len, &m))
		return false;
	memcpy(out, msg, len);
	for (size_t i = 0; i < m.nrr; i++)
		memset(out + m.rr[i].rdata_off - 6, 0, 4);
	/* OPT is not in rr[]: its TTL field holds flags, kept. */
	dnsmsg_free(&m);
	return true;
}
