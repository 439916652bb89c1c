// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "ldnsexpect.h"

#include <stdio.h>

uint8_t *ldnsexpect_wire(const struct ldnsexpect_resp *r, size_t *len)
{
	static const ldns_pkt_section sections[3] = {
		LDNS_SECTION_ANSWER,
		LDNS_SECTION_AUTHORITY,
		LDNS_SECTION_ADDITIONAL,
	};
	ldns_pkt *p = ldns_pkt_new();
	uint8_t *wire = NULL;
	ldns_status st;
	ldns_rr *rr;

	if (!p)
		return NULL;
	st = ldns_rr_new_question_frm_str(&rr, r->question, NULL, NULL);
	if (st != LDNS_STATUS_OK) {
		fprintf(stderr, "%s: %s\n", r->question,
			ldns_get_errorstr_by_id(st));
		goto out;
	}
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, rr);
	for (int s = 0; s < 3; s++) {
		for (size_t i = 0;
		     r->rr[s] && (!r->rr_max || i < r->rr_max) && r->rr[s][i];
		     i++) {
			st = ldns_rr_new_frm_str(&rr, r->rr[s][i], 0, NULL,
						 NULL);
			if (st != LDNS_STATUS_OK) {
				fprintf(stderr, "%s: %s\n", r->rr[s][i],
					ldns_get_errorstr_by_id(st));
				goto out;
			}
			ldns_pkt_push_rr(p, sections[s], rr);
		}
	}
	ldns_pkt_set_id(p, 0x1234);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rd(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_aa(p, r->aa);
	ldns_pkt_set_ad(p, r->ad);
	ldns_pkt_set_rcode(p, r->rcode);
	if (r->edns) {
		ldns_pkt_set_edns_udp_size(p, r->edns);
		ldns_pkt_set_edns_do(p, true);
	}
	if (ldns_pkt2wire(&wire, p, len) != LDNS_STATUS_OK)
		wire = NULL;
out:
	ldns_pkt_free(p);
	return wire;
}

static bool dnssec_type(ldns_rr_type t)
{
	return t == LDNS_RR_TYPE_SIG || t == LDNS_RR_TYPE_KEY ||
	       t == LDNS_RR_TYPE_NXT || t == LDNS_RR_TYPE_DS ||
	       t == LDNS_RR_TYPE_RRSIG || t == LDNS_RR_TYPE_NSEC ||
	       t == LDNS_RR_TYPE_DNSKEY || t == LDNS_RR_TYPE_NSEC3 ||
	       t == LDNS_RR_TYPE_NSEC3PARAM;
}

/* The records of @l a client without DO gets, as a new list. */
static ldns_rr_list *kept(const ldns_rr_list *l, bool answer,
			  ldns_rr_type qtype)
{
	ldns_rr_list *k = ldns_rr_list_new();

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		ldns_rr_type t = ldns_rr_get_type(rr);

		if (!dnssec_type(t) ||
		    (answer && (t == qtype || qtype == LDNS_RR_TYPE_ANY)))
			ldns_rr_list_push_rr(k, ldns_rr_clone(rr));
	}
	return k;
}

void ldnsexpect_strip_dnssec(ldns_pkt *p)
{
	ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	ldns_rr_type qtype = q ? ldns_rr_get_type(q) : 0;
	ldns_rr_list *l;

	l = kept(ldns_pkt_answer(p), true, qtype);
	ldns_rr_list_deep_free(ldns_pkt_answer(p));
	ldns_pkt_set_answer(p, l);
	ldns_pkt_set_ancount(p, ldns_rr_list_rr_count(l));
	l = kept(ldns_pkt_authority(p), false, qtype);
	ldns_rr_list_deep_free(ldns_pkt_authority(p));
	ldns_pkt_set_authority(p, l);
	ldns_pkt_set_nscount(p, ldns_rr_list_rr_count(l));
	l = kept(ldns_pkt_additional(p), false, qtype);
	ldns_rr_list_deep_free(ldns_pkt_additional(p));
	ldns_pkt_set_additional(p, l);
	ldns_pkt_set_arcount(p, ldns_rr_list_rr_count(l));
}
