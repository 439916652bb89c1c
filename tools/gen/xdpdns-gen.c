// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Build-time generator (not installed): writes xdpdnsd(8), xdpdnsctl(8)
 * and the shipped xdpdnsd.conf from the option table in userspace/config.c
 * and the command table in tools/xdpdnsctl/help.c, the same tables --help
 * prints, so the man pages and the example cannot drift from the programs.
 * Usage: xdpdns-gen xdpdnsd.8|xdpdnsctl.8|xdpdnsd.conf [DATE] > FILE
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "tools/xdpdnsctl/xdpdnsctl.h"

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	const char *date = argc > 2 ? argv[2] : "";

	if (argc < 2 || argc > 3)
		goto usage;
	if (!strcmp(what, "xdpdnsd.8"))
		config_write_man(stdout, date);
	else if (!strcmp(what, "xdpdnsctl.8"))
		ctl_write_man(stdout, date, config_version());
	else if (!strcmp(what, "xdpdnsd.conf"))
		config_write_example(stdout);
	else
		goto usage;
	if (fflush(stdout) || ferror(stdout)) {
		perror("xdpdns-gen: stdout");
		return 1;
	}
	return 0;
usage:
	fprintf(stderr,
		"usage: xdpdns-gen xdpdnsd.8|xdpdnsctl.8|xdpdnsd.conf [DATE]\n");
	return 2;
}
