// SPDX-License-Identifier: GPL-2.0
/*
 * The image reader on synthetic images: a valid image decodes; every kind
 * of damage is refused with its errno, the offset of the record at fault
 * and a message that says what is wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../tools/image.h"
#include "../../tools/util.h"
#include "../../tools/csum.h"
#include "imgbuild.h"
#include "unit.h"

struct result {
	int err;
	uint64_t offset;
	uint32_t type;
	char msg[320];
	uint64_t nr_records;
};

static struct result check_mode(const void *buf, size_t len, int skip,
				int positional)
{
	struct ckpt_image img;
	struct result r = { 0 };
	int fd = -1;

	if (positional) {
		/* The same bytes in a file, read with pread(). */
		fd = memfd_create("ckpt-unit", MFD_CLOEXEC);
		if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len)) {
			unit_fail(__FILE__, __LINE__, "memfd: %s",
				  strerror(errno));
			r.err = -EIO;
			return r;
		}
		r.err = ckpt_image_open_at(&img, fd);
	} else {
		r.err = ckpt_image_open_mem(&img, buf, len);
	}
	img.skip_page_data = skip;
	if (!r.err)
		r.err = ckpt_image_check_all(&img);
	r.offset = img.error.offset;
	r.type = img.error.type;
	r.nr_records = img.nr_records;
	memcpy(r.msg, img.error.msg, sizeof(r.msg));
	ckpt_image_close(&img);
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * Check @len bytes at @buf as an image, from memory and from a file read
 * by position (ckpt_image_open_at()): both must find the same.
 */
static struct result check_image(const void *buf, size_t len, int skip)
{
	struct result m = check_mode(buf, len, skip, 0);
	struct result f = check_mode(buf, len, skip, 1);

	if (m.err != f.err || m.offset != f.offset || m.type != f.type ||
	    m.nr_records != f.nr_records || strcmp(m.msg, f.msg))
		unit_fail(__FILE__, __LINE__,
			  "from memory: %d at %llu '%s'; by position: %d at %llu '%s'",
			  m.err, (unsigned long long)m.offset, m.msg, f.err,
			  (unsigned long long)f.offset, f.msg);
	return m;
}

static struct result check_buf(const void *buf, size_t len)
{
	return check_image(buf, len, 0);
}

static struct result build_check(const struct ib_ops *ops,
				 struct ib_image *out)
{
	struct ib_image img;
	struct result r;

	ib_build(&img, ops);
	r = check_buf(img.buf, img.len);
	if (out)
		*out = img;
	else
		ib_free(&img);
	return r;
}

/* A hook that changes the nth record of one type. */
struct mut {
	uint32_t type;
	int nth;
	void (*fn)(struct ib_rec *r);
};

static void mut_hook(struct ib_rec *r, void *ctx)
{
	const struct mut *m = ctx;

	if (r->type == m->type && r->nth == m->nth)
		m->fn(r);
}

static struct result mutate(uint32_t type, int nth, void (*fn)(struct ib_rec *),
			    long *offset)
{
	struct mut m = { type, nth, fn };
	struct ib_ops ops = { .rec = mut_hook, .ctx = &m };
	struct ib_image img;
	struct result r;

	r = build_check(&ops, &img);
	*offset = ib_offset(&img, type, nth);
	ib_free(&img);
	return r;
}

UNIT_TEST(image_valid_decodes)
{
	struct ckpt_image img;
	struct ib_image b;
	int err, n = 0, pages = 0;

	ib_build(&b, NULL);
	err = ckpt_image_open_mem(&img, b.buf, b.len);
	CHECK_EQ(err, 0);
	CHECK_EQ(img.hdr.xstate_size, IB_XSTATE_SIZE);
	while ((err = ckpt_image_next(&img)) > 0) {
		/* a FILE record's one entry: at its own offset */
		CHECK_EQ(img.rec_offset, b.off[n] + (b.type[n] == CKPT_REC_FILE ?
						     sizeof(struct ckpt_rec_header) : 0));
		CHECK_EQ(img.rec.type, b.type[n]);
		if (img.rec.type == CKPT_REC_PAGES)
			pages++;
		n++;
	}
	CHECK_EQ(err, 0);
	CHECK_EQ(n, b.nr);
	CHECK_EQ(pages, 4);
	CHECK_EQ(img.nr_vmas, 5);
	CHECK_EQ(img.nr_files, 3);
	CHECK_EQ(img.nr_pages, 5);
	CHECK_EQ(img.offset, b.len);
	CHECK_EQ(ckpt_image_next(&img), 0);	/* stays at the end */
	CHECK_EQ(ckpt_image_find_vma(&img, IB_HEAP + 0x1234), 1);
	CHECK_EQ(ckpt_image_find_vma(&img, 0x500000), -1);
	ckpt_image_close(&img);
	ib_free(&b);
}

UNIT_TEST(image_valid_from_fd)
{
	char path[] = "/tmp/ckpt-unit-XXXXXX";
	struct ckpt_image img;
	struct ib_image b;
	int fd, err;

	ib_build(&b, NULL);
	fd = mkstemp(path);
	CHECK(fd >= 0);
	unlink(path);
	CHECK(write(fd, b.buf, b.len) == (ssize_t)b.len);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	err = ckpt_image_open_fd(&img, fd);
	if (!err)
		err = ckpt_image_check_all(&img);
	ckpt_image_close(&img);
	close(fd);
	ib_free(&b);
	CHECK_EQ(err, 0);
}

UNIT_TEST(image_valid_from_pipe)
{
	struct ckpt_image img;
	struct ib_image b;
	int p[2], err, status;
	pid_t pid;

	ib_build(&b, NULL);
	CHECK(pipe(p) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(write(p[1], b.buf, b.len) != (ssize_t)b.len);
	}
	close(p[1]);
	err = ckpt_image_open_fd(&img, p[0]);
	if (!err)
		err = ckpt_image_check_all(&img);
	ckpt_image_close(&img);
	close(p[0]);
	waitpid(pid, &status, 0);
	ib_free(&b);
	CHECK_EQ(err, 0);
	CHECK_EQ(status, 0);
}

UNIT_TEST(image_truncated_anywhere)
{
	struct ib_image b;
	struct result r;
	size_t cut;

	ib_build(&b, NULL);
	for (cut = 0; cut < b.len; cut += cut < 4096 ? 1 : 509) {
		r = check_buf(b.buf, cut);
		if (r.err != -ENODATA)
			printf("cut at %zu: %s\n", cut, r.msg);
		CHECK_EQ(r.err, -ENODATA);
	}
	r = check_buf(b.buf, b.len - 1);
	CHECK_EQ(r.err, -ENODATA);
	CHECK_STR(r.msg, "inside the END record");
	r = check_buf(b.buf, 0);
	CHECK_STR(r.msg, "empty");
	r = check_buf(b.buf, 100);
	CHECK_STR(r.msg, "inside its 192-byte header");
	r = check_buf(b.buf, b.off[3]);
	CHECK_STR(r.msg, "without an END record");
	r = check_buf(b.buf, b.off[3] + 5);
	CHECK_STR(r.msg, "inside a record header");
	ib_free(&b);
}

UNIT_TEST(image_trailing_data)
{
	struct ib_image b;
	struct result r;

	ib_build(&b, NULL);
	b.buf = realloc(b.buf, b.len + 1);
	b.buf[b.len] = 0;
	r = check_buf(b.buf, b.len + 1);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, b.len);
	CHECK_STR(r.msg, "trailing data");
	ib_free(&b);
}

/* ---- header ------------------------------------------------------- */

static void hdr_magic(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	h->magic ^= 1;
}

static void hdr_version(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	h->version = 99;
}

static void hdr_size(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	h->header_size = 256;
}

static void hdr_arch(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	h->arch = 0xc00000b7;		/* AUDIT_ARCH_AARCH64 */
}

static void hdr_page_size(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	h->page_size = 65536;
}

static void hdr_tasks(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	h->nr_tasks = 2;
}

static void hdr_no_tasks(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	h->nr_tasks = 0;
}

static void hdr_xfeatures(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	h->xfeatures = 0x7fffffffffffffffULL;
}

static void hdr_no_sse(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	h->xfeatures = 0x1;
}

static void hdr_reserved(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	h->reserved = 1;
}

static void hdr_xstate(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	h->xstate_size = CKPT_MAX_XSTATE + 64;
}

static struct result header_case(void (*fn)(struct ckpt_image_header *,
					    void *), uint32_t csum_xor)
{
	struct ib_ops ops = { .header = fn, .hdr_csum_xor = csum_xor };

	return build_check(&ops, NULL);
}

UNIT_TEST(image_bad_magic)
{
	struct result r = header_case(hdr_magic, 0);

	CHECK_EQ(r.err, -ENOEXEC);
	CHECK_EQ(r.offset, 0);
	CHECK_STR(r.msg, "not a ckpt image");
	r = check_buf("#!/bin/sh\necho hello\n", 21);
	CHECK_EQ(r.err, -ENOEXEC);
}

UNIT_TEST(image_bad_version)
{
	struct result r = header_case(hdr_version, 0);

	CHECK_EQ(r.err, -EPROTO);
	CHECK_STR(r.msg, "version 99 is not supported");
	r = header_case(hdr_size, 0);
	CHECK_EQ(r.err, -EPROTO);
	CHECK_STR(r.msg, "header size 256");
}

UNIT_TEST(image_bad_header_csum)
{
	struct result r = header_case(NULL, 0x100);

	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, 0);
	CHECK_STR(r.msg, "bad checksum in the image header");
	r = header_case(hdr_reserved, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "reserved");
	r = header_case(hdr_xstate, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "xstate size");
	r = header_case(hdr_xfeatures, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "xfeatures 0x7fffffffffffffff are not");
	r = header_case(hdr_no_sse, 0);
	CHECK_EQ(r.err, -EBADMSG);
}

UNIT_TEST(image_other_machine)
{
	struct result r = header_case(hdr_arch, 0);

	CHECK_EQ(r.err, -EXDEV);
	CHECK_STR(r.msg, "not x86_64");
	r = header_case(hdr_page_size, 0);
	CHECK_EQ(r.err, -EXDEV);
	CHECK_STR(r.msg, "page size 65536");
	/* several tasks: the image must start with a TREE record */
	r = header_case(hdr_tasks, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "must start with a TREE record");
	r = header_case(hdr_no_tasks, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "0 tasks, expected 1 to 256");
}

/* ---- record framing ----------------------------------------------- */

static void break_csum(struct ib_rec *r)
{
	r->csum_xor = 0x80;
}

UNIT_TEST(image_bad_record_csum)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_VMA, 1, break_csum, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off);
	CHECK_EQ(r.type, CKPT_REC_VMA);
	CHECK_STR(r.msg, "bad checksum in VMA record at offset");
	r = mutate(CKPT_REC_PAGES, 2, break_csum, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off);
}

UNIT_TEST(image_payload_bit_flip)
{
	struct ib_image b;
	struct result r;
	long off;

	ib_build(&b, NULL);
	off = ib_offset(&b, CKPT_REC_FILE, 1);
	b.buf[off + sizeof(struct ckpt_rec_header) + 20] ^= 0x10;
	r = check_buf(b.buf, b.len);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off);
	CHECK_STR(r.msg, "bad checksum in FILE record");
	ib_free(&b);
}

/*
 * skip_page_data (restart's metadata pass): page data is not checked, so
 * a flipped bit in it passes, one in a PAGES header or in another record
 * does not, and an image cut inside page data is still refused.
 */
static struct result check_skipping(const void *buf, size_t len)
{
	return check_image(buf, len, 1);
}

UNIT_TEST(image_skip_page_data)
{
	size_t head = sizeof(struct ckpt_rec_header) +
		      sizeof(struct ckpt_rec_pages);
	struct ib_image b;
	struct result r;
	long off;

	ib_build(&b, NULL);
	r = check_skipping(b.buf, b.len);
	CHECK_EQ(r.err, 0);
	CHECK_EQ(r.nr_records, (uint64_t)b.nr);
	off = ib_offset(&b, CKPT_REC_PAGES, 1);
	b.buf[off + head + 100] ^= 0x10;
	r = check_buf(b.buf, b.len);
	CHECK_STR(r.msg, "bad checksum in PAGES record");
	r = check_skipping(b.buf, b.len);
	CHECK_EQ(r.err, 0);
	b.buf[off + head + 100] ^= 0x10;
	/* The header's fields are still read and checked. */
	b.buf[off + sizeof(struct ckpt_rec_header)] ^= 0x01;
	r = check_skipping(b.buf, b.len);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off);
	b.buf[off + sizeof(struct ckpt_rec_header)] ^= 0x01;
	/* Other records' checksums still count. */
	off = ib_offset(&b, CKPT_REC_FILE, 1);
	b.buf[off + sizeof(struct ckpt_rec_header) + 20] ^= 0x10;
	r = check_skipping(b.buf, b.len);
	CHECK_STR(r.msg, "bad checksum in FILE record");
	b.buf[off + sizeof(struct ckpt_rec_header) + 20] ^= 0x10;
	/* Cut inside page data. */
	off = ib_offset(&b, CKPT_REC_PAGES, 1);
	r = check_skipping(b.buf, off + head + 10);
	CHECK_EQ(r.err, -ENODATA);
	CHECK_STR(r.msg, "inside the PAGES record");
	ib_free(&b);
}

