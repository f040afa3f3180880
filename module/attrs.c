// SPDX-License-Identifier: GPL-2.0
/*
 * Process attributes beyond the TASK record (CKPT_REC_ATTRS): memory
 * locks (mlock, mlock2(MLOCK_ONFAULT), mlockall(MCL_FUTURE)), securebits,
 * timer slack, the THP, TSC, IO-flusher and MCE-kill prctl settings, the
 * coredump filter, and the settings (termios, window size, controlling
 * terminal) of terminals the process holds open; the names of a UTS
 * namespace of the processes' own (CKPT_REC_UTS, with the first); and the
 * objects a checkpoint left out at the caller's request
 * (CKPT_REC_SKIPPED, --skip).
 *
 * Nothing here is granted: securebits the caller could not set itself,
 * locked memory over the restored RLIMIT_MEMLOCK without CAP_IPC_LOCK and
 * PR_SET_IO_FLUSHER without CAP_SYS_RESOURCE are refused (EPERM) before
 * anything changes.
 */
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/nsproxy.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fdtable.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/oom.h>
#include <linux/prctl.h>
#include <linux/securebits.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/utsname.h>
#include <linux/pid_namespace.h>
#include <asm/ptrace.h>
#include "ckpt.h"

#define CKPT_PF_IO_FLUSHER	(PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE)
#define CKPT_VM_LOCK_FLAGS	(VM_LOCKED | VM_LOCKONFAULT)

/* ---------------------------------------------------------------------- */
/* Dump                                                                    */
/* ---------------------------------------------------------------------- */

struct ckpt_ctty_arg {
	struct tty_struct *tty;
	bool ctty;
};

static int ckpt_read_ctty(struct task_struct *t, struct sighand_struct *sh,
			  void *arg)
{
	struct ckpt_ctty_arg *a = arg;

	a->ctty = t->signal->leader && t->signal->tty == a->tty;
	return 0;
}

/* A terminal @fd of the target (files.c): its settings, saved later. */
static int ckpt_read_tty(struct task_struct *t, struct sighand_struct *sh,
			 void *arg)
{
	*(struct tty_struct **)arg = tty_kref_get(t->signal->tty);
	return 0;
}

/* @t's controlling terminal (a reference), or NULL. */
static struct tty_struct *ckpt_task_tty(struct task_struct *t)
{
	struct tty_struct *tty = NULL;

	ckpt_with_sighand(t, ckpt_read_tty, &tty);
	return tty;
}

/*
 * Job control: a member of a session has the session's terminal, and a
 * leader that has it among its descriptors saves its foreground group.
 */
static void ckpt_dump_ctty(struct ckpt_dump *d, struct ckpt_rec_attrs *a)
{
	struct tty_struct *tty = ckpt_task_tty(d->task);
	struct pid *pgrp;
	u32 i;

	if (!tty)
		return;
	if (!d->task->signal->leader)
		a->flags |= CKPT_ATTR_CTTY;
	for (i = 0; i < d->nr_ttys; i++) {
		if (!(d->ttys[i].flags & CKPT_TTY_CTTY))
			continue;
		pgrp = tty_get_pgrp(tty);
		a->fg_pgrp = pgrp ? pid_nr_ns(pgrp,
					      task_active_pid_ns(current)) : 0;
		put_pid(pgrp);
		break;
	}
	tty_kref_put(tty);
}

/*
 * With the first process, when the caller entered the processes' own UTS
 * namespace (CKPT_CHECKPOINT_UTS_NS): its names, read as uname(2) does.
 */
int ckpt_dump_uts(struct ckpt_dump *d)
{
	struct ckpt_rec_uts u = {};
	struct new_utsname *n;

	if (d->member || !(d->flags & CKPT_CHECKPOINT_UTS_NS))
		return 0;
	BUILD_BUG_ON(sizeof(n->nodename) != CKPT_UTS_LEN);
	down_read(ckpt_ksyms.uts_sem);
	n = utsname();
	strscpy(u.nodename, n->nodename, sizeof(u.nodename));
	strscpy(u.domainname, n->domainname, sizeof(u.domainname));
	up_read(ckpt_ksyms.uts_sem);
	return ckpt_write_rec(&d->out, CKPT_REC_UTS, &u, sizeof(u));
}

