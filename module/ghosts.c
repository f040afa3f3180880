// SPDX-License-Identifier: GPL-2.0
/*
 * Regular files deleted while open or mapped ("ghosts": tmpfile(3),
 * O_TMPFILE, an unlinked temporary, a library or executable replaced by an
 * upgrade): their contents go into the image, and the restore recreates
 * them as unlinked files in the directory they lived in, so the process
 * finds the same bytes and the same "(deleted)" name (PATH.ckpt-ghost
 * when another file now holds PATH: ckpt_ghost_new()).
 *
 * Dump: files.c calls ckpt_note_ghost() for each such descriptor, mem.c
 * for each such mapping; after the threads, ckpt_dump_ghosts() writes each
 * file's contents once, as GHOSTDATA records, leaving out all-zero chunks
 * (holes read back as zeros).  At most d->ghost_limit bytes a process
 * (CKPT_GHOST_MAX_DATA, or less as the caller asked), else EFBIG.
 * Restore: the first descriptor or mapping of a ghost makes the unlinked
 * file (with the restored credentials), kept in r->ghosts; every
 * descriptor and mapping of it opens that one inode.
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/fcntl.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include "ckpt.h"

#define CKPT_GHOST_CHUNK	(CKPT_REC_MAX_META - \
				 sizeof(struct ckpt_rec_ghostdata))

/* A regular file of a real mount, deleted: its contents are saved. */
bool ckpt_is_ghost(struct file *f)
{
	return S_ISREG(file_inode(f)->i_mode) &&
	       !(f->f_path.mnt->mnt_flags & MNT_INTERNAL) &&
	       d_unlinked(f->f_path.dentry);
}

/* " (deleted)" as d_path() appends it. */
static const char ckpt_deleted[] = " (deleted)";

/* The path @f had, without d_path()'s " (deleted)", in @buf. */
const char *ckpt_ghost_path(struct file *f, char *buf)
{
	return ckpt_deleted_path(&f->f_path, buf);
}

/* The path of removed @path, without d_path()'s " (deleted)", in @buf. */
const char *ckpt_deleted_path(const struct path *path, char *buf)
{
	size_t n = sizeof(ckpt_deleted) - 1, len;
	char *p = d_path(path, buf, PAGE_SIZE);

	if (IS_ERR(p))
		return p;
	len = strlen(p);
	if (p[0] != '/' || len <= n || strcmp(p + len - n, ckpt_deleted))
		return ERR_PTR(-EOPNOTSUPP);
	p[len - n] = '\0';
	return p;
}

/*
 * Keep a reference to @f in @files, once per inode, its size counted in
 * *@bytes against @max (EFBIG beyond): the files whose contents the image
 * carries (deleted files here, memfds in memfd.c, SysV segments).
 * EACCES if neither @f nor the caller may read them.
 */
int ckpt_note_file_once(struct xarray *files, struct file *f, u64 *bytes,
			u64 max)
{
	struct inode *inode = file_inode(f);
	loff_t size = i_size_read(inode);
	struct file *seen = xa_load(files, inode->i_ino);
	int err;

	/* The image names them by inode number: two with one cannot be. */
	if (seen)
		return file_inode(seen) == inode ? 0 : -EOPNOTSUPP;
	/*
	 * The contents go into the image: the process could read them
	 * through this file, or the caller may (not so through an O_PATH
	 * or write-only descriptor of another user's file).
	 */
	if (!(f->f_mode & FMODE_READ)) {
		err = inode_permission(file_mnt_user_ns(f), inode, MAY_READ);
		if (err)
			return err;
	}
	if (size > max - *bytes)
		return -EFBIG;
	err = xa_err(xa_store(files, inode->i_ino, get_file(f), GFP_KERNEL));
	if (err) {
		fput(f);
		return err;
	}
	*bytes += size;
	return 0;
}

void ckpt_files_once_destroy(struct xarray *files)
{
	struct file *f;
	unsigned long ino;

	xa_for_each(files, ino, f)
		fput(f);
	xa_destroy(files);
}

/*
 * A deleted file of this process: its bytes are saved with it, unless an
 * earlier process of the tree saved them (the restore shares that one).
 */
