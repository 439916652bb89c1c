// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of what the operator sees (userspace/lib/observe*.c): the
 * Prometheus exposition rendered from known daemon counters and absent maps
 * (-1 fds), line by line; histogram cumulativity; bounded label sets; the
 * JSON schema of the dashboard document and of xdpdnsctl's dump; scrapes
 * that never reset anything; the embedded dashboard (dashboard.S) being a
 * page with no assets from the internet; and the Grafana dashboard querying only
 * metrics that exist. No privileges, no maps; run from the repository root.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "lib/observe.h"
#include "suites.h"
#include "userspace/dashboard.h"
#include "userspace/metrics.h"

static const struct xdpmaps_fds no_maps = XDPMAPS_FDS_NONE;

/* Known daemon counters every test starts from. */
static void fill_daemon(struct daemon_stats *d)
{
	static const uint64_t hist[DAEMON_HIST_BUCKETS + 1] = {
		1, 2, 0, 3, 0, 0, 5, 0, 0, 0, 0, 0, 1,
	};

	memset(d, 0, sizeof(*d));
	d->queries_udp = 20;
	d->queries_tcp = 10;
	d->queries_bad = 2;
	d->cache_miss = 15;
	d->inflight_joined = 3;
	d->prefetch = 4;
	d->cache_writes = 11;
	d->cache_write_skipped = 2;
	d->cache_write_errors = 1;
	d->answers_tc = 1;
	d->answer_rcode[0] = 25;
	d->answer_rcode[3] = 4;
	d->answer_rcode[9] = 1;
	d->query_type[0] = 1;
	d->query_type[1] = 12;
	d->query_type[28] = 6;
	d->query_type[99] = 2; /* no mnemonic: folds into "other" */
	d->secure = 7;
	d->bogus = 1;
	memcpy(d->hist_count, hist, sizeof(hist));
	d->hist_sum = 0.375;
	d->requestlist_current = 3;
	d->requestlist_max = 1000;
	d->tcp_connections = 2;
	d->reloads = 1;
	d->start_time = 1700000000;
}

/* Renders @s; the caller frees. */
static char *render(const struct observe_snapshot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(observe_prometheus(s, f), 0);
	fclose(f);
	return buf;
}

/* Whether @text has @line as one whole line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && !memcmp(p, line, n))
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

static int count_prefix(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	int c = 0;

	for (const char *p = text; p && *p;) {
		if (!strncmp(p, prefix, n))
			c++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return c;
}

#define ck_line(text, line) \
	ck_assert_msg(has_line(text, line), "missing line: %s", line)

/* How many lines of @text are exactly @line. */
static int count_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	int c = 0;

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && !memcmp(p, line, n))
			c++;
		p = nl ? nl + 1 : NULL;
	}
	return c;
}

