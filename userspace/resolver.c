// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libunbound on the daemon's own event base (ub_ctx_create_ub_event(),
 * ubevent.h): resolutions run in the loop's thread, their sockets and
 * timers in one epoll fd the loop watches (resolver_fd()), and the callback
 * gets libunbound's answer packet directly. The asynchronous mode used
 * before (ub_ctx_async(): a worker thread, every query and every answer
 * serialized through a socketpair, two thread switches per resolution)
 * spent about a quarter of the daemon's CPU on the hand-over when it
 * resolved names nobody had asked before (make bench-cold).
 *
 * In-flight resolutions live in a chained hash table keyed like the XDP
 * cache plus the DO and CD bits; a query for a key already in flight only
 * appends its waiter. They are also kept in start order, so the oldest is
 * the next to reach --resolve-timeout and one timerfd armed for it is
 * enough. A resolution given up stays, marked, until libunbound's
 * callback comes and frees it (ub_cancel() is for the asynchronous mode:
 * on an event context it would free what the resolution still uses).
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

#include <unbound-event.h>

#include "event.h"
#include "lib/dnsmsg.h"
#include "lib/util.h"
#include "log.h"
#include "maps/xdpdns.h"
#include "resolver.h"
#include "ubevent.h"

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
	int async_id; /* libunbound's query number */
	uint64_t start_ns;
	bool refresh;
	bool zombie; /* given up, but its callback may still come */
	bool slow; /* past the client timeout: resolver_slow_fn has run */
	bool cd; /* on ctx_cd: checking disabled */
	/* Answered while ub_resolve_event() ran (local data): the answer
	 * kept for resolver_process(), as any other comes. */
	bool deferred;
	struct inflight *dnext;
	int drcode, dlen, dsec;
	uint8_t *dpacket;
	char *dwhy;
	struct resolver_waiter *head, *tail;
	unsigned int nwaiters;
};

