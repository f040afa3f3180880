// SPDX-License-Identifier: GPL-2.0
/*
 * The owners of open files (CKPT_REC_FOWN): who gets SIGIO and SIGURG
 * (fcntl F_SETOWN, F_SETOWN_EX: a thread, a process or a process group),
 * with which signal (F_SETSIG), and signal-driven I/O itself (FASYNC).
 *
 * Checkpoint: each open file's, once, with its first descriptor.  The
 * owner must be restored with the file, so it is a thread or process of
 * the checkpoint or a process group one of them leads (a thread of a
 * later process of a tree is not: it does not exist yet when the owner is
 * set); else EOPNOTSUPP.  An owner gone (no task left) is none: no signal
 * could reach it.
 *
 * Restore: once the descriptors are back, the restored process sets them
 * with fcntl(2), its kernel checks (and LSM hooks) applying.  open(2)
 * leaves FASYNC in a reopened file's flags without starting signal-driven
 * I/O, and F_SETFL starts it only when the flag changes: so the flag is
 * cleared first, on the file alone (nothing was registered for it), and
 * F_SETFL sets it.  The owner and the signal follow (F_SETOWN_EX,
 * F_SETSIG); a terminal, which takes an owner when signal-driven I/O
 * starts without one, gets none again.
 */
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "ckpt.h"

/* ---------------------------------------------------------------------- */
/* Checkpoint                                                              */
/* ---------------------------------------------------------------------- */

/*
 * Is @pid, of @type, one the restore makes again with the checkpoint, by
 * the time this process (@d->member) sets it?  1 if so, 0 if not, -1 if
 * it is gone (no task of that @type left).
 */
static int ckpt_fown_here(struct ckpt_dump *d, struct pid *pid,
			  enum pid_type type)
{
	struct task_struct *t, *m;
	bool here = false;
	unsigned int i;

	rcu_read_lock();
	/*
	 * As send_sigio() finds it: a process owner may be named by any of
	 * its threads' IDs (F_SETOWN from a thread), the signal going to
	 * the whole process.
	 */
	t = pid_task(pid, type == PIDTYPE_PGID ? PIDTYPE_PGID : PIDTYPE_PID);
	if (!t) {
		rcu_read_unlock();
		return -1;
	}
	for (i = 0; i < d->nr_members && !here; i++) {
		m = d->members[i].task;
		if (type == PIDTYPE_PGID)
			here = task_pid(m) == pid && task_pgrp(m) == pid;
		else	/* a later process's threads are made at its turn */
			here = same_thread_group(t, m) &&
			       (t == m || i <= d->member);
	}
	rcu_read_unlock();
	return here;
}

/* Open file @f, first seen at @fd: its owner, signal and FASYNC. */
int ckpt_note_fown(struct ckpt_dump *d, struct file *f, int fd)
{
	struct ckpt_rec_fown r = { .fd = fd };
	enum pid_type type;
	struct pid *pid;
	int err = 0;

	read_lock_irq(&f->f_owner.lock);
	pid = get_pid(f->f_owner.pid);
	type = f->f_owner.pid_type;
	r.signum = f->f_owner.signum;
	read_unlock_irq(&f->f_owner.lock);
	if (f->f_flags & FASYNC)
		r.flags |= CKPT_FOWN_ASYNC;
	if (pid) {
		int here = ckpt_fown_here(d, pid, type);

		r.pid = pid_nr_ns(pid, task_active_pid_ns(current));
		r.type = type == PIDTYPE_PID ? F_OWNER_TID :
			 type == PIDTYPE_PGID ? F_OWNER_PGRP : F_OWNER_PID;
		if (here < 0) {
			r.pid = 0;	/* gone: no owner */
			r.type = 0;
		} else if (!r.pid || !here) {
			d->err.addr = CKPT_FOWN_ERR(r.type, r.pid);
			err = -EOPNOTSUPP;
		}
		put_pid(pid);
	}
	if (err || (!r.pid && !r.signum && !r.flags))
		return err;
	err = ckpt_grow((void **)&d->fowns, d->nr_fowns, sizeof(*d->fowns),
			CKPT_MAX_FILES);
	if (err)
		return err == -EBADMSG ? -EOPNOTSUPP : err;
	d->fowns[d->nr_fowns++] = r;
	return 0;
}

