// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <xdp/xsk.h>

#include "afxdp.h"
#include "lib/util.h"
#include "log.h"
#include "maps/xdpdns.h"

/*
 * Frames per socket: AFXDP_RX_FRAMES lent to the kernel for queries,
 * AFXDP_TX_FRAMES for answers. 2048 bytes each hold any answer up to
 * 1,978 bytes of DNS (--edns-size is 1232 by default); a larger one goes
 * through the UDP socket. 8 MiB of locked memory per receive queue.
 */
#define AFXDP_FRAME 2048
#define AFXDP_RX_FRAMES 2048
#define AFXDP_TX_FRAMES 2048
#define AFXDP_FRAMES (AFXDP_RX_FRAMES + AFXDP_TX_FRAMES)
/* sendto() calls one kick makes at most: a copy-mode socket sends a
 * bounded batch per call and says EAGAIN while more wait. */
#define AFXDP_KICKS_MAX 128

struct afxdp {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	uint8_t *area;
	unsigned int queue;
	unsigned int mtu; /* the link's: IP packet bytes at most */
	/* The answer frames not in the TX ring nor awaiting completion. */
	pthread_mutex_t tx_lock;
	unsigned int nfree;
	uint64_t free[AFXDP_TX_FRAMES];
};

unsigned int afxdp_queues(const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { .ifr_data = (void *)&ch };
	unsigned int n = 1;

	if (!util_if_ioctl(ifname, SIOCETHTOOL, &ifr))
		n = ch.rx_count + ch.combined_count;
	if (n < 1)
		n = 1;
	return n < XDPDNS_XSK_MAX ? n : XDPDNS_XSK_MAX;
}

void afxdp_close(struct afxdp *x)
{
	if (!x)
		return;
	if (x->xsk)
		xsk_socket__delete(x->xsk);
	if (x->umem)
		xsk_umem__delete(x->umem);
	if (x->area)
		munmap(x->area, (size_t)AFXDP_FRAMES * AFXDP_FRAME);
	pthread_mutex_destroy(&x->tx_lock);
	free(x);
}

int afxdp_open(const char *ifname, unsigned int queue, int xsk_map_fd,
	       struct afxdp **out)
{
	const struct xsk_umem_config ucfg = {
		.fill_size = AFXDP_RX_FRAMES,
		.comp_size = AFXDP_TX_FRAMES,
		.frame_size = AFXDP_FRAME,
		.frame_headroom = 0,
	};
	const struct xsk_socket_config scfg = {
		.rx_size = AFXDP_RX_FRAMES,
		.tx_size = AFXDP_TX_FRAMES,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		/* Zero-copy where the driver has it, else copy mode. */
		.bind_flags = XDP_USE_NEED_WAKEUP,
	};
	size_t size = (size_t)AFXDP_FRAMES * AFXDP_FRAME;
	struct afxdp *x;
	__u32 idx, key = queue;
	int ret, fd;

	*out = NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	pthread_mutex_init(&x->tx_lock, NULL);
	x->queue = queue;
	x->mtu = util_if_mtu(ifname);
	if (!x->mtu)
		x->mtu = 1500;
	x->area = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED) {
		x->area = NULL;
		ret = -errno;
		goto fail;
	}
	ret = xsk_umem__create(&x->umem, x->area, size, &x->fill, &x->comp,
			       &ucfg);
	if (ret)
		goto fail;
	ret = xsk_socket__create(&x->xsk, ifname, queue, x->umem, &x->rx,
				 &x->tx, &scfg);
	if (ret)
		goto fail;
	/* Every receive frame to the kernel; the rest are for answers. */
	if (xsk_ring_prod__reserve(&x->fill, AFXDP_RX_FRAMES, &idx) !=
	    AFXDP_RX_FRAMES) {
		ret = -ENOSPC;
		goto fail;
	}
	for (unsigned int i = 0; i < AFXDP_RX_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&x->fill, idx + i) =
			(uint64_t)i * AFXDP_FRAME;
	xsk_ring_prod__submit(&x->fill, AFXDP_RX_FRAMES);
	for (unsigned int i = 0; i < AFXDP_TX_FRAMES; i++)
		x->free[x->nfree++] =
			(uint64_t)(AFXDP_RX_FRAMES + i) * AFXDP_FRAME;
	fd = xsk_socket__fd(x->xsk);
	if (bpf_map_update_elem(xsk_map_fd, &key, &fd, BPF_ANY)) {
		ret = -errno;
		goto fail;
	}
	*out = x;
	return 0;
