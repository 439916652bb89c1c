// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reading the kernel side for the operator: per-CPU counters summed, the
 * cache and rate-limit tables walked (batched where the kernel allows) into
 * counts and top lists, the daemon counters copied without locks, and the
 * derived totals every view shares. Rendering lives in observe_render.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/cachemap.h"
#include "lib/dnswire.h"
#include "lib/observe.h"
#include "lib/util.h"
#include "lib/xdpmaps.h"

/* Elements fetched per BPF_MAP_LOOKUP_BATCH call. */
#define OBSERVE_BATCH 256

#define OBSERVE_STAT_NAME_(NAME, name, help) [XDPDNS_STAT_##NAME] = #name,
const char *const observe_stat_names[XDPDNS_STAT_MAX] = { XDPDNS_STATS(
	OBSERVE_STAT_NAME_) };
#undef OBSERVE_STAT_NAME_

#define OBSERVE_STAT_HELP_(NAME, name, help) [XDPDNS_STAT_##NAME] = help,
const char *const observe_stat_help[XDPDNS_STAT_MAX] = { XDPDNS_STATS(
	OBSERVE_STAT_HELP_) };
#undef OBSERVE_STAT_HELP_

static int observe_map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		return -errno;
	return 0;
}

uint32_t observe_map_capacity(int fd)
{
	struct bpf_map_info info;

	if (fd < 0 || observe_map_info(fd, &info))
		return 0;
	return info.max_entries;
}

/* The slow path for kernels or map types without batch lookups. */
static int observe_walk_keys(int fd, size_t ksz, size_t vsz,
			     uint32_t max_entries, observe_walk_fn fn,
			     void *ctx)
{
	uint8_t *cur = NULL, *keys, *val;
	uint64_t steps = 0;
	int err = 0;

	keys = calloc(2, ksz);
	val = calloc(1, vsz);
	if (!keys || !val) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		uint8_t *next = cur == keys ? keys + ksz : keys;

		if (bpf_map_get_next_key(fd, cur, next)) {
			err = errno == ENOENT ? 0 : -errno;
			break;
		}
		/*
		 * A deleted current key makes get_next_key start over; in a
		 * churning LRU that could go on for ever, so stop after a
		 * bounded number of steps.
		 */
		if (++steps > 2ULL * max_entries + OBSERVE_BATCH)
			break;
		cur = next;
		if (bpf_map_lookup_elem(fd, cur, val)) {
			if (errno == ENOENT)
				continue;
			err = -errno;
			break;
		}
		err = fn(cur, val, ctx);
		if (err)
			break;
	}
out:
	free(keys);
	free(val);
	return err;
}

int observe_map_walk(int fd, size_t ksz, size_t vsz, observe_walk_fn fn,
		     void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint8_t *keys = NULL, *vals = NULL, *in = NULL, *out = NULL;
	size_t tok = ksz > 8 ? ksz : 8;
	struct bpf_map_info info;
	__u32 count = OBSERVE_BATCH;
	bool first = true;
	int err;

	if (fd < 0)
		return -EBADF;
	err = observe_map_info(fd, &info);
	if (err)
		return err;
	if (info.key_size != ksz || info.value_size != vsz)
		return -EPROTO;
	in = calloc(2, tok);
	if (!in)
		return -ENOMEM;
	out = in + tok;
	for (;;) {
		__u32 n = count;
		int ret;

		if (!keys) {
			keys = malloc(ksz * count);
			vals = malloc(vsz * count);
			if (!keys || !vals) {
				err = -ENOMEM;
				goto out;
			}
		}
		ret = bpf_map_lookup_batch(fd, first ? NULL : in, out, keys,
					   vals, &n, &opts);
		if (ret < 0)
			ret = -errno;
		if (ret && ret != -ENOENT) {
			if (ret == -ENOSPC && count < 65536) {
				/* One bucket holds more than @count keys. */
				count *= 4;
				free(keys);
				free(vals);
				keys = vals = NULL;
				continue;
			}
			if (first && (ret == -EINVAL || ret == -EOPNOTSUPP ||
				      ret == -ENOTSUP || ret == -524)) {
				err = observe_walk_keys(fd, ksz, vsz,
							info.max_entries, fn,
							ctx);
				goto out;
			}
			err = ret;
			goto out;
		}
		for (__u32 i = 0; i < n; i++) {
			err = fn(keys + i * ksz, vals + i * vsz, ctx);
			if (err)
				goto out;
		}
		if (ret == -ENOENT)
			break;
		memcpy(in, out, tok);
		first = false;
	}
	err = 0;
out:
	free(keys);
	free(vals);
	free(in);
	return err;
}

