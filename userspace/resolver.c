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
 * appends its waiter. They are also kept in start order, so the oldest is
 * the next to reach --resolve-timeout and one timerfd armed for it is
 * enough. A resolution given up is cancelled with ub_cancel(): libunbound
 * then never calls its callback (the worker may still finish it and cache
 * the answer), so its record is freed at once. Should ub_cancel() refuse,
 * the record stays, marked, until the callback comes and frees it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <unbound.h>

#include "event.h"
#include "lib/util.h"
#include "log.h"
#include "maps/xdpdns.h"
#include "resolver.h"

/* Waiters (client queries) in flight per allowed resolution. */
#define RESOLVER_WAITERS_FACTOR 16
/* libunbound's own query table never smaller than this. */
#define RESOLVER_UB_QUERIES_MIN 4096

struct inflight {
	struct inflight *hnext;
	struct inflight *older, *newer; /* start order; zombies: own list */
	struct resolver *r;
	struct resolver_key key;
	uint32_t hash;
	int async_id; /* for ub_cancel() */
	uint64_t start_ns;
	bool refresh;
	bool zombie; /* given up, but its callback may still come */
	bool slow; /* past the client timeout: resolver_slow_fn has run */
	bool cd; /* on ctx_cd: checking disabled */
	struct resolver_waiter *head, *tail;
	unsigned int nwaiters;
};

struct resolver {
	struct ub_ctx *ctx;
	/* CD=1 queries when the main context validates against a trust
	 * anchor: the same settings without the validator, so bogus data
	 * comes back as data (RFC 4035 3.2.2), never with AD. NULL: CD=1
	 * goes to ctx. Both contexts' result pipes are in epfd. */
	struct ub_ctx *ctx_cd;
	int epfd;
	resolver_done_fn done;
	void *arg;
	struct daemon_stats *stats;
	struct inflight **buckets;
	uint32_t nbuckets; /* power of two */
	uint32_t count; /* distinct resolutions in flight */
	uint64_t waiters; /* client queries waiting */
	uint32_t max;
	uint32_t ub_max; /* what libunbound was configured with */
	uint64_t timeout_ns; /* --resolve-timeout */
	uint64_t slow_ns; /* --serve-stale-client-timeout; 0: none */
	resolver_slow_fn slow;
	struct inflight *oldest, *newest; /* in flight, by start time */
	struct inflight *zombies; /* given up, cancel refused */
	int timerfd;
	uint64_t armed_ns; /* deadline the timer is set for; 0: disarmed */
};

static uint32_t key_hash(const struct resolver_key *k)
{
	return util_qkey_hash(k->qname, k->qname_len, k->qtype, k->qclass,
			      k->flags);
}

static bool key_equal(const struct resolver_key *a,
		      const struct resolver_key *b)
{
	return a->qname_len == b->qname_len && a->qtype == b->qtype &&
	       a->qclass == b->qclass && a->flags == b->flags &&
	       !memcmp(a->qname, b->qname, a->qname_len);
}

static int ub_check(int ret, const char *what, const char *val, char *err,
		    size_t errlen)
{
	if (!ret)
		return 0;
	seterr(err, errlen, "libunbound rejected %s%s%s: %s", what,
	       val ? " " : "", val ? val : "", ub_strerror(ret));
	return -EINVAL;
}

/*
 * ub_ctx_config() without libunbound's own output: it prints every parse
 * error (and a summary) to stderr, several lines for one mistake. fd 2
 * points at a memfd during the call, and the first line printed comes back
 * in @msg (empty when nothing was). Called at start, before any other
 * thread exists, and by resolver_flush() from the loop: a line the metrics
 * thread logged in that window would land in the capture (the settings
 * were accepted at start, so libunbound itself has nothing to say).
 * Return: ub_ctx_config()'s code.
 */
