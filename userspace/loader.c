// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Skeleton, pins and libxdp attach. The object is opened with the skeleton
 * but loaded by libxdp at attach time: libxdp must load the program itself
 * (as an freplace extension of its dispatcher), and libbpf reuses each
 * pinned map at that load because every map has its pin path set first.
 * Pins whose layout no longer matches this build (another --cache-size, an
 * older struct) are replaced with a warning instead of failing the load.
 *
 * One xdpdnsd per pin directory: the directory is flock()ed for the life of
 * the process (and of its daemon child, which shares the descriptor), so a
 * new start waits for an old daemon to finish stopping and never runs beside
 * it. A program an earlier run left attached (the monitor was killed, or
 * --keep-xdp-on-exit) is adopted when it is this build's, or replaced in one
 * atomic step when it is another's: the interface never goes without it and
 * never carries two.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "loader.h"
#include "log.h"
#include "lib/cachemap.h"
#include "lib/xdpmaps.h"
#include "maps/xdpdns.h"
#include "xdpdns.skel.h"

#define LOADER_PROG_NAME "xdpdns_main"
/* Stale copies of our program removed from the interface at most. */
#define LOADER_STALE_MAX 8
/* How long a start waits for the xdpdnsd holding the pin directory. */
#ifndef LOADER_LOCK_WAIT_MS
#define LOADER_LOCK_WAIT_MS 10000
#endif

struct loader {
	struct xdpdns *skel;
	struct xdp_program *prog;
	char ifname[IF_NAMESIZE];
	int ifindex;
	enum xdp_attach_mode mode;
	bool attached;
	/* Attached by bpf_xdp_attach() (adopted or replaced in place) rather
	 * than by libxdp: detach by program fd. */
	bool direct;
	int direct_fd;
	__u32 prog_id;
	int lock_fd;
	struct loader_maps maps;
};

static void loader_maps_reset(struct loader_maps *m)
{
	*m = (struct loader_maps){ XDPDNS_MAPS(XDPDNS_MAP_FD_NONE_) };
}

/* Creates @dir if needed and checks that it lives on a bpffs. */
static int loader_pin_dir(const char *dir)
{
	char parent[4096], *slash;
	struct statfs sfs;
	int ret;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (access(dir, F_OK) && !statfs(parent, &sfs) &&
	    sfs.f_type != BPF_FS_MAGIC) {
		log_err("no BPF filesystem at %s for --pin-dir %s: mount one with 'mount -t bpf bpf %s' (the systemd unit does)",
			parent, dir, parent);
		return -EMEDIUMTYPE;
	}
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
		return -EMEDIUMTYPE;
	}
	return 0;
}

/*
 * Holds @dir's lock for this process and its children, waiting up to
 * LOADER_LOCK_WAIT_MS for an xdpdnsd that is still stopping.
 */
static int loader_lock(struct loader *l, const char *dir)
{
	int waited = 0;

	l->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->lock_fd < 0) {
		log_err("cannot open pin directory %s: %s", dir,
			strerror(errno));
		return -errno;
	}
	while (flock(l->lock_fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK) {
			log_err("cannot lock pin directory %s: %s", dir,
				strerror(errno));
			return -errno;
		}
		if (waited >= LOADER_LOCK_WAIT_MS) {
			log_err("another xdpdnsd is running with --pin-dir %s; stop it first",
				dir);
			return -EBUSY;
		}
		if (!waited)
			log_info(
				"waiting for the xdpdnsd that holds %s to stop",
				dir);
		usleep(100 * 1000);
		waited += 100;
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

static __u32 loader_mode_flags(enum xdp_attach_mode mode)
{
	return mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

/*
 * Our program as an earlier run left it on the interface, attached on its
 * own (libxdp's legacy mode, which is what it falls back to when its
 * dispatcher cannot be loaded). Return: an fd of it (its id, tag and mode
 * filled), -ENOENT when there is none, or another -errno.
 */
static int loader_find_attached(struct loader *l, __u32 *id, __u8 tag[8],
				enum xdp_attach_mode *mode)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int fd = -ENOENT;

	mp = xdp_multiprog__get_from_ifindex(l->ifindex);
	if (libxdp_get_error(mp) || !mp)
		return -ENOENT;
	p = xdp_multiprog__is_legacy(mp) ? xdp_multiprog__main_prog(mp) : NULL;
	if (p && !strcmp(xdp_program__name(p), LOADER_PROG_NAME)) {
		fd = fcntl(xdp_program__fd(p), F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			fd = -errno;
		} else {
			*id = xdp_program__id(p);
			memcpy(tag, xdp_program__tag(p), 8);
			*mode = xdp_multiprog__attach_mode(mp);
		}
	}
	xdp_multiprog__close(mp);
	return fd;
}

/* Whether the program @fd uses the map @map_fd (the same pins). */
static bool loader_prog_uses_map(int fd, int map_fd)
{
	struct bpf_prog_info pi = { 0 };
	struct bpf_map_info mi = { 0 };
	__u32 ids[64], plen = sizeof(pi), mlen = sizeof(mi);

	if (bpf_obj_get_info_by_fd(map_fd, &mi, &mlen))
		return false;
	pi.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	pi.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(fd, &pi, &plen))
		return false;
	for (__u32 i = 0; i < pi.nr_map_ids && i < 64; i++)
		if (ids[i] == mi.id)
			return true;
	return false;
}

