// SPDX-License-Identifier: GPL-2.0
/*
 * Per-task scalars, credentials and signal dispositions: dump and restore.
 *
 * Credentials are never granted: a restore may take the image's ids only
 * if they are the caller's or the caller holds CAP_SETUID/CAP_SETGID, and
 * may only keep capabilities the caller has (else EPERM).
 */
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/sched/signal.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/personality.h>
#include <linux/rseq.h>
#include <linux/futex.h>
#include <linux/coredump.h>
#include <linux/binfmts.h>
#include <linux/hrtimer.h>
#include <linux/posix-timers.h>
#include <linux/alarmtimer.h>
#include <linux/nsproxy.h>
#include <linux/time_namespace.h>
#include <linux/timekeeping.h>
#include "ckpt.h"

static u64 ckpt_cap_to_u64(kernel_cap_t c)
{
	return ((u64)c.cap[1] << 32) | c.cap[0];
}

static kernel_cap_t ckpt_u64_to_cap(u64 v)
{
	kernel_cap_t c = CAP_EMPTY_SET;

	c.cap[0] = (u32)v;
	c.cap[1] = (u32)(v >> 32);
	return c;
}

static void ckpt_dump_creds(struct task_struct *t, struct ckpt_rec_task *r)
{
	struct user_namespace *ns = current_user_ns();
	const struct cred *c = get_task_cred(t);

	r->uid = from_kuid_munged(ns, c->uid);
	r->euid = from_kuid_munged(ns, c->euid);
	r->suid = from_kuid_munged(ns, c->suid);
	r->fsuid = from_kuid_munged(ns, c->fsuid);
	r->gid = from_kgid_munged(ns, c->gid);
	r->egid = from_kgid_munged(ns, c->egid);
	r->sgid = from_kgid_munged(ns, c->sgid);
	r->fsgid = from_kgid_munged(ns, c->fsgid);
	r->ngroups = c->group_info->ngroups;
	r->cap_inheritable = ckpt_cap_to_u64(c->cap_inheritable);
	r->cap_permitted = ckpt_cap_to_u64(c->cap_permitted);
	r->cap_effective = ckpt_cap_to_u64(c->cap_effective);
	r->cap_bset = ckpt_cap_to_u64(c->cap_bset);
	r->cap_ambient = ckpt_cap_to_u64(c->cap_ambient);
	put_cred(c);
}

/*
 * The mask the task runs with: inside sigsuspend(), ppoll() or pselect()
 * the blocked mask is the call's temporary one and the real one waits in
 * saved_sigmask.  The call itself is re-entered after restore, with its
 * own mask again.
 */
u64 ckpt_blocked(struct task_struct *t)
{
	if (test_tsk_restore_sigmask(t))
		return t->saved_sigmask.sig[0];
	return t->blocked.sig[0];
}

