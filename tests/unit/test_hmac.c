// SPDX-License-Identifier: GPL-2.0
/* SHA-256 and HMAC-SHA-256 (tools/hmac.c) against published vectors. */
#include <string.h>
#include "../../tools/hmac.h"
#include "unit.h"

static void hex(const unsigned char *d, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

UNIT_TEST(sha256_vectors)
{
	unsigned char d[CKPT_SHA256_LEN];
	struct ckpt_sha256 s;
	char h[65];
	int i;

	ckpt_sha256_init(&s);
	ckpt_sha256_update(&s, "abc", 3);
	ckpt_sha256_final(&s, d);
	hex(d, sizeof(d), h);
	CHECK(!strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	ckpt_sha256_init(&s);
	ckpt_sha256_update(&s, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	ckpt_sha256_final(&s, d);
	hex(d, sizeof(d), h);
	CHECK(!strcmp(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
	/* a million 'a', fed in odd pieces */
	ckpt_sha256_init(&s);
	for (i = 0; i < 1000000 / 40; i++)
		ckpt_sha256_update(&s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 40);
	ckpt_sha256_final(&s, d);
	hex(d, sizeof(d), h);
	CHECK(!strcmp(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
}

UNIT_TEST(hmac_rfc4231)
{
	unsigned char key[131], d[CKPT_SHA256_LEN];
	struct ckpt_hmac m;
	char h[65];

	/* test case 1 */
	memset(key, 0x0b, 20);
	ckpt_hmac_init(&m, key, 20);
	ckpt_hmac_update(&m, "Hi There", 8);
	ckpt_hmac_final(&m, d);
	hex(d, sizeof(d), h);
	CHECK(!strcmp(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
	/* test case 2 */
	ckpt_hmac_init(&m, "Jefe", 4);
	ckpt_hmac_update(&m, "what do ya want ", 16);
	ckpt_hmac_update(&m, "for nothing?", 12);
	ckpt_hmac_final(&m, d);
	hex(d, sizeof(d), h);
	CHECK(!strcmp(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
	/* test case 6: a key longer than the block */
	memset(key, 0xaa, sizeof(key));
	ckpt_hmac_init(&m, key, sizeof(key));
	ckpt_hmac_update(&m, "Test Using Larger Than Block-Size Key - Hash Key First", 54);
	ckpt_hmac_final(&m, d);
	hex(d, sizeof(d), h);
	CHECK(!strcmp(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
	CHECK(ckpt_mac_differ(d, d, sizeof(d)) == 0);
	d[31] ^= 1;
	CHECK(ckpt_mac_differ(d, (const unsigned char *)h, sizeof(d)) != 0);
}
