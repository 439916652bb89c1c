/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one definition of everything the XDP program and user space share:
 * map names, the cache key and entry, the per-CPU counter indices, the
 * service-address key, the runtime configuration, the access-control and
 * rate-limit state and the sampled-event record. Only <linux/types.h> types,
 * explicit padding and size assertions, so that the BPF object's BTF, the
 * daemon, xdpdnsctl and `bpftool map dump` all agree byte for byte.
 *
 * Byte order: fields named *_be are network order; everything else is host
 * order (the program converts), which keeps bpftool dumps readable.
 */
#ifndef XDPDNS_MAPS_H
#define XDPDNS_MAPS_H

#include <linux/types.h>

#include "maps/dns.h"

/* Where xdpdnsd pins its maps; xdpdnsctl reads them from here. */
#define XDPDNS_PIN_DIR_DEFAULT "/sys/fs/bpf/xdpdns"

/* Map names as the BPF object declares them (15 characters at most). */
#define XDPDNS_MAP_CACHE "xdpdns_cache"
#define XDPDNS_MAP_STATS "xdpdns_stats"
#define XDPDNS_MAP_SVC "xdpdns_svc"
#define XDPDNS_MAP_CONFIG "xdpdns_config"
#define XDPDNS_MAP_ALLOW "xdpdns_allow"
#define XDPDNS_MAP_DENY "xdpdns_deny"
#define XDPDNS_MAP_EXEMPT "xdpdns_exempt"
#define XDPDNS_MAP_RL "xdpdns_rl"
#define XDPDNS_MAP_GMISS "xdpdns_gmiss"
#define XDPDNS_MAP_EVENTS "xdpdns_events"
#define XDPDNS_MAP_TAP "xdpdns_tap"
#define XDPDNS_MAP_STATUS "xdpdns_status"
#define XDPDNS_MAP_PURGE "xdpdns_purge"
#define XDPDNS_MAP_SLOT0 "xdpdns_slot0"
#define XDPDNS_MAP_SLOT1 "xdpdns_slot1"
#define XDPDNS_MAP_SLOT2 "xdpdns_slot2"
#define XDPDNS_MAP_SLOT3 "xdpdns_slot3"
#define XDPDNS_MAP_COOKIE "xdpdns_cookie"
#define XDPDNS_MAP_XSK "xdpdns_xsk"

/*
 * Bytes of answer, authority and additional records an entry can hold: the
 * sections as they follow the question. 1232 is the DNS Flag Day 2020 UDP
 * payload size, so every answer that fits a default EDNS buffer fits here.
 */
#ifndef XDPDNS_DATA_MAX
#define XDPDNS_DATA_MAX 1232
#endif
/* Resource records one entry can hold (each needs a TTL rewrite). */
#define XDPDNS_RR_MAX 64
/* UDP payload size we advertise in OPT, and the largest we ever send. */
#define XDPDNS_EDNS_SIZE_DEFAULT 1232
/* Default number of cache entries (LRU, preallocated; see README). */
#define XDPDNS_CACHE_ENTRIES_DEFAULT 65536

/* Bits of xdpdns_cache_key.flags: the query bits that change the answer. */
#define XDPDNS_KEY_DO 0x01 /* client set DO in its OPT record */
#define XDPDNS_KEY_CD 0x02 /* client set CD: checking disabled */

/*
 * Cache key. The qname is the query name in wire format, lower-cased
 * (A-Z only), zero-padded to the end of the array so equal names hash
 * equally. This is user space's key (the daemon's answer cache, xdpdnsctl);
 * the map is keyed by its hash, struct xdpdns_cache_mkey below.
 */
struct xdpdns_cache_key {
	__u8 qname[DNS_NAME_MAX]; /* lower-cased wire name, zero padded */
	__u8 flags; /* XDPDNS_KEY_* */
	__u16 qtype; /* host order */
	__u16 qclass; /* host order; only IN (1) is ever served */
};

/* Bytes of the name copy in an entry: the longest name, in whole words. */
#define XDPDNS_QNAME_BUF 256

/*
 * The cache map's key. Hashing a 260-byte key cost the kernel more than the
 * whole XDP program (jhash over every byte, then a 260-byte memcmp in the
 * bucket), so the map is keyed by a 64-bit hash of the name plus the small
 * fields; the name itself is in the entry (xdpdns_cache_entry.qname), and
 * the program compares it in full after the lookup.
 *
 * name_hash is xdpdns_name_hash(): SipHash-1-3 of the lower-cased wire name
 * zero padded to whole 8-byte words, keyed with the 128-bit secret in
 * xdpdns_config.hash_key. The secret is random per pinned map set and kept
 * for its lifetime, so clients cannot aim collisions at a hot name (the
 * multiply-xorshift hash used before let a flip of a word's top bit pass
 * through as a fixed flip of the output, whatever the seed). A collision
 * can still only make two names share one map slot (the later write wins):
 * the program never serves an entry whose name differs from the query's,
 * it counts that as a miss. struct xdpdns_cache_key stays the identity of
 * an entry in user space.
 */
struct xdpdns_cache_mkey {
	__u64 name_hash;
	__u16 qtype; /* host order */
	__u16 qclass; /* host order */
	__u8 flags; /* XDPDNS_KEY_* */
	__u8 qname_len; /* wire length, root label included */
	__u8 pad[2];
};

/* The secret key of the cache key's name hash (xdpdns_config.hash_key). */
struct xdpdns_hash_key {
	__u64 k0;
	__u64 k1;
};

/*
 * SipHash (Aumasson and Bernstein) over whole 8-byte words, with
 * XDPDNS_SIP_C rounds per word and XDPDNS_SIP_D to finish: SipHash-1-3, as
 * the Linux kernel's hsiphash and Rust's std use for hash tables, a keyed
 * PRF cheap enough for the per-packet path. The words are read in the
 * machine's byte order (little-endian on x86 and arm64, where this is the
 * reference SipHash of the padded name; the BPF target is the same
 * endianness as its host, so the program and user space always agree).
 */
#define XDPDNS_SIP_C 1
#define XDPDNS_SIP_D 3

struct xdpdns_sip {
	__u64 v0, v1, v2, v3;
};