static int ckpt_dump_groups(struct ckpt_dump *d, u32 ngroups)
{
	const struct cred *c = get_task_cred(d->task);
	struct user_namespace *ns = current_user_ns();
	u32 *gids;
	u32 i, n = min_t(u32, ngroups, c->group_info->ngroups);
	int err;

	gids = kvmalloc_array(n ? n : 1, sizeof(*gids), GFP_KERNEL);
	if (!gids) {
		put_cred(c);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		gids[i] = from_kgid_munged(ns, c->group_info->gid[i]);
	put_cred(c);
	err = ckpt_write_rec(&d->out, CKPT_REC_GROUPS, gids, n * sizeof(*gids));
	kvfree(gids);
	return err;
}

int ckpt_dump_task(struct ckpt_dump *d)
{
	struct task_struct *t = d->task;
	struct ckpt_rec_task r;
	int err;

	memset(&r, 0, sizeof(r));
	r.pid = task_tgid_vnr(t);
	r.tid = task_pid_vnr(t);
	rcu_read_lock();
	r.ppid = task_tgid_vnr(rcu_dereference(t->real_parent));
	rcu_read_unlock();
	r.pgid = task_pgrp_vnr(t);
	r.sid = task_session_vnr(t);
	if (task_no_new_privs(t))
		r.flags |= CKPT_TASK_NO_NEW_PRIVS;
	if (d->mm && get_dumpable(d->mm) == SUID_DUMP_USER)
		r.flags |= CKPT_TASK_DUMPABLE;
	if (t->signal->is_child_subreaper)
		r.flags |= CKPT_TASK_SUBREAPER;
	get_task_comm(r.comm, t);
	r.personality = t->personality;
	r.pdeath_signal = t->pdeath_signal;
	ckpt_dump_creds(t, &r);
	r.blocked = ckpt_blocked(t);
	r.rseq = (unsigned long)t->rseq;
	r.rseq_len = t->rseq ? sizeof(struct rseq) : 0;
	r.rseq_sig = t->rseq_sig;
	r.clear_child_tid = (unsigned long)t->clear_child_tid;
	r.set_child_tid = (unsigned long)t->set_child_tid;
	r.robust_list = (unsigned long)t->robust_list;
	r.robust_list_len = t->robust_list ? sizeof(struct robust_list_head) : 0;
	r.sas_ss_sp = t->sas_ss_sp;
	r.sas_ss_size = t->sas_ss_size;
	r.sas_ss_flags = t->sas_ss_flags;

	err = ckpt_write_rec(&d->out, CKPT_REC_TASK, &r, sizeof(r));
	if (!err)
		err = ckpt_dump_groups(d, r.ngroups);
	return err;
}

/*
 * Run @fn on frozen @t with its signal handlers locked.  lock_task_sighand()
 * is not exported: the frozen target cannot exec, so its sighand stays,
 * and RCU keeps the memory valid while we lock it (sighand_cachep is
 * SLAB_TYPESAFE_BY_RCU).
 */
int ckpt_with_sighand(struct task_struct *t,
		      int (*fn)(struct task_struct *t,
				struct sighand_struct *sh, void *arg),
		      void *arg)
{
	struct sighand_struct *sh;
	int err = -ESRCH;

	rcu_read_lock();
	sh = rcu_dereference(t->sighand);
	if (sh) {
		spin_lock_irq(&sh->siglock);
		if (sh == rcu_access_pointer(t->sighand))
			err = fn(t, sh, arg);
		spin_unlock_irq(&sh->siglock);
	}
	rcu_read_unlock();
	return err;
}

static int ckpt_read_sigactions(struct task_struct *t,
				struct sighand_struct *sh, void *arg)
{
	struct ckpt_rec_sigaction *sa = arg;
	int i;

	for (i = 0; i < CKPT_NSIG; i++) {
		const struct sigaction *k = &sh->action[i].sa;

		sa[i].handler = (unsigned long)k->sa_handler;
		sa[i].flags = k->sa_flags;
		sa[i].restorer = (unsigned long)k->sa_restorer;
		sa[i].mask = k->sa_mask.sig[0];
	}
	return 0;
}

int ckpt_dump_sigactions(struct ckpt_dump *d)
{
	void *sa = ckpt_rec_payload(&d->out);
	int err;

	BUILD_BUG_ON(_NSIG != CKPT_NSIG);
	/* An earlier member's handlers: saved with it (shares.c). */
	if (!ckpt_sighand_holder(d, d->member))
		return 0;
	err = ckpt_with_sighand(d->task, ckpt_read_sigactions, sa);
	if (err)
		return err;
	return ckpt_write_payload(&d->out, CKPT_REC_SIGACTIONS,
				  CKPT_NSIG * sizeof(struct ckpt_rec_sigaction));
}

int ckpt_dump_rlimits(struct ckpt_dump *d)
{
	struct ckpt_rec_rlimit rl[CKPT_NRLIMITS];
	struct task_struct *leader = d->task->group_leader;
	int i;

	BUILD_BUG_ON(RLIM_NLIMITS != CKPT_NRLIMITS);
	task_lock(leader);
	for (i = 0; i < CKPT_NRLIMITS; i++) {
		rl[i].cur = d->task->signal->rlim[i].rlim_cur;
		rl[i].max = d->task->signal->rlim[i].rlim_max;
	}
	task_unlock(leader);
	return ckpt_write_rec(&d->out, CKPT_REC_RLIMITS, rl, sizeof(rl));
}

/* Append @pend's signals to @sp (holding *@n, at most @max entries). */
int ckpt_add_pending(struct ckpt_rec_sigpending *sp, u32 *n, u32 max,
		     struct sigpending *pend, u32 flags)
{
	sigset_t noinfo = pend->signal;
	struct sigqueue *q;
	int sig;

	BUILD_BUG_ON(sizeof(kernel_siginfo_t) > CKPT_SIGINFO_SIZE);
	list_for_each_entry(q, &pend->list, list) {
		if (*n >= max)
			return -EOPNOTSUPP;
		memset(&sp[*n], 0, sizeof(*sp));
		sp[*n].sig = q->info.si_signo;
		sp[*n].flags = flags;
		memcpy(sp[*n].info, &q->info, sizeof(q->info));
		sigdelset(&noinfo, q->info.si_signo);
		(*n)++;
	}
	/* Pending with no queue entry (out of memory, or kernel-sent). */
	for (sig = 1; sig <= _NSIG; sig++) {
		if (!sigismember(&noinfo, sig))
			continue;
		if (*n >= max)
			return -EOPNOTSUPP;
		memset(&sp[*n], 0, sizeof(*sp));
		sp[*n].sig = sig;
		sp[*n].flags = flags | CKPT_SIGP_NOINFO;
		(*n)++;
	}
	return 0;
}

struct ckpt_pending_arg {
	struct ckpt_rec_sigpending *sp;
	u32 n, max;
	bool shared;		/* the process's queue too */
};

static int ckpt_read_pending(struct task_struct *t,
			     struct sighand_struct *sh, void *arg)
{
	struct ckpt_pending_arg *a = arg;
	int err;

	err = ckpt_add_pending(a->sp, &a->n, a->max, &t->pending, 0);
	if (!err && a->shared)
		err = ckpt_add_pending(a->sp, &a->n, a->max,
				       &t->signal->shared_pending,
				       CKPT_SIGP_SHARED);
	return err;
}

/* @t's pending signals (and the process's, if @shared) into @sp. */
int ckpt_read_sigpending(struct task_struct *t, struct ckpt_rec_sigpending *sp,
			 u32 max, bool shared, u32 *n)
{
	struct ckpt_pending_arg a = { .sp = sp, .max = max, .shared = shared };
	int err = ckpt_with_sighand(t, ckpt_read_pending, &a);

	*n = a.n;
	return err;
}

int ckpt_dump_sigpending(struct ckpt_dump *d)
{
	struct ckpt_rec_sigpending *sp = ckpt_rec_payload(&d->out);
	u32 n;
	int err;

	err = ckpt_read_sigpending(d->task, sp, CKPT_MAX_SIGPENDING, true, &n);
	if (err)
		return ckpt_fail(&d->err, CKPT_OBJ_SIGNALS, err);
	if (!n)
		return 0;
	return ckpt_write_payload(&d->out, CKPT_REC_SIGPENDING,
				  n * sizeof(*sp));
}

static bool ckpt_timer_clock_ok(clockid_t id)
{
	return id == CLOCK_REALTIME || id == CLOCK_MONOTONIC ||
	       id == CLOCK_BOOTTIME || id == CLOCK_TAI;
}

static bool ckpt_alarm_clock(clockid_t id)
{
	return id == CLOCK_REALTIME_ALARM || id == CLOCK_BOOTTIME_ALARM;
}

/* A CPU-time clock: of the process (pid 0) or of one of its threads. */
static bool ckpt_cpu_clock_ok(clockid_t id)
{
	return id < 0 && CPUCLOCK_WHICH(id) < CPUCLOCK_MAX &&
	       (CPUCLOCK_PERTHREAD(id) ? CPUCLOCK_PID(id) > 0 :
					  CPUCLOCK_PID(id) == 0);
}

/*
 * Time to the next expiry given its absolute @expires (0: disarmed) on a
 * clock that reads @now: past it, a periodic timer whose signal is still
 * queued is re-armed only when the signal is taken, so it next expires at
 * the next period; a one-shot one is disarmed.
 */
static s64 ckpt_left_from(u64 expires, u64 now, s64 period)
{
	if (!expires)
		return 0;
	if (expires > now)
		return expires - now;
	if (period <= 0)
		return 1;
	return period - ((now - expires) % period);
}

/*
 * A POSIX CPU-time timer: the CPU time left on its clock, sampled from
 * the frozen target; saved on the process's own clock (pid 0) or on the
 * clock of the thread it watches (by TID).  A timer on another process's
 * clock is refused.
 */
static int ckpt_read_cpu_timer(struct task_struct *t, struct k_itimer *timr,
			       struct ckpt_rec_posix_timer *pt)
{
	clockid_t clk = timr->it_clock;
	unsigned int which = CPUCLOCK_WHICH(clk);
	struct pid *pid = timr->it.cpu.pid;
	struct task_struct *p;
	u64 now;

	if (which >= CPUCLOCK_MAX || !pid)
		return -EOPNOTSUPP;
	if (CPUCLOCK_PERTHREAD(clk)) {
		p = pid_task(pid, PIDTYPE_PID);
		if (!p || !same_thread_group(p, t))
			return -EOPNOTSUPP;
		now = which == CPUCLOCK_SCHED ? p->se.sum_exec_runtime :
		      which == CPUCLOCK_VIRT ? p->utime : p->utime + p->stime;
		pt->clockid = make_thread_cpuclock(pid_vnr(pid), which);
	} else {
		struct task_cputime ct;

		if (pid_task(pid, PIDTYPE_TGID) != t->group_leader)
			return -EOPNOTSUPP;
		ckpt_ksyms.thread_group_cputime(t, &ct);
		now = which == CPUCLOCK_SCHED ? ct.sum_exec_runtime :
		      which == CPUCLOCK_VIRT ? ct.utime : ct.utime + ct.stime;
		pt->clockid = make_process_cpuclock(0, which);
	}
	pt->value_ns = ckpt_left_from(cpu_timer_getexpires(&timr->it.cpu), now,
				      pt->interval_ns);
	return 0;
}

/* An alarm-clock timer (CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM). */
static s64 ckpt_alarm_left(struct k_itimer *timr)
{
	struct alarm *a = &timr->it.alarm.alarmtimer;
	s64 period = ktime_to_ns(timr->it_interval), left;

	if (!period && !timr->it_active &&
	    timr->it_sigev_notify != SIGEV_NONE)
		return 0;
	left = ktime_to_ns(alarm_expires_remaining(a));
	if (left > 0)
		return left;
	if (period <= 0 || !a->node.expires)
		return 0;
	return period - (-left % period);
}

/*
 * Time to the next expiry of an hrtimer-based POSIX timer, as
 * timer_gettime() computes it: a SIGEV_NONE timer is never queued, only
 * its expiry is set; a periodic timer whose signal is still queued is
 * re-armed only when the signal is taken, so its next expiry is the next
 * period after now.  A one-shot timer that expired is disarmed (its
 * signal, if still pending, is in the image's pending signals).
 */
static s64 ckpt_timer_left(struct k_itimer *timr)
{
	struct hrtimer *hr = &timr->it.real.timer;
	s64 left, period = ktime_to_ns(timr->it_interval);

	if (!period && !timr->it_active &&
	    timr->it_sigev_notify != SIGEV_NONE)
		return 0;
	left = ktime_to_ns(ktime_sub(hrtimer_get_expires(hr),
				     hr->base->get_time()));
	if (left > 0)
		return left;
	if (period <= 0 || !hrtimer_get_expires_tv64(hr))
		return 0;
	return period - (-left % period);
}

static int ckpt_read_posix_timer(struct task_struct *t, struct k_itimer *timr,
				 struct ckpt_rec_posix_timer *pt)
{
	unsigned long flags;
	int err = 0;

	if ((!ckpt_timer_clock_ok(timr->it_clock) &&
	     !ckpt_alarm_clock(timr->it_clock) && timr->it_clock >= 0) ||
	    timr->it_id < 0 || timr->it_id > CKPT_MAX_TIMER_ID)
		return -EOPNOTSUPP;
	memset(pt, 0, sizeof(*pt));
	spin_lock_irqsave(&timr->it_lock, flags);
	pt->id = timr->it_id;
	pt->clockid = timr->it_clock;
	pt->notify = timr->it_sigev_notify;
	pt->signo = timr->sigq->info.si_signo;
	pt->value = (unsigned long)timr->sigq->info.si_value.sival_ptr;
	if (pt->notify & SIGEV_THREAD_ID)
		pt->tid = pid_vnr(timr->it_pid);
	pt->interval_ns = ktime_to_ns(timr->it_interval);
	if (timr->it_clock < 0)
		err = ckpt_read_cpu_timer(t, timr, pt);
	else if (ckpt_alarm_clock(timr->it_clock))
		pt->value_ns = ckpt_alarm_left(timr);
	else
		pt->value_ns = ckpt_timer_left(timr);
	spin_unlock_irqrestore(&timr->it_lock, flags);
	if (err)
		return err;
	if ((pt->notify != SIGEV_NONE && pt->notify != SIGEV_SIGNAL &&
	     pt->notify != (SIGEV_SIGNAL | SIGEV_THREAD_ID)) ||
	    (pt->notify & SIGEV_THREAD_ID && pt->tid <= 0))
		return -EOPNOTSUPP;
	if (pt->notify == SIGEV_NONE)
		pt->signo = 0;
	return 0;
}

/* CPU time left on a CPU-time itimer at @now, and its interval. */
static s64 ckpt_cpu_left(const struct cpu_itimer *it, u64 now, s64 *incr)
{
	if (!it->expires)
		return 0;
	*incr = it->incr;
	return it->expires > now ? it->expires - now : 1;
}

/*
 * ITIMER_REAL is saved as the time left, ITIMER_PROF and ITIMER_VIRTUAL as
 * the CPU time left, POSIX timers on the ordinary
 * clocks with their IDs, sorted; timers on other clocks are not saved
 * yet, so a process using them is refused.
 */
static int ckpt_read_timers(struct task_struct *t, struct sighand_struct *sh,
			    void *arg)
{
	struct signal_struct *sig = t->signal;
	struct ckpt_rec_timers *tm = arg;
	struct ckpt_rec_posix_timer *pt = (void *)(tm + 1), tmp;
	struct k_itimer *timr;
	u32 i, j;
	int err;

	if (sig->it[CPUCLOCK_PROF].expires || sig->it[CPUCLOCK_VIRT].expires) {
		struct task_cputime ct;

		ckpt_ksyms.thread_group_cputime(t, &ct);
		tm->prof_ns = ckpt_cpu_left(&sig->it[CPUCLOCK_PROF],
					    ct.utime + ct.stime,
					    &tm->prof_interval_ns);
		tm->virt_ns = ckpt_cpu_left(&sig->it[CPUCLOCK_VIRT], ct.utime,
					    &tm->virt_interval_ns);
	}
	if (hrtimer_active(&sig->real_timer)) {
		tm->real_ns = max_t(s64, __hrtimer_get_remaining(&sig->real_timer,
								  true),
				    NSEC_PER_USEC);
		tm->real_interval_ns = sig->it_real_incr;
	}
	list_for_each_entry(timr, &sig->posix_timers, list) {
		if (tm->nr_posix >= CKPT_MAX_POSIX_TIMERS)
			return -EOPNOTSUPP;
		err = ckpt_read_posix_timer(t, timr, &pt[tm->nr_posix]);
		if (err)
			return err;
		tm->nr_posix++;
	}
	for (i = 1; i < tm->nr_posix; i++) {	/* newest first: sort */
		tmp = pt[i];
		for (j = i; j > 0 && pt[j - 1].id > tmp.id; j--)
			pt[j] = pt[j - 1];
		pt[j] = tmp;
	}
	return 0;
}

/*
 * The clocks as frozen @t reads them, its time namespace's offsets (fixed
 * once a task is in it) added: each apart in @c, and in @tm the later of
 * MONOTONIC and MONOTONIC_RAW (what images without CLOCKS carried).
 */
static void ckpt_read_clocks(struct task_struct *t, struct ckpt_rec_timers *tm,
			     struct ckpt_rec_clocks *c)
{
	struct timens_offsets off = {};
	s64 mono = ktime_get_ns(), raw = ktime_get_raw_ns();
	s64 boot = ktime_get_boottime_ns(), m_off, b_off;
	/*
	 * A time namespace offsets CLOCK_MONOTONIC_RAW by the monotonic
	 * offset too: the later of the two, so that neither goes back.
	 */
	s64 ahead = raw > mono ? raw - mono : 0;

	task_lock(t);
	if (t->nsproxy)
		off = t->nsproxy->time_ns->offsets;
	task_unlock(t);
	m_off = timespec64_to_ns(&off.monotonic);
	b_off = timespec64_to_ns(&off.boottime);
	tm->monotonic_ns = mono + ahead + m_off;
	tm->boottime_ns = boot + ahead + b_off;
	c->monotonic_ns = mono + m_off;
	/* Never below 0, which only makes restart(1) the more careful. */
	c->monotonic_raw_ns = max_t(s64, raw + m_off, 0);
	c->boottime_ns = boot + b_off;
}

int ckpt_dump_timers(struct ckpt_dump *d)
{
	struct ckpt_rec_timers *tm;
	size_t size = sizeof(*tm) + CKPT_MAX_POSIX_TIMERS *
				    sizeof(struct ckpt_rec_posix_timer);
	int err;

	tm = kvzalloc(size, GFP_KERNEL);
	if (!tm)
		return -ENOMEM;
	err = ckpt_with_sighand(d->task, ckpt_read_timers, tm);
	if (err) {
		kvfree(tm);
		return ckpt_fail(&d->err, CKPT_OBJ_TASK, err);
	}
	ckpt_read_clocks(d->task, tm, &d->clocks);
	err = ckpt_write_rec(&d->out, CKPT_REC_TIMERS, tm, sizeof(*tm) +
			     tm->nr_posix * sizeof(struct ckpt_rec_posix_timer));
	kvfree(tm);
	return err;
}

/* The clocks ckpt_dump_timers() read, each apart. */
int ckpt_dump_clocks(struct ckpt_dump *d)
{
	return ckpt_write_rec(&d->out, CKPT_REC_CLOCKS, &d->clocks,
			      sizeof(d->clocks));
}

/* Arm a CPU-time itimer of the calling process, as setitimer(2) would. */
static void ckpt_arm_cpu_itimer(unsigned int clk, s64 left, s64 incr)
{
	struct cpu_itimer *it = &current->signal->it[clk];
	u64 nval = left;

	if (!left)
		return;
	ckpt_ksyms.set_process_cpu_timer(current, clk, &nval, NULL);
	it->expires = nval;
	it->incr = incr;
}

/*
 * POSIX timers on CPU-time clocks: restart(1) created them (disarmed, so
 * the restore's own work is not charged to them); arm each with the CPU
 * time it had left, as timer_settime(2) would.  Only this thread runs in
 * the process (the others wait in RESTORE_THREAD), so its timer list is
 * stable without the siglock, which posix_cpu_timer_set() takes itself.
 */
int ckpt_arm_cpu_posix_timers(struct ckpt_restore *r)
{
	struct k_itimer *timr;
	u32 i;
	int err;

	for (i = 0; r->have_timers && i < r->timers.nr_posix; i++) {
		const struct ckpt_rec_posix_timer *pt = &r->posix_timers[i];
		struct itimerspec64 its = {};
		unsigned long flags;
		bool found = false;

		if (pt->clockid >= 0 || !pt->value_ns)
			continue;
		its.it_value = ns_to_timespec64(pt->value_ns);
		its.it_interval = ns_to_timespec64(pt->interval_ns);
		list_for_each_entry(timr, &current->signal->posix_timers, list) {
			if (timr->it_id != pt->id || timr->it_clock != pt->clockid)
				continue;
			found = true;
			spin_lock_irqsave(&timr->it_lock, flags);
			err = ckpt_ksyms.posix_cpu_timer_set(timr, 0, &its, NULL);
			spin_unlock_irqrestore(&timr->it_lock, flags);
			if (err)
				return ckpt_fail(&r->err, CKPT_OBJ_TASK, err);
			break;
		}
		if (!found)
			return ckpt_fail(&r->err, CKPT_OBJ_TASK, -ENOENT);
	}
	return 0;
}

/* Arm the interval timers, as setitimer(2) would (do_setitimer is static). */
void ckpt_arm_timers(const struct ckpt_rec_timers *t)
{
	struct sighand_struct *sh = rcu_dereference_protected(current->sighand,
							      true);
	struct signal_struct *sig = current->signal;

	spin_lock_irq(&sh->siglock);
	/* Not inherited across fork: the restorer's timers are idle. */
	if (t->real_ns && hrtimer_try_to_cancel(&sig->real_timer) >= 0) {
		sig->it_real_incr = t->real_interval_ns;
		hrtimer_start(&sig->real_timer, ns_to_ktime(t->real_ns),
			      HRTIMER_MODE_REL);
	}
	ckpt_arm_cpu_itimer(CPUCLOCK_PROF, t->prof_ns, t->prof_interval_ns);
	ckpt_arm_cpu_itimer(CPUCLOCK_VIRT, t->virt_ns, t->virt_interval_ns);
	spin_unlock_irq(&sh->siglock);
}

/* ---------------------------------------------------------------------- */
/* Restore side                                                            */
/* ---------------------------------------------------------------------- */

#define CKPT_SA_KNOWN	(SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | \
			 SA_ONSTACK | SA_RESTART | SA_NODEFER | \
			 SA_RESETHAND | SA_RESTORER | SA_EXPOSE_TAGBITS | \
			 SA_UNSUPPORTED | SA_IA32_ABI | SA_X32_ABI)

