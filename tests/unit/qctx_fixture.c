// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The --no-xdp query context for unit suites (qctx_fixture.h). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qctx_fixture.h"
#include "userspace/anscache.h"
#include "userspace/resolver.h"

static const char unbound_conf[] =
	"server:\n"
	"\tdo-not-query-localhost: yes\n"
	"\tlocal-zone: \"test.\" static\n"
	"\tlocal-data: \"a.test. 300 IN A 192.0.2.1\"\n"
	"\tlocal-data: \"b.test. 300 IN A 192.0.2.2\"\n";

void qctx_start(struct qctx_fixture *f, int argc, char **argv)
{
	char **args = calloc((size_t)argc + 3, sizeof(*args));
	char err[CONFIG_ERR_MAX];
	int fd;

	ck_assert_ptr_nonnull(args);
	memset(f, 0, sizeof(*f));
	strcpy(f->conf_path, "/tmp/check_qctx_XXXXXX");
	fd = mkstemp(f->conf_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, unbound_conf, strlen(unbound_conf)),
			 (int)strlen(unbound_conf));
	close(fd);
	memcpy(args, argv, (size_t)argc * sizeof(*args));
	args[argc] = "--unbound-config";
	args[argc + 1] = f->conf_path;
	ck_assert_msg(config_build(argc + 2, args, &f->cfg, err, sizeof(err)) ==
			      CONFIG_RUN,
		      "%s", err);
	free(args);
	ck_assert_msg(acl_build(&f->cfg, &f->acl, err, sizeof(err)) == 0, "%s",
		      err);
	f->ctx = calloc(1, sizeof(*f->ctx));
	ck_assert_ptr_nonnull(f->ctx);
	f->ctx->cfg = &f->cfg;
	f->ctx->acl = &f->acl;
	f->ctx->cm = NULL;
	f->ctx->stats = &f->stats;
	ck_assert_int_eq(anscache_create(64, &f->ctx->ac), 0);
	ck_assert_int_eq(resolver_create(&f->cfg, query_on_done, f->ctx,
					 &f->stats, &f->ctx->res),
			 0);
}

void qctx_stop(struct qctx_fixture *f)
{
	resolver_destroy(f->ctx->res);
	anscache_destroy(f->ctx->ac);
	free(f->ctx);
	acl_free(&f->acl);
	config_free(&f->cfg);
	/* Kept until now: a purge's fresh libunbound context reads it. */
	unlink(f->conf_path);
}

int qctx_udp_socket(const char *addr, struct sockaddr_storage *ss,
		    socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	*len = sizeof(*ss);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)ss, len), 0);
	return fd;
}
