/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The Check suites of the unit runner, one constructor per check_<area>.c.
 * unit_main.c lists them all; a new area adds its line here and there.
 */
#ifndef XDPDNS_TESTS_UNIT_SUITES_H
#define XDPDNS_TESTS_UNIT_SUITES_H

#include <check.h>

Suite *dnswire_suite(void);
Suite *dnsmsg_suite(void);
Suite *cache_entry_suite(void);
Suite *config_suite(void);
Suite *metrics_suite(void);
Suite *anscache_suite(void);
Suite *health_suite(void);
Suite *answer_suite(void);
Suite *acl_suite(void);
Suite *resolver_suite(void);
Suite *refresh_suite(void);
Suite *query_suite(void);
Suite *util_suite(void);

#endif /* XDPDNS_TESTS_UNIT_SUITES_H */
