// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * UDP and TCP sockets for the queries XDP passes up. Everything is
 * level-triggered epoll with bounded work per wake-up, so one busy socket
 * cannot starve the others or libunbound's pipe.
 *
 * TCP connections are reference counted: the open connection holds one
 * reference and every query still resolving holds another, so an answer
 * arriving after the client went away finds a closed connection, not freed
 * memory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "afxdp.h"
#include "dnstap.h"
#include "event.h"
#include "lib/tcpframe.h"
#include "lib/util.h"
#include "listen.h"
#include "log.h"

/*
 * Datagrams read per wake-up of one UDP socket, with one recvmmsg(); the
 * answers made while they are handled leave with one sendmmsg() (answers
 * made later, when a resolution finishes, go at once).
 */
#define LISTEN_UDP_BATCH 64
/* Answers longer than this are sent on their own, not copied into the
 * batch (a UDP answer is at most --edns-size, 1232 by default). */
#define LISTEN_UDP_TX_MAX 4096
/* Connections accepted per wake-up of one TCP socket. */
#define LISTEN_ACCEPT_BATCH 32
/*
 * A connection stops reading at TCPFRAME_PIPELINE_MAX queries resolving or
 * TCPFRAME_WQ_MAX answer bytes queued (lib/tcpframe.h).
 */
/*
 * Seconds a connection may live at all: a client that keeps it busy with
 * one query every few seconds still gives its slot back (RFC 7766 lets the
 * server close; clients reconnect).
 */
/* Idle this long (ms), a connection gives its slot to a new one when every
 * slot is taken; younger ones are left a chance to send their query. */
#define LISTEN_TCP_EVICT_IDLE_MS 1000
#ifndef LISTEN_TCP_LIFETIME_S
#define LISTEN_TCP_LIFETIME_S 120
#endif
#define LISTEN_UDP_MAX 65535
#define LISTEN_RCVBUF (4 * 1024 * 1024)

enum sock_kind { SOCK_UDP, SOCK_TCP_LISTEN };

struct lsock {
	struct ev_handler ev;
	struct listener *ls;
	enum sock_kind kind;
	int fd;
	struct sockaddr_storage addr; /* bound to */
	char name[INET6_ADDRSTRLEN + 16]; /* "ADDR port N/udp" for logs */
	bool paused; /* TCP listener: out of fds, retried on the next tick */
};

struct wbuf {
	struct wbuf *next;
	size_t len;
	size_t off;
	uint8_t data[];
};

struct tcp_conn {
	struct ev_handler ev;
	struct listener *ls;
	struct tcp_conn *prev, *next; /* open connections */
	int fd;
	unsigned int refs;
	/* pending: queries held by the daemon; wq_bytes: queued answers */
	struct tcpframe_load load;
	bool eof; /* client half-closed: answer what is pending, then close */
	bool in_frames; /* conn_frames() is running: no nested call */
	uint32_t events; /* registered epoll events */
	uint64_t last_ms; /* last whole query read, or write progress */
	uint64_t opened_ms;
	struct tcpframe_buf rb;
	struct wbuf *wq_head, *wq_tail;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	const struct sockaddr_storage *local; /* the listening socket's */
};

/* One AF_XDP socket (--afxdp), polled by the listener that owns it. */
struct xskq {
	struct ev_handler ev;
	struct listener *ls;
	struct afxdp *x;
	bool kick; /* answers queued while its batch is handled */
	struct afxdp_drops seen; /* the kernel's counters at the last tick */
};

struct listener {
	int epfd;
	struct lsock *socks;
	size_t nsocks;
	/* --threads N: the other N - 1 threads' listeners, UDP sockets only,
	 * each in a SO_REUSEPORT group with this one's (main's only). */
	struct listener **workers;
	unsigned int nworkers;
	listen_query_fn on_query;
	listen_accept_fn may_connect;
	void *arg;
	struct daemon_stats *stats;
	struct tcp_conn *conns;
	unsigned int nconns;
	unsigned int max_conns;
	unsigned int max_per_client;
	uint64_t idle_ms;
	/* The receive batch: LISTEN_UDP_BATCH buffers of LISTEN_UDP_MAX. */
	struct mmsghdr rx[LISTEN_UDP_BATCH];
	struct iovec rx_iov[LISTEN_UDP_BATCH];
	struct sockaddr_storage rx_peer[LISTEN_UDP_BATCH];
	uint8_t *rx_buf;
	/* The send batch, filled while a receive batch is handled. */
	bool tx_open;
	int tx_fd;
	unsigned int tx_n;
	struct mmsghdr tx[LISTEN_UDP_BATCH];
	struct iovec tx_iov[LISTEN_UDP_BATCH];
	struct sockaddr_storage tx_peer[LISTEN_UDP_BATCH];
	uint8_t tx_buf[LISTEN_UDP_BATCH][LISTEN_UDP_TX_MAX];
	struct dnstap *tap; /* NULL: no dnstap log */
	/* --afxdp: this listener's AF_XDP sockets; the one whose batch is
	 * being handled. */
	struct xskq *xsks;
	unsigned int nxsks;
	struct xskq *tx_xq;
};