/* The FOWN records of the files saved (ckpt_note_fown()). */
int ckpt_dump_fowns(struct ckpt_dump *d)
{
	u32 i;
	int err = 0;

	for (i = 0; i < d->nr_fowns && !err; i++)
		err = ckpt_write_rec(&d->out, CKPT_REC_FOWN, &d->fowns[i],
				     sizeof(d->fowns[i]));
	d->nr_fowns = 0;
	return err;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_take_fown(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_fown *rec = p;

	if (len != sizeof(*rec) || rec->reserved || rec->fd < 0 ||
	    rec->flags & ~CKPT_FOWN_ASYNC || rec->pid < 0 ||
	    rec->type > F_OWNER_PGRP || (!rec->pid && rec->type) ||
	    !valid_signal(rec->signum) ||
	    (r->nr_fowns && rec->fd <= r->fowns[r->nr_fowns - 1].fd))
		return -EBADMSG;
	return ckpt_take_elem((void **)&r->fowns, &r->nr_fowns, sizeof(*rec),
			      CKPT_MAX_FILES, p, len);
}

void ckpt_free_fowns(struct ckpt_restore *r)
{
	kvfree(r->fowns);
	r->fowns = NULL;
	r->nr_fowns = 0;
}

/* Each names a FILE entry of its own open file (not one shared). */
int ckpt_check_fowns(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_fowns; i++) {
		int k = ckpt_file_index(r, r->nr_files, r->fowns[i].fd);

		if (k < 0 || r->files[k].rec.fd_flags &
			     (CKPT_FD_SHARED | CKPT_FD_TREE))
			return ckpt_bad(r, CKPT_REC_FOWN, -EBADMSG);
	}
	return 0;
}

static long ckpt_fcntl(int fd, unsigned int cmd, unsigned long arg)
{
	return ckpt_syscall(ckpt_ksyms.sys_fcntl, fd, cmd, arg, 0);
}

/* Signal-driven I/O on descriptor @fd, as F_SETFL O_ASYNC starts it. */
static long ckpt_set_async(int fd)
{
	struct file *f = fget(fd);
	long fl;

	if (!f)
		return -EBADF;
	/* Reopened with the flag, but nothing registered: clear it. */
	if (f->f_op->fasync) {
		spin_lock(&f->f_lock);
		f->f_flags &= ~FASYNC;
		spin_unlock(&f->f_lock);
	}
	fput(f);
	fl = ckpt_fcntl(fd, F_GETFL, 0);
	if (fl < 0)
		return fl;
	return ckpt_fcntl(fd, F_SETFL, fl | FASYNC);
}

static long ckpt_set_fown(const struct ckpt_rec_fown *o,
			  struct f_owner_ex __user *u)
{
	struct f_owner_ex ex = { .type = o->type, .pid = o->pid };
	long err = 0;

	if (o->flags & CKPT_FOWN_ASYNC)
		err = ckpt_set_async(o->fd);
	/* With no owner too: a terminal took one when O_ASYNC was set. */
	if (!err && (o->pid || (o->flags & CKPT_FOWN_ASYNC))) {
		if (!o->pid)
			ex.type = F_OWNER_PID;
		if (copy_to_user(u, &ex, sizeof(ex)))
			return -EFAULT;
		err = ckpt_fcntl(o->fd, F_SETOWN_EX, (unsigned long)u);
	}
	if (!err && o->signum)
		err = ckpt_fcntl(o->fd, F_SETSIG, o->signum);
	return err;
}

/* The restored process, its descriptors back, sets its files' owners. */
int ckpt_restore_fowns(struct ckpt_restore *r)
{
	unsigned long ubuf;
	long err = 0;
	u32 i;

	if (!r->nr_fowns)
		return 0;
	ubuf = ckpt_scratch_page();
	if (IS_ERR_VALUE(ubuf))
		return (long)ubuf;
	for (i = 0; !err && i < r->nr_fowns; i++) {
		err = ckpt_set_fown(&r->fowns[i], (void __user *)ubuf);
		if (err) {
			r->err.fd = r->fowns[i].fd;
			r->err.addr = CKPT_FOWN_ERR(r->fowns[i].type,
						    r->fowns[i].pid);
			ckpt_fail(&r->err, CKPT_OBJ_FD, err);
		}
	}
	vm_munmap(ubuf, PAGE_SIZE);
	return err;
}
