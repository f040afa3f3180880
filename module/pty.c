// SPDX-License-Identifier: GPL-2.0
/*
 * Pseudo-terminal pairs whose master the processes hold (script(1), an
 * ssh session, a terminal multiplexer and the shells under it): the pair
 * is made again, with the same /dev/pts index when it is free, the
 * settings of both ends, the lock, packet mode, the slave node's owner and
 * mode, and the bytes the slave's side wrote that the master had not read.
 *
 * Dump: ckpt_scan_ptys() finds every master in the processes' descriptors,
 * then every descriptor of those pairs' slaves, and checks that nobody
 * else holds either end (EUSERS), that the slave has no input it has not
 * read (EBUSY: saving it would mean reading it, and a line already echoed
 * cannot be put back), and copies what the master has not read, putting it
 * straight back.  A slave whose master is outside stays a terminal reopened
 * by path (files.c, attrs.c).  ckpt_dump_ptys() writes a PTY record per
 * pair in the process that first holds its master, which must come before
 * any that holds only the slave (parents first: the usual shape).
 *
 * Restore: the pair is made at the first FILE entry of either end, in the
 * process holding the master; slaves are opened through the new master
 * (TIOCGPTPEER), so they are that pair's whatever its index.
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/fdtable.h>
#include <linux/namei.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/tty_flip.h>
#include <linux/tty_ldisc.h>
#include <linux/xarray.h>
#include <linux/devpts_fs.h>
#include <linux/security.h>
#include "ckpt.h"

/* Slave open files of one pair the processes may hold (each reopened). */
#define CKPT_PTY_SLAVE_FILES	16
/* Masters a restore opens and closes again to reach a pair's old index. */
#define CKPT_PTY_TRIES		64

struct ckpt_pty_seen {
	struct file *mfile;		/* the master's open file; referenced */
	unsigned long mrefs;		/* descriptors of the processes on it */
	unsigned int member;		/* where the master was first seen */
	int fd;
	unsigned int nr_s;
	struct {
		struct file *f;		/* referenced */
		unsigned long refs;
	} s[CKPT_PTY_SLAVE_FILES];
	bool dumped;
	struct ckpt_rec_pty rec;
	u8 *data;			/* rec.data_len bytes */
};

/*
 * The tty of @f, an open file of a device whose files are ttys, if it is
 * a Unix98 pty end of @subtype (PTY_TYPE_MASTER or _SLAVE), else NULL.
 */
static struct tty_struct *ckpt_file_pty(struct file *f, int subtype)
{
	struct tty_file_private *priv = f->private_data;
	struct tty_struct *tty;

	if ((f->f_mode & FMODE_PATH) || !priv || !priv->tty)
		return NULL;
	tty = priv->tty;
	if (tty->driver->type != TTY_DRIVER_TYPE_PTY ||
	    tty->driver->subtype != subtype || !tty->link ||
	    tty->driver->major != (subtype == PTY_TYPE_MASTER ?
				   UNIX98_PTY_MASTER_MAJOR :
				   UNIX98_PTY_SLAVE_MAJOR))
		return NULL;
	return tty;
}

static dev_t ckpt_chr_rdev(struct file *f)
{
	struct inode *inode = file_inode(f);

	return S_ISCHR(inode->i_mode) ? inode->i_rdev : 0;
}

/* The tty of a pty master's open file (a /dev/ptmx open), or NULL. */
struct tty_struct *ckpt_pty_master(struct file *f)
{
	if (ckpt_chr_rdev(f) != MKDEV(TTYAUX_MAJOR, 2))
		return NULL;
	return ckpt_file_pty(f, PTY_TYPE_MASTER);
}

/*
 * The slave of an open file of /dev/tty on a pty: an open of the slave
 * too (its count), though saved as /dev/tty (CKPT_FILE_CTTY).
 */
static struct tty_struct *ckpt_dev_tty_slave(struct file *f)
{
	if (ckpt_chr_rdev(f) != MKDEV(TTYAUX_MAJOR, 0))
		return NULL;
	return ckpt_file_pty(f, PTY_TYPE_SLAVE);
}

/* The tty of a Unix98 pty slave's open file, or NULL. */
static struct tty_struct *ckpt_pty_slave(struct file *f)
{
	if (MAJOR(ckpt_chr_rdev(f)) != UNIX98_PTY_SLAVE_MAJOR)
		return NULL;
	return ckpt_file_pty(f, PTY_TYPE_SLAVE);
}

static unsigned long ckpt_pty_key(const struct tty_struct *master)
{
	return (unsigned long)master >> 4;	/* far larger than 16 bytes */
}

void ckpt_ptys_init(struct ckpt_dump *d)
{
	xa_init(&d->ptys);
}