static uint64_t listen_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* A query as it arrived: stamps @cl and logs it. */
static void listen_tap_query(struct listener *ls, struct listen_client *cl,
			     const uint8_t *msg, size_t len)
{
	struct dnstap_msg m = { 0 };

	if (!ls->tap)
		return;
	cl->query_ns = listen_wall_ns();
	m.tcp = cl->transport == LISTEN_TCP;
	m.client = (const struct sockaddr *)&cl->peer;
	m.server = (const struct sockaddr *)cl->local;
	m.query_ns = cl->query_ns;
	m.query = msg;
	m.query_len = len;
	dnstap_log(ls->tap, &m, ls->stats);
}

/* An answer as it left (UDP) or was queued (TCP). */
static void listen_tap_response(struct listener *ls,
				const struct listen_client *cl,
				const uint8_t *msg, size_t len)
{
	struct dnstap_msg m = { .is_response = true };

	if (!ls || !ls->tap)
		return;
	m.tcp = cl->transport == LISTEN_TCP;
	m.client = (const struct sockaddr *)&cl->peer;
	m.server = (const struct sockaddr *)cl->local;
	m.query_ns = cl->query_ns;
	m.response_ns = listen_wall_ns();
	m.response = msg;
	m.response_len = len;
	dnstap_log(ls->tap, &m, ls->stats);
}

void listen_set_dnstap(struct listener *ls, struct dnstap *tap)
{
	ls->tap = tap;
	for (unsigned int w = 0; w < ls->nworkers; w++)
		ls->workers[w]->tap = tap;
}

static int listen_bind_one(struct lsock *s, const char *addr, uint32_t port,
			   int type, bool reuseport)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int one = 1, rcv = LISTEN_RCVBUF, fd, ret, af;

	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) ==
	    1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		af = sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sl = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr,
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		af = sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sl = sizeof(*sin6);
	} else {
		log_err("--listen %s: not an address", addr);
		return -EINVAL;
	}
	snprintf(s->name, sizeof(s->name), "%s port %u/%s", addr, port,
		 type == SOCK_DGRAM ? "udp" : "tcp");
	fd = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		log_err("cannot create socket for %s: %s", s->name,
			strerror(errno));
		return ret;
	}
	if (af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/*
	 * One UDP socket per thread: the kernel spreads datagrams over the
	 * group by their addresses and ports, so a client's queries stay on
	 * one thread. Only with --threads over 1: a single socket keeps
	 * "address in use" for a second daemon on the same port.
	 */
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) {
		ret = -errno;
		log_err("cannot share %s between threads: %s", s->name,
			strerror(errno));
		close(fd);
		return ret;
	}
	if (type == SOCK_STREAM) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	} else if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv,
			      sizeof(rcv))) {
		/* Bursts of misses queue here while libunbound works. */
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	}
	if (bind(fd, (struct sockaddr *)&ss, sl)) {
		ret = -errno;
		log_err("cannot bind %s: %s", s->name, strerror(errno));
		close(fd);
		return ret;
	}
	if (type == SOCK_STREAM && listen(fd, 1024)) {
		ret = -errno;
		log_err("cannot listen on %s: %s", s->name, strerror(errno));
		close(fd);
		return ret;
	}
	s->fd = fd;
	s->addr = ss;
	s->kind = type == SOCK_DGRAM ? SOCK_UDP : SOCK_TCP_LISTEN;
	return 0;
}

/* A listener with room for @nsocks sockets and its batches. */
static struct listener *listen_alloc(size_t nsocks)
{
	struct listener *ls = calloc(1, sizeof(*ls));