/* The DAEMON_STATS rows as this test reads them (lib/daemon_stats.h). */
static const struct {
	const char *field, *type, *metric, *label, *help;
} daemon_rows[] = {
#define DAEMON_ROW_(field, type, metric, label, help) \
	{ #field, #type, metric, label, help },
	DAEMON_STATS(DAEMON_ROW_)
#undef DAEMON_ROW_
};

#define DAEMON_ROWS (sizeof(daemon_rows) / sizeof(daemon_rows[0]))
#define DAEMON_ROW_VALUE(i) (1000 + (uint64_t)(i))

/* Row i of DAEMON_STATS gets DAEMON_ROW_VALUE(i), so each is told apart. */
static void fill_daemon_rows(struct daemon_stats *d)
{
	uint64_t v = DAEMON_ROW_VALUE(0);

#define DAEMON_SET_(field, type, metric, label, help) d->field = v++;
	DAEMON_STATS(DAEMON_SET_)
#undef DAEMON_SET_
}

static struct observe_snapshot *daemon_only(struct daemon_stats *d)
{
	struct observe_snapshot *s = malloc(sizeof(*s));

	ck_assert_ptr_nonnull(s);
	fill_daemon(d);
	ck_assert_int_eq(observe_snapshot_take(s, &no_maps, d, true), 0);
	return s;
}

/* ---- Positive ------------------------------------------------------------ */

START_TEST(test_prom_daemon_only)
{
	struct daemon_stats d;
	struct observe_snapshot *s = daemon_only(&d);
	char *t = render(s);

	ck_assert(!s->have_xdp && s->have_daemon);
	ck_assert(!s->cache.valid && !s->clients.valid);
	ck_line(t, "# HELP xdpdns_up 1 while xdpdnsd serves these metrics.");
	ck_line(t, "# TYPE xdpdns_up gauge");
	ck_line(t, "xdpdns_up 1");
	ck_line(t, "xdpdns_xdp_attached 0");
	ck_line(t, "xdpdns_start_time_seconds 1700000000");
	ck_line(t, "# TYPE xdpdns_queries_total counter");
	/* Without XDP: daemon UDP + TCP. */
	ck_line(t, "xdpdns_queries_total 30");
	ck_line(t, "xdpdns_daemon_queries_total{transport=\"udp\"} 20");
	ck_line(t, "xdpdns_daemon_queries_total{transport=\"tcp\"} 10");
	ck_line(t, "xdpdns_xdp_answers_total 0");
	ck_line(t, "xdpdns_cache_hits_total 0");
	ck_line(t, "xdpdns_cache_misses_total 15");
	ck_line(t, "xdpdns_prefetch_total 4");
	ck_line(t, "xdpdns_cache_writes_total{result=\"error\"} 1");
	ck_line(t, "# TYPE xdpdns_answers_total counter");
	ck_line(t, "xdpdns_answers_total{rcode=\"NOERROR\"} 25");
	ck_line(t, "xdpdns_answers_total{rcode=\"NXDOMAIN\"} 4");
	ck_line(t, "xdpdns_answers_total{rcode=\"NOTAUTH\"} 1");
	ck_line(t, "xdpdns_answers_total{rcode=\"SERVFAIL\"} 0");
	ck_assert(!strstr(t, "rcode=\"FORMERR\""));
	ck_line(t, "xdpdns_queries_by_type_total{type=\"A\"} 12");
	ck_line(t, "xdpdns_queries_by_type_total{type=\"AAAA\"} 6");
	ck_line(t, "xdpdns_queries_by_type_total{type=\"other\"} 3");
	ck_assert(!strstr(t, "TYPE99"));
	ck_line(t, "xdpdns_ratelimited_total{action=\"dropped\"} 0");
	ck_line(t, "xdpdns_acl_denied_total{action=\"refused\"} 0");
	ck_line(t, "xdpdns_answers_secure_total 7");
	ck_line(t, "xdpdns_requestlist_current 3");
	ck_line(t, "xdpdns_requestlist_max 1000");
	ck_line(t, "xdpdns_tcp_connections 2");
	ck_line(t, "xdpdns_reloads_total 1");
	/* No cache map: no gauge rather than a made-up zero. */
	ck_assert(!strstr(t, "xdpdns_cache_entries"));
	ck_assert(!strstr(t, "xdpdns_clients_tracked"));
	free(t);
	free(s);
}
END_TEST

START_TEST(test_prom_with_xdp)
{
	struct daemon_stats d;
	struct observe_snapshot *s = daemon_only(&d);
	char line[128], *t;

	s->have_xdp = true;
	s->xdp.queries = 1000;
	s->xdp.hit = 800;
	s->xdp.miss = 150;
	s->xdp.expired = 10;
	s->xdp.acl_dropped = 3;
	s->xdp.acl_refused = 1;
	s->xdp.rl_dropped = 20;
	s->xdp.rl_slipped = 5;
	s->xdp.miss_dropped = 2;
	s->xdp.miss_slipped = 1;
	s->xdp.gmiss_dropped = 4;
	s->xdp.dryrun = 6;
	s->xdp.answer_rcode[0] = 790;
	s->xdp.answer_qtype[1] = 700;
	s->xdp.answer_qtype[65] = 9;
	s->cache.valid = true;
	s->cache.entries = 42;
	s->cache.capacity = 65536;
	t = render(s);
	/* XDP sees every UDP query; TCP never passes through it. */
	ck_line(t, "xdpdns_queries_total 1010");
	ck_line(t, "xdpdns_xdp_attached 1");
	ck_line(t, "xdpdns_xdp_answers_total 807"); /* 800 + 1 + 5 + 1 */
	ck_line(t, "xdpdns_cache_hits_total 800");
	ck_line(t, "xdpdns_cache_misses_total 160");
	ck_line(t, "xdpdns_answers_total{rcode=\"NOERROR\"} 815");
	ck_line(t, "xdpdns_queries_by_type_total{type=\"A\"} 712");
	ck_line(t, "xdpdns_queries_by_type_total{type=\"HTTPS\"} 9");
	ck_line(t, "xdpdns_ratelimited_total{action=\"dropped\"} 26");
	ck_line(t, "xdpdns_ratelimited_total{action=\"slipped\"} 6");
	ck_line(t, "xdpdns_ratelimited_total{action=\"dryrun\"} 6");
	ck_line(t, "xdpdns_acl_denied_total{action=\"dropped\"} 3");
	ck_line(t, "xdpdns_acl_denied_total{action=\"refused\"} 1");
	ck_line(t, "xdpdns_cache_entries 42");
	ck_line(t, "xdpdns_cache_capacity 65536");
	/* Every counter of the X-macro, by its name, exactly once. */
	for (int i = 0; i < XDPDNS_STAT_MAX; i++) {
		snprintf(line, sizeof(line),
			 "xdpdns_xdp_outcomes_total{reason=\"%s\"} %" PRIu64,
			 observe_stat_names[i], ((uint64_t *)&s->xdp)[i]);
		ck_line(t, line);
	}
	ck_assert_int_eq(count_prefix(t, "xdpdns_xdp_outcomes_total{"),
			 XDPDNS_STAT_MAX);
	free(t);
	free(s);
}
END_TEST

/* Every sample belongs to a family announced by HELP and TYPE just before. */
START_TEST(test_prom_well_formed)
{
	struct daemon_stats d;
	struct observe_snapshot *s = daemon_only(&d);
	char *t = render(s), *save = NULL, family[128] = "";
	int families = 0;

	for (char *l = strtok_r(t, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "# HELP ", 7)) {
			char *sp = strchr(l + 7, ' ');

			ck_assert_ptr_nonnull(sp);
			snprintf(family, sizeof(family), "%.*s",
				 (int)(sp - (l + 7)), l + 7);
			ck_assert_msg(!strncmp(family, "xdpdns_", 7),
				      "no prefix: %s", family);
			families++;
			continue;
		}
		if (!strncmp(l, "# TYPE ", 7)) {
			ck_assert(!strncmp(l + 7, family, strlen(family)));
			continue;
		}
		ck_assert_msg(!strncmp(l, family, strlen(family)),
			      "sample outside its family %s: %s", family, l);
		ck_assert_msg(strchr(l, ' ') && strchr(l, ' ')[1],
			      "sample without value: %s", l);
	}
	ck_assert_int_gt(families, 20);
	free(t);
	free(s);
}
END_TEST

