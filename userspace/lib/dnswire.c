// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * DNS wire-format helpers: header, names in their three forms (compressed
 * in a message, uncompressed wire, presentation text) and the type and
 * rcode mnemonics. Everything here distrusts its input: every read is
 * bounds-checked and compression pointers may only go backwards.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/dnswire.h"

int dnswire_parse_header(const uint8_t *msg, size_t len,
			 struct dnswire_header *h)
{
	if (len < DNS_HEADER_LEN)
		return -EBADMSG;
	h->id = dnswire_get_u16(msg);
	h->flags = dnswire_get_u16(msg + 2);
	h->qdcount = dnswire_get_u16(msg + 4);
	h->ancount = dnswire_get_u16(msg + 6);
	h->nscount = dnswire_get_u16(msg + 8);
	h->arcount = dnswire_get_u16(msg + 10);
	return 0;
}

void dnswire_write_header(uint8_t *msg, const struct dnswire_header *h)
{
	dnswire_put_u16(msg, h->id);
	dnswire_put_u16(msg + 2, h->flags);
	dnswire_put_u16(msg + 4, h->qdcount);
	dnswire_put_u16(msg + 6, h->ancount);
	dnswire_put_u16(msg + 8, h->nscount);
	dnswire_put_u16(msg + 10, h->arcount);
}

int dnswire_read_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *out)
{
	size_t pos = *off, seg_start = *off, end = 0, name_len = 0;
	bool jumped = false;

	for (;;) {
		uint8_t c;

		if (pos >= len)
			return -EBADMSG;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return -EBADMSG;
			target = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			/*
			 * Strictly before the sequence being read: segment
			 * starts then only decrease, which rules out loops
			 * without a hop counter.
			 */
			if (target < DNS_HEADER_LEN || target >= seg_start)
				return -EBADMSG;
			if (!jumped)
				end = pos + 2;
			jumped = true;
			pos = seg_start = target;
			continue;
		}
		if (c & 0xc0)
			return -EBADMSG; /* 0x40 and 0x80 label types */
		if (pos + 1 + c > len)
			return -EBADMSG;
		if (name_len + 1 + c > DNS_NAME_MAX)
			return -EMSGSIZE;
		if (out)
			memcpy(out + name_len, msg + pos, 1 + c);
		name_len += 1 + c;
		pos += 1 + c;
		if (c == 0)
			break;
	}
	*off = jumped ? end : pos;
	return (int)name_len;
}

int dnswire_name_len(const uint8_t *name, size_t len)
{
	size_t pos = 0;

	for (;;) {
		uint8_t c;

		if (pos >= len)
			return -EBADMSG;
		c = name[pos];
		if (c & 0xc0)
			return -EBADMSG;
		if (pos + 1 + c > DNS_NAME_MAX)
			return -EMSGSIZE;
		pos += 1 + c;
		if (c == 0)
			return (int)pos;
	}
}

static inline uint8_t dnswire_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

void dnswire_name_lower(uint8_t *name, size_t len)
{
	for (size_t i = 0; i < len; i++)
		name[i] = dnswire_lower(name[i]);
}

bool dnswire_name_equal(const uint8_t *a, size_t a_len, const uint8_t *b,
			size_t b_len)
{
	if (a_len != b_len)
		return false;
	for (size_t i = 0; i < a_len; i++)
		if (dnswire_lower(a[i]) != dnswire_lower(b[i]))
			return false;
	return true;
}

/* Characters with a meaning in master files (RFC 1035 5.1), plus '.'. */
static bool dnswire_char_special(uint8_t c)
{
	return c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' ||
	       c == ')' || c == '@' || c == '$';
}

