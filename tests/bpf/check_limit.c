// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of the flood and access controls of xdpdns_main
 * (bpf/limit.bpf.h, bpf/sample.bpf.h, xdpdns_bounce()): allow/deny lists in
 * drop and REFUSED mode, the per-client query bucket with slip, exemption,
 * dry-run, the prefix stages (network and wider prefix), new-source
 * admission and a new source's first burst, the per-client miss budget, the
 * global miss cap and the sampled event stream. Every run asserts the
 * verdict and that PACKETS and exactly one outcome counter moved (markers
 * aside). Every reply the program builds
 * (REFUSED, TC=1, cached answers) is checked independently: pktbuild
 * recomputes both checksums from scratch and parses the frame, libldns
 * parses the DNS message field by field (xdptest_check_ldns()), and the
 * question bytes must be the query's own; answers are also compared with
 * cache_entry_render().
 *
 * Buckets run on the real clock (bpf_ktime_get_ns), so the rates are 1 per
 * second with small bursts: a test takes milliseconds, far from the second
 * that would add one token, and the counts asserted are exact.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ldns/ldns.h>

#include "userspace/acl.h"
#include "userspace/config.h"

#include "tests/lib/pktbuild.h"
#include "tests/lib/xdptest.h"
#include "xdpdns.skel.h"
#include "suites.h"

/* Counter slots of the answer breakdown, for expect_moved(). */
#define QT(t) (XDPDNS_STAT_MAX + (t))
#define RC(c) (XDPDNS_STAT_MAX + XDPDNS_QTYPE_SLOTS + (c))
#define END (-1)

#define RCODE_REFUSED 5
#define TYPE_A 1
#define TYPE_AAAA 28
#define CLASS_CH 3
#define ACL_REFUSE (XDPDNS_CFG_ACL | XDPDNS_CFG_ACL_REFUSE)

#define CLIENT4B "198.51.100.8" /* same /24 as PKT_CLIENT4 */
#define CLIENT4C "198.51.101.7" /* another /24 */
#define CLIENT6B "2001:db8:1::8" /* same /64 as PKT_CLIENT6 */
#define CLIENT6C "2001:db8:1:1::7" /* another /64 */

/* --- environment -------------------------------------------------------- */

/* This suite's own copy of the object: no other suite's entries in it. */
static struct xdptest T;

static void env_setup(void)
{
	xdptest_open_once(&T, "check_limit");
}

#define NEED_ENV() \
	ck_assert_msg(T.skel != NULL, "BPF object not loaded: %s", T.err)

static int map_fd(const struct bpf_map *m)
{
	return bpf_map__fd(m);
}

/* Deletes every element of a hash or LPM map. */
static void map_clear(const struct bpf_map *m)
{
	uint8_t key[512], next[512];
	int fd = map_fd(m);

	ck_assert_uint_le(bpf_map__key_size(m), sizeof(key));
	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, sizeof(key));
		ck_assert_msg(!bpf_map_delete_elem(fd, key), "delete: %s",
			      strerror(errno));
	}
}

static bool map_empty(const struct bpf_map *m)
{
	uint8_t next[512];

	return bpf_map_get_next_key(map_fd(m), NULL, next) && errno == ENOENT;
}

static int drain_cb(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return 0;
}

static void cfg_set(const struct xdpdns_config *c)
{
	ck_assert_int_eq(xdptest_set_config(&T, c), 0);
}

/*
 * Every test starts from nothing: limits off, empty lists, no client state,
 * a fresh global bucket, an empty cache and an empty event ring.
 */
static void lim_reset(void)
{
	struct xdpdns_config c = xdptest_config();
	struct xdpdns_gmiss_state g = { 0 };
	struct ring_buffer *rb;
	__u32 zero = 0;

	NEED_ENV();
	cfg_set(&c);
	map_clear(T.skel->maps.xdpdns_allow);
	map_clear(T.skel->maps.xdpdns_deny);
	map_clear(T.skel->maps.xdpdns_exempt);
	map_clear(T.skel->maps.xdpdns_rl);
	ck_assert_int_eq(xdptest_cache_flush(&T), 0);
	ck_assert(!bpf_map_update_elem(map_fd(T.skel->maps.xdpdns_gmiss), &zero,
				       &g, BPF_ANY));
	rb = ring_buffer__new(map_fd(T.skel->maps.xdpdns_events), drain_cb,
			      NULL, NULL);
	ck_assert_ptr_nonnull(rb);
	ck_assert_int_ge(ring_buffer__consume(rb), 0);
	ring_buffer__free(rb);
}

/*
 * The limits of a test: flags, and the per-client query bucket, per-client
 * miss budget and global miss cap at one a second with these bursts (0:
 * off), slip, 1-in-N sampling. Aggregation stays /32 and /128.
 */
struct lim {
	__u32 flags;
	__u32 rl, miss, gmiss;
	unsigned int slip;
	__u32 sample;
	__u32 net, wide; /* the prefix stages, default prefixes */
	__u32 admit; /* new-source admission bucket */
	__u32 first; /* a new source's first burst */
};

/* lim_reset(), then @l in the config map. Return: the config written. */
static struct xdpdns_config lim_start(struct lim l)
{
	struct xdpdns_config c = xdptest_config();

	lim_reset();
	c.flags = l.flags;
	c.rl_rate = l.rl ? 1 : 0;
	c.rl_burst = l.rl;
	c.miss_rate = l.miss ? 1 : 0;
	c.miss_burst = l.miss;
	c.gmiss_rate = l.gmiss ? 1 : 0;
	c.gmiss_burst = l.gmiss;
	c.slip = (__u8)l.slip;
	c.sample_rate = l.sample;
	c.net_rate = l.net ? 1 : 0;
	c.net_burst = l.net;
	c.wide_rate = l.wide ? 1 : 0;
	c.wide_burst = l.wide;
	c.new_rate = l.admit ? 1 : 0;
	c.new_burst = l.admit;
	c.new_first = l.first;
	cfg_set(&c);
	return c;
}

/* @str, IPv4 or IPv6, into @addr (16 bytes). Return: the family, 4 or 6. */
static __u32 addr_parse(const char *str, __u8 *addr)
{
	bool v6 = strchr(str, ':');

	ck_assert_msg(inet_pton(v6 ? AF_INET6 : AF_INET, str, addr) == 1,
		      "bad address %s", str);
	return v6 ? 6 : 4;
}

/* Adds "addr/len" (IPv4 or IPv6) to an LPM list. */
static void lpm_add(const struct bpf_map *m, const char *cidr)
{
	struct xdpdns_lpm_key k = { 0 };
	char buf[64];
	char *slash;
	__u32 one = 1;
	int bits;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	ck_assert_ptr_nonnull(slash);
	*slash = 0;
	bits = atoi(slash + 1);
	k.family = addr_parse(buf, k.addr);
	k.prefixlen = 32 + (__u32)bits;
	ck_assert(!bpf_map_update_elem(map_fd(m), &k, &one, BPF_ANY));
}

static void lpm_add_all(const struct bpf_map *m, const char *const *cidrs,
			size_t n)
{
	size_t i;

	for (i = 0; i < n && cidrs[i]; i++)
		lpm_add(m, cidrs[i]);
}

/*
 * The rate-limit state of @stage's entry "addr[/len]" (already masked; no
 * length: a whole address), or -ENOENT.
 */
static int rl_get_stage(__u8 stage, const char *cidr,
			struct xdpdns_rl_state *st)
{
	struct xdpdns_rl_key k = { .stage = stage };
	char buf[64];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	k.family = (__u16)addr_parse(buf, k.addr);
	k.plen = slash ? (__u8)atoi(slash + 1) : k.family == 4 ? 32 : 128;
	if (bpf_map_lookup_elem(map_fd(T.skel->maps.xdpdns_rl), &k, st))
		return -errno;
	return 0;
}

/* The host entry of "addr[/len]". */
static int rl_get(const char *cidr, struct xdpdns_rl_state *st)
{
	return rl_get_stage(XDPDNS_RL_HOST, cidr, st);
}

static void gmiss_get(struct xdpdns_gmiss_state *g)
{
	__u32 zero = 0;

	ck_assert(!bpf_map_lookup_elem(map_fd(T.skel->maps.xdpdns_gmiss), &zero,
				       g));
}

/* --- frames and runs ----------------------------------------------------- */

/* A query from @src (family from the address) for @qname / @qtype. */
static void query(struct pkt *p, const char *src, const char *qname,
		  uint16_t qtype)
{
	struct pkt_query q = {
		.family = src && strchr(src, ':') ? 6 : 4,
		.src = src,
		.dns = { .id = 0x1234,
			 .flags = DNS_F_RD,
			 .qname = qname,
			 .qtype = qtype },
	};

	pkt_query(p, &q);
}

/* Runs @p once; asserts the invariant PACKETS +1 = one outcome +1. */
static void run_frame(const struct pkt *p, struct xdptest_frame_run *r)
{
	const __u64 *b = (const __u64 *)&r->before;
	const __u64 *a = (const __u64 *)&r->after;
	__u64 outcomes = 0;
	unsigned int i;
	int err;

	err = xdptest_run_frame(&T, p->buf, p->len, r);
	ck_assert_msg(err == 0, "BPF_PROG_TEST_RUN: %s", strerror(-err));
	for (i = 0; i < XDPDNS_STAT_MAX; i++)
		if (!xdpdns_stat_is_marker(i))
			outcomes += a[i] - b[i];
	ck_assert_msg(a[XDPDNS_STAT_PACKETS] - b[XDPDNS_STAT_PACKETS] == 1 &&
			      outcomes == 1,
		      "packets moved by %llu, outcomes by %llu",
		      (unsigned long long)(a[XDPDNS_STAT_PACKETS] -
					   b[XDPDNS_STAT_PACKETS]),
		      (unsigned long long)outcomes);
}

/*
 * Exactly the listed counters moved, by one per mention; the list ends with
 * END. PACKETS and QUERIES are implied.
 */