bool ckpt_user_ptr_ok(u64 p)
{
	return p < TASK_SIZE_MAX;
}

static int ckpt_check_task_rec(const struct ckpt_rec_task *t)
{
	if (t->pid <= 0 || t->tid != t->pid)
		return -EBADMSG;
	if (t->flags & ~(CKPT_TASK_NO_NEW_PRIVS | CKPT_TASK_DUMPABLE |
			 CKPT_TASK_SUBREAPER))
		return -EBADMSG;
	if ((t->personality & PER_MASK) != PER_LINUX)
		return -EOPNOTSUPP;
	if (t->pdeath_signal < 0 || !valid_signal(t->pdeath_signal))
		return -EBADMSG;
	if (t->ngroups > CKPT_MAX_GROUPS || t->reserved0 || t->reserved1)
		return -EBADMSG;
	if (t->rseq && (t->rseq_len != sizeof(struct rseq) ||
			!IS_ALIGNED(t->rseq, __alignof__(struct rseq)) ||
			!ckpt_user_ptr_ok(t->rseq)))
		return -EBADMSG;
	if (!ckpt_user_ptr_ok(t->clear_child_tid) ||
	    !ckpt_user_ptr_ok(t->set_child_tid) ||
	    !ckpt_user_ptr_ok(t->robust_list) ||
	    !ckpt_user_ptr_ok(t->sas_ss_sp))
		return -EBADMSG;
	if (t->sas_ss_flags & ~(SS_AUTODISARM | SS_DISABLE | SS_ONSTACK))
		return -EBADMSG;
	return 0;
}

