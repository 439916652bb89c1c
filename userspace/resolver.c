// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libunbound in asynchronous mode. ub_ctx_async(ctx, 1) gives the context
 * one worker thread for all its resolutions (the alternative is a forked
 * worker process); no thread is ever started per query. Results come back
 * over a pipe (ub_fd) and their callbacks run in our loop from
 * ub_process(), so everything here is single-threaded.
 *
 * In-flight resolutions live in a chained hash table keyed like the XDP
 * cache plus the DO and CD bits; a query for a key already in flight only
 * appends its waiter.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unbound.h>

#include "event.h"
#include "log.h"
#include "maps/xdpdns.h"
#include "resolver.h"

/* Waiters (client queries) in flight per allowed resolution. */
#define RESOLVER_WAITERS_FACTOR 16
/* libunbound's own query table never smaller than this. */
#define RESOLVER_UB_QUERIES_MIN 4096

struct inflight {
	struct inflight *hnext;
	struct resolver *r;
	struct resolver_key key;
	uint32_t hash;
	uint64_t start_ns;
	bool refresh;
	struct resolver_waiter *head, *tail;
	unsigned int nwaiters;
};

struct resolver {
	struct ub_ctx *ctx;
	resolver_done_fn done;
	void *arg;
	struct daemon_stats *stats;
	struct inflight **buckets;
	uint32_t nbuckets; /* power of two */
	uint32_t count; /* distinct resolutions in flight */
	uint64_t waiters; /* client queries waiting */
	uint32_t max;
	uint32_t ub_max; /* what libunbound was configured with */
};

static void stat_set(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static uint32_t key_hash(const struct resolver_key *k)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < k->qname_len; i++)
		h = (h ^ k->qname[i]) * 16777619u;
	h = (h ^ k->qtype) * 16777619u;
	h = (h ^ k->qclass) * 16777619u;
	h = (h ^ k->flags) * 16777619u;
	return h;
}

static bool key_equal(const struct resolver_key *a,
		      const struct resolver_key *b)
{
	return a->qname_len == b->qname_len && a->qtype == b->qtype &&
	       a->qclass == b->qclass && a->flags == b->flags &&
	       !memcmp(a->qname, b->qname, a->qname_len);
}

static int ub_check(int ret, const char *what, const char *val)
{
	if (!ret)
		return 0;
	log_err("libunbound rejected %s %s: %s", what, val ? val : "",
		ub_strerror(ret));
	return -EINVAL;
}

/* Files libunbound reads later: fail now, naming the file. */
static int check_readable(const char *opt, const char *path)
{
	if (access(path, R_OK)) {
		int ret = -errno;

		log_err("--%s %s: %s", opt, path, strerror(errno));
		return ret;
	}
	return 0;
}

/*
 * "local-zone: NAME nodefault" for every --local-zone-nodefault. libunbound
 * 1.17 accepts that line through ub_ctx_set_option() but ignores it (the
 * built-in test., invalid., ... zones keep answering), while the same line
 * read by ub_ctx_config() works; so it is fed through an in-memory file.
 */