static void expect_moved(const struct xdptest_frame_run *r, ...)
{
	const __u64 *b = (const __u64 *)&r->before;
	const __u64 *a = (const __u64 *)&r->after;
	unsigned int n = sizeof(struct xdpdns_stats) / sizeof(__u64), i;
	__u64 want[sizeof(struct xdpdns_stats) / sizeof(__u64)] = { 0 };
	va_list ap;
	int idx;

	want[XDPDNS_STAT_PACKETS] = 1;
	want[XDPDNS_STAT_QUERIES] = 1;
	va_start(ap, r);
	while ((idx = va_arg(ap, int)) != END) {
		ck_assert_int_lt(idx, (int)n);
		want[idx]++;
	}
	va_end(ap);
	for (i = 0; i < n; i++)
		ck_assert_msg(a[i] - b[i] == want[i],
			      "counter %s moved by %llu, want %llu",
			      xdptest_stat_name(i),
			      (unsigned long long)(a[i] - b[i]),
			      (unsigned long long)want[i]);
}

static void expect_verdict(const struct xdptest_frame_run *r, uint32_t want)
{
	ck_assert_msg(r->verdict == want, "verdict %s, want %s",
		      xdptest_verdict_name(r->verdict),
		      xdptest_verdict_name(want));
}

/* A query that went on untouched: the frame is the query. */
static void expect_untouched(const struct pkt *p,
			     const struct xdptest_frame_run *r)
{
	ck_assert_uint_eq(r->out_len, p->len);
	ck_assert(!memcmp(r->out, p->buf, p->len));
}

/* The entry cache_hot() wrote and the response it was made of. */
static struct xdpdns_cache_entry hot_entry;
static uint8_t hot_wire[512];
static int hot_wire_len;

/* Puts "hot.example. A 192.0.2.1" in the cache; queries for it are hits. */
static void cache_hot(void)
{
	static const char *const an[] = { "hot.example. 300 IN A 192.0.2.1",
					  NULL };
	struct resp_spec s = { .qname = "hot.example.",
			       .qtype = "A",
			       .an = an };

	hot_wire_len = resp_build(&s, hot_wire, sizeof(hot_wire));
	ck_assert_int_gt(hot_wire_len, 0);
	ck_assert_int_eq(xdptest_add(&T, &s, 0, false, xdptest_now_ns(), NULL,
				     &hot_entry),
			 0);
}

/*
 * @r must be the answer to @p from cache_hot()'s entry: the frame and
 * cache_entry_render() by xdptest_check_answer(), then libldns field by
 * field against the response, the client's side read from @p.
 */
static void check_hit(const struct pkt *p, const struct xdptest_frame_run *r)
{
	struct xdptest_expect x;
	char why[512];

	ck_assert_msg(hot_wire_len > 0, "a hit without cache_hot()");
	if (xdptest_check_answer(p->buf, p->len, r->out, r->out_len, &hot_entry,
				 r->t0, r->t1, why, sizeof(why)) ||
	    xdptest_expect_query(p->buf, p->len, &x, why, sizeof(why)))
		goto fail;
	x.resp = hot_wire;
	x.resp_len = (size_t)hot_wire_len;
	x.stored_ns = hot_entry.stored_ns;
	if (!xdptest_check_ldns(p->buf, p->len, r, &x, why, sizeof(why)))
		return;
fail:
	xdptest_hexdump("query", p->buf, p->len);
	xdptest_hexdump("answer", r->out, r->out_len);
	ck_abort_msg("answer: %s", why);
}

/* --- independent check of a bounced reply -------------------------------- */

/* Wire length of the qname at @msg + 12 (no compression in queries). */
static size_t qname_wire_len(const uint8_t *msg, size_t len)
{
	size_t off = 12;

	while (off < len && msg[off])
		off += msg[off] + 1u;
	return off < len ? off + 1 - 12 : 0;
}

/*
 * @r->out must be the reply the program makes of query @in: checksums and
 * lengths right (recomputed by pktbuild, a zero UDP checksum refused), MACs,
 * addresses and ports swapped, VLAN tags kept, ID and question bytes kept,
 * and libldns reads (xdptest_check_ldns()) the query's ID and question,
 * QR=1, RA=1, AA=0, AD=0, RD and CD as in the query, TC and the rcode as
 * asked, no records in any section, an OPT with our size and the query's DO
 * bit and no options iff the query had one.
 */
static void check_bounce(const struct pkt *in,
			 const struct xdptest_frame_run *r, bool tc,
			 unsigned int rcode)
{
	const uint8_t *out = r->out, *q = in->buf + in->dns_off, *d;
	size_t out_len = r->out_len;
	struct xdptest_expect x;
	struct pkt_info qi, ai;
	size_t ql, alen, want_len, qlen_dns;
	uint16_t qflags;
	char why[512];
	bool edns = in->opt_off >= 0;

	if (pkt_verify_checksums(out, out_len, true, why, sizeof(why))) {
		xdptest_hexdump("reply", out, out_len);
		ck_abort_msg("reply: %s", why);
	}
	ck_assert_msg(!pkt_parse(in->buf, in->len, &qi, why, sizeof(why)),
		      "query: %s", why);
	ck_assert_msg(!pkt_parse(out, out_len, &ai, why, sizeof(why)),
		      "reply: %s", why);
	ck_assert(!memcmp(ai.dst_mac, qi.src_mac, 6));
	ck_assert(!memcmp(ai.src_mac, qi.dst_mac, 6));
	ck_assert_int_eq(ai.vlans, qi.vlans);
	ck_assert(!memcmp(out + 12, in->buf + 12, (size_t)ai.l3_off - 12));
	ck_assert_int_eq(ai.family, qi.family);
	alen = ai.family == 6 ? 16 : 4;
	ck_assert(!memcmp(ai.src_ip, qi.dst_ip, alen));
	ck_assert(!memcmp(ai.dst_ip, qi.src_ip, alen));
	ck_assert_uint_eq(ai.sport, qi.dport);
	ck_assert_uint_eq(ai.dport, qi.sport);

	qlen_dns = in->len - (size_t)in->dns_off;
	ql = qname_wire_len(q, qlen_dns);
	ck_assert_uint_gt(ql, 0);
	want_len = 12 + ql + 4 + (edns ? 11 : 0);
	ck_assert_uint_eq(ai.dns_len, want_len);
	ck_assert_uint_eq(out_len, (size_t)ai.dns_off + want_len);
	d = out + ai.dns_off;
	ck_assert_msg(!memcmp(d, q, 2), "ID changed");
	ck_assert_msg(!memcmp(d + 4, q + 4, 8), "counts changed");
	ck_assert_msg(!memcmp(d + 12, q + 12, ql + 4), "question changed");

	qflags = pkt_get_u16(q, 2);
	x = (struct xdptest_expect){
		.id = pkt_get_u16(q, 0),
		.qflags = qflags & (DNS_F_RD | DNS_F_CD | DNS_F_AD),
		.edns = edns,
		.edns_do = edns && (in->buf[in->opt_off + 7] & 0x80),
		.rcode = rcode,
		.tc = tc,
	};
	if (xdptest_check_ldns(in->buf, in->len, r, &x, why, sizeof(why))) {
		xdptest_hexdump("reply", out, out_len);
		ck_abort_msg("reply: %s", why);
	}
}

/* Sends @p and asserts the verdict and the one outcome (plus markers). */
static void send_expect(const struct pkt *p, uint32_t verdict,
			unsigned int outcome)
{
	struct xdptest_frame_run r;

	run_frame(p, &r);
	expect_verdict(&r, verdict);
	ck_assert_msg(((const __u64 *)&r.after)[outcome] -
				      ((const __u64 *)&r.before)[outcome] ==
			      1,
		      "outcome %s did not move", xdptest_stat_name(outcome));
	if (verdict != XDP_TX) {
		expect_untouched(p, &r);
		return;
	}
	switch (outcome) {
	case XDPDNS_STAT_HIT:
		check_hit(p, &r);
		break;
	case XDPDNS_STAT_ACL_REFUSED:
		check_bounce(p, &r, false, RCODE_REFUSED);
		break;
	case XDPDNS_STAT_RL_SLIPPED:
	case XDPDNS_STAT_MISS_SLIPPED:
	case XDPDNS_STAT_NET_SLIPPED:
	case XDPDNS_STAT_WIDE_SLIPPED:
		check_bounce(p, &r, true, 0);
		break;
	default:
		ck_abort_msg("XDP_TX for %s: no check for it",
			     xdptest_stat_name(outcome));
	}
}

/* send_expect() @n times. */
static void send_expect_n(const struct pkt *p, int n, uint32_t verdict,
			  unsigned int outcome)
{
	for (int i = 0; i < n; i++)
		send_expect(p, verdict, outcome);
}

/* Queries to bounce: families, VLANs, EDNS with options, flags, case. */
static const uint8_t cookie_opt[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };

struct bounce_case {
	const char *name;
	int family;
	int vlans;
	bool csum_zero;
	bool edns;
	bool edns_do;
	bool cookie;
	uint16_t flags;
	const char *qname;
};

static const struct bounce_case bounce_cases[] = {
	{ "v4 plain", 4, 0, false, false, false, false, DNS_F_RD,
	  "www.example.com" },
	{ "v4 csum 0, EDNS DO + cookie, CD AD", 4, 0, true, true, true, true,
	  DNS_F_RD | DNS_F_CD | DNS_F_AD, "WwW.ExAmple.CoM" },
	{ "v4 odd qname, EDNS", 4, 0, false, true, false, false, 0,
	  "abc.example.com" },
	{ "v6 EDNS", 6, 0, false, true, false, false, DNS_F_RD,
	  "www.example.com" },
	{ "v6 DO + cookie, odd", 6, 0, false, true, true, true, DNS_F_CD,
	  "ab.example.org" },
	{ "v4 two VLAN tags", 4, 2, false, true, true, false, DNS_F_RD,
	  "x.example" },
	{ "v6 one VLAN tag", 6, 1, false, false, false, false, DNS_F_RD,
	  "root-servers.net" },
	{ "v4 root name", 4, 0, true, false, false, false, DNS_F_RD, "." },
};

static void bounce_query_build(struct pkt *p, const struct bounce_case *c,
			       const char *src)
{
	struct pkt_query q = {
		.family = c->family,
		.vlans = c->vlans,
		.src = src,
		.udp_csum_zero = c->csum_zero,
		.dns = { .id = 0xbeef,
			 .flags = c->flags,
			 .qname = c->qname,
			 .qtype = TYPE_AAAA,
			 .edns = c->edns,
			 .edns_size = 4096,
			 .edns_do = c->edns_do },
	};

	if (c->cookie) {
		q.dns.edns_options = cookie_opt;
		q.dns.edns_options_len = sizeof(cookie_opt);
	}
	pkt_query(p, &q);
}

