// SPDX-License-Identifier: GPL-2.0
/*
 * Anonymous pipes whose both ends the process holds (a self-pipe, a pipe
 * kept for a later fork): saved with their capacity and unread bytes, and
 * recreated as a new pipe holding the same bytes.  A pipe with an end held
 * by another process is refused: restoring one end alone would change
 * what the other side sees.  Packet-mode pipes (O_DIRECT) are refused.
 *
 * Dump: files.c calls ckpt_note_pipe() for each pipe descriptor; after the
 * files, ckpt_dump_pipes() checks that every pipe has both ends here and
 * no others, and writes its bytes, copied under the pipe's mutex without
 * consuming them.  Restore: ckpt_pipe_end() creates a pipe at its first
 * descriptor (create_pipe_files() and pipe_fcntl() are not exported).
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/fcntl.h>
#include <linux/highmem.h>
#include <linux/pipe_fs_i.h>
#include <linux/fdtable.h>
#include <linux/magic.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include "ckpt.h"

#define CKPT_PIPE_CHUNK	(CKPT_REC_MAX_META - sizeof(struct ckpt_rec_pipedata))

/*
 * A pipe met in the descriptors of the processes: its two ends, by
 * direction, where each was first seen, and how many descriptors of the
 * processes refer to each.
 */
struct ckpt_pipe_seen {
	struct file *end[2];	/* [0] read, [1] write; referenced */
	int fd[2];
	unsigned int member[2];
	unsigned long refs[2];
	bool dumped;
};

void ckpt_pipes_init(struct ckpt_dump *d)
{
	xa_init(&d->pipes);
}

void ckpt_pipes_destroy(struct ckpt_dump *d)
{
	struct ckpt_pipe_seen *p;
	unsigned long ino;

	xa_for_each(&d->pipes, ino, p) {
		if (p->end[0])
			fput(p->end[0]);
		if (p->end[1])
			fput(p->end[1]);
		kfree(p);
	}
	xa_destroy(&d->pipes);
}

static struct ckpt_pipe_seen *ckpt_see_pipe(struct ckpt_dump *d,
					    struct file *f, int fd)
{
	unsigned long ino = file_inode(f)->i_ino;
	int end = (f->f_mode & FMODE_WRITE) ? 1 : 0;
	struct ckpt_pipe_seen *p;
	int err;

	if ((f->f_mode & FMODE_READ) && (f->f_mode & FMODE_WRITE))
		return ERR_PTR(-EOPNOTSUPP);
	if (f->f_flags & O_DIRECT)
		return ERR_PTR(-EOPNOTSUPP);	/* packet mode */
	p = xa_load(&d->pipes, ino);
	if (!p) {
		p = kzalloc(sizeof(*p), GFP_KERNEL);
		if (!p)
			return ERR_PTR(-ENOMEM);
		err = xa_err(xa_store(&d->pipes, ino, p, GFP_KERNEL));
		if (err) {
			kfree(p);
			return ERR_PTR(err);
		}
	}
	if (p->end[end] && p->end[end] != f)
		return ERR_PTR(-EOPNOTSUPP);	/* two open files of one end */
	if (!p->end[end]) {
		p->end[end] = get_file(f);
		p->fd[end] = fd;
		p->member[end] = d->member;
	}
	return p;
}

int ckpt_note_pipe(struct ckpt_dump *d, struct file *f, int fd,
		   struct ckpt_rec_file *r)
{
	struct pipe_inode_info *pipe = f->private_data;
	struct ckpt_pipe_seen *p = ckpt_see_pipe(d, f, fd);

	if (IS_ERR(p))
		return PTR_ERR(p);
	r->kind = CKPT_FILE_PIPE;
	r->ino = file_inode(f)->i_ino;
	r->size = (u64)READ_ONCE(pipe->max_usage) << PAGE_SHIFT;
	return 0;
}