/* @tty's termios and window size into @t (its other fields untouched). */
void ckpt_tty_save(struct tty_struct *tty, struct ckpt_rec_tty *t)
{
	down_read(&tty->termios_rwsem);
	t->iflag = tty->termios.c_iflag;
	t->oflag = tty->termios.c_oflag;
	t->cflag = tty->termios.c_cflag;
	t->lflag = tty->termios.c_lflag;
	t->line = tty->termios.c_line;
	memcpy(t->cc, tty->termios.c_cc, NCCS);
	t->ispeed = tty->termios.c_ispeed;
	t->ospeed = tty->termios.c_ospeed;
	up_read(&tty->termios_rwsem);
	mutex_lock(&tty->winsize_mutex);
	t->row = tty->winsize.ws_row;
	t->col = tty->winsize.ws_col;
	t->xpixel = tty->winsize.ws_xpixel;
	t->ypixel = tty->winsize.ws_ypixel;
	mutex_unlock(&tty->winsize_mutex);
}

/* @t's termios and window size set on @tty (not a pty master). */
void ckpt_tty_restore(struct tty_struct *tty, const struct ckpt_rec_tty *t)
{
	struct ktermios kt;
	struct winsize ws;

	memset(&kt, 0, sizeof(kt));
	kt.c_iflag = t->iflag;
	kt.c_oflag = t->oflag;
	kt.c_cflag = t->cflag;
	kt.c_lflag = t->lflag;
	memcpy(kt.c_cc, t->cc, NCCS);
	kt.c_ispeed = t->ispeed;
	kt.c_ospeed = t->ospeed;
	/* The line discipline stays the terminal's (TIOCSETD not done). */
	down_read(&tty->termios_rwsem);
	kt.c_line = tty->termios.c_line;
	up_read(&tty->termios_rwsem);
	tty_set_termios(tty, &kt);
	ws.ws_row = t->row;
	ws.ws_col = t->col;
	ws.ws_xpixel = t->xpixel;
	ws.ws_ypixel = t->ypixel;
	tty_do_resize(tty, &ws);
}

int ckpt_note_tty(struct ckpt_dump *d, struct file *f, unsigned int fd,
		  bool ctty_only)
{
	struct tty_file_private *priv = f->private_data;
	struct ckpt_ctty_arg a = {};
	struct ckpt_rec_tty *t;
	struct tty_struct *tty;

	BUILD_BUG_ON(NCCS != CKPT_TTY_NCCS);
	if (!priv || !priv->tty)
		return -EOPNOTSUPP;
	tty = priv->tty;
	a.tty = tty;
	ckpt_with_sighand(d->task, ckpt_read_ctty, &a);
	/* An earlier process's open file: only as this one's terminal. */
	if (ctty_only) {
		u32 i;

		for (i = 0; i < d->nr_ttys && a.ctty; i++)
			a.ctty = !(d->ttys[i].flags & CKPT_TTY_CTTY);
		if (!a.ctty)
			return 0;
	}
	if (!d->ttys) {
		d->ttys = kcalloc(CKPT_MAX_TTYS, sizeof(*d->ttys), GFP_KERNEL);
		if (!d->ttys)
			return -ENOMEM;
	}
	if (d->nr_ttys >= CKPT_MAX_TTYS)
		return -EOPNOTSUPP;
	t = &d->ttys[d->nr_ttys];
	memset(t, 0, sizeof(*t));
	ckpt_tty_save(tty, t);
	t->fd = fd;
	if (a.ctty) {
		t->flags |= CKPT_TTY_CTTY;
		d->members[d->member].ctty_rec = true;
	}
	d->nr_ttys++;
	return 0;
}

