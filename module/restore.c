// SPDX-License-Identifier: GPL-2.0
/*
 * Restore: CKPT_IOC_RESTORE_PREPARE, _TASK and _WAIT.
 *
 * PREPARE (the restart tool) reads the image header and every metadata
 * record of the task, checks all of it, and keeps it with the open file.
 * Nothing is changed.  TASK (the tool's child, created with the image's
 * PID) turns the caller into the checkpointed process: after its checks
 * pass there is no way back, and a failure from then on kills the caller;
 * the original process, if any, is not touched either way.  WAIT tells the
 * tool how it went.
 *
 * Every record is read once into kernel memory, its length bounded by type
 * before it is read and its checksum verified before it is used.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/fs_struct.h>
#include <linux/fdtable.h>
#include <linux/slab.h>
#include <linux/delay.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/ktime.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <linux/sched/signal.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/nsproxy.h>
#include <net/net_namespace.h>
#include "ckpt.h"

#define CKPT_REQUIRED	(BIT_ULL(CKPT_REC_TASK) | BIT_ULL(CKPT_REC_GROUPS) | \
			 BIT_ULL(CKPT_REC_FS) | BIT_ULL(CKPT_REC_SIGACTIONS) | \
			 BIT_ULL(CKPT_REC_MM) | BIT_ULL(CKPT_REC_AUXV) | \
			 BIT_ULL(CKPT_REC_REGS) | BIT_ULL(CKPT_REC_XSTATE))

/* ckpt.timing=1 (or /sys/module/ckpt/parameters/timing): log the steps. */
static bool timing;
module_param(timing, bool, 0644);
MODULE_PARM_DESC(timing,
		 "log how long each step of a checkpoint or restore takes (debug)");

bool ckpt_timing_on(void)
{
	return READ_ONCE(timing);
}

/* With ckpt.timing: log the time since *@t as @fn's, then restart *@t. */
void ckpt_time_step(const char *what, void *fn, ktime_t *t)
{
	ktime_t now;

	if (!READ_ONCE(timing))
		return;
	now = ktime_get();
	pr_info("%s pid %d: %ps %lld us\n", what, task_pid_nr(current), fn,
		ktime_us_delta(now, *t));
	*t = now;
}

void ckpt_restore_free(struct ckpt_restore *r)
{
	u32 i;

	if (!r)
		return;
	/* First: a held restore's processes die before anything else. */
	if (!r->member)
		ckpt_rhold_end(r->hold);
	if (r->tree && !r->member)
		ckpt_tree_free(r->tree);
	put_cred(r->prep_cred);
	if (r->prep_net)
		put_net(r->prep_net);
	for (i = 0; i < r->nr_vmas; i++)
		kfree(r->vmas[i].path);
	for (i = 0; i < r->nr_files; i++)
		kfree(r->files[i].path);
	kvfree(r->vmas);
	kvfree(r->files);
	kvfree(r->groups);
	kvfree(r->xstate);
	kvfree(r->sigpending);
	kvfree(r->posix_timers);
	ckpt_free_pipedata(r);
	ckpt_free_ptys(r);
	ckpt_free_ghostdata(r);
	ckpt_idfiles_free(r->ghosts);
	ckpt_free_fdstates(r);
	ckpt_free_inwatches(r);
	ckpt_free_shmems(r);
	ckpt_free_socks(r);
	ckpt_free_sockopts(r);
	kvfree(r->mcasts);
	kvfree(r->netlinks);
	ckpt_shanon_free(r);
	ckpt_free_threads(r);
	ckpt_free_seccomp(r);
	ckpt_free_sched(r);
	ckpt_free_mempolicy(r);
	ckpt_free_flocks(r);
	ckpt_free_fowns(r);
	kfree(r->cgroup);
	kvfree(r->sysvshm);
	ckpt_free_attrs(r);
	kfree(r->cwd);
	kfree(r->root);
	if (r->root_path.mnt)
		path_put(&r->root_path);
	kfree(r->exe);
	ckpt_fill_free(r->fill_later);
	ckpt_in_destroy(&r->in);
	if (r->image)
		fput(r->image);
	kfree(r);
}

/* A NUL-terminated absolute path of exactly @len bytes, or none. */
static int ckpt_take_path(const char *p, u32 avail, u32 len, char **out)
{
	*out = NULL;
	if (len != avail)
		return -EBADMSG;
	if (!len)
		return 0;
	if (len > CKPT_PATH_MAX || p[0] != '/' || strnlen(p, len) != len - 1)
		return -EBADMSG;
	*out = kmemdup(p, len, GFP_KERNEL_ACCOUNT);
	return *out ? 0 : -ENOMEM;
}

/*
 * A copy of @len bytes of a record, kept with the prepared restore: in
 * kernel memory charged to the caller's memory cgroup (a hostile image
 * can ask for much of it).  At least one byte, so an empty one is not
 * NULL.
 */
void *ckpt_dup(const void *p, size_t len)
{
	void *copy = kvmalloc(len ? len : 1, GFP_KERNEL_ACCOUNT);

	if (copy)
		memcpy(copy, p, len);
	return copy;
}

/* Room for element @nr of an array grown by doubling from 8. */
int ckpt_grow(void **array, u32 nr, size_t elem, u32 max)
{
	void *n;

	if (nr >= max)
		return -EBADMSG;
	if (nr && (nr < 8 || !is_power_of_2(nr)))
		return 0;
	n = kvmalloc_array(nr ? nr * 2 : 8, elem, GFP_KERNEL_ACCOUNT);
	if (!n)
		return -ENOMEM;
	if (*array)
		memcpy(n, *array, nr * elem);
	kvfree(*array);
	*array = n;
	return 0;
}

/*
 * A page of the caller's address space for a system call's pointer
 * arguments (the restore calls them with user pointers): its address, or
 * an error value (IS_ERR_VALUE).  The caller unmaps it.
 */
unsigned long ckpt_scratch_page(void)
{
	return vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
}

/*
 * A record of exactly @size bytes, appended to an array ckpt_grow() grows
 * as the start of a new @elem-byte element (what follows it is the
 * caller's to set): the element, or an ERR_PTR.
 */
