// SPDX-License-Identifier: GPL-2.0
/*
 * The restore of an image of a process tree.
 *
 * The image is one stream: a TREE record (each process's PID, parent,
 * group and session, parents first), then each process's records, TASK
 * to END, in that order.  CKPT_IOC_RESTORE_PREPARE (the restart tool)
 * reads the TREE record and the first process's metadata.  The tool then
 * creates every process with its PID, parents before children, with its
 * group and session, and each calls CKPT_IOC_RESTORE_TASK on the one open
 * file of /dev/ckpt.  The processes take turns in image order, as the
 * stream does: at its turn a process reads and checks its own metadata,
 * restores itself from it, and passes the turn on once its END record is
 * read and the rest of it restored, but for its last batch of page data
 * when there is one (fill.c): that it fills after passing the turn on,
 * while the next process restores.  Each then waits until all are
 * restored and filled, and they return to user space together.  A
 * failure anywhere makes every one of them die, the restored ones with
 * SIGKILL: nothing is left half-alive.
 *
 * Open files shared across fork (the same struct file in two processes)
 * are saved once, by the first process holding them; a later process's
 * FILE record with CKPT_FD_TREE names that process and descriptor, and
 * gets the same open file.  A pipe is made by the first process that holds
 * an end of it, with its unread bytes; later processes take their ends
 * from it.  The tree keeps each process's open files and pipes for the
 * later ones until all are restored.
 */
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include "ckpt.h"

struct ckpt_tree {
	u32 nr;
	struct ckpt_rec_tree_task *tasks;
	struct ckpt_restore **rst;	/* [nr]; [0] is the prepared one */
	bool *claimed;
	struct file ***opened;		/* [nr]: open files, by FILE record */
	u32 *nr_opened;
	struct ckpt_pipes **pipes;	/* [nr]: pipes each made */
	/* [nr]: each restored process's file table and fs context, held */
	struct files_struct **files;
	struct fs_struct **fs;
	/* [nr]: and its address space and signal handlers, held */
	struct mm_struct **mm;
	struct sighand_struct **sighand;
	struct mutex lock;		/* protects what follows */
	struct ckpt_restore **ready;	/* [nr]: metadata read, for threads */
	u32 turn;			/* whose turn it is to restore */
	u32 unfilled;			/* past their turn, pages to fill */
	bool over;			/* all restored, or one failed */
	int result;
	pid_t err_pid;
	struct ckpt_err err;
	wait_queue_head_t wq;		/* turn or over changed */
	struct completion all;		/* over */
};

static void ckpt_tree_drop_files(struct ckpt_tree *t)
{
	u32 i, j;

	for (i = 0; i < t->nr; i++) {
		for (j = 0; t->opened[i] && j < t->nr_opened[i]; j++)
			fput(t->opened[i][j]);
		kvfree(t->opened[i]);
		t->opened[i] = NULL;
		t->nr_opened[i] = 0;
		ckpt_pipes_free(t->pipes[i]);
		t->pipes[i] = NULL;
		if (t->rst && t->rst[i]) {
			ckpt_socks_release(t->rst[i]);
			ckpt_ptys_release(t->rst[i]);
		}
		if (t->files && t->files[i])
			ckpt_ksyms.put_files_struct(t->files[i]);
		if (t->fs && t->fs[i])
			ckpt_put_fs(t->fs[i]);
		if (t->files)
			t->files[i] = NULL;
		if (t->fs)
			t->fs[i] = NULL;
		if (t->mm && t->mm[i])
			mmput(t->mm[i]);
		if (t->sighand && t->sighand[i])
			ckpt_ksyms.cleanup_sighand(t->sighand[i]);
		if (t->mm)
			t->mm[i] = NULL;
		if (t->sighand)
			t->sighand[i] = NULL;
	}
}