void ckpt_ptys_destroy(struct ckpt_dump *d)
{
	struct ckpt_pty_seen *p;
	unsigned long key;
	unsigned int i;

	xa_for_each(&d->ptys, key, p) {
		fput(p->mfile);
		for (i = 0; i < p->nr_s; i++)
			fput(p->s[i].f);
		kvfree(p->data);
		kfree(p);
	}
	xa_destroy(&d->ptys);
}

/*
 * Is @f a slave of a pair whose master the processes hold?  Then its
 * FILE entry is CKPT_FILE_PTY, opened through the new master at restore.
 */
bool ckpt_pty_slave_here(struct ckpt_dump *d, struct file *f)
{
	struct tty_struct *tty = ckpt_pty_slave(f);

	return tty && xa_load(&d->ptys, ckpt_pty_key(tty->link));
}

static int ckpt_see_master(struct ckpt_dump *d, struct file *f,
			   struct tty_struct *tty, int fd)
{
	struct ckpt_pty_seen *p = xa_load(&d->ptys, ckpt_pty_key(tty));
	int err;

	if (p) {
		/* A second open file of one master cannot be: ptmx makes one */
		if (p->mfile != f)
			return -EUSERS;
		p->mrefs++;
		return 0;
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->mfile = get_file(f);
	p->mrefs = 1;
	p->member = d->member;
	p->fd = fd;
	err = xa_err(xa_store(&d->ptys, ckpt_pty_key(tty), p, GFP_KERNEL));
	if (err) {
		fput(p->mfile);
		kfree(p);
	}
	return err;
}

/* A descriptor of a slave of a pair seen: counted, by open file. */
static int ckpt_see_slave(struct ckpt_dump *d, struct file *f,
			  struct tty_struct *tty)
{
	struct ckpt_pty_seen *p = xa_load(&d->ptys, ckpt_pty_key(tty->link));
	unsigned int i;

	if (!p)
		return 0;		/* a terminal reopened by path */
	/* The slave's first holder restores after the master's. */
	if (d->member < p->member)
		return -EOPNOTSUPP;
	for (i = 0; i < p->nr_s; i++) {
		if (p->s[i].f == f) {
			p->s[i].refs++;
			return 0;
		}
	}
	if (p->nr_s == CKPT_PTY_SLAVE_FILES)
		return -EOPNOTSUPP;
	p->s[p->nr_s].f = get_file(f);
	p->s[p->nr_s].refs = 1;
	p->nr_s++;
	return 0;
}

/* Queue @len bytes for @tty's reader, as the other end's write would. */
static int ckpt_pty_push(struct tty_struct *tty, const u8 *buf, u32 len)
{
	struct tty_port *port = tty->port;
	unsigned int stuck = 0;

	while (len) {
		unsigned long flags;
		int n;

		/* As pty_write(): port->lock orders writers of the buffer. */
		spin_lock_irqsave(&port->lock, flags);
		n = tty_insert_flip_string(port, buf, len);
		tty_flip_buffer_push(port);
		spin_unlock_irqrestore(&port->lock, flags);
		if (n <= 0) {
			/* Full: let the line discipline take what it can. */
			if (++stuck > 2)
				return -ENOSPC;
			flush_work(&port->buf.work);
			continue;
		}
		stuck = 0;
		buf += n;
		len -= n;
	}
	flush_work(&port->buf.work);
	return 0;
}

/*
 * Does reading @tty with n_tty return its bytes as they came, and without
 * waiting for more than there is?  The master's termios is raw by default.
 */
static bool ckpt_pty_raw(struct tty_struct *tty)
{
	struct tty_ldisc *ld = tty_ldisc_ref(tty);
	bool raw;

	if (!ld)
		return false;
	raw = ld->ops->num == N_TTY;
	tty_ldisc_deref(ld);
	down_read(&tty->termios_rwsem);
	raw = raw && !(tty->termios.c_lflag & (ICANON | ECHO | ISIG | IEXTEN)) &&
	      !(tty->termios.c_iflag & (ISTRIP | INLCR | IGNCR | ICRNL | IUCLC |
					IXON | PARMRK)) &&
	      tty->termios.c_cc[VMIN] <= 1 && !tty->termios.c_cc[VTIME];
	up_read(&tty->termios_rwsem);
	return raw;
}

/*
 * What the master has not read: read through its open file (nobody else
 * reads it, the processes are frozen), then queued again as it was.
 */
static int ckpt_pty_take_unread(struct ckpt_pty_seen *p,
				struct tty_struct *master)
{
	loff_t pos = 0;
	u32 n = 0;
	int err = 0;

