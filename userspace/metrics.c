// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsd's HTTP endpoint, served by libmicrohttpd from its own thread:
 * /metrics (Prometheus text), /api/stats.json (what the dashboard polls) and
 * / (the dashboard itself, compiled in from tools/dashboard/index.html so it
 * works on an offline NOC laptop). Counters are read on every request; the
 * cache and rate-limit table walks cost a syscall per batch of entries, so
 * their results are reused for METRICS_WALK_INTERVAL_NS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include <microhttpd.h>

#include "lib/health.h"
#include "lib/hotset.h"
#include "lib/observe.h"
#include "lib/util.h"
#include "log.h"
#include "metrics.h"

#include "dashboard.h"

#ifndef METRICS_WALK_INTERVAL_NS
#define METRICS_WALK_INTERVAL_NS NSEC_PER_SEC
#endif
#define METRICS_MAX_CONNECTIONS 64
#define METRICS_CONNECTION_TIMEOUT 10 /* seconds */

#define METRICS_PROM_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_server {
	struct MHD_Daemon *mhd;
	struct xdpmaps_fds fds;
	const struct daemon_stats *daemon;
	const struct daemon_stats *const *threads;
	unsigned int nthreads;
	const struct xdpdns_status *status;
	bool xdp;
	/* One hot-set walk at a time: each holds up to 2 x top rows. */
	pthread_mutex_t hotset_lock;
	pthread_mutex_t lock; /* guards the cached walks below */
	uint64_t walked_ns; /* 0: never */
	struct observe_cache cache;
	struct observe_clients clients;
};

/* A snapshot with walks no older than METRICS_WALK_INTERVAL_NS. */
static struct observe_snapshot *metrics_snapshot(struct metrics_server *srv)
{
	struct observe_snapshot *s = malloc(sizeof(*s));

	if (!s)
		return NULL;
	/* A failed counter read leaves have_xdp false: still worth serving. */
	observe_snapshot_take(s, &srv->fds, srv->daemon, false);
	for (unsigned int i = 0; i < srv->nthreads; i++)
		observe_daemon_add(&s->daemon, srv->threads[i]);
	pthread_mutex_lock(&srv->lock);
	if (!srv->walked_ns ||
	    s->mono_ns - srv->walked_ns >= METRICS_WALK_INTERVAL_NS) {
		observe_cache_walk(&srv->fds, OBSERVE_TOP_DEFAULT, s->mono_ns,
				   &srv->cache);
		observe_clients_walk(srv->fds.rl, OBSERVE_TOP_DEFAULT,
				     s->mono_ns, OBSERVE_LIMITED_WINDOW_NS,
				     &srv->clients);
		srv->walked_ns = s->mono_ns;
	}
	s->cache = srv->cache;
	s->clients = srv->clients;
	pthread_mutex_unlock(&srv->lock);
	return s;
}

static enum MHD_Result metrics_send(struct MHD_Connection *conn,
				    unsigned int status, const char *type,
				    void *body, size_t len,
				    enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, mode);
	if (!resp) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					"GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result metrics_text(struct MHD_Connection *conn,
				    unsigned int status, const char *msg)
{
	return metrics_send(conn, status, "text/plain; charset=utf-8",
			    (void *)msg, strlen(msg), MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result metrics_prometheus(struct metrics_server *srv,
					  struct MHD_Connection *conn)
{
	struct observe_snapshot *s = metrics_snapshot(srv);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	if (!s)
		return metrics_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "out of memory\n");
	f = open_memstream(&buf, &len);
	if (!f) {
		free(s);
		return metrics_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "out of memory\n");
	}
	err = observe_prometheus(s, f);
	fclose(f);
	free(s);
	if (err) {
		free(buf);
		return metrics_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "cannot render metrics\n");
	}
	return metrics_send(conn, MHD_HTTP_OK, METRICS_PROM_TYPE, buf, len,
			    MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result metrics_stats_json(struct metrics_server *srv,
					  struct MHD_Connection *conn)
{
	struct observe_snapshot *s = metrics_snapshot(srv);
	json_t *doc;
	char *buf;

	if (!s)
		return metrics_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "out of memory\n");
	doc = observe_stats_json(s);
	free(s);
	buf = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!buf)
		return metrics_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "cannot render JSON\n");
	return metrics_send(conn, MHD_HTTP_OK, "application/json", buf,
			    strlen(buf), MHD_RESPMEM_MUST_FREE);
}

