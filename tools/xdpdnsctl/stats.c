// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsctl stats, top names, top clients and limited: the counters and the
 * two top lists from the pinned maps, as a table for a terminal or as the
 * same JSON the dashboard reads.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/dnswire.h"
#include "lib/util.h"
#include "xdpdnsctl.h"

enum { OPT_JSON = 0x100, OPT_PROM, OPT_WITHIN };

static double ctl_pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void ctl_print_mix(const char *title, const uint64_t *slots,
			  unsigned int n, bool rcode)
{
	uint64_t total = 0;
	int shown = 0;
	char buf[32];

	for (unsigned int i = 0; i < n; i++)
		total += slots[i];
	printf("%-26s", title);
	if (!total) {
		printf("none yet\n");
		return;
	}
	/* Rcodes 0..15 by name; types by mnemonic, slot 0 last as "other". */
	for (unsigned int i = rcode ? 0 : 1; i < n + (rcode ? 0 : 1); i++) {
		unsigned int slot = i == n ? 0 : i;
		const char *label = buf;

		if (!slots[slot])
			continue;
		if (rcode)
			dnswire_rcode_to_text(slot, buf, sizeof(buf));
		else if (slot == 0)
			label = "other";
		else
			label = observe_qtype_label(slot, buf, sizeof(buf));
		if (!label)
			continue;
		printf("%s%s %" PRIu64 " (%.1f%%)", shown++ ? ", " : "", label,
		       slots[slot], ctl_pct(slots[slot], total));
	}
	printf("\n");
}

static void ctl_print_stats(const struct ctl *ctl,
			    const struct observe_snapshot *s)
{
	struct observe_totals t;

	observe_totals(s, &t);
	printf("xdpdns statistics from %s\n\n", ctl->pin_dir);
	printf("%-26s%" PRIu64 "\n", "queries (XDP)", (uint64_t)s->xdp.queries);
	printf("%-26s%" PRIu64 " (%.1f%% of queries)\n", "answered by XDP",
	       t.xdp_answers, ctl_pct(t.xdp_answers, t.queries));
	printf("%-26s%" PRIu64 " / %" PRIu64 " (hit ratio %.1f%%)\n",
	       "cache hits / misses", t.cache_hits, t.cache_misses,
	       ctl_pct(t.cache_hits, t.cache_hits + t.cache_misses));
	printf("%-26sdropped %" PRIu64 ", slipped %" PRIu64 ", dry-run %" PRIu64
	       "\n",
	       "rate-limited", t.rl_dropped, t.rl_slipped, t.rl_dryrun);
	printf("%-26sdropped %" PRIu64 ", refused %" PRIu64 "\n", "ACL denied",
	       t.acl_dropped, t.acl_refused);
	if (s->cache.valid)
		printf("%-26s%" PRIu64 " entries of %u (%.1f%% full), %" PRIu64
		       " stale, %" PRIu64 " negative\n",
		       "cache", s->cache.entries, s->cache.capacity,
		       ctl_pct(s->cache.entries, s->cache.capacity),
		       s->cache.stale, s->cache.negative);
	else
		printf("%-26sunavailable\n", "cache");
	if (s->clients.valid)
		printf("%-26s%" PRIu64 " tracked, %" PRIu64
		       " limited in the last %llu s\n",
		       "clients", s->clients.tracked, s->clients.limited_now,
		       OBSERVE_LIMITED_WINDOW_NS / NSEC_PER_SEC);
	ctl_print_mix("XDP answers by rcode", t.rcode, XDPDNS_RCODE_SLOTS,
		      true);
	ctl_print_mix("XDP answers by type", t.qtype, XDPDNS_QTYPE_SLOTS,
		      false);
	printf("\nXDP counters (summed over CPUs)\n");
	for (int i = 0; i < XDPDNS_STAT_MAX; i++)
		printf("  %-18s %14" PRIu64 "  %s\n", observe_stat_names[i],
		       ((const uint64_t *)&s->xdp)[i], observe_stat_help[i]);
}

int cmd_stats(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "prometheus", no_argument, NULL, OPT_PROM },
		{ NULL, 0, NULL, 0 },
	};
	struct observe_snapshot *s = NULL;
	struct xdpmaps_fds fds;
	bool json = false, prom = false;
	int c, ret = CTL_EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_JSON)
			json = true;
		else if (c == OPT_PROM)
			prom = true;
		else
			return ctl_bad_option(argv, optind);
	}
	if (optind < argc)
		return ctl_usage_err("stats: unexpected argument '%s'",
				     argv[optind]);
	if (json && prom)
		return ctl_usage_err("stats: --json or --prometheus, not both");
	if (ctl_open_all(ctl, &fds))
		return CTL_EXIT_FAIL;
	s = malloc(sizeof(*s));
	if (!s) {
		ctl_err("out of memory");
		goto out;
	}
	c = observe_snapshot_take(s, &fds, NULL, true);
	if (c) {
		ctl_err("cannot read %s/%s: %s", ctl->pin_dir, XDPDNS_MAP_STATS,
			strerror(-c));
		goto out;
	}
	if (json) {
		json_t *doc = observe_stats_json(s);

		ret = ctl_print_json(doc);
		json_decref(doc);
	} else if (prom) {
		ret = observe_prometheus(s, stdout) ? CTL_EXIT_FAIL :
						      CTL_EXIT_OK;
	} else {
		ctl_print_stats(ctl, s);
		ret = CTL_EXIT_OK;
	}
