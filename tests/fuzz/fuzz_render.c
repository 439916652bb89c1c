// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the renderer, cache_entry_render(), on an entry of any
 * bytes (as another writer of the map or a corrupted one could leave it)
 * and any query. The input is the entry's bytes (struct
 * xdpdns_cache_entry, zero-padded when short), then the query.
 *
 * Checks: the renderer reads and writes only inside its buffers (the
 * sanitizers), refuses an entry the XDP program would not trust, and what
 * it writes fits the client and starts with the client's ID and question.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "lib/cache_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xdpdns_cache_entry e;
	static uint8_t out[4096];
	size_t n = size < sizeof(e) ? size : sizeof(e);
	struct cache_entry_query cq = { .edns_size = 1232 };
	struct dnsmsg_query q;
	int len;

	memset(&e, 0, sizeof(e));
	memcpy(&e, data, n);
	cq.msg = data + n;
	cq.len = size - n;
	cq.now_ns = e.stored_ns;
	len = cache_entry_render(&e, &cq, out, sizeof(out));
	if (len < 0) {
		FUZZ_ASSERT(errno == EINVAL || errno == ESTALE ||
			    errno == EMSGSIZE);
		return 0;
	}
	dnsmsg_parse_query(cq.msg, cq.len, &q);
	FUZZ_ASSERT(q.xdp_shape);
	FUZZ_ASSERT(e.data_len <= XDPDNS_DATA_MAX &&
		    e.rr_count <= XDPDNS_RR_MAX);
	FUZZ_ASSERT((size_t)len <= (q.edns ? 1232 : DNS_UDP_PLAIN_MAX));
	FUZZ_ASSERT(dnswire_get_u16(out) == q.id);
	FUZZ_ASSERT(!memcmp(out + DNS_HEADER_LEN, cq.msg + DNS_HEADER_LEN,
			    q.question_len));
	return 0;
}
