/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS cookies (RFC 7873) with RFC 9018 server cookies, for the daemon and
 * the tests: the same check and the same reply cookie as the XDP program's
 * xdpdns_cookie_check() (bpf/cookie.bpf.h), on the definitions of
 * maps/xdpdns.h, "DNS cookies"; and the secrets: --cookie-secret-file, or
 * a random one, rotated.
 */
#ifndef XDPDNS_COOKIE_H
#define XDPDNS_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/xdpdns.h"

/* The largest --cookie-secret-file read. */
#define COOKIE_FILE_MAX 4096

/*
 * cookie_server() - our server cookie for @client (8 bytes) from the
 * client at @addr (@family 4 or 6, network order), stamped @ts (Unix
 * seconds), made with @k: 16 bytes into @out.
 */
void cookie_server(const struct xdpdns_hash_key *k, const uint8_t *client,
		   uint32_t ts, int family, const uint8_t *addr, uint8_t *out);

/*
 * cookie_check() - the verdict on a query's COOKIE option data @opt of
 * @len bytes from the client at @addr, at Unix time @now, with secrets @k;
 * for any verdict but NONE and MALFORMED, the COOKIE option data a reply
 * carries (XDPDNS_COOKIE_LEN bytes) into @reply: the query's own cookie
 * when it is valid, made with the current secret and younger than
 * XDPDNS_COOKIE_RENEW, else a fresh one. @opt NULL: no COOKIE option.
 */
enum xdpdns_cookie_verdict cookie_check(const struct xdpdns_cookie_keys *k,
					const uint8_t *opt, size_t len,
					uint32_t now, int family,
					const uint8_t *addr, uint8_t *reply);

/*
 * cookie_parse_secrets() - the secrets in @text (a --cookie-secret-file):
 * the current secret as 32 hex digits on the first line that is not blank
 * or a '#' comment, optionally the previous one on the next. Sets
 * @k->secret and @k->nsecrets only. @why: why not, without the file name.
 * Return: 0 or -EINVAL.
 */
int cookie_parse_secrets(const char *text, struct xdpdns_cookie_keys *k,
			 char *why, size_t cap);

/*
 * cookie_load_secrets() - cookie_parse_secrets() of the file at @path.
 * @err: "cookie-secret-file PATH: why". Return: 0 or -errno.
 */
int cookie_load_secrets(const char *path, struct xdpdns_cookie_keys *k,
			char *err, size_t errlen);

/* cookie_random_secret() - a new random secret. Return: 0 or -errno. */
int cookie_random_secret(struct xdpdns_hash_key *k);

/*
 * cookie_unix_offset() - CLOCK_REALTIME minus CLOCK_MONOTONIC now, ns:
 * what xdpdns_cookie_keys.unix_offset_ns holds.
 */
int64_t cookie_unix_offset(void);

/* cookie_unix_now() - Unix time in whole seconds, as the cookies use it. */
uint32_t cookie_unix_now(void);

#endif /* XDPDNS_COOKIE_H */
