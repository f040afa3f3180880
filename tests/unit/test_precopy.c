// SPDX-License-Identifier: GPL-2.0
/*
 * The receiver of a live migration (tools/precopy.c): pre-copied pages
 * and a dirty-only image in, a complete image out (a tree's, each
 * process's pages named); hostile streams refused with EBADMSG before
 * anything could be restored.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "../../tools/csum.h"
#include "../../tools/image.h"
#include "../../tools/precopy.h"
#include "imgbuild.h"
#include "unit.h"

#define PG 4096U

/* A PRECOPY record of @nr pages at @addr, each filled with @fill. */
static void precopy_rec(struct ib_buf *b, uint64_t addr, uint32_t nr, int fill,
			int bad_page)
{
	struct ckpt_rec_header h = { .type = CKPT_REC_PRECOPY };
	struct ckpt_rec_pages rp = { .addr = addr, .nr_pages = nr };
	uint32_t csums[4], i;
	unsigned char page[PG];
	struct ib_buf meta = { 0 };

	memset(page, fill, sizeof(page));
	for (i = 0; i < nr; i++)
		csums[i] = precopy_page_csum(addr + i * PG, page) ^
			   (bad_page == (int)i ? 1 : 0);
	ib_buf_put(&meta, &rp, sizeof(rp));
	ib_buf_put(&meta, csums, nr * sizeof(uint32_t));
	h.len = meta.len + nr * PG;
	h.csum = ckpt_csum2(&h, sizeof(h), meta.buf, meta.len);
	ib_buf_put(b, &h, sizeof(h));
	ib_buf_put(b, meta.buf, meta.len);
	for (i = 0; i < nr; i++)
		ib_buf_put(b, page, PG);
	free(meta.buf);
}

static void rec(struct ib_buf *b, uint32_t type, const void *p, uint32_t len)
{
	struct ckpt_rec_header h = { .type = type, .len = len };

	h.csum = ckpt_csum2(&h, sizeof(h), p, len);
	ib_buf_put(b, &h, sizeof(h));
	ib_buf_put(b, p, len);
}

/*
 * The standard image made dirty-only: its first PAGES record (2 pages at
 * IB_HEAP) becomes a PRECOPY_CLEAN record, END counts one page less
 * (unless @keep_end).
 */
static void dirty_only(const struct ib_image *img, struct ib_buf *b,
		       int keep_end)
{
	size_t off = sizeof(struct ckpt_image_header);
	int first = 1;

	ib_buf_put(b, img->buf, off);
	while (off < img->len) {
		struct ckpt_rec_header h;
		unsigned char *p = img->buf + off + sizeof(h);

		memcpy(&h, img->buf + off, sizeof(h));
		if (h.type == CKPT_REC_PAGES && first) {
			struct ckpt_rec_pages rp;

			memcpy(&rp, p, sizeof(rp));
			rec(b, CKPT_REC_PRECOPY_CLEAN, &rp, sizeof(rp));
			first = 0;
		} else if (h.type == CKPT_REC_END && !keep_end) {
			struct ckpt_rec_end e;

			memcpy(&e, p, sizeof(e));
			e.nr_pages -= 2;
			rec(b, CKPT_REC_END, &e, sizeof(e));
		} else {
			ib_buf_put(b, img->buf + off, sizeof(h) + h.len);
		}
		off += sizeof(h) + h.len;
	}
}

