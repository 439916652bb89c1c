/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The user-space DNS message layer: a client's query parsed once, a response
 * parsed once into a list of records, and one writer that every encoder
 * shares (the daemon's answers in answer.c, the cache entries in
 * cache_entry.c): one name compressor, one OPT writer, one rule for which
 * records a client without DO gets and where an RRset ends.
 *
 * In the style of unbound's msgparse/msgencode split: parsing validates
 * everything (names, RDATA against its layout, OPT placement, trailing
 * bytes), so an encoder never meets a malformed record.
 */
#ifndef XDPDNS_DNSMSG_H
#define XDPDNS_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dnswire.h"
#include "maps/xdpdns.h"

/* What the daemon does with a query before resolution. */
enum dnsmsg_verdict {
	DNSMSG_RESOLVE = 0, /* well formed: resolve it */
	DNSMSG_DROP, /* not worth a reply: too short, or a response */
	DNSMSG_FORMERR,
	DNSMSG_NOTIMP, /* opcode other than QUERY */
	DNSMSG_REFUSED, /* zone transfer, or RD clear (unbound's "allow") */
	DNSMSG_BADVERS, /* EDNS version above 0 */
};

/* A client's query, as parsed by dnsmsg_parse_query(). */
struct dnsmsg_query {
	const uint8_t *msg; /* the client's bytes, as received */
	size_t len;
	uint16_t id;
	uint16_t flags;
	size_t question_len; /* name, type, class at offset 12; 0: unparsed */
	uint8_t qname[DNS_NAME_MAX]; /* lower-cased */
	size_t qname_len;
	uint16_t qtype;
	uint16_t qclass;
	bool edns;
	bool edns_do;
	uint16_t udp_size; /* the client's, at least 512 */
	/*
	 * The XDP program's acceptance rules hold: RD set, TC clear, class
	 * IN, nothing but one OPT of version 0 after the question, and not a
	 * byte after that. cache_entry_render() answers only these.
	 */
	bool xdp_shape;
	/*
	 * The query's COOKIE option (RFC 7873), the first one: its data at
	 * msg + cookie_off, cookie_len bytes, while msg is the whole query;
	 * cookie_off 0: none. Also set for a COOKIE whose length no cookie
	 * can have: FORMERR with cookies on (cookies_check() says
	 * MALFORMED), ignored with cookies off, as XDP does.
	 */
	uint16_t cookie_off;
	uint16_t cookie_len;
	/*
	 * The COOKIE option data a response carries (client cookie, then
	 * our server cookie), reply_cookie_len bytes (0: none). The parser
	 * leaves it empty; the daemon sets it after checking the query's
	 * cookie (lib/cookie.h), and every response writer appends it.
	 */
	uint8_t reply_cookie_len;
	uint8_t reply_cookie[XDPDNS_COOKIE_LEN];
};

/**
 * dnsmsg_parse_query() - parse a client's query into @q.
 *
 * The acceptance rules are unbound's (worker_check_request(), access
 * "allow"): one question and nothing else but an OPT; RD clear, zone
 * transfers and meta types refused or FORMERR.
 *
 * Return: enum dnsmsg_verdict. @q is filled as far as parsing got:
 * q->question_len is 0 when the question could not be read.
 */
int dnsmsg_parse_query(const uint8_t *msg, size_t len, struct dnsmsg_query *q);

enum dnsmsg_section {
	DNSMSG_ANSWER,
	DNSMSG_AUTHORITY,
	DNSMSG_ADDITIONAL,
};

/* One record of a parsed response: owner decompressed, RDATA in place. */
struct dnsmsg_rr {
	uint8_t section; /* enum dnsmsg_section */
	uint8_t owner_len;
	uint16_t type;
	uint16_t cls;
	uint16_t rdlen;
	uint16_t covered; /* RRSIG: the type it covers */
	uint32_t ttl;
	size_t rdata_off; /* in the parsed packet */
	uint8_t owner[DNS_NAME_MAX]; /* case kept */
};

/* A parsed response. The OPT record is not in rr[]; its fields are here. */
struct dnsmsg {
	const uint8_t *pkt;
	size_t len;
	struct dnswire_header h;
	uint8_t qname[DNS_NAME_MAX]; /* case kept; qdcount is 0 or 1 */
	size_t qname_len;
	uint16_t qtype;
	uint16_t qclass;
	struct dnsmsg_rr *rr;
	size_t nrr;
	bool have_opt;
	uint32_t opt_ttl; /* extended rcode, version, DO */
};

