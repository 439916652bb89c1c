// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The XDP cache's index and size-class slots (cachemap.h). The slots are
 * mmap()ed; every slot write follows the seqlock protocol of
 * maps/xdpdns.h, with C11 fences that compile to nothing on x86 (stores
 * are not reordered with stores there) and to dmb on arm64.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lib/cachemap.h"
#include "lib/util.h"

#define CM_CLASS_(n, blen, nrr)                               \
	{ sizeof(struct xdpdns_slot##n),                      \
	  __builtin_offsetof(struct xdpdns_slot##n, ttl_off), \
	  __builtin_offsetof(struct xdpdns_slot##n, body), (blen), (nrr) },
const struct cachemap_class cachemap_classes[XDPDNS_SLOT_CLASSES] = {
	XDPDNS_SLOT_CLASS_LIST(CM_CLASS_)
};
#undef CM_CLASS_

/* Seqlock reads retried at most this often before -EAGAIN. */
#define CM_READ_TRIES 64
/* No entry in the key table's chains. */
#define CM_NONE UINT32_MAX

enum cm_state { CM_FREE = 0, CM_LIVE, CM_QUARANTINE };

struct cm_quar {
	uint32_t slot;
	uint64_t release_ns;
};

struct cm_class {
	__u8 *mem;
	size_t map_len;
	uint32_t n;
	uint32_t base; /* first global slot id of this class */
	/* writer only */
	uint32_t *free; /* stack of free slots */
	uint32_t nfree;
	struct cm_quar *quar; /* FIFO ring, n long */
	uint32_t qhead, qlen;
	uint32_t hand; /* CLOCK */
	uint32_t live;
	uint32_t reserve; /* free + quarantined kept at least this */
};

/* Per global slot, writer only. */
struct cm_meta {
	uint64_t last_hits; /* hits at the CLOCK hand's last visit */
	uint32_t next; /* key table chain */
	uint8_t state; /* enum cm_state */
	uint8_t ref; /* written since the hand's last visit */
};

struct cachemap {
	int index_fd;
	struct xdpdns_hash_key hkey;
	bool writer;
	uint32_t gen;
	struct cm_class cls[XDPDNS_SLOT_CLASSES];
	uint32_t total;
	struct cm_meta *meta;
	uint32_t *buckets; /* key table: global slot ids */
	uint32_t nbuckets;
	struct cachemap_stats st;
};

static struct xdpdns_slot_hdr *cm_hdr(const struct cachemap *c, unsigned int k,
				      uint32_t slot)
{
	return (struct xdpdns_slot_hdr *)(c->cls[k].mem +
					  (size_t)slot *
						  cachemap_classes[k].slot_size);
}

static __u8 *cm_body(const struct cachemap *c, unsigned int k, uint32_t slot)
{
	return (__u8 *)cm_hdr(c, k, slot) + cachemap_classes[k].body_off;
}

static __u16 *cm_ttl(const struct cachemap *c, unsigned int k, uint32_t slot)
{
	return (__u16 *)((__u8 *)cm_hdr(c, k, slot) +
			 cachemap_classes[k].ttl_off);
}

static unsigned int cm_pad(unsigned int qname_len)
{
	return (qname_len + 7) & ~7u;
}

int cachemap_class_of(const struct xdpdns_cache_entry *e,
		      unsigned int qname_len)
{
	if (qname_len < 1 || qname_len > DNS_NAME_MAX ||
	    e->data_len > XDPDNS_DATA_MAX || e->rr_count > XDPDNS_RR_MAX)
		return -E2BIG;
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++)
		if (e->data_len + cm_pad(qname_len) <=
			    cachemap_classes[k].body_len &&
		    e->rr_count <= cachemap_classes[k].rrs)
			return (int)k;
	return -E2BIG;
}

/* The key-table bucket of @mk. name_hash is already a keyed PRF. */
static uint32_t cm_bucket(const struct cachemap *c,
			  const struct xdpdns_cache_mkey *mk)
{
	uint64_t h = mk->name_hash ^ ((uint64_t)mk->qtype << 32) ^
		     ((uint64_t)mk->flags << 48) ^ mk->qname_len;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (uint32_t)h & (c->nbuckets - 1);
}

static void cm_gslot(const struct cachemap *c, uint32_t g, unsigned int *k,
		     uint32_t *slot)
{
	unsigned int i = XDPDNS_SLOT_CLASSES - 1;

	while (i > 0 && g < c->cls[i].base)
		i--;
	*k = i;
	*slot = g - c->cls[i].base;
}

/* Does slot @k/@slot hold map key @mk with name @qname (zero padded)? */
static bool cm_slot_is(const struct cachemap *c, unsigned int k, uint32_t slot,
		       const struct xdpdns_cache_mkey *mk, const __u8 *qname)
{
	const struct xdpdns_slot_hdr *h = cm_hdr(c, k, slot);
	unsigned int pad = cm_pad(mk->qname_len);

	if (memcmp(&h->mkey, mk, sizeof(*mk)) ||
	    pad > cachemap_classes[k].body_len)
		return false;
	return !memcmp(cm_body(c, k, slot) + cachemap_classes[k].body_len - pad,
		       qname, pad);
}

/* Writer: the global slot of @mk and @qname in the key table, or CM_NONE. */
static uint32_t cm_find(const struct cachemap *c,
			const struct xdpdns_cache_mkey *mk, const __u8 *qname)
{
	for (uint32_t g = c->buckets[cm_bucket(c, mk)]; g != CM_NONE;
	     g = c->meta[g].next) {
		unsigned int k;
		uint32_t s;

		cm_gslot(c, g, &k, &s);
		if (cm_slot_is(c, k, s, mk, qname))
			return g;
	}
	return CM_NONE;
}

static void cm_link(struct cachemap *c, uint32_t g,
		    const struct xdpdns_cache_mkey *mk)
{
	uint32_t b = cm_bucket(c, mk);

	c->meta[g].next = c->buckets[b];
	c->buckets[b] = g;
}

static void cm_unlink(struct cachemap *c, uint32_t g,
		      const struct xdpdns_cache_mkey *mk)
{
	uint32_t *pp = &c->buckets[cm_bucket(c, mk)];

	while (*pp != CM_NONE && *pp != g)
		pp = &c->meta[*pp].next;
	if (*pp == g)
		*pp = c->meta[g].next;
	c->meta[g].next = CM_NONE;
}

/* Writer: slot @s of class @k leaves service; not written again before
 * @now_ns + the quarantine. The index no longer points at it. */
static void cm_retire(struct cachemap *c, unsigned int k, uint32_t s,
		      uint64_t now_ns)
{
	struct cm_class *cl = &c->cls[k];
	uint32_t g = cl->base + s;
	struct xdpdns_slot_hdr *h = cm_hdr(c, k, s);

	if (c->meta[g].state == CM_LIVE) {
		cm_unlink(c, g, &h->mkey);
		cl->live--;
	}
	/* Not under the seqlock: the program never reads it. */
	__atomic_store_n(&h->live, 0, __ATOMIC_RELAXED);
	c->meta[g].state = CM_QUARANTINE;
	cl->quar[(cl->qhead + cl->qlen) % cl->n] = (struct cm_quar){
		.slot = s,
		.release_ns = now_ns + XDPDNS_SLOT_QUARANTINE_NS,
	};
	cl->qlen++;
}

static void cm_release(struct cachemap *c, unsigned int k, uint64_t now_ns)
{
	struct cm_class *cl = &c->cls[k];

	while (cl->qlen) {
		struct cm_quar *q = &cl->quar[cl->qhead];

		if (xdpdns_time_before(now_ns, q->release_ns))
			break;
		c->meta[cl->base + q->slot].state = CM_FREE;
		cl->free[cl->nfree++] = q->slot;
		cl->qhead = (cl->qhead + 1) % cl->n;
		cl->qlen--;
	}
}

void cachemap_tick(struct cachemap *c, uint64_t now_ns)
{
	if (!c->writer)
		return;
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++)
		cm_release(c, k, now_ns);
}

/* Delete the index entry of slot @k/@s if it still points there. */
static int cm_index_drop(struct cachemap *c, unsigned int k, uint32_t s)
{
	const struct xdpdns_slot_hdr *h = cm_hdr(c, k, s);
	struct xdpdns_cache_ref ref;

	if (bpf_map_lookup_elem(c->index_fd, &h->mkey, &ref))
		return errno == ENOENT ? 0 : -errno;
	if (ref.gen != h->gen || ref.loc != XDPDNS_REF_LOC(k, s))
		return 0;
	if (bpf_map_delete_elem(c->index_fd, &h->mkey) && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * CLOCK over class @k: the first live slot neither hit nor written since
 * the hand last passed it is evicted. Two turns at most: the first clears
 * every mark it passes.
 */
static int cm_evict(struct cachemap *c, unsigned int k, uint64_t now_ns)
{
	struct cm_class *cl = &c->cls[k];

	for (uint64_t step = 0; step < 2ULL * cl->n + 1; step++) {
		uint32_t s = cl->hand;
		struct cm_meta *m = &c->meta[cl->base + s];
		uint64_t hits;

		cl->hand = (cl->hand + 1) % cl->n;
		if (m->state != CM_LIVE)
			continue;
		hits = __atomic_load_n(&cm_hdr(c, k, s)->hits,
				       __ATOMIC_RELAXED);
		if (m->ref || hits != m->last_hits) {
			m->ref = 0;
			m->last_hits = hits;
			continue;
		}
		cm_index_drop(c, k, s);
		cm_retire(c, k, s, now_ns);
		c->st.evicted[k]++;
		return 0;
	}
	return -ENOENT;
}

/* The seqlock write of slot @k/@s: see maps/xdpdns.h. */
static void cm_store(struct cachemap *c, unsigned int k, uint32_t s,
		     const struct xdpdns_cache_mkey *mk, const __u8 *qname,
		     const struct xdpdns_cache_entry *e, uint32_t gen)
{
	const struct cachemap_class *cc = &cachemap_classes[k];
	struct xdpdns_slot_hdr *h = cm_hdr(c, k, s);
	unsigned int pad = cm_pad(mk->qname_len);
	__u32 seq = __atomic_load_n(&h->seq, __ATOMIC_RELAXED);
	__u8 *body = cm_body(c, k, s);

	__atomic_store_n(&h->seq, seq | 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	h->gen = gen;
	h->hits = 0;
	h->mkey = *mk;
	h->expire_ns = e->expire_ns;
	h->stored_ns = e->stored_ns;
	h->ttl = e->ttl;
	h->data_csum = e->data_csum;
	h->flags = e->flags;
	h->ancount = e->ancount;
	h->nscount = e->nscount;
	h->arcount = e->arcount;
	h->data_len = e->data_len;
	h->rr_count = e->rr_count;
	h->entry_flags = e->entry_flags;
	h->live = XDPDNS_SLOT_LIVE;
	h->pad = 0;
	memset(cm_ttl(c, k, s), 0, cc->rrs * sizeof(__u16));
	memcpy(cm_ttl(c, k, s), e->ttl_off, e->rr_count * sizeof(__u16));
	memcpy(body, e->data, e->data_len);
	memset(body + e->data_len, 0, cc->body_len - e->data_len - pad);
	memcpy(body + cc->body_len - pad, qname, pad);
	__atomic_store_n(&h->seq, (seq | 1) + 1, __ATOMIC_RELEASE);
}

int cachemap_write_raw(struct cachemap *c, const struct xdpdns_cache_mkey *mk,
		       const __u8 *qname, const struct xdpdns_cache_entry *e,
		       uint64_t now_ns)
{
	struct xdpdns_cache_ref ref;
	struct cm_class *cl;
	uint32_t s, g, old;
	int k;

	if (!c->writer)
		return -EPERM;
	k = cachemap_class_of(e, mk->qname_len);
	if (k < 0) {
		c->st.too_big++;
		return k;
	}
	cl = &c->cls[k];
	cm_release(c, (unsigned int)k, now_ns);
	if (cl->nfree + cl->qlen < cl->reserve && cl->live)
		cm_evict(c, (unsigned int)k, now_ns);
	if (!cl->nfree && cl->live && !cl->qlen)
		cm_evict(c, (unsigned int)k, now_ns);
	if (!cl->nfree) {
		c->st.no_slot++;
		return -ENOSPC;
	}
	s = cl->free[--cl->nfree];
	g = cl->base + s;
	if (++c->gen == 0)
		c->gen = 1;
	cm_store(c, (unsigned int)k, s, mk, qname, e, c->gen);
	ref.gen = c->gen;
	ref.loc = XDPDNS_REF_LOC(k, s);
	if (bpf_map_update_elem(c->index_fd, mk, &ref, BPF_ANY)) {
		int ret = -errno;

		/* Never published: no reader can hold it. */
		__atomic_store_n(&cm_hdr(c, k, s)->live, 0, __ATOMIC_RELAXED);
		cl->free[cl->nfree++] = s;
		c->st.index_full++;
		return ret;
	}
	old = cm_find(c, mk, qname);
	if (old != CM_NONE) {
		unsigned int ok;
		uint32_t os;

		cm_gslot(c, old, &ok, &os);
		cm_retire(c, ok, os, now_ns);
	}
	c->meta[g].state = CM_LIVE;
	c->meta[g].ref = 1;
	c->meta[g].last_hits = 0;
	cm_link(c, g, mk);
	cl->live++;
	c->st.writes++;
	return 0;
}

/* The zero-padded name of @key, and its map key. */
static int cm_key(const struct cachemap *c, const struct xdpdns_cache_key *key,
		  struct xdpdns_cache_mkey *mk, __u8 qname[XDPDNS_QNAME_BUF])
{
	if (xdpdns_cache_mkey_from_key(&c->hkey, key, mk))
		return -EINVAL;
	memset(qname, 0, XDPDNS_QNAME_BUF);
	memcpy(qname, key->qname, mk->qname_len);
	return 0;
}

int cachemap_write(struct cachemap *c, const struct xdpdns_cache_key *key,
		   const struct xdpdns_cache_entry *e, uint64_t now_ns)
{
	__u8 qname[XDPDNS_QNAME_BUF];
	struct xdpdns_cache_mkey mk;

	if (cm_key(c, key, &mk, qname))
		return -EINVAL;
	return cachemap_write_raw(c, &mk, qname, e, now_ns);
}

/*
 * Copy slot @k/@s out under its seqlock. Return: 0 with @e and @mk filled
 * (e->qname zero padded), -ENOENT when the slot holds no live entry, or
 * -EAGAIN.
 */
static int cm_read(const struct cachemap *c, unsigned int k, uint32_t s,
		   struct xdpdns_cache_mkey *mk, struct xdpdns_cache_entry *e,
		   __u32 *gen)
{
	const struct cachemap_class *cc = &cachemap_classes[k];
	const struct xdpdns_slot_hdr *h = cm_hdr(c, k, s);
	const __u8 *body = cm_body(c, k, s);

	for (int t = 0; t < CM_READ_TRIES; t++) {
		__u32 s1 = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE), s2;
		struct xdpdns_slot_hdr hc;
		unsigned int pad;

		if (s1 & 1)
			continue;
		memcpy(&hc, h, sizeof(hc));
		pad = cm_pad(hc.mkey.qname_len);
		if (!hc.gen || hc.live != XDPDNS_SLOT_LIVE ||
		    hc.data_len > XDPDNS_DATA_MAX ||
		    hc.data_len + pad > cc->body_len || hc.rr_count > cc->rrs ||
		    !hc.mkey.qname_len) {
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (__atomic_load_n(&h->seq, __ATOMIC_RELAXED) != s1)
				continue;
			return -ENOENT;
		}
		memset(e, 0, sizeof(*e));
		e->expire_ns = hc.expire_ns;
		e->stored_ns = hc.stored_ns;
		e->hits = __atomic_load_n(&h->hits, __ATOMIC_RELAXED);
		e->ttl = hc.ttl;
		e->data_csum = hc.data_csum;
		e->flags = hc.flags;
		e->ancount = hc.ancount;
		e->nscount = hc.nscount;
		e->arcount = hc.arcount;
		e->data_len = hc.data_len;
		e->rr_count = hc.rr_count;
		e->entry_flags = hc.entry_flags;
		memcpy(e->ttl_off, cm_ttl(c, k, s),
		       hc.rr_count * sizeof(__u16));
		memcpy(e->data, body, hc.data_len);
		memcpy(e->qname, body + cc->body_len - pad, pad);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&h->seq, __ATOMIC_RELAXED);
		if (s2 != s1)
			continue;
		/* The padding copied may hold the name's zero tail only. */
		memset(e->qname + hc.mkey.qname_len, 0,
		       sizeof(e->qname) - hc.mkey.qname_len);
		*mk = hc.mkey;
		if (gen)
			*gen = hc.gen;
		return 0;
	}
	return -EAGAIN;
}

static void cm_key_of(const struct xdpdns_cache_mkey *mk,
		      const struct xdpdns_cache_entry *e,
		      struct xdpdns_cache_key *key)
{
	memset(key, 0, sizeof(*key));
	memcpy(key->qname, e->qname, mk->qname_len);
	key->flags = mk->flags;
	key->qtype = mk->qtype;
	key->qclass = mk->qclass;
}

/* Where the index says @mk is; -ENOENT if not, or not a valid place. */
static int cm_index_get(const struct cachemap *c,
			const struct xdpdns_cache_mkey *mk, unsigned int *k,
			uint32_t *s, __u32 *gen)
{
	struct xdpdns_cache_ref ref;

	if (bpf_map_lookup_elem(c->index_fd, mk, &ref))
		return errno == ENOENT ? -ENOENT : -errno;
	*k = XDPDNS_REF_CLS(ref.loc);
	*s = XDPDNS_REF_SLOT(ref.loc);
	*gen = ref.gen;
	if (*k >= XDPDNS_SLOT_CLASSES || *s >= c->cls[*k].n)
		return -ENOENT;
	return 0;
}

/*
 * Reader: the slot the index names for @mk, read into @e, when it holds
 * that key and @qname at the index's generation. Return: 0, -ENOENT, or
 * -errno.
 */
static int cm_reader_find(const struct cachemap *c,
			  const struct xdpdns_cache_mkey *mk, const __u8 *qname,
			  unsigned int *k, uint32_t *s,
			  struct xdpdns_cache_entry *e)
{
	struct xdpdns_cache_mkey got;
	__u32 gen = 0, sgen = 0;
	int ret;

	ret = cm_index_get(c, mk, k, s, &gen);
	if (!ret)
		ret = cm_read(c, *k, *s, &got, e, &sgen);
	if (!ret && (sgen != gen || memcmp(&got, mk, sizeof(*mk)) ||
		     memcmp(e->qname, qname, XDPDNS_QNAME_BUF)))
		ret = -ENOENT;
	return ret;
}

int cachemap_lookup(struct cachemap *c, const struct xdpdns_cache_key *key,
		    struct xdpdns_cache_entry *e)
{
	__u8 qname[XDPDNS_QNAME_BUF];
	struct xdpdns_cache_mkey mk, got;
	unsigned int k;
	uint32_t s;

	if (cm_key(c, key, &mk, qname))
		return -ENOENT;
	if (c->writer) {
		uint32_t g = cm_find(c, &mk, qname);

		if (g == CM_NONE)
			return -ENOENT;
		cm_gslot(c, g, &k, &s);
		return cm_read(c, k, s, &got, e, NULL);
	}
	return cm_reader_find(c, &mk, qname, &k, &s, e);
}

int cachemap_delete(struct cachemap *c, const struct xdpdns_cache_key *key,
		    uint64_t now_ns)
{
	__u8 qname[XDPDNS_QNAME_BUF];
	struct xdpdns_cache_mkey mk;
	unsigned int k;
	uint32_t s;
	int ret;

	if (cm_key(c, key, &mk, qname))
		return -ENOENT;
	if (c->writer) {
		uint32_t g = cm_find(c, &mk, qname);

		if (g == CM_NONE)
			return -ENOENT;
		cm_gslot(c, g, &k, &s);
		ret = cm_index_drop(c, k, s);
		if (ret)
			return ret;
		cm_retire(c, k, s, now_ns);
	} else {
		struct xdpdns_cache_entry *e = malloc(sizeof(*e));

		if (!e)
			return -ENOMEM;
		ret = cm_reader_find(c, &mk, qname, &k, &s, e);
		free(e);
		if (ret)
			return ret;
		if (bpf_map_delete_elem(c->index_fd, &mk))
			return errno == ENOENT ? -ENOENT : -errno;
		__atomic_store_n(&cm_hdr(c, k, s)->live, 0, __ATOMIC_RELAXED);
	}
	c->st.deleted++;
	return 0;
}

int cachemap_flush(struct cachemap *c, uint64_t now_ns, uint32_t *removed)
{
	struct xdpdns_cache_mkey cur, next;
	uint32_t n = 0;
	int ret = 0;

	if (c->writer) {
		for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++)
			for (uint32_t s = 0; s < c->cls[k].n; s++) {
				if (c->meta[c->cls[k].base + s].state !=
				    CM_LIVE)
					continue;
				if (!ret)
					ret = cm_index_drop(c, k, s);
				cm_retire(c, k, s, now_ns);
				n++;
			}
	} else {
		/* Deleting while iterating restarts the walk; the map only
		 * shrinks, so this ends. */
		while (!bpf_map_get_next_key(c->index_fd, NULL, &next)) {
			struct xdpdns_cache_ref ref;

			cur = next;
			if (!bpf_map_lookup_elem(c->index_fd, &cur, &ref) &&
			    XDPDNS_REF_CLS(ref.loc) < XDPDNS_SLOT_CLASSES &&
			    XDPDNS_REF_SLOT(ref.loc) <
				    c->cls[XDPDNS_REF_CLS(ref.loc)].n)
				__atomic_store_n(
					&cm_hdr(c, XDPDNS_REF_CLS(ref.loc),
						XDPDNS_REF_SLOT(ref.loc))
						 ->live,
					0, __ATOMIC_RELAXED);
			if (bpf_map_delete_elem(c->index_fd, &cur) &&
			    errno != ENOENT) {
				ret = -errno;
				break;
			}
			n++;
		}
	}
	c->st.deleted += n;
	if (removed)
		*removed = n;
	return ret;
}

int cachemap_walk(struct cachemap *c, cachemap_walk_fn cb, void *arg)
{
	struct xdpdns_cache_entry *e = malloc(sizeof(*e));
	struct xdpdns_cache_key key;
	struct xdpdns_cache_mkey mk;
	int ret = 0;

	if (!e)
		return -ENOMEM;
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES && !ret; k++)
		for (uint32_t s = 0; s < c->cls[k].n && !ret; s++) {
			if (c->writer &&
			    c->meta[c->cls[k].base + s].state != CM_LIVE)
				continue;
			if (cm_read(c, k, s, &mk, e, NULL))
				continue;
			cm_key_of(&mk, e, &key);
			ret = cb(arg, &key, e);
		}
	free(e);
	return ret;
}

void cachemap_stats(const struct cachemap *c, struct cachemap_stats *out)
{
	*out = c->st;
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
		out->slots[k] = c->cls[k].n;
		out->live[k] = c->cls[k].live;
		out->quarantined[k] = c->cls[k].qlen;
		out->free[k] = c->cls[k].nfree;
	}
}

