// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Seeds of fuzz_render: for each response given, the entry
 * cache_entry_build() makes of it followed by the query of its key (RD,
 * OPT with DO when the key has it), written to DIR as one input each.
 * Run by `make fuzz-corpus` on tests/fuzz/corpus/response/.
 *
 * Usage: gen_render_seeds DIR RESPONSE...
 */
#include <stdio.h>
#include <string.h>

#include "lib/cache_entry.h"

int main(int argc, char **argv)
{
	static uint8_t resp[65536],
		seed[sizeof(struct xdpdns_cache_entry) + 512];
	int written = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: gen_render_seeds DIR RESPONSE...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		for (int f = 0; f < 2; f++) {
			struct cache_entry_opts o = {
				.key_flags = f ? XDPDNS_KEY_DO : 0,
				.now_ns = 5000000000ULL,
			};
			struct xdpdns_cache_entry e;
			struct xdpdns_cache_key k;
			struct dnswire_header h = { .id = 0x2020,
						    .flags = DNS_F_RD,
						    .qdcount = 1,
						    .arcount = 1 };
			size_t len, off = sizeof(e), n;
			char path[4096];
			FILE *fp = fopen(argv[i], "rb");

			if (!fp)
				continue;
			len = fread(resp, 1, sizeof(resp), fp);
			fclose(fp);
			if (cache_entry_build(resp, len, &o, &k, &e))
				continue;
			memcpy(seed, &e, sizeof(e));
			dnswire_write_header(seed + off, &h);
			off += DNS_HEADER_LEN;
			n = dnswire_name_len(k.qname, DNS_NAME_MAX);
			memcpy(seed + off, k.qname, n);
			off += n;
			dnswire_put_u16(seed + off, k.qtype);
			dnswire_put_u16(seed + off + 2, k.qclass);
			off += 4;
			off += dnsmsg_write_opt(seed + off, 1232, 0, f, NULL,
						0);
			snprintf(path, sizeof(path), "%s/%s-%s", argv[1],
				 strrchr(argv[i], '/') ?
					 strrchr(argv[i], '/') + 1 :
					 argv[i],
				 f ? "do" : "plain");
			fp = fopen(path, "wb");
			if (!fp || fwrite(seed, 1, off, fp) != off) {
				perror(path);
				return 1;
			}
			fclose(fp);
			written++;
		}
	}
	printf("  %-12s %d inputs\n", "render", written);
	return 0;
}