void ckpt_tree_free(struct ckpt_tree *t)
{
	u32 i;

	if (t->opened && t->pipes && t->nr_opened)
		ckpt_tree_drop_files(t);
	for (i = 1; t->rst && i < t->nr; i++)
		ckpt_restore_free(t->rst[i]);
	kfree(t->tasks);
	kfree(t->rst);
	kfree(t->claimed);
	kfree(t->opened);
	kfree(t->nr_opened);
	kfree(t->pipes);
	kfree(t->files);
	kfree(t->fs);
	kfree(t->mm);
	kfree(t->sighand);
	kfree(t->ready);
	kfree(t);
}

static int ckpt_tree_index(const struct ckpt_tree *t, pid_t pid, u32 below)
{
	u32 i;

	for (i = 0; i < below; i++)
		if (t->tasks[i].pid == pid)
			return i;
	return -1;
}

static bool ckpt_tree_zombie(const struct ckpt_tree *t, u32 i)
{
	return t->tasks[i].flags & CKPT_TREE_ZOMBIE;
}

/*
 * Distinct positive PIDs; each parent but the first's listed before, and
 * not a zombie; the first is not a zombie.
 */
static bool ckpt_tree_ok(const struct ckpt_tree *t)
{
	u32 i;
	int p;

	for (i = 0; i < t->nr; i++) {
		const struct ckpt_rec_tree_task *tt = &t->tasks[i];

		if (tt->pid <= 0 || tt->pgid <= 0 || tt->sid <= 0 ||
		    (tt->flags & ~CKPT_TREE_ZOMBIE) ||
		    (tt->flags ? tt->exit_code > 0xffff || !i :
		     tt->exit_code) ||
		    ckpt_tree_index(t, tt->pid, i) >= 0)
			return false;
		p = ckpt_tree_index(t, tt->ppid, i);
		if (i && (p < 0 || ckpt_tree_zombie(t, p)))
			return false;
	}
	return true;
}

/* The first process at or after @k that is not a zombie, or t->nr. */
static u32 ckpt_tree_live(const struct ckpt_tree *t, u32 k)
{
	while (k < t->nr && ckpt_tree_zombie(t, k))
		k++;
	return k;
}

/* At prepare time, after the header: the TREE record. */
int ckpt_tree_prepare(struct ckpt_restore *r)
{
	u32 n = r->hdr.nr_tasks;
	struct ckpt_rec_header h;
	struct ckpt_tree *t;
	void *p;
	u32 len;
	int err;

	err = ckpt_peek_rec(&r->in, &h);
	r->err.type = r->in.hdr.type;
	r->err.offset = r->in.rec_offset;
	if (err)
		return err;
	if (h.type != CKPT_REC_TREE)
		return -EBADMSG;
	err = ckpt_read_rec(&r->in, &p, &len);
	if (err)
		return err;
	if (len != n * sizeof(*t->tasks))
		return -EBADMSG;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	r->tree = t;
	r->member = 0;
	t->nr = n;
	mutex_init(&t->lock);
	init_waitqueue_head(&t->wq);
	init_completion(&t->all);
	t->tasks = kmemdup(p, len, GFP_KERNEL);
	t->rst = kcalloc(n, sizeof(*t->rst), GFP_KERNEL);
	t->claimed = kcalloc(n, sizeof(*t->claimed), GFP_KERNEL);
	t->opened = kcalloc(n, sizeof(*t->opened), GFP_KERNEL);
	t->nr_opened = kcalloc(n, sizeof(*t->nr_opened), GFP_KERNEL);
	t->pipes = kcalloc(n, sizeof(*t->pipes), GFP_KERNEL);
	t->ready = kcalloc(n, sizeof(*t->ready), GFP_KERNEL);
	t->files = kcalloc(n, sizeof(*t->files), GFP_KERNEL);
	t->fs = kcalloc(n, sizeof(*t->fs), GFP_KERNEL);
	t->mm = kcalloc(n, sizeof(*t->mm), GFP_KERNEL);
	t->sighand = kcalloc(n, sizeof(*t->sighand), GFP_KERNEL);
	if (!t->tasks || !t->rst || !t->claimed || !t->opened ||
	    !t->nr_opened || !t->pipes || !t->ready || !t->files || !t->fs ||
	    !t->mm || !t->sighand)
		return -ENOMEM;
	t->rst[0] = r;
	return ckpt_tree_ok(t) ? 0 : -EBADMSG;
}