/* Copy the unread bytes of @pipe (locked) into @buf, at most @max. */
static ssize_t ckpt_pipe_copy(struct pipe_inode_info *pipe, void *buf,
			      size_t max)
{
	unsigned int mask = pipe->ring_size - 1, i;
	size_t n = 0;

	for (i = pipe->tail; i != pipe->head; i++) {
		struct pipe_buffer *b = &pipe->bufs[i & mask];
		void *k;

		if (b->flags & PIPE_BUF_FLAG_PACKET)
			return -EOPNOTSUPP;
		if (pipe_buf_confirm(pipe, b))
			return -EIO;
		if (b->len > max - n)
			return -EOPNOTSUPP;
		k = kmap_local_page(b->page);
		memcpy(buf + n, k + b->offset, b->len);
		kunmap_local(k);
		n += b->len;
	}
	return n;
}

static int ckpt_write_pipedata(struct ckpt_dump *d, u64 ino, const void *buf,
			       size_t len)
{
	struct ckpt_rec_pipedata pd = { .ino = ino };

	return ckpt_write_pieces(&d->out, CKPT_REC_PIPEDATA, &pd, sizeof(pd),
				 buf, len, CKPT_PIPE_CHUNK);
}

static int ckpt_dump_pipe(struct ckpt_dump *d, unsigned long ino,
			  struct ckpt_pipe_seen *p)
{
	struct pipe_inode_info *pipe = p->end[0]->private_data;
	size_t max;
	ssize_t len;
	void *buf;

