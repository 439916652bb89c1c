// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's own per-client limits (userspace/dlimit.c): GCRA counts at
 * the burst and the refill, the query and miss buckets apart, the host
 * aggregation prefixes, a zero rate, and a table that stays its size under
 * churn.
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

	return dlimit_take(d, cfg, (struct sockaddr *)&ss, b, now);
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

void dlimit_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_burst_then_rate),
		     CKTEST(test_buckets_apart), CKTEST(test_prefixes));
	CKTEST_TCASE(s, "Limits", NULL, CKTEST(test_rate_zero),
		     CKTEST(test_churn));
}
