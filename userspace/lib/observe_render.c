// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The three faces of an observe snapshot: Prometheus text exposition for
 * scrapers (unbound-control stats vocabulary under xdpdns_), the JSON the
 * venue dashboard polls, and the full map dump xdpdnsctl keeps as a record.
 * Label sets are bounded by construction: XDPDNS_STATS names, 16 rcodes,
 * type mnemonics plus "other", fixed action words.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "lib/cachemap.h"
#include "lib/dnswire.h"
#include "lib/observe.h"
#include "lib/util.h"
#include "lib/xdpmaps.h"

static const double observe_hist_bounds[DAEMON_HIST_BUCKETS] =
	DAEMON_HIST_BOUNDS;

/* Rcode and qtype series that exist from the first scrape, so rate() and
 * the Grafana panels have a baseline before the first such answer. */
static bool observe_rcode_always(unsigned int rcode)
{
	return rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_SERVFAIL ||
	       rcode == DNS_RCODE_NXDOMAIN || rcode == DNS_RCODE_REFUSED;
}

static bool observe_qtype_always(unsigned int type)
{
	return type == DNS_TYPE_A || type == DNS_TYPE_AAAA ||
	       type == DNS_TYPE_HTTPS;
}

/* ---- Prometheus ---------------------------------------------------------- */

