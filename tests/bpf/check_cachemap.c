// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lib/cachemap.c on real maps: an index and slot classes made by
 * cachemap_create_maps() for each test, watched through a mapping of the
 * slots and the index of our own, not through the writer's state. The
 * writer's clock is an argument, so quarantine is tested on a clock of the
 * test's (whole seconds from CM_T0), without sleeping. Where the XDP
 * program must serve what the writer wrote (eviction by real hits, a warm
 * restart), the suite's loaded object and its cache are used.
 *
 * What is held: a write leaves its slot's sequence even, 2 more than before,
 * and never goes to the slot of the entry it replaces; a freed slot (an
 * entry replaced, deleted, flushed or evicted) is not written for
 * XDPDNS_SLOT_QUARANTINE_NS even when its class has nothing else (-ENOSPC,
 * no_slot), and is written after; an entry goes to the smallest class that
 * holds its sections, its padded name and its TTL offsets, to the byte;
 * eviction takes an entry not hit since the hand passed it and spares the
 * hot ones; deletes and flushes of a writer and of a reader; a writer
 * opened on maps another left keeps what the index and the slots agree on
 * and drops the rest; a walk lists live entries only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "lib/cache_entry.h"
#include "lib/cachemap.h"
#include "lib/dnswire.h"
#include "tests/lib/pktbuild.h"
#include "tests/lib/xdptest.h"
#include "suites.h"

#define NS_PER_S 1000000000ULL
/* The writer's clock in the tests on maps of their own. */
#define CM_T0 (1000 * NS_PER_S)
#define CM_S(n) (CM_T0 + (uint64_t)(n)*NS_PER_S)

static const struct xdpdns_hash_key HK = { 0x0ddba11cafef00dULL,
					   0x5ca1ab1e0b57ac1eULL };

/* --- the suite's loaded object ------------------------------------------ */

static struct xdptest T;

static void env_setup(void)
{
	xdptest_open_once(&T, "check_cachemap");
}

#define NEED_ENV() \
	ck_assert_msg(T.skel != NULL, "BPF object not loaded: %s", T.err)

/* --- a cache of the test's own ------------------------------------------- */

struct fix {
	int index_fd;
	int fds[XDPDNS_SLOT_CLASSES];
	uint32_t slots[XDPDNS_SLOT_CLASSES];
	uint8_t *mem[XDPDNS_SLOT_CLASSES]; /* our mapping of the slots */
	size_t len[XDPDNS_SLOT_CLASSES];
	struct cachemap *cm;
};

static struct fix F;

static struct cachemap *fix_writer(const struct xdpdns_hash_key *hk,
				   uint64_t now)
{
	struct cachemap *cm;
	char why[200] = "";
	int err;

	err = cachemap_open(F.index_fd, F.fds, hk, CACHEMAP_WRITER, now, &cm,
			    why, sizeof(why));
	ck_assert_msg(err == 0, "cachemap_open: %d %s", err, why);
	return cm;
}

static struct cachemap *fix_reader(void)
{
	struct cachemap *cm;
	char why[200] = "";
	int err;

	err = cachemap_open(F.index_fd, F.fds, &HK, 0, 0, &cm, why,
			    sizeof(why));
	ck_assert_msg(err == 0, "cachemap_open (reader): %d %s", err, why);
	return cm;
}

/* New maps of @s0..@s3 slots, mapped, and a writer on them at CM_T0. */
static void fix_open(uint32_t s0, uint32_t s1, uint32_t s2, uint32_t s3)
{
	long page = sysconf(_SC_PAGESIZE);

	memset(&F, 0, sizeof(F));
	F.slots[0] = s0;
	F.slots[1] = s1;
	F.slots[2] = s2;
	F.slots[3] = s3;
	ck_assert_int_eq(cachemap_create_maps(F.slots, &F.index_fd, F.fds), 0);
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
		F.len[k] = (F.slots[k] * cachemap_classes[k].slot_size +
			    (size_t)page - 1) &
			   ~((size_t)page - 1);
		F.mem[k] = mmap(NULL, F.len[k], PROT_READ | PROT_WRITE,
				MAP_SHARED, F.fds[k], 0);
		ck_assert_ptr_ne(F.mem[k], MAP_FAILED);
	}
	F.cm = fix_writer(&HK, CM_T0);
}

static struct xdpdns_slot_hdr *fix_hdr(unsigned int k, uint32_t s)
{
	ck_assert_uint_lt(s, F.slots[k]);
	return (struct xdpdns_slot_hdr *)(F.mem[k] +
					  s * cachemap_classes[k].slot_size);
}

static uint8_t *fix_body(unsigned int k, uint32_t s)
{
	return (uint8_t *)fix_hdr(k, s) + cachemap_classes[k].body_off;
}

static struct xdpdns_cache_mkey mkey_of(const struct xdpdns_hash_key *hk,
					const struct xdpdns_cache_key *k)
{
	struct xdpdns_cache_mkey mk;

	ck_assert_int_eq(xdpdns_cache_mkey_from_key(hk, k, &mk), 0);
	return mk;
}

/* The index's ref of @k. Return: 0 or -ENOENT. */
static int index_ref(int index_fd, const struct xdpdns_hash_key *hk,
		     const struct xdpdns_cache_key *k,
		     struct xdpdns_cache_ref *ref)
{
	struct xdpdns_cache_mkey mk = mkey_of(hk, k);

	return bpf_map_lookup_elem(index_fd, &mk, ref) ? -errno : 0;
}

static struct xdpdns_cache_ref fix_ref(const struct xdpdns_cache_key *k)
{
	struct xdpdns_cache_ref ref;

	ck_assert_int_eq(index_ref(F.index_fd, &HK, k, &ref), 0);
	return ref;
}

static unsigned int index_count(int index_fd)
{
	struct xdpdns_cache_mkey cur, next;
	unsigned int n = 0;
	bool first = true;

	while (!bpf_map_get_next_key(index_fd, first ? NULL : &cur, &next)) {
		first = false;
		cur = next;
		n++;
	}
	return n;
}

static struct cachemap_stats stats_of(const struct cachemap *cm)
{
	struct cachemap_stats st;

	cachemap_stats(cm, &st);
	return st;
}

/* --- keys and entries ---------------------------------------------------- */

/* The key of @name, type @qtype, no DO or CD. */
static struct xdpdns_cache_key key_of(const char *name, uint16_t qtype)
{
	struct xdpdns_cache_key k = { .qtype = qtype, .qclass = 1 };
	int n = dnswire_name_from_text(name, k.qname, sizeof(k.qname));

