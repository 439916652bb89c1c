// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsctl report: a series of `xdpdnsctl dump` files turned into one
 * self-contained HTML page for the event's records: queries per second over
 * time (inline SVG), peak rate, hit ratio, top names, rate-limited clients,
 * rcode and type mix. Rates come from counter differences between dumps, so
 * a counter that went backwards (maps recreated) starts a new segment.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xdpdnsctl.h"

enum { OPT_TITLE = 0x100 };

#define REPORT_TOP 10
#define REPORT_LIMITED_MAX 20
#define REPORT_W 960
#define REPORT_H 300

struct report_dump {
	const char *path;
	json_t *doc;
	double t;
	json_t *stats; /* borrowed; NULL when the dump had no stats map */
};

/* One interval between consecutive dumps with usable counters. */
struct report_point {
	double t; /* end of the interval */
	double qps, hps, lps; /* queries, XDP hits, limited+denied per s */
	bool gap; /* first point after a reset or a missing stats map */
};

static uint64_t report_u64(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
		       (uint64_t)json_integer_value(v) :
		       0;
}

static uint64_t report_limited(json_t *st)
{
	return report_u64(st, "rl_dropped") + report_u64(st, "rl_slipped") +
	       report_u64(st, "miss_dropped") + report_u64(st, "miss_slipped") +
	       report_u64(st, "gmiss_dropped") + report_u64(st, "net_dropped") +
	       report_u64(st, "net_slipped") + report_u64(st, "wide_dropped") +
	       report_u64(st, "wide_slipped") + report_u64(st, "new_dropped") +
	       report_u64(st, "cookie_dropped") +
	       report_u64(st, "cookie_slipped") + report_u64(st, "cookie_bad");
}

static uint64_t report_denied(json_t *st)
{
	return report_u64(st, "acl_dropped") + report_u64(st, "acl_refused");
}

static void report_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void report_time(char *buf, size_t cap, double t, const char *fmt)
{
	time_t sec = (time_t)t;
	struct tm tm;

	localtime_r(&sec, &tm);
	strftime(buf, cap, fmt, &tm);
}