	if (!(vfs_poll(p->mfile, NULL) & EPOLLIN))
		return 0;
	if (master->ctrl.packet || !ckpt_pty_raw(master) ||
	    !(p->mfile->f_mode & FMODE_READ))
		return -EBUSY;
	p->data = kvmalloc(CKPT_PTY_MAX_DATA, GFP_KERNEL);
	if (!p->data)
		return -ENOMEM;
	while (n < CKPT_PTY_MAX_DATA && (vfs_poll(p->mfile, NULL) & EPOLLIN)) {
		ssize_t got = kernel_read(p->mfile, p->data + n,
					  CKPT_PTY_MAX_DATA - n, &pos);

		if (got <= 0) {
			if (got < 0)
				err = got;
			break;
		}
		n += got;
	}
	if (n && ckpt_pty_push(master, p->data, n))
		err = -EIO;	/* not expected: it held them a moment ago */
	if (!err && (vfs_poll(p->mfile, NULL) & EPOLLIN) &&
	    n == CKPT_PTY_MAX_DATA)
		err = -EBUSY;
	p->rec.data_len = n;
	return err;
}

/* Nobody but the processes holds @p's ends (the slave locked). */
static int ckpt_pty_held_here(struct ckpt_pty_seen *p, struct tty_struct *slave)
{
	unsigned int i;

	if (slave->count != p->nr_s + 1)
		return -EUSERS;
	for (i = 0; i < p->nr_s; i++)
		if (file_count(p->s[i].f) != p->s[i].refs + 1)
			return -EUSERS;
	/* Input the slave has not read (a whole line in canonical mode). */
	if (p->nr_s && (vfs_poll(p->s[0].f, NULL) & EPOLLIN))
		return -EBUSY;
	return 0;
}

/* @p's PTY record, and the bytes its master has not read. */
static int ckpt_pty_save(struct ckpt_pty_seen *p, struct tty_struct *master,
			 struct tty_struct *slave, struct dentry *node)
{
	struct ckpt_rec_pty *rec = &p->rec;

