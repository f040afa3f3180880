// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduling attributes (CKPT_REC_SCHED): each thread's policy, real-time
 * priority, nice value, SCHED_RESET_ON_FORK, SCHED_DEADLINE parameters, I/O
 * priority and CPU affinity.
 *
 * Checkpoint: read from the frozen threads.  An affinity that covers every
 * CPU its cpuset allows is saved as "every CPU" (CKPT_SCHED_ALL_CPUS), so
 * that the process is not pinned to the CPUs of this node elsewhere.
 *
 * Restore: once every thread has checked in and before the point of no
 * return, the main thread sets each thread's attributes with the kernel's
 * own sched_setaffinity(), sched_setattr() and set_task_ioprio(), the
 * functions of the system calls, so every check they make applies to the
 * caller: same owner or CAP_SYS_NICE, can_nice() (RLIMIT_NICE) for a
 * lower nice value, RLIMIT_RTPRIO or CAP_SYS_NICE for a real-time policy,
 * the CPUs of the caller's cpuset, the security modules' hooks.  A refusal
 * fails the restore (CKPT_OBJ_SCHED) with nothing of the image applied
 * but these attributes of the threads that are about to be killed.  The
 * main thread's own policy and nice value, once allowed, wait for the
 * end of its restore (ckpt_restore_sched_self()).
 * CKPT_RESTORE_ANY_CPU leaves the affinities out.
 */
#include <linux/cpumask.h>
#include <linux/iocontext.h>
#include <linux/ioprio.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <uapi/linux/sched.h>
#include <uapi/linux/sched/types.h>
#include "ckpt.h"

#define CKPT_SCHED_WORDS	(CKPT_SCHED_CPUS / 64)

/* ---------------------------------------------------------------------- */
/* Checkpoint                                                              */
/* ---------------------------------------------------------------------- */

static int ckpt_sched_affinity(struct task_struct *t, struct ckpt_rec_sched *s)
{
	cpumask_var_t allowed;
	unsigned int cpu;
	bool all;

	if (!alloc_cpumask_var(&allowed, GFP_KERNEL))
		return -ENOMEM;
	ckpt_ksyms.cpuset_cpus_allowed(t, allowed);
	all = cpumask_subset(allowed, &t->cpus_mask);
	free_cpumask_var(allowed);
	if (all) {
		s->flags |= CKPT_SCHED_ALL_CPUS;
		return 0;
	}
	for_each_cpu(cpu, &t->cpus_mask) {
		if (cpu >= CKPT_SCHED_CPUS)
			return -EOPNOTSUPP;
		s->cpus[cpu / 64] |= 1ULL << (cpu % 64);
	}
	return 0;
}

/* @t's policy, priorities, nice value and SCHED_RESET_ON_FORK now. */
static void ckpt_sched_policy_of(struct task_struct *t,
				 struct ckpt_rec_sched *s)
{
	memset(s, 0, sizeof(*s));
	s->policy = t->policy;
	s->nice = task_nice(t);
	if (s->policy == SCHED_FIFO || s->policy == SCHED_RR)
		s->rt_priority = t->rt_priority;
	if (t->sched_reset_on_fork)
		s->flags |= CKPT_SCHED_RESET_ON_FORK;
	if (s->policy == SCHED_DEADLINE) {
		s->dl_runtime = t->dl.dl_runtime;
		s->dl_deadline = t->dl.dl_deadline;
		s->dl_period = t->dl.dl_period;
	}
}

static int ckpt_dump_sched_one(struct ckpt_dump *d, struct task_struct *t)
{
	struct ckpt_rec_sched *s = ckpt_rec_payload(&d->out);
	int err;

	ckpt_sched_policy_of(t, s);
	s->tid = task_pid_vnr(t);
	task_lock(t);
	s->ioprio = t->io_context ? t->io_context->ioprio : 0;
	task_unlock(t);
	err = ckpt_sched_affinity(t, s);
	if (err)
		return err;
	return ckpt_write_payload(&d->out, CKPT_REC_SCHED, sizeof(*s));
}

