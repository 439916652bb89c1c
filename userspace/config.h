/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdpdnsd's settings: one option table drives the command line, the
 * libconfig file (same keys as the long options, lists for repeatable ones),
 * --help and validation. The command line wins over the file; SIGHUP builds
 * a fresh config from the same argv and the file as it is now.
 */
#ifndef XDPDNS_CONFIG_H
#define XDPDNS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Room for one error line from the parser. */
#define CONFIG_ERR_MAX 512

/* Defaults that --help shows and tests check. */
#define CONFIG_PORT_DEFAULT 53
#define CONFIG_MAX_TTL_DEFAULT 86400
#define CONFIG_MAX_NEG_TTL_DEFAULT 300
#define CONFIG_MAX_OUTSTANDING_DEFAULT 4096
/* --threads at most: one per CPU of a large box. */
#define CONFIG_THREADS_MAX 64
#define CONFIG_TCP_IDLE_DEFAULT 10
#define CONFIG_TCP_MAX_CONNS_DEFAULT 1000
/*
 * A stub keeps one or two connections to its resolver; 32 leaves room for
 * a few clients behind one NATed address and stops one outsider-free but
 * hostile host from taking all --tcp-max-conns slots that the TC=1
 * fallback of every other client needs.
 */
#define CONFIG_TCP_PER_CLIENT_DEFAULT 32
/*
 * Seconds a resolution may take before every client waiting for it gets
 * SERVFAIL (--resolve-timeout). Stub resolvers give up after about 5 s
 * (glibc's default timeout, Windows' first retry), so an answer after that
 * helps nobody: 4 s leaves an unreachable or silent authority time to be
 * retried elsewhere by libunbound and still tells the client before it
 * stops listening. libunbound itself may keep trying for much longer.
 */
#define CONFIG_RESOLVE_TIMEOUT_DEFAULT 4
/*
 * Venue defaults for flood control: a laptop or phone loading a busy page
 * asks 20-60 names in a second, so 50 q/s with a 4 s bucket never touches
 * a person, while one stuck or malicious client is held to well under 1% of
 * what a resolver box answers. Misses cost recursion, so their budget is
 * smaller. The prefix stages are sized for a whole hall in one prefix
 * (2,000 clients in one IPv6 /64 or IPv4 /20, 254 in a /24, README "Flood
 * control"), the new-source bucket for a hall arriving at once, the global
 * miss cap from what one 2-core box resolves.
 */
#define CONFIG_RATELIMIT_DEFAULT 50
#define CONFIG_MISS_LIMIT_DEFAULT 20
#define CONFIG_MISS_LIMIT_GLOBAL_DEFAULT 5000
#define CONFIG_RATELIMIT_NET_DEFAULT 20000
#define CONFIG_RATELIMIT_WIDE_DEFAULT 40000
#define CONFIG_NEW_SOURCE_LIMIT_DEFAULT 200
#define CONFIG_NEW_SOURCE_BURST_DEFAULT 2000
#define CONFIG_NEW_SOURCE_FIRST_DEFAULT 50
#define CONFIG_BURST_FACTOR 4
#define CONFIG_SLIP_DEFAULT 2
/* A client that proved its address with a valid DNS cookie is one client,
 * not a spoofed flood: five times the per-client rate (unbound's
 * ip-ratelimit-cookie plays the same part). The random secret of a daemon
 * without --cookie-secret-file is replaced daily, the previous one still
 * accepted for a day. */
#define CONFIG_RATELIMIT_COOKIE_DEFAULT 250
#define CONFIG_COOKIE_ROTATE_DEFAULT 86400
/* Serve-stale (RFC 8767), with unbound's serve-expired defaults: a day,
 * 30 s, and the 1.8 s client timeout the RFC recommends. */
#define CONFIG_SERVE_STALE_MAX_DEFAULT 86400
#define CONFIG_SERVE_STALE_TTL_DEFAULT 30
#define CONFIG_SERVE_STALE_CLIENT_TIMEOUT_DEFAULT 1800