int dnswire_name_to_text(const uint8_t *name, size_t len, char *buf, size_t cap)
{
	size_t pos = 0, n = 0;
	int ret;

	ret = dnswire_name_len(name, len);
	if (ret < 0)
		return ret;
	if (name[0] == 0) {
		if (cap < 2)
			return -ENOSPC;
		memcpy(buf, ".", 2);
		return 1;
	}
	while (name[pos]) {
		uint8_t lab = name[pos++];

		for (uint8_t i = 0; i < lab; i++, pos++) {
			uint8_t c = name[pos];
			char tmp[5];
			int w;

			if (c <= 0x20 || c >= 0x7f)
				w = snprintf(tmp, sizeof(tmp), "\\%03u", c);
			else if (dnswire_char_special(c))
				w = snprintf(tmp, sizeof(tmp), "\\%c", c);
			else
				w = snprintf(tmp, sizeof(tmp), "%c", c);
			if (n + w >= cap)
				return -ENOSPC;
			memcpy(buf + n, tmp, w);
			n += w;
		}
		if (n + 1 >= cap)
			return -ENOSPC;
		buf[n++] = '.';
	}
	buf[n] = '\0';
	return (int)n;
}

int dnswire_name_from_text(const char *text, uint8_t *out, size_t cap)
{
	uint8_t wire[DNS_NAME_MAX + DNS_LABEL_MAX + 2];
	size_t n = 0, lab = 0; /* lab: where the current length byte goes */
	const char *p = text;

	if (!*text)
		return -EINVAL;
	if (strcmp(text, ".") == 0) {
		wire[0] = 0;
		n = 1;
		goto out;
	}
	n = 1;
	while (*p) {
		unsigned int c = (unsigned char)*p++;

		if (c == '.') {
			if (n == lab + 1)
				return -EINVAL; /* empty label */
			wire[lab] = n - lab - 1;
			lab = n++;
			if (n > DNS_NAME_MAX)
				return -EMSGSIZE;
			continue;
		}
		if (c == '\\') {
			if (p[0] >= '0' && p[0] <= '9') {
				if (!(p[1] >= '0' && p[1] <= '9') ||
				    !(p[2] >= '0' && p[2] <= '9'))
					return -EINVAL;
				c = (p[0] - '0') * 100 + (p[1] - '0') * 10 +
				    (p[2] - '0');
				if (c > 255)
					return -EINVAL;
				p += 3;
			} else if (*p) {
				c = (unsigned char)*p++;
			} else {
				return -EINVAL;
			}
		}
		if (n - lab - 1 >= DNS_LABEL_MAX)
			return -EINVAL;
		wire[n++] = c;
	}
	/* Close the last label; without a trailing dot it is not yet closed. */
	if (n > lab + 1) {
		wire[lab] = n - lab - 1;
		lab = n++;
	}
	if (n > DNS_NAME_MAX)
		return -EMSGSIZE;
	wire[lab] = 0;
out:
	if (n > cap)
		return -ENOSPC;
	memcpy(out, wire, n);
	return (int)n;
}

static const struct {
	uint16_t type;
	const char *name;
} dnswire_types[] = {
	{ DNS_TYPE_A, "A" },
	{ DNS_TYPE_NS, "NS" },
	{ DNS_TYPE_CNAME, "CNAME" },
	{ DNS_TYPE_SOA, "SOA" },
	{ DNS_TYPE_PTR, "PTR" },
	{ DNS_TYPE_MX, "MX" },
	{ DNS_TYPE_TXT, "TXT" },
	{ DNS_TYPE_AAAA, "AAAA" },
	{ DNS_TYPE_SRV, "SRV" },
	{ DNS_TYPE_NAPTR, "NAPTR" },
	{ DNS_TYPE_DNAME, "DNAME" },
	{ DNS_TYPE_OPT, "OPT" },
	{ DNS_TYPE_DS, "DS" },
	{ DNS_TYPE_RRSIG, "RRSIG" },
	{ DNS_TYPE_NSEC, "NSEC" },
	{ DNS_TYPE_DNSKEY, "DNSKEY" },
	{ DNS_TYPE_NSEC3, "NSEC3" },
	{ 51, "NSEC3PARAM" },
	{ 52, "TLSA" },
	{ DNS_TYPE_SVCB, "SVCB" },
	{ DNS_TYPE_HTTPS, "HTTPS" },
	{ DNS_TYPE_TSIG, "TSIG" },
	{ DNS_TYPE_IXFR, "IXFR" },
	{ DNS_TYPE_AXFR, "AXFR" },
	{ DNS_TYPE_ANY, "ANY" },
	{ DNS_TYPE_CAA, "CAA" },
};

