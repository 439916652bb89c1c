// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsd: options, setup as root, the split into a root monitor and the
 * unprivileged daemon (see privs.h), the epoll loop and signals.
 *
 * Setup order matters: everything that needs root (XDP attach, map pins,
 * binding port 53, the pidfile) happens first; then the process forks
 * before any thread exists; the child drops to --user and only then
 * creates libunbound's worker thread and the metrics thread, which inherit
 * its reduced credentials.
 *
 * Crash semantics (README, "Process model"): the root monitor keeps the
 * attached program, the pins and the bound sockets, so when the daemon
 * child dies XDP goes on answering cached names, queries to the daemon wait
 * in the socket buffers, and the monitor forks a new daemon from its own
 * untouched state after a backoff. When the monitor dies the child gets
 * SIGTERM from the kernel (the parent-death signal, set after the UID
 * change, which clears it) and stops; XDP and the pins stay for the next
 * start to adopt. A stop (SIGTERM, SIGINT) detaches XDP unless
 * --keep-xdp-on-exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <systemd/sd-daemon.h>

#include "acl.h"
#include "anscache.h"
#include "config.h"
#include "cookies.h"
#include "dlimit.h"
#include "dnstap.h"
#include "event.h"
#include "lib/cachemap.h"
#include "lib/daemon_stats.h"
#include "lib/util.h"
#include "listen.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "privs.h"
#include "purge.h"
#include "query.h"
#include "refresh.h"
#include "relay.h"
#include "resolver.h"
#include "workers.h"

/* Clients the daemon's own limits track (TCP and --no-xdp): 4 MiB. */
#define DAEMON_DLIMIT_SLOTS 65536

#define EXIT_USAGE 2
#define MAIN_EVENTS 64
/* Restart backoff of a crashed daemon: doubling from 1 s, at most this. */
#define MONITOR_BACKOFF_MAX_S 10
/* A daemon that ran this long before dying restarts after 1 s again. */
#define MONITOR_STABLE_S 60
/* Daemons in a row that die before they are ready: then give up. */
#define MONITOR_EARLY_DEATHS_MAX 5

struct daemon {
	int argc;
	char **argv;
	struct config cfg;
	struct acl acl;
	struct loader *loader; /* NULL with --no-xdp */
	struct loader_maps maps;
	bool xdp;
	struct listener *ls;
	struct resolver *res;
	struct refresh *rf;
	struct cachemap *cm; /* the XDP cache's writer; NULL with --no-xdp */
	struct anscache *ac;
	struct dlimit *dl;
	struct cookies cookies;
	struct metrics_server *metrics;
	struct daemon_stats stats;
	struct xdpdns_status status; /* written by the loop, see health.h */
	struct query_ctx *qctx;
	/* --threads over 1: the UDP threads and their way to this one. */
	struct workers *workers;
	struct relay *relay;
	const struct daemon_stats *thread_stats[CONFIG_THREADS_MAX];
	int epfd;
	struct ev_handler sig_ev, timer_ev, ub_ev, deadline_ev, tap_ev;
	struct ev_handler relay_ev;
	struct dnstap *tap; /* --dnstap; NULL: off */
	int tap_file_fd; /* --dnstap file:, opened as root; -1 */
	int sigfd, timerfd;
	int ready_fd; /* the daemon writes one byte here once ready; -1 */
	uint64_t purge_seq; /* the last purge request seen */
	pid_t monitor_pid; /* 0: no monitor (--user "") */
	bool stop;
	int exit_code;
};

/* The serve-stale client timeout the resolver watches: none when
 * serve-stale is off, or when stale answers go out at once (0). */
static uint32_t daemon_client_timeout(const struct config *cfg)
{
	return cfg->serve_stale_max ? cfg->serve_stale_client_timeout : 0;
}

/* Options whose change needs a restart (the option table says which). */
static void reload_warn_static(const struct config *old,
			       const struct config *new)
{
	char names[256];
	int n = config_restart_changed(old, new, names, sizeof(names));

	if (n)
		log_warn("reload: %s changed; restart xdpdnsd to apply %s",
			 names, n == 1 ? "it" : "them");
}

