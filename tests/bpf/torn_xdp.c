// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The XDP cache under a writer running alongside the readers (maps/xdpdns.h,
 * "The XDP cache, v2"): one writer thread rewrites and deletes entries as
 * fast as it can through cachemap_write() and cachemap_delete(), while one
 * reader thread per CPU (pinned) runs the loaded xdpdns_main on queries for
 * the same names with BPF_PROG_TEST_RUN, one run at a time. The names are
 * few (16, an A and a TXT entry each), so that a reader often reads what
 * the writer is changing.
 *
 * Every record encodes its name: tN.torn.test. has A records
 * 198.18.(N >> 8).(N & 255) and TXT records whose text is the name,
 * repeated; each name has versions of every size class (A by record count,
 * TXT by bytes), all records of a version one TTL of its own. Every XDP_TX
 * output is checked independently: its checksums (pktbuild), then libldns
 * must parse it as a NOERROR answer to the question, every answer record
 * of the question's name, type and class, with that name's data and one
 * TTL. Anything else is a wrong answer; there must be none.
 *
 * A reader can find a slot through the index and read it while the writer
 * reuses it. The quarantine makes that need a reader stalled for a second;
 * with --no-quarantine the writer's clock (it is only the quarantine's)
 * runs a second per call, so every slot freed is written again at once,
 * and the seqlock alone must catch what changed under a reader (torn:
 * passed before the reply was built, dropped after; never sent).
 *
 * Usage: torn_xdp [--no-quarantine] [BUILD_DIR]. It runs until
 * XDPDNS_TORN_RUNS runs in all (10,000,000; 2,000,000 with
 * --no-quarantine) or XDPDNS_TORN_SECONDS (120) and fails when fewer ran,
 * when an answer was wrong, when an outcome other than hit, miss or torn
 * was counted, or, with --no-quarantine, when nothing was torn.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ldns/ldns.h>

#include "lib/cache_entry.h"
#include "lib/cachemap.h"
#include "tests/lib/pktbuild.h"
#include "tests/lib/xdptest.h"

#define NS_PER_S 1000000000ULL
#define N_NAMES 16
#define N_KEYS (2 * N_NAMES) /* A and TXT */
#define N_VERSIONS 12 /* three of each class */
#define MAX_READERS 64
#define MAX_REPORTS 5
#define BATCH 256
#define TYPE_A 1
#define TYPE_TXT 16
/* Slots, as --cache-size (the daemon's default). */
#define TORN_CACHE_ENTRIES 65536

struct tkey {
	unsigned int n; /* the name's number */
	uint16_t qtype;
	char name[32]; /* "t<n>.torn.test." */
	struct xdpdns_cache_key key;
	struct xdpdns_cache_entry v[N_VERSIONS];
	struct pkt frame[2]; /* the query over IPv4 and IPv6 */
	ldns_rdf *owner; /* read only in the readers */
};

static struct tkey keys[N_KEYS];
static struct xdptest t;
static atomic_bool stop;
static atomic_ulong total_runs;
static unsigned long want_runs;
static uint64_t deadline_ns;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int reports;

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* --- the entries ----------------------------------------------------------- */

/* The TXT text of @k: its name @reps times. */
static void txt_text(const struct tkey *k, unsigned int reps, char *out,
		     size_t cap)
{
	out[0] = 0;
	for (unsigned int i = 0; i < reps; i++)
		strncat(out, k->name, cap - strlen(out) - 1);
}

/*
 * Version @v of @k: @count A records, or @count TXT records of the name
 * @reps times, all with TTL 300 + @v, made into an entry at @now.
 * Return: 0 or -1.
 */
static int version_build(struct tkey *k, unsigned int v, unsigned int count,
			 unsigned int reps, uint64_t now)
{
	static char lines[64][400];
	static const char *an[65];
	struct resp_spec s = { .qname = k->name, .an = an };
	struct cache_entry_opts o = { .now_ns = now };
	char text[300];
	uint8_t wire[4096];
	int len, err;

	s.qtype = k->qtype == TYPE_A ? "A" : "TXT";
	txt_text(k, reps, text, sizeof(text));
	for (unsigned int i = 0; i < count; i++) {
		if (k->qtype == TYPE_A)
			snprintf(lines[i], sizeof(lines[i]),
				 "%s %u IN A 198.18.%u.%u", k->name, 300 + v,
				 k->n >> 8, k->n & 255);
		else
			snprintf(lines[i], sizeof(lines[i]),
				 "%s %u IN TXT \"%s\"", k->name, 300 + v, text);
		an[i] = lines[i];
	}
	an[count] = NULL;
	len = resp_build(&s, wire, sizeof(wire));
	if (len < 0)
		return -1;
	err = cache_entry_build(wire, (size_t)len, &o, &k->key, &k->v[v]);
	if (err) {
		fprintf(stderr, "torn_xdp: %s %s x%u: %s\n", k->name, s.qtype,
			count, cache_entry_strerror(err));
		return -1;
	}
	return 0;
}

