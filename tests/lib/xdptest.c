// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Harness shared by check_xdp, fuzz_xdp and bench_xdp (see xdptest.h): the
 * skeleton, the map plumbing, libldns responses turned into cache entries,
 * and the one routine that decides whether an XDP_TX frame is the right
 * answer. DNS parsing here is deliberately separate from the program's and
 * from userspace/lib, except for cache_entry_render(), which is the oracle
 * the design names.
 */
#include "xdptest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ldns/ldns.h>

#include "lib/cache_entry.h"
#include "lib/xdpmaps.h"
#include "pktbuild.h"
#include "xdpdns.skel.h"

int xdptest_open(struct xdptest *t, unsigned int cache_entries)
{
	struct xdpdns_config cfg = {
		.port = 53,
		.edns_size = XDPTEST_EDNS_SIZE,
		.v4_prefix = 32,
		.v6_prefix = 128,
		.hash_seed = XDPTEST_HASH_SEED,
	};
	struct xdpdns_svc_key k4 = { .family = 4 }, k6 = { .family = 6 };
	__u32 zero = 0, one = 1;
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
	err = bpf_map__set_max_entries(t->skel->maps.xdpdns_cache,
				       cache_entries);
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
	if (bpf_map_update_elem(t->config_fd, &zero, &cfg, BPF_ANY) ||
	    bpf_map_update_elem(t->svc_fd, &k4, &one, BPF_ANY) ||
	    bpf_map_update_elem(t->svc_fd, &k6, &one, BPF_ANY)) {
		err = -errno;
		snprintf(t->err, sizeof(t->err), "cannot configure maps: %s",
			 strerror(-err));
		goto fail;
	}
	return 0;
fail:
	xdpdns__destroy(t->skel);
	t->skel = NULL;
	return err;
}

void xdptest_close(struct xdptest *t)
{
	xdpdns__destroy(t->skel);
	t->skel = NULL;
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

/* The seed the program hashes with now: tests rewrite the config. */
__u64 xdptest_hash_seed(struct xdptest *t)
{
	__u64 seed = 0;

	xdpmaps_hash_seed(t->config_fd, &seed);
	return seed;
}

int xdptest_cache_put(struct xdptest *t, const struct xdpdns_cache_key *k,
		      const struct xdpdns_cache_entry *e)
{
	return xdpmaps_cache_write(t->cache_fd, xdptest_hash_seed(t), k, e);
}

int xdptest_cache_get(struct xdptest *t, const struct xdpdns_cache_key *k,
		      struct xdpdns_cache_entry *e)
{
	return xdpmaps_cache_lookup(t->cache_fd, xdptest_hash_seed(t), k, e);
}

int xdptest_cache_del(struct xdptest *t, const struct xdpdns_cache_key *k)
{
	return xdpmaps_cache_delete(t->cache_fd, xdptest_hash_seed(t), k);
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
	ldns_pkt_set_qr(pkt, true);
	ldns_pkt_set_rd(pkt, true);
	ldns_pkt_set_ra(pkt, true);
	ldns_pkt_set_aa(pkt, s->aa);
	ldns_pkt_set_ad(pkt, s->ad);
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
		if (l > 63 || n + l + 1 > XDPDNS_NAME_MAX || off + 1 + l > len)
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

static int fail(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t why_len, const char *fmt, ...)
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
	struct cache_entry_query q = { .edns_size = XDPTEST_EDNS_SIZE };
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
		return fail(why, why_len, "MAC addresses not swapped");
	if (ai.vlans != qi.vlans ||
	    memcmp(ai.vlan_tci, qi.vlan_tci, sizeof(ai.vlan_tci)) ||
	    memcmp(out + 12, in + 12, (size_t)ai.l3_off - 12))
		return fail(why, why_len, "VLAN tags changed");
	if (ai.family != qi.family)
		return fail(why, why_len, "address family changed");
	if (ai.family == 6)
		alen = 16;
	if (memcmp(ai.src_ip, qi.dst_ip, alen) ||
	    memcmp(ai.dst_ip, qi.src_ip, alen))
		return fail(why, why_len, "IP addresses not swapped");
	if (ai.sport != qi.dport || ai.dport != qi.sport)
		return fail(why, why_len, "ports not swapped (%u>%u)", ai.sport,
			    ai.dport);

	dns = in + qi.dns_off;
	dns_len = qi.udp_len >= 8 ? qi.udp_len - 8u : 0;
	if (dns_len > qi.dns_len)
		dns_len = qi.dns_len;
	ql = qname_len(dns, dns_len);
	if (!ql || ai.dns_len < 12 + ql + 4)
		return fail(why, why_len, "answer shorter than the question");
	if (memcmp(out + ai.dns_off, dns, 2))
		return fail(why, why_len, "ID changed");
	if (memcmp(out + ai.dns_off + 12, dns + 12, ql + 4))
		return fail(why, why_len, "question bytes changed");

	if (ldns_wire2pkt(&lp, out + ai.dns_off, ai.dns_len) != LDNS_STATUS_OK)
		return fail(why, why_len, "ldns cannot parse the answer");
	ldns_pkt_free(lp);

	q.msg = dns;
	q.len = dns_len;
	for (pass = 0; pass < 2; pass++) {
		q.now_ns = pass ? t1 : t0;
		r = cache_entry_render(e, &q, want, sizeof(want));
		if (r < 0)
			return fail(why, why_len,
				    "cache_entry_render() refuses the query "
				    "the program answered: %s",
				    strerror(errno));
		if ((size_t)r == ai.dns_len &&
		    !memcmp(want, out + ai.dns_off, ai.dns_len))
			return 0;
	}
	if ((size_t)r != ai.dns_len)
		return fail(why, why_len,
			    "DNS payload %zu bytes, cache_entry_render() %d",
			    ai.dns_len, r);
	for (i = 0; i < r && want[i] == out[ai.dns_off + i]; i++)
		;
	return fail(why, why_len,
		    "DNS payload differs from cache_entry_render() at byte "
		    "%d: 0x%02x, want 0x%02x",
		    i, out[ai.dns_off + i], want[i]);
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