static int ckpt_note_skipped(struct ckpt_dump *d, u32 class, int fd,
			     u64 start, u64 end, struct file *f)
{
	struct ckpt_rec_skipped *s;
	char *p = NULL;

	if (!d->skipped) {
		d->skipped = kvcalloc(CKPT_MAX_SKIPPED, sizeof(*s), GFP_KERNEL);
		if (!d->skipped)
			return -ENOMEM;
	}
	if (d->nr_skipped >= CKPT_MAX_SKIPPED)
		return -EOPNOTSUPP;
	s = &d->skipped[d->nr_skipped];
	memset(s, 0, sizeof(*s));
	s->class = class;
	s->fd = fd;
	s->start = start;
	s->end = end;
	if (f)
		p = d_path(&f->f_path, d->scratch, PAGE_SIZE);
	strscpy(s->what, !p ? "(anonymous)" : IS_ERR(p) ? "(unknown)" : p,
		sizeof(s->what));
	d->nr_skipped++;
	d->nr_skipped_all++;
	return 0;
}

/* A descriptor of a kind not supported, left out under CKPT_SKIP_FDS. */
int ckpt_skip_fd(struct ckpt_dump *d, struct file *f, unsigned int fd)
{
	return ckpt_note_skipped(d, CKPT_SKIPPED_FD, fd, 0, 0, f);
}

/* A device mapping, left out under CKPT_SKIP_DEVMAPS. */
bool ckpt_skip_vma(struct ckpt_dump *d, struct vm_area_struct *vma)
{
	if (!(d->skip & CKPT_SKIP_DEVMAPS) ||
	    !(vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP)) ||
	    (vma->vm_ops && vma->vm_ops->name))
		return false;
	return !ckpt_note_skipped(d, CKPT_SKIPPED_VMA, -1, vma->vm_start,
				  vma->vm_end, vma->vm_file);
}

void ckpt_attrs_reset(struct ckpt_dump *d)
{
	kfree(d->ttys);
	d->ttys = NULL;
	d->nr_ttys = 0;
	kvfree(d->skipped);
	d->skipped = NULL;
	d->nr_skipped = 0;
	kvfree(d->fowns);
	d->fowns = NULL;
	d->nr_fowns = 0;
}

int ckpt_dump_attrs(struct ckpt_dump *d)
{
	struct ckpt_rec_attrs *a = ckpt_rec_payload(&d->out);
	struct task_struct *t = d->task;
	const struct cred *c;
	int err;

	memset(a, 0, sizeof(*a));
	c = get_task_cred(t);
	a->securebits = c->securebits;
	put_cred(c);
	a->timer_slack_ns = t->timer_slack_ns;
	a->default_timer_slack_ns = t->default_timer_slack_ns;
	if (test_tsk_thread_flag(t, TIF_NOTSC))
		a->flags |= CKPT_ATTR_TSC_SIGSEGV;
	if ((t->flags & CKPT_PF_IO_FLUSHER) == CKPT_PF_IO_FLUSHER)
		a->flags |= CKPT_ATTR_IO_FLUSHER;
	if (t->flags & PF_MCE_PROCESS)
		a->flags |= CKPT_ATTR_MCE_KILL;
	if (t->flags & PF_MCE_EARLY)
		a->flags |= CKPT_ATTR_MCE_EARLY;
	a->flags |= CKPT_ATTR_OOM_ADJ;
	a->oom_score_adj = READ_ONCE(t->signal->oom_score_adj);
	a->oom_score_adj_min = READ_ONCE(t->signal->oom_score_adj_min);
	if (d->mm) {
		if (d->mm->def_flags & VM_LOCKED)
			a->flags |= CKPT_ATTR_MCL_FUTURE;
		if (d->mm->def_flags & VM_LOCKONFAULT)
			a->flags |= CKPT_ATTR_MCL_ONFAULT;
		if (test_bit(MMF_DISABLE_THP, &d->mm->flags))
			a->flags |= CKPT_ATTR_THP_DISABLE;
		a->coredump_filter = (d->mm->flags & MMF_DUMP_FILTER_MASK) >>
				     MMF_DUMP_FILTER_SHIFT;
	}
	ckpt_dump_ctty(d, a);
	a->nr_ttys = d->nr_ttys;
	if (d->nr_ttys)
		memcpy(a + 1, d->ttys, d->nr_ttys * sizeof(*d->ttys));
	err = ckpt_write_payload(&d->out, CKPT_REC_ATTRS, sizeof(*a) +
				 d->nr_ttys * sizeof(*d->ttys));
	if (err || !d->nr_skipped)
		return err;
	return ckpt_write_rec(&d->out, CKPT_REC_SKIPPED, d->skipped,
			      d->nr_skipped * sizeof(*d->skipped));
}