/*
 * An answer XDP sends is one frame: --edns-size may not exceed the
 * interface's MTU minus an IPv6 and a UDP header (IPv4's is smaller), or
 * the program would build frames the link cannot carry. Caps it, warning
 * once per setting. @warn: log the cap (at start and on reload).
 */
static void cap_edns_size(struct config *cfg, bool warn)
{
	unsigned int mtu, cap;

	if (cfg->no_xdp || !cfg->interface)
		return;
	mtu = util_if_mtu(cfg->interface);
	if (mtu <= 48 + 512)
		return;
	cap = mtu - 40 - 8;
	if (cfg->edns_size > cap) {
		if (warn)
			log_warn(
				"--edns-size %u does not fit the MTU %u of %s: using %u",
				cfg->edns_size, mtu, cfg->interface, cap);
		cfg->edns_size = cap;
	}
}

/* --threads 0: one per CPU this process may run on (taskset, cpusets). */
static void count_threads(struct config *cfg)
{
	cpu_set_t set;
	int n;

	if (cfg->threads)
		return;
	n = sched_getaffinity(0, sizeof(set), &set) ? 1 : CPU_COUNT(&set);
	if (n < 1)
		n = 1;
	cfg->threads = n > CONFIG_THREADS_MAX ? CONFIG_THREADS_MAX :
						(uint32_t)n;
}

/*
 * The settings a SIGHUP asks for: the file as it is now, the command line
 * on top, and the ACL built from them. @why: NULL to stay quiet (the
 * monitor: the daemon says it). Return: 0, or -1 with nothing to free.
 */
static int reload_build(const struct daemon *d, struct config *ncfg,
			struct acl *nacl, const char *why)
{
	char err[CONFIG_ERR_MAX];
	int ret;

	ret = config_build(d->argc, d->argv, ncfg, err, sizeof(err));
	if (ret == CONFIG_RUN)
		ret = config_check_files(ncfg, err, sizeof(err));
	if (ret > 0)
		snprintf(err, sizeof(err), "--help/--version given");
	if (ret == CONFIG_RUN)
		ret = acl_build(ncfg, nacl, err, sizeof(err));
	if (!ret) {
		cap_edns_size(ncfg, why != NULL);
		count_threads(ncfg);
		return 0;
	}
	if (why)
		log_err("%s: %s", why, err);
	config_free(ncfg);
	return -1;
}

/*
 * The dnstap target stays what the service started with until a restart,
 * in the daemon and in the monitor: its file was opened at start, and a
 * daemon the monitor forks later must log where that descriptor points
 * (the XDP program's dnstap flag follows the running log, too).
 */
static void reload_keep_dnstap(struct config *ncfg, const struct config *cur)
{
	free(ncfg->dnstap);
	free(ncfg->dnstap_identity);
	ncfg->dnstap = cur->dnstap ? strdup(cur->dnstap) : NULL;
	ncfg->dnstap_identity =
		cur->dnstap_identity ? strdup(cur->dnstap_identity) : NULL;
}

/* SIGHUP: the file as it is now, the command line on top, applied live. */
static void daemon_reload(struct daemon *d)
{
	char err[CONFIG_ERR_MAX];
	struct config ncfg;
	struct acl nacl;
	int ret;

	if (reload_build(d, &ncfg, &nacl,
			 "reload failed, keeping the running settings"))
		return;
	reload_warn_static(&d->cfg, &ncfg);
	reload_keep_dnstap(&ncfg, &d->cfg);
	if (d->xdp) {
		ret = loader_write_config(&d->maps, &ncfg);
		if (!ret)
			ret = acl_write_maps(&nacl, d->maps.allow, d->maps.deny,
					     d->maps.exempt);
		if (ret) {
			log_err("reload: cannot update the XDP maps: %s",
				strerror(-ret));
			acl_free(&nacl);
			config_free(&ncfg);
			return;
		}
	}
	if (cookies_reload(&d->cookies, &ncfg, ev_now_ns(), err, sizeof(err)))
		log_err("reload: %s; keeping the running cookie secrets", err);
	log_set_level(ncfg.log_level);
	resolver_set_max(d->res, ncfg.max_outstanding);
	resolver_set_timeout(d->res, ncfg.resolve_timeout);
	resolver_set_client_timeout(d->res, daemon_client_timeout(&ncfg),
				    query_on_slow);
	/* The UDP threads read both: parked while they change. */
	workers_pause(d->workers);
	acl_free(&d->acl);
	d->acl = nacl;
	config_free(&d->cfg);
	d->cfg = ncfg;
	workers_resume(d->workers);
	stat_inc(&d->stats.reloads);
	log_info("reloaded %s",
		 d->cfg.config_file ? d->cfg.config_file : "the command line");
}

