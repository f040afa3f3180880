// SPDX-License-Identifier: GPL-2.0
/*
 * seccomper: seccomp state that must survive a restart.
 *
 *   seccomper filter DIR
 *	no_new_privs, then filter A (getpriority -> EPERM, with
 *	SECCOMP_FILTER_FLAG_LOG) in the main thread; a second thread starts
 *	and adds filter B (getpgid -> EXDEV) for itself only; the main
 *	thread then adds filter C (getsid -> ENOTTY) for itself only.  Each
 *	thread checks its own behaviour and filter count before (so the test
 *	means something) and after the restart: main A+C, the thread A+B,
 *	same TIDs.
 *   seccomper strict DIR
 *	opens DIR/in (a FIFO) and DIR/out, enters SECCOMP_MODE_STRICT, then
 *	for each byte read from DIR/in writes "got C\n" to DIR/out; on 'k'
 *	it first calls getppid(), which strict mode answers with SIGKILL; on
 *	'q' it exits 0 (exit, the only way out in strict mode).
 *
 * Exit 0 and "all checks passed" (filter mode) when every check holds.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "common.h"

static const char *dir;
static pid_t thread_tid;
static volatile int go, thread_ok = -1, thread_ready;

static void die(const char *what)
{
	fprintf(stderr, "seccomper: %s (%s)\n", what, strerror(errno));
	exit(1);
}

/* A filter: @nr fails with @err, everything else is allowed. */
static void add_filter(int nr, int err, unsigned int flags)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = { sizeof(f) / sizeof(f[0]), f };

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &p))
		die("seccomp(SECCOMP_SET_MODE_FILTER)");
}

/* /proc/self/task/TID/status field @name, or -1. */
static long status_of(pid_t tid, const char *name)
{
	char path[64], line[256];
	size_t n = strlen(name);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

/* errno of a call that should fail with @want, or 0 if it succeeded. */
static int err_of(long ret)
{
	return ret < 0 ? errno : 0;
}

/* Which of the three calls fail, and how: "EPERM EXDEV 0" style. */
static int behaves(const char *who, int want_prio, int want_pgid,
		   int want_sid)
{
	int prio = err_of(syscall(SYS_getpriority, PRIO_PROCESS, 0));
	int pgid = err_of(syscall(SYS_getpgid, 0));
	int sid = err_of(syscall(SYS_getsid, 0));
	pid_t tid = (pid_t)syscall(SYS_gettid);

	if (prio != want_prio || pgid != want_pgid || sid != want_sid) {
		fprintf(stderr, "seccomper: %s: getpriority/getpgid/getsid errno %d/%d/%d, expected %d/%d/%d\n",
			who, prio, pgid, sid, want_prio, want_pgid, want_sid);
		return 0;
	}
	if (status_of(tid, "Seccomp") != 2 ||
	    status_of(tid, "Seccomp_filters") != 2 ||
	    status_of(tid, "NoNewPrivs") != 1) {
		fprintf(stderr, "seccomper: %s: Seccomp %ld, Seccomp_filters %ld, NoNewPrivs %ld; expected 2, 2, 1\n",
			who, status_of(tid, "Seccomp"),
			status_of(tid, "Seccomp_filters"),
			status_of(tid, "NoNewPrivs"));
		return 0;
	}
	return 1;
}

static void *thread_main(void *arg)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };

	(void)arg;
	thread_tid = (pid_t)syscall(SYS_gettid);
	add_filter(SYS_getpgid, EXDEV, 0);
	thread_ok = behaves("thread (before)", EPERM, EXDEV, 0);
	thread_ready = 1;
	while (!go)
		nanosleep(&tick, NULL);
	if ((pid_t)syscall(SYS_gettid) != thread_tid) {
		fprintf(stderr, "seccomper: the thread's TID changed\n");
		thread_ok = 0;
		return NULL;
	}
	thread_ok = thread_ok && behaves("thread (after)", EPERM, EXDEV, 0);
	return NULL;
}

static int do_filter(void)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	pthread_t th;
	int ok;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		die("PR_SET_NO_NEW_PRIVS");
	add_filter(SYS_getpriority, EPERM, SECCOMP_FILTER_FLAG_LOG);
	if (pthread_create(&th, NULL, thread_main, NULL))
		die("pthread_create");
	while (!thread_ready)
		nanosleep(&tick, NULL);
	add_filter(SYS_getsid, ENOTTY, 0);
	ok = behaves("main (before)", EPERM, 0, ENOTTY) && thread_ok;
	if (!ok)
		return 1;
	if (announce_ready(dir))
		die("ready");
	wait_for_go(dir);
	ok = behaves("main (after)", EPERM, 0, ENOTTY);
	go = 1;
	pthread_join(th, NULL);
	if (!ok || !thread_ok)
		return 1;
	printf("all checks passed: main A+C, thread %d A+B\n", thread_tid);
	return 0;
}

static __attribute__((noreturn)) void do_strict(void)
{
	char path[4096], c, line[8];
	int in, out;

	snprintf(path, sizeof(path), "%s/in", dir);
	if (mkfifo(path, 0600) && errno != EEXIST)
		die("mkfifo");
	in = open(path, O_RDWR);
	snprintf(path, sizeof(path), "%s/out", dir);
	out = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (in < 0 || out < 0)
		die("open");
	if (announce_ready(dir))
		die("ready");
	fflush(NULL);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0))
		die("PR_SET_SECCOMP");
	for (;;) {
		if (read(in, &c, 1) != 1)
			syscall(SYS_exit, 3);
		if (c == 'k')
			syscall(SYS_getppid);	/* SIGKILL in strict mode */
		if (c == 'q')
			syscall(SYS_exit, 0);
		memcpy(line, "got ?\n", 6);
		line[4] = c;
		if (write(out, line, 6) != 6)
			syscall(SYS_exit, 4);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: seccomper filter|strict DIR\n");
		return 2;
	}
	dir = argv[2];
	if (!strcmp(argv[1], "filter"))
		return do_filter();
	if (!strcmp(argv[1], "strict"))
		do_strict();
	fprintf(stderr, "seccomper: unknown mode %s\n", argv[1]);
	return 2;
}
