// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Skeleton, pins and libxdp attach. The object is opened with the skeleton
 * but loaded by libxdp at attach time: libxdp must load the program itself
 * (as an freplace extension of its dispatcher), and libbpf reuses each
 * pinned map at that load because every map has its pin path set first.
 * Pins whose layout no longer matches this build (another --cache-size, an
 * older struct) are replaced with a warning instead of failing the load.
 */
#include <errno.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "loader.h"
#include "log.h"
#include "lib/xdpmaps.h"
#include "maps/xdpdns.h"
#include "xdpdns.skel.h"

#define LOADER_PROG_NAME "xdpdns_main"
/* Stale copies of our program removed from the interface at most. */
#define LOADER_STALE_MAX 8

struct loader {
	struct xdpdns *skel;
	struct xdp_program *prog;
	char ifname[IF_NAMESIZE];
	int ifindex;
	enum xdp_attach_mode mode;
	bool attached;
	struct loader_maps maps;
};

static void loader_maps_reset(struct loader_maps *m)
{
	m->cache = m->stats = m->svc = m->config = m->allow = m->deny =
		m->exempt = m->rl = m->gmiss = m->events = -1;
}

/* Creates @dir if needed and checks that it lives on a bpffs. */
static int loader_pin_dir(const char *dir)
{
	struct statfs sfs;
	int ret;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		ret = -errno;
		log_err("cannot create pin directory %s: %s (is a BPF filesystem mounted? mount -t bpf bpf /sys/fs/bpf)",
			dir, strerror(errno));
		return ret;
	}
	if (statfs(dir, &sfs)) {
		ret = -errno;
		log_err("cannot stat pin directory %s: %s", dir,
			strerror(errno));
		return ret;
	}
	if (sfs.f_type != BPF_FS_MAGIC) {
		log_err("pin directory %s is not on a BPF filesystem (mount -t bpf bpf %s)",
			dir, dir);
		return -EINVAL;
	}
	return 0;
}

/*
 * Drops a pin that libbpf could not reuse for @map, saying why, so the load
 * creates a fresh map instead of failing.
 */
static int loader_check_pin(struct bpf_map *map, const char *path)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	const char *what = NULL;
	int fd, ret = 0;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = -errno;
		goto out;
	}
	if (info.type != bpf_map__type(map))
		what = "map type";
	else if (info.key_size != bpf_map__key_size(map) ||
		 info.value_size != bpf_map__value_size(map))
		what = "key or value layout";
	else if (info.map_flags != bpf_map__map_flags(map))
		what = "map flags";
	else if (info.max_entries != bpf_map__max_entries(map))
		what = "size";
	if (!what)
		goto out;
	if (!strcmp(bpf_map__name(map), XDPDNS_MAP_CACHE) &&
	    info.max_entries != bpf_map__max_entries(map))
		log_warn(
			"cache size changed from %u to %u entries: starting with an empty cache",
			info.max_entries, bpf_map__max_entries(map));
	else
		log_warn(
			"pinned map %s has another %s than this build: replacing it",
			path, what);
	if (unlink(path)) {
		ret = -errno;
		log_err("cannot remove stale pin %s: %s", path,
			strerror(errno));
	}
out:
	close(fd);
	return ret;
}

/* Removes copies of our program a crashed run left on the interface. */
static void loader_remove_stale(struct loader *l)
{
	for (int round = 0; round < LOADER_STALE_MAX; round++) {
		struct xdp_multiprog *mp;
		struct xdp_program *p, *found = NULL;
		enum xdp_attach_mode mode;

		mp = xdp_multiprog__get_from_ifindex(l->ifindex);
		if (libxdp_get_error(mp) || !mp)
			return;
		mode = xdp_multiprog__attach_mode(mp);
		if (xdp_multiprog__is_legacy(mp)) {
			p = xdp_multiprog__main_prog(mp);
			if (p &&
			    !strcmp(xdp_program__name(p), LOADER_PROG_NAME))
				found = p;
		} else {
			for (p = xdp_multiprog__next_prog(NULL, mp); p;
			     p = xdp_multiprog__next_prog(p, mp))
				if (!strcmp(xdp_program__name(p),
					    LOADER_PROG_NAME))
					found = p;
		}
		if (found) {
			log_warn(
				"removing an xdpdns program left on %s by an earlier run",
				l->ifname);
			if (xdp_program__detach(found, l->ifindex, mode, 0))
				found = NULL;
		}
		xdp_multiprog__close(mp);
		if (!found)
			return;
	}
}