/* Keep @top sorted by @score, descending, at most @cap rows. */
static size_t observe_top_slot(const uint64_t *scores, size_t n, size_t cap,
			       uint64_t score)
{
	size_t pos = n;

	while (pos > 0 && scores[pos - 1] < score)
		pos--;
	return pos < cap ? pos : cap;
}

struct observe_cache_ctx {
	struct observe_cache *c;
	size_t top_n;
	uint64_t now_ns;
	uint64_t scores[OBSERVE_TOP_MAX];
};

static int observe_cache_cb(void *arg, const struct xdpdns_cache_key *key,
			    const struct xdpdns_cache_entry *e)
{
	struct observe_cache_ctx *ctx = arg;
	struct observe_cache *c = ctx->c;
	unsigned int rcode = e->flags & DNS_F_RCODE;
	size_t pos;

	c->entries++;
	if (!xdpdns_time_before(ctx->now_ns, e->expire_ns))
		c->stale++;
	if (rcode == DNS_RCODE_NXDOMAIN ||
	    (rcode == DNS_RCODE_NOERROR && e->ancount == 0))
		c->negative++;
	c->hits += e->hits;

	if (ctx->top_n == 0 || e->hits == 0)
		return 0;
	pos = observe_top_slot(ctx->scores, c->n_top, ctx->top_n, e->hits);
	if (pos >= ctx->top_n)
		return 0;
	if (c->n_top < ctx->top_n)
		c->n_top++;
	memmove(&c->top[pos + 1], &c->top[pos],
		(c->n_top - 1 - pos) * sizeof(c->top[0]));
	memmove(&ctx->scores[pos + 1], &ctx->scores[pos],
		(c->n_top - 1 - pos) * sizeof(ctx->scores[0]));
	ctx->scores[pos] = e->hits;
	c->top[pos].key = *key;
	c->top[pos].hits = e->hits;
	c->top[pos].expire_ns = e->expire_ns;
	c->top[pos].ttl = e->ttl;
	c->top[pos].flags = e->flags;
	c->top[pos].ancount = e->ancount;
	return 0;
}

int observe_cache_walk(const struct xdpmaps_fds *fds, size_t top_n,
		       uint64_t now_ns, struct observe_cache *out)
{
	const int slot_fds[XDPDNS_SLOT_CLASSES] = { fds->slot0, fds->slot1,
						    fds->slot2, fds->slot3 };
	/* A walk reads the slots only: the hash key is not needed. */
	const struct xdpdns_hash_key none = { 0 };
	struct observe_cache_ctx *ctx;
	struct cachemap *cm;
	int err;

	memset(out, 0, sizeof(*out));
	if (fds->cache < 0)
		return -EBADF;
	err = cachemap_open(fds->cache, slot_fds, &none, 0, now_ns, &cm, NULL,
			    0);
	if (err)
		return err;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		cachemap_close(cm);
		return -ENOMEM;
	}
	ctx->c = out;
	ctx->top_n = top_n < OBSERVE_TOP_MAX ? top_n : OBSERVE_TOP_MAX;
	ctx->now_ns = now_ns;
	out->capacity = observe_map_capacity(fds->cache);
	err = cachemap_walk(cm, observe_cache_cb, ctx);
	out->valid = err == 0;
	free(ctx);
	cachemap_close(cm);
	return err;
}

struct observe_clients_ctx {
	struct observe_clients *c;
	size_t top_n;
	uint64_t now_ns;
	uint64_t window_ns;
	uint64_t scores[OBSERVE_TOP_MAX];
	uint64_t lscores[OBSERVE_TOP_MAX];
};

static void observe_insert_client(struct observe_client *rows, size_t *n,
				  uint64_t *scores, size_t cap,
				  const struct observe_client *row,
				  uint64_t score)
{
	size_t pos = observe_top_slot(scores, *n, cap, score);

	if (pos >= cap)
		return;
	if (*n < cap)
		(*n)++;
	memmove(&rows[pos + 1], &rows[pos], (*n - 1 - pos) * sizeof(rows[0]));
	memmove(&scores[pos + 1], &scores[pos],
		(*n - 1 - pos) * sizeof(scores[0]));
	rows[pos] = *row;
	scores[pos] = score;
}

