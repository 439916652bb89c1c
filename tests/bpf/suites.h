/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The Check suites of the BPF runner, in the order it runs them. Suite X is
 * check_X.c, whose X_tcases() adds its TCases; a new area adds its name
 * here and nowhere else. The runner needs root: every suite loads the real
 * BPF object.
 */
#ifndef XDPDNS_TESTS_BPF_SUITES_H
#define XDPDNS_TESTS_BPF_SUITES_H

#include "tests/lib/cktest.h"

/* The build directory given to the runner (argv[1]), "build" by default. */
extern const char *bpf_test_build_dir;

#define BPF_SUITES(X) \
	X(xdp)        \
	X(limit)      \
	X(purgemap)   \
	X(cachemap)   \
	X(cachemem)   \
	X(cookie)

#define BPF_TCASES_DECL_(name) void name##_tcases(Suite *s);
BPF_SUITES(BPF_TCASES_DECL_)
#undef BPF_TCASES_DECL_

#endif /* XDPDNS_TESTS_BPF_SUITES_H */
