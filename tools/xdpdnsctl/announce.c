// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsctl announce: the anycast health agent. Every --interval it takes
 * the verdict of `xdpdnsctl health` (and, with --probe, whether the local
 * daemon answers a name), debounces it (--rise good ones to announce,
 * --fall bad ones to withdraw) and tells FRR through vtysh to add or
 * remove the service prefixes as BGP `network` statements. The prefixes
 * are withdrawn at start (until the node has proved healthy) and on
 * SIGTERM/SIGINT, so a stopped agent never leaves a route behind. FRR's
 * own state stays FRR's: nothing here speaks BGP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "lib/announce.h"
#include "lib/health.h"
#include "lib/util.h"
#include "xdpdnsctl.h"

#define ANNOUNCE_ARGV_MAX 16 /* vtysh and its own arguments */
#define ANNOUNCE_OUT_MAX 512 /* vtysh's output kept for an error */

struct announce {
	struct announce_prefix pfx[ANNOUNCE_PREFIX_MAX];
	size_t npfx;
	uint32_t as;
	double interval, probe_timeout, refresh;
	const char *probe_name;
	ldns_rdf *probe_server;
	uint16_t probe_port;
	char *vtysh[ANNOUNCE_ARGV_MAX + 2 * ANNOUNCE_CMDS_MAX + 1];
	size_t nvtysh;
};

static volatile sig_atomic_t announce_stop;

static void announce_on_signal(int sig)
{
	(void)sig;
	announce_stop = 1;
}

