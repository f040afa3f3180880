// SPDX-License-Identifier: GPL-2.0
/*
 * Compressed images (tools/zimg.c, zpump.c): a round trip, each refusal
 * of hostile input (cut short, damaged, trailing bytes, empty, a bomb
 * past the bound), the peek that must not consume, and 'ckpt show' and
 * 'ckpt --compress' on the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "imgbuild.h"
#include "run.h"
#include "util.h"
#include "unit.h"
#include "zimg.h"
#include <zstd.h>

#ifndef CKPT_BIN
#error "CKPT_BIN must name the ckpt binary under test"
#endif

static int mem_of(const void *p, size_t len)
{
	int fd = memfd_create("zimg-test", 0);

	if (fd >= 0 && (write(fd, p, len) != (ssize_t)len ||
			lseek(fd, 0, SEEK_SET))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static unsigned char *mem_bytes(int fd, size_t *len)
{
	struct stat st;
	unsigned char *b;

	if (fstat(fd, &st))
		return NULL;
	b = malloc(st.st_size + 1);
	if (b && pread(fd, b, st.st_size, 0) != st.st_size) {
		free(b);
		return NULL;
	}
	*len = st.st_size;
	return b;
}

/* @len bytes of @plain compressed at @level, malloc'ed. */
static unsigned char *zip(const void *plain, size_t len, int level,
			  size_t *zlen)
{
	struct ckpt_zres res;
	int in = mem_of(plain, len), out = memfd_create("zimg-out", 0);
	unsigned char *z = NULL;

	if (in >= 0 && out >= 0 &&
	    !ckpt_zstd_compress(in, out, level, NULL, &res) &&
	    res.in_bytes == len)
		z = mem_bytes(out, zlen);
	close(in);
	close(out);
	return z;
}

/* Inflate @z into a memfd, at most @max; the result's err. */
static int unzip(const void *z, size_t zlen, uint64_t max,
		 struct ckpt_zres *res, unsigned char **plain, size_t *len)
{
	int in = mem_of(z, zlen), out = memfd_create("zimg-out", 0), err;

	err = ckpt_zstd_inflate(in, out, max, res);
	if (!err && plain)
		*plain = mem_bytes(out, len);
	close(in);
	close(out);
	return err;
}

UNIT_TEST(zimg_round_trip)
{
	struct ib_image b;
	struct ckpt_zres res;
	unsigned char *z, *back = NULL;
	size_t zlen = 0, len = 0;
	int err;

	ib_build(&b, NULL);
	z = zip(b.buf, b.len, CKPT_ZSTD_LEVEL, &zlen);
	CHECK(z);
	CHECK(ckpt_zstd_magic(z, zlen));
	CHECK(!ckpt_zstd_magic(b.buf, b.len));
	CHECK(zlen < b.len);
	err = unzip(z, zlen, b.len, &res, &back, &len);
	CHECK_EQ(err, 0);
	CHECK(back);
	CHECK_EQ(len, b.len);
	CHECK(!memcmp(back, b.buf, len));
	CHECK_EQ(res.in_bytes, zlen);
	CHECK_EQ(res.out_bytes, b.len);
	free(back);
	/* the fastest and the strongest levels too */
	free(z);
	z = zip(b.buf, b.len, CKPT_ZSTD_LEVEL_MIN, &zlen);
	CHECK(z && !unzip(z, zlen, b.len, &res, NULL, NULL));
	free(z);
	z = zip(b.buf, b.len, CKPT_ZSTD_LEVEL_MAX, &zlen);
	CHECK(z && !unzip(z, zlen, b.len, &res, NULL, NULL));
	free(z);
	ib_free(&b);
}

