// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's answer cache (userspace/anscache.c, linked from the daemon
 * core library libxdpdnsd.a): an entry comes back under exactly its key
 * and renders to the same bytes as the entry it was stored from (only
 * data_len bytes of data[] are kept) and copies back to the whole entry a
 * map update needs, stale entries are dropped, a
 * replacement does not grow the cache and the least recently used entry is
 * the one evicted at capacity.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "lib/cache_entry.h"
#include "lib/dnswire.h"
#include "suites.h"
#include "userspace/anscache.h"

#define NSEC_PER_SEC 1000000000ULL
#define T0 (1000 * NSEC_PER_SEC)
#define TTL 300

/* "www.example." A IN, answered with one A record of TTL 300 from @ip. */
static size_t response(uint8_t *m, uint8_t ip)
{
	static const uint8_t head[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1,	0,   1,	  0,
		0,    0,    0, /* header */
		3,    'w',  'w',  'w',	7, 'e', 'x', 'a', 'm',
		'p',  'l',  'e',  0,	0, 1,	0,   1, /* question */
		0xc0, 0x0c, 0,	  1,	0, 1,	0,   0,	  0x01,
		0x2c, 0,    4, /* A */
		192,  0,    2,
	};

	memcpy(m, head, sizeof(head));
	m[sizeof(head)] = ip;
	return sizeof(head) + 1;
}

/* The same question as a client's query, with EDNS (DO clear). */
static size_t query(uint8_t *m)
{
	static const uint8_t q[] = {
		0xbe, 0xef, 0x01, 0x00, 0,    1,   0,	0,   0,	  0,   0,   1,
		3,    'W',  'w',  'W',	7,    'E', 'x', 'a', 'm', 'p', 'l', 'e',
		0,    0,    1,	  0,	1, /* question, 0x20 case */
		0,    0,    41,	  0x04, 0xd0, 0,   0,	0,   0,	  0,   0, /* OPT */
	};

	memcpy(m, q, sizeof(q));
	return sizeof(q);
}

static void build(uint8_t ip, struct xdpdns_cache_key *key,
		  struct xdpdns_cache_entry *e)
{
	struct cache_entry_opts o = { .now_ns = T0 };
	uint8_t resp[128];
	size_t len = response(resp, ip);

	ck_assert_int_eq(cache_entry_build(resp, len, &o, key, e), 0);
}

/*
 * A cache of @capacity and in @e (malloc()ed) the entry build() makes for
 * 192.0.2.10, under @key. stop() frees both.
 */
static struct anscache *start(uint32_t capacity, struct xdpdns_cache_key *key,
			      struct xdpdns_cache_entry **e)
{
	struct anscache *c;

	*e = malloc(sizeof(**e));
	ck_assert_ptr_nonnull(*e);
	ck_assert_int_eq(anscache_create(capacity, &c), 0);
	build(10, key, *e);
	return c;
}

static void stop(struct anscache *c, struct xdpdns_cache_entry *e)
{
	anscache_destroy(c);
	free(e);
}

static int render(const struct xdpdns_cache_entry *e, uint64_t now_ns,
		  uint8_t *out)
{
	uint8_t q[64];
	struct cache_entry_query cq = { .msg = q,
					.now_ns = now_ns,
					.edns_size = 1232 };

	cq.len = query(q);
	return cache_entry_render(e, &cq, out, 512);
}

