// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsd's option and config-file parsing: every option accepts its good
 * values, every bad value is refused with one line naming the option and
 * the value (main() turns that into exit status 2), the file uses the long
 * option names and the command line wins over it; the files handed on to
 * libunbound must be readable, or one line names the option and the
 * cause. The parser is the daemon's userspace/config.c, linked from the
 * daemon core library libxdpdnsd.a; the table itself is config_table.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xdpmaps.h"
#include "maps/xdpdns.h"
#include "suites.h"
#include "userspace/config.h"
#include "userspace/config_table.h"

#define ARGV_MAX 16

/* Runs config_build() on a NULL-terminated list of arguments. */
static int build(struct config *cfg, char *err, const char *const *args)
{
	char *argv[ARGV_MAX + 2] = { "xdpdnsd" };
	int argc = 1;

	for (; args[argc - 1] && argc <= ARGV_MAX; argc++)
		argv[argc] = (char *)args[argc - 1];
	argv[argc] = NULL;
	return config_build(argc, argv, cfg, err, CONFIG_ERR_MAX);
}

/* A config file with @text in a fresh temporary path (caller unlinks). */
static void write_file(char *path, const char *text)
{
	int fd;

	strcpy(path, "/tmp/check_config_XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
}

START_TEST(test_defaults)
{
	const char *args[] = { "--no-xdp", "--listen", "198.18.1.1", NULL };
	char err[CONFIG_ERR_MAX];
	struct config c;

	ck_assert_int_eq(build(&c, err, args), CONFIG_RUN);
	ck_assert_uint_eq(c.port, 53);
	ck_assert_uint_eq(c.edns_size, 1232);
	ck_assert_uint_eq(c.cache_size, XDPDNS_CACHE_ENTRIES_DEFAULT);
	ck_assert_uint_eq(c.max_ttl, 86400);
	ck_assert_uint_eq(c.max_negative_ttl, 300);
	ck_assert_uint_eq(c.min_ttl, 0);
	ck_assert_uint_eq(c.resolve_timeout, CONFIG_RESOLVE_TIMEOUT_DEFAULT);
	ck_assert_uint_eq(c.resolve_timeout, 4);
	ck_assert_uint_eq(c.tcp_idle_timeout, 10);
	ck_assert_uint_eq(c.tcp_max_conns, 1000);
	ck_assert_uint_eq(c.ratelimit, 50);
	ck_assert_uint_eq(config_rl_burst(&c), 200);
	ck_assert_uint_eq(c.slip, 2);
	ck_assert_uint_eq(c.miss_limit, 20);
	ck_assert_uint_eq(config_miss_burst(&c), 80);
	ck_assert_uint_eq(c.miss_limit_global, 5000);
	ck_assert_uint_eq(c.ratelimit_v4_prefix, 32);
	ck_assert_uint_eq(c.ratelimit_v6_prefix, 128);
	ck_assert_uint_eq(c.ratelimit_net, 20000);
	ck_assert_uint_eq(config_net_burst(&c), 80000);
	ck_assert_uint_eq(c.ratelimit_net_v4_prefix, 24);
	ck_assert_uint_eq(c.ratelimit_net_v6_prefix, 64);
	ck_assert_uint_eq(c.ratelimit_wide, 40000);
	ck_assert_uint_eq(config_wide_burst(&c), 160000);
	ck_assert_uint_eq(c.ratelimit_wide_v4_prefix, 20);
	ck_assert_uint_eq(c.ratelimit_wide_v6_prefix, 56);
	ck_assert_uint_eq(c.new_source_limit, 200);
	ck_assert_uint_eq(c.new_source_burst, 2000);
	ck_assert_uint_eq(c.new_source_first_burst, 50);
	ck_assert_uint_eq(c.sample_rate, 0);
	ck_assert_ptr_null(c.dnstap);
	ck_assert_ptr_null(c.dnstap_identity);
	ck_assert_uint_eq(c.xdp_mode, CONFIG_XDP_NATIVE);
	ck_assert_uint_eq(c.acl_action, CONFIG_ACL_DROP);
	ck_assert_uint_eq(c.log_level, 2);
	ck_assert_ptr_null(c.user);
	ck_assert_str_eq(c.pin_dir, XDPDNS_PIN_DIR_DEFAULT);
	ck_assert(!c.ratelimit_dry_run && !c.syslog);
	ck_assert_uint_eq(c.listen.n, 1);
	ck_assert_str_eq(c.listen.v[0], "198.18.1.1");
	config_free(&c);
}
END_TEST

/* One option, one good value, and how to check it landed. */
struct good_case {
	const char *opt;
	const char *val; /* NULL: a flag */
	size_t off;
	enum { G_UINT, G_STR, G_LIST, G_BOOL } kind;
	uint32_t want;
};

#define G(o, v, f, k, w)                               \
	{                                              \
		o, v, offsetof(struct config, f), k, w \
	}
static const struct good_case good_cases[] = {
	G("--port", "5353", port, G_UINT, 5353),
	G("-p", "1", port, G_UINT, 1),
	G("--xdp-mode", "skb", xdp_mode, G_UINT, CONFIG_XDP_SKB),
	G("--xdp-mode", "native", xdp_mode, G_UINT, CONFIG_XDP_NATIVE),
	G("--pin-dir", "/run/xdpdns-bpf", pin_dir, G_STR, 0),
	G("--cache-size", "1024", cache_size, G_UINT, 1024),
	G("--edns-size", "4096", edns_size, G_UINT, 4096),
	/* GNU abbreviations: a prefix of one option only. */
	G("--edns", "1400", edns_size, G_UINT, 1400),
	G("--max-neg", "60", max_negative_ttl, G_UINT, 60),
	G("--min-ttl", "30", min_ttl, G_UINT, 30),
	G("--max-ttl", "3600", max_ttl, G_UINT, 3600),
	G("--max-negative-ttl", "60", max_negative_ttl, G_UINT, 60),
	G("--max-outstanding", "10000", max_outstanding, G_UINT, 10000),
	G("--resolve-timeout", "10", resolve_timeout, G_UINT, 10),
	G("--resolve-timeout", "1", resolve_timeout, G_UINT, 1),
	G("--tcp-idle-timeout", "30", tcp_idle_timeout, G_UINT, 30),
	G("--tcp-max-conns", "5", tcp_max_conns, G_UINT, 5),
	G("--root-hints", "/etc/unbound/root.hints", root_hints, G_STR, 0),
	G("--forward", "198.18.0.2", forward, G_LIST, 1),
	G("--forward", "2001:db8::2@5353", forward, G_LIST, 1),
	G("--trust-anchor", "/var/lib/unbound/root.key", trust_anchor, G_LIST,
	  1),
	G("--unbound-config", "/etc/unbound/x.conf", unbound_config, G_STR, 0),
	G("--local-zone-nodefault", "test.", local_zone_nodefault, G_LIST, 1),
	G("--local-zone-nodefault", "lab", local_zone_nodefault, G_LIST, 1),
	G("--user", "daemon", user, G_STR, 0),
	G("--user", "", user, G_STR, 0),
	G("--pidfile", "/run/xdpdnsd.pid", pidfile, G_STR, 0),
	G("--syslog", NULL, syslog, G_BOOL, 1),
	G("--log-level", "debug", log_level, G_UINT, 3),
	G("--log-level", "error", log_level, G_UINT, 0),
	G("--metrics", "127.0.0.1:9153", metrics, G_STR, 0),
	G("--metrics", "[::1]:9153", metrics, G_STR, 0),
	G("--allow", "198.18.0.0/15", allow, G_LIST, 1),
	G("--allow", "2001:db8::/32", allow, G_LIST, 1),
	G("--deny", "198.18.1.66", deny, G_LIST, 1),
	G("--ratelimit-exempt", "2001:db8:1::/48", ratelimit_exempt, G_LIST, 1),
	G("--acl-action", "drop", acl_action, G_UINT, CONFIG_ACL_DROP),
	G("--ratelimit", "0", ratelimit, G_UINT, 0),
	G("--ratelimit", "1000", ratelimit, G_UINT, 1000),
	G("--ratelimit-burst", "5000", ratelimit_burst, G_UINT, 5000),
	G("--slip", "0", slip, G_UINT, 0),
	G("--miss-limit", "5", miss_limit, G_UINT, 5),
	G("--miss-limit-global", "20000", miss_limit_global, G_UINT, 20000),
	G("--ratelimit-dry-run", NULL, ratelimit_dry_run, G_BOOL, 1),
	G("--ratelimit-v4-prefix", "24", ratelimit_v4_prefix, G_UINT, 24),
	G("--ratelimit-v6-prefix", "56", ratelimit_v6_prefix, G_UINT, 56),
	G("--ratelimit-net", "3000", ratelimit_net, G_UINT, 3000),
	G("--ratelimit-net-burst", "9000", ratelimit_net_burst, G_UINT, 9000),
	G("--ratelimit-net-v4-prefix", "22", ratelimit_net_v4_prefix, G_UINT,
	  22),
	G("--ratelimit-net-v6-prefix", "60", ratelimit_net_v6_prefix, G_UINT,
	  60),
	G("--ratelimit-wide", "0", ratelimit_wide, G_UINT, 0),
	G("--ratelimit-wide-burst", "7", ratelimit_wide_burst, G_UINT, 7),
	G("--ratelimit-wide-v4-prefix", "16", ratelimit_wide_v4_prefix, G_UINT,
	  16),
	G("--ratelimit-wide-v6-prefix", "48", ratelimit_wide_v6_prefix, G_UINT,
	  48),
	G("--new-source-limit", "0", new_source_limit, G_UINT, 0),
	G("--new-source-burst", "1", new_source_burst, G_UINT, 1),
	G("--new-source-first-burst", "0", new_source_first_burst, G_UINT, 0),
	G("--sample-rate", "100", sample_rate, G_UINT, 100),
	G("--dnstap", "unix:/run/dnstap.sock", dnstap, G_STR, 0),
	G("--dnstap", "file:/var/log/xdpdns/dnstap.fstrm", dnstap, G_STR, 0),
	G("--dnstap", "file:relative.fstrm", dnstap, G_STR, 0),
	G("--dnstap-identity", "resolver-1.hall-a", dnstap_identity, G_STR, 0),
};
#undef G

START_TEST(test_good_values)
{
	const struct good_case *g = &good_cases[_i];
	const char *args[] = { "--no-xdp", "--listen", "198.18.1.1",
			       g->opt,	   g->val,     NULL };
	char err[CONFIG_ERR_MAX];
	const void *p;
	struct config c;

	ck_assert_msg(build(&c, err, args) == CONFIG_RUN, "%s %s: %s", g->opt,
		      g->val ? g->val : "", err);
	p = (const char *)&c + g->off;
	switch (g->kind) {
	case G_UINT:
		ck_assert_uint_eq(*(const uint32_t *)p, g->want);
		break;
	case G_BOOL:
		ck_assert(*(const bool *)p);
		break;
	case G_STR:
		ck_assert_str_eq(*(char *const *)p, g->val);
		break;
	case G_LIST:
		ck_assert_uint_eq(((const struct config_list *)p)->n, 1);
		ck_assert_str_eq(((const struct config_list *)p)->v[0], g->val);
		break;
	}
	config_free(&c);
}
END_TEST

START_TEST(test_repeatable_and_last_wins)
{
	const char *args[] = { "-i",	     "lo", "-l",
			       "198.18.1.1", "-l", "2001:db8:1::1",
			       "--port",     "54", "--port",
			       "55",	     NULL };
	char err[CONFIG_ERR_MAX];
	struct config c;

	ck_assert_int_eq(build(&c, err, args), CONFIG_RUN);
	ck_assert_str_eq(c.interface, "lo");
	ck_assert_uint_eq(c.listen.n, 2);
	ck_assert_str_eq(c.listen.v[1], "2001:db8:1::1");
	ck_assert_uint_eq(c.port, 55);
	ck_assert(!c.no_xdp);
	config_free(&c);
}
END_TEST

START_TEST(test_help_version)
{
	const char *h[] = { "--port", "70000", "--help", NULL };
	const char *v[] = { "-V", NULL };
	char err[CONFIG_ERR_MAX];
	struct config c;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	/* Options before --help are still checked; after it, nothing. */
	ck_assert_int_eq(build(&c, err, h), -EINVAL);
	config_free(&c);
	h[0] = "--help";
	ck_assert_int_eq(build(&c, err, h), CONFIG_HELP);
	config_free(&c);
	ck_assert_int_eq(build(&c, err, v), CONFIG_VERSION);
	config_free(&c);

	/* --help names every option with its default. */
	f = open_memstream(&text, &len);
	config_usage(f);
	fclose(f);
	for (size_t i = 0; i < config_opt_count; i++) {
		char want[64];

		snprintf(want, sizeof(want), "--%s", config_opt_table[i].name);
		ck_assert_msg(strstr(text, want), "%s missing from --help",
			      want);
	}
	ck_assert(strstr(text, "(default: 1232)"));
	ck_assert(strstr(text, "(default: 86400)"));
	ck_assert(strstr(text, "(default: 4 x --ratelimit)"));
	ck_assert(strstr(text, "--resolve-timeout S"));
	free(text);
}
END_TEST

START_TEST(test_file_and_override)
{
	char path[64], opt[80], err[CONFIG_ERR_MAX];
	struct config c;

	write_file(path, "# venue resolver\n"
			 "interface = \"lo\";\n"
			 "listen = [\"198.18.1.1\", \"2001:db8:1::1\"];\n"
			 "port = 5353;\n"
			 "ratelimit = 80;\n"
			 "ratelimit-dry-run = true;\n"
			 "acl-action = \"drop\";\n"
			 "allow = \"198.18.0.0/15\";\n"
			 "deny = [];\n"
			 "cache-size = 4096L;\n"
			 "resolve-timeout = 7;\n"
			 "local-zone-nodefault = [\"test.\", \"lab.\"];\n");
	snprintf(opt, sizeof(opt), "--config=%s", path);
	{
		const char *args[] = { opt,	  "--port",	   "53",
				       "--allow", "2001:db8::/32", NULL };

		ck_assert_msg(build(&c, err, args) == CONFIG_RUN, "%s", err);
	}
	ck_assert_str_eq(c.interface, "lo");
	ck_assert_uint_eq(c.listen.n, 2);
	ck_assert_uint_eq(c.port, 53); /* command line wins */
	ck_assert_uint_eq(c.ratelimit, 80);
	ck_assert_uint_eq(config_rl_burst(&c), 320);
	ck_assert(c.ratelimit_dry_run);
	ck_assert_uint_eq(c.acl_action, CONFIG_ACL_DROP);
	ck_assert_uint_eq(c.allow.n, 1); /* replaced, not merged */
	ck_assert_str_eq(c.allow.v[0], "2001:db8::/32");
	ck_assert_uint_eq(c.deny.n, 0);
	ck_assert_uint_eq(c.cache_size, 4096);
	ck_assert_uint_eq(c.resolve_timeout, 7);
	ck_assert_uint_eq(c.local_zone_nodefault.n, 2);
	ck_assert_str_eq(c.config_file, path);
	config_free(&c);
	unlink(path);
}
END_TEST

/* A command line that must fail, and what the one line must say. */
struct bad_case {
	const char *args[6];
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{ { "--bogus" }, "unknown option '--bogus'" },
	{ { "-x" }, "unknown option '-x'" },
	{ { "--port" }, "option '--port' needs a value" },
	{ { "--port", "0" }, "--port 0: out of range 1..65535" },
	{ { "--port", "65536" }, "--port 65536: out of range 1..65535" },
	{ { "--port", "53x" }, "--port 53x: not a number" },
	{ { "--port", "-1" }, "--port -1: not a number" },
	{ { "--port", "" }, "--port : not a number" },
	{ { "--xdp-mode", "hw" }, "--xdp-mode hw: expected native|skb" },
	{ { "--cache-size", "0" }, "--cache-size 0: out of range" },
	{ { "--cache-size", "99999999999" }, "--cache-size 99999999999: out" },
	{ { "--edns-size", "511" }, "--edns-size 511: out of range 512..4096" },
	{ { "--max-ttl", "0" }, "--max-ttl 0: out of range" },
	{ { "--max-negative-ttl", "0" }, "--max-negative-ttl 0: out of range" },
	{ { "--min-ttl", "600", "--max-ttl", "60" },
	  "--min-ttl 600 is above --max-ttl 60" },
	{ { "--max-outstanding", "0" }, "--max-outstanding 0: out of range" },
	{ { "--resolve-timeout", "0" }, "--resolve-timeout 0: out of range" },
	{ { "--resolve-timeout", "4s" }, "--resolve-timeout 4s: not a number" },
	{ { "--tcp-idle-timeout", "0" }, "--tcp-idle-timeout 0: out of range" },
	{ { "--tcp-max-conns", "0" }, "--tcp-max-conns 0: out of range" },
	{ { "--forward", "resolver.example" },
	  "--forward resolver.example: not an address or ADDR@PORT" },
	{ { "--forward", "198.18.0.2@0" }, "--forward 198.18.0.2@0: not an" },
	{ { "--local-zone-nodefault", "a..b" },
	  "--local-zone-nodefault a..b: not a domain name" },
	{ { "--log-level", "verbose" },
	  "--log-level verbose: expected error|warn|info|debug" },
	{ { "--metrics", "9153" }, "--metrics 9153: expected ADDR:PORT" },
	{ { "--metrics", "::1:9153" }, "--metrics ::1:9153: expected" },
	{ { "--metrics", "127.0.0.1:0" }, "--metrics 127.0.0.1:0: expected" },
	{ { "--allow", "198.18.0.0/33" },
	  "--allow 198.18.0.0/33: not an address or prefix" },
	{ { "--deny", "2001:db8::/129" }, "--deny 2001:db8::/129: not an" },
	{ { "--ratelimit-exempt", "10.0.0.0/" }, "--ratelimit-exempt 10.0.0" },
	{ { "--allow", "" }, "--allow \"\": not an address or prefix" },
	{ { "--acl-action", "reject" }, "--acl-action reject: expected drop" },
	{ { "--ratelimit", "1000001" }, "--ratelimit 1000001: out of range" },
	{ { "--slip", "256" }, "--slip 256: out of range 0..255" },
	{ { "--ratelimit-v4-prefix", "33" }, "--ratelimit-v4-prefix 33: out" },
	{ { "--ratelimit-v4-prefix", "7" }, "--ratelimit-v4-prefix 7: out" },
	{ { "--ratelimit-v6-prefix", "129" }, "--ratelimit-v6-prefix 129:" },
	{ { "--ratelimit-net-v4-prefix", "33" },
	  "--ratelimit-net-v4-prefix 33: out" },
	{ { "--ratelimit-wide-v6-prefix", "x" },
	  "--ratelimit-wide-v6-prefix x:" },
	{ { "--new-source-burst", "0" }, "--new-source-burst 0: out of range" },
	{ { "--interface", "an-interface-name-too-long" },
	  "--interface an-interface-name-too-long: not an interface name" },
	{ { "--listen", "198.18.1.300" },
	  "--listen 198.18.1.300: not an IPv4 or IPv6 address" },
	{ { "--listen", "198.18.1.1", "--listen", "198.18.1.1" },
	  "--listen 198.18.1.1: given twice" },
	{ { "stray" }, "unexpected argument 'stray'" },
	/* Quoted control characters would end the one line early. */
	{ { "two\nlines" }, "unexpected argument 'two?lines' (see --help)" },
	{ { "--port", "5\n3" }, "--port 5?3: not a number" },
	{ { "--\033[2Jx" }, "unknown option '--?[2Jx' (see --help)" },
	/* Abbreviations of several options (getopt_long() took the first
	 * that agreed in has_arg: --max 5 was --max-ttl 5). */
	{ { "--max", "5" },
	  "ambiguous option '--max' (--max-ttl, --max-negative-ttl, --max-outstanding)" },
	{ { "--tcp-max", "5" },
	  "ambiguous option '--tcp-max' (--tcp-max-conns," },
	{ { "--ratelim", "5" },
	  "ambiguous option '--ratelim' (--ratelimit-exempt, --ratelimit," },
	{ { "--ratelimit-v", "24" }, "ambiguous option '--ratelimit-v'" },
	{ { "--max=5" }, "ambiguous option '--max' (" },
	{ { "--no-xdp=yes" }, "option '--no-xdp' takes no value" },
	{ { "--keep-x=1" }, "option '--keep-xdp-on-exit' takes no value" },
	{ { "--bogus" }, "unknown option '--bogus' (see --help)" },
	{ { "--config", "/nonexistent/xdpdnsd.conf" },
	  "--config /nonexistent/xdpdnsd.conf: No such file or directory" },
	{ { "--dnstap", "/var/log/dnstap" },
	  "--dnstap /var/log/dnstap: expected unix:PATH or file:PATH" },
	{ { "--dnstap", "tcp:198.18.0.1:6000" },
	  "--dnstap tcp:198.18.0.1:6000: expected unix:PATH or file:PATH" },
	{ { "--dnstap", "unix:" }, "--dnstap unix:: no path after unix:" },
	{ { "--dnstap", "file:" }, "--dnstap file:: no path after file:" },
	{ { "--dnstap", "" },
	  "--dnstap \"\": expected unix:PATH or file:PATH" },
	{ { "--dnstap", "UNIX:/run/x" }, "--dnstap UNIX:/run/x: expected" },
	{ { "--dnstap",
	    "unix:/run/a-socket-path-longer-than-sun-path-can-hold/"
	    "0123456789012345678901234567890123456789012345678901234567"
	    "89" },
	  ": path too long" },
	{ { "--dnstap-identity", "" },
	  "--dnstap-identity \"\": empty or longer than 255 bytes" },
};

START_TEST(test_bad_values)
{
	const struct bad_case *b = &bad_cases[_i];
	const char *args[10] = { "--no-xdp", "--listen", "198.18.9.9" };
	char err[CONFIG_ERR_MAX];
	struct config c;
	int n = 3, ret;

	/* The duplicate-listen case brings its own list. */
	if (!strcmp(b->args[0], "--listen"))
		n = 1;
	for (int i = 0; b->args[i] && i < 6; i++)
		args[n++] = b->args[i];
	args[n] = NULL;
	ret = build(&c, err, args);
	ck_assert_msg(ret < 0, "%s accepted", b->args[0]);
	ck_assert_msg(strstr(err, b->msg), "want \"%s\", got \"%s\"", b->msg,
		      err);
	ck_assert_msg(!strchr(err, '\n'), "more than one line: %s", err);
	config_free(&c);
}
END_TEST

START_TEST(test_missing_required)
{
	const char *no_if[] = { "--listen", "198.18.1.1", NULL };
	const char *no_listen[] = { "--no-xdp", NULL };
	char err[CONFIG_ERR_MAX];
	struct config c;

	ck_assert_int_eq(build(&c, err, no_if), -EINVAL);
	ck_assert(strstr(err, "no --interface given"));
	config_free(&c);
	ck_assert_int_eq(build(&c, err, no_listen), -EINVAL);
	ck_assert(strstr(err, "no --listen address given"));
	config_free(&c);
}
END_TEST

/* A config file that must fail, and the message it must produce. */
struct bad_file {
	const char *text;
	const char *msg;
};

static const struct bad_file bad_files[] = {
	{ "port = 53;\nlisten = = 1;\n", ":2: syntax error" },
	{ "prot = 53;\n", ":1: unknown setting 'prot'" },
	{ "\nport = \"53\";\n", ":2: port: expected a number" },
	{ "port = 0;\n", ":1: port 0: out of range 1..65535" },
	{ "port = -5;\n", ":1: port -5: out of range" },
	{ "no-xdp = 1;\n", ":1: no-xdp: expected true or false" },
	{ "listen = 7;\n", ":1: listen: expected a string or a list" },
	{ "resolve-timeout = 0;\n", ":1: resolve-timeout 0: out of range" },
	{ "listen = [\"198.18.1.1\", \"x\"];\n",
	  ":1: listen x: not an IPv4 or IPv6 address" },
	{ "xdp-mode = \"turbo\";\n", ":1: xdp-mode turbo: expected" },
	{ "config = \"/etc/other.conf\";\n", ":1: unknown setting 'config'" },
	{ "help = true;\n", ":1: unknown setting 'help'" },
	{ "server = { port = 53; };\n", ":1: unknown setting 'server'" },
	/* libconfig would open these itself, and exit(2) on a directory. */
	{ "@include \"/tmp\"\n", ":1: @include is not supported" },
	{ "listen = \"198.18.1.1\\n\";\n",
	  ":1: listen 198.18.1.1?: not an IPv4 or IPv6 address" },
	{ "port = 53;\n  \t@include \"other.conf\"\n",
	  ":2: @include is not supported" },
};

START_TEST(test_bad_files)
{
	const struct bad_file *b = &bad_files[_i];
	char path[64], err[CONFIG_ERR_MAX];
	const char *args[] = { "-c",	   path,	 "--no-xdp",
			       "--listen", "198.18.1.1", NULL };
	struct config c;

	write_file(path, b->text);
	ck_assert_int_lt(build(&c, err, args), 0);
	ck_assert_msg(strstr(err, path) && strstr(err, b->msg),
		      "want \"%s\", got \"%s\"", b->msg, err);
	config_free(&c);
	unlink(path);
}
END_TEST

/*
 * Files libconfig's scanner could not read exit()ed the process (flex's
 * "input in flex scanner failed", status 2): a directory, a read error.
 * Read by config.c, each is one line and a negative return.
 */
START_TEST(test_unreadable_files)
{
	static const char big_line[] = "# padding\n";
	char err[CONFIG_ERR_MAX], path[64];
	const char *args[] = { "-c",	   "/tmp",	 "--no-xdp",
			       "--listen", "198.18.1.1", NULL };
	struct config c;
	FILE *f;
	int fd;

	ck_assert_int_eq(build(&c, err, args), -EISDIR);
	ck_assert_str_eq(err, "--config /tmp: Is a directory");
	config_free(&c);

	/* A NUL byte: libconfig would stop reading there. */
	strcpy(path, "/tmp/check_config_XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "port = 53;\n\0port = 1;\n", 23), 23);
	close(fd);
	args[1] = path;
	ck_assert_int_eq(build(&c, err, args), -EINVAL);
	ck_assert_msg(strstr(err, path) && strstr(err, ":2: a NUL byte"),
		      "got \"%s\"", err);
	config_free(&c);

	/* Larger than CONFIG_FILE_MAX, and a device that never ends. */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (size_t n = 0; n <= CONFIG_FILE_MAX; n += sizeof(big_line) - 1)
		fputs(big_line, f);
	fclose(f);
	ck_assert_int_eq(build(&c, err, args), -EFBIG);
	ck_assert_msg(strstr(err, "larger than 1048576 bytes"), "got \"%s\"",
		      err);
	config_free(&c);
	unlink(path);
	args[1] = "/dev/zero";
	ck_assert_int_eq(build(&c, err, args), -EFBIG);
	config_free(&c);
}
END_TEST

/* Boundaries: the first value in and the first value out of each range. */
struct limit_case {
	const char *opt;
	const char *in;
	const char *out;
};

static const struct limit_case limit_cases[] = {
	{ "--port", "65535", "65536" },
	{ "--cache-size", "16", "15" },
	{ "--cache-size", "4194304", "4194305" },
	{ "--edns-size", "512", "4097" },
	{ "--max-ttl", "604800", "604801" },
	{ "--max-negative-ttl", "86400", "86401" },
	{ "--max-outstanding", "100000", "100001" },
	{ "--resolve-timeout", "1", "0" },
	{ "--resolve-timeout", "300", "301" },
	{ "--slip", "255", "256" },
	{ "--ratelimit-v4-prefix", "8", "7" },
	{ "--ratelimit-v6-prefix", "128", "129" },
	{ "--ratelimit-v6-prefix", "16", "15" },
	{ "--ratelimit-net-v4-prefix", "8", "7" },
	{ "--ratelimit-net-v6-prefix", "128", "129" },
	{ "--ratelimit-wide-v4-prefix", "32", "33" },
	{ "--ratelimit-wide-v6-prefix", "16", "15" },
	{ "--ratelimit-net", "100000000", "100000001" },
	{ "--new-source-first-burst", "100000000", "100000001" },
	{ "--sample-rate", "1000000000", "1000000001" },
	{ "--ratelimit-burst", "100000000", "100000001" },
	{ "--tcp-idle-timeout", "3600", "3601" },
};

START_TEST(test_limits)
{
	const struct limit_case *l = &limit_cases[_i];
	const char *in[] = { "--no-xdp", "-l", "::1", l->opt, l->in, NULL };
	const char *out[] = { "--no-xdp", "-l", "::1", l->opt, l->out, NULL };
	char err[CONFIG_ERR_MAX];
	struct config c;

	ck_assert_msg(build(&c, err, in) == CONFIG_RUN, "%s %s: %s", l->opt,
		      l->in, err);
	config_free(&c);
	ck_assert_int_eq(build(&c, err, out), -EINVAL);
	ck_assert(strstr(err, "out of range"));
	config_free(&c);
}
END_TEST

START_TEST(test_prefix_and_bursts)
{
	const char *args[] = { "--no-xdp",    "-l", "::1",
			       "--ratelimit", "0",  "--miss-limit-global",
			       "3000",	      NULL };
	struct xdpdns_lpm_key k;
	char err[CONFIG_ERR_MAX], text[64];
	struct config c;

	/* Host bits are cleared; the family word is part of the prefix. */
	ck_assert_int_eq(xdpmaps_lpm_key("198.18.7.9/15", &k), 0);
	ck_assert_uint_eq(k.prefixlen, 32 + 15);
	ck_assert_uint_eq(k.family, 4);
	ck_assert_int_eq(xdpmaps_lpm_key_text(&k, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "198.18.0.0/15");
	ck_assert_int_eq(xdpmaps_lpm_key("2001:db8::1", &k), 0);
	ck_assert_uint_eq(k.prefixlen, 32 + 128);
	ck_assert_int_eq(build(&c, err, args), CONFIG_RUN);
	ck_assert_uint_eq(config_rl_burst(&c), 0);
	ck_assert_uint_eq(config_gmiss_burst(&c), 3000);
	config_free(&c);
}
END_TEST

/* Files for libunbound that exist: accepted, from the line or the file. */
START_TEST(test_files_readable)
{
	char hints[64], ta[64], ub[64], conf[64], opt[80], err[CONFIG_ERR_MAX],
		text[256];
	struct config c;

	write_file(hints, ". 3600000 NS a.root-servers.net.\n");
	write_file(ta, ". IN DS 20326 8 2 e06d44b80b8f1d39a95c0b0d7c65d084\n");
	write_file(ub, "server:\n");
	snprintf(text, sizeof(text),
		 "no-xdp = true;\nlisten = \"198.18.1.1\";\n"
		 "root-hints = \"%s\";\ntrust-anchor = [\"%s\"];\n",
		 hints, ta);
	write_file(conf, text);
	snprintf(opt, sizeof(opt), "--config=%s", conf);
	{
		const char *args[] = { opt, "--unbound-config", ub, NULL };

		ck_assert_msg(build(&c, err, args) == CONFIG_RUN, "%s", err);
	}
	ck_assert_int_eq(config_check_files(&c, err, sizeof(err)), 0);
	ck_assert_str_eq(c.root_hints, hints);
	ck_assert_str_eq(c.unbound_config, ub);
	config_free(&c);
	/* Nothing named: nothing to check. */
	{
		const char *args[] = { "--no-xdp", "-l", "::1", NULL };

		ck_assert_int_eq(build(&c, err, args), CONFIG_RUN);
	}
	ck_assert_int_eq(config_check_files(&c, err, sizeof(err)), 0);
	config_free(&c);
	unlink(hints);
	unlink(ta);
	unlink(ub);
	unlink(conf);
}
END_TEST

/* A file libunbound would read that does not exist: one line, -ENOENT. */
struct missing_file {
	const char *args[4];
	const char *msg;
};

static const struct missing_file missing_files[] = {
	{ { "--root-hints", "/nonexistent/root.hints" },
	  "--root-hints /nonexistent/root.hints: No such file or directory" },
	{ { "--unbound-config", "/nonexistent/unbound.conf" },
	  "--unbound-config /nonexistent/unbound.conf: No such file or "
	  "directory" },
	{ { "--trust-anchor", "/dev/null", "--trust-anchor",
	    "/nonexistent/root.key" },
	  "--trust-anchor /nonexistent/root.key: No such file or directory" },
};

START_TEST(test_files_missing)
{
	const struct missing_file *m = &missing_files[_i];
	const char *args[8] = { "--no-xdp", "--listen", "198.18.9.9" };
	char err[CONFIG_ERR_MAX];
	struct config c;
	int n = 3;

	for (int i = 0; i < 4 && m->args[i]; i++)
		args[n++] = m->args[i];
	args[n] = NULL;
	/* Parsing does not look at files; the check does. */
	ck_assert_msg(build(&c, err, args) == CONFIG_RUN, "%s", err);
	ck_assert_int_eq(config_check_files(&c, err, sizeof(err)), -ENOENT);
	ck_assert_msg(!strcmp(err, m->msg), "want \"%s\", got \"%s\"", m->msg,
		      err);
	config_free(&c);
}
END_TEST

/* Whether option @o has the same value in @a and @b. */
static bool opt_same(const struct opt_def *o, const struct config *a,
		     const struct config *b)
{
	const void *pa = (const char *)a + o->off;
	const void *pb = (const char *)b + o->off;

	switch (o->kind) {
	case OPT_UINT:
	case OPT_ENUM:
		return *(const uint32_t *)pa == *(const uint32_t *)pb;
	case OPT_FLAG:
		return *(const bool *)pa == *(const bool *)pb;
	case OPT_STR: {
		const char *sa = *(char *const *)pa, *sb = *(char *const *)pb;

		/* NULL stands for the default (--pin-dir). */
		if (!sa)
			sa = o->def;
		if (!sb)
			sb = o->def;
		return sa == sb || (sa && sb && !strcmp(sa, sb));
	}
	case OPT_LIST: {
		const struct config_list *la = pa, *lb = pb;

		if (la->n != lb->n)
			return false;
		for (size_t i = 0; i < la->n; i++)
			if (strcmp(la->v[i], lb->v[i]))
				return false;
		return true;
	}
	case OPT_SPECIAL:
		return true;
	}
	return false;
}

/* The example as config_write_example() writes it (caller frees). */
static char *example_text(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	config_write_example(f);
	fclose(f);
	return text;
}

/* Every option the file takes is in the example once, as "name =" or
 * "#name =" at the start of a line; the specials are not. */
START_TEST(test_example_lists_every_option)
{
	char *text = example_text();

	for (size_t i = 0; i < config_opt_count; i++) {
		const struct opt_def *o = &config_opt_table[i];
		char on[64], off[64];
		int n = 0;

		snprintf(on, sizeof(on), "\n%s = ", o->name);
		snprintf(off, sizeof(off), "\n#%s = ", o->name);
		for (const char *p = text; (p = strstr(p, on)); p++)
			n++;
		for (const char *p = text; (p = strstr(p, off)); p++)
			n++;
		ck_assert_msg(n == (o->kind == OPT_SPECIAL ? 0 : 1),
			      "%s appears %d times in the example", o->name, n);
	}
	free(text);
}
END_TEST

/*
 * The shipped file is a resolver for this host only and leaves every other
 * option at its default.
 */
START_TEST(test_example_shipped)
{
	const char *want[] = { "--no-xdp",
			       "--listen",
			       "127.0.0.1",
			       "--listen",
			       "::1",
			       "--pidfile",
			       "/run/xdpdns/xdpdnsd.pid",
			       NULL };
	char path[64], err[CONFIG_ERR_MAX];
	const char *args[] = { "--config", path, NULL };
	struct config c, w;
	char *text = example_text();

	write_file(path, text);
	free(text);
	ck_assert_msg(build(&c, err, args) == CONFIG_RUN, "%s", err);
	unlink(path);
	ck_assert_msg(build(&w, err, want) == CONFIG_RUN, "%s", err);
	ck_assert(c.no_xdp);
	ck_assert_uint_eq(c.listen.n, 2);
	for (size_t i = 0; i < config_opt_count; i++)
		ck_assert_msg(opt_same(&config_opt_table[i], &c, &w),
			      "the example sets %s", config_opt_table[i].name);
	config_free(&c);
	config_free(&w);
}
END_TEST

/* The option a "#name = value;" example line sets, or NULL. */
static const struct opt_def *example_line_option(const char *line)
{
	size_t n;

	if (line[0] != '#')
		return NULL;
	n = strcspn(line + 1, " ");
	for (size_t i = 0; i < config_opt_count; i++)
		if (strlen(config_opt_table[i].name) == n &&
		    !strncmp(line + 1, config_opt_table[i].name, n) &&
		    !strncmp(line + 1 + n, " = ", 3))
			return &config_opt_table[i];
	return NULL;
}

/*
 * Uncommenting every line that shows a default changes nothing: the
 * defaults the table shows (--help, man page, example) are the real ones.
 */
START_TEST(test_example_defaults_are_real)
{
	char path[64], err[CONFIG_ERR_MAX], val[PATH_MAX + 8];
	const char *base[] = { "--no-xdp", "--listen", "127.0.0.1", NULL };
	const char *args[] = { "--no-xdp", "--listen", "127.0.0.1",
			       "--config", path,       NULL };
	char *text = example_text(), *out, *o;
	size_t shown = 0;
	struct config c, d;

	out = calloc(1, strlen(text) + 1);
	ck_assert_ptr_nonnull(out);
	o = out;
	/* The shipped active lines stay out: the command line has them. */
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		const struct opt_def *opt = example_line_option(line);

		if (opt && config_opt_default_value(opt, val, sizeof(val))) {
			o += sprintf(o, "%s\n", line + 1);
			shown++;
		}
	}
	free(text);
	/* Flags, numbers, enum names and paths: most of the table. */
	ck_assert_uint_ge(shown, config_opt_count / 2);
	write_file(path, out);
	free(out);
	ck_assert_msg(build(&c, err, args) == CONFIG_RUN, "%s", err);
	unlink(path);
	ck_assert_msg(build(&d, err, base) == CONFIG_RUN, "%s", err);
	for (size_t i = 0; i < config_opt_count; i++)
		ck_assert_msg(opt_same(&config_opt_table[i], &c, &d),
			      "the default shown for %s is not the real one",
			      config_opt_table[i].name);
	config_free(&c);
	config_free(&d);
}
END_TEST

static const char *const man_sections[] = {
	".SH NAME\n",	     ".SH SYNOPSIS\n", ".SH DESCRIPTION\n",
	".SH OPTIONS\n",     ".SH SIGNALS\n",  ".SH FILES\n",
	".SH EXIT STATUS\n", ".SH SEE ALSO\n",
};

/* The man page has a tagged paragraph for every option, with the default. */
START_TEST(test_man_every_option)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	config_write_man(f, "2000-01-01");
	fclose(f);
	ck_assert(strstr(text, ".TH XDPDNSD 8 \"2000-01-01\""));
	for (size_t i = 0; i < config_opt_count; i++) {
		char want[96], *p, *q = want;

		q += sprintf(q, ".TP\n");
		if (config_opt_table[i].short_name)
			q += sprintf(q, "\\fB\\-%c\\fR, ",
				     config_opt_table[i].short_name);
		q += sprintf(q, "\\fB\\-\\-");
		for (const char *n = config_opt_table[i].name; *n; n++)
			q += sprintf(q, *n == '-' ? "\\-" : "%c", *n);
		sprintf(q, "\\fR");
		p = strstr(text, want);
		ck_assert_msg(p, "no .TP for --%s in the man page",
			      config_opt_table[i].name);
		if (config_opt_table[i].def) {
			char *end = strstr(p + 4, ".TP\n");

			p = strstr(p, "(default: ");
			ck_assert_msg(p && (!end || p < end),
				      "no default for --%s in the man page",
				      config_opt_table[i].name);
		}
	}
	for (size_t i = 0; i < sizeof(man_sections) / sizeof(man_sections[0]);
	     i++)
		ck_assert_msg(strstr(text, man_sections[i]), "no %s",
			      man_sections[i]);
	free(text);
}
END_TEST

/*
 * The table's typed defaults (.dflt, what config_defaults() sets) are the
 * ones --help, the man page and the example file show as text.
 */
START_TEST(test_table_defaults_match_help)
{
	for (size_t i = 0; i < config_opt_count; i++) {
		const struct opt_def *o = &config_opt_table[i];
		char *end;

		if (o->kind == OPT_UINT && o->def &&
		    o->def[strspn(o->def, "0123456789")] == '\0') {
			ck_assert_msg(strtoul(o->def, &end, 10) == o->dflt,
				      "--%s: help says %s, default is %u",
				      o->name, o->def, o->dflt);
		} else if (o->kind == OPT_ENUM) {
			ck_assert_msg(
				o->def && !strcmp(o->names[o->dflt], o->def),
				"--%s: help says %s, default is %s", o->name,
				o->def ? o->def : "nothing", o->names[o->dflt]);
		} else if (o->kind == OPT_UINT) {
			/* "4 x --ratelimit", "off": computed, stored 0 */
			ck_assert_msg(o->dflt == 0, "--%s: %u", o->name,
				      o->dflt);
		}
	}
}
END_TEST

/* SIGHUP warns about exactly the restart-only options that changed. */
static const struct {
	const char *const args[6];
	int n;
	const char *names;
} restart_cases[] = {
	{ { "--port", "5300" }, 1, "--port" },
	{ { "--listen", "198.18.1.1", "--listen", "198.18.1.3" },
	  1,
	  "--listen" },
	{ { "--ratelimit", "10", "--max-ttl", "60" }, 0, "" },
	{ { "--tcp-max-conns", "5", "--metrics", "127.0.0.1:9999" },
	  2,
	  "--tcp-max-conns, --metrics" },
	{ { "--log-level", "debug", "--no-xdp" }, 0, "" },
};

START_TEST(test_restart_changed)
{
	const char *base[] = { "--no-xdp", "--listen",	 "198.18.1.1",
			       "--listen", "198.18.1.2", NULL };
	const char *args[16] = { "--no-xdp", "--listen", "198.18.1.1",
				 "--listen", "198.18.1.2" };
	char err[CONFIG_ERR_MAX], names[128];
	struct config a, b;
	size_t n = 5;

	for (size_t i = 0; i < 6 && restart_cases[_i].args[i]; i++) {
		/* a second --listen pair replaces the base one */
		if (!strcmp(restart_cases[_i].args[i], "--listen") && n == 5)
			n = 1;
		args[n++] = restart_cases[_i].args[i];
	}
	args[n] = NULL;
	ck_assert_int_eq(build(&a, err, base), CONFIG_RUN);
	ck_assert_msg(build(&b, err, args) == CONFIG_RUN, "%s", err);
	ck_assert_int_eq(config_restart_changed(&a, &b, names, sizeof(names)),
			 restart_cases[_i].n);
	ck_assert_str_eq(names, restart_cases[_i].names);
	ck_assert_int_eq(config_restart_changed(&a, &a, names, sizeof(names)),
			 0);
	config_free(&a);
	config_free(&b);
}
END_TEST

/* README.md's option table names exactly the options --help shows. */
START_TEST(test_readme_option_table)
{
	FILE *f = fopen("README.md", "r");
	bool seen[128] = { false }, in_table = false;
	char line[1024];
	int rows = 0;

	ck_assert_msg(f, "run from the repository root");
	ck_assert_uint_le(config_opt_count, 128);
	while (fgets(line, sizeof(line), f)) {
		char *cell, *p;

		if (!strncmp(line, "## xdpdnsd options", 18))
			in_table = true;
		else if (!strncmp(line, "## ", 3) || !strncmp(line, "### ", 4))
			in_table = false;
		if (!in_table || strncmp(line, "| `", 3))
			continue;
		rows++;
		cell = line + 2;
		p = strstr(cell, " | ");
		ck_assert_ptr_nonnull(p);
		*p = '\0';
		for (p = strstr(cell, "--"); p; p = strstr(p + 2, "--")) {
			size_t len = strspn(
				p + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
			size_t i;

			for (i = 0; i < config_opt_count; i++)
				if (strlen(config_opt_table[i].name) == len &&
				    !strncmp(p + 2, config_opt_table[i].name,
					     len))
					break;
			ck_assert_msg(
				i < config_opt_count,
				"README lists --%.*s, which --help does not",
				(int)len, p + 2);
			seen[i] = true;
		}
	}
	fclose(f);
	ck_assert_int_gt(rows, 30);
	for (size_t i = 0; i < config_opt_count; i++) {
		const char *name = config_opt_table[i].name;

		if (!strcmp(name, "help") || !strcmp(name, "version"))
			continue;
		ck_assert_msg(seen[i], "README's option table lacks --%s",
			      name);
	}
}
END_TEST

void config_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_defaults),
		     CKTEST_TABLE(test_good_values, good_cases),
		     CKTEST(test_repeatable_and_last_wins),
		     CKTEST(test_help_version), CKTEST(test_file_and_override),
		     CKTEST(test_prefix_and_bursts),
		     CKTEST(test_files_readable),
		     CKTEST(test_example_lists_every_option),
		     CKTEST(test_example_shipped),
		     CKTEST(test_example_defaults_are_real),
		     CKTEST(test_man_every_option),
		     CKTEST(test_table_defaults_match_help),
		     CKTEST_TABLE(test_restart_changed, restart_cases),
		     CKTEST(test_readme_option_table));
	CKTEST_TCASE(s, "Negative", NULL,
		     CKTEST_TABLE(test_bad_values, bad_cases),
		     CKTEST(test_missing_required),
		     CKTEST_TABLE(test_bad_files, bad_files),
		     CKTEST(test_unreadable_files),
		     CKTEST_TABLE(test_files_missing, missing_files));
	CKTEST_TCASE(s, "Limits", NULL, CKTEST_TABLE(test_limits, limit_cases));
}