void *ckpt_take_into(void **array, u32 *nr, size_t elem, u32 max,
		     const void *p, u32 len, size_t size)
{
	void *e;
	int err;

	if (len != size || WARN_ON_ONCE(size > elem))
		return ERR_PTR(-EBADMSG);
	err = ckpt_grow(array, *nr, elem, max);
	if (err)
		return ERR_PTR(err);
	e = (u8 *)*array + (size_t)(*nr)++ * elem;
	memcpy(e, p, len);
	return e;
}

/* A record of exactly @elem bytes, appended to an array ckpt_grow() grows. */
int ckpt_take_elem(void **array, u32 *nr, size_t elem, u32 max,
		   const void *p, u32 len)
{
	return PTR_ERR_OR_ZERO(ckpt_take_into(array, nr, elem, max, p, len,
					      elem));
}

/* An absolute path without empty, "." or ".." components. */
bool ckpt_path_plain(const char *p)
{
	while (*p == '/') {
		size_t n = strcspn(++p, "/");

		if ((!n && *p) || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
	}
	return !*p;
}

/*
 * A fixed struct followed by a path whose length is a field of the struct
 * (@path_len points into @rec, which is filled first).
 */
int ckpt_take_with_path(const void *p, u32 len, void *rec, size_t rec_size,
			const u32 *path_len, char **path)
{
	if (len < rec_size)
		return -EBADMSG;
	memcpy(rec, p, rec_size);
	return ckpt_take_path(p + rec_size, len - rec_size, *path_len, path);
}

/* The FS record: the cwd's path, then (CKPT_FS_ROOT) the root's. */
static int ckpt_take_fs(struct ckpt_restore *r, const void *p, u32 len)
{
	int err;

	if (len < sizeof(r->fs))
		return -EBADMSG;
	memcpy(&r->fs, p, sizeof(r->fs));
	len -= sizeof(r->fs);
	p += sizeof(r->fs);
	if (r->fs.cwd_len > len)
		return -EBADMSG;
	err = ckpt_take_path(p, r->fs.cwd_len, r->fs.cwd_len, &r->cwd);
	if (!err)
		err = ckpt_take_path(p + r->fs.cwd_len, len - r->fs.cwd_len,
				     r->fs.root_len, &r->root);
	return err;
}

static int ckpt_take_vma(struct ckpt_restore *r, const void *p, u32 len)
{
	struct ckpt_restore_vma *v;
	int err;

	err = ckpt_grow((void **)&r->vmas, r->nr_vmas, sizeof(*v),
			CKPT_MAX_VMAS);
	if (err)
		return err;
	v = &r->vmas[r->nr_vmas];
	v->offset = r->in.rec_offset;
	err = ckpt_take_with_path(p, len, &v->rec, sizeof(v->rec),
				  &v->rec.path_len, &v->path);
	if (!err)
		r->nr_vmas++;
	return err;
}

/*
 * The entry at @off of a FILE record: @prev is the previous entry's whole
 * path (@prev_len bytes without the NUL), NULL for none.  Its own whole
 * path is rebuilt in kernel memory; path_prefix is then 0 and path_len
 * that path's length.
 */
static int ckpt_take_file_entry(struct ckpt_restore *r, const u8 *p,
				u32 len, u32 *off, const char *prev,
				u32 prev_len)
{
	struct ckpt_restore_file *f;
	u32 tail, prefix;
	const char *s;
	int err;

	/* A bad entry is named by its own offset in the image. */
	r->err.offset = r->in.rec_offset + sizeof(struct ckpt_rec_header) +
			*off;
	if (len - *off < sizeof(f->rec))
		return -EBADMSG;
	err = ckpt_grow((void **)&r->files, r->nr_files, sizeof(*f),
			CKPT_MAX_FILES);
	if (err)
		return err;
	f = &r->files[r->nr_files];
	memcpy(&f->rec, p + *off, sizeof(f->rec));
	f->offset = r->err.offset;
	f->path = NULL;
	*off += sizeof(f->rec);
	tail = f->rec.path_len;
	prefix = f->rec.path_prefix;
	s = (const char *)p + *off;
	if (tail > len - *off || prefix > prev_len || (prefix && !tail) ||
	    prefix + tail > CKPT_PATH_MAX ||
	    prefix + tail > CKPT_MAX_FILE_PATHS - r->file_paths)
		return -EBADMSG;
	*off += tail;
	if (tail) {
		if ((!prefix && s[0] != '/') || strnlen(s, tail) != tail - 1)
			return -EBADMSG;
		f->path = kmalloc(prefix + tail, GFP_KERNEL_ACCOUNT);
		if (!f->path)
			return -ENOMEM;
		if (prefix)
			memcpy(f->path, prev, prefix);
		memcpy(f->path + prefix, s, tail);
		f->rec.path_len = prefix + tail;
		f->rec.path_prefix = 0;
		r->file_paths += prefix + tail;
	}
	r->nr_files++;
	return 0;
}

/* A FILE record: one or more entries, each a descriptor (uapi). */
static int ckpt_take_file(struct ckpt_restore *r, const void *p, u32 len)
{
	const char *prev = NULL;
	u32 off = 0, prev_len = 0;

	if (!len)
		return -EBADMSG;
	while (off < len) {
		const struct ckpt_restore_file *f;
		int err = ckpt_take_file_entry(r, p, len, &off, prev, prev_len);

		if (err)
			return err;
		/* Its path's own allocation: r->files may move, it does not. */
		f = &r->files[r->nr_files - 1];
		prev = f->path;
		prev_len = prev ? f->rec.path_len - 1 : 0;
	}
	return 0;
}

static int ckpt_take_fixed(void *dst, size_t size, const void *p, u32 len)
{
	if (len != size)
		return -EBADMSG;
	memcpy(dst, p, size);
	return 0;
}

static int ckpt_take_timers(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_timers *tm = p;
	size_t size;

	if (len < sizeof(*tm) || tm->nr_posix > CKPT_MAX_POSIX_TIMERS)
		return -EBADMSG;
	size = tm->nr_posix * sizeof(*r->posix_timers);
	if (len != sizeof(*tm) + size)
		return -EBADMSG;
	r->timers = *tm;
	r->have_timers = true;
	if (!size)
		return 0;
	r->posix_timers = ckpt_dup(tm + 1, size);
	if (!r->posix_timers)
		return -ENOMEM;
	return 0;
}

static int ckpt_take_rec(struct ckpt_restore *r, u32 type, const void *p,
			 u32 len)
{
	bool repeats = type == CKPT_REC_VMA || type == CKPT_REC_FILE ||
		       type == CKPT_REC_PIPEDATA || type == CKPT_REC_THREAD ||
		       type == CKPT_REC_GHOSTDATA || type == CKPT_REC_FDSTATE ||
		       type == CKPT_REC_SHMEM || type == CKPT_REC_SHMDATA ||
		       type == CKPT_REC_SOCKET || type == CKPT_REC_SOCKDATA ||
		       type == CKPT_REC_TCPSTATE ||
		       type == CKPT_REC_SYSVSHM || type == CKPT_REC_SYSVDATA ||
		       type == CKPT_REC_SYSVSEM || type == CKPT_REC_SYSVMSG ||
		       type == CKPT_REC_SECCOMP || type == CKPT_REC_SCHED ||
		       type == CKPT_REC_FLOCK || type == CKPT_REC_SOCKOPT ||
		       type == CKPT_REC_INWATCH || type == CKPT_REC_INEVENTS ||
		       type == CKPT_REC_MCAST || type == CKPT_REC_MEMPOLICY ||
		       type == CKPT_REC_PTY || type == CKPT_REC_FOWN ||
		       type == CKPT_REC_NETLINK;
	int err;

	/* TASK first, then types in order; only some repeat. */
	if (type > CKPT_REC_MAX || type == CKPT_REC_TREE ||
	    CKPT_REC_ORDER(type) < CKPT_REC_ORDER(r->last_type) ||
	    (type == r->last_type && !repeats) ||
	    (!r->last_type && type != CKPT_REC_TASK))
		return -EBADMSG;
	r->last_type = type;
	r->seen |= BIT_ULL(type);
	r->rec_off[type] = r->in.rec_offset;

	switch (type) {
	case CKPT_REC_TASK:
		return ckpt_take_fixed(&r->task, sizeof(r->task), p, len);
	case CKPT_REC_GROUPS:
		if (r->task.ngroups > CKPT_MAX_GROUPS ||
		    len != r->task.ngroups * sizeof(u32))
			return -EBADMSG;
		r->groups = ckpt_dup(p, len);
		if (!r->groups)
			return -ENOMEM;
		return 0;
	case CKPT_REC_FS:
		return ckpt_take_fs(r, p, len);
	case CKPT_REC_SIGACTIONS:
		return ckpt_take_fixed(r->sigactions, sizeof(r->sigactions),
				       p, len);
	case CKPT_REC_MM:
		return ckpt_take_with_path(p, len, &r->mm, sizeof(r->mm),
					   &r->mm.exe_len, &r->exe);
	case CKPT_REC_AUXV:
		if (len % sizeof(u64) || len > sizeof(r->auxv))
			return -EBADMSG;
		memcpy(r->auxv, p, len);
		r->nr_auxv = len / sizeof(u64);
		return 0;
	case CKPT_REC_VMA:
		return ckpt_take_vma(r, p, len);
	case CKPT_REC_FILE:
		return ckpt_take_file(r, p, len);
	case CKPT_REC_REGS:
		return ckpt_take_fixed(&r->regs, sizeof(r->regs), p, len);
	case CKPT_REC_XSTATE:
		if (len > CKPT_MAX_XSTATE)
			return -EBADMSG;
		r->xstate = ckpt_dup(p, len);
		if (!r->xstate)
			return -ENOMEM;
		r->xstate_len = len;
		return 0;
	case CKPT_REC_RESTART:
		r->have_restart = true;
		return ckpt_take_fixed(&r->restart, sizeof(r->restart), p, len);
	case CKPT_REC_RLIMITS:
		r->have_rlimits = true;
		return ckpt_take_fixed(r->rlimits, sizeof(r->rlimits), p, len);
	case CKPT_REC_SIGPENDING:
		if (len % sizeof(*r->sigpending) || !len)
			return -EBADMSG;
		r->sigpending = ckpt_dup(p, len);
		if (!r->sigpending)
			return -ENOMEM;
		r->nr_sigpending = len / sizeof(*r->sigpending);
		return 0;
	case CKPT_REC_PIPEDATA:
		return ckpt_take_pipedata(r, p, len);
	case CKPT_REC_PTY:
		return ckpt_take_pty(r, p, len);
	case CKPT_REC_TIMERS:
		return ckpt_take_timers(r, p, len);
	case CKPT_REC_THREAD:
		return ckpt_take_thread(r, p, len);
	case CKPT_REC_GHOSTDATA:
		return ckpt_take_ghostdata(r, p, len);
	case CKPT_REC_FDSTATE:
		return ckpt_take_fdstate(r, p, len);
	case CKPT_REC_SHMEM:
		return ckpt_take_shmem(r, p, len);
	case CKPT_REC_SHMDATA:
		return ckpt_take_shmdata(r, p, len);
	case CKPT_REC_SECCOMP:
		return ckpt_take_seccomp(r, p, len);
	case CKPT_REC_SOCKET:
		return ckpt_take_socket(r, p, len);
	case CKPT_REC_SOCKDATA:
		return ckpt_take_sockdata(r, p, len);
	case CKPT_REC_SYSVSHM:
		return ckpt_take_sysvshm(r, p, len);
	case CKPT_REC_SYSVDATA:
		return ckpt_take_sysvdata(r, p, len);
	case CKPT_REC_SYSVSEM:
	case CKPT_REC_SYSVMSG:
		/* restart(1) makes them; the first process's records only */
		return r->member ? -EBADMSG :
		       ckpt_sysv_ipc_rec_ok(type, p, len);
	case CKPT_REC_TCPSTATE:
		return ckpt_take_tcpstate(r, p, len);
	case CKPT_REC_ATTRS:
		return ckpt_take_attrs(r, p, len);
	case CKPT_REC_SKIPPED:
		return ckpt_take_skipped(r, p, len);
	case CKPT_REC_SHARES:
		return ckpt_take_shares(r, p, len);
	case CKPT_REC_SCHED:
		return ckpt_take_sched(r, p, len);
	case CKPT_REC_FLOCK:
		return ckpt_take_flock(r, p, len);
	case CKPT_REC_INWATCH:
		return ckpt_take_inwatch(r, p, len);
	case CKPT_REC_INEVENTS:
		return ckpt_take_inevents(r, p, len);
	case CKPT_REC_MCAST:
		return ckpt_take_mcast(r, p, len);
	case CKPT_REC_CLOCKS:
		if (ckpt_take_fixed(&r->clocks, sizeof(r->clocks), p, len) ||
		    r->clocks.monotonic_ns < 0 ||
		    r->clocks.monotonic_raw_ns < 0 ||
		    r->clocks.boottime_ns < r->clocks.monotonic_ns)
			return -EBADMSG;
		r->have_clocks = true;
		return 0;
	case CKPT_REC_MEMPOLICY:
		return ckpt_take_mempolicy(r, p, len);
	case CKPT_REC_UTS:
		return ckpt_take_fixed(&r->uts, sizeof(r->uts), p, len);
	case CKPT_REC_FOWN:
		return ckpt_take_fown(r, p, len);
	case CKPT_REC_NETLINK:
		return ckpt_take_netlink(r, p, len);
	case CKPT_REC_SOCKOPT:
		return ckpt_take_elem((void **)&r->sockopts, &r->nr_sockopts,
				      sizeof(*r->sockopts), CKPT_MAX_SOCKETS,
				      p, len);
	case CKPT_REC_CGROUP:
		err = ckpt_take_with_path(p, len, &r->cgroup_rec,
					  sizeof(r->cgroup_rec),
					  &r->cgroup_rec.path_len, &r->cgroup);
		if (err)
			return err;	/* EBADMSG, or ENOMEM */
		/* restart --cgroup opens it under /sys/fs/cgroup: no way out. */
		return r->cgroup_rec.flags || !r->cgroup ||
		       !ckpt_path_plain(r->cgroup) ? -EBADMSG : 0;
	default:
		return -EBADMSG;
	}
}

/*
 * Every record a restore needs is there.  A process on another's address
 * space has none of it (no MM, AUXV, VMA, and no PAGES: its END record
 * is next), one on another's signal handlers no SIGACTIONS.
 */
static int ckpt_meta_complete(struct ckpt_restore *r,
			      const struct ckpt_rec_header *next)
{
	u64 required = CKPT_REQUIRED;
	u64 vm = BIT_ULL(CKPT_REC_MM) | BIT_ULL(CKPT_REC_AUXV) |
		 BIT_ULL(CKPT_REC_VMA);

	if (r->shares.vm_pid) {
		r->err.type = CKPT_REC_SHARES;
		r->err.offset = r->rec_off[CKPT_REC_SHARES];
		if ((r->seen & vm) || next->type != CKPT_REC_END)
			return -EBADMSG;
		required &= ~vm;
	}
	if (r->shares.sighand_pid) {
		r->err.type = CKPT_REC_SHARES;
		r->err.offset = r->rec_off[CKPT_REC_SHARES];
		if (r->seen & BIT_ULL(CKPT_REC_SIGACTIONS))
			return -EBADMSG;
		required &= ~BIT_ULL(CKPT_REC_SIGACTIONS);
	}
	if ((r->seen & required) != required)
		return -EBADMSG;
	return 0;
}

/* Read every record up to the first PAGES (or END). */
static int ckpt_read_meta(struct ckpt_restore *r)
{
	struct ckpt_rec_header h;
	void *p;
	u32 len;
	int err;

	for (;;) {
		err = ckpt_peek_rec(&r->in, &h);
		r->err.type = r->in.hdr.type;
		r->err.offset = r->in.rec_offset;
		if (err)
			return err;
		if (h.type == CKPT_REC_PAGES || h.type == CKPT_REC_END)
			break;
		err = ckpt_read_rec(&r->in, &p, &len);
		if (!err)
			err = ckpt_take_rec(r, h.type, p, len);
		if (err)
			return err;
	}
	return ckpt_meta_complete(r, &h);
}

/* A name of the UTS record: NUL-terminated, zeros after the NUL. */
static bool ckpt_uts_name_ok(const char *s)
{
	size_t n = strnlen(s, CKPT_UTS_LEN);

	return n < CKPT_UTS_LEN && !memchr_inv(s + n, 0, CKPT_UTS_LEN - n);
}

/* The UTS record: the first process's, exactly when the header says. */
static int ckpt_check_uts(struct ckpt_restore *r)
{
	bool want = !r->member && (r->hdr.flags & CKPT_IMAGE_UTS_NS);

	if (want != !!(r->seen & BIT_ULL(CKPT_REC_UTS)))
		return ckpt_bad(r, CKPT_REC_UTS, -EBADMSG);
	if (want && (!ckpt_uts_name_ok(r->uts.nodename) ||
		     !ckpt_uts_name_ok(r->uts.domainname) ||
		     memchr_inv(r->uts.reserved, 0, sizeof(r->uts.reserved))))
		return ckpt_bad(r, CKPT_REC_UTS, -EBADMSG);
	return 0;
}

static int ckpt_check_header(const struct ckpt_image_header *h)
{
	if (h->arch != CKPT_ARCH_X86_64 || h->page_size != PAGE_SIZE)
		return -EXDEV;
	/* The vdso must be the one the image's code knows. */
	if (strncmp(h->release, init_utsname()->release, CKPT_RELEASE_LEN) ||
	    strncmp(h->build, init_utsname()->version, CKPT_RELEASE_LEN - 1))
		return -EXDEV;
	if (!h->nr_tasks || h->nr_tasks > CKPT_MAX_TREE)
		return -EBADMSG;
	if (h->xstate_size > CKPT_MAX_XSTATE)
		return -EBADMSG;
	return 0;
}

static int ckpt_check_all(struct ckpt_restore *r)
{
	static int (*const checks[])(struct ckpt_restore *r) = {
		ckpt_check_task, ckpt_check_mm, ckpt_check_files,
		ckpt_check_fdstates, ckpt_check_inwatches, ckpt_check_shmems, ckpt_check_pipes, ckpt_check_ptys, ckpt_check_ghosts, ckpt_check_cpu,
		ckpt_check_socks, ckpt_check_sockopts, ckpt_check_mcasts,
		ckpt_check_threads, ckpt_check_attrs, ckpt_check_sysvshm,
		ckpt_check_seccomp, ckpt_check_shares_rec, ckpt_check_sched,
		ckpt_check_flocks, ckpt_check_mempolicy, ckpt_check_uts,
		ckpt_check_fowns, ckpt_check_netlinks,
	};
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < ARRAY_SIZE(checks); i++)
		err = checks[i](r);
	return err;
}

