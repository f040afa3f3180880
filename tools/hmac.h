/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), for the shared-key
 * challenge-response of the migration protocol (migrate.h).  Small and
 * self-contained: the tools link statically and need no crypto library.
 */
#ifndef CKPT_TOOLS_HMAC_H
#define CKPT_TOOLS_HMAC_H

#include <stddef.h>
#include <stdint.h>

#define CKPT_SHA256_LEN		32
#define CKPT_SHA256_BLOCK	64

struct ckpt_sha256 {
	uint32_t h[8];
	uint64_t len;			/* bytes hashed */
	unsigned char buf[CKPT_SHA256_BLOCK];
	size_t fill;
};

void ckpt_sha256_init(struct ckpt_sha256 *s);
void ckpt_sha256_update(struct ckpt_sha256 *s, const void *data, size_t len);
void ckpt_sha256_final(struct ckpt_sha256 *s, unsigned char out[CKPT_SHA256_LEN]);

struct ckpt_hmac {
	struct ckpt_sha256 inner;
	unsigned char okey[CKPT_SHA256_BLOCK];
};

void ckpt_hmac_init(struct ckpt_hmac *h, const void *key, size_t key_len);
void ckpt_hmac_update(struct ckpt_hmac *h, const void *data, size_t len);
void ckpt_hmac_final(struct ckpt_hmac *h, unsigned char out[CKPT_SHA256_LEN]);

/* Compare in constant time: 0 when equal. */
int ckpt_mac_differ(const unsigned char *a, const unsigned char *b,
		    size_t len);

#endif
