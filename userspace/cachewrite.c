// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Cache policy: what the resolution says about the answer (bogus, rcode,
 * the question it answers) decides here; what the records allow (sizes,
 * TTLs, DO filtering) in cache_entry_from_msg().
 */
#include <errno.h>
#include <string.h>

#include <unbound.h>

#include "cachewrite.h"
#include "lib/cache_entry.h"
#include "lib/cachemap.h"

int cachewrite_build(const struct config *cfg, const struct resolution *res,
		     const struct dnsmsg *m, uint64_t now_ns,
		     struct xdpdns_cache_key *key,
		     struct xdpdns_cache_entry *entry, const char **why)
{
	const struct ub_result *r = res->result;
	struct cache_entry_opts opts = { 0 };
	unsigned int rcode;
	int ret;

	*why = NULL;
	if (!r || !r->answer_packet) {
		*why = "resolution failed";
		return -EPERM;
	}
	if (r->bogus) {
		*why = "DNSSEC bogus";
		return -EPERM;
	}
	rcode = m->h.flags & DNS_F_RCODE;
	if (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN) {
		*why = "rcode is neither NOERROR nor NXDOMAIN";
		return -EPERM;
	}
	/* The entry is served for the key's question: it must be this one. */
	if (m->h.qdcount != 1 || m->qtype != res->key.qtype ||
	    m->qclass != res->key.qclass ||
	    !dnswire_name_equal(m->qname, m->qname_len, res->key.qname,
				res->key.qname_len)) {
		*why = "answer is for another question";
		return -EPERM;
	}
	opts.key_flags = res->key.flags;
	opts.validated = r->secure;
	opts.min_ttl = cfg->min_ttl;
	opts.max_ttl = cfg->max_ttl;
	opts.max_negative_ttl = cfg->max_negative_ttl;
	opts.now_ns = now_ns;
	ret = cache_entry_from_msg(m, &opts, key, entry);
	if (ret)
		*why = cache_entry_strerror(ret);
	return ret;
}

int cachewrite_store(struct cachemap *cm, const struct xdpdns_cache_key *key,
		     const struct xdpdns_cache_entry *entry, uint64_t now_ns)
{
	return cachemap_write(cm, key, entry, now_ns);
}