out:
	free(s);
	ctl_close_all(&fds);
	return ret;
}

static void ctl_print_clients(const struct observe_client *rows, size_t n,
			      uint64_t now)
{
	char addr[INET6_ADDRSTRLEN];

	printf("%-40s %12s %10s %10s %12s\n", "CLIENT", "QUERIES", "LIMITED",
	       "SEEN", "LIMITED-AGO");
	for (size_t i = 0; i < n; i++) {
		const struct xdpdns_rl_state *st = &rows[i].st;
		char seen[32] = "-", lim[32] = "-";

		observe_client_addr(&rows[i].key, addr, sizeof(addr));
		if (st->last_ns)
			snprintf(seen, sizeof(seen), "%.1fs",
				 st->last_ns >= now ?
					 0.0 :
					 (double)(now - st->last_ns) / 1e9);
		if (st->limited_ns)
			snprintf(lim, sizeof(lim), "%.1fs",
				 st->limited_ns >= now ?
					 0.0 :
					 (double)(now - st->limited_ns) / 1e9);
		printf("%-40s %12" PRIu64 " %10" PRIu64 " %10s %12s\n", addr,
		       (uint64_t)st->queries, (uint64_t)st->limited, seen, lim);
	}
}

static json_t *ctl_clients_json(const struct observe_client *rows, size_t n,
				uint64_t now)
{
	json_t *a = json_array();
	char addr[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < n; i++) {
		const struct xdpdns_rl_state *st = &rows[i].st;
		json_t *o = json_object();

		observe_client_addr(&rows[i].key, addr, sizeof(addr));
		json_object_set_new(o, "client", json_string(addr));
		json_object_set_new(o, "family",
				    json_integer(rows[i].key.family));
		json_object_set_new(o, "queries",
				    json_integer((json_int_t)st->queries));
		json_object_set_new(o, "limited",
				    json_integer((json_int_t)st->limited));
		json_object_set_new(
			o, "last_seen_ago",
			st->last_ns ?
				json_real(st->last_ns >= now ?
						  0.0 :
						  (double)(now - st->last_ns) /
							  1e9) :
				json_null());
		json_object_set_new(
			o, "limited_ago",
			st->limited_ns ?
				json_real(
					st->limited_ns >= now ?
						0.0 :
						(double)(now - st->limited_ns) /
							1e9) :
				json_null());
		json_array_append_new(a, o);
	}
	return a;
}

static int ctl_top_names(struct ctl *ctl, long n, bool json)
{
	struct observe_cache *c;
	char name[DNSWIRE_NAME_TEXT_MAX], type[16];
	uint64_t now = util_mono_ns();
	struct xdpmaps_fds fds;
	int err, ret = CTL_EXIT_FAIL;

	err = ctl_open_all(ctl, &fds);
	if (err)
		return CTL_EXIT_FAIL;
	c = malloc(sizeof(*c));
	if (!c) {
		ctl_err("out of memory");
		goto out;
	}
	err = observe_cache_walk(&fds, (size_t)n, now, c);
	if (err) {
		ctl_err("cannot read %s/%s: %s", ctl->pin_dir, XDPDNS_MAP_CACHE,
			strerror(-err));
		goto out;
	}
	if (json) {
		json_t *a = json_array();

		for (size_t i = 0; i < c->n_top; i++) {
			json_t *o = json_object();

			observe_key_name(&c->top[i].key, name, sizeof(name));
			ctl_type_text(c->top[i].key.qtype, type, sizeof(type));
			json_object_set_new(o, "name", json_string(name));
			json_object_set_new(o, "type", json_string(type));
			json_object_set_new(o, "flags",
					    json_string(observe_key_flags(
						    c->top[i].key.flags)));
			json_object_set_new(
				o, "hits",
				json_integer((json_int_t)c->top[i].hits));
			json_object_set_new(
				o, "expires_in",
				json_real(
					(double)(int64_t)(c->top[i].expire_ns -
							  now) /
					1e9));
			json_array_append_new(a, o);
		}
		ret = ctl_print_json(a);
		json_decref(a);
		goto out;
	}
	printf("%4s %12s %-8s %-6s %9s  %s\n", "#", "HITS", "TYPE", "FLAGS",
	       "TTL-LEFT", "NAME");
	for (size_t i = 0; i < c->n_top; i++) {
		const struct observe_name *e = &c->top[i];
		char left[24];

		observe_key_name(&e->key, name, sizeof(name));
		ctl_type_text(e->key.qtype, type, sizeof(type));
		if (xdpdns_time_before(now, e->expire_ns))
			snprintf(left, sizeof(left), "%" PRIu64 "s",
				 (uint64_t)xdpdns_secs_since(e->expire_ns,
							     now));
		else
			snprintf(left, sizeof(left), "stale");
		printf("%4zu %12" PRIu64 " %-8s %-6s %9s  %s\n", i + 1, e->hits,
		       type, observe_key_flags(e->key.flags), left, name);
	}
	if (!c->n_top)
		printf("(no entry has been hit: %" PRIu64 " entries)\n",
		       c->entries);
	ret = CTL_EXIT_OK;
out:
	free(c);
	ctl_close_all(&fds);
	return ret;
}