	ck_assert_int_gt(n, 0);
	dnswire_name_lower(k.qname, (size_t)n);
	return k;
}

/* "n<i>.cachemap.test." A */
static struct xdpdns_cache_key key_n(unsigned int i)
{
	char name[64];

	snprintf(name, sizeof(name), "n%u.cachemap.test.", i);
	return key_of(name, 1);
}

/* A key whose name is @len bytes of wire format (1: the root), tag @tag. */
static struct xdpdns_cache_key key_len(unsigned int len, unsigned int tag)
{
	struct xdpdns_cache_key k = { .qtype = 16, .qclass = 1 };
	unsigned int off = 0, left = len - 1;

	ck_assert_uint_ge(len, 1);
	ck_assert_uint_le(len, DNS_NAME_MAX);
	while (left) {
		unsigned int l = left - 1 > 63 ? 63 : left - 1;

		if (left - (l + 1) == 1) /* one byte is no label */
			l--;
		k.qname[off] = (uint8_t)l;
		memset(k.qname + off + 1, 'a' + (int)(tag % 26), l);
		off += l + 1;
		left -= l + 1;
	}
	ck_assert_int_eq(dnswire_name_len(k.qname, sizeof(k.qname)), (int)len);
	return k;
}

/*
 * A synthetic entry: @data_len bytes of sections made of @tag, @rr
 * records (all answers, every TTL offset 0). The writer never looks
 * inside; only the tests the program serves need real entries.
 */
static void entry_make(struct xdpdns_cache_entry *e, unsigned int data_len,
		       unsigned int rr, uint8_t tag)
{
	memset(e, 0, sizeof(*e));
	e->expire_ns = UINT64_MAX / 2;
	e->stored_ns = 1;
	e->ttl = 300;
	e->data_csum = (uint16_t)(0x1000 + tag);
	e->ancount = (uint16_t)rr;
	e->rr_count = (uint16_t)rr;
	e->data_len = (uint16_t)data_len;
	for (unsigned int i = 0; i < data_len && i < sizeof(e->data); i++)
		e->data[i] = (uint8_t)(tag ^ i);
	for (unsigned int i = 0; i < rr && i < XDPDNS_RR_MAX; i++)
		e->ttl_off[i] = (uint16_t)(i * 2);
}

/* Is @got (a lookup) entry_make()'s @tag entry? */
static bool entry_is(const struct xdpdns_cache_entry *got,
		     const struct xdpdns_cache_entry *want)
{
	return got->data_len == want->data_len &&
	       got->rr_count == want->rr_count &&
	       got->data_csum == want->data_csum &&
	       got->expire_ns == want->expire_ns &&
	       !memcmp(got->data, want->data, want->data_len) &&
	       !memcmp(got->ttl_off, want->ttl_off,
		       want->rr_count * sizeof(__u16));
}

/* Writes entry_make(@data_len, @rr, @tag) for @k at @now. */
static int put(struct cachemap *cm, const struct xdpdns_cache_key *k,
	       unsigned int data_len, unsigned int rr, uint8_t tag,
	       uint64_t now)
{
	struct xdpdns_cache_entry e;

	entry_make(&e, data_len, rr, tag);
	return cachemap_write(cm, k, &e, now);
}

/* @k holds entry_make(@data_len, @rr, @tag) for @cm's lookup. */
static void expect_entry(struct cachemap *cm, const struct xdpdns_cache_key *k,
			 unsigned int data_len, unsigned int rr, uint8_t tag)
{
	static struct xdpdns_cache_entry got, want;

	entry_make(&want, data_len, rr, tag);
	ck_assert_int_eq(cachemap_lookup(cm, k, &got), 0);
	ck_assert_msg(entry_is(&got, &want), "entry %u differs", tag);
	ck_assert_mem_eq(got.qname, k->qname, sizeof(k->qname));
}

static void expect_gone(struct cachemap *cm, const struct xdpdns_cache_key *k)
{
	static struct xdpdns_cache_entry got;
	struct xdpdns_cache_ref ref;

	ck_assert_int_eq(cachemap_lookup(cm, k, &got), -ENOENT);
	ck_assert_int_eq(index_ref(F.index_fd, &HK, k, &ref), -ENOENT);
}

/* --- Positive ------------------------------------------------------------ */

/*
 * Seqlock writes on a class of two slots, a second apart so that the slot
 * a write frees is free again at the next: every write goes to the slot
 * that is not the replaced one's, its sequence ends even and 2 up for
 * each write of that slot, the slot carries the index's generation and
 * the live flag, and the slot it left does not.
 */
START_TEST(test_seqlock)
{
	struct xdpdns_cache_key k = key_n(1);
	unsigned int writes[2] = { 0 };
	struct xdpdns_cache_ref ref, prev = { 0 };

	fix_open(2, 1, 1, 1);
	for (unsigned int s = 0; s < 2; s++)
		ck_assert_uint_eq(fix_hdr(0, s)->seq, 0);
	for (unsigned int i = 0; i < 10; i++) {
		uint32_t s;

		ck_assert_int_eq(put(F.cm, &k, 40, 2, (uint8_t)i, CM_S(i)), 0);
		ref = fix_ref(&k);
		ck_assert_uint_eq(XDPDNS_REF_CLS(ref.loc), 0);
		s = XDPDNS_REF_SLOT(ref.loc);
		ck_assert_uint_lt(s, 2);
		if (i)
			ck_assert_msg(ref.loc != prev.loc,
				      "write %u went to the slot it replaces",
				      i);
		ck_assert_uint_gt(ref.gen, prev.gen);
		writes[s]++;
		for (unsigned int j = 0; j < 2; j++)
			ck_assert_uint_eq(fix_hdr(0, j)->seq, 2 * writes[j]);
		ck_assert_uint_eq(fix_hdr(0, s)->gen, ref.gen);
		ck_assert_uint_eq(fix_hdr(0, s)->live, XDPDNS_SLOT_LIVE);
		if (i)
			ck_assert_uint_eq(fix_hdr(0, 1 - s)->live, 0);
		expect_entry(F.cm, &k, 40, 2, (uint8_t)i);
		prev = ref;
	}
	ck_assert_uint_eq(writes[0], 5);
	ck_assert_uint_eq(writes[1], 5);
	ck_assert_uint_eq(stats_of(F.cm).writes, 10);
}
END_TEST