/*
 * Does a version of @bytes of sections and @rrs records land in class
 * @cls beside a name of 9 to 16 wire bytes, and fit a 1232-byte answer
 * with an OPT record (1150 bytes of sections leave room to spare)?
 */
static bool version_fits(unsigned int cls, unsigned int bytes, unsigned int rrs)
{
	const unsigned int pad = 16;
	unsigned int lo = 0;

	if (bytes > 1150 || bytes + pad > cachemap_classes[cls].body_len ||
	    rrs > cachemap_classes[cls].rrs)
		return false;
	if (cls)
		lo = cachemap_classes[cls - 1].body_len - pad;
	return cls == 0 || bytes > lo || rrs > cachemap_classes[cls - 1].rrs;
}

/*
 * Three versions of every class for @k, spread over the sizes that land
 * there. A record takes 16 bytes of sections (a pointer for its owner),
 * a TXT record 13 and its text. Return: 0 or -1.
 */
static int versions_make(struct tkey *k, uint64_t now)
{
	unsigned int name_len = (unsigned int)strlen(k->name);
	unsigned int rmax = k->qtype == TYPE_A ? 1 : 255 / name_len;
	unsigned int qlen = (unsigned int)pkt_name_to_wire(
		k->name, (uint8_t[DNS_NAME_MAX + 1]){ 0 }, DNS_NAME_MAX + 1);

	for (unsigned int cls = 0; cls < XDPDNS_SLOT_CLASSES; cls++) {
		unsigned int cand[64 * 20][2], n = 0;

		for (unsigned int count = 1; count <= 64; count++)
			for (unsigned int reps = 1; reps <= rmax; reps++) {
				unsigned int rr = k->qtype == TYPE_A ?
							  16 :
							  13 + reps * name_len;

				if (version_fits(cls, count * rr, count)) {
					cand[n][0] = count;
					cand[n][1] = reps;
					n++;
				}
			}
		if (n < 3) {
			fprintf(stderr,
				"torn_xdp: %s: too few sizes of class %u\n",
				k->name, cls);
			return -1;
		}
		for (unsigned int i = 0; i < 3; i++) {
			unsigned int c = i == 0 ? 0 : i == 1 ? n / 2 : n - 1;
			unsigned int v = cls * 3 + i;
			int got;

			if (version_build(k, v, cand[c][0], cand[c][1], now))
				return -1;
			got = cachemap_class_of(&k->v[v], qlen);
			if (got != (int)cls) {
				fprintf(stderr,
					"torn_xdp: %s x%u: class %d, meant %u\n",
					k->name, cand[c][0], got, cls);
				return -1;
			}
		}
	}
	return 0;
}

static int keys_make(uint64_t now)
{
	for (unsigned int i = 0; i < N_KEYS; i++) {
		struct tkey *k = &keys[i];

		k->n = i / 2;
		k->qtype = i & 1 ? TYPE_TXT : TYPE_A;
		snprintf(k->name, sizeof(k->name), "t%u.torn.test.", k->n);
		if (versions_make(k, now))
			return -1;
		k->owner = ldns_dname_new_frm_str(k->name);
		if (!k->owner)
			return -1;
		for (int f = 0; f < 2; f++) {
			struct pkt_query q = { 0 };

			q.family = f ? 6 : 4;
			q.dns.id = (uint16_t)(0x7000 + i);
			q.dns.flags = DNS_F_RD;
			q.dns.qname = k->name;
			q.dns.qtype = k->qtype;
			q.dns.edns = true;
			q.dns.edns_size = 1232;
			pkt_query(&k->frame[f], &q);
		}
	}
	return 0;
}

/* --- what a reader accepts ------------------------------------------------ */

