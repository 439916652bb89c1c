/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The XDP program's maps, BTF-typed so `bpftool map dump` prints field
 * names. Types, names and sizes come from maps/xdpdns.h; xdpdnsd sizes the
 * cache and pins every map under its --pin-dir before loading.
 */
#ifndef XDPDNS_MAPS_BPF_H
#define XDPDNS_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps/xdpdns.h"
#include "dns.bpf.h"

/*
 * The cache index and its slot classes (maps/xdpdns.h, "The XDP cache,
 * v2"). Not LRU: xdpdnsd evicts per class and deletes the index entry
 * itself. xdpdnsd sizes all five from --cache-size and --cache-split.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPDNS_CACHE_ENTRIES_DEFAULT);
	__type(key, struct xdpdns_cache_mkey);
	__type(value, struct xdpdns_cache_ref);
} xdpdns_cache SEC(".maps");

#define XDPDNS_SLOT_MAP_(n, body_len, rrs)            \
	struct {                                      \
		__uint(type, BPF_MAP_TYPE_ARRAY);     \
		__uint(map_flags, BPF_F_MMAPABLE);    \
		__uint(max_entries, 1024);            \
		__type(key, __u32);                   \
		__type(value, struct xdpdns_slot##n); \
	} xdpdns_slot##n SEC(".maps");
XDPDNS_SLOT_CLASS_LIST(XDPDNS_SLOT_MAP_)
#undef XDPDNS_SLOT_MAP_

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpdns_stats);
} xdpdns_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct xdpdns_svc_key);
	__type(value, __u32);
} xdpdns_svc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpdns_config);
} xdpdns_config SEC(".maps");

/* Access control: deny wins over allow; exempt skips the rate limits. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdpdns_lpm_key);
	__type(value, __u32);
} xdpdns_allow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdpdns_lpm_key);
	__type(value, __u32);
} xdpdns_deny SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdpdns_lpm_key);
	__type(value, __u32);
} xdpdns_exempt SEC(".maps");

/* Per-client rate-limit state; LRU so spoofed floods evict, never fill. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct xdpdns_rl_key);
	__type(value, struct xdpdns_rl_state);
} xdpdns_rl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpdns_gmiss_state);
} xdpdns_gmiss SEC(".maps");

/* The daemon's AF_XDP sockets, one per receive queue (--afxdp). */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XDPDNS_XSK_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xdpdns_xsk SEC(".maps");

/* Sampled queries for xdpdnsctl tail (struct xdpdns_event). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} xdpdns_events SEC(".maps");

/*
 * The same events again for xdpdnsd's dnstap log (XDPDNS_CFG_DNSTAP). A
 * ring buffer has one consumer position: were the daemon to read
 * xdpdns_events, it and `xdpdnsctl tail` would split the stream and each
 * see only part of it. Two rings, one per consumer, let both see every
 * sample, and tail keeps working while the daemon is down.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} xdpdns_tap SEC(".maps");

/*
 * What the parsing half hands the serving half (xdpdns.bpf.c). The serving
 * half is a global function, verified once on its own with these fields
 * unknown: the qname loop leaves a different (precise) qname length on each
 * of its exits, and verifying the whole answer path after every one of them
 * would not fit the verifier's budget. So every field is bounds-checked
 * again there. Kept in struct keybuf, not on xdpdns_main()'s stack: Linux
 * 6.1 counts the stack of every function in a call chain against one 512
 * bytes (main, xdpdns_serve() and its callee did not fit with room to
 * spare).
 */
struct serve_args {
	__u32 l3_off;
	__u32 l4_off;
	__u32 dns_off;
	__u32 dns_len;
	__u16 l3_proto;
	__u16 edns_size;
	__u32 reason; /* out: XDPDNS_STAT_* outcome */
	__u16 rcode; /* out: rcode sent, on XDP_TX */
	__u16 qtype; /* out */
	__u16 stale; /* out: XDP_TX from an XDPDNS_ENTRY_STALE entry */
	__u16 pad;
	struct query q;
	struct xdpdns_hash_key hash_key; /* xdpdns_config.hash_key */
	struct xdpdns_cache_mkey mkey; /* xdpdns_find(): the index key */
	struct xdpdns_cache_ref ref; /* xdpdns_find(): what it holds */
	/* xdpdns_find(): q with the rest of the question parsed, for
	 * serve_slot(). q itself stays as main parsed it: xdpdns_bounce()
	 * parses the rest again, and its checksum sum must not count the
	 * qtype and qclass twice. */
	struct query qt;
	/* xdpdns_cookie_check(): the query's COOKIE option, and what an answer
	 * carries back: the option's 4-byte header and the client cookie
	 * with our server cookie, with the checksum sum of those 28 bytes
	 * (even-aligned, folded). */
	__u8 cookie; /* enum xdpdns_cookie_verdict */
	__u8 ropt_len; /* 0, or XDPDNS_COOKIE_OPT_LEN: replies carry ropt */
	__u8 cookie_fits; /* ropt fits where the query's option was */
	__u8 pad2;
	__u32 ropt_sum;
	__u8 ropt[XDPDNS_COOKIE_OPT_LEN];
};