/* Feed @in to the receiver; 0 and the merged image, or its error. */
static int receive(const struct ib_buf *in, struct ib_buf *out, char *why,
		   size_t why_len)
{
	struct precopy_rx rx = { .img_fd = -1, .res_fd = -1, .dev = -1 };
	unsigned char chunk[65536];
	int sv[2], err, st;
	pid_t w;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -errno;
	w = fork();
	if (w == 0) {
		close(sv[0]);
		signal(SIGPIPE, SIG_IGN);
		if (write(sv[1], in->buf, in->len) < 0)
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	err = precopy_receive(sv[0], &rx, why, why_len);
	if (!err) {
		while ((n = read(rx.img_fd, chunk, sizeof(chunk))) > 0)
			ib_buf_put(out, chunk, n);
		err = precopy_merged(&rx, why, why_len);
	}
	close(sv[0]);
	waitpid(w, &st, 0);
	return err;
}

static void end_precopy(struct ib_buf *b)
{
	struct ckpt_rec_header h = { .type = CKPT_REC_PRECOPY };
	struct ckpt_rec_pages rp = { 0 };

	h.len = sizeof(rp);
	h.csum = ckpt_csum2(&h, sizeof(h), &rp, sizeof(rp));
	ib_buf_put(b, &h, sizeof(h));
	ib_buf_put(b, &rp, sizeof(rp));
}

UNIT_TEST(precopy_merge)
{
	struct ib_buf in = { 0 }, out = { 0 };
	struct ib_image img;
	char why[320] = "";

	ib_build(&img, NULL);
	/* stale data first, then the pages as they are at the freeze */
	precopy_rec(&in, IB_HEAP, 2, 0x5a, -1);
	precopy_rec(&in, IB_HEAP + 0x10000, 1, 0x77, -1);
	precopy_rec(&in, IB_HEAP, 2, (int)(IB_HEAP >> 12), -1);
	end_precopy(&in);
	dirty_only(&img, &in, 0);
	CHECK_EQ(receive(&in, &out, why, sizeof(why)), 0);
	/* the merged image is the full image, byte for byte */
	CHECK_EQ(out.len, img.len);
	CHECK(!memcmp(out.buf, img.buf, img.len));
	free(in.buf);
	free(out.buf);
	ib_free(&img);
}

UNIT_TEST(precopy_refused)
{
	struct ib_buf in = { 0 }, out = { 0 };
	struct ib_image img;
	char why[320] = "";

	ib_build(&img, NULL);
	/* a clean page never pre-copied */
	precopy_rec(&in, IB_HEAP, 1, 1, -1);
	end_precopy(&in);
	dirty_only(&img, &in, 0);
	CHECK_EQ(receive(&in, &out, why, sizeof(why)), -EBADMSG);
	CHECK_STR(why, "never pre-copied");

	/* a page that does not match its checksum */
	in.len = out.len = 0;
	precopy_rec(&in, IB_HEAP, 2, 3, 1);
	end_precopy(&in);
	dirty_only(&img, &in, 0);
	CHECK_EQ(receive(&in, &out, why, sizeof(why)), -EBADMSG);
	CHECK_STR(why, "bad checksum of the page");

	/* END that does not count what came */
	in.len = out.len = 0;
	precopy_rec(&in, IB_HEAP, 2, 3, -1);
	end_precopy(&in);
	dirty_only(&img, &in, 1);
	CHECK_EQ(receive(&in, &out, why, sizeof(why)), -EBADMSG);
	CHECK_STR(why, "END record");

	/* the stream ends inside the pre-copy */
	in.len = out.len = 0;
	precopy_rec(&in, IB_HEAP, 2, 3, -1);
	in.len -= 100;
	CHECK_EQ(receive(&in, &out, why, sizeof(why)), -ENODATA);
	CHECK_STR(why, "ends early");

	/* an image record where pre-copied pages were expected */
	in.len = out.len = 0;
	dirty_only(&img, &in, 0);
	CHECK_EQ(receive(&in, &out, why, sizeof(why)), -EBADMSG);
	free(in.buf);
	free(out.buf);
	ib_free(&img);
}

/* ---- trees ---------------------------------------------------------- */

static const struct ckpt_rec_tree_task two[2] = {
	{ .pid = 100, .ppid = 1, .pgid = 100, .sid = 100 },
	{ .pid = 101, .ppid = 100, .pgid = 100, .sid = 100 },
};

/* Every page of the standard image pre-copied as @pid's, filled @fill. */
static void precopy_all(struct ib_buf *b, int32_t pid, int fill)
{
	struct ckpt_rec_precopy_task t = { .pid = pid };
	size_t off = sizeof(struct ckpt_image_header);
	struct ib_image img;

	rec(b, CKPT_REC_PRECOPY_TASK, &t, sizeof(t));
	ib_build(&img, NULL);
	while (off < img.len) {
		struct ckpt_rec_header h;
		struct ckpt_rec_pages rp;
		uint32_t k, nr;

		memcpy(&h, img.buf + off, sizeof(h));
		memcpy(&rp, img.buf + off + sizeof(h), sizeof(rp));
		for (k = 0; h.type == CKPT_REC_PAGES && k < rp.nr_pages;
		     k += nr) {
			nr = rp.nr_pages - k < 4 ? rp.nr_pages - k : 4;
			precopy_rec(b, rp.addr + (uint64_t)k * PG, nr, fill,
				    -1);
		}
		off += sizeof(h) + h.len;
	}
	ib_free(&img);
}

/* The tree's dirty-only image (every page clean) after @b's rounds. */
static void tree_image(struct ib_buf *b)
{
	struct ib_buf t;

	ib_tree(&t, two, 2, 1, 0, NULL);
	ib_buf_put(b, t.buf, t.len);
	free(t.buf);
}

/* Only @pid's pages pre-copied before the tree's image: EBADMSG's reason. */
static const char *tree_refused(int32_t pid)
{
	static char why[320];
	struct ib_buf in = { 0 }, out = { 0 };
	int err;

	precopy_all(&in, pid, 0x10);
	end_precopy(&in);
	tree_image(&in);
	err = receive(&in, &out, why, sizeof(why));
	free(in.buf);
	free(out.buf);
	return err == -EBADMSG ? why : "not refused with EBADMSG";
}

UNIT_TEST(precopy_merge_tree)
{
	struct ib_buf in = { 0 }, out = { 0 };
	struct ckpt_image img;
	char why[320] = "";
	int err, place = -1, pages = 0;

	/* named in another order than the tree's, and twice */
	precopy_all(&in, 101, 0x55);
	precopy_all(&in, 100, 0x10);
	precopy_all(&in, 101, 0x11);
	end_precopy(&in);
	tree_image(&in);
	CHECK_EQ(receive(&in, &out, why, sizeof(why)), 0);
	CHECK_STR(why, "");
	CHECK_EQ(ckpt_image_open_mem(&img, out.buf, out.len), 0);
	while ((err = ckpt_image_next(&img)) > 0) {
		const struct ckpt_rec_pages *rp = img.payload;
		const unsigned char *d = (const void *)(rp + 1);
		uint32_t i;

		CHECK(img.rec.type != CKPT_REC_PRECOPY_CLEAN);
		if (img.rec.type == CKPT_REC_TASK)
			place = ((const struct ckpt_rec_task *)
				 img.payload)->pid - 100;
		if (img.rec.type != CKPT_REC_PAGES)
			continue;
		/* each process's own pages, the last sent */
		for (i = 0; i < rp->nr_pages * PG; i += 512)
			CHECK_EQ(d[i], 0x10 + place);
		pages += rp->nr_pages;
	}
	CHECK_EQ(err, 0);
	CHECK_EQ(pages, 2 * 5);
	ckpt_image_close(&img);

	free(in.buf);
	free(out.buf);
	/* 101 never named: its clean pages are nobody's */
	CHECK_STR(tree_refused(100), "of process 101 is clean but was never pre-copied");
	/* a PRECOPY_TASK record naming no process */
	CHECK_STR(tree_refused(0), "bad PRECOPY_TASK record");
}
