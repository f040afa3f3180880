// SPDX-License-Identifier: GPL-2.0
/*
 * Reserved PID ranges: clamp, tombstone, claim (Documentation/pid-ranges.rst).
 *
 * A managed PID namespace owns the interval [lo, hi) of its PID space.
 * alloc_pid() calls idr_alloc_cyclic() on ns->idr under pidmap_lock for
 * every local fork; a kprobe there rewrites its start and end arguments
 * (%edx, %ecx) to the interval, so local forks never take a PID outside
 * it and the rest of the PID space stays free for processes restored with
 * clone3(set_tid), which goes through idr_alloc() instead.
 *
 * A tombstone is a NULL entry in ns->idr (what alloc_pid() itself stores
 * while a PID is being set up): the PID looks unused to find_pid_ns() and
 * /proc but no allocation can take it.  Tombstones are queued and put in
 * place under pidmap_lock, either at once or, while a process still holds
 * the PID, by the clamp handler before the next local allocation, so no
 * fork can slip in between.  A claim lets one restorer remove a tombstone
 * and allocate the PID in the same pidmap_lock section (kprobe on
 * idr_alloc()).
 *
 * Locking: every field the handlers use is changed under pidmap_lock
 * (found through kallsyms) with pr_mutex held; the handlers only act on a
 * managed idr, whose allocations all run under pidmap_lock.  pr_mutex
 * serialises configuration.
 */
#include <linux/kprobes.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/sched/clock.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/idr.h>
#include <linux/pid_namespace.h>
#include <linux/capability.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/sched/task.h>
#include "ckpt.h"

#define PR_MAX_NS	8
#define PR_MAX_TOMBS	4096
#define PR_MAX_CLAIMS	32
#define PR_CLAIM_TTL	(30 * HZ)
#define PR_GC_PERIOD	HZ

enum { PR_T_FREE, PR_T_PENDING, PR_T_SET };

struct pr_tomb {
	int pid;
	int state;
};

struct pr_ns {
	struct idr *idr;		/* NULL: slot unused; read by handlers */
	struct pid_namespace *ns;	/* reference held */
	int lo, hi;
	bool pinned;			/* holds a module reference */
	unsigned int nr_tombs;		/* entries not PR_T_FREE */
	unsigned int nr_pending;
	struct pr_tomb *tombs;		/* PR_MAX_TOMBS */
	u64 clamped, drained, claims, failsafes;
};

struct pr_claim {
	struct task_struct *task;	/* group leader, reference held */
	struct pr_ns *n;
	int pid;
	bool used;
	unsigned long expires;
};

static struct pr_ns pr_slots[PR_MAX_NS];
static struct pr_claim pr_claims[PR_MAX_CLAIMS];
static unsigned int pr_nr_claims;	/* slots with a task */
static unsigned int pr_nr_active;
static DEFINE_MUTEX(pr_mutex);
static spinlock_t *pr_pidmap_lock;
static int *pr_pid_max;
static bool pr_probes_on;
static void pr_gc(struct work_struct *w);
static DECLARE_DELAYED_WORK(pr_gc_work, pr_gc);

static char *pid_range;
module_param(pid_range, charp, 0444);
MODULE_PARM_DESC(pid_range,
		 "LO-HI: reserve [LO,HI) for local forks of the initial PID namespace");

/* Handlers: pidmap_lock is held whenever they find a managed idr. */
static struct pr_ns *pr_find(const void *idr)
{
	int i;

	for (i = 0; i < PR_MAX_NS; i++)
		if (idr && READ_ONCE(pr_slots[i].idr) == idr)
			return &pr_slots[i];
	return NULL;
}

static struct pr_tomb *pr_tomb_find(struct pr_ns *n, int pid)
{
	unsigned int i;

	if (!n->nr_tombs)
		return NULL;
	for (i = 0; i < PR_MAX_TOMBS; i++)
		if (n->tombs[i].state != PR_T_FREE && n->tombs[i].pid == pid)
			return &n->tombs[i];
	return NULL;
}

