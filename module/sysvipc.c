// SPDX-License-Identifier: GPL-2.0
/*
 * SysV shared memory segments attached by the checkpointed processes.
 *
 * Dump: a mapping made by shmat(2) (its file is the IPC code's
 * shm_file_operations file; its inode number is the shmid) becomes a
 * CKPT_VMA_SYSVSHM record naming the segment.  Only a whole segment
 * attached at one place, with the protection shmat(2) gave it, is taken
 * (no partial munmap or mprotect).  Each segment is saved once per image,
 * with the first process that has it attached: a SYSVSHM record (id,
 * key, mode, owner, size) and its contents in SYSVDATA records, read
 * while every process of the tree is frozen (another process attached to
 * it may still write).  Semaphores and message queues are not saved here.
 *
 * Restore: restart(1) creates each segment again, with its id (the IPC
 * namespace's shm_next_id), key, mode and owner, fills it from the image
 * and removes it again if the restore fails.  Before its point of no
 * return each process checks that every segment it attaches is there
 * with its key (ckpt_sysvshm_present()); then it attaches it at the same
 * address with do_shmat(), which checks the restored credentials against
 * the segment's permissions like shmat(2).
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/ipc.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/nsproxy.h>
#include <linux/shm.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>
#include "ckpt.h"

/* ipc/util.h: the index of shared memory in ipc_namespace.ids[] */
#define CKPT_IPC_SHM_IDS	2

#define CKPT_SYSV_CHUNK		(rounddown(CKPT_REC_MAX_META - \
					   sizeof(struct ckpt_rec_sysvdata), \
					   PAGE_SIZE))

bool ckpt_is_sysvshm(struct file *f)
{
	return ckpt_ksyms.shm_fops && f && f->f_op == ckpt_ksyms.shm_fops;
}

/* ---------------------------------------------------------------------- */
/* Dump                                                                    */
/* ---------------------------------------------------------------------- */

/*
 * The mapping @vma of a segment: fill in @v and note the segment, to be
 * saved with this process if no earlier one of the tree saved it.
 */
int ckpt_sysvshm_vma(struct ckpt_dump *d, struct vm_area_struct *vma,
		     struct ckpt_rec_vma *v)
{
	struct inode *inode = file_inode(vma->vm_file);
	unsigned long want = VM_READ | VM_MAYREAD;
	int err;

	v->ino = inode->i_ino;
	v->size = i_size_read(inode);
	if (vma->vm_pgoff || PAGE_ALIGN(v->size) != v->end - v->start ||
	    v->ino > INT_MAX)
		return -EOPNOTSUPP;
	/* As shmat(2) makes it: read-only, or read-write; exec or not. */
	if (vma->vm_flags & VM_MAYWRITE)
		want |= VM_WRITE;
	if ((vma->vm_flags & (VM_READ | VM_WRITE)) !=
	    (want & (VM_READ | VM_WRITE)))
		return -EOPNOTSUPP;
	if (xa_load(&d->sysv_seen, v->ino))
		return 0;
	err = ckpt_note_file_once(&d->sysv_todo, vma->vm_file,
				  &d->sysv_bytes, CKPT_SYSV_MAX_DATA);
	if (err)
		return err;
	return xa_err(xa_store(&d->sysv_seen, v->ino, xa_mk_value(1),
			       GFP_KERNEL));
}

void ckpt_sysvshm_destroy(struct ckpt_dump *d)
{
	ckpt_files_once_destroy(&d->sysv_todo);
	xa_init(&d->sysv_todo);
}

/* The segment's id, key, mode and owner, from the IPC namespace. */
static int ckpt_sysvshm_rec(unsigned long id, struct file *f,
			    struct ckpt_rec_sysvshm *s)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct user_namespace *uns = current_user_ns();
	struct kern_ipc_perm *perm;
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->id = id;
	s->size = i_size_read(file_inode(f));
	rcu_read_lock();
	perm = ckpt_ksyms.ipc_obtain_object_idr(&ns->ids[CKPT_IPC_SHM_IDS], id);
	if (IS_ERR(perm)) {
		err = PTR_ERR(perm);
	} else {
		spin_lock(&perm->lock);
		if (perm->deleted || perm->id != id) {
			err = -EIDRM;
		} else {
			s->key = perm->key;
			s->mode = perm->mode & (0777 | CKPT_SYSV_DEST);
			s->uid = from_kuid_munged(uns, perm->uid);
			s->gid = from_kgid_munged(uns, perm->gid);
			s->cuid = from_kuid_munged(uns, perm->cuid);
			s->cgid = from_kgid_munged(uns, perm->cgid);
		}
		spin_unlock(&perm->lock);
	}
	rcu_read_unlock();
	return err;
}