	if (!ls)
		return NULL;
	ls->epfd = -1;
	ls->socks = calloc(nsocks, sizeof(*ls->socks));
	/* 4 MiB of address space, touched only as far as datagrams go. */
	ls->rx_buf = malloc((size_t)LISTEN_UDP_BATCH * LISTEN_UDP_MAX);
	if (!ls->socks || !ls->rx_buf) {
		free(ls->socks);
		free(ls->rx_buf);
		free(ls);
		return NULL;
	}
	/* The batches' headers point at their buffers for good. */
	for (int i = 0; i < LISTEN_UDP_BATCH; i++) {
		ls->rx_iov[i].iov_base =
			ls->rx_buf + (size_t)i * LISTEN_UDP_MAX;
		ls->rx_iov[i].iov_len = LISTEN_UDP_MAX;
		ls->rx[i].msg_hdr.msg_name = &ls->rx_peer[i];
		ls->rx[i].msg_hdr.msg_iov = &ls->rx_iov[i];
		ls->rx[i].msg_hdr.msg_iovlen = 1;
		ls->tx_iov[i].iov_base = ls->tx_buf[i];
		ls->tx[i].msg_hdr.msg_name = &ls->tx_peer[i];
		ls->tx[i].msg_hdr.msg_iov = &ls->tx_iov[i];
		ls->tx[i].msg_hdr.msg_iovlen = 1;
	}
	return ls;
}

/* One more socket for @ls: @type on @addr. */
static int listen_add(struct listener *ls, const char *addr, uint32_t port,
		      int type, bool reuseport)
{
	struct lsock *s = &ls->socks[ls->nsocks];
	int ret;

	s->fd = -1;
	s->ls = ls;
	ret = listen_bind_one(s, addr, port, type, reuseport);
	if (!ret)
		ls->nsocks++;
	return ret;
}

int listen_open(const struct config *cfg, struct listener **out)
{
	unsigned int threads = cfg->threads > 1 ? cfg->threads : 1;
	bool shared = threads > 1;
	struct listener *ls;
	int ret = 0;

	*out = NULL;
	ls = listen_alloc(2 * cfg->listen.n);
	if (!ls)
		return -ENOMEM;
	if (shared) {
		ls->workers = calloc(threads - 1, sizeof(*ls->workers));
		if (!ls->workers) {
			listen_close(ls);
			return -ENOMEM;
		}
	}
	for (unsigned int w = 0; w + 1 < threads && !ret; w++) {
		ls->workers[w] = listen_alloc(cfg->listen.n);
		if (!ls->workers[w])
			ret = -ENOMEM;
		else
			ls->nworkers++;
	}
	/* Address by address, so the group of each is whole before the
	 * next is bound. */
	for (size_t i = 0; i < cfg->listen.n && !ret; i++) {
		const char *a = cfg->listen.v[i];

		ret = listen_add(ls, a, cfg->port, SOCK_DGRAM, shared);
		for (unsigned int w = 0; w < ls->nworkers && !ret; w++)
			ret = listen_add(ls->workers[w], a, cfg->port,
					 SOCK_DGRAM, true);
		if (!ret)
			ret = listen_add(ls, a, cfg->port, SOCK_STREAM, false);
	}
	if (ret) {
		listen_close(ls);
		return ret;
	}
	*out = ls;
	return 0;
}

unsigned int listen_workers(const struct listener *ls)
{
	return ls->nworkers;
}

struct listener *listen_worker(struct listener *ls, unsigned int i)
{
	return i < ls->nworkers ? ls->workers[i] : NULL;
}

/* --- TCP connections ---------------------------------------------------- */

static void conn_unref(struct tcp_conn *c)
{
	if (--c->refs)
		return;
	tcpframe_buf_free(&c->rb);
	free(c);
}

static void conn_set_events(struct tcp_conn *c)
{
	uint32_t want = 0;
	struct epoll_event ev;

	if (c->load.closed)
		return;
	if (!c->eof && !tcpframe_busy(&c->load))
		want |= EPOLLIN;
	if (c->wq_head)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	ev.events = want;
	ev.data.ptr = &c->ev;
	if (!epoll_ctl(c->ls->epfd, EPOLL_CTL_MOD, c->fd, &ev))
		c->events = want;
}

