// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The dnstap log (see dnstap.h): messages encoded with protobuf-c from
 * userspace/dnstap.proto, framed and written by libfstrm's I/O thread.
 *
 * The event loop is the only producer: one SPSC input queue of
 * DNSTAP_QUEUE_FRAMES frames. fstrm_iothr_submit() never blocks; when the
 * queue is full (the reader is slow or stopped) the frame is freed here
 * and counted in dnstap_dropped. With no reader connected at all, fstrm's
 * thread takes the frames and discards them (counted as sent).
 *
 * file: goes through a writer of our own (fstrm_rdwr) on a descriptor the
 * root monitor opened before the privilege drop, because fstrm's file
 * writer opens by path, which the unprivileged daemon may not be able to
 * do. A daemon the monitor restarts after a crash gets the same
 * descriptor: it appends, cuts off a STOP frame the daemon before it left
 * and leaves out the START frame of its own, so that the file stays one
 * frame stream that readers can read to its end. unix: goes through one
 * of our own too, for its timeouts (dnstap_unix_writer()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <fstrm.h>

#include "dnstap.h"
#include "lib/dnswire.h"
#include "lib/util.h"
#include "log.h"
#include "userspace/dnstap.pb-c.h"

struct dnstap_file {
	int fd;
	bool skip_start; /* the file already holds a stream's START */
};

/* unix: our own connection, so that its writes can time out. */
struct dnstap_unix {
	struct sockaddr_un sa;
	int fd;
};

struct dnstap {
	struct fstrm_iothr *iothr;
	struct fstrm_iothr_queue *ioq;
	struct dnstap_file file;
	struct dnstap_unix sock;
	struct daemon_stats *stats;
	char identity[256];
	char version[64];
	struct ring_buffer *rb; /* xdpdns_tap; NULL: not watched */
	uint32_t sample_rate;
	uint64_t wall_off_ns; /* for the events of one read */
};

static uint64_t dnstap_ts_sec(uint64_t ns)
{
	return ns / NSEC_PER_SEC;
}

static uint32_t dnstap_ts_nsec(uint64_t ns)
{
	return (uint32_t)(ns % NSEC_PER_SEC);
}

/* Address bytes and port of @sa, for the message's fields. */
static bool dnstap_addr(const struct sockaddr *sa, ProtobufCBinaryData *addr,
			uint32_t *port, int *family)
{
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		addr->data = (uint8_t *)&sin->sin_addr;
		addr->len = 4;
		*port = ntohs(sin->sin_port);
		*family = DNSTAP__SOCKET_FAMILY__INET;
		return true;
	}
	if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		addr->data = (uint8_t *)&sin6->sin6_addr;
		addr->len = 16;
		*port = ntohs(sin6->sin6_port);
		*family = DNSTAP__SOCKET_FAMILY__INET6;
		return true;
	}
	return false;
}