static void daemon_flush(struct daemon *d);

static void on_signal(struct ev_handler *h, uint32_t events)
{
	struct daemon *d =
		(struct daemon *)((char *)h - offsetof(struct daemon, sig_ev));
	struct signalfd_siginfo si;

	(void)events;
	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			daemon_reload(d);
		} else if (si.ssi_signo == SIGUSR1) {
			daemon_flush(d);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("signal %u: stopping", si.ssi_signo);
			d->stop = true;
		}
	}
}

/* The pulse: into the daemon's memory for /health, into the pinned map
 * for `xdpdnsctl health`. */
static void daemon_heartbeat(struct daemon *d)
{
	__u32 zero = 0;

	__atomic_store_n(&d->status.heartbeat_ns, ev_now_ns(),
			 __ATOMIC_RELAXED);
	sd_notify(0, "WATCHDOG=1");
	if (d->xdp &&
	    bpf_map_update_elem(d->maps.status, &zero, &d->status, BPF_ANY))
		log_debug("cannot write %s: %s", XDPDNS_MAP_STATUS,
			  strerror(errno));
}

static void on_unbound(struct ev_handler *h, uint32_t events);
static int watch(struct daemon *d, int fd, struct ev_handler *h,
		 void (*fn)(struct ev_handler *, uint32_t));

/*
 * A purge replaces libunbound's context, and with it the fd the loop
 * watches (the old one left epoll when libunbound closed it): @fd is the
 * one watched before.
 */
static void daemon_rewatch(struct daemon *d, int fd)
{
	if (resolver_fd(d->res) == fd ||
	    !watch(d, resolver_fd(d->res), &d->ub_ev, on_unbound))
		return;
	log_err("cannot watch libunbound's new context: %s", strerror(errno));
	d->stop = true;
	d->exit_code = 1;
}

/* A purge request from xdpdnsctl, if one is waiting. */
static void daemon_purge(struct daemon *d)
{
	int fd = resolver_fd(d->res), ret;

	ret = purge_poll(d->qctx, d->xdp ? d->maps.purge : -1, &d->purge_seq,
			 ev_now_ns());
	if (ret < 0)
		log_debug("cannot read %s: %s", XDPDNS_MAP_PURGE,
			  strerror(-ret));
	daemon_rewatch(d, fd);
}

/*
 * SIGUSR1: a flush of everything the daemon holds, with no channel (the
 * way to purge under --no-xdp, where there are no pins for xdpdnsctl).
 */
static void daemon_flush(struct daemon *d)
{
	int fd = resolver_fd(d->res);

	purge_all(d->qctx);
	daemon_rewatch(d, fd);
}

