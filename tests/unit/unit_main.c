// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The one unit-test runner: every Check suite in one srunner, a CK_NORMAL
 * summary on stdout, and a non-zero exit status when anything failed, so
 * `make test-unit` and tests/run-all.sh can gate on it. No privileges needed.
 */
#include "suites.h"

#define UNIT_SUITE_(name) { #name, name##_tcases },

int main(void)
{
	static const struct cktest_suite suites[] = { UNIT_SUITES(
		UNIT_SUITE_) };

	return cktest_run(suites, ARRAY_SIZE(suites));
}