struct xdpdns_slot_hdr *cachemap_slot_of(struct cachemap *c,
					 const struct xdpdns_cache_key *key,
					 __u16 **ttl_off)
{
	__u8 qname[XDPDNS_QNAME_BUF];
	struct xdpdns_cache_mkey mk;
	unsigned int k;
	uint32_t g, s;

	if (!c->writer || cm_key(c, key, &mk, qname))
		return NULL;
	g = cm_find(c, &mk, qname);
	if (g == CM_NONE)
		return NULL;
	cm_gslot(c, g, &k, &s);
	if (ttl_off)
		*ttl_off = cm_ttl(c, k, s);
	return cm_hdr(c, k, s);
}

/*
 * Writer at open: keep what the index and the slots agree on. An entry is
 * kept when its slot is complete, carries the ref's generation and the
 * index key, and that key is the name's hash under this set's hash key
 * (a replaced config map brings a new one).
 */
static int cm_adopt(struct cachemap *c, uint64_t now_ns)
{
	struct xdpdns_cache_mkey cur, next, *stale = NULL;
	struct xdpdns_cache_entry *e = malloc(sizeof(*e));
	size_t nstale = 0, cap = 0;
	bool first = true;
	int ret = 0;

	if (!e)
		return -ENOMEM;
	while (!bpf_map_get_next_key(c->index_fd, first ? NULL : &cur, &next)) {
		struct xdpdns_cache_mkey got, want;
		struct xdpdns_cache_key key;
		unsigned int k = 0;
		__u32 gen = 0, sgen = 0;
		uint32_t s = 0;
		bool keep;

		first = false;
		cur = next;
		keep = !cm_index_get(c, &cur, &k, &s, &gen) &&
		       !cm_read(c, k, s, &got, e, &sgen) && sgen == gen &&
		       !memcmp(&got, &cur, sizeof(cur)) &&
		       c->meta[c->cls[k].base + s].state == CM_FREE;
		if (keep) {
			cm_key_of(&got, e, &key);
			keep = !xdpdns_cache_mkey_from_key(&c->hkey, &key,
							   &want) &&
			       !memcmp(&want, &cur, sizeof(cur));
		}
		if (keep) {
			uint32_t g = c->cls[k].base + s;

			c->meta[g].state = CM_LIVE;
			c->meta[g].ref = 1;
			c->meta[g].last_hits = e->hits;
			cm_link(c, g, &cur);
			c->cls[k].live++;
			if ((__s32)(gen - c->gen) > 0)
				c->gen = gen;
			continue;
		}
		if (nstale == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct xdpdns_cache_mkey *ns =
				realloc(stale, ncap * sizeof(*ns));

			if (!ns) {
				ret = -ENOMEM;
				goto out;
			}
			stale = ns;
			cap = ncap;
		}
		stale[nstale++] = cur;
	}
	for (size_t i = 0; i < nstale; i++)
		bpf_map_delete_elem(c->index_fd, &stale[i]);
	/* Written slots nobody indexes: some reader may still hold one. */
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
		struct cm_class *cl = &c->cls[k];

		for (uint32_t s = cl->n; s-- > 0;) {
			struct xdpdns_slot_hdr *h = cm_hdr(c, k, s);

			if (c->meta[cl->base + s].state == CM_LIVE)
				continue;
			if (h->gen || h->seq)
				cm_retire(c, k, s, now_ns);
			else
				cl->free[cl->nfree++] = s;
		}
	}