static int ub_config_quiet(struct ub_ctx *ctx, const char *path, char *msg,
			   size_t cap)
{
	int mfd, saved = -1, ret;
	ssize_t n;
	char *nl;

	msg[0] = '\0';
	fflush(stderr);
	mfd = memfd_create("xdpdnsd-ub-errors", MFD_CLOEXEC);
	if (mfd >= 0)
		saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
	if (mfd < 0 || saved < 0 || dup2(mfd, STDERR_FILENO) < 0) {
		/* Cannot capture: libunbound speaks for itself. */
		ret = ub_ctx_config(ctx, path);
		goto out;
	}
	ret = ub_ctx_config(ctx, path);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	n = pread(mfd, msg, cap - 1, 0);
	msg[n > 0 ? n : 0] = '\0';
	nl = strchr(msg, '\n');
	if (nl)
		*nl = '\0';
out:
	if (saved >= 0)
		close(saved);
	if (mfd >= 0)
		close(mfd);
	return ret;
}

/* ub_ctx_config() of --unbound-config FILE, one line on failure. */
static int resolver_unbound_config(struct ub_ctx *ctx, const char *path,
				   char *err, size_t errlen)
{
	char msg[CONFIG_ERR_MAX];
	int ret;

	ret = ub_config_quiet(ctx, path, msg, sizeof(msg));
	if (!ret)
		return 0;
	seterr(err, errlen, "--unbound-config %s: %s", path,
	       msg[0] ? msg : ub_strerror(ret));
	return -EINVAL;
}

/*
 * "local-zone: NAME nodefault" for every --local-zone-nodefault. libunbound
 * 1.17 accepts that line through ub_ctx_set_option() but ignores it (the
 * built-in test., invalid., ... zones keep answering), while the same line
 * read by ub_ctx_config() works; so it is fed through an in-memory file.
 */
