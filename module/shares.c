// SPDX-License-Identifier: GPL-2.0
/*
 * File tables, fs contexts, address spaces and signal handlers shared
 * between the processes of a tree (clone(2) with CLONE_FILES, CLONE_FS,
 * CLONE_VM, CLONE_SIGHAND, without CLONE_THREAD).
 *
 * Checkpoint: each member's files_struct, fs_struct, mm_struct and
 * sighand_struct are compared with the earlier members'.  A member using
 * the same object as an earlier one writes a SHARES record naming the
 * first member that holds it, and no records of the object of its own:
 * no FILE records (the holder's records are the table), no MM, AUXV, VMA
 * or PAGES records (the holder saved the address space once), no
 * SIGACTIONS record; its FS record is the shared context.  Sharing with a
 * task outside the checkpoint cannot be restored: refused with EUSERS,
 * naming the other process.  Refused with EOPNOTSUPP: a thread that
 * unshared its file table or fs context from its process, a process on
 * another's address space that has threads, and a vfork() child that has
 * not exec'ed yet (its parent waits in the kernel for it).
 *
 * Restore: the members restore in image order.  Once a member has
 * restored itself it publishes its files_struct, fs_struct, mm_struct and
 * sighand_struct (a reference to each) in the tree; a later member whose
 * SHARES record names it drops its own table, context, address space or
 * handlers and takes the holder's, as clone(2) would have given it, and
 * so do its threads when they restore (file table and fs context; a
 * member on another's address space has no threads).  The tree's
 * references go when every member is restored, or the restore failed.
 */
#include <linux/fdtable.h>
#include <linux/fs_struct.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include "ckpt.h"

/* ---------------------------------------------------------------------- */
/* Checkpoint                                                              */
/* ---------------------------------------------------------------------- */

enum { CKPT_SH_FILES, CKPT_SH_FS, CKPT_SH_SIGHAND, CKPT_SH_VM, CKPT_SH_NR };

static const int ckpt_sh_flag[CKPT_SH_NR] = {
	[CKPT_SH_FILES] = CLONE_FILES,
	[CKPT_SH_FS] = CLONE_FS,
	[CKPT_SH_SIGHAND] = CLONE_SIGHAND,
	[CKPT_SH_VM] = CLONE_VM,
};

/*
 * The object of kind @k that @t uses, for comparison only (never
 * dereferenced): a frozen member's cannot change; another task's is read
 * once, racily, which is all a scan can do.
 */
static void *ckpt_sh_obj(struct task_struct *t, int k)
{
	void *o = NULL;

	switch (k) {
	case CKPT_SH_FILES:
		o = READ_ONCE(t->files);
		break;
	case CKPT_SH_FS:
		o = READ_ONCE(t->fs);
		break;
	case CKPT_SH_SIGHAND:
		rcu_read_lock();
		o = rcu_dereference(t->sighand);
		rcu_read_unlock();
		break;
	case CKPT_SH_VM:
		o = READ_ONCE(t->mm);
		break;
	}
	return o;
}

/* Tasks using object @o of kind @k, as its counter says. */
static long ckpt_sh_users(void *o, int k)
{
	switch (k) {
	case CKPT_SH_FILES:
		return atomic_read(&((struct files_struct *)o)->count);
	case CKPT_SH_FS:
		return READ_ONCE(((struct fs_struct *)o)->users);
	case CKPT_SH_SIGHAND:
		return refcount_read(&((struct sighand_struct *)o)->count);
	default:
		/* mm_users: readers of /proc take short-lived references */
		return atomic_read(&((struct mm_struct *)o)->mm_users);
	}
}

static bool ckpt_sh_member(const struct ckpt_dump *d, struct task_struct *t)
{
	unsigned int i;

	for (i = 0; i < d->nr_members; i++)
		if (same_thread_group(t, d->members[i].task))
			return true;
	return false;
}

/*
 * A live task outside the checkpoint using @o: its PID in our namespace
 * in *@pid (0 if it has none there).  False if there is none.  A zombie
 * keeps its signal handlers until it is reaped, but never runs again.
 */
static bool ckpt_sh_outsider(const struct ckpt_dump *d, void *o, int k,
			     pid_t *pid)
{
	struct task_struct *p, *t;
	bool found = false;

	rcu_read_lock();
	for_each_process_thread(p, t) {
		if (ckpt_sh_obj(t, k) != o || t->exit_state ||
		    ckpt_sh_member(d, t))
			continue;
		*pid = task_tgid_vnr(t);
		found = true;
		break;
	}
	rcu_read_unlock();
	return found;
}

