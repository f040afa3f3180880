// SPDX-License-Identifier: GPL-2.0
/*
 * ChaCha20-Poly1305 (tools/aead.c) against RFC 8439's vectors, the
 * sealed migration stream (tools/seal.c): frames that must fail, and the
 * relay process between a socket pair and a connection; and sealed image
 * files (ckpt seal, ckpt unseal).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "../../tools/aead.h"
#include "../../tools/seal.h"
#include "unit.h"

static const char sunscreen[] =
	"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";

static void unhex(const char *s, unsigned char *out)
{
	for (size_t i = 0; s[2 * i]; i++) {
		unsigned int v = 0;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			v = 0;	/* a typo in a vector: it cannot match */
		out[i] = (unsigned char)v;
	}
}

UNIT_TEST(chacha20_rfc8439_2_4_2)
{
	static const unsigned char want[114] = {
		0x6e, 0x2e, 0x35, 0x9a, 0x25, 0x68, 0xf9, 0x80,
		0x41, 0xba, 0x07, 0x28, 0xdd, 0x0d, 0x69, 0x81,
		0xe9, 0x7e, 0x7a, 0xec, 0x1d, 0x43, 0x60, 0xc2,
		0x0a, 0x27, 0xaf, 0xcc, 0xfd, 0x9f, 0xae, 0x0b,
		0xf9, 0x1b, 0x65, 0xc5, 0x52, 0x47, 0x33, 0xab,
		0x8f, 0x59, 0x3d, 0xab, 0xcd, 0x62, 0xb3, 0x57,
		0x16, 0x39, 0xd6, 0x24, 0xe6, 0x51, 0x52, 0xab,
		0x8f, 0x53, 0x0c, 0x35, 0x9f, 0x08, 0x61, 0xd8,
		0x07, 0xca, 0x0d, 0xbf, 0x50, 0x0d, 0x6a, 0x61,
		0x56, 0xa3, 0x8e, 0x08, 0x8a, 0x22, 0xb6, 0x5e,
		0x52, 0xbc, 0x51, 0x4d, 0x16, 0xcc, 0xf8, 0x06,
		0x81, 0x8c, 0xe9, 0x1a, 0xb7, 0x79, 0x37, 0x36,
		0x5a, 0xf9, 0x0b, 0xbf, 0x74, 0xa3, 0x5b, 0xe6,
		0xb4, 0x0b, 0x8e, 0xed, 0xf2, 0x78, 0x5e, 0x42,
		0x87, 0x4d,
	};
	unsigned char key[32], nonce[12], buf[114];

	for (int i = 0; i < 32; i++)
		key[i] = (unsigned char)i;
	unhex("000000000000004a00000000", nonce);
	memcpy(buf, sunscreen, sizeof(buf));
	ckpt_chacha20_xor(key, nonce, 1, buf, sizeof(buf));
	CHECK(!memcmp(buf, want, sizeof(buf)));
}

/* Four blocks at a time (256 bytes and more) give the same key stream. */
UNIT_TEST(chacha20_wide_path)
{
	static unsigned char one[1000], wide[1000];
	unsigned char key[32], nonce[12] = { 9, 8, 7 };

	for (int i = 0; i < 32; i++)
		key[i] = (unsigned char)(i * 13);
	for (size_t i = 0; i < sizeof(one); i++)
		one[i] = wide[i] = (unsigned char)i;
	ckpt_chacha20_xor(key, nonce, 7, wide, sizeof(wide));
	/* a block at a time, from the RFC-checked one-block code */
	for (size_t off = 0; off < sizeof(one); off += 64)
		ckpt_chacha20_xor(key, nonce, 7 + (uint32_t)(off / 64),
				  one + off, sizeof(one) - off < 64 ?
				  sizeof(one) - off : 64);
	CHECK(!memcmp(one, wide, sizeof(one)));
	CHECK(memcmp(one + 256, one + 512, 64));	/* not a repeat */
}

