// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpdnsctl cache list|get|delete|flush: the XDP answer cache as the
 * operator needs it during an incident: what is in it, what exactly a name
 * will be answered with (records decoded, TTLs as XDP would send them now),
 * and removing a bad answer without restarting anything. A name covers every
 * DO/CD variant of its key. delete and flush are purges: the running daemon
 * removes the answers from every copy it holds (see userspace/purge.h).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <ldns/ldns.h>

#include "lib/cachemap.h"
#include "lib/dnswire.h"
#include "lib/purgechan.h"
#include "lib/util.h"
#include "lib/xdpmaps.h"
#include "xdpdnsctl.h"

enum { OPT_JSON = 0x100, OPT_XDP_ONLY };

/* A parsed NAME [TYPE] argument pair; type -1 means every type. */
struct ctl_query {
	struct xdpdns_cache_key key; /* qname, qclass set; qtype, flags not */
	int type;
	char text[DNSWIRE_NAME_TEXT_MAX];
};

static int ctl_parse_query(const char *cmd, int argc, char **argv,
			   struct ctl_query *q)
{
	int len;

	memset(q, 0, sizeof(*q));
	q->type = -1;
	if (argc < 1)
		return ctl_usage_err("cache %s: NAME is missing", cmd);
	if (argc > 2)
		return ctl_usage_err("cache %s: unexpected argument '%s'", cmd,
				     argv[2]);
	len = dnswire_name_from_text(argv[0], q->key.qname,
				     sizeof(q->key.qname));
	if (len < 0)
		return ctl_usage_err("cache %s: '%s' is not a domain name", cmd,
				     argv[0]);
	dnswire_name_lower(q->key.qname, (size_t)len);
	q->key.qclass = DNS_CLASS_IN;
	if (dnswire_name_to_text(q->key.qname, (size_t)len, q->text,
				 sizeof(q->text)) < 0)
		snprintf(q->text, sizeof(q->text), "%s", argv[0]);
	if (argc == 2) {
		q->type = ctl_parse_type(argv[1]);
		if (q->type < 0)
			return ctl_usage_err(
				"cache %s: '%s' is not a record type", cmd,
				argv[1]);
	}
	return 0;
}

/* One cache element, copied out of a walk. */
struct ctl_elem {
	struct xdpdns_cache_key key; /* with the name from the slot */
	struct xdpdns_cache_entry entry;
};

struct ctl_collect {
	struct ctl_elem *v;
	size_t n, cap;
	const struct ctl_query *match; /* NULL: every element */
};

static int ctl_collect_cb(void *arg, const struct xdpdns_cache_key *key,
			  const struct xdpdns_cache_entry *val)
{
	struct ctl_collect *c = arg;

	if (c->match &&
	    (memcmp(key->qname, c->match->key.qname, sizeof(key->qname)) ||
	     (c->match->type >= 0 && key->qtype != c->match->type)))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct ctl_elem *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].key = *key;
	memcpy(&c->v[c->n].entry, val, sizeof(c->v[c->n].entry));
	c->n++;
	return 0;
}

static int ctl_collect(struct cachemap *cm, const struct ctl_query *match,
		       struct ctl_collect *c)
{
	memset(c, 0, sizeof(*c));
	c->match = match;
	return cachemap_walk(cm, ctl_collect_cb, c);
}

/* ---- record decoding ----------------------------------------------------- */

/*
 * The record of @msg at *@off as one zone-file line in libldns's
 * presentation, its TTL lowered by @elapsed; RDATA that libldns does not
 * take for its type (a known type of the wrong length) in RFC 3597 form.
 * The framing is checked here: libldns stops after the fields a type has,
 * not at RDLENGTH. Return: the line (free() it) with *@off moved past the
 * record, or NULL when the record does not parse.
 */
