// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's server-cookie secrets and its check; see cookies.h.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "cookies.h"
#include "lib/cookie.h"
#include "lib/util.h"
#include "log.h"

/* How far the map's Unix-time offset may drift from the clock's. */
#define COOKIES_OFFSET_SLACK_NS (100 * 1000 * 1000LL)

/* @c->keys, with the clock's offset now, into the map. */
static void cookies_write(struct cookies *c)
{
	__u32 zero = 0;

	c->keys.unix_offset_ns = cookie_unix_offset();
	c->written_offset_ns = c->keys.unix_offset_ns;
	if (c->map_fd >= 0 &&
	    bpf_map_update_elem(c->map_fd, &zero, &c->keys, BPF_ANY))
		log_warn("cannot write %s: %s", XDPDNS_MAP_COOKIE,
			 strerror(errno));
}

/* The secrets a daemon before this one left in the map, if any. */
static bool cookies_adopt(struct cookies *c)
{
	struct xdpdns_cookie_keys k;
	__u32 zero = 0;

	if (c->map_fd < 0 || bpf_map_lookup_elem(c->map_fd, &zero, &k) ||
	    !k.nsecrets || k.nsecrets > 2)
		return false;
	c->keys.secret[0] = k.secret[0];
	c->keys.secret[1] = k.secret[1];
	c->keys.nsecrets = k.nsecrets;
	return true;
}

/* A new random secret, the current one kept as the previous. */
static int cookies_rotate(struct cookies *c, uint64_t now_ns)
{
	struct xdpdns_hash_key k;
	int ret = cookie_random_secret(&k);

	if (ret)
		return ret;
	if (c->keys.nsecrets) {
		c->keys.secret[1] = c->keys.secret[0];
		c->keys.nsecrets = 2;
	} else {
		c->keys.nsecrets = 1;
	}
	c->keys.secret[0] = k;
	c->changed_ns = now_ns;
	stat_inc(&c->stats->cookie_rotations);
	return 0;
}

/* @cfg's secrets into @keys: off, the file, or none chosen yet (0). */
static int cookies_from_config(const struct config *cfg,
			       struct xdpdns_cookie_keys *keys, char *err,
			       size_t errlen)
{
	memset(keys, 0, sizeof(*keys));
	if (cfg->cookies == CONFIG_COOKIES_OFF || !cfg->cookie_secret_file)
		return 0;
	return cookie_load_secrets(cfg->cookie_secret_file, keys, err, errlen);
}

int cookies_init(struct cookies *c, const struct config *cfg, int map_fd,
		 struct daemon_stats *stats, uint64_t now_ns, char *err,
		 size_t errlen)
{
	int ret;

	memset(c, 0, sizeof(*c));
	pthread_rwlock_init(&c->lock, NULL);
	c->map_fd = map_fd;
	c->stats = stats;
	c->rotate_s = cfg->cookie_rotate;
	c->changed_ns = now_ns;
	ret = cookies_from_config(cfg, &c->keys, err, errlen);
	if (ret)
		return ret;
	c->from_file = c->keys.nsecrets != 0;
	if (c->from_file) {
		stat_inc(&stats->cookie_rotations);
	} else if (cfg->cookies == CONFIG_COOKIES_ON) {
		if (cookies_adopt(c)) {
			log_info("cookies: kept the server secret in %s",
				 XDPDNS_MAP_COOKIE);
		} else if ((ret = cookies_rotate(c, now_ns))) {
			snprintf(err, errlen, "cannot make a cookie secret: %s",
				 strerror(-ret));
			return ret;
		}
	}
	cookies_write(c);
	return 0;
}

static int cookies_reload_locked(struct cookies *c, const struct config *cfg,
				 uint64_t now_ns, char *err, size_t errlen)
{
	struct xdpdns_cookie_keys k;
	int ret = cookies_from_config(cfg, &k, err, errlen);

	if (ret)
		return ret;
	c->rotate_s = cfg->cookie_rotate;
	if (k.nsecrets) {
		if (memcmp(k.secret, c->keys.secret, sizeof(k.secret)) ||
		    k.nsecrets != c->keys.nsecrets)
			stat_inc(&c->stats->cookie_rotations);
		c->keys.secret[0] = k.secret[0];
		c->keys.secret[1] = k.secret[1];
		c->keys.nsecrets = k.nsecrets;
		c->from_file = true;
		c->changed_ns = now_ns;
	} else if (cfg->cookies == CONFIG_COOKIES_OFF) {
		memset(&c->keys, 0, sizeof(c->keys));
		c->from_file = false;
	} else if (c->from_file || !c->keys.nsecrets) {
		/* The file is gone from the settings, or cookies came on:
		 * a random secret, the file's still accepted a while. */
		c->from_file = false;
		ret = cookies_rotate(c, now_ns);
		if (ret) {
			snprintf(err, errlen, "cannot make a cookie secret: %s",
				 strerror(-ret));
			return ret;
		}
	}
	cookies_write(c);
	return 0;
}

