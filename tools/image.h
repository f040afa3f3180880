/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one image reader of the tools: reads an image sequentially (a file,
 * a pipe or a buffer), checks every bound, checksum and the record order
 * the kernel enforces, and hands out one record at a time (a FILE record
 * one entry at a time, each as a record of its own: see file_rec).
 *
 *	struct ckpt_image img;
 *
 *	err = ckpt_image_open_fd(&img, fd);
 *	while (!err && (err = ckpt_image_next(&img)) > 0)
 *		use img.rec, img.rec_offset, img.payload;
 *	if (err < 0)
 *		report img.error.msg;
 *	ckpt_image_close(&img);
 *
 * ckpt_image_next() returns 1 for a record, 0 once the END record has been
 * returned and nothing follows it, or a negative errno:
 *	ENODATA  the image ends early
 *	ENOEXEC  bad magic
 *	EPROTO   unsupported version or header size
 *	EBADMSG  bad checksum, length, contents or order
 *	EXDEV    another architecture or page size
 *	EOPNOTSUPP  state a restore cannot take (a personality...)
 *	others   reading failed (EIO...), ENOMEM
 */
#ifndef CKPT_TOOLS_IMAGE_H
#define CKPT_TOOLS_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/ckpt.h>
#include "util.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ckpt images are little-endian; this reader assumes a little-endian host"
#endif

#define CKPT_IMG_PAGE_SIZE	4096U
#define CKPT_IMG_PID_MAX_LIMIT	4194304	/* the kernel's PID_MAX_LIMIT */
/* Highest user address of x86_64 with 5-level paging. */
#define CKPT_IMG_TASK_SIZE_MAX	((1ULL << 56) - CKPT_IMG_PAGE_SIZE)
#define CKPT_IMG_FXSAVE_SIZE	512U
#define CKPT_IMG_XSAVE_HDR_SIZE	64U
/*
 * XSAVE features that can be user state in XCR0: x87, SSE, AVX, MPX (2),
 * AVX-512 (3), PKRU, AMX (2), APX.
 */
#define CKPT_IMG_XFEATURES_USER	0xe02ffULL
#define CKPT_IMG_USER_CS	0x33
#define CKPT_IMG_USER_DS	0x2b
#define CKPT_IMG_RSEQ_SIZE	32U	/* sizeof(struct rseq) */
/* SS_ONSTACK, SS_DISABLE, SS_AUTODISARM */
#define CKPT_IMG_SS_FLAGS	(1U | 2U | (1U << 31))
/*
 * The sa_flags a restore accepts (x86_64 values): SA_NOCLDSTOP,
 * SA_NOCLDWAIT, SA_SIGINFO, SA_UNSUPPORTED, SA_EXPOSE_TAGBITS, SA_X32_ABI,
 * SA_IA32_ABI, SA_RESTORER, SA_ONSTACK, SA_RESTART, SA_NODEFER,
 * SA_RESETHAND.
 */
#define CKPT_IMG_SA_KNOWN	0xdf000c07ULL
/*
 * The open flags a restore accepts (x86_64 values): O_ACCMODE, O_APPEND,
 * O_NONBLOCK, O_DIRECT, O_NOATIME, O_DSYNC, __O_SYNC, O_LARGEFILE, O_PATH,
 * O_DIRECTORY, O_NOFOLLOW, FASYNC.
 */
#define CKPT_IMG_F_FLAGS	(03U | 02000U | 04000U | 040000U | \
				 01000000U | 010000U | 04000000U | \
				 0100000U | 010000000U | 0200000U | \
				 0400000U | 020000U)

/* A device number as new_encode_dev() writes it (FILE, INWATCH records). */
static inline unsigned int ckpt_dev_major(uint32_t dev)
{
	return (dev & 0xfff00) >> 8;
}

static inline unsigned int ckpt_dev_minor(uint32_t dev)
{
	return (dev & 0xff) | ((dev >> 12) & 0xfff00);
}

/* /dev/ptmx (5:2): the master end of a CKPT_FILE_PTY entry. */
#define CKPT_IMG_PTMX_RDEV	((5U << 8) | 2U)
/* /dev/tty (5:0): a CKPT_FILE_CTTY entry. */
#define CKPT_IMG_DEVTTY_RDEV	((5U << 8) | 0U)
/* /dev/pts indices there can be (NR_UNIX98_PTY_MAX). */
#define CKPT_IMG_PTY_MAX	(1U << 20)

