// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Purge requests: key matching, torn-read-safe element reads, and removing
 * entries from the XDP cache (lib/cachemap.h): a name and a type by direct
 * deletes, a name by a walk of the slots that collects keys before
 * deleting any, everything by a flush.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "lib/cachemap.h"
#include "lib/dnswire.h"
#include "lib/purgechan.h"
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

/* The keys of the entries a name purge covers, gathered by a walk. */
struct purgechan_walk {
	const struct xdpdns_purge *rq;
	struct xdpdns_cache_key *v;
	size_t n, cap;
};

static int purgechan_walk_cb(void *arg, const struct xdpdns_cache_key *key,
			     const struct xdpdns_cache_entry *e)
{
	struct purgechan_walk *w = arg;

	(void)e;
	if (!purgechan_match(w->rq, key))
		return 0;
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		struct xdpdns_cache_key *v = realloc(w->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = *key;
	return 0;
}

int purgechan_cache(struct cachemap *cm, uint64_t now_ns,
		    const struct xdpdns_purge *rq, uint32_t *removed)
{
	struct purgechan_walk w = { .rq = rq };
	struct xdpdns_cache_key key = { 0 };
	int ret;

	*removed = 0;
	if (purgechan_check(rq))
		return -EINVAL;
	if (rq->op == XDPDNS_PURGE_ALL)
		return cachemap_flush(cm, now_ns, removed);
	memcpy(key.qname, rq->qname, sizeof(key.qname));
	key.qclass = DNS_CLASS_IN;
	if (rq->qtype) {
		/*
		 * A name and a type: its four DO/CD keys, looked up directly.
		 * Class IN only: XDP serves nothing else, another class's
		 * entry is inert.
		 */
		key.qtype = (__u16)rq->qtype;
		for (key.flags = 0; key.flags < 4; key.flags++) {
			ret = cachemap_delete(cm, &key, now_ns);
			if (!ret)
				(*removed)++;
			else if (ret != -ENOENT)
				return ret;
		}
		return 0;
	}
	/* Every type: a walk of the slots (memory, no syscalls), then the
	 * deletes. */
	ret = cachemap_walk(cm, purgechan_walk_cb, &w);
	for (size_t i = 0; !ret && i < w.n; i++) {
		ret = cachemap_delete(cm, &w.v[i], now_ns);
		if (!ret)
			(*removed)++;
		else if (ret == -ENOENT)
			ret = 0;
	}
	free(w.v);
	return ret;
}
