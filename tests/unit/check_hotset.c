// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of userspace/lib/hotset.c: the order and the text of an
 * export (most hit first, ties in one fixed order, the cut to --top and
 * the bound on memory while walking), and the line parser import reads
 * it back with, case by case. Names are written out by hand as wire
 * bytes, so the parser cannot be checked against itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hotset.h"
#include "suites.h"

/* A cache key for presentation name @text. */
static struct xdpdns_cache_key key_of(const char *text, uint16_t type,
				      uint8_t flags)
{
	struct xdpdns_cache_key k;

	memset(&k, 0, sizeof(k));
	ck_assert_int_gt(dnswire_name_from_text(text, k.qname, sizeof(k.qname)),
			 0);
	k.qtype = type;
	k.qclass = DNS_CLASS_IN;
	k.flags = flags;
	return k;
}

/* The text export of @h, in a buffer the caller frees. */
static char *text_of(const struct hotset *h)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(hotset_write_text(h, f), 0);
	fclose(f);
	return buf;
}

START_TEST(test_export_order_and_text)
{
	struct hotset h;
	struct xdpdns_cache_key k;
	char *text;

	hotset_init(&h, 0, 1);
	/* Walk order is the map's: anything but the output order. */
	k = key_of("b.z000.test.", DNS_TYPE_A, 0);
	ck_assert_int_eq(hotset_add(&h, &k, 50), 0);
	k = key_of("WWW.z000.test.", DNS_TYPE_A, 0);
	ck_assert_int_eq(hotset_add(&h, &k, 1234), 0);
	k = key_of("a.z000.test.", DNS_TYPE_AAAA, 0);
	ck_assert_int_eq(hotset_add(&h, &k, 50), 0);
	k = key_of("a.z000.test.", DNS_TYPE_A, XDPDNS_KEY_DO);
	ck_assert_int_eq(hotset_add(&h, &k, 50), 0);
	k = key_of("a.z000.test.", DNS_TYPE_A, 0);
	ck_assert_int_eq(hotset_add(&h, &k, 50), 0);
	k = key_of("never.z000.test.", DNS_TYPE_A, 0);
	ck_assert_int_eq(hotset_add(&h, &k, 0), 0);
	k = key_of("x.z000.test.", 65280, XDPDNS_KEY_DO | XDPDNS_KEY_CD);
	ck_assert_int_eq(hotset_add(&h, &k, 7), 0);
	k = key_of("chaos.", DNS_TYPE_TXT, 0);
	k.qclass = 3;
	ck_assert_int_eq(hotset_add(&h, &k, 9999), 0);
	hotset_finish(&h);
	ck_assert_uint_eq(h.walked, 8);
	ck_assert_uint_eq(h.n, 6);
	text = text_of(&h);
	ck_assert_str_eq(
		text,
		"# xdpdns hot set: NAME TYPE HITS [FLAGS], most hit first, 6 entries\n"
		"www.z000.test. A 1234\n"
		"a.z000.test. A 50\n"
		"a.z000.test. A 50 do\n"
		"a.z000.test. AAAA 50\n"
		"b.z000.test. A 50\n"
		"x.z000.test. TYPE65280 7 do,cd\n");
	free(text);
	hotset_free(&h);
}
END_TEST

/* --top keeps the hottest, whatever order they come in, and memory never
 * holds more than 2 x top rows on the way. */
START_TEST(test_export_top_bounded)
{
	struct hotset h;
	char name[32];

	hotset_init(&h, 10, 1);
	for (unsigned int i = 0; i < 1000; i++) {
		/* hits 1..1000 in a scrambled order (7 is prime to 1000) */
		unsigned int hits = (i * 7) % 1000 + 1;
		struct xdpdns_cache_key k;

		snprintf(name, sizeof(name), "h%u.test.", hits);
		k = key_of(name, DNS_TYPE_A, 0);
		ck_assert_int_eq(hotset_add(&h, &k, hits), 0);
		ck_assert_uint_le(h.cap, 20);
	}
	hotset_finish(&h);
	ck_assert_uint_eq(h.n, 10);
	for (size_t i = 0; i < h.n; i++)
		ck_assert_uint_eq(h.rows[i].hits, 1000 - i);
	hotset_free(&h);
}
END_TEST