UNIT_TEST(poly1305_rfc8439_2_5_2)
{
	unsigned char key[32], tag[16], want[16];
	const char *msg = "Cryptographic Forum Research Group";
	struct ckpt_poly1305 p;

	unhex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b",
	      key);
	unhex("a8061dc1305136c6c22b8baf0c0127a9", want);
	/* in uneven pieces: the buffering of partial blocks */
	ckpt_poly1305_init(&p, key);
	ckpt_poly1305_update(&p, msg, 5);
	ckpt_poly1305_update(&p, msg + 5, 16);
	ckpt_poly1305_update(&p, msg + 21, strlen(msg) - 21);
	ckpt_poly1305_final(&p, tag);
	CHECK(!memcmp(tag, want, 16));
}

/* RFC 8439 A.3 #5 and #6: the final reduction's edge cases */
UNIT_TEST(poly1305_reduction_edges)
{
	unsigned char key[32] = { 2 }, msg[16], tag[16], want[16] = { 3 };
	struct ckpt_poly1305 p;

	memset(msg, 0xff, sizeof(msg));
	ckpt_poly1305_init(&p, key);
	ckpt_poly1305_update(&p, msg, 16);
	ckpt_poly1305_final(&p, tag);
	CHECK(!memcmp(tag, want, 16));
	memset(key, 0, sizeof(key));
	key[0] = 2;
	memset(key + 16, 0xff, 16);
	memset(msg, 0, sizeof(msg));
	msg[0] = 2;
	ckpt_poly1305_init(&p, key);
	ckpt_poly1305_update(&p, msg, 16);
	ckpt_poly1305_final(&p, tag);
	CHECK(!memcmp(tag, want, 16));
}

UNIT_TEST(aead_rfc8439_2_8_2)
{
	static const unsigned char want[114] = {
		0xd3, 0x1a, 0x8d, 0x34, 0x64, 0x8e, 0x60, 0xdb,
		0x7b, 0x86, 0xaf, 0xbc, 0x53, 0xef, 0x7e, 0xc2,
		0xa4, 0xad, 0xed, 0x51, 0x29, 0x6e, 0x08, 0xfe,
		0xa9, 0xe2, 0xb5, 0xa7, 0x36, 0xee, 0x62, 0xd6,
		0x3d, 0xbe, 0xa4, 0x5e, 0x8c, 0xa9, 0x67, 0x12,
		0x82, 0xfa, 0xfb, 0x69, 0xda, 0x92, 0x72, 0x8b,
		0x1a, 0x71, 0xde, 0x0a, 0x9e, 0x06, 0x0b, 0x29,
		0x05, 0xd6, 0xa5, 0xb6, 0x7e, 0xcd, 0x3b, 0x36,
		0x92, 0xdd, 0xbd, 0x7f, 0x2d, 0x77, 0x8b, 0x8c,
		0x98, 0x03, 0xae, 0xe3, 0x28, 0x09, 0x1b, 0x58,
		0xfa, 0xb3, 0x24, 0xe4, 0xfa, 0xd6, 0x75, 0x94,
		0x55, 0x85, 0x80, 0x8b, 0x48, 0x31, 0xd7, 0xbc,
		0x3f, 0xf4, 0xde, 0xf0, 0x8e, 0x4b, 0x7a, 0x9d,
		0xe5, 0x76, 0xd2, 0x65, 0x86, 0xce, 0xc6, 0x4b,
		0x61, 0x16,
	};
	unsigned char key[32], nonce[12], aad[12], buf[114];
	unsigned char tag[16], want_tag[16];

	for (int i = 0; i < 32; i++)
		key[i] = (unsigned char)(0x80 + i);
	unhex("070000004041424344454647", nonce);
	unhex("50515253c0c1c2c3c4c5c6c7", aad);
	unhex("1ae10b594f09e26a7e902ecbd0600691", want_tag);
	memcpy(buf, sunscreen, sizeof(buf));
	ckpt_aead_seal(key, nonce, aad, sizeof(aad), buf, sizeof(buf), tag);
	CHECK(!memcmp(buf, want, sizeof(buf)));
	CHECK(!memcmp(tag, want_tag, sizeof(tag)));
	CHECK_EQ(ckpt_aead_open(key, nonce, aad, sizeof(aad), buf, sizeof(buf),
				tag), 0);
	CHECK(!memcmp(buf, sunscreen, sizeof(buf)));
	/* any bit of the data, the associated data or the tag: refused */
	ckpt_aead_seal(key, nonce, aad, sizeof(aad), buf, sizeof(buf), tag);
	for (size_t bit = 0; bit < 8 * (sizeof(buf) + sizeof(aad) + 16);
	     bit += 7) {
		unsigned char *p = bit / 8 < sizeof(buf) ? buf + bit / 8 :
				   bit / 8 < sizeof(buf) + sizeof(aad) ?
				   aad + bit / 8 - sizeof(buf) :
				   tag + bit / 8 - sizeof(buf) - sizeof(aad);

		*p ^= (unsigned char)(1 << (bit % 8));
		CHECK_EQ(ckpt_aead_open(key, nonce, aad, sizeof(aad), buf,
					sizeof(buf), tag), -EBADMSG);
		*p ^= (unsigned char)(1 << (bit % 8));
	}
	CHECK(!memcmp(buf, want, sizeof(buf)));	/* untouched when refused */
}