/*
 * A file that shrinks while it is read: restart reads an image again to
 * plan its processes, and whoever owns the file may truncate it
 * meanwhile.  Mapped (as restart did), the next access past the new end
 * raises SIGBUS and the tool dies of it; read by position, the image
 * just ends, with the message a short image gets.
 */
static int read_shrinking(struct ckpt_image *img, int fd, uint64_t cut,
			  int positional)
{
	int err = 0;

	/* To the first PAGES record; then the file is cut at @cut. */
	while (!err && (err = ckpt_image_next(img)) > 0) {
		err = 0;
		if (img->rec.type == CKPT_REC_PAGES)
			break;
	}
	if (err || ftruncate(fd, cut))
		return err ? err : -errno;
	if (positional)
		ckpt_at_free(&img->at);	/* nothing read ahead either */
	return ckpt_image_check_all(img);
}

UNIT_TEST(image_file_shrinks)
{
	struct ckpt_image img;
	struct ib_image b;
	int fd, status, err, i;
	uint64_t cut;
	pid_t pid;
	void *map;

	ib_build(&b, NULL);
	fd = memfd_create("ckpt-unit", MFD_CLOEXEC);
	CHECK(fd >= 0);
	/* Cut in the third PAGES record's header, then in its data. */
	for (i = 0; i < 2; i++) {
		cut = ib_offset(&b, CKPT_REC_PAGES, 2) + (i ? 16 + 16 + 100 : 10);
		CHECK(ftruncate(fd, 0) == 0);
		CHECK(pwrite(fd, b.buf, b.len, 0) == (ssize_t)b.len);
		err = ckpt_image_open_at(&img, fd);
		CHECK_EQ(err, 0);
		img.skip_page_data = 1;
		err = read_shrinking(&img, fd, cut, 1);
		CHECK_EQ(err, -ENODATA);
		CHECK_STR(img.error.msg, i ? "inside the PAGES record" :
				      "inside a record header");
		CHECK_EQ(img.error.unreadable, 0);
		ckpt_image_close(&img);
	}

	/* The same through a mapping: SIGBUS (what the test guards). */
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(pwrite(fd, b.buf, b.len, 0) == (ssize_t)b.len);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		map = mmap(NULL, b.len, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED || ckpt_image_open_mem(&img, map, b.len))
			_exit(2);
		img.skip_page_data = 1;
		read_shrinking(&img, fd, 4096, 0);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGBUS);
	close(fd);
	ib_free(&b);
}

static void oversize_meta(struct ib_rec *r)
{
	r->len = CKPT_REC_MAX_META + 1;
}

static void oversize_pages(struct ib_rec *r)
{
	r->len = sizeof(struct ckpt_rec_pages) + (CKPT_PAGES_MAX + 1) * 4096;
}

UNIT_TEST(image_oversize_record)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_FS, 0, oversize_meta, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off);
	CHECK_STR(r.msg, "oversize FS record");
	r = mutate(CKPT_REC_PAGES, 0, oversize_pages, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "oversize PAGES record");
}

static void type_unknown(struct ib_rec *r)
{
	r->type = CKPT_REC_MAX + 1;
}

static void type_zero(struct ib_rec *r)
{
	r->type = 0;
}

static void rec_flags(struct ib_rec *r)
{
	r->flags = 1;
}

UNIT_TEST(image_unknown_record_type)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_REGS, 0, type_unknown, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off);
	{
		char want[32];

		snprintf(want, sizeof(want), "unknown record type %d",
			 CKPT_REC_MAX + 1);
		CHECK_STR(r.msg, want);
	}
	r = mutate(CKPT_REC_MM, 0, type_zero, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "unknown record type 0");
	r = mutate(CKPT_REC_MM, 0, rec_flags, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "non-zero flags");
}

/* ---- order -------------------------------------------------------- */

static void skip(struct ib_rec *r)
{
	r->skip = 1;
}

static void as_vma(struct ib_rec *r)
{
	r->type = CKPT_REC_VMA;
}

static void as_task(struct ib_rec *r)
{
	r->type = CKPT_REC_TASK;
}

UNIT_TEST(image_record_order)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_GROUPS, 0, skip, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "GROUPS record missing before the FS record");
	r = mutate(CKPT_REC_XSTATE, 0, skip, &off);
	CHECK_STR(r.msg, "XSTATE record missing before the RESTART record");
	r = mutate(CKPT_REC_TASK, 0, skip, &off);
	CHECK_STR(r.msg, "TASK record missing");
	r = mutate(CKPT_REC_FILE, 2, as_vma, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off);
	CHECK_STR(r.msg, "out of order after a FILE record");
	r = mutate(CKPT_REC_GROUPS, 0, as_task, &off);
	CHECK_STR(r.msg, "out of order after a TASK record");
}

UNIT_TEST(image_optional_records)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_RESTART, 0, skip, &off);
	CHECK_EQ(r.err, 0);
	r = mutate(CKPT_REC_FILE, 0, skip, &off);
	CHECK_EQ(r.err, 0);
}

/* ---- contents ----------------------------------------------------- */

static void *pl(struct ib_rec *r)
{
	return r->payload;
}

static void file_path_no_nul(struct ib_rec *r)
{
	r->payload[r->len - 1] = 'x';
}

static void file_path_inner_nul(struct ib_rec *r)
{
	r->payload[sizeof(struct ckpt_rec_file) + 2] = 0;
}

static void file_path_missing(struct ib_rec *r)
{
	((struct ckpt_rec_file *)pl(r))->path_len = 0;
	r->len = sizeof(struct ckpt_rec_file);
}

static void file_path_len_mismatch(struct ib_rec *r)
{
	((struct ckpt_rec_file *)pl(r))->path_len++;
}

static void fs_path_len_mismatch(struct ib_rec *r)
{
	((struct ckpt_rec_fs *)pl(r))->cwd_len++;
}

/* The FS record with root directory @root after its cwd ("/root"). */
static void fs_root_set(struct ib_rec *r, const char *root, uint32_t flags)
{
	struct ckpt_rec_fs *fs = pl(r);
	size_t n = strlen(root) + 1;

	fs->flags = flags;
	fs->root_len = (uint32_t)n;
	memcpy(r->payload + sizeof(*fs) + fs->cwd_len, root, n);
	r->len = (uint32_t)(sizeof(*fs) + fs->cwd_len + n);
}

static void fs_root_good(struct ib_rec *r)
{
	fs_root_set(r, "/srv/jail", CKPT_FS_ROOT);
}

static void fs_root_no_flag(struct ib_rec *r)
{
	fs_root_set(r, "/srv/jail", 0);
}

static void fs_root_dotdot(struct ib_rec *r)
{
	fs_root_set(r, "/srv/../etc", CKPT_FS_ROOT);
}

static void fs_root_relative(struct ib_rec *r)
{
	fs_root_set(r, "srv/jail", CKPT_FS_ROOT);
}

static void fs_root_flag_only(struct ib_rec *r)
{
	((struct ckpt_rec_fs *)pl(r))->flags = CKPT_FS_ROOT;
}

static void fs_root_cwd_past_end(struct ib_rec *r)
{
	fs_root_set(r, "/srv/jail", CKPT_FS_ROOT);
	((struct ckpt_rec_fs *)pl(r))->cwd_len = 1000;
}

UNIT_TEST(image_fs_root)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_FS, 0, fs_root_good, &off);
	CHECK_EQ(r.err, 0);
	r = mutate(CKPT_REC_FS, 0, fs_root_no_flag, &off);
	CHECK_STR(r.msg, "root directory of 10 bytes with flags 0x0");
	r = mutate(CKPT_REC_FS, 0, fs_root_flag_only, &off);
	CHECK_STR(r.msg, "root directory of 0 bytes with flags 0x2");
	r = mutate(CKPT_REC_FS, 0, fs_root_dotdot, &off);
	CHECK_STR(r.msg, "root directory '/srv/../etc' has an empty, '.' or '..' component");
	r = mutate(CKPT_REC_FS, 0, fs_root_relative, &off);
	CHECK_STR(r.msg, "the path 'srv/jail' is not absolute");
	r = mutate(CKPT_REC_FS, 0, fs_root_cwd_past_end, &off);
	CHECK_STR(r.msg, "does not match a path of 1000 bytes");
}

static void file_path_too_long(struct ib_rec *r)
{
	struct ckpt_rec_file *f = pl(r);

	f->path_len = CKPT_PATH_MAX + 1;
	memset(r->payload + sizeof(*f), 'a', f->path_len - 1);
	r->payload[sizeof(*f) + f->path_len - 1] = 0;
	r->len = sizeof(*f) + f->path_len;
}

static void file_path_relative(struct ib_rec *r)
{
	r->payload[sizeof(struct ckpt_rec_file)] = 'x';
}

UNIT_TEST(image_path_checks)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_FILE, 1, file_path_no_nul, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off + sizeof(struct ckpt_rec_header));
	CHECK_STR(r.msg, "bad FILE entry at offset");
	CHECK_STR(r.msg, "not NUL-terminated");
	r = mutate(CKPT_REC_FILE, 1, file_path_inner_nul, &off);
	CHECK_STR(r.msg, "NUL byte inside");
	r = mutate(CKPT_REC_FILE, 0, file_path_missing, &off);
	CHECK_STR(r.msg, "path is missing");
	r = mutate(CKPT_REC_FILE, 0, file_path_len_mismatch, &off);
	CHECK_STR(r.msg, "a path of 11 bytes runs past the end of the record (10 bytes left)");
	r = mutate(CKPT_REC_FS, 0, fs_path_len_mismatch, &off);
	CHECK_STR(r.msg, "does not match a path");
	r = mutate(CKPT_REC_FILE, 0, file_path_too_long, &off);
	CHECK_STR(r.msg, "exceeds 4096");
	r = mutate(CKPT_REC_FILE, 0, file_path_relative, &off);
	CHECK_STR(r.msg, "the path 'xdev/null' is not absolute");
	r = mutate(CKPT_REC_FS, 0, file_path_no_nul, &off);
	CHECK_STR(r.msg, "bad FS record");
	r = mutate(CKPT_REC_MM, 0, file_path_no_nul, &off);
	CHECK_STR(r.msg, "bad MM record");
	r = mutate(CKPT_REC_VMA, 0, file_path_no_nul, &off);
	CHECK_STR(r.msg, "bad VMA record");
}

/*
 * ---- FILE entries --------------------------------------------------
 *
 * The standard image's last FILE record (fd 3, /etc) rewritten with
 * several entries; the reader hands out each as a record of its own.
 */

#define ENTRY	((long)sizeof(struct ckpt_rec_file))
#define REC_HDR	((long)sizeof(struct ckpt_rec_header))

/* fd 3 /etc, fd 4 /etc/passwd (4 bytes of /etc), fd 5 /etc/passwd- (11) */
static void entries_etc(struct ib_rec *r)
{
	r->len = 0;
	ib_file_entry(r, 3, CKPT_FILE_DIR, 0200000, 0, "/etc");
	ib_file_entry(r, 4, CKPT_FILE_REG, 0, 4, "/etc/passwd");
	ib_file_entry(r, 5, CKPT_FILE_REG, 02, 11, "/etc/passwd-");
}

/* and an eventfd (no path), then a path of its own */
static void entries_valid(struct ib_rec *r)
{
	entries_etc(r);
	ib_file_entry(r, 6, CKPT_FILE_EVENTFD, 02, 0, NULL);
	ib_file_entry(r, 7, CKPT_FILE_REG, 01, 0, "/tmp/log");
}

