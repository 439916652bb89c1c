// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Randomized test of xdpdns_main through BPF_PROG_TEST_RUN. A cache of a
 * few hundred entries is filled from libldns responses; valid queries for
 * them (random case, family, VLAN tags, EDNS) are mutated -- bit flips, byte
 * changes, truncation, extension, counts, label lengths, L2/L3/L4 header
 * fields -- or replaced by random bytes, and each frame is run once.
 *
 * A reference model written from the specification (not from the program)
 * classifies every frame: not for us, unusual DNS, or a servable query that
 * must hit, miss, be stale or be too big. The run must agree: valid verdict,
 * a passed frame untouched, exactly one outcome counter plus packets (and
 * queries exactly when the model says the datagram reached DNS parsing),
 * and every XDP_TX frame must verify its checksums, parse with ldns, keep
 * the question bytes and equal cache_entry_render() for that query.
 *
 * Usage: fuzz_xdp [BUILD_DIR]. XDPDNS_FUZZ_SEED repeats a run,
 * XDPDNS_FUZZ_N sets the number of frames (default 500000).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <ldns/ldns.h>

#include "lib/cache_entry.h"
#include "tests/lib/pktbuild.h"
#include "tests/lib/xdptest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NS_PER_S 1000000000ULL
#define N_ENTRIES 320
#define TIME_LIMIT_S 50
#define MAX_REPORTS 10

static uint64_t rng_state;

/* splitmix64: small, fast, and the same sequence on every machine. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rn(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return rn(100) < percent;
}

/* --- the cache ------------------------------------------------------------ */

struct fentry {
	char qname[300];
	uint16_t qtype;
	uint8_t key_flags;
};

static struct fentry entries[N_ENTRIES];
static unsigned int n_entries;

