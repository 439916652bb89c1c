/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Small DNS wire-format helpers shared by the daemon, the cache-entry codec
 * and the tools: big-endian loads and stores, the header, names (compressed
 * on the wire, uncompressed in memory, and as presentation text) and the
 * names of common types and rcodes. No allocation, no global state.
 *
 * Conventions: an "uncompressed wire name" is a label sequence ending in the
 * root label, at most DNS_NAME_MAX bytes. Functions return a length or 0
 * on success and -errno on failure: -EBADMSG for malformed wire data,
 * -EMSGSIZE for a name longer than DNS allows, -EINVAL for bad text,
 * -ENOSPC when the caller's buffer is too small.
 */
#ifndef XDPDNS_DNSWIRE_H
#define XDPDNS_DNSWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/dns.h"

/* Longest presentation form: every byte as \DDD plus the dots. */
#define DNSWIRE_NAME_TEXT_MAX (4 * DNS_NAME_MAX + 2)
/* Type, class, TTL and RDLENGTH after an owner name. */

/* The fixed header, host order. */
struct dnswire_header {
	uint16_t id;
	uint16_t flags;
	uint16_t qdcount;
	uint16_t ancount;
	uint16_t nscount;
	uint16_t arcount;
};

static inline uint16_t dnswire_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dnswire_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void dnswire_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void dnswire_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/* Return: 0, or -EBADMSG when @len is shorter than a header. */
int dnswire_parse_header(const uint8_t *msg, size_t len,
			 struct dnswire_header *h);

/* Stores @h into the first DNS_HEADER_LEN bytes of @msg. */
void dnswire_write_header(uint8_t *msg, const struct dnswire_header *h);

/**
 * dnswire_read_name() - read a possibly compressed name.
 * @msg: the whole message; pointers are offsets into it.
 * @len: its length.
 * @off: in: where the name starts; out: the first byte after the name as it
 *       sits in the message (after the first pointer, if any).
 * @out: NULL to only validate and skip, else DNS_NAME_MAX bytes that
 *       receive the uncompressed name (case kept).
 *
 * A pointer must aim at a label inside the message after the header and
 * strictly before the label sequence that holds it, so every jump goes
 * backwards and loops cannot exist.
 *
 * Return: wire length of the uncompressed name (1..255), -EBADMSG when
 * truncated, a reserved label type or a bad pointer, -EMSGSIZE when longer
 * than 255 bytes.
 */
int dnswire_read_name(const uint8_t *msg, size_t len, size_t *off,
		      uint8_t *out);

/*
 * Length of the uncompressed wire name at @name, looking at no more than
 * @len bytes. Return: 1..255, -EBADMSG (truncated, pointer or reserved label
 * type) or -EMSGSIZE.
 */
int dnswire_name_len(const uint8_t *name, size_t len);

/*
 * Lower-cases A-Z in an uncompressed wire name of @len bytes. Length bytes
 * are at most 63, below 'A', so a plain byte walk never alters them.
 */
void dnswire_name_lower(uint8_t *name, size_t len);

/* Whether two uncompressed wire names are equal, ignoring ASCII case. */
bool dnswire_name_equal(const uint8_t *a, size_t a_len, const uint8_t *b,
			size_t b_len);

/**
 * dnswire_name_to_text() - presentation form of an uncompressed wire name.
 * @buf: receives "www.example.com." (root: "."), NUL-terminated; '.', '\'
 *       and the RFC 1035 special characters escaped as \X, bytes outside
 *       printable ASCII as \DDD.
 *
 * Return: string length, -EBADMSG or -ENOSPC (@cap too small).
 */
int dnswire_name_to_text(const uint8_t *name, size_t len, char *buf,
			 size_t cap);

/**
 * dnswire_name_from_text() - wire form of a presentation name.
 * @text: "www.example.com." or "www.example.com" (both absolute), "." for
 *        the root; \X and \DDD escapes understood.
 *
 * Return: wire length, -EINVAL (empty label, label > 63, bad escape),
 * -EMSGSIZE (name > 255 bytes) or -ENOSPC (@cap too small).
 */
int dnswire_name_from_text(const char *text, uint8_t *out, size_t cap);

/*
 * Type number to mnemonic, "TYPE123" for types without one. The daemon's
 * short list: these names are the qtype labels of the metrics (a bounded,
 * fixed set), so they stay here rather than with libldns, which xdpdnsctl
 * presents types with and which agrees on every one (check_dnswire).
 * Return: string length or -ENOSPC.
 */
int dnswire_type_to_text(uint16_t type, char *buf, size_t cap);

/*
 * The inverse of dnswire_type_to_text(): a mnemonic of the short list (any
 * case) or RFC 3597 "TYPE123" (1..65535, decimal digits only).
 * Return: the type, or -EINVAL.
 */
int dnswire_type_from_text(const char *text);

/*
 * Rcode (header or extended, 0..4095) to its name, "RCODE12" for values
 * without one. Return: string length or -ENOSPC.
 */
int dnswire_rcode_to_text(unsigned int rcode, char *buf, size_t cap);

/*
 * dnswire_rdata_layout() - how the RDATA of @type holds domain names, one
 * character per field: 'c' a name that may be compressed (RFC 3597 section
 * 4), 'n' a name that must be written in full, 's' a character-string,
 * '1'..'9' that many opaque bytes. NULL: opaque RDATA, copied as it is.
 */
const char *dnswire_rdata_layout(uint16_t type);

#endif /* XDPDNS_DNSWIRE_H */