/* --- access control ------------------------------------------------------ */

struct acl_case {
	const char *name;
	const char *src;
	const char *allow[3];
	const char *deny[3];
	uint32_t flags;
	uint32_t verdict;
	unsigned int outcome;
};

static const struct acl_case acl_cases[] = {
	{ "v4 allowed",
	  PKT_CLIENT4,
	  { "198.51.100.0/24" },
	  { NULL },
	  XDPDNS_CFG_ACL,
	  XDP_PASS,
	  XDPDNS_STAT_MISS },
	{ "v4 outside allow",
	  PKT_CLIENT4,
	  { "203.0.113.0/24" },
	  { NULL },
	  XDPDNS_CFG_ACL,
	  XDP_DROP,
	  XDPDNS_STAT_ACL_DROPPED },
	{ "v4 deny beats allow",
	  PKT_CLIENT4,
	  { "198.51.100.0/24" },
	  { "198.51.100.7/32" },
	  XDPDNS_CFG_ACL,
	  XDP_DROP,
	  XDPDNS_STAT_ACL_DROPPED },
	{ "v4 deny beats a longer allow",
	  PKT_CLIENT4,
	  { "198.51.100.7/32" },
	  { "198.51.0.0/16" },
	  XDPDNS_CFG_ACL,
	  XDP_DROP,
	  XDPDNS_STAT_ACL_DROPPED },
	{ "v4 deny of a neighbour",
	  PKT_CLIENT4,
	  { "198.51.100.0/24" },
	  { "198.51.100.8/32" },
	  XDPDNS_CFG_ACL,
	  XDP_PASS,
	  XDPDNS_STAT_MISS },
	{ "v4 empty lists",
	  PKT_CLIENT4,
	  { NULL },
	  { NULL },
	  XDPDNS_CFG_ACL,
	  XDP_DROP,
	  XDPDNS_STAT_ACL_DROPPED },
	{ "v4 allow 0/0",
	  PKT_CLIENT4,
	  { "0.0.0.0/0" },
	  { NULL },
	  XDPDNS_CFG_ACL,
	  XDP_PASS,
	  XDPDNS_STAT_MISS },
	{ "v4 only v6 allowed",
	  PKT_CLIENT4,
	  { "::/0" },
	  { NULL },
	  XDPDNS_CFG_ACL,
	  XDP_DROP,
	  XDPDNS_STAT_ACL_DROPPED },
	{ "v4 ACL off",
	  PKT_CLIENT4,
	  { NULL },
	  { "0.0.0.0/0" },
	  0,
	  XDP_PASS,
	  XDPDNS_STAT_MISS },
	{ "v6 allowed",
	  PKT_CLIENT6,
	  { "2001:db8:1::/48" },
	  { NULL },
	  XDPDNS_CFG_ACL,
	  XDP_PASS,
	  XDPDNS_STAT_MISS },
	{ "v6 outside allow",
	  PKT_CLIENT6,
	  { "2001:db8:2::/48" },
	  { NULL },
	  XDPDNS_CFG_ACL,
	  XDP_DROP,
	  XDPDNS_STAT_ACL_DROPPED },
	{ "v6 deny beats allow",
	  PKT_CLIENT6,
	  { "2001:db8::/32" },
	  { "2001:db8:1::7/128" },
	  XDPDNS_CFG_ACL,
	  XDP_DROP,
	  XDPDNS_STAT_ACL_DROPPED },
	{ "v6 deny of a neighbour",
	  PKT_CLIENT6,
	  { "2001:db8::/32" },
	  { "2001:db8:1::8/128" },
	  XDPDNS_CFG_ACL,
	  XDP_PASS,
	  XDPDNS_STAT_MISS },
	{ "v6 allow ::/0",
	  PKT_CLIENT6,
	  { "::/0" },
	  { NULL },
	  XDPDNS_CFG_ACL,
	  XDP_PASS,
	  XDPDNS_STAT_MISS },
	{ "v6 only v4 allowed",
	  PKT_CLIENT6,
	  { "0.0.0.0/0" },
	  { NULL },
	  XDPDNS_CFG_ACL,
	  XDP_DROP,
	  XDPDNS_STAT_ACL_DROPPED },
	{ "v4 refused",
	  PKT_CLIENT4,
	  { "203.0.113.0/24" },
	  { NULL },
	  ACL_REFUSE,
	  XDP_TX,
	  XDPDNS_STAT_ACL_REFUSED },
	{ "v6 refused by deny",
	  PKT_CLIENT6,
	  { "::/0" },
	  { "2001:db8:1::/48" },
	  ACL_REFUSE,
	  XDP_TX,
	  XDPDNS_STAT_ACL_REFUSED },
	{ "v4 allowed, refuse mode",
	  PKT_CLIENT4,
	  { "198.51.100.7/32" },
	  { NULL },
	  ACL_REFUSE,
	  XDP_PASS,
	  XDPDNS_STAT_MISS },
};

START_TEST(test_acl)
{
	const struct acl_case *c = &acl_cases[_i];
	struct pkt p;
	struct xdptest_frame_run r;

	lim_start((struct lim){ .flags = c->flags });
	lpm_add_all(T.skel->maps.xdpdns_allow, c->allow, 3);
	lpm_add_all(T.skel->maps.xdpdns_deny, c->deny, 3);
	query(&p, c->src, "www.example.com", TYPE_A);
	run_frame(&p, &r);
	expect_verdict(&r, c->verdict);
	if (c->verdict == XDP_TX) {
		expect_moved(&r, c->outcome, QT(TYPE_A), RC(RCODE_REFUSED),
			     END);
		check_bounce(&p, &r, false, RCODE_REFUSED);
	} else {
		expect_moved(&r, c->outcome, END);
		expect_untouched(&p, &r);
	}
}
END_TEST

/* The allow list does not stop cached answers to allowed clients. */
START_TEST(test_acl_hit)
{
	struct pkt p;
	struct xdptest_frame_run r;

	lim_start((struct lim){ .flags = XDPDNS_CFG_ACL });
	cache_hot();
	lpm_add(T.skel->maps.xdpdns_allow, "198.51.100.0/24");
	query(&p, PKT_CLIENT4, "hot.example", TYPE_A);
	run_frame(&p, &r);
	expect_verdict(&r, XDP_TX);
	expect_moved(&r, XDPDNS_STAT_HIT, QT(TYPE_A), RC(0), END);
	check_hit(&p, &r);
	query(&p, CLIENT4C, "hot.example", TYPE_A);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_ACL_DROPPED);
}
END_TEST

/* REFUSED replies for every shape of query, bytes checked. */
START_TEST(test_refuse_bytes)
{
	const struct bounce_case *c = &bounce_cases[_i];
	struct pkt p;
	struct xdptest_frame_run r;

	lim_start((struct lim){ .flags = ACL_REFUSE });
	bounce_query_build(&p, c, NULL);
	run_frame(&p, &r);
	expect_verdict(&r, XDP_TX);
	expect_moved(&r, XDPDNS_STAT_ACL_REFUSED, QT(TYPE_AAAA),
		     RC(RCODE_REFUSED), END);
	check_bounce(&p, &r, false, RCODE_REFUSED);
}
END_TEST

/* Denied queries the program cannot echo safely are dropped, not refused. */
START_TEST(test_refuse_malformed)
{
	struct pkt_query q = {
		.dns = { .id = 7, .qname = "www.example.com", .qtype = TYPE_A },
	};
	struct pkt p;
	struct xdptest_frame_run r;

	lim_start((struct lim){ .flags = ACL_REFUSE });

	/* A response (QR=1): never answer one, it could be a loop. */
	q.dns.flags = DNS_F_QR;
	pkt_query(&p, &q);
	run_frame(&p, &r);
	expect_verdict(&r, XDP_DROP);
	expect_moved(&r, XDPDNS_STAT_ACL_DROPPED, END);

	/* Class CH, a compressed qname, a cut question. */
	q.dns.flags = 0;
	q.dns.qclass = CLASS_CH;
	pkt_query(&p, &q);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_ACL_DROPPED);

	q.dns.qclass = 0;
	pkt_query(&p, &q);
	p.buf[p.qname_off] = 0xc0;
	pkt_finish(&p);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_ACL_DROPPED);

	pkt_query(&p, &q);
	pkt_truncate(&p, (size_t)p.qname_off + 5);
	pkt_finish(&p);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_ACL_DROPPED);
}
END_TEST

/* --- per-client query bucket --------------------------------------------- */

START_TEST(test_rl_burst)
{
	struct xdpdns_rl_state st;
	uint64_t t_first = 0, t_last = 0;
	struct pkt p;
	struct xdptest_frame_run r;
	int i;

	lim_start((struct lim){ .rl = 5 });
	query(&p, PKT_CLIENT4, "www.example.com", TYPE_A);
	for (i = 0; i < 10; i++) {
		run_frame(&p, &r);
		if (i < 5) {
			expect_verdict(&r, XDP_PASS);
			expect_moved(&r, XDPDNS_STAT_MISS, END);
		} else {
			expect_verdict(&r, XDP_DROP);
			expect_moved(&r, XDPDNS_STAT_RL_DROPPED, END);
			if (!t_first)
				t_first = r.t0;
			t_last = r.t1;
		}
		expect_untouched(&p, &r);
	}
	ck_assert_int_eq(rl_get(PKT_CLIENT4, &st), 0);
	ck_assert_uint_eq(st.queries, 10);
	ck_assert_uint_eq(st.limited, 5);
	ck_assert(st.limited_ns >= t_first && st.limited_ns <= t_last);
	ck_assert(st.last_ns == st.limited_ns);
	ck_assert_uint_eq(st.miss_tat_ns, 0);
	/* Five tokens taken at rate 1: tat is ~5 s ahead of the first. */
	ck_assert(st.tat_ns >= t_first + 4000000000ULL);

	/* Others keep their own bucket. */
	query(&p, CLIENT4C, "www.example.com", TYPE_A);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	query(&p, PKT_CLIENT6, "www.example.com", TYPE_A);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
}
END_TEST

