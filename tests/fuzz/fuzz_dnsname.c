// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: domain names in their three forms (lib/dnswire.h).
 * The input is read as presentation text (up to its first NUL: what
 * --local-zone-nodefault and xdpdnsctl take), as an uncompressed wire name,
 * and as a message holding a compressed name at offset 12.
 *
 * Checks: text that converts gives a valid wire name whose text form
 * converts back to the same wire bytes; a valid wire name survives text
 * and back unchanged; a compressed name reads to a valid wire name no
 * longer than 255 bytes, its end inside the message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lib/dnswire.h"

static void wire_round_trip(const uint8_t *wire, int n)
{
	char text[DNSWIRE_NAME_TEXT_MAX];
	uint8_t again[DNS_NAME_MAX];
	int t;

	t = dnswire_name_to_text(wire, n, text, sizeof(text));
	FUZZ_ASSERT(t > 0 && (size_t)t == strlen(text));
	FUZZ_ASSERT(dnswire_name_from_text(text, again, sizeof(again)) == n);
	FUZZ_ASSERT(!memcmp(again, wire, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t wire[DNS_NAME_MAX];
	size_t off = DNS_HEADER_LEN;
	char *text;
	int n;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	n = dnswire_name_from_text(text, wire, sizeof(wire));
	FUZZ_ASSERT(n > 0 || n == -EINVAL || n == -EMSGSIZE);
	if (n > 0) {
		FUZZ_ASSERT(dnswire_name_len(wire, n) == n);
		wire_round_trip(wire, n);
	}
	free(text);

	n = dnswire_name_len(data, size);
	FUZZ_ASSERT(n > 0 || n == -EBADMSG || n == -EMSGSIZE);
	if (n > 0) {
		FUZZ_ASSERT((size_t)n <= size && n <= DNS_NAME_MAX);
		wire_round_trip(data, n);
	}

	n = dnswire_read_name(data, size, &off, wire);
	FUZZ_ASSERT(n > 0 || n == -EBADMSG || n == -EMSGSIZE);
	if (n > 0) {
		FUZZ_ASSERT(off > DNS_HEADER_LEN && off <= size);
		FUZZ_ASSERT(dnswire_name_len(wire, n) == n);
	}
	return 0;
}
