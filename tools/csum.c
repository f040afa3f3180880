// SPDX-License-Identifier: GPL-2.0
/*
 * XXH64, streaming, as the kernel's lib/xxhash.c: the image checksum.
 * Little-endian hosts only (x86-64), like the image format.
 */
#include <string.h>
#include "csum.h"

#define P1	0x9E3779B185EBCA87ULL
#define P2	0xC2B2AE3D27D4EB4FULL
#define P3	0x165667B19E3779F9ULL
#define P4	0x85EBCA77C2B2AE63ULL
#define P5	0x27D4EB2F165667C5ULL

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t xxh_round(uint64_t acc, uint64_t input)
{
	acc += input * P2;
	acc = rotl64(acc, 31);
	return acc * P1;
}

static inline uint64_t xxh_merge(uint64_t acc, uint64_t val)
{
	acc ^= xxh_round(0, val);
	return acc * P1 + P4;
}

void ckpt_csum_init(struct ckpt_csum *s)
{
	memset(s, 0, sizeof(*s));
	s->v[0] = P1 + P2;
	s->v[1] = P2;
	s->v[2] = 0;
	s->v[3] = -P1;
}

static const unsigned char *stripes(uint64_t v[4], const unsigned char *p,
				    const unsigned char *limit)
{
	uint64_t v1 = v[0], v2 = v[1], v3 = v[2], v4 = v[3];

	for (; p <= limit; p += 32) {
		v1 = xxh_round(v1, get64(p));
		v2 = xxh_round(v2, get64(p + 8));
		v3 = xxh_round(v3, get64(p + 16));
		v4 = xxh_round(v4, get64(p + 24));
	}
	v[0] = v1;
	v[1] = v2;
	v[2] = v3;
	v[3] = v4;
	return p;
}

void ckpt_csum_update(struct ckpt_csum *s, const void *buf, size_t len)
{
	const unsigned char *p = buf, *end = p + len;

	if (!len)
		return;
	s->total_len += len;
	if (s->memsize + len < 32) {
		memcpy(s->mem + s->memsize, p, len);
		s->memsize += len;
		return;
	}
	if (s->memsize) {
		size_t fill = 32 - s->memsize;

		memcpy(s->mem + s->memsize, p, fill);
		stripes(s->v, s->mem, s->mem);
		p += fill;
		s->memsize = 0;
	}
	if (end - p >= 32)
		p = stripes(s->v, p, end - 32);
	if (p < end) {
		memcpy(s->mem, p, end - p);
		s->memsize = end - p;
	}
}

uint64_t ckpt_csum_digest(const struct ckpt_csum *s)
{
	const unsigned char *p = s->mem, *end = p + s->memsize;
	uint64_t h;

	if (s->total_len >= 32) {
		h = rotl64(s->v[0], 1) + rotl64(s->v[1], 7) +
		    rotl64(s->v[2], 12) + rotl64(s->v[3], 18);
		h = xxh_merge(h, s->v[0]);
		h = xxh_merge(h, s->v[1]);
		h = xxh_merge(h, s->v[2]);
		h = xxh_merge(h, s->v[3]);
	} else {
		h = s->v[2] + P5;
	}
	h += s->total_len;
	for (; p + 8 <= end; p += 8) {
		h ^= xxh_round(0, get64(p));
		h = rotl64(h, 27) * P1 + P4;
	}
	if (p + 4 <= end) {
		h ^= (uint64_t)get32(p) * P1;
		h = rotl64(h, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++) {
		h ^= *p * P5;
		h = rotl64(h, 11) * P1;
	}
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}

uint64_t ckpt_xxh64(const void *buf, size_t len)
{
	struct ckpt_csum s;

	ckpt_csum_init(&s);
	ckpt_csum_update(&s, buf, len);
	return ckpt_csum_digest(&s);
}

uint32_t ckpt_csum2(const void *a, size_t alen, const void *b, size_t blen)
{
	struct ckpt_csum s;

	ckpt_csum_init(&s);
	ckpt_csum_update(&s, a, alen);
	ckpt_csum_update(&s, b, blen);
	return (uint32_t)ckpt_csum_digest(&s);
}
