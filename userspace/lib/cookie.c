// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * DNS cookies for the daemon and the tests (cookie.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cookie.h"
#include "util.h"

void cookie_server(const struct xdpdns_hash_key *k, const uint8_t *client,
		   uint32_t ts, int family, const uint8_t *addr, uint8_t *out)
{
	uint8_t in[16];
	uint32_t be = htobe32(ts);
	uint64_t h;

	memcpy(in, client, XDPDNS_COOKIE_CLIENT_LEN);
	in[8] = XDPDNS_COOKIE_VERSION;
	in[9] = in[10] = in[11] = 0;
	memcpy(in + 12, &be, 4);
	h = xdpdns_cookie_hash(k, in, addr, family);
	memcpy(out, in + 8, 8);
	memcpy(out + 8, &h, 8);
}

/* Does @k make the 8-byte hash that ends the 24-byte cookie @c? */
static bool cookie_made_by(const struct xdpdns_hash_key *k, const uint8_t *c,
			   int family, const uint8_t *addr)
{
	uint64_t h = xdpdns_cookie_hash(k, c, addr, family);

	return !memcmp(&h, c + 16, 8);
}

enum xdpdns_cookie_verdict cookie_check(const struct xdpdns_cookie_keys *k,
					const uint8_t *opt, size_t len,
					uint32_t now, int family,
					const uint8_t *addr, uint8_t *reply)
{
	enum xdpdns_cookie_verdict v = XDPDNS_COOKIE_CLIENT;
	int secret = -1;
	int32_t age = 0;
	uint32_t ts;

	if (!opt || !k->nsecrets)
		return XDPDNS_COOKIE_NONE;
	if (!xdpdns_cookie_len_ok((uint32_t)len))
		return XDPDNS_COOKIE_MALFORMED;
	if (len > XDPDNS_COOKIE_CLIENT_LEN) {
		v = XDPDNS_COOKIE_INVALID;
		memcpy(&ts, opt + 12, 4);
		age = xdpdns_cookie_age(be32toh(ts), now);
		if (len == XDPDNS_COOKIE_LEN &&
		    opt[8] == XDPDNS_COOKIE_VERSION &&
		    age <= XDPDNS_COOKIE_MAX_AGE &&
		    age >= -XDPDNS_COOKIE_MAX_AHEAD) {
			if (cookie_made_by(&k->secret[0], opt, family, addr))
				secret = 0;
			else if (k->nsecrets > 1 &&
				 cookie_made_by(&k->secret[1], opt, family,
						addr))
				secret = 1;
			if (secret >= 0)
				v = XDPDNS_COOKIE_VALID;
		}
	}
	memcpy(reply, opt, XDPDNS_COOKIE_CLIENT_LEN);
	if (secret == 0 && age < XDPDNS_COOKIE_RENEW)
		memcpy(reply + 8, opt + 8, XDPDNS_COOKIE_SERVER_LEN);
	else
		cookie_server(&k->secret[0], opt, now, family, addr, reply + 8);
	return v;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One line's secret: 32 hex digits, blanks around them. */
static int parse_secret(const char *s, size_t n, struct xdpdns_hash_key *k,
			char *why, size_t cap)
{
	uint8_t b[16] = { 0 }, any = 0;
	size_t i = 0, d = 0;

	while (i < n && isspace((unsigned char)s[i]))
		i++;
	for (; i < n && d < 32; i++, d++) {
		int v = hexval((unsigned char)s[i]);

		if (v < 0)
			break;
		b[d / 2] |= v << (d & 1 ? 0 : 4);
	}
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (d != 32 || i != n) {
		seterr(why, cap, "a secret is 32 hex digits (16 bytes)");
		return -EINVAL;
	}
	for (i = 0; i < sizeof(b); i++)
		any |= b[i];
	if (!any) {
		seterr(why, cap, "a secret of zeros is no secret");
		return -EINVAL;
	}
	/* The reference SipHash reads its key as two little-endian words. */
	k->k0 = le64toh(*(uint64_t *)b);
	k->k1 = le64toh(*(uint64_t *)(b + 8));
	return 0;
}

int cookie_parse_secrets(const char *text, struct xdpdns_cookie_keys *k,
			 char *why, size_t cap)
{
	struct xdpdns_hash_key s[2];
	unsigned int n = 0;
	const char *p = text;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p), i = 0;

		while (i < len && isspace((unsigned char)p[i]))
			i++;
		if (i < len && p[i] != '#') {
			if (n == 2) {
				seterr(why, cap,
				       "more than two secrets (current, previous)");
				return -EINVAL;
			}
			if (parse_secret(p, len, &s[n], why, cap))
				return -EINVAL;
			n++;
		}
		p += len + (e ? 1 : 0);
	}
	if (!n) {
		seterr(why, cap, "no secret in it");
		return -EINVAL;
	}
	memset(k->secret, 0, sizeof(k->secret));
	memcpy(k->secret, s, n * sizeof(s[0]));
	k->nsecrets = n;
	return 0;
}

int cookie_load_secrets(const char *path, struct xdpdns_cookie_keys *k,
			char *err, size_t errlen)
{
	char buf[COOKIE_FILE_MAX + 1], why[128];
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		seterr(err, errlen, "cookie-secret-file %s: %s", path,
		       strerror(errno));
		return ret;
	}
	n = read(fd, buf, sizeof(buf));
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret) {
		seterr(err, errlen, "cookie-secret-file %s: %s", path,
		       strerror(-ret));
		return ret;
	}
	if (n > COOKIE_FILE_MAX) {
		seterr(err, errlen,
		       "cookie-secret-file %s: longer than %d bytes", path,
		       COOKIE_FILE_MAX);
		return -EINVAL;
	}
	buf[n] = 0;
	if (memchr(buf, 0, n)) {
		seterr(err, errlen, "cookie-secret-file %s: not a text file",
		       path);
		return -EINVAL;
	}
	if (cookie_parse_secrets(buf, k, why, sizeof(why))) {
		seterr(err, errlen, "cookie-secret-file %s: %s", path, why);
		return -EINVAL;
	}
	return 0;
}

int cookie_random_secret(struct xdpdns_hash_key *k)
{
	uint8_t *p = (uint8_t *)k;
	size_t got = 0;

	while (got < sizeof(*k)) {
		ssize_t n = getrandom(p + got, sizeof(*k) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += n;
	}
	return 0;
}

int64_t cookie_unix_offset(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return ((int64_t)r.tv_sec - m.tv_sec) * (int64_t)NSEC_PER_SEC +
	       (r.tv_nsec - m.tv_nsec);
}

uint32_t cookie_unix_now(void)
{
	return (uint32_t)time(NULL);
}