static void announce_log(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void announce_log(const char *fmt, ...)
{
	va_list ap;

	fputs("xdpdnsctl announce: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* Runs vtysh with the commands that announce (@up) or withdraw every
 * prefix. Return: 0, or -1 after logging why (its last output line)
 * unless @quiet. */
static int announce_apply(struct announce *a, bool up, bool quiet)
{
	char cmds[ANNOUNCE_CMDS_MAX][ANNOUNCE_CMD_MAX];
	char out[ANNOUNCE_OUT_MAX], *last;
	size_t n = announce_cmds(a->pfx, a->npfx, a->as, up, cmds), k, len = 0;
	int pipefd[2], status;
	ssize_t r;
	pid_t pid;

	k = a->nvtysh;
	for (size_t i = 0; i < n; i++) {
		a->vtysh[k++] = "-c";
		a->vtysh[k++] = cmds[i];
	}
	a->vtysh[k] = NULL;
	if (pipe2(pipefd, O_CLOEXEC)) {
		announce_log("cannot run %s: %s", a->vtysh[0], strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		announce_log("cannot run %s: %s", a->vtysh[0], strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (!pid) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execvp(a->vtysh[0], a->vtysh);
		fprintf(stderr, "cannot run %s: %s\n", a->vtysh[0],
			strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	/* Keep the end of what it says: its error is the last line. */
	while ((r = read(pipefd[0], out + len, sizeof(out) - 1 - len)) > 0) {
		len += (size_t)r;
		if (len == sizeof(out) - 1) {
			memmove(out, out + len / 2, len - len / 2);
			len -= len / 2;
		}
	}
	close(pipefd[0]);
	out[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (quiet)
		return -1;
	while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	last = strrchr(out, '\n');
	announce_log("%s failed (%s %d): %s", a->vtysh[0],
		     WIFEXITED(status) ? "exit" : "signal",
		     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		     last ? last + 1 : out);
	return -1;
}

/* Whether the local daemon answers --probe NAME (NOERROR or NXDOMAIN)
 * within --probe-timeout; @why says what went wrong. */
static bool announce_probe(const struct announce *a, char *why, size_t cap)
{
	ldns_resolver *res = ldns_resolver_new();
	ldns_rdf *name = ldns_dname_new_frm_str(a->probe_name);
	ldns_pkt *pkt = NULL;
	struct timeval tv = {
		.tv_sec = (time_t)a->probe_timeout,
		.tv_usec = (suseconds_t)((a->probe_timeout -
					  (double)(time_t)a->probe_timeout) *
					 1e6),
	};
	bool ok = false;
	ldns_status st;

	if (!res || !name) {
		snprintf(why, cap, "probe: out of memory");
		goto out;
	}
	ldns_resolver_push_nameserver(res, a->probe_server);
	ldns_resolver_set_port(res, a->probe_port);
	ldns_resolver_set_retry(res, 1);
	ldns_resolver_set_timeout(res, tv);
	ldns_resolver_set_recursive(res, true);
	ldns_resolver_set_random(res, false);
	st = ldns_resolver_send(&pkt, res, name, LDNS_RR_TYPE_A,
				LDNS_RR_CLASS_IN, LDNS_RD);
	if (st != LDNS_STATUS_OK || !pkt) {
		snprintf(why, cap, "probe %s: no answer (%s)", a->probe_name,
			 ldns_get_errorstr_by_id(st));
	} else if (ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR &&
		   ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NXDOMAIN) {
		char *rc = ldns_pkt_rcode2str(ldns_pkt_get_rcode(pkt));

		snprintf(why, cap, "probe %s: %s", a->probe_name,
			 rc ? rc : "?");
		free(rc);
	} else {
		ok = true;
	}
out:
	ldns_pkt_free(pkt);
	ldns_rdf_deep_free(name);
	ldns_resolver_deep_free(res);
	return ok;
}

/* Sleeps @secs unless a signal asks to stop. */
static void announce_sleep(double secs)
{
	struct timespec ts = {
		.tv_sec = (time_t)secs,
		.tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9),
	};

	while (!announce_stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* @s as seconds in [@min, @max]; -1 when it is not one. */
static double announce_secs(const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		return -1;
	return v;
}

static int announce_probe_server(struct announce *a, const char *s)
{
	char host[INET6_ADDRSTRLEN + 8];
	const char *hash = strchr(s, '#');
	size_t n = hash ? (size_t)(hash - s) : strlen(s);
	long port = 53;

	if (!n || n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (hash && (port = ctl_parse_count(hash + 1, 65535)) < 0)
		return -1;
	a->probe_server = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, host);
	if (!a->probe_server)
		a->probe_server =
			ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, host);
	a->probe_port = (uint16_t)port;
	return a->probe_server ? 0 : -1;
}

static const char announce_usage[] =
	"usage: xdpdnsctl announce --prefix P [--prefix P]... --bgp-as AS\n"
	"         [--interval S] [--rise N] [--fall N] [--refresh S]\n"
	"         [--probe NAME --probe-server ADDR[#PORT] [--probe-timeout S]]\n"
	"         [-- VTYSH [ARG]...]\n"
	"Announces the service prefixes through FRR (vtysh: `network P` under\n"
	"`router bgp AS`) while this node is healthy, withdraws them when it is\n"
	"not: the verdict of `xdpdnsctl health` every S s (1), N good ones to\n"
	"announce (3), N bad ones to withdraw (2); the state told again every\n"
	"--refresh S (10), for a restarted bgpd. Withdrawn at start and on\n"
	"SIGTERM/SIGINT. VTYSH defaults to `vtysh` (e.g. -- vtysh -N node1).";

int cmd_announce(struct ctl *ctl, int argc, char **argv)
{
	enum {
		O_PREFIX = 256,
		O_AS,
		O_INTERVAL,
		O_RISE,
		O_FALL,
		O_REFRESH,
		O_PROBE,
		O_PROBE_SERVER,
		O_PROBE_TIMEOUT
	};
	static const struct option opts[] = {
		{ "prefix", required_argument, NULL, O_PREFIX },
		{ "bgp-as", required_argument, NULL, O_AS },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "rise", required_argument, NULL, O_RISE },
		{ "fall", required_argument, NULL, O_FALL },
		{ "refresh", required_argument, NULL, O_REFRESH },
		{ "probe", required_argument, NULL, O_PROBE },
		{ "probe-server", required_argument, NULL, O_PROBE_SERVER },
		{ "probe-timeout", required_argument, NULL, O_PROBE_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct announce a = { .interval = 1,
			      .probe_timeout = 1,
			      .refresh = 10 };
	struct announce_sm sm = { .rise = 3, .fall = 2 };
	char line[HEALTH_LINE_MAX], why[HEALTH_LINE_MAX - 16];
	struct sigaction sa = { .sa_handler = announce_on_signal };
	bool announced = false, want;
	double told;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case O_PREFIX:
			if (a.npfx == ANNOUNCE_PREFIX_MAX)
				return ctl_usage_err(
					"announce: at most %d prefixes",
					ANNOUNCE_PREFIX_MAX);
			if (announce_prefix_parse(optarg, &a.pfx[a.npfx]))
				return ctl_usage_err(
					"announce: --prefix '%s' is not an IPv4 or IPv6 prefix without host bits",
					optarg);
			a.npfx++;
			break;
		case O_AS:
			v = ctl_parse_count(optarg, 4294967295L);
			if (v < 0)
				return ctl_usage_err(
					"announce: --bgp-as '%s' is not an AS number",
					optarg);
			a.as = (uint32_t)v;
			break;
		case O_INTERVAL:
			a.interval = announce_secs(optarg, 0.05, 60);
			if (a.interval < 0)
				return ctl_usage_err(
					"announce: --interval '%s' is not 0.05 to 60 seconds",
					optarg);
			break;
		case O_REFRESH:
			a.refresh = announce_secs(optarg, 1, 3600);
			if (a.refresh < 0)
				return ctl_usage_err(
					"announce: --refresh '%s' is not 1 to 3600 seconds",
					optarg);
			break;
		case O_RISE:
		case O_FALL:
			v = ctl_parse_count(optarg, 100);
			if (v < 1)
				return ctl_usage_err(
					"announce: --%s '%s' is not 1 to 100",
					c == O_RISE ? "rise" : "fall", optarg);
			*(c == O_RISE ? &sm.rise : &sm.fall) = (unsigned int)v;
			break;
		case O_PROBE:
			if (!optarg[0])
				return ctl_usage_err(
					"announce: --probe needs a name");
			a.probe_name = optarg;
			break;
		case O_PROBE_SERVER:
			if (a.probe_server)
				ldns_rdf_deep_free(a.probe_server);
			if (announce_probe_server(&a, optarg))
				return ctl_usage_err(
					"announce: --probe-server '%s' is not ADDR[#PORT]",
					optarg);
			break;
		case O_PROBE_TIMEOUT:
			a.probe_timeout = announce_secs(optarg, 0.05, 30);
			if (a.probe_timeout < 0)
				return ctl_usage_err(
					"announce: --probe-timeout '%s' is not 0.05 to 30 seconds",
					optarg);
			break;
		case 'h':
			puts(announce_usage);
			return CTL_EXIT_OK;
		default:
			return ctl_bad_option(argv, optind);
		}
	}
	if (!a.npfx)
		return ctl_usage_err("announce: needs --prefix");
	if (!a.as)
		return ctl_usage_err("announce: needs --bgp-as");
	if (!a.probe_name != !a.probe_server)
		return ctl_usage_err(
			"announce: --probe and --probe-server go together");
	if (optind < argc && !strcmp(argv[optind - 1], "--")) {
		if (argc - optind > ANNOUNCE_ARGV_MAX)
			return ctl_usage_err(
				"announce: at most %d words of vtysh command",
				ANNOUNCE_ARGV_MAX);
		while (optind < argc)
			a.vtysh[a.nvtysh++] = argv[optind++];
	} else if (optind < argc) {
		return ctl_usage_err("announce: unexpected argument '%s'",
				     argv[optind]);
	} else {
		a.vtysh[a.nvtysh++] = "vtysh";
	}

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	announce_log(
		"%zu prefix%s, AS %u, every %.2f s, rise %u, fall %u; withdrawn until healthy",
		a.npfx, a.npfx == 1 ? "" : "es", a.as, a.interval, sm.rise,
		sm.fall);
	/* What FRR had from an earlier run goes first (an error here is FRR
	 * saying there was nothing to withdraw). */
	announce_apply(&a, false, true);
	told = (double)util_mono_ns() / 1e9;
	while (!announce_stop) {
		bool ok = !ctl_health_verdict(ctl, line, sizeof(line));
		double now;

		if (ok && a.probe_name &&
		    !announce_probe(&a, why, sizeof(why))) {
			snprintf(line, sizeof(line), "unhealthy: %s", why);
			ok = false;
		}
		if (announce_sm_feed(&sm, ok))
			announce_log("%s", line);
		want = sm.healthy;
		/* A failed vtysh is tried again on the next round. */
		now = (double)util_mono_ns() / 1e9;
		if (want != announced && !announce_apply(&a, want, false)) {
			announced = want;
			told = now;
			for (size_t i = 0; i < a.npfx; i++)
				announce_log("%s %s",
					     want ? "announced" : "withdrew",
					     a.pfx[i].text);
		} else if (now - told >= a.refresh) {
			/* bgpd forgets a `network` given through vtysh when
			 * it restarts: say it again. A withdrawal FRR has
			 * nothing left to remove for fails, quietly. */
			announce_apply(&a, announced, !announced);
			told = now;
		}
		announce_sleep(a.interval);
	}
	if (announced && !announce_apply(&a, false, false))
		announce_log("stopping: withdrew every prefix");
	else
		announce_log("stopping");
	if (a.probe_server)
		ldns_rdf_deep_free(a.probe_server);
	return CTL_EXIT_OK;
}
