/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The logic of `xdpdnsctl announce`, the anycast health agent, without its
 * I/O: the debounce of health verdicts into announce / withdraw (--rise,
 * --fall), the service prefixes it is given, and the vtysh commands that
 * add or remove them as BGP `network` statements in FRR.
 */
#ifndef XDPDNS_ANNOUNCE_H
#define XDPDNS_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ANNOUNCE_PREFIX_MAX 8
#define ANNOUNCE_TEXT_MAX 48 /* "ffff:...:ffff/128" and its NUL */
#define ANNOUNCE_CMD_MAX 64
/* -c strings of one vtysh call: configure, router, then per family
 * address-family + one per prefix + exit-address-family. */
#define ANNOUNCE_CMDS_MAX (2 + 2 * 2 + ANNOUNCE_PREFIX_MAX)

/* Consecutive verdicts needed to change state, and the state. */
struct announce_sm {
	unsigned int rise, fall;
	unsigned int good, bad;
	bool healthy; /* starts false: nothing is announced before --rise */
};

/* One verdict in. Return: true when the debounced state changed. */
bool announce_sm_feed(struct announce_sm *sm, bool ok);

struct announce_prefix {
	int family; /* AF_INET or AF_INET6 */
	unsigned int len;
	char text[ANNOUNCE_TEXT_MAX]; /* canonical "ADDR/LEN" */
};

/*
 * Parses "198.18.53.53/32" or "2001:db8:53::53/128" (no length: a host
 * route). Host bits must be zero, as BGP would not take them otherwise.
 * Return: 0, or -EINVAL.
 */
int announce_prefix_parse(const char *s, struct announce_prefix *p);

/*
 * The -c commands that announce (@up) or withdraw the @n prefixes of BGP
 * instance @as: into @cmds, Return: their number.
 */
size_t announce_cmds(const struct announce_prefix *p, size_t n, uint32_t as,
		     bool up, char cmds[][ANNOUNCE_CMD_MAX]);

#endif /* XDPDNS_ANNOUNCE_H */