/* After a process's metadata: it is the tree's process at its place. */
int ckpt_tree_check_member(struct ckpt_restore *r)
{
	const struct ckpt_rec_tree_task *tt;

	if (!r->tree)
		return 0;
	tt = &r->tree->tasks[r->member];
	if (r->task.pid != tt->pid || r->task.tid != tt->pid)
		return ckpt_bad(r, CKPT_REC_TASK, -EBADMSG);
	return 0;
}

/* A CKPT_FD_TREE record names an earlier process's file of its kind. */
int ckpt_tree_check_file(const struct ckpt_restore *r,
			 const struct ckpt_rec_file *f)
{
	const struct ckpt_restore *o;
	int j, i;

	if (!r->tree)
		return -EBADMSG;
	j = ckpt_tree_index(r->tree, f->shared_pid, r->member);
	if (j < 0 || !r->tree->rst[j])
		return -EBADMSG;	/* a zombie has no files */
	o = r->tree->rst[j];
	i = ckpt_file_index(o, o->nr_files, f->shared_fd);
	if (i < 0 || o->files[i].rec.kind != f->kind)
		return -EBADMSG;
	return 0;
}

/* The metadata of the earlier process @pid (not a zombie), or NULL. */
const struct ckpt_restore *ckpt_tree_member_rst(const struct ckpt_restore *r,
						pid_t pid)
{
	int j;

	if (!r->tree)
		return NULL;
	j = ckpt_tree_index(r->tree, pid, r->member);
	return j < 0 ? NULL : r->tree->rst[j];
}

/* The metadata of the tree's process @j, earlier than this one, or NULL. */
const struct ckpt_restore *ckpt_tree_rst(const struct ckpt_restore *r, u32 j)
{
	return r->tree && j < r->member ? r->tree->rst[j] : NULL;
}

/* Is @pid one of the tree's processes, earlier or later than this one? */
bool ckpt_tree_has_pid(const struct ckpt_restore *r, pid_t pid)
{
	return r->tree && ckpt_tree_index(r->tree, pid, r->tree->nr) >= 0;
}

/*
 * The file table and fs context the earlier process @pid restored (held
 * by the tree until all are restored), or NULL.
 */
struct files_struct *ckpt_tree_files_of(const struct ckpt_restore *r,
					pid_t pid)
{
	struct ckpt_tree *t = r->tree;
	struct files_struct *files;
	int j = ckpt_tree_index(t, pid, r->member);

	if (j < 0)
		return NULL;
	mutex_lock(&t->lock);
	files = t->files[j];
	mutex_unlock(&t->lock);
	return files;
}

struct fs_struct *ckpt_tree_fs_of(const struct ckpt_restore *r, pid_t pid)
{
	struct ckpt_tree *t = r->tree;
	struct fs_struct *fs;
	int j = ckpt_tree_index(t, pid, r->member);

	if (j < 0)
		return NULL;
	mutex_lock(&t->lock);
	fs = t->fs[j];
	mutex_unlock(&t->lock);
	return fs;
}

/* The address space the earlier process @pid restored, or NULL. */
struct mm_struct *ckpt_tree_mm_of(const struct ckpt_restore *r, pid_t pid)
{
	struct ckpt_tree *t = r->tree;
	struct mm_struct *mm;
	int j = ckpt_tree_index(t, pid, r->member);

	if (j < 0)
		return NULL;
	mutex_lock(&t->lock);
	mm = t->mm[j];
	mutex_unlock(&t->lock);
	return mm;
}