/* Is record @rr's data @k's: its address, or its name repeated? */
static bool rdata_is(const struct tkey *k, const ldns_rr *rr)
{
	size_t name_len = strlen(k->name);

	if (k->qtype == TYPE_A) {
		const ldns_rdf *d = ldns_rr_rdf(rr, 0);
		const uint8_t want[4] = { 198, 18, (uint8_t)(k->n >> 8),
					  (uint8_t)(k->n & 255) };

		return ldns_rr_rd_count(rr) == 1 && d &&
		       ldns_rdf_size(d) == 4 &&
		       !memcmp(ldns_rdf_data(d), want, 4);
	}
	if (ldns_rr_rd_count(rr) != 1)
		return false;
	{
		const ldns_rdf *d = ldns_rr_rdf(rr, 0);
		const uint8_t *b = ldns_rdf_data(d);
		size_t n = ldns_rdf_size(d);

		if (ldns_rdf_get_type(d) != LDNS_RDF_TYPE_STR || n < 1 ||
		    b[0] != n - 1 || (n - 1) % name_len || n == 1)
			return false;
		for (size_t off = 1; off < n; off += name_len)
			if (memcmp(b + off, k->name, name_len))
				return false;
	}
	return true;
}

/*
 * Is the XDP_TX frame @out (@len bytes) an answer to @k: checksums right,
 * a NOERROR response to the question, every answer record @k's name,
 * type, class and data with one TTL, nothing in the other sections?
 * Return: 0, or -1 with the reason in @why.
 */
static int answer_check(const struct tkey *k, const uint8_t *out, size_t len,
			char *why, size_t why_len)
{
	struct pkt_info ai;
	ldns_pkt *lp = NULL;
	ldns_rr_list *an;
	ldns_rr *q;
	uint32_t ttl = 0;
	size_t n;
	int ret = -1;

	if (pkt_verify_checksums(out, len, true, why, why_len) ||
	    pkt_parse(out, len, &ai, why, why_len))
		return -1;
	if (ldns_wire2pkt(&lp, out + ai.dns_off, ai.dns_len) != LDNS_STATUS_OK)
		return xdptest_fail(why, why_len, "ldns cannot parse it");
	q = ldns_rr_list_rr(ldns_pkt_question(lp), 0);
	an = ldns_pkt_answer(lp);
	n = ldns_rr_list_rr_count(an);
	if (!ldns_pkt_qr(lp) || ldns_pkt_get_rcode(lp) != LDNS_RCODE_NOERROR ||
	    ldns_pkt_qdcount(lp) != 1 || !q ||
	    ldns_dname_compare(ldns_rr_owner(q), k->owner) ||
	    ldns_rr_get_type(q) != k->qtype ||
	    ldns_rr_get_class(q) != LDNS_RR_CLASS_IN) {
		xdptest_fail(why, why_len, "not a NOERROR answer to %s",
			     k->name);
		goto out;
	}
	if (!n || ldns_rr_list_rr_count(ldns_pkt_authority(lp)) ||
	    ldns_rr_list_rr_count(ldns_pkt_additional(lp))) {
		xdptest_fail(why, why_len, "sections %zu/%zu/%zu", n,
			     ldns_rr_list_rr_count(ldns_pkt_authority(lp)),
			     ldns_rr_list_rr_count(ldns_pkt_additional(lp)));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (!i)
			ttl = ldns_rr_ttl(rr);
		if (ldns_dname_compare(ldns_rr_owner(rr), k->owner) ||
		    ldns_rr_get_type(rr) != k->qtype ||
		    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
		    ldns_rr_ttl(rr) != ttl || !rdata_is(k, rr)) {
			char *s = ldns_rr2str(rr);

			xdptest_fail(why, why_len,
				     "answer record %zu of %zu is not %s's: "
				     "%s",
				     i, n, k->name, s ? s : "?");
			free(s);
			goto out;
		}
	}
	ret = 0;
out:
	ldns_pkt_free(lp);
	return ret;
}

/* --- the threads ------------------------------------------------------------ */

struct reader {
	pthread_t th;
	int cpu;
	uint64_t seed;
	unsigned long runs, tx, pass, drop, other, wrong;
	int err;
	uint8_t out[PKT_MAX];
};

