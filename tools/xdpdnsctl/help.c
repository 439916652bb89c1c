// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsctl's command list, written once: `xdpdnsctl --help` prints it and
 * the build generates xdpdnsctl(8) from it (tools/gen/xdpdns-gen), so the
 * page cannot miss a command or an option the help shows.
 */
#include <stdio.h>
#include <string.h>

#include "lib/roff.h"
#include "lib/xdpmaps.h"
#include "xdpdnsctl.h"

/* The order here is the order of --help and of the man page. */
static const struct {
	const char *usage;
	const char *help;
} ctl_help_cmds[] = {
	{ "health", "exit 0/1: XDP attached, daemon alive,\n"
		    "maps present, recursion answering" },
	{ "announce --prefix P... --bgp-as AS [--interval S]\n"
	  "  [--rise N] [--fall N] [--refresh S]\n"
	  "  [--probe NAME --probe-server A]\n"
	  "  [-- VTYSH ARGS]",
	  "anycast agent: FRR announces P while\n"
	  "healthy, withdraws it when not (vtysh)" },
	{ "stats [--json|--prometheus]", "counters, hit ratio, cache fill" },
	{ "top names [-n N] [--json]", "cache entries with most XDP hits" },
	{ "top clients [-n N] [--json]", "clients with most queries" },
	{ "limited [--within S] [--json]",
	  "clients rate-limited in the last S s (10)" },
	{ "cache list [--json]", "every cache entry" },
	{ "cache get NAME [TYPE] [--json]",
	  "entries of NAME, with their records" },
	{ "cache delete NAME [TYPE] [--xdp-only]",
	  "purge NAME (all types, all DO/CD variants)\n"
	  "from XDP, xdpdnsd's copy and libunbound" },
	{ "cache flush [--xdp-only]", "purge every entry, everywhere" },
	{ "tail [--count N] [--timeout S] [--backlog] [--json]",
	  "print sampled queries from now until Ctrl-C" },
	{ "dump --json [--cache-data] [-o FILE]",
	  "every map as one JSON document" },
	{ "report [-o FILE] [--title T] DUMP...",
	  "HTML report from a series of dumps" },
	{ "hotset export [--top N] [--min-hits H] [--format text|json]",
	  "names XDP answers, most hit first:\n"
	  "'NAME TYPE HITS [do|cd|do,cd]' a line" },
	{ "hotset import FILE|- --server ADDR[#PORT] [--rate Q] [--timeout S]",
	  "ask the local xdpdnsd each name once (RD=1),\n"
	  "so it resolves and caches them in XDP;\n"
	  "Q a second (2000), S in all (60)" },
	{ "hotset pull URL --server ADDR[#PORT] [--top N] [--rate Q] [--timeout S]",
	  "import a peer's http://HOST:PORT/api/hotset" },
};

#define CTL_HELP_N (sizeof(ctl_help_cmds) / sizeof(ctl_help_cmds[0]))

/* Column of the help text in --help. */
#define CTL_HELP_COL 34

static const char ctl_synopsis[] = "[--pin-dir DIR] COMMAND [ARGS]";

void ctl_help_print(FILE *f)
{
	fprintf(f,
		"usage: xdpdnsctl %s\n"
		"\n"
		"Reads xdpdns's pinned BPF maps (default %s); works while\n"
		"xdpdnsd is down. Needs root (or CAP_BPF).\n"
		"\n",
		ctl_synopsis, XDPDNS_PIN_DIR_DEFAULT);
	for (size_t i = 0; i < CTL_HELP_N; i++) {
		const char *u = ctl_help_cmds[i].usage;

		if (strlen(u) + 2 < CTL_HELP_COL - 1)
			fprintf(f, "  %-*s", CTL_HELP_COL - 2, u);
		else
			fprintf(f, "  %s\n%-*s", u, CTL_HELP_COL, "");
		/* Help text may hold line breaks: indent what follows. */
		for (const char *h = ctl_help_cmds[i].help; *h; h++) {
			fputc(*h, f);
			if (*h == '\n')
				fprintf(f, "%-*s", CTL_HELP_COL, "");
		}
		fputc('\n', f);
	}
	fputs("\nExit status: 0 ok, 1 failed (e.g. no maps), 2 bad usage.\n",
	      f);
}

