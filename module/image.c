// SPDX-License-Identifier: GPL-2.0
/*
 * The image stream: a header, then typed, length-prefixed records, each
 * with a checksum (the low 32 bits of XXH64) over its header (csum = 0)
 * and payload.
 *
 * Writing and reading are strictly sequential so the fd may be a pipe or
 * a socket.  The reader fetches every metadata byte once into kernel
 * memory and checks lengths against per-type bounds before reading a
 * payload.  Page data is not bounced through a buffer: PAGES records are
 * written straight from the target's pinned pages and read straight into
 * the restored process's pinned pages (an iov_iter over their bio_vecs),
 * and their checksum is verified on the data as it landed.
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/bvec.h>
#include <linux/highmem.h>
#include <linux/uio.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>
#include <linux/timekeeping.h>
#include <linux/sched/signal.h>
#include <linux/moduleparam.h>
#include <linux/workqueue.h>
#include "ckpt.h"

static bool dump_hash_aside = true;
module_param(dump_hash_aside, bool, 0644);
MODULE_PARM_DESC(dump_hash_aside,
		 "hash a checkpoint's PAGES records of 64 KiB or more on another CPU while they are written to a regular file");

/*
 * The smallest record hashed aside: handing it to another CPU, waiting for
 * it and writing the checksum after cost less than hashing 64 KiB (under
 * TCG: a sparse process's 256 records of 64 KiB, 78 ms hashed in line,
 * 70 ms aside).
 */
#define CKPT_ASIDE_MIN_PAGES	16

/*
 * The checksum of a PAGES record's data, computed on another CPU while the
 * record is written (ckpt_write_pages()).
 */
struct ckpt_csum_aside {
	struct work_struct work;
	struct xxh64_state s;		/* the header's, then the pages' */
	struct page **pages;
	unsigned int nr;
};

/* Metadata records only: page data never goes through a buffer. */
#define CKPT_REC_BUF	(sizeof(struct ckpt_rec_header) + CKPT_REC_MAX_META)
#define CKPT_READ_AHEAD	(64 << 10)	/* of a file image's metadata */

/* The csum of @a then @b: the low 32 bits of their XXH64, seed 0. */
u32 ckpt_csum2(const void *a, size_t alen, const void *b, size_t blen)
{
	struct xxh64_state s;

	xxh64_reset(&s, 0);
	xxh64_update(&s, a, alen);
	if (blen)
		xxh64_update(&s, b, blen);
	return (u32)xxh64_digest(&s);
}

static void ckpt_csum_pages(struct xxh64_state *s, struct page **pages,
			    unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		void *k = kmap_local_page(pages[i]);

		xxh64_update(s, k, PAGE_SIZE);
		kunmap_local(k);
	}
}

/* @bv over the whole of each of @nr @pages. */
static void ckpt_bvec_pages(struct bio_vec *bv, struct page **pages,
			    unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		bv[i].bv_page = pages[i];
		bv[i].bv_offset = 0;
		bv[i].bv_len = PAGE_SIZE;
	}
}

/* Start a PAGES record's checksum: its header (csum 0), then @rp. */
static void ckpt_pages_csum_start(struct xxh64_state *s,
				  const struct ckpt_rec_header *hdr,
				  const struct ckpt_rec_pages *rp)
{
	struct ckpt_rec_header h = *hdr;

	h.csum = 0;
	xxh64_reset(s, 0);
	xxh64_update(s, &h, sizeof(h));
	xxh64_update(s, rp, sizeof(*rp));
}

/* A PAGES record's header and struct ckpt_rec_pages, as in the stream. */
struct ckpt_pages_head {
	struct ckpt_rec_header h;
	struct ckpt_rec_pages rp;
};

static void ckpt_stream_init(struct file *file, loff_t *pos, bool *stream)
{
	*stream = (file->f_mode & FMODE_STREAM) ||
		  !(file->f_mode & (FMODE_PREAD | FMODE_PWRITE));
	*pos = *stream ? 0 : file->f_pos;
}

