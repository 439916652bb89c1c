// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Purge requests: key matching, torn-read-safe element reads, and the cache
 * map walk. The walk collects keys before deleting any: deleting the key
 * bpf_map_get_next_key() stands on makes the next call start over.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "lib/dnswire.h"
#include "lib/purgechan.h"
#include "lib/xdpmaps.h"

/* Reads of one element before purgechan_read() gives up on agreement. */
#define PURGECHAN_READ_TRIES 8

bool purgechan_match(const struct xdpdns_purge *rq,
		     const struct xdpdns_cache_key *key)
{
	if (rq->op == XDPDNS_PURGE_ALL)
		return true;
	if (rq->op != XDPDNS_PURGE_NAME)
		return false;
	if (rq->qtype && key->qtype != rq->qtype)
		return false;
	return !memcmp(key->qname, rq->qname, sizeof(key->qname));
}

int purgechan_check(const struct xdpdns_purge *rq)
{
	int n;

	if (rq->op == XDPDNS_PURGE_ALL)
		return 0;
	if (rq->op != XDPDNS_PURGE_NAME || rq->qtype > 0xffff)
		return -EINVAL;
	n = dnswire_name_len(rq->qname, sizeof(rq->qname));
	if (n <= 0)
		return -EINVAL;
	for (size_t i = (size_t)n; i < sizeof(rq->qname); i++)
		if (rq->qname[i])
			return -EINVAL;
	/* Length bytes are at most 63, below 'A': a plain byte walk. */
	for (int i = 0; i < n; i++)
		if (rq->qname[i] >= 'A' && rq->qname[i] <= 'Z')
			return -EINVAL;
	return 0;
}

int purgechan_read(int fd, uint32_t slot, struct xdpdns_purge *out)
{
	struct xdpdns_purge again;

	if (bpf_map_lookup_elem(fd, &slot, out))
		return -errno;
	for (int i = 0; i < PURGECHAN_READ_TRIES; i++) {
		if (bpf_map_lookup_elem(fd, &slot, &again))
			return -errno;
		if (!memcmp(&again, out, sizeof(again)))
			return 0;
		*out = again;
	}
	return -EAGAIN;
}

int purgechan_write(int fd, uint32_t slot, const struct xdpdns_purge *in)
{
	return bpf_map_update_elem(fd, &slot, in, BPF_ANY) ? -errno : 0;
}

/* Whether map key @m can be an entry @rq covers (hash, length, type). */
static bool purgechan_candidate(const struct xdpdns_purge *rq,
				const struct xdpdns_cache_mkey *want,
				const struct xdpdns_cache_mkey *m)
{
	if (rq->op == XDPDNS_PURGE_ALL)
		return true;
	if (rq->qtype && m->qtype != rq->qtype)
		return false;
	return m->name_hash == want->name_hash &&
	       m->qname_len == want->qname_len;
}

int purgechan_cache(int cache_fd, __u64 seed, const struct xdpdns_purge *rq,
		    uint32_t *removed)
{
	struct xdpdns_cache_mkey want = { 0 }, cur, next, *v = NULL;
	struct xdpdns_cache_entry *e = NULL;
	struct xdpdns_cache_key key;
	struct bpf_map_info info = { 0 };
	__u32 ilen = sizeof(info);
	size_t n = 0, cap, steps = 0;
	bool first = true;
	int ret = 0;

	*removed = 0;
	if (purgechan_check(rq))
		return -EINVAL;
	if (rq->op == XDPDNS_PURGE_NAME) {
		memset(&key, 0, sizeof(key));
		memcpy(key.qname, rq->qname, sizeof(key.qname));
		if (xdpmaps_cache_mkey(seed, &key, &want))
			return -EINVAL;
	}
	if (bpf_obj_get_info_by_fd(cache_fd, &info, &ilen))
		return -errno;
	/* An LRU walk under traffic may see a key twice: bounded anyway. */
	cap = info.max_entries ? info.max_entries : 1;
	v = calloc(cap, sizeof(*v));
	e = malloc(sizeof(*e));
	if (!v || !e) {
		ret = -ENOMEM;
		goto out;
	}
	while (n < cap && steps++ < 2 * (size_t)cap &&
	       !bpf_map_get_next_key(cache_fd, first ? NULL : &cur, &next)) {
		first = false;
		cur = next;
		if (purgechan_candidate(rq, &want, &cur))
			v[n++] = cur;
	}
	for (size_t i = 0; i < n; i++) {
		if (rq->op == XDPDNS_PURGE_NAME) {
			/* Another name with the same hash is not this one. */
			if (bpf_map_lookup_elem(cache_fd, &v[i], e))
				continue;
			xdpmaps_cache_key_of(&v[i], e, &key);
			if (!purgechan_match(rq, &key))
				continue;
		}
		if (!bpf_map_delete_elem(cache_fd, &v[i]))
			(*removed)++;
		else if (errno != ENOENT) {
			ret = -errno;
			goto out;
		}
	}
out:
	free(v);
	free(e);
	return ret;
}