enum config_xdp_mode { CONFIG_XDP_NATIVE, CONFIG_XDP_SKB };
enum config_acl_action { CONFIG_ACL_DROP, CONFIG_ACL_REFUSE };
enum config_cookies { CONFIG_COOKIES_OFF, CONFIG_COOKIES_ON };

struct config_list {
	char **v;
	size_t n;
};

struct config {
	char *config_file;
	char *interface;
	struct config_list listen;
	uint32_t port;
	uint32_t xdp_mode; /* enum config_xdp_mode */
	bool no_xdp;
	bool afxdp; /* misses over AF_XDP sockets */
	bool no_xdp_cache; /* XDPDNS_CFG_NO_CACHE */
	char *pin_dir;
	bool keep_xdp_on_exit;
	uint32_t cache_size;
	char *cache_split; /* NULL: XDPDNS_CACHE_SPLIT_DEFAULT */
	uint32_t edns_size;
	uint32_t min_ttl;
	uint32_t max_ttl;
	uint32_t max_negative_ttl;
	uint32_t max_outstanding;
	uint32_t threads; /* UDP threads; 0 until main() counts the CPUs */
	uint32_t resolve_timeout; /* seconds; CONFIG_RESOLVE_TIMEOUT_DEFAULT */
	uint32_t serve_stale_max; /* seconds past expiry; 0: no serve-stale */
	uint32_t serve_stale_ttl; /* seconds */
	uint32_t serve_stale_client_timeout; /* ms */
	uint32_t tcp_idle_timeout;
	uint32_t tcp_max_conns;
	uint32_t tcp_max_conns_per_client;
	char *root_hints;
	struct config_list forward;
	struct config_list trust_anchor;
	char *unbound_config;
	struct config_list local_zone_nodefault;
	char *user; /* NULL: xdpdns, else nobody, else root; "": root */
	char *pidfile;
	bool syslog;
	uint32_t log_level; /* enum log_level */
	char *metrics;
	struct config_list allow;
	struct config_list deny;
	struct config_list ratelimit_exempt;
	uint32_t acl_action; /* enum config_acl_action */
	uint32_t ratelimit;
	uint32_t ratelimit_burst; /* 0: CONFIG_BURST_FACTOR x ratelimit */
	uint32_t slip;
	uint32_t miss_limit;
	uint32_t miss_limit_global;
	bool ratelimit_dry_run;
	uint32_t ratelimit_v4_prefix;
	uint32_t ratelimit_v6_prefix;
	uint32_t ratelimit_net;
	uint32_t ratelimit_net_burst; /* 0: CONFIG_BURST_FACTOR x the rate */
	uint32_t ratelimit_net_v4_prefix;
	uint32_t ratelimit_net_v6_prefix;
	uint32_t ratelimit_wide;
	uint32_t ratelimit_wide_burst; /* 0: CONFIG_BURST_FACTOR x the rate */
	uint32_t ratelimit_wide_v4_prefix;
	uint32_t ratelimit_wide_v6_prefix;
	uint32_t new_source_limit;
	uint32_t new_source_burst;
	uint32_t new_source_first_burst;
	uint32_t sample_rate;
	uint32_t cookies; /* enum config_cookies */
	char *cookie_secret_file;
	uint32_t cookie_rotate; /* seconds; without a secret file */
	uint32_t cookie_invalid; /* enum xdpdns_cookie_policy */
	uint32_t ratelimit_cookie;
	uint32_t ratelimit_cookie_burst; /* 0: CONFIG_BURST_FACTOR x the rate */
	char *dnstap; /* "unix:PATH" or "file:PATH"; NULL: off */
	char *dnstap_identity; /* NULL: the host name */
};

/* What config_build() asks the caller to do besides running. */
enum config_result {
	CONFIG_RUN = 0,
	CONFIG_HELP = 1, /* --help: print config_usage(), exit 0 */
	CONFIG_VERSION = 2, /* --version: print it, exit 0 */
};

