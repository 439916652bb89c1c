// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's own per-client buckets; see dlimit.h. One lock around each
 * take: under --no-xdp every UDP thread limits its queries here, and a
 * client's buckets must be one whichever thread its queries reach.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dlimit.h"
#include "maps/xdpdns.h"
#include "lib/util.h"

struct dlimit_slot {
	uint8_t used;
	uint8_t family; /* 4 or 6 */
	uint8_t stage; /* enum xdpdns_rl_stage */
	uint8_t plen; /* the prefix length addr is masked to */
	uint8_t addr[16];
	uint64_t tat_ns[2]; /* DLIMIT_QUERY, DLIMIT_MISS (hosts only) */
	uint64_t last_ns;
};

struct dlimit {
	pthread_mutex_t lock;
	uint32_t mask; /* slots - 1 */
	uint64_t new_tat_ns; /* the new-source admission bucket */
	struct dlimit_slot slot[];
};

int dlimit_create(uint32_t slots, struct dlimit **out)
{
	uint32_t n = 64;
	struct dlimit *d;

	while (n < slots && n < (1U << 24))
		n <<= 1;
	d = calloc(1, sizeof(*d) + (size_t)n * sizeof(d->slot[0]));
	if (!d)
		return -ENOMEM;
	d->mask = n - 1;
	pthread_mutex_init(&d->lock, NULL);
	*out = d;
	return 0;
}

void dlimit_destroy(struct dlimit *d)
{
	if (d)
		pthread_mutex_destroy(&d->lock);
	free(d);
}

/* The prefix length of @stage for @family (0 in @cfg: the default). */
static unsigned int dlimit_bits(const struct config *cfg, uint8_t family,
				uint8_t stage)
{
	uint32_t b;

	if (stage == XDPDNS_RL_NET)
		b = family == 4 ? cfg->ratelimit_net_v4_prefix :
				  cfg->ratelimit_net_v6_prefix;
	else if (stage == XDPDNS_RL_WIDE)
		b = family == 4 ? cfg->ratelimit_wide_v4_prefix :
				  cfg->ratelimit_wide_v6_prefix;
	else
		b = family == 4 ? cfg->ratelimit_v4_prefix :
				  cfg->ratelimit_v6_prefix;
	if (!b)
		b = xdpdns_rl_default_bits(family, stage);
	return b > (family == 4 ? 32U : 128U) ? (family == 4 ? 32U : 128U) : b;
}

/* @peer's address masked to @stage's prefix, as family and 16 bytes. */
static bool dlimit_key(const struct sockaddr *peer, const struct config *cfg,
		       uint8_t stage, uint8_t *family, uint8_t *plen,
		       uint8_t addr[16])
{
	unsigned int bits;
	const void *a;

	memset(addr, 0, 16);
	if (peer->sa_family == AF_INET) {
		a = &((const struct sockaddr_in *)peer)->sin_addr;
		memcpy(addr, a, 4);
		*family = 4;
	} else if (peer->sa_family == AF_INET6) {
		a = &((const struct sockaddr_in6 *)peer)->sin6_addr;
		memcpy(addr, a, 16);
		*family = 6;
	} else {
		return false;
	}
	bits = dlimit_bits(cfg, *family, stage);
	*plen = (uint8_t)bits;
	for (unsigned int i = 0; i < 16; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		addr[i] &= (uint8_t)(0xff00 >> bits);
		bits = 0;
	}
	return true;
}

/* The slot of an entry, or NULL; @victim: where a new one would go. */
static struct dlimit_slot *dlimit_find(struct dlimit *d, uint8_t family,
				       uint8_t stage, uint8_t plen,
				       const uint8_t addr[16],
				       struct dlimit_slot **victim)
{
	uint32_t h = util_hash(UTIL_HASH_INIT ^ family ^ (uint32_t)stage << 8 ^
				       (uint32_t)plen << 16,
			       addr, 16);

	*victim = NULL;
	for (uint32_t i = 0; i < DLIMIT_WAYS; i++) {
		struct dlimit_slot *s = &d->slot[(h + i) & d->mask];

		if (s->used && s->family == family && s->stage == stage &&
		    s->plen == plen && !memcmp(s->addr, addr, 16))
			return s;
		if (!*victim || !s->used ||
		    ((*victim)->used && s->last_ns < (*victim)->last_ns))
			*victim = s;
	}
	return NULL;
}

static struct dlimit_slot *dlimit_claim(struct dlimit_slot *s, uint8_t family,
					uint8_t stage, uint8_t plen,
					const uint8_t addr[16], uint64_t now_ns)
{
	memset(s, 0, sizeof(*s));
	s->used = 1;
	s->family = family;
	s->stage = stage;
	s->plen = plen;
	memcpy(s->addr, addr, 16);
	s->last_ns = now_ns;
	return s;
}

/* One token of the bucket *@tat (maps/xdpdns.h's GCRA, as XDP counts). */
static bool dlimit_gcra(uint64_t *tat, uint64_t now, uint32_t rate,
			uint32_t burst)
{
	__u64 next;

	if (!xdpdns_gcra_step(*tat, now, rate, burst, &next))
		return false;
	*tat = next;
	return true;
}

static bool dlimit_rate_on(uint32_t rate)
{
	return rate && rate <= NSEC_PER_SEC;
}