/* The END record counts entries, not records. */
static void entries_end_hook(struct ib_rec *r, void *ctx)
{
	mut_hook(r, ctx);
	if (r->type == CKPT_REC_END)
		((struct ckpt_rec_end *)pl(r))->nr_records += 4;
}

UNIT_TEST(image_file_entries_valid)
{
	static const char *const paths[] = { "/etc", "/etc/passwd",
					     "/etc/passwd-", NULL,
					     "/tmp/log" };
	struct mut m = { CKPT_REC_FILE, 2, entries_valid };
	struct ib_ops ops = { .rec = mut_hook, .ctx = &m };
	const struct ckpt_rec_file *f;
	struct ckpt_image img;
	struct ib_image b;
	struct result r;
	long off, pos = 0;
	int err, n = 0, i = 0;
	char want[128];

	ib_build(&b, &ops);
	off = ib_offset(&b, CKPT_REC_FILE, 2);
	CHECK_EQ(ckpt_image_open_mem(&img, b.buf, b.len), 0);
	while ((err = ckpt_image_next(&img)) > 0) {
		n++;
		if (img.rec.type != CKPT_REC_FILE || (long)img.rec_offset < off)
			continue;
		/* entry i, as a record of its own with its whole path */
		f = img.payload;
		CHECK_EQ(img.rec_offset, off + REC_HDR + pos);
		CHECK_EQ(f->fd, 3 + i);
		CHECK_EQ(f->path_prefix, 0);
		CHECK_EQ(f->path_len, paths[i] ? strlen(paths[i]) + 1 : 0);
		CHECK_EQ(img.rec.len, ENTRY + f->path_len);
		if (paths[i])
			CHECK(ckpt_image_path(&img) &&
			      !strcmp(ckpt_image_path(&img), paths[i]));
		else
			CHECK(!ckpt_image_path(&img));
		/* its bytes in the record: the path less its prefix */
		pos += ENTRY + (i == 1 ? 8 : i == 2 ? 2 : f->path_len);
		i++;
	}
	CHECK_EQ(err, 0);
	CHECK_EQ(i, 5);
	CHECK_EQ(pos, ib_offset(&b, CKPT_REC_REGS, 0) - off - REC_HDR);
	CHECK_EQ(n, b.nr + 4);
	CHECK_EQ(img.nr_records, b.nr);
	CHECK_EQ(img.nr_files, 7);
	ckpt_image_close(&img);
	/* from memory and by position, page data skipped or not */
	r = check_buf(b.buf, b.len);
	CHECK_EQ(r.err, 0);
	CHECK_EQ(r.nr_records, b.nr);
	r = check_image(b.buf, b.len, 1);
	CHECK_EQ(r.err, 0);
	ib_free(&b);
	/* an END record that counted the entries is wrong */
	ops.rec = entries_end_hook;
	r = build_check(&ops, &b);
	CHECK_EQ(r.err, -EBADMSG);
	snprintf(want, sizeof(want), "it counts %d records, the image has %d",
		 b.nr + 3, b.nr - 1);
	CHECK_STR(r.msg, want);
	ib_free(&b);
}

/*
 * FILE record 2 as @fn makes it is refused at the entry @pos bytes into
 * its payload, with @why.
 */
static void entry_refused(void (*fn)(struct ib_rec *), long pos,
			  const char *why)
{
	char want[200];
	struct result r;
	long off;

	r = mutate(CKPT_REC_FILE, 2, fn, &off);
	snprintf(want, sizeof(want), "bad FILE entry at offset %ld: %s",
		 off + REC_HDR + pos, why);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off + REC_HDR + pos);
	CHECK_EQ(r.type, CKPT_REC_FILE);
	CHECK_STR(r.msg, want);
}

/* where entries_etc()'s entries start */
#define AT_PASSWD	(ENTRY + 5)
#define AT_PASSWD_	(AT_PASSWD + ENTRY + 8)
#define AT_END		(AT_PASSWD_ + ENTRY + 2)

static void entries_trailing(struct ib_rec *r)
{
	entries_etc(r);
	memset(r->payload + r->len, 0, 5);
	r->len += 5;
}

static void entries_cut_struct(struct ib_rec *r)
{
	entries_etc(r);
	r->len = AT_PASSWD_ + 20;
}

static void entries_cut_path(struct ib_rec *r)
{
	entries_etc(r);
	r->len -= 1;
}

static void entries_none(struct ib_rec *r)
{
	r->len = 0;
}

UNIT_TEST(image_file_entries_tiling)
{
	struct result r;
	long off;

	entry_refused(entries_trailing, AT_END,
		      "5 bytes at the end of the record, fewer than an entry's 56");
	entry_refused(entries_cut_struct, AT_PASSWD_,
		      "20 bytes at the end of the record, fewer than an entry's 56");
	entry_refused(entries_cut_path, AT_PASSWD_,
		      "a path of 2 bytes runs past the end of the record (1 bytes left)");
	/* no entry at all: the record's length */
	r = mutate(CKPT_REC_FILE, 2, entries_none, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off);
	CHECK_STR(r.msg, "bad FILE record at offset");
	CHECK_STR(r.msg, "length 0 is below 56");
}

static void prefix_first(struct ib_rec *r)
{
	r->len = 0;
	ib_file_entry(r, 3, CKPT_FILE_DIR, 0200000, 1, "/etc");
}

static void prefix_too_long(struct ib_rec *r)
{
	r->len = 0;
	ib_file_entry(r, 3, CKPT_FILE_DIR, 0200000, 0, "/etc");
	ib_file_entry(r, 4, CKPT_FILE_REG, 0, 5, "/etc/passwd");
}

static void prefix_after_pathless(struct ib_rec *r)
{
	r->len = 0;
	ib_file_entry(r, 3, CKPT_FILE_DIR, 0200000, 0, "/etc");
	ib_file_entry(r, 4, CKPT_FILE_EVENTFD, 02, 0, NULL);
	ib_file_entry(r, 5, CKPT_FILE_REG, 0, 1, "/etc/passwd");
}

static void prefix_no_path(struct ib_rec *r)
{
	r->len = 0;
	ib_file_entry(r, 3, CKPT_FILE_DIR, 0200000, 0, "/etc");
	ib_file_entry(r, 4, CKPT_FILE_REG, 0, 2, NULL);
}

/* /etc, then /etc/aaa... of @len bytes with its NUL, all but /etc coded */
static void prefix_long_path(struct ib_rec *r, size_t len)
{
	char path[CKPT_PATH_MAX + 2];

	memset(path, 'a', len - 1);
	memcpy(path, "/etc/", 5);
	path[len - 1] = 0;
	r->len = 0;
	ib_file_entry(r, 3, CKPT_FILE_DIR, 0200000, 0, "/etc");
	ib_file_entry(r, 4, CKPT_FILE_REG, 0, 4, path);
}

static void prefix_path_max(struct ib_rec *r)
{
	prefix_long_path(r, CKPT_PATH_MAX);
}

static void prefix_path_over(struct ib_rec *r)
{
	prefix_long_path(r, CKPT_PATH_MAX + 1);
}

UNIT_TEST(image_file_entries_prefix)
{
	struct result r;
	long off;

	entry_refused(prefix_first, 0,
		      "path_prefix 1 in the record's first entry");
	entry_refused(prefix_too_long, AT_PASSWD,
		      "path_prefix 5 exceeds the previous path's 4 bytes");
	entry_refused(prefix_after_pathless, AT_PASSWD + ENTRY,
		      "path_prefix 1 after an entry without a path");
	entry_refused(prefix_no_path, AT_PASSWD,
		      "path_prefix 2 without a path (path_len 0)");
	entry_refused(prefix_path_over, AT_PASSWD,
		      "path_prefix 4 and path_len 4093: a path of 4097 bytes exceeds 4096");
	r = mutate(CKPT_REC_FILE, 2, prefix_path_max, &off);
	CHECK_EQ(r.err, 0);
}

static void entries_fd_twice(struct ib_rec *r)
{
	r->len = 0;
	ib_file_entry(r, 3, CKPT_FILE_DIR, 0200000, 0, "/etc");
	ib_file_entry(r, 3, CKPT_FILE_REG, 0, 4, "/etc/passwd");
}

/* Each entry is checked as a record was: here, fds ascending. */
UNIT_TEST(image_file_entries_fd_order)
{
	entry_refused(entries_fd_twice, AT_PASSWD,
		      "fd 3 is not above the previous fd 3");
}

static void vma_empty(struct ib_rec *r)
{
	struct ckpt_rec_vma *v = pl(r);

	v->end = v->start;
}

static void vma_reversed(struct ib_rec *r)
{
	struct ckpt_rec_vma *v = pl(r);

	v->end = v->start - 0x1000;
}

static void vma_unaligned(struct ib_rec *r)
{
	((struct ckpt_rec_vma *)pl(r))->start += 0x10;
}

static void vma_overlap(struct ib_rec *r)
{
	((struct ckpt_rec_vma *)pl(r))->start = 0x401000;
}

static void vma_kind(struct ib_rec *r)
{
	((struct ckpt_rec_vma *)pl(r))->kind = CKPT_VMA_HUGETLB + 1;
}

static void vma_second_vdso(struct ib_rec *r)
{
	((struct ckpt_rec_vma *)pl(r))->kind = CKPT_VMA_VDSO;
}

static void vma_huge(struct ib_rec *r)
{
	((struct ckpt_rec_vma *)pl(r))->end = 1ULL << 60;
}

static void vma_anon_path(struct ib_rec *r)
{
	struct ckpt_rec_vma *v = pl(r);

	v->path_len = 6;
	memcpy(r->payload + sizeof(*v), "/heap", 6);
	r->len = sizeof(*v) + 6;
}

static void vma_pgoff(struct ib_rec *r)
{
	((struct ckpt_rec_vma *)pl(r))->pgoff = ~0ULL >> 12;
}

static void vma_ghost_anon(struct ib_rec *r)
{
	((struct ckpt_rec_vma *)pl(r))->flags |= CKPT_VMAF_GHOST;
}

static void vma_ghost_big(struct ib_rec *r)
{
	struct ckpt_rec_vma *v = pl(r);

	v->flags |= CKPT_VMAF_GHOST | CKPT_VMAF_EXE;
	v->size = CKPT_GHOST_MAX_DATA + 1ULL;
}

static void vdso_skip(struct ib_rec *r)
{
	if (((struct ckpt_rec_vma *)pl(r))->kind == CKPT_VMA_VDSO)
		r->skip = 1;
}

static void mm_vdso(struct ib_rec *r)
{
	((struct ckpt_rec_mm *)pl(r))->vdso += 0x1000;
}

static void mm_range(struct ib_rec *r)
{
	((struct ckpt_rec_mm *)pl(r))->end_code = 0;
}

UNIT_TEST(image_vdso_required)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_VMA, 3, vdso_skip, &off);
	CHECK_EQ(r.err, -EOPNOTSUPP);
	CHECK_STR(r.msg, "the image has no [vdso] mapping");
	CHECK_EQ(r.type, CKPT_REC_PAGES);
	r = mutate(CKPT_REC_MM, 0, mm_vdso, &off);
	CHECK_EQ(r.err, -EOPNOTSUPP);
	CHECK_STR(r.msg, "not where the MM record says (0x7ffff7fc5000)");
	r = mutate(CKPT_REC_MM, 0, mm_range, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "bad MM record");
}

UNIT_TEST(image_vma_checks)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_VMA, 1, vma_empty, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off);
	CHECK_STR(r.msg, "bad VMA record at offset");
	CHECK_STR(r.msg, ">= end");
	r = mutate(CKPT_REC_VMA, 1, vma_reversed, &off);
	CHECK_STR(r.msg, ">= end");
	r = mutate(CKPT_REC_VMA, 1, vma_unaligned, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "not page-aligned");
	r = mutate(CKPT_REC_VMA, 1, vma_overlap, &off);
	CHECK_STR(r.msg, "overlaps or precedes");
	r = mutate(CKPT_REC_VMA, 1, vma_kind, &off);
	CHECK_STR(r.msg, "unknown kind 10");
	r = mutate(CKPT_REC_VMA, 4, vma_second_vdso, &off);
	CHECK_STR(r.msg, "second [vdso]");
	r = mutate(CKPT_REC_VMA, 4, vma_huge, &off);
	CHECK_STR(r.msg, "beyond user space");
	r = mutate(CKPT_REC_VMA, 1, vma_anon_path, &off);
	CHECK_STR(r.msg, "anonymous mapping has a path");
	r = mutate(CKPT_REC_VMA, 0, vma_pgoff, &off);
	CHECK_STR(r.msg, "file offset");
	r = mutate(CKPT_REC_VMA, 1, vma_ghost_anon, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "anonymous mapping marked as a file's");
	r = mutate(CKPT_REC_VMA, 0, vma_ghost_big, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "deleted file of 67108865 bytes");
}

