// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA memory policies (CKPT_REC_MEMPOLICY): each thread's own
 * (set_mempolicy(2)) and each mapping's (mbind(2),
 * set_mempolicy_home_node(2)).
 *
 * Checkpoint: read from the frozen threads (under task_lock(), as the
 * kernel reads them) and from the address space's mappings (under the mmap
 * lock), as get_mempolicy(2) would report them: the mode, its flags, and
 * the nodes given with a mode flag, or else those in effect.  Only where
 * a policy is set, and not for mappings of shared memory objects (tmpfs,
 * memfd, shared anonymous memory, SysV): their policy is the object's,
 * shared by every mapping of it, and is not saved.
 *
 * Restore: with the system calls themselves, so that all their checks
 * apply to the restoring process (the cpuset's memory nodes above all),
 * after checks at prepare time that mirror theirs, so that an image they
 * would refuse fails before anything changed:
 *  - each thread's own policy is set by the thread itself while it is
 *    still in the restoring process, before the point of no return: a
 *    thread when it checks in (RESTORE_THREAD), the main thread last of
 *    its checks (ckpt_check_restorer()); a refusal fails the restore
 *    there (CKPT_OBJ_MEMPOLICY);
 *  - each mapping's is set by the main thread once the address space is
 *    restored and before its pages are filled, so that they are placed
 *    as the policy says.
 * The node mask goes to the system call through a page mapped for the
 * call and unmapped after it: in the restoring process (where other
 * threads of restart(1) may still be checking in: a page of their own
 * each) or in the restored one before any of its threads returns to user
 * space.
 * A thread or mapping without a policy in the image keeps the restoring
 * process's (so "numactl --membind=1 restart" places a process that had
 * none); CKPT_RESTORE_ANY_NODE leaves every policy of the image out.
 */
#include <linux/cpuset.h>
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/nodemask.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "ckpt.h"

#define CKPT_MEMPOL_WORDS	(CKPT_MEMPOLICY_NODES / 64)
/* Threads and mappings: every one of them may have a policy. */
#define CKPT_MAX_MEMPOLS	(CKPT_MAX_THREADS + 1 + CKPT_MAX_VMAS)

/* ---------------------------------------------------------------------- */
/* Checkpoint                                                              */
/* ---------------------------------------------------------------------- */

/*
 * May a mapping of this kind have a policy of its own in the image?  Not
 * the vdso and vvar, nor a shared memory object's mapping (its policy is
 * the object's: mbind(2) would set it for every mapping of it).
 */
static bool ckpt_mempol_kind(int kind)
{
	return kind == CKPT_VMA_ANON || kind == CKPT_VMA_HUGETLB ||
	       kind == CKPT_VMA_FILE_PRIVATE ||
	       kind == CKPT_VMA_FILE_SHARED;
}

/* @pol as get_mempolicy(2) reports it (x86-64 has at most 1024 nodes). */
static void ckpt_mempol_of(const struct mempolicy *pol,
			   struct ckpt_rec_mempolicy *m)
{
	nodemask_t nodes;
	int n;

	BUILD_BUG_ON(MAX_NUMNODES > CKPT_MEMPOLICY_NODES);
	memset(m, 0, sizeof(*m));
	m->mode = pol->mode;
	m->flags = pol->flags & MPOL_MODE_FLAGS;
	m->home_node = pol->home_node;
	/* As mpol_store_user_nodemask(): any mode flag keeps them. */
	if (pol->flags & MPOL_MODE_FLAGS)
		nodes = pol->w.user_nodemask;
	else if (pol->mode == MPOL_LOCAL)
		nodes_clear(nodes);
	else
		nodes = pol->nodes;
	for_each_node_mask(n, nodes)
		m->nodes[n / 64] |= 1ULL << (n % 64);
}

static int ckpt_dump_mempol_thread(struct ckpt_dump *d, struct task_struct *t)
{
	struct ckpt_rec_mempolicy *m = ckpt_rec_payload(&d->out);
	bool set = false;

	task_lock(t);
	if (t->mempolicy && t->mempolicy->mode != MPOL_DEFAULT) {
		ckpt_mempol_of(t->mempolicy, m);
		set = true;
	}
	task_unlock(t);
	if (!set)
		return 0;
	m->tid = task_pid_vnr(t);
	m->home_node = NUMA_NO_NODE;	/* only a mapping's has one */
	return ckpt_write_payload(&d->out, CKPT_REC_MEMPOLICY, sizeof(*m));
}

