// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's own per-client buckets; see dlimit.h. Single-threaded: only
 * the event loop calls dlimit_take().
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dlimit.h"
#include "lib/util.h"

struct dlimit_slot {
	uint8_t used;
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16]; /* masked to the host aggregation */
	uint64_t tat_ns[2]; /* per enum dlimit_bucket */
	uint64_t last_ns;
};

struct dlimit {
	uint32_t mask; /* slots - 1 */
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
	*out = d;
	return 0;
}

void dlimit_destroy(struct dlimit *d)
{
	free(d);
}

/* @peer's address masked to @bits, as family and 16 bytes. */
static bool dlimit_key(const struct sockaddr *peer, const struct config *cfg,
		       uint8_t *family, uint8_t addr[16])
{
	unsigned int bits;
	const void *a;

	memset(addr, 0, 16);
	if (peer->sa_family == AF_INET) {
		a = &((const struct sockaddr_in *)peer)->sin_addr;
		memcpy(addr, a, 4);
		*family = 4;
		bits = cfg->ratelimit_v4_prefix ? cfg->ratelimit_v4_prefix : 32;
	} else if (peer->sa_family == AF_INET6) {
		a = &((const struct sockaddr_in6 *)peer)->sin6_addr;
		memcpy(addr, a, 16);
		*family = 6;
		bits = cfg->ratelimit_v6_prefix ? cfg->ratelimit_v6_prefix :
						  128;
	} else {
		return false;
	}
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

/* The client's slot, claimed (full buckets) when it has none. */
static struct dlimit_slot *dlimit_slot(struct dlimit *d, uint8_t family,
				       const uint8_t addr[16], uint64_t now_ns)
{
	uint32_t h = util_hash(UTIL_HASH_INIT ^ family, addr, 16);
	struct dlimit_slot *victim = NULL;

	for (uint32_t i = 0; i < DLIMIT_WAYS; i++) {
		struct dlimit_slot *s = &d->slot[(h + i) & d->mask];

		if (s->used && s->family == family &&
		    !memcmp(s->addr, addr, 16))
			return s;
		if (!victim || !s->used ||
		    (victim->used && s->last_ns < victim->last_ns))
			victim = s;
	}
	memset(victim, 0, sizeof(*victim));
	victim->used = 1;
	victim->family = family;
	memcpy(victim->addr, addr, 16);
	victim->last_ns = now_ns;
	return victim;
}

/* GCRA, as gcra_take() in bpf/limit.bpf.h. */
static bool dlimit_gcra(uint64_t *tat, uint64_t now, uint32_t rate,
			uint32_t burst)
{
	uint64_t t = NSEC_PER_SEC / rate;
	uint64_t tol = (uint64_t)(burst ? burst : 1) * t;
	uint64_t next = (*tat > now ? *tat : now) + t;

	if (next > now + tol)
		return false;
	*tat = next;
	return true;
}

bool dlimit_take(struct dlimit *d, const struct config *cfg,
		 const struct sockaddr *peer, enum dlimit_bucket bucket,
		 uint64_t now_ns)
{
	uint32_t rate = bucket == DLIMIT_QUERY ? cfg->ratelimit :
						 cfg->miss_limit;
	uint32_t burst = bucket == DLIMIT_QUERY ? config_rl_burst(cfg) :
						  config_miss_burst(cfg);
	struct dlimit_slot *s;
	uint8_t family, addr[16];

	if (!rate || rate > NSEC_PER_SEC ||
	    !dlimit_key(peer, cfg, &family, addr))
		return true;
	s = dlimit_slot(d, family, addr, now_ns);
	s->last_ns = now_ns;
	return dlimit_gcra(&s->tat_ns[bucket], now_ns, rate, burst);
}
