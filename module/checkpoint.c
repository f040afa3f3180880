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
#include <linux/fdtable.h>
#include <linux/fs_struct.h>
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

	/*
	 * Asked to park on the way out of its own restore (a freeze taken
	 * as soon as RESTORE_WAIT returns), before the restore's last step
	 * ran: task_work runs the newest first.  Go behind that step, so
	 * the task parks as the image's task, not as its restorer; the run
	 * takes what was added meanwhile before it returns.
	 */
	if (ckpt_finish_queued(head->next) &&
	    !task_work_add(current, head, TWA_NONE))
		return;
	complete_all(&fz->parked);	/* stays done for completion_done() */
	/* killable; and not counted in the load average while held */
	wait_for_completion_state(&fz->release, TASK_KILLABLE | TASK_NOLOAD);
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
 * Ask @t to park: queue the work that parks it.  NULL if @t is exiting
 * (task_work_add() refuses) or on allocation failure (*@err says which).
 */
static struct ckpt_freezer *ckpt_freeze_start(struct task_struct *t,
					      int *err)
{
	struct ckpt_freezer *fz = kzalloc(sizeof(*fz), GFP_KERNEL);

	*err = -ENOMEM;
	if (!fz)
		return NULL;
	refcount_set(&fz->ref, 2);	/* ours and the task_work's */
	init_completion(&fz->parked);
	init_completion(&fz->release);
	init_task_work(&fz->work, ckpt_park);
	*err = -ESRCH;
	if (task_work_add(t, &fz->work, TWA_SIGNAL)) {
		kfree(fz);
		return NULL;
	}
	*err = 0;
	return fz;
}

/*
 * Wait until @t, asked to park by @fz, is frozen: parked (or stopped, or
 * held by CKPT_IOC_FREEZE) and off-CPU.  On failure @fz is released (the
 * work runs through whenever it runs) and must not be used again.
 */
