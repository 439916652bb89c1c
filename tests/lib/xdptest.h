/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What every BPF_PROG_TEST_RUN test of xdpdns_main needs: load the real
 * object from its skeleton with a small cache, configure it like the daemon
 * would (port 53, EDNS 1232, limits off, the builder's service addresses),
 * run one frame, read the summed per-CPU counters, fill the cache (the
 * index and slot maps, through a lib/cachemap.h writer) from DNS responses
 * made with libldns through cache_entry_build(), and check an XDP_TX output
 * against the query, the entry and cache_entry_render(), and field by field
 * with libldns against the original response.
 */
#ifndef XDPDNS_TESTS_XDPTEST_H
#define XDPDNS_TESTS_XDPTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "maps/xdpdns.h"
#include "pktbuild.h"

struct xdpdns;
struct cachemap;

struct xdptest {
	struct xdpdns *skel;
	int prog_fd;
	/* cache_fd (the index), slot0_fd..slot3_fd, stats_fd, ...: every
	 * map of XDPDNS_MAPS */
#define XDPTEST_MAP_FD_(f, name, ks, vs) int f##_fd;
	XDPDNS_MAPS(XDPTEST_MAP_FD_)
#undef XDPTEST_MAP_FD_
	uint32_t slots[XDPDNS_SLOT_CLASSES]; /* slots of each class */
	struct cachemap *cm; /* use xdptest_cachemap() */
	pid_t cm_pid; /* the process cm belongs to */
	struct xdpdns_hash_key cm_key; /* the hash key cm was opened with */
	int ncpu;
	bool tried; /* xdptest_open_once() has run */
	char err[256]; /* why xdptest_open() failed */
};

/* EDNS size the tests configure (the daemon's default). */
#define XDPTEST_EDNS_SIZE XDPDNS_EDNS_SIZE_DEFAULT

/*
 * Opens and loads xdpdns_main with @cache_entries cache slots, split over
 * the size classes as xdpdnsd splits --cache-size by default
 * (XDPDNS_CACHE_SPLIT_DEFAULT, at least CACHEMAP_CLASS_MIN each; the index
 * holds one entry per slot), writes the config and the service addresses
 * PKT_SERVER4 and PKT_SERVER6, and opens a CACHEMAP_WRITER on the cache
 * with the config's hash key.
 * Return: 0 or -errno (reason in t->err).
 */
int xdptest_open(struct xdptest *t, unsigned int cache_entries);
void xdptest_close(struct xdptest *t);

/*
 * The cache writer of this process, for the config's hash key. A Check
 * test runs in a child forked after the object was loaded, which shares
 * the maps but not the writer's state: the first call in a new process
 * empties the cache (index and slots, as a fresh load leaves them; no
 * program run can be inside a slot between two tests, BPF_PROG_TEST_RUN
 * returns when it is done) and opens that process's own writer. After a
 * test changed the config's hash key, the writer is opened again with it
 * (what the old key's entries were is dropped). Return: NULL (t->err says
 * why) on failure.
 */
struct cachemap *xdptest_cachemap(struct xdptest *t);

/*
 * Closes this process's writer and opens another on the cache as it is,
 * as a restarted daemon does (the new writer adopts what the maps hold).
 * Return: 0 or -errno (t->err says why).
 */
int xdptest_cache_reopen(struct xdptest *t);

/* xdpdns_slot0..3's fds, in class order. */
void xdptest_slot_fds(const struct xdptest *t, int fds[XDPDNS_SLOT_CLASSES]);

/*
 * The body of a Check suite's unchecked fixture: xdptest_open() with 1024
 * cache slots the first time, nothing after, so the object loads once in
 * the runner and the tests' children inherit its fds. A failure is printed
 * on stderr after @who and leaves t->skel NULL (t->err says why).
 */
void xdptest_open_once(struct xdptest *t, const char *who);

/*
 * The configuration xdptest_open() writes: port 53, EDNS XDPTEST_EDNS_SIZE,
 * /32 and /128 clients, the test seed, every limit and flag off.
 */
struct xdpdns_config xdptest_config(void);

/* Writes @c to the config map. Return: 0 or -errno. */
int xdptest_set_config(struct xdptest *t, const struct xdpdns_config *c);

/*
 * Runs the program once on @in. @out (PKT_MAX bytes) receives the frame as
 * the program left it, @out_len its length. Return: 0 or -errno of the
 * syscall (the kernel refuses frames shorter than 14 bytes with -EINVAL).
 */
int xdptest_run(struct xdptest *t, const void *in, size_t in_len, void *out,
		size_t *out_len, uint32_t *verdict);

/* The counters summed over CPUs. Return: 0 or -errno. */
int xdptest_stats(struct xdptest *t, struct xdpdns_stats *sum);

/* One run of the program with the counters and the clock around it. */
struct xdptest_frame_run {
	uint32_t verdict;
	size_t out_len;
	uint64_t t0, t1; /* CLOCK_MONOTONIC before and after */
	struct xdpdns_stats before, after;
	uint8_t out[PKT_MAX];
};

/*
 * Counters, xdptest_run() on @frame, counters again, into @r.
 * Return: 0, or -errno of whichever step failed.
 */
int xdptest_run_frame(struct xdptest *t, const void *frame, size_t len,
		      struct xdptest_frame_run *r);

/* "XDP_PASS" for XDP_PASS, and so on; "?" for what is not a verdict. */
const char *xdptest_verdict_name(uint32_t v);

/* Name of counter @i of struct xdpdns_stats viewed as __u64[]. */
const char *xdptest_stat_name(unsigned int i);

/* Seed xdptest_open() configures (any non-zero value; not a secret here). */
#ifndef XDPTEST_HASH_K0
#define XDPTEST_HASH_K0 0x5eed0f0ddba11c0dULL
#define XDPTEST_HASH_K1 0x0123456789abcdefULL
#endif

/* xdpdns_config.hash_key as the program sees it now. */
struct xdpdns_hash_key xdptest_hash_key(struct xdptest *t);

/*
 * The cache by full key through xdptest_cachemap(): cachemap_write(),
 * cachemap_lookup(), cachemap_delete() and cachemap_flush() at
 * xdptest_now_ns(). Return: as those, or -ENODEV without a writer.
 */
int xdptest_cache_put(struct xdptest *t, const struct xdpdns_cache_key *k,
		      const struct xdpdns_cache_entry *e);
int xdptest_cache_get(struct xdptest *t, const struct xdpdns_cache_key *k,
		      struct xdpdns_cache_entry *e);
int xdptest_cache_del(struct xdptest *t, const struct xdpdns_cache_key *k);
int xdptest_cache_flush(struct xdptest *t);

/* CLOCK_MONOTONIC in ns, the clock of bpf_ktime_get_ns(). */
uint64_t xdptest_now_ns(void);

/*
 * How far behind CLOCK_MONOTONIC the clock the program serves with may
 * be: a coarse clock (bpf_ktime_get_coarse_ns()) is a jiffy behind at
 * most, 10 ms at HZ 100. The checks below take an answer made at any time
 * from t0 minus this to t1 as right.
 */
#ifndef XDPTEST_CLOCK_LAG_NS
#define XDPTEST_CLOCK_LAG_NS 10000000ULL
#endif

/* A response to build with libldns. Every list ends with NULL. */
struct resp_spec {
	const char *qname; /* "www.example.com." */
	const char *qtype; /* "A" */
	unsigned int rcode;
	bool aa;
	bool ad;
	bool edns; /* add an OPT record (the builder must drop it) */
	bool edns_do;
	const char *const *an; /* RRs in presentation format */
	const char *const *ns;
	const char *const *ar;
};

/*
 * The response of @s in wire format (ldns compresses names). @out gets at
 * most @cap bytes. Return: length or -1 (reason printed on stderr).
 */
int resp_build(const struct resp_spec *s, uint8_t *out, size_t cap);

/*
 * resp_build() then cache_entry_build() with @key_flags, @validated and the
 * clock @now_ns, then xdptest_cache_put(). @key and @entry may be NULL.
 * Return: 0, a negative cache_entry_build() error, or -1.
 */
int xdptest_add(struct xdptest *t, const struct resp_spec *s, uint8_t key_flags,
		bool validated, uint64_t now_ns, struct xdpdns_cache_key *key,
		struct xdpdns_cache_entry *entry);

/*
 * The key the program must build for the DNS query @msg, computed here
 * independently: lower-cased qname, qtype, IN, DO from the OPT record and CD
 * from the header. Return: 0, or -1 if @msg is not a simple query.
 */
int xdptest_query_key(const uint8_t *msg, size_t len,
		      struct xdpdns_cache_key *key);

/* Writes the reason into @why (as the checks below do). Return: -1. */
int xdptest_fail(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Checks an XDP_TX output @out against the query frame @in and the entry:
 * checksums and lengths verified by pktbuild, MACs, addresses and ports
 * swapped, VLAN tags kept, ID and question bytes unchanged, the DNS payload
 * parses with ldns and is byte for byte cache_entry_render() for the query
 * at @t0 (less XDPTEST_CLOCK_LAG_NS) or at @t1 (the clock read before and
 * after the run). xdptest_check_answer_cookie(): the renderer is told the
 * reply carries the COOKIE option data @cookie (XDPDNS_COOKIE_LEN bytes).
 * Return: 0, or -1 with the reason in @why.
 */
int xdptest_check_answer_cookie(const uint8_t *in, size_t in_len,
				const uint8_t *out, size_t out_len,
				const struct xdpdns_cache_entry *e,
				const uint8_t *cookie, uint64_t t0, uint64_t t1,
				char *why, size_t why_len);
int xdptest_check_answer(const uint8_t *in, size_t in_len, const uint8_t *out,
			 size_t out_len, const struct xdpdns_cache_entry *e,
			 uint64_t t0, uint64_t t1, char *why, size_t why_len);

/*
 * What libldns must read in an XDP_TX output. The client's side (@id,
 * @qflags, @edns, @edns_do) is what the test sent; xdptest_expect_query()
 * fills it from the query frame. With @resp the output is an answer from the
 * cache entry built from that response at @stored_ns; without, a bounce
 * (REFUSED or TC=1) with @rcode and @tc.
 */
struct xdptest_expect {
	uint16_t id;
	uint16_t qflags; /* the client's header flags: RD, CD, AD */
	bool edns;
	bool edns_do;
	uint16_t edns_size; /* the configured size; 0: XDPTEST_EDNS_SIZE */
	const uint8_t *resp;
	size_t resp_len;
	bool validated;
	uint64_t stored_ns;
	unsigned int rcode; /* extended ones too: BADCOOKIE */
	bool tc;
	/* The COOKIE option data our OPT must carry (its only option). */
	const uint8_t *cookie;
	size_t cookie_len;
};

/*
 * Fills the client's side of @x from the DNS payload of query frame @in as
 * libldns reads it, and zeroes the rest. Return: 0, or -1 with the reason in
 * @why.
 */
int xdptest_expect_query(const uint8_t *in, size_t in_len,
			 struct xdptest_expect *x, char *why, size_t why_len);

/*
 * Parses the DNS payload of @r->out (an XDP_TX frame answering query frame
 * @in) with libldns and checks it field by field against @x: ID, QR, opcode,
 * AA, TC, RD and CD echoed, RA, AD by the rule (validated and AD or DO
 * asked), Z, rcode, the question byte for byte the query's, every record of
 * every section against the original response with its TTL decayed by the
 * seconds between @x->stored_ns and the run (none for a bounce), and the OPT
 * record: present iff the query had one, version 0, our size, DO echoed,
 * the upper bits of @x->rcode, no option but @x->cookie, the last record of
 * the frame.
 * Return: 0, or -1 with the reason in @why.
 */
int xdptest_check_ldns(const uint8_t *in, size_t in_len,
		       const struct xdptest_frame_run *r,
		       const struct xdptest_expect *x, char *why,
		       size_t why_len);

/* Hex dump of @len bytes to stderr, 16 a line, for failure reports. */
void xdptest_hexdump(const char *title, const uint8_t *b, size_t len);

#endif /* XDPDNS_TESTS_XDPTEST_H */