/* Hits count against the query bucket too: it limits queries, not misses. */
START_TEST(test_rl_hits)
{
	struct pkt p;

	lim_start((struct lim){ .rl = 3 });
	cache_hot();
	query(&p, PKT_CLIENT6, "hot.example", TYPE_A);
	send_expect_n(&p, 3, XDP_TX, XDPDNS_STAT_HIT);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_RL_DROPPED);
}
END_TEST

/*
 * IPv6 clients are counted per address by default (0): a venue LAN is one
 * SLAAC /64 of privacy addresses, and a /64 bucket would be the whole
 * hall's. One address over its bucket leaves its /64 neighbour alone.
 */
START_TEST(test_rl_v6_per_host)
{
	struct xdpdns_config cfg;
	struct pkt p;
	int i;

	cfg = lim_start((struct lim){ .rl = 3 });
	cfg.v6_prefix = 0;
	cfg_set(&cfg);
	for (i = 0; i < 3; i++) {
		query(&p, PKT_CLIENT6, "a.example", TYPE_A);
		send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	}
	query(&p, PKT_CLIENT6, "a.example", TYPE_A);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_RL_DROPPED);
	for (i = 0; i < 3; i++) {
		query(&p, CLIENT6B, "a.example", TYPE_A);
		send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	}
}
END_TEST

/*
 * Frames for a service address that XDP cannot serve still pay the ACL
 * and the limits before they go up: one byte off in the UDP length, IPv4
 * options or a fragment, an IPv6 extension header.
 */
static const struct odd_case {
	const char *what;
	int family;
	unsigned int reason; /* what it is passed up as */
} odd_cases[] = {
	{ "UDP length one short", 4, XDPDNS_STAT_TRUNC_UDP },
	{ "IPv4 options", 4, XDPDNS_STAT_IPV4_OPTIONS },
	{ "IPv4 fragment", 4, XDPDNS_STAT_IPV4_FRAG },
	{ "IPv6 destination options", 6, XDPDNS_STAT_IPV6_EXT },
	{ "IPv6 UDP length one short", 6, XDPDNS_STAT_TRUNC_UDP },
};

static void odd_query(struct pkt *p, const struct odd_case *c, const char *src)
{
	static const uint8_t nop4[] = { 1, 1, 1, 0 }; /* NOPs, EOL */
	struct pkt_query q = {
		.family = c->family,
		.src = src,
		.dns = { .id = 0x4321,
			 .flags = DNS_F_RD,
			 .qname = "odd.example",
			 .qtype = TYPE_A },
	};

	if (c->reason == XDPDNS_STAT_IPV4_OPTIONS) {
		q.v4.options = nop4;
		q.v4.options_len = sizeof(nop4);
	} else if (c->reason == XDPDNS_STAT_IPV4_FRAG) {
		q.v4.frag = 0x2000; /* MF */
	} else if (c->reason == XDPDNS_STAT_IPV6_EXT) {
		q.v6.ext = true;
		q.v6.ext_type = 60;
	}
	pkt_query(p, &q);
	if (c->reason == XDPDNS_STAT_TRUNC_UDP) {
		uint16_t len = (uint16_t)(p->buf[p->l4_off + 4] << 8 |
					  p->buf[p->l4_off + 5]);

		len--;
		p->buf[p->l4_off + 4] = (uint8_t)(len >> 8);
		p->buf[p->l4_off + 5] = (uint8_t)len;
	}
}

START_TEST(test_odd_limited)
{
	const struct odd_case *c = &odd_cases[_i];
	const char *me = c->family == 6 ? PKT_CLIENT6 : PKT_CLIENT4;
	/*
	 * The query bucket: 3, then dropped; the miss budget, which every
	 * such frame spends: 2, then dropped.
	 */
	static const struct {
		struct lim lim;
		unsigned int burst, dropped;
	} budgets[] = {
		{ { .rl = 3 }, 3, XDPDNS_STAT_RL_DROPPED },
		{ { .miss = 2 }, 2, XDPDNS_STAT_MISS_DROPPED },
	};
	struct pkt p;

	for (size_t b = 0; b < ARRAY_SIZE(budgets); b++) {
		lim_start(budgets[b].lim);
		for (unsigned int i = 0; i < budgets[b].burst; i++) {
			odd_query(&p, c, me);
			send_expect(&p, XDP_PASS, c->reason);
		}
		odd_query(&p, c, me);
		send_expect(&p, XDP_DROP, budgets[b].dropped);
	}

	/* Outside the ACL: dropped, also with refuse (nothing to echo). */
	lim_start((struct lim){ .flags = ACL_REFUSE });
	lpm_add(T.skel->maps.xdpdns_allow,
		c->family == 6 ? "2001:db8:9::/48" : "203.0.113.0/24");
	odd_query(&p, c, me);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_ACL_DROPPED);
}
END_TEST

/*
 * The daemon's own ACL writer (acl_write_maps) puts the martian sources in
 * the deny map: even with everything allowed, a frame from the wire that
 * claims loopback, "this network" or multicast as its source is dropped.
 */
START_TEST(test_martians)
{
	static const char *const martians[] = { "127.0.0.1", "127.9.9.9",
						"0.1.2.3",   "224.0.0.5",
						"::1",	     "ff02::1" };
	char *args[] = { "xdpdnsd",    "--no-xdp", "--listen",
			 "192.0.2.53", "--allow",  "0.0.0.0/0",
			 "--allow",    "::/0",	   NULL };
	char err[CONFIG_ERR_MAX];
	struct config c;
	struct acl acl;
	struct pkt p;

	lim_start((struct lim){ .flags = XDPDNS_CFG_ACL });
	ck_assert_msg(config_build(8, args, &c, err, sizeof(err)) == CONFIG_RUN,
		      "%s", err);
	ck_assert_msg(!acl_build(&c, &acl, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(
		acl_write_maps(&acl, T.allow_fd, T.deny_fd, T.exempt_fd), 0);
	for (size_t i = 0; i < sizeof(martians) / sizeof(martians[0]); i++) {
		query(&p, martians[i], "a.example", TYPE_A);
		send_expect(&p, XDP_DROP, XDPDNS_STAT_ACL_DROPPED);
	}
	query(&p, PKT_CLIENT4, "a.example", TYPE_A);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	query(&p, PKT_CLIENT6, "a.example", TYPE_A);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	acl_free(&acl);
	config_free(&c);
}
END_TEST

/*
 * --acl-action refuse with a query rate: an outsider's REFUSED replies
 * come out of its own bucket (burst, then dropped), not one per query.
 */
START_TEST(test_refuse_metered)
{
	struct xdptest_frame_run r;
	struct pkt p;

	lim_start((struct lim){ .flags = ACL_REFUSE, .rl = 3 });
	lpm_add(T.skel->maps.xdpdns_allow, "203.0.113.0/24");
	for (int i = 0; i < 3; i++) {
		query(&p, PKT_CLIENT4, "a.example", TYPE_A);
		run_frame(&p, &r);
		expect_verdict(&r, XDP_TX);
	}
	query(&p, PKT_CLIENT4, "a.example", TYPE_A);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_ACL_DROPPED);
	/* another outsider has its own bucket */
	query(&p, CLIENT4C, "a.example", TYPE_A);
	run_frame(&p, &r);
	expect_verdict(&r, XDP_TX);
}
END_TEST

/* A TCP SYN from @src to @dport of the IPv4 or IPv6 service address. */
static void tcp_syn(struct pkt *p, const char *src, uint16_t dport)
{
	struct pkt_ipv4_opts o4 = { .src = src, .proto = 6 };
	struct pkt_ipv6_opts o6 = { .src = src, .next = 6 };

	pkt_init(p);
	pkt_eth(p, NULL, NULL);
	if (strchr(src, ':'))
		pkt_ipv6(p, &o6);
	else
		pkt_ipv4(p, &o4);
	pkt_put_u16(p, 40000);
	pkt_put_u16(p, dport);
	pkt_put_u32(p, 1);
	pkt_put_u32(p, 0);
	pkt_put_u16(p, 0x5002); /* header length 5, SYN */
	pkt_put_u16(p, 0xffff);
	pkt_put_u32(p, 0);
	pkt_finish(p);
}

/*
 * TCP to the DNS port from outside the ACL is dropped in XDP (outsiders
 * cannot hold the daemon's connection slots); allowed clients' TCP and
 * TCP to other ports go up untouched.
 */
START_TEST(test_tcp_acl)
{
	struct xdpdns_config cfg;
	struct pkt p;

	cfg = lim_start((struct lim){ .flags = ACL_REFUSE });
	lpm_add(T.skel->maps.xdpdns_allow, "203.0.113.0/24");
	lpm_add(T.skel->maps.xdpdns_allow, "2001:db8:9::/48");
	tcp_syn(&p, PKT_CLIENT4, 53);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_ACL_DROPPED);
	tcp_syn(&p, PKT_CLIENT6, 53);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_ACL_DROPPED);
	tcp_syn(&p, PKT_CLIENT4, 80);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_NOT_FOR_US);
	tcp_syn(&p, "203.0.113.9", 53);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_NOT_FOR_US);
	tcp_syn(&p, "2001:db8:9::5", 53);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_NOT_FOR_US);
	/* without the ACL flag nothing is looked at */
	cfg.flags = 0;
	cfg_set(&cfg);
	tcp_syn(&p, PKT_CLIENT4, 53);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_NOT_FOR_US);
}
END_TEST

/* With every limit off, clients are still counted (top clients). */
START_TEST(test_clients_without_limits)
{
	struct xdpdns_rl_state st;
	struct pkt p;

	lim_start((struct lim){ .flags = XDPDNS_CFG_ACL });
	lpm_add(T.skel->maps.xdpdns_allow, "198.51.100.0/24");
	for (int i = 0; i < 5; i++) {
		query(&p, PKT_CLIENT4, "a.example", TYPE_A);
		send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	}
	ck_assert_int_eq(rl_get(PKT_CLIENT4, &st), 0);
	ck_assert_uint_eq(st.queries, 5);
	ck_assert_uint_eq(st.limited, 0);
	ck_assert_uint_gt(st.last_ns, 0);
}
END_TEST