static int ckpt_freeze_wait(struct task_struct *t, struct ckpt_freezer *fz,
			    unsigned long deadline)
{
	int err;

	for (;;) {
		/*
		 * Exiting: it may even have parked, from exit_task_work() in
		 * do_exit().  Either way it is leaving, not frozen.
		 */
		if (t->flags & PF_EXITING) {
			err = -ESRCH;
			break;
		}
		if (completion_done(&fz->parked) || task_is_stopped(t) ||
		    ckpt_freeze_holds(t)) {
			if (ckpt_off_cpu(t))
				return 0;
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

/* Is @t one of @m's threads, parked by its freeze? */
bool ckpt_member_parked(struct ckpt_member *m, struct task_struct *t)
{
	unsigned int i;

	for (i = 0; i < m->nr_threads; i++)
		if (m->threads[i] == t)
			return m->fz && m->fz[i] &&
			       completion_done(&m->fz[i]->parked);
	return false;
}

static void ckpt_release(struct ckpt_freezer *fz)
{
	complete_all(&fz->release);
	ckpt_freezer_put(fz);
}

/* Let the group go: killed, stopped (both group-wide) or running. */
void ckpt_thaw_group(struct ckpt_member *m, u32 flags, bool ok)
{
	unsigned int i;

	if (ok && (flags & CKPT_CHECKPOINT_KILL))
		send_sig(SIGKILL, m->task, 1);
	else if (ok && (flags & CKPT_CHECKPOINT_LEAVE_STOPPED))
		send_sig(SIGSTOP, m->task, 1);
	for (i = 0; i < m->nr_threads; i++)
		if (m->fz && m->fz[i])
			ckpt_release(m->fz[i]);
}

void ckpt_put_group(struct ckpt_member *m)
{
	unsigned int i;

	for (i = 0; i < m->nr_threads; i++)
		put_task_struct(m->threads[i]);
	kvfree(m->threads);
	kvfree(m->fz);
	m->threads = NULL;
	m->fz = NULL;
	m->nr_threads = 0;
}

static bool ckpt_group_has(const struct ckpt_member *m,
			   const struct task_struct *t)
{
	unsigned int i;

	for (i = 0; i < m->nr_threads; i++)
		if (m->threads[i] == t)
			return true;
	return false;
}

/*
 * Wait until @t, a thread that exited before it could park, has left its
 * group (its last writes to memory, clear_child_tid, are done by then).
 */
static int ckpt_wait_gone(struct task_struct *t, unsigned long deadline)
{
	while (pid_alive(t)) {
		if (time_after(jiffies, deadline))
			return -EBUSY;
		if (signal_pending(current))
			return -EINTR;
		schedule_timeout_interruptible(1);
	}
	return 0;
}

/*
 * Freeze every thread of the member.  Passes: each asks the threads not
 * seen yet to park, then waits for them; threads keep being born until
 * every thread that could create one is parked, so the next pass takes
 * those born meanwhile, until a pass finds none and the group's count is
 * ours.  A thread (never the main one) that exits before it parks is
 * waited out and dropped.  Too many threads: -E2BIG.
 */
static int ckpt_freeze_group(struct ckpt_member *m)
{
	unsigned long deadline = jiffies + CKPT_FREEZE_TIMEOUT;
	const unsigned int cap = CKPT_MAX_THREADS + 1;
	struct task_struct *th;
	unsigned int i, j, first;
	int err = 0;

	m->threads = kvcalloc(cap, sizeof(*m->threads), GFP_KERNEL);
	m->fz = kvcalloc(cap, sizeof(*m->fz), GFP_KERNEL);
	if (!m->threads || !m->fz)
		return -ENOMEM;
	m->nr_threads = 0;
	for (;;) {
		first = m->nr_threads;
		rcu_read_lock();
		for_each_thread(m->task, th) {
			if (ckpt_group_has(m, th))
				continue;
			if (m->nr_threads == cap) {
				err = -E2BIG;
				break;
			}
			m->threads[m->nr_threads++] = get_task_struct(th);
		}
		rcu_read_unlock();
		if (err)
			return err;
		if (first == m->nr_threads &&
		    get_nr_threads(m->task) == m->nr_threads)
			return 0;
		if (time_after(jiffies, deadline))
			return -EBUSY;
		/*
		 * Every new thread is asked first, then waited for: they park
		 * side by side.  One asked but not frozen is let go by
		 * ckpt_thaw_group() (its m->fz entry is set).
		 */
		for (i = first; i < m->nr_threads && !err; i++) {
			m->fz[i] = ckpt_freeze_start(m->threads[i], &err);
			if (err == -ESRCH && m->threads[i] != m->task)
				err = 0;	/* exiting: dropped below */
		}
		for (i = first; i < m->nr_threads && !err; i++) {
			if (!m->fz[i])
				continue;
			err = ckpt_freeze_wait(m->threads[i], m->fz[i], deadline);
			if (err)
				m->fz[i] = NULL;	/* released by the wait */
			if (err == -ESRCH && m->threads[i] != m->task)
				err = 0;
		}
		/* Drop the threads that exited instead of parking. */
		for (i = j = first; i < m->nr_threads; i++) {
			th = m->threads[i];
			if (!m->fz[i] && !err)
				err = ckpt_wait_gone(th, deadline);
			if (m->fz[i]) {
				m->threads[j] = th;
				m->fz[j++] = m->fz[i];
			} else {
				put_task_struct(th);
			}
		}
		for (i = j; i < m->nr_threads; i++) {
			m->threads[i] = NULL;
			m->fz[i] = NULL;
		}
		m->nr_threads = j;
		if (err)
			return err;
	}
}

/*
 * Freeze every thread of @m (m->task referenced).  On failure nothing of
 * @m is left frozen or referenced but m->task.
 */
int ckpt_hold_member(struct ckpt_member *m)
{
	int err = ckpt_freeze_group(m);

	if (err) {
		ckpt_thaw_group(m, 0, false);
		ckpt_put_group(m);
	}
	return err;
}

/* The caller must be allowed to ptrace-attach to @t, as for a debugger. */
int ckpt_may_checkpoint(struct task_struct *t)
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
static int ckpt_check_target(struct ckpt_dump *d, struct ckpt_member *m,
			     struct ckpt_err *e)
{
	unsigned int i;

	if (m->zombie)
		return 0;

	if (m->task->flags & PF_EXITING)
		return -ESRCH;
	/*
	 * sysvsem.undo_list cannot tell: glibc's threads (CLONE_SYSVSEM)
	 * allocate an empty one, and its contents are private to ipc/sem.c.
	 * SEM_UNDO adjustments are documented as not saved.
	 */
	if (!ckpt_same_namespaces(m->task))
		return ckpt_fail(e, CKPT_OBJ_TASK, -EOPNOTSUPP);
	for (i = 0; i < m->nr_threads; i++) {
		struct task_struct *t = m->threads[i];

		if (t->ptrace)
			return ckpt_fail(e, CKPT_OBJ_TASK, -EBUSY);
		if (t->flags & PF_EXITING)
			return ckpt_fail(e, CKPT_OBJ_TASK, -EBUSY);
		if (t->seccomp.mode == SECCOMP_MODE_FILTER &&
		    !ckpt_may_read_seccomp())
			return ckpt_fail(e, CKPT_OBJ_TASK, -EPERM);
	}
	/* What it shares with other processes: ckpt_check_shares(). */
	return 0;
}

static int ckpt_dump_one(struct ckpt_dump *d)
{
	static int (*const steps[])(struct ckpt_dump *d) = {
		ckpt_dump_task, ckpt_dump_fs, ckpt_dump_sigactions,
		ckpt_dump_mm, ckpt_dump_files, ckpt_dump_cpu,
		ckpt_dump_rlimits, ckpt_dump_sigpending, ckpt_dump_pipes,
		ckpt_dump_timers, ckpt_dump_threads, ckpt_dump_ghosts,
		ckpt_dump_fdstates, ckpt_dump_shmems, ckpt_dump_socks,
		ckpt_dump_attrs, ckpt_dump_sysvshm, ckpt_dump_seccomp,
		ckpt_dump_shares, ckpt_dump_sched, ckpt_dump_flocks,
		ckpt_dump_cgroup, ckpt_dump_sockopts, ckpt_dump_inotify,
		ckpt_dump_mcasts, ckpt_dump_clocks, ckpt_dump_mempolicy,
		ckpt_dump_ptys, ckpt_dump_uts, ckpt_dump_fowns,
		ckpt_dump_netlinks, ckpt_dump_pages,
	};
	ktime_t t = ktime_get();
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < ARRAY_SIZE(steps); i++) {
		err = steps[i](d);
		ckpt_time_step("checkpoint", steps[i], &t);
	}
	if (!err)
		err = ckpt_write_end(&d->out);
	return err;
}

/* The TREE record: each member's PID, parent, group and session. */
static int ckpt_dump_tree(struct ckpt_dump *d)
{
	struct ckpt_rec_tree_task *tt = ckpt_rec_payload(&d->out);
	unsigned int i;

	for (i = 0; i < d->nr_members; i++) {
		struct task_struct *t = d->members[i].task;

		memset(&tt[i], 0, sizeof(tt[i]));
		if (d->members[i].zombie) {
			tt[i].flags = CKPT_TREE_ZOMBIE;
			tt[i].exit_code = READ_ONCE(t->exit_code) & 0xffff;
		}
		tt[i].pid = task_tgid_vnr(t);
		rcu_read_lock();
		tt[i].ppid = task_tgid_vnr(rcu_dereference(t->real_parent));
		rcu_read_unlock();
		tt[i].pgid = task_pgrp_vnr(t);
		tt[i].sid = task_session_vnr(t);
	}
	return ckpt_write_payload(&d->out, CKPT_REC_TREE,
				  d->nr_members * sizeof(*tt));
}

static int ckpt_dump_all(struct ckpt_dump *d)
{
	unsigned int i;
	int err;

	err = ckpt_write_header(&d->out, ckpt_cpu_xfeatures(),
				ckpt_cpu_xstate_size(), d->nr_members);
	if (!err && d->nr_members > 1)
		err = ckpt_dump_tree(d);
	for (i = 0; !err && i < d->nr_members; i++) {
		struct ckpt_member *m = &d->members[i];

		if (m->zombie)
			continue;	/* no records: the TREE record says all */
		d->member = i;
		d->task = m->task;
		d->threads = m->threads;
		d->nr_threads = m->nr_threads;
		d->mm = get_task_mm(m->task);
		if (!d->mm) {
			err = -ESRCH;
			break;
		}
		/* Deleted files, fd states and memfds: saved per process. */
		xa_init(&d->ghosts);
		d->ghost_bytes = 0;
		xa_init(&d->fdstates);
		d->nr_epitems = 0;
		d->nr_inwatches = 0;
		d->inwatch_bytes = 0;
		d->inevent_bytes = 0;
		xa_init(&d->shmems);
		d->shmem_bytes = 0;
		err = ckpt_dump_one(d);
		ckpt_sysvshm_destroy(d);
		ckpt_shmems_destroy(d);
		ckpt_fdstates_destroy(d);
		ckpt_ghosts_done(d);
		ckpt_attrs_reset(d);
		mmput(d->mm);
		d->mm = NULL;
		if (!err && (m->task->flags & PF_EXITING))
			err = -ESRCH;
	}
	return err;
}

static bool ckpt_is_member(struct ckpt_dump *d, pid_t pid, unsigned int below)
{
	unsigned int i;

	for (i = 0; i < below; i++)
		if (task_tgid_vnr(d->members[i].task) == pid)
			return true;
	return false;
}

/*
 * The frozen set must be a closed tree, parents first: every member but
 * the first has an earlier member for parent, and every process whose
 * parent is a member is a member.  Members cannot fork while frozen.
 * On failure d->err.addr is the process at fault and *@at its parent.
 */
static int ckpt_check_tree(struct ckpt_dump *d, pid_t *at)
{
	struct task_struct *p;
	unsigned int i;
	pid_t bad = 0;

	rcu_read_lock();
	for (i = 1; i < d->nr_members && !bad; i++) {
		struct task_struct *t = d->members[i].task;
		pid_t ppid = task_tgid_vnr(rcu_dereference(t->real_parent));

		if (!ckpt_is_member(d, ppid, i)) {
			bad = task_tgid_vnr(t);
			*at = bad;
		}
	}
	for_each_process(p) {
		pid_t ppid;

		if (bad)
			break;
		ppid = task_tgid_vnr(rcu_dereference(p->real_parent));
		if (ckpt_is_member(d, ppid, d->nr_members) &&
		    !ckpt_is_member(d, task_tgid_vnr(p), d->nr_members)) {
			bad = task_tgid_vnr(p);
			*at = ppid;
		}
	}
	rcu_read_unlock();
	if (!bad)
		return 0;
	d->err.addr = bad;
	return ckpt_fail(&d->err, CKPT_OBJ_TREE, -ECHILD);
}

static void ckpt_thaw_all(struct ckpt_dump *d, u32 flags, bool ok)
{
	unsigned int i;

	for (i = 0; i < d->nr_members; i++) {
		ckpt_thaw_group(&d->members[i], flags, ok);
		ckpt_put_group(&d->members[i]);
	}
}

/* Freeze every member; on failure all are thawed and *@at is the member. */
static int ckpt_freeze_all(struct ckpt_dump *d, unsigned int *at)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < d->nr_members && !err; i++) {
		struct ckpt_member *m = &d->members[i];

		*at = i;
		/*
		 * A zombie waiting for its parent stays one: it cannot change
		 * while its parent is frozen.  It cannot be the root, nor has
		 * it children (they went to a reaper).
		 */
		if (m->task->exit_state == EXIT_ZOMBIE && i) {
			m->zombie = true;
			continue;
		}
		if (m->task->exit_state) {
			err = ckpt_fail(&d->err, CKPT_OBJ_TASK, -EOPNOTSUPP);
			break;
		}
		err = ckpt_hold_member(m);
	}
	if (err) {
		ckpt_thaw_all(d, 0, false);
		return ckpt_fail(&d->err, CKPT_OBJ_TASK,
				 err == -E2BIG ? -EOPNOTSUPP : err);
	}
	return 0;
}

