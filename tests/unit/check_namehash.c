// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The cache map key's name hash (maps/xdpdns.h, xdpdns_name_hash()): the
 * word-at-a-time SipHash-1-3 the XDP program runs is the reference SipHash
 * of the zero-padded name, itself checked against the SipHash paper's
 * published vector; a pair of names built to collide under the previous
 * multiply-xorshift hash for every seed no longer collides; and no bit flip
 * of a name gives a hash difference that is the same for two keys (what
 * made collisions aimable whatever the secret).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maps/xdpdns.h"
#include "suites.h"

#define KEYS 256

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define ROUND()                    \
	do {                       \
		v0 += v1;          \
		v1 = rotl(v1, 13); \
		v1 ^= v0;          \
		v0 = rotl(v0, 32); \
		v2 += v3;          \
		v3 = rotl(v3, 16); \
		v3 ^= v2;          \
		v0 += v3;          \
		v3 = rotl(v3, 21); \
		v3 ^= v0;          \
		v2 += v1;          \
		v1 = rotl(v1, 17); \
		v1 ^= v2;          \
		v2 = rotl(v2, 32); \
	} while (0)

/* SipHash-c-d of @len bytes as the paper defines it, byte by byte, with
 * the key and the message words read little-endian. */
static uint64_t sip_ref(int c, int d, const uint8_t key[16], const uint8_t *m,
			size_t len)
{
	uint64_t k0 = 0, k1 = 0, v0, v1, v2, v3, b;
	size_t i;

	for (i = 0; i < 8; i++) {
		k0 |= (uint64_t)key[i] << (8 * i);
		k1 |= (uint64_t)key[8 + i] << (8 * i);
	}
	v0 = k0 ^ 0x736f6d6570736575ULL;
	v1 = k1 ^ 0x646f72616e646f6dULL;
	v2 = k0 ^ 0x6c7967656e657261ULL;
	v3 = k1 ^ 0x7465646279746573ULL;
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t w = 0;

		for (int j = 0; j < 8; j++)
			w |= (uint64_t)m[i + j] << (8 * j);
		v3 ^= w;
		for (int r = 0; r < c; r++)
			ROUND();
		v0 ^= w;
	}
	b = (uint64_t)(len & 0xff) << 56;
	for (int j = 0; i + j < len; j++)
		b |= (uint64_t)m[i + j] << (8 * j);
	v3 ^= b;
	for (int r = 0; r < c; r++)
		ROUND();
	v0 ^= b;
	v2 ^= 0xff;
	for (int r = 0; r < d; r++)
		ROUND();
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The hash before SipHash, kept here to show what the attack was. */
static uint64_t old_hash(uint64_t seed, const uint8_t *buf, size_t words)
{
	uint64_t h = seed ^ 0xcbf29ce484222325ULL, w;

	for (size_t i = 0; i < words; i++) {
		memcpy(&w, buf + 8 * i, 8);
		h ^= w;
		h *= 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return h;
}

static uint64_t rnd64(void)
{
	return (uint64_t)random() << 62 ^ (uint64_t)random() << 31 ^
	       (uint64_t)random();
}

static void rnd_key(struct xdpdns_hash_key *k)
{
	k->k0 = rnd64();
	k->k1 = rnd64();
}

static void key_bytes(const struct xdpdns_hash_key *k, uint8_t out[16])
{
	for (int i = 0; i < 8; i++) {
		out[i] = (uint8_t)(k->k0 >> (8 * i));
		out[8 + i] = (uint8_t)(k->k1 >> (8 * i));
	}
}

/*
 * A name of 29 bytes and its twin: bit 63 flipped in words 0 and 2, bit 34
 * in words 1 and 2 (a byte with its top bit set is a valid label byte).
 * Under the old hash the flip of bit 63 before the multiply came out as
 * the fixed difference 0x8000000400000000, which the next words cancel.
 */
static const uint8_t twin_a[] = "\027collisionsaimedatthekey\003com";
static uint8_t twin_b[sizeof(twin_a)];

static void twin_make(uint8_t pa[XDPDNS_QNAME_BUF],
		      uint8_t pb[XDPDNS_QNAME_BUF])
{
	static const struct {
		int byte;
		uint8_t bit;
	} flip[] = { { 7, 0x80 }, { 12, 0x04 }, { 20, 0x04 }, { 23, 0x80 } };

	memcpy(twin_b, twin_a, sizeof(twin_a));
	for (size_t i = 0; i < sizeof(flip) / sizeof(flip[0]); i++)
		twin_b[flip[i].byte] ^= flip[i].bit;
	memset(pa, 0, XDPDNS_QNAME_BUF);
	memset(pb, 0, XDPDNS_QNAME_BUF);
	memcpy(pa, twin_a, sizeof(twin_a));
	memcpy(pb, twin_b, sizeof(twin_b));
}

/* ---- Positive ------------------------------------------------------------ */

/* The paper's Appendix A: SipHash-2-4, key 00..0f, message 00..0e. */
START_TEST(test_paper_vector)
{
	uint8_t key[16], msg[15];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	ck_assert_uint_eq(sip_ref(2, 4, key, msg, sizeof(msg)),
			  0xa129ca6149be45e5ULL);
}
END_TEST

/* xdpdns_sip24(), the cookie hash, is the reference SipHash-2-4 for every
 * length a cookie's input can have, and the paper's vector. */
START_TEST(test_sip24_reference)
{
	__u64 w[4] = { 0 };
	uint8_t kb[16], *m = (uint8_t *)w;
	struct xdpdns_hash_key k;
	unsigned int len = (unsigned int)_i;

	srandom(2000 + _i);
	rnd_key(&k);
	key_bytes(&k, kb);
	for (unsigned int i = 0; i < len; i++)
		m[i] = (uint8_t)random();
	ck_assert_uint_eq(xdpdns_sip24(&k, w, len), sip_ref(2, 4, kb, m, len));
	if (len == 15) {
		for (int i = 0; i < 16; i++)
			kb[i] = (uint8_t)i;
		memset(w, 0, sizeof(w));
		for (int i = 0; i < 15; i++)
			m[i] = (uint8_t)i;
		memcpy(&k.k0, kb, 8);
		memcpy(&k.k1, kb + 8, 8);
		ck_assert_uint_eq(xdpdns_sip24(&k, w, 15),
				  0xa129ca6149be45e5ULL);
	}
}
END_TEST

/* Every name length: the program's word loop is SipHash-1-3 of the padded
 * name (little-endian hosts, where the words are the reference's). */
START_TEST(test_matches_reference)
{
	uint8_t buf[XDPDNS_QNAME_BUF] = { 0 }, kb[16];
	struct xdpdns_hash_key k;
	unsigned int len = (unsigned int)_i, words = (len + 7) / 8;

	srandom(1000 + _i);
	rnd_key(&k);
	key_bytes(&k, kb);
	for (unsigned int i = 0; i < len; i++)
		buf[i] = (uint8_t)random();
	ck_assert_uint_eq(xdpdns_name_hash(&k, buf, len),
			  sip_ref(XDPDNS_SIP_C, XDPDNS_SIP_D, kb, buf,
				  8 * words));
}
END_TEST

/* The map key from a cache key hashes the name with the key given. */
START_TEST(test_mkey_uses_key)
{
	struct xdpdns_cache_key ck = { .qtype = 1, .qclass = 1 };
	struct xdpdns_hash_key k = { 1, 2 }, k2 = { 1, 3 };
	struct xdpdns_cache_mkey m1, m2;

	memcpy(ck.qname, "\3www\7example\3com", 17);
	ck_assert_int_eq(xdpdns_cache_mkey_from_key(&k, &ck, &m1), 0);
	ck_assert_int_eq(xdpdns_cache_mkey_from_key(&k2, &ck, &m2), 0);
	ck_assert_uint_eq(m1.qname_len, 17);
	ck_assert_uint_eq(m1.name_hash, xdpdns_name_hash(&k, ck.qname, 17));
	ck_assert_uint_ne(m1.name_hash, m2.name_hash);
}
END_TEST

/* ---- Negative ------------------------------------------------------------ */

/* The twins collide under the old hash for any seed, and never now. */
START_TEST(test_twins_no_longer_collide)
{
	uint8_t pa[XDPDNS_QNAME_BUF], pb[XDPDNS_QNAME_BUF];
	size_t words = (sizeof(twin_a) + 7) / 8;
	struct xdpdns_hash_key k;

	twin_make(pa, pb);
	ck_assert_uint_eq(sizeof(twin_a), 29);
	ck_assert(memcmp(pa, pb, sizeof(twin_a)));
	srandom(7);
	for (int i = 0; i < KEYS; i++) {
		uint64_t seed = rnd64();

		ck_assert_uint_eq(old_hash(seed, pa, words),
				  old_hash(seed, pb, words));
		rnd_key(&k);
		ck_assert_uint_ne(xdpdns_name_hash(&k, pa, sizeof(twin_a)),
				  xdpdns_name_hash(&k, pb, sizeof(twin_a)));
	}
}
END_TEST

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Bit @_i of a 40-byte name flipped: over KEYS random keys the hash
 * differences are all different (a repeat has odds of about 2^-48), where
 * the old hash gave one fixed difference per flipped bit.
 */
START_TEST(test_no_fixed_difference)
{
	uint8_t a[XDPDNS_QNAME_BUF] = { 0 }, b[XDPDNS_QNAME_BUF];
	static uint64_t diff[KEYS], olddiff[KEYS];
	struct xdpdns_hash_key k;
	const unsigned int len = 40;

	srandom(99);
	for (unsigned int i = 0; i < len; i++)
		a[i] = (uint8_t)random();
	memcpy(b, a, sizeof(b));
	b[_i / 8] ^= (uint8_t)(1 << (_i % 8));
	for (int i = 0; i < KEYS; i++) {
		uint64_t seed = rnd64();

		rnd_key(&k);
		diff[i] = xdpdns_name_hash(&k, a, len) ^
			  xdpdns_name_hash(&k, b, len);
		olddiff[i] = old_hash(seed, a, len / 8) ^
			     old_hash(seed, b, len / 8);
	}
	qsort(diff, KEYS, sizeof(diff[0]), cmp_u64);
	for (int i = 1; i < KEYS; i++)
		ck_assert_uint_ne(diff[i], diff[i - 1]);
	/* What the test would have caught: the last word's top bit. */
	if (_i == 8 * len - 1)
		for (int i = 1; i < KEYS; i++)
			ck_assert_uint_eq(olddiff[i], olddiff[0]);
}
END_TEST

void namehash_tcases(Suite *s)
{
	CKTEST_TCASE(s, "Positive", NULL, CKTEST(test_paper_vector),
		     CKTEST_RANGE(test_matches_reference, 1, DNS_NAME_MAX + 1),
		     CKTEST(test_mkey_uses_key),
		     CKTEST_RANGE(test_sip24_reference, 0, 33));
	CKTEST_TCASE(s, "Negative", NULL, CKTEST(test_twins_no_longer_collide),
		     CKTEST_RANGE(test_no_fixed_difference, 0, 40 * 8));
}