static void task_comm(struct ib_rec *r)
{
	memset(((struct ckpt_rec_task *)pl(r))->comm, 'a', 16);
}

static void task_pid(struct ib_rec *r)
{
	((struct ckpt_rec_task *)pl(r))->pid = 0;
}

static void task_len(struct ib_rec *r)
{
	r->len -= 8;
}

static void task_tid(struct ib_rec *r)
{
	((struct ckpt_rec_task *)pl(r))->tid++;
}

static void task_personality(struct ib_rec *r)
{
	((struct ckpt_rec_task *)pl(r))->personality = 1;
}

static void task_rseq(struct ib_rec *r)
{
	((struct ckpt_rec_task *)pl(r))->rseq += 8;
}

static void task_ptr(struct ib_rec *r)
{
	((struct ckpt_rec_task *)pl(r))->robust_list = ~0ULL;
}

static void sa_flags(struct ib_rec *r)
{
	((struct ckpt_rec_sigaction *)pl(r))[9].flags = 0x20;
}

static void groups_len(struct ib_rec *r)
{
	r->len = 4;
}

UNIT_TEST(image_task_checks)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_TASK, 0, task_comm, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "comm is not NUL-terminated");
	r = mutate(CKPT_REC_TASK, 0, task_pid, &off);
	CHECK_STR(r.msg, "not one positive id");
	r = mutate(CKPT_REC_TASK, 0, task_tid, &off);
	CHECK_STR(r.msg, "pid 4242 and tid 4243");
	r = mutate(CKPT_REC_TASK, 0, task_personality, &off);
	CHECK_EQ(r.err, -EOPNOTSUPP);
	CHECK_EQ(r.offset, off);
	CHECK_STR(r.msg, "personality 0x1 is not supported");
	r = mutate(CKPT_REC_TASK, 0, task_rseq, &off);
	CHECK_STR(r.msg, "bad rseq area");
	r = mutate(CKPT_REC_TASK, 0, task_ptr, &off);
	CHECK_STR(r.msg, "beyond user space");
	r = mutate(CKPT_REC_SIGACTIONS, 0, sa_flags, &off);
	CHECK_STR(r.msg, "signal 10 has unknown flags 0x20");
	r = mutate(CKPT_REC_TASK, 0, task_len, &off);
	CHECK_STR(r.msg, "length 200, expected 208");
	r = mutate(CKPT_REC_GROUPS, 0, groups_len, &off);
	CHECK_STR(r.msg, "TASK record has 2 groups");
	r = mutate(CKPT_REC_SIGACTIONS, 0, task_len, &off);
	CHECK_STR(r.msg, "bad SIGACTIONS record");
	r = mutate(CKPT_REC_REGS, 0, task_len, &off);
	CHECK_STR(r.msg, "bad REGS record");
}

static void fd_order(struct ib_rec *r)
{
	((struct ckpt_rec_file *)pl(r))->fd = 0;
}

static void fd_kind(struct ib_rec *r)
{
	((struct ckpt_rec_file *)pl(r))->kind = CKPT_FILE_KIND_MAX + 1;
}

static void auxv_no_null(struct ib_rec *r)
{
	((__u64 *)pl(r))[6] = 5;
}

static void auxv_odd(struct ib_rec *r)
{
	r->len -= 8;
}

static void xstate_len(struct ib_rec *r)
{
	r->len = 576;
}

static void xstate_bv(struct ib_rec *r)
{
	r->payload[512] |= 0x20;
}

static void restart_kind(struct ib_rec *r)
{
	((struct ckpt_rec_restart *)pl(r))->kind = 2;
}

static void fd_flags(struct ib_rec *r)
{
	((struct ckpt_rec_file *)pl(r))->f_flags |= 0100;	/* O_CREAT */
}

static void fd_chr(struct ib_rec *r)
{
	((struct ckpt_rec_file *)pl(r))->rdev = 0x502;	/* /dev/ptmx */
}

static void fd_pos(struct ib_rec *r)
{
	((struct ckpt_rec_file *)pl(r))->pos = -1;
}

static void regs_cs(struct ib_rec *r)
{
	((struct ckpt_rec_regs *)pl(r))->cs = 0x23;
}

static void regs_ip(struct ib_rec *r)
{
	((struct ckpt_rec_regs *)pl(r))->ip = 0xffffffff81000000ULL;
}

static void restart_clock(struct ib_rec *r)
{
	((struct ckpt_rec_restart *)pl(r))->clockid = 2;
}

static void hdr_small_xstate(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	h->xstate_size = 256;
}

static void xstate_small(struct ib_rec *r)
{
	r->len = 256;
}

UNIT_TEST(image_kernel_checks)
{
	struct ib_ops ops = { .header = hdr_small_xstate };
	struct mut m = { CKPT_REC_XSTATE, 0, xstate_small };
	struct result r;
	long off;

	r = mutate(CKPT_REC_FILE, 1, fd_flags, &off);
	CHECK_STR(r.msg, "unknown open flags 0100");
	r = mutate(CKPT_REC_FILE, 0, fd_chr, &off);
	CHECK_STR(r.msg, "device 5:2 is not one that can be restored");
	r = mutate(CKPT_REC_FILE, 1, fd_pos, &off);
	CHECK_STR(r.msg, "negative position");
	r = mutate(CKPT_REC_REGS, 0, regs_cs, &off);
	CHECK_EQ(r.err, -EOPNOTSUPP);
	CHECK_STR(r.msg, "segment registers");
	r = mutate(CKPT_REC_REGS, 0, regs_ip, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "beyond user space");
	r = mutate(CKPT_REC_RESTART, 0, restart_clock, &off);
	CHECK_STR(r.msg, "unsupported clock 2");
	ops.rec = mut_hook;
	ops.ctx = &m;
	r = build_check(&ops, NULL);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "below the 512-byte FXSAVE area");
}

/* CLOCK_BOOTTIME before CLOCK_MONOTONIC */
static void timers_clocks(struct ib_rec *r)
{
	((struct ckpt_rec_timers *)pl(r))->monotonic_ns = 7000000000LL;
}

/* an interval on a disarmed timer */
static void timers_interval(struct ib_rec *r)
{
	((struct ckpt_rec_timers *)pl(r))->real_interval_ns = 5;
}

/* CLOCKS: CLOCK_BOOTTIME before CLOCK_MONOTONIC, a negative raw clock */
static void clocks_boot(struct ib_rec *r)
{
	((struct ckpt_rec_clocks *)pl(r))->boottime_ns = 3000000000LL;
}

static void clocks_raw(struct ib_rec *r)
{
	((struct ckpt_rec_clocks *)pl(r))->monotonic_raw_ns = -1;
}

/* MEMPOLICY: MPOL_LOCAL with a node, an unaligned range, mode 9 */
static void mempol_local_node(struct ib_rec *r)
{
	((struct ckpt_rec_mempolicy *)pl(r))->nodes[0] = 1;
}

static void mempol_unaligned(struct ib_rec *r)
{
	((struct ckpt_rec_mempolicy *)pl(r))->end = IB_HEAP + 0x4001;
}

static void mempol_mode(struct ib_rec *r)
{
	((struct ckpt_rec_mempolicy *)pl(r))->mode = 9;
}

/* VMA: hugetlb memory of 4 KiB pages, then of 2 MiB pages unaligned */
static void vma_hugetlb_size(struct ib_rec *r)
{
	((struct ckpt_rec_vma *)pl(r))->kind = CKPT_VMA_HUGETLB;
	((struct ckpt_rec_vma *)pl(r))->size = 4096;
}

static void vma_hugetlb_unaligned(struct ib_rec *r)
{
	((struct ckpt_rec_vma *)pl(r))->kind = CKPT_VMA_HUGETLB;
	((struct ckpt_rec_vma *)pl(r))->size = 2097152;
}

UNIT_TEST(image_hugetlb_checks)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_VMA, 1, vma_hugetlb_size, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "hugetlb mapping 0x600000-0x610000 of 4096-byte pages (2 MiB, aligned, only)");
	r = mutate(CKPT_REC_VMA, 1, vma_hugetlb_unaligned, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "hugetlb mapping 0x600000-0x610000 of 2097152-byte pages (2 MiB, aligned, only)");
}

UNIT_TEST(image_mempolicy_checks)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_MEMPOLICY, 1, mempol_local_node, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "memory policy mode 4 with nodes");
	r = mutate(CKPT_REC_MEMPOLICY, 1, mempol_unaligned, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "memory policy of thread 0 or range 0x600000-0x604001");
	r = mutate(CKPT_REC_MEMPOLICY, 0, mempol_mode, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "memory policy mode 9 flags 0x0");
}

/*
 * PTY records the checker refuses, each from one change (pty_damage) to
 * the standard pair's, with what it says.
 */
static const char *const pty_bad[] = {
	"pseudo-terminal 3: unknown flags 0x20",
	"pseudo-terminal 3: 4 unread bytes in a record of 91",
	"pseudo-terminal 3: 32769 unread bytes in a record of 32857",
	"pseudo-terminal 3: slave mode 010620",
	"pseudo-terminal 3: the slave's settings have fd 3, flags 0x0 or a reserved field",
	"pseudo-terminal 3: the slave's settings have fd -1, flags 0x1 or",
	"the slave's settings have fd -1, flags 0x0 or a reserved field",
	"pseudo-terminal index 1048576 is not below 1048576",
	/* a record of a pair no FILE entry holds an end of */
	"pseudo-terminal 4: no FILE entry of this process is its master",
};
static unsigned int pty_damage;

static void pty_damaged(struct ckpt_rec_pty *p, struct ib_rec *r)
{
	switch (pty_damage) {
	case 0:
		p->flags = 0x20;
		break;
	case 1:
		p->data_len = 4;
		break;
	case 2:
		p->data_len = CKPT_PTY_MAX_DATA + 1;
		r->len = sizeof(*p) + p->data_len;
		break;
	case 3:
		p->mode = 010620;
		break;
	case 4:
		p->slave.fd = 3;
		break;
	case 5:
		p->slave.flags = CKPT_TTY_CTTY;
		break;
	case 6:
		p->slave.reserved = 1;
		break;
	case 7:
		p->index = 1U << 20;
		break;
	case 8:
		p->index = 4;
		break;
	}
}

static struct result pty_case(uint32_t rdev, int records,
			      void (*fix)(struct ckpt_rec_pty *,
					  struct ib_rec *))
{
	struct ib_pty c = { .rdev = rdev, .records = records, .fix = fix };
	struct ib_ops ops = { .rec = ib_pty_hook, .ctx = &c };

	return build_check(&ops, NULL);
}

UNIT_TEST(image_pty_checks)
{
	struct result r;

	r = pty_case(0, 1, NULL);		/* the master */
	CHECK_EQ(r.err, 0);
	CHECK_STR(r.msg, "");
	r = pty_case(IB_PTS3_RDEV, 1, NULL);	/* and the slave */
	CHECK_EQ(r.err, 0);
	for (pty_damage = 0; pty_damage < ARRAY_SIZE(pty_bad); pty_damage++) {
		r = pty_case(0, 1, pty_damaged);
		CHECK_EQ(r.err, -EBADMSG);
		CHECK_EQ(r.type, CKPT_REC_PTY);
		CHECK_STR(r.msg, pty_bad[pty_damage]);
	}
	/* two records of one pair; none */
	r = pty_case(0, 2, NULL);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "a second PTY record of pseudo-terminal 3");
	r = pty_case(0, 0, NULL);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_PAGES);
	CHECK_STR(r.msg, "pseudo-terminal 3: a FILE entry holds its master, and no PTY record follows");
	CHECK(!strcmp(ckpt_rec_name(CKPT_REC_PTY), "PTY"));
}

/*
 * FILE entries of kind PTY the checker refuses: fd 3, the master, changed
 * (pty_file_damage), with what it says.
 */
static const char *const pty_file_bad[] = {
	"pseudo-terminal fd 3: position 1",
	"pseudo-terminal fd 3: index 1048576 is not below 1048576",
	"the path is missing",
	"pseudo-terminal fd 3: a master opened at '/dev/tty1', not a ptmx",
	"pseudo-terminal fd 3: path '/dev/pts/../ptmx' has an empty, '.' or '..' component",
	/* not a pair's end: still refused as a terminal */
	"device 5:2 is not one that can be restored",
	"pseudo-terminal fd 4: a second master of pair 3, not sharing the first's open file",
};
static unsigned int pty_file_damage;