static int resolver_nodefault(struct ub_ctx *ctx,
			      const struct config_list *names, char *err,
			      size_t errlen)
{
	char path[64], text[DNSWIRE_NAME_TEXT_MAX], msg[CONFIG_ERR_MAX];
	uint8_t wire[DNS_NAME_MAX];
	int fd, n, ret = 0;
	FILE *f = NULL;

	fd = memfd_create("xdpdnsd-local-zones", MFD_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		seterr(err, errlen, "--local-zone-nodefault: memfd_create: %s",
		       strerror(errno));
		return ret;
	}
	f = fdopen(dup(fd), "w");
	if (!f) {
		ret = -errno;
		seterr(err, errlen, "--local-zone-nodefault: %s",
		       strerror(errno));
		goto out;
	}
	fprintf(f, "server:\n");
	for (size_t i = 0; i < names->n; i++) {
		/* Re-printed from wire form: escapes are unbound's. */
		n = dnswire_name_from_text(names->v[i], wire, sizeof(wire));
		if (n < 0 ||
		    dnswire_name_to_text(wire, n, text, sizeof(text)) < 0) {
			seterr(err, errlen,
			       "--local-zone-nodefault %s: not a domain name",
			       names->v[i]);
			ret = -EINVAL;
			goto out;
		}
		fprintf(f, "\tlocal-zone: \"%s\" nodefault\n", text);
	}
	ret = fclose(f) ? -errno : 0;
	f = NULL;
	if (ret) {
		seterr(err, errlen, "--local-zone-nodefault: %s",
		       strerror(-ret));
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = ub_config_quiet(ctx, path, msg, sizeof(msg));
	if (ret) {
		seterr(err, errlen, "--local-zone-nodefault %s: %s",
		       names->v[0], msg[0] ? msg : ub_strerror(ret));
		ret = -EINVAL;
	}
out:
	if (f)
		fclose(f);
	close(fd);
	return ret;
}

static int resolver_set(struct ub_ctx *ctx, const char *opt, const char *val,
			char *err, size_t errlen)
{
	return ub_check(ub_ctx_set_option(ctx, opt, val), opt, val, err,
			errlen);
}

/*
 * A trust anchor with a module-config (from --unbound-config) that has no
 * validator would validate nothing, silently: every answer insecure, never
 * AD, never bogus. That is a configuration error, not a warning.
 */
static int resolver_check_validator(struct ub_ctx *ctx,
				    const struct config *cfg, char *err,
				    size_t errlen)
{
	char *modules = NULL;
	int ret = 0;

	if (!cfg->trust_anchor.n)
		return 0;
	if (ub_ctx_get_option(ctx, "module-config", &modules) || !modules)
		return 0; /* libunbound's default has the validator */
	if (!strstr(modules, "validator")) {
		seterr(err, errlen,
		       "--trust-anchor %s: the module-config \"%s\" of "
		       "--unbound-config %s has no validator, so nothing "
		       "would be validated",
		       cfg->trust_anchor.v[0], modules,
		       cfg->unbound_config ? cfg->unbound_config : "");
		ret = -EINVAL;
	}
	free(modules);
	return ret;
}

/*
 * @ctx's module-config without the validator, for the CD context.
 * Return: 0 or -errno with @err filled.
 */
static int resolver_strip_validator(struct ub_ctx *ctx, char *err,
				    size_t errlen)
{
	char *modules = NULL, out[256] = "", *tok, *save = NULL;
	int ret;

	if (ub_ctx_get_option(ctx, "module-config", &modules) || !modules) {
		free(modules);
		modules = strdup("validator iterator");
		if (!modules)
			return -ENOMEM;
	}
	for (tok = strtok_r(modules, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(tok, "validator"))
			continue;
		if (strlen(out) + strlen(tok) + 2 > sizeof(out))
			break;
		if (out[0])
			strcat(out, " ");
		strcat(out, tok);
	}
	free(modules);
	ret = resolver_set(ctx, "module-config:", out[0] ? out : "iterator",
			   err, errlen);
	return ret;
}

/*
 * Whether CD=1 queries need their own context: the main one has a
 * validator and something to validate against (--trust-anchor, or an
 * --unbound-config that may name anchors of its own).
 */
static bool resolver_wants_cd(struct ub_ctx *ctx, const struct config *cfg)
{
	char *modules = NULL;
	bool validator = true;

	if (!cfg->trust_anchor.n && !cfg->unbound_config)
		return false;
	if (!ub_ctx_get_option(ctx, "module-config", &modules) && modules)
		validator = strstr(modules, "validator") != NULL;
	free(modules);
	return validator;
}

/* Every setting of @cfg on @ctx (@cd: for CD=1 queries, no validator).
 * Return: 0 or -errno with @err filled. */
static int resolver_configure(struct ub_ctx *ctx, const struct config *cfg,
			      uint32_t ub_max, bool cd, char *err,
			      size_t errlen)
{
	char buf[32];
	int ret;

	if (cfg->unbound_config) {
		ret = resolver_unbound_config(ctx, cfg->unbound_config, err,
					      errlen);
		if (ret)
			return ret;
	}
	/* One worker thread for everything, results through ub_fd(). */
	ret = ub_check(ub_ctx_async(ctx, 1), "async mode", NULL, err, errlen);
	if (ret)
		return ret;
	snprintf(buf, sizeof(buf), "%u", ub_max);
	ret = resolver_set(ctx, "num-queries-per-thread:", buf, err, errlen);
	if (ret)
		return ret;
	/*
	 * The refresher re-asks hot names in the last tenth of their TTL,
	 * which is exactly when unbound's prefetch fetches a fresh copy.
	 */
	ret = resolver_set(ctx, "prefetch:", "yes", err, errlen);
	if (ret)
		return ret;
	/*
	 * The RRsets unbound's server gives: libunbound's own default is "no",
	 * which puts whatever additional data it has cached (the A record of
	 * an MX target, say) into answer_packet, and so into the XDP cache.
	 */
	ret = resolver_set(ctx, "minimal-responses:", "yes", err, errlen);
	if (ret)
		return ret;
	/* Same caps as the XDP cache, so both paths age alike. */
	snprintf(buf, sizeof(buf), "%u", cfg->max_ttl);
	ret = resolver_set(ctx, "cache-max-ttl:", buf, err, errlen);
	if (ret)
		return ret;
	snprintf(buf, sizeof(buf), "%u", cfg->min_ttl);
	ret = resolver_set(ctx, "cache-min-ttl:", buf, err, errlen);
	if (ret)
		return ret;
	snprintf(buf, sizeof(buf), "%u", cfg->max_negative_ttl);
	ret = resolver_set(ctx, "cache-max-negative-ttl:", buf, err, errlen);
	if (ret)
		return ret;
	if (cfg->root_hints) {
		ret = ub_check(
			ub_ctx_set_option(ctx, "root-hints:", cfg->root_hints),
			"--root-hints", cfg->root_hints, err, errlen);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < cfg->forward.n; i++) {
		ret = ub_check(ub_ctx_set_fwd(ctx, cfg->forward.v[i]),
			       "--forward", cfg->forward.v[i], err, errlen);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < cfg->trust_anchor.n; i++) {
		ret = ub_check(ub_ctx_add_ta_file(ctx, cfg->trust_anchor.v[i]),
			       "--trust-anchor", cfg->trust_anchor.v[i], err,
			       errlen);
		if (ret)
			return ret;
	}
	if (cfg->local_zone_nodefault.n) {
		ret = resolver_nodefault(ctx, &cfg->local_zone_nodefault, err,
					 errlen);
		if (ret)
			return ret;
	}
	ret = cd ? resolver_strip_validator(ctx, err, errlen) :
		   resolver_check_validator(ctx, cfg, err, errlen);
	if (ret)
		return ret;
	if (cfg->log_level >= LOG_LVL_DEBUG)
		ub_ctx_debuglevel(ctx, 1);
	return 0;
}

static uint32_t resolver_ub_max(const struct config *cfg)
{
	return cfg->max_outstanding > RESOLVER_UB_QUERIES_MIN ?
		       cfg->max_outstanding :
		       RESOLVER_UB_QUERIES_MIN;
}

int resolver_check(const struct config *cfg, char *err, size_t errlen)
{
	struct ub_ctx *ctx;
	int ret;

	ctx = ub_ctx_create();
	if (!ctx) {
		seterr(err, errlen, "cannot create a libunbound context");
		return -ENOMEM;
	}
	ret = resolver_configure(ctx, cfg, resolver_ub_max(cfg), false, err,
				 errlen);
	ub_ctx_delete(ctx);
	return ret;
}

/*
 * Files libunbound reads at its first query, as the user the daemon now
 * runs as: main() checked them as root, but --user may not read them.
 */
static int check_readable(const char *opt, const char *path)
{
	if (!access(path, R_OK))
		return 0;
	log_err("--%s %s: %s", opt, path, strerror(errno));
	return -EINVAL;
}

/* The CD context for @cfg into *@out, or NULL when none is needed.
 * Return: 0 or -errno (logged). */
static int resolver_cd_create(struct resolver *r, const struct config *cfg,
			      struct ub_ctx **out)
{
	char err[CONFIG_ERR_MAX];
	int ret;

	*out = NULL;
	if (!resolver_wants_cd(r->ctx, cfg))
		return 0;
	*out = ub_ctx_create();
	if (!*out) {
		log_err("cannot create the CD=1 libunbound context");
		return -ENOMEM;
	}
	ret = resolver_configure(*out, cfg, r->ub_max, true, err, sizeof(err));
	if (ret) {
		log_err("CD=1 context: %s", err);
		ub_ctx_delete(*out);
		*out = NULL;
	}
	return ret;
}

/* Both contexts' result pipes into epfd (a context's fd is its own for
 * its life; a deleted context's leaves the set as it is closed). */
static int resolver_watch(struct resolver *r)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, ub_fd(r->ctx), &ev))
		return -1;
	if (r->ctx_cd &&
	    epoll_ctl(r->epfd, EPOLL_CTL_ADD, ub_fd(r->ctx_cd), &ev))
		return -1;
	return 0;
}

