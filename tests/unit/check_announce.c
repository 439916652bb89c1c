// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The anycast agent's logic (userspace/lib/announce.c): --rise good
 * verdicts in a row to announce and --fall bad ones to withdraw, a single
 * odd verdict changing nothing, nothing announced before the first rise;
 * prefixes parsed to their canonical form, host bits and bad lengths
 * refused; the vtysh commands for IPv4 and IPv6 prefixes, in and out.
 */
#include <check.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/announce.h"
#include "suites.h"

START_TEST(test_debounce)
{
	struct announce_sm sm = { .rise = 3, .fall = 2 };

	/* Not announced before three good verdicts in a row. */
	ck_assert(!announce_sm_feed(&sm, true));
	ck_assert(!announce_sm_feed(&sm, true));
	ck_assert(!announce_sm_feed(&sm, false));
	ck_assert(!sm.healthy);
	ck_assert(!announce_sm_feed(&sm, true));
	ck_assert(!announce_sm_feed(&sm, true));
	ck_assert(announce_sm_feed(&sm, true));
	ck_assert(sm.healthy);
	/* One bad verdict between good ones withdraws nothing. */
	ck_assert(!announce_sm_feed(&sm, false));
	ck_assert(!announce_sm_feed(&sm, true));
	ck_assert(!announce_sm_feed(&sm, false));
	ck_assert(sm.healthy);
	/* Two in a row do, once. */
	ck_assert(announce_sm_feed(&sm, false));
	ck_assert(!sm.healthy);
	ck_assert(!announce_sm_feed(&sm, false));
	ck_assert(!announce_sm_feed(&sm, false));
	ck_assert(!sm.healthy);
}
END_TEST

START_TEST(test_rise_fall_one)
{
	struct announce_sm sm = { .rise = 1, .fall = 1 };

	ck_assert(!announce_sm_feed(&sm, false));
	ck_assert(announce_sm_feed(&sm, true));
	ck_assert(!announce_sm_feed(&sm, true));
	ck_assert(announce_sm_feed(&sm, false));
	ck_assert(announce_sm_feed(&sm, true));
}
END_TEST

START_TEST(test_prefix)
{
	static const struct {
		const char *in, *out;
		int family;
	} good[] = {
		{ "198.18.53.53", "198.18.53.53/32", AF_INET },
		{ "198.18.53.53/32", "198.18.53.53/32", AF_INET },
		{ "198.18.0.0/15", "198.18.0.0/15", AF_INET },
		{ "2001:db8:53::53", "2001:db8:53::53/128", AF_INET6 },
		{ "2001:DB8:0053:0::53/128", "2001:db8:53::53/128", AF_INET6 },
		{ "2001:db8::/32", "2001:db8::/32", AF_INET6 },
		{ "0.0.0.0/0", "0.0.0.0/0", AF_INET },
	};
	static const char *const bad[] = {
		"",
		"/32",
		"198.18.53.53/33",
		"198.18.53.53/",
		"198.18.0.1/15",
		"198.18.53.53/3x",
		"2001:db8::1/64",
		"2001:db8::/129",
		"host.example",
		"198.18.53.53/-1",
		"198.18.53.256",
	};
	struct announce_prefix p;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(!announce_prefix_parse(good[i].in, &p), "%s",
			      good[i].in);
		ck_assert_str_eq(p.text, good[i].out);
		ck_assert_int_eq(p.family, good[i].family);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(announce_prefix_parse(bad[i], &p), "%s", bad[i]);
}
END_TEST

START_TEST(test_cmds)
{
	struct announce_prefix p[3];
	char cmds[ANNOUNCE_CMDS_MAX][ANNOUNCE_CMD_MAX];
	size_t n;

	ck_assert(!announce_prefix_parse("198.18.53.53/32", &p[0]));
	ck_assert(!announce_prefix_parse("2001:db8:53::53/128", &p[1]));
	ck_assert(!announce_prefix_parse("198.18.54.0/24", &p[2]));
	n = announce_cmds(p, 3, 65001, true, cmds);
	ck_assert_uint_eq(n, 9);
	ck_assert_str_eq(cmds[0], "configure terminal");
	ck_assert_str_eq(cmds[1], "router bgp 65001");
	ck_assert_str_eq(cmds[2], "address-family ipv4 unicast");
	ck_assert_str_eq(cmds[3], "network 198.18.53.53/32");
	ck_assert_str_eq(cmds[4], "network 198.18.54.0/24");
	ck_assert_str_eq(cmds[5], "exit-address-family");
	ck_assert_str_eq(cmds[6], "address-family ipv6 unicast");
	ck_assert_str_eq(cmds[7], "network 2001:db8:53::53/128");
	ck_assert_str_eq(cmds[8], "exit-address-family");
	n = announce_cmds(p, 1, 4200000000U, false, cmds);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(cmds[1], "router bgp 4200000000");
	ck_assert_str_eq(cmds[3], "no network 198.18.53.53/32");
}
END_TEST

void announce_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_debounce),
		     CKTEST(test_rise_fall_one), CKTEST(test_prefix),
		     CKTEST(test_cmds));
}
