// SPDX-License-Identifier: GPL-2.0
/*
 * CPU state: general registers, FS/GS bases, FPU/XSAVE state, and the
 * interrupted system call.
 *
 * Dump reads the regsets as ptrace and core dumps do (the target is off
 * CPU, so its state is in memory).  A system call interrupted by the
 * freeze is saved as the kernel left it: ax = -ERESTART*, orig_ax = the
 * call.  The restored task returns to user space through the signal code,
 * which then decides as it would have for the original: re-enter the call,
 * or, if a signal arrives first, run the handler and end the call with
 * EINTR (pause() and sigsuspend() wake up).  A sleep whose restart lives in
 * the kernel's restart_block (nanosleep) is saved as the time it had left,
 * and rebuilt on restore against the clock of the restoring machine.
 *
 * Restore of the calling task: the XSAVE image goes through
 * fpu_copy_uabi_to_guest_fpstate(), which validates it like a ptrace
 * SETREGSET (the regset ->set itself WARNs on current).  General registers
 * are written by a task_work that runs after the ioctl's return value was
 * stored in ax, just before the return to user space.
 */
#include <linux/regset.h>
#include <linux/ptrace.h>
#include <linux/elf.h>
#include <linux/sched/task_stack.h>
#include <linux/task_work.h>
#include <linux/slab.h>
#include <linux/signal.h>
#include <linux/timekeeping.h>
#include <linux/errno.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/types.h>
#include <asm/fsgsbase.h>
#include <asm/segment.h>
#include <asm/unistd.h>
#include "ckpt.h"

#define CKPT_FLAG_MASK	(X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | \
			 X86_EFLAGS_TF | X86_EFLAGS_SF | X86_EFLAGS_ZF | \
			 X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF | \
			 X86_EFLAGS_RF | X86_EFLAGS_ID)

#define CKPT_XSAVE_HDR_OFFSET	512

u64 ckpt_cpu_xfeatures(void)
{
	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		return xgetbv(XCR_XFEATURE_ENABLED_MASK);
	return XFEATURE_MASK_FPSSE;
}

static const struct user_regset *ckpt_regset(struct task_struct *t,
					     unsigned int note)
{
	const struct user_regset_view *view = task_user_regset_view(t);
	unsigned int i;

	for (i = 0; i < view->n; i++)
		if (view->regsets[i].core_note_type == note)
			return &view->regsets[i];
	return NULL;
}

static unsigned int ckpt_fpu_note(void)
{
	return boot_cpu_has(X86_FEATURE_XSAVE) ? NT_X86_XSTATE : NT_PRFPREG;
}

u32 ckpt_cpu_xstate_size(void)
{
	const struct user_regset *rs = ckpt_regset(current, ckpt_fpu_note());

	return rs ? rs->n * rs->size : 0;
}

static ktime_t ckpt_clock_now(clockid_t id)
{
	switch (id) {
	case CLOCK_REALTIME:
		return ktime_get_real();
	case CLOCK_BOOTTIME:
		return ktime_get_boottime();
	case CLOCK_TAI:
		return ktime_get_clocktai();
	default:
		return ktime_get();
	}
}

static bool ckpt_clock_ok(s32 id)
{
	return id == CLOCK_REALTIME || id == CLOCK_MONOTONIC ||
	       id == CLOCK_BOOTTIME || id == CLOCK_TAI;
}

/* Registers of a task stopped with a system call to restart? */
static bool ckpt_syscall_restarts(const struct ckpt_rec_regs *r)
{
	if ((long)r->orig_ax < 0 || r->orig_ax >= NR_syscalls)
		return false;
	switch ((long)r->ax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		return true;
	default:
		return false;
	}
}

/*
 * A call to be resumed through restart_syscall(2): the sleep or poll
 * timeout left, or, for kinds we cannot rebuild, EINTR as if a signal had
 * interrupted it.
 */
static bool ckpt_save_restart(struct task_struct *t, struct ckpt_rec_regs *r,
			      struct ckpt_rec_restart *rr)
{
	struct restart_block *rb = &t->restart_block;
	s64 left;

