// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsctl dump: every pinned map as one timestamped JSON document, for
 * scripts, dashboards and the NOC's records. A series of dumps (e.g. one a
 * minute from cron) is what `xdpdnsctl report` turns into an HTML report.
 * With -o the file appears atomically, so a collector never reads half.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xdpdnsctl.h"

enum { OPT_JSON = 0x100, OPT_CACHE_DATA };

static int dump_write_file(json_t *doc, const char *path)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + 16);
	int err = 0;

	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, len + 16, "%s.tmpXXXXXX", path);
	{
		int fd = mkstemp(tmp);
		FILE *f;

		if (fd < 0) {
			err = -errno;
			goto out;
		}
		f = fdopen(fd, "w");
		if (!f) {
			err = -errno;
			close(fd);
			unlink(tmp);
			goto out;
		}
		if (json_dumpf(doc, f, JSON_INDENT(1)) || fputc('\n', f) == EOF)
			err = -EIO;
		if (fclose(f) && !err)
			err = -errno;
		if (!err && rename(tmp, path))
			err = -errno;
		if (err)
			unlink(tmp);
	}
out:
	free(tmp);
	return err;
}

int cmd_dump(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "cache-data", no_argument, NULL, OPT_CACHE_DATA },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct xdpmaps_fds fds;
	unsigned int flags = 0;
	const char *out = NULL;
	json_t *doc;
	int c, err, ret;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == OPT_JSON)
			; /* the only format; accepted for clarity */
		else if (c == OPT_CACHE_DATA)
			flags |= OBSERVE_DUMP_CACHE_DATA;
		else if (c == 'o')
			out = optarg;
		else
			return ctl_bad_option(argv, optind);
	}
	if (optind < argc)
		return ctl_usage_err("dump: unexpected argument '%s'",
				     argv[optind]);
	if (ctl_open_all(ctl, &fds))
		return CTL_EXIT_FAIL;
	doc = observe_dump_json(&fds, flags);
	ctl_close_all(&fds);
	if (!doc) {
		ctl_err("cannot build the dump: %s", strerror(errno));
		return CTL_EXIT_FAIL;
	}
	json_object_set_new(doc, "pin_dir", json_string(ctl->pin_dir));
	if (out) {
		err = dump_write_file(doc, out);
		ret = err ? CTL_EXIT_FAIL : CTL_EXIT_OK;
		if (err)
			ctl_err("cannot write %s: %s", out, strerror(-err));
	} else {
		ret = ctl_print_json(doc);
	}
	json_decref(doc);
	return ret;
}