int ckpt_note_ghost(struct ckpt_dump *d, struct file *f)
{
	struct file *saved = xa_load(&d->ghosts_saved, file_inode(f)->i_ino);

	if (saved)
		return file_inode(saved) == file_inode(f) ? 0 : -EOPNOTSUPP;
	/* EFBIG past the caller's limit (ckpt --ghost-limit) */
	return ckpt_note_file_once(&d->ghosts, f, &d->ghost_bytes,
				   d->ghost_limit);
}

/* After a process's records: its ghosts are the tree's saved ones. */
void ckpt_ghosts_done(struct ckpt_dump *d)
{
	struct file *f;
	unsigned long ino;

	xa_for_each(&d->ghosts, ino, f)
		if (xa_err(xa_store(&d->ghosts_saved, ino, f, GFP_KERNEL)))
			fput(f);
	xa_destroy(&d->ghosts);
}

void ckpt_ghosts_destroy(struct ckpt_dump *d)
{
	ckpt_files_once_destroy(&d->ghosts);
	ckpt_files_once_destroy(&d->ghosts_saved);
}

int ckpt_dump_ghosts(struct ckpt_dump *d)
{
	struct file *f;
	unsigned long ino;
	int err;

	xa_for_each(&d->ghosts, ino, f) {
		err = ckpt_write_file_data(&d->out, CKPT_REC_GHOSTDATA, ino, f,
					   CKPT_GHOST_CHUNK);
		if (err)
			return ckpt_fail(&d->err, CKPT_OBJ_FD, err);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

/* Records of deleted files' data: one a page at most, and one a file. */
#define CKPT_MAX_GHOSTDATA	(CKPT_MAX_FILES + CKPT_MAX_VMAS + \
				 CKPT_GHOST_MAX_DATA / PAGE_SIZE)

int ckpt_take_ghostdata(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_ghostdata *gd = p;
	struct ckpt_restore_ghostdata *e;
	u32 n = len - sizeof(*gd);
	int err;

	if (len <= sizeof(*gd) || n > CKPT_GHOST_MAX_DATA - r->ghost_bytes ||
	    gd->offset > CKPT_GHOST_MAX_DATA)
		return -EBADMSG;
	err = ckpt_grow((void **)&r->ghostdata, r->nr_ghostdata,
			sizeof(*r->ghostdata), CKPT_MAX_GHOSTDATA);
	if (err)
		return err;
	e = &r->ghostdata[r->nr_ghostdata];
	e->data = ckpt_dup(gd + 1, n);
	if (!e->data)
		return -ENOMEM;
	e->ino = gd->ino;
	e->offset = gd->offset;
	e->len = n;
	r->nr_ghostdata++;
	r->ghost_bytes += n;
	return 0;
}

void ckpt_free_ghostdata(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_ghostdata; i++)
		kvfree(r->ghostdata[i].data);
	kvfree(r->ghostdata);
}

/* The size of ghost @ino, as its FILE or VMA records say; -1 if none. */
static s64 ckpt_ghost_size(const struct ckpt_restore *r, u64 ino)
{
	u32 i;

	for (i = 0; i < r->nr_files; i++)
		if (r->files[i].rec.kind == CKPT_FILE_GHOST &&
		    r->files[i].rec.ino == ino)
			return r->files[i].rec.size;
	for (i = 0; i < r->nr_vmas; i++)
		if ((r->vmas[i].rec.flags & CKPT_VMAF_GHOST) &&
		    r->vmas[i].rec.ino == ino)
			return r->vmas[i].rec.size;
	return -1;
}

/*
 * The directory a ghost is made in is there (checked before the point of
 * no return: a ghost made later can still fail, as a file can).
 */
