// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the ckpt tools.  Nothing here prints except
 * ckpt_fail(), ckpt_hint() and ckpt_dev_report().
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <dirent.h>
#include <linux/ckpt.h>
#include "util.h"

const char *ckpt_prog = "ckpt";
char ckpt_first_msg[CKPT_MSG_LEN];
int ckpt_first_err;

static void ckpt_vmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", ckpt_prog);
	vfprintf(stderr, fmt, ap);
}

void ckpt_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ckpt_vmsg(fmt, ap);
	va_end(ap);
	if (!ckpt_first_msg[0]) {
		va_start(ap, fmt);
		vsnprintf(ckpt_first_msg, sizeof(ckpt_first_msg), fmt, ap);
		va_end(ap);
		ckpt_first_err = err < 0 ? -err : err;
	}
	if (err)
		fprintf(stderr, " (%s)", ckpt_errname(err));
	fputc('\n', stderr);
}

void ckpt_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ckpt_vmsg(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *ckpt_errname(int err)
{
	static char buf[32];
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/*
 * An image's string (@len bytes at most, or to its NUL), fit for a
 * terminal or a log: control characters and backslashes become \xNN, so
 * a name in a hostile image cannot move the cursor, recolour the
 * terminal or start a line of its own.  One of four rotating buffers:
 * valid until the fourth call after.
 */
const char *ckpt_esc(const char *s, size_t len)
{
	static char bufs[4][4 * CKPT_ESC_MAX + 1];
	static unsigned int next;
	char *out = bufs[next++ % 4], *o = out;
	size_t i;

	for (i = 0; i < len && i < CKPT_ESC_MAX && s[i]; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f || c == '\\')
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = c;
	}
	*o = '\0';
	return out;
}

/* A file owner's F_OWNER_* type, in words. */
const char *ckpt_owner_kind(uint32_t type)
{
	static const char *const kinds[] = { "thread", "process",
					     "process group" };

	return type < 3 ? kinds[type] : "owner";
}

/*
 * An error's err_addr that is CKPT_FOWN_ERR(type, pid) (a file's owner
 * for SIGIO, with CKPT_OBJ_FD): 1 and its parts, else 0.
 */
int ckpt_fown_err(uint64_t err_addr, uint32_t *type, int *pid)
{
	uint64_t t = err_addr >> 32;

	if (t < 1 || t > 3)
		return 0;
	*type = (uint32_t)t - 1;
	*pid = (int)(uint32_t)err_addr;
	return 1;
}

/* Kernel numbering: 1..31 standard, 32..64 real-time. */
const char *ckpt_signame(int sig, char *buf, size_t size)
{
	const char *abbrev = sig > 0 && sig < 32 ? sigabbrev_np(sig) : NULL;

	if (abbrev)
		snprintf(buf, size, "SIG%s", abbrev);
	else
		snprintf(buf, size, "SIG%d", sig);
	return buf;
}

static const char *const xfeature_names[] = {
	"x87", "sse", "avx", "mpx_bndregs", "mpx_bndcsr",
	"avx512_opmask", "avx512_zmm_hi256", "avx512_hi16_zmm",
	"pt", "pkru", "pasid", "cet_user", "cet_supervisor", "hdc",
	"uintr", "lbr", "hwp", "amx_tilecfg", "amx_tiledata", "apx",
};

void ckpt_xfeature_names(uint64_t mask, char *buf, size_t size)
{
	size_t len = 0;
	unsigned int bit;

	buf[0] = '\0';
	for (bit = 0; bit < 64 && len < size; bit++) {
		if (!(mask & (1ULL << bit)))
			continue;
		if (bit < ARRAY_SIZE(xfeature_names))
			len += snprintf(buf + len, size - len, "%s%s",
					len ? "," : "", xfeature_names[bit]);
		else
			len += snprintf(buf + len, size - len, "%sbit%u",
					len ? "," : "", bit);
	}
	if (!mask)
		snprintf(buf, size, "none");
}

/* Read up to @len bytes; fewer only at end of file. */
ssize_t ckpt_read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

static ssize_t at_pread(int fd, void *buf, size_t len, uint64_t pos)
{
	ssize_t n;

	do
		n = pread(fd, buf, len, pos);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

ssize_t ckpt_at_read(struct ckpt_at *at, void *buf, size_t len, uint64_t pos)
{
	size_t done = 0;
	ssize_t n;

	if (!at->buf) {
		at->buf = malloc(CKPT_AT_BUF);
		if (!at->buf)
			return -ENOMEM;
		at->len = 0;
	}
	while (done < len) {
		uint64_t p = pos + done;
		size_t k;

		if (p < at->off || p >= at->off + at->len) {
			/* What the buffer cannot hold goes straight in. */
			if (len - done >= CKPT_AT_BUF) {
				n = at_pread(at->fd, (char *)buf + done,
					     len - done, p);
				if (n <= 0)
					return n < 0 ? n : (ssize_t)done;
				done += n;
				continue;
			}
			/*
			 * Read ahead as the kernel does: a little after a
			 * jump (a walk of record headers steps over page
			 * data), twice as much each time the reads follow on.
			 */
			if (at->len && p == at->off + at->len)
				at->ra = at->ra * 2 < CKPT_AT_BUF ?
					 at->ra * 2 : CKPT_AT_BUF;
			else
				at->ra = CKPT_AT_MIN;
			if (at->ra < len - done)
				at->ra = len - done;	/* < CKPT_AT_BUF */
			n = at_pread(at->fd, at->buf, at->ra, p);
			if (n < 0)
				return n;
			at->off = p;
			at->len = n;
			if (!n)
				break;
		}
		k = at->off + at->len - p;
		if (k > len - done)
			k = len - done;
		memcpy((char *)buf + done, at->buf + (p - at->off), k);
		done += k;
	}
	return done;
}

int ckpt_fd_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	*size = st.st_size;
	/* A block device's st_size is 0: ask the device. */
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, size))
		return -errno;
	return 0;
}

