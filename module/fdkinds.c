// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptors of the kernel's own file kinds: eventfd, timerfd, signalfd
 * and epoll; inotify's watches are inotify.c's.
 *
 * Dump: files.c writes a path-less FILE record for such a descriptor and
 * calls ckpt_note_fdkind(), which reads the state while the target is
 * frozen: from the file's fdinfo (show_fdinfo, the text /proc/PID/fdinfo
 * shows, so no private kernel structure is needed), plus EFD_SEMAPHORE
 * from struct eventfd_ctx, whose 6.1 layout is mirrored here and checked
 * against the fdinfo before it is trusted.  The state is written as one
 * FDSTATE record per open file, after the GHOSTDATA records.
 * Refused (EOPNOTSUPP, naming the fd): a timerfd armed with
 * TFD_TIMER_CANCEL_ON_SET, an epoll watching another epoll or a file no
 * longer open at the descriptor it was added with, flags other than
 * O_NONBLOCK.
 *
 * Restore: the files are made by the system calls a program would use
 * (eventfd2, timerfd_create/settime, signalfd4, epoll_create1/ctl), run by
 * the restoring task with the restored credentials, so every permission
 * check of the kernel applies (CAP_WAKE_ALARM for alarm clocks...).  Their
 * user-memory arguments go through one scratch page mapped in the restored
 * address space for the duration.  An epoll's interest list is rebuilt
 * once every descriptor is in place.
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/fdtable.h>
#include <linux/eventfd.h>
#include <linux/eventpoll.h>
#include <linux/timerfd.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/mman.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/timekeeping.h>
#include <linux/xarray.h>
#include <linux/sort.h>
#include "ckpt.h"

/* Flags of struct file these kinds may carry: what their syscalls set. */
#define CKPT_FDK_F_FLAGS	(O_ACCMODE | O_NONBLOCK)
#define CKPT_EPOLL_EVENTS	((__force u32)(EPOLLIN | EPOLLPRI | EPOLLOUT | \
				 EPOLLERR | EPOLLHUP | EPOLLNVAL | \
				 EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM | \
				 EPOLLWRBAND | EPOLLMSG | EPOLLRDHUP | \
				 EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | \
				 EPOLLET))
#define CKPT_EPOLLWAKEUP	((__force u32)EPOLLWAKEUP)
/* Bounds that keep now + value within ktime_t. */
#define CKPT_TFD_MAX_NS		(KTIME_MAX / 4)
#define CKPT_FDINFO_MAX		(2U << 20)

bool ckpt_is_fdkind(u32 kind)
{
	return (kind >= CKPT_FILE_EVENTFD && kind <= CKPT_FILE_EPOLL) ||
	       kind == CKPT_FILE_INOTIFY;
}

/* The access mode of these kinds' files: inotify's are read-only. */
static u32 ckpt_fdkind_accmode(u32 kind)
{
	return kind == CKPT_FILE_INOTIFY ? O_RDONLY : O_RDWR;
}

int ckpt_fdkind_of(struct file *f)
{
	if (f->f_op == ckpt_ksyms.eventfd_fops)
		return CKPT_FILE_EVENTFD;
	if (f->f_op == ckpt_ksyms.timerfd_fops)
		return CKPT_FILE_TIMERFD;
	if (f->f_op == ckpt_ksyms.signalfd_fops)
		return CKPT_FILE_SIGNALFD;
	if (f->f_op == ckpt_ksyms.eventpoll_fops)
		return CKPT_FILE_EPOLL;
	if (f->f_op == ckpt_ksyms.inotify_fops)
		return CKPT_FILE_INOTIFY;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Dump                                                                    */
/* ---------------------------------------------------------------------- */

/* The fdinfo text of @f, NUL-terminated, in a kvmalloc'ed buffer. */
static char *ckpt_fdinfo(struct file *f)
{
	struct seq_file m;
	size_t size = PAGE_SIZE;

	if (!f->f_op->show_fdinfo)
		return ERR_PTR(-EOPNOTSUPP);
	for (;;) {
		memset(&m, 0, sizeof(m));
		m.buf = kvmalloc(size, GFP_KERNEL);
		if (!m.buf)
			return ERR_PTR(-ENOMEM);
		m.size = size - 1;
		f->f_op->show_fdinfo(&m, f);
		if (!seq_has_overflowed(&m)) {
			m.buf[m.count] = '\0';
			return m.buf;
		}
		kvfree(m.buf);
		if (size >= CKPT_FDINFO_MAX)
			return ERR_PTR(-EOPNOTSUPP);
		size *= 4;
	}
}

/* The value after "@key" at the start of a line of @text, or NULL. */
const char *ckpt_fdinfo_field(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, n))
			return p + n;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* struct eventfd_ctx of fs/eventfd.c (6.1), checked against the fdinfo. */