/*
 * Quarantine on a class of two slots. A slot freed at CM_T0 (its entry
 * replaced, deleted, flushed or evicted) is all the class has free: a
 * write refused (-ENOSPC, no_slot) up to a nanosecond before CM_T0 + 1 s,
 * the slot untouched; at CM_T0 + 1 s the write goes to it.
 */
enum { Q_REPLACE, Q_DELETE, Q_FLUSH, Q_EVICT };

static const struct q_case {
	const char *label;
	int how;
} q_cases[] = {
	{ "replaced", Q_REPLACE },
	{ "deleted", Q_DELETE },
	{ "flushed", Q_FLUSH },
	{ "evicted", Q_EVICT },
};

START_TEST(test_quarantine)
{
	const struct q_case *c = &q_cases[_i];
	struct xdpdns_cache_key a = key_n(1), b = key_n(2), n = key_n(3);
	struct xdpdns_cache_ref ra;
	struct cachemap_stats st;
	uint32_t freed, removed, s;
	__u32 seq[2];

	fix_open(2, 1, 1, 1);
	ck_assert_int_eq(put(F.cm, &a, 30, 1, 1, CM_T0), 0);
	ra = fix_ref(&a);
	freed = XDPDNS_REF_SLOT(ra.loc);
	if (c->how != Q_REPLACE)
		ck_assert_int_eq(put(F.cm, &b, 30, 1, 2, CM_T0), 0);
	switch (c->how) {
	case Q_REPLACE:
		ck_assert_int_eq(put(F.cm, &a, 30, 1, 3, CM_T0), 0);
		ck_assert_uint_ne(XDPDNS_REF_SLOT(fix_ref(&a).loc), freed);
		break;
	case Q_DELETE:
		ck_assert_int_eq(cachemap_delete(F.cm, &a, CM_T0), 0);
		break;
	case Q_FLUSH:
		ck_assert_int_eq(cachemap_flush(F.cm, CM_T0, &removed), 0);
		ck_assert_uint_eq(removed, 2);
		break;
	case Q_EVICT:
		/* Full: the write evicts one (a, the hand's first) and has
		 * nothing to write to but the slot it just freed. */
		ck_assert_int_eq(put(F.cm, &n, 30, 1, 4, CM_T0), -ENOSPC);
		ck_assert_uint_eq(stats_of(F.cm).evicted[0], 1);
		ck_assert_uint_eq(stats_of(F.cm).no_slot, 1);
		expect_gone(F.cm, &a);
		break;
	}
	st = stats_of(F.cm);
	ck_assert_uint_eq(st.free[0], 0);
	ck_assert_uint_eq(st.quarantined[0], c->how == Q_FLUSH ? 2 : 1);
	ck_assert_uint_eq(fix_hdr(0, freed)->live, 0);
	seq[0] = fix_hdr(0, 0)->seq;
	seq[1] = fix_hdr(0, 1)->seq;

	ck_assert_int_eq(put(F.cm, &n, 30, 1, 5, CM_S(1) - 1), -ENOSPC);
	cachemap_tick(F.cm, CM_S(1) - 1);
	ck_assert_int_eq(put(F.cm, &n, 30, 1, 5, CM_S(1) - 1), -ENOSPC);
	ck_assert_uint_eq(fix_hdr(0, 0)->seq, seq[0]);
	ck_assert_uint_eq(fix_hdr(0, 1)->seq, seq[1]);
	ck_assert_uint_eq(stats_of(F.cm).no_slot, c->how == Q_EVICT ? 3 : 2);
	ck_assert_uint_eq(stats_of(F.cm).evicted[0], c->how == Q_EVICT);
	if (c->how == Q_REPLACE)
		expect_entry(F.cm, &a, 30, 1, 3);
	else if (c->how != Q_FLUSH)
		expect_entry(F.cm, &b, 30, 1, 2);

	ck_assert_int_eq(put(F.cm, &n, 30, 1, 6, CM_S(1)), 0);
	s = XDPDNS_REF_SLOT(fix_ref(&n).loc);
	/* a flush freed both: either */
	if (c->how != Q_FLUSH)
		ck_assert_uint_eq(s, freed);
	ck_assert_uint_eq(fix_hdr(0, s)->seq, seq[s] + 2);
	ck_assert_uint_eq(fix_hdr(0, 1 - s)->seq, seq[1 - s]);
	expect_entry(F.cm, &n, 30, 1, 6);
}
END_TEST

/*
 * Deletes and a flush by the writer: the index entry goes, the slot's live
 * flag is cleared and the slot quarantined; the other entries stay; a
 * second delete finds nothing; after the quarantine every slot is free.
 */
START_TEST(test_delete)
{
	struct xdpdns_cache_key a = key_n(1), b = key_n(2), c = key_n(3);
	struct xdpdns_cache_ref rb = { 0 };
	struct cachemap_stats st;
	uint32_t removed;

	fix_open(4, 4, 4, 4);
	ck_assert_int_eq(put(F.cm, &a, 100, 3, 1, CM_T0), 0);
	ck_assert_int_eq(put(F.cm, &b, 300, 3, 2, CM_T0), 0);
	ck_assert_int_eq(put(F.cm, &c, 600, 3, 3, CM_T0), 0);
	rb = fix_ref(&b);
	ck_assert_uint_eq(XDPDNS_REF_CLS(rb.loc), 1);
	ck_assert_int_eq(cachemap_delete(F.cm, &b, CM_T0), 0);
	expect_gone(F.cm, &b);
	ck_assert_uint_eq(fix_hdr(1, XDPDNS_REF_SLOT(rb.loc))->live, 0);
	ck_assert_int_eq(cachemap_delete(F.cm, &b, CM_T0), -ENOENT);
	expect_entry(F.cm, &a, 100, 3, 1);
	expect_entry(F.cm, &c, 600, 3, 3);
	st = stats_of(F.cm);
	ck_assert_uint_eq(st.deleted, 1);
	ck_assert_uint_eq(st.live[1], 0);
	ck_assert_uint_eq(st.quarantined[1], 1);
	ck_assert_uint_eq(index_count(F.index_fd), 2);

	ck_assert_int_eq(cachemap_flush(F.cm, CM_T0, &removed), 0);
	ck_assert_uint_eq(removed, 2);
	ck_assert_uint_eq(index_count(F.index_fd), 0);
	expect_gone(F.cm, &a);
	expect_gone(F.cm, &c);
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++)
		for (uint32_t s = 0; s < F.slots[k]; s++)
			ck_assert_uint_eq(fix_hdr(k, s)->live, 0);
	st = stats_of(F.cm);
	ck_assert_uint_eq(st.deleted, 3);
	ck_assert_uint_eq(st.quarantined[0], 1);
	ck_assert_uint_eq(st.quarantined[1], 1);
	ck_assert_uint_eq(st.quarantined[2], 1);
	cachemap_tick(F.cm, CM_S(1));
	st = stats_of(F.cm);
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
		ck_assert_uint_eq(st.free[k], F.slots[k]);
		ck_assert_uint_eq(st.quarantined[k], 0);
		ck_assert_uint_eq(st.live[k], 0);
	}
}
END_TEST

