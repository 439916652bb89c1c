// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsctl hotset export|import|pull: the names XDP is answering on one
 * node, carried to another so that clients moved to it by a failover find
 * their names in its XDP cache at once. export reads the pinned maps
 * (lib/hotset.h, the same walk as xdpdnsd's /api/hotset); import asks the
 * local daemon each name as an ordinary recursive query, so the daemon
 * resolves it and writes the map exactly as for a client (no privileged
 * channel into the daemon); pull fetches a peer's /api/hotset over plain
 * HTTP/1.0 and imports it.
 *
 * Import is bounded: each name once, at most --rate queries a second and
 * IMPORT_INFLIGHT_MAX in flight (a share of the daemon's
 * --max-outstanding), IMPORT_WAIT_S for each answer, --timeout in all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "lib/dnswire.h"
#include "lib/hotset.h"
#include "lib/util.h"
#include "lib/xdpmaps.h"
#include "xdpdnsctl.h"

enum {
	OPT_TOP = 0x100,
	OPT_MIN_HITS,
	OPT_FORMAT,
	OPT_SERVER,
	OPT_RATE,
	OPT_TIMEOUT,
};

#ifndef IMPORT_RATE_DEFAULT
#define IMPORT_RATE_DEFAULT 2000
#endif
#define IMPORT_RATE_MAX 100000
#ifndef IMPORT_TIMEOUT_DEFAULT
#define IMPORT_TIMEOUT_DEFAULT 60
#endif
#define IMPORT_TIMEOUT_MAX 3600
/* Resolutions in flight at once: well under xdpdnsd's default
 * --max-outstanding (4096), so clients' misses still find room. */
#define IMPORT_INFLIGHT_MAX 256
/* How long one answer is waited for: past xdpdnsd's --resolve-timeout
 * (4 s), after which it answers SERVFAIL itself. */
#define IMPORT_WAIT_S 5
/* Bad lines named on stderr; the rest are only counted. */
#define IMPORT_BAD_SHOWN 5
/* Largest hot set pull accepts from a peer. */
#define PULL_BODY_MAX (32u << 20)
#define PULL_PATH_DEFAULT "/api/hotset"

/* --- export ---------------------------------------------------------------- */

static int ctl_hotset_export(struct ctl *ctl, long top, long min_hits,
			     bool json)
{
	char err_line[XDPMAPS_ERR_MAX] = "";
	struct xdpmaps_fds fds;
	struct hotset h;
	int err, ret = CTL_EXIT_FAIL;

	err = xdpmaps_fds_open(ctl->pin_dir, XDPDNS_MAP_CACHE, &fds, err_line,
			       sizeof(err_line));
	if (err) {
		ctl_err("%s", err_line[0] ? err_line : strerror(-err));
		return CTL_EXIT_FAIL;
	}
	hotset_init(&h, (size_t)top, (uint64_t)min_hits);
	err = hotset_collect(&fds, &h);
	if (err) {
		ctl_err("cannot read %s/%s: %s", ctl->pin_dir, XDPDNS_MAP_CACHE,
			strerror(-err));
		goto out;
	}
	if (json) {
		json_t *doc = hotset_json(&h);

		ret = ctl_print_json(doc);
		json_decref(doc);
		goto out;
	}
	if (hotset_write_text(&h, stdout) || fflush(stdout)) {
		ctl_err("cannot write the hot set: %s", strerror(errno));
		goto out;
	}
	ret = CTL_EXIT_OK;
out:
	hotset_free(&h);
	xdpmaps_fds_close(&fds);
	return ret;
}

/* --- import ---------------------------------------------------------------- */

struct import_opts {
	struct sockaddr_storage server;
	socklen_t server_len;
	const char *server_text;
	long rate;
	long timeout;
};

struct import_counts {
	size_t lines, bad, dup, over, names;
	size_t sent, noerror, nxdomain, servfail, other, unanswered, unsent;
};

/* "ADDR" or "ADDR#PORT" (unbound's notation), IPv4 or IPv6. */
static int import_parse_server(const char *s, struct import_opts *o)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *hash = strchr(s, '#');
	size_t hlen = hash ? (size_t)(hash - s) : strlen(s);
	struct sockaddr_in *sin = (struct sockaddr_in *)&o->server;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&o->server;
	long port = 53;

	memset(&o->server, 0, sizeof(o->server));
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (hash) {
		port = ctl_parse_count(hash + 1, 65535);
		if (port < 0)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		o->server_len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		o->server_len = sizeof(*sin6);
	} else {
		return -EINVAL;
	}
	o->server_text = s;
	return 0;
}