/* One token of a prefix stage's bucket. */
static bool dlimit_stage(struct dlimit *d, const struct config *cfg,
			 const struct sockaddr *peer, uint8_t stage,
			 uint64_t now_ns)
{
	bool wide = stage == XDPDNS_RL_WIDE;
	uint32_t rate = wide ? cfg->ratelimit_wide : cfg->ratelimit_net;
	uint32_t burst = wide ? config_wide_burst(cfg) : config_net_burst(cfg);
	struct dlimit_slot *s, *victim;
	uint8_t family, plen, addr[16];

	if (!dlimit_rate_on(rate) ||
	    !dlimit_key(peer, cfg, stage, &family, &plen, addr))
		return true;
	s = dlimit_find(d, family, stage, plen, addr, &victim);
	if (!s)
		s = dlimit_claim(victim, family, stage, plen, addr, now_ns);
	s->last_ns = now_ns;
	return dlimit_gcra(&s->tat_ns[DLIMIT_QUERY], now_ns, rate, burst);
}

static bool dlimit_take_cookie_locked(struct dlimit *d,
				      const struct config *cfg,
				      const struct sockaddr *peer,
				      enum dlimit_bucket bucket,
				      uint64_t now_ns)
{
	uint32_t rate = bucket == DLIMIT_QUERY ? cfg->ratelimit_cookie :
						 cfg->miss_limit;
	uint32_t burst = bucket == DLIMIT_QUERY ? config_cookie_burst(cfg) :
						  config_miss_burst(cfg);
	struct dlimit_slot *s, *victim;
	uint8_t family, plen, addr[16];

	if (!dlimit_rate_on(rate) ||
	    !dlimit_key(peer, cfg, XDPDNS_RL_HOST, &family, &plen, addr))
		return true;
	s = dlimit_find(d, family, XDPDNS_RL_COOKIE, plen, addr, &victim);
	if (!s)
		s = dlimit_claim(victim, family, XDPDNS_RL_COOKIE, plen, addr,
				 now_ns);
	s->last_ns = now_ns;
	return dlimit_gcra(&s->tat_ns[bucket], now_ns, rate, burst);
}

static bool dlimit_take_locked(struct dlimit *d, const struct config *cfg,
			       const struct sockaddr *peer,
			       enum dlimit_bucket bucket, uint64_t now_ns,
			       enum dlimit_bucket *over)
{
	uint32_t rate = bucket == DLIMIT_QUERY ? cfg->ratelimit :
						 cfg->miss_limit;
	uint32_t burst = bucket == DLIMIT_QUERY ? config_rl_burst(cfg) :
						  config_miss_burst(cfg);
	bool stages = bucket == DLIMIT_QUERY &&
		      (dlimit_rate_on(cfg->ratelimit_net) ||
		       dlimit_rate_on(cfg->ratelimit_wide));
	enum dlimit_bucket why = bucket;
	struct dlimit_slot *s, *victim;
	uint8_t family, plen, addr[16];

	if ((!dlimit_rate_on(rate) && !stages &&
	     !dlimit_rate_on(cfg->new_source_limit)) ||
	    !dlimit_key(peer, cfg, XDPDNS_RL_HOST, &family, &plen, addr))
		return true;
	s = dlimit_find(d, family, XDPDNS_RL_HOST, plen, addr, &victim);
	if (!s) {
		if (dlimit_rate_on(cfg->new_source_limit) &&
		    !dlimit_gcra(&d->new_tat_ns, now_ns, cfg->new_source_limit,
				 cfg->new_source_burst)) {
			why = DLIMIT_NEW;
			goto limited;
		}
		s = dlimit_claim(victim, family, XDPDNS_RL_HOST, plen, addr,
				 now_ns);
		s->tat_ns[DLIMIT_QUERY] = xdpdns_gcra_start(
			now_ns, cfg->ratelimit, config_rl_burst(cfg),
			cfg->new_source_first_burst);
		s->tat_ns[DLIMIT_MISS] = xdpdns_gcra_start(
			now_ns, cfg->miss_limit, config_miss_burst(cfg),
			cfg->new_source_first_burst);
	}
	s->last_ns = now_ns;
	if (dlimit_rate_on(rate) &&
	    !dlimit_gcra(&s->tat_ns[bucket], now_ns, rate, burst))
		goto limited;
	if (!stages)
		return true;
	why = DLIMIT_NET;
	if (!dlimit_stage(d, cfg, peer, XDPDNS_RL_NET, now_ns))
		goto limited;
	why = DLIMIT_WIDE;
	if (!dlimit_stage(d, cfg, peer, XDPDNS_RL_WIDE, now_ns))
		goto limited;
	return true;
limited:
	if (over)
		*over = why;
	return false;
}

bool dlimit_take_cookie(struct dlimit *d, const struct config *cfg,
			const struct sockaddr *peer, enum dlimit_bucket bucket,
			uint64_t now_ns)
{
	bool ok;

	pthread_mutex_lock(&d->lock);
	ok = dlimit_take_cookie_locked(d, cfg, peer, bucket, now_ns);
	pthread_mutex_unlock(&d->lock);
	return ok;
}

bool dlimit_take(struct dlimit *d, const struct config *cfg,
		 const struct sockaddr *peer, enum dlimit_bucket bucket,
		 uint64_t now_ns, enum dlimit_bucket *over)
{
	bool ok;

	pthread_mutex_lock(&d->lock);
	ok = dlimit_take_locked(d, cfg, peer, bucket, now_ns, over);
	pthread_mutex_unlock(&d->lock);
	return ok;
}
