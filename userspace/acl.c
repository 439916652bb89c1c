// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prefix lists for access control and rate-limit exemption, kept as LPM keys
 * (the form the XDP program's tries hold) so the user-space check and the
 * kernel's agree by construction.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "lib/xdpmaps.h"

static int acl_list_add(struct acl_list *l, const struct xdpdns_lpm_key *k)
{
	struct xdpdns_lpm_key *nk;

	for (size_t i = 0; i < l->n; i++)
		if (!memcmp(&l->keys[i], k, sizeof(*k)))
			return 0;
	nk = realloc(l->keys, (l->n + 1) * sizeof(*nk));
	if (!nk)
		return -ENOMEM;
	l->keys = nk;
	l->keys[l->n++] = *k;
	return 0;
}

static int acl_list_from(struct acl_list *l, const struct config_list *src,
			 const char *opt, char *err, size_t errlen)
{
	struct xdpdns_lpm_key k;
	int ret;

	for (size_t i = 0; i < src->n; i++) {
		if (xdpmaps_lpm_key(src->v[i], &k)) {
			snprintf(err, errlen, "--%s %s: not a prefix", opt,
				 src->v[i]);
			return -EINVAL;
		}
		ret = acl_list_add(l, &k);
		if (ret)
			return ret;
	}
	return 0;
}

/* Prefix length of a netmask; non-contiguous masks count their ones. */
static unsigned int acl_mask_len(const uint8_t *mask, size_t bytes)
{
	unsigned int len = 0;

	for (size_t i = 0; i < bytes; i++)
		len += __builtin_popcount(mask[i]);
	return len;
}

static void acl_key_from(struct xdpdns_lpm_key *k, int family, const void *addr,
			 unsigned int len)
{
	unsigned int max = family == AF_INET ? 32 : 128;

	memset(k, 0, sizeof(*k));
	k->family = family == AF_INET ? 4 : 6;
	memcpy(k->addr, addr, max / 8);
	for (unsigned int bit = len; bit < max; bit++)
		k->addr[bit / 8] &= ~(0x80 >> (bit % 8));
	k->prefixlen = 32 + len;
}

/* Whether interface @name is named by @cfg: --interface or a --listen. */
static bool acl_iface_wanted(const struct config *cfg,
			     const struct ifaddrs *all, const char *name)
{
	if (cfg->interface)
		return !strcmp(cfg->interface, name);
	for (const struct ifaddrs *i = all; i; i = i->ifa_next) {
		char text[INET6_ADDRSTRLEN];
		const void *a;

		if (!i->ifa_addr || strcmp(i->ifa_name, name))
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6)
			a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		else
			continue;
		if (!inet_ntop(i->ifa_addr->sa_family, a, text, sizeof(text)))
			continue;
		for (size_t l = 0; l < cfg->listen.n; l++) {
			struct xdpdns_svc_key want, have;

			if (xdpmaps_svc_key(cfg->listen.v[l], &want) ||
			    xdpmaps_svc_key(text, &have))
				continue;
			if (!memcmp(&want, &have, sizeof(want)))
				return true;
		}
	}
	return false;
}

int acl_default_allow_from(const struct config *cfg, const struct ifaddrs *all,
			   struct acl_list *l)
{
	static const uint8_t lo6[16] = { [15] = 1 };
	const uint8_t lo4[4] = { 127, 0, 0, 0 };
	struct xdpdns_lpm_key k;
	int ret;

	acl_key_from(&k, AF_INET, lo4, 8);
	ret = acl_list_add(l, &k);
	if (ret)
		return ret;
	acl_key_from(&k, AF_INET6, lo6, 128);
	ret = acl_list_add(l, &k);
	if (ret)
		return ret;
	for (const struct ifaddrs *i = all; i; i = i->ifa_next) {
		int fam;

		if (!i->ifa_addr || !i->ifa_netmask)
			continue;
		fam = i->ifa_addr->sa_family;
		if (fam != AF_INET && fam != AF_INET6)
			continue;
		if (!acl_iface_wanted(cfg, all, i->ifa_name))
			continue;
		if (fam == AF_INET) {
			const struct sockaddr_in *a = (void *)i->ifa_addr;
			const struct sockaddr_in *m = (void *)i->ifa_netmask;

			acl_key_from(&k, fam, &a->sin_addr,
				     acl_mask_len((void *)&m->sin_addr, 4));
		} else {
			const struct sockaddr_in6 *a = (void *)i->ifa_addr;
			const struct sockaddr_in6 *m = (void *)i->ifa_netmask;

			acl_key_from(&k, fam, &a->sin6_addr,
				     acl_mask_len((void *)&m->sin6_addr, 16));
		}
		ret = acl_list_add(l, &k);
		if (ret)
			break;
	}
	return ret;
}