static char *ctl_record_line(const uint8_t *msg, size_t len, size_t *off,
			     uint32_t elapsed)
{
	size_t fixed = *off, pos = *off, end;
	ldns_rr *rr = NULL;
	ldns_rdf *rdf;
	uint32_t ttl;
	uint16_t rdlen;
	char *line;

	if (dnswire_read_name(msg, len, &fixed, NULL) < 0 ||
	    fixed + DNS_RR_FIXED_LEN > len)
		return NULL;
	ttl = dnswire_get_u32(msg + fixed + 4);
	rdlen = dnswire_get_u16(msg + fixed + 8);
	end = fixed + DNS_RR_FIXED_LEN + rdlen;
	if (end > len)
		return NULL;
	if (ldns_wire2rr(&rr, msg, end, &pos, LDNS_SECTION_ANSWER) !=
		    LDNS_STATUS_OK ||
	    pos != end) {
		/* Owner, type and class as a question, then "\# LEN HEX". */
		ldns_rr_free(rr);
		rr = NULL;
		pos = *off;
		if (ldns_wire2rr(&rr, msg, end, &pos, LDNS_SECTION_QUESTION) !=
		    LDNS_STATUS_OK)
			return NULL;
		ldns_rr_set_question(rr, false);
		rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, rdlen,
					    msg + end - rdlen);
		if (!rdf || !ldns_rr_push_rdf(rr, rdf)) {
			ldns_rdf_deep_free(rdf);
			ldns_rr_free(rr);
			return NULL;
		}
	}
	ldns_rr_set_ttl(rr, ttl > elapsed ? ttl - elapsed : 0);
	line = ldns_rr2str_fmt(ldns_output_format_nocomments, rr);
	ldns_rr_free(rr);
	*off = end;
	/* libldns ends the line with '\n', some types with a space too. */
	if (line) {
		size_t n = strlen(line);

		while (n && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
	}
	return line;
}

/*
 * Decodes the records of @e as XDP would send them now: the entry's data
 * after a question of the key's name, TTLs decayed by the seconds elapsed.
 * Each record becomes one zone-file line appended to @lines, each section
 * starts with a ";; ANSWER" (AUTHORITY, ADDITIONAL) line.
 * Return: 0, or -EBADMSG when the entry does not parse.
 */
static int ctl_records(const struct xdpdns_cache_key *key,
		       const struct xdpdns_cache_entry *e, uint64_t now,
		       json_t *lines)
{
	uint8_t msg[DNS_HEADER_LEN + DNS_NAME_MAX + 4 + XDPDNS_DATA_MAX];
	int qlen = dnswire_name_len(key->qname, sizeof(key->qname));
	const unsigned int an = e->ancount, ns = an + e->nscount,
			   n = ns + e->arcount;
	uint32_t elapsed;
	size_t len, off;

	if (qlen < 0 || e->data_len > XDPDNS_DATA_MAX)
		return -EBADMSG;
	memset(msg, 0, DNS_HEADER_LEN);
	memcpy(msg + DNS_HEADER_LEN, key->qname, (size_t)qlen);
	off = DNS_HEADER_LEN + (size_t)qlen;
	dnswire_put_u16(msg + off, key->qtype);
	dnswire_put_u16(msg + off + 2, key->qclass);
	off += 4;
	memcpy(msg + off, e->data, e->data_len);
	len = off + e->data_len;
	elapsed = (uint32_t)xdpdns_secs_since(now, e->stored_ns);

	for (unsigned int i = 0; i < n; i++) {
		char *line;

		if (i == 0 || i == an || i == ns)
			json_array_append_new(
				lines, json_string(i < an ? ";; ANSWER" :
						   i < ns ? ";; AUTHORITY" :
							    ";; ADDITIONAL"));
		line = ctl_record_line(msg, len, &off, elapsed);
		if (!line)
			return -EBADMSG;
		json_array_append_new(lines, json_string(line));
		free(line);
	}
	return 0;
}

/* ---- commands ------------------------------------------------------------ */

