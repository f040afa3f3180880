// SPDX-License-Identifier: GPL-2.0
/*
 * The page data of a file image, filled on several CPUs.
 *
 * A PAGES record's data can be read by its position in a seekable image,
 * so a restore need not copy the records one after the other: the
 * restoring task reads the records' heads, a batch at a time, and steps
 * over their data; then the task and up to fill_threads - 1 workers take
 * the batch's records one by one, each filling the record's pages in the
 * new address space with ckpt_fill_record() (fresh.c), as the
 * one-at-a-time path does.  The task waits until
 * every worker has returned before it goes on, so what they use (the
 * batch, the file, the address space) outlives them.
 *
 * Workers are used only where that wait is short and the task's limits
 * hold: for an image in shared memory (tmpfs, a memfd: a read never
 * waits on a device, a network or a FUSE daemon, any of which could
 * hold a worker, and the task with it, where no signal reaches them),
 * for private anonymous memory only (a private file mapping's page is
 * first read from its file: mem.c fills those in image order), for a
 * task whose memory policy and cpuset's memory nodes restrict nothing
 * (a worker allocates with its own), and each queued to a CPU the task
 * may run on (its affinity and cpuset) on a workqueue of the module's
 * own (ckpt_fill; a CPU that goes offline meanwhile has its work run
 * elsewhere, as workqueues do), and only for a task in the root of the
 * CPU controller: a worker's CPU time is not charged to the task's
 * cgroup, so it must have no CPU limit or weight to escape
 * (ckpt_cpu_uncontrolled()).  Other images are filled by the task.
 *
 * Filling a batch this way leaves the process as filling its records in
 * image order would: a batch holds only records of private memory (shared
 * anonymous memory is written through its file, in turn) at rising
 * addresses, so no two of them overlap (a record below the end of the
 * batch so far starts a new batch); the error reported is that of the
 * first failing record in image order.  The workers read the image with
 * the task's credentials and charge what they bring into memory to the
 * task's memory cgroup, as the task would.
 *
 * A batch smaller than fill_min_kb is filled by the task alone (waking
 * another CPU costs more than it saves), as is every batch with
 * fill_threads=1.
 */
#include <linux/atomic.h>
#include <linux/bvec.h>
#include <linux/cgroup.h>
#include <linux/cpumask.h>
#include <linux/cpuset.h>
#include <linux/cred.h>
#include <linux/ktime.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mempolicy.h>
#include <linux/moduleparam.h>
#include <linux/nodemask.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include "ckpt.h"

#define CKPT_FILL_BATCH		64	/* records (up to 64 MiB) a batch */
#define CKPT_FILL_THREADS	8	/* CPUs, the task's included */

static unsigned int fill_threads;
module_param(fill_threads, uint, 0644);
MODULE_PARM_DESC(fill_threads,
		 "CPUs filling a file image's pages in a restore (0: all online, up to 8; 1: the restoring task alone)");

static unsigned int fill_min_kb = 4096;
module_param(fill_min_kb, uint, 0644);
MODULE_PARM_DESC(fill_min_kb,
		 "smallest batch of page data (KiB) filled on several CPUs");

static struct workqueue_struct *ckpt_fill_wq;

struct ckpt_filler {
	struct work_struct work;
	struct ckpt_fill *f;
	struct ckpt_pagebuf *buf;
	unsigned int cpu;		/* where it runs, this batch */
};

struct ckpt_fill {
	struct file *file;
	struct mm_struct *mm;		/* the restoring task's */
	struct task_struct *task;
	const struct ckpt_tree *tree;	/* the task's, or NULL */
	const struct cred *cred;	/* while workers run */
	struct mem_cgroup *memcg;	/* while workers run */
	u32 nr;				/* records in the batch */
	u64 end;			/* where the last one ends */
	u64 nr_pages;
	atomic_t next;			/* the next record to take */
	bool failed;
	spinlock_t lock;		/* protects err, err_idx */
	int err;
	u32 err_idx;			/* of the first failing record */
	struct ckpt_filler fillers[CKPT_FILL_THREADS];	/* [0]: the task's */
	struct ckpt_pages_at recs[CKPT_FILL_BATCH];
};