/* One record a thread: the main thread's first, then THREAD order. */
int ckpt_dump_sched(struct ckpt_dump *d)
{
	unsigned int i;
	int err;

	err = ckpt_dump_sched_one(d, d->task);
	for (i = 0; !err && i < d->nr_threads; i++)
		if (d->threads[i] != d->task)
			err = ckpt_dump_sched_one(d, d->threads[i]);
	if (err && err != -EFAULT && err != -ENOMEM && err != -ENOSPC)
		return ckpt_fail(&d->err, CKPT_OBJ_TASK, err);
	return err;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_take_sched(struct ckpt_restore *r, const void *p, u32 len)
{
	struct ckpt_restore_sched *s;

	s = ckpt_take_into((void **)&r->sched, &r->nr_sched, sizeof(*s),
			   CKPT_MAX_THREADS + 1, p, len, sizeof(s->rec));
	if (IS_ERR(s))
		return PTR_ERR(s);
	s->offset = r->in.rec_offset;
	return 0;
}

void ckpt_free_sched(struct ckpt_restore *r)
{
	kvfree(r->sched);
	r->sched = NULL;
	r->nr_sched = 0;
}

static bool ckpt_sched_policy_ok(const struct ckpt_rec_sched *s)
{
	bool rt = s->policy == SCHED_FIFO || s->policy == SCHED_RR;
	bool dl = s->policy == SCHED_DEADLINE;

	if (s->policy != SCHED_NORMAL && s->policy != SCHED_BATCH &&
	    s->policy != SCHED_IDLE && !rt && !dl)
		return false;
	if (s->nice < MIN_NICE || s->nice > MAX_NICE)
		return false;
	if (rt ? s->rt_priority < 1 || s->rt_priority > MAX_RT_PRIO - 1 :
		 s->rt_priority)
		return false;
	if (!dl)
		return !s->dl_runtime && !s->dl_deadline && !s->dl_period;
	/* sched_setattr() checks the rest (bounds, admission). */
	return s->dl_runtime && s->dl_deadline;
}

static bool ckpt_sched_rec_ok(const struct ckpt_rec_sched *s)
{
	bool any = false;
	unsigned int i;

	if (s->flags & ~CKPT_SCHED_FLAGS_ALL || !ckpt_sched_policy_ok(s))
		return false;
	if (s->ioprio > U16_MAX ||
	    IOPRIO_PRIO_CLASS(s->ioprio) > IOPRIO_CLASS_IDLE)
		return false;
	for (i = 0; i < CKPT_SCHED_WORDS; i++)
		any |= s->cpus[i] != 0;
	return (s->flags & CKPT_SCHED_ALL_CPUS) ? !any : any;
}

/* None, or one for each thread: the main thread's, then THREAD order. */
int ckpt_check_sched(struct ckpt_restore *r)
{
	u32 i;

	if (!r->nr_sched)
		return 0;
	if (r->nr_sched != r->nr_threads + 1)
		return ckpt_bad_rec(r, CKPT_REC_SCHED,
				    r->sched[r->nr_sched - 1].offset,
				    -EBADMSG);
	for (i = 0; i < r->nr_sched; i++) {
		const struct ckpt_rec_sched *s = &r->sched[i].rec;
		pid_t tid = i ? r->threads[i - 1].rec.tid : r->task.pid;

		if (s->tid != tid || !ckpt_sched_rec_ok(s))
			return ckpt_bad_rec(r, CKPT_REC_SCHED,
					    r->sched[i].offset, -EBADMSG);
	}
	return 0;
}

static int ckpt_sched_set_affinity(struct task_struct *t,
				   const struct ckpt_rec_sched *s)
{
	cpumask_var_t mask;
	unsigned int cpu;
	long err;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	if (s->flags & CKPT_SCHED_ALL_CPUS)
		cpumask_copy(mask, cpu_possible_mask);
	else
		for (cpu = 0; cpu < min_t(unsigned int, nr_cpu_ids,
					  CKPT_SCHED_CPUS); cpu++)
			if (s->cpus[cpu / 64] & (1ULL << (cpu % 64)))
				cpumask_set_cpu(cpu, mask);
	/* No CPU of it here: as sched_setaffinity() says of no usable one. */
	err = cpumask_empty(mask) ? -EINVAL :
	      ckpt_ksyms.sched_setaffinity(task_pid_vnr(t), mask);
	free_cpumask_var(mask);
	return err;
}

typedef int (*ckpt_setattr_fn)(struct task_struct *p,
			       const struct sched_attr *attr);

/* @s's policy, priority, nice value and flags for @t, through @set. */
static int ckpt_sched_policy_with(struct task_struct *t,
				  const struct ckpt_rec_sched *s,
				  ckpt_setattr_fn set)
{
	struct sched_attr a = {
		.size = sizeof(a),
		.sched_policy = s->policy,
		.sched_nice = s->nice,
		.sched_priority = s->rt_priority,
		.sched_runtime = s->dl_runtime,
		.sched_deadline = s->dl_deadline,
		.sched_period = s->dl_period,
	};
	int err;

	if (s->flags & CKPT_SCHED_RESET_ON_FORK)
		a.sched_flags |= SCHED_FLAG_RESET_ON_FORK;
	/* Only SCHED_NORMAL and SCHED_BATCH set it: for the others, first. */
	if (s->policy != SCHED_NORMAL && s->policy != SCHED_BATCH &&
	    task_nice(t) != s->nice) {
		struct sched_attr n = {
			.size = sizeof(n),
			.sched_policy = SCHED_NORMAL,
			.sched_nice = s->nice,
		};

		err = set(t, &n);
		if (err)
			return err;
	}
	return set(t, &a);
}

static int ckpt_sched_set_policy(struct task_struct *t,
				 const struct ckpt_rec_sched *s)
{
	return ckpt_sched_policy_with(t, s, ckpt_ksyms.sched_setattr);
}

static int ckpt_sched_set_ioprio(struct task_struct *t,
				 const struct ckpt_rec_sched *s)
{
	int now, err;

	task_lock(t);
	now = t->io_context ? t->io_context->ioprio : 0;
	task_unlock(t);
	if (now == s->ioprio)
		return 0;
	err = ckpt_ksyms.ioprio_check_cap(s->ioprio);
	return err ? err : set_task_ioprio(t, s->ioprio);
}

static int ckpt_sched_set(struct ckpt_restore *r, struct task_struct *t,
			  const struct ckpt_rec_sched *s)
{
	static int (*const steps[])(struct task_struct *t,
				    const struct ckpt_rec_sched *s) = {
		[CKPT_SCHED_ATTR_AFFINITY - 1] = ckpt_sched_set_affinity,
		[CKPT_SCHED_ATTR_POLICY - 1] = ckpt_sched_set_policy,
		[CKPT_SCHED_ATTR_IOPRIO - 1] = ckpt_sched_set_ioprio,
	};
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		if (r->any_cpu && i + 1 == CKPT_SCHED_ATTR_AFFINITY)
			continue;
		err = steps[i](t, s);
		if (err && err != -ENOMEM && r->err.object == CKPT_OBJ_NONE) {
			r->err.fd = i + 1;
			r->err.addr = s->tid;
			return ckpt_fail(&r->err, CKPT_OBJ_SCHED, err);
		}
		if (err)
			return err;
	}
	return 0;
}

