// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The dnstap log (userspace/dnstap.c): messages encoded and decoded again
 * with protobuf-c's own unpack, every field checked; XDP samples turned
 * into messages (the rebuilt query parsed by libldns, the marker); the
 * --dnstap values; the file writer read back with libfstrm's reader,
 * including a second daemon appending to the same descriptor; a unix
 * socket nobody listens on, where the log drops instead of blocking.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <fstrm.h>
#include <ldns/ldns.h>

#include "config.h"
#include "dnstap.h"
#include "lib/daemon_stats.h"
#include "lib/dnswire.h"
#include "lib/util.h"
#include "suites.h"
#include "userspace/dnstap.pb-c.h"

static const uint8_t query_wire[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1,	0,   0,	  0,   0,   0,	 0,
	3,    'w',  'w',  'w',	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	3,    'c',  'o',  'm',	0, 0,	0,   1,	  0,   1,
};

static struct sockaddr_in sin_of(const char *a, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET,
				 .sin_port = htons(port) };

	ck_assert_int_eq(inet_pton(AF_INET, a, &s.sin_addr), 1);
	return s;
}

static struct sockaddr_in6 sin6_of(const char *a, uint16_t port)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port) };

	ck_assert_int_eq(inet_pton(AF_INET6, a, &s.sin6_addr), 1);
	return s;
}

static Dnstap__Dnstap *decode(const struct dnstap_msg *m, const char *id,
			      const char *ver)
{
	Dnstap__Dnstap *d;
	uint8_t *buf;
	size_t len;

	buf = dnstap_encode(m, id, ver, &len);
	ck_assert_ptr_nonnull(buf);
	d = dnstap__dnstap__unpack(NULL, len, buf);
	free(buf);
	ck_assert_ptr_nonnull(d);
	return d;
}

static void assert_bytes(const ProtobufCBinaryData *b, const void *want,
			 size_t len)
{
	ck_assert_uint_eq(b->len, len);
	ck_assert_msg(!memcmp(b->data, want, len), "bytes differ");
}

/* ---- Positive ------------------------------------------------------------ */

START_TEST(test_encode_query_v4_udp)
{
	struct sockaddr_in c = sin_of("198.18.1.10", 40000),
			   s = sin_of("198.18.0.53", 53);
	struct dnstap_msg m = {
		.client = (struct sockaddr *)&c,
		.server = (struct sockaddr *)&s,
		.query_ns = 1764720000ULL * NSEC_PER_SEC + 123456789,
		.query = query_wire,
		.query_len = sizeof(query_wire),
	};
	Dnstap__Dnstap *d = decode(&m, "hall-a", "xdpdns 0.1");
	Dnstap__Message *msg = d->message;

	ck_assert_int_eq(d->type, DNSTAP__DNSTAP__TYPE__MESSAGE);
	ck_assert(d->has_identity && d->has_version && !d->has_extra);
	assert_bytes(&d->identity, "hall-a", 6);
	assert_bytes(&d->version, "xdpdns 0.1", 10);
	ck_assert_ptr_nonnull(msg);
	ck_assert_int_eq(msg->type, DNSTAP__MESSAGE__TYPE__CLIENT_QUERY);
	ck_assert(msg->has_socket_family && msg->has_socket_protocol);
	ck_assert_int_eq(msg->socket_family, DNSTAP__SOCKET_FAMILY__INET);
	ck_assert_int_eq(msg->socket_protocol, DNSTAP__SOCKET_PROTOCOL__UDP);
	assert_bytes(&msg->query_address, &c.sin_addr, 4);
	assert_bytes(&msg->response_address, &s.sin_addr, 4);
	ck_assert(msg->has_query_port && msg->has_response_port);
	ck_assert_uint_eq(msg->query_port, 40000);
	ck_assert_uint_eq(msg->response_port, 53);
	ck_assert(msg->has_query_time_sec && msg->has_query_time_nsec);
	ck_assert_uint_eq(msg->query_time_sec, 1764720000ULL);
	ck_assert_uint_eq(msg->query_time_nsec, 123456789);
	ck_assert(!msg->has_response_time_sec && !msg->has_response_message);
	ck_assert(msg->has_query_message);
	assert_bytes(&msg->query_message, query_wire, sizeof(query_wire));
	dnstap__dnstap__free_unpacked(d, NULL);
}
END_TEST