/* /health: 200 and "healthy: ..." or 503 and "unhealthy: ...". */
static enum MHD_Result metrics_health(struct metrics_server *srv,
				      struct MHD_Connection *conn)
{
	struct health_input in = { .have_status = true, .check_xdp = srv->xdp };
	char line[HEALTH_LINE_MAX + 1], ifname[IF_NAMESIZE];
	size_t n;
	int bad;

	health_status_load(&in.st, srv->status);
	in.now_ns = util_mono_ns();
	if (srv->xdp && in.st.ifindex) {
		if (bpf_xdp_query_id((int)in.st.ifindex, 0, &in.attached_id))
			in.attached_id = 0;
		in.ifname = if_indextoname(in.st.ifindex, ifname);
	}
	bad = health_eval(&in, line, sizeof(line) - 1);
	n = strlen(line);
	line[n++] = '\n';
	return metrics_send(conn,
			    bad ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK,
			    "text/plain; charset=utf-8", line, n,
			    MHD_RESPMEM_MUST_COPY);
}

/* A query argument of 1..@max, @dflt when absent; -1 when malformed. */
static long metrics_arg_count(struct MHD_Connection *conn, const char *key,
			      long dflt, long max)
{
	const char *v =
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
	char *end;
	long n;

	if (!v)
		return dflt;
	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 1 || n > max)
		return -1;
	return n;
}

/* /api/hotset: what `xdpdnsctl hotset export` prints, from the same walk. */
static enum MHD_Result metrics_hotset(struct metrics_server *srv,
				      struct MHD_Connection *conn)
{
	const char *fmt = MHD_lookup_connection_value(
		conn, MHD_GET_ARGUMENT_KIND, "format");
	long top = metrics_arg_count(conn, "top", HOTSET_TOP_DEFAULT,
				     HOTSET_TOP_MAX);
	long min_hits = metrics_arg_count(conn, "min_hits", 1, LONG_MAX);
	bool json = fmt && !strcmp(fmt, "json");
	struct hotset h;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	if (top < 0 || min_hits < 0 || (fmt && !json && strcmp(fmt, "text")))
		return metrics_text(
			conn, MHD_HTTP_BAD_REQUEST,
			"bad query: top=1..100000, min_hits=1.., format=text|json\n");
	if (srv->fds.cache < 0)
		return metrics_text(conn, MHD_HTTP_NOT_FOUND,
				    "no XDP cache (--no-xdp)\n");
	hotset_init(&h, (size_t)top, (uint64_t)min_hits);
	pthread_mutex_lock(&srv->hotset_lock);
	err = hotset_collect(&srv->fds, &h);
	pthread_mutex_unlock(&srv->hotset_lock);
	if (err) {
		hotset_free(&h);
		return metrics_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "cannot walk the XDP cache\n");
	}
	if (json) {
		json_t *doc = hotset_json(&h);

		buf = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
		json_decref(doc);
		hotset_free(&h);
		if (!buf)
			return metrics_text(conn,
					    MHD_HTTP_INTERNAL_SERVER_ERROR,
					    "cannot render JSON\n");
		return metrics_send(conn, MHD_HTTP_OK, "application/json", buf,
				    strlen(buf), MHD_RESPMEM_MUST_FREE);
	}
	f = open_memstream(&buf, &len);
	err = f ? hotset_write_text(&h, f) : -ENOMEM;
	if (f)
		fclose(f);
	hotset_free(&h);
	if (err) {
		free(buf);
		return metrics_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "cannot render the hot set\n");
	}
	return metrics_send(conn, MHD_HTTP_OK, "text/plain; charset=utf-8", buf,
			    len, MHD_RESPMEM_MUST_FREE);
}

int metrics_route(const char *method, const char *url, size_t upload_len)
{
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return METRICS_ROUTE_NOT_ALLOWED;
	if (upload_len)
		return METRICS_ROUTE_BAD_REQUEST;
	if (!strcmp(url, "/metrics"))
		return METRICS_ROUTE_PROMETHEUS;
	if (!strcmp(url, "/api/stats.json"))
		return METRICS_ROUTE_STATS_JSON;
	if (!strcmp(url, "/health"))
		return METRICS_ROUTE_HEALTH;
	if (!strcmp(url, "/api/hotset"))
		return METRICS_ROUTE_HOTSET;
	if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
		return METRICS_ROUTE_DASHBOARD;
	return METRICS_ROUTE_NOT_FOUND;
}