/*
 * The main thread's cgroup v2 path, as the checkpointer's cgroup namespace
 * sees it (/proc/PID/cgroup's "0::" line).  Only reported at restore.
 */
int ckpt_dump_cgroup(struct ckpt_dump *d)
{
	struct ckpt_rec_cgroup c = {};
	struct cgroup *cgrp;
	int len;

	rcu_read_lock();
	cgrp = task_dfl_cgroup(d->task);
	cgroup_get(cgrp);
	rcu_read_unlock();
	len = cgroup_path_ns(cgrp, d->scratch, PAGE_SIZE,
			     current->nsproxy->cgroup_ns);
	cgroup_put(cgrp);
	if (len < 0)
		return ckpt_fail(&d->err, CKPT_OBJ_TASK, len);
	if (len >= PAGE_SIZE)
		return ckpt_fail(&d->err, CKPT_OBJ_TASK, -ENAMETOOLONG);
	c.path_len = len + 1;
	return ckpt_write_rec2(&d->out, CKPT_REC_CGROUP, &c, sizeof(c),
			       d->scratch, c.path_len);
}

/* ---------------------------------------------------------------------- */
/* Prepare: take and check                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_take_attrs(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_attrs *a = p;
	size_t size;

	if (len < sizeof(*a) || a->nr_ttys > CKPT_MAX_TTYS)
		return -EBADMSG;
	size = a->nr_ttys * sizeof(*r->ttys);
	if (len != sizeof(*a) + size)
		return -EBADMSG;
	r->attrs = *a;
	r->have_attrs = true;
	if (!size)
		return 0;
	r->ttys = kmemdup(a + 1, size, GFP_KERNEL_ACCOUNT);
	return r->ttys ? 0 : -ENOMEM;
}

int ckpt_take_skipped(struct ckpt_restore *r, const void *p, u32 len)
{
	if (!len || len % sizeof(*r->skipped) ||
	    len / sizeof(*r->skipped) > CKPT_MAX_SKIPPED)
		return -EBADMSG;
	r->skipped = ckpt_dup(p, len);
	if (!r->skipped)
		return -ENOMEM;
	r->nr_skipped = len / sizeof(*r->skipped);
	return 0;
}

void ckpt_free_attrs(struct ckpt_restore *r)
{
	kfree(r->ttys);
	kvfree(r->skipped);
}

/*
 * May the caller give the restored process these securebits?  As
 * PR_SET_SECUREBITS: a locked bit stays as it is, a lock stays set, and
 * any change but SECBIT_KEEP_CAPS (PR_SET_KEEPCAPS) needs CAP_SETPCAP.
 */
static int ckpt_check_securebits(u32 want)
{
	u32 have = current_cred()->securebits;
	u32 diff = have ^ want;

	if (want & ~(SECURE_ALL_LOCKS | SECURE_ALL_BITS))
		return -EBADMSG;
	if (!diff)
		return 0;
	if ((((have & SECURE_ALL_LOCKS) >> 1) & diff) ||
	    (have & SECURE_ALL_LOCKS & ~want))
		return -EPERM;
	if ((diff & ~issecure_mask(SECURE_KEEP_CAPS)) &&
	    !ns_capable(current_user_ns(), CAP_SETPCAP))
		return -EPERM;
	return 0;
}

/* Bytes of memory the image locks. */
static u64 ckpt_locked_bytes(const struct ckpt_restore *r)
{
	u64 n = 0;
	u32 i;

	for (i = 0; i < r->nr_vmas; i++) {
		const struct ckpt_rec_vma *v = &r->vmas[i].rec;

		if ((v->vm_flags & VM_LOCKED) && v->kind != CKPT_VMA_VDSO &&
		    v->kind != CKPT_VMA_VVAR)
			n += v->end - v->start;
	}
	return n;
}

