// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * One table, five uses: getopt_long() options, libconfig keys, --help, the
 * man page and the example config file (both generated at build time).
 * Parsing never prints and never exits: every problem becomes one line in
 * the caller's buffer ("--port 0: out of range 1..65535", "FILE:3: ...") and
 * a negative return, so main() exits 2 and unit tests check the message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "config.h"
#include "config_table.h"
#include "lib/cachemap.h"
#include "lib/cookie.h"
#include "lib/dnswire.h"
#include "lib/roff.h"
#include "lib/util.h"
#include "lib/xdpmaps.h"
#include "maps/xdpdns.h"

#ifndef XDPDNS_VERSION
#define XDPDNS_VERSION "0.1"
#endif

static const char *const xdp_mode_names[] = { "native", "skb", NULL };
static const char *const acl_action_names[] = { "drop", "refuse", NULL };
static const char *const cookies_names[] = { "off", "on", NULL };
/* In the order of enum xdpdns_cookie_policy. */
static const char *const cookie_invalid_names[] = { "process", "badcookie",
						    "tc", NULL };
/* Same order as enum log_level in log.h. */
static const char *const log_level_names[] = { "error", "warn", "info", "debug",
					       NULL };

static int check_addr(const char *v, char *why, size_t cap)
{
	struct xdpdns_svc_key k;

	if (xdpmaps_svc_key(v, &k)) {
		snprintf(why, cap, "not an IPv4 or IPv6 address");
		return -EINVAL;
	}
	return 0;
}

static int check_prefix(const char *v, char *why, size_t cap)
{
	struct xdpdns_lpm_key k;

	if (xdpmaps_lpm_key(v, &k)) {
		snprintf(
			why, cap,
			"not an address or prefix (198.18.0.0/15, 2001:db8::/32)");
		return -EINVAL;
	}
	return 0;
}

/* unbound's forward syntax: ADDR or ADDR@PORT. */
static int check_forward(const char *v, char *why, size_t cap)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *at = strchr(v, '@');
	size_t n = at ? (size_t)(at - v) : strlen(v);
	struct xdpdns_svc_key k;

	if (n == 0 || n >= sizeof(addr))
		goto bad;
	memcpy(addr, v, n);
	addr[n] = '\0';
	if (xdpmaps_svc_key(addr, &k))
		goto bad;
	if (at) {
		char *end;
		unsigned long port;

		errno = 0;
		port = strtoul(at + 1, &end, 10);
		if (errno || end == at + 1 || *end || port == 0 || port > 65535)
			goto bad;
	}
	return 0;
bad:
	snprintf(why, cap, "not an address or ADDR@PORT");
	return -EINVAL;
}

/* "ADDR:PORT" or "[V6ADDR]:PORT" as metrics_start() takes it. */
static int check_hostport(const char *v, char *why, size_t cap)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *colon, *host = v;
	struct xdpdns_svc_key k;
	unsigned long port;
	size_t n;
	char *end;

	if (*v == '[') {
		const char *close = strchr(v, ']');

		if (!close || close[1] != ':')
			goto bad;
		host = v + 1;
		n = close - host;
		colon = close + 1;
	} else {
		colon = strrchr(v, ':');
		if (!colon)
			goto bad;
		n = colon - v;
	}
	if (n == 0 || n >= sizeof(addr))
		goto bad;
	memcpy(addr, host, n);
	addr[n] = '\0';
	if (xdpmaps_svc_key(addr, &k))
		goto bad;
	if (*v != '[' && k.family == 6)
		goto bad; /* bare IPv6 with a port is ambiguous */
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port == 0 || port > 65535)
		goto bad;
	return 0;
bad:
	snprintf(why, cap, "expected ADDR:PORT or [V6ADDR]:PORT");
	return -EINVAL;
}

static int check_name(const char *v, char *why, size_t cap)
{
	uint8_t wire[DNS_NAME_MAX];

	if (dnswire_name_from_text(v, wire, sizeof(wire)) < 0) {
		snprintf(why, cap, "not a domain name");
		return -EINVAL;
	}
	return 0;
}

static int check_ifname(const char *v, char *why, size_t cap)
{
	if (!*v || strlen(v) >= IF_NAMESIZE || strchr(v, '/')) {
		snprintf(why, cap, "not an interface name");
		return -EINVAL;
	}
	return 0;
}

static int check_path(const char *v, char *why, size_t cap)
{
	if (!*v || strlen(v) >= PATH_MAX) {
		snprintf(why, cap, "not a file name");
		return -EINVAL;
	}
	return 0;
}

static int check_split(const char *v, char *why, size_t cap)
{
	uint8_t pct[XDPDNS_SLOT_CLASSES];

	if (cachemap_parse_split(v, pct)) {
		snprintf(why, cap,
			 "not four whole percentages summing to 100 (e.g. %s)",
			 XDPDNS_CACHE_SPLIT_DEFAULT);
		return -EINVAL;
	}
	return 0;
}

int config_dnstap_parse(const char *v, const char **path, char *why, size_t cap)
{
	static const struct {
		const char *prefix;
		int kind;
	} kinds[] = { { "unix:", CONFIG_DNSTAP_UNIX },
		      { "file:", CONFIG_DNSTAP_FILE } };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].prefix);

		if (strncmp(v, kinds[i].prefix, n))
			continue;
		if (!v[n]) {
			snprintf(why, cap, "no path after %s", kinds[i].prefix);
			return -EINVAL;
		}
		/* sun_path holds 107 bytes and a NUL. */
		if (strlen(v + n) >=
		    (kinds[i].kind == CONFIG_DNSTAP_UNIX ? 108 : PATH_MAX)) {
			snprintf(why, cap, "path too long");
			return -EINVAL;
		}
		*path = v + n;
		return kinds[i].kind;
	}
	snprintf(why, cap, "expected unix:PATH or file:PATH");
	return -EINVAL;
}

static int check_dnstap(const char *v, char *why, size_t cap)
{
	const char *path;
	int ret = config_dnstap_parse(v, &path, why, cap);

	return ret < 0 ? ret : 0;
}

/* Anything but empty, and short enough for a log line. */
static int check_identity(const char *v, char *why, size_t cap)
{
	if (!*v || strlen(v) > 255) {
		snprintf(why, cap, "empty or longer than 255 bytes");
		return -EINVAL;
	}
	return 0;
}

#define F(field) offsetof(struct config, field)
#define U(field, lo, hi) OPT_UINT, F(field), (lo), (hi), NULL, NULL