int ckpt_out_init(struct ckpt_out *out, struct file *file)
{
	memset(out, 0, sizeof(*out));
	out->buf = kvmalloc(CKPT_REC_BUF, GFP_KERNEL);
	out->head = kmalloc(sizeof(struct ckpt_pages_head), GFP_KERNEL);
	out->bvec = kmalloc_array(CKPT_PAGES_MAX + 1, sizeof(*out->bvec),
				  GFP_KERNEL);
	if (!out->buf || !out->head || !out->bvec) {
		ckpt_out_destroy(out);
		return -ENOMEM;
	}
	out->buf_size = CKPT_REC_BUF;
	out->file = file;
	ckpt_stream_init(file, &out->pos, &out->stream);
	return 0;
}

void ckpt_out_destroy(struct ckpt_out *out)
{
	kfree(out->aside);		/* never queued by now */
	out->aside = NULL;
	kvfree(out->buf);
	out->buf = NULL;
	kfree(out->head);
	out->head = NULL;
	kfree(out->bvec);
	out->bvec = NULL;
}

/* What a write to the image returned: bytes written, or the error. */
static ssize_t ckpt_written(struct ckpt_out *out, ssize_t n)
{
	if (n > 0)
		return n;
	out->failed = true;
	if (n == -ERESTARTSYS)
		return -EINTR;
	return n ? n : -EIO;
}

static int ckpt_write_all(struct ckpt_out *out, const void *p, size_t len)
{
	while (len) {
		ssize_t n = ckpt_written(out, kernel_write(out->file, p, len,
					 out->stream ? NULL : &out->pos));

		if (n < 0)
			return n;
		p += n;
		len -= n;
		out->written += n;
		if (len && fatal_signal_pending(current))
			return -EINTR;
	}
	if (!out->stream)
		out->file->f_pos = out->pos;
	return 0;
}

int ckpt_write_header(struct ckpt_out *out, u64 xfeatures, u32 xstate_size,
		      u32 nr_tasks)
{
	struct ckpt_image_header h;

	memset(&h, 0, sizeof(h));
	h.magic = CKPT_IMAGE_MAGIC;
	h.version = CKPT_IMAGE_VERSION;
	h.header_size = sizeof(h);
	h.arch = CKPT_ARCH_X86_64;
	h.page_size = PAGE_SIZE;
	h.xfeatures = xfeatures;
	h.xstate_size = xstate_size;
	h.nr_tasks = nr_tasks;
	h.flags = out->hdr_flags;
	h.time_ns = ktime_get_real_ns();
	strscpy(h.release, init_utsname()->release, sizeof(h.release));
	strscpy(h.build, init_utsname()->version, sizeof(h.build));
	h.csum = ckpt_csum2(&h, sizeof(h), NULL, 0);
	out->hdr_time_ns = h.time_ns;
	out->hdr_csum = h.csum;
	return ckpt_write_all(out, &h, sizeof(h));
}

void *ckpt_rec_payload(struct ckpt_out *out)
{
	return out->buf + sizeof(struct ckpt_rec_header);
}

/* Write the record whose payload already sits at ckpt_rec_payload(). */
int ckpt_write_payload(struct ckpt_out *out, u32 type, size_t len)
{
	struct ckpt_rec_header *h = out->buf;
	size_t total = sizeof(*h) + len;

	if (WARN_ON_ONCE(total > out->buf_size))
		return -EOVERFLOW;
	h->type = type;
	h->flags = 0;
	h->len = len;
	h->csum = 0;
	h->csum = ckpt_csum2(out->buf, total, NULL, 0);
	out->nr_records++;
	return ckpt_write_all(out, out->buf, total);
}

/*
 * Write @len bytes of @buf as records of @type, each @head (@head_len
 * bytes) and a piece of at most @chunk bytes.
 */
int ckpt_write_pieces(struct ckpt_out *out, u32 type, const void *head,
		      size_t head_len, const void *buf, size_t len,
		      size_t chunk)
{
	size_t off, n;
	int err = 0;

	for (off = 0; off < len && !err; off += n) {
		n = min(len - off, chunk);
		err = ckpt_write_rec2(out, type, head, head_len, buf + off, n);
	}
	return err;
}

/*
 * Write @f's contents as records of @type: each a 16-byte head laid out
 * as struct ckpt_rec_shmdata (@id, then the piece's offset; for SYSVDATA
 * an id of 32 bits and a zero reserved field, the same bytes) and a piece
 * of at most @chunk bytes.  Pieces of zeros are left out (a hole, or
 * zeros: they read back as such).  Read through a file of our own: the
 * process's may be write-only.
 */
