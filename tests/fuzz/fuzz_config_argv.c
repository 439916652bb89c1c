// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: xdpdnsd's command line, config_build(), on any
 * arguments (the input split at NUL bytes, at most 64 of them). It must
 * return, never exit; an error is one line; a run configuration holds what
 * config_validate() promises.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "harness.h"

#define ARGS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[ARGS_MAX + 2] = { "xdpdnsd" };
	char err[CONFIG_ERR_MAX];
	struct config cfg;
	char *text;
	int argc = 1, ret;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *p = text; p < text + size && argc <= ARGS_MAX;) {
		argv[argc++] = p;
		p += strlen(p) + 1;
	}
	argv[argc] = NULL;
	ret = config_build(argc, argv, &cfg, err, sizeof(err));
	FUZZ_ASSERT(ret == CONFIG_RUN || ret == CONFIG_HELP ||
		    ret == CONFIG_VERSION || ret < 0);
	FUZZ_ASSERT(strlen(err) < sizeof(err));
	if (ret < 0)
		FUZZ_ASSERT(err[0] && !strchr(err, '\n'));
	if (ret == CONFIG_RUN) {
		FUZZ_ASSERT(cfg.listen.n >= 1 && cfg.listen.n <= 64);
		FUZZ_ASSERT(cfg.no_xdp || cfg.interface);
		FUZZ_ASSERT(cfg.min_ttl <= cfg.max_ttl);
		FUZZ_ASSERT(cfg.port >= 1 && cfg.port <= 65535);
		FUZZ_ASSERT(cfg.pin_dir);
	}
	config_free(&cfg);
	free(text);
	return 0;
}
