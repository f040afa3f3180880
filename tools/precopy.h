/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live migration: pre-copy of memory while the process runs
 * (Documentation/migration.rst, "Live migration").
 *
 * Sender ('ckpt migrate --live'), after the hello (CKPT_MIG_HELLO_LIVE):
 *
 *   round 0     stop the process for a moment, reset its soft-dirty bits
 *               ("4" to /proc/PID/clear_refs), note its present pages, let
 *               it run; send those pages as CKPT_REC_PRECOPY records
 *   round k     stop it for a moment, read which pages are soft-dirty in
 *               /proc/PID/pagemap, reset the bits, let it run; send those
 *   end         a CKPT_REC_PRECOPY record with nr_pages 0; then the image
 *               of CKPT_CHECKPOINT_DIRTY_ONLY, as the module writes it
 *
 * The short stop makes reading and resetting the bits one atomic step:
 * a page written between the two would otherwise be lost.
 *
 * Receiver ('restart --listen'): keeps the pre-copied pages by address,
 * then merges the dirty-only image into a complete ordinary image (each
 * PRECOPY_CLEAN record becomes one-page PAGES records of pre-copied data,
 * END is recounted), every checksum checked, streamed through a pipe to
 * the restore as it is merged.
 */
#ifndef CKPT_TOOLS_PRECOPY_H
#define CKPT_TOOLS_PRECOPY_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/ckpt.h>

#define PRECOPY_MAX_ROUNDS	8	/* --max-rounds default */
#define PRECOPY_MAX_ROUNDS_LIM	64
/* Rounds past --max-rounds while a tree gains processes: then EAGAIN. */
#define PRECOPY_FORK_ROUNDS	4
#define PRECOPY_MIN_DIRTY	64	/* pages: few enough to stop */
/* Bytes a receiver keeps from pre-copy rounds, at most. */
#define PRECOPY_MAX_BYTES	(4ULL << 30)

struct precopy_round {
	uint64_t pages;		/* sent */
	uint64_t ms;		/* stop, scan and send */
	uint64_t pause_us;	/* the process was held for this */
};

struct precopy_stats {
	unsigned int rounds;	/* rounds sent */
	uint64_t pages;		/* in all rounds */
	uint64_t bytes;		/* on the wire, in all rounds */
	uint64_t last_dirty;	/* pages dirty when the rounds stopped */
	const char *why;	/* why they stopped */
	struct precopy_round r[PRECOPY_MAX_ROUNDS_LIM];
	/* the processes pre-copied: PID and start time */
	unsigned int nr_members;
	struct {
		int32_t pid;
		unsigned long long start;
	} members[CKPT_MAX_TREE];
};

/*
 * The checksum of page @data at @addr as a one-page PAGES record (header
 * and struct ckpt_rec_pages, then the page): what a PRECOPY record
 * carries for each of its pages, so that the receiver can later write
 * the page as such a record without hashing it again.
 */
uint32_t precopy_page_csum(uint64_t addr, const void *data);

/*
 * Sender: the pre-copy rounds of @pid (with @tree, of every process of
 * its tree, each one's PRECOPY records after a PRECOPY_TASK record naming
 * it) into @sock, then the end record.  0, or a negative errno with a
 * one-line reason in @why (who failed: *@link_err is set when it was the
 * connection).  Each round holds the processes with CKPT_IOC_FREEZE for
 * the read-and-reset of their dirty bits; the rounds do not stop in one
 * that found a process new to them (forked meanwhile: it is sent whole),
 * and end with -EAGAIN when new ones keep coming PRECOPY_FORK_ROUNDS
 * rounds past @max_rounds.
 */
int precopy_send(pid_t pid, int pidfd, int sock, unsigned int max_rounds,
		 int tree, int verbose, struct precopy_stats *st,
		 int *link_err, char *why, size_t why_len);

/*
 * At the freeze, the @n processes @pids held: 1 if every one but zombies
 * was pre-copied (the same process: its start time), else 0 and the
 * first that was not in *@stranger (forked after the last round): the
 * freeze would name clean pages the receiver never got.
 */
int precopy_members_ok(const struct precopy_stats *st, const int32_t *pids,
		       unsigned int n, pid_t *stranger);

/* The receiving side of one live migration. */
struct precopy_rx {
	int img_fd;		/* the merged image, to restore from */
	int res_fd;		/* the merger's result */
	pid_t merger;		/* the process merging into img_fd */
	uint64_t pages;		/* pre-copied */
	int64_t merge_ms;	/* the merger's time, from the freeze on */
	int dev;		/* the restore's /dev/ckpt: not the merger's */
};

/*
 * Receiver: read the pre-copy records from @conn, then start a process
 * that reads the dirty-only image and writes the merged image into a pipe
 * (rx->img_fd) as it goes, for the restore to read at the same time.
 * 0 or a negative errno with a one-line reason in @why.
 */
int precopy_receive(int conn, struct precopy_rx *rx, char *why,
		    size_t why_len);
/*
 * After the restore (done or failed): close img_fd, wait for the merger;
 * 0 if it merged the whole image, else its errno and reason (-EPIPE when
 * the restore stopped reading first).
 */
int precopy_merged(struct precopy_rx *rx, char *why, size_t why_len);

/*
 * Incremental images (incr.h): the dirty-only image read from @in merged
 * with the complete image of its parent read from @parent (from its
 * start; of one process, or of a tree of the same processes: ESTALE if
 * not) into @out (written, not spliced): each
 * PRECOPY_CLEAN page from the parent, or zeros where the parent had none
 * (a page of only zeros, left out), at most @max_out bytes of pages
 * (EFBIG).  0, or -errno with @why.
 */
int precopy_merge_files(int parent, int in, int out, uint64_t max_out,
			char *why, size_t why_len);

#endif