out:
	free(stale);
	free(e);
	return ret;
}

int cachemap_open(int index_fd, const int slot_fds[XDPDNS_SLOT_CLASSES],
		  const struct xdpdns_hash_key *hkey, unsigned int flags,
		  uint64_t now_ns, struct cachemap **out, char *err,
		  size_t errlen)
{
	struct cachemap *c = calloc(1, sizeof(*c));
	int ret;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->index_fd = index_fd;
	c->hkey = *hkey;
	c->writer = flags & CACHEMAP_WRITER;
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		struct cm_class *cl = &c->cls[k];
		long page = sysconf(_SC_PAGESIZE);

		if (slot_fds[k] < 0 ||
		    bpf_obj_get_info_by_fd(slot_fds[k], &info, &len)) {
			ret = slot_fds[k] < 0 ? -ENOENT : -errno;
			seterr(err, errlen, "cache slot class %u: %s", k,
			       slot_fds[k] < 0 ? "map not open" :
						 strerror(-ret));
			goto fail;
		}
		if (info.value_size != cachemap_classes[k].slot_size ||
		    !(info.map_flags & BPF_F_MMAPABLE) || !info.max_entries) {
			ret = -EPROTO;
			seterr(err, errlen,
			       "cache slot class %u: %u-byte values, flags %#x: pinned by another xdpdns version",
			       k, info.value_size, info.map_flags);
			goto fail;
		}
		cl->n = info.max_entries;
		cl->base = c->total;
		c->total += cl->n;
		cl->map_len = ((size_t)cl->n * cachemap_classes[k].slot_size +
			       (size_t)page - 1) &
			      ~((size_t)page - 1);
		cl->mem = mmap(NULL, cl->map_len, PROT_READ | PROT_WRITE,
			       MAP_SHARED, slot_fds[k], 0);
		if (cl->mem == MAP_FAILED) {
			ret = -errno;
			cl->mem = NULL;
			seterr(err, errlen,
			       "cannot map cache slot class %u: %s", k,
			       strerror(-ret));
			goto fail;
		}
	}
	if (c->writer) {
		c->nbuckets = 1;
		while (c->nbuckets < c->total)
			c->nbuckets <<= 1;
		c->meta = calloc(c->total, sizeof(*c->meta));
		c->buckets = malloc(c->nbuckets * sizeof(*c->buckets));
		ret = -ENOMEM;
		if (!c->meta || !c->buckets) {
			seterr(err, errlen,
			       "out of memory for the cache table");
			goto fail;
		}
		memset(c->buckets, 0xff, c->nbuckets * sizeof(*c->buckets));
		for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
			struct cm_class *cl = &c->cls[k];

			cl->free = malloc(cl->n * sizeof(*cl->free));
			cl->quar = malloc(cl->n * sizeof(*cl->quar));
			if (!cl->free || !cl->quar) {
				seterr(err, errlen,
				       "out of memory for the cache table");
				goto fail;
			}
			cl->reserve = cl->n / 16;
			if (cl->reserve < 4)
				cl->reserve = cl->n < 4 ? 1 : 4;
			if (cl->reserve > 16384)
				cl->reserve = 16384;
		}
		for (uint32_t g = 0; g < c->total; g++)
			c->meta[g].next = CM_NONE;
		ret = cm_adopt(c, now_ns);
		if (ret) {
			seterr(err, errlen, "cannot read the cache index: %s",
			       strerror(-ret));
			goto fail;
		}
	}
	*out = c;
	return 0;