/* Slots out of quarantine, and the cache's gauges for the metrics. */
static void daemon_cache_tick(struct daemon *d)
{
	struct cachemap_stats cs;

	cachemap_tick(d->cm, ev_now_ns());
	cachemap_stats(d->cm, &cs);
#define DAEMON_CLASS_STATS_(k)                                \
	stat_set(&d->stats.cache_evicted##k, cs.evicted[k]);  \
	stat_set(&d->stats.cache_live##k, cs.live[k]);        \
	stat_set(&d->stats.cache_quar##k, cs.quarantined[k]); \
	stat_set(&d->stats.cache_free##k, cs.free[k]);
	DAEMON_CLASS_STATS_(0)
	DAEMON_CLASS_STATS_(1)
	DAEMON_CLASS_STATS_(2)
	DAEMON_CLASS_STATS_(3)
#undef DAEMON_CLASS_STATS_
}

static void on_timer(struct ev_handler *h, uint32_t events)
{
	struct daemon *d = (struct daemon *)((char *)h -
					     offsetof(struct daemon, timer_ev));
	uint64_t expirations;

	(void)events;
	if (read(d->timerfd, &expirations, sizeof(expirations)) < 0)
		return;
	listen_tick(d->ls);
	daemon_heartbeat(d);
	daemon_purge(d);
	cookies_tick(&d->cookies, ev_now_ns());
	if (d->cm)
		daemon_cache_tick(d);
	if (d->rf)
		refresh_tick(d->rf, ev_now_ns(), query_refresh, d->qctx);
}

static void on_unbound(struct ev_handler *h, uint32_t events)
{
	struct daemon *d =
		(struct daemon *)((char *)h - offsetof(struct daemon, ub_ev));

	(void)events;
	if (resolver_process(d->res)) {
		d->stop = true;
		d->exit_code = 1;
	}
}

static void on_deadline(struct ev_handler *h, uint32_t events)
{
	struct daemon *d = (struct daemon *)((char *)h - offsetof(struct daemon,
								  deadline_ev));

	(void)events;
	resolver_expire(d->res);
}

/* XDP's sampled answers, for the dnstap log. */
static void on_tap(struct ev_handler *h, uint32_t events)
{
	struct daemon *d =
		(struct daemon *)((char *)h - offsetof(struct daemon, tap_ev));

	(void)events;
	dnstap_samples_read(d->tap, d->cfg.sample_rate);
}

/* What the UDP threads could not finish themselves. */
static void on_relay(struct ev_handler *h, uint32_t events)
{
	struct daemon *d = (struct daemon *)((char *)h -
					     offsetof(struct daemon, relay_ev));

	(void)events;
	query_relay_drain(d->qctx, d->relay);
}

static int watch(struct daemon *d, int fd, struct ev_handler *h,
		 void (*fn)(struct ev_handler *, uint32_t))
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = h };

	h->fn = fn;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	return 0;
}

/* The unprivileged daemon: resolver, metrics, loop. Return: exit code. */
static int daemon_run(struct daemon *d)
{
	struct itimerspec its = { .it_interval = { 1, 0 },
				  .it_value = { 1, 0 } };
	struct epoll_event evs[MAIN_EVENTS];
	sigset_t set;
	int ret;

	d->exit_code = 1;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d->timerfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->epfd < 0 || d->sigfd < 0 || d->timerfd < 0 ||
	    timerfd_settime(d->timerfd, 0, &its, NULL)) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return 1;
	}
	d->qctx = calloc(1, sizeof(*d->qctx));
	if (!d->qctx || anscache_create(d->cfg.cache_size, &d->ac) ||
	    dlimit_create(DAEMON_DLIMIT_SLOTS, &d->dl)) {
		log_err("cannot allocate the query context: %s",
			strerror(ENOMEM));
		return 1;
	}
	ret = resolver_create(&d->cfg, query_on_done, d->qctx, &d->stats,
			      &d->res);
	if (ret)
		/* A file the unprivileged user cannot read is a bad file. */
		return ret == -EINVAL ? EXIT_USAGE : 1;
	resolver_set_client_timeout(d->res, daemon_client_timeout(&d->cfg),
				    query_on_slow);
	if (d->xdp) {
		const int slot_fds[XDPDNS_SLOT_CLASSES] = { d->maps.slot0,
							    d->maps.slot1,
							    d->maps.slot2,
							    d->maps.slot3 };
		char err[256] = "";

		ret = cachemap_open(d->maps.cache, slot_fds, &d->maps.hash_key,
				    CACHEMAP_WRITER, util_mono_ns(), &d->cm,
				    err, sizeof(err));
		if (ret) {
			log_err("cannot open the XDP cache: %s", err);
			return 1;
		}
		ret = refresh_create(d->cm, d->cfg.cache_size, &d->rf);
		if (ret) {
			log_err("cannot allocate the refresh index: %s",
				strerror(-ret));
			return 1;
		}
		ret = refresh_seed(d->rf);
		if (ret > 0)
			log_info(
				"cache is warm: %d entries from an earlier run",
				ret);
	}
	{
		char err[CONFIG_ERR_MAX];

		ret = cookies_init(&d->cookies, &d->cfg,
				   d->xdp ? d->maps.cookie : -1, &d->stats,
				   ev_now_ns(), err, sizeof(err));
		if (ret) {
			log_err("%s", err);
			/* A file the unprivileged user cannot read is a bad
			 * file, as for libunbound's. */
			return ret == -EINVAL || ret == -EACCES ||
					       ret == -ENOENT ?
				       EXIT_USAGE :
				       1;
		}
	}
	d->qctx->cookies = &d->cookies;
	d->qctx->cfg = &d->cfg;
	d->qctx->acl = &d->acl;
	d->qctx->ls = d->ls;
	d->qctx->res = d->res;
	d->qctx->rf = d->rf;
	d->qctx->ac = d->ac;
	d->qctx->dl = d->dl;
	d->qctx->cm = d->cm;
	d->qctx->stats = &d->stats;
	d->qctx->status = &d->status;
	d->status.daemon_pid = (__u32)getpid();
	d->status.monitor_pid = d->monitor_pid;
	d->status.restarts = (__u32)d->stats.daemon_restarts;
	if (d->xdp) {
		d->status.ifindex = (__u32)loader_ifindex(d->loader);
		d->status.prog_id = loader_prog_id(d->loader);
	}

	if (d->cfg.dnstap) {
		/* Here, after the drop: fstrm's I/O thread runs as --user. */
		if (dnstap_create(&d->cfg, d->tap_file_fd, &d->stats, &d->tap))
			return 1;
		listen_set_dnstap(d->ls, d->tap);
		if (d->xdp) {
			ret = dnstap_watch_samples(d->tap, d->maps.tap);
			if (!ret)
				ret = watch(d, dnstap_samples_fd(d->tap),
					    &d->tap_ev, on_tap);
			if (ret) {
				log_err("cannot read %s: %s", XDPDNS_MAP_TAP,
					strerror(-ret));
				return 1;
			}
		}
	}
	if (listen_start(d->ls, d->epfd, &d->cfg, query_on_client,
			 query_tcp_allowed, d->qctx, &d->stats))
		return 1;
	if (listen_workers(d->ls)) {
		ret = relay_create(d->cfg.max_outstanding, &d->relay);
		if (!ret)
			ret = watch(d, relay_fd(d->relay), &d->relay_ev,
				    on_relay);
		if (ret) {
			log_err("cannot set up the UDP threads' relay: %s",
				strerror(-ret));
			return 1;
		}
		if (workers_start(d->ls, d->qctx, d->relay, &d->cfg,
				  &d->workers))
			return 1;
		for (unsigned int i = 0; i < workers_count(d->workers); i++)
			d->thread_stats[i] = workers_stats(d->workers, i);
	}
	stat_set(&d->stats.udp_threads, 1 + workers_count(d->workers));
	if (d->cfg.metrics) {
		struct metrics_config mc = {
			.listen = d->cfg.metrics,
			.maps = XDPMAPS_FDS_NONE,
			.daemon = &d->stats,
			.threads = d->thread_stats,
			.nthreads = workers_count(d->workers),
			.status = &d->status,
			.xdp = d->xdp,
		};

		if (d->xdp) {
#define DAEMON_MAP_FD_(f, name, ks, vs) mc.maps.f = d->maps.f;
			XDPDNS_MAPS(DAEMON_MAP_FD_)
#undef DAEMON_MAP_FD_
		}
		if (metrics_start(&mc, &d->metrics))
			return 1;
	}
	if (watch(d, d->sigfd, &d->sig_ev, on_signal) ||
	    watch(d, d->timerfd, &d->timer_ev, on_timer) ||
	    watch(d, resolver_fd(d->res), &d->ub_ev, on_unbound) ||
	    watch(d, resolver_timer_fd(d->res), &d->deadline_ev, on_deadline)) {
		log_err("cannot watch the loop's fds: %s", strerror(errno));
		return 1;
	}
	log_info("xdpdnsd %s ready%s", config_version(),
		 d->xdp ? "" : " (no XDP)");
	d->status.started_ns = ev_now_ns();
	daemon_heartbeat(d);
	if (d->ready_fd >= 0) {
		if (write(d->ready_fd, "r", 1) != 1)
			log_warn("cannot tell the monitor we are ready: %s",
				 strerror(errno));
		close(d->ready_fd);
		d->ready_fd = -1;
	}
	sd_notifyf(0, "READY=1\nSTATUS=answering on %zu address%s%s",
		   d->cfg.listen.n, d->cfg.listen.n == 1 ? "" : "es",
		   d->xdp ? ", XDP attached" : "");
	d->exit_code = 0;
	while (!d->stop) {
		int n = epoll_wait(d->epfd, evs, MAIN_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			d->exit_code = 1;
			break;
		}
		for (int i = 0; i < n && !d->stop; i++) {
			struct ev_handler *h = evs[i].data.ptr;

			h->fn(h, evs[i].events);
		}
	}
	return d->exit_code;
}