static void prom_head(FILE *f, const char *name, const char *type,
		      const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_u64(FILE *f, const char *name, uint64_t v)
{
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* One labelled sample; label values here come from fixed tables. */
static void prom_label(FILE *f, const char *name, const char *label,
		       const char *value, uint64_t v)
{
	fprintf(f, "%s{%s=\"", name, label);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f);
		if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fprintf(f, "\"} %" PRIu64 "\n", v);
}

static void prom_counter(FILE *f, const char *name, const char *help,
			 uint64_t v)
{
	prom_head(f, name, "counter", help);
	prom_u64(f, name, v);
}

static void prom_gauge(FILE *f, const char *name, const char *help, uint64_t v)
{
	prom_head(f, name, "gauge", help);
	prom_u64(f, name, v);
}

static void prom_histogram(FILE *f, const struct observe_snapshot *s,
			   const struct observe_totals *t)
{
	const char *n = "xdpdns_recursion_duration_seconds";

	prom_head(
		f, n, "histogram",
		"Time the daemon spent resolving a query through libunbound.");
	for (int i = 0; i < DAEMON_HIST_BUCKETS; i++)
		fprintf(f, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", n,
			observe_hist_bounds[i], t->hist_cumulative[i]);
	fprintf(f, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", n,
		t->hist_cumulative[DAEMON_HIST_BUCKETS]);
	fprintf(f, "%s_sum %.9g\n", n, s->daemon.hist_sum);
	fprintf(f, "%s_count %" PRIu64 "\n", n,
		t->hist_cumulative[DAEMON_HIST_BUCKETS]);
}

/* One DAEMON_STATS row: HELP and TYPE on the first member of a family. */
static void prom_daemon_stat(FILE *f, const char *type, const char *metric,
			     const char *label, const char *help, uint64_t v)
{
	if (help)
		prom_head(f, metric, type, help);
	if (label)
		fprintf(f, "%s{%s} %" PRIu64 "\n", metric, label, v);
	else
		prom_u64(f, metric, v);
}

static void prom_daemon(FILE *f, const struct daemon_stats *d)
{
#define OBSERVE_PROM_DAEMON_(field, type, metric, label, help) \
	prom_daemon_stat(f, #type, metric, label, help, d->field);
	DAEMON_STATS(OBSERVE_PROM_DAEMON_)
#undef OBSERVE_PROM_DAEMON_
}

int observe_prometheus(const struct observe_snapshot *s, FILE *f)
{
	struct observe_totals t;
	char buf[32];

	observe_totals(s, &t);

	prom_gauge(f, "xdpdns_up", "1 while xdpdnsd serves these metrics.",
		   s->have_daemon ? 1 : 0);
	prom_gauge(f, "xdpdns_xdp_attached",
		   "1 when the XDP program's counters are readable.",
		   s->have_xdp ? 1 : 0);

	prom_counter(f, "xdpdns_queries_total",
		     "DNS queries received: XDP-seen UDP plus daemon TCP with "
		     "XDP attached, else daemon UDP plus TCP.",
		     t.queries);
	prom_counter(f, "xdpdns_xdp_answers_total",
		     "Frames the XDP program sent back (XDP_TX): cache hits, "
		     "REFUSED and TC=1 slips.",
		     t.xdp_answers);
	prom_counter(f, "xdpdns_cache_hits_total",
		     "Queries answered from the XDP cache; the daemon's own "
		     "cache without XDP.",
		     t.cache_hits);
	prom_counter(f, "xdpdns_cache_misses_total",
		     "XDP cache lookups without a fresh entry (miss or "
		     "expired); daemon resolutions without XDP.",
		     t.cache_misses);

	prom_head(f, "xdpdns_answers_total", "counter",
		  "Answers sent by XDP and the daemon, by rcode.");
	for (unsigned int i = 0; i < XDPDNS_RCODE_SLOTS; i++) {
		if (!t.rcode[i] && !observe_rcode_always(i))
			continue;
		dnswire_rcode_to_text(i, buf, sizeof(buf));
		prom_label(f, "xdpdns_answers_total", "rcode", buf, t.rcode[i]);
	}

	prom_head(f, "xdpdns_queries_by_type_total", "counter",
		  "Queries by type: XDP answers plus daemon queries; types "
		  "without a mnemonic are \"other\".");
	for (unsigned int i = 1; i < XDPDNS_QTYPE_SLOTS; i++) {
		if (!observe_qtype_label(i, buf, sizeof(buf)))
			continue;
		if (!t.qtype[i] && !observe_qtype_always(i))
			continue;
		prom_label(f, "xdpdns_queries_by_type_total", "type", buf,
			   t.qtype[i]);
	}
	prom_label(f, "xdpdns_queries_by_type_total", "type", "other",
		   t.qtype[0]);

	prom_head(f, "xdpdns_ratelimited_total", "counter",
		  "Queries over a per-client or global limit, by action.");
	prom_label(f, "xdpdns_ratelimited_total", "action", "dropped",
		   t.rl_dropped);
	prom_label(f, "xdpdns_ratelimited_total", "action", "slipped",
		   t.rl_slipped);
	prom_label(f, "xdpdns_ratelimited_total", "action", "dryrun",
		   t.rl_dryrun);

	prom_head(f, "xdpdns_acl_denied_total", "counter",
		  "Queries from sources outside the allowed prefixes, by "
		  "action.");
	prom_label(f, "xdpdns_acl_denied_total", "action", "dropped",
		   t.acl_dropped);
	prom_label(f, "xdpdns_acl_denied_total", "action", "refused",
		   t.acl_refused);

	prom_head(f, "xdpdns_xdp_outcomes_total", "counter",
		  "XDP program counters, one per reason (see maps/xdpdns.h).");
	for (int i = 0; i < XDPDNS_STAT_MAX; i++)
		prom_label(f, "xdpdns_xdp_outcomes_total", "reason",
			   observe_stat_names[i],
			   ((const uint64_t *)&s->xdp)[i]);

	if (s->have_daemon) {
		prom_daemon(f, &s->daemon);
		prom_histogram(f, s, &t);
	}

	if (s->cache.valid) {
		prom_gauge(f, "xdpdns_cache_entries",
			   "Entries in the XDP cache map.", s->cache.entries);
		prom_gauge(f, "xdpdns_cache_capacity",
			   "Size of the XDP cache map (max_entries).",
			   s->cache.capacity);
		prom_gauge(f, "xdpdns_cache_stale_entries",
			   "Cache entries past their TTL, not yet replaced.",
			   s->cache.stale);
	}
	if (s->clients.valid) {
		prom_gauge(f, "xdpdns_clients_tracked",
			   "Clients in the rate-limit table.",
			   s->clients.tracked);
		prom_gauge(f, "xdpdns_clients_limited",
			   "Clients rate-limited in the last 10 seconds.",
			   s->clients.limited_now);
	}
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}

/* ---- JSON ---------------------------------------------------------------- */

static json_t *jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

/* Seconds from @now_ns until @t_ns (negative: in the past). */
static double jsec(uint64_t t_ns, uint64_t now_ns)
{
	return (double)(int64_t)(t_ns - now_ns) / 1e9;
}

/* Age in seconds of a BPF-clock timestamp, null when never (0). */
static json_t *jage(uint64_t t_ns, uint64_t now_ns)
{
	if (!t_ns)
		return json_null();
	if (t_ns >= now_ns)
		return json_real(0);
	return json_real((double)(now_ns - t_ns) / 1e9);
}

static json_t *observe_name_json(const struct observe_name *n, uint64_t now_ns)
{
	char name[DNSWIRE_NAME_TEXT_MAX], type[16], rcode[16];
	json_t *o = json_object();

	observe_key_name(&n->key, name, sizeof(name));
	dnswire_type_to_text(n->key.qtype, type, sizeof(type));
	dnswire_rcode_to_text(n->flags & DNS_F_RCODE, rcode, sizeof(rcode));
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "flags",
			    json_string(observe_key_flags(n->key.flags)));
	json_object_set_new(o, "hits", jint(n->hits));
	json_object_set_new(o, "rcode", json_string(rcode));
	json_object_set_new(o, "ttl", jint(n->ttl));
	json_object_set_new(o, "expires_in",
			    json_real(jsec(n->expire_ns, now_ns)));
	return o;
}

static json_t *observe_client_json(const struct observe_client *c,
				   uint64_t now_ns)
{
	char addr[INET6_ADDRSTRLEN];
	json_t *o = json_object();

	observe_client_addr(&c->key, addr, sizeof(addr));
	json_object_set_new(o, "client", json_string(addr));
	json_object_set_new(o, "family", jint(c->key.family));
	json_object_set_new(o, "queries", jint(c->st.queries));
	json_object_set_new(o, "limited", jint(c->st.limited));
	json_object_set_new(o, "last_seen_ago", jage(c->st.last_ns, now_ns));
	json_object_set_new(o, "limited_ago", jage(c->st.limited_ns, now_ns));
	return o;
}

static json_t *observe_outcomes_json(const struct xdpdns_stats *x)
{
	json_t *o = json_object();

	for (int i = 0; i < XDPDNS_STAT_MAX; i++)
		json_object_set_new(o, observe_stat_names[i],
				    jint(((const uint64_t *)x)[i]));
	return o;
}

static json_t *observe_rcode_json(const uint64_t *rcode)
{
	json_t *o = json_object();
	char buf[16];

	for (unsigned int i = 0; i < XDPDNS_RCODE_SLOTS; i++) {
		if (!rcode[i] && !observe_rcode_always(i))
			continue;
		dnswire_rcode_to_text(i, buf, sizeof(buf));
		json_object_set_new(o, buf, jint(rcode[i]));
	}
	return o;
}

static json_t *observe_qtype_json(const uint64_t *qtype)
{
	json_t *o = json_object();
	char buf[32];

	for (unsigned int i = 1; i < XDPDNS_QTYPE_SLOTS; i++) {
		if (!observe_qtype_label(i, buf, sizeof(buf)))
			continue;
		if (qtype[i] || observe_qtype_always(i))
			json_object_set_new(o, buf, jint(qtype[i]));
	}
	json_object_set_new(o, "other", jint(qtype[0]));
	return o;
}

static json_t *observe_daemon_json(const struct observe_snapshot *s,
				   const struct observe_totals *t)
{
	const struct daemon_stats *d = &s->daemon;
	json_t *o = json_object(), *h = json_object();
	json_t *le = json_array(), *cum = json_array();

#define OBSERVE_DAEMON_FIELD_(field, type, metric, label, help) \
	json_object_set_new(o, #field, jint(d->field));
	DAEMON_STATS(OBSERVE_DAEMON_FIELD_)
#undef OBSERVE_DAEMON_FIELD_
	for (int i = 0; i < DAEMON_HIST_BUCKETS; i++) {
		json_array_append_new(le, json_real(observe_hist_bounds[i]));
		json_array_append_new(cum, jint(t->hist_cumulative[i]));
	}
	json_array_append_new(le, json_string("+Inf"));
	json_array_append_new(cum,
			      jint(t->hist_cumulative[DAEMON_HIST_BUCKETS]));
	json_object_set_new(h, "le", le);
	json_object_set_new(h, "cumulative", cum);
	json_object_set_new(h, "sum", json_real(d->hist_sum));
	json_object_set_new(h, "count",
			    jint(t->hist_cumulative[DAEMON_HIST_BUCKETS]));
	json_object_set_new(o, "recursion", h);
	return o;
}

json_t *observe_stats_json(const struct observe_snapshot *s)
{
	json_t *o = json_object(), *a;
	struct observe_totals t;

	if (!o) {
		errno = ENOMEM;
		return NULL;
	}
	observe_totals(s, &t);
	json_object_set_new(o, "version", jint(OBSERVE_JSON_VERSION));
	json_object_set_new(o, "time", json_real(s->unix_time));
	json_object_set_new(o, "xdp", json_boolean(s->have_xdp));
	json_object_set_new(o, "daemon", json_boolean(s->have_daemon));

	a = json_object();
	json_object_set_new(a, "queries", jint(t.queries));
	json_object_set_new(a, "daemon_queries", jint(t.daemon_queries));
	json_object_set_new(a, "xdp_answers", jint(t.xdp_answers));
	json_object_set_new(a, "cache_hits", jint(t.cache_hits));
	json_object_set_new(a, "cache_misses", jint(t.cache_misses));
	json_object_set_new(a, "prefetch", jint(s->daemon.prefetch));
	json_object_set_new(o, "totals", a);

	a = json_object();
	json_object_set_new(a, "dropped", jint(t.rl_dropped));
	json_object_set_new(a, "slipped", jint(t.rl_slipped));
	json_object_set_new(a, "dryrun", jint(t.rl_dryrun));
	json_object_set_new(o, "ratelimited", a);

	a = json_object();
	json_object_set_new(a, "dropped", jint(t.acl_dropped));
	json_object_set_new(a, "refused", jint(t.acl_refused));
	json_object_set_new(o, "acl_denied", a);

	json_object_set_new(o, "rcode", observe_rcode_json(t.rcode));
	json_object_set_new(o, "qtype", observe_qtype_json(t.qtype));
	json_object_set_new(o, "xdp_outcomes", observe_outcomes_json(&s->xdp));
	json_object_set_new(o, "daemon_stats",
			    s->have_daemon ? observe_daemon_json(s, &t) :
					     json_null());

	if (s->cache.valid) {
		a = json_object();
		json_object_set_new(a, "entries", jint(s->cache.entries));
		json_object_set_new(a, "capacity", jint(s->cache.capacity));
		json_object_set_new(a, "stale", jint(s->cache.stale));
		json_object_set_new(a, "negative", jint(s->cache.negative));
		json_object_set_new(a, "hits", jint(s->cache.hits));
		json_object_set_new(o, "cache", a);
	} else {
		json_object_set_new(o, "cache", json_null());
	}
	if (s->clients.valid) {
		a = json_object();
		json_object_set_new(a, "tracked", jint(s->clients.tracked));
		json_object_set_new(a, "capacity", jint(s->clients.capacity));
		json_object_set_new(a, "limited_now",
				    jint(s->clients.limited_now));
		json_object_set_new(o, "clients", a);
	} else {
		json_object_set_new(o, "clients", json_null());
	}

	a = json_array();
	for (size_t i = 0; i < s->cache.n_top; i++)
		json_array_append_new(a, observe_name_json(&s->cache.top[i],
							   s->mono_ns));
	json_object_set_new(o, "top_names", a);
	a = json_array();
	for (size_t i = 0; i < s->clients.n_top; i++)
		json_array_append_new(a, observe_client_json(&s->clients.top[i],
							     s->mono_ns));
	json_object_set_new(o, "top_clients", a);
	a = json_array();
	for (size_t i = 0; i < s->clients.n_limited && i < OBSERVE_TOP_DEFAULT;
	     i++)
		json_array_append_new(
			a, observe_client_json(&s->clients.limited[i],
					       s->mono_ns));
	json_object_set_new(o, "limited_clients", a);
	return o;
}

/* ---- dump ---------------------------------------------------------------- */

static json_t *observe_hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(2 * n + 1);
	json_t *j;

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 0xf];
	}
	s[2 * n] = '\0';
	j = json_string(s);
	free(s);
	return j;
}

