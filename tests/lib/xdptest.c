// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Harness shared by check_xdp, check_limit, fuzz_xdp and bench_xdp (see
 * xdptest.h): the skeleton, the map plumbing, libldns responses turned into
 * cache entries, and the routines that decide whether an XDP_TX frame is the
 * right answer: byte for byte cache_entry_render(), and field by field what
 * libldns reads against the query and the original response. DNS parsing
 * here is deliberately separate from the program's and from userspace/lib,
 * except for cache_entry_render(), which is the oracle the design names.
 */
#include "xdptest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ldns/ldns.h>

#include "ldnsexpect.h"
#include "lib/cache_entry.h"
#include "lib/cachemap.h"
#include "lib/xdpmaps.h"
#include "pktbuild.h"
#include "xdpdns.skel.h"

struct xdpdns_config xdptest_config(void)
{
	return (struct xdpdns_config){
		.port = 53,
		.edns_size = XDPTEST_EDNS_SIZE,
		.v4_prefix = 32,
		.v6_prefix = 128,
		.hash_key = { XDPTEST_HASH_K0, XDPTEST_HASH_K1 },
	};
}

int xdptest_set_config(struct xdptest *t, const struct xdpdns_config *c)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(t->config_fd, &zero, c, BPF_ANY))
		return -errno;
	return 0;
}

/*
 * The slot maps sized as loader_size_cache() sizes them for --cache-size
 * @entries, the index one entry per slot.
 */
static int size_cache(struct xdptest *t, unsigned int entries)
{
	struct bpf_map *maps[XDPDNS_SLOT_CLASSES] = {
		t->skel->maps.xdpdns_slot0, t->skel->maps.xdpdns_slot1,
		t->skel->maps.xdpdns_slot2, t->skel->maps.xdpdns_slot3
	};
	uint8_t pct[XDPDNS_SLOT_CLASSES];
	uint32_t total = 0;
	int err;

	if (cachemap_parse_split(XDPDNS_CACHE_SPLIT_DEFAULT, pct))
		return -EINVAL;
	cachemap_split(entries, pct, t->slots);
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
		err = bpf_map__set_max_entries(maps[k], t->slots[k]);
		if (err)
			return err;
		total += t->slots[k];
	}
	return bpf_map__set_max_entries(t->skel->maps.xdpdns_cache, total);
}

void xdptest_slot_fds(const struct xdptest *t, int fds[XDPDNS_SLOT_CLASSES])
{
	fds[0] = t->slot0_fd;
	fds[1] = t->slot1_fd;
	fds[2] = t->slot2_fd;
	fds[3] = t->slot3_fd;
}

/* A writer of this process on the cache as it is. */
static int cm_open(struct xdptest *t)
{
	struct xdpdns_hash_key hk = xdptest_hash_key(t);
	int fds[XDPDNS_SLOT_CLASSES], err;
	char why[200] = "";

	xdptest_slot_fds(t, fds);
	err = cachemap_open(t->cache_fd, fds, &hk, CACHEMAP_WRITER,
			    xdptest_now_ns(), &t->cm, why, sizeof(why));
	if (err) {
		snprintf(t->err, sizeof(t->err), "cachemap_open: %s", why);
		return err;
	}
	t->cm_pid = getpid();
	t->cm_key = hk;
	return 0;
}

/* Every slot zeroed and the index emptied: the cache as a load leaves it. */
static int cache_reset(struct xdptest *t)
{
	long page = sysconf(_SC_PAGESIZE);
	struct xdpdns_cache_mkey next;
	int fds[XDPDNS_SLOT_CLASSES];

	while (!bpf_map_get_next_key(t->cache_fd, NULL, &next))
		if (bpf_map_delete_elem(t->cache_fd, &next))
			return -errno;
	xdptest_slot_fds(t, fds);
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
		size_t len = (t->slots[k] * cachemap_classes[k].slot_size +
			      (size_t)page - 1) &
			     ~((size_t)page - 1);
		void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			       fds[k], 0);

		if (m == MAP_FAILED)
			return -errno;
		memset(m, 0, len);
		munmap(m, len);
	}
	return 0;
}

struct cachemap *xdptest_cachemap(struct xdptest *t)
{
	int err;