static void daemon_teardown(struct daemon *d)
{
	if (d->metrics)
		metrics_stop(d->metrics);
	/* Before the sockets, the answer cache and the limits they use. */
	workers_stop(d->workers);
	d->workers = NULL;
	/*
	 * Sockets first: releasing a waiting TCP query then finds its
	 * connection closed instead of reading its next frame into a resolver
	 * being destroyed.
	 */
	listen_close(d->ls);
	d->ls = NULL;
	/* What the log holds is written (and the stream's STOP frame). */
	dnstap_destroy(d->tap);
	d->tap = NULL;
	relay_destroy(d->relay, query_relay_free);
	d->relay = NULL;
	resolver_destroy(d->res); /* frees what waits; answers nothing */
	refresh_destroy(d->rf);
	cachemap_close(d->cm);
	anscache_destroy(d->ac);
	dlimit_destroy(d->dl);
	cookies_destroy(&d->cookies);
	free(d->qctx);
	if (d->epfd >= 0)
		close(d->epfd);
}

static int pidfile_write(const char *path)
{
	char buf[32];
	int fd, n, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		log_err("--pidfile %s: %s", path, strerror(errno));
		return ret;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, n) != n) {
		ret = -EIO;
		log_err("--pidfile %s: short write", path);
	}
	close(fd);
	return ret;
}