/* Put pending tombstones in place.  -ENOMEM if one could not be. */
static int pr_drain(struct pr_ns *n)
{
	unsigned int i;
	u32 id;
	int err;

	for (i = 0; n->nr_pending && i < PR_MAX_TOMBS; i++) {
		struct pr_tomb *t = &n->tombs[i];

		if (t->state != PR_T_PENDING)
			continue;
		id = t->pid;
		err = idr_alloc_u32(n->idr, NULL, &id, t->pid, GFP_ATOMIC);
		if (err == -ENOSPC)
			continue;	/* still held by a process */
		if (err)
			return err;
		t->state = PR_T_SET;
		n->nr_pending--;
		n->drained++;
	}
	return 0;
}

/* idr_alloc_cyclic(idr = %rdi, ptr = %rsi, start = %edx, end = %ecx, gfp) */
static int pr_cyclic_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct pr_ns *n = pr_find((void *)regs->di);
	int end = (int)regs->cx;
	int hi;

	if (!n)
		return 0;
	n->clamped++;
	if (n->nr_pending && pr_drain(n)) {
		/* Better a failed fork than a reused emigrant's PID. */
		n->failsafes++;
		regs->dx = n->lo;
		regs->cx = n->lo;
		return 0;
	}
	hi = n->hi;
	if (end > 0 && end < hi)
		hi = end;
	regs->dx = n->lo;
	regs->cx = hi;
	return 0;
}

static struct pr_claim *pr_claim_match(struct pr_ns *n, int pid)
{
	struct task_struct *me = current->group_leader;
	struct task_struct *parent;
	unsigned int i;

	parent = rcu_dereference_sched(current->real_parent)->group_leader;
	for (i = 0; i < PR_MAX_CLAIMS; i++) {
		struct pr_claim *c = &pr_claims[i];

		if (c->task && !c->used && c->n == n && c->pid == pid &&
		    (c->task == me || c->task == parent))
			return c;
	}
	return NULL;
}

/* idr_alloc(idr = %rdi, ptr = %rsi, start = %edx, end = %ecx, gfp) */
static int pr_alloc_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct pr_ns *n = pr_find((void *)regs->di);
	int start = (int)regs->dx;
	struct pr_claim *c;
	struct pr_tomb *t;

	if (!n || !pr_nr_claims || (int)regs->cx != start + 1)
		return 0;
	t = pr_tomb_find(n, start);
	if (!t || t->state != PR_T_SET)
		return 0;
	c = pr_claim_match(n, start);
	if (!c)
		return 0;
	idr_remove(n->idr, start);
	t->state = PR_T_FREE;
	n->nr_tombs--;
	c->used = true;
	n->claims++;
	return 0;
}

static struct kprobe pr_kp_cyclic, pr_kp_alloc;

static int pr_probes_get(void)
{
	int err;

	if (pr_probes_on)
		return 0;
	/* A kprobe once registered keeps its address and flags: start anew. */
	memset(&pr_kp_cyclic, 0, sizeof(pr_kp_cyclic));
	pr_kp_cyclic.symbol_name = "idr_alloc_cyclic";
	pr_kp_cyclic.pre_handler = pr_cyclic_pre;
	memset(&pr_kp_alloc, 0, sizeof(pr_kp_alloc));
	pr_kp_alloc.symbol_name = "idr_alloc";
	pr_kp_alloc.pre_handler = pr_alloc_pre;
	err = register_kprobe(&pr_kp_cyclic);
	if (err) {
		pr_err(CKPT_PFX "PID ranges: cannot probe idr_alloc_cyclic: %d\n",
		       err);
		return -EOPNOTSUPP;
	}
	err = register_kprobe(&pr_kp_alloc);
	if (err) {
		unregister_kprobe(&pr_kp_cyclic);
		pr_err(CKPT_PFX "PID ranges: cannot probe idr_alloc: %d\n",
		       err);
		return -EOPNOTSUPP;
	}
	pr_probes_on = true;
	return 0;
}

static void pr_probes_put(void)
{
	if (!pr_probes_on || pr_nr_active)
		return;
	unregister_kprobe(&pr_kp_alloc);
	unregister_kprobe(&pr_kp_cyclic);
	pr_probes_on = false;
}

static struct pr_ns *pr_lookup(struct pid_namespace *ns)
{
	int i;

