// SPDX-License-Identifier: GPL-2.0
/*
 * The image checksum (XXH64, seed 0): known vectors, streaming in any
 * split, and a plain one-shot reference written from the specification.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../tools/csum.h"
#include "unit.h"

#define R1	0x9E3779B185EBCA87ULL
#define R2	0xC2B2AE3D27D4EB4FULL
#define R3	0x165667B19E3779F9ULL
#define R4	0x85EBCA77C2B2AE63ULL
#define R5	0x27D4EB2F165667C5ULL

static uint64_t rl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Little-endian loads, byte by byte, so no shared helper is trusted. */
static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static uint64_t rnd(uint64_t acc, uint64_t in)
{
	return rl(acc + in * R2, 31) * R1;
}

static uint64_t xxh64_ref(const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;
	uint64_t h, v[4] = { R1 + R2, R2, 0, -R1 };
	int i;

	if (len >= 32) {
		for (; p + 32 <= end; p += 32)
			for (i = 0; i < 4; i++)
				v[i] = rnd(v[i], le(p + 8 * i, 8));
		h = rl(v[0], 1) + rl(v[1], 7) + rl(v[2], 12) + rl(v[3], 18);
		for (i = 0; i < 4; i++)
			h = (h ^ rnd(0, v[i])) * R1 + R4;
	} else {
		h = R5;
	}
	h += len;
	for (; p + 8 <= end; p += 8)
		h = rl(h ^ rnd(0, le(p, 8)), 27) * R1 + R4;
	if (p + 4 <= end) {
		h = rl(h ^ le(p, 4) * R1, 23) * R2 + R3;
		p += 4;
	}
	for (; p < end; p++)
		h = rl(h ^ *p * R5, 11) * R1;
	h = (h ^ (h >> 33)) * R2;
	h = (h ^ (h >> 29)) * R3;
	return h ^ (h >> 32);
}

UNIT_TEST(csum_known_vectors)
{
	CHECK_EQ(ckpt_xxh64("", 0), 0xef46db3751d8e999ULL);
	CHECK_EQ(ckpt_xxh64("abc", 3), 0x44bc2cf5ad770999ULL);
	CHECK_EQ(ckpt_xxh64("The quick brown fox jumps over the lazy dog", 43),
		 0x0b242d361fda71bcULL);
	/* The image csum is the low 32 bits. */
	CHECK_EQ(ckpt_csum2("ab", 2, "c", 1), 0xad770999U);
	CHECK_EQ(ckpt_csum2(NULL, 0, NULL, 0), 0x51d8e999U);
}

UNIT_TEST(csum_matches_reference)
{
	static unsigned char buf[9000];
	size_t len, off, i;

	srand(1);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = rand();
	for (off = 0; off < 8; off++)
		for (len = 0; len + off <= sizeof(buf);
		     len += len < 80 ? 1 : 131)
			CHECK_EQ(ckpt_xxh64(buf + off, len),
				 xxh64_ref(buf + off, len));
}

UNIT_TEST(csum_streaming_any_split)
{
	static unsigned char buf[4096 + 32];
	struct ckpt_csum s;
	size_t len, a, b, i;

	srand(2);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = rand();
	for (len = 0; len <= sizeof(buf); len += len < 100 ? 1 : 509) {
		uint64_t want = xxh64_ref(buf, len);

		for (a = 0; a <= len; a += 1 + a / 3) {
			b = a + (len - a) / 2;
			ckpt_csum_init(&s);
			ckpt_csum_update(&s, buf, a);
			ckpt_csum_update(&s, buf + a, b - a);
			ckpt_csum_update(&s, buf + b, len - b);
			CHECK_EQ(ckpt_csum_digest(&s), want);
			CHECK_EQ(ckpt_csum2(buf, a, buf + a, len - a),
				 (uint32_t)want);
		}
	}
}

UNIT_TEST(csum_detects_flips)
{
	static unsigned char buf[4096];
	uint32_t c0;
	size_t i;

	memset(buf, 0x5a, sizeof(buf));
	c0 = ckpt_csum2(buf, 16, buf + 16, sizeof(buf) - 16);
	for (i = 0; i < sizeof(buf) * 8; i += 61) {
		buf[i / 8] ^= 1 << (i % 8);
		CHECK(ckpt_csum2(buf, 16, buf + 16, sizeof(buf) - 16) != c0);
		buf[i / 8] ^= 1 << (i % 8);
	}
}
