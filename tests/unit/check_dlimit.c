// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's own per-client limits (userspace/dlimit.c): GCRA counts at
 * the burst and the refill, the query and miss buckets apart, the host
 * aggregation prefixes, a zero rate, a table that stays its size under
 * churn, the network and wider-prefix stages and new-source admission with
 * its first burst.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "suites.h"
#include "userspace/dlimit.h"

#define MS 1000000ULL

static struct sockaddr_storage addr_of(const char *text)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	if (inet_pton(AF_INET, text, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		return ss;
	}
	ck_assert_int_eq(inet_pton(AF_INET6, text, &s6->sin6_addr), 1);
	s6->sin6_family = AF_INET6;
	return ss;
}

static bool take(struct dlimit *d, const struct config *cfg, const char *who,
		 enum dlimit_bucket b, uint64_t now)
{
	struct sockaddr_storage ss = addr_of(who);

	return dlimit_take(d, cfg, (struct sockaddr *)&ss, b, now, NULL);
}

/* How many of @n back-to-back queries at @now conform. */
static int admitted(struct dlimit *d, const struct config *cfg, const char *who,
		    enum dlimit_bucket b, uint64_t now, int n)
{
	int ok = 0;

	for (int i = 0; i < n; i++)
		ok += take(d, cfg, who, b, now);
	return ok;
}

static struct config cfg_of(uint32_t rate, uint32_t burst, uint32_t miss)
{
	struct config c;

	memset(&c, 0, sizeof(c));
	c.ratelimit = rate;
	c.ratelimit_burst = burst;
	c.miss_limit = miss;
	c.ratelimit_v4_prefix = 32;
	c.ratelimit_v6_prefix = 128;
	return c;
}

START_TEST(test_burst_then_rate)
{
	struct config c = cfg_of(10, 5, 0);
	struct dlimit *d;
	uint64_t t0 = 1000 * MS;

	ck_assert_int_eq(dlimit_create(64, &d), 0);
	ck_assert_int_eq(admitted(d, &c, "198.18.1.2", DLIMIT_QUERY, t0, 20),
			 5);
	/* One token every 100 ms. */
	ck_assert(!take(d, &c, "198.18.1.2", DLIMIT_QUERY, t0 + 99 * MS));
	ck_assert(take(d, &c, "198.18.1.2", DLIMIT_QUERY, t0 + 100 * MS));
	ck_assert(!take(d, &c, "198.18.1.2", DLIMIT_QUERY, t0 + 100 * MS));
	/* Idle for a second: the whole burst again, no more. */
	ck_assert_int_eq(admitted(d, &c, "198.18.1.2", DLIMIT_QUERY,
				  t0 + 1100 * MS, 20),
			 5);
	/* Another client is not touched. */
	ck_assert_int_eq(admitted(d, &c, "198.18.1.3", DLIMIT_QUERY, t0, 20),
			 5);
	dlimit_destroy(d);
}
END_TEST

START_TEST(test_buckets_apart)
{
	struct config c = cfg_of(100, 0, 2); /* bursts 400 and 8 */
	struct dlimit *d;

	ck_assert_int_eq(dlimit_create(64, &d), 0);
	ck_assert_int_eq(admitted(d, &c, "2001:db8:1::10", DLIMIT_MISS, MS, 50),
			 8);
	ck_assert_int_eq(
		admitted(d, &c, "2001:db8:1::10", DLIMIT_QUERY, MS, 500), 400);
	dlimit_destroy(d);
}
END_TEST

START_TEST(test_prefixes)
{
	struct config c = cfg_of(1, 2, 0);
	struct dlimit *d;

	ck_assert_int_eq(dlimit_create(64, &d), 0);
	c.ratelimit_v4_prefix = 24;
	c.ratelimit_v6_prefix = 64;
	ck_assert_int_eq(admitted(d, &c, "198.18.1.2", DLIMIT_QUERY, MS, 1), 1);
	ck_assert_int_eq(admitted(d, &c, "198.18.1.200", DLIMIT_QUERY, MS, 5),
			 1);
	ck_assert_int_eq(admitted(d, &c, "198.18.2.2", DLIMIT_QUERY, MS, 5), 2);
	ck_assert_int_eq(admitted(d, &c, "2001:db8:1::10", DLIMIT_QUERY, MS, 1),
			 1);
	ck_assert_int_eq(
		admitted(d, &c, "2001:db8:1::ffff", DLIMIT_QUERY, MS, 5), 1);
	/* Per /128, the default: each address its own bucket. */
	c.ratelimit_v6_prefix = 128;
	ck_assert_int_eq(admitted(d, &c, "2001:db8:1::20", DLIMIT_QUERY, MS, 5),
			 2);
	ck_assert_int_eq(admitted(d, &c, "2001:db8:1::21", DLIMIT_QUERY, MS, 5),
			 2);
	dlimit_destroy(d);
}
END_TEST

