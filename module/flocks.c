// SPDX-License-Identifier: GPL-2.0
/*
 * File locks (CKPT_REC_FLOCK): flock(2) locks and open file description
 * locks held through the process's open files, and POSIX record locks
 * owned by its file table.
 *
 * Checkpoint: each descriptor's inode's lock lists are read under their
 * spinlock; a lock is the process's when its open file is the
 * descriptor's (flock, OFD) or its owner is the process's file table
 * (POSIX), and is written once, with the first descriptor that can take
 * it again (one open for writing for a write lock).  A lease is refused.
 *
 * Restore: once the descriptors are back, the restored process takes each
 * lock with flock(2) or fcntl(F_SETLK, F_OFD_SETLK), non-blocking, so the
 * kernel checks them as for any caller.  A lock someone else took
 * meanwhile (the original, still running, or another process) fails the
 * restore with EAGAIN on that descriptor.
 */
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include "ckpt.h"

#define CKPT_FLOCKS_SCAN	1024	/* locks of one file, one pass */

struct ckpt_flock_scan {
	struct ckpt_rec_flock rec;
	struct file_lock *fl;		/* to write it once */
};

/* ---------------------------------------------------------------------- */
/* Checkpoint                                                              */
/* ---------------------------------------------------------------------- */

static void ckpt_flock_rec(struct ckpt_rec_flock *rec, unsigned int fd,
			   u32 kind, const struct file_lock *fl)
{
	memset(rec, 0, sizeof(*rec));
	rec->fd = fd;
	rec->kind = kind;
	rec->type = fl->fl_type == F_WRLCK ? F_WRLCK : F_RDLCK;
	if (kind == CKPT_FLOCK_FLOCK)
		return;
	rec->start = fl->fl_start;
	rec->len = fl->fl_end == OFFSET_MAX ? 0 :
		   fl->fl_end - fl->fl_start + 1;
}

/*
 * The locks of @f's inode that are the process's and that @fd can take
 * again, into @scan; how many, or a negative errno.
 */
static int ckpt_flocks_of(struct file *f, unsigned int fd,
			  struct files_struct *files,
			  struct ckpt_flock_scan *scan)
{
	struct file_lock_context *ctx;
	struct file_lock *fl;
	int n = 0, err = 0;

	ctx = locks_inode_context(file_inode(f));
	if (!ctx)
		return 0;
	spin_lock(&ctx->flc_lock);
	list_for_each_entry(fl, &ctx->flc_lease, fl_list)
		if (fl->fl_file == f)
			err = -EOPNOTSUPP;
	list_for_each_entry(fl, &ctx->flc_flock, fl_list) {
		if (fl->fl_file != f)
			continue;
		if (n == CKPT_FLOCKS_SCAN) {
			err = -E2BIG;
			break;
		}
		ckpt_flock_rec(&scan[n].rec, fd, CKPT_FLOCK_FLOCK, fl);
		scan[n++].fl = fl;
	}
	list_for_each_entry(fl, &ctx->flc_posix, fl_list) {
		bool ofd = fl->fl_flags & FL_OFDLCK;
		fmode_t need = fl->fl_type == F_WRLCK ? FMODE_WRITE :
			       FMODE_READ;

		if (ofd ? fl->fl_file != f :
		    fl->fl_owner != files || !(f->f_mode & need))
			continue;
		if (n == CKPT_FLOCKS_SCAN) {
			err = -E2BIG;
			break;
		}
		ckpt_flock_rec(&scan[n].rec, fd, ofd ? CKPT_FLOCK_OFD :
			       CKPT_FLOCK_POSIX, fl);
		scan[n++].fl = fl;
	}
	spin_unlock(&ctx->flc_lock);
	/* A FILE record reopens regular files and directories, not these. */
	if (!err && n && !S_ISREG(file_inode(f)->i_mode) &&
	    !S_ISDIR(file_inode(f)->i_mode))
		err = -EOPNOTSUPP;
	return err ? err : n;
}

static int ckpt_dump_fd_flocks(struct ckpt_dump *d, struct file *f,
			       unsigned int fd, struct ckpt_flock_scan *scan,
			       struct xarray *seen, u32 *count)
{
	int n, i, err;

	n = ckpt_flocks_of(f, fd, d->task->files, scan);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		/* The process is frozen: its locks stay where they are. */
		err = xa_insert(seen, (unsigned long)scan[i].fl,
				xa_mk_value(0), GFP_KERNEL);
		if (err == -EBUSY)
			continue;
		if (err)
			return err;
		if (++*count > CKPT_MAX_FLOCKS)
			return -E2BIG;
		err = ckpt_write_rec(&d->out, CKPT_REC_FLOCK, &scan[i].rec,
				     sizeof(scan[i].rec));
		if (err)
			return err;
	}
	return 0;
}