int ckpt_write_file_data(struct ckpt_out *out, u32 type, u64 id,
			 struct file *f, size_t chunk)
{
	struct ckpt_rec_shmdata *sd = ckpt_rec_payload(out);
	void *buf = sd + 1;
	loff_t size = i_size_read(file_inode(f)), pos = 0;
	struct file *rf;
	int err = 0;

	BUILD_BUG_ON(sizeof(struct ckpt_rec_ghostdata) != sizeof(*sd) ||
		     sizeof(struct ckpt_rec_sysvdata) != sizeof(*sd) ||
		     offsetof(struct ckpt_rec_ghostdata, offset) !=
		     offsetof(struct ckpt_rec_shmdata, offset) ||
		     offsetof(struct ckpt_rec_sysvdata, offset) !=
		     offsetof(struct ckpt_rec_shmdata, offset));
	if (WARN_ON_ONCE(sizeof(*sd) + chunk > CKPT_REC_MAX_META))
		return -EINVAL;
	rf = dentry_open(&f->f_path, O_RDONLY | O_LARGEFILE, current_cred());
	if (IS_ERR(rf))
		return PTR_ERR(rf);
	while (pos < size && !err) {
		loff_t at = pos;
		ssize_t n = kernel_read(rf, buf, min_t(loff_t, size - pos,
						       chunk), &pos);

		if (n <= 0) {
			err = n;	/* 0: it shrank meanwhile */
			break;
		}
		if (!memchr_inv(buf, 0, n))
			continue;
		sd->id = id;
		sd->offset = at;
		err = ckpt_write_payload(out, type, sizeof(*sd) + n);
		if (!err && fatal_signal_pending(current))
			err = -EINTR;
	}
	fput(rf);
	return err;
}

int ckpt_write_rec2(struct ckpt_out *out, u32 type, const void *data,
		    size_t len, const void *tail, size_t tail_len)
{
	void *p = ckpt_rec_payload(out);

	if (len + tail_len > CKPT_REC_MAX_META)
		return -E2BIG;
	memcpy(p, data, len);
	if (tail_len)
		memcpy(p + len, tail, tail_len);
	return ckpt_write_payload(out, type, len + tail_len);
}

int ckpt_write_rec(struct ckpt_out *out, u32 type, const void *data,
		   size_t len)
{
	return ckpt_write_rec2(out, type, data, len, NULL, 0);
}

int ckpt_write_end(struct ckpt_out *out)
{
	struct ckpt_rec_end end = {
		.nr_records = out->nr_records,
		.nr_pages = out->nr_pages,
	};

	return ckpt_write_rec(out, CKPT_REC_END, &end, sizeof(end));
}

/* Write all of @it (page data, not copied first); like ckpt_write_all(). */
static int ckpt_write_iter(struct ckpt_out *out, struct iov_iter *it)
{
	struct file *file = out->file;

	while (iov_iter_count(it)) {
		ssize_t n;

		file_start_write(file);
		n = vfs_iter_write(file, it, out->stream ? NULL : &out->pos, 0);
		file_end_write(file);
		n = ckpt_written(out, n);
		if (n < 0)
			return n;
		out->written += n;
		if (iov_iter_count(it) && fatal_signal_pending(current))
			return -EINTR;
	}
	if (!out->stream)
		file->f_pos = out->pos;
	return 0;
}

static void ckpt_csum_aside_work(struct work_struct *work)
{
	struct ckpt_csum_aside *a = container_of(work, struct ckpt_csum_aside,
						 work);

	ckpt_csum_pages(&a->s, a->pages, a->nr);
}

/*
 * Where a PAGES record's data may be hashed on another CPU while it
 * is written (and the checksum written into its header after): a regular
 * file written by position (not O_APPEND, which would append the
 * checksum; nor O_DIRECT), with a CPU to spare in the task's mask, for
 * a task in the CPU controller's root (the worker's CPU time is charged
 * there, not to the task's cgroup: ckpt_other_cpu()).  The CPU, or -1.
 */
