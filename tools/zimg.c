// SPDX-License-Identifier: GPL-2.0
/*
 * Compressed images (zimg.h): zstd's streaming API between descriptors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <zstd.h>
#include <zstd_errors.h>
#include "util.h"
#include "zimg.h"

int ckpt_zstd_magic(const void *buf, size_t len)
{
	const unsigned char *b = buf;

	return len >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f &&
	       b[3] == 0xfd;
}

int ckpt_zres_fail(struct ckpt_zres *res, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
	res->err = err;
	return err;
}

int ckpt_zres_io(struct ckpt_zres *res, int err, const char *what)
{
	return ckpt_zres_fail(res, err, "%s failed: %s", what, strerror(-err));
}

ssize_t ckpt_zread(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* One run of the decoder over a stream. */
struct zin {
	ZSTD_DCtx *dc;
	unsigned char *obuf;
	size_t osize;
	int out;
	uint64_t max;
	size_t r;		/* the decoder's last return: 0 at a frame's end */
	unsigned char head[5];	/* the magic and the frame header descriptor */
	size_t hlen;
	struct ckpt_zres *res;
};

/* The frame ckpt writes has a content checksum: none is refused. */
static int zin_head(struct zin *z, const ZSTD_inBuffer *ib)
{
	size_t n = sizeof(z->head) - z->hlen;

	if (!n)
		return 0;
	n = n < ib->size ? n : ib->size;
	memcpy(z->head + z->hlen, ib->src, n);
	z->hlen += n;
	if (z->hlen < sizeof(z->head))
		return 0;
	if (!ckpt_zstd_magic(z->head, sizeof(z->head)))
		return ckpt_zres_fail(z->res, -EBADMSG, "%s",
				      "the compressed image does not start with a zstd frame");
	if (!(z->head[4] & 0x04))	/* Content_Checksum_flag */
		return ckpt_zres_fail(z->res, -EBADMSG, "%s",
				      "the compressed image has no checksum: not ckpt's");
	return 0;
}

/* Feed @ib to the decoder, writing what comes out. */
static int zin_feed(struct zin *z, ZSTD_inBuffer *ib)
{
	ZSTD_outBuffer ob = { z->obuf, z->osize, z->osize };
	int err;

	if (!z->r && ib->size)	/* one frame, nothing after it */
		return ckpt_zres_fail(z->res, -EBADMSG, "%s",
				      "the compressed image is not valid: bytes follow its frame");
	err = zin_head(z, ib);
	/* a full output buffer may leave more of the frame to flush */
	while (!err && (ib->pos < ib->size || (ob.pos == z->osize && z->r))) {
		if (!z->r)
			return ckpt_zres_fail(z->res, -EBADMSG, "%s",
					      "the compressed image is not valid: bytes follow its frame");
		ob = (ZSTD_outBuffer){ z->obuf, z->osize, 0 };
		z->r = ZSTD_decompressStream(z->dc, &ob, ib);
		if (ZSTD_isError(z->r))
			return ckpt_zres_fail(z->res, -EBADMSG, "the compressed image is %s (zstd: %s)",
					      ZSTD_getErrorCode(z->r) == ZSTD_error_checksum_wrong ?
					      "damaged: its checksum does not match" :
					      "not valid", ZSTD_getErrorName(z->r));
		if (ob.pos > z->max - z->res->out_bytes)
			return ckpt_zres_fail(z->res, -EFBIG, "the compressed image expands past %llu bytes, more than this machine can hold",
					      (unsigned long long)z->max);
		err = ckpt_write_full(z->out, z->obuf, ob.pos);
		if (err)
			return ckpt_zres_io(z->res, err, "writing the inflated image");
		z->res->out_bytes += ob.pos;
	}
	return err;
}

