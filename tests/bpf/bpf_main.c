// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The one BPF test runner: every Check suite that drives the real XDP object
 * through BPF_PROG_TEST_RUN, a CK_NORMAL summary on stdout, and a non-zero
 * exit status when anything failed. Usage: bpf_runner [BUILD_DIR]. The
 * object comes from the skeleton compiled into the runner; BUILD_DIR names
 * the build it belongs to and must hold xdpdns.bpf.o, so that a runner is
 * never pointed at a tree it was not built from by mistake.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "suites.h"

const char *bpf_test_build_dir = "build";

#define BPF_SUITE_(name) { #name, name##_tcases },

int main(int argc, char **argv)
{
	static const struct cktest_suite suites[] = { BPF_SUITES(BPF_SUITE_) };
	char obj[4096];

	if (argc > 1)
		bpf_test_build_dir = argv[1];
	snprintf(obj, sizeof(obj), "%s/xdpdns.bpf.o", bpf_test_build_dir);
	if (access(obj, R_OK)) {
		fprintf(stderr,
			"bpf_runner: %s: not found (usage: %s BUILD_DIR)\n",
			obj, argv[0]);
		return EXIT_FAILURE;
	}
	if (geteuid() != 0)
		fprintf(stderr, "bpf_runner: not root, loading will fail\n");

	return cktest_run(suites, ARRAY_SIZE(suites));
}
