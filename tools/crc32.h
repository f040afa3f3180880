/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), identical to zlib's
 * crc32() and to the kernel's crc32_le(~0, p, len) ^ ~0.
 */
#ifndef CKPT_TOOLS_CRC32_H
#define CKPT_TOOLS_CRC32_H

#include <stddef.h>
#include <stdint.h>

/*
 * ckpt_crc32() - continue a CRC-32 over @len bytes at @buf
 * @crc: 0 to start, or the result of a previous call to chain buffers
 */
uint32_t ckpt_crc32(uint32_t crc, const void *buf, size_t len);

#endif