static void report(const struct tkey *k, const struct pkt *p,
		   const uint8_t *out, size_t len, const char *why)
{
	pthread_mutex_lock(&report_lock);
	if (reports++ < MAX_REPORTS) {
		fprintf(stderr, "torn_xdp: WRONG answer to %s %s: %s\n",
			k->name, k->qtype == TYPE_A ? "A" : "TXT", why);
		xdptest_hexdump("  query", p->buf, p->len);
		xdptest_hexdump("  answer", out, len);
	}
	pthread_mutex_unlock(&report_lock);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	char why[512];
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	r->err = -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (r->err) {
		atomic_store(&stop, true);
		return NULL;
	}
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		unsigned long n;

		for (int i = 0; i < BATCH; i++) {
			uint64_t x = splitmix(&r->seed);
			const struct tkey *k = &keys[x % N_KEYS];
			const struct pkt *p = &k->frame[(x >> 40) & 1];
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->buf,
				    .data_size_in = (__u32)p->len,
				    .data_out = r->out,
				    .data_size_out = sizeof(r->out),
				    .repeat = 1);

			if (bpf_prog_test_run_opts(t.prog_fd, &o)) {
				r->err = -errno;
				atomic_store(&stop, true);
				return NULL;
			}
			r->runs++;
			switch (o.retval) {
			case XDP_TX:
				r->tx++;
				if (answer_check(k, r->out, o.data_size_out,
						 why, sizeof(why))) {
					r->wrong++;
					report(k, p, r->out, o.data_size_out,
					       why);
				}
				break;
			case XDP_PASS:
				r->pass++;
				break;
			case XDP_DROP:
				r->drop++;
				break;
			default:
				r->other++;
			}
		}
		n = atomic_fetch_add(&total_runs, BATCH) + BATCH;
		if (n >= want_runs || xdptest_now_ns() >= deadline_ns)
			atomic_store(&stop, true);
	}
	return NULL;
}

struct writer {
	pthread_t th;
	struct cachemap *cm;
	bool no_quarantine;
	uint64_t seed;
	unsigned long writes, refused, deletes, absent;
	int err;
};

/*
 * As fast as it can: a random version of a random key written, or the
 * key deleted (one in ten, at most one for ten writes done), at the real
 * clock, or with --no-quarantine at a clock a second further on at every
 * call.
 */
static void *writer_main(void *arg)
{
	struct writer *w = arg;
	uint64_t vnow = xdptest_now_ns();

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint64_t x = splitmix(&w->seed);
		const struct tkey *k = &keys[x % N_KEYS];
		uint64_t now = w->no_quarantine ? (vnow += NS_PER_S) :
						  xdptest_now_ns();
		int ret;

		/* One delete for ten writes that were not refused, so that
		 * the names are mostly cached while the quarantine holds
		 * the writes back. */
		if (w->writes > 10 * w->deletes && (x >> 32) % 10 == 0) {
			ret = cachemap_delete(w->cm, &k->key, now);
			if (!ret)
				w->deletes++;
			else if (ret == -ENOENT)
				w->absent++;
		} else {
			ret = cachemap_write(w->cm, &k->key,
					     &k->v[(x >> 40) % N_VERSIONS],
					     now);
			if (!ret)
				w->writes++;
			else if (ret == -ENOSPC)
				w->refused++;
		}
		if (ret && ret != -ENOENT && ret != -ENOSPC) {
			w->err = ret;
			atomic_store(&stop, true);
		}
	}
	return NULL;
}

/* --- the run ------------------------------------------------------------------ */