void ckpt_restore_init(struct ckpt_restore *r, struct file *image)
{
	mutex_init(&r->lock);
	init_completion(&r->done);
	init_completion(&r->go);
	init_waitqueue_head(&r->claimed_wq);
	r->image = get_file(image);
	r->err.fd = -1;
}

/* One process's metadata, from its TASK record on, and its checks. */
int ckpt_prepare_meta(struct ckpt_restore *r)
{
	int err;

	err = ckpt_read_meta(r);
	if (err)
		return ckpt_fail(&r->err, CKPT_OBJ_IMAGE, err);
	/* The checks name the record at fault themselves. */
	r->err.type = 0;
	r->err.offset = 0;
	err = ckpt_check_all(r);
	return err ? err : ckpt_tree_check_member(r);
}

static int ckpt_prepare(struct ckpt_restore *r, struct file *image)
{
	int err;

	ckpt_restore_init(r, image);
	err = ckpt_in_init(&r->in, image);
	if (err)
		return err;
	err = ckpt_read_header(&r->in, &r->hdr);
	if (!err)
		err = ckpt_check_header(&r->hdr);
	if (!err && r->hdr.nr_tasks > 1)
		err = ckpt_tree_prepare(r);
	if (err)
		return ckpt_fail(&r->err, CKPT_OBJ_IMAGE, err);
	return ckpt_prepare_meta(r);
}