static int observe_clients_cb(const void *k, const void *v, void *arg)
{
	struct observe_clients_ctx *ctx = arg;
	struct observe_clients *c = ctx->c;
	struct observe_client row;
	bool host;

	memcpy(&row.key, k, sizeof(row.key));
	memcpy(&row.st, v, sizeof(row.st));
	/* A prefix stage's entry is every client in it: not a client
	 * (not counted, never a top client), but listed as limited, as
	 * ADDR/PLEN. A cookie client's own bucket is a host's. */
	host = row.key.stage == XDPDNS_RL_HOST ||
	       row.key.stage == XDPDNS_RL_COOKIE;
	c->tracked += host;
	if (ctx->top_n && row.st.queries && host)
		observe_insert_client(c->top, &c->n_top, ctx->scores,
				      ctx->top_n, &row, row.st.queries);
	if (row.st.limited_ns &&
	    (row.st.limited_ns >= ctx->now_ns ||
	     ctx->now_ns - row.st.limited_ns <= ctx->window_ns)) {
		c->limited_now += host;
		observe_insert_client(c->limited, &c->n_limited, ctx->lscores,
				      OBSERVE_TOP_MAX, &row, row.st.limited_ns);
	}
	return 0;
}

int observe_clients_walk(int fd, size_t top_n, uint64_t now_ns,
			 uint64_t window_ns, struct observe_clients *out)
{
	struct observe_clients_ctx *ctx;
	int err;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -EBADF;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->c = out;
	ctx->top_n = top_n < OBSERVE_TOP_MAX ? top_n : OBSERVE_TOP_MAX;
	ctx->now_ns = now_ns;
	ctx->window_ns = window_ns;
	out->capacity = observe_map_capacity(fd);
	err = observe_map_walk(fd, sizeof(struct xdpdns_rl_key),
			       sizeof(struct xdpdns_rl_state),
			       observe_clients_cb, ctx);
	out->valid = err == 0;
	free(ctx);
	return err;
}

/*
 * Member by member with relaxed loads, so a scrape never sees a torn
 * counter and never takes the event loop's lock.
 */
_Static_assert(sizeof(struct daemon_stats) ==
		       DAEMON_STAT_MAX * sizeof(uint64_t) +
			       sizeof(((struct daemon_stats *)0)->answer_rcode) +
			       sizeof(((struct daemon_stats *)0)->query_type) +
			       sizeof(((struct daemon_stats *)0)->hist_count) +
			       sizeof(double),
	       "observe_daemon_copy() copies every member");

void observe_daemon_copy(struct daemon_stats *dst,
			 const struct daemon_stats *src)
{
#define OBSERVE_COPY_(field, type, metric, label, help) \
	dst->field = stat_get(&src->field);
	DAEMON_STATS(OBSERVE_COPY_)
#undef OBSERVE_COPY_
	for (int i = 0; i < XDPDNS_RCODE_SLOTS; i++)
		dst->answer_rcode[i] = stat_get(&src->answer_rcode[i]);
	for (int i = 0; i < XDPDNS_QTYPE_SLOTS; i++)
		dst->query_type[i] = stat_get(&src->query_type[i]);
	for (int i = 0; i <= DAEMON_HIST_BUCKETS; i++)
		dst->hist_count[i] = stat_get(&src->hist_count[i]);
	dst->hist_sum = stat_get_double(&src->hist_sum);
}

void observe_daemon_add(struct daemon_stats *dst,
			const struct daemon_stats *src)
{
#define OBSERVE_ADD_(field, type, metric, label, help) \
	dst->field += stat_get(&src->field);
	DAEMON_STATS(OBSERVE_ADD_)
#undef OBSERVE_ADD_
	for (int i = 0; i < XDPDNS_RCODE_SLOTS; i++)
		dst->answer_rcode[i] += stat_get(&src->answer_rcode[i]);
	for (int i = 0; i < XDPDNS_QTYPE_SLOTS; i++)
		dst->query_type[i] += stat_get(&src->query_type[i]);
	for (int i = 0; i <= DAEMON_HIST_BUCKETS; i++)
		dst->hist_count[i] += stat_get(&src->hist_count[i]);
	dst->hist_sum += stat_get_double(&src->hist_sum);
}

