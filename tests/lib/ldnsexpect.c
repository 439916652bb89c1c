// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "ldnsexpect.h"

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