/* The context resolution @f runs on. */
static struct ub_ctx *resolver_ctx(const struct resolver *r,
				   const struct inflight *f)
{
	return f->cd && r->ctx_cd ? r->ctx_cd : r->ctx;
}

int resolver_create(const struct config *cfg, resolver_done_fn done, void *arg,
		    struct daemon_stats *stats, struct resolver **out)
{
	char err[CONFIG_ERR_MAX];
	struct resolver *r;
	int ret = 0;

	*out = NULL;
	if (cfg->root_hints)
		ret = check_readable("root-hints", cfg->root_hints);
	for (size_t i = 0; i < cfg->trust_anchor.n && !ret; i++)
		ret = check_readable("trust-anchor", cfg->trust_anchor.v[i]);
	if (ret)
		return ret;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->timerfd = r->epfd = -1;
	r->done = done;
	r->arg = arg;
	r->stats = stats;
	r->max = cfg->max_outstanding;
	r->ub_max = resolver_ub_max(cfg);
	r->timeout_ns = (uint64_t)cfg->resolve_timeout * NSEC_PER_SEC;
	r->nbuckets = 1024;
	while (r->nbuckets < 2 * r->ub_max)
		r->nbuckets <<= 1;
	r->buckets = calloc(r->nbuckets, sizeof(*r->buckets));
	if (!r->buckets) {
		ret = -ENOMEM;
		goto err;
	}
	r->timerfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->timerfd < 0) {
		ret = -errno;
		log_err("cannot create the resolution timer: %s",
			strerror(errno));
		goto err;
	}
	r->ctx = ub_ctx_create();
	if (!r->ctx) {
		log_err("cannot create a libunbound context");
		ret = -ENOMEM;
		goto err;
	}
	ret = resolver_configure(r->ctx, cfg, r->ub_max, false, err,
				 sizeof(err));
	if (ret) {
		log_err("%s", err);
		goto err;
	}
	ret = resolver_cd_create(r, cfg, &r->ctx_cd);
	if (ret)
		goto err;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0 || resolver_watch(r)) {
		ret = -errno;
		log_err("cannot watch libunbound's results: %s",
			strerror(errno));
		goto err;
	}
	stat_set(&stats->requestlist_max, r->max);
	*out = r;
	return 0;