void ckpt_at_free(struct ckpt_at *at)
{
	free(at->buf);
	at->buf = NULL;
	at->len = 0;
}

int ckpt_write_full(int fd, const void *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf = (const char *)buf + n;
		len -= n;
	}
	return 0;
}

int ckpt_parse_u64(const char *s, uint64_t *val)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*val = v;
	return 0;
}

int ckpt_parse_pid(const char *s, pid_t *pid)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > INT32_MAX)
		return -EINVAL;
	*pid = v;
	return 0;
}

int ckpt_read_line(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = ckpt_read_full(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int ckpt_proc_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	return ckpt_read_line(path, buf, size);
}

int ckpt_proc_fd_name(pid_t pid, int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* The path (or [name]) of the mapping of @pid that contains @addr. */
int ckpt_proc_vma_name(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	char path[64], line[4096 + 128];
	uint64_t start, end;
	int off, err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		off = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %*s %*s %*s %n",
			   &start, &end, &off) < 2 || !off)
			continue;
		if (addr < start || addr >= end)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, size, "%s", line[off] ? line + off : "anonymous");
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

/* The value of a "Field:\tvalue" line of @path (/proc/PID/status...). */
static int field_value(const char *path, const char *field, char *val,
		       size_t size)
{
	char line[256];
	size_t len = strlen(field);
	int err = -ENOENT;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, len) || line[len] != ':')
			continue;
		snprintf(val, size, "%s", line + len + 1);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

static int status_value(pid_t pid, const char *field, char *val,
			size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	return field_value(path, field, val, size);
}

static int field_long(const char *path, const char *field, long *val)
{
	char buf[128];
	int err = field_value(path, field, buf, sizeof(buf));

	if (!err)
		*val = strtol(buf, NULL, 10);
	return err;
}

int ckpt_proc_status_field(pid_t pid, const char *field, long *val)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	return field_long(path, field, val);
}

int ckpt_proc_fdinfo_field(pid_t pid, int fd, const char *field, long *val)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	return field_long(path, field, val);
}

int ckpt_proc_status_hex(pid_t pid, const char *field, uint64_t *val)
{
	char buf[128];
	int err = status_value(pid, field, buf, sizeof(buf));

	if (!err)
		*val = strtoull(buf, NULL, 16);
	return err;
}

int ckpt_hold(int dev, pid_t pid)
{
	struct ckpt_freeze_args a = { .size = sizeof(a), .pid = pid };

	return ioctl(dev, CKPT_IOC_FREEZE, &a) ? -errno : a.fd;
}

void ckpt_release_all(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

int ckpt_hold_all(int dev, const int32_t *pids, unsigned int n, int *fds)
{
	unsigned int i;
	int fd;

	for (i = 0; i < n; i++) {
		fd = ckpt_hold(dev, pids[i]);
		fds[i] = fd < 0 ? -1 : fd;
		if (fd < 0 && (fd != -ESRCH || !i)) {
			ckpt_release_all(fds, i);
			return fd;
		}
	}
	return 0;
}

int ckpt_list_tree(pid_t pid, int32_t *pids, unsigned int *n)
{
	char path[64], buf[8192], *p, *end;
	struct dirent *de;
	unsigned int first;
	DIR *dir;
	int err = 0;

	if (*n >= CKPT_MAX_TREE)
		return -E2BIG;
	first = (*n)++;
	pids[first] = pid;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir && errno == ENOENT && first) {
		(*n)--;		/* a child that exited meanwhile */
		return 0;
	}
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while (!err && (de = readdir(dir))) {
		ssize_t len;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children",
			 (int)pid, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;	/* the thread is gone */
		len = ckpt_read_full(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len < 0 || len == sizeof(buf) - 1) {
			err = len < 0 ? (int)len : -E2BIG;
			break;
		}
		buf[len] = '\0';
		for (p = buf; !err && *p; p = end) {
			long c = strtol(p, &end, 10);

			if (end == p)
				break;
			if (c > 0)
				err = ckpt_list_tree((pid_t)c, pids, n);
		}
	}
	closedir(dir);
	return err;
}