/*
 * Every DAEMON_STATS row exactly once, by its own value, in a family whose
 * HELP and TYPE come once and are the row's: a row the exposition drops or
 * repeats fails here.
 */
START_TEST(test_prom_daemon_stats)
{
	struct daemon_stats d;
	struct observe_snapshot *s = daemon_only(&d);
	char line[256], *t;

	ck_assert_int_eq(DAEMON_ROWS, DAEMON_STAT_MAX);
	fill_daemon_rows(&s->daemon);
	t = render(s);
	for (size_t i = 0; i < DAEMON_ROWS; i++) {
		const char *m = daemon_rows[i].metric;
		int members = 0, n;

		for (size_t j = 0; j < DAEMON_ROWS; j++)
			members += !strcmp(daemon_rows[j].metric, m);
		if (daemon_rows[i].label)
			snprintf(line, sizeof(line), "%s{%s} %" PRIu64, m,
				 daemon_rows[i].label, DAEMON_ROW_VALUE(i));
		else
			snprintf(line, sizeof(line), "%s %" PRIu64, m,
				 DAEMON_ROW_VALUE(i));
		n = count_line(t, line);
		ck_assert_msg(n == 1, "%s: %d times", line, n);
		snprintf(line, sizeof(line),
			 daemon_rows[i].label ? "%s{" : "%s ", m);
		ck_assert_int_eq(count_prefix(t, line), members);

		snprintf(line, sizeof(line), "# HELP %s ", m);
		ck_assert_msg(count_prefix(t, line) == 1, "%s: HELP not once",
			      m);
		snprintf(line, sizeof(line), "# TYPE %s ", m);
		ck_assert_msg(count_prefix(t, line) == 1, "%s: TYPE not once",
			      m);
		snprintf(line, sizeof(line), "# TYPE %s %s", m,
			 daemon_rows[i].type);
		ck_line(t, line);
		if (daemon_rows[i].help) {
			snprintf(line, sizeof(line), "# HELP %s %s", m,
				 daemon_rows[i].help);
			ck_line(t, line);
		} else {
			/* Later members follow the row that has the help. */
			ck_assert_msg(
				i > 0 && !strcmp(daemon_rows[i - 1].metric, m),
				"%s: no help, not after its family",
				daemon_rows[i].field);
		}
	}
	free(t);
	free(s);
}
END_TEST