uint8_t *dnstap_encode(const struct dnstap_msg *m, const char *identity,
		       const char *version, size_t *len)
{
	Dnstap__Dnstap d = DNSTAP__DNSTAP__INIT;
	Dnstap__Message msg = DNSTAP__MESSAGE__INIT;
	int family = 0, sfamily = 0;
	uint32_t port;
	uint8_t *buf;

	d.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
	d.message = &msg;
	if (identity) {
		d.has_identity = true;
		d.identity.data = (uint8_t *)identity;
		d.identity.len = strlen(identity);
	}
	if (version) {
		d.has_version = true;
		d.version.data = (uint8_t *)version;
		d.version.len = strlen(version);
	}
	if (m->extra) {
		d.has_extra = true;
		d.extra.data = (uint8_t *)m->extra;
		d.extra.len = strlen(m->extra);
	}
	msg.type = m->is_response ? DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE :
				    DNSTAP__MESSAGE__TYPE__CLIENT_QUERY;
	msg.has_socket_protocol = true;
	msg.socket_protocol = m->tcp ? DNSTAP__SOCKET_PROTOCOL__TCP :
				       DNSTAP__SOCKET_PROTOCOL__UDP;
	if (dnstap_addr(m->client, &msg.query_address, &port, &family)) {
		msg.has_query_address = msg.has_query_port = true;
		msg.query_port = port;
		msg.has_socket_family = true;
		msg.socket_family = family;
	}
	if (dnstap_addr(m->server, &msg.response_address, &port, &sfamily) &&
	    (!family || sfamily == family)) {
		msg.has_response_address = msg.has_response_port = true;
		msg.response_port = port;
	} else if (m->server_port) {
		msg.has_response_port = true;
		msg.response_port = m->server_port;
	}
	if (m->query_ns) {
		msg.has_query_time_sec = msg.has_query_time_nsec = true;
		msg.query_time_sec = dnstap_ts_sec(m->query_ns);
		msg.query_time_nsec = dnstap_ts_nsec(m->query_ns);
	}
	if (m->response_ns) {
		msg.has_response_time_sec = msg.has_response_time_nsec = true;
		msg.response_time_sec = dnstap_ts_sec(m->response_ns);
		msg.response_time_nsec = dnstap_ts_nsec(m->response_ns);
	}
	if (m->query) {
		msg.has_query_message = true;
		msg.query_message.data = (uint8_t *)m->query;
		msg.query_message.len = m->query_len;
	}
	if (m->response) {
		msg.has_response_message = true;
		msg.response_message.data = (uint8_t *)m->response;
		msg.response_message.len = m->response_len;
	}
	*len = dnstap__dnstap__get_packed_size(&d);
	buf = malloc(*len ? *len : 1);
	if (!buf)
		return NULL;
	dnstap__dnstap__pack(&d, buf);
	return buf;
}

bool dnstap_from_sample(const struct xdpdns_event *ev, uint64_t wall_off_ns,
			uint32_t rate, uint8_t *qbuf,
			struct sockaddr_storage *client, char *extra,
			size_t extra_cap, struct dnstap_msg *m)
{
	char rcode[16];
	int nlen;

	if (ev->action != XDPDNS_ACT_ANSWERED || !ev->qname_len ||
	    ev->qname_len > sizeof(ev->qname))
		return false;
	nlen = dnswire_name_len(ev->qname, ev->qname_len);
	if (nlen <= 0)
		return false;
	util_sockaddr(client, ev->family == 4 ? AF_INET : AF_INET6, ev->addr,
		      ev->port);
	/* Header: ID, RD, QDCOUNT 1; then the question, class IN. */
	memset(qbuf, 0, 12);
	memcpy(qbuf, ev->id, 2);
	qbuf[2] = 0x01;
	qbuf[5] = 1;
	memcpy(qbuf + 12, ev->qname, (size_t)nlen);
	qbuf[12 + nlen] = ev->qtype >> 8;
	qbuf[12 + nlen + 1] = ev->qtype & 0xff;
	qbuf[12 + nlen + 2] = 0;
	qbuf[12 + nlen + 3] = 1;
	if (dnswire_rcode_to_text(ev->rcode, rcode, sizeof(rcode)) < 0)
		snprintf(rcode, sizeof(rcode), "RCODE%u", ev->rcode);
	snprintf(extra, extra_cap, "xdp-sampled 1/%u rcode=%s", rate, rcode);
	*m = (struct dnstap_msg){
		.is_response = true,
		.tcp = false,
		.client = (const struct sockaddr *)client,
		.query_ns = ev->ts_ns + wall_off_ns,
		.response_ns = ev->ts_ns + wall_off_ns,
		.query = qbuf,
		.query_len = 12 + (size_t)nlen + 4,
		.extra = extra,
	};
	return true;
}

/* --- the file writer ------------------------------------------------------ */

int dnstap_file_open(const struct config *cfg, char *err, size_t errlen)
{
	const char *path;
	char why[64];
	int fd;

	if (!cfg->dnstap ||
	    config_dnstap_parse(cfg->dnstap, &path, why, sizeof(why)) !=
		    CONFIG_DNSTAP_FILE)
		return -1;
	/* Read too: a restarted daemon looks at the end of the stream. */
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		  0640);
	if (fd < 0) {
		fd = -errno;
		snprintf(err, errlen, "--dnstap %s: %s", cfg->dnstap,
			 strerror(errno));
	}
	return fd;
}