static const char ctl_man_description[] =
	".SH DESCRIPTION\n"
	".B xdpdnsctl\n"
	"reads the BPF maps\n"
	".BR xdpdnsd (8)\n"
	"pins and shows what the XDP program and the daemon did: counters, the "
	"hottest names and clients, the clients being rate-limited, the cache "
	"entries and sampled queries. It deletes or flushes cache entries (a "
	"running daemon then drops them from its own copy and libunbound's "
	"cache too, and says what it removed; --xdp-only leaves the daemon "
	"alone) and "
	"writes JSON dumps and HTML reports for dashboards and the record of an "
	"event. It needs no running daemon: the pinned maps outlive it, so it "
	"also answers while xdpdnsd is down or restarting. It needs root (or "
	"CAP_BPF). hotset export lists the names XDP answers, most hit first; "
	"hotset import and pull hand a peer's list to the local daemon by "
	"asking it each name (they need no privileges), so that nodes behind "
	"one anycast address share their clients' names.\n";

static const char ctl_man_rest[] =
	".PP\n"
	"--json prints one JSON document on stdout; --prometheus prints the "
	"kernel-side series in the Prometheus text format (e.g. for "
	"node_exporter's textfile collector while the daemon is down).\n"
	".SH SIGNALS\n"
	".TP\n"
	".BR SIGINT \", \" SIGTERM\n"
	"End tail (Ctrl-C) after printing what it has.\n"
	".PP\n"
	"xdpdnsctl does not signal the daemon: systemctl reload xdpdnsd sends "
	"it SIGHUP (re-read the configuration), systemctl stop xdpdnsd "
	"SIGTERM; see\n"
	".BR xdpdnsd (8).\n"
	".SH FILES\n"
	".TP\n"
	".I " XDPDNS_PIN_DIR_DEFAULT "/\n"
	"The pinned maps (xdpdns_stats, xdpdns_cache, xdpdns_rl, ...), one per "
	"file; bpftool map dump pinned shows them too.\n"
	".SH EXIT STATUS\n"
	".TP\n"
	".B 0\n"
	"Success.\n"
	".TP\n"
	".B 1\n"
	"The operation failed (e.g. no maps: is xdpdnsd running, or was it "
	"ever?).\n"
	".TP\n"
	".B 2\n"
	"Bad usage.\n"
	".SH SEE ALSO\n"
	".BR xdpdnsd (8),\n"
	".BR bpftool (8),\n"
	".BR xdp-loader (8)\n";

void ctl_write_man(FILE *f, const char *date, const char *version)
{
	roff_header(f, "XDPDNSCTL", date, version);
	roff_raw(f, ".SH NAME\n"
		    "xdpdnsctl \\- inspect and manage xdpdns from its pinned "
		    "BPF maps\n"
		    ".SH SYNOPSIS\n"
		    ".B xdpdnsctl\n");
	roff_usage(f, ctl_synopsis);
	fputs("\n.br\n.B xdpdnsctl\n", f);
	roff_usage(f, "--help");
	fputc('\n', f);
	roff_raw(f, ctl_man_description);
	fputs(".SH OPTIONS\n.TP\n", f);
	roff_usage(f, "--pin-dir DIR");
	roff_raw(f, "\nDirectory of the pinned maps, as xdpdnsd's --pin-dir; "
		    "it may stand before or after the command (default: ");
	roff_text(f, XDPDNS_PIN_DIR_DEFAULT, true);
	fputs(").\n.TP\n", f);
	roff_usage(f, "-h, --help");
	fputs("\nShow the command list and exit (also: xdpdnsctl help).\n"
	      ".SH COMMANDS\n",
	      f);
	for (size_t i = 0; i < CTL_HELP_N; i++) {
		fputs(".TP\n", f);
		roff_usage(f, ctl_help_cmds[i].usage);
		fputc('\n', f);
		roff_text(f, ctl_help_cmds[i].help, true);
		fputs(".\n", f);
	}
	roff_raw(f, ctl_man_rest);
}