static enum MHD_Result metrics_handler(void *cls, struct MHD_Connection *conn,
				       const char *url, const char *method,
				       const char *version,
				       const char *upload_data,
				       size_t *upload_data_size, void **con_cls)
{
	struct metrics_server *srv = cls;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	switch (metrics_route(method, url, *upload_data_size)) {
	case METRICS_ROUTE_PROMETHEUS:
		return metrics_prometheus(srv, conn);
	case METRICS_ROUTE_STATS_JSON:
		return metrics_stats_json(srv, conn);
	case METRICS_ROUTE_HEALTH:
		return metrics_health(srv, conn);
	case METRICS_ROUTE_HOTSET:
		return metrics_hotset(srv, conn);
	case METRICS_ROUTE_DASHBOARD:
		return metrics_send(conn, MHD_HTTP_OK,
				    "text/html; charset=utf-8",
				    (void *)dashboard_html,
				    dashboard_html_len(),
				    MHD_RESPMEM_PERSISTENT);
	case METRICS_ROUTE_NOT_ALLOWED:
		return metrics_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				    "only GET and HEAD\n");
	case METRICS_ROUTE_BAD_REQUEST:
		return metrics_text(conn, MHD_HTTP_BAD_REQUEST,
				    "no request body expected\n");
	}
	return metrics_text(
		conn, MHD_HTTP_NOT_FOUND,
		"not found: try /, /metrics, /health, /api/stats.json or /api/hotset\n");
}

static void metrics_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	log_warn("metrics: %s", line);
}

/*
 * Parses "ADDR:PORT" or "[V6ADDR]:PORT" into @ss. Return: 0 or -EINVAL.
 */
static int metrics_parse_listen(const char *listen, struct sockaddr_storage *ss,
				socklen_t *sslen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = listen;
	size_t hlen;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (!listen)
		return -EINVAL;
	if (*h == '[') {
		const char *rb = strchr(h, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		h++;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(h, ':');
		if (!colon || strchr(h, ':') != colon)
			return -EINVAL;
		hlen = (size_t)(colon - h);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || colon[1] < '0' || colon[1] > '9' || port > 65535)
		return -EINVAL;
	if (listen[0] != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		*sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		*sslen = sizeof(*sin6);
	}
	return 0;
}

/* Binding ourselves gives the operator the real errno, not MHD's NULL. */
static int metrics_bind(const char *listen_addr)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	int fd, one = 1, err;

	err = metrics_parse_listen(listen_addr, &ss, &sslen);
	if (err) {
		log_err("metrics: bad listen address '%s': expected ADDR:PORT or [V6ADDR]:PORT",
			listen_addr ? listen_addr : "");
		return err;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		log_err("metrics: cannot create socket for %s: %s", listen_addr,
			strerror(-err));
		return err;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sslen) ||
	    listen(fd, METRICS_MAX_CONNECTIONS)) {
		err = -errno;
		log_err("metrics: cannot listen on %s: %s", listen_addr,
			strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

int metrics_start(const struct metrics_config *cfg, struct metrics_server **out)
{
	struct metrics_server *srv;
	int fd, err;

	*out = NULL;
	if (!cfg || !cfg->daemon)
		return -EINVAL;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->fds = cfg->maps;
	srv->daemon = cfg->daemon;
	srv->threads = cfg->threads;
	srv->nthreads = cfg->nthreads;
	srv->status = cfg->status;
	srv->xdp = cfg->xdp;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->hotset_lock, NULL);

	fd = metrics_bind(cfg->listen);
	if (fd < 0) {
		err = fd;
		goto out_free;
	}
	/*
	 * epoll, not select(): with a thousand TCP clients the daemon's
	 * descriptors pass FD_SETSIZE, and select() would then refuse every
	 * scrape, exactly when the NOC needs to see what is going on.
	 */
	srv->mhd = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
		NULL, metrics_handler, srv,
		/* First, so every MHD message goes through our log. */
		MHD_OPTION_EXTERNAL_LOGGER, metrics_mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)METRICS_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)METRICS_CONNECTION_TIMEOUT, MHD_OPTION_END);
	if (!srv->mhd) {
		err = -EIO;
		log_err("metrics: cannot start the HTTP server on %s",
			cfg->listen);
		close(fd);
		goto out_free;
	}
	log_info(
		"metrics: serving http://%s/ (/metrics, /api/stats.json, /api/hotset)",
		cfg->listen);
	*out = srv;
	return 0;
out_free:
	pthread_mutex_destroy(&srv->lock);
	pthread_mutex_destroy(&srv->hotset_lock);
	free(srv);
	return err;
}

void metrics_stop(struct metrics_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->mhd);
	pthread_mutex_destroy(&srv->lock);
	pthread_mutex_destroy(&srv->hotset_lock);
	free(srv);
}
