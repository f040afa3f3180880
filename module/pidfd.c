// SPDX-License-Identifier: GPL-2.0
/*
 * Pidfds (CKPT_FILE_PIDFD): descriptors of a process, from pidfd_open(2)
 * or clone(CLONE_PIDFD), as a supervisor, Go's os/exec or systemd hold
 * them to signal and wait for their children.
 *
 * Checkpoint: a pidfd names a struct pid.  Of a process of the checkpoint
 * (the process itself, or any process of a tree, a zombie too), the entry
 * keeps that process's PID; restored processes keep their PIDs, so it
 * names the same process again.  Of a process that has exited and been
 * reaped, it keeps nothing (CKPT_PIDFD_GONE).  A pidfd of a process
 * outside the checkpoint that is not reaped is refused (EOPNOTSUPP,
 * err_addr its PID), as is one with open flags pidfd_open() does not give
 * (but O_NONBLOCK: F_SETFL's O_APPEND, O_NOATIME; err_addr 0); --skip=fds
 * leaves both out.
 *
 * Restore: every process of a tree exists before the first one restores
 * (restart creates each subtree before its root restores), so the PID is
 * there, held by the restored process: a pidfd is made on it as
 * pidfd_open(2) makes one.  One of a process gone is made on a struct pid
 * no task holds, in the restored process's PID namespace (a PID allocated
 * and freed again, as by a fork that fails); it polls readable,
 * pidfd_send_signal() gets ESRCH and waitid() ECHILD, as on the original.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/threads.h>
#include "ckpt.h"

/* Open flags of a pidfd: pidfd_open() sets these, F_SETFL O_NONBLOCK. */
#define CKPT_PIDFD_F_FLAGS	(O_ACCMODE | O_NONBLOCK)

bool ckpt_is_pidfd(struct file *f)
{
	return f->f_op == ckpt_ksyms.pidfd_fops;
}

/* ---------------------------------------------------------------------- */
/* Checkpoint                                                              */
/* ---------------------------------------------------------------------- */

/*
 * The process pidfd @f names: its PID if it is a process of the
 * checkpoint (1), 0 if it is gone (0), -1 if it lives outside.
 */
static int ckpt_pidfd_target(struct ckpt_dump *d, struct file *f, pid_t *nr)
{
	struct pid *pid = f->private_data;
	struct task_struct *t;
	int here = -1;
	unsigned int i;

	*nr = 0;
	rcu_read_lock();
	t = pid_task(pid, PIDTYPE_TGID);
	if (!t && !pid_has_task(pid, PIDTYPE_PID)) {
		here = 0;
	} else if (t) {
		for (i = 0; i < d->nr_members && here < 0; i++)
			if (task_tgid(d->members[i].task) == pid)
				here = 1;
		*nr = pid_nr_ns(pid, task_active_pid_ns(current));
	}
	rcu_read_unlock();
	if (here > 0 && *nr <= 0)
		here = -1;
	return here;
}

/* A pidfd of the entry @r: its process, or none (CKPT_PIDFD_GONE). */
int ckpt_note_pidfd(struct ckpt_dump *d, struct file *f,
		    struct ckpt_rec_file *r)
{
	pid_t nr;
	int here = ckpt_pidfd_target(d, f, &nr);

	if (here < 0) {
		d->err.addr = nr;
		return -EOPNOTSUPP;
	}
	if (f->f_flags & ~CKPT_PIDFD_F_FLAGS) {
		d->err.addr = 0;
		return -EOPNOTSUPP;
	}
	r->kind = CKPT_FILE_PIDFD;
	r->ino = here ? nr : 0;
	r->size = here ? 0 : CKPT_PIDFD_GONE;
	return 0;
}

/* --skip=fds: a pidfd that ckpt_note_pidfd() refuses is left out. */
bool ckpt_pidfd_skip(struct ckpt_dump *d, struct file *f)
{
	pid_t nr;

	return ckpt_is_pidfd(f) && (f->f_flags & ~CKPT_PIDFD_F_FLAGS ||
				    ckpt_pidfd_target(d, f, &nr) < 0);
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

/* An entry of this kind: a process of the checkpoint, or none. */
bool ckpt_pidfd_rec_ok(const struct ckpt_restore *r,
		       const struct ckpt_rec_file *f)
{
	if (f->pos || f->dev || f->rdev ||
	    (f->f_flags & O_ACCMODE) != O_RDWR ||
	    f->f_flags & ~CKPT_PIDFD_F_FLAGS)
		return false;
	if (f->size == CKPT_PIDFD_GONE)
		return !f->ino;
	return !f->size && f->ino && f->ino <= PID_MAX_LIMIT &&
	       (r->tree ? ckpt_tree_has_pid(r, f->ino) : f->ino == r->task.pid);
}

/*
 * A struct pid no task holds, in the restored process's PID namespace (so
 * that pidfd_send_signal() finds the namespace its own and says ESRCH),
 * referenced: allocated and freed again as a fork that fails does.
 */
static struct pid *ckpt_gone_pid(void)
{
	struct pid *pid;

	pid = ckpt_ksyms.alloc_pid(task_active_pid_ns(current), NULL, 0);
	if (IS_ERR(pid))
		return pid;
	get_pid(pid);
	ckpt_ksyms.free_pid(pid);
	return pid;
}

/*
 * The open file for FILE entry @rec of kind CKPT_FILE_PIDFD (a reference):
 * a pidfd of the process with its PID, which must be a process (a thread
 * group's leader) now, as pidfd_open() requires; ESRCH if not.
 */
struct file *ckpt_pidfd_file(const struct ckpt_rec_file *rec)
{
	struct pid *pid;
	struct file *f;

	if (rec->size == CKPT_PIDFD_GONE) {
		pid = ckpt_gone_pid();
		if (IS_ERR(pid))
			return ERR_CAST(pid);
	} else {
		rcu_read_lock();
		pid = get_pid(find_vpid(rec->ino));
		rcu_read_unlock();
		if (!pid || !pid_has_task(pid, PIDTYPE_TGID)) {
			put_pid(pid);
			return ERR_PTR(-ESRCH);
		}
	}
	f = anon_inode_getfile("[pidfd]", ckpt_ksyms.pidfd_fops, pid,
			       rec->f_flags & CKPT_PIDFD_F_FLAGS);
	if (IS_ERR(f))
		put_pid(pid);
	return f;
}
