// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsctl tail: the sampled query stream from the xdpdns_events ring
 * buffer, one line per query (time, client, name, type, what XDP did and
 * why). XDP_TX answers never reach tcpdump, so this is how an operator
 * watches them. Like tail -f it starts from now (--backlog also prints what
 * the ring still holds). The ring has one consumer position: two tails at
 * once split the events between them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/dnswire.h"
#include "lib/util.h"
#include "lib/xdpmaps.h"
#include "xdpdnsctl.h"

enum { OPT_JSON = 0x100, OPT_COUNT, OPT_TIMEOUT, OPT_BACKLOG };

/* What the callback returns once --count events were printed. */
#define TAIL_DONE (-ECANCELED)

static volatile sig_atomic_t tail_stop;

static void tail_signal(int sig)
{
	(void)sig;
	tail_stop = 1;
}

struct tail_ctx {
	long count; /* 0: unbounded */
	long seen;
	bool json;
	uint64_t since_ns; /* events older than this are the backlog */
};

static const char *tail_action(uint8_t action)
{
	switch (action) {
	case XDPDNS_ACT_ANSWERED:
		return "answered";
	case XDPDNS_ACT_PASSED:
		return "passed";
	case XDPDNS_ACT_LIMITED:
		return "limited";
	case XDPDNS_ACT_DENIED:
		return "denied";
	default:
		return "?";
	}
}

static int tail_event(void *arg, void *data, size_t size)
{
	struct tail_ctx *ctx = arg;
	const struct xdpdns_event *ev = data;
	char name[DNSWIRE_NAME_TEXT_MAX], type[16], addr[INET6_ADDRSTRLEN];
	char when[48];
	double wall;
	time_t sec;
	struct tm tm;
	int nlen;

	/* Like tail -f: what the ring held before we started is history. */
	if (size < sizeof(*ev) || ev->ts_ns < ctx->since_ns)
		return 0;
	wall = ctl_wall_of_mono(ev->ts_ns);
	sec = (time_t)wall;
	localtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03d",
		 (int)((wall - (double)sec) * 1000) % 1000);
	if (!inet_ntop(ev->family == 6 ? AF_INET6 : AF_INET, ev->addr, addr,
		       sizeof(addr)))
		snprintf(addr, sizeof(addr), "?");
	nlen = ev->qname_len <= sizeof(ev->qname) ?
		       dnswire_name_len(ev->qname, ev->qname_len) :
		       -EBADMSG;
	if (nlen < 0 || dnswire_name_to_text(ev->qname, (size_t)nlen, name,
					     sizeof(name)) < 0)
		snprintf(name, sizeof(name), "?");
	ctl_type_text(ev->qtype, type, sizeof(type));

	if (ctx->json) {
		json_t *o = json_object();

		json_object_set_new(o, "time", json_real(wall));
		json_object_set_new(o, "client", json_string(addr));
		json_object_set_new(o, "qname", json_string(name));
		json_object_set_new(o, "qtype", json_string(type));
		json_object_set_new(o, "action",
				    json_string(tail_action(ev->action)));
		json_object_set_new(
			o, "reason",
			json_string(ev->reason < XDPDNS_STAT_MAX ?
					    observe_stat_names[ev->reason] :
					    "?"));
		json_dumpf(o, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("%s  %-39s %-8s %-6s %-8s %s\n", when, addr,
		       tail_action(ev->action), type,
		       ev->reason < XDPDNS_STAT_MAX ?
			       observe_stat_names[ev->reason] :
			       "?",
		       name);
	}
	ctx->seen++;
	if (ctx->count && ctx->seen >= ctx->count)
		return TAIL_DONE;
	return 0;
}

/* Sampling off means an empty stream: say so instead of waiting silently. */
static void tail_check_sampling(const struct ctl *ctl)
{
	struct xdpdns_config cfg;
	__u32 zero = 0;
	int fd = xdpmaps_open(ctl->pin_dir, XDPDNS_MAP_CONFIG, NULL, 0);

	if (fd < 0)
		return;
	if (!bpf_map_lookup_elem(fd, &zero, &cfg) && cfg.sample_rate == 0)
		ctl_err("sampling is off (sample_rate 0 in %s): no events will arrive",
			XDPDNS_MAP_CONFIG);
	close(fd);
}

int cmd_tail(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "backlog", no_argument, NULL, OPT_BACKLOG },
		{ NULL, 0, NULL, 0 },
	};
	struct tail_ctx ctx = { 0 };
	struct sigaction sa = { .sa_handler = tail_signal };
	struct ring_buffer *rb = NULL;
	bool backlog = false;
	long timeout = 0;
	uint64_t deadline = 0;
	int c, fd, err, ret = CTL_EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_JSON) {
			ctx.json = true;
		} else if (c == OPT_COUNT) {
			ctx.count = ctl_parse_count(optarg, 1L << 40);
			if (ctx.count < 0)
				return ctl_usage_err(
					"tail: --count takes a positive number");
		} else if (c == OPT_BACKLOG) {
			backlog = true;
		} else if (c == OPT_TIMEOUT) {
			timeout = ctl_parse_count(optarg, 1L << 30);
			if (timeout < 0)
				return ctl_usage_err(
					"tail: --timeout takes a positive number of seconds");
		} else {
			return ctl_bad_option(argv, optind);
		}
	}
	if (optind < argc)
		return ctl_usage_err("tail: unexpected argument '%s'",
				     argv[optind]);

	fd = ctl_open(ctl, XDPDNS_MAP_EVENTS);
	if (fd < 0)
		return CTL_EXIT_FAIL;
	tail_check_sampling(ctl);
	ctx.since_ns = backlog ? 0 : util_mono_ns();
	rb = ring_buffer__new(fd, tail_event, &ctx, NULL);
	if (!rb) {
		err = -errno;
		ctl_err("cannot read the ring buffer %s/%s: %s", ctl->pin_dir,
			XDPDNS_MAP_EVENTS, strerror(-err));
		goto out;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (timeout)
		deadline = util_mono_ns() + (uint64_t)timeout * NSEC_PER_SEC;

	for (;;) {
		if (tail_stop)
			break;
		if (deadline && util_mono_ns() >= deadline)
			break;
		err = ring_buffer__poll(rb, 200);
		if (err == TAIL_DONE)
			break;
		if (err < 0 && err != -EINTR) {
			ctl_err("reading events: %s", strerror(-err));
			goto out;
		}
	}
	/* With --count the caller waits for that many: fewer is a failure. */
	ret = ctx.count && ctx.seen < ctx.count && !tail_stop ? CTL_EXIT_FAIL :
								CTL_EXIT_OK;
	if (ret)
		ctl_err("timeout after %ld of %ld events", ctx.seen, ctx.count);
out:
	ring_buffer__free(rb);
	close(fd);
	return ret;
}