/*
 * A SYSVSEM or SYSVMSG payload, as the caller of CKPT_IOC_CHECKPOINT gave
 * it or a restore reads it: well formed (restart(1) uses the contents).
 */
int ckpt_sysv_ipc_rec_ok(u32 type, const void *p, u32 len)
{
	const struct ckpt_rec_sysvsem *sem = p;
	const struct ckpt_rec_sysvmsg *msg = p;
	const struct ckpt_sysv_msg *m;
	u32 off, i;

	if (type == CKPT_REC_SYSVSEM)
		return len >= sizeof(*sem) && sem->id >= 0 &&
		       !(sem->mode & ~0777) && !sem->reserved &&
		       sem->nsems && sem->nsems <= CKPT_SYSV_SEMMSL &&
		       len == sizeof(*sem) + sem->nsems * sizeof(u16) ?
		       0 : -EBADMSG;
	if (type != CKPT_REC_SYSVMSG || len < sizeof(*msg) || msg->id < 0 ||
	    (msg->mode & ~0777) || msg->nr_msgs > len / sizeof(*m))
		return -EBADMSG;
	for (off = sizeof(*msg), i = 0; i < msg->nr_msgs; i++) {
		if (len - off < sizeof(*m))
			return -EBADMSG;
		m = p + off;
		off += sizeof(*m);
		if (m->mtype <= 0 || m->reserved ||
		    m->len > len - off || ALIGN(m->len, 8) > len - off)
			return -EBADMSG;
		off += ALIGN(m->len, 8);
	}
	return off == len ? 0 : -EBADMSG;
}

/* The records CKPT_IOC_CHECKPOINT was given: SYSVSEM..., SYSVMSG... */
int ckpt_sysv_ipc_check(const void *buf, u32 len)
{
	const struct ckpt_rec_header *h;
	u32 off = 0, last = CKPT_REC_SYSVSEM;

	while (off < len) {
		if (len - off < sizeof(*h))
			return -EINVAL;
		h = buf + off;
		off += sizeof(*h);
		if (h->type < last || h->type > CKPT_REC_SYSVMSG ||
		    h->flags || h->csum || h->len > CKPT_REC_MAX_META ||
		    h->len > len - off ||
		    ckpt_sysv_ipc_rec_ok(h->type, h + 1, h->len))
			return -EINVAL;
		last = h->type;
		off += h->len;
	}
	return 0;
}

/* The semaphore sets and message queues, with the first process. */
static int ckpt_dump_sysv_ipc(struct ckpt_dump *d)
{
	const struct ckpt_rec_header *h;
	u32 off = 0;
	int err = 0;

	while (!err && off < d->ipc_len) {
		h = d->ipc_recs + off;
		err = ckpt_write_rec(&d->out, h->type, h + 1, h->len);
		off += sizeof(*h) + h->len;
	}
	return err;
}

