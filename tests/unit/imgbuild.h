/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Builds a valid synthetic image in memory, with hooks that let a test
 * change the header or any record before it is checksummed (or break the
 * checksum on purpose).
 */
#ifndef CKPT_UNIT_IMGBUILD_H
#define CKPT_UNIT_IMGBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <linux/ckpt.h>

#define IB_PAYLOAD_MAX	(sizeof(struct ckpt_rec_pages) + \
			 (CKPT_PAGES_MAX + 1) * 4096)
#define IB_MAX_RECS	64

/* The record being emitted, as the hook sees it. */
struct ib_rec {
	uint32_t type;
	uint32_t flags;
	uint32_t len;
	int nth;		/* index among records of this type */
	int skip;		/* set to leave the record out */
	uint32_t csum_xor;	/* non-zero breaks the checksum */
	unsigned char *payload;	/* IB_PAYLOAD_MAX bytes */
};

struct ib_ops {
	void (*header)(struct ckpt_image_header *h, void *ctx);
	uint32_t hdr_csum_xor;
	void (*rec)(struct ib_rec *r, void *ctx);
	void *ctx;
};

struct ib_image {
	unsigned char *buf;
	size_t len;
	int nr;				/* records emitted */
	uint64_t off[IB_MAX_RECS];	/* their offsets */
	uint32_t type[IB_MAX_RECS];	/* before any hook changed it */
};

/* Build the standard image; ops may be NULL.  Free with ib_free(). */
void ib_build(struct ib_image *img, const struct ib_ops *ops);
void ib_free(struct ib_image *img);
/*
 * An image assembled record by record (a tree's: several processes):
 * ib_buf_rec() appends a record, checksummed, and counts it.
 */
struct ib_buf {
	unsigned char *buf;
	size_t len, cap;
	uint64_t nr_records, nr_pages;
};

void ib_buf_put(struct ib_buf *t, const void *p, size_t n);
void ib_buf_rec(struct ib_buf *t, uint32_t type, const void *p,
		uint32_t len);

/*
 * An image of the @n processes @tt (a TREE record first if @n > 1) in
 * @t: the standard image's records again for each one with records (not
 * a zombie), as that process, with a SHARES record naming @vm[i] (if @vm
 * and not 0) after its TASK; the pages of the one at place i filled with
 * 0x10 + i, or with @clean all named clean (PRECOPY_CLEAN, as in a
 * dirty-only image).  ENDs recounted, the header's time @time_ns.
 */
void ib_tree(struct ib_buf *t, const struct ckpt_rec_tree_task *tt,
	     uint32_t n, int clean, uint64_t time_ns, const int32_t *vm);

/* Offset of the nth record of @type, or -1. */
long ib_offset(const struct ib_image *img, uint32_t type, int nth);

/*
 * Append to the FILE record @r (its payload and len) an entry for @fd
 * whose whole path is @path (NULL: none), front-coded: its first @prefix
 * bytes are left to the previous entry's path.
 */
void ib_file_entry(struct ib_rec *r, int fd, uint32_t kind,
		   uint32_t f_flags, uint16_t prefix, const char *path);

/*
 * A pseudo-terminal pair, /dev/pts index 3, as an ib_ops hook (@ctx a
 * struct ib_pty, or NULL: the master and its record): fd 3 (the FILE
 * record of /etc) becomes its master, at /dev/ptmx, and with @rdev fd 4
 * in that record too, /dev/pts/3; the last @records MEMPOLICY records
 * become its PTY record (packet mode, slave 0:5 0620, window 33x77, "abc"
 * unread), each changed by @fix if set.
 */
struct ib_pty {
	uint32_t rdev;		/* of fd 4 (IB_PTS3_RDEV: a slave), or 0 */
	int records;		/* 0 to 2 */
	void (*fix)(struct ckpt_rec_pty *p, struct ib_rec *r);
};
void ib_pty_hook(struct ib_rec *r, void *ctx);
/* Append to FILE record @r an entry of kind CKPT_FILE_PTY of pair 3. */
void ib_pty_entry(struct ib_rec *r, int fd, uint32_t rdev, const char *path);

#define IB_PTMX_RDEV	0x502		/* 5:2, new_encode_dev() */
#define IB_PTS3_RDEV	0x8803		/* 136:3 */

/* Write the image to a new file named from @path (>= 32 bytes). */
const char *ib_write_file(const struct ib_ops *ops, char *path);

/* Addresses of the standard image. */
#define IB_PID		4242
#define IB_HEAP		0x600000ULL
#define IB_VVAR		0x7ffff7fc0000ULL
#define IB_VDSO		0x7ffff7fc4000ULL
#define IB_STACK	0x7ffffffde000ULL
#define IB_STACK_END	0x7ffffffff000ULL
#define IB_XSTATE_SIZE	832
#define IB_XFEATURES	0x7ULL

#endif
