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
