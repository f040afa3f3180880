// SPDX-License-Identifier: GPL-2.0
/*
 * seccomp: each thread's mode (strict, or a chain of filters).
 *
 * Checkpoint: the classic BPF programs and their flags are read with the
 * kernel's own seccomp_get_filter() and seccomp_get_metadata(), what
 * PTRACE_SECCOMP_GET_FILTER uses.  Like it, they need CAP_SYS_ADMIN and a
 * caller not itself under seccomp: the programs may hold secrets of the
 * policy.  They copy to user memory, so a scratch buffer is mapped in the
 * checkpointer's address space for the duration.
 *
 * Restore: each restored thread installs its filters, oldest first, with
 * the seccomp() system call, as the last step of its restore, so they
 * filter nothing of the restore itself, and the kernel checks each
 * program as it would any other.  seccomp() wants no_new_privs or
 * CAP_SYS_ADMIN; a process that had its filters installed with
 * CAP_SYS_ADMIN may have dropped it since, so an image with filters and
 * without no_new_privs is restored only by a caller holding CAP_SYS_ADMIN,
 * and then installed under that right.  A filter's listener
 * (SECCOMP_FILTER_FLAG_NEW_LISTENER) cannot be told from the outside and
 * is not restored: such a filter's SECCOMP_RET_USER_NOTIF gives ENOSYS.
 */
#include <linux/filter.h>
#include <linux/mman.h>
#include <linux/seccomp.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/cred.h>
#include <linux/uaccess.h>
#include <linux/ptrace.h>
#include "ckpt.h"

#define CKPT_SECCOMP_PROG_MAX	(BPF_MAXINSNS * sizeof(struct sock_filter))
#define CKPT_SECCOMP_MAX_RECS	4096

/* ---------------------------------------------------------------------- */
/* Checkpoint                                                              */
/* ---------------------------------------------------------------------- */

/* May the caller read filters, as seccomp_get_filter() will insist? */
bool ckpt_may_read_seccomp(void)
{
	return capable(CAP_SYS_ADMIN) &&
	       current->seccomp.mode == SECCOMP_MODE_DISABLED;
}

static int ckpt_dump_filters(struct ckpt_dump *d, struct task_struct *t,
			     unsigned long ubuf, u64 *bytes)
{
	void __user *u = (void __user *)ubuf;
	struct ckpt_rec_seccomp *rs;
	struct seccomp_metadata md;
	unsigned long n;
	long len, got;
	int err;

	for (n = 0; ; n++) {
		len = ckpt_ksyms.seccomp_get_filter(t, n, NULL);
		if (len == -ENOENT && n)
			return 0;
		if (len == -EACCES)
			return -EPERM;
		if (len < 0)
			return len == -EMEDIUMTYPE ? -EOPNOTSUPP : len;
		if (!len || len > BPF_MAXINSNS)
			return -EOPNOTSUPP;
		*bytes += len * sizeof(struct sock_filter);
		if (*bytes > CKPT_SECCOMP_MAX_BYTES)
			return -E2BIG;
		rs = ckpt_rec_payload(&d->out);
		memset(rs, 0, sizeof(*rs));
		got = ckpt_ksyms.seccomp_get_filter(t, n, u);
		/* The thread is frozen: its chain cannot change meanwhile. */
		if (got != len)
			return got < 0 ? got : -EBUSY;
		if (copy_from_user(rs + 1, u, len * sizeof(struct sock_filter)))
			return -EFAULT;
		memset(&md, 0, sizeof(md));
		md.filter_off = n;
		if (copy_to_user(u, &md, sizeof(md)))
			return -EFAULT;
		got = ckpt_ksyms.seccomp_get_metadata(t, sizeof(md), u);
		if (got < 0)
			return got;
		if (copy_from_user(&md, u, sizeof(md)))
			return -EFAULT;
		rs->tid = task_pid_vnr(t);
		rs->mode = SECCOMP_MODE_FILTER;
		rs->index = n;
		rs->flags = md.flags & SECCOMP_FILTER_FLAG_LOG;
		rs->len = len;
		err = ckpt_write_payload(&d->out, CKPT_REC_SECCOMP, sizeof(*rs) +
					 len * sizeof(struct sock_filter));
		if (err)
			return err;
	}
}