	if (!t->skel)
		return NULL;
	if (t->cm && t->cm_pid == getpid()) {
		struct xdpdns_hash_key hk = xdptest_hash_key(t);

		if (!memcmp(&hk, &t->cm_key, sizeof(hk)))
			return t->cm;
		/* A test changed the key: every map key changes with it,
		 * and a writer opened with the new one drops the rest. */
		cachemap_close(t->cm);
		t->cm = NULL;
		return cm_open(t) ? NULL : t->cm;
	}
	/* The parent's writer: its mapping is shared, its state a stale
	 * copy. */
	cachemap_close(t->cm);
	t->cm = NULL;
	err = cache_reset(t);
	if (err) {
		snprintf(t->err, sizeof(t->err), "cannot empty the cache: %s",
			 strerror(-err));
		return NULL;
	}
	if (cm_open(t))
		return NULL;
	return t->cm;
}

int xdptest_cache_reopen(struct xdptest *t)
{
	if (!xdptest_cachemap(t))
		return -ENODEV;
	cachemap_close(t->cm);
	t->cm = NULL;
	return cm_open(t);
}

int xdptest_open(struct xdptest *t, unsigned int cache_entries)
{
	struct xdpdns_config cfg = xdptest_config();
	struct xdpdns_svc_key k4 = { .family = 4 }, k6 = { .family = 6 };
	__u32 one = 1;
	int err;

	memset(t, 0, sizeof(*t));
	t->ncpu = libbpf_num_possible_cpus();
	if (t->ncpu <= 0) {
		snprintf(t->err, sizeof(t->err), "cannot count CPUs");
		return -EINVAL;
	}
	t->skel = xdpdns__open();
	if (!t->skel) {
		err = -errno;
		snprintf(t->err, sizeof(t->err), "xdpdns__open: %s",
			 strerror(-err));
		return err;
	}
	err = size_cache(t, cache_entries);
	if (!err)
		err = xdpdns__load(t->skel);
	if (err) {
		snprintf(t->err, sizeof(t->err),
			 "cannot load xdpdns.bpf.o: %s (root? verifier log "
			 "above)",
			 strerror(-err));
		goto fail;
	}
	t->prog_fd = bpf_program__fd(t->skel->progs.xdpdns_main);
#define XDPTEST_MAP_FD_(f, name, ks, vs) \
	t->f##_fd = bpf_map__fd(t->skel->maps.xdpdns_##f);
	XDPDNS_MAPS(XDPTEST_MAP_FD_)
#undef XDPTEST_MAP_FD_

	inet_pton(AF_INET, PKT_SERVER4, k4.addr);
	inet_pton(AF_INET6, PKT_SERVER6, k6.addr);
	err = xdptest_set_config(t, &cfg);
	if (!err && (bpf_map_update_elem(t->svc_fd, &k4, &one, BPF_ANY) ||
		     bpf_map_update_elem(t->svc_fd, &k6, &one, BPF_ANY)))
		err = -errno;
	if (err) {
		snprintf(t->err, sizeof(t->err), "cannot configure maps: %s",
			 strerror(-err));
		goto fail;
	}
	err = cm_open(t);
	if (err)
		goto fail;
	return 0;
fail:
	xdpdns__destroy(t->skel);
	t->skel = NULL;
	return err;
}

void xdptest_close(struct xdptest *t)
{
	cachemap_close(t->cm);
	t->cm = NULL;
	xdpdns__destroy(t->skel);
	t->skel = NULL;
}

void xdptest_open_once(struct xdptest *t, const char *who)
{
	if (t->tried)
		return;
	if (xdptest_open(t, 1024))
		fprintf(stderr, "%s: %s\n", who, t->err);
	t->tried = true;
}

int xdptest_run(struct xdptest *t, const void *in, size_t in_len, void *out,
		size_t *out_len, uint32_t *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in,
		    .data_size_in = (__u32)in_len, .data_out = out,
		    .data_size_out = PKT_MAX, .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(t->prog_fd, &o);
	if (err)
		return err < 0 ? err : -errno;
	*out_len = o.data_size_out;
	*verdict = o.retval;
	return 0;
}

int xdptest_stats(struct xdptest *t, struct xdpdns_stats *sum)
{
	size_t n = sizeof(struct xdpdns_stats) / sizeof(__u64);
	__u64 *v, *s = (__u64 *)sum;
	__u32 zero = 0;
	size_t i;
	int c;

	v = calloc((size_t)t->ncpu, sizeof(struct xdpdns_stats));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(t->stats_fd, &zero, v)) {
		free(v);
		return -errno;
	}
	memset(sum, 0, sizeof(*sum));
	for (c = 0; c < t->ncpu; c++)
		for (i = 0; i < n; i++)
			s[i] += v[(size_t)c * n + i];
	free(v);
	return 0;
}

