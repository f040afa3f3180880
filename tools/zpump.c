// SPDX-License-Identifier: GPL-2.0
/*
 * Compressing images, and the coder on a thread (zimg.h): ckpt's alone,
 * so that restart links only zstd's decoder.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include "util.h"
#include "zimg.h"

int ckpt_zstd_compress(int in, int out, int level, struct ckpt_zres *res)
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

	if (p->inflate)
		ckpt_zstd_inflate(p->in, p->prefix, p->plen, p->out, p->max,
				  &p->res);
	else
		ckpt_zstd_compress(p->in, p->out, p->level, &p->res);
	close(p->in);
	if (p->close_out)
		close(p->out);
	return NULL;
}

int ckpt_zpump_start(struct ckpt_zpump *p)
{
	int err = pthread_create(&p->thread, NULL, zpump_run, p);

	p->started = !err;
	return -err;
}

int ckpt_zpump_join(struct ckpt_zpump *p)
{
	if (!p->started)
		return 0;
	pthread_join(p->thread, NULL);
	p->started = 0;
	return p->res.err;
}