static int ckpt_dump_mempol_vmas(struct ckpt_dump *d)
{
	VMA_ITERATOR(vmi, d->mm, 0);
	struct vm_area_struct *vma;
	int err = 0;

	if (mmap_read_lock_killable(d->mm))
		return -EINTR;
	for_each_vma(vmi, vma) {
		struct ckpt_rec_mempolicy *m;
		int kind = ckpt_vma_kind(vma);

		/*
		 * Mappings of VMA records (not --skip'ed), not of objects: a
		 * file with a shared policy (tmpfs) keeps it in its inode.
		 */
		if (!ckpt_mempol_kind(kind) || !vma->vm_policy ||
		    vma->vm_policy->mode == MPOL_DEFAULT ||
		    (vma->vm_ops && vma->vm_ops->set_policy))
			continue;
		m = ckpt_rec_payload(&d->out);
		ckpt_mempol_of(vma->vm_policy, m);
		m->start = vma->vm_start;
		m->end = vma->vm_end;
		err = ckpt_write_payload(&d->out, CKPT_REC_MEMPOLICY,
					 sizeof(*m));
		if (err)
			break;
	}
	mmap_read_unlock(d->mm);
	return err;
}

/* The threads' policies (main thread first, then THREAD order), then the
 * mappings' (with the address space, by the member that saves it).
 */