static void conn_close(struct tcp_conn *c)
{
	struct listener *ls = c->ls;
	struct wbuf *w, *next;

	if (c->load.closed)
		return;
	c->load.closed = true;
	epoll_ctl(ls->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	for (w = c->wq_head; w; w = next) {
		next = w->next;
		free(w);
	}
	c->wq_head = c->wq_tail = NULL;
	c->load.wq_bytes = 0;
	if (c->prev)
		c->prev->next = c->next;
	else
		ls->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ls->nconns--;
	stat_set(&ls->stats->tcp_connections, ls->nconns);
	conn_unref(c);
}

static void conn_frames(struct tcp_conn *c);

/* Writes what the queue holds; closes the connection on a hard error. */
static void conn_flush(struct tcp_conn *c)
{
	while (c->wq_head) {
		struct wbuf *w = c->wq_head;
		ssize_t n = send(c->fd, w->data + w->off, w->len - w->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			log_debug("TCP write error: %s", strerror(errno));
			conn_close(c);
			return;
		}
		c->last_ms = ev_now_ms();
		w->off += n;
		c->load.wq_bytes -= n;
		if (w->off < w->len)
			break;
		c->wq_head = w->next;
		if (!c->wq_head)
			c->wq_tail = NULL;
		free(w);
	}
	/* Frames a full write queue held back wait for no new bytes. */
	if (c->rb.len && !tcpframe_busy(&c->load)) {
		conn_frames(c);
		if (c->load.closed)
			return;
	}
	if (c->eof && !c->load.pending && !c->wq_head) {
		conn_close(c);
		return;
	}
	conn_set_events(c);
}

/* One whole frame of @arg's connection: a query for the daemon. */
static void conn_frame(void *arg, const uint8_t *msg, size_t len)
{
	struct tcp_conn *c = arg;
	struct listen_client cl = { .transport = LISTEN_TCP, .fd = -1 };

	cl.conn = c;
	cl.peer = c->peer;
	cl.peer_len = c->peer_len;
	cl.local = c->local;
	stat_inc(&c->ls->stats->queries_tcp);
	/* Only whole queries count as activity: a byte every few seconds
	 * must not hold a slot forever. */
	c->last_ms = ev_now_ms();
	listen_tap_query(c->ls, &cl, msg, len);
	c->ls->on_query(c->ls->arg, msg, len, &cl);
}

/*
 * Hands the complete frames in the receive buffer to the daemon while the
 * connection has room for more work (lib/tcpframe.h).
 */
static void conn_frames(struct tcp_conn *c)
{
	int stop;

	if (c->in_frames)
		return;
	c->in_frames = true;
	stop = tcpframe_take(&c->rb, &c->load, conn_frame, c);
	c->in_frames = false;
	if (stop == TCPFRAME_BAD)
		conn_close(c);
}

static void conn_read(struct tcp_conn *c)
{
	/* Bounded: a fast client cannot keep us in this loop. */
	for (int round = 0; round < 16 && !c->load.closed; round++) {
		long room = tcpframe_buf_room(&c->rb);
		ssize_t n;

		if (room < 0) {
			conn_close(c);
			return;
		}
		if (room == 0)
			break; /* a full frame is waiting its turn */
		n = recv(c->fd, c->rb.data + c->rb.len, room, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_close(c);
			return;
		}
		if (n == 0) {
			c->eof = true;
			break;
		}
		c->rb.len += n;
		conn_frames(c);
		if (c->load.closed || tcpframe_busy(&c->load))
			break;
	}
	if (c->load.closed)
		return;
	if (c->eof && c->rb.len)
		conn_frames(c); /* frames that came with the FIN */
	if (c->eof && !c->load.pending && !c->wq_head) {
		conn_close(c);
		return;
	}
	conn_set_events(c);
}

static void conn_event(struct ev_handler *h, uint32_t events)
{
	struct tcp_conn *c = (struct tcp_conn *)h;

	c->refs++; /* the handlers below may close it */
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN))
		conn_close(c);
	if (!c->load.closed && (events & EPOLLOUT))
		conn_flush(c);
	if (!c->load.closed && (events & EPOLLIN))
		conn_read(c);
	conn_unref(c);
}

static bool same_addr(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr,
		       sizeof(struct in6_addr));
}

/* Connections open from @peer's address (stops counting at @cap). */
static unsigned int conns_from(const struct listener *ls,
			       const struct sockaddr_storage *peer,
			       unsigned int cap)
{
	unsigned int n = 0;

	for (const struct tcp_conn *c = ls->conns; c && n < cap; c = c->next)
		if (!c->load.closed && same_addr(&c->peer, peer))
			n++;
	return n;
}

