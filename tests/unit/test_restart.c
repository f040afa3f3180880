// SPDX-License-Identifier: GPL-2.0
/*
 * The restart tool's flow against a fake /dev/ckpt (fake_ckpt.so, an
 * LD_PRELOAD shim): clone3 with the image's PID, moving vvar/vdso, the
 * re-exec fallback, failures before and after the point of no return,
 * and --wait.  Needs CAP_CHECKPOINT_RESTORE (root) to choose a PID.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <linux/sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "imgbuild.h"
#include "run.h"
#include "unit.h"
#include "zimg.h"

#ifndef FAKE_SO
#error "FAKE_SO must name the fake module shim"
#endif

struct fake {
	char img[64];
	char state[64];
	char *env[16];
	char vars[16][128];
	int nr;
	pid_t pid;
};

/* A PID that is free now, below pid_max. */
static pid_t free_pid(void)
{
	char path[64];
	pid_t pid;

	for (pid = 20000 + getpid() % 5000; pid < 32000; pid++) {
		snprintf(path, sizeof(path), "/proc/%d", pid);
		if (access(path, F_OK))
			return pid;
	}
	return 0;
}

static void fake_env(struct fake *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fake_env(struct fake *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->vars[f->nr], sizeof(f->vars[0]), fmt, ap);
	va_end(ap);
	f->env[f->nr] = f->vars[f->nr];
	f->env[++f->nr] = NULL;
}

static int fake_init(struct fake *f, const struct ib_ops *ops)
{
	int fd;

	memset(f, 0, sizeof(*f));
	if (!ib_write_file(ops, f->img))
		return -1;
	strcpy(f->state, "/tmp/ckpt-unit-state-XXXXXX");
	fd = mkstemp(f->state);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(f->state);
	f->pid = free_pid();
	fake_env(f, "LD_PRELOAD=%s", FAKE_SO);
	fake_env(f, "FAKE_STATE=%s", f->state);
	fake_env(f, "FAKE_PID=%d", f->pid);
	if (getenv("ASAN_OPTIONS"))	/* for sanitizer builds */
		fake_env(f, "ASAN_OPTIONS=%s", getenv("ASAN_OPTIONS"));
	return 0;
}

static void fake_done(struct fake *f)
{
	unlink(f->img);
	unlink(f->state);
}

/* The fake restore's record: "<result> <re-executed>". */
static int fake_state(struct fake *f, long *result, int *reexec)
{
	FILE *s = fopen(f->state, "r");
	int n;

	if (!s)
		return -1;
	n = fscanf(s, "%ld %d", result, reexec);
	fclose(s);
	return n == 2 ? 0 : -1;
}

/* No process (not even a zombie) has the image's PID any more. */
static int pid_gone(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", pid);
	return access(path, F_OK) != 0;
}

static struct run *restart(struct fake *f, const char *opt)
{
	char *argv[] = { RESTART_BIN, (char *)opt, f->img, NULL };

	if (!opt) {
		argv[1] = f->img;
		argv[2] = NULL;
	}
	return unit_run(NULL, argv, f->env);
}

static int can_choose_pids(void)
{
	static int ok = -1;

	if (ok < 0) {
		ok = !geteuid();
		if (!ok)
			printf("note: not root; restart flow tests skipped\n");
	}
	return ok;
}

/* Compress the fake's image in place (ckpt --compress); @flip damages it. */
static int fake_compress(struct fake *f, int flip)
{
	char tmp[sizeof(f->img) + 4];
	struct ckpt_zres res;
	int in, out, err;
	char last;

	snprintf(tmp, sizeof(tmp), "%s.z", f->img);
	in = open(f->img, O_RDONLY);
	out = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
	err = in < 0 || out < 0 ||
	      ckpt_zstd_compress(in, out, CKPT_ZSTD_LEVEL, NULL, &res);
	if (!err && flip)
		err = pread(out, &last, 1, res.out_bytes - 1) != 1 ||
		      (last ^= 1, pwrite(out, &last, 1, res.out_bytes - 1) != 1);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return err || rename(tmp, f->img) ? -1 : 0;
}

