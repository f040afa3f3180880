// SPDX-License-Identifier: GPL-2.0
/*
 * Regular files deleted while open ("ghosts": tmpfile(3), O_TMPFILE, an
 * unlinked temporary): their contents go into the image, and the restore
 * recreates them as unlinked files in the directory they lived in, so the
 * process finds the same bytes and the same "(deleted)" name.
 *
 * Dump: files.c calls ckpt_note_ghost() for each such descriptor; after
 * the threads, ckpt_dump_ghosts() writes each file's contents once, as
 * GHOSTDATA records, leaving out all-zero chunks (holes read back as
 * zeros).  At most CKPT_GHOST_MAX_DATA bytes in all, else EOPNOTSUPP.
 * Restore: ckpt_ghost_file() makes the unlinked file (O_TMPFILE, with the
 * restored credentials) at its first descriptor and opens every
 * descriptor of it on that one inode.
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

/* " (deleted)" as d_path() appends it. */
static const char ckpt_deleted[] = " (deleted)";

/* The path @f had, without d_path()'s " (deleted)", in @buf. */
const char *ckpt_ghost_path(struct file *f, char *buf)
{
	size_t n = sizeof(ckpt_deleted) - 1, len;
	char *p = d_path(&f->f_path, buf, PAGE_SIZE);

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
 * *@bytes against @max (EOPNOTSUPP beyond): the files whose contents the
 * image carries (deleted files here, memfds in memfd.c).
 */
int ckpt_note_file_once(struct xarray *files, struct file *f, u64 *bytes,
			u64 max)
{
	struct inode *inode = file_inode(f);
	loff_t size = i_size_read(inode);
	int err;

	if (xa_load(files, inode->i_ino))
		return 0;
	if (size > max - *bytes)
		return -EOPNOTSUPP;
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

int ckpt_note_ghost(struct ckpt_dump *d, struct file *f)
{
	return ckpt_note_file_once(&d->ghosts, f, &d->ghost_bytes,
				   CKPT_GHOST_MAX_DATA);
}

void ckpt_ghosts_destroy(struct ckpt_dump *d)
{
	ckpt_files_once_destroy(&d->ghosts);
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

int ckpt_take_ghostdata(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_ghostdata *gd = p;
	struct ckpt_restore_ghostdata *e;
	u32 n = len - sizeof(*gd);
	void *grown;

	if (len <= sizeof(*gd) || n > CKPT_GHOST_MAX_DATA - r->ghost_bytes ||
	    gd->offset > CKPT_GHOST_MAX_DATA)
		return -EBADMSG;
	grown = krealloc_array(r->ghostdata, r->nr_ghostdata + 1,
			       sizeof(*r->ghostdata), GFP_KERNEL);
	if (!grown)
		return -ENOMEM;
	r->ghostdata = grown;
	e = &r->ghostdata[r->nr_ghostdata];
	e->data = kvmalloc(n, GFP_KERNEL);
	if (!e->data)
		return -ENOMEM;
	memcpy(e->data, gd + 1, n);
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
	kfree(r->ghostdata);
}

static const struct ckpt_restore_file *
ckpt_ghost_rec(const struct ckpt_restore *r, u64 ino)
{
	u32 i;

	for (i = 0; i < r->nr_files; i++)
		if (r->files[i].rec.kind == CKPT_FILE_GHOST &&
		    r->files[i].rec.ino == ino)
			return &r->files[i];
	return NULL;
}

/* Every piece belongs to a ghost and fits in its size. */
int ckpt_check_ghosts(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_files; i++) {
		const struct ckpt_rec_file *f = &r->files[i].rec;

		if (f->kind == CKPT_FILE_GHOST &&
		    f->size > CKPT_GHOST_MAX_DATA)
			return ckpt_bad_rec(r, CKPT_REC_FILE, r->files[i].offset,
					    -EBADMSG);
	}
	for (i = 0; i < r->nr_ghostdata; i++) {
		const struct ckpt_restore_ghostdata *e = &r->ghostdata[i];
		const struct ckpt_restore_file *f = ckpt_ghost_rec(r, e->ino);

		if (!f || e->offset + e->len > f->rec.size)
			return ckpt_bad(r, CKPT_REC_GHOSTDATA, -EBADMSG);
	}
	return 0;
}

struct ckpt_ghost_open {
	u64 ino;
	struct file *file;	/* the unlinked file, read-write */
};

struct ckpt_ghosts {
	u32 nr;
	struct ckpt_ghost_open open[];
};

struct ckpt_ghosts *ckpt_ghosts_new(u32 max)
{
	return kvzalloc(struct_size_t(struct ckpt_ghosts, open, max),
			GFP_KERNEL);
}

void ckpt_ghosts_free(struct ckpt_ghosts *t)
{
	u32 i;

	if (!t)
		return;
	for (i = 0; i < t->nr; i++)
		fput(t->open[i].file);
	kvfree(t);
}

/* An unlinked file in @path's directory, holding the saved bytes. */
static struct file *ckpt_ghost_create(const struct ckpt_restore *r,
				      const struct ckpt_restore_file *rf)
{
	char *dir = kstrdup(rf->path, GFP_KERNEL), *slash;
	struct file *f;
	loff_t pos;
	ssize_t n;
	u32 i;

	if (!dir)
		return ERR_PTR(-ENOMEM);
	slash = strrchr(dir, '/');
	slash[slash == dir ? 1 : 0] = '\0';
	f = filp_open(dir, O_TMPFILE | O_RDWR | O_LARGEFILE, 0600);
	kfree(dir);
	if (IS_ERR(f))
		return f;
	n = vfs_truncate(&f->f_path, rf->rec.size);
	for (i = 0; i < r->nr_ghostdata && n >= 0; i++) {
		const struct ckpt_restore_ghostdata *e = &r->ghostdata[i];

		if (e->ino != rf->rec.ino)
			continue;
		pos = e->offset;
		n = kernel_write(f, e->data, e->len, &pos);
		if (n >= 0 && n != e->len)
			n = -EIO;
	}
	if (n < 0) {
		fput(f);
		return ERR_PTR(n);
	}
	return f;
}

/* A new open file, with the record's flags, of its ghost (made once). */
struct file *ckpt_ghost_file(const struct ckpt_restore *r,
			     struct ckpt_ghosts *t,
			     const struct ckpt_restore_file *rf)
{
	struct ckpt_ghost_open *go = NULL;
	u32 i;

	for (i = 0; i < t->nr; i++)
		if (t->open[i].ino == rf->rec.ino)
			go = &t->open[i];
	if (!go) {
		struct file *f = ckpt_ghost_create(r, rf);

		if (IS_ERR(f))
			return f;
		go = &t->open[t->nr++];
		go->ino = rf->rec.ino;
		go->file = f;
	}
	return dentry_open(&go->file->f_path,
			   (rf->rec.f_flags & ~O_PATH) | O_LARGEFILE,
			   current_cred());
}