/* Tell the tool which TIDs to create. */
static int ckpt_copy_tids(const struct ckpt_restore_args *a,
			  const struct ckpt_restore *r)
{
	s32 __user *tids = u64_to_user_ptr(a->tids);
	u32 i;

	for (i = 0; i < r->nr_threads && i < a->tids_max; i++)
		if (put_user(r->threads[i].rec.tid, &tids[i]))
			return -EFAULT;
	return 0;
}

/*
 * The image's POSIX timers, for the restoring process to re-create: a
 * caller that cannot take them all cannot restore this image.
 */
static int ckpt_copy_timers(const struct ckpt_restore_args *a, u32 usize,
			    struct ckpt_restore *r)
{
	u32 n = r->have_timers ? r->timers.nr_posix : 0;

	if (!n)
		return 0;
	if (usize < offsetofend(struct ckpt_restore_args, nr_timers) ||
	    !a->timers || a->timers_max < n)
		return ckpt_fail(&r->err, CKPT_OBJ_TASK, -EOPNOTSUPP);
	if (copy_to_user(u64_to_user_ptr(a->timers), r->posix_timers,
			 n * sizeof(*r->posix_timers)))
		return -EFAULT;
	return 0;
}

/* What the checkpoint left out (--skip), for the tool to tell. */
static int ckpt_copy_skipped(struct ckpt_restore_args *a, u32 usize,
			     const struct ckpt_restore *r)
{
	if (usize < offsetofend(struct ckpt_restore_args, nr_skipped))
		return 0;
	a->nr_skipped = r->nr_skipped;
	if (!a->skipped || !r->nr_skipped)
		return 0;
	if (copy_to_user(u64_to_user_ptr(a->skipped), r->skipped,
			 min(a->skipped_max, r->nr_skipped) *
			 sizeof(*r->skipped)))
		return -EFAULT;
	return 0;
}