/*
 * An earlier run's program is attached (@old_fd): keep it when it is this
 * build's and uses our pins, else swap this build's in with
 * XDP_FLAGS_REPLACE, which the kernel does atomically. Either way the
 * interface is never without an xdpdns program, nor with two.
 */
static int loader_adopt(struct loader *l, int old_fd, __u32 old_id,
			const __u8 old_tag[8])
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old_fd);
	struct bpf_prog_info pi = { 0 };
	__u32 plen = sizeof(pi);
	int fd, ret;

	ret = xdpdns__load(l->skel); /* maps: the pins, as set up before */
	if (ret) {
		log_err("cannot load the XDP program: %s", strerror(-ret));
		return ret;
	}
	fd = bpf_program__fd(l->skel->progs.xdpdns_main);
	if (bpf_obj_get_info_by_fd(fd, &pi, &plen))
		return -errno;
	if (!memcmp(pi.tag, old_tag, sizeof(pi.tag)) &&
	    loader_prog_uses_map(old_fd,
				 bpf_map__fd(l->skel->maps.xdpdns_cache))) {
		l->direct_fd = old_fd;
		l->prog_id = old_id;
		log_info("adopted the XDP program already on %s (id %u)",
			 l->ifname, old_id);
	} else {
		ret = bpf_xdp_attach(
			l->ifindex, fd,
			loader_mode_flags(l->mode) | XDP_FLAGS_REPLACE, &opts);
		if (ret) {
			log_err("cannot replace the XDP program on %s (id %u): %s",
				l->ifname, old_id, strerror(-ret));
			close(old_fd);
			return ret;
		}
		close(old_fd);
		l->direct_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		l->prog_id = pi.id;
		log_warn(
			"replaced the xdpdns program on %s (id %u, another build or other pins) with this one (id %u)",
			l->ifname, old_id, pi.id);
	}
	l->direct = true;
	l->attached = true;
	return 0;
}

static int loader_attach(struct loader *l)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .obj = l->skel->obj,
			    .prog_name = LOADER_PROG_NAME);
	enum xdp_attach_mode old_mode = XDP_MODE_UNSPEC;
	__u8 old_tag[8];
	__u32 old_id = 0;
	char buf[256];
	int ret, old_fd;

	old_fd = loader_find_attached(l, &old_id, old_tag, &old_mode);
	if (old_fd >= 0 && old_mode == l->mode)
		return loader_adopt(l, old_fd, old_id, old_tag);
	if (old_fd >= 0) {
		log_info(
			"an xdpdns program is on %s in the other mode: re-attaching",
			l->ifname);
		close(old_fd);
	}
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
	l->prog_id = xdp_program__id(l->prog);
	l->attached = true;
	return 0;
}

/*
 * The cache's name hash key: the one in a pinned config map from an earlier
 * run (every key of a warm cache was hashed with it), else a new random one.
 * All zero is "not chosen yet" (a new map); a random key is never that.
 */
static int loader_hash_key(struct loader *l)
{
	struct xdpdns_hash_key k = { 0 };
	int ret;

	ret = xdpmaps_hash_key(l->maps.config, &k);
	if (ret) {
		log_err("cannot read %s: %s", XDPDNS_MAP_CONFIG,
			strerror(-ret));
		return ret;
	}
	while (!k.k0 && !k.k1) {
		if (getrandom(&k, sizeof(k), 0) != sizeof(k)) {
			ret = -errno;
			log_err("cannot get a random cache hash key: %s",
				strerror(errno));
			return ret;
		}
	}
	l->maps.hash_key = k;
	return 0;
}

/*
 * --cache-size split by --cache-split into the four slot classes; the
 * index holds one entry per slot.
 */