/* Only the superuser raises a hard limit, as setrlimit(2) says. */
static bool ckpt_is_thread(const struct ckpt_restore *r, pid_t tid)
{
	u32 i;

	if (tid == r->task.pid)
		return true;
	for (i = 0; i < r->nr_threads; i++)
		if (r->threads[i].rec.tid == tid)
			return true;
	return false;
}

static int ckpt_check_timers(const struct ckpt_restore *r)
{
	const struct ckpt_rec_timers *tm = &r->timers;
	const struct ckpt_rec_posix_timer *pt;
	u32 i;

	if (tm->real_ns < 0 || tm->real_interval_ns < 0 ||
	    (!tm->real_ns && tm->real_interval_ns) ||
	    tm->prof_ns < 0 || tm->prof_interval_ns < 0 ||
	    (!tm->prof_ns && tm->prof_interval_ns) ||
	    tm->virt_ns < 0 || tm->virt_interval_ns < 0 ||
	    (!tm->virt_ns && tm->virt_interval_ns))
		return -EBADMSG;
	if (tm->monotonic_ns < 0 || tm->boottime_ns < tm->monotonic_ns ||
	    tm->reserved)
		return -EBADMSG;
	for (i = 0; i < tm->nr_posix; i++) {
		pt = &r->posix_timers[i];
		if (pt->id < 0 || pt->id > CKPT_MAX_TIMER_ID ||
		    (i && pt->id <= pt[-1].id) || pt->reserved ||
		    pt->value_ns < 0 || pt->interval_ns < 0)
			return -EBADMSG;
		if (!ckpt_timer_clock_ok(pt->clockid) &&
		    !ckpt_alarm_clock(pt->clockid) &&
		    !(ckpt_cpu_clock_ok(pt->clockid) &&
		      (!CPUCLOCK_PERTHREAD(pt->clockid) ||
		       ckpt_is_thread(r, CPUCLOCK_PID(pt->clockid)))))
			return -EBADMSG;
		switch (pt->notify) {
		case SIGEV_NONE:
			if (pt->signo || pt->tid)
				return -EBADMSG;
			break;
		case SIGEV_SIGNAL:
			if (!valid_signal(pt->signo) || !pt->signo || pt->tid)
				return -EBADMSG;
			break;
		case SIGEV_SIGNAL | SIGEV_THREAD_ID:
			if (!valid_signal(pt->signo) || !pt->signo ||
			    !ckpt_is_thread(r, pt->tid))
				return -EBADMSG;
			break;
		default:
			return -EBADMSG;
		}
	}
	return 0;
}

