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
 * Descriptors that share one open file (dup, inherited across fork) are
 * saved once and share it again after restore.
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
#include <linux/major.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <linux/sched/task.h>
#include "ckpt.h"

#define CKPT_F_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECT | \
			 O_NOATIME | O_DSYNC | __O_SYNC | O_LARGEFILE | \
			 O_PATH | O_DIRECTORY | O_NOFOLLOW | FASYNC)

/*
 * Terminals reopened by path: virtual consoles, serial ports, the console
 * and pseudo-terminal slaves (not /dev/tty, which means the controlling
 * terminal, nor /dev/ptmx, which would make a new one).
 */
bool ckpt_is_tty_rdev(dev_t rdev)
{
	unsigned int major = MAJOR(rdev);

	return major == 4 || rdev == MKDEV(5, 1) ||
	       (major >= 136 && major <= 143);
}

static bool ckpt_chr_ok(dev_t rdev)
{
	static const dev_t ok[] = {
		MKDEV(1, 3), MKDEV(1, 5), MKDEV(1, 7), MKDEV(1, 8), MKDEV(1, 9),
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (rdev == ok[i])
			return true;
	return ckpt_is_tty_rdev(rdev);
}

static int ckpt_file_kind(struct file *f)
{
	struct inode *inode = file_inode(f);

	switch (inode->i_mode & S_IFMT) {
	case S_IFREG:
		/* memfd.c; a descriptor of shared anon memory is refused */
		switch (ckpt_shmem_kind(f)) {
		case CKPT_SHMEM_MEMFD:
			return CKPT_FILE_MEMFD;
		case CKPT_SHMEM_ANON:
			return -EOPNOTSUPP;
		}
		return CKPT_FILE_REG;
	case S_IFDIR:
		return CKPT_FILE_DIR;
	case S_IFCHR:
		if (ckpt_pty_master(f))
			return CKPT_FILE_PTY;
		if (ckpt_devtty(f))
			return CKPT_FILE_CTTY;
		return ckpt_chr_ok(inode->i_rdev) ? CKPT_FILE_CHR : -EOPNOTSUPP;
	case S_IFIFO:
		if (inode->i_sb->s_magic == PIPEFS_MAGIC)
			return CKPT_FILE_PIPE;
		return CKPT_FILE_FIFO;
	case S_IFSOCK:
		/* sockets.c checked it when the processes were scanned */
		return CKPT_FILE_SOCKET;
	default:
		if (ckpt_is_pidfd(f))
			return CKPT_FILE_PIDFD;
		/* eventfd, timerfd, signalfd, epoll (fdkinds.c) */
		return ckpt_fdkind_of(f) ?: -EOPNOTSUPP;
	}
}

/* A CKPT_FILE_CTTY entry: /dev/tty, a pair's index only with the flag. */
static bool ckpt_ctty_rec_ok(const struct ckpt_rec_file *f)
{
	return new_decode_dev(f->rdev) == MKDEV(TTYAUX_MAJOR, 0) && !f->pos &&
	       f->size <= CKPT_CTTY_PAIR && (f->size || !f->ino);
}

/* Kinds whose FILE record names a path. */
static bool ckpt_kind_has_path(u32 kind)
{
	return kind != CKPT_FILE_PIPE && kind != CKPT_FILE_MEMFD &&
	       kind != CKPT_FILE_SOCKET && kind != CKPT_FILE_PIDFD &&
	       !ckpt_is_fdkind(kind);
}

/*
 * Open files already saved, by address, in this process or an earlier
 * one of the tree: a descriptor whose file is there shares it.  struct
 * file is far larger than 16 bytes, so the address shifted right by 4 is
 * a unique index; the value is the member's index and the descriptor.
 * The frozen processes' tables hold the files, so no address is reused.
 */
#define CKPT_SEEN_FD_BITS	20

struct ckpt_shared {
	s32 fd;			/* -1: not shared */
	s32 pid;		/* 0: in this process */
};

/* Is @f saved already, by this process or an earlier one of the tree? */
static bool ckpt_file_seen(struct ckpt_dump *d, struct file *f)
{
	return xa_load(&d->files_seen, (unsigned long)f >> 4);
}

static int ckpt_shared_fd(struct ckpt_dump *d, struct file *f,
			  unsigned int fd, struct ckpt_shared *sh)
{
	unsigned long idx = (unsigned long)f >> 4, v;
	void *old;

	BUILD_BUG_ON(CKPT_MAX_FILES > (1 << CKPT_SEEN_FD_BITS));
	old = xa_load(&d->files_seen, idx);
	sh->pid = 0;
	if (old) {
		unsigned int m;

		v = xa_to_value(old);
		m = v >> CKPT_SEEN_FD_BITS;
		sh->fd = v & ((1UL << CKPT_SEEN_FD_BITS) - 1);
		if (m != d->member)
			sh->pid = task_tgid_vnr(d->members[m].task);
		return 0;
	}
	sh->fd = -1;
	v = ((unsigned long)d->member << CKPT_SEEN_FD_BITS) | fd;
	return xa_err(xa_store(&d->files_seen, idx, xa_mk_value(v),
			       GFP_KERNEL));
}

/*
 * FILE entries not written yet: a record holds up to CKPT_FILE_BATCH bytes
 * of them, each path front-coded on the previous entry's (uapi).
 */
#define CKPT_FILE_BATCH	16384

struct ckpt_fbatch {
	u32 len;			/* bytes of entries in @buf */
	u32 paths;			/* whole paths' bytes, all records */
	u32 prev_len;			/* strlen(@prev); 0: no path */
	char prev[CKPT_PATH_MAX];	/* the previous entry's whole path */
	u8 buf[CKPT_FILE_BATCH];
};

static int ckpt_flush_files(struct ckpt_dump *d, struct ckpt_fbatch *fb)
{
	int err = 0;

	if (fb->len)
		err = ckpt_write_rec(&d->out, CKPT_REC_FILE, fb->buf, fb->len);
	fb->len = 0;
	fb->prev_len = 0;
	return err;
}

/* Queue the entry @r with @path (NULL: none) for the next FILE record. */
static int ckpt_put_file(struct ckpt_dump *d, struct ckpt_fbatch *fb,
			 struct ckpt_rec_file *r, const char *path)
{
	size_t len = path ? strlen(path) + 1 : 0, prefix = 0;
	u8 *p;

	BUILD_BUG_ON(sizeof(*r) + CKPT_PATH_MAX > CKPT_FILE_BATCH);
	BUILD_BUG_ON(CKPT_FILE_BATCH > CKPT_REC_MAX_META);
	BUILD_BUG_ON(CKPT_PATH_MAX > (u16)~0);
	if (len > CKPT_PATH_MAX)
		return ckpt_fail(&d->err, CKPT_OBJ_FD, -ENAMETOOLONG);
	/* A reader's bound on what front coding lets a record make. */
	if (len > CKPT_MAX_FILE_PATHS - fb->paths)
		return ckpt_fail(&d->err, CKPT_OBJ_FD, -E2BIG);
	fb->paths += len;
	d->err.fd = -1;
	if (fb->len + sizeof(*r) + len > CKPT_FILE_BATCH) {
		int err = ckpt_flush_files(d, fb);

		if (err)
			return err;
	}
	if (len)
		while (prefix < fb->prev_len && prefix < len - 1 &&
		       fb->prev[prefix] == path[prefix])
			prefix++;
	r->path_prefix = prefix;
	r->path_len = len - prefix;
	p = fb->buf + fb->len;
	memcpy(p, r, sizeof(*r));
	fb->len += sizeof(*r) + r->path_len;
	fb->prev_len = len ? len - 1 : 0;
	if (len) {
		memcpy(p + sizeof(*r), path + prefix, r->path_len);
		memcpy(fb->prev, path, len);
	}
	return 0;
}

static void ckpt_fd_flags(struct ckpt_rec_file *r, struct file *f,
			  unsigned int fd, bool cloexec,
			  const struct ckpt_shared *sh)
{
	r->fd = fd;
	r->fd_flags = cloexec ? CKPT_FD_CLOEXEC : 0;
	if (sh->fd >= 0) {
		r->fd_flags |= sh->pid ? CKPT_FD_TREE : CKPT_FD_SHARED;
		r->shared_fd = sh->fd;
		r->shared_pid = sh->pid;
	}
	r->f_flags = f->f_flags & CKPT_F_FLAGS;
	if (f->f_mode & FMODE_PATH)
		r->f_flags |= O_PATH;
}

/* A pipe end: no path; the pipe is named by its inode (pipes.c). */
static int ckpt_dump_pipe_file(struct ckpt_dump *d, struct ckpt_fbatch *fb,
			       struct file *f, unsigned int fd, bool cloexec,
			       const struct ckpt_shared *shared,
			       struct ckpt_rec_file *r)
{
	int err;

	ckpt_fd_flags(r, f, fd, cloexec, shared);
	err = ckpt_note_pipe(d, f, fd, r);
	if (err)
		return ckpt_fail(&d->err, CKPT_OBJ_FD, err);
	return ckpt_put_file(d, fb, r, NULL);
}

static int ckpt_dump_file(struct ckpt_dump *d, struct ckpt_fbatch *fb,
			  struct file *f, unsigned int fd, bool cloexec,
			  const struct ckpt_shared *shared)
{
	struct ckpt_rec_file r;
	struct inode *inode = file_inode(f);
	const char *path;
	int kind = ckpt_file_kind(f);

	d->err.fd = fd;
	if (kind < 0)
		return ckpt_fail(&d->err, CKPT_OBJ_FD, kind);
	/* Its owner for SIGIO, once, with its first descriptor (fown.c). */
	if (shared->fd < 0) {
		int err = ckpt_note_fown(d, f, fd);

		if (err)
			return ckpt_fail(&d->err, CKPT_OBJ_FD, err);
	}
	memset(&r, 0, sizeof(r));
	if (kind == CKPT_FILE_PIPE)
		return ckpt_dump_pipe_file(d, fb, f, fd, cloexec, shared,
					   &r);
	if (kind == CKPT_FILE_SOCKET) {
		int err = ckpt_note_sock(d, f, &r);

		if (err)
			return ckpt_fail(&d->err, CKPT_OBJ_FD, err);
		ckpt_fd_flags(&r, f, fd, cloexec, shared);
		r.f_flags &= ~O_LARGEFILE;
		return ckpt_put_file(d, fb, &r, NULL);
	}
	if (kind == CKPT_FILE_MEMFD) {
		int err = ckpt_note_shmem(d, f);

		if (err)
			return ckpt_fail(&d->err, CKPT_OBJ_FD, err);
		ckpt_fd_flags(&r, f, fd, cloexec, shared);
		r.kind = kind;
		r.pos = f->f_pos;
		r.ino = inode->i_ino;
		r.size = i_size_read(inode);
		return ckpt_put_file(d, fb, &r, NULL);
	}
	if (kind == CKPT_FILE_PIDFD) {
		int err = ckpt_note_pidfd(d, f, &r);

		if (err)
			return ckpt_fail(&d->err, CKPT_OBJ_FD, err);
		ckpt_fd_flags(&r, f, fd, cloexec, shared);
		return ckpt_put_file(d, fb, &r, NULL);
	}
	if (ckpt_is_fdkind(kind)) {
		int err = shared->fd >= 0 ? 0 :
			  ckpt_note_fdkind(d, f, fd, kind);

		if (err)
			return ckpt_fail(&d->err, CKPT_OBJ_FD, err);
		ckpt_fd_flags(&r, f, fd, cloexec, shared);
		r.kind = kind;
		return ckpt_put_file(d, fb, &r, NULL);
	}
	/* A slave of a pair whose master is here: made with the pair. */
	if (kind == CKPT_FILE_CHR && ckpt_pty_slave_here(d, f))
		kind = CKPT_FILE_PTY;
	/*
	 * A terminal's settings (attrs.c), once per open file; again in a
	 * later process of the tree whose controlling terminal it is, the
	 * session it leads taking it back at restore.
	 */
	if ((kind == CKPT_FILE_CHR || kind == CKPT_FILE_PTY) &&
	    (shared->fd < 0 || shared->pid) &&
	    ckpt_is_tty_rdev(inode->i_rdev)) {
		int err = ckpt_note_tty(d, f, fd, shared->fd >= 0);

		if (err)
			return ckpt_fail(&d->err, CKPT_OBJ_FD, err);
	}
	if (kind == CKPT_FILE_REG && d_unlinked(f->f_path.dentry)) {
		kind = CKPT_FILE_GHOST;
		path = ckpt_ghost_path(f, d->scratch);
		/* An earlier process of the tree saved its contents. */
		if (!IS_ERR(path) && !shared->pid) {
			int err = ckpt_note_ghost(d, f);

			if (err)
				path = ERR_PTR(err);
		}
	} else {
		path = ckpt_file_path(f, d->scratch);
	}
	if (IS_ERR(path))
		return ckpt_fail(&d->err, CKPT_OBJ_FD, PTR_ERR(path));
	ckpt_fd_flags(&r, f, fd, cloexec, shared);
	r.kind = kind;
	r.pos = f->f_pos;
	r.ino = inode->i_ino;
	r.dev = new_encode_dev(inode->i_sb->s_dev);
	r.size = i_size_read(inode);
	r.rdev = new_encode_dev(inode->i_rdev);
	if (kind == CKPT_FILE_PTY) {
		r.ino = ckpt_pty_index(f);
		r.pos = 0;
		r.size = 0;
	}
	if (kind == CKPT_FILE_CTTY) {
		int err = ckpt_note_devtty(d, f, fd, shared->fd < 0, &r);

		if (err)
			return ckpt_fail(&d->err, CKPT_OBJ_FD, err);
	}
	return ckpt_put_file(d, fb, &r, path);
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

/*
 * The open file of @t at the lowest fd from *@fd on, with a reference,
 * and that fd in *@fd; NULL past the last.  The lookup takes no reference
 * itself: a file being closed meanwhile is skipped.
 */
struct file *ckpt_next_file(struct task_struct *t, unsigned int *fd)
{
	struct file *f;

	for (;; (*fd)++) {
		rcu_read_lock();
		f = task_lookup_next_fd_rcu(t, fd);
		if (f && !get_file_rcu(f))
			f = ERR_PTR(-EAGAIN);
		rcu_read_unlock();
		if (!IS_ERR(f))
			return f;
	}
}

int ckpt_dump_files(struct ckpt_dump *d)
{
	struct ckpt_shared shared;
	struct ckpt_fbatch *fb;
	unsigned int fd;
	struct file *f;
	int err = 0;

	/* An earlier member's records hold a shared table (shares.c). */
	if (!ckpt_files_holder(d, d->member))
		return 0;
	fb = kvmalloc(sizeof(*fb), GFP_KERNEL);
	if (!fb)
		return -ENOMEM;
	fb->len = 0;
	fb->paths = 0;
	fb->prev_len = 0;
	d->devtty_fd = -1;
	for (fd = 0; (f = ckpt_next_file(d->task, &fd)); fd++) {
		/* --skip=fds: a kind not supported is left out (attrs.c). */
		if ((d->skip & CKPT_SKIP_FDS) &&
		    (ckpt_file_kind(f) < 0 ||
		     (!ckpt_file_seen(d, f) &&
		      (ckpt_devtty_skip(d, f) || ckpt_pidfd_skip(d, f))))) {
			err = ckpt_skip_fd(d, f, fd);
			fput(f);
			if (err)
				break;
			continue;
		}
		err = ckpt_shared_fd(d, f, fd, &shared);
		if (!err)
			err = ckpt_dump_file(d, fb, f, fd,
					     ckpt_fd_cloexec(d->task, fd),
					     &shared);
		fput(f);
		if (err)
			break;
	}
	if (!err)
		err = ckpt_devtty_leader_ok(d);
	if (!err)
		err = ckpt_flush_files(d, fb);
	kvfree(fb);
	return err;
}

/*
 * The FS record's paths: the cwd's (@cwd, @r->cwd_len bytes) and, with a
 * root of its own, the root's, in one buffer.
 */
static int ckpt_write_fs(struct ckpt_dump *d, struct ckpt_rec_fs *r,
			 const char *cwd, const struct path *root)
{
	char *buf = kmalloc(2 * PATH_MAX, GFP_KERNEL);
	const char *rp;
	int err;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, cwd, r->cwd_len);
	rp = d_path(root, buf + PATH_MAX, PATH_MAX);
	err = PTR_ERR_OR_ZERO(rp);
	if (!err) {
		r->flags |= CKPT_FS_ROOT;
		r->root_len = strlen(rp) + 1;
		memmove(buf + r->cwd_len, rp, r->root_len);
		err = ckpt_write_rec2(&d->out, CKPT_REC_FS, r, sizeof(*r), buf,
				      r->cwd_len + r->root_len);
	} else {
		ckpt_fail(&d->err, CKPT_OBJ_FS, err);
	}
	kfree(buf);
	return err;
}

int ckpt_dump_fs(struct ckpt_dump *d)
{
	struct ckpt_rec_fs r = {};
	struct path pwd, root, myroot;
	const char *path;
	bool same_root, root_ok;
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
	/*
	 * A root of its own (chroot): a directory we can name, inside
	 * ours, still linked.  Its cwd is named from our root too.
	 */
	root_ok = same_root ||
		  (path_is_under(&root, &myroot) && !d_unlinked(root.dentry) &&
		   path_is_under(&pwd, &myroot));
	path_put(&myroot);

	err = -EOPNOTSUPP;
	path = ERR_PTR(err);
	if (root_ok && !d_unlinked(pwd.dentry)) {
		path = d_path(&pwd, d->scratch, PAGE_SIZE);
	} else if (root_ok) {
		/* removed: made again and removed at restore */
		path = ckpt_deleted_path(&pwd, d->scratch);
		r.flags |= CKPT_FS_CWD_DELETED;
	}
	path_put(&pwd);
	if (IS_ERR(path)) {
		path_put(&root);
		return ckpt_fail(&d->err, CKPT_OBJ_FS, PTR_ERR(path));
	}
	r.cwd_len = strlen(path) + 1;
	if (!same_root)
		err = ckpt_write_fs(d, &r, path, &root);
	else
		err = ckpt_write_rec2(&d->out, CKPT_REC_FS, &r, sizeof(r),
				      path, r.cwd_len);
	path_put(&root);
	return err;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

/* Index of the record for @fd among the first @n, or -1. */
int ckpt_file_index(const struct ckpt_restore *r, u32 n, s32 fd)
{
	u32 lo = 0, hi = n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (r->files[mid].rec.fd == fd)
			return mid;
		if (r->files[mid].rec.fd < fd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static bool ckpt_shared_ok(const struct ckpt_restore *r, u32 i)
{
	const struct ckpt_rec_file *f = &r->files[i].rec;
	int j;

	if (f->shared_pid && !(f->fd_flags & CKPT_FD_TREE))
		return false;
	if (f->fd_flags & CKPT_FD_TREE)
		return !(f->fd_flags & CKPT_FD_SHARED) &&
		       !ckpt_tree_check_file(r, f);
	if (!(f->fd_flags & CKPT_FD_SHARED))
		return f->shared_fd == 0;
	j = ckpt_file_index(r, i, f->shared_fd);
	return j >= 0 && !(r->files[j].rec.fd_flags & CKPT_FD_SHARED);
}

/*
 * A root directory of its own is chroot(2)'s to give, and checked as
 * chroot(2) checks it, before the point of no return, with the
 * restorer's own credentials: CAP_SYS_CHROOT, a directory it may search,
 * the LSM's word.  The directory found is the one set at the end.
 */
static int ckpt_root_ok(struct ckpt_restore *r)
{
	struct path *path = &r->root_path;
	int err;

	if (!ns_capable(current_user_ns(), CAP_SYS_CHROOT))
		return -EPERM;
	err = kern_path(r->root, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, path);
	if (err)
		return err;
	err = inode_permission(mnt_user_ns(path->mnt), d_inode(path->dentry),
			       MAY_EXEC | MAY_CHDIR);
	if (!err && ckpt_ksyms.security_path_chroot)
		err = ckpt_ksyms.security_path_chroot(path);
	if (err) {
		path_put(path);
		path->mnt = NULL;
	}
	return err;
}

int ckpt_check_files(struct ckpt_restore *r)
{
	s64 prev = -1;
	u32 i;

	if (!r->cwd || r->fs.umask & ~0777 ||
	    r->fs.flags & ~(CKPT_FS_CWD_DELETED | CKPT_FS_ROOT) ||
	    !(r->fs.flags & CKPT_FS_ROOT) != !r->root ||
	    (r->root && !ckpt_path_plain(r->root)))
		return ckpt_bad(r, CKPT_REC_FS, -EBADMSG);
	if (r->root) {
		int err = ckpt_root_ok(r);

		if (err)
			return ckpt_fail(&r->err, CKPT_OBJ_FS, err);
	}
	/* A removed cwd is made again in its parent: that must be there. */
	if (!r->shares.fs_pid && (r->fs.flags & CKPT_FS_CWD_DELETED)) {
		int err = ckpt_ghost_dir_ok(r->cwd);

		if (err)
			return ckpt_fail(&r->err, CKPT_OBJ_FS, err);
	}
	for (i = 0; i < r->nr_files; i++) {
		const struct ckpt_rec_file *f = &r->files[i].rec;
		bool bad;

		bad = f->fd < 0 || f->fd <= prev || f->fd >= CKPT_MAX_FILES ||
		      f->fd_flags & ~(CKPT_FD_CLOEXEC | CKPT_FD_SHARED |
				      CKPT_FD_TREE) ||
		      f->f_flags & ~(u32)CKPT_F_FLAGS || f->pos < 0 ||
		      !ckpt_shared_ok(r, i) ||
		      !r->files[i].path != !ckpt_kind_has_path(f->kind) ||
		      f->kind < CKPT_FILE_REG || f->kind > CKPT_FILE_KIND_MAX ||
		      (f->kind == CKPT_FILE_CHR &&
		       !ckpt_chr_ok(new_decode_dev(f->rdev))) ||
		      (f->kind == CKPT_FILE_CTTY && !ckpt_ctty_rec_ok(f)) ||
		      (f->kind == CKPT_FILE_PIDFD &&
		       !(f->fd_flags & (CKPT_FD_SHARED | CKPT_FD_TREE)) &&
		       !ckpt_pidfd_rec_ok(r, f));
		if (bad)
			return ckpt_bad_rec(r, CKPT_REC_FILE, r->files[i].offset,
					    -EBADMSG);
		prev = f->fd;
	}
	return 0;
}

/* The caller's cwd, or with @root its root directory, is now @path. */
static void ckpt_set_fs_path(const struct path *path, bool root)
{
	struct fs_struct *fs = current->fs;
	struct path *at = root ? &fs->root : &fs->pwd;
	struct path old;

	path_get(path);
	spin_lock(&fs->lock);
	write_seqcount_begin(&fs->seq);
	old = *at;
	*at = *path;
	write_seqcount_end(&fs->seq);
	spin_unlock(&fs->lock);
	path_put(&old);
}

/* rmdir(2)'s LSM path hook (none without CONFIG_SECURITY_PATH). */
static int ckpt_path_rmdir_ok(const struct path *dir, struct dentry *dentry)
{
#ifdef CONFIG_SECURITY_PATH
	return ckpt_ksyms.security_path_rmdir(dir, dentry);
#else
	return 0;
#endif
}

/*
 * Unlink @dentry from @dir (its parent, locked) as unlink(2) would for
 * the task: its LSM path hook first (DAC alone is vfs_unlink()'s).  A
 * name the restore made itself (@ours) goes even if the hook refuses, and
 * the refusal is the error: a failed restore leaves nothing behind.
 */
int ckpt_unlink_as_task(const struct path *dir, struct dentry *dentry,
			bool ours)
{
	int denied = security_path_unlink(dir, dentry), err;

	if (denied && !ours)
		return denied;
	err = vfs_unlink(mnt_user_ns(dir->mnt), d_inode(dir->dentry), dentry,
			 NULL);
	return err ?: denied;
}

/*
 * An empty directory made at @name and removed at once, in @out.  Both
 * pass the LSM path hooks, as mkdir(2) and rmdir(2) would for the task
 * (AppArmor, TOMOYO, Landlock: DAC alone is vfs_mkdir()'s); a directory
 * made whose removal is refused is removed all the same (it is ours),
 * and the refusal is the error.
 */
static int ckpt_mkdir_removed(const char *name, struct path *out)
{
	struct dentry *dentry;
	struct path parent;
	struct inode *dir;
	int err, denied;

	dentry = kern_path_create(AT_FDCWD, name, &parent, LOOKUP_DIRECTORY);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	dir = d_inode(parent.dentry);
	err = security_path_mkdir(&parent, dentry, 0700);
	if (!err)
		err = vfs_mkdir(mnt_user_ns(parent.mnt), dir, dentry, 0700);
	/* (a filesystem may leave the dentry negative: none to enter) */
	if (!err && d_is_negative(dentry))
		err = -EOPNOTSUPP;
	if (!err) {
		out->mnt = mntget(parent.mnt);
		out->dentry = dget(dentry);
		denied = ckpt_path_rmdir_ok(&parent, dentry);
		err = vfs_rmdir(mnt_user_ns(parent.mnt), dir, dentry);
		if (!err)
			err = denied;
		if (err)
			path_put(out);
	}
	done_path_create(&parent, dentry);
	return err;
}

/*
 * A removed cwd again: an empty directory at @name, or at
 * @name.ckpt-ghost if another file holds @name, entered and removed.
 */
static int ckpt_removed_dir(const char *name, struct path *out)
{
	char *alt;
	int err = ckpt_mkdir_removed(name, out);

	if (err != -EEXIST)
		return err;
	alt = ckpt_ghost_alt_name(name);
	if (!alt)
		return -ENOMEM;
	err = ckpt_mkdir_removed(alt, out);
	kfree(alt);
	return err;
}

int ckpt_restore_fs(struct ckpt_restore *r)
{
	struct path path;
	int err;

	/*
	 * An earlier member's context, restored already (shares.c): now if
	 * its root is ours, so that the files are opened in its cwd and
	 * umask; else last (ckpt_restore_root()), once they are open.
	 */
	if (r->shares.fs_pid) {
		struct fs_struct *fs = ckpt_tree_fs_of(r, r->shares.fs_pid);
		bool same;

		if (!fs)
			return ckpt_fail(&r->err, CKPT_OBJ_FS, -ESRCH);
		spin_lock(&fs->lock);
		same = path_equal(&fs->root, &current->fs->root);
		spin_unlock(&fs->lock);
		if (same) {
			ckpt_adopt_fs(fs);
			r->fs_adopted = true;
			return 0;
		}
		/* Meanwhile its cwd and umask, for what is opened from them. */
		spin_lock(&fs->lock);
		path = fs->pwd;
		path_get(&path);
		current->fs->umask = fs->umask;
		spin_unlock(&fs->lock);
		ckpt_set_fs_path(&path, false);
		path_put(&path);
		return 0;
	}
	if (r->fs.flags & CKPT_FS_CWD_DELETED)
		err = ckpt_removed_dir(r->cwd, &path);
	else
		err = kern_path(r->cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &path);
	if (err)
		return ckpt_fail(&r->err, CKPT_OBJ_FS, err);
	err = inode_permission(mnt_user_ns(path.mnt), d_inode(path.dentry),
			       MAY_EXEC | MAY_CHDIR);
	if (!err)
		ckpt_set_fs_path(&path, false);
	path_put(&path);
	if (err)
		return ckpt_fail(&r->err, CKPT_OBJ_FS, err);
	current->fs->umask = r->fs.umask;
	return 0;
}

/*
 * Last of the fs context, once every file is open (their paths are from
 * the restorer's root): the root directory of its own, or an earlier
 * member's context (shares.c), which may have one.
 */
int ckpt_restore_root(struct ckpt_restore *r)
{
	if (r->shares.fs_pid && !r->fs_adopted) {
		struct fs_struct *fs = ckpt_tree_fs_of(r, r->shares.fs_pid);

		if (!fs)
			return ckpt_fail(&r->err, CKPT_OBJ_FS, -ESRCH);
		ckpt_adopt_fs(fs);
		return 0;
	}
	if (r->root_path.mnt)
		ckpt_set_fs_path(&r->root_path, true);
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

/*
 * The directory of the last file reopened by path: the next file in it is
 * opened from there, a walk of its name alone instead of the whole path
 * (a thousand files in one directory, a thousand walks of it saved).
 */
struct ckpt_dircache {
	struct path dir;		/* .mnt NULL: none */
	const char *name;		/* its path: a record's, up to the '/' */
	size_t len;			/* 0: none */
	bool bad;			/* its lookup failed */
};

static void ckpt_dircache_put(struct ckpt_dircache *dc)
{
	if (dc->dir.mnt)
		path_put(&dc->dir);
	dc->dir.mnt = NULL;
}

/*
 * Open @path as filp_open() does.  From the cached directory only where
 * the result cannot differ: an absolute path whose last name is a plain
 * one (not "." or ".."), not for O_PATH (which opens a link itself) nor
 * O_DIRECTORY (which would fail ENOTDIR on a link before O_NOFOLLOW's
 * ELOOP), and not a symbolic link: the name is opened with O_NOFOLLOW
 * (file_open_root() would resolve a link inside the directory) and a link
 * is opened by the whole path.  O_NOFOLLOW, which open(2) leaves in
 * f_flags, is taken out again unless asked for.  The lookup of the name
 * checks search permission on the directory as a walk of the whole path
 * does.  Two differences remain: the directory is looked up once for the
 * files in it (a directory renamed or mounted over meanwhile is not seen
 * until the next one), and an audit record names the file by its last
 * name.
 */
static struct file *ckpt_open_path(struct ckpt_dircache *dc, const char *path,
				   int flags)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : NULL;
	struct file *f;
	size_t len;

	if (!dc || path[0] != '/' || slash == path || !*name ||
	    !strcmp(name, ".") || !strcmp(name, "..") ||
	    (flags & (O_PATH | O_DIRECTORY)))
		return filp_open(path, flags, 0);
	len = slash - path;
	if (dc->len != len || memcmp(dc->name, path, len)) {
		char *dir = kmemdup_nul(path, len, GFP_KERNEL);
		int err = -ENOMEM;

		ckpt_dircache_put(dc);
		if (dir)
			err = kern_path(dir, LOOKUP_FOLLOW | LOOKUP_DIRECTORY,
					&dc->dir);
		kfree(dir);
		if (err)
			dc->dir.mnt = NULL;
		dc->bad = err != 0;	/* the whole path reports it */
		dc->name = path;
		dc->len = len;
	}
	if (dc->bad)
		return filp_open(path, flags, 0);
	f = file_open_root(&dc->dir, name, flags | O_NOFOLLOW, 0);
	if (f == ERR_PTR(-ELOOP))
		return filp_open(path, flags, 0);
	if (!IS_ERR(f) && !(flags & O_NOFOLLOW)) {
		spin_lock(&f->f_lock);
		f->f_flags &= ~O_NOFOLLOW;
		spin_unlock(&f->f_lock);
	}
	return f;
}

static struct file *ckpt_reopen(const struct ckpt_restore_file *rf,
				struct ckpt_dircache *dc)
{
	const struct ckpt_rec_file *r = &rf->rec;
	int flags = r->f_flags;
	struct file *f;

	/* A FIFO opened for reading must not wait for a writer. */
	if (r->kind == CKPT_FILE_FIFO)
		flags |= O_NONBLOCK;
	/*
	 * A terminal comes back as an open file, never as a new ctty: nor
	 * does one a hostile record calls another kind (the kind is checked
	 * only once it is open).
	 */
	f = ckpt_open_path(dc, rf->path, flags | O_LARGEFILE | O_NOCTTY);
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
 * Reserve exactly @fd, or install @f there.  The table only holds
 * descriptors below @fd (they are installed in ascending order), so every
 * free number below it is reserved into @holes until the end of the
 * restore.
 */
static int ckpt_reserve_at(int fd, unsigned int oflags, int *holes,
			   unsigned int *nholes)
{
	int got;

	for (;;) {
		got = get_unused_fd_flags(oflags);
		if (got < 0)
			return got;
		if (got == fd)
			return 0;
		if (got > fd) {
			put_unused_fd(got);
			return -EBUSY;
		}
		holes[(*nholes)++] = got;
	}
}

static int ckpt_install_at(struct file *f, int fd, unsigned int oflags,
			   int *holes, unsigned int *nholes)
{
	int err = ckpt_reserve_at(fd, oflags, holes, nholes);

	if (!err)
		fd_install(fd, get_file(f));
	return err;
}

/* ---------------------------------------------------------------------- */
/* Open files by id (an inode number): ghosts made, sockets made          */
/* ---------------------------------------------------------------------- */

struct ckpt_idfiles *ckpt_idfiles_new(u32 max)
{
	struct ckpt_idfiles *t;

	max = max ? max : 1;
	t = kvzalloc(struct_size(t, e, max), GFP_KERNEL);
	if (t)
		t->max = max;
	return t;
}

void ckpt_idfiles_free(struct ckpt_idfiles *t)
{
	u32 i;

	if (!t)
		return;
	for (i = 0; i < t->nr; i++)
		fput(t->e[i].file);
	kvfree(t);
}

/* File @id of table @t (not a new reference), or NULL. */
struct file *ckpt_idfiles_find(const struct ckpt_idfiles *t, u64 id)
{
	u32 i;

	for (i = 0; t && i < t->nr; i++)
		if (t->e[i].id == id)
			return t->e[i].file;
	return NULL;
}

/* Keep @f (the caller's reference) as @id; a table has room for all. */
int ckpt_idfiles_add(struct ckpt_idfiles *t, u64 id, struct file *f)
{
	if (WARN_ON_ONCE(t->nr == t->max)) {
		fput(f);
		return -EINVAL;
	}
	t->e[t->nr].id = id;
	t->e[t->nr].file = f;
	t->nr++;
	return 0;
}

struct ckpt_files_made {
	struct ckpt_dircache dir;	/* of the last file reopened */
	struct ckpt_pipes *pipes;
	struct ckpt_fdkinds *fdkinds;
	struct ckpt_idfiles *socks;	/* sockets made */
};

/* The open file for record @i: reopened, shared, a pipe's end, a ghost. */
static struct file *ckpt_file_for(struct ckpt_restore *r, u32 i,
				  struct file **opened,
				  struct ckpt_files_made *made)
{
	const struct ckpt_rec_file *rec = &r->files[i].rec;
	struct file *f;

	if (rec->fd_flags & CKPT_FD_SHARED)
		return get_file(opened[ckpt_file_index(r, i, rec->shared_fd)]);
	if (rec->fd_flags & CKPT_FD_TREE)
		return ckpt_tree_file(r, rec);
	if (rec->kind == CKPT_FILE_PIPE) {
		/* Made here already, or by an earlier process of the tree? */
		f = ckpt_pipes_find(made->pipes, rec);
		if (!f && r->tree)
			f = ckpt_tree_pipe_end(r, rec);
		return f ? f : ckpt_pipe_end(r, made->pipes, rec);
	}
	if (ckpt_is_fdkind(rec->kind))
		return ckpt_fdkind_file(r, made->fdkinds, &r->files[i]);
	if (rec->kind == CKPT_FILE_MEMFD)
		return ckpt_memfd_file(r, &r->files[i]);
	if (rec->kind == CKPT_FILE_SOCKET)
		return ckpt_sock_file(r, made->socks, rec);
	if (rec->kind == CKPT_FILE_PTY)
		return ckpt_pty_file(r, &r->files[i]);
	if (rec->kind == CKPT_FILE_PIDFD)
		return ckpt_pidfd_file(rec);
	if (rec->kind != CKPT_FILE_GHOST)
		return ckpt_reopen(&r->files[i], &made->dir);
	f = ckpt_ghost_file(r, &r->files[i]);
	if (!IS_ERR(f))
		f->f_pos = rec->pos;
	return f;
}

/*
 * Is record @i's open file one opened only once the controlling terminal
 * is back (ckpt_restore_terminal()): /dev/tty, or a descriptor sharing it?
 * Its number is reserved meanwhile, its @opened entry NULL.
 */
static bool ckpt_file_later(const struct ckpt_restore *r, u32 i,
			    struct file **opened)
{
	const struct ckpt_rec_file *rec = &r->files[i].rec;

	if (rec->fd_flags & CKPT_FD_SHARED)
		return !opened[ckpt_file_index(r, i, rec->shared_fd)];
	return rec->kind == CKPT_FILE_CTTY && !(rec->fd_flags & CKPT_FD_TREE);
}

/*
 * Open the files held back by ckpt_file_later() and install them at their
 * reserved numbers; on failure release the numbers still reserved.
 */
static int ckpt_open_later(struct ckpt_restore *r, struct file **opened,
			   u32 n, int err)
{
	u32 i;

	for (i = 0; i < n; i++) {
		const struct ckpt_rec_file *rec = &r->files[i].rec;
		struct file *f;

		if (opened[i])
			continue;
		if (err) {
			put_unused_fd(rec->fd);
			continue;
		}
		if (rec->fd_flags & CKPT_FD_SHARED)
			f = get_file(opened[ckpt_file_index(r, i,
							    rec->shared_fd)]);
		else
			f = ckpt_devtty_file(r, &r->files[i]);
		if (IS_ERR(f)) {
			err = PTR_ERR(f);
			r->err.fd = rec->fd;
			ckpt_fail(&r->err, CKPT_OBJ_FD, err);
			put_unused_fd(rec->fd);
			continue;
		}
		opened[i] = f;
		fd_install(rec->fd, get_file(f));
	}
	return err;
}

int ckpt_restore_files(struct ckpt_restore *r)
{
	struct ckpt_files_made made;
	unsigned long nofile = 0;
	unsigned int nholes = 0;
	struct file **opened;
	int *holes;
	u32 i, n = 0;
	int err = 0;

	/* An earlier member's table, restored already (shares.c). */
	if (r->shares.files_pid) {
		struct files_struct *files;

		files = ckpt_tree_files_of(r, r->shares.files_pid);
		if (!files)
			return ckpt_fail(&r->err, CKPT_OBJ_FD, -ESRCH);
		ckpt_adopt_files(files);
		return ckpt_restore_terminal(r);
	}
	made.dir.dir.mnt = NULL;
	made.dir.len = 0;
	opened = kvcalloc(r->nr_files ? r->nr_files : 1, sizeof(*opened),
			  GFP_KERNEL);
	holes = kvmalloc_array(r->nr_files ?
			       r->files[r->nr_files - 1].rec.fd + 1 : 1,
			       sizeof(*holes), GFP_KERNEL);
	made.pipes = ckpt_pipes_new(r->nr_files);
	made.fdkinds = ckpt_fdkinds_new();
	made.socks = ckpt_idfiles_new(r->nr_socks);
	if (!holes || !opened || !made.pipes || !made.fdkinds ||
	    !made.socks) {
		err = -ENOMEM;
		goto out;
	}
	ckpt_close_all();
	/*
	 * The restorer's RLIMIT_NOFILE is restart's soft limit, not the
	 * image's (that comes with the other limits, later): let the image's
	 * descriptors in, as the original held them, up to the hard limit
	 * (setrlimit(2)'s rule: only CAP_SYS_RESOURCE goes past it).
	 */
	if (r->nr_files) {
		struct rlimit *rl = &current->signal->rlim[RLIMIT_NOFILE];
		unsigned long want = r->files[r->nr_files - 1].rec.fd + 1;
		bool past_max = capable(CAP_SYS_RESOURCE);

		task_lock(current->group_leader);
		nofile = rl->rlim_cur;
		if (!past_max)
			want = min(want, rl->rlim_max);
		rl->rlim_cur = max(nofile, want);
		task_unlock(current->group_leader);
	}
	for (i = 0; i < r->nr_files && !err; i++) {
		const struct ckpt_rec_file *rec = &r->files[i].rec;
		unsigned int oflags = (rec->fd_flags & CKPT_FD_CLOEXEC) ?
				      O_CLOEXEC : 0;
		struct file *f;

		if (ckpt_file_later(r, i, opened)) {
			err = ckpt_reserve_at(rec->fd, oflags, holes, &nholes);
			if (!err)
				opened[n++] = NULL;
		} else {
			f = ckpt_file_for(r, i, opened, &made);
			if (IS_ERR(f)) {
				err = PTR_ERR(f);
			} else {
				opened[n++] = f;
				err = ckpt_install_at(f, rec->fd, oflags,
						      holes, &nholes);
			}
		}
		if (err) {
			r->err.fd = rec->fd;
			ckpt_fail(&r->err, CKPT_OBJ_FD, err);
		}
	}
	while (nholes)
		put_unused_fd(holes[--nholes]);
	/* The controlling terminal, then the /dev/tty opens it allows. */
	if (!err)
		err = ckpt_restore_terminal(r);
	err = ckpt_open_later(r, opened, n, err);
	ckpt_dircache_put(&made.dir);
	if (r->nr_files) {
		task_lock(current->group_leader);
		current->signal->rlim[RLIMIT_NOFILE].rlim_cur = nofile;
		task_unlock(current->group_leader);
	}
	/* Epoll interest lists, now that every descriptor is in place. */
	if (!err)
		err = ckpt_restore_epolls(r, made.fdkinds);
	/* inotify watches, by paths the restored credentials may read. */
	if (!err)
		err = ckpt_restore_inwatches(r, made.fdkinds);
	/* Later processes of the tree share these open files and pipes. */
	if (!err && r->tree) {
		ckpt_tree_keep_files(r, opened, n, made.pipes);
		opened = NULL;
		made.pipes = NULL;
		r->socks_made = made.socks;
		made.socks = NULL;
		n = 0;
	}
out:
	/* A tree's later processes find the pairs made here (tree.c). */
	if (!r->tree)
		ckpt_ptys_release(r);
	ckpt_dircache_put(&made.dir);
	while (n) {
		n--;
		if (opened[n])
			fput(opened[n]);
	}
	ckpt_pipes_free(made.pipes);
	ckpt_fdkinds_free(made.fdkinds);
	ckpt_idfiles_free(made.socks);
	kvfree(opened);
	kvfree(holes);
	return err;
}