static void keys(struct ckpt_seal_key *a, struct ckpt_seal_key *b,
		 uint32_t dir)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < CKPT_AEAD_KEY_LEN; i++)
		a->key[i] = (unsigned char)(i * 7 + dir);
	a->dir = dir;
	*b = *a;
}

static unsigned char frames[4][CKPT_SEAL_FRAME_MAX];

UNIT_TEST(seal_frames)
{
	struct ckpt_seal_key tx, rx, other, tmp;
	size_t n0, n1;

	keys(&tx, &rx, CKPT_SEAL_S2R);
	keys(&other, &tmp, CKPT_SEAL_R2S);
	n0 = ckpt_seal_frame(&tx, "hello", 5, frames[0]);
	CHECK_EQ(n0, CKPT_SEAL_HDR + 5 + CKPT_AEAD_TAG_LEN);
	CHECK(memcmp(frames[0] + CKPT_SEAL_HDR, "hello", 5));	/* encrypted */
	n1 = ckpt_seal_frame(&tx, "hello", 5, frames[1]);
	/* the same data in the next frame: another ciphertext */
	CHECK(memcmp(frames[0] + CKPT_SEAL_HDR, frames[1] + CKPT_SEAL_HDR, 5));
	ckpt_seal_frame(&tx, NULL, 0, frames[2]);	/* the end */
	CHECK_EQ(ckpt_seal_frame_len(frames[0]), 5);
	CHECK_EQ(ckpt_seal_frame_len(frames[2]), 0);
	/* out of order, or from the other direction's key: refused */
	memcpy(frames[3], frames[1], n1);
	CHECK_EQ(ckpt_seal_open(&rx, frames[3], 5), -EBADMSG);
	memcpy(frames[3], frames[0], n0);
	CHECK_EQ(ckpt_seal_open(&other, frames[3], 5), -EBADMSG);
	CHECK_EQ(rx.seq, 0);
	/* a changed length, data byte or tag byte: refused */
	for (size_t i = 0; i < n0; i++) {
		memcpy(frames[3], frames[0], n0);
		frames[3][i] ^= 0x40;
		CHECK_EQ(ckpt_seal_open(&rx, frames[3], 5), -EBADMSG);
	}
	/* in order: accepted, once */
	CHECK_EQ(ckpt_seal_open(&rx, frames[0], 5), 0);
	CHECK(!memcmp(frames[0] + CKPT_SEAL_HDR, "hello", 5));
	memcpy(frames[3], frames[1], n1);
	CHECK_EQ(ckpt_seal_open(&rx, frames[1], 5), 0);
	CHECK_EQ(ckpt_seal_open(&rx, frames[3], 5), -EBADMSG);	/* replayed */
	CHECK_EQ(ckpt_seal_open(&rx, frames[2], 0), 0);
	CHECK_EQ(rx.seq, 3);
	/* a header announcing more than a frame holds */
	frames[3][0] = 1;
	frames[3][1] = 0;
	frames[3][2] = 1;	/* 64 KiB + 1 */
	frames[3][3] = 0;
	CHECK_EQ(ckpt_seal_frame_len(frames[3]), -EBADMSG);
	frames[3][3] = 0x80;
	CHECK_EQ(ckpt_seal_frame_len(frames[3]), -EBADMSG);
}