int ckpt_dump_seccomp(struct ckpt_dump *d)
{
	unsigned long ubuf = 0;
	unsigned int i;
	u64 bytes = 0;
	int err = 0;

	for (i = 0; !err && i < d->nr_threads; i++) {
		struct task_struct *t = d->threads[i];
		struct ckpt_rec_seccomp *rs;

		switch (READ_ONCE(t->seccomp.mode)) {
		case SECCOMP_MODE_DISABLED:
			break;
		case SECCOMP_MODE_STRICT:
			rs = ckpt_rec_payload(&d->out);
			memset(rs, 0, sizeof(*rs));
			rs->tid = task_pid_vnr(t);
			rs->mode = SECCOMP_MODE_STRICT;
			err = ckpt_write_payload(&d->out, CKPT_REC_SECCOMP,
						 sizeof(*rs));
			break;
		case SECCOMP_MODE_FILTER:
			if (!ubuf) {
				ubuf = vm_mmap(NULL, 0, CKPT_SECCOMP_PROG_MAX,
					       PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, 0);
				if (IS_ERR_VALUE(ubuf)) {
					err = (long)ubuf;
					ubuf = 0;
					break;
				}
			}
			err = ckpt_dump_filters(d, t, ubuf, &bytes);
			break;
		default:
			err = -EOPNOTSUPP;
		}
	}
	if (ubuf)
		vm_munmap(ubuf, CKPT_SECCOMP_PROG_MAX);
	if (err && err != -EFAULT && err != -ENOMEM)
		return ckpt_fail(&d->err, CKPT_OBJ_TASK, err);
	return err;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_take_seccomp(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_seccomp *rec = p;
	struct ckpt_restore_seccomp *s;
	size_t prog_len;
	int err;

	if (len < sizeof(*rec) || rec->len > BPF_MAXINSNS)
		return -EBADMSG;
	prog_len = (size_t)rec->len * sizeof(struct sock_filter);
	if (len != sizeof(*rec) + prog_len ||
	    r->seccomp_bytes + prog_len > CKPT_SECCOMP_MAX_BYTES)
		return -EBADMSG;
	err = ckpt_grow((void **)&r->seccomp, r->nr_seccomp, sizeof(*s),
			CKPT_SECCOMP_MAX_RECS);
	if (err)
		return err;
	s = &r->seccomp[r->nr_seccomp];
	s->rec = *rec;
	s->offset = r->in.rec_offset;
	s->prog = NULL;
	if (prog_len) {
		s->prog = ckpt_dup(rec + 1, prog_len);
		if (!s->prog)
			return -ENOMEM;
	}
	r->seccomp_bytes += prog_len;
	r->nr_seccomp++;
	return 0;
}

void ckpt_free_seccomp(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_seccomp; i++)
		kvfree(r->seccomp[i].prog);
	kvfree(r->seccomp);
	r->seccomp = NULL;
	r->nr_seccomp = 0;
}

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

/* One record against the ones before it of the same thread. */
static bool ckpt_seccomp_rec_ok(const struct ckpt_restore *r, u32 i)
{
	const struct ckpt_restore_seccomp *s = &r->seccomp[i];
	const struct ckpt_rec_seccomp *rec = &s->rec;
	const struct ckpt_rec_seccomp *prev = NULL;
	u32 j;

	if (rec->reserved || !ckpt_is_thread(r, rec->tid))
		return false;
	for (j = 0; j < i; j++)
		if (r->seccomp[j].rec.tid == rec->tid)
			prev = &r->seccomp[j].rec;
	if (rec->mode == SECCOMP_MODE_STRICT)
		return !prev && !rec->index && !rec->flags && !rec->len;
	if (rec->mode != SECCOMP_MODE_FILTER || !rec->len ||
	    (rec->flags & ~SECCOMP_FILTER_FLAG_LOG))
		return false;
	if (prev ? prev->mode != SECCOMP_MODE_FILTER ||
		   rec->index != prev->index + 1 : rec->index)
		return false;
	return true;
}

/*
 * A valid classic BPF program?  (bpf_check_classic() is not exported;
 * making the program runs it.)  seccomp's own rules are checked again by
 * the kernel at install, after the point of no return.
 */
static bool ckpt_seccomp_prog_ok(const struct ckpt_restore_seccomp *s)
{
	struct sock_fprog_kern fp = {
		.len = s->rec.len,
		.filter = s->prog,
	};
	struct bpf_prog *prog;

	if (bpf_prog_create(&prog, &fp))
		return false;
	bpf_prog_destroy(prog);
	return true;
}