int ckpt_ghost_dir_ok(const char *path)
{
	char *dir = kstrdup(path, GFP_KERNEL), *slash;
	struct path p;
	int err;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	slash[slash == dir ? 1 : 0] = '\0';
	err = kern_path(dir, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	kfree(dir);
	if (!err)
		path_put(&p);
	return err;
}

/*
 * Every ghost fits in CKPT_GHOST_MAX_DATA, all records of one agree on
 * its size, and every piece belongs to a ghost and fits in that size;
 * then each ghost's directory is there (ENOENT, naming the mapping or
 * the fd; mappings first, as they are restored first).
 */
int ckpt_check_ghosts(struct ckpt_restore *r)
{
	int err;
	u32 i;

	/* Each ckpt_ghost_size() walks the files and mappings. */
	for (i = 0; i < r->nr_files; i++) {
		const struct ckpt_rec_file *f = &r->files[i].rec;

		cond_resched();
		if (f->kind == CKPT_FILE_GHOST &&
		    (f->size > CKPT_GHOST_MAX_DATA ||
		     ckpt_ghost_size(r, f->ino) != f->size))
			return ckpt_bad_rec(r, CKPT_REC_FILE, r->files[i].offset,
					    -EBADMSG);
	}
	for (i = 0; i < r->nr_vmas; i++) {
		const struct ckpt_rec_vma *v = &r->vmas[i].rec;

		cond_resched();
		if ((v->flags & CKPT_VMAF_GHOST) &&
		    (v->size > CKPT_GHOST_MAX_DATA ||
		     ckpt_ghost_size(r, v->ino) != v->size))
			return ckpt_bad_rec(r, CKPT_REC_VMA, r->vmas[i].offset,
					    -EBADMSG);
	}
	for (i = 0; i < r->nr_ghostdata; i++) {
		const struct ckpt_restore_ghostdata *e = &r->ghostdata[i];
		s64 size;

		cond_resched();
		size = ckpt_ghost_size(r, e->ino);
		if (size < 0 || e->offset + e->len > size)
			return ckpt_bad(r, CKPT_REC_GHOSTDATA, -EBADMSG);
	}
	for (i = 0; i < r->nr_vmas; i++) {
		if (!(r->vmas[i].rec.flags & CKPT_VMAF_GHOST))
			continue;
		err = ckpt_ghost_dir_ok(r->vmas[i].path);
		if (err) {
			r->err.addr = r->vmas[i].rec.start;
			return ckpt_fail(&r->err, CKPT_OBJ_VMA, err);
		}
	}
	for (i = 0; i < r->nr_files; i++) {
		if (r->files[i].rec.kind != CKPT_FILE_GHOST)
			continue;
		err = ckpt_ghost_dir_ok(r->files[i].path);
		if (err) {
			r->err.fd = r->files[i].rec.fd;
			return ckpt_fail(&r->err, CKPT_OBJ_FD, err);
		}
	}
	return 0;
}

/* Is ghost @ino the executable?  Then it must be executable again. */
static bool ckpt_ghost_is_exe(const struct ckpt_restore *r, u64 ino)
{
	u32 i;

	for (i = 0; i < r->nr_vmas; i++)
		if ((r->vmas[i].rec.flags & CKPT_VMAF_EXE) &&
		    (r->vmas[i].rec.flags & CKPT_VMAF_GHOST) &&
		    r->vmas[i].rec.ino == ino)
			return true;
	return false;
}

/* Unlink @f's name, just made (O_EXCL) by us, as unlink(2) would. */
static int ckpt_unlink_made(struct file *f)
{
	struct dentry *dentry = f->f_path.dentry, *parent;
	struct path dir_path;
	struct inode *dir;
	int err = mnt_want_write(f->f_path.mnt);

	if (err)
		return err;
	/*
	 * A reference of our own, as a lookup would hold: d_delete() would
	 * turn a dentry only the open file holds negative.
	 */
	dget(dentry);
	parent = dget_parent(dentry);
	dir = d_inode(parent);
	dir_path.mnt = f->f_path.mnt;
	dir_path.dentry = parent;
	inode_lock_nested(dir, I_MUTEX_PARENT);
	err = -ENOENT;
	if (dentry->d_parent == parent && !d_unhashed(dentry) &&
	    d_is_positive(dentry))
		err = ckpt_unlink_as_task(&dir_path, dentry, true);
	inode_unlock(dir);
	dput(parent);
	dput(dentry);
	mnt_drop_write(f->f_path.mnt);
	return err;
}

/* A new file at @path (not one that is there), unlinked at once. */
static struct file *ckpt_ghost_named(const char *path, umode_t mode)
{
	struct file *f = filp_open(path, O_CREAT | O_EXCL | O_NOFOLLOW |
				   O_RDWR | O_LARGEFILE, mode);
	int err;

	if (IS_ERR(f))
		return f;
	err = ckpt_unlink_made(f);
	if (err) {
		fput(f);
		return ERR_PTR(err);
	}
	return f;
}

/*
 * The name a deleted file or directory is made under when another file
 * now holds its @path (what replaced it): "@path.ckpt-ghost".
 */
char *ckpt_ghost_alt_name(const char *path)
{
	return kasprintf(GFP_KERNEL, "%s.ckpt-ghost", path);
}

/*
 * An unlinked file named as the deleted one was, so that /proc shows
 * "PATH (deleted)" again; if another file holds PATH (what replaced it),
 * "PATH.ckpt-ghost (deleted)"; if that is taken too, an O_TMPFILE in the
 * directory ("#INO (deleted)").
 */
static struct file *ckpt_ghost_new(const char *path, umode_t mode)
{
	struct file *f = ckpt_ghost_named(path, mode);
	char *alt, *slash;

	if (PTR_ERR(f) != -EEXIST)
		return f;
	alt = ckpt_ghost_alt_name(path);
	if (!alt)
		return ERR_PTR(-ENOMEM);
	f = ckpt_ghost_named(alt, mode);
	if (PTR_ERR(f) == -EEXIST || PTR_ERR(f) == -ENAMETOOLONG) {
		slash = strrchr(alt, '/');
		slash[slash == alt ? 1 : 0] = '\0';
		f = filp_open(alt, O_TMPFILE | O_RDWR | O_LARGEFILE, mode);
	}
	kfree(alt);
	return f;
}

/* A deleted file again, holding the saved bytes of ghost @ino. */
static struct file *ckpt_ghost_create(const struct ckpt_restore *r,
				      const char *path, u64 ino, u64 size)
{
	umode_t mode = ckpt_ghost_is_exe(r, ino) ? 0700 : 0600;
	struct file *f, *ro;
	loff_t pos;
	ssize_t n;
	u32 i;

	f = ckpt_ghost_new(path, mode);
	if (IS_ERR(f))
		return f;
	n = vfs_truncate(&f->f_path, size);
	for (i = 0; i < r->nr_ghostdata && n >= 0; i++) {
		const struct ckpt_restore_ghostdata *e = &r->ghostdata[i];

		if (e->ino != ino)
			continue;
		pos = e->offset;
		n = kernel_write(f, e->data, e->len, &pos);
		if (n >= 0 && n != e->len)
			n = -EIO;
	}
	/*
	 * Kept read-only, and the writer released now (its fput would wait
	 * for the return to user space, task work): an executable denies
	 * writers, for this process or a later one of the tree.  Writable
	 * descriptors and mappings are opened anew from this one.
	 */
	ro = n < 0 ? ERR_PTR(n) :
	     dentry_open(&f->f_path, O_RDONLY | O_LARGEFILE, current_cred());
	fput(f);
	ckpt_ksyms.task_work_run();
	return ro;
}

/*
 * Ghost @ino, made at its first use in the process or the tree (not a
 * new reference).
 */
static struct file *ckpt_ghost_get(struct ckpt_restore *r, const char *path,
				   u64 ino, u64 size)
{
	struct file *f;
	int err;

	/* At most one ghost a record. */
	if (!r->ghosts)
		r->ghosts = ckpt_idfiles_new(r->nr_files + r->nr_vmas);
	if (!r->ghosts)
		return ERR_PTR(-ENOMEM);
	f = ckpt_idfiles_find(r->ghosts, ino);
	/* Made by an earlier process of the tree (its bytes are there)? */
	if (!f)
		f = ckpt_tree_ghost(r, ino);
	if (f)
		return f;
	f = ckpt_ghost_create(r, path, ino, size);
	if (IS_ERR(f))
		return f;
	err = ckpt_idfiles_add(r->ghosts, ino, f);
	return err ? ERR_PTR(err) : f;
}

/* A new open file, with the record's flags, of its ghost. */
struct file *ckpt_ghost_file(struct ckpt_restore *r,
			     const struct ckpt_restore_file *rf)
{
	struct file *g = ckpt_ghost_get(r, rf->path, rf->rec.ino,
					 rf->rec.size);

	if (IS_ERR(g))
		return g;
	return dentry_open(&g->f_path,
			   (rf->rec.f_flags & ~O_PATH) | O_LARGEFILE,
			   current_cred());
}

/* A new open file (@flags O_RDONLY or O_RDWR) of a mapping's ghost. */
struct file *ckpt_ghost_map_file(struct ckpt_restore *r,
				 const struct ckpt_restore_vma *v, int flags)
{
	struct file *g = ckpt_ghost_get(r, v->path, v->rec.ino, v->rec.size);

	if (IS_ERR(g))
		return g;
	return dentry_open(&g->f_path, flags | O_LARGEFILE, current_cred());
}