UNIT_TEST(zimg_hostile_input)
{
	static unsigned char zeros[8 << 20];
	struct ib_image b;
	struct ckpt_zres res;
	unsigned char *z, *big;
	size_t zlen = 0, blen = 0;

	ib_build(&b, NULL);
	z = zip(b.buf, b.len, CKPT_ZSTD_LEVEL, &zlen);
	CHECK(z);
	/* cut short, anywhere */
	CHECK_EQ(unzip(z, zlen - 1, b.len, &res, NULL, NULL), -EBADMSG);
	CHECK_STR(res.msg, "cut short");
	CHECK_EQ(unzip(z, 4, b.len, &res, NULL, NULL), -EBADMSG);
	CHECK_EQ(unzip(z, 0, b.len, &res, NULL, NULL), -EBADMSG);
	CHECK_STR(res.msg, "cut short");
	/* a byte changed in the data: the content checksum */
	z[zlen / 2] ^= 0x40;
	CHECK_EQ(unzip(z, zlen, b.len, &res, NULL, NULL), -EBADMSG);
	CHECK_STR(res.msg, "the compressed image is ");
	z[zlen / 2] ^= 0x40;
	z[zlen - 1] ^= 1;	/* the checksum itself */
	CHECK_EQ(unzip(z, zlen, b.len, &res, NULL, NULL), -EBADMSG);
	CHECK_STR(res.msg, "damaged: its checksum does not match");
	z[zlen - 1] ^= 1;
	CHECK_EQ(unzip(z, zlen, b.len, &res, NULL, NULL), 0);
	/* bytes after the frame that are no frame */
	z = realloc(z, zlen + 8);
	CHECK(z);
	memcpy(z + zlen, "trailing", 8);
	CHECK_EQ(unzip(z, zlen + 8, b.len, &res, NULL, NULL), -EBADMSG);
	CHECK_STR(res.msg, "bytes follow its frame");
	/* one byte past the bound, and the bound itself */
	CHECK_EQ(unzip(z, zlen, b.len - 1, &res, NULL, NULL), -EFBIG);
	CHECK_STR(res.msg, "expands past");
	CHECK(res.out_bytes <= b.len - 1);
	free(z);
	/* a bomb: 8 MiB of zeros from a few hundred bytes, bound 1 MiB */
	big = zip(zeros, sizeof(zeros), CKPT_ZSTD_LEVEL, &blen);
	CHECK(big && blen < 4096);
	CHECK_EQ(unzip(big, blen, 1 << 20, &res, NULL, NULL), -EFBIG);
	CHECK(res.out_bytes <= 1 << 20);
	free(big);
	ib_free(&b);
}

UNIT_TEST(zimg_peek_does_not_consume)
{
	struct ib_image b;
	struct ckpt_zres res;
	unsigned char *z, head[8];
	size_t zlen = 0, len = 0;
	int p[2], fd = -1, m = -1;
	unsigned char *back;

	ib_build(&b, NULL);
	z = zip(b.buf, b.len, CKPT_ZSTD_LEVEL, &zlen);
	CHECK(z && zlen < 65536);
	/* a pipe with a compressed image: inflated whole */
	CHECK(!pipe(p));
	CHECK_EQ(write(p[1], z, zlen), zlen);
	close(p[1]);
	CHECK_EQ(ckpt_zstd_to_memfd(p[0], b.len, 0, &m, &res), 1);
	close(p[0]);
	back = mem_bytes(m, &len);
	close(m);
	CHECK(back && len == b.len && !memcmp(back, b.buf, len));
	free(back);
	/* a pipe with a plain image: left as it was */
	CHECK(!pipe(p));
	CHECK_EQ(write(p[1], b.buf, 64), 64);
	close(p[1]);
	CHECK_EQ(ckpt_zstd_to_memfd(p[0], b.len, 0, &m, &res), 0);
	CHECK_EQ(read(p[0], head, 8), 8);
	CHECK(!memcmp(head, b.buf, 8));
	close(p[0]);
	/* a file, at its offset */
	fd = mem_of(b.buf, b.len);
	CHECK(fd >= 0);
	CHECK_EQ(ckpt_zstd_to_memfd(fd, b.len, 0, &m, &res), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);
	free(z);
	ib_free(&b);
}

/* Sizes that end a frame exactly at the decoder's output buffer's end. */
UNIT_TEST(zimg_block_multiples)
{
	static const size_t sizes[] = { 131072, 262144, 655360, 1048576,
					655552 };
	struct ckpt_zres res;
	unsigned char *plain, *z, *back = NULL;
	uint64_t x = 88172645463325252ULL;
	size_t i, zlen = 0, len = 0;

	plain = malloc(1 << 20);
	CHECK(plain);
	for (i = 0; i < (1 << 20); i++) {	/* xorshift: incompressible */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		plain[i] = (unsigned char)x;
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		z = zip(plain, sizes[i], CKPT_ZSTD_LEVEL, &zlen);
		CHECK(z);
		CHECK_EQ(unzip(z, zlen, sizes[i], &res, &back, &len), 0);
		CHECK_EQ(len, sizes[i]);
		CHECK(!memcmp(back, plain, len));
		free(back);
		free(z);
	}
	free(plain);
}