static void report_num(char *buf, size_t cap, double v)
{
	if (v >= 1e9)
		snprintf(buf, cap, "%.2fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, cap, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, cap, "%.1fk", v / 1e3);
	else if (v >= 100 || v == (double)(long long)v)
		snprintf(buf, cap, "%.0f", v);
	else
		snprintf(buf, cap, "%.2f", v);
}

static int report_cmp_dump(const void *a, const void *b)
{
	const struct report_dump *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

static int report_load(const char *path, struct report_dump *d)
{
	json_error_t jerr;
	json_t *kind, *t;

	memset(d, 0, sizeof(*d));
	d->path = path;
	d->doc = json_load_file(path, 0, &jerr);
	if (!d->doc) {
		ctl_err("%s: %s (line %d)", path, jerr.text, jerr.line);
		return -EINVAL;
	}
	kind = json_object_get(d->doc, "kind");
	t = json_object_get(d->doc, "time");
	if (!json_is_string(kind) ||
	    strcmp(json_string_value(kind), "xdpdns-dump") ||
	    !json_is_number(t)) {
		ctl_err("%s: not an xdpdns dump (make one with xdpdnsctl dump --json)",
			path);
		return -EINVAL;
	}
	d->t = json_number_value(t);
	d->stats = json_object_get(d->doc, "stats");
	if (!json_is_object(d->stats))
		d->stats = NULL;
	return 0;
}

/* ---- SVG chart ----------------------------------------------------------- */

/* The next 1, 2 or 5 times a power of ten at or above @v (no libm). */
static double report_nice(double v)
{
	double p = 1, m;

	if (v <= 0)
		return 1;
	while (v / p >= 10)
		p *= 10;
	while (v / p < 1)
		p /= 10;
	m = v / p;
	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static double report_max(double a, double b)
{
	return a > b ? a : b;
}

static void report_line(FILE *f, const struct report_point *pts, size_t n,
			double t0, double t1, double max, int which,
			const char *color)
{
	const double left = 70, top = 15, w = REPORT_W - 90, h = REPORT_H - 50;
	bool open = false;

	for (size_t i = 0; i < n; i++) {
		double v = which == 0 ? pts[i].qps :
			   which == 1 ? pts[i].hps :
					pts[i].lps;
		double x =
			left + (t1 > t0 ? (pts[i].t - t0) / (t1 - t0) : 1) * w;
		double y = top + h - (v / max) * h;

		if (pts[i].gap && open) {
			fputs("\"/>\n", f);
			open = false;
		}
		if (!open) {
			fprintf(f,
				"<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
				color);
			open = true;
		}
		fprintf(f, "%.1f,%.1f ", x, y);
	}
	if (open)
		fputs("\"/>\n", f);
}

static void report_chart(FILE *f, const struct report_point *pts, size_t n,
			 double t0, double t1)
{
	const double left = 70, top = 15, w = REPORT_W - 90, h = REPORT_H - 50;
	double max = 0;
	char lab[32];

	for (size_t i = 0; i < n; i++) {
		max = report_max(max, pts[i].qps);
		max = report_max(max, pts[i].lps);
	}
	max = report_nice(max * 1.05);
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		"width=\"100%%\" role=\"img\" aria-label=\"queries per second\">\n"
		"<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
		REPORT_W, REPORT_H, REPORT_W, REPORT_H);
	for (int i = 0; i <= 4; i++) {
		double y = top + h - h * i / 4;

		report_num(lab, sizeof(lab), max * i / 4);
		fprintf(f,
			"<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"13\" fill=\"#555\">%s</text>\n",
			left, left + w, y, y, left - 6, y + 4, lab);
	}
	for (int i = 0; i <= 6; i++) {
		double t = t0 + (t1 - t0) * i / 6, x = left + w * i / 6;

		report_time(lab, sizeof(lab), t,
			    t1 - t0 > 86400 ? "%d %H:%M" : "%H:%M");
		fprintf(f,
			"<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" font-size=\"13\" fill=\"#555\">%s</text>\n",
			x, top + h + 20, lab);
	}
	report_line(f, pts, n, t0, t1, max, 0, "#1f6feb");
	report_line(f, pts, n, t0, t1, max, 1, "#2da44e");
	report_line(f, pts, n, t0, t1, max, 2, "#cf222e");
	fputs("</svg>\n"
	      "<p class=\"legend\"><span style=\"color:#1f6feb\">&#9632; queries/s</span> "
	      "<span style=\"color:#2da44e\">&#9632; answered from the XDP cache/s</span> "
	      "<span style=\"color:#cf222e\">&#9632; rate-limited + denied/s</span></p>\n",
	      f);
}

/* ---- tables -------------------------------------------------------------- */

static int report_cmp_hits(const void *a, const void *b)
{
	uint64_t x = report_u64(*(json_t *const *)a, "hits");
	uint64_t y = report_u64(*(json_t *const *)b, "hits");

	return x < y ? 1 : x > y ? -1 : 0;
}

static void report_top_names(FILE *f, json_t *last)
{
	json_t *cache = json_object_get(last, "cache");
	json_t *entries = json_object_get(cache, "entries"), *e;
	json_t **v = NULL;
	size_t n = json_array_size(entries), i, shown = 0;
	char num[32];

	fputs("<h2>Top names (XDP hits, last dump)</h2>\n", f);
	if (!n) {
		fputs("<p class=\"dim\">no cache entries in the last dump</p>\n",
		      f);
		return;
	}
	v = calloc(n, sizeof(*v));
	if (!v)
		return;
	json_array_foreach(entries, i, e) v[i] = e;
	qsort(v, n, sizeof(*v), report_cmp_hits);
	fputs("<table><tr><th>#</th><th>name</th><th>type</th><th>flags</th>"
	      "<th class=\"n\">hits</th><th>rcode</th></tr>\n",
	      f);
	for (i = 0; i < n && shown < REPORT_TOP; i++) {
		if (!report_u64(v[i], "hits"))
			break;
		report_num(num, sizeof(num), (double)report_u64(v[i], "hits"));
		fprintf(f, "<tr><td>%zu</td><td>", ++shown);
		report_esc(f, json_string_value(json_object_get(v[i], "name")));
		fputs("</td><td>", f);
		report_esc(f, json_string_value(json_object_get(v[i], "type")));
		fputs("</td><td>", f);
		report_esc(f,
			   json_string_value(json_object_get(v[i], "flags")));
		fprintf(f, "</td><td class=\"n\">%s</td><td>", num);
		report_esc(f,
			   json_string_value(json_object_get(v[i], "rcode")));
		fputs("</td></tr>\n", f);
	}
	if (!shown)
		fputs("<tr><td colspan=\"6\" class=\"dim\">no entry was hit</td></tr>\n",
		      f);
	fputs("</table>\n", f);
	free(v);
}

struct report_client {
	const char *client;
	uint64_t queries, limited;
	double last_limited; /* unix time, 0: unknown */
};

static int report_cmp_client(const void *a, const void *b)
{
	const struct report_client *x = a, *y = b;

	return x->limited < y->limited ? 1 : x->limited > y->limited ? -1 : 0;
}

static void report_limited_clients(FILE *f, const struct report_dump *d,
				   size_t nd)
{
	struct report_client *v = NULL;
	size_t n = 0, cap = 0;
	char num[32], q[32], when[32];

	for (size_t k = 0; k < nd; k++) {
		json_t *rl = json_object_get(d[k].doc, "rl"), *e;
		size_t i;

		json_array_foreach(rl, i, e)
		{
			const char *client =
				json_string_value(json_object_get(e, "client"));
			json_t *ago = json_object_get(e, "limited_ago");
			uint64_t lim = report_u64(e, "limited");
			size_t j;

			if (!client || !lim)
				continue;
			for (j = 0; j < n; j++)
				if (!strcmp(v[j].client, client))
					break;
			if (j == n) {
				if (n == cap) {
					size_t nc = cap ? 2 * cap : 32;
					void *p = realloc(v, nc * sizeof(*v));

					if (!p)
						goto out;
					v = p;
					cap = nc;
				}
				memset(&v[n], 0, sizeof(v[n]));
				v[n++].client = client;
			}
			if (lim > v[j].limited)
				v[j].limited = lim;
			if (report_u64(e, "queries") > v[j].queries)
				v[j].queries = report_u64(e, "queries");
			if (json_is_number(ago))
				v[j].last_limited = report_max(
					v[j].last_limited,
					d[k].t - json_number_value(ago));
		}
	}
	fputs("<h2>Rate-limited clients</h2>\n", f);
	if (!n) {
		fputs("<p class=\"dim\">no client was rate-limited</p>\n", f);
		goto out;
	}
	qsort(v, n, sizeof(*v), report_cmp_client);
	fputs("<table><tr><th>client</th><th class=\"n\">queries</th>"
	      "<th class=\"n\">limited</th><th>last limited</th></tr>\n",
	      f);
	for (size_t i = 0; i < n && i < REPORT_LIMITED_MAX; i++) {
		report_num(num, sizeof(num), (double)v[i].limited);
		report_num(q, sizeof(q), (double)v[i].queries);
		if (v[i].last_limited > 0)
			report_time(when, sizeof(when), v[i].last_limited,
				    "%Y-%m-%d %H:%M:%S");
		else
			snprintf(when, sizeof(when), "-");
		fputs("<tr><td>", f);
		report_esc(f, v[i].client);
		fprintf(f,
			"</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>%s</td></tr>\n",
			q, num, when);
	}
	fputs("</table>\n", f);
	if (n > REPORT_LIMITED_MAX)
		fprintf(f, "<p class=\"dim\">and %zu more</p>\n",
			n - REPORT_LIMITED_MAX);
out:
	free(v);
}

/* A mix table from the difference of two {label: count} objects. */
static void report_mix(FILE *f, const char *title, json_t *first, json_t *last)
{
	const char *k;
	json_t *v;
	uint64_t total = 0;
	char num[32];

	json_object_foreach(last, k, v)
	{
		uint64_t a = report_u64(last, k), b = report_u64(first, k);

		total += a > b ? a - b : 0;
	}
	fprintf(f, "<h2>%s</h2>\n", title);
	if (!total) {
		fputs("<p class=\"dim\">none in this period</p>\n", f);
		return;
	}
	fputs("<table>\n", f);
	json_object_foreach(last, k, v)
	{
		uint64_t a = report_u64(last, k), b = report_u64(first, k);
		uint64_t dlt = a > b ? a - b : 0;
		double pct = 100.0 * (double)dlt / (double)total;

		if (!dlt)
			continue;
		report_num(num, sizeof(num), (double)dlt);
		fputs("<tr><td>", f);
		report_esc(f, k);
		fprintf(f,
			"</td><td class=\"n\">%s</td><td class=\"n\">%.1f%%</td>"
			"<td class=\"bar\"><div style=\"width:%.1f%%\"></div></td></tr>\n",
			num, pct, pct);
	}
	fputs("</table>\n", f);
}

static void report_card(FILE *f, const char *label, const char *value,
			const char *sub)
{
	fputs("<div class=\"card\"><div class=\"l\">", f);
	report_esc(f, label);
	fputs("</div><div class=\"v\">", f);
	report_esc(f, value);
	fputs("</div><div class=\"s\">", f);
	report_esc(f, sub);
	fputs("</div></div>\n", f);
}

static const char report_css[] =
	"body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em auto;"
	"max-width:1000px;color:#1f2328;padding:0 1em}"
	"h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}"
	".dim{color:#656d76}.cards{display:grid;grid-template-columns:"
	"repeat(4,1fr);gap:.8em;margin:1em 0}.card{border:1px solid #d0d7de;"
	"border-radius:6px;padding:.6em .8em}.card .l{color:#656d76;"
	"font-size:.85em}.card .v{font-size:1.7em;font-weight:bold}"
	".card .s{color:#656d76;font-size:.8em}table{border-collapse:collapse;"
	"width:100%}td,th{padding:.25em .5em;border-bottom:1px solid #eee;"
	"text-align:left}.n{text-align:right;font-variant-numeric:tabular-nums}"
	"td.bar{width:40%}td.bar div{background:#1f6feb;height:.8em}"
	".legend span{margin-right:1.5em}.cols{display:grid;"
	"grid-template-columns:1fr 1fr;gap:2em}"
	"@media print{body{margin:0}}";

static int report_write(FILE *f, const char *title, struct report_dump *d,
			size_t nd)
{
	struct report_point *pts = calloc(nd, sizeof(*pts));
	uint64_t q = 0, hits = 0, miss = 0, lim = 0, den = 0, xdp_ans = 0;
	double peak = 0, peak_t = 0, span, t0 = d[0].t, t1 = d[nd - 1].t;
	size_t np = 0, first_st = nd, last_st = nd;
	bool gap = true;
	char a[64], b[64], c[96];

	if (!pts)
		return -ENOMEM;
	for (size_t i = 0; i < nd; i++) {
		if (!d[i].stats) {
			gap = true;
			continue;
		}
		if (first_st == nd)
			first_st = i;
		if (last_st != nd) {
			json_t *p = d[last_st].stats, *s = d[i].stats;
			double dt = d[i].t - d[last_st].t;
			uint64_t pq = report_u64(p, "queries"),
				 sq = report_u64(s, "queries");

			if (dt > 0 && sq >= pq &&
			    report_u64(s, "hit") >= report_u64(p, "hit")) {
				uint64_t dq = sq - pq;
				uint64_t dh = report_u64(s, "hit") -
					      report_u64(p, "hit");
				uint64_t dm = report_u64(s, "miss") +
					      report_u64(s, "expired") -
					      report_u64(p, "miss") -
					      report_u64(p, "expired");
				uint64_t dl =
					report_limited(s) - report_limited(p);
				uint64_t dd =
					report_denied(s) - report_denied(p);

				pts[np].t = d[i].t;
				pts[np].qps = (double)dq / dt;
				pts[np].hps = (double)dh / dt;
				pts[np].lps = (double)(dl + dd) / dt;
				pts[np].gap = gap;
				if (pts[np].qps > peak) {
					peak = pts[np].qps;
					peak_t = d[i].t;
				}
				np++;
				q += dq;
				hits += dh;
				miss += dm;
				lim += dl;
				den += dd;
				xdp_ans += dh +
					   (report_u64(s, "acl_refused") -
					    report_u64(p, "acl_refused")) +
					   (report_u64(s, "rl_slipped") -
					    report_u64(p, "rl_slipped")) +
					   (report_u64(s, "miss_slipped") -
					    report_u64(p, "miss_slipped")) +
					   (report_u64(s, "net_slipped") -
					    report_u64(p, "net_slipped")) +
					   (report_u64(s, "wide_slipped") -
					    report_u64(p, "wide_slipped"));
				gap = false;
			} else {
				gap = true; /* counters went back: new segment */
			}
		}
		last_st = i;
	}
	/* One dump (or no interval): the counters since they started. */
	if (!np && last_st != nd) {
		json_t *s = d[last_st].stats;

		q = report_u64(s, "queries");
		hits = report_u64(s, "hit");
		miss = report_u64(s, "miss") + report_u64(s, "expired");
		lim = report_limited(s);
		den = report_denied(s);
	}
	span = t1 - t0;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>",
	      f);
	report_esc(f, title);
	fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>",
		report_css);
	report_esc(f, title);
	report_time(a, sizeof(a), t0, "%Y-%m-%d %H:%M:%S");
	report_time(b, sizeof(b), t1, "%Y-%m-%d %H:%M:%S %Z");
	fprintf(f,
		"</h1>\n<p class=\"dim\">%s to %s (%.0f minutes), %zu dump%s</p>\n",
		a, b, span / 60, nd, nd == 1 ? "" : "s");
	if (!np)
		fputs("<p class=\"dim\">One dump gives totals only: take dumps "
		      "periodically (e.g. <code>xdpdnsctl dump --json -o "
		      "dump-$(date +%s).json</code> every minute) for rates.</p>\n",
		      f);

	fputs("<div class=\"cards\">\n", f);
	report_num(a, sizeof(a), (double)q);
	report_card(f, "queries", a, np ? "in this period" : "since start");
	if (np) {
		report_num(a, sizeof(a), peak);
		report_time(b, sizeof(b), peak_t, "at %H:%M:%S");
		report_card(f, "peak queries/s", a, b);
		report_num(a, sizeof(a), span > 0 ? (double)q / span : 0);
		report_card(f, "average queries/s", a, "over the period");
	}
	snprintf(a, sizeof(a), "%.1f%%",
		 hits + miss ? 100.0 * (double)hits / (double)(hits + miss) :
			       0);
	report_num(b, sizeof(b), (double)hits);
	snprintf(c, sizeof(c), "%s answered from the XDP cache", b);
	report_card(f, "hit ratio", a, c);
	if (np) {
		snprintf(a, sizeof(a), "%.1f%%",
			 q ? 100.0 * (double)xdp_ans / (double)q : 0);
		report_card(f, "answered by XDP", a, "share of all queries");
	}
	report_num(a, sizeof(a), (double)lim);
	report_card(f, "rate-limited", a, "dropped or slipped");
	report_num(a, sizeof(a), (double)den);
	report_card(f, "denied", a, "outside the allowed prefixes");
	fputs("</div>\n", f);

	if (np) {
		fputs("<h2>Queries per second</h2>\n", f);
		report_chart(f, pts, np, t0, t1);
	}
	fputs("<div class=\"cols\"><div>\n", f);
	report_top_names(f, d[nd - 1].doc);
	fputs("</div><div>\n", f);
	report_limited_clients(f, d, nd);
	fputs("</div></div>\n<div class=\"cols\"><div>\n", f);
	if (last_st != nd) {
		json_t *empty = json_object();
		json_t *fs = np ? d[first_st].stats : NULL;
		json_t *ls = d[last_st].stats;

		report_mix(f, "XDP answers by rcode",
			   fs ? json_object_get(fs, "answer_rcode") : empty,
			   json_object_get(ls, "answer_rcode"));
		fputs("</div><div>\n", f);
		report_mix(f, "XDP answers by type",
			   fs ? json_object_get(fs, "answer_qtype") : empty,
			   json_object_get(ls, "answer_qtype"));
		json_decref(empty);
	} else {
		fputs("<p class=\"dim\">no dump had counters</p></div><div>\n",
		      f);
	}
	fputs("</div></div>\n", f);
	report_time(a, sizeof(a), (double)time(NULL), "%Y-%m-%d %H:%M:%S %Z");
	fprintf(f,
		"<p class=\"dim\" style=\"margin-top:2em\">Generated by xdpdnsctl "
		"report on %s from %zu dump%s.</p>\n</body></html>\n",
		a, nd, nd == 1 ? "" : "s");
	free(pts);
	return ferror(f) ? -EIO : 0;
}