/* Aggregation: /24 for IPv4 and /64 for IPv6 as configured. */
START_TEST(test_rl_prefix)
{
	struct xdpdns_config cfg;
	struct xdpdns_rl_state st;
	struct pkt p;
	int i;

	cfg = lim_start((struct lim){ .rl = 3 });
	cfg.v4_prefix = 24;
	cfg.v6_prefix = 64;
	cfg_set(&cfg);
	for (i = 0; i < 3; i++) {
		query(&p, i & 1 ? CLIENT4B : PKT_CLIENT4, "a.example", TYPE_A);
		send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
		query(&p, i & 1 ? CLIENT6B : PKT_CLIENT6, "a.example", TYPE_A);
		send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	}
	query(&p, CLIENT4B, "a.example", TYPE_A);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_RL_DROPPED);
	query(&p, CLIENT6B, "a.example", TYPE_A);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_RL_DROPPED);
	query(&p, CLIENT4C, "a.example", TYPE_A);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	query(&p, CLIENT6C, "a.example", TYPE_A);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);

	ck_assert_int_eq(rl_get("198.51.100.0/24", &st), 0);
	ck_assert_uint_eq(st.queries, 4);
	ck_assert_int_eq(rl_get("2001:db8:1::/64", &st), 0);
	ck_assert_uint_eq(st.limited, 1);
	ck_assert_int_eq(rl_get(PKT_CLIENT4, &st), -ENOENT);
	ck_assert_int_eq(rl_get("198.51.101.0/24", &st), 0);
	ck_assert_int_eq(rl_get("2001:db8:1:1::/64", &st), 0);
}
END_TEST

/* Slip: every Nth limited query is bounced with TC=1, the others dropped. */
static const unsigned int slip_values[] = { 0, 1, 2, 3, 5 };

START_TEST(test_slip)
{
	unsigned int slip = slip_values[_i], n, slipped = 0;
	struct xdpdns_rl_state st;
	struct pkt p;
	struct xdptest_frame_run r;

	lim_start((struct lim){ .rl = 1, .slip = slip });
	query(&p, PKT_CLIENT4, "www.example.com", TYPE_A);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	for (n = 1; n <= 15; n++) {
		bool want = slip && n % slip == 0;

		run_frame(&p, &r);
		if (want) {
			expect_verdict(&r, XDP_TX);
			expect_moved(&r, XDPDNS_STAT_RL_SLIPPED, QT(TYPE_A),
				     RC(0), END);
			check_bounce(&p, &r, true, 0);
			slipped++;
		} else {
			expect_verdict(&r, XDP_DROP);
			expect_moved(&r, XDPDNS_STAT_RL_DROPPED, END);
		}
	}
	ck_assert_uint_eq(slipped, slip ? 15 / slip : 0);
	ck_assert_int_eq(rl_get(PKT_CLIENT4, &st), 0);
	ck_assert_uint_eq(st.limited, 15);
}
END_TEST

/* TC=1 replies for every shape of query, bytes checked. */
START_TEST(test_slip_bytes)
{
	const struct bounce_case *c = &bounce_cases[_i];
	struct pkt p;
	struct xdptest_frame_run r;

	lim_start((struct lim){ .rl = 1, .slip = 1 });
	bounce_query_build(&p, c, NULL);
	/* RD=0 queries pass up for the daemon to refuse, but slip alike. */
	send_expect(&p, XDP_PASS,
		    c->flags & DNS_F_RD ? XDPDNS_STAT_MISS :
					  XDPDNS_STAT_DNS_NORD);
	run_frame(&p, &r);
	expect_verdict(&r, XDP_TX);
	expect_moved(&r, XDPDNS_STAT_RL_SLIPPED, QT(TYPE_AAAA), RC(0), END);
	check_bounce(&p, &r, true, 0);
}
END_TEST

/* A limited query that cannot be bounced is dropped even when due a slip. */
START_TEST(test_slip_malformed)
{
	struct pkt_query q = {
		.dns = { .id = 7,
			 .flags = DNS_F_RD,
			 .qname = "www.example.com",
			 .qtype = TYPE_A,
			 .qclass = CLASS_CH },
	};
	struct pkt p;

	lim_start((struct lim){ .rl = 1, .slip = 1 });
	pkt_query(&p, &q);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_QCLASS);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_RL_DROPPED);
	q.dns.qclass = 0;
	q.dns.flags = DNS_F_TC;
	pkt_query(&p, &q);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_RL_DROPPED);
}
END_TEST

/* Exempt sources skip every limit, and are marked. */
START_TEST(test_exempt)
{
	struct xdpdns_config cfg;
	struct xdpdns_rl_state st;
	struct pkt p;
	struct xdptest_frame_run r;
	int i;

	cfg = lim_start((struct lim){ .rl = 1, .miss = 1, .gmiss = 1 });
	lpm_add(T.skel->maps.xdpdns_exempt, "198.51.100.0/24");
	lpm_add(T.skel->maps.xdpdns_exempt, "2001:db8:1::7/128");
	for (i = 0; i < 5; i++) {
		query(&p, i & 1 ? PKT_CLIENT6 : CLIENT4B, "x.example", TYPE_A);
		run_frame(&p, &r);
		expect_verdict(&r, XDP_PASS);
		expect_moved(&r, XDPDNS_STAT_MISS, XDPDNS_STAT_RL_EXEMPT, END);
	}
	ck_assert_int_eq(rl_get(CLIENT4B, &st), -ENOENT);
	ck_assert_int_eq(rl_get(PKT_CLIENT6, &st), -ENOENT);

	/* Not exempt: one query (the global cap's one), then limited. */
	query(&p, CLIENT4C, "x.example", TYPE_A);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_RL_DROPPED);
	query(&p, CLIENT6B, "x.example", TYPE_A);
	run_frame(&p, &r);
	expect_verdict(&r, XDP_DROP);
	expect_moved(&r, XDPDNS_STAT_GMISS_DROPPED, END);

	/* The ACL still applies to exempt sources. */
	cfg.flags = XDPDNS_CFG_ACL;
	cfg_set(&cfg);
	query(&p, PKT_CLIENT4, "x.example", TYPE_A);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_ACL_DROPPED);
}
END_TEST

/* Dry-run: counted and recorded as if enforced, nothing dropped. */
START_TEST(test_dryrun)
{
	struct xdpdns_gmiss_state g;
	struct xdpdns_rl_state st;
	struct pkt p;
	struct xdptest_frame_run r;
	int i;

	lim_start((struct lim){
		.flags = XDPDNS_CFG_RL_DRYRUN, .rl = 2, .slip = 1 });
	query(&p, PKT_CLIENT4, "www.example.com", TYPE_A);
	for (i = 0; i < 6; i++) {
		run_frame(&p, &r);
		expect_verdict(&r, XDP_PASS);
		expect_untouched(&p, &r);
		if (i < 2)
			expect_moved(&r, XDPDNS_STAT_MISS, END);
		else
			expect_moved(&r, XDPDNS_STAT_MISS, XDPDNS_STAT_DRYRUN,
				     END);
	}
	ck_assert_int_eq(rl_get(PKT_CLIENT4, &st), 0);
	ck_assert_uint_eq(st.queries, 6);
	ck_assert_uint_eq(st.limited, 4);
	ck_assert_uint_ne(st.limited_ns, 0);

	/* Miss budget and global cap in dry-run. */
	lim_start((struct lim){ .flags = XDPDNS_CFG_RL_DRYRUN,
				.miss = 2,
				.gmiss = 2,
				.slip = 1 });
	for (i = 0; i < 5; i++) {
		query(&p, i < 4 ? PKT_CLIENT4 : CLIENT4C, "m.example", TYPE_A);
		run_frame(&p, &r);
		expect_verdict(&r, XDP_PASS);
		expect_untouched(&p, &r);
		if (i < 2)
			expect_moved(&r, XDPDNS_STAT_MISS, END);
		else /* 3rd, 4th: over the client's budget (which, as if
		      * enforced, spares the global one); 5th: over the cap */
			expect_moved(&r, XDPDNS_STAT_MISS, XDPDNS_STAT_DRYRUN,
				     END);
	}
	gmiss_get(&g);
	ck_assert_uint_eq(g.dropped, 1);
	ck_assert_int_eq(rl_get(PKT_CLIENT4, &st), 0);
	ck_assert_uint_eq(st.limited, 2);

	/* A query over the query bucket does not also draw the miss budget. */
	lim_start((struct lim){
		.flags = XDPDNS_CFG_RL_DRYRUN, .rl = 1, .miss = 1, .slip = 1 });
	query(&p, PKT_CLIENT4, "www.example.com", TYPE_A);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	run_frame(&p, &r);
	expect_verdict(&r, XDP_PASS);
	expect_moved(&r, XDPDNS_STAT_MISS, XDPDNS_STAT_DRYRUN, END);
	ck_assert_int_eq(rl_get(PKT_CLIENT4, &st), 0);
	ck_assert_uint_eq(st.limited, 1);
}
END_TEST

/* --- prefix stages and new sources --------------------------------------- */

/*
 * The network stage: clients of one IPv4 /24 or IPv6 /64 share its bucket,
 * counted in the prefix's own entry; another network has its own; and a
 * query its host bucket limited never draws the network's tokens.
 */
struct stage_case {
	const char *name;
	__u8 stage;
	const char *a, *b; /* two hosts of one prefix */
	const char *other; /* a host of another prefix */
	const char *prefix; /* a's and b's entry */
};

static const struct stage_case stage_cases[] = {
	{ "net v4 /24", XDPDNS_RL_NET, PKT_CLIENT4, CLIENT4B, CLIENT4C,
	  "198.51.100.0/24" },
	{ "net v6 /64", XDPDNS_RL_NET, PKT_CLIENT6, CLIENT6B, CLIENT6C,
	  "2001:db8:1::/64" },
	{ "wide v4 /20", XDPDNS_RL_WIDE, PKT_CLIENT4, "198.51.111.9",
	  "198.51.112.7", "198.51.96.0/20" },
	{ "wide v6 /56", XDPDNS_RL_WIDE, PKT_CLIENT6, "2001:db8:1:ff::9",
	  "2001:db8:1:100::7", "2001:db8:1::/56" },
};