	for (i = 0; i < PR_MAX_NS; i++)
		if (pr_slots[i].idr && pr_slots[i].ns == ns)
			return &pr_slots[i];
	return NULL;
}

/* Drop claims (all, or the used and expired ones, or those of @n). */
static void pr_claims_gc(struct pr_ns *n, bool all)
{
	struct task_struct *put[PR_MAX_CLAIMS];
	unsigned int i, nr = 0;

	if (!pr_pidmap_lock)
		return;
	spin_lock_irq(pr_pidmap_lock);
	for (i = 0; i < PR_MAX_CLAIMS; i++) {
		struct pr_claim *c = &pr_claims[i];

		if (!c->task)
			continue;
		if (all || c->n == n || c->used ||
		    time_after(jiffies, c->expires)) {
			put[nr++] = c->task;
			c->task = NULL;
			pr_nr_claims--;
		}
	}
	spin_unlock_irq(pr_pidmap_lock);
	while (nr)
		put_task_struct(put[--nr]);
}

/*
 * Self-test: an allocation on this idr through idr_alloc_cyclic() must
 * come out of the range, and, for the initial namespace, a new kernel
 * thread's PID too.
 */
static int pr_kthread_fn(void *unused)
{
	return 0;
}

static int pr_selftest(struct pr_ns *n)
{
	u64 before = n->clamped;
	struct task_struct *t;
	int id;

	idr_preload(GFP_KERNEL);
	spin_lock_irq(pr_pidmap_lock);
	id = idr_alloc_cyclic(n->idr, NULL, 1, *pr_pid_max, GFP_ATOMIC);
	if (id >= 0)
		idr_remove(n->idr, id);
	spin_unlock_irq(pr_pidmap_lock);
	idr_preload_end();
	if (n->clamped == before || (id >= 0 && (id < n->lo || id >= n->hi)) ||
	    (id < 0 && id != -ENOSPC)) {
		pr_err(CKPT_PFX "PID ranges: self-test failed: allocation got %d, outside [%d,%d) (clamp hits %llu)\n",
		       id, n->lo, n->hi, n->clamped - before);
		return -EOPNOTSUPP;
	}
	if (n->ns != &init_pid_ns)
		return 0;
	t = kthread_create(pr_kthread_fn, NULL, "ckpt-pidtest");
	if (IS_ERR(t)) {
		/* A full range: the clamp held. */
		return PTR_ERR(t) == -EAGAIN ? 0 : PTR_ERR(t);
	}
	id = task_pid_nr(t);
	kthread_stop(t);
	if (id < n->lo || id >= n->hi) {
		pr_err(CKPT_PFX "PID ranges: self-test failed: a new kernel thread got PID %d, outside [%d,%d)\n",
		       id, n->lo, n->hi);
		return -EOPNOTSUPP;
	}
	return 0;
}

static void pr_release(struct pr_ns *n)
{
	unsigned int i;

	pr_claims_gc(n, false);
	spin_lock_irq(pr_pidmap_lock);
	for (i = 0; i < PR_MAX_TOMBS; i++) {
		struct pr_tomb *t = &n->tombs[i];

		if (t->state == PR_T_SET && !idr_find(n->idr, t->pid))
			idr_remove(n->idr, t->pid);
		t->state = PR_T_FREE;
	}
	WRITE_ONCE(n->idr, NULL);
	spin_unlock_irq(pr_pidmap_lock);
	pr_nr_active--;
	put_pid_ns(n->ns);
	kvfree(n->tombs);
	if (n->pinned)
		module_put(THIS_MODULE);
	memset(n, 0, sizeof(*n));
	pr_probes_put();
}

