// SPDX-License-Identifier: GPL-2.0
/*
 * Incremental images (tools/incr.c, precopy_merge_files()): a chain of
 * two merged into a complete image (clean pages from the parent, zeros
 * where the parent had none), the header written with the parent's name
 * relative to a shared directory, and each refusal: a parent missing
 * (ENOENT), replaced (ESTALE), a loop (ELOOP), a damaged header
 * (EBADMSG).  Trees: each process's clean pages from its own place in
 * the parent's tree, and a tree that changed refused (ESTALE).  The
 * command line: 'ckpt show' of the chain, and usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "csum.h"
#include "image.h"
#include "imgbuild.h"
#include "incr.h"
#include "precopy.h"
#include "run.h"
#include "unit.h"

#ifndef CKPT_BIN
#error "CKPT_BIN must name the ckpt binary under test"
#endif

#define BASE_TIME	1700000000123456789ULL
#define INC_TIME	1700000100000000000ULL

/* The parent: the heap's first pages hold 0xab; no page at stack - 8K. */
static void base_rec(struct ib_rec *r, void *ctx)
{
	(void)ctx;
	if (r->type == CKPT_REC_PAGES && r->nth == 0)
		memset(r->payload + sizeof(struct ckpt_rec_pages), 0xab,
		       r->len - sizeof(struct ckpt_rec_pages));
	if (r->type == CKPT_REC_PAGES && r->nth == 2)
		r->skip = 1;
}

/* The child: those two runs clean (3 pages), END counting them so. */
static void inc_rec(struct ib_rec *r, void *ctx)
{
	(void)ctx;
	if (r->type == CKPT_REC_PAGES && (r->nth == 0 || r->nth == 2)) {
		r->type = CKPT_REC_PRECOPY_CLEAN;
		r->len = sizeof(struct ckpt_rec_pages);
	}
	if (r->type == CKPT_REC_END)
		((struct ckpt_rec_end *)r->payload)->nr_pages -= 3;
}

static void inc_header(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	h->time_ns = INC_TIME;
}

static char dir[64];

static int write_at(const char *name, const void *a, size_t alen,
		    const void *b, size_t blen)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok = fd >= 0 && write(fd, a, alen) == (ssize_t)alen &&
	     (!blen || write(fd, b, blen) == (ssize_t)blen);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/*
 * In a new directory: base.img, and NAME (an incremental image of it,
 * naming PARENT) made by ckpt_incr_write_header() as ckpt does.
 */
static int make_chain(const char *name, const char *parent)
{
	struct ib_ops bops = { .rec = base_rec };
	struct ib_ops iops = { .rec = inc_rec, .header = inc_header };
	struct ib_image b, i;
	char path[128], ppath[128], why[256];
	int fd, err;

	strcpy(dir, "/tmp/ckpt-unit-incr-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	ib_build(&b, &bops);
	ib_build(&i, &iops);
	err = write_at("base.img", b.buf, b.len, NULL, 0);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(ppath, sizeof(ppath), "%s/%s", dir, parent);
	fd = err ? -1 : open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		/* the parent's identity: its header, as the image has it */
		err = ckpt_incr_write_header(fd, path, ppath,
					     (const void *)b.buf, why,
					     sizeof(why));
		if (!err && write(fd, i.buf, i.len) != (ssize_t)i.len)
			err = -1;
		close(fd);
	} else {
		err = -1;
	}
	ib_free(&b);
	ib_free(&i);
	return err;
}

static void rm_chain(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return;
}

static int open_in(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, O_RDONLY);
}