struct ckpt_eventfd_ctx {
	struct kref kref;
	wait_queue_head_t wqh;
	__u64 count;
	unsigned int flags;
	int id;
};

static int ckpt_note_eventfd(struct file *f, const char *info,
			     struct ckpt_rec_fdstate *s)
{
	struct ckpt_eventfd_ctx *ctx = f->private_data;
	const char *cp = ckpt_fdinfo_field(info, "eventfd-count:");
	const char *ip = ckpt_fdinfo_field(info, "eventfd-id:");
	unsigned long long count;
	unsigned int flags;
	int id, ctx_id;

	if (!cp || !ip || sscanf(cp, " %llx", &count) != 1 ||
	    sscanf(ip, " %d", &id) != 1)
		return -EOPNOTSUPP;
	spin_lock_irq(&ctx->wqh.lock);
	s->count = ctx->count;
	flags = ctx->flags;
	ctx_id = ctx->id;
	spin_unlock_irq(&ctx->wqh.lock);
	/* The mirror must be the kernel's: same id, same count. */
	if (ctx_id != id || s->count != count ||
	    flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK) ||
	    s->count == ULLONG_MAX)
		return -EOPNOTSUPP;
	if (flags & EFD_SEMAPHORE)
		s->flags |= CKPT_EFD_SEMAPHORE;
	return 0;
}

static s64 ckpt_clock_now(clockid_t clk)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_ALARM:
		return ktime_get_real_ns();
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		return ktime_get_boottime_ns();
	default:
		return ktime_get_ns();
	}
}

static bool ckpt_tfd_clock_ok(s32 clk)
{
	return clk == CLOCK_REALTIME || clk == CLOCK_MONOTONIC ||
	       clk == CLOCK_BOOTTIME || clk == CLOCK_REALTIME_ALARM ||
	       clk == CLOCK_BOOTTIME_ALARM;
}

static int ckpt_note_timerfd(const char *info, struct ckpt_rec_fdstate *s)
{
	unsigned long long ticks, vs, vns, is, ins;
	const char *p;
	unsigned int tflags;
	int clk;

	p = ckpt_fdinfo_field(info, "clockid:");
	if (!p || sscanf(p, " %d", &clk) != 1 || !ckpt_tfd_clock_ok(clk))
		return -EOPNOTSUPP;
	p = ckpt_fdinfo_field(info, "ticks:");
	if (!p || sscanf(p, " %llu", &ticks) != 1)
		return -EOPNOTSUPP;
	p = ckpt_fdinfo_field(info, "settime flags:");
	if (!p || sscanf(p, " %o", &tflags) != 1)
		return -EOPNOTSUPP;
	p = ckpt_fdinfo_field(info, "it_value:");
	if (!p || sscanf(p, " (%llu, %llu)", &vs, &vns) != 2)
		return -EOPNOTSUPP;
	p = ckpt_fdinfo_field(info, "it_interval:");
	if (!p || sscanf(p, " (%llu, %llu)", &is, &ins) != 2)
		return -EOPNOTSUPP;
	/* CANCEL_ON_SET's clock-was-set state is not restored: refuse. */
	if (tflags & ~TFD_TIMER_ABSTIME)
		return -EOPNOTSUPP;
	if (vs > CKPT_TFD_MAX_NS / NSEC_PER_SEC ||
	    is > CKPT_TFD_MAX_NS / NSEC_PER_SEC ||
	    vns >= NSEC_PER_SEC || ins >= NSEC_PER_SEC)
		return -EOPNOTSUPP;
	s->clockid = clk;
	s->count = ticks;
	s->value_ns = vs * NSEC_PER_SEC + vns;
	s->interval_ns = is * NSEC_PER_SEC + ins;
	/* An interval timer due this instant is still armed. */
	if (!s->value_ns && s->interval_ns)
		s->value_ns = 1;
	if (tflags & TFD_TIMER_ABSTIME) {
		s->flags |= CKPT_TFD_ABSTIME;
		if (s->value_ns && (clk == CLOCK_REALTIME ||
				    clk == CLOCK_REALTIME_ALARM))
			s->expires_ns = ckpt_clock_now(clk) + s->value_ns;
	}
	return 0;
}