#define STAT_NAME_(NAME, name, help) #name,
static const char *const stat_names[] = { XDPDNS_STATS(STAT_NAME_) };
#undef STAT_NAME_

const char *xdptest_verdict_name(uint32_t v)
{
	static const char *const names[] = {
		[XDP_ABORTED] = "XDP_ABORTED",	 [XDP_DROP] = "XDP_DROP",
		[XDP_PASS] = "XDP_PASS",	 [XDP_TX] = "XDP_TX",
		[XDP_REDIRECT] = "XDP_REDIRECT",
	};

	return v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

const char *xdptest_stat_name(unsigned int i)
{
	static char buf[32];

	if (i < XDPDNS_STAT_MAX)
		return stat_names[i];
	i -= XDPDNS_STAT_MAX;
	if (i < XDPDNS_QTYPE_SLOTS)
		snprintf(buf, sizeof(buf), "answer_qtype[%u]", i);
	else
		snprintf(buf, sizeof(buf), "answer_rcode[%u]",
			 i - XDPDNS_QTYPE_SLOTS);
	return buf;
}

/* The key the program hashes with now: tests rewrite the config. */
struct xdpdns_hash_key xdptest_hash_key(struct xdptest *t)
{
	struct xdpdns_hash_key k = { 0 };

	xdpmaps_hash_key(t->config_fd, &k);
	return k;
}

int xdptest_cache_put(struct xdptest *t, const struct xdpdns_cache_key *k,
		      const struct xdpdns_cache_entry *e)
{
	struct cachemap *cm = xdptest_cachemap(t);

	return cm ? cachemap_write(cm, k, e, xdptest_now_ns()) : -ENODEV;
}

int xdptest_cache_get(struct xdptest *t, const struct xdpdns_cache_key *k,
		      struct xdpdns_cache_entry *e)
{
	struct cachemap *cm = xdptest_cachemap(t);

	return cm ? cachemap_lookup(cm, k, e) : -ENODEV;
}

int xdptest_cache_del(struct xdptest *t, const struct xdpdns_cache_key *k)
{
	struct cachemap *cm = xdptest_cachemap(t);

	return cm ? cachemap_delete(cm, k, xdptest_now_ns()) : -ENODEV;
}

int xdptest_cache_flush(struct xdptest *t)
{
	struct cachemap *cm = xdptest_cachemap(t);

	return cm ? cachemap_flush(cm, xdptest_now_ns(), NULL) : -ENODEV;
}

uint64_t xdptest_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int push_rrs(ldns_pkt *pkt, ldns_pkt_section sec, const char *const *rrs)
{
	ldns_status st;
	ldns_rr *rr;

	for (; rrs && *rrs; rrs++) {
		st = ldns_rr_new_frm_str(&rr, *rrs, 3600, NULL, NULL);
		if (st != LDNS_STATUS_OK) {
			fprintf(stderr, "resp_build: %s: %s\n", *rrs,
				ldns_get_errorstr_by_id(st));
			return -1;
		}
		ldns_pkt_push_rr(pkt, sec, rr);
	}
	return 0;
}

int resp_build(const struct resp_spec *s, uint8_t *out, size_t cap)
{
	ldns_pkt *pkt = ldns_pkt_new();
	uint8_t *wire = NULL;
	size_t len = 0;
	ldns_rr *q;
	int ret = -1;

	if (!pkt)
		return -1;
	ldns_pkt_set_id(pkt, 0x4242);
	ldns_pkt_set_flags(pkt, LDNS_QR | LDNS_RD | LDNS_RA |
					(s->aa ? LDNS_AA : 0) |
					(s->ad ? LDNS_AD : 0));
	ldns_pkt_set_rcode(pkt, (uint8_t)s->rcode);
	q = ldns_rr_new();
	ldns_rr_set_owner(q, ldns_dname_new_frm_str(s->qname));
	ldns_rr_set_type(q, ldns_get_rr_type_by_name(s->qtype));
	ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(q, true);
	ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, q);
	if (push_rrs(pkt, LDNS_SECTION_ANSWER, s->an) ||
	    push_rrs(pkt, LDNS_SECTION_AUTHORITY, s->ns) ||
	    push_rrs(pkt, LDNS_SECTION_ADDITIONAL, s->ar))
		goto out;
	if (s->edns) {
		ldns_pkt_set_edns_udp_size(pkt, 1232);
		ldns_pkt_set_edns_do(pkt, s->edns_do);
	}
	if (ldns_pkt2wire(&wire, pkt, &len) != LDNS_STATUS_OK || len > cap) {
		fprintf(stderr, "resp_build: %s: cannot encode\n", s->qname);
		goto out;
	}
	memcpy(out, wire, len);
	ret = (int)len;
out:
	free(wire);
	ldns_pkt_free(pkt);
	return ret;
}

