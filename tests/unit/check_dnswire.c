// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of userspace/lib/dnswire.c: big-endian access, the header,
 * compressed-name reading (every pointer placement we accept and every one
 * we refuse), name text conversion and the type and rcode mnemonics (the
 * type names against libldns's). The expected bytes are written out by
 * hand so that a bug cannot hide behind the same helper on both sides.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "lib/dnswire.h"
#include "suites.h"

START_TEST(test_be_roundtrip)
{
	uint8_t b[4];

	dnswire_put_u16(b, 0x1234);
	ck_assert_uint_eq(b[0], 0x12);
	ck_assert_uint_eq(b[1], 0x34);
	ck_assert_uint_eq(dnswire_get_u16(b), 0x1234);
	dnswire_put_u32(b, 0xdeadbeef);
	ck_assert_uint_eq(b[0], 0xde);
	ck_assert_uint_eq(b[3], 0xef);
	ck_assert_uint_eq(dnswire_get_u32(b), 0xdeadbeef);
	dnswire_put_u16(b, 0xffff);
	ck_assert_uint_eq(dnswire_get_u16(b), 0xffff);
}
END_TEST

START_TEST(test_header_roundtrip)
{
	static const uint8_t wire[12] = { 0xab, 0xcd, 0x81, 0x80, 0, 1,
					  0,	2,    0,    3,	  0, 4 };
	struct dnswire_header h;
	uint8_t out[12];

	ck_assert_int_eq(dnswire_parse_header(wire, sizeof(wire), &h), 0);
	ck_assert_uint_eq(h.id, 0xabcd);
	ck_assert_uint_eq(h.flags, 0x8180);
	ck_assert_uint_eq(h.qdcount, 1);
	ck_assert_uint_eq(h.ancount, 2);
	ck_assert_uint_eq(h.nscount, 3);
	ck_assert_uint_eq(h.arcount, 4);
	dnswire_write_header(out, &h);
	ck_assert_mem_eq(out, wire, sizeof(wire));
}
END_TEST

/* Text <-> wire pairs; "back" is the canonical presentation form. */
static const struct {
	const char *text;
	const char *wire;
	size_t wire_len;
	const char *back;
} name_text_cases[] = {
	{ "www.example.com.", "\3www\7example\3com", 17, "www.example.com." },
	{ "www.example.com", "\3www\7example\3com", 17, "www.example.com." },
	{ ".", "", 1, "." },
	{ "Mixed.CASE.", "\5Mixed\4CASE", 12, "Mixed.CASE." },
	{ "a\\.b.example.", "\3a.b\7example", 13, "a\\.b.example." },
	{ "\\065bc.", "\3Abc", 5, "Abc." },
	{ "sp\\032ace.", "\6sp ace", 8, "sp\\032ace." },
	{ "\\000.x.", "\1\0\1x", 5, "\\000.x." },
	{ "semi\\;colon.", "\12semi;colon", 12, "semi\\;colon." },
	{ "\\\\.", "\1\\", 3, "\\\\." },
	{ "caf\\195\\169.", "\5caf\303\251", 7, "caf\\195\\169." },
};

START_TEST(test_name_text_table)
{
	const typeof(name_text_cases[0]) *c = &name_text_cases[_i];
	uint8_t wire[DNS_NAME_MAX];
	char text[DNSWIRE_NAME_TEXT_MAX];
	int ret;

	ret = dnswire_name_from_text(c->text, wire, sizeof(wire));
	ck_assert_msg(ret == (int)c->wire_len, "%s: %d", c->text, ret);
	/* The literal's implicit NUL is the root label. */
	ck_assert_mem_eq(wire, c->wire, c->wire_len);
	ck_assert_int_eq(dnswire_name_len(wire, ret), ret);
	ret = dnswire_name_to_text(wire, c->wire_len, text, sizeof(text));
	ck_assert_int_eq(ret, (int)strlen(c->back));
	ck_assert_str_eq(text, c->back);
}
END_TEST

/*
 * Messages with a name to read at @off: the header is 12 filler bytes so
 * that pointer targets look like real message offsets.
 */
#define HDR "\0\0\0\0\0\0\0\0\0\0\0\0"
static const struct {
	const char *what;
	const char *msg;
	size_t msg_len;
	size_t off;
	const char *want; /* uncompressed name, its root NUL implicit */
	size_t want_len;
	size_t end; /* *off after the call */
} read_name_cases[] = {
	{ "plain", HDR "\7example\3com", 25, 12, "\7example\3com", 13, 25 },
	{ "pointer to start", HDR "\7example\3com\0\3www\300\14", 31, 25,
	  "\3www\7example\3com", 17, 31 },
	{ "pointer to suffix", HDR "\7example\3com\0\3www\300\24", 31, 25,
	  "\3www\3com", 9, 31 },
	/* 12: com, 17: example -> 12, 27: www -> 17 */
	{ "pointer chain", HDR "\3com\0\7example\300\14\3www\300\21", 33, 27,
	  "\3www\7example\3com", 17, 33 },
	/* 12: com, 17: pointer -> 12, 19: pointer -> 17 */
	{ "pointer to pointer", HDR "\3com\0\300\14\300\21", 21, 19, "\3com", 5,
	  21 },
	{ "bare pointer", HDR "\3com\0\300\14", 19, 17, "\3com", 5, 19 },
	{ "root", HDR "\0", 13, 12, "", 1, 13 },
	{ "name then more bytes", HDR "\3com\0\1\2", 19, 12, "\3com", 5, 17 },
};

START_TEST(test_read_name_table)
{
	const typeof(read_name_cases[0]) *c = &read_name_cases[_i];
	uint8_t out[DNS_NAME_MAX];
	size_t off = c->off, off2 = c->off;
	int ret;

	ret = dnswire_read_name((const uint8_t *)c->msg, c->msg_len, &off, out);
	ck_assert_msg(ret == (int)c->want_len, "%s: %d", c->what, ret);
	ck_assert_mem_eq(out, c->want, c->want_len);
	ck_assert_uint_eq(off, c->end);
	/* Validate-only mode agrees. */
	ret = dnswire_read_name((const uint8_t *)c->msg, c->msg_len, &off2,
				NULL);
	ck_assert_int_eq(ret, (int)c->want_len);
	ck_assert_uint_eq(off2, c->end);
}
END_TEST

START_TEST(test_name_lower_equal)
{
	uint8_t a[] = "\3WwW\7ExAmPlE\3COM";
	const uint8_t b[] = "\3www\7example\3com";
	const uint8_t c[] = "\3www\7example\3net";

	ck_assert(dnswire_name_equal(a, sizeof(a), b, sizeof(b)));
	ck_assert(!dnswire_name_equal(a, sizeof(a), c, sizeof(c)));
	ck_assert(!dnswire_name_equal(b, sizeof(b), b + 4, sizeof(b) - 4));
	dnswire_name_lower(a, sizeof(a));
	ck_assert_mem_eq(a, b, sizeof(b));
}
END_TEST

static const struct {
	uint16_t type;
	const char *name;
} type_cases[] = {
	{ 1, "A" },	  { 2, "NS" },
	{ 5, "CNAME" },	  { 6, "SOA" },
	{ 12, "PTR" },	  { 15, "MX" },
	{ 16, "TXT" },	  { 28, "AAAA" },
	{ 33, "SRV" },	  { 43, "DS" },
	{ 46, "RRSIG" },  { 47, "NSEC" },
	{ 48, "DNSKEY" }, { 50, "NSEC3" },
	{ 64, "SVCB" },	  { 65, "HTTPS" },
	{ 255, "ANY" },	  { 257, "CAA" },
	{ 13, "TYPE13" }, { 123, "TYPE123" },
	{ 0, "TYPE0" },	  { 65535, "TYPE65535" },
};

START_TEST(test_type_table)
{
	char buf[16];

	ck_assert_int_eq(dnswire_type_to_text(type_cases[_i].type, buf,
					      sizeof(buf)),
			 (int)strlen(type_cases[_i].name));
	ck_assert_str_eq(buf, type_cases[_i].name);
}
END_TEST

/*
 * xdpdnsctl names types with libldns, the metrics with dnswire's short
 * list: every mnemonic on the list must be libldns's, and read back by it.
 */
START_TEST(test_type_names_ldns)
{
	int named = 0;

	for (unsigned int t = 0; t <= 65535; t++) {
		char buf[16], *ref;

		ck_assert_int_gt(dnswire_type_to_text(t, buf, sizeof(buf)), 0);
		if (!strncmp(buf, "TYPE", 4))
			continue;
		ref = ldns_rr_type2str(t);
		ck_assert_ptr_nonnull(ref);
		ck_assert_msg(!strcmp(buf, ref), "%u: %s, libldns %s", t, buf,
			      ref);
		free(ref);
		ck_assert_uint_eq(ldns_get_rr_type_by_name(buf), t);
		named++;
	}
	ck_assert_int_gt(named, 20);
}
END_TEST

START_TEST(test_rcode_names)
{
	static const struct {
		unsigned int rcode;
		const char *name;
	} cases[] = {
		{ 0, "NOERROR" },    { 1, "FORMERR" },	    { 2, "SERVFAIL" },
		{ 3, "NXDOMAIN" },   { 4, "NOTIMP" },	    { 5, "REFUSED" },
		{ 9, "NOTAUTH" },    { 12, "RCODE12" },	    { 16, "BADVERS" },
		{ 23, "BADCOOKIE" }, { 4095, "RCODE4095" },
	};
	char buf[16];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ck_assert_int_eq(dnswire_rcode_to_text(cases[i].rcode, buf,
						       sizeof(buf)),
				 (int)strlen(cases[i].name));
		ck_assert_str_eq(buf, cases[i].name);
	}
}
END_TEST