static int ckpt_filler_alloc(struct ckpt_filler *w)
{
	w->buf = ckpt_pagebuf_new();
	return w->buf ? 0 : -ENOMEM;
}

/* NULL: the image is read one record at a time. */
struct ckpt_fill *ckpt_fill_new(struct ckpt_restore *r)
{
	struct ckpt_fill *f;

	if (r->in.stream || !r->in.file->f_op->read_iter)
		return NULL;
	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return NULL;
	if (ckpt_filler_alloc(&f->fillers[0])) {
		kfree(f);
		return NULL;
	}
	f->file = r->in.file;
	f->mm = current->mm;
	f->task = current;
	f->tree = r->tree;
	spin_lock_init(&f->lock);
	return f;
}

void ckpt_fill_free(struct ckpt_fill *f)
{
	unsigned int i;

	if (!f)
		return;
	for (i = 0; i < CKPT_FILL_THREADS; i++)
		ckpt_pagebuf_free(f->fillers[i].buf);
	kfree(f);
}

bool ckpt_fill_pending(const struct ckpt_fill *f)
{
	return f && f->nr;
}

/* May the PAGES record @rp join the batch (or must the batch go first)? */
bool ckpt_fill_fits(const struct ckpt_fill *f, const struct ckpt_rec_pages *rp)
{
	return f->nr < CKPT_FILL_BATCH && rp->addr >= f->end;
}

/* Add the PAGES record whose head was just read, its data unread. */
int ckpt_fill_add(struct ckpt_fill *f, struct ckpt_in *in,
		  const struct ckpt_rec_pages *rp)
{
	int err;

	if (WARN_ON_ONCE(!ckpt_fill_fits(f, rp)))
		return -EINVAL;
	err = ckpt_skip_pages_data(in, rp, &f->recs[f->nr]);
	if (err)
		return err;
	f->nr++;
	f->end = rp->addr + (u64)rp->nr_pages * PAGE_SIZE;
	f->nr_pages += rp->nr_pages;
	in->nr_pages += rp->nr_pages;	/* as END counts them: read or not */
	return 0;
}

struct ckpt_fill_read {
	struct file *file;
	const struct ckpt_pages_at *at;
};

static int ckpt_fill_read(void *arg, struct page **pages, struct bio_vec *bv)
{
	const struct ckpt_fill_read *fr = arg;

	return ckpt_pread_pages(fr->file, fr->at, pages, bv);
}

static int ckpt_fill_one(struct ckpt_fill *f, const struct ckpt_pages_at *at,
			 struct ckpt_pagebuf *b)
{
	struct ckpt_fill_read fr = { .file = f->file, .at = at };

	return ckpt_fill_record(f->mm, &at->rp, b, ckpt_fill_read, &fr);
}

/* Take the batch's records one by one until none is left or one failed. */
static void ckpt_fill_some(struct ckpt_fill *f, struct ckpt_pagebuf *b)
{
	for (;;) {
		unsigned int i;
		int err;

		/* Nothing new once one failed; what is taken is filled. */
		if (READ_ONCE(f->failed))
			return;
		i = atomic_inc_return(&f->next) - 1;
		if (i >= f->nr)
			return;
		if (fatal_signal_pending(f->task))
			err = -EINTR;
		else if (f->tree && ckpt_tree_failed(f->tree))
			err = -ECANCELED;	/* the tree dies anyway */
		else
			err = ckpt_fill_one(f, &f->recs[i], b);
		if (err) {
			/*
			 * Records are taken in order and filled once taken:
			 * all before @i were, the first failure is kept.
			 */
			spin_lock(&f->lock);
			if (i < f->err_idx) {
				f->err_idx = i;
				f->err = err;
			}
			WRITE_ONCE(f->failed, true);
			spin_unlock(&f->lock);
		}
		cond_resched();
	}
}