/* Alarm-clock timers need CAP_WAKE_ALARM, as timer_create(2) says. */
static bool ckpt_alarm_timers_denied(const struct ckpt_restore *r)
{
	u32 i;

	if (r->task.cap_effective & BIT_ULL(CAP_WAKE_ALARM))
		return false;
	for (i = 0; i < r->timers.nr_posix; i++)
		if (ckpt_alarm_clock(r->posix_timers[i].clockid))
			return true;
	return false;
}

static int ckpt_check_rlimits(const struct ckpt_rec_rlimit *rl)
{
	const struct rlimit *mine = current->signal->rlim;
	int i;

	for (i = 0; i < CKPT_NRLIMITS; i++) {
		if (rl[i].cur > rl[i].max)
			return -EBADMSG;
		if (rl[i].max > mine[i].rlim_max &&
		    !capable(CAP_SYS_RESOURCE))
			return -EPERM;
	}
	if (rl[RLIMIT_NOFILE].max > INT_MAX)
		return -EBADMSG;
	return 0;
}

int ckpt_check_sigpending(const struct ckpt_rec_sigpending *sp, u32 n)
{
	static const u8 zero[CKPT_SIGINFO_SIZE];
	u32 i;
	s32 signo;

	for (i = 0; i < n; i++) {
		memcpy(&signo, sp[i].info, sizeof(signo));
		if (!sp[i].sig || sp[i].sig > _NSIG || sp[i].sig == SIGKILL ||
		    sp[i].flags & ~(CKPT_SIGP_SHARED | CKPT_SIGP_NOINFO))
			return -EBADMSG;
		if (sp[i].flags & CKPT_SIGP_NOINFO ?
		    memcmp(sp[i].info, zero, sizeof(zero)) :
		    signo != sp[i].sig)
			return -EBADMSG;
	}
	return 0;
}