static void pty_file_damaged(struct ib_rec *r, void *ctx)
{
	struct ckpt_rec_file *f = pl(r);
	static const char *const paths[] = {
		[2] = NULL, [3] = "/dev/tty1", [4] = "/dev/pts/../ptmx",
		[6] = "/dev/ptmx",
	};

	ib_pty_hook(r, ctx);
	if (r->type != CKPT_REC_FILE || r->nth != 2)
		return;
	switch (pty_file_damage) {
	case 0:
		f->pos = 1;
		break;
	case 1:
		f->ino = 1U << 20;
		break;
	case 5:
		f->kind = CKPT_FILE_CHR;
		break;
	default:
		r->len = 0;
		ib_pty_entry(r, 3, IB_PTMX_RDEV, paths[pty_file_damage]);
		if (pty_file_damage == 6)
			ib_pty_entry(r, 4, IB_PTMX_RDEV, "/dev/pts/ptmx");
	}
}

UNIT_TEST(image_pty_file_checks)
{
	struct ib_ops ops = { .rec = ib_pty_hook };
	struct ib_pty c = { .rdev = 0x401, .records = 1 };	/* tty1 */
	struct result r;

	/* fd 4: the slave, another device, another pair's, the master */
	ops.ctx = &c;
	r = build_check(&ops, NULL);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_FILE);
	CHECK_STR(r.msg, "bad FILE entry at offset ");
	CHECK_STR(r.msg, "pseudo-terminal fd 4: device 4:1 is neither a master (5:2) nor the slave of pair 3 (136:3)");
	c.rdev = 0x8804;				/* 136:4 */
	r = build_check(&ops, NULL);
	CHECK_STR(r.msg, "device 136:4 is neither a master");
	c.rdev = 0x8f03;				/* 143:3 */
	r = build_check(&ops, NULL);
	CHECK_STR(r.msg, "device 143:3 is neither a master");
	c.rdev = IB_PTMX_RDEV;
	r = build_check(&ops, NULL);
	CHECK_STR(r.msg, "pseudo-terminal fd 4: a master opened at '/dev/pts/3', not a ptmx");
	c.rdev = IB_PTS3_RDEV;
	r = build_check(&ops, NULL);
	CHECK_EQ(r.err, 0);
	ops.rec = pty_file_damaged;
	ops.ctx = NULL;
	for (pty_file_damage = 0; pty_file_damage < ARRAY_SIZE(pty_file_bad);
	     pty_file_damage++) {
		r = build_check(&ops, NULL);
		CHECK_EQ(r.err, -EBADMSG);
		CHECK_EQ(r.type, CKPT_REC_FILE);
		CHECK_STR(r.msg, pty_file_bad[pty_file_damage]);
	}
}

/*
 * A UTS namespace of the processes' own: the header's flag and the first
 * process's UTS record (made of the last MEMPOLICY record), with damage
 * @uts_damage (0: none).
 */
static int uts_flag, uts_rec, uts_damage;

static void uts_header(struct ckpt_image_header *h, void *ctx)
{
	(void)ctx;
	if (uts_flag)
		h->flags |= CKPT_IMAGE_UTS_NS;
}

static void uts_hook(struct ib_rec *r, void *ctx)
{
	struct ckpt_rec_uts *u = (void *)r->payload;

	(void)ctx;
	if (!uts_rec || r->type != CKPT_REC_MEMPOLICY || r->nth != 1)
		return;
	r->type = CKPT_REC_UTS;
	r->len = sizeof(*u);
	memset(u, 0, sizeof(*u));
	strcpy(u->nodename, "box");
	strcpy(u->domainname, "example");
	switch (uts_damage) {
	case 1:
		memset(u->nodename, 'a', sizeof(u->nodename));
		break;
	case 2:
		u->domainname[20] = 'x';	/* after the NUL */
		break;
	case 3:
		u->reserved[0] = 1;
		break;
	}
}

static struct result uts_case(int flag, int rec, int damage)
{
	struct ib_ops ops = { .header = uts_header, .rec = uts_hook };

	uts_flag = flag;
	uts_rec = rec;
	uts_damage = damage;
	return build_check(&ops, NULL);
}

UNIT_TEST(image_uts_checks)
{
	static const char *const bad[] = {
		"", "a host or domain name not NUL-terminated",
		"a host or domain name not NUL-terminated",
		"reserved byte 0 is 1",
	};
	struct result r;
	int i;

	r = uts_case(1, 1, 0);
	CHECK_EQ(r.err, 0);
	CHECK_STR(r.msg, "");
	r = uts_case(1, 0, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "the first has no UTS record");
	r = uts_case(0, 1, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "a UTS record, but not with the first process");
	for (i = 1; i < (int)ARRAY_SIZE(bad); i++) {
		r = uts_case(1, 1, i);
		CHECK_EQ(r.err, -EBADMSG);
		CHECK_EQ(r.type, CKPT_REC_UTS);
		CHECK_STR(r.msg, bad[i]);
	}
	CHECK(!strcmp(ckpt_rec_name(CKPT_REC_UTS), "UTS"));
}

/*
 * A FOWN record (the last MEMPOLICY record) for fd @fown_fd, damaged by
 * @fown_damage; with @fown_share, fd 3 shares fd 1's open file.
 */
static int fown_fd, fown_damage, fown_share;

static void fown_hook(struct ib_rec *r, void *ctx)
{
	struct ckpt_rec_fown *o = (void *)r->payload;
	struct ckpt_rec_file *f = (void *)r->payload;

	(void)ctx;
	if (fown_share && r->type == CKPT_REC_FILE && r->nth == 2) {
		f->fd_flags = CKPT_FD_SHARED;
		f->shared_fd = 1;
	}
	if (r->type != CKPT_REC_MEMPOLICY || r->nth != 1)
		return;
	r->type = CKPT_REC_FOWN;
	r->len = sizeof(*o);
	memset(o, 0, sizeof(*o));
	o->fd = fown_fd;
	o->type = F_OWNER_PID;
	o->pid = IB_PID;
	o->signum = 10;
	o->flags = CKPT_FOWN_ASYNC;
	switch (fown_damage) {
	case 1:
		o->flags |= 2;
		break;
	case 2:
		o->type = F_OWNER_PGRP + 1;
		break;
	case 3:
		o->pid = 0;
		break;
	case 4:
		o->signum = 65;
		break;
	case 5:
		o->reserved = 1;
		break;
	}
}

static struct result fown_case(int fd, int share, int damage)
{
	struct ib_ops ops = { .rec = fown_hook };

	fown_fd = fd;
	fown_share = share;
	fown_damage = damage;
	return build_check(&ops, NULL);
}

UNIT_TEST(image_fown_checks)
{
	static const char *const bad[] = {
		"", "flags 0x3 or a reserved field",
		"fd 1: owner type 3 pid 4242, signal 10",
		"fd 1: owner type 1 pid 0, signal 10",
		"fd 1: owner type 1 pid 4242, signal 65",
		"flags 0x1 or a reserved field",
	};
	const char *no_fd = "not a descriptor of the process with an open file of its own, or not above the previous owner's (fd -1)";
	struct result r;
	int i;

	r = fown_case(1, 0, 0);
	CHECK_EQ(r.err, 0);
	CHECK_STR(r.msg, "");
	r = fown_case(3, 0, 0);
	CHECK_EQ(r.err, 0);
	for (i = 1; i < (int)ARRAY_SIZE(bad); i++) {
		r = fown_case(1, 0, i);
		CHECK_EQ(r.err, -EBADMSG);
		CHECK_EQ(r.type, CKPT_REC_FOWN);
		CHECK_STR(r.msg, bad[i]);
	}
	/* fd 2 has no entry; fd 3 shares fd 1's file; fd 4 is past all */
	r = fown_case(2, 0, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK(strstr(r.msg, "fd 2: ") && strstr(r.msg, no_fd));
	r = fown_case(3, 1, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_FOWN);
	CHECK(strstr(r.msg, "fd 3: ") && strstr(r.msg, no_fd));
	r = fown_case(1, 1, 0);
	CHECK_EQ(r.err, 0);
	r = fown_case(4, 0, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK(strstr(r.msg, no_fd));
	CHECK(!strcmp(ckpt_rec_name(CKPT_REC_FOWN), "FOWN"));
}

/* fd 3 (the FILE record of /etc) becomes a pidfd, damaged by @pidfd_damage. */
static int pidfd_damage;

static void pidfd_hook(struct ib_rec *r, void *ctx)
{
	struct ckpt_rec_file *f = (void *)r->payload;

	(void)ctx;
	if (r->type != CKPT_REC_FILE || r->nth != 2)
		return;
	r->len = 0;
	ib_file_entry(r, 3, CKPT_FILE_PIDFD, O_RDWR | O_NONBLOCK, 0,
		      pidfd_damage == 6 ? "/x" : NULL);
	f->ino = IB_PID;
	switch (pidfd_damage) {
	case 1:		/* a process gone */
		f->ino = 0;
		f->size = CKPT_PIDFD_GONE;
		break;
	case 2:
		f->ino = IB_PID + 1;
		break;
	case 3:
		f->size = CKPT_PIDFD_GONE;
		break;
	case 4:
		f->f_flags |= O_APPEND;
		break;
	case 5:
		f->size = 2;
		break;
	case 7:
		f->f_flags = O_RDONLY;
		break;
	}
}

UNIT_TEST(image_pidfd_checks)
{
	struct ib_ops ops = { .rec = pidfd_hook };
	char want[160];
	struct result r;
	static const int bad[] = { 2, 3, 4, 5, 7 };
	unsigned int i;

	for (pidfd_damage = 0; pidfd_damage < 2; pidfd_damage++) {
		r = build_check(&ops, NULL);
		CHECK_EQ(r.err, 0);
		CHECK_STR(r.msg, "");
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		pidfd_damage = bad[i];
		r = build_check(&ops, NULL);
		CHECK_EQ(r.err, -EBADMSG);
		CHECK_EQ(r.type, CKPT_REC_FILE);
		CHECK(strstr(r.msg, "pidfd fd 3: process ") &&
		      strstr(r.msg, "not a pidfd of a process of the image, nor of one gone"));
	}
	pidfd_damage = 2;
	r = build_check(&ops, NULL);
	snprintf(want, sizeof(want), "pidfd fd 3: process %d, gone flag 0, open flags 04002",
		 IB_PID + 1);
	CHECK(strstr(r.msg, want) != NULL);
	pidfd_damage = 6;
	r = build_check(&ops, NULL);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "an eventfd, timerfd, signalfd, epoll, memfd, socket, inotify or pidfd has no path");
}

UNIT_TEST(image_misc_checks)
{
	struct result r;
	char want[64];
	long off;

	r = mutate(CKPT_REC_FILE, 1, fd_order, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "fd 0 is not above the previous fd 0");
	r = mutate(CKPT_REC_FILE, 1, fd_kind, &off);
	snprintf(want, sizeof(want), "unknown kind %d", CKPT_FILE_KIND_MAX + 1);
	CHECK_STR(r.msg, want);
	r = mutate(CKPT_REC_AUXV, 0, auxv_no_null, &off);
	CHECK_STR(r.msg, "AT_NULL");
	r = mutate(CKPT_REC_AUXV, 0, auxv_odd, &off);
	CHECK_STR(r.msg, "pairs");
	r = mutate(CKPT_REC_XSTATE, 0, xstate_len, &off);
	CHECK_STR(r.msg, "the header says 832");
	r = mutate(CKPT_REC_XSTATE, 0, xstate_bv, &off);
	CHECK_STR(r.msg, "xstate_bv 0x27");
	r = mutate(CKPT_REC_RESTART, 0, restart_kind, &off);
	CHECK_STR(r.msg, "bad RESTART record");
	r = mutate(CKPT_REC_TIMERS, 0, timers_clocks, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "CLOCK_MONOTONIC 7000000000 ns, CLOCK_BOOTTIME 6000000000 ns");
	r = mutate(CKPT_REC_TIMERS, 0, timers_interval, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "ITIMER_REAL 0 ns, interval 5 ns");
	r = mutate(CKPT_REC_CLOCKS, 0, clocks_boot, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "CLOCK_MONOTONIC 4000000000 ns, CLOCK_MONOTONIC_RAW 4500000000 ns, CLOCK_BOOTTIME 3000000000 ns");
	r = mutate(CKPT_REC_CLOCKS, 0, clocks_raw, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "CLOCK_MONOTONIC_RAW -1 ns");
}

static void pages_outside(struct ib_rec *r)
{
	((struct ckpt_rec_pages *)pl(r))->addr = 0x500000;
}

static void pages_straddle(struct ib_rec *r)
{
	((struct ckpt_rec_pages *)pl(r))->addr = IB_HEAP + 0xf000;
}

static void pages_vdso(struct ib_rec *r)
{
	((struct ckpt_rec_pages *)pl(r))->addr = IB_VDSO;
}

static void pages_zero(struct ib_rec *r)
{
	((struct ckpt_rec_pages *)pl(r))->nr_pages = 0;
	r->len = sizeof(struct ckpt_rec_pages);
}

static void pages_unaligned(struct ib_rec *r)
{
	((struct ckpt_rec_pages *)pl(r))->addr += 8;
}

static void pages_backwards(struct ib_rec *r)
{
	((struct ckpt_rec_pages *)pl(r))->addr = IB_HEAP;
}

static void pages_stack(struct ib_rec *r)
{
	((struct ckpt_rec_pages *)pl(r))->addr = IB_STACK;
}

static void pages_count(struct ib_rec *r)
{
	((struct ckpt_rec_pages *)pl(r))->nr_pages = 3;
}

static void end_count(struct ib_rec *r)
{
	((struct ckpt_rec_end *)pl(r))->nr_pages++;
}

UNIT_TEST(image_pages_checks)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_PAGES, 1, pages_outside, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off);
	CHECK_STR(r.msg, "not inside one VMA");
	r = mutate(CKPT_REC_PAGES, 0, pages_straddle, &off);
	CHECK_STR(r.msg, "not inside one VMA");
	r = mutate(CKPT_REC_PAGES, 1, pages_vdso, &off);
	CHECK_STR(r.msg, "[vdso] mapping");
	r = mutate(CKPT_REC_PAGES, 1, pages_zero, &off);
	CHECK_STR(r.msg, "0 pages");
	r = mutate(CKPT_REC_PAGES, 1, pages_unaligned, &off);
	CHECK_STR(r.msg, "not page-aligned");
	/* As the kernel: PAGES may come in any order, and overlap. */
	r = mutate(CKPT_REC_PAGES, 1, pages_backwards, &off);
	CHECK_EQ(r.err, 0);
	r = mutate(CKPT_REC_PAGES, 1, pages_stack, &off);
	CHECK_EQ(r.err, 0);
	r = mutate(CKPT_REC_PAGES, 1, pages_count, &off);
	CHECK_STR(r.msg, "does not match 3 pages");
	r = mutate(CKPT_REC_END, 0, end_count, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off);
	CHECK_STR(r.msg, "it counts 6 pages, the image has 5");
}