/* The order here is the order of --help. */
const struct opt_def config_opt_table[] = {
	{ "config", 'c', OPT_SPECIAL, F(config_file), 0, 0, NULL, check_path,
	  "FILE", "settings file (libconfig, keys = long options)", NULL },
	{ "interface", 'i', OPT_STR, F(interface), 0, 0, NULL, check_ifname,
	  "IF", "client-facing interface for the XDP program", NULL,
	  .restart = true },
	{ "listen", 'l', OPT_LIST, F(listen), 0, 0, NULL, check_addr, "ADDR",
	  "service address, IPv4 or IPv6; repeatable", NULL, .restart = true },
	{ "port", 'p', U(port, 1, 65535), "N", "UDP and TCP port", "53",
	  .dflt = CONFIG_PORT_DEFAULT, .restart = true },
	{ "xdp-mode", 0, OPT_ENUM, F(xdp_mode), 0, 0, xdp_mode_names, NULL,
	  "native|skb", "XDP attach mode", "native", .restart = true },
	{ "no-xdp", 0, OPT_FLAG, F(no_xdp), 0, 0, NULL, NULL, NULL,
	  "run as a plain resolver, without any BPF", NULL, .restart = true },
	{ "afxdp", 0, OPT_FLAG, F(afxdp), 0, 0, NULL, NULL, NULL,
	  "queries XDP passes up reach the daemon over\n"
	  "AF_XDP sockets, one per receive queue, past\n"
	  "the kernel's IP and UDP layers",
	  NULL, .restart = true },
	{ "no-xdp-cache", 0, OPT_FLAG, F(no_xdp_cache), 0, 0, NULL, NULL, NULL,
	  "XDP answers nothing from its cache (ACL and\n"
	  "limits stay): every query goes to the daemon",
	  NULL },
	{ "pin-dir", 0, OPT_STR, F(pin_dir), 0, 0, NULL, check_path, "DIR",
	  "bpffs directory for the pinned maps", XDPDNS_PIN_DIR_DEFAULT,
	  .restart = true },
	{ "keep-xdp-on-exit", 0, OPT_FLAG, F(keep_xdp_on_exit), 0, 0, NULL,
	  NULL, NULL,
	  "leave XDP answering after a stop (the next\n"
	  "start adopts it: upgrades without a gap)",
	  NULL },
	{ "cache-size", 0, U(cache_size, 16, 4194304), "N",
	  "cache entries: the XDP cache (slots of 256\n"
	  "to 1728 bytes, see --cache-split) and the\n"
	  "daemon's own copy",
	  "65536", .dflt = XDPDNS_CACHE_ENTRIES_DEFAULT, .restart = true },
	{ "cache-split", 0, OPT_STR, F(cache_split), 0, 0, NULL, check_split,
	  "P0,P1,P2,P3",
	  "percent of --cache-size in each slot class\n"
	  "(256, 512, 1024, 1728-byte slots)",
	  XDPDNS_CACHE_SPLIT_DEFAULT, .restart = true },
	{ "edns-size", 0, U(edns_size, 512, 4096), "N",
	  "UDP payload size advertised in our OPT", "1232",
	  .dflt = XDPDNS_EDNS_SIZE_DEFAULT },
	{ "min-ttl", 0, U(min_ttl, 0, 86400), "S",
	  "raise cached TTLs below S seconds to S", "0" },
	{ "max-ttl", 0, U(max_ttl, 1, 604800), "S",
	  "lower cached TTLs above S seconds to S", "86400",
	  .dflt = CONFIG_MAX_TTL_DEFAULT },
	{ "max-negative-ttl", 0, U(max_negative_ttl, 1, 86400), "S",
	  "cap for NXDOMAIN and NODATA TTLs", "300",
	  .dflt = CONFIG_MAX_NEG_TTL_DEFAULT },
	{ "max-outstanding", 0, U(max_outstanding, 1, 100000), "N",
	  "resolutions in flight; beyond: SERVFAIL", "4096",
	  .dflt = CONFIG_MAX_OUTSTANDING_DEFAULT },
	{ "threads", 0, U(threads, 0, CONFIG_THREADS_MAX), "N",
	  "threads answering UDP, each with its own socket\n"
	  "(SO_REUSEPORT); resolution stays on the first\n"
	  "(0: one per CPU the daemon may run on)",
	  "0", .restart = true },
	{ "resolve-timeout", 0, U(resolve_timeout, 1, 300), "S",
	  "SERVFAIL when a resolution takes over S s", "4",
	  .dflt = CONFIG_RESOLVE_TIMEOUT_DEFAULT },
	{ "serve-stale-max", 0, U(serve_stale_max, 0, 604800), "S",
	  "answer from an entry up to S s past its expiry\n"
	  "while its resolution fails (RFC 8767; 0: never)",
	  "86400", .dflt = CONFIG_SERVE_STALE_MAX_DEFAULT },
	{ "serve-stale-ttl", 0, U(serve_stale_ttl, 1, 3600), "S",
	  "TTL of a stale answer", "30",
	  .dflt = CONFIG_SERVE_STALE_TTL_DEFAULT },
	{ "serve-stale-client-timeout", 0,
	  U(serve_stale_client_timeout, 0, 60000), "MS",
	  "answer stale when a resolution of an expired\n"
	  "name takes over MS ms (0: at once)",
	  "1800", .dflt = CONFIG_SERVE_STALE_CLIENT_TIMEOUT_DEFAULT },
	{ "tcp-idle-timeout", 0, U(tcp_idle_timeout, 1, 3600), "S",
	  "close idle TCP connections after S s", "10",
	  .dflt = CONFIG_TCP_IDLE_DEFAULT, .restart = true },
	{ "tcp-max-conns", 0, U(tcp_max_conns, 1, 100000), "N",
	  "open TCP connections at most", "1000",
	  .dflt = CONFIG_TCP_MAX_CONNS_DEFAULT, .restart = true },
	{ "tcp-max-conns-per-client", 0, U(tcp_max_conns_per_client, 1, 100000),
	  "N", "open TCP connections from one address", "32",
	  .dflt = CONFIG_TCP_PER_CLIENT_DEFAULT, .restart = true },
	{ "root-hints", 0, OPT_STR, F(root_hints), 0, 0, NULL, check_path,
	  "FILE", "root hints for recursion", "built in", .restart = true },
	{ "forward", 0, OPT_LIST, F(forward), 0, 0, NULL, check_forward,
	  "ADDR[@PORT]", "forward instead of recursing; repeatable", NULL,
	  .restart = true },
	{ "trust-anchor", 0, OPT_LIST, F(trust_anchor), 0, 0, NULL, check_path,
	  "FILE", "DNSSEC trust anchors (enables validation)", NULL,
	  .restart = true },
	{ "unbound-config", 0, OPT_STR, F(unbound_config), 0, 0, NULL,
	  check_path, "FILE", "unbound.conf settings for libunbound", NULL,
	  .restart = true },
	{ "local-zone-nodefault", 0, OPT_LIST, F(local_zone_nodefault), 0, 0,
	  NULL, check_name, "NAME",
	  "resolve NAME (test., ...) instead of the\n"
	  "built-in local zone; repeatable",
	  NULL, .restart = true },
	{ "user", 'u', OPT_STR, F(user), 0, 0, NULL, NULL, "USER",
	  "run as USER after setup; \"\" keeps root", "xdpdns, else nobody",
	  .restart = true },
	{ "pidfile", 0, OPT_STR, F(pidfile), 0, 0, NULL, check_path, "FILE",
	  "write the daemon's pid to FILE", NULL, .restart = true },
	{ "syslog", 0, OPT_FLAG, F(syslog), 0, 0, NULL, NULL, NULL,
	  "log to syslog instead of stderr", NULL, .restart = true },
	{ "log-level", 0, OPT_ENUM, F(log_level), 0, 0, log_level_names, NULL,
	  "error|warn|info|debug", "log messages up to this level", "info",
	  .dflt = 2 },
	{ "metrics", 0, OPT_STR, F(metrics), 0, 0, NULL, check_hostport,
	  "ADDR:PORT", "Prometheus /metrics and the dashboard", NULL,
	  .restart = true },
	{ "allow", 0, OPT_LIST, F(allow), 0, 0, NULL, check_prefix, "PREFIX",
	  "clients to serve; repeatable", "interface prefixes + loopback" },
	{ "deny", 0, OPT_LIST, F(deny), 0, 0, NULL, check_prefix, "PREFIX",
	  "clients never served (wins); repeatable", NULL },
	{ "ratelimit-exempt", 0, OPT_LIST, F(ratelimit_exempt), 0, 0, NULL,
	  check_prefix, "PREFIX", "clients without rate limits; repeatable",
	  NULL },
	{ "acl-action", 0, OPT_ENUM, F(acl_action), 0, 0, acl_action_names,
	  NULL, "drop|refuse", "what a client outside the ACL gets", "drop" },
	{ "ratelimit", 0, U(ratelimit, 0, 1000000), "QPS",
	  "queries per second per client (0: off)", "50",
	  .dflt = CONFIG_RATELIMIT_DEFAULT },
	{ "ratelimit-burst", 0, U(ratelimit_burst, 0, 100000000), "N",
	  "per-client bucket depth, queries", "4 x --ratelimit" },
	{ "slip", 0, U(slip, 0, 255), "N",
	  "every Nth limited query gets TC=1 (0: none)", "2",
	  .dflt = CONFIG_SLIP_DEFAULT },
	{ "miss-limit", 0, U(miss_limit, 0, 1000000), "QPS",
	  "misses per second per client (0: off)", "20",
	  .dflt = CONFIG_MISS_LIMIT_DEFAULT },
	{ "miss-limit-global", 0, U(miss_limit_global, 0, 100000000), "QPS",
	  "misses per second, all clients (0: off)", "5000",
	  .dflt = CONFIG_MISS_LIMIT_GLOBAL_DEFAULT },
	{ "ratelimit-dry-run", 0, OPT_FLAG, F(ratelimit_dry_run), 0, 0, NULL,
	  NULL, NULL, "count what limits would do, limit nothing", NULL },
	{ "ratelimit-v4-prefix", 0, U(ratelimit_v4_prefix, 8, 32), "N",
	  "IPv4 client aggregation, bits", "32", .dflt = XDPDNS_RL_HOST_V4 },
	{ "ratelimit-v6-prefix", 0, U(ratelimit_v6_prefix, 16, 128), "N",
	  "IPv6 client aggregation, bits (a venue LAN\n"
	  "is one /64: never aggregate it)",
	  "128", .dflt = XDPDNS_RL_HOST_V6 },
	{ "ratelimit-net", 0, U(ratelimit_net, 0, 100000000), "QPS",
	  "queries per second per network (0: off)", "20000",
	  .dflt = CONFIG_RATELIMIT_NET_DEFAULT },
	{ "ratelimit-net-burst", 0, U(ratelimit_net_burst, 0, 1000000000), "N",
	  "per-network bucket depth, queries", "4 x --ratelimit-net" },
	{ "ratelimit-net-v4-prefix", 0, U(ratelimit_net_v4_prefix, 8, 32), "N",
	  "IPv4 network, bits", "24", .dflt = XDPDNS_RL_NET_V4 },
	{ "ratelimit-net-v6-prefix", 0, U(ratelimit_net_v6_prefix, 16, 128),
	  "N", "IPv6 network, bits", "64", .dflt = XDPDNS_RL_NET_V6 },
	{ "ratelimit-wide", 0, U(ratelimit_wide, 0, 100000000), "QPS",
	  "queries per second per wider prefix (0: off)", "40000",
	  .dflt = CONFIG_RATELIMIT_WIDE_DEFAULT },
	{ "ratelimit-wide-burst", 0, U(ratelimit_wide_burst, 0, 1000000000),
	  "N", "per-wider-prefix bucket depth, queries",
	  "4 x --ratelimit-wide" },
	{ "ratelimit-wide-v4-prefix", 0, U(ratelimit_wide_v4_prefix, 8, 32),
	  "N", "IPv4 wider prefix, bits", "20", .dflt = XDPDNS_RL_WIDE_V4 },
	{ "ratelimit-wide-v6-prefix", 0, U(ratelimit_wide_v6_prefix, 16, 128),
	  "N", "IPv6 wider prefix, bits", "56", .dflt = XDPDNS_RL_WIDE_V6 },
	{ "new-source-limit", 0, U(new_source_limit, 0, 100000000), "N",
	  "sources not seen before admitted per second,\n"
	  "all together (0: off)",
	  "200", .dflt = CONFIG_NEW_SOURCE_LIMIT_DEFAULT },
	{ "new-source-burst", 0, U(new_source_burst, 1, 100000000), "N",
	  "new sources admitted at once", "2000",
	  .dflt = CONFIG_NEW_SOURCE_BURST_DEFAULT },
	{ "new-source-first-burst", 0, U(new_source_first_burst, 0, 100000000),
	  "N", "queries a new source may send at once\n(0: a full burst)", "50",
	  .dflt = CONFIG_NEW_SOURCE_FIRST_DEFAULT },
	{ "sample-rate", 0, U(sample_rate, 0, 1000000000), "N",
	  "1 in N queries to the event ring (0: off)", "0" },
	{ "cookies", 0, OPT_ENUM, F(cookies), 0, 0, cookies_names, NULL,
	  "on|off",
	  "DNS cookies (RFC 7873, RFC 9018), in XDP\n"
	  "and the daemon",
	  "on", .dflt = CONFIG_COOKIES_ON },
	{ "cookie-secret-file", 0, OPT_STR, F(cookie_secret_file), 0, 0, NULL,
	  check_path, "FILE",
	  "server cookie secret: 32 hex digits, then\n"
	  "optionally the previous one on a second line\n"
	  "(share it between anycast nodes)",
	  "random, rotated" },
	{ "cookie-rotate", 0, U(cookie_rotate, 0, 100000000), "SECONDS",
	  "replace the random secret this often, the\n"
	  "previous one still accepted (0: never)",
	  "86400", .dflt = CONFIG_COOKIE_ROTATE_DEFAULT },
	{ "cookie-invalid", 0, OPT_ENUM, F(cookie_invalid), 0, 0,
	  cookie_invalid_names, NULL, "process|badcookie|tc",
	  "what a query with an invalid server cookie\n"
	  "gets (under attack: badcookie)",
	  "process" },
	{ "ratelimit-cookie", 0, U(ratelimit_cookie, 0, 100000000), "QPS",
	  "queries per second per client with a valid\n"
	  "server cookie (0: off)",
	  "250", .dflt = CONFIG_RATELIMIT_COOKIE_DEFAULT },
	{ "ratelimit-cookie-burst", 0, U(ratelimit_cookie_burst, 0, 1000000000),
	  "N", "per-cookie-client bucket depth, queries",
	  "4 x --ratelimit-cookie" },
	{ "dnstap", 0, OPT_STR, F(dnstap), 0, 0, NULL, check_dnstap,
	  "unix:PATH|file:PATH",
	  "dnstap log of every query and answer (and\n"
	  "of XDP's sampled answers) to a socket or file",
	  NULL, .restart = true },
	{ "dnstap-identity", 0, OPT_STR, F(dnstap_identity), 0, 0, NULL,
	  check_identity, "NAME", "dnstap identity", "the host name",
	  .restart = true },
	{ "help", 'h', OPT_SPECIAL, 0, 0, 0, NULL, NULL, NULL,
	  "show this help and exit", NULL },
	{ "version", 'V', OPT_SPECIAL, 0, 0, 0, NULL, NULL, NULL,
	  "show the version and exit", NULL },
};