START_TEST(test_rate_zero)
{
	struct config c = cfg_of(0, 0, 0);
	struct dlimit *d;

	ck_assert_int_eq(dlimit_create(64, &d), 0);
	ck_assert_int_eq(admitted(d, &c, "198.18.1.2", DLIMIT_QUERY, MS, 10000),
			 10000);
	ck_assert_int_eq(admitted(d, &c, "198.18.1.2", DLIMIT_MISS, MS, 10000),
			 10000);
	dlimit_destroy(d);
}
END_TEST

/* 100,000 clients through 64 slots: each new one starts with its burst, and
 * a client asking all along keeps being limited (its slot is the newest). */
START_TEST(test_churn)
{
	struct config c = cfg_of(1, 3, 0);
	struct dlimit *d;
	char who[64];

	ck_assert_int_eq(dlimit_create(1, &d), 0);
	ck_assert_int_eq(admitted(d, &c, "198.19.0.1", DLIMIT_QUERY, MS, 3), 3);
	for (int i = 0; i < 100000; i++) {
		snprintf(who, sizeof(who), "198.18.%d.%d", i / 250 % 250,
			 i % 250 + 1);
		ck_assert_int_eq(
			admitted(d, &c, who, DLIMIT_QUERY, 2 * MS + i, 4), 3);
		ck_assert(!take(d, &c, "198.19.0.1", DLIMIT_QUERY, 2 * MS + i));
	}
	dlimit_destroy(d);
}
END_TEST

/* What limited a query, or -1 when it conformed. */
static int over_of(struct dlimit *d, const struct config *cfg, const char *who,
		   enum dlimit_bucket b, uint64_t now)
{
	struct sockaddr_storage ss = addr_of(who);
	enum dlimit_bucket over = DLIMIT_QUERY;

	if (dlimit_take(d, cfg, (struct sockaddr *)&ss, b, now, &over))
		return -1;
	return (int)over;
}

/*
 * The prefix stages: hosts of one network share its bucket, a host's own
 * limited queries never reach it, another network has its own; the wider
 * prefix likewise; prefixes as configured.
 */
START_TEST(test_stages)
{
	struct config c = cfg_of(10, 3, 0);
	struct dlimit *d;

	ck_assert_int_eq(dlimit_create(64, &d), 0);
	c.ratelimit_net = 1;
	c.ratelimit_net_burst = 5;
	c.ratelimit_wide = 1;
	c.ratelimit_wide_burst = 7;
	ck_assert_int_eq(admitted(d, &c, "198.18.1.2", DLIMIT_QUERY, MS, 10),
			 3);
	ck_assert_int_eq(over_of(d, &c, "198.18.1.2", DLIMIT_QUERY, MS),
			 DLIMIT_QUERY);
	ck_assert_int_eq(admitted(d, &c, "198.18.1.3", DLIMIT_QUERY, MS, 1), 1);
	ck_assert_int_eq(over_of(d, &c, "198.18.1.4", DLIMIT_QUERY, MS), -1);
	/* The /24's five are spent; b and c still have host tokens. */
	ck_assert_int_eq(over_of(d, &c, "198.18.1.3", DLIMIT_QUERY, MS),
			 DLIMIT_NET);
	/* Another /24 of the same /20: two of the /20's seven are left. */
	ck_assert_int_eq(admitted(d, &c, "198.18.2.2", DLIMIT_QUERY, MS, 3), 2);
	ck_assert_int_eq(over_of(d, &c, "198.18.2.3", DLIMIT_QUERY, MS),
			 DLIMIT_WIDE);
	ck_assert_int_eq(admitted(d, &c, "198.18.16.2", DLIMIT_QUERY, MS, 3),
			 3);
	/* The miss budget is the host's only. */
	c.miss_limit = 1;
	ck_assert_int_eq(admitted(d, &c, "198.18.1.3", DLIMIT_MISS, MS, 10), 4);

	/* IPv6: /64 and /56 by default, /48 when configured. */
	ck_assert_int_eq(admitted(d, &c, "2001:db8:1::1", DLIMIT_QUERY, MS, 3),
			 3);
	ck_assert_int_eq(admitted(d, &c, "2001:db8:1::2", DLIMIT_QUERY, MS, 3),
			 2);
	ck_assert_int_eq(over_of(d, &c, "2001:db8:1::3", DLIMIT_QUERY, MS),
			 DLIMIT_NET);
	ck_assert_int_eq(
		admitted(d, &c, "2001:db8:1:1::1", DLIMIT_QUERY, MS, 3), 2);
	ck_assert_int_eq(over_of(d, &c, "2001:db8:1:2::1", DLIMIT_QUERY, MS),
			 DLIMIT_WIDE);
	c.ratelimit_net_v6_prefix = 48;
	ck_assert_int_eq(over_of(d, &c, "2001:db8:1:100::1", DLIMIT_QUERY, MS),
			 -1);
	ck_assert_int_eq(
		admitted(d, &c, "2001:db8:1:200::1", DLIMIT_QUERY, MS, 5), 3);
	ck_assert_int_eq(over_of(d, &c, "2001:db8:1:300::1", DLIMIT_QUERY, MS),
			 -1); /* the /48's fifth */
	ck_assert_int_eq(over_of(d, &c, "2001:db8:1:400::1", DLIMIT_QUERY, MS),
			 DLIMIT_NET);
	dlimit_destroy(d);
}
END_TEST

