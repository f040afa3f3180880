/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ChaCha20 and Poly1305 as combined in RFC 8439's AEAD, for the sealed
 * migration stream (seal.h).  Small and self-contained, like hmac.h: the
 * tools link statically and need no crypto library.  Tested against
 * RFC 8439's vectors and an independent implementation's output in
 * tests/unit/test_aead.c.
 */
#ifndef CKPT_TOOLS_AEAD_H
#define CKPT_TOOLS_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define CKPT_AEAD_KEY_LEN	32
#define CKPT_AEAD_NONCE_LEN	12
#define CKPT_AEAD_TAG_LEN	16

/* XOR @len bytes of the key stream from block @counter on into @buf. */
void ckpt_chacha20_xor(const unsigned char key[CKPT_AEAD_KEY_LEN],
		       const unsigned char nonce[CKPT_AEAD_NONCE_LEN],
		       uint32_t counter, unsigned char *buf, size_t len);

struct ckpt_poly1305 {
	uint64_t r[3], h[3], pad[2];
	unsigned char buf[16];
	size_t fill;
};

void ckpt_poly1305_init(struct ckpt_poly1305 *p, const unsigned char key[32]);
void ckpt_poly1305_update(struct ckpt_poly1305 *p, const void *data,
			  size_t len);
void ckpt_poly1305_final(struct ckpt_poly1305 *p,
			 unsigned char tag[CKPT_AEAD_TAG_LEN]);

/* Encrypt @buf in place and compute its tag over @aad and the result. */
void ckpt_aead_seal(const unsigned char key[CKPT_AEAD_KEY_LEN],
		    const unsigned char nonce[CKPT_AEAD_NONCE_LEN],
		    const void *aad, size_t aad_len,
		    unsigned char *buf, size_t len,
		    unsigned char tag[CKPT_AEAD_TAG_LEN]);

/*
 * Check @tag, then decrypt @buf in place: 0, or -EBADMSG with @buf
 * untouched.
 */
int ckpt_aead_open(const unsigned char key[CKPT_AEAD_KEY_LEN],
		   const unsigned char nonce[CKPT_AEAD_NONCE_LEN],
		   const void *aad, size_t aad_len,
		   unsigned char *buf, size_t len,
		   const unsigned char tag[CKPT_AEAD_TAG_LEN]);

#endif