	max = min_t(size_t, (size_t)READ_ONCE(pipe->max_usage) << PAGE_SHIFT,
		    CKPT_PIPE_MAX_DATA);
	buf = kvmalloc(max ? max : 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	pipe_lock(pipe);
	len = ckpt_pipe_copy(pipe, buf, max);
	pipe_unlock(pipe);
	if (len > 0)
		len = ckpt_write_pipedata(d, ino, buf, len);
	kvfree(buf);
	if (len < 0) {
		d->err.fd = p->fd[0];
		return ckpt_fail(&d->err, CKPT_OBJ_FD, len);
	}
	p->dumped = true;
	return 0;
}

/* The bytes of the pipes first seen in this process. */
int ckpt_dump_pipes(struct ckpt_dump *d)
{
	struct ckpt_pipe_seen *p;
	unsigned long ino;
	int err;

	xa_for_each(&d->pipes, ino, p) {
		if (p->dumped || (p->member[0] != d->member &&
				  p->member[1] != d->member))
			continue;
		err = ckpt_dump_pipe(d, ino, p);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Both ends of @p are held by the processes and by nobody else: one open
 * file per end (pipe->readers and ->writers count open files), and every
 * reference to each (but ours) from a descriptor of the processes.
 */
static int ckpt_pipe_closed(struct ckpt_dump *d, struct ckpt_pipe_seen *p)
{
	struct pipe_inode_info *pipe;
	int e = p->end[0] ? 1 : 0;
	bool ok;

	if (!p->end[0] || !p->end[1]) {
		d->member = p->member[e];
		d->err.fd = p->fd[e];
		return ckpt_fail(&d->err, CKPT_OBJ_FD, -EOPNOTSUPP);
	}
	pipe = p->end[0]->private_data;
	pipe_lock(pipe);
	ok = pipe->readers == 1 && pipe->writers == 1;
	pipe_unlock(pipe);
	for (e = 0; e < 2 && ok; e++)
		ok = file_count(p->end[e]) == p->refs[e] + 1;
	if (!ok) {
		e = e ? e - 1 : 0;
		d->member = p->member[e];
		d->err.fd = p->fd[e];
		return ckpt_fail(&d->err, CKPT_OBJ_FD, -EOPNOTSUPP);
	}
	return 0;
}

/*
 * Before anything is written: every pipe in the processes' descriptors,
 * which must be held at both ends by them alone.  On failure d->member
 * and d->err.fd name the descriptor.
 */
int ckpt_scan_pipes(struct ckpt_dump *d)
{
	struct ckpt_pipe_seen *p;
	unsigned long ino;
	unsigned int i, fd;
	struct file *f;
	int err = 0;

	for (i = 0; i < d->nr_members && !err; i++) {
		d->member = i;
		if (!ckpt_files_holder(d, i))
			continue;	/* an earlier member's table */
		for (fd = 0; !err &&
		     (f = ckpt_next_file(d->members[i].task, &fd)); fd++) {
			if (S_ISFIFO(file_inode(f)->i_mode) &&
			    file_inode(f)->i_sb->s_magic == PIPEFS_MAGIC) {
				p = ckpt_see_pipe(d, f, fd);
				if (IS_ERR(p)) {
					d->err.fd = fd;
					err = ckpt_fail(&d->err, CKPT_OBJ_FD,
							PTR_ERR(p));
				} else {
					p->refs[(f->f_mode & FMODE_WRITE) ?
						1 : 0]++;
				}
			}
			fput(f);
		}
	}
	xa_for_each(&d->pipes, ino, p) {
		if (err)
			break;
		err = ckpt_pipe_closed(d, p);
	}
	if (!err)
		d->member = 0;
	return err;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

/* Records of pipe data: a pipe's pages at most, and one more per pipe. */
#define CKPT_MAX_PIPEDATA	(CKPT_MAX_FILES + CKPT_PIPE_MAX_DATA / PAGE_SIZE)

int ckpt_take_pipedata(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_pipedata *pd = p;
	struct ckpt_restore_pipedata *e;
	u32 n = len - sizeof(*pd);
	int err;

	if (len <= sizeof(*pd) || pd->reserved ||
	    n > CKPT_PIPE_MAX_DATA - r->pipedata_bytes)
		return -EBADMSG;
	err = ckpt_grow((void **)&r->pipedata, r->nr_pipedata,
			sizeof(*r->pipedata), CKPT_MAX_PIPEDATA);
	if (err)
		return err;
	e = &r->pipedata[r->nr_pipedata];
	e->data = ckpt_dup(pd + 1, n);
	if (!e->data)
		return -ENOMEM;
	e->ino = pd->ino;
	e->len = n;
	r->nr_pipedata++;
	r->pipedata_bytes += n;
	return 0;
}

void ckpt_free_pipedata(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_pipedata; i++)
		kvfree(r->pipedata[i].data);
	kvfree(r->pipedata);
}

/* Each pipe: one read and one write record of its own; data fits. */
int ckpt_check_pipes(struct ckpt_restore *r)
{
	u32 i, j;

	for (i = 0; i < r->nr_files; i++) {
		const struct ckpt_rec_file *f = &r->files[i].rec;
		unsigned int ends[2] = { 0, 0 };
		u64 bytes = 0;

		if (f->kind != CKPT_FILE_PIPE ||
		    (f->fd_flags & (CKPT_FD_SHARED | CKPT_FD_TREE)))
			continue;
		cond_resched();	/* files x files, at worst */
		if (f->size < PAGE_SIZE || f->size > CKPT_PIPE_MAX_DATA ||
		    r->files[i].path)
			return ckpt_bad_rec(r, CKPT_REC_FILE, r->files[i].offset,
					    -EBADMSG);
		for (j = 0; j < r->nr_files; j++) {
			const struct ckpt_rec_file *g = &r->files[j].rec;

			if (g->kind == CKPT_FILE_PIPE && g->ino == f->ino &&
			    !(g->fd_flags & (CKPT_FD_SHARED | CKPT_FD_TREE)))
				ends[(g->f_flags & O_ACCMODE) == O_WRONLY]++;
		}
		for (j = 0; j < r->nr_pipedata; j++)
			if (r->pipedata[j].ino == f->ino)
				bytes += r->pipedata[j].len;
		/*
		 * one read end, one write end, and the bytes fit; in a tree
		 * the other end may be another process's
		 */
		if (ends[0] > 1 || ends[1] > 1 ||
		    (!r->tree && (ends[0] != 1 || ends[1] != 1)) ||
		    ((f->f_flags & O_ACCMODE) != O_RDONLY &&
		     (f->f_flags & O_ACCMODE) != O_WRONLY) ||
		    bytes > f->size)
			return ckpt_bad_rec(r, CKPT_REC_FILE, r->files[i].offset,
					    -EBADMSG);
	}
	for (j = 0; j < r->nr_pipedata; j++) {
		for (i = 0; i < r->nr_files; i++)
			if (r->files[i].rec.kind == CKPT_FILE_PIPE &&
			    r->files[i].rec.ino == r->pipedata[j].ino)
				break;
		if (i == r->nr_files)
			return ckpt_bad(r, CKPT_REC_PIPEDATA, -EBADMSG);
	}
	return 0;
}

struct ckpt_pipe_open {
	u64 ino;
	struct file *end[2];
};

struct ckpt_pipes {
	u32 nr;
	struct ckpt_pipe_open open[];
};

struct ckpt_pipes *ckpt_pipes_new(u32 max)
{
	return kvzalloc(struct_size_t(struct ckpt_pipes, open, max),
			GFP_KERNEL);
}

void ckpt_pipes_free(struct ckpt_pipes *t)
{
	u32 i;

	if (!t)
		return;
	for (i = 0; i < t->nr; i++) {
		fput(t->open[i].end[0]);
		fput(t->open[i].end[1]);
	}
	kvfree(t);
}

/* Refill a new pipe: it was empty and holds at least what it held. */
static int ckpt_pipe_fill(const struct ckpt_restore *r, u64 ino,
			  struct file *w)
{
	unsigned int saved = w->f_flags;
	ssize_t n = 0;
	u32 i;

	w->f_flags |= O_NONBLOCK;
	for (i = 0; i < r->nr_pipedata && n >= 0; i++) {
		const struct ckpt_restore_pipedata *e = &r->pipedata[i];

		if (e->ino != ino)
			continue;
		n = kernel_write(w, e->data, e->len, NULL);
		if (n >= 0 && n != e->len)
			n = -EBADMSG;
	}
	w->f_flags = saved;
	return n < 0 ? n : 0;
}

static int ckpt_pipe_create(const struct ckpt_restore *r,
			    const struct ckpt_rec_file *rec,
			    struct ckpt_pipe_open *po)
{
	long err;

	err = ckpt_ksyms.create_pipe_files(po->end, 0);
	if (err)
		return err;
	po->ino = rec->ino;
	if (rec->size != ((u64)PIPE_DEF_BUFFERS << PAGE_SHIFT)) {
		err = ckpt_ksyms.pipe_fcntl(po->end[1], F_SETPIPE_SZ,
					    rec->size);
		if (err > 0)
			err = 0;
	}
	if (!err)
		err = ckpt_pipe_fill(r, rec->ino, po->end[1]);
	if (err) {
		fput(po->end[0]);
		fput(po->end[1]);
	}
	return err;
}

static struct file *ckpt_pipe_take(const struct ckpt_pipe_open *po,
				   const struct ckpt_rec_file *rec)
{
	int end = (rec->f_flags & O_ACCMODE) == O_WRONLY;
	struct file *f;

	f = get_file(po->end[end]);
	spin_lock(&f->f_lock);
	f->f_flags = (f->f_flags & ~O_NONBLOCK) | (rec->f_flags & O_NONBLOCK);
	spin_unlock(&f->f_lock);
	return f;
}

/* The end @rec describes of a pipe made already in @t, or NULL. */
struct file *ckpt_pipes_find(struct ckpt_pipes *t,
			     const struct ckpt_rec_file *rec)
{
	u32 i;

	for (i = 0; i < t->nr; i++)
		if (t->open[i].ino == rec->ino)
			return ckpt_pipe_take(&t->open[i], rec);
	return NULL;
}

/* The end of its pipe that record @rec describes (a new reference). */
struct file *ckpt_pipe_end(const struct ckpt_restore *r,
			   struct ckpt_pipes *t,
			   const struct ckpt_rec_file *rec)
{
	struct ckpt_pipe_open *po;
	struct file *f = ckpt_pipes_find(t, rec);
	int err;

	if (f)
		return f;
	po = &t->open[t->nr];
	err = ckpt_pipe_create(r, rec, po);
	if (err)
		return ERR_PTR(err);
	t->nr++;
	return ckpt_pipe_take(po, rec);
}
