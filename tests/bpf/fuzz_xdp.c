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
 * must hit, miss, be stale or be too big. The model keeps its own copy of
 * what the cache holds (the entry last written for each key, or none):
 * between frames entries are rewritten (other sizes, so other slot
 * classes) and deleted through the cachemap writer, which must agree with
 * the model (cachemap_lookup()), and a few queries meet an index or slot
 * made wrong for that one run (maps/xdpdns.h, "The XDP cache, v2"): a
 * slot whose seqlock says a write is under way is torn (a write during
 * the run needs a writer running alongside: torn_xdp), an index entry
 * naming another generation or another key's slot a miss, one naming no
 * slot a bad entry. On top of that the run goes in
 * phases of a few thousand frames, each with its own config (ACL off, drop
 * or refuse; per-client query bucket, miss budget, network and wider-prefix
 * stages, new-source admission and global miss cap off, never limiting or
 * counted down; a new source's first burst; slip 0..3; dry-run; the
 * prefixes of every stage;
 * sampling 1 in 0, 1 or 3) and clients drawn from allowed, denied, exempt
 * and unlisted addresses; the model keeps its own buckets (see RATE_SLOW)
 * and predicts the verdict, the one outcome counter, and the markers
 * (dryrun, rl_exempt, sampled) of every frame.
 *
 * Checks per frame, each counted once in "N passed, N failed": (0) for a
 * servable query, the writer's copy of its entry is the model's (and each
 * delete between frames finds what the model says); (1) the
 * invariants (valid verdict, packets +1, exactly one outcome, queries as
 * the model says, a passed frame untouched); (2) verdict, outcome and
 * markers as predicted; (3) for XDP_TX, the answer_rcode slot, and the
 * frame: an answer verifies checksums, parses with ldns and equals
 * cache_entry_render(), a bounce (REFUSED or TC=1) is checked byte by byte
 * and with ldns; (4) with sampling on, the ring's one event, field by field.
 * The line before the last counts frames and checks separately.
 *
 * Usage: fuzz_xdp [BUILD_DIR]. XDPDNS_FUZZ_SEED repeats a run,
 * XDPDNS_FUZZ_N sets the number of frames (default 500000).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ldns/ldns.h>

#include "lib/cache_entry.h"
#include "lib/cachemap.h"
#include "lib/cookie.h"
#include "lib/util.h"
#include "tests/lib/pktbuild.h"
#include "tests/lib/xdptest.h"
#include "xdpdns.skel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NS_PER_S 1000000000ULL
#define N_ENTRIES 320
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
	unsigned int kind; /* of make_entry()'s responses */
	/* the model: what was last written for the key, and whether the
	 * cache still holds it (not deleted, not replaced by another
	 * fentry of the same key) */
	bool live;
	struct xdpdns_cache_key key;
	struct xdpdns_cache_entry e;
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

/* The live model entry of @k, or NULL: the cache must not hold it. */
static struct fentry *model_find(const struct xdpdns_cache_key *k)
{
	for (unsigned int i = 0; i < n_entries; i++) {
		struct fentry *f = &entries[i];

		if (f->live && f->key.qtype == k->qtype &&
		    f->key.flags == k->flags && f->key.qclass == k->qclass &&
		    !memcmp(f->key.qname, k->qname, sizeof(k->qname)))
			return f;
	}
	return NULL;
}

/*
 * Builds one random response for @f (a new name and kind when @fresh,
 * else @f's again, so the same key) and writes its entry, which replaces
 * whatever the cache held for the key: in the model too.
 */