static json_t *observe_addr_json(__u32 family, const __u8 *addr)
{
	char buf[INET6_ADDRSTRLEN];
	int af = family == 6 ? AF_INET6 : AF_INET;

	if (!inet_ntop(af, addr, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "?");
	return json_string(buf);
}

struct observe_dump_ctx {
	json_t *arr;
	uint64_t now_ns;
	unsigned int flags;
};

static int observe_dump_cache_cb(void *arg, const struct xdpdns_cache_key *key,
				 const struct xdpdns_cache_entry *e)
{
	struct observe_dump_ctx *ctx = arg;
	char name[DNSWIRE_NAME_TEXT_MAX], type[16], rcode[16];
	json_t *o = json_object();

	observe_key_name(key, name, sizeof(name));
	dnswire_type_to_text(key->qtype, type, sizeof(type));
	dnswire_rcode_to_text(e->flags & DNS_F_RCODE, rcode, sizeof(rcode));
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "class", jint(key->qclass));
	json_object_set_new(o, "flags",
			    json_string(observe_key_flags(key->flags)));
	json_object_set_new(o, "rcode", json_string(rcode));
	json_object_set_new(o, "aa", json_boolean(e->flags & DNS_F_AA));
	json_object_set_new(o, "validated",
			    json_boolean(e->entry_flags &
					 XDPDNS_ENTRY_VALIDATED));
	json_object_set_new(o, "ttl", jint(e->ttl));
	json_object_set_new(o, "expires_in",
			    json_real(jsec(e->expire_ns, ctx->now_ns)));
	json_object_set_new(o, "hits", jint(e->hits));
	json_object_set_new(o, "ancount", jint(e->ancount));
	json_object_set_new(o, "nscount", jint(e->nscount));
	json_object_set_new(o, "arcount", jint(e->arcount));
	json_object_set_new(o, "data_len", jint(e->data_len));
	if (ctx->flags & OBSERVE_DUMP_CACHE_DATA)
		json_object_set_new(o, "data",
				    observe_hex(e->data,
						e->data_len <= XDPDNS_DATA_MAX ?
							e->data_len :
							XDPDNS_DATA_MAX));
	return json_array_append_new(ctx->arr, o) ? -ENOMEM : 0;
}

