/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Getting the XDP program onto the interface and its maps into the daemon:
 * skeleton open, cache sized from --cache-size, every map pinned under
 * --pin-dir (pins from an earlier run are reused, so a restart finds the
 * cache warm), attach through libxdp (shared with other programs, visible
 * in `xdp-loader status`), and the runtime contents the daemon owns: the
 * config element and the service addresses. Detach leaves the pins.
 */
#ifndef XDPDNS_LOADER_H
#define XDPDNS_LOADER_H

#include "config.h"
#include "maps/xdpdns.h"

/* The map fds the daemon works with (XDPDNS_MAPS); -1 when not loaded. */
struct loader_maps {
	XDPDNS_MAPS(XDPDNS_MAP_FD_FIELD_)
	/* xdpdns_config.hash_key: kept from the pinned config map, so a
	 * warm cache stays reachable; random when the maps are new. */
	struct xdpdns_hash_key hash_key;
};

struct loader;

/**
 * loader_open() - load, pin and attach the program for @cfg.
 * Holds --pin-dir's lock until loader_close() in this process and every
 * child that inherited it (-EBUSY: another xdpdnsd holds it); adopts or
 * atomically replaces an xdpdns program an earlier run left attached.
 * Return: 0 or -errno; the cause has been logged once, naming the
 * interface or path (attach failures suggest --xdp-mode skb; -EMEDIUMTYPE:
 * no BPF filesystem, the message says how to mount one).
 */
int loader_open(const struct config *cfg, struct loader **out);

const struct loader_maps *loader_maps(const struct loader *l);

/* The interface and the id of the program attached to it. */
int loader_ifindex(const struct loader *l);
__u32 loader_prog_id(const struct loader *l);

/* Fills struct xdpdns_config from @cfg (used on start and on SIGHUP); the
 * hash key is left zero (loader_write_config() sets it). */
void loader_fill_config(const struct config *cfg, struct xdpdns_config *out);

/* Writes @cfg's runtime settings into xdpdns_config. Return: 0 or -errno. */
int loader_write_config(const struct loader_maps *m, const struct config *cfg);

/* Makes xdpdns_svc hold exactly the --listen addresses. */
int loader_write_svc(const struct loader_maps *m, const struct config *cfg);

/* Detaches the program from the interface; the pinned maps stay. */
int loader_detach(struct loader *l);

/* Closes everything held (no detach); NULL is fine. */
void loader_close(struct loader *l);

#endif /* XDPDNS_LOADER_H */