/* Read from @fd until EOF (or 5 s); bytes read, -1 on error. */
static long read_all(int fd, unsigned char *buf, size_t size)
{
	size_t got = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (got < size) {
		ssize_t n;

		if (poll(&p, 1, 5000) != 1)
			return -1;
		n = read(fd, buf + got, size - got);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (long)got;
}

static int wait_failure(struct ckpt_seal_relay *r)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 300 && !ckpt_seal_failure(r); i++)
		nanosleep(&tick, NULL);
	return ckpt_seal_failure(r);
}

/* Two relays back to back: what goes in one plain end comes out whole. */
UNIT_TEST(seal_relay_pair)
{
	struct ckpt_seal_key s2r, s2r_rx, r2s, r2s_rx;
	struct ckpt_seal_relay sr, rr;
	size_t len = 1 << 20;
	unsigned char *in = malloc(len), *out = malloc(len + 1);
	int link[2], snd, rcv;
	pid_t writer;
	long got;

	CHECK(in && out);
	for (size_t i = 0; i < len; i++)
		in[i] = (unsigned char)(i * 2654435761U >> 13);
	keys(&s2r, &s2r_rx, CKPT_SEAL_S2R);
	keys(&r2s, &r2s_rx, CKPT_SEAL_R2S);
	CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, link));
	snd = link[0];
	rcv = link[1];
	CHECK_EQ(ckpt_seal_start(&snd, &s2r, &r2s_rx, NULL, 0, &sr), 0);
	CHECK_EQ(ckpt_seal_start(&rcv, &r2s, &s2r_rx, NULL, 0, &rr), 0);
	writer = fork();
	CHECK(writer >= 0);
	if (!writer) {
		/* 1 MiB, then half-close: the receiver reads EOF */
		ssize_t w = 0;

		for (size_t off = 0; off < len && w >= 0; off += (size_t)w)
			w = write(snd, in + off, len - off);
		shutdown(snd, SHUT_WR);
		_exit(w < 0);
	}
	got = read_all(rcv, out, len + 1);
	CHECK_EQ(got, (long)len);
	CHECK(!memcmp(in, out, len));
	waitpid(writer, NULL, 0);
	/* and back, after the other way ended */
	CHECK_EQ(write(rcv, "verdict", 7), 7);
	shutdown(rcv, SHUT_WR);
	got = read_all(snd, out, len);
	CHECK_EQ(got, 7);
	CHECK(!memcmp(out, "verdict", 7));
	CHECK_EQ(ckpt_seal_failure(&sr), 0);
	CHECK_EQ(ckpt_seal_failure(&rr), 0);
	ckpt_seal_finish(&snd, &sr, 5000);
	ckpt_seal_finish(&rcv, &rr, 5000);
	CHECK_EQ(snd, -1);
	free(in);
	free(out);
}

/*
 * A receiver's relay whose connection is @wire, driven by the test as
 * the sender (@peer_tx seals what it sends, @peer_rx opens the answers);
 * the tool's end in @plain.  0, or -errno.
 */
static int relay_on_wire(int *plain, int *wire, struct ckpt_seal_key *peer_tx,
			 struct ckpt_seal_key *peer_rx,
			 struct ckpt_seal_relay *r)
{
	struct ckpt_seal_key tx, rx;
	int link[2];

