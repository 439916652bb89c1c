// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The cache side of a purge (userspace/lib/purgechan.c) on the real cache
 * of the loaded object, through its cachemap writer, and what the XDP
 * program makes of it: a name and a type removes that type's DO/CD
 * variants only, a name every type of it, a flush everything; an entry
 * under the name's map key that holds another name (a collision, planted
 * with cachemap_write_raw()) is not the name's and stays; a name never
 * cached removes nothing. A query the program answered from the cache with
 * XDP_TX before the purge is passed up as a miss after it; the names left
 * are still answered. Also the channel's element reads and writes on the
 * real xdpdns_purge map.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "lib/cachemap.h"
#include "lib/dnswire.h"
#include "lib/purgechan.h"
#include "tests/lib/pktbuild.h"
#include "tests/lib/xdptest.h"
#include "suites.h"

#define TYPE_A 1
#define TYPE_TXT 16
#define TYPE_AAAA 28

static struct xdptest T;

static void env_setup(void)
{
	xdptest_open_once(&T, "check_purgemap");
}

#define NEED_ENV() \
	ck_assert_msg(T.skel != NULL, "BPF object not loaded: %s", T.err)

static const char *const an_www_a[] = { "www.example.com. 300 IN A 192.0.2.1",
					NULL };
static const char *const an_www_aaaa[] = {
	"www.example.com. 300 IN AAAA 2001:db8::1", NULL
};
static const char *const an_mail_a[] = {
	"mail.example.com. 300 IN A 192.0.2.25", NULL
};

static const struct resp_spec www_a = { .qname = "www.example.com.",
					.qtype = "A",
					.an = an_www_a };
static const struct resp_spec www_a_do = { .qname = "www.example.com.",
					   .qtype = "A",
					   .edns = true,
					   .edns_do = true,
					   .an = an_www_a };
static const struct resp_spec www_aaaa = { .qname = "www.example.com.",
					   .qtype = "AAAA",
					   .an = an_www_aaaa };
static const struct resp_spec mail_a = { .qname = "mail.example.com.",
					 .qtype = "A",
					 .an = an_mail_a };

/* purgechan_cache() on this test's cache writer, now. */
static int purge(const struct xdpdns_purge *rq, uint32_t *removed)
{
	struct cachemap *cm = xdptest_cachemap(&T);

	ck_assert_ptr_nonnull(cm);
	return purgechan_cache(cm, xdptest_now_ns(), rq, removed);
}

/* Deletes every entry of the cache. */
static void cache_clear(void)
{
	ck_assert_int_eq(xdptest_cache_flush(&T), 0);
}

/* Entries in the cache: the index's, which the live slots must match. */
static unsigned int cache_count(void)
{
	struct xdpdns_cache_mkey cur, next;
	struct cachemap_stats st;
	unsigned int n = 0, live = 0;
	bool first = true;

	while (!bpf_map_get_next_key(T.cache_fd, first ? NULL : &cur, &next)) {
		first = false;
		cur = next;
		n++;
	}
	cachemap_stats(xdptest_cachemap(&T), &st);
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++)
		live += st.live[k];
	ck_assert_uint_eq(live, n);
	return n;
}

/* Does the index hold @k's map key? */
static bool indexed(const struct xdpdns_cache_key *k)
{
	struct xdpdns_hash_key hk = xdptest_hash_key(&T);
	struct xdpdns_cache_mkey mk;
	struct xdpdns_cache_ref ref;

	ck_assert_int_eq(xdpdns_cache_mkey_from_key(&hk, k, &mk), 0);
	return bpf_map_lookup_elem(T.cache_fd, &mk, &ref) == 0;
}

/*
 * www.example.com. A (DO clear and set), AAAA, mail.example.com. A, and
 * under www.example.com. TXT's map key an entry for another name. Keys in
 * @keys.
 */
static void fill(struct xdpdns_cache_key keys[5])
{
	struct xdpdns_hash_key hk = xdptest_hash_key(&T);
	uint8_t qname[XDPDNS_QNAME_BUF] = { 0 };
	struct xdpdns_cache_entry e;
	struct xdpdns_cache_mkey mk;
	uint64_t now = xdptest_now_ns();

	cache_clear();
	ck_assert_int_eq(xdptest_add(&T, &www_a, 0, false, now, &keys[0], NULL),
			 0);
	ck_assert_int_eq(xdptest_add(&T, &www_a_do, XDPDNS_KEY_DO, false, now,
				     &keys[1], NULL),
			 0);
	ck_assert_int_eq(
		xdptest_add(&T, &www_aaaa, 0, false, now, &keys[2], NULL), 0);
	ck_assert_int_eq(xdptest_add(&T, &mail_a, 0, false, now, &keys[3], &e),
			 0);
	keys[4] = keys[0];
	keys[4].qtype = TYPE_TXT;
	ck_assert_int_eq(xdpdns_cache_mkey_from_key(&hk, &keys[4], &mk), 0);
	/* mail's entry and name, under www's TXT map key */
	memcpy(qname, keys[3].qname, sizeof(keys[3].qname));
	ck_assert_int_eq(cachemap_write_raw(xdptest_cachemap(&T), &mk, qname,
					    &e, now),
			 0);
	ck_assert_uint_eq(cache_count(), 5);
}

static struct xdpdns_purge req(const char *name, uint16_t qtype)
{
	struct xdpdns_purge rq = { .op = XDPDNS_PURGE_ALL };