/*
 * Each clock apart, for a caller that knows @monotonic_raw_ns; others get
 * the later of MONOTONIC and MONOTONIC_RAW (ckpt_prepare_out()) as before.
 */
static void ckpt_copy_clocks(struct ckpt_restore_args *a, u32 usize,
			     const struct ckpt_restore *r)
{
	if (usize < offsetofend(struct ckpt_restore_args, monotonic_raw_ns) ||
	    !r->have_clocks)
		return;
	a->monotonic_ns = r->clocks.monotonic_ns;
	a->monotonic_raw_ns = r->clocks.monotonic_raw_ns;
	a->boottime_ns = r->clocks.boottime_ns;
}

/*
 * The UTS record, to the caller, which must ask for it when the image has
 * one: a restorer that did not would put the processes in its own UTS
 * namespace, under its host name (EOPNOTSUPP).
 */
static int ckpt_copy_uts(struct ckpt_restore_args *a, u32 usize,
			 struct ckpt_restore *r)
{
	if (!(r->hdr.flags & CKPT_IMAGE_UTS_NS))
		return 0;
	if (usize < offsetofend(struct ckpt_restore_args, uts) || !a->uts)
		return ckpt_fail(&r->err, CKPT_OBJ_IMAGE, -EOPNOTSUPP);
	if (copy_to_user(u64_to_user_ptr(a->uts), &r->uts, sizeof(r->uts)))
		return -EFAULT;
	return 0;
}

/* The process's cgroup path, when the caller asked and it fits. */
static int ckpt_copy_cgroup(struct ckpt_restore_args *a, u32 usize,
			    const struct ckpt_restore *r)
{
	if (usize < offsetofend(struct ckpt_restore_args, cgroup_len))
		return 0;
	a->cgroup_len = r->cgroup ? r->cgroup_rec.path_len : 0;
	if (!a->cgroup || !a->cgroup_len || a->cgroup_len > a->cgroup_max)
		return 0;
	if (copy_to_user(u64_to_user_ptr(a->cgroup), r->cgroup, a->cgroup_len))
		return -EFAULT;
	return 0;
}

