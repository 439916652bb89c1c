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
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
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

#include "acl.h"
#include "anscache.h"
#include "config.h"
#include "daemon_stats.h"
#include "event.h"
#include "listen.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "privs.h"
#include "query.h"
#include "refresh.h"
#include "resolver.h"

#define EXIT_USAGE 2
#define MAIN_EVENTS 64

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
	struct anscache *ac;
	struct metrics_server *metrics;
	struct daemon_stats stats;
	struct query_ctx *qctx;
	int epfd;
	struct ev_handler sig_ev, timer_ev, ub_ev, deadline_ev;
	int sigfd, timerfd;
	bool stop;
	int exit_code;
};

static void stat_add(uint64_t *p, uint64_t n)
{
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

/* Options whose change needs a restart; SIGHUP warns about them. */
static void reload_warn_static(const struct config *old,
			       const struct config *new)
{
#define STR_CHANGED(a, b) ((a) != (b) && (!(a) || !(b) || strcmp((a), (b))))
	const char *what = NULL;

	if (STR_CHANGED(old->interface, new->interface))
		what = "interface";
	else if (old->listen.n != new->listen.n)
		what = "listen";
	else if (old->port != new->port)
		what = "port";
	else if (old->xdp_mode != new->xdp_mode || old->no_xdp != new->no_xdp)
		what = "xdp-mode/no-xdp";
	else if (STR_CHANGED(old->pin_dir, new->pin_dir))
		what = "pin-dir";
	else if (old->cache_size != new->cache_size)
		what = "cache-size";
	else if (STR_CHANGED(old->root_hints, new->root_hints) ||
		 STR_CHANGED(old->unbound_config, new->unbound_config) ||
		 old->forward.n != new->forward.n ||
		 old->trust_anchor.n != new->trust_anchor.n ||
		 old->local_zone_nodefault.n != new->local_zone_nodefault.n)
		what = "resolver settings";
	else if (STR_CHANGED(old->metrics, new->metrics))
		what = "metrics";
	else if (old->tcp_idle_timeout != new->tcp_idle_timeout ||
		 old->tcp_max_conns != new->tcp_max_conns)
		what = "tcp limits";
	if (what)
		log_warn("reload: %s changed; restart xdpdnsd to apply it",
			 what);
#undef STR_CHANGED
}

/* SIGHUP: the file as it is now, the command line on top, applied live. */
static void daemon_reload(struct daemon *d)
{
	char err[CONFIG_ERR_MAX];
	struct config ncfg;
	struct acl nacl;
	int ret;

	ret = config_build(d->argc, d->argv, &ncfg, err, sizeof(err));
	if (ret == CONFIG_RUN)
		ret = config_check_files(&ncfg, err, sizeof(err));
	if (ret != CONFIG_RUN) {
		log_err("reload failed, keeping the running settings: %s",
			ret < 0 ? err : "--help/--version given");
		config_free(&ncfg);
		return;
	}
	ret = acl_build(&ncfg, &nacl, err, sizeof(err));
	if (ret) {
		log_err("reload failed, keeping the running settings: %s", err);
		config_free(&ncfg);
		return;
	}
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
	reload_warn_static(&d->cfg, &ncfg);
	log_set_level(ncfg.log_level);
	resolver_set_max(d->res, ncfg.max_outstanding);
	resolver_set_timeout(d->res, ncfg.resolve_timeout);
	acl_free(&d->acl);
	d->acl = nacl;
	config_free(&d->cfg);
	d->cfg = ncfg;
	d->qctx->cfg = &d->cfg;
	d->qctx->acl = &d->acl;
	stat_add(&d->stats.reloads, 1);
	log_info("reloaded %s",
		 d->cfg.config_file ? d->cfg.config_file : "the command line");
}

static void on_signal(struct ev_handler *h, uint32_t events)
{
	struct daemon *d =
		(struct daemon *)((char *)h - offsetof(struct daemon, sig_ev));
	struct signalfd_siginfo si;

	(void)events;
	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			daemon_reload(d);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("signal %u: stopping", si.ssi_signo);
			d->stop = true;
		}
	}
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
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d->timerfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->epfd < 0 || d->sigfd < 0 || d->timerfd < 0 ||
	    timerfd_settime(d->timerfd, 0, &its, NULL)) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return 1;
	}
	d->qctx = calloc(1, sizeof(*d->qctx));
	if (!d->qctx || anscache_create(d->cfg.cache_size, &d->ac)) {
		log_err("cannot allocate the query context: %s",
			strerror(ENOMEM));
		return 1;
	}
	ret = resolver_create(&d->cfg, query_on_done, d->qctx, &d->stats,
			      &d->res);
	if (ret)
		/* A file the unprivileged user cannot read is a bad file. */
		return ret == -EINVAL ? EXIT_USAGE : 1;
	if (d->xdp) {
		ret = refresh_create(d->maps.cache, d->maps.hash_seed,
				     d->cfg.cache_size, &d->rf);
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
	d->qctx->cfg = &d->cfg;
	d->qctx->acl = &d->acl;
	d->qctx->ls = d->ls;
	d->qctx->res = d->res;
	d->qctx->rf = d->rf;
	d->qctx->ac = d->ac;
	d->qctx->cache_fd = d->xdp ? d->maps.cache : -1;
	d->qctx->cache_seed = d->maps.hash_seed;
	d->qctx->stats = &d->stats;

	if (d->cfg.metrics) {
		struct metrics_config mc = {
			.listen = d->cfg.metrics,
			.stats_fd = d->xdp ? d->maps.stats : -1,
			.cache_fd = d->xdp ? d->maps.cache : -1,
			.rl_fd = d->xdp ? d->maps.rl : -1,
			.daemon = &d->stats,
		};

		if (metrics_start(&mc, &d->metrics))
			return 1;
	}
	if (listen_start(d->ls, d->epfd, &d->cfg, query_on_client, d->qctx,
			 &d->stats))
		return 1;
	if (watch(d, d->sigfd, &d->sig_ev, on_signal) ||
	    watch(d, d->timerfd, &d->timer_ev, on_timer) ||
	    watch(d, resolver_fd(d->res), &d->ub_ev, on_unbound) ||
	    watch(d, resolver_timer_fd(d->res), &d->deadline_ev, on_deadline)) {
		log_err("cannot watch the loop's fds: %s", strerror(errno));
		return 1;
	}
	log_info("xdpdnsd %s ready%s", config_version(),
		 d->xdp ? "" : " (no XDP)");
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
	/*
	 * Sockets first: releasing a waiting TCP query then finds its
	 * connection closed instead of reading its next frame into a resolver
	 * being destroyed.
	 */
	listen_close(d->ls);
	d->ls = NULL;
	resolver_destroy(d->res); /* frees what waits; answers nothing */
	refresh_destroy(d->rf);
	anscache_destroy(d->ac);
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
 * The root monitor: forwards TERM, INT and HUP to the daemon and, once it
 * has ended, detaches XDP. Return: the daemon's exit code.
 */
static int monitor(pid_t child, const sigset_t *set)
{
	int status = 1;

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(set, &si), st;

		if (sig < 0) {
			if (errno == EINTR)
				continue;
			log_err("sigwaitinfo: %s", strerror(errno));
			kill(child, SIGTERM);
			waitpid(child, &st, 0);
			break;
		}
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		if (waitpid(child, &st, WNOHANG) == child) {
			if (WIFEXITED(st))
				status = WEXITSTATUS(st);
			else
				log_err("daemon process died of signal %d",
					WTERMSIG(st));
			break;
		}
	}
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
	struct daemon d = { .argc = argc, .argv = argv, .epfd = -1 };
	char err[CONFIG_ERR_MAX];
	struct privs_user user;
	sigset_t set;
	int ret, code = 1;
	pid_t child;

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
	log_init("xdpdnsd", d.cfg.syslog, d.cfg.log_level);
	log_hook_libs();
	raise_nofile();
	d.stats.start_time = time(NULL);

	if (acl_build(&d.cfg, &d.acl, err, sizeof(err))) {
		log_err("%s", err);
		goto out;
	}
	d.xdp = !d.cfg.no_xdp;
	if (d.xdp) {
		if (loader_open(&d.cfg, &d.loader))
			goto out;
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

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (user.drop) {
		pid_t parent = getpid();

		child = fork();
		if (child < 0) {
			log_err("fork: %s", strerror(errno));
			goto out_pid;
		}
		if (child > 0) {
			/* Monitor: keeps root, holds no socket. */
			listen_close(d.ls);
			d.ls = NULL;
			code = monitor(child, &set);
			goto out_pid;
		}
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		if (privs_drop(&user, d.xdp))
			_exit(1);
		code = daemon_run(&d);
		daemon_teardown(&d);
		acl_free(&d.acl);
		config_free(&d.cfg);
		log_close();
		/* The monitor detaches and removes the pidfile. */
		_exit(code);
	}
	code = daemon_run(&d);
	daemon_teardown(&d);
	d.ls = NULL;
out_pid:
	if (d.cfg.pidfile)
		unlink(d.cfg.pidfile);
out_detach:
	loader_detach(d.loader);
out:
	listen_close(d.ls);
	loader_close(d.loader);
	acl_free(&d.acl);
	config_free(&d.cfg);
	log_close();
	return code;
}