#undef U
#undef F

#define OPT_COUNT (sizeof(config_opt_table) / sizeof(config_opt_table[0]))
const size_t config_opt_count = OPT_COUNT;

static bool opt_str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Whether option @o has the same value in @a and @b. */
static bool opt_same_value(const struct opt_def *o, const struct config *a,
			   const struct config *b)
{
	const char *pa = (const char *)a + o->off,
		   *pb = (const char *)b + o->off;

	switch (o->kind) {
	case OPT_FLAG:
		return *(const bool *)pa == *(const bool *)pb;
	case OPT_UINT:
	case OPT_ENUM:
		return *(const uint32_t *)pa == *(const uint32_t *)pb;
	case OPT_STR:
		return opt_str_same(*(char *const *)pa, *(char *const *)pb);
	case OPT_LIST: {
		const struct config_list *la = (const void *)pa,
					 *lb = (const void *)pb;

		if (la->n != lb->n)
			return false;
		for (size_t i = 0; i < la->n; i++)
			if (!opt_str_same(la->v[i], lb->v[i]))
				return false;
		return true;
	}
	case OPT_SPECIAL:
		break;
	}
	return true;
}

int config_restart_changed(const struct config *old, const struct config *new,
			   char *buf, size_t cap)
{
	size_t len = 0;
	int n = 0;

	if (cap)
		buf[0] = '\0';
	for (size_t i = 0; i < OPT_COUNT; i++) {
		const struct opt_def *o = &config_opt_table[i];
		int w;

		if (!o->restart || opt_same_value(o, old, new))
			continue;
		if (len < cap) {
			w = snprintf(buf + len, cap - len, "%s--%s",
				     n ? ", " : "", o->name);
			len += w > 0 ? (size_t)w : 0;
		}
		n++;
	}
	return n;
}