/* Validate the TASK, SIGACTIONS and GROUPS records (prepare time). */
int ckpt_check_task(struct ckpt_restore *r)
{
	int i, err;

	err = ckpt_check_task_rec(&r->task);
	if (err)
		return ckpt_bad(r, CKPT_REC_TASK, err);
	for (i = 0; i < CKPT_NSIG; i++) {
		if (r->sigactions[i].flags & ~(u64)CKPT_SA_KNOWN)
			return ckpt_bad(r, CKPT_REC_SIGACTIONS, -EBADMSG);
	}
	err = ckpt_check_sigpending(r->sigpending, r->nr_sigpending);
	if (err)
		return ckpt_bad(r, CKPT_REC_SIGPENDING, err);
	if (r->have_timers && ckpt_check_timers(r))
		return ckpt_bad(r, CKPT_REC_TIMERS, -EBADMSG);
	if (r->have_timers && ckpt_alarm_timers_denied(r)) {
		ckpt_fail(&r->err, CKPT_OBJ_CREDS, -EPERM);
		return ckpt_bad(r, CKPT_REC_TIMERS, -EPERM);
	}
	err = r->have_rlimits ? ckpt_check_rlimits(r->rlimits) : 0;
	if (err == -EPERM)
		ckpt_fail(&r->err, CKPT_OBJ_CREDS, err);
	if (err)
		return ckpt_bad(r, CKPT_REC_RLIMITS, err);
	err = ckpt_check_creds(&r->task, r->groups);
	if (err == -EPERM)
		ckpt_fail(&r->err, CKPT_OBJ_CREDS, err);
	return ckpt_bad(r, CKPT_REC_TASK, err);
}