/*
 * A reader (no daemon running): lookups under the seqlock, no writes;
 * a delete and a flush remove the index entries and clear the live flags.
 * A writer opened later reclaims the slots: quarantined at its open, free
 * a second later.
 */
START_TEST(test_reader)
{
	struct xdpdns_cache_key a = key_n(1), b = key_n(2), c = key_n(3);
	struct xdpdns_cache_ref ra, rb, rc;
	struct cachemap_stats st;
	struct cachemap *r;
	uint32_t removed;

	fix_open(4, 4, 4, 4);
	ck_assert_int_eq(put(F.cm, &a, 100, 3, 1, CM_T0), 0);
	ck_assert_int_eq(put(F.cm, &b, 300, 3, 2, CM_T0), 0);
	ck_assert_int_eq(put(F.cm, &c, 1000, 3, 3, CM_T0), 0);
	ra = fix_ref(&a);
	rb = fix_ref(&b);
	rc = fix_ref(&c);
	cachemap_close(F.cm);
	F.cm = NULL;

	r = fix_reader();
	expect_entry(r, &a, 100, 3, 1);
	expect_entry(r, &c, 1000, 3, 3);
	ck_assert_int_eq(put(r, &a, 100, 3, 9, CM_T0), -EPERM);
	ck_assert_ptr_null(cachemap_slot_of(r, &a, NULL));
	ck_assert_int_eq(cachemap_delete(r, &a, CM_T0), 0);
	expect_gone(r, &a);
	ck_assert_uint_eq(fix_hdr(0, XDPDNS_REF_SLOT(ra.loc))->live, 0);
	ck_assert_uint_eq(fix_hdr(1, XDPDNS_REF_SLOT(rb.loc))->live,
			  XDPDNS_SLOT_LIVE);
	ck_assert_int_eq(cachemap_delete(r, &a, CM_T0), -ENOENT);
	ck_assert_int_eq(cachemap_flush(r, CM_T0, &removed), 0);
	ck_assert_uint_eq(removed, 2);
	ck_assert_uint_eq(index_count(F.index_fd), 0);
	ck_assert_uint_eq(fix_hdr(1, XDPDNS_REF_SLOT(rb.loc))->live, 0);
	ck_assert_uint_eq(fix_hdr(3, XDPDNS_REF_SLOT(rc.loc))->live, 0);
	expect_gone(r, &b);
	ck_assert_uint_eq(stats_of(r).deleted, 3);
	cachemap_close(r);

	F.cm = fix_writer(&HK, CM_S(5));
	st = stats_of(F.cm);
	ck_assert_uint_eq(st.live[0] + st.live[1] + st.live[3], 0);
	ck_assert_uint_eq(st.quarantined[0], 1);
	ck_assert_uint_eq(st.quarantined[1], 1);
	ck_assert_uint_eq(st.quarantined[3], 1);
	ck_assert_uint_eq(st.free[0], F.slots[0] - 1);
	cachemap_tick(F.cm, CM_S(6));
	st = stats_of(F.cm);
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++)
		ck_assert_uint_eq(st.free[k], F.slots[k]);
	/* Every slot of class 0 is written again, none refused. */
	for (unsigned int i = 0; i < F.slots[0]; i++) {
		struct xdpdns_cache_key k = key_n(10 + i);

		ck_assert_int_eq(put(F.cm, &k, 20, 1, (uint8_t)i, CM_S(6)), 0);
	}
}
END_TEST

/*
 * A writer opened on maps another writer left: what the index and the
 * slots agree on is kept with its hits and served, the slot of a replaced
 * entry and of a deleted one is quarantined, and new writes carry a later
 * generation.
 */
START_TEST(test_adopt)
{
	struct xdpdns_cache_key a = key_n(1), b = key_n(2), c = key_n(3),
				d = key_n(4), e = key_n(5);
	struct xdpdns_cache_ref ra, rb, rc;
	struct xdpdns_slot_hdr *h;
	struct cachemap_stats st;
	struct xdpdns_cache_entry got;
	__u32 gen_max;

	fix_open(8, 8, 8, 8);
	ck_assert_int_eq(put(F.cm, &a, 100, 3, 1, CM_T0), 0);
	ck_assert_int_eq(put(F.cm, &b, 300, 3, 2, CM_T0), 0);
	ck_assert_int_eq(put(F.cm, &c, 1200, 40, 3, CM_T0), 0);
	ck_assert_int_eq(put(F.cm, &a, 110, 4, 4, CM_T0), 0); /* replaces */
	ck_assert_int_eq(put(F.cm, &d, 700, 3, 5, CM_T0), 0);
	ck_assert_int_eq(cachemap_delete(F.cm, &d, CM_T0), 0);
	h = cachemap_slot_of(F.cm, &a, NULL);
	ck_assert_ptr_nonnull(h);
	h->hits = 7;
	ra = fix_ref(&a);
	rb = fix_ref(&b);
	rc = fix_ref(&c);
	gen_max = rc.gen > ra.gen ? rc.gen : ra.gen;
	cachemap_close(F.cm);

	F.cm = fix_writer(&HK, CM_S(3));
	expect_entry(F.cm, &a, 110, 4, 4);
	expect_entry(F.cm, &b, 300, 3, 2);
	expect_entry(F.cm, &c, 1200, 40, 3);
	expect_gone(F.cm, &d);
	ck_assert_int_eq(cachemap_lookup(F.cm, &a, &got), 0);
	ck_assert_uint_eq(got.hits, 7);
	ck_assert_uint_eq(fix_ref(&a).loc, ra.loc);
	ck_assert_uint_eq(fix_ref(&b).loc, rb.loc);
	st = stats_of(F.cm);
	ck_assert_uint_eq(st.live[0], 1);
	ck_assert_uint_eq(st.live[1], 1);
	ck_assert_uint_eq(st.live[2], 0);
	ck_assert_uint_eq(st.live[3], 1);
	ck_assert_uint_eq(st.quarantined[0], 1); /* a's first slot */
	ck_assert_uint_eq(st.quarantined[2], 1); /* d's */
	ck_assert_uint_eq(st.free[0], 6);
	ck_assert_uint_eq(st.free[1], 7);
	ck_assert_uint_eq(st.free[2], 7);
	ck_assert_uint_eq(st.free[3], 7);
	ck_assert_uint_eq(index_count(F.index_fd), 3);
	ck_assert_int_eq(put(F.cm, &e, 50, 1, 6, CM_S(3)), 0);
	ck_assert_uint_gt(fix_ref(&e).gen, gen_max);
	/* the adopted entries are the writer's: replaced and deleted */
	ck_assert_int_eq(put(F.cm, &b, 40, 1, 7, CM_S(3)), 0);
	ck_assert_uint_ne(fix_ref(&b).loc, rb.loc);
	ck_assert_int_eq(cachemap_delete(F.cm, &c, CM_S(3)), 0);
	expect_gone(F.cm, &c);
	ck_assert_uint_eq(stats_of(F.cm).quarantined[1], 1);
}
END_TEST