/* stats.json's "daemon_stats": every row by its field name, and the rest. */
START_TEST(test_stats_json_daemon_stats)
{
	struct daemon_stats d;
	struct observe_snapshot *s = daemon_only(&d);
	json_t *j, *ds;

	fill_daemon_rows(&s->daemon);
	j = observe_stats_json(s);
	ck_assert_ptr_nonnull(j);
	ds = json_object_get(j, "daemon_stats");
	ck_assert(json_is_object(ds));
	for (size_t i = 0; i < DAEMON_ROWS; i++) {
		json_t *v = json_object_get(ds, daemon_rows[i].field);

		ck_assert_msg(json_is_integer(v), "no daemon_stats.%s",
			      daemon_rows[i].field);
		ck_assert_uint_eq((uint64_t)json_integer_value(v),
				  DAEMON_ROW_VALUE(i));
	}
	ck_assert(json_is_object(json_object_get(ds, "recursion")));
	ck_assert_uint_eq(json_object_size(ds), DAEMON_ROWS + 1);
	json_decref(j);
	free(s);
}
END_TEST

/* The scrape's copy of the daemon counters misses no member. */
START_TEST(test_daemon_copy)
{
	struct daemon_stats *src = malloc(sizeof(*src));
	struct daemon_stats *dst = malloc(sizeof(*dst));

	ck_assert(src && dst);
	for (size_t i = 0; i < sizeof(*src); i++)
		((uint8_t *)src)[i] = (uint8_t)(i * 7 + 1);
	src->hist_sum = 0.375; /* the bytes above may spell a NaN */
	memset(dst, 0, sizeof(*dst));
	observe_daemon_copy(dst, src);
	ck_assert(!memcmp(dst, src, sizeof(*src)));
	free(src);
	free(dst);
}
END_TEST

