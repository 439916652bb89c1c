/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's query context as xdpdnsd builds it under --no-xdp, for the
 * unit suites of the query glue and of purges: a configuration from a
 * command line, its ACL, the answer cache and a real libunbound resolver
 * that answers a.test. and b.test. from a local zone (and forwards the
 * rest to 127.0.0.1 port 9, where nothing answers).
 */
#ifndef XDPDNS_TESTS_UNIT_QCTX_FIXTURE_H
#define XDPDNS_TESTS_UNIT_QCTX_FIXTURE_H

#include <sys/socket.h>

#include "userspace/acl.h"
#include "userspace/config.h"
#include "userspace/query.h"

struct qctx_fixture {
	char conf_path[64]; /* the unbound config, removed by qctx_stop() */
	struct config cfg;
	struct acl acl;
	struct daemon_stats stats;
	struct query_ctx *ctx;
};

/*
 * Builds @f from the xdpdnsd command line @argv (@argc words, without
 * --unbound-config, which is added). Fails the test on any error.
 */
void qctx_start(struct qctx_fixture *f, int argc, char **argv);
void qctx_stop(struct qctx_fixture *f);

/* A UDP socket bound to @addr (IPv4), port chosen by the kernel; its
 * address in @ss. */
int qctx_udp_socket(const char *addr, struct sockaddr_storage *ss,
		    socklen_t *len);

#endif /* XDPDNS_TESTS_UNIT_QCTX_FIXTURE_H */