static int ckpt_csum_aside_cpu(struct ckpt_out *out, unsigned int nr)
{
	struct file *file = out->file;

	if (nr < CKPT_ASIDE_MIN_PAGES || !READ_ONCE(dump_hash_aside) ||
	    out->stream || !S_ISREG(file_inode(file)->i_mode) ||
	    !(file->f_mode & FMODE_PWRITE) ||
	    (file->f_flags & (O_APPEND | O_DIRECT)) ||
	    !file->f_op->write_iter)
		return -1;
	if (!out->aside) {
		out->aside = kzalloc(sizeof(*out->aside), GFP_KERNEL);
		if (!out->aside)
			return -1;
		INIT_WORK(&out->aside->work, ckpt_csum_aside_work);
	}
	return ckpt_other_cpu();
}

/* The PAGES record in out->head and its @nr @pages, as one iterator. */
static void ckpt_pages_iter(struct ckpt_out *out, struct iov_iter *it,
			    struct page **pages, unsigned int nr)
{
	struct ckpt_pages_head *hd = out->head;

	/* kmalloc()ed and smaller than its size class: one page. */
	out->bvec[0].bv_page = virt_to_page(hd);
	out->bvec[0].bv_offset = offset_in_page(hd);
	out->bvec[0].bv_len = sizeof(*hd);
	ckpt_bvec_pages(out->bvec + 1, pages, nr);
	iov_iter_bvec(it, ITER_SOURCE, out->bvec, nr + 1,
		      sizeof(*hd) + (size_t)nr * PAGE_SIZE);
}

/*
 * Write @len bytes at @pos, not moving the stream on (a checksum).  They
 * must land there: O_APPEND set meanwhile through another descriptor of
 * the same open file would put them at the end (-EIO, not a bad image).
 */