/* What export writes, import reads back as the same row. */
START_TEST(test_roundtrip)
{
	static const char *const names[] = { "www.z000.test.", "#hash.test.",
					     "a\\032b.test.", ".",
					     "sp\\.dot.test." };
	char line[HOTSET_LINE_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct xdpdns_cache_key k =
			key_of(names[i], DNS_TYPE_HTTPS, XDPDNS_KEY_CD);
		struct hotset_row back;
		struct hotset h;

		hotset_init(&h, 0, 0);
		ck_assert_int_eq(hotset_add(&h, &k, 42), 0);
		ck_assert_int_gt(
			hotset_format_row(&h.rows[0], line, sizeof(line)), 0);
		ck_assert_msg(line[0] != '#', "'%s' reads as a comment", line);
		ck_assert_int_eq(hotset_parse_line(line, &back), 1);
		ck_assert_uint_eq(back.qname_len, h.rows[0].qname_len);
		ck_assert_mem_eq(back.qname, h.rows[0].qname, back.qname_len);
		ck_assert_uint_eq(back.qtype, DNS_TYPE_HTTPS);
		ck_assert_uint_eq(back.flags, XDPDNS_KEY_CD);
		ck_assert_uint_eq(back.hits, 42);
		hotset_free(&h);
	}
}
END_TEST

static const struct {
	const char *line;
	int want;
	const char *wire; /* expected name, wire bytes */
	size_t wire_len;
	uint16_t type;
	uint64_t hits;
	uint8_t flags;
} parse_cases[] = {
	{ "www.z000.test. A 1234\n", 1, "\3www\4z000\4test", 15, 1, 1234, 0 },
	{ "WWW.Z000.test A 5", 1, "\3www\4z000\4test", 15, 1, 5, 0 },
	{ "  www.z000.test.\tAAAA\t7 \r\n", 1, "\3www\4z000\4test", 15, 28, 7,
	  0 },
	{ "a.test. aaaa", 1, "\1a\4test", 8, 28, 0, 0 },
	{ "a.test. MX 0 do", 1, "\1a\4test", 8, 15, 0, XDPDNS_KEY_DO },
	{ "a.test. TYPE65280 9 do,cd", 1, "\1a\4test", 8, 65280, 9,
	  XDPDNS_KEY_DO | XDPDNS_KEY_CD },
	{ "a.test. type1 3 cd", 1, "\1a\4test", 8, 1, 3, XDPDNS_KEY_CD },
	{ "\\035x.test. A 1", 1, "\2#x\4test", 9, 1, 1, 0 },
	{ ". NS 18446744073709551615", 1, "", 1, 2, UINT64_MAX, 0 },
	{ "", 0 },
	{ "\n", 0 },
	{ "   \r\n", 0 },
	{ "# xdpdns hot set: NAME TYPE HITS\n", 0 },
	{ "  # indented comment", 0 },
};

START_TEST(test_parse_table)
{
	struct hotset_row r;

	ck_assert_int_eq(hotset_parse_line(parse_cases[_i].line, &r),
			 parse_cases[_i].want);
	if (parse_cases[_i].want != 1)
		return;
	ck_assert_uint_eq(r.qname_len, parse_cases[_i].wire_len);
	ck_assert_mem_eq(r.qname, parse_cases[_i].wire, r.qname_len);
	ck_assert_uint_eq(r.qtype, parse_cases[_i].type);
	ck_assert_uint_eq(r.hits, parse_cases[_i].hits);
	ck_assert_uint_eq(r.flags, parse_cases[_i].flags);
}
END_TEST