/*
 * SIGHUP in the monitor: the daemon reloads itself; the monitor keeps the
 * same fresh settings so that a daemon it restarts later starts with them.
 */
static void monitor_reload(struct daemon *d)
{
	struct config ncfg;
	struct acl nacl;

	if (reload_build(d, &ncfg, &nacl, NULL))
		return; /* the daemon logs why */
	reload_keep_dnstap(&ncfg, &d->cfg);
	acl_free(&d->acl);
	d->acl = nacl;
	config_free(&d->cfg);
	d->cfg = ncfg;
}

/* --afxdp: the AF_XDP sockets, while the process may still make them. */
static int daemon_afxdp_open(struct daemon *d)
{
	if (!d->cfg.afxdp)
		return 0;
	return listen_afxdp_open(d->ls, d->cfg.interface, d->maps.xsk);
}

/*
 * Forks the unprivileged daemon from the monitor's state (as it was before
 * any daemon ran). Return: the child's pid, or -1 (logged). The child never
 * returns.
 */
static pid_t monitor_spawn(struct daemon *d, const struct privs_user *u,
			   int *ready_rd)
{
	pid_t parent = getpid(), child;
	int p[2], code;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK)) {
		log_err("pipe: %s", strerror(errno));
		return -1;
	}
	child = fork();
	if (child < 0) {
		log_err("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (child > 0) {
		close(p[1]);
		*ready_rd = p[0];
		return child;
	}
	close(p[0]);
	d->ready_fd = p[1];
	d->monitor_pid = parent;
	/* The child's own: they leave xdpdns_xsk when it dies, and XDP
	 * passes to the monitor's UDP sockets until the next child. */
	if (daemon_afxdp_open(d) || privs_drop(u, d->xdp))
		_exit(1);
	/* After the UID change, which clears it (credentials(7)). */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
		_exit(1);
	code = daemon_run(d);
	daemon_teardown(d);
	acl_free(&d->acl);
	config_free(&d->cfg);
	log_close();
	/* The monitor detaches and removes the pidfile. */
	_exit(code);
}