UNIT_TEST(image_rec_names)
{
	CHECK(!strcmp(ckpt_rec_name(CKPT_REC_TASK), "TASK"));
	CHECK(!strcmp(ckpt_rec_name(CKPT_REC_END), "END"));
	CHECK(!strcmp(ckpt_rec_name(0), "unknown"));
	CHECK(!strcmp(ckpt_rec_name(99), "unknown"));
}

/* Random damage: the reader must answer with one of its errnos, never crash. */
UNIT_TEST(image_fuzz)
{
	static const int ok[] = { 0, -ENODATA, -ENOEXEC, -EPROTO, -EBADMSG,
				  -EXDEV, -EOPNOTSUPP };
	struct ib_image b;
	unsigned char *buf;
	struct result r;
	size_t len, k, i;
	int round, found;

	ib_build(&b, NULL);
	buf = malloc(b.len);
	CHECK(buf);
	srand(42);
	for (round = 0; round < 3000; round++) {
		memcpy(buf, b.buf, b.len);
		len = b.len - (round % 7 == 0 ? rand() % b.len : 0);
		for (k = 0; k < 1 + (size_t)rand() % 4; k++)
			buf[rand() % (round % 2 ? 4000 : len)] ^= 1 << (rand() % 8);
		r = check_buf(buf, len);
		for (i = 0, found = 0; i < ARRAY_SIZE(ok); i++)
			found |= r.err == ok[i];
		if (!found)
			printf("round %d: %d %s\n", round, r.err, r.msg);
		CHECK(found);
		CHECK(r.err == 0 || r.msg[0]);
	}
	free(buf);
	ib_free(&b);
}

/*
 * The fd-kind records: the standard image has none, so its RESTART record
 * (type 11, optional, before PAGES) is turned into one.
 */
static void as_fdstate(struct ib_rec *r, uint32_t kind, uint32_t nr_items)
{
	struct ckpt_rec_fdstate *s = pl(r);
	struct ckpt_rec_epitem *it = (void *)(s + 1);

	r->type = CKPT_REC_FDSTATE;
	r->len = sizeof(*s) + nr_items * sizeof(*it);
	memset(s, 0, r->len);
	s->fd = 3;
	s->kind = kind;
	s->nr_items = nr_items;
	if (nr_items) {
		it->fd = 4;
		it->events = 1;
		it->data = 42;
	}
}

static void fdstate_eventfd(struct ib_rec *r)
{
	as_fdstate(r, CKPT_FILE_EVENTFD, 0);
	((struct ckpt_rec_fdstate *)pl(r))->count = 7;
}

static void fdstate_epoll(struct ib_rec *r)
{
	as_fdstate(r, CKPT_FILE_EPOLL, 1);
}

static void fdstate_reserved(struct ib_rec *r)
{
	as_fdstate(r, CKPT_FILE_SIGNALFD, 0);
	((struct ckpt_rec_fdstate *)pl(r))->reserved[1] = 1;
}

static void fdstate_items_len(struct ib_rec *r)
{
	as_fdstate(r, CKPT_FILE_EPOLL, 1);
	((struct ckpt_rec_fdstate *)pl(r))->nr_items = 2;
}

static void fdstate_items_kind(struct ib_rec *r)
{
	as_fdstate(r, CKPT_FILE_TIMERFD, 1);
}

static void fdstate_pipe(struct ib_rec *r)
{
	as_fdstate(r, CKPT_FILE_PIPE, 0);
}

static void fdstate_negative(struct ib_rec *r)
{
	as_fdstate(r, CKPT_FILE_TIMERFD, 0);
	((struct ckpt_rec_fdstate *)pl(r))->value_ns = -1;
}

static void fdstate_inotify_cursor0(struct ib_rec *r)
{
	as_fdstate(r, CKPT_FILE_INOTIFY, 0);	/* count 0: no next wd */
}

static void fdstate_inotify(struct ib_rec *r)
{
	as_fdstate(r, CKPT_FILE_INOTIFY, 0);
	((struct ckpt_rec_fdstate *)pl(r))->count = 6;
}

/* An INWATCH record: watch @wd, mask @mask, path "/srv/w" (+ NUL). */
static void as_inwatch(struct ib_rec *r, int32_t wd, uint32_t mask)
{
	struct ckpt_rec_inwatch *w = pl(r);

	r->type = CKPT_REC_INWATCH;
	r->len = sizeof(*w) + 7;
	memset(w, 0, sizeof(*w));
	w->fd = 3;
	w->wd = wd;
	w->mask = mask;
	w->path_len = 7;
	memcpy(w + 1, "/srv/w", 7);
}

static void inwatch_ok(struct ib_rec *r)
{
	as_inwatch(r, 1, 0x100 | 0x80000000U);	/* IN_CREATE | IN_ONESHOT */
}

static void inwatch_wd0(struct ib_rec *r)
{
	as_inwatch(r, 0, 0x100);
}

static void inwatch_mask(struct ib_rec *r)
{
	as_inwatch(r, 1, 0x100 | 0x08000000U);	/* not a watch's flag */
}

static void inwatch_no_events(struct ib_rec *r)
{
	as_inwatch(r, 1, 0x04000000U);		/* IN_EXCL_UNLINK alone */
}

static void inwatch_no_nul(struct ib_rec *r)
{
	as_inwatch(r, 1, 0x100);
	((char *)pl(r))[sizeof(struct ckpt_rec_inwatch) + 6] = 'x';
}

/* An INEVENTS record: IN_CREATE "a" on watch 1, then the overflow. */
static void as_inevents(struct ib_rec *r)
{
	struct ckpt_rec_inevents *e = pl(r);
	int32_t ev[8] = { 1, 0x100, 0, 16, 0, 0, 0, 0 };
	int32_t of[4] = { -1, 0x4000, 0, 0 };

	r->type = CKPT_REC_INEVENTS;
	r->len = sizeof(*e) + 32 + 16;
	memset(e, 0, sizeof(*e));
	e->fd = 3;
	e->nr_events = 2;
	e->len = 48;
	memcpy(e + 1, ev, 32);
	((char *)(e + 1))[16] = 'a';
	memcpy((char *)(e + 1) + 32, of, 16);
}

static void inevents_ok(struct ib_rec *r)
{
	as_inevents(r);
}

static void inevents_count(struct ib_rec *r)
{
	as_inevents(r);
	((struct ckpt_rec_inevents *)pl(r))->nr_events = 3;
}

static void inevents_padding(struct ib_rec *r)
{
	as_inevents(r);
	((char *)pl(r))[sizeof(struct ckpt_rec_inevents) + 31] = 'x';
}

static void inevents_overflow_first(struct ib_rec *r)
{
	as_inevents(r);
	((uint32_t *)pl(r))[4 + 1] = 0x4000;	/* first event's mask */
}

static void as_shmem(struct ib_rec *r, uint32_t kind, const char *name,
		     uint32_t name_len)
{
	struct ckpt_rec_shmem *s = pl(r);

	r->type = CKPT_REC_SHMEM;
	r->len = sizeof(*s) + name_len;
	memset(s, 0, sizeof(*s));
	s->id = 9;
	s->size = 8192;
	s->kind = kind;
	s->name_len = name_len;
	memcpy(s + 1, name, name_len);
}

static void shmem_memfd(struct ib_rec *r)
{
	as_shmem(r, CKPT_SHMEM_MEMFD, "buf", 4);
}

static void shmem_no_nul(struct ib_rec *r)
{
	as_shmem(r, CKPT_SHMEM_MEMFD, "bufX", 4);
}

static void shmem_anon_named(struct ib_rec *r)
{
	as_shmem(r, CKPT_SHMEM_ANON, "buf", 4);
}

static void shmdata_unaligned(struct ib_rec *r)
{
	struct ckpt_rec_shmdata *sd = pl(r);

	r->type = CKPT_REC_SHMDATA;
	r->len = sizeof(*sd) + 16;
	memset(sd, 0, r->len);
	sd->id = 9;
	sd->offset = 100;
}

static void file_eventfd_path(struct ib_rec *r)
{
	((struct ckpt_rec_file *)pl(r))->kind = CKPT_FILE_EVENTFD;
}

UNIT_TEST(image_fdkinds_checks)
{
	struct result r;
	long off;

	r = mutate(CKPT_REC_TIMERS, 0, fdstate_eventfd, &off);
	CHECK_EQ(r.err, 0);
	r = mutate(CKPT_REC_TIMERS, 0, fdstate_epoll, &off);
	CHECK_EQ(r.err, 0);
	r = mutate(CKPT_REC_TIMERS, 0, fdstate_reserved, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, off);
	CHECK_STR(r.msg, "reserved");
	r = mutate(CKPT_REC_TIMERS, 0, fdstate_items_len, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "length");
	r = mutate(CKPT_REC_TIMERS, 0, fdstate_items_kind, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "epoll items");
	r = mutate(CKPT_REC_TIMERS, 0, fdstate_pipe, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "has no state");
	r = mutate(CKPT_REC_TIMERS, 0, fdstate_negative, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "negative time");
	r = mutate(CKPT_REC_TIMERS, 0, fdstate_inotify, &off);
	CHECK_EQ(r.err, 0);
	r = mutate(CKPT_REC_TIMERS, 0, fdstate_inotify_cursor0, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "next watch descriptor 0");
	r = mutate(CKPT_REC_TIMERS, 0, inwatch_ok, &off);
	CHECK_EQ(r.err, 0);
	r = mutate(CKPT_REC_TIMERS, 0, inwatch_wd0, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "watch descriptor 0");
	r = mutate(CKPT_REC_TIMERS, 0, inwatch_mask, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "mask 0x8000100");
	r = mutate(CKPT_REC_TIMERS, 0, inwatch_no_events, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "mask 0x4000000");
	r = mutate(CKPT_REC_TIMERS, 0, inwatch_no_nul, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "NUL");
	r = mutate(CKPT_REC_TIMERS, 0, inevents_ok, &off);
	CHECK_EQ(r.err, 0);
	r = mutate(CKPT_REC_TIMERS, 0, inevents_count, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "2 events, not 3");
	r = mutate(CKPT_REC_TIMERS, 0, inevents_padding, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "after the name's NUL");
	r = mutate(CKPT_REC_TIMERS, 0, inevents_overflow_first, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "watch 1 with mask 0x4000");
	r = mutate(CKPT_REC_TIMERS, 0, shmem_memfd, &off);
	CHECK_EQ(r.err, 0);
	r = mutate(CKPT_REC_TIMERS, 0, shmem_no_nul, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "NUL-terminated");
	r = mutate(CKPT_REC_TIMERS, 0, shmem_anon_named, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "name length");
	r = mutate(CKPT_REC_TIMERS, 0, shmdata_unaligned, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "not page-aligned");
	r = mutate(CKPT_REC_FILE, 1, file_eventfd_path, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "has no path");
	CHECK(!strcmp(ckpt_rec_name(CKPT_REC_FDSTATE), "FDSTATE") &&
	      !strcmp(ckpt_rec_name(CKPT_REC_SHMEM), "SHMEM") &&
	      !strcmp(ckpt_rec_name(CKPT_REC_SHMDATA), "SHMDATA"));
}