static int observe_dump_rl_cb(const void *k, const void *v, void *arg)
{
	const struct xdpdns_rl_key *key = k;
	const struct xdpdns_rl_state *st = v;
	struct observe_dump_ctx *ctx = arg;
	json_t *o = json_object();

	json_object_set_new(o, "client",
			    observe_addr_json(key->family, key->addr));
	json_object_set_new(o, "family", jint(key->family));
	json_object_set_new(
		o, "stage",
		json_string(key->stage == XDPDNS_RL_NET	   ? "net" :
			    key->stage == XDPDNS_RL_WIDE   ? "wide" :
			    key->stage == XDPDNS_RL_COOKIE ? "cookie" :
							     "host"));
	json_object_set_new(o, "prefix_len", jint(key->plen));
	json_object_set_new(o, "queries", jint(st->queries));
	json_object_set_new(o, "limited", jint(st->limited));
	json_object_set_new(o, "last_seen_ago", jage(st->last_ns, ctx->now_ns));
	json_object_set_new(o, "limited_ago",
			    jage(st->limited_ns, ctx->now_ns));
	json_object_set_new(o, "tat_ns", jint(st->tat_ns));
	json_object_set_new(o, "miss_tat_ns", jint(st->miss_tat_ns));
	json_object_set_new(o, "last_ns", jint(st->last_ns));
	json_object_set_new(o, "limited_ns", jint(st->limited_ns));
	json_object_set_new(o, "slip_ctr", jint(st->slip_ctr));
	return json_array_append_new(ctx->arr, o) ? -ENOMEM : 0;
}