static int loader_attach(struct loader *l)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .obj = l->skel->obj,
			    .prog_name = LOADER_PROG_NAME);
	char buf[256];
	int ret;

	l->prog = xdp_program__create(&opts);
	ret = libxdp_get_error(l->prog);
	if (ret) {
		l->prog = NULL;
		libxdp_strerror(ret, buf, sizeof(buf));
		log_err("cannot prepare XDP program %s: %s", LOADER_PROG_NAME,
			buf);
		return ret;
	}
	loader_remove_stale(l);
	ret = xdp_program__attach(l->prog, l->ifindex, l->mode, 0);
	if (ret) {
		libxdp_strerror(ret, buf, sizeof(buf));
		log_err("cannot attach XDP program to %s: %s (try --xdp-mode skb)",
			l->ifname, buf);
		return ret;
	}
	l->attached = true;
	return 0;
}

/*
 * The cache's name hash seed: the one in a pinned config map from an earlier
 * run (every key of a warm cache was hashed with it), else a new random one.
 */
static int loader_hash_seed(struct loader *l)
{
	__u64 seed = 0;
	int ret;

	ret = xdpmaps_hash_seed(l->maps.config, &seed);
	if (ret) {
		log_err("cannot read %s: %s", XDPDNS_MAP_CONFIG,
			strerror(-ret));
		return ret;
	}
	while (!seed) {
		if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed)) {
			ret = -errno;
			log_err("cannot get a random cache hash seed: %s",
				strerror(errno));
			return ret;
		}
	}
	l->maps.hash_seed = seed;
	return 0;
}

int loader_open(const struct config *cfg, struct loader **out)
{
	struct loader *l;
	struct bpf_map *map;
	char path[4096];
	int ret;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	loader_maps_reset(&l->maps);
	snprintf(l->ifname, sizeof(l->ifname), "%s", cfg->interface);
	l->mode = cfg->xdp_mode == CONFIG_XDP_SKB ? XDP_MODE_SKB :
						    XDP_MODE_NATIVE;
	l->ifindex = if_nametoindex(cfg->interface);
	if (!l->ifindex) {
		ret = -errno;
		log_err("--interface %s: %s", cfg->interface, strerror(errno));
		goto err;
	}
	ret = loader_pin_dir(cfg->pin_dir);
	if (ret)
		goto err;

	l->skel = xdpdns__open();
	if (!l->skel) {
		ret = -errno;
		log_err("cannot open the XDP object: %s", strerror(errno));
		goto err;
	}
	ret = bpf_map__set_max_entries(l->skel->maps.xdpdns_cache,
				       cfg->cache_size);
	if (ret) {
		log_err("cannot size %s to %u entries: %s", XDPDNS_MAP_CACHE,
			cfg->cache_size, strerror(-ret));
		goto err;
	}
	bpf_object__for_each_map(map, l->skel->obj) {
		if (bpf_map__is_internal(map))
			continue; /* .rodata/.bss belong to one load */
		snprintf(path, sizeof(path), "%s/%s", cfg->pin_dir,
			 bpf_map__name(map));
		ret = loader_check_pin(map, path);
		if (ret) {
			log_err("cannot inspect pinned map %s: %s", path,
				strerror(-ret));
			goto err;
		}
		ret = bpf_map__set_pin_path(map, path);
		if (ret) {
			log_err("cannot set pin path %s: %s", path,
				strerror(-ret));
			goto err;
		}
	}

	ret = loader_attach(l);
	if (ret)
		goto err;

	l->maps.cache = bpf_map__fd(l->skel->maps.xdpdns_cache);
	l->maps.stats = bpf_map__fd(l->skel->maps.xdpdns_stats);
	l->maps.svc = bpf_map__fd(l->skel->maps.xdpdns_svc);
	l->maps.config = bpf_map__fd(l->skel->maps.xdpdns_config);
	l->maps.allow = bpf_map__fd(l->skel->maps.xdpdns_allow);
	l->maps.deny = bpf_map__fd(l->skel->maps.xdpdns_deny);
	l->maps.exempt = bpf_map__fd(l->skel->maps.xdpdns_exempt);
	l->maps.rl = bpf_map__fd(l->skel->maps.xdpdns_rl);
	l->maps.gmiss = bpf_map__fd(l->skel->maps.xdpdns_gmiss);
	l->maps.events = bpf_map__fd(l->skel->maps.xdpdns_events);
	ret = loader_hash_seed(l);
	if (ret)
		goto err;
	log_info("XDP program attached to %s (%s mode), maps pinned under %s",
		 l->ifname, l->mode == XDP_MODE_SKB ? "skb" : "native",
		 cfg->pin_dir);
	*out = l;
	return 0;
err:
	loader_close(l);
	return ret;
}