static inline __u64 xdpdns_rotl64(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void xdpdns_sip_round(struct xdpdns_sip *s)
{
	s->v0 += s->v1;
	s->v1 = xdpdns_rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = xdpdns_rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = xdpdns_rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = xdpdns_rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = xdpdns_rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = xdpdns_rotl64(s->v2, 32);
}

static inline void xdpdns_sip_init(struct xdpdns_sip *s,
				   const struct xdpdns_hash_key *k)
{
	s->v0 = k->k0 ^ 0x736f6d6570736575ULL;
	s->v1 = k->k1 ^ 0x646f72616e646f6dULL;
	s->v2 = k->k0 ^ 0x6c7967656e657261ULL;
	s->v3 = k->k1 ^ 0x7465646279746573ULL;
}

/* One 8-byte message word @m. */
static inline void xdpdns_sip_word(struct xdpdns_sip *s, __u64 m)
{
	s->v3 ^= m;
	for (int i = 0; i < XDPDNS_SIP_C; i++)
		xdpdns_sip_round(s);
	s->v0 ^= m;
}

/* The hash of the @words words given to xdpdns_sip_word(): the last block
 * of a message of whole words is its length byte alone. */
static inline __u64 xdpdns_sip_final(struct xdpdns_sip *s, __u32 words)
{
	__u64 b = (__u64)(words * 8) << 56;

	s->v3 ^= b;
	for (int i = 0; i < XDPDNS_SIP_C; i++)
		xdpdns_sip_round(s);
	s->v0 ^= b;
	s->v2 ^= 0xff;
	for (int i = 0; i < XDPDNS_SIP_D; i++)
		xdpdns_sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/*
 * SipHash-2-4, the reference function, of a message of @len bytes (at most
 * 32) in @w, whose bytes past @len are zero: the hash RFC 9018 server
 * cookies are made with (xdpdns_cookie_hash()). Unrolled to the four words
 * a cookie's input can have.
 */
static inline __u64 xdpdns_sip24(const struct xdpdns_hash_key *k,
				 const __u64 w[4], __u32 len)
{
	struct xdpdns_sip s;
	__u32 n = len / 8;
	__u64 b;

	xdpdns_sip_init(&s, k);
	for (__u32 i = 0; i < 4; i++) {
		if (i >= n)
			break;
		s.v3 ^= w[i];
		xdpdns_sip_round(&s);
		xdpdns_sip_round(&s);
		s.v0 ^= w[i];
	}
	b = (__u64)(len & 0xff) << 56;
	if (n < 4)
		b |= w[n & 3];
	s.v3 ^= b;
	xdpdns_sip_round(&s);
	xdpdns_sip_round(&s);
	s.v0 ^= b;
	s.v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		xdpdns_sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/*
 * DNS cookies (RFC 7873) with the interoperable server cookie of RFC 9018:
 * the COOKIE option holds the client's 8-byte cookie and, once the client
 * has one, our 16-byte server cookie: version 1, three reserved bytes, a
 * Unix timestamp (seconds, big-endian, serial arithmetic) and the first 8
 * bytes of SipHash-2-4 (little-endian output) of client cookie | version |
 * reserved | timestamp | client address, keyed with a 16-byte secret.
 * Every node that shares the secret (--cookie-secret-file) accepts every
 * other's cookies. A cookie older than XDPDNS_COOKIE_MAX_AGE or ahead by
 * more than XDPDNS_COOKIE_MAX_AHEAD is invalid; one older than
 * XDPDNS_COOKIE_RENEW is replaced in the answer, a younger one echoed.
 */
#define XDPDNS_COOKIE_CLIENT_LEN 8
#define XDPDNS_COOKIE_SERVER_LEN 16
#define XDPDNS_COOKIE_LEN (XDPDNS_COOKIE_CLIENT_LEN + XDPDNS_COOKIE_SERVER_LEN)
#define XDPDNS_COOKIE_OPT_LEN (4 + XDPDNS_COOKIE_LEN) /* code, length, data */
#define XDPDNS_COOKIE_WIRE_MAX 40 /* client 8 + a server cookie of <= 32 */
#define XDPDNS_COOKIE_VERSION 1
#define XDPDNS_COOKIE_MAX_AGE 3600
#define XDPDNS_COOKIE_MAX_AHEAD 300
#define XDPDNS_COOKIE_RENEW 1800

/* What a query's COOKIE option is (struct serve_args.cookie, the daemon). */
enum xdpdns_cookie_verdict {
	XDPDNS_COOKIE_NONE = 0, /* no COOKIE option (or no OPT) */
	XDPDNS_COOKIE_CLIENT = 1, /* a client cookie alone */
	XDPDNS_COOKIE_VALID = 2, /* a server cookie we made, in its window */
	XDPDNS_COOKIE_INVALID = 3, /* a server cookie we did not make, or old */
	XDPDNS_COOKIE_MALFORMED =
		4, /* a length RFC 7873 5.2.2 answers FORMERR */
};

/* What a query with an invalid server cookie gets (--cookie-invalid). */
enum xdpdns_cookie_policy {
	XDPDNS_COOKIE_PROCESS =
		0, /* as a client cookie alone (RFC 7873 5.2.3) */
	XDPDNS_COOKIE_BADCOOKIE = 1, /* BADCOOKIE with a fresh server cookie */
	XDPDNS_COOKIE_TC = 2, /* TC=1 with a fresh server cookie */
};

/*
 * The value of the one-element array xdpdns_cookie, written by the daemon
 * only: the secrets and the wall clock, which BPF has no helper for on
 * Linux 6.1 (CLOCK_TAI's offset is only right where NTP sets it).
 */
struct xdpdns_cookie_keys {
	/* [0] makes and checks cookies; [1], the one before a rotation,
	 * only checks them (nsecrets 2). */
	struct xdpdns_hash_key secret[2];
	__u32 nsecrets; /* 0: no secret yet, cookies are not checked */
	__u32 pad;
	/* CLOCK_REALTIME minus CLOCK_MONOTONIC, ns, as the daemon last read
	 * it (every few seconds): Unix time is monotonic time plus this. */
	__s64 unix_offset_ns;
};

/*
 * The RFC 9018 hash of @sc, the 16 bytes of client cookie, version,
 * reserved and timestamp as they are on the wire, from the client at
 * @addr (4 or 16 bytes, network order): the 8 bytes of the server cookie
 * that follow them, as a little-endian word.
 */
static inline __u64 xdpdns_cookie_hash(const struct xdpdns_hash_key *k,
				       const __u8 sc[16], const __u8 *addr,
				       __u32 family)
{
	__u64 w[4] = { 0, 0, 0, 0 };

	__builtin_memcpy(w, sc, 16);
	if (family == 4) {
		__builtin_memcpy(&w[2], addr, 4);
		return xdpdns_sip24(k, w, 20);
	}
	__builtin_memcpy(&w[2], addr, 16);
	return xdpdns_sip24(k, w, 32);
}

/* Whether @len bytes of COOKIE option data can be a cookie (RFC 7873
 * 5.2.2; else FORMERR): a client cookie of 8 alone or with a server
 * cookie of 8 to 32 bytes. */
static inline int xdpdns_cookie_len_ok(__u32 len)
{
	return len == XDPDNS_COOKIE_CLIENT_LEN ||
	       (len >= XDPDNS_COOKIE_CLIENT_LEN + 8 &&
		len <= XDPDNS_COOKIE_WIRE_MAX);
}

/* How far the XDP program looks for the COOKIE (bpf/cookie.bpf.h, and the
 * tests' model of it): among the first XDPDNS_COOKIE_OPTS_MAX options,
 * each starting at a frame offset up to XDPDNS_COOKIE_OFF_MAX. */
#define XDPDNS_COOKIE_OPTS_MAX 8
#define XDPDNS_COOKIE_OFF_MAX 0x7ff

/* Seconds from timestamp @ts to @now, in serial arithmetic (RFC 1982):
 * negative for a timestamp ahead of @now. */
static inline __s32 xdpdns_cookie_age(__u32 ts, __u32 now)
{
	return (__s32)(now - ts);
}

/*
 * CLOCK_MONOTONIC comparisons, as the kernel's time_after(): by the sign of
 * the difference, so they stay right when a time computed as "now minus an
 * age" wraps below zero on a machine booted minutes ago. Both sides use the
 * same clock (bpf_ktime_get_ns() is CLOCK_MONOTONIC).
 */
static inline int xdpdns_time_before(__u64 a, __u64 b)
{
	return (__s64)(a - b) < 0;
}

/*
 * GCRA ("virtual scheduling") as the XDP program and the daemon's own
 * limiter count: with emission interval T = 1e9 / @rate ns, a query at @now
 * moves the theoretical arrival time @tat to *@next = max(@tat, @now) + T
 * and conforms (returns 1) when *@next - @burst * T <= @now; over the
 * limit it returns 0 and @tat must stay. A rate above 1e9 per second is no
 * limit. The callers store *@next: the program with compare-and-swap.
 */
static inline int xdpdns_gcra_step(__u64 tat, __u64 now, __u32 rate,
				   __u32 burst, __u64 *next)
{
	__u64 t = 1000000000ULL / rate;
	__u64 tol = (__u64)(burst ? burst : 1) * t;

	*next = (tat > now ? tat : now) + t;
	return *next <= now + tol;
}

/*
 * The theoretical arrival time that leaves a fresh GCRA bucket of @rate and
 * @burst with @first tokens at @now, or 0 (a full bucket) when the bucket
 * is off or no limit, or @first is not below its depth.
 */
static inline __u64 xdpdns_gcra_start(__u64 now, __u32 rate, __u32 burst,
				      __u32 first)
{
	__u32 b = burst ? burst : 1;

	if (!rate || rate > 1000000000U || !first || first >= b)
		return 0;
	return now + (__u64)(b - first) * (1000000000ULL / rate);
}

/* Whole seconds from @then to @now; 0 when @then is not in the past. */
static inline __u64 xdpdns_secs_since(__u64 now, __u64 then)
{
	__u64 d = now - then;

	return (__s64)d > 0 ? d / 1000000000ULL : 0;
}

/* Bits of xdpdns_cache_entry.entry_flags. */
#define XDPDNS_ENTRY_VALIDATED 0x0001 /* DNSSEC secure: AD may be set */
/* An expired answer served while its resolution fails (serve-stale, RFC
 * 8767): TTLs are --serve-stale-ttl, the program counts STALE beside HIT. */
#define XDPDNS_ENTRY_STALE 0x0002

/*
 * A cached answer as the daemon builds, keeps and renders it: a response
 * minus its header, question and OPT record, ready to be appended after the
 * client's own question. The XDP cache stores the same fields packed into a
 * slot of the smallest size class that holds them (struct xdpdns_slot_hdr
 * and the slot classes below); lib/cachemap.c converts.
 *
 * data[] holds the answer, authority and additional records exactly as they
 * follow a question at offset 12, i.e. the entry is only valid for a question
 * of qname length len(key.qname) -- which it always is, since that length is
 * part of the key. Compression pointers in data[] point either into the
 * question name (offsets 12..) or to earlier names inside data[].
 *
 * The TTL of record i is the 32-bit big-endian field at data[ttl_off[i]]; the
 * value stored there is the TTL at stored_ns. The program writes
 * stored TTL - (now - stored_ns) / 1e9 into each.
 *
 * data_csum is the 16-bit ones'-complement sum of data[0..data_len) with
 * every TTL field read as zero, summed as if data[] started at an even
 * offset of the UDP datagram (the program byte-swaps it when the qname
 * length makes the offset odd). Precomputing it keeps per-packet work to the
 * header, question, TTLs and OPT.
 *
 * qname[] is the entry's name (lower-cased wire format, zero padded).
 */
struct xdpdns_cache_entry {
	__u64 expire_ns; /* CLOCK_MONOTONIC ns at which it goes stale */
	__u64 stored_ns; /* CLOCK_MONOTONIC ns the TTLs in data[] hold at */
	__u64 hits; /* answers served from XDP */
	__u32 ttl; /* lifetime it was stored with, seconds (min of all TTLs) */
	__u16 data_csum; /* see above */
	__u16 flags; /* header flags of the answer: AA, AD, RCODE are used */
	__u16 ancount;
	__u16 nscount;
	__u16 arcount; /* additional records in data[], OPT never included */
	__u16 data_len; /* bytes used in data[] */
	__u16 rr_count; /* used entries of ttl_off[] (= an + ns + ar count) */
	__u16 entry_flags; /* XDPDNS_ENTRY_* */
	__u16 ttl_off[XDPDNS_RR_MAX]; /* offset of each RR's TTL in data[] */
	__u8 data[XDPDNS_DATA_MAX];
	__u8 pad[4];
	__u8 qname[XDPDNS_QNAME_BUF]; /* lower-cased wire name, zero padded */
};

/*
 * The XDP cache, v2: an index and four size classes of slots.
 *
 * xdpdns_cache (a hash map) maps the 16-byte struct xdpdns_cache_mkey to a
 * struct xdpdns_cache_ref: which slot of which class holds the entry, and
 * the generation it was written with. The slots are BPF_F_MMAPABLE arrays,
 * xdpdns_slot0..3, written only by xdpdnsd through its mmap of them, each
 * slot guarded by a sequence counter used as a seqlock:
 *
 *   writer (lib/cachemap.c)          reader (the XDP program)
 *   seq = s + 1 (odd)                s1 = seq (atomic, fully ordered)
 *   release fence                    s1 odd: torn
 *   header, TTL offsets, body        check name, key, gen, expiry
 *   seq = s + 2 (release store)      build the reply from the slot
 *                                    s2 = seq (atomic, fully ordered)
 *                                    s2 != s1: torn
 *
 * An entry is never rewritten in place: a new answer for a name goes to a
 * fresh slot, the index is pointed at it, and the old slot is retired to a
 * quarantine for XDPDNS_SLOT_QUARANTINE_NS before it may be written again
 * (deletes and evictions the same). So a reader that found a slot through
 * the index reads either that slot's content, complete, or -- if it
 * stalled for longer than the quarantine -- a changed sequence number,
 * which it counts as torn and never serves. The index value is 8 bytes,
 * read with one load: the kernel reuses hash elements at once, so a reader
 * may read another key's ref, whose slot then fails the name and key
 * check (a miss), never a mixture of two refs.
 *
 * Memory: each class's slot size is a multiple of 64 bytes so no two slots
 * share a cache line; the index costs about 72 bytes an entry plus 16 a
 * bucket (README, "Cache memory").
 */
#define XDPDNS_SLOT_CLASSES 4
/* A freed slot is not written again for this long. */
#define XDPDNS_SLOT_QUARANTINE_NS 1000000000ULL

/* xdpdns_cache_ref.loc: the class in the top 4 bits, the slot below. */
#define XDPDNS_REF_SLOT_BITS 28
#define XDPDNS_REF_SLOT_MASK ((1U << XDPDNS_REF_SLOT_BITS) - 1)
#define XDPDNS_REF_LOC(cls, slot) \
	(((__u32)(cls) << XDPDNS_REF_SLOT_BITS) | ((slot)&XDPDNS_REF_SLOT_MASK))
#define XDPDNS_REF_CLS(loc) ((loc) >> XDPDNS_REF_SLOT_BITS)
#define XDPDNS_REF_SLOT(loc) ((loc)&XDPDNS_REF_SLOT_MASK)

/* Value of the xdpdns_cache index. */
struct xdpdns_cache_ref {
	__u32 gen; /* xdpdns_slot_hdr.gen of the slot's content */
	__u32 loc; /* XDPDNS_REF_LOC(class, slot) */
};

/* xdpdns_slot_hdr.live: set by the writer when the slot is published,
 * cleared when it is retired. Walkers (xdpdnsctl, the refresher) list live
 * slots only; the XDP program never reads it. */
#define XDPDNS_SLOT_LIVE 1

/*
 * The header of every slot: xdpdns_cache_entry's fields without the
 * arrays, plus the seqlock, the generation and the full map key.
 */
struct xdpdns_slot_hdr {
	__u32 seq; /* odd while the daemon writes the slot */
	__u32 gen; /* 0: never written; else the index's ref.gen */
	__u64 hits; /* answers served from XDP; incremented atomically */
	struct xdpdns_cache_mkey mkey; /* the index key this slot answers */
	__u64 expire_ns;
	__u64 stored_ns;
	__u32 ttl;
	__u16 data_csum;
	__u16 flags;
	__u16 ancount;
	__u16 nscount;
	__u16 arcount;
	__u16 data_len; /* bytes of sections at body[0] */
	__u16 rr_count;
	__u16 entry_flags;
	__u16 live; /* XDPDNS_SLOT_LIVE, see above */
	__u16 pad;
};

/*
 * The size classes: X(n, body bytes, TTL offsets). A slot's body holds
 * the sections from its start and the entry's name, zero padded to whole
 * words, at its end (so both are read at bounds the verifier knows), hence
 * an entry fits class n when data_len + round_up(qname_len, 8) <= body and
 * rr_count <= TTL offsets. The slot sizes are 256, 512, 1024 and 1728
 * bytes; the largest holds any entry (1232 bytes of sections, a 255-byte
 * name, 64 records).
 */
#define XDPDNS_SLOT_CLASS_LIST(X) \
	X(0, 160, 12)             \
	X(1, 392, 24)             \
	X(2, 856, 48)             \
	X(3, 1528, 64)

#define XDPDNS_SLOT_STRUCT_(n, body_len, rrs)    \
	struct xdpdns_slot##n {                  \
		struct xdpdns_slot_hdr h;        \
		__u16 ttl_off[rrs];              \
		union {                          \
			__u8 b[body_len];        \
			__u64 w[(body_len) / 8]; \
		} body;                          \
	};
XDPDNS_SLOT_CLASS_LIST(XDPDNS_SLOT_STRUCT_)
#undef XDPDNS_SLOT_STRUCT_

/* Default share of --cache-size per class, percent (--cache-split). */
#define XDPDNS_CACHE_SPLIT_DEFAULT "72,20,6,2"

/*
 * Counters, one per outcome. X(NAME, name, help): XDPDNS_STAT_<NAME> indexes
 * struct xdpdns_stats viewed as __u64[], `name` is the field bpftool prints
 * and the label user space exports. Every packet bumps PACKETS and then
 * exactly one outcome (the reason for its verdict); packets to a service
 * address and port also bump QUERIES. One list, so nothing can fall out of
 * step.
 *
 * Markers, not outcomes (a packet bumps them besides its one outcome, so
 * they are left out of the sum that equals PACKETS): QUERIES, DRYRUN,
 * RL_EXEMPT, SAMPLED, SAMPLE_LOST, TAP_LOST, STALE (a HIT served from an
 * entry marked XDPDNS_ENTRY_STALE) and COOKIE_CLIENT, COOKIE_VALID and
 * COOKIE_INVALID (what the COOKIE option of a query was, whatever its
 * outcome; xdpdns_stat_is_marker()). A query limited in dry-run counts
 * DRYRUN and then the outcome it really had (HIT, MISS, ...).
 */
#define XDPDNS_STATS(X)                                                       \
	X(PACKETS, packets, "frames seen by the XDP program")                 \
	X(NOT_FOR_US, not_for_us,                                             \
	  "not UDP to a service address and port: passed")                    \
	X(QUERIES, queries, "DNS queries to a service address")               \
	X(HIT, hit, "answered from the cache with XDP_TX")                    \
	X(MISS, miss, "no cache entry: passed to the daemon")                 \
	X(EXPIRED, expired, "stale cache entry: passed to the daemon")        \
	X(TOO_BIG, too_big, "answer larger than the client's buffer: passed") \
	X(NO_ROOM, no_room, "frame could not grow at tail or head: passed")   \
	X(BAD_ENTRY, bad_entry, "cache entry failed a sanity check: passed")  \
	X(TORN, torn,                                                         \
	  "cache slot rewritten while read: not served (passed, or dropped "  \
	  "once the reply was built)")                                        \
	X(TRUNC_L2, trunc_l2, "truncated Ethernet or VLAN header: passed")    \
	X(VLAN_DEPTH, vlan_depth, "more than two VLAN tags: passed")          \
	X(TRUNC_L3, trunc_l3, "truncated IP header: passed")                  \
	X(IPV4_IHL, ipv4_ihl, "IPv4 header length below 5: passed")           \
	X(IPV4_OPTIONS, ipv4_options, "IPv4 options present: passed")         \
	X(IPV4_FRAG, ipv4_frag, "IPv4 fragment: passed")                      \
	X(IPV4_LEN, ipv4_len,                                                 \
	  "IPv4 total length inconsistent with frame: passed")                \
	X(IPV6_EXT, ipv6_ext, "IPv6 extension header: passed")                \
	X(IPV6_LEN, ipv6_len,                                                 \
	  "IPv6 payload length inconsistent with frame: passed")              \
	X(TRUNC_UDP, trunc_udp,                                               \
	  "truncated UDP header or bad UDP length: passed")                   \
	X(TRUNC_DNS, trunc_dns, "truncated DNS header: passed")               \
	X(DNS_QR, dns_qr, "QR bit set (a response): passed")                  \
	X(DNS_OPCODE, dns_opcode, "opcode other than QUERY: passed")          \
	X(DNS_TC, dns_tc, "TC bit set in a query: passed")                    \
	X(DNS_NORD, dns_nord,                                                 \
	  "RD clear: passed (the daemon refuses cache snooping)")             \
	X(DNS_QDCOUNT, dns_qdcount, "QDCOUNT not 1: passed")                  \
	X(DNS_SECTIONS, dns_sections,                                         \
	  "ANCOUNT or NSCOUNT not 0, or ARCOUNT above 1: passed")             \
	X(NAME_COMPRESSED, name_compressed,                                   \
	  "compression pointer in the question: passed")                      \
	X(NAME_LABEL, name_label,                                             \
	  "label longer than 63 or reserved label type: passed")              \
	X(NAME_TOO_LONG, name_too_long,                                       \
	  "query name longer than 255 bytes: passed")                         \
	X(NAME_TRUNC, name_trunc,                                             \
	  "question runs past the end of the packet: passed")                 \
	X(QCLASS, qclass, "question class not IN: passed")                    \
	X(OPT_MISSING, opt_missing, "additional record is not OPT: passed")   \
	X(OPT_VERSION, opt_version, "EDNS version other than 0: passed")      \
	X(OPT_MALFORMED, opt_malformed,                                       \
	  "OPT record malformed or trailing bytes: passed")                   \
	X(ACL_DROPPED, acl_dropped, "source not allowed: dropped")            \
	X(ACL_REFUSED, acl_refused, "source not allowed: REFUSED sent")       \
	X(RL_DROPPED, rl_dropped, "over the per-client rate: dropped")        \
	X(RL_SLIPPED, rl_slipped, "over the per-client rate: TC=1 sent")      \
	X(MISS_DROPPED, miss_dropped,                                         \
	  "over the per-client miss budget: dropped")                         \
	X(MISS_SLIPPED, miss_slipped,                                         \
	  "over the per-client miss budget: TC=1 sent")                       \
	X(GMISS_DROPPED, gmiss_dropped, "over the global miss cap: dropped")  \
	X(NET_DROPPED, net_dropped, "over the per-network rate: dropped")     \
	X(NET_SLIPPED, net_slipped, "over the per-network rate: TC=1 sent")   \
	X(WIDE_DROPPED, wide_dropped, "over the wider-prefix rate: dropped")  \
	X(WIDE_SLIPPED, wide_slipped, "over the wider-prefix rate: TC=1")     \
	X(NEW_DROPPED, new_dropped,                                           \
	  "new source over the admission rate: dropped")                      \
	X(DRYRUN, dryrun, "would have been limited (dry-run): passed on")     \
	X(RL_EXEMPT, rl_exempt, "source exempt from rate limits")             \
	X(SAMPLED, sampled, "queries copied to the event ring")               \
	X(SAMPLE_LOST, sample_lost, "samples lost: event ring full")          \
	X(TAP_LOST, tap_lost, "samples lost to dnstap: its ring full")        \
	X(STALE, stale,                                                       \
	  "hits answered from an expired entry (serve-stale, RFC 8767)")      \
	X(COOKIE_CLIENT, cookie_client, "queries with a client cookie alone") \
	X(COOKIE_VALID, cookie_valid, "queries with a valid server cookie")   \
	X(COOKIE_INVALID, cookie_invalid,                                     \
	  "queries with a server cookie not valid here")                      \
	X(COOKIE_MALFORMED, cookie_malformed,                                 \
	  "COOKIE option of a bad length: passed (FORMERR)")                  \
	X(COOKIE_DROPPED, cookie_dropped,                                     \
	  "over the per-cookie-client rate: dropped")                         \
	X(COOKIE_SLIPPED, cookie_slipped,                                     \
	  "over the per-cookie-client rate: TC=1 sent")                       \
	X(COOKIE_BAD, cookie_bad,                                             \
	  "invalid server cookie: BADCOOKIE or TC=1 sent (--cookie-invalid)") \
	X(CACHE_OFF, cache_off, "cache not consulted (--no-xdp-cache): passed")

#define XDPDNS_STAT_ENUM_(NAME, name, help) XDPDNS_STAT_##NAME,
enum xdpdns_stat { XDPDNS_STATS(XDPDNS_STAT_ENUM_) XDPDNS_STAT_MAX };
#undef XDPDNS_STAT_ENUM_

/* Whether counter @k is a marker, not an outcome (see XDPDNS_STATS). */
static inline int xdpdns_stat_is_marker(unsigned int k)
{
	return k == XDPDNS_STAT_PACKETS || k == XDPDNS_STAT_QUERIES ||
	       k == XDPDNS_STAT_DRYRUN || k == XDPDNS_STAT_RL_EXEMPT ||
	       k == XDPDNS_STAT_SAMPLED || k == XDPDNS_STAT_SAMPLE_LOST ||
	       k == XDPDNS_STAT_TAP_LOST || k == XDPDNS_STAT_STALE ||
	       k == XDPDNS_STAT_COOKIE_CLIENT ||
	       k == XDPDNS_STAT_COOKIE_VALID || k == XDPDNS_STAT_COOKIE_INVALID;
}

/*
 * Breakdown of what XDP answered, so the numbers describe all traffic:
 * answers by qtype (qtypes >= 256 count in slot 0) and by rcode sent.
 */
#define XDPDNS_QTYPE_SLOTS 256
#define XDPDNS_RCODE_SLOTS 16

/*
 * The value of the one-element per-CPU array xdpdns_stats: one lookup per
 * packet reaches every counter. User space sums it over CPUs.
 */
#define XDPDNS_STAT_FIELD_(NAME, name, help) __u64 name;
struct xdpdns_stats {
	XDPDNS_STATS(XDPDNS_STAT_FIELD_)
	__u64 answer_qtype[XDPDNS_QTYPE_SLOTS];
	__u64 answer_rcode[XDPDNS_RCODE_SLOTS];
};
#undef XDPDNS_STAT_FIELD_

/*
 * Service addresses: the program only looks at UDP to one of these and
 * config.port. IPv4 addresses take addr[0..3], the rest zero.
 */
struct xdpdns_svc_key {
	__u32 family; /* 4 or 6 */
	__u8 addr[16]; /* network order */
};

/*
 * LPM-trie key for the allow, deny and exempt lists: one trie holds both
 * families, told apart by the family word, which is part of the prefix
 * (prefixlen = 32 + address prefix length).
 */
struct xdpdns_lpm_key {
	__u32 prefixlen;
	__u32 family; /* 4 or 6 */
	__u8 addr[16];
};

/*
 * Bits of xdpdns_config.flags. The ACL applies to UDP queries XDP sees; the
 * daemon must apply the same lists to what reaches it directly (TCP, and UDP
 * passed before the query check: fragments, IPv4 options, IPv6 extension
 * headers). Dry-run covers the rate limits and miss caps, not the ACL.
 */
#define XDPDNS_CFG_ACL 0x0001 /* enforce the allow/deny lists */
#define XDPDNS_CFG_ACL_REFUSE 0x0002 /* answer REFUSED instead of dropping */
#define XDPDNS_CFG_RL_DRYRUN 0x0004 /* count limits, never drop or slip */
#define XDPDNS_CFG_COOKIE 0x0008 /* check and issue DNS cookies */
/* --dnstap: every sampled event also goes to xdpdns_tap, the daemon's */
#define XDPDNS_CFG_DNSTAP 0x0010
/* --no-xdp-cache: the cache is not consulted; every query that passes the
 * ACL and the limits goes to the daemon (over AF_XDP with --afxdp) */
#define XDPDNS_CFG_NO_CACHE 0x0020
/* --afxdp: what passes goes to the daemon's AF_XDP socket of its queue
 * (xdpdns_xsk) when it has one; without the flag no lookup is made */
#define XDPDNS_CFG_AFXDP 0x0040

/*
 * --afxdp: xdpdns_xsk holds the daemon's AF_XDP socket of each receive
 * queue (key: the queue index). A query XDP would pass up goes to the
 * socket of its queue instead; an empty slot (no --afxdp, a daemon being
 * restarted) leaves it on the kernel's path to the daemon's UDP socket.
 */
#define XDPDNS_XSK_MAX 256

/*
 * Runtime configuration, element 0 of the xdpdns_config array. The daemon
 * rewrites it on SIGHUP; the program reads it once per packet. A zero rate
 * disables that limit.
 */
struct xdpdns_config {
	__u16 port; /* service UDP port, host order (53) */
	__u16 edns_size; /* UDP payload size advertised in our OPT */
	__u32 flags; /* XDPDNS_CFG_* */
	__u32 rl_rate; /* queries per second per client */
	__u32 rl_burst; /* bucket depth, queries */
	__u32 miss_rate; /* cache misses per second per client */
	__u32 miss_burst;
	__u32 gmiss_rate; /* cache misses per second, all clients together */
	__u32 gmiss_burst;
	__u8 slip; /* 0: drop all; N: every Nth limited query gets TC=1 */
	__u8 v4_prefix; /* client aggregation, bits (32; 0 means 32) */
	__u8 v6_prefix; /* client aggregation, bits (128; 0 means 128) */
	__u8 pad0;
	__u32 sample_rate; /* 1 in N queries to xdpdns_events; 0 = off */
	/* Secret key of the cache key's name hash (xdpdns_cache_mkey):
	 * random, chosen when the maps are first pinned and kept for their
	 * lifetime, since every key in xdpdns_cache depends on it. */
	struct xdpdns_hash_key hash_key;
	/* The prefix stages (XDPDNS_RL_NET, XDPDNS_RL_WIDE): a query the
	 * host bucket admitted also takes a token from the bucket of its
	 * network and of its wider prefix; rate 0 turns a stage off. */
	__u32 net_rate; /* queries per second per network */
	__u32 net_burst;
	__u32 wide_rate; /* queries per second per wider prefix */
	__u32 wide_burst;
	__u8 net_v4_prefix; /* bits (0 means 24) */
	__u8 net_v6_prefix; /* bits (0 means 64) */
	__u8 wide_v4_prefix; /* bits (0 means 20) */
	__u8 wide_v6_prefix; /* bits (0 means 56) */
	/* New-source admission: the first query of a source the rl table
	 * does not hold must take a token from one global bucket
	 * (xdpdns_gmiss.new_tat_ns), and its host buckets start with at
	 * most new_first tokens instead of a full burst. */
	__u32 new_rate; /* new sources per second, all clients; 0: off */
	__u32 new_burst;
	__u32 new_first; /* first burst of a new source; 0: a full one */
	/* DNS cookies (XDPDNS_CFG_COOKIE): a query with a valid server
	 * cookie cannot be spoofed, so it skips new-source admission, the
	 * host bucket and the prefix stages and takes a token from its own
	 * bucket (XDPDNS_RL_COOKIE) instead; rate 0: unlimited. */
	__u32 cookie_rate; /* queries per second per cookie client */
	__u32 cookie_burst;
	__u8 cookie_invalid; /* enum xdpdns_cookie_policy */
	__u8 pad1[3];
	__u32 pad2;
};

/* Stages of the rate limit, xdpdns_rl_key.stage. */
enum xdpdns_rl_stage {
	XDPDNS_RL_HOST = 0, /* the client (/32, /128 or v4/v6_prefix) */
	XDPDNS_RL_NET = 1, /* its network (net_v4/v6_prefix) */
	XDPDNS_RL_WIDE = 2, /* its wider prefix (wide_v4/v6_prefix) */
	XDPDNS_RL_COOKIE = 3, /* a client with a valid server cookie */
};

/* Each stage's prefix length, bits, where xdpdns_config says 0, and the
 * options' defaults: for the XDP program and the daemon's own limiter. */
#define XDPDNS_RL_HOST_V4 32
#define XDPDNS_RL_HOST_V6 128
#define XDPDNS_RL_NET_V4 24
#define XDPDNS_RL_NET_V6 64
#define XDPDNS_RL_WIDE_V4 20
#define XDPDNS_RL_WIDE_V6 56

static inline __u32 xdpdns_rl_default_bits(__u32 family, __u32 stage)
{
	if (stage == XDPDNS_RL_NET)
		return family == 4 ? XDPDNS_RL_NET_V4 : XDPDNS_RL_NET_V6;
	if (stage == XDPDNS_RL_WIDE)
		return family == 4 ? XDPDNS_RL_WIDE_V4 : XDPDNS_RL_WIDE_V6;
	return family == 4 ? XDPDNS_RL_HOST_V4 : XDPDNS_RL_HOST_V6;
}

/*
 * Rate-limit table key: the client address masked to the stage's prefix of
 * @plen bits. A host entry is one client; the others are prefixes shared by
 * every client in them, which xdpdnsctl shows as ADDR/PLEN.
 */
struct xdpdns_rl_key {
	__u16 family; /* 4 or 6 */
	__u8 stage; /* enum xdpdns_rl_stage */
	__u8 plen; /* bits of addr that count; the rest are zero */
	__u8 addr[16];
};

/*
 * Rate-limit state of one client, in an LRU hash shared by all CPUs. Both
 * buckets are GCRA ("virtual scheduling"): tat is the theoretical arrival time
 * of the next conforming query in ns; a query conforms when
 * tat - burst * interval <= now. Updated with compare-and-swap, so no CPU's
 * update is lost and no lock is held in the data path.
 */
struct xdpdns_rl_state {
	__u64 tat_ns; /* per-client query bucket */
	__u64 miss_tat_ns; /* per-client miss bucket */
	__u64 last_ns; /* last query seen, for xdpdnsctl limited */
	__u64 limited_ns; /* last query limited (0: never) */
	__u64 queries; /* queries seen from this client */
	__u64 limited; /* queries over a limit (dropped or slipped; in
			* dry-run, would have been) */
	__u64 slip_ctr; /* drives slip: every Nth limited query */
};

/*
 * State of the global miss cap and of the new-source admission bucket:
 * element 0 of xdpdns_gmiss (not per-CPU).
 */
struct xdpdns_gmiss_state {
	__u64 tat_ns;
	__u64 dropped; /* misses over the cap (in dry-run: would have been) */
	__u64 new_tat_ns; /* the new-source admission bucket */
	__u64 new_dropped; /* new sources not admitted (dry-run: would not) */
};

/* Actions recorded in a sampled event. */
enum xdpdns_action {
	XDPDNS_ACT_ANSWERED = 0, /* XDP_TX from the cache */
	XDPDNS_ACT_PASSED = 1, /* up to the daemon (miss, stale, unsupported) */
	XDPDNS_ACT_LIMITED = 2, /* dropped or slipped by a rate limit, or
				 * BADCOOKIE/TC by --cookie-invalid */
	XDPDNS_ACT_DENIED = 3, /* ACL */
};

/*
 * One sampled query, as xdpdnsctl tail receives it from xdpdns_events and,
 * with --dnstap, xdpdnsd from xdpdns_tap (the same bytes).
 */
struct xdpdns_event {
	__u64 ts_ns; /* bpf_ktime_get_ns() */
	__u32 family; /* 4 or 6 */
	__u8 addr[16]; /* client, network order */
	__u16 qtype;
	__u8 action; /* enum xdpdns_action */
	__u8 reason; /* enum xdpdns_stat of the outcome */
	__u16 qname_len; /* 0: question not parsed (ACL drop, rate drop) */
	__u8 qname[DNS_NAME_MAX]; /* wire format, lower-cased */
	/* Bytes, not __be16: the qname leaves them unaligned. */
	__u8 port[2]; /* client's UDP port, network order (0: unknown) */
	__u8 id[2]; /* the query's DNS ID, network order */
	__u8 rcode; /* the answer's rcode when action is ANSWERED */
	__u8 pad[2];
};

_Static_assert(sizeof(struct xdpdns_cache_key) == 260, "cache key layout");
_Static_assert(sizeof(struct xdpdns_cache_mkey) == 16, "cache map key layout");
_Static_assert(sizeof(struct xdpdns_hash_key) == 16, "hash key layout");
_Static_assert(sizeof(struct xdpdns_cache_entry) == 1664, "cache entry layout");
_Static_assert(sizeof(struct xdpdns_cache_ref) == 8, "cache ref layout");
_Static_assert(sizeof(struct xdpdns_slot_hdr) == 72, "slot header layout");
_Static_assert(sizeof(struct xdpdns_slot0) == 256 &&
		       sizeof(struct xdpdns_slot1) == 512 &&
		       sizeof(struct xdpdns_slot2) == 1024 &&
		       sizeof(struct xdpdns_slot3) == 1728,
	       "slot sizes: whole cache lines");
_Static_assert(1528 >= XDPDNS_DATA_MAX + XDPDNS_QNAME_BUF,
	       "the largest class holds any entry");
_Static_assert(sizeof(struct xdpdns_cache_entry) % 8 == 0 &&
		       __builtin_offsetof(struct xdpdns_cache_entry, qname) %
				       8 ==
			       0,
	       "cache entry qname in whole words");
_Static_assert(sizeof(struct xdpdns_svc_key) == 20, "svc key layout");
_Static_assert(sizeof(struct xdpdns_lpm_key) == 24, "lpm key layout");
_Static_assert(sizeof(struct xdpdns_config) == 104, "config layout");
_Static_assert(sizeof(struct xdpdns_rl_key) == 20, "rl key layout");
_Static_assert(sizeof(struct xdpdns_rl_state) == 56, "rl state layout");
_Static_assert(sizeof(struct xdpdns_gmiss_state) == 32, "gmiss layout");
_Static_assert(sizeof(struct xdpdns_event) == 296, "event layout");
_Static_assert(sizeof(struct xdpdns_stats) ==
		       8 * (XDPDNS_STAT_MAX + XDPDNS_QTYPE_SLOTS +
			    XDPDNS_RCODE_SLOTS),
	       "stats layout");

#ifndef __bpf__
#include <string.h>

/**
 * xdpdns_name_hash() - the name hash as the XDP program computes it.
 * @qname: lower-cased wire name, zero padded to XDPDNS_QNAME_BUF bytes
 *         (only the first ceil(@qname_len / 8) words are read).
 */
static inline __u64 xdpdns_name_hash(const struct xdpdns_hash_key *key,
				     const __u8 *qname, unsigned int qname_len)
{
	struct xdpdns_sip s;
	unsigned int j;
	__u64 w;

	xdpdns_sip_init(&s, key);
	for (j = 0; j * 8 < qname_len && j * 8 < XDPDNS_QNAME_BUF; j++) {
		memcpy(&w, qname + j * 8, 8);
		xdpdns_sip_word(&s, w);
	}
	return xdpdns_sip_final(&s, j);
}

/**
 * xdpdns_cache_mkey_from_key() - the map key of cache key @k.
 * @key: xdpdns_config.hash_key of the map set.
 *
 * The name length is found by walking the labels of @k->qname.
 * Return: 0, or -1 (@m zeroed) when @k->qname holds no complete name.
 */
static inline int xdpdns_cache_mkey_from_key(const struct xdpdns_hash_key *key,
					     const struct xdpdns_cache_key *k,
					     struct xdpdns_cache_mkey *m)
{
	__u8 buf[XDPDNS_QNAME_BUF] = { 0 };
	unsigned int i = 0;

	memset(m, 0, sizeof(*m));
	while (i < DNS_NAME_MAX && k->qname[i] != 0) {
		if (k->qname[i] > DNS_LABEL_MAX)
			return -1;
		i += k->qname[i] + 1;
	}
	if (i >= DNS_NAME_MAX)
		return -1;
	/* The key's bytes past the name may hold anything: hash zeros. */
	memcpy(buf, k->qname, i + 1);
	m->name_hash = xdpdns_name_hash(key, buf, i + 1);
	m->qtype = k->qtype;
	m->qclass = k->qclass;
	m->flags = k->flags;
	m->qname_len = i + 1;
	return 0;
}
#endif /* !__bpf__ */

/*
 * The daemon's pulse (xdpdns_status, one element): rewritten by the daemon
 * every second, read by `xdpdnsctl health` and nothing in the kernel, so a
 * health check works from the pins alone. Times are CLOCK_MONOTONIC ns.
 */
struct xdpdns_status {
	__u64 heartbeat_ns; /* the daemon's last event-loop tick */
	__u64 started_ns; /* when this daemon process became ready */
	__u64 resolve_ok_ns; /* last resolution answered (not SERVFAIL) */
	__u64 resolve_fail_ns; /* last one that failed or timed out */
	__u32 fail_streak; /* failures since the last good resolution */
	__u32 daemon_pid;
	__u32 monitor_pid; /* 0: one process (--user "") */
	__u32 restarts; /* daemons the monitor restarted */
	__u32 ifindex; /* where the program should be attached */
	__u32 prog_id; /* the program that should be there */
};
_Static_assert(sizeof(struct xdpdns_status) == 56, "xdpdns_status layout");

/*
 * The purge channel (xdpdns_purge, two elements, read by nothing in the
 * kernel): how `xdpdnsctl cache delete|flush` reaches the running daemon,
 * which holds copies of the answers the XDP map does not (its own answer
 * copy, libunbound's cache) and would write them back. Element
 * XDPDNS_PURGE_REQ is written by xdpdnsctl only, XDPDNS_PURGE_REPLY by the
 * daemon only, so neither overwrites the other's half. The daemon looks at
 * the request on every event-loop tick (once a second); a request whose
 * seq differs from the last one it saw and that is younger than
 * XDPDNS_PURGE_MAX_AGE_S is carried out (map entries, its copy, the
 * refresh index, libunbound's cache) and answered with the same seq.
 * Element updates are not atomic against a reader: each side reads until
 * two reads agree.
 */
#define XDPDNS_PURGE_REQ 0
#define XDPDNS_PURGE_REPLY 1
#define XDPDNS_PURGE_NAME 1 /* op: one name (qtype 0: every type) */
#define XDPDNS_PURGE_ALL 2 /* op: everything */
/* Older requests were given up by their xdpdnsctl: never acted on late. */
#define XDPDNS_PURGE_MAX_AGE_S 10
/* Bits of the reply's flags. */
#define XDPDNS_PURGE_UB_FLUSHED 0x1 /* libunbound's cache was dropped */

struct xdpdns_purge {
	__u64 seq; /* request number; the reply carries the request's */
	__u64 sent_ns; /* request: CLOCK_MONOTONIC when written */
	__u64 done_ns; /* reply: when carried out */
	__u32 op; /* XDPDNS_PURGE_NAME or _ALL */
	__s32 result; /* reply: 0, or -errno of the first step that failed */
	__u32 qtype; /* request: the type, 0 for every type */
	__u32 daemon_pid; /* reply: who carried it out */
	__u32 map_entries; /* reply: removed from xdpdns_cache */
	__u32 answers; /* reply: removed from the daemon's answer copy */
	__u32 refresh; /* reply: removed from the refresher's index */
	__u32 flags; /* reply: XDPDNS_PURGE_* bits */
	__u8 qname[DNS_NAME_MAX]; /* request: lower-cased wire, zero padded */
	__u8 pad[1];
};
_Static_assert(sizeof(struct xdpdns_purge) == 312, "xdpdns_purge layout");

/*
 * Every map user space works with, written once: X(field, NAME, key size,
 * value size), sizes 0 where there is nothing to check (the ring buffer).
 * It generates the fd structs of the loader, the observers, xdpdnsctl and
 * the BPF tests, their open and close loops, and the layout check of a
 * pinned map (lib/xdpmaps.h). The field is the skeleton's map name without
 * "xdpdns_". The program's per-CPU scratch maps (xdpdns_keybuf,
 * xdpdns_movebuf) are its own and not listed.
 */
#define XDPDNS_MAPS(X)                                                         \
	X(cache, XDPDNS_MAP_CACHE, sizeof(struct xdpdns_cache_mkey),           \
	  sizeof(struct xdpdns_cache_ref))                                     \
	X(slot0, XDPDNS_MAP_SLOT0, sizeof(__u32), sizeof(struct xdpdns_slot0)) \
	X(slot1, XDPDNS_MAP_SLOT1, sizeof(__u32), sizeof(struct xdpdns_slot1)) \
	X(slot2, XDPDNS_MAP_SLOT2, sizeof(__u32), sizeof(struct xdpdns_slot2)) \
	X(slot3, XDPDNS_MAP_SLOT3, sizeof(__u32), sizeof(struct xdpdns_slot3)) \
	X(stats, XDPDNS_MAP_STATS, sizeof(__u32), sizeof(struct xdpdns_stats)) \
	X(svc, XDPDNS_MAP_SVC, sizeof(struct xdpdns_svc_key), sizeof(__u32))   \
	X(config, XDPDNS_MAP_CONFIG, sizeof(__u32),                            \
	  sizeof(struct xdpdns_config))                                        \
	X(allow, XDPDNS_MAP_ALLOW, sizeof(struct xdpdns_lpm_key),              \
	  sizeof(__u32))                                                       \
	X(deny, XDPDNS_MAP_DENY, sizeof(struct xdpdns_lpm_key), sizeof(__u32)) \
	X(exempt, XDPDNS_MAP_EXEMPT, sizeof(struct xdpdns_lpm_key),            \
	  sizeof(__u32))                                                       \
	X(rl, XDPDNS_MAP_RL, sizeof(struct xdpdns_rl_key),                     \
	  sizeof(struct xdpdns_rl_state))                                      \
	X(gmiss, XDPDNS_MAP_GMISS, sizeof(__u32),                              \
	  sizeof(struct xdpdns_gmiss_state))                                   \
	X(events, XDPDNS_MAP_EVENTS, 0, 0)                                     \
	X(tap, XDPDNS_MAP_TAP, 0, 0)                                           \
	X(status, XDPDNS_MAP_STATUS, sizeof(__u32),                            \
	  sizeof(struct xdpdns_status))                                        \
	X(purge, XDPDNS_MAP_PURGE, sizeof(__u32), sizeof(struct xdpdns_purge)) \
	X(cookie, XDPDNS_MAP_COOKIE, sizeof(__u32),                            \
	  sizeof(struct xdpdns_cookie_keys))                                   \
	X(xsk, XDPDNS_MAP_XSK, sizeof(__u32), sizeof(__u32))

/* Helpers for the X macros above. */
#define XDPDNS_MAP_FD_FIELD_(f, name, ks, vs) int f;
#define XDPDNS_MAP_FD_NONE_(f, name, ks, vs) .f = -1,

#endif /* XDPDNS_MAPS_H */
