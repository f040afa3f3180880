// SPDX-License-Identifier: GPL-2.0
/*
 * ChaCha20-Poly1305 (RFC 8439), aead.h.  Poly1305 keeps its accumulator
 * in three limbs of 44, 44 and 42 bits and multiplies with 128-bit
 * products, as poly1305-donna's 64-bit code does.
 */
#include <errno.h>
#include <string.h>
#include "aead.h"
#include "hmac.h"

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* ---- ChaCha20 (RFC 8439 2.3, 2.4) ------------------------------------ */

#define ROTL(x, n)	(((x) << (n)) | ((x) >> (32 - (n))))
#define QR(a, b, c, d) do {					\
	a += b; d ^= a; d = ROTL(d, 16);			\
	c += d; b ^= c; b = ROTL(b, 12);			\
	a += b; d ^= a; d = ROTL(d, 8);				\
	c += d; b ^= c; b = ROTL(b, 7);				\
} while (0)

/* The 20 rounds on the 16 words (or vectors of words) of x. */
#define ROUNDS(x) do {						\
	for (int r_ = 0; r_ < 10; r_++) {			\
		QR(x[0], x[4], x[8], x[12]);			\
		QR(x[1], x[5], x[9], x[13]);			\
		QR(x[2], x[6], x[10], x[14]);			\
		QR(x[3], x[7], x[11], x[15]);			\
		QR(x[0], x[5], x[10], x[15]);			\
		QR(x[1], x[6], x[11], x[12]);			\
		QR(x[2], x[7], x[8], x[13]);			\
		QR(x[3], x[4], x[9], x[14]);			\
	}							\
} while (0)

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the key stream is XORed a little-endian word at a time"
#endif

/*
 * One block of key stream, as the 16 words it serializes (LE) to; @x is
 * scratch, wiped by the caller.
 */
static void chacha20_block(const uint32_t in[16], uint32_t out[16],
			   uint32_t x[16])
{
	int i;

	memcpy(x, in, 16 * sizeof(*x));
	ROUNDS(x);
	for (i = 0; i < 16; i++)
		out[i] = x[i] + in[i];
}

/*
 * Four blocks at once (counters in[12] to in[12] + 3), XORed into 256
 * bytes of @buf: word i of the four blocks in one vector, so that the
 * compiler's SSE2 code does four quarter-rounds per instruction.
 */
typedef uint32_t v4u32 __attribute__((vector_size(16)));

struct chacha20_scratch {
	v4u32 x[16], s[16];
	uint32_t one[16], ks[16];
};

static void chacha20_xor4(const uint32_t in[16], unsigned char *buf,
			  struct chacha20_scratch *t)
{
	const v4u32 step = { 0, 1, 2, 3 };
	v4u32 *x = t->x, *s = t->s;
	uint32_t w;
	int i, j;

	for (i = 0; i < 16; i++) {
		v4u32 v = { in[i], in[i], in[i], in[i] };

		s[i] = v;
	}
	s[12] += step;
	memcpy(x, s, sizeof(t->x));
	ROUNDS(x);
	for (i = 0; i < 16; i++)
		x[i] += s[i];
	for (j = 0; j < 4; j++) {
		for (i = 0; i < 16; i++) {
			memcpy(&w, buf + 64 * j + 4 * i, 4);
			w ^= x[i][j];
			memcpy(buf + 64 * j + 4 * i, &w, 4);
		}
	}
}

