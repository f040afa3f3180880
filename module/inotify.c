// SPDX-License-Identifier: GPL-2.0
/*
 * inotify instances (CKPT_FILE_INOTIFY): an FDSTATE record for the file
 * and one INWATCH record for each of its watches.
 *
 * Dump: the watches are read from the file's fdinfo (descriptor, inode
 * number, device and mask: what /proc/PID/fdinfo shows), the watched
 * inodes from the group's marks, matched by device and inode number.  A
 * watch is saved with an absolute path to its inode: a name of the inode
 * (d_find_alias()) under a mount of its filesystem listed in the
 * checkpointer's mountinfo (the target's mount namespace is the
 * checkpointer's), checked by looking the path up again.  Refused, naming
 * the descriptor: an inode with no name, or only names not reachable from
 * the checkpointer's root, more than CKPT_MAX_INWATCHES watches
 * (EOPNOTSUPP).  The events not yet read are saved as read(2) would
 * return them (an INEVENTS record), from the group's queue: each is a
 * struct inotify_event_info of fs/notify/inotify/inotify.h, whose 6.1
 * layout is mirrored here; more than one record holds is EBUSY (nothing
 * lost: try again once the process has read them).
 *
 * Restore: inotify_init1() and inotify_add_watch() (IN_DONT_FOLLOW: the
 * path names the watched inode), run by the restoring task with the
 * restored credentials once every descriptor is in place, so the kernel
 * checks the read permission on each watched inode and charges the
 * watches to the restored user.  Before each watch the instance's cursor
 * of watch descriptors (that of the idr inotify_add_watch() allocates
 * from, cyclically) is set to the watch's, so it gets the same one; at
 * the end the cursor is put where the original's was.  Then the unread
 * events are queued again in order (fsnotify_insert_event(), as inotify
 * queues them; the overflow event is the group's own).  Every path is
 * looked up, and every record checked, before the point of no return.
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/fsnotify_backend.h>
#include <linux/idr.h>
#include <linux/inotify.h>
#include <linux/namei.h>
#include <linux/dcache.h>
#include <linux/mount.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/bsearch.h>
#include <linux/kdev_t.h>
#include "ckpt.h"

/* The checkpointer's mountinfo, read once per inotify file, at most. */
#define CKPT_MOUNTINFO_MAX	(4U << 20)
/* Path bytes of all the watches of one process's image. */
#define CKPT_INWATCH_BYTES	(4U << 20)

static_assert(CKPT_INWATCH_MASK == IN_ALL_EVENTS);
static_assert(CKPT_INEVENT_MASK == (IN_ALL_EVENTS | IN_ISDIR | IN_UNMOUNT |
				    IN_IGNORED | IN_Q_OVERFLOW));
static_assert(NAME_MAX + 1 == CKPT_INEVENT_NAME_MAX);

/* struct inotify_event_info of fs/notify/inotify/inotify.h (6.1). */
struct ckpt_inotify_event_info {
	struct fsnotify_event fse;
	u32 mask;
	int wd;
	u32 sync_cookie;
	int name_len;
	char name[];
};

/* Bytes of @name_len's padded name in a struct inotify_event. */
static u32 ckpt_inevent_name_room(int name_len)
{
	return name_len ? roundup(name_len + 1, sizeof(struct inotify_event)) :
			  0;
}
static_assert(CKPT_INWATCH_FLAGS == (IN_EXCL_UNLINK | IN_ONESHOT));

/* ---------------------------------------------------------------------- */
/* Dump                                                                    */
/* ---------------------------------------------------------------------- */

/* A watched inode of the group, held, by device and inode number. */
struct ckpt_inmark {
	dev_t dev;
	unsigned long ino;
	struct inode *inode;
};

