/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The Check suites of the BPF runner, one constructor per check_<area>.c.
 * bpf_main.c lists them all; a new area adds its line here and there. The
 * runner needs root: every suite loads the real BPF object.
 */
#ifndef XDPDNS_TESTS_BPF_SUITES_H
#define XDPDNS_TESTS_BPF_SUITES_H

#include <check.h>

/* The build directory given to the runner (argv[1]), "build" by default. */
extern const char *bpf_test_build_dir;

Suite *xdp_suite(void);
Suite *limit_suite(void);

#endif /* XDPDNS_TESTS_BPF_SUITES_H */