static const struct {
	const char *what;
	const char *msg;
	size_t msg_len;
	size_t off;
	int err;
} bad_name_cases[] = {
	{ "pointer to itself", HDR "\3com\0\300\21", 19, 17, -EBADMSG },
	{ "pointer into own labels", HDR "\3www\300\14", 18, 12, -EBADMSG },
	/* 12: a -> 17 (forward), 17: b -> 12 */
	{ "mutual loop", HDR "\1a\300\21\0\1b\300\14", 21, 12, -EBADMSG },
	{ "forward pointer", HDR "\300\16\3com", 19, 12, -EBADMSG },
	{ "pointer out of range", HDR "\3com\0\300\377", 19, 17, -EBADMSG },
	{ "pointer into header", HDR "\3com\0\300\2", 19, 17, -EBADMSG },
	{ "truncated pointer", HDR "\3com\0\300", 18, 17, -EBADMSG },
	{ "label type 0x40", HDR "\101abc", 16, 12, -EBADMSG },
	{ "label type 0x80", HDR "\201abc", 16, 12, -EBADMSG },
	{ "truncated label", HDR "\7exam", 17, 12, -EBADMSG },
	{ "no root label", HDR "\3com", 16, 12, -EBADMSG },
	{ "empty", HDR, 12, 12, -EBADMSG },
};