/* Every value the table gives a default (.dflt); the rest are 0. */
static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < OPT_COUNT; i++) {
		const struct opt_def *o = &config_opt_table[i];

		if (o->kind == OPT_UINT || o->kind == OPT_ENUM)
			*(uint32_t *)((char *)cfg + o->off) = o->dflt;
	}
}

static void list_free(struct config_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int list_add(struct config_list *l, const char *v)
{
	char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	l->v = nv;
	l->v[l->n] = strdup(v);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < OPT_COUNT; i++) {
		const struct opt_def *o = &config_opt_table[i];
		void *p = (char *)cfg + o->off;

		if (o->kind == OPT_LIST)
			list_free(p);
		else if (o->kind == OPT_STR) {
			free(*(char **)p);
			*(char **)p = NULL;
		}
	}
	free(cfg->config_file);
	cfg->config_file = NULL;
}

/*
 * Stores one textual value of option @o into @cfg. @where prefixes the
 * message: "--port" on the command line, "FILE:LINE: port" in a file.
 */
static int opt_set_text(const struct opt_def *o, struct config *cfg,
			const char *val, const char *where, char *err,
			size_t errlen)
{
	void *p = (char *)cfg + o->off;
	char why[160];
	int ret;

	switch (o->kind) {
	case OPT_UINT: {
		unsigned long long v;
		char *end;

		errno = 0;
		if (*val < '0' || *val > '9') {
			seterr(err, errlen, "%s %s: not a number", where, val);
			return -EINVAL;
		}
		v = strtoull(val, &end, 10);
		if (errno || *end) {
			seterr(err, errlen, "%s %s: not a number", where, val);
			return -EINVAL;
		}
		if (v < o->min || v > o->max) {
			seterr(err, errlen, "%s %s: out of range %u..%u", where,
			       val, o->min, o->max);
			return -EINVAL;
		}
		*(uint32_t *)p = (uint32_t)v;
		return 0;
	}
	case OPT_ENUM:
		for (uint32_t i = 0; o->names[i]; i++) {
			if (!strcmp(o->names[i], val)) {
				*(uint32_t *)p = i;
				return 0;
			}
		}
		seterr(err, errlen, "%s %s: expected %s", where, val,
		       o->metavar);
		return -EINVAL;
	case OPT_STR:
	case OPT_LIST:
	case OPT_SPECIAL:
		if (o->check) {
			ret = o->check(val, why, sizeof(why));
			if (ret) {
				seterr(err, errlen, "%s %s: %s", where,
				       *val ? val : "\"\"", why);
				return ret;
			}
		}
		if (o->kind == OPT_LIST)
			return list_add(p, val);
		free(*(char **)p);
		*(char **)p = strdup(val);
		return *(char **)p ? 0 : -ENOMEM;
	case OPT_FLAG:
		*(bool *)p = true;
		return 0;
	}
	return -EINVAL;
}

/* Copies option @o's value from @src into @dst (replacing lists). */
static int opt_copy(const struct opt_def *o, struct config *dst,
		    const struct config *src)
{
	const void *s = (const char *)src + o->off;
	void *d = (char *)dst + o->off;

	switch (o->kind) {
	case OPT_UINT:
	case OPT_ENUM:
		*(uint32_t *)d = *(const uint32_t *)s;
		return 0;
	case OPT_FLAG:
		*(bool *)d = *(const bool *)s;
		return 0;
	case OPT_STR:
		free(*(char **)d);
		*(char **)d = NULL;
		if (!*(char *const *)s)
			return 0;
		*(char **)d = strdup(*(char *const *)s);
		return *(char **)d ? 0 : -ENOMEM;
	case OPT_LIST: {
		const struct config_list *sl = s;

		list_free(d);
		for (size_t i = 0; i < sl->n; i++)
			if (list_add(d, sl->v[i]))
				return -ENOMEM;
		return 0;
	}
	case OPT_SPECIAL:
		return 0;
	}
	return 0;
}

static const struct opt_def *opt_by_name(const char *name)
{
	for (size_t i = 0; i < OPT_COUNT; i++)
		if (!strcmp(config_opt_table[i].name, name))
			return &config_opt_table[i];
	return NULL;
}