/**
 * config_build() - defaults, then the --config file, then the command line.
 * @argv: as main() got it; not modified, may be reparsed on every reload.
 * @cfg: out; release with config_free() (also after an error).
 * @err: CONFIG_ERR_MAX bytes; one line naming the option, file and value.
 *
 * Return: enum config_result, or -EINVAL (bad option or value: exit 2),
 * -ENOENT/-EACCES/... (config file unreadable: exit 2), -ENOMEM.
 */
int config_build(int argc, char *const argv[], struct config *cfg, char *err,
		 size_t errlen);

void config_free(struct config *cfg);

/* Largest --config file read. */
#define CONFIG_FILE_MAX (1024 * 1024)

/**
 * config_load_text() - the settings of a config file's text, over @cfg.
 * @text: libconfig syntax, keys the long options, as --config reads it
 *        (the file is read whole first, so a read error is reported
 *        once here rather than inside libconfig); @include is refused.
 * @path: names the file in messages, "PATH:LINE: ...".
 *
 * Return: 0 or -EINVAL with one line in @err (CONFIG_ERR_MAX bytes).
 */
int config_load_text(struct config *cfg, const char *text, const char *path,
		     char *err, size_t errlen);

/**
 * config_check_files() - whether the files @cfg names for libunbound
 * (--root-hints, --unbound-config, every --trust-anchor) can be read, and
 * whether --cookie-secret-file holds usable secrets.
 * libunbound reads some of them only at the first query; checked here, a
 * missing one is a usage error with one line instead of a failing daemon.
 * @err: CONFIG_ERR_MAX bytes; "--root-hints FILE: No such file or directory".
 *
 * Return: 0, or -errno of the first unreadable file (exit 2).
 */
int config_check_files(const struct config *cfg, char *err, size_t errlen);

/**
 * config_restart_changed() - the options SIGHUP cannot apply (the table's
 * restart flag) whose value differs between @old and @new.
 * @buf: their names, "--interface, --port" (cut to @cap).
 * Return: how many.
 */
int config_restart_changed(const struct config *old, const struct config *new,
			   char *buf, size_t cap);

/* Prints the option list with every default to @f. */
void config_usage(FILE *f);

/*
 * config_write_man() - xdpdnsd(8) in man(7) roff, from the same option
 * table as config_usage(): every option with its help and default.
 * @date: for the page footer, e.g. "2025-12-02".
 */
void config_write_man(FILE *f, const char *date);

/*
 * config_write_example() - the xdpdnsd.conf the package ships: every
 * option the file takes, with its help and default, commented out, except
 * the few lines that make it a resolver for this host only (no XDP,
 * 127.0.0.1 and ::1, the pidfile under /run/xdpdns).
 */
void config_write_example(FILE *f);

/* Where --dnstap writes. */
enum config_dnstap_kind { CONFIG_DNSTAP_UNIX = 1, CONFIG_DNSTAP_FILE = 2 };

/**
 * config_dnstap_parse() - the kind and path of a --dnstap value.
 * @v: "unix:PATH" or "file:PATH".
 * @path: out, points into @v after the prefix.
 * @why: the problem, without the option's name, on failure.
 *
 * Return: enum config_dnstap_kind, or -EINVAL (no known prefix, no path,
 * a path too long).
 */
int config_dnstap_parse(const char *v, const char **path, char *why,
			size_t cap);

/* Burst depths after the defaults that depend on the rates. */
uint32_t config_rl_burst(const struct config *cfg);
uint32_t config_miss_burst(const struct config *cfg);
uint32_t config_gmiss_burst(const struct config *cfg);
uint32_t config_net_burst(const struct config *cfg);
uint32_t config_wide_burst(const struct config *cfg);
uint32_t config_cookie_burst(const struct config *cfg);

/* The version string --version prints. */
const char *config_version(void);

#endif /* XDPDNS_CONFIG_H */