int xdptest_add(struct xdptest *t, const struct resp_spec *s, uint8_t key_flags,
		bool validated, uint64_t now_ns, struct xdpdns_cache_key *key,
		struct xdpdns_cache_entry *entry)
{
	struct cache_entry_opts o = {
		.key_flags = key_flags,
		.validated = validated,
		.now_ns = now_ns,
	};
	struct xdpdns_cache_entry e;
	struct xdpdns_cache_key k;
	uint8_t wire[4096];
	int len, err;

	len = resp_build(s, wire, sizeof(wire));
	if (len < 0)
		return -1;
	err = cache_entry_build(wire, (size_t)len, &o, &k, &e);
	if (err) {
		fprintf(stderr, "cache_entry_build(%s %s): %s\n", s->qname,
			s->qtype, cache_entry_strerror(err));
		return err;
	}
	if (xdptest_cache_put(t, &k, &e))
		return -1;
	if (key)
		*key = k;
	if (entry)
		*entry = e;
	return 0;
}

int xdptest_query_key(const uint8_t *msg, size_t len,
		      struct xdpdns_cache_key *key)
{
	size_t off = 12, n = 0;
	uint16_t arcount;

	memset(key, 0, sizeof(*key));
	if (len < 12)
		return -1;
	for (;;) {
		uint8_t l;

		if (off >= len)
			return -1;
		l = msg[off];
		if (l > 63 || n + l + 1 > DNS_NAME_MAX || off + 1 + l > len)
			return -1;
		key->qname[n++] = l;
		off++;
		if (l == 0)
			break;
		for (; l; l--, off++, n++) {
			uint8_t c = msg[off];

			key->qname[n] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
		}
	}
	if (off + 4 > len)
		return -1;
	key->qtype = (uint16_t)(msg[off] << 8 | msg[off + 1]);
	key->qclass = (uint16_t)(msg[off + 2] << 8 | msg[off + 3]);
	off += 4;
	if (msg[3] & 0x10)
		key->flags |= XDPDNS_KEY_CD;
	arcount = (uint16_t)(msg[10] << 8 | msg[11]);
	if (arcount == 1) {
		if (off + 11 > len)
			return -1;
		if (msg[off + 7] & 0x80)
			key->flags |= XDPDNS_KEY_DO;
	}
	return 0;
}