/*
 * Every slot taken: the connection idle the longest (nothing resolving for
 * it, nothing left to write, no whole query for LISTEN_TCP_EVICT_IDLE_MS)
 * is closed to make room, as RFC 7766 section 6.2.3 lets a server do under
 * pressure, so that clients holding idle connections cannot keep a TC=1
 * client's retry out. Returns true when a slot was freed.
 */
static bool conn_evict_idle(struct listener *ls)
{
	uint64_t now = ev_now_ms();
	struct tcp_conn *victim = NULL;

	for (struct tcp_conn *c = ls->conns; c; c = c->next) {
		if (c->load.closed || c->load.pending || c->wq_head ||
		    now - c->last_ms < LISTEN_TCP_EVICT_IDLE_MS)
			continue;
		if (!victim || c->last_ms < victim->last_ms)
			victim = c;
	}
	if (!victim)
		return false;
	stat_inc(&ls->stats->tcp_evicted);
	conn_close(victim);
	return true;
}

static void tcp_accept(struct lsock *s)
{
	struct listener *ls = s->ls;

	for (int i = 0; i < LISTEN_ACCEPT_BATCH; i++) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		struct epoll_event ev;
		struct tcp_conn *c;
		int fd;

		fd = accept4(s->fd, (struct sockaddr *)&peer, &pl,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warn(
					"cannot accept on %s: %s; pausing for a second",
					s->name, strerror(errno));
				epoll_ctl(ls->epfd, EPOLL_CTL_DEL, s->fd, NULL);
				s->paused = true;
			}
			return;
		}
		if (ls->may_connect &&
		    !ls->may_connect(ls->arg, (const struct sockaddr *)&peer)) {
			stat_inc(&ls->stats->tcp_refused_acl);
			close(fd);
			continue;
		}
		if (ls->nconns >= ls->max_conns && !conn_evict_idle(ls)) {
			log_debug("TCP connection limit %u reached on %s",
				  ls->max_conns, s->name);
			stat_inc(&ls->stats->tcp_refused_limit);
			close(fd);
			continue;
		}
		if (conns_from(ls, &peer, ls->max_per_client) >=
		    ls->max_per_client) {
			stat_inc(&ls->stats->tcp_refused_limit);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c || tcpframe_buf_init(&c->rb)) {
			free(c);
			close(fd);
			continue;
		}
		c->ev.fn = conn_event;
		c->ls = ls;
		c->fd = fd;
		c->refs = 1;
		c->peer = peer;
		c->peer_len = pl;
		c->local = &s->addr;
		c->last_ms = c->opened_ms = ev_now_ms();
		c->events = EPOLLIN;
		ev.events = EPOLLIN;
		ev.data.ptr = &c->ev;
		if (epoll_ctl(ls->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			tcpframe_buf_free(&c->rb);
			free(c);
			continue;
		}
		c->next = ls->conns;
		if (ls->conns)
			ls->conns->prev = c;
		ls->conns = c;
		ls->nconns++;
		stat_set(&ls->stats->tcp_connections, ls->nconns);
	}
}

/* --- UDP ------------------------------------------------------------------ */

/* The send batch out, with as few sendmmsg() calls as the kernel takes. */
static void udp_tx_flush(struct listener *ls)
{
	unsigned int done = 0;
	int n;

	while (done < ls->tx_n) {
		n = sendmmsg(ls->tx_fd, ls->tx + done, ls->tx_n - done,
			     MSG_DONTWAIT | MSG_NOSIGNAL);
		stat_inc(&ls->stats->udp_send_calls);
		if (n < 0) {
			/* This one cannot go (a full buffer, an ICMP error
			 * surfacing): the rest still may. */
			log_debug("UDP send failed: %s", strerror(errno));
			stat_inc(&ls->stats->udp_send_errors);
			done++;
			continue;
		}
		done += (unsigned int)n;
	}
	ls->tx_n = 0;
}

