// SPDX-License-Identifier: GPL-2.0
/*
 * Incremental images (incr.h): the header, the chain of parents, the
 * merge.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <dirent.h>
#include "csum.h"
#include "incr.h"
#include "precopy.h"
#include "util.h"
#include "zimg.h"

static int fail(char *why, size_t why_len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t why_len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return err;
}

int ckpt_incr_magic(const void *buf, size_t len)
{
	return len >= 8 && !memcmp(buf, CKPT_INCR_MAGIC, 8);
}

static int read_exact(int fd, void *buf, size_t len)
{
	ssize_t n = ckpt_read_full(fd, buf, len);

	return n < 0 ? (int)n : (size_t)n == len ? 0 : -ENODATA;
}

/*
 * The header and path at @fd's offset (the first @have bytes of @h
 * already read), checked; the path into @path.
 */
static int read_incr_header(int fd, struct ckpt_incr_header *h, size_t have,
			    char *path, char *why, size_t why_len)
{
	uint32_t csum;
	int err;

	err = read_exact(fd, (char *)h + have, sizeof(*h) - have);
	if (!err && (h->path_len < 2 || h->path_len > CKPT_INCR_PATH_MAX))
		return fail(why, why_len, -EBADMSG, "incremental image: a parent path of %u bytes",
			    h->path_len);
	if (!err)
		err = read_exact(fd, path, h->path_len);
	if (err)
		return fail(why, why_len, err == -ENODATA ? -EBADMSG : err,
			    "incremental image: %s", err == -ENODATA ?
			    "cut short in its header" : strerror(-err));
	csum = h->csum;
	h->csum = 0;
	if (!ckpt_incr_magic(h->magic, sizeof(h->magic)) ||
	    ckpt_csum2(h, sizeof(*h), path, h->path_len) != csum)
		return fail(why, why_len, -EBADMSG, "%s",
			    "incremental image: bad header (magic or checksum)");
	h->csum = csum;
	if (h->version != CKPT_INCR_VERSION || h->reserved)
		return fail(why, why_len, -EPROTO, "incremental image: version %u, this tool reads %u",
			    h->version, CKPT_INCR_VERSION);
	if (path[h->path_len - 1] || strlen(path) + 1 != h->path_len)
		return fail(why, why_len, -EBADMSG, "%s",
			    "incremental image: its parent path is not one string");
	return 0;
}

int ckpt_incr_identity(int fd, struct ckpt_image_header *ih,
		       struct ckpt_rec_tree_task *tree, uint32_t *nr,
		       char *why, size_t why_len)
{
	struct ckpt_incr_header h;
	struct {
		struct ckpt_rec_header rh;
		int32_t pid;
	} task;
	char path[CKPT_INCR_PATH_MAX];
	size_t len;
	unsigned char magic[8];
	uint32_t csum;
	int err;

	err = read_exact(fd, magic, sizeof(magic));
	if (!err && ckpt_incr_magic(magic, sizeof(magic))) {
		memcpy(&h, magic, sizeof(magic));
		err = read_incr_header(fd, &h, sizeof(magic), path, why,
				       why_len);
		if (err)
			return err;
		err = read_exact(fd, ih, sizeof(*ih));
	} else if (!err) {
		memcpy(ih, magic, sizeof(magic));
		err = read_exact(fd, (char *)ih + sizeof(magic),
				 sizeof(*ih) - sizeof(magic));
	}
	if (!err)
		err = read_exact(fd, &task, sizeof(task));
	if (err)
		return fail(why, why_len, err == -ENODATA ? -EBADMSG : err,
			    "%s", err == -ENODATA ? "the image is cut short" :
			    strerror(-err));
	csum = ih->csum;
	ih->csum = 0;
	if (ih->magic != CKPT_IMAGE_MAGIC || ih->header_size != sizeof(*ih) ||
	    ckpt_csum2(ih, sizeof(*ih), NULL, 0) != csum)
		return fail(why, why_len, -ENOEXEC, "%s",
			    "not a ckpt image (bad magic or header checksum)");
	ih->csum = csum;
	if (ih->nr_tasks == 1 && task.rh.type == CKPT_REC_TASK) {
		memset(tree, 0, sizeof(*tree));
		tree->pid = task.pid;
		*nr = 1;
		return 0;
	}
	/* a tree's TREE record, whose checksum the restore checks */
	len = (size_t)ih->nr_tasks * sizeof(*tree);
	if (ih->nr_tasks < 2 || ih->nr_tasks > CKPT_MAX_TREE ||
	    task.rh.type != CKPT_REC_TREE || task.rh.len != len)
		return fail(why, why_len, -EBADMSG, "%s",
			    "its first record is neither a TASK nor a TREE record of its processes");
	memcpy(tree, &task.pid, sizeof(task.pid));
	err = read_exact(fd, (char *)tree + sizeof(task.pid),
			 len - sizeof(task.pid));
	if (err)
		return fail(why, why_len, err == -ENODATA ? -EBADMSG : err,
			    "%s", err == -ENODATA ? "the image is cut short" :
			    strerror(-err));
	*nr = ih->nr_tasks;
	return 0;
}