struct import_set {
	struct hotset_row *rows;
	size_t n, cap;
};

static int import_row_key_cmp(const void *pa, const void *pb)
{
	const struct hotset_row *a = *(const struct hotset_row *const *)pa;
	const struct hotset_row *b = *(const struct hotset_row *const *)pb;
	int c;

	if (a->qname_len != b->qname_len)
		return a->qname_len < b->qname_len ? -1 : 1;
	c = memcmp(a->qname, b->qname, a->qname_len);
	if (c)
		return c;
	if (a->qtype != b->qtype)
		return a->qtype < b->qtype ? -1 : 1;
	if (a->flags != b->flags)
		return a->flags < b->flags ? -1 : 1;
	/* The first line of a name wins: it keeps its place in the order. */
	return a < b ? -1 : a > b;
}

/* Drops repeated questions, keeping the order of the file (most hit
 * first, so a time cap cuts the coldest). Return: 0 or -ENOMEM. */
static int import_dedup(struct import_set *s, struct import_counts *c)
{
	struct hotset_row **idx;
	bool *drop;
	size_t out = 0;

	if (s->n < 2)
		return 0;
	idx = malloc(s->n * sizeof(*idx));
	drop = calloc(s->n, sizeof(*drop));
	if (!idx || !drop) {
		free(idx);
		free(drop);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->n; i++)
		idx[i] = &s->rows[i];
	qsort(idx, s->n, sizeof(*idx), import_row_key_cmp);
	for (size_t i = 1; i < s->n; i++) {
		const struct hotset_row *a = idx[i - 1], *b = idx[i];

		if (a->qname_len == b->qname_len && a->qtype == b->qtype &&
		    a->flags == b->flags &&
		    !memcmp(a->qname, b->qname, a->qname_len))
			drop[idx[i] - s->rows] = true;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (drop[i]) {
			c->dup++;
			continue;
		}
		s->rows[out++] = s->rows[i];
	}
	s->n = out;
	free(idx);
	free(drop);
	return 0;
}

/* Every line of @f: rows into @s, bad lines counted (the first few named
 * on stderr). Return: 0, or -errno of reading or memory. */
static int import_read(FILE *f, const char *what, struct import_set *s,
		       struct import_counts *c)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ret = 0;

	while ((len = getline(&line, &cap, f)) >= 0) {
		struct hotset_row r;
		int v;

		c->lines++;
		v = len >= HOTSET_LINE_MAX ? -EINVAL :
					     hotset_parse_line(line, &r);
		if (v == 0)
			continue;
		if (v < 0) {
			if (c->bad++ < IMPORT_BAD_SHOWN)
				ctl_err("%s:%zu: not 'NAME TYPE [HITS [do|cd|do,cd]]', skipped",
					what, c->lines);
			continue;
		}
		if (s->n >= HOTSET_TOP_MAX) {
			c->over++;
			continue;
		}
		if (s->n == s->cap) {
			size_t ncap = s->cap ? 2 * s->cap : 256;
			struct hotset_row *p =
				realloc(s->rows, ncap * sizeof(*p));

			if (!p) {
				ret = -ENOMEM;
				goto out;
			}
			s->rows = p;
			s->cap = ncap;
		}
		s->rows[s->n++] = r;
	}
	if (ferror(f))
		ret = -EIO;
out:
	free(line);
	return ret;
}

/* One query of the wire: RD, EDNS with our buffer size, DO and CD as
 * the key had them. Return: a buffer (free()) or NULL. */