START_TEST(test_stage)
{
	const struct stage_case *c = &stage_cases[_i];
	bool wide = c->stage == XDPDNS_RL_WIDE;
	unsigned int drop = wide ? XDPDNS_STAT_WIDE_DROPPED :
				   XDPDNS_STAT_NET_DROPPED;
	struct xdpdns_rl_state st;
	struct xdptest_frame_run r;
	struct pkt a, b, o;

	/* Host bucket 2, prefix bucket 3; the other stage generous. */
	lim_start((struct lim){
		.rl = 2, .net = wide ? 100 : 3, .wide = wide ? 3 : 100 });
	query(&a, c->a, "www.example.com", TYPE_A);
	query(&b, c->b, "www.example.com", TYPE_A);
	query(&o, c->other, "www.example.com", TYPE_A);
	send_expect_n(&a, 2, XDP_PASS, XDPDNS_STAT_MISS);
	/* a's own bucket is empty: limited there, the prefix untouched */
	send_expect_n(&a, 3, XDP_DROP, XDPDNS_STAT_RL_DROPPED);
	send_expect(&b, XDP_PASS, XDPDNS_STAT_MISS);
	run_frame(&b, &r); /* b has a token, the prefix has none */
	expect_verdict(&r, XDP_DROP);
	expect_untouched(&b, &r);
	expect_moved(&r, drop, END);
	send_expect_n(&o, 2, XDP_PASS, XDPDNS_STAT_MISS);

	ck_assert_int_eq(rl_get_stage(c->stage, c->prefix, &st), 0);
	ck_assert_uint_eq(st.queries, 4);
	ck_assert_uint_eq(st.limited, 1);
	ck_assert_uint_ne(st.limited_ns, 0);
	ck_assert_int_eq(rl_get(c->a, &st), 0);
	ck_assert_uint_eq(st.queries, 5);
	ck_assert_uint_eq(st.limited, 3);
	ck_assert_int_eq(rl_get(c->b, &st), 0);
	ck_assert_uint_eq(st.queries, 2);
	ck_assert_uint_eq(st.limited, 0); /* the prefix's, not b's */
	/* No host entry under the prefix's key, no prefix entry as a host. */
	ck_assert_int_eq(rl_get(c->prefix, &st), -ENOENT);
	ck_assert_int_eq(rl_get_stage(c->stage, c->a, &st), -ENOENT);
}
END_TEST

/* The stages' prefix lengths come from the config. */
START_TEST(test_stage_prefix)
{
	struct xdpdns_config cfg;
	struct xdpdns_rl_state st;
	struct pkt p;

	cfg = lim_start((struct lim){ .net = 2, .wide = 3 });
	cfg.net_v4_prefix = 16;
	cfg.net_v6_prefix = 48;
	cfg.wide_v4_prefix = 8;
	cfg.wide_v6_prefix = 32;
	cfg_set(&cfg);
	query(&p, PKT_CLIENT4, "a.example", TYPE_A);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	query(&p, "198.51.200.1", "a.example", TYPE_A); /* same /16 */
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_NET_DROPPED);
	query(&p, "198.52.0.1", "a.example", TYPE_A); /* same /8 */
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	query(&p, "198.53.0.1", "a.example", TYPE_A);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_WIDE_DROPPED);
	query(&p, PKT_CLIENT6, "a.example", TYPE_A);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	query(&p, "2001:db8:ffff::1", "a.example", TYPE_A); /* same /32 */
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);

	ck_assert_int_eq(rl_get_stage(XDPDNS_RL_NET, "198.51.0.0/16", &st), 0);
	ck_assert_uint_eq(st.queries, 3);
	ck_assert_uint_eq(st.limited, 1);
	ck_assert_int_eq(rl_get_stage(XDPDNS_RL_WIDE, "198.0.0.0/8", &st), 0);
	ck_assert_uint_eq(st.queries, 4);
	ck_assert_uint_eq(st.limited, 1);
	ck_assert_int_eq(rl_get_stage(XDPDNS_RL_NET, "2001:db8:1::/48", &st),
			 0);
	ck_assert_uint_eq(st.queries, 1);
	ck_assert_int_eq(rl_get_stage(XDPDNS_RL_WIDE, "2001:db8::/32", &st), 0);
	ck_assert_uint_eq(st.queries, 2);
}
END_TEST

/* Over a prefix stage: every Nth of the prefix's limited queries slips. */
START_TEST(test_stage_slip)
{
	bool wide = _i == 1;
	unsigned int slipped = 0, n;
	struct xdpdns_rl_state st;
	struct xdptest_frame_run r;
	struct pkt p;

	lim_start((struct lim){
		.net = wide ? 0 : 1, .wide = wide ? 1 : 0, .slip = 2 });
	query(&p, PKT_CLIENT6, "www.example.com", TYPE_AAAA);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	for (n = 1; n <= 6; n++) {
		run_frame(&p, &r);
		if (n % 2 == 0) {
			expect_verdict(&r, XDP_TX);
			expect_moved(&r,
				     wide ? XDPDNS_STAT_WIDE_SLIPPED :
					    XDPDNS_STAT_NET_SLIPPED,
				     QT(TYPE_AAAA), RC(0), END);
			check_bounce(&p, &r, true, 0);
			slipped++;
		} else {
			expect_verdict(&r, XDP_DROP);
			expect_untouched(&p, &r);
			expect_moved(&r,
				     wide ? XDPDNS_STAT_WIDE_DROPPED :
					    XDPDNS_STAT_NET_DROPPED,
				     END);
		}
	}
	ck_assert_uint_eq(slipped, 3);
	ck_assert_int_eq(
		rl_get_stage(wide ? XDPDNS_RL_WIDE : XDPDNS_RL_NET,
			     wide ? "2001:db8:1::/56" : "2001:db8:1::/64", &st),
		0);
	ck_assert_uint_eq(st.limited, 6);
	ck_assert_uint_eq(st.slip_ctr, 6);
}
END_TEST

/* Dry-run covers every stage: counted once per query, nothing limited. */
START_TEST(test_stage_dryrun)
{
	struct xdpdns_gmiss_state g;
	struct xdpdns_rl_state st;
	struct xdptest_frame_run r;
	struct pkt p;
	int i;

	lim_start((struct lim){
		.flags = XDPDNS_CFG_RL_DRYRUN, .net = 2, .wide = 1, .slip = 1 });
	query(&p, PKT_CLIENT4, "www.example.com", TYPE_A);
	for (i = 0; i < 4; i++) {
		run_frame(&p, &r);
		expect_verdict(&r, XDP_PASS);
		expect_untouched(&p, &r);
		if (i < 1)
			expect_moved(&r, XDPDNS_STAT_MISS, END);
		else /* 2nd: over the wide stage; then over both, counted
		      * once, at the first stage it failed (the network's) */
			expect_moved(&r, XDPDNS_STAT_MISS, XDPDNS_STAT_DRYRUN,
				     END);
	}
	ck_assert_int_eq(rl_get_stage(XDPDNS_RL_WIDE, "198.51.96.0/20", &st),
			 0);
	ck_assert_uint_eq(st.queries, 2);
	ck_assert_uint_eq(st.limited, 1);
	ck_assert_int_eq(rl_get_stage(XDPDNS_RL_NET, "198.51.100.0/24", &st),
			 0);
	ck_assert_uint_eq(st.queries, 4);
	ck_assert_uint_eq(st.limited, 2);

	/* New-source admission in dry-run: the source is made anyway. */
	lim_start((struct lim){ .flags = XDPDNS_CFG_RL_DRYRUN, .admit = 1 });
	query(&p, PKT_CLIENT4, "www.example.com", TYPE_A);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	query(&p, CLIENT4B, "www.example.com", TYPE_A);
	run_frame(&p, &r);
	expect_verdict(&r, XDP_PASS);
	expect_untouched(&p, &r);
	expect_moved(&r, XDPDNS_STAT_MISS, XDPDNS_STAT_DRYRUN, END);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS); /* known now */
	ck_assert_int_eq(rl_get(CLIENT4B, &st), 0);
	ck_assert_uint_eq(st.queries, 2);
	ck_assert_uint_eq(st.limited, 1);
	gmiss_get(&g);
	ck_assert_uint_eq(g.new_dropped, 1);
}
END_TEST

/*
 * New-source admission: a source the table does not hold needs a token of
 * the one global bucket; refused, it gets no entry (its next query is new
 * again), while known sources go on.
 */
START_TEST(test_new_source)
{
	struct xdpdns_gmiss_state g;
	struct xdpdns_rl_state st;
	struct xdptest_frame_run r;
	struct pkt a, b, c;

	lim_start((struct lim){ .admit = 2, .slip = 1 });
	query(&a, PKT_CLIENT4, "www.example.com", TYPE_A);
	query(&b, PKT_CLIENT6, "www.example.com", TYPE_A);
	query(&c, CLIENT4B, "www.example.com", TYPE_A);
	send_expect(&a, XDP_PASS, XDPDNS_STAT_MISS);
	send_expect(&b, XDP_PASS, XDPDNS_STAT_MISS);
	for (int i = 0; i < 3; i++) { /* never slipped: it may be spoofed */
		run_frame(&c, &r);
		expect_verdict(&r, XDP_DROP);
		expect_untouched(&c, &r);
		expect_moved(&r, XDPDNS_STAT_NEW_DROPPED, END);
	}
	ck_assert_int_eq(rl_get(CLIENT4B, &st), -ENOENT);
	send_expect_n(&a, 5, XDP_PASS, XDPDNS_STAT_MISS);
	send_expect_n(&b, 5, XDP_PASS, XDPDNS_STAT_MISS);
	gmiss_get(&g);
	ck_assert_uint_eq(g.new_dropped, 3);
	ck_assert_uint_ne(g.new_tat_ns, 0);
	ck_assert_int_eq(rl_get(PKT_CLIENT4, &st), 0);
	ck_assert_uint_eq(st.queries, 6);

	/* Exempt sources are never counted as new. */
	lpm_add(T.skel->maps.xdpdns_exempt, "198.51.100.0/24");
	run_frame(&c, &r);
	expect_verdict(&r, XDP_PASS);
	expect_moved(&r, XDPDNS_STAT_MISS, XDPDNS_STAT_RL_EXEMPT, END);

	/* Outsiders' REFUSED replies pass admission too. */
	lim_start((struct lim){ .flags = ACL_REFUSE, .admit = 1 });
	lpm_add(T.skel->maps.xdpdns_allow, "203.0.113.0/24");
	query(&a, PKT_CLIENT4, "a.example", TYPE_A);
	send_expect_n(&a, 3, XDP_TX, XDPDNS_STAT_ACL_REFUSED);
	query(&b, CLIENT4B, "a.example", TYPE_A);
	send_expect(&b, XDP_DROP, XDPDNS_STAT_ACL_DROPPED);
}
END_TEST

