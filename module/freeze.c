// SPDX-License-Identifier: GPL-2.0
/*
 * CKPT_IOC_FREEZE: hold a process, without a signal, for as long as a
 * descriptor stays open.
 *
 * The process is frozen as a checkpoint freezes it (checkpoint.c: each
 * thread parks in a task_work before any more user code runs); closing
 * the last copy of the descriptor lets it go.  Nothing of it shows to
 * the process, its parent or a shell: no SIGSTOP, no SIGCONT, no
 * job-control notification.  The parked threads wait killably, so
 * SIGKILL still ends a held process.  A checkpoint of a held process
 * takes it as frozen (ckpt_freeze_holds()) and leaves it held.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "ckpt.h"

/* The members held by open descriptors (a checkpoint may read them). */
struct ckpt_hold {
	struct list_head list;
	struct ckpt_member m;
};

static LIST_HEAD(ckpt_holds);
static DEFINE_SPINLOCK(ckpt_holds_lock);

/* Is @t parked by a CKPT_IOC_FREEZE descriptor? */
bool ckpt_freeze_holds(struct task_struct *t)
{
	struct ckpt_hold *h;
	bool held = false;

	spin_lock(&ckpt_holds_lock);
	list_for_each_entry(h, &ckpt_holds, list) {
		held = ckpt_member_parked(&h->m, t);
		if (held)
			break;
	}
	spin_unlock(&ckpt_holds_lock);
	return held;
}

/* Processes held now (ckptctl status). */
unsigned int ckpt_freeze_count(void)
{
	struct ckpt_hold *h;
	unsigned int n = 0;

	spin_lock(&ckpt_holds_lock);
	list_for_each_entry(h, &ckpt_holds, list)
		n++;
	spin_unlock(&ckpt_holds_lock);
	return n;
}

static int ckpt_freeze_release(struct inode *inode, struct file *file)
{
	struct ckpt_hold *h = file->private_data;
	struct ckpt_member *m = &h->m;

	spin_lock(&ckpt_holds_lock);
	list_del(&h->list);
	spin_unlock(&ckpt_holds_lock);
	ckpt_thaw_group(m, 0, false);
	ckpt_put_group(m);
	put_task_struct(m->task);
	kfree(h);
	return 0;
}

static const struct file_operations ckpt_freeze_fops = {
	.owner = THIS_MODULE,
	.release = ckpt_freeze_release,
	.llseek = no_llseek,
};

long ckpt_ioctl_freeze(void __user *uarg)
{
	struct ckpt_freeze_args a;
	struct ckpt_member *m;
	struct ckpt_hold *h;
	struct task_struct *t;
	struct file *f;
	u32 usize;
	int err, fd;

	err = ckpt_copy_args(&a, sizeof(a),
			     offsetofend(struct ckpt_freeze_args, reserved),
			     uarg, &usize);
	if (err)
		return err;
	if (a.flags || a.fd || a.reserved[0] || a.reserved[1] || a.pid <= 0)
		return -EINVAL;
	t = ckpt_get_process(a.pid);
	if (!t)
		return -ESRCH;
	err = ckpt_may_checkpoint(t);
	if (err)
		goto out_task;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	err = -ENOMEM;
	if (!h)
		goto out_task;
	m = &h->m;
	m->task = t;
	err = -ESRCH;
	if (t->exit_state || (t->flags & PF_EXITING))
		goto out_member;
	/* In vfork(), waiting for its child: not before the child goes. */
	err = -EOPNOTSUPP;
	if (ckpt_vfork_waits(t))
		goto out_member;
	err = ckpt_hold_member(m);
	if (err)
		goto out_member;
	/* Again, frozen: an exec since the first check shows here. */
	err = ckpt_may_checkpoint(t);
	if (err)
		goto out_thaw;
	fd = get_unused_fd_flags(O_CLOEXEC);
	err = fd;
	if (fd < 0)
		goto out_thaw;
	f = anon_inode_getfile("[ckpt-freeze]", &ckpt_freeze_fops, h,
			       O_RDONLY);
	if (IS_ERR(f)) {
		put_unused_fd(fd);
		err = PTR_ERR(f);
		goto out_thaw;
	}
	spin_lock(&ckpt_holds_lock);
	list_add(&h->list, &ckpt_holds);
	spin_unlock(&ckpt_holds_lock);
	/* From here the file owns @h: its release thaws. */
	a.fd = fd;
	if (copy_to_user(uarg + offsetof(struct ckpt_freeze_args, fd), &a.fd,
			 sizeof(a.fd))) {
		put_unused_fd(fd);
		fput(f);
		return -EFAULT;
	}
	fd_install(fd, f);
	return 0;

out_thaw:
	ckpt_thaw_group(m, 0, false);
	ckpt_put_group(m);
out_member:
	kfree(h);
out_task:
	put_task_struct(t);
	return err;
}

