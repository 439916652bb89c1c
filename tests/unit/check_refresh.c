// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The refresher's schedule (userspace/refresh.c, linked from libxdpdnsd.a)
 * with its map read replaced by a table here (refresh_set_lookup()), so
 * the real refresh_tick() runs without a BPF map or root: an entry is
 * re-resolved only when hit since the last look and inside its window,
 * max(ttl/10, REFRESH_WINDOW_MIN_S) before expiry (checked to the
 * nanosecond on both sides), never once expired; an entry rewritten
 * behind the index's back is followed to its new expiry; one gone from
 * the map leaves the index; entries far from expiry are looked at every
 * REFRESH_SPREAD-th tick only, spread evenly; the index holds at most its
 * capacity. refresh_seed() walks a real map and is left to the BPF suite.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "userspace/refresh.h"

#define NS_PER_SEC 1000000000ULL
#define T0 (1000 * NS_PER_SEC)
#define SEC(s) ((uint64_t)(s)*NS_PER_SEC)

/* --- the map, as a table -------------------------------------------------- */

struct fake {
	struct xdpdns_cache_key key;
	bool present;
	uint64_t expire_ns;
	uint64_t hits;
	uint32_t ttl;
	unsigned int lookups;
	unsigned int started; /* refresh_fn calls for it */
};

static struct fake map[16];
static int nmap;
static int refresh_ret; /* what the refresh_fn says */
static int order[64], norder; /* map indexes in refresh_fn call order */

static int fake_lookup(void *arg, const struct xdpdns_cache_key *key,
		       struct xdpdns_cache_entry *e)
{
	ck_assert_ptr_eq(arg, map);
	for (int i = 0; i < nmap; i++) {
		if (memcmp(&map[i].key, key, sizeof(*key)))
			continue;
		map[i].lookups++;
		if (!map[i].present)
			return -ENOENT;
		memset(e, 0x5a, sizeof(*e));
		e->expire_ns = map[i].expire_ns;
		e->hits = map[i].hits;
		e->ttl = map[i].ttl;
		return 0;
	}
	return -ENOENT;
}

static int on_refresh(void *arg, const struct xdpdns_cache_key *key)
{
	ck_assert_ptr_eq(arg, map);
	for (int i = 0; i < nmap; i++) {
		if (!memcmp(&map[i].key, key, sizeof(*key))) {
			map[i].started++;
			ck_assert_int_lt(norder, (int)ARRAY_SIZE(order));
			order[norder++] = i;
			return refresh_ret;
		}
	}
	ck_abort_msg("refresh of a key the map never had");
	return -EINVAL;
}

/* Map entry @i: name "nI.example." A IN, @ttl seconds, expiring at @exp. */
static void fake_set(int i, uint32_t ttl, uint64_t exp, uint64_t hits)
{
	struct fake *f = &map[i];
	char label[8];
	int n = snprintf(label, sizeof(label), "n%d", i);

	memset(&f->key, 0, sizeof(f->key));
	f->key.qname[0] = n;
	memcpy(f->key.qname + 1, label, n);
	f->key.qname[1 + n] = 7;
	memcpy(f->key.qname + 2 + n, "example", 7);
	f->key.qtype = 1;
	f->key.qclass = 1;
	f->present = true;
	f->ttl = ttl;
	f->expire_ns = exp;
	f->hits = hits;
	f->lookups = 0;
	f->started = 0;
	if (i >= nmap)
		nmap = i + 1;
}

/* What the daemon does after writing map entry @i itself. */
static void note(struct refresh *rf, int i)
{
	struct xdpdns_cache_entry *e = calloc(1, sizeof(*e));

	ck_assert_ptr_nonnull(e);
	e->expire_ns = map[i].expire_ns;
	e->ttl = map[i].ttl;
	e->hits = map[i].hits;
	refresh_note(rf, &map[i].key, e);
	free(e);
}

/* fake_set(), then note(): an entry the daemon wrote into the map itself. */
static void fake_add(struct refresh *rf, int i, uint32_t ttl, uint64_t exp,
		     uint64_t hits)
{
	fake_set(i, ttl, exp, hits);
	note(rf, i);
}

static struct refresh *create(uint32_t capacity)
{
	struct refresh *rf;