struct sighand_struct *ckpt_tree_sighand_of(const struct ckpt_restore *r,
					    pid_t pid)
{
	struct ckpt_tree *t = r->tree;
	struct sighand_struct *sh;
	int j = ckpt_tree_index(t, pid, r->member);

	if (j < 0)
		return NULL;
	mutex_lock(&t->lock);
	sh = t->sighand[j];
	mutex_unlock(&t->lock);
	return sh;
}

/*
 * Process @k restored itself: hold its table, context, address space and
 * handlers for later ones.
 */
static void ckpt_tree_hold_shares(struct ckpt_tree *t, u32 k)
{
	struct files_struct *files;
	struct fs_struct *fs;
	struct sighand_struct *sh;
	struct mm_struct *mm;

	task_lock(current);
	files = current->files;
	fs = current->fs;
	mm = current->mm;
	atomic_inc(&files->count);
	ckpt_get_fs(fs);
	mmget(mm);
	task_unlock(current);
	/* Only exec or exit replace our own: neither is running. */
	sh = rcu_dereference_protected(current->sighand, true);
	refcount_inc(&sh->count);
	mutex_lock(&t->lock);
	t->files[k] = files;
	t->fs[k] = fs;
	t->mm[k] = mm;
	t->sighand[k] = sh;
	mutex_unlock(&t->lock);
}

/* The open file an earlier process restored for the record's fd. */
struct file *ckpt_tree_file(const struct ckpt_restore *r,
			    const struct ckpt_rec_file *rec)
{
	struct ckpt_tree *t = r->tree;
	int j = ckpt_tree_index(t, rec->shared_pid, r->member), i;

	if (j < 0 || !t->rst[j])
		return ERR_PTR(-EBADMSG);
	i = ckpt_file_index(t->rst[j], t->rst[j]->nr_files,
			    rec->shared_fd);
	if (i < 0 || i >= t->nr_opened[j])
		return ERR_PTR(-EBADMSG);
	return get_file(t->opened[j][i]);
}

/* The end of a pipe an earlier process made, or NULL. */
struct file *ckpt_tree_pipe_end(const struct ckpt_restore *r,
				const struct ckpt_rec_file *rec)
{
	struct ckpt_tree *t = r->tree;
	struct file *f = NULL;
	u32 j;

	for (j = 0; j < r->member && !f; j++)
		if (t->pipes[j])
			f = ckpt_pipes_find(t->pipes[j], rec);
	return f;
}

/* Does an earlier process's image hold the SOCKET record @id? */
bool ckpt_tree_has_sock(const struct ckpt_restore *r, u64 id)
{
	struct ckpt_tree *t = r->tree;
	u32 j;

	for (j = 0; t && j < r->member; j++)
		if (t->rst[j] && ckpt_find_sock(t->rst[j], id))
			return true;
	return false;
}

/* The socket @id an earlier process made, or NULL. */
struct file *ckpt_tree_sock(const struct ckpt_restore *r, u64 id)
{
	struct ckpt_tree *t = r->tree;
	struct file *f = NULL;
	u32 j;

	for (j = 0; t && j < r->member && !f; j++)
		if (t->rst[j])
			f = ckpt_idfiles_find(t->rst[j]->socks_made, id);
	return f;
}

/* The master of pty pair @index an earlier process made, or NULL. */
struct file *ckpt_tree_pty(const struct ckpt_restore *r, u64 index)
{
	struct ckpt_tree *t = r->tree;
	struct file *f = NULL;
	u32 j;

	for (j = 0; t && j < r->member && !f; j++)
		if (t->rst[j])
			f = ckpt_idfiles_find(t->rst[j]->ptys_made, index);
	return f;
}

/* Shared anonymous memory @ino an earlier process mapped, or NULL. */
struct file *ckpt_tree_shanon(const struct ckpt_restore *r, u64 ino)
{
	struct ckpt_tree *t = r->tree;
	u32 j, i;

	for (j = 0; t && j < r->member; j++)
		for (i = 0; t->rst[j] && i < t->rst[j]->nr_shanon; i++)
			if (t->rst[j]->shanon[i].ino == ino)
				return t->rst[j]->shanon[i].file;
	return NULL;
}