	if (!node || !d_inode(node))
		return -EOPNOTSUPP;
	rec->index = master->index;
	if (test_bit(TTY_PTY_LOCK, &master->flags))
		rec->flags |= CKPT_PTY_LOCKED;
	if (master->ctrl.packet)
		rec->flags |= CKPT_PTY_PACKET;
	if (test_bit(TTY_OTHER_CLOSED, &master->flags))
		rec->flags |= CKPT_PTY_SLAVE_CLOSED;
	if (slave->flow.stopped)
		rec->flags |= CKPT_PTY_STOPPED;
	if (slave->flow.tco_stopped)
		rec->flags |= CKPT_PTY_TCOOFF;
	rec->uid = from_kuid_munged(current_user_ns(), d_inode(node)->i_uid);
	rec->gid = from_kgid_munged(current_user_ns(), d_inode(node)->i_gid);
	rec->mode = d_inode(node)->i_mode & 07777;
	rec->slave.fd = -1;
	ckpt_tty_save(slave, &rec->slave);
	return ckpt_pty_take_unread(p, master);
}

/* Nobody but the processes holds @p's ends; it can be saved as it is. */
static int ckpt_pty_check(struct ckpt_dump *d, struct ckpt_pty_seen *p)
{
	struct tty_struct *master = ckpt_pty_master(p->mfile);
	struct tty_struct *slave = master->link;
	struct dentry *node = slave->driver_data;
	int err;

	d->member = p->member;
	d->err.fd = p->fd;
	if (file_count(p->mfile) != p->mrefs + 1)
		return -EUSERS;
	/*
	 * The slave's count is one for the master, one a slave open file.
	 * Its lock holds off new opens (tty_open()) until the master's
	 * unread bytes are back.
	 */
	tty_lock(slave);
	err = ckpt_pty_held_here(p, slave);
	if (!err)
		err = ckpt_pty_save(p, master, slave, node);
	tty_unlock(slave);
	return err;
}

/*
 * An image names a pair by its index, and a restore takes CKPT_MAX_PTYS
 * a process: two pairs of one index (another devpts instance) and more
 * masters in one process are refused.
 */
static int ckpt_ptys_distinct(struct ckpt_dump *d)
{
	struct ckpt_pty_seen *p, *q;
	unsigned long key, k2;
	unsigned int n;

	xa_for_each(&d->ptys, key, p) {
		n = 0;
		xa_for_each(&d->ptys, k2, q) {
			if (q->member == p->member)
				n++;
			if (q != p && ckpt_pty_master(q->mfile)->index ==
				      ckpt_pty_master(p->mfile)->index)
				n = CKPT_MAX_PTYS + 1;
			if (n > CKPT_MAX_PTYS) {
				d->member = p->member;
				d->err.fd = p->fd;
				return -EOPNOTSUPP;
			}
		}
		cond_resched();
	}
	return 0;
}

/*
 * Before anything is written: the pairs whose masters the processes hold,
 * and their slaves' descriptors.  On failure d->member and d->err.fd name
 * the descriptor.
 */
int ckpt_scan_ptys(struct ckpt_dump *d)
{
	struct ckpt_pty_seen *p;
	struct tty_struct *tty;
	unsigned long key;
	unsigned int i, fd, pass;
	struct file *f;
	int err = 0;

	/* Masters first, then their slaves, wherever each is. */
	for (pass = 0; pass < 2 && !err; pass++) {
		for (i = 0; i < d->nr_members && !err; i++) {
			d->member = i;
			if (!ckpt_files_holder(d, i))
				continue;
			for (fd = 0; !err &&
			     (f = ckpt_next_file(d->members[i].task, &fd));
			     fd++) {
				tty = !pass ? ckpt_pty_master(f) :
				      ckpt_pty_slave(f) ?: ckpt_dev_tty_slave(f);
				if (tty && !pass)
					err = ckpt_see_master(d, f, tty, fd);
				else if (tty)
					err = ckpt_see_slave(d, f, tty);
				if (err)
					d->err.fd = fd;
				fput(f);
			}
		}
	}
	if (!err)
		err = ckpt_ptys_distinct(d);
	xa_for_each(&d->ptys, key, p) {
		if (err)
			break;
		err = ckpt_pty_check(d, p);
	}
	if (err)
		return ckpt_fail(&d->err, CKPT_OBJ_FD, err);
	d->member = 0;
	return 0;
}

/* The PTY records of the pairs whose master this process holds first. */
int ckpt_dump_ptys(struct ckpt_dump *d)
{
	struct ckpt_pty_seen *p;
	unsigned long key;
	int err;

	xa_for_each(&d->ptys, key, p) {
		if (p->dumped || p->member != d->member)
			continue;
		err = ckpt_write_rec2(&d->out, CKPT_REC_PTY, &p->rec,
				      sizeof(p->rec), p->data,
				      p->rec.data_len);
		if (err)
			return err;
		p->dumped = true;
	}
	return 0;
}

/* The index of a pair in a FILE entry of kind CKPT_FILE_PTY (its @ino). */
u64 ckpt_pty_index(struct file *f)
{
	struct tty_struct *tty = ckpt_pty_master(f);

	if (tty)
		return tty->index;
	tty = ckpt_pty_slave(f);
	return tty ? tty->link->index : 0;
}

/* ---------------------------------------------------------------------- */
/* /dev/tty (CKPT_FILE_CTTY)                                               */
/* ---------------------------------------------------------------------- */

/*
 * An open file of /dev/tty that can be saved: not an O_PATH one, and not
 * hung up (its terminal's session gave it up: it reads end of file).
 */
bool ckpt_devtty(struct file *f)
{
	struct tty_file_private *priv = f->private_data;

	return ckpt_chr_rdev(f) == MKDEV(TTYAUX_MAJOR, 0) &&
	       !(f->f_mode & FMODE_PATH) && priv && priv->tty &&
	       !tty_hung_up_p(f);
}

struct ckpt_devtty_arg {
	struct tty_struct *tty;
	bool ctty;		/* @tty is the task's controlling terminal */
	bool leader;		/* the task leads its session */
};

static int ckpt_read_devtty(struct task_struct *t, struct sighand_struct *sh,
			    void *arg)
{
	struct ckpt_devtty_arg *a = arg;

	a->ctty = t->signal->tty == a->tty;
	a->leader = t->signal->leader;
	return 0;
}

/* The slave of a pair saved here that /dev/tty file @f reached, or NULL. */
static struct tty_struct *ckpt_devtty_pair(struct ckpt_dump *d,
					   struct file *f)
{
	struct tty_struct *slave = ckpt_dev_tty_slave(f);