void ckpt_chacha20_xor(const unsigned char key[CKPT_AEAD_KEY_LEN],
		       const unsigned char nonce[CKPT_AEAD_NONCE_LEN],
		       uint32_t counter, unsigned char *buf, size_t len)
{
	uint32_t st[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	struct chacha20_scratch t;
	uint32_t *ks = t.ks, w;
	size_t i;

	for (i = 0; i < 8; i++)
		st[4 + i] = le32(key + 4 * i);
	st[12] = counter;
	for (i = 0; i < 3; i++)
		st[13 + i] = le32(nonce + 4 * i);
	for (; len >= 256; buf += 256, len -= 256) {
		chacha20_xor4(st, buf, &t);
		st[12] += 4;
	}
	for (; len >= 64; buf += 64, len -= 64) {
		chacha20_block(st, ks, t.one);
		st[12]++;
		for (i = 0; i < 16; i++) {
			memcpy(&w, buf + 4 * i, 4);
			w ^= ks[i];
			memcpy(buf + 4 * i, &w, 4);
		}
	}
	if (len) {
		chacha20_block(st, ks, t.one);
		for (i = 0; i < len; i++)
			buf[i] ^= (unsigned char)(ks[i / 4] >> (8 * (i % 4)));
	}
	/* the key stream and the key: wiped, not optimized away */
	explicit_bzero(&t, sizeof(t));
	explicit_bzero(st, sizeof(st));
}

/* ---- Poly1305 (RFC 8439 2.5) ----------------------------------------- */

#define M44	0xfffffffffffULL
#define M42	0x3ffffffffffULL

void ckpt_poly1305_init(struct ckpt_poly1305 *p, const unsigned char key[32])
{
	uint64_t t0 = le64(key), t1 = le64(key + 8);

	/* r clamped as 2.5 says */
	p->r[0] = t0 & 0xffc0fffffffULL;
	p->r[1] = ((t0 >> 44) | (t1 << 20)) & 0xfffffc0ffffULL;
	p->r[2] = (t1 >> 24) & 0x00ffffffc0fULL;
	p->h[0] = p->h[1] = p->h[2] = 0;
	p->pad[0] = le64(key + 16);
	p->pad[1] = le64(key + 24);
	p->fill = 0;
}

/* Add 16-byte blocks to h and multiply by r, modulo 2^130 - 5. */
static void poly_blocks(struct ckpt_poly1305 *p, const unsigned char *m,
			size_t len, uint64_t hibit)
{
	const uint64_t r0 = p->r[0], r1 = p->r[1], r2 = p->r[2];
	const uint64_t s1 = r1 * (5 << 2), s2 = r2 * (5 << 2);
	uint64_t h0 = p->h[0], h1 = p->h[1], h2 = p->h[2], c, t0, t1;
	__uint128_t d0, d1, d2;

	while (len >= 16) {
		t0 = le64(m);
		t1 = le64(m + 8);
		h0 += t0 & M44;
		h1 += ((t0 >> 44) | (t1 << 20)) & M44;
		h2 += (((t1 >> 24)) & M42) | hibit;
		d0 = (__uint128_t)h0 * r0 + (__uint128_t)h1 * s2 +
		     (__uint128_t)h2 * s1;
		d1 = (__uint128_t)h0 * r1 + (__uint128_t)h1 * r0 +
		     (__uint128_t)h2 * s2;
		d2 = (__uint128_t)h0 * r2 + (__uint128_t)h1 * r1 +
		     (__uint128_t)h2 * r0;
		c = (uint64_t)(d0 >> 44);
		h0 = (uint64_t)d0 & M44;
		d1 += c;
		c = (uint64_t)(d1 >> 44);
		h1 = (uint64_t)d1 & M44;
		d2 += c;
		c = (uint64_t)(d2 >> 42);
		h2 = (uint64_t)d2 & M42;
		h0 += c * 5;
		c = h0 >> 44;
		h0 &= M44;
		h1 += c;
		m += 16;
		len -= 16;
	}
	p->h[0] = h0;
	p->h[1] = h1;
	p->h[2] = h2;
}

void ckpt_poly1305_update(struct ckpt_poly1305 *p, const void *data,
			  size_t len)
{
	const unsigned char *m = data;
	size_t n;

	if (!len)
		return;
	if (p->fill) {
		n = 16 - p->fill < len ? 16 - p->fill : len;
		memcpy(p->buf + p->fill, m, n);
		p->fill += n;
		m += n;
		len -= n;
		if (p->fill < 16)
			return;
		poly_blocks(p, p->buf, 16, 1ULL << 40);
		p->fill = 0;
	}
	n = len & ~(size_t)15;
	poly_blocks(p, m, n, 1ULL << 40);
	memcpy(p->buf, m + n, len - n);
	p->fill = len - n;
}

void ckpt_poly1305_final(struct ckpt_poly1305 *p,
			 unsigned char tag[CKPT_AEAD_TAG_LEN])
{
	uint64_t h0, h1, h2, g0, g1, g2, c, t0, t1;

	if (p->fill) {
		/* the last, short block: a 1 byte after it, then zeros */
		p->buf[p->fill] = 1;
		memset(p->buf + p->fill + 1, 0, 16 - p->fill - 1);
		poly_blocks(p, p->buf, 16, 0);
	}
	h0 = p->h[0];
	h1 = p->h[1];
	h2 = p->h[2];
	/* carry fully: twice around the limbs */
	for (int i = 0; i < 2; i++) {
		c = h1 >> 44;
		h1 &= M44;
		h2 += c;
		c = h2 >> 42;
		h2 &= M42;
		h0 += c * 5;
		c = h0 >> 44;
		h0 &= M44;
		h1 += c;
	}
	/* g = h + 5 - 2^130: h itself if that is negative, in constant time */
	g0 = h0 + 5;
	c = g0 >> 44;
	g0 &= M44;
	g1 = h1 + c;
	c = g1 >> 44;
	g1 &= M44;
	g2 = h2 + c - (1ULL << 42);
	c = (g2 >> 63) - 1;		/* all ones when g2 did not wrap */
	g0 &= c;
	g1 &= c;
	g2 &= c;
	c = ~c;
	h0 = (h0 & c) | g0;
	h1 = (h1 & c) | g1;
	h2 = (h2 & c) | g2;
	/* h + s, modulo 2^128 */
	t0 = p->pad[0];
	t1 = p->pad[1];
	h0 += t0 & M44;
	c = h0 >> 44;
	h0 &= M44;
	h1 += (((t0 >> 44) | (t1 << 20)) & M44) + c;
	c = h1 >> 44;
	h1 &= M44;
	h2 += ((t1 >> 24) & M42) + c;
	h2 &= M42;
	put_le64(tag, h0 | (h1 << 44));
	put_le64(tag + 8, (h1 >> 20) | (h2 << 24));
	explicit_bzero(p, sizeof(*p));
}

/* ---- the AEAD construction (RFC 8439 2.8) ---------------------------- */

static void aead_tag(const unsigned char key[CKPT_AEAD_KEY_LEN],
		     const unsigned char nonce[CKPT_AEAD_NONCE_LEN],
		     const void *aad, size_t aad_len,
		     const unsigned char *ct, size_t len,
		     unsigned char tag[CKPT_AEAD_TAG_LEN])
{
	static const unsigned char zeros[16];
	unsigned char otk[64] = { 0 }, lens[16];
	struct ckpt_poly1305 p;

	/* the one-time key: the first half of block 0's key stream */
	ckpt_chacha20_xor(key, nonce, 0, otk, sizeof(otk));
	ckpt_poly1305_init(&p, otk);
	ckpt_poly1305_update(&p, aad, aad_len);
	ckpt_poly1305_update(&p, zeros, (16 - aad_len % 16) % 16);
	ckpt_poly1305_update(&p, ct, len);
	ckpt_poly1305_update(&p, zeros, (16 - len % 16) % 16);
	put_le64(lens, aad_len);
	put_le64(lens + 8, len);
	ckpt_poly1305_update(&p, lens, sizeof(lens));
	ckpt_poly1305_final(&p, tag);
	explicit_bzero(otk, sizeof(otk));
}

void ckpt_aead_seal(const unsigned char key[CKPT_AEAD_KEY_LEN],
		    const unsigned char nonce[CKPT_AEAD_NONCE_LEN],
		    const void *aad, size_t aad_len,
		    unsigned char *buf, size_t len,
		    unsigned char tag[CKPT_AEAD_TAG_LEN])
{
	ckpt_chacha20_xor(key, nonce, 1, buf, len);
	aead_tag(key, nonce, aad, aad_len, buf, len, tag);
}

int ckpt_aead_open(const unsigned char key[CKPT_AEAD_KEY_LEN],
		   const unsigned char nonce[CKPT_AEAD_NONCE_LEN],
		   const void *aad, size_t aad_len,
		   unsigned char *buf, size_t len,
		   const unsigned char tag[CKPT_AEAD_TAG_LEN])
{
	unsigned char want[CKPT_AEAD_TAG_LEN];
	int differ;

	aead_tag(key, nonce, aad, aad_len, buf, len, want);
	differ = ckpt_mac_differ(want, tag, sizeof(want));
	explicit_bzero(want, sizeof(want));
	if (differ)
		return -EBADMSG;
	ckpt_chacha20_xor(key, nonce, 1, buf, len);
	return 0;
}