	if (rb->fn == ckpt_ksyms.do_restart_poll) {
		struct timespec64 end = {
			.tv_sec = rb->poll.tv_sec, .tv_nsec = rb->poll.tv_nsec,
		};

		rr->kind = CKPT_RESTART_POLL;
		rr->clockid = CLOCK_MONOTONIC;
		rr->ufds = (unsigned long)rb->poll.ufds;
		rr->nfds = rb->poll.nfds;
		rr->has_timeout = !!rb->poll.has_timeout;
		if (rr->has_timeout)
			rr->remaining_ns = max_t(s64, timespec64_to_ns(&end) -
						 ktime_get_ns(), 0);
		return true;
	}
	if (rb->fn != ckpt_ksyms.hrtimer_nanosleep_restart ||
	    !ckpt_clock_ok(rb->nanosleep.clockid) ||
	    rb->nanosleep.type == TT_COMPAT) {
		r->ax = -EINTR;
		return false;
	}
	left = rb->nanosleep.expires -
	       ktime_to_ns(ckpt_clock_now(rb->nanosleep.clockid));
	rr->kind = CKPT_RESTART_NANOSLEEP;
	rr->clockid = rb->nanosleep.clockid;
	rr->remaining_ns = max_t(s64, left, 0);
	if (rb->nanosleep.type == TT_NATIVE)
		rr->rmtp = (unsigned long)rb->nanosleep.rmtp;
	return true;
}

/* The XSAVE area of frozen @t into @buf, ckpt_cpu_xstate_size() bytes. */
int ckpt_read_xstate(struct task_struct *t, void *buf, u32 size,
		     struct ckpt_err *e)
{
	const struct user_regset *rs = ckpt_regset(t, ckpt_fpu_note());
	int n;

	if (!rs || rs->n * rs->size != size || size > CKPT_MAX_XSTATE)
		return ckpt_fail(e, CKPT_OBJ_XSTATE, -EOPNOTSUPP);
	memset(buf, 0, size);
	n = regset_get(t, rs, size, buf);
	return n < 0 ? n : 0;
}

/*
 * Registers of frozen @t, an interrupted system call rewound; *restart
 * says whether @rr describes a sleep to resume.
 */
int ckpt_read_regs(struct task_struct *t, struct ckpt_rec_regs *r,
		   struct ckpt_rec_restart *rr, bool *restart,
		   struct ckpt_err *e)
{
	const struct user_regset *rs = ckpt_regset(t, NT_PRSTATUS);
	int n;

	BUILD_BUG_ON(sizeof(*r) != sizeof(struct user_regs_struct));
	*restart = false;
	memset(rr, 0, sizeof(*rr));
	if (!rs)
		return -EOPNOTSUPP;
	memset(r, 0, sizeof(*r));
	n = regset_get(t, rs, sizeof(*r), r);
	if (n < 0)
		return n;
	if (r->cs != __USER_CS || r->ss != __USER_DS || r->ds || r->es ||
	    r->fs || r->gs)
		return ckpt_fail(e, CKPT_OBJ_TASK, -EOPNOTSUPP);
	if (ckpt_syscall_restarts(r) && (long)r->ax == -ERESTART_RESTARTBLOCK)
		*restart = ckpt_save_restart(t, r, rr);
	return 0;
}