static bool ckpt_uid_ok(kuid_t k)
{
	const struct cred *c = current_cred();

	return uid_eq(k, c->uid) || uid_eq(k, c->euid) || uid_eq(k, c->suid);
}

static bool ckpt_gid_ok(kgid_t k)
{
	const struct cred *c = current_cred();

	return gid_eq(k, c->gid) || gid_eq(k, c->egid) || gid_eq(k, c->sgid);
}

/*
 * May the caller become the image's credentials?  Same ids, or
 * CAP_SETUID/CAP_SETGID; and only capabilities the caller holds.
 */
int ckpt_check_creds(const struct ckpt_rec_task *t, const u32 *groups)
{
	struct user_namespace *ns = current_user_ns();
	const struct cred *c = current_cred();
	u32 uids[] = { t->uid, t->euid, t->suid, t->fsuid };
	u32 gids[] = { t->gid, t->egid, t->sgid, t->fsgid };
	u64 perm = ckpt_cap_to_u64(c->cap_permitted);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(uids); i++) {
		kuid_t k = make_kuid(ns, uids[i]);

		if (!uid_valid(k))
			return -EINVAL;
		if (!ckpt_uid_ok(k) && !ns_capable(ns, CAP_SETUID))
			return -EPERM;
	}
	for (i = 0; i < ARRAY_SIZE(gids); i++) {
		kgid_t k = make_kgid(ns, gids[i]);

		if (!gid_valid(k))
			return -EINVAL;
		if (!ckpt_gid_ok(k) && !ns_capable(ns, CAP_SETGID))
			return -EPERM;
	}
	for (i = 0; i < t->ngroups; i++) {
		kgid_t k = make_kgid(ns, groups[i]);

		if (!gid_valid(k))
			return -EINVAL;
		if (!in_group_p(k) && !ns_capable(ns, CAP_SETGID))
			return -EPERM;
	}
	if ((t->cap_permitted | t->cap_effective | t->cap_inheritable |
	     t->cap_ambient) & ~perm)
		return -EPERM;
	if (t->cap_effective & ~t->cap_permitted)
		return -EINVAL;
	if (t->cap_bset & ~ckpt_cap_to_u64(c->cap_bset))
		return -EPERM;
	return 0;
}

static struct group_info *ckpt_groups(const struct ckpt_rec_task *t,
				      const u32 *groups)
{
	struct user_namespace *ns = current_user_ns();
	struct group_info *gi;
	u32 i;

	gi = groups_alloc(t->ngroups);
	if (!gi)
		return NULL;
	for (i = 0; i < t->ngroups; i++)
		gi->gid[i] = make_kgid(ns, groups[i]);
	groups_sort(gi);
	return gi;
}