START_TEST(test_encode_response_v6_tcp)
{
	struct sockaddr_in6 c = sin6_of("2001:db8:1::10", 51000),
			    s = sin6_of("2001:db8::53", 53);
	uint8_t resp[sizeof(query_wire)];
	struct dnstap_msg m = {
		.is_response = true,
		.tcp = true,
		.client = (struct sockaddr *)&c,
		.server = (struct sockaddr *)&s,
		.query_ns = 5 * NSEC_PER_SEC + 1,
		.response_ns = 6 * NSEC_PER_SEC + 999999999,
		.response = resp,
		.response_len = sizeof(resp),
		.extra = "note",
	};
	Dnstap__Dnstap *d;
	Dnstap__Message *msg;

	memcpy(resp, query_wire, sizeof(resp));
	resp[2] |= 0x80;
	resp[3] = 0x83; /* RA, NXDOMAIN */
	d = decode(&m, NULL, NULL);
	msg = d->message;
	ck_assert(!d->has_identity && !d->has_version && d->has_extra);
	assert_bytes(&d->extra, "note", 4);
	ck_assert_int_eq(msg->type, DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE);
	ck_assert_int_eq(msg->socket_family, DNSTAP__SOCKET_FAMILY__INET6);
	ck_assert_int_eq(msg->socket_protocol, DNSTAP__SOCKET_PROTOCOL__TCP);
	assert_bytes(&msg->query_address, &c.sin6_addr, 16);
	assert_bytes(&msg->response_address, &s.sin6_addr, 16);
	ck_assert_uint_eq(msg->query_port, 51000);
	ck_assert_uint_eq(msg->query_time_sec, 5);
	ck_assert_uint_eq(msg->query_time_nsec, 1);
	ck_assert(msg->has_response_time_sec && msg->has_response_time_nsec);
	ck_assert_uint_eq(msg->response_time_sec, 6);
	ck_assert_uint_eq(msg->response_time_nsec, 999999999);
	ck_assert(!msg->has_query_message && msg->has_response_message);
	assert_bytes(&msg->response_message, resp, sizeof(resp));
	dnstap__dnstap__free_unpacked(d, NULL);
}
END_TEST

static struct xdpdns_event sample_event(const char *name, uint16_t qtype,
					uint8_t rcode)
{
	struct xdpdns_event ev = { 0 };
	int n = dnswire_name_from_text(name, ev.qname, sizeof(ev.qname));

	ck_assert_int_gt(n, 0);
	ev.ts_ns = 7 * NSEC_PER_SEC + 5;
	ev.family = 4;
	ev.addr[0] = 198;
	ev.addr[1] = 18;
	ev.addr[2] = 1;
	ev.addr[3] = 10;
	ev.qtype = qtype;
	ev.action = XDPDNS_ACT_ANSWERED;
	ev.reason = XDPDNS_STAT_HIT;
	ev.qname_len = (uint16_t)n;
	ev.port[0] = 0x9c; /* 40000 */
	ev.port[1] = 0x40;
	ev.id[0] = 0xab;
	ev.id[1] = 0xcd;
	ev.rcode = rcode;
	return ev;
}