int ckpt_zstd_inflate(int in, int out, uint64_t max, struct ckpt_zres *res)
{
	struct zin z = { .osize = ZSTD_DStreamOutSize(), .out = out,
			 .max = max, .r = 1, .res = res };
	unsigned char *ibuf;
	ZSTD_inBuffer ib;
	ssize_t n;
	int err = 0;

	memset(res, 0, sizeof(*res));
	z.dc = ZSTD_createDCtx();
	ibuf = malloc(CKPT_ZIMG_BUF);
	z.obuf = malloc(z.osize);
	if (!z.dc || !ibuf || !z.obuf) {
		err = ckpt_zres_fail(res, -ENOMEM, "%s", "out of memory");
		goto out;
	}
	while (!err) {
		n = ckpt_zread(in, ibuf, CKPT_ZIMG_BUF);
		if (n < 0) {
			err = ckpt_zres_io(res, n, "reading the compressed image");
			break;
		}
		if (!n)
			break;
		res->in_bytes += n;
		ib = (ZSTD_inBuffer){ ibuf, n, 0 };
		err = zin_feed(&z, &ib);
	}
	/* r is 0 only at the end of a frame: anything else was cut short */
	if (!err && z.r)
		err = ckpt_zres_fail(res, -EBADMSG, "%s",
				     "the compressed image is cut short");
out:
	ZSTD_freeDCtx(z.dc);
	free(ibuf);
	free(z.obuf);
	return err;
}

static int peek_pipe_once(int fd, void *buf, size_t len)
{
	int p[2];
	ssize_t n;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	n = tee(fd, p[1], len, SPLICE_F_NONBLOCK);
	if (n < 0)
		n = errno == EAGAIN ? 1 : -errno;	/* nothing yet */
	else if (n == (ssize_t)len)
		n = read(p[0], buf, len) == (ssize_t)len ? 2 : -EIO;
	else if (n > 0)
		n = 1;		/* not all there yet */
	close(p[0]);
	close(p[1]);
	return n;		/* 0: no writer left */
}

int ckpt_peek_fd(int fd, void *buf, size_t len, int wait_ms)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };
	struct stat st;
	off_t pos;
	ssize_t n;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		pos = lseek(fd, 0, SEEK_CUR);
		if (pos < 0)
			return -errno;
		n = pread(fd, buf, len, pos);
		return n < 0 ? -errno : n == (ssize_t)len;
	}
	for (;;) {
		if (S_ISSOCK(st.st_mode)) {
			n = recv(fd, buf, len, MSG_PEEK | MSG_DONTWAIT);
			if (n < 0)
				n = errno == EAGAIN ? 1 : -errno;
			else
				n = n == (ssize_t)len ? 2 : n > 0;
		} else if (S_ISFIFO(st.st_mode)) {
			n = peek_pipe_once(fd, buf, len);
		} else {
			return 0;
		}
		if (n != 1)
			return n < 0 ? n : n == 2;
		if (!wait_ms)
			return 0;
		nanosleep(&pause, NULL);
		if (wait_ms > 0)
			wait_ms -= wait_ms < 10 ? wait_ms : 10;
	}
}

int ckpt_zstd_to_memfd(int fd, uint64_t max, int wait_ms, int *memfd,
		       struct ckpt_zres *res)
{
	unsigned char magic[4];
	int err, m;

	memset(res, 0, sizeof(*res));
	err = ckpt_peek_fd(fd, magic, sizeof(magic), wait_ms);
	if (err <= 0 || !ckpt_zstd_magic(magic, sizeof(magic)))
		return err < 0 ? ckpt_zres_io(res, err, "reading the image") : 0;
	m = memfd_create("ckpt-image", MFD_CLOEXEC);
	if (m < 0)
		return ckpt_zres_io(res, -errno, "making a memfd");
	err = ckpt_zstd_inflate(fd, m, max, res);
	*memfd = m;	/* what came before a failure, for a caller who wants it */
	if ((!err || err == -EFBIG) && lseek(m, 0, SEEK_SET))
		err = ckpt_zres_io(res, -errno, "seeking the memfd");
	if (err && err != -EFBIG) {
		close(m);
		*memfd = -1;
		return err;
	}
	return err ? err : 1;
}

uint64_t ckpt_mem_available(void)
{
	unsigned long long kb;
	char line[128];
	uint64_t v = 1ULL << 30;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
			v = (uint64_t)kb << 10;
			break;
		}
	fclose(f);
	return v;
}