/*
 * Member @i at fault: err.fd says what with clone(2) flags, err.addr the
 * other process (0: a thread of its own, or unknown).
 */
static int ckpt_sh_fail_flags(struct ckpt_dump *d, unsigned int i, int flags,
			      pid_t other, int err, unsigned int *at)
{
	*at = i;
	d->err.fd = flags;
	d->err.addr = other > 0 ? other : 0;
	return ckpt_fail(&d->err, CKPT_OBJ_SHARED, err);
}

static int ckpt_sh_fail(struct ckpt_dump *d, unsigned int i, int k,
			pid_t other, int err, unsigned int *at)
{
	return ckpt_sh_fail_flags(d, i, ckpt_sh_flag[k], other, err, at);
}

/*
 * A vfork() child that has not exec'ed nor exited yet: its parent waits in
 * the kernel (vfork_done) for it, on their one address space.  Refused.
 */
static bool ckpt_sh_vforked(struct task_struct *t)
{
	bool v;

	task_lock(t);
	v = t->vfork_done;
	task_unlock(t);
	return v;
}

/*
 * The vfork() child @t waits for (in the kernel, where it cannot be
 * frozen) until the child execs or exits: its PID, or 0.
 */
pid_t ckpt_vfork_waits(struct task_struct *t)
{
	struct task_struct *th, *c;
	pid_t child = 0;

	read_lock(ckpt_ksyms.tasklist_lock);
	for_each_thread(t, th) {
		list_for_each_entry(c, &th->children, sibling) {
			if (READ_ONCE(c->vfork_done) && !c->exit_state) {
				child = task_tgid_vnr(c);
				break;
			}
		}
		if (child)
			break;
	}
	read_unlock(ckpt_ksyms.tasklist_lock);
	return child;
}

/*
 * Before anything is frozen (the parent of a vfork() child cannot be: it
 * waits in the kernel until the child execs or exits): a member that is
 * a vfork() child not yet gone its way (err.addr: the parent), or that
 * waits in vfork() for one (err.addr: the child).  Refused, EOPNOTSUPP.
 */
int ckpt_check_vfork(struct ckpt_dump *d, unsigned int *at)
{
	struct task_struct *th;
	unsigned int i;
	pid_t other;

	for (i = 0; i < d->nr_members; i++) {
		struct task_struct *t = d->members[i].task;
		int flags = 0;

		if (t->exit_state)
			continue;
		rcu_read_lock();
		for_each_thread(t, th) {
			if (READ_ONCE(th->vfork_done)) {
				flags = CLONE_VFORK;
				other = task_tgid_vnr(rcu_dereference(th->real_parent));
				break;
			}
		}
		rcu_read_unlock();
		if (flags)
			return ckpt_sh_fail_flags(d, i, flags, other,
						  -EOPNOTSUPP, at);
		other = ckpt_vfork_waits(t);
		if (other)
			return ckpt_sh_fail_flags(d, i, CLONE_VFORK | CLONE_VM,
						  other, -EOPNOTSUPP, at);
	}
	return 0;
}

/* Every thread of member @i uses its process's file table and fs. */
static int ckpt_sh_threads(struct ckpt_dump *d, unsigned int i,
			   unsigned int *at)
{
	struct ckpt_member *m = &d->members[i];
	unsigned int j;
	int k;

	for (j = 0; j < m->nr_threads; j++)
		for (k = CKPT_SH_FILES; k <= CKPT_SH_FS; k++)
			if (ckpt_sh_obj(m->threads[j], k) !=
			    ckpt_sh_obj(m->task, k))
				return ckpt_sh_fail(d, i, k, 0, -EOPNOTSUPP,
						    at);
	return 0;
}

/*
 * Member @i against the earlier ones: which of them holds its table,
 * context, address space and signal handlers first.
 */