/* Deleted file @ino as an earlier process made it again, or NULL. */
struct file *ckpt_tree_ghost(const struct ckpt_restore *r, u64 ino)
{
	struct ckpt_tree *t = r->tree;
	struct file *f = NULL;
	u32 j;

	for (j = 0; t && !f && j < r->member; j++)
		if (t->rst[j])
			f = ckpt_idfiles_find(t->rst[j]->ghosts, ino);
	return f;
}

/* The SYSVSHM record of segment @id an earlier process saved, or NULL. */
const struct ckpt_rec_sysvshm *ckpt_tree_sysvshm(const struct ckpt_restore *r,
						 s32 id)
{
	struct ckpt_tree *t = r->tree;
	u32 j, i;

	for (j = 0; t && j < r->member; j++)
		for (i = 0; t->rst[j] && i < t->rst[j]->nr_sysvshm; i++)
			if (t->rst[j]->sysvshm[i].id == id)
				return &t->rst[j]->sysvshm[i];
	return NULL;
}

/* Keep @r's open files and pipes for the later processes. */
void ckpt_tree_keep_files(struct ckpt_restore *r, struct file **opened,
			  u32 n, struct ckpt_pipes *pipes)
{
	struct ckpt_tree *t = r->tree;

	t->opened[r->member] = opened;
	t->nr_opened[r->member] = n;
	t->pipes[r->member] = pipes;
}

/* The tree failed: every process waiting in it goes, the restored die. */
static void ckpt_tree_fail(struct ckpt_tree *t, u32 k,
			   const struct ckpt_err *e, int err)
{
	mutex_lock(&t->lock);
	if (!t->over) {
		WRITE_ONCE(t->over, true);
		t->result = err;
		t->err_pid = t->tasks[k].pid;
		if (e) {
			t->err = *e;
		} else {
			t->err.object = CKPT_OBJ_TASK;
			t->err.fd = -1;
		}
	}
	mutex_unlock(&t->lock);
	wake_up_all(&t->wq);
	complete_all(&t->all);
}

/*
 * Under t->lock: every process restored and filled?  Then the tree is
 * over, and all go (true).
 */
static bool ckpt_tree_complete(struct ckpt_tree *t)
{
	if (t->turn != t->nr || t->unfilled || t->over)
		return false;
	WRITE_ONCE(t->over, true);
	t->result = 0;
	return true;
}

/*
 * Process @k is restored (but for its last pages if @unfilled): the next
 * one's turn, or all go once every page is in.
 */
static void ckpt_tree_done(struct ckpt_tree *t, u32 k, bool unfilled)
{
	bool last;

	mutex_lock(&t->lock);
	t->turn = ckpt_tree_live(t, k + 1);
	if (unfilled)
		t->unfilled++;
	/* Nobody restores any more: let the files go. */
	if (t->turn == t->nr && !t->over)
		ckpt_tree_drop_files(t);
	last = ckpt_tree_complete(t);
	mutex_unlock(&t->lock);
	wake_up_all(&t->wq);
	if (last)
		complete_all(&t->all);
}

/* Has the tree failed (another process, while this one restores)? */
bool ckpt_tree_failed(const struct ckpt_tree *t)
{
	return READ_ONCE(t->over);
}

/* A process past its turn has filled its last pages: all go if last. */
static void ckpt_tree_filled(struct ckpt_tree *t)
{
	bool last;

	mutex_lock(&t->lock);
	t->unfilled--;
	last = ckpt_tree_complete(t);
	mutex_unlock(&t->lock);
	if (last) {
		wake_up_all(&t->wq);
		complete_all(&t->all);
	}
}

/* Process @k's metadata, from where process @k - 1's records ended. */
static struct ckpt_restore *ckpt_tree_next(struct ckpt_tree *t, u32 k)
{
	struct ckpt_restore *prev = NULL, *r;
	u32 j = k;
	int err;

