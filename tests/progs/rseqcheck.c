// SPDX-License-Identifier: GPL-2.0
/*
 * rseqcheck DIR: the rseq registrations glibc makes for each thread are
 * live again after restart.  The main thread and a second thread each
 * check, before DIR/ready and again after DIR/go, that their rseq area
 * (thread pointer + __rseq_offset) is registered: registering the same
 * area again fails with EBUSY (an unregistered thread would succeed),
 * and after cpu_id is overwritten with RSEQ_CPU_ID_UNINITIALIZED, a
 * signal delivered to the thread makes the kernel write the CPU it runs
 * on back (what sched_getcpu() says).  Prints "all checks passed"
 * (exit 0), exits 1 naming the check, or 3 if glibc registered no rseq.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include "common.h"

static const char *dir;
static volatile int go;

static void on_usr1(int sig)
{
	(void)sig;
}

static void die(const char *who, const char *what)
{
	fprintf(stderr, "rseqcheck: %s: %s (errno %d)\n", who, what, errno);
	exit(1);
}

static void check(const char *who)
{
	struct rseq *rs = (struct rseq *)((char *)__builtin_thread_pointer() +
					  __rseq_offset);
	long ret;
	int cpu, tries;

	ret = syscall(SYS_rseq, rs, sizeof(*rs), 0, RSEQ_SIG);
	if (ret != -1 || errno != EBUSY)
		die(who, ret == 0 ? "rseq was not registered (a new registration took)" :
			 "registering the same rseq area again did not fail with EBUSY");
	/* a migration between the two reads: try again */
	for (tries = 0; tries < 10; tries++) {
		rs->cpu_id = RSEQ_CPU_ID_UNINITIALIZED;
		syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
		cpu = sched_getcpu();
		if ((int)rs->cpu_id < 0)
			die(who, "the kernel did not update rseq cpu_id");
		if ((int)rs->cpu_id == cpu)
			return;
	}
	die(who, "rseq cpu_id is not the CPU we run on");
}

static void *thread_main(void *arg)
{
	(void)arg;
	check("thread before");
	while (!go)
		usleep(10000);
	check("thread after restart");
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th;

	if (argc != 2)
		return 2;
	dir = argv[1];
	close_extra_fds();
	if (!__rseq_size) {
		fprintf(stderr, "rseqcheck: glibc registered no rseq area\n");
		return 3;
	}
	signal(SIGUSR1, on_usr1);
	check("main before");
	if (pthread_create(&th, NULL, thread_main, NULL))
		die("main", "pthread_create");
	usleep(100000);
	if (announce_ready(dir))
		die("main", "announce_ready");
	wait_for_go(dir);
	check("main after restart");
	go = 1;
	if (pthread_join(th, NULL))
		die("main", "pthread_join");
	printf("rseqcheck: all checks passed\n");
	return 0;
}
