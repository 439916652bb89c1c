// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Pinned-map access shared by xdpdnsd, xdpdnsctl and the metrics server:
 * open by name with a useful error, per-CPU stats summing, cache writes and
 * the address/prefix keys of the service and access-control maps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/util.h"
#include "lib/xdpmaps.h"

struct xdpmaps_layout {
	const char *name;
	unsigned int key_size;
	unsigned int value_size;
};

/* What maps/xdpdns.h says each map holds (ring buffers have neither). */
#define XDPMAPS_LAYOUT_(f, name, ks, vs) { name, ks, vs },
static const struct xdpmaps_layout xdpmaps_layouts[] = { XDPDNS_MAPS(
	XDPMAPS_LAYOUT_) };
#undef XDPMAPS_LAYOUT_

void xdpmaps_fds_close(struct xdpmaps_fds *fds)
{
#define XDPMAPS_CLOSE_(f, name, ks, vs) \
	if (fds->f >= 0)                \
		close(fds->f);          \
	fds->f = -1;
	XDPDNS_MAPS(XDPMAPS_CLOSE_)
#undef XDPMAPS_CLOSE_
}

int xdpmaps_fds_open(const char *pin_dir, const char *required,
		     struct xdpmaps_fds *fds, char *err, size_t errlen)
{
	int fd;

	*fds = (struct xdpmaps_fds)XDPMAPS_FDS_NONE;
#define XDPMAPS_OPEN_(f, name, ks, vs)                                        \
	fd = xdpmaps_open(pin_dir, name, strcmp(name, required) ? NULL : err, \
			  errlen);                                            \
	if (fd < 0 && !strcmp(name, required)) {                              \
		xdpmaps_fds_close(fds);                                       \
		return fd;                                                    \
	}                                                                     \
	fds->f = fd < 0 ? -1 : fd;
	XDPDNS_MAPS(XDPMAPS_OPEN_)
#undef XDPMAPS_OPEN_
	return 0;
}

static const struct xdpmaps_layout *xdpmaps_layout_of(const char *name)
{
	for (size_t i = 0;
	     i < sizeof(xdpmaps_layouts) / sizeof(xdpmaps_layouts[0]); i++)
		if (!strcmp(xdpmaps_layouts[i].name, name))
			return &xdpmaps_layouts[i];
	return NULL;
}

int xdpmaps_open(const char *pin_dir, const char *name, char *err,
		 size_t errlen)
{
	const struct xdpmaps_layout *lay = xdpmaps_layout_of(name);
	struct bpf_map_info info = { 0 };
	__u32 info_len = sizeof(info);
	char path[4096];
	struct stat st;
	int fd, ret;

	if (snprintf(path, sizeof(path), "%s/%s", pin_dir, name) >=
	    (int)sizeof(path)) {
		seterr(err, errlen, "pin path %s/%s is too long", pin_dir,
		       name);
		return -ENAMETOOLONG;
	}
	fd = bpf_obj_get(path);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT && stat(pin_dir, &st) == 0 &&
		    S_ISDIR(st.st_mode) &&
		    strcmp(name, XDPDNS_MAP_CACHE) != 0) {
			char probe[4096];

			snprintf(probe, sizeof(probe), "%s/%s", pin_dir,
				 XDPDNS_MAP_CACHE);
			if (stat(probe, &st) == 0) {
				seterr(err, errlen,
				       "no map %s under %s: pinned by an older xdpdnsd?",
				       name, pin_dir);
				return ret;
			}
		}
		if (ret == -ENOENT)
			seterr(err, errlen,
			       "no xdpdns maps under %s: is xdpdnsd running?",
			       pin_dir);
		else if (ret == -EPERM || ret == -EACCES)
			seterr(err, errlen,
			       "cannot open %s: %s (needs root or CAP_BPF)",
			       path, strerror(-ret));
		else
			seterr(err, errlen, "cannot open %s: %s", path,
			       strerror(-ret));
		return ret;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
		ret = -errno;
		seterr(err, errlen, "%s is not a BPF map: %s", path,
		       strerror(-ret));
		goto out_close;
	}
	if (lay && lay->value_size &&
	    (info.key_size != lay->key_size ||
	     info.value_size != lay->value_size)) {
		ret = -EPROTO;
		seterr(err, errlen,
		       "%s holds %u-byte keys and %u-byte values, expected %u and %u: pinned by another xdpdns version",
		       path, info.key_size, info.value_size, lay->key_size,
		       lay->value_size);
		goto out_close;
	}
	return fd;
out_close:
	close(fd);
	return ret;
}