/*
 * A new source's buckets start with the first burst, not a full one: the
 * query bucket and the miss budget alike; 0 means a full bucket, and a
 * first burst at or above the depth changes nothing.
 */
static const __u32 first_values[] = { 0, 1, 3, 10, 50 };

START_TEST(test_new_first)
{
	__u32 first = first_values[_i];
	unsigned int want = first && first < 10 ? first : 10;
	struct xdpdns_rl_state st;
	struct pkt p, q;

	lim_start((struct lim){ .rl = 10, .first = first });
	query(&p, PKT_CLIENT6, "www.example.com", TYPE_A);
	send_expect_n(&p, (int)want, XDP_PASS, XDPDNS_STAT_MISS);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_RL_DROPPED);
	ck_assert_int_eq(rl_get(PKT_CLIENT6, &st), 0);
	ck_assert_uint_eq(st.queries, want + 1);

	lim_start((struct lim){ .miss = 10, .first = first });
	cache_hot();
	query(&p, PKT_CLIENT4, "www.example.com", TYPE_A);
	query(&q, PKT_CLIENT4, "hot.example", TYPE_A);
	send_expect_n(&p, (int)want, XDP_PASS, XDPDNS_STAT_MISS);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_MISS_DROPPED);
	send_expect_n(&q, 20, XDP_TX, XDPDNS_STAT_HIT); /* hits flow on */
}
END_TEST

/* --- miss budgets ---------------------------------------------------------- */

/* Only queries bound for the daemon draw the miss budget; hits keep flowing. */
START_TEST(test_miss_budget)
{
	struct pkt hit, miss, ch;
	struct pkt_query q = {
		.dns = { .id = 9,
			 .qname = "www.example.com",
			 .qtype = TYPE_A,
			 .qclass = CLASS_CH },
	};
	struct xdpdns_rl_state st;
	int i;

	lim_start((struct lim){ .miss = 3 });
	cache_hot();
	query(&hit, PKT_CLIENT4, "hot.example", TYPE_A);
	query(&miss, PKT_CLIENT4, "cold.example", TYPE_A);
	pkt_query(&ch, &q);

	send_expect_n(&hit, 20, XDP_TX, XDPDNS_STAT_HIT);
	for (i = 0; i < 3; i++) {
		send_expect(&miss, XDP_PASS, XDPDNS_STAT_MISS);
		send_expect(&hit, XDP_TX, XDPDNS_STAT_HIT);
	}
	send_expect(&miss, XDP_DROP, XDPDNS_STAT_MISS_DROPPED);
	/* Unanswerable in XDP also means bound for the daemon. */
	send_expect(&ch, XDP_DROP, XDPDNS_STAT_MISS_DROPPED);
	send_expect_n(&hit, 20, XDP_TX, XDPDNS_STAT_HIT);
	send_expect(&miss, XDP_DROP, XDPDNS_STAT_MISS_DROPPED);

	ck_assert_int_eq(rl_get(PKT_CLIENT4, &st), 0);
	ck_assert_uint_eq(st.queries, 49);
	ck_assert_uint_eq(st.limited, 3);
	ck_assert_uint_eq(st.tat_ns, 0);

	/* Another client has its own budget. */
	query(&miss, CLIENT4C, "cold.example", TYPE_A);
	send_expect(&miss, XDP_PASS, XDPDNS_STAT_MISS);
}
END_TEST

/* Over the miss budget with slip: TC=1 replies, bytes checked. */
START_TEST(test_miss_slip)
{
	const struct bounce_case *c = &bounce_cases[_i];
	struct pkt p, ch;
	struct pkt_query q = {
		.dns = { .id = 9,
			 .qname = "www.example.com",
			 .qtype = TYPE_A,
			 .qclass = CLASS_CH },
	};
	struct bounce_case rd = *c;
	struct xdptest_frame_run r;

	lim_start((struct lim){ .miss = 1, .slip = 1 });
	rd.flags |= DNS_F_RD; /* RD=0 would pass as dns_nord, not a miss */
	bounce_query_build(&p, &rd, NULL);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	run_frame(&p, &r);
	expect_verdict(&r, XDP_TX);
	expect_moved(&r, XDPDNS_STAT_MISS_SLIPPED, QT(TYPE_AAAA), RC(0), END);
	check_bounce(&p, &r, true, 0);
	if (c->family == 4) {
		/* Cannot be bounced: dropped although due a slip. */
		pkt_query(&ch, &q);
		send_expect(&ch, XDP_DROP, XDPDNS_STAT_MISS_DROPPED);
	}
}
END_TEST

/* The global cap counts all clients' misses together. */
START_TEST(test_gmiss)
{
	struct xdpdns_gmiss_state g;
	struct pkt a, b, hit;
	int i;

	/* with slip on: the global cap never slips */
	lim_start((struct lim){ .gmiss = 4, .slip = 1 });
	cache_hot();
	query(&a, PKT_CLIENT4, "a.example", TYPE_A);
	query(&b, PKT_CLIENT6, "b.example", TYPE_AAAA);
	query(&hit, CLIENT4C, "hot.example", TYPE_A);
	for (i = 0; i < 2; i++) {
		send_expect(&a, XDP_PASS, XDPDNS_STAT_MISS);
		send_expect(&b, XDP_PASS, XDPDNS_STAT_MISS);
	}
	send_expect(&a, XDP_DROP, XDPDNS_STAT_GMISS_DROPPED);
	send_expect(&b, XDP_DROP, XDPDNS_STAT_GMISS_DROPPED);
	send_expect_n(&hit, 10, XDP_TX, XDPDNS_STAT_HIT);
	gmiss_get(&g);
	ck_assert_uint_eq(g.dropped, 2);
	ck_assert_uint_gt(g.tat_ns, 0);
	/* No per-client state without a per-client rate. */
	ck_assert(map_empty(T.skel->maps.xdpdns_rl));
}
END_TEST

/* --- sampled events -------------------------------------------------------- */

struct events {
	size_t n;
	struct xdpdns_event ev[16];
};

static int events_cb(void *ctx, void *data, size_t len)
{
	struct events *e = ctx;

	ck_assert_uint_eq(len, sizeof(struct xdpdns_event));
	if (e->n < ARRAY_SIZE(e->ev))
		memcpy(&e->ev[e->n], data, sizeof(e->ev[0]));
	e->n++;
	return 0;
}

/* Consumes ring @map; returns how many events it held. */
static size_t ring_read(struct bpf_map *map, struct events *e)
{
	struct ring_buffer *rb;

	memset(e, 0, sizeof(*e));
	rb = ring_buffer__new(map_fd(map), events_cb, e, NULL);
	ck_assert_ptr_nonnull(rb);
	ck_assert_int_ge(ring_buffer__consume(rb), 0);
	ring_buffer__free(rb);
	return e->n;
}

static size_t events_read(struct events *e)
{
	return ring_read(T.skel->maps.xdpdns_events, e);
}

/* @ev describes a query from @src for @qname (NULL: not parsed). */
static void check_event(const struct xdpdns_event *ev, const char *src,
			const char *qname, uint16_t qtype, uint8_t action,
			unsigned int reason, uint64_t t0, uint64_t t1)
{
	uint8_t addr[16] = { 0 }, wire[DNS_NAME_MAX + 1] = { 0 };
	size_t i, wl;

	ck_assert(ev->ts_ns >= t0 && ev->ts_ns <= t1);
	ck_assert_uint_eq(ev->family, addr_parse(src, addr));
	ck_assert_msg(!memcmp(ev->addr, addr, 16), "event address");
	ck_assert_uint_eq(ev->qtype, qtype);
	ck_assert_uint_eq(ev->action, action);
	ck_assert_msg(ev->reason == reason, "event reason %s, want %s",
		      xdptest_stat_name(ev->reason), xdptest_stat_name(reason));
	if (!qname) {
		ck_assert_uint_eq(ev->qname_len, 0);
		for (i = 0; i < DNS_NAME_MAX; i++)
			ck_assert_uint_eq(ev->qname[i], 0);
		return;
	}
	wl = pkt_name_to_wire(qname, wire, sizeof(wire));
	for (i = 0; i < wl; i++)
		if (wire[i] >= 'A' && wire[i] <= 'Z')
			wire[i] += 'a' - 'A';
	ck_assert_uint_eq(ev->qname_len, wl);
	ck_assert_msg(!memcmp(ev->qname, wire, DNS_NAME_MAX), "event qname");
}