UNIT_TEST(incr_merge_chain)
{
	static const unsigned char zero[4096];
	struct ckpt_image img;
	char parent[64], why[512], path[128];
	int fd, m = -1, err, pages = 0, ab = 0, zeros = 0;
	unsigned char *p;

	CHECK(!make_chain("inc.img", "base.img"));
	snprintf(path, sizeof(path), "%s/inc.img", dir);
	fd = open_in("inc.img");
	CHECK(fd >= 0);
	err = ckpt_incr_merge(fd, path, 0, &m, parent, sizeof(parent), why,
			      sizeof(why));
	close(fd);
	CHECK_EQ(err, 1);
	CHECK(!strcmp(parent, "base.img"));	/* stored relative */
	CHECK_EQ(ckpt_image_open_fd(&img, m), 0);
	CHECK_EQ(img.hdr.time_ns, INC_TIME);
	while ((err = ckpt_image_next(&img)) > 0) {
		const struct ckpt_rec_pages *rp = img.payload;
		uint32_t i;

		CHECK(img.rec.type != CKPT_REC_PRECOPY_CLEAN);
		if (img.rec.type != CKPT_REC_PAGES)
			continue;
		p = (unsigned char *)(rp + 1);
		for (i = 0; i < rp->nr_pages; i++, pages++) {
			uint64_t a = rp->addr + i * 4096ULL;

			if (a < IB_HEAP + 0x2000) {
				CHECK_EQ(p[i * 4096], 0xab);
				ab++;
			} else if (a == IB_STACK_END - 0x2000) {
				CHECK(!memcmp(p + i * 4096, zero, 4096));
				zeros++;
			}
		}
	}
	CHECK_EQ(err, 0);	/* END: its counts recounted */
	CHECK_EQ(pages, 5);
	CHECK_EQ(ab, 2);
	CHECK_EQ(zeros, 1);
	ckpt_image_close(&img);
	close(m);
	rm_chain();
}

static int merge_err(const char *name, char *why, size_t len)
{
	int fd = open_in(name), m = -1, err;
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (fd < 0)
		return -1000;
	err = ckpt_incr_merge(fd, path, 0, &m, NULL, 0, why, len);
	close(fd);
	if (m >= 0)
		close(m);
	return err;
}

