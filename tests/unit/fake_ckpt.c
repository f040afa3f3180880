// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim that stands in for /dev/ckpt on the build host, so the
 * restart tool's own flow (clone3 with set_tid, the vvar/vdso move, the
 * re-exec fallback, the pipe, RESTORE_WAIT, --wait) runs without the
 * module.  Only the tools' side is tested: the "restore" checks that the
 * caller has the image's PID and its vdso where asked, then exits.  A
 * checkpoint only fails, for ckpt's account of the failure.
 *
 * Environment:
 *  FAKE_STATE      file the fake restore writes its outcome to (required)
 *  FAKE_PID        the image's PID
 *  FAKE_MODE       where the image's vdso is: same (default), far,
 *                  reexec (on our own executable's first mapping), exdev
 *  FAKE_PREPARE_ERR, FAKE_ERR_TYPE, FAKE_ERR_OFFSET: fail PREPARE
 *  FAKE_TASK_ERR   fail RESTORE_TASK before the point of no return
 *  FAKE_RESULT_ERR fail after it (the task is killed; WAIT reports it,
 *                  with FAKE_RESULT_OBJ, FAKE_ERR_TYPE, FAKE_ERR_OFFSET)
 *  FAKE_CRASH      the restoring task dies of SIGSEGV in RESTORE_TASK
 *  FAKE_EXIT       exit status of the "restored" process
 *  FAKE_CKPT_ERR   the error of CKPT_IOC_CHECKPOINT (default EOPNOTSUPP),
 *                  err_object CKPT_OBJ_FD, err_fd FAKE_ERR_FD
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/ckpt.h>
#include "vdso.h"

#define EXPORT __attribute__((visibility("default")))

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);

	return s ? strtol(s, NULL, 0) : def;
}

static int fake_open(const char *path, int flags, va_list ap)
{
	mode_t mode = flags & (O_CREAT | O_TMPFILE) ? va_arg(ap, mode_t) : 0;

	if (!strcmp(path, "/dev/ckpt"))
		path = "/dev/null";
	return syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	int ret;

	va_start(ap, flags);
	ret = fake_open(path, flags, ap);
	va_end(ap);
	return ret;
}

EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	int ret;

	va_start(ap, flags);
	ret = fake_open(path, flags, ap);
	va_end(ap);
	return ret;
}

static void block(const struct ckpt_maps *m, int kind, __u64 *s, __u64 *e)
{
	size_t i;

	*s = *e = 0;
	for (i = 0; i < m->nr; i++) {
		if (m->map[i].kind != kind)
			continue;
		if (!*s)
			*s = m->map[i].start;
		*e = m->map[i].end;
	}
}

static void set_targets(struct ckpt_restore_args *a)
{
	const char *mode = getenv("FAKE_MODE");
	struct ckpt_maps m;
	int64_t delta = 0;
	char buf[64];

	if (ckpt_maps_read_self(&m))
		abort();
	block(&m, CKPT_MAP_VVAR, &a->vvar_start, &a->vvar_end);
	block(&m, CKPT_MAP_VDSO, &a->vdso_start, &a->vdso_end);
	if (mode && !strcmp(mode, "far"))
		delta = -0x100000000LL;
	if (mode && !strcmp(mode, "reexec"))
		delta = m.map[0].start - a->vdso_start;
	if (mode && !strcmp(mode, "exdev"))
		a->vdso_end += 0x1000;
	a->vvar_start += delta;
	a->vvar_end += delta;
	a->vdso_start += delta;
	a->vdso_end += delta;
	ckpt_maps_free(&m);
	snprintf(buf, sizeof(buf), "0x%llx", a->vdso_start);
	setenv("FAKE_VDSO", buf, 1);
}

static int prepare(struct ckpt_restore_args *a)
{
	struct ckpt_image_header h;
	long err = env_long("FAKE_PREPARE_ERR", 0);

	if (read(a->fd, &h, sizeof(h)) != sizeof(h))
		return -ENODATA;
	if (err) {
		a->err_object = CKPT_OBJ_IMAGE;
		a->err_type = env_long("FAKE_ERR_TYPE", 0);
		a->err_offset = env_long("FAKE_ERR_OFFSET", 0);
		return -err;
	}
	a->pid = env_long("FAKE_PID", 0);
	a->nr_tasks = 1;
	set_targets(a);
	return 0;
}