/*
 * The caller, the restored process's main thread, sets its own and its
 * threads' attributes; they have all checked in (ckpt_check_restorer()).
 * Its own policy and nice value, once the kernel has allowed them, go
 * back to what it had until the end of its restore: a SCHED_IDLE or
 * nice 19 process restored on a busy node would take its time filling
 * its memory, and restart(1) gives up after a minute.
 */
int ckpt_restore_sched(struct ckpt_restore *r)
{
	struct ckpt_rec_sched mine;
	int err = 0;
	u32 i;

	ckpt_sched_policy_of(current, &mine);
	for (i = 0; !err && i < r->nr_sched; i++) {
		const struct ckpt_rec_sched *s = &r->sched[i].rec;
		struct task_struct *t;

		rcu_read_lock();
		t = pid_task(find_vpid(s->tid), PIDTYPE_PID);
		if (t && same_thread_group(t, current))
			get_task_struct(t);
		else
			t = NULL;
		rcu_read_unlock();
		if (!t)
			return -ESRCH;
		err = ckpt_sched_set(r, t, s);
		put_task_struct(t);
	}
	if (err || !r->nr_sched)
		return err;
	r->sched_deferred = true;
	return ckpt_sched_policy_with(current, &mine, sched_setattr_nocheck);
}

/* Near the end of the restore: the main thread's own, allowed before. */
int ckpt_restore_sched_self(struct ckpt_restore *r)
{
	if (!r->sched_deferred)
		return 0;
	r->sched_deferred = false;
	return ckpt_sched_policy_with(current, &r->sched[0].rec,
				      sched_setattr_nocheck);
}