/* One setting of the file, @name already looked up as @o. */
static int file_setting(const struct opt_def *o, config_setting_t *s,
			struct config *cfg, const char *where, char *err,
			size_t errlen)
{
	int type = config_setting_type(s);
	char num[32];
	int ret;

	switch (o->kind) {
	case OPT_FLAG:
		if (type != CONFIG_TYPE_BOOL) {
			seterr(err, errlen, "%s: expected true or false",
			       where);
			return -EINVAL;
		}
		*(bool *)((char *)cfg + o->off) = config_setting_get_bool(s);
		return 0;
	case OPT_UINT:
		if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
			long long v = config_setting_get_int64(s);

			snprintf(num, sizeof(num), "%lld", v);
			if (v < 0) {
				seterr(err, errlen,
				       "%s %s: out of range %u..%u", where, num,
				       o->min, o->max);
				return -EINVAL;
			}
			return opt_set_text(o, cfg, num, where, err, errlen);
		}
		seterr(err, errlen, "%s: expected a number", where);
		return -EINVAL;
	case OPT_LIST:
		if (type == CONFIG_TYPE_ARRAY || type == CONFIG_TYPE_LIST) {
			int n = config_setting_length(s);

			list_free((struct config_list *)((char *)cfg + o->off));
			for (int i = 0; i < n; i++) {
				config_setting_t *e =
					config_setting_get_elem(s, i);

				if (config_setting_type(e) !=
				    CONFIG_TYPE_STRING) {
					seterr(err, errlen,
					       "%s: expected a list of strings",
					       where);
					return -EINVAL;
				}
				ret = opt_set_text(o, cfg,
						   config_setting_get_string(e),
						   where, err, errlen);
				if (ret)
					return ret;
			}
			return 0;
		}
		if (type != CONFIG_TYPE_STRING) {
			seterr(err, errlen, "%s: expected a string or a list",
			       where);
			return -EINVAL;
		}
		list_free((struct config_list *)((char *)cfg + o->off));
		return opt_set_text(o, cfg, config_setting_get_string(s), where,
				    err, errlen);
	case OPT_STR:
	case OPT_ENUM:
		if (type != CONFIG_TYPE_STRING) {
			seterr(err, errlen, "%s: expected a string", where);
			return -EINVAL;
		}
		return opt_set_text(o, cfg, config_setting_get_string(s), where,
				    err, errlen);
	case OPT_SPECIAL:
		break;
	}
	seterr(err, errlen, "%s: not allowed in a config file", where);
	return -EINVAL;
}

/*
 * The message quotes what the user gave: a control character in it (a
 * newline in an argument, a file's bytes) becomes '?', so the message
 * stays one line on a terminal and in the journal.
 */
static void err_printable(char *err)
{
	for (; *err; err++)
		if ((unsigned char)*err < 0x20 || *err == 0x7f)
			*err = '?';
}

/*
 * Whether line @line of @text starts with libconfig's include directive
 * (its scanner's rule: blanks, "@include", blanks, a quote).
 */
static bool text_line_includes(const char *line)
{
	line += strspn(line, " \t");
	if (strncmp(line, "@include", 8) != 0)
		return false;
	line += 8;
	return line[strspn(line, " \t")] == '"';
}

int config_load_text(struct config *cfg, const char *text, const char *path,
		     char *err, size_t errlen)
{
	config_setting_t *root;
	int ret = 0, lineno = 1;
	config_t cf;

	/*
	 * libconfig opens an included file itself and its scanner exit()s
	 * the process when reading fails (a directory, an I/O error): the
	 * settings live in one file, read here.
	 */
	for (const char *l = text; l; lineno++) {
		if (text_line_includes(l)) {
			seterr(err, errlen,
			       "%s:%d: @include is not supported: put every setting in one file",
			       path, lineno);
			return -EINVAL;
		}
		l = strchr(l, '\n');
		l = l ? l + 1 : NULL;
	}
	config_init(&cf);
	if (config_read_string(&cf, text) != CONFIG_TRUE) {
		seterr(err, errlen, "%s:%d: %s", path, config_error_line(&cf),
		       config_error_text(&cf));
		ret = -EINVAL;
		goto out;
	}
	root = config_root_setting(&cf);
	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *s = config_setting_get_elem(root, i);
		const char *name = config_setting_name(s);
		const struct opt_def *o = opt_by_name(name);
		char where[PATH_MAX + 96];

		snprintf(where, sizeof(where), "%s:%d: %s", path,
			 config_setting_source_line(s), name);
		if (!o || o->kind == OPT_SPECIAL) {
			seterr(err, errlen, "%s:%d: unknown setting '%s'", path,
			       config_setting_source_line(s), name);
			ret = -EINVAL;
			goto out;
		}
		ret = file_setting(o, s, cfg, where, err, errlen);
		if (ret)
			goto out;
	}
out:
	config_destroy(&cf);
	err_printable(err);
	return ret;
}

/*
 * Reads the whole file at @path (at most CONFIG_FILE_MAX bytes, no NUL)
 * into a string the caller frees. Return: 0 or -errno, with @err set.
 */
static int config_read_all(const char *path, char **out, char *err,
			   size_t errlen)
{
	size_t len = 0, cap = 4096;
	char *buf = NULL, *nb;
	FILE *fp;
	int ret = 0;

	*out = NULL;
	fp = fopen(path, "r");
	if (!fp) {
		ret = -errno;
		seterr(err, errlen, "--config %s: %s", path, strerror(errno));
		return ret;
	}
	for (;;) {
		size_t n;

		if (!buf || len + 1 == cap) {
			if (buf)
				cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - 1 - len, fp);
		len += n;
		if (ferror(fp)) {
			ret = errno ? -errno : -EIO;
			seterr(err, errlen, "--config %s: %s", path,
			       strerror(-ret));
			goto out;
		}
		if (len > CONFIG_FILE_MAX) {
			ret = -EFBIG;
			seterr(err, errlen, "--config %s: larger than %d bytes",
			       path, CONFIG_FILE_MAX);
			goto out;
		}
		if (feof(fp))
			break;
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		size_t line = 1;

		for (const char *c = buf; *c; c++)
			line += *c == '\n';
		ret = -EINVAL;
		seterr(err, errlen, "%s:%zu: a NUL byte: not a text file", path,
		       line);
		goto out;
	}
	*out = buf;
	buf = NULL;
out:
	free(buf);
	fclose(fp);
	return ret;
}

static int config_load_file(struct config *cfg, const char *path, char *err,
			    size_t errlen)
{
	char *text;
	int ret;

	ret = config_read_all(path, &text, err, errlen);
	if (ret)
		return ret;
	ret = config_load_text(cfg, text, path, err, errlen);
	free(text);
	return ret;
}

/* Cross-option checks once everything is merged. */
static int config_validate(const struct config *cfg, char *err, size_t errlen)
{
	if (!cfg->no_xdp && !cfg->interface) {
		seterr(err, errlen,
		       "no --interface given: name the client-facing interface, or use --no-xdp");
		return -EINVAL;
	}
	if (cfg->no_xdp && (cfg->afxdp || cfg->no_xdp_cache)) {
		seterr(err, errlen, "--%s needs the XDP program: drop --no-xdp",
		       cfg->afxdp ? "afxdp" : "no-xdp-cache");
		return -EINVAL;
	}
	if (cfg->listen.n == 0) {
		seterr(err, errlen,
		       "no --listen address given: name the service address(es)");
		return -EINVAL;
	}
	if (cfg->listen.n > 64) {
		seterr(err, errlen, "--listen: at most 64 addresses");
		return -EINVAL;
	}
	if (cfg->min_ttl > cfg->max_ttl) {
		seterr(err, errlen, "--min-ttl %u is above --max-ttl %u",
		       cfg->min_ttl, cfg->max_ttl);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->listen.n; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(cfg->listen.v[i], cfg->listen.v[j])) {
				seterr(err, errlen, "--listen %s: given twice",
				       cfg->listen.v[i]);
				return -EINVAL;
			}
	return 0;
}

/* getopt_long()'s value of the long option of config_opt_table[i]. */
#define CONFIG_LONGOPT_VAL 256