static void monitor_describe(pid_t pid, int st, char *buf, size_t cap)
{
	if (WIFSIGNALED(st))
		snprintf(buf, cap, "daemon process %d died of signal %d (%s)",
			 (int)pid, WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, cap, "daemon process %d exited with status %d",
			 (int)pid, WEXITSTATUS(st));
}

/*
 * The root monitor: forwards TERM, INT, HUP and USR1 to the daemon; restarts a
 * daemon that crashed (killed by a signal, or exit status 1) with a
 * doubling backoff, while XDP keeps answering; returns when a stop was
 * asked for, when the daemon ended by itself with 0 or 2 (a bad file:
 * restarting cannot help), or when daemons keep dying before they are
 * ready. Return: the exit code for the whole service.
 */
static int monitor(struct daemon *d, const struct privs_user *u,
		   const sigset_t *set)
{
	unsigned int backoff = 0, early = 0;
	int status = 1, ready_rd = -1;
	bool stopping = false, ready = false;
	struct timespec started;
	pid_t child;

	child = monitor_spawn(d, u, &ready_rd);
	if (child < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &started);
	for (;;) {
		struct timespec wait = { .tv_sec = backoff }, now;
		char why[128], c;
		siginfo_t si;
		int sig, st;
		pid_t pid;

		sig = child > 0 ? sigwaitinfo(set, &si) :
				  sigtimedwait(set, &si, &wait);
		if (sig < 0 && errno == EAGAIN && child <= 0) {
			d->stats.daemon_restarts++;
			log_info(
				"starting a new daemon process (restart %" PRIu64
				")",
				d->stats.daemon_restarts);
			sd_notify(0, "WATCHDOG=1");
			child = monitor_spawn(d, u, &ready_rd);
			if (child < 0)
				return 1;
			clock_gettime(CLOCK_MONOTONIC, &started);
			ready = false;
			continue;
		}
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			log_err("sigwaitinfo: %s", strerror(errno));
			status = 1;
			stopping = true;
			if (child <= 0)
				break;
			kill(child, SIGTERM);
			continue;
		}
		if (sig == SIGHUP) {
			monitor_reload(d);
			if (child > 0)
				kill(child, SIGHUP);
			continue;
		}
		if (sig == SIGUSR1) {
			/* A new daemon starts with empty copies anyway. */
			if (child > 0)
				kill(child, SIGUSR1);
			continue;
		}
		if (sig != SIGCHLD) {
			stopping = true;
			sd_notify(0, "STOPPING=1");
			if (child <= 0) {
				status = 0;
				break;
			}
			kill(child, sig);
			continue;
		}
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			if (pid != child)
				continue;
			child = 0;
			if (ready_rd >= 0) {
				ready = read(ready_rd, &c, 1) == 1;
				close(ready_rd);
				ready_rd = -1;
			}
			monitor_describe(pid, st, why, sizeof(why));
			if (stopping ||
			    (WIFEXITED(st) && WEXITSTATUS(st) != 1)) {
				status = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
				if (!stopping || status)
					log_info("%s", why);
				stopping = true;
				break;
			}
			clock_gettime(CLOCK_MONOTONIC, &now);
			early = ready ? 0 : early + 1;
			if (early >= MONITOR_EARLY_DEATHS_MAX) {
				log_err("%s; %u daemons in a row died before they were ready: giving up",
					why, early);
				status = 1;
				stopping = true;
				break;
			}
			if (now.tv_sec - started.tv_sec >= MONITOR_STABLE_S)
				backoff = 1;
			else
				backoff = backoff ? backoff * 2 : 1;
			if (backoff > MONITOR_BACKOFF_MAX_S)
				backoff = MONITOR_BACKOFF_MAX_S;
			log_err("%s; XDP keeps answering cached names, restarting the daemon in %u s",
				why, backoff);
		}
		if (stopping && child <= 0)
			break;
	}
	if (ready_rd >= 0)
		close(ready_rd);
	return status;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	/* libunbound's sockets plus --tcp-max-conns clients. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct daemon d = {
		.argc = argc,
		.argv = argv,
		.epfd = -1,
		.ready_fd = -1,
		.tap_file_fd = -1,
	};
	char err[CONFIG_ERR_MAX];
	struct privs_user user;
	sigset_t set;
	int ret, code = 1;

	ret = config_build(argc, argv, &d.cfg, err, sizeof(err));
	if (ret == CONFIG_HELP || ret == CONFIG_VERSION) {
		if (ret == CONFIG_HELP)
			config_usage(stdout);
		else
			printf("xdpdnsd %s\n", config_version());
		config_free(&d.cfg);
		return 0;
	}
	/* Files libunbound reads, and what it makes of them: exit 2 too. */
	if (ret == CONFIG_RUN)
		ret = config_check_files(&d.cfg, err, sizeof(err));
	if (ret == CONFIG_RUN)
		ret = resolver_check(&d.cfg, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "xdpdnsd: %s\n", err);
		config_free(&d.cfg);
		return EXIT_USAGE;
	}
	if (privs_lookup(&d.cfg, &user, err, sizeof(err))) {
		fprintf(stderr, "xdpdnsd: %s\n", err);
		config_free(&d.cfg);
		return EXIT_USAGE;
	}
	if (!d.cfg.no_xdp && !if_nametoindex(d.cfg.interface)) {
		fprintf(stderr, "xdpdnsd: --interface %s: no such interface\n",
			d.cfg.interface);
		config_free(&d.cfg);
		return EXIT_USAGE;
	}
	/*
	 * --dnstap file: is opened here, as root and before XDP is attached,
	 * so a root-owned log directory works and a bad path is a usage
	 * error; the daemon writes to this descriptor after the drop.
	 */
	d.tap_file_fd = dnstap_file_open(&d.cfg, err, sizeof(err));
	if (d.tap_file_fd < -1) {
		fprintf(stderr, "xdpdnsd: %s\n", err);
		config_free(&d.cfg);
		return EXIT_USAGE;
	}
	/*
	 * From here on a stop must not kill us half set up with XDP attached:
	 * TERM, INT and HUP wait blocked until the loop (or the monitor)
	 * takes them, which it does at once when they came early.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_init("xdpdnsd", d.cfg.syslog, d.cfg.log_level);
	log_hook_libs();
	raise_nofile();
	cap_edns_size(&d.cfg, true);
	count_threads(&d.cfg);
	d.stats.start_time = time(NULL);

	if (acl_build(&d.cfg, &d.acl, err, sizeof(err))) {
		log_err("%s", err);
		goto out;
	}
	d.xdp = !d.cfg.no_xdp;
	if (d.xdp) {
		ret = loader_open(&d.cfg, &d.loader);
		if (ret) {
			/* No bpffs: the message says the command; exit 2. */
			code = ret == -EMEDIUMTYPE ? EXIT_USAGE : 1;
			goto out;
		}
		d.maps = *loader_maps(d.loader);
		ret = loader_write_config(&d.maps, &d.cfg);
		if (!ret)
			ret = loader_write_svc(&d.maps, &d.cfg);
		if (!ret)
			ret = acl_write_maps(&d.acl, d.maps.allow, d.maps.deny,
					     d.maps.exempt);
		if (ret) {
			log_err("cannot initialise the XDP maps: %s",
				strerror(-ret));
			goto out_detach;
		}
	}
	if (listen_open(&d.cfg, &d.ls))
		goto out_detach;
	if (d.cfg.pidfile && pidfile_write(d.cfg.pidfile))
		goto out_detach;

	if (user.drop) {
		/* Monitor: keeps root and the bound sockets, reads none. */
		code = monitor(&d, &user, &set);
	} else {
		code = daemon_afxdp_open(&d) ? 1 : daemon_run(&d);
		daemon_teardown(&d);
		d.ls = NULL;
	}
	if (d.cfg.pidfile)
		unlink(d.cfg.pidfile);
	if (d.cfg.keep_xdp_on_exit && d.loader) {
		log_info(
			"--keep-xdp-on-exit: XDP stays on %s for the next start",
			d.cfg.interface);
		goto out;
	}
out_detach:
	loader_detach(d.loader);
out:
	listen_close(d.ls);
	if (d.tap_file_fd >= 0)
		close(d.tap_file_fd);
	loader_close(d.loader);
	acl_free(&d.acl);
	config_free(&d.cfg);
	log_close();
	return code;
}