/*
 * A file that already holds a stream is continued: its STOP frame, if the
 * daemon before stopped cleanly, is cut off, and our START left out.
 */
static fstrm_res dnstap_file_rdwr_open(void *obj)
{
	/* escape 0, control frame length 4, FSTRM_CONTROL_STOP (3) */
	static const uint8_t stop[12] = { 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 3 };
	struct dnstap_file *f = obj;
	off_t end = lseek(f->fd, 0, SEEK_END);
	uint8_t tail[12];

	f->skip_start = end > 0;
	if (end >= (off_t)sizeof(tail) &&
	    pread(f->fd, tail, sizeof(tail), end - (off_t)sizeof(tail)) ==
		    (ssize_t)sizeof(tail) &&
	    !memcmp(tail, stop, sizeof(stop)) &&
	    ftruncate(f->fd, end - (off_t)sizeof(tail)))
		return fstrm_res_failure;
	return fstrm_res_success;
}

static fstrm_res dnstap_file_rdwr_close(void *obj)
{
	(void)obj; /* the monitor's descriptor: kept for the next daemon */
	return fstrm_res_success;
}

static fstrm_res dnstap_rdwr_destroy(void *obj)
{
	(void)obj;
	return fstrm_res_success;
}

/* A control frame starts with a zero "escape" length (fstrm's format). */
static bool dnstap_is_control(const struct iovec *iov, int iovcnt)
{
	static const uint8_t escape[4];

	return iovcnt > 0 && iov[0].iov_len >= 4 &&
	       !memcmp(iov[0].iov_base, escape, 4);
}

/* Writes all of @iov to @fd; a timeout (unix:) or error fails. */
static fstrm_res dnstap_writev_all(int fd, const struct iovec *iov, int iovcnt)
{
	struct iovec v[64];
	int n = iovcnt, i = 0;

	if (iovcnt > 64 || iovcnt < 0)
		return fstrm_res_failure;
	memcpy(v, iov, sizeof(v[0]) * n);
	while (i < n) {
		ssize_t w = writev(fd, v + i, n - i);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return fstrm_res_failure;
		}
		while (i < n && (size_t)w >= v[i].iov_len) {
			w -= (ssize_t)v[i].iov_len;
			i++;
		}
		if (i < n) {
			v[i].iov_base = (char *)v[i].iov_base + w;
			v[i].iov_len -= (size_t)w;
		}
	}
	return fstrm_res_success;
}

static fstrm_res dnstap_file_rdwr_write(void *obj, const struct iovec *iov,
					int iovcnt)
{
	struct dnstap_file *f = obj;

	/* fstrm writes the START frame first, alone. */
	if (f->skip_start) {
		f->skip_start = false;
		if (dnstap_is_control(iov, iovcnt))
			return fstrm_res_success;
	}
	return dnstap_writev_all(f->fd, iov, iovcnt);
}

static struct fstrm_writer *dnstap_file_writer(struct dnstap *t,
					       struct fstrm_writer_options *wo)
{
	struct fstrm_rdwr *rw = fstrm_rdwr_init(&t->file);
	struct fstrm_writer *w;

	if (!rw)
		return NULL;
	fstrm_rdwr_set_open(rw, dnstap_file_rdwr_open);
	fstrm_rdwr_set_close(rw, dnstap_file_rdwr_close);
	fstrm_rdwr_set_destroy(rw, dnstap_rdwr_destroy);
	fstrm_rdwr_set_write(rw, dnstap_file_rdwr_write);
	w = fstrm_writer_init(wo, &rw);
	if (!w)
		fstrm_rdwr_destroy(&rw);
	return w;
}

/*
 * unix: fstrm's own unix writer blocks in write() for as long as the reader
 * does not read, and fstrm_iothr_destroy() waits for that write: a
 * stopped reader would keep the daemon from stopping. This one gives up a
 * write (and the handshake's read) after DNSTAP_IO_TIMEOUT_S; fstrm then
 * closes the connection and opens a new one every reopen interval. The
 * handshake (READY, ACCEPT, START) is fstrm's, through these calls.
 */