/* The access-control tries: values only mark presence. */
static int observe_dump_prefix_cb(const void *k, const void *v, void *arg)
{
	struct observe_dump_ctx *ctx = arg;
	char buf[INET6_ADDRSTRLEN + 8];

	(void)v;
	if (xdpmaps_lpm_key_text(k, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "?");
	return json_array_append_new(ctx->arr, json_string(buf)) ? -ENOMEM : 0;
}

static int observe_dump_svc_cb(const void *k, const void *v, void *arg)
{
	const struct xdpdns_svc_key *key = k;
	struct observe_dump_ctx *ctx = arg;

	(void)v;
	return json_array_append_new(ctx->arr, observe_addr_json(key->family,
								 key->addr)) ?
		       -ENOMEM :
		       0;
}

/* Value size of @fd, so maps whose values only mark presence still walk. */
static size_t observe_value_size(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.value_size;
}

static json_t *observe_dump_walk(int fd, size_t ksz, size_t vsz,
				 observe_walk_fn fn, uint64_t now_ns,
				 unsigned int flags)
{
	struct observe_dump_ctx ctx = { .now_ns = now_ns, .flags = flags };

	if (fd < 0)
		return json_null();
	if (!vsz)
		vsz = observe_value_size(fd);
	ctx.arr = json_array();
	if (!vsz || observe_map_walk(fd, ksz, vsz, fn, &ctx)) {
		json_decref(ctx.arr);
		return json_null();
	}
	return ctx.arr;
}

/* The XDP cache's live entries, read from its slots. */
static json_t *observe_dump_cache(const struct xdpmaps_fds *fds,
				  uint64_t now_ns, unsigned int flags)
{
	const int slot_fds[XDPDNS_SLOT_CLASSES] = { fds->slot0, fds->slot1,
						    fds->slot2, fds->slot3 };
	struct observe_dump_ctx ctx = { .now_ns = now_ns, .flags = flags };
	const struct xdpdns_hash_key none = { 0 };
	struct cachemap *cm;

	if (fds->cache < 0 ||
	    cachemap_open(fds->cache, slot_fds, &none, 0, now_ns, &cm, NULL, 0))
		return json_null();
	ctx.arr = json_array();
	if (cachemap_walk(cm, observe_dump_cache_cb, &ctx)) {
		json_decref(ctx.arr);
		ctx.arr = json_null();
	}
	cachemap_close(cm);
	return ctx.arr;
}

static json_t *observe_dump_config(int fd)
{
	struct xdpdns_config c;
	__u32 zero = 0;
	json_t *o, *fl;

	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &c))
		return json_null();
	o = json_object();
	fl = json_array();
	if (c.flags & XDPDNS_CFG_ACL)
		json_array_append_new(fl, json_string("acl"));
	if (c.flags & XDPDNS_CFG_ACL_REFUSE)
		json_array_append_new(fl, json_string("acl_refuse"));
	if (c.flags & XDPDNS_CFG_RL_DRYRUN)
		json_array_append_new(fl, json_string("rl_dryrun"));
	json_object_set_new(o, "port", jint(c.port));
	json_object_set_new(o, "edns_size", jint(c.edns_size));
	json_object_set_new(o, "flags", fl);
	json_object_set_new(o, "rl_rate", jint(c.rl_rate));
	json_object_set_new(o, "rl_burst", jint(c.rl_burst));
	json_object_set_new(o, "miss_rate", jint(c.miss_rate));
	json_object_set_new(o, "miss_burst", jint(c.miss_burst));
	json_object_set_new(o, "gmiss_rate", jint(c.gmiss_rate));
	json_object_set_new(o, "gmiss_burst", jint(c.gmiss_burst));
	json_object_set_new(o, "slip", jint(c.slip));
	json_object_set_new(o, "v4_prefix", jint(c.v4_prefix));
	json_object_set_new(o, "v6_prefix", jint(c.v6_prefix));
	json_object_set_new(o, "sample_rate", jint(c.sample_rate));
	return o;
}