static int make_entry(struct xdptest *t, struct fentry *f, uint64_t now,
		      bool fresh)
{
	static char lines[12][640];
	const char *an[13] = { 0 }, *ns[3] = { 0 };
	struct resp_spec s = { 0 };
	struct xdpdns_cache_entry e;
	struct xdpdns_cache_key k;
	unsigned int kind, n, i;
	bool big = false;
	uint64_t stored = now - rn(20) * NS_PER_S;
	struct fentry *old;
	char txt[256];
	uint8_t key_flags;
	int err;

	if (fresh) {
		rand_name(f->qname, sizeof(f->qname));
		f->kind = rn(9);
		key_flags = (uint8_t)rn(4);
	} else {
		key_flags = f->key_flags;
	}
	kind = f->kind;
	s.qname = f->qname;
	s.an = an;
	s.ns = ns;
	s.aa = chance(30);
	s.ad = chance(30);
	switch (kind) {
	case 0:
	case 1:
	case 2: /* A twice as often as AAAA */
		s.qtype = kind == 2 ? "AAAA" : "A";
		n = 1 + rn(kind == 2 ? 3 : 4);
		for (i = 0; i < n; i++) {
			unsigned int last = rn(kind == 2 ? 65536 : 256);

			snprintf(lines[i], sizeof(lines[i]),
				 kind == 2 ? "%s %u IN AAAA 2001:db8::%x" :
					     "%s %u IN A 192.0.2.%u",
				 f->qname, 600 + rn(3600), last);
		}
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
	/* a few entries long stale */
	if (chance(5))
		stored = now - 5000 * NS_PER_S;
	err = xdptest_add(t, &s, key_flags, chance(40), stored, &k, &e);
	if (err)
		return err; /* not written: the cache is as it was */
	old = model_find(&k);
	if (old)
		old->live = false;
	f->qtype = (uint16_t)ldns_get_rr_type_by_name(s.qtype);
	f->key_flags = key_flags;
	f->key = k;
	f->e = e;
	f->live = true;
	return 0;
}

/*
 * Between frames: an entry rewritten (a new response for its key) or
 * deleted, as the model says. Return: 0, or -1 with the reason in @why
 * when the writer disagrees with the model.
 */
static int churn(struct xdptest *t, uint64_t now, char *why, size_t why_len)
{
	struct fentry *f = &entries[rn(n_entries)], *g;
	int err;

	if (chance(60)) {
		make_entry(t, f, now, false);
		return 0;
	}
	g = model_find(&f->key);
	err = xdptest_cache_del(t, &f->key);
	if (err != (g ? 0 : -ENOENT))
		return xdptest_fail(why, why_len,
				    "cachemap_delete(): %d, the model says %s",
				    err, g ? "cached" : "not cached");
	if (g)
		g->live = false;
	return 0;
}

/*
 * The writer's copy of the model's entry @f (NULL: none). Return: 0, or -1
 * with the reason in @why.
 */
static int model_agrees(struct xdptest *t, const struct xdpdns_cache_key *k,
			const struct fentry *f, char *why, size_t why_len)
{
	static struct xdpdns_cache_entry got;
	int err = xdptest_cache_get(t, k, &got);
	const struct xdpdns_cache_entry *e;

	if (!f)
		return err == -ENOENT ?
			       0 :
			       xdptest_fail(
				       why, why_len,
				       "cachemap_lookup(): %d for an entry "
				       "the model does not hold",
				       err);
	if (err)
		return xdptest_fail(why, why_len,
				    "cachemap_lookup(): %d for an entry the "
				    "model holds",
				    err);
	e = &f->e;
	if (got.expire_ns != e->expire_ns || got.stored_ns != e->stored_ns ||
	    got.ttl != e->ttl || got.data_csum != e->data_csum ||
	    got.flags != e->flags || got.ancount != e->ancount ||
	    got.nscount != e->nscount || got.arcount != e->arcount ||
	    got.data_len != e->data_len || got.rr_count != e->rr_count ||
	    got.entry_flags != e->entry_flags ||
	    memcmp(got.ttl_off, e->ttl_off, e->rr_count * sizeof(__u16)) ||
	    memcmp(got.data, e->data, e->data_len) ||
	    memcmp(got.qname, f->key.qname, sizeof(f->key.qname)))
		return xdptest_fail(why, why_len,
				    "cachemap_lookup() differs from the entry "
				    "written last");
	return 0;
}

/*
 * Wrong states of the cache for one run (maps/xdpdns.h, "The XDP cache,
 * v2"), and what the program must make of a servable query that meets
 * one: FAULT_TORN, the slot's sequence odd (a write under way): torn,
 * passed; FAULT_GEN, the index naming another generation of the slot, and
 * FAULT_OTHER, another key's slot: a miss; FAULT_NOSLOT, a slot past the
 * class's last, and FAULT_CLASS, a class that does not exist: a bad entry.
 */
enum fault {
	FAULT_NONE,
	FAULT_TORN,
	FAULT_GEN,
	FAULT_OTHER,
	FAULT_NOSLOT,
	FAULT_CLASS,
	FAULT_NUM,
};

static const unsigned int fault_outcome[FAULT_NUM] = {
	[FAULT_TORN] = XDPDNS_STAT_TORN,
	[FAULT_GEN] = XDPDNS_STAT_MISS,
	[FAULT_OTHER] = XDPDNS_STAT_MISS,
	[FAULT_NOSLOT] = XDPDNS_STAT_BAD_ENTRY,
	[FAULT_CLASS] = XDPDNS_STAT_BAD_ENTRY,
};

/* What fault_set() changed, for fault_undo(). */
struct fault_state {
	enum fault f;
	struct xdpdns_cache_mkey mk;
	struct xdpdns_cache_ref ref;
	struct xdpdns_slot_hdr *h;
	__u32 seq;
};

/*
 * Makes fault @f for key @k, which the cache holds: the model's own entry
 * @other (not @k's) gives FAULT_OTHER its slot. Return: 0, or -errno.
 */
static int fault_set(struct xdptest *t, const struct xdpdns_cache_key *k,
		     const struct fentry *other, struct fault_state *fs)
{
	struct xdpdns_hash_key hk = xdptest_hash_key(t);
	struct xdpdns_cache_ref ref;
	struct xdpdns_cache_mkey omk;

	if (xdpdns_cache_mkey_from_key(&hk, k, &fs->mk) ||
	    bpf_map_lookup_elem(t->cache_fd, &fs->mk, &fs->ref))
		return -ENOENT;
	ref = fs->ref;
	switch (fs->f) {
	case FAULT_TORN:
		fs->h = cachemap_slot_of(xdptest_cachemap(t), k, NULL);
		if (!fs->h)
			return -ENOENT;
		fs->seq = __atomic_load_n(&fs->h->seq, __ATOMIC_RELAXED);
		__atomic_store_n(&fs->h->seq, fs->seq | 1, __ATOMIC_RELAXED);
		return 0;
	case FAULT_GEN:
		ref.gen++;
		break;
	case FAULT_OTHER:
		if (!other->live ||
		    xdpdns_cache_mkey_from_key(&hk, &other->key, &omk) ||
		    !memcmp(&omk, &fs->mk, sizeof(omk)) ||
		    bpf_map_lookup_elem(t->cache_fd, &omk, &ref))
			return -ENOENT;
		break;
	case FAULT_NOSLOT:
		ref.loc = XDPDNS_REF_LOC(XDPDNS_REF_CLS(ref.loc),
					 t->slots[XDPDNS_REF_CLS(ref.loc)]);
		break;
	default:
		ref.loc = XDPDNS_REF_LOC(XDPDNS_SLOT_CLASSES + rn(12),
					 XDPDNS_REF_SLOT(ref.loc));
		break;
	}
	if (bpf_map_update_elem(t->cache_fd, &fs->mk, &ref, BPF_EXIST))
		return -errno;
	return 0;
}

static int fault_undo(struct xdptest *t, struct fault_state *fs)
{
	if (fs->f == FAULT_TORN) {
		__atomic_store_n(&fs->h->seq, fs->seq, __ATOMIC_RELAXED);
		return 0;
	}
	if (bpf_map_update_elem(t->cache_fd, &fs->mk, &fs->ref, BPF_EXIST))
		return -errno;
	return 0;
}

/* --- the reference model ---------------------------------------------- */

enum stage {
	ST_NOT_DNS, /* not for us, or a defect below DNS */
	ST_BAD_DNS, /* reached DNS parsing, not a servable query */
	ST_QUERY, /* a servable query */
};

struct model {
	enum stage stage;
	/* ST_NOT_DNS, but UDP (or an IPv6 extension header) to a service
	 * address: it pays the ACL and the limits, never bounced. */
	bool odd;
	/* ST_NOT_DNS, TCP to port 53 of a service address: the ACL only. */
	bool tcp;
	struct xdpdns_cache_key key;
	bool has_opt;
	bool do_bit;
	bool name_ok; /* header and qname parse: the key's name is known */
	bool parseable; /* all of the question and OPT parse, RD aside */
	uint16_t udp_size;
	uint16_t flags; /* DNS header flags word */
	size_t qlen; /* wire length of the qname */
	size_t question_len;
	int dns_off;
	size_t dns_len;
	int family; /* of the source address, 0 before L3 */
	uint8_t src[16];
	/* DNS cookies, in a phase with them on (model_cookie()): the
	 * verdict, whether the query's option is as long as ours (a bounce
	 * may carry ours), and the COOKIE option data's frame offset. */
	int cookie;
	bool cookie_fits;
	size_t cookie_at, cookie_len;
};

static uint8_t svc4[4], svc6[16];

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/*
 * The DNS payload @m of @n bytes, of which @avail are in the frame (the
 * qname is read against the frame, the rest against the UDP length):
 * ST_BAD_DNS or ST_QUERY, and name_ok/parseable for the bounces, which
 * answer a query with RD clear too.
 */
static enum stage model_dns(const uint8_t *m, size_t n, size_t avail,
			    struct model *md)
{
	size_t off = 12, kn = 0, end;
	uint16_t flags;

	if (n < 12)
		return ST_BAD_DNS;
	flags = be16(m + 2);
	md->flags = flags;
	if (flags & (DNS_F_QR | DNS_F_OPCODE | DNS_F_TC))
		return ST_BAD_DNS;
	if (be16(m + 4) != 1 || be16(m + 6) || be16(m + 8) || be16(m + 10) > 1)
		return ST_BAD_DNS;
	for (;;) {
		uint8_t l;

		if (off >= avail)
			return ST_BAD_DNS;
		l = m[off];
		if (l > 63 || kn + 1 + l > DNS_NAME_MAX || off + 1 + l > avail)
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
	md->name_ok = true;
	md->qlen = kn;
	if (off + 4 > n || be16(m + off + 2) != 1)
		return ST_BAD_DNS;
	md->key.qtype = be16(m + off);
	md->key.qclass = 1;
	off += 4;
	md->question_len = off - 12;
	if (flags & DNS_F_CD)
		md->key.flags |= XDPDNS_KEY_CD;
	if (be16(m + 10) == 0) {
		if (off != n)
			return ST_BAD_DNS;
	} else {
		/* OPT: root owner, type 41, version 0, last; options not
		 * parsed */
		if (off + 11 > n || m[off] != 0 || be16(m + off + 1) != 41 ||
		    m[off + 6] != 0)
			return ST_BAD_DNS;
		md->has_opt = true;
		md->udp_size = be16(m + off + 3);
		md->do_bit = m[off + 7] & 0x80;
		if (md->do_bit)
			md->key.flags |= XDPDNS_KEY_DO;
		end = off + 11 + be16(m + off + 9);
		if (end != n)
			return ST_BAD_DNS;
	}
	md->parseable = true;
	return (flags & DNS_F_RD) ? ST_QUERY : ST_BAD_DNS;
}

static void model_frame(const uint8_t *f, size_t len, struct model *md)
{
	size_t off = 14, l3, l4, ulen, plen;
	int tags = 0, tcp_family = 0;
	uint16_t type;

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
	/* tcp_to_port() in xdpdns.bpf.c: TCP to the port of a service
	 * address, IPv4 with options and MF but no offset, IPv6 plain. */
	if (type == 0x0800 && l3 + 20 <= len && (f[l3] >> 4) == 4 &&
	    f[l3 + 9] == 6 && (f[l3] & 15) >= 5 && !(be16(f + l3 + 6) & 0x1fff))
		tcp_family = 4;
	else if (type == 0x86dd && l3 + 40 <= len && (f[l3] >> 4) == 6 &&
		 f[l3 + 6] == 6)
		tcp_family = 6;
	if (tcp_family) {
		size_t alen = tcp_family == 4 ? 4 : 16;
		size_t t = l3 + (tcp_family == 4 ? (f[l3] & 15) * 4u : 40);
		size_t src = l3 + (tcp_family == 4 ? 12 : 8);

		if (t + 20 <= len && be16(f + t + 2) == 53 &&
		    !memcmp(f + src + alen, tcp_family == 4 ? svc4 : svc6,
			    alen)) {
			md->tcp = true;
			md->family = tcp_family;
			memcpy(md->src, f + src, alen);
		}
		return;
	}
	/* In parse_ipv4()/parse_ipv6()'s order: which defect is seen first
	 * decides whether the frame is for a service address at all. */
	if (type == 0x0800) {
		bool ours;
		unsigned int ihl;
		uint16_t tot;

		if (l3 + 20 > len || (f[l3] >> 4) != 4 || f[l3 + 9] != 17)
			return;
		ours = !memcmp(f + l3 + 16, svc4, 4);
		md->family = 4;
		memcpy(md->src, f + l3 + 12, 4);
		ihl = f[l3] & 15;
		l4 = l3 + 20;
		if (ihl != 5 || (be16(f + l3 + 6) & 0x3fff) || l4 + 8 > len) {
			md->odd = ours;
			return;
		}
		if (be16(f + l4 + 2) != 53)
			return;
		tot = be16(f + l3 + 2);
		if (tot < 28 || l3 + tot > len) {
			md->odd = ours;
			return;
		}
		plen = tot - 20u;
		if (!ours)
			return;
	} else if (type == 0x86dd) {
		bool ours;
		uint8_t nh;

		if (l3 + 40 > len || (f[l3] >> 4) != 6)
			return;
		ours = !memcmp(f + l3 + 24, svc6, 16);
		md->family = 6;
		memcpy(md->src, f + l3 + 8, 16);
		nh = f[l3 + 6];
		l4 = l3 + 40;
		if (nh != 17) {
			/* RFC 8200 4.1: hop-by-hop, routing, fragment, AH,
			 * destination options, MH, HIP, Shim6 */
			md->odd = ours && (nh == 0 || nh == 43 || nh == 44 ||
					   nh == 51 || nh == 60 || nh == 135 ||
					   nh == 139 || nh == 140);
			return;
		}
		if (l4 + 8 > len) {
			md->odd = ours;
			return;
		}
		if (be16(f + l4 + 2) != 53)
			return;
		plen = be16(f + l3 + 4);
		if (l4 + plen > len) {
			md->odd = ours;
			return;
		}
		if (!ours)
			return;
	} else {
		return;
	}
	ulen = be16(f + l4 + 4);
	if (ulen != plen || ulen < 8) {
		md->odd = true;
		return;
	}
	md->dns_off = (int)(l4 + 8);
	md->dns_len = ulen - 8;
	md->stage = model_dns(f + l4 + 8, ulen - 8, len - (l4 + 8), md);
}

/*
 * cookie_find() of bpf/cookie.bpf.h, on the frame: the first COOKIE option
 * among the first eight of an OPT record that ends the datagram, after a
 * question of one name hopped label by label, in a message of one question
 * and one additional record. Looked at whatever else is wrong with the
 * query (the program checks cookies before it parses the question).
 */
#define COOKIE_QTAIL_MAX \
	(14 + 2 * 4 + 40 + 8 + 12 + 255) /* DNS_QTAIL_OFF_MAX */

static bool model_cookie_find(const uint8_t *f, size_t len,
			      const struct model *md, size_t *at, size_t *olen)
{
	size_t d = (size_t)md->dns_off, end = d + md->dns_len, off, start, n;
	unsigned int i;

	if (d + 12 > len || be16(f + d + 4) != 1 || be16(f + d + 6) ||
	    be16(f + d + 8) || be16(f + d + 10) != 1)
		return false;
	off = start = d + 12;
	for (i = 0;; i++) {
		if (i == 128 || off + 1 > len)
			return false;
		if (f[off] == 0) {
			off++;
			break;
		}
		if (f[off] > 63)
			return false;
		off += f[off] + 1u;
		if (off - start >= DNS_NAME_MAX || off > COOKIE_QTAIL_MAX)
			return false;
	}
	off += 4;
	if (off > XDPDNS_COOKIE_OFF_MAX || off + 11 > len || f[off] ||
	    f[off + 1] || f[off + 2] != 41)
		return false;
	n = be16(f + off + 9);
	off += 11;
	if (off + n != end)
		return false;
	for (i = 0; i < XDPDNS_COOKIE_OPTS_MAX; i++) {
		if (off + 4 > end || off > XDPDNS_COOKIE_OFF_MAX ||
		    off + 4 > len)
			return false;
		n = be16(f + off + 2);
		if (off + 4 + n > end)
			return false;
		if (be16(f + off) == DNS_OPT_COOKIE) {
			*at = off + 4;
			*olen = n;
			return true;
		}
		off += 4 + n;
	}
	return false;
}

/* The cookie verdict the program reaches on frame @f (cookies on). */
static void model_cookie(const uint8_t *f, size_t len,
			 const struct xdpdns_cookie_keys *ck, struct model *md)
{
	uint8_t reply[XDPDNS_COOKIE_LEN];

	md->cookie = XDPDNS_COOKIE_NONE;
	if (!model_cookie_find(f, len, md, &md->cookie_at, &md->cookie_len))
		return;
	md->cookie = cookie_check(ck, f + md->cookie_at, md->cookie_len,
				  cookie_unix_now(), md->family, md->src,
				  reply);
	md->cookie_fits = md->cookie_len >= XDPDNS_COOKIE_LEN;
}

/* Whether the replies to the frame of @md carry our COOKIE option. */
static bool model_reply_cookie(const struct model *md)
{
	return md->has_opt && (md->cookie == XDPDNS_COOKIE_CLIENT ||
			       md->cookie == XDPDNS_COOKIE_VALID ||
			       md->cookie == XDPDNS_COOKIE_INVALID);
}

/*
 * The COOKIE option data ending @out (@out_len bytes), checked to be what
 * lib/cookie.c makes for the frame of @md at a second of [@u0 - 1, @u1].
 * Return: 0, or -1 with the reason in @why.
 */
static int check_reply_cookie(const uint8_t *in, const uint8_t *out,
			      size_t out_len, const struct model *md,
			      const struct xdpdns_cookie_keys *ck, uint32_t u0,
			      uint32_t u1, uint8_t *got, char *why,
			      size_t why_len)
{
	uint8_t want[XDPDNS_COOKIE_LEN];

	if (out_len < 4 + XDPDNS_COOKIE_LEN ||
	    be16(out + out_len - 4 - XDPDNS_COOKIE_LEN) != DNS_OPT_COOKIE ||
	    be16(out + out_len - 2 - XDPDNS_COOKIE_LEN) != XDPDNS_COOKIE_LEN)
		return xdptest_fail(why, why_len,
				    "no COOKIE option at the end");
	memcpy(got, out + out_len - XDPDNS_COOKIE_LEN, XDPDNS_COOKIE_LEN);
	for (uint32_t t = u0 - 1; t <= u1; t++) {
		cookie_check(ck, in + md->cookie_at, md->cookie_len, t,
			     md->family, md->src, want);
		if (!memcmp(want, got, sizeof(want)))
			return 0;
	}
	return xdptest_fail(why, why_len,
			    "the reply's COOKIE is not lib/cookie.c's");
}

/* --- the limits: lists, phases and the model's buckets ------------------- */

/*
 * Client classes by address: 10.<class>.x.y and 2001:db8:<class>00::/40.
 * The lists below make class 1 allowed, 2 allowed but denied (deny wins),
 * 4 allowed and exempt, 130 exempt but not allowed (the ACL comes first),
 * 200 and everything else (the builder's default client, mutated sources)
 * in neither list.
 */
struct prefix {
	int family;
	uint8_t addr[16];
	unsigned int len;
};

#define V6P(c)                            \
	{                                 \
		0x20, 0x01, 0x0d, 0xb8, c \
	}
static const struct prefix allow_list[] = {
	{ 4, { 10, 0 }, 9 },
	{ 6, V6P(0), 33 },
};
static const struct prefix deny_list[] = {
	{ 4, { 10, 2 }, 16 },
	{ 6, V6P(2), 40 },
};
static const struct prefix exempt_list[] = {
	{ 4, { 10, 4 }, 16 },
	{ 4, { 10, 130 }, 16 },
	{ 6, V6P(4), 40 },
	{ 6, V6P(130), 40 },
};
static const uint8_t client_classes[] = { 1, 1, 1, 2, 4, 130, 200 };

/* Does the first @bits bits of @a equal @b's? */
static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int i;

	for (i = 0; i < bits / 8; i++)
		if (a[i] != b[i])
			return false;
	return !(bits % 8) ||
	       !((a[i] ^ b[i]) & (uint8_t)(0xff00 >> (bits % 8)));
}

static bool list_has(const struct prefix *l, size_t n, const struct model *md)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i].family == md->family &&
		    bits_equal(l[i].addr, md->src, l[i].len))
			return true;
	return false;
}