static int pr_activate_locked(struct pid_namespace *ns, int lo, int hi,
			      bool pin)
{
	struct pr_ns *n = NULL;
	int i, err;

	if (!pr_pidmap_lock || !pr_pid_max)
		return -EOPNOTSUPP;
	if (lo < 2 || lo >= hi)
		return -EINVAL;
	if (hi > READ_ONCE(*pr_pid_max))
		return -ERANGE;
	if (!ns->child_reaper)
		return -EINVAL;
	if (pr_lookup(ns))
		return -EBUSY;
	for (i = 0; i < PR_MAX_NS && !n; i++)
		if (!pr_slots[i].idr)
			n = &pr_slots[i];
	if (!n)
		return -ENOSPC;
	if (pin && !try_module_get(THIS_MODULE))
		return -ENODEV;
	memset(n, 0, sizeof(*n));
	err = -ENOMEM;
	n->tombs = kvcalloc(PR_MAX_TOMBS, sizeof(*n->tombs), GFP_KERNEL);
	if (!n->tombs)
		goto out_put;
	err = pr_probes_get();
	if (err)
		goto out_free;
	n->ns = get_pid_ns(ns);
	n->lo = lo;
	n->hi = hi;
	n->pinned = pin;
	spin_lock_irq(pr_pidmap_lock);
	WRITE_ONCE(n->idr, &ns->idr);
	spin_unlock_irq(pr_pidmap_lock);
	pr_nr_active++;
	err = pr_selftest(n);
	if (err) {
		pr_release(n);
		return err;
	}
	if (pin)
		mod_delayed_work(system_wq, &pr_gc_work, PR_GC_PERIOD);
	pr_info(CKPT_PFX "PID range [%d,%d) active in PID namespace %u\n",
		lo, hi, ns->ns.inum);
	return 0;

out_free:
	kvfree(n->tombs);
	n->tombs = NULL;
	pr_probes_put();
out_put:
	if (pin)
		module_put(THIS_MODULE);
	return err;
}

int ckpt_pr_activate(struct pid_namespace *ns, int lo, int hi)
{
	int err;

	mutex_lock(&pr_mutex);
	err = pr_activate_locked(ns, lo, hi, true);
	mutex_unlock(&pr_mutex);
	return err;
}

int ckpt_pr_deactivate(struct pid_namespace *ns)
{
	struct pr_ns *n;
	int err = -ENXIO;

	mutex_lock(&pr_mutex);
	n = pr_lookup(ns);
	if (n) {
		pr_info(CKPT_PFX "PID range [%d,%d) cleared in PID namespace %u\n",
			n->lo, n->hi, ns->ns.inum);
		pr_release(n);
		err = 0;
	}
	mutex_unlock(&pr_mutex);
	return err;
}

/* Namespaces whose init died and claims past their time. */
static void pr_gc(struct work_struct *w)
{
	bool again = false;
	int i;

	mutex_lock(&pr_mutex);
	for (i = 0; i < PR_MAX_NS; i++) {
		struct pr_ns *n = &pr_slots[i];

		if (!n->idr || !n->pinned)
			continue;
		if (!(READ_ONCE(n->ns->pid_allocated) & PIDNS_ADDING)) {
			pr_info(CKPT_PFX "PID range [%d,%d) released: its PID namespace %u is gone\n",
				n->lo, n->hi, n->ns->ns.inum);
			pr_release(n);
			continue;
		}
		again = true;
	}
	pr_claims_gc(NULL, false);
	if (again || pr_nr_claims)
		mod_delayed_work(system_wq, &pr_gc_work, PR_GC_PERIOD);
	mutex_unlock(&pr_mutex);
}

/*
 * Tombstone @pid in @ns.  @holder, if not NULL: the PID the caller checked
 * (its process may have gone since, but its number must not be another's
 * now: ESRCH).
 */
int ckpt_pr_tombstone(struct pid_namespace *ns, int pid, struct pid *holder,
		      bool *pending)
{
	struct pr_tomb *t = NULL;
	struct pr_ns *n;
	unsigned int i;
	int err;

	mutex_lock(&pr_mutex);
	n = pr_lookup(ns);
	err = -ENXIO;
	if (!n)
		goto out;
	err = -ERANGE;
	if (pid < n->lo || pid >= n->hi)
		goto out;
	err = -EEXIST;
	if (pr_tomb_find(n, pid))
		goto out;
	err = -ENOSPC;
	for (i = 0; i < PR_MAX_TOMBS && !t; i++)
		if (n->tombs[i].state == PR_T_FREE)
			t = &n->tombs[i];
	if (!t)
		goto out;
	idr_preload(GFP_KERNEL);
	spin_lock_irq(pr_pidmap_lock);
	if (holder) {
		struct pid *now = idr_find(&ns->idr, pid);

		if (now && now != holder) {
			spin_unlock_irq(pr_pidmap_lock);
			idr_preload_end();
			err = -ESRCH;
			goto out;
		}
	}
	t->pid = pid;
	t->state = PR_T_PENDING;
	n->nr_tombs++;
	n->nr_pending++;
	err = pr_drain(n);
	*pending = t->state == PR_T_PENDING;
	spin_unlock_irq(pr_pidmap_lock);
	idr_preload_end();
	/* On -ENOMEM the tombstone stays queued for the clamp handler. */
	err = 0;
out:
	mutex_unlock(&pr_mutex);
	return err;
}