/* restart --wait of the fake image (compressed with @z): exit 7, quiet */
static void in_place_wait(int z)
{
	struct fake f;
	struct run *r;
	long result;
	int reexec;

	if (!can_choose_pids())
		return;
	CHECK(!fake_init(&f, NULL));
	CHECK(!z || !fake_compress(&f, 0));
	fake_env(&f, "FAKE_EXIT=7");
	r = restart(&f, "--wait");
	CHECK_EQ(fake_state(&f, &result, &reexec), 0);
	CHECK_EQ(r->status, 7);
	CHECK_EQ(result, 0);
	CHECK_EQ(reexec, 0);
	CHECK_EQ(strlen(r->err), 0);
	/* and from a pipe */
	r = unit_run(NULL, (char *[]){ "/bin/sh", "-c",
		     "cat \"$0\" | \"$1\" --wait -", f.img, RESTART_BIN,
		     NULL }, f.env);
	fake_done(&f);
	CHECK_EQ(r->status, 7);
	CHECK_EQ(strlen(r->err), 0);
}

UNIT_TEST(restart_fake_in_place_wait)
{
	in_place_wait(0);
}

UNIT_TEST(restart_fake_compressed)
{
	in_place_wait(1);
}

UNIT_TEST(restart_fake_far_verbose)
{
	char want[64];
	struct fake f;
	struct run *r;
	long result;
	int reexec;

	if (!can_choose_pids())
		return;
	CHECK(!fake_init(&f, NULL));
	fake_env(&f, "FAKE_MODE=far");
	r = restart(&f, "-v");
	CHECK_EQ(fake_state(&f, &result, &reexec), 0);
	fake_done(&f);
	CHECK_EQ(r->status, 0);
	snprintf(want, sizeof(want), "restart: restored pid %d\n", f.pid);
	CHECK(!strcmp(r->err, want));
	CHECK_EQ(reexec, 0);
}

UNIT_TEST(restart_fake_reexec)
{
	struct fake f;
	struct run *r;
	long result;
	int reexec;

	if (!can_choose_pids())
		return;
	CHECK(!fake_init(&f, NULL));
	fake_env(&f, "FAKE_MODE=reexec");
	fake_env(&f, "FAKE_EXIT=3");
	r = restart(&f, "--wait");
	CHECK_EQ(fake_state(&f, &result, &reexec), 0);
	fake_done(&f);
	CHECK_EQ(r->status, 3);
	CHECK_EQ(reexec, 1);
}

UNIT_TEST(restart_fake_pid_in_use)
{
	char want[128];
	struct fake f;
	struct run *r;

	if (!can_choose_pids())
		return;
	CHECK(!fake_init(&f, NULL));
	snprintf(f.vars[2], sizeof(f.vars[2]), "FAKE_PID=%d", getpid());
	r = restart(&f, NULL);
	fake_done(&f);
	CHECK_EQ(r->status, 1);
	snprintf(want, sizeof(want),
		 "restart: PID %d is in use by process %d ('unit-tests'): cannot restore the process with its PID (EEXIST)\n",
		 getpid(), getpid());
	CHECK_STR(r->err, want);
	CHECK_EQ(unit_count_lines(r->err), 2);
}

UNIT_TEST(restart_fake_other_kernel_vdso)
{
	struct fake f;
	struct run *r;

	if (!can_choose_pids())
		return;
	CHECK(!fake_init(&f, NULL));
	fake_env(&f, "FAKE_MODE=exdev");
	r = restart(&f, NULL);
	fake_done(&f);
	CHECK_EQ(r->status, 1);
	CHECK_STR(r->err, "vdso or vvar differs from the image's (EXDEV)\n");
}

UNIT_TEST(restart_fake_task_refused)
{
	struct fake f;
	struct run *r;

	if (!can_choose_pids())
		return;
	CHECK(!fake_init(&f, NULL));
	fake_env(&f, "FAKE_TASK_ERR=%d", EBUSY);
	r = restart(&f, "--wait");
	fake_done(&f);
	CHECK_EQ(r->status, 1);
	CHECK(pid_gone(f.pid));
	CHECK_STR(r->err, "refused the restoring process");
	CHECK_STR(r->err, "(EBUSY)\n");
	CHECK_EQ(unit_count_lines(r->err), 1);
}

UNIT_TEST(restart_fake_failed_after_no_return)
{
	char want[160];
	struct fake f;
	struct run *r;

	if (!can_choose_pids())
		return;
	CHECK(!fake_init(&f, NULL));
	fake_env(&f, "FAKE_RESULT_ERR=%d", ESTALE);
	fake_env(&f, "FAKE_RESULT_OBJ=%d", CKPT_OBJ_FD);
	fake_env(&f, "FAKE_ERR_FD=%d", 7);
	r = restart(&f, "--wait");
	fake_done(&f);
	CHECK_EQ(r->status, 1);
	snprintf(want, sizeof(want),
		 "restart: cannot restore pid %d: fd 7 could not be reopened: a file changed since the checkpoint (ESTALE)\n",
		 f.pid);
	CHECK(!strcmp(r->err, want));
	CHECK(pid_gone(f.pid));
}