static int ckpt_sh_pair(struct ckpt_dump *d, unsigned int i,
			unsigned int *at)
{
	struct ckpt_member *m = &d->members[i];
	unsigned int j;
	int k;

	for (j = 0; j < i; j++) {
		struct ckpt_member *o = &d->members[j];
		unsigned int *with[CKPT_SH_NR] = {
			[CKPT_SH_FILES] = &m->files_with,
			[CKPT_SH_FS] = &m->fs_with,
			[CKPT_SH_SIGHAND] = &m->sighand_with,
			[CKPT_SH_VM] = &m->vm_with,
		};

		if (o->zombie)
			continue;
		for (k = 0; k < CKPT_SH_NR; k++)
			if (*with[k] == i && ckpt_sh_obj(o->task, k) ==
			    ckpt_sh_obj(m->task, k))
				*with[k] = j;
	}
	if (ckpt_sh_vforked(m->task)) {
		/* Its parent waits in vfork() for it: name the parent. */
		pid_t ppid;

		rcu_read_lock();
		ppid = task_tgid_vnr(rcu_dereference(m->task->real_parent));
		rcu_read_unlock();
		return ckpt_sh_fail_flags(d, i, CLONE_VFORK, ppid, -EOPNOTSUPP,
					  at);
	}
	/* clone(2) allows CLONE_SIGHAND only with CLONE_VM. */
	if (m->sighand_with != i &&
	    d->members[m->sighand_with].vm_with != m->vm_with)
		return ckpt_sh_fail(d, i, CKPT_SH_SIGHAND,
				    task_tgid_vnr(d->members[m->sighand_with].task),
				    -EOPNOTSUPP, at);
	/* A process on another's address space is restored single-threaded. */
	if (m->vm_with != i && m->nr_threads > 1)
		return ckpt_sh_fail_flags(d, i, CLONE_VM | CLONE_THREAD,
					  task_tgid_vnr(d->members[m->vm_with].task),
					  -EOPNOTSUPP, at);
	return 0;
}

/* Threads of the members using the object of kind @k member @i holds. */
static long ckpt_sh_inside(const struct ckpt_dump *d, unsigned int i, int k)
{
	long n = 0;
	unsigned int j;

	for (j = i; j < d->nr_members; j++) {
		const struct ckpt_member *m = &d->members[j];

		if (m->zombie)
			continue;
		if (j == i || (k == CKPT_SH_FILES && m->files_with == i) ||
		    (k == CKPT_SH_FS && m->fs_with == i) ||
		    (k == CKPT_SH_SIGHAND && m->sighand_with == i) ||
		    (k == CKPT_SH_VM && m->vm_with == i))
			n += m->nr_threads;
	}
	return n;
}

/*
 * Before anything is written, every member frozen: what it shares, and
 * with whom.  On failure *@at is the member at fault.
 */
int ckpt_check_shares(struct ckpt_dump *d, unsigned int *at)
{
	unsigned int i;
	int err, k;

	for (i = 0; i < d->nr_members; i++) {
		struct ckpt_member *m = &d->members[i];

		m->files_with = i;
		m->fs_with = i;
		m->vm_with = i;
		m->sighand_with = i;
		if (m->zombie)
			continue;
		err = ckpt_sh_threads(d, i, at);
		if (!err)
			err = ckpt_sh_pair(d, i, at);
		if (err)
			return err;
	}
	for (i = 0; i < d->nr_members; i++) {
		struct ckpt_member *m = &d->members[i];

		if (m->zombie)
			continue;
		for (k = 0; k < CKPT_SH_NR; k++) {
			void *o = ckpt_sh_obj(m->task, k);
			pid_t other = 0;

			if ((k == CKPT_SH_FILES && m->files_with != i) ||
			    (k == CKPT_SH_FS && m->fs_with != i) ||
			    (k == CKPT_SH_SIGHAND && m->sighand_with != i) ||
			    (k == CKPT_SH_VM && m->vm_with != i))
				continue;	/* the holder counts them */
			if (!o || ckpt_sh_users(o, k) <= ckpt_sh_inside(d, i, k))
				continue;
			if (ckpt_sh_outsider(d, o, k, &other))
				return ckpt_sh_fail(d, i, k, other, -EUSERS,
						    at);
			/*
			 * The address space has passing users (readers of
			 * /proc), the signal handlers dead ones (zombies);
			 * a file table or fs context is held by tasks only.
			 */
			if (k == CKPT_SH_FILES || k == CKPT_SH_FS)
				return ckpt_sh_fail(d, i, k, 0, -EUSERS, at);
		}
	}
	return 0;
}