int ckpt_restore_creds(struct ckpt_restore *r)
{
	struct user_namespace *ns = current_user_ns();
	const struct ckpt_rec_task *t = &r->task;
	struct group_info *gi;
	struct cred *new;
	int err;

	err = ckpt_check_creds(t, r->groups);
	if (err)
		return ckpt_fail(&r->err, CKPT_OBJ_CREDS, err);
	new = prepare_creds();
	if (!new)
		return -ENOMEM;
	gi = ckpt_groups(t, r->groups);
	if (!gi) {
		abort_creds(new);
		return -ENOMEM;
	}
	set_groups(new, gi);
	put_group_info(gi);
	new->uid = make_kuid(ns, t->uid);
	new->euid = make_kuid(ns, t->euid);
	new->suid = make_kuid(ns, t->suid);
	new->fsuid = make_kuid(ns, t->fsuid);
	new->gid = make_kgid(ns, t->gid);
	new->egid = make_kgid(ns, t->egid);
	new->sgid = make_kgid(ns, t->sgid);
	new->fsgid = make_kgid(ns, t->fsgid);
	new->cap_inheritable = ckpt_u64_to_cap(t->cap_inheritable);
	new->cap_permitted = ckpt_u64_to_cap(t->cap_permitted);
	new->cap_effective = ckpt_u64_to_cap(t->cap_effective);
	new->cap_bset = ckpt_u64_to_cap(t->cap_bset);
	new->cap_ambient = ckpt_u64_to_cap(t->cap_ambient);
	ckpt_restore_securebits(r, new);
	return commit_creds(new);
}

int ckpt_restore_signals(struct ckpt_restore *r)
{
	/*
	 * Not shared (checked), and only exec would replace it; or an
	 * earlier process's, which the image names.
	 */
	struct sighand_struct *sh = rcu_dereference_protected(current->sighand,
							      true);
	int i;

	if (r->shares.sighand_pid)
		return ckpt_adopt_sighand(r);
	spin_lock_irq(&sh->siglock);
	for (i = 0; i < CKPT_NSIG; i++) {
		const struct ckpt_rec_sigaction *s = &r->sigactions[i];
		struct sigaction *k = &sh->action[i].sa;

		if (sig_kernel_only(i + 1))
			continue;
		k->sa_handler = (__sighandler_t)(unsigned long)s->handler;
		k->sa_flags = s->flags & CKPT_SA_KNOWN;
		k->sa_restorer = (__sigrestore_t)(unsigned long)s->restorer;
		k->sa_mask.sig[0] = s->mask;
		sigdelsetmask(&k->sa_mask, sigmask(SIGKILL) | sigmask(SIGSTOP));
	}
	spin_unlock_irq(&sh->siglock);
	return 0;
}

static void ckpt_restore_rlimits(const struct ckpt_rec_rlimit *rl)
{
	struct rlimit *mine = current->signal->rlim;
	int i;

	task_lock(current->group_leader);
	for (i = 0; i < CKPT_NRLIMITS; i++) {
		mine[i].rlim_cur = rl[i].cur;
		mine[i].rlim_max = rl[i].max;
	}
	task_unlock(current->group_leader);
	/* Arm the CPU-time check, as setrlimit(RLIMIT_CPU) does. */
	if (rl[RLIMIT_CPU].cur != RLIM_INFINITY)
		ckpt_ksyms.update_rlimit_cpu(current, rl[RLIMIT_CPU].cur);
}

/*
 * Queue the image's pending signals, private ones to the calling thread
 * and process-wide ones to the process; the restored mask is already set.
 */
void ckpt_queue_sigpending(const struct ckpt_rec_sigpending *sp, u32 n)
{
	kernel_siginfo_t info;
	u32 i;

	for (i = 0; i < n; i++) {
		if (sp[i].flags & CKPT_SIGP_NOINFO) {
			clear_siginfo(&info);
			info.si_signo = sp[i].sig;
			info.si_code = SI_KERNEL;
		} else {
			memcpy(&info, sp[i].info, sizeof(info));
			info.si_signo = sp[i].sig;
		}
		if (sp[i].flags & CKPT_SIGP_SHARED)
			ckpt_ksyms.group_send_sig_info(sp[i].sig, &info, current,
						       PIDTYPE_TGID);
		else
			send_sig_info(sp[i].sig, &info, current);
	}
}

/* Per-task scalars; the blocked mask is set last, in cpu.c. */
int ckpt_restore_misc(struct ckpt_restore *r)
{
	const struct ckpt_rec_task *t = &r->task;
	struct task_struct *me = current;
	struct ckpt_rec_thread th = {
		.blocked = t->blocked,
		.rseq = t->rseq,
		.rseq_sig = t->rseq_sig,
		.clear_child_tid = t->clear_child_tid,
		.set_child_tid = t->set_child_tid,
		.robust_list = t->robust_list,
		.sas_ss_sp = t->sas_ss_sp,
		.sas_ss_size = t->sas_ss_size,
		.sas_ss_flags = t->sas_ss_flags,
	};

	if (r->have_rlimits)
		ckpt_restore_rlimits(r->rlimits);
	memcpy(th.comm, t->comm, sizeof(th.comm));
	ckpt_restore_thread_scalars(&th);
	me->personality = t->personality;
	me->pdeath_signal = t->pdeath_signal;
	if (t->flags & CKPT_TASK_NO_NEW_PRIVS)
		task_set_no_new_privs(me);
	/* As prctl(PR_SET_CHILD_SUBREAPER, 1): orphans below come to us. */
	if (t->flags & CKPT_TASK_SUBREAPER) {
		me->signal->is_child_subreaper = 1;
		me->signal->has_child_subreaper = 1;
	}
	set_mask_bits(&me->mm->flags, MMF_DUMPABLE_MASK,
		      (t->flags & CKPT_TASK_DUMPABLE) ? SUID_DUMP_USER :
							 SUID_DUMP_DISABLE);
	return 0;
}
