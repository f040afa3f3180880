// SPDX-License-Identifier: GPL-2.0
/*
 * CRC-32, slice-by-8.  The tables are built on first use; the tools are
 * single-threaded.  Not async-signal-safe on the first call.
 */
#include <string.h>
#include "crc32.h"

#define CRC32_POLY	0xedb88320U

static uint32_t crc32_table[8][256];
static int crc32_ready;

static void crc32_init(void)
{
	uint32_t c;
	int i, j;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ (CRC32_POLY & -(c & 1));
		crc32_table[0][i] = c;
	}
	for (i = 0; i < 256; i++) {
		c = crc32_table[0][i];
		for (j = 1; j < 8; j++) {
			c = crc32_table[0][c & 0xff] ^ (c >> 8);
			crc32_table[j][i] = c;
		}
	}
	crc32_ready = 1;
}

static uint32_t crc32_bytes(uint32_t c, const unsigned char *p, size_t len)
{
	while (len--)
		c = crc32_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
	return c;
}

static uint32_t crc32_word(uint32_t c, const unsigned char *p)
{
	uint32_t lo, hi;

	memcpy(&lo, p, 4);
	memcpy(&hi, p + 4, 4);
	lo ^= c;
	return crc32_table[7][lo & 0xff] ^
	       crc32_table[6][(lo >> 8) & 0xff] ^
	       crc32_table[5][(lo >> 16) & 0xff] ^
	       crc32_table[4][lo >> 24] ^
	       crc32_table[3][hi & 0xff] ^
	       crc32_table[2][(hi >> 8) & 0xff] ^
	       crc32_table[1][(hi >> 16) & 0xff] ^
	       crc32_table[0][hi >> 24];
}

uint32_t ckpt_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t c = ~crc;

	if (!crc32_ready)
		crc32_init();
	for (; len >= 8; p += 8, len -= 8)
		c = crc32_word(c, p);
	return ~crc32_bytes(c, p, len);
}