static int ckpt_note_signalfd(const char *info, struct ckpt_rec_fdstate *s)
{
	const char *p = ckpt_fdinfo_field(info, "sigmask:");
	unsigned long long mask;

	if (!p || sscanf(p, " %llx", &mask) != 1)
		return -EOPNOTSUPP;
	s->sigmask = mask;
	return 0;
}

/* Is @f the file at @fd of @t, by inode (what fdinfo tells of an item)? */
static bool ckpt_fd_is(struct task_struct *t, unsigned int fd,
		       unsigned long ino, unsigned int sdev, bool *epoll)
{
	unsigned int at = fd;
	struct file *f;
	bool ret = false;

	rcu_read_lock();
	f = task_lookup_next_fd_rcu(t, &at);
	if (f && at == fd) {
		struct inode *inode = file_inode(f);

		ret = inode->i_ino == ino && inode->i_sb->s_dev == sdev;
		*epoll = ckpt_fdkind_of(f) == CKPT_FILE_EPOLL;
	}
	rcu_read_unlock();
	return ret;
}

static int ckpt_epitem_cmp(const void *a, const void *b)
{
	const struct ckpt_rec_epitem *x = a, *y = b;

	return x->fd < y->fd ? -1 : x->fd > y->fd;
}

static struct ckpt_fdstate_buf *ckpt_note_epoll(struct ckpt_dump *d,
						const char *info)
{
	struct ckpt_fdstate_buf *b;
	const char *p;
	u32 n = 0, i;

	for (p = info; (p = ckpt_fdinfo_field(p, "tfd:")); n++)
		;
	if (n > CKPT_MAX_EPITEMS || n > CKPT_MAX_EPITEMS_ALL - d->nr_epitems)
		return ERR_PTR(-EOPNOTSUPP);
	d->nr_epitems += n;
	b = kvzalloc(struct_size(b, items, n), GFP_KERNEL);
	if (!b)
		return ERR_PTR(-ENOMEM);
	b->len = sizeof(b->rec) + n * sizeof(b->items[0]);
	b->rec.nr_items = n;
	for (p = info, i = 0; i < n; i++) {
		unsigned long long data;
		unsigned long ino;
		unsigned int events, sdev;
		long long pos;
		bool nested = false;
		int fd;

		p = ckpt_fdinfo_field(p, "tfd:");
		if (!p || sscanf(p, " %d events: %x data: %llx pos:%lli ino:%lx sdev:%x",
				 &fd, &events, &data, &pos, &ino, &sdev) != 6 ||
		    fd < 0 || events & ~CKPT_EPOLL_EVENTS ||
		    !ckpt_fd_is(d->task, fd, ino, sdev, &nested) || nested) {
			kvfree(b);
			return ERR_PTR(-EOPNOTSUPP);
		}
		b->items[i].fd = fd;
		b->items[i].events = events;
		b->items[i].data = data;
	}
	sort(b->items, n, sizeof(b->items[0]), ckpt_epitem_cmp, NULL);
	for (i = 1; i < n; i++) {
		if (b->items[i].fd == b->items[i - 1].fd) {
			/* Two items, one number: a file that is gone. */
			kvfree(b);
			return ERR_PTR(-EOPNOTSUPP);
		}
	}
	return b;
}