/* @msg to @c in the send batch. Return: false when it must go alone. */
static bool udp_tx_add(struct listener *ls, const struct listen_client *c,
		       const uint8_t *msg, size_t len)
{
	unsigned int i;

	if (!ls->tx_open || len > LISTEN_UDP_TX_MAX ||
	    c->peer_len > sizeof(ls->tx_peer[0]))
		return false;
	if (ls->tx_n && (ls->tx_fd != c->fd || ls->tx_n == LISTEN_UDP_BATCH))
		udp_tx_flush(ls);
	i = ls->tx_n++;
	ls->tx_fd = c->fd;
	memcpy(ls->tx_buf[i], msg, len);
	memcpy(&ls->tx_peer[i], &c->peer, c->peer_len);
	ls->tx_iov[i].iov_len = len;
	ls->tx[i].msg_hdr.msg_namelen = c->peer_len;
	return true;
}

/* Up to LISTEN_UDP_BATCH datagrams in one call, handled, answered. */
static void udp_read(struct lsock *s)
{
	struct listener *ls = s->ls;
	int n;

	/* recvmmsg() wrote the last batch's address lengths over these. */
	for (int i = 0; i < LISTEN_UDP_BATCH; i++)
		ls->rx[i].msg_hdr.msg_namelen = sizeof(ls->rx_peer[i]);
	n = recvmmsg(s->fd, ls->rx, LISTEN_UDP_BATCH, MSG_DONTWAIT, NULL);
	stat_inc(&ls->stats->udp_recv_calls);
	if (n <= 0)
		return; /* EAGAIN, or an ICMP error surfacing */
	ls->tx_open = true;
	for (int i = 0; i < n; i++) {
		struct listen_client cl = { .transport = LISTEN_UDP };
		socklen_t pl = ls->rx[i].msg_hdr.msg_namelen;

		cl.fd = s->fd;
		cl.local = &s->addr;
		cl.peer_len = pl <= sizeof(cl.peer) ? pl : sizeof(cl.peer);
		memcpy(&cl.peer, &ls->rx_peer[i], cl.peer_len);
		stat_inc(&ls->stats->queries_udp);
		listen_tap_query(ls, &cl, ls->rx_iov[i].iov_base,
				 ls->rx[i].msg_len);
		ls->on_query(ls->arg, ls->rx_iov[i].iov_base, ls->rx[i].msg_len,
			     &cl);
	}
	udp_tx_flush(ls);
	ls->tx_open = false;
}

/* --- AF_XDP (--afxdp) ----------------------------------------------------- */

/* @s is the UDP socket of @local: its port, its address or a wildcard. */
static bool lsock_serves(const struct lsock *s,
			 const struct sockaddr_storage *local)
{
	const struct sockaddr_storage *a = &s->addr;
	struct sockaddr_storage any = { .ss_family = a->ss_family };

	if (s->kind != SOCK_UDP || a->ss_family != local->ss_family)
		return false;
	if (a->ss_family == AF_INET ?
		    ((const struct sockaddr_in *)a)->sin_port !=
			    ((const struct sockaddr_in *)local)->sin_port :
		    ((const struct sockaddr_in6 *)a)->sin6_port !=
			    ((const struct sockaddr_in6 *)local)->sin6_port)
		return false;
	return same_addr(a, local) || same_addr(a, &any);
}

/* One frame from an AF_XDP socket: a query, handled as if the UDP socket
 * of its address had read it. */
static void xsk_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct xskq *xq = arg;
	struct listener *ls = xq->ls;
	struct listen_client cl = { .transport = LISTEN_UDP, .xq = xq };
	struct sockaddr_storage local;
	const struct lsock *s = NULL;
	size_t off, mlen;

	if (xskframe_parse(frame, len, &cl.xh, &off, &mlen, &cl.peer,
			   &cl.peer_len, &local))
		for (size_t i = 0; i < ls->nsocks && !s; i++)
			if (lsock_serves(&ls->socks[i], &local))
				s = &ls->socks[i];
	if (!s) {
		stat_inc(&ls->stats->afxdp_bad);
		return;
	}
	cl.fd = s->fd;
	cl.local = &s->addr;
	stat_inc(&ls->stats->afxdp_rx);
	stat_inc(&ls->stats->queries_udp);
	listen_tap_query(ls, &cl, frame + off, mlen);
	ls->on_query(ls->arg, frame + off, mlen, &cl);
}

static void xsk_event(struct ev_handler *h, uint32_t events)
{
	struct xskq *xq = (struct xskq *)h;
	struct listener *ls = xq->ls;

	(void)events;
	ls->tx_open = true;
	ls->tx_xq = xq;
	afxdp_rx(xq->x, LISTEN_UDP_BATCH, xsk_frame, xq);
	udp_tx_flush(ls); /* the answers no frame could hold */
	ls->tx_open = false;
	ls->tx_xq = NULL;
	if (xq->kick) {
		xq->kick = false;
		afxdp_kick(xq->x);
	}
}