/*
 * What a writer opened on those maps drops: an index entry naming its
 * slot with another generation, another key's slot, a slot past the
 * class, a class that does not exist, a slot not marked live, a slot left
 * mid-write; and, opened with another hash key, everything (every map key
 * is a hash under the old one). Dropped entries leave the index; their
 * slots are quarantined. The other entry is kept.
 */
enum {
	D_GEN,
	D_OTHER,
	D_SLOT,
	D_CLASS,
	D_NOT_LIVE,
	D_MID_WRITE,
	D_HASH_KEY,
};

static const struct drop_case {
	const char *label;
	int how;
} drop_cases[] = {
	{ "another generation", D_GEN },     { "another key's slot", D_OTHER },
	{ "a slot past the class", D_SLOT }, { "no such class", D_CLASS },
	{ "slot not live", D_NOT_LIVE },     { "slot mid-write", D_MID_WRITE },
	{ "another hash key", D_HASH_KEY },
};

START_TEST(test_adopt_drop)
{
	const struct drop_case *c = &drop_cases[_i];
	struct xdpdns_hash_key hk2 = HK;
	struct xdpdns_cache_key a = key_n(1), b = key_n(2);
	struct xdpdns_cache_mkey mka = mkey_of(&HK, &a);
	struct xdpdns_cache_ref ra, rb, bad;
	struct cachemap_stats st;

	fix_open(8, 8, 8, 8);
	ck_assert_int_eq(put(F.cm, &a, 100, 3, 1, CM_T0), 0);
	ck_assert_int_eq(put(F.cm, &b, 120, 3, 2, CM_T0), 0);
	ra = fix_ref(&a);
	rb = fix_ref(&b);
	cachemap_close(F.cm);
	bad = ra;
	switch (c->how) {
	case D_GEN:
		bad.gen++;
		break;
	case D_OTHER:
		bad = rb;
		break;
	case D_SLOT:
		bad.loc = XDPDNS_REF_LOC(0, F.slots[0]);
		break;
	case D_CLASS:
		bad.loc = XDPDNS_REF_LOC(9, 0);
		break;
	case D_NOT_LIVE:
		fix_hdr(0, XDPDNS_REF_SLOT(ra.loc))->live = 0;
		break;
	case D_MID_WRITE:
		fix_hdr(0, XDPDNS_REF_SLOT(ra.loc))->seq |= 1;
		break;
	case D_HASH_KEY:
		hk2.k0 ^= 1;
		break;
	}
	ck_assert_int_eq(bpf_map_update_elem(F.index_fd, &mka, &bad, BPF_EXIST),
			 0);

	F.cm = fix_writer(&hk2, CM_S(2));
	st = stats_of(F.cm);
	if (c->how == D_HASH_KEY) {
		ck_assert_uint_eq(index_count(F.index_fd), 0);
		ck_assert_uint_eq(st.live[0], 0);
		ck_assert_uint_eq(st.quarantined[0], 2);
		return;
	}
	expect_gone(F.cm, &a);
	expect_entry(F.cm, &b, 120, 3, 2);
	ck_assert_uint_eq(fix_ref(&b).loc, rb.loc);
	ck_assert_uint_eq(index_count(F.index_fd), 1);
	ck_assert_uint_eq(st.live[0], 1);
	ck_assert_uint_eq(st.quarantined[0], 1); /* a's slot */
	ck_assert_uint_eq(st.free[0], F.slots[0] - 2);
	/* a can be written again, to another slot */
	ck_assert_int_eq(put(F.cm, &a, 100, 3, 3, CM_S(2)), 0);
	ck_assert_uint_ne(fix_ref(&a).loc, ra.loc);
	expect_entry(F.cm, &a, 100, 3, 3);
}
END_TEST

struct walked {
	unsigned int n;
	struct xdpdns_cache_key key[8];
	uint16_t data_len[8];
};

static int walk_cb(void *arg, const struct xdpdns_cache_key *key,
		   const struct xdpdns_cache_entry *e)
{
	struct walked *w = arg;

	if (w->n >= ARRAY_SIZE(w->key))
		return -E2BIG;
	w->key[w->n] = *key;
	w->data_len[w->n] = e->data_len;
	w->n++;
	return 0;
}

/* Did @w list @k, with @data_len bytes, exactly once? */
static bool walked_once(const struct walked *w,
			const struct xdpdns_cache_key *k, uint16_t data_len)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < w->n; i++)
		if (!memcmp(&w->key[i], k, sizeof(*k)))
			n += w->data_len[i] == data_len ? 1 : 2;
	return n == 1;
}

/*
 * A walk lists each live entry once with its full key, never the old copy
 * a replaced or deleted entry leaves in a quarantined slot: by the writer
 * and by a reader.
 */