#define DNSWIRE_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* snprintf() into @buf, -ENOSPC instead of a silently cut string. */
static int dnswire_format(char *buf, size_t cap, const char *prefix,
			  const char *name, unsigned int num)
{
	int n;

	if (name)
		n = snprintf(buf, cap, "%s", name);
	else
		n = snprintf(buf, cap, "%s%u", prefix, num);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

int dnswire_type_to_text(uint16_t type, char *buf, size_t cap)
{
	const char *name = NULL;

	for (size_t i = 0; i < DNSWIRE_ARRAY_SIZE(dnswire_types); i++)
		if (dnswire_types[i].type == type)
			name = dnswire_types[i].name;
	return dnswire_format(buf, cap, "TYPE", name, type);
}

int dnswire_type_from_text(const char *text)
{
	unsigned long v = 0;
	const char *p;

	for (size_t i = 0; i < DNSWIRE_ARRAY_SIZE(dnswire_types); i++)
		if (!strcasecmp(text, dnswire_types[i].name))
			return dnswire_types[i].type;
	if (strncasecmp(text, "TYPE", 4) || !text[4])
		return -EINVAL;
	/* strtoul() would take a sign, blanks and "0x": digits only. */
	for (p = text + 4; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return -EINVAL;
	}
	return v ? (int)v : -EINVAL;
}

int dnswire_rcode_to_text(unsigned int rcode, char *buf, size_t cap)
{
	/* IANA "DNS RCODEs"; 16 is BADVERS in OPT (BADSIG only in TSIG). */
	static const char *const names[] = {
		[0] = "NOERROR",   [1] = "FORMERR",    [2] = "SERVFAIL",
		[3] = "NXDOMAIN",  [4] = "NOTIMP",     [5] = "REFUSED",
		[6] = "YXDOMAIN",  [7] = "YXRRSET",    [8] = "NXRRSET",
		[9] = "NOTAUTH",   [10] = "NOTZONE",   [11] = "DSOTYPENI",
		[16] = "BADVERS",  [17] = "BADKEY",    [18] = "BADTIME",
		[19] = "BADMODE",  [20] = "BADNAME",   [21] = "BADALG",
		[22] = "BADTRUNC", [23] = "BADCOOKIE",
	};
	const char *name = NULL;

	if (rcode < DNSWIRE_ARRAY_SIZE(names))
		name = names[rcode];
	return dnswire_format(buf, cap, "RCODE", name, rcode);
}

/*
 * RDATA layouts of the types whose RDATA holds domain names, one character
 * per field: 'c' a name we decompress and compress again (RFC 3597 section
 * 4 lists these as the only compressible ones), 'n' a name we decompress
 * but write in full (receivers must not expect compression there), 's' a
 * character-string, '1'..'9' that many opaque bytes. Other types are opaque
 * RDATA copied byte for byte.
 */
const char *dnswire_rdata_layout(uint16_t type)
{
	switch (type) {
	case DNS_TYPE_NS:
	case DNS_TYPE_MD:
	case DNS_TYPE_MF:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_MB:
	case DNS_TYPE_MG:
	case DNS_TYPE_MR:
	case DNS_TYPE_PTR:
		return "c";
	case DNS_TYPE_MINFO:
		return "cc";
	case DNS_TYPE_SOA:
		return "cc44444"; /* serial refresh retry expire minimum */
	case DNS_TYPE_MX:
		return "2c";
	case DNS_TYPE_RP:
		return "nn";
	case DNS_TYPE_AFSDB:
	case DNS_TYPE_RT:
	case DNS_TYPE_KX:
		return "2n";
	case DNS_TYPE_PX:
		return "2nn";
	case DNS_TYPE_SRV:
		return "6n"; /* priority weight port target */
	case DNS_TYPE_NAPTR:
		return "22sssn"; /* order pref flags services regexp repl */
	case DNS_TYPE_DNAME:
		return "n";
	default:
		return NULL;
	}
}
