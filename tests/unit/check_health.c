// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * health_eval(): the verdict behind `xdpdnsctl health` and /health, one
 * table row per situation, each with the exit status and the words the
 * line must carry. Times are near boot on purpose (the clock is 5 s old).
 */
#include <check.h>
#include <string.h>

#include "lib/health.h"
#include "suites.h"

#define S 1000000000ULL
#define NOW (5 * S)

static const struct {
	const char *what;
	struct xdpdns_status st;
	uint32_t attached;
	bool xdp;
	int want;
	const char *says;
} cases[] = {
	{ "all well",
	  { .heartbeat_ns = NOW - S / 2,
	    .resolve_ok_ns = NOW - 2 * S,
	    .daemon_pid = 42,
	    .ifindex = 3,
	    .prog_id = 7 },
	  7,
	  true,
	  0,
	  "healthy: maps present, XDP program 7 on eth9, daemon 42 alive, recursion answering (last answer 2 s ago)" },
	{ "nobody asked yet",
	  { .heartbeat_ns = NOW, .daemon_pid = 42, .ifindex = 3, .prog_id = 7 },
	  7,
	  true,
	  0,
	  "recursion not asked yet" },
	{ "program gone",
	  { .heartbeat_ns = NOW, .daemon_pid = 42, .ifindex = 3, .prog_id = 7 },
	  0,
	  true,
	  1,
	  "unhealthy: XDP program 7 not attached to eth9" },
	{ "another program",
	  { .heartbeat_ns = NOW, .daemon_pid = 42, .ifindex = 3, .prog_id = 7 },
	  8,
	  true,
	  1,
	  "eth9 carries program 8, not xdpdns's 7" },
	{ "--no-xdp ignores the link",
	  { .heartbeat_ns = NOW, .daemon_pid = 42 },
	  0,
	  false,
	  0,
	  "healthy: maps present, daemon 42 alive" },
	{ "daemon silent",
	  { .heartbeat_ns = NOW - 4 * S,
	    .daemon_pid = 42,
	    .ifindex = 3,
	    .prog_id = 7 },
	  7,
	  true,
	  1,
	  "unhealthy: daemon 42 not alive (last heartbeat 4.0 s ago)" },
	{ "daemon never ran",
	  { .ifindex = 3, .prog_id = 7 },
	  7,
	  true,
	  1,
	  "daemon never started" },
	{ "failing, last answer long ago",
	  { .heartbeat_ns = NOW,
	    .resolve_ok_ns = NOW - 11 * S,
	    .fail_streak = 5,
	    .daemon_pid = 42,
	    .ifindex = 3,
	    .prog_id = 7 },
	  7,
	  true,
	  1,
	  "recursion failing (5 failures in a row, last answer 11 s ago)" },
	{ "failing, never answered",
	  { .heartbeat_ns = NOW, .fail_streak = 9, .daemon_pid = 42 },
	  0,
	  false,
	  1,
	  "recursion failing (9 failures, no answer yet)" },
	{ "a few failures are not enough",
	  { .heartbeat_ns = NOW,
	    .resolve_ok_ns = NOW - 60 * S,
	    .fail_streak = 4,
	    .daemon_pid = 42 },
	  0,
	  false,
	  0,
	  "healthy:" },
	{ "failures right after an answer: within the grace",
	  { .heartbeat_ns = NOW,
	    .resolve_ok_ns = NOW - 9 * S,
	    .fail_streak = 50,
	    .daemon_pid = 42 },
	  0,
	  false,
	  0,
	  "recursion answering" },
	{ "everything wrong at once",
	  { .heartbeat_ns = NOW - 10 * S,
	    .fail_streak = 5,
	    .daemon_pid = 42,
	    .ifindex = 3,
	    .prog_id = 7 },
	  0,
	  true,
	  1,
	  "unhealthy: XDP program 7 not attached to eth9, daemon 42 not alive (last heartbeat 10.0 s ago), recursion failing" },
};

START_TEST(test_health_table)
{
	struct health_input in = { .have_status = true,
				   .st = cases[_i].st,
				   .now_ns = NOW,
				   .check_xdp = cases[_i].xdp,
				   .attached_id = cases[_i].attached,
				   .ifname = "eth9" };
	char line[HEALTH_LINE_MAX];
	int ret = health_eval(&in, line, sizeof(line));

	ck_assert_msg(ret == cases[_i].want, "%s: returned %d: %s",
		      cases[_i].what, ret, line);
	ck_assert_msg(strstr(line, cases[_i].says), "%s: '%s' lacks '%s'",
		      cases[_i].what, line, cases[_i].says);
}
END_TEST

START_TEST(test_health_no_status)
{
	struct health_input in = { .now_ns = NOW };
	char line[HEALTH_LINE_MAX];

	ck_assert_int_eq(health_eval(&in, line, sizeof(line)), 1);
	ck_assert_ptr_nonnull(strstr(line, "unhealthy: maps missing"));
}
END_TEST

/*
 * The pin directory's lock says at once what the heartbeat says only
 * after HEALTH_HEARTBEAT_MAX_NS: a fresh heartbeat with nobody holding
 * the lock (the daemon was just killed) is unhealthy; a held lock, or one
 * not probed (the HTTP endpoint runs inside the daemon), changes nothing.
 */
START_TEST(test_health_lock)
{
	struct health_input in = { .have_status = true,
				   .st = cases[0].st,
				   .now_ns = NOW,
				   .check_xdp = true,
				   .attached_id = 7,
				   .ifname = "eth9" };
	char line[HEALTH_LINE_MAX];

	in.lock_probed = true;
	in.lock_free = true;
	ck_assert_int_eq(health_eval(&in, line, sizeof(line)), 1);
	ck_assert_msg(
		strstr(line,
		       "unhealthy: daemon 42 gone (no xdpdnsd holds the pin directory, last heartbeat 0.5 s ago)"),
		"%s", line);
	ck_assert_msg(!strstr(line, "alive"), "%s", line);
	in.lock_free = false;
	ck_assert_int_eq(health_eval(&in, line, sizeof(line)), 0);
	in.lock_probed = false;
	in.lock_free = true;
	ck_assert_int_eq(health_eval(&in, line, sizeof(line)), 0);
}
END_TEST

/* A line cut short by a small buffer is still terminated. */
START_TEST(test_health_small_buffer)
{
	struct health_input in = { .have_status = true,
				   .st = cases[11].st,
				   .now_ns = NOW,
				   .check_xdp = true };
	char line[16];

	ck_assert_int_eq(health_eval(&in, line, sizeof(line)), 1);
	ck_assert_uint_eq(strlen(line), sizeof(line) - 1);
}
END_TEST

void health_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL,
		     CKTEST_TABLE(test_health_table, cases));
	CKTEST_TCASE(s, "Limits", NULL, CKTEST(test_health_no_status),
		     CKTEST(test_health_lock),
		     CKTEST(test_health_small_buffer));
}