	nmap = 0;
	norder = 0;
	refresh_ret = 0;
	ck_assert_int_eq(refresh_create(NULL, capacity, &rf), 0);
	refresh_set_lookup(rf, fake_lookup, map);
	return rf;
}

static unsigned int tick(struct refresh *rf, uint64_t now)
{
	return refresh_tick(rf, now, on_refresh, map);
}

/* The window as the header states it, computed independently. */
static uint64_t window_of(uint32_t ttl)
{
	uint64_t w = SEC(ttl) / 10;

	return w < SEC(REFRESH_WINDOW_MIN_S) ? SEC(REFRESH_WINDOW_MIN_S) : w;
}

/* --- Positive ------------------------------------------------------------ */

static const uint32_t window_ttls[] = { 0,   1,	  10,	19,   20,    21,    25,
					100, 300, 3599, 3600, 86400, 604800 };

/*
 * One nanosecond before the window: looked at (tick 0 looks at everyone)
 * but not refreshed, though hit. At its first nanosecond: refreshed.
 */
START_TEST(test_window_edges)
{
	uint32_t ttl = window_ttls[_i];
	uint64_t exp = T0 + SEC(ttl), w = window_of(ttl);
	struct refresh *rf = create(16);

	fake_add(rf, 0, ttl, exp, 5);
	map[0].hits = 6;
	ck_assert_uint_eq(tick(rf, exp - w - 1), 0);
	ck_assert_uint_eq(map[0].lookups, 1);
	ck_assert_uint_eq(map[0].started, 0);
	map[0].hits = 7;
	ck_assert_uint_eq(tick(rf, exp - w), 1);
	ck_assert_uint_eq(map[0].started, 1);
	/* Still in the window and hit again: asked again (the caller's
	 * resolver says whether one is already running). */
	map[0].hits = 8;
	ck_assert_uint_eq(tick(rf, exp - 1), 1);
	ck_assert_uint_eq(map[0].started, 2);
	refresh_destroy(rf);
}
END_TEST