static json_t *ctl_elem_json(const struct ctl_elem *el, uint64_t now,
			     bool records)
{
	const struct xdpdns_cache_entry *e = &el->entry;
	char name[DNSWIRE_NAME_TEXT_MAX], type[16], rcode[16];
	json_t *o = json_object();

	observe_key_name(&el->key, name, sizeof(name));
	ctl_type_text(el->key.qtype, type, sizeof(type));
	dnswire_rcode_to_text(e->flags & DNS_F_RCODE, rcode, sizeof(rcode));
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "flags",
			    json_string(observe_key_flags(el->key.flags)));
	json_object_set_new(o, "rcode", json_string(rcode));
	json_object_set_new(o, "aa", json_boolean(e->flags & DNS_F_AA));
	json_object_set_new(o, "validated",
			    json_boolean(e->entry_flags &
					 XDPDNS_ENTRY_VALIDATED));
	json_object_set_new(o, "ttl", json_integer(e->ttl));
	json_object_set_new(
		o, "expires_in",
		json_real((double)(int64_t)(e->expire_ns - now) / 1e9));
	json_object_set_new(o, "hits", json_integer((json_int_t)e->hits));
	json_object_set_new(o, "ancount", json_integer(e->ancount));
	json_object_set_new(o, "nscount", json_integer(e->nscount));
	json_object_set_new(o, "arcount", json_integer(e->arcount));
	json_object_set_new(o, "data_len", json_integer(e->data_len));
	if (records) {
		json_t *lines = json_array();

		if (ctl_records(&el->key, e, now, lines)) {
			json_decref(lines);
			json_object_set_new(o, "records", json_null());
		} else {
			json_object_set_new(o, "records", lines);
		}
	}
	return o;
}

static void ctl_elem_summary(const struct ctl_elem *el, uint64_t now, char *buf,
			     size_t cap)
{
	const struct xdpdns_cache_entry *e = &el->entry;
	char rcode[16], left[24];

	dnswire_rcode_to_text(e->flags & DNS_F_RCODE, rcode, sizeof(rcode));
	if (xdpdns_time_before(now, e->expire_ns))
		snprintf(left, sizeof(left), "%" PRIu64 "s",
			 (uint64_t)xdpdns_secs_since(e->expire_ns, now));
	else
		snprintf(left, sizeof(left), "stale");
	snprintf(buf, cap, "%-9s %8s %10" PRIu64 " %6u", rcode, left,
		 (uint64_t)e->hits, e->data_len);
}

static int ctl_elem_cmp(const void *a, const void *b)
{
	const struct ctl_elem *x = a, *y = b;
	int c = memcmp(x->key.qname, y->key.qname, sizeof(x->key.qname));

	if (c)
		return c;
	if (x->key.qtype != y->key.qtype)
		return x->key.qtype < y->key.qtype ? -1 : 1;
	return (int)x->key.flags - (int)y->key.flags;
}

static int ctl_cache_list(struct cachemap *cm, bool json)
{
	uint64_t now = util_mono_ns();
	struct ctl_collect c;
	char name[DNSWIRE_NAME_TEXT_MAX], type[16], sum[80];
	int err;

	err = ctl_collect(cm, NULL, &c);
	if (err) {
		ctl_err("cannot read the cache map: %s", strerror(-err));
		free(c.v);
		return CTL_EXIT_FAIL;
	}
	qsort(c.v, c.n, sizeof(c.v[0]), ctl_elem_cmp);
	if (json) {
		json_t *a = json_array();

		for (size_t i = 0; i < c.n; i++)
			json_array_append_new(a, ctl_elem_json(&c.v[i], now,
							       false));
		err = ctl_print_json(a);
		json_decref(a);
		free(c.v);
		return err;
	}
	printf("%-9s %8s %10s %6s %-8s %-6s %s\n", "RCODE", "TTL-LEFT", "HITS",
	       "BYTES", "TYPE", "FLAGS", "NAME");
	for (size_t i = 0; i < c.n; i++) {
		observe_key_name(&c.v[i].key, name, sizeof(name));
		ctl_type_text(c.v[i].key.qtype, type, sizeof(type));
		ctl_elem_summary(&c.v[i], now, sum, sizeof(sum));
		printf("%s %-8s %-6s %s\n", sum, type,
		       observe_key_flags(c.v[i].key.flags), name);
	}
	printf("(%zu entries)\n", c.n);
	free(c.v);
	return CTL_EXIT_OK;
}

/* Entries matching @q: direct lookups with a type, a walk without one. */
static int ctl_find(struct cachemap *cm, const struct ctl_query *q,
		    struct ctl_collect *c)
{
	int err;

