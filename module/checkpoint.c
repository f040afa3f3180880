// SPDX-License-Identifier: GPL-2.0
/*
 * CKPT_IOC_CHECKPOINT: freeze the target, write its image, let it go.
 *
 * Freezing: a task_work queued with TWA_SIGNAL makes the target run
 * ckpt_park() in its own context on its way back to user space (a sleep in
 * an interruptible system call is interrupted and will be restarted).  It
 * parks there, killable, until the checkpoint is written.  A task already
 * in a job-control stop is read where it stands: our work is queued, so
 * if a SIGCONT comes it parks before running any user code.  Either way
 * the checkpointer waits until the target is off-CPU, so its registers and
 * FPU state are in memory, before reading anything.
 *
 * Lock order: none held across the dump but the target's mmap_lock (read)
 * while its memory is read.
 */
#include <linux/file.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <linux/delay.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/seccomp.h>
#include "ckpt.h"

#define CKPT_FREEZE_TIMEOUT	(10 * HZ)

struct ckpt_freezer {
	struct callback_head work;
	refcount_t ref;
	struct completion parked;
	struct completion release;
};

static void ckpt_freezer_put(struct ckpt_freezer *fz)
{
	if (refcount_dec_and_test(&fz->ref))
		kfree(fz);
}

/* Runs in the target, from get_signal(), before any user code. */
static void ckpt_park(struct callback_head *head)
{
	struct ckpt_freezer *fz = container_of(head, struct ckpt_freezer,
					       work);

	complete_all(&fz->parked);	/* stays done for completion_done() */
	wait_for_completion_killable(&fz->release);
	ckpt_freezer_put(fz);
}

static bool ckpt_off_cpu(struct task_struct *t)
{
	/*
	 * Pairs with the release store that clears on_cpu after the
	 * switch-out saved the task's registers and FPU state.
	 */
	return !smp_load_acquire(&t->on_cpu);
}

/*
 * Freeze @t.  On success *@out is set and the caller must call
 * ckpt_release() on it exactly once; on failure *@out is left alone.
 */
static int ckpt_freeze(struct task_struct *t, struct ckpt_freezer **out)
{
	struct ckpt_freezer *fz;
	unsigned long deadline = jiffies + CKPT_FREEZE_TIMEOUT;
	int err;

	fz = kzalloc(sizeof(*fz), GFP_KERNEL);
	if (!fz)
		return -ENOMEM;
	refcount_set(&fz->ref, 2);	/* ours and the task_work's */
	init_completion(&fz->parked);
	init_completion(&fz->release);
	init_task_work(&fz->work, ckpt_park);
	err = task_work_add(t, &fz->work, TWA_SIGNAL);
	if (err) {
		kfree(fz);
		return -ESRCH;
	}

	for (;;) {
		if (completion_done(&fz->parked) || task_is_stopped(t)) {
			if (ckpt_off_cpu(t)) {
				*out = fz;
				return 0;
			}
		} else if (t->flags & PF_EXITING) {
			err = -ESRCH;
			break;
		}
		if (time_after(jiffies, deadline)) {
			err = -EBUSY;
			break;
		}
		if (signal_pending(current)) {
			err = -EINTR;
			break;
		}
		if (completion_done(&fz->parked))
			cpu_relax();
		else
			wait_for_completion_interruptible_timeout(&fz->parked,
								  HZ / 50);
	}
	/* Not frozen: let the work run through whenever it runs. */
	complete_all(&fz->release);
	ckpt_freezer_put(fz);
	return err;
}

static void ckpt_release(struct ckpt_freezer *fz)
{
	complete_all(&fz->release);
	ckpt_freezer_put(fz);
}

/* Let the group go: killed, stopped (both group-wide) or running. */
static void ckpt_thaw_group(struct ckpt_dump *d, struct ckpt_freezer **fz,
			    u32 flags, bool ok)
{
	unsigned int i;

	if (ok && (flags & CKPT_CHECKPOINT_KILL))
		send_sig(SIGKILL, d->task, 1);
	else if (ok && (flags & CKPT_CHECKPOINT_LEAVE_STOPPED))
		send_sig(SIGSTOP, d->task, 1);
	for (i = 0; i < d->nr_threads; i++)
		if (fz[i])
			ckpt_release(fz[i]);
}

static void ckpt_put_group(struct ckpt_dump *d, struct ckpt_freezer **fz)
{
	unsigned int i;

	for (i = 0; i < d->nr_threads; i++)
		put_task_struct(d->threads[i]);
	kfree(d->threads);
	kfree(fz);
	d->threads = NULL;
	d->nr_threads = 0;
}