struct ckpt_image_error {
	int err;		/* negative errno, 0 if none */
	uint64_t offset;	/* of the header or record at fault */
	uint32_t type;		/* record type at fault, 0: header */
	int unreadable;		/* the source failed a read: not a bad image */
	char msg[320];		/* what is wrong, with the offset */
};

struct ckpt_image_vma {
	uint64_t start;
	uint64_t end;
	uint32_t kind;
};

struct ckpt_image {
	/* The source: an fd, or a buffer when mem is set. */
	int fd;
	const unsigned char *mem;
	size_t mem_len;
	uint64_t offset;		/* bytes consumed */
	int copy_fd;			/* >= 0: what is read is written here */
	uint64_t copy_max;		/* at most this much, else -EFBIG */
	/* ckpt_image_open_at(): fd read by position, of this size then. */
	int positional;
	struct ckpt_at at;
	uint64_t at_size;
	/*
	 * A buffer or ckpt_image_open_at() only: PAGES records' page data
	 * is neither copied nor checksummed (their header still is
	 * checked).  For a pass over the metadata before a restore: the
	 * module checks every PAGES record's checksum as it restores the
	 * pages.
	 */
	int skip_page_data;

	struct ckpt_image_header hdr;

	/* The record ckpt_image_next() returned. */
	struct ckpt_rec_header rec;
	uint64_t rec_offset;
	void *payload;			/* rec.len bytes */
	size_t payload_size;

	/* Validation state. */
	uint32_t last_type;		/* 0 before the first record */
	uint64_t nr_records;
	uint64_t nr_pages;
	struct ckpt_rec_task task;
	struct ckpt_image_vma *vmas;
	uint32_t nr_vmas;
	uint32_t vmas_cap;
	uint32_t nr_files;
	uint32_t file_paths;		/* their whole paths' bytes */
	int32_t last_fd;
	uint64_t mm_vdso;
	uint64_t seen;			/* this process's record types */
	/*
	 * A FILE record's entries are handed out one at a time, each as a
	 * record of its own: rec_offset is the entry's offset, payload the
	 * entry with its whole path (path_prefix 0, path_len that path's
	 * length) and rec.len its length.  The record was checked (length,
	 * checksum, order) as one.
	 */
	unsigned char *file_rec;	/* the record's payload, then the
					 * last entry's whole path */
	uint64_t file_offset;		/* the record's offset */
	uint32_t file_len;		/* its length; 0: not a FILE record */
	uint32_t file_pos;		/* where its next entry starts */
	uint32_t file_path_len;		/* the last entry's whole path, with
					 * its NUL; 0: none */
	struct ckpt_rec_shares shares;	/* its SHARES record, or zeros */
	/* Pseudo-terminal pairs by index, once one is seen (image.c). */
	uint64_t *pty_bits;
	int pty_here;			/* its map is not empty */
	uint32_t pty_recs;		/* PTY records of the process */
	int32_t last_fown_fd;		/* its last FOWN record's fd, or -1 */
	/* The fds of its FILE entries with an open file of their own. */
	uint64_t *own_fds;		/* CKPT_MAX_FILES bits, or NULL */
	int done;

	/* An image of a tree: its TREE record, and whose records follow. */
	struct ckpt_rec_tree_task *tree;	/* hdr.nr_tasks, or NULL */
	uint32_t task_idx;

	struct ckpt_image_error error;
};

int ckpt_image_open_fd(struct ckpt_image *img, int fd);
/*
 * As ckpt_image_open_fd, and every byte read is also written to @copy_fd
 * (spooling a stream while checking it), at most @max bytes.
 */
int ckpt_image_open_copy(struct ckpt_image *img, int fd, int copy_fd,
			 uint64_t max);
int ckpt_image_open_mem(struct ckpt_image *img, const void *buf,
			size_t len);
/*
 * A regular file (or a memfd), from offset 0, with pread(): never mapped,
 * so a file that shrinks while it is read ends the image (-ENODATA, "the
 * image ends at offset ...") where a mapping would raise SIGBUS.
 */
int ckpt_image_open_at(struct ckpt_image *img, int fd);
int ckpt_image_next(struct ckpt_image *img);
/* Read and check every remaining record. */
int ckpt_image_check_all(struct ckpt_image *img);
void ckpt_image_close(struct ckpt_image *img);

const char *ckpt_rec_name(uint32_t type);
/* Index into img->vmas of the mapping containing @addr, or -1. */
long ckpt_image_find_vma(const struct ckpt_image *img, uint64_t addr);
/* The path following a FS, MM, VMA or FILE payload, or NULL. */
const char *ckpt_image_path(const struct ckpt_image *img);

#endif