/*
 * Read the state of @f (kind @kind, first seen at @fd) for its FDSTATE
 * record.  The caller has checked the file's flags.
 */
int ckpt_note_fdkind(struct ckpt_dump *d, struct file *f, unsigned int fd,
		     u32 kind)
{
	struct ckpt_fdstate_buf *b = NULL;
	char *info;
	int err;

	if ((f->f_flags & CKPT_FDK_F_FLAGS) != (f->f_flags & ~O_LARGEFILE) ||
	    (f->f_flags & O_ACCMODE) != ckpt_fdkind_accmode(kind))
		return -EOPNOTSUPP;
	info = ckpt_fdinfo(f);
	if (IS_ERR(info))
		return PTR_ERR(info);
	if (kind == CKPT_FILE_EPOLL) {
		b = ckpt_note_epoll(d, info);
		err = PTR_ERR_OR_ZERO(b);
	} else {
		b = kvzalloc(sizeof(*b), GFP_KERNEL);
		err = b ? 0 : -ENOMEM;
	}
	if (!err) {
		b->len = b->len ?: sizeof(b->rec);
		if (kind == CKPT_FILE_EVENTFD)
			err = ckpt_note_eventfd(f, info, &b->rec);
		else if (kind == CKPT_FILE_TIMERFD)
			err = ckpt_note_timerfd(info, &b->rec);
		else if (kind == CKPT_FILE_SIGNALFD)
			err = ckpt_note_signalfd(info, &b->rec);
		else if (kind == CKPT_FILE_INOTIFY)
			err = ckpt_note_inotify(d, f, info, b);
	}
	kvfree(info);
	if (!err) {
		b->rec.fd = fd;
		b->rec.kind = kind;
		err = xa_err(xa_store(&d->fdstates, fd, b, GFP_KERNEL));
	}
	if (err && !IS_ERR_OR_NULL(b)) {
		ckpt_inwatches_free(b);
		kvfree(b);
	}
	return err;
}

/*
 * An epoll's items on descriptors --skip=fds left out: gone, as when the
 * file is closed (their numbers are closed after restart).
 */
static void ckpt_epoll_drop_skipped(struct ckpt_dump *d,
				    struct ckpt_fdstate_buf *b)
{
	u32 i, j, k;

	for (i = j = 0; i < b->rec.nr_items; i++) {
		bool skipped = false;

		for (k = 0; k < d->nr_skipped && !skipped; k++)
			skipped = d->skipped[k].class == CKPT_SKIPPED_FD &&
				  d->skipped[k].fd == b->items[i].fd;
		if (!skipped)
			b->items[j++] = b->items[i];
	}
	b->rec.nr_items = j;
	b->len = sizeof(b->rec) + j * sizeof(b->items[0]);
}

int ckpt_dump_fdstates(struct ckpt_dump *d)
{
	struct ckpt_fdstate_buf *b;
	unsigned long fd;
	int err;

	xa_for_each(&d->fdstates, fd, b) {
		if (b->rec.kind == CKPT_FILE_EPOLL && d->nr_skipped)
			ckpt_epoll_drop_skipped(d, b);
		err = ckpt_write_rec(&d->out, CKPT_REC_FDSTATE, &b->rec, b->len);
		if (err)
			return err;
	}
	return 0;
}

void ckpt_fdstates_destroy(struct ckpt_dump *d)
{
	struct ckpt_fdstate_buf *b;
	unsigned long fd;

	xa_for_each(&d->fdstates, fd, b) {
		ckpt_inwatches_free(b);
		kvfree(b);
	}
	xa_destroy(&d->fdstates);
}

