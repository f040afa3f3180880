// SPDX-License-Identifier: GPL-2.0
/*
 * The threads of a process other than its main one.
 *
 * Dump: the whole thread group is frozen (checkpoint.c); each thread but
 * the main one becomes a THREAD record: its TID, name, blocked mask,
 * rseq, robust list, child-tid pointers, sigaltstack, registers, its
 * interrupted system call, its XSAVE area and its own pending signals.
 * Everything a thread shares (memory, files, handlers, credentials) is
 * saved once, with the main thread.
 *
 * Restore: the restart tool creates each thread with its TID in the
 * restoring process, and each calls CKPT_IOC_RESTORE_THREAD (restore.c),
 * which claims its record and sleeps until the main thread has restored
 * the process; then the thread restores itself from its record here.
 */
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/rseq.h>
#include <linux/futex.h>
#include "ckpt.h"

/* Room left in a THREAD record for pending signals. */
static u32 ckpt_thread_max_pending(u32 xstate_len)
{
	return (CKPT_REC_MAX_META - sizeof(struct ckpt_rec_thread) -
		xstate_len) / sizeof(struct ckpt_rec_sigpending);
}

static void ckpt_thread_scalars(struct task_struct *t,
				struct ckpt_rec_thread *rt)
{
	rt->tid = task_pid_vnr(t);
	rt->flags = task_no_new_privs(t) ? CKPT_THREAD_NO_NEW_PRIVS : 0;
	get_task_comm(rt->comm, t);
	rt->blocked = ckpt_blocked(t);
	rt->rseq = (unsigned long)t->rseq;
	rt->rseq_len = t->rseq ? sizeof(struct rseq) : 0;
	rt->rseq_sig = t->rseq_sig;
	rt->clear_child_tid = (unsigned long)t->clear_child_tid;
	rt->set_child_tid = (unsigned long)t->set_child_tid;
	rt->robust_list = (unsigned long)t->robust_list;
	rt->robust_list_len = t->robust_list ?
			      sizeof(struct robust_list_head) : 0;
	rt->sas_ss_sp = t->sas_ss_sp;
	rt->sas_ss_size = t->sas_ss_size;
	rt->sas_ss_flags = t->sas_ss_flags;
}

static int ckpt_dump_thread(struct ckpt_dump *d, struct task_struct *t)
{
	struct ckpt_rec_thread *rt = ckpt_rec_payload(&d->out);
	u32 size = ckpt_cpu_xstate_size();
	void *xstate = rt + 1;
	bool restart;
	int err;

	memset(rt, 0, sizeof(*rt));
	ckpt_thread_scalars(t, rt);
	rt->xstate_len = size;
	err = ckpt_read_regs(t, &rt->regs, &rt->restart, &restart, &d->err);
	rt->have_restart = restart;
	if (!err)
		err = ckpt_read_xstate(t, xstate, size, &d->err);
	if (!err)
		err = ckpt_read_sigpending(t, xstate + size,
					   ckpt_thread_max_pending(size), false,
					   &rt->nr_sigpending);
	if (err)
		return ckpt_fail(&d->err, CKPT_OBJ_SIGNALS, err);
	return ckpt_write_payload(&d->out, CKPT_REC_THREAD,
				  sizeof(*rt) + size + rt->nr_sigpending *
				  sizeof(struct ckpt_rec_sigpending));
}