START_TEST(test_store_lookup_render)
{
	struct xdpdns_cache_entry *full = malloc(sizeof(*full)), *e;
	uint8_t want[512], got[512];
	struct xdpdns_cache_key key;
	struct anscache *c = start(16, &key, &e);
	struct anscache_item *it;
	int wl, gl;

	ck_assert_ptr_nonnull(full);
	ck_assert_ptr_null(anscache_lookup(c, &key, T0));
	ck_assert_int_eq(anscache_store(c, &key, e, T0), 0);
	ck_assert_uint_eq(anscache_count(c), 1);
	it = anscache_lookup(c, &key, T0 + 7 * NSEC_PER_SEC);
	ck_assert_ptr_nonnull(it);
	ck_assert_uint_eq(it->synced_ns, T0);
	ck_assert_uint_eq(it->entry->expire_ns, e->expire_ns);
	ck_assert_uint_eq(it->entry->data_len, e->data_len);
	ck_assert_int_eq(memcmp(it->entry->data, e->data, e->data_len), 0);
	/* Same bytes as from the full entry, TTL decayed by 7 s. */
	wl = render(e, T0 + 7 * NSEC_PER_SEC, want);
	gl = render(it->entry, T0 + 7 * NSEC_PER_SEC, got);
	ck_assert_int_gt(wl, 0);
	ck_assert_int_eq(gl, wl);
	ck_assert_int_eq(memcmp(got, want, wl), 0);
	ck_assert_uint_eq(dnswire_get_u32(got + wl - 11 - 10), TTL - 7);
	/* A whole entry again, as a map update wants it. */
	memset(full, 0xa5, sizeof(*full));
	anscache_entry_copy(it, full);
	ck_assert_int_eq(memcmp(full, e, sizeof(*e)), 0);

	/* Replaced, not added: the new address comes back. */
	build(11, &key, e);
	ck_assert_int_eq(anscache_store(c, &key, e, T0 + NSEC_PER_SEC), 0);
	ck_assert_uint_eq(anscache_count(c), 1);
	it = anscache_lookup(c, &key, T0);
	ck_assert_ptr_nonnull(it);
	ck_assert_uint_eq(it->entry->data[it->entry->data_len - 1], 11);
	free(full);
	stop(c, e);
}
END_TEST

/* Every part of the key counts: flags, type, class and name. */
START_TEST(test_key_exact)
{
	struct xdpdns_cache_key key, other;
	struct xdpdns_cache_entry *e;
	struct anscache *c = start(16, &key, &e);

	ck_assert_int_eq(anscache_store(c, &key, e, T0), 0);
	other = key;
	other.flags ^= XDPDNS_KEY_DO;
	ck_assert_ptr_null(anscache_lookup(c, &other, T0));
	other = key;
	other.flags ^= XDPDNS_KEY_CD;
	ck_assert_ptr_null(anscache_lookup(c, &other, T0));
	other = key;
	other.qtype = DNS_TYPE_AAAA;
	ck_assert_ptr_null(anscache_lookup(c, &other, T0));
	other = key;
	other.qclass = 3;
	ck_assert_ptr_null(anscache_lookup(c, &other, T0));
	other = key;
	other.qname[1] = 'W'; /* keys are lower-cased by the caller */
	ck_assert_ptr_null(anscache_lookup(c, &other, T0));
	ck_assert_ptr_nonnull(anscache_lookup(c, &key, T0));
	stop(c, e);
}
END_TEST

START_TEST(test_stale_dropped)
{
	struct xdpdns_cache_entry *e;
	struct xdpdns_cache_key key;
	struct anscache *c = start(16, &key, &e);

	ck_assert_int_eq(anscache_store(c, &key, e, T0), 0);
	ck_assert_ptr_nonnull(
		anscache_lookup(c, &key, e->expire_ns - NSEC_PER_SEC));
	ck_assert_ptr_null(anscache_lookup(c, &key, e->expire_ns));
	ck_assert_uint_eq(anscache_count(c), 0);
	ck_assert_ptr_null(anscache_lookup(c, &key, T0));
	stop(c, e);
}
END_TEST

/*
 * Serve-stale: an expired entry within the window is returned marked stale
 * and kept; past the window it goes. Its stale copy (cache_entry_stale())
 * renders with every TTL at the stale TTL, is marked, expires that TTL
 * from now and keeps the sections' sum (which leaves TTLs out).
 */