	while (!prev && j)		/* the last one with records */
		prev = t->rst[--j];
	if (!prev)
		return ERR_PTR(-EINVAL);

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	ckpt_restore_init(r, prev->image);
	r->tree = t;
	r->member = k;
	r->any_cpu = prev->any_cpu;
	r->any_node = prev->any_node;
	r->hold = prev->hold;	/* the first process's, borrowed */
	r->hdr = prev->hdr;
	r->in = prev->in;	/* the stream moves on to @r */
	memset(&prev->in, 0, sizeof(prev->in));
	mutex_lock(&t->lock);
	t->rst[k] = r;
	mutex_unlock(&t->lock);
	err = ckpt_prepare_meta(r);
	if (err) {
		ckpt_fail(&r->err, CKPT_OBJ_IMAGE, err);
		return ERR_PTR(err);
	}
	return r;
}

/* The caller's parent, group and session are the image's. */
static int ckpt_tree_check_links(struct ckpt_tree *t, u32 k,
				 struct ckpt_err *e)
{
	const struct ckpt_rec_tree_task *tt = &t->tasks[k];
	pid_t ppid;

	rcu_read_lock();
	ppid = task_tgid_vnr(rcu_dereference(current->real_parent));
	rcu_read_unlock();
	if ((k && ppid != tt->ppid) || task_pgrp_vnr(current) != tt->pgid ||
	    task_session_vnr(current) != tt->sid) {
		e->addr = tt->pid;
		return ckpt_fail(e, CKPT_OBJ_TREE, -ESRCH);
	}
	return 0;
}

/*
 * The threads of process @k wait in CKPT_IOC_RESTORE_THREAD until its
 * metadata is read (ckpt_tree_publish()), then until it is restored and
 * the whole tree goes, or fails (ckpt_tree_go()).
 */
static void ckpt_tree_publish(struct ckpt_tree *t, u32 k,
			      struct ckpt_restore *r)
{
	mutex_lock(&t->lock);
	t->ready[k] = r;
	mutex_unlock(&t->lock);
	wake_up_all(&t->wq);
}

static void ckpt_tree_go(struct ckpt_restore *r, int err)
{
	mutex_lock(&r->lock);
	r->result = err;
	mutex_unlock(&r->lock);
	complete_all(&r->go);
}

static long ckpt_tree_member(struct ckpt_tree *t, u32 k,
			     struct ckpt_restore *r0)
{
	struct ckpt_restore *r = r0;
	int err;

	/* Our turn: the stream is at our records. */
	err = wait_event_killable(t->wq, READ_ONCE(t->turn) == k ||
					 READ_ONCE(t->over));
	if (err) {
		ckpt_tree_fail(t, k, NULL, -EINTR);
		return -EINTR;
	}
	if (READ_ONCE(t->over))
		return -ECANCELED;	/* another process failed */
	if (k) {
		r = ckpt_tree_next(t, k);
		if (IS_ERR(r)) {
			err = PTR_ERR(r);
			ckpt_tree_fail(t, k, t->rst[k] ? &t->rst[k]->err :
				       NULL, err);
			return err;
		}
	}
	ckpt_tree_publish(t, k, r);
	err = ckpt_tree_check_links(t, k, &r->err);
	if (!err)
		err = ckpt_check_restorer(r);
	if (err) {
		ckpt_fail(&r->err, CKPT_OBJ_TASK, err);
		ckpt_tree_fail(t, k, &r->err, err);
		ckpt_tree_go(r, err);
		return err;
	}
	err = ckpt_become(r);
	if (err) {
		ckpt_tree_fail(t, k, &r->err, err);
		ckpt_tree_go(r, err);
		return err;
	}
	ckpt_tree_hold_shares(t, k);
	ckpt_tree_done(t, k, r->fill_later != NULL);
	if (r->fill_later) {
		/* The next process reads its records while we fill ours. */
		err = ckpt_fill_later(r);
		if (err) {
			/* Killed before our threads may go on, as below. */
			force_sig(SIGKILL);
			ckpt_tree_fail(t, k, &r->err, err);
			ckpt_tree_go(r, err);
			return err;
		}
		ckpt_tree_filled(t);
	}
	/* All go together, or die together. */
	if (wait_for_completion_killable(&t->all)) {
		ckpt_tree_fail(t, k, NULL, -EINTR);
		ckpt_tree_go(r, -EINTR);
		return -EINTR;
	}
	err = READ_ONCE(t->result);
	if (err)
		force_sig(SIGKILL);	/* before our threads may go on */
	ckpt_tree_go(r, err);
	/*
	 * Our shared anonymous memory stays with the tree until it is freed
	 * (ckpt_restore_free()): after a failure, a later member may still
	 * be looking it up (ckpt_tree_shanon()) while we return.
	 */
	return err;
}