int ckpt_incr_open(const char *path, int head, char *why, size_t why_len)
{
	uint64_t max = head ? CKPT_INCR_HEAD : ckpt_mem_available() / 2;
	struct ckpt_zres res;
	int fd, m, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(why, why_len, -errno, "cannot open %s: %s", path,
			    strerror(errno));
	err = ckpt_zstd_to_memfd(fd, max, -1, &m, &res);
	if (err == -EFBIG && head)
		err = 1;	/* its start is all we want */
	else if (err == -EFBIG)
		close(m);
	if (err < 0) {
		close(fd);
		return fail(why, why_len, err, "%s: %s", path, res.msg);
	}
	if (err) {
		close(fd);
		fd = m;
	}
	return fd;
}

/*
 * The directory of the file @path resolves to (a link's target's, not
 * the link's), into @dir (PATH_MAX).
 */
static int real_dir(const char *path, char *dir)
{
	char real[PATH_MAX], *d;

	if (!realpath(path, real))
		return -errno;
	d = dirname(real);
	memmove(dir, d, strlen(d) + 1);
	return 0;
}

int ckpt_incr_write_header(int out, const char *out_path,
			   const char *parent_path,
			   const struct ckpt_image_header *parent,
			   char *why, size_t why_len)
{
	char abs[PATH_MAX], pdir[PATH_MAX], odir[PATH_MAX], copy[PATH_MAX];
	struct ckpt_incr_header h;
	const char *stored = abs;
	size_t len;
	int err;

	if (!realpath(parent_path, abs))
		return fail(why, why_len, -errno, "cannot resolve %s: %s",
			    parent_path, strerror(errno));
	/* side by side (the usual case): the pair may move together */
	if (out_path && !real_dir(abs, pdir) && !real_dir(out_path, odir) &&
	    !strcmp(pdir, odir)) {
		snprintf(copy, sizeof(copy), "%s", abs);
		stored = basename(copy);
	}
	len = strlen(stored) + 1;
	if (len > CKPT_INCR_PATH_MAX)
		return fail(why, why_len, -ENAMETOOLONG, "the parent's path %s is too long",
			    stored);
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, CKPT_INCR_MAGIC, sizeof(h.magic));
	h.version = CKPT_INCR_VERSION;
	h.path_len = (uint32_t)len;
	h.parent = *parent;
	h.csum = ckpt_csum2(&h, sizeof(h), stored, len);
	err = ckpt_write_full(out, &h, sizeof(h));
	if (!err)
		err = ckpt_write_full(out, stored, len);
	if (err)
		return fail(why, why_len, err, "writing the image failed: %s",
			    strerror(-err));
	return 0;
}

/* "taken at 2026-12-06 03:04:05 UTC" */
static void when(const struct ckpt_image_header *ih, char *buf, size_t len)
{
	time_t t = (time_t)(ih->time_ns / 1000000000ULL);
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
	else
		snprintf(buf, len, "?");
}