/* ---- images of process trees -------------------------------------- */

/*
 * @n FILE entries of 4096-byte paths (fds 0..n-1), front-coded, as many
 * to a record as fit; *@at (if @at) is set to the offset of entry
 * @at_entry.
 */
static void tb_many_paths(struct ib_buf *t, uint32_t n, uint32_t at_entry,
			  long *at)
{
	struct ib_rec r = { .type = CKPT_REC_FILE };
	char path[CKPT_PATH_MAX];
	uint32_t i = 0;

	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[CKPT_PATH_MAX - 1] = 0;
	r.payload = malloc(CKPT_REC_MAX_META);
	if (!r.payload)
		abort();
	while (i < n) {
		r.len = 0;
		do {
			if (at && i == at_entry)
				*at = t->len + REC_HDR + r.len;
			ib_file_entry(&r, i++, CKPT_FILE_REG, 0,
				      r.len ? CKPT_PATH_MAX - 2 : 0, path);
		} while (i < n && r.len + ENTRY + 2 <= CKPT_REC_MAX_META);
		ib_buf_rec(t, CKPT_REC_FILE, r.payload, r.len);
	}
	free(r.payload);
}

/* Changes a record of process @idx before it is written. */
typedef void (*tree_fix)(uint32_t idx, uint32_t type, void *p);

/*
 * Per process of a tree image: a SHARES record written before its first
 * PAGES (or END), whether its FILE records are left out, and (if not 0)
 * how many entries of tb_many_paths() replace them.
 */
static const struct ckpt_rec_shares *tb_shares[3];
static int tb_no_files[3];
static uint32_t tb_paths[3];
static uint64_t tb_skip[3];	/* record types left out (1 << type) */
static const struct ib_ops *tb_ops;	/* what the processes' records are */

/* The standard image's records again, as process @idx with @pid. */
static void tb_task(struct ib_buf *t, const struct ib_image *img,
		    uint32_t idx, int32_t pid, tree_fix fix)
{
	size_t off = sizeof(struct ckpt_image_header);
	int shares_done = 0, paths_done = 0;

	while (off < img->len) {
		struct ckpt_rec_header h;
		unsigned char *p;

		memcpy(&h, img->buf + off, sizeof(h));
		if (idx < 3 && ((tb_no_files[idx] && h.type == CKPT_REC_FILE) ||
				(tb_skip[idx] & (1ULL << h.type)))) {
			off += sizeof(h) + h.len;
			continue;
		}
		if (idx < 3 && tb_paths[idx] && h.type == CKPT_REC_FILE) {
			if (!paths_done)
				tb_many_paths(t, tb_paths[idx], 0, NULL);
			paths_done = 1;
			off += sizeof(h) + h.len;
			continue;
		}
		if (idx < 3 && tb_shares[idx] && !shares_done &&
		    CKPT_REC_ORDER(h.type) > CKPT_REC_ORDER(CKPT_REC_SHARES)) {
			ib_buf_rec(t, CKPT_REC_SHARES, tb_shares[idx],
			       sizeof(*tb_shares[idx]));
			shares_done = 1;
		}
		p = malloc(h.len ? h.len : 1);
		if (!p)
			abort();
		memcpy(p, img->buf + off + sizeof(h), h.len);
		if (h.type == CKPT_REC_TASK) {
			((struct ckpt_rec_task *)p)->pid = pid;
			((struct ckpt_rec_task *)p)->tid = pid;
		} else if (h.type == CKPT_REC_PAGES) {
			t->nr_pages += ((struct ckpt_rec_pages *)p)->nr_pages;
		} else if (h.type == CKPT_REC_END) {
			((struct ckpt_rec_end *)p)->nr_records = t->nr_records;
			((struct ckpt_rec_end *)p)->nr_pages = t->nr_pages;
		}
		if (fix)
			fix(idx, h.type, p);
		ib_buf_rec(t, h.type, p, h.len);
		free(p);
		off += sizeof(h) + h.len;
	}
}

/* root 100 (session and group leader), its child 101, grandchild 102 */
static struct ckpt_rec_tree_task tree3[3] = {
	{ .pid = 100, .ppid = 1, .pgid = 100, .sid = 100 },
	{ .pid = 101, .ppid = 100, .pgid = 100, .sid = 100 },
	{ .pid = 102, .ppid = 101, .pgid = 102, .sid = 100 },
};

/* An image of @n processes (@tt, or tree3), @cut bytes short. */
static struct result tree_case(const struct ckpt_rec_tree_task *tt,
			       uint32_t n, tree_fix fix, size_t cut)
{
	struct ib_buf t = { 0 };
	struct ckpt_image_header h;
	struct ib_image img;
	struct result r;
	uint32_t i;

	if (!tt)
		tt = tree3;
	ib_build(&img, tb_ops);
	memcpy(&h, img.buf, sizeof(h));
	h.nr_tasks = n;
	h.csum = 0;
	h.csum = ckpt_csum2(&h, sizeof(h), NULL, 0);
	ib_buf_put(&t, &h, sizeof(h));
	ib_buf_rec(&t, CKPT_REC_TREE, tt, n * sizeof(*tt));
	for (i = 0; i < n; i++)
		if (!(tt[i].flags & CKPT_TREE_ZOMBIE))
			tb_task(&t, &img, i, tt[i].pid, fix);
	r = check_buf(t.buf, t.len - cut);
	free(t.buf);
	ib_free(&img);
	return r;
}

/* Process 1's first descriptor is process 0's open file (fork). */
static void fix_tree_fd(uint32_t idx, uint32_t type, void *p)
{
	struct ckpt_rec_file *f = p;

	if (idx == 1 && type == CKPT_REC_FILE && f->fd == 0) {
		f->fd_flags = CKPT_FD_TREE;
		f->shared_pid = 100;
		f->shared_fd = 0;
	}
}

UNIT_TEST(image_tree_valid)
{
	struct result r = tree_case(NULL, 3, fix_tree_fd, 0);

	CHECK_EQ(r.err, 0);
	CHECK_STR(r.msg, "");
	r = tree_case(NULL, 3, NULL, 0);
	CHECK_EQ(r.err, 0);
}

UNIT_TEST(image_tree_truncated)
{
	/* ends after the first process's END: two more were announced */
	struct result r = tree_case(NULL, 3, NULL, 1);

	CHECK_EQ(r.err, -ENODATA);
}

/* Process 2's first descriptor names the zombie 100's open file. */
static void fix_zombie_fd(uint32_t idx, uint32_t type, void *p)
{
	struct ckpt_rec_file *f = p;

	if (idx == 2 && type == CKPT_REC_FILE && f->fd == 0) {
		f->fd_flags = CKPT_FD_TREE;
		f->shared_pid = 100;
	}
}

UNIT_TEST(image_tree_bad_links)
{
	struct ckpt_rec_tree_task tt[3];
	struct result r;

	memcpy(tt, tree3, sizeof(tt));
	tt[2].ppid = 999;
	r = tree_case(tt, 3, NULL, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_TREE);
	CHECK_STR(r.msg, "the parent 999 of process 102 is not listed before it");
	memcpy(tt, tree3, sizeof(tt));
	tt[2].pid = 101;
	r = tree_case(tt, 3, NULL, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "pid 101 is listed twice");
	memcpy(tt, tree3, sizeof(tt));
	tt[1].sid = 0;
	r = tree_case(tt, 3, NULL, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "not positive");
	memcpy(tt, tree3, sizeof(tt));
	tt[1].exit_code = 1;		/* a status, but not a zombie */
	r = tree_case(tt, 3, NULL, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "bad flags 0x0 or exit status 0x1");
	memcpy(tt, tree3, sizeof(tt));
	tt[1].flags = CKPT_TREE_ZOMBIE;	/* the parent of 102 */
	r = tree_case(tt, 3, NULL, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "the parent 101 of process 102 is not listed before it");
	memcpy(tt, tree3, sizeof(tt));
	tt[0].flags = CKPT_TREE_ZOMBIE;	/* the root */
	r = tree_case(tt, 3, NULL, 0);
	CHECK_EQ(r.err, -EBADMSG);
}

UNIT_TEST(image_tree_zombie)
{
	struct ckpt_rec_tree_task tt[3];
	struct result r;

	/* 102 exited with status 7: listed, but no records of its own */
	memcpy(tt, tree3, sizeof(tt));
	tt[2].flags = CKPT_TREE_ZOMBIE;
	tt[2].exit_code = 7 << 8;
	r = tree_case(tt, 3, NULL, 0);
	CHECK_EQ(r.err, 0);
	/* and 101 may not share a file of a zombie */
	memcpy(tt, tree3, sizeof(tt));
	tt[0].pid = 99;
	tt[1].ppid = 99;
	tt[2].ppid = 99;
	tt[1].flags = CKPT_TREE_ZOMBIE;
	tt[1].pid = 100;
	r = tree_case(tt, 3, fix_zombie_fd, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "not an earlier process of the tree");
}

static void fix_task_pid(uint32_t idx, uint32_t type, void *p)
{
	if (idx == 2 && type == CKPT_REC_TASK) {
		((struct ckpt_rec_task *)p)->pid = 103;
		((struct ckpt_rec_task *)p)->tid = 103;
	}
}

static void fix_fd_later(uint32_t idx, uint32_t type, void *p)
{
	struct ckpt_rec_file *f = p;

	if (idx == 1 && type == CKPT_REC_FILE && f->fd == 0) {
		f->fd_flags = CKPT_FD_TREE;
		f->shared_pid = 102;	/* comes after it */
	}
}

static void fix_fd_pid_only(uint32_t idx, uint32_t type, void *p)
{
	struct ckpt_rec_file *f = p;

	if (idx == 1 && type == CKPT_REC_FILE && f->fd == 0)
		f->shared_pid = 100;
}

UNIT_TEST(image_tree_bad_records)
{
	struct result r = tree_case(NULL, 3, fix_task_pid, 0);

	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_TASK);
	CHECK_STR(r.msg, "pid 103, but process 2 of the TREE record is 102");
	r = tree_case(NULL, 3, fix_fd_later, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_FILE);
	CHECK_STR(r.msg, "not an earlier process of the tree");
	r = tree_case(NULL, 3, fix_fd_pid_only, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "names process 100 without sharing its file");
}

/* @s in process 1 (101, child of 100), its FILE records left out or not. */
static struct result shares_case(const struct ckpt_rec_shares *s, int no_files)
{
	struct result r;

	tb_shares[1] = s;
	tb_no_files[1] = no_files;
	r = tree_case(NULL, 3, NULL, 0);
	tb_shares[1] = NULL;
	tb_no_files[1] = 0;
	return r;
}