/*
 * Freeze every thread of the target.  A thread born or gone meanwhile
 * makes it -EAGAIN: the caller thaws and tries again.
 */
static int ckpt_freeze_group(struct ckpt_dump *d, struct ckpt_freezer ***out)
{
	unsigned int n = get_nr_threads(d->task), i = 0;
	struct ckpt_freezer **fz;
	struct task_struct *th;
	int err = 0;

	if (n > CKPT_MAX_THREADS + 1)
		return ckpt_fail(&d->err, CKPT_OBJ_TASK, -EOPNOTSUPP);
	d->threads = kcalloc(n, sizeof(*d->threads), GFP_KERNEL);
	*out = fz = kcalloc(n, sizeof(*fz), GFP_KERNEL);
	if (!d->threads || !fz)
		return -ENOMEM;
	rcu_read_lock();
	for_each_thread(d->task, th) {
		if (i == n)
			break;
		d->threads[i++] = get_task_struct(th);
	}
	rcu_read_unlock();
	d->nr_threads = i;
	for (i = 0; i < d->nr_threads && !err; i++) {
		err = ckpt_freeze(d->threads[i], &fz[i]);
		if (err == -ESRCH && d->threads[i] != d->task)
			err = -EAGAIN;	/* a thread exited */
	}
	if (!err && get_nr_threads(d->task) != d->nr_threads)
		err = -EAGAIN;
	return err;
}

/* The caller must be allowed to ptrace-attach to @t, as for a debugger. */
static int ckpt_may_checkpoint(struct task_struct *t)
{
	if (same_thread_group(t, current))
		return -EDEADLK;
	if (t->flags & PF_KTHREAD)
		return -EPERM;
	if (!ckpt_ksyms.ptrace_may_access(t, PTRACE_MODE_ATTACH_REALCREDS))
		return -EPERM;
	return 0;
}

/* Does @t see the system through the checkpointer's namespaces? */
static bool ckpt_same_namespaces(struct task_struct *t)
{
	struct nsproxy *mine = current->nsproxy, *its;
	bool same;

	task_lock(t);
	its = t->nsproxy;
	same = its && its->mnt_ns == mine->mnt_ns &&
	       its->uts_ns == mine->uts_ns && its->ipc_ns == mine->ipc_ns &&
	       its->net_ns == mine->net_ns;
	task_unlock(t);
	rcu_read_lock();
	same = same && task_active_pid_ns(t) == task_active_pid_ns(current) &&
	       __task_cred(t)->user_ns == current_user_ns();
	rcu_read_unlock();
	return same;
}

/*
 * State that is not saved yet and would be lost silently: refuse.  What
 * is saved is documented in Documentation/overview.rst.
 */
static int ckpt_check_target(struct ckpt_dump *d, struct ckpt_err *e)
{
	unsigned int i;

	if (d->task->flags & PF_EXITING)
		return -ESRCH;
	/*
	 * sysvsem.undo_list cannot tell: glibc's threads (CLONE_SYSVSEM)
	 * allocate an empty one, and its contents are private to ipc/sem.c.
	 * SEM_UNDO adjustments are documented as not saved.
	 */
	if (!ckpt_same_namespaces(d->task))
		return ckpt_fail(e, CKPT_OBJ_TASK, -EOPNOTSUPP);
	for (i = 0; i < d->nr_threads; i++) {
		struct task_struct *t = d->threads[i];

		if (t->ptrace)
			return ckpt_fail(e, CKPT_OBJ_TASK, -EBUSY);
		if (t->flags & PF_EXITING)
			return ckpt_fail(e, CKPT_OBJ_TASK, -EBUSY);
		if (t->seccomp.mode != SECCOMP_MODE_DISABLED)
			return ckpt_fail(e, CKPT_OBJ_TASK, -EOPNOTSUPP);
	}
	return 0;
}

static int ckpt_dump_all(struct ckpt_dump *d)
{
	static int (*const steps[])(struct ckpt_dump *d) = {
		ckpt_dump_task, ckpt_dump_fs, ckpt_dump_sigactions,
		ckpt_dump_mm, ckpt_dump_files, ckpt_dump_cpu,
		ckpt_dump_rlimits, ckpt_dump_sigpending, ckpt_dump_pipes,
		ckpt_dump_timers, ckpt_dump_threads, ckpt_dump_ghosts,
		ckpt_dump_pages,
	};
	unsigned int i;
	int err;

	err = ckpt_write_header(&d->out, ckpt_cpu_xfeatures(),
				ckpt_cpu_xstate_size());
	for (i = 0; !err && i < ARRAY_SIZE(steps); i++)
		err = steps[i](d);
	if (!err)
		err = ckpt_write_end(&d->out);
	return err;
}