START_TEST(test_walk)
{
	struct xdpdns_cache_key a = key_n(1), b = key_n(2), c = key_n(3);
	struct walked w = { 0 };
	struct cachemap *r;

	fix_open(8, 8, 8, 8);
	a.flags = XDPDNS_KEY_DO | XDPDNS_KEY_CD;
	c.qtype = 28;
	ck_assert_int_eq(put(F.cm, &a, 100, 3, 1, CM_T0), 0);
	ck_assert_int_eq(put(F.cm, &b, 300, 3, 2, CM_T0), 0);
	ck_assert_int_eq(put(F.cm, &c, 900, 3, 3, CM_T0), 0);
	ck_assert_int_eq(put(F.cm, &a, 140, 3, 4, CM_T0), 0);
	ck_assert_int_eq(put(F.cm, &c, 20, 3, 5, CM_T0), 0);
	ck_assert_int_eq(cachemap_delete(F.cm, &b, CM_T0), 0);

	ck_assert_int_eq(cachemap_walk(F.cm, walk_cb, &w), 0);
	ck_assert_uint_eq(w.n, 2);
	ck_assert(walked_once(&w, &a, 140));
	ck_assert(walked_once(&w, &c, 20));
	cachemap_close(F.cm);
	F.cm = NULL;

	r = fix_reader();
	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(cachemap_walk(r, walk_cb, &w), 0);
	ck_assert_uint_eq(w.n, 2);
	ck_assert(walked_once(&w, &a, 140));
	ck_assert(walked_once(&w, &c, 20));
	cachemap_close(r);
}
END_TEST

/* --- eviction -------------------------------------------------------------- */

/*
 * Entries of the eviction test: "e<i>.evict.test." A, made by
 * cache_entry_build() so that the program can serve them.
 */
#define EV_MAX 1024

static struct xdpdns_cache_key ev_key[EV_MAX];
static struct xdpdns_cache_entry ev_entry[EV_MAX];
static bool ev_live[EV_MAX], ev_cold[EV_MAX];

static void ev_make(unsigned int i, uint64_t stored)
{
	char name[64], rr[128];
	const char *an[] = { rr, NULL };
	struct resp_spec s = { .qname = name, .qtype = "A", .an = an };
	struct cache_entry_opts o = { .now_ns = stored };
	uint8_t wire[512];
	int len;

	snprintf(name, sizeof(name), "e%u.evict.test.", i);
	snprintf(rr, sizeof(rr), "%s 300 IN A 198.18.%u.%u", name, i >> 8,
		 i & 255);
	len = resp_build(&s, wire, sizeof(wire));
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(cache_entry_build(wire, (size_t)len, &o, &ev_key[i],
					   &ev_entry[i]),
			 0);
}

/* The verdict of the program for a query of entry @i. */
static uint32_t ev_ask(unsigned int i)
{
	static struct xdptest_frame_run r;
	struct pkt_query q = { 0 };
	static struct pkt p;
	char name[64];

	snprintf(name, sizeof(name), "e%u.evict.test", i);
	q.dns.id = (uint16_t)i;
	q.dns.flags = DNS_F_RD;
	q.dns.qname = name;
	q.dns.qtype = 1;
	pkt_query(&p, &q);
	ck_assert_int_eq(xdptest_run_frame(&T, p.buf, p.len, &r), 0);
	return r.verdict;
}

/* Entry @i is hit once: through its slot, or by the program. */
static void ev_hit(struct cachemap *cm, unsigned int i, bool xdp)
{
	struct xdpdns_slot_hdr *h;

	if (xdp) {
		ck_assert_uint_eq(ev_ask(i), XDP_TX);
		return;
	}
	h = cachemap_slot_of(cm, &ev_key[i], NULL);
	ck_assert_ptr_nonnull(h);
	__atomic_fetch_add(&h->hits, 1, __ATOMIC_RELAXED);
}

/*
 * New entries from @*next on, each a second after the last on @*now,
 * until one write evicts an entry; which one, or -1 when none would.
 */
static int ev_write_until_evicted(struct cachemap *cm, unsigned int *next,
				  uint64_t *now)
{
	uint64_t evicted = stats_of(cm).evicted[0];
	struct xdpdns_cache_entry got;

	while (*next < EV_MAX) {
		unsigned int i = (*next)++;

		*now += NS_PER_S;
		ck_assert_int_eq(
			cachemap_write(cm, &ev_key[i], &ev_entry[i], *now), 0);
		ev_live[i] = true;
		if (stats_of(cm).evicted[0] == evicted)
			continue;
		ck_assert_uint_eq(stats_of(cm).evicted[0], evicted + 1);
		for (unsigned int j = 0; j < *next; j++)
			if (ev_live[j] &&
			    cachemap_lookup(cm, &ev_key[j], &got) == -ENOENT) {
				ev_live[j] = false;
				return (int)j;
			}
		ck_abort_msg("an entry was evicted, but every one is there");
	}
	return -1;
}

/*
 * CLOCK eviction in a full class 0: once the hand has been round (the
 * first eviction), entries hit since are spared and one that was not is
 * evicted, counted in evicted[0]. The last two entries the hand passed
 * are left cold, the rest are hit before each new write: the two
 * evictions take the cold ones and every hot entry stays. _i 0: 8 slots of the test's
 * own, hits raised in the slot; _i 1: the loaded object's cache, hits by
 * the program answering queries, which answers the hot ones after and
 * passes the evicted ones up.
 */
START_TEST(test_evict)
{
	bool xdp = _i == 1;
	struct cachemap *cm;
	unsigned int next = 0, first, ncold = 0;
	uint64_t now = xdp ? xdptest_now_ns() : CM_T0;
	int v;

	memset(ev_live, 0, sizeof(ev_live));
	memset(ev_cold, 0, sizeof(ev_cold));
	if (xdp) {
		NEED_ENV();
		cm = xdptest_cachemap(&T);
		ck_assert_ptr_nonnull(cm);
		ck_assert_uint_le(T.slots[0] + 8, EV_MAX);
		/* empty already in a test of its own (CK_FORK=no: not) */
		ck_assert_int_eq(xdptest_cache_flush(&T), 0);
	} else {
		fix_open(8, 1, 1, 1);
		cm = F.cm;
	}
	for (unsigned int i = 0; i < EV_MAX; i++)
		ev_make(i, xdp ? now : 1);
	v = ev_write_until_evicted(cm, &next, &now);
	ck_assert_int_ge(v, 0);
	/* The cold ones: the last two the hand passed, so that an
	 * eviction that ignored hits would take a hot one first. */
	first = next;
	for (unsigned int i = first - 1; i-- > 0 && ncold < 2;)
		if (ev_live[i]) {
			ev_cold[i] = true;
			ncold++;
		}
	ck_assert_uint_eq(ncold, 2);
	for (unsigned int round = 0; round < 2; round++) {
		for (unsigned int i = 0; i < next; i++)
			if (ev_live[i] && !ev_cold[i])
				ev_hit(cm, i, xdp);
		v = ev_write_until_evicted(cm, &next, &now);
		ck_assert_int_ge(v, 0);
		ck_assert_msg(ev_cold[v], "round %u evicted e%d, a hot entry",
			      round, v);
	}
	for (unsigned int i = 0; i < next; i++) {
		if (ev_cold[i])
			ck_assert(!ev_live[i]);
		if (xdp)
			ck_assert_uint_eq(ev_ask(i),
					  ev_live[i] ? XDP_TX : XDP_PASS);
	}
	ck_assert_uint_eq(stats_of(cm).evicted[0], 3);
	ck_assert_uint_eq(stats_of(cm).no_slot, 0);
}
END_TEST