#define LIST_HAS(l, md) list_has(l, ARRAY_SIZE(l), md)

static int list_install(int fd, const struct prefix *l, size_t n)
{
	struct xdpdns_lpm_key k;
	__u32 one = 1;
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&k, 0, sizeof(k));
		k.prefixlen = 32 + l[i].len;
		k.family = (__u32)l[i].family;
		memcpy(k.addr, l[i].addr, 16);
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

/*
 * Rates are one of three kinds, so that every decision is exact whatever
 * the kernel's clock says: 0 (off), RATE_HUGE (on, interval 0: never
 * limits) and RATE_SLOW (one query a second): a fresh bucket admits
 * max(burst, 1) queries and then nothing until a second after its first
 * query. Phases are short (a few thousand frames, milliseconds) and every
 * phase starts from empty buckets; a frame that ends PHASE_WINDOW_NS or
 * more after its phase began is "clock-decided" (counted, not predicted).
 */
#define RATE_HUGE 0xffffffffu
#define RATE_SLOW 1u
#define PHASE_WINDOW_NS NS_PER_S
#define PHASE_FRAMES_MIN 500
#define PHASE_FRAMES_RAND 2500
#define POOL_MAX 256
#define BUCKETS 16384 /* more than a phase's frames: never full */

struct mbucket {
	bool used;
	bool known; /* the program's table holds the entry */
	struct xdpdns_rl_key key;
	unsigned int rl_taken, miss_taken;
	unsigned long slip_ctr;
};

struct phase {
	struct xdpdns_config cfg;
	uint64_t start;
	unsigned long frames_left;
	bool slow; /* some bucket is RATE_SLOW */
	bool clock; /* the window passed: the rest is clock-decided */
	unsigned int pool_n;
	uint8_t pool[POOL_MAX][16];
	int pool_family[POOL_MAX];
	unsigned int gmiss_taken;
	unsigned int new_taken; /* the new-source admission bucket */
	bool cookies; /* XDPDNS_CFG_COOKIE, secrets in ck */
	struct xdpdns_cookie_keys ck;
	struct mbucket buckets[BUCKETS];
};

static uint32_t rand_rate(uint32_t *burst, unsigned int burst_max)
{
	*burst = rn(burst_max + 1);
	switch (rn(3)) {
	case 0:
		return 0;
	case 1:
		return RATE_HUGE;
	}
	return RATE_SLOW;
}