static int ckpt_checkpoint_task(struct ckpt_dump *d, u32 flags)
{
	struct task_struct *t = d->task;
	struct ckpt_freezer **fz = NULL;
	int err, tries = 5;

	for (;;) {
		err = ckpt_freeze_group(d, &fz);
		if (err != -EAGAIN || !--tries)
			break;
		ckpt_thaw_group(d, fz, 0, false);
		ckpt_put_group(d, fz);
	}
	if (err) {
		ckpt_thaw_group(d, fz, 0, false);
		ckpt_put_group(d, fz);
		return ckpt_fail(&d->err, CKPT_OBJ_TASK,
				 err == -EAGAIN ? -EBUSY : err);
	}
	err = ckpt_check_target(d, &d->err);
	if (!err) {
		d->mm = get_task_mm(t);
		if (!d->mm)
			err = -ESRCH;
	}
	if (!err)
		err = ckpt_dump_all(d);
	if (!err && (t->flags & PF_EXITING))
		err = -ESRCH;
	ckpt_thaw_group(d, fz, flags, !err);
	ckpt_put_group(d, fz);
	if (d->mm)
		mmput(d->mm);
	return err;
}

static int ckpt_checkpoint_args_ok(const struct ckpt_checkpoint_args *a)
{
	if (a->flags & ~CKPT_CHECKPOINT_FLAGS_ALL)
		return -EINVAL;
	if ((a->flags & CKPT_CHECKPOINT_KILL) &&
	    (a->flags & CKPT_CHECKPOINT_LEAVE_STOPPED))
		return -EINVAL;
	if (a->reserved[0] || a->reserved[1] || a->pid <= 0)
		return -EINVAL;
	return 0;
}

static struct task_struct *ckpt_get_process(pid_t nr)
{
	struct task_struct *t;
	struct pid *pid;

	pid = find_get_pid(nr);
	if (!pid)
		return NULL;
	t = get_pid_task(pid, PIDTYPE_TGID);
	put_pid(pid);
	return t;
}

long ckpt_ioctl_checkpoint(void __user *uarg)
{
	struct ckpt_checkpoint_args a;
	struct ckpt_dump d = {};
	struct file *out = NULL;
	u32 usize;
	int err;

	err = ckpt_copy_args(&a, sizeof(a),
			     offsetofend(struct ckpt_checkpoint_args, err_addr),
			     uarg, &usize);
	if (err)
		return err;
	err = ckpt_checkpoint_args_ok(&a);
	if (err)
		return err;

	d.task = ckpt_get_process(a.pid);
	if (!d.task)
		return -ESRCH;
	err = ckpt_may_checkpoint(d.task);
	if (err)
		goto out_task;
	out = fget(a.fd);
	err = -EBADF;
	if (!out || !(out->f_mode & FMODE_WRITE))
		goto out_file;
	err = -ENOMEM;
	d.scratch = (void *)__get_free_page(GFP_KERNEL);
	if (!d.scratch)
		goto out_file;
	err = ckpt_out_init(&d.out, out);
	if (err)
		goto out_scratch;

	ckpt_pipes_init(&d);
	xa_init(&d.ghosts);
	ckpt_event(CKPT_EV_CHECKPOINT_START, task_tgid_nr(d.task), 0, 0);
	err = ckpt_checkpoint_task(&d, a.flags);
	ckpt_ghosts_destroy(&d);
	ckpt_pipes_destroy(&d);
	ckpt_event(err ? CKPT_EV_CHECKPOINT_FAIL : CKPT_EV_CHECKPOINT_DONE,
		   task_tgid_nr(d.task), err, d.out.written);

	a.bytes_written = d.out.written;
	if (err && d.out.failed)
		ckpt_fail(&d.err, CKPT_OBJ_OUTPUT, err);
	ckpt_out_destroy(&d.out);
out_scratch:
	free_page((unsigned long)d.scratch);
out_file:
	if (out)
		fput(out);
out_task:
	put_task_struct(d.task);
	a.err_object = d.err.object;
	a.err_fd = d.err.fd;
	a.err_addr = d.err.addr;
	if (copy_to_user(uarg, &a, min_t(size_t, usize, sizeof(a))))
		return -EFAULT;
	return err;
}