/* *@at: the index of the member at fault, or the PID with CKPT_OBJ_TREE */
static int ckpt_checkpoint_members(struct ckpt_dump *d, u32 flags,
				   unsigned int *at, pid_t *at_pid)
{
	ktime_t t = ktime_get();
	unsigned int i;
	int err;

	err = ckpt_check_vfork(d, at);
	if (!err)
		err = ckpt_freeze_all(d, at);
	ckpt_time_step("checkpoint", ckpt_freeze_all, &t);
	if (err)
		return err;
	for (i = 0; i < d->nr_members && !err; i++) {
		*at = i;
		/*
		 * Again, now that it cannot run: an exec of a set-user-ID
		 * program between the first check and the freeze shows here.
		 */
		err = ckpt_may_checkpoint(d->members[i].task);
		if (err)
			err = ckpt_fail(&d->err, CKPT_OBJ_TASK, err);
		else
			err = ckpt_check_target(d, &d->members[i], &d->err);
	}
	if (!err && d->nr_members > 1)
		err = ckpt_check_tree(d, at_pid);
	if (!err)
		err = ckpt_check_shares(d, at);
	if (!err) {
		err = ckpt_scan_pipes(d);
		*at = d->member;
	}
	if (!err) {
		err = ckpt_scan_ptys(d);
		*at = d->member;
	}
	if (!err) {
		err = ckpt_scan_shanon(d);
		*at = d->member;
	}
	if (!err) {
		err = ckpt_scan_socks(d);
		*at = d->member;
	}
	ckpt_time_step("checkpoint", ckpt_scan_socks, &t);
	if (!err) {
		err = ckpt_dump_all(d);
		*at = d->member;
	}
	t = ktime_get();
	/* Killed: its TCP connections close without a word to the peers. */
	if (!err && (flags & CKPT_CHECKPOINT_KILL))
		ckpt_socks_detach(d);
	ckpt_thaw_all(d, flags, !err);
	ckpt_time_step("checkpoint", ckpt_thaw_all, &t);
	if (ckpt_timing_on() && d->out.nr_aside)
		pr_info("checkpoint pid %d: %llu PAGES records hashed on another CPU\n",
			task_pid_nr(current), d->out.nr_aside);
	return err;
}