static int acl_default_allow(const struct config *cfg, struct acl_list *l,
			     char *err, size_t errlen)
{
	struct ifaddrs *all = NULL;
	int ret;

	if (getifaddrs(&all)) {
		ret = -errno;
		snprintf(
			err, errlen,
			"cannot list interface addresses for the default --allow list: %s",
			strerror(errno));
		return ret;
	}
	ret = acl_default_allow_from(cfg, all, l);
	freeifaddrs(all);
	return ret;
}

int acl_build(const struct config *cfg, struct acl *acl, char *err,
	      size_t errlen)
{
	int ret;

	memset(acl, 0, sizeof(*acl));
	acl->refuse = cfg->acl_action == CONFIG_ACL_REFUSE;
	if (cfg->allow.n)
		ret = acl_list_from(&acl->allow, &cfg->allow, "allow", err,
				    errlen);
	else
		ret = acl_default_allow(cfg, &acl->allow, err, errlen);
	if (!ret)
		ret = acl_list_from(&acl->deny, &cfg->deny, "deny", err,
				    errlen);
	if (!ret)
		ret = acl_list_from(&acl->exempt, &cfg->ratelimit_exempt,
				    "ratelimit-exempt", err, errlen);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory building the ACL");
	if (ret)
		acl_free(acl);
	return ret;
}

void acl_free(struct acl *acl)
{
	free(acl->allow.keys);
	free(acl->deny.keys);
	free(acl->exempt.keys);
	memset(acl, 0, sizeof(*acl));
}

static bool acl_match(const struct acl_list *l, uint32_t family,
		      const uint8_t *addr)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct xdpdns_lpm_key *k = &l->keys[i];
		unsigned int len = k->prefixlen - 32, full = len / 8;

		if (k->family != family || memcmp(k->addr, addr, full))
			continue;
		if (len % 8) {
			uint8_t mask = 0xff << (8 - len % 8);

			if ((k->addr[full] ^ addr[full]) & mask)
				continue;
		}
		return true;
	}
	return false;
}

/* @sa as an LPM family and address; false for other families. */
static bool acl_addr(const struct sockaddr *sa, uint32_t *family,
		     const uint8_t **addr)
{
	if (sa->sa_family == AF_INET) {
		*family = 4;
		*addr = (const uint8_t *)&((const struct sockaddr_in *)sa)
				->sin_addr;
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		*family = 6;
		*addr = (const uint8_t *)&((const struct sockaddr_in6 *)sa)
				->sin6_addr;
		return true;
	}
	return false;
}

bool acl_allowed(const struct acl *acl, const struct sockaddr *sa)
{
	const uint8_t *addr;
	uint32_t family;

	if (!acl_addr(sa, &family, &addr) ||
	    acl_match(&acl->deny, family, addr))
		return false;
	return acl_match(&acl->allow, family, addr);
}

bool acl_exempt(const struct acl *acl, const struct sockaddr *sa)
{
	const uint8_t *addr;
	uint32_t family;

	return acl_addr(sa, &family, &addr) &&
	       acl_match(&acl->exempt, family, addr);
}

/*
 * Sources no packet from the wire can honestly carry (RFC 1122 3.2.1.3,
 * RFC 4291 2.5.3): a frame that claims one is spoofed, whatever --allow
 * says. The daemon's own loopback clients never pass through XDP, so the
 * default allow list's loopback entries stay valid for them.
 */
static const char *const acl_martians[] = {
	"0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4",
	"::/128",    "::1/128",	    "ff00::/8",
};
#define ACL_MARTIANS (sizeof(acl_martians) / sizeof(acl_martians[0]))

int acl_write_maps(const struct acl *acl, int allow_fd, int deny_fd,
		   int exempt_fd)
{
	struct xdpdns_lpm_key *deny;
	size_t n = 0;
	int ret;

	deny = calloc(acl->deny.n + ACL_MARTIANS, sizeof(*deny));
	if (!deny)
		return -ENOMEM;
	for (size_t i = 0; i < ACL_MARTIANS; i++)
		if (!xdpmaps_lpm_key(acl_martians[i], &deny[n]))
			n++;
	if (acl->deny.n)
		memcpy(deny + n, acl->deny.keys, acl->deny.n * sizeof(*deny));
	n += acl->deny.n;
	/* Deny first and allow last: a reload never opens a window. */
	ret = xdpmaps_sync_keys(deny_fd, deny, n, sizeof(*deny), 1);
	free(deny);
	if (!ret)
		ret = xdpmaps_sync_keys(exempt_fd, acl->exempt.keys,
					acl->exempt.n,
					sizeof(struct xdpdns_lpm_key), 1);
	if (!ret)
		ret = xdpmaps_sync_keys(allow_fd, acl->allow.keys, acl->allow.n,
					sizeof(struct xdpdns_lpm_key), 1);
	return ret;
}