int ckpt_dump_mempolicy(struct ckpt_dump *d)
{
	unsigned int i;
	int err;

	err = ckpt_dump_mempol_thread(d, d->task);
	for (i = 0; !err && i < d->nr_threads; i++)
		if (d->threads[i] != d->task)
			err = ckpt_dump_mempol_thread(d, d->threads[i]);
	if (!err && ckpt_vm_holder(d, d->member))
		err = ckpt_dump_mempol_vmas(d);
	return err;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_take_mempolicy(struct ckpt_restore *r, const void *p, u32 len)
{
	struct ckpt_restore_mempol *m;

	m = ckpt_take_into((void **)&r->mempols, &r->nr_mempols, sizeof(*m),
			   CKPT_MAX_MEMPOLS, p, len, sizeof(m->rec));
	if (IS_ERR(m))
		return PTR_ERR(m);
	m->offset = r->in.rec_offset;
	return 0;
}

void ckpt_free_mempolicy(struct ckpt_restore *r)
{
	kvfree(r->mempols);
	r->mempols = NULL;
	r->nr_mempols = 0;
}

/* @m's nodes as a nodemask; false if it names one this kernel cannot. */
static bool ckpt_mempol_nodes(const struct ckpt_rec_mempolicy *m,
			      nodemask_t *nodes)
{
	unsigned int n;

	nodes_clear(*nodes);
	for (n = 0; n < CKPT_MEMPOLICY_NODES; n++) {
		if (!(m->nodes[n / 64] & (1ULL << (n % 64))))
			continue;
		if (n >= MAX_NUMNODES)
			return false;
		node_set(n, *nodes);
	}
	return true;
}

/*
 * Would set_mempolicy(2) or mbind(2) take @m here?  What no kernel takes
 * (sanitize_mpol_flags(), mpol_new()) is the image's fault, -EBADMSG;
 * nodes none of which is @usable (mpol_set_nodemask(): the caller's
 * cpuset's memory nodes that have memory) are -EINVAL, as the call would
 * say; so is a home node that is not online.
 */
static int ckpt_mempol_ok(const struct ckpt_rec_mempolicy *m, bool thread,
			  const nodemask_t *usable)
{
	u16 pin = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES;
	nodemask_t nodes;

	if (m->reserved || m->mode == MPOL_DEFAULT || m->mode >= MPOL_MAX ||
	    (m->flags & ~MPOL_MODE_FLAGS) || (m->flags & pin) == pin ||
	    ((m->flags & MPOL_F_NUMA_BALANCING) && m->mode != MPOL_BIND) ||
	    !ckpt_mempol_nodes(m, &nodes))
		return -EBADMSG;
	if (m->home_node != NUMA_NO_NODE &&
	    (thread || m->home_node < 0 || m->home_node >= MAX_NUMNODES ||
	     (m->mode != MPOL_BIND && m->mode != MPOL_PREFERRED_MANY)))
		return -EBADMSG;
	if (m->mode == MPOL_LOCAL)
		return nodes_empty(nodes) && !(m->flags & pin) ? 0 : -EBADMSG;
	if (nodes_empty(nodes))
		return -EBADMSG;
	if ((m->flags & MPOL_F_RELATIVE_NODES) ? nodes_empty(*usable) :
	    !nodes_intersects(nodes, *usable))
		return -EINVAL;
	if (m->home_node != NUMA_NO_NODE && !node_online(m->home_node))
		return -EINVAL;
	return 0;
}

/* The TID of thread @i of the image: 0 the main thread, then THREADs. */
static pid_t ckpt_mempol_tid(const struct ckpt_restore *r, u32 i)
{
	return i ? r->threads[i - 1].rec.tid : r->task.pid;
}

/*
 * Is [@start, @end) one VMA record, from @*v on, of a kind that may have
 * a policy?  A whole mapping, as saved: mbind(2) then splits nothing
 * the image did not have.
 */
static bool ckpt_mempol_is_vma(const struct ckpt_restore *r, u32 *v,
			       u64 start, u64 end)
{
	const struct ckpt_rec_vma *rec;

	while (*v < r->nr_vmas && r->vmas[*v].rec.end <= start)
		(*v)++;
	if (*v >= r->nr_vmas)
		return false;
	rec = &r->vmas[*v].rec;
	return rec->start == start && rec->end == end &&
	       ckpt_mempol_kind(rec->kind);
}

static bool ckpt_mempol_is_thread(const struct ckpt_rec_mempolicy *m)
{
	return !m->start && !m->end;
}

/*
 * Is every policy of the image one the caller could set, with @usable
 * memory nodes?  -EINVAL and the policy named if not (0 with
 * CKPT_RESTORE_ANY_NODE: none is set); -EBADMSG if no kernel would.
 */
static int ckpt_mempol_all_ok(struct ckpt_restore *r, u32 *bad,
			      const nodemask_t *usable)
{
	u32 i;
	int err;

	for (i = 0; i < r->nr_mempols; i++) {
		const struct ckpt_rec_mempolicy *m = &r->mempols[i].rec;
		bool thread = ckpt_mempol_is_thread(m);

		err = ckpt_mempol_ok(m, thread, usable);
		if (err == -EINVAL && r->any_node)
			err = 0;
		if (!err)
			continue;
		*bad = i;
		if (err == -EINVAL) {
			r->err.fd = !thread;
			r->err.addr = thread ? m->tid : m->start;
			return ckpt_fail(&r->err, CKPT_OBJ_MEMPOLICY, err);
		}
		return err;
	}
	return 0;
}

/*
 * The threads' entries first, in their order, each naming a thread of the
 * image once; then the mappings', rising, each a whole VMA record.  Their
 * nodes are checked against those that have memory here; the restoring
 * task checks them against its cpuset's too, before the point of no
 * return (ckpt_restore_mempolicy_self(): restart may enter a cgroup
 * after RESTORE_PREPARE).
 */
int ckpt_check_mempolicy(struct ckpt_restore *r)
{
	u32 i, t = 0, v = 0;
	u64 last_end = 0;
	bool vmas = false;
	int err;

	for (i = 0; i < r->nr_mempols; i++) {
		const struct ckpt_rec_mempolicy *m = &r->mempols[i].rec;
		bool ok;

		if (ckpt_mempol_is_thread(m)) {
			while (t <= r->nr_threads &&
			       ckpt_mempol_tid(r, t) != m->tid)
				t++;
			ok = !vmas && t++ <= r->nr_threads;
		} else {
			vmas = true;
			ok = !m->tid && m->start >= last_end &&
			     ckpt_mempol_is_vma(r, &v, m->start, m->end);
			last_end = m->end;
		}
		if (!ok)
			return ckpt_bad_rec(r, CKPT_REC_MEMPOLICY,
					    r->mempols[i].offset, -EBADMSG);
	}
	err = ckpt_mempol_all_ok(r, &i, &node_states[N_MEMORY]);
	if (err == -EBADMSG)
		return ckpt_bad_rec(r, CKPT_REC_MEMPOLICY, r->mempols[i].offset,
				    err);
	return err;
}

/*
 * Call set_mempolicy(2) (@start 0) or mbind(2) and, with a home node,
 * set_mempolicy_home_node(2) for @m, its nodes in the page at @ubuf.
 */
static int ckpt_mempol_set(const struct ckpt_rec_mempolicy *m,
			   unsigned long ubuf)
{
	unsigned long mode = m->mode | m->flags;
	long err;

	BUILD_BUG_ON(sizeof(m->nodes) > PAGE_SIZE);
	if (copy_to_user((void __user *)ubuf, m->nodes, sizeof(m->nodes)))
		return -EFAULT;
	if (ckpt_mempol_is_thread(m))
		return ckpt_syscall(ckpt_ksyms.sys_set_mempolicy, mode, ubuf,
				    CKPT_MEMPOLICY_NODES + 1, 0);
	err = ckpt_syscall6(ckpt_ksyms.sys_mbind, m->start,
			    m->end - m->start, mode, ubuf,
			    CKPT_MEMPOLICY_NODES + 1, 0);
	if (!err && m->home_node != NUMA_NO_NODE)
		err = ckpt_syscall(ckpt_ksyms.sys_set_mempolicy_home_node,
				   m->start, m->end - m->start, m->home_node,
				   0);
	return err;
}

/*
 * The calling thread's own policy in the image, if any: set it, in the
 * restoring process (a thread checking in, or the main thread).
 */
int ckpt_mempolicy_thread(struct ckpt_restore *r)
{
	pid_t tid = task_pid_vnr(current);
	unsigned long ubuf;
	u32 i;
	int err;

	if (r->any_node)
		return 0;
	for (i = 0; i < r->nr_mempols &&
		    ckpt_mempol_is_thread(&r->mempols[i].rec); i++) {
		if (r->mempols[i].rec.tid != tid)
			continue;
		ubuf = ckpt_scratch_page();
		if (IS_ERR_VALUE(ubuf))
			return (long)ubuf;
		err = ckpt_mempol_set(&r->mempols[i].rec, ubuf);
		vm_munmap(ubuf, PAGE_SIZE);
		return err;
	}
	return 0;
}

/*
 * The main thread, last of its checks before the point of no return:
 * every policy checked against its cpuset (the one the restored process
 * has), a thread's refused policy fails the restore, then its own is set.
 */
int ckpt_restore_mempolicy_self(struct ckpt_restore *r)
{
	nodemask_t usable;
	int err;
	u32 i;

	nodes_and(usable, cpuset_current_mems_allowed, node_states[N_MEMORY]);
	err = ckpt_mempol_all_ok(r, &i, &usable);
	if (err)
		return err;
	mutex_lock(&r->lock);
	for (i = 0; !err && i < r->nr_threads; i++)
		if (r->threads[i].mempol_err) {
			err = r->threads[i].mempol_err;
			r->err.fd = 0;
			r->err.addr = r->threads[i].rec.tid;
		}
	mutex_unlock(&r->lock);
	if (!err) {
		err = ckpt_mempolicy_thread(r);
		if (err) {
			r->err.fd = 0;
			r->err.addr = r->task.pid;
		}
	}
	if (err && err != -ENOMEM)
		return ckpt_fail(&r->err, CKPT_OBJ_MEMPOLICY, err);
	return err;
}

/* The mappings' policies, before their pages are filled. */
int ckpt_restore_mempolicy_vmas(struct ckpt_restore *r)
{
	unsigned long ubuf = 0;
	int err = 0;
	u32 i;

	if (r->any_node)
		return 0;
	for (i = 0; !err && i < r->nr_mempols; i++) {
		const struct ckpt_rec_mempolicy *m = &r->mempols[i].rec;

		if (ckpt_mempol_is_thread(m))
			continue;
		if (!ubuf) {
			ubuf = ckpt_scratch_page();
			if (IS_ERR_VALUE(ubuf))
				return (long)ubuf;
		}
		err = ckpt_mempol_set(m, ubuf);
		if (err) {
			r->err.fd = 1;
			r->err.addr = m->start;
			err = ckpt_fail(&r->err, CKPT_OBJ_MEMPOLICY, err);
		}
	}
	/* The page must not stay in the process (a split could fail). */
	if (ubuf && vm_munmap(ubuf, PAGE_SIZE) && !err)
		err = -ENOMEM;
	return err;
}