	if (q->type < 0)
		return ctl_collect(cm, q, c);
	memset(c, 0, sizeof(*c));
	c->v = calloc(4, sizeof(*c->v));
	if (!c->v)
		return -ENOMEM;
	for (uint8_t flags = 0; flags < 4; flags++) {
		struct ctl_elem *el = &c->v[c->n];

		el->key = q->key;
		el->key.qtype = (uint16_t)q->type;
		el->key.flags = flags;
		err = cachemap_lookup(cm, &el->key, &el->entry);
		if (!err)
			c->n++;
		else if (err != -ENOENT)
			return err;
	}
	return 0;
}

static int ctl_cache_get(struct cachemap *cm, const struct ctl_query *q,
			 bool json)
{
	uint64_t now = util_mono_ns();
	struct ctl_collect c;
	int err, ret = CTL_EXIT_FAIL;
	json_t *a;

	err = ctl_find(cm, q, &c);
	if (err) {
		ctl_err("cannot read the cache map: %s", strerror(-err));
		goto out;
	}
	if (!c.n) {
		char type[16] = "";

		if (q->type >= 0)
			ctl_type_text((uint16_t)q->type, type, sizeof(type));
		ctl_err("no cache entry for %s%s%s", q->text,
			type[0] ? " " : "", type);
		goto out;
	}
	qsort(c.v, c.n, sizeof(c.v[0]), ctl_elem_cmp);
	a = json_array();
	for (size_t i = 0; i < c.n; i++)
		json_array_append_new(a, ctl_elem_json(&c.v[i], now, true));
	if (json) {
		ret = ctl_print_json(a);
		json_decref(a);
		goto out;
	}
	for (size_t i = 0; i < c.n; i++) {
		json_t *o = json_array_get(a, i), *recs, *line;
		size_t j;

		printf("%s;; %s %s %s%s%s rcode %s, ttl %" PRIu64
		       ", expires in %.0fs, %" PRIu64 " hits%s%s\n",
		       i ? "\n" : "",
		       json_string_value(json_object_get(o, "name")), "IN",
		       json_string_value(json_object_get(o, "type")),
		       c.v[i].key.flags ? " +" : "",
		       observe_key_flags(c.v[i].key.flags),
		       json_string_value(json_object_get(o, "rcode")),
		       (uint64_t)c.v[i].entry.ttl,
		       json_real_value(json_object_get(o, "expires_in")),
		       (uint64_t)c.v[i].entry.hits,
		       c.v[i].entry.flags & DNS_F_AA ? ", aa" : "",
		       c.v[i].entry.entry_flags & XDPDNS_ENTRY_VALIDATED ?
			       ", validated" :
			       "");
		recs = json_object_get(o, "records");
		if (!json_is_array(recs)) {
			printf(";; (records do not parse: damaged entry)\n");
			continue;
		}
		json_array_foreach(recs, j, line)
			printf("%s\n", json_string_value(line));
	}
	json_decref(a);
	ret = CTL_EXIT_OK;
out:
	free(c.v);
	return ret;
}

/* ---- purges ------------------------------------------------------------- */

/* How long delete and flush wait for the daemon to answer (it looks once a
 * second). */
#define CTL_PURGE_WAIT_MS 5000

/*
 * The pid of the daemon these pins record, or 0 when there is none: no
 * status map, never started, or the process is gone (a stopped daemon,
 * or one that crashed: its copies died with it). A process that exists
 * counts whatever its heartbeat says: a stuck daemon may resume with its
 * copies. @hb_age: seconds since its last heartbeat. The pid is the
 * daemon's in its own pid namespace: run xdpdnsctl in the same one.
 */
static __u32 ctl_daemon_pid(const struct ctl *ctl, uint64_t *hb_age)
{
	struct xdpdns_status st = { 0 };
	__u32 zero = 0;
	int fd, ret;

	fd = xdpmaps_open(ctl->pin_dir, XDPDNS_MAP_STATUS, NULL, 0);
	if (fd < 0)
		return 0;
	ret = bpf_map_lookup_elem(fd, &zero, &st);
	close(fd);
	if (ret || !st.heartbeat_ns || !st.daemon_pid)
		return 0;
	if (kill((pid_t)st.daemon_pid, 0) && errno != EPERM)
		return 0;
	*hb_age = xdpdns_secs_since(util_mono_ns(), st.heartbeat_ns);
	return st.daemon_pid;
}