static int ckpt_checkpoint_args_ok(const struct ckpt_checkpoint_args *a)
{
	if (a->flags & ~CKPT_CHECKPOINT_FLAGS_ALL)
		return -EINVAL;
	if ((a->flags & CKPT_CHECKPOINT_KILL) &&
	    (a->flags & CKPT_CHECKPOINT_LEAVE_STOPPED))
		return -EINVAL;
	/* Without soft-dirty tracking every page would look clean. */
	if ((a->flags & CKPT_CHECKPOINT_DIRTY_ONLY) &&
	    !IS_ENABLED(CONFIG_MEM_SOFT_DIRTY))
		return -EOPNOTSUPP;
	if (a->reserved || a->reserved2 || a->reserved3 || a->reserved4 ||
	    a->pid <= 0 || a->skip & ~CKPT_SKIP_ALL)
		return -EINVAL;
	if (!a->ipc_recs != !a->ipc_len || a->ipc_len > CKPT_SYSV_IPC_MAX)
		return -EINVAL;
	if (a->flags & CKPT_CHECKPOINT_TREE) {
		if (!a->pids || !a->nr_pids || a->nr_pids > CKPT_MAX_TREE)
			return -EINVAL;
	} else if (a->pids || a->nr_pids) {
		return -EINVAL;
	}
	return 0;
}