	return slave && xa_load(&d->ptys, ckpt_pty_key(slave->link)) ?
	       slave : NULL;
}

/*
 * Can the restore open /dev/tty file @f of the target again?  Only on the
 * restored process's controlling terminal, so that must be the terminal
 * @f reached, and one the restore gives back: a session leader's own
 * (from another descriptor of it: ckpt_devtty_leader_ok()), that of an
 * earlier member leading the process's session that saved it, or else
 * restart's own, which is never a pair the restore makes (@pair).
 */
static int ckpt_devtty_check(struct ckpt_dump *d, struct file *f, bool pair,
			     bool *leader)
{
	struct tty_file_private *priv = f->private_data;
	struct ckpt_devtty_arg a = { .tty = priv->tty };
	unsigned int i;
	struct pid *sid;

	ckpt_with_sighand(d->task, ckpt_read_devtty, &a);
	*leader = a.leader;
	if (!a.ctty)
		return -EOPNOTSUPP;	/* no longer its controlling terminal */
	if (a.leader)
		return 0;
	rcu_read_lock();
	sid = task_session(d->task);
	for (i = 0; i < d->nr_members; i++)
		if (task_pid(d->members[i].task) == sid)
			break;
	rcu_read_unlock();
	if (i == d->nr_members)
		return pair ? -EOPNOTSUPP : 0;
	return i < d->member && d->members[i].ctty_rec ? 0 : -EOPNOTSUPP;
}

/* --skip=fds: is @f a /dev/tty file the restore could not open again? */
bool ckpt_devtty_skip(struct ckpt_dump *d, struct file *f)
{
	bool leader;

	return ckpt_devtty(f) &&
	       ckpt_devtty_check(d, f, ckpt_devtty_pair(d, f), &leader);
}

/*
 * FILE entry @r of /dev/tty file @f (fd @fd): the terminal it reached,
 * and, for the first descriptor of the open file (@first), whether the
 * restore can open it again (ckpt_devtty_check()).  A session leader
 * gets its terminal back through another descriptor of it
 * (ckpt_note_tty()), checked once all are seen.
 */
int ckpt_note_devtty(struct ckpt_dump *d, struct file *f, int fd, bool first,
		     struct ckpt_rec_file *r)
{
	struct tty_file_private *priv = f->private_data;
	struct tty_struct *slave = ckpt_devtty_pair(d, f);
	bool leader;
	int err;