err:
	if (r->ctx)
		ub_ctx_delete(r->ctx);
	if (r->ctx_cd)
		ub_ctx_delete(r->ctx_cd);
	if (r->epfd >= 0)
		close(r->epfd);
	if (r->timerfd >= 0)
		close(r->timerfd);
	free(r->buckets);
	free(r);
	return ret;
}

int resolver_fd(const struct resolver *r)
{
	return r->epfd;
}

int resolver_timer_fd(const struct resolver *r)
{
	return r->timerfd;
}

int resolver_process(struct resolver *r)
{
	int ret = ub_process(r->ctx);

	if (!ret && r->ctx_cd)
		ret = ub_process(r->ctx_cd);
	if (ret) {
		log_err("libunbound: %s", ub_strerror(ret));
		return -EIO;
	}
	return 0;
}

/* The first resolution in start order not yet past the client timeout,
 * or NULL. Those before it stay in flight until answered or given up. */
static struct inflight *resolver_next_slow(const struct resolver *r)
{
	struct inflight *f = r->oldest;

	if (!r->slow || !r->slow_ns)
		return NULL;
	while (f && f->slow)
		f = f->newer;
	return f;
}

/* Arms the timer for the oldest resolution's deadline, or the next client
 * timeout when that comes first (or disarms it). */
static void resolver_arm(struct resolver *r)
{
	struct itimerspec its = { 0 };
	uint64_t due = r->oldest ? r->oldest->start_ns + r->timeout_ns : 0;
	struct inflight *s = resolver_next_slow(r);

	if (s && s->start_ns + r->slow_ns < due)
		due = s->start_ns + r->slow_ns;

	if (due == r->armed_ns)
		return;
	its.it_value.tv_sec = due / NSEC_PER_SEC;
	its.it_value.tv_nsec = due % NSEC_PER_SEC;
	/* A zero it_value disarms; a deadline in the past fires at once. */
	if (!timerfd_settime(r->timerfd, TFD_TIMER_ABSTIME, &its, NULL))
		r->armed_ns = due;
}

/* Takes @f out of the hash table and the start order. */
static void inflight_unlink(struct resolver *r, struct inflight *f)
{
	struct inflight **pp = &r->buckets[f->hash & (r->nbuckets - 1)];

	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	if (f->older)
		f->older->newer = f->newer;
	else
		r->oldest = f->newer;
	if (f->newer)
		f->newer->older = f->older;
	else
		r->newest = f->older;
	f->older = f->newer = NULL;
	r->count--;
	r->waiters -= f->nwaiters;
	stat_set(&r->stats->requestlist_current, r->count);
}

static void hist_add(struct daemon_stats *st, double secs)
{
	static const double bounds[DAEMON_HIST_BUCKETS] = DAEMON_HIST_BOUNDS;
	unsigned int b = 0;

	while (b < DAEMON_HIST_BUCKETS && secs > bounds[b])
		b++;
	stat_inc(&st->hist_count[b]);
	stat_add_double(&st->hist_sum, secs);
}

