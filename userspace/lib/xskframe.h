/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The frames of --afxdp: a UDP query as the XDP program handed it to an
 * AF_XDP socket (Ethernet, up to two VLAN tags, IPv4 without options or
 * IPv6 without extension headers, UDP), taken apart, and the answer's frame
 * built from its headers: MACs, addresses and ports swapped, lengths and
 * checksums new. Pure functions on bytes, for the daemon and its tests.
 */
#ifndef XDPDNS_XSKFRAME_H
#define XDPDNS_XSKFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Ethernet + two VLAN tags + IPv6 + UDP. */
#define XSKFRAME_HDR_MAX (14 + 2 * 4 + 40 + 8)

/*
 * A query's headers, kept with the query until it is answered: enough to
 * build the answer's frame (xskframe_reply()) at any time.
 */
struct xskframe_hdr {
	uint8_t b[XSKFRAME_HDR_MAX];
	uint8_t len; /* bytes of b[] in use: everything up to the payload */
	uint8_t l3_off; /* where the IP header starts */
	uint8_t family; /* AF_INET or AF_INET6 */
};

/*
 * Takes the query in @frame apart: its headers into @h, the DNS message at
 * @frame + *@msg_off, *@msg_len bytes. @peer and @local receive the
 * client's and the server's address and port (sockaddr_in or
 * sockaddr_in6, their length in *@peer_len). Return: false when the frame
 * is not one XDP hands over (runt, another protocol, IP options, a
 * fragment, lengths that disagree): it is dropped and counted.
 */
bool xskframe_parse(const uint8_t *frame, size_t len, struct xskframe_hdr *h,
		    size_t *msg_off, size_t *msg_len,
		    struct sockaddr_storage *peer, socklen_t *peer_len,
		    struct sockaddr_storage *local);

/*
 * The answer @msg (@len bytes) to the query whose headers @h holds, as a
 * whole frame in @out. Return: its length, or 0 when it does not fit @cap.
 */
size_t xskframe_reply(const struct xskframe_hdr *h, const uint8_t *msg,
		      size_t len, uint8_t *out, size_t cap);

#endif /* XDPDNS_XSKFRAME_H */
