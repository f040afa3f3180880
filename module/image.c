// SPDX-License-Identifier: GPL-2.0
/*
 * The image stream: a header, then typed, length-prefixed records, each
 * with a CRC-32 over its header (csum = 0) and payload.
 *
 * Writing and reading are strictly sequential so the fd may be a pipe or
 * a socket.  The reader fetches every byte once into kernel memory and
 * checks lengths against per-type bounds before reading a payload.
 */
#include <linux/crc32.h>
#include <linux/fs.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>
#include <linux/timekeeping.h>
#include <linux/sched/signal.h>
#include "ckpt.h"

#define CKPT_REC_BUF	(sizeof(struct ckpt_rec_header) + \
			 sizeof(struct ckpt_rec_pages) + \
			 CKPT_PAGES_MAX * PAGE_SIZE)

u32 ckpt_crc32(u32 crc, const void *p, size_t len)
{
	return crc32_le(crc, p, len);
}

static u32 ckpt_csum_finish(u32 crc)
{
	return ~crc;
}

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
	if (!out->buf)
		return -ENOMEM;
	out->buf_size = CKPT_REC_BUF;
	out->file = file;
	ckpt_stream_init(file, &out->pos, &out->stream);
	return 0;
}

void ckpt_out_destroy(struct ckpt_out *out)
{
	kvfree(out->buf);
	out->buf = NULL;
}

static int ckpt_write_all(struct ckpt_out *out, const void *p, size_t len)
{
	while (len) {
		ssize_t n = kernel_write(out->file, p, len,
					 out->stream ? NULL : &out->pos);

		if (n <= 0) {
			out->failed = true;
			if (n == -ERESTARTSYS)
				return -EINTR;
			return n ? n : -EIO;
		}
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
	h.time_ns = ktime_get_real_ns();
	strscpy(h.release, init_utsname()->release, sizeof(h.release));
	strscpy(h.build, init_utsname()->version, sizeof(h.build));
	h.csum = ckpt_csum_finish(ckpt_crc32(~0U, &h, sizeof(h)));
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
	h->csum = ckpt_csum_finish(ckpt_crc32(~0U, out->buf, total));
	out->nr_records++;
	return ckpt_write_all(out, out->buf, total);
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

int ckpt_in_init(struct ckpt_in *in, struct file *file)
{
	memset(in, 0, sizeof(*in));
	in->buf = kvmalloc(CKPT_REC_BUF, GFP_KERNEL);
	if (!in->buf)
		return -ENOMEM;
	in->buf_size = CKPT_REC_BUF;
	in->file = file;
	ckpt_stream_init(file, &in->pos, &in->stream);
	return 0;
}

void ckpt_in_destroy(struct ckpt_in *in)
{
	kvfree(in->buf);
	in->buf = NULL;
}

/* Read exactly len bytes; a short stream is -ENODATA. */
static int ckpt_read_all(struct ckpt_in *in, void *p, size_t len)
{
	while (len) {
		ssize_t n = kernel_read(in->file, p, len,
					in->stream ? NULL : &in->pos);

		if (n < 0)
			return n == -ERESTARTSYS ? -EINTR : n;
		if (n == 0)
			return -ENODATA;
		p += n;
		len -= n;
		in->offset += n;
		if (len && fatal_signal_pending(current))
			return -EINTR;
	}
	if (!in->stream)
		in->file->f_pos = in->pos;
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
	if (ckpt_csum_finish(ckpt_crc32(~0U, h, sizeof(*h))) != csum)
		return -EBADMSG;
	h->csum = csum;
	if (h->flags || h->reserved)
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
		if (in->hdr.type == 0 || in->hdr.type > CKPT_REC_MAX ||
		    in->hdr.flags ||
		    in->hdr.len > ckpt_rec_max_len(in->hdr.type))
			return -EBADMSG;
	}
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
	u32 csum, crc;
	int err;

	err = ckpt_peek_rec(in, &h);
	if (err)
		return err;
	err = ckpt_read_all(in, in->buf, h.len);
	if (err)
		return err;
	in->have_hdr = false;
	csum = h.csum;
	h.csum = 0;
	crc = ckpt_crc32(~0U, &h, sizeof(h));
	crc = ckpt_csum_finish(ckpt_crc32(crc, in->buf, h.len));
	if (crc != csum)
		return -EBADMSG;
	in->nr_records++;
	*payload = in->buf;
	*len = h.len;
	return 0;
}
