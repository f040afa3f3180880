// SPDX-License-Identifier: GPL-2.0
/*
 * File descriptors and the filesystem context (cwd, umask).
 *
 * Supported now: regular files and directories (reopened by path, with
 * position and flags), named pipes (reopened by path), and a few
 * stateless character devices (/dev/null, zero, full, random, urandom).
 * Anything else makes the checkpoint fail with EOPNOTSUPP naming the fd,
 * never an image that restores a different process.
 *
 * Restore runs on the restoring task, whose file table is private: its
 * own descriptors are closed, then the image's are installed at their
 * numbers in ascending order (replace_fd() is not exported; holes are
 * filled with reserved numbers and released afterwards).  Files are
 * opened with the restored credentials, so permissions apply as they
 * would to the process itself.
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/fdtable.h>
#include <linux/fs_struct.h>
#include <linux/namei.h>
#include <linux/magic.h>
#include <linux/kdev_t.h>
#include <linux/slab.h>
#include <linux/sched/task.h>
#include "ckpt.h"

#define CKPT_F_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECT | \
			 O_NOATIME | O_DSYNC | __O_SYNC | O_LARGEFILE | \
			 O_PATH | O_DIRECTORY | O_NOFOLLOW | FASYNC)

static bool ckpt_chr_ok(dev_t rdev)
{
	static const dev_t ok[] = {
		MKDEV(1, 3), MKDEV(1, 5), MKDEV(1, 7), MKDEV(1, 8), MKDEV(1, 9),
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (rdev == ok[i])
			return true;
	return false;
}

static int ckpt_file_kind(struct file *f)
{
	struct inode *inode = file_inode(f);

	switch (inode->i_mode & S_IFMT) {
	case S_IFREG:
		return CKPT_FILE_REG;
	case S_IFDIR:
		return CKPT_FILE_DIR;
	case S_IFCHR:
		return ckpt_chr_ok(inode->i_rdev) ? CKPT_FILE_CHR : -EOPNOTSUPP;
	case S_IFIFO:
		if (inode->i_sb->s_magic == PIPEFS_MAGIC)
			return -EOPNOTSUPP;	/* anonymous pipe */
		return CKPT_FILE_FIFO;
	default:
		return -EOPNOTSUPP;
	}
}

static int ckpt_dump_file(struct ckpt_dump *d, struct file *f,
			  unsigned int fd, bool cloexec)
{
	struct ckpt_rec_file r;
	struct inode *inode = file_inode(f);
	const char *path;
	int kind = ckpt_file_kind(f);

	d->err.fd = fd;
	if (kind < 0)
		return ckpt_fail(&d->err, CKPT_OBJ_FD, kind);
	path = ckpt_file_path(f, d->scratch);
	if (IS_ERR(path))
		return ckpt_fail(&d->err, CKPT_OBJ_FD, PTR_ERR(path));
	memset(&r, 0, sizeof(r));
	r.fd = fd;
	r.fd_flags = cloexec ? CKPT_FD_CLOEXEC : 0;
	r.f_flags = f->f_flags & CKPT_F_FLAGS;
	if (f->f_mode & FMODE_PATH)
		r.f_flags |= O_PATH;
	r.kind = kind;
	r.pos = f->f_pos;
	r.ino = inode->i_ino;
	r.dev = new_encode_dev(inode->i_sb->s_dev);
	r.size = i_size_read(inode);
	r.mtime_ns = timespec64_to_ns(&inode->i_mtime);
	r.rdev = new_encode_dev(inode->i_rdev);
	r.path_len = strlen(path) + 1;
	d->err.fd = -1;
	return ckpt_write_rec2(&d->out, CKPT_REC_FILE, &r, sizeof(r), path,
			       r.path_len);
}

static bool ckpt_fd_cloexec(struct task_struct *t, unsigned int fd)
{
	struct files_struct *files;
	bool ret = false;

	task_lock(t);
	files = t->files;
	if (files) {
		rcu_read_lock();
		ret = close_on_exec(fd, files_fdtable(files));
		rcu_read_unlock();
	}
	task_unlock(t);
	return ret;
}

int ckpt_dump_files(struct ckpt_dump *d)
{
	unsigned int fd = 0;
	struct file *f;
	int err = 0;

	for (;; fd++) {
		rcu_read_lock();
		f = task_lookup_next_fd_rcu(d->task, &fd);
		/* The lookup takes no reference; a closing file is skipped. */
		if (f && !get_file_rcu(f))
			f = ERR_PTR(-EAGAIN);
		rcu_read_unlock();
		if (!f)
			break;
		if (IS_ERR(f))
			continue;
		err = ckpt_dump_file(d, f, fd, ckpt_fd_cloexec(d->task, fd));
		fput(f);
		if (err)
			break;
	}
	return err;
}

