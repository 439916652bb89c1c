// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The health verdict (health.h): every failing part is named in the line,
 * so one look at `xdpdnsctl health` or /health says what to fix.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "health.h"

struct line {
	char *buf;
	size_t cap, len;
	bool first;
};

static void add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= l->cap)
		return;
	if (!l->first) {
		n = snprintf(l->buf + l->len, l->cap - l->len, ", ");
		l->len += n > 0 ? (size_t)n : 0;
	}
	l->first = false;
	if (l->len >= l->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap);
	va_end(ap);
	l->len += n > 0 ? (size_t)n : 0;
}

static double ago_s(uint64_t now, uint64_t then)
{
	return (double)(int64_t)(now - then) / 1e9;
}

int health_eval(const struct health_input *in, char *line, size_t cap)
{
	const struct xdpdns_status *st = &in->st;
	char good[HEALTH_LINE_MAX], bad[HEALTH_LINE_MAX];
	struct line g = { good, sizeof(good), 0, true };
	struct line b = { bad, sizeof(bad), 0, true };
	bool recursion_bad;

	good[0] = bad[0] = '\0';
	if (!in->have_status) {
		snprintf(
			line, cap,
			"unhealthy: maps missing (no xdpdns_status pinned: xdpdnsd never ran with this --pin-dir)");
		return 1;
	}
	add(&g, "maps present");
	if (in->check_xdp) {
		if (!st->prog_id)
			add(&b, "no XDP program recorded");
		else if (in->attached_id == st->prog_id)
			add(&g, "XDP program %u on %s", st->prog_id,
			    in->ifname ? in->ifname : "its interface");
		else if (!in->attached_id)
			add(&b, "XDP program %u not attached to %s",
			    st->prog_id, in->ifname ? in->ifname : "?");
		else
			add(&b, "%s carries program %u, not xdpdns's %u",
			    in->ifname ? in->ifname : "?", in->attached_id,
			    st->prog_id);
	}
	if (!st->heartbeat_ns)
		add(&b, "daemon never started");
	else if (in->lock_probed && in->lock_free)
		add(&b,
		    "daemon %u gone (no xdpdnsd holds the pin directory, last heartbeat %.1f s ago)",
		    st->daemon_pid, ago_s(in->now_ns, st->heartbeat_ns));
	else if (!xdpdns_time_before(in->now_ns,
				     st->heartbeat_ns +
					     HEALTH_HEARTBEAT_MAX_NS))
		add(&b, "daemon %u not alive (last heartbeat %.1f s ago)",
		    st->daemon_pid, ago_s(in->now_ns, st->heartbeat_ns));
	else
		add(&g, "daemon %u alive", st->daemon_pid);
	recursion_bad =
		st->fail_streak >= HEALTH_FAIL_STREAK &&
		(!st->resolve_ok_ns ||
		 !xdpdns_time_before(in->now_ns,
				     st->resolve_ok_ns +
					     HEALTH_RECURSION_GRACE_NS));
	if (recursion_bad && st->resolve_ok_ns)
		add(&b,
		    "recursion failing (%u failures in a row, last answer %.0f s ago)",
		    st->fail_streak, ago_s(in->now_ns, st->resolve_ok_ns));
	else if (recursion_bad)
		add(&b, "recursion failing (%u failures, no answer yet)",
		    st->fail_streak);
	else if (st->resolve_ok_ns)
		add(&g, "recursion answering (last answer %.0f s ago)",
		    ago_s(in->now_ns, st->resolve_ok_ns));
	else
		add(&g, "recursion not asked yet");
	if (bad[0]) {
		snprintf(line, cap, "unhealthy: %s (ok: %s)", bad, good);
		return 1;
	}
	snprintf(line, cap, "healthy: %s", good);
	return 0;
}

void health_status_load(struct xdpdns_status *dst,
			const struct xdpdns_status *src)
{
#define LOAD(f) dst->f = __atomic_load_n(&src->f, __ATOMIC_RELAXED)
	LOAD(heartbeat_ns);
	LOAD(started_ns);
	LOAD(resolve_ok_ns);
	LOAD(resolve_fail_ns);
	LOAD(fail_streak);
	LOAD(daemon_pid);
	LOAD(monitor_pid);
	LOAD(restarts);
	LOAD(ifindex);
	LOAD(prog_id);
#undef LOAD
}