START_TEST(test_stats_json_schema)
{
	static const char *const keys[] = {
		"version", "time",	   "xdp",	   "daemon",
		"totals",  "ratelimited",  "acl_denied",   "rcode",
		"qtype",   "xdp_outcomes", "daemon_stats", "cache",
		"clients", "top_names",	   "top_clients",  "limited_clients",
	};
	struct daemon_stats d;
	struct observe_snapshot *s = daemon_only(&d);
	json_t *j = observe_stats_json(s), *rec, *v;
	char *txt;

	ck_assert_ptr_nonnull(j);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(json_object_get(j, keys[i]), "no key %s",
			      keys[i]);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")),
			 OBSERVE_JSON_VERSION);
	ck_assert(json_is_false(json_object_get(j, "xdp")));
	ck_assert(json_is_true(json_object_get(j, "daemon")));
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(j, "totals"), "queries")),
			 30);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(j, "qtype"), "other")),
			 3);
	ck_assert_int_eq(json_object_size(json_object_get(j, "xdp_outcomes")),
			 XDPDNS_STAT_MAX);
	ck_assert(json_is_null(json_object_get(j, "cache")));
	ck_assert(json_is_null(json_object_get(j, "clients")));
	ck_assert(json_is_array(json_object_get(j, "top_names")));
	ck_assert_int_eq(json_array_size(json_object_get(j, "top_names")), 0);
	rec = json_object_get(json_object_get(j, "daemon_stats"), "recursion");
	ck_assert_int_eq(json_array_size(json_object_get(rec, "le")),
			 DAEMON_HIST_BUCKETS + 1);
	v = json_array_get(json_object_get(rec, "le"), DAEMON_HIST_BUCKETS);
	ck_assert_str_eq(json_string_value(v), "+Inf");
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "count")), 12);
	/* Serialises: the dashboard parses what json_dumps makes. */
	txt = json_dumps(j, JSON_COMPACT);
	ck_assert_ptr_nonnull(txt);
	free(txt);
	json_decref(j);
	free(s);
}
END_TEST

START_TEST(test_dump_json_schema)
{
	static const char *const maps[] = {
		"stats",  "config", "svc",   "allow", "deny",
		"exempt", "rl",	    "gmiss", "cache",
	};
	json_t *j = observe_dump_json(&no_maps, OBSERVE_DUMP_CACHE_DATA);

	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "kind")),
			 "xdpdns-dump");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")),
			 OBSERVE_JSON_VERSION);
	ck_assert(json_real_value(json_object_get(j, "time")) > 1.6e9);
	ck_assert_int_eq(
		strlen(json_string_value(json_object_get(j, "time_iso"))), 20);
	ck_assert(json_is_integer(json_object_get(j, "mono_ns")));
	/* Missing maps are there, as null: a record says what was absent. */
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		json_t *m = json_object_get(j, maps[i]);

		ck_assert_msg(m && json_is_null(m), "map %s not null", maps[i]);
	}
	json_decref(j);
}
END_TEST

START_TEST(test_dashboard_embedded)
{
	size_t n = dashboard_html_len();

	ck_assert_uint_gt(n, 1000);
	ck_assert(!memcmp(dashboard_html, "<!DOCTYPE html>", 15));
	ck_assert(memmem(dashboard_html, n, "api/stats.json", 14));
	/* Offline: nothing fetched from another host. */
	ck_assert(!memmem(dashboard_html, n, "src=\"http", 9));
	ck_assert(!memmem(dashboard_html, n, "href=\"http", 10));
}
END_TEST

/*
 * Every metric the Grafana dashboard queries is one we export: a renamed
 * metric must not leave a silently empty panel behind.
 */