/*
 * Why getopt_long() refused the long option @arg ("--name" or
 * "--name=value"): an abbreviation of several options, a value for a flag,
 * or no such option.
 */
static void long_option_error(const char *arg, char *err, size_t errlen)
{
	const char *name = arg + 2;
	size_t n = strcspn(name, "="), matches = 0, len = 0;
	const struct opt_def *one = NULL;
	char list[256] = "";

	for (size_t i = 0; i < OPT_COUNT; i++) {
		const struct opt_def *o = &config_opt_table[i];

		if (strncmp(o->name, name, n) != 0)
			continue;
		if (!o->name[n]) { /* exact: the only candidate */
			one = o;
			matches = 1;
			break;
		}
		one = o;
		matches++;
		if (len < sizeof(list)) {
			int w = snprintf(list + len, sizeof(list) - len,
					 "%s--%s", len ? ", " : "", o->name);

			len += w > 0 ? (size_t)w : 0;
		}
	}
	if (matches > 1)
		seterr(err, errlen, "ambiguous option '--%.*s' (%s)", (int)n,
		       name, list);
	else if (matches == 1 && name[n] == '=')
		seterr(err, errlen, "option '--%s' takes no value", one->name);
	else
		seterr(err, errlen, "unknown option '%s' (see --help)", arg);
}

int config_build(int argc, char *const argv[], struct config *cfg, char *err,
		 size_t errlen)
{
	struct option longopts[OPT_COUNT + 1];
	bool set[OPT_COUNT] = { false };
	char shortopts[2 * OPT_COUNT + 2], *sp = shortopts;
	struct config cli;
	int ret = 0, c, idx;

	config_defaults(cfg);
	config_defaults(&cli);
	err[0] = '\0';
	*sp++ = ':'; /* report a missing argument as ':' */
	for (size_t i = 0; i < OPT_COUNT; i++) {
		const struct opt_def *o = &config_opt_table[i];
		bool arg = o->kind != OPT_FLAG && o->metavar;

		/*
		 * A value of its own per option: getopt_long() takes an
		 * abbreviation that several options share for the first of
		 * them when they agree in has_arg, flag and val ("--max 5"
		 * as --max-ttl); told apart, it reports it ambiguous.
		 */
		longopts[i] =
			(struct option){ o->name,
					 arg ? required_argument : no_argument,
					 NULL, CONFIG_LONGOPT_VAL + (int)i };
		if (o->short_name) {
			*sp++ = (char)o->short_name;
			if (arg)
				*sp++ = ':';
		}
	}
	*sp = '\0';
	longopts[OPT_COUNT] = (struct option){ 0 };

	opterr = 0;
	optind = 0; /* full reinitialisation: config_build() may run again */
	for (;;) {
		const struct opt_def *o = NULL;
		char where[64];

		idx = -1;
		c = getopt_long(argc, argv, shortopts, longopts, &idx);
		if (c == -1)
			break;
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];

			if (c == ':')
				seterr(err, errlen, "option '%s' needs a value",
				       bad);
			else if (!strncmp(bad, "--", 2))
				long_option_error(bad, err, errlen);
			else if (optopt)
				seterr(err, errlen,
				       "unknown option '-%c' (see --help)",
				       optopt);
			else
				seterr(err, errlen,
				       "unknown option '%s' (see --help)", bad);
			ret = -EINVAL;
			goto out;
		}
		if (idx >= 0) {
			o = &config_opt_table[idx];
		} else {
			for (size_t i = 0; i < OPT_COUNT; i++)
				if (config_opt_table[i].short_name == c)
					o = &config_opt_table[i];
		}
		if (!o) {
			seterr(err, errlen, "unknown option (see --help)");
			ret = -EINVAL;
			goto out;
		}
		if (!strcmp(o->name, "help")) {
			ret = CONFIG_HELP;
			goto out;
		}
		if (!strcmp(o->name, "version")) {
			ret = CONFIG_VERSION;
			goto out;
		}
		snprintf(where, sizeof(where), "--%s", o->name);
		/* Repeated scalars: the last one wins; lists accumulate. */
		ret = opt_set_text(o, &cli, optarg ? optarg : "", where, err,
				   errlen);
		if (ret)
			goto out;
		set[o - config_opt_table] = true;
	}
	if (optind < argc) {
		seterr(err, errlen, "unexpected argument '%s' (see --help)",
		       argv[optind]);
		ret = -EINVAL;
		goto out;
	}

	if (cli.config_file) {
		cfg->config_file = strdup(cli.config_file);
		if (!cfg->config_file) {
			ret = -ENOMEM;
			goto out;
		}
		ret = config_load_file(cfg, cfg->config_file, err, errlen);
		if (ret)
			goto out;
	}
	for (size_t i = 0; i < OPT_COUNT; i++) {
		if (!set[i])
			continue;
		ret = opt_copy(&config_opt_table[i], cfg, &cli);
		if (ret)
			goto out;
	}
	/* The one string with a default value (the others mean "none"). */
	if (!cfg->pin_dir) {
		cfg->pin_dir = strdup(XDPDNS_PIN_DIR_DEFAULT);
		if (!cfg->pin_dir) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = config_validate(cfg, err, errlen);
out:
	if (ret == -ENOMEM)
		seterr(err, errlen, "out of memory parsing options");
	err_printable(err);
	config_free(&cli);
	return ret;
}

static int check_readable(const char *opt, const char *path, char *err,
			  size_t errlen)
{
	int ret;

	if (!access(path, R_OK))
		return 0;
	ret = -errno;
	seterr(err, errlen, "--%s %s: %s", opt, path, strerror(-ret));
	return ret;
}

int config_check_files(const struct config *cfg, char *err, size_t errlen)
{
	int ret = 0;

	if (cfg->root_hints)
		ret = check_readable("root-hints", cfg->root_hints, err,
				     errlen);
	if (!ret && cfg->unbound_config)
		ret = check_readable("unbound-config", cfg->unbound_config, err,
				     errlen);
	for (size_t i = 0; i < cfg->trust_anchor.n && !ret; i++)
		ret = check_readable("trust-anchor", cfg->trust_anchor.v[i],
				     err, errlen);
	if (!ret && cfg->cookies == CONFIG_COOKIES_ON &&
	    cfg->cookie_secret_file) {
		struct xdpdns_cookie_keys k;

		ret = cookie_load_secrets(cfg->cookie_secret_file, &k, err,
					  errlen) ?
			      -EINVAL :
			      0;
		explicit_bzero(&k, sizeof(k));
	}
	return ret;
}

uint32_t config_rl_burst(const struct config *cfg)
{
	uint64_t b = cfg->ratelimit_burst ?
			     cfg->ratelimit_burst :
			     (uint64_t)cfg->ratelimit * CONFIG_BURST_FACTOR;

	return b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
}

uint32_t config_miss_burst(const struct config *cfg)
{
	uint64_t b = (uint64_t)cfg->miss_limit * CONFIG_BURST_FACTOR;

	return b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
}

static uint32_t burst_of(uint32_t burst, uint32_t rate)
{
	uint64_t b = burst ? burst : (uint64_t)rate * CONFIG_BURST_FACTOR;

	return b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
}