UNIT_TEST(incr_broken_chains)
{
	struct ib_image o;
	char why[512], path[128], away[128];
	int fd;

	/* the parent gone */
	CHECK(!make_chain("inc.img", "base.img"));
	snprintf(path, sizeof(path), "%s/base.img", dir);
	snprintf(away, sizeof(away), "%s/base.away", dir);
	CHECK(!rename(path, away));
	CHECK_EQ(merge_err("inc.img", why, sizeof(why)), -ENOENT);
	CHECK_STR(why, "its parent image: cannot open ");
	CHECK_STR(why, "base.img");
	/* another image (another checkpoint: its time) in its place */
	ib_build(&o, &(struct ib_ops){ .header = inc_header });
	CHECK(!write_at("base.img", o.buf, o.len, NULL, 0));
	ib_free(&o);
	CHECK_EQ(merge_err("inc.img", why, sizeof(why)), -ESTALE);
	CHECK_STR(why, "is not the one it was taken against");

	/* a byte of the header changed */
	fd = open_in("inc.img");
	CHECK(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/inc.img", dir);
	fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ(pwrite(fd, "X", 1, sizeof(struct ckpt_incr_header) + 1), 1);
	close(fd);
	CHECK_EQ(merge_err("inc.img", why, sizeof(why)), -EBADMSG);
	CHECK_STR(why, "bad header");
	rm_chain();
	/* its own parent: a loop */
	CHECK(!make_chain("base.img", "base.img"));
	CHECK_EQ(merge_err("base.img", why, sizeof(why)), -ELOOP);
	CHECK_STR(why, "more than 64 incremental images in a chain");
	rm_chain();
}

/* inc2.img on inc.img on base.img: two links, each checked. */
UNIT_TEST(incr_chain_of_two)
{
	struct ib_ops iops = { .rec = inc_rec, .header = inc_header };
	struct ckpt_image_header ih;
	struct ckpt_incr_header h;
	struct ckpt_image img;
	struct ib_image i;
	char path[128], ppath[128], why[512], link[128];
	int fd, m = -1, err, ab = 0;

	CHECK(!make_chain("inc.img", "base.img"));
	snprintf(ppath, sizeof(ppath), "%s/inc.img", dir);
	/* inc.img's own image header: after its header and path */
	fd = open(ppath, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, &h, sizeof(h)), sizeof(h));
	CHECK_EQ(pread(fd, &ih, sizeof(ih), sizeof(h) + h.path_len),
		 sizeof(ih));
	close(fd);
	snprintf(path, sizeof(path), "%s/inc2.img", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK_EQ(ckpt_incr_write_header(fd, path, ppath, &ih, why,
					sizeof(why)), 0);
	ib_build(&i, &iops);
	CHECK_EQ(write(fd, i.buf, i.len), (ssize_t)i.len);
	ib_free(&i);
	close(fd);
	CHECK_EQ(ckpt_incr_depth(path, NULL, why, sizeof(why)), 2);
	CHECK_EQ(ckpt_incr_depth(path, ppath, why, sizeof(why)), -EINVAL);
	CHECK_EQ(ckpt_incr_depth(ppath, NULL, why, sizeof(why)), 1);
	/* through a link elsewhere: the parent is beside the target */
	snprintf(link, sizeof(link), "%s.link", dir);
	CHECK(!symlink(ppath, link));
	CHECK_EQ(ckpt_incr_depth(link, NULL, why, sizeof(why)), 1);
	unlink(link);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	err = ckpt_incr_merge(fd, path, 0, &m, NULL, 0, why, sizeof(why));
	close(fd);
	CHECK_EQ(err, 1);
	CHECK_EQ(ckpt_image_open_fd(&img, m), 0);
	while ((err = ckpt_image_next(&img)) > 0) {
		const struct ckpt_rec_pages *rp = img.payload;

		if (img.rec.type == CKPT_REC_PAGES && rp->addr == IB_HEAP &&
		    ((const unsigned char *)(rp + 1))[0] == 0xab)
			ab++;
	}
	CHECK_EQ(err, 0);
	CHECK_EQ(ab, 1);	/* base's data, through two clean links */
	ckpt_image_close(&img);
	close(m);
	rm_chain();
}

UNIT_TEST(cli_show_incremental)
{
	char path[128];
	struct run *r;

	CHECK(!make_chain("inc.img", "base.img"));
	snprintf(path, sizeof(path), "%s/inc.img", dir);
	r = unit_run(NULL, (char *[]){ CKPT_BIN, "show", path, NULL }, NULL);
	CHECK_EQ(r->status, 0);
	CHECK(!strncmp(r->out, "incremental image of parent base.img, shown merged with its chain\n",
		       66));
	CHECK_STR(r->out, "records before it, 5 pages");
	rm_chain();
	r = unit_run(NULL, (char *[]){ CKPT_BIN, "--track", "--kill", "1",
		     NULL }, NULL);
	CHECK_EQ(r->status, 2);
	CHECK_STR(r->err, "--track and --kill exclude each other");
}

/* ---- trees ---------------------------------------------------------- */

/* root 100, its children 101 (a zombie) and 102, 102's child 103 */
static const struct ckpt_rec_tree_task tree4[4] = {
	{ .pid = 100, .ppid = 1, .pgid = 100, .sid = 100 },
	{ .pid = 101, .ppid = 100, .pgid = 100, .sid = 100,
	  .flags = CKPT_TREE_ZOMBIE },
	{ .pid = 102, .ppid = 100, .pgid = 100, .sid = 100 },
	{ .pid = 103, .ppid = 102, .pgid = 100, .sid = 100 },
};

static int memfd_of(const struct ib_buf *t)
{
	int fd = memfd_create("ckpt-unit", MFD_CLOEXEC);

	if (fd >= 0 && write(fd, t->buf, t->len) != (ssize_t)t->len) {
		close(fd);
		return -1;
	}
	if (fd >= 0)
		lseek(fd, 0, SEEK_SET);
	return fd;
}

/*
 * The incremental image of @in_tt merged with the parent of @p_tt; the
 * SHARES vm_pid of each place in them: @p_vm, @in_vm (NULL: none).
 */
static int tree_merge_vm(const struct ckpt_rec_tree_task *p_tt, uint32_t pn,
			 const int32_t *p_vm,
			 const struct ckpt_rec_tree_task *in_tt, uint32_t n,
			 const int32_t *in_vm, int *out, char *why,
			 size_t why_len)
{
	struct ib_buf p, i;
	int pfd, ifd, err = -1000;

	ib_tree(&p, p_tt, pn, 0, BASE_TIME, p_vm);
	ib_tree(&i, in_tt, n, 1, INC_TIME, in_vm);
	pfd = memfd_of(&p);
	ifd = memfd_of(&i);
	*out = memfd_create("ckpt-unit-out", MFD_CLOEXEC);
	if (pfd >= 0 && ifd >= 0 && *out >= 0)
		err = precopy_merge_files(pfd, ifd, *out, 1ULL << 30, why,
					  why_len);
	if (pfd >= 0)
		close(pfd);
	if (ifd >= 0)
		close(ifd);
	free(p.buf);
	free(i.buf);
	return err;
}

static int tree_merge(const struct ckpt_rec_tree_task *p_tt, uint32_t pn,
		      const struct ckpt_rec_tree_task *in_tt, uint32_t n,
		      int *out, char *why, size_t why_len)
{
	return tree_merge_vm(p_tt, pn, NULL, in_tt, n, NULL, out, why,
			     why_len);
}

UNIT_TEST(incr_merge_tree)
{
	char why[512] = "";
	struct ckpt_image img;
	int m, err, place = -1, pages = 0, tasks = 0, ends = 0;

	err = tree_merge(tree4, 4, tree4, 4, &m, why, sizeof(why));
	CHECK_EQ(err, 0);
	CHECK_STR(why, "");
	lseek(m, 0, SEEK_SET);
	CHECK_EQ(ckpt_image_open_fd(&img, m), 0);
	while ((err = ckpt_image_next(&img)) > 0) {
		const struct ckpt_rec_pages *rp = img.payload;
		const unsigned char *d = (const void *)(rp + 1);
		uint32_t i;

		CHECK(img.rec.type != CKPT_REC_PRECOPY_CLEAN);
		if (img.rec.type == CKPT_REC_TASK) {
			int32_t pid = ((const struct ckpt_rec_task *)
				       img.payload)->pid;

			for (place = 0; place < 4 && tree4[place].pid != pid;
			     place++)
				;
			tasks++;
		}
		ends += img.rec.type == CKPT_REC_END;
		if (img.rec.type != CKPT_REC_PAGES)
			continue;
		/* each process's own pages, from its own place */
		for (i = 0; i < rp->nr_pages * 4096; i += 512)
			CHECK_EQ(d[i], 0x10 + place);
		pages += rp->nr_pages;
	}
	CHECK_EQ(err, 0);	/* every END recounted */
	CHECK_EQ(tasks, 3);
	CHECK_EQ(ends, 3);
	CHECK_EQ(pages, 3 * 5);
	ckpt_image_close(&img);
	close(m);
}

UNIT_TEST(incr_merge_tree_changed)
{
	struct ckpt_rec_tree_task tt[4];
	char why[512];
	int m, err;

	/* 103 replaced by 104 */
	memcpy(tt, tree4, sizeof(tt));
	tt[3].pid = 104;
	err = tree_merge(tree4, 4, tt, 4, &m, why, sizeof(why));
	close(m);
	CHECK_EQ(err, -ESTALE);
	CHECK_STR(why, "process 104 is at place 3 of its tree, process 103 in its parent image");
	/* 102 exited since */
	memcpy(tt, tree4, sizeof(tt));
	tt[2].flags = CKPT_TREE_ZOMBIE;
	tt[3].ppid = 100;
	err = tree_merge(tree4, 4, tt, 4, &m, why, sizeof(why));
	close(m);
	CHECK_EQ(err, -ESTALE);
	CHECK_STR(why, "process 102 (a zombie) is at place 2");
	/* one process fewer; a process where there was a tree */
	err = tree_merge(tree4, 4, tree4, 3, &m, why, sizeof(why));
	close(m);
	CHECK_EQ(err, -ESTALE);
	CHECK_STR(why, "of 3 processes, its parent image of 4");
	err = tree_merge(tree4, 4, tree4, 1, &m, why, sizeof(why));
	close(m);
	CHECK_EQ(err, -ESTALE);
	/* the same processes in another order (102 and 103 swapped) */
	memcpy(tt, tree4, sizeof(tt));
	tt[2].pid = 103;
	tt[3].pid = 102;
	tt[3].ppid = 103;
	tt[2].ppid = 100;
	err = tree_merge(tt, 4, tree4, 4, &m, why, sizeof(why));
	close(m);
	CHECK_EQ(err, -ESTALE);
	CHECK_STR(why, "process 102 is at place 2 of its tree, process 103 in its parent image");
}

/* Pages are keyed by the place of the process saving an address space. */
UNIT_TEST(incr_merge_tree_vm)
{
	static const int32_t shared[4] = { 0, 0, 0, 102 };
	char why[512];
	int m, err;

	/* 103 on 102's address space in both: merged */
	err = tree_merge_vm(tree4, 4, shared, tree4, 4, shared, &m, why,
			    sizeof(why));
	close(m);
	CHECK_EQ(err, 0);
	/* 102 exec'd since: 103 alone on the old one */
	err = tree_merge_vm(tree4, 4, shared, tree4, 4, NULL, &m, why,
			    sizeof(why));
	close(m);
	CHECK_EQ(err, -ESTALE);
	CHECK_STR(why, "process 103 uses its own address space, the address space of process 102 in its parent image");
	err = tree_merge_vm(tree4, 4, NULL, tree4, 4, shared, &m, why,
			    sizeof(why));
	close(m);
	CHECK_EQ(err, -ESTALE);
}