struct resolver {
	struct ub_ctx *ctx;
	/* CD=1 queries when the main context validates against a trust
	 * anchor: the same settings without the validator, so bogus data
	 * comes back as data (RFC 4035 3.2.2), never with AD. NULL: CD=1
	 * goes to ctx. Both run on ev. */
	struct ub_ctx *ctx_cd;
	struct ubevent_base *ev;
	/* ub_ctx_delete() runs: callbacks it makes are not answers. */
	bool deleting;
	/* resolver_start() is starting this one: a callback made before
	 * ub_resolve_event() returns (local data) is deferred. */
	struct inflight *starting;
	struct inflight *deferred; /* answers for resolver_process() */
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
	struct inflight *zombies; /* given up, callback still to come */
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
	*out = ub_ctx_create_ub_event(ubevent_ub_base(r->ev));
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

/* ub_ctx_delete() of @ctx: the callbacks it makes for what is in flight
 * are not answers (resolver_event_cb()). */
static void resolver_ctx_delete(struct resolver *r, struct ub_ctx *ctx)
{
	if (!ctx)
		return;
	r->deleting = true;
	ub_ctx_delete(ctx);
	r->deleting = false;
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
	r->timerfd = -1;
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
	r->ev = ubevent_base_create();
	if (!r->ev) {
		ret = -errno;
		log_err("cannot make libunbound's event base: %s",
			strerror(errno));
		goto err;
	}
	r->ctx = ub_ctx_create_ub_event(ubevent_ub_base(r->ev));
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
	stat_set(&stats->requestlist_max, r->max);
	*out = r;
	return 0;
err:
	resolver_ctx_delete(r, r->ctx);
	resolver_ctx_delete(r, r->ctx_cd);
	ubevent_base_destroy(r->ev);
	if (r->timerfd >= 0)
		close(r->timerfd);
	free(r->buckets);
	free(r);
	return ret;
}

int resolver_fd(const struct resolver *r)
{
	return ubevent_fd(r->ev);
}

int resolver_timer_fd(const struct resolver *r)
{
	return r->timerfd;
}

static void resolver_deliver_deferred(struct resolver *r);

int resolver_process(struct resolver *r)
{
	resolver_deliver_deferred(r);
	ubevent_run(r->ev);
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

/* Records of one RRset an answer can hold, for ub_result.data. */
#define RESOLVER_DATA_MAX 64

/*
 * libunbound's answer for @f (ub_event_callback_type): @rcode not 0 when
 * there is none (mostly SERVFAIL), else @packet; @sec 0 insecure, 1 bogus,
 * 2 secure. Handed on as the struct ub_result the rest of the daemon reads,
 * pointing into @packet, valid during the call.
 */
static void inflight_free(struct inflight *f)
{
	free(f->dpacket);
	free(f->dwhy);
	free(f);
}

/* The answer for @f (see resolver_event_cb()) to its waiters; frees @f. */
static void resolver_deliver(struct resolver *r, struct inflight *f, int rcode,
			     void *packet, int len, int sec, char *why_bogus)
{
	struct resolution res = { 0 };
	char name[DNSWIRE_NAME_TEXT_MAX] = "";
	char *data[RESOLVER_DATA_MAX + 1] = { 0 };
	int lens[RESOLVER_DATA_MAX + 1] = { 0 };
	struct ub_result u = { 0 };
	struct dnsmsg m;

	if (f->zombie) {
		/* Its waiters had their SERVFAIL at the deadline. */
		zombie_unlink(r, f);
		inflight_free(f);
		return;
	}
	dnswire_name_to_text(f->key.qname, f->key.qname_len, name,
			     sizeof(name));
	u.qname = name;
	u.qtype = f->key.qtype;
	u.qclass = f->key.qclass;
	u.data = data;
	u.len = lens;
	u.rcode = rcode;
	if (!rcode && packet && len >= DNS_HEADER_LEN) {
		u.answer_packet = packet;
		u.answer_len = len;
		u.rcode = ((const uint8_t *)packet)[3] & DNS_F_RCODE;
		u.nxdomain = u.rcode == DNS_RCODE_NXDOMAIN;
		if (!dnsmsg_parse(packet, (size_t)len, &m)) {
			int n = 0;

			for (size_t i = 0; i < m.nrr && n < RESOLVER_DATA_MAX;
			     i++) {
				const struct dnsmsg_rr *rr = &m.rr[i];

				if (rr->section != DNSMSG_ANSWER ||
				    rr->type != f->key.qtype)
					continue;
				data[n] = (char *)packet + rr->rdata_off;
				lens[n++] = rr->rdlen;
			}
			u.havedata = n > 0;
		}
	}
	u.secure = sec == 2;
	u.bogus = sec == 1;
	u.why_bogus = why_bogus;

	inflight_unlink(r, f);
	res.key = f->key;
	res.result = &u;
	res.refresh = f->refresh;
	res.elapsed = (ev_now_ns() - f->start_ns) / 1e9;
	res.waiters = f->head;
	hist_add(r->stats, res.elapsed);
	if (rcode)
		log_debug("resolution of %s failed: rcode %d", name, rcode);
	r->done(r->arg, &res);
	inflight_free(f);
}

/*
 * libunbound's answer for @f (ub_event_callback_type): @rcode not 0 when
 * there is none (mostly SERVFAIL), else @packet; @sec 0 insecure, 1 bogus,
 * 2 secure. One that comes while ub_resolve_event() still runs (local
 * data) is kept and delivered by resolver_process(), as every other
 * answer is: a caller never sees its query answered before it returns.
 */
static void resolver_event_cb(void *mydata, int rcode, void *packet, int len,
			      int sec, char *why_bogus, int ratelimited)
{
	struct inflight *f = mydata;
	struct resolver *r = f->r;

	(void)ratelimited;
	if (r->deleting) {
		/* A context deleted at a flush or at the end: its in-flight
		 * records are the caller's to restart or answer. */
		if (f->zombie) {
			zombie_unlink(r, f);
			inflight_free(f);
		}
		return;
	}
	if (r->starting != f) {
		resolver_deliver(r, f, rcode, packet, len, sec, why_bogus);
		return;
	}
	f->drcode = rcode;
	f->dsec = sec;
	f->dlen = 0;
	if (!rcode && packet && len > 0) {
		f->dpacket = malloc((size_t)len);
		if (f->dpacket) {
			memcpy(f->dpacket, packet, (size_t)len);
			f->dlen = len;
		} else {
			f->drcode = DNS_RCODE_SERVFAIL;
		}
	}
	f->dwhy = why_bogus ? strdup(why_bogus) : NULL;
	f->deferred = true;
	f->dnext = r->deferred;
	r->deferred = f;
	ubevent_wake(r->ev);
}

/* ub_resolve_event() of @f on its context. Return: a UB_* code. */
static int resolver_start(struct resolver *r, struct inflight *f,
			  const char *name)
{
	int ret;

	r->starting = f;
	ret = ub_resolve_event(resolver_ctx(r, f), name, f->key.qtype,
			       f->key.qclass, f, resolver_event_cb,
			       &f->async_id);
	r->starting = NULL;
	return ret;
}

/* The answers resolver_event_cb() kept, delivered. */
static void resolver_deliver_deferred(struct resolver *r)
{
	while (r->deferred) {
		struct inflight *f = r->deferred;

		r->deferred = f->dnext;
		f->deferred = false;
		resolver_deliver(r, f, f->drcode, f->dpacket, f->dlen, f->dsec,
				 f->dwhy);
	}
}

/* Gives @f up: its waiters get a failed result, libunbound's never comes. */
static void resolver_give_up(struct resolver *r, struct inflight *f,
			     uint64_t now_ns)
{
	char name[DNSWIRE_NAME_TEXT_MAX];
	struct resolution res = { 0 };

	/*
	 * Out of the table before the waiters are answered: answering may
	 * start new queries (a TCP connection's buffered frames), which must
	 * not find this one. libunbound's callback frees it later.
	 */
	inflight_unlink(r, f);
	f->zombie = true;
	f->older = NULL;
	f->newer = r->zombies;
	if (r->zombies)
		r->zombies->older = f;
	r->zombies = f;
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
	/* In the table first: libunbound may answer before it returns. */
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
	ret = resolver_start(r, f, name);
	if (ret && !f->deferred) {
		log_warn("cannot start resolving %s: %s", name,
			 ub_strerror(ret));
		inflight_unlink(r, f);
		/* The caller answers its waiter. */
		inflight_free(f);
		return -EIO;
	}
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
	return resolver_start(r, f, name);
}

int resolver_flush(struct resolver *r, const struct config *cfg)
{
	struct inflight *f, *last, *next;
	char err[CONFIG_ERR_MAX];
	struct ub_ctx *nctx, *ncd = NULL, *octx;
	int ret;

	nctx = ub_ctx_create_ub_event(ubevent_ub_base(r->ev));
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
	resolver_process(r);
	resolver_ctx_delete(r, r->ctx); /* what it had in flight: restarted */
	resolver_ctx_delete(r, r->ctx_cd);
	r->ctx = nctx;
	r->ctx_cd = ncd;
	while (r->zombies) {
		f = r->zombies;
		zombie_unlink(r, f);
		inflight_free(f);
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
		if (ret && !f->deferred) {
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
			inflight_free(f);
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
	/* No answer comes after this; what is in flight is cancelled. */
	r->deferred = NULL; /* in flight still: answered below */
	resolver_ctx_delete(r, r->ctx);
	resolver_ctx_delete(r, r->ctx_cd);
	while (r->oldest) {
		struct inflight *f = r->oldest;
		struct resolution res = { 0 };

		inflight_unlink(r, f);
		res.key = f->key;
		res.cancelled = true;
		res.refresh = f->refresh;
		res.waiters = f->head;
		r->done(r->arg, &res);
		inflight_free(f);
	}
	while (r->zombies) {
		struct inflight *f = r->zombies;

		zombie_unlink(r, f);
		inflight_free(f);
	}
	close(r->timerfd);
	ubevent_base_destroy(r->ev);
	free(r->buckets);
	free(r);
}