/* An XDP answer: the rebuilt query as libldns reads it, and the marker. */
START_TEST(test_sample_answered)
{
	struct xdpdns_event ev = sample_event("nx.example.", 28, 3);
	uint8_t q[DNSTAP_SAMPLE_QUERY_MAX];
	struct sockaddr_storage client;
	char extra[64], *qname;
	struct dnstap_msg m;
	ldns_pkt *pkt = NULL;
	ldns_rr *rr;
	Dnstap__Dnstap *d;
	Dnstap__Message *msg;

	ck_assert(dnstap_from_sample(&ev, 1000 * NSEC_PER_SEC, 10, q, &client,
				     extra, sizeof(extra), &m));
	ck_assert_str_eq(extra, "xdp-sampled 1/10 rcode=NXDOMAIN");
	ck_assert(m.is_response && !m.tcp && !m.response);
	ck_assert_uint_eq(m.query_ns, 1007 * NSEC_PER_SEC + 5);
	ck_assert_uint_eq(m.response_ns, m.query_ns);
	ck_assert_int_eq(ldns_wire2pkt(&pkt, m.query, m.query_len),
			 LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_id(pkt), 0xabcd);
	ck_assert(ldns_pkt_rd(pkt) && !ldns_pkt_qr(pkt));
	ck_assert_uint_eq(ldns_pkt_qdcount(pkt), 1);
	ck_assert_uint_eq(ldns_pkt_ancount(pkt) + ldns_pkt_arcount(pkt), 0);
	rr = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	qname = ldns_rdf2str(ldns_rr_owner(rr));
	ck_assert_str_eq(qname, "nx.example.");
	free(qname);
	ck_assert_int_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_AAAA);
	ck_assert_int_eq(ldns_rr_get_class(rr), LDNS_RR_CLASS_IN);
	ldns_pkt_free(pkt);

	d = decode(&m, "x", "y");
	msg = d->message;
	assert_bytes(&d->extra, extra, strlen(extra));
	ck_assert_int_eq(msg->type, DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE);
	ck_assert_int_eq(msg->socket_family, DNSTAP__SOCKET_FAMILY__INET);
	ck_assert_int_eq(msg->socket_protocol, DNSTAP__SOCKET_PROTOCOL__UDP);
	assert_bytes(&msg->query_address, ev.addr, 4);
	ck_assert_uint_eq(msg->query_port, 40000);
	ck_assert(!msg->has_response_address && !msg->has_response_message);
	ck_assert_uint_eq(msg->response_time_sec, 1007);
	dnstap__dnstap__free_unpacked(d, NULL);
}
END_TEST

static const struct {
	const char *v;
	int kind;
	const char *path;
} target_cases[] = {
	{ "unix:/run/dnstap.sock", CONFIG_DNSTAP_UNIX, "/run/dnstap.sock" },
	{ "file:/var/log/x.fstrm", CONFIG_DNSTAP_FILE, "/var/log/x.fstrm" },
	{ "file:rel", CONFIG_DNSTAP_FILE, "rel" },
	{ "unix:unix:", CONFIG_DNSTAP_UNIX, "unix:" },
};

START_TEST(test_target_parse)
{
	const char *path = NULL;
	char why[64];

	ck_assert_int_eq(config_dnstap_parse(target_cases[_i].v, &path, why,
					     sizeof(why)),
			 target_cases[_i].kind);
	ck_assert_str_eq(path, target_cases[_i].path);
}
END_TEST

/* Reads every data frame of @path into decoded messages; Return: count. */
static int read_frames(const char *path, Dnstap__Dnstap **out, int cap)
{
	struct fstrm_file_options *fo = fstrm_file_options_init();
	struct fstrm_reader_options *ro = fstrm_reader_options_init();
	struct fstrm_reader *r;
	const uint8_t *data;
	size_t len;
	int n = 0;
	fstrm_res res;

	fstrm_file_options_set_file_path(fo, path);
	fstrm_reader_options_add_content_type(ro, DNSTAP_CONTENT_TYPE,
					      strlen(DNSTAP_CONTENT_TYPE));
	r = fstrm_file_reader_init(fo, ro);
	ck_assert_ptr_nonnull(r);
	while ((res = fstrm_reader_read(r, &data, &len)) == fstrm_res_success) {
		ck_assert_int_lt(n, cap);
		out[n] = dnstap__dnstap__unpack(NULL, len, data);
		ck_assert_ptr_nonnull(out[n]);
		n++;
	}
	ck_assert_msg(res == fstrm_res_stop, "stream not ended by STOP");
	fstrm_reader_destroy(&r);
	fstrm_reader_options_destroy(&ro);
	fstrm_file_options_destroy(&fo);
	return n;
}

static void log_queries(struct dnstap *t, int n, uint16_t port0)
{
	for (int i = 0; i < n; i++) {
		struct sockaddr_in c = sin_of("198.18.1.10", port0 + i);
		struct dnstap_msg m = {
			.client = (struct sockaddr *)&c,
			.query_ns = 1,
			.query = query_wire,
			.query_len = sizeof(query_wire),
		};

		dnstap_log(t, &m, NULL);
	}
}

/*
 * file: through the daemon's writer, read back by libfstrm; a second
 * writer on the same descriptor (a restarted daemon) appends to the one
 * stream instead of starting another.
 */
