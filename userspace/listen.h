/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's DNS sockets: UDP and TCP on --port of every --listen address,
 * nonblocking, driven by the daemon's epoll loop. TCP follows RFC 7766:
 * 2-byte length framing, several pipelined queries per connection answered
 * as they complete (in any order), partial reads and writes, an idle
 * timeout and a connection limit.
 *
 * Sockets are bound by listen_open() while the process still has the
 * privilege to bind port 53; listen_start() registers them with the loop
 * later, in the unprivileged process.
 */
#ifndef XDPDNS_LISTEN_H
#define XDPDNS_LISTEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "lib/daemon_stats.h"
#include "lib/xskframe.h"

enum listen_transport { LISTEN_UDP, LISTEN_TCP };

struct tcp_conn;
struct listener;
struct xskq;

/*
 * Where an answer goes. Copy it freely, but a copy kept past the query
 * callback must be paired with listen_client_hold()/listen_client_release()
 * (a TCP connection may close while its queries resolve).
 */
struct listen_client {
	enum listen_transport transport;
	int fd; /* UDP: the socket the query came in on */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct tcp_conn *conn; /* TCP */
	/* For the dnstap log: the address the query came to (the bound
	 * socket's, which outlives every client) and when, CLOCK_REALTIME
	 * ns (0 without --dnstap). */
	const struct sockaddr_storage *local;
	uint64_t query_ns;
	/* --afxdp: the AF_XDP socket the query came on (NULL: the UDP
	 * socket's) and its frame's headers, for the answer's frame; fd is
	 * still the UDP socket of its address, for answers no frame holds. */
	struct xskq *xq;
	struct xskframe_hdr xh;
};

/* One query from a client; @msg is only valid during the call. */
typedef void (*listen_query_fn)(void *arg, const uint8_t *msg, size_t len,
				const struct listen_client *client);

/* Whether a TCP client may stay connected (the ACL), asked at accept. */
typedef bool (*listen_accept_fn)(void *arg, const struct sockaddr *peer);

/*
 * Binds every socket @cfg asks for. With --threads N over 1, every UDP
 * address gets N sockets in one SO_REUSEPORT group: this listener's, and
 * one in each of the N - 1 worker listeners (listen_worker()), which hold
 * UDP sockets only; TCP stays with this one. Return: 0 or -errno (logged).
 */
int listen_open(const struct config *cfg, struct listener **out);

/* How many worker listeners @ls holds, and the @i-th (NULL past them).
 * Each is started and driven by its own thread with listen_start(); it is
 * closed with @ls. */
unsigned int listen_workers(const struct listener *ls);
struct listener *listen_worker(struct listener *ls, unsigned int i);

/*
 * Registers the sockets with @epfd; queries go to @on_query, TCP clients
 * @may_connect refuses are closed at once (NULL: all may). TCP limits come
 * from @cfg. Return: 0 or -errno.
 */
int listen_start(struct listener *ls, int epfd, const struct config *cfg,
		 listen_query_fn on_query, listen_accept_fn may_connect,
		 void *arg, struct daemon_stats *stats);

/*
 * Sends @msg to @c: a datagram, or a length-prefixed frame queued on the
 * connection (dropped if it has closed). Return: 0 or -errno.
 */
int listen_send(struct listener *ls, const struct listen_client *c,
		const uint8_t *msg, size_t len);

struct dnstap;

/*
 * Logs every query read and every answer sent to @tap (NULL: none) from
 * now on, on @ls and its workers: the one place all of them pass.
 */
void listen_set_dnstap(struct listener *ls, struct dnstap *tap);

/*
 * --afxdp: an AF_XDP socket on every receive queue of @ifname, put into
 * the XSKMAP @xsk_map_fd and spread over @ls and its workers (queue q to
 * the (q mod threads)-th). Needs CAP_NET_RAW: call before dropping
 * privileges, after listen_open(). Return: 0 or -errno (logged).
 */
int listen_afxdp_open(struct listener *ls, const char *ifname, int xsk_map_fd);

/* Keeps @c's connection alive until the matching release. */
void listen_client_hold(struct listen_client *c);
void listen_client_release(struct listen_client *c);

/* Closes idle TCP connections; call about once a second. */
void listen_tick(struct listener *ls);

void listen_close(struct listener *ls);

#endif /* XDPDNS_LISTEN_H */