/* The segments this process saves: SYSVSHM records, then contents. */
int ckpt_dump_sysvshm(struct ckpt_dump *d)
{
	struct ckpt_rec_sysvshm s;
	unsigned long id;
	struct file *f;
	int err = 0;

	xa_for_each(&d->sysv_todo, id, f) {
		err = ckpt_sysvshm_rec(id, f, &s);
		if (!err)
			err = ckpt_write_rec(&d->out, CKPT_REC_SYSVSHM, &s,
					     sizeof(s));
		if (err)
			goto out;
	}
	xa_for_each(&d->sysv_todo, id, f) {
		err = ckpt_write_file_data(&d->out, CKPT_REC_SYSVDATA, id, f,
					   CKPT_SYSV_CHUNK);
		if (err)
			goto out;
	}
	if (!d->member)
		err = ckpt_dump_sysv_ipc(d);
out:
	ckpt_sysvshm_destroy(d);
	return err;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

static const struct ckpt_rec_sysvshm *
ckpt_sysvshm_own(const struct ckpt_restore *r, s32 id)
{
	u32 i;

	for (i = 0; i < r->nr_sysvshm; i++)
		if (r->sysvshm[i].id == id)
			return &r->sysvshm[i];
	return NULL;
}

/* The segment's record, in this process's records or an earlier one's. */
static const struct ckpt_rec_sysvshm *
ckpt_sysvshm_find(const struct ckpt_restore *r, s32 id)
{
	return ckpt_sysvshm_own(r, id) ?: ckpt_tree_sysvshm(r, id);
}

int ckpt_take_sysvshm(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_sysvshm *s = p;
	int err;

	if (len != sizeof(*s) || s->id < 0 || !s->size ||
	    s->size > CKPT_SYSV_MAX_DATA ||
	    (s->mode & ~(0777 | CKPT_SYSV_DEST)) ||
	    ((s->mode & CKPT_SYSV_DEST) && s->key != IPC_PRIVATE) ||
	    s->reserved0 || s->reserved || ckpt_sysvshm_own(r, s->id))
		return -EBADMSG;
	err = ckpt_grow((void **)&r->sysvshm, r->nr_sysvshm, sizeof(*s),
			CKPT_MAX_SYSVSHM);
	if (err)
		return err;
	r->sysvshm[r->nr_sysvshm++] = *s;
	return 0;
}

/* Contents are restart(1)'s to write: here they are only checked. */
int ckpt_take_sysvdata(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_sysvdata *sd = p;
	const struct ckpt_rec_sysvshm *s;
	u32 n = len - sizeof(*sd);

	if (len <= sizeof(*sd) || sd->reserved ||
	    n > CKPT_SYSV_MAX_DATA - r->sysv_bytes ||
	    !PAGE_ALIGNED(sd->offset))
		return -EBADMSG;
	s = ckpt_sysvshm_own(r, sd->id);
	if (!s || sd->offset > s->size || n > s->size - sd->offset)
		return -EBADMSG;
	r->sysv_bytes += n;
	return 0;
}

/* Every SYSVSHM mapping names a saved segment and covers it whole. */
int ckpt_check_sysvshm(struct ckpt_restore *r)
{
	const struct ckpt_rec_sysvshm *s;
	u32 i;

	for (i = 0; i < r->nr_vmas; i++) {
		const struct ckpt_restore_vma *v = &r->vmas[i];

		if (v->rec.kind != CKPT_VMA_SYSVSHM)
			continue;
		s = v->rec.ino <= INT_MAX ?
		    ckpt_sysvshm_find(r, v->rec.ino) : NULL;
		if (!s || v->rec.size != s->size || v->rec.pgoff ||
		    PAGE_ALIGN(s->size) != v->rec.end - v->rec.start ||
		    !(v->rec.prot & PROT_READ))
			return ckpt_bad_rec(r, CKPT_REC_VMA, v->offset,
					    -EBADMSG);
	}
	return 0;
}

/*
 * Before the point of no return: each segment this process attaches
 * exists in its IPC namespace with its id and key (restart(1) made it).
 */
int ckpt_sysvshm_present(struct ckpt_restore *r)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	const struct ckpt_rec_sysvshm *s;
	struct kern_ipc_perm *perm;
	bool ok;
	u32 i;

	for (i = 0; i < r->nr_vmas; i++) {
		const struct ckpt_restore_vma *v = &r->vmas[i];

		if (v->rec.kind != CKPT_VMA_SYSVSHM)
			continue;
		if (!ckpt_ksyms.shm_fops)
			goto missing;
		s = ckpt_sysvshm_find(r, v->rec.ino);
		rcu_read_lock();
		perm = ckpt_ksyms.ipc_obtain_object_idr(&ns->ids[CKPT_IPC_SHM_IDS],
							s->id);
		ok = !IS_ERR(perm) && !READ_ONCE(perm->deleted) &&
		     perm->id == s->id && perm->key == s->key;
		rcu_read_unlock();
		if (!ok)
			goto missing;
	}
	return 0;
missing:
	r->err.addr = r->vmas[i].rec.start;
	return ckpt_fail(&r->err, CKPT_OBJ_VMA, -ENOENT);
}

/* Attach the segment where it was, as shmat(2) with the restored creds. */
int ckpt_map_sysvshm(struct ckpt_restore *r,
		     const struct ckpt_restore_vma *v)
{
	const struct ckpt_rec_vma *rv = &v->rec;
	struct vm_area_struct *vma;
	unsigned long addr = 0;
	int flags = 0, err;
	bool ok;

	if (!(rv->prot & PROT_WRITE))
		flags |= SHM_RDONLY;
	if (rv->prot & PROT_EXEC)
		flags |= SHM_EXEC;
	err = ckpt_ksyms.do_shmat(rv->ino, (char __user *)rv->start, flags,
				  &addr, SHMLBA);
	if (err)
		return err;
	if (addr != rv->start)
		return -EEXIST;
	mmap_read_lock(current->mm);
	vma = find_vma(current->mm, addr);
	ok = vma && vma->vm_start == rv->start && vma->vm_end == rv->end &&
	     ckpt_is_sysvshm(vma->vm_file) &&
	     file_inode(vma->vm_file)->i_ino == rv->ino &&
	     i_size_read(file_inode(vma->vm_file)) == rv->size;
	mmap_read_unlock(current->mm);
	return ok ? 0 : -ESTALE;
}