int ckpt_pr_untombstone(struct pid_namespace *ns, int pid)
{
	struct pr_tomb *t;
	struct pr_ns *n;
	int err;

	mutex_lock(&pr_mutex);
	n = pr_lookup(ns);
	err = -ENXIO;
	if (!n)
		goto out;
	spin_lock_irq(pr_pidmap_lock);
	t = pr_tomb_find(n, pid);
	err = -ENOENT;
	if (t) {
		if (t->state == PR_T_SET && !idr_find(n->idr, pid))
			idr_remove(n->idr, pid);
		if (t->state == PR_T_PENDING)
			n->nr_pending--;
		t->state = PR_T_FREE;
		n->nr_tombs--;
		err = 0;
	}
	spin_unlock_irq(pr_pidmap_lock);
out:
	mutex_unlock(&pr_mutex);
	return err;
}

void ckpt_pr_status(struct pid_namespace *ns, struct ckpt_pr_status *st)
{
	struct pr_ns *n;
	int id;

	memset(st, 0, sizeof(*st));
	mutex_lock(&pr_mutex);
	st->nr_managed = pr_nr_active;
	st->pid_max = pr_pid_max ? READ_ONCE(*pr_pid_max) : 0;
	n = pr_lookup(ns);
	if (!n)
		goto out;
	spin_lock_irq(pr_pidmap_lock);
	st->active = true;
	st->lo = n->lo;
	st->hi = n->hi;
	st->tombs = n->nr_tombs - n->nr_pending;
	st->pending = n->nr_pending;
	st->clamped = n->clamped;
	st->drained = n->drained;
	st->claims = n->claims;
	st->failsafes = n->failsafes;
	spin_unlock_irq(pr_pidmap_lock);
	/* PIDs with a process in the range; tombstones are NULL, skipped. */
	rcu_read_lock();
	for (id = n->lo; idr_get_next(&ns->idr, &id) && id < n->hi; id++)
		st->used++;
	rcu_read_unlock();
out:
	mutex_unlock(&pr_mutex);
}

long ckpt_ioctl_pid_claim(void __user *uarg)
{
	struct ckpt_pid_claim_args a;
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct pr_claim *c = NULL;
	struct pr_tomb *t;
	struct pr_ns *n;
	unsigned int i;
	u32 usize;
	int err;

	err = ckpt_copy_args(&a, sizeof(a),
			     offsetofend(struct ckpt_pid_claim_args, reserved),
			     uarg, &usize);
	if (err)
		return err;
	if ((a.flags & ~CKPT_PID_CLAIM_FLAGS_ALL) || a.reserved0 ||
	    a.reserved[0] || a.reserved[1])
		return -EINVAL;
	if (a.flags & CKPT_PID_CLAIM_RELEASE) {
		if (a.pid)
			return -EINVAL;
		if (!pr_pidmap_lock)
			return 0;
		mutex_lock(&pr_mutex);
		spin_lock_irq(pr_pidmap_lock);
		for (i = 0; i < PR_MAX_CLAIMS; i++)
			if (pr_claims[i].task == current->group_leader)
				pr_claims[i].used = true;
		spin_unlock_irq(pr_pidmap_lock);
		mutex_unlock(&pr_mutex);
		pr_claims_gc(NULL, false);
		return 0;
	}
	if (a.pid <= 0)
		return -EINVAL;
	if (!checkpoint_restore_ns_capable(ns->user_ns))
		return -EPERM;

	mutex_lock(&pr_mutex);
	n = pr_lookup(ns);
	err = -ENXIO;
	if (!n)
		goto out;
	err = -ERANGE;
	if (a.pid < n->lo || a.pid >= n->hi)
		goto out;
	pr_claims_gc(NULL, false);
	spin_lock_irq(pr_pidmap_lock);
	t = pr_tomb_find(n, a.pid);
	err = !t ? -ENOENT : t->state == PR_T_PENDING ? -EBUSY : 0;
	for (i = 0; !err && i < PR_MAX_CLAIMS && !c; i++)
		if (!pr_claims[i].task)
			c = &pr_claims[i];
	if (!err && !c)
		err = -EBUSY;
	if (!err) {
		get_task_struct(current->group_leader);
		c->task = current->group_leader;
		c->n = n;
		c->pid = a.pid;
		c->used = false;
		c->expires = jiffies + PR_CLAIM_TTL;
		pr_nr_claims++;
	}
	spin_unlock_irq(pr_pidmap_lock);
	if (!err)
		mod_delayed_work(system_wq, &pr_gc_work, PR_GC_PERIOD);
out:
	mutex_unlock(&pr_mutex);
	return err;
}