uint32_t config_net_burst(const struct config *cfg)
{
	return burst_of(cfg->ratelimit_net_burst, cfg->ratelimit_net);
}

uint32_t config_wide_burst(const struct config *cfg)
{
	return burst_of(cfg->ratelimit_wide_burst, cfg->ratelimit_wide);
}

uint32_t config_cookie_burst(const struct config *cfg)
{
	return burst_of(cfg->ratelimit_cookie_burst, cfg->ratelimit_cookie);
}

uint32_t config_gmiss_burst(const struct config *cfg)
{
	return cfg->miss_limit_global;
}

void config_usage(FILE *f)
{
	fprintf(f,
		"Usage: xdpdnsd --interface IF --listen ADDR [OPTION]...\n"
		"Recursive DNS resolver (libunbound) whose hot answers are served by an\n"
		"XDP program on IF. Every option can also be set in the --config file\n"
		"under its long name (lists for repeatable ones); the command line wins.\n"
		"\n");
	for (size_t i = 0; i < OPT_COUNT; i++) {
		const struct opt_def *o = &config_opt_table[i];
		char lhs[64];
		int n;

		if (o->short_name)
			n = snprintf(lhs, sizeof(lhs), "  -%c, --%s",
				     o->short_name, o->name);
		else
			n = snprintf(lhs, sizeof(lhs), "      --%s", o->name);
		if (o->metavar && o->kind != OPT_FLAG)
			snprintf(lhs + n, sizeof(lhs) - n, " %s", o->metavar);
		if (strlen(lhs) < 34)
			fprintf(f, "%-34s", lhs);
		else
			fprintf(f, "%s\n%-34s", lhs, "");
		/* Help text may hold line breaks: indent what follows. */
		for (const char *h = o->help; *h; h++) {
			fputc(*h, f);
			if (*h == '\n')
				fprintf(f, "%-34s", "");
		}
		fputc('\n', f);
		if (o->def)
			fprintf(f, "%-34s(default: %s)\n", "", o->def);
	}
	fprintf(f,
		"\nExit status: 0 on a clean stop, 1 on a runtime error, 2 on a bad option,\n"
		"file or value. SIGHUP re-reads the config file: limits, ACLs, TTL caps\n"
		"and the log level change live, the cache is kept.\n");
}

/*
 * The lines the shipped xdpdnsd.conf sets, in libconfig syntax: a recursive
 * resolver for this host only, as unbound answers localhost only out of the
 * box, so the service starts on any machine right after installation. The
 * pidfile lives in the unit's RuntimeDirectory (tools/systemd).
 */
static const struct {
	const char *name;
	const char *value;
} example_set[] = {
	{ "listen", "[\"127.0.0.1\", \"::1\"]" },
	{ "no-xdp", "true" },
	{ "pidfile", "\"/run/xdpdns/xdpdnsd.pid\"" },
};

static const char example_head[] =
	"xdpdnsd.conf: settings for xdpdnsd(8), in libconfig syntax.\n"
	"\n"
	"Keys are xdpdnsd's long options. Strings go in double quotes, numbers "
	"bare, flags are true or false, a repeatable option takes a list:\n"
	"    listen = [\"192.0.2.53\", \"2001:db8::53\"];\n"
	"The command line wins over this file. SIGHUP (systemctl reload "
	"xdpdnsd) re-reads it: limits, ACLs, TTL caps and the log level change "
	"live, the cache is kept; the daemon reads it as its --user then, so "
	"keep it readable for that user.\n"
	"\n"
	"As shipped, xdpdnsd is a recursive resolver for this host only, like "
	"unbound's default: no XDP program, answers on 127.0.0.1 and ::1 port "
	"53. Every other option is listed below with its help and default, "
	"commented out.\n"
	"\n"
	"To enable XDP on your uplink: set interface to the client-facing NIC "
	"and listen to the addresses clients send their queries to on it, "
	"delete the no-xdp line, and name the client prefixes in allow when "
	"they are not the interface's own. A driver without native XDP needs "
	"xdp-mode = \"skb\". The maps are pinned under pin-dir, on the BPF "
	"filesystem at /sys/fs/bpf (the systemd unit mounts it when it is "
	"missing). Then systemctl restart xdpdnsd: a reload does not attach "
	"XDP.\n";

/* Writes @text as "# " comment lines wrapped at 76 columns. */
static void example_comment(FILE *f, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *end = p + len;

		if (!len)
			fputs("#\n", f);
		while (p < end) {
			size_t n = end - p;

			if (n > 74) {
				n = 74;
				while (n > 0 && p[n] != ' ')
					n--;
				if (n == 0)
					n = 74;
			}
			fprintf(f, "# %.*s\n", (int)n, p);
			p += n;
			while (p < end && *p == ' ')
				p++;
		}
		p = eol ? eol + 1 : end;
	}
}

/*
 * The default of @o as a value in the file, into @buf; false when the table
 * gives it in words ("built in", "4 x --ratelimit"): numbers, enum names,
 * absolute paths and flags (always off) are values.
 */
bool config_opt_default_value(const struct opt_def *o, char *buf, size_t cap)
{
	const char *d = o->def;

	if (o->kind == OPT_FLAG) {
		snprintf(buf, cap, "false");
		return true;
	}
	if (!d)
		return false;
	if (o->kind == OPT_UINT && d[strspn(d, "0123456789")] == '\0') {
		snprintf(buf, cap, "%s", d);
		return true;
	}
	if (o->kind == OPT_ENUM) {
		for (size_t i = 0; o->names[i]; i++)
			if (!strcmp(o->names[i], d)) {
				snprintf(buf, cap, "\"%s\"", d);
				return true;
			}
	}
	if (o->kind == OPT_STR && d[0] == '/') {
		snprintf(buf, cap, "\"%s\"", d);
		return true;
	}
	return false;
}

/* A stand-in value for an option without a default: its metavar. */
static void opt_placeholder(const struct opt_def *o, char *buf, size_t cap)
{
	if (o->kind == OPT_LIST)
		snprintf(buf, cap, "[\"%s\"]", o->metavar);
	else if (o->kind == OPT_UINT)
		snprintf(buf, cap, "%s", o->metavar);
	else
		snprintf(buf, cap, "\"%s\"", o->metavar);
}

void config_write_example(FILE *f)
{
	example_comment(f, example_head);
	for (size_t i = 0; i < OPT_COUNT; i++) {
		const struct opt_def *o = &config_opt_table[i];
		const char *active = NULL;
		char help[256], val[PATH_MAX + 8];
		bool literal;
		size_t j;

		if (o->kind == OPT_SPECIAL)
			continue;
		for (j = 0; j < sizeof(example_set) / sizeof(example_set[0]);
		     j++)
			if (!strcmp(example_set[j].name, o->name))
				active = example_set[j].value;
		snprintf(help, sizeof(help), "%s", o->help);
		for (char *c = help; *c; c++)
			if (*c == '\n')
				*c = ' ';
		fputc('\n', f);
		example_comment(f, help);
		/* The commented line shows the default, or says it. */
		literal = config_opt_default_value(o, val, sizeof(val));
		if (o->def && (active || !literal))
			fprintf(f, "# Default: %s.\n", o->def);
		if (active) {
			fprintf(f, "%s = %s;\n", o->name, active);
			continue;
		}
		if (!literal)
			opt_placeholder(o, val, sizeof(val));
		fprintf(f, "#%s = %s;\n", o->name, val);
	}
}