	keys(peer_tx, &rx, CKPT_SEAL_S2R);
	keys(&tx, peer_rx, CKPT_SEAL_R2S);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, link))
		return -errno;
	*plain = link[0];
	*wire = link[1];
	return ckpt_seal_start(plain, &tx, &rx, NULL, 0, r);
}

/*
 * One relay, its connection driven by hand: a good frame is handed on,
 * then a changed one ends the stream with EBADMSG (or, @cut, the
 * connection ends without the end frame: ENODATA).  The other direction
 * still works, and nothing but sealed frames reaches the connection.
 * @low: descriptors left open below the relay's before it starts, so that
 * its socket pair and status pipe land on every low number in turn.
 */
static void relay_refuses(int cut, int low)
{
	struct ckpt_seal_key peer_tx, peer_rx;
	struct ckpt_seal_relay r;
	unsigned char buf[64];
	int plain, wire, dummy[16];
	size_t n;

	for (int i = 0; i < low; i++)
		dummy[i] = open("/dev/null", O_RDONLY);
	CHECK_EQ(relay_on_wire(&plain, &wire, &peer_tx, &peer_rx, &r), 0);
	for (int i = 0; i < low; i++)
		close(dummy[i]);
	n = ckpt_seal_frame(&peer_tx, "good", 4, frames[0]);
	CHECK_EQ(write(wire, frames[0], n), (ssize_t)n);
	if (!cut) {
		n = ckpt_seal_frame(&peer_tx, "evil", 4, frames[0]);
		frames[0][CKPT_SEAL_HDR + 1] ^= 1;
		CHECK_EQ(write(wire, frames[0], n), (ssize_t)n);
		/* dropped, not read as frames: the peer may finish sending */
		n = ckpt_seal_frame(&peer_tx, "more", 4, frames[0]);
		CHECK_EQ(write(wire, frames[0], n), (ssize_t)n);
	} else {
		shutdown(wire, SHUT_WR);
	}
	CHECK_EQ(read_all(plain, buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "good", 4));
	CHECK_EQ(wait_failure(&r), cut ? -ENODATA : -EBADMSG);
	/* the tool can still answer, sealed */
	CHECK_EQ(write(plain, "why", 3), 3);
	shutdown(plain, SHUT_WR);
	n = (size_t)read_all(wire, frames[1], sizeof(frames[1]));
	CHECK_EQ(n, 2 * CKPT_SEAL_HDR + 3 + 2 * CKPT_AEAD_TAG_LEN);
	CHECK_EQ(ckpt_seal_open(&peer_rx, frames[1], 3), 0);
	CHECK(!memcmp(frames[1] + CKPT_SEAL_HDR, "why", 3));
	CHECK_EQ(ckpt_seal_open(&peer_rx, frames[1] + CKPT_SEAL_HDR + 3 +
				CKPT_AEAD_TAG_LEN, 0), 0);	/* the end */
	shutdown(wire, SHUT_WR);
	ckpt_seal_finish(&plain, &r, 5000);
	CHECK_EQ(r.pid, 0);
	close(wire);
}

UNIT_TEST(seal_relay_refuses)
{
	relay_refuses(0, 0);
	relay_refuses(1, 0);
}

/* Whatever descriptors the relay's pipes get, it wires them right. */
UNIT_TEST(seal_relay_low_fds)
{
	for (int low = 1; low <= 12; low++)
		relay_refuses(0, low);
}

/*
 * A tool that closes with input unread (its socket pair then reports
 * ECONNRESET to the relay) still ends its direction with the end frame.
 */