static const u64 ckpt_sysv_recs = BIT_ULL(CKPT_REC_SYSVSHM) |
				  BIT_ULL(CKPT_REC_SYSVSEM) |
				  BIT_ULL(CKPT_REC_SYSVMSG);

static void ckpt_prepare_out(struct ckpt_restore_args *a,
			     const struct ckpt_restore *r, int err)
{
	const struct ckpt_restore_vma *v;

	a->err_object = err ? r->err.object : CKPT_OBJ_NONE;
	a->err_type = err ? r->err.type : 0;
	a->err_offset = err ? r->err.offset : 0;
	a->err_fd = err ? r->err.fd : -1;
	a->err_addr = err ? r->err.addr : 0;
	if (err)
		return;
	a->pid = r->task.pid;
	a->nr_tasks = r->hdr.nr_tasks;
	a->nr_threads = r->nr_threads;
	v = ckpt_find_vma(r, CKPT_VMA_VVAR);
	a->vvar_start = v->rec.start;
	a->vvar_end = v->rec.end;
	v = ckpt_find_vma(r, CKPT_VMA_VDSO);
	a->vdso_start = v->rec.start;
	a->vdso_end = v->rec.end;
	a->nr_timers = r->have_timers ? r->timers.nr_posix : 0;
	a->monotonic_ns = r->have_timers ? r->timers.monotonic_ns : 0;
	a->boottime_ns = r->have_timers ? r->timers.boottime_ns : 0;
	a->image_flags = r->hdr.flags;
	a->monotonic_raw_ns = 0;	/* ckpt_copy_clocks() sets it */
	a->prepared = r->hdr.nr_tasks == 1 && !(r->seen & ckpt_sysv_recs) ?
		      CKPT_PREPARED_NO_SYSV : 0;
}

/* The caller's privileges, which RESTORE_PREPARE's checks rely on. */
static void ckpt_note_preparer(struct ckpt_restore *r)
{
	int i;

	r->prep_cred = get_current_cred();
	r->prep_net = get_net(current->nsproxy->net_ns);
	task_lock(current->group_leader);
	for (i = 0; i < CKPT_NRLIMITS; i++)
		r->prep_rlim_max[i] = current->signal->rlim[i].rlim_max;
	task_unlock(current->group_leader);
}

/*
 * May the caller restore what @r's preparer checked?  It must hold what
 * the checks of RESTORE_PREPARE relied on (capabilities in the same user
 * namespace, the same IDs, the network namespace, hard limits no lower),
 * or a process given the descriptor could take privileges it does not
 * have: a seccomp filter without no_new_privs, securebits, TCP repair.
 * restart's child, a fork of the preparer, always does.
 */
static bool ckpt_may_restore(const struct ckpt_restore *r)
{
	const struct cred *p = r->prep_cred, *c = current_cred();
	bool ok;
	int i;

	ok = c->user_ns == p->user_ns &&
	     current->nsproxy->net_ns == r->prep_net &&
	     uid_eq(c->uid, p->uid) && uid_eq(c->euid, p->euid) &&
	     uid_eq(c->suid, p->suid) && uid_eq(c->fsuid, p->fsuid) &&
	     gid_eq(c->gid, p->gid) && gid_eq(c->egid, p->egid) &&
	     gid_eq(c->sgid, p->sgid) && gid_eq(c->fsgid, p->fsgid) &&
	     cap_issubset(p->cap_effective, c->cap_effective) &&
	     cap_issubset(p->cap_permitted, c->cap_permitted);
	task_lock(current->group_leader);
	for (i = 0; ok && i < CKPT_NRLIMITS; i++)
		ok = current->signal->rlim[i].rlim_max >= r->prep_rlim_max[i];
	task_unlock(current->group_leader);
	return ok;
}

long ckpt_ioctl_restore_prepare(struct ckpt_file *cf, void __user *uarg)
{
	struct ckpt_restore_args a;
	struct ckpt_restore *r;
	struct file *image;
	ktime_t t;
	u32 usize;
	int err;

	err = ckpt_copy_args(&a, sizeof(a),
			     offsetofend(struct ckpt_restore_args, err_offset),
			     uarg, &usize);
	if (err)
		return err;
	if ((a.flags & ~(CKPT_RESTORE_ANY_CPU | CKPT_RESTORE_ANY_NODE |
			 CKPT_RESTORE_HOLD)) ||
	    a.reserved0 || a.reserved2)
		return -EINVAL;
	image = fget(a.fd);
	if (!image)
		return -EBADF;
	err = -EBADF;
	if (!(image->f_mode & FMODE_READ))
		goto out_image;
	err = -ENOMEM;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		goto out_image;
	r->any_cpu = a.flags & CKPT_RESTORE_ANY_CPU;
	r->any_node = a.flags & CKPT_RESTORE_ANY_NODE;
	ckpt_note_preparer(r);

	mutex_lock(&cf->lock);
	t = ktime_get();
	err = cf->rst ? -EBUSY : ckpt_prepare(r, image);
	ckpt_time_step("restore", ckpt_prepare, &t);
	if (!err && (a.flags & CKPT_RESTORE_HOLD)) {
		r->hold = ckpt_rhold_new(r->hdr.nr_tasks);
		if (!r->hold)
			err = -ENOMEM;
	}
	if (!err && a.tids)
		err = ckpt_copy_tids(&a, r);
	if (!err)
		err = ckpt_copy_timers(&a, usize, r);
	if (!err)
		err = ckpt_copy_skipped(&a, usize, r);
	if (!err)
		err = ckpt_copy_cgroup(&a, usize, r);
	if (!err)
		err = ckpt_copy_uts(&a, usize, r);
	ckpt_prepare_out(&a, r, err);
	if (!err) {
		ckpt_copy_clocks(&a, usize, r);
		cf->rst = r;
	}
	mutex_unlock(&cf->lock);
	if (err)
		ckpt_restore_free(r);
	if (copy_to_user(uarg, &a, min_t(size_t, usize, sizeof(a))))
		err = err ?: -EFAULT;
out_image:
	fput(image);
	return err;
}

#define CKPT_THREADS_TIMEOUT	(10 * HZ)
#define CKPT_SHARERS_TRIES	100	/* of 20 ms */