/* no_new_privs of the image's thread @tid: its own, as it is per task. */
static bool ckpt_tid_no_new_privs(const struct ckpt_restore *r, pid_t tid)
{
	u32 i;

	if (tid == r->task.pid)
		return r->task.flags & CKPT_TASK_NO_NEW_PRIVS;
	for (i = 0; i < r->nr_threads; i++)
		if (r->threads[i].rec.tid == tid)
			return r->threads[i].rec.flags &
			       CKPT_THREAD_NO_NEW_PRIVS;
	return false;
}

int ckpt_check_seccomp(struct ckpt_restore *r)
{
	bool unprivileged = false;
	u32 i;

	for (i = 0; i < r->nr_seccomp; i++) {
		const struct ckpt_restore_seccomp *s = &r->seccomp[i];

		if (!ckpt_seccomp_rec_ok(r, i) ||
		    (s->prog && !ckpt_seccomp_prog_ok(s)))
			return ckpt_bad_rec(r, CKPT_REC_SECCOMP, s->offset,
					    -EBADMSG);
		if (s->rec.mode == SECCOMP_MODE_FILTER &&
		    !ckpt_tid_no_new_privs(r, s->rec.tid))
			unprivileged = true;
	}
	/*
	 * What seccomp() itself asks of whoever installs a filter in a
	 * thread without no_new_privs.
	 */
	if (unprivileged && !ns_capable(current_user_ns(), CAP_SYS_ADMIN))
		return ckpt_fail(&r->err, CKPT_OBJ_CREDS, -EPERM);
	return 0;
}

/* seccomp(SECCOMP_SET_MODE_FILTER) of one program, from a scratch page. */
static int ckpt_install_filter(const struct ckpt_restore_seccomp *s,
			       unsigned long ubuf)
{
	size_t prog_len = (size_t)s->rec.len * sizeof(struct sock_filter);
	struct sock_fprog fp;

	/* Copied to the process: its padding too, so zeroed first. */
	memset(&fp, 0, sizeof(fp));
	fp.len = s->rec.len;
	fp.filter = (struct sock_filter __user *)(ubuf + sizeof(fp));
	if (copy_to_user((void __user *)ubuf, &fp, sizeof(fp)) ||
	    copy_to_user(fp.filter, s->prog, prog_len))
		return -EFAULT;
	return ckpt_syscall(ckpt_ksyms.sys_seccomp, SECCOMP_SET_MODE_FILTER,
			    s->rec.flags, ubuf, 0);
}

/* The calling thread, restored as @tid, takes its seccomp mode: last. */
int ckpt_restore_seccomp_tid(struct ckpt_restore *r, pid_t tid)
{
	const size_t size = sizeof(struct sock_fprog) + CKPT_SECCOMP_PROG_MAX;
	const struct cred *old = NULL;
	unsigned long ubuf = 0;
	struct cred *c;
	long err = 0;
	u32 i;

	for (i = 0; !err && i < r->nr_seccomp; i++) {
		const struct ckpt_restore_seccomp *s = &r->seccomp[i];

		if (s->rec.tid != tid)
			continue;
		if (s->rec.mode == SECCOMP_MODE_STRICT) {
			err = ckpt_syscall(ckpt_ksyms.sys_seccomp,
					   SECCOMP_SET_MODE_STRICT, 0, 0, 0);
			continue;
		}
		if (!ubuf) {
			/* Checked at prepare: the caller may do this. */
			if (!task_no_new_privs(current) &&
			    !ns_capable_noaudit(current_user_ns(),
						CAP_SYS_ADMIN)) {
				c = prepare_creds();
				if (!c)
					return -ENOMEM;
				cap_raise(c->cap_effective, CAP_SYS_ADMIN);
				old = override_creds(c);
				put_cred(c);
			}
			ubuf = vm_mmap(NULL, 0, size, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, 0);
			if (IS_ERR_VALUE(ubuf)) {
				err = (long)ubuf;
				ubuf = 0;
				break;
			}
		}
		err = ckpt_install_filter(s, ubuf);
	}
	if (ubuf)
		vm_munmap(ubuf, size);
	if (old)
		revert_creds(old);
	return err;
}

int ckpt_restore_seccomp(struct ckpt_restore *r)
{
	int err = ckpt_restore_seccomp_tid(r, r->task.pid);

	return err ? ckpt_fail(&r->err, CKPT_OBJ_TASK, err) : 0;
}