START_TEST(test_stale_window)
{
	const uint64_t win = 60 * NSEC_PER_SEC;
	struct xdpdns_cache_entry *e, st;
	struct xdpdns_cache_key key;
	struct anscache *c = start(16, &key, &e);
	struct anscache_item *it;
	ldns_pkt *pkt = NULL;
	uint8_t out[512];
	uint64_t now;
	bool stale;
	int len;

	ck_assert_int_eq(anscache_store(c, &key, e, T0), 0);
	it = anscache_lookup_stale(c, &key, e->expire_ns - 1, win, &stale);
	ck_assert(it && !stale);
	now = e->expire_ns + 30 * NSEC_PER_SEC;
	it = anscache_lookup_stale(c, &key, now, win, &stale);
	ck_assert(it && stale);
	ck_assert_uint_eq(anscache_count(c), 1);
	/* Plain lookups do not serve it, and without a window drop it. */
	anscache_entry_copy(it, &st);
	cache_entry_stale(&st, 30, now, &st);
	ck_assert_uint_eq(st.entry_flags & XDPDNS_ENTRY_STALE,
			  XDPDNS_ENTRY_STALE);
	ck_assert_uint_eq(st.expire_ns, now + 30 * NSEC_PER_SEC);
	ck_assert_uint_eq(st.data_csum, e->data_csum);
	len = render(&st, now, out);
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(ldns_wire2pkt(&pkt, out, (size_t)len), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_ancount(pkt), 1);
	ck_assert_uint_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(pkt), 0)),
			  30);
	ldns_pkt_free(pkt);
	ck_assert_ptr_null(anscache_lookup_stale(c, &key, e->expire_ns + win,
						 win, &stale));
	ck_assert_uint_eq(anscache_count(c), 0);
	stop(c, e);
}
END_TEST

START_TEST(test_bad_entry)
{
	struct xdpdns_cache_entry *e;
	struct xdpdns_cache_key key;
	struct anscache *c = start(16, &key, &e);

	e->data_len = XDPDNS_DATA_MAX + 1;
	ck_assert_int_eq(anscache_store(c, &key, e, T0), -EINVAL);
	build(10, &key, e);
	e->rr_count = XDPDNS_RR_MAX + 1;
	ck_assert_int_eq(anscache_store(c, &key, e, T0), -EINVAL);
	ck_assert_uint_eq(anscache_count(c), 0);
	stop(c, e);
}
END_TEST

/* Capacity 1..4: the least recently used goes, a lookup makes it recent. */
START_TEST(test_lru_eviction)
{
	uint32_t cap = (uint32_t)_i + 1;
	struct xdpdns_cache_entry *e;
	struct xdpdns_cache_key key[6];
	struct anscache *c = start(cap, &key[0], &e);

	for (uint32_t i = 0; i < cap + 2; i++) {
		key[i] = key[0];
		key[i].qtype = 100 + i;
	}
	for (uint32_t i = 0; i < cap; i++)
		ck_assert_int_eq(anscache_store(c, &key[i], e, T0), 0);
	ck_assert_uint_eq(anscache_count(c), cap);
	/* Key 0 used again: key 1 (or 0 itself at capacity 1) goes next. */
	ck_assert_ptr_nonnull(anscache_lookup(c, &key[0], T0));
	ck_assert_int_eq(anscache_store(c, &key[cap], e, T0), 0);
	ck_assert_uint_eq(anscache_count(c), cap);
	ck_assert_ptr_nonnull(anscache_lookup(c, &key[cap], T0));
	if (cap == 1) {
		ck_assert_ptr_null(anscache_lookup(c, &key[0], T0));
	} else {
		ck_assert_ptr_nonnull(anscache_lookup(c, &key[0], T0));
		ck_assert_ptr_null(anscache_lookup(c, &key[1], T0));
		for (uint32_t i = 2; i < cap; i++)
			ck_assert_ptr_nonnull(anscache_lookup(c, &key[i], T0));
	}
	stop(c, e);
}
END_TEST

void anscache_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_store_lookup_render),
		     CKTEST(test_key_exact), CKTEST(test_stale_window));
	CKTEST_TCASE(s, "Negative", NULL, CKTEST(test_stale_dropped),
		     CKTEST(test_bad_entry));
	CKTEST_TCASE(s, "Limits", NULL, CKTEST_LOOP(test_lru_eviction, 4));
}
