/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Image checksums: XXH64 (seed 0) as the kernel's xxh64() computes it
 * (lib/xxhash.c); a record's csum is the low 32 bits of the XXH64 of its
 * header (csum = 0) followed by its payload.
 */
#ifndef CKPT_TOOLS_CSUM_H
#define CKPT_TOOLS_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* A running XXH64: init, update any number of times, then final. */
struct ckpt_csum {
	uint64_t total_len;
	uint64_t v[4];
	unsigned char mem[32];
	uint32_t memsize;
};

void ckpt_csum_init(struct ckpt_csum *s);
void ckpt_csum_update(struct ckpt_csum *s, const void *buf, size_t len);
uint64_t ckpt_csum_digest(const struct ckpt_csum *s);

/* XXH64 of one buffer, seed 0. */
uint64_t ckpt_xxh64(const void *buf, size_t len);

/* The image csum of @a then @b (either length may be 0). */
uint32_t ckpt_csum2(const void *a, size_t alen, const void *b, size_t blen);

#endif
