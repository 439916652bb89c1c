// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What the XDP cache costs in kernel memory, measured on real maps: the
 * index and the four slot classes made as the loader makes them for
 * --cache-size N with the default --cache-split, their memlock summed from
 * /proc/self/fdinfo (the kernel's own account of each map). A hall's
 * 100,000 names fit in 48 MiB and 1,000,000 in 512 MiB, and
 * cachemap_bytes() (what the loader logs) is within 10% of the kernel's
 * figure on kernels that account exactly (6.4 and later).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/cachemap.h"
#include "suites.h"

#define MIB (1024.0 * 1024.0)

/* The memlock line of fd @fd's fdinfo, bytes; 0 when there is none. */
static unsigned long long fd_memlock(int fd)
{
	unsigned long long v = 0;
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* 6.4 (map_mem_usage) and later count what is allocated. */
static int kernel_exact(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return 0;
	return maj > 6 || (maj == 6 && min >= 4);
}

static const struct {
	uint32_t entries;
	double max_mib;
} sizes[] = {
	{ 100000, 48 },
	{ 1000000, 512 },
};

START_TEST(test_cache_memory)
{
	uint8_t pct[XDPDNS_SLOT_CLASSES];
	uint32_t slots[XDPDNS_SLOT_CLASSES];
	int index_fd, slot_fds[XDPDNS_SLOT_CLASSES];
	unsigned long long used;
	double est;

	ck_assert_int_eq(cachemap_parse_split(XDPDNS_CACHE_SPLIT_DEFAULT, pct),
			 0);
	cachemap_split(sizes[_i].entries, pct, slots);
	ck_assert_int_eq(cachemap_create_maps(slots, &index_fd, slot_fds), 0);
	used = fd_memlock(index_fd);
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++)
		used += fd_memlock(slot_fds[k]);
	est = (double)cachemap_bytes(slots);
	printf("cache memory, --cache-size %u (%u/%u/%u/%u slots): kernel %.1f MiB, cachemap_bytes() %.1f MiB, %.0f bytes an entry\n",
	       sizes[_i].entries, slots[0], slots[1], slots[2], slots[3],
	       used / MIB, est / MIB, (double)used / sizes[_i].entries);
	close(index_fd);
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++)
		close(slot_fds[k]);
	ck_assert_uint_gt(used, 0);
	ck_assert_msg(used / MIB <= sizes[_i].max_mib,
		      "%u entries take %.1f MiB, above %.0f", sizes[_i].entries,
		      used / MIB, sizes[_i].max_mib);
	if (kernel_exact())
		ck_assert_msg(
			est > 0.9 * (double)used && est < 1.1 * (double)used,
			"cachemap_bytes() %.0f, the kernel %llu", est, used);
}
END_TEST

void cachemem_tcases(Suite *s)
{
	static const struct cktest_opts o = { 60, NULL };

	CKTEST_TCASE(s, "Positive", &o, CKTEST_TABLE(test_cache_memory, sizes));
}