struct task_struct *ckpt_get_process(pid_t nr)
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

/*
 * Look up and check every member: a process (not a thread) in the
 * caller's namespace, listed once, that the caller may ptrace.  *@at is
 * the index of the one at fault.
 */
static int ckpt_get_members(struct ckpt_dump *d, const pid_t *pids,
			    unsigned int n, unsigned int *at)
{
	unsigned int i, j;
	int err;

	d->members = kcalloc(n, sizeof(*d->members), GFP_KERNEL);
	if (!d->members)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		*at = i;
		if (pids[i] <= 0)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (pids[j] == pids[i])
				return -EINVAL;
		d->members[i].task = ckpt_get_process(pids[i]);
		if (!d->members[i].task)
			return -ESRCH;
		d->nr_members = i + 1;
		err = ckpt_may_checkpoint(d->members[i].task);
		if (err)
			return err;
	}
	return 0;
}

static void ckpt_put_members(struct ckpt_dump *d)
{
	unsigned int i;

	for (i = 0; i < d->nr_members; i++)
		put_task_struct(d->members[i].task);
	kfree(d->members);
}

static pid_t *ckpt_copy_pids(const struct ckpt_checkpoint_args *a)
{
	pid_t *p;

	if (a->flags & CKPT_CHECKPOINT_TREE)
		return memdup_user(u64_to_user_ptr(a->pids),
				   a->nr_pids * sizeof(pid_t));
	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	*p = a->pid;
	return p;
}