	r->dev = new_encode_dev(tty_devnum(priv->tty));
	r->ino = slave ? slave->index : 0;
	r->size = slave ? CKPT_CTTY_PAIR : 0;
	r->pos = 0;
	if (!first)
		return 0;
	err = ckpt_devtty_check(d, f, slave, &leader);
	if (!err && leader && d->devtty_fd < 0)
		d->devtty_fd = fd;
	return err;
}

/* A session leader holding /dev/tty has its terminal in a TTY record. */
int ckpt_devtty_leader_ok(struct ckpt_dump *d)
{
	u32 i;

	if (d->devtty_fd < 0)
		return 0;
	for (i = 0; i < d->nr_ttys; i++)
		if (d->ttys[i].flags & CKPT_TTY_CTTY)
			return 0;
	d->err.fd = d->devtty_fd;
	return ckpt_fail(&d->err, CKPT_OBJ_FD, -EOPNOTSUPP);
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_take_pty(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_pty *rec = p;
	struct ckpt_restore_pty *e;
	int err;

	if (len < sizeof(*rec) || rec->data_len > CKPT_PTY_MAX_DATA ||
	    len != sizeof(*rec) + rec->data_len)
		return -EBADMSG;
	err = ckpt_grow((void **)&r->ptys, r->nr_ptys, sizeof(*r->ptys),
			CKPT_MAX_PTYS);
	if (err)
		return err;
	e = &r->ptys[r->nr_ptys];
	e->rec = *rec;
	e->data = NULL;
	if (rec->data_len) {
		e->data = ckpt_dup(rec + 1, rec->data_len);
		if (!e->data)
			return -ENOMEM;
	}
	r->nr_ptys++;
	return 0;
}

void ckpt_free_ptys(struct ckpt_restore *r)
{
	u32 i;

	ckpt_ptys_release(r);
	for (i = 0; i < r->nr_ptys; i++)
		kvfree(r->ptys[i].data);
	kvfree(r->ptys);
}

void ckpt_ptys_release(struct ckpt_restore *r)
{
	ckpt_idfiles_free(r->ptys_made);
	r->ptys_made = NULL;
}

static const struct ckpt_restore_pty *ckpt_find_pty(const struct ckpt_restore *r,
						    u64 index)
{
	u32 i;

	for (i = 0; i < r->nr_ptys; i++)
		if (r->ptys[i].rec.index == index)
			return &r->ptys[i];
	return NULL;
}

/* Pair @index saved with this process or with an earlier one of a tree. */
static bool ckpt_pty_known(const struct ckpt_restore *r, u64 index)
{
	u32 j;

	if (ckpt_find_pty(r, index))
		return true;
	for (j = 0; r->tree && j < r->member; j++) {
		const struct ckpt_restore *o = ckpt_tree_rst(r, j);

		if (o && ckpt_find_pty(o, index))
			return true;
	}
	return false;
}

static bool ckpt_pty_tty_ok(const struct ckpt_rec_tty *t)
{
	return t->fd == -1 && !t->flags && !t->reserved;
}

/* Which end a FILE entry of kind CKPT_FILE_PTY is: 1 master, 0 slave. */
static int ckpt_pty_end(const struct ckpt_rec_file *f)
{
	dev_t rdev = new_decode_dev(f->rdev);

	if (rdev == MKDEV(TTYAUX_MAJOR, 2))
		return 1;
	/* The pts driver's minors are the indices, all under one major. */
	if (MAJOR(rdev) == UNIX98_PTY_SLAVE_MAJOR && f->ino == MINOR(rdev))
		return 0;
	return -EBADMSG;
}

/* A master's path names a ptmx node ("/dev/ptmx", "/dev/pts/ptmx"). */
static bool ckpt_ptmx_path(const char *path)
{
	const char *last = strrchr(path, '/');

	return last && !strcmp(last, "/ptmx");
}

/*
 * Each PTY record has its master's FILE entry here, once, and the other
 * way round; indices differ; flags, mode and settings are sane.
 */
int ckpt_check_ptys(struct ckpt_restore *r)
{
	u32 i, j, masters;

	for (i = 0; i < r->nr_ptys; i++) {
		const struct ckpt_rec_pty *p = &r->ptys[i].rec;

		if (p->flags & ~CKPT_PTY_ALL || p->mode & ~07777 ||
		    !ckpt_pty_tty_ok(&p->slave) ||
		    p->index >= NR_UNIX98_PTY_MAX ||
		    ckpt_find_pty(r, p->index) != &r->ptys[i])
			return ckpt_bad(r, CKPT_REC_PTY, -EBADMSG);
		masters = 0;
		for (j = 0; j < r->nr_files; j++) {
			const struct ckpt_rec_file *f = &r->files[j].rec;

			if (f->kind == CKPT_FILE_PTY && f->ino == p->index &&
			    !(f->fd_flags & (CKPT_FD_SHARED | CKPT_FD_TREE)) &&
			    ckpt_pty_end(f) == 1)
				masters++;
		}
		if (masters != 1)
			return ckpt_bad(r, CKPT_REC_PTY, -EBADMSG);
	}
	for (j = 0; j < r->nr_files; j++) {
		const struct ckpt_rec_file *f = &r->files[j].rec;
		int end;

		/* /dev/tty on a pair's slave: as a slave's entry. */
		if (f->kind == CKPT_FILE_CTTY && f->size == CKPT_CTTY_PAIR &&
		    !(f->fd_flags & (CKPT_FD_SHARED | CKPT_FD_TREE)) &&
		    !ckpt_pty_known(r, f->ino))
			return ckpt_bad_rec(r, CKPT_REC_FILE, r->files[j].offset,
					    -EBADMSG);
		if (f->kind != CKPT_FILE_PTY)
			continue;
		end = ckpt_pty_end(f);
		/* A slave's pair is this process's, or an earlier one's. */
		if (end < 0 || (end == 1 && !ckpt_ptmx_path(r->files[j].path)) ||
		    (!(f->fd_flags & (CKPT_FD_SHARED | CKPT_FD_TREE)) &&
		     (end == 1 ? !ckpt_find_pty(r, f->ino) :
				 !ckpt_pty_known(r, f->ino))))
			return ckpt_bad_rec(r, CKPT_REC_FILE, r->files[j].offset,
					    -EBADMSG);
	}
	return 0;
}

/*
 * The slave node's owner and mode, as the restored credentials may set
 * them (chown(2) and chmod(2)'s rules, in setattr_prepare()).
 */
static int ckpt_pty_owner(struct tty_struct *slave,
			  const struct ckpt_rec_pty *p)
{
	struct dentry *node = slave->driver_data;
	struct inode *inode = node ? d_inode(node) : NULL;
	kuid_t uid = make_kuid(current_user_ns(), p->uid);
	kgid_t gid = make_kgid(current_user_ns(), p->gid);
	struct iattr ia = {};
	int err;

	if (!inode)
		return -EIO;
	if (!uid_valid(uid) || !gid_valid(gid))
		return -EPERM;
	inode_lock(inode);
	if (!uid_eq(inode->i_uid, uid)) {
		ia.ia_valid |= ATTR_UID;
		ia.ia_uid = uid;
	}
	if (!gid_eq(inode->i_gid, gid)) {
		ia.ia_valid |= ATTR_GID;
		ia.ia_gid = gid;
	}
	if ((inode->i_mode & 07777) != p->mode) {
		ia.ia_valid |= ATTR_MODE;
		ia.ia_mode = (inode->i_mode & S_IFMT) | p->mode;
	}
	err = ia.ia_valid ? notify_change(&init_user_ns, node, &ia, NULL) : 0;
	inode_unlock(inode);
	return err;
}

/*
 * Does @path name the character device @rdev?  0, ESTALE if it names
 * something else, or the lookup's error.  Checked before an open, so
 * another node (a FIFO, another device) is not even opened; the caller
 * checks the file it opens again (a path changed meanwhile).
 */
static int ckpt_chr_path(const char *path, dev_t rdev)
{
	struct path p;
	int err = kern_path(path, LOOKUP_FOLLOW, &p);

	if (err)
		return err;
	if (!S_ISCHR(d_inode(p.dentry)->i_mode) ||
	    d_inode(p.dentry)->i_rdev != rdev)
		err = -ESTALE;
	path_put(&p);
	return err;
}

/*
 * Open a master at @path, with the pair's old index if that is free:
 * each open takes the lowest free index, so masters with lower ones are
 * kept open until it comes (at most CKPT_PTY_TRIES), then closed.
 */
static struct file *ckpt_pty_open(const char *path, int flags, u32 index)
{
	struct file *tries[CKPT_PTY_TRIES], *f;
	unsigned int n = 0;
	int err;

	/* Nothing but a ptmx node is opened (no FIFO, no other device). */
	err = ckpt_chr_path(path, MKDEV(TTYAUX_MAJOR, 2));
	if (err)
		return ERR_PTR(err);
	for (;;) {
		struct tty_struct *tty;

		f = filp_open(path, flags, 0);
		/* Out of ptys on the way: one held already will do. */
		if (IS_ERR(f) && n) {
			f = tries[--n];
			break;
		}
		if (IS_ERR(f))
			break;
		tty = ckpt_pty_master(f);
		if (!tty) {
			fput(f);
			f = ERR_PTR(-ESTALE);
			break;
		}
		if (tty->index >= index || n == CKPT_PTY_TRIES)
			break;
		tries[n++] = f;
	}
	while (n)
		fput(tries[--n]);
	/* Their indices free again now, not at the return to user space. */
	ckpt_ksyms.task_work_run();
	return f;
}

static struct file *ckpt_pty_make(struct ckpt_restore *r,
				  const struct ckpt_restore_file *rf)
{
	const struct ckpt_restore_pty *p = ckpt_find_pty(r, rf->rec.ino);
	struct tty_struct *master, *slave;
	struct file *f;
	int err;

	if (!p)
		return ERR_PTR(-EBADMSG);
	f = ckpt_pty_open(rf->path, (rf->rec.f_flags & (O_ACCMODE |
					 O_NONBLOCK)) | O_NOCTTY | O_LARGEFILE,
			  p->rec.index);
	if (IS_ERR(f))
		return f;
	master = ckpt_pty_master(f);
	slave = master->link;
	/* The slave's window size is what the master's TIOCGWINSZ reads. */
	ckpt_tty_restore(slave, &p->rec.slave);
	err = ckpt_pty_owner(slave, &p->rec);
	if (!err && p->rec.data_len)
		err = ckpt_pty_push(master, p->data, p->rec.data_len);
	if (err) {
		fput(f);
		return ERR_PTR(err);
	}
	/* Stopped before packet mode: no TIOCPKT_STOP for the master. */
	if (p->rec.flags & CKPT_PTY_STOPPED)
		stop_tty(slave);
	/* As TCOOFF leaves it: only TCOON starts it again. */
	if (p->rec.flags & CKPT_PTY_TCOOFF) {
		spin_lock_irq(&slave->flow.lock);
		slave->flow.tco_stopped = true;
		spin_unlock_irq(&slave->flow.lock);
	}
	if (p->rec.flags & CKPT_PTY_PACKET) {
		spin_lock_irq(&master->ctrl.lock);
		master->ctrl.packet = true;
		spin_unlock_irq(&master->ctrl.lock);
	}
	/* As the slave's last close leaves it: the master reads EIO. */
	if (p->rec.flags & CKPT_PTY_SLAVE_CLOSED)
		set_bit(TTY_OTHER_CLOSED, &master->flags);
	if (!(p->rec.flags & CKPT_PTY_LOCKED))
		clear_bit(TTY_PTY_LOCK, &master->flags);
	return f;
}

/* The master of pair @index made here or by an earlier process, or NULL. */
static struct file *ckpt_pty_made(struct ckpt_restore *r, u64 index)
{
	struct file *f = ckpt_idfiles_find(r->ptys_made, index);

	return f ? f : ckpt_tree_pty(r, index);
}

/* Make pair @index from its master's entry in this process's files. */
static struct file *ckpt_pty_make_here(struct ckpt_restore *r, u64 index)
{
	struct file *f = NULL;
	u32 i;
	int err;

	for (i = 0; i < r->nr_files && !f; i++) {
		const struct ckpt_restore_file *rf = &r->files[i];

		if (rf->rec.kind == CKPT_FILE_PTY && rf->rec.ino == index &&
		    !(rf->rec.fd_flags & (CKPT_FD_SHARED | CKPT_FD_TREE)) &&
		    ckpt_pty_end(&rf->rec) == 1)
			f = ckpt_pty_make(r, rf);
	}
	if (!f)
		return ERR_PTR(-EBADMSG);	/* the slave's holder came first */
	if (IS_ERR(f))
		return f;
	err = ckpt_idfiles_add(r->ptys_made, index, f);
	return err ? ERR_PTR(err) : f;
}

/* A slave of the pair @master: opened through it, as TIOCGPTPEER does. */
static struct file *ckpt_pty_peer(struct file *master, int flags)
{
	struct tty_struct *tty = ckpt_pty_master(master);
	bool locked = test_bit(TTY_PTY_LOCK, &tty->flags);
	struct file *f;
	long fd;

	/* A pair locked after its slave was opened: open it all the same. */
	/* The ioctl as the restored process would make it, LSM included. */
	fd = security_file_ioctl(master, TIOCGPTPEER, flags);
	if (fd)
		return ERR_PTR(fd);
	if (locked)
		clear_bit(TTY_PTY_LOCK, &tty->flags);
	fd = master->f_op->unlocked_ioctl(master, TIOCGPTPEER, flags);
	if (locked)
		set_bit(TTY_PTY_LOCK, &tty->flags);
	if (fd < 0)
		return ERR_PTR(fd);
	f = fget(fd);
	close_fd(fd);
	return f ? f : ERR_PTR(-EBADF);
}

/* The open file for FILE entry @rf of kind CKPT_FILE_PTY (a reference). */
struct file *ckpt_pty_file(struct ckpt_restore *r,
			   const struct ckpt_restore_file *rf)
{
	const struct ckpt_rec_file *rec = &rf->rec;
	struct file *m;

	if (!r->ptys_made) {
		r->ptys_made = ckpt_idfiles_new(r->nr_ptys);
		if (!r->ptys_made)
			return ERR_PTR(-ENOMEM);
	}
	m = ckpt_idfiles_find(r->ptys_made, rec->ino);
	if (ckpt_pty_end(rec) == 1) {
		/* Made already for a slave of this process's, or made now. */
		if (!m)
			m = ckpt_pty_make_here(r, rec->ino);
		return IS_ERR(m) ? m : get_file(m);
	}
	m = ckpt_pty_made(r, rec->ino);
	if (!m)
		m = ckpt_pty_make_here(r, rec->ino);
	if (IS_ERR(m))
		return m;
	return ckpt_pty_peer(m, (rec->f_flags & (O_ACCMODE | O_NONBLOCK)) |
			     O_NOCTTY | O_CLOEXEC);
}

/*
 * The open file for FILE entry @rf of kind CKPT_FILE_CTTY (a reference):
 * /dev/tty opened again as the restored process would open it, once its
 * controlling terminal is back (ckpt_restore_terminal()).  That must be
 * the terminal the file reached: the pair made again (CKPT_CTTY_PAIR),
 * else the same device; ENXIO if not, as /dev/tty without a terminal.
 */
struct file *ckpt_devtty_file(struct ckpt_restore *r,
			      const struct ckpt_restore_file *rf)
{
	const struct ckpt_rec_file *rec = &rf->rec;
	struct tty_struct *tty, *want = NULL;
	struct tty_file_private *priv;
	struct file *f;
	bool locked;
	int err;

	if (rec->size == CKPT_CTTY_PAIR) {
		struct file *m = ckpt_pty_made(r, rec->ino);

		if (!m)
			return ERR_PTR(-EBADMSG);
		want = ckpt_pty_master(m)->link;
	}
	tty = get_current_tty();
	if (!tty)
		return ERR_PTR(-ENXIO);
	if (want ? tty != want : tty_devnum(tty) != new_decode_dev(rec->dev)) {
		f = ERR_PTR(-ENXIO);
		goto out;
	}
	/* Only /dev/tty is opened. */
	err = ckpt_chr_path(rf->path, MKDEV(TTYAUX_MAJOR, 0));
	if (err) {
		f = ERR_PTR(err);
		goto out;
	}
	/* A pair locked after its slave was opened: open it all the same. */
	locked = want && test_bit(TTY_PTY_LOCK, &want->link->flags);
	if (locked)
		clear_bit(TTY_PTY_LOCK, &want->link->flags);
	f = filp_open(rf->path, rec->f_flags | O_LARGEFILE | O_NOCTTY, 0);
	if (locked)
		set_bit(TTY_PTY_LOCK, &want->link->flags);
	if (IS_ERR(f))
		goto out;
	priv = f->private_data;
	if (!ckpt_devtty(f) || priv->tty != tty) {
		fput(f);
		f = ERR_PTR(-ESTALE);
	}
out:
	tty_kref_put(tty);
	return f;
}