/* ---------------------------------------------------------------------- */
/* Restore: reading and checking                                           */
/* ---------------------------------------------------------------------- */

int ckpt_take_fdstate(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_fdstate *rec = p;
	struct ckpt_restore_fdstate *e;
	u32 n;
	int err;

	if (len < sizeof(*rec))
		return -EBADMSG;
	n = rec->nr_items;
	if (n > CKPT_MAX_EPITEMS || n > CKPT_MAX_EPITEMS_ALL - r->nr_epitems ||
	    len != sizeof(*rec) + n * sizeof(e->items[0]))
		return -EBADMSG;
	err = ckpt_grow((void **)&r->fdstates, r->nr_fdstates, sizeof(*e),
			CKPT_MAX_FILES);
	if (err)
		return err;
	e = &r->fdstates[r->nr_fdstates];
	e->rec = *rec;
	e->offset = r->in.rec_offset;
	e->items = NULL;
	if (n) {
		e->items = ckpt_dup(rec + 1, n * sizeof(e->items[0]));
		if (!e->items)
			return -ENOMEM;
	}
	r->nr_fdstates++;
	r->nr_epitems += n;
	return 0;
}

void ckpt_free_fdstates(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_fdstates; i++)
		kvfree(r->fdstates[i].items);
	kvfree(r->fdstates);
}

static const struct ckpt_restore_file *
ckpt_find_file(const struct ckpt_restore *r, s32 fd)
{
	int i = ckpt_file_index(r, r->nr_files, fd);

	return i < 0 ? NULL : &r->files[i];
}

/* The record that owns the open file of descriptor @fd (not shared). */
static const struct ckpt_restore_file *
ckpt_owner_file(const struct ckpt_restore *r, s32 fd)
{
	const struct ckpt_restore_file *f = ckpt_find_file(r, fd);

	if (f && f->rec.fd_flags & CKPT_FD_SHARED)
		f = ckpt_find_file(r, f->rec.shared_fd);
	return f;
}