static int ckpt_write_at(struct ckpt_out *out, const void *p, size_t len,
			 loff_t pos)
{
	while (len) {
		loff_t at = pos;
		ssize_t n = kernel_write(out->file, p, len, &pos);

		if (n > 0 && pos != at + n)
			n = -EIO;
		n = ckpt_written(out, n);
		if (n < 0)
			return n;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * The PAGES record in out->head, its checksum state @s so far (the header),
 * hashed on @cpu while it is written; then the checksum into its header.
 */
static int ckpt_write_pages_aside(struct ckpt_out *out,
				  const struct xxh64_state *s,
				  struct page **pages, unsigned int nr,
				  int cpu)
{
	struct ckpt_csum_aside *a = out->aside;
	loff_t at = out->pos + offsetof(struct ckpt_rec_header, csum);
	struct iov_iter it;
	u32 csum;
	int err;

	a->s = *s;
	a->pages = pages;
	a->nr = nr;
	ckpt_work_on(cpu, &a->work);
	ckpt_pages_iter(out, &it, pages, nr);
	err = ckpt_write_iter(out, &it);
	/*
	 * The pages are the caller's again only once the work is done; work
	 * not started yet (its CPU busy) is done here.
	 */
	if (cancel_work_sync(&a->work))
		ckpt_csum_pages(&a->s, pages, nr);
	if (err)
		return err;
	out->nr_aside++;
	csum = (u32)xxh64_digest(&a->s);
	return ckpt_write_at(out, &csum, sizeof(csum), at);
}

/*
 * Write a PAGES record for @nr (1..CKPT_PAGES_MAX) pages at @addr whose
 * contents are @pages (held by the caller and not written to meanwhile).
 * The data goes from the pages to the file in one vfs_iter_write() of
 * bio_vecs where the file has ->write_iter, page by page otherwise.  A
 * record of 64 KiB or more to a regular file is hashed on another CPU
 * meanwhile, its checksum written into its header once both are done:
 * the copy and the hash, each a pass over the data, go side by side.
 */
int ckpt_write_pages(struct ckpt_out *out, u64 addr, struct page **pages,
		     unsigned int nr)
{
	struct ckpt_pages_head *hd = out->head;
	size_t total = sizeof(*hd) + (size_t)nr * PAGE_SIZE;
	struct xxh64_state s;
	unsigned int i;
	int err, cpu;

	if (WARN_ON_ONCE(!nr || nr > CKPT_PAGES_MAX))
		return -EOVERFLOW;
	memset(hd, 0, sizeof(*hd));
	hd->h.type = CKPT_REC_PAGES;
	hd->h.len = total - sizeof(hd->h);
	hd->rp.addr = addr;
	hd->rp.nr_pages = nr;
	xxh64_reset(&s, 0);
	xxh64_update(&s, hd, sizeof(*hd));
	out->nr_records++;
	out->nr_pages += nr;
	cpu = ckpt_csum_aside_cpu(out, nr);
	if (cpu >= 0)
		return ckpt_write_pages_aside(out, &s, pages, nr, cpu);
	ckpt_csum_pages(&s, pages, nr);
	hd->h.csum = (u32)xxh64_digest(&s);
	if (out->file->f_op->write_iter) {
		struct iov_iter it;

		ckpt_pages_iter(out, &it, pages, nr);
		return ckpt_write_iter(out, &it);
	}
	err = ckpt_write_all(out, hd, sizeof(*hd));
	for (i = 0; !err && i < nr; i++) {
		void *k = kmap_local_page(pages[i]);

		err = ckpt_write_all(out, k, PAGE_SIZE);
		kunmap_local(k);
	}
	return err;
}

int ckpt_in_init(struct ckpt_in *in, struct file *file)
{
	memset(in, 0, sizeof(*in));
	in->buf = kvmalloc(CKPT_REC_BUF, GFP_KERNEL_ACCOUNT);
	in->bvec = kmalloc_array(CKPT_PAGES_MAX, sizeof(*in->bvec),
				 GFP_KERNEL);
	if (!in->buf || !in->bvec) {
		ckpt_in_destroy(in);
		return -ENOMEM;
	}
	in->buf_size = CKPT_REC_BUF;
	in->file = file;
	ckpt_stream_init(file, &in->pos, &in->stream);
	/*
	 * A file is read ahead while its metadata is: one read for many small
	 * records instead of two for each.  A stream is not: what follows
	 * the image (a migration's trailer) must stay unread.
	 */
	if (!in->stream)
		in->ra = kvmalloc(CKPT_READ_AHEAD, GFP_KERNEL);
	return 0;
}

void ckpt_in_destroy(struct ckpt_in *in)
{
	kvfree(in->ra);
	in->ra = NULL;
	kvfree(in->buf);
	in->buf = NULL;
	kfree(in->bvec);
	in->bvec = NULL;
}

/* The file position is where the image was consumed up to. */
static void ckpt_in_sync_pos(struct ckpt_in *in)
{
	if (!in->stream)
		in->file->f_pos = in->pos - (in->ra_len - in->ra_off);
}

/* Refill the read-ahead buffer; an empty one at the end of the file. */
static int ckpt_ra_fill(struct ckpt_in *in)
{
	ssize_t n = kernel_read(in->file, in->ra, CKPT_READ_AHEAD, &in->pos);

	if (n < 0)
		return n == -ERESTARTSYS ? -EINTR : n;
	in->ra_len = n;
	in->ra_off = 0;
	return 0;
}

/* Read exactly len bytes; a short stream is -ENODATA. */
static int ckpt_read_all(struct ckpt_in *in, void *p, size_t len)
{
	int err;

	while (len) {
		ssize_t n;

		if (in->ra && in->ra_off == in->ra_len &&
		    len < CKPT_READ_AHEAD) {
			err = ckpt_ra_fill(in);
			if (err)
				return err;
		}
		if (in->ra_off < in->ra_len) {
			n = min_t(size_t, len, in->ra_len - in->ra_off);
			memcpy(p, in->ra + in->ra_off, n);
			in->ra_off += n;
		} else {
			n = kernel_read(in->file, p, len,
					in->stream ? NULL : &in->pos);
			if (n < 0)
				return n == -ERESTARTSYS ? -EINTR : n;
			if (n == 0)
				return -ENODATA;
		}
		p += n;
		len -= n;
		in->offset += n;
		if (len && fatal_signal_pending(current))
			return -EINTR;
	}
	ckpt_in_sync_pos(in);
	return 0;
}

int ckpt_read_header(struct ckpt_in *in, struct ckpt_image_header *h)
{
	u32 csum;
	int err;

	err = ckpt_read_all(in, h, sizeof(*h));
	if (err)
		return err;
	if (h->magic != CKPT_IMAGE_MAGIC)
		return -ENOEXEC;
	if (h->version != CKPT_IMAGE_VERSION ||
	    h->header_size != sizeof(*h))
		return -EPROTO;
	csum = h->csum;
	h->csum = 0;
	if (ckpt_csum2(h, sizeof(*h), NULL, 0) != csum)
		return -EBADMSG;
	h->csum = csum;
	if ((h->flags & ~CKPT_IMAGE_FLAGS) || h->reserved)
		return -EBADMSG;
	return 0;
}

static u32 ckpt_rec_max_len(u32 type)
{
	if (type == CKPT_REC_PAGES)
		return sizeof(struct ckpt_rec_pages) +
		       CKPT_PAGES_MAX * PAGE_SIZE;
	return CKPT_REC_MAX_META;
}

/* Read the next record's header (once) and check its type and length. */
int ckpt_peek_rec(struct ckpt_in *in, struct ckpt_rec_header *hdr)
{
	int err;

	if (!in->have_hdr) {
		in->rec_offset = in->offset;
		err = ckpt_read_all(in, &in->hdr, sizeof(in->hdr));
		if (err)
			return err;
		in->have_hdr = true;
	}
	/* Checked at every call: a bad header stays bad. */
	if (in->hdr.type == 0 || in->hdr.type > CKPT_REC_MAX ||
	    in->hdr.flags || in->hdr.len > ckpt_rec_max_len(in->hdr.type))
		return -EBADMSG;
	*hdr = in->hdr;
	return 0;
}

/*
 * Read the payload of the record whose header ckpt_peek_rec() returned
 * and verify its checksum.  *payload points into in->buf until the next
 * call.
 */
int ckpt_read_rec(struct ckpt_in *in, void **payload, u32 *len)
{
	struct ckpt_rec_header h;
	u32 csum;
	int err;

	err = ckpt_peek_rec(in, &h);
	if (err)
		return err;
	/* Page data is read by ckpt_read_pages_head() and _data(). */
	if (h.type == CKPT_REC_PAGES)
		return -EBADMSG;
	err = ckpt_read_all(in, in->buf, h.len);
	if (err)
		return err;
	in->have_hdr = false;
	csum = h.csum;
	h.csum = 0;
	if (ckpt_csum2(&h, sizeof(h), in->buf, h.len) != csum)
		return -EBADMSG;
	in->nr_records++;
	*payload = in->buf;
	*len = h.len;
	return 0;
}

/*
 * Start reading the PAGES record whose header ckpt_peek_rec() returned:
 * its struct ckpt_rec_pages into @rp, unchecked but for the length, which
 * must be that struct and whole pages.  The data follows with
 * ckpt_read_pages_data(); the record is not verified until that is done.
 */
int ckpt_read_pages_head(struct ckpt_in *in, struct ckpt_rec_pages *rp)
{
	struct ckpt_rec_header h;
	int err;

	err = ckpt_peek_rec(in, &h);
	if (err)
		return err;
	if (h.type != CKPT_REC_PAGES || h.len < sizeof(*rp) ||
	    (h.len - sizeof(*rp)) % PAGE_SIZE)
		return -EBADMSG;
	err = ckpt_read_all(in, rp, sizeof(*rp));
	if (err)
		return err;
	in->have_hdr = false;
	ckpt_pages_csum_start(&in->csum, &h, rp);
	in->pages_left = (h.len - sizeof(*rp)) / PAGE_SIZE;
	in->pages_csum = in->hdr.csum;
	return 0;
}

/*
 * Can PAGES data be left where it is and read later by position?  A
 * seekable file with read_iter, once nothing of it is read ahead.
 */
bool ckpt_in_positional(const struct ckpt_in *in)
{
	return !in->stream && !in->ra && in->file->f_op->read_iter;
}

/*
 * The PAGES record whose head ckpt_read_pages_head() just read into @rp:
 * note where its data is in @at and move past it unread, to be read later
 * with ckpt_pread_pages().  Only where ckpt_in_positional().
 */
int ckpt_skip_pages_data(struct ckpt_in *in, const struct ckpt_rec_pages *rp,
			 struct ckpt_pages_at *at)
{
	u64 bytes = (u64)in->pages_left * PAGE_SIZE;

	if (WARN_ON_ONCE(!ckpt_in_positional(in) ||
			 in->pages_left != rp->nr_pages))
		return -EINVAL;
	at->h = in->hdr;
	at->h.csum = in->pages_csum;
	at->rp = *rp;
	at->offset = in->rec_offset;
	at->pos = in->pos;
	in->pos += bytes;
	in->offset += bytes;
	in->pages_left = 0;
	in->nr_records++;
	ckpt_in_sync_pos(in);
	return 0;
}

/*
 * Read the data of the PAGES record @at by position straight into @pages
 * (@bv: room for as many bio_vecs) and verify the record's checksum over
 * what landed there.  Safe from any task, several at a time.
 */
int ckpt_pread_pages(struct file *file, const struct ckpt_pages_at *at,
		     struct page **pages, struct bio_vec *bv)
{
	unsigned int nr = at->rp.nr_pages;
	struct xxh64_state s;
	struct iov_iter it;
	loff_t pos = at->pos;

	ckpt_bvec_pages(bv, pages, nr);
	iov_iter_bvec(&it, ITER_DEST, bv, nr, (size_t)nr * PAGE_SIZE);
	while (iov_iter_count(&it)) {
		ssize_t n = vfs_iter_read(file, &it, &pos, 0);

		if (n < 0)
			return n == -ERESTARTSYS ? -EINTR : n;
		if (n == 0)
			return -ENODATA;
	}
	ckpt_pages_csum_start(&s, &at->h, &at->rp);
	ckpt_csum_pages(&s, pages, nr);
	return (u32)xxh64_digest(&s) == at->h.csum ? 0 : -EBADMSG;
}

/* Read @len bytes into @it; a short stream is -ENODATA. */
static int ckpt_read_iter(struct ckpt_in *in, struct iov_iter *it)
{
	/*
	 * Page data: what was read ahead first, then straight from the file,
	 * no more read-ahead (it would copy page data twice).
	 */
	if (in->ra) {
		size_t n = copy_to_iter(in->ra + in->ra_off,
					min(iov_iter_count(it),
					    in->ra_len - in->ra_off), it);

		in->ra_off += n;
		in->offset += n;
		if (in->ra_off == in->ra_len) {
			kvfree(in->ra);
			in->ra = NULL;
			in->ra_len = 0;
			in->ra_off = 0;
		}
	}
	while (iov_iter_count(it)) {
		ssize_t n = vfs_iter_read(in->file, it,
					  in->stream ? NULL : &in->pos, 0);

		if (n < 0)
			return n == -ERESTARTSYS ? -EINTR : n;
		if (n == 0)
			return -ENODATA;
		in->offset += n;
		if (iov_iter_count(it) && fatal_signal_pending(current))
			return -EINTR;
	}
	ckpt_in_sync_pos(in);
	return 0;
}

/*
 * Read the next @nr pages of the current PAGES record straight into
 * @pages, and once the last one is in, verify the record's checksum over
 * what landed there (-EBADMSG: the pages hold bad data, the caller must
 * not let it run).
 */
int ckpt_read_pages_data(struct ckpt_in *in, struct page **pages,
			 unsigned int nr)
{
	unsigned int i;
	int err = 0;

	if (WARN_ON_ONCE(nr > in->pages_left || nr > CKPT_PAGES_MAX))
		return -EINVAL;
	if (in->file->f_op->read_iter) {
		struct iov_iter it;

		ckpt_bvec_pages(in->bvec, pages, nr);
		iov_iter_bvec(&it, ITER_DEST, in->bvec, nr,
			      (size_t)nr * PAGE_SIZE);
		err = ckpt_read_iter(in, &it);
	} else {
		for (i = 0; !err && i < nr; i++) {
			void *k = kmap_local_page(pages[i]);

			err = ckpt_read_all(in, k, PAGE_SIZE);
			kunmap_local(k);
		}
	}
	if (err)
		return err;
	ckpt_csum_pages(&in->csum, pages, nr);
	in->pages_left -= nr;
	if (in->pages_left)
		return 0;
	if ((u32)xxh64_digest(&in->csum) != in->pages_csum)
		return -EBADMSG;
	in->nr_records++;
	return 0;
}