/*
 * New hosts: one admission bucket for all, refused ones get no slot (and
 * ask again), admitted ones start with the first burst; known ones go on.
 */
START_TEST(test_new_source)
{
	struct config c = cfg_of(100, 20, 10); /* miss burst 40 */
	struct dlimit *d;
	char who[64];

	ck_assert_int_eq(dlimit_create(64, &d), 0);
	c.new_source_limit = 10;
	c.new_source_burst = 3;
	c.new_source_first_burst = 5;
	ck_assert_int_eq(admitted(d, &c, "198.18.1.2", DLIMIT_QUERY, MS, 10),
			 5);
	ck_assert_int_eq(admitted(d, &c, "2001:db8:1::2", DLIMIT_MISS, MS, 10),
			 5);
	ck_assert_int_eq(admitted(d, &c, "198.18.1.3", DLIMIT_QUERY, MS, 1), 1);
	ck_assert_int_eq(over_of(d, &c, "198.18.1.4", DLIMIT_QUERY, MS),
			 DLIMIT_NEW);
	ck_assert_int_eq(over_of(d, &c, "198.18.1.4", DLIMIT_MISS, MS),
			 DLIMIT_NEW);
	/* One new host every 100 ms. */
	ck_assert_int_eq(over_of(d, &c, "198.18.1.4", DLIMIT_QUERY, 99 * MS),
			 DLIMIT_NEW);
	ck_assert_int_eq(over_of(d, &c, "198.18.1.4", DLIMIT_QUERY, 101 * MS),
			 -1);
	ck_assert_int_eq(over_of(d, &c, "198.18.1.5", DLIMIT_QUERY, 101 * MS),
			 DLIMIT_NEW);
	/* Its first 5 less the one taken, and 10 more in 100 ms. */
	ck_assert_int_eq(
		admitted(d, &c, "198.18.1.3", DLIMIT_QUERY, 101 * MS, 20), 14);
	/* First burst 0: a full bucket; 50, above the depth, the same. */
	for (int i = 0; i < 2; i++) {
		c.new_source_first_burst = i ? 50 : 0;
		c.new_source_limit = 0;
		snprintf(who, sizeof(who), "198.18.2.%d", i + 1);
		ck_assert_int_eq(admitted(d, &c, who, DLIMIT_QUERY, MS, 50),
				 20);
	}
	dlimit_destroy(d);
}
END_TEST

void dlimit_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_burst_then_rate),
		     CKTEST(test_buckets_apart), CKTEST(test_prefixes));
	CKTEST_TCASE(s, "Limits", NULL, CKTEST(test_rate_zero),
		     CKTEST(test_churn), CKTEST(test_stages),
		     CKTEST(test_new_source));
}
