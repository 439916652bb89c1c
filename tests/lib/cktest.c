// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Suite building for the Check runners (see cktest.h). Only the unit and
 * BPF runners link this file: the fuzzer and the benchmark do without Check.
 */
#include "cktest.h"

#include <stdlib.h>

void cktest_tcase_add(Suite *s, const char *name, const struct cktest_opts *o,
		      const struct cktest *tests)
{
	TCase *tc = tcase_create(name);
	const struct cktest *t;

	if (o && o->timeout)
		tcase_set_timeout(tc, o->timeout);
	if (o && o->unchecked_setup)
		tcase_add_unchecked_fixture(tc, o->unchecked_setup, NULL);
	for (t = tests; t->test; t++)
		tcase_add_loop_test(tc, t->test, t->start, t->end);
	suite_add_tcase(s, tc);
}

int cktest_run(const struct cktest_suite *suites, size_t n)
{
	SRunner *sr = srunner_create(NULL);
	size_t i;
	int failed;

	for (i = 0; i < n; i++) {
		Suite *s = suite_create(suites[i].name);

		suites[i].tcases(s);
		srunner_add_suite(sr, s);
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