static void ckpt_fill_work(struct work_struct *work)
{
	struct ckpt_filler *w = container_of(work, struct ckpt_filler, work);
	struct ckpt_fill *f = w->f;
	const struct cred *old_cred = override_creds(f->cred);
	struct mem_cgroup *old_memcg = set_active_memcg(f->memcg);

	ckpt_fill_some(f, w->buf);
	set_active_memcg(old_memcg);
	revert_creds(old_cred);
}

/*
 * The current task's next online CPU after @cpu, round to its first;
 * nr_cpu_ids if it has none.
 */
static unsigned int ckpt_next_cpu(unsigned int cpu)
{
	cpu = cpumask_next_and(cpu, current->cpus_ptr, cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first_and(current->cpus_ptr, cpu_online_mask);
	return cpu;
}

/*
 * May work done for the current task run on a worker?  A worker's CPU time
 * is charged to the root of the CPU controller, not to the task's cgroup:
 * only if that is where the task is (no cpu.max or cpu.weight of its
 * own to escape).  Under cgroup v2 a task's CPU cgroup is the nearest
 * of its cgroup and their ancestors for which the controller is enabled:
 * the root when no cgroup on the way has it (systemd enables it for a
 * unit only when asked to; container runtimes do for every container).
 */
static bool ckpt_cpu_uncontrolled(void)
{
#ifdef CONFIG_CGROUP_SCHED
	bool root;

	rcu_read_lock();
	root = !task_css(current, cpu_cgrp_id)->parent;
	rcu_read_unlock();
	return root;
#else
	return true;
#endif
}

/*
 * Would a worker place the task's pages where the task would?  A worker
 * allocates with its own memory policy (the default: the node of its
 * CPU, one the task may use too) and its cpuset's nodes (all of them),
 * so only if the task's restrict nothing more.  A mapping's own policy
 * (mbind(2)) applies to both.
 */
static bool ckpt_mem_unbound(void)
{
#ifdef CONFIG_NUMA
	if (current->mempolicy)
		return false;
#endif
	return nodes_subset(node_states[N_MEMORY], cpuset_current_mems_allowed);
}

/*
 * How many CPUs fill the batch, the task's included: workers made ready,
 * each with a CPU the task may use other than the one it is on.
 */
static unsigned int ckpt_fill_cpus(struct ckpt_fill *f)
{
	unsigned int n = READ_ONCE(fill_threads), i, cpu, self;

	if (f->nr_pages * PAGE_SIZE < (u64)READ_ONCE(fill_min_kb) * SZ_1K ||
	    !shmem_file(f->file) || !ckpt_mem_unbound() ||
	    !ckpt_cpu_uncontrolled())
		return 1;
	if (!n)
		n = num_online_cpus();
	n = min3(n, (unsigned int)CKPT_FILL_THREADS, f->nr);
	self = raw_smp_processor_id();
	cpu = self;
	for (i = 1; i < n; i++) {
		struct ckpt_filler *w = &f->fillers[i];

		/* The task's CPUs after its own, round to it. */
		cpu = ckpt_next_cpu(cpu);
		if (cpu >= nr_cpu_ids || cpu == self)
			break;		/* no other CPU for us */
		w->cpu = cpu;
		if (w->buf)
			continue;
		if (ckpt_filler_alloc(w))
			break;		/* fewer CPUs, that is all */
		w->f = f;
		INIT_WORK(&w->work, ckpt_fill_work);
	}
	return max(i, 1U);
}

/*
 * Fill the batch and empty it.  On failure (but for -EINTR, the task
 * killed, and -ECANCELED, its tree failed), @r's error names the first
 * record that failed; the pages are the process's, which the caller
 * kills.  The wait for the workers is not killable: they read shared
 * memory only and stop at a fatal signal to the task, between records.
 */
int ckpt_fill_flush(struct ckpt_fill *f, struct ckpt_restore *r)
{
	ktime_t t0 = ktime_get();
	unsigned int n, i;
	int err;

	if (!f || !f->nr)
		return 0;
	n = ckpt_fill_cpus(f);
	atomic_set(&f->next, 0);
	f->failed = false;
	f->err = 0;
	f->err_idx = f->nr;
	if (n > 1) {
		f->cred = get_current_cred();
		f->memcg = get_mem_cgroup_from_mm(f->mm);
		for (i = 1; i < n; i++)
			queue_work_on(f->fillers[i].cpu, ckpt_fill_wq,
				      &f->fillers[i].work);
	}
	ckpt_fill_some(f, f->fillers[0].buf);
	if (n > 1) {
		for (i = 1; i < n; i++)
			flush_work(&f->fillers[i].work);
		mem_cgroup_put(f->memcg);
		put_cred(f->cred);
		f->memcg = NULL;
		f->cred = NULL;
	}
	err = f->err;
	/* Killed, or the tree failed: not the image's fault. */
	if (err && err != -EINTR && err != -ECANCELED) {
		r->err.type = CKPT_REC_PAGES;
		r->err.offset = f->recs[f->err_idx].offset;
	}
	if (ckpt_timing_on()) {
		u64 fresh = 0;

		for (i = 0; i < n; i++) {
			fresh += f->fillers[i].buf->nr_fresh;
			f->fillers[i].buf->nr_fresh = 0;
		}
		pr_info("restore pid %d: %u PAGES records, %llu KiB (%llu KiB mapped fresh), %u CPUs, %lld us\n",
			task_pid_nr(current), f->nr, f->nr_pages * PAGE_SIZE >> 10,
			fresh * PAGE_SIZE >> 10, n,
			ktime_us_delta(ktime_get(), t0));
	}
	f->nr = 0;
	f->end = 0;
	f->nr_pages = 0;
	return err;
}

/*
 * The last batch of a process of a tree, left by ckpt_restore_pages() for
 * after its turn: fill it, then take the restore's last steps, which
 * ckpt_restore_self() left for after the fill (ckpt_restore_finish()).
 */
int ckpt_fill_later(struct ckpt_restore *r)
{
	struct ckpt_fill *f = r->fill_later;
	int err;

	if (!f)
		return 0;
	err = ckpt_fill_flush(f, r);
	r->fill_later = NULL;
	ckpt_fill_free(f);
	if (err)
		return ckpt_fail(&r->err, err == -EINTR || err == -ECANCELED ?
				 CKPT_OBJ_TASK : CKPT_OBJ_IMAGE, err);
	return ckpt_fail(&r->err, CKPT_OBJ_TASK, ckpt_restore_finish(r));
}

/*
 * Another CPU the current task may run on, or -1: for work done on its
 * behalf beside it (image.c hashes page data there); -1 too for a task
 * whose CPU cgroup the worker would escape.
 */
int ckpt_other_cpu(void)
{
	unsigned int self = raw_smp_processor_id(),
		     cpu = ckpt_next_cpu(self);

	if (!ckpt_cpu_uncontrolled())
		return -1;
	return cpu < nr_cpu_ids && cpu != self ? cpu : -1;
}

/* Queue @work on @cpu, on the module's own CPU-intensive workqueue. */
void ckpt_work_on(int cpu, struct work_struct *work)
{
	queue_work_on(cpu, ckpt_fill_wq, work);
}

/* A CPU-intensive per-CPU workqueue: each worker on a CPU the task may use. */
int ckpt_fill_init(void)
{
	ckpt_fill_wq = alloc_workqueue("ckpt_fill", WQ_CPU_INTENSIVE, 0);
	return ckpt_fill_wq ? 0 : -ENOMEM;
}

void ckpt_fill_exit(void)
{
	destroy_workqueue(ckpt_fill_wq);
	ckpt_fill_wq = NULL;
}