/* Failures on an end of a pseudo-terminal pair (ib_pty_hook's fd 3). */
static struct run *pty_failure(struct fake *f, const struct ib_pty *c,
			       int err, int fd)
{
	struct ib_ops ops = { .rec = ib_pty_hook, .ctx = (void *)c };
	struct run *r;

	if (fake_init(f, &ops))
		return NULL;
	fake_env(f, "FAKE_RESULT_ERR=%d", err);
	fake_env(f, "FAKE_RESULT_OBJ=%d", CKPT_OBJ_FD);
	fake_env(f, "FAKE_ERR_FD=%d", fd);
	r = restart(f, NULL);
	fake_done(f);
	return r;
}

UNIT_TEST(restart_fake_pty_failures)
{
	struct ib_pty c = { .records = 1 };
	char want[256];
	struct fake f;
	struct run *r;

	if (!can_choose_pids())
		return;
	r = pty_failure(&f, &c, EPERM, 3);
	CHECK(r);
	CHECK_EQ(r->status, 1);
	snprintf(want, sizeof(want),
		 "restart: cannot restore pid %d: fd 3, the pseudo-terminal master /dev/ptmx (pts 3): could not give the pseudo-terminal's slave its owner or mode (uid 0 gid 5 mode 0620 from the image) (EPERM)\n",
		 f.pid);
	CHECK(!strncmp(r->err, want, strlen(want)));
	CHECK_STR(r->err, "CAP_CHOWN");
	CHECK(pid_gone(f.pid));
	c.rdev = IB_PTS3_RDEV;
	r = pty_failure(&f, &c, ENXIO, 4);
	CHECK(r);
	CHECK_EQ(r->status, 1);
	CHECK_STR(r->err, "fd 4, the pseudo-terminal slave /dev/pts/3 (pts 3): could not open a pseudo-terminal master at /dev/ptmx: No such device or address (ENXIO)\n");
	r = pty_failure(&f, &c, ENOSPC, 3);
	CHECK(r);
	CHECK_STR(r->err, "no new pseudo-terminal can be made here, or the bytes its master had not read do not fit in it again (ENOSPC)\n");
	CHECK_STR(r->err, "kernel.pty.max");
	r = pty_failure(&f, &c, ESTALE, 3);
	CHECK(r);
	CHECK_STR(r->err, "could not open a pseudo-terminal master at /dev/ptmx: it is not a pseudo-terminal multiplexer (ESTALE)\n");
	r = pty_failure(&f, &c, ENOMEM, 4);
	CHECK(r);
	CHECK_STR(r->err, "fd 4, the pseudo-terminal slave /dev/pts/3 (pts 3) could not be made again: Cannot allocate memory (ENOMEM)\n");
	/* another kind of descriptor: as before */
	r = pty_failure(&f, &c, ENOMEM, 1);
	CHECK(r);
	CHECK_STR(r->err, "fd 1 could not be reopened: Cannot allocate memory (ENOMEM)\n");
}

static void break_pages(struct ib_rec *r, void *ctx)
{
	(void)ctx;
	if (r->type == CKPT_REC_PAGES && r->nth == 2)
		r->csum_xor = 1;
}

UNIT_TEST(restart_fake_bad_pages)
{
	struct ib_ops ops = { .rec = break_pages };
	struct ib_image b;
	char want[128];
	struct fake f;
	struct run *r;
	long off;

	if (!can_choose_pids())
		return;
	ib_build(&b, NULL);
	off = ib_offset(&b, CKPT_REC_PAGES, 2);
	ib_free(&b);
	CHECK(!fake_init(&f, &ops));
	fake_env(&f, "FAKE_RESULT_ERR=%d", EBADMSG);
	fake_env(&f, "FAKE_RESULT_OBJ=%d", CKPT_OBJ_IMAGE);
	fake_env(&f, "FAKE_ERR_TYPE=%d", CKPT_REC_PAGES);
	fake_env(&f, "FAKE_ERR_OFFSET=%ld", off);
	r = restart(&f, NULL);
	fake_done(&f);
	CHECK_EQ(r->status, 1);
	snprintf(want, sizeof(want),
		 "restart: image is corrupt: bad checksum in PAGES record at offset %ld (stored",
		 off);
	CHECK_STR(r->err, want);
}

UNIT_TEST(restart_fake_child_crash)
{
	struct fake f;
	struct run *r;

	if (!can_choose_pids())
		return;
	CHECK(!fake_init(&f, NULL));
	fake_env(&f, "FAKE_CRASH=1");
	r = restart(&f, NULL);
	fake_done(&f);
	CHECK_EQ(r->status, 1);
	CHECK_STR(r->err, "was killed by SIGSEGV before the restore");
	CHECK(pid_gone(f.pid));
}