/* Every outcome at rate 1: the event names client, query and outcome. */
START_TEST(test_sample)
{
	struct xdpdns_stats s0, s1;
	uint64_t t0, t1;
	struct events e;
	struct pkt p;
	struct xdptest_frame_run r;

	lim_start((struct lim){
		.flags = XDPDNS_CFG_ACL, .rl = 3, .slip = 2, .sample = 1 });
	cache_hot();
	lpm_add(T.skel->maps.xdpdns_allow, "198.51.100.0/24");
	lpm_add(T.skel->maps.xdpdns_allow, "2001:db8::/32");
	ck_assert_int_eq(xdptest_stats(&T, &s0), 0);
	t0 = xdptest_now_ns();

	query(&p, PKT_CLIENT4, "HoT.ExAmple", TYPE_A); /* hit */
	run_frame(&p, &r);
	expect_verdict(&r, XDP_TX);
	expect_moved(&r, XDPDNS_STAT_HIT, QT(TYPE_A), RC(0),
		     XDPDNS_STAT_SAMPLED, END);
	check_hit(&p, &r);
	query(&p, PKT_CLIENT6, "Cold.EXAMPLE.org", TYPE_AAAA); /* miss */
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	query(&p, CLIENT4C, "www.example.com", TYPE_A); /* other /24 */
	p.buf[p.l3_off + 12] = 203; /* 203.51.101.7: outside allow */
	pkt_finish(&p);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_ACL_DROPPED);
	query(&p, PKT_CLIENT4, "Q.example", TYPE_AAAA); /* 2nd, 3rd token */
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	send_expect(&p, XDP_PASS, XDPDNS_STAT_MISS);
	send_expect(&p, XDP_DROP, XDPDNS_STAT_RL_DROPPED); /* limited 1 */
	send_expect(&p, XDP_TX, XDPDNS_STAT_RL_SLIPPED); /* limited 2 */
	t1 = xdptest_now_ns();

	ck_assert_int_eq(xdptest_stats(&T, &s1), 0);
	ck_assert_uint_eq(s1.sampled - s0.sampled, 7);
	ck_assert_uint_eq(s1.sample_lost - s0.sample_lost, 0);
	ck_assert_uint_eq(events_read(&e), 7);
	check_event(&e.ev[0], PKT_CLIENT4, "HoT.ExAmple", TYPE_A,
		    XDPDNS_ACT_ANSWERED, XDPDNS_STAT_HIT, t0, t1);
	check_event(&e.ev[1], PKT_CLIENT6, "Cold.EXAMPLE.org", TYPE_AAAA,
		    XDPDNS_ACT_PASSED, XDPDNS_STAT_MISS, t0, t1);
	check_event(&e.ev[2], "203.51.101.7", NULL, 0, XDPDNS_ACT_DENIED,
		    XDPDNS_STAT_ACL_DROPPED, t0, t1);
	check_event(&e.ev[3], PKT_CLIENT4, "Q.example", TYPE_AAAA,
		    XDPDNS_ACT_PASSED, XDPDNS_STAT_MISS, t0, t1);
	check_event(&e.ev[5], PKT_CLIENT4, NULL, 0, XDPDNS_ACT_LIMITED,
		    XDPDNS_STAT_RL_DROPPED, t0, t1);
	/* The slipped query was parsed to be bounced: it has its name. */
	check_event(&e.ev[6], PKT_CLIENT4, "Q.example", TYPE_AAAA,
		    XDPDNS_ACT_LIMITED, XDPDNS_STAT_RL_SLIPPED, t0, t1);
}
END_TEST

/* 1 in N: none at 0, about 1/N at N, and never a non-query. */
START_TEST(test_sample_rate)
{
	struct xdpdns_config cfg = xdptest_config();
	struct xdpdns_stats s0, s1;
	struct events e;
	struct pkt p, other;
	size_t n;

	lim_reset();
	query(&p, PKT_CLIENT4, "www.example.com", TYPE_A);
	query(&other, PKT_CLIENT4, "www.example.com", TYPE_A);
	pkt_set_u16(&other, other.l4_off + 2, 5353); /* not port 53 */
	pkt_finish(&other);
	ck_assert_int_eq(xdptest_stats(&T, &s0), 0);
	send_expect_n(&p, 50, XDP_PASS, XDPDNS_STAT_MISS);
	cfg.sample_rate = 1;
	cfg_set(&cfg);
	send_expect_n(&other, 20, XDP_PASS, XDPDNS_STAT_NOT_FOR_US);
	ck_assert_int_eq(xdptest_stats(&T, &s1), 0);
	ck_assert_uint_eq(s1.sampled - s0.sampled, 0);
	ck_assert_uint_eq(events_read(&e), 0);

	/* Binomial(400, 1/4): mean 100, sd 8.7; the bounds are 6 sd out. */
	cfg.sample_rate = 4;
	cfg_set(&cfg);
	send_expect_n(&p, 400, XDP_PASS, XDPDNS_STAT_MISS);
	ck_assert_int_eq(xdptest_stats(&T, &s1), 0);
	n = events_read(&e);
	ck_assert_uint_eq(s1.sampled - s0.sampled, n);
	ck_assert_msg(n >= 45 && n <= 155, "%zu of 400 sampled at 1/4", n);
}
END_TEST

/*
 * XDPDNS_CFG_DNSTAP: every sample goes to xdpdns_tap too, the same event
 * (the client's port and DNS ID, the answer's rcode), so that `xdpdnsctl
 * tail` and the daemon's dnstap log both see all of them; without the
 * flag the tap ring stays empty.
 */
START_TEST(test_sample_tap)
{
	struct xdpdns_stats s0, s1;
	struct events e, t;
	struct pkt p, q;
	size_t off = offsetof(struct xdpdns_event, family);

	lim_start((struct lim){ .sample = 1 });
	cache_hot();
	query(&p, PKT_CLIENT4, "hot.example", TYPE_A);
	send_expect(&p, XDP_TX, XDPDNS_STAT_HIT);
	ck_assert_uint_eq(ring_read(T.skel->maps.xdpdns_tap, &t), 0);
	ck_assert_uint_eq(events_read(&e), 1);

	lim_start((struct lim){ .flags = XDPDNS_CFG_DNSTAP, .sample = 1 });
	cache_hot();
	ck_assert_int_eq(xdptest_stats(&T, &s0), 0);
	query(&p, PKT_CLIENT4, "hot.example", TYPE_A);
	pkt_set_u16(&p, p.l4_off, 40000); /* client port */
	pkt_set_u16(&p, p.l4_off + 8, 0xabcd); /* DNS ID */
	pkt_finish(&p);
	send_expect(&p, XDP_TX, XDPDNS_STAT_HIT);
	query(&q, PKT_CLIENT6, "cold.example", TYPE_AAAA);
	send_expect(&q, XDP_PASS, XDPDNS_STAT_MISS);
	ck_assert_int_eq(xdptest_stats(&T, &s1), 0);
	ck_assert_uint_eq(events_read(&e), 2);
	ck_assert_uint_eq(ring_read(T.skel->maps.xdpdns_tap, &t), 2);
	ck_assert_uint_eq(s1.tap_lost - s0.tap_lost, 0);
	for (int i = 0; i < 2; i++)
		ck_assert_msg(!memcmp((char *)&e.ev[i] + off,
				      (char *)&t.ev[i] + off,
				      sizeof(e.ev[i]) - off),
			      "event %d differs between the rings", i);
	ck_assert_uint_eq(t.ev[0].action, XDPDNS_ACT_ANSWERED);
	ck_assert_uint_eq(t.ev[0].port[0] << 8 | t.ev[0].port[1], 40000);
	ck_assert_uint_eq(t.ev[0].id[0] << 8 | t.ev[0].id[1], 0xabcd);
	ck_assert_uint_eq(t.ev[0].rcode, 0);
	ck_assert_uint_eq(t.ev[1].action, XDPDNS_ACT_PASSED);
	ck_assert_uint_eq(t.ev[1].port[0] << 8 | t.ev[1].port[1],
			  pkt_get_u16(q.buf, q.l4_off));
	ck_assert_uint_eq(t.ev[1].rcode, 0);
}
END_TEST

/* A full tap ring loses dnstap's samples, counted, not tail's. */
START_TEST(test_sample_tap_lost)
{
	struct xdpdns_stats s0, s1;
	struct events e, t;
	struct pkt p;
	size_t n, m;

	lim_start((struct lim){ .flags = XDPDNS_CFG_DNSTAP, .sample = 1 });
	cache_hot();
	query(&p, PKT_CLIENT4, "hot.example", TYPE_A);
	ck_assert_int_eq(xdptest_stats(&T, &s0), 0);
	send_expect_n(&p, 1000, XDP_TX, XDPDNS_STAT_HIT);
	ck_assert_int_eq(xdptest_stats(&T, &s1), 0);
	n = events_read(&e);
	m = ring_read(T.skel->maps.xdpdns_tap, &t);
	ck_assert_uint_eq(s1.sample_lost - s0.sample_lost, 1000 - n);
	ck_assert_uint_eq(s1.tap_lost - s0.tap_lost, 1000 - m);
	ck_assert_msg(m > 0 && m < 1000, "%zu of 1000 in the tap ring", m);
}
END_TEST

/* A full ring loses samples, counted, never queries. */
START_TEST(test_sample_lost)
{
	struct xdpdns_stats s0, s1;
	struct events e;
	struct pkt p;
	size_t n;

	lim_start((struct lim){ .sample = 1 });
	cache_hot();
	query(&p, PKT_CLIENT4, "hot.example", TYPE_A);
	ck_assert_int_eq(xdptest_stats(&T, &s0), 0);
	/* 256 KiB of 304-byte records (header included): 862 fit. */
	send_expect_n(&p, 1000, XDP_TX, XDPDNS_STAT_HIT);
	ck_assert_int_eq(xdptest_stats(&T, &s1), 0);
	n = events_read(&e);
	ck_assert_uint_eq(s1.sampled - s0.sampled, n);
	ck_assert_uint_eq(s1.sample_lost - s0.sample_lost, 1000 - n);
	ck_assert_msg(n > 0 && n < 1000, "%zu of 1000 in the ring", n);
}
END_TEST

void limit_tcases(Suite *s)
{
	static const struct cktest_opts o = { 30, env_setup },
					o_long = { 60, env_setup };

	CKTEST_TCASE(s, "Positive", &o, CKTEST_TABLE(test_acl, acl_cases),
		     CKTEST(test_acl_hit),
		     CKTEST_TABLE(test_refuse_bytes, bounce_cases),
		     CKTEST_TABLE(test_slip_bytes, bounce_cases),
		     CKTEST_TABLE(test_miss_slip, bounce_cases),
		     CKTEST(test_sample), CKTEST(test_sample_tap));
	CKTEST_TCASE(s, "Negative", &o, CKTEST(test_refuse_malformed),
		     CKTEST(test_slip_malformed), CKTEST(test_exempt),
		     CKTEST(test_dryrun));
	CKTEST_TCASE(s, "Limits", &o_long, CKTEST(test_rl_burst),
		     CKTEST(test_rl_hits), CKTEST(test_rl_prefix),
		     CKTEST(test_rl_v6_per_host), CKTEST(test_martians),
		     CKTEST(test_refuse_metered),
		     CKTEST(test_clients_without_limits), CKTEST(test_tcp_acl),
		     CKTEST_TABLE(test_odd_limited, odd_cases),
		     CKTEST_TABLE(test_slip, slip_values),
		     CKTEST(test_miss_budget), CKTEST(test_gmiss),
		     CKTEST(test_sample_rate), CKTEST(test_sample_lost),
		     CKTEST(test_sample_tap_lost),
		     CKTEST_TABLE(test_stage, stage_cases),
		     CKTEST(test_stage_prefix), CKTEST_LOOP(test_stage_slip, 2),
		     CKTEST(test_stage_dryrun), CKTEST(test_new_source),
		     CKTEST_TABLE(test_new_first, first_values));
}
