// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the --config file, config_load_text() on any text (the
 * input up to its first NUL) over a valid configuration, as --config does
 * after reading the file. It must return, never exit (libconfig is not
 * allowed to open files: @include is refused first); an error is one line
 * naming the file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const argv[] = { "xdpdnsd", "--no-xdp", "--listen",
				      "198.18.0.53", NULL };
	char err[CONFIG_ERR_MAX];
	struct config cfg;
	char *text;
	int ret;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	FUZZ_ASSERT(config_build(4, argv, &cfg, err, sizeof(err)) ==
		    CONFIG_RUN);
	ret = config_load_text(&cfg, text, "fuzz.conf", err, sizeof(err));
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	if (ret)
		FUZZ_ASSERT(!strncmp(err, "fuzz.conf:", 10) &&
			    !strchr(err, '\n'));
	config_free(&cfg);
	free(text);
	return 0;
}
