/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the ckpt tools: error reporting, I/O, /proc lookups
 * and names for errnos, signals and CPU features.
 *
 * Functions return 0 or a negative errno; the caller at the top reports
 * the failure once with ckpt_fail().
 */
#ifndef CKPT_TOOLS_UTIL_H
#define CKPT_TOOLS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CKPT_TOOLS_VERSION	"0.1"
#define CKPT_DEV_PATH		"/dev/ckpt"

/* Exit codes of every tool. */
#define CKPT_EXIT_OK		0
#define CKPT_EXIT_FAILED	1
#define CKPT_EXIT_USAGE		2

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Name printed before every message: "ckpt" or "restart". */
extern const char *ckpt_prog;

/*
 * The first message ckpt_fail() printed (without the program name and the
 * errno name) and its positive errno, for 'restart --listen' to send back; clear both to
 * catch the next one.
 */
#define CKPT_MSG_LEN	240
extern char ckpt_first_msg[CKPT_MSG_LEN];
extern int ckpt_first_err;

/* "<prog>: <message> (<ERRNO>)"; no errno suffix when err is 0. */
void ckpt_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "<prog>: <message>": the optional second line, what to do. */
void ckpt_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

const char *ckpt_errname(int err);
/* An image's string, escaped for printing (util.c); SIZE_MAX: to its NUL. */
#define CKPT_ESC_MAX	4096
const char *ckpt_esc(const char *s, size_t len);
const char *ckpt_owner_kind(uint32_t type);
int ckpt_fown_err(uint64_t err_addr, uint32_t *type, int *pid);
const char *ckpt_signame(int sig, char *buf, size_t size);
/* Comma-separated names of the XSAVE features in @mask. */
void ckpt_xfeature_names(uint64_t mask, char *buf, size_t size);

ssize_t ckpt_read_full(int fd, void *buf, size_t len);

/*
 * A file read by position through a buffer of its own (pread(), never
 * mmap(): a file that shrinks under us reads short, where a mapping of it
 * would raise SIGBUS).  Zeroed, then .fd set; ckpt_at_free() drops the
 * buffer (at the end, or to read the file afresh).
 */
#define CKPT_AT_BUF	(64 * 1024)
#define CKPT_AT_MIN	256
struct ckpt_at {
	int fd;
	unsigned char *buf;	/* CKPT_AT_BUF bytes, allocated on first use */
	uint64_t off;		/* file offset of buf[0] */
	size_t len;		/* bytes of the file in buf */
	size_t ra;		/* the last read's size */
};
/* Up to @len bytes at @pos; fewer at the end of the file; -errno. */
ssize_t ckpt_at_read(struct ckpt_at *at, void *buf, size_t len, uint64_t pos);
/* The size of a regular file or a block device, not moving its offset. */
int ckpt_fd_size(int fd, uint64_t *size);
void ckpt_at_free(struct ckpt_at *at);
void ckpt_grow_pipe(int fd);
int ckpt_write_full(int fd, const void *buf, size_t len);
int ckpt_parse_pid(const char *s, pid_t *pid);
int ckpt_parse_u64(const char *s, uint64_t *val);

/* First line of a small file, without its newline. */
int ckpt_read_line(const char *path, char *buf, size_t size);
int ckpt_proc_comm(pid_t pid, char *buf, size_t size);
int ckpt_proc_fd_name(pid_t pid, int fd, char *buf, size_t size);
int ckpt_proc_vma_name(pid_t pid, uint64_t addr, char *buf, size_t size);
int ckpt_proc_status_field(pid_t pid, const char *field, long *val);
int ckpt_proc_status_hex(pid_t pid, const char *field, uint64_t *val);
/* A "field:\tN" line of /proc/PID/fdinfo/FD ("tty-index" of a ptmx). */
int ckpt_proc_fdinfo_field(pid_t pid, int fd, const char *field, long *val);

/*
 * Hold @pid with CKPT_IOC_FREEZE (Documentation/ioctl.rst): frozen,
 * unseen, until the returned descriptor is closed; -errno on failure.
 */
int ckpt_hold(int dev, pid_t pid);
/*
 * Hold each of @pids into @fds; one gone or a zombie (ESRCH) gets -1,
 * but for the first.  0, or -errno with nothing held.
 */
int ckpt_hold_all(int dev, const int32_t *pids, unsigned int n, int *fds);
/* Close the holds in @fds (those >= 0), setting them to -1. */
void ckpt_release_all(int *fds, unsigned int n);
/*
 * Add @pid and its descendants to @pids (room for CKPT_MAX_TREE; *@n
 * used), parents first (the children of every thread, from
 * /proc/PID/task/TID/children).  -E2BIG beyond CKPT_MAX_TREE, -ESRCH if
 * @pid is gone.
 */
int ckpt_list_tree(pid_t pid, int32_t *pids, unsigned int *n);
/*
 * List the tree of @root into @pids (*@n of them) and hold them all into
 * @fds (ckpt_hold_all()), listed again once held so that no process of
 * the tree is left out (one that forked before its hold): three tries,
 * then -EAGAIN.  0, or -errno with nothing held.
 */
int ckpt_hold_tree(int dev, pid_t root, int32_t *pids, unsigned int *n,
		   int *fds);
/* @pid's state (field 3 of its stat), start time (22) and owner. */
int ckpt_proc_stat(pid_t pid, char *state, unsigned long long *start,
		   uid_t *uid);
/* A state of ckpt_proc_stat()'s that is a process's end: no memory. */
static inline int ckpt_state_dead(char state)
{
	return state == 'Z' || state == 'X';
}
/* 1 if @pid is a zombie (exited, not reaped), 0 if not, -errno. */
int ckpt_proc_zombie(pid_t pid);

/* Open /dev/ckpt; report a failure with ckpt_dev_report(). */
int ckpt_dev_open(void);
void ckpt_dev_report(int err);

/*
 * Tombstone @pid, an emigrant about to be removed, when this node manages
 * PIDs in ranges (Documentation/pid-ranges.rst).  1: tombstoned; 0: no
 * range here, or @pid outside it (nothing to keep); -errno on failure.
 */
int ckpt_pid_tombstone(int dev, pid_t pid);

/* CKPT_TIMING=1: phases noted as they pass, printed at the end */
void timing_init(void);
void tmark(const char *what);
void tprint(void);

#endif