START_TEST(test_grafana_metrics_exist)
{
	struct daemon_stats d;
	struct observe_snapshot *s = daemon_only(&d);
	json_t *dash, *panels, *p, *targets, *t;
	json_error_t jerr;
	size_t i, j;
	int exprs = 0;
	char *text;

	dash = json_load_file("tools/grafana/xdpdns.json", 0, &jerr);
	ck_assert_msg(dash, "tools/grafana/xdpdns.json: %s (line %d)",
		      jerr.text, jerr.line);
	s->have_xdp = true;
	s->cache.valid = true;
	s->clients.valid = true;
	text = render(s);
	panels = json_object_get(dash, "panels");
	ck_assert(json_array_size(panels) >= 10);
	json_array_foreach(panels, i, p)
	{
		targets = json_object_get(p, "targets");
		json_array_foreach(targets, j, t)
		{
			const char *e =
				json_string_value(json_object_get(t, "expr"));

			ck_assert_ptr_nonnull(e);
			exprs++;
			for (const char *m = strstr(e, "xdpdns_"); m;
			     m = strstr(m + 1, "xdpdns_")) {
				char name[96], type[128];
				size_t n = strspn(
					m, "abcdefghijklmnopqrstuvwxyz_");

				ck_assert(n < sizeof(name));
				memcpy(name, m, n);
				name[n] = '\0';
				/* Histogram series carry a suffix. */
				if (n > 7 && !strcmp(name + n - 7, "_bucket"))
					name[n - 7] = '\0';
				snprintf(type, sizeof(type), "# TYPE %s ",
					 name);
				ck_assert_msg(
					strstr(text, type),
					"Grafana queries %s, not exported",
					name);
				m += n - 1;
			}
		}
	}
	ck_assert_int_gt(exprs, 15);
	json_decref(dash);
	free(text);
	free(s);
}
END_TEST

/* ---- Negative ------------------------------------------------------------ */

START_TEST(test_no_maps)
{
	struct observe_cache *c = malloc(sizeof(*c));
	struct observe_clients *cl = malloc(sizeof(*cl));
	struct observe_snapshot *s = malloc(sizeof(*s));

	ck_assert(c && cl && s);
	ck_assert_int_eq(observe_cache_walk(&no_maps, 10, 0, c), -EBADF);
	ck_assert(!c->valid);
	ck_assert_int_eq(observe_clients_walk(-1, 10, 0, 1, cl), -EBADF);
	ck_assert(!cl->valid);
	ck_assert_int_eq(observe_map_walk(-1, 4, 4, NULL, NULL), -EBADF);
	/* xdpdnsctl's view without a daemon and without maps. */
	ck_assert_int_eq(observe_snapshot_take(s, &no_maps, NULL, true), 0);
	ck_assert(!s->have_xdp && !s->have_daemon);
	free(c);
	free(cl);
	free(s);
}
END_TEST

START_TEST(test_prom_write_error)
{
	struct daemon_stats d;
	struct observe_snapshot *s = daemon_only(&d);
	FILE *f = fopen("/dev/full", "w");

	if (!f) {
		free(s);
		return; /* no /dev/full in this sandbox */
	}
	ck_assert_int_eq(observe_prometheus(s, f), -EIO);
	fclose(f);
	free(s);
}
END_TEST

START_TEST(test_qtype_labels)
{
	char buf[32];

	ck_assert_ptr_null(observe_qtype_label(0, buf, sizeof(buf)));
	ck_assert_ptr_null(observe_qtype_label(99, buf, sizeof(buf)));
	ck_assert_ptr_null(observe_qtype_label(70000, buf, sizeof(buf)));
	ck_assert_str_eq(observe_qtype_label(1, buf, sizeof(buf)), "A");
	ck_assert_str_eq(observe_qtype_label(65, buf, sizeof(buf)), "HTTPS");
	ck_assert_str_eq(observe_key_flags(XDPDNS_KEY_DO | XDPDNS_KEY_CD),
			 "do,cd");
}
END_TEST

/* ---- Limits -------------------------------------------------------------- */