int ckpt_hold_tree(int dev, pid_t root, int32_t *pids, unsigned int *n,
		   int *fds)
{
	int32_t again[CKPT_MAX_TREE];
	unsigned int m, tries = 3;
	int err;

	for (;;) {
		*n = 0;
		err = ckpt_list_tree(root, pids, n);
		if (!err)
			err = ckpt_hold_all(dev, pids, *n, fds);
		if (err)
			return err;
		/*
		 * A process listed may have forked before it was held: the
		 * child is neither listed nor held.  Held, none of them can
		 * fork any more: the same list again is the whole tree.
		 */
		m = 0;
		err = ckpt_list_tree(root, again, &m);
		if (!err && m == *n && !memcmp(again, pids, m * sizeof(*pids)))
			return 0;
		ckpt_release_all(fds, *n);
		if (!err && !--tries)
			err = -EAGAIN;
		if (err)
			return err;
	}
}

int ckpt_proc_stat(pid_t pid, char *state, unsigned long long *start,
		   uid_t *uid)
{
	char path[64], buf[1024], *p;
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (fstat(fd, &st))
		n = -1;
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	*uid = st.st_uid;
	/* counted after the command's closing parenthesis */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 state, start) != 2)
		return -EIO;
	return 0;
}

int ckpt_proc_zombie(pid_t pid)
{
	unsigned long long start;
	char state;
	uid_t uid;
	int err = ckpt_proc_stat(pid, &state, &start, &uid);

	return err ? err : ckpt_state_dead(state);
}

int ckpt_dev_open(void)
{
	int fd = open(CKPT_DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

void ckpt_dev_report(int err)
{
	switch (-err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		ckpt_fail(err, "%s not found: is the ckpt module loaded?",
			  CKPT_DEV_PATH);
		ckpt_hint("load it with 'modprobe ckpt' or 'insmod ckpt.ko'");
		break;
	case EACCES:
	case EPERM:
		ckpt_fail(err, "cannot open %s: permission denied",
			  CKPT_DEV_PATH);
		ckpt_hint("run as root");
		break;
	default:
		ckpt_fail(err, "cannot open %s: %s", CKPT_DEV_PATH,
			  strerror(-err));
	}
}

int ckpt_pid_tombstone(int dev, pid_t pid)
{
	struct ckpt_pid_tombstone_args a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.pid = pid;
	if (!ioctl(dev, CKPT_IOC_PID_TOMBSTONE, &a))
		return 1;
	if (errno == ENXIO || errno == ERANGE || errno == ENOTTY)
		return 0;
	return -errno;
}

/*
 * Make @fd, if it is a pipe smaller than 1 MiB, 1 MiB large (what
 * /proc/sys/fs/pipe-max-size lets anyone ask for by default), for fewer
 * wakeups when an image streams through it.  Best effort: errors, as
 * EPERM over a lower limit, are ignored.
 */
void ckpt_grow_pipe(int fd)
{
	int size = fcntl(fd, F_GETPIPE_SZ);

	if (size >= 0 && size < (1 << 20))
		fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

/* ---- timing (CKPT_TIMING=1 in the environment) -------------------- */

#define TMARKS_MAX	32

static int timing;
static struct {
	const char *what;
	struct timespec t;
} tmarks[TMARKS_MAX];
static unsigned int nr_tmarks;

/* Marks are noted only with CKPT_TIMING set; the first is "main". */
void timing_init(void)
{
	timing = getenv("CKPT_TIMING") != NULL;
	tmark("main");
}

/*
 * With CKPT_TIMING set: note the time of @what.  The marks are printed
 * by tprint(), at the end, so that formatting and writing them (the first
 * printf of a static binary faults in much of libc) is not counted in the
 * phases measured.
 */
void tmark(const char *what)
{
	if (!timing || nr_tmarks == TMARKS_MAX)
		return;
	clock_gettime(CLOCK_MONOTONIC, &tmarks[nr_tmarks].t);
	tmarks[nr_tmarks++].what = what;
}

/* "PROG: timing: +N.NNN ms WHAT" on stderr for each mark. */
void tprint(void)
{
	unsigned int i;

	for (i = 0; i < nr_tmarks; i++)
		fprintf(stderr, "%s: timing: +%.3f ms %s\n", ckpt_prog,
			(tmarks[i].t.tv_sec - tmarks[0].t.tv_sec) * 1e3 +
			(tmarks[i].t.tv_nsec - tmarks[0].t.tv_nsec) / 1e6,
			tmarks[i].what);
	nr_tmarks = 0;
}