int cmd_report(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *title = "xdpdns report";
	struct report_dump *d = NULL;
	size_t nd = 0;
	int c, err, ret = CTL_EXIT_FAIL;
	FILE *f = stdout;

	(void)ctl;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == OPT_TITLE)
			title = optarg;
		else
			return ctl_bad_option(argv, optind);
	}
	if (optind >= argc)
		return ctl_usage_err("report: give one or more dump files");
	d = calloc((size_t)(argc - optind), sizeof(*d));
	if (!d) {
		ctl_err("out of memory");
		return CTL_EXIT_FAIL;
	}
	for (int i = optind; i < argc; i++) {
		if (report_load(argv[i], &d[nd])) {
			json_decref(d[nd].doc);
			goto out;
		}
		nd++;
	}
	qsort(d, nd, sizeof(*d), report_cmp_dump);
	if (out) {
		f = fopen(out, "w");
		if (!f) {
			ctl_err("cannot write %s: %s", out, strerror(errno));
			f = stdout;
			goto out;
		}
	}
	err = report_write(f, title, d, nd);
	if (f != stdout && fclose(f) && !err)
		err = -errno;
	f = stdout;
	if (err) {
		ctl_err("cannot write the report%s%s: %s", out ? " to " : "",
			out ? out : "", strerror(-err));
		goto out;
	}
	ret = CTL_EXIT_OK;
out:
	if (f != stdout)
		fclose(f);
	for (size_t i = 0; i < nd; i++)
		json_decref(d[i].doc);
	free(d);
	return ret;
}