int observe_snapshot_take(struct observe_snapshot *s,
			  const struct xdpmaps_fds *fds,
			  const struct daemon_stats *daemon, bool walks)
{
	struct timespec rt;
	int err = 0;

	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_REALTIME, &rt);
	s->unix_time = (double)rt.tv_sec + (double)rt.tv_nsec / 1e9;
	s->mono_ns = util_mono_ns();
	if (daemon) {
		observe_daemon_copy(&s->daemon, daemon);
		s->have_daemon = true;
	}
	if (fds->stats >= 0) {
		err = xdpmaps_stats_sum(fds->stats, &s->xdp);
		s->have_xdp = err == 0;
	}
	if (walks) {
		observe_cache_walk(fds, OBSERVE_TOP_DEFAULT, s->mono_ns,
				   &s->cache);
		observe_clients_walk(fds->rl, OBSERVE_TOP_DEFAULT, s->mono_ns,
				     OBSERVE_LIMITED_WINDOW_NS, &s->clients);
	}
	return err;
}

const char *observe_qtype_label(unsigned int type, char *buf, size_t cap)
{
	if (type == 0 || type > 65535)
		return NULL;
	if (dnswire_type_to_text((uint16_t)type, buf, cap) < 0)
		return NULL;
	/* RFC 3597 "TYPE123": no mnemonic, so not a label of its own. */
	if (strncmp(buf, "TYPE", 4) == 0)
		return NULL;
	return buf;
}

void observe_totals(const struct observe_snapshot *s, struct observe_totals *t)
{
	const struct xdpdns_stats *x = &s->xdp;
	const struct daemon_stats *d = &s->daemon;
	uint64_t acc = 0;
	char buf[32];

	memset(t, 0, sizeof(*t));
	t->daemon_queries = d->queries_udp + d->queries_tcp;
	if (s->have_xdp) {
		t->queries = x->queries + d->queries_tcp;
		t->cache_misses = x->miss + x->expired;
		t->cache_hits = x->hit;
	} else {
		t->queries = t->daemon_queries;
		t->cache_misses = d->cache_miss;
		t->cache_hits = d->answer_cache_hits;
	}
	t->xdp_answers = x->hit + x->acl_refused + x->rl_slipped +
			 x->miss_slipped + x->net_slipped + x->wide_slipped +
			 x->cookie_slipped + x->cookie_bad;
	t->rl_dropped = x->rl_dropped + x->miss_dropped + x->gmiss_dropped +
			x->net_dropped + x->wide_dropped + x->new_dropped +
			x->cookie_dropped;
	t->rl_slipped = x->rl_slipped + x->miss_slipped + x->net_slipped +
			x->wide_slipped + x->cookie_slipped;
	t->rl_dryrun = x->dryrun;
	t->acl_dropped = x->acl_dropped;
	t->acl_refused = x->acl_refused;
	for (int i = 0; i < XDPDNS_RCODE_SLOTS; i++)
		t->rcode[i] = x->answer_rcode[i] + d->answer_rcode[i];
	for (unsigned int i = 0; i < XDPDNS_QTYPE_SLOTS; i++) {
		uint64_t n = x->answer_qtype[i] + d->query_type[i];

		if (observe_qtype_label(i, buf, sizeof(buf)))
			t->qtype[i] += n;
		else
			t->qtype[0] += n;
	}
	/* daemon_stats counts each bucket on its own; Prometheus wants le. */
	for (int i = 0; i <= DAEMON_HIST_BUCKETS; i++) {
		acc += d->hist_count[i];
		t->hist_cumulative[i] = acc;
	}
}

void observe_key_name(const struct xdpdns_cache_key *key, char *buf, size_t cap)
{
	int len = dnswire_name_len(key->qname, sizeof(key->qname));

	if (len < 0 ||
	    dnswire_name_to_text(key->qname, (size_t)len, buf, cap) < 0)
		snprintf(buf, cap, "?");
}

void observe_client_addr(const struct xdpdns_rl_key *key, char *buf, size_t cap)
{
	int af = key->family == 6 ? AF_INET6 : AF_INET;
	size_t len;

	if (!inet_ntop(af, key->addr, buf, (socklen_t)cap)) {
		snprintf(buf, cap, "?");
		return;
	}
	len = strlen(buf);
	if (key->stage != XDPDNS_RL_HOST && len < cap)
		snprintf(buf + len, cap - len, "/%u", key->plen);
}

const char *observe_key_flags(uint8_t flags)
{
	static const char *const names[] = { "", "do", "cd", "do,cd" };

	return names[flags & (XDPDNS_KEY_DO | XDPDNS_KEY_CD)];
}