/*
 * CKPT_RESTORE_HOLD: a restore's processes wait before their first
 * instruction until the restorer lets them go (CKPT_IOC_RESTORE_RELEASE),
 * and die if it goes away first.  Each thread waits at the end of its
 * last restore step (ckpt_finish()), its registers, mask and timers
 * already the image's.  One hold per restore: the restore owns a
 * reference, each thread that will wait another.
 */
struct ckpt_rhold {
	refcount_t ref;
	struct completion release;	/* done: released */
	spinlock_t lock;		/* protects pids[] */
	u32 nr;
	struct pid *pids[];		/* [nr]: each restored process */
};

struct ckpt_rhold *ckpt_rhold_new(u32 nr_tasks)
{
	struct ckpt_rhold *h;

	h = kzalloc(struct_size(h, pids, nr_tasks), GFP_KERNEL_ACCOUNT);
	if (!h)
		return NULL;
	refcount_set(&h->ref, 1);
	init_completion(&h->release);
	spin_lock_init(&h->lock);
	h->nr = nr_tasks;
	return h;
}

struct ckpt_rhold *ckpt_rhold_get(struct ckpt_rhold *h)
{
	refcount_inc(&h->ref);
	return h;
}

void ckpt_rhold_put(struct ckpt_rhold *h)
{
	u32 i;

	if (!refcount_dec_and_test(&h->ref))
		return;
	for (i = 0; i < h->nr; i++)
		put_pid(h->pids[i]);
	kfree(h);
}

/* Process @k of the restore (the caller's) is restored: note it. */
void ckpt_rhold_note(struct ckpt_rhold *h, u32 k)
{
	struct pid *pid = get_task_pid(current, PIDTYPE_TGID);

	spin_lock(&h->lock);
	if (k < h->nr && !h->pids[k]) {
		h->pids[k] = pid;
		pid = NULL;
	}
	spin_unlock(&h->lock);
	put_pid(pid);
}

/* In the restored thread, on its way out to user space: wait; drop @h. */
void ckpt_rhold_park(struct ckpt_rhold *h)
{
	/* killable; and not counted in the load average while held */
	wait_for_completion_state(&h->release, TASK_KILLABLE | TASK_NOLOAD);
	ckpt_rhold_put(h);
}

/*
 * The restore's file is gone.  Not released: kill what it restored,
 * before any of it runs (a waiting thread wakes to the SIGKILL).  The
 * restoring tasks held the file while they worked, so every process
 * restored is noted by now.
 */
void ckpt_rhold_end(struct ckpt_rhold *h)
{
	u32 i;

	if (!h)
		return;
	if (!completion_done(&h->release)) {
		spin_lock(&h->lock);
		for (i = 0; i < h->nr; i++)
			if (h->pids[i])
				kill_pid(h->pids[i], SIGKILL, 1);
		spin_unlock(&h->lock);
	}
	ckpt_rhold_put(h);
}

/*
 * Is a process of the restore gone or dying?  Then nothing may be
 * released: the caller must not report the restore as kept.
 */
static bool ckpt_rhold_lost(struct ckpt_rhold *h)
{
	struct task_struct *t;
	bool lost = false;
	u32 i;

	spin_lock(&h->lock);
	rcu_read_lock();
	for (i = 0; i < h->nr && !lost; i++) {
		if (!h->pids[i])
			continue;	/* not restored: a zombie of a tree */
		t = pid_task(h->pids[i], PIDTYPE_TGID);
		lost = !t || (t->flags & PF_EXITING) ||
		       (t->signal->flags & SIGNAL_GROUP_EXIT) ||
		       fatal_signal_pending(t);
	}
	rcu_read_unlock();
	spin_unlock(&h->lock);
	return lost;
}

long ckpt_ioctl_restore_release(struct ckpt_file *cf, void __user *uarg)
{
	struct ckpt_restore *r;
	int err;

	err = ckpt_copy_empty_args(uarg);
	if (err)
		return err;
	mutex_lock(&cf->lock);
	r = cf->rst;
	err = !r ? -ENOENT : !r->hold ? -EINVAL :
	      completion_done(&r->hold->release) ? -EALREADY :
	      ckpt_rhold_lost(r->hold) ? -ESRCH : 0;
	if (!err)
		complete_all(&r->hold->release);
	mutex_unlock(&cf->lock);
	return err;
}
