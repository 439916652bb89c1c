/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Access to xdpdns's pinned maps from any process: xdpdnsd writes through
 * them, xdpdnsctl and the metrics server read them, also while the daemon is
 * down. Opening checks the pinned map's layout against maps/xdpdns.h so a
 * pin left by an older build is reported instead of misread. Also the text
 * forms operators type: service addresses and client prefixes.
 */
#ifndef XDPDNS_XDPMAPS_H
#define XDPDNS_XDPMAPS_H

#include <stddef.h>

#include "maps/xdpdns.h"

/* Room for an error line from xdpmaps_open(). */
#define XDPMAPS_ERR_MAX 512

/* One fd per map of XDPDNS_MAPS, -1 when not open. */
struct xdpmaps_fds {
	XDPDNS_MAPS(XDPDNS_MAP_FD_FIELD_)
};

#define XDPMAPS_FDS_NONE                         \
	{                                        \
		XDPDNS_MAPS(XDPDNS_MAP_FD_NONE_) \
	}

/* Closes every open fd of @fds and sets it to -1. */
void xdpmaps_fds_close(struct xdpmaps_fds *fds);

/**
 * xdpmaps_fds_open() - every map of XDPDNS_MAPS pinned under @pin_dir.
 * @required: the one map that must be there (its error goes to @err);
 *            the others stay -1 when absent.
 * Return: 0, or -errno for @required.
 */
int xdpmaps_fds_open(const char *pin_dir, const char *required,
		     struct xdpmaps_fds *fds, char *err, size_t errlen);

/**
 * xdpmaps_open() - open the map pinned as @pin_dir/@name.
 * @err: NULL or XDPMAPS_ERR_MAX bytes receiving one line naming the cause,
 *       e.g. "no xdpdns maps under DIR: is xdpdnsd running?".
 *
 * Known names (XDPDNS_MAP_*) are checked for key and value size.
 *
 * Return: a map fd, or -errno.
 */
int xdpmaps_open(const char *pin_dir, const char *name, char *err,
		 size_t errlen);

/*
 * Sums the per-CPU xdpdns_stats element over every possible CPU into @out.
 * Return: 0 or -errno.
 */
int xdpmaps_stats_sum(int stats_fd, struct xdpdns_stats *out);

/*
 * The cache index is keyed by struct xdpdns_cache_mkey (a keyed hash of
 * the name), user space by struct xdpdns_cache_key. @hkey is always the
 * xdpdns_config.hash_key of the same pinned map set (xdpmaps_hash_key()).
 */

/* Reads hash_key from the xdpdns_config map @config_fd. Return: 0/-errno. */
int xdpmaps_hash_key(int config_fd, struct xdpdns_hash_key *hkey);

/* Map key of @key. Return: 0, or -EINVAL when @key holds no valid name. */
int xdpmaps_cache_mkey(const struct xdpdns_hash_key *hkey,
		       const struct xdpdns_cache_key *key,
		       struct xdpdns_cache_mkey *mkey);

/* The XDP cache's entries are read and written through lib/cachemap.h. */

/**
 * xdpmaps_sync_keys() - make a hash or LPM map hold exactly @keys.
 * @keys: @n keys of @key_size bytes each, packed.
 * @value: the value every key gets.
 *
 * Keys not in @keys are deleted, then every key is written, so a reader
 * never sees an allowed key missing while the set is replaced.
 * Return: 0 or -errno of the first failing map operation.
 */
int xdpmaps_sync_keys(int fd, const void *keys, size_t n, size_t key_size,
		      __u32 value);

/*
 * Service-address key from "198.18.0.53" or "2001:db8::53".
 * Return: 0, or -EINVAL when @text is not an address.
 */
int xdpmaps_svc_key(const char *text, struct xdpdns_svc_key *key);

/*
 * LPM key from "198.18.0.0/15", "2001:db8::/32" or a bare address (a host
 * route). Host bits beyond the prefix length are cleared.
 * Return: 0, or -EINVAL when @text is not an address or the length is out
 * of range for its family.
 */
int xdpmaps_lpm_key(const char *text, struct xdpdns_lpm_key *key);

/*
 * Text form of an LPM key ("198.18.0.0/15") into @buf of @cap bytes
 * (INET6_ADDRSTRLEN + 4 is enough). Return: 0 or -ENOSPC.
 */
int xdpmaps_lpm_key_text(const struct xdpdns_lpm_key *key, char *buf,
			 size_t cap);

#endif /* XDPDNS_XDPMAPS_H */