/* What ckpt never writes: no checksum, a second frame, a skippable one. */
UNIT_TEST(zimg_one_frame_with_checksum)
{
	static const unsigned char skippable[8] = { 0x50, 0x2a, 0x4d, 0x18 };
	struct ib_image b;
	struct ckpt_zres res;
	unsigned char *z, *two, *bare;
	size_t zlen = 0, blen;

	ib_build(&b, NULL);
	bare = malloc(ZSTD_compressBound(b.len));
	CHECK(bare);
	blen = ZSTD_compress(bare, ZSTD_compressBound(b.len), b.buf, b.len, 1);
	CHECK(!ZSTD_isError(blen));
	CHECK(ckpt_zstd_magic(bare, blen));
	CHECK_EQ(unzip(bare, blen, b.len, &res, NULL, NULL), -EBADMSG);
	CHECK_STR(res.msg, "has no checksum");
	free(bare);
	z = zip(b.buf, b.len, CKPT_ZSTD_LEVEL, &zlen);
	CHECK(z);
	two = malloc(2 * zlen);
	CHECK(two);
	memcpy(two, z, zlen);
	memcpy(two + zlen, z, zlen);
	CHECK_EQ(unzip(two, 2 * zlen, 2 * b.len, &res, NULL, NULL), -EBADMSG);
	CHECK_STR(res.msg, "bytes follow its frame");
	memcpy(two + zlen, skippable, sizeof(skippable));
	CHECK_EQ(unzip(two, zlen + sizeof(skippable), b.len, &res, NULL, NULL),
		 -EBADMSG);
	free(two);
	free(z);
	ib_free(&b);
}

/* ckpt's compressor told the image failed: the frame stays unfinished. */
UNIT_TEST(zimg_abort_leaves_frame_open)
{
	struct ib_image b;
	struct ckpt_zres res;
	int in, out, abort = 1;
	unsigned char *z;
	size_t zlen = 0;

	ib_build(&b, NULL);
	in = mem_of(b.buf, b.len);
	out = memfd_create("zimg-out", 0);
	CHECK(in >= 0 && out >= 0);
	CHECK_EQ(ckpt_zstd_compress(in, out, CKPT_ZSTD_LEVEL, &abort, &res),
		 -ECANCELED);
	z = mem_bytes(out, &zlen);
	close(in);
	close(out);
	CHECK(z);
	CHECK_EQ(unzip(z, zlen, b.len, &res, NULL, NULL), -EBADMSG);
	CHECK_STR(res.msg, "cut short");
	free(z);
	ib_free(&b);
}

/* The standard image compressed into a new file named in @path. */
static int zfile(const struct ib_ops *ops, char *path, int flip)
{
	struct ib_image b;
	unsigned char *z;
	size_t zlen = 0;
	int fd, ok;

	ib_build(&b, ops);
	z = zip(b.buf, b.len, CKPT_ZSTD_LEVEL, &zlen);
	ib_free(&b);
	if (!z)
		return -1;
	if (flip)
		z[zlen - 1] ^= 1;
	strcpy(path, "/tmp/ckpt-unit-zimg-XXXXXX");
	fd = mkstemp(path);
	ok = fd >= 0 && write(fd, z, zlen) == (ssize_t)zlen;
	if (fd >= 0)
		close(fd);
	free(z);
	return ok ? 0 : -1;
}

UNIT_TEST(cli_show_compressed)
{
	char path[64];
	struct run *r;

	CHECK(!zfile(NULL, path, 0));
	r = unit_run(NULL, (char *[]){ CKPT_BIN, "show", path, NULL }, NULL);
	CHECK_EQ(r->status, 0);
	CHECK_EQ(strlen(r->err), 0);
	CHECK_STR(r->out, "@192 TASK (208 bytes)");
	CHECK_STR(r->out, "records before it, 5 pages");
	/* on stdin as well */
	r = unit_run(path, (char *[]){ CKPT_BIN, "show", "-", NULL }, NULL);
	unlink(path);
	CHECK_EQ(r->status, 0);
	CHECK_STR(r->out, "records before it, 5 pages");
	/* damaged: what inflated is shown, and why it stopped */
	CHECK(!zfile(NULL, path, 1));
	r = unit_run(NULL, (char *[]){ CKPT_BIN, "show", path, NULL }, NULL);
	unlink(path);
	CHECK_EQ(r->status, 1);
	CHECK_EQ(unit_count_lines(r->err), 1);
	CHECK_STR(r->err, "ckpt: cannot inflate ");
	CHECK_STR(r->err, "damaged: its checksum does not match");
	CHECK_STR(r->err, "(EBADMSG)\n");
}

UNIT_TEST(cli_compress_usage)
{
	struct run *r;

	r = unit_run(NULL, (char *[]){ CKPT_BIN, "--compress=20", "1", NULL },
		     NULL);
	CHECK_EQ(r->status, 2);
	CHECK_STR(r->err, "bad --compress level, expected -7 to 19: 20");
	r = unit_run(NULL, (char *[]){ CKPT_BIN, "--compress=x", "1", NULL },
		     NULL);
	CHECK_EQ(r->status, 2);
	r = unit_run(NULL, (char *[]){ CKPT_BIN, "--help", NULL }, NULL);
	CHECK_EQ(r->status, 0);
	CHECK_STR(r->out, "--compress[=LEVEL]");
}