long ckpt_ioctl_pid_tombstone(void __user *uarg)
{
	struct ckpt_pid_tombstone_args a;
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct task_struct *t;
	struct pid *holder;
	bool pending = false;
	u32 usize;
	int err;

	err = ckpt_copy_args(&a, sizeof(a),
			     offsetofend(struct ckpt_pid_tombstone_args, reserved),
			     uarg, &usize);
	if (err)
		return err;
	if (a.flags || a.pending || a.reserved[0] || a.reserved[1] ||
	    a.pid <= 0)
		return -EINVAL;
	if (!checkpoint_restore_ns_capable(ns->user_ns))
		return -EPERM;
	/* Only a process the caller could checkpoint, i.e. an emigrant. */
	t = ckpt_get_process(a.pid);
	if (!t)
		return -ESRCH;
	err = ckpt_may_checkpoint(t);
	holder = get_task_pid(t, PIDTYPE_PID);
	put_task_struct(t);
	if (!err && !holder)
		err = -ESRCH;	/* reaped since */
	/* The PID checked, not whatever holds its number by now. */
	if (!err)
		err = ckpt_pr_tombstone(ns, a.pid, holder, &pending);
	put_pid(holder);
	if (err)
		return err;
	ckpt_event(CKPT_EV_TOMBSTONE, a.pid, 0, 0);
	a.pending = pending;
	if (copy_to_user(uarg + offsetof(struct ckpt_pid_tombstone_args, pending),
			 &a.pending, sizeof(a.pending)))
		return -EFAULT;
	return 0;
}

/*
 * debugfs ckpt/pid_probe_cost: what the probes add to one PID allocation,
 * measured here and now (make bench-pidrange prints it against a fork).
 * Blocks of allocations shaped as alloc_pid()'s (preload, pidmap_lock,
 * GFP_ATOMIC, then the removal) on private idrs: through idr_alloc_u32(),
 * which is not probed (the cost without the module), through
 * idr_alloc_cyclic() on an idr the handlers do not manage (what every
 * other namespace's allocations pay), and on one they manage, through a
 * slot made for the measurement (the clamp's whole path).  The minimum
 * over blocks, in ns per allocation.  Only while a range is active (the
 * probes are in).
 */
#define PR_COST_ALLOCS	1000
#define PR_COST_BLOCKS	7

static struct dentry *pr_debugfs;

static u64 pr_cost_block(struct idr *idr, bool cyclic)
{
	u64 t0 = local_clock();
	int i, id;

	for (i = 0; i < PR_COST_ALLOCS; i++) {
		u32 uid = 1000 + i;

		idr_preload(GFP_KERNEL);
		spin_lock_irq(pr_pidmap_lock);
		if (cyclic)
			id = idr_alloc_cyclic(idr, NULL, 1000, 30000,
					      GFP_ATOMIC);
		else
			id = idr_alloc_u32(idr, NULL, &uid, 29999,
					   GFP_ATOMIC) ? -1 : uid;
		if (id >= 0)
			idr_remove(idr, id);
		spin_unlock_irq(pr_pidmap_lock);
		idr_preload_end();
	}
	return div_u64(local_clock() - t0, PR_COST_ALLOCS);
}