/* A new phase: its config in the map, empty buckets on both sides. */
static int phase_start(struct xdptest *t, struct phase *ph)
{
	static const uint8_t v4p[] = { 0, 32, 24 }, v6p[] = { 0, 128, 64 };
	static const uint8_t net4[] = { 0, 24, 16 }, net6[] = { 0, 64, 40 };
	static const uint8_t wide4[] = { 0, 20, 8 }, wide6[] = { 0, 56, 33 };
	static const uint32_t firsts[] = { 0, 0, 1, 2, 5 };
	static const uint32_t samples[] = { 0, 1, 1, 3 };
	struct xdpdns_config *c = &ph->cfg;
	struct xdpdns_gmiss_state g = { 0 };
	struct xdpdns_rl_key k, next;
	__u32 zero = 0;
	unsigned int i;
	int err;

	*c = xdptest_config();
	if (!chance(20)) { /* else all off, as the program ships */
		c->flags = (uint32_t[]){ 0, XDPDNS_CFG_ACL,
					 XDPDNS_CFG_ACL |
						 XDPDNS_CFG_ACL_REFUSE }[rn(3)];
		if (chance(15))
			c->flags |= XDPDNS_CFG_RL_DRYRUN;
		c->rl_rate = rand_rate(&c->rl_burst, 9);
		c->miss_rate = rand_rate(&c->miss_burst, 9);
		c->gmiss_rate = rand_rate(&c->gmiss_burst, 300);
		c->slip = (uint8_t)rn(4);
		c->v4_prefix = v4p[rn(ARRAY_SIZE(v4p))];
		c->v6_prefix = v6p[rn(ARRAY_SIZE(v6p))];
		c->sample_rate = samples[rn(ARRAY_SIZE(samples))];
		c->net_rate = rand_rate(&c->net_burst, 20);
		c->wide_rate = rand_rate(&c->wide_burst, 40);
		c->new_rate = rand_rate(&c->new_burst, 60);
		c->new_first = firsts[rn(ARRAY_SIZE(firsts))];
		c->net_v4_prefix = net4[rn(ARRAY_SIZE(net4))];
		c->net_v6_prefix = net6[rn(ARRAY_SIZE(net6))];
		c->wide_v4_prefix = wide4[rn(ARRAY_SIZE(wide4))];
		c->wide_v6_prefix = wide6[rn(ARRAY_SIZE(wide6))];
	}
	/* DNS cookies, in a third of the phases: one or two secrets, a
	 * policy for invalid ones and a rate for the cookie stage. */
	ph->cookies = chance(35);
	memset(&ph->ck, 0, sizeof(ph->ck));
	if (ph->cookies) {
		c->flags |= XDPDNS_CFG_COOKIE;
		c->cookie_invalid = (uint8_t)rn(3);
		c->cookie_rate = rand_rate(&c->cookie_burst, 9);
		ph->ck.nsecrets = 1 + rn(2);
		for (i = 0; i < ph->ck.nsecrets; i++) {
			ph->ck.secret[i].k0 = rnd();
			ph->ck.secret[i].k1 = rnd();
		}
		ph->ck.unix_offset_ns = cookie_unix_offset();
		if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.xdpdns_cookie),
					&zero, &ph->ck, BPF_ANY))
			return -errno;
	}
	ph->slow = c->rl_rate == RATE_SLOW || c->miss_rate == RATE_SLOW ||
		   c->gmiss_rate == RATE_SLOW || c->net_rate == RATE_SLOW ||
		   c->wide_rate == RATE_SLOW || c->new_rate == RATE_SLOW ||
		   c->cookie_rate == RATE_SLOW;
	ph->clock = false;
	ph->frames_left = PHASE_FRAMES_MIN + rn(PHASE_FRAMES_RAND);
	ph->pool_n = 1 + rn(chance(50) ? 16 : POOL_MAX);
	for (i = 0; i < ph->pool_n; i++) {
		uint8_t *a = ph->pool[i],
			cls = client_classes[rn(ARRAY_SIZE(client_classes))];
		unsigned int idx = rn(256);

		memset(a, 0, 16);
		ph->pool_family[i] = chance(50) ? 4 : 6;
		if (ph->pool_family[i] == 4) {
			a[0] = 10;
			a[1] = cls;
			a[2] = (uint8_t)(idx >> 7);
			a[3] = (uint8_t)(1 + (idx & 127));
		} else {
			memcpy(a, (uint8_t[])V6P(cls), 5);
			a[7] = (uint8_t)(idx >> 7);
			a[15] = (uint8_t)(1 + (idx & 127));
		}
	}
	ph->gmiss_taken = 0;
	ph->new_taken = 0;
	memset(ph->buckets, 0, sizeof(ph->buckets));

	err = xdptest_set_config(t, c);
	if (err)
		return err;
	if (bpf_map_update_elem(t->gmiss_fd, &zero, &g, BPF_ANY))
		return -errno;
	while (!bpf_map_get_next_key(t->rl_fd, NULL, &next)) {
		k = next;
		if (bpf_map_delete_elem(t->rl_fd, &k))
			return -errno;
	}
	ph->start = xdptest_now_ns();
	return 0;
}

/*
 * The model's bucket of the client of @md in @stage, keyed as the program
 * keys its entry: the address masked to the stage's prefix (0 in the config:
 * /32 and /128, /24 and /64, /20 and /56).
 */
static struct mbucket *bucket_get(struct phase *ph, const struct model *md,
				  uint8_t stage)
{
	const struct xdpdns_config *c = &ph->cfg;
	unsigned int bits, i, h, n;
	struct xdpdns_rl_key k = { .family = (__u16)md->family,
				   .stage = stage };
	bool v4 = md->family == 4;

	if (stage == XDPDNS_RL_NET)
		bits = v4 ? (c->net_v4_prefix ? c->net_v4_prefix : 24) :
			    (c->net_v6_prefix ? c->net_v6_prefix : 64);
	else if (stage == XDPDNS_RL_WIDE)
		bits = v4 ? (c->wide_v4_prefix ? c->wide_v4_prefix : 20) :
			    (c->wide_v6_prefix ? c->wide_v6_prefix : 56);
	else
		bits = v4 ? (c->v4_prefix ? c->v4_prefix : 32) :
			    (c->v6_prefix ? c->v6_prefix : 128);
	k.plen = (uint8_t)bits;
	for (i = 0; i < 16 && i * 8 < bits; i++)
		k.addr[i] = md->src[i] &
			    (bits >= 8 * i + 8 ?
				     0xff :
				     (uint8_t)(0xff00 >> (bits % 8)));
	h = util_hash(UTIL_HASH_INIT, &k, sizeof(k));
	for (n = 0; n < BUCKETS; n++, h++) {
		struct mbucket *b = &ph->buckets[h % BUCKETS];

		if (!b->used) {
			b->used = true;
			b->key = k;
			return b;
		}
		if (!memcmp(&b->key, &k, sizeof(k)))
			return b;
	}
	abort(); /* BUCKETS > frames of a phase */
}

/* One token of a bucket that has given @taken; see RATE_SLOW. */
static bool take(uint32_t rate, uint32_t burst, unsigned int *taken)
{
	if (rate == RATE_HUGE)
		return true;
	if (*taken >= (burst ? burst : 1))
		return false;
	(*taken)++;
	return true;
}

/*
 * Tokens a new entry's bucket starts without (xdpdns_gcra_start() in
 * maps/xdpdns.h): a first burst below the depth leaves depth - first.
 */
static unsigned int first_taken(uint32_t rate, uint32_t burst, uint32_t first)
{
	uint32_t depth = burst ? burst : 1;

	return rate && first && first < depth ? depth - first : 0;
}

/*
 * limit_host(): a host the table does not hold takes a token of the
 * admission bucket (refused: *@refused, and no entry unless in dry-run),
 * and its buckets start with the first burst. Returns false when the query
 * is dropped for it.
 */
static bool admit(struct phase *ph, struct mbucket *b, bool *refused)
{
	const struct xdpdns_config *c = &ph->cfg;

	*refused = false;
	if (b->known)
		return true;
	if (c->new_rate && !take(c->new_rate, c->new_burst, &ph->new_taken)) {
		*refused = true;
		if (!(c->flags & XDPDNS_CFG_RL_DRYRUN))
			return false;
	}
	b->known = true;
	b->rl_taken = first_taken(c->rl_rate, c->rl_burst, c->new_first);
	b->miss_taken = first_taken(c->miss_rate, c->miss_burst, c->new_first);
	return true;
}

/*
 * An outsider's REFUSED is metered by admission and its own query bucket
 * (only when not in dry-run). Returns false when it is dropped instead.
 */
static bool refuse_metered(struct phase *ph, const struct model *md)
{
	const struct xdpdns_config *c = &ph->cfg;
	struct mbucket *b;
	bool refused;

	if (!(c->rl_rate || c->new_rate) || (c->flags & XDPDNS_CFG_RL_DRYRUN))
		return true;
	b = bucket_get(ph, md, XDPDNS_RL_HOST);
	if (!admit(ph, b, &refused))
		return false;
	return !c->rl_rate || take(c->rl_rate, c->rl_burst, &b->rl_taken);
}

/* What the program must do with one frame. */
struct pred {
	uint32_t verdict;
	unsigned int reason; /* XDPDNS_STAT_*, or REASON_DNS */
	uint16_t bounce; /* XDP_TX bounce: DNS_F_TC or rcode REFUSED */
	bool dryrun, exempt;
	bool ev_qname; /* the sampled event names the query */
	bool ev_qtype;
};

#define REASON_DNS XDPDNS_STAT_MAX /* one of the DNS parse reasons */
#define REASON_L2L4 (XDPDNS_STAT_MAX + 1) /* one of the reasons below DNS */
#define RCODE_REFUSED 5

/* A bounce tried (TC=1 or REFUSED), which needs the whole question. */
static void pred_bounce(struct pred *pr, const struct model *md,
			unsigned int drop, unsigned int tx, uint16_t flags)
{
	pr->ev_qname = md->name_ok;
	pr->ev_qtype = md->parseable;
	if (md->parseable) {
		pr->verdict = XDP_TX;
		pr->reason = tx;
		pr->bounce = flags;
	} else {
		pr->verdict = XDP_DROP;
		pr->reason = drop;
	}
}