int ckpt_dump_threads(struct ckpt_dump *d)
{
	unsigned int i;
	int err;

	for (i = 0; i < d->nr_threads; i++) {
		if (d->threads[i] == d->task)
			continue;
		err = ckpt_dump_thread(d, d->threads[i]);
		if (err)
			return err;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_take_thread(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_thread *rec = p;
	struct ckpt_restore_thread *t;
	size_t sp_len;
	int err;

	if (len < sizeof(*rec) || rec->xstate_len != r->hdr.xstate_size ||
	    rec->xstate_len > CKPT_MAX_XSTATE ||
	    rec->nr_sigpending > ckpt_thread_max_pending(rec->xstate_len))
		return -EBADMSG;
	sp_len = (size_t)rec->nr_sigpending * sizeof(*t->sigpending);
	if (len != sizeof(*rec) + rec->xstate_len + sp_len)
		return -EBADMSG;
	err = ckpt_grow((void **)&r->threads, r->nr_threads, sizeof(*t),
			CKPT_MAX_THREADS);
	if (err)
		return err;
	t = &r->threads[r->nr_threads];
	memset(t, 0, sizeof(*t));
	t->rec = *rec;
	t->offset = r->in.rec_offset;
	t->xstate = ckpt_dup(rec + 1, rec->xstate_len);
	t->sigpending = ckpt_dup(p + sizeof(*rec) + rec->xstate_len, sp_len);
	if (!t->xstate || !t->sigpending) {
		kvfree(t->xstate);
		kvfree(t->sigpending);
		return -ENOMEM;
	}
	r->nr_threads++;
	return 0;
}

void ckpt_free_threads(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_threads; i++) {
		kvfree(r->threads[i].xstate);
		kvfree(r->threads[i].sigpending);
	}
	kvfree(r->threads);
}

static bool ckpt_thread_rec_ok(const struct ckpt_rec_thread *t)
{
	return t->tid > 0 && !(t->flags & ~CKPT_THREAD_NO_NEW_PRIVS) &&
	       (!t->rseq || (t->rseq_len == sizeof(struct rseq) &&
			     IS_ALIGNED(t->rseq, __alignof__(struct rseq)) &&
			     ckpt_user_ptr_ok(t->rseq))) &&
	       ckpt_user_ptr_ok(t->clear_child_tid) &&
	       ckpt_user_ptr_ok(t->set_child_tid) &&
	       ckpt_user_ptr_ok(t->robust_list) &&
	       ckpt_user_ptr_ok(t->sas_ss_sp) &&
	       !(t->sas_ss_flags & ~(SS_AUTODISARM | SS_DISABLE | SS_ONSTACK)) &&
	       t->have_restart <= 1;
}

int ckpt_check_threads(struct ckpt_restore *r)
{
	u32 i, j;
	int err;

	for (i = 0; i < r->nr_threads; i++) {
		const struct ckpt_restore_thread *t = &r->threads[i];
		bool ok = ckpt_thread_rec_ok(&t->rec) &&
			  t->rec.tid != r->task.pid;

		for (j = 0; ok && j < i; j++)
			ok = r->threads[j].rec.tid != t->rec.tid;
		if (!ok || ckpt_check_sigpending(t->sigpending,
						 t->rec.nr_sigpending))
			return ckpt_bad_rec(r, CKPT_REC_THREAD, t->offset,
					    -EBADMSG);
		err = ckpt_check_thread_cpu(r, CKPT_REC_THREAD, t->offset,
					    &t->rec.regs,
					    t->rec.have_restart ?
					    &t->rec.restart : NULL,
					    t->xstate, t->rec.xstate_len);
		if (err)
			return err;
	}
	return 0;
}

/* The calling thread becomes @t; the process is already restored. */
int ckpt_restore_thread_self(struct ckpt_restore *r,
			     const struct ckpt_restore_thread *t)
{
	const struct ckpt_rec_thread *rec = &t->rec;
	struct ckpt_thread_cpu c = {
		.regs = &rec->regs,
		.restart = rec->have_restart ? &rec->restart : NULL,
		.xstate = t->xstate,
		.xstate_len = rec->xstate_len,
		.blocked = rec->blocked,
		.sigpending = t->sigpending,
		.nr_sigpending = rec->nr_sigpending,
	};
	int err;

	current->rseq = NULL;
	/* A table or context shared with an earlier member, as ours is. */
	err = ckpt_adopt_leader_shares(r);
	if (err)
		return err;
	/* Credentials are per thread: take the process's, as it did. */
	err = ckpt_restore_creds(r);
	if (err)
		return err;
	ckpt_restore_thread_scalars(rec);
	if (rec->flags & CKPT_THREAD_NO_NEW_PRIVS)
		task_set_no_new_privs(current);
	err = ckpt_restore_thread_cpu(r, &c);
	/* Last: the filters must not see the restore's own work. */
	return err ? err : ckpt_restore_seccomp_tid(r, rec->tid);
}

/* The calling thread's name, child-tid pointers, robust list,
 * sigaltstack and rseq registration (the blocked mask comes last, in
 * cpu.c).
 */
void ckpt_restore_thread_scalars(const struct ckpt_rec_thread *rec)
{
	struct task_struct *me = current;

	task_lock(me);
	memcpy(me->comm, rec->comm, sizeof(me->comm));
	me->comm[sizeof(me->comm) - 1] = '\0';
	task_unlock(me);
	me->clear_child_tid = (int __user *)(unsigned long)rec->clear_child_tid;
	me->set_child_tid = (int __user *)(unsigned long)rec->set_child_tid;
	me->robust_list = (struct robust_list_head __user *)
			  (unsigned long)rec->robust_list;
	me->sas_ss_sp = rec->sas_ss_sp;
	me->sas_ss_size = rec->sas_ss_size;
	me->sas_ss_flags = rec->sas_ss_flags & SS_AUTODISARM;
	me->rseq = (struct rseq __user *)(unsigned long)rec->rseq;
	me->rseq_sig = rec->rseq_sig;
	rseq_set_notify_resume(me);
}