fail:
	log_err("cannot open an AF_XDP socket on %s queue %u: %s", ifname,
		queue, strerror(-ret));
	afxdp_close(x);
	return ret;
}

int afxdp_fd(const struct afxdp *x)
{
	return xsk_socket__fd(x->xsk);
}

unsigned int afxdp_rx(struct afxdp *x, unsigned int max, afxdp_rx_fn fn,
		      void *arg)
{
	__u32 idx, fidx;
	unsigned int n, i;

	n = xsk_ring_cons__peek(&x->rx, max, &idx);
	if (!n)
		return 0;
	/* Each frame back to the kernel once handled: the fill ring has
	 * room for every receive frame, so the reservation cannot fail. */
	if (xsk_ring_prod__reserve(&x->fill, n, &fidx) != n) {
		xsk_ring_cons__cancel(&x->rx, n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d =
			xsk_ring_cons__rx_desc(&x->rx, idx + i);

		fn(arg, x->area + d->addr, d->len);
		*xsk_ring_prod__fill_addr(&x->fill, fidx + i) =
			d->addr - d->addr % AFXDP_FRAME;
	}
	xsk_ring_prod__submit(&x->fill, n);
	xsk_ring_cons__release(&x->rx, n);
	if (xsk_ring_prod__needs_wakeup(&x->fill))
		recvfrom(afxdp_fd(x), NULL, 0, MSG_DONTWAIT, NULL, NULL);
	return n;
}

/* Answer frames the kernel has sent, back to the free list. */
static void afxdp_reap(struct afxdp *x)
{
	__u32 idx;
	unsigned int n = xsk_ring_cons__peek(&x->comp, AFXDP_TX_FRAMES, &idx);

	for (unsigned int i = 0; i < n && x->nfree < AFXDP_TX_FRAMES; i++)
		x->free[x->nfree++] =
			*xsk_ring_cons__comp_addr(&x->comp, idx + i);
	if (n)
		xsk_ring_cons__release(&x->comp, n);
}

int afxdp_send(struct afxdp *x, const struct xskframe_hdr *h,
	       const uint8_t *msg, size_t len)
{
	struct xdp_desc *d;
	size_t flen;
	__u32 idx;
	int ret = 0;

	if (h->len + len > AFXDP_FRAME || h->len - h->l3_off + len > x->mtu)
		return -EMSGSIZE;
	pthread_mutex_lock(&x->tx_lock);
	if (!x->nfree)
		afxdp_reap(x);
	if (!x->nfree || xsk_ring_prod__reserve(&x->tx, 1, &idx) != 1) {
		ret = -ENOBUFS;
		goto out;
	}
	d = xsk_ring_prod__tx_desc(&x->tx, idx);
	d->addr = x->free[--x->nfree];
	flen = xskframe_reply(h, msg, len, x->area + d->addr, AFXDP_FRAME);
	d->len = (__u32)flen;
	d->options = 0;
	xsk_ring_prod__submit(&x->tx, 1);
out:
	pthread_mutex_unlock(&x->tx_lock);
	return ret;
}

int afxdp_drops(const struct afxdp *x, struct afxdp_drops *d)
{
	struct xdp_statistics st;
	socklen_t len = sizeof(st);

	if (getsockopt(afxdp_fd(x), SOL_XDP, XDP_STATISTICS, &st, &len))
		return -errno;
	d->ring_full = st.rx_ring_full;
	d->dropped = st.rx_dropped;
	return 0;
}

void afxdp_kick(struct afxdp *x)
{
	pthread_mutex_lock(&x->tx_lock);
	for (int i = 0; i < AFXDP_KICKS_MAX; i++) {
		/* Nothing left in the ring for the kernel to take. */
		if (xsk_prod_nb_free(&x->tx, AFXDP_TX_FRAMES) ==
		    AFXDP_TX_FRAMES)
			break;
		if (i && !xsk_ring_prod__needs_wakeup(&x->tx))
			break;
		if (sendto(afxdp_fd(x), NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			continue;
		if (errno != EAGAIN && errno != EINTR)
			break; /* EBUSY, ENOBUFS: the next kick retries */
	}
	afxdp_reap(x);
	pthread_mutex_unlock(&x->tx_lock);
}
