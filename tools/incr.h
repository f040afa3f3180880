/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Incremental images (Documentation/image-format.rst, "Incremental
 * images"): 'ckpt --parent PREV' saves only the pages a process wrote
 * since PREV was taken (soft-dirty tracking, as a live migration's
 * pre-copy rounds do), naming the others in PRECOPY_CLEAN records.  Such
 * an image is this header, its parent's path, then the module's image:
 *
 *   struct ckpt_incr_header   "CKPTINC1", the parent's image header
 *                             verbatim (what the parent must still be),
 *                             the path's length, a checksum
 *   parent path               path_len bytes with the NUL: absolute, or
 *                             relative to this image's directory
 *   image                     CKPT_CHECKPOINT_DIRTY_ONLY: a process, or
 *                             a tree of the same processes as the parent's
 *
 * A restore follows the chain of parents to a complete image and merges
 * forward (precopy_merge_files()): every link is checked (the parent's
 * header must be the one recorded), at most CKPT_INCR_DEPTH_MAX deep.
 */
#ifndef CKPT_TOOLS_INCR_H
#define CKPT_TOOLS_INCR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/ckpt.h>

#define CKPT_INCR_MAGIC		"CKPTINC1"
#define CKPT_INCR_VERSION	1
#define CKPT_INCR_DEPTH_MAX	64
#define CKPT_INCR_PATH_MAX	4096

struct ckpt_incr_header {
	char magic[8];
	uint32_t version;
	uint32_t path_len;	/* with the NUL: 2 to CKPT_INCR_PATH_MAX */
	struct ckpt_image_header parent;
	uint32_t csum;		/* ckpt_csum2() of this header, csum 0, and
				 * the path */
	uint32_t reserved;	/* 0 */
};

/* 1 if @buf starts with an incremental image's magic. */
int ckpt_incr_magic(const void *buf, size_t len);

/*
 * An image's identity: its module header (the first bytes of a complete
 * image, or those after an incremental image's header and path), and its
 * processes: a tree's TREE record (@tree: room for CKPT_MAX_TREE), or
 * one entry with the PID of its TASK record; their number in *@nr.  @fd
 * is read from its current offset.  0, or -errno with @why.
 */
int ckpt_incr_identity(int fd, struct ckpt_image_header *ih,
		       struct ckpt_rec_tree_task *tree, uint32_t *nr,
		       char *why, size_t why_len);

/*
 * Open @path (a compressed image is inflated into memory first: with
 * @head, only its first CKPT_INCR_HEAD bytes) for reading from its
 * start; the descriptor, or -errno with @why.
 */
#define CKPT_INCR_HEAD		(1U << 20)
int ckpt_incr_open(const char *path, int head, char *why, size_t why_len);

/*
 * The header of an image whose parent is at @parent_path (as given) with
 * identity @parent, written to @out; the path stored is relative to the
 * directory of @out_path when the two share it, else absolute.
 */
int ckpt_incr_write_header(int out, const char *out_path,
			   const char *parent_path,
			   const struct ckpt_image_header *parent,
			   char *why, size_t why_len);

/*
 * How many incremental images the chain ending at @path holds (0 for a
 * complete image), following the parents' headers only; -errno with
 * @why: -EINVAL if @avoid (or NULL) is one of its images.
 */
int ckpt_incr_depth(const char *path, const char *avoid, char *why,
		    size_t why_len);

/*
 * --track's record of a process (its PID and start time): after which
 * image its soft-dirty bits were last reset (that image header's time_ns
 * and csum), in a directory of the user's own (/run/ckpt as root,
 * /run/user/UID/ckpt, else /tmp/ckpt-UID; mode 0700).  Root also looks
 * at (load: -EXDEV if there is one) and removes (forget) the owner's.
 * ckpt_track_lock(): the directory locked (flock) until the descriptor
 * is closed, from the check of a record to the next save.
 * ckpt_track_prune(), with the lock: our directory's records of
 * processes that are gone (their PID free, or another process's start
 * time) removed.
 */
int ckpt_track_lock(pid_t pid);
int ckpt_track_save(pid_t pid, uint64_t time_ns, uint32_t csum);
void ckpt_track_prune(void);
/* 0 and the record, -ENOENT if there is none, -EXDEV, -errno. */
int ckpt_track_load(pid_t pid, uint64_t *time_ns, uint32_t *csum);
/* Remove the record (before the bits are reset: no stale one survives). */
int ckpt_track_forget(pid_t pid);
/*
 * Reset @pid's soft-dirty bits ("4" to /proc/PID/clear_refs), its track
 * record removed first: every reset by the tools goes through here.
 */
int ckpt_soft_dirty_reset(pid_t pid);

/*
 * If @fd (at its start) holds an incremental image: merge its chain into
 * a complete image in a new memfd, seeked to 0, into *@merged; 1 (and
 * the first parent's path, as stored, in @parent if not NULL).  0 if it
 * is not incremental; -errno with @why.  A relative parent path is taken
 * from the directory of the file @name resolves to (NULL, as for stdin:
 * the current one).  @depth: 0 at the first call.
 */
int ckpt_incr_merge(int fd, const char *name, int depth, int *merged,
		    char *parent, size_t parent_len, char *why,
		    size_t why_len);

#endif