UNIT_TEST(seal_relay_close_unread)
{
	struct ckpt_seal_key peer_tx, peer_rx;
	struct ckpt_seal_relay r;
	int plain, wire;
	size_t n;

	CHECK_EQ(relay_on_wire(&plain, &wire, &peer_tx, &peer_rx, &r), 0);
	n = ckpt_seal_frame(&peer_tx, "unread", 6, frames[0]);
	CHECK_EQ(write(wire, frames[0], n), (ssize_t)n);
	CHECK_EQ(write(plain, "bye", 3), 3);
	/* the relay has handed "unread" on before the tool closes */
	for (int i = 0; i < 300; i++) {
		struct pollfd p = { .fd = plain, .events = POLLIN };

		if (poll(&p, 1, 10) == 1)
			break;
	}
	close(plain);
	plain = -1;
	n = (size_t)read_all(wire, frames[1], sizeof(frames[1]));
	CHECK_EQ(n, 2 * CKPT_SEAL_HDR + 3 + 2 * CKPT_AEAD_TAG_LEN);
	CHECK_EQ(ckpt_seal_open(&peer_rx, frames[1], 3), 0);
	CHECK_EQ(ckpt_seal_open(&peer_rx, frames[1] + CKPT_SEAL_HDR + 3 +
				CKPT_AEAD_TAG_LEN, 0), 0);	/* the end */
	shutdown(wire, SHUT_WR);
	ckpt_seal_finish(&plain, &r, 5000);
	close(wire);
}

/* ---- sealed files ----------------------------------------------------- */

static const unsigned char file_key[32] = "0123456789abcdef0123456789abcdef";