int ckpt_dump_cpu(struct ckpt_dump *d)
{
	u32 size = ckpt_cpu_xstate_size();
	struct ckpt_rec_restart rr;
	struct ckpt_rec_regs r;
	bool restart;
	int err;

	err = ckpt_read_regs(d->task, &r, &rr, &restart, &d->err);
	if (!err)
		err = ckpt_write_rec(&d->out, CKPT_REC_REGS, &r, sizeof(r));
	if (!err)
		err = ckpt_read_xstate(d->task, ckpt_rec_payload(&d->out),
				       size, &d->err);
	if (!err)
		err = ckpt_write_payload(&d->out, CKPT_REC_XSTATE, size);
	if (!err && restart)
		err = ckpt_write_rec(&d->out, CKPT_REC_RESTART, &rr, sizeof(rr));
	return err;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

static bool ckpt_uaddr_ok(u64 a)
{
	return a < TASK_SIZE_MAX;
}

static int ckpt_check_regs(const struct ckpt_rec_regs *g)
{
	if (g->cs != __USER_CS || g->ss != __USER_DS || g->ds || g->es ||
	    g->fs || g->gs)
		return -EOPNOTSUPP;
	if (!ckpt_uaddr_ok(g->ip) || !ckpt_uaddr_ok(g->sp) ||
	    !ckpt_uaddr_ok(g->fs_base) || !ckpt_uaddr_ok(g->gs_base))
		return -EBADMSG;
	return 0;
}

static int ckpt_check_restart(const struct ckpt_rec_restart *rr)
{
	if (rr->remaining_ns < 0)
		return -EBADMSG;
	switch (rr->kind) {
	case CKPT_RESTART_NANOSLEEP:
		if (!ckpt_clock_ok(rr->clockid) || !ckpt_uaddr_ok(rr->rmtp) ||
		    rr->ufds || rr->nfds || rr->has_timeout)
			return -EBADMSG;
		return 0;
	case CKPT_RESTART_POLL:
		if (rr->clockid != CLOCK_MONOTONIC || rr->rmtp ||
		    !ckpt_uaddr_ok(rr->ufds) || rr->nfds > CKPT_MAX_POLL_FDS ||
		    rr->has_timeout > 1 || (!rr->has_timeout && rr->remaining_ns))
			return -EBADMSG;
		return 0;
	default:
		return -EBADMSG;
	}
}

/*
 * XSAVE features this CPU lacks among those the checkpointing CPU had
 * (code may have chosen instructions by them: glibc's ifuncs) and those
 * the saved state uses.
 */
static u64 ckpt_missing_xfeatures(const struct ckpt_restore *r,
				  const void *xstate, u32 len)
{
	u64 xfeatures = XFEATURE_MASK_FPSSE;

	if (len >= CKPT_XSAVE_HDR_OFFSET + sizeof(u64))
		memcpy(&xfeatures, xstate + CKPT_XSAVE_HDR_OFFSET,
		       sizeof(xfeatures));
	return (xfeatures | r->hdr.xfeatures) & ~ckpt_cpu_xfeatures();
}

/* Registers, restart and XSAVE area of one thread (prepare time). */
int ckpt_check_thread_cpu(struct ckpt_restore *r, u32 type, u64 offset,
			  const struct ckpt_rec_regs *regs,
			  const struct ckpt_rec_restart *restart,
			  const void *xstate, u32 len)
{
	int err = ckpt_check_regs(regs);

	if (!err && restart)
		err = ckpt_check_restart(restart);
	if (!err && (len < CKPT_XSAVE_HDR_OFFSET || len != r->hdr.xstate_size))
		err = -EBADMSG;
	if (err)
		return ckpt_bad_rec(r, type, offset, err);
	r->err.addr = ckpt_missing_xfeatures(r, xstate, len);
	if (r->err.addr) {
		ckpt_fail(&r->err, CKPT_OBJ_XSTATE, -EOPNOTSUPP);
		return ckpt_bad_rec(r, type, offset, -EOPNOTSUPP);
	}
	return 0;
}

int ckpt_check_cpu(struct ckpt_restore *r)
{
	int err;

	err = ckpt_check_regs(&r->regs);
	if (err)
		return ckpt_bad(r, CKPT_REC_REGS, err);
	if (r->have_restart && ckpt_check_restart(&r->restart))
		return ckpt_bad(r, CKPT_REC_RESTART, -EBADMSG);
	return ckpt_check_thread_cpu(r, CKPT_REC_XSTATE,
				     r->rec_off[CKPT_REC_XSTATE], &r->regs,
				     NULL, r->xstate, r->xstate_len);
}

struct ckpt_final {
	struct callback_head work;
	struct ckpt_rhold *hold;	/* CKPT_RESTORE_HOLD, or NULL */
	struct ckpt_rec_regs regs;
	sigset_t blocked;
	struct ckpt_rec_timers timers;
	u32 nr_sigpending;
	struct ckpt_rec_sigpending sigpending[];
};

static void ckpt_set_fsgs(unsigned long fsbase, unsigned long gsbase)
{
	struct thread_struct *th = &current->thread;

	preempt_disable();
	loadsegment(fs, 0);
	x86_fsbase_write_cpu(fsbase);
	th->fsindex = 0;
	th->fsbase = fsbase;
	load_gs_index(0);
	ckpt_ksyms.gsbase_write_cpu_inactive(gsbase);
	th->gsindex = 0;
	th->gsbase = gsbase;
	preempt_enable();
}

/*
 * CKPT_RESTORE_HOLD: wait, the image's task already, before its code;
 * queued by ckpt_finish() behind the rest of its run of task work (the
 * final puts of the files the restore replaced, the restorer's pipe
 * among them), so that those are not held too.
 */
static void ckpt_finish_held(struct callback_head *head)
{
	struct ckpt_final *f = container_of(head, struct ckpt_final, work);
	struct ckpt_rhold *hold = f->hold;

	kvfree(f);
	if (current->flags & PF_EXITING)
		ckpt_rhold_put(hold);
	else
		ckpt_rhold_park(hold);
}

/* Last step, on the way out to user space: become the image's task. */
static void ckpt_finish(struct callback_head *head)
{
	struct ckpt_final *f = container_of(head, struct ckpt_final, work);
	const struct ckpt_rec_regs *g = &f->regs;
	struct pt_regs *regs = task_pt_regs(current);
	struct ckpt_rhold *hold;

	if (!(current->flags & PF_EXITING)) {
		regs->r15 = g->r15;
		regs->r14 = g->r14;
		regs->r13 = g->r13;
		regs->r12 = g->r12;
		regs->bp = g->bp;
		regs->bx = g->bx;
		regs->r11 = g->r11;
		regs->r10 = g->r10;
		regs->r9 = g->r9;
		regs->r8 = g->r8;
		regs->ax = g->ax;
		regs->cx = g->cx;
		regs->dx = g->dx;
		regs->si = g->si;
		regs->di = g->di;
		regs->orig_ax = ckpt_syscall_restarts(g) ? g->orig_ax : -1;
		regs->ip = g->ip;
		regs->sp = g->sp;
		regs->flags = (regs->flags & ~CKPT_FLAG_MASK) |
			      (g->flags & CKPT_FLAG_MASK);
		regs->cs = __USER_CS;
		regs->ss = __USER_DS;
		ckpt_set_fsgs(g->fs_base, g->gs_base);
		sigprocmask(SIG_SETMASK, &f->blocked, NULL);
		ckpt_queue_sigpending(f->sigpending, f->nr_sigpending);
		ckpt_arm_timers(&f->timers);
	}
	hold = f->hold;
	if (hold && !(current->flags & PF_EXITING)) {
		init_task_work(&f->work, ckpt_finish_held);
		if (!task_work_add(current, &f->work, TWA_NONE))
			return;
	}
	if (hold)
		ckpt_rhold_put(hold);
	kvfree(f);
}

/*
 * Is a thread's last restore step (ckpt_finish()) queued at @work or
 * after it, in the list task_work_run() is going through?
 */
bool ckpt_finish_queued(const struct callback_head *work)
{
	for (; work; work = work->next)
		if (work->func == ckpt_finish)
			return true;
	return false;
}

static void ckpt_set_restart_block(const struct ckpt_rec_restart *rr)
{
	struct restart_block *rb = &current->restart_block;

	if (!rr) {
		rb->fn = ckpt_ksyms.do_no_restart_syscall;
		return;
	}
	if (rr->kind == CKPT_RESTART_POLL) {
		struct timespec64 end = ns_to_timespec64(ktime_get_ns() +
							 rr->remaining_ns);

		rb->fn = ckpt_ksyms.do_restart_poll;
		rb->poll.ufds = (struct pollfd __user *)(unsigned long)rr->ufds;
		rb->poll.nfds = rr->nfds;
		rb->poll.has_timeout = rr->has_timeout;
		rb->poll.tv_sec = end.tv_sec;
		rb->poll.tv_nsec = end.tv_nsec;
		return;
	}
	rb->fn = ckpt_ksyms.hrtimer_nanosleep_restart;
	rb->nanosleep.clockid = rr->clockid;
	rb->nanosleep.type = rr->rmtp ? TT_NATIVE : TT_NONE;
	rb->nanosleep.rmtp = (struct __kernel_timespec __user *)
			     (unsigned long)rr->rmtp;
	rb->nanosleep.expires = ktime_to_ns(ckpt_clock_now(rr->clockid)) +
				rr->remaining_ns;
}

static int ckpt_restore_fpu(const void *xstate, u32 len)
{
	struct fpstate *fps = current->thread.fpu.fpstate;
	/*
	 * Without XSAVE the image holds a 512-byte FXSAVE area, yet the
	 * kernel still reads an XSAVE header after it: keep one, zeroed.
	 */
	size_t size = max3((size_t)fps->user_size, (size_t)len,
			   sizeof(struct fxregs_state) +
			   sizeof(struct xstate_header));
	struct fpu_guest g = { .fpstate = fps };
	void *buf;
	int err;

	buf = kvzalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, xstate, len);
	fpregs_lock();
	set_thread_flag(TIF_NEED_FPU_LOAD);
	current->thread.fpu.last_cpu = -1;
	err = fpu_copy_uabi_to_guest_fpstate(&g, buf, ckpt_cpu_xfeatures(),
					     &current->thread.pkru);
	fpregs_unlock();
	kvfree(buf);
	return err ? -EOPNOTSUPP : 0;
}