/*
 * As mlock(2) would let the restored process: within its RLIMIT_MEMLOCK,
 * or with CAP_IPC_LOCK in its credentials.  Past that the caller's own
 * CAP_IPC_LOCK lets it lock beyond the limit; else EPERM.
 */
static int ckpt_check_mlock(struct ckpt_restore *r)
{
	u64 locked = ckpt_locked_bytes(r);
	u64 limit = r->have_rlimits ? r->rlimits[RLIMIT_MEMLOCK].cur :
				       rlimit(RLIMIT_MEMLOCK);
	bool future = r->attrs.flags & CKPT_ATTR_MCL_FUTURE;

	r->mlock_bytes = locked;
	if (!locked && !future)
		return 0;
	if (r->task.cap_effective & BIT_ULL(CAP_IPC_LOCK))
		return 0;
	if (limit != RLIM_INFINITY)
		limit &= PAGE_MASK;
	if (locked <= limit && limit)
		return 0;
	if (!capable(CAP_IPC_LOCK)) {
		u32 i;

		for (i = 0; i < r->nr_vmas; i++)
			if (r->vmas[i].rec.vm_flags & VM_LOCKED) {
				r->err.addr = r->vmas[i].rec.start;
				break;
			}
		return ckpt_fail(&r->err, CKPT_OBJ_VMA, -EPERM);
	}
	r->mlock_override = true;
	return 0;
}

static int ckpt_check_vma_locks(const struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_vmas; i++) {
		const struct ckpt_rec_vma *v = &r->vmas[i].rec;

		if ((v->vm_flags & VM_LOCKONFAULT) &&
		    !(v->vm_flags & VM_LOCKED))
			return ckpt_bad_rec((struct ckpt_restore *)r,
					    CKPT_REC_VMA, r->vmas[i].offset,
					    -EBADMSG);
	}
	return 0;
}

static int ckpt_check_ttys(struct ckpt_restore *r)
{
	bool ctty = false;
	u32 i;
	int k;

	for (i = 0; i < r->attrs.nr_ttys; i++) {
		const struct ckpt_rec_tty *t = &r->ttys[i];

		if ((i && t->fd <= t[-1].fd) || t->flags & ~CKPT_TTY_CTTY ||
		    t->reserved)
			return -EBADMSG;
		k = ckpt_file_index(r, r->nr_files, t->fd);
		if (k < 0 || (r->files[k].rec.kind != CKPT_FILE_CHR &&
			      r->files[k].rec.kind != CKPT_FILE_PTY) ||
		    !ckpt_is_tty_rdev(new_decode_dev(r->files[k].rec.rdev)) ||
		    r->files[k].rec.fd_flags & CKPT_FD_SHARED ||
		    ((r->files[k].rec.fd_flags & CKPT_FD_TREE) &&
		     !(t->flags & CKPT_TTY_CTTY)))
			return -EBADMSG;
		ctty |= t->flags & CKPT_TTY_CTTY;
	}
	/* A foreground group is saved with the terminal it is of. */
	return r->attrs.fg_pgrp && !ctty ? -EBADMSG : 0;
}

static int ckpt_check_skipped(const struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_skipped; i++) {
		const struct ckpt_rec_skipped *s = &r->skipped[i];

		if (strnlen(s->what, sizeof(s->what)) == sizeof(s->what))
			return -EBADMSG;
		switch (s->class) {
		case CKPT_SKIPPED_FD:
			if (s->fd < 0 || s->start || s->end ||
			    ckpt_file_index(r, r->nr_files, s->fd) >= 0)
				return -EBADMSG;
			break;
		case CKPT_SKIPPED_VMA:
			if (s->fd != -1 || s->start >= s->end ||
			    !PAGE_ALIGNED(s->start) || !PAGE_ALIGNED(s->end) ||
			    s->end > TASK_SIZE_MAX)
				return -EBADMSG;
			break;
		default:
			return -EBADMSG;
		}
	}
	return 0;
}