int ckpt_incr_merge(int fd, const char *name, int depth, int *merged,
		    char *parent, size_t parent_len, char *why,
		    size_t why_len)
{
	char path[CKPT_INCR_PATH_MAX], full[PATH_MAX + CKPT_INCR_PATH_MAX],
	     dir[PATH_MAX] = ".", t1[64], t2[64], sub[320];
	struct ckpt_image_header ih;
	struct ckpt_incr_header h;
	unsigned char magic[8];
	int err, pfd, pm, out;

	err = ckpt_peek_fd(fd, magic, sizeof(magic), -1);
	if (err <= 0 || !ckpt_incr_magic(magic, sizeof(magic)))
		return err < 0 ? fail(why, why_len, err, "reading the image failed: %s",
				      strerror(-err)) : 0;
	if (depth >= CKPT_INCR_DEPTH_MAX)
		return fail(why, why_len, -ELOOP, "more than %d incremental images in a chain (a loop?)",
			    CKPT_INCR_DEPTH_MAX);
	err = read_incr_header(fd, &h, 0, path, why, why_len);
	if (err)
		return err;
	if (parent)
		snprintf(parent, parent_len, "%s", path);
	/* beside the image itself, not beside a link to it */
	err = name ? real_dir(name, dir) : 0;
	if (err)
		return fail(why, why_len, err, "cannot resolve %s: %s", name,
			    strerror(-err));
	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", dir, path);
	pfd = ckpt_incr_open(full, 0, sub, sizeof(sub));
	if (pfd < 0)
		return fail(why, why_len, pfd, "its parent image: %s", sub);
	err = ckpt_incr_merge(pfd, full, depth + 1, &pm, NULL, 0, sub,
			      sizeof(sub));
	if (err < 0)	/* it names the image at fault */
		fail(why, why_len, err, "%s", sub);
	if (err > 0) {
		close(pfd);
		pfd = pm;
		err = 0;
	}
	if (!err && (pread(pfd, &ih, sizeof(ih), 0) != sizeof(ih) ||
		     memcmp(&ih, &h.parent, sizeof(ih)))) {
		when(&h.parent, t1, sizeof(t1));
		when(&ih, t2, sizeof(t2));
		err = fail(why, why_len, -ESTALE, "its parent image %s is not the one it was taken against (a checkpoint taken at %s; that image was taken at %s)",
			   full, t1, t2);
	}
	out = -1;
	if (!err) {
		out = memfd_create("ckpt-image", MFD_CLOEXEC);
		if (out < 0)
			err = fail(why, why_len, -errno, "cannot make a memfd: %s",
				   strerror(errno));
	}
	if (!err)
		err = precopy_merge_files(pfd, fd, out,
					  ckpt_mem_available() / 2, why,
					  why_len);
	if (!err && lseek(out, 0, SEEK_SET))
		err = fail(why, why_len, -errno, "cannot seek a memfd: %s",
			   strerror(errno));
	close(pfd);
	if (err) {
		if (out >= 0)
			close(out);
		return err;
	}
	*merged = out;
	return 1;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int ckpt_incr_depth(const char *path, const char *avoid, char *why,
		    size_t why_len)
{
	char cur[PATH_MAX + CKPT_INCR_PATH_MAX], next[CKPT_INCR_PATH_MAX],
	     dir[PATH_MAX], sub[320];
	struct ckpt_incr_header h;
	unsigned char magic[8];
	int depth, fd, err;

	snprintf(cur, sizeof(cur), "%s", path);
	for (depth = 0; depth <= CKPT_INCR_DEPTH_MAX; depth++) {
		if (avoid && same_file(cur, avoid))
			return fail(why, why_len, -EINVAL, "%s is an image of the chain",
				    avoid);
		fd = ckpt_incr_open(cur, 1, sub, sizeof(sub));
		if (fd < 0)
			return fail(why, why_len, fd, "%s", sub);
		err = read_exact(fd, magic, sizeof(magic));
		if (!err && !ckpt_incr_magic(magic, sizeof(magic))) {
			close(fd);
			return depth;
		}
		if (!err) {
			memcpy(&h, magic, sizeof(magic));
			err = read_incr_header(fd, &h, sizeof(magic), next,
					       sub, sizeof(sub));
		} else {
			snprintf(sub, sizeof(sub), "cut short");
		}
		close(fd);
		if (!err)
			err = real_dir(cur, dir);
		if (err)
			return fail(why, why_len, err, "%s: %s", cur, sub);
		if (next[0] == '/')
			snprintf(cur, sizeof(cur), "%s", next);
		else
			snprintf(cur, sizeof(cur), "%s/%s", dir, next);
	}
	return fail(why, why_len, -ELOOP, "more than %d incremental images in a chain (a loop?)",
		    CKPT_INCR_DEPTH_MAX);
}

/*
 * --track's records: "<dir>/track-PID-START", <dir> the one of the user
 * running ckpt: /run/ckpt for root, /run/user/UID/ckpt (else
 * /tmp/ckpt-UID) for others; 0700 and theirs, else EPERM.
 */
static int track_dir(uid_t uid, char *dir, size_t len, int make)
{
	char run[64];
	struct stat st;

	snprintf(run, sizeof(run), "/run/user/%u", (unsigned int)uid);
	if (!uid && !access("/run", W_OK))
		snprintf(dir, len, "/run/ckpt");
	else if (uid && !lstat(run, &st) && S_ISDIR(st.st_mode) &&
		 st.st_uid == uid)
		snprintf(dir, len, "%s/ckpt", run);
	else
		snprintf(dir, len, "/tmp/ckpt-%u", (unsigned int)uid);
	if (make && mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	/* theirs alone: nobody else may plant or change a record */
	if (lstat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 077))
		return -EPERM;
	return 0;
}

/*
 * The record of @pid in our directory, or with @owners (root only) in
 * the process owner's: its path.
 */
static int track_path(pid_t pid, int owners, char *path, size_t len)
{
	unsigned long long start = 0;
	char dir[PATH_MAX], state;
	uid_t uid = 0;
	int err;

	err = ckpt_proc_stat(pid, &state, &start, &uid);
	if (!err && owners && (geteuid() || !uid))
		return -ENOENT;		/* no other directory to look in */
	if (!err)
		err = track_dir(owners ? uid : geteuid(), dir, sizeof(dir),
				!owners);
	if (!err)
		snprintf(path, len, "%s/track-%d-%llu", dir, pid, start);
	return err;
}

struct track_rec {
	uint64_t time_ns;
	uint32_t csum;
	uint32_t magic;		/* "TRCK" */
};

#define TRACK_MAGIC	0x4b435254U

int ckpt_track_lock(pid_t pid)
{
	char path[PATH_MAX + 64];
	int fd, err = track_path(pid, 0, path, sizeof(path));

	if (err)
		return err;
	*strrchr(path, '/') = 0;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Remove the records in @dir of processes that are gone: no process has
 * the PID any more, or another one (its start time differs).  Under the
 * directory's lock (ckpt_track_lock()).
 */
static void track_prune(const char *dir)
{
	unsigned long long start, now;
	struct dirent *de;
	char state;
	DIR *d;
	uid_t uid;
	int pid, end, err;

	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		end = 0;
		if (sscanf(de->d_name, "track-%d-%llu%n", &pid, &start,
			   &end) != 2 || de->d_name[end] || pid <= 0)
			continue;	/* not a record (a temporary file) */
		err = ckpt_proc_stat(pid, &state, &now, &uid);
		if (err == -ENOENT || (!err && now != start))
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

int ckpt_track_save(pid_t pid, uint64_t time_ns, uint32_t csum)
{
	struct track_rec r = { time_ns, csum, TRACK_MAGIC };
	char path[PATH_MAX + 64], tmp[PATH_MAX + 80];
	int fd, err;

	err = track_path(pid, 0, path, sizeof(path));
	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = ckpt_write_full(fd, &r, sizeof(r));
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

void ckpt_track_prune(void)
{
	char dir[PATH_MAX];

	if (!track_dir(geteuid(), dir, sizeof(dir), 0))
		track_prune(dir);
}

int ckpt_track_load(pid_t pid, uint64_t *time_ns, uint32_t *csum)
{
	char path[PATH_MAX + 64];
	struct track_rec r;
	int fd, err;

	/* root: a reset by the owner since ours makes ours stale */
	if (!track_path(pid, 1, path, sizeof(path)) && !access(path, F_OK))
		return -EXDEV;
	err = track_path(pid, 0, path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	err = read_exact(fd, &r, sizeof(r));
	close(fd);
	if (err || r.magic != TRACK_MAGIC)
		return err ? err : -EBADMSG;
	*time_ns = r.time_ns;
	*csum = r.csum;
	return 0;
}

int ckpt_track_forget(pid_t pid)
{
	char path[PATH_MAX + 64];
	int err = 0;

	/* a directory we cannot use holds no record load would take */
	if (!track_path(pid, 0, path, sizeof(path)) && unlink(path) &&
	    errno != ENOENT)
		err = -errno;
	/* root resets the bits under the owner's record too */
	if (!err && !track_path(pid, 1, path, sizeof(path)) &&
	    unlink(path) && errno != ENOENT)
		err = -errno;
	return err;
}

int ckpt_soft_dirty_reset(pid_t pid)
{
	char path[64];
	int fd, err = ckpt_track_forget(pid);

	if (err)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/clear_refs", pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "4", 1) != 1)
		err = -errno;
	if (fd >= 0)
		close(fd);
	return err;
}