/*
 * A restart of the writer on the loaded object's maps: the program serves
 * the adopted entry before and after, and its hits carry over.
 */
START_TEST(test_adopt_xdp)
{
	struct xdpdns_cache_entry got;
	uint64_t now = xdptest_now_ns();

	NEED_ENV();
	ck_assert_ptr_nonnull(xdptest_cachemap(&T));
	ev_make(7, now);
	ev_make(8, now);
	ck_assert_int_eq(xdptest_cache_put(&T, &ev_key[7], &ev_entry[7]), 0);
	ck_assert_int_eq(xdptest_cache_put(&T, &ev_key[8], &ev_entry[8]), 0);
	ck_assert_int_eq(xdptest_cache_del(&T, &ev_key[8]), 0);
	ck_assert_uint_eq(ev_ask(7), XDP_TX);
	ck_assert_int_eq(xdptest_cache_reopen(&T), 0);
	ck_assert_uint_eq(ev_ask(7), XDP_TX);
	ck_assert_uint_eq(ev_ask(8), XDP_PASS);
	ck_assert_int_eq(xdptest_cache_get(&T, &ev_key[7], &got), 0);
	ck_assert_uint_eq(got.hits, 2);
	ck_assert_int_eq(xdptest_cache_get(&T, &ev_key[8], &got), -ENOENT);
}
END_TEST

/* --- Limits: the size classes -------------------------------------------- */

/*
 * Entries at the edges of the classes. An entry fits class n when
 * data_len + round_up(qname_len, 8) <= body bytes and rr_count <= TTL
 * offsets: at the edge it goes to n, a byte or a record more to n + 1;
 * what no class holds (1233 bytes of sections, 65 records) is refused
 * (-E2BIG, too_big) and takes no slot. A written entry's sections start
 * the body and its zero-padded name ends it, as the program reads them.
 */
enum { E_FIT, E_OVER, E_RR_FIT, E_RR_OVER, E_DATA_MAX, E_DATA_OVER };

static const struct edge_case {
	unsigned int cls;
	unsigned int qname_len;
	int how;
	int want; /* class, or -E2BIG */
} edge_cases[] = {
	{ 0, 1, E_FIT, 0 },	      { 0, 1, E_OVER, 1 },
	{ 0, 17, E_FIT, 0 },	      { 0, 17, E_OVER, 1 },
	{ 0, 64, E_FIT, 0 },	      { 0, 65, E_FIT, 0 },
	{ 0, 65, E_OVER, 1 },	      { 1, 9, E_FIT, 1 },
	{ 1, 9, E_OVER, 2 },	      { 1, 255, E_FIT, 1 },
	{ 1, 255, E_OVER, 2 },	      { 2, 24, E_FIT, 2 },
	{ 2, 24, E_OVER, 3 },	      { 2, 255, E_FIT, 2 },
	{ 2, 255, E_OVER, 3 },	      { 0, 17, E_RR_FIT, 0 },
	{ 0, 17, E_RR_OVER, 1 },      { 1, 17, E_RR_FIT, 1 },
	{ 1, 17, E_RR_OVER, 2 },      { 2, 17, E_RR_FIT, 2 },
	{ 2, 17, E_RR_OVER, 3 },      { 3, 17, E_RR_FIT, 3 },
	{ 3, 17, E_RR_OVER, -E2BIG }, { 3, 1, E_DATA_MAX, 3 },
	{ 3, 255, E_DATA_MAX, 3 },    { 3, 17, E_DATA_OVER, -E2BIG },
};

START_TEST(test_class_edge)
{
	const struct edge_case *c = &edge_cases[_i];
	const struct cachemap_class *cc = &cachemap_classes[c->cls];
	struct xdpdns_cache_key k = key_len(c->qname_len, (unsigned int)_i);
	unsigned int pad = (c->qname_len + 7) & ~7u, data_len = 16, rr = 1;
	static struct xdpdns_cache_entry e;
	struct cachemap_stats st;
	struct xdpdns_cache_ref ref;
	const struct cachemap_class *wc;
	const uint8_t *body;
	uint32_t s;

	switch (c->how) {
	case E_FIT:
	case E_OVER:
		data_len = cc->body_len - pad + (c->how == E_OVER);
		break;
	case E_RR_FIT:
	case E_RR_OVER:
		rr = cc->rrs + (c->how == E_RR_OVER);
		data_len = 2 * rr + 4;
		break;
	case E_DATA_MAX:
	case E_DATA_OVER:
		data_len = XDPDNS_DATA_MAX + (c->how == E_DATA_OVER);
		break;
	}
	fix_open(2, 2, 2, 2);
	entry_make(&e, data_len, rr, (uint8_t)_i);
	ck_assert_int_eq(cachemap_class_of(&e, c->qname_len), c->want);
	ck_assert_int_eq(cachemap_write(F.cm, &k, &e, CM_T0),
			 c->want < 0 ? c->want : 0);
	st = stats_of(F.cm);
	if (c->want < 0) {
		ck_assert_uint_eq(st.too_big, 1);
		ck_assert_uint_eq(st.writes, 0);
		for (unsigned int j = 0; j < XDPDNS_SLOT_CLASSES; j++)
			ck_assert_uint_eq(st.free[j], 2);
		expect_gone(F.cm, &k);
		return;
	}
	ck_assert_uint_eq(st.too_big, 0);
	ref = fix_ref(&k);
	ck_assert_uint_eq(XDPDNS_REF_CLS(ref.loc), (unsigned int)c->want);
	ck_assert_uint_eq(st.live[c->want], 1);
	expect_entry(F.cm, &k, data_len, rr, (uint8_t)_i);
	/* the slot as the program reads it */
	wc = &cachemap_classes[c->want];
	s = XDPDNS_REF_SLOT(ref.loc);
	body = fix_body((unsigned int)c->want, s);
	ck_assert_mem_eq(body, e.data, data_len);
	for (unsigned int j = data_len; j < wc->body_len - pad; j++)
		ck_assert_uint_eq(body[j], 0);
	ck_assert_mem_eq(body + wc->body_len - pad, k.qname, c->qname_len);
	for (unsigned int j = c->qname_len; j < pad; j++)
		ck_assert_uint_eq(body[wc->body_len - pad + j], 0);
	ck_assert_uint_eq(fix_hdr((unsigned int)c->want, s)->mkey.qname_len,
			  c->qname_len);
}
END_TEST