int xdptest_fail(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Wire length of the uncompressed qname at @msg + 12, or 0. */
static size_t qname_len(const uint8_t *msg, size_t len)
{
	size_t off = 12;

	while (off < len && msg[off] && msg[off] <= 63)
		off += msg[off] + 1;
	if (off >= len || msg[off])
		return 0;
	return off + 1 - 12;
}

int xdptest_check_answer(const uint8_t *in, size_t in_len, const uint8_t *out,
			 size_t out_len, const struct xdpdns_cache_entry *e,
			 uint64_t t0, uint64_t t1, char *why, size_t why_len)
{
	return xdptest_check_answer_cookie(in, in_len, out, out_len, e, NULL,
					   t0, t1, why, why_len);
}

int xdptest_check_answer_cookie(const uint8_t *in, size_t in_len,
				const uint8_t *out, size_t out_len,
				const struct xdpdns_cache_entry *e,
				const uint8_t *cookie, uint64_t t0, uint64_t t1,
				char *why, size_t why_len)
{
	struct cache_entry_query q = { .edns_size = XDPTEST_EDNS_SIZE };
	struct dnsmsg_query parsed;
	uint8_t want[PKT_MAX];
	struct pkt_info qi, ai;
	const uint8_t *dns;
	size_t dns_len, alen = 4, ql;
	ldns_pkt *lp = NULL;
	int r, i, pass;

	if (pkt_verify_checksums(out, out_len, true, why, why_len))
		return -1;
	if (pkt_parse(in, in_len, &qi, why, why_len) ||
	    pkt_parse(out, out_len, &ai, why, why_len))
		return -1;
	if (memcmp(ai.dst_mac, qi.src_mac, 6) ||
	    memcmp(ai.src_mac, qi.dst_mac, 6))
		return xdptest_fail(why, why_len, "MAC addresses not swapped");
	if (ai.vlans != qi.vlans ||
	    memcmp(ai.vlan_tci, qi.vlan_tci, sizeof(ai.vlan_tci)) ||
	    memcmp(out + 12, in + 12, (size_t)ai.l3_off - 12))
		return xdptest_fail(why, why_len, "VLAN tags changed");
	if (ai.family != qi.family)
		return xdptest_fail(why, why_len, "address family changed");
	if (ai.family == 6)
		alen = 16;
	if (memcmp(ai.src_ip, qi.dst_ip, alen) ||
	    memcmp(ai.dst_ip, qi.src_ip, alen))
		return xdptest_fail(why, why_len, "IP addresses not swapped");
	if (ai.sport != qi.dport || ai.dport != qi.sport)
		return xdptest_fail(why, why_len, "ports not swapped (%u>%u)",
				    ai.sport, ai.dport);

	dns = in + qi.dns_off;
	dns_len = qi.udp_len >= 8 ? qi.udp_len - 8u : 0;
	if (dns_len > qi.dns_len)
		dns_len = qi.dns_len;
	ql = qname_len(dns, dns_len);
	if (!ql || ai.dns_len < 12 + ql + 4)
		return xdptest_fail(why, why_len,
				    "answer shorter than the question");
	if (memcmp(out + ai.dns_off, dns, 2))
		return xdptest_fail(why, why_len, "ID changed");
	if (memcmp(out + ai.dns_off + 12, dns + 12, ql + 4))
		return xdptest_fail(why, why_len, "question bytes changed");

	if (ldns_wire2pkt(&lp, out + ai.dns_off, ai.dns_len) != LDNS_STATUS_OK)
		return xdptest_fail(why, why_len,
				    "ldns cannot parse the answer");
	ldns_pkt_free(lp);

	q.msg = dns;
	q.len = dns_len;
	dnsmsg_parse_query(dns, dns_len, &parsed);
	if (cookie) {
		memcpy(parsed.reply_cookie, cookie, XDPDNS_COOKIE_LEN);
		parsed.reply_cookie_len = XDPDNS_COOKIE_LEN;
	}
	q.parsed = &parsed;
	/* The program's clock is somewhere in [t0 - lag, t1]: the answer
	 * for one of those ends, or t0 itself, is the one. */
	r = -1;
	for (pass = 0; pass < 3; pass++) {
		int rr;

		q.now_ns = pass == 0 ? t0 - XDPTEST_CLOCK_LAG_NS :
			   pass == 1 ? t0 :
				       t1;
		rr = cache_entry_render(e, &q, want, sizeof(want));
		if (rr < 0)
			continue; /* stale then, perhaps: not at t1 */
		r = rr;
		if ((size_t)r == ai.dns_len &&
		    !memcmp(want, out + ai.dns_off, ai.dns_len))
			return 0;
	}
	if (r < 0)
		return xdptest_fail(why, why_len,
				    "cache_entry_render() refuses the query "
				    "the program answered: %s",
				    strerror(errno));
	if ((size_t)r != ai.dns_len)
		return xdptest_fail(
			why, why_len,
			"DNS payload %zu bytes, cache_entry_render() %d",
			ai.dns_len, r);
	for (i = 0; i < r && want[i] == out[ai.dns_off + i]; i++)
		;
	return xdptest_fail(
		why, why_len,
		"DNS payload differs from cache_entry_render() at byte "
		"%d: 0x%02x, want 0x%02x",
		i, out[ai.dns_off + i], want[i]);
}

int xdptest_expect_query(const uint8_t *in, size_t in_len,
			 struct xdptest_expect *x, char *why, size_t why_len)
{
	struct pkt_info qi;
	ldns_pkt *qp = NULL;
	size_t dns_len;

	memset(x, 0, sizeof(*x));
	if (pkt_parse(in, in_len, &qi, why, why_len))
		return -1;
	dns_len = qi.udp_len >= 8 ? qi.udp_len - 8u : 0;
	if (dns_len > qi.dns_len)
		dns_len = qi.dns_len;
	if (ldns_wire2pkt(&qp, in + qi.dns_off, dns_len) != LDNS_STATUS_OK)
		return xdptest_fail(why, why_len,
				    "ldns cannot parse the query");
	x->id = ldns_pkt_id(qp);
	x->qflags = (ldns_pkt_rd(qp) ? DNS_F_RD : 0) |
		    (ldns_pkt_cd(qp) ? DNS_F_CD : 0) |
		    (ldns_pkt_ad(qp) ? DNS_F_AD : 0);
	x->edns = ldns_pkt_edns(qp);
	x->edns_do = ldns_pkt_edns_do(qp);
	ldns_pkt_free(qp);
	return 0;
}

/* The TTL RFC 2308 gives every record of a negative answer, or 0. */
static uint32_t negative_ttl(ldns_pkt *orig)
{
	ldns_rr_list *ns = ldns_pkt_authority(orig);
	size_t i;

	if (ldns_pkt_get_rcode(orig) != LDNS_RCODE_NXDOMAIN &&
	    ldns_pkt_ancount(orig) != 0)
		return 0;
	for (i = 0; i < ldns_rr_list_rr_count(ns); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ns, i);
		uint32_t ttl, min;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA)
			continue;
		ttl = ldns_rr_ttl(rr);
		min = ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));
		return ttl < min ? ttl : min;
	}
	return 0;
}