UNIT_TEST(image_tree_shares)
{
	struct ckpt_rec_shares s = { .files_pid = 100, .fs_pid = 100 };
	struct result r;

	/* 101 uses 100's file table and fs context: no FILE records */
	r = shares_case(&s, 1);
	CHECK_EQ(r.err, 0);
	CHECK_STR(r.msg, "");
	s.files_pid = 0;		/* the fs context only: FILE records */
	r = shares_case(&s, 0);
	CHECK_EQ(r.err, 0);
	/* a shared table, and records of its own */
	s.files_pid = 100;
	r = shares_case(&s, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_SHARES);
	CHECK_STR(r.msg, "a shared file table, and");
	/* a later process, itself, one not in the tree */
	s.files_pid = 102;
	r = shares_case(&s, 1);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "the file table of process 102, not an earlier process of the tree");
	s.files_pid = 101;
	r = shares_case(&s, 1);
	CHECK_EQ(r.err, -EBADMSG);
	s.files_pid = 100;
	s.fs_pid = 1;
	r = shares_case(&s, 1);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "the fs context of process 1, not an earlier process of the tree");
	/* nothing, or reserved bits */
	s.files_pid = 0;
	s.fs_pid = 0;
	r = shares_case(&s, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "shares nothing");
	s.fs_pid = 100;
	s.reserved[0] = 1;
	r = shares_case(&s, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "non-zero reserved field");
}

/*
 * Every process holds pseudo-terminal 3's master at fd 3 (ib_pty_hook)
 * and has its PTY record, but those of @skip (bit i: process i); @fix
 * changes their records.
 */
static struct result pty_tree_case(unsigned int skip, tree_fix fix)
{
	struct ib_ops ops = { .rec = ib_pty_hook };
	struct result r;
	int i;

	for (i = 0; i < 3; i++)
		tb_skip[i] = skip & (1U << i) ? 1ULL << CKPT_REC_PTY : 0;
	tb_ops = &ops;
	r = tree_case(NULL, 3, fix, 0);
	tb_ops = NULL;
	memset(tb_skip, 0, sizeof(tb_skip));
	return r;
}

/* Later processes' fd 3: process 100's master (fork), or the slave. */
static void fix_pty_inherited(uint32_t idx, uint32_t type, void *p)
{
	struct ckpt_rec_file *f = p;

	if (idx && type == CKPT_REC_FILE && f->kind == CKPT_FILE_PTY) {
		f->fd_flags = CKPT_FD_TREE;
		f->shared_pid = 100;
		f->shared_fd = 3;
	}
}

static void fix_pty_slave(uint32_t idx, uint32_t type, void *p)
{
	struct ckpt_rec_file *f = p;

	if (idx && type == CKPT_REC_FILE && f->kind == CKPT_FILE_PTY)
		f->rdev = IB_PTS3_RDEV;	/* its path stays /dev/ptmx */
}

/* 100 holds the slave, 101 the master (102 101's, by fork) */
static void fix_pty_slave_first(uint32_t idx, uint32_t type, void *p)
{
	struct ckpt_rec_file *f = p;

	if (type != CKPT_REC_FILE || f->kind != CKPT_FILE_PTY)
		return;
	if (idx == 0)
		f->rdev = IB_PTS3_RDEV;
	if (idx == 2) {
		f->fd_flags = CKPT_FD_TREE;
		f->shared_pid = 101;
		f->shared_fd = 3;
	}
}

UNIT_TEST(image_tree_pty)
{
	struct result r;

	/* the process holding the master has the record, and only it */
	r = pty_tree_case(6, fix_pty_inherited);
	CHECK_EQ(r.err, 0);
	CHECK_STR(r.msg, "");
	r = pty_tree_case(6, fix_pty_slave);
	CHECK_EQ(r.err, 0);
	r = pty_tree_case(4, fix_pty_inherited);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_PTY);
	CHECK_STR(r.msg, "a second PTY record of pseudo-terminal 3");
	/* a master of its own (not 100's open file), without its record */
	r = pty_tree_case(6, NULL);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_PAGES);
	CHECK_STR(r.msg, "pseudo-terminal 3: a FILE entry holds its master, and no PTY record follows");
	/* the slave's holder comes first: the record would be too late */
	r = pty_tree_case(5, fix_pty_slave_first);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_PAGES);
	CHECK_STR(r.msg, "pseudo-terminal 3, an end of which a FILE entry holds, has no PTY record");
}

#define TB_VM	((1ULL << CKPT_REC_MM) | (1ULL << CKPT_REC_AUXV) | \
		 (1ULL << CKPT_REC_VMA) | (1ULL << CKPT_REC_PAGES))
#define TB_SA	(1ULL << CKPT_REC_SIGACTIONS)

/* @s in process 1 (101), the record types @skip left out. */
static struct result vmshare_case(const struct ckpt_rec_shares *s,
				  uint64_t skip)
{
	struct result r;

	tb_skip[1] = skip;
	r = shares_case(s, 0);
	tb_skip[1] = 0;
	return r;
}

UNIT_TEST(image_tree_vmshare)
{
	struct ckpt_rec_shares s = { .vm_pid = 100, .sighand_pid = 100 };
	struct result r;

	/* 101 on 100's address space and handlers: none of its own */
	r = vmshare_case(&s, TB_VM | TB_SA);
	CHECK_EQ(r.err, 0);
	CHECK_STR(r.msg, "");
	s.sighand_pid = 0;		/* CLONE_VM alone: its own handlers */
	r = vmshare_case(&s, TB_VM);
	CHECK_EQ(r.err, 0);
	/* its own handlers missing */
	r = vmshare_case(&s, TB_VM | TB_SA);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "no SIGACTIONS record");
	/* an address space of its own too */
	r = vmshare_case(&s, 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_PAGES);	/* where its metadata ends */
	CHECK_STR(r.msg, "records of an address space, and the address space of process 100");
	/* pages without mappings */
	r = vmshare_case(&s, TB_VM & ~(1ULL << CKPT_REC_PAGES));
	CHECK_EQ(r.err, -EBADMSG);
	/* handlers of its own, and shared */
	s.sighand_pid = 100;
	r = vmshare_case(&s, TB_VM);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "a SIGACTIONS record, and the signal handlers of process 100");
	/* a later process, itself, one not in the tree */
	s.vm_pid = 102;
	r = vmshare_case(&s, TB_VM | TB_SA);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "the address space of process 102, not an earlier process of the tree");
	s.vm_pid = 101;
	r = vmshare_case(&s, TB_VM | TB_SA);
	CHECK_EQ(r.err, -EBADMSG);
	s.vm_pid = 1;
	r = vmshare_case(&s, TB_VM | TB_SA);
	CHECK_EQ(r.err, -EBADMSG);
	/* handlers without an address space */
	s.vm_pid = 0;
	r = vmshare_case(&s, TB_SA);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "the signal handlers of process 100, not an earlier process of the tree on the same address space");
	/* no address space record, sharing none */
	s.sighand_pid = 0;
	s.fs_pid = 100;
	r = vmshare_case(&s, TB_VM);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_STR(r.msg, "no MM or AUXV record (process 101)");
}

UNIT_TEST(image_tree_record_placement)
{
	struct ckpt_rec_tree_task one = { .pid = IB_PID, .ppid = 1,
					  .pgid = IB_PID, .sid = IB_PID };
	/* a TREE record in an image of one process */
	struct result r = tree_case(&one, 1, NULL, 0);

	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_TREE);
	CHECK_STR(r.msg, "only the first of an image of several processes");
}

/* ATTRS (28) and SKIPPED (29): after SHMDATA, before PAGES, by rank. */
static void to_attrs(struct ib_rec *r)
{
	struct ckpt_rec_attrs a = { .securebits = 0x10,
				    .timer_slack_ns = 50000, .nr_ttys = 1 };
	struct ckpt_rec_tty t = { .fd = 0, .row = 24, .col = 80 };

	r->type = CKPT_REC_ATTRS;
	r->len = sizeof(a) + sizeof(t);
	memcpy(r->payload, &a, sizeof(a));
	memcpy(r->payload + sizeof(a), &t, sizeof(t));
}

/* A foreground group: with its controlling terminal (fg_ok), without. */
static void to_attrs_fg(struct ib_rec *r)
{
	to_attrs(r);
	((struct ckpt_rec_attrs *)r->payload)->fg_pgrp = 5;
}

static void to_attrs_fg_ok(struct ib_rec *r)
{
	struct ckpt_rec_tty *t;

	to_attrs_fg(r);
	t = (void *)(r->payload + sizeof(struct ckpt_rec_attrs));
	t->flags = CKPT_TTY_CTTY;
}

static void to_skipped(struct ib_rec *r)
{
	struct ckpt_rec_skipped s = { .class = CKPT_SKIPPED_FD, .fd = 7 };

	strcpy(s.what, "anon_inode:inotify");
	r->type = CKPT_REC_SKIPPED;
	r->len = sizeof(s);
	memcpy(r->payload, &s, sizeof(s));
}

static void to_skipped_bad(struct ib_rec *r)
{
	to_skipped(r);
	((struct ckpt_rec_skipped *)r->payload)->class = 9;
}

UNIT_TEST(image_attrs_order)
{
	long off;
	struct result r;

	/* in place of TIMERS (optional): decodes */
	r = mutate(CKPT_REC_TIMERS, 0, to_attrs, &off);
	CHECK_EQ(r.err, 0);
	r = mutate(CKPT_REC_TIMERS, 0, to_attrs_fg_ok, &off);
	CHECK_EQ(r.err, 0);
	r = mutate(CKPT_REC_TIMERS, 0, to_attrs_fg, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_ATTRS);
	CHECK_STR(r.msg, "foreground process group 5 without a controlling terminal");
	r = mutate(CKPT_REC_TIMERS, 0, to_skipped, &off);
	CHECK_EQ(r.err, 0);
	r = mutate(CKPT_REC_TIMERS, 0, to_skipped_bad, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_SKIPPED);
	/* in place of RESTART, with TIMERS after it: out of order */
	r = mutate(CKPT_REC_RESTART, 0, to_attrs, &off);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.type, CKPT_REC_TIMERS);
	CHECK_STR(r.msg, "out of order after a ATTRS record");
	CHECK_EQ(CKPT_REC_ORDER(CKPT_REC_SHMDATA) < CKPT_REC_ORDER(CKPT_REC_ATTRS),
		 1);
	CHECK_EQ(CKPT_REC_ORDER(CKPT_REC_SKIPPED) < CKPT_REC_ORDER(CKPT_REC_PAGES),
		 1);
}

/*
 * The standard image with its FILE records replaced by @n entries of
 * tb_many_paths(); *@at is set to the offset of entry @at_entry.
 */
static struct result many_paths_case(uint32_t n, uint32_t at_entry, long *at)
{
	struct ib_buf t = { 0 };
	long from, to, end;
	struct ckpt_rec_end e;
	struct ib_image b;
	struct result res;
	int k;

	ib_build(&b, NULL);
	from = ib_offset(&b, CKPT_REC_FILE, 0);
	to = ib_offset(&b, CKPT_REC_REGS, 0);
	end = ib_offset(&b, CKPT_REC_END, 0);
	for (k = 0; k < b.nr; k++)
		t.nr_records += b.off[k] < (uint64_t)from ||
				(b.off[k] >= (uint64_t)to &&
				 b.off[k] < (uint64_t)end);
	ib_buf_put(&t, b.buf, from);
	tb_many_paths(&t, n, at_entry, at);
	ib_buf_put(&t, b.buf + to, end - to);
	memcpy(&e, b.buf + end + REC_HDR, sizeof(e));
	e.nr_records = t.nr_records;
	ib_buf_rec(&t, CKPT_REC_END, &e, sizeof(e));
	res = check_buf(t.buf, t.len);
	free(t.buf);
	ib_free(&b);
	return res;
}

/* A process's FILE entries' whole paths total at most 16 MiB. */
UNIT_TEST(image_file_entries_paths_cap)
{
	uint32_t n = CKPT_MAX_FILE_PATHS / CKPT_PATH_MAX;
	struct result r;
	char want[160];
	long at = -1;

	r = many_paths_case(n, n, &at);
	CHECK_EQ(r.err, 0);
	r = many_paths_case(n + 1, n, &at);
	snprintf(want, sizeof(want),
		 "bad FILE entry at offset %ld: the process's whole paths exceed %u bytes",
		 at, CKPT_MAX_FILE_PATHS);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(r.offset, at);
	CHECK_STR(r.msg, want);
}

/* ... of its own: two processes each at 16 MiB decode. */
UNIT_TEST(image_file_entries_paths_cap_per_process)
{
	uint32_t n = CKPT_MAX_FILE_PATHS / CKPT_PATH_MAX;
	struct result r;

	tb_paths[0] = tb_paths[1] = n;
	r = tree_case(NULL, 2, NULL, 0);
	tb_paths[0] = tb_paths[1] = 0;
	CHECK_EQ(r.err, 0);
	CHECK_STR(r.msg, "");
}