/*
 * A query over a per-client limit (limit.bpf.h's limit_over()): counted for
 * slip, then dry-run (returns false: it goes on) or dropped, with every
 * slip-th one bounced TC=1.
 */
static bool pred_over(struct pred *pr, const struct phase *ph,
		      struct mbucket *b, const struct model *md,
		      unsigned int drop, unsigned int tx)
{
	uint8_t slip = ph->cfg.slip;

	if (slip > 1)
		b->slip_ctr++;
	if (ph->cfg.flags & XDPDNS_CFG_RL_DRYRUN) {
		pr->dryrun = true;
		return false;
	}
	if (slip == 1 || (slip > 1 && b->slip_ctr % slip == 0)) {
		pred_bounce(pr, md, drop, tx, DNS_F_TC);
	} else {
		pr->verdict = XDP_DROP;
		pr->reason = drop;
	}
	return true;
}

/*
 * A prefix stage (xdpdns_limit_stage()) for a query its host bucket passed:
 * 0 when it goes on, 1 when limited (@pr says how), 2 when limited in
 * dry-run (it goes on unlimited, no further stage).
 */
static int pred_stage(struct pred *pr, struct phase *ph, const struct model *md,
		      uint8_t stage)
{
	const struct xdpdns_config *c = &ph->cfg;
	bool wide = stage == XDPDNS_RL_WIDE;
	uint32_t rate = wide ? c->wide_rate : c->net_rate;
	struct mbucket *sb;

	if (!rate)
		return 0;
	sb = bucket_get(ph, md, stage);
	if (take(rate, wide ? c->wide_burst : c->net_burst, &sb->rl_taken))
		return 0;
	if (wide)
		return pred_over(pr, ph, sb, md, XDPDNS_STAT_WIDE_DROPPED,
				 XDPDNS_STAT_WIDE_SLIPPED) ?
			       1 :
			       2;
	return pred_over(pr, ph, sb, md, XDPDNS_STAT_NET_DROPPED,
			 XDPDNS_STAT_NET_SLIPPED) ?
		       1 :
		       2;
}

/*
 * The whole decision for a frame that reached DNS (the model's stage is
 * not ST_NOT_DNS), from the README's "How a query travels": ACL, exemption,
 * new-source admission, the query bucket, the network and wider-prefix
 * stages, the cache (@base, @base_tx: what the cache part says),
 * and for a query bound for the daemon the miss budget and the global cap.
 * Updates the model's buckets as the program must update its own.
 */
static void predict(struct phase *ph, const struct model *md, unsigned int base,
		    bool base_tx, struct pred *pr)
{
	const struct xdpdns_config *c = &ph->cfg;
	bool limits = c->rl_rate || c->miss_rate || c->gmiss_rate ||
		      c->net_rate || c->wide_rate || c->new_rate ||
		      c->cookie_rate;
	bool miss = false, dry = c->flags & XDPDNS_CFG_RL_DRYRUN, refused;
	struct mbucket *b = NULL;
	int r;

	memset(pr, 0, sizeof(*pr));
	if ((c->flags & XDPDNS_CFG_ACL) &&
	    (LIST_HAS(deny_list, md) || !LIST_HAS(allow_list, md))) {
		/* REFUSED comes out of the outsider's own query bucket */
		if ((c->flags & XDPDNS_CFG_ACL_REFUSE) &&
		    !refuse_metered(ph, md))
			pr->verdict = XDP_DROP;
		else if (c->flags & XDPDNS_CFG_ACL_REFUSE)
			pred_bounce(pr, md, XDPDNS_STAT_ACL_DROPPED,
				    XDPDNS_STAT_ACL_REFUSED, RCODE_REFUSED);
		else
			pr->verdict = XDP_DROP;
		if (pr->verdict == XDP_DROP)
			pr->reason = XDPDNS_STAT_ACL_DROPPED;
		return;
	}
	if (limits && LIST_HAS(exempt_list, md)) {
		pr->exempt = true;
	} else if (limits && md->cookie == XDPDNS_COOKIE_VALID) {
		/* A valid server cookie: its own bucket, nothing else. */
		miss = true;
		b = bucket_get(ph, md, XDPDNS_RL_COOKIE);
		if (c->cookie_rate &&
		    !take(c->cookie_rate, c->cookie_burst, &b->rl_taken)) {
			if (pred_over(pr, ph, b, md, XDPDNS_STAT_COOKIE_DROPPED,
				      XDPDNS_STAT_COOKIE_SLIPPED))
				return;
			miss = false; /* dry-run: it goes on unlimited */
		}
	} else if (limits) {
		miss = true;
		if (c->rl_rate || c->miss_rate || c->net_rate || c->wide_rate ||
		    c->new_rate)
			b = bucket_get(ph, md, XDPDNS_RL_HOST);
		if (b && !admit(ph, b, &refused)) {
			pr->verdict = XDP_DROP;
			pr->reason = XDPDNS_STAT_NEW_DROPPED;
			return;
		}
		if (b && refused) {
			pr->dryrun = true; /* dry-run: admission would drop */
			miss = false;
		} else if (c->rl_rate &&
			   !take(c->rl_rate, c->rl_burst, &b->rl_taken)) {
			if (pred_over(pr, ph, b, md, XDPDNS_STAT_RL_DROPPED,
				      XDPDNS_STAT_RL_SLIPPED))
				return;
			miss = false; /* dry-run: it goes on unlimited */
		} else if (b) {
			r = pred_stage(pr, ph, md, XDPDNS_RL_NET);
			if (!r)
				r = pred_stage(pr, ph, md, XDPDNS_RL_WIDE);
			if (r == 1)
				return;
			if (r == 2)
				miss = false;
		}
	}

	pr->verdict = base_tx ? XDP_TX : XDP_PASS;
	pr->reason = base;
	pr->ev_qname = md->name_ok;
	/* A malformed COOKIE is passed before the question's tail is read. */
	pr->ev_qtype = md->stage == ST_QUERY &&
		       base != XDPDNS_STAT_COOKIE_MALFORMED;
	if (base_tx || !miss || !(c->miss_rate || c->gmiss_rate))
		return;
	if (c->miss_rate &&
	    !take(c->miss_rate, c->miss_burst, &b->miss_taken)) {
		/* over, or in dry-run on unlimited: no global cap drawn */
		pred_over(pr, ph, b, md, XDPDNS_STAT_MISS_DROPPED,
			  XDPDNS_STAT_MISS_SLIPPED);
		return;
	}
	if (c->gmiss_rate &&
	    !take(c->gmiss_rate, c->gmiss_burst, &ph->gmiss_taken)) {
		if (dry) {
			pr->dryrun = true;
		} else {
			pr->verdict = XDP_DROP;
			pr->reason = XDPDNS_STAT_GMISS_DROPPED;
		}
	}
}

/* --- queries and mutations --------------------------------------------- */

/*
 * EDNS options with a COOKIE for the phase's secrets @ck, from @src (IPv@fam)
 * into @o: a client cookie alone, a server cookie of ours made now with
 * either secret, someone else's, a short one, a malformed length, or
 * one after a padding option. Return: the options' length.
 */
static size_t cookie_opts(uint8_t *o, const struct xdpdns_cookie_keys *ck,
			  int fam, const char *src)
{
	static const uint8_t bad_lens[] = { 0, 1, 5, 7, 9, 12, 15, 41, 44 };
	uint8_t addr[16] = { 0 }, *c;
	size_t n = 0, len = XDPDNS_COOKIE_LEN, i;
	unsigned int kind = rn(100);

	inet_pton(fam == 6 ? AF_INET6 : AF_INET,
		  src	   ? src :
		  fam == 6 ? PKT_CLIENT6 :
			     PKT_CLIENT4,
		  addr);
	if (chance(10)) {
		memcpy(o, (uint8_t[]){ 0, 12, 0, 2, 0, 0 }, 6);
		n = 6;
	}
	c = o + n + 4;
	for (i = 0; i < XDPDNS_COOKIE_WIRE_MAX + 4; i++)
		c[i] = (uint8_t)rnd();
	if (kind < 30) {
		len = XDPDNS_COOKIE_CLIENT_LEN;
	} else if (kind < 60) {
		cookie_server(&ck->secret[rn(ck->nsecrets)], c,
			      cookie_unix_now() - rn(100), fam == 6 ? 6 : 4,
			      addr, c + XDPDNS_COOKIE_CLIENT_LEN);
	} else if (kind < 75) {
		/* someone else's: random */
	} else if (kind < 88) {
		len = 16 + rn(XDPDNS_COOKIE_WIRE_MAX - 16 + 1);
	} else {
		len = bad_lens[rn(ARRAY_SIZE(bad_lens))];
	}
	o[n] = 0;
	o[n + 1] = DNS_OPT_COOKIE;
	o[n + 2] = 0;
	o[n + 3] = (uint8_t)len;
	return n + 4 + len;
}