const struct loader_maps *loader_maps(const struct loader *l)
{
	return &l->maps;
}

void loader_fill_config(const struct config *cfg, struct xdpdns_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = cfg->port;
	c->edns_size = cfg->edns_size;
	c->flags = XDPDNS_CFG_ACL;
	if (cfg->acl_action == CONFIG_ACL_REFUSE)
		c->flags |= XDPDNS_CFG_ACL_REFUSE;
	if (cfg->ratelimit_dry_run)
		c->flags |= XDPDNS_CFG_RL_DRYRUN;
	c->rl_rate = cfg->ratelimit;
	c->rl_burst = config_rl_burst(cfg);
	c->miss_rate = cfg->miss_limit;
	c->miss_burst = config_miss_burst(cfg);
	c->gmiss_rate = cfg->miss_limit_global;
	c->gmiss_burst = config_gmiss_burst(cfg);
	c->slip = cfg->slip;
	c->v4_prefix = cfg->ratelimit_v4_prefix;
	c->v6_prefix = cfg->ratelimit_v6_prefix;
	c->sample_rate = cfg->sample_rate;
}

int loader_write_config(const struct loader_maps *m, const struct config *cfg)
{
	struct xdpdns_config c;
	__u32 key = 0;

	loader_fill_config(cfg, &c);
	c.hash_seed = m->hash_seed;
	if (bpf_map_update_elem(m->config, &key, &c, BPF_ANY))
		return -errno;
	return 0;
}

int loader_write_svc(const struct loader_maps *m, const struct config *cfg)
{
	struct xdpdns_svc_key *keys;
	int ret = 0;

	keys = calloc(cfg->listen.n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->listen.n && !ret; i++)
		ret = xdpmaps_svc_key(cfg->listen.v[i], &keys[i]);
	if (!ret)
		ret = xdpmaps_sync_keys(m->svc, keys, cfg->listen.n,
					sizeof(*keys), 1);
	free(keys);
	return ret;
}

int loader_detach(struct loader *l)
{
	char buf[256];
	int ret;

	if (!l || !l->attached)
		return 0;
	ret = xdp_program__detach(l->prog, l->ifindex, l->mode, 0);
	if (ret) {
		libxdp_strerror(ret, buf, sizeof(buf));
		log_err("cannot detach XDP program from %s: %s", l->ifname,
			buf);
		return ret;
	}
	l->attached = false;
	log_info("XDP program detached from %s; maps stay pinned", l->ifname);
	return 0;
}

void loader_close(struct loader *l)
{
	if (!l)
		return;
	xdp_program__close(l->prog);
	xdpdns__destroy(l->skel);
	free(l);
}