/* Bucket patterns for the cumulativity test: per-bucket counts. */
static const uint64_t hist_cases[][DAEMON_HIST_BUCKETS + 1] = {
	{ 0 },
	{ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 },
	{ 1000000, 0, 5, 0, 0, 7, 0, 0, 0, 0, 0, 3, 0 },
	{ UINT32_MAX, UINT32_MAX, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
};

START_TEST(test_histogram_cumulative)
{
	const char *pfx = "xdpdns_recursion_duration_seconds_bucket{le=\"";
	struct daemon_stats d;
	struct observe_snapshot *s = daemon_only(&d);
	uint64_t prev = 0, total = 0, v, count = 0;
	int buckets = 0;
	char *t, *p, line[160];
	bool inf = false;

	memcpy(s->daemon.hist_count, hist_cases[_i], sizeof(hist_cases[_i]));
	for (int i = 0; i <= DAEMON_HIST_BUCKETS; i++)
		total += hist_cases[_i][i];
	t = render(s);
	ck_line(t, "# TYPE xdpdns_recursion_duration_seconds histogram");
	for (p = strstr(t, pfx); p; p = strstr(p + 1, pfx)) {
		char *q = strchr(p, '}');

		ck_assert_ptr_nonnull(q);
		ck_assert(!inf); /* +Inf is the last bucket */
		inf = !strncmp(p + strlen(pfx), "+Inf", 4);
		v = strtoull(q + 2, NULL, 10);
		ck_assert_msg(v >= prev,
			      "bucket went down: %" PRIu64 " < %" PRIu64, v,
			      prev);
		prev = v;
		buckets++;
	}
	ck_assert(inf);
	ck_assert_int_eq(buckets, DAEMON_HIST_BUCKETS + 1);
	ck_assert_uint_eq(prev, total);
	p = strstr(t, "xdpdns_recursion_duration_seconds_count ");
	ck_assert_ptr_nonnull(p);
	count = strtoull(p + strlen("xdpdns_recursion_duration_seconds_count "),
			 NULL, 10);
	ck_assert_uint_eq(count, total);
	snprintf(line, sizeof(line), "%s0.001\"} %" PRIu64, pfx,
		 hist_cases[_i][0]);
	ck_line(t, line);
	free(t);
	free(s);
}
END_TEST

START_TEST(test_labels_bounded)
{
	struct daemon_stats d;
	struct observe_snapshot *s = daemon_only(&d);
	char buf[32], *t;
	int named = 0;

	for (int i = 0; i < XDPDNS_QTYPE_SLOTS; i++)
		s->daemon.query_type[i] = 1;
	for (int i = 0; i < XDPDNS_RCODE_SLOTS; i++)
		s->daemon.answer_rcode[i] = 1;
	for (unsigned int i = 1; i < XDPDNS_QTYPE_SLOTS; i++)
		if (observe_qtype_label(i, buf, sizeof(buf)))
			named++;
	t = render(s);
	/* One series per mnemonic plus "other", whatever the traffic. */
	ck_assert_int_eq(count_prefix(t, "xdpdns_queries_by_type_total{"),
			 named + 1);
	ck_assert_int_lt(named, 64);
	ck_assert_int_eq(count_prefix(t, "xdpdns_answers_total{"),
			 XDPDNS_RCODE_SLOTS);
	ck_line(t, "xdpdns_answers_total{rcode=\"RCODE15\"} 1");
	free(t);
	free(s);
}
END_TEST

START_TEST(test_scrape_resets_nothing)
{
	struct daemon_stats d, before;
	struct observe_snapshot *s = daemon_only(&d), *s2;
	char *a, *b, *c;

	before = d;
	a = render(s);
	b = render(s);
	ck_assert_str_eq(a, b);
	ck_assert(!memcmp(&before, &d, sizeof(d)));
	/* Counters only grow between scrapes; the exposition follows. */
	d.queries_udp += 5;
	s2 = malloc(sizeof(*s2));
	ck_assert_ptr_nonnull(s2);
	ck_assert_int_eq(observe_snapshot_take(s2, &no_maps, &d, false), 0);
	c = render(s2);
	ck_line(c, "xdpdns_queries_total 35");
	free(a);
	free(b);
	free(c);
	free(s);
	free(s2);
}
END_TEST

START_TEST(test_counter_max)
{
	struct daemon_stats d;
	struct observe_snapshot *s = daemon_only(&d);
	char *t;

	s->daemon.queries_bad = UINT64_MAX;
	t = render(s);
	ck_line(t, "xdpdns_daemon_queries_bad_total 18446744073709551615");
	free(t);
	free(s);
}
END_TEST

/* The HTTP handler's dispatch (metrics_route()), request by request. */
static const struct {
	const char *method, *url;
	size_t body;
	int want;
} route_cases[] = {
	{ "GET", "/metrics", 0, METRICS_ROUTE_PROMETHEUS },
	{ "HEAD", "/metrics", 0, METRICS_ROUTE_PROMETHEUS },
	{ "GET", "/api/stats.json", 0, METRICS_ROUTE_STATS_JSON },
	{ "GET", "/health", 0, METRICS_ROUTE_HEALTH },
	{ "GET", "/api/hotset", 0, METRICS_ROUTE_HOTSET },
	{ "HEAD", "/api/hotset", 0, METRICS_ROUTE_HOTSET },
	{ "GET", "/api/hotset/", 0, METRICS_ROUTE_NOT_FOUND },
	{ "POST", "/api/hotset", 0, METRICS_ROUTE_NOT_ALLOWED },
	{ "GET", "/", 0, METRICS_ROUTE_DASHBOARD },
	{ "GET", "/index.html", 0, METRICS_ROUTE_DASHBOARD },
	{ "GET", "/metrics/", 0, METRICS_ROUTE_NOT_FOUND },
	{ "GET", "//metrics", 0, METRICS_ROUTE_NOT_FOUND },
	{ "GET", "", 0, METRICS_ROUTE_NOT_FOUND },
	{ "GET", "/Metrics", 0, METRICS_ROUTE_NOT_FOUND },
	{ "POST", "/metrics", 0, METRICS_ROUTE_NOT_ALLOWED },
	{ "get", "/metrics", 0, METRICS_ROUTE_NOT_ALLOWED },
	{ "", "/", 0, METRICS_ROUTE_NOT_ALLOWED },
	{ "POST", "/metrics", 5, METRICS_ROUTE_NOT_ALLOWED },
	{ "GET", "/metrics", 1, METRICS_ROUTE_BAD_REQUEST },
};

START_TEST(test_route)
{
	ck_assert_int_eq(metrics_route(route_cases[_i].method,
				       route_cases[_i].url,
				       route_cases[_i].body),
			 route_cases[_i].want);
}
END_TEST

void metrics_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_prom_daemon_only),
		     CKTEST(test_prom_with_xdp), CKTEST(test_prom_well_formed),
		     CKTEST(test_prom_daemon_stats),
		     CKTEST(test_stats_json_daemon_stats),
		     CKTEST(test_daemon_copy), CKTEST(test_stats_json_schema),
		     CKTEST(test_dump_json_schema),
		     CKTEST(test_dashboard_embedded),
		     CKTEST(test_grafana_metrics_exist),
		     CKTEST_TABLE(test_route, route_cases));
	CKTEST_TCASE(s, "Negative", NULL, CKTEST(test_no_maps),
		     CKTEST(test_prom_write_error), CKTEST(test_qtype_labels));
	CKTEST_TCASE(s, "Limits", NULL,
		     CKTEST_TABLE(test_histogram_cumulative, hist_cases),
		     CKTEST(test_labels_bounded),
		     CKTEST(test_scrape_resets_nothing),
		     CKTEST(test_counter_max));
}