static uint8_t *import_query_wire(const struct hotset_row *r, uint16_t id,
				  size_t *len)
{
	ldns_rdf *name = ldns_dname_new_frm_data(r->qname_len, r->qname);
	uint8_t *wire = NULL;
	ldns_pkt *p;

	if (!name)
		return NULL;
	p = ldns_pkt_query_new(name, (ldns_rr_type)r->qtype, LDNS_RR_CLASS_IN,
			       LDNS_RD);
	if (!p)
		return NULL;
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_edns_udp_size(p, XDPDNS_EDNS_SIZE_DEFAULT);
	if (r->flags & XDPDNS_KEY_DO)
		ldns_pkt_set_edns_do(p, true);
	if (r->flags & XDPDNS_KEY_CD)
		ldns_pkt_set_cd(p, true);
	if (ldns_pkt2wire(&wire, p, len) != LDNS_STATUS_OK)
		wire = NULL;
	ldns_pkt_free(p);
	return wire;
}

/* An ID's query in flight: which row, and its send number (0: free). */
struct import_slot {
	uint32_t row;
	uint32_t seq;
};

struct import_run {
	const struct import_set *set;
	struct import_counts *c;
	struct import_slot slot[65536];
	/* IDs in flight in send order, with their send numbers. */
	struct {
		uint16_t id;
		uint32_t seq;
		uint64_t sent_ns;
	} fifo[IMPORT_INFLIGHT_MAX];
	size_t head, count;
	uint32_t seq;
	uint16_t next_id;
	size_t inflight;
};

/* The reply in @buf: whose question it answers, counted by rcode. */
static void import_reply(struct import_run *run, const uint8_t *buf, size_t len)
{
	struct import_slot *sl;
	const struct hotset_row *r;
	ldns_pkt *p = NULL;
	ldns_rr *q;
	ldns_rdf *want;
	bool same;

	if (len < DNS_HEADER_LEN)
		return;
	sl = &run->slot[dnswire_get_u16(buf)];
	if (!sl->seq || ldns_wire2pkt(&p, buf, len) != LDNS_STATUS_OK)
		return;
	r = &run->set->rows[sl->row];
	q = ldns_pkt_qdcount(p) == 1 ?
		    ldns_rr_list_rr(ldns_pkt_question(p), 0) :
		    NULL;
	want = ldns_dname_new_frm_data(r->qname_len, r->qname);
	same = ldns_pkt_qr(p) && q && want && ldns_rr_get_type(q) == r->qtype &&
	       ldns_dname_compare(ldns_rr_owner(q), want) == 0;
	ldns_rdf_deep_free(want);
	if (same) {
		switch (ldns_pkt_get_rcode(p)) {
		case LDNS_RCODE_NOERROR:
			run->c->noerror++;
			break;
		case LDNS_RCODE_NXDOMAIN:
			run->c->nxdomain++;
			break;
		case LDNS_RCODE_SERVFAIL:
			run->c->servfail++;
			break;
		default:
			run->c->other++;
			break;
		}
		sl->seq = 0;
		run->inflight--;
	}
	ldns_pkt_free(p);
}

/* Sends row @i. Return: 0, -EAGAIN (try again later), -ENOMEM. */
static int import_send(struct import_run *run, int fd, size_t i,
		       uint64_t now_ns)
{
	uint8_t *wire;
	size_t len;
	uint16_t id = run->next_id;
	size_t tail;
	ssize_t n;

	while (run->slot[id].seq)
		id++;
	wire = import_query_wire(&run->set->rows[i], id, &len);
	if (!wire)
		return -ENOMEM;
	n = send(fd, wire, len, 0);
	free(wire);
	if (n < 0 && (errno == EAGAIN || errno == ENOBUFS))
		return -EAGAIN;
	/* Any other error (ECONNREFUSED: nobody listens) is a query that
	 * gets no answer: it is waited for like the rest. */
	run->next_id = (uint16_t)(id + 1);
	if (++run->seq == 0)
		run->seq = 1;
	run->slot[id].row = (uint32_t)i;
	run->slot[id].seq = run->seq;
	tail = (run->head + run->count) % IMPORT_INFLIGHT_MAX;
	run->fifo[tail].id = id;
	run->fifo[tail].seq = run->seq;
	run->fifo[tail].sent_ns = now_ns;
	run->count++;
	run->inflight++;
	run->c->sent++;
	return 0;
}