static const char man_description[] =
	"is a recursive DNS resolver for networks that fill up fast: a "
	"conference hall, a campus, an ISP edge. An XDP program on the "
	"client-facing interface answers hot queries straight from a BPF map, "
	"in the driver, and rate-limits floods there; xdpdnsd resolves "
	"everything else through libunbound (full recursion, DNSSEC validation "
	"when a trust anchor is given), answers the client, writes cacheable "
	"answers into the map the XDP program serves and re-resolves hot "
	"entries shortly before they expire.\n"
	".PP\n"
	"With --no-xdp it is a plain recursive resolver on the --listen "
	"addresses, without any BPF.\n"
	".PP\n"
	"Setup runs as root: the XDP program is loaded and attached (with "
	"libxdp, so it shows in xdp-loader status and shares the interface), "
	"its maps are pinned under --pin-dir (a restart finds the cache warm), "
	"the listening sockets are bound and the pidfile written. Then the "
	"process splits into a root monitor and the daemon, which runs as "
	"--user with no capability but CAP_BPF (none without XDP). The monitor "
	"holds the attached program, the pins and the sockets, forwards "
	"signals, and starts a new daemon after a backoff when one crashes, "
	"while XDP goes on answering cached names.\n";

static const char man_config_file[] =
	"Every option except --config, --help and --version can be set in the "
	"file named with --config, in libconfig syntax, under its long name: "
	"strings in double quotes, numbers bare, flags true or false, "
	"repeatable options as lists:\n"
	".PP\n"
	".RS\n"
	".nf\n"
	"interface = \"eth1\";\n"
	"listen = [\"192.0.2.53\", \"2001:db8::53\"];\n"
	"ratelimit = 100;\n"
	"ratelimit-dry-run = true;\n"
	".fi\n"
	".RE\n"
	".PP\n"
	"The command line wins over the file. /etc/xdpdns/xdpdnsd.conf, as "
	"installed, lists every option with its help and default. The file "
	"is one text file of at most 1 MiB; libconfig's @include is not "
	"supported.\n";

static const char man_rest[] =
	".SH SIGNALS\n"
	".TP\n"
	".B SIGHUP\n"
	"Reload: the daemon reads the configuration file again, applies the "
	"command line on top, and changes rate limits, ACLs, TTL caps, "
	"--max-outstanding (lower only), --resolve-timeout and the log level "
	"live; the cache is kept. Settings that need a restart (";

/* After the list of restart-only options, which the table gives. */
static const char man_rest2[] =
	") keep their values, with a warning. The file is read "
	"as --user, so it must be readable by that user. A file that does not "
	"parse leaves the running settings in place. systemctl reload xdpdnsd "
	"sends it.\n"
	".TP\n"
	".B SIGUSR1\n"
	"Flush: the daemon drops its own copy of the answers, libunbound's "
	"whole cache and, with XDP, every entry of the XDP cache map, as "
	"xdpdnsctl cache flush does; the way to purge under --no-xdp, where "
	"xdpdnsctl has no maps to work with. The monitor forwards it.\n"
	".TP\n"
	".BR SIGTERM \", \" SIGINT\n"
	"Stop: the daemon ends, the monitor detaches the XDP program (unless "
	"--keep-xdp-on-exit) and removes the pidfile; the pinned maps stay, so "
	"the next start finds the cache warm. systemctl stop xdpdnsd sends "
	"it.\n"
	".SH FILES\n"
	".TP\n"
	".I /etc/xdpdns/xdpdnsd.conf\n"
	"The configuration the xdpdnsd.service unit passes with --config; "
	"xdpdnsd reads no file unless one is named.\n"
	".TP\n"
	".I " XDPDNS_PIN_DIR_DEFAULT "/\n"
	"The pinned maps (default --pin-dir), read by xdpdnsctl(8) and "
	"bpftool(8) also while the daemon is down.\n"
	".TP\n"
	".I /run/xdpdns/xdpdnsd.pid\n"
	"The monitor's process ID, as the installed configuration sets "
	"--pidfile.\n"
	".TP\n"
	".I xdpdnsd.service\n"
	"The systemd unit: systemctl start, reload, stop xdpdnsd; journalctl "
	"-u xdpdnsd shows the log.\n"
	".SH EXIT STATUS\n"
	".TP\n"
	".B 0\n"
	"Clean stop, or --help or --version.\n"
	".TP\n"
	".B 1\n"
	"Runtime error: cannot attach XDP or bind a socket, another xdpdnsd "
	"holds --pin-dir, daemons kept dying before they were ready.\n"
	".TP\n"
	".B 2\n"
	"Bad option, value or configuration file, or no BPF file system for "
	"--pin-dir (one line on stderr names it); the monitor does not "
	"restart a daemon that exits 2.\n"
	".SH SEE ALSO\n"
	".BR xdpdnsctl (8),\n"
	".BR unbound (8),\n"
	".BR unbound.conf (5),\n"
	".BR bpftool (8),\n"
	".BR xdp\\-loader (8),\n"
	".BR systemctl (1),\n"
	".BR journalctl (1)\n";

void config_write_man(FILE *f, const char *date)
{
	roff_header(f, "XDPDNSD", date, config_version());
	fputs(".SH NAME\nxdpdnsd \\- DNS resolver whose hot answers are served "
	      "by XDP\n",
	      f);
	fputs(".SH SYNOPSIS\n", f);
	fputs(".B xdpdnsd\n", f);
	roff_usage(f, "--interface IF --listen ADDR [OPTION]...");
	fputs("\n.br\n.B xdpdnsd\n", f);
	roff_usage(f, "--no-xdp --listen ADDR [OPTION]...");
	fputs("\n.br\n.B xdpdnsd\n", f);
	roff_usage(f, "--config FILE [OPTION]...");
	fputs("\n.SH DESCRIPTION\n.B xdpdnsd\n", f);
	roff_raw(f, man_description);
	fputs(".SH OPTIONS\n", f);
	for (size_t i = 0; i < OPT_COUNT; i++) {
		const struct opt_def *o = &config_opt_table[i];

		fputs(".TP\n", f);
		if (o->short_name)
			fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
		fprintf(f, "\\fB\\-\\-");
		roff_text(f, o->name, true);
		fputs("\\fR", f);
		if (o->metavar && o->kind != OPT_FLAG) {
			fputc(' ', f);
			roff_usage(f, o->metavar);
		}
		fputc('\n', f);
		roff_text(f, o->help, true);
		if (o->def) {
			fputs(" (default: ", f);
			roff_text(f, o->def, true);
			fputc(')', f);
		}
		fputc('\n', f);
	}
	fputs(".SH CONFIGURATION FILE\n", f);
	roff_raw(f, man_config_file);
	roff_raw(f, man_rest);
	for (size_t i = 0, n = 0; i < OPT_COUNT; i++) {
		if (!config_opt_table[i].restart)
			continue;
		fprintf(f, "%s\\-\\-%s", n++ ? ", " : "",
			config_opt_table[i].name);
	}
	roff_raw(f, man_rest2);
}

const char *config_version(void)
{
	return XDPDNS_VERSION;
}