long ckpt_ioctl_checkpoint(void __user *uarg)
{
	struct ckpt_checkpoint_args a;
	struct ckpt_dump d = {};
	struct file *out = NULL;
	unsigned int n, at = 0;
	pid_t *pids, at_pid = 0;
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
	n = (a.flags & CKPT_CHECKPOINT_TREE) ? a.nr_pids : 1;
	pids = ckpt_copy_pids(&a);
	if (IS_ERR(pids))
		return PTR_ERR(pids);
	err = pids[0] == a.pid ? ckpt_get_members(&d, pids, n, &at) : -EINVAL;
	if (err)
		goto out_members;
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
	if (a.flags & CKPT_CHECKPOINT_IPC_NS)
		d.out.hdr_flags |= CKPT_IMAGE_IPC_NS;
	if (a.flags & CKPT_CHECKPOINT_UTS_NS)
		d.out.hdr_flags |= CKPT_IMAGE_UTS_NS;
	if (a.ipc_len) {
		d.ipc_recs = vmemdup_user(u64_to_user_ptr(a.ipc_recs),
					  a.ipc_len);
		err = IS_ERR(d.ipc_recs) ? PTR_ERR(d.ipc_recs) :
		      ckpt_sysv_ipc_check(d.ipc_recs, a.ipc_len);
		if (IS_ERR(d.ipc_recs))
			d.ipc_recs = NULL;
		if (err)
			goto out_ipc;
		d.ipc_len = a.ipc_len;
	}

	d.skip = a.skip;
	d.ghost_limit = a.ghost_limit && a.ghost_limit < CKPT_GHOST_MAX_DATA ?
			a.ghost_limit : CKPT_GHOST_MAX_DATA;
	ckpt_pipes_init(&d);
	ckpt_ptys_init(&d);
	ckpt_socks_init(&d);
	d.flags = a.flags;
	xa_init(&d.files_seen);
	xa_init(&d.ghosts);
	xa_init(&d.ghosts_saved);
	xa_init(&d.shanon);
	d.dirty_only = !!(a.flags & CKPT_CHECKPOINT_DIRTY_ONLY);
	xa_init(&d.sysv_seen);
	xa_init(&d.sysv_todo);
	ckpt_event(CKPT_EV_CHECKPOINT_START, task_tgid_nr(d.members[0].task),
		   0, 0);
	err = ckpt_checkpoint_members(&d, a.flags, &at, &at_pid);
	xa_destroy(&d.shanon);
	xa_destroy(&d.sysv_seen);
	ckpt_sysvshm_destroy(&d);
	xa_destroy(&d.files_seen);
	ckpt_ghosts_destroy(&d);
	ckpt_pipes_destroy(&d);
	ckpt_ptys_destroy(&d);
	ckpt_socks_destroy(&d);
	ckpt_event(err ? CKPT_EV_CHECKPOINT_FAIL : CKPT_EV_CHECKPOINT_DONE,
		   task_tgid_nr(d.members[0].task), err, d.out.written);

	a.bytes_written = d.out.written;
	a.nr_skipped = d.nr_skipped_all;
	a.nr_pages = d.out.nr_pages;
	a.nr_zero_pages = d.nr_zero_pages;
	a.image_time_ns = d.out.hdr_time_ns;
	a.image_csum = d.out.hdr_csum;
	if (err && d.out.failed)
		ckpt_fail(&d.err, CKPT_OBJ_OUTPUT, err);
out_ipc:
	kvfree(d.ipc_recs);
	ckpt_out_destroy(&d.out);
out_scratch:
	free_page((unsigned long)d.scratch);
out_file:
	if (out)
		fput(out);
out_members:
	a.err_pid = 0;
	if (err && at_pid)
		a.err_pid = at_pid;
	else if (err && at < n)
		a.err_pid = pids[at];
	ckpt_put_members(&d);
	kfree(pids);
	a.err_object = d.err.object;
	a.err_fd = d.err.fd;
	a.err_addr = d.err.addr;
	if (copy_to_user(uarg, &a, min_t(size_t, usize, sizeof(a))))
		return -EFAULT;
	return err;
}
