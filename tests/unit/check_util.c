// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lib/util.h: the hash against published FNV-1a vectors and field-by-field
 * chaining, the counter helpers, the clock against CLOCK_MONOTONIC, and
 * seterr()'s truncation and NULL buffer.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"
#include "suites.h"

/* FNV-1a 32-bit reference values (draft-eastlake-fnv, isthe.com). */
static const struct {
	const char *in;
	size_t len;
	uint32_t want;
} fnv_cases[] = {
	{ "", 0, 0x811c9dc5u },
	{ "a", 1, 0xe40c292cu },
	{ "foobar", 6, 0xbf9cf968u },
	{ "\3www\7example\3com", 17, 0xfb86befeu },
};

/* ---- Positive ------------------------------------------------------------ */

START_TEST(test_hash_vectors)
{
	ck_assert_uint_eq(util_hash(UTIL_HASH_INIT, fnv_cases[_i].in,
				    fnv_cases[_i].len),
			  fnv_cases[_i].want);
}
END_TEST

START_TEST(test_hash_chains)
{
	const uint8_t name[] = "\3www\7example\3com";
	uint8_t flat[sizeof(name) + 5];
	uint16_t qtype = 28, qclass = 1;
	uint8_t flags = 1;

	ck_assert_uint_eq(util_hash(util_hash(UTIL_HASH_INIT, "foo", 3), "bar",
				    3),
			  util_hash(UTIL_HASH_INIT, "foobar", 6));
	/* The question key hash is the hash of its fields laid end to end. */
	memcpy(flat, name, sizeof(name));
	memcpy(flat + sizeof(name), &qtype, 2);
	memcpy(flat + sizeof(name) + 2, &qclass, 2);
	flat[sizeof(name) + 4] = flags;
	ck_assert_uint_eq(util_qkey_hash(name, sizeof(name), qtype, qclass,
					 flags),
			  util_hash(UTIL_HASH_INIT, flat, sizeof(flat)));
	ck_assert_uint_ne(util_qkey_hash(name, sizeof(name), qtype, qclass,
					 flags),
			  util_qkey_hash(name, sizeof(name), qtype, qclass, 0));
}
END_TEST

START_TEST(test_stat_helpers)
{
	uint64_t c = 0;
	double sum = 0.25;

	stat_inc(&c);
	stat_add(&c, 41);
	ck_assert_uint_eq(stat_get(&c), 42);
	stat_set(&c, 7);
	ck_assert_uint_eq(c, 7);
	stat_add_double(&sum, 0.5);
	ck_assert(stat_get_double(&sum) == 0.75);
}
END_TEST

START_TEST(test_mono_ns)
{
	struct timespec ts;
	uint64_t a, b, ref;

	a = util_mono_ns();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	b = util_mono_ns();
	ref = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	ck_assert_uint_le(a, ref);
	ck_assert_uint_le(ref, b);
	ck_assert_uint_eq(NSEC_PER_SEC, 1000000000ULL);
}
END_TEST

START_TEST(test_seterr)
{
	char buf[32];

	seterr(buf, sizeof(buf), "--%s %u: out of range", "port", 70000u);
	ck_assert_str_eq(buf, "--port 70000: out of range");
}
END_TEST

/* ---- Negative ------------------------------------------------------------ */

START_TEST(test_seterr_no_buffer)
{
	char buf[4] = "abc";

	seterr(NULL, 16, "ignored %d", 1);
	seterr(buf, 0, "ignored %d", 2);
	ck_assert_str_eq(buf, "abc");
}
END_TEST

/* ---- Limits -------------------------------------------------------------- */

START_TEST(test_seterr_truncates)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	seterr(buf, sizeof(buf), "%s", "0123456789");
	ck_assert_str_eq(buf, "0123456");
}
END_TEST

START_TEST(test_stat_wraps)
{
	uint64_t c = UINT64_MAX;

	/* Prometheus treats a counter going down as a reset. */
	stat_inc(&c);
	ck_assert_uint_eq(c, 0);
}
END_TEST

void util_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL,
		     CKTEST_TABLE(test_hash_vectors, fnv_cases),
		     CKTEST(test_hash_chains), CKTEST(test_stat_helpers),
		     CKTEST(test_mono_ns), CKTEST(test_seterr));
	CKTEST_TCASE(s, "Negative", NULL, CKTEST(test_seterr_no_buffer));
	CKTEST_TCASE(s, "Limits", NULL, CKTEST(test_seterr_truncates),
		     CKTEST(test_stat_wraps));
}