fail:
	cachemap_close(c);
	return ret;
}

void cachemap_close(struct cachemap *c)
{
	if (!c)
		return;
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
		if (c->cls[k].mem)
			munmap(c->cls[k].mem, c->cls[k].map_len);
		free(c->cls[k].free);
		free(c->cls[k].quar);
	}
	free(c->meta);
	free(c->buckets);
	free(c);
}

void cachemap_split(uint32_t total, const uint8_t pct[XDPDNS_SLOT_CLASSES],
		    uint32_t slots[XDPDNS_SLOT_CLASSES])
{
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
		uint64_t n = (uint64_t)total * pct[k] / 100;

		slots[k] = n < CACHEMAP_CLASS_MIN ? CACHEMAP_CLASS_MIN :
						    (uint32_t)n;
	}
}

/* What the kernel allocates for a preallocated hash element: struct
 * htab_elem's header, the key and the value, each 8-aligned. */
#define CM_HTAB_ELEM_HDR 48
#define CM_HTAB_BUCKET 16

uint64_t cachemap_bytes(const uint32_t slots[XDPDNS_SLOT_CLASSES])
{
	uint64_t bytes = 0, n = 0, nb = 1;

	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
		bytes += (uint64_t)slots[k] * cachemap_classes[k].slot_size;
		n += slots[k];
	}
	while (nb < n)
		nb <<= 1;
	return bytes +
	       n * (CM_HTAB_ELEM_HDR + sizeof(struct xdpdns_cache_mkey) +
		    sizeof(struct xdpdns_cache_ref)) +
	       nb * CM_HTAB_BUCKET;
}