static void base_query(struct pkt *p, char *name_buf, int family,
		       const char *src, const struct xdpdns_cookie_keys *ck)
{
	static uint8_t opts[64];
	static const uint16_t sizes[] = { 0, 100, 512, 1232, 1400, 4096 };
	static const uint8_t opt_cookie[] = { 0, 10, 0, 8, 1, 2,
					      3, 4,  5, 6, 7, 8 };
	static const uint8_t opt_pad[] = { 0, 12, 0, 2, 0, 0 };
	struct pkt_query q = { 0 };
	const struct fentry *f = &entries[rn(n_entries)];
	size_t i;

	q.family = family ? family : chance(50) ? 4 : 6;
	q.src = src;
	q.vlans = chance(70) ? 0 : (int)(1 + rn(2));
	for (i = 0; i < 2; i++)
		q.vlan_tpid[i] = chance(50) ? PKT_ETH_P_8021Q :
					      PKT_ETH_P_8021AD;
	q.sport = (uint16_t)(1024 + rn(60000));
	q.udp_csum_zero = chance(10);
	if (chance(30))
		q.v4.frag = 0x4000;
	q.dns.id = (uint16_t)rnd();
	q.dns.flags = chance(80) ? DNS_F_RD : 0;
	if (chance(90) ? (f->key_flags & XDPDNS_KEY_CD) : chance(50))
		q.dns.flags |= DNS_F_CD;
	if (chance(10))
		q.dns.flags |= DNS_F_AD;
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
	if (q.dns.edns && ck && chance(60)) {
		q.dns.edns_options_len = cookie_opts(opts, ck, q.family, src);
		q.dns.edns_options = opts;
	} else if (q.dns.edns && chance(10)) {
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

/* --- checks of bounces and samples ------------------------------------- */

/*
 * An XDP_TX bounce @out of the query @in: checksums, turned around, the ID
 * and question echoed, QR and RA set, RD and CD copied, AA and AD clear,
 * @rcode (extended ones too) and TC as predicted, counts 1/0/0/OPT, our OPT
 * (size 1232, the client's DO, the rcode's upper bits, no option but
 * @cookie when not NULL) and nothing after it; then the same through
 * libldns. Return: 0, or -1 with the reason in @why.
 */
static int check_bounce(const uint8_t *in, size_t in_len, const uint8_t *out,
			size_t out_len, const struct model *md,
			unsigned int rcode, bool tc, const uint8_t *cookie,
			char *why, size_t why_len)
{
	uint16_t flags =
		(uint16_t)((rcode & DNS_F_RCODE) | (tc ? DNS_F_TC : 0));
	size_t olen = 11 + (cookie ? 4 + XDPDNS_COOKIE_LEN : 0);
	static const uint8_t opt[] = { 0,
				       0,
				       41,
				       XDPTEST_EDNS_SIZE >> 8,
				       XDPTEST_EDNS_SIZE & 0xff,
				       0,
				       0,
				       0,
				       0,
				       0,
				       0 };
	uint16_t want = DNS_F_QR | DNS_F_RA | flags |
			(md->flags & (DNS_F_RD | DNS_F_CD));
	size_t alen = md->family == 6 ? 16 : 4, q = 12 + md->question_len;
	struct pkt_info qi, ai;
	const uint8_t *d, *qd = in + md->dns_off;
	ldns_pkt *lp = NULL;
	uint8_t o[sizeof(opt) + 4 + XDPDNS_COOKIE_LEN];
	int err = 0;

	if (pkt_verify_checksums(out, out_len, true, why, why_len) ||
	    pkt_parse(in, in_len, &qi, why, why_len) ||
	    pkt_parse(out, out_len, &ai, why, why_len))
		return -1;
	if (memcmp(ai.dst_mac, qi.src_mac, 6) ||
	    memcmp(ai.src_mac, qi.dst_mac, 6) || ai.vlans != qi.vlans ||
	    memcmp(out + 12, in + 12, (size_t)ai.l3_off - 12) ||
	    ai.family != md->family || memcmp(ai.src_ip, qi.dst_ip, alen) ||
	    memcmp(ai.dst_ip, md->src, alen) || ai.sport != qi.dport ||
	    ai.dport != qi.sport)
		return xdptest_fail(why, why_len, "bounce not turned around");
	d = out + ai.dns_off;
	if (ai.dns_len != q + (md->has_opt ? olen : 0) ||
	    out_len != (size_t)ai.dns_off + ai.dns_len)
		return xdptest_fail(why, why_len,
				    "bounce of %zu DNS bytes in %zu",
				    ai.dns_len, out_len);
	if (memcmp(d, qd, 2) || memcmp(d + 12, qd + 12, q - 12))
		return xdptest_fail(why, why_len, "ID or question not echoed");
	if (be16(d + 2) != want)
		return xdptest_fail(why, why_len,
				    "bounce flags 0x%04x, want 0x%04x",
				    be16(d + 2), want);
	if (be16(d + 4) != 1 || be16(d + 6) || be16(d + 8) ||
	    be16(d + 10) != md->has_opt)
		return xdptest_fail(why, why_len, "bounce counts %u/%u/%u/%u",
				    be16(d + 4), be16(d + 6), be16(d + 8),
				    be16(d + 10));
	memcpy(o, opt, sizeof(opt));
	o[5] = (uint8_t)(rcode >> 4);
	o[7] = md->do_bit ? 0x80 : 0;
	o[10] = (uint8_t)(olen - 11);
	if (cookie) {
		o[11] = 0;
		o[12] = DNS_OPT_COOKIE;
		o[13] = 0;
		o[14] = XDPDNS_COOKIE_LEN;
		memcpy(o + 15, cookie, XDPDNS_COOKIE_LEN);
	}
	if (md->has_opt && memcmp(d + q, o, olen))
		return xdptest_fail(why, why_len, "bounce OPT record wrong");

	if (ldns_wire2pkt(&lp, d, ai.dns_len) != LDNS_STATUS_OK)
		return xdptest_fail(why, why_len,
				    "ldns cannot parse the bounce");
	if (!ldns_pkt_qr(lp) || ldns_pkt_aa(lp) || ldns_pkt_ad(lp) ||
	    ldns_pkt_tc(lp) != tc ||
	    ldns_pkt_get_rcode(lp) != (rcode & DNS_F_RCODE) ||
	    (md->has_opt && ldns_pkt_edns_extended_rcode(lp) != rcode >> 4) ||
	    ldns_pkt_id(lp) != be16(qd) || ldns_pkt_qdcount(lp) != 1 ||
	    ldns_pkt_ancount(lp) || ldns_pkt_nscount(lp) ||
	    ldns_pkt_arcount(lp) || ldns_pkt_edns(lp) != md->has_opt ||
	    (md->has_opt && (ldns_pkt_edns_udp_size(lp) != XDPTEST_EDNS_SIZE ||
			     ldns_pkt_edns_do(lp) != md->do_bit)))
		err = xdptest_fail(why, why_len,
				   "ldns reads a different bounce");
	ldns_pkt_free(lp);
	return err;
}

/* What the ring buffer held after one frame. */
struct events {
	unsigned int n;
	struct xdpdns_event ev;
};

static int event_cb(void *ctx, void *data, size_t len)
{
	struct events *e = ctx;

	if (len >= sizeof(e->ev) && e->n++ == 0)
		memcpy(&e->ev, data, sizeof(e->ev));
	return 0;
}

/* The action an outcome is sampled with (README's event table). */
static uint8_t want_action(unsigned int r)
{
	switch (r) {
	case XDPDNS_STAT_HIT:
		return XDPDNS_ACT_ANSWERED;
	case XDPDNS_STAT_ACL_DROPPED:
	case XDPDNS_STAT_ACL_REFUSED:
		return XDPDNS_ACT_DENIED;
	case XDPDNS_STAT_RL_DROPPED:
	case XDPDNS_STAT_RL_SLIPPED:
	case XDPDNS_STAT_MISS_DROPPED:
	case XDPDNS_STAT_MISS_SLIPPED:
	case XDPDNS_STAT_GMISS_DROPPED:
	case XDPDNS_STAT_NET_DROPPED:
	case XDPDNS_STAT_NET_SLIPPED:
	case XDPDNS_STAT_WIDE_DROPPED:
	case XDPDNS_STAT_WIDE_SLIPPED:
	case XDPDNS_STAT_NEW_DROPPED:
	case XDPDNS_STAT_COOKIE_DROPPED:
	case XDPDNS_STAT_COOKIE_SLIPPED:
	case XDPDNS_STAT_COOKIE_BAD:
		return XDPDNS_ACT_LIMITED;
	}
	return XDPDNS_ACT_PASSED;
}

/* The one sampled event of a frame with outcome @r. */
static int check_event(const struct xdpdns_event *ev, const struct model *md,
		       const struct pred *pr, unsigned int r, uint64_t t0,
		       uint64_t t1, char *why, size_t why_len)
{
	static const uint8_t zero[DNS_NAME_MAX];
	size_t qlen = pr->ev_qname ? md->qlen : 0;

	if (ev->ts_ns < t0 || ev->ts_ns > t1)
		return xdptest_fail(why, why_len, "event time outside the run");
	if (ev->family != (__u32)md->family ||
	    memcmp(ev->addr, md->src, md->family == 6 ? 16 : 4) ||
	    (md->family == 4 && memcmp(ev->addr + 4, zero, 12)))
		return xdptest_fail(why, why_len, "event client address wrong");
	if (ev->reason != r || ev->action != want_action(r))
		return xdptest_fail(why, why_len, "event reason %u action %u",
				    ev->reason, ev->action);
	if (ev->qname_len != qlen || memcmp(ev->qname, md->key.qname, qlen) ||
	    memcmp(ev->qname + qlen, zero, DNS_NAME_MAX - qlen))
		return xdptest_fail(why, why_len,
				    "event qname (%u bytes) wrong",
				    ev->qname_len);
	if (ev->qtype != (pr->ev_qtype ? md->key.qtype : 0))
		return xdptest_fail(why, why_len, "event qtype %u", ev->qtype);
	return 0;
}

/* --- the run -------------------------------------------------------------- */

struct tally {
	unsigned long verdicts[5];
	unsigned long other_verdict;
	unsigned long stages[3];
	unsigned long long counters[sizeof(struct xdpdns_stats) / 8];
	unsigned long phases, clock, events, faults;
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

static uint64_t seed;

/* One failed check of frame @it. */
static void report(struct tally *t, unsigned long it, const char *why,
		   const uint8_t *in, size_t in_len, const uint8_t *out,
		   size_t out_len, uint32_t verdict)
{
	t->failed++;
	if (t->failed > MAX_REPORTS)
		return;
	fprintf(stderr,
		"FAIL #%lu: frame %lu of XDPDNS_FUZZ_SEED=%llu: %s "
		"(verdict %u)\n",
		t->failed, it, (unsigned long long)seed, why, verdict);
	xdptest_hexdump("  frame in", in, in_len);
	if (verdict == XDP_TX)
		xdptest_hexdump("  frame out", out, out_len);
}

/* One check of frame @it: passed when @why is empty, else report()ed. */
static bool tally_check(struct tally *t, unsigned long it, const char *why,
			const uint8_t *in, size_t in_len, const uint8_t *out,
			size_t out_len, uint32_t verdict)
{
	if (why[0]) {
		report(t, it, why, in, in_len, out, out_len, verdict);
		return false;
	}
	t->passed++;
	return true;
}

static const char *reason_name(unsigned int r)
{
	return r == REASON_DNS	? "a DNS parse reason" :
	       r == REASON_L2L4 ? "a reason below DNS" :
				  xdptest_stat_name(r);
}

int main(int argc, char **argv)
{
	const char *build = argc > 1 ? argv[1] : "build";
	const char *env_seed = getenv("XDPDNS_FUZZ_SEED");
	const char *env_n = getenv("XDPDNS_FUZZ_N");
	unsigned long n = env_n ? strtoul(env_n, NULL, 0) : 500000, it;
	static struct xdpdns_stats before, after;
	static uint8_t out[PKT_MAX];
	static struct phase ph;
	static struct tally tl;
	struct ring_buffer *rb = NULL;
	struct cachemap_stats cst;
	struct events evs;
	struct xdptest t;
	uint64_t start;
	char path[4096], name_buf[320], why[512], src[INET6_ADDRSTRLEN];
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
	rb = ring_buffer__new(t.events_fd, event_cb, &evs, NULL);
	if (!rb ||
	    list_install(t.allow_fd, allow_list, ARRAY_SIZE(allow_list)) ||
	    list_install(t.deny_fd, deny_list, ARRAY_SIZE(deny_list)) ||
	    list_install(t.exempt_fd, exempt_list, ARRAY_SIZE(exempt_list))) {
		fprintf(stderr, "fuzz_xdp: cannot set up lists or ring\n");
		printf("0 passed, 1 failed\n");
		return 1;
	}

	start = xdptest_now_ns();
	for (i = 0; i < N_ENTRIES; i++)
		if (make_entry(&t, &entries[n_entries], start, true) == 0)
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
		const struct xdpdns_cache_entry *e = NULL;
		struct fault_state fs = { .f = FAULT_NONE };
		struct fentry *mf = NULL;
		struct model md;
		struct pred pr;
		const __u64 *b = (const __u64 *)&before,
			    *a = (const __u64 *)&after;
		unsigned int outcome = XDPDNS_STAT_MAX, moved = 0, k, base;
		unsigned long failed = tl.failed;
		uint32_t verdict = 0, u0, u1;
		uint64_t t0, t1;
		size_t out_len = 0;
		bool have_entry = false, base_tx = false;
		int err, m;

		if (ph.frames_left == 0) {
			if (phase_start(&t, &ph)) {
				fprintf(stderr, "fuzz_xdp: cannot start a "
						"phase\n");
				return 1;
			}
			tl.phases++;
		}
		ph.frames_left--;
		if (rn(100) == 0) {
			why[0] = 0;
			churn(&t, xdptest_now_ns(), why, sizeof(why));
			tally_check(&tl, it, why, p.buf, 0, out, 0, 0);
		}
		if (chance(5)) {
			random_frame(&p);
		} else {
			unsigned int c = rn(ph.pool_n);
			int fam = ph.pool_family[c];

			if (chance(85))
				inet_ntop(fam == 4 ? AF_INET : AF_INET6,
					  ph.pool[c], src, sizeof(src));
			else
				fam = 0;
			base_query(&p, name_buf, fam, fam ? src : NULL,
				   ph.cookies ? &ph.ck : NULL);
			if (!chance(35))
				for (m = 1 + (int)rn(3); m; m--)
					mutate(&p);
			if (chance(30))
				pkt_finish(&p);
		}
		model_frame(p.buf, p.len, &md);
		if (ph.cookies && md.stage != ST_NOT_DNS)
			model_cookie(p.buf, p.len, &ph.ck, &md);
		if (md.stage == ST_QUERY) {
			mf = model_find(&md.key);
			have_entry = mf != NULL;
			e = mf ? &mf->e : NULL;
			why[0] = 0;
			model_agrees(&t, &md.key, mf, why, sizeof(why));
			tally_check(&tl, it, why, p.buf, p.len, out, 0, 0);
		}
		if (have_entry && chance(3)) {
			fs.f = (enum fault)(1 + rn(FAULT_NUM - 1));
			if (fault_set(&t, &md.key, &entries[rn(n_entries)],
				      &fs))
				fs.f = FAULT_NONE;
		}

		evs.n = 0;
		u0 = cookie_unix_now();
		t0 = xdptest_now_ns();
		err = xdptest_run(&t, p.buf, p.len, out, &out_len, &verdict);
		t1 = xdptest_now_ns();
		u1 = cookie_unix_now();
		if (fs.f != FAULT_NONE && fault_undo(&t, &fs)) {
			fprintf(stderr, "fuzz_xdp: cannot undo a fault\n");
			return 1;
		}
		if (fs.f != FAULT_NONE)
			tl.faults++;
		if (err) {
			snprintf(why, sizeof(why), "test run failed: %s",
				 strerror(-err));
			report(&tl, it, why, p.buf, p.len, out, 0, 0);
			continue;
		}
		if (xdptest_stats(&t, &after) || ring_buffer__consume(rb) < 0) {
			fprintf(stderr, "fuzz_xdp: cannot read counters\n");
			return 1;
		}
		if (ph.slow && t1 - ph.start >= PHASE_WINDOW_NS)
			ph.clock = true;
		for (k = 0; k < XDPDNS_STAT_MAX; k++) {
			if (a[k] == b[k] || xdpdns_stat_is_marker(k))
				continue;
			outcome = k;
			moved++;
		}
		for (k = 0; k < nc; k++)
			tl.counters[k] += a[k] - b[k];
		if (verdict < ARRAY_SIZE(tl.verdicts))
			tl.verdicts[verdict]++;
		else
			tl.other_verdict++;
		tl.stages[md.stage]++;
		tl.events += evs.n;

		/* Check 1: the invariants of every frame. */
		why[0] = 0;
		if (verdict != XDP_PASS && verdict != XDP_TX &&
		    verdict != XDP_DROP)
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
		if (!tally_check(&tl, it, why, p.buf, p.len, out, out_len,
				 verdict)) {
			before = after;
			continue;
		}

		/* What the cache part says, before any limit. */
		base = REASON_DNS;
		if (md.stage == ST_QUERY) {
			uint64_t t0l = t0 - XDPTEST_CLOCK_LAG_NS;
			size_t need, limit;

			base = XDPDNS_STAT_MISS;
			if (fs.f != FAULT_NONE) {
				base = fault_outcome[fs.f];
			} else if (have_entry) {
				need = 12 + md.question_len + e->data_len +
				       (md.has_opt ? 11 : 0) +
				       (model_reply_cookie(&md) ?
						4 + XDPDNS_COOKIE_LEN :
						0);
				/* the client's size floored at 512, capped at
				 * the size we advertise */
				limit = md.has_opt && md.udp_size > 512 ?
						md.udp_size :
						512;
				if (md.has_opt && limit > XDPTEST_EDNS_SIZE)
					limit = XDPTEST_EDNS_SIZE;
				/* the program's clock: in [t0l, t1] */
				if (!xdpdns_time_before(t1, e->expire_ns) &&
				    xdpdns_time_before(t0l, e->expire_ns))
					/* the clock decides */
					base = verdict == XDP_TX ?
						       XDPDNS_STAT_HIT :
						       XDPDNS_STAT_EXPIRED;
				else if (!xdpdns_time_before(t0l, e->expire_ns))
					base = XDPDNS_STAT_EXPIRED;
				else if (need > limit)
					base = XDPDNS_STAT_TOO_BIG;
				else
					base = XDPDNS_STAT_HIT;
			}
			base_tx = base == XDPDNS_STAT_HIT;
		}
		/* The COOKIE option, judged before the cache is looked at
		 * (xdpdns_main()): FORMERR's for the daemon, or a bounce of
		 * an invalid one under --cookie-invalid. */
		if (md.cookie == XDPDNS_COOKIE_MALFORMED && md.name_ok &&
		    (md.flags & DNS_F_RD)) {
			base = XDPDNS_STAT_COOKIE_MALFORMED;
			base_tx = false;
		} else if (md.cookie == XDPDNS_COOKIE_INVALID &&
			   ph.cfg.cookie_invalid && md.cookie_fits &&
			   md.stage == ST_QUERY) {
			base = XDPDNS_STAT_COOKIE_BAD;
			base_tx = true;
		}

		/* Check 2: verdict, outcome and markers as predicted. */
		memset(&pr, 0, sizeof(pr));
		if (md.odd) {
			base = REASON_L2L4;
			base_tx = false;
		}
		if (md.tcp) {
			/* The ACL alone: an outsider's TCP is dropped (after
			 * a metered refuse takes its token), the rest goes
			 * up as not for us. */
			const struct xdpdns_config *c = &ph.cfg;
			bool out = (c->flags & XDPDNS_CFG_ACL) &&
				   (LIST_HAS(deny_list, &md) ||
				    !LIST_HAS(allow_list, &md));

			if (out && (c->flags & XDPDNS_CFG_ACL_REFUSE))
				refuse_metered(&ph, &md);
			if (verdict != (out ? XDP_DROP : XDP_PASS) ||
			    outcome != (out ? XDPDNS_STAT_ACL_DROPPED :
					      XDPDNS_STAT_NOT_FOR_US) ||
			    a[XDPDNS_STAT_DRYRUN] != b[XDPDNS_STAT_DRYRUN] ||
			    a[XDPDNS_STAT_RL_EXEMPT] !=
				    b[XDPDNS_STAT_RL_EXEMPT])
				snprintf(why, sizeof(why),
					 "model says TCP to the port %s, "
					 "program: verdict %u with %s",
					 out ? "dropped" : "passed", verdict,
					 xdptest_stat_name(outcome));
		} else if (md.stage == ST_NOT_DNS && !md.odd) {
			if (verdict != XDP_PASS || !is_l2l4_reason(outcome) ||
			    a[XDPDNS_STAT_DRYRUN] != b[XDPDNS_STAT_DRYRUN] ||
			    a[XDPDNS_STAT_RL_EXEMPT] !=
				    b[XDPDNS_STAT_RL_EXEMPT] ||
			    a[XDPDNS_STAT_SAMPLED] != b[XDPDNS_STAT_SAMPLED])
				snprintf(why, sizeof(why),
					 "model says not for us, program: "
					 "verdict %u with %s",
					 verdict, xdptest_stat_name(outcome));
		} else {
			predict(&ph, &md, base, base_tx, &pr);
			if (ph.clock)
				tl.clock++;
			else if (pr.verdict != verdict ||
				 (pr.reason == REASON_DNS ?
					  !is_dns_reason(outcome) :
				  pr.reason == REASON_L2L4 ?
					  !is_l2l4_reason(outcome) ||
						  outcome ==
							  XDPDNS_STAT_NOT_FOR_US :
					  pr.reason != outcome) ||
				 a[XDPDNS_STAT_DRYRUN] -
						 b[XDPDNS_STAT_DRYRUN] !=
					 pr.dryrun ||
				 a[XDPDNS_STAT_RL_EXEMPT] -
						 b[XDPDNS_STAT_RL_EXEMPT] !=
					 pr.exempt)
				snprintf(
					why, sizeof(why),
					"model says verdict %u with %s%s%s, "
					"program: %u with %s%s%s",
					pr.verdict, reason_name(pr.reason),
					pr.dryrun ? " +dryrun" : "",
					pr.exempt ? " +exempt" : "", verdict,
					xdptest_stat_name(outcome),
					a[XDPDNS_STAT_DRYRUN] !=
							b[XDPDNS_STAT_DRYRUN] ?
						" +dryrun" :
						"",
					a[XDPDNS_STAT_RL_EXEMPT] !=
							b[XDPDNS_STAT_RL_EXEMPT] ?
						" +exempt" :
						"");
		}
		if (why[0])
			report(&tl, it, why, p.buf, p.len, out, out_len,
			       verdict);
		else if (!(md.stage != ST_NOT_DNS && ph.clock))
			tl.passed++;

		/* Check 3: an XDP_TX frame is the answer or the bounce. */
		if (verdict == XDP_TX && tl.failed == failed) {
			why[0] = 0;
			bool bad = outcome == XDPDNS_STAT_COOKIE_BAD;
			int rc = outcome == XDPDNS_STAT_HIT && e ?
					 e->flags & DNS_F_RCODE :
				 outcome == XDPDNS_STAT_ACL_REFUSED ?
					 RCODE_REFUSED :
				 bad ? -1 : /* not counted as an answer */
					 0;
			unsigned int brc =
				bad && ph.cfg.cookie_invalid !=
							XDPDNS_COOKIE_TC ?
					DNS_RCODE_BADCOOKIE :
				outcome == XDPDNS_STAT_ACL_REFUSED ?
					RCODE_REFUSED :
					0;
			bool btc = bad ? ph.cfg.cookie_invalid ==
						   XDPDNS_COOKIE_TC :
					 outcome != XDPDNS_STAT_ACL_REFUSED;
			uint8_t got[XDPDNS_COOKIE_LEN];
			bool ck = model_reply_cookie(&md);
			const __u64 *ra = after.answer_rcode,
				    *rb4 = before.answer_rcode;

			for (k = 0; k < XDPDNS_RCODE_SLOTS; k++)
				if (ra[k] - rb4[k] != ((int)k == rc))
					snprintf(why, sizeof(why),
						 "answer_rcode[%u] moved by "
						 "%llu, rcode %u sent",
						 k,
						 (unsigned long long)(ra[k] -
								      rb4[k]),
						 rc);
			/* A bounce carries our cookie where it fits. */
			if (outcome != XDPDNS_STAT_HIT)
				ck = ck && md.cookie_fits;
			if (why[0])
				;
			else if (ck && check_reply_cookie(
					       p.buf, out, out_len, &md, &ph.ck,
					       u0, u1, got, why, sizeof(why)))
				;
			else if (outcome == XDPDNS_STAT_HIT && have_entry)
				xdptest_check_answer_cookie(p.buf, p.len, out,
							    out_len, e,
							    ck ? got : NULL, t0,
							    t1, why,
							    sizeof(why));
			else
				check_bounce(p.buf, p.len, out, out_len, &md,
					     brc, btc, ck ? got : NULL, why,
					     sizeof(why));
			tally_check(&tl, it, why, p.buf, p.len, out, out_len,
				    verdict);
		}

		/* Check 4: the sample, when every query is sampled. */
		if (md.stage != ST_NOT_DNS && ph.cfg.sample_rate) {
			unsigned long s =
				a[XDPDNS_STAT_SAMPLED] - b[XDPDNS_STAT_SAMPLED];

			why[0] = 0;
			if (s != evs.n || s > 1 ||
			    (ph.cfg.sample_rate == 1 && s != 1) ||
			    a[XDPDNS_STAT_SAMPLE_LOST] !=
				    b[XDPDNS_STAT_SAMPLE_LOST])
				snprintf(why, sizeof(why),
					 "sampled moved by %lu, %u events, "
					 "1 in %u sampled",
					 s, evs.n, ph.cfg.sample_rate);
			else if (s && !ph.clock)
				check_event(&evs.ev, &md, &pr, outcome, t0, t1,
					    why, sizeof(why));
			tally_check(&tl, it, why, p.buf, p.len, out, out_len,
				    verdict);
		}
		before = after;
	}

	printf("fuzz_xdp: %lu frames in %.1f s, %lu phases; model: %lu not "
	       "for us, %lu unservable DNS, %lu servable; %lu events; %lu "
	       "clock-decided; %lu with a cache fault\n",
	       it, (double)(xdptest_now_ns() - start) / 1e9, tl.phases,
	       tl.stages[0], tl.stages[1], tl.stages[2], tl.events, tl.clock,
	       tl.faults);
	cachemap_stats(xdptest_cachemap(&t), &cst);
	printf("cache: %llu writes, %llu deleted, %u/%u/%u/%u live by class\n",
	       (unsigned long long)cst.writes, (unsigned long long)cst.deleted,
	       cst.live[0], cst.live[1], cst.live[2], cst.live[3]);
	/* The model knows nothing of these: the cache is sized so that they
	 * never happen. */
	if (cst.no_slot || cst.too_big || cst.index_full || cst.evicted[0] ||
	    cst.evicted[1] || cst.evicted[2] || cst.evicted[3]) {
		fprintf(stderr,
			"fuzz_xdp: writes refused or entries evicted (no slot "
			"%llu, too big %llu, index full %llu)\n",
			(unsigned long long)cst.no_slot,
			(unsigned long long)cst.too_big,
			(unsigned long long)cst.index_full);
		tl.failed++;
	}
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
	/* A slow machine must not pass by predicting nothing. */
	if (tl.clock > n / 100) {
		fprintf(stderr, "fuzz_xdp: %lu frames clock-decided\n",
			tl.clock);
		tl.failed++;
	}
	printf("%lu frames, %lu checks: %lu passed, %lu failed\n", it,
	       tl.passed + tl.failed, tl.passed, tl.failed);
	printf("%lu passed, %lu failed\n", tl.passed, tl.failed);
	ring_buffer__free(rb);
	xdptest_close(&t);
	return tl.failed || it != n ? 1 : 0;
}
