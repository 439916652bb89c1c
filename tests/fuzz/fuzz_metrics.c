// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the dispatch of the metrics HTTP handler,
 * metrics_route(), on any method and path (the input: method, NUL, path,
 * NUL, one byte saying whether a body came), as libmicrohttpd hands them
 * over. Checks: only GET and HEAD reach a page, a body is refused, and a
 * page is served for exactly its paths.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *method, *url;
	size_t body = 0;
	char *text;
	int r;

	text = malloc(size + 2);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = text[size + 1] = '\0';
	method = text;
	url = method + strlen(method) + 1;
	if (url + strlen(url) + 1 < text + size)
		body = (unsigned char)url[strlen(url) + 1];
	r = metrics_route(method, url, body);
	FUZZ_ASSERT(r >= METRICS_ROUTE_PROMETHEUS &&
		    r <= METRICS_ROUTE_BAD_REQUEST);
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		FUZZ_ASSERT(r == METRICS_ROUTE_NOT_ALLOWED);
	else if (body)
		FUZZ_ASSERT(r == METRICS_ROUTE_BAD_REQUEST);
	else
		FUZZ_ASSERT((r == METRICS_ROUTE_PROMETHEUS) ==
				    !strcmp(url, "/metrics") &&
			    (r == METRICS_ROUTE_HEALTH) ==
				    !strcmp(url, "/health") &&
			    (r == METRICS_ROUTE_STATS_JSON) ==
				    !strcmp(url, "/api/stats.json") &&
			    (r == METRICS_ROUTE_DASHBOARD) ==
				    (!strcmp(url, "/") ||
				     !strcmp(url, "/index.html")));
	free(text);
	return 0;
}
