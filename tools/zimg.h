/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compressed images: an image as one zstd frame (RFC 8878) with its
 * content checksum, made by 'ckpt --compress' and recognised by its magic
 * wherever the tools read an image ('restart', 'ckpt show').  The module
 * never sees one: the tools compress what it writes and inflate what it
 * reads, so the image inside is checked by the module as any other.
 *
 * What comes in is hostile: the decoder's window is bounded by zstd's
 * default (128 MiB), the output by the caller's @max, and anything but
 * one frame with its checksum (cut short, damaged, without a checksum,
 * followed by any byte) is refused with EBADMSG.
 */
#ifndef CKPT_TOOLS_ZIMG_H
#define CKPT_TOOLS_ZIMG_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CKPT_ZSTD_MAGIC		0xfd2fb528U	/* little-endian on disk */
#define CKPT_ZSTD_LEVEL		1	/* the default: fast */
#define CKPT_ZSTD_LEVEL_MIN	(-7)	/* zstd --fast=7 */
#define CKPT_ZSTD_LEVEL_MAX	19
#define CKPT_ZIMG_BUF		(1U << 20)	/* what is read at once */

/* What a run of the coder did, and why it stopped. */
struct ckpt_zres {
	int err;		/* 0 or -errno */
	char msg[160];		/* what failed, for the tool's message */
	uint64_t in_bytes;	/* read from @in */
	uint64_t out_bytes;	/* written to @out */
};

/* Set @res (err and message, printf-style); returns @err. */
int ckpt_zres_fail(struct ckpt_zres *res, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "@what failed: <strerror(-@err)>" */
int ckpt_zres_io(struct ckpt_zres *res, int err, const char *what);
/* read(), again on EINTR; -errno */
ssize_t ckpt_zread(int fd, void *buf, size_t len);

/* 1 if @buf starts with a zstd frame's magic. */
int ckpt_zstd_magic(const void *buf, size_t len);

/*
 * Compress all of @in into @out: one frame at @level, with a checksum
 * (zpump.c, with the pump: ckpt links them, restart does not).  If
 * *@abort is set when @in ends, the frame is left unfinished
 * (ECANCELED): a reader sees it cut short, never a whole image.
 */
int ckpt_zstd_compress(int in, int out, int level, const int *abort,
		       struct ckpt_zres *res);

/* Decompress @in into @out, refusing (EFBIG) more than @max bytes out. */
int ckpt_zstd_inflate(int in, int out, uint64_t max, struct ckpt_zres *res);

/*
 * The same on a thread of its own, between a pipe and the caller's
 * descriptor.  The pump closes @in when it stops (so that a writer into
 * it learns of a failure: EPIPE), and @out if asked (so that a reader of
 * it sees the end); SIGPIPE is blocked on its thread (a write to a
 * closed pipe fails with EPIPE).  ckpt_zpump_abort() before closing the
 * pipe's other end leaves a frame unfinished; ckpt_zpump_done() says
 * whether the pump has stopped (a join would not wait); ckpt_zpump_join()
 * returns res.err.
 */
struct ckpt_zpump {
	int in, out;
	int inflate;		/* 0: compress at @level */
	int close_out;		/* close @out too when done */
	int level;
	uint64_t max;		/* inflate: the bound */
	struct ckpt_zres res;
	pthread_t thread;
	int started;
	int abort;		/* atomic: compress, leave the frame open */
	int done;		/* atomic: the thread has stopped */
};

int ckpt_zpump_start(struct ckpt_zpump *p);
void ckpt_zpump_abort(struct ckpt_zpump *p);
int ckpt_zpump_done(struct ckpt_zpump *p);
int ckpt_zpump_join(struct ckpt_zpump *p);

/*
 * Peek the first @len bytes of @fd without consuming them (a regular
 * file, a pipe or a stream socket); 1 when they are all there, 0 at an
 * end of data before, -errno.  A pipe or a socket is waited for at most
 * @wait_ms (-1: until the bytes or the end come).
 */
int ckpt_peek_fd(int fd, void *buf, size_t len, int wait_ms);

/*
 * If @fd holds a compressed image: inflate it into a new memfd (at most
 * @max bytes), seeked to 0, into *@memfd; 1.  0 if it is not compressed,
 * -errno with @res saying why; -EFBIG still leaves the memfd (what was
 * inflated before the bound) in *@memfd, for the caller to close.  A pipe or socket's first bytes are
 * waited for @wait_ms (-1: as long as it takes).
 */
int ckpt_zstd_to_memfd(int fd, uint64_t max, int wait_ms, int *memfd,
		       struct ckpt_zres *res);

/* What the machine can hold in memory: MemAvailable, or 1 GiB. */
uint64_t ckpt_mem_available(void);

#endif