static json_t *observe_dump_gmiss(int fd)
{
	struct xdpdns_gmiss_state g;
	__u32 zero = 0;
	json_t *o;

	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &g))
		return json_null();
	o = json_object();
	json_object_set_new(o, "tat_ns", jint(g.tat_ns));
	json_object_set_new(o, "dropped", jint(g.dropped));
	return o;
}

static json_t *observe_dump_stats(int fd)
{
	struct xdpdns_stats x;
	json_t *o, *q, *r;
	char buf[32];

	if (fd < 0 || xdpmaps_stats_sum(fd, &x))
		return json_null();
	o = observe_outcomes_json(&x);
	q = json_object();
	r = json_object();
	for (unsigned int i = 0; i < XDPDNS_QTYPE_SLOTS; i++) {
		if (!x.answer_qtype[i])
			continue;
		if (i == 0)
			snprintf(buf, sizeof(buf), "other");
		else
			dnswire_type_to_text((uint16_t)i, buf, sizeof(buf));
		json_object_set_new(q, buf, jint(x.answer_qtype[i]));
	}
	for (unsigned int i = 0; i < XDPDNS_RCODE_SLOTS; i++) {
		if (!x.answer_rcode[i])
			continue;
		dnswire_rcode_to_text(i, buf, sizeof(buf));
		json_object_set_new(r, buf, jint(x.answer_rcode[i]));
	}
	json_object_set_new(o, "answer_qtype", q);
	json_object_set_new(o, "answer_rcode", r);
	return o;
}