static int loader_size_cache(struct loader *l, const struct config *cfg)
{
	struct bpf_map *maps[XDPDNS_SLOT_CLASSES] = {
		l->skel->maps.xdpdns_slot0, l->skel->maps.xdpdns_slot1,
		l->skel->maps.xdpdns_slot2, l->skel->maps.xdpdns_slot3
	};
	uint32_t slots[XDPDNS_SLOT_CLASSES], total = 0;
	uint8_t pct[XDPDNS_SLOT_CLASSES];
	int ret;

	if (cachemap_parse_split(cfg->cache_split ? cfg->cache_split :
						    XDPDNS_CACHE_SPLIT_DEFAULT,
				 pct))
		return -EINVAL; /* config_parse() checked it */
	cachemap_split(cfg->cache_size, pct, slots);
	for (unsigned int k = 0; k < XDPDNS_SLOT_CLASSES; k++) {
		ret = bpf_map__set_max_entries(maps[k], slots[k]);
		if (ret) {
			log_err("cannot size %s to %u slots: %s",
				bpf_map__name(maps[k]), slots[k],
				strerror(-ret));
			return ret;
		}
		total += slots[k];
	}
	ret = bpf_map__set_max_entries(l->skel->maps.xdpdns_cache, total);
	if (ret)
		log_err("cannot size %s to %u entries: %s", XDPDNS_MAP_CACHE,
			total, strerror(-ret));
	else
		log_info(
			"XDP cache: %u slots (%u, %u, %u, %u by class), %.1f MiB of maps",
			total, slots[0], slots[1], slots[2], slots[3],
			cachemap_bytes(slots) / 1048576.0);
	return ret;
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
	l->lock_fd = l->direct_fd = -1;
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
	if (!ret)
		ret = loader_lock(l, cfg->pin_dir);
	if (ret)
		goto err;

	l->skel = xdpdns__open();
	if (!l->skel) {
		ret = -errno;
		log_err("cannot open the XDP object: %s", strerror(errno));
		goto err;
	}
	ret = loader_size_cache(l, cfg);
	if (ret)
		goto err;
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

#define LOADER_MAP_FD_(f, name, ks, vs) \
	l->maps.f = bpf_map__fd(l->skel->maps.xdpdns_##f);
	XDPDNS_MAPS(LOADER_MAP_FD_)
#undef LOADER_MAP_FD_
	ret = loader_hash_key(l);
	if (ret)
		goto err;
	log_info("XDP program on %s (%s mode, id %u), maps pinned under %s",
		 l->ifname, l->mode == XDP_MODE_SKB ? "skb" : "native",
		 l->prog_id, cfg->pin_dir);
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

int loader_ifindex(const struct loader *l)
{
	return l->ifindex;
}

__u32 loader_prog_id(const struct loader *l)
{
	return l->prog_id;
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
	if (cfg->dnstap)
		c->flags |= XDPDNS_CFG_DNSTAP;
	if (cfg->no_xdp_cache)
		c->flags |= XDPDNS_CFG_NO_CACHE;
	if (cfg->afxdp)
		c->flags |= XDPDNS_CFG_AFXDP;
	c->rl_rate = cfg->ratelimit;
	c->rl_burst = config_rl_burst(cfg);
	c->miss_rate = cfg->miss_limit;
	c->miss_burst = config_miss_burst(cfg);
	c->gmiss_rate = cfg->miss_limit_global;
	c->gmiss_burst = config_gmiss_burst(cfg);
	c->slip = cfg->slip;
	c->v4_prefix = cfg->ratelimit_v4_prefix;
	c->v6_prefix = cfg->ratelimit_v6_prefix;
	c->net_rate = cfg->ratelimit_net;
	c->net_burst = config_net_burst(cfg);
	c->net_v4_prefix = cfg->ratelimit_net_v4_prefix;
	c->net_v6_prefix = cfg->ratelimit_net_v6_prefix;
	c->wide_rate = cfg->ratelimit_wide;
	c->wide_burst = config_wide_burst(cfg);
	c->wide_v4_prefix = cfg->ratelimit_wide_v4_prefix;
	c->wide_v6_prefix = cfg->ratelimit_wide_v6_prefix;
	c->new_rate = cfg->new_source_limit;
	c->new_burst = cfg->new_source_burst;
	c->new_first = cfg->new_source_first_burst;
	c->sample_rate = cfg->sample_rate;
	if (cfg->cookies == CONFIG_COOKIES_ON)
		c->flags |= XDPDNS_CFG_COOKIE;
	c->cookie_rate = cfg->ratelimit_cookie;
	c->cookie_burst = config_cookie_burst(cfg);
	c->cookie_invalid = cfg->cookie_invalid;
}

int loader_write_config(const struct loader_maps *m, const struct config *cfg)
{
	struct xdpdns_config c;
	__u32 key = 0;

	loader_fill_config(cfg, &c);
	c.hash_key = m->hash_key;
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
	char buf[256], tmp[128];
	int ret;

	if (!l || !l->attached)
		return 0;
	if (l->direct) {
		/* Only if it is still ours: REPLACE checks the old fd. */
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts,
			    .old_prog_fd = l->direct_fd);

		ret = bpf_xdp_detach(
			l->ifindex,
			loader_mode_flags(l->mode) | XDP_FLAGS_REPLACE, &opts);
		/* GNU strerror_r: the message is what it returns. */
		if (ret)
			snprintf(buf, sizeof(buf), "%s",
				 strerror_r(-ret, tmp, sizeof(tmp)));
	} else {
		ret = xdp_program__detach(l->prog, l->ifindex, l->mode, 0);
		if (ret)
			libxdp_strerror(ret, buf, sizeof(buf));
	}
	if (ret) {
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
	if (l->direct_fd >= 0)
		close(l->direct_fd);
	if (l->lock_fd >= 0)
		close(l->lock_fd); /* the lock goes with the last copy */
	free(l);
}