START_TEST(test_read_name_bad)
{
	const typeof(bad_name_cases[0]) *c = &bad_name_cases[_i];
	uint8_t out[DNS_NAME_MAX];
	size_t off = c->off;
	int ret;

	ret = dnswire_read_name((const uint8_t *)c->msg, c->msg_len, &off, out);
	ck_assert_msg(ret == c->err, "%s: %d", c->what, ret);
	ck_assert_uint_eq(off, c->off); /* untouched on failure */
}
END_TEST

static const struct {
	const char *text;
	int err;
} bad_text_cases[] = {
	{ "", -EINVAL },       { "a..b.", -EINVAL },  { ".a", -EINVAL },
	{ "..", -EINVAL },     { "\\256.", -EINVAL }, { "\\1.", -EINVAL },
	{ "\\12x.", -EINVAL }, { "a\\", -EINVAL },
};

START_TEST(test_name_from_text_bad)
{
	uint8_t wire[DNS_NAME_MAX];

	ck_assert_int_eq(dnswire_name_from_text(bad_text_cases[_i].text, wire,
						sizeof(wire)),
			 bad_text_cases[_i].err);
}
END_TEST

START_TEST(test_wire_bad)
{
	const uint8_t ptr[] = { 0xc0, 0x0c };
	const uint8_t trunc[] = { 3, 'c', 'o' };
	struct dnswire_header h;
	char text[64];

	ck_assert_int_eq(dnswire_parse_header((const uint8_t *)HDR, 11, &h),
			 -EBADMSG);
	ck_assert_int_eq(dnswire_name_len(ptr, sizeof(ptr)), -EBADMSG);
	ck_assert_int_eq(dnswire_name_len(trunc, sizeof(trunc)), -EBADMSG);
	ck_assert_int_eq(dnswire_name_len(trunc, 0), -EBADMSG);
	ck_assert_int_eq(dnswire_name_to_text(ptr, sizeof(ptr), text,
					      sizeof(text)),
			 -EBADMSG);
}
END_TEST