/* @msg to @c's AF_XDP socket. Return: false when it must take the UDP
 * socket. */
static bool xsk_send(struct listener *ls, const struct listen_client *c,
		     const uint8_t *msg, size_t len)
{
	struct xskq *xq = c->xq;
	/* The sending thread's counters: one writer each (lib/util.h). */
	struct daemon_stats *st = ls && ls->stats ? ls->stats : xq->ls->stats;

	if (afxdp_send(xq->x, &c->xh, msg, len)) {
		stat_inc(&st->afxdp_fallback);
		return false;
	}
	stat_inc(&st->afxdp_tx);
	/* In its own batch the kick waits for the batch's end. */
	if (ls && ls->tx_open && ls->tx_xq == xq)
		xq->kick = true;
	else
		afxdp_kick(xq->x);
	return true;
}

/*
 * @ls's AF_XDP sockets, from the first thread's tick whichever thread
 * polls them: another try for the answers a busy link refused (EBUSY,
 * ENOBUFS), and what the kernel dropped into @st.
 */
static void xsk_tick(struct listener *ls, struct daemon_stats *st)
{
	for (unsigned int i = 0; i < ls->nxsks; i++) {
		struct xskq *xq = &ls->xsks[i];
		struct afxdp_drops d;

		afxdp_kick(xq->x);
		if (afxdp_drops(xq->x, &d))
			continue;
		stat_add(&st->afxdp_ring_full,
			 d.ring_full - xq->seen.ring_full);
		stat_add(&st->afxdp_dropped, d.dropped - xq->seen.dropped);
		xq->seen = d;
	}
}

int listen_afxdp_open(struct listener *ls, const char *ifname, int xsk_map_fd)
{
	unsigned int nq = afxdp_queues(ifname), nl = 1 + ls->nworkers;
	int ret;

	for (unsigned int w = 0; w < nl; w++) {
		struct listener *l = w ? ls->workers[w - 1] : ls;

		l->xsks = calloc(nq / nl + 1, sizeof(*l->xsks));
		if (!l->xsks)
			return -ENOMEM;
	}
	for (unsigned int q = 0; q < nq; q++) {
		struct listener *l = q % nl ? ls->workers[q % nl - 1] : ls;
		struct xskq *xq = &l->xsks[l->nxsks];

		ret = afxdp_open(ifname, q, xsk_map_fd, &xq->x);
		if (ret)
			return ret;
		xq->ls = l;
		xq->ev.fn = xsk_event;
		l->nxsks++;
	}
	log_info("AF_XDP: %u socket%s on %s", nq, nq == 1 ? "" : "s", ifname);
	return 0;
}

static void lsock_event(struct ev_handler *h, uint32_t events)
{
	struct lsock *s = (struct lsock *)h;

	(void)events;
	if (s->kind == SOCK_UDP)
		udp_read(s);
	else
		tcp_accept(s);
}

int listen_start(struct listener *ls, int epfd, const struct config *cfg,
		 listen_query_fn on_query, listen_accept_fn may_connect,
		 void *arg, struct daemon_stats *stats)
{
	ls->epfd = epfd;
	ls->on_query = on_query;
	ls->may_connect = may_connect;
	ls->arg = arg;
	ls->stats = stats;
	ls->max_conns = cfg->tcp_max_conns;
	ls->max_per_client = cfg->tcp_max_conns_per_client;
	ls->idle_ms = (uint64_t)cfg->tcp_idle_timeout * 1000;
	for (size_t i = 0; i < ls->nsocks; i++) {
		struct lsock *s = &ls->socks[i];
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.ptr = &s->ev };
		int ret;

		s->ev.fn = lsock_event;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev)) {
			ret = -errno;
			log_err("cannot watch %s: %s", s->name,
				strerror(errno));
			return ret;
		}
		log_info("listening on %s", s->name);
	}
	for (unsigned int i = 0; i < ls->nxsks; i++) {
		struct xskq *xq = &ls->xsks[i];
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.ptr = &xq->ev };

		if (epoll_ctl(epfd, EPOLL_CTL_ADD, afxdp_fd(xq->x), &ev)) {
			int ret = -errno;

			log_err("cannot watch an AF_XDP socket: %s",
				strerror(errno));
			return ret;
		}
		stat_inc(&stats->afxdp_sockets);
	}
	return 0;
}