/*
 * Section @what of the answer against the original response's (@orig NULL:
 * must be empty), TTLs between base - @e1 and base - @e0 seconds.
 */
static int check_section(const char *what, ldns_rr_list *got,
			 ldns_rr_list *orig, uint32_t neg_ttl, uint32_t e0,
			 uint32_t e1, char *why, size_t why_len)
{
	size_t i, n = orig ? ldns_rr_list_rr_count(orig) : 0;
	int ret = 0;

	if (ldns_rr_list_rr_count(got) != n)
		return xdptest_fail(why, why_len,
				    "%s section has %zu records, want %zu",
				    what, ldns_rr_list_rr_count(got), n);
	for (i = 0; i < n && !ret; i++) {
		ldns_rr *g = ldns_rr_list_rr(got, i);
		ldns_rr *o = ldns_rr_list_rr(orig, i);
		uint32_t base = neg_ttl ? neg_ttl : ldns_rr_ttl(o);
		uint32_t lo = base > e1 ? base - e1 : 0;
		uint32_t hi = base > e0 ? base - e0 : 0;
		uint32_t ttl = ldns_rr_ttl(g);
		char *gs, *os;

		if (ldns_rr_compare(g, o) == 0 && ttl >= lo && ttl <= hi)
			continue;
		gs = ldns_rr2str(g);
		os = ldns_rr2str(o);
		ret = xdptest_fail(why, why_len,
				   "%s record %zu: got %s want %s (TTL %u..%u)",
				   what, i, gs, os, lo, hi);
		free(gs);
		free(os);
	}
	return ret;
}

/* Owner, type and class of the only question of @a and @b, owner bytes too. */
static bool question_same(ldns_pkt *a, ldns_pkt *b)
{
	ldns_rr *qa = ldns_rr_list_rr(ldns_pkt_question(a), 0);
	ldns_rr *qb = ldns_rr_list_rr(ldns_pkt_question(b), 0);
	ldns_rdf *oa, *ob;

	if (!qa || !qb)
		return false;
	oa = ldns_rr_owner(qa);
	ob = ldns_rr_owner(qb);
	return ldns_rdf_size(oa) == ldns_rdf_size(ob) &&
	       !memcmp(ldns_rdf_data(oa), ldns_rdf_data(ob),
		       ldns_rdf_size(oa)) &&
	       ldns_rr_get_type(qa) == ldns_rr_get_type(qb) &&
	       ldns_rr_get_class(qa) == ldns_rr_get_class(qb);
}