/*
 * The calling thread's CPU state: FPU now; the restart block; registers,
 * mask, pending signals and timers on the way out to user space.
 */
int ckpt_restore_thread_cpu(struct ckpt_restore *r,
			    const struct ckpt_thread_cpu *c)
{
	struct ckpt_final *f;
	int err;

	f = kvzalloc(struct_size(f, sigpending, c->nr_sigpending), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->regs = *c->regs;
	if (c->timers)
		f->timers = *c->timers;
	f->nr_sigpending = c->nr_sigpending;
	if (c->nr_sigpending)
		memcpy(f->sigpending, c->sigpending,
		       c->nr_sigpending * sizeof(*c->sigpending));
	siginitset(&f->blocked, c->blocked &
		   ~(sigmask(SIGKILL) | sigmask(SIGSTOP)));
	init_task_work(&f->work, ckpt_finish);
	err = ckpt_restore_fpu(c->xstate, c->xstate_len);
	if (err) {
		kvfree(f);
		return ckpt_fail(&r->err, CKPT_OBJ_XSTATE, err);
	}
	ckpt_set_restart_block(c->restart);
	/*
	 * TWA_SIGNAL: the work runs inside get_signal(), so a signal queued
	 * before or by it is delivered on the image's registers, and a call
	 * to restart is restarted by the signal code (see the top).
	 */
	if (r->hold)
		f->hold = ckpt_rhold_get(r->hold);
	err = task_work_add(current, &f->work, TWA_SIGNAL);
	if (err) {
		if (f->hold)
			ckpt_rhold_put(f->hold);
		kvfree(f);
	}
	return err;
}

int ckpt_restore_cpu(struct ckpt_restore *r)
{
	struct ckpt_thread_cpu c = {
		.regs = &r->regs,
		.restart = r->have_restart ? &r->restart : NULL,
		.xstate = r->xstate,
		.xstate_len = r->xstate_len,
		.blocked = r->task.blocked,
		.sigpending = r->sigpending,
		.nr_sigpending = r->nr_sigpending,
		.timers = r->have_timers ? &r->timers : NULL,
	};

	/* Held: killed with the rest if the restorer goes away. */
	if (r->hold)
		ckpt_rhold_note(r->hold, r->member);
	return ckpt_restore_thread_cpu(r, &c);
}