/* Shared by top clients and limited: walk xdpdns_rl and print a list. */
static int ctl_clients(struct ctl *ctl, long n, uint64_t window_ns,
		       bool limited, bool json)
{
	struct observe_clients *c;
	uint64_t now = util_mono_ns();
	int fd, err, ret = CTL_EXIT_FAIL;
	const struct observe_client *rows;
	size_t nrows;

	fd = ctl_open(ctl, XDPDNS_MAP_RL);
	if (fd < 0)
		return CTL_EXIT_FAIL;
	c = malloc(sizeof(*c));
	if (!c) {
		ctl_err("out of memory");
		goto out;
	}
	err = observe_clients_walk(fd, limited ? 0 : (size_t)n, now, window_ns,
				   c);
	if (err) {
		ctl_err("cannot read %s/%s: %s", ctl->pin_dir, XDPDNS_MAP_RL,
			strerror(-err));
		goto out;
	}
	rows = limited ? c->limited : c->top;
	nrows = limited ? c->n_limited : c->n_top;
	if (json) {
		json_t *a = ctl_clients_json(rows, nrows, now);

		ret = ctl_print_json(a);
		json_decref(a);
		goto out;
	}
	if (limited && !nrows) {
		printf("no client limited in the last %.0f s (%" PRIu64
		       " tracked)\n",
		       (double)window_ns / 1e9, c->tracked);
	} else {
		ctl_print_clients(rows, nrows, now);
		if (limited && c->limited_now > nrows)
			printf("... and %" PRIu64 " more\n",
			       c->limited_now - nrows);
	}
	ret = CTL_EXIT_OK;
out:
	free(c);
	close(fd);
	return ret;
}

int cmd_top(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	long n = OBSERVE_TOP_DEFAULT;
	bool json = false;
	const char *what;
	int c;

	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c == OPT_JSON) {
			json = true;
		} else if (c == 'n') {
			n = ctl_parse_count(optarg, OBSERVE_TOP_MAX);
			if (n < 0)
				return ctl_usage_err("top: -n takes 1..%d",
						     OBSERVE_TOP_MAX);
		} else {
			return ctl_bad_option(argv, optind);
		}
	}
	if (optind >= argc)
		return ctl_usage_err("top: say 'top names' or 'top clients'");
	what = argv[optind];
	if (optind + 1 < argc)
		return ctl_usage_err("top: unexpected argument '%s'",
				     argv[optind + 1]);
	if (!strcmp(what, "names"))
		return ctl_top_names(ctl, n, json);
	if (!strcmp(what, "clients"))
		return ctl_clients(ctl, n, OBSERVE_LIMITED_WINDOW_NS, false,
				   json);
	return ctl_usage_err("top: unknown list '%s' (names or clients)", what);
}

int cmd_limited(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "within", required_argument, NULL, OPT_WITHIN },
		{ NULL, 0, NULL, 0 },
	};
	long within = OBSERVE_LIMITED_WINDOW_NS / NSEC_PER_SEC;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_JSON) {
			json = true;
		} else if (c == OPT_WITHIN) {
			within = ctl_parse_count(optarg, 86400);
			if (within < 0)
				return ctl_usage_err(
					"limited: --within takes 1..86400 seconds");
		} else {
			return ctl_bad_option(argv, optind);
		}
	}
	if (optind < argc)
		return ctl_usage_err("limited: unexpected argument '%s'",
				     argv[optind]);
	return ctl_clients(ctl, OBSERVE_TOP_MAX,
			   (uint64_t)within * NSEC_PER_SEC, true, json);
}