static void zombie_unlink(struct resolver *r, struct inflight *f)
{
	if (f->older)
		f->older->newer = f->newer;
	else
		r->zombies = f->newer;
	if (f->newer)
		f->newer->older = f->older;
}

static void resolver_callback(void *mydata, int err, struct ub_result *result)
{
	struct inflight *f = mydata;
	struct resolver *r = f->r;
	struct resolution res = { 0 };

	if (f->zombie) {
		/* Its waiters had their SERVFAIL at the deadline. */
		zombie_unlink(r, f);
		goto out;
	}
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
out:
	if (result)
		ub_resolve_free(result);
	free(f);
}

/* Gives @f up: its waiters get a failed result, libunbound's never comes. */
static void resolver_give_up(struct resolver *r, struct inflight *f,
			     uint64_t now_ns)
{
	char name[DNSWIRE_NAME_TEXT_MAX];
	struct resolution res = { 0 };
	bool cancelled;

	inflight_unlink(r, f);
	/*
	 * Cancelled before the waiters are answered: answering may start new
	 * queries (a TCP connection's buffered frames), which must not find
	 * this one.
	 */
	cancelled = ub_cancel(resolver_ctx(r, f), f->async_id) == UB_NOERROR;
	if (!cancelled) {
		f->zombie = true;
		f->older = NULL;
		f->newer = r->zombies;
		if (r->zombies)
			r->zombies->older = f;
		r->zombies = f;
	}
	res.key = f->key;
	res.timed_out = true;
	res.refresh = f->refresh;
	res.elapsed = (now_ns - f->start_ns) / 1e9;
	res.waiters = f->head;
	f->head = f->tail = NULL;
	f->nwaiters = 0;
	hist_add(r->stats, res.elapsed);
	stat_inc(&r->stats->resolve_timeouts);
	if (log_enabled(LOG_LVL_DEBUG) &&
	    dnswire_name_to_text(f->key.qname, f->key.qname_len, name,
				 sizeof(name)) >= 0)
		log_debug("gave up resolving %s type %u after %.1f s", name,
			  f->key.qtype, res.elapsed);
	r->done(r->arg, &res);
	if (cancelled)
		free(f);
}

