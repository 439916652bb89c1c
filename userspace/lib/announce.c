// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The anycast health agent's logic; see announce.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "announce.h"

bool announce_sm_feed(struct announce_sm *sm, bool ok)
{
	if (ok) {
		sm->bad = 0;
		if (sm->good < sm->rise)
			sm->good++;
		if (!sm->healthy && sm->good >= sm->rise) {
			sm->healthy = true;
			return true;
		}
		return false;
	}
	sm->good = 0;
	if (sm->bad < sm->fall)
		sm->bad++;
	if (sm->healthy && sm->bad >= sm->fall) {
		sm->healthy = false;
		return true;
	}
	return false;
}

int announce_prefix_parse(const char *s, struct announce_prefix *p)
{
	unsigned char addr[16];
	char buf[ANNOUNCE_TEXT_MAX], text[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max, bits;
	char *end;
	long len;

	if (!alen || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	len = max;
	if (slash) {
		errno = 0;
		len = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || len < 0 ||
		    len > (long)max)
			return -EINVAL;
	}
	/* No bits set past the length. */
	for (bits = (unsigned int)len; bits < max; bits++)
		if (addr[bits / 8] & (0x80 >> (bits % 8)))
			return -EINVAL;
	p->len = (unsigned int)len;
	inet_ntop(p->family, addr, text, sizeof(text));
	snprintf(p->text, sizeof(p->text), "%s/%u", text, p->len);
	return 0;
}

size_t announce_cmds(const struct announce_prefix *p, size_t n, uint32_t as,
		     bool up, char cmds[][ANNOUNCE_CMD_MAX])
{
	static const struct {
		int family;
		const char *af;
	} afs[] = { { AF_INET, "ipv4" }, { AF_INET6, "ipv6" } };
	size_t k = 0;

	if (n > ANNOUNCE_PREFIX_MAX)
		n = ANNOUNCE_PREFIX_MAX;
	snprintf(cmds[k++], ANNOUNCE_CMD_MAX, "configure terminal");
	snprintf(cmds[k++], ANNOUNCE_CMD_MAX, "router bgp %u", as);
	for (size_t a = 0; a < sizeof(afs) / sizeof(afs[0]); a++) {
		bool any = false;

		for (size_t i = 0; i < n; i++) {
			if (p[i].family != afs[a].family)
				continue;
			if (!any)
				snprintf(cmds[k++], ANNOUNCE_CMD_MAX,
					 "address-family %s unicast",
					 afs[a].af);
			any = true;
			snprintf(cmds[k++], ANNOUNCE_CMD_MAX, "%snetwork %s",
				 up ? "" : "no ", p[i].text);
		}
		if (any)
			snprintf(cmds[k++], ANNOUNCE_CMD_MAX,
				 "exit-address-family");
	}
	return k;
}
