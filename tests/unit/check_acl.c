// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Client access control (userspace/acl.c, linked from libxdpdnsd.a): the
 * user-space decision for IPv4 and IPv6 clients at every prefix edge, deny
 * winning over any allow however specific, the LPM keys the lists are kept
 * as (the XDP tries' form), the default allow list from a made-up set of
 * interfaces (acl_default_allow_from(), the part of acl_build() after
 * getifaddrs()) and from the real loopback, and bad prefixes refused with
 * one line naming the option. Expected keys are built here with
 * inet_pton() and a mask of our own, not with the code under test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "suites.h"
#include "userspace/acl.h"

#define LIST(...)                                                       \
	{                                                               \
		.v = (char *[]){ __VA_ARGS__ },                         \
		.n = sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *) \
	}

/* A client address as the listener sees it. */
static void sockaddr_of(const char *text, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(40000);
		return;
	}
	ck_assert_msg(inet_pton(AF_INET6, text, &s6->sin6_addr) == 1, "%s",
		      text);
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(40000);
}

static bool allowed(const struct acl *acl, const char *text)
{
	struct sockaddr_storage ss;

	sockaddr_of(text, &ss);
	return acl_allowed(acl, (struct sockaddr *)&ss);
}

/* The LPM key of @text/@len: family word, then the masked address. */
static struct xdpdns_lpm_key key_of(const char *text, unsigned int len)
{
	struct xdpdns_lpm_key k = { 0 };
	unsigned int max;

	if (inet_pton(AF_INET, text, k.addr) == 1) {
		k.family = 4;
		max = 32;
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, text, k.addr), 1);
		k.family = 6;
		max = 128;
	}
	ck_assert_uint_le(len, max);
	for (unsigned int bit = len; bit < max; bit++)
		k.addr[bit / 8] &= ~(0x80 >> (bit % 8));
	k.prefixlen = 32 + len;
	return k;
}

/* @l holds exactly @want, in order. */
static void list_eq(const char *what, const struct acl_list *l,
		    const struct xdpdns_lpm_key *want, size_t n)
{
	ck_assert_msg(l->n == n, "%s: %zu keys, want %zu", what, l->n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(!memcmp(&l->keys[i], &want[i], sizeof(want[i])),
			      "%s: key %zu differs (prefixlen %u family %u)",
			      what, i, l->keys[i].prefixlen, l->keys[i].family);
}

/* --- decisions with explicit lists --------------------------------------- */

static const struct config decide_cfg = {
	.allow = LIST("192.0.2.0/24", "198.51.100.0/25", "10.0.0.0/8",
		      "172.16.5.0/24", "203.0.113.7", "100.64.2.0/23",
		      "2001:db8::/32", "fe80::/10", "2001:db8:ffff::1/128"),
	.deny = LIST("192.0.2.128/26", "10.1.0.0/16", "172.16.0.0/12",
		     "2001:db8:bad::/48"),
	.ratelimit_exempt = LIST("192.0.2.53", "2001:db8::53"),
};

static const struct decide_case {
	const char *addr;
	bool allowed;
} decide_cases[] = {
	/* 192.0.2.0/24 less the denied 192.0.2.128/26 */
	{ "192.0.2.0", true },
	{ "192.0.2.127", true },
	{ "192.0.2.128", false },
	{ "192.0.2.191", false },
	{ "192.0.2.192", true },
	{ "192.0.2.255", true },
	{ "192.0.3.0", false },
	{ "192.0.1.255", false },
	/* /25 */
	{ "198.51.100.127", true },
	{ "198.51.100.128", false },
	/* deny 10.1/16 inside allow 10/8 */
	{ "10.0.0.1", true },
	{ "10.1.2.3", false },
	{ "10.1.255.255", false },
	{ "10.2.0.0", true },
	{ "11.0.0.0", false },
	/* deny 172.16/12 wins over the longer allow 172.16.5/24 */
	{ "172.16.5.1", false },
	/* host route */
	{ "203.0.113.7", true },
	{ "203.0.113.6", false },
	{ "203.0.113.8", false },
	/* /23 */
	{ "100.64.2.0", true },
	{ "100.64.3.255", true },
	{ "100.64.1.255", false },
	{ "100.64.4.0", false },
	/* An explicit list replaces the default: no loopback. */
	{ "127.0.0.1", false },
	{ "::1", false },
	/* IPv6 */
	{ "2001:db8::1", true },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "2001:db8:bad::1", false },
	{ "2001:db8:bad:ffff::1", false },
	{ "2001:db8:bae::1", true },
	{ "2001:db8:bac::1", true },
	{ "2001:db9::1", false },
	{ "2001:db7:ffff::1", false },
	/* fe80::/10: the bits past the first byte count */
	{ "fe80::1", true },
	{ "febf:ffff::1", true },
	{ "fec0::1", false },
	{ "fe7f::1", false },
	/* Families never mix: IPv4-mapped is an IPv6 address. */
	{ "::ffff:192.0.2.1", false },
	{ "::ffff:10.0.0.1", false },
	/* Exempt from rate limits is not allowed. */
	{ "192.0.2.53", true },
	{ "2001:db8::53", true },
};