static void break_file(struct ib_rec *r, void *ctx)
{
	(void)ctx;
	if (r->type == CKPT_REC_FILE && r->nth == 1)
		r->csum_xor = 4;
}

UNIT_TEST(restart_fake_corrupt_image)
{
	struct ib_ops ops = { .rec = break_file };
	struct ib_image b;
	char want[128];
	struct fake f;
	struct run *r;
	long off;

	ib_build(&b, &ops);
	off = ib_offset(&b, CKPT_REC_FILE, 1);
	ib_free(&b);
	CHECK(!fake_init(&f, &ops));
	fake_env(&f, "FAKE_PREPARE_ERR=%d", EBADMSG);
	fake_env(&f, "FAKE_ERR_TYPE=%d", CKPT_REC_FILE);
	fake_env(&f, "FAKE_ERR_OFFSET=%ld", off);
	r = restart(&f, NULL);
	fake_done(&f);
	CHECK_EQ(r->status, 1);
	snprintf(want, sizeof(want),
		 "restart: image is corrupt: bad checksum in FILE record at offset %ld (stored",
		 off);
	CHECK_STR(r->err, want);
	CHECK_STR(r->err, "(EBADMSG)\n");
}

UNIT_TEST(restart_fake_other_kernel)
{
	struct fake f;
	struct run *r;

	CHECK(!fake_init(&f, NULL));
	fake_env(&f, "FAKE_PREPARE_ERR=%d", EXDEV);
	r = restart(&f, NULL);
	fake_done(&f);
	CHECK_EQ(r->status, 1);
	CHECK_STR(r->err, "different kernel build or architecture (EXDEV)\n");
	CHECK_STR(r->err, "restart: the image is from kernel 6.1.0-test-amd64");
}

UNIT_TEST(restart_fake_from_pipe)
{
	char cmd[256];
	struct fake f;
	struct run *r;
	long result;
	int reexec;

	if (!can_choose_pids())
		return;
	CHECK(!fake_init(&f, NULL));
	fake_env(&f, "FAKE_EXIT=5");
	snprintf(cmd, sizeof(cmd), "cat %s | %s --wait", f.img, RESTART_BIN);
	r = unit_run(NULL, (char *[]){ "/bin/sh", "-c", cmd, NULL }, f.env);
	CHECK_EQ(fake_state(&f, &result, &reexec), 0);
	fake_done(&f);
	CHECK_EQ(r->status, 5);
	CHECK_EQ(result, 0);
}

/* The image's PID is still held by a zombie for a while (ckpt --kill). */
UNIT_TEST(restart_fake_waits_for_dying_pid)
{
	struct clone_args args = { .exit_signal = SIGCHLD };
	struct fake f;
	struct run *r;
	pid_t zombie, tid, pid;

	if (!can_choose_pids())
		return;
	CHECK(!fake_init(&f, NULL));
	tid = f.pid;
	args.set_tid = (uintptr_t)&tid;
	args.set_tid_size = 1;
	zombie = syscall(SYS_clone3, &args, sizeof(args));
	if (zombie == 0)
		_exit(0);
	CHECK_EQ(zombie, f.pid);
	usleep(100 * 1000);		/* now a zombie */
	pid = unit_spawn(NULL, (char *[]){ RESTART_BIN, "--wait", f.img,
					   NULL }, f.env);
	usleep(300 * 1000);
	waitpid(zombie, NULL, 0);	/* the parent reaps it at last */
	r = unit_finish(pid);
	fake_done(&f);
	CHECK_EQ(r->status, 0);
	CHECK_EQ(strlen(r->err), 0);
}

UNIT_TEST(restart_fake_compressed_damaged)
{
	char want[128];
	struct fake f;
	struct run *r;
	long result;
	int reexec;

	CHECK(!fake_init(&f, NULL));
	CHECK(!fake_compress(&f, 1));
	r = restart(&f, "--wait");
	snprintf(want, sizeof(want), "restart: cannot read %s: the compressed image is damaged",
		 f.img);
	/* nothing was restored: the fake never ran a restore */
	CHECK(fake_state(&f, &result, &reexec) < 0);
	fake_done(&f);
	CHECK_EQ(r->status, 1);
	CHECK_EQ(unit_count_lines(r->err), 1);
	CHECK_STR(r->err, want);
	CHECK_STR(r->err, "(EBADMSG)\n");
}
