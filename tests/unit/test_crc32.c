// SPDX-License-Identifier: GPL-2.0
/* CRC-32 against known vectors and a bit-at-a-time reference. */
#include <stdint.h>
#include <stdlib.h>
#include "../../tools/crc32.h"
#include "unit.h"

static uint32_t crc32_ref(const unsigned char *p, size_t len)
{
	uint32_t c = 0xffffffffU;
	int k;

	while (len--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320U : c >> 1;
	}
	return ~c;
}

UNIT_TEST(crc32_check_value)
{
	CHECK_EQ(ckpt_crc32(0, "123456789", 9), 0xcbf43926U);
}

UNIT_TEST(crc32_known_vectors)
{
	static const unsigned char zeros[32];

	CHECK_EQ(ckpt_crc32(0, "", 0), 0);
	CHECK_EQ(ckpt_crc32(0, "a", 1), 0xe8b7be43U);
	CHECK_EQ(ckpt_crc32(0, "abc", 3), 0x352441c2U);
	CHECK_EQ(ckpt_crc32(0, "The quick brown fox jumps over the lazy dog",
			    43), 0x414fa339U);
	CHECK_EQ(ckpt_crc32(0, zeros, 32), 0x190a55adU);
}

UNIT_TEST(crc32_chaining)
{
	const char *s = "The quick brown fox jumps over the lazy dog";
	uint32_t c;
	size_t i;

	for (i = 0; i <= 43; i++) {
		c = ckpt_crc32(ckpt_crc32(0, s, i), s + i, 43 - i);
		CHECK_EQ(c, 0x414fa339U);
	}
}

UNIT_TEST(crc32_matches_reference)
{
	unsigned char buf[1031];
	size_t len, off, i;

	srand(1);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = rand();
	for (off = 0; off < 8; off++)
		for (len = 0; len + off <= sizeof(buf); len += 37)
			CHECK_EQ(ckpt_crc32(0, buf + off, len),
				 crc32_ref(buf + off, len));
}
