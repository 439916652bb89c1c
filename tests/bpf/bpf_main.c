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

int main(int argc, char **argv)
{
	char obj[4096];
	SRunner *sr;
	int failed;

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

	sr = srunner_create(xdp_suite());
	srunner_add_suite(sr, limit_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