/* --- Negative ---------------------------------------------------------- */

/* Calls the writer refuses, and maps cachemap_open() refuses. */
START_TEST(test_refused)
{
	struct xdpdns_cache_key bad = key_n(1), a = key_n(2);
	struct xdpdns_cache_entry e;
	struct cachemap *cm;
	int fds[XDPDNS_SLOT_CLASSES], plain;
	char why[200] = "";

	fix_open(4, 4, 4, 4);
	/* a name that never ends */
	memset(bad.qname, 1, sizeof(bad.qname));
	entry_make(&e, 40, 1, 1);
	ck_assert_int_eq(cachemap_write(F.cm, &bad, &e, CM_T0), -EINVAL);
	ck_assert_int_eq(cachemap_lookup(F.cm, &bad, &e), -ENOENT);
	ck_assert_int_eq(cachemap_delete(F.cm, &bad, CM_T0), -ENOENT);
	ck_assert_int_eq(cachemap_lookup(F.cm, &a, &e), -ENOENT);
	ck_assert_int_eq(cachemap_delete(F.cm, &a, CM_T0), -ENOENT);
	ck_assert_ptr_null(cachemap_slot_of(F.cm, &a, NULL));
	ck_assert_uint_eq(stats_of(F.cm).writes, 0);

	/* classes out of order: value sizes that are not the class's */
	memcpy(fds, F.fds, sizeof(fds));
	fds[0] = F.fds[1];
	fds[1] = F.fds[0];
	ck_assert_int_eq(cachemap_open(F.index_fd, fds, &HK, CACHEMAP_WRITER,
				       CM_T0, &cm, why, sizeof(why)),
			 -EPROTO);
	ck_assert_ptr_null(cm);
	ck_assert_msg(strstr(why, "class 0"), "%s", why);
	/* an array of the right size that cannot be mapped */
	plain = bpf_map_create(BPF_MAP_TYPE_ARRAY, "plain", 4,
			       (__u32)cachemap_classes[0].slot_size, 4, NULL);
	ck_assert_int_ge(plain, 0);
	memcpy(fds, F.fds, sizeof(fds));
	fds[0] = plain;
	ck_assert_int_eq(cachemap_open(F.index_fd, fds, &HK, 0, CM_T0, &cm, why,
				       sizeof(why)),
			 -EPROTO);
	fds[0] = -1;
	ck_assert_int_eq(cachemap_open(F.index_fd, fds, &HK, 0, CM_T0, &cm, why,
				       sizeof(why)),
			 -ENOENT);
	close(plain);
}
END_TEST

/*
 * An index that refuses an entry (full): the write fails with its error,
 * counted in index_full, and the slot goes back to the free list,
 * unpublished.
 */
START_TEST(test_index_full)
{
	struct xdpdns_cache_key a = key_n(1), b = key_n(2);
	struct xdpdns_cache_entry got;
	struct cachemap_stats st;
	struct cachemap *cm;
	char why[200] = "";
	int small;

	fix_open(16, 4, 4, 4);
	small = bpf_map_create(BPF_MAP_TYPE_HASH, "small_index",
			       sizeof(struct xdpdns_cache_mkey),
			       sizeof(struct xdpdns_cache_ref), 1, NULL);
	ck_assert_int_ge(small, 0);
	cachemap_close(F.cm);
	ck_assert_int_eq(cachemap_open(small, F.fds, &HK, CACHEMAP_WRITER,
				       CM_T0, &cm, why, sizeof(why)),
			 0);
	ck_assert_int_eq(put(cm, &a, 40, 1, 1, CM_T0), 0);
	ck_assert_int_eq(put(cm, &b, 40, 1, 2, CM_T0), -E2BIG);
	st = stats_of(cm);
	ck_assert_uint_eq(st.index_full, 1);
	ck_assert_uint_eq(st.writes, 1);
	ck_assert_uint_eq(st.live[0], 1);
	ck_assert_uint_eq(st.free[0], 15);
	ck_assert_uint_eq(st.quarantined[0], 0);
	ck_assert_int_eq(cachemap_lookup(cm, &b, &got), -ENOENT);
	for (uint32_t s = 0; s < 16; s++)
		if (fix_hdr(0, s)->live)
			ck_assert_uint_eq(fix_hdr(0, s)->mkey.name_hash,
					  mkey_of(&HK, &a).name_hash);
	/* room again: b is written */
	ck_assert_int_eq(cachemap_delete(cm, &a, CM_T0), 0);
	ck_assert_int_eq(put(cm, &b, 40, 1, 2, CM_T0), 0);
	expect_entry(cm, &b, 40, 1, 2);
	cachemap_close(cm);
	F.cm = NULL;
	close(small);
}
END_TEST

void cachemap_tcases(Suite *s)
{
	static const struct cktest_opts o = { 30, env_setup };

	CKTEST_TCASE(s, "Positive", &o, CKTEST(test_seqlock),
		     CKTEST(test_delete), CKTEST(test_reader),
		     CKTEST(test_adopt), CKTEST(test_adopt_xdp),
		     CKTEST(test_walk));
	CKTEST_TCASE(s, "Negative", &o, CKTEST(test_refused),
		     CKTEST(test_index_full),
		     CKTEST_TABLE(test_adopt_drop, drop_cases));
	CKTEST_TCASE(s, "Limits", &o, CKTEST_TABLE(test_quarantine, q_cases),
		     CKTEST_TABLE(test_class_edge, edge_cases),
		     CKTEST_LOOP(test_evict, 2));
}