/* Does anything but our @n threads use what the restore replaces? */
static bool ckpt_shared_with_others(int n)
{
	return get_nr_threads(current) != n ||
	       atomic_read(&current->mm->mm_users) != n ||
	       atomic_read(&current->files->count) != n ||
	       refcount_read(&rcu_dereference_protected(current->sighand,
							true)->count) != n ||
	       current->fs->users != n;
}

/*
 * The restoring task must share everything it is about to replace with
 * the image's threads only, all of them waiting in RESTORE_THREAD.
 */
int ckpt_check_restorer(struct ckpt_restore *r)
{
	int n = 1 + r->nr_threads;
	long left;

	if (task_tgid_vnr(current) != r->task.pid ||
	    task_pid_vnr(current) != r->task.pid)
		return -ESRCH;
	left = wait_event_killable_timeout(r->claimed_wq,
					   READ_ONCE(r->nr_claimed) ==
					   r->nr_threads,
					   CKPT_THREADS_TIMEOUT);
	if (left <= 0)
		return left ? -EINTR : -EBUSY;
	/*
	 * Readers of /proc/PID (ps, top, a shell polling for the PID) take
	 * short-lived references to the mm: wait them out, a while.
	 */
	for (left = CKPT_SHARERS_TRIES; ckpt_shared_with_others(n); left--) {
		if (!left || fatal_signal_pending(current))
			return -EBUSY;
		msleep(20);
	}
	/* On another's address space: its own goes, vdso and all. */
	left = r->shares.vm_pid ? 0 : ckpt_vdso_matches(r);
	if (!left)
		left = ckpt_sysvshm_present(r);
	/* Last check, first change: the threads' scheduling attributes. */
	if (!left)
		left = ckpt_restore_sched(r);
	/* Then their memory policies: the threads' were set as they came. */
	return left ? left : ckpt_restore_mempolicy_self(r);
}

/* Run @n steps of the restore in order, until one fails. */
static int ckpt_run_steps(struct ckpt_restore *r,
			  int (*const *steps)(struct ckpt_restore *r),
			  unsigned int n)
{
	ktime_t t = ktime_get();
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < n; i++) {
		/* Another process of the tree failed: stop here. */
		if (r->tree && ckpt_tree_failed(r->tree))
			return -ECANCELED;
		err = steps[i](r);
		ckpt_time_step("restore", steps[i], &t);
		if (err && steps[i] == ckpt_restore_pages)
			ckpt_fail(&r->err, CKPT_OBJ_IMAGE, err);
	}
	return err;
}

/*
 * The last steps, once every page is in: the main thread's scheduling
 * policy and nice value (held back so as not to slow the fill), the
 * CPU-time timers (the fill does not count against them), the CPU state
 * (its task work leaves a signal pending that would interrupt a fill).
 * A tree's process whose last pages are filled after its turn
 * (ckpt_fill_later()) takes them then.
 */
int ckpt_restore_finish(struct ckpt_restore *r)
{
	static int (*const steps[])(struct ckpt_restore *r) = {
		ckpt_restore_sched_self, ckpt_arm_cpu_posix_timers,
		ckpt_restore_cpu,
	};

	return ckpt_run_steps(r, steps, ARRAY_SIZE(steps));
}

static int ckpt_restore_self(struct ckpt_restore *r)
{
	static int (*const steps[])(struct ckpt_restore *r) = {
		ckpt_restore_creds, ckpt_restore_shmems, ckpt_restore_mm,
		ckpt_restore_mempolicy_vmas, ckpt_restore_pages,
		ckpt_protect_hugetlb, ckpt_seal_shmems, ckpt_restore_exe,
		ckpt_restore_fs, ckpt_restore_files, ckpt_restore_fowns,
		ckpt_restore_flocks,
		ckpt_restore_signals, ckpt_restore_misc, ckpt_restore_attrs,
		ckpt_restore_root, ckpt_restore_seccomp,
	};
	int err;

	current->rseq = NULL;
	err = ckpt_run_steps(r, steps, ARRAY_SIZE(steps));
	if (err || r->fill_later)
		return err;
	return ckpt_restore_finish(r);
}

/*
 * Past every check, become the image's process: nothing is delivered
 * until the restored mask is set, at the end; a failure from here on
 * (the point of no return) kills the task.
 */
int ckpt_become(struct ckpt_restore *r)
{
	sigset_t all;
	int err;

	sigfillset(&all);
	sigdelsetmask(&all, sigmask(SIGKILL) | sigmask(SIGSTOP));
	sigprocmask(SIG_SETMASK, &all, NULL);
	err = ckpt_restore_self(r);
	if (err) {
		ckpt_fail(&r->err, CKPT_OBJ_TASK, err);
		force_sig(SIGKILL);
	}
	return err;
}

static void ckpt_restore_done(struct ckpt_restore *r, int err)
{
	mutex_lock(&r->lock);
	r->result = err;
	r->state = CKPT_RST_DONE;
	mutex_unlock(&r->lock);
	complete_all(&r->go);		/* the threads go on, or die */
	complete_all(&r->done);
	ckpt_event(err ? CKPT_EV_RESTORE_FAIL : CKPT_EV_RESTORE_DONE,
		   task_tgid_nr(current), err, 0);
}

/*
 * The argument of RESTORE_TASK, RESTORE_THREAD and RESTORE_RELEASE: only
 * size, flags and reserved fields, which must be zero.
 */
int ckpt_copy_empty_args(void __user *uarg)
{
	struct ckpt_restore_task_args a;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(struct ckpt_restore_thread_args) != sizeof(a));
	BUILD_BUG_ON(sizeof(struct ckpt_restore_release_args) != sizeof(a));
	err = ckpt_copy_args(&a, sizeof(a),
			     offsetofend(struct ckpt_restore_task_args,
					 reserved),
			     uarg, &usize);
	if (err)
		return err;
	if (a.flags || a.reserved[0] || a.reserved[1])
		return -EINVAL;
	return 0;
}

/* The restore prepared on this open file; it lives as long as the file. */
static struct ckpt_restore *ckpt_prepared(struct ckpt_file *cf)
{
	struct ckpt_restore *r;