static int pr_cost_show(struct seq_file *m, void *unused)
{
	u64 plain_ns = U64_MAX, other_ns = U64_MAX, managed_ns = U64_MAX;
	struct idr plain, other, managed;
	struct pr_ns *n = NULL;
	int i, err = 0;

	idr_init(&plain);
	idr_init(&other);
	idr_init(&managed);
	mutex_lock(&pr_mutex);
	for (i = 0; i < PR_MAX_NS && !n; i++)
		if (!pr_slots[i].idr)
			n = &pr_slots[i];
	if (!pr_probes_on || !pr_pidmap_lock)
		err = -ENODATA;		/* no range active: nothing probed */
	else if (!n)
		err = -ENOSPC;
	if (err)
		goto out;
	/* A slot of its own: the handlers' path for @managed is real. */
	memset(n, 0, sizeof(*n));
	n->lo = 1000;
	n->hi = 30000;
	spin_lock_irq(pr_pidmap_lock);
	WRITE_ONCE(n->idr, &managed);
	spin_unlock_irq(pr_pidmap_lock);
	for (i = 0; i < PR_COST_BLOCKS; i++) {
		plain_ns = min(plain_ns, pr_cost_block(&plain, false));
		other_ns = min(other_ns, pr_cost_block(&other, true));
		managed_ns = min(managed_ns, pr_cost_block(&managed, true));
		cond_resched();
	}
	spin_lock_irq(pr_pidmap_lock);
	WRITE_ONCE(n->idr, NULL);
	spin_unlock_irq(pr_pidmap_lock);
	memset(n, 0, sizeof(*n));
out:
	mutex_unlock(&pr_mutex);
	idr_destroy(&plain);
	idr_destroy(&other);
	idr_destroy(&managed);
	if (err)
		return err;
	seq_printf(m, "unprobed_ns %llu\nprobed_other_ns %llu\nprobed_managed_ns %llu\n",
		   plain_ns, other_ns, managed_ns);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pr_cost);

static int pr_parse(const char *s, int *lo, int *hi)
{
	char buf[32], *dash;

	if (strscpy(buf, s, sizeof(buf)) < 0)
		return -EINVAL;
	dash = strchr(buf, '-');
	if (!dash)
		return -EINVAL;
	*dash = '\0';
	if (kstrtoint(buf, 10, lo) || kstrtoint(dash + 1, 10, hi))
		return -EINVAL;
	return 0;
}

int ckpt_pidrange_init(void)
{
	int lo, hi, err;

	pr_pidmap_lock = (spinlock_t *)ckpt_lookup_name("pidmap_lock");
	pr_pid_max = (int *)ckpt_lookup_name("pid_max");
	if (!pr_pidmap_lock || !pr_pid_max) {
		pr_pidmap_lock = NULL;
		pr_warn(CKPT_PFX "PID ranges unavailable: pidmap_lock or pid_max not found\n");
	}
	if (pid_range) {
		if (pr_parse(pid_range, &lo, &hi)) {
			pr_err(CKPT_PFX "pid_range=%s: expected LO-HI\n",
			       pid_range);
			return -EINVAL;
		}
		mutex_lock(&pr_mutex);
		err = pr_activate_locked(&init_pid_ns, lo, hi, false);
		mutex_unlock(&pr_mutex);
		if (err) {
			pr_err(CKPT_PFX "pid_range=%s refused: %d (need 2 <= LO < HI <= pid_max %d)\n",
			       pid_range, err, pr_pid_max ? *pr_pid_max : 0);
			return err;
		}
	}
	pr_debugfs = debugfs_create_dir("ckpt", NULL);
	debugfs_create_file("pid_probe_cost", 0400, pr_debugfs, NULL,
			    &pr_cost_fops);
	return 0;
}

void ckpt_pidrange_exit(void)
{
	int i;

	debugfs_remove_recursive(pr_debugfs);
	cancel_delayed_work_sync(&pr_gc_work);
	mutex_lock(&pr_mutex);
	for (i = 0; i < PR_MAX_NS; i++)
		if (pr_slots[i].idr)
			pr_release(&pr_slots[i]);
	pr_claims_gc(NULL, true);
	pr_probes_put();
	mutex_unlock(&pr_mutex);
}