static int check_header(ldns_pkt *got, ldns_pkt *orig, const uint8_t *dns,
			const struct xdptest_expect *x, char *why,
			size_t why_len)
{
	bool aa = orig ? ldns_pkt_aa(orig) : false;
	bool tc = orig ? false : x->tc;
	bool ad = orig && x->validated &&
		  ((x->qflags & DNS_F_AD) || x->edns_do);
	unsigned int rcode = orig ? ldns_pkt_get_rcode(orig) : x->rcode & 0xf;

	if (ldns_pkt_id(got) != x->id)
		return xdptest_fail(why, why_len, "ID 0x%04x, want 0x%04x",
				    ldns_pkt_id(got), x->id);
	if (!ldns_pkt_qr(got))
		return xdptest_fail(why, why_len, "QR not set");
	if (ldns_pkt_get_opcode(got) != LDNS_PACKET_QUERY)
		return xdptest_fail(why, why_len, "opcode %d, want QUERY",
				    ldns_pkt_get_opcode(got));
	if (ldns_pkt_aa(got) != aa)
		return xdptest_fail(why, why_len, "AA %d, want %d",
				    ldns_pkt_aa(got), aa);
	if (ldns_pkt_tc(got) != tc)
		return xdptest_fail(why, why_len, "TC %d, want %d",
				    ldns_pkt_tc(got), tc);
	if (ldns_pkt_rd(got) != !!(x->qflags & DNS_F_RD))
		return xdptest_fail(why, why_len, "RD not echoed");
	if (!ldns_pkt_ra(got))
		return xdptest_fail(why, why_len, "RA not set");
	if (ldns_pkt_cd(got) != !!(x->qflags & DNS_F_CD))
		return xdptest_fail(why, why_len, "CD not echoed");
	if (ldns_pkt_ad(got) != ad)
		return xdptest_fail(why, why_len, "AD %d, want %d",
				    ldns_pkt_ad(got), ad);
	if (dns[3] & 0x40)
		return xdptest_fail(why, why_len, "Z bit set");
	if (ldns_pkt_get_rcode(got) != rcode)
		return xdptest_fail(why, why_len, "rcode %u, want %u",
				    ldns_pkt_get_rcode(got), rcode);
	return 0;
}

/* The OPT record: present iff asked for, ours, the last 11 bytes. */
static int check_opt(ldns_pkt *got, const struct xdptest_expect *x,
		     const uint8_t *dns, size_t dns_len, char *why,
		     size_t why_len)
{
	uint16_t size = x->edns_size ? x->edns_size : XDPTEST_EDNS_SIZE;
	uint8_t w[11 + 4 + XDPDNS_COOKIE_WIRE_MAX] = { 0, 0, 41 };
	size_t wlen = 11 + (x->cookie_len ? 4 + x->cookie_len : 0);
	ldns_rdf *data;

	if (ldns_pkt_edns(got) != x->edns)
		return xdptest_fail(why, why_len, "OPT present %d, want %d",
				    ldns_pkt_edns(got), x->edns);
	if (!x->edns)
		return 0;
	if (ldns_pkt_edns_udp_size(got) != size)
		return xdptest_fail(why, why_len, "OPT size %u, want %u",
				    ldns_pkt_edns_udp_size(got), size);
	if (ldns_pkt_edns_version(got) != 0 ||
	    ldns_pkt_edns_extended_rcode(got) != x->rcode >> 4)
		return xdptest_fail(why, why_len,
				    "OPT version %u, extended rcode %u",
				    ldns_pkt_edns_version(got),
				    ldns_pkt_edns_extended_rcode(got));
	if (ldns_pkt_edns_do(got) != x->edns_do)
		return xdptest_fail(why, why_len, "DO not echoed");
	/* libldns's reading of the options: a COOKIE with the bytes
	 * expected and nothing else. */
	data = ldns_pkt_edns_data(got);
	if (x->cookie_len) {
		const uint8_t *o = data ? ldns_rdf_data(data) : NULL;

		if (!o || ldns_rdf_size(data) != 4 + x->cookie_len ||
		    o[0] != 0 || o[1] != DNS_OPT_COOKIE || o[2] != 0 ||
		    o[3] != x->cookie_len ||
		    memcmp(o + 4, x->cookie, x->cookie_len))
			return xdptest_fail(why, why_len,
					    "OPT options (%zu bytes) are not "
					    "the COOKIE expected",
					    data ? ldns_rdf_size(data) : 0);
	} else if (data && ldns_rdf_size(data)) {
		return xdptest_fail(why, why_len,
				    "OPT has %zu bytes of options",
				    ldns_rdf_size(data));
	}
	w[3] = (uint8_t)(size >> 8);
	w[4] = (uint8_t)size;
	w[5] = (uint8_t)(x->rcode >> 4);
	if (x->edns_do)
		w[7] = 0x80;
	w[10] = (uint8_t)(wlen - 11);
	if (x->cookie_len) {
		w[12] = DNS_OPT_COOKIE;
		w[14] = (uint8_t)x->cookie_len;
		memcpy(w + 15, x->cookie, x->cookie_len);
	}
	if (dns_len < 12 + wlen || memcmp(dns + dns_len - wlen, w, wlen))
		return xdptest_fail(why, why_len,
				    "OPT is not the last %zu bytes", wlen);
	return 0;
}