int cookies_reload(struct cookies *c, const struct config *cfg, uint64_t now_ns,
		   char *err, size_t errlen)
{
	int ret;

	pthread_rwlock_wrlock(&c->lock);
	ret = cookies_reload_locked(c, cfg, now_ns, err, errlen);
	pthread_rwlock_unlock(&c->lock);
	return ret;
}

static void cookies_tick_locked(struct cookies *c, uint64_t now_ns)
{
	int64_t drift;

	if (!c->keys.nsecrets)
		return;
	if (!c->from_file && c->rotate_s &&
	    now_ns - c->changed_ns >= (uint64_t)c->rotate_s * NSEC_PER_SEC) {
		if (cookies_rotate(c, now_ns) == 0) {
			log_info("cookies: new server secret, the previous "
				 "one still accepted");
			cookies_write(c);
			return;
		}
	}
	drift = cookie_unix_offset() - c->written_offset_ns;
	if (drift > COOKIES_OFFSET_SLACK_NS || drift < -COOKIES_OFFSET_SLACK_NS)
		cookies_write(c);
}

void cookies_tick(struct cookies *c, uint64_t now_ns)
{
	/* The loop's thread is the only writer, so it may read without the
	 * lock; a tick that may change something holds it. */
	if (!c->keys.nsecrets)
		return;
	pthread_rwlock_wrlock(&c->lock);
	cookies_tick_locked(c, now_ns);
	pthread_rwlock_unlock(&c->lock);
}

/* @peer's address as the cookie hash takes it: 4 bytes for IPv4, also
 * when a dual-stack socket shows it v4-mapped. Return: family, or 0. */
static int cookies_peer(const struct sockaddr *peer, const uint8_t **addr)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)peer;

	if (peer->sa_family == AF_INET) {
		*addr = (const uint8_t *)&((const struct sockaddr_in *)peer)
				->sin_addr;
		return 4;
	}
	if (peer->sa_family != AF_INET6)
		return 0;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		*addr = s6->sin6_addr.s6_addr + 12;
		return 4;
	}
	*addr = s6->sin6_addr.s6_addr;
	return 6;
}

int cookies_check(struct cookies *c, struct dnsmsg_query *q,
		  const struct sockaddr *peer, struct daemon_stats *stats)
{
	const uint8_t *addr = NULL;
	int family = cookies_peer(peer, &addr), v;

	q->reply_cookie_len = 0;
	if (!q->cookie_off || !family)
		return XDPDNS_COOKIE_NONE;
	pthread_rwlock_rdlock(&c->lock);
	v = c->keys.nsecrets ? cookie_check(&c->keys, q->msg + q->cookie_off,
					    q->cookie_len, cookie_unix_now(),
					    family, addr, q->reply_cookie) :
			       XDPDNS_COOKIE_NONE;
	pthread_rwlock_unlock(&c->lock);
	if (v == XDPDNS_COOKIE_CLIENT)
		stat_inc(&stats->cookie_client);
	else if (v == XDPDNS_COOKIE_VALID)
		stat_inc(&stats->cookie_valid);
	else if (v == XDPDNS_COOKIE_INVALID)
		stat_inc(&stats->cookie_invalid);
	else if (v == XDPDNS_COOKIE_MALFORMED)
		stat_inc(&stats->cookie_malformed);
	if (v == XDPDNS_COOKIE_CLIENT || v == XDPDNS_COOKIE_VALID ||
	    v == XDPDNS_COOKIE_INVALID)
		q->reply_cookie_len = XDPDNS_COOKIE_LEN;
	return v;
}

void cookies_destroy(struct cookies *c)
{
	pthread_rwlock_destroy(&c->lock);
}