static unsigned long env_ul(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

int main(int argc, char **argv)
{
	static struct reader readers[MAX_READERS];
	struct xdpdns_stats before, after;
	struct cachemap_stats cs;
	struct writer w = { 0 };
	unsigned long runs = 0, tx = 0, pass = 0, drop = 0, other = 0,
		      wrong = 0, seconds;
	const char *build = "build";
	unsigned int nreaders = 0;
	uint64_t start, end, torn, miss, unexpected = 0;
	char path[4096];
	cpu_set_t cpus;
	int failed = 0, checks = 0;
	bool writing;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-quarantine"))
			w.no_quarantine = true;
		else
			build = argv[i];
	}
	snprintf(path, sizeof(path), "%s/xdpdns.bpf.o", build);
	if (access(path, R_OK)) {
		fprintf(stderr,
			"torn_xdp: %s: not found (usage: %s [--no-quarantine] "
			"BUILD_DIR)\n",
			path, argv[0]);
		return 1;
	}
	want_runs = env_ul("XDPDNS_TORN_RUNS",
			   w.no_quarantine ? 2000000 : 10000000);
	seconds = env_ul("XDPDNS_TORN_SECONDS", 120);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (xdptest_open(&t, TORN_CACHE_ENTRIES)) {
		fprintf(stderr, "torn_xdp: %s\n", t.err);
		return 1;
	}
	w.cm = xdptest_cachemap(&t);
	start = xdptest_now_ns();
	if (!w.cm || keys_make(start)) {
		fprintf(stderr, "torn_xdp: cannot make the entries\n");
		return 1;
	}
	for (unsigned int i = 0; i < N_KEYS; i++)
		if (cachemap_write(w.cm, &keys[i].key, &keys[i].v[0], start)) {
			fprintf(stderr, "torn_xdp: cannot fill the cache\n");
			return 1;
		}
	if (sched_getaffinity(0, sizeof(cpus), &cpus) ||
	    xdptest_stats(&t, &before)) {
		fprintf(stderr, "torn_xdp: %s\n", strerror(errno));
		return 1;
	}

	w.seed = start;
	start = xdptest_now_ns();
	deadline_ns = start + seconds * NS_PER_S;
	for (int c = 0; c < CPU_SETSIZE && nreaders < MAX_READERS; c++) {
		struct reader *r = &readers[nreaders];

		if (!CPU_ISSET(c, &cpus))
			continue;
		r->cpu = c;
		r->seed = start ^ ((uint64_t)c << 48);
		if (pthread_create(&r->th, NULL, reader_main, r)) {
			atomic_store(&stop, true);
			break;
		}
		nreaders++;
	}
	writing = !pthread_create(&w.th, NULL, writer_main, &w);
	if (!writing) {
		fprintf(stderr, "torn_xdp: cannot start the writer\n");
		atomic_store(&stop, true);
		failed++;
		checks++;
	}
	for (unsigned int i = 0; i < nreaders; i++) {
		struct reader *r = &readers[i];

		pthread_join(r->th, NULL);
		if (r->err) {
			fprintf(stderr, "torn_xdp: reader on CPU %d: %s\n",
				r->cpu, strerror(-r->err));
			failed++;
			checks++;
		}
		runs += r->runs;
		tx += r->tx;
		pass += r->pass;
		drop += r->drop;
		other += r->other;
		wrong += r->wrong;
	}
	atomic_store(&stop, true);
	if (writing)
		pthread_join(w.th, NULL);
	end = xdptest_now_ns();
	if (w.err) {
		fprintf(stderr, "torn_xdp: writer: %s\n", strerror(-w.err));
		failed++;
		checks++;
	}
	if (xdptest_stats(&t, &after)) {
		fprintf(stderr, "torn_xdp: cannot read the counters\n");
		return 1;
	}
	cachemap_stats(w.cm, &cs);
	torn = after.torn - before.torn;
	miss = after.miss - before.miss;
	/* With the limits off, every run is a hit, a miss or torn. */
	unexpected = (after.packets - before.packets) -
		     (after.hit - before.hit) - miss - torn;

	printf("torn_xdp: %s: %lu runs in %.1f s on %u CPUs: %lu TX, %lu "
	       "passed, %lu dropped; torn %llu, miss %llu, wrong %lu; "
	       "writer: %lu writes, %lu deletes, %lu refused (no slot), "
	       "%llu evicted\n",
	       w.no_quarantine ? "no quarantine" : "quarantine 1 s", runs,
	       (double)(end - start) / 1e9, nreaders, tx, pass, drop,
	       (unsigned long long)torn, (unsigned long long)miss, wrong,
	       w.writes, w.deletes, w.refused,
	       (unsigned long long)(cs.evicted[0] + cs.evicted[1] +
				    cs.evicted[2] + cs.evicted[3]));
	/* The checks of the run, counted for tests/run-all.sh. */
	checks++;
	if (wrong) {
		fprintf(stderr, "torn_xdp: %lu wrong answers\n", wrong);
		failed++;
	}
	checks++;
	if (runs < want_runs) {
		fprintf(stderr, "torn_xdp: %lu runs in %lu s, want %lu\n", runs,
			seconds, want_runs);
		failed++;
	}
	checks++;
	if (other || unexpected || after.hit - before.hit != tx ||
	    after.packets - before.packets != runs || drop > torn) {
		fprintf(stderr,
			"torn_xdp: %lu other verdicts, %llu other outcomes, "
			"hit %llu for %lu TX, %lu dropped for %llu torn\n",
			other, (unsigned long long)unexpected,
			(unsigned long long)(after.hit - before.hit), tx, drop,
			(unsigned long long)torn);
		failed++;
	}
	if (w.no_quarantine) {
		checks++;
		if (!torn) {
			fprintf(stderr,
				"torn_xdp: nothing torn without the "
				"quarantine: the seqlock was not tested\n");
			failed++;
		}
	}
	printf("%d passed, %d failed\n", checks - failed, failed);
	for (unsigned int i = 0; i < N_KEYS; i++)
		ldns_rdf_deep_free(keys[i].owner);
	xdptest_close(&t);
	return failed ? 1 : 0;
}