int xdptest_check_ldns(const uint8_t *in, size_t in_len,
		       const struct xdptest_frame_run *r,
		       const struct xdptest_expect *x, char *why,
		       size_t why_len)
{
	uint32_t e0 = 0, e1 = 0, neg = 0;
	ldns_pkt *got = NULL, *orig = NULL, *query = NULL;
	struct pkt_info qi, ai;
	const uint8_t *dns;
	size_t qlen;
	int ret = -1;

	if (pkt_parse(in, in_len, &qi, why, why_len) ||
	    pkt_parse(r->out, r->out_len, &ai, why, why_len))
		return -1;
	qlen = qi.udp_len >= 8 ? qi.udp_len - 8u : 0;
	if (qlen > qi.dns_len)
		qlen = qi.dns_len;
	dns = r->out + ai.dns_off;
	if (ldns_wire2pkt(&query, in + qi.dns_off, qlen) != LDNS_STATUS_OK) {
		xdptest_fail(why, why_len, "ldns cannot parse the query");
		goto out;
	}
	if (x->resp &&
	    ldns_wire2pkt(&orig, x->resp, x->resp_len) != LDNS_STATUS_OK) {
		xdptest_fail(why, why_len,
			     "ldns cannot parse the original response");
		goto out;
	}
	/* The entry of a query without DO holds what such a client gets. */
	if (orig && !x->edns_do)
		ldnsexpect_strip_dnssec(orig);
	if (ldns_wire2pkt(&got, dns, ai.dns_len) != LDNS_STATUS_OK) {
		xdptest_fail(why, why_len, "ldns cannot parse the answer");
		goto out;
	}
	if (check_header(got, orig, dns, x, why, why_len))
		goto out;

	if (ldns_pkt_qdcount(got) != 1 ||
	    ldns_rr_list_rr_count(ldns_pkt_question(got)) != 1) {
		xdptest_fail(why, why_len, "QDCOUNT %u, want 1",
			     ldns_pkt_qdcount(got));
		goto out;
	}
	if (!question_same(got, query)) {
		xdptest_fail(why, why_len, "question is not the query's");
		goto out;
	}
	if (orig &&
	    ldns_rr_compare(ldns_rr_list_rr(ldns_pkt_question(got), 0),
			    ldns_rr_list_rr(ldns_pkt_question(orig), 0))) {
		xdptest_fail(why, why_len,
			     "question differs from the response's");
		goto out;
	}
	if (orig) {
		uint64_t t0 = r->t0 - XDPTEST_CLOCK_LAG_NS;

		e0 = (uint32_t)xdpdns_secs_since(t0, x->stored_ns);
		e1 = (uint32_t)((r->t1 - x->stored_ns) / 1000000000ULL);
		neg = negative_ttl(orig);
	}
	if (check_section("answer", ldns_pkt_answer(got),
			  orig ? ldns_pkt_answer(orig) : NULL, neg, e0, e1, why,
			  why_len) ||
	    check_section("authority", ldns_pkt_authority(got),
			  orig ? ldns_pkt_authority(orig) : NULL, neg, e0, e1,
			  why, why_len) ||
	    check_section("additional", ldns_pkt_additional(got),
			  orig ? ldns_pkt_additional(orig) : NULL, neg, e0, e1,
			  why, why_len))
		goto out;
	ret = check_opt(got, x, dns, ai.dns_len, why, why_len);
out:
	ldns_pkt_free(got);
	ldns_pkt_free(orig);
	ldns_pkt_free(query);
	return ret;
}

void xdptest_hexdump(const char *title, const uint8_t *b, size_t len)
{
	size_t i;

	fprintf(stderr, "%s (%zu bytes):", title, len);
	for (i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", b[i]);
	fprintf(stderr, "\n");
}

int xdptest_run_frame(struct xdptest *t, const void *frame, size_t len,
		      struct xdptest_frame_run *r)
{
	int err;

	err = xdptest_stats(t, &r->before);
	if (err)
		return err;
	r->t0 = xdptest_now_ns();
	err = xdptest_run(t, frame, len, r->out, &r->out_len, &r->verdict);
	r->t1 = xdptest_now_ns();
	if (err)
		return err;
	return xdptest_stats(t, &r->after);
}
