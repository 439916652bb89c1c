// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Cache policy and the canonical response an entry is built from. The
 * canonical response is the one answer_encode() gives a client asking the
 * lower-cased question with the key's DO bit and no size limit, so what XDP
 * later serves from the entry is what the daemon would have sent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <unbound.h>

#include "cachewrite.h"
#include "lib/cache_entry.h"
#include "lib/xdpmaps.h"

int cachewrite_build(const struct config *cfg, const struct resolution *res,
		     const struct answer_src *src, uint64_t now_ns,
		     struct xdpdns_cache_key *key,
		     struct xdpdns_cache_entry *entry, const char **why)
{
	const struct ub_result *r = res->result;
	struct cache_entry_opts opts = { 0 };
	struct answer_target t = { 0 };
	uint8_t question[DNSWIRE_NAME_MAX + 4];
	unsigned int rcode;
	uint8_t *msg = NULL;
	bool tc;
	int len, ret;

	*why = NULL;
	if (!r || !r->answer_packet) {
		*why = "resolution failed";
		return -EPERM;
	}
	if (r->bogus) {
		*why = "DNSSEC bogus";
		return -EPERM;
	}
	rcode = src->flags & XDPDNS_F_RCODE;
	if (rcode != DNSWIRE_RCODE_NOERROR && rcode != DNSWIRE_RCODE_NXDOMAIN) {
		*why = "rcode is neither NOERROR nor NXDOMAIN";
		return -EPERM;
	}
	msg = malloc(ANSWER_MAX);
	if (!msg)
		return -ENOMEM;
	memcpy(question, res->key.qname, res->key.qname_len);
	dnswire_put_u16(question + res->key.qname_len, res->key.qtype);
	dnswire_put_u16(question + res->key.qname_len + 2, res->key.qclass);
	t.qflags = XDPDNS_F_RD | XDPDNS_F_AD; /* AD iff secure */
	t.question = question;
	t.question_len = res->key.qname_len + 4;
	t.qtype = res->key.qtype;
	t.dnssec = res->key.flags & XDPDNS_KEY_DO;
	t.limit = ANSWER_MAX;
	len = answer_encode(src, &t, msg, &tc);
	if (len < 0 || tc) {
		*why = "answer cannot be encoded";
		ret = -EPERM;
		goto out;
	}
	opts.key_flags = res->key.flags;
	opts.validated = r->secure;
	opts.min_ttl = cfg->min_ttl;
	opts.max_ttl = cfg->max_ttl;
	opts.max_negative_ttl = cfg->max_negative_ttl;
	opts.now_ns = now_ns;
	ret = cache_entry_build(msg, len, &opts, key, entry);
	if (ret)
		*why = cache_entry_strerror(ret);
out:
	free(msg);
	return ret;
}

int cachewrite_store(int cache_fd, __u64 seed,
		     const struct xdpdns_cache_key *key,
		     const struct xdpdns_cache_entry *entry)
{
	return xdpmaps_cache_write(cache_fd, seed, key, entry);
}