START_TEST(test_file_writer)
{
	char path[] = "/tmp/xdpdns-dnstap-XXXXXX", target[64];
	struct daemon_stats st = { 0 };
	struct config cfg = { 0 };
	Dnstap__Dnstap *d[16];
	struct dnstap *t;
	char err[128];
	int fd, n;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(target, sizeof(target), "file:%s", path);
	cfg.dnstap = target;
	cfg.dnstap_identity = "unit";
	fd = dnstap_file_open(&cfg, err, sizeof(err));
	ck_assert_int_ge(fd, 0);

	ck_assert_int_eq(dnstap_create(&cfg, fd, &st, &t), 0);
	log_queries(t, 3, 1000);
	dnstap_destroy(t);
	ck_assert_uint_eq(st.dnstap_sent, 3);
	ck_assert_uint_eq(st.dnstap_dropped, 0);

	ck_assert_int_eq(dnstap_create(&cfg, fd, &st, &t), 0);
	log_queries(t, 2, 2000);
	dnstap_destroy(t);
	close(fd);

	n = read_frames(path, d, 16);
	ck_assert_int_eq(n, 5);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(d[i]->message->query_port,
				  i < 3 ? 1000 + i : 2000 + i - 3);
		assert_bytes(&d[i]->identity, "unit", 4);
		ck_assert_uint_eq(d[i]->version.len,
				  strlen("xdpdns ") + strlen(config_version()));
		ck_assert(!memcmp(d[i]->version.data, "xdpdns ", 7));
		dnstap__dnstap__free_unpacked(d[i], NULL);
	}
	unlink(path);
}
END_TEST

/* ---- Negative ------------------------------------------------------------ */

/* Only XDP answers with a question become messages. */
START_TEST(test_sample_not_answered)
{
	static const uint8_t actions[] = { XDPDNS_ACT_PASSED,
					   XDPDNS_ACT_LIMITED,
					   XDPDNS_ACT_DENIED };
	uint8_t q[DNSTAP_SAMPLE_QUERY_MAX];
	struct sockaddr_storage client;
	struct xdpdns_event ev;
	struct dnstap_msg m;
	char extra[64];

	for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
		ev = sample_event("a.example.", 1, 0);
		ev.action = actions[i];
		ck_assert(!dnstap_from_sample(&ev, 0, 1, q, &client, extra,
					      sizeof(extra), &m));
	}
	ev = sample_event("a.example.", 1, 0);
	ev.qname_len = 0;
	ck_assert(!dnstap_from_sample(&ev, 0, 1, q, &client, extra,
				      sizeof(extra), &m));
	ev = sample_event("a.example.", 1, 0);
	ev.qname[0] = 60; /* a label running past qname_len */
	ck_assert(!dnstap_from_sample(&ev, 0, 1, q, &client, extra,
				      sizeof(extra), &m));
}
END_TEST