/* Per-query limiter state (limit.bpf.h), kept in struct keybuf between
 * stages for the reason given at struct serve_args. */
struct limit {
	__u64 now; /* out: bpf_ktime_get_ns() when the query was seen */
	__u32 l3_off; /* in: IP header offset */
	__u16 l3_proto; /* in: ETH_P_IP or ETH_P_IPV6 */
	__u16 bounce; /* out: reply flags (TC or an rcode), 0: just drop */
	__u8 tx_reason; /* out: outcome when the reply is sent */
	__u8 miss; /* out: a pass to the daemon draws the miss budgets */
	__u8 dryrun; /* out: XDPDNS_CFG_RL_DRYRUN */
	__u8 acl_only; /* in: the ACL and nothing else (TCP to the port) */
	__u8 cookie; /* in: a valid server cookie (XDPDNS_RL_COOKIE) */
	__u8 pad[3];
};

/*
 * Per-CPU scratch for the query's lower-cased name (too big for the 512-byte
 * stack), hashed and compared a word at a time. Only the qname parser
 * writes it, so every byte from the name's length on is zero: `used`
 * remembers how many bytes the last packet wrote, and only those are
 * cleared, eight at a time, instead of all 256 on every packet. The same
 * CPU's packet also keeps what main hands its global functions here.
 */
struct keybuf {
	union {
		__u8 qname[XDPDNS_QNAME_BUF];
		__u64 w[XDPDNS_QNAME_BUF / 8];
	};
	__u32 used;
	__u32 pad;
	struct serve_args args; /* zeroed and set by xdpdns_main() */
	struct limit lim; /* zeroed and set by xdpdns_main() */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct keybuf);
} xdpdns_keybuf SEC(".maps");

/*
 * Per-CPU scratch for moving the headers and question forward when an answer
 * has to grow at the head (see grow_split() in xdpdns.bpf.c). 512 bytes
 * cover the longest prefix: Ethernet, two tags, IPv6, UDP, DNS header and a
 * 255-byte question.
 */
#define MOVEBUF_LEN 512
struct movebuf {
	__u8 b[MOVEBUF_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct movebuf);
} xdpdns_movebuf SEC(".maps");

/* Written by the daemon for health checks; the program never reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpdns_status);
} xdpdns_status SEC(".maps");

/* DNS cookie secrets and the wall clock, written by the daemon. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpdns_cookie_keys);
} xdpdns_cookie SEC(".maps");

/* The purge channel between xdpdnsctl and the daemon; not read here. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct xdpdns_purge);
} xdpdns_purge SEC(".maps");

/* Zero the qname bytes the previous packet left in @kb. */
static __always_inline void keybuf_clear(struct keybuf *kb)
{
	__u32 j;

	for (j = 0; j < XDPDNS_QNAME_BUF / 8; j++) {
		if (j * 8 >= kb->used)
			break;
		kb->w[j] = 0;
	}
	kb->used = DNS_NAME_MAX; /* until a parse says how many */
}

/*
 * @a's offsets into @p, for the global functions, which are verified with
 * @a unknown: each is checked again and then bounded (pkt_bounded()).
 * Return: 0, or -1 when an offset is out of range.
 */
static __always_inline int serve_args_pkt(const struct serve_args *a,
					  struct pkt *p)
{
	__u32 l3 = a->l3_off, l4 = a->l4_off, dns = a->dns_off;
	__u32 len = a->dns_len;

	_Static_assert(ETH_HLEN + 8 <= 0x1f && PKT_L4_OFF_MAX <= 0x3f &&
			       PKT_L4_OFF_MAX + 8 <= 0x7f,
		       "serve_args_pkt() masks");
	if (l3 > ETH_HLEN + 8 || l4 > PKT_L4_OFF_MAX ||
	    dns > PKT_L4_OFF_MAX + 8 || len > 0xffff)
		return -1;
	p->l3_off = pkt_bounded(l3, 0x1f);
	p->l4_off = pkt_bounded(l4, 0x3f);
	p->dns_off = pkt_bounded(dns, 0x7f);
	p->dns_len = pkt_bounded(len, 0xffff);
	p->l3_proto = a->l3_proto;
	return 0;
}

#endif /* XDPDNS_MAPS_BPF_H */