#define DNSTAP_IO_TIMEOUT_S 2

static fstrm_res dnstap_unix_open(void *obj)
{
	struct timeval tv = { .tv_sec = DNSTAP_IO_TIMEOUT_S };
	struct dnstap_unix *u = obj;

	u->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (u->fd < 0)
		return fstrm_res_failure;
	if (setsockopt(u->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(u->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    connect(u->fd, (struct sockaddr *)&u->sa, sizeof(u->sa))) {
		close(u->fd);
		u->fd = -1;
		return fstrm_res_failure;
	}
	return fstrm_res_success;
}

static fstrm_res dnstap_unix_close(void *obj)
{
	struct dnstap_unix *u = obj;

	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	return fstrm_res_success;
}

static fstrm_res dnstap_unix_read(void *obj, void *data, size_t count)
{
	struct dnstap_unix *u = obj;
	size_t got = 0;

	while (got < count) {
		ssize_t n = recv(u->fd, (char *)data + got, count - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? fstrm_res_stop : fstrm_res_failure;
		got += (size_t)n;
	}
	return fstrm_res_success;
}

static fstrm_res dnstap_unix_write(void *obj, const struct iovec *iov,
				   int iovcnt)
{
	struct dnstap_unix *u = obj;

	return dnstap_writev_all(u->fd, iov, iovcnt);
}

static struct fstrm_writer *dnstap_unix_writer(struct dnstap *t,
					       const char *path,
					       struct fstrm_writer_options *wo)
{
	struct fstrm_rdwr *rw;
	struct fstrm_writer *w;

	t->sock.fd = -1;
	t->sock.sa.sun_family = AF_UNIX;
	snprintf(t->sock.sa.sun_path, sizeof(t->sock.sa.sun_path), "%s", path);
	rw = fstrm_rdwr_init(&t->sock);
	if (!rw)
		return NULL;
	fstrm_rdwr_set_open(rw, dnstap_unix_open);
	fstrm_rdwr_set_close(rw, dnstap_unix_close);
	fstrm_rdwr_set_destroy(rw, dnstap_rdwr_destroy);
	fstrm_rdwr_set_read(rw, dnstap_unix_read);
	fstrm_rdwr_set_write(rw, dnstap_unix_write);
	w = fstrm_writer_init(wo, &rw);
	if (!w)
		fstrm_rdwr_destroy(&rw);
	return w;
}

int dnstap_create(const struct config *cfg, int file_fd,
		  struct daemon_stats *stats, struct dnstap **out)
{
	struct fstrm_writer_options *wo = NULL;
	struct fstrm_iothr_options *io = NULL;
	struct fstrm_writer *w = NULL;
	struct dnstap *t;
	const char *path;
	char why[64];
	int kind, ret = -ENOMEM;

	*out = NULL;
	kind = config_dnstap_parse(cfg->dnstap, &path, why, sizeof(why));
	if (kind < 0) {
		log_err("--dnstap %s: %s", cfg->dnstap, why);
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		goto out;
	t->stats = stats;
	t->file.fd = file_fd;
	if (cfg->dnstap_identity)
		snprintf(t->identity, sizeof(t->identity), "%s",
			 cfg->dnstap_identity);
	else if (gethostname(t->identity, sizeof(t->identity) - 1))
		snprintf(t->identity, sizeof(t->identity), "xdpdnsd");
	snprintf(t->version, sizeof(t->version), "xdpdns %s", config_version());
	wo = fstrm_writer_options_init();
	if (!wo)
		goto out;
	fstrm_writer_options_add_content_type(wo, DNSTAP_CONTENT_TYPE,
					      strlen(DNSTAP_CONTENT_TYPE));
	if (kind == CONFIG_DNSTAP_FILE) {
		if (file_fd < 0) {
			ret = -EBADF;
			log_err("--dnstap %s: the file is not open",
				cfg->dnstap);
			goto out;
		}
		w = dnstap_file_writer(t, wo);
	} else {
		w = dnstap_unix_writer(t, path, wo);
	}
	if (!w)
		goto out;
	io = fstrm_iothr_options_init();
	if (!io)
		goto out;
	fstrm_iothr_options_set_input_queue_size(io, DNSTAP_QUEUE_FRAMES);
	fstrm_iothr_options_set_num_input_queues(io, 1);
	/* Every UDP thread logs into the one queue (--threads). */
	fstrm_iothr_options_set_queue_model(
		io, cfg->threads > 1 ? FSTRM_IOTHR_QUEUE_MODEL_MPSC :
				       FSTRM_IOTHR_QUEUE_MODEL_SPSC);
	fstrm_iothr_options_set_reopen_interval(io, 2);
	/* fstrm_iothr_init() takes the writer, also when it fails. */
	t->iothr = fstrm_iothr_init(io, &w);
	if (!t->iothr) {
		ret = -EIO;
		log_err("--dnstap %s: cannot start the log writer",
			cfg->dnstap);
		goto out;
	}
	t->ioq = fstrm_iothr_get_input_queue(t->iothr);
	if (!t->ioq) {
		ret = -EIO;
		goto out;
	}
	log_info("dnstap log to %s (identity %s, %s)", cfg->dnstap, t->identity,
		 t->version);
	*out = t;
	t = NULL;
	ret = 0;
out:
	if (ret == -ENOMEM)
		log_err("--dnstap %s: %s", cfg->dnstap, strerror(ENOMEM));
	if (w)
		fstrm_writer_destroy(&w);
	fstrm_iothr_options_destroy(&io);
	fstrm_writer_options_destroy(&wo);
	dnstap_destroy(t);
	return ret;
}

void dnstap_log(struct dnstap *t, const struct dnstap_msg *m,
		struct daemon_stats *stats)
{
	uint8_t *buf;
	size_t len;

	if (!t)
		return;
	if (!stats)
		stats = t->stats;
	buf = dnstap_encode(m, t->identity, t->version, &len);
	if (!buf) {
		stat_inc(&stats->dnstap_dropped);
		return;
	}
	if (fstrm_iothr_submit(t->iothr, t->ioq, buf, len, fstrm_free_wrapper,
			       NULL) != fstrm_res_success) {
		free(buf);
		stat_inc(&stats->dnstap_dropped);
		return;
	}
	stat_inc(&stats->dnstap_sent);
}

/* --- XDP's samples -------------------------------------------------------- */

static int dnstap_on_sample(void *arg, void *data, size_t size)
{
	struct dnstap *t = arg;
	uint8_t qbuf[DNSTAP_SAMPLE_QUERY_MAX];
	struct sockaddr_storage client;
	struct dnstap_msg m;
	char extra[64];

	if (size < sizeof(struct xdpdns_event))
		return 0;
	if (dnstap_from_sample(data, t->wall_off_ns, t->sample_rate, qbuf,
			       &client, extra, sizeof(extra), &m))
		dnstap_log(t, &m, NULL);
	return 0;
}

int dnstap_watch_samples(struct dnstap *t, int map_fd)
{
	t->rb = ring_buffer__new(map_fd, dnstap_on_sample, t, NULL);
	if (!t->rb)
		return -errno;
	return 0;
}

int dnstap_samples_fd(const struct dnstap *t)
{
	return t->rb ? ring_buffer__epoll_fd(t->rb) : -1;
}

void dnstap_samples_read(struct dnstap *t, uint32_t sample_rate)
{
	struct timespec rt, mt;

	if (!t || !t->rb)
		return;
	t->sample_rate = sample_rate;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	t->wall_off_ns = ((uint64_t)rt.tv_sec * NSEC_PER_SEC + rt.tv_nsec) -
			 ((uint64_t)mt.tv_sec * NSEC_PER_SEC + mt.tv_nsec);
	ring_buffer__consume(t->rb);
}

void dnstap_destroy(struct dnstap *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	/* Stops the I/O thread after it wrote what is queued (and STOP). */
	if (t->iothr)
		fstrm_iothr_destroy(&t->iothr);
	free(t);
}