static void write_state(long result, int reexeced)
{
	FILE *f = fopen(getenv("FAKE_STATE"), "we");

	if (!f)
		abort();
	fprintf(f, "%ld %d\n", result, reexeced);
	fclose(f);
}

static int reexeced(void)
{
	char buf[4096];
	int fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/cmdline",
			 O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return !strcmp(buf + strlen(buf) + 1, "--restore-child");
}

/* The "restore": check PID and vdso, then become the "restored" process. */
static int restore_task(void)
{
	struct ckpt_maps m;
	__u64 s, e;
	int fd;

	if (syscall(SYS_getpid) != env_long("FAKE_PID", -1))
		return -ESRCH;
	if (env_long("FAKE_TASK_ERR", 0))
		return -env_long("FAKE_TASK_ERR", 0);
	if (ckpt_maps_read_self(&m))
		return -ENOMEM;
	block(&m, CKPT_MAP_VDSO, &s, &e);
	ckpt_maps_free(&m);
	if (s != (__u64)env_long("FAKE_VDSO", 0))
		return -EXDEV;
	if (env_long("FAKE_CRASH", 0)) {
		/* restart blocks every signal in the child: as a fault would */
		sigset_t segv;

		sigemptyset(&segv);
		sigaddset(&segv, SIGSEGV);
		sigprocmask(SIG_UNBLOCK, &segv, NULL);
		raise(SIGSEGV);
	}
	write_state(-env_long("FAKE_RESULT_ERR", 0), reexeced());
	for (fd = 0; fd < 1024; fd++)	/* the image's fd table */
		close(fd);
	if (env_long("FAKE_RESULT_ERR", 0))
		raise(SIGKILL);
	_exit(env_long("FAKE_EXIT", 0));
}

static int restore_wait(struct ckpt_restore_wait_args *w)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	unsigned int waited;
	long result;
	int reexec;
	FILE *f;

	for (waited = 0; waited < w->timeout_ms; waited += 10) {
		f = fopen(getenv("FAKE_STATE"), "re");
		if (f && fscanf(f, "%ld %d", &result, &reexec) == 2) {
			fclose(f);
			w->result = result;
			if (result) {
				w->err_object = env_long("FAKE_RESULT_OBJ",
							 CKPT_OBJ_FD);
				w->err_type = env_long("FAKE_ERR_TYPE", 0);
				w->err_offset = env_long("FAKE_ERR_OFFSET", 0);
				w->err_fd = env_long("FAKE_ERR_FD", -1);
			}
			return 0;
		}
		if (f)
			fclose(f);
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static int checkpoint(struct ckpt_checkpoint_args *a)
{
	a->err_object = CKPT_OBJ_FD;
	a->err_fd = env_long("FAKE_ERR_FD", -1);
	return -env_long("FAKE_CKPT_ERR", EOPNOTSUPP);
}

static int fake_ioctl(unsigned long req, void *arg)
{
	switch (_IOC_NR(req)) {
	case _IOC_NR(CKPT_IOC_CHECKPOINT):
		return checkpoint(arg);
	case _IOC_NR(CKPT_IOC_VERSION):
		((struct ckpt_version *)arg)->abi_version = CKPT_ABI_VERSION;
		((struct ckpt_version *)arg)->xfeatures = 0x3;
		return 0;
	case _IOC_NR(CKPT_IOC_RESTORE_PREPARE):
		return prepare(arg);
	case _IOC_NR(CKPT_IOC_RESTORE_TASK):
		return restore_task();
	case _IOC_NR(CKPT_IOC_RESTORE_WAIT):
		return restore_wait(arg);
	default:
		return -ENOTTY;
	}
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (_IOC_TYPE(req) != CKPT_IOC_MAGIC)
		return syscall(SYS_ioctl, fd, req, arg);
	ret = fake_ioctl(req, arg);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}