/* Forgets answered queries at the head and counts the expired ones. */
static void import_expire(struct import_run *run, uint64_t now_ns, bool all)
{
	while (run->count) {
		typeof(run->fifo[0]) *f = &run->fifo[run->head];
		struct import_slot *sl = &run->slot[f->id];

		if (sl->seq == f->seq) {
			if (!all &&
			    now_ns - f->sent_ns < IMPORT_WAIT_S * NSEC_PER_SEC)
				break;
			sl->seq = 0;
			run->inflight--;
			run->c->unanswered++;
		}
		run->head = (run->head + 1) % IMPORT_INFLIGHT_MAX;
		run->count--;
	}
}

static int import_run_queries(const struct import_opts *o,
			      const struct import_set *set,
			      struct import_counts *c)
{
	struct import_run *run = calloc(1, sizeof(*run));
	uint64_t t0 = util_mono_ns(), now = t0;
	uint64_t deadline = t0 + (uint64_t)o->timeout * NSEC_PER_SEC;
	uint64_t gap = NSEC_PER_SEC / (uint64_t)o->rate;
	size_t next = 0;
	uint8_t buf[65536];
	int fd, ret = 0;

	if (!run)
		return -ENOMEM;
	run->set = set;
	run->c = c;
	if (getrandom(&run->next_id, sizeof(run->next_id), 0) < 0)
		run->next_id = (uint16_t)t0;
	fd = socket(o->server.ss_family,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    connect(fd, (const struct sockaddr *)&o->server, o->server_len)) {
		ret = -errno;
		ctl_err("hotset import: cannot reach %s: %s", o->server_text,
			strerror(errno));
		goto out;
	}
	while (now < deadline) {
		uint64_t wake = deadline;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int ms;

		/* Paced: query k leaves no earlier than t0 + k / rate. */
		while (next < set->n && run->inflight < IMPORT_INFLIGHT_MAX &&
		       run->count < IMPORT_INFLIGHT_MAX &&
		       now >= t0 + (uint64_t)c->sent * gap) {
			ret = import_send(run, fd, next, now);
			if (ret == -EAGAIN)
				break;
			if (ret)
				goto out;
			next++;
		}
		ret = 0;
		import_expire(run, now, false);
		if (next == set->n && run->inflight == 0)
			break;
		if (next < set->n && run->inflight < IMPORT_INFLIGHT_MAX) {
			uint64_t t = t0 + (uint64_t)c->sent * gap;

			wake = t > now ? t : now + NSEC_PER_SEC / 1000;
		}
		if (run->count) {
			uint64_t t = run->fifo[run->head].sent_ns +
				     IMPORT_WAIT_S * NSEC_PER_SEC;

			if (t < wake)
				wake = t;
		}
		if (wake > deadline)
			wake = deadline;
		ms = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
		if (poll(&pfd, 1, ms) > 0) {
			ssize_t n;

			/* ECONNREFUSED (ICMP port unreachable) is noted and
			 * the loop goes on: the waits run out on their own. */
			while ((n = recv(fd, buf, sizeof(buf), 0)) >= 0 ||
			       errno == ECONNREFUSED)
				if (n >= 0)
					import_reply(run, buf, (size_t)n);
		}
		now = util_mono_ns();
	}
	import_expire(run, now, true);
	c->unsent = set->n - next;
out:
	if (fd >= 0)
		close(fd);
	free(run);
	return ret;
}

/* Import what @f holds. Return: the exit status. */
static int ctl_hotset_import_file(FILE *f, const char *what,
				  const struct import_opts *o)
{
	struct import_counts c = { 0 };
	struct import_set set = { 0 };
	uint64_t t0 = util_mono_ns();
	size_t answered;
	int err, ret = CTL_EXIT_FAIL;

	err = import_read(f, what, &set, &c);
	if (!err)
		err = import_dedup(&set, &c);
	if (err) {
		ctl_err("hotset import: cannot read %s: %s", what,
			strerror(-err));
		goto out;
	}
	c.names = set.n;
	if (set.n && import_run_queries(o, &set, &c))
		goto out;
	answered = c.noerror + c.nxdomain + c.servfail + c.other;
	if (c.over)
		ctl_err("hotset import: %s: %zu lines after the first %d names ignored",
			what, c.over, HOTSET_TOP_MAX);
	printf("hotset import: %zu names from %s (%zu lines, %zu bad, %zu repeated) to %s in %.1f s: "
	       "%zu NOERROR, %zu NXDOMAIN, %zu SERVFAIL, %zu other, %zu no answer, %zu not sent (time cap)\n",
	       c.names, what, c.lines, c.bad, c.dup, o->server_text,
	       (double)(util_mono_ns() - t0) / 1e9, c.noerror, c.nxdomain,
	       c.servfail, c.other, c.unanswered, c.unsent);
	fflush(stdout);
	if (!answered) {
		ctl_err("hotset import: %s answered none of %zu names",
			o->server_text, c.names);
		goto out;
	}
	ret = CTL_EXIT_OK;
out:
	free(set.rows);
	return ret;
}

