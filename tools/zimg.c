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

/* Feed @ib to the decoder, writing what comes out; r: the last return. */
static int inflate_buf(ZSTD_DCtx *dc, ZSTD_inBuffer *ib, unsigned char *obuf,
		       size_t osize, int out, uint64_t max, size_t *r,
		       struct ckpt_zres *res)
{
	ZSTD_outBuffer ob = { obuf, osize, osize };
	int err;

	/* a full output buffer may leave more to flush */
	while (ib->pos < ib->size || ob.pos == osize) {
		ob = (ZSTD_outBuffer){ obuf, osize, 0 };
		*r = ZSTD_decompressStream(dc, &ob, ib);
		if (ZSTD_isError(*r))
			return ckpt_zres_fail(res, -EBADMSG, "the compressed image is %s (zstd: %s)",
					 ZSTD_getErrorCode(*r) == ZSTD_error_checksum_wrong ?
					 "damaged: its checksum does not match" :
					 "not valid", ZSTD_getErrorName(*r));
		if (ob.pos > max - res->out_bytes)
			return ckpt_zres_fail(res, -EFBIG, "the compressed image expands past %llu bytes, more than this machine can hold",
					 (unsigned long long)max);
		err = ckpt_write_full(out, obuf, ob.pos);
		if (err)
			return ckpt_zres_io(res, err, "writing the inflated image");
		res->out_bytes += ob.pos;
	}
	return 0;
}

int ckpt_zstd_inflate(int in, const void *prefix, size_t plen, int out,
		      uint64_t max, struct ckpt_zres *res)
{
	size_t osize = ZSTD_DStreamOutSize(), r = 1;
	unsigned char *ibuf, *obuf;
	ZSTD_inBuffer ib;
	ZSTD_DCtx *dc;
	ssize_t n;
	int err = 0;

	memset(res, 0, sizeof(*res));
	dc = ZSTD_createDCtx();
	ibuf = malloc(CKPT_ZIMG_BUF);
	obuf = malloc(osize);
	if (!dc || !ibuf || !obuf) {
		err = ckpt_zres_fail(res, -ENOMEM, "%s", "out of memory");
		goto out;
	}
	if (plen) {
		ib = (ZSTD_inBuffer){ prefix, plen, 0 };
		res->in_bytes = plen;
		err = inflate_buf(dc, &ib, obuf, osize, out, max, &r, res);
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
		err = inflate_buf(dc, &ib, obuf, osize, out, max, &r, res);
	}
	/* r is 0 only at the end of a frame: anything else was cut short */
	if (!err && (r || !res->in_bytes))
		err = ckpt_zres_fail(res, -EBADMSG, "%s",
				"the compressed image is cut short");
out:
	ZSTD_freeDCtx(dc);
	free(ibuf);
	free(obuf);
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
		if (wait_ms <= 0)
			return 0;
		nanosleep(&pause, NULL);
		wait_ms -= 10;
	}
}

int ckpt_zstd_to_memfd(int fd, uint64_t max, int *memfd,
		       struct ckpt_zres *res)
{
	unsigned char magic[4];
	int err, m;

	memset(res, 0, sizeof(*res));
	err = ckpt_peek_fd(fd, magic, sizeof(magic), 5000);
	if (err <= 0 || !ckpt_zstd_magic(magic, sizeof(magic)))
		return err < 0 ? ckpt_zres_io(res, err, "reading the image") : 0;
	m = memfd_create("ckpt-image", MFD_CLOEXEC);
	if (m < 0)
		return ckpt_zres_io(res, -errno, "making a memfd");
	err = ckpt_zstd_inflate(fd, NULL, 0, m, max, res);
	if (!err && lseek(m, 0, SEEK_SET))
		err = ckpt_zres_io(res, -errno, "seeking the memfd");
	if (err) {
		close(m);
		return err;
	}
	*memfd = m;
	return 1;
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