/*
 * Hands @rq to the daemon and waits for its reply. Return: 0 with @reply
 * filled, -ETIMEDOUT, -EBUSY (another xdpdnsctl's request replaced ours),
 * -errno.
 */
static int ctl_purge_send(int fd, struct xdpdns_purge *rq,
			  struct xdpdns_purge *reply)
{
	struct xdpdns_purge cur;
	uint64_t deadline;
	int ret;

	ret = purgechan_read(fd, XDPDNS_PURGE_REQ, &cur);
	if (!ret)
		ret = purgechan_read(fd, XDPDNS_PURGE_REPLY, reply);
	if (ret)
		return ret;
	rq->seq = (cur.seq > reply->seq ? cur.seq : reply->seq) + 1;
	rq->sent_ns = util_mono_ns();
	ret = purgechan_write(fd, XDPDNS_PURGE_REQ, rq);
	if (ret)
		return ret;
	deadline = rq->sent_ns + CTL_PURGE_WAIT_MS * 1000000ULL;
	/*
	 * Two xdpdnsctl may pick the same seq: a reply is ours only when it
	 * names our request, and a request slot holding anything else means
	 * ours was overwritten before the daemon saw it.
	 */
	while (xdpdns_time_before(util_mono_ns(), deadline)) {
		usleep(50 * 1000);
		if (!purgechan_read(fd, XDPDNS_PURGE_REPLY, reply) &&
		    reply->seq == rq->seq && reply->op == rq->op &&
		    reply->qtype == rq->qtype &&
		    !memcmp(reply->qname, rq->qname, sizeof(rq->qname)))
			return 0;
		if (!purgechan_read(fd, XDPDNS_PURGE_REQ, &cur) &&
		    memcmp(&cur, rq, sizeof(cur)))
			return -EBUSY;
	}
	return -ETIMEDOUT;
}

/*
 * delete and flush: the daemon purges every copy (the map, its own copy,
 * libunbound's cache) when it runs; when it does not, the map is the only
 * copy left and is purged here. @what: "for NAME" or "" for a flush.
 */
static int ctl_purge(const struct ctl *ctl, struct cachemap *cm,
		     struct xdpdns_purge *rq, const char *what, bool xdp_only)
{
	const char *verb = rq->op == XDPDNS_PURGE_ALL ? "flushed" : "deleted";
	struct xdpdns_purge reply = { 0 };
	uint64_t hb_age = 0;
	uint32_t removed = 0;
	__u32 pid = xdp_only ? 0 : ctl_daemon_pid(ctl, &hb_age);
	int fd = -1, err = 0, ret = CTL_EXIT_OK;
	const char *why = NULL;
	char buf[96];