static void rand_label(char *out, unsigned int len)
{
	static const char cs[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
	unsigned int i;

	for (i = 0; i < len; i++)
		out[i] = cs[rn(sizeof(cs) - 1)];
	out[len] = 0;
}

static void rand_name(char *out, size_t cap)
{
	unsigned int labels = 1 + rn(4), i;
	char l[64];

	out[0] = 0;
	if (chance(3)) {
		/* long names, up to the 255-byte limit */
		labels = 3 + rn(2);
		for (i = 0; i < labels; i++) {
			rand_label(l, 40 + rn(24));
			strncat(out, l, cap - strlen(out) - 2);
			strcat(out, ".");
		}
		out[200] = 0;
		if (out[strlen(out) - 1] != '.')
			strcat(out, ".");
		strcat(out, "example.");
		return;
	}
	for (i = 0; i < labels; i++) {
		rand_label(l, 1 + rn(i == 0 ? 20 : 10));
		strcat(out, l);
		strcat(out, ".");
	}
	strcat(out, chance(50) ? "example.com." : "example.net.");
}

/* Builds one random response for @f and puts its entry in the cache. */
static int make_entry(struct xdptest *t, struct fentry *f, uint64_t now)
{
	static char lines[12][600];
	const char *an[13] = { 0 }, *ns[3] = { 0 };
	struct resp_spec s = { 0 };
	struct xdpdns_cache_entry e;
	struct xdpdns_cache_key k;
	unsigned int kind = rn(9), n, i;
	bool big = false;
	uint64_t stored = now - rn(20) * NS_PER_S;
	char txt[256];
	int err;

	rand_name(f->qname, sizeof(f->qname));
	s.qname = f->qname;
	s.an = an;
	s.ns = ns;
	s.aa = chance(30);
	s.ad = chance(30);
	switch (kind) {
	case 0:
	case 1:
		s.qtype = "A";
		n = 1 + rn(4);
		for (i = 0; i < n; i++)
			snprintf(lines[i], sizeof(lines[i]),
				 "%s %u IN A 192.0.2.%u", f->qname,
				 600 + rn(3600), rn(256));
		break;
	case 2:
		s.qtype = "AAAA";
		n = 1 + rn(3);
		for (i = 0; i < n; i++)
			snprintf(lines[i], sizeof(lines[i]),
				 "%s %u IN AAAA 2001:db8::%x", f->qname,
				 600 + rn(3600), rn(65536));
		break;
	case 3:
		/* big ones straddle the 1232-byte limit (some too big) */
		big = chance(30);
		s.qtype = "TXT";
		n = big ? 4 + rn(2) : 1 + rn(5);
		for (i = 0; i < n; i++) {
			memset(txt, 'a' + (int)rn(26), sizeof(txt));
			snprintf(lines[i], sizeof(lines[i]),
				 "%s 900 IN TXT \"%.*s\"", f->qname,
				 (int)(big ? 200 + rn(50) : rn(180)), txt);
		}
		break;
	case 4:
		s.qtype = "MX";
		n = 1 + rn(3);
		for (i = 0; i < n; i++)
			snprintf(lines[i], sizeof(lines[i]),
				 "%s 900 IN MX %u mx%u.%s", f->qname, 10 * i, i,
				 chance(50) ? f->qname : "example.org.");
		break;
	case 5:
		s.qtype = "A";
		snprintf(lines[0], sizeof(lines[0]),
			 "%s 900 IN CNAME edge%u.cdn.example.org.", f->qname,
			 rn(100));
		snprintf(lines[1], sizeof(lines[1]),
			 "edge%u.cdn.example.org. 700 IN A 203.0.113.%u",
			 rn(100), rn(256));
		n = 2;
		break;
	case 6:
	case 7:
		s.qtype = kind == 6 ? "A" : "AAAA";
		s.rcode = kind == 6 ? 3 : 0;
		snprintf(
			lines[11], sizeof(lines[11]),
			"example.com. 900 IN SOA ns.example.com. h.example.com."
			" 1 7200 3600 1209600 %u",
			600 + rn(600));
		ns[0] = lines[11];
		n = 0;
		break;
	default:
		s.qtype = "PTR";
		snprintf(lines[0], sizeof(lines[0]),
			 "%s 3600 IN PTR host%u.example.net.", f->qname,
			 rn(1000));
		n = 1;
		break;
	}
	for (i = 0; i < n; i++)
		an[i] = lines[i];
	f->qtype = (uint16_t)ldns_get_rr_type_by_name(s.qtype);
	f->key_flags = (uint8_t)rn(4);
	/* a few entries long stale */
	if (chance(5))
		stored = now - 5000 * NS_PER_S;
	err = xdptest_add(t, &s, f->key_flags, chance(40), stored, &k, &e);
	return err;
}

/* --- the reference model ---------------------------------------------- */

enum stage {
	ST_NOT_DNS, /* not for us, or a defect below DNS */
	ST_BAD_DNS, /* reached DNS parsing, not a servable query */
	ST_QUERY, /* a servable query */
};

struct model {
	enum stage stage;
	struct xdpdns_cache_key key;
	bool has_opt;
	uint16_t udp_size;
	size_t question_len;
	int dns_off;
	size_t dns_len;
};

static uint8_t svc4[4], svc6[16];

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* The DNS payload @m of @n bytes: ST_BAD_DNS or ST_QUERY. */
static enum stage model_dns(const uint8_t *m, size_t n, struct model *md)
{
	size_t off = 12, kn = 0, end;
	uint16_t flags;

	if (n < 12)
		return ST_BAD_DNS;
	flags = be16(m + 2);
	if (flags & (XDPDNS_F_QR | XDPDNS_F_OPCODE | XDPDNS_F_TC) ||
	    !(flags & XDPDNS_F_RD))
		return ST_BAD_DNS;
	if (be16(m + 4) != 1 || be16(m + 6) || be16(m + 8) || be16(m + 10) > 1)
		return ST_BAD_DNS;
	for (;;) {
		uint8_t l;

		if (off >= n)
			return ST_BAD_DNS;
		l = m[off];
		if (l > 63 || kn + 1 + l > XDPDNS_NAME_MAX || off + 1 + l > n)
			return ST_BAD_DNS;
		md->key.qname[kn++] = l;
		off++;
		if (!l)
			break;
		for (; l; l--, off++)
			md->key.qname[kn++] = (m[off] >= 'A' && m[off] <= 'Z') ?
						      m[off] + 32 :
						      m[off];
	}
	if (off + 4 > n || be16(m + off + 2) != 1)
		return ST_BAD_DNS;
	md->key.qtype = be16(m + off);
	md->key.qclass = 1;
	off += 4;
	md->question_len = off - 12;
	if (flags & XDPDNS_F_CD)
		md->key.flags |= XDPDNS_KEY_CD;
	if (be16(m + 10) == 0)
		return off == n ? ST_QUERY : ST_BAD_DNS;

	/* OPT: root owner, type 41, version 0, last; options not parsed */
	if (off + 11 > n || m[off] != 0 || be16(m + off + 1) != 41 ||
	    m[off + 6] != 0)
		return ST_BAD_DNS;
	md->has_opt = true;
	md->udp_size = be16(m + off + 3);
	if (m[off + 7] & 0x80)
		md->key.flags |= XDPDNS_KEY_DO;
	end = off + 11 + be16(m + off + 9);
	return end == n ? ST_QUERY : ST_BAD_DNS;
}

static void model_frame(const uint8_t *f, size_t len, struct model *md)
{
	size_t off = 14, l3, l4, ulen, plen;
	uint16_t type;
	int tags = 0;

	memset(md, 0, sizeof(*md));
	md->stage = ST_NOT_DNS;
	if (len < 14)
		return;
	type = be16(f + 12);
	while (type == 0x8100 || type == 0x88a8) {
		if (++tags > 2 || off + 4 > len)
			return;
		type = be16(f + off + 2);
		off += 4;
	}
	l3 = off;
	if (type == 0x0800) {
		uint16_t tot;

		if (l3 + 20 > len || f[l3] != 0x45 || f[l3 + 9] != 17 ||
		    (be16(f + l3 + 6) & 0x3fff) || memcmp(f + l3 + 16, svc4, 4))
			return;
		l4 = l3 + 20;
		tot = be16(f + l3 + 2);
		if (tot < 28 || l3 + tot > len)
			return;
		plen = tot - 20u;
	} else if (type == 0x86dd) {
		if (l3 + 40 > len || (f[l3] >> 4) != 6 || f[l3 + 6] != 17 ||
		    memcmp(f + l3 + 24, svc6, 16))
			return;
		l4 = l3 + 40;
		plen = be16(f + l3 + 4);
		if (l4 + plen > len)
			return;
	} else {
		return;
	}
	if (l4 + 8 > len || be16(f + l4 + 2) != 53)
		return;
	ulen = be16(f + l4 + 4);
	if (ulen != plen || ulen < 8)
		return;
	md->dns_off = (int)(l4 + 8);
	md->dns_len = ulen - 8;
	md->stage = model_dns(f + l4 + 8, ulen - 8, md);
}

/* --- queries and mutations --------------------------------------------- */

static void base_query(struct pkt *p, char *name_buf)
{
	static const uint16_t sizes[] = { 0, 100, 512, 1232, 1400, 4096 };
	static const uint8_t opt_cookie[] = { 0, 10, 0, 8, 1, 2,
					      3, 4,  5, 6, 7, 8 };
	static const uint8_t opt_pad[] = { 0, 12, 0, 2, 0, 0 };
	struct pkt_query q = { 0 };
	const struct fentry *f = &entries[rn(n_entries)];
	size_t i;

	q.family = chance(50) ? 4 : 6;
	q.vlans = chance(70) ? 0 : (int)(1 + rn(2));
	for (i = 0; i < 2; i++)
		q.vlan_tpid[i] = chance(50) ? PKT_ETH_P_8021Q :
					      PKT_ETH_P_8021AD;
	q.sport = (uint16_t)(1024 + rn(60000));
	q.udp_csum_zero = chance(10);
	if (chance(30))
		q.v4.frag = 0x4000;
	q.dns.id = (uint16_t)rnd();
	q.dns.flags = chance(80) ? XDPDNS_F_RD : 0;
	if (chance(90) ? (f->key_flags & XDPDNS_KEY_CD) : chance(50))
		q.dns.flags |= XDPDNS_F_CD;
	if (chance(10))
		q.dns.flags |= XDPDNS_F_AD;
	if (chance(95)) {
		strcpy(name_buf, f->qname);
		for (i = 0; name_buf[i]; i++)
			if (name_buf[i] >= 'a' && name_buf[i] <= 'z' &&
			    chance(50))
				name_buf[i] -= 32;
		q.dns.qtype = chance(95) ? f->qtype : (uint16_t)rn(300);
	} else {
		rand_name(name_buf, 300);
		q.dns.qtype = (uint16_t)(1 + rn(40));
	}
	q.dns.qname = name_buf;
	q.dns.edns = (f->key_flags & XDPDNS_KEY_DO) ? chance(95) : chance(50);
	q.dns.edns_do =
		q.dns.edns &&
		(chance(90) ? !!(f->key_flags & XDPDNS_KEY_DO) : chance(50));
	q.dns.edns_size = chance(90) ? sizes[rn(ARRAY_SIZE(sizes))] :
				       (uint16_t)rnd();
	if (q.dns.edns && chance(10)) {
		if (chance(50)) {
			q.dns.edns_options = opt_cookie;
			q.dns.edns_options_len = sizeof(opt_cookie);
		} else {
			q.dns.edns_options = opt_pad;
			q.dns.edns_options_len = sizeof(opt_pad);
		}
	}
	pkt_query(p, &q);
	if (chance(10)) {
		size_t pad = 1 + rn(30);

		for (i = 0; i < pad; i++)
			pkt_put_u8(p, (uint8_t)rnd());
	}
}

static void mutate(struct pkt *p)
{
	size_t len = p->len, off;
	int dns = p->dns_off;

	switch (rn(14)) {
	case 0: /* a bit anywhere */
		off = rn((unsigned int)len);
		p->buf[off] ^= (uint8_t)(1u << rn(8));
		break;
	case 1: /* a bit in the headers, DNS header included */
		off = rn((unsigned int)(dns + 12));
		p->buf[off] ^= (uint8_t)(1u << rn(8));
		break;
	case 2: /* a random byte */
		p->buf[rn((unsigned int)len)] = (uint8_t)rnd();
		break;
	case 3: /* truncation */
		pkt_truncate(p, 14 + rn((unsigned int)(len - 14)));
		break;
	case 4: /* extension */
		for (off = 1 + rn(40); off; off--)
			pkt_put_u8(p, (uint8_t)rnd());
		break;
	case 5: { /* a count field */
		static const uint16_t v[] = { 0, 1, 2, 3, 0xffff, 0x100 };

		pkt_set_u16(p, dns + 4 + 2 * (int)rn(4), v[rn(ARRAY_SIZE(v))]);
		break;
	}
	case 6: { /* a label length */
		static const uint8_t v[] = { 0,	   1,	 63,   64,
					     0x40, 0x80, 0xc0, 0xff };
		int o = p->qname_off, labels = 0, pick;

		while (o < (int)len && p->buf[o] && p->buf[o] < 64) {
			labels++;
			o += p->buf[o] + 1;
		}
		pick = (int)rn((unsigned int)labels + 1);
		for (o = p->qname_off; pick > 0 && p->buf[o]; pick--)
			o += p->buf[o] + 1;
		if (o < (int)len)
			p->buf[o] = chance(50) ?
					    v[rn(ARRAY_SIZE(v))] :
					    (uint8_t)(p->buf[o] + rn(3) - 1);
		break;
	}
	case 7: { /* an EtherType or TPID */
		static const uint16_t v[] = { 0x0800, 0x86dd, 0x8100,
					      0x88a8, 0x0806, 0x9100 };
		int o = 12 +
			4 * (int)rn((unsigned int)(p->l3_off - 12) / 4 + 1);

		if (o > p->l3_off - 2)
			o = p->l3_off - 2;
		pkt_set_u16(p, o, v[rn(ARRAY_SIZE(v))]);
		break;
	}
	case 8: /* IPv4 version/IHL, fragment field, protocol, length */
		if (p->family == 4) {
			switch (rn(4)) {
			case 0:
				p->buf[p->l3_off] = (uint8_t)(0x40 | rn(16));
				break;
			case 1:
				pkt_set_u16(p, p->l3_off + 6,
					    (uint16_t)(rnd() & 0xe1ff));
				break;
			case 2:
				p->buf[p->l3_off + 9] =
					chance(50) ? 6 : (uint8_t)rnd();
				break;
			default:
				pkt_set_u16(
					p, p->l3_off + 2,
					(uint16_t)(pkt_get_u16(p->buf,
							       p->l3_off + 2) +
						   rn(5) - 2));
			}
		} else {
			static const uint8_t nh[] = { 0, 43, 44, 60, 6, 58, 59 };

			if (chance(50))
				p->buf[p->l3_off + 6] = nh[rn(ARRAY_SIZE(nh))];
			else
				pkt_set_u16(
					p, p->l3_off + 4,
					(uint16_t)(pkt_get_u16(p->buf,
							       p->l3_off + 4) +
						   rn(5) - 2));
		}
		break;
	case 9: /* UDP ports and length */
		if (chance(50))
			pkt_set_u16(p, p->l4_off + 2,
				    chance(50) ? 5353 : (uint16_t)rnd());
		else
			pkt_set_u16(
				p, p->l4_off + 4,
				(uint16_t)(pkt_get_u16(p->buf, p->l4_off + 4) +
					   rn(5) - 2));
		break;
	case 10: /* qtype or qclass */
		off = (size_t)p->qname_off;
		while (off < len && p->buf[off] && p->buf[off] < 64)
			off += p->buf[off] + 1u;
		if (off + 5 <= len)
			pkt_set_u16(p, (int)off + 1 + 2 * (int)rn(2),
				    (uint16_t)(chance(50) ? rn(260) : rnd()));
		break;
	case 11: /* OPT fields */
		if (p->opt_off >= 0 && (size_t)p->opt_off + 11 <= len) {
			off = (size_t)p->opt_off + rn(11);
			p->buf[off] = chance(50) ? (uint8_t)rnd() :
						   (uint8_t)(p->buf[off] ^ 1);
		}
		break;
	case 12: /* DNS flags */
		pkt_set_u16(p, dns + 2, (uint16_t)rnd());
		break;
	default: /* the destination address */
		if (p->family == 4)
			p->buf[p->l3_off + 19] ^= (uint8_t)(1 + rn(255));
		else
			p->buf[p->l3_off + 39] ^= (uint8_t)(1 + rn(255));
		break;
	}
}

/* A frame of random bytes, or random DNS bytes behind good headers. */
static void random_frame(struct pkt *p)
{
	size_t n = rn(300), i;

	if (chance(50)) {
		pkt_init(p);
		for (i = 0; i < 14 + n; i++)
			pkt_put_u8(p, (uint8_t)rnd());
		if (chance(50))
			pkt_set_u16(p, 12, chance(50) ? 0x0800 : 0x86dd);
		return;
	}
	pkt_init(p);
	pkt_eth(p, NULL, NULL);
	if (chance(50)) {
		struct pkt_ipv4_opts o = { 0 };

		pkt_ipv4(p, &o);
	} else {
		struct pkt_ipv6_opts o = { 0 };

		pkt_ipv6(p, &o);
	}
	pkt_udp(p, 40000, 53);
	p->dns_off = (int)p->len;
	for (i = 0; i < n; i++)
		pkt_put_u8(p, (uint8_t)rnd());
	if (n >= 12 && chance(70)) {
		/* a plausible header: QUERY, counts 1/0/0/0-1 */
		pkt_set_u16(p, p->dns_off + 2, 0x0100);
		pkt_dns_set_counts(p, 1, 0, 0, (uint16_t)rn(2));
	}
	pkt_finish(p);
}

/* --- the run -------------------------------------------------------------- */

struct tally {
	unsigned long verdicts[5];
	unsigned long other_verdict;
	unsigned long stages[3];
	unsigned long long counters[sizeof(struct xdpdns_stats) / 8];
	unsigned long passed, failed;
};

static bool is_dns_reason(unsigned int r)
{
	return r >= XDPDNS_STAT_TRUNC_DNS && r <= XDPDNS_STAT_OPT_MALFORMED;
}

static bool is_l2l4_reason(unsigned int r)
{
	return r == XDPDNS_STAT_NOT_FOR_US ||
	       (r >= XDPDNS_STAT_TRUNC_L2 && r <= XDPDNS_STAT_TRUNC_UDP);
}

static void report(struct tally *t, const char *why, const uint8_t *in,
		   size_t in_len, const uint8_t *out, size_t out_len,
		   uint32_t verdict)
{
	t->failed++;
	if (t->failed > MAX_REPORTS)
		return;
	fprintf(stderr, "FAIL #%lu: %s (verdict %u)\n", t->failed, why,
		verdict);
	xdptest_hexdump("  frame in", in, in_len);
	if (verdict == XDP_TX)
		xdptest_hexdump("  frame out", out, out_len);
}

int main(int argc, char **argv)
{
	const char *build = argc > 1 ? argv[1] : "build";
	const char *env_seed = getenv("XDPDNS_FUZZ_SEED");
	const char *env_n = getenv("XDPDNS_FUZZ_N");
	unsigned long n = env_n ? strtoul(env_n, NULL, 0) : 500000, it;
	static struct xdpdns_stats before, after;
	static uint8_t out[PKT_MAX];
	static struct tally tl;
	struct xdptest t;
	uint64_t seed, start;
	char path[4096], name_buf[320], why[512];
	unsigned int i, nc = sizeof(struct xdpdns_stats) / 8;

	snprintf(path, sizeof(path), "%s/xdpdns.bpf.o", build);
	if (access(path, R_OK)) {
		fprintf(stderr,
			"fuzz_xdp: %s: not found (usage: %s BUILD_DIR)\n", path,
			argv[0]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	seed = env_seed ? strtoull(env_seed, NULL, 0) :
			  ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
	rng_state = seed;
	printf("fuzz_xdp: seed %llu (XDPDNS_FUZZ_SEED=%llu repeats this run)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	fflush(stdout);

	if (xdptest_open(&t, 4096)) {
		fprintf(stderr, "fuzz_xdp: %s\n", t.err);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	inet_pton(AF_INET, PKT_SERVER4, svc4);
	inet_pton(AF_INET6, PKT_SERVER6, svc6);

	start = xdptest_now_ns();
	for (i = 0; i < N_ENTRIES; i++)
		if (make_entry(&t, &entries[n_entries], start) == 0)
			n_entries++;
	printf("fuzz_xdp: %u cache entries\n", n_entries);
	if (n_entries < N_ENTRIES / 2) {
		printf("0 passed, 1 failed\n");
		return 1;
	}

	if (xdptest_stats(&t, &before)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	for (it = 0; it < n; it++) {
		static struct pkt p;
		struct xdpdns_cache_entry e;
		struct model md;
		const __u64 *b = (const __u64 *)&before,
			    *a = (const __u64 *)&after;
		unsigned int outcome = XDPDNS_STAT_MAX, moved = 0, k;
		uint32_t verdict = 0;
		uint64_t t0, t1;
		size_t out_len = 0;
		bool have_entry = false, ok = true;
		int err, m;

		if ((it & 1023) == 0 &&
		    xdptest_now_ns() - start > TIME_LIMIT_S * NS_PER_S) {
			fprintf(stderr,
				"fuzz_xdp: time limit after %lu frames\n", it);
			break;
		}
		if (chance(5)) {
			random_frame(&p);
		} else {
			base_query(&p, name_buf);
			if (!chance(35))
				for (m = 1 + (int)rn(3); m; m--)
					mutate(&p);
			if (chance(30))
				pkt_finish(&p);
		}
		model_frame(p.buf, p.len, &md);
		if (md.stage == ST_QUERY)
			have_entry = xdptest_cache_get(&t, &md.key, &e) == 0;

		t0 = xdptest_now_ns();
		err = xdptest_run(&t, p.buf, p.len, out, &out_len, &verdict);
		t1 = xdptest_now_ns();
		if (err) {
			snprintf(why, sizeof(why), "test run failed: %s",
				 strerror(-err));
			report(&tl, why, p.buf, p.len, out, 0, 0);
			continue;
		}
		if (xdptest_stats(&t, &after)) {
			fprintf(stderr, "fuzz_xdp: cannot read counters\n");
			return 1;
		}
		for (k = 0; k < XDPDNS_STAT_MAX; k++) {
			if (a[k] == b[k])
				continue;
			if (k != XDPDNS_STAT_PACKETS &&
			    k != XDPDNS_STAT_QUERIES) {
				outcome = k;
				moved++;
			}
		}
		for (k = 0; k < nc; k++)
			tl.counters[k] += a[k] - b[k];
		if (verdict < ARRAY_SIZE(tl.verdicts))
			tl.verdicts[verdict]++;
		else
			tl.other_verdict++;
		tl.stages[md.stage]++;

		why[0] = 0;
		if (verdict != XDP_PASS && verdict != XDP_TX)
			snprintf(why, sizeof(why), "verdict %u", verdict);
		else if (a[XDPDNS_STAT_PACKETS] - b[XDPDNS_STAT_PACKETS] != 1)
			snprintf(why, sizeof(why), "packets moved by %llu",
				 (unsigned long long)(a[0] - b[0]));
		else if (moved != 1)
			snprintf(why, sizeof(why),
				 "%u outcome counters moved, want 1", moved);
		else if ((a[XDPDNS_STAT_QUERIES] != b[XDPDNS_STAT_QUERIES]) !=
			 (md.stage != ST_NOT_DNS))
			snprintf(why, sizeof(why),
				 "queries %s, model says %s (outcome %s)",
				 a[XDPDNS_STAT_QUERIES] !=
						 b[XDPDNS_STAT_QUERIES] ?
					 "moved" :
					 "did not move",
				 md.stage == ST_NOT_DNS ? "not for us" :
							  "for us",
				 xdptest_stat_name(outcome));
		else if (verdict == XDP_PASS &&
			 (out_len != p.len || memcmp(out, p.buf, p.len)))
			snprintf(why, sizeof(why), "passed frame was modified");
		if (why[0]) {
			report(&tl, why, p.buf, p.len, out, out_len, verdict);
			before = after;
			continue;
		}

		switch (md.stage) {
		case ST_NOT_DNS:
			if (verdict != XDP_PASS || !is_l2l4_reason(outcome))
				ok = false;
			break;
		case ST_BAD_DNS:
			if (verdict != XDP_PASS || !is_dns_reason(outcome))
				ok = false;
			break;
		case ST_QUERY: {
			unsigned int want = XDPDNS_STAT_MISS;
			size_t need, limit;

			if (have_entry) {
				need = 12 + md.question_len + e.data_len +
				       (md.has_opt ? 11 : 0);
				/* the client's size floored at 512, capped at
				 * the size we advertise */
				limit = md.has_opt && md.udp_size > 512 ?
						md.udp_size :
						512;
				if (md.has_opt && limit > XDPTEST_EDNS_SIZE)
					limit = XDPTEST_EDNS_SIZE;
				if (!xdpdns_time_before(t1, e.expire_ns) &&
				    xdpdns_time_before(t0, e.expire_ns))
					want = outcome; /* the clock decides */
				else if (!xdpdns_time_before(t0, e.expire_ns))
					want = XDPDNS_STAT_EXPIRED;
				else if (need > limit)
					want = XDPDNS_STAT_TOO_BIG;
				else
					want = XDPDNS_STAT_HIT;
			}
			if (outcome != want ||
			    (want == XDPDNS_STAT_HIT) != (verdict == XDP_TX))
				ok = false;
			break;
		}
		}
		if (!ok) {
			snprintf(why, sizeof(why),
				 "model says %s, program: %s with %s",
				 md.stage == ST_NOT_DNS ? "not for us" :
				 md.stage == ST_BAD_DNS ? "unservable DNS" :
				 have_entry		? "servable, cached" :
							  "servable, not cached",
				 verdict == XDP_TX ? "XDP_TX" : "XDP_PASS",
				 xdptest_stat_name(outcome));
			report(&tl, why, p.buf, p.len, out, out_len, verdict);
		} else if (verdict == XDP_TX &&
			   xdptest_check_answer(p.buf, p.len, out, out_len, &e,
						t0, t1, why, sizeof(why))) {
			report(&tl, why, p.buf, p.len, out, out_len, verdict);
		} else {
			tl.passed++;
		}
		before = after;
	}

	printf("fuzz_xdp: %lu frames in %.1f s; model: %lu not for us, "
	       "%lu unservable DNS, %lu servable\n",
	       it, (double)(xdptest_now_ns() - start) / 1e9, tl.stages[0],
	       tl.stages[1], tl.stages[2]);
	printf("verdicts: XDP_ABORTED %lu, XDP_DROP %lu, XDP_PASS %lu, "
	       "XDP_TX %lu, XDP_REDIRECT %lu, other %lu\n",
	       tl.verdicts[XDP_ABORTED], tl.verdicts[XDP_DROP],
	       tl.verdicts[XDP_PASS], tl.verdicts[XDP_TX],
	       tl.verdicts[XDP_REDIRECT], tl.other_verdict);
	printf("counters:\n");
	for (i = 0; i < nc; i++)
		if (tl.counters[i])
			printf("  %-20s %llu\n", xdptest_stat_name(i),
			       tl.counters[i]);
	printf("%lu passed, %lu failed\n", tl.passed, tl.failed);
	xdptest_close(&t);
	return tl.failed || it < 100000 ? 1 : 0;
}