/* --- pull ------------------------------------------------------------------ */

/* "http://HOST[:PORT][/PATH]", HOST a name, IPv4 or [IPv6]. */
static int pull_parse_url(const char *url, char *host, size_t hcap, char *port,
			  size_t pcap, const char **path)
{
	const char *h, *end, *p;
	size_t hlen;

	if (strncmp(url, "http://", 7))
		return -EINVAL;
	h = url + 7;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return -EINVAL;
		hlen = (size_t)(end - h - 1);
		h++;
		p = end + 1;
	} else {
		p = h + strcspn(h, ":/");
		hlen = (size_t)(p - h);
	}
	if (hlen == 0 || hlen >= hcap)
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, pcap, "80");
	if (*p == ':') {
		size_t plen = strcspn(p + 1, "/");

		if (plen == 0 || plen >= pcap)
			return -EINVAL;
		memcpy(port, p + 1, plen);
		port[plen] = '\0';
		if (ctl_parse_count(port, 65535) < 0)
			return -EINVAL;
		p += 1 + plen;
	}
	if (*p && *p != '/')
		return -EINVAL;
	/* A request line ends at CR LF: no blanks or controls in it. */
	for (const char *q = p; *q; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			return -EINVAL;
	*path = *p ? p : PULL_PATH_DEFAULT;
	return 0;
}

/* Waits until @fd is ready for @events or @deadline. Return: 0 or
 * -ETIMEDOUT. */
static int pull_wait(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	uint64_t now = util_mono_ns();

	if (now >= deadline)
		return -ETIMEDOUT;
	return poll(&pfd, 1, (int)((deadline - now + 999999) / 1000000)) > 0 ?
		       0 :
		       -ETIMEDOUT;
}

/*
 * GET @url over HTTP/1.0 (the whole body, then the peer closes): what a
 * hot set needs, so no HTTP client library. Return: 0 with the body in
 * *@body (free()), or -errno with the cause printed.
 */