START_TEST(test_file_open_fails)
{
	struct config cfg = { .dnstap = "file:/nonexistent/dir/x.fstrm" };
	char err[128] = "";

	ck_assert_int_eq(dnstap_file_open(&cfg, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(
		err,
		"--dnstap file:/nonexistent/dir/x.fstrm: No such file or directory");
	cfg.dnstap = "unix:/run/x";
	ck_assert_int_eq(dnstap_file_open(&cfg, err, sizeof(err)), -1);
	cfg.dnstap = NULL;
	ck_assert_int_eq(dnstap_file_open(&cfg, err, sizeof(err)), -1);
}
END_TEST

/*
 * Nothing listens: the writer starts, and logging never waits (fstrm
 * discards what it takes from the queue while it has no connection).
 */
START_TEST(test_unix_absent)
{
	struct config cfg = { .dnstap =
				      "unix:/nonexistent/xdpdns-dnstap.sock" };
	struct daemon_stats st = { 0 };
	struct dnstap *t;
	uint64_t t0, dt;

	ck_assert_int_eq(dnstap_create(&cfg, -1, &st, &t), 0);
	t0 = util_mono_ns();
	log_queries(t, DNSTAP_QUEUE_FRAMES + 500, 1);
	dt = util_mono_ns() - t0;
	ck_assert_uint_eq(st.dnstap_sent + st.dnstap_dropped,
			  DNSTAP_QUEUE_FRAMES + 500);
	ck_assert_msg(dt < NSEC_PER_SEC / 2, "logging took %llu ns",
		      (unsigned long long)dt);
	t0 = util_mono_ns();
	dnstap_destroy(t);
	ck_assert_uint_lt(util_mono_ns() - t0, 3 * NSEC_PER_SEC);
}
END_TEST

/*
 * A reader that connects but never reads (the handshake never answered):
 * the queue fills, everything past it is dropped at once, and the writer
 * still stops within its I/O timeout.
 */
START_TEST(test_unix_stuck_reader_drops)
{
	char path[] = "/tmp/xdpdns-dnstap-sock-XXXXXX", target[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct daemon_stats st = { 0 };
	struct config cfg = { 0 };
	struct dnstap *t;
	uint64_t t0, dt;
	int lfd;

	signal(SIGPIPE, SIG_IGN);
	ck_assert_ptr_nonnull(mkdtemp(path));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/s", path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	snprintf(target, sizeof(target), "unix:%s", sa.sun_path);
	cfg.dnstap = target;
	ck_assert_int_eq(dnstap_create(&cfg, -1, &st, &t), 0);
	usleep(200 * 1000); /* the I/O thread is in the handshake */
	t0 = util_mono_ns();
	log_queries(t, DNSTAP_QUEUE_FRAMES + 500, 1);
	dt = util_mono_ns() - t0;
	ck_assert_uint_ge(st.dnstap_dropped, 500);
	ck_assert_uint_eq(st.dnstap_sent + st.dnstap_dropped,
			  DNSTAP_QUEUE_FRAMES + 500);
	ck_assert_msg(dt < NSEC_PER_SEC / 2, "logging took %llu ns",
		      (unsigned long long)dt);
	t0 = util_mono_ns();
	dnstap_destroy(t);
	ck_assert_uint_lt(util_mono_ns() - t0, 5 * NSEC_PER_SEC);
	close(lfd);
	unlink(sa.sun_path);
	rmdir(path);
}
END_TEST

/* ---- Limits -------------------------------------------------------------- */

/* A 255-byte name: the rebuilt query is 12 + 255 + 4 bytes. */
START_TEST(test_sample_longest_name)
{
	char name[DNSWIRE_NAME_TEXT_MAX] = "";
	uint8_t q[DNSTAP_SAMPLE_QUERY_MAX];
	struct sockaddr_storage client;
	struct xdpdns_event ev;
	struct dnstap_msg m;
	ldns_pkt *pkt = NULL;
	char extra[64];

	/* 4 x (1 + 62) + 1 + 1 + 1 = 255 wire bytes. */
	for (int i = 0; i < 4; i++) {
		memset(name + strlen(name), 'a' + i, 62);
		strcat(name, ".");
	}
	strcat(name, "b.");
	ev = sample_event(name, 16, 0);
	ck_assert_uint_eq(ev.qname_len, 255);
	ck_assert(dnstap_from_sample(&ev, 0, 1, q, &client, extra,
				     sizeof(extra), &m));
	ck_assert_uint_eq(m.query_len, DNSTAP_SAMPLE_QUERY_MAX);
	ck_assert_str_eq(extra, "xdp-sampled 1/1 rcode=NOERROR");
	ck_assert_int_eq(ldns_wire2pkt(&pkt, m.query, m.query_len),
			 LDNS_STATUS_OK);
	ldns_pkt_free(pkt);
}
END_TEST

/* No addresses, no times, no bytes: only the two required types. */
START_TEST(test_encode_empty)
{
	struct dnstap_msg m = { 0 };
	Dnstap__Dnstap *d = decode(&m, NULL, NULL);

	ck_assert_int_eq(d->message->type, DNSTAP__MESSAGE__TYPE__CLIENT_QUERY);
	ck_assert(!d->message->has_socket_family &&
		  !d->message->has_query_address &&
		  !d->message->has_query_time_sec &&
		  !d->message->has_query_message);
	dnstap__dnstap__free_unpacked(d, NULL);
}
END_TEST

void dnstap_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_encode_query_v4_udp),
		     CKTEST(test_encode_response_v6_tcp),
		     CKTEST(test_sample_answered),
		     CKTEST_TABLE(test_target_parse, target_cases),
		     CKTEST(test_file_writer));
	CKTEST_TCASE(s, "Negative", NULL, CKTEST(test_sample_not_answered),
		     CKTEST(test_file_open_fails), CKTEST(test_unix_absent),
		     CKTEST(test_unix_stuck_reader_drops));
	CKTEST_TCASE(s, "Limits", NULL, CKTEST(test_sample_longest_name),
		     CKTEST(test_encode_empty));
}