/* A dotted name of labels[i] letters each. */
static void make_long_text(char *text, const unsigned int *labels, size_t n)
{
	char *p = text;

	for (size_t i = 0; i < n; i++) {
		memset(p, 'a' + i, labels[i]);
		p += labels[i];
		*p++ = '.';
	}
	*p = '\0';
}

START_TEST(test_name_max)
{
	static const unsigned int ok[] = { 63, 63, 63, 61 }; /* 255 bytes */
	static const unsigned int big[] = { 63, 63, 63, 62 }; /* 256 bytes */
	uint8_t wire[DNS_NAME_MAX + 16], msg[12 + 300], out[255];
	char text[300], back[DNSWIRE_NAME_TEXT_MAX];
	size_t off = 12;

	make_long_text(text, ok, ARRAY_SIZE(ok));
	ck_assert_int_eq(dnswire_name_from_text(text, wire, sizeof(wire)), 255);
	ck_assert_int_eq(dnswire_name_len(wire, 255), 255);
	ck_assert_int_eq(dnswire_name_to_text(wire, 255, back, sizeof(back)),
			 (int)strlen(text));
	ck_assert_str_eq(back, text);
	memset(msg, 0, sizeof(msg));
	memcpy(msg + 12, wire, 255);
	ck_assert_int_eq(dnswire_read_name(msg, 12 + 255, &off, out), 255);
	ck_assert_uint_eq(off, 12 + 255);
	ck_assert_mem_eq(out, wire, 255);

	make_long_text(text, big, ARRAY_SIZE(big));
	ck_assert_int_eq(dnswire_name_from_text(text, wire, sizeof(wire)),
			 -EMSGSIZE);
	/* the same name hand-built on the wire */
	msg[12 + 192] = 62;
	memset(msg + 12 + 193, 'd', 62);
	msg[12 + 255] = 0;
	ck_assert_int_eq(dnswire_name_len(msg + 12, 256), -EMSGSIZE);
	off = 12;
	ck_assert_int_eq(dnswire_read_name(msg, 12 + 256, &off, out),
			 -EMSGSIZE);
	/* and one that gets too long only through a pointer */
	memset(msg, 0, sizeof(msg));
	memcpy(msg + 12, "\3com", 5);
	msg[17] = 63;
	memset(msg + 18, 'x', 63);
	msg[81] = 63;
	memset(msg + 82, 'y', 63);
	msg[145] = 63;
	memset(msg + 146, 'z', 63);
	msg[209] = 58;
	memset(msg + 210, 'w', 58);
	msg[268] = 0xc0;
	msg[269] = 12; /* 3 * 64 + 59 + 5 = 256 bytes */
	off = 17;
	ck_assert_int_eq(dnswire_read_name(msg, 270, &off, out), -EMSGSIZE);
}
END_TEST

START_TEST(test_label_max)
{
	char text[80];
	uint8_t wire[DNS_NAME_MAX];

	memset(text, 'x', 63);
	strcpy(text + 63, ".com.");
	ck_assert_int_eq(dnswire_name_from_text(text, wire, sizeof(wire)),
			 1 + 63 + 4 + 1);
	ck_assert_uint_eq(wire[0], 63);
	memset(text, 'x', 64);
	strcpy(text + 64, ".com.");
	ck_assert_int_eq(dnswire_name_from_text(text, wire, sizeof(wire)),
			 -EINVAL);
	/* also as the last label, without a trailing dot */
	memset(text, 'x', 64);
	text[64] = '\0';
	ck_assert_int_eq(dnswire_name_from_text(text, wire, sizeof(wire)),
			 -EINVAL);
}
END_TEST