	mutex_lock(&cf->lock);
	r = cf->rst;
	mutex_unlock(&cf->lock);
	return r;
}

long ckpt_ioctl_restore_task(struct file *file, void __user *uarg)
{
	struct ckpt_file *cf = file->private_data;
	struct ckpt_restore *r;
	ktime_t t;
	int err;

	err = ckpt_copy_empty_args(uarg);
	if (err)
		return err;
	mutex_lock(&cf->lock);
	r = cf->rst;
	err = !r ? -ENOENT : !ckpt_may_restore(r) ? -EPERM : r->tree ? 0 :
	      r->state != CKPT_RST_PREPARED ? -EALREADY : 0;
	if (!err && !r->tree)
		r->state = CKPT_RST_RUNNING;
	mutex_unlock(&cf->lock);
	if (err)
		return err;
	if (r->tree)
		return ckpt_tree_restore_task(file, r);

	/* Our own descriptor for this file goes when the fd table does. */
	get_file(file);
	t = ktime_get();
	err = ckpt_check_restorer(r);
	ckpt_time_step("restore", ckpt_check_restorer, &t);
	if (err) {
		ckpt_fail(&r->err, CKPT_OBJ_TASK, err);
		goto out;
	}
	err = ckpt_become(r);
	/* Its mappings hold the shared memory now, not the restore. */
	ckpt_shanon_free(r);
out:
	ckpt_restore_done(r, err);
	fput(file);
	return err;
}

long ckpt_ioctl_restore_wait(struct ckpt_file *cf, void __user *uarg)
{
	struct ckpt_restore_wait_args a;
	struct ckpt_restore *r;
	long left;
	u32 usize;
	int err;

	err = ckpt_copy_args(&a, sizeof(a),
			     offsetofend(struct ckpt_restore_wait_args,
					 err_offset),
			     uarg, &usize);
	if (err)
		return err;
	if (a.flags || a.reserved0 || a.reserved[0] || a.reserved[1])
		return -EINVAL;
	r = ckpt_prepared(cf);
	if (!r)
		return -ENOENT;
	if (r->tree) {
		err = ckpt_tree_wait(r, &a);
		if (err)
			return err;
		if (copy_to_user(uarg, &a, min_t(size_t, usize, sizeof(a))))
			return -EFAULT;
		return 0;
	}
	if (a.timeout_ms)
		left = wait_for_completion_interruptible_timeout(&r->done,
				msecs_to_jiffies(a.timeout_ms));
	else
		left = wait_for_completion_interruptible(&r->done) ?: 1;
	if (left == 0)
		return -ETIMEDOUT;
	if (left < 0)
		return -EINTR;
	mutex_lock(&r->lock);
	a.result = r->result;
	a.err_object = r->result ? r->err.object : CKPT_OBJ_NONE;
	/* A record is named only when the image was at fault. */
	a.err_type = a.err_object == CKPT_OBJ_IMAGE ? r->err.type : 0;
	a.err_offset = a.err_object == CKPT_OBJ_IMAGE ? r->err.offset : 0;
	a.err_fd = r->result ? r->err.fd : -1;
	a.err_addr = r->result ? r->err.addr : 0;
	a.err_pid = r->result ? r->task.pid : 0;
	mutex_unlock(&r->lock);
	if (copy_to_user(uarg, &a, min_t(size_t, usize, sizeof(a))))
		return -EFAULT;
	return 0;
}

/*
 * Claim the THREAD record with the caller's TID, noting @mempol_err, the
 * error of setting its memory policy (the main thread reports it).
 */
static struct ckpt_restore_thread *ckpt_claim_thread(struct ckpt_restore *r,
						     int mempol_err)
{
	struct ckpt_restore_thread *t = NULL;
	pid_t tid = task_pid_vnr(current);
	u32 i;

	mutex_lock(&r->lock);
	for (i = 0; i < r->nr_threads; i++)
		if (r->threads[i].rec.tid == tid)
			t = &r->threads[i];
	if (!t || r->state == CKPT_RST_DONE)
		t = ERR_PTR(-ENOENT);
	else if (t->claimed)
		t = ERR_PTR(-EALREADY);
	else
		t->claimed = true;
	if (!IS_ERR(t)) {
		t->mempol_err = mempol_err;
		WRITE_ONCE(r->nr_claimed, r->nr_claimed + 1);
	}
	mutex_unlock(&r->lock);
	if (!IS_ERR(t))
		wake_up(&r->claimed_wq);
	return t;
}

/*
 * The calling thread, of the process @r restores, claims its THREAD
 * record and waits for the process (the tree) to be restored; then it
 * restores itself.
 */
long ckpt_restore_thread_claimed(struct ckpt_restore *r)
{
	struct ckpt_restore_thread *t;
	sigset_t all;
	int err;

	if (task_tgid_vnr(current) != r->task.pid ||
	    thread_group_leader(current))
		return -ESRCH;
	/* Its own memory policy, while in the restoring process. */
	t = ckpt_claim_thread(r, ckpt_mempolicy_thread(r));
	if (IS_ERR(t))
		return PTR_ERR(t);
	sigfillset(&all);
	sigdelsetmask(&all, sigmask(SIGKILL) | sigmask(SIGSTOP));
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* The main thread restores the process; its failure kills us all. */
	if (wait_for_completion_killable(&r->go))
		return -EINTR;
	if (READ_ONCE(r->result))
		return READ_ONCE(r->result);
	err = ckpt_restore_thread_self(r, t);
	if (err)
		force_sig(SIGKILL);
	return err;
}

long ckpt_ioctl_restore_thread(struct file *file, void __user *uarg)
{
	struct ckpt_file *cf = file->private_data;
	struct ckpt_restore *r;
	int err;

	err = ckpt_copy_empty_args(uarg);
	if (err)
		return err;
	r = ckpt_prepared(cf);
	if (!r)
		return -ENOENT;
	if (!ckpt_may_restore(r))
		return -EPERM;
	if (r->tree)
		return ckpt_tree_restore_thread(file, r);
	return ckpt_restore_thread_claimed(r);
}