void resolver_expire(struct resolver *r)
{
	uint64_t expirations, now_ns = ev_now_ns();

	if (read(r->timerfd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		log_debug("resolution timer: %s", strerror(errno));
	r->armed_ns = 0; /* an absolute timer fires once */
	while (r->oldest && r->oldest->start_ns + r->timeout_ns <= now_ns)
		resolver_give_up(r, r->oldest, now_ns);
	/* Client timeouts: each resolution once, its waiters stay. The
	 * callback may send answers, never start or end a resolution. */
	for (struct inflight *f = resolver_next_slow(r);
	     f && f->start_ns + r->slow_ns <= now_ns; f = f->newer) {
		if (f->slow)
			continue;
		f->slow = true;
		if (f->head)
			r->slow(r->arg, &f->key, f->head);
	}
	resolver_arm(r);
}

void resolver_set_client_timeout(struct resolver *r, uint32_t ms,
				 resolver_slow_fn fn)
{
	r->slow_ns = (uint64_t)ms * 1000000ULL;
	r->slow = fn;
	resolver_arm(r);
}

int resolver_query(struct resolver *r, const struct resolver_key *key,
		   struct resolver_waiter *w)
{
	char name[DNSWIRE_NAME_TEXT_MAX];
	uint32_t h = key_hash(key);
	struct inflight *f;
	int ret;

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
		return f->slow ? 2 : 1;
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
	f->cd = (key->flags & XDPDNS_KEY_CD) && r->ctx_cd;
	f->start_ns = ev_now_ns();
	if (w) {
		w->next = NULL;
		f->head = f->tail = w;
		f->nwaiters = 1;
	}
	ret = ub_resolve_async(resolver_ctx(r, f), name, key->qtype,
			       key->qclass, f, resolver_callback, &f->async_id);
	if (ret) {
		log_warn("cannot start resolving %s: %s", name,
			 ub_strerror(ret));
		free(f);
		return -EIO;
	}
	f->hnext = r->buckets[h & (r->nbuckets - 1)];
	r->buckets[h & (r->nbuckets - 1)] = f;
	/* Start times only grow: the newest is the last to expire. */
	f->older = r->newest;
	if (r->newest)
		r->newest->newer = f;
	else
		r->oldest = f;
	r->newest = f;
	r->count++;
	r->waiters += f->nwaiters;
	stat_set(&r->stats->requestlist_current, r->count);
	if (!r->armed_ns)
		resolver_arm(r);
	return 0;
}

/* Starts @f on the current context again. Return: 0 or a UB_* code. */
static int resolver_restart(struct resolver *r, struct inflight *f)
{
	char name[DNSWIRE_NAME_TEXT_MAX];

	if (dnswire_name_to_text(f->key.qname, f->key.qname_len, name,
				 sizeof(name)) < 0)
		return UB_SYNTAX;
	return ub_resolve_async(resolver_ctx(r, f), name, f->key.qtype,
				f->key.qclass, f, resolver_callback,
				&f->async_id);
}

int resolver_flush(struct resolver *r, const struct config *cfg)
{
	struct inflight *f, *last, *next;
	char err[CONFIG_ERR_MAX];
	struct ub_ctx *nctx, *ncd = NULL, *octx;
	int ret;

	nctx = ub_ctx_create();
	if (!nctx) {
		log_err("cannot flush libunbound's cache: no new context");
		return -ENOMEM;
	}
	ret = resolver_configure(nctx, cfg, r->ub_max, false, err, sizeof(err));
	if (ret) {
		log_err("cannot flush libunbound's cache: %s", err);
		ub_ctx_delete(nctx);
		return ret;
	}
	/* The CD context's settings are the main one's: made alike. */
	octx = r->ctx;
	r->ctx = nctx;
	ret = resolver_cd_create(r, cfg, &ncd);
	r->ctx = octx;
	if (ret) {
		ub_ctx_delete(nctx);
		return ret;
	}
	/* What is back already is delivered before the purge, not after. */
	if (resolver_process(r))
		log_warn("libunbound before the flush: results lost");
	ub_ctx_delete(r->ctx); /* its worker stops; no callback comes */
	if (r->ctx_cd)
		ub_ctx_delete(r->ctx_cd);
	r->ctx = nctx;
	r->ctx_cd = ncd;
	if (resolver_watch(r))
		log_err("cannot watch libunbound's results after the flush: %s",
			strerror(errno));
	while (r->zombies) {
		f = r->zombies;
		zombie_unlink(r, f);
		free(f);
	}
	/*
	 * Answering a failed restart may start new resolutions (a TCP
	 * connection's next frame): they are appended after @last, on the
	 * new context already, and are not restarted twice.
	 */
	last = r->newest;
	for (f = r->oldest; f; f = next) {
		next = f == last ? NULL : f->newer;
		ret = resolver_restart(r, f);
		if (ret) {
			struct resolution res = { 0 };

			log_warn(
				"cannot restart a resolution after the flush: %s",
				ub_strerror(ret));
			inflight_unlink(r, f);
			res.key = f->key;
			res.err = ret;
			res.refresh = f->refresh;
			res.elapsed = (ev_now_ns() - f->start_ns) / 1e9;
			res.waiters = f->head;
			r->done(r->arg, &res);
			free(f);
		}
	}
	resolver_arm(r);
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

void resolver_set_timeout(struct resolver *r, uint32_t secs)
{
	r->timeout_ns = (uint64_t)secs * NSEC_PER_SEC;
	resolver_arm(r);
}

void resolver_destroy(struct resolver *r)
{
	if (!r)
		return;
	/* Stops the worker; no callback runs after this. */
	ub_ctx_delete(r->ctx);
	if (r->ctx_cd)
		ub_ctx_delete(r->ctx_cd);
	while (r->oldest) {
		struct inflight *f = r->oldest;
		struct resolution res = { 0 };

		inflight_unlink(r, f);
		res.key = f->key;
		res.cancelled = true;
		res.refresh = f->refresh;
		res.waiters = f->head;
		r->done(r->arg, &res);
		free(f);
	}
	while (r->zombies) {
		struct inflight *f = r->zombies;

		zombie_unlink(r, f);
		free(f);
	}
	close(r->timerfd);
	close(r->epfd);
	free(r->buckets);
	free(r);
}