START_TEST(test_buffer_exact)
{
	const uint8_t name[] = "\3www\7example\3com";
	uint8_t wire[17];
	char text[17];
	char tbuf[5];

	/* "www.example.com." is 16 characters plus the NUL. */
	ck_assert_int_eq(dnswire_name_to_text(name, sizeof(name), text, 17),
			 16);
	ck_assert_int_eq(dnswire_name_to_text(name, sizeof(name), text, 16),
			 -ENOSPC);
	ck_assert_int_eq(dnswire_name_from_text("www.example.com", wire, 17),
			 17);
	ck_assert_int_eq(dnswire_name_from_text("www.example.com", wire, 16),
			 -ENOSPC);
	ck_assert_int_eq(dnswire_name_to_text((const uint8_t *)"", 1, text, 2),
			 1);
	ck_assert_int_eq(dnswire_name_to_text((const uint8_t *)"", 1, text, 1),
			 -ENOSPC);
	ck_assert_int_eq(dnswire_type_to_text(28, tbuf, 5), 4);
	ck_assert_int_eq(dnswire_type_to_text(28, tbuf, 4), -ENOSPC);
	ck_assert_int_eq(dnswire_type_to_text(1234, tbuf, 5), -ENOSPC);
	ck_assert_int_eq(dnswire_rcode_to_text(3, tbuf, 5), -ENOSPC);
}
END_TEST

/* Worst-case presentation form: every byte escaped as \DDD. */
START_TEST(test_text_worst_case)
{
	uint8_t wire[DNS_NAME_MAX], back[DNS_NAME_MAX];
	char text[DNSWIRE_NAME_TEXT_MAX];
	size_t pos = 0;
	int ret;

	for (int l = 0; l < 4; l++) {
		unsigned int n = l < 3 ? 63 : 61;

		wire[pos++] = n;
		memset(wire + pos, 0x01, n);
		pos += n;
	}
	wire[pos++] = 0;
	ck_assert_uint_eq(pos, 255);
	ret = dnswire_name_to_text(wire, pos, text, sizeof(text));
	ck_assert_int_eq(ret, 4 * 250 + 4); /* 250 bytes, 4 dots */
	ck_assert_int_eq(dnswire_name_from_text(text, back, sizeof(back)), 255);
	ck_assert_mem_eq(back, wire, 255);
}
END_TEST

/* The largest offset a pointer can name, 0x3fff. */
START_TEST(test_pointer_max_offset)
{
	static uint8_t msg[0x4000 + 2];
	uint8_t out[DNS_NAME_MAX];
	size_t off = 0x4000;

	msg[0x3fff] = 0; /* root */
	msg[0x4000] = 0xff;
	msg[0x4001] = 0xff;
	ck_assert_int_eq(dnswire_read_name(msg, sizeof(msg), &off, out), 1);
	ck_assert_uint_eq(off, 0x4002);
}
END_TEST

void dnswire_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_be_roundtrip),
		     CKTEST(test_header_roundtrip),
		     CKTEST_TABLE(test_name_text_table, name_text_cases),
		     CKTEST_TABLE(test_read_name_table, read_name_cases),
		     CKTEST(test_name_lower_equal),
		     CKTEST_TABLE(test_type_table, type_cases),
		     CKTEST(test_type_names_ldns), CKTEST(test_rcode_names));
	CKTEST_TCASE(s, "Negative", NULL,
		     CKTEST_TABLE(test_read_name_bad, bad_name_cases),
		     CKTEST_TABLE(test_name_from_text_bad, bad_text_cases),
		     CKTEST(test_wire_bad));
	CKTEST_TCASE(s, "Limits", NULL, CKTEST(test_name_max),
		     CKTEST(test_label_max), CKTEST(test_buffer_exact),
		     CKTEST(test_text_worst_case),
		     CKTEST(test_pointer_max_offset));
}