static int ckpt_inmark_cmp(const void *a, const void *b)
{
	const struct ckpt_inmark *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/*
 * Up to @max inodes the group watches, held, sorted; -EBUSY when there are
 * more (a watch added meanwhile).  Attached marks of the group keep their
 * inodes while the group's lock is held.
 */
static int ckpt_inmarks(struct fsnotify_group *group, struct ckpt_inmark *m,
			u32 max, u32 *nr)
{
	struct fsnotify_mark *mark;
	u32 n = 0;
	int err = 0;

	fsnotify_group_lock(group);
	list_for_each_entry(mark, &group->marks_list, g_list) {
		struct fsnotify_mark_connector *conn = mark->connector;
		struct inode *inode;

		if (!(mark->flags & FSNOTIFY_MARK_FLAG_ATTACHED) || !conn ||
		    conn->type != FSNOTIFY_OBJ_TYPE_INODE)
			continue;
		if (n == max) {
			err = -EBUSY;
			break;
		}
		inode = igrab(container_of(conn->obj, struct inode,
					   i_fsnotify_marks));
		if (!inode)
			continue;
		m[n].dev = inode->i_sb->s_dev;
		m[n].ino = inode->i_ino;
		m[n].inode = inode;
		n++;
	}
	fsnotify_group_unlock(group);
	*nr = n;
	if (!err)
		sort(m, n, sizeof(*m), ckpt_inmark_cmp, NULL);
	return err;
}

/* The checkpointer's /proc/self/mountinfo, NUL-terminated. */
static char *ckpt_mountinfo(void)
{
	size_t size = PAGE_SIZE * 4, len = 0;
	struct file *f;
	char *buf = NULL;
	loff_t pos = 0;
	ssize_t n;

	f = filp_open("/proc/self/mountinfo", O_RDONLY, 0);
	if (IS_ERR(f))
		return ERR_CAST(f);
	for (;;) {
		if (!buf || len + 1 >= size) {
			char *nbuf;

			if (buf)
				size *= 2;
			if (size > CKPT_MOUNTINFO_MAX) {
				n = -EOPNOTSUPP;
				break;
			}
			nbuf = kvmalloc(size, GFP_KERNEL);
			if (!nbuf) {
				n = -ENOMEM;
				break;
			}
			if (buf)
				memcpy(nbuf, buf, len);
			kvfree(buf);
			buf = nbuf;
		}
		n = kernel_read(f, buf + len, size - 1 - len, &pos);
		if (n <= 0)
			break;
		len += n;
	}
	fput(f);
	if (n < 0) {
		kvfree(buf);
		return ERR_PTR(n);
	}
	buf[len] = '\0';
	return buf;
}

/* Undo mountinfo's octal escapes (\040 for a space...) in place. */
static void ckpt_unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (s[1] - '0') << 6 | (s[2] - '0') << 3 |
			       (s[3] - '0');
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/* Does @p, looked up again, lead to @inode itself? */
static bool ckpt_path_is(const char *p, struct inode *inode)
{
	struct path chk;
	bool same;

	if (kern_path(p, 0, &chk))
		return false;
	same = d_backing_inode(chk.dentry) == inode;
	path_put(&chk);
	return same;
}

/* A mount listed in mountinfo: its filesystem's device, its mount point. */
struct ckpt_mnt {
	dev_t dev;
	const char *point;
};

/*
 * The mounts of mountinfo text @mi (lines of fields: id, parent,
 * major:minor, root, mount point...), whose lines are cut up in place.
 */
static struct ckpt_mnt *ckpt_mounts(char *mi, u32 *nr)
{
	struct ckpt_mnt *mnts;
	u32 n = 0, max = 1;
	char *line, *p;

	for (p = mi; *p; p++)
		max += *p == '\n';
	mnts = kvcalloc(max, sizeof(*mnts), GFP_KERNEL);
	if (!mnts)
		return NULL;
	while ((line = strsep(&mi, "\n")) && n < max) {
		unsigned int major, minor;
		char *field[5];
		int i;

		for (i = 0; i < 5; i++) {
			field[i] = strsep(&line, " ");
			if (!field[i] || !line)
				break;
		}
		if (i < 5 ||
		    sscanf(field[2], "%u:%u", &major, &minor) != 2)
			continue;
		ckpt_unescape(field[4]);
		mnts[n].dev = MKDEV(major, minor);
		mnts[n].point = field[4];
		n++;
	}
	*nr = n;
	return mnts;
}

/*
 * An absolute path to @inode into @buf (PATH_MAX), through a mount of its
 * filesystem among @mnts; ERR_PTR(-ENOENT) if there is none.
 */
static char *ckpt_inode_path(struct inode *inode, const struct ckpt_mnt *mnts,
			     u32 nr, char *buf)
{
	struct dentry *dentry = d_find_alias(inode);
	char *ret = ERR_PTR(-ENOENT);
	u32 i;

	if (!dentry)
		return ret;
	for (i = 0; i < nr && IS_ERR(ret); i++) {
		struct path at;

		if (mnts[i].dev != inode->i_sb->s_dev ||
		    kern_path(mnts[i].point, 0, &at))
			continue;
		if (at.mnt->mnt_sb == inode->i_sb &&
		    is_subdir(dentry, at.mnt->mnt_root)) {
			struct path p = { .mnt = at.mnt, .dentry = dentry };
			char *s = d_path(&p, buf, PATH_MAX);

			if (!IS_ERR(s) && *s == '/' && ckpt_path_is(s, inode))
				ret = s;
		}
		path_put(&at);
	}
	dput(dentry);
	return ret;
}

struct ckpt_inwatch_buf {
	struct ckpt_rec_inwatch rec;
	char *path;
};

static int ckpt_inwatch_cmp(const void *a, const void *b)
{
	const struct ckpt_inwatch_buf *x = a, *y = b;

	return x->rec.wd < y->rec.wd ? -1 : x->rec.wd > y->rec.wd;
}

/*
 * Copy the @q_len events of @group's queue, as read(2) would return them,
 * into @b->events for an INEVENTS record.  EBUSY: more than a record, or
 * the process's share, holds, or the queue changed meanwhile.
 */
static int ckpt_note_inevents(struct ckpt_dump *d,
			      struct fsnotify_group *group, unsigned int q_len,
			      struct ckpt_fdstate_buf *b)
{
	size_t room = min_t(size_t, CKPT_REC_MAX_META -
			    sizeof(struct ckpt_rec_inevents),
			    CKPT_INEVENTS_MAX - d->inevent_bytes);
	struct ckpt_rec_inevents *rec;
	struct fsnotify_event *fse;
	u32 off = 0, n = 0;
	char *p;
	int err = 0;

	room = min_t(size_t, room, (size_t)q_len * (sizeof(struct inotify_event) +
						    CKPT_INEVENT_NAME_MAX));
	rec = kvzalloc(sizeof(*rec) + room, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	p = (char *)(rec + 1);
	spin_lock(&group->notification_lock);
	if (group->q_len != q_len)
		err = -EBUSY;
	list_for_each_entry(fse, &group->notification_list, list) {
		const struct ckpt_inotify_event_info *e =
			container_of(fse, struct ckpt_inotify_event_info, fse);
		struct inotify_event ie = {
			.wd = e->wd,
			.mask = e->mask & CKPT_INEVENT_MASK,
			.cookie = e->sync_cookie,
		};

		if (err)
			break;
		if (e->name_len < 0 || e->name_len >= CKPT_INEVENT_NAME_MAX ||
		    (e->name_len && strnlen(e->name, e->name_len + 1) !=
				    e->name_len)) {
			err = -EOPNOTSUPP;	/* not the layout we know */
			break;
		}
		ie.len = ckpt_inevent_name_room(e->name_len);
		if (sizeof(ie) + ie.len > room - off) {
			err = -EBUSY;	/* more than a record holds */
			break;
		}
		memcpy(p + off, &ie, sizeof(ie));
		if (e->name_len)
			memcpy(p + off + sizeof(ie), e->name, e->name_len);
		off += sizeof(ie) + ie.len;
		n++;
	}
	spin_unlock(&group->notification_lock);
	if (!err && n != q_len)
		err = -EBUSY;
	if (err) {
		kvfree(rec);
		return err;
	}
	rec->nr_events = n;
	rec->len = off;
	b->events = rec;
	d->inevent_bytes += off;
	return 0;
}

/* One fdinfo line: "inotify wd:%x ino:%lx sdev:%x mask:%x ..." */
static int ckpt_inwatch_parse(const char *p, struct ckpt_inwatch_buf *w,
			      unsigned long *ino, dev_t *dev)
{
	unsigned int wd, sdev, mask;

	if (sscanf(p, " wd:%x ino:%lx sdev:%x mask:%x", &wd, ino, &sdev,
		   &mask) != 4 || !wd || wd > INT_MAX || !(mask & IN_ALL_EVENTS) ||
	    mask & ~(CKPT_INWATCH_MASK | CKPT_INWATCH_FLAGS))
		return -EOPNOTSUPP;
	*dev = sdev;
	w->rec.wd = wd;
	w->rec.mask = mask;
	w->rec.ino = *ino;
	w->rec.dev = new_encode_dev(sdev);
	return 0;
}

/*
 * The watches of inotify file @f (fdinfo text @info), for @b's INWATCH
 * records; @b->rec.count gets the cursor of watch descriptors.
 */
int ckpt_note_inotify(struct ckpt_dump *d, struct file *f, const char *info,
		      struct ckpt_fdstate_buf *b)
{
	struct fsnotify_group *group = f->private_data;
	struct ckpt_inwatch_buf *w = NULL;
	struct ckpt_inmark *m = NULL;
	struct ckpt_mnt *mnts = NULL;
	char *mi = NULL, *pathbuf = NULL;
	const char *p;
	u32 n = 0, nm = 0, nmnt = 0, i;
	unsigned int q_len;
	int err = 0;

	spin_lock(&group->notification_lock);
	q_len = group->q_len;
	spin_unlock(&group->notification_lock);
	if (q_len) {
		err = ckpt_note_inevents(d, group, q_len, b);
		if (err)
			return err;
	}
	spin_lock(&group->inotify_data.idr_lock);
	b->rec.count = idr_get_cursor(&group->inotify_data.idr);
	spin_unlock(&group->inotify_data.idr_lock);
	b->rec.count = clamp_t(u64, b->rec.count, 1, INT_MAX);

	for (p = info; (p = ckpt_fdinfo_field(p, "inotify")); n++)
		;
	if (n > CKPT_MAX_INWATCHES - d->nr_inwatches)
		return -EOPNOTSUPP;
	if (!n)
		return 0;
	w = kvcalloc(n, sizeof(*w), GFP_KERNEL);
	m = kvcalloc(n, sizeof(*m), GFP_KERNEL);
	pathbuf = kmalloc(PATH_MAX, GFP_KERNEL);
	mi = ckpt_mountinfo();
	if (IS_ERR(mi)) {
		/* no /proc, or a mount table past 4 MiB: no path to find */
		err = PTR_ERR(mi) == -ENOMEM ? -ENOMEM : -EOPNOTSUPP;
		mi = NULL;
		goto out;
	}
	mnts = ckpt_mounts(mi, &nmnt);
	if (!w || !m || !pathbuf || !mnts) {
		err = -ENOMEM;
		goto out;
	}
	err = ckpt_inmarks(group, m, n, &nm);
	for (p = info, i = 0; !err && i < n; i++) {
		struct ckpt_inmark key = {}, *hit;
		char *s;

		p = ckpt_fdinfo_field(p, "inotify");
		err = p ? ckpt_inwatch_parse(p, &w[i], &key.ino, &key.dev) :
			  -EOPNOTSUPP;
		if (err)
			break;
		hit = bsearch(&key, m, nm, sizeof(*m), ckpt_inmark_cmp);
		if (!hit) {
			err = -EBUSY;	/* the watch went away meanwhile */
			break;
		}
		s = ckpt_inode_path(hit->inode, mnts, nmnt, pathbuf);
		if (IS_ERR(s) || strlen(s) >= CKPT_INWATCH_BYTES -
		    d->inwatch_bytes) {
			err = -EOPNOTSUPP;	/* no name we can reach */
			break;
		}
		w[i].rec.path_len = strlen(s) + 1;
		w[i].path = kstrdup(s, GFP_KERNEL);
		if (!w[i].path) {
			err = -ENOMEM;
			break;
		}
		d->inwatch_bytes += w[i].rec.path_len;
	}
	if (!err) {
		sort(w, n, sizeof(*w), ckpt_inwatch_cmp, NULL);
		for (i = 1; i < n && !err; i++)
			if (w[i].rec.wd == w[i - 1].rec.wd)
				err = -EOPNOTSUPP;
	}
out:
	for (i = 0; i < nm; i++)
		iput(m[i].inode);
	kvfree(m);
	kvfree(mnts);
	kvfree(mi);
	kfree(pathbuf);
	if (err) {
		for (i = 0; w && i < n; i++)
			kfree(w[i].path);
		kvfree(w);
		return err;
	}
	b->watches = w;
	b->nr_watches = n;
	d->nr_inwatches += n;
	return 0;
}

void ckpt_inwatches_free(struct ckpt_fdstate_buf *b)
{
	u32 i;

	kvfree(b->events);
	b->events = NULL;
	for (i = 0; i < b->nr_watches; i++)
		kfree(b->watches[i].path);
	kvfree(b->watches);
	b->watches = NULL;
	b->nr_watches = 0;
}

/* The INWATCH records of every instance, then the INEVENTS records. */
int ckpt_dump_inotify(struct ckpt_dump *d)
{
	struct ckpt_fdstate_buf *b;
	unsigned long fd;
	u32 i;
	int err;

	xa_for_each(&d->fdstates, fd, b) {
		for (i = 0; i < b->nr_watches; i++) {
			struct ckpt_inwatch_buf *w = &b->watches[i];

			w->rec.fd = fd;
			err = ckpt_write_rec2(&d->out, CKPT_REC_INWATCH,
					      &w->rec, sizeof(w->rec), w->path,
					      w->rec.path_len);
			if (err)
				return err;
		}
	}
	xa_for_each(&d->fdstates, fd, b) {
		if (!b->events)
			continue;
		b->events->fd = fd;
		err = ckpt_write_rec(&d->out, CKPT_REC_INEVENTS, b->events,
				     sizeof(*b->events) + b->events->len);
		if (err)
			return err;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_take_inwatch(struct ckpt_restore *r, const void *p, u32 len)
{
	struct ckpt_restore_inwatch *e;
	int err;

	err = ckpt_grow((void **)&r->inwatches, r->nr_inwatches, sizeof(*e),
			CKPT_MAX_INWATCHES);
	if (err)
		return err;
	e = &r->inwatches[r->nr_inwatches];
	e->offset = r->in.rec_offset;
	err = ckpt_take_with_path(p, len, &e->rec, sizeof(e->rec),
				  &e->rec.path_len, &e->path);
	if (!err && (!e->path ||
		     e->rec.path_len > CKPT_INWATCH_BYTES - r->inwatch_bytes))
		err = -EBADMSG;
	if (err) {
		kfree(e->path);
		return err;
	}
	r->nr_inwatches++;
	r->inwatch_bytes += e->rec.path_len;
	return 0;
}

int ckpt_take_inevents(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_inevents *rec = p;
	struct ckpt_restore_inevents *e;
	int err;

	if (len < sizeof(*rec) || len - sizeof(*rec) > CKPT_INEVENTS_MAX -
	    r->inevent_bytes)
		return -EBADMSG;
	err = ckpt_grow((void **)&r->inevents, r->nr_inevents, sizeof(*e),
			CKPT_MAX_FILES);
	if (err)
		return err;
	e = &r->inevents[r->nr_inevents];
	e->offset = r->in.rec_offset;
	e->rec = ckpt_dup(p, len);
	if (!e->rec)
		return -ENOMEM;
	/* read once: the copy's len is what the record's length says */
	if (e->rec->len != len - sizeof(*rec)) {
		kvfree(e->rec);
		return -EBADMSG;
	}
	r->nr_inevents++;
	r->inevent_bytes += e->rec->len;
	return 0;
}

void ckpt_free_inwatches(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_inwatches; i++)
		kfree(r->inwatches[i].path);
	kvfree(r->inwatches);
	for (i = 0; i < r->nr_inevents; i++)
		kvfree(r->inevents[i].rec);
	kvfree(r->inevents);
}

/*
 * The events of @e: @nr_events struct inotify_event, each with a name of
 * its len (0, or a multiple of 16 up to 256, NUL-terminated and padded),
 * a wd >= 1 but for the overflow event (wd -1, the last).
 */
static bool ckpt_inevents_ok(const struct ckpt_rec_inevents *e)
{
	const char *p = (const char *)(e + 1);
	u32 off = 0, n = 0;

	if (!e->nr_events || e->reserved)
		return false;
	while (off < e->len) {
		struct inotify_event ie;
		const char *name;

		if (e->len - off < sizeof(ie) || n == e->nr_events)
			return false;
		memcpy(&ie, p + off, sizeof(ie));
		off += sizeof(ie);
		if (ie.mask & ~CKPT_INEVENT_MASK || !ie.mask ||
		    ie.len > CKPT_INEVENT_NAME_MAX ||
		    ie.len % sizeof(struct inotify_event) || ie.len > e->len - off)
			return false;
		name = p + off;
		if (ie.len && (!name[0] || !memchr(name, '\0', ie.len) ||
			       memchr_inv(name + strlen(name), 0,
					  ie.len - strlen(name))))
			return false;
		if (ie.mask & IN_Q_OVERFLOW ?
		    ie.mask != IN_Q_OVERFLOW || ie.wd != -1 || ie.len ||
		    off + ie.len != e->len :
		    ie.wd < 1)
			return false;
		off += ie.len;
		n++;
	}
	return n == e->nr_events;
}

/*
 * Before the point of no return: the records' form, each for an inotify
 * file's FDSTATE, in order; every path leads somewhere (ENOENT names the
 * descriptor).
 */
int ckpt_check_inwatches(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_inwatches; i++) {
		const struct ckpt_restore_inwatch *e = &r->inwatches[i];
		const struct ckpt_rec_inwatch *w = &e->rec;
		const struct ckpt_restore_inwatch *prev = i ? e - 1 : NULL;
		const struct ckpt_restore_fdstate *s = ckpt_find_fdstate(r, w->fd);
		struct path p;

		if (!s || s->rec.kind != CKPT_FILE_INOTIFY || w->wd <= 0 ||
		    w->reserved || !(w->mask & CKPT_INWATCH_MASK) ||
		    w->mask & ~(CKPT_INWATCH_MASK | CKPT_INWATCH_FLAGS) ||
		    !e->path ||
		    (prev && (w->fd < prev->rec.fd ||
			      (w->fd == prev->rec.fd && w->wd <= prev->rec.wd))))
			return ckpt_bad_rec(r, CKPT_REC_INWATCH, e->offset,
					    -EBADMSG);
		if (kern_path(e->path, 0, &p)) {
			r->err.fd = w->fd;
			r->err.type = CKPT_REC_INWATCH;
			r->err.offset = e->offset;
			return ckpt_fail(&r->err, CKPT_OBJ_FD, -ENOENT);
		}
		path_put(&p);
	}
	for (i = 0; i < r->nr_inevents; i++) {
		const struct ckpt_restore_inevents *e = &r->inevents[i];
		const struct ckpt_restore_fdstate *s =
			ckpt_find_fdstate(r, e->rec->fd);

		if (!s || s->rec.kind != CKPT_FILE_INOTIFY ||
		    (i && e->rec->fd <= e[-1].rec->fd) ||
		    !ckpt_inevents_ok(e->rec))
			return ckpt_bad_rec(r, CKPT_REC_INEVENTS, e->offset,
					    -EBADMSG);
	}
	return 0;
}

/* The inotify file at @fd of the restored task, or ERR_PTR(-EBADF). */
static struct file *ckpt_inotify_fget(int fd)
{
	struct file *f = fget(fd);

	if (f && f->f_op == ckpt_ksyms.inotify_fops)
		return f;
	if (f)
		fput(f);
	return ERR_PTR(-EBADF);
}

/* Set the cursor of @fd's watch descriptors: the next one it gives. */
static int ckpt_inotify_cursor(int fd, int wd)
{
	struct fsnotify_group *group;
	struct file *f = ckpt_inotify_fget(fd);

	if (IS_ERR(f))
		return PTR_ERR(f);
	group = f->private_data;
	spin_lock(&group->inotify_data.idr_lock);
	idr_set_cursor(&group->inotify_data.idr, wd);
	spin_unlock(&group->inotify_data.idr_lock);
	fput(f);
	return 0;
}

/*
 * Queue @e's events again on its instance, in order, as inotify queues an
 * event (checked by ckpt_inevents_ok()).  When the restorer's
 * max_queued_events is lower than the original's, the kernel queues its
 * overflow event instead of the rest, as it would have.
 */
static int ckpt_queue_inevents(const struct ckpt_rec_inevents *e)
{
	const char *p = (const char *)(e + 1);
	struct fsnotify_group *group;
	struct file *f = ckpt_inotify_fget(e->fd);
	u32 off = 0;
	int err = 0;

	if (IS_ERR(f))
		return PTR_ERR(f);
	group = f->private_data;
	while (off < e->len && !err) {
		struct ckpt_inotify_event_info *ev;
		struct inotify_event ie;
		size_t name_len;

		memcpy(&ie, p + off, sizeof(ie));
		off += sizeof(ie);
		if (ie.mask & IN_Q_OVERFLOW) {
			ckpt_ksyms.fsnotify_insert_event(group,
							 group->overflow_event,
							 NULL, NULL);
			break;
		}
		name_len = ie.len ? strlen(p + off) : 0;
		ev = kmalloc(struct_size(ev, name, name_len + 1),
			     GFP_KERNEL_ACCOUNT);
		if (!ev) {
			err = -ENOMEM;
			break;
		}
		fsnotify_init_event(&ev->fse);
		ev->mask = ie.mask;
		ev->wd = ie.wd;
		ev->sync_cookie = ie.cookie;
		ev->name_len = name_len;
		memcpy(ev->name, p + off, name_len);
		ev->name[name_len] = '\0';
		off += ie.len;
		/* not queued (overflow): inotify would free it too */
		if (ckpt_ksyms.fsnotify_insert_event(group, &ev->fse, NULL,
						     NULL))
			kfree(ev);
	}
	fput(f);
	return err;
}

/*
 * Every watch, once every descriptor is in place, then each instance's
 * cursor as the original's was.  On failure @r->err.fd names the inotify
 * descriptor: EEXIST when a watch got another descriptor (two of the
 * paths now lead to one inode).
 */
int ckpt_restore_inwatches(struct ckpt_restore *r, struct ckpt_fdkinds *k)
{
	long arg, err = 0;
	u32 i, j;

	for (i = 0; i < r->nr_inwatches && !err; i++) {
		const struct ckpt_restore_inwatch *e = &r->inwatches[i];
		const struct ckpt_rec_inwatch *w = &e->rec;

		err = ckpt_inotify_cursor(w->fd, w->wd);
		arg = err ?: ckpt_user_arg(k, e->path, w->path_len);
		err = arg;
		if (!IS_ERR_VALUE(arg))
			err = ckpt_syscall(ckpt_ksyms.sys_inotify_add_watch,
					   w->fd, arg, w->mask | IN_DONT_FOLLOW,
					   0);
		if (err >= 0)
			err = err == w->wd ? 0 : -EEXIST;
		if (err) {
			r->err.fd = w->fd;
			r->err.type = CKPT_REC_INWATCH;
			r->err.offset = e->offset;
		}
	}
	for (j = 0; j < r->nr_fdstates && !err; j++) {
		const struct ckpt_rec_fdstate *s = &r->fdstates[j].rec;

		if (s->kind == CKPT_FILE_INOTIFY)
			err = ckpt_inotify_cursor(s->fd, s->count);
		if (err)
			r->err.fd = s->fd;
	}
	for (j = 0; j < r->nr_inevents && !err; j++) {
		err = ckpt_queue_inevents(r->inevents[j].rec);
		if (err)
			r->err.fd = r->inevents[j].rec->fd;
	}
	return ckpt_fail(&r->err, CKPT_OBJ_FD, err);
}