int ckpt_dump_fs(struct ckpt_dump *d)
{
	struct ckpt_rec_fs r = {};
	struct path pwd, root, myroot;
	const char *path;
	bool same_root;
	int err;

	task_lock(d->task);
	if (!d->task->fs) {
		task_unlock(d->task);
		return -ESRCH;
	}
	get_fs_pwd(d->task->fs, &pwd);
	get_fs_root(d->task->fs, &root);
	r.umask = d->task->fs->umask;
	task_unlock(d->task);
	get_fs_root(current->fs, &myroot);
	same_root = path_equal(&root, &myroot);
	path_put(&myroot);
	path_put(&root);

	err = -EOPNOTSUPP;
	path = ERR_PTR(err);
	if (same_root && !d_unlinked(pwd.dentry))
		path = d_path(&pwd, d->scratch, PAGE_SIZE);
	path_put(&pwd);
	if (IS_ERR(path))
		return ckpt_fail(&d->err, CKPT_OBJ_FS, PTR_ERR(path));
	r.cwd_len = strlen(path) + 1;
	return ckpt_write_rec2(&d->out, CKPT_REC_FS, &r, sizeof(r), path,
			       r.cwd_len);
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_check_files(struct ckpt_restore *r)
{
	s64 prev = -1;
	u32 i;

	if (!r->cwd || r->fs.umask & ~0777)
		return ckpt_bad(r, CKPT_REC_FS, -EBADMSG);
	for (i = 0; i < r->nr_files; i++) {
		const struct ckpt_rec_file *f = &r->files[i].rec;
		bool bad;

		bad = f->fd < 0 || f->fd <= prev || f->fd >= CKPT_MAX_FILES ||
		      f->fd_flags & ~CKPT_FD_CLOEXEC ||
		      f->f_flags & ~(u32)CKPT_F_FLAGS || f->pos < 0 ||
		      f->reserved || !r->files[i].path ||
		      f->kind < CKPT_FILE_REG || f->kind > CKPT_FILE_DIR ||
		      (f->kind == CKPT_FILE_CHR &&
		       !ckpt_chr_ok(new_decode_dev(f->rdev)));
		if (bad)
			return ckpt_bad_rec(r, CKPT_REC_FILE, r->files[i].offset,
					    -EBADMSG);
		prev = f->fd;
	}
	return 0;
}

static void ckpt_set_pwd(const struct path *path)
{
	struct fs_struct *fs = current->fs;
	struct path old;

	path_get(path);
	spin_lock(&fs->lock);
	write_seqcount_begin(&fs->seq);
	old = fs->pwd;
	fs->pwd = *path;
	write_seqcount_end(&fs->seq);
	spin_unlock(&fs->lock);
	path_put(&old);
}

int ckpt_restore_fs(struct ckpt_restore *r)
{
	struct path path;
	int err;

	err = kern_path(r->cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &path);
	if (err)
		return ckpt_fail(&r->err, CKPT_OBJ_FS, err);
	err = inode_permission(mnt_user_ns(path.mnt), d_inode(path.dentry),
			       MAY_EXEC | MAY_CHDIR);
	if (!err)
		ckpt_set_pwd(&path);
	path_put(&path);
	if (err)
		return ckpt_fail(&r->err, CKPT_OBJ_FS, err);
	current->fs->umask = r->fs.umask;
	return 0;
}

static void ckpt_close_all(void)
{
	unsigned int fd = 0;
	struct file *f;

	for (;; fd++) {
		rcu_read_lock();
		f = task_lookup_next_fd_rcu(current, &fd);
		rcu_read_unlock();
		if (!f)
			break;
		close_fd(fd);
	}
}

static struct file *ckpt_reopen(const struct ckpt_restore_file *rf)
{
	const struct ckpt_rec_file *r = &rf->rec;
	int flags = r->f_flags;
	struct file *f;

	/* A FIFO opened for reading must not wait for a writer. */
	if (r->kind == CKPT_FILE_FIFO)
		flags |= O_NONBLOCK;
	f = filp_open(rf->path, flags | O_LARGEFILE, 0);
	if (IS_ERR(f))
		return f;
	if (ckpt_file_kind(f) != r->kind) {
		fput(f);
		return ERR_PTR(-ESTALE);
	}
	if (r->kind == CKPT_FILE_FIFO && !(r->f_flags & O_NONBLOCK)) {
		spin_lock(&f->f_lock);
		f->f_flags &= ~O_NONBLOCK;
		spin_unlock(&f->f_lock);
	}
	if (r->kind == CKPT_FILE_REG || r->kind == CKPT_FILE_DIR) {
		loff_t pos = vfs_setpos(f, r->pos, MAX_LFS_FILESIZE);

		if (pos < 0 && r->pos) {
			fput(f);
			return ERR_PTR(pos);
		}
		if (pos >= 0)
			f->f_pos = r->pos;
	}
	return f;
}

/*
 * Install @f at exactly @fd.  The table only holds descriptors below @fd
 * (they are installed in ascending order), so every free number below it
 * is reserved into @holes until the end of the restore.
 */
static int ckpt_install_at(struct file *f, int fd, unsigned int oflags,
			   int *holes, unsigned int *nholes)
{
	int got;

	for (;;) {
		got = get_unused_fd_flags(oflags);
		if (got < 0)
			return got;
		if (got == fd)
			break;
		if (got > fd) {
			put_unused_fd(got);
			return -EBUSY;
		}
		holes[(*nholes)++] = got;
	}
	fd_install(got, get_file(f));
	return 0;
}

int ckpt_restore_files(struct ckpt_restore *r)
{
	unsigned int nholes = 0;
	int *holes;
	u32 i;
	int err = 0;

	holes = kvmalloc_array(r->nr_files ?
			       r->files[r->nr_files - 1].rec.fd + 1 : 1,
			       sizeof(*holes), GFP_KERNEL);
	if (!holes)
		return -ENOMEM;
	ckpt_close_all();
	for (i = 0; i < r->nr_files && !err; i++) {
		const struct ckpt_restore_file *rf = &r->files[i];
		struct file *f = ckpt_reopen(rf);

		if (IS_ERR(f)) {
			err = PTR_ERR(f);
		} else {
			err = ckpt_install_at(f, rf->rec.fd,
					      (rf->rec.fd_flags & CKPT_FD_CLOEXEC) ?
					      O_CLOEXEC : 0, holes, &nholes);
			fput(f);
		}
		if (err) {
			r->err.fd = rf->rec.fd;
			ckpt_fail(&r->err, CKPT_OBJ_FD, err);
		}
	}
	while (nholes)
		put_unused_fd(holes[--nholes]);
	kvfree(holes);
	return err;
}