START_TEST(test_decide)
{
	const struct decide_case *c = &decide_cases[_i];
	char err[CONFIG_ERR_MAX];
	struct acl acl;

	ck_assert_int_eq(acl_build(&decide_cfg, &acl, err, sizeof(err)), 0);
	ck_assert_msg(allowed(&acl, c->addr) == c->allowed, "%s: %s", c->addr,
		      c->allowed ? "refused" : "allowed");
	acl_free(&acl);
}
END_TEST

/* The lists as LPM keys, in order, host bits cleared, duplicates once. */
START_TEST(test_keys)
{
	const struct config cfg = {
		.allow = LIST("192.0.2.77/24", "192.0.2.0/24", "10.9.8.7",
			      "2001:db8:ffff:2:3:4:5:6/33", "::/0"),
		.deny = LIST("0.0.0.0/0", "198.51.100.255/31"),
		.ratelimit_exempt = LIST("2001:db8::53", "2001:db8::53/128"),
		.acl_action = CONFIG_ACL_REFUSE,
	};
	const struct xdpdns_lpm_key allow[] = {
		key_of("192.0.2.0", 24),
		key_of("10.9.8.7", 32),
		key_of("2001:db8:8000::", 33),
		key_of("::", 0),
	};
	const struct xdpdns_lpm_key deny[] = {
		key_of("0.0.0.0", 0),
		key_of("198.51.100.254", 31),
	};
	const struct xdpdns_lpm_key exempt[] = { key_of("2001:db8::53", 128) };
	char err[CONFIG_ERR_MAX];
	struct acl acl;

	ck_assert_int_eq(acl_build(&cfg, &acl, err, sizeof(err)), 0);
	list_eq("allow", &acl.allow, allow, ARRAY_SIZE(allow));
	list_eq("deny", &acl.deny, deny, ARRAY_SIZE(deny));
	list_eq("exempt", &acl.exempt, exempt, ARRAY_SIZE(exempt));
	/* Spelled out once: /33 keeps the top bit of the third word only. */
	ck_assert_uint_eq(acl.allow.keys[2].prefixlen, 65);
	ck_assert_uint_eq(acl.allow.keys[2].family, 6);
	ck_assert_mem_eq(acl.allow.keys[2].addr,
			 "\x20\x01\x0d\xb8\x80\0\0\0\0\0\0\0\0\0\0\0", 16);
	ck_assert(acl.refuse);
	/* Everything IPv4 denied, everything IPv6 allowed. */
	ck_assert(!allowed(&acl, "10.9.8.7"));
	ck_assert(!allowed(&acl, "255.255.255.255"));
	ck_assert(allowed(&acl, "::"));
	ck_assert(allowed(&acl, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	acl_free(&acl);
	ck_assert_ptr_null(acl.allow.keys);
	ck_assert_uint_eq(acl.allow.n, 0);
	ck_assert(!acl.refuse);
}
END_TEST

/* Not an IPv4 or IPv6 client: never allowed. */
START_TEST(test_other_family)
{
	const struct config cfg = { .allow = LIST("0.0.0.0/0", "::/0") };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	char err[CONFIG_ERR_MAX];
	struct acl acl;

	ck_assert_int_eq(acl_build(&cfg, &acl, err, sizeof(err)), 0);
	ck_assert(!acl_allowed(&acl, (struct sockaddr *)&un));
	ck_assert(allowed(&acl, "192.0.2.1"));
	ck_assert(allowed(&acl, "2001:db8::1"));
	acl_free(&acl);
}
END_TEST

/* The shortest and longest prefixes, and bits past a byte boundary. */
static const struct edge_case {
	const char *prefix;
	const char *addr;
	bool match;
} edge_cases[] = {
	{ "0.0.0.0/0", "0.0.0.0", true },
	{ "0.0.0.0/0", "255.255.255.255", true },
	{ "0.0.0.0/0", "::", false },
	{ "::/0", "::", true },
	{ "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "::/0", "0.0.0.0", false },
	{ "192.0.2.1/32", "192.0.2.1", true },
	{ "192.0.2.1/32", "192.0.2.0", false },
	{ "192.0.2.1/32", "192.0.2.3", false },
	{ "192.0.2.1", "192.0.2.1", true },
	{ "192.0.2.1", "192.0.2.129", false },
	{ "2001:db8::1/128", "2001:db8::1", true },
	{ "2001:db8::1/128", "2001:db8::", false },
	{ "2001:db8::1/128", "2001:db8::3", false },
	{ "2001:db8::1/128", "2001:db8:0:0:8000::1", false },
	{ "128.0.0.0/1", "128.0.0.0", true },
	{ "128.0.0.0/1", "255.255.255.255", true },
	{ "128.0.0.0/1", "127.255.255.255", false },
	{ "8000::/1", "8000::", true },
	{ "8000::/1", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "10.0.0.0/31", "10.0.0.1", true },
	{ "10.0.0.0/31", "10.0.0.2", false },
	{ "10.0.0.0/9", "10.127.255.255", true },
	{ "10.0.0.0/9", "10.128.0.0", false },
	{ "2001:db8::/127", "2001:db8::1", true },
	{ "2001:db8::/127", "2001:db8::2", false },
	{ "2001:db8::/121", "2001:db8::7f", true },
	{ "2001:db8::/121", "2001:db8::80", false },
	{ "2001:db8::/121", "2001:db8::1:0", false },
};

START_TEST(test_prefix_edges)
{
	const struct edge_case *c = &edge_cases[_i];
	char *v[] = { (char *)c->prefix };
	const struct config cfg = { .allow = { .v = v, .n = 1 } };
	char err[CONFIG_ERR_MAX];
	struct acl acl;

	ck_assert_int_eq(acl_build(&cfg, &acl, err, sizeof(err)), 0);
	ck_assert_msg(allowed(&acl, c->addr) == c->match, "%s vs %s", c->prefix,
		      c->addr);
	acl_free(&acl);
}
END_TEST

/* --- bad prefixes -------------------------------------------------------- */

static const struct bad_case {
	const char *opt;
	const char *value;
} bad_cases[] = {
	{ "allow", "10.0.0.0/33" },
	{ "allow", "2001:db8::/129" },
	{ "allow", "10.0.0.0/" },
	{ "allow", "10.0.0.0/-1" },
	{ "allow", "10.0.0.0/8x" },
	{ "allow", "10.0.0.0/ 8" },
	{ "allow", "/8" },
	{ "allow", "" },
	{ "allow", "300.0.0.0/8" },
	{ "allow", "10.0.0/8" },
	{ "allow", "example.com" },
	{ "deny", "::/abc" },
	{ "deny", "1.2.3.4/99999999999999999999" },
	{ "deny", "2001:db8:::1" },
	{ "ratelimit-exempt", "192.0.2.1/32/1" },
	{ "ratelimit-exempt", " 192.0.2.1" },
};

START_TEST(test_bad_prefix)
{
	const struct bad_case *c = &bad_cases[_i];
	struct config cfg = {
		.allow = LIST("192.0.2.0/24"),
		.deny = LIST("192.0.2.128/25"),
		.ratelimit_exempt = LIST("192.0.2.53"),
	};
	char *v[] = { "198.51.100.0/24", (char *)c->value };
	struct config_list bad = { .v = v, .n = 2 };
	char err[CONFIG_ERR_MAX], want[CONFIG_ERR_MAX];
	struct acl acl;

	if (!strcmp(c->opt, "allow"))
		cfg.allow = bad;
	else if (!strcmp(c->opt, "deny"))
		cfg.deny = bad;
	else
		cfg.ratelimit_exempt = bad;
	memset(&acl, 0xa5, sizeof(acl));
	strcpy(err, "untouched");
	ck_assert_int_eq(acl_build(&cfg, &acl, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "--%s %s: not a prefix", c->opt, c->value);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(strchr(err, '\n'));
	/* Nothing half built is left. */
	ck_assert_ptr_null(acl.allow.keys);
	ck_assert_ptr_null(acl.deny.keys);
	ck_assert_ptr_null(acl.exempt.keys);
	ck_assert_uint_eq(acl.allow.n + acl.deny.n + acl.exempt.n, 0);
}
END_TEST

/* --- the default allow list ---------------------------------------------- */

/* A made-up getifaddrs() list. */
struct fake_if {
	struct ifaddrs ifa;
	struct sockaddr_storage addr, mask;
};

static struct fake_if fake[16];
static size_t nfake;

static void fake_add(const char *name, const char *addr, unsigned int len)
{
	struct fake_if *f = &fake[nfake];
	struct sockaddr_storage m;

	ck_assert_uint_lt(nfake, ARRAY_SIZE(fake));
	memset(f, 0, sizeof(*f));
	f->ifa.ifa_name = (char *)name;
	f->ifa.ifa_flags = IFF_UP;
	if (addr) {
		sockaddr_of(addr, &f->addr);
		f->ifa.ifa_addr = (struct sockaddr *)&f->addr;
		/* The netmask of @len: ones from the top. */
		memset(&m, 0, sizeof(m));
		m.ss_family = f->addr.ss_family;
		{
			uint8_t *b =
				m.ss_family == AF_INET ?
					(uint8_t *)&((struct sockaddr_in *)&m)
						->sin_addr :
					(uint8_t *)&((struct sockaddr_in6 *)&m)
						->sin6_addr;

			for (unsigned int bit = 0; bit < len; bit++)
				b[bit / 8] |= 0x80 >> (bit % 8);
		}
		f->mask = m;
		f->ifa.ifa_netmask = (struct sockaddr *)&f->mask;
	} else {
		/* An AF_PACKET entry: no address of ours, no netmask. */
		f->addr.ss_family = AF_PACKET;
		f->ifa.ifa_addr = (struct sockaddr *)&f->addr;
	}
	if (nfake)
		fake[nfake - 1].ifa.ifa_next = &f->ifa;
	nfake++;
}

static void fake_setup(void)
{
	nfake = 0;
	fake_add("lo", NULL, 0);
	fake_add("lo", "127.0.0.1", 8);
	fake_add("lo", "::1", 128);
	fake_add("eth1", NULL, 0);
	fake_add("eth1", "192.0.2.10", 24);
	fake_add("eth1", "2001:db8:1::10", 64);
	fake_add("eth1", "fe80::1", 64);
	fake_add("eth2", NULL, 0);
	fake_add("eth2", "198.51.100.1", 25);
	fake_add("eth3", "203.0.113.9", 28);
	/* An address without a netmask is skipped. */
	fake_add("eth2", "198.18.0.1", 15);
	fake[nfake - 1].ifa.ifa_netmask = NULL;
}

static const struct default_case {
	const char *what;
	const char *interface;
	const char *listen[2];
	const char *keys[6]; /* "addr/len" beyond the loopback two */
	const char *yes[3], *no[3];
} default_cases[] = {
	{ "--interface eth1",
	  "eth1",
	  { NULL },
	  { "192.0.2.0/24", "2001:db8:1::/64", "fe80::/64" },
	  { "192.0.2.99", "2001:db8:1::ffff", "127.9.9.9" },
	  { "198.51.100.1", "2001:db8:2::1", "::2" } },
	{ "--interface wins over --listen",
	  "eth3",
	  { "198.51.100.1" },
	  { "203.0.113.0/28" },
	  { "203.0.113.15", "::1", "127.0.0.1" },
	  { "203.0.113.16", "198.51.100.1", "192.0.2.10" } },
	{ "--listen on eth2",
	  NULL,
	  { "198.51.100.1" },
	  { "198.51.100.0/25" },
	  { "198.51.100.127", "198.51.100.0", "127.0.0.53" },
	  { "198.51.100.128", "192.0.2.10", "198.18.0.1" } },
	{ "--listen IPv6 takes all of eth1",
	  NULL,
	  { "2001:db8:1::10" },
	  { "192.0.2.0/24", "2001:db8:1::/64", "fe80::/64" },
	  { "192.0.2.1", "fe80::abcd", "2001:db8:1::1" },
	  { "198.51.100.1", "203.0.113.9", "fe81::1" } },
	{ "two --listen",
	  NULL,
	  { "203.0.113.9", "198.51.100.1" },
	  { "198.51.100.0/25", "203.0.113.0/28" },
	  { "203.0.113.1", "198.51.100.1", "::1" },
	  { "192.0.2.10", "2001:db8:1::10", "203.0.113.17" } },
	/* Loopback's own prefixes are the default ones: no duplicates. */
	{ "--listen 127.0.0.1",
	  NULL,
	  { "127.0.0.1" },
	  { NULL },
	  { "127.0.0.1", "127.255.255.255", "::1" },
	  { "128.0.0.1", "::2", "192.0.2.10" } },
	/* A wildcard is on no interface: loopback only, never everyone. */
	{ "--listen 0.0.0.0",
	  NULL,
	  { "0.0.0.0" },
	  { NULL },
	  { "127.0.0.1", "::1", NULL },
	  { "192.0.2.10", "198.51.100.1", "203.0.113.9" } },
	{ "--interface absent",
	  "eth9",
	  { NULL },
	  { NULL },
	  { "127.0.0.1", "::1", NULL },
	  { "192.0.2.10", "198.51.100.1", "2001:db8:1::10" } },
};

START_TEST(test_default_allow)
{
	const struct default_case *c = &default_cases[_i];
	struct xdpdns_lpm_key want[8];
	struct config cfg = { 0 };
	char *listen[2];
	struct acl acl = { 0 };
	size_t n = 0;

	fake_setup();
	cfg.interface = (char *)c->interface;
	cfg.no_xdp = !c->interface;
	for (size_t i = 0; i < 2 && c->listen[i]; i++)
		listen[cfg.listen.n++] = (char *)c->listen[i];
	cfg.listen.v = listen;
	want[n++] = key_of("127.0.0.0", 8);
	want[n++] = key_of("::1", 128);
	for (size_t i = 0; c->keys[i]; i++) {
		char a[64], *slash;

		strcpy(a, c->keys[i]);
		slash = strchr(a, '/');
		*slash = '\0';
		want[n++] = key_of(a, atoi(slash + 1));
	}
	ck_assert_int_eq(acl_default_allow_from(&cfg, &fake[0].ifa, &acl.allow),
			 0);
	list_eq(c->what, &acl.allow, want, n);
	for (size_t i = 0; i < 3; i++) {
		if (c->yes[i])
			ck_assert_msg(allowed(&acl, c->yes[i]),
				      "%s: %s refused", c->what, c->yes[i]);
		if (c->no[i])
			ck_assert_msg(!allowed(&acl, c->no[i]),
				      "%s: %s allowed", c->what, c->no[i]);
	}
	acl_free(&acl);
}
END_TEST

/* No interfaces at all: still loopback. */
START_TEST(test_default_allow_empty)
{
	struct config cfg = { .interface = "eth1" };
	struct xdpdns_lpm_key want[2];
	struct acl acl = { 0 };

	want[0] = key_of("127.0.0.0", 8);
	want[1] = key_of("::1", 128);
	ck_assert_int_eq(acl_default_allow_from(&cfg, NULL, &acl.allow), 0);
	list_eq("no interfaces", &acl.allow, want, 2);
	acl_free(&acl);
}
END_TEST

/*
 * acl_build() itself on this machine's loopback: 127/8 and ::1 allowed,
 * nothing else (a deny still applies to the default list).
 */
START_TEST(test_default_allow_real_lo)
{
	struct config cfg = { .interface = "lo", .deny = LIST("127.0.0.2") };
	char err[CONFIG_ERR_MAX];
	struct acl acl;

	ck_assert_int_eq(acl_build(&cfg, &acl, err, sizeof(err)), 0);
	ck_assert_uint_ge(acl.allow.n, 2);
	ck_assert(allowed(&acl, "127.0.0.1"));
	ck_assert(allowed(&acl, "127.1.2.3"));
	ck_assert(allowed(&acl, "::1"));
	ck_assert(!allowed(&acl, "127.0.0.2"));
	ck_assert(!allowed(&acl, "192.0.2.1"));
	ck_assert(!allowed(&acl, "2001:db8::1"));
	ck_assert(!allowed(&acl, "::2"));
	acl_free(&acl);
}
END_TEST

void acl_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL,
		     CKTEST_TABLE(test_decide, decide_cases), CKTEST(test_keys),
		     CKTEST_TABLE(test_default_allow, default_cases),
		     CKTEST(test_default_allow_real_lo));
	CKTEST_TCASE(s, "Negative", NULL,
		     CKTEST_TABLE(test_bad_prefix, bad_cases),
		     CKTEST(test_other_family));
	CKTEST_TCASE(s, "Limits", NULL,
		     CKTEST_TABLE(test_prefix_edges, edge_cases),
		     CKTEST(test_default_allow_empty));
}
