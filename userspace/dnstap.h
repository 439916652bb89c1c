/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The dnstap query log (--dnstap unix:PATH | file:PATH): a CLIENT_QUERY and
 * a CLIENT_RESPONSE message (dnstap.proto, protobuf-c) for every query the
 * daemon reads and every answer it sends, UDP and TCP, and a CLIENT_RESPONSE
 * for each XDP answer the program sampled (--sample-rate), marked in the
 * Dnstap "extra" field. Frames go to libfstrm's I/O thread through a bounded
 * queue: a full queue drops the message (counted), so the answer path never
 * waits for the log's reader.
 *
 * A file is opened by the root monitor before the privilege drop
 * (dnstap_file_open()), so a root-owned directory works; the daemon child
 * writes to that descriptor. A unix socket is connected by the I/O thread
 * of the unprivileged daemon, and reconnected by fstrm while it is absent.
 */
#ifndef XDPDNS_DNSTAP_H
#define XDPDNS_DNSTAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "lib/daemon_stats.h"
#include "maps/xdpdns.h"

/* The writer's bounded queue, frames (a power of 2, fstrm's limits). */
#ifndef DNSTAP_QUEUE_FRAMES
#define DNSTAP_QUEUE_FRAMES 4096
#endif
/* The frame stream's content type, as dnstap readers expect it. */
#define DNSTAP_CONTENT_TYPE "protobuf:dnstap.Dnstap"

struct dnstap;

/* One Message, in the daemon's terms. */
struct dnstap_msg {
	bool is_response; /* CLIENT_RESPONSE, else CLIENT_QUERY */
	bool tcp;
	const struct sockaddr *client; /* query_address and port */
	const struct sockaddr *server; /* response_address/port; NULL: none */
	uint16_t server_port; /* when @server is NULL; 0: none */
	uint64_t query_ns; /* CLOCK_REALTIME; 0: not set */
	uint64_t response_ns; /* CLOCK_REALTIME; 0: not set */
	const uint8_t *query; /* wire bytes; NULL: none */
	size_t query_len;
	const uint8_t *response; /* wire bytes; NULL: none */
	size_t response_len;
	const char *extra; /* Dnstap.extra; NULL: none */
};

/**
 * dnstap_encode() - one Dnstap protobuf (the payload of a data frame).
 * @identity, @version: Dnstap.identity and .version; NULL: left out.
 * @len: out, the payload's length.
 *
 * Return: a malloc()ed payload, or NULL with errno set.
 */
uint8_t *dnstap_encode(const struct dnstap_msg *m, const char *identity,
		       const char *version, size_t *len);

/**
 * dnstap_from_sample() - the message for an XDP event, or false when the
 * event is not an XDP answer (passed up, limited, denied: the daemon logs
 * those it answers itself) or carries no question.
 * @wall_off_ns: CLOCK_REALTIME minus CLOCK_MONOTONIC, to date the event.
 * @rate: --sample-rate, for the marker.
 * @qbuf: at least DNSTAP_SAMPLE_QUERY_MAX bytes: the rebuilt query.
 * @client: out, the client's address and port.
 * @extra: out, the marker ("xdp-sampled 1/N rcode=NXDOMAIN"), @extra_cap
 *         bytes.
 *
 * The query message is rebuilt from the sample: the client's DNS ID, RD
 * set (XDP answers nothing else), QDCOUNT 1, the lower-cased name, the
 * type and class IN; no OPT record (the sample does not say whether the
 * client sent one). There is no response message: the sample holds the
 * answer's rcode (in @extra) but not its records.
 */
#define DNSTAP_SAMPLE_QUERY_MAX (12 + DNS_NAME_MAX + 4)
bool dnstap_from_sample(const struct xdpdns_event *ev, uint64_t wall_off_ns,
			uint32_t rate, uint8_t *qbuf,
			struct sockaddr_storage *client, char *extra,
			size_t extra_cap, struct dnstap_msg *m);

/**
 * dnstap_file_open() - for file:PATH, the file, created or truncated, mode
 * 0640. Called as root before the privilege drop.
 * Return: the fd, -1 when @cfg has no file target, or -errno with one line
 * in @err ("--dnstap file:/x/y: No such file or directory").
 */
int dnstap_file_open(const struct config *cfg, char *err, size_t errlen);

/**
 * dnstap_create() - the writer and its I/O thread, in the daemon process.
 * @file_fd: from dnstap_file_open() for file:, else ignored. Not closed.
 * @stats: dnstap_sent, dnstap_dropped.
 *
 * A unix socket that is missing or refuses is not an error: fstrm
 * connects again every few seconds. Return: 0 or -errno (logged).
 */
int dnstap_create(const struct config *cfg, int file_fd,
		  struct daemon_stats *stats, struct dnstap **out);

/*
 * Logs @m, or counts it as dropped, in @stats (the calling thread's; NULL:
 * dnstap_create()'s). Never blocks; any thread may call it when
 * --threads is over 1. NULL @t: nothing.
 */
void dnstap_log(struct dnstap *t, const struct dnstap_msg *m,
		struct daemon_stats *stats);

/**
 * dnstap_watch_samples() - consume XDP's xdpdns_tap ring (@map_fd).
 * Return: 0 or -errno; dnstap_samples_fd() is then the fd to poll.
 */
int dnstap_watch_samples(struct dnstap *t, int map_fd);
int dnstap_samples_fd(const struct dnstap *t);
/* What the ring holds now, each XDP answer logged; @sample_rate, the
 * running --sample-rate, goes into the marker. */
void dnstap_samples_read(struct dnstap *t, uint32_t sample_rate);

/* Flushes what is queued (the I/O thread writes it), then frees. */
void dnstap_destroy(struct dnstap *t);

#endif /* XDPDNS_DNSTAP_H */
