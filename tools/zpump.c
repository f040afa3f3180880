// SPDX-License-Identifier: GPL-2.0
/*
 * Compressing images, and the coder on a thread (zimg.h): ckpt's alone,
 * so that restart links only zstd's decoder.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include "util.h"
#include "zimg.h"

int ckpt_zstd_compress(int in, int out, int level, const int *abort,
		       struct ckpt_zres *res)
{
	size_t osize = ZSTD_CStreamOutSize(), r;
	unsigned char *ibuf, *obuf;
	ZSTD_inBuffer ib;
	ZSTD_outBuffer ob;
	ZSTD_CCtx *cc;
	ssize_t n = 1;
	int err = 0;

	memset(res, 0, sizeof(*res));
	cc = ZSTD_createCCtx();
	ibuf = malloc(CKPT_ZIMG_BUF);
	obuf = malloc(osize);
	if (!cc || !ibuf || !obuf) {
		err = ckpt_zres_fail(res, -ENOMEM, "%s", "out of memory");
		goto out;
	}
	r = ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	if (ZSTD_isError(r)) {
		err = ckpt_zres_fail(res, -EINVAL, "zstd refused the level: %s",
				ZSTD_getErrorName(r));
		goto out;
	}
	while (!err && n > 0) {
		n = ckpt_zread(in, ibuf, CKPT_ZIMG_BUF);
		if (n < 0) {
			err = ckpt_zres_io(res, n, "reading the image");
			break;
		}
		if (!n && abort && __atomic_load_n(abort, __ATOMIC_ACQUIRE)) {
			err = ckpt_zres_fail(res, -ECANCELED, "%s",
					     "the image was left unfinished");
			break;
		}
		res->in_bytes += n;
		ib = (ZSTD_inBuffer){ ibuf, n, 0 };
		do {
			ob = (ZSTD_outBuffer){ obuf, osize, 0 };
			r = ZSTD_compressStream2(cc, &ob, &ib, n ? ZSTD_e_continue :
						 ZSTD_e_end);
			if (ZSTD_isError(r)) {
				err = ckpt_zres_fail(res, -EIO, "zstd failed: %s",
						ZSTD_getErrorName(r));
				break;
			}
			err = ckpt_write_full(out, obuf, ob.pos);
			if (err) {
				ckpt_zres_io(res, err, "writing the compressed image");
				break;
			}
			res->out_bytes += ob.pos;
		} while (n ? ib.pos < ib.size : r != 0);
	}
out:
	ZSTD_freeCCtx(cc);
	free(ibuf);
	free(obuf);
	return err;
}

static void *zpump_run(void *arg)
{
	struct ckpt_zpump *p = arg;
	sigset_t pipe;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);
	if (p->inflate)
		ckpt_zstd_inflate(p->in, p->out, p->max, &p->res);
	else
		ckpt_zstd_compress(p->in, p->out, p->level, &p->abort,
				   &p->res);
	close(p->in);
	if (p->close_out)
		close(p->out);
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

int ckpt_zpump_start(struct ckpt_zpump *p)
{
	int err = pthread_create(&p->thread, NULL, zpump_run, p);

	p->started = !err;
	return -err;
}

void ckpt_zpump_abort(struct ckpt_zpump *p)
{
	__atomic_store_n(&p->abort, 1, __ATOMIC_RELEASE);
}

int ckpt_zpump_done(struct ckpt_zpump *p)
{
	return __atomic_load_n(&p->done, __ATOMIC_ACQUIRE);
}

int ckpt_zpump_join(struct ckpt_zpump *p)
{
	if (!p->started)
		return 0;
	pthread_join(p->thread, NULL);
	p->started = 0;
	return p->res.err;
}