/**
 * dnsmsg_parse() - parse a whole response once.
 * @pkt: wire format; must outlive @m (RDATA is not copied).
 *
 * Every name is read (compression pointers must go backwards), every RDATA
 * walked along dnswire_rdata_layout(), at most one question, at most one
 * OPT (additional section, root owner), no byte after the last record.
 *
 * Return: 0; -EBADMSG for anything malformed, -EMSGSIZE for a name longer
 * than 255 bytes, -ENOMEM. On error @m holds nothing to free.
 */
int dnsmsg_parse(const uint8_t *pkt, size_t len, struct dnsmsg *m);

void dnsmsg_free(struct dnsmsg *m);

/*
 * unbound's rrset_belongs_in_reply(): a client that did not set DO (@dnssec
 * false) gets DNSSEC records only when it asked for that type.
 */
bool dnsmsg_rr_belongs(const struct dnsmsg_rr *rr, uint16_t qtype, bool dnssec);

/* Whether @b continues the RRset @a started (section, owner, type, class;
 * an RRSIG belongs with the type it covers). */
bool dnsmsg_rr_same_set(const struct dnsmsg_rr *a, const struct dnsmsg_rr *b);

/*
 * Compression targets remembered per message. Labels take at least two
 * bytes and pointers reach 0x3fff, so 1024 cover every name of a response
 * of about 2 KiB; past that a name is only compressed less, never wrong.
 */
#define DNSMSG_TARGETS 1024

/* A message being written, with the names it may point back to. */
struct dnsmsg_writer {
	uint8_t *buf;
	size_t len; /* bytes written, header included */
	size_t cap;
	unsigned int ntargets;
	uint16_t target_off[DNSMSG_TARGETS];
	uint8_t target_len[DNSMSG_TARGETS]; /* name length from there */
};

/*
 * Starts a message in @buf (@cap bytes): the header (written by the caller
 * at the end) is reserved, the question @question (@question_len bytes:
 * name, type, class) copied after it and its name made the first target.
 * Return: 0 or -EMSGSIZE.
 */
int dnsmsg_writer_init(struct dnsmsg_writer *w, uint8_t *buf, size_t cap,
		       const uint8_t *question, size_t question_len);

/* Appends @n bytes. Return: 0 or -EMSGSIZE (nothing written). */
int dnsmsg_put(struct dnsmsg_writer *w, const void *p, size_t n);

/*
 * Appends the uncompressed @name (@len bytes). With @compress its longest
 * suffix already written becomes a pointer and its new labels become
 * targets; without, it goes out whole and is never pointed at (RFC 3597
 * section 4). Return: 0 or -EMSGSIZE.
 */
int dnsmsg_put_name(struct dnsmsg_writer *w, const uint8_t *name, size_t len,
		    bool compress);

/*
 * Appends record @rr of @m with TTL @ttl: owner and the RFC 3597
 * compressible RDATA names compressed, the rest copied. @ttl_at, when not
 * NULL, receives the offset of the TTL field. Return: 0 or -EMSGSIZE.
 */
int dnsmsg_put_rr(struct dnsmsg_writer *w, const struct dnsmsg *m,
		  const struct dnsmsg_rr *rr, uint32_t ttl, size_t *ttl_at);

/*
 * Writes our OPT record at @p: our UDP @size, the upper eight bits of
 * @rcode (extended rcode), version 0, the DO bit, and a COOKIE option with
 * @cookie_len bytes of @cookie when @cookie_len is not 0 (the query's
 * reply_cookie). Return: its length, dnsmsg_opt_len(@cookie_len).
 */
size_t dnsmsg_write_opt(uint8_t *p, uint16_t size, unsigned int rcode,
			bool dnssec_ok, const uint8_t *cookie,
			size_t cookie_len);

/* The length of an OPT record dnsmsg_write_opt() writes. */
static inline size_t dnsmsg_opt_len(size_t cookie_len)
{
	return DNS_OPT_LEN + (cookie_len ? 4 + cookie_len : 0);
}

#endif /* XDPDNS_DNSMSG_H */