int ckpt_check_attrs(struct ckpt_restore *r)
{
	const struct ckpt_rec_attrs *a = &r->attrs;
	int err;

	err = ckpt_check_vma_locks(r);
	if (err)
		return err;
	if (ckpt_check_skipped(r))
		return ckpt_bad(r, CKPT_REC_SKIPPED, -EBADMSG);
	if (!r->have_attrs)
		return 0;
	if (a->flags & ~CKPT_ATTR_FLAGS_ALL || a->fg_pgrp < 0 || a->reserved ||
	    (a->flags & CKPT_ATTR_OOM_ADJ ?
	     a->oom_score_adj < OOM_SCORE_ADJ_MIN ||
	     a->oom_score_adj > OOM_SCORE_ADJ_MAX ||
	     a->oom_score_adj_min < OOM_SCORE_ADJ_MIN ||
	     a->oom_score_adj_min > a->oom_score_adj :
	     a->oom_score_adj || a->oom_score_adj_min) ||
	    ((a->flags & CKPT_ATTR_MCL_ONFAULT) &&
	     !(a->flags & CKPT_ATTR_MCL_FUTURE)) ||
	    ((a->flags & CKPT_ATTR_MCE_EARLY) &&
	     !(a->flags & CKPT_ATTR_MCE_KILL)) ||
	    a->coredump_filter >= BIT(MMF_DUMP_FILTER_BITS))
		return ckpt_bad(r, CKPT_REC_ATTRS, -EBADMSG);
	if (ckpt_check_ttys(r))
		return ckpt_bad(r, CKPT_REC_ATTRS, -EBADMSG);
	err = ckpt_check_securebits(a->securebits);
	if (!err && (a->flags & CKPT_ATTR_IO_FLUSHER) &&
	    !capable(CAP_SYS_RESOURCE)) {
		r->err.addr = CKPT_ATTR_IO_FLUSHER;
		err = -EPERM;
	}
	/* As a write to /proc/PID/oom_score_adj (__set_oom_adj()). */
	if (!err && (a->flags & CKPT_ATTR_OOM_ADJ) &&
	    a->oom_score_adj < current->signal->oom_score_adj_min &&
	    !capable(CAP_SYS_RESOURCE)) {
		r->err.addr = CKPT_ATTR_OOM_ADJ;
		err = -EPERM;
	}
	/* The minimum goes with the right to lower it, the restorer's. */
	r->oom_min_ok = capable(CAP_SYS_RESOURCE);
	if (err == -EPERM)
		ckpt_fail(&r->err, CKPT_OBJ_CREDS, err);
	if (!err)
		err = ckpt_check_mlock(r);	/* EPERM: CKPT_OBJ_VMA */
	return ckpt_bad(r, CKPT_REC_ATTRS, err);
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

/* In ckpt_restore_creds(), for the main thread and every other one. */
void ckpt_restore_securebits(const struct ckpt_restore *r, struct cred *new)
{
	if (r->have_attrs)
		new->securebits = r->attrs.securebits;
}

/*
 * Lock the image's locked mappings again, their pages in place, and set
 * mlockall(MCL_FUTURE), as the restored process (its RLIMIT_MEMLOCK and
 * credentials); with the caller's CAP_IPC_LOCK (checked at prepare) the
 * limit is lifted meanwhile.
 */
static int ckpt_restore_mlock(struct ckpt_restore *r)
{
	struct rlimit *rl = &current->signal->rlim[RLIMIT_MEMLOCK];
	unsigned long saved = rl->rlim_cur;
	int err = 0;
	u32 i;

	if (!r->mlock_bytes && !(r->attrs.flags & CKPT_ATTR_MCL_FUTURE))
		return 0;
	if (r->mlock_override) {
		task_lock(current->group_leader);
		rl->rlim_cur = RLIM_INFINITY;
		task_unlock(current->group_leader);
	}
	for (i = 0; !err && i < r->nr_vmas; i++) {
		const struct ckpt_rec_vma *v = &r->vmas[i].rec;

		if (!(v->vm_flags & VM_LOCKED) || v->kind == CKPT_VMA_VDSO ||
		    v->kind == CKPT_VMA_VVAR)
			continue;
		err = ckpt_syscall(ckpt_ksyms.sys_mlock2, v->start,
				   v->end - v->start,
				   (v->vm_flags & VM_LOCKONFAULT) ?
				   MLOCK_ONFAULT : 0, 0);
		if (err) {
			r->err.addr = v->start;
			ckpt_fail(&r->err, CKPT_OBJ_VMA, err);
		}
	}
	if (!err && (r->attrs.flags & CKPT_ATTR_MCL_FUTURE))
		err = ckpt_syscall(ckpt_ksyms.sys_mlockall, MCL_FUTURE |
				   ((r->attrs.flags & CKPT_ATTR_MCL_ONFAULT) ?
				    MCL_ONFAULT : 0), 0, 0, 0);
	if (r->mlock_override) {
		task_lock(current->group_leader);
		rl->rlim_cur = saved;
		task_unlock(current->group_leader);
	}
	return err;
}


/*
 * PR_SET_THP_DISABLE, as the image says: set before the pages are filled
 * too (ckpt_restore_mm()), so that none is filled into a huge page the
 * original could not have had.
 */
void ckpt_restore_thp_disable(const struct ckpt_restore *r)
{
	struct mm_struct *mm = current->mm;

	if (!r->have_attrs)
		return;
	mmap_write_lock(mm);
	if (r->attrs.flags & CKPT_ATTR_THP_DISABLE)
		set_bit(MMF_DISABLE_THP, &mm->flags);
	else
		clear_bit(MMF_DISABLE_THP, &mm->flags);
	mmap_write_unlock(mm);
}

/*
 * A terminal's termios and window size, and, for a session leader that
 * had it as its controlling terminal, that relation (as TIOCSCTTY; not
 * taken from another session).
 */
static int ckpt_restore_tty(struct ckpt_restore *r, const struct ckpt_rec_tty *t)
{
	struct tty_file_private *priv;
	struct file *f;
	int err = 0;

	f = fget(t->fd);
	if (!f)
		return -EBADF;
	priv = f->private_data;
	if (!S_ISCHR(file_inode(f)->i_mode) ||
	    !ckpt_is_tty_rdev(file_inode(f)->i_rdev) || !priv || !priv->tty) {
		fput(f);
		return -ENOTTY;
	}
	ckpt_tty_restore(priv->tty, t);
	if ((t->flags & CKPT_TTY_CTTY) && current->signal->leader &&
	    f->f_op->unlocked_ioctl)
		err = f->f_op->unlocked_ioctl(f, TIOCSCTTY, 0);
	fput(f);
	/* Another session holds it meanwhile: no controlling terminal. */
	if (err == -EPERM)
		err = 0;
	return err;
}

/*
 * @t's controlling terminal becomes *@arg (a new reference); the old one
 * is left in *@arg.
 */
static int ckpt_set_tty(struct task_struct *t, struct sighand_struct *sh,
			void *arg)
{
	struct tty_struct **tty = arg, *old = t->signal->tty;

	t->signal->tty = tty_kref_get(*tty);
	put_pid(t->signal->tty_old_pgrp);
	t->signal->tty_old_pgrp = NULL;
	*tty = old;
	return 0;
}

/*
 * In a tree, a member of a session whose leader restored its controlling
 * terminal (as TIOCSCTTY, above) has it again, as a fork after that would
 * have given it; the member leading the saved foreground group makes it
 * the foreground again (as TIOCSPGRP: a group of the terminal's session).
 */
static void ckpt_restore_ctty(struct ckpt_restore *r)
{
	const struct ckpt_restore *lr;
	struct task_struct *leader;
	struct tty_struct *tty, *old;
	bool ctty, fg, ours;


	if (!r->tree || r->task.sid == r->task.pid)
		return;
	lr = ckpt_tree_member_rst(r, r->task.sid);
	if (!lr || !lr->have_attrs)
		return;
	ctty = r->attrs.flags & CKPT_ATTR_CTTY;
	fg = lr->attrs.fg_pgrp && lr->attrs.fg_pgrp == r->task.pgid;
	if (!ctty && !fg)
		return;
	rcu_read_lock();
	leader = pid_task(task_session(current), PIDTYPE_PID);
	if (leader)
		get_task_struct(leader);
	rcu_read_unlock();
	if (!leader)
		return;
	tty = ckpt_task_tty(leader);
	put_task_struct(leader);
	if (!tty)
		return;		/* another session holds it meanwhile */
	/*
	 * The terminal's lock, as TIOCSCTTY's: a hangup or a session giving
	 * it up (disassociate_ctty()) clears its session and its members'
	 * terminal under it, so none is missed between check and set.
	 */
	tty_lock(tty);
	spin_lock_irq(&tty->ctrl.lock);
	ours = tty->ctrl.session == task_session(current);
	if (ours && fg) {
		put_pid(tty->ctrl.pgrp);
		rcu_read_lock();
		tty->ctrl.pgrp = get_pid(task_pgrp(current));
		rcu_read_unlock();
	}
	spin_unlock_irq(&tty->ctrl.lock);
	if (ours && ctty) {
		old = tty;
		if (ckpt_with_sighand(current, ckpt_set_tty, &old))
			old = NULL;
		tty_kref_put(old);
	}
	tty_unlock(tty);
	tty_kref_put(tty);
}

int ckpt_restore_attrs(struct ckpt_restore *r)
{
	const struct ckpt_rec_attrs *a = &r->attrs;
	struct task_struct *me = current;
	struct mm_struct *mm = me->mm;
	int err;

	if (!r->have_attrs)
		return 0;
	me->timer_slack_ns = a->timer_slack_ns;
	me->default_timer_slack_ns = a->default_timer_slack_ns;
	me->flags &= ~(CKPT_PF_IO_FLUSHER | PF_MCE_PROCESS | PF_MCE_EARLY);
	if (a->flags & CKPT_ATTR_IO_FLUSHER)
		me->flags |= CKPT_PF_IO_FLUSHER;
	if (a->flags & CKPT_ATTR_MCE_KILL)
		me->flags |= PF_MCE_PROCESS;
	if (a->flags & CKPT_ATTR_MCE_EARLY)
		me->flags |= PF_MCE_EARLY;
	if (a->flags & CKPT_ATTR_OOM_ADJ) {
		/* Checked at prepare; the restored mm is its own. */
		WRITE_ONCE(me->signal->oom_score_adj, a->oom_score_adj);
		if (r->oom_min_ok)
			WRITE_ONCE(me->signal->oom_score_adj_min,
				   a->oom_score_adj_min);
	}
	err = ckpt_syscall(ckpt_ksyms.sys_prctl, PR_SET_TSC,
			   (a->flags & CKPT_ATTR_TSC_SIGSEGV) ?
			   PR_TSC_SIGSEGV : PR_TSC_ENABLE, 0, 0);
	if (err)
		return err;
	ckpt_restore_thp_disable(r);
	set_mask_bits(&mm->flags, MMF_DUMP_FILTER_MASK,
		      (unsigned long)a->coredump_filter << MMF_DUMP_FILTER_SHIFT);
	return ckpt_restore_mlock(r);
}

/*
 * The session, the terminals' settings and the controlling terminal, as
 * soon as the descriptors are in (files.c), before the /dev/tty opens
 * that need that terminal (ckpt_devtty_file()).
 */
int ckpt_restore_terminal(struct ckpt_restore *r)
{
	struct task_struct *me = current;
	u32 i;
	int err;

	if (!r->have_attrs)
		return 0;
	/*
	 * A session leader leads a session again, a process group leader a
	 * group in restart's session (restart made it in its own; a tree's
	 * leaders already are).  Neither can fail here: the restored PID is
	 * new to every group and session.
	 */
	if (r->task.sid == r->task.pid && !me->signal->leader)
		ckpt_syscall(ckpt_ksyms.sys_setsid, 0, 0, 0, 0);
	else if (r->task.pgid == r->task.pid &&
		 task_pgrp_vnr(me) != task_tgid_vnr(me))
		ckpt_syscall(ckpt_ksyms.sys_setpgid, 0, 0, 0, 0);
	for (i = 0; i < r->attrs.nr_ttys; i++) {
		err = ckpt_restore_tty(r, &r->ttys[i]);
		if (err) {
			r->err.fd = r->ttys[i].fd;
			return ckpt_fail(&r->err, CKPT_OBJ_FD, err);
		}
	}
	ckpt_restore_ctty(r);
	return 0;
}