int ckpt_dump_flocks(struct ckpt_dump *d)
{
	struct ckpt_flock_scan *scan;
	struct xarray seen;
	unsigned int fd;
	struct file *f;
	u32 count = 0;
	int err = 0;

	/* An earlier member's records hold a shared table (shares.c). */
	if (!ckpt_files_holder(d, d->member))
		return 0;
	scan = kvmalloc_array(CKPT_FLOCKS_SCAN, sizeof(*scan), GFP_KERNEL);
	if (!scan)
		return -ENOMEM;
	xa_init(&seen);
	task_lock(d->task);
	if (!d->task->files)
		err = -ESRCH;
	task_unlock(d->task);
	for (fd = 0; !err && (f = ckpt_next_file(d->task, &fd)); fd++) {
		err = ckpt_dump_fd_flocks(d, f, fd, scan, &seen, &count);
		if (err && err != -ENOMEM && err != -ENOSPC && err != -EFAULT) {
			d->err.fd = fd;
			ckpt_fail(&d->err, CKPT_OBJ_FD, err);
		}
		fput(f);
	}
	xa_destroy(&seen);
	kvfree(scan);
	return err;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_take_flock(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_flock *rec = p;

	if (len != sizeof(*rec))
		return -EBADMSG;
	if (rec->reserved || rec->fd < 0 || rec->start < 0 || rec->len < 0 ||
	    rec->start > OFFSET_MAX - rec->len ||
	    (rec->type != F_RDLCK && rec->type != F_WRLCK) ||
	    rec->kind < CKPT_FLOCK_FLOCK || rec->kind > CKPT_FLOCK_OFD ||
	    (rec->kind == CKPT_FLOCK_FLOCK && (rec->start || rec->len)))
		return -EBADMSG;
	return ckpt_take_elem((void **)&r->flocks, &r->nr_flocks,
			      sizeof(*rec), CKPT_MAX_FLOCKS, p, len);
}

void ckpt_free_flocks(struct ckpt_restore *r)
{
	kvfree(r->flocks);
	r->flocks = NULL;
	r->nr_flocks = 0;
}

/* Each names a descriptor a FILE record of the image restores. */
int ckpt_check_flocks(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_flocks; i++)
		if (ckpt_file_index(r, r->nr_files, r->flocks[i].fd) < 0)
			return ckpt_bad(r, CKPT_REC_FLOCK, -EBADMSG);
	return 0;
}

static long ckpt_take_lock(const struct ckpt_rec_flock *l,
			   struct flock __user *u)
{
	struct flock fl;

	/* Copied to the process: its padding too, so zeroed first. */
	memset(&fl, 0, sizeof(fl));
	fl.l_type = l->type;
	fl.l_whence = SEEK_SET;
	fl.l_start = l->start;
	fl.l_len = l->len;
	if (l->kind == CKPT_FLOCK_FLOCK)
		return ckpt_syscall(ckpt_ksyms.sys_flock, l->fd,
				    (l->type == F_WRLCK ? LOCK_EX : LOCK_SH) |
				    LOCK_NB, 0, 0);
	if (copy_to_user(u, &fl, sizeof(fl)))
		return -EFAULT;
	return ckpt_syscall(ckpt_ksyms.sys_fcntl, l->fd,
			    l->kind == CKPT_FLOCK_OFD ? F_OFD_SETLK : F_SETLK,
			    (unsigned long)u, 0);
}

/* The restored process, its descriptors back, takes its locks again. */
int ckpt_restore_flocks(struct ckpt_restore *r)
{
	unsigned long ubuf;
	long err = 0;
	u32 i;

	if (!r->nr_flocks)
		return 0;
	ubuf = ckpt_scratch_page();
	if (IS_ERR_VALUE(ubuf))
		return (long)ubuf;
	for (i = 0; !err && i < r->nr_flocks; i++) {
		err = ckpt_take_lock(&r->flocks[i], (void __user *)ubuf);
		if (err == -EWOULDBLOCK)
			err = -EAGAIN;
		if (err && r->err.object == CKPT_OBJ_NONE) {
			r->err.fd = r->flocks[i].fd;
			ckpt_fail(&r->err, CKPT_OBJ_FD, err);
		}
	}
	vm_munmap(ubuf, PAGE_SIZE);
	return err;
}