/* Only what was hit since the last look. */
START_TEST(test_only_hit)
{
	struct refresh *rf = create(16);
	uint64_t exp = T0 + SEC(300), now = exp - SEC(20);

	for (int i = 0; i < 3; i++) {
		fake_add(rf, i, 300, exp, 100);
	}
	map[0].hits = 101;
	map[2].hits = 150;
	ck_assert_uint_eq(tick(rf, now), 2);
	ck_assert_int_eq(norder, 2);
	ck_assert_int_eq(order[0], 0);
	ck_assert_int_eq(order[1], 2);
	/* No hits since: nothing, though all three are due. */
	ck_assert_uint_eq(tick(rf, now + SEC(1)), 0);
	ck_assert_uint_eq(tick(rf, now + SEC(2)), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(map[i].lookups, 3);
	map[1].hits = 101;
	ck_assert_uint_eq(tick(rf, now + SEC(3)), 1);
	ck_assert_int_eq(order[2], 1);
	ck_assert_uint_eq(map[0].started + map[1].started + map[2].started, 3);
	refresh_destroy(rf);
}
END_TEST

/*
 * Rewritten behind the index's back (xdpdnsctl, a restarted daemon): the
 * look that finds it takes the map's expiry, TTL and hits and refreshes
 * nothing; from then on the new window counts, not the old.
 */
START_TEST(test_rewritten_later)
{
	struct refresh *rf = create(16);
	uint64_t e1 = T0 + SEC(300), e2 = T0 + SEC(600);

	fake_add(rf, 0, 300, e1, 0);
	map[0].expire_ns = e2;
	map[0].hits = 10;
	ck_assert_uint_eq(tick(rf, e1 - SEC(10)), 0);
	ck_assert_uint_eq(map[0].lookups, 1);
	/* The old window, hit every second: no refresh (e2 is far). */
	for (int s = 9; s >= 1; s--) {
		map[0].hits++;
		ck_assert_uint_eq(tick(rf, e1 - SEC(s)), 0);
	}
	ck_assert_uint_eq(map[0].started, 0);
	/* Spread: far from e2, it was looked at on one of those 9 ticks. */
	ck_assert_uint_eq(map[0].lookups, 2);
	map[0].hits++;
	ck_assert_uint_eq(tick(rf, e2 - window_of(300)), 1);
	refresh_destroy(rf);
}
END_TEST

START_TEST(test_rewritten_sooner)
{
	struct refresh *rf = create(16);
	uint64_t e1 = T0 + SEC(3000), e2 = T0 + SEC(60);

	fake_add(rf, 0, 3000, e1, 0);
	/* Now 60 s: its window is 6 s, not the 300 s of the old one. */
	map[0].expire_ns = e2;
	map[0].ttl = 60;
	map[0].hits = 3;
	ck_assert_uint_eq(tick(rf, T0), 0); /* tick 0: looks, takes e2 */
	map[0].hits = 4;
	ck_assert_uint_eq(tick(rf, e2 - SEC(7)), 0);
	map[0].hits = 5;
	ck_assert_uint_eq(tick(rf, e2 - SEC(6)), 1);
	ck_assert_uint_eq(map[0].started, 1);
	refresh_destroy(rf);
}
END_TEST

/*
 * The daemon's own rewrite, noted: the index has the new expiry and hits,
 * so the first look in the new window refreshes (no resync needed).
 */
START_TEST(test_note_rewrite)
{
	struct refresh *rf = create(16);
	uint64_t e1 = T0 + SEC(100), e2 = T0 + SEC(200);

	fake_add(rf, 0, 100, e1, 0);
	map[0].expire_ns = e2;
	map[0].hits = 0;
	note(rf, 0);
	map[0].hits = 1;
	ck_assert_uint_eq(tick(rf, e2 - SEC(5)), 1);
	ck_assert_uint_eq(map[0].lookups, 1);
	ck_assert_uint_eq(map[0].started, 1);
	refresh_destroy(rf);
}
END_TEST

/* --- Negative ------------------------------------------------------------ */

/* Gone from the map: out of the index, never refreshed, never looked at. */
START_TEST(test_removed)
{
	struct refresh *rf = create(16);
	uint64_t exp = T0 + SEC(100), now = exp - SEC(5);

	for (int i = 0; i < 4; i++) {
		fake_add(rf, i, 100, exp, 0);
		map[i].hits = 1;
	}
	map[1].present = false; /* LRU eviction */
	map[3].present = false; /* the last item */
	/* Swap-removal must not skip what moves into the freed slot. */
	ck_assert_uint_eq(tick(rf, now), 2);
	ck_assert_uint_eq(map[0].started, 1);
	ck_assert_uint_eq(map[2].started, 1);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(map[i].lookups, 1);
	/* Back in the map (written by someone else), hot and due: unseen. */
	map[1].present = map[3].present = true;
	for (int i = 0; i < 4; i++)
		map[i].hits = 2;
	ck_assert_uint_eq(tick(rf, now + SEC(1)), 2);
	ck_assert_uint_eq(map[1].lookups, 1);
	ck_assert_uint_eq(map[3].lookups, 1);
	ck_assert_uint_eq(map[1].started + map[3].started, 0);
	/* Noted again: back in the index. */
	note(rf, 1);
	map[1].hits = 3;
	ck_assert_uint_eq(tick(rf, now + SEC(2)), 1);
	ck_assert_uint_eq(map[1].started, 1);
	refresh_destroy(rf);
}
END_TEST

/* Expired is too late: a hit entry is not refreshed at or after expiry. */
START_TEST(test_expired)
{
	struct refresh *rf = create(16);
	uint64_t exp = T0 + SEC(30);

	fake_add(rf, 0, 30, exp, 0);
	/* Past expiry it is looked at like a far entry: once per spread. */
	for (unsigned int t = 0; t < REFRESH_SPREAD; t++) {
		map[0].hits = t + 1;
		ck_assert_uint_eq(tick(rf, exp + SEC(t)), 0);
	}
	ck_assert_uint_eq(map[0].started, 0);
	/* Still indexed while the map holds it (rewriting it comes next). */
	ck_assert_uint_eq(map[0].lookups, 1);
	refresh_destroy(rf);
}
END_TEST

/* A refused start (one is running) is asked, not counted. */
START_TEST(test_refused)
{
	struct refresh *rf = create(16);
	uint64_t exp = T0 + SEC(300);

	fake_add(rf, 0, 300, exp, 0);
	fake_add(rf, 1, 300, exp, 0);
	map[0].hits = map[1].hits = 1;
	refresh_ret = -EALREADY;
	ck_assert_uint_eq(tick(rf, exp - SEC(10)), 0);
	ck_assert_int_eq(norder, 2);
	refresh_ret = 0;
	map[0].hits = 2;
	ck_assert_uint_eq(tick(rf, exp - SEC(9)), 1);
	ck_assert_int_eq(norder, 3);
	ck_assert_int_eq(order[2], 0);
	refresh_destroy(rf);
}
END_TEST

/* --- Limits -------------------------------------------------------------- */

/*
 * Eight entries far from expiry: exactly one looked at per tick, each
 * every REFRESH_SPREAD ticks; one in its window every tick.
 */
START_TEST(test_spread)
{
	struct refresh *rf = create(16);
	uint64_t far = T0 + SEC(86400);

	ck_assert_int_eq(REFRESH_SPREAD, 8);
	for (int i = 0; i < 8; i++) {
		fake_add(rf, i, 86400, far, 0);
	}
	fake_add(rf, 8, 100, T0 + SEC(10), 0);
	for (int t = 0; t < 2 * REFRESH_SPREAD; t++) {
		unsigned int before[8], looked = 0;

		for (int i = 0; i < 8; i++)
			before[i] = map[i].lookups;
		map[8].hits++;
		ck_assert_uint_eq(tick(rf, T0 + SEC(t) / 4), 1);
		for (int i = 0; i < 8; i++)
			looked += map[i].lookups - before[i];
		ck_assert_msg(looked == 1, "tick %d looked at %u far entries",
			      t, looked);
	}
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(map[i].lookups, 2);
	ck_assert_uint_eq(map[8].lookups, 2 * REFRESH_SPREAD);
	ck_assert_uint_eq(map[8].started, 2 * REFRESH_SPREAD);
	refresh_destroy(rf);
}
END_TEST

/* No more items than the map's capacity; a rewrite updates, not adds. */
START_TEST(test_capacity)
{
	struct refresh *rf = create(4);
	uint64_t exp = T0 + SEC(100);

	for (int i = 0; i < 5; i++) {
		fake_add(rf, i, 100, exp, 0);
		map[i].hits = 1;
	}
	ck_assert_uint_eq(tick(rf, exp - SEC(1)), 4);
	ck_assert_uint_eq(map[4].lookups, 0);
	ck_assert_uint_eq(map[4].started, 0);
	/* Rewritten by the daemon and noted: updated in place, no room
	 * taken, and its new window counts at once. */
	map[0].expire_ns = exp + SEC(50);
	map[0].ttl = 150;
	map[0].hits = 0;
	note(rf, 0);
	for (int i = 0; i < 4; i++)
		map[i].hits = 2;
	ck_assert_uint_eq(tick(rf, exp + SEC(40)), 1);
	ck_assert_uint_eq(map[0].started, 2);
	ck_assert_uint_eq(map[0].lookups, 2);
	ck_assert_uint_eq(map[4].lookups, 0);
	refresh_destroy(rf);
}
END_TEST

/* Noting the same key twice keeps one item: one look per tick. */
START_TEST(test_note_twice)
{
	struct refresh *rf = create(16);
	uint64_t exp = T0 + SEC(100);

	fake_add(rf, 0, 100, exp, 0);
	note(rf, 0);
	map[0].hits = 1;
	ck_assert_uint_eq(tick(rf, exp - SEC(2)), 1);
	ck_assert_uint_eq(map[0].lookups, 1);
	ck_assert_uint_eq(map[0].started, 1);
	refresh_destroy(rf);
}
END_TEST

void refresh_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL,
		     CKTEST_TABLE(test_window_edges, window_ttls),
		     CKTEST(test_only_hit), CKTEST(test_rewritten_later),
		     CKTEST(test_rewritten_sooner), CKTEST(test_note_rewrite));
	CKTEST_TCASE(s, "Negative", NULL, CKTEST(test_removed),
		     CKTEST(test_expired), CKTEST(test_refused));
	CKTEST_TCASE(s, "Limits", NULL, CKTEST(test_spread),
		     CKTEST(test_capacity), CKTEST(test_note_twice));
}
