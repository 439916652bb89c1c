// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the hot set's text form (lib/hotset.h), which
 * `xdpdnsctl hotset import` and `pull` read from a file or from a peer's
 * /api/hotset. The input is split at newlines and every line parsed.
 *
 * Checks: a line is a row, a comment or -EINVAL, nothing else; a row's
 * name is a valid, lower-cased wire name; a row written back as text is
 * never a comment and parses to the same row; the rows, offered to a set
 * of a few, come out most hit first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lib/hotset.h"

static void row_round_trip(const struct hotset_row *r)
{
	char line[HOTSET_LINE_MAX];
	struct hotset_row back;
	int n;

	n = hotset_format_row(r, line, sizeof(line));
	FUZZ_ASSERT(n > 0 && (size_t)n == strlen(line));
	FUZZ_ASSERT(line[0] != '#');
	FUZZ_ASSERT(hotset_parse_line(line, &back) == 1);
	FUZZ_ASSERT(back.qname_len == r->qname_len &&
		    !memcmp(back.qname, r->qname, r->qname_len));
	FUZZ_ASSERT(back.qtype == r->qtype && back.flags == r->flags &&
		    back.hits == r->hits);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *line, *next;
	struct hotset h;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	hotset_init(&h, 3, 0);
	for (line = text; line; line = next) {
		struct xdpdns_cache_key key = { .qclass = DNS_CLASS_IN };
		struct hotset_row r;
		int v;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		v = hotset_parse_line(line, &r);
		FUZZ_ASSERT(v == 1 || v == 0 || v == -EINVAL);
		if (v != 1)
			continue;
		FUZZ_ASSERT(dnswire_name_len(r.qname, r.qname_len) ==
			    r.qname_len);
		for (unsigned int i = 0; i < r.qname_len; i++)
			FUZZ_ASSERT(r.qname[i] < 'A' || r.qname[i] > 'Z');
		FUZZ_ASSERT(!(r.flags & ~(XDPDNS_KEY_DO | XDPDNS_KEY_CD)));
		row_round_trip(&r);
		memcpy(key.qname, r.qname, r.qname_len);
		key.qtype = r.qtype;
		key.flags = r.flags;
		FUZZ_ASSERT(hotset_add(&h, &key, r.hits) == 0);
	}
	hotset_finish(&h);
	FUZZ_ASSERT(h.n <= 3);
	for (size_t i = 1; i < h.n; i++)
		FUZZ_ASSERT(h.rows[i - 1].hits >= h.rows[i].hits);
	hotset_free(&h);
	free(text);
	return 0;
}