static int pull_fetch(const char *url, long timeout_s, char **body,
		      size_t *blen)
{
	char host[256], port[8], *buf = NULL, *p;
	uint64_t deadline = util_mono_ns() + (uint64_t)timeout_s * NSEC_PER_SEC;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	size_t len = 0, cap = 0, off = 0;
	const char *path;
	int fd = -1, ret, status;
	char req[1024];
	int rlen;

	if (pull_parse_url(url, host, sizeof(host), port, sizeof(port),
			   &path)) {
		ctl_err("hotset pull: '%s' is not http://HOST[:PORT][/PATH]",
			url);
		return -EINVAL;
	}
	ret = getaddrinfo(host, port, &hints, &ai);
	if (ret) {
		ctl_err("hotset pull: %s: %s", host, gai_strerror(ret));
		return -EHOSTUNREACH;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0 || (connect(fd, ai->ai_addr, ai->ai_addrlen) &&
		       errno != EINPROGRESS)) {
		ret = -errno;
		goto fail;
	}
	ret = pull_wait(fd, POLLOUT, deadline);
	if (!ret) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		ret = -soerr;
	}
	if (ret)
		goto fail;
	rlen = snprintf(req, sizeof(req),
			"GET %s HTTP/1.0\r\nHost: %s:%s\r\n"
			"User-Agent: xdpdnsctl\r\nAccept: text/plain\r\n\r\n",
			path, host, port);
	if (rlen < 0 || (size_t)rlen >= sizeof(req)) {
		ret = -ENAMETOOLONG;
		goto fail;
	}
	while (off < (size_t)rlen) {
		ssize_t n =
			send(fd, req + off, (size_t)rlen - off, MSG_NOSIGNAL);

		if (n < 0 && errno != EAGAIN) {
			ret = -errno;
			goto fail;
		}
		if (n < 0 && (ret = pull_wait(fd, POLLOUT, deadline)))
			goto fail;
		if (n > 0)
			off += (size_t)n;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			size_t ncap = cap ? 2 * cap : 65536;

			if (ncap > PULL_BODY_MAX + 65536) {
				ret = -EFBIG;
				goto fail;
			}
			p = realloc(buf, ncap);
			if (!p) {
				ret = -ENOMEM;
				goto fail;
			}
			buf = p;
			cap = ncap;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n == 0)
			break;
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (errno != EAGAIN) {
			ret = -errno;
			goto fail;
		}
		if ((ret = pull_wait(fd, POLLIN, deadline)))
			goto fail;
	}
	buf[len] = '\0';
	p = strstr(buf, "\r\n\r\n");
	if (!p || sscanf(buf, "HTTP/1.%*1[01] %3d", &status) != 1) {
		ctl_err("hotset pull: %s: not an HTTP response", url);
		ret = -EBADMSG;
		goto out;
	}
	if (status != 200) {
		char *eol = strstr(buf, "\r\n");

		*eol = '\0';
		ctl_err("hotset pull: %s: %s", url, buf);
		ret = -ENOENT;
		goto out;
	}
	p += 4;
	*blen = len - (size_t)(p - buf);
	memmove(buf, p, *blen + 1);
	*body = buf;
	buf = NULL;
	ret = 0;
	goto out;
fail:
	ctl_err("hotset pull: %s: %s", url, strerror(-ret));
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	free(buf);
	return ret;
}

/* --- the command line ------------------------------------------------------ */

static int ctl_hotset_import_args(const char *sub, int argc, char **argv,
				  struct import_opts *o, const char **arg,
				  long *top)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, OPT_SERVER },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ NULL, 0, NULL, 0 },
	};
	bool server = false;
	int c;

	o->rate = IMPORT_RATE_DEFAULT;
	o->timeout = IMPORT_TIMEOUT_DEFAULT;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SERVER:
			if (import_parse_server(optarg, o))
				return ctl_usage_err(
					"hotset %s: --server takes ADDR or ADDR#PORT, not '%s'",
					sub, optarg);
			server = true;
			break;
		case OPT_RATE:
			o->rate = ctl_parse_count(optarg, IMPORT_RATE_MAX);
			if (o->rate < 0)
				return ctl_usage_err(
					"hotset %s: --rate takes 1..%d queries a second",
					sub, IMPORT_RATE_MAX);
			break;
		case OPT_TIMEOUT:
			o->timeout =
				ctl_parse_count(optarg, IMPORT_TIMEOUT_MAX);
			if (o->timeout < 0)
				return ctl_usage_err(
					"hotset %s: --timeout takes 1..%d seconds",
					sub, IMPORT_TIMEOUT_MAX);
			break;
		case OPT_TOP:
			if (!top)
				return ctl_bad_option(argv, optind);
			*top = ctl_parse_count(optarg, HOTSET_TOP_MAX);
			if (*top < 0)
				return ctl_usage_err(
					"hotset %s: --top takes 1..%d", sub,
					HOTSET_TOP_MAX);
			break;
		default:
			return ctl_bad_option(argv, optind);
		}
	}
	if (optind >= argc)
		return ctl_usage_err("hotset %s: %s is missing", sub,
				     top ? "URL" : "FILE (or -)");
	*arg = argv[optind];
	if (optind + 1 < argc)
		return ctl_usage_err("hotset %s: unexpected argument '%s'", sub,
				     argv[optind + 1]);
	if (!server)
		return ctl_usage_err(
			"hotset %s: --server ADDR[#PORT] (the local xdpdnsd) is missing",
			sub);
	return 0;
}