static const char *const bad_lines[] = {
	"www.z000.test.", /* no type */
	"www.z000.test. NOTATYPE 1",
	"www.z000.test. TYPE0 1",
	"www.z000.test. TYPE65536 1",
	"www.z000.test. TYPE+1 1",
	"www.z000.test. A -1",
	"www.z000.test. A 1x",
	"www.z000.test. A 0x10",
	"www.z000.test. A 18446744073709551616", /* 2^64 */
	"www.z000.test. A 1 DO", /* flags are lower case, as written */
	"www.z000.test. A 1 ad",
	"www.z000.test. A 1 do extra",
	"a..test. A 1", /* empty label */
	"a.test. A 1 do,cd,do",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test. A",
};

START_TEST(test_parse_bad)
{
	struct hotset_row r;

	ck_assert_msg(hotset_parse_line(bad_lines[_i], &r) == -EINVAL,
		      "'%s' accepted", bad_lines[_i]);
}
END_TEST

/* A name of 255 bytes is the longest: it parses, one more label does not. */
START_TEST(test_parse_name_max)
{
	char line[HOTSET_LINE_MAX];
	struct hotset_row r;
	size_t n = 0;

	/* 4 labels of 62 + 1 of 1: 4 * 63 + 2 + 1 = 255 bytes on the wire */
	for (int l = 0; l < 4; l++) {
		memset(line + n, 'a', 62);
		n += 62;
		line[n++] = '.';
	}
	memcpy(line + n, "b. A 1", 7);
	ck_assert_int_eq(hotset_parse_line(line, &r), 1);
	ck_assert_uint_eq(r.qname_len, 255);
	memcpy(line + n, "bc. A 1", 8);
	ck_assert_int_eq(hotset_parse_line(line, &r), -EINVAL);
}
END_TEST

START_TEST(test_json)
{
	struct xdpdns_cache_key k = key_of("www.z000.test.", DNS_TYPE_A, 0);
	struct hotset h;
	json_t *doc, *e;

	hotset_init(&h, 0, 1);
	ck_assert_int_eq(hotset_add(&h, &k, 3), 0);
	hotset_finish(&h);
	doc = hotset_json(&h);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "version")),
			 HOTSET_JSON_VERSION);
	e = json_array_get(json_object_get(doc, "entries"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "name")),
			 "www.z000.test.");
	ck_assert_str_eq(json_string_value(json_object_get(e, "type")), "A");
	ck_assert_str_eq(json_string_value(json_object_get(e, "flags")), "");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "hits")), 3);
	json_decref(doc);
	hotset_free(&h);
}
END_TEST

static const struct {
	const char *text;
	int want;
} type_cases[] = {
	{ "A", 1 },	      { "aaaa", 28 },	      { "Https", 65 },
	{ "TYPE28", 28 },     { "type65535", 65535 }, { "TYPE0", -EINVAL },
	{ "TYPE", -EINVAL },  { "TYPE 1", -EINVAL },  { "", -EINVAL },
	{ "SSHFP", -EINVAL }, /* not on the short list: TYPE44 */
};

START_TEST(test_type_from_text)
{
	ck_assert_int_eq(dnswire_type_from_text(type_cases[_i].text),
			 type_cases[_i].want);
}
END_TEST

void hotset_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_export_order_and_text),
		     CKTEST(test_roundtrip),
		     CKTEST_TABLE(test_parse_table, parse_cases),
		     CKTEST(test_json),
		     CKTEST_TABLE(test_type_from_text, type_cases));
	CKTEST_TCASE(s, "Negative", NULL,
		     CKTEST_TABLE(test_parse_bad, bad_lines));
	CKTEST_TCASE(s, "Limits", NULL, CKTEST(test_export_top_bounded),
		     CKTEST(test_parse_name_max));
}