	if (name) {
		int n = dnswire_name_from_text(name, rq.qname,
					       sizeof(rq.qname));

		ck_assert_int_gt(n, 0);
		dnswire_name_lower(rq.qname, (size_t)n);
		rq.op = XDPDNS_PURGE_NAME;
		rq.qtype = qtype;
	}
	return rq;
}

/* The program's verdict and outcome for a query of @name @qtype. */
static uint32_t ask(const char *name, uint16_t qtype, bool *hit)
{
	static struct xdptest_frame_run r;
	struct pkt_query q = { 0 };
	static struct pkt p;

	q.dns.id = 0x7777;
	q.dns.flags = DNS_F_RD;
	q.dns.qname = name;
	q.dns.qtype = qtype;
	pkt_query(&p, &q);
	ck_assert_int_eq(xdptest_run_frame(&T, p.buf, p.len, &r), 0);
	*hit = r.after.hit == r.before.hit + 1;
	return r.verdict;
}

static const struct purge_case {
	const char *name; /* NULL: flush */
	uint16_t qtype;
	uint32_t removed;
	bool left[5]; /* which of fill()'s keys are still there */
} cases[] = {
	{ "WWW.example.com.", TYPE_A, 2, { false, false, true, true, true } },
	{ "www.example.com.", 0, 3, { false, false, false, true, true } },
	{ "www.example.com.", TYPE_TXT, 0, { true, true, true, true, true } },
	{ "nothere.example.com.", 0, 0, { true, true, true, true, true } },
	{ NULL, 0, 5, { false, false, false, false, false } },
};

START_TEST(test_purge)
{
	const struct purge_case *c = &cases[_i];
	struct xdpdns_purge rq = req(c->name, c->qtype);
	struct xdpdns_cache_key keys[5];
	struct xdpdns_cache_entry e;
	uint32_t removed = 99;
	bool hit;

	NEED_ENV();
	fill(keys);
	ck_assert_uint_eq(ask("www.example.com", TYPE_A, &hit), XDP_TX);
	ck_assert(hit);
	ck_assert_int_eq(purge(&rq, &removed), 0);
	ck_assert_uint_eq(removed, c->removed);
	for (int i = 0; i < 5; i++) {
		ck_assert_msg(indexed(&keys[i]) == c->left[i], "key %d %s", i,
			      c->left[i] ? "gone" : "left");
		/* the collision is under another name: never looked up */
		if (i < 4)
			ck_assert_int_eq(xdptest_cache_get(&T, &keys[i], &e),
					 c->left[i] ? 0 : -ENOENT);
	}
	ck_assert_uint_eq(cache_count(), 5 - c->removed);
	/* XDP: a miss where the entry went, a hit where it stayed. */
	ck_assert_uint_eq(ask("www.example.com", TYPE_A, &hit),
			  c->left[0] ? XDP_TX : XDP_PASS);
	ck_assert(hit == c->left[0]);
	ck_assert_uint_eq(ask("mail.example.com", TYPE_A, &hit),
			  c->left[3] ? XDP_TX : XDP_PASS);
	cache_clear();
}
END_TEST

/* Requests the map side refuses: nothing deleted. */
START_TEST(test_purge_bad)
{
	struct xdpdns_cache_key keys[5];
	struct xdpdns_purge rq = req("www.example.com.", 0);
	uint32_t removed = 99;

	NEED_ENV();
	fill(keys);
	rq.qname[1] = 'W';
	ck_assert_int_eq(purge(&rq, &removed), -EINVAL);
	ck_assert_uint_eq(removed, 0);
	rq = req(NULL, 0);
	rq.op = 7;
	ck_assert_int_eq(purge(&rq, &removed), -EINVAL);
	ck_assert_uint_eq(removed, 0);
	rq = req("www.example.com.", TYPE_A);
	rq.qname[0] = 64; /* not a name */
	ck_assert_int_eq(purge(&rq, &removed), -EINVAL);
	ck_assert_uint_eq(cache_count(), 5);
	cache_clear();
}
END_TEST

/* The channel's two slots on the real map: each read as written. */
START_TEST(test_channel)
{
	struct xdpdns_purge rq = req("www.example.com.", TYPE_AAAA), got;

	NEED_ENV();
	rq.seq = 41;
	rq.sent_ns = xdptest_now_ns();
	ck_assert_int_eq(purgechan_write(T.purge_fd, XDPDNS_PURGE_REQ, &rq), 0);
	ck_assert_int_eq(purgechan_read(T.purge_fd, XDPDNS_PURGE_REQ, &got), 0);
	ck_assert_mem_eq(&got, &rq, sizeof(rq));
	ck_assert_int_eq(purgechan_read(T.purge_fd, XDPDNS_PURGE_REPLY, &got),
			 0);
	ck_assert_uint_ne(got.seq, 41); /* the other slot */
	ck_assert_int_eq(purgechan_read(T.purge_fd, 2, &got), -ENOENT);
	ck_assert_int_eq(purgechan_write(T.purge_fd, 2, &rq), -E2BIG);
	memset(&rq, 0, sizeof(rq));
	ck_assert_int_eq(purgechan_write(T.purge_fd, XDPDNS_PURGE_REQ, &rq), 0);
}
END_TEST

void purgemap_tcases(Suite *s)
{
	static const struct cktest_opts o = { 30, env_setup };

	CKTEST_TCASE(s, "Positive", &o, CKTEST_TABLE(test_purge, cases),
		     CKTEST(test_channel));
	CKTEST_TCASE(s, "Negative", &o, CKTEST(test_purge_bad));
}