static int ctl_hotset_import(int argc, char **argv)
{
	struct import_opts o;
	const char *file;
	FILE *f;
	int ret;

	ret = ctl_hotset_import_args("import", argc, argv, &o, &file, NULL);
	if (ret)
		return ret;
	if (!strcmp(file, "-"))
		return ctl_hotset_import_file(stdin, "stdin", &o);
	f = fopen(file, "r");
	if (!f) {
		ctl_err("hotset import: cannot open %s: %s", file,
			strerror(errno));
		return CTL_EXIT_FAIL;
	}
	ret = ctl_hotset_import_file(f, file, &o);
	fclose(f);
	return ret;
}

static int ctl_hotset_pull(int argc, char **argv)
{
	char *body = NULL, *full = NULL, host[256], port[8];
	const char *url, *path;
	struct import_opts o;
	long top = -1;
	size_t len = 0;
	FILE *f;
	int ret;

	ret = ctl_hotset_import_args("pull", argc, argv, &o, &url, &top);
	if (ret)
		return ret;
	if (pull_parse_url(url, host, sizeof(host), port, sizeof(port), &path))
		return ctl_usage_err(
			"hotset pull: '%s' is not http://HOST[:PORT][/PATH]",
			url);
	if (top > 0) {
		/* The URL is http://... (checked above). */
		const char *after = url + 7;
		bool bare = !strchr(after, '/');

		/* A bare http://HOST:PORT means /api/hotset. */
		if (asprintf(&full, "%s%s%ctop=%ld", url,
			     bare ? PULL_PATH_DEFAULT : "",
			     strchr(after, '?') ? '&' : '?', top) < 0)
			return CTL_EXIT_FAIL;
		url = full;
	}
	/* The fetch has 10 s at most (less under a shorter --timeout); the
	 * import then has its own --timeout. */
	ret = pull_fetch(url, o.timeout < 10 ? o.timeout : 10, &body, &len);
	if (ret) {
		free(full);
		return CTL_EXIT_FAIL;
	}
	f = fmemopen(body, len ? len : 1, "r");
	if (!f) {
		ctl_err("hotset pull: %s", strerror(errno));
		ret = CTL_EXIT_FAIL;
	} else {
		ret = ctl_hotset_import_file(f, url, &o);
		fclose(f);
	}
	free(body);
	free(full);
	return ret;
}

static int ctl_hotset_export_cmd(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "top", required_argument, NULL, OPT_TOP },
		{ "min-hits", required_argument, NULL, OPT_MIN_HITS },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ NULL, 0, NULL, 0 },
	};
	long top = HOTSET_TOP_DEFAULT, min_hits = 1;
	bool json = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TOP:
			top = ctl_parse_count(optarg, HOTSET_TOP_MAX);
			if (top < 0)
				return ctl_usage_err(
					"hotset export: --top takes 1..%d",
					HOTSET_TOP_MAX);
			break;
		case OPT_MIN_HITS:
			/* 0: every entry, also those never hit. */
			min_hits = !strcmp(optarg, "0") ?
					   0 :
					   ctl_parse_count(optarg, LONG_MAX);
			if (min_hits < 0)
				return ctl_usage_err(
					"hotset export: --min-hits takes a count");
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return ctl_usage_err(
					"hotset export: --format is text or json, not '%s'",
					optarg);
			json = !strcmp(optarg, "json");
			break;
		default:
			return ctl_bad_option(argv, optind);
		}
	}
	if (optind < argc)
		return ctl_usage_err("hotset export: unexpected argument '%s'",
				     argv[optind]);
	return ctl_hotset_export(ctl, top, min_hits, json);
}

int cmd_hotset(struct ctl *ctl, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub)
		return ctl_usage_err(
			"hotset: say 'hotset export', 'hotset import' or 'hotset pull'");
	if (!strcmp(sub, "export"))
		return ctl_hotset_export_cmd(ctl, argc - 1, argv + 1);
	if (!strcmp(sub, "import"))
		return ctl_hotset_import(argc - 1, argv + 1);
	if (!strcmp(sub, "pull"))
		return ctl_hotset_pull(argc - 1, argv + 1);
	return ctl_usage_err(
		"hotset: unknown subcommand '%s' (export, import or pull)",
		sub);
}
