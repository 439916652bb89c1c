// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The one unit-test runner: every Check suite in one srunner, a CK_NORMAL
 * summary on stdout, and a non-zero exit status when anything failed, so
 * `make test-unit` and tests/run-all.sh can gate on it. No privileges needed.
 */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(dnswire_suite());
	srunner_add_suite(sr, dnsmsg_suite());
	srunner_add_suite(sr, cache_entry_suite());
	srunner_add_suite(sr, metrics_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, anscache_suite());
	srunner_add_suite(sr, health_suite());
	srunner_add_suite(sr, answer_suite());
	srunner_add_suite(sr, acl_suite());
	srunner_add_suite(sr, resolver_suite());
	srunner_add_suite(sr, refresh_suite());
	srunner_add_suite(sr, query_suite());
	srunner_add_suite(sr, util_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