static int resolver_nodefault(struct ub_ctx *ctx,
			      const struct config_list *names)
{
	char path[64], text[DNSWIRE_NAME_TEXT_MAX];
	uint8_t wire[DNSWIRE_NAME_MAX];
	int fd, n, ret = 0;
	FILE *f;

	fd = memfd_create("xdpdnsd-local-zones", MFD_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		log_err("--local-zone-nodefault: memfd_create: %s",
			strerror(errno));
		return ret;
	}
	f = fdopen(dup(fd), "w");
	if (!f) {
		ret = -errno;
		goto out;
	}
	fprintf(f, "server:\n");
	for (size_t i = 0; i < names->n; i++) {
		/* Re-printed from wire form: escapes are unbound's. */
		n = dnswire_name_from_text(names->v[i], wire, sizeof(wire));
		if (n < 0 ||
		    dnswire_name_to_text(wire, n, text, sizeof(text)) < 0) {
			log_err("--local-zone-nodefault %s: not a domain name",
				names->v[i]);
			ret = -EINVAL;
			fclose(f);
			goto out;
		}
		fprintf(f, "\tlocal-zone: \"%s\" nodefault\n", text);
	}
	if (fclose(f)) {
		ret = -errno;
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = ub_check(ub_ctx_config(ctx, path), "--local-zone-nodefault",
		       names->v[0]);
out:
	if (ret && ret != -EINVAL)
		log_err("--local-zone-nodefault: %s", strerror(-ret));
	close(fd);
	return ret;
}

static int resolver_configure(struct ub_ctx *ctx, const struct config *cfg,
			      uint32_t ub_max)
{
	char buf[512];
	int ret;

	if (cfg->unbound_config) {
		ret = check_readable("unbound-config", cfg->unbound_config);
		if (ret)
			return ret;
		ret = ub_check(ub_ctx_config(ctx, cfg->unbound_config),
			       "--unbound-config", cfg->unbound_config);
		if (ret)
			return ret;
	}
	/* One worker thread for everything, results through ub_fd(). */
	ret = ub_check(ub_ctx_async(ctx, 1), "async mode", NULL);
	if (ret)
		return ret;
	snprintf(buf, sizeof(buf), "%u", ub_max);
	ret = ub_check(ub_ctx_set_option(ctx, "num-queries-per-thread:", buf),
		       "num-queries-per-thread", buf);
	if (ret)
		return ret;
	/*
	 * The refresher re-asks hot names in the last tenth of their TTL,
	 * which is exactly when unbound's prefetch fetches a fresh copy.
	 */
	ret = ub_check(ub_ctx_set_option(ctx, "prefetch:", "yes"), "prefetch",
		       "yes");
	if (ret)
		return ret;
	/* Same caps as the XDP cache, so both paths age alike. */
	snprintf(buf, sizeof(buf), "%u", cfg->max_ttl);
	ret = ub_check(ub_ctx_set_option(ctx, "cache-max-ttl:", buf),
		       "cache-max-ttl", buf);
	snprintf(buf, sizeof(buf), "%u", cfg->min_ttl);
	ret = ret   ?:
		      ub_check(ub_ctx_set_option(ctx, "cache-min-ttl:", buf),
			       "cache-min-ttl", buf);
	snprintf(buf, sizeof(buf), "%u", cfg->max_negative_ttl);
	ret = ret   ?:
		      ub_check(ub_ctx_set_option(
				       ctx, "cache-max-negative-ttl:", buf),
			       "cache-max-negative-ttl", buf);
	if (ret)
		return ret;
	if (cfg->root_hints) {
		ret = check_readable("root-hints", cfg->root_hints);
		ret = ret   ?:
			      ub_check(ub_ctx_set_option(ctx, "root-hints:",
							 cfg->root_hints),
				       "--root-hints", cfg->root_hints);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < cfg->forward.n; i++) {
		ret = ub_check(ub_ctx_set_fwd(ctx, cfg->forward.v[i]),
			       "--forward", cfg->forward.v[i]);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < cfg->trust_anchor.n; i++) {
		ret = check_readable("trust-anchor", cfg->trust_anchor.v[i]);
		ret = ret   ?:
			      ub_check(ub_ctx_add_ta_file(
					       ctx, cfg->trust_anchor.v[i]),
				       "--trust-anchor",
				       cfg->trust_anchor.v[i]);
		if (ret)
			return ret;
	}
	if (cfg->local_zone_nodefault.n) {
		ret = resolver_nodefault(ctx, &cfg->local_zone_nodefault);
		if (ret)
			return ret;
	}
	if (cfg->log_level >= LOG_LVL_DEBUG)
		ub_ctx_debuglevel(ctx, 1);
	return 0;
}

int resolver_create(const struct config *cfg, resolver_done_fn done, void *arg,
		    struct daemon_stats *stats, struct resolver **out)
{
	struct resolver *r;
	int ret;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->done = done;
	r->arg = arg;
	r->stats = stats;
	r->max = cfg->max_outstanding;
	r->ub_max = cfg->max_outstanding > RESOLVER_UB_QUERIES_MIN ?
			    cfg->max_outstanding :
			    RESOLVER_UB_QUERIES_MIN;
	r->nbuckets = 1024;
	while (r->nbuckets < 2 * r->ub_max)
		r->nbuckets <<= 1;
	r->buckets = calloc(r->nbuckets, sizeof(*r->buckets));
	if (!r->buckets) {
		ret = -ENOMEM;
		goto err;
	}
	r->ctx = ub_ctx_create();
	if (!r->ctx) {
		log_err("cannot create a libunbound context");
		ret = -ENOMEM;
		goto err;
	}
	ret = resolver_configure(r->ctx, cfg, r->ub_max);
	if (ret)
		goto err;
	stat_set(&stats->requestlist_max, r->max);
	*out = r;
	return 0;
err:
	if (r->ctx)
		ub_ctx_delete(r->ctx);
	free(r->buckets);
	free(r);
	return ret;
}

int resolver_fd(const struct resolver *r)
{
	return ub_fd(r->ctx);
}

int resolver_process(struct resolver *r)
{
	int ret = ub_process(r->ctx);

	if (ret) {
		log_err("libunbound: %s", ub_strerror(ret));
		return -EIO;
	}
	return 0;
}

static void inflight_unlink(struct resolver *r, struct inflight *f)
{
	struct inflight **pp = &r->buckets[f->hash & (r->nbuckets - 1)];

	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	r->count--;
	r->waiters -= f->nwaiters;
	stat_set(&r->stats->requestlist_current, r->count);
}

static void hist_add(struct daemon_stats *st, double secs)
{
	static const double bounds[DAEMON_HIST_BUCKETS] = DAEMON_HIST_BOUNDS;
	double sum = st->hist_sum + secs;
	unsigned int b = 0;

	while (b < DAEMON_HIST_BUCKETS && secs > bounds[b])
		b++;
	stat_set(&st->hist_count[b], st->hist_count[b] + 1);
	__atomic_store(&st->hist_sum, &sum, __ATOMIC_RELAXED);
}

static void resolver_callback(void *mydata, int err, struct ub_result *result)
{
	struct inflight *f = mydata;
	struct resolver *r = f->r;
	struct resolution res = { 0 };

	inflight_unlink(r, f);
	res.key = f->key;
	res.result = err ? NULL : result;
	res.err = err;
	res.refresh = f->refresh;
	res.elapsed = (ev_now_ns() - f->start_ns) / 1e9;
	res.waiters = f->head;
	hist_add(r->stats, res.elapsed);
	if (err)
		log_debug("resolution failed: %s", ub_strerror(err));
	r->done(r->arg, &res);
	if (result)
		ub_resolve_free(result);
	free(f);
}

int resolver_query(struct resolver *r, const struct resolver_key *key,
		   struct resolver_waiter *w)
{
	char name[DNSWIRE_NAME_TEXT_MAX];
	uint32_t h = key_hash(key);
	struct inflight *f;
	int ret, id;

	for (f = r->buckets[h & (r->nbuckets - 1)]; f; f = f->hnext) {
		if (f->hash != h || !key_equal(&f->key, key))
			continue;
		if (!w)
			return -EALREADY;
		if (r->waiters >= (uint64_t)r->max * RESOLVER_WAITERS_FACTOR)
			return -EBUSY;
		w->next = NULL;
		if (f->tail)
			f->tail->next = w;
		else
			f->head = w;
		f->tail = w;
		f->nwaiters++;
		r->waiters++;
		return 1;
	}
	if (r->count >= r->max ||
	    (w && r->waiters >= (uint64_t)r->max * RESOLVER_WAITERS_FACTOR))
		return -EBUSY;
	ret = dnswire_name_to_text(key->qname, key->qname_len, name,
				   sizeof(name));
	if (ret < 0)
		return ret;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->r = r;
	f->key = *key;
	f->hash = h;
	f->refresh = !w;
	f->start_ns = ev_now_ns();
	if (w) {
		w->next = NULL;
		f->head = f->tail = w;
		f->nwaiters = 1;
	}
	ret = ub_resolve_async(r->ctx, name, key->qtype, key->qclass, f,
			       resolver_callback, &id);
	if (ret) {
		log_warn("cannot start resolving %s: %s", name,
			 ub_strerror(ret));
		free(f);
		return -EIO;
	}
	f->hnext = r->buckets[h & (r->nbuckets - 1)];
	r->buckets[h & (r->nbuckets - 1)] = f;
	r->count++;
	r->waiters += f->nwaiters;
	stat_set(&r->stats->requestlist_current, r->count);
	return 0;
}

void resolver_set_max(struct resolver *r, uint32_t max)
{
	if (max > r->ub_max) {
		log_warn(
			"--max-outstanding %u is above the %u libunbound was started with: using %u until a restart",
			max, r->ub_max, r->ub_max);
		max = r->ub_max;
	}
	r->max = max;
	stat_set(&r->stats->requestlist_max, max);
}

void resolver_destroy(struct resolver *r)
{
	if (!r)
		return;
	/* Stops the worker; no callback runs after this. */
	ub_ctx_delete(r->ctx);
	for (uint32_t b = 0; b < r->nbuckets; b++) {
		while (r->buckets[b]) {
			struct inflight *f = r->buckets[b];
			struct resolution res = { 0 };

			r->buckets[b] = f->hnext;
			res.key = f->key;
			res.cancelled = true;
			res.refresh = f->refresh;
			res.waiters = f->head;
			r->done(r->arg, &res);
			free(f);
		}
	}
	free(r->buckets);
	free(r);
}