int cachemap_parse_split(const char *text, uint8_t pct[XDPDNS_SLOT_CLASSES])
{
	const char *p = text;
	unsigned int sum = 0;

	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
		unsigned long v;
		char *end;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || v > 100 || end == p)
			return -EINVAL;
		if (k + 1 < XDPDNS_SLOT_CLASSES ? *end != ',' : *end != '\0')
			return -EINVAL;
		pct[k] = (uint8_t)v;
		sum += (unsigned int)v;
		p = end + 1;
	}
	return sum == 100 ? 0 : -EINVAL;
}

int cachemap_create_maps(const uint32_t slots[XDPDNS_SLOT_CLASSES],
			 int *index_fd, int slot_fds[XDPDNS_SLOT_CLASSES])
{
	LIBBPF_OPTS(bpf_map_create_opts, mm, .map_flags = BPF_F_MMAPABLE);
	static const char *const names[XDPDNS_SLOT_CLASSES] = {
		XDPDNS_MAP_SLOT0, XDPDNS_MAP_SLOT1, XDPDNS_MAP_SLOT2,
		XDPDNS_MAP_SLOT3
	};
	uint32_t total = 0;
	int ret;

	*index_fd = -1;
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++)
		slot_fds[k] = -1;
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
		slot_fds[k] = bpf_map_create(
			BPF_MAP_TYPE_ARRAY, names[k], sizeof(__u32),
			(__u32)cachemap_classes[k].slot_size, slots[k], &mm);
		if (slot_fds[k] < 0)
			goto fail;
		total += slots[k];
	}
	*index_fd = bpf_map_create(BPF_MAP_TYPE_HASH, XDPDNS_MAP_CACHE,
				   sizeof(struct xdpdns_cache_mkey),
				   sizeof(struct xdpdns_cache_ref), total,
				   NULL);
	if (*index_fd >= 0)
		return 0;
fail:
	ret = -errno;
	if (*index_fd >= 0)
		close(*index_fd);
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++)
		if (slot_fds[k] >= 0)
			close(slot_fds[k]);
	*index_fd = -1;
	return ret;
}