/* In the helpers below, which return values: a setup that fails stops. */
#define MUST(cond)							\
	do {								\
		if (!(cond)) {						\
			unit_fail(__FILE__, __LINE__, "%s", #cond);	\
			abort();					\
		}							\
	} while (0)

/* A memfd holding @len bytes of @p, at offset 0. */
static int mem_of(const void *p, size_t len)
{
	int fd = memfd_create("unit-seal", MFD_CLOEXEC);

	MUST(fd >= 0);
	MUST(write(fd, p, len) == (ssize_t)len);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* The bytes of memfd @fd, into a malloc'ed buffer; their count in *@len. */
static unsigned char *mem_bytes(int fd, size_t *len)
{
	off_t n = lseek(fd, 0, SEEK_END);
	unsigned char *p = malloc((size_t)n + 1);

	MUST(p != NULL);
	MUST(pread(fd, p, (size_t)n, 0) == n);
	*len = (size_t)n;
	return p;
}

/* Seal @len bytes of @plain; the sealed bytes and their count. */
static unsigned char *sealed_of(const unsigned char *plain, size_t len,
				size_t *out_len)
{
	int in = mem_of(plain, len), out = memfd_create("o", MFD_CLOEXEC);
	const char *why;
	unsigned char *p;

	MUST(!ckpt_seal_stream(in, out, file_key, sizeof(file_key), &why));
	p = mem_bytes(out, out_len);
	close(in);
	close(out);
	return p;
}

/* Unseal @len bytes of @sealed; its result, the plain bytes in *@plain. */
static int unsealed_of(const unsigned char *sealed, size_t len,
		       const unsigned char *key, unsigned char **plain,
		       size_t *plain_len, const char **why)
{
	int in = mem_of(sealed, len), out = memfd_create("o", MFD_CLOEXEC);
	int err = ckpt_unseal_stream(in, out, key, sizeof(file_key), why);

	*plain = mem_bytes(out, plain_len);
	close(in);
	close(out);
	return err;
}

UNIT_TEST(sealed_file_roundtrip)
{
	static const size_t sizes[] = { 1, CKPT_SEAL_DATA_MAX - 1,
					CKPT_SEAL_DATA_MAX,
					CKPT_SEAL_DATA_MAX + 1, 300000 };
	unsigned char *plain = malloc(300000), *s1, *s2, *back;
	size_t n1, n2, nb, i, j, frames;
	const char *why;

	for (i = 0; i < 300000; i++)
		plain[i] = (unsigned char)(i * 7 + (i >> 9));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		s1 = sealed_of(plain, sizes[i], &n1);
		s2 = sealed_of(plain, sizes[i], &n2);
		frames = (sizes[i] + CKPT_SEAL_DATA_MAX - 1) /
			 CKPT_SEAL_DATA_MAX + 1;
		CHECK_EQ(n1, CKPT_SEALED_HDR + sizes[i] +
			     frames * (CKPT_SEAL_HDR + CKPT_AEAD_TAG_LEN));
		CHECK(ckpt_sealed_magic(s1, n1));
		/* each file its own salt, so its own key stream */
		CHECK(n1 == n2 && memcmp(s1 + CKPT_SEALED_HDR,
					 s2 + CKPT_SEALED_HDR,
					 n1 - CKPT_SEALED_HDR));
		/* the plain bytes do not show through */
		for (j = 0; sizes[i] >= 64 && j < 48; j += 16)
			CHECK(memcmp(s1 + CKPT_SEALED_HDR + CKPT_SEAL_HDR + j,
				     plain + j, 16));
		CHECK_EQ(unsealed_of(s1, n1, file_key, &back, &nb, &why), 0);
		CHECK(nb == sizes[i] && !memcmp(back, plain, nb));
		free(back);
		free(s1);
		free(s2);
	}
	free(plain);
}

UNIT_TEST(sealed_file_empty_refused)
{
	int in = mem_of("", 0), out = memfd_create("o", MFD_CLOEXEC);
	const char *why;

	CHECK_EQ(ckpt_seal_stream(in, out, file_key, sizeof(file_key), &why),
		 -ENODATA);
	CHECK_STR(why, "empty");
	close(in);
	close(out);
}

/*
 * Frame @f of a sealed file of @total plain bytes that holds byte @i (the
 * header counts as frame 0), from the frame lengths.
 */
static size_t frame_of(size_t i, size_t total)
{
	size_t off = CKPT_SEALED_HDR, f = 0, len;

	if (i < CKPT_SEALED_HDR)
		return 0;
	for (;; f++) {
		len = total > f * CKPT_SEAL_DATA_MAX ?
		      total - f * CKPT_SEAL_DATA_MAX : 0;
		if (len > CKPT_SEAL_DATA_MAX)
			len = CKPT_SEAL_DATA_MAX;
		off += CKPT_SEAL_HDR + len + CKPT_AEAD_TAG_LEN;
		if (i < off || !len)
			return f;
	}
}

/* Is byte @i of a sealed file of @total plain bytes worth changing? */
static int probe(size_t i, size_t n, size_t total)
{
	size_t f = frame_of(i, total), start = CKPT_SEALED_HDR, k, len;

	if (i < CKPT_SEALED_HDR + 8 || i + 40 > n || i % 997 == 0)
		return 1;
	for (k = 0; k < f; k++)
		start += CKPT_SEAL_HDR + CKPT_SEAL_DATA_MAX +
			 CKPT_AEAD_TAG_LEN;
	len = total - f * CKPT_SEAL_DATA_MAX;
	if (len > CKPT_SEAL_DATA_MAX)
		len = CKPT_SEAL_DATA_MAX;
	/* its length, its first and last data bytes, its tag */
	return i < start + CKPT_SEAL_HDR + 8 ||
	       i >= start + CKPT_SEAL_HDR + len - 8;
}

UNIT_TEST(sealed_file_refuses)
{
	unsigned char *plain = calloc(1, 200000), *s, *t, *back;
	unsigned char other[32];
	size_t n, nb, i, f, fl = CKPT_SEAL_HDR + CKPT_SEAL_DATA_MAX +
				CKPT_AEAD_TAG_LEN;
	const char *why;
	int err;

	memcpy(other, file_key, 32);
	other[31] ^= 1;
	s = sealed_of(plain, 200000, &n);
	t = malloc(n + 1);
	/*
	 * changed one byte at a time: every byte of the header, of each
	 * frame's length and tag and of the end frame, some of the data
	 */
	for (i = 0; i < n; i++) {
		if (!probe(i, n, 200000))
			continue;
		memcpy(t, s, n);
		t[i] ^= 0x40;
		err = unsealed_of(t, n, file_key, &back, &nb, &why);
		CHECK(err == -EBADMSG || (i < 16 && (err == -ENOEXEC ||
						     err == -EPROTO)) ||
		      (err == -ENODATA && i >= CKPT_SEALED_HDR));
		/*
		 * never a byte of a frame that failed, nor of the frame
		 * before it; never the last frame (the image's end)
		 */
		CHECK(nb % CKPT_SEAL_DATA_MAX == 0 && nb < 200000);
		f = frame_of(i, 200000);
		CHECK_EQ(nb, (f ? f - 1 : 0) * CKPT_SEAL_DATA_MAX);
		free(back);
	}
	/* another key */
	CHECK_EQ(unsealed_of(s, n, other, &back, &nb, &why), -EBADMSG);
	CHECK_EQ(nb, 0);
	free(back);
	/* cut at a frame boundary (no end frame), and inside a frame */
	CHECK_EQ(unsealed_of(s, CKPT_SEALED_HDR + fl, file_key, &back, &nb,
			     &why), -ENODATA);
	CHECK_EQ(nb, 0);
	free(back);
	/* only the end frame cut: every data frame checked, the last held */
	CHECK_EQ(unsealed_of(s, n - CKPT_SEAL_HDR - CKPT_AEAD_TAG_LEN,
			     file_key, &back, &nb, &why), -ENODATA);
	CHECK_EQ(nb, 3 * CKPT_SEAL_DATA_MAX);
	free(back);
	CHECK_EQ(unsealed_of(s, n - 1, file_key, &back, &nb, &why), -ENODATA);
	free(back);
	CHECK_EQ(unsealed_of(s, 20, file_key, &back, &nb, &why), -ENODATA);
	free(back);
	/* frames swapped: the first two full frames */
	memcpy(t, s, n);
	memcpy(t + CKPT_SEALED_HDR, s + CKPT_SEALED_HDR + fl, fl);
	memcpy(t + CKPT_SEALED_HDR + fl, s + CKPT_SEALED_HDR, fl);
	CHECK_EQ(unsealed_of(t, n, file_key, &back, &nb, &why), -EBADMSG);
	CHECK_EQ(nb, 0);
	free(back);
	/* a frame dropped */
	memcpy(t, s, CKPT_SEALED_HDR);
	memcpy(t + CKPT_SEALED_HDR, s + CKPT_SEALED_HDR + fl,
	       n - CKPT_SEALED_HDR - fl);
	CHECK_EQ(unsealed_of(t, n - fl, file_key, &back, &nb, &why),
		 -EBADMSG);
	free(back);
	/* a byte after the end frame */
	memcpy(t, s, n);
	t[n] = 0;
	CHECK_EQ(unsealed_of(t, n + 1, file_key, &back, &nb, &why), -EBADMSG);
	CHECK_STR(why, "follow its end frame");
	CHECK_EQ(nb, 3 * CKPT_SEAL_DATA_MAX);
	free(back);
	/* another file's header (same key, same plain bytes): its key */
	{
		size_t n2;
		unsigned char *s2 = sealed_of(plain, 200000, &n2);

		CHECK_EQ(n2, n);
		memcpy(t, s2, CKPT_SEALED_HDR);
		memcpy(t + CKPT_SEALED_HDR, s + CKPT_SEALED_HDR,
		       n - CKPT_SEALED_HDR);
		CHECK_EQ(unsealed_of(t, n, file_key, &back, &nb, &why),
			 -EBADMSG);
		CHECK_EQ(nb, 0);
		free(back);
		free(s2);
	}
	/* not sealed at all */
	CHECK_EQ(unsealed_of(plain, 1000, file_key, &back, &nb, &why),
		 -ENOEXEC);
	free(back);
	free(t);
	free(s);
	free(plain);
}