	if (pid) {
		fd = xdpmaps_open(ctl->pin_dir, XDPDNS_MAP_PURGE, NULL, 0);
		if (fd < 0) {
			why = "it has no purge channel (an older build?)";
		} else {
			err = ctl_purge_send(fd, rq, &reply);
			close(fd);
			if (err == -ETIMEDOUT) {
				ctl_daemon_pid(ctl, &hb_age); /* as it is now */
				snprintf(
					buf, sizeof(buf),
					"it did not answer within %d s (last heartbeat %" PRIu64
					" s ago)",
					CTL_PURGE_WAIT_MS / 1000, hb_age);
				why = buf;
			} else if (err == -EBUSY)
				why = "another xdpdnsctl purge replaced this request";
			else if (err)
				why = strerror(-err);
		}
		if (!why) {
			printf("%s %u entr%s%s%s\n", verb, reply.map_entries,
			       reply.map_entries == 1 ? "y" : "ies",
			       what[0] ? " " : "", what);
			printf("xdpdnsd (pid %u) also removed %u answer%s from its own copy; libunbound's cache %s\n",
			       reply.daemon_pid, reply.answers,
			       reply.answers == 1 ? "" : "s",
			       reply.flags & XDPDNS_PURGE_UB_FLUSHED ?
				       "dropped (every name is resolved afresh)" :
				       "NOT dropped");
			if (reply.result) {
				ctl_err("xdpdnsd could not purge everything: %s",
					strerror(-reply.result));
				return CTL_EXIT_FAIL;
			}
			return CTL_EXIT_OK;
		}
	}
	err = purgechan_cache(cm, util_mono_ns(), rq, &removed);
	if (err) {
		ctl_err("cannot %s %s: %s",
			rq->op == XDPDNS_PURGE_ALL ? "flush" : "delete",
			what[0] ? what + 4 : "the cache", strerror(-err));
		return CTL_EXIT_FAIL;
	}
	printf("%s %u entr%s%s%s\n", verb, removed, removed == 1 ? "y" : "ies",
	       what[0] ? " " : "", what);
	if (why) {
		ctl_err("xdpdnsd (pid %u) runs but %s: removed from the XDP map only; its own copy and libunbound's cache may still hold the answers and write them back",
			pid, why);
		ret = CTL_EXIT_FAIL;
	} else if (!xdp_only) {
		ctl_err("no xdpdnsd runs on %s: the XDP map held the only copy",
			ctl->pin_dir);
	}
	return ret;
}

static int ctl_cache_delete(const struct ctl *ctl, struct cachemap *cm,
			    const struct ctl_query *q, bool xdp_only)
{
	struct xdpdns_purge rq = { .op = XDPDNS_PURGE_NAME };
	char what[DNSWIRE_NAME_TEXT_MAX + 8];

	rq.qtype = q->type > 0 ? (__u32)q->type : 0;
	memcpy(rq.qname, q->key.qname, sizeof(rq.qname));
	snprintf(what, sizeof(what), "for %s", q->text);
	return ctl_purge(ctl, cm, &rq, what, xdp_only);
}

static int ctl_cache_flush(const struct ctl *ctl, struct cachemap *cm,
			   bool xdp_only)
{
	struct xdpdns_purge rq = { .op = XDPDNS_PURGE_ALL };

	return ctl_purge(ctl, cm, &rq, "", xdp_only);
}

int cmd_cache(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "xdp-only", no_argument, NULL, OPT_XDP_ONLY },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_query q = { .type = -1 };
	struct xdpmaps_fds fds;
	struct cachemap *cm;
	const char *sub;
	bool json = false, xdp_only = false;
	int c, ret, nargs;
	char **args;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_JSON)
			json = true;
		else if (c == OPT_XDP_ONLY)
			xdp_only = true;
		else
			return ctl_bad_option(argv, optind);
	}
	if (optind >= argc)
		return ctl_usage_err("cache: say list, get, delete or flush");
	sub = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	if (!strcmp(sub, "list") || !strcmp(sub, "flush")) {
		if (nargs)
			return ctl_usage_err(
				"cache %s: unexpected argument '%s'", sub,
				args[0]);
	} else if (!strcmp(sub, "get") || !strcmp(sub, "delete")) {
		ret = ctl_parse_query(sub, nargs, args, &q);
		if (ret)
			return ret;
	} else {
		return ctl_usage_err("cache: unknown subcommand '%s'", sub);
	}
	if (json && (!strcmp(sub, "delete") || !strcmp(sub, "flush")))
		return ctl_usage_err("cache %s: no --json output", sub);
	if (xdp_only && strcmp(sub, "delete") && strcmp(sub, "flush"))
		return ctl_usage_err(
			"cache %s: --xdp-only is for delete and flush", sub);

	cm = ctl_cache_open(ctl, &fds);
	if (!cm)
		return CTL_EXIT_FAIL;
	if (!strcmp(sub, "list"))
		ret = ctl_cache_list(cm, json);
	else if (!strcmp(sub, "get"))
		ret = ctl_cache_get(cm, &q, json);
	else if (!strcmp(sub, "delete"))
		ret = ctl_cache_delete(ctl, cm, &q, xdp_only);
	else
		ret = ctl_cache_flush(ctl, cm, xdp_only);
	cachemap_close(cm);
	ctl_close_all(&fds);
	return ret;
}