int xdpmaps_stats_sum(int stats_fd, struct xdpdns_stats *out)
{
	const size_t words = sizeof(*out) / sizeof(__u64);
	__u64 *sum = (__u64 *)out;
	__u64 *vals = NULL;
	__u32 key = 0;
	int ncpus, ret = 0;

	memset(out, 0, sizeof(*out));
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 0)
		return ncpus;
	/* Per-CPU values are laid out at 8-byte strides; ours are 8-aligned. */
	vals = calloc(ncpus, sizeof(*out));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(stats_fd, &key, vals)) {
		ret = -errno;
		goto out;
	}
	for (int c = 0; c < ncpus; c++)
		for (size_t i = 0; i < words; i++)
			sum[i] += vals[c * words + i];
out:
	free(vals);
	return ret;
}

int xdpmaps_hash_key(int config_fd, struct xdpdns_hash_key *hkey)
{
	struct xdpdns_config c;
	__u32 key = 0;

	if (bpf_map_lookup_elem(config_fd, &key, &c))
		return -errno;
	*hkey = c.hash_key;
	return 0;
}

int xdpmaps_cache_mkey(const struct xdpdns_hash_key *hkey,
		       const struct xdpdns_cache_key *key,
		       struct xdpdns_cache_mkey *mkey)
{
	return xdpdns_cache_mkey_from_key(hkey, key, mkey) ? -EINVAL : 0;
}

int xdpmaps_sync_keys(int fd, const void *keys, size_t n, size_t key_size,
		      __u32 value)
{
	const unsigned char *want = keys;
	unsigned char *cur = NULL, *next = NULL, *stale = NULL;
	size_t nstale = 0, cap = 0;
	bool first = true;
	int ret = 0;

	cur = malloc(key_size);
	next = malloc(key_size);
	if (!cur || !next) {
		ret = -ENOMEM;
		goto out;
	}
	/* Collect the stale keys first: deleting while iterating restarts. */
	while (!bpf_map_get_next_key(fd, first ? NULL : cur, next)) {
		bool keep = false;

		first = false;
		for (size_t i = 0; i < n && !keep; i++)
			keep = !memcmp(want + i * key_size, next, key_size);
		if (!keep) {
			if (nstale == cap) {
				size_t ncap = cap ? 2 * cap : 16;
				unsigned char *ns =
					realloc(stale, ncap * key_size);

				if (!ns) {
					ret = -ENOMEM;
					goto out;
				}
				stale = ns;
				cap = ncap;
			}
			memcpy(stale + nstale * key_size, next, key_size);
			nstale++;
		}
		memcpy(cur, next, key_size);
	}
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_update_elem(fd, want + i * key_size, &value,
					BPF_ANY)) {
			ret = -errno;
			goto out;
		}
	}
	for (size_t i = 0; i < nstale; i++) {
		if (bpf_map_delete_elem(fd, stale + i * key_size) &&
		    errno != ENOENT) {
			ret = -errno;
			goto out;
		}
	}
out:
	free(cur);
	free(next);
	free(stale);
	return ret;
}

/* Parses an address of either family into family/addr[16]. */
static int xdpmaps_parse_addr(const char *text, __u32 *family, __u8 *addr)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, text, addr) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, text, addr) == 1) {
		*family = 6;
		return 0;
	}
	return -EINVAL;
}

int xdpmaps_svc_key(const char *text, struct xdpdns_svc_key *key)
{
	memset(key, 0, sizeof(*key));
	return xdpmaps_parse_addr(text, &key->family, key->addr);
}

int xdpmaps_lpm_key(const char *text, struct xdpdns_lpm_key *key)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	unsigned long len, max;
	char *end;
	size_t alen;

	memset(key, 0, sizeof(*key));
	alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (xdpmaps_parse_addr(buf, &key->family, key->addr))
		return -EINVAL;
	max = key->family == 4 ? 32 : 128;
	len = max;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || *end || len > max)
			return -EINVAL;
	}
	for (unsigned int bit = len; bit < max; bit++)
		key->addr[bit / 8] &= ~(0x80 >> (bit % 8));
	/* The family word is part of the prefix: 32 bits ahead of the address. */
	key->prefixlen = 32 + len;
	return 0;
}

int xdpmaps_lpm_key_text(const struct xdpdns_lpm_key *key, char *buf,
			 size_t cap)
{
	char addr[INET6_ADDRSTRLEN];
	int af = key->family == 4 ? AF_INET : AF_INET6;

	if (!inet_ntop(af, key->addr, addr, sizeof(addr)))
		return -errno;
	if (snprintf(buf, cap, "%s/%u", addr,
		     key->prefixlen >= 32 ? key->prefixlen - 32 : 0) >=
	    (int)cap)
		return -ENOSPC;
	return 0;
}
