// SPDX-License-Identifier: GPL-2.0
/*
 * memfds and shared anonymous memory: objects of the kernel's internal
 * tmpfs, named by no path.  Each is saved once (a SHMEM record: kind,
 * size, seals, memfd name; then its contents in SHMDATA records, holes
 * left out), whatever number of descriptors (CKPT_FILE_MEMFD) and
 * MAP_SHARED mappings (CKPT_VMA_SHMEM) refer to it, so they share it again
 * after restore.  At most CKPT_SHMEM_MAX_DATA bytes in all, else the
 * checkpoint is refused (EFBIG).  Not handled here: MAP_PRIVATE
 * mappings of a memfd, hugetlbfs memfds and SysV shared memory (refused by
 * mem.c), a descriptor of shared anonymous memory (refused).
 *
 * Restore: the objects are made (as the restored credentials, like
 * memfd_create(2)) and filled before the address space is rebuilt;
 * mappings map them, descriptors open them; seals are added last, once
 * every mapping is in place, with the kernel's own F_ADD_SEALS.
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include "ckpt.h"

#define CKPT_MEMFD_PREFIX	"memfd:"
#define CKPT_ANON_NAME		"dev/zero"
#define CKPT_SHM_CHUNK		(rounddown(CKPT_REC_MAX_META - \
					   sizeof(struct ckpt_rec_shmdata), \
					   PAGE_SIZE))
#define CKPT_SEALS		(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
				 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)

/* CKPT_SHMEM_MEMFD or _ANON if @f is such an object, else 0. */
u32 ckpt_shmem_kind(struct file *f)
{
	const char *name;

	if (f->f_op != ckpt_ksyms.shmem_fops ||
	    !(f->f_path.mnt->mnt_sb->s_flags & SB_KERNMOUNT))
		return 0;
	name = f->f_path.dentry->d_name.name;
	if (!strncmp(name, CKPT_MEMFD_PREFIX, strlen(CKPT_MEMFD_PREFIX)))
		return CKPT_SHMEM_MEMFD;
	if (!strcmp(name, CKPT_ANON_NAME))
		return CKPT_SHMEM_ANON;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Dump                                                                    */
/* ---------------------------------------------------------------------- */

int ckpt_note_shmem(struct ckpt_dump *d, struct file *f)
{
	return ckpt_note_file_once(&d->shmems, f, &d->shmem_bytes,
				   CKPT_SHMEM_MAX_DATA);
}

void ckpt_shmems_destroy(struct ckpt_dump *d)
{
	ckpt_files_once_destroy(&d->shmems);
}

static int ckpt_dump_shmem_rec(struct ckpt_dump *d, unsigned long ino,
			       struct file *f)
{
	struct inode *inode = file_inode(f);
	struct ckpt_rec_shmem s = {
		.id = ino,
		.size = i_size_read(inode),
		.kind = ckpt_shmem_kind(f),
	};
	const char *name = NULL;

	if (s.kind == CKPT_SHMEM_MEMFD) {
		name = f->f_path.dentry->d_name.name +
		       strlen(CKPT_MEMFD_PREFIX);
		s.name_len = strlen(name) + 1;
		if (s.name_len > CKPT_MEMFD_NAME_MAX)
			return -EOPNOTSUPP;
		s.seals = READ_ONCE(SHMEM_I(inode)->seals);
		if (s.seals & ~CKPT_SEALS)
			return -EOPNOTSUPP;
	}
	return ckpt_write_rec2(&d->out, CKPT_REC_SHMEM, &s, sizeof(s), name,
			       s.name_len);
}

/* All SHMEM records (ascending id), then every object's contents. */
int ckpt_dump_shmems(struct ckpt_dump *d)
{
	struct file *f;
	unsigned long ino;
	int err;

	xa_for_each(&d->shmems, ino, f) {
		err = ckpt_dump_shmem_rec(d, ino, f);
		if (err)
			return err;
	}
	xa_for_each(&d->shmems, ino, f) {
		err = ckpt_write_file_data(&d->out, CKPT_REC_SHMDATA, ino, f,
					   CKPT_SHM_CHUNK);
		if (err)
			return err;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Restore: reading and checking                                           */
/* ---------------------------------------------------------------------- */

int ckpt_take_shmem(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_shmem *s = p;
	struct ckpt_restore_shmem *e;
	int err;

	if (len < sizeof(*s) || len != sizeof(*s) + s->name_len ||
	    s->name_len > CKPT_MEMFD_NAME_MAX)
		return -EBADMSG;
	err = ckpt_grow((void **)&r->shmems, r->nr_shmems, sizeof(*e),
			CKPT_MAX_FILES + CKPT_MAX_VMAS);
	if (err)
		return err;
	e = &r->shmems[r->nr_shmems];
	memset(e, 0, sizeof(*e));
	e->rec = *s;
	e->offset = r->in.rec_offset;
	if (s->name_len) {
		const char *name = (const char *)(s + 1);

		if (strnlen(name, s->name_len) != s->name_len - 1)
			return -EBADMSG;
		e->name = kmemdup(name, s->name_len, GFP_KERNEL_ACCOUNT);
		if (!e->name)
			return -ENOMEM;
	}
	r->nr_shmems++;
	return 0;
}

int ckpt_take_shmdata(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_shmdata *sd = p;
	struct ckpt_restore_shmdata *e;
	u32 n = len - sizeof(*sd);
	int err;

	if (len <= sizeof(*sd) || n > CKPT_SHMEM_MAX_DATA - r->shm_bytes ||
	    sd->offset > MAX_LFS_FILESIZE || !PAGE_ALIGNED(sd->offset))
		return -EBADMSG;
	err = ckpt_grow((void **)&r->shmdata, r->nr_shmdata, sizeof(*e),
			CKPT_SHMEM_MAX_DATA / PAGE_SIZE);
	if (err)
		return err;
	e = &r->shmdata[r->nr_shmdata];
	e->data = ckpt_dup(sd + 1, n);
	if (!e->data)
		return -ENOMEM;
	e->id = sd->id;
	e->offset = sd->offset;
	e->len = n;
	r->nr_shmdata++;
	r->shm_bytes += n;
	return 0;
}

void ckpt_free_shmems(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_shmems; i++) {
		kfree(r->shmems[i].name);
		if (r->shmems[i].file)
			fput(r->shmems[i].file);
	}
	kvfree(r->shmems);
	for (i = 0; i < r->nr_shmdata; i++)
		kvfree(r->shmdata[i].data);
	kvfree(r->shmdata);
}

static struct ckpt_restore_shmem *ckpt_find_shmem(const struct ckpt_restore *r,
						  u64 id)
{
	u32 lo = 0, hi = r->nr_shmems;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (r->shmems[mid].rec.id == id)
			return &r->shmems[mid];
		if (r->shmems[mid].rec.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool ckpt_shmem_ok(const struct ckpt_rec_shmem *s)
{
	if (s->reserved || s->size > MAX_LFS_FILESIZE)
		return false;
	if (s->kind == CKPT_SHMEM_MEMFD)
		return s->name_len && !(s->seals & ~CKPT_SEALS);
	return s->kind == CKPT_SHMEM_ANON && !s->name_len && !s->seals;
}

/*
 * Objects ascending and well-formed, every piece inside its object, every
 * memfd descriptor and shared mapping naming an object of the right kind.
 */
int ckpt_check_shmems(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_shmems; i++) {
		const struct ckpt_restore_shmem *e = &r->shmems[i];

		if ((i && e->rec.id <= r->shmems[i - 1].rec.id) ||
		    !ckpt_shmem_ok(&e->rec))
			return ckpt_bad_rec(r, CKPT_REC_SHMEM, e->offset,
					    -EBADMSG);
	}
	/* Pieces in object order, so the restore takes them in one pass. */
	for (i = 0; i < r->nr_shmdata; i++) {
		const struct ckpt_restore_shmdata *e = &r->shmdata[i];
		const struct ckpt_restore_shmem *s = ckpt_find_shmem(r, e->id);

		if (!s || e->offset + e->len > s->rec.size ||
		    (i && e->id < r->shmdata[i - 1].id))
			return ckpt_bad(r, CKPT_REC_SHMDATA, -EBADMSG);
	}
	for (i = 0; i < r->nr_files; i++) {
		const struct ckpt_rec_file *f = &r->files[i].rec;
		struct ckpt_restore_shmem *s;

		if (f->kind != CKPT_FILE_MEMFD ||
		    f->fd_flags & CKPT_FD_SHARED)
			continue;
		s = ckpt_find_shmem(r, f->ino);
		if (!s || s->rec.kind != CKPT_SHMEM_MEMFD ||
		    f->f_flags & (O_PATH | O_DIRECTORY))
			return ckpt_bad_rec(r, CKPT_REC_FILE, r->files[i].offset,
					    -EBADMSG);
		s->used = true;
	}
	for (i = 0; i < r->nr_vmas; i++) {
		const struct ckpt_rec_vma *v = &r->vmas[i].rec;
		struct ckpt_restore_shmem *s;

		if (v->kind != CKPT_VMA_SHMEM)
			continue;
		s = ckpt_find_shmem(r, v->ino);
		if (!s)
			return ckpt_bad_rec(r, CKPT_REC_VMA, r->vmas[i].offset,
					    -EBADMSG);
		s->used = true;
	}
	/* Nothing is made that nothing uses. */
	for (i = 0; i < r->nr_shmems; i++)
		if (!r->shmems[i].used)
			return ckpt_bad_rec(r, CKPT_REC_SHMEM,
					    r->shmems[i].offset, -EBADMSG);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Restore: making, mapping, opening, sealing                              */
/* ---------------------------------------------------------------------- */

/* The object of @e, filled from the pieces from *@next on (its own). */
static struct file *ckpt_make_shmem(const struct ckpt_restore *r,
				    const struct ckpt_restore_shmem *e,
				    u32 *next)
{
	struct file *f;
	char *name;
	loff_t pos;
	ssize_t n = 0;
	u32 i;

	if (e->rec.kind == CKPT_SHMEM_MEMFD)
		name = kasprintf(GFP_KERNEL, CKPT_MEMFD_PREFIX "%s", e->name);
	else
		name = kstrdup(CKPT_ANON_NAME, GFP_KERNEL);
	if (!name)
		return ERR_PTR(-ENOMEM);
	/* As memfd_create(2): no up-front charge, pages as they come. */
	f = shmem_file_setup(name, e->rec.size, VM_NORESERVE);
	kfree(name);
	if (IS_ERR(f))
		return f;
	f->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	f->f_flags |= O_LARGEFILE;
	for (i = *next; i < r->nr_shmdata && n >= 0; i++) {
		const struct ckpt_restore_shmdata *d = &r->shmdata[i];

		if (d->id != e->rec.id)
			break;
		*next = i + 1;
		pos = d->offset;
		n = kernel_write(f, d->data, d->len, &pos);
		if (n >= 0 && n != d->len)
			n = -EIO;
	}
	if (n < 0) {
		fput(f);
		return ERR_PTR(n);
	}
	/* Sealing allowed until ckpt_seal_shmems() puts the image's seals. */
	if (e->rec.kind == CKPT_SHMEM_MEMFD)
		SHMEM_I(file_inode(f))->seals &= ~F_SEAL_SEAL;
	return f;
}

/* Before the address space is rebuilt: every object, filled. */
int ckpt_restore_shmems(struct ckpt_restore *r)
{
	u32 i, next = 0;

	for (i = 0; i < r->nr_shmems; i++) {
		struct ckpt_restore_shmem *e = &r->shmems[i];
		struct file *f = ckpt_make_shmem(r, e, &next);

		if (IS_ERR(f)) {
			r->err.type = CKPT_REC_SHMEM;
			r->err.offset = e->offset;
			return ckpt_fail(&r->err, CKPT_OBJ_IMAGE, PTR_ERR(f));
		}
		e->file = f;
	}
	return 0;
}

/* A MAP_SHARED mapping of its object, at its address. */
int ckpt_map_shmem(struct ckpt_restore *r, const struct ckpt_restore_vma *v)
{
	const struct ckpt_rec_vma *rec = &v->rec;
	struct ckpt_restore_shmem *e = ckpt_find_shmem(r, rec->ino);
	unsigned long addr;
	struct file *f;

	if (!e || !e->file)
		return -EBADMSG;
	f = e->file;
	/* Mapped through a read-only file: no mprotect(PROT_WRITE) later. */
	if (!(rec->flags & CKPT_VMAF_WRITABLE_FILE)) {
		f = dentry_open(&e->file->f_path, O_RDONLY | O_LARGEFILE,
				current_cred());
		if (IS_ERR(f))
			return PTR_ERR(f);
	}
	addr = vm_mmap(f, rec->start, rec->end - rec->start, rec->prot,
		       MAP_SHARED | MAP_FIXED_NOREPLACE,
		       rec->pgoff << PAGE_SHIFT);
	if (f != e->file)
		fput(f);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	return addr == rec->start ? 0 : -EEXIST;
}

/* Once every mapping is in place: the memfds' seals. */
int ckpt_seal_shmems(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_shmems; i++) {
		const struct ckpt_restore_shmem *e = &r->shmems[i];
		long err;

		if (e->rec.kind != CKPT_SHMEM_MEMFD || !e->rec.seals)
			continue;
		err = ckpt_ksyms.memfd_fcntl(e->file, F_ADD_SEALS,
					     e->rec.seals);
		if (err) {
			r->err.type = CKPT_REC_SHMEM;
			r->err.offset = e->offset;
			return ckpt_fail(&r->err, CKPT_OBJ_IMAGE, err);
		}
	}
	return 0;
}

/* A descriptor of a memfd: a new open file of the object. */
struct file *ckpt_memfd_file(const struct ckpt_restore *r,
			     const struct ckpt_restore_file *rf)
{
	struct ckpt_restore_shmem *e = ckpt_find_shmem(r, rf->rec.ino);
	struct file *f;

	if (!e || !e->file)
		return ERR_PTR(-EBADMSG);
	f = dentry_open(&e->file->f_path, rf->rec.f_flags | O_LARGEFILE,
			current_cred());
	if (!IS_ERR(f)) {
		f->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
		f->f_pos = rf->rec.pos;
	}
	return f;
}