long ckpt_tree_restore_task(struct file *file, struct ckpt_restore *r0)
{
	struct ckpt_tree *t = r0->tree;
	pid_t me = task_tgid_vnr(current);
	long err;
	int k;

	if (!thread_group_leader(current))
		return -ESRCH;
	mutex_lock(&t->lock);
	k = ckpt_tree_index(t, me, t->nr);
	if (k >= 0 && ckpt_tree_zombie(t, k))
		k = -1;			/* it exits, it does not restore */
	err = k < 0 ? -ESRCH : t->claimed[k] ? -EALREADY :
	      t->over ? -ECANCELED : 0;
	if (!err)
		t->claimed[k] = true;
	mutex_unlock(&t->lock);
	if (err)
		return err;
	/* The tree lives as long as this file: hold it until we are done. */
	get_file(file);
	err = ckpt_tree_member(t, k, r0);
	fput(file);
	return err;
}

/*
 * CKPT_IOC_RESTORE_THREAD in a tree: the caller is a thread (created with
 * its TID) of process @k; it waits until that process's metadata is read,
 * claims its THREAD record, and becomes it once the tree goes.
 */
long ckpt_tree_restore_thread(struct file *file, struct ckpt_restore *r0)
{
	struct ckpt_tree *t = r0->tree;
	struct ckpt_restore *r;
	int k, err;

	if (thread_group_leader(current))
		return -ESRCH;
	k = ckpt_tree_index(t, task_tgid_vnr(current), t->nr);
	if (k < 0 || ckpt_tree_zombie(t, k))
		return -ESRCH;
	get_file(file);
	err = wait_event_killable(t->wq, READ_ONCE(t->ready[k]) ||
					 READ_ONCE(t->over));
	mutex_lock(&t->lock);
	r = t->ready[k];
	if (!err && !r)
		err = -ECANCELED;	/* the tree failed before our turn */
	mutex_unlock(&t->lock);
	if (!err)
		err = ckpt_restore_thread_claimed(r);
	fput(file);
	return err;
}

long ckpt_tree_wait(struct ckpt_restore *r0, struct ckpt_restore_wait_args *a)
{
	struct ckpt_tree *t = r0->tree;
	long left;

	if (a->timeout_ms)
		left = wait_for_completion_interruptible_timeout(&t->all,
				msecs_to_jiffies(a->timeout_ms));
	else
		left = wait_for_completion_interruptible(&t->all) ?: 1;
	if (left == 0)
		return -ETIMEDOUT;
	if (left < 0)
		return -EINTR;
	mutex_lock(&t->lock);
	a->result = t->result;
	a->err_object = t->result ? t->err.object : CKPT_OBJ_NONE;
	a->err_type = a->err_object == CKPT_OBJ_IMAGE ? t->err.type : 0;
	a->err_offset = a->err_object == CKPT_OBJ_IMAGE ? t->err.offset : 0;
	a->err_fd = t->result ? t->err.fd : -1;
	a->err_addr = t->result ? t->err.addr : 0;
	a->err_pid = t->result ? t->err_pid : 0;
	mutex_unlock(&t->lock);
	return 0;
}