int listen_send(struct listener *ls, const struct listen_client *c,
		const uint8_t *msg, size_t len)
{
	struct tcp_conn *conn = c->conn;
	struct wbuf *w;

	if (c->transport == LISTEN_UDP) {
		if (c->xq && xsk_send(ls, c, msg, len)) {
			listen_tap_response(ls, c, msg, len);
			return 0;
		}
		/* @ls NULL: a test's socket, not the listener's. */
		if (ls && udp_tx_add(ls, c, msg, len)) {
			listen_tap_response(ls, c, msg, len);
			return 0;
		}
		if (ls && ls->stats)
			stat_inc(&ls->stats->udp_send_calls);
		if (sendto(c->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL,
			   (const struct sockaddr *)&c->peer,
			   c->peer_len) < 0) {
			log_debug("UDP send failed: %s", strerror(errno));
			if (ls && ls->stats)
				stat_inc(&ls->stats->udp_send_errors);
			return -errno;
		}
		listen_tap_response(ls, c, msg, len);
		return 0;
	}
	if (conn->load.closed)
		return -ENOTCONN;
	if (len > 65535)
		return -EMSGSIZE;
	w = malloc(sizeof(*w) + 2 + len);
	if (!w)
		return -ENOMEM;
	w->next = NULL;
	w->len = 2 + len;
	w->off = 0;
	w->data[0] = len >> 8;
	w->data[1] = len & 0xff;
	memcpy(w->data + 2, msg, len);
	if (conn->wq_tail)
		conn->wq_tail->next = w;
	else
		conn->wq_head = w;
	conn->wq_tail = w;
	conn->load.wq_bytes += w->len;
	listen_tap_response(ls, c, msg, len);
	conn->refs++;
	conn_flush(conn);
	conn_unref(conn);
	return 0;
}

void listen_client_hold(struct listen_client *c)
{
	if (c->transport != LISTEN_TCP)
		return;
	c->conn->refs++;
	c->conn->load.pending++;
}

void listen_client_release(struct listen_client *c)
{
	struct tcp_conn *conn = c->conn;

	if (c->transport != LISTEN_TCP || !conn)
		return;
	c->conn = NULL;
	conn->load.pending--;
	if (!conn->load.closed) {
		if (conn->eof && !conn->load.pending && !conn->wq_head) {
			conn_close(conn);
		} else {
			conn_set_events(conn);
			/* Frames already buffered wait for no new bytes. */
			if (!tcpframe_busy(&conn->load) && conn->rb.len)
				conn_frames(conn);
		}
	}
	conn_unref(conn);
}

void listen_tick(struct listener *ls)
{
	uint64_t now = ev_now_ms();
	struct tcp_conn *c, *next;

	for (size_t i = 0; i < ls->nsocks; i++) {
		struct lsock *s = &ls->socks[i];
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.ptr = &s->ev };

		if (s->paused &&
		    !epoll_ctl(ls->epfd, EPOLL_CTL_ADD, s->fd, &ev))
			s->paused = false;
	}
	xsk_tick(ls, ls->stats);
	for (unsigned int w = 0; w < ls->nworkers; w++)
		xsk_tick(ls->workers[w], ls->stats);
	/*
	 * Idle: nothing resolving for it and no whole query nor write
	 * progress; or simply too old.
	 */
	for (c = ls->conns; c; c = next) {
		next = c->next;
		if (!c->load.pending &&
		    (now - c->last_ms >= ls->idle_ms ||
		     now - c->opened_ms >= LISTEN_TCP_LIFETIME_S * 1000ULL))
			conn_close(c);
	}
}

void listen_close(struct listener *ls)
{
	if (!ls)
		return;
	while (ls->conns)
		conn_close(ls->conns);
	for (size_t i = 0; i < ls->nsocks; i++)
		if (ls->socks[i].fd >= 0)
			close(ls->socks[i].fd);
	for (unsigned int i = 0; i < ls->nxsks; i++)
		afxdp_close(ls->xsks[i].x);
	free(ls->xsks);
	for (unsigned int w = 0; w < ls->nworkers; w++)
		listen_close(ls->workers[w]);
	free(ls->workers);
	free(ls->socks);
	free(ls->rx_buf);
	free(ls);
}