/* The SHARES record of a member that uses an earlier one's objects. */
int ckpt_dump_shares(struct ckpt_dump *d)
{
	const struct ckpt_member *m = &d->members[d->member];
	struct ckpt_rec_shares r = {};

	if (m->files_with != d->member)
		r.files_pid = task_tgid_vnr(d->members[m->files_with].task);
	if (m->fs_with != d->member)
		r.fs_pid = task_tgid_vnr(d->members[m->fs_with].task);
	if (m->vm_with != d->member)
		r.vm_pid = task_tgid_vnr(d->members[m->vm_with].task);
	if (m->sighand_with != d->member)
		r.sighand_pid =
			task_tgid_vnr(d->members[m->sighand_with].task);
	if (!r.files_pid && !r.fs_pid && !r.vm_pid && !r.sighand_pid)
		return 0;
	return ckpt_write_rec(&d->out, CKPT_REC_SHARES, &r, sizeof(r));
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_take_shares(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_shares *s = p;

	if (len != sizeof(*s) || s->reserved[0] ||
	    (!s->files_pid && !s->fs_pid && !s->vm_pid && !s->sighand_pid))
		return -EBADMSG;
	r->shares = *s;
	return 0;
}

/*
 * At prepare time: a SHARES record names earlier members of the tree (not
 * zombies) that hold the object themselves; a process sharing a file
 * table has no descriptors of its own.
 */
int ckpt_check_shares_rec(struct ckpt_restore *r)
{
	const struct ckpt_rec_shares *s = &r->shares;
	const struct ckpt_restore *o;

	if (!s->files_pid && !s->fs_pid && !s->vm_pid && !s->sighand_pid)
		return 0;
	if (!r->tree)
		return ckpt_bad(r, CKPT_REC_SHARES, -EBADMSG);
	/*
	 * An address space: of an earlier member that saved it (its own,
	 * not shared with one before it); taken by a process without
	 * threads.  Handlers: only with an address space (clone(2) wants
	 * CLONE_VM with CLONE_SIGHAND), of an earlier member that holds
	 * its own and is on the same address space.
	 */
	if (s->vm_pid) {
		o = ckpt_tree_member_rst(r, s->vm_pid);
		if (!o || o->shares.vm_pid || r->nr_threads)
			return ckpt_bad(r, CKPT_REC_SHARES, -EBADMSG);
	}
	if (s->sighand_pid) {
		o = ckpt_tree_member_rst(r, s->sighand_pid);
		if (!s->vm_pid || !o || o->shares.sighand_pid ||
		    (o->task.pid != s->vm_pid && o->shares.vm_pid != s->vm_pid))
			return ckpt_bad(r, CKPT_REC_SHARES, -EBADMSG);
	}
	if (s->files_pid) {
		o = ckpt_tree_member_rst(r, s->files_pid);
		if (!o || o->shares.files_pid || r->nr_files)
			return ckpt_bad(r, CKPT_REC_SHARES, -EBADMSG);
	}
	if (s->fs_pid) {
		o = ckpt_tree_member_rst(r, s->fs_pid);
		if (!o || o->shares.fs_pid)
			return ckpt_bad(r, CKPT_REC_SHARES, -EBADMSG);
	}
	return 0;
}

/* Make @files the caller's file table, as clone(CLONE_FILES) would. */
void ckpt_adopt_files(struct files_struct *files)
{
	struct files_struct *old;

	atomic_inc(&files->count);
	task_lock(current);
	old = current->files;
	current->files = files;
	task_unlock(current);
	if (old)
		ckpt_ksyms.put_files_struct(old);
}

/* Drop a reference to @fs taken with ckpt_get_fs(). */
void ckpt_put_fs(struct fs_struct *fs)
{
	bool kill;

	spin_lock(&fs->lock);
	kill = !--fs->users;
	spin_unlock(&fs->lock);
	if (kill)
		ckpt_ksyms.free_fs_struct(fs);
}

void ckpt_get_fs(struct fs_struct *fs)
{
	spin_lock(&fs->lock);
	fs->users++;
	spin_unlock(&fs->lock);
}

/* Make @fs the caller's fs context, as clone(CLONE_FS) would. */
void ckpt_adopt_fs(struct fs_struct *fs)
{
	struct fs_struct *old;

	ckpt_get_fs(fs);
	task_lock(current);
	old = current->fs;
	current->fs = fs;
	task_unlock(current);
	if (old)
		ckpt_put_fs(old);
}

/*
 * A thread of a restored process that shares an earlier member's table or
 * context: it takes its process's, as its main thread did.
 */
int ckpt_adopt_leader_shares(struct ckpt_restore *r)
{
	struct task_struct *leader = current->group_leader;
	struct files_struct *files = NULL;
	struct fs_struct *fs = NULL;

	if (!r->shares.files_pid && !r->shares.fs_pid)
		return 0;
	task_lock(leader);
	if (r->shares.files_pid) {
		files = leader->files;
		if (files)
			atomic_inc(&files->count);
	}
	if (r->shares.fs_pid) {
		fs = leader->fs;
		if (fs)
			ckpt_get_fs(fs);
	}
	task_unlock(leader);
	if ((r->shares.files_pid && !files) || (r->shares.fs_pid && !fs)) {
		if (files)
			ckpt_ksyms.put_files_struct(files);
		if (fs)
			ckpt_put_fs(fs);
		return -ESRCH;		/* the main thread died */
	}
	if (files) {
		ckpt_adopt_files(files);
		ckpt_ksyms.put_files_struct(files);
	}
	if (fs) {
		ckpt_adopt_fs(fs);
		ckpt_put_fs(fs);
	}
	return 0;
}

/*
 * Take the restored address space @mm of an earlier member as the caller's
 * own, as clone(CLONE_VM) would have given it (the steps of exec_mmap()
 * for an mm that already has users): the caller's own, which nothing else
 * uses (ckpt_check_restorer()), goes.  Not repeated from exec_mmap():
 * lru_gen_add_mm() (@mm is on its memcg's list since it was made) and
 * membarrier_exec_mmap(), which resets a new mm's membarrier state: @mm
 * keeps its own, and the runqueue's copy follows at the next context
 * switch (membarrier_switch_mm()).
 */
static int ckpt_switch_mm(struct mm_struct *mm)
{
	struct task_struct *me = current;
	struct mm_struct *old = me->mm, *active;
	int err;

	if (!old || old == mm)
		return -EINVAL;
	mmget(mm);
	ckpt_ksyms.sync_mm_rss(old);
	err = down_write_killable(&me->signal->exec_update_lock);
	if (err)
		goto out_put;
	err = mmap_read_lock_killable(old);
	if (err) {
		up_write(&me->signal->exec_update_lock);
		goto out_put;
	}
	task_lock(me);
	local_irq_disable();
	active = me->active_mm;
	me->active_mm = mm;
	me->mm = mm;
	local_irq_enable();
	/* The mm is live: a paravirt guest has it pinned already. */
	ckpt_ksyms.switch_mm(active, mm, NULL);
	task_unlock(me);
	/* As exec_mmap(): page reclaim may walk its page tables again. */
	lru_gen_use_mm(mm);
	mmap_read_unlock(old);
	up_write(&me->signal->exec_update_lock);
	/* As copy_oom_score_adj() marks an mm shared by processes. */
	set_bit(MMF_MULTIPROCESS, &mm->flags);
	if (ckpt_ksyms.mm_update_next_owner)
		ckpt_ksyms.mm_update_next_owner(old);
	mmput(old);
	return 0;
out_put:
	mmput(mm);
	return err;
}

/* The restore of a member whose SHARES record names an address space. */
int ckpt_adopt_vm(struct ckpt_restore *r)
{
	struct mm_struct *mm = ckpt_tree_mm_of(r, r->shares.vm_pid);
	int err;

	if (!mm)
		return ckpt_fail(&r->err, CKPT_OBJ_TASK, -ESRCH);
	err = ckpt_switch_mm(mm);
	return ckpt_fail(&r->err, CKPT_OBJ_TASK, err);
}

/*
 * Take an earlier member's signal handlers, as clone(CLONE_SIGHAND) would
 * have given them; the caller's own, which nothing else uses, go (as in
 * de_thread()).  The caller has no other threads (checked).
 */
int ckpt_adopt_sighand(struct ckpt_restore *r)
{
	struct sighand_struct *sh = ckpt_tree_sighand_of(r,
							 r->shares.sighand_pid);
	struct sighand_struct *old;

	if (!sh)
		return ckpt_fail(&r->err, CKPT_OBJ_TASK, -ESRCH);
	if (!thread_group_empty(current))
		return ckpt_fail(&r->err, CKPT_OBJ_TASK, -EBUSY);
	refcount_inc(&sh->count);
	write_lock_irq(ckpt_ksyms.tasklist_lock);
	old = rcu_dereference_protected(current->sighand, true);
	spin_lock(&old->siglock);
	rcu_assign_pointer(current->sighand, sh);
	spin_unlock(&old->siglock);
	write_unlock_irq(ckpt_ksyms.tasklist_lock);
	ckpt_ksyms.cleanup_sighand(old);
	return 0;
}
