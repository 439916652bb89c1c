// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the entry builder, cache_entry_build(), on any bytes as
 * libunbound's answer packet, and the renderer, cache_entry_render(), on
 * every entry it builds, answering the query of the entry's own key. The
 * header ID of the input picks the key bits (DO, CD), the TTL caps and
 * whether the client sent EDNS.
 *
 * Checks: a built entry passes the XDP program's own sanity checks (sizes,
 * counts, TTL offsets, the data checksum) and renders, within its TTL, to a
 * response our parser and libldns (where it reads the input as we do) accept; and
 * that response is the one the daemon's encoder, answer_encode(), writes
 * for the same query from the same packet, byte for byte apart from the
 * TTLs (the rule of DESIGN.md: XDP sends what the daemon would send).
 */
#include <errno.h>
#include <string.h>

#include "answer.h"
#include "harness.h"
#include "lib/cache_entry.h"

/* The client's query for @key: ID 0x2020, RD, CD and OPT as the key says. */
static size_t key_query(const struct xdpdns_cache_key *key, bool edns,
			uint8_t *q)
{
	size_t n = dnswire_name_len(key->qname, DNS_NAME_MAX), off;
	struct dnswire_header h = {
		.id = 0x2020,
		.flags = DNS_F_RD | (key->flags & XDPDNS_KEY_CD ? DNS_F_CD : 0),
		.qdcount = 1,
		.arcount = edns,
	};

	dnswire_write_header(q, &h);
	memcpy(q + DNS_HEADER_LEN, key->qname, n);
	off = DNS_HEADER_LEN + n;
	dnswire_put_u16(q + off, key->qtype);
	dnswire_put_u16(q + off + 2, key->qclass);
	off += 4;
	if (edns)
		off += dnsmsg_write_opt(q + off, 4096, 0,
					key->flags & XDPDNS_KEY_DO, NULL, 0);
	return off;
}

static void check_entry(const struct xdpdns_cache_entry *e)
{
	FUZZ_ASSERT(e->data_len <= XDPDNS_DATA_MAX);
	FUZZ_ASSERT(e->rr_count <= XDPDNS_RR_MAX);
	FUZZ_ASSERT(e->rr_count == e->ancount + e->nscount + e->arcount);
	FUZZ_ASSERT(e->ttl > 0 && e->expire_ns > e->stored_ns);
	for (unsigned int i = 0; i < e->rr_count; i++)
		FUZZ_ASSERT(e->ttl_off[i] + 4 <= e->data_len);
}

/* Renders @e for @key's query and compares it with answer_encode(). */
static void check_render(const uint8_t *data, size_t size,
			 const struct xdpdns_cache_key *key,
			 const struct xdpdns_cache_entry *e, bool edns)
{
	static uint8_t out[ANSWER_MAX], enc[ANSWER_MAX], za[ANSWER_MAX],
		zb[ANSWER_MAX];
	uint8_t qbuf[DNS_HEADER_LEN + DNS_NAME_MAX + 4 + DNS_OPT_LEN];
	struct cache_entry_query cq = { .edns_size = 1232 };
	struct dnsmsg_query q;
	struct answer_target t;
	struct dnsmsg m, r;
	int len, elen;
	bool tc;

	cq.msg = qbuf;
	cq.len = key_query(key, edns, qbuf);
	cq.now_ns = e->stored_ns;
	/*
	 * Entries come from the answers to queries the daemon resolved; a
	 * key whose query it refuses (meta types) is never built in
	 * practice, whatever the builder says.
	 */
	if (dnsmsg_parse_query(cq.msg, cq.len, &q) != DNSMSG_RESOLVE)
		return;
	FUZZ_ASSERT(q.xdp_shape);
	len = cache_entry_render(e, &cq, out, sizeof(out));
	if (len < 0) {
		/* Only an answer larger than the client takes. */
		FUZZ_ASSERT(errno == EMSGSIZE);
		return;
	}
	FUZZ_ASSERT(dnsmsg_parse(out, len, &r) == 0);
	FUZZ_ASSERT(r.h.id == 0x2020 && r.h.qdcount == 1);
	FUZZ_ASSERT(r.nrr == e->rr_count);
	/* The daemon's encoder on the same packet for the same client. */
	FUZZ_ASSERT(dnsmsg_parse(data, size, &m) == 0);
	FUZZ_ASSERT(!fuzz_ldns_agrees(&m) || fuzz_ldns_agrees(&r));
	dnsmsg_free(&r);
	answer_target_for(&t, &q, false, cq.edns_size);
	elen = answer_encode(&m, &t, enc, &tc);
	dnsmsg_free(&m);
	FUZZ_ASSERT(elen >= 0 && !tc);
	FUZZ_ASSERT(elen == len);
	FUZZ_ASSERT(fuzz_zero_ttls(out, len, za));
	FUZZ_ASSERT(fuzz_zero_ttls(enc, elen, zb));
	FUZZ_ASSERT(!memcmp(za, zb, len));

	/* A second later every TTL is one less, down to 0. */
	cq.now_ns = e->stored_ns + 1000000000ULL;
	if (cq.now_ns < e->expire_ns)
		FUZZ_ASSERT(cache_entry_render(e, &cq, out, sizeof(out)) ==
			    len);
	cq.now_ns = e->expire_ns;
	FUZZ_ASSERT(cache_entry_render(e, &cq, out, sizeof(out)) < 0 &&
		    errno == ESTALE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xdpdns_cache_entry e;
	struct xdpdns_cache_key key;
	uint16_t sel = size >= 2 ? dnswire_get_u16(data) : 0;
	struct cache_entry_opts o = {
		.key_flags = (sel & 1 ? XDPDNS_KEY_DO : 0) |
			     (sel & 2 ? XDPDNS_KEY_CD : 0),
		.min_ttl = sel & 4 ? 30 : 0,
		.max_ttl = sel & 8 ? 3600 : 0,
		.max_negative_ttl = sel & 16 ? 300 : 0,
		.now_ns = 5000000000ULL,
	};
	int ret;

	ret = cache_entry_build(data, size, &o, &key, &e);
	FUZZ_ASSERT(ret == 0 || ret == -ENOMEM ||
		    (ret < 0 && ret >= -CACHE_ENTRY_EUNSUPPORTED));
	if (ret)
		return 0;
	check_entry(&e);
	FUZZ_ASSERT(key.flags == o.key_flags);
	/* A client with DO sent OPT; one without may or may not have. */
	check_render(data, size, &key, &e, (sel & 32) || (sel & 1));
	return 0;
}