json_t *observe_dump_json(const struct xdpmaps_fds *fds, unsigned int flags)
{
	uint64_t now_ns = util_mono_ns();
	json_t *o = json_object(), *cache;
	struct timespec rt;
	char iso[40];
	struct tm tm;

	if (!o) {
		errno = ENOMEM;
		return NULL;
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	gmtime_r(&rt.tv_sec, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, "kind", json_string("xdpdns-dump"));
	json_object_set_new(o, "version", jint(OBSERVE_JSON_VERSION));
	json_object_set_new(
		o, "time",
		json_real((double)rt.tv_sec + (double)rt.tv_nsec / 1e9));
	json_object_set_new(o, "time_iso", json_string(iso));
	json_object_set_new(o, "mono_ns", jint(now_ns));
	json_object_set_new(o, "stats", observe_dump_stats(fds->stats));
	json_object_set_new(o, "config", observe_dump_config(fds->config));
	json_object_set_new(
		o, "svc",
		observe_dump_walk(fds->svc, sizeof(struct xdpdns_svc_key), 0,
				  observe_dump_svc_cb, now_ns, flags));
	json_object_set_new(
		o, "allow",
		observe_dump_walk(fds->allow, sizeof(struct xdpdns_lpm_key), 0,
				  observe_dump_prefix_cb, now_ns, flags));
	json_object_set_new(
		o, "deny",
		observe_dump_walk(fds->deny, sizeof(struct xdpdns_lpm_key), 0,
				  observe_dump_prefix_cb, now_ns, flags));
	json_object_set_new(
		o, "exempt",
		observe_dump_walk(fds->exempt, sizeof(struct xdpdns_lpm_key), 0,
				  observe_dump_prefix_cb, now_ns, flags));
	json_object_set_new(
		o, "rl",
		observe_dump_walk(fds->rl, sizeof(struct xdpdns_rl_key),
				  sizeof(struct xdpdns_rl_state),
				  observe_dump_rl_cb, now_ns, flags));
	json_object_set_new(o, "gmiss", observe_dump_gmiss(fds->gmiss));
	cache = observe_dump_cache(fds, now_ns, flags);
	if (json_is_array(cache)) {
		json_t *c = json_object();

		json_object_set_new(c, "capacity",
				    jint(observe_map_capacity(fds->cache)));
		json_object_set_new(c, "entries", cache);
		cache = c;
	}
	json_object_set_new(o, "cache", cache);
	return o;
}
