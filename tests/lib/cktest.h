/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * How the Check runners are put together: a runner is a list of suites, each
 * a name and the function of its check_<area>.c that adds the TCases, and
 * cktest_run() builds and runs them all. Each TCase is named and listed
 * with its tests in one call, so that a check file says which tests run
 * where and nothing else. A test runs over a range of _i: a plain test once
 * with _i 0, as tcase_add_test() would, a table-driven one once per case of
 * its table, as tcase_add_loop_test().
 */
#ifndef XDPDNS_TESTS_CKTEST_H
#define XDPDNS_TESTS_CKTEST_H

#include <stddef.h>

#include <check.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A test and the range [start, end) of _i it runs over. */
struct cktest {
	const TTest *test;
	int start;
	int end;
};

#define CKTEST(t) ((struct cktest){ (t), 0, 1 })
/* _i from 0 to @n - 1. */
#define CKTEST_LOOP(t, n) ((struct cktest){ (t), 0, (int)(n) })
/* _i from @s to @e - 1: a part of a table. */
#define CKTEST_RANGE(t, s, e) ((struct cktest){ (t), (int)(s), (int)(e) })
/* One run per case of the array @cases, which the test indexes with _i. */
#define CKTEST_TABLE(t, cases) CKTEST_LOOP(t, ARRAY_SIZE(cases))

/* How a TCase runs; NULL, or 0 and NULL members: as Check would. */
struct cktest_opts {
	int timeout; /* seconds */
	/* runs in the runner before the TCase's tests fork (a shared load) */
	void (*unchecked_setup)(void);
};

/*
 * Creates TCase @name with options @o (may be NULL) and @tests, a list
 * ended by an entry whose test is NULL, and adds it to @s.
 */
void cktest_tcase_add(Suite *s, const char *name, const struct cktest_opts *o,
		      const struct cktest *tests);

/* cktest_tcase_add() with the tests as the remaining arguments. */
#define CKTEST_TCASE(s, name, o, ...)      \
	cktest_tcase_add((s), (name), (o), \
			 (const struct cktest[]){ __VA_ARGS__, { NULL } })

/* A suite of a runner: @tcases adds the TCases of suite @name. */
struct cktest_suite {
	const char *name;
	void (*tcases)(Suite *s);
};

/*
 * Builds the @n suites of @suites into one srunner, in that order, and runs
 * them all with a CK_NORMAL summary on stdout.
 * Return: EXIT_SUCCESS, or EXIT_FAILURE when any check failed.
 */
int cktest_run(const struct cktest_suite *suites, size_t n);

#endif /* XDPDNS_TESTS_CKTEST_H */