/* By binary search: ckpt_check_fdstates() checks they ascend first. */
const struct ckpt_restore_fdstate *
ckpt_find_fdstate(const struct ckpt_restore *r, s32 fd)
{
	u32 lo = 0, hi = r->nr_fdstates;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (r->fdstates[mid].rec.fd == fd)
			return &r->fdstates[mid];
		if (r->fdstates[mid].rec.fd < fd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool ckpt_timerfd_ok(const struct ckpt_rec_fdstate *s)
{
	bool realtime = s->clockid == CLOCK_REALTIME ||
			s->clockid == CLOCK_REALTIME_ALARM;

	if (!ckpt_tfd_clock_ok(s->clockid) || s->sigmask ||
	    s->flags & ~CKPT_TFD_ABSTIME)
		return false;
	if (s->value_ns < 0 || s->value_ns > CKPT_TFD_MAX_NS ||
	    s->interval_ns < 0 || s->interval_ns > CKPT_TFD_MAX_NS ||
	    s->expires_ns < 0 || s->expires_ns > CKPT_TFD_MAX_NS)
		return false;
	if (s->interval_ns && !s->value_ns)
		return false;
	/* An absolute realtime expiry iff armed with ABSTIME on it. */
	if (s->expires_ns)
		return realtime && s->flags & CKPT_TFD_ABSTIME && s->value_ns;
	return true;
}

static int ckpt_check_fdstate(struct ckpt_restore *r,
			      const struct ckpt_restore_fdstate *e)
{
	const struct ckpt_rec_fdstate *s = &e->rec;
	u32 i;

	if (s->reserved0 || s->reserved[0] || s->reserved[1] ||
	    (s->nr_items && s->kind != CKPT_FILE_EPOLL))
		return -EBADMSG;
	switch (s->kind) {
	case CKPT_FILE_EVENTFD:
		if (s->flags & ~CKPT_EFD_SEMAPHORE || s->count == ULLONG_MAX ||
		    s->clockid || s->value_ns || s->interval_ns ||
		    s->expires_ns || s->sigmask)
			return -EBADMSG;
		return 0;
	case CKPT_FILE_TIMERFD:
		if (!ckpt_timerfd_ok(s))
			return -EBADMSG;
		/* timerfd_create would refuse it after the point of no
		 * return: refuse now.
		 */
		if ((s->clockid == CLOCK_REALTIME_ALARM ||
		     s->clockid == CLOCK_BOOTTIME_ALARM) &&
		    !(r->task.cap_effective & BIT_ULL(CAP_WAKE_ALARM)))
			return -EPERM;
		return 0;
	case CKPT_FILE_SIGNALFD:
		if (s->flags || s->count || s->clockid || s->value_ns ||
		    s->interval_ns || s->expires_ns ||
		    s->sigmask & (BIT_ULL(SIGKILL - 1) | BIT_ULL(SIGSTOP - 1)))
			return -EBADMSG;
		return 0;
	case CKPT_FILE_INOTIFY:
		/* count: the cursor of watch descriptors */
		if (s->flags || !s->count || s->count > INT_MAX ||
		    s->clockid || s->value_ns || s->interval_ns ||
		    s->expires_ns || s->sigmask)
			return -EBADMSG;
		return 0;
	case CKPT_FILE_EPOLL:
		if (s->flags || s->count || s->clockid || s->value_ns ||
		    s->interval_ns || s->expires_ns || s->sigmask)
			return -EBADMSG;
		for (i = 0; i < s->nr_items; i++) {
			const struct ckpt_rec_epitem *it = &e->items[i];
			const struct ckpt_restore_file *f;

			if ((i && it->fd <= e->items[i - 1].fd) ||
			    it->events & ~CKPT_EPOLL_EVENTS)
				return -EBADMSG;
			f = ckpt_owner_file(r, it->fd);
			/* Nested epoll is not restored (ordering, loops). */
			if (!f || f->rec.kind == CKPT_FILE_EPOLL)
				return -EBADMSG;
			if (it->events & CKPT_EPOLLWAKEUP &&
			    !(r->task.cap_effective &
			      BIT_ULL(CAP_BLOCK_SUSPEND)))
				return -EPERM;
		}
		return 0;
	default:
		return -EBADMSG;
	}
}

/*
 * Every FILE record of these kinds that owns its open file (neither SHARED
 * with an earlier fd nor TREE, an earlier process's) has exactly one
 * FDSTATE record of the same kind, and every FDSTATE record one such file.
 */
int ckpt_check_fdstates(struct ckpt_restore *r)
{
	u32 i;
	int err;

	for (i = 0; i < r->nr_fdstates; i++) {
		const struct ckpt_restore_fdstate *e = &r->fdstates[i];
		const struct ckpt_restore_file *f = ckpt_find_file(r, e->rec.fd);

		err = -EBADMSG;
		if ((!i || e->rec.fd > r->fdstates[i - 1].rec.fd) && f &&
		    !(f->rec.fd_flags & (CKPT_FD_SHARED | CKPT_FD_TREE)) &&
		    f->rec.kind == e->rec.kind)
			err = ckpt_check_fdstate(r, e);
		if (err == -EPERM) {
			r->err.fd = e->rec.fd;
			return ckpt_fail(&r->err, CKPT_OBJ_FD, err);
		}
		if (err)
			return ckpt_bad_rec(r, CKPT_REC_FDSTATE, e->offset, err);
	}
	for (i = 0; i < r->nr_files; i++) {
		const struct ckpt_rec_file *f = &r->files[i].rec;

		if (!ckpt_is_fdkind(f->kind))
			continue;
		if (f->pos || (f->f_flags & CKPT_FDK_F_FLAGS) != f->f_flags ||
		    (f->f_flags & O_ACCMODE) != ckpt_fdkind_accmode(f->kind) ||
		    (!(f->fd_flags & (CKPT_FD_SHARED | CKPT_FD_TREE)) &&
		     !ckpt_find_fdstate(r, f->fd)))
			return ckpt_bad_rec(r, CKPT_REC_FILE, r->files[i].offset,
					    -EBADMSG);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Restore: making the files                                               */
/* ---------------------------------------------------------------------- */

struct ckpt_fdkinds {
	unsigned long scratch;	/* a user page of the restored mm, or 0 */
};

struct ckpt_fdkinds *ckpt_fdkinds_new(void)
{
	return kzalloc(sizeof(struct ckpt_fdkinds), GFP_KERNEL);
}

void ckpt_fdkinds_free(struct ckpt_fdkinds *k)
{
	if (!k)
		return;
	if (k->scratch)
		vm_munmap(k->scratch, PAGE_SIZE);
	kfree(k);
}

/* A user-space copy of @p, for a system call's pointer argument. */
long ckpt_user_arg(struct ckpt_fdkinds *k, const void *p, size_t len)
{
	if (!k->scratch) {
		unsigned long a = ckpt_scratch_page();

		if (IS_ERR_VALUE(a))
			return a;
		k->scratch = a;
	}
	if (copy_to_user((void __user *)k->scratch, p, len))
		return -EFAULT;
	return k->scratch;
}

/* The file of descriptor @fd, which is closed; or @fd's error. */
static struct file *ckpt_take_fd(long fd)
{
	struct file *f;

	if (fd < 0)
		return ERR_PTR(fd);
	f = fget(fd);
	close_fd(fd);
	return f ?: ERR_PTR(-EBADF);
}

static struct file *ckpt_make_eventfd(const struct ckpt_rec_fdstate *s,
				      u32 f_flags)
{
	struct eventfd_ctx *ctx;
	struct file *f;
	int flags = f_flags & O_NONBLOCK;

	if (s->flags & CKPT_EFD_SEMAPHORE)
		flags |= EFD_SEMAPHORE;
	f = ckpt_take_fd(ckpt_syscall(ckpt_ksyms.sys_eventfd2, 0, flags,
				      0, 0));
	if (IS_ERR(f) || !s->count)
		return f;
	ctx = eventfd_ctx_fileget(f);
	if (IS_ERR(ctx)) {
		fput(f);
		return ERR_CAST(ctx);
	}
	eventfd_signal(ctx, s->count);
	eventfd_ctx_put(ctx);
	return f;
}

static struct file *ckpt_make_timerfd(struct ckpt_fdkinds *k,
				      const struct ckpt_rec_fdstate *s,
				      u32 f_flags)
{
	struct __kernel_itimerspec its = {};
	int flags = 0;
	long fd, err, arg;
	struct file *f;
	s64 when = s->value_ns;

	fd = ckpt_syscall(ckpt_ksyms.sys_timerfd_create, s->clockid,
			  f_flags & O_NONBLOCK, 0, 0);
	if (fd < 0)
		return ERR_PTR(fd);
	if (s->flags & CKPT_TFD_ABSTIME) {
		flags = TFD_TIMER_ABSTIME;
		when = s->expires_ns;
		if (!when && s->value_ns)
			when = ckpt_clock_now(s->clockid) + s->value_ns;
	}
	its.it_value.tv_sec = div_s64(when, NSEC_PER_SEC);
	its.it_value.tv_nsec = when - its.it_value.tv_sec * NSEC_PER_SEC;
	its.it_interval.tv_sec = div_s64(s->interval_ns, NSEC_PER_SEC);
	its.it_interval.tv_nsec = s->interval_ns -
				  its.it_interval.tv_sec * NSEC_PER_SEC;
	arg = ckpt_user_arg(k, &its, sizeof(its));
	err = arg;
	if (!IS_ERR_VALUE(arg))
		err = ckpt_syscall(ckpt_ksyms.sys_timerfd_settime, fd, flags,
				   arg, 0);
	f = err < 0 ? ERR_PTR(err) : fget(fd);
	close_fd(fd);
	if (!f)
		f = ERR_PTR(-EBADF);
	if (IS_ERR(f) || !s->count)
		return f;
	/* Expirations not read: settime cleared them, put them back. */
	arg = ckpt_user_arg(k, &s->count, sizeof(s->count));
	err = arg;
	/* A kernel without CONFIG_CHECKPOINT_RESTORE has no timerfd ioctl. */
	if (!f->f_op->unlocked_ioctl)
		err = -EOPNOTSUPP;
	else if (!IS_ERR_VALUE(arg))
		err = f->f_op->unlocked_ioctl(f, TFD_IOC_SET_TICKS, arg);
	if (err < 0) {
		fput(f);
		return ERR_PTR(err);
	}
	return f;
}

static struct file *ckpt_make_signalfd(struct ckpt_fdkinds *k,
				       const struct ckpt_rec_fdstate *s,
				       u32 f_flags)
{
	long arg = ckpt_user_arg(k, &s->sigmask, sizeof(s->sigmask));

	if (IS_ERR_VALUE(arg))
		return ERR_PTR(arg);
	return ckpt_take_fd(ckpt_syscall(ckpt_ksyms.sys_signalfd4, -1, arg,
					 sizeof(s->sigmask),
					 f_flags & O_NONBLOCK));
}

/* The open file for FILE record @rf, of one of these kinds. */
struct file *ckpt_fdkind_file(const struct ckpt_restore *r,
			      struct ckpt_fdkinds *k,
			      const struct ckpt_restore_file *rf)
{
	const struct ckpt_restore_fdstate *e = ckpt_find_fdstate(r, rf->rec.fd);
	struct file *f;

	if (!e)
		return ERR_PTR(-EBADMSG);
	switch (rf->rec.kind) {
	case CKPT_FILE_EVENTFD:
		return ckpt_make_eventfd(&e->rec, rf->rec.f_flags);
	case CKPT_FILE_TIMERFD:
		return ckpt_make_timerfd(k, &e->rec, rf->rec.f_flags);
	case CKPT_FILE_SIGNALFD:
		return ckpt_make_signalfd(k, &e->rec, rf->rec.f_flags);
	case CKPT_FILE_EPOLL:
		f = ckpt_take_fd(ckpt_syscall(ckpt_ksyms.sys_epoll_create1,
					      0, 0, 0, 0));
		/* epoll_create1 knows no O_NONBLOCK; fcntl(F_SETFL) sets it. */
		if (!IS_ERR(f) && rf->rec.f_flags & O_NONBLOCK) {
			spin_lock(&f->f_lock);
			f->f_flags |= O_NONBLOCK;
			spin_unlock(&f->f_lock);
		}
		return f;
	case CKPT_FILE_INOTIFY:
		return ckpt_take_fd(ckpt_syscall(ckpt_ksyms.sys_inotify_init1,
						 rf->rec.f_flags & O_NONBLOCK,
						 0, 0, 0));
	default:
		return ERR_PTR(-EBADMSG);
	}
}

/*
 * Rebuild every epoll's interest list, with all descriptors installed.
 * On failure @r->err.fd names the epoll descriptor.
 */
int ckpt_restore_epolls(struct ckpt_restore *r, struct ckpt_fdkinds *k)
{
	u32 i, j;

	for (i = 0; i < r->nr_fdstates; i++) {
		const struct ckpt_restore_fdstate *e = &r->fdstates[i];

		for (j = 0; j < e->rec.nr_items; j++) {
			struct epoll_event ev = {
				.events = (__force __poll_t)e->items[j].events,
				.data = e->items[j].data,
			};
			long arg = ckpt_user_arg(k, &ev, sizeof(ev));
			long err = arg;

			if (!IS_ERR_VALUE(arg))
				err = ckpt_syscall(ckpt_ksyms.sys_epoll_ctl,
						   e->rec.fd, EPOLL_CTL_ADD,
						   e->items[j].fd, arg);
			if (err < 0) {
				r->err.fd = e->rec.fd;
				return ckpt_fail(&r->err, CKPT_OBJ_FD, err);
			}
		}
	}
	return 0;
}
