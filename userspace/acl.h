/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Client access control as xdpdnsd applies it: the allow, deny and
 * rate-limit-exempt prefix lists, the default allow list (the prefixes of
 * the interface's addresses plus loopback, never everyone), the LPM tries
 * the XDP program enforces them from, and the same check in user space for
 * what XDP never sees (TCP, and everything under --no-xdp).
 */
#ifndef XDPDNS_ACL_H
#define XDPDNS_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "config.h"
#include "maps/xdpdns.h"

struct acl_list {
	struct xdpdns_lpm_key *keys;
	size_t n;
};

struct acl {
	struct acl_list allow;
	struct acl_list deny;
	struct acl_list exempt;
	bool refuse; /* --acl-action refuse */
};

/**
 * acl_build() - the lists @cfg asks for.
 * @err: CONFIG_ERR_MAX bytes for one line naming the problem.
 *
 * Without --allow, the prefixes of the addresses on --interface (or, with
 * --no-xdp, on the interfaces holding the --listen addresses) and loopback.
 * Return: 0 or -errno.
 */
int acl_build(const struct config *cfg, struct acl *acl, char *err,
	      size_t errlen);

void acl_free(struct acl *acl);

struct ifaddrs;

/*
 * The default allow list acl_build() makes from getifaddrs()'s @all:
 * loopback, then the prefixes of the interfaces @cfg names, added to @l.
 * Separate so the unit tests can hand it interfaces of their own.
 * Return: 0 or -ENOMEM.
 */
int acl_default_allow_from(const struct config *cfg, const struct ifaddrs *all,
			   struct acl_list *l);

/* Whether a client at @sa may be served (deny wins over allow). */
bool acl_allowed(const struct acl *acl, const struct sockaddr *sa);

/* Whether a client at @sa is exempt from rate limits (--ratelimit-exempt). */
bool acl_exempt(const struct acl *acl, const struct sockaddr *sa);

/*
 * Makes the three LPM tries hold exactly @acl's lists. Return: 0 or -errno.
 */
int acl_write_maps(const struct acl *acl, int allow_fd, int deny_fd,
		   int exempt_fd);

#endif /* XDPDNS_ACL_H */
